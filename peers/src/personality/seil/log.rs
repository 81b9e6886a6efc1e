//! SEIL's log, as `show log` prints it in the vendor document:
//!
//! ```text
//! 98 Jan 5 07:27:06 info ike racoon: initiate new phase 1 negotiation: 172.16.0.1[500]<=>172.16.0.2[500]
//! 95 Jan 5 07:37:56 info system Security Association Database Initialized.
//! ```
//!
//! `<sequence number> <Mon D HH:MM:SS> <level> <facility> <message>`, the sequence number
//! counting every line of the router, the time from [`WallClock::syslog`].
//!
//! # Lines from the document
//!
//! | event | line |
//! |---|---|
//! | `Phase1Started` (initiator) | `initiate new phase 1 negotiation: L[500]<=>R[500]`, then `begin Identity Protection mode.` |
//! | `VendorIdReceived` | `received Vendor ID: DPD` |
//! | `NotifySent` INITIAL-CONTACT | `send INITIAL-CONTACT notification toR[500]` (no space, as printed) |
//! | `Phase1Established` | `ISAKMP-SA established L[500]-R[500] spi:<icookie>:<rcookie>` |
//! | `Phase2Delayed` | `delay phase2 start for 4 sec.` |
//! | `Phase2Started` (initiator) | `initiate new phase 2 negotiation: L<=>R spi:<icookie>:<rcookie>` |
//! | `NotifyReceived` | `received INVALID-ID-INFORMATION notification from R[500]` |
//! | `SaInstalled` | `IPsec-SA established: ESP/Transport S->D spi=<decimal>(0x<hex>)` |
//! | `DeleteSent` ESP | `send IPsec-SA delete information to R[500]` |
//! | `SadFlushed`, [`SystemEvent::SadInitialized`] | `info system Security Association Database Initialized.` |
//! | `SpdReloaded`, [`SystemEvent::SpdInitialized`] | `info system Security Policy Database Initialized.` |
//!
//! # Lines ikelab adds (not in the document)
//!
//! Taken from racoon's own format strings (KAME `isakmp.c`, `isakmp_quick.c`, `isakmp_inf.c`,
//! `pfkey.c`, `oakley.c`, `policy.c`; ipsec-tools where KAME has none) where one exists, or made
//! in the style of SEIL's own lines where the document shows a sibling:
//!
//! | event | line | source |
//! |---|---|---|
//! | `Phase1Started` (responder) | `respond new phase 1 negotiation: L[500]<=>R[500]`, `begin Identity Protection mode.` | racoon `isakmp_ph1begin_r` |
//! | `Phase2Started` (responder) | `respond new phase 2 negotiation: L<=>R spi:<icookie>:<rcookie>` | racoon `isakmp_ph2begin_r`, with SEIL's changes to the initiator line (no ports, `spi:`) |
//! | `NotifySent` (other than INITIAL-CONTACT, R-U-THERE, R-U-THERE-ACK) | `send NO-PROPOSAL-CHOSEN notification toR[500]` | SEIL's INITIAL-CONTACT line, same format |
//! | `NotifyReceived` (any but R-U-THERE, R-U-THERE-ACK), e.g. INITIAL-CONTACT | `received INITIAL-CONTACT notification from R[500]` | SEIL's INVALID-ID-INFORMATION line, same format |
//! | `DeleteSent` ISAKMP | `send ISAKMP-SA delete information to R[500]` | SEIL's IPsec-SA delete line |
//! | `DeleteReceived` ISAKMP | `purged ISAKMP-SA proto_id=ISAKMP spi=<icookie>:<rcookie>.` | racoon `isakmp_info_recv_d` |
//! | `SaDeleted` `DeleteReceived`, `InitialContact` | `purged IPsec-SA proto_id=ESP spi=<decimal>.` | racoon `purge_ipsec_spi` |
//! | `SaDeleted` `Expired` | `IPsec-SA expired: ESP/Transport S->D spi=<decimal>(0x<hex>)` | racoon `pk_recvexpire` |
//! | `PeerDead` | `DPD: remote (ISAKMP-SA spi=<icookie>:<rcookie>) seems to be dead.`, `purging ISAKMP-SA spi=...`, `purged ISAKMP-SA spi=...` | ipsec-tools `isakmp_info_send_r_u` (0.8 logs the first at info level), `purge_remote` |
//! | `Phase1Deleted` | `ISAKMP-SA deleted L[500]-R[500] spi:<icookie>:<rcookie>` | racoon `isakmp_ph1delete`; `L` is our endpoint of the latest phase 1 with that peer, as its start or establishment logged it |
//! | `Phase1Failed` timeout | `err ... phase1 negotiation failed due to time up.` | racoon `isakmp_ph1resend`; the event has no cookies, so racoon's trailing index is left out |
//! | `Phase1Failed` no proposal | `err ... no suitable proposal found.`, `err ... phase1 negotiation failed.` | racoon `get_ph1approval`, `isakmp_main` |
//! | `Phase1Failed` authentication | `err ... HASH mismatched`, `err ... phase1 negotiation failed.` | racoon `oakley_validate_auth`, `isakmp_main` |
//! | `Phase1Failed` other | `err ... phase1 negotiation failed.` | racoon `isakmp_main` |
//! | `Phase2Failed` timeout | `err ... phase2 negotiation failed due to time up. <icookie>:<rcookie>:<msgid>` | racoon `isakmp_ph2resend` (the message ID in full 8 hex digits; racoon's `ntohs()` truncation is not copied) |
//! | `Phase2Failed` other | `err ... phase2 negotiation failed.` | racoon `isakmp_main` |
//! | `ReturnedIdsMismatch` | `err ... mismatched IDci was returned.` (or `IDcr`) | ipsec-tools `quick_i2recv` |
//! | `NoPolicyForIds` | `err ... no policy found: 0.0.0.0/0[0] 0.0.0.0/0[0] proto=any dir=in` | racoon `get_proposal_r` with `spidx2str` (IDci as source) |
//! | `Dropped` retransmission | `notice ... the packet is retransmitted by R[500].` | racoon `isakmp_handler` |
//! | `Dropped` unknown peer | `err ... couldn't find configuration.` | racoon `isakmp_ph1begin_r` |
//! | `Dropped` invalid major version | `err ... invalid major version 2.` | racoon `isakmp_main` |
//! | `Dropped` phase-1 message ID | `err ... message id should be zero in phase1.` | racoon `isakmp_main` |
//! | `Dropped` several SAs | `err ... Multi SAs isn't supported.` | racoon `ident_r1recv` |
//! | `Dropped` DOI, situation, SPI, protocol | `err ... invalid DOI 2.`, `err ... situation 0xffffffff unsupported yet.`, `err ... invalid spi size 255.`, `err ... invalid proto_id 3.` | racoon `ipsecdoi_checkph1proposal` and its helpers (invented wording where racoon's is not at hand) |
//! | `Dropped` nonce length | `err ... invalid length of nonce: 7.` | invented (racoon takes any length) |
//! | `Dropped` half-open limit | `err ... too many negotiations in progress from R[500], packet dropped.` | invented (racoon has no such limit) |
//!
//! A refusal a sender can repeat at will (these, and unknown configuration) is logged once per
//! address and reason ([`crate::ike::refusals`]).
//!
//! Levels: racoon's LLV_INFO is printed `info` (as in the document); LLV_ERROR `err`, LLV_NOTIFY
//! `notice` are ikelab's assumption (syslog's names). Not rendered (racoon logs them at debug
//! level, or SEIL shows nothing in the document): packets sent and received, payloads, keys,
//! Acquire, Phase2Established, R-U-THERE and R-U-THERE-ACK, unknown Vendor IDs, other drops,
//! [`SystemEvent::ConfigApplied`].
//!
//! `SadFlushed`/`SpdReloaded` (engine events) and [`SystemEvent::SadInitialized`]/
//! [`SystemEvent::SpdInitialized`] print the same lines: a router should feed one or the other.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::net::{Ipv4Addr, SocketAddrV4};

