//! A loaded scenario as a plan both drivers run: routers with their parsed configs, hosts,
//! named segments (wired by subnet) and the script as timed jobs whose targets are resolved.
//! [`plan`] is pure: it reads the scenario and its configs and touches no lab or namespace.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::time::Duration;

use ikelab_peers::ike::{EngineConfig, Policy};
use std::sync::Arc;

use ikelab_peers::personality::{
    self as pv, InterfaceKind, NextHop, Parsed, Personality, ReconfigureStep, WallClock,
};
use ikelab_peers::prefix::BareAddress;
use ikelab_peers::time::Instant;
use ikelab_sim::nat::{INSIDE, OUTSIDE};
use ikelab_sim::{
    InterfaceConfig, Ipv4Net, NatConfig, RouteConfig, RouterConfig, SimError, StartTime,
    TunnelConfig, TunnelKind, Via,
};

use super::lines::Table;
use super::load::{LoadError, Loaded};
use super::model::{Action, Scenario};
use crate::stack::StackHandle;

/// A router of the plan, by its place in [`Plan::routers`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RouterRef(usize);

impl RouterRef {
    /// The router at `index` of [`Plan::routers`].
    pub(crate) fn new(index: usize) -> Self {
        RouterRef(index)
    }

    /// Its place in [`Plan::routers`].
    pub fn index(self) -> usize {
        self.0
    }
}

/// A host of the plan, by its place in [`Plan::hosts`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HostRef(usize);

impl HostRef {
    /// Its place in [`Plan::hosts`].
    pub fn index(self) -> usize {
        self.0
    }
}

/// A ping of the script, by its place in [`Plan::pings`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PingRef(usize);

impl PingRef {
    /// Its place in [`Plan::pings`].
    pub fn index(self) -> usize {
        self.0
    }
}

/// One end of a segment's links, by segment and end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LinkRef {
    /// The segment's place in [`Plan::segments`].
    pub segment: usize,
    /// The end's place in [`Segment::ends`].
    pub end: usize,
}

/// A router with its parsed config and the simulator's view of it.
#[derive(Clone, Debug)]
pub struct PlannedRouter {
    /// Node name.
    pub name: String,
    /// The device it imitates.
    pub personality: Arc<dyn Personality>,
    /// The parsed config (with its log renderer's settings).
    pub parsed: Parsed,
    /// Interfaces, tunnels and routes for the simulator's router (port `i` is its
    /// `interfaces[i]`).
    pub sim: RouterConfig,
    /// The line of its `[[router]]` table (0 if unknown).
    pub line: usize,
    /// The configs the script applies later, each with the moment it is applied.
    pub applied: Vec<(Instant, pv::RouterConfig)>,
}

/// A host with its address.
#[derive(Clone, Debug)]
pub struct PlannedHost {
    /// Node name.
    pub name: String,
    /// Address and prefix.
    pub address: Ipv4Net,
    /// Default gateway.
    pub gateway: Option<Ipv4Addr>,
    /// The line of its `[[host]]` table (0 if unknown).
    pub line: usize,
}

/// What sits at one end of a segment's link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EndNode {
    /// A router's numbered Ethernet interface.
    Router {
        /// Which router.
        router: RouterRef,
        /// The interface as the config names it.
        iface: String,
        /// Its port (its place among the router's numbered Ethernet interfaces).
        port: usize,
    },
    /// A host (one port).
    Host(HostRef),
    /// A NAT's inside or outside port.
    Nat {
        /// Its place in [`Plan::nats`].
        nat: usize,
        /// [`ikelab_sim::nat::INSIDE`] or [`ikelab_sim::nat::OUTSIDE`].
        port: usize,
    },
}

impl EndNode {
    /// Whether the end is a router's or a NAT's: a segment of such ends alone is a WAN.
    fn is_gateway(&self) -> bool {
        matches!(self, EndNode::Router { .. } | EndNode::Nat { .. })
    }
}

