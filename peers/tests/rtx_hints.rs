//! Fix hints in the RTX's commands (`Personality::fix`): each mismatch a diagnosis can report
//! becomes edits of the lines the config has (or lines added after the policy or gateway they
//! belong with), written as chapter 15 of the command reference writes the commands.

use std::time::Duration;

use ikelab_peers::crypto::{CipherAlg, DhGroup, HashAlg};
use ikelab_peers::esp::IntegAlg;
use ikelab_peers::ike::{ExchangeMode, Phase1Proposal, Phase2Proposal, QmId, Selector};
use ikelab_peers::personality::{Edit, EditKind, Mismatch, Personality, RouterConfig, rtx};
use ikelab_peers::prefix::Ipv4Net;

fn valid(name: &str) -> RouterConfig {
    let p = format!(
        "{}/../tests/fixtures/rtx/valid/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&p).unwrap();
    rtx::parse(name, &text).unwrap_or_else(|e| panic!("{e}"))
}

fn id(s: &str) -> QmId {
    let n: Ipv4Net = s.parse().unwrap();
    Selector::net(n.addr, n.prefix_len).to_id()
}

fn fix(c: &RouterConfig, m: Mismatch<'_>) -> Option<Vec<Edit>> {
    rtx::Rtx.fix(c, &m)
}

fn replace(line: usize, new: &str) -> (usize, String, String) {
    (line, "replace".into(), new.into())
}

fn after(line: usize, new: &str) -> (usize, String, String) {
    (line, "after".into(), new.into())
}

fn shape(edits: &[Edit]) -> Vec<(usize, String, String)> {
    edits
        .iter()
        .map(|e| match &e.change {
            EditKind::Replace { new, .. } => (e.line, "replace".into(), new.clone()),
            EditKind::InsertAfter { new } => (e.line, "after".into(), new.clone()),
            EditKind::InsertBefore { new } => (e.line, "before".into(), new.clone()),
        })
        .collect()
}

#[test]
fn ids_rewrite_the_id_lines() {
    let c = valid("document-lab.conf");
    let (l, r) = (id("192.168.1.0/24"), id("192.168.0.0/24"));
    let edits = fix(
        &c,
        Mismatch::Ids {
            policy: "1",
            local: &l,
            remote: &r,
        },
    )
    .unwrap();
    assert_eq!(
        shape(&edits),
        [
            replace(16, "ipsec ike local id 1 192.168.1.0/24"),
            replace(19, "ipsec ike remote id 1 192.168.0.0/24"),
        ]
    );
}

#[test]
fn ids_are_added_to_an_rtx_without_them_unless_the_endpoints_are_wanted() {
    let c = valid("no-ids.conf");
    let (l, r) = (id("192.168.1.0/24"), id("192.168.0.0/24"));
    let edits = fix(
        &c,
        Mismatch::Ids {
            policy: "1",
            local: &l,
            remote: &r,
        },
    )
    .unwrap();
    assert_eq!(
        shape(&edits),
        [
            after(8, "ipsec ike local id 1 192.168.1.0/24"),
            after(8, "ipsec ike remote id 1 192.168.0.0/24"),
        ]
    );
    // No IDs already stand for the two gateways (RFC 2409 5.5).
    let (l, r) = (id("172.16.0.2/32"), id("172.16.0.1/32"));
    let edits = fix(
        &c,
        Mismatch::Ids {
            policy: "1",
            local: &l,
            remote: &r,
        },
    )
    .unwrap();
    assert!(edits.is_empty(), "{edits:?}");
}

#[test]
fn ids_on_the_policy_line_are_changed_there_in_one_edit() {
    let c = valid("lan-to-lan.conf");
    let (l, r) = (id("10.20.0.0/25"), id("10.10.0.0/24"));
    let edits = fix(
        &c,
        Mismatch::Ids {
            policy: "301",
            local: &l,
            remote: &r,
        },
    )
    .unwrap();
    assert_eq!(
        shape(&edits),
        [replace(
            10,
            "ipsec sa policy 301 3 esp aes256-cbc sha256-hmac local-id=10.20.0.0/25 remote-id=10.10.0.0/24 anti-replay-check=on"
        )]
    );
}

#[test]
fn pfs_turns_on_with_its_group() {
    let c = valid("no-ids.conf");
    let edits = fix(
        &c,
        Mismatch::Pfs {
            policy: "1",
            group: Some(DhGroup::Modp1024),
        },
    )
    .unwrap();
    // One group (the default modp1024) serves both phases.
    assert_eq!(shape(&edits), [after(8, "ipsec ike pfs 1 on")]);
    let edits = fix(
        &c,
        Mismatch::Pfs {
            policy: "1",
            group: Some(DhGroup::Modp2048),
        },
    )
    .unwrap();
    assert_eq!(
        shape(&edits),
        [
            after(8, "ipsec ike pfs 1 on"),
            after(8, "ipsec ike group 1 modp1024 modp2048"),
        ]
    );
    let c = valid("lan-to-lan.conf");
    let edits = fix(
        &c,
        Mismatch::Pfs {
            policy: "301",
            group: None,
        },
    )
    .unwrap();
    assert_eq!(shape(&edits), [replace(15, "ipsec ike pfs 3 off")]);
}

#[test]
fn proposals_lifetimes_keys_addresses_and_routes() {
    let c = valid("document-lab.conf");
    let p1 = Phase1Proposal {
        cipher: CipherAlg::TripleDesCbc,
        hash: HashAlg::Sha1,
        group: DhGroup::Modp1024,
        lifetime: Duration::from_secs(600),
        lifetime_kb: None,
    };
    let edits = fix(
        &c,
        Mismatch::Phase1Proposal {
            peer: "1",
            proposal: &p1,
        },
    )
    .unwrap();
    assert_eq!(
        shape(&edits),
        [replace(12, "ipsec ike encryption 1 3des-cbc")]
    );
    let p2 = Phase2Proposal {
        cipher: CipherAlg::AesCbc { key_len: 32 },
        integ: IntegAlg::HmacSha1_96,
        lifetime: Duration::from_secs(3600),
        lifetime_kb: None,
    };
    let edits = fix(
        &c,
        Mismatch::Phase2Proposal {
            policy: "1",
            proposal: &p2,
        },
    )
    .unwrap();
    assert_eq!(
        shape(&edits),
        [
            replace(9, "ipsec sa policy 1 1 esp aes256-cbc sha-hmac"),
            replace(10, "ipsec ike duration ipsec-sa 1 3600"),
        ]
    );
    let edits = fix(
        &c,
        Mismatch::PreSharedKey {
            peer: "1",
            key: b"fugafuga",
        },
    )
    .unwrap();
    assert_eq!(
        shape(&edits),
        [replace(17, "ipsec ike pre-shared-key 1 text fugafuga")]
    );
    let edits = fix(
        &c,
        Mismatch::PeerAddress {
            peer: "1",
            address: "172.16.0.9".parse().unwrap(),
        },
    )
    .unwrap();
    assert_eq!(
        shape(&edits),
        [replace(18, "ipsec ike remote address 1 172.16.0.9")]
    );
    let edits = fix(
        &c,
        Mismatch::Route {
            prefix: "192.168.5.0/24".parse().unwrap(),
            interface: "tunnel1",
        },
    )
    .unwrap();
    assert_eq!(
        shape(&edits),
        [after(6, "ip route 192.168.5.0/24 gateway tunnel 1")]
    );
    // Not one line on an RTX: offered to the other side.
    assert!(
        fix(
            &c,
            Mismatch::ExchangeMode {
                peer: "1",
                mode: ExchangeMode::Aggressive,
            }
        )
        .is_none()
    );
}
