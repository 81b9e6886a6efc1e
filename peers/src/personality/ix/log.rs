//! IX log lines (`IKE.0xx: ...`) from engine events, in the document's format.
//!
//! # Lines from the document
//!
//! | event | line |
//! |---|---|
//! | `PacketReceived` | `IKE.006: Receive packet from 172.16.0.1, length 172` |
//! | `PacketSent` | `IKE.005: Send packet to 172.16.0.1, length 156` |
//! | `Phase2Started` | `IKE.001: Begin IKE phase 2 negotiation, destination 172.16.0.1` |
//! | `PayloadReceived` (Quick Mode, debug) | `IKE.045: Receive payload, type 8:HASH, length 24` |
//! | `NoPolicyForIds` | `IKE.043: IPsec configuration not found` |
//! | `NotifySent` | `IKE.007: Send notification data to 172.16.0.1, type 18:INVALID-ID-INFORMATION, protocol ISAKMP` |
//! | `NotifyReceived` | `IKE.009: Receive notification data from 172.16.0.1, type 24578:INITIAL-CONTACT, protocol ISAKMP` |
//! | `Phase1Established` | `IKE.002: Finish IKE phase 1 negotiation, destination 172.16.0.1` |
//! | `Phase2Established` | `IKE.002: Finish IKE phase 2 negotiation, destination 172.16.0.1` |
//! | `DeleteReceived` | `IKE.014: Receive delete information, protocol ESP, SPI 0xe8d969c` (one line per SPI) |
//! | `DeleteSent` | `IKE.012: Send delete information, protocol ESP, SPI 0xaee1cb05` (one line per SPI) |
//!
//! The order is the engine's event order, which is the document's: `IKE.006` first for every
//! packet, then `IKE.001` for a Quick Mode that starts, then its `IKE.045` lines, then what the
//! message causes (`IKE.043` + `IKE.007`, or our answer's `IKE.005`, or `IKE.002`); a Delete
//! gives `IKE.014`, then our answering `IKE.012` and its `IKE.005`.
//!
//! # Which events log, and choices
//!
//! - **Every packet** sent and received logs `IKE.005`/`IKE.006`, Main Mode and retransmissions
//!   included. The document shows `IKE.005` for QM2 and for the Delete IX sends, and `IKE.006` for
//!   every packet it receives; its excerpts are windows cut at arbitrary points (the after-fix
//!   excerpt starts with the `IKE.009` of a packet whose `IKE.006` is cut off), so the before-fix
//!   excerpt ending at `IKE.007` is read as cut just before that notification's `IKE.005`.
//!   Main Mode happens outside both excerpts, so nothing there contradicts logging it.
//! - **`IKE.045` only for Quick Mode**, and only with `logging subsystem ike debug`: the document
//!   logs none for the Informationals it receives (the 92-byte INITIAL-CONTACT gets `IKE.006` then
//!   `IKE.009`; the 76-byte Delete `IKE.006` then `IKE.014`). Every other line is logged at any
//!   level; which lines IX drops below debug is not known.
//! - **Silent**: ISAKMP and IPsec SAs being removed (`Phase1Deleted`, `SaDeleted`: the document
//!   has none after `IKE.009` INITIAL-CONTACT or after `IKE.014`), SAs installed, keys, ACQUIRE,
//!   SAD/SPD reloads (those are SEIL's system messages), [`LogRenderer::system`] events, and any
//!   event kind added to the engine later.
//! - **SPIs** print as lower-case hex without leading zeros (`0xe8d969c`); an ISAKMP Delete's
//!   16-byte SPI (the cookies) prints the same way.
//! - **No timestamp** by default, as in the document; `logging timestamp datetime` turns on a
//!   `YYYY/MM/DD hh:mm:ss ` prefix (the date and time format is not from the document).
//!
//! # Invented lines
//!
//! Not in the document; invented in the same style. `IKE.001`/`IKE.002` for phase 1 reuse the
//! document's phase-2 text; the new numbers (`IKE.090`-`IKE.096`) are chosen far from the
//! document's so that they cannot be mistaken for real IX message numbers.
//!
//! | event | line |
//! |---|---|
//! | `Phase1Started` | `IKE.001: Begin IKE phase 1 negotiation, destination 172.16.0.1` |
//! | `Phase1Failed` | `IKE.090: Abort IKE phase 1 negotiation, destination 172.16.0.1, no response` |
//! | `Phase2Failed` | `IKE.090: Abort IKE phase 2 negotiation, destination 172.16.0.1, ID mismatch` |
//! | `Dropped` | `IKE.092: Discard packet from 172.16.0.1, hash mismatch` |
//! | `VendorIdReceived` (debug) | `IKE.093: Receive vendor ID from 172.16.0.1, DPD` |
//! | `ReturnedIdsMismatch` | `IKE.094: Mismatched IDs returned from 172.16.0.1, sent 172.16.0.2 172.16.0.1, received 0.0.0.0/0 0.0.0.0/0` |
//! | `Phase2Delayed` | `IKE.095: Delay IKE phase 2 negotiation, destination 172.16.0.1, 4 seconds` |
//! | `PeerDead` | `IKE.096: Keepalive timeout, destination 172.16.0.1, clear IKE and IPsec SAs` |
//!
//! Failure reasons: `no response`, `no proposal chosen`, `authentication failed`, `ID mismatch`,
//! `notification 14:NO-PROPOSAL-CHOSEN received`, `malformed message`, `SA flushed`. Discard
//! reasons: `malformed packet`, `unknown cookies`, `decryption failed`, `hash mismatch`,
//! `unexpected message`, `retransmission`, `unknown peer`, `too many negotiations in progress`,
//! and the RFC checks' own words (`invalid major version 2`, `a nonce of 7 bytes (8 to 256
//! allowed)`, ...: [`crate::ike::checks::Invalid`]); one a sender can repeat at will is logged
//! once per address and reason. R-U-THERE and its ACK use the
//! document's `IKE.007`/`IKE.009` with their types (`36136:R-U-THERE`).

