//! Phase 2: Quick Mode, RFC 2409 section 5.5.
//!
//! ```text
//! Initiator                                      Responder
//! HDR*, HASH(1), SA, Ni, [KE], [IDci, IDcr] -->              (I1Sent)
//!                 <-- HDR*, HASH(2), SA, Nr, [KE], [IDci, IDcr] (R2Sent)
//! HDR*, HASH(3)                             -->
//! ```
//!
//! The responder picks the policy whose IDs match the received IDci/IDcr ([`IdMatch`]); the
//! document's failure is this step: SEIL sends 0.0.0.0/0 both ways, IX only knows
//! 172.16.0.2 <-> 172.16.0.1 and answers INVALID-ID-INFORMATION.
//!
//! IDci/IDcr are optional: a policy with [`IdPayloads::Omitted`] (a Yamaha RTX without phase-2
//! IDs) sends none, and a responder that receives none takes the ISAKMP SA's endpoints as the
//! identities (section 5.5), matching them as received IDs ([`MissingIds::Endpoints`]) or taking
//! the peer's policy ([`MissingIds::PeerPolicy`]); its QM2 then carries no IDs either.

use std::net::SocketAddrV4;

use crate::crypto::{DhPrivate, phase2};
use crate::esp::{EspKeys, InboundSa, OutboundSa};
use crate::wire::{
    AttrValue, Attribute, Doi, ExchangeType, IdData, IdPayload, IpsecAttr, LifeType, Message,
    NotifyPayload, NotifyType, Payload, ProtocolId,
};

use super::event::{BadMessage, Direction, DropReason, EventKind, FailReason, KeysDerived, Step};
use super::handled::{Exchange, Refusal};
use super::index::{PeerIndex, Ph1Index, Ph2Index, PolicyIndex};
use super::proposal::{Phase2Suite, choose_phase2, phase2_answer, phase2_offer, phase2_suite};
use super::received::{CookiesOf, Fingerprint, Taken};
use super::{
    Engine, IdMatch, IdPayloads, IpsecSa, MissingIds, Ph2, Phase2Notify, QmId, ReturnedIds, percent,
};

/// Where a Quick Mode exchange stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum State {
    /// Initiator: QM1 sent.
    I1Sent,
    /// Responder: QM2 sent.
    R2Sent,
    /// Finished (SAs installed, or failed).
    Done,
}

fn id_payload(id: &QmId) -> Payload {
    Payload::Id(IdPayload {
        protocol: id.protocol,
        port: id.port,
        data: id.data.clone(),
    })
}

/// The identities of a Quick Mode without ID payloads (RFC 2409 section 5.5): the ISAKMP SA
/// endpoints' addresses as ID_IPV4_ADDR, any protocol and port, as (ours, theirs).
fn endpoint_ids(local: SocketAddrV4, remote: SocketAddrV4) -> (QmId, QmId) {
    let host = |a: &SocketAddrV4| QmId {
        data: IdData::Ipv4Addr(*a.ip()),
        protocol: 0,
        port: 0,
    };
    (host(&local), host(&remote))
}

fn qm_id(p: &IdPayload) -> QmId {
    QmId {
        data: p.data.clone(),
        protocol: p.protocol,
        port: p.port,
    }
}

/// The (first, last) IPv4 addresses an ID covers, for narrowing.
fn range(id: &QmId) -> Option<(u32, u32)> {
    match id.data {
        IdData::Ipv4Addr(a) => Some((u32::from(a), u32::from(a))),
        IdData::Ipv4Subnet(a, m) => {
            let (a, m) = (u32::from(a), u32::from(m));
            Some((a & m, (a & m) | !m))
        }
        IdData::Ipv4Range(a, b) => Some((u32::from(a), u32::from(b))),
        _ => None,
    }
}

/// Whether a received ID `got` is acceptable for a policy ID `want`.
fn id_matches(how: IdMatch, got: &QmId, want: &QmId) -> bool {
    match how {
        // Lenient prefers an exact match; the fallback is in `qm1_received`.
        IdMatch::Exact | IdMatch::Lenient => got == want,
        IdMatch::Narrow => {
            let proto_ok = got.protocol == 0 || got.protocol == want.protocol;
            let port_ok = got.port == 0 || got.port == want.port;
            match (range(got), range(want)) {
                (Some((g0, g1)), Some((w0, w1))) => proto_ok && port_ok && g0 <= w0 && w1 <= g1,
                _ => got == want,
            }
        }
    }
}

