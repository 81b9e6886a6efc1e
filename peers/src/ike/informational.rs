//! Informational exchanges (RFC 2408 4.8, RFC 2409 5.7): notifications, deletes, and DPD
//! (RFC 3706) R-U-THERE/R-U-THERE-ACK.

use std::net::SocketAddrV4;

use crate::crypto::phase2;
use crate::rng::Random;
use crate::wire::{
    DeletePayload, Doi, ExchangeType, Message, NotifyPayload, NotifyType, Payload, ProtocolId,
};

use super::event::{DeleteReason, Direction, DropReason, EventKind, FailReason};
use super::handled::Exchange;
use super::index::{Ph1Index, Ph2Index};
use super::phase1::State;
use super::received::CookiesOf;
use super::{Engine, OnErrorNotify, quick_mode};

impl Engine {
    /// Sends one payload in its own Informational exchange under the phase-1 SA at `i`.
    fn send_informational(&mut self, i: Ph1Index, payload: Payload) {
        let msgid = self.new_msgid(i);
        let (prf, skeyid_a) = self.skeyid_a(i);
        let hash = move |after: &[u8]| phase2::info_hash(prf, &skeyid_a, msgid, after);
        let msg = self.encrypted_message(
            i,
            ExchangeType::INFORMATIONAL,
            msgid,
            &[payload],
            Some(&hash),
        );
        if let Some(k) = self.ph1s[i].keyed.as_mut() {
            k.crypter.forget(msgid);
        }
        let (l, r) = (self.ph1s[i].local, self.ph1s[i].remote);
        self.send(l, r, &msg, false);
    }

    /// Sends a notification (encrypted, with HASH) under the phase-1 SA at `i`.
    pub(crate) fn send_notify(&mut self, i: Ph1Index, n: NotifyPayload) {
        let to = self.ph1s[i].remote;
        self.event(EventKind::NotifySent {
            to,
            kind: n.kind,
            protocol: n.protocol,
        });
        self.send_informational(i, Payload::Notify(n));
    }

    /// Sends a Delete for ESP SPIs (ours, inbound) under the phase-1 SA at `i`.
    pub(crate) fn send_esp_delete(&mut self, i: Ph1Index, spis: &[u32]) {
        let to = self.ph1s[i].remote;
        let spis: Vec<Vec<u8>> = spis.iter().map(|s| s.to_be_bytes().to_vec()).collect();
        self.event(EventKind::DeleteSent {
            to,
            protocol: ProtocolId::ESP,
            spis: spis.clone(),
        });
        let d = DeletePayload {
            doi: Doi::IPSEC,
            protocol: ProtocolId::ESP,
            spi_size: 4,
            spis,
        };
        self.send_informational(i, Payload::Delete(d));
    }

    /// Ends the phase-1 SA at `i` for `reason`, telling the peer when `tell` and the SA is
    /// established.
    pub(crate) fn delete_phase1(&mut self, i: Ph1Index, tell: bool, reason: DeleteReason) {
        let p = &self.ph1s[i];
        let (local, remote, icookie, rcookie) = (p.local, p.remote, p.icookie, p.rcookie);
        if tell && p.established() {
            let spis = vec![[icookie, rcookie].concat()];
            self.event(EventKind::DeleteSent {
                to: remote,
                protocol: ProtocolId::ISAKMP,
                spis: spis.clone(),
            });
            let d = DeletePayload {
                doi: Doi::IPSEC,
                protocol: ProtocolId::ISAKMP,
                spi_size: 16,
                spis,
            };
            self.send_informational(i, Payload::Delete(d));
        }
        let p = &mut self.ph1s[i];
        p.state = State::Dead;
        let id = p.id;
        let now = self.now;
        for q in self.ph2s.iter_mut().filter(|q| q.ph1 == id) {
            q.abandon(now);
        }
        self.event(EventKind::Phase1Deleted {
            local,
            remote,
            icookie,
            rcookie,
            reason,
        });
    }

    /// The peer says it has just (re)started: everything older with it is stale (RFC 2407 4.6.3.3).
    ///
    /// Only what was complete before this exchange began is stale: SAs negotiated at the same time
    /// (both sides starting at once) are the peer's too, and deleting them would leave the two
    /// sides without a common ISAKMP SA.
    pub(crate) fn initial_contact_received(&mut self, i: Ph1Index) {
        let (ip, id, began) = (
            *self.ph1s[i].remote.ip(),
            self.ph1s[i].id,
            self.ph1s[i].started,
        );
        for j in Ph1Index::all(&self.ph1s) {
            let p = &self.ph1s[j];
            let stale = p.established_since().is_some_and(|t| t < began);
            if p.id != id && *p.remote.ip() == ip && stale {
                self.delete_phase1(j, false, DeleteReason::InitialContact);
            }
        }
        self.remove_sas(
            |s| s.remote == ip && s.installed < began,
            DeleteReason::InitialContact,
        );
    }

