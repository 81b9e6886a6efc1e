//! From a loaded scenario to a running lab: routers with their vendor personalities and the
//! engine as their IPsec stack, hosts, segments wired by subnet, and the script.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use ikelab_peers::ike::Engine;
use ikelab_peers::personality::{InterfaceKind, NextHop, Vendor, WallClock};
use ikelab_peers::time::Instant;
use ikelab_sim::{
    HostConfig, InterfaceConfig, Ipv4Net, Lab, LabConfig, LinkId, LinkParams, NodeId, PingId,
    PingSpec, RouteConfig, RouterConfig, StartTime, TunnelConfig, TunnelKind, Via,
};

use super::load::{LoadError, Loaded, LoadedRouter};
use super::model::{Action, Scenario};
use crate::stack::{EngineStack, StackHandle};

/// A router of a running scenario.
pub struct RouterRun {
    /// Node name.
    pub name: String,
    /// Vendor.
    pub vendor: Vendor,
    /// Lab node.
    pub node: NodeId,
    /// The engine, logs and events.
    pub stack: StackHandle,
}

/// A scripted ping.
#[derive(Clone, Debug)]
pub struct PingRun {
    /// Host name.
    pub from: String,
    /// Destination.
    pub to: Ipv4Addr,
    /// The lab's handle.
    pub id: PingId,
}

/// A scenario set up in a lab, ready to run.
pub struct Built {
    /// The lab.
    pub lab: Lab,
    /// Routers.
    pub routers: Vec<RouterRun>,
    /// Hosts, by name.
    pub hosts: Vec<(String, NodeId)>,
    /// Links, by name.
    pub links: Vec<(String, LinkId)>,
    /// Pings of the script.
    pub pings: Vec<PingRun>,
    /// The links of each switch: a frame the switch forwards crosses two of them.
    pub switched: Vec<Vec<LinkId>>,
    /// The wall clock the vendor logs use.
    pub clock: WallClock,
}

fn sim_err(e: impl std::fmt::Display) -> LoadError {
    LoadError::Scenario {
        file: "scenario".into(),
        line: 0,
        message: e.to_string(),
    }
}

/// The simulator's router config for a vendor config.
fn sim_router(r: &LoadedRouter) -> Result<RouterConfig, LoadError> {
    router_config(&r.name, &r.config)
}

/// The simulator's router config (interfaces, tunnels, routes) for router `name` with the
/// vendor config `config`; the netns mode builds its routers with it too.
pub fn router_config(
    name: &str,
    config: &ikelab_peers::personality::RouterConfig,
) -> Result<RouterConfig, LoadError> {
    let mut out = RouterConfig {
        name: name.to_string(),
        ..Default::default()
    };
    for i in &config.interfaces {
        match (&i.kind, i.address) {
            (InterfaceKind::Ethernet, Some(net)) => {
                out.interfaces
                    .push(InterfaceConfig::new(i.name.clone(), net));
            }
            (InterfaceKind::Ethernet, None) => {}
            (InterfaceKind::IpIp { local, remote }, _) => {
                out.tunnels.push(TunnelConfig::new(
                    i.name.clone(),
                    *local,
                    *remote,
                    TunnelKind::IpInIp,
                ));
            }
            (InterfaceKind::IpsecTunnel { local, remote }, _) => {
                out.tunnels.push(TunnelConfig::new(
                    i.name.clone(),
                    *local,
                    *remote,
                    TunnelKind::IpsecTunnel,
                ));
            }
        }
    }
    for rt in &config.routes {
        let via = match &rt.via {
            NextHop::Interface(n) => Via::Interface(n.clone()),
            NextHop::Gateway(g) => Via::Gateway(*g),
        };
        out.routes.push(RouteConfig {
            dest: rt.prefix,
            via,
        });
    }
    Ok(out)
}

fn parse_net(s: &str) -> Option<(Ipv4Addr, u8)> {
    let (a, l) = s.split_once('/')?;
    Some((a.parse().ok()?, l.parse().ok().filter(|l| *l <= 32)?))
}

/// One end on a segment: the node, its interface (routers) and its name.
type SegmentEnd = (NodeId, Option<String>, String);

/// A segment end as the lab names it: a router's interface, or a host.
fn end(e: &SegmentEnd) -> ikelab_sim::End<'_> {
    match &e.1 {
        Some(i) => ikelab_sim::End::Iface(e.0, i.as_str()),
        None => ikelab_sim::End::Node(e.0),
    }
}

fn network(a: Ipv4Addr, len: u8) -> (u32, u8) {
    let mask = if len == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(len))
    };
    (u32::from(a) & mask, len)
}

