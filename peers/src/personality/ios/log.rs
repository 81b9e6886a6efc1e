//! IOS's `debug crypto isakmp` and `debug crypto ipsec` output from engine events, so that a
//! lab's IOS log reads like the debug a user pastes into a forum thread.
//!
//! Each line starts with the time as `service timestamps debug datetime msec` prints it
//! (`Jan  5 07:27:06.000: `, the day padded to two places, no `*`: the clock is set), except the
//! continuation lines of a multi-line `IPSEC(...)` message, which IOS prints indented and
//! without a time.
//!
//! **Connection IDs.** Every ISAKMP SA gets the next connection ID, from 1001 on, as IOS counts
//! them (`ISAKMP:(1001)`, `ISAKMP:(1002)`...). IOS 12.4 prints `(0)` until the SA has keys;
//! here the ID is given when the SA's first line is printed, as the reference quotes
//! `ISAKMP:(1001):atts are acceptable. Next payload is 0` for phase 1. Later lines about a peer
//! use the ID of its latest ISAKMP SA.
//!
//! **Message IDs** print as IOS prints them, as signed 32-bit numbers (`M-ID of -1294736234`).
//!
//! # Lines from the sources (`personalities.md`, its quotes of users' debug logs and pfSense's,
//! Cisco's appendix "Sample Problem Scenarios")
//!
//! | event | line |
//! |---|---|
//! | phase-1 proposal accepted | `ISAKMP:(1001):atts are acceptable. Next payload is 0` |
//! | phase-1 proposal refused (`NotifySent` NO-PROPOSAL-CHOSEN, protocol ISAKMP) | `ISAKMP:(1001):Encryption algorithm offered does not match policy!` (see below) |
//! | `Phase1Established` | `ISAKMP:(1001):Old State = IKE_I_MM6  New State = IKE_P1_COMPLETE` (`IKE_R_MM5` as responder) |
//! | `Acquire` | `IPSEC(sa_request): ,` and its block: `src= `, `src_proxy= 192.168.1.0/255.255.255.0/0/0 (type=4),`, `protocol= ESP, transform= esp-aes esp-sha-hmac ,`, `lifedur= 3600s and 4608000kb,` |
//! | `NoPolicyForIds` | `IPSEC(validate_proposal_request): proposal part #1` (with the received proxies), `IPSEC(ipsec_process_proposal): proxy identities not supported`, `ISAKMP:(1001): IPSec policy invalidated proposal with error 32`, `ISAKMP:(1001): phase 2 SA policy not acceptable! (local A remote B)` |
//! | `NotifySent` NO-PROPOSAL-CHOSEN, ESP, without `NoPolicyForIds` (a transform or PFS mismatch) | `ISAKMP:(1001): IPSec policy invalidated proposal with error 256`, then the `phase 2 SA policy not acceptable!` line |
//! | `NotifySent` | `ISAKMP:(1001):Sending NOTIFY PROPOSAL_NOT_CHOSEN protocol 3` |
//! | `NotifyReceived` | `ISAKMP:(1001): processing NOTIFY PROPOSAL_NOT_CHOSEN protocol 3`; for PROPOSAL_NOT_CHOSEN also `ISAKMP:(1001):peer does not do paranoid keepalives.` |
//! | `Phase2Failed` of our Quick Mode, aborted by a notify | `ISAKMP:(1001):deleting node -1294736234 error TRUE reason "Delete Larval"` |
//! | `Phase2Established` | `... New State = IKE_QM_PHASE2_COMPLETE`, after `QM_IDLE` lines |
//!
//! The phase-1 refusal line names the encryption algorithm whatever attribute differed: the
//! engine's event does not say which one, and encryption is the first IOS checks.
//!
//! # Lines ikelab adds (in IOS's style, not quoted by the sources)
//!
//! | event | line |
//! |---|---|
//! | `Phase1Started` | `ISAKMP:(1001): beginning Main Mode exchange` (`Aggressive`), `ISAKMP:(1001):Old State = IKE_READY  New State = IKE_I_MM1`; as responder `ISAKMP:(1001): processing SA payload. message ID = 0` |
//! | phase-1 refusal | `ISAKMP:(1001):atts are not acceptable. Next payload is 3`, `ISAKMP:(1001):no offers accepted!`, `ISAKMP:(1001): phase 1 SA policy not acceptable! (local A remote B)` |
//! | `VendorIdReceived` | `ISAKMP:(1001): vendor ID is DPD` (`Unity`, `XAUTH`, `NAT-T RFC 3947`, `NAT-T v2` and `v3` for the drafts, as a user's IOS debug prints them; else the engine's name) |
//! | `Phase1Failed` | `ISAKMP:(1001):deleting SA reason "Death by retransmission P1" state (I) MM_NO_STATE (peer B)` (`(R)` for an SA we responded to); authentication: `%CRYPTO-4-IKMP_BAD_MESSAGE: IKE message from B failed its sanity check or is malformed` |
//! | `Phase2Started` | initiator `ISAKMP:(1001): beginning Quick Mode exchange, M-ID of N`, `... New State = IKE_QM_I_QM1`; responder `ISAKMP:(1001): processing HASH payload. message ID = N`, `... processing SA payload. ...`, `ISAKMP:(1001):Checking IPSec proposal 1` |
//! | `Phase2Failed` (otherwise) | `ISAKMP:(1001):deleting node N error TRUE reason "QM rejected"` (responder), `"Death by retransmission P2"` (timeout) |
//! | `SaInstalled` | `IPSEC(create_sa): sa created, (sa) sa_dest= B, sa_proto= 50, sa_spi= 0x8F1A6B3C(2400873276), sa_conn_id= 2001` |
//! | `DeleteSent`, `DeleteReceived` | `ISAKMP:(1001):sending DELETE protocol 3 to B`, `ISAKMP:(1001):processing DELETE protocol 3 from B` |
//! | `Phase1Deleted` | `ISAKMP:(1001):deleting SA reason "No reason" state (I) QM_IDLE (peer B)` (`(R)` for an SA we responded to) |
//! | `PeerDead` | `ISAKMP:(1001):peer B not responding!` |
//! | `Dropped` | a retransmission: `ISAKMP:(1001): phase 1 packet is a duplicate of a previous packet.`; a bad hash or decryption: the `IKMP_BAD_MESSAGE` line; an unknown peer: `ISAKMP:(0):No pre-shared key with B!` |
//!
//! Silent: packets, payloads other than phase-1 SA, keys, R-U-THERE and its ACK sent, SAD/SPD
//! events, [`LogRenderer::system`] events.

