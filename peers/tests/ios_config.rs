//! The IOS dialect (`tests/fixtures/ios/valid/`): what each config means, IOS's documented
//! defaults, phase-2 IDs from the crypto ACL, the personality table, and fix hints.
//!
//! Golden values come from the sources, not from the parser: the `crypto isakmp policy`
//! defaults of Cisco's command reference (hash SHA-1, group 1, lifetime 86,400 s; DES and
//! rsa-sig, which this simulation refuses or leaves out), the IPsec lifetimes of IOS's debug
//! (`lifedur= 3600s and 4608000kb`), the ID types of its debug (`(type=1)` for a host,
//! `(type=4)` for a subnet), `set pfs` without a group meaning group 1, and transform sets in
//! tunnel mode unless `mode transport`.

use std::net::Ipv4Addr;
use std::time::Duration;

use ikelab_peers::crypto::{CipherAlg, DhGroup, HashAlg};
use ikelab_peers::esp::IntegAlg;
use ikelab_peers::ike::{
    EncapMode, ExchangeMode, NatTraversal, Phase1Proposal, Phase2Proposal, QmId,
};
use ikelab_peers::personality::{
    EditKind, Mismatch, Personalities, PolicyScope, RouterConfig, Severity, Vendor, ios,
};
use ikelab_peers::wire::IdData;

const HOST: &str = include_str!("../../tests/fixtures/ios/valid/host-to-host.conf");
const SUBNET: &str = include_str!("../../tests/fixtures/ios/valid/subnet-to-subnet.conf");
const DEFAULTS: &str = include_str!("../../tests/fixtures/ios/valid/defaults.conf");
const REAL: &str = include_str!("../../tests/fixtures/ios/valid/real-world.conf");

fn parse(file: &str, text: &str) -> RouterConfig {
    match ios::parse(file, text) {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    }
}

fn addr(a: [u8; 4]) -> IdData {
    IdData::Ipv4Addr(Ipv4Addr::from(a))
}

fn subnet(a: [u8; 4], m: [u8; 4]) -> IdData {
    IdData::Ipv4Subnet(Ipv4Addr::from(a), Ipv4Addr::from(m))
}

fn id(data: IdData) -> QmId {
    QmId {
        data,
        protocol: 0,
        port: 0,
    }
}

#[test]
fn host_entries_are_id_ipv4_addr() {
    let c = parse("host-to-host.conf", HOST);
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    assert_eq!(c.vendor, Vendor::Ios);
    assert_eq!(c.hostname.as_deref(), Some("ios"));
    let [peer] = &c.engine.peers[..] else {
        panic!("{:?}", c.engine.peers)
    };
    assert_eq!(peer.name, "172.16.0.1");
    assert_eq!(peer.local, Ipv4Addr::new(172, 16, 0, 2));
    assert_eq!(peer.remote, Some(Ipv4Addr::new(172, 16, 0, 1)));
    assert_eq!(peer.psk, b"hogehoge");
    assert_eq!(peer.mode, ExchangeMode::Main);
    assert!(!peer.responder_only);
    let [p] = &c.engine.policies[..] else {
        panic!("{:?}", c.engine.policies)
    };
    // `permit ip host 172.16.0.2 host 172.16.0.1`: two ID_IPV4_ADDR (type 1).
    assert_eq!(
        p.qm_ids(),
        (id(addr([172, 16, 0, 2])), id(addr([172, 16, 0, 1])))
    );
    assert_eq!(p.mode, EncapMode::Transport);
    assert!(!p.auto_start && !p.route_based);
    // The crypto map is applied to FastEthernet0/0 only: what leaves by the LAN interface is
    // not offered to the policies.
    assert_eq!(
        c.policy_scope,
        PolicyScope::Interfaces(vec!["FastEthernet0/0".to_string()])
    );
    assert!(c.policy_scope.covers("FastEthernet0/0"));
    assert!(!c.policy_scope.covers("FastEthernet0/1"));
}

