//! The IKEv1 engine as a simulated router's IPsec stack: datagrams, packets and time go in;
//! datagrams, vendor log lines and key-file lines come out. The runner keeps a handle to the
//! same state to read events, reconfigure the engine and write artefacts.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::BufRead as _;
use std::net::SocketAddrV4;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use ikelab_peers::ike::{Engine, EventKind, KeysDerived, Protected};
use ikelab_peers::personality::{LogLine, LogRenderer, PolicyScope, SystemEvent};
use ikelab_peers::time::Instant;
use ikelab_sim::{KeyLine, LineSink, Outbound, OutboundContext, Room, SecurityStack, SimError};

use crate::decision::Decision;
use crate::decode::keys::key_line;
use crate::record::EventRecord;

/// The state shared between a router's stack and the runner.
pub struct StackState {
    /// The router's name, for the tracing mirror.
    pub name: String,
    /// The engine.
    pub engine: Engine,
    /// The vendor's log renderer.
    pub renderer: Box<dyn LogRenderer>,
    /// Every vendor log line so far, unless they go to a file ([`StackState::stream_log`]).
    pub log: Vec<LogLine>,
    /// The engine's events so far that summaries and diagnoses read ([`kept`]).
    pub events: EventRecord,
    /// Which interfaces' outbound packets the engine's policies see (the router's config
    /// says; every interface unless set).
    pub scope: PolicyScope,
    /// The line it logged when it decided, kept whether the log is or not.
    pub decision: Decision,
    pending_log: VecDeque<String>,
    pending_keys: VecDeque<KeyLine>,
    streamed: Option<Streamed>,
}

/// Vendor log lines written as they come instead of kept: to a file, if there is one, and to a
/// queue a watcher empties, if there is one (`ikelab peer` prints them).
struct Streamed {
    file: Option<LineSink>,
    /// The file's path once it is finished (it stays readable, [`StackState::log_lines`]).
    finished: Option<PathBuf>,
    /// Whether there was a file (it stays so once the file is finished).
    to_file: bool,
    fresh: Option<VecDeque<String>>,
}

impl StackState {
    /// Moves the engine's events into logs, key lines and the event record.
    pub fn pump(&mut self) {
        while let Some(e) = self.engine.poll_event() {
            self.decision.event(e.at, &e.kind);
            let lines = self.renderer.render(&e);
            self.take_lines(lines);
            if let EventKind::Keys(k) = &e.kind {
                self.pending_keys.push_back(key_line(k));
            }
            if kept(&e.kind) {
                self.events.push(e);
            }
        }
    }

    /// Logs a system event (SAD/SPD re-initialisation) in the vendor's words.
    pub fn system(&mut self, at: Instant, what: SystemEvent) {
        let lines = self.renderer.system(at, what);
        self.take_lines(lines);
    }

    fn take_lines(&mut self, lines: Vec<LogLine>) {
        for l in lines {
            // The log is the router's own data; tracing only mirrors it for debugging.
            tracing::info!(target: "ikelab::vendor_log", router = %self.name, "{}", l.text);
            self.pending_log.push_back(l.text.clone());
            self.decision.line(&l);
            match &mut self.streamed {
                Some(st) => {
                    if let Some(f) = &mut st.file {
                        f.line(format_args!("{}", l.text));
                    }
                    if let Some(q) = &mut st.fresh {
                        q.push_back(l.text);
                    }
                }
                None => self.log.push(l),
            }
        }
    }

    /// From now on, vendor log lines are not kept: each goes to `file` (if any) as it comes,
    /// and, if `watched`, waits in [`StackState::take_fresh`] until the watcher takes it. The
    /// lines kept so far are written first.
    pub fn stream_log(&mut self, mut file: Option<LineSink>, watched: bool) {
        let mut fresh = watched.then(VecDeque::new);
        for l in std::mem::take(&mut self.log) {
            if let Some(f) = &mut file {
                f.line(format_args!("{}", l.text));
            }
            if let Some(q) = &mut fresh {
                q.push_back(l.text);
            }
        }
        let to_file = file.is_some();
        self.streamed = Some(Streamed {
            file,
            finished: None,
            to_file,
            fresh,
        });
    }

    /// The lines logged since the last call, while streaming to a watcher.
    pub fn take_fresh(&mut self) -> Vec<String> {
        self.streamed
            .as_mut()
            .and_then(|s| s.fresh.as_mut())
            .map(|q| q.drain(..).collect())
            .unwrap_or_default()
    }

    /// Every vendor log line, from memory or, once [`StackState::finish_log`] has flushed it,
    /// read back from the log file one at a time.
    pub fn log_lines(&self) -> Result<LogLines<'_>, SimError> {
        match self.streamed.as_ref().and_then(|s| s.finished.as_ref()) {
            None => Ok(LogLines::Kept(self.log.iter())),
            Some(path) => {
                let file = ikelab_sim::files::open(path, ikelab_sim::Limit::LOG)?;
                Ok(LogLines::File {
                    path,
                    lines: std::io::BufReader::new(file).lines(),
                })
            }
        }
    }

    /// Whether the vendor log goes to a file rather than [`StackState::log`].
    pub fn log_streamed(&self) -> bool {
        self.streamed.as_ref().is_some_and(|s| s.to_file)
    }

    /// Flushes the vendor log file: its path, the first error met, or `None` if there is none.
    pub fn finish_log(&mut self) -> Option<Result<PathBuf, SimError>> {
        let s = self.streamed.as_mut()?;
        let done = s.file.take().map(LineSink::finish)?;
        if let Ok(path) = &done {
            s.finished = Some(path.clone());
        }
        Some(done)
    }
}

