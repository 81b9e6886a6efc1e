//! The NEC IX config dialect (`ikelab_peers::personality::ix`): the document's IX2015 config means what
//! the document says it means, and the neighbouring commands and choices behave as documented.

use std::net::Ipv4Addr;
use std::time::Duration;

use ikelab_peers::crypto::{CipherAlg, DhGroup, HashAlg};
use ikelab_peers::esp::IntegAlg;
use ikelab_peers::ike::{
    EncapMode, ExchangeMode, IdMatch, Identity, InitialContact, NatTraversal, Phase1Proposal,
    Phase2Proposal, QmId, ReturnedIds, Selector,
};
use ikelab_peers::personality::ix::{self, IxConfig, IxLogLevel};
use ikelab_peers::personality::{Interface, InterfaceKind, NextHop, Route, Severity, Vendor};
use ikelab_peers::prefix::Ipv4Net;
use ikelab_peers::wire::{IdData, IdType, NotifyType, vendor_id};

const DOCUMENT: &str = include_str!("../../tests/fixtures/document/ix.conf");

fn ip(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

fn host_id(s: &str) -> QmId {
    QmId {
        data: IdData::Ipv4Addr(ip(s)),
        protocol: 0,
        port: 0,
    }
}

fn ok(text: &str) -> IxConfig {
    match ix::parse_ix("test.conf", text) {
        Ok(c) => c,
        Err(e) => panic!("expected the config to parse:\n{e}"),
    }
}

/// The document's config with `line` replaced by `with` (or removed when `with` is empty).
fn document_with(line: &str, with: &str) -> String {
    assert!(DOCUMENT.lines().any(|l| l == line), "no line {line:?}");
    DOCUMENT
        .lines()
        .filter_map(|l| {
            if l == line {
                (!with.is_empty()).then_some(with)
            } else {
                Some(l)
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn document_config_means_what_the_document_says() {
    let c = ok(DOCUMENT);
    let r = &c.router;
    assert_eq!(r.vendor, Vendor::Ix);
    assert_eq!(r.hostname, None);
    assert!(r.warnings.is_empty(), "warnings: {:?}", r.warnings);

    assert_eq!(
        r.interfaces,
        vec![
            Interface {
                name: "FastEthernet0/0.0".into(),
                address: Some(Ipv4Net {
                    addr: ip("172.16.0.2"),
                    prefix_len: 24
                }),
                unnumbered: None,
                kind: InterfaceKind::Ethernet,
                up: true,
            },
            Interface {
                name: "FastEthernet1/0.0".into(),
                address: Some(Ipv4Net {
                    addr: ip("192.168.1.1"),
                    prefix_len: 24
                }),
                unnumbered: None,
                kind: InterfaceKind::Ethernet,
                up: true,
            },
            Interface {
                name: "Tunnel0.0".into(),
                address: None,
                unnumbered: Some("FastEthernet1/0.0".into()),
                // The tunnel's outer source is our WAN address facing the peer.
                kind: InterfaceKind::IpsecTunnel {
                    local: ip("172.16.0.2"),
                    remote: ip("172.16.0.1"),
                },
                up: true,
            },
        ]
    );
    assert_eq!(
        r.routes,
        vec![Route {
            prefix: Ipv4Net {
                addr: ip("192.168.0.0"),
                prefix_len: 24
            },
            via: NextHop::Interface("Tunnel0.0".into()),
        }]
    );

    let e = &r.engine;
    assert_eq!(e.peers.len(), 1);
    let p = &e.peers[0];
    assert_eq!(p.name, "ike-policy");
    assert_eq!(p.local, ip("172.16.0.2"));
    assert_eq!(p.remote, Some(ip("172.16.0.1")));
    assert_eq!(p.psk, b"hogehoge");
    assert_eq!(p.mode, ExchangeMode::Main);
    assert_eq!(
        p.proposals,
        vec![Phase1Proposal {
            cipher: CipherAlg::AesCbc { key_len: 16 },
            hash: HashAlg::Sha1,
            group: DhGroup::Modp1024,
            lifetime: Duration::from_secs(600),
            lifetime_kb: None,
        }]
    );
    assert_eq!(p.my_id, Identity::Address);
    assert!(!p.responder_only);
    assert_eq!(p.nat_traversal, NatTraversal::Off);
    assert_eq!(p.dpd, None);

    assert_eq!(e.policies.len(), 1);
    let pol = &e.policies[0];
    assert_eq!(pol.name, "ipsec-policy");
    assert_eq!(pol.peer, "ike-policy");
    assert_eq!(pol.local, Selector::host(ip("172.16.0.2")));
    assert_eq!(pol.remote, Selector::host(ip("172.16.0.1")));
    assert_eq!(pol.mode, EncapMode::Transport);
    assert_eq!(
        pol.proposals,
        vec![Phase2Proposal {
            cipher: CipherAlg::AesCbc { key_len: 16 },
            integ: IntegAlg::HmacSha1_96,
            lifetime: Duration::from_secs(300),
            lifetime_kb: None,
        }]
    );
    assert_eq!(pol.pfs, None);
    assert!(!pol.auto_start, "IX answers; it does not start");
    // `ipsec local-id ipsec-policy 172.16.0.2` / `ipsec remote-id ipsec-policy 172.16.0.1`.
    let (local_id, remote_id) = pol.qm_ids();
    assert_eq!(local_id, host_id("172.16.0.2"));
    assert_eq!(remote_id, host_id("172.16.0.1"));
    // Host IDs are ID_IPV4_ADDR: 12-byte ID payloads, as in the document's after-fix QM1/QM2.
    assert_eq!(local_id.data.id_type(), IdType::IPV4_ADDR);
    assert_eq!(8 + local_id.data.to_bytes().len(), 12);
    // SEIL's old 0.0.0.0/0 IDs are not these: with exact matching, IKE.043 and
    // INVALID-ID-INFORMATION follow.
    assert_ne!(
        (remote_id.clone(), local_id.clone()),
        (Selector::ANY.to_id(), Selector::ANY.to_id())
    );

    let b = &e.behaviour;
    assert_eq!(b.nonce_len, 16);
    assert_eq!(b.vendor_ids, vec![vendor_id::DPD.to_vec()]);
    assert_eq!(b.initial_contact, InitialContact::Off);
    assert_eq!(b.id_match, IdMatch::Exact);
    assert_eq!(b.no_policy_notify, Some(NotifyType::INVALID_ID_INFORMATION));
    assert_eq!(b.returned_ids, ReturnedIds::Reject);
    assert!(b.answer_delete);
    assert_eq!(b.phase1_id_proto_port, (17, 500));

    assert_eq!(c.logging.buffered, Some(10240));
    assert_eq!(c.logging.ike_level, Some(IxLogLevel::Debug));
    assert!(c.logging.ike_debug());
    assert!(!c.logging.timestamp);
}

#[test]
fn parse_is_parse_ix_without_the_logging() {
    let a = ix::parse("ix.conf", DOCUMENT).unwrap();
    let b = ok(DOCUMENT).router;
    assert_eq!(a.interfaces, b.interfaces);
    assert_eq!(a.routes, b.routes);
    assert_eq!(a.engine.policies.len(), b.engine.policies.len());
}

#[test]
fn without_local_and_remote_id_the_ids_come_from_the_access_list() {
    let text = document_with("ipsec local-id ipsec-policy 172.16.0.2", "");
    let text = text.replace("ipsec remote-id ipsec-policy 172.16.0.1\n", "");
    let c = ok(&text);
    // `permit ip src any dest any`: 0.0.0.0/0 both ways, SEIL's default IDs.
    assert_eq!(
        c.router.engine.policies[0].qm_ids(),
        (Selector::ANY.to_id(), Selector::ANY.to_id())
    );

    let text = document_with(
        "ip access-list list permit ip src any dest any",
        "ip access-list list permit ip src 192.168.1.0/24 dest 192.168.0.0/24",
    );
    let text = text
        .replace("ipsec local-id ipsec-policy 172.16.0.2\n", "")
        .replace("ipsec remote-id ipsec-policy 172.16.0.1\n", "");
    let (l, r) = ok(&text).router.engine.policies[0].qm_ids();
    assert_eq!(
        l.data,
        IdData::Ipv4Subnet(ip("192.168.1.0"), ip("255.255.255.0"))
    );
    assert_eq!(
        r.data,
        IdData::Ipv4Subnet(ip("192.168.0.0"), ip("255.255.255.0"))
    );
}

#[test]
fn one_id_set_the_other_from_the_access_list() {
    let text = document_with("ipsec remote-id ipsec-policy 172.16.0.1", "");
    let (l, r) = ok(&text).router.engine.policies[0].qm_ids();
    assert_eq!(l, host_id("172.16.0.2"));
    assert_eq!(r, Selector::ANY.to_id());
}

#[test]
fn subnet_ids_are_subnets_and_slash_32_is_a_host() {
    let text = document_with(
        "ipsec local-id ipsec-policy 172.16.0.2",
        "ipsec local-id ipsec-policy 192.168.1.77/24",
    );
    let text = text.replace(
        "ipsec remote-id ipsec-policy 172.16.0.1",
        "ipsec remote-id ipsec-policy 172.16.0.1/32",
    );
    let (l, r) = ok(&text).router.engine.policies[0].qm_ids();
    assert_eq!(
        l.data,
        IdData::Ipv4Subnet(ip("192.168.1.0"), ip("255.255.255.0"))
    );
    assert_eq!(r, host_id("172.16.0.1"));
}

#[test]
fn initial_contact_follows_the_ike_initial_contact_commands() {
    let ic = |extra: &str| {
        ok(&format!("{DOCUMENT}{extra}"))
            .router
            .engine
            .behaviour
            .initial_contact
    };
    assert_eq!(ic(""), InitialContact::Off);
    assert_eq!(ic("ike initial-contact payload\n"), InitialContact::Off);
    assert_eq!(
        ic("ike initial-contact always\n"),
        InitialContact::InMainMode
    );
    assert_eq!(
        ic("ike initial-contact always\nno ike initial-contact payload\n"),
        InitialContact::Informational
    );
    assert_eq!(
        ic("ike initial-contact always\nno ike initial-contact always\n"),
        InitialContact::Off
    );
}

#[test]
fn keepalive_nat_traversal_pfs_and_algorithms() {
    let text = "\
ike proposal p1 encryption aes-256 hash sha2-256 group 2048-bit lifetime 86400
ike proposal p2 encryption 3des hash md5
ike policy pol peer 10.0.0.1 key s3cret p1 p2
ike keepalive pol 10 3
ike nat-traversal policy pol
ip access-list acl permit ip src any dest any
ipsec autokey-map map acl peer 10.0.0.1 sp pfs 1536-bit
ipsec autokey-proposal sp esp-aes-256 esp-3des esp-sha2-256 esp-md5 lifetime time 3600
interface GigaEthernet0.0
  ip address 10.0.0.2/30
  no shutdown
  exit
interface Tunnel1.0
  tunnel mode ipsec
  ipsec policy tunnel map
  no shutdown
  exit
";
    let c = ok(text);
    let e = &c.router.engine;
    let p = &e.peers[0];
    assert_eq!(p.local, ip("10.0.0.2"));
    // `ike keepalive pol 10 3`: a probe after 10 s idle, 3 more 10 s apart, then dead.
    let dpd = p.dpd.expect("keepalive");
    assert_eq!(dpd.interval, Duration::from_secs(10));
    assert_eq!(dpd.retry, Duration::from_secs(10));
    assert_eq!(dpd.max_fails, 4);
    assert_eq!(p.nat_traversal, NatTraversal::On);
    assert_eq!(p.psk, b"s3cret");
    assert_eq!(
        p.proposals
            .iter()
            .map(|x| (x.cipher, x.hash, x.group, x.lifetime.as_secs()))
            .collect::<Vec<_>>(),
        vec![
            (
                CipherAlg::AesCbc { key_len: 32 },
                HashAlg::Sha256,
                DhGroup::Modp2048,
                86400
            ),
            // Defaults when left out: group 1024-bit, 28800 s.
            (
                CipherAlg::TripleDesCbc,
                HashAlg::Md5,
                DhGroup::Modp1024,
                28800
            ),
        ]
    );
    let pol = &e.policies[0];
    assert_eq!(pol.pfs, Some(DhGroup::Modp1536));
    // Every cipher with every integrity algorithm, in the order written.
    assert_eq!(
        pol.proposals
            .iter()
            .map(|x| (x.cipher, x.integ, x.lifetime.as_secs()))
            .collect::<Vec<_>>(),
        vec![
            (
                CipherAlg::AesCbc { key_len: 32 },
                IntegAlg::HmacSha256_128,
                3600
            ),
            (
                CipherAlg::AesCbc { key_len: 32 },
                IntegAlg::HmacMd5_96,
                3600
            ),
            (CipherAlg::TripleDesCbc, IntegAlg::HmacSha256_128, 3600),
            (CipherAlg::TripleDesCbc, IntegAlg::HmacMd5_96, 3600),
        ]
    );
    assert_eq!(
        c.router.interfaces[1].kind,
        InterfaceKind::IpsecTunnel {
            local: ip("10.0.0.2"),
            remote: ip("10.0.0.1"),
        }
    );
    // A tunnel without `ip unnumbered` borrows no address.
    assert_eq!(c.router.interfaces[1].unnumbered, None);
    assert!(c.router.warnings.is_empty(), "{:?}", c.router.warnings);
}

#[test]
fn peer_any_answers_only_and_uses_the_default_route_interface() {
    let text = "\
interface FastEthernet0/0.0
ip address 203.0.113.2/24
no shutdown
interface FastEthernet1/0.0
ip address 192.168.1.1/24
no shutdown
ip route default 203.0.113.1
ike proposal p encryption aes hash sha
ike policy dyn peer any key k mode aggressive p
";
    let c = ok(text);
    let p = &c.router.engine.peers[0];
    assert_eq!(p.remote, None);
    assert!(p.responder_only);
    assert_eq!(p.local, ip("203.0.113.2"));
    assert_eq!(p.mode, ExchangeMode::Aggressive);
    assert_eq!(
        c.router.routes,
        vec![Route {
            prefix: Ipv4Net {
                addr: Ipv4Addr::UNSPECIFIED,
                prefix_len: 0
            },
            via: NextHop::Gateway(ip("203.0.113.1")),
        }]
    );
    // Aggressive Mode is negotiated as configured: nothing to warn about.
    assert!(c.router.warnings.is_empty(), "{:?}", c.router.warnings);
}

#[test]
fn a_peer_behind_a_gateway_is_reached_from_the_gateways_subnet() {
    let text = "\
interface FastEthernet0/0.0
ip address 198.51.100.2/29
no shutdown
interface FastEthernet1/0.0
ip address 192.168.1.1/24
no shutdown
ip route 203.0.113.0/24 198.51.100.1
ip route default FastEthernet1/0.0
ike proposal p encryption aes hash sha
ike policy pol peer 203.0.113.9 key k p
";
    let c = ok(text);
    assert_eq!(c.router.engine.peers[0].local, ip("198.51.100.2"));
}

#[test]
fn show_config_style_with_indentation_comments_and_other_commands() {
    // The shape of `show running-config` on IX: `!` separators, indented interface commands and
    // `exit`, and many commands this simulation does not model.
    let text = "\
! Current configuration
!
hostname Router1
username admin password plain secret administrator
logging buffered 100000 cyclic
logging subsystem ike warn
logging timestamp datetime
!
ip route 192.168.0.0/24 Tunnel0.0
ip access-list sec-list permit ip src any dest any
ip access-list flt-list permit udp src any sport any dest any dport eq 500
!
ike proposal ike-prop encryption aes hash sha group 1024-bit lifetime 600
ike policy ike-policy peer 172.16.0.1 key hogehoge ike-prop
ike suppress-dangling ike-policy
ipsec autokey-proposal ipsec-prop esp-aes esp-sha lifetime time 300
ipsec autokey-map ipsec-policy sec-list peer 172.16.0.1 ipsec-prop
ipsec local-id ipsec-policy 172.16.0.2
ipsec remote-id ipsec-policy 172.16.0.1
!
ip dhcp profile lan1
  dns-server 192.168.1.1
  exit
!
device FastEthernet0/0
!
interface FastEthernet0/0.0
  ip address 172.16.0.2/24
  ip filter flt-list 1 in
  no shutdown
!
interface FastEthernet1/0.0
  ip address 192.168.1.1/24
  no shutdown
  exit
!
interface Loopback0.0
  ip address 10.0.0.1/32
!
interface Tunnel0.0
  tunnel mode ipsec
  ip unnumbered FastEthernet1/0.0
  ipsec policy tunnel ipsec-policy out
  ip tcp adjust-mss auto
  no shutdown
  exit
";
    let c = ok(text);
    let r = &c.router;
    assert_eq!(r.hostname.as_deref(), Some("Router1"));
    assert_eq!(c.logging.ike_level, Some(IxLogLevel::Warn));
    assert!(!c.logging.ike_debug());
    assert!(c.logging.timestamp);
    assert_eq!(c.logging.buffered, Some(100000));
    // The same router as the document's.
    let doc = ok(DOCUMENT).router;
    assert_eq!(r.interfaces, doc.interfaces);
    assert_eq!(r.routes, doc.routes);
    assert_eq!(
        r.engine.policies[0].qm_ids(),
        doc.engine.policies[0].qm_ids()
    );
    let w: Vec<(usize, usize, &str)> = r
        .warnings
        .iter()
        .map(|d| (d.line, d.column, d.message.as_str()))
        .collect();
    let expect = [
        (4, 1, "`username` is not modelled"),
        (11, 32, "only `ip` entries are modelled"),
        (15, 1, "`ike suppress-dangling` is not modelled"),
        (21, 1, "`ip dhcp` is not modelled"),
        (25, 1, "`device` is not modelled"),
        (29, 3, "`ip filter` is not modelled"),
        (37, 11, "`Loopback0.0` is not modelled"),
        (44, 3, "`ip tcp` is not modelled"),
    ];
    assert_eq!(w.len(), expect.len(), "{w:#?}");
    for (got, want) in w.iter().zip(expect) {
        assert_eq!((got.0, got.1), (want.0, want.1), "{got:?}");
        assert!(got.2.contains(want.2), "{got:?} should say {:?}", want.2);
    }
    assert!(r.warnings.iter().all(|d| d.severity == Severity::Warning));
}

#[test]
fn names_may_be_used_before_they_are_defined() {
    let text = "\
interface Tunnel0.0
tunnel mode ipsec
ipsec policy tunnel m out
no shutdown
ipsec local-id m 172.16.0.2
ipsec autokey-map m acl peer 172.16.0.1 sp
ike policy pol peer 172.16.0.1 key k ip
ipsec autokey-proposal sp esp-aes esp-sha
ike proposal ip encryption aes hash sha
ip access-list acl permit ip src any dest any
interface FastEthernet0/0.0
ip address 172.16.0.2/24
no shutdown
";
    let c = ok(text);
    assert_eq!(c.router.engine.policies.len(), 1);
    assert_eq!(
        c.router.engine.policies[0].qm_ids().0,
        host_id("172.16.0.2")
    );
}

#[test]
fn redefining_a_named_command_replaces_it_and_interfaces_reopen() {
    let text = format!(
        "{DOCUMENT}ike proposal ike-prop encryption aes-256 hash sha group 2048-bit\n\
         interface FastEthernet1/0.0\nshutdown\n"
    );
    let c = ok(&text);
    let p = &c.router.engine.peers[0].proposals;
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].group, DhGroup::Modp2048);
    assert_eq!(p[0].lifetime, Duration::from_secs(28800));
    assert_eq!(c.router.interfaces.len(), 3);
    assert!(!c.router.interfaces[1].up);
    assert_eq!(
        c.router.interfaces[1].address,
        Some(Ipv4Net {
            addr: ip("192.168.1.1"),
            prefix_len: 24
        })
    );
}

#[test]
fn interfaces_are_down_until_no_shutdown() {
    let text = document_with("interface FastEthernet1/0.0", "interface FastEthernet1/0.0")
        .replacen("no shutdown\ninterface Tunnel0.0", "interface Tunnel0.0", 1);
    let c = ok(&text);
    assert!(!c.router.interfaces[1].up);
    assert!(c.router.interfaces[0].up && c.router.interfaces[2].up);
}

#[test]
fn crlf_a_byte_order_mark_and_tabs_are_accepted() {
    let text = format!(
        "\u{feff}{}",
        DOCUMENT.replace('\n', "\r\n").replace(' ', "\t")
    );
    let c = ok(&text);
    assert_eq!(c.router.interfaces, ok(DOCUMENT).router.interfaces);
    assert!(c.router.warnings.is_empty());
}

#[test]
fn an_unbound_map_and_a_tunnel_without_a_map_are_warnings() {
    let text = DOCUMENT.replace("ipsec policy tunnel ipsec-policy out\n", "");
    let c = ok(&text);
    let msgs: Vec<_> = c
        .router
        .warnings
        .iter()
        .map(|d| (d.line, d.column, d.message.clone()))
        .collect();
    assert_eq!(msgs.len(), 2, "{msgs:#?}");
    assert_eq!((msgs[0].0, msgs[0].1), (8, 19));
    assert!(msgs[0].2.contains("not bound to any interface"));
    assert_eq!((msgs[1].0, msgs[1].1), (17, 11));
    assert!(msgs[1].2.contains("stays down"));
    assert!(c.router.engine.policies.is_empty());
    let t = &c.router.interfaces[2];
    assert!(!t.up);
}

/// `ipsec policy tunnel` is tunnel mode, route-based; when the IDs are the tunnel's endpoints
/// (the document) IX proposes transport mode, which carries the same bytes; it answers either.
#[test]
fn a_tunnel_binding_proposes_tunnel_mode_unless_the_ids_are_the_endpoints() {
    let doc = ok(DOCUMENT);
    let p = &doc.router.engine.policies[0];
    assert_eq!((p.mode, p.route_based), (EncapMode::Transport, true));
    assert_eq!(
        doc.router.engine.behaviour.mode_match,
        ikelab_peers::ike::ModeMatch::Either
    );

    // The LAN access list of issue 12: no local-id/remote-id, IDs from the list, tunnel mode.
    let lans = document_with("ipsec local-id ipsec-policy 172.16.0.2", "")
        .replace("ipsec remote-id ipsec-policy 172.16.0.1\n", "")
        .replace(
            "ip access-list list permit ip src any dest any",
            "ip access-list list permit ip src 192.168.1.0/24 dest 192.168.0.0/24",
        );
    let c = ok(&lans);
    let p = &c.router.engine.policies[0];
    assert_eq!((p.mode, p.route_based), (EncapMode::Tunnel, true));
    let subnet = |a: &str| QmId {
        data: IdData::ipv4_prefix(ip(a), 24),
        protocol: 0,
        port: 0,
    };
    assert_eq!(p.qm_ids(), (subnet("192.168.1.0"), subnet("192.168.0.0")));
    // Still the tunnel's endpoints as selectors: whatever is routed into Tunnel0.0.
    assert_eq!(
        (p.local, p.remote),
        (
            Selector::host(ip("172.16.0.2")),
            Selector::host(ip("172.16.0.1"))
        )
    );

    // Host IDs other than the endpoints: tunnel mode.
    let hosts = DOCUMENT.replace(
        "ipsec local-id ipsec-policy 172.16.0.2",
        "ipsec local-id ipsec-policy 192.168.1.1",
    );
    assert_eq!(ok(&hosts).router.engine.policies[0].mode, EncapMode::Tunnel);
}

/// `ipsec policy transport <map>` on an Ethernet interface: transport mode between the
/// endpoints, not route-based; on a Tunnel interface it is an error at the word.
#[test]
fn a_transport_binding_is_transport_mode_on_an_ethernet_interface() {
    let text = document_with("ipsec policy tunnel ipsec-policy out", "")
        .replace("tunnel mode ipsec\n", "")
        .replacen(
            "ip address 172.16.0.2/24\n",
            "ip address 172.16.0.2/24\nipsec policy transport ipsec-policy\n",
            1,
        );
    let c = ok(&text);
    let p = &c.router.engine.policies[0];
    assert_eq!((p.mode, p.route_based), (EncapMode::Transport, false));
    assert_eq!(p.qm_ids(), (host_id("172.16.0.2"), host_id("172.16.0.1")));

    let wrong = DOCUMENT.replace(
        "ipsec policy tunnel ipsec-policy out",
        "ipsec policy transport ipsec-policy",
    );
    let e = ix::parse_ix("test.conf", &wrong).expect_err("transport on a Tunnel interface");
    let d =
        e.0.iter()
            .find(|d| d.severity == Severity::Error)
            .expect("an error");
    assert_eq!((d.line, d.column), (20, 1), "{e}");
    assert!(d.message.contains("is a Tunnel interface"), "{e}");
}
