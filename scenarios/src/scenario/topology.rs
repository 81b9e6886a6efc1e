//! The hosts and pings a lab gets from its routers' configs when its scenario declares no
//! hosts (`ikelab run --seil A --ix B`, or a `scenario.toml` with routers only): a host on each
//! router's LAN, next to the router's address with the router as its gateway, and pings both
//! ways between the LANs the routers send through a tunnel or an IPsec policy. So a re-addressed lab runs
//! with no scenario file, and what was derived is printed ([`Derived`]'s `Display`).

use std::fmt;
use std::net::Ipv4Addr;
use std::time::Duration;

use ikelab_peers::personality::{InterfaceKind, NextHop, RouterConfig};
use ikelab_peers::prefix::Ipv4Net;

use super::model::{Action, HostSpec, Step};

/// When the first derived ping starts: after a phase 1 and phase 2 started at boot (SEIL's
/// 4 s phase-2 delay included), so a working tunnel answers every request.
const FIRST_PING: Duration = Duration::from_secs(30);
/// Between the starts of two derived pings.
const PING_SPACING: Duration = Duration::from_secs(15);
/// Echo requests per derived ping, one a second.
const PING_COUNT: u32 = 10;
/// What a run lasts at least after its last derived ping starts.
const TAIL: Duration = Duration::from_secs(30);

/// A LAN a router has to itself (no other router on its subnet).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lan {
    /// The router's name.
    pub router: String,
    /// Its interface on the LAN, as the config names it.
    pub iface: String,
    /// The router's address and the LAN's prefix.
    pub address: Ipv4Net,
}

/// A LAN on which no host could be placed, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippedLan {
    /// The LAN.
    pub lan: Lan,
    /// Why no host is on it.
    pub why: &'static str,
}

/// What [`derive`] found and added.
#[derive(Clone, Debug, Default)]
pub struct Derived {
    /// One host per LAN, with the LAN it is on.
    pub hosts: Vec<(HostSpec, Lan)>,
    /// LANs left without a host.
    pub skipped: Vec<SkippedLan>,
    /// The pings, as script steps.
    pub pings: Vec<Step>,
    /// Whether the pings were derived (the scenario had none of its own).
    pub pings_derived: bool,
    /// No pair of LANs is routed into a tunnel or covered by a policy: every pair of LANs of
    /// different routers is pinged instead.
    pub no_protected_pair: bool,
}

impl Derived {
    /// The run length the derived pings need, at least.
    pub fn min_duration(&self) -> Duration {
        self.pings
            .iter()
            .map(|s| s.at + TAIL)
            .max()
            .unwrap_or_default()
    }
}

/// A router's name and parsed config, as [`derive`] reads them.
pub struct RouterView<'a> {
    /// Node name.
    pub name: &'a str,
    /// The parsed config.
    pub config: &'a RouterConfig,
}

