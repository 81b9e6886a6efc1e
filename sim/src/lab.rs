//! The lab: nodes, links, taps, a script and the discrete-event loop that runs them in virtual
//! time. Idle time costs nothing: the clock jumps from one event to the next. One seed feeds every
//! node's and link's randomness (per-name derived seeds), so a run is byte-for-byte reproducible.

use crate::files::{self, Access};
use core::time::Duration;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use ikelab_peers::rng::SeededRandom;
use ikelab_peers::time::Instant;

use crate::event::{Event, EventQueue};
use crate::host::{Host, HostConfig, PingHandle, PingReport, PingSpec};
use crate::link::{Impairments, Link, LinkParams, PortRef};
use crate::nat::{Nat, NatConfig};
use crate::router::{Router, RouterConfig, SecurityStack};
use crate::sink::Stream;
use crate::tap::{Capture, CaptureFiles, CaptureFilter};
use crate::{
    CaptureSink, Counter, Counters, KeyLine, KeyLog, KeySink, LineSink, LinkId, LinkStats, Log,
    MacAddr, Node, SimError, StartTime, Switch, derive_seed,
};

/// How a run is set up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LabConfig {
    /// The one seed of the run.
    pub seed: u64,
    /// The wall-clock date of virtual time zero.
    pub start: StartTime,
    /// [`Lab::run`] stops here even if events remain.
    pub deadline: Instant,
    /// Whether taps record frames (on by default; off only for scale benchmarks).
    pub capture: bool,
}

impl Default for LabConfig {
    /// Seed 1, the document's start date, a 24-hour deadline, taps on.
    fn default() -> Self {
        LabConfig {
            seed: 1,
            start: StartTime::document(),
            deadline: Instant::ZERO + Duration::from_secs(24 * 3600),
            capture: true,
        }
    }
}

impl LabConfig {
    /// The defaults with `seed`.
    pub fn with_seed(seed: u64) -> Self {
        LabConfig {
            seed,
            ..Self::default()
        }
    }
}

/// Identifies a node in a lab.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub(crate) usize);

impl NodeId {
    /// The node's index (order of creation).
    pub fn index(self) -> usize {
        self.0
    }
}

/// Identifies a scheduled ping run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PingId {
    /// The host that pings.
    pub host: NodeId,
    handle: PingHandle,
}

/// One end of a link to be: a port by number, an interface by name, or "a new port" of a switch
/// (or the only port of a host).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End<'a> {
    /// Port number.
    Port(NodeId, usize),
    /// Interface name (`lan1`, `FastEthernet0/0.0`).
    Iface(NodeId, &'a str),
    /// A switch's next new port, or a single-port node's port.
    Node(NodeId),
}

impl From<NodeId> for End<'_> {
    fn from(n: NodeId) -> Self {
        End::Node(n)
    }
}

impl<'a> From<(NodeId, &'a str)> for End<'a> {
    fn from((n, name): (NodeId, &'a str)) -> Self {
        End::Iface(n, name)
    }
}

impl From<(NodeId, usize)> for End<'_> {
    fn from((n, p): (NodeId, usize)) -> Self {
        End::Port(n, p)
    }
}

/// Why a run stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunEnd {
    /// Nothing left to do: the script is done and no frame or timer is pending.
    Idle,
    /// The deadline came first.
    Deadline,
}

/// The outcome of [`Lab::run`] and friends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunSummary {
    /// Why it stopped.
    pub end: RunEnd,
    /// Virtual time at the stop.
    pub now: Instant,
    /// Events processed so far in the lab's life.
    pub events: u64,
}

/// The files [`Lab::write_outputs`] produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunFiles {
    /// Captures.
    pub captures: CaptureFiles,
    /// The run log.
    pub log: PathBuf,
    /// Wireshark's `ikev1_decryption_table` for the run.
    pub ikev1_keys: PathBuf,
    /// Wireshark's `esp_sa` for the run.
    pub esp_keys: PathBuf,
}

