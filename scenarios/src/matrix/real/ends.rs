//! The two ends of a `--netns` cell: each prepared from its device and the variant (a
//! simulated device's site config with its own fixes, or a daemon's settings), started in its
//! namespace, and stopped and judged, with what it leaves in the cell's folder.

use std::net::Ipv4Addr;
use std::path::Path;
use std::sync::Arc;

use ikelab_peers::personality::{Personality, RouterConfig, Site};
use ikelab_sim::netns::{Charon, Netns, Pluto};

use super::judge::{Verdict, judge};
use super::lab::{LAN, WAN};
use super::outcome::{Seen, sim_verdict};
use super::peer::{SimSide, options};
use super::settings::Settings;
use super::{RealPeer, libreswan, swanctl};
use crate::html::PageOptions;
use crate::matrix::cell::{ArtefactError, config};
use crate::matrix::grid::{Change, Device};
use crate::netns::PeerRun;

/// One end of a cell, prepared.
pub(super) enum End {
    /// A simulated device and its config's text.
    Sim {
        /// The device.
        personality: Arc<dyn Personality>,
        /// Its site config with the variant's changes.
        text: String,
    },
    /// A real daemon and what it is told.
    Real {
        /// The daemon.
        peer: RealPeer,
        /// Its settings for the variant.
        settings: Settings,
    },
}

/// What a simulated end leaves: its verdict, the line where it answered Quick Mode (see
/// [`Seen::answered`]), and whether its artefacts were written.
pub(super) type SimDone = (Verdict, Option<String>, Result<(), ArtefactError>);

/// One end, running.
pub(super) enum Running {
    /// A simulated device on its thread.
    Sim(SimSide<SimDone>),
    /// strongSwan's charon.
    StrongSwan(Charon),
    /// Libreswan's pluto.
    Libreswan(Pluto),
}

/// `device`'s end of a cell at `site` with `changes`; `Err` names the change it cannot make.
pub(super) fn prepare(device: &Device, site: &Site<'_>, changes: &[Change]) -> Result<End, String> {
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

/// The interfaces of a simulated device: its WAN interface (the one with the site's WAN
/// address) on `wan0`, and with `lan`, its LAN interface on `lan0`.
fn interfaces(
    parsed: &RouterConfig,
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

/// Starts one end in `ns`.
pub(super) fn start(
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

/// Stops one end and judges it; with `dir`, copies a daemon's config and log there.
pub(super) fn finish(
    r: Running,
    role: &str,
    name: &str,
    dir: Option<&Path>,
) -> Result<Seen, ArtefactError> {
    let keep = |from: &Path, files: &[(&str, String)]| -> Result<(), ArtefactError> {
        let Some(d) = dir else { return Ok(()) };
        for (file, to) in files {
            match std::fs::copy(from.join(file), d.join(to)) {
                // A daemon that stopped before it wrote its log has none to keep.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => {
                    return Err(ArtefactError::Files {
                        dir: d.to_path_buf(),
                        source,
                    });
                }
                Ok(_) => {}
            }
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