use std::net::SocketAddrV4;

use crate::ike::event::{DropReason, Event, EventKind, FailReason};
use crate::personality::{LogLine, LogRenderer, SystemEvent, WallClock};
use crate::time::Instant;
use crate::wire::{ExchangeType, NotifyType, PayloadType, ProtocolId};

use super::config::{IxConfig, IxLogging};

/// The date a timestamp prefix starts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IxTimestamp {
    /// The date and time at the start of the run.
    pub clock: WallClock,
}

/// What the renderer prints.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IxLogOptions {
    /// `logging subsystem ike debug`: add the debug lines (`IKE.045` payloads).
    pub debug: bool,
    /// `logging timestamp datetime`: prefix each line with `YYYY/MM/DD hh:mm:ss `.
    pub timestamp: Option<IxTimestamp>,
}

impl IxLogOptions {
    /// The options a config's `logging` commands set; `start` dates the timestamps, if on.
    pub fn from_logging(logging: &IxLogging, start: IxTimestamp) -> Self {
        Self {
            debug: logging.ike_debug(),
            timestamp: logging.timestamp.then_some(start),
        }
    }
}

/// The IX log renderer.
#[derive(Clone, Debug, Default)]
pub struct IxLog {
    opts: IxLogOptions,
}

fn ip(a: &SocketAddrV4) -> String {
    a.ip().to_string()
}

fn notify(kind: NotifyType) -> String {
    format!("{}:{}", kind.0, kind.name().unwrap_or("UNKNOWN"))
}

fn protocol(p: ProtocolId) -> String {
    p.to_string()
}

fn payload(kind: PayloadType) -> String {
    format!("{}:{}", kind.0, kind.name().unwrap_or("UNKNOWN"))
}

/// An SPI as IX prints it: hex without leading zeros.
fn spi(b: &[u8]) -> String {
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    let trimmed = hex.trim_start_matches('0');
    format!("0x{}", if trimmed.is_empty() { "0" } else { trimmed })
}