impl Engine {
    /// Starts Quick Mode for `policy` under the phase-1 SA at index `i`.
    pub(crate) fn start_quick_mode(&mut self, policy: PolicyIndex, i: Ph1Index) {
        let msgid = self.new_msgid(i);
        let my_spi = self.new_spi();
        let ni = self.nonce();
        let pol = self.cfg.policies[policy].clone();
        let dh = pol.pfs.map(|g| DhPrivate::generate(g, &mut self.rng));
        let omitted = pol.id_payloads == IdPayloads::Omitted;
        let (idci, idcr) = if omitted {
            let p = &self.ph1s[i];
            endpoint_ids(p.local, p.remote)
        } else {
            pol.qm_ids()
        };
        let udp = self.ph1s[i].behind_nat;
        let mut payloads = vec![
            Payload::Sa(phase2_offer(my_spi, &pol.proposals, pol.mode, udp, pol.pfs)),
            Payload::Nonce(ni.clone()),
        ];
        if let Some(dh) = &dh {
            payloads.push(Payload::Ke(dh.public_value()));
        }
        if !omitted {
            payloads.push(id_payload(&idci));
            payloads.push(id_payload(&idcr));
        }
        let (prf, skeyid_a) = self.skeyid_a(i);
        let hash = move |after: &[u8]| phase2::qm_hash1(prf, &skeyid_a, msgid, after);
        let p = &self.ph1s[i];
        let (local, remote, icookie, rcookie, ph1) =
            (p.local, p.remote, p.icookie, p.rcookie, p.id);
        self.event(EventKind::Phase2Started {
            local,
            remote,
            icookie,
            rcookie,
            message_id: msgid,
            initiator: true,
        });
        let qm1 =
            self.encrypted_message(i, ExchangeType::QUICK_MODE, msgid, &payloads, Some(&hash));
        self.send(local, remote, &qm1, false);
        let pending = Some(self.pending(qm1));
        self.ph2s.push(Ph2 {
            ph1,
            msgid,
            initiator: true,
            policy,
            state: State::I1Sent,
            my_spi,
            peer_spi: 0,
            ni,
            nr: vec![],
            dh,
            gxy: None,
            ids: Some((idci, idcr)),
            suite: None,
            pending,
            last_rx: None,
            finished: None,
        });
    }

    pub(crate) fn skeyid_a(&self, i: Ph1Index) -> (crate::crypto::HashAlg, Vec<u8>) {
        let p = &self.ph1s[i];
        (
            p.prf(),
            p.keyed
                .as_ref()
                .map(|k| k.keys.skeyid_a.clone())
                .unwrap_or_default(),
        )
    }

    /// Phase 2s whose start time has come.
    pub(crate) fn start_due_phase2(&mut self) {
        let now = self.now;
        let mut k = 0;
        while k < self.waiting.len() {
            let w = self.waiting[k].clone();
            if w.at.is_none_or(|at| at > now) {
                k += 1;
                continue;
            }
            let peer_name = self.cfg.policies[w.policy].peer.clone();
            let Some(peer) = PeerIndex::find(&self.cfg.peers, |c| c.name == peer_name) else {
                self.waiting.remove(k);
                continue;
            };
            let Some(i) = self.ph1_for_peer(peer) else {
                // Phase 1 went away meanwhile: negotiate a new one first.
                self.waiting[k].at = None;
                if !self
                    .ph1s
                    .iter()
                    .any(|q| q.peer == peer && q.state != super::State::Dead)
                {
                    self.start_phase1(peer);
                }
                k += 1;
                continue;
            };
            if let Some(extra) = self.cfg.policies[w.policy]
                .phase2_delay
                .filter(|_| !w.delayed)
            {
                let remote = self.ph1s[i].remote;
                self.waiting[k].delayed = true;
                self.waiting[k].at = Some(now + extra);
                self.event(EventKind::Phase2Delayed {
                    remote,
                    delay: extra,
                });
                k += 1;
                continue;
            }
            self.waiting.remove(k);
            self.start_quick_mode(w.policy, i);
        }
    }

