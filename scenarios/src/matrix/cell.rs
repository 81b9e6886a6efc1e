//! One cell of `ikelab matrix`, run in-process: the two sites' configs (each device's site
//! config with its own fixes applied for the variant's changes), a ping from the initiator's LAN
//! to the responder's, and what came of it: phase 1, phase 2, the ping, the line each side
//! logged when it decided, and the diagnosis. With a folder, the cell also leaves what
//! `ikelab run --report` leaves there (captures, keys, logs, `summary.json`, `report.html`).

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

use ikelab_peers::ike::{EventKind, QmId, Selector};
use ikelab_peers::personality::{Mismatch, Personality, Site, apply};
use ikelab_peers::prefix::Ipv4Net;

use super::grid::{Cell, Change, Ids};
use crate::expect::Expect;
use crate::html::{PageOptions, ReportError};
use crate::report::{RunInfo, RunResult};
use crate::scenario::model::{Action, NatSpec};
use crate::scenario::{build, load_routers_with_nats};
use crate::stack::StackState;

/// The names the two routers have in a cell's lab.
pub const INITIATOR: &str = "initiator";
/// See [`INITIATOR`].
pub const RESPONDER: &str = "responder";
/// The seed of every cell: a cell's result is the same on every run.
const SEED: u64 = 1;

fn net(a: [u8; 4], len: u8) -> Ipv4Net {
    Ipv4Net {
        addr: Ipv4Addr::from(a),
        prefix_len: len,
    }
}

/// The two sites of every cell: a shared WAN, and LANs of different sizes; `responder_only`
/// makes the responder's site one that starts nothing on its own.
pub fn sites(responder_only: bool) -> (Site<'static>, Site<'static>) {
    let psk = "matrix-key-1";
    let i = Site {
        hostname: INITIATOR,
        wan: net([100, 64, 1, 1], 24),
        lan: net([10, 1, 0, 1], 22),
        gateway: None,
        peer: Ipv4Addr::new(100, 64, 1, 2),
        peer_lan: net([10, 2, 2, 0], 24),
        psk,
        responder: false,
    };
    let r = Site {
        hostname: RESPONDER,
        wan: net([100, 64, 1, 2], 24),
        lan: net([10, 2, 2, 1], 24),
        gateway: None,
        peer: i.wan.addr,
        peer_lan: net([10, 1, 0, 0], 22),
        psk,
        responder: responder_only,
    };
    (i, r)
}

/// The NAT in front of the initiator in the NAT knob's cells ([`sites_behind_nat`]).
pub const NAT: &str = "nat";
/// The NAT's inside address, the initiator's gateway.
const NAT_INSIDE: [u8; 4] = [192, 168, 100, 1];
/// The NAT's outside address on the WAN: the initiator's public address.
const NAT_OUTSIDE: [u8; 4] = [100, 64, 1, 3];

/// [`sites`] with the initiator behind a NAT: its WAN is the NAT's inside subnet
/// (192.168.100.0/24, the NAT its default gateway), and the responder's peer is the NAT's
/// outside address, the only one it sees.
pub fn sites_behind_nat(responder_only: bool) -> (Site<'static>, Site<'static>) {
    let (mut i, mut r) = sites(responder_only);
    i.wan = net([192, 168, 100, 2], 24);
    i.gateway = Some(Ipv4Addr::from(NAT_INSIDE));
    r.peer = Ipv4Addr::from(NAT_OUTSIDE);
    (i, r)
}

/// The `[[nat]]` of [`sites_behind_nat`], with the default timeouts.
pub fn nat_spec() -> NatSpec {
    NatSpec {
        name: NAT.into(),
        router: INITIATOR.into(),
        inside: net(NAT_INSIDE, 24).to_string(),
        outside: net(NAT_OUTSIDE, 24).to_string(),
        gateway: None,
        udp_timeout: ikelab_sim::nat::DEFAULT_UDP_TIMEOUT,
        icmp_timeout: ikelab_sim::nat::DEFAULT_ICMP_TIMEOUT,
        max_mappings: ikelab_sim::nat::DEFAULT_MAX_MAPPINGS,
    }
}

/// What a cell showed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Whether an ISAKMP SA came up (on either side).
    pub phase1: bool,
    /// Whether both sides installed IPsec SAs.
    pub phase2: bool,
    /// The initiator's ping: (sent, answered).
    pub ping: (u32, u32),
    /// The line the initiator logged when it decided (failed, or established phase 2).
    pub initiator_line: Option<String>,
    /// The same for the responder.
    pub responder_line: Option<String>,
    /// The first finding of the diagnosis that a later event did not resolve: its kind
    /// (`phase2_ids_refused`) and its text.
    pub diagnosis: Option<(String, String)>,
}

