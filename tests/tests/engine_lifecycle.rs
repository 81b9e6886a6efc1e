//! Engine lifecycle between two engines: loss and retransmission, lifetimes and rekeying over
//! simulated hours, Deletes and a flush after a configuration change, hostile datagrams.

use std::net::SocketAddrV4;
use std::time::Duration;

use ikelab_peers::ike::{Direction, DropReason, EventKind, Protected};
use ikelab_peers::time::Instant;
use ikelab_peers::wire::{ProtocolId, ipv4};
use ikelab_tests::pair::{A_ADDR, B_ADDR, Side, doc_pair, host_id};

fn packet() -> Vec<u8> {
    [&ipv4::header(A_ADDR, B_ADDR, 4, 64, 1, 20)[..], &[0x45; 20]].concat()
}

fn sas_up(p: &mut ikelab_tests::pair::Pair) -> bool {
    let now = p.now;
    match p.a.protect(now, packet()) {
        Protected::Esp(esp) => p.b.unprotect(now, &esp).is_ok(),
        _ => false,
    }
}

#[test]
fn loss_of_any_single_message_is_recovered() {
    // The clean exchange has 10 datagrams: MM1-MM6, INITIAL-CONTACT, QM1-QM3.
    for lost in 0..10 {
        let mut p = doc_pair((host_id(A_ADDR), host_id(B_ADDR)), 20 + lost as u64);
        p.lose = Box::new(move |i, _| i == lost);
        p.a.start(Instant::ZERO);
        p.run_for(Duration::from_secs(60));
        assert!(
            sas_up(&mut p),
            "datagram {lost} lost: no working SA pair; A {:?}",
            p.kinds(Side::A)
        );
        assert_eq!(p.a.ipsec_sas().len(), 2, "datagram {lost} lost");
        assert_eq!(
            p.b.ipsec_sas().len(),
            2,
            "datagram {lost} lost: {:?}",
            p.kinds(Side::B)
        );
    }
}

#[test]
fn a_day_of_rekeys_keeps_traffic_flowing() {
    let mut p = doc_pair((host_id(A_ADDR), host_id(B_ADDR)), 5);
    p.a.start(Instant::ZERO);
    p.run_for(Duration::from_secs(10));
    let mut outages = 0;
    for _ in 0..(24 * 60) {
        p.run_for(Duration::from_secs(60));
        if !sas_up(&mut p) {
            outages += 1;
        }
        // Old SAs go away: never more than two generations installed.
        assert!(p.a.ipsec_sas().len() <= 4, "{}", p.a.ipsec_sas().len());
        assert!(p.b.ipsec_sas().len() <= 4);
    }
    assert_eq!(outages, 0);
    let a = p.kinds(Side::A);
    let installs = a
        .iter()
        .filter(|k| {
            matches!(
                k,
                EventKind::SaInstalled {
                    direction: Direction::Inbound,
                    ..
                }
            )
        })
        .count();
    let phase1s = a
        .iter()
        .filter(|k| matches!(k, EventKind::Phase1Established { .. }))
        .count();
    // 5-minute SAs renewed at 80%: one every 4 minutes; 10-minute ISAKMP SAs as needed.
    assert!(
        (350..=370).contains(&installs),
        "{installs} phase-2 SAs in a day"
    );
    assert!(phase1s >= 100, "{phase1s} phase-1 SAs in a day");
}

#[test]
fn flush_sends_deletes_and_the_peer_answers_with_its_own() {
    let mut p = doc_pair((host_id(A_ADDR), host_id(B_ADDR)), 9);
    p.a.start(Instant::ZERO);
    p.run_for(Duration::from_secs(10));
    let a_in = ikelab_tests::pair::spi(&p.a, Direction::Inbound);
    let a_out = ikelab_tests::pair::spi(&p.a, Direction::Outbound);
    let before = p.wire.len();
    let now = p.now;
    p.a.flush(now);
    p.run_for(Duration::from_secs(2));
    // A's Delete names its inbound SPI; B deletes both and answers with its inbound (A's outbound).
    let deletes: Vec<(Side, usize)> = p.wire[before..]
        .iter()
        .map(|w| (w.from, w.transmit.payload.len()))
        .collect();
    assert_eq!(deletes, [(Side::A, 76), (Side::B, 76)]);
    let b = p.kinds(Side::B);
    assert!(b.iter().any(|k| matches!(k, EventKind::DeleteReceived { protocol: ProtocolId::ESP, spis, .. } if spis[0] == a_in.to_be_bytes())));
    assert!(b.iter().any(|k| matches!(k, EventKind::DeleteSent { protocol: ProtocolId::ESP, spis, .. } if spis[0] == a_out.to_be_bytes())));
    assert!(p.a.ipsec_sas().is_empty() && p.b.ipsec_sas().is_empty());
    // The next packet needs new SAs: an ACQUIRE, then a new Quick Mode on the same ISAKMP SA.
    let now = p.now;
    assert_eq!(p.a.protect(now, packet()), Protected::Acquire);
    p.run_for(Duration::from_secs(5));
    assert!(sas_up(&mut p));
    assert_eq!(
        p.kinds(Side::A)
            .iter()
            .filter(|k| matches!(k, EventKind::Phase1Established { .. }))
            .count(),
        1
    );
}

