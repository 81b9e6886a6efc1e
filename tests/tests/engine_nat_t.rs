//! NAT traversal (RFC 3947): NAT-D as strongSwan computes it, floating to 4500 with the non-ESP
//! marker, UDP-encapsulated modes in Quick Mode and UDP-encapsulated ESP, checked by tshark.

use std::net::SocketAddrV4;
use std::time::Duration;

use ikelab::decode::capture::read_capture;
use ikelab::decode::frame::{Carried, datagram};
use ikelab_peers::crypto::HashAlg;
use ikelab_peers::ike::{EncapMode, NatTraversal, Protected, nat_d_hash};
use ikelab_peers::time::Instant;
use ikelab_peers::wire::{Message, Payload, ipv4};
use ikelab_tests::pair::{A_ADDR, B_ADDR, Pair, Side, fixed_configs};
use ikelab_tests::pcap::PcapFile;
use ikelab_tests::{fixtures, have_tool, scratch, tshark};

/// strongSwan's responder computed NAT-D for the real addresses; ours must equal it.
#[test]
fn nat_d_matches_strongswan() {
    let case = fixtures().join("strongswan/ss-lan-tunnel-libipsec/capture.pcap");
    let mut nat_ds = vec![];
    for f in read_capture(&case).unwrap() {
        let Ok(d) = datagram(f.link, &f.data) else {
            continue;
        };
        let Carried::Isakmp(b) = d.carried else {
            continue;
        };
        let m = Message::parse(b).unwrap();
        if let Ok(ps) = m.payloads() {
            let hashes: Vec<Vec<u8>> = ps
                .iter()
                .filter_map(|p| {
                    if let Payload::NatD { hash, .. } = p {
                        Some(hash.clone())
                    } else {
                        None
                    }
                })
                .collect();
            if !hashes.is_empty() {
                nat_ds.push((
                    d.src,
                    m.header.initiator_cookie,
                    m.header.responder_cookie,
                    hashes,
                ));
            }
        }
    }
    // Both strongSwans forced NAT-T (kernel-libipsec): the first NAT-D of MM3 and MM4 is the
    // real hash of the peer's address and port; the second, their own, is faked so that the
    // peer sees a NAT -- as ours is with NatTraversal::Force.
    assert_eq!(nat_ds.len(), 2);
    for (src, ic, rc, h) in &nat_ds {
        let peer = if *src == A_ADDR { B_ADDR } else { A_ADDR };
        assert_eq!(
            h[0],
            nat_d_hash(HashAlg::Sha1, ic, rc, SocketAddrV4::new(peer, 500)),
            "from {src}"
        );
        assert_ne!(
            h[1],
            nat_d_hash(HashAlg::Sha1, ic, rc, SocketAddrV4::new(*src, 500)),
            "from {src}"
        );
    }
}

fn nat_pair(tunnel: bool) -> Pair {
    let (mut a, mut b) = fixed_configs(|c| {
        if tunnel {
            c.policies[0].mode = EncapMode::Tunnel;
        }
    });
    a.peers[0].nat_traversal = NatTraversal::Force;
    b.peers[0].nat_traversal = NatTraversal::On;
    Pair::new(a, b, 31)
}

#[test]
fn forced_nat_t_floats_and_encapsulates_esp_in_udp() {
    let mut p = nat_pair(true);
    p.a.start(Instant::ZERO);
    p.run_for(Duration::from_secs(10));
    let ports: Vec<(Side, u16, u16)> = p
        .wire
        .iter()
        .map(|w| (w.from, w.transmit.src.port(), w.transmit.dst.port()))
        .collect();
    // MM1-MM4 on 500, everything after on 4500 with the non-ESP marker.
    assert!(
        ports[..4].iter().all(|(_, s, d)| (*s, *d) == (500, 500)),
        "{ports:?}"
    );
    assert!(
        ports[4..].iter().all(|(_, s, d)| (*s, *d) == (4500, 4500)),
        "{ports:?}"
    );
    assert!(
        p.wire[4..]
            .iter()
            .all(|w| w.transmit.payload[..4] == [0, 0, 0, 0])
    );
    assert_eq!(p.a.ipsec_sas().len(), 2);
    let inner = [
        &ipv4::header(A_ADDR, B_ADDR, 1, 64, 1, 8)[..],
        &[8, 0, 0xf7, 0xff, 0, 0, 0, 0],
    ]
    .concat();
    let Protected::Esp(esp) = p.a.protect(p.now, inner.clone()) else {
        panic!("SA up")
    };
    assert_eq!(esp[9], 17, "UDP-encapsulated");
    assert_eq!(u16::from_be_bytes([esp[22], esp[23]]), 4500);
    assert_eq!(p.b.unprotect(p.now, &esp).unwrap(), inner);

    if !have_tool("tshark") {
        return;
    }
    let (_, ike, esp_keys) = p.capture();
    let mut pcap = PcapFile::default();
    for w in &p.wire {
        pcap.udp(
            w.at.as_nanos(),
            w.transmit.src,
            w.transmit.dst,
            &w.transmit.payload,
        );
    }
    let udp_payload = esp[28..].to_vec();
    pcap.udp(
        p.now.as_nanos(),
        SocketAddrV4::new(A_ADDR, 4500),
        SocketAddrV4::new(B_ADDR, 4500),
        &udp_payload,
    );
    let dir = scratch("nat-t");
    let file = dir.join("n.pcap");
    std::fs::write(&file, pcap.to_bytes()).unwrap();
    let fields = [
        "isakmp.exchangetype",
        "isakmp.ipsec.attr.encap_mode",
        "esp.icv_good",
        "icmp.type",
        "_ws.malformed",
    ];
    let rows = tshark::fields(&file, &ike, &esp_keys, None, &fields);
    let text = format!("{rows:?}");
    assert!(rows.iter().all(|r| r[4].is_empty()), "{text}");
    // QM1 and QM2 offer/accept UDP-Encapsulated-Tunnel (3).
    let qm: Vec<_> = rows.iter().filter(|r| r[0] == "32").collect();
    assert_eq!((qm[0][1].as_str(), qm[1][1].as_str()), ("3", "3"), "{text}");
    let last = rows.last().unwrap();
    assert_eq!((last[2].as_str(), last[3].as_str()), ("1", "8"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}
