//! ESP against real strongSwan traffic: the `ss-lan-tunnel-libipsec` capture holds libipsec's
//! UDP-encapsulated tunnel-mode ESP (pings 192.168.0.10 <-> 192.168.1.10) and its NAT-T IKE on
//! port 4500; `keys/esp_sa` holds both SAs in Wireshark's format. Every ESP packet must
//! decapsulate, and re-encapsulating its inner packet with the captured IV and sequence number
//! must reproduce strongSwan's bytes exactly.

use std::net::Ipv4Addr;

use ikelab_peers::crypto::CipherAlg;
use ikelab_peers::esp::{EspError, EspKeys, InboundSa, IntegAlg, OutboundSa};
use ikelab_peers::rng::FixedRandom;
use ikelab_peers::wire::esp::{
    NAT_T_PORT, Udp4500, classify_udp_4500, next_header, prepend_non_esp_marker,
};

const CASE: &str = "/../tests/fixtures/strongswan/ss-lan-tunnel-libipsec";

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}{CASE}/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// One UDP datagram out of the capture.
struct Datagram {
    frame: usize,
    src: Ipv4Addr,
    dst: Ipv4Addr,
    src_port: u16,
    dst_port: u16,
    payload: Vec<u8>,
}

fn be16(b: &[u8]) -> u16 {
    u16::from_be_bytes([b[0], b[1]])
}

/// Walks a classic pcap of Ethernet frames and returns the IPv4/UDP datagrams.
fn udp_datagrams(pcap: &[u8]) -> Vec<Datagram> {
    let magic = &pcap[..4];
    let le = match magic {
        [0xd4, 0xc3, 0xb2, 0xa1] | [0x4d, 0x3c, 0xb2, 0xa1] => true,
        [0xa1, 0xb2, 0xc3, 0xd4] | [0xa1, 0xb2, 0x3c, 0x4d] => false,
        _ => panic!("not a classic pcap: {magic:02x?}"),
    };
    let u32_at = |b: &[u8]| {
        let w = [b[0], b[1], b[2], b[3]];
        if le {
            u32::from_le_bytes(w)
        } else {
            u32::from_be_bytes(w)
        }
    };
    assert_eq!(u32_at(&pcap[20..24]), 1, "link type must be Ethernet");
    let mut out = Vec::new();
    let mut pos = 24;
    let mut frame = 0;
    while pos < pcap.len() {
        frame += 1;
        let incl = u32_at(&pcap[pos + 8..pos + 12]) as usize;
        let eth = &pcap[pos + 16..pos + 16 + incl];
        pos += 16 + incl;
        if be16(&eth[12..14]) != 0x0800 {
            continue;
        }
        let ip = &eth[14..];
        let ihl = usize::from(ip[0] & 0x0f) * 4;
        let total = usize::from(be16(&ip[2..4]));
        if ip[9] != 17 {
            continue;
        }
        let udp = &ip[ihl..total];
        let udp_len = usize::from(be16(&udp[4..6]));
        out.push(Datagram {
            frame,
            src: Ipv4Addr::new(ip[12], ip[13], ip[14], ip[15]),
            dst: Ipv4Addr::new(ip[16], ip[17], ip[18], ip[19]),
            src_port: be16(&udp[0..2]),
            dst_port: be16(&udp[2..4]),
            payload: udp[8..udp_len].to_vec(),
        });
    }
    out
}

/// One line of Wireshark's `esp_sa` file.
#[derive(Clone, Debug)]
struct SaLine {
    src: Ipv4Addr,
    dst: Ipv4Addr,
    spi: u32,
    cipher: CipherAlg,
    enc_key: Vec<u8>,
    integ: IntegAlg,
    auth_key: Vec<u8>,
}