#[test]
fn hostile_datagrams_are_dropped_and_the_engine_keeps_working() {
    let mut p = doc_pair((host_id(A_ADDR), host_id(B_ADDR)), 13);
    p.a.start(Instant::ZERO);
    p.run_for(Duration::from_secs(10));
    let from = SocketAddrV4::new(A_ADDR, 500);
    let to = SocketAddrV4::new(B_ADDR, 500);
    let real: Vec<Vec<u8>> = p
        .wire
        .iter()
        .filter(|w| w.from == Side::A)
        .map(|w| w.transmit.payload.clone())
        .collect();
    let mut seed = 0x1234_5678u32;
    let now = p.now;
    for m in &real {
        for _ in 0..200 {
            let mut bad = m.clone();
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let at = seed as usize % bad.len();
            bad[at] ^= 1 << (seed >> 29);
            bad.truncate(bad.len() - (seed as usize >> 8) % 3);
            p.b.handle_datagram(now, from, to, &bad);
        }
    }
    for len in 0..64 {
        p.b.handle_datagram(now, from, to, &vec![0xff; len]);
    }
    while p.b.poll_event().is_some() {}
    assert_eq!(p.b.ipsec_sas().len(), 2, "SAs survive garbage");
    assert!(sas_up(&mut p));
}

#[test]
fn dead_peer_detection_probes_and_declares_death() {
    let (mut a, b) = ikelab_tests::pair::fixed_configs(|_| {});
    a.peers[0].dpd = Some(ikelab_peers::ike::Dpd {
        interval: Duration::from_secs(30),
        retry: Duration::from_secs(5),
        max_fails: 5,
    });
    let mut p = ikelab_tests::pair::Pair::new(a, b, 17);
    p.a.start(Instant::ZERO);
    p.run_for(Duration::from_secs(100));
    let acks = p
        .kinds(Side::A)
        .iter()
        .filter(|k| {
            matches!(
                k,
                EventKind::NotifyReceived {
                    kind: ikelab_peers::wire::NotifyType::R_U_THERE_ACK,
                    ..
                }
            )
        })
        .count();
    assert!(acks >= 2, "R-U-THERE answered: {acks}");
    assert_eq!(p.a.ipsec_sas().len(), 2);
    // B falls silent: after the probes go unanswered, A declares it dead and drops its SAs.
    let cut = p.wire.len();
    p.lose = Box::new(move |i, _| i >= cut);
    p.run_for(Duration::from_secs(200));
    assert!(
        p.kinds(Side::A)
            .iter()
            .any(|k| matches!(k, EventKind::PeerDead { .. }))
    );
    assert!(p.a.ipsec_sas().is_empty());
}

#[test]
fn responder_lifetime_shortens_the_initiators_sa() {
    let (a, mut b) = ikelab_tests::pair::fixed_configs(|_| {});
    b.behaviour.claim_lifetime = true;
    b.policies[0].proposals[0].lifetime = Duration::from_secs(120);
    let mut p = ikelab_tests::pair::Pair::new(a, b, 19);
    p.a.start(Instant::ZERO);
    p.run_for(Duration::from_secs(110));
    // 120 s claimed by B, renewed by A at 80% (96 s): a second pair is up by 110 s.
    let installs = p
        .kinds(Side::A)
        .iter()
        .filter(|k| {
            matches!(
                k,
                EventKind::SaInstalled {
                    direction: Direction::Inbound,
                    ..
                }
            )
        })
        .count();
    assert_eq!(installs, 2);
    assert!(p.kinds(Side::A).iter().any(|k| matches!(
        k,
        EventKind::PayloadReceived {
            kind: ikelab_peers::wire::PayloadType::NOTIFY,
            ..
        }
    )));
}

