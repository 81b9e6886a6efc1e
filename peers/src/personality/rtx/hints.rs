//! Fix hints in the RTX's commands: the lines of a parsed config (its [`Origins`]) rewritten, or
//! added after the line they belong with, so that it agrees with its peer. Gateway settings are
//! one command each (`ipsec ike pfs 1 on`), so most fixes replace or add one such line.
//!
//! [`Origins`]: crate::personality::Origins

use std::time::Duration;

use crate::crypto::{CipherAlg, DhGroup, HashAlg};
use crate::esp::IntegAlg;
use crate::ike::{Policy, QmId};
use crate::personality::{Edit, Mismatch, Origin, RouterConfig, Setting, Words};
use crate::wire::IdData;

use super::config::{DEFAULT_CIPHER, DEFAULT_GROUP, DEFAULT_HASH, DEFAULT_LIFETIME};

/// The edits to an RTX config that remove `m`, or `None` when the RTX cannot say it.
pub fn fix(config: &RouterConfig, m: &Mismatch<'_>) -> Option<Vec<Edit>> {
    let line = |s: Setting| config.origins.get(&s).cloned();
    let policy = |name: &str| config.engine.policies.iter().find(|p| p.name == name);
    let edits: Vec<Edit> = match *m {
        Mismatch::Ids {
            policy: name,
            local,
            remote,
        } => {
            let p = policy(name)?;
            let gw = &p.peer;
            let sa = line(Setting::Policy(name.into()))?;
            let now = p.qm_ids();
            let mut edits = vec![];
            // Both IDs may be options of the `ipsec sa policy` line: one edit for that line.
            let mut sa_text = sa.text.clone();
            for (setting, key, cmd, id, current) in [
                (
                    Setting::LocalId(name.into()),
                    "local-id",
                    "ipsec ike local id",
                    local,
                    &now.0,
                ),
                (
                    Setting::RemoteId(name.into()),
                    "remote-id",
                    "ipsec ike remote id",
                    remote,
                    &now.1,
                ),
            ] {
                let text = id_text(id)?;
                match line(setting) {
                    // Set on the `ipsec sa policy` line (which takes precedence).
                    Some(o) if o.line == sa.line => sa_text = set_option(&sa_text, key, &text),
                    Some(o) => edits.extend(Edit::replace(&o, format!("{cmd} {gw} {text}"))),
                    // Without IDs the RTX stands for its endpoints (RFC 2409 5.5): nothing to add
                    // when that is what the peer wants.
                    None if current == id => {}
                    None => edits.push(Edit::insert_after(&sa, format!("{cmd} {gw} {text}"))),
                }
            }
            edits.extend(Edit::replace(&sa, sa_text));
            edits.sort_by_key(|e| e.line);
            edits
        }
        Mismatch::Pfs {
            policy: name,
            group,
        } => {
            let p = policy(name)?;
            let gw = &p.peer;
            let anchor = line(Setting::Policy(name.into()))?;
            let on = if group.is_some() { "on" } else { "off" };
            let mut edits = vec![];
            let pfs = format!("ipsec ike pfs {gw} {on}");
            match line(Setting::Pfs(name.into())) {
                Some(o) => edits.extend(Edit::replace(&o, pfs)),
                None if group.is_none() => {}
                None => edits.push(Edit::insert_after(&anchor, pfs)),
            }
            if let Some(g) = group {
                // `pfs on` uses the second group of `ipsec ike group`, else the first.
                let phase1 = phase1_group(config, gw);
                let group_line = proposal_line(config, gw, "ipsec ike group ");
                let second = group_line
                    .as_ref()
                    .and_then(|o| Words::of(&o.text).as_slice().get(5).cloned());
                let now = second.unwrap_or_else(|| group_name(phase1).to_string());
                if now != group_name(g) {
                    let text = format!(
                        "ipsec ike group {gw} {} {}",
                        group_name(phase1),
                        group_name(g)
                    );
                    match group_line {
                        Some(o) => edits.extend(Edit::replace(&o, text)),
                        None => edits.push(Edit::insert_after(&anchor, text)),
                    }
                }
            }
            edits
        }
        Mismatch::Phase2Proposal {
            policy: name,
            proposal,
        } => {
            let p = policy(name)?;
            let sa = line(Setting::Policy(name.into()))?;
            let w = Words::of(&sa.text);
            let head = w.as_slice().get(..6)?.join(" ");
            let options: Vec<&str> = w
                .as_slice()
                .iter()
                .filter(|x| x.contains('='))
                .map(String::as_str)
                .collect();
            let mut new = format!(
                "{head} {} {}",
                cipher_name(proposal.cipher)?,
                integ_name(proposal.integ)
            );
            for o in options {
                new.push(' ');
                new.push_str(o);
            }
            let mut edits: Vec<Edit> = Edit::replace(&sa, new).into_iter().collect();
            let ours = p.proposals.first().map_or(DEFAULT_LIFETIME, |x| x.lifetime);
            if proposal.lifetime != ours {
                edits.extend(duration_edit(config, p, &sa, proposal.lifetime));
            }
            edits
        }
        Mismatch::Phase1Proposal { peer, proposal } => {
            let anchor = line(Setting::Peer(peer.into()))?;
            let mut edits = vec![];
            let group = match proposal_line(config, peer, "ipsec ike group ") {
                // Keep a second (PFS) group as written.
                Some(o) => {
                    let w = Words::of(&o.text);
                    match w.as_slice().get(5) {
                        Some(pfs) => format!("{} {pfs}", group_name(proposal.group)),
                        None => group_name(proposal.group).to_string(),
                    }
                }
                None => group_name(proposal.group).to_string(),
            };
            let wanted = [
                (
                    "ipsec ike encryption ",
                    cipher_name(proposal.cipher)?.to_string(),
                    proposal.cipher == DEFAULT_CIPHER,
                ),
                (
                    "ipsec ike hash ",
                    hash_name(proposal.hash).to_string(),
                    proposal.hash == DEFAULT_HASH,
                ),
                ("ipsec ike group ", group, proposal.group == DEFAULT_GROUP),
                (
                    "ipsec ike duration isakmp-sa ",
                    proposal.lifetime.as_secs().to_string(),
                    proposal.lifetime == DEFAULT_LIFETIME,
                ),
            ];
            for (cmd, value, default) in wanted {
                let new = format!("{cmd}{peer} {value}");
                match proposal_line(config, peer, cmd) {
                    Some(o) => edits.extend(Edit::replace(&o, new)),
                    None if default => {}
                    None => edits.push(Edit::insert_after(&anchor, new)),
                }
            }
            edits
        }
        Mismatch::PreSharedKey { peer, key } => {
            let o = line(Setting::PreSharedKey(peer.into()))?;
            let key = std::str::from_utf8(key).ok()?;
            if key.is_empty() || key.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return None;
            }
            Edit::replace(&o, format!("ipsec ike pre-shared-key {peer} text {key}"))
                .into_iter()
                .collect()
        }
        // Main Mode is the RTX's without `ipsec ike local name`, and Aggressive Mode needs a
        // name: neither is one line to change.
        Mismatch::ExchangeMode { .. } => return None,
        Mismatch::Route { prefix, interface } => {
            let n = interface.strip_prefix("tunnel")?;
            let dest = if prefix.prefix_len == 0 {
                "default".to_string()
            } else {
                format!("{}/{}", prefix.network(), prefix.prefix_len)
            };
            let new = format!("ip route {dest} gateway tunnel {n}");
            match line(Setting::Route(prefix)) {
                Some(o) => Edit::replace(&o, new).into_iter().collect(),
                None => {
                    let after = config
                        .origins
                        .last_of(|s| matches!(s, Setting::Route(_)))
                        .or_else(|| {
                            config.origins.last_of(
                                |s| matches!(s, Setting::Interface(i) if i.starts_with("lan")),
                            )
                        })?;
                    vec![Edit::insert_after(after, new)]
                }
            }
        }
        Mismatch::PeerAddress { peer, address } => {
            let o = line(Setting::Peer(peer.into()))?;
            Edit::replace(&o, format!("ipsec ike remote address {peer} {address}"))
                .into_iter()
                .collect()
        }
        // `ipsec ike nat-traversal GW on|off` beside the gateway's address (the last such
        // line is the one that holds).
        Mismatch::NatTraversal { peer, on } => {
            if m.nat_traversal_holds(config)? {
                return Some(vec![]);
            }
            let o = line(Setting::Peer(peer.into()))?;
            let v = if on { "on" } else { "off" };
            vec![Edit::insert_after(
                &o,
                format!("ipsec ike nat-traversal {peer} {v}"),
            )]
        }
    };
    Some(edits)
}

