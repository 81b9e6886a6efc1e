//! Phase 1: Main Mode (Identity Protection) with pre-shared keys, RFC 2409 section 5.4.
//!
//! ```text
//! Initiator                         Responder
//! HDR, SA, [VID]             -->                      (Mm2)
//!                            <--    HDR, SA, [VID]    (Mm3)
//! HDR, KE, Ni                -->                      (Mm4)
//!                            <--    HDR, KE, Nr       (Mm5)
//! HDR*, IDii, HASH_I         -->                      (Mm6)
//!                            <--    HDR*, IDir, HASH_R
//! ```
//!
//! In brackets: the message the sender then waits for ([`MainAwaits`]).

use std::net::SocketAddrV4;

use crate::crypto::{DhPrivate, IsakmpCrypter, Phase1Keys, phase1};
use crate::rng::Random;
use crate::wire::{
    ExchangeType, IdData, IdPayload, Message, NotifyPayload, NotifyType, Payload, PayloadChain,
    PayloadType, ProtocolId, vendor_id,
};

use super::aggressive_mode::AggressiveAwaits;
use super::event::{
    BadMessage, DeleteReason, DropReason, EventKind, FailReason, KeysDerived, Step,
};
use super::handled::{Answer, Exchange, Handled, Refusal};
use super::index::{PeerIndex, Ph1Index};
use super::phase1::{Awaits, State};
use super::proposal::{choose_phase1, phase1_answer, phase1_offer, phase1_suite};
use super::received::{CookiesOf, Fingerprint, Taken};
use super::{Engine, IKE_PORT, Identity, InitialContact, NAT_T_PORT, NatTraversal, Ph1};

/// The message a Main Mode negotiation waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MainAwaits {
    /// Initiator: MM1 sent.
    Mm2,
    /// Responder: MM2 sent.
    Mm3,
    /// Initiator: MM3 sent.
    Mm4,
    /// Responder: MM4 sent.
    Mm5,
    /// Initiator: MM5 sent.
    Mm6,
}

/// Whose phase-1 HASH: the initiator's (HASH_I) or the responder's (HASH_R).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Party {
    /// HASH_I.
    Initiator,
    /// HASH_R.
    Responder,
}

/// A first phase-1 message from `src` to `dst`, and the configured peer it belongs to.
#[derive(Clone, Copy)]
pub(crate) struct FirstMessage<'a> {
    pub(crate) peer: PeerIndex,
    pub(crate) src: SocketAddrV4,
    pub(crate) dst: SocketAddrV4,
    /// The datagram as it came (SAi_b is hashed as it travelled).
    pub(crate) bytes: &'a [u8],
    pub(crate) msg: &'a Message,
}

/// A NAT-D hash: HASH(CKY-I | CKY-R | IP | Port) with the negotiated hash (RFC 3947 3.2).
pub fn nat_d_hash(
    hash: crate::crypto::HashAlg,
    icookie: &[u8; 8],
    rcookie: &[u8; 8],
    a: SocketAddrV4,
) -> Vec<u8> {
    hash.digest(&[icookie, rcookie, &a.ip().octets(), &a.port().to_be_bytes()])
}

/// The raw body of the first payload of `kind` in a plaintext message (SAi_b must be hashed
/// exactly as it travelled).
pub(crate) fn raw_body(bytes: &[u8], msg: &Message, kind: PayloadType) -> Option<Vec<u8>> {
    let body = bytes.get(crate::wire::HEADER_LEN..msg.header.length as usize)?;
    PayloadChain::new(msg.header.next_payload, body)
        .filter_map(Result::ok)
        .find(|p| p.kind == kind)
        .map(|p| p.payload.body().to_vec())
}

