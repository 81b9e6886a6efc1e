//! A router behind the lab's NAT (`[[nat]]`), in-process: the built-in `nat-traversal` scenario
//! (a Cisco IOS behind the NAT initiates to a Yamaha RTX with `ipsec ike nat-traversal 1 on`),
//! checked against what RFC 3947 and RFC 3948 say must happen, on the wire and in the engines:
//! NAT-D finds the NAT, IKE floats to UDP 4500 with the non-ESP marker, Quick Mode agrees on
//! UDP-encapsulated tunnel mode (RFC 3947 5.2, value 3), ESP crosses the NAT only inside UDP
//! 4500, and the pings pass. With NAT-T off at the responder, RFC 3947 2 says no NAT-D is
//! sent and nothing floats: phase 2 still comes up, but its ESP (protocol 50) is what the NAT
//! cannot pass, and the pings are lost.

use std::net::Ipv4Addr;

use ikelab::scenario::{build, load_named};
use ikelab_peers::ike::{EncapMode, EventKind};
use ikelab_sim::{Counter, Lab};

const NAT_OUTSIDE: Ipv4Addr = Ipv4Addr::new(100, 64, 1, 3);
const PROTO_UDP: u8 = 17;
const PROTO_ESP: u8 = 50;

/// One IPv4 packet seen on a link: (protocol, src, dst, sport, dport, first payload bytes).
#[derive(Debug, Clone)]
struct Seen {
    protocol: u8,
    src: Ipv4Addr,
    dst: Ipv4Addr,
    ports: Option<(u16, u16)>,
    udp_payload: Vec<u8>,
}

/// The IPv4 packets the lab captured on `link`, read byte by byte as a capture tool would.
fn on_link(lab: &Lab, link: &str) -> Vec<Seen> {
    let id = lab
        .link_id(link)
        .unwrap_or_else(|| panic!("no link {link}"));
    lab.capture()
        .on_link(id)
        .filter_map(|f| {
            let d = &f.data;
            if d.len() < 34 || d[12..14] != [0x08, 0x00] {
                return None;
            }
            let ip = &d[14..];
            let ihl = usize::from(ip[0] & 0x0f) * 4;
            let total = usize::from(u16::from_be_bytes([ip[2], ip[3]]));
            let src = Ipv4Addr::new(ip[12], ip[13], ip[14], ip[15]);
            let dst = Ipv4Addr::new(ip[16], ip[17], ip[18], ip[19]);
            let body = &ip[ihl..total];
            let (ports, udp_payload) = if ip[9] == PROTO_UDP && body.len() >= 8 {
                let p = (
                    u16::from_be_bytes([body[0], body[1]]),
                    u16::from_be_bytes([body[2], body[3]]),
                );
                (Some(p), body[8..].to_vec())
            } else {
                (None, vec![])
            };
            Some(Seen {
                protocol: ip[9],
                src,
                dst,
                ports,
                udp_payload,
            })
        })
        .collect()
}

fn events(b: &ikelab::scenario::Built, router: &str) -> Vec<EventKind> {
    let r = b.routers.iter().find(|r| r.name == router).unwrap();
    let s = r.stack.borrow();
    s.events.iter().map(|e| e.kind.clone()).collect()
}

