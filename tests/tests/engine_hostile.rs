//! Hostile input to the engine, in-process (issue 13, findings 1-3): lifetimes of any size from
//! a peer that knows the key, first messages that RFC 2408/2409 forbid, and a flood of first
//! messages. No panic; each refused as racoon refuses it; reported once per address and reason;
//! the half-open table bounded while a real peer still gets through.

use std::net::SocketAddrV4;
use std::time::Duration;

use ikelab_peers::ike::checks::Invalid;
use ikelab_peers::ike::refusals::RefusalKind;
use ikelab_peers::ike::{DropReason, Engine, EventKind, Limits};
use ikelab_peers::time::Instant;
use ikelab_peers::wire::{AttrValue, Attribute, IkeAttr, Message, NotifyType, Payload, ProtocolId};
use ikelab_tests::hostile::{mm1, mm1_with, payloads, sa};
use ikelab_tests::pair::{A_ADDR, B_ADDR, Pair, fixed_configs};

/// A responder (B) that has seen nothing.
fn responder() -> Engine {
    let (_, b) = fixed_configs(|_| {});
    Engine::new(b, 2)
}

fn from_a() -> (SocketAddrV4, SocketAddrV4) {
    (
        SocketAddrV4::new(A_ADDR, 500),
        SocketAddrV4::new(B_ADDR, 500),
    )
}

/// Sets (or adds) a phase-1 transform attribute of MM1's first transform.
fn with_attribute(m: &mut Message, kind: u16, value: AttrValue) {
    let t = &mut sa(m).proposals[0].transforms[0];
    t.attributes.retain(|a| a.kind != kind);
    t.attributes.push(Attribute { kind, value });
}

/// What B sends and reports for one datagram from A.
fn answer(b: &mut Engine, bytes: &[u8]) -> (Vec<Vec<u8>>, Vec<EventKind>) {
    let (src, dst) = from_a();
    b.handle_datagram(Instant::ZERO, src, dst, bytes);
    let mut sent = vec![];
    while let Some(t) = b.poll_transmit() {
        sent.push(t.payload);
    }
    let mut events = vec![];
    while let Some(e) = b.poll_event() {
        events.push(e.kind);
    }
    (sent, events)
}

fn notify_of(datagram: &[u8]) -> Option<NotifyType> {
    let m = Message::parse(datagram).ok()?;
    m.payloads().ok()?.iter().find_map(|p| match p {
        Payload::Notify(n) => Some(n.kind),
        _ => None,
    })
}

/// Finding 1: an authenticated peer proposes a phase-2 lifetime of 10^18 s (an 8-byte value).
/// The responder refuses it with NO-PROPOSAL-CHOSEN (racoon: "invalid life duration."),
/// installs nothing and goes on; the largest lifetime racoon reads (4 bytes) is accepted.
#[test]
fn phase_2_lifetimes_of_any_size_are_refused_without_a_panic() {
    let lifetime = |secs: u64| {
        move |c: &mut ikelab_peers::ike::EngineConfig| {
            for p in &mut c.policies {
                p.proposals[0].lifetime = Duration::from_secs(secs);
            }
        }
    };
    // B keeps its own sane lifetime: only what A proposes is hostile.
    let (_, b) = fixed_configs(|_| {});
    let (a, _) = fixed_configs(lifetime(1_000_000_000_000_000_000));
    let mut p = Pair::new(a, b.clone(), 3);
    p.a.start(Instant::ZERO);
    p.run_for(Duration::from_secs(30));
    assert!(p.b.ipsec_sas().is_empty(), "{:?}", p.b.ipsec_sas());
    let refused = p.b_events.iter().any(|e| {
        matches!(
            e.kind,
            EventKind::NotifySent {
                kind: NotifyType::NO_PROPOSAL_CHOSEN,
                ..
            }
        )
    });
    assert!(refused, "{:?}", p.kinds(ikelab_tests::pair::Side::B));

    let (a, _) = fixed_configs(lifetime(u64::from(u32::MAX)));
    let mut p = Pair::new(a, b, 4);
    p.a.start(Instant::ZERO);
    p.run_for(Duration::from_secs(30));
    assert_eq!(p.b.ipsec_sas().len(), 2);
}

