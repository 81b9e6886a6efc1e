//! The IKEv1 engine: one ISAKMP daemon plus its SAD and SPD, without I/O.
//!
//! The caller feeds it datagrams ([`Engine::handle_datagram`]), time ([`Engine::handle_timeout`])
//! and traffic ([`Engine::protect`], [`Engine::unprotect`]), and drains what it wants sent
//! ([`Engine::poll_transmit`]), what happened ([`Engine::poll_event`]) and when to call again
//! ([`Engine::poll_timeout`]): the sans-IO shape of quinn-proto and str0m. Randomness comes from a
//! seeded generator, so the same seed and inputs give the same bytes.
//!
//! Exchanges live in their own files: `main_mode.rs` and `aggressive_mode.rs` (phase 1),
//! `quick_mode.rs` (phase 2), `informational.rs`; `phase1.rs` holds where a phase-1 SA stands
//! (negotiating in either mode, established, dead). What they share: `received.rs` (the phase-1 SA
//! a message's cookies name, the answer to a repeated message), `handled.rs` (a handler's answer
//! or refusal, and the refusal's event), `index.rs` (typed indexes into the tables). The data path
//! is in `datapath.rs`, SAD and SPD housekeeping (flush, shutdown, policy reload) in `sad.rs`.
//! Vendor differences are data in [`config::Behaviour`].

mod aggressive_mode;
pub mod checks;
pub mod config;
mod datapath;
pub mod event;
mod half_open;
mod handled;
mod index;
mod informational;
mod main_mode;
mod phase1;
pub mod proposal;
mod quick_mode;
mod received;
pub mod refusals;
mod sad;
#[cfg(test)]
mod test_pair;

use std::collections::VecDeque;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Duration;

use crate::crypto::{DhPrivate, HashAlg, IsakmpCrypter, Phase1Keys};
use crate::esp::{InboundSa, OutboundSa};
use crate::rng::{Random, SeededRandom};
use crate::time::Instant;
use crate::wire::{
    ExchangeType, Flags, HEADER_LEN, HeaderRepr, Message, Payload, PayloadType,
    esp::NON_ESP_MARKER, payload::emit_chain,
};

use handled::{Exchange, Refusal};
use index::{PeerIndex, Ph1Index, PolicyIndex};
use phase1::State;

pub use config::*;
pub use datapath::{EspRoom, Protected, UnprotectError};
pub use event::{
    BadMessage, DeleteReason, Direction, DropReason, Event, EventKind, FailReason, KeysDerived,
    Step,
};
pub use half_open::Limits;
pub use main_mode::nat_d_hash;
pub use proposal::{Phase1Suite, Phase2Suite};

/// IKE's UDP port.
pub const IKE_PORT: u16 = 500;
/// IKE and ESP after NAT-T floating.
pub const NAT_T_PORT: u16 = 4500;

/// Computes a message's HASH payload from the bytes of the payloads after it.
pub(crate) type HashFn<'a> = dyn Fn(&[u8]) -> Vec<u8> + 'a;

/// A datagram the engine wants sent. On port 4500 the payload already carries the non-ESP marker.
#[derive(Clone, PartialEq, Eq)]
pub struct Transmit {
    /// Our address and port.
    pub src: SocketAddrV4,
    /// The peer's address and port.
    pub dst: SocketAddrV4,
    /// The UDP payload.
    pub payload: Vec<u8>,
}

impl std::fmt::Debug for Transmit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Transmit {{ {} -> {}, {} bytes }}",
            self.src,
            self.dst,
            self.payload.len()
        )
    }
}

/// A message waiting for its answer, resent on a schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Pending {
    pub(crate) bytes: Vec<u8>,
    pub(crate) next: Instant,
    pub(crate) sends: u32,
}

/// A phase-1 SA's keys: the key schedule, and the cipher state of its messages.
pub(crate) struct Keyed {
    pub(crate) keys: Phase1Keys,
    /// IVs move on with every message sent and taken.
    pub(crate) crypter: IsakmpCrypter,
}