    /// A Quick Mode message arrived.
    pub(crate) fn quick_mode_input(
        &mut self,
        src: SocketAddrV4,
        dst: SocketAddrV4,
        bytes: &[u8],
        msg: Message,
    ) {
        let h = msg.header;
        let Some(i) = self.ph1_for_cookies(&h, src, CookiesOf::Established) else {
            self.refused(src, Exchange::Unmatched, DropReason::UnknownCookies.into());
            return;
        };
        let ph1_id = self.ph1s[i].id;
        let found = Ph2Index::find(&self.ph2s, |q| q.ph1 == ph1_id && q.msgid == h.message_id);
        let fp = Fingerprint::of(bytes);
        let last = found.and_then(|k| self.ph2s[k].last_rx.clone());
        if self.answer_repeat(src, i, last.as_ref(), fp) {
            return;
        }
        let (prf, skeyid_a) = self.skeyid_a(i);
        let msgid = h.message_id;
        let state = found.map(|k| {
            (
                self.ph2s[k].state,
                self.ph2s[k].ni.clone(),
                self.ph2s[k].nr.clone(),
            )
        });
        let at = Exchange::Quick {
            ph1: i,
            ph2: found,
            msgid,
        };
        if matches!(state, Some((State::Done, ..))) {
            self.refused(src, at, BadMessage::QuickModeFinished.into());
            return;
        }
        let expected = move |after: &[u8]| match &state {
            None => phase2::qm_hash1(prf, &skeyid_a, msgid, after),
            Some((State::I1Sent, ni, _)) => phase2::qm_hash2(prf, &skeyid_a, msgid, ni, after),
            Some((_, ni, nr)) => phase2::qm_hash3(prf, &skeyid_a, msgid, ni, nr),
        };
        let (opened, crypter) = match self.open_hashed(i, &msg, &expected) {
            Ok(opened) => opened,
            Err(why) => return self.refused(src, at, why),
        };
        self.ph1s[i].commit(crypter);
        self.ph1s[i].last_heard = self.now;
        // Follow a NAT that remapped the peer's port.
        self.ph1s[i].remote = src;
        self.ph1s[i].local = dst;
        let handled = match found {
            None => self.qm1_received(i, src, fp, &opened),
            Some(k) if self.ph2s[k].state == State::I1Sent => self.qm2_received(i, k, fp, &opened),
            Some(k) => {
                self.qm3_received(i, k, &opened);
                Ok(())
            }
        };
        if let Err(why) = handled {
            self.refused(src, at, why);
        }
    }

