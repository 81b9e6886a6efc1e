//! The NAT against what RFC 3022, RFC 4787 and RFC 5508 say a NAPT does, frame by frame: the
//! expectations come from the RFCs (addresses and ports rewritten, replies mapped back,
//! endpoint-independent mapping, checksums valid), not from this code's output.

use super::*;
use crate::packet::{Ipv4Build, PROTO_IPIP, eth_frame, parse_eth, parse_ipv4, parse_udp};

const SEED: u64 = 7;

fn ip(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

fn nat_with(f: impl FnOnce(&mut NatConfig)) -> Nat {
    let mut cfg = NatConfig::new(
        "nat",
        "192.168.100.1/24".parse().unwrap(),
        "100.64.1.3/24".parse().unwrap(),
    );
    f(&mut cfg);
    Nat::new(cfg, SeededRandom::new(SEED)).unwrap()
}

fn nat() -> Nat {
    nat_with(|_| {})
}

const INSIDE_HOST: &str = "192.168.100.2";
const PEER: &str = "100.64.1.2";
const OTHER_PEER: &str = "100.64.1.9";

fn mac_of(addr: &str) -> MacAddr {
    MacAddr::derived(addr)
}

fn secs(s: u64) -> Instant {
    Instant::from_duration(Duration::from_secs(s))
}

/// Teaches the NAT `addr`'s MAC on `port` (an ARP request for the NAT's address), and throws
/// away the reply.
fn introduce(n: &mut Nat, port: usize, addr: &str) {
    let f = packet::arp_frame(&Arp {
        request: true,
        sender_mac: mac_of(addr),
        sender_ip: ip(addr),
        target_mac: MacAddr::ZERO,
        target_ip: n.addr(port).addr,
    });
    n.handle_frame(Instant::ZERO, port, &f);
    while n.poll_output().is_some() {}
}

fn lab_nat() -> Nat {
    let mut n = nat();
    introduce(&mut n, INSIDE, INSIDE_HOST);
    introduce(&mut n, OUTSIDE, PEER);
    introduce(&mut n, OUTSIDE, OTHER_PEER);
    n
}

fn ip_packet(src: &str, dst: &str, protocol: u8, payload: &[u8]) -> Vec<u8> {
    packet::ipv4_packet(
        &Ipv4Build {
            src: ip(src),
            dst: ip(dst),
            protocol,
            ttl: 64,
            id: 1,
            df: false,
        },
        payload,
    )
    .unwrap()
}

fn udp(src: &str, sport: u16, dst: &str, dport: u16, data: &[u8]) -> Vec<u8> {
    let d = packet::udp_datagram(ip(src), sport, ip(dst), dport, data).unwrap();
    ip_packet(src, dst, PROTO_UDP, &d)
}

/// Sends `packet` into `port` addressed to the NAT's MAC there; returns what came out of
/// each port as IPv4 packets.
fn feed(n: &mut Nat, now: Instant, port: usize, packet: &[u8]) -> Vec<(usize, Vec<u8>)> {
    let from = if port == INSIDE { INSIDE_HOST } else { PEER };
    let f = eth_frame(n.macs[port], mac_of(from), ETHERTYPE_IPV4, packet);
    n.handle_frame(now, port, &f);
    std::iter::from_fn(|| n.poll_output())
        .filter_map(|(p, f)| {
            let e = parse_eth(&f).ok()?;
            (e.ethertype == ETHERTYPE_IPV4).then(|| {
                let i = parse_ipv4(e.payload).unwrap();
                (p, e.payload[..i.total_len].to_vec())
            })
        })
        .collect()
}

/// (src, sport, dst, dport, data) of a UDP packet, its IPv4 and UDP checksums checked.
fn read_udp(p: &[u8]) -> (Ipv4Addr, u16, Ipv4Addr, u16, Vec<u8>) {
    let i = parse_ipv4(p).expect("IPv4 header checksum valid");
    assert_eq!(i.protocol, PROTO_UDP);
    let d = &p[i.header_len..i.total_len];
    assert_ne!(
        u16::from_be_bytes([d[6], d[7]]),
        0,
        "UDP checksum recomputed"
    );
    let (s, dp, data) = parse_udp(i.src, i.dst, d).expect("UDP checksum valid");
    (i.src, s, i.dst, dp, data.to_vec())
}

#[test]
fn outbound_udp_gets_the_outside_address_and_another_port() {
    let mut n = lab_nat();
    let out = feed(
        &mut n,
        secs(1),
        INSIDE,
        &udp(INSIDE_HOST, 500, PEER, 500, b"MM1"),
    );
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].0, OUTSIDE);
    let (src, sport, dst, dport, data) = read_udp(&out[0].1);
    // RFC 3022 2.2: NAPT translates the source address and the source port.
    assert_eq!(
        (src, dst, dport, data.as_slice()),
        (ip("100.64.1.3"), ip(PEER), 500, &b"MM1"[..])
    );
    assert_ne!(sport, 500);
    assert!(table::PORTS.contains(&sport));
    // The TTL went down by one: it is forwarded (RFC 1812 5.3.1).
    assert_eq!(parse_ipv4(&out[0].1).unwrap().ttl, 63);
    assert_eq!(n.counters().get(Counter::NatTranslatedOut), 1);
}