/// Finding 1, the values a peer that knows the key could send in QM1 (encrypted, so read here
/// transform by transform): 0 s, 0 KB, lengths other than 2 and 4 bytes, an unknown life type
/// all make the ESP transform unacceptable.
#[test]
fn esp_transforms_with_lifetimes_racoon_refuses_are_unacceptable() {
    use ikelab_peers::ike::EncapMode;
    use ikelab_peers::ike::proposal::{phase2_offer, phase2_suite};
    use ikelab_peers::wire::IpsecAttr;
    let good = phase2_offer(
        1,
        &[ikelab_tests::pair::doc_phase2()],
        EncapMode::Transport,
        false,
        None,
    )
    .proposals[0]
        .transforms[0]
        .clone();
    assert!(phase2_suite(&good).is_some());
    let with = |kind: u16, value: AttrValue| {
        let mut t = good.clone();
        t.attributes.retain(|a| a.kind != kind);
        t.attributes.push(Attribute { kind, value });
        t
    };
    let duration = IpsecAttr::SA_LIFE_DURATION.0;
    for (what, t) in [
        ("0 s", with(duration, AttrValue::Basic(0))),
        (
            "an empty value",
            with(duration, AttrValue::Variable(vec![])),
        ),
        (
            "3 bytes",
            with(duration, AttrValue::Variable(vec![1, 2, 3])),
        ),
        (
            "8 bytes",
            with(
                duration,
                AttrValue::Variable(1_000_000_000_000_000_000u64.to_be_bytes().to_vec()),
            ),
        ),
        (
            "1,000 bytes",
            with(duration, AttrValue::Variable(vec![1; 1000])),
        ),
        (
            "life type 9",
            with(IpsecAttr::SA_LIFE_TYPE.0, AttrValue::Basic(9)),
        ),
        (
            "auth 65538",
            with(
                IpsecAttr::AUTH_ALGORITHM.0,
                AttrValue::Variable(vec![0, 1, 0, 2]),
            ),
        ),
    ] {
        assert!(phase2_suite(&t).is_none(), "{what}");
    }
    // 4 bytes is what racoon writes above 65535 s.
    let t = with(duration, AttrValue::Variable(vec![0, 1, 0, 0]));
    assert_eq!(
        phase2_suite(&t).map(|s| s.lifetime),
        Some(Duration::from_secs(65536))
    );
}

/// Finding 1, phase 1: the same for an ISAKMP SA lifetime.
#[test]
fn phase_1_lifetimes_outside_what_racoon_reads_get_no_proposal_chosen() {
    let cases: Vec<(&str, AttrValue)> = vec![
        ("0 s", AttrValue::Basic(0)),
        ("an empty value", AttrValue::Variable(vec![])),
        (
            "8 bytes",
            AttrValue::Variable(vec![0x0d, 0xe0, 0xb6, 0xb3, 0xa7, 0x64, 0, 0]),
        ),
        ("1,000 bytes", AttrValue::Variable(vec![1; 1000])),
    ];
    for (what, value) in cases {
        let mut b = responder();
        let bytes = mm1_with(|m| with_attribute(m, IkeAttr::LIFE_DURATION.0, value));
        let (sent, _) = answer(&mut b, &bytes);
        assert_eq!(sent.len(), 1, "{what}");
        assert_eq!(
            notify_of(&sent[0]),
            Some(NotifyType::NO_PROPOSAL_CHOSEN),
            "{what}"
        );
        assert!(b.isakmp_sas().is_empty(), "{what}");
    }
    // An unknown life type.
    let mut b = responder();
    let bytes = mm1_with(|m| with_attribute(m, IkeAttr::LIFE_TYPE.0, AttrValue::Basic(9)));
    let (sent, _) = answer(&mut b, &bytes);
    assert_eq!(notify_of(&sent[0]), Some(NotifyType::NO_PROPOSAL_CHOSEN));
    // Transform ID 0 is not KEY_IKE.
    let mut b = responder();
    let bytes = mm1_with(|m| sa(m).proposals[0].transforms[0].id = 0);
    let (sent, _) = answer(&mut b, &bytes);
    assert_eq!(notify_of(&sent[0]), Some(NotifyType::NO_PROPOSAL_CHOSEN));
}

