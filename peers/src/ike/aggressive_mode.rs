//! Phase 1: Aggressive Mode with pre-shared keys, RFC 2409 section 5.4.
//!
//! ```text
//! Initiator                                   Responder
//! HDR, SA, KE, Ni, IDii, [VID]          -->                                  (Am2)
//!                          <--  HDR, SA, KE, Nr, IDir, HASH_R, [VID], [NAT-D] (Am3)
//! HDR, HASH_I, [NAT-D]                  -->
//! ```
//!
//! The third message travels in the clear, as the RFC and racoon (`agg_i2send`) send it; one
//! that arrives encrypted is accepted too. Only one DH group can be offered (the KE goes in the
//! first message): the first proposal's, and only the proposals with that group.

use std::net::SocketAddrV4;

use crate::crypto::DhPrivate;
use crate::rng::Random;
use crate::wire::{Body, ExchangeType, IdPayload, Message, Payload, PayloadType, vendor_id};

use super::event::{BadMessage, DropReason, EventKind, FailReason, Step};
use super::handled::{Answer, Handled, Refusal};
use super::index::{PeerIndex, Ph1Index};
use super::main_mode::{FirstMessage, Party, raw_body};
use super::phase1::{Awaits, State};
use super::proposal::{choose_phase1, phase1_answer, phase1_offer, phase1_suite};
use super::received::{Fingerprint, Taken};
use super::{Engine, IKE_PORT, InitialContact, NatTraversal, Ph1};

/// The message an Aggressive Mode negotiation waits for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum AggressiveAwaits {
    /// Initiator: AM1 sent.
    Am2,
    /// Responder: AM2 sent; AM3's HASH_I covers the initiator's ID from AM1.
    Am3 {
        /// IDii as AM1 carried it.
        idii: IdPayload,
    },
}

impl Engine {
    /// Starts Aggressive Mode with a configured peer.
    pub(crate) fn start_aggressive(&mut self, peer: PeerIndex) {
        let cfg = &self.cfg.peers[peer];
        let (Some(remote), Some(first)) = (cfg.remote, cfg.proposals.first()) else {
            return;
        };
        let local = SocketAddrV4::new(cfg.local, IKE_PORT);
        let remote = SocketAddrV4::new(remote, IKE_PORT);
        let group = first.group;
        let offered: Vec<_> = cfg
            .proposals
            .iter()
            .copied()
            .filter(|p| p.group == group)
            .collect();
        let sa = phase1_offer(&offered);
        let mut sai_b = Vec::new();
        sa.emit(&mut sai_b).expect("offer fits");
        let mut icookie = [0u8; 8];
        self.rng.fill(&mut icookie);
        let dh = DhPrivate::generate(group, &mut self.rng);
        let ni = self.nonce();
        let id = self.new_id();
        self.ph1s.push(Ph1 {
            state: State::negotiating(Awaits::Aggressive(AggressiveAwaits::Am2), None),
            sai_b,
            gxi: dh.public_value(),
            ni: ni.clone(),
            dh: Some(dh),
            ..Ph1::new(id, peer, (local, remote), true, (icookie, [0; 8]), self.now)
        });
        let i = Ph1Index::last(&self.ph1s).expect("just pushed");
        let mut payloads = vec![
            Payload::Sa(sa),
            Payload::Ke(self.ph1s[i].gxi.clone()),
            Payload::Nonce(ni),
            Payload::Id(self.phase1_id(i)),
        ];
        payloads.extend(self.vendor_id_payloads(peer, true));
        let msg = Engine::plain_message(icookie, [0; 8], ExchangeType::AGGRESSIVE, 0, payloads);
        self.event(EventKind::Phase1Started {
            local,
            remote,
            exchange: ExchangeType::AGGRESSIVE,
            initiator: true,
        });
        self.ph1_send(i, msg, true);
    }

