//! RTX syslog lines (`[IKE] ...`, `IP Tunnel[N] Up`) from engine events.
//!
//! # Lines from the sources
//!
//! A user's RTX1100 log, as the facts gathered for this personality quote it:
//!
//! | event | line |
//! |---|---|
//! | `Phase1Started` (initiator) | `[IKE] initiate ISAKMP phase to 203.0.113.2 (local address 203.0.113.1)` |
//! | `Phase1Started` (responder) | `[IKE] respond ISAKMP phase to 203.0.113.1` |
//! | `Phase2Started` (initiator) | `[IKE] initiate IPsec phase to 203.0.113.2` |
//! | `Phase2Started` (responder) | `[IKE] respond IPsec phase to 203.0.113.1` |
//! | `Phase2Established`, the tunnel's first SA pair | `IP Tunnel[1] Up` |
//!
//! Chapter 15 of the command reference names the anti-replay lines (`[IPSEC] sequence number is
//! wrong`), which belong to the data path and are not produced here.
//!
//! # Which events log, and choices
//!
//! - **No timestamp**: the quoted lines have none (`show log` adds its own).
//! - `IP Tunnel[N] Up` once per tunnel while it holds SAs: a rekey does not repeat it. The tunnel
//!   is the one whose gateway has the peer's address (else the first with `remote address any`).
//! - Detail (payloads, keys, keepalives) needs `syslog debug on` and `ipsec ike log ...`, which
//!   this simulation does not model: nothing is logged for packets, payloads, Vendor IDs,
//!   R-U-THERE and its ACK, keys, ACQUIRE, or [`LogRenderer::system`] events.
//!
//! # Invented lines
//!
//! The sources quote no failure lines ("not found: failure log lines"); these are invented in
//! the same style:
//!
//! | event | line |
//! |---|---|
//! | last inbound SA of an up tunnel deleted | `IP Tunnel[1] Down` |
//! | `Phase1Failed` | `[IKE] ISAKMP phase to 203.0.113.2 failed: no response` |
//! | `Phase2Failed` | `[IKE] IPsec phase to 203.0.113.2 failed: ID mismatch` |
//! | `NoPolicyForIds` | `[IKE] no IPsec policy for ID 192.168.0.0/24 192.168.1.0/24 from 203.0.113.2` |
//! | `NotifySent` | `[IKE] send notify INVALID-ID-INFORMATION to 203.0.113.2` |
//! | `NotifyReceived` | `[IKE] receive notify INVALID-ID-INFORMATION from 203.0.113.2` |
//! | `ReturnedIdsMismatch` | `[IKE] IDs returned by 203.0.113.2 differ: sent A B, received C D` |
//! | `PeerDead` | `[IKE] keepalive: 203.0.113.2 is down` |
//! | `Dropped` (decryption failed, hash mismatch) | `[IKE] discard packet from 203.0.113.2: hash mismatch` |
//!
//! Failure reasons: `no response`, `no proposal chosen`, `authentication failed`, `ID mismatch`,
//! `notify NO-PROPOSAL-CHOSEN received`, `malformed message`, `SA flushed`.

use std::collections::{HashMap, HashSet};
use std::net::{Ipv4Addr, SocketAddrV4};

use crate::ike::event::{Direction, DropReason, Event, EventKind, FailReason};
use crate::personality::{LogLine, LogRenderer, SystemEvent};
use crate::time::Instant;
use crate::wire::NotifyType;

/// The RTX log renderer.
#[derive(Clone, Debug, Default)]
pub struct RtxLog {
    /// Tunnel numbers with their peer's address (`None`: any).
    tunnels: Vec<(u32, Option<Ipv4Addr>)>,
    /// Inbound SAs alive per peer.
    live: HashMap<Ipv4Addr, usize>,
    /// Peers whose tunnel is logged up.
    up: HashSet<Ipv4Addr>,
}

fn notify(n: NotifyType) -> String {
    n.name().map_or_else(|| n.0.to_string(), str::to_string)
}

fn fail_reason(r: &FailReason) -> String {
    match r {
        FailReason::Timeout => "no response".into(),
        FailReason::NoProposalChosen => "no proposal chosen".into(),
        FailReason::AuthenticationFailed => "authentication failed".into(),
        FailReason::IdMismatch => "ID mismatch".into(),
        FailReason::Notified(n) => format!("notify {} received", notify(*n)),
        FailReason::Malformed(_) => "malformed message".into(),
        FailReason::Flushed => "SA flushed".into(),
    }
}

fn ip(a: &SocketAddrV4) -> Ipv4Addr {
    *a.ip()
}