/// A phase-1 SA, negotiating or established.
pub(crate) struct Ph1 {
    pub(crate) id: u64,
    pub(crate) peer: PeerIndex,
    pub(crate) local: SocketAddrV4,
    pub(crate) remote: SocketAddrV4,
    pub(crate) initiator: bool,
    pub(crate) icookie: [u8; 8],
    pub(crate) rcookie: [u8; 8],
    pub(crate) state: State,
    pub(crate) suite: Option<Phase1Suite>,
    /// The initiator's SA payload body as sent (HASH_I/HASH_R input).
    pub(crate) sai_b: Vec<u8>,
    pub(crate) dh: Option<DhPrivate>,
    pub(crate) gxi: Vec<u8>,
    pub(crate) gxr: Vec<u8>,
    pub(crate) ni: Vec<u8>,
    pub(crate) nr: Vec<u8>,
    /// The keys, once derived (after the KE exchange).
    pub(crate) keyed: Option<Keyed>,
    pub(crate) started: Instant,
    pub(crate) expires: Option<Instant>,
    /// Fingerprint of the last message accepted, and the answer we gave to it.
    pub(crate) last_rx: Option<received::Taken>,
    /// The exchange's earlier messages and our answers to them, which a repeat of any gets
    /// again (racoon keeps every received packet of an exchange with its reply); at most
    /// [`received::EARLIER_KEPT`].
    pub(crate) earlier_rx: Vec<received::Taken>,
    /// Message IDs used under this SA (Quick Mode and Informational).
    pub(crate) msgids: Vec<u32>,
    /// Message IDs of Informationals received, to refuse replays.
    pub(crate) info_seen: Vec<u32>,
    /// Both sides announced RFC 3947 NAT traversal.
    pub(crate) nat_t: bool,
    /// A NAT was detected (or pretended): IKE runs on 4500 and ESP goes in UDP.
    pub(crate) behind_nat: bool,
    /// The peer announced RFC 3706 DPD.
    pub(crate) peer_dpd: bool,
    /// When the peer last proved alive (an authenticated message, or ESP on its SAs).
    pub(crate) last_heard: Instant,
}

impl Ph1 {
    /// A phase-1 SA just begun: nothing negotiated yet.
    pub(crate) fn new(
        id: u64,
        peer: PeerIndex,
        (local, remote): (SocketAddrV4, SocketAddrV4),
        initiator: bool,
        (icookie, rcookie): ([u8; 8], [u8; 8]),
        now: Instant,
    ) -> Self {
        Ph1 {
            id,
            peer,
            local,
            remote,
            initiator,
            icookie,
            rcookie,
            state: State::Dead,
            suite: None,
            sai_b: vec![],
            dh: None,
            gxi: vec![],
            gxr: vec![],
            ni: vec![],
            nr: vec![],
            keyed: None,
            started: now,
            expires: None,
            last_rx: None,
            earlier_rx: vec![],
            msgids: vec![],
            info_seen: vec![],
            nat_t: false,
            behind_nat: false,
            peer_dpd: false,
            last_heard: now,
        }
    }

    /// Records a message ID as used; only the recent ones are kept (collisions with old ones are
    /// harmless: their exchanges are over).
    pub(crate) fn remember_msgid(&mut self, m: u32) {
        if self.msgids.len() >= 1024 {
            self.msgids.remove(0);
        }
        self.msgids.push(m);
    }

    /// Keeps the cipher state a message was opened with, once the message is taken.
    pub(crate) fn commit(&mut self, crypter: IsakmpCrypter) {
        if let Some(k) = &mut self.keyed {
            k.crypter = crypter;
        }
    }

    pub(crate) fn prf(&self) -> HashAlg {
        self.suite.map_or(HashAlg::Md5, |s| s.hash)
    }
}

/// An outstanding DPD probe (RFC 3706).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DpdProbe {
    pub(crate) seq: u32,
    pub(crate) next: Instant,
    /// R-U-THEREs sent without an ACK so far.
    pub(crate) sent: u32,
}

/// A Quick Mode exchange.
pub(crate) struct Ph2 {
    pub(crate) ph1: u64,
    pub(crate) msgid: u32,
    pub(crate) initiator: bool,
    pub(crate) policy: PolicyIndex,
    pub(crate) state: quick_mode::State,
    pub(crate) my_spi: u32,
    pub(crate) peer_spi: u32,
    pub(crate) ni: Vec<u8>,
    pub(crate) nr: Vec<u8>,
    pub(crate) dh: Option<DhPrivate>,
    pub(crate) gxy: Option<Vec<u8>>,
    /// IDs as sent by the initiator (IDci, IDcr), if any.
    pub(crate) ids: Option<(QmId, QmId)>,
    pub(crate) suite: Option<Phase2Suite>,
    pub(crate) pending: Option<Pending>,
    pub(crate) last_rx: Option<received::Taken>,
    /// When it finished; kept a while to answer retransmissions.
    pub(crate) finished: Option<Instant>,
}

