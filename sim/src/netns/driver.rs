//! The real-time driver: the same sans-IO [`Node`]s the in-process lab runs, fed from AF_PACKET
//! sockets and a monotonic clock instead of the event queue.
//!
//! One loop drives every node of a run on the calling thread (nodes need not be `Send`: a
//! router's engine is shared with the runner through `Rc`). Per round: wait in `poll(2)` until a
//! socket is readable or the earliest [`Node::poll_timeout`] comes (at most 50 ms, so a stop
//! request is seen quickly); hand each received frame to [`Node::handle_frame`]; call
//! [`Node::handle_timeout`] on nodes whose time has come; after each call drain
//! [`Node::poll_output`] onto the port's socket, and the log and key queues into the run's log
//! and key files. Frames a node sends or receives on a port tied to a capture link are recorded
//! with their time, as the in-process taps do.

use std::io;
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use ikelab_peers::time::Instant;

use super::capture::Recorder;
use super::sys::{PacketSocket, QuietSocket, poll_readable};
use crate::keys::KeyLog;
use crate::{LineSink, LinkId, Log, Node, SimError, StartTime};

/// Real time as the nodes see it: an [`Instant`] counted from the start of the run on the
/// monotonic clock, and the wall-clock date that time zero is shown as in logs and captures.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    origin: std::time::Instant,
    /// The real time at `origin`, since the Unix epoch (to place kernel timestamps).
    real_origin: Duration,
    start: StartTime,
}

impl Clock {
    /// A clock whose zero is now, shown as the real date and time (UTC).
    pub fn real() -> Clock {
        let c = Clock::shown_as(StartTime::from_unix_nanos(0));
        Clock {
            start: StartTime::from_unix_nanos(
                u64::try_from(c.real_origin.as_nanos()).unwrap_or(u64::MAX),
            ),
            ..c
        }
    }

    /// A clock whose zero is now, shown as `start` (a scenario's `Jan 5 07:27:06`).
    pub fn shown_as(start: StartTime) -> Clock {
        Clock {
            origin: std::time::Instant::now(),
            real_origin: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default(),
            start,
        }
    }

    /// The run time of a kernel timestamp (real time since the Unix epoch).
    pub fn from_unix(&self, t: Duration) -> Instant {
        Instant::from_duration(t.saturating_sub(self.real_origin))
    }

    /// Time since zero.
    pub fn now(&self) -> Instant {
        Instant::from_duration(self.origin.elapsed())
    }

    /// The date zero stands for.
    pub fn start(&self) -> StartTime {
        self.start
    }

    /// How long until `t` (zero if it has passed).
    pub fn until(&self, t: Instant) -> Duration {
        t.saturating_since(self.now())
    }
}

/// One port of an attached node.
#[derive(Debug)]
pub struct Port {
    /// The socket on the interface the port stands for.
    pub socket: PacketSocket,
    /// The capture link its frames are recorded under, if any.
    pub link: Option<LinkId>,
}

struct Attached {
    node: Box<dyn Node>,
    ports: Vec<Option<Port>>,
    /// The node's timer fired at this time and it asked for the same time again: wait 1 ms.
    fired: Option<Instant>,
}

/// Drives nodes on real interfaces (see the module documentation).
pub struct Driver {
    clock: Clock,
    nodes: Vec<Attached>,
    quiet: Vec<QuietSocket>,
    log: Log,
    keys: KeyLog,
    recorder: Recorder,
    errors: u64,
}

/// Largest frame read (a veth with GRO off never delivers more than MTU + header, but be safe).
const FRAME_BUF: usize = 65_600;
/// Frames taken from one socket per round before looking at the others.
const BATCH: usize = 256;

impl Driver {
    /// A driver on `clock`.
    pub fn new(clock: Clock) -> Driver {
        Driver {
            clock,
            nodes: vec![],
            quiet: vec![],
            log: Log::default(),
            keys: KeyLog::default(),
            recorder: Recorder::default(),
            errors: 0,
        }
    }

    /// The clock.
    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// Adds a capture link (frames of ports tied to it are recorded).
    pub fn add_link(&mut self, name: &str) -> LinkId {
        self.recorder.add_link(name)
    }

    /// The recorder, to merge other captures (a bridge's) into the run's.
    pub fn recorder_mut(&mut self) -> &mut Recorder {
        &mut self.recorder
    }

    /// Attaches a node; `ports[i]` is its port `i` (`None`: not wired, frames sent there are
    /// dropped). Returns the node's index.
    pub fn attach(&mut self, node: Box<dyn Node>, mut ports: Vec<Option<Port>>) -> usize {
        ports.resize_with(node.port_count(), || None);
        self.nodes.push(Attached {
            node,
            ports,
            fired: None,
        });
        self.nodes.len() - 1
    }

    /// Keeps a socket open for the run, discarding what it receives.
    pub fn hold(&mut self, s: QuietSocket) {
        self.quiet.push(s);
    }

    /// A node, to change it between runs (its outputs go out in the next round).
    pub fn node_mut(&mut self, i: usize) -> &mut dyn Node {
        self.nodes[i].node.as_mut()
    }

    /// Adds a line to the run log.
    pub fn note(&mut self, source: &str, message: String) {
        let now = self.clock.now();
        self.log.push(now, source, message);
    }

