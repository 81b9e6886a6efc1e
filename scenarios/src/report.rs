//! What a run leaves behind, whichever driver ran it ([`RunResult`]): the outcome in plain words,
//! `summary.json` (with the diagnosis of [`crate::diagnose`] and the verdict of
//! [`crate::expect`]), and the artefact folder (captures, key files, vendor logs).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use ikelab_peers::hex::hex;
use ikelab_peers::ike::{DeleteReason, Direction, EncapMode, Event, EventKind, FailReason};
use std::sync::Arc;

use ikelab_peers::personality::{Personality, RouterConfig};
use ikelab_peers::time::Instant;
use serde_json::{Value, json};

use crate::diagnose;
use crate::expect::{Expect, Verdict};
use ikelab_sim::files::{self, Access};
use ikelab_sim::{CaptureSink, KeyLog, KeySink, LineSink, LinkId, SimError};

use crate::record::EventRecord;
use crate::scenario::Built;
use crate::stack::StackHandle;

/// A ping's result, however it ran (the simulated host's, or the real `ping`'s summary).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PingOutcome {
    /// Host name.
    pub from: String,
    /// Destination.
    pub to: std::net::Ipv4Addr,
    /// Echo requests sent.
    pub sent: u32,
    /// Requests answered.
    pub received: u32,
}

/// A router whatever lab it ran in (in-process or in namespaces): its name, personality and
/// engine.
#[derive(Clone)]
pub struct RouterState {
    /// Node name.
    pub name: String,
    /// The device it imitates.
    pub personality: Arc<dyn Personality>,
    /// The engine, logs and events.
    pub stack: StackHandle,
    /// Every config it ran with, each with the moment it took effect (the first at zero).
    pub configs: Vec<(Instant, RouterConfig)>,
}

/// A host of a lab: its name, address and gateway.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostState {
    /// Node name.
    pub name: String,
    /// Address and prefix.
    pub address: ikelab_peers::prefix::Ipv4Net,
    /// Default gateway.
    pub gateway: Option<std::net::Ipv4Addr>,
    /// Where the scenario defines it (`file:line`; the scenario's name for a derived host).
    pub source: String,
}

impl HostState {
    /// The host `h` of the scenario file `file`.
    pub fn of(h: &crate::scenario::plan::PlannedHost, file: &str) -> Self {
        HostState {
            name: h.name.clone(),
            address: h.address,
            gateway: h.gateway,
            source: if h.line > 0 {
                format!("{file}:{}", h.line)
            } else {
                file.to_string()
            },
        }
    }
}

/// What a run did, whichever driver ran it: each router's engine, events and log, the hosts,
/// and the pings.
#[derive(Clone)]
pub struct RunResult {
    /// The routers, in the scenario's order.
    pub routers: Vec<RouterState>,
    /// The hosts, in the scenario's order.
    pub hosts: Vec<HostState>,
    /// The pings, in the script's order.
    pub pings: Vec<PingOutcome>,
}

/// The longest block of consecutive lines `fold_repeats` looks for.
const MAX_FOLDED_BLOCK: usize = 40;

/// A log for the console: a block of lines repeated back to back is printed once, with a note of
/// how many times it repeats (the log file keeps every line). Lines are compared without a
/// leading date (`Jan 5 07:27:11 `) or line number, so that retries a few seconds apart fold.
pub fn fold_repeats(log: &str) -> String {
    let lines: Vec<&str> = log.lines().collect();
    let key = |l: &str| -> String {
        let words: Vec<&str> = l.split_whitespace().collect();
        // Skip a leading number (line numbers) and a syslog date (month, day, time).
        let mut i = usize::from(
            words
                .first()
                .is_some_and(|w| w.bytes().all(|b| b.is_ascii_digit())),
        );
        if words
            .get(i + 2)
            .is_some_and(|t| t.len() == 8 && t.as_bytes()[2] == b':')
        {
            i += 3;
        }
        words.get(i..).unwrap_or(&[]).join(" ")
    };
    let keys: Vec<String> = lines.iter().map(|l| key(l)).collect();
    let mut out = String::new();
    let mut i = 0;
    while i < lines.len() {
        // The block length at `i` that repeats the most times back to back.
        let mut best = (0, 1);
        for len in 1..=MAX_FOLDED_BLOCK.min((lines.len() - i) / 2) {
            let mut times = 1;
            while i + (times + 1) * len <= lines.len()
                && keys[i..i + len] == keys[i + times * len..i + (times + 1) * len]
            {
                times += 1;
            }
            // Folding must save at least three lines to be worth a note.
            if (times - 1) * len >= 3 && times * len > best.0 * best.1 {
                best = (len, times);
            }
        }
        let (len, times) = best;
        if len == 0 {
            out.push_str(lines[i]);
            out.push('\n');
            i += 1;
            continue;
        }
        for l in &lines[i..i + len] {
            out.push_str(l);
            out.push('\n');
        }
        let _ = writeln!(
            out,
            "  ... these {len} line(s) again {} more time(s) (the log file has every line)",
            times - 1
        );
        i += len * times;
    }
    out
}

