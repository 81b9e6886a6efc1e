//! The netns mode: `ikelab run SCENARIO --netns` builds the scenario's lab out of Linux network
//! namespaces and runs the very same router nodes on them in real time, and `ikelab peer` runs
//! one simulated router on interfaces that already exist, beside a real IKE daemon.
//!
//! # `ikelab run --netns`
//!
//! One namespace per router (`ikl-<pid>-<n>-r-<router>`) and per host (`...-h-<host>`), and per
//! switched segment a namespace holding a Linux bridge `br0` (`...-sw-<switch>`). The segments
//! and the script are the in-process ones, from the same [`Plan`]: a cable is a veth pair, a
//! switch (the WAN, or any segment of more than two ends) a bridge. A router's
//! Ethernet interface `i` is `eth<i>` in its namespace, with the node's MAC and no kernel address:
//! the node ([`ikelab_sim::Router`] with the engine) owns ARP, IP and ICMP; IPv6 and forwarding
//! are off there, so the kernel neither answers nor forwards. Hosts are plain namespaces with the
//! scenario's address and default route on `eth0`, and pings are the real `ping`.
//!
//! The run lasts the scenario's `duration` in real time (Ctrl-C ends it early, the normal way).
//! Artefacts are the in-process ones: `capture.pcapng` (the bridges, captured on `br0`, and the
//! LAN veths, seen by the routers' sockets), `links/<link>.pcap` (a switched segment is one link
//! named after its switch, `wan`), `keys/`, `<router>.log`, `lab.log`, `summary.json`. Times in
//! logs and captures are the scenario's `start` plus real elapsed time, as in-process they are
//! `start` plus virtual time.
//!
//! # `ikelab peer`
//!
//! One router on interfaces of an existing namespace: `--iface lan1=wan0` maps the vendor
//! interface `lan1` to the Linux interface `wan0`. The node takes the interface's own MAC.
//! Interfaces may or may not carry the router's address in the kernel:
//!
//! - **Without a kernel address** (recommended: keep the interface up with no address), the kernel
//!   stays silent, as in `ikelab run --netns`.
//! - **With the router's address in the kernel** (how such namespaces are usually built), the
//!   kernel would answer too. While the peer runs it therefore holds UDP 500 and 4500 on that
//!   address and raw sockets for ESP (50) and IP-in-IP (4), reading and discarding what they get,
//!   so the kernel sends no port or protocol unreachable for IKE, NAT-T or ESP (and no other IKE
//!   daemon can take those ports); it sets `net.ipv4.icmp_echo_ignore_all=1` so only the node
//!   answers pings, and `net.ipv4.ip_forward=0` if it was 1, so the kernel does not forward LAN
//!   traffic in clear beside the node; both are restored at exit. ARP is answered by both the kernel
//!   and the node, with the same MAC, so the duplicate replies agree. Other UDP and TCP to the
//!   router's address still get the kernel's answer (port unreachable, RST).
//!
//! It starts as the config says (policies that start by themselves do), answers peers, prints
//! the vendor log line by line as it happens, and on SIGINT/SIGTERM stops as the device would:
//! a Delete for each of its inbound IPsec SAs and each ISAKMP SA, then exits. With `--out DIR` it
//! writes `<vendor>.log`, `keys/` (Wireshark's key files), `links/<iface>.pcap` (what its ports
//! saw) and `summary.json`.

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use ikelab_peers::ike::Engine;
use std::sync::Arc;

use ikelab_peers::personality::{self as pv, LogSetup, Personality, WallClock};
use ikelab_peers::rng::SeededRandom;
use ikelab_peers::time::Instant;
use ikelab_sim::files;
use ikelab_sim::netns::{
    self as sn, BridgeCapture, Clock, Driver, Netns, PacketSocket, Port, QuietSocket, Spawned,
};
use ikelab_sim::{
    Capture, CaptureSink, KeyLog, LineSink, LinkId, MacAddr, Router, StartTime, derive_seed,
};

use crate::expect::Verdict;
use crate::report::{
    self, Artefacts, HostState, PingOutcome, Recording, RouterState, RunInfo, RunResult,
};
use crate::scenario::plan::{
    self, EndNode, Job, PingRef, Plan, RouterRef, SegmentKind, router_config,
};
use crate::scenario::{LoadError, Loaded};
use crate::stack::{EngineStack, StackHandle};

/// Why a netns run could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum NetnsError {
    /// Not root.
    #[error(
        "{0} needs root: it creates network namespaces, veth pairs and AF_PACKET sockets (run it as root or with sudo{1})"
    )]
    NeedRoot(&'static str, &'static str),
    /// The scenario is not valid.
    #[error("{0}")]
    Load(#[from] LoadError),
    /// A setting that cannot work.
    #[error("{0}")]
    Setup(String),
    /// The scenario has a `[[nat]]`, which only the in-process lab runs.
    #[error(
        "NAT {0} (`[[nat]]`): the netns mode does not run NATs yet; leave out --netns to run the scenario in-process"
    )]
    Nat(String),
    /// A system call or command failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Options of [`run_scenario`].
