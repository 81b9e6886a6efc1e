//! SA-level tests: round trips, counters, and each refusal with the error that names it.

use super::*;
use crate::crypto::CipherAlg;
use crate::rng::{FixedRandom, SeededRandom};
use crate::wire::esp::next_header;

const SPI: u32 = 0xc0ff_ee01;

const CIPHERS: [CipherAlg; 4] = [
    CipherAlg::AesCbc { key_len: 16 },
    CipherAlg::AesCbc { key_len: 24 },
    CipherAlg::AesCbc { key_len: 32 },
    CipherAlg::TripleDesCbc,
];

fn keys(cipher: CipherAlg, integ: IntegAlg) -> EspKeys {
    let keymat: Vec<u8> = (0u8..=255).collect();
    EspKeys::from_keymat(cipher, integ, &keymat).unwrap()
}

fn sa_pair(cipher: CipherAlg, integ: IntegAlg) -> (OutboundSa, InboundSa) {
    (
        OutboundSa::new(SPI, keys(cipher, integ)).unwrap(),
        InboundSa::new(SPI, keys(cipher, integ)).unwrap(),
    )
}

/// Builds a packet with a valid ICV around an arbitrary plaintext, to reach the checks that
/// only run after authentication.
fn seal(keys: &EspKeys, seq: u32, plain: &[u8]) -> Vec<u8> {
    let block = keys.cipher().block_size();
    let mut out = SPI.to_be_bytes().to_vec();
    out.extend_from_slice(&seq.to_be_bytes());
    let iv = vec![0x5a; block];
    out.extend_from_slice(&iv);
    let mut ct = plain.to_vec();
    keys.cipher().encrypt(keys.enc_key(), &iv, &mut ct).unwrap();
    out.extend_from_slice(&ct);
    let icv = keys.integ().icv(keys.auth_key(), &out);
    out.extend_from_slice(&icv);
    out
}

#[test]
fn round_trip_every_combination_and_length() {
    let mut rng = SeededRandom::new(7);
    for cipher in CIPHERS {
        for integ in IntegAlg::ALL {
            let (mut tx, mut rx) = sa_pair(cipher, integ);
            for len in 0..=40usize {
                let payload: Vec<u8> = (0..len).map(|i| i as u8 ^ 0xa5).collect();
                let packet = tx
                    .encapsulate(next_header::UDP, &payload, &mut rng)
                    .unwrap();
                assert_eq!(packet.len(), tx.encapsulated_len(len));
                let block = cipher.block_size();
                assert_eq!((len + tx.pad_len(len) + 2) % block, 0);
                assert!(tx.pad_len(len) < block);
                let got = rx.decapsulate(&packet).unwrap();
                assert_eq!(got.payload, payload);
                assert_eq!(got.next_header, next_header::UDP);
                assert_eq!(got.seq, len as u32 + 1);
            }
        }
    }
}

#[test]
fn layout_and_padding_bytes() {
    let (mut tx, _) = sa_pair(CipherAlg::AES128, IntegAlg::HmacSha1_96);
    let iv: Vec<u8> = (100..116).collect();
    let payload = [0xeeu8; 21];
    let packet = tx
        .encapsulate(next_header::IPV4, &payload, &mut FixedRandom::new(&iv))
        .unwrap();
    // 8 header + 16 IV + 32 (21 + 9 pad + 2) + 12 ICV.
    assert_eq!(packet.len(), 68);
    assert_eq!(&packet[..8], &[0xc0, 0xff, 0xee, 0x01, 0, 0, 0, 1]);
    assert_eq!(&packet[8..24], &iv[..]);
    let mut plain = packet[24..56].to_vec();
    CipherAlg::AES128
        .decrypt(tx.keys().enc_key(), &iv, &mut plain)
        .unwrap();
    assert_eq!(&plain[21..], &[1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 4]);
}

#[test]
fn in_place_matches_copying() {
    let (mut tx, mut rx) = sa_pair(CipherAlg::TripleDesCbc, IntegAlg::HmacSha256_128);
    let mut rx2 = rx.clone();
    let mut packet = tx
        .encapsulate(next_header::ICMP, b"ping", &mut SeededRandom::new(1))
        .unwrap();
    let copied = rx.decapsulate(&packet).unwrap();
    let in_place = rx2.decapsulate_in_place(&mut packet).unwrap();
    assert_eq!(in_place.payload, b"ping");
    assert_eq!(in_place.payload, &copied.payload[..]);
    assert_eq!((in_place.next_header, in_place.seq), (1, 1));
}