/// Every router's vendor log kept in memory, as the device prints it (a log written to its file
/// as it came, [`crate::stack::StackState::stream_log`], is not repeated).
pub fn router_logs(run: &RunResult) -> Vec<(String, String)> {
    run.routers
        .iter()
        .filter(|r| !r.stack.borrow().log_streamed())
        .map(|r| {
            let s = r.stack.borrow();
            (
                r.name.clone(),
                s.log.iter().map(|l| format!("{}\n", l.text)).collect(),
            )
        })
        .collect()
}

/// The most lines of one vendor log the console shows after a run (the log file has them all).
pub const CONSOLE_LOG_LINES: usize = 2_000;

/// Every router's vendor log as the device prints it, from memory or read back from its file,
/// cut after `max_lines` lines (if given) with a note of how many more the file has.
pub fn logs(run: &RunResult, max_lines: Option<usize>) -> Result<Vec<(String, String)>, SimError> {
    run.routers
        .iter()
        .map(|r| {
            let s = r.stack.borrow();
            let mut text = String::new();
            let mut more = 0u64;
            for (i, line) in s.log_lines()?.enumerate() {
                let line = line?;
                if max_lines.is_some_and(|m| i >= m) {
                    more += 1;
                } else {
                    text.push_str(&line);
                    text.push('\n');
                }
            }
            if more > 0 {
                let _ = writeln!(text, "  ... {more} more line(s) in the log file");
            }
            Ok((r.name.clone(), text))
        })
        .collect()
}

/// One line per router and ping: phase 1, phase 2, pings.
pub fn outcome(run: &RunResult) -> String {
    let mut out = String::new();
    for r in &run.routers {
        let s = r.stack.borrow();
        let p1 = s
            .engine
            .isakmp_sas()
            .iter()
            .filter(|x| x.established)
            .count();
        let sas = s.engine.ipsec_sas();
        let inbound = sas
            .iter()
            .filter(|x| x.direction == Direction::Inbound)
            .count();
        let ever = s
            .events
            .iter()
            .filter(|e| {
                matches!(
                    e.kind,
                    EventKind::SaInstalled {
                        direction: Direction::Inbound,
                        ..
                    }
                )
            })
            .count();
        // A phase 1 that came up and then ended: say how, so "down" does not read as a failure.
        let phase1 = match (p1 > 0, last_phase1_end(&s.events)) {
            (true, _) => "up".to_string(),
            (false, Some(DeleteReason::Expired)) if inbound > 0 => {
                "down (the ISAKMP SA expired; it is negotiated again when a rekey or Delete needs one)"
                    .to_string()
            }
            (false, Some(why)) => format!("down (it came up, then ended: {})", delete_reason(why)),
            (false, None) => "down".to_string(),
        };
        let _ = writeln!(
            out,
            "{} ({}): phase 1 {phase1}, phase 2 {} (IPsec SA pairs now: {inbound}, negotiated in all: {ever})",
            r.name,
            r.personality.vendor(),
            if inbound > 0 { "up" } else { "down" },
        );
    }
    for p in &run.pings {
        let _ = writeln!(
            out,
            "ping {} -> {}: {} sent, {} answered",
            p.from, p.to, p.sent, p.received
        );
    }
    out
}