/// One direction of an installed IPsec SA.
pub(crate) struct IpsecSa {
    pub(crate) spi: u32,
    pub(crate) direction: Direction,
    /// SPI of the other direction negotiated with it.
    pub(crate) partner: u32,
    pub(crate) policy: PolicyIndex,
    pub(crate) local: Ipv4Addr,
    pub(crate) remote: Ipv4Addr,
    /// UDP ports when ESP is UDP-encapsulated (local, remote).
    pub(crate) udp: Option<(u16, u16)>,
    pub(crate) mode: EncapMode,
    /// Made for a route-based policy ([`Policy::route_based`]): ESP carries IP-in-IP between
    /// the endpoints whatever `mode` says.
    pub(crate) route_based: bool,
    pub(crate) ids: (QmId, QmId),
    /// The policy's traffic selectors (local, remote) when the SA was made: the SA keeps
    /// protecting what it was negotiated for even if the policies are reloaded.
    pub(crate) selectors: (Selector, Selector),
    pub(crate) inbound: Option<InboundSa>,
    pub(crate) outbound: Option<OutboundSa>,
    pub(crate) installed: Instant,
    pub(crate) soft: Instant,
    pub(crate) hard: Instant,
    pub(crate) initiator: bool,
    pub(crate) rekeyed: bool,
    pub(crate) bytes: u64,
    pub(crate) lifetime_kb: Option<u32>,
}

/// A phase 2 waiting for its phase 1, or for its start time.
#[derive(Clone, Debug)]
pub(crate) struct Waiting {
    pub(crate) policy: PolicyIndex,
    /// When to start, once a phase 1 is up (`None`: not yet scheduled).
    pub(crate) at: Option<Instant>,
    /// Whether the policy's announced delay ([`Policy::phase2_delay`]) was already taken.
    pub(crate) delayed: bool,
}

/// A read-only view of an ISAKMP SA, for summaries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IsakmpSaInfo {
    /// Local endpoint.
    pub local: SocketAddrV4,
    /// Remote endpoint.
    pub remote: SocketAddrV4,
    /// Initiator cookie.
    pub icookie: [u8; 8],
    /// Responder cookie.
    pub rcookie: [u8; 8],
    /// Whether we initiated it.
    pub initiator: bool,
    /// Whether it is established.
    pub established: bool,
}

/// A read-only view of an IPsec SA, for summaries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpsecSaInfo {
    /// SPI.
    pub spi: u32,
    /// Direction.
    pub direction: Direction,
    /// Mode.
    pub mode: EncapMode,
    /// Our address.
    pub local: Ipv4Addr,
    /// The peer's address.
    pub remote: Ipv4Addr,
    /// The Quick Mode IDs (local, remote).
    pub ids: (QmId, QmId),
    /// Name of the policy.
    pub policy: String,
}

/// The engine.
pub struct Engine {
    pub(crate) cfg: EngineConfig,
    pub(crate) rng: SeededRandom,
    pub(crate) ph1s: Vec<Ph1>,
    pub(crate) ph2s: Vec<Ph2>,
    pub(crate) sas: Vec<IpsecSa>,
    pub(crate) waiting: Vec<Waiting>,
    /// Peers we have sent INITIAL-CONTACT to (racoon sends it once per peer).
    pub(crate) contacted: Vec<Ipv4Addr>,
    pub(crate) next_id: u64,
    pub(crate) transmits: VecDeque<Transmit>,
    pub(crate) events: VecDeque<Event>,
    pub(crate) refusals: refusals::Refusals,
    pub(crate) now: Instant,
    pub(crate) started: bool,
    /// Set by [`Engine::shutdown`]: after its Deletes the daemon answers and starts nothing.
    pub(crate) stopped: bool,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("ph1s", &self.ph1s.len())
            .field("ph2s", &self.ph2s.len())
            .field("sas", &self.sas.len())
            .finish()
    }
}