#[derive(Clone, Debug, Default)]
pub struct NetnsOptions {
    /// Seed for the engines' randomness (default: the scenario's).
    pub seed: Option<u64>,
    /// Run for this long instead of the scenario's `duration`.
    pub duration: Option<Duration>,
}

/// A finished netns run: what [`write`] turns into artefacts.
pub struct NetnsRun {
    /// The scenario's name.
    pub name: String,
    /// The routers and the pings (from the real `ping`'s summary).
    pub result: RunResult,
    /// The date time zero is shown as.
    pub start: StartTime,
    /// Every frame captured.
    pub capture: Capture,
    /// The capture links, by name.
    pub links: Vec<(String, LinkId)>,
    /// The derived keys.
    pub keys: KeyLog,
    /// The run log.
    pub log_text: String,
    /// Whether a stop request (Ctrl-C) ended it before its duration.
    pub interrupted: bool,
    /// The namespaces it used (all removed by now).
    pub namespaces: Vec<String>,
}

impl NetnsRun {
    /// One line per router and ping.
    pub fn outcome(&self) -> String {
        report::outcome(&self.result)
    }
}

/// Writes the run's artefacts into `dir` (the same files as an in-process run).
pub fn write(
    run: &NetnsRun,
    info: &RunInfo,
    dir: &Path,
) -> Result<Artefacts, ikelab_sim::SimError> {
    let rec = Recording {
        start: run.start,
        capture: &run.capture,
        links: &run.links,
        keys: Some(&run.keys),
        log_text: Some(run.log_text.clone()),
    };
    // Each frame was captured once (on a bridge, or by the router's port on a veth).
    report::write_parts(&run.result, info, &rec, dir, |_| true)
}

fn setup(e: impl std::fmt::Display) -> NetnsError {
    NetnsError::Setup(e.to_string())
}

/// A router port's socket and the LAN link it is captured under, if any.
type OpenPort = Option<(PacketSocket, Option<String>)>;

/// A real `ping` under way.
struct RunningPing {
    ping: PingRef,
    proc: Spawned,
    /// When it should be over by itself (run time).
    done_by: Instant,
}

/// Parses the summary of iputils `ping`: (transmitted, received).
pub fn parse_ping_summary(output: &str) -> Option<(u32, u32)> {
    let line = output.lines().find(|l| l.contains("packets transmitted"))?;
    let mut nums = line
        .split(',')
        .map(|part| part.split_whitespace().next().and_then(|n| n.parse().ok()));
    let sent = nums.next()??;
    let received = nums.next()??;
    Some((sent, received))
}

/// The plan's nodes and segments as namespaces, veth pairs and bridges.
struct Wiring {
    routers: Vec<Netns>,
    hosts: Vec<Netns>,
    /// A switched segment's namespace, holding the bridge `br0`, by segment name.
    switches: Vec<(String, Netns)>,
    /// (router, port) -> (the cable it is captured under, Linux interface).
    ports: HashMap<(RouterRef, usize), (Option<String>, String)>,
    /// Per segment and end: (namespace, interface) where that end's link is cut.
    cuts: Vec<Vec<(String, String)>>,
    /// The cables, in segment order.
    cables: Vec<String>,
    /// What was built, for the run log: (source, line).
    notes: Vec<(String, String)>,
}

impl Wiring {
    /// The namespace and Linux interface of a segment end.
    fn place(&self, e: &EndNode) -> Result<(&Netns, String), NetnsError> {
        match e {
            EndNode::Router { router, port, .. } => {
                Ok((&self.routers[router.index()], format!("eth{port}")))
            }
            EndNode::Host(h) => Ok((&self.hosts[h.index()], "eth0".to_string())),
            EndNode::Nat { .. } => Err(NetnsError::Nat(e_name(e))),
        }
    }