impl Engine {
    /// HASH_I or HASH_R (RFC 2409 section 5) of the phase-1 SA at `i`, over the sender's `id`;
    /// the keys are derived.
    pub(crate) fn phase1_hash(&self, i: Ph1Index, party: Party, id: &IdPayload) -> Vec<u8> {
        let p = &self.ph1s[i];
        let v = phase1::HashInputs {
            gxi: &p.gxi,
            gxr: &p.gxr,
            cky_i: &p.icookie,
            cky_r: &p.rcookie,
            sai_b: &p.sai_b,
        };
        let keys = &p
            .keyed
            .as_ref()
            .expect("phase-1 hashes follow the key derivation")
            .keys;
        match party {
            Party::Initiator => keys.hash_i(&v, &id.to_bytes()),
            Party::Responder => keys.hash_r(&v, &id.to_bytes()),
        }
    }

    pub(crate) fn phase1_id(&self, ph1: Ph1Index) -> IdPayload {
        let p = &self.ph1s[ph1];
        let (protocol, port) = self.cfg.behaviour.phase1_id_proto_port;
        let data = match &self.cfg.peers[p.peer].my_id {
            Identity::Address => IdData::Ipv4Addr(*p.local.ip()),
            Identity::Fqdn(f) => IdData::Fqdn(f.clone().into_bytes()),
            Identity::UserFqdn(f) => IdData::UserFqdn(f.clone().into_bytes()),
        };
        IdPayload {
            protocol,
            port,
            data,
        }
    }

    pub(crate) fn vendor_id_payloads(&self, peer: PeerIndex, nat_t: bool) -> Vec<Payload> {
        let mut v: Vec<Payload> = self
            .cfg
            .behaviour
            .vendor_ids
            .iter()
            .map(|v| Payload::VendorId(v.clone()))
            .collect();
        if nat_t && self.cfg.peers[peer].nat_traversal != NatTraversal::Off {
            v.push(Payload::VendorId(vendor_id::NAT_T_RFC3947.to_vec()));
        }
        v
    }

    /// NAT-D payloads (RFC 3947 section 3.2): the peer's address and port first, then ours.
    /// With [`NatTraversal::Force`] ours is deliberately wrong, so that the peer sees a NAT.
    pub(crate) fn nat_d_payloads(&mut self, i: Ph1Index) -> Vec<Payload> {
        let p = &self.ph1s[i];
        let hash = p.suite.map_or(crate::crypto::HashAlg::Sha1, |s| s.hash);
        let remote = nat_d_hash(hash, &p.icookie, &p.rcookie, p.remote);
        let mut local = nat_d_hash(hash, &p.icookie, &p.rcookie, p.local);
        if self.cfg.peers[p.peer].nat_traversal == NatTraversal::Force {
            self.rng.fill(&mut local);
        }
        [remote, local]
            .into_iter()
            .map(|h| Payload::NatD {
                kind: PayloadType::NAT_D,
                hash: h,
            })
            .collect()
    }

    /// Compares the peer's NAT-D payloads with what we see (RFC 3947 section 3.2).
    pub(crate) fn check_nat_d(&mut self, i: Ph1Index, msg: &Message) {
        let p = &self.ph1s[i];
        if !p.nat_t {
            return;
        }
        let hash = p.suite.map_or(crate::crypto::HashAlg::Sha1, |s| s.hash);
        let hashes: Vec<&Vec<u8>> = msg
            .payloads()
            .unwrap_or(&[])
            .iter()
            .filter_map(|x| {
                if let Payload::NatD { hash, .. } = x {
                    Some(hash)
                } else {
                    None
                }
            })
            .collect();
        let Some((first, rest)) = hashes.split_first() else {
            return;
        };
        let us_ok = **first == nat_d_hash(hash, &p.icookie, &p.rcookie, p.local);
        let them_ok = rest
            .iter()
            .any(|h| **h == nat_d_hash(hash, &p.icookie, &p.rcookie, p.remote));
        let forced = self.cfg.peers[p.peer].nat_traversal == NatTraversal::Force;
        self.ph1s[i].behind_nat = forced || !us_ok || !them_ok;
    }

    /// After the key exchange, a NAT moves IKE to port 4500 (RFC 3947 section 4).
    pub(crate) fn float(&mut self, i: Ph1Index) {
        let p = &mut self.ph1s[i];
        if p.behind_nat && p.initiator {
            p.local.set_port(NAT_T_PORT);
            p.remote.set_port(NAT_T_PORT);
        }
    }