fn unhex(s: &str) -> Vec<u8> {
    let s = s.trim_start_matches("0x");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn esp_sas() -> Vec<SaLine> {
    let text = String::from_utf8(fixture("keys/esp_sa")).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let f: Vec<&str> = line
                .split(',')
                .map(|f| f.trim().trim_matches('"'))
                .collect();
            assert_eq!(f.len(), 8, "{line}");
            assert_eq!(f[0], "IPv4");
            let enc_key = unhex(f[5]);
            let cipher = match f[4] {
                "AES-CBC [RFC3602]" => CipherAlg::AesCbc {
                    key_len: enc_key.len(),
                },
                "TripleDES-CBC [RFC2451]" => CipherAlg::TripleDesCbc,
                other => panic!("cipher {other}"),
            };
            let integ = match f[6] {
                "HMAC-SHA-1-96 [RFC2404]" => IntegAlg::HmacSha1_96,
                "HMAC-MD5-96 [RFC2403]" => IntegAlg::HmacMd5_96,
                "HMAC-SHA-256-128 [RFC4868]" => IntegAlg::HmacSha256_128,
                other => panic!("integrity {other}"),
            };
            SaLine {
                src: f[1].parse().unwrap(),
                dst: f[2].parse().unwrap(),
                spi: u32::from_str_radix(f[3].trim_start_matches("0x"), 16).unwrap(),
                cipher,
                enc_key,
                integ,
                auth_key: unhex(f[7]),
            }
        })
        .collect()
}

impl SaLine {
    fn keys(&self) -> EspKeys {
        EspKeys::new(self.cipher, &self.enc_key, self.integ, &self.auth_key).unwrap()
    }
}

/// The ESP datagrams on port 4500, each with the SA (from `esp_sa`) it belongs to.
fn esp_traffic() -> Vec<(Datagram, SaLine)> {
    let sas = esp_sas();
    assert_eq!(sas.len(), 2);
    udp_datagrams(&fixture("capture.pcap"))
        .into_iter()
        .filter(|d| d.dst_port == NAT_T_PORT)
        .filter_map(|d| {
            let Udp4500::Esp(view) = classify_udp_4500(&d.payload).unwrap() else {
                return None;
            };
            let sa = sas
                .iter()
                .find(|s| s.spi == view.spi())
                .expect("SA for SPI");
            assert_eq!((sa.src, sa.dst), (d.src, d.dst), "frame {}", d.frame);
            Some((d, sa.clone()))
        })
        .collect()
}

fn ones_complement_sum(data: &[u8]) -> u16 {
    let mut sum: u32 = data
        .chunks(2)
        .map(|c| u32::from(c[0]) << 8 | u32::from(*c.get(1).unwrap_or(&0)))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    sum as u16
}

/// Checks the inner packet is an ICMP echo between the two LAN hosts, checksums valid.
fn check_inner_ping(inner: &[u8], frame: usize) -> (Ipv4Addr, u8) {
    assert_eq!(inner[0], 0x45, "frame {frame}: IPv4 without options");
    assert_eq!(
        usize::from(be16(&inner[2..4])),
        inner.len(),
        "frame {frame}"
    );
    assert_eq!(
        ones_complement_sum(&inner[..20]),
        0xffff,
        "frame {frame}: IPv4 header checksum"
    );
    assert_eq!(inner[9], 1, "frame {frame}: ICMP");
    let src = Ipv4Addr::new(inner[12], inner[13], inner[14], inner[15]);
    let dst = Ipv4Addr::new(inner[16], inner[17], inner[18], inner[19]);
    let (a, b) = (
        Ipv4Addr::new(192, 168, 0, 10),
        Ipv4Addr::new(192, 168, 1, 10),
    );
    assert!(
        (src, dst) == (a, b) || (src, dst) == (b, a),
        "frame {frame}"
    );
    let icmp = &inner[20..];
    assert_eq!(
        ones_complement_sum(icmp),
        0xffff,
        "frame {frame}: ICMP checksum"
    );
    let kind = icmp[0];
    let expect = if src == a { 8 } else { 0 };
    assert_eq!(kind, expect, "frame {frame}: echo request out, reply back");
    (src, kind)
}