    /// Creates the namespaces and joins the segments' ends; `macs` are the router nodes'.
    fn build(plan: &Plan, macs: &[Vec<MacAddr>]) -> Result<Wiring, NetnsError> {
        refuse_nats(plan)?;
        let mut w = Wiring {
            routers: plan
                .routers
                .iter()
                .map(|r| Netns::create(&format!("r-{}", r.name)))
                .collect::<Result<_, _>>()?,
            hosts: vec![],
            switches: vec![],
            ports: HashMap::new(),
            cuts: vec![],
            cables: vec![],
            notes: vec![],
        };
        for ns in &w.routers {
            ns.sysctl("net.ipv4.ip_forward", "0")?;
        }
        w.hosts = plan
            .hosts
            .iter()
            .map(|h| Netns::create(&format!("h-{}", h.name)))
            .collect::<Result<_, _>>()?;
        // Gives a veth end the MAC of the node behind it (a router port's, or the host's
        // derived one, as in-process).
        let set_mac = |e: &EndNode, ns: &Netns, ifn: &str| -> Result<(), NetnsError> {
            let mac = match e {
                EndNode::Router { router, port, .. } => macs[router.index()][*port],
                EndNode::Host(h) => MacAddr::derived(&plan.hosts[h.index()].name),
                EndNode::Nat { .. } => return Err(NetnsError::Nat(e_name(e))),
            };
            ns.ip(&["link", "set", ifn, "address", &mac.to_string()])?;
            Ok(())
        };
        for s in &plan.segments {
            let mut cuts = vec![];
            match s.kind {
                SegmentKind::Cable => {
                    let (a, b) = (&s.ends[0].node, &s.ends[1].node);
                    let (ns_a, if_a) = w.place(a)?;
                    let (ns_b, if_b) = w.place(b)?;
                    ns_a.veth(&if_a, ns_b, &if_b)?;
                    for (e, ns, ifn) in [(a, ns_a, &if_a), (b, ns_b, &if_b)] {
                        set_mac(e, ns, ifn)?;
                        cuts.push((ns.name().to_string(), ifn.clone()));
                    }
                    let line = format!(
                        "link {}: {} {if_a} <-> {} {if_b}",
                        s.name,
                        ns_a.name(),
                        ns_b.name()
                    );
                    for e in [a, b] {
                        if let EndNode::Router { router, port, .. } = e {
                            let ifn = w.place(e)?.1;
                            w.ports
                                .insert((*router, *port), (Some(s.name.clone()), ifn));
                        }
                    }
                    w.notes.push(("netns".into(), line));
                    w.cables.push(s.name.clone());
                }
                SegmentKind::Switch => {
                    let sw = Netns::create(&format!("sw-{}", s.name))?;
                    sw.bridge("br0")?;
                    for (k, e) in s.ends.iter().enumerate() {
                        let port_if = format!("p{k}");
                        let (ns, ifn) = w.place(&e.node)?;
                        ns.veth(&ifn, &sw, &port_if)?;
                        sw.ip(&["link", "set", &port_if, "master", "br0"])?;
                        set_mac(&e.node, ns, &ifn)?;
                        cuts.push((sw.name().to_string(), port_if.clone()));
                        let line = format!(
                            "link {}: {} {ifn} <-> {} {port_if} (bridge br0)",
                            e.link,
                            ns.name(),
                            sw.name()
                        );
                        if let EndNode::Router { router, port, .. } = &e.node {
                            w.ports.insert((*router, *port), (None, ifn));
                        }
                        w.notes.push(("netns".into(), line));
                    }
                    w.switches.push((s.name.clone(), sw));
                }
            }
            w.cuts.push(cuts);
        }
        w.address_hosts(plan)?;
        for (ri, (r, ns)) in plan.routers.iter().zip(&w.routers).enumerate() {
            for (port, i) in r.sim.interfaces.iter().enumerate() {
                let place = w
                    .ports
                    .get(&(RouterRef::new(ri), port))
                    .map_or("not connected".to_string(), |(_, ifn)| {
                        format!("{} {ifn}", ns.name())
                    });
                w.notes
                    .push((r.name.clone(), format!("interface {} is {place}", i.name)));
            }
        }
        Ok(w)
    }

    /// Hosts: the scenario's address and default route.
    fn address_hosts(&mut self, plan: &Plan) -> Result<(), NetnsError> {
        for (h, ns) in plan.hosts.iter().zip(&self.hosts) {
            let has_link = ns.ip(&["-o", "link", "show", "eth0"]).is_ok();
            if !has_link {
                self.notes.push((
                    h.name.clone(),
                    "not connected to anything (no router on its subnet)".into(),
                ));
                continue;
            }
            ns.ip(&["addr", "add", &h.address.to_string(), "dev", "eth0"])?;
            if let Some(gw) = h.gateway {
                ns.ip(&["route", "add", "default", "via", &gw.to_string()])?;
            }
        }
        Ok(())
    }

    /// Every namespace's name.
    fn names(&self) -> Vec<String> {
        self.routers
            .iter()
            .chain(&self.hosts)
            .chain(self.switches.iter().map(|(_, n)| n))
            .map(|n| n.name().to_string())
            .collect()
    }
}

/// A plan running in namespaces: the driver, the routers' stacks and the pings under way.
struct NetnsLab<'p> {
    plan: &'p Plan,
    wiring: Wiring,
    driver: Driver,
    clock: Clock,
    stacks: Vec<StackHandle>,
    running: Vec<RunningPing>,
    /// The capture links, by name.
    links: Vec<(String, LinkId)>,
    /// Each bridge's capture, under its link.
    bridges: Vec<(LinkId, BridgeCapture)>,
}