/// The scenario's `start` as the captures' time zero and as the vendor logs' wall clock (both
/// drivers, in-process and netns, show the same dates).
pub fn start_times(sc: &Scenario) -> Result<(StartTime, WallClock), LoadError> {
    let bad = |message: String| LoadError::Scenario {
        file: sc.name.clone(),
        line: 0,
        message,
    };
    let start = StartTime::parse_syslog(&sc.start, StartTime::DOCUMENT_YEAR)
        .map_err(|e| bad(e.to_string()))?;
    let clock = WallClock::parse(&sc.start).ok_or_else(|| {
        bad(format!(
            "start {:?} is not like \"Jan 5 07:27:06\"",
            sc.start
        ))
    })?;
    Ok((start, clock))
}

/// Builds the lab for `loaded`, with `seed` overriding the scenario's.
pub fn build(loaded: &Loaded, seed: Option<u64>) -> Result<Built, LoadError> {
    let sc = &loaded.scenario;
    let bad = |message: String| LoadError::Scenario {
        file: sc.name.clone(),
        line: 0,
        message,
    };
    let (start, clock) = start_times(sc)?;
    let mut lab = Lab::new(LabConfig {
        seed: seed.unwrap_or(sc.seed),
        start,
        deadline: Instant::from_duration(sc.duration),
        capture: true,
    });
    // Segments: every numbered Ethernet interface and host, grouped by network.
    let mut segments: BTreeMap<(u32, u8), Vec<SegmentEnd>> = BTreeMap::new();
    let mut routers = vec![];
    for r in &loaded.routers {
        let cfg = sim_router(r)?;
        let engine = Engine::new(
            r.config.engine.clone(),
            lab.seed_for(&format!("engine:{}", r.name)),
        );
        let (stack, handle) = EngineStack::new(
            &r.name,
            engine,
            crate::vendor::renderer(r.vendor, &r.text, clock),
        );
        let node = lab
            .add_router_with_stack(cfg, Box::new(stack))
            .map_err(sim_err)?;
        for i in &r.config.interfaces {
            if let (InterfaceKind::Ethernet, Some(net)) = (&i.kind, i.address) {
                segments
                    .entry(network(net.addr, net.prefix_len))
                    .or_default()
                    .push((node, Some(i.name.clone()), r.name.clone()));
            }
        }
        routers.push(RouterRun {
            name: r.name.clone(),
            vendor: r.vendor,
            node,
            stack: handle,
        });
    }
    let mut hosts = vec![];
    for h in &sc.hosts {
        let (a, len) = parse_net(&h.address).ok_or_else(|| {
            bad(format!(
                "host {}: address {:?} is not like 192.168.0.10/24",
                h.name, h.address
            ))
        })?;
        let node = lab
            .add_host(HostConfig::new(
                h.name.clone(),
                Ipv4Net::new(a, len).map_err(sim_err)?,
                h.gateway,
            ))
            .map_err(sim_err)?;
        segments
            .entry(network(a, len))
            .or_default()
            .push((node, None, h.name.clone()));
        hosts.push((h.name.clone(), node));
    }
    // Two ends: a cable; more: a switch. The segment joining routers only is the WAN.
    let mut links = vec![];
    let mut switched = vec![];
    let mut switches = 0;
    for ends in segments.values() {
        let routers_only = ends.iter().all(|e| e.1.is_some());
        let host_side = ends
            .iter()
            .find(|e| e.1.is_some())
            .map(|e| e.2.clone())
            .unwrap_or_default();

        if ends.len() == 2 && !routers_only {
            let name = format!("lan-{host_side}");
            let id = lab
                .connect(&name, end(&ends[0]), end(&ends[1]), LinkParams::default())
                .map_err(sim_err)?;
            links.push((name, id));
        } else if ends.len() >= 2 {
            let sw_name = if routers_only && switches == 0 {
                "wan".to_string()
            } else {
                format!("switch{switches}")
            };
            switches += 1;
            let sw = lab.add_switch(&sw_name).map_err(sim_err)?;
            let mut group = vec![];
            for e in ends {
                let name = format!("{sw_name}-{}", e.2);
                let id = lab
                    .connect(&name, end(e), sw, LinkParams::default())
                    .map_err(sim_err)?;
                links.push((name, id));
                group.push(id);
            }
            switched.push(group);
        }
    }
    let mut built = Built {
        lab,
        routers,
        hosts,
        links,
        pings: vec![],
        switched,
        clock,
    };
    script(&mut built, loaded)?;
    Ok(built)
}