use crate::ike::checks::Invalid;
use crate::ike::event::hex;
use crate::ike::{DeleteReason, DropReason, EncapMode, Event, EventKind, FailReason, QmId};
use crate::personality::{LogLine, LogRenderer, SystemEvent, WallClock};
use crate::time::Instant;
use crate::wire::{IdData, NotifyType, ProtocolId};

/// Remembered Quick Mode exchanges (for their cookies) and peers (for our endpoint), at most.
const MEMORY: usize = 1024;

/// Syslog levels SEIL prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Level {
    Info,
    Notice,
    Err,
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Notice => "notice",
            Level::Err => "err",
        }
    }
}

/// One SEIL router's log: the sequence number goes on across events.
#[derive(Clone, Debug)]
pub struct SeilLog {
    clock: WallClock,
    seq: u64,
    /// Our endpoint of the latest phase 1 with each peer.
    locals: Vec<(Ipv4Addr, SocketAddrV4)>,
    /// Message ID -> cookies of recent Quick Mode exchanges.
    ph2: VecDeque<(u32, [u8; 8], [u8; 8])>,
}

/// racoon's words for an RFC check that failed.
fn invalid(i: Invalid) -> String {
    match i {
        Invalid::MajorVersion(v) => format!("invalid major version {v}."),
        Invalid::FirstMessageId(_) => "message id should be zero in phase1.".into(),
        Invalid::SeveralSas(_) => "Multi SAs isn't supported.".into(),
        Invalid::Doi(d) => format!("invalid DOI {d}."),
        Invalid::Situation(s) => format!("situation 0x{s:08x} unsupported yet."),
        Invalid::Phase1SpiSize(n) => format!("invalid spi size {n}."),
        Invalid::Phase1Protocol(p) => format!("invalid proto_id {}.", p.0),
        Invalid::NonceLength(n) => format!("invalid length of nonce: {n}."),
    }
}