type ScriptFn = Box<dyn FnOnce(&mut Lab)>;

enum ScriptAction {
    LinkUp(LinkId),
    LinkDown(LinkId),
    Impair(LinkId, Impairments),
    Call(ScriptFn),
    /// A call that touches only this node: only its outputs and timer are looked at after it.
    CallNode(NodeId, ScriptFn),
}

enum Slot {
    Router(Box<Router>),
    Host(Box<Host>),
    Switch(Switch),
    Nat(Box<Nat>),
    Custom(Box<dyn Node>),
}

impl Slot {
    fn node(&mut self) -> &mut dyn Node {
        match self {
            Slot::Router(r) => r.as_mut(),
            Slot::Host(h) => h.as_mut(),
            Slot::Switch(s) => s,
            Slot::Nat(n) => n.as_mut(),
            Slot::Custom(c) => c.as_mut(),
        }
    }

    fn node_ref(&self) -> &dyn Node {
        match self {
            Slot::Router(r) => r.as_ref(),
            Slot::Host(h) => h.as_ref(),
            Slot::Switch(s) => s,
            Slot::Nat(n) => n.as_ref(),
            Slot::Custom(c) => c.as_ref(),
        }
    }
}

/// A whole virtual network and its run (see the module documentation).
pub struct Lab {
    config: LabConfig,
    now: Instant,
    queue: EventQueue,
    nodes: Vec<Slot>,
    node_names: HashMap<String, NodeId>,
    /// Per node, per port: the link and which end of it.
    ports: Vec<Vec<Option<(LinkId, usize)>>>,
    /// Per node: the time of its live timer event.
    timers: Vec<Option<Instant>>,
    links: Vec<Link>,
    link_names: HashMap<String, LinkId>,
    macs: HashMap<MacAddr, String>,
    capture: Capture,
    log: Log,
    keys: KeyLog,
    key_stream: Stream<KeySink>,
    script: Vec<Option<ScriptAction>>,
    events: u64,
    counters: Counters,
}