/// A cell's result: its outcome, or why it could not be run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CellResult {
    /// It ran.
    Ran(Outcome),
    /// A side's device cannot write the variant's change (no fix in its commands for it).
    NotExpressible {
        /// Which side.
        side: &'static str,
        /// The change.
        change: String,
    },
    /// The lab could not be built (a bug: the matrix writes its own configs).
    Failed(String),
}

/// (local, remote) IDs of `ids` for `site`: a host's ID_IPV4_ADDR or a prefix's
/// ID_IPV4_ADDR_SUBNET, of the selectors a real daemon is given too.
fn ids_of(ids: Ids, site: &Site<'_>) -> (QmId, QmId) {
    let id = |n: Ipv4Net| {
        if n.prefix_len == 32 {
            Selector::host(n.addr).to_id()
        } else {
            Selector::net(n.addr, n.prefix_len).to_id()
        }
    };
    let (local, remote) = super::real::settings::selectors(ids, site);
    (id(local), id(remote))
}

/// `site`'s config for `p` with `changes` applied by `p`'s own fixes; `Err` names the change
/// the device cannot write.
pub(in crate::matrix) fn config(
    p: &dyn Personality,
    site: &Site<'_>,
    changes: &[Change],
) -> Result<String, String> {
    let file = format!("{}.conf", site.hostname);
    let mut text = p
        .site_config(site)
        .ok_or_else(|| "a site config".to_string())?;
    for c in changes {
        let parsed = p
            .parse(&file, &text)
            .map_err(|e| format!("{c:?}: the config no longer parses: {e}"))?
            .router;
        let (Some(policy), Some(peer)) = (
            parsed.engine.policies.first().map(|x| x.name.clone()),
            parsed.engine.peers.first(),
        ) else {
            return Err(format!("{c:?}: no policy or peer"));
        };
        let ids;
        let mut phase1 = peer.proposals.first().cloned();
        let mut phase2 = parsed
            .engine
            .policies
            .first()
            .and_then(|x| x.proposals.first().cloned());
        let m = match *c {
            Change::Ids(which) => {
                ids = ids_of(which, site);
                Mismatch::Ids {
                    policy: &policy,
                    local: &ids.0,
                    remote: &ids.1,
                }
            }
            Change::Pfs(group) => Mismatch::Pfs {
                policy: &policy,
                group,
            },
            Change::Phase1(cipher, group) => {
                let Some(p1) = phase1.as_mut() else {
                    return Err(format!("{c:?}: no phase-1 proposal"));
                };
                (p1.cipher, p1.group) = (cipher, group);
                Mismatch::Phase1Proposal {
                    peer: &peer.name,
                    proposal: p1,
                }
            }
            Change::Phase2(cipher) => {
                let Some(p2) = phase2.as_mut() else {
                    return Err(format!("{c:?}: no phase-2 proposal"));
                };
                p2.cipher = cipher;
                Mismatch::Phase2Proposal {
                    policy: &policy,
                    proposal: p2,
                }
            }
            Change::Mode(mode) => Mismatch::ExchangeMode {
                peer: &peer.name,
                mode,
            },
            Change::NatTraversal(on) => Mismatch::NatTraversal {
                peer: &peer.name,
                on,
            },
        };
        let edits = p.fix(&parsed, &m).ok_or_else(|| format!("{c:?}"))?;
        text = apply(&file, &text, &edits).map_err(|e| format!("{c:?}: {e}"))?;
    }
    Ok(text)
}

/// Why a cell's folder could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ArtefactError {
    /// The run's artefacts (captures, keys, logs, `summary.json`).
    #[error("{}: {source}", dir.display())]
    Run {
        /// The cell's folder.
        dir: PathBuf,
        /// What failed.
        #[source]
        source: ikelab_sim::SimError,
    },
    /// A file of a `--netns` cell (a daemon's config or log, the page of two daemons' logs).
    #[error("{}: {source}", dir.display())]
    Files {
        /// The cell's folder.
        dir: PathBuf,
        /// What failed.
        #[source]
        source: std::io::Error,
    },
    /// Its `report.html`.
    #[error("{}: report.html: {source}", dir.display())]
    Report {
        /// The cell's folder.
        dir: PathBuf,
        /// What failed.
        #[source]
        source: ReportError,
    },
}

/// Runs `cell`, in memory.
pub fn run(cell: &Cell) -> CellResult {
    match run_into(cell, None) {
        Ok(r) => r,
        Err(e) => CellResult::Failed(e.to_string()),
    }
}

