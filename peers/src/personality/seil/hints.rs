//! Fix hints in SEIL's commands: the lines of a parsed config (its [`Origins`]) rewritten so
//! that it agrees with its peer, keeping the user's other words.

use crate::ike::{ExchangeMode, QmId};
use crate::personality::{Edit, InterfaceKind, Mismatch, Origin, RouterConfig, Setting, Words};
use crate::prefix::Ipv4Net;

use super::values::{DH_GROUP, ESP_AUTH, ESP_ENCRYPTION, IKE_ENCRYPTION, IKE_HASH, name_of};

/// The edits to a SEIL config that remove `m`, or `None` when SEIL cannot say it.
pub fn fix(config: &RouterConfig, m: &Mismatch<'_>) -> Option<Vec<Edit>> {
    let line = |s: Setting| config.origins.get(&s).cloned();
    let edit = |o: &Origin, w: Words| Edit::replace(o, w.to_string());
    let edits: Vec<Edit> = match *m {
        Mismatch::Ids {
            policy,
            local,
            remote,
        } => {
            let o = line(Setting::Policy(policy.into()))?;
            if o.text.starts_with("ipsec security-policy") {
                return security_policy(&o, local, remote);
            }
            let (l, r) = (proxy_id(local)?, proxy_id(remote)?);
            if local.port != 0 || remote.port != 0 || local.protocol != remote.protocol {
                return None;
            }
            let mut w = Words::of(&o.text);
            w = if l == "any" && r == "any" {
                // SEIL's default: 0.0.0.0/0 both ways.
                w.remove("proxy-id-local").remove("proxy-id-remote")
            } else {
                w.set("proxy-id-local", &l).set("proxy-id-remote", &r)
            };
            w = match local.protocol {
                0 => w.remove("proxy-id-protocol"),
                p => w.set("proxy-id-protocol", &p.to_string()),
            };
            edit(&o, w).into_iter().collect()
        }
        Mismatch::Pfs { policy, group } => {
            let o = line(Setting::Pfs(policy.into()))?;
            let g = match group {
                Some(g) => name_of(DH_GROUP, &g)?,
                None => "none",
            };
            edit(&o, Words::of(&o.text).set("pfs-group", g))
                .into_iter()
                .collect()
        }
        Mismatch::Phase2Proposal { policy, proposal } => {
            let o = line(Setting::Phase2Proposal(policy.into()))?;
            let w = Words::of(&o.text)
                .set(
                    "authentication-algorithm",
                    name_of(ESP_AUTH, &proposal.integ)?,
                )
                .set(
                    "encryption-algorithm",
                    name_of(ESP_ENCRYPTION, &proposal.cipher)?,
                )
                .set("lifetime-of-time", &time(proposal.lifetime.as_secs()));
            edit(&o, w).into_iter().collect()
        }
        Mismatch::Phase1Proposal { peer, proposal } => {
            let o = line(Setting::Phase1Proposal(peer.into()))?;
            let w = Words::of(&o.text)
                .set("encryption", name_of(IKE_ENCRYPTION, &proposal.cipher)?)
                .set("hash", name_of(IKE_HASH, &proposal.hash)?)
                .set("dh-group", name_of(DH_GROUP, &proposal.group)?)
                .set("lifetime-of-time", &time(proposal.lifetime.as_secs()));
            edit(&o, w).into_iter().collect()
        }
        Mismatch::PreSharedKey { peer, key } => {
            let o = line(Setting::PreSharedKey(peer.into()))?;
            let key = std::str::from_utf8(key).ok()?;
            if key.contains('"') || key.chars().any(char::is_control) {
                return None;
            }
            let w = Words::of(&o.text).replace_at(4, &format!("\"{key}\""));
            edit(&o, w).into_iter().collect()
        }
        Mismatch::ExchangeMode { peer, mode } => {
            let o = line(Setting::Peer(peer.into()))?;
            let mode = match mode {
                ExchangeMode::Main => "main",
                ExchangeMode::Aggressive => "aggressive",
            };
            edit(&o, Words::of(&o.text).set("exchange-mode", mode))
                .into_iter()
                .collect()
        }
        Mismatch::Route { prefix, interface } => {
            let new = format!("route add {} {interface}", net_text(prefix));
            match line(Setting::Route(prefix)) {
                Some(o) => Edit::replace(&o, new).into_iter().collect(),
                None => {
                    let after = config
                        .origins
                        .last_of(|s| matches!(s, Setting::Route(_)))
                        .or_else(|| config.origins.get(&Setting::Tunnel(interface.into())))
                        .or_else(|| config.origins.get(&Setting::Interface(interface.into())))?;
                    vec![Edit::insert_after(after, new)]
                }
            }
        }
        Mismatch::PeerAddress { peer, address } => {
            let o = line(Setting::Peer(peer.into()))?;
            let a = address.to_string();
            let mut edits: Vec<Edit> = edit(&o, Words::of(&o.text).set("address", &a))
                .into_iter()
                .collect();
            if let Some(k) = line(Setting::PreSharedKey(peer.into())) {
                edits.extend(edit(
                    &k,
                    Words::of(&k.text).replace_at(3, &format!("\"{a}\"")),
                ));
            }
            // The tunnel interface toward the old address ends at the new one.
            let old = config.engine.peers.iter().find(|p| p.name == peer)?.remote;
            for i in &config.interfaces {
                let InterfaceKind::IpIp { remote, .. } = i.kind else {
                    continue;
                };
                if Some(remote) == old {
                    if let Some(t) = line(Setting::Tunnel(i.name.clone())) {
                        edits.extend(edit(&t, Words::of(&t.text).replace_at(4, &a)));
                    }
                }
            }
            edits.sort_by_key(|e| e.line);
            edits
        }
        Mismatch::NatTraversal { peer, on } => {
            if m.nat_traversal_holds(config)? {
                return Some(vec![]);
            }
            let o = line(Setting::Peer(peer.into()))?;
            let v = if on { "enable" } else { "disable" };
            edit(&o, Words::of(&o.text).set("nat-traversal", v))
                .into_iter()
                .collect()
        }
    };
    Some(edits)
}