    pub(crate) fn has_vid(msg: &Message, vid: &[u8]) -> bool {
        msg.payloads()
            .unwrap_or(&[])
            .iter()
            .any(|p| matches!(p, Payload::VendorId(v) if v[..] == *vid))
    }

    pub(crate) fn has_nat_t_vid(msg: &Message) -> bool {
        msg.payloads()
            .unwrap_or(&[])
            .iter()
            .any(|p| matches!(p, Payload::VendorId(v) if v[..] == vendor_id::NAT_T_RFC3947))
    }

    pub(crate) fn vendor_id_events(&mut self, from: SocketAddrV4, msg: &Message) {
        for p in msg.payloads().unwrap_or(&[]).to_vec() {
            if let Payload::VendorId(v) = p {
                let name =
                    vendor_id::name(&v).map_or_else(|| super::event::hex(&v), str::to_string);
                self.event(EventKind::VendorIdReceived { from, name });
            }
        }
    }

    /// The configured peer a first message from `src` to `dst` belongs to (a `None` remote
    /// accepts any address), or why there is none.
    pub(crate) fn responder_peer(
        &self,
        src: SocketAddrV4,
        dst: SocketAddrV4,
        mode: super::ExchangeMode,
    ) -> Result<PeerIndex, Refusal> {
        let found = PeerIndex::find(&self.cfg.peers, |c| {
            c.local == *dst.ip() && c.remote.is_none_or(|r| r == *src.ip())
        });
        let Some(peer) = found else {
            return Err(DropReason::UnknownPeer.into());
        };
        // A responder answers only the exchange its peer is configured for: a Main Mode router
        // gives an Aggressive Mode initiator nothing (the initiator times out).
        if self.cfg.peers[peer].mode != mode {
            return Err(BadMessage::ModeNotConfigured(mode).into());
        }
        Ok(peer)
    }

    /// Starts Main Mode with a configured peer.
    pub(crate) fn start_phase1(&mut self, peer: PeerIndex) {
        let cfg = &self.cfg.peers[peer];
        let Some(remote) = cfg.remote else { return };
        if cfg.responder_only {
            return;
        }
        if cfg.mode == super::ExchangeMode::Aggressive {
            self.start_aggressive(peer);
            return;
        }
        let local = SocketAddrV4::new(cfg.local, IKE_PORT);
        let remote = SocketAddrV4::new(remote, IKE_PORT);
        let sa = phase1_offer(&cfg.proposals);
        let mut sai_b = Vec::new();
        sa.emit(&mut sai_b).expect("offer fits");
        let mut icookie = [0u8; 8];
        self.rng.fill(&mut icookie);
        let mut payloads = vec![Payload::Sa(sa)];
        payloads.extend(self.vendor_id_payloads(peer, true));
        let msg = Engine::plain_message(
            icookie,
            [0; 8],
            ExchangeType::IDENTITY_PROTECTION,
            0,
            payloads,
        );
        let id = self.new_id();
        let pending = Some(self.pending(msg.clone()));
        self.ph1s.push(Ph1 {
            state: State::negotiating(Awaits::Main(MainAwaits::Mm2), pending),
            sai_b,
            ..Ph1::new(id, peer, (local, remote), true, (icookie, [0; 8]), self.now)
        });
        self.event(EventKind::Phase1Started {
            local,
            remote,
            exchange: ExchangeType::IDENTITY_PROTECTION,
            initiator: true,
        });
        self.send(local, remote, &msg, false);
    }