/// racoon's `saddr2str`: `a.b.c.d[port]`.
fn saddr(a: SocketAddrV4) -> String {
    format!("{}[{}]", a.ip(), a.port())
}

/// racoon's `isakmp_pindex` without a message ID.
fn pindex(ic: &[u8; 8], rc: &[u8; 8]) -> String {
    format!("{}:{}", hex(ic), hex(rc))
}

fn mode_str(m: EncapMode) -> &'static str {
    match m {
        EncapMode::Transport => "Transport",
        EncapMode::Tunnel => "Tunnel",
    }
}

/// racoon's `s_proto` for an upper-layer protocol (0 = any).
fn ul_proto(p: u8) -> String {
    match p {
        0 | 255 => "any".into(),
        1 => "icmp".into(),
        6 => "tcp".into(),
        17 => "udp".into(),
        58 => "icmp6".into(),
        n => n.to_string(),
    }
}

/// One side of racoon's `spidx2str`: `addr/prefix[port]`.
fn spidx_side(id: &QmId) -> String {
    let (a, len) = match &id.data {
        IdData::Ipv4Addr(a) => (a.to_string(), 32),
        IdData::Ipv4Subnet(a, m) => {
            let m = u32::from(*m);
            (a.to_string(), m.leading_ones())
        }
        IdData::Ipv6Addr(a) => (a.to_string(), 128),
        IdData::Ipv6Subnet(a, m) => (
            a.to_string(),
            m.octets().iter().map(|b| b.leading_ones()).sum(),
        ),
        other => (other.to_string(), 0),
    };
    format!("{a}/{len}[{}]", id.port)
}

/// A Vendor ID name that is really a hex dump (unknown to the engine): racoon logs those at debug.
fn is_hex_dump(name: &str) -> bool {
    name.len() >= 8 && name.len() % 2 == 0 && name.bytes().all(|b| b.is_ascii_hexdigit())
}

impl SeilLog {
    /// A log whose clock starts at `clock` and whose first line is numbered `first_seq` (the
    /// document's failing log starts at 98, its fixed one at 90).
    pub fn new(clock: WallClock, first_seq: u64) -> Self {
        SeilLog {
            clock,
            seq: first_seq,
            locals: Vec::new(),
            ph2: VecDeque::new(),
        }
    }

    /// The number the next line gets.
    pub fn next_seq(&self) -> u64 {
        self.seq
    }

    fn line(&mut self, at: Instant, level: Level, facility: &str, text: &str) -> LogLine {
        let mut s = String::with_capacity(48 + text.len());
        let _ = write!(
            s,
            "{} {} {} {facility} {text}",
            self.seq,
            self.clock.syslog(at),
            level.as_str()
        );
        self.seq += 1;
        LogLine { at, text: s }
    }

