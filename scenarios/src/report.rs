//! What a run leaves behind: the outcome in plain words with a diagnosis, `summary.json`, and
//! the artefact folder (captures, key files, vendor logs).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use ikelab_peers::ike::{Direction, EncapMode, EventKind, FailReason, QmId};
use ikelab_peers::vendor::Vendor;
use ikelab_peers::wire::NotifyType;
use serde_json::{Value, json};

use crate::scenario::Built;

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Every router's vendor log, as the device prints it.
pub fn router_logs(b: &Built) -> Vec<(String, String)> {
    b.routers
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
pub fn outcome(b: &Built) -> String {
    let mut out = String::new();
    for r in &b.routers {
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
            r.vendor,
            if p1 > 0 { "up" } else { "down" },
            if inbound > 0 { "up" } else { "down" },
        );
    }
    for p in &b.pings {
        if let Some(rep) = b.lab.ping_report(p.id) {
            let _ = writeln!(
                out,
                "ping {} -> {}: {} sent, {} answered",
                p.from, p.to, rep.sent, rep.received
            );
        }
    }
    out
}

fn ids(a: &QmId, b: &QmId) -> String {
    format!("{a} <-> {b}")
}

/// A diagnosis in plain words for negotiations that failed, with the config line that fixes
/// the document's case.
pub fn diagnosis(b: &Built) -> Vec<String> {
    let mut out = vec![];
    let name_of = |ip: std::net::Ipv4Addr| {
        b.routers
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
            .map(|r| (r.name.clone(), r.vendor))
    };
    for r in &b.routers {
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
                    let (peer, vendor) =
                        name_of(*from.ip()).unwrap_or((from.ip().to_string(), Vendor::Seil));
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
                        let fix = match vendor {
                            Vendor::Seil => format!(
                                "  Fix on {peer} (SEIL): add `proxy-id-local {} proxy-id-remote {}` to its `ipsec security-association add` line.",
                                want_i.data, want_r.data
                            ),
                            Vendor::Ix => format!(
                                "  Fix on {peer} (IX): `ipsec local-id <map> {}` and `ipsec remote-id <map> {}`.",
                                want_i.data, want_r.data
                            ),
                        };
                        m.push_str(&fix);
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
pub fn summary(b: &Built) -> Value {
    let routers: Vec<Value> = b
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
                "name": r.name, "vendor": r.vendor.to_string(),
                "isakmp_sas": isakmp, "ipsec_sas": ipsec,
                "notifications_sent": notes(true), "notifications_received": notes(false),
            })
        })
        .collect();
    let pings: Vec<Value> = b
        .pings
        .iter()
        .filter_map(|p| {
            let r = b.lab.ping_report(p.id)?;
            Some(json!({"from": p.from, "to": p.to.to_string(), "sent": r.sent, "answered": r.received}))
        })
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

/// Writes `capture.pcapng`, `links/<link>.pcap`, `keys/`, `<router>.log`, `lab.log` and
/// `summary.json` into `dir`.
pub fn write(b: &Built, dir: &Path) -> std::io::Result<Artefacts> {
    let io = |e: String| std::io::Error::other(e);
    std::fs::create_dir_all(dir.join("links"))?;
    std::fs::create_dir_all(dir.join("keys"))?;
    let start = b.lab.start();
    let cap = b.lab.capture();
    let pcapng = dir.join("capture.pcapng");
    cap.write_pcapng_where(start, std::fs::File::create(&pcapng)?, switch_view(b))
        .map_err(io)?;
    for (name, id) in &b.links {
        let f = std::fs::File::create(
            dir.join("links")
                .join(format!("{}.pcap", name.replace('/', "_"))),
        )?;
        cap.write_pcap(*id, start, f).map_err(io)?;
    }
    let keys = b.lab.keys();
    let lines = |v: &[String]| v.iter().map(|l| format!("{l}\n")).collect::<String>();
    std::fs::write(dir.join("keys/ikev1_decryption_table"), lines(&keys.ikev1))?;
    std::fs::write(dir.join("keys/esp_sa"), lines(&keys.esp))?;
    // A ready Wireshark profile: the two key tables plus the ESP preferences they need.
    let profile = dir.join("wireshark-profile");
    std::fs::create_dir_all(&profile)?;
    std::fs::write(profile.join("ikev1_decryption_table"), lines(&keys.ikev1))?;
    std::fs::write(profile.join("esp_sa"), lines(&keys.esp))?;
    std::fs::write(profile.join("preferences"), WIRESHARK_PREFERENCES)?;
    for (name, text) in router_logs(b) {
        std::fs::write(dir.join(format!("{name}.log")), text)?;
    }
    std::fs::write(dir.join("lab.log"), b.lab.log_text())?;
    std::fs::write(
        dir.join("summary.json"),
        serde_json::to_string_pretty(&summary(b)).unwrap_or_default() + "\n",
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