#[test]
fn a_kilobyte_lifetime_renews_on_traffic() {
    let (a, b) = ikelab_tests::pair::fixed_configs(|c| {
        c.policies[0].proposals[0].lifetime_kb = Some(1);
    });
    let mut p = ikelab_tests::pair::Pair::new(a, b, 23);
    p.a.start(Instant::ZERO);
    p.run_for(Duration::from_secs(5));
    let first = ikelab_tests::pair::spi(&p.a, Direction::Outbound);
    // 9 x 100 bytes crosses 80% of 1 KB: a new SA pair is negotiated.
    for _ in 0..9 {
        let pkt = [&ipv4::header(A_ADDR, B_ADDR, 4, 64, 1, 100)[..], &[1; 100]].concat();
        assert!(matches!(p.a.protect(p.now, pkt), Protected::Esp(_)));
    }
    p.run_for(Duration::from_secs(5));
    let now_out: Vec<u32> =
        p.a.ipsec_sas()
            .iter()
            .filter(|s| s.direction == Direction::Outbound)
            .map(|s| s.spi)
            .collect();
    assert!(now_out.iter().any(|s| *s != first), "renewed: {now_out:?}");
    assert!(sas_up(&mut p));
}

#[test]
fn aggressive_mode_recovers_from_the_loss_of_any_single_message() {
    let aggressive = |c: &mut ikelab_peers::ike::EngineConfig| {
        c.peers[0].mode = ikelab_peers::ike::ExchangeMode::Aggressive
    };
    // AM1-AM3, INITIAL-CONTACT, QM1-QM3.
    for lost in 0..7 {
        let (a, b) = ikelab_tests::pair::fixed_configs(aggressive);
        let mut p = ikelab_tests::pair::Pair::new(a, b, 50 + lost as u64);
        p.lose = Box::new(move |i, _| i == lost);
        p.a.start(Instant::ZERO);
        p.run_for(Duration::from_secs(60));
        assert!(
            sas_up(&mut p),
            "datagram {lost} lost: {:?}",
            p.kinds(Side::B)
        );
    }
}

#[test]
fn both_sides_starting_at_once_still_end_with_working_sas() {
    // B starts by itself too.
    let (a, mut b) = ikelab_tests::pair::fixed_configs(|_| {});
    b.peers[0].responder_only = false;
    b.policies[0].auto_start = true;
    let mut p = ikelab_tests::pair::Pair::new(a, b, 61);
    p.a.start(Instant::ZERO);
    p.b.start(Instant::ZERO);
    p.run_for(Duration::from_secs(120));
    assert!(sas_up(&mut p));
    let back = [&ipv4::header(B_ADDR, A_ADDR, 4, 64, 1, 20)[..], &[0x45; 20]].concat();
    let now = p.now;
    let Protected::Esp(esp) = p.b.protect(now, back.clone()) else {
        panic!("B has an SA")
    };
    assert_eq!(p.a.unprotect(now, &esp).unwrap(), back);
    // No exchange was left hanging on an ISAKMP SA the other side had dropped.
    assert!(
        !p.kinds(Side::A)
            .iter()
            .any(|k| matches!(k, EventKind::Phase2Failed { .. })),
        "{:?}",
        p.kinds(Side::A)
    );
}

#[test]
fn initial_contact_from_a_restarted_peer_clears_its_stale_sas() {
    let mut p = doc_pair((host_id(A_ADDR), host_id(B_ADDR)), 71);
    p.a.start(Instant::ZERO);
    p.run_for(Duration::from_secs(10));
    let old: Vec<u32> = p.b.ipsec_sas().iter().map(|s| s.spi).collect();
    assert_eq!(old.len(), 2);
    // A restarts (its old SAs forgotten, as a rebooted router's) and comes back.
    let cfg = p.a.config().clone();
    let now = p.now;
    p.a = ikelab_peers::ike::Engine::new(cfg, 72);
    p.a.start(now);
    p.run_for(Duration::from_secs(10));
    let b_now: Vec<u32> = p.b.ipsec_sas().iter().map(|s| s.spi).collect();
    assert!(
        b_now.iter().all(|s| !old.contains(s)),
        "stale SAs kept: {old:?} in {b_now:?}"
    );
    assert_eq!(p.b.isakmp_sas().iter().filter(|s| s.established).count(), 1);
    assert!(sas_up(&mut p));
}

