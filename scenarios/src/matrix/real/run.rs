//! One `--netns` cell: each end a simulated device ([`super::peer`]) or a real daemon, in the
//! namespaces of [`super::lab`], the initiator started (a LAN host's pings for a simulated
//! device, `swanctl --initiate` or `whack --initiate` for a daemon), and the cell over once
//! every daemon has decided (or after [`DEADLINE`]). Its outcome comes from the daemons' logs
//! ([`super::judge`]) and the simulated device's engine events.

use std::io;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ikelab_peers::personality::Site;
use ikelab_peers::prefix::Ipv4Net;
use ikelab_sim::netns::{Charon, Netns, Spawned};

use super::ends::{End, Running, finish, prepare, start};
use super::judge::{Verdict, judge};
use super::lab::CellLab;
use super::outcome::outcome;
use super::{RealPeer, libreswan, swanctl};
use crate::matrix::cell::{ArtefactError, CellResult, INITIATOR, Outcome, RESPONDER, sites};
use crate::matrix::grid::Cell;

/// The longest a cell runs: a Main Mode, a Quick Mode and a few retransmissions.
pub const DEADLINE: Duration = Duration::from_secs(20);
/// How long the other end is given to log its part once every daemon has decided.
const GRACE: Duration = Duration::from_millis(1500);
/// How long a cell goes on once one daemon has decided and another has not (an initiator
/// waiting for an answer that a responder, unable to install its SA, will not send).
const AFTER_FIRST: Duration = Duration::from_secs(4);

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
    let running = match start_ends(&mut lab, ends, sites, names, work, dir) {
        Ok(r) => r,
        Err(why) => return Ok(Err(why)),
    };
    // A host of the responder's LAN, as the initiator knows it.
    let trigger = match start_negotiation(&running[0], &lab, nth(sites[0].peer_lan, 10)) {
        Ok(t) => t,
        Err(e) => return Ok(Err(format!("starting the negotiation: {e}"))),
    };
    wait_for_decisions(&running);
    let mut seen = vec![];
    for ((r, role), name) in running.into_iter().zip(ROLES).zip(names) {
        seen.push(finish(r, role, name, dir)?);
    }
    // After the daemons stopped: `swanctl --initiate` returns when its charon has gone.
    drop(trigger);
    if let Some(d) = dir {
        for (e, role) in ends.iter().zip(ROLES) {
            if let End::Sim { text, .. } = e {
                std::fs::write(d.join(format!("{role}.conf")), text).map_err(files)?;
            }
        }
        if ends.iter().all(|e| matches!(e, End::Real { .. })) {
            both_logs_page(d, cell).map_err(files)?;
        }
    }
    drop(lab);
    Ok(Ok(outcome(&seen)))
}

/// The roles of a cell's two ends, in their order.
const ROLES: [&str; 2] = [INITIATOR, RESPONDER];

/// Starts both ends, the responder first so that it listens when the initiator starts; for a
/// simulated initiator, its LAN host first (its interface must be there when it starts).
fn start_ends(
    lab: &mut CellLab,
    ends: &[End],
    sites: [&Site<'_>; 2],
    names: [&str; 2],
    work: &Path,
    dir: Option<&Path>,
) -> Result<[Running; 2], String> {
    if let End::Sim { .. } = ends[0] {
        let host = Ipv4Net {
            addr: nth(sites[0].lan, 10),
            prefix_len: sites[0].lan.prefix_len,
        };
        lab.lan_host(host, sites[0].lan.addr)
            .map_err(|e| format!("the initiator's LAN host: {e}"))?;
    }
    let failed = |i: usize, e: String| format!("the {} ({}): {e}", ROLES[i], names[i]);
    let responder = start(
        &ends[1],
        sites[1],
        RESPONDER,
        &lab.responder,
        work,
        dir,
        false,
    )
    .map_err(|e| failed(1, e))?;
    let initiator = start(
        &ends[0],
        sites[0],
        INITIATOR,
        &lab.initiator,
        work,
        dir,
        true,
    )
    .map_err(|e| failed(0, e))?;
    Ok([initiator, responder])
}

/// Starts the negotiation: pings from a simulated initiator's LAN host to `target`, or the
/// daemon told to initiate.
fn start_negotiation(initiator: &Running, lab: &CellLab, target: Ipv4Addr) -> io::Result<Trigger> {
    Ok(match (initiator, &lab.host) {
        (Running::Sim(_), Some(h)) => Trigger::Ping {
            _ping: ping(h, target)?,
        },
        (Running::StrongSwan(c), _) => Trigger::Swanctl(Some(initiate_swanctl(c))),
        (Running::Libreswan(p), _) => {
            p.initiate(libreswan::CONN);
            Trigger::None
        }
        (Running::Sim(_), None) => Trigger::None,
    })
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

/// The daemons' verdicts now.
fn verdicts(running: &[Running]) -> Vec<Verdict> {
    running
        .iter()
        .filter_map(|r| match r {
            Running::StrongSwan(c) => Some(judge(RealPeer::StrongSwan, &c.log())),
            Running::Libreswan(p) => Some(judge(RealPeer::Libreswan, &p.log())),
            Running::Sim(_) => None,
        })
        .collect()
}

/// Waits until every daemon has decided (and then [`GRACE`]), or [`AFTER_FIRST`] after one
/// did, or [`DEADLINE`].
fn wait_for_decisions(running: &[Running]) {
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
