//! Everything the engine sends, decoded by tshark with the engine's own key files: no
//! malformed packet, no bad ICV, and the Quick Mode IDs and notify types as intended.

use std::time::Duration;

use ikelab_peers::crypto::{CipherAlg, DhGroup, HashAlg};
use ikelab_peers::esp::IntegAlg;
use ikelab_peers::ike::Protected;
use ikelab_peers::time::Instant;
use ikelab_peers::wire::ipv4;
use ikelab_tests::pair::{A_ADDR, B_ADDR, Pair, any_id, doc_pair, host_id};
use ikelab_tests::pcap::PcapFile;
use ikelab_tests::{have_tool, scratch, tshark};

/// An ICMP echo request inside IP-in-IP, as SEIL's ipsec0 sends it.
fn ipip_ping(seq: u16) -> Vec<u8> {
    let mut icmp = vec![8, 0, 0, 0, 0x12, 0x34];
    icmp.extend_from_slice(&seq.to_be_bytes());
    icmp.extend_from_slice(&[0xab; 56]);
    let c = ipv4::checksum(&icmp);
    icmp[2..4].copy_from_slice(&c.to_be_bytes());
    let inner_src = std::net::Ipv4Addr::new(192, 168, 0, 10);
    let inner_dst = std::net::Ipv4Addr::new(192, 168, 1, 10);
    let inner = [
        &ipv4::header(inner_src, inner_dst, 1, 64, seq, icmp.len())[..],
        &icmp,
    ]
    .concat();
    [
        &ipv4::header(A_ADDR, B_ADDR, 4, 64, seq, inner.len())[..],
        &inner,
    ]
    .concat()
}

/// Runs tshark over the pair's capture (plus `extra` ESP packets) and returns its field rows.
fn tshark_rows(p: &Pair, extra: &[(u64, Vec<u8>)], name: &str) -> Vec<Vec<String>> {
    let (_, ike, esp) = p.capture();
    let mut pcap = PcapFile::default();
    for w in &p.wire {
        pcap.udp(
            w.at.as_nanos(),
            w.transmit.src,
            w.transmit.dst,
            &w.transmit.payload,
        );
    }
    for (t, pkt) in extra {
        pcap.ip(*t, A_ADDR, B_ADDR, pkt);
    }
    let dir = scratch(name);
    let file = dir.join("engine.pcap");
    std::fs::write(&file, pcap.to_bytes()).unwrap();
    let fields = [
        "frame.number",
        "isakmp.length",
        "isakmp.exchangetype",
        "isakmp.id.type",
        "isakmp.id.data.ipv4_addr",
        "isakmp.notify.msgtype",
        "esp.spi",
        "esp.icv_good",
        "icmp.type",
        "_ws.malformed",
        "_ws.expert.severity",
    ];
    let rows = tshark::fields(&file, &ike, &esp, None, &fields);
    let _ = std::fs::remove_dir_all(&dir);
    rows
}

fn assert_clean(rows: &[Vec<String>]) {
    for r in rows {
        assert!(r[9].is_empty(), "malformed frame {r:?}");
        // Expert severity 8388608 = error (malformed, bad checksum, decryption failure).
        assert!(
            !r[10].split(',').any(|s| s == "8388608"),
            "expert error in frame {r:?}"
        );
    }
}

#[test]
fn tshark_decrypts_the_fixed_case_and_its_esp() {
    if !have_tool("tshark") {
        return;
    }
    let mut p = doc_pair((host_id(A_ADDR), host_id(B_ADDR)), 11);
    p.a.start(Instant::ZERO);
    p.run_for(Duration::from_secs(10));
    let mut extra = vec![];
    for seq in 1..=3 {
        let Protected::Esp(esp) = p.a.protect(p.now, ipip_ping(seq)) else {
            panic!("SA up")
        };
        assert!(p.b.unprotect(p.now, &esp).is_ok());
        extra.push((p.now.as_nanos() + u64::from(seq), esp));
    }
    let rows = tshark_rows(&p, &extra, "fixed");
    assert_clean(&rows);
    let qm: Vec<_> = rows.iter().filter(|r| r[2] == "32").collect();
    assert_eq!(qm.len(), 3);
    assert_eq!(qm[0][1], "156");
    assert_eq!(qm[0][3], "1,1");
    assert_eq!(qm[0][4], "172.16.0.1,172.16.0.2");
    assert_eq!(qm[2][1], "60");
    let info: Vec<_> = rows.iter().filter(|r| r[2] == "5").collect();
    assert_eq!((info[0][1].as_str(), info[0][5].as_str()), ("92", "24578"));
    let esp: Vec<_> = rows.iter().filter(|r| !r[6].is_empty()).collect();
    assert_eq!(esp.len(), 3);
    assert!(esp.iter().all(|r| r[7] == "1" && r[8] == "8"), "{esp:?}");
}

#[test]
fn tshark_decrypts_the_mismatch_case() {
    if !have_tool("tshark") {
        return;
    }
    let mut p = doc_pair((any_id(), any_id()), 12);
    p.a.start(Instant::ZERO);
    // Up to the first retransmission of QM1: tshark 4.0 decrypts a byte-identical
    // retransmission with the wrong IV and marks it malformed (ikelab decode does not).
    p.run_for(Duration::from_secs(5));
    let rows = tshark_rows(&p, &[], "mismatch");
    assert_clean(&rows);
    let qm: Vec<_> = rows.iter().filter(|r| r[2] == "32").collect();
    assert_eq!(qm.len(), 1);
    assert_eq!((qm[0][1].as_str(), qm[0][3].as_str()), ("172", "4,4"));
    let notifies: Vec<&str> = rows
        .iter()
        .filter(|r| r[2] == "5")
        .map(|r| r[5].as_str())
        .collect();
    assert_eq!(notifies[0], "24578");
    assert!(notifies[1..].iter().all(|n| *n == "18"), "{notifies:?}");
}

