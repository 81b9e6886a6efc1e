//! Tunnel-mode ESP and the MTU, in-process: a packet that ESP would make too long for the WAN
//! is fragmented before it is encrypted (each piece its own ESP packet, none of them an IP
//! fragment on the wire), and one with DF set gets "fragmentation needed" naming the room ESP
//! leaves. Both routers: a policy-based SEIL (tunnel mode on its security policy) and an IX
//! whose route-based Tunnel0.0 loses to ESP what ESP adds. tshark reads the WAN capture with
//! the run's key files.

use std::net::Ipv4Addr;
use std::path::Path;

use ikelab::scenario::{build, load_texts};
use ikelab_sim::{Counter, Instant, PingErrorKind, PingSpec};
use ikelab_tests::{have_tool, scratch, tshark};

const SEIL: &str = "\
hostname \"seil\"
interface lan0 add 192.168.0.1/24
interface lan1 add 172.16.0.1/24
route add 192.168.1.0/24 172.16.0.2
ike preshared-key add \"172.16.0.2\" \"hogehoge\"
ike proposal add p1 encryption aes hash sha1 authentication preshared-key dh-group modp1024 lifetime-of-time 10m
ike peer add ix address 172.16.0.2 exchange-mode main proposals p1
ipsec security-association proposal add p2 authentication-algorithm hmac-sha1 encryption-algorithm aes lifetime-of-time 05m
ipsec security-association add sa tunnel 172.16.0.1 172.16.0.2 ike p2 esp enable
ipsec security-policy add lans security-association sa src 192.168.0.0/24 dst 192.168.1.0/24
";

const IX: &str = "\
ip route 192.168.0.0/24 Tunnel0.0
ip access-list lans permit ip src 192.168.1.0/24 dest 192.168.0.0/24
ike proposal p1 encryption aes hash sha group 1024-bit lifetime 600
ike policy seil peer 172.16.0.1 key hogehoge p1
ipsec autokey-proposal p2 esp-aes esp-sha lifetime time 300
ipsec autokey-map vpn lans peer 172.16.0.1 p2
interface FastEthernet0/0.0
  ip address 172.16.0.2/24
  no shutdown
interface FastEthernet1/0.0
  ip address 192.168.1.1/24
  no shutdown
interface Tunnel0.0
  tunnel mode ipsec
  ip unnumbered FastEthernet1/0.0
  ipsec policy tunnel vpn out
  no shutdown
";

const HOST_B: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 10);
const SEIL_LAN: Ipv4Addr = Ipv4Addr::new(192, 168, 0, 1);

/// RFC 4303 arithmetic for AES-CBC-128 / HMAC-SHA1-96 on a 1500-byte Ethernet MTU: the
/// largest IPv4 packet a tunnel-mode SA carries whole (outer header 20, ESP header 8, IV 16,
/// ICV 12; the padded plaintext, packet + pad length + next header, in 16-byte blocks).
fn largest_in_tunnel_mode(mtu: usize) -> usize {
    let blocks = (mtu - 20 - 8 - 16 - 12) / 16;
    blocks * 16 - 2
}

#[test]
fn tunnel_mode_fragments_before_encryption_and_says_how_much_room_is_left() {
    let loaded = load_texts(SEIL, IX).expect("the configs load");
    let mut b = build(&loaded, Some(5)).expect("the lab builds");
    let (a, hb) = (
        b.host("host-a").expect("host-a"),
        b.host("host-b").expect("host-b"),
    );
    let at = |s: u64| Instant::ZERO + std::time::Duration::from_secs(s);
    // Bring the SAs up, then 1500-byte packets both ways (DF clear), then one with DF.
    let warm = b
        .lab
        .ping(a, at(2), PingSpec::new(HOST_B).count(3))
        .unwrap();
    let big_ab = b
        .lab
        .ping(a, at(15), PingSpec::new(HOST_B).count(3).size(1472))
        .unwrap();
    let big_ba = b
        .lab
        .ping(
            hb,
            at(20),
            PingSpec::new(Ipv4Addr::new(192, 168, 0, 10))
                .count(3)
                .size(1472),
        )
        .unwrap();
    let mut df = PingSpec::new(HOST_B).size(1472);
    df.dont_fragment = true;
    let with_df = b.lab.ping(a, at(25), df).unwrap();
    b.lab.run();

    let report = |id| b.lab.ping_report(id).expect("report").clone();
    assert!(report(warm).received >= 2, "{:?}", report(warm));
    for id in [big_ab, big_ba] {
        let r = report(id);
        assert_eq!((r.sent, r.received), (3, 3), "{r:?}");
        assert!(r.replies.iter().all(|x| x.bytes == 1480), "{r:?}");
    }
    let r = report(with_df);
    assert_eq!(r.received, 0, "{r:?}");
    assert_eq!(r.errors.len(), 1, "{r:?}");
    assert_eq!(
        (r.errors[0].from, r.errors[0].kind),
        (SEIL_LAN, PingErrorKind::Unreachable(4)),
        "fragmentation needed, from SEIL"
    );

    for router in &b.routers {
        let c = b.lab.router(router.node).unwrap().counters();
        assert!(
            c.get(Counter::FragmentedBeforeEncryption) >= 3,
            "{}: {} packets fragmented before encryption",
            router.name,
            c.get(Counter::FragmentedBeforeEncryption)
        );
    }

    // On the wire: every ESP packet whole (no IP fragment of ESP), at most 1500 bytes, its
    // ICV good; tshark decrypts with the run's keys.
    if !have_tool("tshark") {
        return;
    }
    let dir = scratch("tunnel-mode-mtu");
    let info = ikelab::report::RunInfo::of(&loaded, Some(5), &b.result(), Default::default());
    ikelab::report::write(&b, &info, &dir).unwrap();
    // The "fragmentation needed" names the room SEIL's SA leaves.
    let (ike, esp) = tshark::read_keys(&dir.join("keys"));
    let mtus = tshark::fields(
        &dir.join("capture.pcapng"),
        &ike,
        &esp,
        Some("icmp.type == 3 && icmp.code == 4"),
        &["ip.src", "icmp.mtu"],
    );
    let room = largest_in_tunnel_mode(1500);
    assert!(
        mtus.iter()
            .any(|r| r[0].starts_with("192.168.0.1,") || r[0] == "192.168.0.1")
            && mtus.iter().all(|r| r[1] == room.to_string()),
        "expected MTU {room} from 192.168.0.1: {mtus:?}"
    );
    let rows = esp_rows(&dir);
    assert!(rows.len() >= 24, "{rows:?}");
    for r in &rows {
        let len: usize = r[0].parse().expect("ip.len");
        assert!(len <= 1500, "{r:?}");
        assert_eq!(r[1..3], ["0", "0"], "an ESP packet was fragmented: {r:?}");
        assert_eq!(r[3], "1", "ICV: {r:?}");
    }
}

/// tshark's (outer ip.len, ip.flags.mf, ip.frag_offset, esp.icv_good) for each ESP frame.
fn esp_rows(dir: &Path) -> Vec<Vec<String>> {
    let (ike, esp) = tshark::read_keys(&dir.join("keys"));
    tshark::fields(
        &dir.join("capture.pcapng"),
        &ike,
        &esp,
        Some("esp"),
        &["ip.len", "ip.flags.mf", "ip.frag_offset", "esp.icv_good"],
    )
    .into_iter()
    .map(|r| {
        // The first occurrence of each IP field is the outer header.
        r.into_iter()
            .map(|f| f.split(',').next().unwrap_or_default().to_string())
            .collect()
    })
    .collect()
}
