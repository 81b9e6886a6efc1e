//! The document's two SEIL configurations (`tests/fixtures/document/seil-{before,after}.conf`)
//! parse without a diagnostic, into the interfaces, routes, peer, policy and behaviour the
//! document means.

use std::net::Ipv4Addr;
use std::time::Duration;

use ikelab_peers::crypto::{CipherAlg, DhGroup, HashAlg};
use ikelab_peers::esp::IntegAlg;
use ikelab_peers::ike::{
    EncapMode, ExchangeMode, IdMatch, Identity, InitialContact, NatTraversal, OnErrorNotify,
    Phase1Proposal, Phase2Proposal, QmId, ReturnedIds, Selector,
};
use ikelab_peers::personality::seil;
use ikelab_peers::personality::{Interface, InterfaceKind, NextHop, Route, RouterConfig, Vendor};
use ikelab_peers::prefix::Ipv4Net;
use ikelab_peers::wire::{IdData, vendor_id};

fn document(name: &str) -> String {
    let path = format!(
        "{}/../tests/fixtures/document/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn parse_document(name: &str) -> RouterConfig {
    let cfg = seil::parse(name, &document(name)).unwrap_or_else(|e| panic!("{e}"));
    assert!(cfg.warnings.is_empty(), "{:?}", cfg.warnings);
    cfg
}

fn ip(a: u8, b: u8, c: u8, d: u8) -> Ipv4Addr {
    Ipv4Addr::new(a, b, c, d)
}

/// Everything but the Quick Mode IDs, which is where the two configurations differ.
fn check_common(cfg: &RouterConfig) {
    assert_eq!(cfg.vendor, Vendor::Seil);
    assert_eq!(cfg.hostname.as_deref(), Some("OBJ"));
    assert_eq!(
        cfg.interfaces,
        vec![
            Interface {
                name: "lan0".into(),
                address: Some(Ipv4Net {
                    addr: ip(192, 168, 0, 1),
                    prefix_len: 24
                }),
                unnumbered: None,
                kind: InterfaceKind::Ethernet,
                up: true,
            },
            Interface {
                name: "lan1".into(),
                address: Some(Ipv4Net {
                    addr: ip(172, 16, 0, 1),
                    prefix_len: 24
                }),
                unnumbered: None,
                kind: InterfaceKind::Ethernet,
                up: true,
            },
            Interface {
                name: "ipsec0".into(),
                address: None,
                unnumbered: Some("lan0".into()),
                kind: InterfaceKind::IpIp {
                    local: ip(172, 16, 0, 1),
                    remote: ip(172, 16, 0, 2),
                },
                up: true,
            },
        ]
    );
    assert_eq!(
        cfg.routes,
        vec![Route {
            prefix: Ipv4Net {
                addr: ip(192, 168, 1, 0),
                prefix_len: 24
            },
            via: NextHop::Interface("ipsec0".into()),
        }]
    );

    let e = &cfg.engine;
    assert_eq!(e.peers.len(), 1);
    let p = &e.peers[0];
    assert_eq!(p.name, "test");
    assert_eq!(p.local, ip(172, 16, 0, 1));
    assert_eq!(p.remote, Some(ip(172, 16, 0, 2)));
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
    assert_eq!(pol.name, "test");
    assert_eq!(pol.peer, "test");
    assert_eq!(pol.local, Selector::host(ip(172, 16, 0, 1)));
    assert_eq!(pol.remote, Selector::host(ip(172, 16, 0, 2)));
    assert_eq!(pol.local.protocol, 0);
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
    assert!(
        pol.auto_start,
        "tunnel-interface enable: SEIL starts by itself"
    );

    let b = &e.behaviour;
    assert_eq!(b.nonce_len, 16);
    assert_eq!(b.vendor_ids, vec![vendor_id::DPD.to_vec()]);
    assert_eq!(b.initial_contact, InitialContact::Informational);
    assert_eq!(b.id_match, IdMatch::Exact);
    assert_eq!(b.returned_ids, ReturnedIds::Reject);
    assert_eq!(b.on_error_notify, OnErrorNotify::KeepRetrying);
    assert!(!b.answer_delete);
    assert_eq!(b.phase2_delay, Duration::from_secs(1));
    assert_eq!(b.retransmit.interval, Duration::from_secs(10));
    assert_eq!(b.retransmit.tries, 6);
    assert_eq!(b.phase1_id_proto_port, (17, 500));
}

#[test]
fn before_fix_sends_0_0_0_0_slash_0_both_ways() {
    let cfg = parse_document("seil-before.conf");
    check_common(&cfg);
    let any = QmId {
        data: IdData::Ipv4Subnet(Ipv4Addr::UNSPECIFIED, Ipv4Addr::UNSPECIFIED),
        protocol: 0,
        port: 0,
    };
    let pol = &cfg.engine.policies[0];
    assert_eq!(pol.ids, Some((any.clone(), any.clone())));
    assert_eq!(pol.qm_ids(), (any.clone(), any));
    // 4 + 4 + 8 bytes: the IX log's `type 5:ID, length 16`.
    assert_eq!(pol.qm_ids().0.data.to_bytes().len(), 8);
    // The failing log's "delay phase2 start for 4 sec.": default any IDs only.
    assert_eq!(pol.phase2_delay, Some(Duration::from_secs(4)));
}

#[test]
fn after_fix_sends_the_proxy_ids_as_host_addresses() {
    let cfg = parse_document("seil-after.conf");
    check_common(&cfg);
    let host = |a| QmId {
        data: IdData::Ipv4Addr(a),
        protocol: 0,
        port: 0,
    };
    let pol = &cfg.engine.policies[0];
    assert_eq!(
        pol.ids,
        Some((host(ip(172, 16, 0, 1)), host(ip(172, 16, 0, 2))))
    );
    // 4 + 4 + 4 bytes: the IX log's `type 5:ID, length 12`.
    assert_eq!(pol.qm_ids().0.data.to_bytes().len(), 4);
    // The fixed log goes from "ISAKMP-SA established" straight to phase 2.
    assert_eq!(pol.phase2_delay, None);
}

#[test]
fn the_two_documents_differ_only_in_the_last_line() {
    let (b, a) = (document("seil-before.conf"), document("seil-after.conf"));
    let (bl, al): (Vec<_>, Vec<_>) = (b.lines().collect(), a.lines().collect());
    assert_eq!(bl.len(), al.len());
    assert_eq!(bl[..bl.len() - 1], al[..al.len() - 1]);
}

#[test]
fn neighbouring_options() {
    let text = "\
hostname seil-2
environment login-timer 300s
interface lan0 add 10.1.0.1/24
interface lan1 add 198.51.100.1/24
interface ipsec3 tunnel 198.51.100.1 203.0.113.7
interface ipsec3 unnumbered on lan1
route add 10.7.0.0/16 ipsec3
route add default 198.51.100.254
ike preshared-key add \"peer7.example\" \"s3cret key\"
ike proposal add p1 encryption aes256,aes128 hash sha256,sha1 authentication preshared-key dh-group modp2048 lifetime-of-time 1h
ike proposal add p2 encryption 3des hash md5 authentication preshared-key dh-group modp768
ike peer add seven address 203.0.113.7 exchange-mode main proposals p1,p2 my-identifier fqdn seil-2.example peers-identifier fqdn peer7.example initial-contact disable nonce-size 20 dpd disable nat-traversal force responder-only on tunnel-interface enable
ipsec security-association proposal add sp authentication-algorithm hmac-sha256 encryption-algorithm aes256,3des lifetime-of-time 30m pfs-group modp1024
ipsec security-association add sa7 tunnel-interface ipsec3 ike sp ah disable esp enable ipv6 block proxy-id-local 10.1.0.0/24 proxy-id-remote any proxy-id-protocol tcp
";
    let cfg = seil::parse("n.conf", text).unwrap_or_else(|e| panic!("{e}"));
    assert!(cfg.warnings.is_empty(), "{:?}", cfg.warnings);
    assert_eq!(cfg.hostname.as_deref(), Some("seil-2"));
    assert_eq!(cfg.interfaces[2].unnumbered.as_deref(), Some("lan1"));
    assert_eq!(
        cfg.routes[1],
        Route {
            prefix: Ipv4Net {
                addr: Ipv4Addr::UNSPECIFIED,
                prefix_len: 0
            },
            via: NextHop::Gateway(ip(198, 51, 100, 254)),
        }
    );
    let p = &cfg.engine.peers[0];
    assert_eq!(p.local, ip(198, 51, 100, 1));
    assert_eq!(p.psk, b"s3cret key");
    assert_eq!(p.my_id, Identity::Fqdn("seil-2.example".into()));
    assert!(p.responder_only);
    assert_eq!(p.nat_traversal, NatTraversal::Force);
    // 2 ciphers x 2 hashes x 1 group, then 1 x 1 x 1, in order.
    assert_eq!(p.proposals.len(), 5);
    let order: Vec<_> = p.proposals.iter().map(|q| (q.cipher, q.hash)).collect();
    assert_eq!(
        order,
        vec![
            (CipherAlg::AesCbc { key_len: 32 }, HashAlg::Sha256),
            (CipherAlg::AesCbc { key_len: 32 }, HashAlg::Sha1),
            (CipherAlg::AesCbc { key_len: 16 }, HashAlg::Sha256),
            (CipherAlg::AesCbc { key_len: 16 }, HashAlg::Sha1),
            (CipherAlg::TripleDesCbc, HashAlg::Md5),
        ]
    );
    assert_eq!(p.proposals[0].lifetime, Duration::from_secs(3600));
    assert_eq!(p.proposals[4].group, DhGroup::Modp768);
    assert_eq!(p.proposals[4].lifetime, Duration::from_secs(8 * 3600));
    let b = &cfg.engine.behaviour;
    assert_eq!(b.nonce_len, 20);
    assert_eq!(b.initial_contact, InitialContact::Off);
    assert!(b.vendor_ids.is_empty(), "dpd disable on every peer");
    let pol = &cfg.engine.policies[0];
    assert_eq!(pol.pfs, Some(DhGroup::Modp1024));
    assert_eq!(pol.proposals.len(), 2);
    assert_eq!(pol.proposals[1].cipher, CipherAlg::TripleDesCbc);
    assert_eq!(pol.proposals[0].lifetime, Duration::from_secs(1800));
    assert_eq!(
        pol.ids,
        Some((
            QmId {
                data: IdData::Ipv4Subnet(ip(10, 1, 0, 0), ip(255, 255, 255, 0)),
                protocol: 6,
                port: 0,
            },
            QmId {
                data: IdData::Ipv4Subnet(Ipv4Addr::UNSPECIFIED, Ipv4Addr::UNSPECIFIED),
                protocol: 6,
                port: 0,
            },
        ))
    );
}

#[test]
fn crlf_tabs_comments_and_quotes_are_accepted() {
    let text = document("seil-after.conf")
        .replace('\n', "\r\n")
        .replace("route add", "route\tadd")
        .replace(
            "hostname \"OBJ\"",
            "# the document's router\r\nhostname \"OBJ\" # its name",
        );
    let cfg = seil::parse("crlf.conf", &text).unwrap_or_else(|e| panic!("{e}"));
    assert!(cfg.warnings.is_empty(), "{:?}", cfg.warnings);
    check_common(&cfg);
}

#[test]
fn auto_initiation_disable_and_unknown_commands_warn_but_start() {
    let text = format!(
        "{}ike auto-initiation disable\nsnmp enable\nfrobnicate now\n",
        document("seil-before.conf")
    );
    let cfg = seil::parse("w.conf", &text).unwrap_or_else(|e| panic!("{e}"));
    assert!(!cfg.engine.policies[0].auto_start);
    let w: Vec<_> = cfg
        .warnings
        .iter()
        .map(|d| (d.line, d.column, d.message.as_str()))
        .collect();
    assert_eq!(w.len(), 2, "{w:?}");
    assert_eq!((w[0].0, w[0].1), (14, 1));
    assert!(w[0].2.contains("`snmp` is not emulated"));
    assert_eq!((w[1].0, w[1].1), (15, 1));
    assert!(w[1].2.contains("unknown command `frobnicate`"));
    assert_eq!(
        cfg.warnings[1].to_string(),
        "w.conf:15:1: warning: unknown command `frobnicate`; ignored"
    );
}

/// A policy-based SEIL (seil2recipe's `tunnel` SA and `ipsec security-policy`), LAN to LAN.
const POLICY_BASED: &str = "interface lan0 add 10.1.0.1/24
interface lan1 add 10.0.0.1/24
route add 10.2.0.0/24 10.0.0.2
ike preshared-key add \"10.0.0.2\" \"k\"
ike proposal add p1 encryption aes hash sha1 authentication preshared-key dh-group modp1024
ike peer add b address 10.0.0.2 exchange-mode main proposals p1
ipsec security-association proposal add p2 authentication-algorithm hmac-sha1 encryption-algorithm aes
ipsec security-association add sa tunnel lan1 10.0.0.2 ike p2 esp enable
ipsec security-policy add web security-association sa protocol tcp src 10.1.0.0/24 srcport 8080 dst 10.2.0.0/24
ipsec security-policy add all security-association sa src 10.1.0.0/24 dst 10.2.0.0/24
";

#[test]
fn policy_based_sas_are_tunnel_mode_policies_with_the_selectors_as_ids() {
    let c = seil::parse("pb.conf", POLICY_BASED).expect("parses");
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    let p = &c.engine.policies;
    assert_eq!(p.len(), 2);
    assert_eq!((p[0].name.as_str(), p[1].name.as_str()), ("web", "all"));
    for x in p {
        assert_eq!(x.mode, EncapMode::Tunnel);
        assert_eq!(x.peer, "b");
        assert!(x.auto_start, "SEIL starts its policy-based SAs by itself");
        assert_eq!(x.phase2_delay, None);
    }
    let (l, r) = p[0].qm_ids();
    assert_eq!(
        l.data,
        IdData::Ipv4Subnet(ip(10, 1, 0, 0), ip(255, 255, 255, 0))
    );
    assert_eq!((l.protocol, l.port), (6, 8080));
    assert_eq!(
        r.data,
        IdData::Ipv4Subnet(ip(10, 2, 0, 0), ip(255, 255, 255, 0))
    );
    assert_eq!((r.protocol, r.port), (6, 0));
    let (l, r) = p[1].qm_ids();
    assert_eq!((l.protocol, r.protocol), (0, 0));
    // The engine's outer addresses: the peer's, which `tunnel lan1 ...` agrees with.
    assert_eq!(c.engine.peers[0].local, ip(10, 0, 0, 1));
    // A security policy named like its SA: the policy's line is the security-policy line.
    let same = POLICY_BASED.replace("security-policy add all", "security-policy add sa");
    let c = seil::parse("pb.conf", &same).unwrap();
    let policy = ikelab_peers::personality::Setting::Policy("sa".into());
    let lines: Vec<usize> = c.origins.all(&policy).map(|o| o.line).collect();
    assert_eq!(lines, [10], "the security policy's line only, not the SA's");
    // A host selector travels as ID_IPV4_ADDR.
    let host = POLICY_BASED.replace("src 10.1.0.0/24 dst", "src 10.1.0.5 dst");
    let c = seil::parse("pb.conf", &host).unwrap();
    assert_eq!(
        c.engine.policies[1].qm_ids().0.data,
        IdData::Ipv4Addr(ip(10, 1, 0, 5))
    );
}

#[test]
fn policy_based_mistakes_name_the_line_and_word() {
    let err = |text: &str| seil::parse("pb.conf", text).unwrap_err().to_string();
    // A security policy naming an SA that nothing defines.
    let e =
        err(&POLICY_BASED.replace("security-association sa src", "security-association sx src"));
    assert!(
        e.contains("pb.conf:10:52: error: SA `sx` is not defined"),
        "{e}"
    );
    // A security policy without dst.
    let e = err(&POLICY_BASED.replace(" dst 10.2.0.0/24\n", "\n"));
    assert!(e.contains("pb.conf:10:"), "{e}");
    assert!(e.contains("dst"), "{e}");
    // proxy-id-* belong to tunnel-interface SAs.
    let e = err(&POLICY_BASED.replace("ike p2 esp enable", "ike p2 esp enable proxy-id-local any"));
    assert!(
        e.contains("pb.conf:8:") && e.contains("security-policy"),
        "{e}"
    );
    // An SA no security policy names protects nothing: a warning.
    let lone: String = POLICY_BASED
        .lines()
        .filter(|l| !l.starts_with("ipsec security-policy"))
        .map(|l| format!("{l}\n"))
        .collect();
    let c = seil::parse("pb.conf", &lone).unwrap();
    assert!(c.engine.policies.is_empty());
    assert!(
        c.warnings
            .iter()
            .any(|w| w.line == 8 && w.message.contains("protects nothing")),
        "{:?}",
        c.warnings
    );
}