/// Runs `cell` and, given `dir`, writes there what `ikelab run --report` writes (a cell that
/// does not run writes nothing); an error only when the folder could not be written. A cell
/// with a real daemon runs in namespaces instead ([`super::real::run`]).
pub fn run_into(cell: &Cell, dir: Option<&Path>) -> Result<CellResult, ArtefactError> {
    if cell.is_real() {
        return super::real::run::run_into(cell, dir);
    }
    let (Some(initiator_p), Some(responder_p)) = (
        cell.initiator_device.personality(),
        cell.responder_device.personality(),
    ) else {
        return Ok(CellResult::Failed(
            "a device is neither simulated nor real".into(),
        ));
    };
    let v = &cell.variant;
    let (si, sr) = if v.behind_nat {
        sites_behind_nat(true)
    } else {
        sites(true)
    };
    let texts = [
        (INITIATOR, initiator_p, &si, &v.initiator),
        (RESPONDER, responder_p, &sr, &v.responder),
    ]
    .map(|(side, p, site, changes)| (side, config(&**p, site, changes)));
    let mut configs = vec![];
    for (side, t) in texts {
        match t {
            Ok(t) => configs.push(t),
            Err(change) => return Ok(CellResult::NotExpressible { side, change }),
        }
    }
    let routers = [
        (
            INITIATOR,
            initiator_p.clone(),
            "initiator.conf",
            configs[0].as_str(),
        ),
        (
            RESPONDER,
            responder_p.clone(),
            "responder.conf",
            configs[1].as_str(),
        ),
    ];
    let nats = if v.behind_nat {
        vec![nat_spec()]
    } else {
        vec![]
    };
    let mut loaded = match load_routers_with_nats(&routers, nats) {
        Ok(l) => l,
        Err(e) => return Ok(CellResult::Failed(e.to_string())),
    };
    // The scenario of its summary.json and the title of its report.
    loaded.scenario.name = cell.id().to_string();
    // Only the initiator's LAN pings: the responder's traffic would make it initiate too.
    let from: Vec<String> = loaded
        .derived
        .iter()
        .flat_map(|d| &d.hosts)
        .filter(|(_, lan)| lan.router == INITIATOR)
        .map(|(h, _)| h.name.clone())
        .collect();
    loaded
        .scenario
        .steps
        .retain(|s| matches!(&s.action, Action::Ping { from: f, .. } if from.contains(f)));
    let mut built = match build(&loaded, Some(SEED)) {
        Ok(b) => b,
        Err(e) => return Ok(CellResult::Failed(e.to_string())),
    };
    built.lab.run();
    let result = built.result();
    if let Some(dir) = dir {
        let info = RunInfo::of(&loaded, Some(SEED), &result, Expect::default());
        crate::report::write(&built, &info, dir).map_err(|source| ArtefactError::Run {
            dir: dir.to_path_buf(),
            source,
        })?;
        crate::html::write(dir, PageOptions::default()).map_err(|source| {
            ArtefactError::Report {
                dir: dir.to_path_buf(),
                source,
            }
        })?;
    }
    Ok(CellResult::Ran(outcome(&result)))
}

/// What `run` showed.
fn outcome(run: &RunResult) -> Outcome {
    let side = |name: &str| run.routers.iter().find(|r| r.name == name);
    let up = |name: &str, p2: bool| {
        side(name).is_some_and(|r| {
            r.stack.borrow().events.iter().any(|e| match e.kind {
                EventKind::Phase2Established { .. } => p2,
                EventKind::Phase1Established { .. } => !p2,
                _ => false,
            })
        })
    };
    let line = |name: &str| side(name).and_then(|r| deciding_line(&r.stack.borrow()));
    let ping = run
        .pings
        .first()
        .map(|p| (p.sent, p.received))
        .unwrap_or((0, 0));
    let diagnosis = crate::diagnose::findings(run)
        .into_iter()
        .find(|f| f.resolved.is_none())
        .map(|f| {
            let kind = f.kind.name();
            let text = f.text.lines().next().unwrap_or_default().to_string();
            (kind, text)
        });
    Outcome {
        phase1: up(INITIATOR, false) || up(RESPONDER, false),
        phase2: up(INITIATOR, true) && up(RESPONDER, true),
        ping,
        initiator_line: line(INITIATOR),
        responder_line: line(RESPONDER),
        diagnosis,
    }
}

/// The line a router logged when it decided ([`crate::decision`]).
pub(in crate::matrix) fn deciding_line(s: &StackState) -> Option<String> {
    s.decision.deciding_line().map(str::to_string)
}
