//! One `--netns` cell: each end a simulated device ([`super::peer`]) or a real daemon, in the
//! namespaces of [`super::lab`], the initiator started (a LAN host's pings for a simulated
//! device, `swanctl --initiate` or `whack --initiate` for a daemon), and the cell over once
//! every daemon has decided (or after [`DEADLINE`]). Its outcome comes from the daemons' logs
//! ([`super::judge`]) and the simulated device's engine events.

use std::io;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ikelab_peers::ike::EventKind;
use ikelab_peers::personality::{Personality, Site};
use ikelab_peers::prefix::Ipv4Net;
use ikelab_peers::wire::NotifyType;
use ikelab_sim::netns::{Charon, Netns, Pluto, Spawned};

use super::judge::{Verdict, judge};
use super::lab::{CellLab, LAN, WAN};
use super::peer::{SimSide, options};
use super::settings::Settings;
use super::{RealPeer, libreswan, swanctl};
use crate::diagnose::FindingKind;
use crate::html::PageOptions;
use crate::matrix::cell::{
    ArtefactError, CellResult, INITIATOR, Outcome, RESPONDER, config, deciding_line, sites,
};
use crate::matrix::grid::{Cell, Change, Device};
use crate::netns::PeerRun;
use crate::stack::StackState;

/// The longest a cell runs: a Main Mode, a Quick Mode and a few retransmissions.
pub const DEADLINE: Duration = Duration::from_secs(20);
/// How long the other end is given to log its part once every daemon has decided.
const GRACE: Duration = Duration::from_millis(1500);
/// How long a cell goes on once one daemon has decided and another has not (an initiator
/// waiting for an answer that a responder, unable to install its SA, will not send).
const AFTER_FIRST: Duration = Duration::from_secs(4);

/// One end of a cell, prepared.
enum End {
    Sim {
        personality: Arc<dyn Personality>,
        text: String,
    },
    Real {
        peer: RealPeer,
        settings: Settings,
    },
}

/// What a simulated end leaves: its verdict, the line where it answered Quick Mode (see
/// [`Seen::answered`]), and whether its artefacts were written.
type SimDone = (Verdict, Option<String>, Result<(), ArtefactError>);

/// One end, running.
enum Running {
    Sim(SimSide<SimDone>),
    StrongSwan(Charon),
    Libreswan(Pluto),
}

/// What one end showed.
struct Seen {
    /// Its verdict.
    verdict: Verdict,
    /// Its name in the grid (`strongswan`, `seil`).
    name: String,
    /// A simulated responder's line where it answered Quick Mode: where it decided in a cell
    /// that agreed, since a real initiator then refuses, with NO-PROPOSAL-CHOSEN, only because
    /// its kernel could not install the SAs.
    answered: Option<String>,
}

/// `device`'s end of a cell at `site` with `changes`; `Err` names the change it cannot make.
fn prepare(device: &Device, site: &Site<'_>, changes: &[Change]) -> Result<End, String> {
    match device {
        Device::Sim(p) => Ok(End::Sim {
            personality: p.clone(),
            text: config(&**p, site, changes)?,
        }),
        Device::Real(peer) => Ok(End::Real {
            peer: *peer,
            settings: Settings::of(site, changes)?,
        }),
    }
}

/// Runs `cell` in namespaces; with `dir`, leaves there the simulated device's artefacts (as
/// `ikelab peer --out` writes them, with `report.html`), each daemon's config and log, and for
/// two daemons a page of both logs.
pub fn run_into(cell: &Cell, dir: Option<&Path>) -> Result<CellResult, ArtefactError> {
    let v = &cell.variant;
    let (si, sr) = sites(true);
    let ends = [
        (INITIATOR, &cell.initiator_device, &si, &v.initiator),
        (RESPONDER, &cell.responder_device, &sr, &v.responder),
    ]
    .map(|(side, d, site, changes)| (side, prepare(d, site, changes)));
    let mut prepared = vec![];
    for (side, e) in ends {
        match e {
            Ok(e) => prepared.push(e),
            Err(change) => return Ok(CellResult::NotExpressible { side, change }),
        }
    }
    let work = scratch(cell);
    let result = run_prepared(cell, &prepared, [&si, &sr], &work, dir);
    let _ = std::fs::remove_dir_all(&work);
    match result {
        Ok(Ok(o)) => Ok(CellResult::Ran(o)),
        Ok(Err(why)) => Ok(CellResult::Failed(why)),
        Err(e) => Err(e),
    }
}

