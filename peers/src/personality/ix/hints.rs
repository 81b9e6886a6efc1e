//! Fix hints in the IX's commands: the lines of a parsed config (its [`Origins`]) rewritten, or
//! added, so that it agrees with its peer.
//!
//! [`Origins`]: crate::personality::Origins

use crate::crypto::{CipherAlg, DhGroup, HashAlg};
use crate::esp::IntegAlg;
use crate::ike::{ExchangeMode, QmId};
use crate::personality::{Edit, Mismatch, Origin, RouterConfig, Setting, Words};
use crate::prefix::Ipv4Net;

/// The edits to an IX config that remove `m`, or `None` when the IX cannot say it.
pub fn fix(config: &RouterConfig, m: &Mismatch<'_>) -> Option<Vec<Edit>> {
    let line = |s: Setting| config.origins.get(&s).cloned();
    let edit = |o: &Origin, w: Words| Edit::replace(o, w.to_string());
    let edits: Vec<Edit> = match *m {
        Mismatch::Ids {
            policy,
            local,
            remote,
        } => {
            let map = line(Setting::Policy(policy.into()))?;
            let now = config
                .engine
                .policies
                .iter()
                .find(|p| p.name == policy)
                .map(|p| p.qm_ids())?;
            let mut edits = vec![];
            for (setting, cmd, id, current) in [
                (
                    Setting::LocalId(policy.into()),
                    "ipsec local-id",
                    local,
                    &now.0,
                ),
                (
                    Setting::RemoteId(policy.into()),
                    "ipsec remote-id",
                    remote,
                    &now.1,
                ),
            ] {
                let new = format!("{cmd} {policy} {}", id_text(id)?);
                match line(setting) {
                    Some(o) => edits.extend(Edit::replace(&o, new)),
                    // Already so (from the access list): nothing to add.
                    None if current == id => {}
                    None => edits.push(Edit::insert_after(&map, new)),
                }
            }
            edits
        }
        Mismatch::Pfs { policy, group } => {
            let o = line(Setting::Pfs(policy.into()))?;
            let w = Words::of(&o.text);
            let w = match group {
                Some(g) => w.set("pfs", group_name(g)),
                None => w.remove("pfs"),
            };
            edit(&o, w).into_iter().collect()
        }
        Mismatch::Phase2Proposal { policy, proposal } => {
            let o = line(Setting::Phase2Proposal(policy.into()))?;
            let w = Words::of(&o.text);
            let head = w.as_slice().get(..3)?.join(" ");
            let new = format!(
                "{head} {} {} lifetime time {}",
                esp_cipher_name(proposal.cipher),
                esp_integ_name(proposal.integ),
                proposal.lifetime.as_secs()
            );
            Edit::replace(&o, new).into_iter().collect()
        }
        Mismatch::Phase1Proposal { peer, proposal } => {
            let o = line(Setting::Phase1Proposal(peer.into()))?;
            let w = Words::of(&o.text)
                .set("encryption", ike_cipher_name(proposal.cipher))
                .set("hash", hash_name(proposal.hash))
                .set("group", group_name(proposal.group))
                .set("lifetime", &proposal.lifetime.as_secs().to_string());
            edit(&o, w).into_iter().collect()
        }
        Mismatch::PreSharedKey { peer, key } => {
            let o = line(Setting::PreSharedKey(peer.into()))?;
            let key = std::str::from_utf8(key).ok()?;
            if key.is_empty() || key.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return None;
            }
            edit(&o, Words::of(&o.text).set("key", key))
                .into_iter()
                .collect()
        }
        Mismatch::ExchangeMode { peer, mode } => {
            let o = line(Setting::Peer(peer.into()))?;
            let w = Words::of(&o.text);
            let w = match mode {
                ExchangeMode::Main => w.remove("mode"),
                ExchangeMode::Aggressive if w.value("mode").is_some() => {
                    w.set("mode", "aggressive")
                }
                // `mode aggressive` goes after the key, before the proposal names.
                ExchangeMode::Aggressive => {
                    let key = w.as_slice().iter().position(|x| x == "key")?;
                    w.insert_at(key + 2, &["mode", "aggressive"])
                }
            };
            edit(&o, w).into_iter().collect()
        }
        Mismatch::Route { prefix, interface } => {
            let new = format!(
                "ip route {}/{} {interface}",
                prefix.network(),
                prefix.prefix_len
            );
            match line(Setting::Route(prefix)) {
                Some(o) => Edit::replace(&o, new).into_iter().collect(),
                // `ip route` is a global command: after the last one, else before the first
                // interface block.
                None => match config.origins.last_of(|s| matches!(s, Setting::Route(_))) {
                    Some(after) => vec![Edit::insert_after(after, new)],
                    None => {
                        let first = config
                            .origins
                            .first_of(|s| matches!(s, Setting::Interface(_)))?;
                        vec![Edit::insert_before(first, new)]
                    }
                },
            }
        }
        Mismatch::PeerAddress { peer, address } => {
            let o = line(Setting::Peer(peer.into()))?;
            let a = address.to_string();
            let mut edits: Vec<Edit> = edit(&o, Words::of(&o.text).set("peer", &a))
                .into_iter()
                .collect();
            for p in config.engine.policies.iter().filter(|p| p.peer == peer) {
                if let Some(m) = line(Setting::Policy(p.name.clone())) {
                    edits.extend(edit(&m, Words::of(&m.text).set("peer", &a)));
                }
            }
            edits
        }
        // `ike nat-traversal` (every IKE policy) is one global line; turning it off would be
        // a line removed, which an edit cannot say.
        Mismatch::NatTraversal { peer, on } => {
            if m.nat_traversal_holds(config)? {
                return Some(vec![]);
            }
            if !on {
                return None;
            }
            let o = line(Setting::Peer(peer.into()))?;
            vec![Edit::insert_after(&o, "ike nat-traversal".into())]
        }
    };
    Some(edits)
}