#[test]
fn a_repeated_first_message_gets_the_stored_reply_never_a_second_sa() {
    let mut p = doc_pair((host_id(A_ADDR), host_id(B_ADDR)), 11);
    p.a.start(Instant::ZERO);
    p.run_for(Duration::from_secs(20));
    assert!(sas_up(&mut p));
    let mm1 = p
        .wire
        .iter()
        .find(|w| w.from == Side::A)
        .unwrap()
        .transmit
        .clone();
    let mm2 = p
        .wire
        .iter()
        .find(|w| w.from == Side::B)
        .unwrap()
        .transmit
        .clone();
    let before = p.b.isakmp_sas().len();
    // Long after the exchange moved on (racoon keeps each received packet with its reply).
    let now = p.now;
    p.b.handle_datagram(now, mm1.src, mm1.dst, &mm1.payload);
    let mut sent = vec![];
    while let Some(t) = p.b.poll_transmit() {
        sent.push(t);
    }
    assert_eq!(sent.len(), 1, "one answer: {sent:?}");
    assert_eq!(
        sent[0].payload, mm2.payload,
        "the stored MM2, byte for byte"
    );
    assert_eq!(p.b.isakmp_sas().len(), before, "no second ISAKMP SA");
    // The same cookie with other bytes is the same exchange: dropped, no SA, no answer.
    let mut changed = mm1.payload.clone();
    let last = changed.len() - 1;
    changed[last] ^= 0x01;
    p.b.handle_datagram(now, mm1.src, mm1.dst, &changed);
    assert!(p.b.poll_transmit().is_none());
    assert_eq!(p.b.isakmp_sas().len(), before);
    let mut dropped = false;
    while let Some(e) = p.b.poll_event() {
        dropped |= matches!(
            e.kind,
            EventKind::Dropped {
                reason: DropReason::FirstMessageAgain,
                ..
            }
        );
    }
    assert!(dropped);
}

#[test]
fn after_an_orderly_stop_nothing_new_is_answered_or_started() {
    let mut p = doc_pair((host_id(A_ADDR), host_id(B_ADDR)), 13);
    p.a.start(Instant::ZERO);
    p.run_for(Duration::from_secs(10));
    assert!(sas_up(&mut p));
    let now = p.now;
    p.b.shutdown(now);
    p.run_for(Duration::from_secs(2));
    let after_deletes = p.wire.len();
    assert!(p.b.ipsec_sas().is_empty());
    // The peer (A) starts again towards the stopped router: B answers nothing, starts nothing.
    let now = p.now;
    assert_eq!(p.a.protect(now, packet()), Protected::Acquire);
    p.run_for(Duration::from_secs(40));
    let from_b = p.wire[after_deletes..]
        .iter()
        .filter(|w| w.from == Side::B)
        .count();
    let from_a = p.wire[after_deletes..]
        .iter()
        .filter(|w| w.from == Side::A)
        .count();
    assert!(from_a >= 1, "A tried again");
    assert_eq!(from_b, 0, "the stopped router answered");
    assert!(p.b.ipsec_sas().is_empty() && p.a.ipsec_sas().is_empty());
    let now = p.now;
    let back = [&ipv4::header(B_ADDR, A_ADDR, 4, 64, 2, 20)[..], &[0x45; 20]].concat();
    assert!(matches!(p.b.protect(now, back), Protected::Drop(_)));
    assert!(p.kinds(Side::B).iter().any(|k| matches!(
        k,
        EventKind::Dropped {
            reason: DropReason::Stopped,
            ..
        }
    )));
}

