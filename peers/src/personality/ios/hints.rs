//! Fix hints in IOS's commands: the lines of a parsed config (its [`Origins`]) rewritten, or
//! added, so that it agrees with its peer. Phase-2 IDs are the crypto ACL's `permit` line;
//! PFS is the crypto map's `set pfs`; phase-2 proposals the transform set (and the map's
//! `set security-association lifetime`); phase-1 proposals the first `crypto isakmp policy`
//! block's lines; the key the `crypto isakmp key` line. A sub-command keeps the indentation of
//! the line it replaces, and an added one gets `show running-config`'s single space.
//!
//! [`Origins`]: crate::personality::Origins

use crate::crypto::{CipherAlg, DhGroup, HashAlg};
use crate::esp::IntegAlg;
use crate::ike::{ExchangeMode, QmId};
use crate::personality::{Edit, EditKind, Mismatch, Origin, RouterConfig, Setting, Words};
use crate::wire::IdData;

/// The edits to an IOS config that remove `m`, or `None` when IOS (as modelled) cannot say it.
pub fn fix(config: &RouterConfig, m: &Mismatch<'_>) -> Option<Vec<Edit>> {
    let line = |s: Setting| config.origins.get(&s).cloned();
    let edits: Vec<Edit> = match *m {
        Mismatch::Ids {
            policy,
            local,
            remote,
        } => {
            let o = line(Setting::LocalId(policy.into()))?;
            let w = Words::of(&o.text);
            let words = w.as_slice();
            // `access-list N permit ip ...`, or `[seq] permit ip ...` in a named list.
            let at = words.iter().position(|x| x == "permit")?;
            let head = words.get(..at)?.join(" ");
            let ids = format!("permit ip {} {}", spec(local)?, spec(remote)?);
            let new = if head.is_empty() {
                ids
            } else {
                format!("{head} {ids}")
            };
            replace(config, &o, new).into_iter().collect()
        }
        Mismatch::Pfs { policy, group } => {
            let o = line(Setting::Pfs(policy.into()))?;
            let is_set = o.text.starts_with("set pfs");
            match (group, is_set) {
                (Some(g), true) => replace(config, &o, format!("set pfs {}", pfs_name(g)))
                    .into_iter()
                    .collect(),
                (Some(g), false) => {
                    vec![Edit::insert_after(&o, format!(" set pfs {}", pfs_name(g)))]
                }
                (None, true) => replace(config, &o, "no set pfs".into())
                    .into_iter()
                    .collect(),
                (None, false) => vec![],
            }
        }
        Mismatch::Phase2Proposal { policy, proposal } => {
            let o = line(Setting::Phase2Proposal(policy.into()))?;
            let w = Words::of(&o.text);
            let name = w.as_slice().get(3)?;
            let mut edits: Vec<Edit> = replace(
                config,
                &o,
                format!(
                    "crypto ipsec transform-set {name} {} {}",
                    esp_cipher(proposal.cipher),
                    esp_integ(proposal.integ)
                ),
            )
            .into_iter()
            .collect();
            let current = config
                .engine
                .policies
                .iter()
                .find(|p| p.name == policy)
                .and_then(|p| p.proposals.first())
                .map(|p| p.lifetime);
            if current != Some(proposal.lifetime) {
                let map = line(Setting::Policy(policy.into()))?;
                edits.push(Edit::insert_after(
                    &map,
                    format!(
                        " set security-association lifetime seconds {}",
                        proposal.lifetime.as_secs()
                    ),
                ));
            }
            edits
        }
        Mismatch::Phase1Proposal { peer, proposal } => {
            let head = line(Setting::Phase1Proposal(peer.into()))?;
            let want = [
                ("encr", ike_cipher(proposal.cipher)),
                ("hash", hash_name(proposal.hash).to_string()),
                ("group", group_number(proposal.group).to_string()),
                ("lifetime", proposal.lifetime.as_secs().to_string()),
            ];
            let block = block_lines(config, &head);
            let mut edits = vec![];
            for (kw, value) in want {
                let new = format!("{kw} {value}");
                let found = block.iter().find(|o| {
                    let first = o.text.split_whitespace().next().unwrap_or("");
                    first == kw || (kw == "encr" && first == "encryption")
                });
                match found {
                    Some(o) => edits.extend(replace(config, o, new)),
                    None => edits.push(Edit::insert_after(&head, format!(" {new}"))),
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
            let w = Words::of(&o.text);
            let at = if w.as_slice().get(3).is_some_and(|x| x == "0") {
                4
            } else {
                3
            };
            replace(config, &o, w.replace_at(at, key).to_string())
                .into_iter()
                .collect()
        }
        // IOS initiates Main Mode with a crypto map's peer; Aggressive Mode needs an ISAKMP
        // profile, which is not modelled.
        Mismatch::ExchangeMode { mode, .. } => match mode {
            ExchangeMode::Main => vec![],
            ExchangeMode::Aggressive => return None,
        },
        // No tunnel interfaces: a crypto map protects what its access list names, not a route.
        Mismatch::Route { .. } => return None,
        Mismatch::PeerAddress { peer, address } => {
            let a = address.to_string();
            let mut edits = vec![];
            for o in config.origins.all(&Setting::Peer(peer.into())) {
                edits.extend(replace(config, o, format!("set peer {a}")));
            }
            if let Some(o) = line(Setting::PreSharedKey(peer.into())) {
                let w = Words::of(&o.text).set("address", &a);
                edits.extend(replace(config, &o, w.to_string()));
            }
            edits
        }
        // NAT transparency is on unless `no crypto ipsec nat-transparency udp-encapsulation`
        // (a global line, added beside the peer's key); turning it back on would be that line
        // removed, which an edit cannot say.
        Mismatch::NatTraversal { peer, on } => {
            if m.nat_traversal_holds(config)? {
                return Some(vec![]);
            }
            if on {
                return None;
            }
            let o = line(Setting::PreSharedKey(peer.into()))?;
            vec![Edit::insert_after(
                &o,
                "no crypto ipsec nat-transparency udp-encapsulation".into(),
            )]
        }
    };
    Some(edits)
}

/// An edit replacing `o` by `new`, keeping `o`'s indentation.
fn replace(config: &RouterConfig, o: &Origin, new: String) -> Option<Edit> {
    let mut e = Edit::replace(o, new)?;
    let raw = config
        .origins
        .text()
        .get(o.line.checked_sub(1)?)
        .map(String::as_str)
        .unwrap_or("");
    let indent: String = raw
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    if let EditKind::Replace { new, .. } = &mut e.change {
        new.insert_str(0, &indent);
    }
    Some(e)
}

/// The lines of the block whose first line is `head` (up to the next unindented line).
fn block_lines(config: &RouterConfig, head: &Origin) -> Vec<Origin> {
    let text = config.origins.text();
    let mut out = vec![];
    for (i, raw) in text.iter().enumerate().skip(head.line) {
        if !raw.starts_with([' ', '\t']) || raw.trim().is_empty() {
            break;
        }
        out.push(Origin {
            file: head.file.clone(),
            line: i + 1,
            text: raw.trim().to_string(),
        });
    }
    out
}

/// `any`, `host A` or `A WILDCARD`; `None` for IDs an ACL cannot write.
fn spec(id: &QmId) -> Option<String> {
    if id.protocol != 0 || id.port != 0 {
        return None;
    }
    match id.data {
        IdData::Ipv4Addr(a) => Some(format!("host {a}")),
        IdData::Ipv4Subnet(_, m) if u32::from(m) == 0 => Some("any".to_string()),
        IdData::Ipv4Subnet(..) => {
            let net = id.data.ipv4_net()?;
            let wild = std::net::Ipv4Addr::from(!crate::prefix::Ipv4Net::mask_of(net.prefix_len));
            Some(format!("{} {wild}", net.network()))
        }
        _ => None,
    }
}

fn pfs_name(g: DhGroup) -> String {
    format!("group{}", group_number(g))
}

fn group_number(g: DhGroup) -> u8 {
    match g {
        DhGroup::Modp768 => 1,
        DhGroup::Modp1024 => 2,
        DhGroup::Modp1536 => 5,
        DhGroup::Modp2048 => 14,
    }
}

fn ike_cipher(c: CipherAlg) -> String {
    match c {
        CipherAlg::AesCbc { key_len: 16 } => "aes".into(),
        CipherAlg::AesCbc { key_len } => format!("aes {}", key_len * 8),
        CipherAlg::TripleDesCbc => "3des".into(),
    }
}

fn esp_cipher(c: CipherAlg) -> String {
    match c {
        CipherAlg::AesCbc { key_len: 16 } => "esp-aes".into(),
        CipherAlg::AesCbc { key_len } => format!("esp-aes {}", key_len * 8),
        CipherAlg::TripleDesCbc => "esp-3des".into(),
    }
}

fn esp_integ(i: IntegAlg) -> &'static str {
    match i {
        IntegAlg::HmacMd5_96 => "esp-md5-hmac",
        IntegAlg::HmacSha1_96 => "esp-sha-hmac",
        IntegAlg::HmacSha256_128 => "esp-sha256-hmac",
    }
}

fn hash_name(h: HashAlg) -> &'static str {
    match h {
        HashAlg::Md5 => "md5",
        HashAlg::Sha1 => "sha",
        HashAlg::Sha256 => "sha256",
    }
}