fn fail_reason(r: &FailReason) -> String {
    match r {
        FailReason::Timeout => "no response".into(),
        FailReason::NoProposalChosen => "no proposal chosen".into(),
        FailReason::AuthenticationFailed => "authentication failed".into(),
        FailReason::IdMismatch => "ID mismatch".into(),
        FailReason::Notified(n) => format!("notification {} received", notify(*n)),
        FailReason::Malformed(_) => "malformed message".into(),
        FailReason::Flushed => "SA flushed".into(),
    }
}

fn drop_reason(r: &DropReason) -> String {
    let s = match r {
        DropReason::Malformed(_) => "malformed packet",
        DropReason::UnknownCookies => "unknown cookies",
        DropReason::DecryptFailed => "decryption failed",
        DropReason::BadHash => "hash mismatch",
        DropReason::Unexpected(_) => "unexpected message",
        DropReason::Retransmission => "retransmission",
        DropReason::FirstMessageAgain => "first message again",
        DropReason::Stopped => "stopped",
        DropReason::UnknownPeer => "unknown peer",
        DropReason::Invalid(i) => return i.to_string(),
        DropReason::HalfOpenLimit => "too many negotiations in progress",
    };
    s.to_string()
}

impl IxLog {
    /// A renderer with `opts`.
    pub fn new(opts: IxLogOptions) -> Self {
        Self { opts }
    }

    /// A renderer as a config's `logging` commands set it up.
    pub fn for_config(config: &IxConfig, start: IxTimestamp) -> Self {
        Self::new(IxLogOptions::from_logging(&config.logging, start))
    }

    /// The options.
    pub fn options(&self) -> IxLogOptions {
        self.opts
    }

    /// The lines for an event, without timestamps.
    pub fn texts(&self, kind: &EventKind) -> Vec<String> {
        let debug = self.opts.debug;
        let one = |s: String| vec![s];
        match kind {
            EventKind::PacketReceived { from, len } => one(format!(
                "IKE.006: Receive packet from {}, length {len}",
                ip(from)
            )),
            EventKind::PacketSent { to, len, .. } => {
                one(format!("IKE.005: Send packet to {}, length {len}", ip(to)))
            }
            EventKind::PayloadReceived {
                exchange,
                kind,
                len,
                ..
            } if debug && *exchange == ExchangeType::QUICK_MODE => one(format!(
                "IKE.045: Receive payload, type {}, length {len}",
                payload(*kind)
            )),
            EventKind::Phase1Started { remote, .. } => one(format!(
                "IKE.001: Begin IKE phase 1 negotiation, destination {}",
                ip(remote)
            )),
            EventKind::Phase1Established { remote, .. } => one(format!(
                "IKE.002: Finish IKE phase 1 negotiation, destination {}",
                ip(remote)
            )),
            EventKind::Phase1Failed { remote, reason } => one(format!(
                "IKE.090: Abort IKE phase 1 negotiation, destination {}, {}",
                ip(remote),
                fail_reason(reason)
            )),
            EventKind::Phase2Started { remote, .. } => one(format!(
                "IKE.001: Begin IKE phase 2 negotiation, destination {}",
                ip(remote)
            )),
            EventKind::Phase2Established { remote, .. } => one(format!(
                "IKE.002: Finish IKE phase 2 negotiation, destination {}",
                ip(remote)
            )),
            EventKind::Phase2Failed { remote, reason, .. } => one(format!(
                "IKE.090: Abort IKE phase 2 negotiation, destination {}, {}",
                ip(remote),
                fail_reason(reason)
            )),
            EventKind::Phase2Delayed { remote, delay } => one(format!(
                "IKE.095: Delay IKE phase 2 negotiation, destination {}, {} seconds",
                ip(remote),
                delay.as_secs()
            )),
            EventKind::NoPolicyForIds { .. } => {
                one("IKE.043: IPsec configuration not found".into())
            }
            EventKind::PeerDead { remote, .. } => one(format!(
                "IKE.096: Keepalive timeout, destination {}, clear IKE and IPsec SAs",
                ip(remote)
            )),
            EventKind::NotifySent {
                to,
                kind,
                protocol: p,
            } => one(format!(
                "IKE.007: Send notification data to {}, type {}, protocol {}",
                ip(to),
                notify(*kind),
                protocol(*p)
            )),
            EventKind::NotifyReceived {
                from,
                kind,
                protocol: p,
                ..
            } => one(format!(
                "IKE.009: Receive notification data from {}, type {}, protocol {}",
                ip(from),
                notify(*kind),
                protocol(*p)
            )),
            EventKind::DeleteReceived {
                protocol: p, spis, ..
            } => spis
                .iter()
                .map(|s| {
                    format!(
                        "IKE.014: Receive delete information, protocol {}, SPI {}",
                        protocol(*p),
                        spi(s)
                    )
                })
                .collect(),
            EventKind::DeleteSent {
                protocol: p, spis, ..
            } => spis
                .iter()
                .map(|s| {
                    format!(
                        "IKE.012: Send delete information, protocol {}, SPI {}",
                        protocol(*p),
                        spi(s)
                    )
                })
                .collect(),
            EventKind::Dropped { from, reason } => one(format!(
                "IKE.092: Discard packet from {}, {}",
                ip(from),
                drop_reason(reason)
            )),
            EventKind::VendorIdReceived { from, name } if debug => one(format!(
                "IKE.093: Receive vendor ID from {}, {name}",
                ip(from)
            )),
            EventKind::ReturnedIdsMismatch {
                from,
                sent,
                received,
            } => one(format!(
                "IKE.094: Mismatched IDs returned from {}, sent {} {}, received {} {}",
                ip(from),
                sent.0,
                sent.1,
                received.0,
                received.1
            )),
            _ => vec![],
        }
    }