/// Finding 3: first messages RFC 2408/2409 forbid are dropped with the reason, unanswered, and
/// leave no state; a good MM1 afterwards is still answered.
#[test]
fn forbidden_first_messages_are_dropped_with_their_reason() {
    let bad: Vec<(&str, Vec<u8>, Invalid)> = vec![
        (
            "version 2.0",
            mm1_with(|m| m.header.version = 0x20),
            Invalid::MajorVersion(2),
        ),
        (
            "version 0.0",
            mm1_with(|m| m.header.version = 0x00),
            Invalid::MajorVersion(0),
        ),
        (
            "a message ID",
            mm1_with(|m| m.header.message_id = 0x1234_5678),
            Invalid::FirstMessageId(0x1234_5678),
        ),
        (
            "two SA payloads",
            mm1_with(|m| {
                let s = sa(m).clone();
                payloads(m).insert(1, Payload::Sa(s));
            }),
            Invalid::SeveralSas(2),
        ),
        (
            "situation 0xffffffff",
            mm1_with(|m| sa(m).situation = 0xffff_ffff),
            Invalid::Situation(0xffff_ffff),
        ),
        (
            "a 255-byte SPI",
            mm1_with(|m| sa(m).proposals[0].spi = vec![7; 255]),
            Invalid::Phase1SpiSize(255),
        ),
        (
            "an ESP proposal",
            mm1_with(|m| sa(m).proposals[0].protocol = ProtocolId::ESP),
            Invalid::Phase1Protocol(ProtocolId::ESP),
        ),
    ];
    let nonces: Vec<(String, Vec<u8>, Invalid)> = [0usize, 1, 7, 257, 300, 4000]
        .into_iter()
        .map(|n| {
            (
                format!("a {n}-byte nonce"),
                mm1_with(|m| payloads(m).push(Payload::Nonce(vec![0x5a; n]))),
                Invalid::NonceLength(n),
            )
        })
        .collect();
    for (what, bytes, why) in bad
        .into_iter()
        .map(|(w, b, i)| (w.to_string(), b, i))
        .chain(nonces)
    {
        let mut b = responder();
        let (sent, events) = answer(&mut b, &bytes);
        assert!(sent.is_empty(), "{what}: answered");
        assert!(b.isakmp_sas().is_empty(), "{what}: state kept");
        assert!(
            events.contains(&EventKind::Dropped {
                from: from_a().0,
                reason: DropReason::Invalid(why),
            }),
            "{what}: {events:?}"
        );
        let (sent, _) = answer(&mut b, &mm1().to_bytes().unwrap());
        assert_eq!(sent.len(), 1, "{what}: a good MM1 afterwards is answered");
    }
}

/// A refusal a sender can repeat is reported once per address and reason, and counted.
#[test]
fn a_repeated_refusal_is_reported_once_and_counted() {
    let mut b = responder();
    let bytes = mm1_with(|m| m.header.version = 0x20);
    let mut reported = 0;
    for _ in 0..1000 {
        let (_, events) = answer(&mut b, &bytes);
        reported += events
            .iter()
            .filter(|e| matches!(e, EventKind::Dropped { .. }))
            .count();
    }
    assert_eq!(reported, 1);
    let kind = RefusalKind::of(&DropReason::Invalid(Invalid::MajorVersion(2)));
    assert_eq!(b.refusals().get(A_ADDR, kind), 1000);
}

/// Finding 2: 10,000 MM1s with random cookies from the peer's own address, 2 a millisecond.
/// The real peer starts once the per-address table is full and competes with the flood: the
/// oldest first-message-only exchange makes room each time, so the flood's first cookies are
/// gone, its newest are held, the table never exceeds its limit, and the real peer's phase 1
/// and phase 2 come up during the flood.
#[test]
fn a_flood_of_first_messages_is_bounded_and_the_real_peer_gets_through() {
    let (a, b) = fixed_configs(|_| {});
    let limits = Limits::default();
    let mut p = Pair::new(a, b, 5);
    let template = mm1();
    let (src, dst) = from_a();
    let cookie = |n: u64| (n + 1).to_be_bytes();
    let mut most = 0;
    let mut sent = 0u64;
    for ms in 0u64..5000 {
        for _ in 0..2 {
            let mut m = template.clone();
            m.header.initiator_cookie = cookie(sent);
            let now = p.now;
            p.b.handle_datagram(now, src, dst, &m.to_bytes().unwrap());
            while p.b.poll_transmit().is_some() {}
            sent += 1;
        }
        if ms == 40 {
            // The table is full (80 sent, 32 kept): the real peer starts now.
            p.a.start(p.now);
        }
        p.run_for(Duration::from_millis(1));
        let half_open =
            p.b.isakmp_sas()
                .iter()
                .filter(|s| !s.initiator && !s.established)
                .count();
        most = most.max(half_open);
    }
    assert_eq!(
        most, limits.half_open_per_address,
        "half-open exchanges at once"
    );
    let held: Vec<[u8; 8]> = p.b.isakmp_sas().iter().map(|s| s.icookie).collect();
    assert!(!held.contains(&cookie(0)), "the oldest was not evicted");
    assert!(
        held.contains(&cookie(sent - 1)),
        "the newest was not admitted"
    );
    assert_eq!(
        p.a.ipsec_sas().len(),
        2,
        "the real peer's SAs during the flood"
    );
    assert!(p.b.isakmp_sas().iter().any(|s| s.established));
    let evicted = p.b.refusals().get(A_ADDR, RefusalKind::Evicted);
    assert!(
        evicted >= sent - limits.half_open_per_address as u64,
        "{evicted}"
    );
}