    /// An Informational arrived.
    pub(crate) fn informational_input(&mut self, src: SocketAddrV4, msg: Message) {
        let h = msg.header;
        if let Ok(payloads) = msg.payloads() {
            // Plaintext: only believable before keys exist (e.g. NO-PROPOSAL-CHOSEN to MM1).
            let payloads = payloads.to_vec();
            let i = self.ph1_for_cookies(&h, src, CookiesOf::Negotiating);
            for p in payloads {
                if let Payload::Notify(n) = p {
                    self.event(EventKind::NotifyReceived {
                        from: src,
                        kind: n.kind,
                        protocol: n.protocol,
                        message_id: h.message_id,
                    });
                    if let (Some(i), true) = (i, n.kind.is_error()) {
                        self.ph1s[i].state = State::Dead;
                        self.event(EventKind::Phase1Failed {
                            remote: src,
                            reason: FailReason::Notified(n.kind),
                        });
                    }
                }
            }
            return;
        }
        let Some(i) = self.ph1_for_cookies(&h, src, CookiesOf::Keyed) else {
            self.refused(src, Exchange::Unmatched, DropReason::UnknownCookies.into());
            return;
        };
        let (prf, skeyid_a) = self.skeyid_a(i);
        let msgid = h.message_id;
        let expected = move |after: &[u8]| phase2::info_hash(prf, &skeyid_a, msgid, after);
        let (opened, mut crypter) = match self.open_hashed(i, &msg, &expected) {
            Ok(opened) => opened,
            Err(why) => return self.refused(src, Exchange::Informational, why),
        };
        if self.ph1s[i].info_seen.contains(&h.message_id) {
            let why = DropReason::Retransmission.into();
            self.refused(src, Exchange::Informational, why);
            return;
        }
        // Bounded: only the recent ones matter for replays of a live SA.
        let seen = &mut self.ph1s[i].info_seen;
        if seen.len() >= 256 {
            seen.remove(0);
        }
        seen.push(h.message_id);
        crypter.forget(h.message_id);
        self.ph1s[i].commit(crypter);
        self.ph1s[i].last_heard = self.now;
        self.payload_events(src, &opened);
        for p in opened.payloads().unwrap_or(&[]).to_vec() {
            match p {
                Payload::Notify(n) => self.notify_received(i, src, h.message_id, n),
                Payload::Delete(d) => self.delete_received(i, src, d),
                _ => {}
            }
        }
    }

    fn notify_received(&mut self, i: Ph1Index, src: SocketAddrV4, msgid: u32, n: NotifyPayload) {
        self.event(EventKind::NotifyReceived {
            from: src,
            kind: n.kind,
            protocol: n.protocol,
            message_id: msgid,
        });
        match n.kind {
            NotifyType::INITIAL_CONTACT => self.initial_contact_received(i),
            NotifyType::R_U_THERE => {
                let ack = NotifyPayload {
                    kind: NotifyType::R_U_THERE_ACK,
                    ..n
                };
                self.send_notify(i, ack);
            }
            NotifyType::R_U_THERE_ACK => {
                let seq = n
                    .data
                    .get(..4)
                    .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
                if self.ph1s[i].dpd().is_some_and(|d| Some(d.seq) == seq) {
                    self.ph1s[i].set_dpd(None);
                }
            }
            k if k.is_error()
                && self.cfg.behaviour.on_error_notify == OnErrorNotify::AbortMatchingMessageId =>
            {
                let ph1 = self.ph1s[i].id;
                if let Some(q) = Ph2Index::find(&self.ph2s, |q| {
                    q.ph1 == ph1 && q.msgid == msgid && q.initiator
                }) {
                    let q = &mut self.ph2s[q];
                    q.state = quick_mode::State::Done;
                    q.pending = None;
                    q.finished = Some(self.now);
                    self.event(EventKind::Phase2Failed {
                        remote: src,
                        message_id: msgid,
                        reason: FailReason::Notified(k),
                    });
                }
            }
            k if k.is_error()
                && self.cfg.behaviour.on_error_notify == OnErrorNotify::AbortMatchingSpi
                && n.protocol == ProtocolId::ESP =>
            {
                let Ok(spi) = <[u8; 4]>::try_from(n.spi.as_slice()).map(u32::from_be_bytes) else {
                    return;
                };
                let ph1 = self.ph1s[i].id;
                if let Some(q) = Ph2Index::find(&self.ph2s, |q| {
                    q.ph1 == ph1
                        && q.my_spi == spi
                        && q.initiator
                        && q.state == quick_mode::State::I1Sent
                }) {
                    self.fail_ph2(q, FailReason::Notified(k));
                }
            }
            _ => {}
        }
    }