#[test]
fn behind_the_nat_ike_floats_to_4500_and_esp_goes_in_udp() {
    let loaded = load_named("nat-traversal").unwrap();
    let mut b = build(&loaded, None).unwrap();
    b.lab.run();
    let result = b.result();

    // NAT-D found the NAT on both sides (RFC 3947 3.2): the initiator floated to 4500 at both
    // ends; the responder followed it to 4500 and talks to the NAT's outside address at the
    // port the NAT mapped 4500 to (RFC 3947 4: "the responder MUST use the port the
    // initiator's packets come from").
    let established = |router| {
        events(&b, router)
            .into_iter()
            .find_map(|e| match e {
                EventKind::Phase1Established { local, remote, .. } => Some((local, remote)),
                _ => None,
            })
            .unwrap_or_else(|| panic!("{router}: no phase 1"))
    };
    let (il, ir) = established("ios");
    assert_eq!((il.port(), ir.port()), (4500, 4500), "ios floated");
    assert_eq!(
        *il.ip(),
        Ipv4Addr::new(192, 168, 100, 2),
        "ios knows only its own address"
    );
    let (rl, rr) = established("rtx");
    assert_eq!(rl.port(), 4500, "rtx followed to 4500");
    assert_eq!(*rr.ip(), NAT_OUTSIDE, "rtx sees the NAT's outside address");
    assert!(
        (49152..=65535).contains(&rr.port()),
        "the NAT's mapped port: {rr}"
    );

    // Both sides installed tunnel-mode SAs...
    for router in ["ios", "rtx"] {
        let modes: Vec<EncapMode> = events(&b, router)
            .into_iter()
            .filter_map(|e| match e {
                EventKind::SaInstalled { mode, .. } => Some(mode),
                _ => None,
            })
            .collect();
        assert!(!modes.is_empty(), "{router}: no IPsec SA");
        assert!(
            modes.iter().all(|m| *m == EncapMode::Tunnel),
            "{router}: {modes:?}"
        );
    }
    // ...and the decoder, with the run's own key files, reads in Quick Mode the encapsulation
    // mode RFC 3947 5.2 gives UDP-encapsulated tunnel mode (3), and opens ESP on UDP 4500.
    let dir = std::env::temp_dir().join(format!("ikelab-nat-t-{}", std::process::id()));
    let files = b.lab.write_outputs(&dir).unwrap();
    let records =
        ikelab::decode::decode_file(&files.captures.merged, Some(&dir.join("keys"))).unwrap();
    let json: Vec<String> = records
        .iter()
        .map(|r| serde_json::to_string(r).unwrap())
        .collect();
    let qm: Vec<&String> = json
        .iter()
        .filter(|j| j.contains("\"QM1\"") || j.contains("\"QM2\""))
        .collect();
    assert!(!qm.is_empty(), "no Quick Mode decoded");
    assert!(
        qm.iter()
            .all(|j| j.contains("UDP-Encapsulated-Tunnel") && !j.contains("(draft)")),
        "{qm:?}"
    );
    let esp_4500 = records
        .iter()
        .zip(&json)
        .filter(|(r, j)| r.dport == Some(4500) && j.contains("\"kind\":\"esp\""))
        .count();
    assert!(esp_4500 >= 10, "ESP records on 4500: {esp_4500}");
    let _ = std::fs::remove_dir_all(&dir);

    // The wire outside the NAT: IKE from the NAT's address, first from a port that is not 500
    // (RFC 3022 NAPT), then on 4500 with the non-ESP marker (RFC 3948 2.2: four zero bytes);
    // ESP only inside UDP 4500 (a non-zero SPI where the marker would be), never protocol 50.
    let wan = on_link(&b.lab, "wan-nat");
    let from_nat: Vec<&Seen> = wan.iter().filter(|s| s.src == NAT_OUTSIDE).collect();
    let first = from_nat
        .iter()
        .find(|s| s.ports.is_some())
        .expect("IKE left the NAT");
    let (sport, dport) = first.ports.unwrap();
    assert_eq!(dport, 500);
    assert_ne!(sport, 500, "the NAT moves UDP 500 to another port");
    let ike_4500 = wan
        .iter()
        .filter(|s| matches!(s.ports, Some((_, 4500)) | Some((4500, _))))
        .filter(|s| s.udp_payload.len() > 4 && s.udp_payload[..4] == [0, 0, 0, 0])
        .count();
    assert!(ike_4500 >= 4, "MM5, MM6 and Quick Mode on 4500: {ike_4500}");
    let esp_in_udp = wan
        .iter()
        .filter(|s| matches!(s.ports, Some((_, 4500)) | Some((4500, _))))
        .filter(|s| s.udp_payload.len() > 8 && s.udp_payload[..4] != [0, 0, 0, 0])
        .count();
    assert!(esp_in_udp >= 10, "ESP in UDP both ways: {esp_in_udp}");
    assert!(
        wan.iter().all(|s| s.protocol != PROTO_ESP),
        "no raw ESP outside"
    );

    // The pings crossed, every one but those that started the negotiation.
    let sent: u32 = result.pings.iter().map(|p| p.sent).sum();
    let received: u32 = result.pings.iter().map(|p| p.received).sum();
    assert!(sent >= 20 && received + 2 >= sent, "{:?}", result.pings);
    let nat = b.lab.nat(b.nat("nat").unwrap()).unwrap();
    assert_eq!(nat.counters().get(Counter::NatDropProtocol), 0);
    assert!(nat.counters().get(Counter::NatTranslatedIn) > 10);
}