    fn qm1_received(
        &mut self,
        i: Ph1Index,
        src: SocketAddrV4,
        fp: Fingerprint,
        msg: &Message,
    ) -> Result<(), Refusal> {
        super::checks::nonces(msg).map_err(DropReason::Invalid)?;
        let p = &self.ph1s[i];
        let (local, remote, icookie, rcookie, ph1, peer) =
            (p.local, p.remote, p.icookie, p.rcookie, p.id, p.peer);
        let msgid = msg.header.message_id;
        self.ph1s[i].remember_msgid(msgid);
        self.event(EventKind::Phase2Started {
            local,
            remote,
            icookie,
            rcookie,
            message_id: msgid,
            initiator: false,
        });
        self.payload_events(src, msg);
        let sa = msg.sa().cloned();
        let ni = msg.nonce().cloned();
        let ke = msg.ke().cloned();
        let ids: Vec<QmId> = msg.ids().into_iter().map(qm_id).collect();
        let (Some(sa), Some(ni)) = (sa, ni) else {
            return Err(BadMessage::MissingPayloads(Step::Qm1).into());
        };
        // The SPI of the first proposal, which a refusal may name.
        let offered = sa
            .proposals
            .first()
            .and_then(|p| <[u8; 4]>::try_from(p.spi.as_slice()).ok())
            .map(u32::from_be_bytes);
        let reject = |kind| Refusal::Reject(kind, offered);
        // RFC 2409 section 5.5: without IDs, the identities are the ISAKMP SA's endpoints
        // (the initiator's address first).
        let (idci, idcr) = match ids.as_slice() {
            [] => {
                let (ours, theirs) = endpoint_ids(local, remote);
                (theirs, ours)
            }
            [a, b] => (a.clone(), b.clone()),
            _ => return Err(reject(NotifyType::INVALID_ID_INFORMATION)),
        };
        let how = self.cfg.behaviour.id_match;
        let peer_name = self.cfg.peers[peer].name.clone();
        let candidates: Vec<PolicyIndex> = PolicyIndex::all(&self.cfg.policies)
            .filter(|&k| self.cfg.policies[k].peer == peer_name)
            .collect();
        let matching = candidates.iter().copied().find(|&k| {
            let (l, r) = self.cfg.policies[k].qm_ids();
            id_matches(how, &idci, &r) && id_matches(how, &idcr, &l)
        });
        // A lenient responder takes the peer's first policy when none matches.
        let lenient = how == IdMatch::Lenient
            || (ids.is_empty() && self.cfg.behaviour.missing_ids == MissingIds::PeerPolicy);
        let chosen = matching.or_else(|| candidates.first().copied().filter(|_| lenient));
        let Some(policy) = chosen else {
            let expected = candidates
                .iter()
                .map(|&k| {
                    let (l, r) = self.cfg.policies[k].qm_ids();
                    (r, l)
                })
                .collect();
            self.event(EventKind::NoPolicyForIds {
                from: src,
                initiator_id: idci,
                responder_id: idcr,
                expected,
            });
            let notify = self.cfg.behaviour.no_policy_notify;
            return Err(notify.map_or(Refusal::Unanswered, reject));
        };
        let pol = self.cfg.policies[policy].clone();
        let Some((transform, mut suite, peer_spi)) = choose_phase2(
            &sa,
            &pol.proposals,
            pol.mode,
            // Either mode only where both carry the same bytes (a route-based policy).
            if pol.route_based {
                self.cfg.behaviour.mode_match
            } else {
                crate::ike::ModeMatch::Exact
            },
            pol.pfs,
            self.cfg.behaviour.proposal_match,
        ) else {
            return Err(reject(NotifyType::NO_PROPOSAL_CHOSEN));
        };
        // A shorter lifetime of our own is claimed with RESPONDER-LIFETIME (RFC 2407 4.6.3.1).
        let ours = pol
            .proposals
            .iter()
            .find(|o| o.cipher == suite.cipher && o.integ == suite.integ)
            .map(|o| o.lifetime);
        let claim = ours.filter(|l| self.cfg.behaviour.claim_lifetime && *l < suite.lifetime);
        if let Some(l) = claim {
            suite.lifetime = l;
        }
        let (dh, gxy) = match (suite.pfs, &ke) {
            (Some(g), Some(peer_pub)) => {
                let dh = DhPrivate::generate(g, &mut self.rng);
                match dh.shared_secret(peer_pub) {
                    Ok(s) => (Some(dh), Some(s)),
                    Err(_) => return Err(reject(NotifyType::INVALID_KEY_INFORMATION)),
                }
            }
            (None, None) => (None, None),
            _ => return Err(reject(NotifyType::NO_PROPOSAL_CHOSEN)),
        };
        // Narrowing answers with our own IDs; an exact match echoes the initiator's.
        let (reply_ci, reply_cr) = match how {
            IdMatch::Exact | IdMatch::Lenient => (idci.clone(), idcr.clone()),
            IdMatch::Narrow => {
                let (l, r) = pol.qm_ids();
                (r, l)
            }
        };
        let my_spi = self.new_spi();
        let nr = self.nonce();
        let number = sa.proposals.first().map_or(1, |p| p.number);
        let mut out = vec![
            Payload::Sa(phase2_answer(number, my_spi, transform)),
            Payload::Nonce(nr.clone()),
        ];
        if let Some(dh) = &dh {
            out.push(Payload::Ke(dh.public_value()));
        }
        if !ids.is_empty() {
            out.push(id_payload(&reply_ci));
            out.push(id_payload(&reply_cr));
        }
        if let Some(l) = claim {
            let mut data = Vec::new();
            for a in [
                Attribute::basic(IpsecAttr::SA_LIFE_TYPE.0, LifeType::SECONDS.0),
                Attribute {
                    kind: IpsecAttr::SA_LIFE_DURATION.0,
                    value: AttrValue::from_u64(l.as_secs()),
                },
            ] {
                a.emit(&mut data).expect("small attributes");
            }
            out.push(Payload::Notify(NotifyPayload {
                doi: Doi::IPSEC,
                protocol: ProtocolId::ESP,
                kind: NotifyType::RESPONDER_LIFETIME,
                spi: my_spi.to_be_bytes().to_vec(),
                data,
            }));
        }
        let (prf, skeyid_a) = self.skeyid_a(i);
        let ni_c = ni.clone();
        let hash = move |after: &[u8]| phase2::qm_hash2(prf, &skeyid_a, msgid, &ni_c, after);
        let qm2 = self.encrypted_message(i, ExchangeType::QUICK_MODE, msgid, &out, Some(&hash));
        self.send(local, remote, &qm2, false);
        let pending = Some(self.pending(qm2.clone()));
        self.ph2s.push(Ph2 {
            ph1,
            msgid,
            initiator: false,
            policy,
            state: State::R2Sent,
            my_spi,
            peer_spi,
            ni,
            nr,
            dh,
            gxy,
            ids: Some((reply_ci, reply_cr)),
            suite: Some(suite),
            pending,
            last_rx: Some(Taken {
                fingerprint: fp,
                reply: Some(qm2),
            }),
            finished: None,
        });
        Ok(())
    }