#[test]
fn replies_are_mapped_back_to_the_inside_endpoint() {
    let mut n = lab_nat();
    let out = feed(
        &mut n,
        secs(1),
        INSIDE,
        &udp(INSIDE_HOST, 4500, PEER, 4500, b"x"),
    );
    let (_, mapped, ..) = read_udp(&out[0].1);
    let back = feed(
        &mut n,
        secs(2),
        OUTSIDE,
        &udp(PEER, 4500, "100.64.1.3", mapped, b"y"),
    );
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].0, INSIDE);
    // RFC 3022 4.1: the destination address and port are translated back.
    let (src, sport, dst, dport, data) = read_udp(&back[0].1);
    assert_eq!(
        (src, sport, dst, dport, data.as_slice()),
        (ip(PEER), 4500, ip(INSIDE_HOST), 4500, &b"y"[..])
    );
}

#[test]
fn mapping_is_endpoint_independent_and_so_is_filtering() {
    let mut n = lab_nat();
    let a = feed(
        &mut n,
        secs(1),
        INSIDE,
        &udp(INSIDE_HOST, 500, PEER, 500, b"a"),
    );
    let b = feed(
        &mut n,
        secs(1),
        INSIDE,
        &udp(INSIDE_HOST, 500, OTHER_PEER, 500, b"b"),
    );
    // RFC 4787 REQ-1: the same inside address and port keep one outside port for every
    // destination.
    assert_eq!(read_udp(&a[0].1).1, read_udp(&b[0].1).1);
    // Another inside port is another mapping.
    let c = feed(
        &mut n,
        secs(1),
        INSIDE,
        &udp(INSIDE_HOST, 4500, PEER, 4500, b"c"),
    );
    assert_ne!(read_udp(&a[0].1).1, read_udp(&c[0].1).1);
    // Endpoint-independent filtering (RFC 4787 REQ-8, recommended for transparency): a host
    // the inside never wrote to reaches the mapped port.
    let mapped = read_udp(&a[0].1).1;
    let back = feed(
        &mut n,
        secs(2),
        OUTSIDE,
        &udp("100.64.1.77", 9, "100.64.1.3", mapped, b"d"),
    );
    assert_eq!(back.len(), 1);
    assert_eq!(read_udp(&back[0].1).2, ip(INSIDE_HOST));
}

#[test]
fn unmapped_ports_and_esp_do_not_get_in_and_esp_does_not_get_out() {
    let mut n = lab_nat();
    let none = feed(
        &mut n,
        secs(1),
        OUTSIDE,
        &udp(PEER, 500, "100.64.1.3", 500, b"MM1"),
    );
    assert!(none.is_empty());
    assert_eq!(n.counters().get(Counter::NatDropNoMapping), 1);
    // ESP is not translated either way (the case RFC 3948 exists for).
    let esp = [0u8, 0, 1, 0, 0, 0, 0, 1, 0xde, 0xad, 0xbe, 0xef];
    assert!(
        feed(
            &mut n,
            secs(1),
            INSIDE,
            &ip_packet(INSIDE_HOST, PEER, PROTO_ESP, &esp)
        )
        .is_empty()
    );
    assert!(
        feed(
            &mut n,
            secs(1),
            OUTSIDE,
            &ip_packet(PEER, "100.64.1.3", PROTO_ESP, &esp)
        )
        .is_empty()
    );
    assert!(
        feed(
            &mut n,
            secs(1),
            INSIDE,
            &ip_packet(INSIDE_HOST, PEER, PROTO_IPIP, &esp)
        )
        .is_empty()
    );
    assert_eq!(n.counters().get(Counter::NatDropProtocol), 3);
    let logged: Vec<String> = std::iter::from_fn(|| n.poll_log()).collect();
    assert!(
        logged
            .iter()
            .any(|l| l.contains("dropped ESP (protocol 50) from 192.168.100.2")),
        "{logged:?}"
    );
    // Nor does anything addressed past the NAT to an inside address.
    let direct = feed(
        &mut n,
        secs(1),
        OUTSIDE,
        &udp(PEER, 500, INSIDE_HOST, 500, b"x"),
    );
    assert!(direct.is_empty());
}