impl NetnsLab<'_> {
    /// Does one job of the plan now.
    fn apply(&mut self, job: Job) -> Result<(), NetnsError> {
        let now = self.clock.now();
        match job {
            Job::Start(which) => {
                plan::start_engines(which.iter().map(|r| &self.stacks[r.index()]), now);
            }
            Job::Engine(r, job) => plan::apply_engine(&self.stacks[r.index()], now, job),
            Job::Ping(ping) => {
                let p = &self.plan.pings[ping.index()];
                let mut cmd = self.wiring.hosts[p.host.index()].command("ping");
                cmd.args([
                    "-n",
                    "-c",
                    &p.count.to_string(),
                    "-i",
                    &p.interval.as_secs_f64().to_string(),
                    "-s",
                    &p.size.to_string(),
                    "-W",
                    "1",
                    &p.to.to_string(),
                ])
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
                let proc = Spawned::start(&format!("ping from {}", p.from), &mut cmd)?;
                self.driver.note(
                    &p.from,
                    format!("ping {} ({} requests, pid {})", p.to, p.count, proc.pid()),
                );
                let span = p.interval * p.count.saturating_sub(1) + Duration::from_secs(2);
                self.running.push(RunningPing {
                    ping,
                    proc,
                    done_by: now + span,
                });
            }
            Job::Link { link, up } => {
                let (ns, ifn) = &self.wiring.cuts[link.segment][link.end];
                let state = if up { "up" } else { "down" };
                sn::run(Command::new("ip").args(["-n", ns, "link", "set", ifn, state]))?;
                let name = &self.plan.end(link).link;
                self.driver.note(name, format!("link {state}"));
            }
        }
        Ok(())
    }

    /// Asks pings still running for their summary (SIGINT), as Ctrl-C would, and reads every
    /// ping's; a ping that never started counts as none sent.
    fn ping_results(&mut self, interrupted: bool) -> Result<Vec<PingOutcome>, NetnsError> {
        let mut out: Vec<PingOutcome> = self
            .plan
            .pings
            .iter()
            .map(|p| PingOutcome {
                from: p.from.clone(),
                to: p.to,
                sent: 0,
                received: 0,
            })
            .collect();
        for mut p in std::mem::take(&mut self.running) {
            if !p.proc.exited() && (interrupted || self.clock.now() >= p.done_by) {
                p.proc.interrupt();
            }
            let output = p.proc.wait_output(Duration::from_secs(3))?;
            let text = String::from_utf8_lossy(&output.stdout).into_owned();
            let (sent, received) = parse_ping_summary(&text).unwrap_or((0, 0));
            let r = &mut out[p.ping.index()];
            for l in text.lines().filter(|l| !l.trim().is_empty()) {
                self.driver.note(&r.from, format!("ping: {l}"));
            }
            r.sent = sent;
            r.received = received;
        }
        Ok(out)
    }
}

/// The NAT node ([`ikelab_sim::Nat`]) runs in the in-process lab only: hosting it here would
/// mean a namespace with two AF_PACKET ports driven like a router's, which is not written yet.
/// A scenario with a `[[nat]]` is refused, naming the NAT, rather than run without it.
fn refuse_nats(plan: &Plan) -> Result<(), NetnsError> {
    match plan.nats.first() {
        Some(n) => Err(NetnsError::Nat(n.config.name.clone())),
        None => Ok(()),
    }
}

/// A NAT end's description for [`NetnsError::Nat`].
fn e_name(e: &EndNode) -> String {
    match e {
        EndNode::Nat { nat, .. } => format!("#{}", nat + 1),
        _ => String::new(),
    }
}

/// Runs `loaded` in network namespaces (see the module documentation); `stop` ends it early.
pub fn run_scenario(
    loaded: &Loaded,
    opts: &NetnsOptions,
    stop: &AtomicBool,
) -> Result<NetnsRun, NetnsError> {
    if let Some(n) = loaded.scenario.nats.first() {
        return Err(NetnsError::Nat(n.name.clone()));
    }
    if !sn::is_root() {
        return Err(NetnsError::NeedRoot(
            "ikelab run --netns",
            ", or leave out --netns for the in-process lab",
        ));
    }
    // Namespaces of earlier runs that were killed outright (SIGKILL) are removed first.
    let stale = sn::sweep_stale();
    let plan = plan::plan(loaded, opts.seed)?;
    refuse_nats(&plan)?;
    let mut lab = NetnsLab::start(&plan, stale)?;
    let deadline = Instant::from_duration(opts.duration.unwrap_or(plan.duration));
    let interrupted = lab.run(deadline, stop)?;
    lab.finish(interrupted)
}

