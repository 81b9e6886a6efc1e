//! Pings that failed for reasons outside IKE: a host on no router's LAN, a gateway that is no
//! router's address on the host's LAN (its ARP requests go unanswered), or a router with no
//! route into its tunnel for the far LAN (either way).

use std::net::Ipv4Addr;

use ikelab_peers::personality::{InterfaceKind, Mismatch, RouterConfig, Setting};
use ikelab_peers::prefix::Ipv4Net;

use super::sides::Side;
use super::{Difference, Draft, FindingKind, Value, fixes};
use crate::report::{HostState, RunResult};

/// The routers as they ended the run.
pub(super) fn final_sides(run: &RunResult) -> Vec<Side<'_>> {
    run.routers.iter().filter_map(Side::at_end).collect()
}

/// The LAN (a numbered Ethernet interface's network) of `side` that holds `ip`.
pub(super) fn lan_of(config: &RouterConfig, ip: Ipv4Addr) -> Option<Ipv4Net> {
    config
        .interfaces
        .iter()
        .filter(|i| i.kind == InterfaceKind::Ethernet)
        .filter_map(|i| i.address)
        .find(|a| a.contains(ip))
        .map(Ipv4Net::trunc)
}

/// Where `side` sends packets for `ip`: `Some(true)` into a tunnel, `Some(false)` elsewhere
/// (a LAN, a gateway), `None` nowhere.
fn into_tunnel(config: &RouterConfig, ip: Ipv4Addr) -> Option<bool> {
    if lan_of(config, ip).is_some() {
        return Some(false);
    }
    let route = config
        .routes
        .iter()
        .filter(|r| r.prefix.contains(ip))
        .max_by_key(|r| r.prefix.prefix_len)?;
    Some(match &route.via {
        ikelab_peers::personality::NextHop::Interface(n) => config
            .interfaces
            .iter()
            .any(|i| &i.name == n && !matches!(i.kind, InterfaceKind::Ethernet)),
        ikelab_peers::personality::NextHop::Gateway(_) => false,
    })
}

/// The tunnel interface of `config` (the first).
pub(super) fn tunnel(config: &RouterConfig) -> Option<&str> {
    config
        .interfaces
        .iter()
        .find(|i| !matches!(i.kind, InterfaceKind::Ethernet))
        .map(|i| i.name.as_str())
}

fn host_value(h: &HostState, value: String) -> Value {
    Value {
        router: h.name.clone(),
        value,
        at: h.source.clone(),
    }
}

/// The drafts for the failed pings of `run`, with the router whose config should change.
pub fn drafts(run: &RunResult) -> Vec<(String, Draft)> {
    let sides = final_sides(run);
    let mut out: Vec<(String, Draft)> = vec![];
    let mut seen: Vec<(&str, Ipv4Net)> = vec![];
    for p in run.pings.iter().filter(|p| p.received < p.sent) {
        let Some(h) = run.hosts.iter().find(|h| h.name == p.from) else {
            continue;
        };
        let ip = h.address.addr;
        let on_lan: Vec<&Side<'_>> = sides
            .iter()
            .filter(|s| lan_of(s.config, ip).is_some())
            .collect();
        if on_lan.is_empty() {
            let lans: Vec<String> = sides
                .iter()
                .flat_map(|s| {
                    s.config
                        .interfaces
                        .iter()
                        .filter(|i| i.kind == InterfaceKind::Ethernet)
                        .filter_map(|i| i.address)
                        .map(move |a| format!("{} {}", s.name, a.trunc()))
                })
                .collect();
            out.push((
                h.name.clone(),
                Draft::plain(FindingKind::HostOnNoSegment, format!(
                        "Ping from {} failed: {} is on no router's LAN (the routers' networks: {}); give it an address on one of them.",
                        h.name,
                        h.address,
                        lans.join(", ")
                    )),
            ));
            continue;
        }
        let gateway = h
            .gateway
            .and_then(|g| on_lan.iter().find(|s| s.has_address(g)).map(|s| (g, *s)));
        let Some((_, gw)) = gateway else {
            let near = on_lan
                .iter()
                .flat_map(|s| {
                    s.config
                        .interfaces
                        .iter()
                        .filter_map(|i| i.address)
                        .filter(|a| a.contains(ip))
                        .map(move |a| (*s, a.addr))
                })
                .next();
            let shown = h.gateway.map_or("none".into(), |g| g.to_string());
            out.push((
                h.name.clone(),
                Draft {
                    kind: FindingKind::ArpFailed,
                    headline: format!(
                        "Ping from {} failed: its gateway {shown} is no router's address on its LAN, so its ARP requests go unanswered.",
                        h.name
                    ),
                    differences: near
                        .map(|(r, a)| Difference {
                            what: "gateway".into(),
                            left: host_value(h, shown.clone()),
                            right: Value {
                                router: r.name.to_string(),
                                value: a.to_string(),
                                at: r.lines(&[r.interface_of(a)]),
                            },
                        })
                        .into_iter()
                        .collect(),
                    fixes: vec![],
                },
            ));
            continue;
        };
        // The far router: the one with the destination on a LAN.
        let far = sides.iter().find(|s| lan_of(s.config, p.to).is_some());
        let mut legs = vec![(gw, p.to, far.and_then(|f| lan_of(f.config, p.to)))];
        if let Some(f) = far {
            legs.push((f, ip, lan_of(gw.config, ip)));
        }
        for (s, dst, dst_lan) in legs {
            if into_tunnel(s.config, dst) == Some(true) {
                continue;
            }
            let Some(t) = tunnel(s.config) else {
                continue;
            };
            let prefix = dst_lan.unwrap_or(Ipv4Net::host(dst));
            let fix = fixes(&[(
                s,
                Mismatch::Route {
                    prefix,
                    interface: t,
                },
            )]);
            let routed = match into_tunnel(s.config, dst) {
                None => format!("has no route for {prefix}"),
                _ => format!("routes {prefix} elsewhere"),
            };
            if seen.contains(&(s.name, prefix)) {
                continue;
            }
            seen.push((s.name, prefix));
            let headline = format!(
                "Pings fail (first: {} to {}): {} {routed}, so packets for it never enter the tunnel ({t}).",
                h.name, p.to, s.name
            );
            out.push((
                s.name.to_string(),
                Draft {
                    kind: FindingKind::NoRouteIntoTunnel,
                    headline,
                    differences: vec![Difference {
                        what: format!("route for {prefix}"),
                        left: Value {
                            router: s.name.to_string(),
                            value: routed,
                            at: s.lines(&[Setting::Route(prefix)]),
                        },
                        right: Value {
                            router: "needed".into(),
                            value: format!("into {t}"),
                            at: "-".into(),
                        },
                    }],
                    fixes: fix,
                },
            ));
        }
    }
    out
}