#[test]
fn subnet_entries_are_id_ipv4_addr_subnet_one_policy_per_permit_line() {
    let c = parse("subnet-to-subnet.conf", SUBNET);
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    let names: Vec<&str> = c.engine.policies.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["M-15", "M-15-2"]);
    let m = [255, 255, 255, 0];
    assert_eq!(
        c.engine.policies[0].qm_ids(),
        (
            id(subnet([192, 168, 1, 0], m)),
            id(subnet([192, 168, 0, 0], m))
        )
    );
    // `host 192.168.1.10 any`: a type 1 and 0.0.0.0/0 as a subnet (type 4).
    assert_eq!(
        c.engine.policies[1].qm_ids(),
        (
            id(addr([192, 168, 1, 10])),
            id(subnet([0, 0, 0, 0], [0, 0, 0, 0]))
        )
    );
    let p = &c.engine.policies[0];
    assert_eq!(p.mode, EncapMode::Tunnel);
    assert_eq!(p.pfs, Some(DhGroup::Modp1024));
    // Transform sets in the order `set transform-set` names them, with the global lifetime.
    assert_eq!(
        p.proposals,
        [
            Phase2Proposal {
                cipher: CipherAlg::TripleDesCbc,
                integ: IntegAlg::HmacSha1_96,
                lifetime: Duration::from_secs(1800),
                lifetime_kb: Some(4_608_000),
            },
            Phase2Proposal {
                cipher: CipherAlg::AesCbc { key_len: 32 },
                integ: IntegAlg::HmacSha256_128,
                lifetime: Duration::from_secs(1800),
                lifetime_kb: Some(4_608_000),
            },
        ]
    );
    // ISAKMP policies in priority order; policy 10 takes the hash and lifetime defaults.
    let peer = &c.engine.peers[0];
    assert_eq!(
        peer.proposals,
        [
            Phase1Proposal {
                cipher: CipherAlg::TripleDesCbc,
                hash: HashAlg::Sha1,
                group: DhGroup::Modp1024,
                lifetime: Duration::from_secs(86_400),
                lifetime_kb: None,
            },
            Phase1Proposal {
                cipher: CipherAlg::AesCbc { key_len: 32 },
                hash: HashAlg::Sha256,
                group: DhGroup::Modp2048,
                lifetime: Duration::from_secs(28_800),
                lifetime_kb: None,
            },
        ]
    );
    let dpd = peer.dpd.expect("crypto isakmp keepalive 10 3");
    assert_eq!(
        (dpd.interval, dpd.retry),
        (Duration::from_secs(10), Duration::from_secs(3))
    );
}

#[test]
fn defaults_are_ios_documented_ones() {
    let c = parse("defaults.conf", DEFAULTS);
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    let peer = &c.engine.peers[0];
    // `key 0 secret123`: type 0 is the key written in the clear.
    assert_eq!(peer.psk, b"secret123");
    assert_eq!(
        peer.proposals,
        [Phase1Proposal {
            cipher: CipherAlg::AesCbc { key_len: 16 },
            hash: HashAlg::Sha1,
            group: DhGroup::Modp768,
            lifetime: Duration::from_secs(86_400),
            lifetime_kb: None,
        }]
    );
    assert_eq!(peer.nat_traversal, NatTraversal::On);
    assert_eq!(peer.dpd, None);
    let p = &c.engine.policies[0];
    assert_eq!(p.mode, EncapMode::Tunnel);
    assert_eq!(p.pfs, Some(DhGroup::Modp768), "`set pfs` alone is group 1");
    assert_eq!(p.proposals[0].lifetime, Duration::from_secs(3600));
    assert_eq!(p.proposals[0].lifetime_kb, Some(4_608_000));
    let m = [255, 255, 0, 0];
    assert_eq!(
        p.qm_ids(),
        (id(subnet([10, 1, 0, 0], m)), id(subnet([10, 2, 0, 0], m)))
    );
}

#[test]
fn a_real_running_config_parses_with_warnings_for_what_is_not_modelled() {
    let c = parse("real-world.conf", REAL);
    let warned: Vec<(usize, &str)> = c
        .warnings
        .iter()
        .map(|w| (w.line, w.message.as_str()))
        .collect();
    assert!(c.warnings.iter().all(|w| w.severity == Severity::Warning));
    let lines: Vec<usize> = warned.iter().map(|w| w.0).collect();
    // crypto pki (twice), the rsa-sig policy, the incomplete map entry, `ip nat outside`,
    // `router ospf`, `ip forward-protocol`: nothing from the banner, AAA or line blocks.
    assert_eq!(lines, [30, 35, 44, 57, 63, 73, 76], "{warned:#?}");
    assert!(warned[2].1.contains("authentication rsa-sig"));
    assert!(warned[3].1.contains("will remain disabled"));
    assert_eq!(c.engine.policies.len(), 1);
    assert_eq!(
        c.engine.policies[0].proposals[0].lifetime,
        Duration::from_secs(300)
    );
    // Only the pre-share policy is proposed.
    assert_eq!(c.engine.peers[0].proposals.len(), 1);
}