use std::collections::VecDeque;
use std::net::Ipv4Addr;
use std::sync::Arc;

use crate::crypto::CipherAlg;
use crate::esp::IntegAlg;
use crate::ike::event::{DropReason, Event, EventKind, FailReason};
use crate::ike::{EncapMode, EngineConfig, QmId};
use crate::personality::{LogLine, LogRenderer, SystemEvent, WallClock};
use crate::time::Instant;
use crate::wire::{ExchangeType, IdData, NotifyType, PayloadType};

/// Peers, Quick Modes remembered, at most.
const MEMORY: usize = 1024;

/// One ISAKMP SA as the log knows it.
#[derive(Clone, Copy, Debug)]
struct Conn {
    id: u32,
    remote: Ipv4Addr,
    local: Ipv4Addr,
    initiator: bool,
    aggressive: bool,
    /// A responder's phase-1 offer not yet accepted or refused.
    verdict_pending: bool,
    /// The last Quick Mode offer from this peer was refused for its IDs.
    ids_refused: bool,
}

/// One IOS router's debug log.
#[derive(Debug)]
pub struct IosLog {
    clock: WallClock,
    next_conn: u32,
    next_sa_conn: u32,
    conns: VecDeque<Conn>,
    /// Our Quick Modes (message IDs).
    ours: VecDeque<u32>,
    config: Arc<EngineConfig>,
}

/// IOS's name for a notify type.
fn notify_name(k: NotifyType) -> String {
    match k {
        NotifyType::NO_PROPOSAL_CHOSEN => "PROPOSAL_NOT_CHOSEN".into(),
        NotifyType::INVALID_ID_INFORMATION => "INVALID_ID_INFO".into(),
        NotifyType::R_U_THERE => "DPD/R_U_THERE".into(),
        NotifyType::R_U_THERE_ACK => "DPD/R_U_THERE_ACK".into(),
        other => other.to_string().replace('-', "_"),
    }
}