#[test]
fn sequence_counts_from_one_and_never_wraps() {
    let (mut tx, mut rx) = sa_pair(CipherAlg::AES128, IntegAlg::HmacMd5_96);
    let mut rng = SeededRandom::new(2);
    assert_eq!(tx.next_seq(), Some(1));
    assert_eq!(tx.set_next_seq(0), Err(EspError::ZeroSequence));
    tx.set_next_seq(u32::MAX).unwrap();
    let last = tx.encapsulate(4, b"x", &mut rng).unwrap();
    assert_eq!(rx.decapsulate(&last).unwrap().seq, u32::MAX);
    assert_eq!(tx.next_seq(), None);
    assert_eq!(
        tx.encapsulate(4, b"x", &mut rng),
        Err(EspError::SequenceExhausted)
    );
}

#[test]
fn short_buffer_consumes_nothing() {
    let (mut tx, _) = sa_pair(CipherAlg::AES128, IntegAlg::HmacSha1_96);
    let mut buf = [0u8; 51];
    assert_eq!(
        tx.encapsulate_into(4, &[0; 10], &mut SeededRandom::new(3), &mut buf),
        Err(EspError::BufferTooSmall { need: 52, got: 51 })
    );
    assert_eq!(tx.next_seq(), Some(1));
    let mut buf = [0u8; 60];
    assert_eq!(
        tx.encapsulate_into(4, &[0; 10], &mut SeededRandom::new(3), &mut buf),
        Ok(52)
    );
}

#[test]
fn header_and_length_refusals() {
    let (mut tx, mut rx) = sa_pair(CipherAlg::AES128, IntegAlg::HmacSha1_96);
    let packet = tx
        .encapsulate(4, b"abc", &mut SeededRandom::new(4))
        .unwrap();
    assert_eq!(
        rx.decapsulate(&packet[..5]),
        Err(EspError::Truncated { len: 5, min: 52 })
    );
    assert_eq!(
        rx.decapsulate(&packet[..51]),
        Err(EspError::Truncated { len: 51, min: 52 })
    );
    let mut odd = packet.clone();
    odd.push(0);
    assert_eq!(
        rx.decapsulate(&odd),
        Err(EspError::Misaligned { len: 17, block: 16 })
    );
    let mut other = packet.clone();
    other[3] ^= 0xff;
    assert_eq!(
        rx.decapsulate(&other),
        Err(EspError::WrongSpi {
            expected: SPI,
            got: SPI ^ 0xff
        })
    );
    let mut zero = packet.clone();
    zero[4..8].fill(0);
    assert_eq!(rx.decapsulate(&zero), Err(EspError::ZeroSequence));
    assert_eq!(
        OutboundSa::new(255, keys(CipherAlg::AES128, IntegAlg::HmacSha1_96)).err(),
        Some(EspError::ReservedSpi { spi: 255 })
    );
    rx.decapsulate(&packet).unwrap();
}

#[test]
fn replay_and_window_move_only_after_icv() {
    let (mut tx, mut rx) = sa_pair(CipherAlg::AES128, IntegAlg::HmacSha1_96);
    let mut rng = SeededRandom::new(5);
    let packets: Vec<Vec<u8>> = (0..70)
        .map(|_| tx.encapsulate(4, b"data", &mut rng).unwrap())
        .collect();
    // A forgery far ahead fails the ICV and must not slide the window.
    let mut forged = packets[69].clone();
    forged[20] ^= 1;
    assert_eq!(rx.decapsulate(&forged), Err(EspError::IcvMismatch));
    assert_eq!(rx.window().highest(), 0);
    rx.decapsulate(&packets[0]).unwrap();
    assert_eq!(
        rx.decapsulate(&packets[0]),
        Err(EspError::Replayed { seq: 1 })
    );
    rx.decapsulate(&packets[69]).unwrap();
    assert_eq!(
        rx.decapsulate(&packets[5]),
        Err(EspError::TooOld {
            seq: 6,
            highest: 70
        })
    );
    rx.decapsulate(&packets[6]).unwrap();
}