#[test]
fn idle_mappings_expire_and_only_outbound_traffic_refreshes_them() {
    let mut n = lab_nat();
    n.cfg.udp_timeout = Duration::from_secs(30);
    let first = feed(
        &mut n,
        secs(0),
        INSIDE,
        &udp(INSIDE_HOST, 4500, PEER, 4500, b"x"),
    );
    let mapped = read_udp(&first[0].1).1;
    // Inbound traffic at 20 s does not refresh the mapping (this NAT's choice under REQ-6)...
    assert_eq!(
        feed(
            &mut n,
            secs(20),
            OUTSIDE,
            &udp(PEER, 4500, "100.64.1.3", mapped, b"y")
        )
        .len(),
        1
    );
    assert_eq!(n.poll_timeout(), Some(secs(30)));
    // ...so at 30 s it is gone, and a reply to it is dropped.
    n.handle_timeout(secs(30));
    assert_eq!(n.counters().get(Counter::NatExpired), 1);
    assert!(
        feed(
            &mut n,
            secs(31),
            OUTSIDE,
            &udp(PEER, 4500, "100.64.1.3", mapped, b"z")
        )
        .is_empty()
    );
    // An outbound packet (a NAT-T keepalive, RFC 3948 2.3) every 20 s keeps one alive.
    let again = feed(
        &mut n,
        secs(40),
        INSIDE,
        &udp(INSIDE_HOST, 4500, PEER, 4500, &[0xff]),
    );
    let remapped = read_udp(&again[0].1).1;
    for t in [60, 80, 100] {
        feed(
            &mut n,
            secs(t),
            INSIDE,
            &udp(INSIDE_HOST, 4500, PEER, 4500, &[0xff]),
        );
        n.handle_timeout(secs(t + 15));
    }
    assert_eq!(
        feed(
            &mut n,
            secs(125),
            OUTSIDE,
            &udp(PEER, 4500, "100.64.1.3", remapped, b"k")
        )
        .len(),
        1
    );
}

#[test]
fn icmp_echo_is_translated_by_identifier() {
    let mut n = lab_nat();
    let req = packet::icmp_echo(false, 0x1234, 7, b"ping");
    let out = feed(
        &mut n,
        secs(1),
        INSIDE,
        &ip_packet(INSIDE_HOST, PEER, PROTO_ICMP, &req),
    );
    let i = parse_ipv4(&out[0].1).unwrap();
    assert_eq!(i.src, ip("100.64.1.3"));
    // RFC 5508 3.1: the identifier is translated as a port would be; the checksum is valid.
    let Icmp::EchoRequest { id, seq, data } =
        packet::parse_icmp(&out[0].1[i.header_len..]).unwrap()
    else {
        panic!("not an echo request");
    };
    assert_eq!((seq, data), (7, &b"ping"[..]));
    let reply = packet::icmp_echo(true, id, 7, b"ping");
    let back = feed(
        &mut n,
        secs(1),
        OUTSIDE,
        &ip_packet(PEER, "100.64.1.3", PROTO_ICMP, &reply),
    );
    let bi = parse_ipv4(&back[0].1).unwrap();
    assert_eq!(bi.dst, ip(INSIDE_HOST));
    let Icmp::EchoReply { id: back_id, .. } =
        packet::parse_icmp(&back[0].1[bi.header_len..]).unwrap()
    else {
        panic!("not an echo reply");
    };
    assert_eq!(back_id, 0x1234);
    // The NAT answers a ping to its own outside address itself.
    let to_nat = feed(
        &mut n,
        secs(2),
        OUTSIDE,
        &ip_packet(PEER, "100.64.1.3", PROTO_ICMP, &req),
    );
    assert_eq!(parse_ipv4(&to_nat[0].1).unwrap().dst, ip(PEER));
}