/// The version of `summary.json`'s layout (`schema/summary.schema.json`), raised when a field
/// changes meaning or goes away.
pub const SUMMARY_VERSION: u32 = 1;

/// What `summary.json` says of a run as a whole.
#[derive(Clone, Debug)]
pub struct RunInfo {
    /// The scenario's name.
    pub scenario: String,
    /// The seed it ran with.
    pub seed: u64,
    /// The wall clock of time zero, as the scenario gives it (`Jan 5 07:27:06`).
    pub start: String,
    /// How long it ran (virtual or real time).
    pub duration: std::time::Duration,
    /// The run judged against its expectations.
    pub verdict: Verdict,
}

impl RunInfo {
    /// `loaded`'s run with `seed` (else the scenario's), judged against the scenario's
    /// `[expect]` with what `over` sets replacing it.
    pub fn of(
        loaded: &crate::scenario::Loaded,
        seed: Option<u64>,
        run: &RunResult,
        over: Expect,
    ) -> RunInfo {
        let sc = &loaded.scenario;
        let expect = sc.expect.clone().overridden_by(over);
        RunInfo {
            scenario: sc.name.clone(),
            seed: seed.unwrap_or(sc.seed),
            start: sc.start.clone(),
            duration: sc.duration,
            verdict: Verdict::judge(run, &expect),
        }
    }
}

/// Why a negotiation failed, as `summary.json` names it.
fn fail_reason(r: &FailReason) -> String {
    match r {
        FailReason::Timeout => "timeout".into(),
        FailReason::NoProposalChosen => "no_proposal_chosen".into(),
        FailReason::AuthenticationFailed => "authentication_failed".into(),
        FailReason::IdMismatch => "id_mismatch".into(),
        FailReason::Notified(n) => format!("notified {n}"),
        FailReason::Malformed(m) => format!("malformed: {m}"),
        FailReason::Flushed => "flushed".into(),
    }
}

/// Why an SA went away, as `summary.json` names it.
fn delete_reason(r: DeleteReason) -> &'static str {
    match r {
        DeleteReason::Expired => "expired",
        DeleteReason::DeleteReceived => "delete_received",
        DeleteReason::InitialContact => "initial_contact",
        DeleteReason::PeerDead => "peer_dead",
        DeleteReason::Flushed => "flushed",
        DeleteReason::Shutdown => "shutdown",
    }
}

/// Why the last ISAKMP SA of `events` ended, if one did.
fn last_phase1_end(events: &EventRecord) -> Option<DeleteReason> {
    events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Phase1Deleted { reason, .. } => Some(reason),
            _ => None,
        })
        .last()
}