/// `192.168.1.0/255.255.255.0/0/0 (type=4)`.
fn proxy(id: &QmId) -> String {
    let (a, m, t) = match &id.data {
        IdData::Ipv4Addr(a) => (*a, Ipv4Addr::BROADCAST, 1),
        IdData::Ipv4Subnet(a, m) => (*a, *m, 4),
        other => return format!("{other}/{}/{} (type=?)", id.protocol, id.port),
    };
    format!("{a}/{m}/{}/{} (type={t})", id.protocol, id.port)
}

/// IOS's transform names.
fn transform(c: CipherAlg, i: IntegAlg) -> String {
    let c = match c {
        CipherAlg::AesCbc { key_len: 16 } => "esp-aes".to_string(),
        CipherAlg::AesCbc { key_len } => format!("esp-aes {}", key_len * 8),
        CipherAlg::TripleDesCbc => "esp-3des".to_string(),
    };
    let i = match i {
        IntegAlg::HmacMd5_96 => "esp-md5-hmac",
        IntegAlg::HmacSha1_96 => "esp-sha-hmac",
        IntegAlg::HmacSha256_128 => "esp-sha256-hmac",
    };
    format!("{c} {i}")
}

impl IosLog {
    /// A log dated from `clock`; `config` is the router's (for the `sa_request` block).
    pub fn new(clock: WallClock, config: Arc<EngineConfig>) -> Self {
        IosLog {
            clock,
            next_conn: 1001,
            next_sa_conn: 2001,
            conns: VecDeque::new(),
            ours: VecDeque::new(),
            config,
        }
    }

    /// `Jan  5 07:27:06.000: `.
    fn stamp(&self, at: Instant) -> String {
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        let (mo, d, h, mi, s) = self.clock.at(at);
        let ms = at.as_nanos() / 1_000_000 % 1000;
        let month = MONTHS[usize::from(mo.clamp(1, 12) - 1)];
        format!("{month} {d:>2} {h:02}:{mi:02}:{s:02}.{ms:03}: ")
    }

    fn conn(&mut self, remote: Ipv4Addr) -> Option<&mut Conn> {
        self.conns.iter_mut().rev().find(|c| c.remote == remote)
    }

    fn conn_id(&self, remote: Ipv4Addr) -> u32 {
        self.conns
            .iter()
            .rev()
            .find(|c| c.remote == remote)
            .map_or(0, |c| c.id)
    }

    /// The role IOS prints for the latest ISAKMP SA with `remote`: `I` when we initiated it,
    /// `R` when we responded (a user's IOS debug marks the responder's SA `(R) MM_SA_SETUP`,
    /// `(R) QM_IDLE`, the initiator's `(I)`); `I` for a peer without one.
    fn role(&self, remote: Ipv4Addr) -> char {
        let responder = self
            .conns
            .iter()
            .rev()
            .find(|c| c.remote == remote)
            .is_some_and(|c| !c.initiator);
        if responder { 'R' } else { 'I' }
    }

    fn local_of(&self, remote: Ipv4Addr) -> Ipv4Addr {
        self.conns
            .iter()
            .rev()
            .find(|c| c.remote == remote)
            .map_or(Ipv4Addr::UNSPECIFIED, |c| c.local)
    }

    fn remember_ours(&mut self, msgid: u32) {
        if self.ours.len() >= MEMORY {
            self.ours.pop_front();
        }
        self.ours.push_back(msgid);
    }
}

/// Collects one event's lines.
struct Out<'a> {
    stamp: String,
    at: Instant,
    lines: &'a mut Vec<LogLine>,
}

impl Out<'_> {
    fn line(&mut self, text: impl AsRef<str>) {
        self.lines.push(LogLine {
            at: self.at,
            text: format!("{}{}", self.stamp, text.as_ref()),
        });
    }

    /// A continuation line of a multi-line message.
    fn more(&mut self, text: impl AsRef<str>) {
        self.lines.push(LogLine {
            at: self.at,
            text: format!("        {}", text.as_ref()),
        });
    }

    fn isakmp(&mut self, conn: u32, text: impl AsRef<str>) {
        self.line(format!("ISAKMP:({conn}):{}", text.as_ref()));
    }
}