    fn ike(&mut self, out: &mut Vec<LogLine>, at: Instant, level: Level, text: &str) {
        let l = self.line(at, level, "ike", &format!("racoon: {text}"));
        out.push(l);
    }

    fn sys(&mut self, at: Instant, text: &str) -> LogLine {
        self.line(at, Level::Info, "system", text)
    }

    fn remember_local(&mut self, local: SocketAddrV4, remote: SocketAddrV4) {
        self.locals.retain(|(r, _)| r != remote.ip());
        if self.locals.len() >= MEMORY {
            self.locals.remove(0);
        }
        self.locals.push((*remote.ip(), local));
    }

    fn local_of(&self, remote: SocketAddrV4) -> Option<SocketAddrV4> {
        self.locals
            .iter()
            .rev()
            .find(|(r, _)| r == remote.ip())
            .map(|(_, l)| *l)
    }
}

impl LogRenderer for SeilLog {
    fn render(&mut self, event: &Event) -> Vec<LogLine> {
        let at = event.at;
        let mut out = Vec::new();
        match &event.kind {
            EventKind::Phase1Started {
                local,
                remote,
                exchange,
                initiator,
            } => {
                self.remember_local(*local, *remote);
                let verb = if *initiator { "initiate" } else { "respond" };
                let l = format!(
                    "{verb} new phase 1 negotiation: {}<=>{}",
                    saddr(*local),
                    saddr(*remote)
                );
                self.ike(&mut out, at, Level::Info, &l);
                self.ike(
                    &mut out,
                    at,
                    Level::Info,
                    &format!("begin {exchange} mode."),
                );
            }
            EventKind::VendorIdReceived { name, .. } if !is_hex_dump(name) => {
                self.ike(
                    &mut out,
                    at,
                    Level::Info,
                    &format!("received Vendor ID: {name}"),
                );
            }
            EventKind::NotifySent { to, kind, .. }
                if !matches!(*kind, NotifyType::R_U_THERE | NotifyType::R_U_THERE_ACK) =>
            {
                let l = format!("send {kind} notification to{}", saddr(*to));
                self.ike(&mut out, at, Level::Info, &l);
            }
            EventKind::NotifyReceived { from, kind, .. }
                if !matches!(*kind, NotifyType::R_U_THERE | NotifyType::R_U_THERE_ACK) =>
            {
                let l = format!("received {kind} notification from {}", saddr(*from));
                self.ike(&mut out, at, Level::Info, &l);
            }
            EventKind::Phase1Established {
                local,
                remote,
                icookie,
                rcookie,
                ..
            } => {
                self.remember_local(*local, *remote);
                let l = format!(
                    "ISAKMP-SA established {}-{} spi:{}",
                    saddr(*local),
                    saddr(*remote),
                    pindex(icookie, rcookie)
                );
                self.ike(&mut out, at, Level::Info, &l);
            }
            EventKind::Phase1Failed { reason, .. } => match reason {
                FailReason::Timeout => {
                    self.ike(
                        &mut out,
                        at,
                        Level::Err,
                        "phase1 negotiation failed due to time up.",
                    );
                }
                other => {
                    match other {
                        FailReason::NoProposalChosen => {
                            self.ike(&mut out, at, Level::Err, "no suitable proposal found.");
                        }
                        FailReason::AuthenticationFailed => {
                            self.ike(&mut out, at, Level::Err, "HASH mismatched");
                        }
                        _ => {}
                    }
                    self.ike(&mut out, at, Level::Err, "phase1 negotiation failed.");
                }
            },
            EventKind::Phase1Deleted {
                remote,
                icookie,
                rcookie,
                ..
            } => {
                let local = self
                    .local_of(*remote)
                    .map(|l| format!("{}-", saddr(l)))
                    .unwrap_or_default();
                let l = format!(
                    "ISAKMP-SA deleted {local}{} spi:{}",
                    saddr(*remote),
                    pindex(icookie, rcookie)
                );
                self.ike(&mut out, at, Level::Info, &l);
            }
            EventKind::PeerDead {
                icookie, rcookie, ..
            } => {
                let spi = pindex(icookie, rcookie);
                for l in [
                    format!("DPD: remote (ISAKMP-SA spi={spi}) seems to be dead."),
                    format!("purging ISAKMP-SA spi={spi}."),
                    format!("purged ISAKMP-SA spi={spi}."),
                ] {
                    self.ike(&mut out, at, Level::Info, &l);
                }
            }
            EventKind::Phase2Delayed { delay, .. } => {
                let l = format!("delay phase2 start for {} sec.", delay.as_secs());
                self.ike(&mut out, at, Level::Info, &l);
            }
            EventKind::Phase2Started {
                local,
                remote,
                icookie,
                rcookie,
                message_id,
                initiator,
            } => {
                self.ph2.retain(|(m, ..)| m != message_id);
                if self.ph2.len() >= MEMORY {
                    self.ph2.pop_front();
                }
                self.ph2.push_back((*message_id, *icookie, *rcookie));
                let verb = if *initiator { "initiate" } else { "respond" };
                let l = format!(
                    "{verb} new phase 2 negotiation: {}<=>{} spi:{}",
                    local.ip(),
                    remote.ip(),
                    pindex(icookie, rcookie)
                );
                self.ike(&mut out, at, Level::Info, &l);
            }
            EventKind::NoPolicyForIds {
                initiator_id,
                responder_id,
                ..
            } => {
                let p = if initiator_id.protocol != 0 {
                    initiator_id.protocol
                } else {
                    responder_id.protocol
                };
                let l = format!(
                    "no policy found: {} {} proto={} dir=in",
                    spidx_side(initiator_id),
                    spidx_side(responder_id),
                    ul_proto(p)
                );
                self.ike(&mut out, at, Level::Err, &l);
            }
            EventKind::ReturnedIdsMismatch { sent, received, .. } => {
                let which = if sent.0 != received.0 { "IDci" } else { "IDcr" };
                self.ike(
                    &mut out,
                    at,
                    Level::Err,
                    &format!("mismatched {which} was returned."),
                );
            }
            EventKind::Phase2Failed {
                message_id, reason, ..
            } => {
                if *reason == FailReason::Timeout {
                    let index = self
                        .ph2
                        .iter()
                        .find(|(m, ..)| m == message_id)
                        .map(|(m, ic, rc)| format!(" {}:{m:08x}", pindex(ic, rc)))
                        .unwrap_or_default();
                    let l = format!("phase2 negotiation failed due to time up.{index}");
                    self.ike(&mut out, at, Level::Err, &l);
                } else {
                    self.ike(&mut out, at, Level::Err, "phase2 negotiation failed.");
                }
            }
            EventKind::SaInstalled {
                spi,
                mode,
                src,
                dst,
                ..
            } => {
                let l = format!(
                    "IPsec-SA established: ESP/{} {src}->{dst} spi={spi}({spi:#x})",
                    mode_str(*mode)
                );
                self.ike(&mut out, at, Level::Info, &l);
            }
            EventKind::SaDeleted {
                spi,
                mode,
                src,
                dst,
                reason,
                ..
            } => match reason {
                DeleteReason::Expired => {
                    let l = format!(
                        "IPsec-SA expired: ESP/{} {src}->{dst} spi={spi}({spi:#x})",
                        mode_str(*mode)
                    );
                    self.ike(&mut out, at, Level::Info, &l);
                }
                DeleteReason::DeleteReceived | DeleteReason::InitialContact => {
                    let l = format!("purged IPsec-SA proto_id=ESP spi={spi}.");
                    self.ike(&mut out, at, Level::Info, &l);
                }
                DeleteReason::PeerDead | DeleteReason::Flushed | DeleteReason::Shutdown => {}
            },
            EventKind::DeleteSent { to, protocol, .. } => {
                let what = match *protocol {
                    ProtocolId::ESP => Some("IPsec-SA"),
                    ProtocolId::ISAKMP => Some("ISAKMP-SA"),
                    _ => None,
                };
                if let Some(what) = what {
                    let l = format!("send {what} delete information to {}", saddr(*to));
                    self.ike(&mut out, at, Level::Info, &l);
                }
            }
            EventKind::DeleteReceived { protocol, spis, .. } if *protocol == ProtocolId::ISAKMP => {
                for spi in spis {
                    let s = match <[u8; 16]>::try_from(spi.as_slice()) {
                        Ok(b) => {
                            let (ic, rc) = b.split_at(8);
                            format!("{}:{}", hex(ic), hex(rc))
                        }
                        Err(_) => hex(spi),
                    };
                    let l = format!("purged ISAKMP-SA proto_id=ISAKMP spi={s}.");
                    self.ike(&mut out, at, Level::Info, &l);
                }
            }
            EventKind::SadFlushed => {
                out.push(self.sys(at, "Security Association Database Initialized."));
            }
            EventKind::SpdReloaded => {
                out.push(self.sys(at, "Security Policy Database Initialized."));
            }
            EventKind::Dropped { from, reason } => match reason {
                DropReason::Retransmission => {
                    let l = format!("the packet is retransmitted by {}.", saddr(*from));
                    self.ike(&mut out, at, Level::Notice, &l);
                }
                DropReason::UnknownPeer => {
                    self.ike(&mut out, at, Level::Err, "couldn't find configuration.");
                }
                DropReason::Invalid(i) => {
                    self.ike(&mut out, at, Level::Err, &invalid(*i));
                }
                DropReason::HalfOpenLimit => {
                    let l = format!(
                        "too many negotiations in progress from {}, packet dropped.",
                        saddr(*from)
                    );
                    self.ike(&mut out, at, Level::Err, &l);
                }
                _ => {}
            },
            _ => {}
        }
        out
    }