/// A phase-2 ID as `ipsec local-id`/`remote-id` write it; `None` for IDs the IX cannot set
/// (a protocol or port, ranges, names, IPv6).
fn id_text(id: &QmId) -> Option<String> {
    if id.protocol != 0 || id.port != 0 {
        return None;
    }
    let net = id.data.ipv4_net()?;
    Some(if net.prefix_len == 32 {
        net.addr.to_string()
    } else {
        let Ipv4Net { addr, prefix_len } = net;
        format!("{addr}/{prefix_len}")
    })
}

fn group_name(g: DhGroup) -> &'static str {
    match g {
        DhGroup::Modp768 => "768-bit",
        DhGroup::Modp1024 => "1024-bit",
        DhGroup::Modp1536 => "1536-bit",
        DhGroup::Modp2048 => "2048-bit",
    }
}

fn ike_cipher_name(c: CipherAlg) -> &'static str {
    match c {
        CipherAlg::AesCbc { key_len: 24 } => "aes-192",
        CipherAlg::AesCbc { key_len: 32 } => "aes-256",
        CipherAlg::AesCbc { .. } => "aes",
        CipherAlg::TripleDesCbc => "3des",
    }
}

fn hash_name(h: HashAlg) -> &'static str {
    match h {
        HashAlg::Md5 => "md5",
        HashAlg::Sha1 => "sha",
        HashAlg::Sha256 => "sha2-256",
    }
}

fn esp_cipher_name(c: CipherAlg) -> String {
    format!("esp-{}", ike_cipher_name(c))
}

fn esp_integ_name(i: IntegAlg) -> &'static str {
    match i {
        IntegAlg::HmacMd5_96 => "esp-md5",
        IntegAlg::HmacSha1_96 => "esp-sha",
        IntegAlg::HmacSha256_128 => "esp-sha2-256",
    }
}