/// A timeline entry for the SA events of `e` (`None` for the other events): its name and
/// its details.
fn timeline_entry(e: &Event) -> Option<(&'static str, Value)> {
    let cookies = |i: &[u8; 8], r: &[u8; 8]| format!("{}/{}", hex(i), hex(r));
    let dir = |d: Direction| match d {
        Direction::Inbound => "inbound",
        Direction::Outbound => "outbound",
    };
    Some(match &e.kind {
        EventKind::Phase1Started {
            remote, initiator, ..
        } => (
            "phase1_started",
            json!({"peer": remote.to_string(), "initiator": initiator}),
        ),
        EventKind::Phase1Established {
            remote,
            icookie,
            rcookie,
            initiator,
            ..
        } => (
            "phase1_established",
            json!({"peer": remote.to_string(), "cookies": cookies(icookie, rcookie), "initiator": initiator}),
        ),
        EventKind::Phase1Failed { remote, reason } => (
            "phase1_failed",
            json!({"peer": remote.to_string(), "reason": fail_reason(reason)}),
        ),
        EventKind::Phase1Deleted {
            remote,
            icookie,
            rcookie,
            reason,
            ..
        } => (
            "phase1_deleted",
            json!({"peer": remote.to_string(), "cookies": cookies(icookie, rcookie), "reason": delete_reason(*reason)}),
        ),
        EventKind::PeerDead { remote, .. } => ("peer_dead", json!({"peer": remote.to_string()})),
        EventKind::Phase2Started {
            remote,
            message_id,
            initiator,
            ..
        } => (
            "phase2_started",
            json!({"peer": remote.to_string(), "message_id": format!("0x{message_id:08x}"), "initiator": initiator}),
        ),
        EventKind::Phase2Established { remote, message_id } => (
            "phase2_established",
            json!({"peer": remote.to_string(), "message_id": format!("0x{message_id:08x}")}),
        ),
        EventKind::Phase2Failed {
            remote,
            message_id,
            reason,
        } => (
            "phase2_failed",
            json!({"peer": remote.to_string(), "message_id": format!("0x{message_id:08x}"), "reason": fail_reason(reason)}),
        ),
        EventKind::SaInstalled {
            spi,
            direction,
            src,
            dst,
            ids,
            ..
        } => (
            "sa_installed",
            json!({"spi": format!("0x{spi:08x}"), "direction": dir(*direction), "src": src.to_string(), "dst": dst.to_string(), "ids": [ids.0.to_string(), ids.1.to_string()]}),
        ),
        EventKind::SaDeleted {
            spi,
            direction,
            src,
            dst,
            reason,
            ..
        } => (
            "sa_deleted",
            json!({"spi": format!("0x{spi:08x}"), "direction": dir(*direction), "src": src.to_string(), "dst": dst.to_string(), "reason": delete_reason(*reason)}),
        ),
        _ => return None,
    })
}

/// Every router's SA events in time order (router order within one instant), with virtual
/// milliseconds since time zero. Serialised one entry at a time, so that writing the summary of
/// a long run holds a reference per event rather than a JSON tree of them all.
struct Timeline<'a>(&'a RunResult);

impl serde::Serialize for Timeline<'_> {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq as _;
        let stacks: Vec<_> = self.0.routers.iter().map(|r| r.stack.borrow()).collect();
        let records: Vec<&EventRecord> = stacks.iter().map(|s| &s.events).collect();
        let ms = |e: &Event| e.at.as_nanos() / 1_000_000;
        let mut seq = ser.serialize_seq(None)?;
        // Each router's own order is kept for equal times.
        for (ri, e) in crate::record::merged(&records, ms) {
            let ms = ms(&e);
            if let Some((name, mut detail)) = timeline_entry(&e) {
                detail["at_ms"] = json!(ms);
                detail["router"] = json!(self.0.routers[ri].name);
                detail["event"] = json!(name);
                seq.serialize_element(&detail)?;
            }
        }
        seq.end()
    }
}

/// `summary.json` as written: its keys in the order `serde_json` gives a map's (sorted), so
/// that the timeline can be streamed between them.
#[derive(serde::Serialize)]
pub struct Summary<'a> {
    diagnosis: Value,
    duration_s: f64,
    hosts: Vec<Value>,
    pings: Vec<Value>,
    routers: Vec<Value>,
    scenario: Value,
    seed: Value,
    start: Value,
    timeline: Timeline<'a>,
    verdict: Value,
    version: Value,
}

