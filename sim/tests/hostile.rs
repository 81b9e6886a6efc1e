//! Frames are hostile input: malformed, truncated, mutated and spoofed frames are counted and
//! dropped, never a panic, and the lab goes on working.

mod common;

use core::time::Duration;

use ikelab_peers::rng::{Random, SeededRandom};
use ikelab_sim::Counter;
use ikelab_sim::packet::{
    ETHERTYPE_ARP, ETHERTYPE_IPV4, Ipv4Build, PROTO_ESP, PROTO_IPIP, PROTO_UDP, eth_frame,
    ipv4_packet, udp_datagram,
};
use ikelab_sim::router::frag::fragment;
use ikelab_sim::topology::{IX_HOST, SEIL_HOST, SEIL_WAN, ix_config, seil_config};
use ikelab_sim::{
    Host, HostConfig, Injector, Instant, LabConfig, MacAddr, Node, PingSpec, Router, StartTime,
    document_lab,
};

fn at(ms: u64) -> Instant {
    Instant::ZERO + Duration::from_millis(ms)
}

/// Frames from a clean run of the document's lab, as mutation seeds.
fn seed_frames() -> Vec<Vec<u8>> {
    let mut d = document_lab(LabConfig::with_seed(77)).unwrap();
    d.lab
        .ping(
            d.seil_host,
            Instant::ZERO,
            PingSpec::new(IX_HOST).count(3).size(2000),
        )
        .unwrap();
    d.lab
        .ping(d.ix_host, Instant::ZERO, PingSpec::new(SEIL_HOST).count(3))
        .unwrap();
    d.lab.run();
    d.lab
        .capture()
        .frames()
        .iter()
        .map(|f| f.data.clone())
        .collect()
}

fn mutate(rng: &mut SeededRandom, f: &[u8]) -> Vec<u8> {
    let mut f = f.to_vec();
    match rng.next_u32() % 5 {
        0 => {
            let n = (rng.next_u32() % 4 + 1) as usize;
            for _ in 0..n {
                if !f.is_empty() {
                    let i = rng.next_u32() as usize % f.len();
                    f[i] = rng.next_u32() as u8;
                }
            }
        }
        1 => f.truncate(rng.next_u32() as usize % (f.len() + 1)),
        2 => {
            let n = rng.next_u32() as usize % 64;
            let mut extra = vec![0; n];
            rng.fill(&mut extra);
            f.extend(extra);
        }
        3 => {
            // Header fields that matter: lengths, IHL, offsets, protocol.
            for i in [14, 16, 17, 20, 21, 23, 34, 35, 38, 39] {
                if i < f.len() && rng.next_u32() % 3 == 0 {
                    f[i] = rng.next_u32() as u8;
                }
            }
        }
        _ => {
            let n = rng.next_u32() as usize % 1600;
            f = vec![0; n];
            rng.fill(&mut f);
        }
    }
    f
}

#[test]
fn mutated_frames_never_panic_a_router_or_host() {
    let frames = seed_frames();
    assert!(frames.len() > 20);
    let mut rng = SeededRandom::new(2024);
    let mut seil = Router::new(seil_config(), SeededRandom::new(1)).unwrap();
    let mut ix = Router::new(ix_config(), SeededRandom::new(2)).unwrap();
    let mut host = Host::new(
        HostConfig::new(
            "h",
            "192.168.0.10/24".parse().unwrap(),
            Some("192.168.0.1".parse().unwrap()),
        ),
        SeededRandom::new(3),
        StartTime::document(),
    )
    .unwrap();
    let mut now = Instant::ZERO;
    let mut fed = 0;
    for round in 0..30_000u32 {
        let base = &frames[rng.next_u32() as usize % frames.len()];
        let f = mutate(&mut rng, base);
        now += Duration::from_micros(u64::from(rng.next_u32() % 2000));
        let port = (rng.next_u32() % 3) as usize;
        let nodes: [&mut dyn Node; 3] = [&mut seil, &mut ix, &mut host];
        for n in nodes {
            n.handle_frame(now, port, &f);
            if n.poll_timeout().is_some_and(|t| t <= now) || round % 100 == 0 {
                n.handle_timeout(now);
            }
            while n.poll_output().is_some() {}
            while n.poll_log().is_some() {}
        }
        fed += 1;
    }
    assert_eq!(fed, 30_000);
    let dropped: u64 = seil
        .counters()
        .iter()
        .filter(|(k, _)| k.name().starts_with("rx_drop") || k.name().starts_with("reasm_drop"))
        .map(|(_, v)| v)
        .sum();
    assert!(dropped > 1000, "{:?}", seil.counters());
    // Reassembly stays bounded whatever arrives.
    assert!(seil.reassembly_pending() <= 64);
}