/// A router's vendor log lines ([`StackState::log_lines`]).
pub enum LogLines<'a> {
    /// Kept in memory.
    Kept(std::slice::Iter<'a, LogLine>),
    /// Read back from the log file.
    File {
        /// The file, for errors.
        path: &'a Path,
        /// Its lines.
        lines: std::io::Lines<std::io::BufReader<ikelab_sim::files::Bounded>>,
    },
}

impl Iterator for LogLines<'_> {
    type Item = Result<String, SimError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            LogLines::Kept(it) => it.next().map(|l| Ok(l.text.clone())),
            LogLines::File { path, lines } => lines.next().map(|l| {
                l.map_err(|source| SimError::Io {
                    path: path.to_path_buf(),
                    source,
                })
            }),
        }
    }
}

/// Whether the record keeps an event. Per-datagram events (a packet sent or received, its
/// payloads and Vendor IDs, phase-1 keys, which an unauthenticated MM3 already yields) have done
/// their work once rendered into the vendor log and the key files, and nothing reads them
/// later; keeping them would make a flood of datagrams grow the record without bound. ESP keys
/// come only from an authenticated Quick Mode, one per SA, and are kept.
fn kept(kind: &EventKind) -> bool {
    !matches!(
        kind,
        EventKind::PacketSent { .. }
            | EventKind::PacketReceived { .. }
            | EventKind::PayloadReceived { .. }
            | EventKind::VendorIdReceived { .. }
            | EventKind::Keys(KeysDerived::Phase1 { .. })
    )
}

/// A shared handle to a router's stack state.
pub type StackHandle = Rc<RefCell<StackState>>;

/// The engine plugged into a router.
pub struct EngineStack(pub StackHandle);

impl EngineStack {
    /// A stack around `engine`, logging with `renderer`; returns it and the runner's handle.
    pub fn new(name: &str, engine: Engine, renderer: Box<dyn LogRenderer>) -> (Self, StackHandle) {
        let state = Rc::new(RefCell::new(StackState {
            name: name.to_string(),
            engine,
            renderer,
            log: vec![],
            events: EventRecord::default(),
            scope: PolicyScope::AllInterfaces,
            decision: Decision::default(),
            pending_log: VecDeque::new(),
            pending_keys: VecDeque::new(),
            streamed: None,
        }));
        (EngineStack(state.clone()), state)
    }
}

impl SecurityStack for EngineStack {
    fn udp_received(&mut self, now: Instant, src: SocketAddrV4, dst: SocketAddrV4, payload: &[u8]) {
        let mut s = self.0.borrow_mut();
        s.engine.handle_datagram(now, src, dst, payload);
        s.pump();
    }

    fn outbound(&mut self, now: Instant, ctx: &OutboundContext<'_>, packet: Vec<u8>) -> Outbound {
        let mut s = self.0.borrow_mut();
        if !s.scope.covers(ctx.interface) {
            return Outbound::Pass(packet);
        }
        let out = match s.engine.protect(now, packet) {
            Protected::Bypass(p) => Outbound::Pass(p),
            Protected::Esp(p) => Outbound::Protected(p),
            Protected::Acquire => Outbound::Drop("no IPsec SA yet (negotiating)".into()),
            Protected::Drop(why) => Outbound::Drop(why.into()),
        };
        s.pump();
        out
    }

    fn room(
        &mut self,
        now: Instant,
        ctx: &OutboundContext<'_>,
        packet: &[u8],
        mtu: usize,
    ) -> Option<Room> {
        let s = self.0.borrow();
        if !s.scope.covers(ctx.interface) {
            return None;
        }
        s.engine.esp_room(now, packet, mtu)
    }

    fn inbound_esp(&mut self, now: Instant, packet: &[u8]) -> Option<Vec<u8>> {
        let mut s = self.0.borrow_mut();
        let r = s.engine.unprotect(now, packet).ok();
        s.pump();
        r
    }

    fn accept_plain(&mut self, _now: Instant, packet: &[u8]) -> bool {
        self.0.borrow().engine.accepts_plain(packet)
    }

    fn poll_udp(&mut self) -> Option<(SocketAddrV4, SocketAddrV4, Vec<u8>)> {
        self.0
            .borrow_mut()
            .engine
            .poll_transmit()
            .map(|t| (t.src, t.dst, t.payload))
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.0.borrow().engine.poll_timeout()
    }

    fn handle_timeout(&mut self, now: Instant) {
        let mut s = self.0.borrow_mut();
        s.engine.handle_timeout(now);
        s.pump();
    }

    fn poll_log(&mut self) -> Option<String> {
        self.0.borrow_mut().pending_log.pop_front()
    }

    fn poll_key(&mut self) -> Option<KeyLine> {
        self.0.borrow_mut().pending_keys.pop_front()
    }
}