/// `summary.json`: the run (scenario, seed, start, duration), its verdict and diagnosis, a
/// timeline of SA events, per router its ISAKMP and IPsec SAs and notifications, per host its
/// pings.
pub fn summary<'a>(run: &'a RunResult, info: &RunInfo) -> Summary<'a> {
    let routers: Vec<Value> = run
        .routers
        .iter()
        .map(|r| {
            let s = r.stack.borrow();
            let isakmp: Vec<Value> = s
                .engine
                .isakmp_sas()
                .iter()
                .map(|p| {
                    json!({
                        "local": p.local.to_string(), "remote": p.remote.to_string(),
                        "icookie": hex(&p.icookie), "rcookie": hex(&p.rcookie),
                        "initiator": p.initiator,
                        "state": if p.established { "established" } else { "negotiating" },
                    })
                })
                .collect();
            let ipsec: Vec<Value> = s
                .engine
                .ipsec_sas()
                .iter()
                .map(|x| {
                    json!({
                        "spi": format!("0x{:08x}", x.spi),
                        "direction": match x.direction { Direction::Inbound => "inbound", Direction::Outbound => "outbound" },
                        "mode": match x.mode { EncapMode::Tunnel => "tunnel", EncapMode::Transport => "transport" },
                        "local": x.local.to_string(), "remote": x.remote.to_string(),
                        "ids": [x.ids.0.to_string(), x.ids.1.to_string()],
                        "policy": x.policy,
                    })
                })
                .collect();
            let notes = |sent: bool| -> Vec<Value> {
                s.events
                    .iter()
                    .filter_map(|e| match (&e.kind, sent) {
                        (EventKind::NotifySent { to, kind, protocol }, true) => {
                            Some(json!({"peer": to.to_string(), "type": kind.0, "name": kind.to_string(), "protocol": protocol.to_string()}))
                        }
                        (EventKind::NotifyReceived { from, kind, protocol, .. }, false) => {
                            Some(json!({"peer": from.to_string(), "type": kind.0, "name": kind.to_string(), "protocol": protocol.to_string()}))
                        }
                        _ => None,
                    })
                    .collect()
            };
            // Every address it had, in any of its configs (a report names its lane by them).
            let mut addresses: Vec<String> = r
                .configs
                .iter()
                .flat_map(|(_, c)| c.interfaces.iter().filter_map(|i| i.address))
                .map(|a| a.addr.to_string())
                .collect();
            addresses.sort();
            addresses.dedup();
            let configs: Vec<crate::html::configs::ConfigView> = r
                .configs
                .iter()
                .map(|(at, c)| crate::html::configs::view(*at, c))
                .collect();
            json!({
                "name": r.name, "vendor": r.personality.vendor().to_string(),
                "addresses": addresses, "configs": configs,
                "isakmp_sas": isakmp, "ipsec_sas": ipsec,
                "notifications_sent": notes(true), "notifications_received": notes(false),
            })
        })
        .collect();
    let hosts: Vec<Value> = run
        .hosts
        .iter()
        .map(|h| json!({"name": h.name, "address": h.address.addr.to_string()}))
        .collect();
    let pings: Vec<Value> = run
        .pings
        .iter()
        .map(|p| json!({"from": p.from, "to": p.to.to_string(), "sent": p.sent, "answered": p.received}))
        .collect();
    Summary {
        version: json!(SUMMARY_VERSION),
        scenario: json!(info.scenario),
        seed: json!(info.seed),
        start: json!(info.start),
        duration_s: info.duration.as_secs_f64(),
        verdict: json!({
            "result": info.verdict.word(),
            "met": info.verdict.met(),
            "checks": info.verdict.checks,
        }),
        diagnosis: json!(diagnose::findings(run)),
        timeline: Timeline(run),
        routers,
        hosts,
        pings,
    }
}

/// Keeps one copy of each frame a switch forwards: the copy on the link it entered by. Every
/// link keeps its own pcap; the merged capture shows each frame once, as a capture at the
/// switch would, because IKEv1 decryption in Wireshark depends on seeing each message once.
/// What it remembers is bounded: a frame not seen forwarded within 10 ms is forgotten.
pub fn switch_view(
    switched: Vec<Vec<LinkId>>,
) -> impl FnMut(&ikelab_sim::CapturedFrame) -> bool + Send + 'static {
    use std::hash::{Hash, Hasher};
    const WINDOW: std::time::Duration = std::time::Duration::from_millis(10);
    // (switch, 64-bit digest of the frame's bytes) -> when it was last kept. A digest rather
    // than a copy of every frame; two different frames colliding within the same 10 ms on the
    // same switch is not a real risk.
    let mut recent: std::collections::HashMap<(usize, u64), ikelab_peers::time::Instant> =
        Default::default();
    move |f| {
        let Some(group) = switched.iter().position(|g| g.contains(&f.link)) else {
            return true;
        };
        // SipHash with fixed keys: the same digest in every run.
        let mut h = std::hash::DefaultHasher::new();
        f.data.hash(&mut h);
        let key = (group, h.finish());
        let forwarded = recent
            .get(&key)
            .is_some_and(|t| f.time.saturating_since(*t) < WINDOW);
        if forwarded {
            // Forget it, so a later identical frame (a retransmission) counts again.
            recent.remove(&key);
            return false;
        }
        if recent.len() >= 1024 {
            recent.retain(|_, t| f.time.saturating_since(*t) < WINDOW);
        }
        recent.insert(key, f.time);
        true
    }
}