impl LogRenderer for IosLog {
    fn render(&mut self, event: &Event) -> Vec<LogLine> {
        let mut lines = Vec::new();
        let stamp = self.stamp(event.at);
        let mut o = Out {
            stamp,
            at: event.at,
            lines: &mut lines,
        };
        match &event.kind {
            EventKind::Phase1Started {
                local,
                remote,
                exchange,
                initiator,
            } => {
                let id = self.next_conn;
                self.next_conn = self.next_conn.checked_add(1).unwrap_or(1001);
                if self.conns.len() >= MEMORY {
                    self.conns.pop_front();
                }
                let aggressive = *exchange == ExchangeType::AGGRESSIVE;
                self.conns.push_back(Conn {
                    id,
                    remote: *remote.ip(),
                    local: *local.ip(),
                    initiator: *initiator,
                    aggressive,
                    verdict_pending: !*initiator,
                    ids_refused: false,
                });
                let mode = if aggressive { "Aggressive" } else { "Main" };
                if *initiator {
                    o.isakmp(id, format!(" beginning {mode} Mode exchange"));
                    let first = if aggressive { "IKE_I_AM1" } else { "IKE_I_MM1" };
                    o.isakmp(id, format!("Old State = IKE_READY  New State = {first}"));
                } else {
                    o.isakmp(id, " processing SA payload. message ID = 0");
                }
            }
            EventKind::PayloadReceived {
                from,
                exchange,
                kind,
                ..
            } if *kind == PayloadType::SA
                && matches!(
                    *exchange,
                    ExchangeType::IDENTITY_PROTECTION | ExchangeType::AGGRESSIVE
                ) =>
            {
                let ip = *from.ip();
                if let Some(c) = self.conn(ip).filter(|c| c.initiator).copied() {
                    o.isakmp(c.id, " processing SA payload. message ID = 0");
                    o.isakmp(c.id, "atts are acceptable. Next payload is 0");
                }
            }
            EventKind::PacketSent { to, .. } => {
                if let Some(c) = self.conn(*to.ip()).filter(|c| c.verdict_pending) {
                    c.verdict_pending = false;
                    let id = c.id;
                    o.isakmp(id, "atts are acceptable. Next payload is 0");
                }
            }
            EventKind::VendorIdReceived { from, name } => {
                let id = self.conn_id(*from.ip());
                let shown = match name.as_str() {
                    "Cisco Unity" => "Unity",
                    "RFC 3947" => "NAT-T RFC 3947",
                    // IOS numbers the NAT-T drafts (a user's IOS debug: `constructed NAT-T
                    // vendor-02 ID`, `vendor ID is NAT-T v2`); draft 02 has two VIDs.
                    "draft-ietf-ipsec-nat-t-ike-02" | "draft-ietf-ipsec-nat-t-ike-02\\n" => {
                        "NAT-T v2"
                    }
                    "draft-ietf-ipsec-nat-t-ike-03" => "NAT-T v3",
                    n if n.len() >= 16 && n.bytes().all(|b| b.is_ascii_hexdigit()) => "Unknown",
                    n => n,
                };
                o.isakmp(id, format!(" vendor ID is {shown}"));
            }
            EventKind::Phase1Established { remote, .. } => {
                if let Some(c) = self.conn(*remote.ip()).copied() {
                    let before = match (c.initiator, c.aggressive) {
                        (true, false) => "IKE_I_MM6",
                        (false, false) => "IKE_R_MM5",
                        (true, true) => "IKE_I_AM1",
                        (false, true) => "IKE_R_AM2",
                    };
                    o.isakmp(c.id, "SA authentication status: authenticated");
                    o.isakmp(
                        c.id,
                        format!("Old State = {before}  New State = IKE_P1_COMPLETE"),
                    );
                }
            }
            EventKind::Phase1Failed { remote, reason } => {
                let id = self.conn_id(*remote.ip());
                match reason {
                    FailReason::AuthenticationFailed => o.line(format!(
                        "%CRYPTO-4-IKMP_BAD_MESSAGE: IKE message from {} failed its sanity check or is malformed",
                        remote.ip()
                    )),
                    FailReason::Timeout => o.isakmp(
                        id,
                        format!(
                            "deleting SA reason \"Death by retransmission P1\" state ({}) MM_NO_STATE (peer {})",
                            self.role(*remote.ip()),
                            remote.ip()
                        ),
                    ),
                    _ => {}
                }
            }
            EventKind::NotifySent { to, kind, protocol } => {
                let ip = *to.ip();
                let local = self.local_of(ip);
                let id = self.conn_id(ip);
                let p1 = self.conn(ip).is_some_and(|c| c.verdict_pending);
                if *kind == NotifyType::NO_PROPOSAL_CHOSEN && p1 {
                    if let Some(c) = self.conn(ip) {
                        c.verdict_pending = false;
                    }
                    o.isakmp(id, "Encryption algorithm offered does not match policy!");
                    o.isakmp(id, "atts are not acceptable. Next payload is 3");
                    o.isakmp(id, "no offers accepted!");
                    o.isakmp(
                        id,
                        format!(" phase 1 SA policy not acceptable! (local {local} remote {ip})"),
                    );
                } else if *kind == NotifyType::NO_PROPOSAL_CHOSEN {
                    let by_ids = self.conn(ip).is_some_and(|c| {
                        let was = c.ids_refused;
                        c.ids_refused = false;
                        was
                    });
                    if !by_ids {
                        o.isakmp(id, " IPSec policy invalidated proposal with error 256");
                        o.isakmp(
                            id,
                            format!(
                                " phase 2 SA policy not acceptable! (local {local} remote {ip})"
                            ),
                        );
                    }
                }
                if !matches!(*kind, NotifyType::R_U_THERE | NotifyType::R_U_THERE_ACK) {
                    o.isakmp(
                        id,
                        format!(
                            "Sending NOTIFY {} protocol {}",
                            notify_name(*kind),
                            protocol.0
                        ),
                    );
                }
            }
            EventKind::NotifyReceived {
                from,
                kind,
                protocol,
                ..
            } => {
                let id = self.conn_id(*from.ip());
                o.isakmp(
                    id,
                    format!(
                        " processing NOTIFY {} protocol {}",
                        notify_name(*kind),
                        protocol.0
                    ),
                );
                if *kind == NotifyType::NO_PROPOSAL_CHOSEN {
                    o.isakmp(id, "peer does not do paranoid keepalives.");
                }
            }
            EventKind::Acquire { policy } => {
                let Some(p) = self.config.policies.iter().find(|p| p.name == *policy) else {
                    return lines;
                };
                let Some(peer) = self.config.peers.iter().find(|c| c.name == p.peer) else {
                    return lines;
                };
                let (l, r) = p.qm_ids();
                let dest = peer.remote.unwrap_or(Ipv4Addr::UNSPECIFIED);
                o.line("IPSEC(sa_request): ,");
                o.more(format!(
                    "(key eng. msg.) src= {}, dest= {dest},",
                    peer.local
                ));
                o.more(format!("src_proxy= {},", proxy(&l)));
                o.more(format!("dest_proxy= {},", proxy(&r)));
                let mode = match p.mode {
                    EncapMode::Tunnel => "Tunnel",
                    EncapMode::Transport => "Transport",
                };
                if let Some(x) = p.proposals.first() {
                    o.more(format!(
                        "protocol= ESP, transform= {}  ({mode}),",
                        transform(x.cipher, x.integ)
                    ));
                    o.more(format!(
                        "lifedur= {}s and {}kb,",
                        x.lifetime.as_secs(),
                        x.lifetime_kb.unwrap_or(0)
                    ));
                }
            }
            EventKind::Phase2Started {
                remote,
                message_id,
                initiator,
                ..
            } => {
                let id = self.conn_id(*remote.ip());
                let m = *message_id as i32;
                if *initiator {
                    self.remember_ours(*message_id);
                    o.isakmp(id, format!(" beginning Quick Mode exchange, M-ID of {m}"));
                    o.isakmp(id, "Old State = IKE_QM_READY  New State = IKE_QM_I_QM1");
                } else {
                    o.isakmp(id, format!(" processing HASH payload. message ID = {m}"));
                    o.isakmp(id, format!(" processing SA payload. message ID = {m}"));
                    o.isakmp(id, "Checking IPSec proposal 1");
                }
            }
            EventKind::NoPolicyForIds {
                from,
                initiator_id,
                responder_id,
                ..
            } => {
                let ip = *from.ip();
                let local = self.local_of(ip);
                let id = self.conn_id(ip);
                if let Some(c) = self.conn(ip) {
                    c.ids_refused = true;
                }
                o.line("IPSEC(validate_proposal_request): proposal part #1");
                o.more(format!(
                    "(key eng. msg.) INBOUND local= {local}, remote= {ip},"
                ));
                o.more(format!("local_proxy= {},", proxy(responder_id)));
                o.more(format!("remote_proxy= {},", proxy(initiator_id)));
                o.line("IPSEC(ipsec_process_proposal): proxy identities not supported");
                o.isakmp(id, " IPSec policy invalidated proposal with error 32");
                o.isakmp(
                    id,
                    format!(" phase 2 SA policy not acceptable! (local {local} remote {ip})"),
                );
            }
            EventKind::Phase2Failed {
                remote,
                message_id,
                reason,
            } => {
                let id = self.conn_id(*remote.ip());
                let m = *message_id as i32;
                let ours = self.ours.contains(message_id);
                let why = match reason {
                    FailReason::Notified(_) if ours => "Delete Larval",
                    FailReason::Timeout => "Death by retransmission P2",
                    _ if !ours => "QM rejected",
                    _ => "QM failed",
                };
                o.isakmp(id, format!("deleting node {m} error TRUE reason \"{why}\""));
            }
            EventKind::Phase2Established {
                remote, message_id, ..
            } => {
                let id = self.conn_id(*remote.ip());
                let before = if self.ours.contains(message_id) {
                    "IKE_QM_I_QM1"
                } else {
                    "IKE_QM_R_QM2"
                };
                o.isakmp(
                    id,
                    format!("Old State = {before}  New State = IKE_QM_PHASE2_COMPLETE"),
                );
            }
            EventKind::SaInstalled { spi, dst, .. } => {
                let c = self.next_sa_conn;
                self.next_sa_conn = self.next_sa_conn.checked_add(1).unwrap_or(2001);
                o.line(format!(
                    "IPSEC(create_sa): sa created, (sa) sa_dest= {dst}, sa_proto= 50, sa_spi= 0x{spi:X}({spi}), sa_conn_id= {c}"
                ));
            }
            EventKind::DeleteSent { to, protocol, .. } => {
                let id = self.conn_id(*to.ip());
                o.isakmp(
                    id,
                    format!("sending DELETE protocol {} to {}", protocol.0, to.ip()),
                );
            }
            EventKind::DeleteReceived { from, protocol, .. } => {
                let id = self.conn_id(*from.ip());
                o.isakmp(
                    id,
                    format!(
                        "processing DELETE protocol {} from {}",
                        protocol.0,
                        from.ip()
                    ),
                );
            }
            EventKind::Phase1Deleted { remote, .. } => {
                let id = self.conn_id(*remote.ip());
                o.isakmp(
                    id,
                    format!(
                        "deleting SA reason \"No reason\" state ({}) QM_IDLE (peer {})",
                        self.role(*remote.ip()),
                        remote.ip()
                    ),
                );
            }
            EventKind::PeerDead { remote, .. } => {
                let id = self.conn_id(*remote.ip());
                o.isakmp(id, format!("peer {} not responding!", remote.ip()));
            }
            EventKind::Dropped { from, reason } => {
                let id = self.conn_id(*from.ip());
                match reason {
                    DropReason::Retransmission => {
                        o.isakmp(id, " phase 1 packet is a duplicate of a previous packet.");
                    }
                    DropReason::BadHash | DropReason::DecryptFailed => o.line(format!(
                        "%CRYPTO-4-IKMP_BAD_MESSAGE: IKE message from {} failed its sanity check or is malformed",
                        from.ip()
                    )),
                    DropReason::UnknownPeer => {
                        o.isakmp(0, format!("No pre-shared key with {}!", from.ip()));
                    }
                    _ => {}
                }
            }
            _ => {}
        }
        lines
    }