/// A policy-based SA's IDs are its security policy's selectors: `src`, `dst`, `protocol`,
/// `srcport`, `dstport` on the `ipsec security-policy add` line.
fn security_policy(o: &Origin, local: &QmId, remote: &QmId) -> Option<Vec<Edit>> {
    if local.protocol != remote.protocol {
        return None;
    }
    let prefix = |id: &QmId| {
        id.data
            .ipv4_net()
            .map(|n| format!("{}/{}", n.network(), n.prefix_len))
    };
    let port = |w: Words, key: &str, p: u16| match p {
        0 => w.remove(key),
        p => w.set(key, &p.to_string()),
    };
    let mut w = Words::of(&o.text)
        .set("src", &prefix(local)?)
        .set("dst", &prefix(remote)?);
    w = match local.protocol {
        0 => w.remove("protocol"),
        p => w.set("protocol", &p.to_string()),
    };
    w = port(w, "srcport", local.port);
    w = port(w, "dstport", remote.port);
    Some(Edit::replace(o, w.to_string()).into_iter().collect())
}

/// A phase-2 ID as `proxy-id-local`/`proxy-id-remote` write it (`any`, an address, or a prefix);
/// `None` for IDs SEIL cannot send (ranges, names, IPv6).
fn proxy_id(id: &QmId) -> Option<String> {
    let net = id.data.ipv4_net()?;
    Some(if net == Ipv4Net::ANY {
        "any".into()
    } else if net.prefix_len == 32 {
        net.addr.to_string()
    } else {
        format!("{}/{}", net.addr, net.prefix_len)
    })
}

/// A prefix as `route add` writes it.
fn net_text(n: Ipv4Net) -> String {
    format!("{}/{}", n.network(), n.prefix_len)
}

/// A lifetime as SEIL writes it (`8h`, `10m`, `90s`).
fn time(secs: u64) -> String {
    if secs % 3600 == 0 && secs > 0 {
        format!("{}h", secs / 3600)
    } else if secs % 60 == 0 && secs > 0 {
        format!("{}m", secs / 60)
    } else {
        format!("{secs}s")
    }
}
