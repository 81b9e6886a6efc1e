//! Properties of the ESP view, the port-4500 classifier and the SAs: no input bytes make them
//! panic, every algorithm combination round-trips, and no altered packet is accepted.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use ikelab_peers::crypto::CipherAlg;
use ikelab_peers::esp::{EspError, EspKeys, InboundSa, IntegAlg, OutboundSa, PaddingCheck};
use ikelab_peers::rng::SeededRandom;
use ikelab_peers::wire::esp::{Packet, Repr, Udp4500, classify_udp_4500};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

const CIPHERS: [CipherAlg; 4] = [
    CipherAlg::AesCbc { key_len: 16 },
    CipherAlg::AesCbc { key_len: 24 },
    CipherAlg::AesCbc { key_len: 32 },
    CipherAlg::TripleDesCbc,
];

/// All twelve cipher/integrity combinations.
fn combo() -> impl Strategy<Value = (CipherAlg, IntegAlg)> {
    let all: Vec<_> = CIPHERS
        .iter()
        .flat_map(|&c| IntegAlg::ALL.map(|i| (c, i)))
        .collect();
    prop::sample::select(all)
}

/// Keys for `combo` cut from 64 arbitrary KEYMAT bytes (the most any combination needs).
fn keys((cipher, integ): (CipherAlg, IntegAlg), keymat: &[u8]) -> EspKeys {
    EspKeys::from_keymat(cipher, integ, keymat).unwrap()
}

/// A valid ICV around arbitrary whole blocks, to reach the post-authentication checks.
fn seal(keys: &EspKeys, spi: u32, seq: u32, iv: &[u8], plain: &[u8]) -> Vec<u8> {
    let mut out = [spi.to_be_bytes(), seq.to_be_bytes()].concat();
    out.extend_from_slice(iv);
    let mut ct = plain.to_vec();
    keys.cipher().encrypt(keys.enc_key(), iv, &mut ct).unwrap();
    out.extend_from_slice(&ct);
    let icv = keys.integ().icv(keys.auth_key(), &out);
    out.extend_from_slice(&icv);
    out
}

/// Inputs of one round trip.
#[derive(Clone, Debug)]
struct Trip {
    combo: (CipherAlg, IntegAlg),
    keymat: Vec<u8>,
    spi: u32,
    first_seq: u32,
    next_header: u8,
    payload: Vec<u8>,
    /// Seeds the IV.
    seed: u64,
    /// Byte index (modulo the length) and bit of the tampering.
    flip: (usize, u8),
}

fn trip(max_payload: usize) -> impl Strategy<Value = Trip> {
    (
        combo(),
        keymat(),
        256u32..,
        1u32..,
        any::<u8>(),
        prop::collection::vec(any::<u8>(), 0..max_payload),
        any::<u64>(),
        (any::<usize>(), any::<u8>()),
    )
        .prop_map(
            |(combo, keymat, spi, first_seq, next_header, payload, seed, flip)| Trip {
                combo,
                keymat,
                spi,
                first_seq,
                next_header,
                payload,
                seed,
                flip,
            },
        )
}

/// One round trip and one tampering; shared by the quick and the heavy run.
fn round_trip_and_tamper(t: &Trip) -> Result<(), TestCaseError> {
    let Trip {
        combo,
        ref keymat,
        spi,
        first_seq,
        next_header,
        ref payload,
        seed,
        flip,
    } = *t;
    let mut tx = OutboundSa::new(spi, keys(combo, keymat)).unwrap();
    let rx = InboundSa::new(spi, keys(combo, keymat)).unwrap();
    tx.set_next_seq(first_seq).unwrap();
    let mut packet = tx
        .encapsulate(next_header, payload, &mut SeededRandom::new(seed))
        .unwrap();
    prop_assert_eq!(packet.len(), tx.encapsulated_len(payload.len()));
    prop_assert_eq!(tx.next_seq(), first_seq.checked_add(1));

    let mut copy_rx = rx.clone();
    let got = copy_rx.decapsulate(&packet).unwrap();
    prop_assert_eq!(&got.payload[..], payload);
    prop_assert_eq!(got.next_header, next_header);
    prop_assert_eq!(got.seq, first_seq);
    prop_assert_eq!(
        copy_rx.decapsulate(&packet),
        Err(EspError::Replayed { seq: first_seq })
    );

    let mut bad = packet.clone();
    let at = flip.0 % bad.len();
    bad[at] ^= 1 << (flip.1 % 8);
    let refused = rx.clone().decapsulate(&bad);
    prop_assert!(refused.is_err(), "bit flip at {} accepted", at);

    let in_place = rx.clone().decapsulate_in_place(&mut packet).unwrap();
    prop_assert_eq!(&in_place.payload[..], payload);
    Ok(())
}

/// Arbitrary bytes (with the SA's SPI stamped on, to get past the first check) are refused.
fn garbage_refused(
    combo: (CipherAlg, IntegAlg),
    keymat: &[u8],
    spi: u32,
    bytes: &[u8],
) -> Result<(), TestCaseError> {
    let mut rx = InboundSa::new(spi, keys(combo, keymat)).unwrap();
    prop_assert!(rx.decapsulate(bytes).is_err());
    let mut stamped = bytes.to_vec();
    if stamped.len() >= 4 {
        stamped[..4].copy_from_slice(&spi.to_be_bytes());
    }
    prop_assert!(rx.decapsulate(&stamped).is_err());
    prop_assert!(rx.decapsulate_in_place(&mut stamped).is_err());
    Ok(())
}