    /// Answers a Quick Mode we cannot accept with an error notification, addressed as the
    /// behaviour says ([`Phase2Notify`]); `offered` is the SPI of the proposal refused.
    pub(crate) fn reject_qm(
        &mut self,
        i: Ph1Index,
        msgid: u32,
        kind: NotifyType,
        offered: Option<u32>,
    ) {
        let (protocol, spi) = match self.cfg.behaviour.phase2_notify {
            Phase2Notify::Isakmp => (ProtocolId::ISAKMP, vec![]),
            Phase2Notify::EspSpi => (
                ProtocolId::ESP,
                offered
                    .map(|s| s.to_be_bytes().to_vec())
                    .unwrap_or_default(),
            ),
        };
        let n = NotifyPayload {
            doi: Doi::IPSEC,
            protocol,
            kind,
            spi,
            data: vec![],
        };
        self.send_notify(i, n);
        let remote = self.ph1s[i].remote;
        let reason = match kind {
            NotifyType::INVALID_ID_INFORMATION => FailReason::IdMismatch,
            NotifyType::NO_PROPOSAL_CHOSEN => FailReason::NoProposalChosen,
            other => FailReason::Notified(other),
        };
        self.event(EventKind::Phase2Failed {
            remote,
            message_id: msgid,
            reason,
        });
    }

    fn qm2_received(
        &mut self,
        i: Ph1Index,
        k: Ph2Index,
        fp: Fingerprint,
        msg: &Message,
    ) -> Result<(), Refusal> {
        super::checks::nonces(msg).map_err(DropReason::Invalid)?;
        let remote = self.ph1s[i].remote;
        let msgid = msg.header.message_id;
        self.payload_events(remote, msg);
        let payloads = msg.payloads().unwrap_or(&[]).to_vec();
        let sa = msg.sa().cloned();
        let nr = msg.nonce().cloned();
        let ke = msg.ke().cloned();
        let ids: Vec<QmId> = msg.ids().into_iter().map(qm_id).collect();
        let pol = self.cfg.policies[self.ph2s[k].policy].clone();
        let chosen = sa.as_ref().and_then(|sa| {
            let p = sa.proposals.first()?;
            let spi = u32::from_be_bytes(<[u8; 4]>::try_from(p.spi.as_slice()).ok()?);
            let s = phase2_suite(p.transforms.first()?)?;
            let offered = pol
                .proposals
                .iter()
                .any(|o| o.cipher == s.cipher && o.integ == s.integ);
            (offered && s.mode == pol.mode && s.pfs == pol.pfs).then_some((s, spi))
        });
        let (Some((mut suite, peer_spi)), Some(nr)) = (chosen, nr) else {
            return Err(Refusal::Fail(FailReason::Malformed(
                BadMessage::NotOffered(Step::Qm2),
            )));
        };
        let sent = self.ph2s[k].ids.clone().expect("initiator sends IDs");
        if ids.len() == 2 && (ids[0] != sent.0 || ids[1] != sent.1) {
            self.event(EventKind::ReturnedIdsMismatch {
                from: remote,
                sent: sent.clone(),
                received: (ids[0].clone(), ids[1].clone()),
            });
            if self.cfg.behaviour.returned_ids == ReturnedIds::Reject {
                return Err(Refusal::Fail(FailReason::IdMismatch));
            }
            self.ph2s[k].ids = Some((ids[0].clone(), ids[1].clone()));
        }
        let gxy = match (&self.ph2s[k].dh, ke) {
            (Some(dh), Some(peer_pub)) => match dh.shared_secret(&peer_pub) {
                Ok(s) => Some(s),
                Err(_) => {
                    let why = BadMessage::BadPublicValue(Step::Qm2);
                    return Err(Refusal::Fail(FailReason::Malformed(why)));
                }
            },
            (None, None) => None,
            _ => {
                let why = BadMessage::PfsMismatch(Step::Qm2);
                return Err(Refusal::Fail(FailReason::Malformed(why)));
            }
        };
        // The responder may shorten the lifetime (RESPONDER-LIFETIME).
        for p in &payloads {
            if let Payload::Notify(n) = p {
                if n.kind == NotifyType::RESPONDER_LIFETIME {
                    let attrs = Attribute::parse_all(&n.data).unwrap_or_default();
                    let secs = attrs
                        .iter()
                        .find(|a| a.kind == IpsecAttr::SA_LIFE_DURATION.0)
                        .and_then(|a| a.value.as_u64());
                    if let Some(s) = secs.filter(|s| *s > 0 && *s < suite.lifetime.as_secs()) {
                        suite.lifetime = std::time::Duration::from_secs(s);
                    }
                }
            }
        }
        let q = &mut self.ph2s[k];
        q.nr = nr;
        q.peer_spi = peer_spi;
        q.suite = Some(suite);
        q.gxy = gxy;
        let (prf, skeyid_a) = self.skeyid_a(i);
        let qm3_hash = phase2::qm_hash3(prf, &skeyid_a, msgid, &self.ph2s[k].ni, &self.ph2s[k].nr);
        let qm3 = self.encrypted_message(
            i,
            ExchangeType::QUICK_MODE,
            msgid,
            &[],
            Some(&move |_: &[u8]| qm3_hash.clone()),
        );
        let (l, r) = (self.ph1s[i].local, self.ph1s[i].remote);
        self.send(l, r, &qm3, false);
        let q = &mut self.ph2s[k];
        q.pending = None;
        q.last_rx = Some(Taken {
            fingerprint: fp,
            reply: Some(qm3),
        });
        self.install_sas(i, k);
        Ok(())
    }