/// A NAT of the plan, in front of one router.
#[derive(Clone, Debug)]
pub struct PlannedNat {
    /// The simulator's NAT.
    pub config: NatConfig,
    /// The router behind it.
    pub router: RouterRef,
    /// The line of its `[[nat]]` table (0 if unknown).
    pub line: usize,
}

/// One end of a segment.
#[derive(Clone, Debug)]
pub struct SegmentEnd {
    /// The node.
    pub node: EndNode,
    /// The node's name.
    pub node_name: String,
    /// The name of the link to this end (a cable's is the segment's name).
    pub link: String,
}

/// How a segment's ends are joined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SegmentKind {
    /// Two ends, one cable.
    Cable,
    /// A switch with one link per end.
    Switch,
}

/// The ends sharing one subnet.
#[derive(Clone, Debug)]
pub struct Segment {
    /// `lan-<router>` for a cable; `wan` for the first segment of routers only, else
    /// `switch<n>`.
    pub name: String,
    /// Cable or switch.
    pub kind: SegmentKind,
    /// Routers (in router and interface order) first, then hosts.
    pub ends: Vec<SegmentEnd>,
}

/// A ping of the script with its host resolved.
#[derive(Clone, Debug)]
pub struct PlannedPing {
    /// The host it runs on.
    pub host: HostRef,
    /// The host's name.
    pub from: String,
    /// Destination.
    pub to: Ipv4Addr,
    /// Echo requests.
    pub count: u32,
    /// Between requests.
    pub interval: Duration,
    /// ICMP payload size.
    pub size: usize,
    /// The line of its step (0 if unknown).
    pub line: usize,
}

/// What a router's engine is told to do.
#[derive(Clone, Debug)]
pub enum EngineJob {
    /// Start negotiating every policy now.
    Initiate,
    /// Restart the IKE daemon with a new configuration.
    Restart(Box<EngineConfig>),
    /// Flush the SAD (Deletes for the inbound SAs) and reload the SPD with these policies.
    FlushReload(Vec<Policy>),
}

/// One thing the script does at a time.
#[derive(Clone, Debug)]
pub enum Job {
    /// Start these routers' engines (every router whose config is not applied at time zero).
    Start(Vec<RouterRef>),
    /// Run a ping.
    Ping(PingRef),
    /// Cut or restore a link.
    Link {
        /// Which.
        link: LinkRef,
        /// Restored (`true`) or cut.
        up: bool,
    },
    /// Tell a router's engine something.
    Engine(RouterRef, EngineJob),
}

impl PlannedRouter {
    /// The engine's configuration.
    pub fn engine(&self) -> &EngineConfig {
        &self.parsed.router.engine
    }

    /// Every config it runs with, each with the moment it takes effect (the first at zero).
    pub fn configs(&self) -> Vec<(Instant, pv::RouterConfig)> {
        let mut all = vec![(Instant::ZERO, self.parsed.router.clone())];
        all.extend(self.applied.iter().cloned());
        all
    }
}

/// A whole scenario, ready for a driver.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The scenario's name.
    pub name: String,
    /// The scenario file's name, for messages.
    pub file: String,
    /// The run's seed.
    pub seed: u64,
    /// The date time zero stands for in captures.
    pub start: StartTime,
    /// The wall clock the vendor logs use.
    pub clock: WallClock,
    /// How long it runs.
    pub duration: Duration,
    /// Routers, in file order.
    pub routers: Vec<PlannedRouter>,
    /// Hosts, in file order.
    pub hosts: Vec<PlannedHost>,
    /// NATs, in file order.
    pub nats: Vec<PlannedNat>,
    /// Segments, by subnet.
    pub segments: Vec<Segment>,
    /// The script's pings, in its order.
    pub pings: Vec<PlannedPing>,
    /// The script, in the order its jobs are scheduled (not sorted by time).
    pub jobs: Vec<(Instant, Job)>,
}

