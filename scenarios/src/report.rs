//! What a run leaves behind, whichever driver ran it ([`RunResult`]): the outcome in plain words
//! with a diagnosis, `summary.json`, and the artefact folder (captures, key files, vendor logs).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use ikelab_peers::hex::hex;
use ikelab_peers::ike::{Direction, EncapMode, EventKind, FailReason, QmId};
use std::sync::Arc;

use ikelab_peers::personality::{Mismatch, Personalities, Personality};
use ikelab_peers::wire::NotifyType;
use serde_json::{Value, json};

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
}

/// What a run did, whichever driver ran it: each router's engine, events and log, and the
/// pings.
#[derive(Clone)]
pub struct RunResult {
    /// The routers, in the scenario's order.
    pub routers: Vec<RouterState>,
    /// The pings, in the script's order.
    pub pings: Vec<PingOutcome>,
}

/// Every router's vendor log, as the device prints it.
pub fn router_logs(run: &RunResult) -> Vec<(String, String)> {
    run.routers
        .iter()
        .map(|r| {
            let s = r.stack.borrow();
            (
                r.name.clone(),
                s.log.iter().map(|l| format!("{}\n", l.text)).collect(),
            )
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
        let _ = writeln!(
            out,
            "{} ({}): phase 1 {}, phase 2 {} (IPsec SA pairs now: {inbound}, negotiated in all: {ever})",
            r.name,
            r.personality.vendor(),
            if p1 > 0 { "up" } else { "down" },
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

fn ids(a: &QmId, b: &QmId) -> String {
    format!("{a} <-> {b}")
}

/// A diagnosis in plain words for negotiations that failed, with the config line that fixes
/// the document's case.
pub fn diagnosis(run: &RunResult) -> Vec<String> {
    let routers = &run.routers;
    let mut out = vec![];
    let name_of = |ip: std::net::Ipv4Addr| {
        routers
            .iter()
            .find(|r| {
                r.stack
                    .borrow()
                    .engine
                    .config()
                    .peers
                    .iter()
                    .any(|p| p.local == ip)
            })
            .map(|r| (r.name.clone(), r.personality.clone()))
    };
    for r in routers {
        let s = r.stack.borrow();
        let mut seen = std::collections::BTreeSet::new();
        for e in &s.events {
            let msg = match &e.kind {
                EventKind::NoPolicyForIds {
                    from,
                    initiator_id,
                    responder_id,
                    expected,
                } => {
                    let (peer, personality) = name_of(*from.ip()).unwrap_or_else(|| {
                        (
                            from.ip().to_string(),
                            Personalities::builtin().outside_peer(),
                        )
                    });
                    let mut m = format!(
                        "Phase 2 failed: {} found no IPsec policy for the IDs {peer} proposed.\n  {peer} proposed (local <-> remote): {}\n",
                        r.name,
                        ids(initiator_id, responder_id)
                    );
                    for (want_i, want_r) in expected {
                        let _ = writeln!(
                            m,
                            "  {} expects (seen from {peer}):        {}",
                            r.name,
                            ids(want_i, want_r)
                        );
                    }
                    if let Some((want_i, want_r)) = expected.first() {
                        let mismatch = Mismatch::Ids {
                            local: want_i,
                            remote: want_r,
                        };
                        if let Some(fix) = personality.fix(&mismatch) {
                            let _ = write!(m, "  Fix on {peer} {fix}");
                        }
                    }
                    m
                }
                EventKind::ReturnedIdsMismatch {
                    from,
                    sent,
                    received,
                } => format!(
                    "Phase 2 failed at {}: {from} answered with other IDs ({}) than proposed ({}); {} refuses that, as racoon does.",
                    r.name,
                    ids(&received.0, &received.1),
                    ids(&sent.0, &sent.1),
                    r.name
                ),
                EventKind::Phase1Failed {
                    remote,
                    reason: FailReason::AuthenticationFailed,
                } => format!(
                    "Phase 1 failed at {}: messages from {remote} did not decrypt or authenticate. The pre-shared keys differ.",
                    r.name
                ),
                EventKind::Phase1Failed {
                    remote,
                    reason: FailReason::NoProposalChosen,
                } => format!(
                    "Phase 1 failed: {} accepts none of the IKE proposals of {remote}. Compare encryption, hash, DH group.",
                    r.name
                ),
                EventKind::NotifySent {
                    to,
                    kind: NotifyType::NO_PROPOSAL_CHOSEN,
                    ..
                } => format!(
                    "{} answered {to} with NO-PROPOSAL-CHOSEN: the proposals (algorithms, lifetimes, PFS group, mode) do not match.",
                    r.name
                ),
                EventKind::Phase1Failed {
                    remote,
                    reason: FailReason::Timeout,
                } => {
                    format!(
                        "Phase 1 with {remote} timed out at {}: the peer never answered (or answered too late).",
                        r.name
                    )
                }
                _ => continue,
            };
            if seen.insert(msg.clone()) {
                out.push(msg);
            }
        }
    }
    out
}

/// `summary.json`: per router its ISAKMP and IPsec SAs and notifications, per host its pings.
pub fn summary(run: &RunResult) -> Value {
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
            json!({
                "name": r.name, "vendor": r.personality.vendor().to_string(),
                "isakmp_sas": isakmp, "ipsec_sas": ipsec,
                "notifications_sent": notes(true), "notifications_received": notes(false),
            })
        })
        .collect();
    let pings: Vec<Value> = run
        .pings
        .iter()
        .map(|p| json!({"from": p.from, "to": p.to.to_string(), "sent": p.sent, "answered": p.received}))
        .collect();
    json!({"routers": routers, "pings": pings})
}

/// Keeps one copy of each frame a switch forwards: the copy on the link it entered by. Every
/// link keeps its own pcap; the merged capture shows each frame once, as a capture at the
/// switch would, because IKEv1 decryption in Wireshark depends on seeing each message once.
fn switch_view(b: &Built) -> impl FnMut(&ikelab_sim::CapturedFrame) -> bool + '_ {
    // (switch, frame bytes) -> when it was last kept.
    let mut recent: std::collections::HashMap<(usize, Vec<u8>), ikelab_peers::time::Instant> =
        Default::default();
    move |f| {
        let Some(group) = b.switched.iter().position(|g| g.contains(&f.link)) else {
            return true;
        };
        let key = (group, f.data.clone());
        let forwarded = recent
            .get(&key)
            .is_some_and(|t| f.time.saturating_since(*t) < std::time::Duration::from_millis(10));
        if forwarded {
            // Forget it, so a later identical frame (a retransmission) counts again.
            recent.remove(&key);
            return false;
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
    /// The derived keys.
    pub keys: &'a ikelab_sim::KeyLog,
    /// The run log.
    pub log_text: String,
}

/// Writes `capture.pcapng`, `links/<link>.pcap`, `keys/`, `<router>.log`, `lab.log` and
/// `summary.json` into `dir`.
pub fn write(b: &Built, dir: &Path) -> std::io::Result<Artefacts> {
    let rec = Recording {
        start: b.lab.start(),
        capture: b.lab.capture(),
        links: &b.links,
        keys: b.lab.keys(),
        log_text: b.lab.log_text(),
    };
    write_parts(&b.result(), &rec, dir, switch_view(b))
}

/// [`write`] for any run; the merged capture keeps the frames `keep` accepts.
pub fn write_parts(
    run: &RunResult,
    p: &Recording<'_>,
    dir: &Path,
    keep: impl FnMut(&ikelab_sim::CapturedFrame) -> bool,
) -> std::io::Result<Artefacts> {
    let io = |e: String| std::io::Error::other(e);
    std::fs::create_dir_all(dir.join("links"))?;
    let pcapng = dir.join("capture.pcapng");
    p.capture
        .write_pcapng_where(p.start, std::fs::File::create(&pcapng)?, keep)
        .map_err(io)?;
    for (name, id) in p.links {
        let f = std::fs::File::create(
            dir.join("links")
                .join(format!("{}.pcap", name.replace('/', "_"))),
        )?;
        p.capture.write_pcap(*id, p.start, f).map_err(io)?;
    }
    p.keys.write(&dir.join("keys"))?;
    // A ready Wireshark profile: the two key tables plus the ESP preferences they need.
    let profile = dir.join("wireshark-profile");
    p.keys.write(&profile)?;
    std::fs::write(profile.join("preferences"), WIRESHARK_PREFERENCES)?;
    for (name, text) in router_logs(run) {
        std::fs::write(dir.join(format!("{name}.log")), text)?;
    }
    std::fs::write(dir.join("lab.log"), &p.log_text)?;
    std::fs::write(
        dir.join("summary.json"),
        serde_json::to_string_pretty(&summary(run)).unwrap_or_default() + "\n",
    )?;
    Ok(Artefacts {
        dir: dir.to_path_buf(),
        pcapng,
        keys: dir.join("keys"),
    })
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