    fn qm3_received(&mut self, i: Ph1Index, k: Ph2Index, msg: &Message) {
        let remote = self.ph1s[i].remote;
        self.payload_events(remote, msg);
        self.ph2s[k].pending = None;
        self.ph2s[k].last_rx = None;
        self.install_sas(i, k);
    }

    pub(crate) fn fail_ph2(&mut self, k: Ph2Index, reason: FailReason) {
        let q = &mut self.ph2s[k];
        q.state = State::Done;
        q.pending = None;
        q.finished = Some(self.now);
        let (msgid, ph1) = (q.msgid, q.ph1);
        let remote = self.ph1_index(ph1).map(|i| self.ph1s[i].remote);
        if let Some(remote) = remote {
            self.event(EventKind::Phase2Failed {
                remote,
                message_id: msgid,
                reason,
            });
        }
    }

    /// Derives KEYMAT for both directions and installs the SAs (inbound first, as racoon logs).
    fn install_sas(&mut self, i: Ph1Index, k: Ph2Index) {
        let now = self.now;
        let pct = self.cfg.behaviour.rekey_percent;
        let p = &self.ph1s[i];
        let (local, remote) = (*p.local.ip(), *p.remote.ip());
        let prf = p.prf();
        let skeyid_d = p
            .keyed
            .as_ref()
            .map(|k| k.keys.skeyid_d.clone())
            .unwrap_or_default();
        let q = &mut self.ph2s[k];
        q.state = State::Done;
        q.finished = Some(now);
        let suite: Phase2Suite = q.suite.expect("chosen before install");
        let len = EspKeys::keymat_len(suite.cipher, suite.integ);
        let keys_for = |spi: u32| {
            let seed = phase2::sa_seed(ProtocolId::ESP.0, spi, &q.ni, &q.nr);
            let km = phase2::keymat(prf, &skeyid_d, q.gxy.as_deref(), &seed, len);
            EspKeys::from_keymat(suite.cipher, suite.integ, &km)
        };
        let (Ok(in_keys), Ok(out_keys)) = (keys_for(q.my_spi), keys_for(q.peer_spi)) else {
            return;
        };
        let (my_spi, peer_spi, policy, initiator, msgid) =
            (q.my_spi, q.peer_spi, q.policy, q.initiator, q.msgid);
        let (ci, cr) = q.ids.clone().expect("IDs known");
        let ids = if initiator { (ci, cr) } else { (cr, ci) };
        let udp = suite
            .udp_encap
            .then(|| (self.ph1s[i].local.port(), self.ph1s[i].remote.port()));
        let (Ok(inbound), Ok(outbound)) = (
            InboundSa::new(my_spi, in_keys.clone()),
            OutboundSa::new(peer_spi, out_keys.clone()),
        ) else {
            return;
        };
        let base = IpsecSa {
            spi: my_spi,
            direction: Direction::Inbound,
            partner: peer_spi,
            policy,
            local,
            remote,
            udp,
            mode: suite.mode,
            route_based: self.cfg.policies[policy].route_based,
            ids: ids.clone(),
            selectors: {
                let p = &self.cfg.policies[policy];
                (p.local, p.remote)
            },
            inbound: Some(inbound),
            outbound: None,
            installed: now,
            soft: now + percent(suite.lifetime, pct),
            hard: now + suite.lifetime,
            initiator,
            rekeyed: false,
            bytes: 0,
            lifetime_kb: suite.lifetime_kb,
        };
        let out = IpsecSa {
            spi: peer_spi,
            direction: Direction::Outbound,
            partner: my_spi,
            inbound: None,
            outbound: Some(outbound),
            ids: ids.clone(),
            ..base.clone_meta()
        };
        self.sas.push(base);
        self.sas.push(out);
        for (spi, dir, src, dst, keys) in [
            (my_spi, Direction::Inbound, remote, local, in_keys),
            (peer_spi, Direction::Outbound, local, remote, out_keys),
        ] {
            self.event(EventKind::SaInstalled {
                spi,
                direction: dir,
                mode: suite.mode,
                src,
                dst,
                ids: ids.clone(),
            });
            self.event(EventKind::Keys(KeysDerived::Esp {
                src,
                dst,
                spi,
                cipher: keys.cipher(),
                enc_key: keys.enc_key().to_vec(),
                integ: keys.integ(),
                auth_key: keys.auth_key().to_vec(),
            }));
        }
        let remote_ep = self.ph1s[i].remote;
        self.event(EventKind::Phase2Established {
            remote: remote_ep,
            message_id: msgid,
        });
    }