    /// A Main Mode message arrived.
    pub(crate) fn main_mode_input(
        &mut self,
        src: SocketAddrV4,
        dst: SocketAddrV4,
        bytes: &[u8],
        msg: Message,
    ) {
        let h = msg.header;
        if let Some(i) = self.ph1_for_cookies(&h, src, CookiesOf::FirstAgain) {
            // A first message again under an exchange we answer: a byte-identical one gets the
            // stored reply; another with the same cookie is dropped, never a second SA.
            let fp = Fingerprint::of(bytes);
            let taken = self.ph1s[i].taken(fp);
            if !self.answer_repeat(src, i, taken.as_ref(), fp) {
                self.dropped(src, DropReason::FirstMessageAgain);
            }
            return;
        }
        let Some(i) = self.ph1_for_cookies(&h, src, CookiesOf::Phase1) else {
            let first = if h.responder_cookie != [0; 8] {
                Err(DropReason::UnknownCookies.into())
            } else {
                self.respond_first(src, dst, bytes, &msg)
            };
            if let Err(why) = first {
                self.refused(src, Exchange::Unmatched, why);
            }
            return;
        };
        if self.ph1s[i].remote.ip() != src.ip() {
            self.refused(src, Exchange::Unmatched, DropReason::UnknownPeer.into());
            return;
        }
        let fp = Fingerprint::of(bytes);
        let taken = self.ph1s[i].taken(fp);
        if self.answer_repeat(src, i, taken.as_ref(), fp) {
            return;
        }
        // NAT-T floats the exchange to port 4500; the responder follows the initiator.
        self.ph1s[i].remote = src;
        self.ph1s[i].local = dst;
        let answer = match self.ph1s[i].awaits().cloned() {
            Some(Awaits::Main(MainAwaits::Mm2)) => self.mm2_received(i, &msg),
            Some(Awaits::Main(MainAwaits::Mm4)) => self.mm4_received(i, &msg),
            Some(Awaits::Main(MainAwaits::Mm6)) => self.mm6_received(i, &msg),
            Some(Awaits::Main(MainAwaits::Mm3)) => self.mm3_received(i, &msg),
            Some(Awaits::Main(MainAwaits::Mm5)) => self.mm5_received(i, &msg),
            Some(Awaits::Aggressive(AggressiveAwaits::Am2)) => self.am2_received(i, &msg),
            Some(Awaits::Aggressive(AggressiveAwaits::Am3 { idii })) => {
                self.am3_received(i, &msg, &idii)
            }
            None => Err(BadMessage::AfterPhase1.into()),
        };
        match answer {
            Ok(answer) => {
                self.ph1s[i].took(Taken {
                    fingerprint: fp,
                    reply: answer.into_reply(),
                });
                self.ph1s[i].last_heard = self.now;
            }
            Err(why) => self.refused(src, Exchange::Phase1(i), why),
        }
    }

    /// Sends `msg` as this exchange's next message, expecting an answer (initiator) or not.
    pub(crate) fn ph1_send(&mut self, i: Ph1Index, msg: Vec<u8>, expect_answer: bool) {
        let (l, r) = (self.ph1s[i].local, self.ph1s[i].remote);
        self.send(l, r, &msg, false);
        let pending = expect_answer.then(|| self.pending(msg));
        self.ph1s[i].set_pending(pending);
    }

    fn mm2_received(&mut self, i: Ph1Index, msg: &Message) -> Handled {
        let Some(sa) = msg.sa() else {
            return Err(BadMessage::MissingPayloads(Step::Mm2).into());
        };
        let ours = &self.cfg.peers[self.ph1s[i].peer].proposals;
        let chosen = sa
            .proposals
            .first()
            .and_then(|p| p.transforms.first())
            .and_then(phase1_suite);
        let Some(suite) = chosen.filter(|s| {
            ours.iter()
                .any(|o| o.cipher == s.cipher && o.hash == s.hash && o.group == s.group)
        }) else {
            return Err(BadMessage::NotOffered(Step::Mm2).into());
        };
        let from = self.ph1s[i].remote;
        self.payload_events(from, msg);
        self.vendor_id_events(from, msg);
        let dh = DhPrivate::generate(suite.group, &mut self.rng);
        let ni = self.nonce();
        let nat_t = Engine::has_nat_t_vid(msg)
            && self.cfg.peers[self.ph1s[i].peer].nat_traversal != NatTraversal::Off;
        self.ph1s[i].peer_dpd = Engine::has_vid(msg, &vendor_id::DPD);
        let p = &mut self.ph1s[i];
        p.rcookie = msg.header.responder_cookie;
        p.suite = Some(suite);
        p.gxi = dh.public_value();
        p.ni = ni.clone();
        p.nat_t = nat_t;
        let ke = Payload::Ke(p.gxi.clone());
        p.dh = Some(dh);
        p.set_awaits(Awaits::Main(MainAwaits::Mm4));
        let (ic, rc) = (p.icookie, p.rcookie);
        let mut payloads = vec![ke, Payload::Nonce(ni)];
        if self.cfg.behaviour.vendor_ids_with_ke {
            payloads.extend(self.vendor_id_payloads(self.ph1s[i].peer, false));
        }
        if nat_t {
            payloads.extend(self.nat_d_payloads(i));
        }
        let mm3 = Engine::plain_message(ic, rc, ExchangeType::IDENTITY_PROTECTION, 0, payloads);
        self.ph1_send(i, mm3, true);
        Ok(Answer::Taken)
    }