#[test]
fn malformed_and_spoofed_frames_on_the_wan_are_counted_and_dropped() {
    let mut d = document_lab(LabConfig::with_seed(6)).unwrap();
    let seil_mac = d.lab.router(d.seil).unwrap().interfaces().nth(1).unwrap().2;
    let mut inj = Injector::new("attacker");
    let me = inj.mac();
    let attacker_ip = "172.16.0.66".parse().unwrap();
    let ip = |proto: u8, payload: &[u8]| {
        ipv4_packet(
            &Ipv4Build {
                src: attacker_ip,
                dst: SEIL_WAN,
                protocol: proto,
                ttl: 64,
                id: 7,
                df: false,
            },
            payload,
        )
        .unwrap()
    };
    let to_seil = |p: &[u8]| eth_frame(seil_mac, me, ETHERTYPE_IPV4, p);
    let mut frames: Vec<Vec<u8>> = vec![
        vec![],
        vec![0xff; 5],
        eth_frame(MacAddr::BROADCAST, me, ETHERTYPE_ARP, &[1, 2, 3]),
        to_seil(&[0x45, 0, 0, 200]),
        to_seil(&[
            0x46, 0, 0, 20, 0, 0, 0, 0, 64, 1, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
        ]),
    ];
    // Bad header checksum.
    let mut bad = ip(1, &[8, 0, 0, 0, 0, 0, 0, 0]);
    bad[10] ^= 0x55;
    frames.push(to_seil(&bad));
    // IP-in-IP from a stranger, with garbage inside.
    frames.push(to_seil(&ip(PROTO_IPIP, &[0x45, 1, 2, 3, 4])));
    // ESP (no stack: dropped), UDP 500 (to the stack), UDP 4500 non-IKE (ESP-in-UDP), bad UDP.
    frames.push(to_seil(&ip(
        PROTO_ESP,
        &[0, 0, 1, 0, 0, 0, 0, 1, 9, 9, 9, 9],
    )));
    frames.push(to_seil(&ip(
        PROTO_UDP,
        &udp_datagram(attacker_ip, 500, SEIL_WAN, 500, b"isakmp?").unwrap(),
    )));
    frames.push(to_seil(&ip(
        PROTO_UDP,
        &udp_datagram(attacker_ip, 4500, SEIL_WAN, 4500, &[1, 2, 3, 4, 5]).unwrap(),
    )));
    let mut bad_udp = udp_datagram(attacker_ip, 1, SEIL_WAN, 2, b"x").unwrap();
    bad_udp[4] = 0xff;
    frames.push(to_seil(&ip(PROTO_UDP, &bad_udp)));
    // 100 first fragments of different datagrams: reassembly is bounded.
    for id in 0..100u16 {
        let big = ipv4_packet(
            &Ipv4Build {
                src: attacker_ip,
                dst: SEIL_WAN,
                protocol: PROTO_ESP,
                ttl: 64,
                id,
                df: false,
            },
            &[0u8; 3000],
        )
        .unwrap();
        frames.push(to_seil(&fragment(&big, 1500).unwrap()[0]));
    }
    for (i, f) in frames.into_iter().enumerate() {
        inj.send_at(at(i as u64), f);
    }
    let inj = d.lab.add_node(Box::new(inj)).unwrap();
    d.lab
        .connect("wan-attacker", inj, d.wan, Default::default())
        .unwrap();
    // The lab still works during and after the attack.
    let p = d
        .lab
        .ping(d.seil_host, at(50), PingSpec::new(IX_HOST).count(5))
        .unwrap();
    d.lab.run();
    assert_eq!(d.lab.ping_report(p).unwrap().received, 5);

    let c = d.lab.router(d.seil).unwrap().counters().clone();
    assert_eq!(c.get(Counter::RxDropBadIpv4Checksum), 1, "{c:?}");
    assert!(c.get(Counter::RxDropBadIpv4) >= 2, "{c:?}");
    assert_eq!(c.get(Counter::DropNoTunnel), 1, "{c:?}");
    assert_eq!(
        c.get(Counter::EspDropped),
        2,
        "raw and UDP-encapsulated: {c:?}"
    );
    assert_eq!(c.get(Counter::UdpToStack), 1, "{c:?}");
    assert_eq!(c.get(Counter::RxDropBadUdp), 1, "{c:?}");
    assert_eq!(c.get(Counter::ReasmDropTooMany), 36, "{c:?}");
    assert_eq!(
        d.lab.router(d.seil).unwrap().reassembly_pending(),
        0,
        "timed out"
    );
    assert_eq!(c.get(Counter::ReasmTimeout), 64, "{c:?}");
    assert!(
        d.lab
            .log_text()
            .contains("seil: lan1: dropped malformed input")
    );
    assert!(
        d.lab
            .switch(d.wan)
            .unwrap()
            .counters()
            .get(Counter::RxDropShortFrame)
            >= 2
    );
}