    /// Retransmissions and give-ups of Quick Mode exchanges.
    pub(crate) fn quick_mode_timers(&mut self) {
        let now = self.now;
        let rt = self.cfg.behaviour.retransmit;
        for k in Ph2Index::all(&self.ph2s) {
            let Some(q) = self.ph2s[k].pending.as_mut().filter(|q| q.next <= now) else {
                continue;
            };
            if q.sends < rt.tries {
                q.sends += 1;
                q.next = now + rt.interval;
                let bytes = q.bytes.clone();
                if let Some(i) = self.ph1_index(self.ph2s[k].ph1) {
                    let (l, r) = (self.ph1s[i].local, self.ph1s[i].remote);
                    self.send(l, r, &bytes, true);
                }
            } else {
                self.fail_ph2(k, FailReason::Timeout);
            }
        }
    }
}

impl IpsecSa {
    /// A copy of the metadata, without the ESP state (which is per direction).
    fn clone_meta(&self) -> IpsecSa {
        IpsecSa {
            spi: self.spi,
            direction: self.direction,
            partner: self.partner,
            policy: self.policy,
            local: self.local,
            remote: self.remote,
            udp: self.udp,
            mode: self.mode,
            route_based: self.route_based,
            ids: self.ids.clone(),
            selectors: self.selectors,
            inbound: None,
            outbound: None,
            installed: self.installed,
            soft: self.soft,
            hard: self.hard,
            initiator: self.initiator,
            rekeyed: self.rekeyed,
            bytes: 0,
            lifetime_kb: self.lifetime_kb,
        }
    }
}

#[cfg(test)]
mod tests {
    //! Quick Mode without IDci/IDcr (RFC 2409 section 5.5), as initiator and as responder.

    use std::net::Ipv4Addr;
    use std::time::Duration;

    use crate::ike::test_pair;
    use crate::ike::*;
    use crate::time::Instant;
    use crate::wire::{ExchangeType, IdData, NotifyType, PayloadType};