/// A NAT of at most two mappings that has seen both sides, and the outside ports it maps three
/// inside flows to (source ports 1, 2, 3, a second apart).
fn three_flows_through_two_mappings() -> (Nat, Vec<u16>) {
    let mut n = nat_with(|c| c.max_mappings = 2);
    introduce(&mut n, INSIDE, INSIDE_HOST);
    introduce(&mut n, OUTSIDE, PEER);
    let ports = (1..=3)
        .map(|p| {
            let out = feed(
                &mut n,
                secs(p.into()),
                INSIDE,
                &udp(INSIDE_HOST, p, PEER, 9, b""),
            );
            read_udp(&out[0].1).1
        })
        .collect();
    (n, ports)
}

#[test]
fn the_cap_evicts_and_the_ports_follow_the_seed() {
    let (mut n, ports) = three_flows_through_two_mappings();
    assert_eq!(n.mappings().len(), 2);
    assert_eq!(n.counters().get(Counter::NatEvicted), 1);
    // The first mapping was evicted: its port no longer leads in.
    assert!(
        feed(
            &mut n,
            secs(4),
            OUTSIDE,
            &udp(PEER, 9, "100.64.1.3", ports[0], b"")
        )
        .is_empty()
    );
    // The same seed hands out the same ports; the lab's byte-identical runs rest on it.
    let (_, again) = three_flows_through_two_mappings();
    assert_eq!(ports, again);
}

#[test]
fn unresolved_next_hops_are_asked_for_by_arp() {
    let mut n = nat();
    let f = eth_frame(
        n.macs[INSIDE],
        mac_of(INSIDE_HOST),
        ETHERTYPE_IPV4,
        &udp(INSIDE_HOST, 500, PEER, 500, b"x"),
    );
    n.handle_frame(secs(1), INSIDE, &f);
    let (port, frame) = n.poll_output().unwrap();
    assert_eq!(port, OUTSIDE);
    let e = parse_eth(&frame).unwrap();
    assert_eq!(e.ethertype, ETHERTYPE_ARP);
    assert_eq!(packet::parse_arp(e.payload).unwrap().target_ip, ip(PEER));
    // Off the outside subnet without a gateway: no route.
    feed(
        &mut n,
        secs(1),
        INSIDE,
        &udp(INSIDE_HOST, 500, "8.8.8.8", 500, b"x"),
    );
    assert_eq!(n.counters().get(Counter::DropNoRoute), 1);
}

#[test]
fn hostile_bytes_are_counted_never_a_panic() {
    let mut n = lab_nat();
    let good = udp(INSIDE_HOST, 500, PEER, 500, b"hello");
    let mut rng = SeededRandom::new(99);
    use ikelab_peers::rng::Random;
    for len in 0..200usize {
        let mut junk = vec![0u8; len];
        rng.fill(&mut junk);
        for port in [INSIDE, OUTSIDE, 7] {
            n.handle_frame(secs(1), port, &junk);
            // Valid Ethernet to the NAT's MAC with damaged IPv4 behind it.
            let mut body = good.clone();
            if len < body.len() {
                body.truncate(len);
            } else if !body.is_empty() {
                let i = len % body.len();
                body[i] ^= 0x5a;
            }
            let f = eth_frame(
                n.macs[port.min(1)],
                mac_of(INSIDE_HOST),
                ETHERTYPE_IPV4,
                &body,
            );
            n.handle_frame(secs(1), port, &f);
        }
    }
    while n.poll_output().is_some() {}
    let c = n.counters();
    assert!(c.get(Counter::RxDropBadIpv4) + c.get(Counter::RxDropBadIpv4Checksum) > 0);
    assert!(c.get(Counter::RxDropBadPort) > 0);
    assert_eq!(c.get(Counter::RxFrames), 200 * 3 * 2 + 3);
}

#[test]
fn settings_that_cannot_work_are_refused() {
    let net = |s: &str| -> Ipv4Net { s.parse().unwrap() };
    let mk = |inside, outside, gw: Option<&str>| {
        let mut c = NatConfig::new("n", net(inside), net(outside));
        c.gateway = gw.map(ip);
        Nat::new(c, SeededRandom::new(1))
            .err()
            .map(|e| e.to_string())
    };
    assert!(
        mk("10.0.0.1/24", "10.0.0.2/24", None)
            .unwrap()
            .contains("one subnet")
    );
    assert!(
        mk("10.0.0.1/8", "10.1.0.1/24", None)
            .unwrap()
            .contains("overlap")
    );
    assert!(
        mk("10.0.0.1/24", "100.64.1.3/24", Some("1.2.3.4"))
            .unwrap()
            .contains("gateway")
    );
    assert_eq!(
        mk("10.0.0.1/24", "100.64.1.3/24", Some("100.64.1.254")),
        None
    );
}