impl Plan {
    /// The link named `name`.
    pub fn link(&self, name: &str) -> Option<LinkRef> {
        self.segments.iter().enumerate().find_map(|(segment, s)| {
            let end = s.ends.iter().position(|e| e.link == name)?;
            Some(LinkRef { segment, end })
        })
    }

    /// An error about line `line` of the scenario file.
    pub fn error(&self, line: usize, e: impl std::fmt::Display) -> LoadError {
        LoadError::Scenario {
            file: self.file.clone(),
            line,
            message: e.to_string(),
        }
    }

    /// The line of a segment end's node (0 if unknown).
    pub fn line_of(&self, node: &EndNode) -> usize {
        match node {
            EndNode::Router { router, .. } => self.routers[router.0].line,
            EndNode::Host(h) => self.hosts[h.0].line,
            EndNode::Nat { nat, .. } => self.nats[*nat].line,
        }
    }

    /// The end a link reference names.
    pub fn end(&self, link: LinkRef) -> &SegmentEnd {
        &self.segments[link.segment].ends[link.end]
    }
}

/// Does an engine job on a router's stack (both drivers call it when the job is due).
pub fn apply_engine(stack: &StackHandle, now: Instant, job: EngineJob) {
    let mut s = stack.borrow_mut();
    match job {
        EngineJob::Initiate => {
            let names: Vec<String> = s
                .engine
                .config()
                .policies
                .iter()
                .map(|p| p.name.clone())
                .collect();
            for n in names {
                s.engine.initiate(now, &n);
            }
        }
        EngineJob::Restart(new) => s.engine.restart(now, *new),
        EngineJob::FlushReload(policies) => {
            // The engine's SadFlushed/SpdReloaded events carry the system lines.
            s.engine.flush(now);
            s.engine.reload_policies(now, policies);
        }
    }
    s.pump();
}

/// Starts the engines of `stacks` (the [`Job::Start`] of both drivers).
pub fn start_engines<'a>(stacks: impl IntoIterator<Item = &'a StackHandle>, now: Instant) {
    for h in stacks {
        let mut s = h.borrow_mut();
        s.engine.start(now);
        s.pump();
    }
}