    /// Derives the phase-1 keys once both KE and nonces are known.
    pub(crate) fn derive_phase1(&mut self, i: Ph1Index, step: Step) -> Result<(), BadMessage> {
        let psk = self.cfg.peers[self.ph1s[i].peer].psk.clone();
        let p = &mut self.ph1s[i];
        let invalid = BadMessage::BadPublicValue(step);
        let (Some(suite), Some(dh)) = (p.suite, p.dh.as_ref()) else {
            return Err(invalid);
        };
        let peer_public = if p.initiator { &p.gxr } else { &p.gxi };
        let Ok(gxy) = dh.shared_secret(peer_public) else {
            return Err(invalid);
        };
        let skeyid = phase1::skeyid_psk(suite.hash, &psk, &p.ni, &p.nr);
        let keys = Phase1Keys::derive(
            suite.hash,
            skeyid,
            &gxy,
            &p.icookie,
            &p.rcookie,
            suite.cipher.key_len(),
        );
        let crypter = IsakmpCrypter::new(suite.cipher, suite.hash, &keys.ka, &p.gxi, &p.gxr)
            .map_err(|_| invalid)?;
        let ev = KeysDerived::Phase1 {
            icookie: p.icookie,
            rcookie: p.rcookie,
            cipher: suite.cipher,
            ka: keys.ka.clone(),
        };
        p.keyed = Some(super::Keyed { keys, crypter });
        self.event(EventKind::Keys(ev));
        Ok(())
    }

    pub(crate) fn ke_nonce(msg: &Message) -> Option<(Vec<u8>, Vec<u8>)> {
        let ke = msg.ke().cloned()?;
        let n = msg.nonce().cloned()?;
        Some((ke, n))
    }

    fn mm4_received(&mut self, i: Ph1Index, msg: &Message) -> Handled {
        let Some((ke, nr)) = Engine::ke_nonce(msg) else {
            return Err(BadMessage::MissingPayloads(Step::Mm4).into());
        };
        let from = self.ph1s[i].remote;
        self.ph1s[i].gxr = ke;
        self.ph1s[i].nr = nr;
        self.derive_phase1(i, Step::Mm4)?;
        self.payload_events(from, msg);
        self.vendor_id_events(from, msg);
        self.check_nat_d(i, msg);
        self.float(i);
        let id = self.phase1_id(i);
        let hash_i = self.phase1_hash(i, Party::Initiator, &id);
        let mut payloads = vec![Payload::Id(id), Payload::Hash(hash_i)];
        let peer_ip = *self.ph1s[i].remote.ip();
        if self.cfg.behaviour.initial_contact == InitialContact::InMainMode
            && !self.contacted.contains(&peer_ip)
        {
            payloads.push(Payload::Notify(self.initial_contact_notify(i)));
            self.contacted.push(peer_ip);
        }
        let mm5 = self.encrypted_message(i, ExchangeType::IDENTITY_PROTECTION, 0, &payloads, None);
        self.ph1s[i].set_awaits(Awaits::Main(MainAwaits::Mm6));
        self.ph1_send(i, mm5, true);
        Ok(Answer::Taken)
    }

