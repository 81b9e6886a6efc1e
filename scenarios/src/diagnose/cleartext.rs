//! Pings that cross the WAN in clear. A policy-based router (no tunnel interface) protects only
//! the traffic one of its IPsec policies covers and forwards the rest unprotected: IOS does so
//! with whatever its crypto ACL does not match, and a KAME SPD with whatever no policy names.
//! Answered or not, such pings are worth a finding: protecting them is what the tunnel is for,
//! and an answered ping otherwise looks like success. (A route-based router sends what its
//! routes put into the tunnel; a route elsewhere is [`super::datapath`]'s finding.)

use std::net::Ipv4Addr;

use ikelab_peers::ike::{Policy, Selector};
use ikelab_peers::personality::{Mismatch, Setting};
use ikelab_peers::prefix::Ipv4Net;

use super::datapath::{final_sides, lan_of, tunnel};
use super::sides::Side;
use super::{Difference, Draft, FindingKind, Value, fixes};
use crate::report::RunResult;

/// A policy's traffic, as a finding shows it.
fn traffic(p: &Policy) -> String {
    format!("{} -> {}", p.local.prefix, p.remote.prefix)
}

/// The policy of `s` that faces the router `other` (its peer is one of `other`'s addresses).
fn facing<'a>(s: &Side<'a>, other: &Side<'_>) -> Option<&'a Policy> {
    s.config
        .engine
        .peers
        .iter()
        .filter(|p| p.remote.is_some_and(|a| other.has_address(a)))
        .find_map(|p| s.policies_of(p).next())
}

/// The drafts for pings whose packets one router forwarded in clear, with that router.
pub fn drafts(run: &RunResult) -> Vec<(String, Draft)> {
    let sides = final_sides(run);
    let mut out: Vec<(String, Draft)> = vec![];
    let mut seen: Vec<(String, Ipv4Net, Ipv4Net)> = vec![];
    for p in &run.pings {
        let Some(h) = run.hosts.iter().find(|h| h.name == p.from) else {
            continue;
        };
        let src: Ipv4Addr = h.address.addr;
        let near = sides.iter().find(|s| lan_of(s.config, src).is_some());
        let far = sides.iter().find(|s| lan_of(s.config, p.to).is_some());
        let (Some(near), Some(far)) = (near, far) else {
            continue;
        };
        if near.name == far.name {
            continue;
        }
        // The request on the near router; the reply, if there was one, on the far router.
        let mut legs = vec![(near, far, src, p.to)];
        if p.received > 0 {
            legs.push((far, near, p.to, src));
        }
        for (s, other, from, to) in legs {
            if tunnel(s.config).is_some() {
                continue;
            }
            let covered = s
                .config
                .engine
                .policies
                .iter()
                .any(|x| x.local.contains(from) && x.remote.contains(to));
            let Some(policy) = facing(s, other) else {
                continue;
            };
            let (Some(from_lan), Some(to_lan)) = (lan_of(s.config, from), lan_of(other.config, to))
            else {
                continue;
            };
            let key = (s.name.to_string(), from_lan, to_lan);
            if covered || seen.contains(&key) {
                continue;
            }
            seen.push(key);
            // Answered pings did cross; unanswered ones may have stopped before the WAN.
            let (answered, cross, forwards) = if p.received > 0 {
                (
                    format!(" ({} of {} answered)", p.received, p.sent),
                    "cross",
                    "forwards",
                )
            } else {
                (String::new(), "would cross", "would forward")
            };
            let headline = format!(
                "Pings from {} to {}{answered} {cross} the WAN in clear: none of {}'s IPsec policies covers {from_lan} -> {to_lan} ({} protects {}), so {} {forwards} them unprotected.",
                h.name,
                p.to,
                s.name,
                policy.name,
                traffic(policy),
                s.name
            );
            let needed = (
                Selector::net(from_lan.network(), from_lan.prefix_len).to_id(),
                Selector::net(to_lan.network(), to_lan.prefix_len).to_id(),
            );
            let at = [
                Setting::Policy(policy.name.clone()),
                Setting::LocalId(policy.name.clone()),
                Setting::RemoteId(policy.name.clone()),
            ];
            out.push((
                s.name.to_string(),
                Draft {
                    kind: FindingKind::TrafficInClear,
                    headline,
                    differences: vec![Difference {
                        what: "traffic the IPsec policy protects".into(),
                        left: Value {
                            router: s.name.to_string(),
                            value: traffic(policy),
                            at: s.lines(&at),
                        },
                        right: Value {
                            router: "needed".into(),
                            value: format!("{from_lan} -> {to_lan}"),
                            at: "-".into(),
                        },
                    }],
                    fixes: fixes(&[(
                        s,
                        Mismatch::Ids {
                            policy: &policy.name,
                            local: &needed.0,
                            remote: &needed.1,
                        },
                    )]),
                },
            ));
        }
    }
    out
}