impl RtxLog {
    /// A renderer for a config whose tunnels are `tunnels` (number, peer address).
    pub fn new(tunnels: Vec<(u32, Option<Ipv4Addr>)>) -> Self {
        RtxLog {
            tunnels,
            ..RtxLog::default()
        }
    }

    /// The tunnel number for a peer.
    fn tunnel(&self, peer: Ipv4Addr) -> Option<u32> {
        self.tunnels
            .iter()
            .find(|t| t.1 == Some(peer))
            .or_else(|| self.tunnels.iter().find(|t| t.1.is_none()))
            .map(|t| t.0)
    }

    /// The lines for an event.
    pub fn texts(&mut self, kind: &EventKind) -> Vec<String> {
        let one = |s: String| vec![s];
        match kind {
            EventKind::Phase1Started {
                local,
                remote,
                initiator: true,
                ..
            } => one(format!(
                "[IKE] initiate ISAKMP phase to {} (local address {})",
                ip(remote),
                ip(local)
            )),
            EventKind::Phase1Started { remote, .. } => {
                one(format!("[IKE] respond ISAKMP phase to {}", ip(remote)))
            }
            EventKind::Phase2Started {
                remote,
                initiator: true,
                ..
            } => one(format!("[IKE] initiate IPsec phase to {}", ip(remote))),
            EventKind::Phase2Started { remote, .. } => {
                one(format!("[IKE] respond IPsec phase to {}", ip(remote)))
            }
            EventKind::SaInstalled {
                direction: Direction::Inbound,
                src,
                ..
            } => {
                *self.live.entry(*src).or_default() += 1;
                vec![]
            }
            EventKind::Phase2Established { remote, .. } => {
                let peer = ip(remote);
                match self.tunnel(peer) {
                    Some(n) if self.up.insert(peer) => one(format!("IP Tunnel[{n}] Up")),
                    _ => vec![],
                }
            }
            EventKind::SaDeleted {
                direction: Direction::Inbound,
                src,
                ..
            } => {
                let left = self.live.get_mut(src).map(|n| {
                    *n = n.saturating_sub(1);
                    *n
                });
                match (left, self.tunnel(*src)) {
                    (Some(0), Some(n)) if self.up.remove(src) => {
                        one(format!("IP Tunnel[{n}] Down"))
                    }
                    _ => vec![],
                }
            }
            EventKind::Phase1Failed { remote, reason } => one(format!(
                "[IKE] ISAKMP phase to {} failed: {}",
                ip(remote),
                fail_reason(reason)
            )),
            EventKind::Phase2Failed { remote, reason, .. } => one(format!(
                "[IKE] IPsec phase to {} failed: {}",
                ip(remote),
                fail_reason(reason)
            )),
            EventKind::NoPolicyForIds {
                from,
                initiator_id,
                responder_id,
                ..
            } => one(format!(
                "[IKE] no IPsec policy for ID {initiator_id} {responder_id} from {}",
                ip(from)
            )),
            EventKind::NotifySent { to, kind, .. } if !is_dpd(*kind) => {
                one(format!("[IKE] send notify {} to {}", notify(*kind), ip(to)))
            }
            EventKind::NotifyReceived { from, kind, .. } if !is_dpd(*kind) => one(format!(
                "[IKE] receive notify {} from {}",
                notify(*kind),
                ip(from)
            )),
            EventKind::ReturnedIdsMismatch {
                from,
                sent,
                received,
            } => one(format!(
                "[IKE] IDs returned by {} differ: sent {} {}, received {} {}",
                ip(from),
                sent.0,
                sent.1,
                received.0,
                received.1
            )),
            EventKind::PeerDead { remote, .. } => {
                one(format!("[IKE] keepalive: {} is down", ip(remote)))
            }
            EventKind::Dropped {
                from,
                reason: reason @ (DropReason::DecryptFailed | DropReason::BadHash),
            } => {
                let why = match reason {
                    DropReason::DecryptFailed => "decryption failed",
                    _ => "hash mismatch",
                };
                one(format!("[IKE] discard packet from {}: {why}", ip(from)))
            }
            _ => vec![],
        }
    }
}

/// R-U-THERE and its ACK: keepalive traffic, logged only at debug level on the RTX.
fn is_dpd(n: NotifyType) -> bool {
    n == NotifyType::R_U_THERE || n == NotifyType::R_U_THERE_ACK
}

impl LogRenderer for RtxLog {
    fn render(&mut self, event: &Event) -> Vec<LogLine> {
        self.texts(&event.kind)
            .into_iter()
            .map(|text| LogLine { at: event.at, text })
            .collect()
    }

    /// The RTX's system messages for these are not known; nothing is logged.
    fn system(&mut self, _at: Instant, _what: SystemEvent) -> Vec<LogLine> {
        vec![]
    }
}