/// The LANs of `routers`: numbered Ethernet interfaces, up, whose subnet no other interface of
/// any router shares, which hold none of the router's IKE peers, and which are no NAT's inside
/// subnet (`nat_insides`: the router's way out, not a LAN).
pub fn lans(routers: &[RouterView<'_>], nat_insides: &[Ipv4Net]) -> Vec<Lan> {
    let all: Vec<(usize, Ipv4Net)> = routers
        .iter()
        .enumerate()
        .flat_map(|(ri, r)| {
            r.config
                .interfaces
                .iter()
                .filter(|i| i.kind == InterfaceKind::Ethernet)
                .filter_map(move |i| i.address.map(|a| (ri, a)))
        })
        .collect();
    let mut out = vec![];
    for (ri, r) in routers.iter().enumerate() {
        for i in &r.config.interfaces {
            let (InterfaceKind::Ethernet, Some(address), true) = (&i.kind, i.address, i.up) else {
                continue;
            };
            let net = address.trunc();
            let shared = all
                .iter()
                .filter(|(_, a)| a.trunc() == net)
                .any(|&(other, a)| other != ri || a != address);
            let holds_peer = r
                .config
                .engine
                .peers
                .iter()
                .filter_map(|p| p.remote)
                .any(|p| net.contains(p));
            let behind_nat = nat_insides.iter().any(|n| n.trunc() == net);
            if !shared && !holds_peer && !behind_nat {
                out.push(Lan {
                    router: r.name.to_string(),
                    iface: i.name.clone(),
                    address,
                });
            }
        }
    }
    out
}

/// A host address on `lan` next to the router's: the next one up, wrapping round the
/// subnet, that is neither the network nor the broadcast address nor the router's. `None`
/// for a /31 or /32, which have no room for a host beside the router.
pub fn host_address(lan: Ipv4Net) -> Option<Ipv4Addr> {
    if lan.prefix_len >= 31 {
        return None;
    }
    let net = u32::from(lan.network());
    let size = 1u64 << (32 - lan.prefix_len);
    let own = u64::from(u32::from(lan.addr) - net);
    // Host offsets are 1 ..= size - 2, index k standing for offset k + 1; start at the offset
    // just above the router's, or at the first host when that is past the last.
    let hosts = size - 2;
    let start = if own < hosts { own } else { 0 };
    (0..hosts)
        .map(|k| (start + k) % hosts + 1)
        .map(|off| Ipv4Addr::from(net + off as u32))
        .find(|&a| a != lan.addr)
}

/// Whether router `r` sends traffic from `from` to `to` into a tunnel (its best route to `to`
/// leaves by a tunnel interface) or under an IPsec policy whose selectors cover both.
fn protects(r: &RouterConfig, from: Ipv4Addr, to: Ipv4Addr) -> bool {
    let by_policy = r
        .engine
        .policies
        .iter()
        .any(|p| p.local.prefix.contains(from) && p.remote.prefix.contains(to));
    let best = r
        .routes
        .iter()
        .filter(|rt| rt.prefix.contains(to))
        .max_by_key(|rt| rt.prefix.prefix_len);
    let by_route = best.is_some_and(|rt| match &rt.via {
        NextHop::Interface(n) => r.interfaces.iter().any(|i| {
            &i.name == n
                && matches!(
                    i.kind,
                    InterfaceKind::IpIp { .. } | InterfaceKind::IpsecTunnel { .. }
                )
        }),
        NextHop::Gateway(_) => false,
    });
    by_policy || by_route
}

/// Host names in router and LAN order: `host-a`, `host-b`, … `host-z`, `host-27`, …
fn host_name(i: usize) -> String {
    match u8::try_from(i) {
        Ok(n) if n < 26 => format!("host-{}", char::from(b'a' + n)),
        _ => format!("host-{}", i + 1),
    }
}

/// The hosts for `routers`' LANs ([`lans`]) and, when `with_pings`, the pings between them.
pub fn derive(routers: &[RouterView<'_>], nat_insides: &[Ipv4Net], with_pings: bool) -> Derived {
    let mut d = Derived {
        pings_derived: with_pings,
        ..Default::default()
    };
    for lan in lans(routers, nat_insides) {
        match host_address(lan.address) {
            Some(a) => {
                let address = Ipv4Net::new(a, lan.address.prefix_len)
                    .expect("a host of the LAN with the LAN's length");
                let spec = HostSpec {
                    name: host_name(d.hosts.len()),
                    address: address.to_string(),
                    gateway: Some(lan.address.addr),
                };
                d.hosts.push((spec, lan));
            }
            None => d.skipped.push(SkippedLan {
                lan,
                why: "a /31 or /32 has no room for a host beside the router",
            }),
        }
    }
    if !with_pings {
        return d;
    }
    let config_of = |name: &str| {
        routers
            .iter()
            .find(|r| r.name == name)
            .map(|r| r.config)
            .expect("a LAN's router is one of the routers")
    };
    let host_ip = |h: &HostSpec| -> Ipv4Addr {
        h.address
            .split_once('/')
            .and_then(|(a, _)| a.parse().ok())
            .expect("derived addresses are a.b.c.d/len")
    };
    let mut pairs = vec![];
    let mut any_pair = vec![];
    for (i, (a, la)) in d.hosts.iter().enumerate() {
        for (b, lb) in &d.hosts[i + 1..] {
            if la.router == lb.router {
                continue;
            }
            let (ia, ib) = (host_ip(a), host_ip(b));
            // Both ways: a tunnel that carries one direction only is a finding too.
            let both = [(a.name.clone(), ib), (b.name.clone(), ia)];
            if protects(config_of(&la.router), ia, ib) || protects(config_of(&lb.router), ib, ia) {
                pairs.extend(both.iter().cloned());
            }
            any_pair.extend(both);
        }
    }
    if pairs.is_empty() {
        d.no_protected_pair = !any_pair.is_empty();
        pairs = any_pair;
    }
    d.pings = pairs
        .into_iter()
        .enumerate()
        .map(|(k, (from, to))| Step {
            at: FIRST_PING + PING_SPACING * k as u32,
            action: Action::Ping {
                from,
                to,
                count: PING_COUNT,
                interval: Duration::from_secs(1),
                size: 56,
            },
        })
        .collect();
    d
}

impl fmt::Display for Derived {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "=== topology (derived from the configs) ===")?;
        if self.hosts.is_empty() {
            writeln!(
                f,
                "no LAN found: no router has an Ethernet interface of its own besides the WAN"
            )?;
        }
        for (h, lan) in &self.hosts {
            writeln!(
                f,
                "{} {} gateway {} on {}'s {} ({})",
                h.name,
                h.address,
                lan.address.addr,
                lan.router,
                lan.iface,
                lan.address.trunc()
            )?;
        }
        for s in &self.skipped {
            writeln!(
                f,
                "no host on {}'s {} ({}): {}",
                s.lan.router, s.lan.iface, s.lan.address, s.why
            )?;
        }
        if !self.pings_derived {
            return Ok(());
        }
        if self.no_protected_pair {
            writeln!(
                f,
                "no router routes one LAN to another into a tunnel or covers them with a policy; pinging every pair"
            )?;
        }
        for s in &self.pings {
            if let Action::Ping {
                from, to, count, ..
            } = &s.action
            {
                writeln!(f, "ping {from} -> {to}: {count} at {} s", s.at.as_secs())?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(s: &str) -> Ipv4Net {
        s.parse().unwrap()
    }

    #[test]
    fn a_host_sits_next_to_the_router() {
        assert_eq!(
            host_address(net("10.1.2.1/24")),
            Some("10.1.2.2".parse().unwrap())
        );
        assert_eq!(
            host_address(net("10.1.2.254/24")),
            Some("10.1.2.1".parse().unwrap()),
            "wraps past the broadcast address"
        );
        assert_eq!(
            host_address(net("10.1.2.2/30")),
            Some("10.1.2.1".parse().unwrap())
        );
        assert_eq!(
            host_address(net("10.1.2.1/30")),
            Some("10.1.2.2".parse().unwrap())
        );
        assert_eq!(
            host_address(net("10.1.2.255/24")),
            Some("10.1.2.1".parse().unwrap()),
            "a router on the broadcast address still gets a neighbour"
        );
        assert_eq!(host_address(net("10.1.2.1/31")), None);
        assert_eq!(host_address(net("10.1.2.1/32")), None);
        assert_eq!(
            host_address(net("0.0.0.1/0")),
            Some("0.0.0.2".parse().unwrap())
        );
        assert_eq!(
            host_address(net("255.255.255.254/1")),
            Some("128.0.0.1".parse().unwrap())
        );
    }

    #[test]
    fn host_names_run_through_the_alphabet() {
        assert_eq!(host_name(0), "host-a");
        assert_eq!(host_name(25), "host-z");
        assert_eq!(host_name(26), "host-27");
    }
}
