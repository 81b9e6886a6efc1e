//! The Yamaha RTX config dialect (`ikelab_peers::personality::rtx`): the configs of
//! `tests/fixtures/rtx/valid/` mean what chapter 15 of Yamaha's command reference says, with its
//! defaults; the document's lab with an RTX in place of the IX agrees with the IX's config; and
//! the personality table knows the RTX by its names.

use std::net::Ipv4Addr;
use std::time::Duration;

use ikelab_peers::crypto::{CipherAlg, DhGroup, HashAlg};
use ikelab_peers::esp::IntegAlg;
use ikelab_peers::ike::{
    Dpd, EncapMode, ExchangeMode, IdMatch, IdPayloads, Identity, InitialContact, MissingIds,
    NatTraversal, Phase1Proposal, Phase2Proposal, QmId, Selector,
};
use ikelab_peers::personality::{
    Interface, InterfaceKind, NextHop, Personalities, Route, RouterConfig, Vendor, ix, rtx,
};
use ikelab_peers::prefix::Ipv4Net;
use ikelab_peers::wire::IdData;

fn ip(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

fn net(s: &str) -> Ipv4Net {
    s.parse().unwrap()
}

fn host_id(s: &str) -> QmId {
    QmId {
        data: IdData::Ipv4Addr(ip(s)),
        protocol: 0,
        port: 0,
    }
}

fn subnet_id(a: &str, mask: &str) -> QmId {
    QmId {
        data: IdData::Ipv4Subnet(ip(a), ip(mask)),
        protocol: 0,
        port: 0,
    }
}

fn fixture(path: &str) -> String {
    let p = format!("{}/../tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

fn valid(name: &str) -> RouterConfig {
    match rtx::parse(name, &fixture(&format!("rtx/valid/{name}"))) {
        Ok(c) => c,
        Err(e) => panic!("expected {name} to parse:\n{e}"),
    }
}

fn ok(text: &str) -> RouterConfig {
    rtx::parse("test.conf", text).unwrap_or_else(|e| panic!("expected the config to parse:\n{e}"))
}

#[test]
fn the_document_lab_with_an_rtx_in_place_of_the_ix() {
    let c = valid("document-lab.conf");
    assert_eq!(c.vendor, Vendor::Rtx);
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    assert_eq!(
        c.interfaces,
        vec![
            Interface {
                name: "lan1".into(),
                address: Some(net("192.168.1.1/24")),
                unnumbered: None,
                kind: InterfaceKind::Ethernet,
                up: true,
            },
            Interface {
                name: "lan2".into(),
                address: Some(net("172.16.0.2/24")),
                unnumbered: None,
                kind: InterfaceKind::Ethernet,
                up: true,
            },
            Interface {
                name: "tunnel1".into(),
                address: None,
                unnumbered: None,
                kind: InterfaceKind::IpsecTunnel {
                    local: ip("172.16.0.2"),
                    remote: ip("172.16.0.1"),
                },
                up: true,
            },
        ]
    );
    assert_eq!(
        c.routes,
        vec![Route {
            prefix: net("192.168.0.0/24"),
            via: NextHop::Interface("tunnel1".into()),
        }]
    );
    let [peer] = c.engine.peers.as_slice() else {
        panic!("{:?}", c.engine.peers)
    };
    assert_eq!(peer.name, "1");
    assert_eq!(peer.local, ip("172.16.0.2"));
    assert_eq!(peer.remote, Some(ip("172.16.0.1")));
    assert_eq!(peer.psk, b"hogehoge");
    assert_eq!(peer.mode, ExchangeMode::Main);
    assert_eq!(peer.my_id, Identity::Address);
    assert!(!peer.responder_only);
    assert_eq!(peer.nat_traversal, NatTraversal::Off);
    assert_eq!(peer.dpd, None);
    let [policy] = c.engine.policies.as_slice() else {
        panic!("{:?}", c.engine.policies)
    };
    assert_eq!(policy.peer, "1");
    assert_eq!(policy.local, Selector::host(ip("172.16.0.2")));
    assert_eq!(policy.remote, Selector::host(ip("172.16.0.1")));
    assert_eq!(policy.mode, EncapMode::Tunnel);
    assert!(policy.route_based);
    assert_eq!(policy.id_payloads, IdPayloads::Sent);
    assert!(!policy.auto_start, "no `ipsec auto refresh on`");
    assert_eq!(policy.pfs, None);

    // What is negotiated is the document's IX2015's: the same proposals and phase-2 IDs.
    let doc = ix::parse("ix.conf", &fixture("document/ix.conf")).unwrap();
    assert_eq!(peer.proposals, doc.engine.peers[0].proposals);
    assert_eq!(policy.proposals, doc.engine.policies[0].proposals);
    assert_eq!(policy.qm_ids(), doc.engine.policies[0].qm_ids());
    assert_eq!(
        policy.qm_ids(),
        (host_id("172.16.0.2"), host_id("172.16.0.1"))
    );
    // ... spelled out: AES-128/SHA-1/MODP1024 for 600 s, ESP AES-128/HMAC-SHA1 for 300 s.
    assert_eq!(
        peer.proposals,
        vec![Phase1Proposal {
            cipher: CipherAlg::AesCbc { key_len: 16 },
            hash: HashAlg::Sha1,
            group: DhGroup::Modp1024,
            lifetime: Duration::from_secs(600),
            lifetime_kb: None,
        }]
    );
    assert_eq!(
        policy.proposals,
        vec![Phase2Proposal {
            cipher: CipherAlg::AesCbc { key_len: 16 },
            integ: IntegAlg::HmacSha1_96,
            lifetime: Duration::from_secs(300),
            lifetime_kb: None,
        }]
    );
}

#[test]
fn without_ids_quick_mode_carries_none_and_stands_for_the_endpoints() {
    let c = valid("no-ids.conf");
    let p = &c.engine.policies[0];
    assert_eq!(p.id_payloads, IdPayloads::Omitted);
    assert_eq!(p.ids, None);
    // RFC 2409 5.5: the gateways' addresses.
    assert_eq!(p.qm_ids(), (host_id("172.16.0.2"), host_id("172.16.0.1")));
    assert!(p.auto_start, "`ipsec auto refresh on`");
}

#[test]
fn defaults_are_the_command_references() {
    let c = ok("ip lan2 address 203.0.113.2/24\n\
                tunnel select 1\n\
                ipsec tunnel 1\n\
                ipsec sa policy 1 1 esp sha-hmac\n\
                ipsec ike pre-shared-key 1 text k\n\
                ipsec ike remote address 1 203.0.113.1\n\
                tunnel enable 1\n");
    // ipsec ike encryption 3des-cbc, hash sha, group modp1024, durations 28800 s.
    assert_eq!(
        c.engine.peers[0].proposals,
        vec![Phase1Proposal {
            cipher: CipherAlg::TripleDesCbc,
            hash: HashAlg::Sha1,
            group: DhGroup::Modp1024,
            lifetime: Duration::from_secs(28_800),
            lifetime_kb: None,
        }]
    );
    // ipsec sa policy: encryption aes-cbc by default.
    let p = &c.engine.policies[0];
    assert_eq!(
        p.proposals,
        vec![Phase2Proposal {
            cipher: CipherAlg::AesCbc { key_len: 16 },
            integ: IntegAlg::HmacSha1_96,
            lifetime: Duration::from_secs(28_800),
            lifetime_kb: None,
        }]
    );
    // PFS off, no IDs, no NAT traversal, not started (auto refresh off).
    assert_eq!(p.pfs, None);
    assert_eq!(p.id_payloads, IdPayloads::Omitted);
    assert!(!p.auto_start);
    assert_eq!(c.engine.peers[0].nat_traversal, NatTraversal::Off);
    // The local address: the interface nearest the peer.
    assert_eq!(c.engine.peers[0].local, ip("203.0.113.2"));
    let b = &c.engine.behaviour;
    assert_eq!(b.rekey_percent, 75);
    assert_eq!(b.id_match, IdMatch::Lenient);
    assert_eq!(b.missing_ids, MissingIds::PeerPolicy);
    assert_eq!(b.initial_contact, InitialContact::Off);
    assert!(b.vendor_ids.is_empty());
    assert_eq!(b.retransmit.interval, Duration::from_secs(5));
    assert_eq!(b.retransmit.tries, 11);
}

#[test]
fn lan_to_lan_with_subnet_ids_pfs_dpd_and_strictness() {
    let c = valid("lan-to-lan.conf");
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    let peer = &c.engine.peers[0];
    assert_eq!(peer.name, "3");
    assert_eq!(peer.local, ip("198.51.100.2"), "through the default route");
    assert_eq!(peer.remote, Some(ip("203.0.113.1")));
    assert_eq!(peer.psk, b"key-42");
    assert_eq!(peer.nat_traversal, NatTraversal::Force);
    assert_eq!(
        peer.dpd,
        Some(Dpd {
            interval: Duration::from_secs(15),
            retry: Duration::from_secs(15),
            max_fails: 4,
        })
    );
    assert_eq!(
        peer.proposals,
        vec![Phase1Proposal {
            cipher: CipherAlg::AesCbc { key_len: 32 },
            hash: HashAlg::Sha256,
            group: DhGroup::Modp1536,
            lifetime: Duration::from_secs(86_400),
            lifetime_kb: None,
        }]
    );
    let p = &c.engine.policies[0];
    assert_eq!(p.name, "301");
    // local-id= on the policy line wins over `ipsec ike local id`; with a mask, type 4.
    assert_eq!(
        p.ids,
        Some((
            subnet_id("10.20.0.0", "255.255.255.0"),
            subnet_id("10.10.0.0", "255.255.0.0")
        ))
    );
    assert_eq!(p.id_payloads, IdPayloads::Sent);
    // The second group is the PFS group.
    assert_eq!(p.pfs, Some(DhGroup::Modp2048));
    assert_eq!(
        p.proposals,
        vec![Phase2Proposal {
            cipher: CipherAlg::AesCbc { key_len: 32 },
            integ: IntegAlg::HmacSha256_128,
            lifetime: Duration::from_secs(3600),
            lifetime_kb: None,
        }]
    );
    assert_eq!(c.engine.behaviour.id_match, IdMatch::Exact);
    assert_eq!(c.engine.behaviour.missing_ids, MissingIds::Endpoints);
    assert_eq!(c.engine.behaviour.retransmit.tries, 5);
    assert_eq!(
        c.engine.behaviour.retransmit.interval,
        Duration::from_secs(8)
    );
    assert!(c.routes.contains(&Route {
        prefix: net("10.10.0.0/16"),
        via: NextHop::Interface("tunnel3".into()),
    }));
}

#[test]
fn any_peer_aggressive_mode_and_a_disabled_tunnel() {
    let c = valid("hub-any.conf");
    let any = c.engine.peers.iter().find(|p| p.name == "1").unwrap();
    assert_eq!(any.remote, None);
    assert!(any.responder_only);
    assert_eq!(any.local, ip("203.0.113.10"));
    let named = c.engine.peers.iter().find(|p| p.name == "2").unwrap();
    assert_eq!(named.mode, ExchangeMode::Aggressive);
    assert_eq!(named.my_id, Identity::Fqdn("hub.example.jp".into()));
    // Tunnel 2 is not enabled: its interface is down and it has no policy.
    assert_eq!(c.engine.policies.len(), 1);
    let p = &c.engine.policies[0];
    assert!(!p.auto_start, "`remote address any` never starts");
    assert_eq!(p.proposals[0].cipher, CipherAlg::TripleDesCbc);
    assert_eq!(p.proposals[0].integ, IntegAlg::HmacMd5_96);
    let t2 = c.interfaces.iter().find(|i| i.name == "tunnel2").unwrap();
    assert!(!t2.up);
}

#[test]
fn one_id_set_sends_both_with_the_gateway_address_for_the_other() {
    let c = ok("ip lan2 address 203.0.113.2/24\n\
                tunnel select 1\n\
                ipsec tunnel 1\n\
                ipsec sa policy 1 1 esp aes-cbc sha-hmac\n\
                ipsec ike local id 1 192.168.1.0/24\n\
                ipsec ike pre-shared-key 1 text k\n\
                ipsec ike remote address 1 203.0.113.1\n\
                tunnel enable 1\n");
    let p = &c.engine.policies[0];
    assert_eq!(p.id_payloads, IdPayloads::Sent);
    assert_eq!(
        p.ids,
        Some((
            subnet_id("192.168.1.0", "255.255.255.0"),
            host_id("203.0.113.1")
        ))
    );
}

#[test]
fn unknown_and_unmodelled_commands_are_warnings() {
    let c = ok("login password secret\n\
                ip lan2 address 203.0.113.2/24\n\
                ip lan2 nat descriptor 1\n\
                frobnicate now\n\
                ipsec ike log 1 key-info\n");
    let msgs: Vec<String> = c.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(msgs.len(), 4, "{msgs:#?}");
    assert!(msgs[0].starts_with("test.conf:1:1: warning: `login` is not modelled"));
    assert!(msgs[2].contains("4:1: warning: unknown command `frobnicate`"));
}

#[test]
fn the_table_knows_the_rtx_by_its_names_after_seil_and_ix() {
    let t = Personalities::builtin();
    for name in ["rtx", "yamaha", "RTX1210", "rtx830"] {
        assert_eq!(t.get(name).map(|p| p.vendor()), Some(Vendor::Rtx), "{name}");
    }
    assert_eq!(t.outside_peer().vendor(), Vendor::Seil);
    assert_eq!(t.expected(true), "\"seil\", \"ix\", \"rtx\" or \"ios\"");
    let p = t.of(Vendor::Rtx).unwrap();
    let parsed = p
        .parse("d.conf", &fixture("rtx/valid/document-lab.conf"))
        .unwrap();
    assert_eq!(parsed.router.engine.peers.len(), 1);
    assert_eq!(p.behaviour().id_match, IdMatch::Lenient);
}