/// The simulator's router config (interfaces, tunnels, routes) for router `name` with the
/// vendor config `config`; `ikelab peer` builds its router with it too.
pub fn router_config(name: &str, config: &pv::RouterConfig) -> Result<RouterConfig, SimError> {
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

/// The scenario's `start` as the captures' time zero and as the vendor logs' wall clock.
fn start_times(
    sc: &Scenario,
    bad: &dyn Fn(String) -> LoadError,
) -> Result<(StartTime, WallClock), LoadError> {
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

/// Segments by subnet: two ends are a cable named after the router on it, more a switch; the
/// first segment of routers (and NATs' outside ports) only is the WAN. A NAT's inside subnet is
/// `<nat>-inside` (a cable to its router, or a switch if more share it).
fn segments(routers: &[PlannedRouter], hosts: &[PlannedHost], nats: &[PlannedNat]) -> Vec<Segment> {
    let mut by_net: BTreeMap<Ipv4Net, Vec<(EndNode, String)>> = BTreeMap::new();
    for (ri, r) in routers.iter().enumerate() {
        for (port, i) in r.sim.interfaces.iter().enumerate() {
            by_net.entry(i.address.trunc()).or_default().push((
                EndNode::Router {
                    router: RouterRef(ri),
                    iface: i.name.clone(),
                    port,
                },
                r.name.clone(),
            ));
        }
    }
    for (ni, n) in nats.iter().enumerate() {
        for (port, net) in [(INSIDE, n.config.inside), (OUTSIDE, n.config.outside)] {
            by_net
                .entry(net.trunc())
                .or_default()
                .push((EndNode::Nat { nat: ni, port }, n.config.name.clone()));
        }
    }
    for (hi, h) in hosts.iter().enumerate() {
        by_net
            .entry(h.address.trunc())
            .or_default()
            .push((EndNode::Host(HostRef(hi)), h.name.clone()));
    }
    let mut out = vec![];
    let mut switches = 0;
    for ends in by_net.into_values().filter(|e| e.len() >= 2) {
        let inside_of = ends.iter().find_map(|(e, name)| match e {
            EndNode::Nat { port: INSIDE, .. } => Some(name.clone()),
            _ => None,
        });
        let is_router = |e: &(EndNode, String)| matches!(e.0, EndNode::Router { .. });
        let routers_only = ends.iter().all(|e| e.0.is_gateway());
        let (name, kind) = if let Some(nat) = inside_of {
            let kind = if ends.len() == 2 {
                SegmentKind::Cable
            } else {
                SegmentKind::Switch
            };
            (format!("{nat}-inside"), kind)
        } else if ends.len() == 2 && !routers_only {
            let router_side = ends.iter().find(|e| is_router(e)).map(|e| e.1.as_str());
            (
                format!("lan-{}", router_side.unwrap_or_default()),
                SegmentKind::Cable,
            )
        } else {
            let name = if routers_only && switches == 0 {
                "wan".to_string()
            } else {
                format!("switch{switches}")
            };
            switches += 1;
            (name, SegmentKind::Switch)
        };
        let ends = ends
            .into_iter()
            .map(|(node, node_name)| SegmentEnd {
                link: match kind {
                    SegmentKind::Cable => name.clone(),
                    SegmentKind::Switch => format!("{name}-{node_name}"),
                },
                node,
                node_name,
            })
            .collect();
        out.push(Segment { name, kind, ends });
    }
    out
}

/// The scenario's `[[nat]]` tables, checked against its routers.
fn nats(
    loaded: &Loaded,
    routers: &[PlannedRouter],
    bad: &dyn Fn(usize, String) -> LoadError,
) -> Result<Vec<PlannedNat>, LoadError> {
    let mut out = vec![];
    for (i, n) in loaded.scenario.nats.iter().enumerate() {
        let line = |key: &str| loaded.lines.of(Table::Nat(i), key);
        let addr = |key: &str, text: &str| {
            Ipv4Net::parse(text, BareAddress::Refused).map_err(|_| {
                bad(
                    line(key),
                    format!(
                        "nat {}: `{key}` {text:?} is not like 192.168.100.1/24",
                        n.name
                    ),
                )
            })
        };
        let (inside, outside) = (addr("inside", &n.inside)?, addr("outside", &n.outside)?);
        let router = routers
            .iter()
            .position(|r| r.name == n.router)
            .ok_or_else(|| {
                bad(
                    line("router"),
                    format!("nat {}: no router named {:?}", n.name, n.router),
                )
            })?;
        let behind = routers[router]
            .sim
            .interfaces
            .iter()
            .any(|i| i.address.trunc() == inside.trunc() && i.address.addr != inside.addr);
        if !behind {
            return Err(bad(
                line("inside"),
                format!(
                    "nat {}: router {} has no other address on the inside subnet {}",
                    n.name,
                    n.router,
                    inside.trunc()
                ),
            ));
        }
        let taken = routers
            .iter()
            .flat_map(|r| r.sim.interfaces.iter().map(move |i| (r, i)))
            .find(|(_, i)| i.address.addr == outside.addr);
        if let Some((r, i)) = taken {
            return Err(bad(
                line("outside"),
                format!(
                    "nat {}: outside address {} is {}'s {}",
                    n.name, outside.addr, r.name, i.name
                ),
            ));
        }
        if let Some(o) = out
            .iter()
            .find(|o: &&PlannedNat| o.config.name == n.name || o.router.0 == router)
        {
            let why = if o.config.name == n.name {
                format!("nat {}: a second NAT of that name", n.name)
            } else {
                format!(
                    "nat {}: router {} is already behind NAT {}",
                    n.name, n.router, o.config.name
                )
            };
            return Err(bad(line("name"), why));
        }
        let config = NatConfig {
            name: n.name.clone(),
            inside,
            outside,
            gateway: n.gateway,
            udp_timeout: n.udp_timeout,
            icmp_timeout: n.icmp_timeout,
            max_mappings: n.max_mappings,
        };
        config
            .check()
            .map_err(|e| bad(line("name"), e.to_string()))?;
        out.push(PlannedNat {
            config,
            router: RouterRef(router),
            line: line("name"),
        });
    }
    Ok(out)
}

/// A changed configuration applied at `at`, as engine jobs: the personality's reconfigure
/// schedule.
fn reconfigure_jobs(
    personality: &dyn Personality,
    at: Instant,
    new: &EngineConfig,
) -> Vec<(Instant, EngineJob)> {
    personality
        .reconfigure()
        .into_iter()
        .map(|(after, step)| {
            let job = match step {
                ReconfigureStep::Restart => EngineJob::Restart(Box::new(new.clone())),
                ReconfigureStep::FlushAndReload => EngineJob::FlushReload(new.policies.clone()),
            };
            (at + after, job)
        })
        .collect()
}

/// The plan for `loaded`, with `seed` overriding the scenario's.
pub fn plan(loaded: &Loaded, seed: Option<u64>) -> Result<Plan, LoadError> {
    let sc = &loaded.scenario;
    let bad = |line: usize, message: String| LoadError::Scenario {
        file: loaded.file.clone(),
        line,
        message,
    };
    let (start, clock) = start_times(sc, &|m| bad(loaded.lines.start(), m))?;
    let mut routers = vec![];
    for (i, r) in loaded.routers.iter().enumerate() {
        let line = loaded.lines.of(Table::Router(i), "config");
        routers.push(PlannedRouter {
            name: r.name.clone(),
            personality: r.personality.clone(),
            parsed: r.parsed.clone(),
            sim: router_config(&r.name, &r.parsed.router)
                .map_err(|e| bad(line, format!("router {}: {e}", r.name)))?,
            line: loaded.lines.of(Table::Router(i), "name"),
            applied: vec![],
        });
    }
    let mut hosts = vec![];
    for (i, h) in sc.hosts.iter().enumerate() {
        let line = loaded.lines.of(Table::Host(i), "address");
        let not_like = || {
            bad(
                line,
                format!(
                    "host {}: address {:?} is not like 192.168.0.10/24",
                    h.name, h.address
                ),
            )
        };
        let address = Ipv4Net::parse(&h.address, BareAddress::Refused).map_err(|_| not_like())?;
        hosts.push(PlannedHost {
            name: h.name.clone(),
            address,
            gateway: h.gateway,
            line: loaded.lines.of(Table::Host(i), "name"),
        });
    }
    let nats = nats(loaded, &routers, &bad)?;
    let segments = segments(&routers, &hosts, &nats);
    let mut plan = Plan {
        name: sc.name.clone(),
        file: loaded.file.clone(),
        seed: seed.unwrap_or(sc.seed),
        start,
        clock,
        duration: sc.duration,
        routers,
        hosts,
        nats,
        segments,
        pings: vec![],
        jobs: vec![],
    };
    script(&mut plan, loaded, &bad)?;
    Ok(plan)
}

/// The scenario's steps as jobs (after the start of every engine at time zero).
fn script(
    plan: &mut Plan,
    loaded: &Loaded,
    bad: &dyn Fn(usize, String) -> LoadError,
) -> Result<(), LoadError> {
    let sc = &loaded.scenario;
    // A router whose config is applied at time zero starts with that (the apply starts it).
    let applied_at_zero = |name: &str| {
        sc.steps.iter().any(|s| {
            s.at.is_zero()
                && matches!(&s.action, Action::Reconfigure { router: r, .. } if r == name)
        })
    };
    let starting = (0..plan.routers.len())
        .filter(|&i| !applied_at_zero(&plan.routers[i].name))
        .map(RouterRef)
        .collect();
    plan.jobs.push((Instant::ZERO, Job::Start(starting)));
    for (si, step) in sc.steps.iter().enumerate() {
        let at = Instant::from_duration(step.at);
        let line = |key: &str| loaded.lines.of(Table::Step(si), key);
        let router = |name: &str| {
            plan.routers
                .iter()
                .position(|r| r.name == name)
                .map(RouterRef)
                .ok_or_else(|| bad(line("router"), format!("no router named {name:?}")))
        };
        match &step.action {
            Action::Ping {
                from,
                to,
                count,
                interval,
                size,
            } => {
                let host = plan
                    .hosts
                    .iter()
                    .position(|h| &h.name == from)
                    .map(HostRef)
                    .ok_or_else(|| bad(line("from"), format!("ping: no host named {from:?}")))?;
                plan.pings.push(PlannedPing {
                    host,
                    from: from.clone(),
                    to: *to,
                    count: *count,
                    interval: *interval,
                    size: *size,
                    line: line("do"),
                });
                plan.jobs
                    .push((at, Job::Ping(PingRef(plan.pings.len() - 1))));
            }
            Action::LinkDown { link } | Action::LinkUp { link } => {
                let link = plan
                    .link(link)
                    .ok_or_else(|| bad(line("link"), format!("no link named {link:?}")))?;
                let up = matches!(step.action, Action::LinkUp { .. });
                plan.jobs.push((at, Job::Link { link, up }));
            }
            Action::Initiate { router: r } => {
                let r = router(r)?;
                plan.jobs.push((at, Job::Engine(r, EngineJob::Initiate)));
            }
            Action::Reconfigure { router: r, config } => {
                let i = router(r)?;
                let new = loaded
                    .reconfigs
                    .iter()
                    .find(|((rn, f), _)| rn == r && f == config)
                    .map(|(_, l)| &l.parsed.router)
                    .ok_or_else(|| {
                        bad(
                            line("config"),
                            format!("reconfigure: {config} was not loaded"),
                        )
                    })?;
                let personality = plan.routers[i.0].personality.clone();
                plan.routers[i.0].applied.push((at, new.clone()));
                for (t, job) in reconfigure_jobs(personality.as_ref(), at, &new.engine) {
                    plan.jobs.push((t, Job::Engine(i, job)));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::load::{Source, load};

    fn error_of(text: &str) -> String {
        let loaded = load(Source::Dir(".".into()), "s.toml", text);
        match loaded.and_then(|l| plan(&l, None)) {
            Ok(_) => panic!("{text} should not plan"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn errors_point_at_their_line() {
        let head = "name = \"x\"\ndescription = \"y\"\n";
        assert_eq!(
            error_of(&format!(
                "{head}[[router]]\nname = \"r\"\nvendor = \"juniper\"\nconfig = \"r.conf\"\n"
            )),
            "s.toml:5: router r: unknown vendor \"juniper\" (expected \"seil\", \"ix\", \"rtx\" or \"ios\")"
        );
        let host = "[[host]]\nname = \"h\"\naddress = \"10.0.0.1/24\"\n";
        assert_eq!(
            error_of(&format!(
                "{head}{host}[[step]]\nat = \"1s\"\ndo = \"ping\"\nfrom = \"nobody\"\nto = \"10.0.0.2\"\n"
            )),
            "s.toml:9: ping: no host named \"nobody\""
        );
        assert_eq!(
            error_of(&format!(
                "{head}{host}\n[[step]]\nat = \"1s\"\ndo = \"link-down\"\nlink = \"wan-r\"\n"
            )),
            "s.toml:10: no link named \"wan-r\""
        );
        assert_eq!(
            error_of(&format!(
                "{head}[[host]]\nname = \"h\"\naddress = \"10.0.0.1/33\"\n"
            )),
            "s.toml:5: host h: address \"10.0.0.1/33\" is not like 192.168.0.10/24"
        );
        assert_eq!(
            error_of(&format!("{head}start = \"someday\"\n")),
            "s.toml:3: invalid start time \"someday\" (expected e.g. \"Jan 5 07:27:06\")"
        );
    }
}
