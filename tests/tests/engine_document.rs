//! The vendor document's two cases between two engines: SEIL-like A proposes Quick Mode IDs,
//! IX-like B accepts only 172.16.0.2 <-> 172.16.0.1. Packet sizes must be the document's.

use std::net::Ipv4Addr;
use std::time::Duration;

use ikelab_peers::ike::{Direction, EncapMode, EventKind, FailReason, Protected};
use ikelab_peers::time::Instant;
use ikelab_peers::wire::{NotifyType, ipv4};
use ikelab_tests::pair::{A_ADDR, B_ADDR, Side, any_id, doc_pair, host_id};

fn installed(kinds: &[&EventKind]) -> Vec<(u32, Direction)> {
    kinds
        .iter()
        .filter_map(|k| {
            if let EventKind::SaInstalled { spi, direction, .. } = k {
                Some((*spi, *direction))
            } else {
                None
            }
        })
        .collect()
}

#[test]
fn fixed_ids_give_two_sas_per_side_with_the_documents_sizes() {
    let mut p = doc_pair((host_id(A_ADDR), host_id(B_ADDR)), 7);
    p.a.start(Instant::ZERO);
    p.run_for(Duration::from_secs(30));

    // MM1, MM3, MM5, INITIAL-CONTACT, QM1, QM3 from A; MM2, MM4, MM6, QM2 from B.
    let a = p.lengths(Side::A);
    let b = p.lengths(Side::B);
    assert_eq!(a.len(), 6, "{a:?}");
    assert_eq!(
        &a[2..],
        &[76, 92, 156, 60],
        "MM5, INITIAL-CONTACT, QM1, QM3: {a:?}"
    );
    assert_eq!(b[3], 156, "QM2: {b:?}");

    let ai = installed(&p.kinds(Side::A));
    let bi = installed(&p.kinds(Side::B));
    assert_eq!(ai.len(), 2);
    assert_eq!(bi.len(), 2);
    assert_eq!(
        ai[0].1,
        Direction::Inbound,
        "racoon logs the inbound SA first"
    );
    // A's inbound SPI is B's outbound SPI and the other way round.
    assert_eq!(ai[0].0, bi[1].0);
    assert_eq!(ai[1].0, bi[0].0);

    // Keys agree: a packet protected by A is accepted by B, and vice versa.
    let inner = [&ipv4::header(A_ADDR, B_ADDR, 4, 64, 1, 28)[..], &[0x45; 28]].concat();
    let Protected::Esp(esp) = p.a.protect(p.now, inner.clone()) else {
        panic!("A has an SA")
    };
    assert_eq!(esp[9], 50);
    assert_eq!(p.b.unprotect(p.now, &esp).unwrap(), inner);
    let back = [&ipv4::header(B_ADDR, A_ADDR, 4, 64, 2, 28)[..], &[0x45; 28]].concat();
    let Protected::Esp(esp) = p.b.protect(p.now, back.clone()) else {
        panic!("B has an SA")
    };
    assert_eq!(p.a.unprotect(p.now, &esp).unwrap(), back);
    // Traffic outside the policy passes untouched.
    let other = ipv4::header(Ipv4Addr::new(10, 0, 0, 1), B_ADDR, 1, 64, 3, 0).to_vec();
    assert_eq!(p.a.protect(p.now, other.clone()), Protected::Bypass(other));

    let ka = p.a.ipsec_sas();
    assert!(ka.iter().all(|s| s.mode == EncapMode::Transport));
}

#[test]
fn zero_ids_are_rejected_with_invalid_id_information() {
    let mut p = doc_pair((any_id(), any_id()), 7);
    p.a.start(Instant::ZERO);
    p.run_for(Duration::from_secs(5));

    let a = p.lengths(Side::A);
    assert_eq!(&a[2..], &[76, 92, 172], "MM5, INITIAL-CONTACT, QM1: {a:?}");
    let b_kinds = p.kinds(Side::B);
    assert!(b_kinds.iter().any(|k| matches!(k, EventKind::NoPolicyForIds { initiator_id, .. } if initiator_id.to_string() == "0.0.0.0/0")));
    assert!(b_kinds.iter().any(|k| matches!(
        k,
        EventKind::NotifySent {
            kind: NotifyType::INVALID_ID_INFORMATION,
            ..
        }
    )));
    assert!(p.kinds(Side::A).iter().any(|k| matches!(
        k,
        EventKind::NotifyReceived {
            kind: NotifyType::INVALID_ID_INFORMATION,
            ..
        }
    )));
    assert!(installed(&p.kinds(Side::A)).is_empty());
    assert!(installed(&p.kinds(Side::B)).is_empty());
    assert!(p.a.ipsec_sas().is_empty() && p.b.ipsec_sas().is_empty());

    // racoon keeps resending QM1 (5 retries at 10 s) and then gives up.
    p.run_for(Duration::from_secs(120));
    let qm1s = p.lengths(Side::A).iter().filter(|l| **l == 172).count();
    assert_eq!(qm1s, 6);
    assert!(p.kinds(Side::A).iter().any(|k| matches!(
        k,
        EventKind::Phase2Failed {
            reason: FailReason::Timeout,
            ..
        }
    )));
}

#[test]
fn wrong_psk_fails_cleanly_at_the_responder() {
    let mut p = doc_pair((host_id(A_ADDR), host_id(B_ADDR)), 3);
    p.b = ikelab_peers::ike::Engine::new(
        ikelab_tests::pair::doc_config(
            B_ADDR,
            A_ADDR,
            (host_id(B_ADDR), host_id(A_ADDR)),
            "not-hogehoge",
            false,
        ),
        4,
    );
    p.a.start(Instant::ZERO);
    p.run_for(Duration::from_secs(300));
    let b = p.kinds(Side::B);
    assert!(b.iter().any(|k| matches!(
        k,
        EventKind::Dropped {
            reason: ikelab_peers::ike::DropReason::DecryptFailed
                | ikelab_peers::ike::DropReason::BadHash,
            ..
        }
    )));
    assert!(
        b.iter().any(|k| matches!(
            k,
            EventKind::Phase1Failed {
                reason: FailReason::AuthenticationFailed,
                ..
            }
        )),
        "{b:?}"
    );
    assert!(
        !b.iter()
            .any(|k| matches!(k, EventKind::Phase1Established { .. }))
    );
    assert!(p.a.ipsec_sas().is_empty() && p.b.ipsec_sas().is_empty());
}

#[test]
fn plaintext_is_refused_where_a_policy_requires_esp() {
    let p = doc_pair((host_id(A_ADDR), host_id(B_ADDR)), 7);
    let ipip = ipv4::header(A_ADDR, B_ADDR, 4, 64, 1, 0);
    assert!(
        !p.b.accepts_plain(&ipip),
        "IP-in-IP from the peer must come through ESP"
    );
    let ike = [
        &ipv4::header(A_ADDR, B_ADDR, 17, 64, 1, 8)[..],
        &ipv4::udp_header(500, 500, 0),
    ]
    .concat();
    assert!(p.b.accepts_plain(&ike), "IKE itself is never refused");
    let other = ipv4::header(Ipv4Addr::new(10, 1, 1, 1), B_ADDR, 1, 64, 1, 0);
    assert!(p.b.accepts_plain(&other));
}
