//! Two routers from their personalities' site configs ([`Personality::site_config`]), varied by
//! their own fixes, run in-process with an addressing unlike the document's: the building block
//! of `ikelab matrix`. Outcomes are the document's and the reference's (the IX refuses 0.0.0.0/0
//! against its host IDs with `IKE.043` and INVALID-ID-INFORMATION; both defaults agree on
//! 0.0.0.0/0), not this code's.

use std::net::Ipv4Addr;
use std::sync::Arc;

use ikelab::diagnose::{FindingKind, findings};
use ikelab::report::RunResult;
use ikelab::scenario::{build, load_routers};
use ikelab_peers::ike::{EventKind, QmId};
use ikelab_peers::personality::{Mismatch, Personalities, Personality, Site, apply};
use ikelab_peers::prefix::Ipv4Net;
use ikelab_peers::wire::IdData;

fn net(a: [u8; 4], len: u8) -> Ipv4Net {
    Ipv4Net {
        addr: Ipv4Addr::from(a),
        prefix_len: len,
    }
}

/// Two sites on one WAN, 100.64.7.0/24, with LANs 10.20.0.0/22 and 10.30.5.0/24.
fn sites() -> [Site<'static>; 2] {
    let a = Site {
        hostname: "site-a",
        wan: net([100, 64, 7, 21], 24),
        lan: net([10, 20, 1, 254], 22),
        gateway: None,
        peer: Ipv4Addr::new(100, 64, 7, 42),
        peer_lan: net([10, 30, 5, 0], 24),
        psk: "matrix-Key.7",
        responder: false,
    };
    let b = Site {
        hostname: "site-b",
        wan: net([100, 64, 7, 42], 24),
        lan: net([10, 30, 5, 1], 24),
        gateway: None,
        peer: a.wan.addr,
        peer_lan: net([10, 20, 0, 0], 22),
        psk: a.psk,
        responder: true,
    };
    [a, b]
}

fn personality(name: &str) -> Arc<dyn Personality> {
    Personalities::builtin().get(name).expect("built in")
}

fn host(a: Ipv4Addr) -> QmId {
    QmId {
        data: IdData::Ipv4Addr(a),
        protocol: 0,
        port: 0,
    }
}

fn subnet(n: Ipv4Net) -> QmId {
    QmId {
        data: IdData::Ipv4Subnet(n.network(), Ipv4Addr::from(n.mask())),
        protocol: 0,
        port: 0,
    }
}

/// `site`'s config for `p`, with its phase-2 IDs set to `ids` by its own fix if given.
fn config(p: &dyn Personality, site: &Site<'_>, ids: Option<(QmId, QmId)>) -> String {
    let text = p.site_config(site).expect("a site config");
    let Some((local, remote)) = ids else {
        return text;
    };
    let parsed = p.parse("site.conf", &text).expect("parses").router;
    let policy = parsed.engine.policies[0].name.clone();
    let m = Mismatch::Ids {
        policy: &policy,
        local: &local,
        remote: &remote,
    };
    let edits = p.fix(&parsed, &m).expect("a fix for IDs");
    apply("site.conf", &text, &edits).expect("the fix applies")
}

/// Runs `a` (site A) against `b` (site B).
fn run(a: (&str, &str), b: (&str, &str)) -> RunResult {
    let (pa, pb) = (personality(a.0), personality(b.0));
    let routers = [("a", pa, "a.conf", a.1), ("b", pb, "b.conf", b.1)];
    let loaded = load_routers(&routers).expect("loads");
    let mut built = build(&loaded, Some(3)).expect("builds");
    built.lab.run();
    built.result()
}

fn phase2_up(r: &RunResult, router: &str) -> bool {
    r.routers.iter().filter(|x| x.name == router).any(|x| {
        x.stack
            .borrow()
            .events
            .iter()
            .any(|e| matches!(e.kind, EventKind::Phase2Established { .. }))
    })
}

fn log(r: &RunResult, router: &str) -> String {
    ikelab::report::logs(r, None)
        .expect("in memory")
        .into_iter()
        .find(|(n, _)| n == router)
        .map(|(_, t)| t)
        .expect("router")
}

#[test]
fn seil_and_ix_defaults_agree_on_any_to_any_at_any_addressing() {
    let [sa, sb] = sites();
    let a = config(&*personality("seil"), &sa, None);
    let b = config(&*personality("ix"), &sb, None);
    let r = run(("seil", &a), ("ix", &b));
    assert!(phase2_up(&r, "a") && phase2_up(&r, "b"));
    assert!(!r.pings.is_empty());
    for p in &r.pings {
        assert!(p.sent > 0 && p.received == p.sent, "{p:?}");
    }
}

#[test]
fn the_documents_failure_at_other_addresses_ix_host_ids_against_seil_defaults() {
    let [sa, sb] = sites();
    let a = config(&*personality("seil"), &sa, None);
    let ix_ids = (host(sb.wan.addr), host(sb.peer));
    let b = config(&*personality("ix"), &sb, Some(ix_ids));
    let r = run(("seil", &a), ("ix", &b));
    assert!(!phase2_up(&r, "a") && !phase2_up(&r, "b"));
    // The document's lines, at these addresses.
    let ix = log(&r, "b");
    assert!(
        ix.contains("IKE.043: IPsec configuration not found"),
        "{ix}"
    );
    assert!(
        ix.contains("type 18:INVALID-ID-INFORMATION, protocol ISAKMP"),
        "{ix}"
    );
    let seil = log(&r, "a");
    assert!(
        seil.contains("received INVALID-ID-INFORMATION notification from 100.64.7.42[500]"),
        "{seil}"
    );
    let kinds: Vec<FindingKind> = findings(&r).iter().map(|f| f.kind).collect();
    assert!(
        kinds.contains(&FindingKind::Phase2IdAnyOnOneSide),
        "{kinds:?}"
    );
}

#[test]
fn subnet_ids_on_both_sides_come_up() {
    let [sa, sb] = sites();
    let a = config(
        &*personality("seil"),
        &sa,
        Some((subnet(sa.lan), subnet(sa.peer_lan))),
    );
    let b = config(
        &*personality("ix"),
        &sb,
        Some((subnet(sb.lan), subnet(sb.peer_lan))),
    );
    let r = run(("seil", &a), ("ix", &b));
    assert!(phase2_up(&r, "a") && phase2_up(&r, "b"));
    assert!(!r.pings.is_empty());
    for p in &r.pings {
        assert!(p.sent > 0 && p.received == p.sent, "{p:?}");
    }
}