impl<'p> NetnsLab<'p> {
    /// Builds `plan`'s routers, namespaces, sockets and captures; `stale` are the namespaces of
    /// killed runs that were removed, for the run log.
    fn start(plan: &'p Plan, stale: Vec<String>) -> Result<Self, NetnsError> {
        // The routers, exactly as in-process: same configs, same seeds, same MACs.
        let mut routers = vec![];
        let mut stacks: Vec<StackHandle> = vec![];
        let mut macs: Vec<Vec<MacAddr>> = vec![];
        for r in &plan.routers {
            let engine = Engine::new(
                r.engine().clone(),
                derive_seed(plan.seed, &format!("engine:{}", r.name)),
            );
            let (stack, handle) = EngineStack::new(&r.name, engine, r.parsed.renderer(plan.clock));
            handle.borrow_mut().scope = r.parsed.router.policy_scope.clone();
            let node = Router::with_stack(
                r.sim.clone(),
                SeededRandom::new(derive_seed(plan.seed, &r.name)),
                Box::new(stack),
            )
            .map_err(setup)?;
            macs.push(node.interfaces().map(|(_, _, m)| m).collect());
            routers.push(node);
            stacks.push(handle);
        }
        let wiring = Wiring::build(plan, &macs)?;

        // Sockets, then the clock, then the captures, then the engines: nothing is missed.
        let mut router_ports: Vec<Vec<OpenPort>> = vec![];
        for (ri, node) in routers.iter().enumerate() {
            let mut ports = vec![];
            for p in 0..ikelab_sim::Node::port_count(node) {
                ports.push(match wiring.ports.get(&(RouterRef::new(ri), p)) {
                    Some((link, ifn)) => Some((
                        PacketSocket::open(wiring.routers[ri].name(), ifn, false)?,
                        link.clone(),
                    )),
                    None => None,
                });
            }
            router_ports.push(ports);
        }
        let clock = Clock::shown_as(plan.start);
        let mut driver = Driver::new(clock);
        for name in stale {
            driver.note(
                "netns",
                format!("removed {name}, left by a run that no longer exists"),
            );
        }
        for (source, line) in &wiring.notes {
            driver.note(source, line.clone());
        }
        let mut links: Vec<(String, LinkId)> = vec![];
        let mut cable_ids: HashMap<String, LinkId> = HashMap::new();
        for name in &wiring.cables {
            let id = driver.add_link(name);
            cable_ids.insert(name.clone(), id);
            links.push((name.clone(), id));
        }
        let mut bridges = vec![];
        for (sw_name, sw) in &wiring.switches {
            let id = driver.add_link(sw_name);
            links.push((sw_name.clone(), id));
            bridges.push((id, BridgeCapture::start(sw.name(), "br0", clock)?));
        }
        for (node, ports) in routers.into_iter().zip(router_ports) {
            let ports = ports
                .into_iter()
                .map(|p| {
                    p.map(|(socket, link)| Port {
                        socket,
                        link: link.and_then(|l| cable_ids.get(&l).copied()),
                    })
                })
                .collect();
            driver.attach(Box::new(node), ports);
        }

        Ok(NetnsLab {
            plan,
            wiring,
            driver,
            clock,
            stacks,
            running: vec![],
            links,
            bridges,
        })
    }

    /// Applies the plan's jobs as they fall due, then runs to `deadline`; whether `stop` ended
    /// it early.
    fn run(&mut self, deadline: Instant, stop: &AtomicBool) -> Result<bool, NetnsError> {
        let mut jobs = self.plan.jobs.clone();
        jobs.sort_by_key(|j| j.0);
        for (at, job) in jobs {
            if at > deadline {
                break;
            }
            if self.driver.run_until(at, stop)? {
                return Ok(true);
            }
            self.apply(job)?;
        }
        Ok(self.driver.run_until(deadline, stop)?)
    }

    /// Collects the pings, logs, keys and captures, and removes the namespaces.
    fn finish(mut self, interrupted: bool) -> Result<NetnsRun, NetnsError> {
        let pings = self.ping_results(interrupted)?;
        let NetnsLab {
            plan,
            wiring,
            driver,
            stacks,
            links,
            bridges,
            ..
        } = self;
        let log_text = driver.log().render(plan.start);
        let keys = driver.keys().clone();
        let mut recorder = driver.into_recorder();
        for (id, b) in bridges {
            for (t, f) in b.stop()? {
                recorder.record(id, t, f);
            }
        }
        let capture = recorder.finish();
        let namespaces = wiring.names();
        drop(wiring);
        Ok(NetnsRun {
            name: plan.name.clone(),
            result: RunResult {
                routers: plan
                    .routers
                    .iter()
                    .zip(stacks)
                    .map(|(r, stack)| RouterState {
                        name: r.name.clone(),
                        personality: r.personality.clone(),
                        stack,
                        configs: r.configs(),
                    })
                    .collect(),
                hosts: plan
                    .hosts
                    .iter()
                    .map(|h| HostState::of(h, &plan.file))
                    .collect(),
                pings,
            },
            start: plan.start,
            capture,
            links,
            keys,
            log_text,
            interrupted,
            namespaces,
        })
    }
}