/// Schedules the scenario's steps (and the start of every engine at time zero).
fn script(b: &mut Built, loaded: &Loaded) -> Result<(), LoadError> {
    let bad = |message: String| LoadError::Scenario {
        file: loaded.scenario.name.clone(),
        line: 0,
        message,
    };
    // A router whose config is applied at time zero starts with that (the apply starts it).
    let applied_at_zero = |name: &str| applied_at_start(loaded, name);
    let handles: Vec<StackHandle> = b
        .routers
        .iter()
        .filter(|r| !applied_at_zero(&r.name))
        .map(|r| r.stack.clone())
        .collect();
    b.lab.at(Instant::ZERO, move |lab| {
        for h in &handles {
            let mut s = h.borrow_mut();
            s.engine.start(lab.now());
            s.pump();
        }
    });
    for step in &loaded.scenario.steps {
        let at = Instant::from_duration(step.at);
        match &step.action {
            Action::Ping {
                from,
                to,
                count,
                interval,
                size,
            } => {
                let host = b
                    .hosts
                    .iter()
                    .find(|h| &h.0 == from)
                    .ok_or_else(|| bad(format!("ping: no host named {from:?}")))?
                    .1;
                let spec = PingSpec::new(*to)
                    .count(*count)
                    .interval(*interval)
                    .size(*size);
                let id = b.lab.ping(host, at, spec).map_err(sim_err)?;
                b.pings.push(PingRun {
                    from: from.clone(),
                    to: *to,
                    id,
                });
            }
            Action::LinkDown { link } | Action::LinkUp { link } => {
                let id = b
                    .links
                    .iter()
                    .find(|l| &l.0 == link)
                    .ok_or_else(|| bad(format!("no link named {link:?}")))?
                    .1;
                if matches!(step.action, Action::LinkDown { .. }) {
                    b.lab.link_down(at, id);
                } else {
                    b.lab.link_up(at, id);
                }
            }
            Action::Initiate { router } => {
                let h = b
                    .routers
                    .iter()
                    .find(|r| &r.name == router)
                    .ok_or_else(|| bad(format!("no router named {router:?}")))?
                    .stack
                    .clone();
                b.lab.at(at, move |lab| {
                    let mut s = h.borrow_mut();
                    let names: Vec<String> = s
                        .engine
                        .config()
                        .policies
                        .iter()
                        .map(|p| p.name.clone())
                        .collect();
                    for n in names {
                        s.engine.initiate(lab.now(), &n);
                    }
                    s.pump();
                });
            }
            Action::Reconfigure { router, config } => {
                let r = b
                    .routers
                    .iter()
                    .find(|r| &r.name == router)
                    .ok_or_else(|| bad(format!("no router named {router:?}")))?;
                let new = loaded
                    .reconfigs
                    .iter()
                    .find(|((rn, f), _)| rn == router && f == config)
                    .map(|(_, l)| l.config.engine.clone())
                    .ok_or_else(|| bad(format!("reconfigure: {config} was not loaded")))?;
                apply_config(&mut b.lab, at, r.vendor, r.stack.clone(), new);
            }
        }
    }
    Ok(())
}

/// Whether the script applies a config to `router` at time zero: then the apply starts its
/// engine, and the plain start at zero must leave it alone.
pub fn applied_at_start(loaded: &Loaded, router: &str) -> bool {
    loaded.scenario.steps.iter().any(|s| {
        s.at.is_zero() && matches!(&s.action, Action::Reconfigure { router: r, .. } if r == router)
    })
}

/// How a vendor applies a changed IKE/IPsec configuration.
///
/// SEIL, as its log after the fix shows: the IKE daemon restarts (a new phase 1, with
/// INITIAL-CONTACT, and phase 2 under the new policy), then about two seconds later the system
/// re-initialises the SAD (sending Deletes for its inbound SAs) and the SPD, and phase 2 is
/// negotiated again on the same ISAKMP SA. IX (not shown by the document): the daemon restarts.
pub fn apply_config(
    lab: &mut Lab,
    at: Instant,
    vendor: Vendor,
    h: StackHandle,
    new: ikelab_peers::ike::EngineConfig,
) {
    let policies = new.policies.clone();
    let restart = h.clone();
    lab.at(at, move |lab| {
        let mut s = restart.borrow_mut();
        s.engine.restart(lab.now(), new);
        s.pump();
    });
    if vendor == Vendor::Seil {
        let when = at + std::time::Duration::from_secs(2);
        lab.at(when, move |lab| {
            let now = lab.now();
            // The engine's SadFlushed/SpdReloaded events carry the system lines.
            let mut s = h.borrow_mut();
            s.engine.flush(now);
            s.engine.reload_policies(now, policies);
            s.pump();
        });
    }
}