    pub(crate) fn initial_contact_notify(&self, i: Ph1Index) -> NotifyPayload {
        let p = &self.ph1s[i];
        NotifyPayload {
            doi: crate::wire::Doi::IPSEC,
            protocol: ProtocolId::ISAKMP,
            kind: NotifyType::INITIAL_CONTACT,
            spi: [p.icookie, p.rcookie].concat(),
            data: vec![],
        }
    }

    /// Checks the peer's ID and HASH in MM5/MM6; returns the payloads on success.
    fn authenticate(
        &mut self,
        i: Ph1Index,
        msg: &Message,
        step: Step,
    ) -> Result<Vec<Payload>, Refusal> {
        let from = self.ph1s[i].remote;
        let Some((_plain, opened, crypter)) = self.open(i, msg) else {
            return Err(DropReason::DecryptFailed.into());
        };
        let payloads = opened.payloads().unwrap_or(&[]).to_vec();
        let id = opened.id().cloned();
        let hash = opened.hash().cloned();
        let (Some(id), Some(hash)) = (id, hash) else {
            return Err(BadMessage::MissingPayloads(step).into());
        };
        let sender = if self.ph1s[i].initiator {
            Party::Responder
        } else {
            Party::Initiator
        };
        if self.phase1_hash(i, sender, &id) != hash {
            return Err(DropReason::BadHash.into());
        }
        self.ph1s[i].commit(crypter);
        self.payload_events(from, &opened);
        Ok(payloads)
    }

    fn mm6_received(&mut self, i: Ph1Index, msg: &Message) -> Handled {
        self.authenticate(i, msg, Step::Mm6)?;
        self.ph1s[i].set_pending(None);
        self.after_phase1_initiator(i);
        Ok(Answer::Taken)
    }

    /// Phase 1 is up: record it and schedule the phase 2s that wait for it.
    pub(crate) fn established(&mut self, i: Ph1Index) {
        let now = self.now;
        let p = &mut self.ph1s[i];
        p.state = State::Established {
            since: now,
            dpd: None,
        };
        p.expires = p.suite.map(|s| now + s.lifetime);
        let (local, remote, icookie, rcookie, initiator, peer) =
            (p.local, p.remote, p.icookie, p.rcookie, p.initiator, p.peer);
        self.event(EventKind::Phase1Established {
            local,
            remote,
            icookie,
            rcookie,
            initiator,
        });
        let _ = remote;
        let delay = self.cfg.behaviour.phase2_delay;
        let peer_name = self.cfg.peers[peer].name.clone();
        for w in &mut self.waiting {
            if w.at.is_none() && self.cfg.policies[w.policy].peer == peer_name {
                w.at = Some(now + delay);
            }
        }
    }

    /// A first phase-1 message (no responder cookie yet): the peer it belongs to answers it in
    /// Main or Aggressive Mode, as the message's exchange type says.
    fn respond_first(
        &mut self,
        src: SocketAddrV4,
        dst: SocketAddrV4,
        bytes: &[u8],
        msg: &Message,
    ) -> Result<(), Refusal> {
        let aggressive = msg.header.exchange_type == ExchangeType::AGGRESSIVE;
        let mode = if aggressive {
            super::ExchangeMode::Aggressive
        } else {
            super::ExchangeMode::Main
        };
        super::checks::first_message(msg).map_err(DropReason::Invalid)?;
        let first = FirstMessage {
            peer: self.responder_peer(src, dst, mode)?,
            src,
            dst,
            bytes,
            msg,
        };
        // Only a message that will keep state competes for a place: one whose offer we cannot
        // take gets NO-PROPOSAL-CHOSEN and leaves nothing behind.
        let acceptable = msg.sa().is_some_and(|sa| {
            choose_phase1(
                sa,
                &self.cfg.peers[first.peer].proposals,
                self.cfg.behaviour.proposal_match,
            )
            .is_some()
        });
        if acceptable {
            self.admit_half_open(*src.ip())?;
        }
        if aggressive {
            self.respond_am1(&first)
        } else {
            self.respond_mm1(&first)
        }
    }