// ---- ikelab peer ----

/// Options of [`peer`].
#[derive(Clone, Debug)]
pub struct PeerOptions {
    /// The device it imitates.
    pub personality: Arc<dyn Personality>,
    /// The parsed vendor config (a test may adjust it before running).
    pub config: pv::RouterConfig,
    /// The log renderer the config sets up.
    pub log: Arc<dyn LogSetup>,
    /// The namespace holding the interfaces.
    pub netns: String,
    /// (vendor interface, Linux interface) pairs.
    pub ifaces: Vec<(String, String)>,
    /// Seed for the engine (default: from the clock).
    pub seed: Option<u64>,
    /// The artefact folder: the capture, the run log and the vendor log are written there as
    /// the peer runs, and its engine events spooled ([`PeerRun::write`] adds the rest). Without
    /// one nothing is captured and no log is kept; the events and keys of its SAs (some hundred
    /// bytes each) stay in memory for the caller.
    pub out: Option<PathBuf>,
}

/// What [`peer`] reports as it runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeerOutput<'a> {
    /// A vendor log line, as it happens.
    Log(&'a str),
    /// A note about the setup (what it did to the namespace, and why).
    Notice(&'a str),
    /// The sockets are open and the engine starts now: peers may send.
    Ready,
}

/// A finished peer run.
pub struct PeerRun {
    /// The router.
    pub router: RouterState,
    /// Derived keys.
    pub keys: KeyLog,
    /// What its ports saw, by vendor interface name.
    pub capture: Capture,
    /// The capture links.
    pub links: Vec<(String, LinkId)>,
    /// The date time zero stands for (the real start).
    pub start: StartTime,
    /// The engine's seed.
    pub seed: u64,
    /// How long it ran.
    pub elapsed: Duration,
}

impl PeerRun {
    /// Writes `keys/` and `summary.json` into `dir`, the folder given as [`PeerOptions::out`],
    /// which already holds what was written as the peer ran (`<vendor>.log`, `lab.log`,
    /// `capture.pcapng`, `links/<iface>.pcap`).
    pub fn write(&self, dir: &Path) -> Result<Artefacts, ikelab_sim::SimError> {
        let run = RunResult {
            routers: vec![self.router.clone()],
            hosts: vec![],
            pings: vec![],
        };
        let rec = Recording {
            start: self.start,
            capture: &self.capture,
            links: &self.links,
            keys: Some(&self.keys),
            // Written to the folder as the peer ran.
            log_text: None,
        };
        // One router beside real peers: no scenario and no expectations.
        let info = RunInfo {
            scenario: "peer".into(),
            seed: self.seed,
            start: String::new(),
            duration: self.elapsed,
            verdict: Verdict { checks: vec![] },
        };
        report::write_parts(&run, &info, &rec, dir, |_| true)
    }
}

/// Sysctls changed for the run, restored when dropped.
struct Restore {
    ns: String,
    saved: Vec<(String, String)>,
}

impl Restore {
    fn set(&mut self, key: &str, value: &str) -> std::io::Result<Option<String>> {
        let old = sn::read_sysctl(&self.ns, key)?;
        if old != value {
            sn::write_sysctl(&self.ns, key, value)?;
            self.saved.push((key.to_string(), old.clone()));
            return Ok(Some(old));
        }
        Ok(None)
    }
}

impl Drop for Restore {
    fn drop(&mut self) {
        for (k, v) in self.saved.drain(..).rev() {
            let _ = sn::write_sysctl(&self.ns, &k, &v);
        }
    }
}

/// The wall clock the vendor logs show for a clock's zero.
fn wall_clock(start: StartTime) -> WallClock {
    let stamp = start.stamp(Instant::ZERO).to_string();
    let mut w = stamp.split_whitespace();
    let text = format!(
        "{} {} {}",
        w.next().unwrap_or("Jan"),
        w.next().unwrap_or("1"),
        w.next()
            .and_then(|t| t.split('.').next())
            .unwrap_or("00:00:00")
    );
    let year = u16::try_from(start.year()).unwrap_or(WallClock::DOCUMENT_YEAR);
    WallClock::parse(&text)
        .unwrap_or(WallClock::DOCUMENT)
        .in_year(year)
}

/// Runs one simulated router on existing interfaces (see the module documentation) until `stop`
/// is set, then sends its Deletes and returns.
pub fn peer(
    opts: PeerOptions,
    stop: &AtomicBool,
    mut out: impl FnMut(PeerOutput<'_>),
) -> Result<PeerRun, NetnsError> {
    if !sn::is_root() {
        return Err(NetnsError::NeedRoot("ikelab peer", ""));
    }
    if opts.ifaces.is_empty() {
        return Err(setup("give at least one --iface NAME=IF"));
    }
    let name = opts.personality.vendor().to_string();
    let mut rc = router_config(&name, &opts.config).map_err(setup)?;
    let names: Vec<String> = rc.interfaces.iter().map(|i| i.name.clone()).collect();
    let mut wired: Vec<(usize, String)> = vec![];
    let mut kernel_addrs: Vec<Ipv4Addr> = vec![];
    for (vname, ifn) in &opts.ifaces {
        let Some(port) = names.iter().position(|n| n == vname) else {
            return Err(setup(format!(
                "the {} config has no numbered Ethernet interface {vname:?} (it has: {})",
                opts.personality.vendor(),
                names.join(", ")
            )));
        };
        if wired.iter().any(|(p, _)| *p == port) {
            return Err(setup(format!("{vname} is given twice")));
        }
        let info = sn::link_info(&opts.netns, ifn)
            .map_err(|e| setup(format!("interface {ifn} in namespace {}: {e}", opts.netns)))?;
        rc.interfaces[port].mac = Some(info.mac);
        if !info.up {
            sn::run(Command::new("ip").args(["-n", &opts.netns, "link", "set", ifn, "up"]))?;
            out(PeerOutput::Notice(&format!(
                "{ifn} was down in {}: set it up",
                opts.netns
            )));
        }
        let mine = rc.interfaces[port].address.addr;
        if info.ipv4.iter().any(|(a, _)| *a == mine) {
            kernel_addrs.push(mine);
        } else if let Some((a, l)) = info.ipv4.first() {
            out(PeerOutput::Notice(&format!(
                "{ifn} carries {a}/{l} in the kernel, not {vname}'s {mine}: the kernel may answer beside the router"
            )));
        }
        wired.push((port, ifn.clone()));
    }

    // Keep the kernel quiet where it holds the router's addresses.
    let mut restore = Restore {
        ns: opts.netns.clone(),
        saved: vec![],
    };
    let mut quiet: Vec<QuietSocket> = vec![];
    if !kernel_addrs.is_empty() {
        let addrs = kernel_addrs.clone();
        quiet = sn::in_netns(&opts.netns, move || {
            let mut v = vec![];
            for a in addrs {
                v.push(QuietSocket::udp_here(a, 500)?);
                v.push(QuietSocket::udp_here(a, 4500)?);
            }
            v.push(QuietSocket::raw_here(50)?);
            v.push(QuietSocket::raw_here(4)?);
            Ok(v)
        })
        .map_err(setup)?;
        let held: Vec<&str> = quiet.iter().map(|q| q.what()).collect();
        out(PeerOutput::Notice(&format!(
            "the kernel holds the router's address: holding {} so that it stays quiet",
            held.join(", ")
        )));
        if restore.set("net.ipv4.icmp_echo_ignore_all", "1")?.is_some() {
            out(PeerOutput::Notice(
                "set net.ipv4.icmp_echo_ignore_all=1 (the router answers pings, not the kernel; restored at exit)",
            ));
        }
        if restore.set("net.ipv4.ip_forward", "0")?.is_some() {
            out(PeerOutput::Notice(
                "set net.ipv4.ip_forward=0 (the router forwards, not the kernel; restored at exit)",
            ));
        }
    }

    let clock = Clock::real();
    let seed = opts.seed.unwrap_or_else(|| {
        let t = clock.start().unix_nanos();
        t ^ u64::from(std::process::id()).rotate_left(32)
    });
    let engine = Engine::new(opts.config.engine.clone(), derive_seed(seed, "engine"));
    let (stack, handle) =
        EngineStack::new(&name, engine, opts.log.renderer(wall_clock(clock.start())));
    handle.borrow_mut().scope = opts.config.policy_scope.clone();
    let mut driver = Driver::new(clock);
    stream_peer(&mut driver, &handle, &name, opts.out.as_deref())?;
    let mut links = vec![];
    let mut ports: Vec<Option<Port>> = vec![];
    ports.resize_with(rc.interfaces.len(), || None);
    for (port, ifn) in &wired {
        // Without a folder to write to, nothing is captured.
        let link = opts.out.is_some().then(|| driver.add_link(&names[*port]));
        if let Some(id) = link {
            links.push((names[*port].clone(), id));
        }
        ports[*port] = Some(Port {
            socket: PacketSocket::open(&opts.netns, ifn, false)?,
            link,
        });
        driver.note(
            &name,
            format!("{} is {ifn} in {}", names[*port], opts.netns),
        );
    }
    for q in quiet {
        driver.hold(q);
    }
    let node = Router::with_stack(
        rc,
        SeededRandom::new(derive_seed(seed, "router")),
        Box::new(stack),
    )
    .map_err(setup)?;
    driver.attach(Box::new(node), ports);

    out(PeerOutput::Ready);
    let flush = |out: &mut dyn FnMut(PeerOutput<'_>)| {
        let fresh = handle.borrow_mut().take_fresh();
        for l in &fresh {
            out(PeerOutput::Log(l));
        }
    };
    {
        let mut s = handle.borrow_mut();
        s.engine.start(clock.now());
        s.pump();
    }
    flush(&mut out);
    loop {
        let stopped = driver.run_until(clock.now() + Duration::from_millis(50), stop)?;
        flush(&mut out);
        if stopped {
            break;
        }
    }
    // Stop as the device does: Deletes out, then exit.
    {
        let mut s = handle.borrow_mut();
        s.engine.shutdown(clock.now());
        s.pump();
    }
    let never = AtomicBool::new(false);
    driver.run_until(clock.now() + Duration::from_millis(300), &never)?;
    flush(&mut out);
    drop(restore);
    let start = clock.start();
    let elapsed = clock.now().since_zero();
    let vendor_log = handle.borrow_mut().finish_log().transpose();
    let lab_log = driver.finish_log();
    let keys = driver.keys().clone();
    let mut capture = driver.into_recorder().finish();
    let captured = capture.finish_stream().transpose();
    vendor_log
        .and(lab_log)
        .and(captured.map(drop))
        .map_err(|e| setup(format!("writing the artefacts: {e}")))?;
    Ok(PeerRun {
        seed,
        elapsed,
        router: RouterState {
            name,
            personality: opts.personality,
            stack: handle,
            configs: vec![(Instant::ZERO, opts.config)],
        },
        keys,
        capture,
        links,
        start,
    })
}

/// Has the peer's capture, run log and vendor log written into `out` as they come, and its
/// events spooled there (see [`PeerOptions::out`]); without a folder, the logs are not kept.
fn stream_peer(
    driver: &mut Driver,
    stack: &StackHandle,
    name: &str,
    out: Option<&Path>,
) -> Result<(), NetnsError> {
    let Some(dir) = out else {
        driver.stream_log(LineSink::discard());
        stack.borrow_mut().stream_log(None, true);
        return Ok(());
    };
    let file = |e: ikelab_sim::SimError| setup(format!("writing {}: {e}", dir.display()));
    let made = files::create_root(dir)
        .and_then(|()| files::create_dir(&dir.join("links"), files::Access::Shared));
    made.map_err(|e| file(e.into()))?;
    let sink = CaptureSink::create(
        &dir.join("capture.pcapng"),
        &dir.join("links"),
        driver.clock().start(),
        Box::new(|_| true),
    )
    .map_err(file)?;
    driver.recorder_mut().stream_to(sink);
    driver.stream_log(LineSink::create(&dir.join("lab.log")).map_err(file)?);
    let vendor = LineSink::create(&dir.join(format!("{name}.log"))).map_err(file)?;
    let mut s = stack.borrow_mut();
    s.stream_log(Some(vendor), true);
    // The summary reads the events when the peer stops; until then they wait on disk.
    s.events
        .spool_to(&dir.join(format!(".{name}.events")))
        .map_err(file)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ping_summaries_parse() {
        let ok = "PING 192.168.1.10 (192.168.1.10) 56(84) bytes of data.\n64 bytes from 192.168.1.10: icmp_seq=1 ttl=62 time=0.4 ms\n\n--- 192.168.1.10 ping statistics ---\n10 packets transmitted, 10 received, 0% packet loss, time 9011ms\nrtt min/avg/max/mdev = 0.3/0.4/0.5/0.1 ms\n";
        assert_eq!(parse_ping_summary(ok), Some((10, 10)));
        let errs = "--- 192.168.1.10 ping statistics ---\n5 packets transmitted, 0 received, +5 errors, 100% packet loss, time 4090ms\n";
        assert_eq!(parse_ping_summary(errs), Some((5, 0)));
        assert_eq!(
            parse_ping_summary("ping: connect: Network is unreachable\n"),
            None
        );
    }

    #[test]
    fn the_wall_clock_follows_the_start() {
        let s = StartTime::parse_syslog("Jan 5 07:27:06", 2016).unwrap();
        assert_eq!(wall_clock(s), WallClock::DOCUMENT);
        // `ikelab peer` starts now: the IX's datetime stamps carry the year it is.
        let s = StartTime::parse_syslog("Dec 7 06:51:22", 2026).unwrap();
        assert_eq!(wall_clock(s).year, 2026);
    }
}