    fn system(&mut self, at: Instant, what: SystemEvent) -> Vec<LogLine> {
        match what {
            SystemEvent::SadInitialized => {
                vec![self.sys(at, "Security Association Database Initialized.")]
            }
            SystemEvent::SpdInitialized => {
                vec![self.sys(at, "Security Policy Database Initialized.")]
            }
            SystemEvent::ConfigApplied => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn ev(secs: u64, kind: EventKind) -> Event {
        Event {
            at: Instant::from_nanos(secs * 1_000_000_000),
            kind,
        }
    }

    fn ep(last: u8) -> SocketAddrV4 {
        SocketAddrV4::new(Ipv4Addr::new(172, 16, 0, last), 500)
    }

    fn texts(log: &mut SeilLog, events: &[Event]) -> Vec<String> {
        events
            .iter()
            .flat_map(|e| log.render(e))
            .map(|l| l.text)
            .collect()
    }

    #[test]
    fn invented_lines() {
        let mut log = SeilLog::new(WallClock::DOCUMENT, 1);
        let (ic, rc) = ([0x11; 8], [0x22; 8]);
        let any = QmId {
            data: IdData::ipv4_prefix(Ipv4Addr::UNSPECIFIED, 0),
            protocol: 0,
            port: 0,
        };
        let host = QmId {
            data: IdData::Ipv4Addr(Ipv4Addr::new(172, 16, 0, 2)),
            protocol: 0,
            port: 0,
        };
        let got = texts(
            &mut log,
            &[
                ev(
                    0,
                    EventKind::Phase1Started {
                        local: ep(1),
                        remote: ep(2),
                        exchange: crate::wire::ExchangeType::IDENTITY_PROTECTION,
                        initiator: false,
                    },
                ),
                ev(
                    1,
                    EventKind::Phase2Started {
                        local: ep(1),
                        remote: ep(2),
                        icookie: ic,
                        rcookie: rc,
                        message_id: 0xdeadbeef,
                        initiator: true,
                    },
                ),
                ev(
                    61,
                    EventKind::Phase2Failed {
                        remote: ep(2),
                        message_id: 0xdeadbeef,
                        reason: FailReason::Timeout,
                    },
                ),
                ev(
                    62,
                    EventKind::NoPolicyForIds {
                        from: ep(2),
                        initiator_id: any.clone(),
                        responder_id: host.clone(),
                        expected: vec![],
                    },
                ),
                ev(
                    63,
                    EventKind::ReturnedIdsMismatch {
                        from: ep(2),
                        sent: (any.clone(), any.clone()),
                        received: (any.clone(), host),
                    },
                ),
                ev(
                    64,
                    EventKind::Phase1Deleted {
                        local: ep(1),
                        remote: ep(2),
                        icookie: ic,
                        rcookie: rc,
                        reason: DeleteReason::Expired,
                    },
                ),
                ev(
                    65,
                    EventKind::Phase1Failed {
                        remote: ep(2),
                        reason: FailReason::Timeout,
                    },
                ),
                ev(
                    66,
                    EventKind::Phase2Delayed {
                        remote: ep(2),
                        delay: Duration::from_secs(4),
                    },
                ),
                ev(
                    67,
                    EventKind::VendorIdReceived {
                        from: ep(2),
                        name: "0123456789abcdef".into(),
                    },
                ),
            ],
        );
        assert_eq!(
            got,
            [
                "1 Jan 5 07:27:06 info ike racoon: respond new phase 1 negotiation: 172.16.0.1[500]<=>172.16.0.2[500]",
                "2 Jan 5 07:27:06 info ike racoon: begin Identity Protection mode.",
                "3 Jan 5 07:27:07 info ike racoon: initiate new phase 2 negotiation: 172.16.0.1<=>172.16.0.2 spi:1111111111111111:2222222222222222",
                "4 Jan 5 07:28:07 err ike racoon: phase2 negotiation failed due to time up. 1111111111111111:2222222222222222:deadbeef",
                "5 Jan 5 07:28:08 err ike racoon: no policy found: 0.0.0.0/0[0] 172.16.0.2/32[0] proto=any dir=in",
                "6 Jan 5 07:28:09 err ike racoon: mismatched IDcr was returned.",
                "7 Jan 5 07:28:10 info ike racoon: ISAKMP-SA deleted 172.16.0.1[500]-172.16.0.2[500] spi:1111111111111111:2222222222222222",
                "8 Jan 5 07:28:11 err ike racoon: phase1 negotiation failed due to time up.",
                "9 Jan 5 07:28:12 info ike racoon: delay phase2 start for 4 sec.",
            ]
        );
        assert_eq!(log.next_seq(), 10);
    }

    #[test]
    fn expiry_and_purge() {
        let mut log = SeilLog::new(WallClock::DOCUMENT, 1);
        let install = |spi, direction| {
            ev(
                0,
                EventKind::SaInstalled {
                    spi,
                    direction,
                    mode: EncapMode::Transport,
                    src: Ipv4Addr::new(172, 16, 0, 2),
                    dst: Ipv4Addr::new(172, 16, 0, 1),
                    ids: (
                        Selector::host(Ipv4Addr::new(172, 16, 0, 1)).to_id(),
                        Selector::host(Ipv4Addr::new(172, 16, 0, 2)).to_id(),
                    ),
                },
            )
        };
        use crate::ike::{Direction, Selector};
        let got = texts(
            &mut log,
            &[
                install(0x100, Direction::Inbound),
                ev(
                    300,
                    EventKind::SaDeleted {
                        spi: 0x100,
                        direction: Direction::Inbound,
                        mode: EncapMode::Transport,
                        src: Ipv4Addr::new(172, 16, 0, 2),
                        dst: Ipv4Addr::new(172, 16, 0, 1),
                        reason: DeleteReason::Expired,
                    },
                ),
                ev(
                    301,
                    EventKind::SaDeleted {
                        spi: 0x200,
                        direction: Direction::Outbound,
                        mode: EncapMode::Transport,
                        src: Ipv4Addr::new(172, 16, 0, 1),
                        dst: Ipv4Addr::new(172, 16, 0, 2),
                        reason: DeleteReason::DeleteReceived,
                    },
                ),
                ev(
                    302,
                    EventKind::SaDeleted {
                        spi: 0x300,
                        direction: Direction::Outbound,
                        mode: EncapMode::Transport,
                        src: Ipv4Addr::new(172, 16, 0, 1),
                        dst: Ipv4Addr::new(172, 16, 0, 2),
                        reason: DeleteReason::Flushed,
                    },
                ),
            ],
        );
        assert_eq!(
            got,
            [
                "1 Jan 5 07:27:06 info ike racoon: IPsec-SA established: ESP/Transport 172.16.0.2->172.16.0.1 spi=256(0x100)",
                "2 Jan 5 07:32:06 info ike racoon: IPsec-SA expired: ESP/Transport 172.16.0.2->172.16.0.1 spi=256(0x100)",
                "3 Jan 5 07:32:07 info ike racoon: purged IPsec-SA proto_id=ESP spi=512.",
            ]
        );
    }
}
