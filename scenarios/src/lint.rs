//! Warnings about a config that cannot work on its own, whatever its peer says: a phase-2 ID
//! that names none of the router's addresses or LANs, a remote ID that names one of its own
//! LANs, a local ID set without a remote one. `ikelab check-config` and `ikelab run` print them
//! with the line to look at.

use ikelab_peers::ike::QmId;
use ikelab_peers::personality::{
    Diagnostic, InterfaceKind, Origin, RouterConfig, Setting, Severity,
};
use ikelab_peers::prefix::Ipv4Net;

/// Everything to say about a config that parsed, as `check-config`, `run` and `peer` print it:
/// its parser's warnings (ignored commands), then [`lint`]'s.
pub fn warnings(c: &RouterConfig) -> Vec<Diagnostic> {
    c.warnings.iter().cloned().chain(lint(c)).collect()
}

/// The warnings for `c`, in line order.
pub fn lint(c: &RouterConfig) -> Vec<Diagnostic> {
    let mut out = vec![];
    let lans: Vec<Ipv4Net> = c
        .interfaces
        .iter()
        .filter(|i| i.kind == InterfaceKind::Ethernet)
        .filter_map(|i| i.address)
        .collect();
    for p in &c.engine.policies {
        let (local, remote) = p.qm_ids();
        let peer = c.engine.peers.iter().find(|x| x.name == p.peer);
        let line = |s: Setting| {
            c.origins
                .get(&s)
                .or_else(|| c.origins.get(&Setting::Policy(p.name.clone())))
        };
        let mut warn = |o: Option<&Origin>, message: String| {
            if let Some(o) = o {
                out.push(Diagnostic {
                    file: o.file.clone(),
                    line: o.line,
                    column: 1,
                    severity: Severity::Warning,
                    message,
                });
            }
        };
        let (Some(l), Some(r)) = (local.data.ipv4_net(), remote.data.ipv4_net()) else {
            continue;
        };
        // The network toward the peer (the WAN) is not one this router protects.
        let toward_peer = |n: &Ipv4Net| peer.and_then(|x| x.remote).is_some_and(|a| n.contains(a));
        let own = |n: Ipv4Net| {
            lans.iter()
                .any(|a| n.contains(a.addr) || (a.trunc().contains(n.addr) && !toward_peer(a)))
        };
        if l != Ipv4Net::ANY && !own(l) {
            warn(
                line(Setting::LocalId(p.name.clone())),
                format!(
                    "policy {}: the local phase-2 ID {} names none of this router's addresses or LANs ({}); the peer will be asked to protect traffic that cannot come from here",
                    p.name,
                    shown(&local),
                    list(&lans)
                ),
            );
        }
        let peer_addr = peer.and_then(|x| x.remote);
        let names_peer = peer_addr.is_some_and(|a| r.contains(a));
        if r != Ipv4Net::ANY
            && !names_peer
            && lans
                .iter()
                .any(|a| !toward_peer(a) && a.trunc() == r.trunc())
        {
            warn(
                line(Setting::RemoteId(p.name.clone())),
                format!(
                    "policy {}: the remote phase-2 ID {} is this router's own LAN; are the local and remote IDs swapped?",
                    p.name,
                    shown(&remote)
                ),
            );
        }
        if l != Ipv4Net::ANY && r == Ipv4Net::ANY {
            warn(
                line(Setting::LocalId(p.name.clone())),
                format!(
                    "policy {}: a local phase-2 ID ({}) is set but no remote one, which stays 0.0.0.0/0; a peer with IDs on both sides will refuse it",
                    p.name,
                    shown(&local)
                ),
            );
        }
    }
    out.sort_by_key(|d| d.line);
    out
}

fn shown(id: &QmId) -> String {
    id.to_string()
}

fn list(nets: &[Ipv4Net]) -> String {
    nets.iter()
        .map(|n| n.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