/// The line of gateway `gw`'s phase-1 proposal that starts with `cmd`.
fn proposal_line(config: &RouterConfig, gw: &str, cmd: &str) -> Option<Origin> {
    config
        .origins
        .all(&Setting::Phase1Proposal(gw.into()))
        .find(|o| o.text.starts_with(cmd))
        .cloned()
}

/// Gateway `gw`'s phase-1 group.
fn phase1_group(config: &RouterConfig, gw: &str) -> DhGroup {
    config
        .engine
        .peers
        .iter()
        .find(|p| p.name == gw)
        .and_then(|p| p.proposals.first())
        .map_or(DEFAULT_GROUP, |p| p.group)
}

/// The edit that makes policy `p`'s IPsec SA lifetime `lifetime`.
fn duration_edit(
    config: &RouterConfig,
    p: &Policy,
    sa: &Origin,
    lifetime: Duration,
) -> Option<Edit> {
    let new = format!(
        "ipsec ike duration ipsec-sa {} {}",
        p.peer,
        lifetime.as_secs()
    );
    let setting = Setting::Phase2Proposal(p.name.clone());
    let current = config.origins.all(&setting).find(|o| o.line != sa.line);
    match current {
        Some(o) => Edit::replace(o, new),
        None => Some(Edit::insert_after(sa, new)),
    }
}