/// The limit in all applies as well as the one per address; and when every half-open exchange
/// has gone past its first message, nothing can be evicted and the new first message is
/// dropped with its reason.
#[test]
fn the_overall_limit_holds_and_a_full_table_of_real_exchanges_drops_the_newcomer() {
    let (_, mut b) = fixed_configs(|_| {});
    b.behaviour.limits = Limits {
        half_open: 4,
        half_open_per_address: 32,
    };
    let mut e = Engine::new(b, 7);
    let template = mm1();
    for n in 0..20u64 {
        let mut m = template.clone();
        m.header.initiator_cookie = (n + 1).to_be_bytes();
        let _ = answer(&mut e, &m.to_bytes().unwrap());
        assert!(e.isakmp_sas().len() <= 4, "{n}: {}", e.isakmp_sas().len());
    }

    // One place, taken by a real exchange that has gone past MM1: a new MM1 is dropped.
    let (a, mut b) = fixed_configs(|_| {});
    b.behaviour.limits = Limits {
        half_open: 1,
        half_open_per_address: 1,
    };
    let (mut a, mut b) = (Engine::new(a, 1), Engine::new(b, 2));
    let (src, dst) = from_a();
    a.start(Instant::ZERO);
    let mm1_bytes = a.poll_transmit().unwrap().payload;
    b.handle_datagram(Instant::ZERO, src, dst, &mm1_bytes);
    a.handle_datagram(Instant::ZERO, dst, src, &b.poll_transmit().unwrap().payload);
    b.handle_datagram(Instant::ZERO, src, dst, &a.poll_transmit().unwrap().payload);
    assert!(b.poll_transmit().is_some(), "MM4");
    while b.poll_event().is_some() {}
    let mut newcomer = template.clone();
    newcomer.header.initiator_cookie = [0x77; 8];
    let (sent, events) = answer(&mut b, &newcomer.to_bytes().unwrap());
    assert!(sent.is_empty());
    assert!(
        events.contains(&EventKind::Dropped {
            from: src,
            reason: DropReason::HalfOpenLimit,
        }),
        "{events:?}"
    );
    assert_eq!(b.isakmp_sas().len(), 1);
}

/// Finding 3, in a real exchange: an MM3 whose nonce is 7 bytes (RFC 2409: 8 to 256) gets no
/// MM4; the responder says why.
#[test]
fn an_mm3_with_a_short_nonce_gets_no_mm4() {
    let (a, b) = fixed_configs(|_| {});
    let (mut a, mut b) = (Engine::new(a, 1), Engine::new(b, 2));
    let (src, dst) = from_a();
    a.start(Instant::ZERO);
    let mm1 = a.poll_transmit().expect("MM1").payload;
    b.handle_datagram(Instant::ZERO, src, dst, &mm1);
    let mm2 = b.poll_transmit().expect("MM2").payload;
    a.handle_datagram(Instant::ZERO, dst, src, &mm2);
    let mut mm3 = Message::parse(&a.poll_transmit().expect("MM3").payload).unwrap();
    for p in payloads(&mut mm3) {
        if let Payload::Nonce(n) = p {
            n.truncate(7);
        }
    }
    let (sent, events) = answer(&mut b, &mm3.to_bytes().unwrap());
    assert!(sent.is_empty(), "an MM4 was sent");
    assert!(
        events.contains(&EventKind::Dropped {
            from: src,
            reason: DropReason::Invalid(Invalid::NonceLength(7)),
        }),
        "{events:?}"
    );
}