/// A scratch folder for the daemons (their sockets, NSS database, `/run`).
fn scratch(cell: &Cell) -> PathBuf {
    std::env::temp_dir().join(format!(
        "ikelab-matrix-{}-{}",
        std::process::id(),
        cell.id()
    ))
}

/// The interfaces of a simulated device: its WAN interface (the one with the site's WAN
/// address) on `wan0`, and with `lan`, its LAN interface on `lan0`.
fn interfaces(
    parsed: &ikelab_peers::personality::RouterConfig,
    site: &Site<'_>,
    lan: bool,
) -> Result<Vec<(String, String)>, String> {
    let named = |addr: Ipv4Addr| {
        parsed
            .interfaces
            .iter()
            .find(|i| i.address.is_some_and(|a| a.addr == addr))
            .map(|i| i.name.clone())
            .ok_or_else(|| format!("the site config has no interface with {addr}"))
    };
    let mut out = vec![(named(site.wan.addr)?, WAN.to_string())];
    if lan {
        out.push((named(site.lan.addr)?, LAN.to_string()));
    }
    Ok(out)
}

/// The `n`-th address of `net` (`10.1.0.0/22`, 10 is `10.1.0.10`).
fn nth(net: Ipv4Net, n: u32) -> Ipv4Addr {
    Ipv4Addr::from(u32::from(net.network()).wrapping_add(n))
}