#[test]
fn a_responder_only_router_starts_no_phase_2_of_its_own() {
    use ikelab_tests::pair::{any_id, doc_config};
    // A proposes IDs B has no policy for; B only answers.
    let a = doc_config(A_ADDR, B_ADDR, (any_id(), any_id()), "hogehoge", true);
    let mut b = doc_config(
        B_ADDR,
        A_ADDR,
        (host_id(B_ADDR), host_id(A_ADDR)),
        "hogehoge",
        false,
    );
    b.peers[0].responder_only = true;
    let mut p = ikelab_tests::pair::Pair::new(a, b, 17);
    p.a.start(Instant::ZERO);
    p.run_for(Duration::from_secs(5));
    // Traffic at B after its failed responder phase 2: no Quick Mode of its own.
    let now = p.now;
    let back = [&ipv4::header(B_ADDR, A_ADDR, 4, 64, 2, 20)[..], &[0x45; 20]].concat();
    let _ = p.b.protect(now, back);
    p.run_for(Duration::from_secs(30));
    let b = p.kinds(Side::B);
    assert!(
        b.iter()
            .any(|k| matches!(k, EventKind::NoPolicyForIds { .. }))
    );
    assert!(
        !b.iter().any(|k| matches!(
            k,
            EventKind::Phase2Started {
                initiator: true,
                ..
            }
        )),
        "B started a phase 2"
    );
    assert!(!b.iter().any(|k| matches!(
        k,
        EventKind::Phase1Started {
            initiator: true,
            ..
        }
    )));
}

/// R-U-THEREs A sends after B falls silent, and when A gives B up: (probe times, death time).
fn probes_until_dead(dpd: ikelab_peers::ike::Dpd) -> (Vec<Instant>, Instant) {
    let (mut a, b) = ikelab_tests::pair::fixed_configs(|_| {});
    a.peers[0].dpd = Some(dpd);
    let mut p = ikelab_tests::pair::Pair::new(a, b, 23);
    p.a.start(Instant::ZERO);
    p.run_for(Duration::from_secs(5));
    let cut = p.wire.len();
    let from = p.a_events.len();
    p.lose = Box::new(move |i, _| i >= cut);
    p.run_for(Duration::from_secs(600));
    let events = &p.a_events[from..];
    let probes: Vec<Instant> = events
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::NotifySent {
                    kind: ikelab_peers::wire::NotifyType::R_U_THERE,
                    ..
                }
            )
        })
        .map(|e| e.at)
        .collect();
    let dead = events
        .iter()
        .find(|e| matches!(e.kind, EventKind::PeerDead { .. }))
        .expect("declared dead")
        .at;
    (probes, dead)
}

#[test]
fn dead_peer_detection_sends_exactly_the_configured_probes() {
    use ikelab_peers::ike::Dpd;
    // SEIL (racoon): dpd-interval 20 s, dpd_retry 5 s, dpd-maxfail 5 -> 5 probes, dead 5 s later.
    let seil = Dpd {
        interval: Duration::from_secs(20),
        retry: Duration::from_secs(5),
        max_fails: 5,
    };
    let (probes, dead) = probes_until_dead(seil);
    assert_eq!(probes.len(), 5, "{probes:?}");
    for w in probes.windows(2) {
        assert_eq!(w[1] - w[0], Duration::from_secs(5));
    }
    assert_eq!(dead - probes[4], Duration::from_secs(5));
    // The IX's `ike keepalive pol 10 3`: a probe, 3 retries 10 s apart, dead 10 s after the last.
    let ix = Dpd {
        interval: Duration::from_secs(10),
        retry: Duration::from_secs(10),
        max_fails: 4,
    };
    let (probes, dead) = probes_until_dead(ix);
    assert_eq!(probes.len(), 4, "{probes:?}");
    assert_eq!(dead - probes[3], Duration::from_secs(10));
}

#[test]
fn any_repeated_phase_1_message_gets_its_stored_reply() {
    let mut p = doc_pair((host_id(A_ADDR), host_id(B_ADDR)), 29);
    p.a.start(Instant::ZERO);
    p.run_for(Duration::from_secs(20));
    assert!(sas_up(&mut p));
    let from = |side: Side| -> Vec<ikelab_peers::ike::Transmit> {
        p.wire
            .iter()
            .filter(|w| w.from == side)
            .map(|w| w.transmit.clone())
            .collect()
    };
    let (a, b) = (from(Side::A), from(Side::B));
    // MM3 and MM5 again, long after phase 1: MM4 and MM6 again, byte for byte.
    for (sent, answer) in [(&a[1], &b[1]), (&a[2], &b[2])] {
        let now = p.now;
        p.b.handle_datagram(now, sent.src, sent.dst, &sent.payload);
        let mut out = vec![];
        while let Some(t) = p.b.poll_transmit() {
            out.push(t.payload);
        }
        assert_eq!(out, std::slice::from_ref(&answer.payload));
    }
    assert_eq!(p.b.isakmp_sas().len(), 1);
}