/// Where a run's files went.
#[derive(Debug)]
pub struct Artefacts {
    /// The folder.
    pub dir: PathBuf,
    /// The merged capture.
    pub pcapng: PathBuf,
    /// The key folder.
    pub keys: PathBuf,
}

/// What a run recorded besides its result, however it ran (in-process or in namespaces).
pub struct Recording<'a> {
    /// The date time zero is shown as.
    pub start: ikelab_sim::StartTime,
    /// Every captured frame.
    pub capture: &'a ikelab_sim::Capture,
    /// The capture links, by name (one `links/<name>.pcap` each).
    pub links: &'a [(String, ikelab_sim::LinkId)],
    /// The derived keys; `None` when they were written to `keys/` as the run went ([`stream`]).
    pub keys: Option<&'a KeyLog>,
    /// The run log; `None` when it was written as the run went ([`stream`]).
    pub log_text: Option<String>,
}

/// Opens the artefact folder before the run and has the lab write its capture (merged and per
/// link), run log and key files there as the run goes, and each router its vendor log and its
/// event record (a spool file the folder keeps until the run's result goes), so that a long
/// run's memory does not grow with its length; [`write`] adds the rest after the run
/// ([`finish`] first).
pub fn stream(b: &mut Built, dir: &Path) -> Result<(), SimError> {
    files::create_root(dir)?;
    let links = dir.join("links");
    files::create_dir(&links, Access::Shared)?;
    let keep = Box::new(switch_view(b.switched.clone()));
    let sink = CaptureSink::create(&dir.join("capture.pcapng"), &links, b.lab.start(), keep)?;
    b.lab.stream_capture(sink);
    b.lab.stream_log(LineSink::create(&dir.join("lab.log"))?);
    b.lab.stream_keys(KeySink::create(&dir.join("keys"))?);
    for r in &b.routers {
        checked_name(&r.name)?;
        let mut s = r.stack.borrow_mut();
        s.stream_log(
            Some(LineSink::create(&dir.join(format!("{}.log", r.name)))?),
            false,
        );
        s.events
            .spool_to(&dir.join(format!(".{}.events", r.name)))?;
    }
    Ok(())
}

/// Flushes what [`stream`] set going: the lab's files and each router's vendor log; the first
/// error met (what was written before it stays).
pub fn finish(b: &mut Built) -> Result<(), SimError> {
    let lab = b.lab.finish_streams();
    let mut logs = Ok(());
    for r in &b.routers {
        if let Some(Err(e)) = r.stack.borrow_mut().finish_log() {
            logs = logs.and(Err(e));
        }
    }
    lab.and(logs)
}

/// A router's name, checked again before it names a file: names are checked when a scenario is
/// loaded, and one that would be a path is not used even if a caller composed it in code.
fn checked_name(name: &str) -> Result<(), SimError> {
    crate::scenario::check::name(name).map_err(|e| SimError::FileName {
        name: name.to_string(),
        why: e.to_string(),
    })
}

/// Writes `capture.pcapng`, `links/<link>.pcap`, `keys/`, `<router>.log`, `lab.log` and
/// `summary.json` into `dir`.
pub fn write(b: &Built, info: &RunInfo, dir: &Path) -> Result<Artefacts, SimError> {
    let rec = Recording {
        start: b.lab.start(),
        capture: b.lab.capture(),
        links: &b.links,
        keys: (!b.lab.keys_streamed()).then(|| b.lab.keys()),
        log_text: (!b.lab.log().is_streamed()).then(|| b.lab.log_text()),
    };
    write_parts(
        &b.result(),
        info,
        &rec,
        dir,
        switch_view(b.switched.clone()),
    )
}