    fn delete_received(&mut self, i: Ph1Index, src: SocketAddrV4, d: DeletePayload) {
        self.event(EventKind::DeleteReceived {
            from: src,
            protocol: d.protocol,
            spis: d.spis.clone(),
        });
        match d.protocol {
            ProtocolId::ISAKMP => {
                for spi in &d.spis {
                    if let Some(j) =
                        Ph1Index::find(&self.ph1s, |p| [p.icookie, p.rcookie].concat() == *spi)
                    {
                        self.delete_phase1(j, false, DeleteReason::DeleteReceived);
                    }
                }
            }
            ProtocolId::ESP => {
                let ip = *src.ip();
                for spi in &d.spis {
                    let Ok(spi) = <[u8; 4]>::try_from(spi.as_slice()).map(u32::from_be_bytes)
                    else {
                        continue;
                    };
                    // The peer's inbound SA is our outbound one; its partner goes with it. A peer
                    // that names the other direction (our inbound SPI) is understood too.
                    let found = self
                        .sas
                        .iter()
                        .find(|s| {
                            s.spi == spi && s.remote == ip && s.direction == Direction::Outbound
                        })
                        .or_else(|| {
                            self.sas.iter().find(|s| {
                                s.spi == spi && s.remote == ip && s.direction == Direction::Inbound
                            })
                        });
                    let Some(sa) = found else { continue };
                    let (out_spi, in_spi) = match sa.direction {
                        Direction::Outbound => (sa.spi, sa.partner),
                        Direction::Inbound => (sa.partner, sa.spi),
                    };
                    let partner = in_spi;
                    self.remove_sas(
                        |s| {
                            s.remote == ip
                                && ((s.spi == out_spi && s.direction == Direction::Outbound)
                                    || (s.spi == in_spi && s.direction == Direction::Inbound))
                        },
                        DeleteReason::DeleteReceived,
                    );
                    if self.cfg.behaviour.answer_delete && self.ph1s[i].established() {
                        self.send_esp_delete(i, &[partner]);
                    }
                }
            }
            _ => {}
        }
    }

    /// Dead Peer Detection (RFC 3706) as racoon's `isakmp_info_send_r_u` runs it: a peer not
    /// heard from for the interval gets an R-U-THERE, and another every retry interval while
    /// none is acknowledged; when `max_fails` have gone unanswered, at the next retry it is dead
    /// and its SAs go.
    pub(crate) fn dpd_timers(&mut self) {
        let now = self.now;
        for i in Ph1Index::all(&self.ph1s) {
            let p = &self.ph1s[i];
            let Some(dpd) = self.cfg.peers[p.peer].dpd else {
                continue;
            };
            if !p.established() || !p.peer_dpd {
                continue;
            }
            let (seq, sent) = match p.dpd() {
                None if now >= p.last_heard + dpd.interval => {
                    (self.rng.next_u32() & 0x7fff_ffff, 1)
                }
                Some(d) if now >= d.next && d.sent >= dpd.max_fails => {
                    let (remote, icookie, rcookie) = (p.remote, p.icookie, p.rcookie);
                    self.event(EventKind::PeerDead {
                        remote,
                        icookie,
                        rcookie,
                    });
                    self.delete_phase1(i, false, DeleteReason::PeerDead);
                    self.remove_sas(|s| s.remote == *remote.ip(), DeleteReason::PeerDead);
                    continue;
                }
                Some(d) if now >= d.next => (d.seq.wrapping_add(1), d.sent + 1),
                _ => continue,
            };
            self.ph1s[i].set_dpd(Some(super::DpdProbe {
                seq,
                next: now + dpd.retry,
                sent,
            }));
            let p = &self.ph1s[i];
            let n = NotifyPayload {
                doi: Doi::IPSEC,
                protocol: ProtocolId::ISAKMP,
                kind: NotifyType::R_U_THERE,
                spi: [p.icookie, p.rcookie].concat(),
                data: seq.to_be_bytes().to_vec(),
            };
            self.send_notify(i, n);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;
    use std::time::Duration;

    use crate::ike::*;
    use crate::time::Instant;

    use crate::ike::test_pair::{config, settle};

    #[test]
    fn a_delete_naming_either_direction_removes_the_pair() {
        let (ia, ib) = (Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, 2));
        let mut a = Engine::new(config(ia, ib, true), 1);
        let mut b = Engine::new(config(ib, ia, false), 2);
        let mut now = Instant::ZERO;
        a.start(now);
        for _ in 0..5 {
            settle(&mut a, &mut b, now);
            now += Duration::from_secs(1);
            a.handle_timeout(now);
            b.handle_timeout(now);
        }
        assert_eq!(b.ipsec_sas().len(), 2);
        // A names its *outbound* SPI (B's inbound) instead of its inbound one.
        let out = a
            .sas
            .iter()
            .find(|s| s.direction == Direction::Outbound)
            .unwrap()
            .spi;
        let i = Ph1Index::find(&a.ph1s, |p| p.established()).unwrap();
        a.send_esp_delete(i, &[out]);
        settle(&mut a, &mut b, now);
        assert!(b.ipsec_sas().is_empty(), "{:?}", b.ipsec_sas());
    }
}