    /// A first message's exchange begins: it says so, and which payloads came.
    pub(crate) fn responder_begins(&mut self, first: &FirstMessage<'_>) {
        let FirstMessage { src, dst, msg, .. } = *first;
        self.event(EventKind::Phase1Started {
            local: dst,
            remote: src,
            exchange: msg.header.exchange_type,
            initiator: false,
        });
        self.payload_events(src, msg);
        self.vendor_id_events(src, msg);
    }

    /// MM1: choose a transform and answer with MM2.
    fn respond_mm1(&mut self, first: &FirstMessage<'_>) -> Result<(), Refusal> {
        let (peer, src, dst) = (first.peer, first.src, first.dst);
        let (bytes, msg) = (first.bytes, first.msg);
        let sa = msg.sa().cloned();
        let (Some(sa), Some(sai_b)) = (sa, raw_body(bytes, msg, PayloadType::SA)) else {
            return Err(BadMessage::MissingPayloads(Step::Mm1).into());
        };
        self.responder_begins(first);
        let how = self.cfg.behaviour.proposal_match;
        let Some((transform, suite)) = choose_phase1(&sa, &self.cfg.peers[peer].proposals, how)
        else {
            let n = NotifyPayload {
                doi: crate::wire::Doi::IPSEC,
                protocol: ProtocolId::ISAKMP,
                kind: NotifyType::NO_PROPOSAL_CHOSEN,
                spi: vec![],
                data: vec![],
            };
            let m = Engine::plain_message(
                msg.header.initiator_cookie,
                [0; 8],
                ExchangeType::INFORMATIONAL,
                0,
                vec![Payload::Notify(n)],
            );
            self.event(EventKind::NotifySent {
                to: src,
                kind: NotifyType::NO_PROPOSAL_CHOSEN,
                protocol: ProtocolId::ISAKMP,
            });
            self.send(dst, src, &m, false);
            self.event(EventKind::Phase1Failed {
                remote: src,
                reason: FailReason::NoProposalChosen,
            });
            return Ok(());
        };
        let mut rcookie = [0u8; 8];
        self.rng.fill(&mut rcookie);
        let nat_t =
            Engine::has_nat_t_vid(msg) && self.cfg.peers[peer].nat_traversal != NatTraversal::Off;
        let mut payloads = vec![Payload::Sa(phase1_answer(transform))];
        payloads.extend(self.vendor_id_payloads(peer, nat_t));
        let mm2 = Engine::plain_message(
            msg.header.initiator_cookie,
            rcookie,
            ExchangeType::IDENTITY_PROTECTION,
            0,
            payloads,
        );
        let id = self.new_id();
        // A responder resends its replies on its own schedule too, not only when the initiator
        // repeats itself (racoon's `ident_r1send` and `ident_r2send` end in `isakmp_ph1resend`):
        // a lost reply costs one interval, not the initiator's whole budget.
        let pending = Some(self.pending(mm2.clone()));
        self.ph1s.push(Ph1 {
            state: State::negotiating(Awaits::Main(MainAwaits::Mm3), pending),
            suite: Some(suite),
            sai_b,
            last_rx: Some(Taken {
                fingerprint: Fingerprint::of(bytes),
                reply: Some(mm2.clone()),
            }),
            nat_t,
            peer_dpd: Engine::has_vid(msg, &vendor_id::DPD),
            ..Ph1::new(
                id,
                peer,
                (dst, src),
                false,
                (msg.header.initiator_cookie, rcookie),
                self.now,
            )
        });
        self.send(dst, src, &mm2, false);
        Ok(())
    }