#[test]
fn icv_covers_header_iv_and_ciphertext() {
    let (mut tx, rx) = sa_pair(CipherAlg::AES128, IntegAlg::HmacSha1_96);
    let packet = tx
        .encapsulate(4, b"data", &mut SeededRandom::new(6))
        .unwrap();
    for byte in 4..packet.len() {
        let mut bad = packet.clone();
        bad[byte] ^= 0x80;
        let got = rx.clone().decapsulate(&bad);
        assert!(
            matches!(got, Err(EspError::IcvMismatch | EspError::ZeroSequence)),
            "byte {byte}: {got:?}"
        );
    }
}

#[test]
fn padding_checks_strict_and_lenient() {
    let k = keys(CipherAlg::AES128, IntegAlg::HmacSha1_96);
    let (_, rx) = sa_pair(CipherAlg::AES128, IntegAlg::HmacSha1_96);
    // 10 payload bytes, 4 zero pad bytes, pad length 4, next header 4.
    let mut plain = vec![0xab; 10];
    plain.extend_from_slice(&[0, 0, 0, 0, 4, 4]);
    let packet = seal(&k, 1, &plain);
    let mut strict = rx.clone();
    assert_eq!(
        strict.decapsulate(&packet),
        Err(EspError::BadPadding { pad_len: 4 })
    );
    // Authenticated, so the sequence number is spent even though the padding was refused.
    assert_eq!(
        strict.decapsulate(&packet),
        Err(EspError::Replayed { seq: 1 })
    );
    let mut lenient = rx.clone().with_padding_check(PaddingCheck::Lenient);
    assert_eq!(
        lenient.decapsulate(&packet).unwrap().payload,
        vec![0xab; 10]
    );

    let mut plain = vec![0; 14];
    plain.extend_from_slice(&[15, 4]);
    assert_eq!(
        rx.clone().decapsulate(&seal(&k, 1, &plain)),
        Err(EspError::BadPadLength {
            pad_len: 15,
            room: 14
        })
    );
    plain[14] = 14;
    plain[..14].copy_from_slice(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    let empty = rx.clone().decapsulate(&seal(&k, 1, &plain)).unwrap();
    assert!(empty.payload.is_empty());
}

#[test]
fn pair_from_keymat_talks_to_mirror_pair() {
    let ab: Vec<u8> = (0..36).collect();
    let ba: Vec<u8> = (100..136).collect();
    let (c, i) = (CipherAlg::AES128, IntegAlg::HmacSha1_96);
    let mut a = SaPair::from_keymat(c, i, 0x1111_1111, &ab, 0x2222_2222, &ba).unwrap();
    let mut b = SaPair::from_keymat(c, i, 0x2222_2222, &ba, 0x1111_1111, &ab).unwrap();
    let mut rng = SeededRandom::new(8);
    let p = a.outbound.encapsulate(4, b"a->b", &mut rng).unwrap();
    assert_eq!(b.inbound.decapsulate(&p).unwrap().payload, b"a->b");
    let p = b.outbound.encapsulate(4, b"b->a", &mut rng).unwrap();
    assert_eq!(a.inbound.decapsulate(&p).unwrap().payload, b"b->a");
    assert_eq!(
        a.inbound.decapsulate(&p[..]).unwrap_err(),
        EspError::Replayed { seq: 1 }
    );
}

#[test]
fn largest_payload_is_the_last_that_fits() {
    let mut rng = SeededRandom::new(3);
    for cipher in CIPHERS {
        for integ in IntegAlg::ALL {
            let (mut out, _) = sa_pair(cipher, integ);
            for esp_len in 40..200 {
                match out.largest_payload(esp_len) {
                    Some(p) => {
                        // The real packet of that payload fits; one byte more does not.
                        let e = out
                            .encapsulate(next_header::IPV4, &vec![0; p], &mut rng)
                            .unwrap();
                        assert!(
                            e.len() <= esp_len,
                            "{cipher:?} {esp_len}: {p} -> {}",
                            e.len()
                        );
                        assert!(out.encapsulated_len(p + 1) > esp_len);
                    }
                    None => assert!(out.encapsulated_len(0) > esp_len),
                }
            }
        }
    }
}