impl Engine {
    /// An engine with `config`, whose randomness is determined by `seed`.
    pub fn new(config: EngineConfig, seed: u64) -> Self {
        Self {
            cfg: config,
            rng: SeededRandom::new(seed),
            ph1s: vec![],
            ph2s: vec![],
            sas: vec![],
            waiting: vec![],
            contacted: vec![],
            next_id: 1,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            refusals: refusals::Refusals::default(),
            now: Instant::ZERO,
            started: false,
            stopped: false,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &EngineConfig {
        &self.cfg
    }

    /// Starts the engine: policies marked `auto_start` begin negotiating.
    pub fn start(&mut self, now: Instant) {
        self.now = now;
        if self.started {
            return;
        }
        self.started = true;
        self.start_auto();
    }

    /// Policies marked `auto_start` begin negotiating.
    fn start_auto(&mut self) {
        for i in PolicyIndex::all(&self.cfg.policies) {
            if self.cfg.policies[i].auto_start {
                self.request_phase2(i);
            }
        }
    }

    /// Restarts the daemon with a new configuration, as a router does when its IKE settings
    /// change: phase-1 state and pending exchanges are forgotten without a word to the peer
    /// (which hears INITIAL-CONTACT from the new phase 1), installed IPsec SAs stay until
    /// flushed, and policies marked `auto_start` begin again.
    pub fn restart(&mut self, now: Instant, config: EngineConfig) {
        self.now = now;
        self.cfg = config;
        self.ph1s.clear();
        self.ph2s.clear();
        self.waiting.clear();
        self.contacted.clear();
        self.started = false;
        self.stopped = false;
        self.start(now);
    }

    /// Starts negotiating the SAs of the policy named `policy` (phase 1 first if needed).
    /// Returns false if there is no such policy.
    pub fn initiate(&mut self, now: Instant, policy: &str) -> bool {
        self.now = now;
        match PolicyIndex::find(&self.cfg.policies, |p| p.name == policy) {
            Some(i) => {
                self.request_phase2(i);
                true
            }
            None => false,
        }
    }

    /// A datagram arrived on UDP 500 or 4500 at `dst` from `src`.
    pub fn handle_datagram(
        &mut self,
        now: Instant,
        src: SocketAddrV4,
        dst: SocketAddrV4,
        payload: &[u8],
    ) {
        self.now = now;
        if self.stopped {
            self.dropped(src, DropReason::Stopped);
            return;
        }
        let bytes = if dst.port() == NAT_T_PORT || src.port() == NAT_T_PORT {
            match payload.strip_prefix(&NON_ESP_MARKER[..]) {
                Some(ike) => ike,
                // ESP on 4500 and keepalives are the data path's, not IKE's.
                None => return,
            }
        } else {
            payload
        };
        let msg = match Message::parse(bytes) {
            Ok(m) => m,
            Err(e) => {
                self.refused(src, Exchange::Unmatched, DropReason::Malformed(e).into());
                return;
            }
        };
        if let Err(why) = checks::header(&msg).and_then(|()| checks::nonces(&msg)) {
            self.dropped(src, DropReason::Invalid(why));
            return;
        }
        self.event(EventKind::PacketReceived {
            from: src,
            len: msg.header.length as usize,
        });
        let h = msg.header;
        match h.exchange_type {
            ExchangeType::IDENTITY_PROTECTION | ExchangeType::AGGRESSIVE => {
                self.main_mode_input(src, dst, bytes, msg)
            }
            ExchangeType::QUICK_MODE => self.quick_mode_input(src, dst, bytes, msg),
            ExchangeType::INFORMATIONAL => self.informational_input(src, msg),
            other => self.refused(
                src,
                Exchange::Unmatched,
                BadMessage::UnsupportedExchange(other).into(),
            ),
        }
    }

    /// Time passed: retransmit, expire, rekey and start delayed exchanges that are due.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.now = now;
        self.main_mode_timers();
        self.dpd_timers();
        self.start_due_phase2();
        self.quick_mode_timers();
        self.sa_timers();
        self.reap();
    }

    /// The next datagram to send.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// The next event.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When [`Engine::handle_timeout`] wants to be called next.
    #[must_use]
    ///
    /// Datagrams waiting in [`Engine::poll_transmit`] count as due now, so a caller that changed
    /// the engine from outside its loop (a reconfiguration) still gets them out.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if !self.transmits.is_empty() || !self.events.is_empty() {
            return Some(self.now);
        }
        // Plain loops: a hub has thousands of SAs and this runs after every input.
        let mut next = Instant::FAR_FUTURE;
        let mut at = |t: Option<Instant>| {
            if let Some(t) = t {
                next = next.min(t);
            }
        };
        let b = &self.cfg.behaviour;
        for p in &self.ph1s {
            at(p.pending().map(|q| q.next));
            at(p.expires);
            if !p.established() {
                at(Some(p.last_heard + b.phase1_timeout));
            } else if p.peer_dpd {
                if let Some(dpd) = p.peer.get(&self.cfg.peers).and_then(|c| c.dpd) {
                    at(Some(
                        p.dpd().map_or(p.last_heard + dpd.interval, |d| d.next),
                    ));
                }
            }
        }
        let keep = b.retransmit.interval * b.retransmit.tries;
        for p in &self.ph2s {
            at(p.pending.as_ref().map(|q| q.next));
            at(p.finished.map(|f| f + keep));
        }
        for w in &self.waiting {
            at(w.at);
        }
        for s in &self.sas {
            at(Some(s.hard));
            if !s.rekeyed && s.initiator {
                at(Some(s.soft));
            }
        }
        (next != Instant::FAR_FUTURE).then_some(next)
    }

    /// The ISAKMP SAs, negotiating or established.
    pub fn isakmp_sas(&self) -> Vec<IsakmpSaInfo> {
        self.ph1s
            .iter()
            .map(|p| IsakmpSaInfo {
                local: p.local,
                remote: p.remote,
                icookie: p.icookie,
                rcookie: p.rcookie,
                initiator: p.initiator,
                established: p.established(),
            })
            .collect()
    }

    /// The installed IPsec SAs.
    pub fn ipsec_sas(&self) -> Vec<IpsecSaInfo> {
        self.sas
            .iter()
            .map(|s| IpsecSaInfo {
                spi: s.spi,
                direction: s.direction,
                mode: s.mode,
                local: s.local,
                remote: s.remote,
                ids: s.ids.clone(),
                policy: s
                    .policy
                    .get(&self.cfg.policies)
                    .map(|p| p.name.clone())
                    .unwrap_or_default(),
            })
            .collect()
    }

    // ---- shared helpers ----

    pub(crate) fn event(&mut self, kind: EventKind) {
        self.events.push_back(Event { at: self.now, kind });
    }

    pub(crate) fn new_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Sends an ISAKMP message, adding the non-ESP marker on port 4500.
    pub(crate) fn send(
        &mut self,
        src: SocketAddrV4,
        dst: SocketAddrV4,
        msg: &[u8],
        retransmission: bool,
    ) {
        self.event(EventKind::PacketSent {
            to: dst,
            len: msg.len(),
            retransmission,
        });
        // RFC 3948 2.2: every IKE message on the NAT-T socket carries the marker, also a
        // responder's answer to the port a NAT mapped 4500 to.
        let payload = if dst.port() == NAT_T_PORT || src.port() == NAT_T_PORT {
            [&NON_ESP_MARKER[..], msg].concat()
        } else {
            msg.to_vec()
        };
        self.transmits.push_back(Transmit { src, dst, payload });
    }

    /// A fresh SPI: random, above the reserved range, and unused.
    pub(crate) fn new_spi(&mut self) -> u32 {
        loop {
            let spi = self.rng.next_u32();
            let used =
                self.sas.iter().any(|s| s.spi == spi) || self.ph2s.iter().any(|p| p.my_spi == spi);
            if spi >= 256 && !used {
                return spi;
            }
        }
    }

    /// A fresh nonce of the configured length.
    pub(crate) fn nonce(&mut self) -> Vec<u8> {
        let mut n = vec![0u8; self.cfg.behaviour.nonce_len.clamp(8, 256)];
        self.rng.fill(&mut n);
        n
    }

    /// The retransmission schedule's first entry for a message just sent.
    pub(crate) fn pending(&self, bytes: Vec<u8>) -> Pending {
        Pending {
            bytes,
            next: self.now + self.cfg.behaviour.retransmit.interval,
            sends: 1,
        }
    }

    /// Removes finished phase-1 and phase-2 state.
    fn reap(&mut self) {
        self.ph1s.retain(|p| !matches!(p.state, State::Dead));
        // After a flood, give the memory back rather than keep the high-water mark.
        if self.ph1s.capacity() > 4 * self.ph1s.len() + 64 {
            self.ph1s.shrink_to(2 * self.ph1s.len());
        }
        let keep = self.cfg.behaviour.retransmit.interval * self.cfg.behaviour.retransmit.tries;
        let now = self.now;
        self.ph2s
            .retain(|p| p.finished.is_none_or(|f| now < f + keep));
    }

    /// The established phase-1 SA for a peer, newest first.
    pub(crate) fn ph1_for_peer(&self, peer: PeerIndex) -> Option<Ph1Index> {
        // The most recently completed one: after a simultaneous start the peer may have dropped
        // the older one on our INITIAL-CONTACT.
        Ph1Index::all(&self.ph1s)
            .filter(|&i| self.ph1s[i].peer == peer && self.ph1s[i].established())
            .max_by_key(|&i| (self.ph1s[i].established_since(), i))
    }

    pub(crate) fn ph1_index(&self, id: u64) -> Option<Ph1Index> {
        Ph1Index::find(&self.ph1s, |p| p.id == id)
    }

    /// Asks for phase 2 of a policy: now if phase 1 is up, otherwise after it.
    pub(crate) fn request_phase2(&mut self, policy: PolicyIndex) {
        if self.stopped {
            return;
        }
        let Some(p) = policy.get(&self.cfg.policies) else {
            return;
        };
        let Some(peer) = PeerIndex::find(&self.cfg.peers, |c| c.name == p.peer) else {
            return;
        };
        // A responder-only peer (SEIL `responder-only on`, racoon's `passive on`) starts no
        // phase 2 either: racoon ignores the kernel's ACQUIRE "because of passive mode".
        if self.cfg.peers[peer].responder_only {
            return;
        }
        let negotiating = self
            .ph2s
            .iter()
            .any(|q| q.policy == policy && q.initiator && q.state != quick_mode::State::Done)
            || self.waiting.iter().any(|w| w.policy == policy);
        if negotiating {
            return;
        }
        if self.ph1_for_peer(peer).is_some() {
            let at = self.now + self.cfg.behaviour.phase2_delay;
            self.waiting.push(Waiting {
                policy,
                at: Some(at),
                delayed: false,
            });
        } else {
            self.waiting.push(Waiting {
                policy,
                at: None,
                delayed: false,
            });
            if !self
                .ph1s
                .iter()
                .any(|q| q.peer == peer && !matches!(q.state, State::Dead))
            {
                self.start_phase1(peer);
            }
        }
    }

    /// Builds an encrypted message under `ph1`: HASH first (computed by `hash` over the chained
    /// payloads that follow it), then `payloads`, padded the racoon way.
    pub(crate) fn encrypted_message(
        &mut self,
        ph1: Ph1Index,
        exchange: ExchangeType,
        msgid: u32,
        payloads: &[Payload],
        hash: Option<&HashFn<'_>>,
    ) -> Vec<u8> {
        let mut after = Vec::new();
        emit_chain(payloads, &mut after).expect("our payloads fit their length fields");
        let mut body = Vec::new();
        let first = match hash {
            Some(h) => {
                let digest = h(&after);
                let next = payloads.first().map_or(PayloadType::NONE, Payload::kind);
                Payload::Hash(digest)
                    .emit(next, &mut body)
                    .expect("hash fits");
                PayloadType::HASH
            }
            None => payloads.first().map_or(PayloadType::NONE, Payload::kind),
        };
        body.extend_from_slice(&after);
        let block = self.ph1s[ph1].suite.map_or(16, |s| s.cipher.block_size());
        crate::crypto::padding::pad(&mut body, block, &mut self.rng);
        let p = &mut self.ph1s[ph1];
        p.keyed
            .as_mut()
            .expect("encrypted messages are sent only once keys exist")
            .crypter
            .encrypt(msgid, &mut body)
            .expect("padded to the block size");
        let header = HeaderRepr {
            initiator_cookie: p.icookie,
            responder_cookie: p.rcookie,
            next_payload: first,
            version: HeaderRepr::VERSION_1_0,
            exchange_type: exchange,
            flags: Flags::ENCRYPTION,
            message_id: msgid,
            length: (HEADER_LEN + body.len()) as u32,
        };
        [&header.to_bytes()[..], &body].concat()
    }

    /// A plaintext message.
    pub(crate) fn plain_message(
        icookie: [u8; 8],
        rcookie: [u8; 8],
        exchange: ExchangeType,
        msgid: u32,
        payloads: Vec<Payload>,
    ) -> Vec<u8> {
        let header = HeaderRepr {
            initiator_cookie: icookie,
            responder_cookie: rcookie,
            next_payload: PayloadType::NONE,
            version: HeaderRepr::VERSION_1_0,
            exchange_type: exchange,
            flags: Flags(0),
            message_id: msgid,
            length: 0,
        };
        Message {
            header,
            body: crate::wire::Body::Payloads {
                payloads,
                trailing: vec![],
            },
        }
        .to_bytes()
        .expect("our payloads fit their length fields")
    }

    /// Decrypts a message under `ph1` without committing the IV chain; returns the plaintext,
    /// the parsed message and the crypter state to keep once the message is authenticated.
    pub(crate) fn open(
        &self,
        ph1: Ph1Index,
        msg: &Message,
    ) -> Option<(Vec<u8>, Message, IsakmpCrypter)> {
        let crate::wire::Body::Encrypted(cipher) = &msg.body else {
            return None;
        };
        let mut crypter = self.ph1s[ph1].keyed.as_ref()?.crypter.clone();
        let mut plain = cipher.clone();
        crypter.decrypt(msg.header.message_id, &mut plain).ok()?;
        let parsed = Message::parse_decrypted(msg.header, &plain).ok()?;
        Some((plain, parsed, crypter))
    }

    /// Decrypts a Quick Mode or Informational message under `ph1` and checks its leading HASH
    /// against `expected(payloads after HASH)`. On success returns the message and the crypter
    /// state to keep; otherwise why not. Nothing is committed either way.
    pub(crate) fn open_hashed(
        &self,
        ph1: Ph1Index,
        msg: &Message,
        expected: &HashFn<'_>,
    ) -> Result<(Message, IsakmpCrypter), Refusal> {
        let Some((plain, opened, crypter)) = self.open(ph1, msg) else {
            return Err(DropReason::DecryptFailed.into());
        };
        let Some((hash, after)) = after_hash(&plain, msg.header.next_payload) else {
            return Err(BadMessage::NoHashFirst(msg.header.exchange_type).into());
        };
        if hash != expected(after).as_slice() {
            return Err(DropReason::BadHash.into());
        }
        Ok((opened, crypter))
    }

    /// Emits a PayloadReceived event per payload of an accepted message.
    pub(crate) fn payload_events(&mut self, from: SocketAddrV4, msg: &Message) {
        let exchange = msg.header.exchange_type;
        if let Ok(payloads) = msg.payloads() {
            let lens: Vec<(PayloadType, usize)> = payloads
                .iter()
                .map(|p| {
                    (
                        p.kind(),
                        p.to_bytes(PayloadType::NONE).map(|b| b.len()).unwrap_or(0),
                    )
                })
                .collect();
            for (kind, len) in lens {
                self.event(EventKind::PayloadReceived {
                    from,
                    exchange,
                    kind,
                    len,
                });
            }
        }
    }

    /// A fresh message ID, unique under `ph1`.
    pub(crate) fn new_msgid(&mut self, ph1: Ph1Index) -> u32 {
        loop {
            let m = self.rng.next_u32();
            if m != 0 && !self.ph1s[ph1].msgids.contains(&m) {
                self.ph1s[ph1].remember_msgid(m);
                return m;
            }
        }
    }
}

/// The bytes of the payloads after the first (HASH) payload of a decrypted body, padding
/// excluded: the input of every Quick Mode and Informational hash.
pub(crate) fn after_hash(plain: &[u8], first: PayloadType) -> Option<(&[u8], &[u8])> {
    let mut chain = crate::wire::PayloadChain::new(first, plain);
    let hash = chain.next()?.ok()?;
    if hash.kind != PayloadType::HASH {
        return None;
    }
    let start = hash.payload.length();
    let mut end = start;
    for p in chain {
        end += p.ok()?.payload.length();
    }
    Some((hash.payload.body(), &plain[start..end]))
}

/// Seconds of a duration scaled by a percentage (soft lifetimes).
pub(crate) fn percent(d: Duration, pct: u8) -> Duration {
    // In nanoseconds, widened: a peer's lifetime can be any 32-bit number of seconds.
    let n = d.as_nanos() * u128::from(pct.min(100)) / 100;
    Duration::from_nanos(u64::try_from(n).unwrap_or(u64::MAX))
}