    fn stamp(&self, at: Instant, text: String) -> String {
        match self.opts.timestamp {
            None => text,
            Some(t) => {
                let (y, mo, d, h, mi, s) = t.clock.date_at(at);
                format!("{y:04}/{mo:02}/{d:02} {h:02}:{mi:02}:{s:02} {text}")
            }
        }
    }
}

impl LogRenderer for IxLog {
    fn render(&mut self, event: &Event) -> Vec<LogLine> {
        self.texts(&event.kind)
            .into_iter()
            .map(|t| LogLine {
                at: event.at,
                text: self.stamp(event.at, t),
            })
            .collect()
    }

    /// IX logs nothing for these (SEIL's "Security Association Database Initialized." and the
    /// like are SEIL's own).
    fn system(&mut self, _at: Instant, _what: SystemEvent) -> Vec<LogLine> {
        vec![]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spis_print_without_padding() {
        assert_eq!(spi(&0x0e8d_969c_u32.to_be_bytes()), "0xe8d969c");
        assert_eq!(spi(&0xaee1_cb05_u32.to_be_bytes()), "0xaee1cb05");
        assert_eq!(spi(&[0, 0, 0, 0]), "0x0");
        assert_eq!(spi(&[]), "0x0");
    }

    #[test]
    fn timestamps_are_optional() {
        let ev = Event {
            at: Instant::from_nanos(5_000_000_000),
            kind: EventKind::NoPolicyForIds {
                from: "172.16.0.1:500".parse().unwrap(),
                initiator_id: crate::ike::Selector::ANY.to_id(),
                responder_id: crate::ike::Selector::ANY.to_id(),
                expected: vec![],
            },
        };
        let mut plain = IxLog::default();
        assert_eq!(
            plain.render(&ev)[0].text,
            "IKE.043: IPsec configuration not found"
        );
        let mut stamped = IxLog::new(IxLogOptions {
            debug: false,
            timestamp: Some(IxTimestamp {
                clock: WallClock::DOCUMENT.in_year(2011),
            }),
        });
        assert_eq!(
            stamped.render(&ev)[0].text,
            "2011/01/05 07:27:11 IKE.043: IPsec configuration not found"
        );
    }
}