    fn mm3_received(&mut self, i: Ph1Index, msg: &Message) -> Handled {
        let Some((ke, ni)) = Engine::ke_nonce(msg) else {
            return Err(BadMessage::MissingPayloads(Step::Mm3).into());
        };
        let from = self.ph1s[i].remote;
        let group = self.ph1s[i].suite.expect("chosen in MM1").group;
        let dh = DhPrivate::generate(group, &mut self.rng);
        let nr = self.nonce();
        let p = &mut self.ph1s[i];
        p.gxi = ke;
        p.ni = ni;
        p.gxr = dh.public_value();
        p.nr = nr.clone();
        p.dh = Some(dh);
        self.derive_phase1(i, Step::Mm3)?;
        self.payload_events(from, msg);
        self.check_nat_d(i, msg);
        let mut payloads = vec![Payload::Ke(self.ph1s[i].gxr.clone()), Payload::Nonce(nr)];
        if self.cfg.behaviour.vendor_ids_with_ke {
            payloads.extend(self.vendor_id_payloads(self.ph1s[i].peer, false));
        }
        if self.ph1s[i].nat_t {
            payloads.extend(self.nat_d_payloads(i));
        }
        let p = &mut self.ph1s[i];
        p.set_awaits(Awaits::Main(MainAwaits::Mm5));
        let (ic, rc) = (p.icookie, p.rcookie);
        let mm4 = Engine::plain_message(ic, rc, ExchangeType::IDENTITY_PROTECTION, 0, payloads);
        self.ph1_send(i, mm4.clone(), true);
        Ok(Answer::Replied(mm4))
    }

    fn mm5_received(&mut self, i: Ph1Index, msg: &Message) -> Handled {
        let payloads = self.authenticate(i, msg, Step::Mm5)?;
        let id = self.phase1_id(i);
        let hash_r = self.phase1_hash(i, Party::Responder, &id);
        let mm6 = self.encrypted_message(
            i,
            ExchangeType::IDENTITY_PROTECTION,
            0,
            &[Payload::Id(id), Payload::Hash(hash_r)],
            None,
        );
        self.ph1_send(i, mm6.clone(), false);
        self.established(i);
        let from = self.ph1s[i].remote;
        for p in payloads {
            if let Payload::Notify(n) = p {
                self.event(EventKind::NotifyReceived {
                    from,
                    kind: n.kind,
                    protocol: n.protocol,
                    message_id: 0,
                });
                if n.kind == NotifyType::INITIAL_CONTACT {
                    self.initial_contact_received(i);
                }
            }
        }
        Ok(Answer::Replied(mm6))
    }

    /// Retransmissions, timeouts and expiry of phase-1 SAs.
    pub(crate) fn main_mode_timers(&mut self) {
        let now = self.now;
        let retransmit = self.cfg.behaviour.retransmit;
        let timeout = self.cfg.behaviour.phase1_timeout;
        for i in Ph1Index::all(&self.ph1s) {
            let p = &mut self.ph1s[i];
            if p.state == State::Dead {
                continue;
            }
            if let Some(q) = p.pending_mut().filter(|q| q.next <= now) {
                if q.sends < retransmit.tries {
                    q.sends += 1;
                    q.next = now + retransmit.interval;
                    let (bytes, l, r) = (q.bytes.clone(), p.local, p.remote);
                    self.send(l, r, &bytes, true);
                } else {
                    let reason = p.give_up_reason();
                    self.phase1_failed(i, reason);
                    continue;
                }
            }
            let p = &self.ph1s[i];
            if !p.established() && now >= p.last_heard + timeout {
                let reason = p.give_up_reason();
                self.phase1_failed(i, reason);
            } else if p.expires.is_some_and(|e| e <= now) {
                self.delete_phase1(i, true, DeleteReason::Expired);
            }
        }
    }

    fn phase1_failed(&mut self, i: Ph1Index, reason: FailReason) {
        let p = &mut self.ph1s[i];
        p.state = State::Dead;
        let (remote, peer) = (p.remote, p.peer);
        self.event(EventKind::Phase1Failed { remote, reason });
        let name = self.cfg.peers[peer].name.clone();
        let policies = &self.cfg.policies;
        self.waiting.retain(|w| policies[w.policy].peer != name);
    }
}