#[test]
fn with_nat_t_off_at_the_responder_esp_is_blocked_by_the_nat() {
    let mut loaded = load_named("nat-traversal").unwrap();
    let rtx = loaded.routers.iter_mut().find(|r| r.name == "rtx").unwrap();
    let text: String = rtx
        .text
        .lines()
        .filter(|l| !l.contains("nat-traversal"))
        .map(|l| format!("{l}\n"))
        .collect();
    rtx.parsed = rtx.personality.parse("rtx.conf", &text).unwrap();
    let mut b = build(&loaded, None).unwrap();
    b.lab.run();
    let result = b.result();

    // No NAT-T Vendor ID from the responder, so no NAT-D and no float (RFC 3947 2, 4): phase
    // 1 stays on port 500, phase 2 negotiates plain tunnel mode and comes up on both sides.
    for router in ["ios", "rtx"] {
        let ev = events(&b, router);
        let p1 = ev.iter().find_map(|e| match e {
            EventKind::Phase1Established { local, .. } => Some(*local),
            _ => None,
        });
        assert_eq!(p1.map(|l| l.port()), Some(500), "{router}");
        assert!(
            ev.iter().any(|e| matches!(
                e,
                EventKind::SaInstalled {
                    mode: EncapMode::Tunnel,
                    ..
                }
            )),
            "{router}: {ev:?}"
        );
    }
    // ESP (protocol 50) leaves the initiator and dies at the NAT: nothing crosses.
    let inside = on_link(&b.lab, "nat-inside");
    assert!(inside.iter().any(|s| s.protocol == PROTO_ESP));
    let wan = on_link(&b.lab, "wan-nat");
    assert!(
        wan.iter()
            .filter(|s| s.src == NAT_OUTSIDE)
            .all(|s| s.protocol != PROTO_ESP)
    );
    // The responder's ESP reaches the NAT and dies there too.
    assert!(
        wan.iter()
            .any(|s| s.protocol == PROTO_ESP && s.dst == NAT_OUTSIDE)
    );
    let nat = b.lab.nat(b.nat("nat").unwrap()).unwrap();
    assert!(nat.counters().get(Counter::NatDropProtocol) > 0);
    assert!(
        b.lab
            .log_text()
            .contains("dropped ESP (protocol 50) from 192.168.100.2"),
        "lab.log says why"
    );
    let received: u32 = result.pings.iter().map(|p| p.received).sum();
    assert_eq!(received, 0, "{:?}", result.pings);
}

#[test]
fn the_same_seed_gives_the_same_mapped_ports() {
    let loaded = load_named("nat-traversal").unwrap();
    let ports = |seed| {
        let mut b = build(&loaded, Some(seed)).unwrap();
        b.lab.run_for(std::time::Duration::from_secs(20));
        let nat = b.lab.nat(b.nat("nat").unwrap()).unwrap();
        nat.mappings()
            .iter()
            .map(|m| m.outside_port)
            .collect::<Vec<_>>()
    };
    assert_eq!(ports(5), ports(5));
}

#[test]
fn a_nat_is_checked_with_the_line_of_the_value() {
    let head = "name = \"x\"\ndescription = \"y\"\n";
    let cases = [
        (
            "[[nat]]\nname = \"n\"\nrouter = \"r\"\ninside = \"10.0.0.1/24\"\noutside = \"100.64.1.3/24\"\nudp-timeout = \"0s\"\n",
            "s.toml:9: nat 1, `udp-timeout`: a NAT mapping timeout must be more than zero",
        ),
        (
            "[[nat]]\nname = \"n\"\nrouter = \"r\"\ninside = \"10.0.0.1/24\"\noutside = \"100.64.1.3/24\"\nmax-mappings = 0\n",
            "s.toml:9: nat 1, `max-mappings`: 0 mappings: expected 1 to 16384",
        ),
        (
            "[[nat]]\nname = \"../n\"\nrouter = \"r\"\ninside = \"10.0.0.1/24\"\noutside = \"100.64.1.3/24\"\n",
            "s.toml:5: nat 1, `name`: \"../n\" has the character '/'",
        ),
        (
            "[[nat]]\nname = \"n\"\nrouter = \"nobody\"\ninside = \"10.0.0.1/24\"\noutside = \"100.64.1.3/24\"\n",
            "s.toml:6: nat n: no router named \"nobody\"",
        ),
        (
            "[[nat]]\nname = \"n\"\nrouter = \"r\"\ninside = \"10.0.0.1/33\"\noutside = \"100.64.1.3/24\"\n",
            "s.toml:7: nat n: `inside` \"10.0.0.1/33\" is not like 192.168.100.1/24",
        ),
        (
            "[[nat]]\nname = \"n\"\nrouter = \"r\"\ninside = \"10.0.0.1/24\"\noutside = \"100.64.1.3/24\"\nflavour = \"cone\"\n",
            "s.toml:9: unknown field `flavour`",
        ),
    ];
    for (nat, want) in cases {
        let text = format!("{head}\n{nat}");
        let err = ikelab::scenario::load::load(
            ikelab::scenario::load::Source::Dir(".".into()),
            "s.toml",
            &text,
        )
        .and_then(|l| ikelab::scenario::plan(&l, None))
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(err.starts_with(want), "{nat}\n got: {err}\nwant: {want}");
    }
    // A NAT in front of a router that has no address on its inside subnet.
    let loaded = load_named("nat-traversal").unwrap();
    let mut sc = loaded.clone();
    sc.scenario.nats[0].inside = "172.16.0.1/24".into();
    let err = ikelab::scenario::plan(&sc, None).unwrap_err().to_string();
    assert!(
        err.contains("router ios has no other address on the inside subnet 172.16.0.0/24"),
        "{err}"
    );
}

#[test]
fn the_netns_driver_refuses_a_nat_by_name() {
    let loaded = load_named("nat-traversal").unwrap();
    let stop = std::sync::atomic::AtomicBool::new(false);
    let err = ikelab::netns::run_scenario(&loaded, &Default::default(), &stop)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.contains("NAT nat (`[[nat]]`): the netns mode does not run NATs"),
        "{err}"
    );
}