impl Lab {
    /// An empty lab.
    pub fn new(config: LabConfig) -> Self {
        Lab {
            config,
            now: Instant::ZERO,
            queue: EventQueue::default(),
            nodes: Vec::new(),
            node_names: HashMap::new(),
            ports: Vec::new(),
            timers: Vec::new(),
            links: Vec::new(),
            link_names: HashMap::new(),
            macs: HashMap::new(),
            capture: Capture::new(config.capture),
            log: Log::default(),
            keys: KeyLog::default(),
            key_stream: Stream::Off,
            script: Vec::new(),
            events: 0,
            counters: Counters::default(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &LabConfig {
        &self.config
    }

    /// The seed derived for `label` (a node's name): what the lab gives that node's randomness.
    pub fn seed_for(&self, label: &str) -> u64 {
        derive_seed(self.config.seed, label)
    }

    // ---- building ----

    /// Adds a router without IPsec.
    pub fn add_router(&mut self, config: RouterConfig) -> Result<NodeId, SimError> {
        let rng = SeededRandom::new(self.seed_for(&config.name));
        let r = Router::new(config, rng)?;
        self.insert(Slot::Router(Box::new(r)))
    }

    /// Adds a router whose IKE and ESP belong to `stack` (seed it with
    /// [`Lab::seed_for`]`("<name>/stack")`).
    pub fn add_router_with_stack(
        &mut self,
        config: RouterConfig,
        stack: Box<dyn SecurityStack>,
    ) -> Result<NodeId, SimError> {
        let rng = SeededRandom::new(self.seed_for(&config.name));
        let r = Router::with_stack(config, rng, stack)?;
        self.insert(Slot::Router(Box::new(r)))
    }

    /// Adds a host.
    pub fn add_host(&mut self, config: HostConfig) -> Result<NodeId, SimError> {
        let rng = SeededRandom::new(self.seed_for(&config.name));
        let h = Host::new(config, rng, self.config.start)?;
        self.insert(Slot::Host(Box::new(h)))
    }

    /// Adds a learning switch (ports are added by [`Lab::connect`]).
    pub fn add_switch(&mut self, name: &str) -> Result<NodeId, SimError> {
        self.insert(Slot::Switch(Switch::new(name)))
    }

    /// Adds a NAT ([`Nat`]); its outside ports come from the seed derived for its name.
    pub fn add_nat(&mut self, config: NatConfig) -> Result<NodeId, SimError> {
        let rng = SeededRandom::new(self.seed_for(&config.name));
        let n = Nat::new(config, rng)?;
        self.insert(Slot::Nat(Box::new(n)))
    }

    /// Adds any other node (its randomness should come from [`Lab::seed_for`]).
    pub fn add_node(&mut self, node: Box<dyn Node>) -> Result<NodeId, SimError> {
        self.insert(Slot::Custom(node))
    }

    fn insert(&mut self, slot: Slot) -> Result<NodeId, SimError> {
        let n = slot.node_ref();
        let name = n.name().to_string();
        if self.node_names.contains_key(&name) {
            return Err(SimError::DuplicateName(name));
        }
        let mut new_macs = Vec::new();
        for p in 0..n.port_count() {
            if let Some(mac) = n.port_mac(p) {
                let owner = format!("{name} port {p}");
                if let Some(first) = self
                    .macs
                    .get(&mac)
                    .or_else(|| new_macs.iter().find(|(m, _)| *m == mac).map(|(_, o)| o))
                {
                    return Err(SimError::DuplicateMac {
                        mac,
                        first: first.clone(),
                        second: owner,
                    });
                }
                new_macs.push((mac, owner));
            }
        }
        self.macs.extend(new_macs);
        let id = NodeId(self.nodes.len());
        self.ports.push(vec![None; n.port_count()]);
        self.timers.push(None);
        self.node_names.insert(name, id);
        self.nodes.push(slot);
        self.reschedule(id, false);
        Ok(id)
    }

    /// The port `end` names. A switch's new port is only added when `add` is set, so a
    /// connection that fails leaves no stray port behind.
    fn resolve(&mut self, end: End<'_>, add: bool) -> Result<PortRef, SimError> {
        let (node, port) = match end {
            End::Port(n, p) => {
                let slot = self.slot(n)?;
                if p >= slot.node_ref().port_count() {
                    return Err(SimError::UnknownInterface {
                        node: slot.node_ref().name().to_string(),
                        iface: format!("port {p}"),
                    });
                }
                (n, p)
            }
            End::Iface(n, name) => {
                let slot = self.slot(n)?;
                let p = slot.node_ref().port_by_name(name).ok_or_else(|| {
                    SimError::UnknownInterface {
                        node: slot.node_ref().name().to_string(),
                        iface: name.to_string(),
                    }
                })?;
                (n, p)
            }
            End::Node(n) => {
                self.slot(n)?;
                if let Slot::Switch(s) = &mut self.nodes[n.0] {
                    if !add {
                        return Ok(PortRef {
                            node: n,
                            port: s.port_count(),
                        });
                    }
                    let p = s.add_port();
                    self.ports[n.0].push(None);
                    (n, p)
                } else if self.nodes[n.0].node_ref().port_count() == 1 {
                    (n, 0)
                } else {
                    return Err(SimError::Config(format!(
                        "{} has several ports: name the interface",
                        self.nodes[n.0].node_ref().name()
                    )));
                }
            }
        };
        if self.ports[node.0][port].is_some() {
            return Err(SimError::PortInUse {
                node: self.nodes[node.0].node_ref().name().to_string(),
                port,
            });
        }
        Ok(PortRef { node, port })
    }

    fn slot(&self, n: NodeId) -> Result<&Slot, SimError> {
        self.nodes
            .get(n.0)
            .ok_or_else(|| SimError::UnknownNode(format!("#{}", n.0)))
    }

    /// Connects two ports with a link named `name` (its capture file is `<name>.pcap`).
    pub fn connect<'a>(
        &mut self,
        name: &str,
        a: impl Into<End<'a>>,
        b: impl Into<End<'a>>,
        params: LinkParams,
    ) -> Result<LinkId, SimError> {
        if self.link_names.contains_key(name) {
            return Err(SimError::DuplicateName(name.to_string()));
        }
        let (a, b) = (a.into(), b.into());
        if self.resolve(a, false)? == self.resolve(b, false)? {
            return Err(SimError::Config(format!(
                "link {name} would join a port to itself"
            )));
        }
        let a = self.resolve(a, true)?;
        let b = self.resolve(b, true)?;
        if a == b {
            return Err(SimError::PortInUse {
                node: self.nodes[a.node.0].node_ref().name().to_string(),
                port: a.port,
            });
        }
        let id = LinkId(self.links.len());
        let seed = derive_seed(self.config.seed, &format!("link:{name}"));
        self.links
            .push(Link::new(name.to_string(), [a, b], params, seed));
        self.ports[a.node.0][a.port] = Some((id, 0));
        self.ports[b.node.0][b.port] = Some((id, 1));
        self.link_names.insert(name.to_string(), id);
        self.capture.add_link(name);
        Ok(id)
    }

    // ---- scripting ----

    fn schedule(&mut self, at: Instant, action: ScriptAction) {
        let i = self.script.len();
        self.script.push(Some(action));
        self.queue.push(at.max(self.now), Event::Script(i));
    }

    /// Schedules a ping run on `host` starting at `at`.
    pub fn ping(&mut self, host: NodeId, at: Instant, spec: PingSpec) -> Result<PingId, SimError> {
        let at = at.max(self.now);
        let h = match self.nodes.get_mut(host.0) {
            Some(Slot::Host(h)) => h,
            _ => return Err(SimError::UnknownNode(format!("host #{}", host.0))),
        };
        let handle = h.schedule_ping(at, spec);
        self.reschedule(host, false);
        Ok(PingId { host, handle })
    }

    /// Cuts `link` at `at`: frames on it, and in flight across it, are lost until it comes up.
    pub fn link_down(&mut self, at: Instant, link: LinkId) {
        self.schedule(at, ScriptAction::LinkDown(link));
    }

    /// Restores `link` at `at`.
    pub fn link_up(&mut self, at: Instant, link: LinkId) {
        self.schedule(at, ScriptAction::LinkUp(link));
    }

    /// Changes the faults of `link` at `at`.
    pub fn set_impairments(&mut self, at: Instant, link: LinkId, impairments: Impairments) {
        self.schedule(at, ScriptAction::Impair(link, impairments));
    }

    /// Runs `f` on the lab at `at` (anything a scenario needs: reconfigure, inspect, schedule).
    pub fn at(&mut self, at: Instant, f: impl FnOnce(&mut Lab) + 'static) {
        self.schedule(at, ScriptAction::Call(Box::new(f)));
    }

    /// Like [`Lab::at`] for a call that touches only `node` (a router's engine started, say):
    /// afterwards only that node's outputs and timer are looked at, where [`Lab::at`] looks at
    /// every node's, so a thousand such calls in a lab of a thousand nodes stay linear.
    pub fn at_node(&mut self, at: Instant, node: NodeId, f: impl FnOnce(&mut Lab) + 'static) {
        self.schedule(at, ScriptAction::CallNode(node, Box::new(f)));
    }

    // ---- running ----

    /// Runs until the script is done and nothing is pending ([`RunEnd::Idle`], the clock left
    /// at the last event), or until the configured deadline ([`RunEnd::Deadline`], the clock
    /// left at the deadline).
    pub fn run(&mut self) -> RunSummary {
        self.advance(self.config.deadline)
    }

    /// [`Lab::run_until`] `now + d`.
    pub fn run_for(&mut self, d: Duration) -> RunSummary {
        self.run_until(self.now + d)
    }

    /// Processes every event up to and including `limit`, then leaves the clock at `limit`
    /// (idle time passes for free). The summary says whether events remain beyond `limit`.
    pub fn run_until(&mut self, limit: Instant) -> RunSummary {
        let mut s = self.advance(limit);
        self.now = self.now.max(limit);
        s.now = self.now;
        s
    }

    fn advance(&mut self, limit: Instant) -> RunSummary {
        loop {
            let Some((at, ev)) = self.queue.peek() else {
                return self.summary(RunEnd::Idle);
            };
            let stale = matches!(ev, Event::Timer { node } if self.timers[node.0] != Some(at));
            if stale {
                self.queue.pop();
                continue;
            }
            if at > limit {
                self.now = self.now.max(limit);
                return self.summary(RunEnd::Deadline);
            }
            let Some((at, ev)) = self.queue.pop() else {
                continue;
            };
            self.now = at;
            self.events += 1;
            self.dispatch(ev);
        }
    }

    fn summary(&self, end: RunEnd) -> RunSummary {
        RunSummary {
            end,
            now: self.now,
            events: self.events,
        }
    }

    fn dispatch(&mut self, ev: Event) {
        match ev {
            Event::Deliver {
                link,
                to,
                generation,
                frame,
            } => self.deliver(link, to, generation, frame),
            Event::Timer { node } => {
                self.timers[node.0] = None;
                self.nodes[node.0].node().handle_timeout(self.now);
                self.after(node, true);
            }
            Event::Script(i) => {
                let Some(action) = self.script.get_mut(i).and_then(Option::take) else {
                    return;
                };
                match action {
                    ScriptAction::LinkDown(l) => self.set_link(l, false),
                    ScriptAction::LinkUp(l) => self.set_link(l, true),
                    ScriptAction::Impair(l, imp) => {
                        if let Some(link) = self.links.get_mut(l.0) {
                            link.params.impairments = imp;
                            let msg = format!("impairments now {imp:?}");
                            let name = link.name.clone();
                            self.log.push(self.now, &name, msg);
                        }
                    }
                    ScriptAction::Call(f) => {
                        f(self);
                        // The closure may have touched any node.
                        for n in 0..self.nodes.len() {
                            self.after(NodeId(n), false);
                        }
                    }
                    ScriptAction::CallNode(node, f) => {
                        f(self);
                        if node.0 < self.nodes.len() {
                            self.after(node, false);
                        }
                    }
                }
            }
        }
    }

    fn set_link(&mut self, l: LinkId, up: bool) {
        if let Some(link) = self.links.get_mut(l.0) {
            link.set_up(up);
            let name = link.name.clone();
            self.log.push(
                self.now,
                &name,
                format!("link {}", if up { "up" } else { "down" }),
            );
        }
    }

    fn deliver(&mut self, link: LinkId, to: usize, generation: u64, frame: Vec<u8>) {
        let l = &mut self.links[link.0];
        if !l.up || l.generation != generation {
            l.stats.bump(Counter::DropCutInFlight);
            return;
        }
        l.stats.bump(Counter::Delivered);
        let end = l.ends[to];
        let node = self.nodes[end.node.0].node();
        if self.capture.enabled() {
            let data = self.capture.record(link, self.now, frame);
            node.handle_frame(self.now, end.port, &data);
        } else {
            node.handle_frame(self.now, end.port, &frame);
        }
        self.after(end.node, false);
    }

    /// Drains a node's outputs, log and keys, and re-arms its timer.
    fn after(&mut self, id: NodeId, fired: bool) {
        let now = self.now;
        while let Some((port, frame)) = self.nodes[id.0].node().poll_output() {
            match self.ports[id.0].get(port).copied().flatten() {
                Some((link, side)) => {
                    let l = &mut self.links[link.0];
                    let generation = l.generation;
                    for (at, f) in l.transmit(now, side, frame).into_iter().flatten() {
                        self.queue.push(
                            at,
                            Event::Deliver {
                                link,
                                to: 1 - side,
                                generation,
                                frame: f,
                            },
                        );
                    }
                }
                None => self.counters.bump(Counter::TxUnconnectedPort),
            }
        }
        let node = self.nodes[id.0].node();
        while let Some(msg) = node.poll_log() {
            self.log.push(now, node.name(), msg);
        }
        while let Some(k) = node.poll_key() {
            match self.key_stream.sink() {
                Some(sink) => sink.push(&k),
                None => self.keys.push(k),
            }
        }
        self.reschedule(id, fired);
    }

    /// Keeps one live timer event per node. A node that just fired and asks for `now` again is
    /// woken 1 ns later, so a confused node cannot stall the clock.
    fn reschedule(&mut self, id: NodeId, fired: bool) {
        let floor = if fired {
            self.now + Duration::from_nanos(1)
        } else {
            self.now
        };
        let want = self.nodes[id.0]
            .node_ref()
            .poll_timeout()
            .map(|t| t.max(floor));
        if want != self.timers[id.0] {
            self.timers[id.0] = want;
            if let Some(t) = want {
                self.queue.push(t, Event::Timer { node: id });
            }
        }
    }

    // ---- results ----

    /// Virtual time now.
    pub fn now(&self) -> Instant {
        self.now
    }

    /// The wall-clock date of virtual zero.
    pub fn start(&self) -> StartTime {
        self.config.start
    }

    /// Events processed so far.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// Events waiting (stale timers included).
    pub fn pending_events(&self) -> usize {
        self.queue.len()
    }

    /// The node called `name`.
    pub fn node_id(&self, name: &str) -> Option<NodeId> {
        self.node_names.get(name).copied()
    }

    /// The link called `name`.
    pub fn link_id(&self, name: &str) -> Option<LinkId> {
        self.link_names.get(name).copied()
    }

    /// Any node.
    pub fn node(&self, id: NodeId) -> Option<&dyn Node> {
        self.nodes.get(id.0).map(Slot::node_ref)
    }

    /// A router.
    pub fn router(&self, id: NodeId) -> Option<&Router> {
        match self.nodes.get(id.0) {
            Some(Slot::Router(r)) => Some(r),
            _ => None,
        }
    }

    /// A router, to reach its security stack. Changes take effect at the next event (or, from
    /// [`Lab::at`], right after the closure).
    pub fn router_mut(&mut self, id: NodeId) -> Option<&mut Router> {
        match self.nodes.get_mut(id.0) {
            Some(Slot::Router(r)) => Some(r),
            _ => None,
        }
    }

    /// A host.
    pub fn host(&self, id: NodeId) -> Option<&Host> {
        match self.nodes.get(id.0) {
            Some(Slot::Host(h)) => Some(h),
            _ => None,
        }
    }

    /// A switch.
    pub fn switch(&self, id: NodeId) -> Option<&Switch> {
        match self.nodes.get(id.0) {
            Some(Slot::Switch(s)) => Some(s),
            _ => None,
        }
    }

    /// A NAT.
    pub fn nat(&self, id: NodeId) -> Option<&Nat> {
        match self.nodes.get(id.0) {
            Some(Slot::Nat(n)) => Some(n),
            _ => None,
        }
    }

    /// The results of a ping run so far.
    pub fn ping_report(&self, id: PingId) -> Option<&PingReport> {
        self.host(id.host)?.ping_report(id.handle)
    }

    /// A link's counters: `tx_frames`, `delivered`, `drop_loss`, `drop_link_down`,
    /// `drop_cut_in_flight`, `drop_over_mtu`, `drop_queue_full`, `duplicated`, `reordered`,
    /// `corrupted`.
    pub fn link_stats(&self, id: LinkId) -> Option<&LinkStats> {
        self.links.get(id.0).map(|l| &l.stats)
    }

    /// A link's name.
    pub fn link_name(&self, id: LinkId) -> Option<&str> {
        self.links.get(id.0).map(|l| l.name.as_str())
    }

    /// A link's current parameters.
    pub fn link_params(&self, id: LinkId) -> Option<&LinkParams> {
        self.links.get(id.0).map(|l| &l.params)
    }

    /// Whether a link is up.
    pub fn link_is_up(&self, id: LinkId) -> Option<bool> {
        self.links.get(id.0).map(|l| l.up)
    }

    /// The lab's own counters (`tx_unconnected_port`).
    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// What the taps recorded.
    pub fn capture(&self) -> &Capture {
        &self.capture
    }

    /// The run log.
    pub fn log(&self) -> &Log {
        &self.log
    }

    /// The run log as text.
    pub fn log_text(&self) -> String {
        self.log.render(self.config.start)
    }

    /// Keys exported so far, unless they went to files ([`Lab::stream_keys`]).
    pub fn keys(&self) -> &KeyLog {
        &self.keys
    }

    /// From now on, captures only what `filter` keeps (`--capture ike`, `--snaplen 128`).
    pub fn set_capture_filter(&mut self, filter: CaptureFilter) {
        self.capture.set_filter(filter);
    }

    /// From now on, writes the capture to `sink` as frames come instead of keeping them (the
    /// frames so far first); [`Lab::capture`] then holds none.
    pub fn stream_capture(&mut self, sink: CaptureSink) {
        self.capture.stream_to(sink);
    }

    /// From now on, writes the run log to `sink` line by line instead of keeping it.
    pub fn stream_log(&mut self, sink: LineSink) {
        self.log.stream_to(sink, self.config.start);
    }

    /// From now on, writes key lines to `sink` as they are derived instead of keeping them (the
    /// lines so far first); [`Lab::keys`] then holds none.
    pub fn stream_keys(&mut self, mut sink: KeySink) {
        let kept = std::mem::take(&mut self.keys);
        for l in kept.ikev1 {
            sink.push(&KeyLine::Ikev1(l));
        }
        for l in kept.esp {
            sink.push(&KeyLine::EspSa(l));
        }
        self.key_stream = Stream::On(sink);
    }

    /// Whether the keys went to files ([`Lab::stream_keys`]).
    pub fn keys_streamed(&self) -> bool {
        self.key_stream.is_used()
    }

    /// Flushes what [`Lab::stream_capture`], [`Lab::stream_log`] and [`Lab::stream_keys`] were
    /// given; the first error any met (what was written before it stays).
    pub fn finish_streams(&mut self) -> Result<(), SimError> {
        let capture = self.capture.finish_stream().transpose();
        let log = self.log.finish_stream().transpose();
        let keys = self.key_stream.finish().map(KeySink::finish).transpose();
        capture?;
        log?;
        keys?;
        Ok(())
    }

    /// Writes into `dir` (created if missing): `<link>.pcap` per link, `lab.pcapng`, `lab.log`,
    /// and the Wireshark key files `keys/ikev1_decryption_table` and `keys/esp_sa` (empty until
    /// the engine derives keys; their folder is private, the rest is not).
    pub fn write_outputs(&self, dir: &Path) -> Result<RunFiles, SimError> {
        files::create_root(dir)?;
        let captures = self.capture.write(dir, "lab.pcapng", self.config.start)?;
        let log = dir.join("lab.log");
        files::write(&log, self.log_text(), Access::Shared)?;
        let keys = self.keys.write(&dir.join("keys"))?;
        Ok(RunFiles {
            captures,
            log,
            ikev1_keys: keys.ikev1,
            esp_keys: keys.esp,
        })
    }
}