#[test]
fn decapsulates_and_reproduces_every_captured_esp_packet() {
    let traffic = esp_traffic();
    assert_eq!(traffic.len(), 6, "three pings, three replies");
    let mut inbound: Vec<InboundSa> = Vec::new();
    let mut requests = 0;
    let mut pad_lens = Vec::new();
    for (d, sa) in &traffic {
        if !inbound.iter().any(|s| s.spi() == sa.spi) {
            inbound.push(InboundSa::new(sa.spi, sa.keys()).unwrap());
        }
        let rx = inbound.iter_mut().find(|s| s.spi() == sa.spi).unwrap();
        let got = rx
            .decapsulate(&d.payload)
            .unwrap_or_else(|e| panic!("frame {}: {e}", d.frame));
        assert_eq!(got.next_header, next_header::IPV4, "frame {}", d.frame);
        let (_, kind) = check_inner_ping(&got.payload, d.frame);
        requests += usize::from(kind == 8);

        // Same inner packet, captured IV and sequence number: must be strongSwan's exact bytes.
        let block = sa.cipher.block_size();
        let iv = &d.payload[8..8 + block];
        let mut tx = OutboundSa::new(sa.spi, sa.keys()).unwrap();
        tx.set_next_seq(got.seq).unwrap();
        pad_lens.push(tx.pad_len(got.payload.len()));
        let again = tx
            .encapsulate(got.next_header, &got.payload, &mut FixedRandom::new(iv))
            .unwrap();
        assert_eq!(
            again, d.payload,
            "frame {}: re-encapsulation differs",
            d.frame
        );
    }
    assert_eq!(requests, 3);
    // 84-byte pings: 84 + 2 rounds up to 96 with the minimum 10 bytes of padding.
    assert_eq!(pad_lens, vec![10; 6]);
    let highest: Vec<u32> = inbound.iter().map(|s| s.window().highest()).collect();
    assert_eq!(highest, vec![3, 3]);
}

#[test]
fn captured_padding_is_one_two_three() {
    for (d, sa) in esp_traffic() {
        let block = sa.cipher.block_size();
        let icv = sa.integ.icv_len();
        let mut plain = d.payload[8 + block..d.payload.len() - icv].to_vec();
        sa.cipher
            .decrypt(&sa.enc_key, &d.payload[8..8 + block], &mut plain)
            .unwrap();
        let [.., pad_len, _] = plain[..] else {
            panic!("frame {}", d.frame)
        };
        let pad_start = plain.len() - 2 - usize::from(pad_len);
        let expected: Vec<u8> = (1..=pad_len).collect();
        assert_eq!(
            &plain[pad_start..plain.len() - 2],
            &expected[..],
            "frame {}",
            d.frame
        );
    }
}

#[test]
fn replayed_capture_packets_are_refused() {
    for (d, sa) in esp_traffic() {
        let mut rx = InboundSa::new(sa.spi, sa.keys()).unwrap();
        let seq = rx.decapsulate(&d.payload).unwrap().seq;
        assert_eq!(rx.decapsulate(&d.payload), Err(EspError::Replayed { seq }));
    }
}

#[test]
fn flipped_bits_fail_the_icv() {
    for (d, sa) in esp_traffic() {
        // One bit in the IV, in the ciphertext, and in the ICV.
        for at in [8, 8 + 16 + 40, d.payload.len() - 1] {
            let mut bad = d.payload.clone();
            bad[at] ^= 0x01;
            let mut rx = InboundSa::new(sa.spi, sa.keys()).unwrap();
            assert_eq!(
                rx.decapsulate(&bad),
                Err(EspError::IcvMismatch),
                "frame {}",
                d.frame
            );
            // The failed packet did not move the window: the genuine one still passes.
            rx.decapsulate(&d.payload).unwrap();
        }
    }
}

#[test]
fn nat_t_ike_classifies_as_ike() {
    let datagrams = udp_datagrams(&fixture("capture.pcap"));
    let mut ike = 0;
    let mut esp = 0;
    for d in datagrams.iter().filter(|d| d.src_port == NAT_T_PORT) {
        assert_eq!(d.dst_port, NAT_T_PORT);
        match classify_udp_4500(&d.payload).unwrap() {
            Udp4500::Ike(msg) => {
                ike += 1;
                // ISAKMP header: non-zero initiator cookie, version 1.0, length = the message.
                assert_ne!(&msg[..8], &[0; 8], "frame {}", d.frame);
                assert_eq!(msg[17], 0x10, "frame {}", d.frame);
                let len = u32::from_be_bytes([msg[24], msg[25], msg[26], msg[27]]);
                assert_eq!(len as usize, msg.len(), "frame {}", d.frame);
                assert_eq!(prepend_non_esp_marker(msg), d.payload);
            }
            Udp4500::Esp(_) => esp += 1,
            Udp4500::Keepalive => panic!("frame {}: no keepalives were captured", d.frame),
        }
    }
    // Main Mode 5 and 6 and the three Quick Mode messages floated to 4500.
    assert_eq!((ike, esp), (5, 6));
    // Port 500 carries bare ISAKMP, which would misclassify: the classifier is for 4500 only.
    assert_eq!(datagrams.iter().filter(|d| d.src_port == 500).count(), 4);
}