/// `line` with its `key=...` word set to `key=value` (appended if absent).
fn set_option(line: &str, key: &str, value: &str) -> String {
    let prefix = format!("{key}=");
    let mut words: Vec<String> = Words::of(line).as_slice().to_vec();
    match words.iter_mut().find(|w| w.starts_with(&prefix)) {
        Some(w) => *w = format!("{prefix}{value}"),
        None => words.push(format!("{prefix}{value}")),
    }
    words.join(" ")
}

/// A phase-2 ID as the RTX writes it (`a.b.c.d` for ID_IPV4_ADDR, `a.b.c.d/len` for a subnet);
/// `None` for what it cannot set (a protocol or port, ranges, names, IPv6).
fn id_text(id: &QmId) -> Option<String> {
    if id.protocol != 0 || id.port != 0 {
        return None;
    }
    match id.data {
        IdData::Ipv4Addr(a) => Some(a.to_string()),
        IdData::Ipv4Subnet(..) => {
            let net = id.data.ipv4_net()?;
            Some(format!("{}/{}", net.addr, net.prefix_len))
        }
        _ => None,
    }
}

fn group_name(g: DhGroup) -> &'static str {
    match g {
        DhGroup::Modp768 => "modp768",
        DhGroup::Modp1024 => "modp1024",
        DhGroup::Modp1536 => "modp1536",
        DhGroup::Modp2048 => "modp2048",
    }
}

/// The RTX's name for a cipher; `None` for AES-192, which it cannot set.
fn cipher_name(c: CipherAlg) -> Option<&'static str> {
    match c {
        CipherAlg::TripleDesCbc => Some("3des-cbc"),
        CipherAlg::AesCbc { key_len: 16 } => Some("aes-cbc"),
        CipherAlg::AesCbc { key_len: 32 } => Some("aes256-cbc"),
        CipherAlg::AesCbc { .. } => None,
    }
}

fn hash_name(h: HashAlg) -> &'static str {
    match h {
        HashAlg::Md5 => "md5",
        HashAlg::Sha1 => "sha",
        HashAlg::Sha256 => "sha256",
    }
}

fn integ_name(i: IntegAlg) -> &'static str {
    match i {
        IntegAlg::HmacMd5_96 => "md5-hmac",
        IntegAlg::HmacSha1_96 => "sha-hmac",
        IntegAlg::HmacSha256_128 => "sha256-hmac",
    }
}