    const A: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
    const B: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);

    fn host(a: Ipv4Addr) -> QmId {
        QmId {
            data: IdData::Ipv4Addr(a),
            protocol: 0,
            port: 0,
        }
    }

    fn net(s: &str) -> QmId {
        let p: crate::prefix::Ipv4Net = s.parse().expect("a prefix");
        Selector::net(p.addr, p.prefix_len).to_id()
    }

    /// One peer and one transport-mode policy; AES-128/SHA-1, 16-byte nonces.
    /// The shared pair's config ([`test_pair::config`]) with these IDs.
    fn config(
        local: Ipv4Addr,
        remote: Ipv4Addr,
        initiator: bool,
        ids: Option<(QmId, QmId)>,
        id_payloads: IdPayloads,
    ) -> EngineConfig {
        let mut c = test_pair::config(local, remote, initiator);
        c.policies[0].ids = ids;
        c.policies[0].id_payloads = id_payloads;
        c
    }

    /// Runs A (initiator) against B for a few seconds; gives both engines' events.
    fn run(a: EngineConfig, b: EngineConfig) -> (Engine, Engine, Vec<Event>, Vec<Event>) {
        let mut a = Engine::new(a, 1);
        let mut b = Engine::new(b, 2);
        let (mut ea, mut eb) = (vec![], vec![]);
        let mut now = Instant::ZERO;
        a.start(now);
        b.start(now);
        for _ in 0..5 {
            test_pair::settle(&mut a, &mut b, now);
            now += Duration::from_secs(1);
            a.handle_timeout(now);
            b.handle_timeout(now);
        }
        while let Some(e) = a.poll_event() {
            ea.push(e);
        }
        while let Some(e) = b.poll_event() {
            eb.push(e);
        }
        (a, b, ea, eb)
    }

    /// The length of the first message sent after the initiator's phase 2 started (QM1).
    fn qm1_len(events: &[Event]) -> Option<usize> {
        let start = events.iter().position(|e| {
            matches!(
                e.kind,
                EventKind::Phase2Started {
                    initiator: true,
                    ..
                }
            )
        })?;
        events[start..].iter().find_map(|e| match e.kind {
            EventKind::PacketSent { len, .. } => Some(len),
            _ => None,
        })
    }

    /// The payloads of the first Quick Mode message a side received, in order.
    fn qm_payloads(events: &[Event]) -> Vec<PayloadType> {
        events
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::PayloadReceived { exchange, kind, .. }
                    if *exchange == ExchangeType::QUICK_MODE =>
                {
                    Some(*kind)
                }
                _ => None,
            })
            .take_while(|k| *k != PayloadType::NONE)
            .collect()
    }

    #[test]
    fn qm1_without_ids_is_hash_sa_nonce_and_the_sa_ids_are_the_endpoints() {
        let (a, b, ea, eb) = run(
            config(A, B, true, None, IdPayloads::Omitted),
            config(B, A, false, None, IdPayloads::Sent),
        );
        // HASH 24 + SA 52 + NONCE 20 = 96, already a whole AES block, so racoon-style padding
        // adds a full block: 96 + 16 + 28 (header) = 140. With two host IDs (12 bytes each) the
        // same QM1 is 156, the document's length (IX log: `length 156`).
        assert_eq!(qm1_len(&ea), Some(140));
        let got = qm_payloads(&eb);
        assert_eq!(
            &got[..3],
            &[PayloadType::HASH, PayloadType::SA, PayloadType::NONCE]
        );
        assert!(!got.contains(&PayloadType::ID), "{got:?}");
        // QM2 carries no IDs either.
        assert!(!qm_payloads(&ea).contains(&PayloadType::ID));
        assert_eq!(a.ipsec_sas().len(), 2);
        assert_eq!(b.ipsec_sas().len(), 2);
        assert_eq!(a.ipsec_sas()[0].ids, (host(A), host(B)));
        assert_eq!(b.ipsec_sas()[0].ids, (host(B), host(A)));
    }

    #[test]
    fn qm1_with_ids_is_156_bytes_as_in_the_document() {
        let (_, _, ea, eb) = run(
            config(A, B, true, None, IdPayloads::Sent),
            config(B, A, false, None, IdPayloads::Sent),
        );
        assert_eq!(qm1_len(&ea), Some(156));
        assert_eq!(
            qm_payloads(&eb)
                .iter()
                .filter(|k| **k == PayloadType::ID)
                .count(),
            2
        );
    }

    #[test]
    fn a_responder_for_subnets_refuses_the_endpoints() {
        let ids = (net("192.168.1.0/24"), net("192.168.0.0/24"));
        let (a, b, _, eb) = run(
            config(A, B, true, None, IdPayloads::Omitted),
            config(B, A, false, Some(ids), IdPayloads::Sent),
        );
        let refused = eb.iter().find_map(|e| match &e.kind {
            EventKind::NoPolicyForIds {
                initiator_id,
                responder_id,
                ..
            } => Some((initiator_id.clone(), responder_id.clone())),
            _ => None,
        });
        assert_eq!(refused, Some((host(A), host(B))));
        assert!(eb.iter().any(|e| matches!(
            e.kind,
            EventKind::NotifySent {
                kind: NotifyType::INVALID_ID_INFORMATION,
                ..
            }
        )));
        assert!(a.ipsec_sas().is_empty() && b.ipsec_sas().is_empty());
    }

    #[test]
    fn a_peer_policy_responder_takes_a_qm1_without_ids() {
        let ids = (net("192.168.1.0/24"), net("192.168.0.0/24"));
        let mut rb = config(B, A, false, Some(ids), IdPayloads::Sent);
        rb.behaviour.missing_ids = MissingIds::PeerPolicy;
        let (a, b, _, _) = run(config(A, B, true, None, IdPayloads::Omitted), rb);
        assert_eq!(a.ipsec_sas().len(), 2);
        assert_eq!(b.ipsec_sas()[0].ids, (host(B), host(A)));
    }

    #[test]
    fn a_lenient_responder_takes_the_initiators_ids() {
        let theirs = (net("192.168.0.0/24"), net("192.168.1.0/24"));
        let ours = (net("10.1.0.0/16"), net("10.2.0.0/16"));
        let mut rb = config(B, A, false, Some(ours.clone()), IdPayloads::Omitted);
        rb.behaviour.id_match = IdMatch::Lenient;
        let (a, b, _, _) = run(
            config(A, B, true, Some(theirs.clone()), IdPayloads::Sent),
            rb.clone(),
        );
        assert_eq!(a.ipsec_sas()[0].ids, theirs);
        assert_eq!(b.ipsec_sas()[0].ids, (theirs.1.clone(), theirs.0.clone()));
        // Strict (exact) matching refuses the same IDs.
        rb.behaviour.id_match = IdMatch::Exact;
        let (a, _, _, _) = run(config(A, B, true, Some(theirs), IdPayloads::Sent), rb);
        assert!(a.ipsec_sas().is_empty());
    }
}