/// [`write`] for any run; the merged capture keeps the frames `keep` accepts. Every file is
/// created without following a link planted in `dir` ([`files::create`]); the key files are the
/// owner's only.
pub fn write_parts(
    run: &RunResult,
    info: &RunInfo,
    p: &Recording<'_>,
    dir: &Path,
    keep: impl FnMut(&ikelab_sim::CapturedFrame) -> bool,
) -> Result<Artefacts, SimError> {
    let capture_error = |path: &Path| {
        let path = path.to_path_buf();
        move |message| SimError::Capture { path, message }
    };
    let flushed = |path: &Path, w: std::io::BufWriter<std::fs::File>| {
        w.into_inner().map(drop).map_err(|e| SimError::Io {
            path: path.to_path_buf(),
            source: e.into_error(),
        })
    };
    files::create_root(dir)?;
    files::create_dir(&dir.join("links"), Access::Shared)?;
    let pcapng = dir.join("capture.pcapng");
    // A streamed capture is in its files already.
    let kept = if p.capture.is_streamed() {
        &[][..]
    } else {
        let out = std::io::BufWriter::new(files::create(&pcapng, Access::Shared)?);
        let out = p
            .capture
            .write_pcapng_where(p.start, out, keep)
            .map_err(capture_error(&pcapng))?;
        flushed(&pcapng, out)?;
        p.links
    };
    for (name, id) in kept {
        let path = dir
            .join("links")
            .join(format!("{}.pcap", ikelab_sim::tap::file_stem(name)));
        let out = std::io::BufWriter::new(files::create(&path, Access::Shared)?);
        let out = p
            .capture
            .write_pcap(*id, p.start, out)
            .map_err(capture_error(&path))?;
        flushed(&path, out)?;
    }
    let keys = dir.join("keys");
    if let Some(k) = p.keys {
        k.write(&keys)?;
    }
    // A ready Wireshark profile: the two key tables plus the ESP preferences they need.
    let profile = dir.join("wireshark-profile");
    KeyLog::copy(&keys, &profile)?;
    files::write(
        &profile.join("preferences"),
        WIRESHARK_PREFERENCES,
        Access::Shared,
    )?;
    for (name, text) in router_logs(run) {
        checked_name(&name)?;
        files::write(&dir.join(format!("{name}.log")), text, Access::Shared)?;
    }
    if let Some(text) = &p.log_text {
        files::write(&dir.join("lab.log"), text, Access::Shared)?;
    }
    write_summary(&dir.join("summary.json"), &summary(run, info))?;
    // The summary read every spooled record; one that could not be read back is said here.
    for r in &run.routers {
        if let Some(e) = r.stack.borrow().events.error() {
            return Err(e);
        }
    }
    Ok(Artefacts {
        dir: dir.to_path_buf(),
        pcapng,
        keys: dir.join("keys"),
    })
}

/// Writes `summary.json` through a buffer, pretty-printed, with a final newline.
fn write_summary(path: &Path, summary: &Summary<'_>) -> Result<(), SimError> {
    use std::io::Write as _;
    let io = |e: std::io::Error| SimError::Io {
        path: path.to_path_buf(),
        source: e,
    };
    let mut out = std::io::BufWriter::new(files::create(path, Access::Shared)?);
    serde_json::to_writer_pretty(&mut out, summary).map_err(|e| io(e.into()))?;
    out.write_all(b"\n").map_err(io)?;
    out.into_inner().map_err(|e| io(e.into_error()))?;
    Ok(())
}

/// The Wireshark preferences a run's profile sets: decrypt ESP and check its ICV.
const WIRESHARK_PREFERENCES: &str = "# ikelab: decrypt ESP with esp_sa and check ICVs\n\
esp.enable_encryption_decode: TRUE\n\
esp.enable_authentication_check: TRUE\n";

/// How to open the capture decrypted.
pub fn wireshark_hint(a: &Artefacts) -> String {
    format!(
        "Open decrypted: ikelab decode {p} --keys {k}\n  \
         or in Wireshark: cp -r {d}/wireshark-profile ~/.config/wireshark/profiles/ikelab && wireshark -C ikelab {p}",
        p = a.pcapng.display(),
        k = a.keys.display(),
        d = a.dir.display()
    )
}