    fn system(&mut self, _at: Instant, _what: SystemEvent) -> Vec<LogLine> {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddrV4;

    use super::*;
    use crate::ike::event::DeleteReason;

    const US: Ipv4Addr = Ipv4Addr::new(172, 16, 0, 2);
    const PEER: Ipv4Addr = Ipv4Addr::new(172, 16, 0, 1);

    fn log() -> IosLog {
        IosLog::new(WallClock::DOCUMENT, Arc::new(EngineConfig::default()))
    }

    fn render(log: &mut IosLog, kind: EventKind) -> Vec<String> {
        let event = Event {
            at: Instant::ZERO,
            kind,
        };
        log.render(&event).into_iter().map(|l| l.text).collect()
    }

    fn started(initiator: bool) -> EventKind {
        EventKind::Phase1Started {
            local: SocketAddrV4::new(US, 500),
            remote: SocketAddrV4::new(PEER, 500),
            exchange: ExchangeType::IDENTITY_PROTECTION,
            initiator,
        }
    }

    fn deleted() -> EventKind {
        EventKind::Phase1Deleted {
            local: SocketAddrV4::new(US, 500),
            remote: SocketAddrV4::new(PEER, 500),
            icookie: [1; 8],
            rcookie: [2; 8],
            reason: DeleteReason::Shutdown,
        }
    }

    /// IOS marks an SA with its role: `(I)` where it initiated, `(R)` where it responded.
    #[test]
    fn a_deleted_sa_shows_our_role_in_it() {
        for (initiator, role) in [(true, "(I)"), (false, "(R)")] {
            let mut l = log();
            render(&mut l, started(initiator));
            let lines = render(&mut l, deleted());
            assert_eq!(
                lines,
                vec![format!(
                    "Jan  5 07:27:06.000: ISAKMP:(1001):deleting SA reason \"No reason\" state {role} QM_IDLE (peer 172.16.0.1)"
                )]
            );
        }
    }

    /// strongSwan 5.9.8 sends draft 02's VID with the newline (`draft-ietf-ipsec-nat-t-ike-02\n`,
    /// as racoon names it); IOS says `NAT-T v2`, not the engine's name.
    #[test]
    fn nat_t_draft_vendor_ids_read_as_ios_numbers_them() {
        let mut l = log();
        render(&mut l, started(false));
        let mut shown = vec![];
        for vid in [
            crate::wire::vendor_id::NAT_T_RFC3947.to_vec(),
            hex_vid("90cb80913ebb696e086381b5ec427b1f"),
            hex_vid("cd60464335df21f87cfdb2fc68b6a448"),
            hex_vid("7d9419a65310ca6f2c179d9215529d56"),
        ] {
            let name = crate::wire::vendor_id::name(&vid).expect("a known VID");
            let received = EventKind::VendorIdReceived {
                from: SocketAddrV4::new(PEER, 500),
                name: name.to_string(),
            };
            shown.extend(render(&mut l, received));
        }
        let tails: Vec<&str> = shown
            .iter()
            .filter_map(|t| t.split("ISAKMP:(1001): ").nth(1))
            .collect();
        assert_eq!(
            tails,
            [
                "vendor ID is NAT-T RFC 3947",
                "vendor ID is NAT-T v2",
                "vendor ID is NAT-T v2",
                "vendor ID is NAT-T v3",
            ]
        );
    }

    fn hex_vid(h: &str) -> Vec<u8> {
        (0..h.len())
            .step_by(2)
            .filter_map(|i| u8::from_str_radix(&h[i..i + 2], 16).ok())
            .collect()
    }

    #[test]
    fn a_responders_phase1_timeout_shows_r() {
        let mut l = log();
        render(&mut l, started(false));
        let failed = EventKind::Phase1Failed {
            remote: SocketAddrV4::new(PEER, 500),
            reason: FailReason::Timeout,
        };
        let lines = render(&mut l, failed);
        assert_eq!(lines.len(), 1);
        assert!(
            lines[0].ends_with("state (R) MM_NO_STATE (peer 172.16.0.1)"),
            "{lines:?}"
        );
    }
}