#[test]
fn tshark_decrypts_every_algorithm_combination() {
    if !have_tool("tshark") {
        return;
    }
    let ciphers = [
        CipherAlg::AES128,
        CipherAlg::AesCbc { key_len: 24 },
        CipherAlg::AesCbc { key_len: 32 },
        CipherAlg::TripleDesCbc,
    ];
    for (n, cipher) in ciphers.into_iter().enumerate() {
        for (m, hash) in [HashAlg::Md5, HashAlg::Sha1, HashAlg::Sha256]
            .into_iter()
            .enumerate()
        {
            let integ = [
                IntegAlg::HmacMd5_96,
                IntegAlg::HmacSha1_96,
                IntegAlg::HmacSha256_128,
            ][m];
            let group = [
                DhGroup::Modp768,
                DhGroup::Modp1024,
                DhGroup::Modp1536,
                DhGroup::Modp2048,
            ][(n + m) % 4];
            let mut p = doc_pair((host_id(A_ADDR), host_id(B_ADDR)), 100 + (n * 3 + m) as u64);
            let cfg = |local, remote, ids, init| {
                let mut c = ikelab_tests::pair::doc_config(local, remote, ids, "hogehoge", init);
                c.peers[0].proposals[0].cipher = cipher;
                c.peers[0].proposals[0].hash = hash;
                c.peers[0].proposals[0].group = group;
                c.policies[0].proposals[0].cipher = cipher;
                c.policies[0].proposals[0].integ = integ;
                c.policies[0].pfs = Some(group);
                c
            };
            p.a = ikelab_peers::ike::Engine::new(
                cfg(A_ADDR, B_ADDR, (host_id(A_ADDR), host_id(B_ADDR)), true),
                1,
            );
            p.b = ikelab_peers::ike::Engine::new(
                cfg(B_ADDR, A_ADDR, (host_id(B_ADDR), host_id(A_ADDR)), false),
                2,
            );
            p.a.start(Instant::ZERO);
            p.run_for(Duration::from_secs(10));
            assert_eq!(p.a.ipsec_sas().len(), 2, "{cipher:?} {hash:?} {group:?}");
            let Protected::Esp(esp) = p.a.protect(p.now, ipip_ping(1)) else {
                panic!("SA up")
            };
            let rows = tshark_rows(&p, &[(p.now.as_nanos() + 1, esp)], "algs");
            assert_clean(&rows);
            let qm: Vec<_> = rows.iter().filter(|r| r[2] == "32").collect();
            assert_eq!(qm.len(), 3, "{cipher:?} {hash:?}");
            assert_eq!(
                qm[0][4], "172.16.0.1,172.16.0.2",
                "{cipher:?} {hash:?}: QM1 decrypted"
            );
            let esp: Vec<_> = rows.iter().filter(|r| !r[6].is_empty()).collect();
            assert_eq!(
                (esp[0][7].as_str(), esp[0][8].as_str()),
                ("1", "8"),
                "{cipher:?} {integ:?}"
            );
        }
    }
}

#[test]
fn aggressive_mode_works_and_tshark_decrypts_it() {
    let cfg = |local, remote, ids, init| {
        let mut c = ikelab_tests::pair::doc_config(local, remote, ids, "hogehoge", init);
        c.peers[0].mode = ikelab_peers::ike::ExchangeMode::Aggressive;
        c
    };
    let mut p = Pair::new(
        cfg(A_ADDR, B_ADDR, (host_id(A_ADDR), host_id(B_ADDR)), true),
        cfg(B_ADDR, A_ADDR, (host_id(B_ADDR), host_id(A_ADDR)), false),
        41,
    );
    p.a.start(Instant::ZERO);
    p.run_for(Duration::from_secs(10));
    assert_eq!(p.a.ipsec_sas().len(), 2);
    assert_eq!(p.b.ipsec_sas().len(), 2);
    let Protected::Esp(esp) = p.a.protect(p.now, ipip_ping(1)) else {
        panic!("SA up")
    };
    assert!(p.b.unprotect(p.now, &esp).is_ok());
    if !have_tool("tshark") {
        return;
    }
    let rows = tshark_rows(&p, &[(p.now.as_nanos() + 1, esp)], "aggressive");
    assert_clean(&rows);
    let am: Vec<_> = rows.iter().filter(|r| r[2] == "4").collect();
    assert_eq!(am.len(), 3, "AM1, AM2, AM3");
    let qm: Vec<_> = rows.iter().filter(|r| r[2] == "32").collect();
    assert_eq!(qm.len(), 3);
    assert_eq!(
        qm[0][4], "172.16.0.1,172.16.0.2",
        "QM1 decrypted after Aggressive Mode"
    );
    let esp: Vec<_> = rows.iter().filter(|r| !r[6].is_empty()).collect();
    assert_eq!((esp[0][7].as_str(), esp[0][8].as_str()), ("1", "8"));
}