fn keymat() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 64)
}

proptest! {
    #[test]
    fn esp_view_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        match Packet::new_checked(&bytes[..]) {
            Ok(p) => {
                prop_assert!(bytes.len() >= 8);
                prop_assert_eq!(p.payload().len(), bytes.len() - 8);
                match Repr::parse(&p) {
                    Ok(repr) => {
                        let mut buf = [0u8; 8];
                        repr.emit(&mut Packet::new_unchecked(&mut buf[..]));
                        prop_assert_eq!(&buf[..], &bytes[..8]);
                    }
                    Err(_) => prop_assert_eq!(p.spi(), 0),
                }
            }
            Err(_) => prop_assert!(bytes.len() < 8),
        }
    }

    #[test]
    fn classifier_never_panics_and_is_consistent(
        bytes in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..40),
            prop::collection::vec(any::<u8>(), 0..40)
                .prop_map(|b| [&[0u8; 4][..], &b].concat()),
            Just(vec![0xff]),
        ]
    ) {
        match classify_udp_4500(&bytes) {
            Ok(Udp4500::Keepalive) => prop_assert_eq!(&bytes[..], &[0xff]),
            Ok(Udp4500::Ike(ike)) => {
                prop_assert_eq!(&bytes[..4], &[0; 4]);
                prop_assert_eq!(ike, &bytes[4..]);
            }
            Ok(Udp4500::Esp(p)) => {
                prop_assert!(p.spi() != 0);
                prop_assert_eq!(p.as_bytes(), &bytes[..]);
            }
            Err(_) => prop_assert!(bytes.len() < 8 && bytes != [0xff] && !bytes.starts_with(&[0; 4])),
        }
    }

    #[test]
    fn decapsulate_refuses_arbitrary_bytes(
        combo in combo(),
        keymat in keymat(),
        spi in 256u32..,
        bytes in prop::collection::vec(any::<u8>(), 0..128),
    ) {
        garbage_refused(combo, &keymat, spi, &bytes)?;
    }

    #[test]
    fn authenticated_garbage_is_refused_or_parsed_never_panics(
        combo in combo(),
        keymat in keymat(),
        seq in 1u32..,
        blocks in 1usize..5,
        plain_seed in any::<u64>(),
        lenient in any::<bool>(),
    ) {
        let keys = keys(combo, &keymat);
        let block = combo.0.block_size();
        let mut plain = vec![0u8; blocks * block];
        let mut rng = SeededRandom::new(plain_seed);
        ikelab_peers::rng::Random::fill(&mut rng, &mut plain);
        let packet = seal(&keys, 0x1000, seq, &vec![7; block], &plain);
        let policy = if lenient { PaddingCheck::Lenient } else { PaddingCheck::Strict };
        let mut rx = InboundSa::new(0x1000, keys).unwrap().with_padding_check(policy);
        let pad_len = usize::from(plain[plain.len() - 2]);
        match rx.decapsulate(&packet) {
            Ok(got) => {
                prop_assert_eq!(got.payload.len(), plain.len() - 2 - pad_len);
                prop_assert_eq!(got.next_header, plain[plain.len() - 1]);
            }
            Err(EspError::BadPadLength { .. }) => prop_assert!(pad_len > plain.len() - 2),
            Err(EspError::BadPadding { .. }) => prop_assert!(!lenient),
            Err(e) => prop_assert!(false, "unexpected {e}"),
        }
        // Authenticated either way, so the sequence number is now spent.
        prop_assert_eq!(rx.decapsulate(&packet), Err(EspError::Replayed { seq }));
    }

    #[test]
    fn round_trips_every_combination(t in trip(300)) {
        round_trip_and_tamper(&t)?;
    }
}

/// The bench-like run: 100,000 cases of round trip, tampering and garbage across all twelve
/// combinations. `cargo test -p ikelab-peers --test esp_proptest -- --ignored --nocapture`.
#[test]
#[ignore = "100,000 cases; run with --ignored"]
fn heavy_100k_cases() {
    const CASES: u32 = 100_000;
    let mut runner = TestRunner::new(Config {
        cases: CASES,
        failure_persistence: None,
        ..Config::default()
    });
    let ran = AtomicU64::new(0);
    let strategy = (trip(1500), prop::collection::vec(any::<u8>(), 0..128));
    let start = Instant::now();
    let result = runner.run(&strategy, |(t, garbage)| {
        ran.fetch_add(1, Ordering::Relaxed);
        round_trip_and_tamper(&t)?;
        garbage_refused(t.combo, &t.keymat, t.spi, &garbage)
    });
    let elapsed = start.elapsed();
    let ran = ran.into_inner();
    eprintln!("heavy_100k_cases: {ran} cases in {elapsed:.2?}");
    result.unwrap();
    assert_eq!(ran, u64::from(CASES));
}