    /// The run log so far.
    pub fn log(&self) -> &Log {
        &self.log
    }

    /// From now on, writes the run log to `sink` line by line instead of keeping it.
    pub fn stream_log(&mut self, sink: LineSink) {
        let start = self.clock.start();
        self.log.stream_to(sink, start);
    }

    /// Flushes the run log's file, if it has one: the first error met.
    pub fn finish_log(&mut self) -> Result<(), SimError> {
        self.log.finish_stream().transpose().map(drop)
    }

    /// Keys exported so far.
    pub fn keys(&self) -> &KeyLog {
        &self.keys
    }

    /// Sends and receive errors so far (each one is also in the log).
    pub fn errors(&self) -> u64 {
        self.errors
    }

    /// Ends the run: the recorder with every frame seen on capture links.
    pub fn into_recorder(self) -> Recorder {
        self.recorder
    }

    /// Runs until `until` (run time) or until `stop` is set; returns whether it was stopped.
    pub fn run_until(&mut self, until: Instant, stop: &AtomicBool) -> io::Result<bool> {
        let mut buf = vec![0u8; FRAME_BUF];
        // Pending outputs of nodes changed from outside (an engine told to initiate).
        for i in 0..self.nodes.len() {
            self.drain(i);
        }
        loop {
            if stop.load(Ordering::Relaxed) {
                return Ok(true);
            }
            let now = self.clock.now();
            self.fire_timers(now);
            let now = self.clock.now();
            if now >= until {
                return Ok(false);
            }
            let next = self
                .nodes
                .iter()
                .filter_map(|a| {
                    let t = a.node.poll_timeout()?;
                    Some(match a.fired {
                        Some(f) if t <= f => f + Duration::from_millis(1),
                        _ => t,
                    })
                })
                .min()
                .unwrap_or(until)
                .min(until);
            let wait = next.saturating_since(now).min(Duration::from_millis(50));
            let wait_ms = i32::try_from(wait.as_micros().div_ceil(1000)).unwrap_or(50);
            let mut fds = vec![];
            let mut owners = vec![];
            for (n, a) in self.nodes.iter().enumerate() {
                for (p, port) in a.ports.iter().enumerate() {
                    if let Some(port) = port {
                        fds.push(port.socket.as_raw_fd());
                        owners.push(Some((n, p)));
                    }
                }
            }
            for q in &self.quiet {
                fds.push(q.as_raw_fd());
                owners.push(None);
            }
            let ready = poll_readable(&fds, wait_ms)?;
            for (k, r) in ready.iter().enumerate() {
                if !r {
                    continue;
                }
                match owners[k] {
                    Some((n, p)) => self.receive(n, p, &mut buf),
                    None => self.quiet[k - (owners.len() - self.quiet.len())].drain(),
                }
            }
        }
    }

    fn receive(&mut self, n: usize, p: usize, buf: &mut [u8]) {
        for _ in 0..BATCH {
            let got = match &self.nodes[n].ports[p] {
                Some(port) => port.socket.recv(buf),
                None => return,
            };
            let len = match got {
                Ok(Some(len)) => len,
                Ok(None) => return,
                Err(e) => {
                    self.errors += 1;
                    let name = self.nodes[n].node.name().to_string();
                    self.note(&name, format!("port {p}: receive failed: {e}"));
                    return;
                }
            };
            let now = self.clock.now();
            let frame = &buf[..len];
            if let Some(link) = self.nodes[n].ports[p].as_ref().and_then(|x| x.link) {
                self.recorder.record(link, now, frame.to_vec());
            }
            self.nodes[n].node.handle_frame(now, p, frame);
            self.drain(n);
        }
    }

    fn fire_timers(&mut self, now: Instant) {
        for i in 0..self.nodes.len() {
            let a = &self.nodes[i];
            let Some(t) = a.node.poll_timeout() else {
                self.nodes[i].fired = None;
                continue;
            };
            if t > now
                || a.fired
                    .is_some_and(|f| t <= f && now < f + Duration::from_millis(1))
            {
                continue;
            }
            self.nodes[i].node.handle_timeout(now);
            self.nodes[i].fired = Some(now);
            self.drain(i);
        }
    }

    /// Sends a node's queued frames and collects its log lines and keys.
    fn drain(&mut self, i: usize) {
        let now = self.clock.now();
        while let Some((port, frame)) = self.nodes[i].node.poll_output() {
            let Some(Some(p)) = self.nodes[i].ports.get(port) else {
                continue;
            };
            let sent = p.socket.send(&frame);
            let link = p.link;
            match sent {
                Ok(()) => {
                    if let Some(link) = link {
                        self.recorder.record(link, now, frame);
                    }
                }
                Err(e) => {
                    self.errors += 1;
                    let name = self.nodes[i].node.name().to_string();
                    self.log
                        .push(now, &name, format!("port {port}: send failed: {e}"));
                }
            }
        }
        let a = &mut self.nodes[i];
        while let Some(line) = a.node.poll_log() {
            self.log.push(now, a.node.name(), line);
        }
        while let Some(k) = a.node.poll_key() {
            self.keys.push(k);
        }
    }
}