    /// AM1: answer with AM2.
    pub(crate) fn respond_am1(&mut self, first: &FirstMessage<'_>) -> Result<(), Refusal> {
        let (peer, src, dst) = (first.peer, first.src, first.dst);
        let (bytes, msg) = (first.bytes, first.msg);
        let sa = msg.sa().cloned();
        let ke = msg.ke().cloned();
        let ni = msg.nonce().cloned();
        let idii = msg.id().cloned();
        let (Some(sa), Some(gxi), Some(ni), Some(idii), Some(sai_b)) =
            (sa, ke, ni, idii, raw_body(bytes, msg, PayloadType::SA))
        else {
            return Err(BadMessage::MissingPayloads(Step::Am1).into());
        };
        self.responder_begins(first);
        let how = self.cfg.behaviour.proposal_match;
        let chosen = choose_phase1(&sa, &self.cfg.peers[peer].proposals, how)
            .filter(|(_, s)| s.group.len() == gxi.len());
        let Some((transform, suite)) = chosen else {
            self.event(EventKind::Phase1Failed {
                remote: src,
                reason: FailReason::NoProposalChosen,
            });
            return Ok(());
        };
        let nat_t =
            Engine::has_nat_t_vid(msg) && self.cfg.peers[peer].nat_traversal != NatTraversal::Off;
        let mut rcookie = [0u8; 8];
        self.rng.fill(&mut rcookie);
        let dh = DhPrivate::generate(suite.group, &mut self.rng);
        let nr = self.nonce();
        let id = self.new_id();
        self.ph1s.push(Ph1 {
            state: State::negotiating(Awaits::Aggressive(AggressiveAwaits::Am3 { idii }), None),
            suite: Some(suite),
            sai_b,
            gxi,
            gxr: dh.public_value(),
            ni,
            nr: nr.clone(),
            dh: Some(dh),
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
        let i = Ph1Index::last(&self.ph1s).expect("just pushed");
        if let Err(why) = self.derive_phase1(i, Step::Am1) {
            self.ph1s[i].state = State::Dead;
            return Err(why.into());
        }
        let idir = self.phase1_id(i);
        let hash_r = self.phase1_hash(i, Party::Responder, &idir);
        let mut payloads = vec![
            Payload::Sa(phase1_answer(transform)),
            Payload::Ke(self.ph1s[i].gxr.clone()),
            Payload::Nonce(nr),
            Payload::Id(idir),
            Payload::Hash(hash_r),
        ];
        payloads.extend(self.vendor_id_payloads(peer, nat_t));
        if nat_t {
            self.check_nat_d(i, msg);
            payloads.extend(self.nat_d_payloads(i));
        }
        let am2 = Engine::plain_message(
            msg.header.initiator_cookie,
            rcookie,
            ExchangeType::AGGRESSIVE,
            0,
            payloads,
        );
        self.ph1s[i].last_rx = Some(Taken {
            fingerprint: Fingerprint::of(bytes),
            reply: Some(am2.clone()),
        });
        self.ph1_send(i, am2.clone(), true);
        Ok(())
    }

    /// AM2 at the initiator: check the responder, then send AM3.
    pub(crate) fn am2_received(&mut self, i: Ph1Index, msg: &Message) -> Handled {
        let sa = msg.sa().cloned();
        let ke = msg.ke().cloned();
        let nr = msg.nonce().cloned();
        let idir = msg.id().cloned();
        let hash = msg.hash().cloned();
        let (Some(sa), Some(gxr), Some(nr), Some(idir), Some(hash)) = (sa, ke, nr, idir, hash)
        else {
            return Err(BadMessage::MissingPayloads(Step::Am2).into());
        };
        let ours = &self.cfg.peers[self.ph1s[i].peer].proposals;
        let group = self.ph1s[i].dh.as_ref().map(|d| d.group());
        let chosen = sa
            .proposals
            .first()
            .and_then(|p| p.transforms.first())
            .and_then(phase1_suite);
        let Some(suite) = chosen.filter(|s| {
            Some(s.group) == group
                && ours
                    .iter()
                    .any(|o| o.cipher == s.cipher && o.hash == s.hash)
        }) else {
            return Err(BadMessage::NotOffered(Step::Am2).into());
        };
        let from = self.ph1s[i].remote;
        let p = &mut self.ph1s[i];
        p.rcookie = msg.header.responder_cookie;
        p.suite = Some(suite);
        p.gxr = gxr;
        p.nr = nr;
        p.nat_t =
            Engine::has_nat_t_vid(msg) && self.cfg.peers[p.peer].nat_traversal != NatTraversal::Off;
        p.peer_dpd = Engine::has_vid(msg, &vendor_id::DPD);
        self.derive_phase1(i, Step::Am2)?;
        if self.phase1_hash(i, Party::Responder, &idir) != hash {
            return Err(DropReason::BadHash.into());
        }
        self.payload_events(from, msg);
        self.vendor_id_events(from, msg);
        self.check_nat_d(i, msg);
        let idii = self.phase1_id(i);
        let mut payloads = vec![Payload::Hash(self.phase1_hash(i, Party::Initiator, &idii))];
        if self.ph1s[i].nat_t {
            payloads.extend(self.nat_d_payloads(i));
        }
        self.float(i);
        let p = &self.ph1s[i];
        let am3 =
            Engine::plain_message(p.icookie, p.rcookie, ExchangeType::AGGRESSIVE, 0, payloads);
        self.ph1_send(i, am3.clone(), false);
        self.ph1s[i].set_pending(None);
        self.after_phase1_initiator(i);
        Ok(Answer::Replied(am3))
    }

    /// AM3 at the responder: check the initiator's HASH_I.
    pub(crate) fn am3_received(&mut self, i: Ph1Index, msg: &Message, idii: &IdPayload) -> Handled {
        let from = self.ph1s[i].remote;
        let opened = match &msg.body {
            Body::Encrypted(_) => match self.open(i, msg) {
                Some((_, m, crypter)) => {
                    self.ph1s[i].commit(crypter);
                    m
                }
                None => return Err(DropReason::DecryptFailed.into()),
            },
            Body::Payloads { .. } => msg.clone(),
        };
        let Some(hash) = opened.hash().cloned() else {
            return Err(BadMessage::MissingPayloads(Step::Am3).into());
        };
        // HASH_I covers the initiator's ID, which came in AM1.
        if self.phase1_hash(i, Party::Initiator, idii) != hash {
            return Err(DropReason::BadHash.into());
        }
        self.ph1s[i].set_pending(None);
        self.payload_events(from, &opened);
        self.check_nat_d(i, &opened);
        self.established(i);
        Ok(Answer::Taken)
    }

    /// What the initiator does once phase 1 is up: INITIAL-CONTACT, then the established event.
    pub(crate) fn after_phase1_initiator(&mut self, i: Ph1Index) {
        let peer_ip = *self.ph1s[i].remote.ip();
        if self.cfg.behaviour.initial_contact != InitialContact::Off
            && !self.contacted.contains(&peer_ip)
        {
            self.contacted.push(peer_ip);
            let n = self.initial_contact_notify(i);
            self.send_notify(i, n);
        }
        self.established(i);
    }
}