#[test]
fn the_table_knows_ios_by_three_names_and_keeps_seil_first() {
    let t = Personalities::builtin();
    for name in ["ios", "cisco", "Cisco-IOS"] {
        assert_eq!(t.get(name).map(|p| p.vendor()), Some(Vendor::Ios), "{name}");
    }
    assert_eq!(t.outside_peer().vendor(), Vendor::new("seil"));
    assert_eq!(t.of(Vendor::Ios).map(|p| p.vendor()), Some(Vendor::Ios));
}

/// The edits a hint gives, as `line: new text` (or `line+: added text`).
fn edits(c: &RouterConfig, m: &Mismatch<'_>) -> Vec<String> {
    let p = ios::Ios;
    use ikelab_peers::personality::Personality;
    p.fix(c, m)
        .expect("a hint")
        .into_iter()
        .map(|e| match e.change {
            EditKind::Replace { new, .. } => format!("{}: {new}", e.line),
            EditKind::InsertAfter { new } => format!("{}+: {new}", e.line),
            EditKind::InsertBefore { new } => format!("{}-: {new}", e.line),
        })
        .collect()
}

#[test]
fn hints_are_ios_lines() {
    let c = parse("host-to-host.conf", HOST);
    let any = id(subnet([0, 0, 0, 0], [0, 0, 0, 0]));
    // IDs: the crypto ACL's permit line.
    assert_eq!(
        edits(
            &c,
            &Mismatch::Ids {
                policy: "cmap-10",
                local: &any,
                remote: &any
            }
        ),
        ["48: access-list 100 permit ip any any"]
    );
    // PFS: `set pfs` in the crypto map entry.
    assert_eq!(
        edits(
            &c,
            &Mismatch::Pfs {
                policy: "cmap-10",
                group: Some(DhGroup::Modp1536)
            }
        ),
        ["30+:  set pfs group5"]
    );
    // A phase-2 proposal: the transform set, and the entry's lifetime.
    let p2 = Phase2Proposal {
        cipher: CipherAlg::TripleDesCbc,
        integ: IntegAlg::HmacMd5_96,
        lifetime: Duration::from_secs(300),
        lifetime_kb: None,
    };
    assert_eq!(
        edits(
            &c,
            &Mismatch::Phase2Proposal {
                policy: "cmap-10",
                proposal: &p2
            }
        ),
        [
            "27: crypto ipsec transform-set ts esp-3des esp-md5-hmac",
            "30+:  set security-association lifetime seconds 300"
        ]
    );
    // A phase-1 proposal: the policy block's lines, keeping their indentation.
    let p1 = Phase1Proposal {
        cipher: CipherAlg::TripleDesCbc,
        hash: HashAlg::Md5,
        group: DhGroup::Modp1536,
        lifetime: Duration::from_secs(600),
        lifetime_kb: None,
    };
    assert_eq!(
        edits(
            &c,
            &Mismatch::Phase1Proposal {
                peer: "172.16.0.1",
                proposal: &p1
            }
        ),
        ["20:  encr 3des", "21:  hash md5", "23:  group 5"]
    );
    // The key.
    assert_eq!(
        edits(
            &c,
            &Mismatch::PreSharedKey {
                peer: "172.16.0.1",
                key: b"fugafuga"
            }
        ),
        ["25: crypto isakmp key fugafuga address 172.16.0.1 no-xauth"]
    );
    // A named list's line keeps its indentation.
    let s = parse("subnet-to-subnet.conf", SUBNET);
    let (l, r) = (
        id(subnet([192, 168, 1, 0], [255, 255, 255, 0])),
        id(addr([192, 168, 0, 10])),
    );
    assert_eq!(
        edits(
            &s,
            &Mismatch::Ids {
                policy: "M-15",
                local: &l,
                remote: &r
            }
        ),
        ["39:  permit ip 192.168.1.0 0.0.0.255 host 192.168.0.10"]
    );
    // Every hint parses again to what was asked.
    let fixed = HOST.replace(
        "access-list 100 permit ip host 172.16.0.2 host 172.16.0.1",
        "access-list 100 permit ip any any",
    );
    let f = parse("fixed.conf", &fixed);
    assert_eq!(f.engine.policies[0].qm_ids(), (any.clone(), any));
}