/// Runs the prepared ends; `Ok(Err)` when the lab or a daemon could not be started.
fn run_prepared(
    cell: &Cell,
    ends: &[End],
    sites: [&Site<'_>; 2],
    work: &Path,
    dir: Option<&Path>,
) -> Result<Result<Outcome, String>, ArtefactError> {
    let files = |source: io::Error| ArtefactError::Files {
        dir: dir.unwrap_or(work).to_path_buf(),
        source,
    };
    if let Some(d) = dir {
        std::fs::create_dir_all(d).map_err(files)?;
    }
    let kernel = |e: &End, s: &Site<'_>| matches!(e, End::Real { .. }).then_some(s.wan);
    let mut lab = match CellLab::wan(kernel(&ends[0], sites[0]), kernel(&ends[1], sites[1])) {
        Ok(l) => l,
        Err(e) => return Ok(Err(format!("the namespaces: {e}"))),
    };
    let names = [cell.initiator.as_str(), cell.responder.as_str()];
    let roles = [INITIATOR, RESPONDER];
    // The responder first, so that it is listening when the initiator starts.
    let mut running: Vec<Option<Running>> = vec![None, None];
    // A simulated initiator's LAN host: its interface must be there when the device starts.
    if let End::Sim { .. } = ends[0]
        && let Err(e) = lab.lan_host(
            Ipv4Net {
                addr: nth(sites[0].lan, 10),
                prefix_len: sites[0].lan.prefix_len,
            },
            sites[0].lan.addr,
        )
    {
        return Ok(Err(format!("the initiator's LAN host: {e}")));
    }
    for i in [1, 0] {
        let ns = if i == 0 {
            &lab.initiator
        } else {
            &lab.responder
        };
        match start(&ends[i], sites[i], roles[i], ns, work, dir, i == 0) {
            Ok(r) => running[i] = Some(r),
            Err(e) => return Ok(Err(format!("the {} ({}): {e}", roles[i], names[i]))),
        }
    }
    // Start: pings from the simulated initiator's LAN, or the daemon told to initiate.
    // A host of the responder's LAN, as the initiator knows it.
    let target = nth(sites[0].peer_lan, 10);
    let trigger = match (&running[0], &lab.host) {
        (Some(Running::Sim(_)), Some(h)) => ping(h, target).map(|p| Trigger::Ping { _ping: p }),
        (Some(Running::StrongSwan(c)), _) => Ok(Trigger::Swanctl(Some(initiate_swanctl(c)))),
        (Some(Running::Libreswan(p)), _) => {
            p.initiate(libreswan::CONN);
            Ok(Trigger::None)
        }
        _ => Ok(Trigger::None),
    };
    let trigger = match trigger {
        Ok(t) => t,
        Err(e) => return Ok(Err(format!("starting the negotiation: {e}"))),
    };
    wait_for_decisions(&running);
    drop(trigger);
    let mut seen = vec![];
    for (i, r) in running.into_iter().enumerate() {
        let Some(r) = r else {
            return Ok(Err(format!("the {} did not start", roles[i])));
        };
        seen.push(finish(r, roles[i], names[i], dir)?);
    }
    if let Some(d) = dir {
        for (i, e) in ends.iter().enumerate() {
            if let End::Sim { text, .. } = e {
                std::fs::write(d.join(format!("{}.conf", roles[i])), text).map_err(files)?;
            }
        }
        if ends.iter().all(|e| matches!(e, End::Real { .. })) {
            both_logs_page(d, cell).map_err(files)?;
        }
    }
    drop(lab);
    Ok(Ok(outcome(&seen)))
}

/// Writes a simulated end's artefacts into `dir` (as `ikelab peer --out` leaves them) and its
/// `report.html`.
fn write_sim(run: &PeerRun, dir: &Path) -> Result<(), ArtefactError> {
    run.write(dir).map_err(|source| ArtefactError::Run {
        dir: dir.to_path_buf(),
        source,
    })?;
    crate::html::write(dir, PageOptions::default()).map_err(|source| ArtefactError::Report {
        dir: dir.to_path_buf(),
        source,
    })?;
    Ok(())
}

/// What starts the negotiation, stopped when dropped.
enum Trigger {
    /// A LAN host's `ping`, stopped when dropped.
    Ping {
        /// The process.
        _ping: Spawned,
    },
    /// `swanctl --initiate` (it returns when the negotiation ends).
    Swanctl(Option<std::thread::JoinHandle<(bool, String)>>),
    /// Nothing to stop (`whack --initiate --asynchronous` returned at once).
    None,
}

impl Drop for Trigger {
    fn drop(&mut self) {
        if let Trigger::Swanctl(t) = self
            && let Some(t) = t.take()
        {
            let _ = t.join();
        }
    }
}

/// Pings `target` from `host` every half second for as long as a cell may run.
fn ping(host: &Netns, target: Ipv4Addr) -> io::Result<Spawned> {
    let count = (DEADLINE.as_millis() / 500).to_string();
    let mut cmd = host.command("ping");
    cmd.args(["-n", "-q", "-c", &count, "-i", "0.5", "-W", "1"])
        .arg(target.to_string())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    Spawned::start("ping", &mut cmd)
}

/// `swanctl --initiate` on a thread, bounded by the cell's deadline.
fn initiate_swanctl(c: &Charon) -> std::thread::JoinHandle<(bool, String)> {
    let c = c.control();
    let timeout = DEADLINE.as_secs().to_string();
    std::thread::spawn(move || {
        c.swanctl(&[
            "--initiate",
            "--child",
            swanctl::CHILD,
            "--timeout",
            &timeout,
        ])
    })
}

/// Starts one end in `ns`.
fn start(
    end: &End,
    site: &Site<'_>,
    role: &str,
    ns: &Netns,
    work: &Path,
    dir: Option<&Path>,
    initiator: bool,
) -> Result<Running, String> {
    match end {
        End::Sim { personality, text } => {
            let parsed = personality
                .parse(&format!("{role}.conf"), text)
                .map_err(|e| e.to_string())?;
            let ifaces = interfaces(&parsed.router, site, initiator)?;
            let out = dir.map(Path::to_path_buf);
            let opts = options(personality.clone(), parsed, ns.name(), ifaces, out.clone());
            SimSide::start(opts, move |run| {
                let stack = run.router.stack.borrow();
                let verdict = sim_verdict(&stack, initiator);
                let answered = stack.decision.answered_line().map(str::to_string);
                drop(stack);
                (
                    verdict,
                    answered,
                    out.map_or(Ok(()), |d| write_sim(run, &d)),
                )
            })
            .map(Running::Sim)
        }
        End::Real {
            peer: RealPeer::StrongSwan,
            settings,
        } => Charon::start_with(
            ns,
            work.join(role),
            &swanctl::swanctl_conf(site, settings),
            false,
            swanctl::charon_options(settings),
        )
        .map(Running::StrongSwan)
        .map_err(|e| e.to_string()),
        End::Real {
            peer: RealPeer::Libreswan,
            settings,
        } => Pluto::start(
            ns,
            work.join(role),
            &libreswan::ipsec_conf(site, settings),
            &libreswan::ipsec_secrets(site),
        )
        .map(Running::Libreswan)
        .map_err(|e| e.to_string()),
    }
}

/// The daemons' verdicts now.
fn verdicts(running: &[Option<Running>]) -> Vec<Verdict> {
    running
        .iter()
        .filter_map(|r| match r {
            Some(Running::StrongSwan(c)) => Some(judge(RealPeer::StrongSwan, &c.log())),
            Some(Running::Libreswan(p)) => Some(judge(RealPeer::Libreswan, &p.log())),
            _ => None,
        })
        .collect()
}

/// Waits until every daemon has decided (and then [`GRACE`]), or [`AFTER_FIRST`] after one
/// did, or [`DEADLINE`].
fn wait_for_decisions(running: &[Option<Running>]) {
    let start = Instant::now();
    let mut first = None;
    while start.elapsed() < DEADLINE {
        let v = verdicts(running);
        if v.iter().all(Verdict::decided) {
            std::thread::sleep(GRACE);
            return;
        }
        if v.iter().any(Verdict::decided) {
            let at = *first.get_or_insert_with(Instant::now);
            if at.elapsed() >= AFTER_FIRST {
                return;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Stops one end and judges it; with `dir`, copies a daemon's config and log there.
fn finish(r: Running, role: &str, name: &str, dir: Option<&Path>) -> Result<Seen, ArtefactError> {
    let keep = |from: &Path, files: &[(&str, String)]| -> Result<(), ArtefactError> {
        let Some(d) = dir else { return Ok(()) };
        for (file, to) in files {
            let text = std::fs::read(from.join(file)).unwrap_or_default();
            std::fs::write(d.join(to), text).map_err(|source| ArtefactError::Files {
                dir: d.to_path_buf(),
                source,
            })?;
        }
        Ok(())
    };
    let seen = |verdict| Seen {
        verdict,
        name: name.to_string(),
        answered: None,
    };
    match r {
        Running::Sim(mut s) => match s.finish() {
            Ok((verdict, answered, written)) => written.map(|()| Seen {
                answered,
                ..seen(verdict)
            }),
            // The device stopped with an error (its sockets failed, say): nothing it decided.
            Err(why) => Ok(seen(Verdict {
                line: Some(format!("the simulated device stopped: {why}")),
                ..Verdict::default()
            })),
        },
        Running::StrongSwan(c) => {
            let from = c.dir.clone();
            let log = c.stop();
            keep(
                &from,
                &[
                    ("swanctl.conf", format!("{role}.swanctl.conf")),
                    ("charon.log", format!("{role}.charon.log")),
                ],
            )?;
            Ok(seen(judge(RealPeer::StrongSwan, &log)))
        }
        Running::Libreswan(p) => {
            let from = p.dir.clone();
            let log = p.stop();
            keep(
                &from,
                &[
                    ("ipsec.conf", format!("{role}.ipsec.conf")),
                    ("pluto.log", format!("{role}.pluto.log")),
                ],
            )?;
            Ok(seen(judge(RealPeer::Libreswan, &log)))
        }
    }
}

/// A simulated end judged by its engine events, as a daemon is by its log.
fn sim_verdict(s: &StackState, initiator: bool) -> Verdict {
    let phase1 = s
        .events
        .iter()
        .any(|e| matches!(e.kind, EventKind::Phase1Established { .. }));
    let established = s
        .events
        .iter()
        .any(|e| matches!(e.kind, EventKind::Phase2Established { .. }));
    let refusal = s.events.iter().find_map(|e| sim_refusal(&e.kind));
    Verdict {
        phase1,
        quick_mode: initiator && established,
        line: deciding_line(s),
        refusal,
    }
}

/// What a simulated end's event says of a refusal, in a daemon's terms.
fn sim_refusal(kind: &EventKind) -> Option<(FindingKind, &'static str)> {
    use FindingKind as K;
    Some(match kind {
        EventKind::NoPolicyForIds { .. } => (
            K::Phase2IdsRefused,
            "found no policy for the IDs it was offered",
        ),
        EventKind::ReturnedIdsMismatch { .. } => (
            K::Phase2IdsReturnedDiffer,
            "was answered with other IDs than it sent",
        ),
        EventKind::NotifySent { kind, .. } if *kind == NotifyType::NO_PROPOSAL_CHOSEN => {
            (K::NoProposalChosen, "answered NO-PROPOSAL-CHOSEN")
        }
        EventKind::NotifySent { kind, .. } if *kind == NotifyType::INVALID_ID_INFORMATION => (
            K::Phase2IdsRefused,
            "refused the phase-2 IDs (INVALID-ID-INFORMATION)",
        ),
        EventKind::NotifyReceived { kind, .. } if *kind == NotifyType::NO_PROPOSAL_CHOSEN => {
            (K::NoProposalChosen, "was answered NO-PROPOSAL-CHOSEN")
        }
        EventKind::NotifyReceived { kind, .. } if *kind == NotifyType::INVALID_ID_INFORMATION => (
            K::Phase2IdsRefused,
            "was refused its phase-2 IDs (INVALID-ID-INFORMATION)",
        ),
        _ => return None,
    })
}

/// The cell's outcome from its two ends (initiator first).
fn outcome(seen: &[Seen]) -> Outcome {
    let (i, r) = (&seen[0], &seen[1]);
    // The initiator accepted the answer; or a real responder accepted the proposal and IDs
    // and, unable to install its inbound SA first (Libreswan), never answered, so the
    // initiator refused nothing (a simulated responder's verdict never says it agreed: its
    // answer counts when the initiator accepts it; and a strongSwan responder that narrowed
    // the IDs agreed with itself only, which the initiator's refusal shows).
    let agreed = i.verdict.quick_mode || (r.verdict.quick_mode && i.verdict.refusal.is_none());
    let responder_line = match (&r.answered, agreed) {
        (Some(line), true) => Some(line.clone()),
        _ => r.verdict.line.clone(),
    };
    let diagnosis = if agreed {
        None
    } else {
        [(r, RESPONDER), (i, INITIATOR)]
            .into_iter()
            .find_map(|(s, role)| {
                let (kind, words) = s.verdict.refusal?;
                let kind = serde_json::to_value(kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default();
                Some((kind, format!("the {role} ({}) {words}", s.name)))
            })
    };
    Outcome {
        phase1: i.verdict.phase1 || r.verdict.phase1,
        phase2: agreed,
        ping: (0, 0),
        initiator_line: i.verdict.line.clone(),
        responder_line,
        diagnosis,
    }
}

/// For two daemons (no simulated device, so no report of its own): `report.html` with both
/// configs and logs.
fn both_logs_page(dir: &Path, cell: &Cell) -> io::Result<()> {
    use crate::html::page::esc;
    let mut body = format!("<h1>{}</h1>\n", esc(cell.id().as_str()));
    let mut files: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".conf") || n.ends_with(".log"))
        .collect();
    files.sort();
    for f in files {
        let text = std::fs::read_to_string(dir.join(&f)).unwrap_or_default();
        body.push_str(&format!(
            "<h2>{}</h2>\n<pre>{}</pre>\n",
            esc(&f),
            esc(&text)
        ));
    }
    std::fs::write(
        dir.join("report.html"),
        format!(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{}</title></head><body>\n{body}</body></html>\n",
            esc(cell.id().as_str())
        ),
    )
}
