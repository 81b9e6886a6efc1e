//! Every personality's site config ([`Personality::site_config`]) parses into the tunnel it
//! describes, and each of its fixes ([`Personality::fix`]), applied to that text as a user
//! would apply them ([`apply`]), parses into the setting the fix was asked for. What is checked
//! is what the mismatch asked, not what the code wrote: a fix that edits the wrong line, or a
//! line the parser reads differently, fails here.

use std::net::Ipv4Addr;
use std::sync::Arc;

use ikelab_peers::crypto::{CipherAlg, DhGroup, HashAlg};
use ikelab_peers::esp::IntegAlg;
use ikelab_peers::ike::{EngineConfig, ExchangeMode, Phase1Proposal, Phase2Proposal, QmId};
use ikelab_peers::personality::{Mismatch, Personalities, Personality, RouterConfig, Site, apply};
use ikelab_peers::prefix::Ipv4Net;
use ikelab_peers::wire::IdData;

const FILE: &str = "site.conf";

fn net(a: [u8; 4], len: u8) -> Ipv4Net {
    Ipv4Net {
        addr: Ipv4Addr::from(a),
        prefix_len: len,
    }
}

/// An addressing unlike the document's, so that nothing it hard-codes can pass.
fn site() -> Site<'static> {
    Site {
        hostname: "branch7",
        wan: net([203, 0, 113, 9], 29),
        lan: net([10, 77, 3, 1], 24),
        gateway: Some(Ipv4Addr::new(203, 0, 113, 14)),
        peer: Ipv4Addr::new(198, 51, 100, 14),
        peer_lan: net([10, 88, 0, 0], 16),
        psk: "Site-Key_42",
        responder: false,
    }
}

/// Every built-in personality that writes site configs.
fn writers() -> Vec<(Arc<dyn Personality>, String)> {
    let table = Personalities::builtin();
    let mut out = vec![];
    for name in ["seil", "ix", "rtx", "ios"] {
        if let Some(p) = table.get(name)
            && let Some(text) = p.site_config(&site())
        {
            out.push((p, text));
        }
    }
    assert!(
        out.len() >= 4,
        "SEIL, the IX, the RTX and IOS write site configs"
    );
    out
}

fn parse(p: &dyn Personality, text: &str) -> RouterConfig {
    match p.parse(FILE, text) {
        Ok(parsed) => parsed.router,
        Err(e) => panic!("{}: {e}\n{text}", p.vendor()),
    }
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

#[test]
fn a_site_config_parses_into_the_tunnel_it_describes() {
    let s = site();
    for (p, text) in writers() {
        let v = p.vendor();
        let r = parse(&*p, &text);
        let e = &r.engine;
        assert_eq!(e.peers.len(), 1, "{v}");
        let peer = &e.peers[0];
        assert_eq!(peer.remote, Some(s.peer), "{v}");
        assert_eq!(peer.local, s.wan.addr, "{v}");
        assert_eq!(peer.psk, s.psk.as_bytes(), "{v}");
        assert_eq!(peer.mode, ExchangeMode::Main, "{v}");
        let p1 = &peer.proposals[0];
        assert_eq!(
            (p1.cipher, p1.hash, p1.group),
            (
                CipherAlg::AesCbc { key_len: 16 },
                HashAlg::Sha1,
                DhGroup::Modp1024
            ),
            "{v}"
        );
        assert_eq!(e.policies.len(), 1, "{v}");
        let pol = &e.policies[0];
        assert_eq!(pol.peer, peer.name, "{v}");
        assert_eq!(pol.pfs, None, "{v}");
        let p2 = &pol.proposals[0];
        assert_eq!(
            (p2.cipher, p2.integ),
            (CipherAlg::AesCbc { key_len: 16 }, IntegAlg::HmacSha1_96),
            "{v}"
        );
        // The far LAN is reached through the tunnel.
        assert!(
            r.routes
                .iter()
                .any(|rt| rt.prefix.network() == s.peer_lan.network()
                    && rt.prefix.prefix_len == s.peer_lan.prefix_len),
            "{v}: no route to {}: {:?}",
            s.peer_lan,
            r.routes
        );
        // A device with a host name command writes it (the RTX has none in its IPsec part).
        assert!(
            r.hostname.is_none() || r.hostname.as_deref() == Some(s.hostname),
            "{v}"
        );
        // As a responder it starts nothing on its own.
        let responder = Site {
            responder: true,
            ..site()
        };
        let text = p.site_config(&responder).expect("a responder's config");
        let e = parse(&*p, &text).engine;
        assert!(!e.policies.iter().any(|x| x.auto_start), "{v}");
    }
}

/// Applies the fix `p` gives for `mismatch` to the config `text` and parses the result.
fn fixed(p: &dyn Personality, text: &str, mismatch: Mismatch<'_>) -> EngineConfig {
    let before = parse(p, text);
    let edits = p
        .fix(&before, &mismatch)
        .unwrap_or_else(|| panic!("{}: no fix for {mismatch:?}", p.vendor()));
    let after = apply(FILE, text, &edits).unwrap_or_else(|e| panic!("{}: {e}\n{text}", p.vendor()));
    parse(p, &after).engine
}

#[test]
fn each_fix_applied_to_a_site_config_gives_what_was_asked() {
    let s = site();
    for (p, text) in writers() {
        let v = p.vendor();
        let policy = |e: &EngineConfig| e.policies[0].name.clone();
        // Phase-2 IDs: the gateways, then the LANs.
        for (local, remote) in [
            (host(s.wan.addr), host(s.peer)),
            (subnet(s.lan), subnet(s.peer_lan)),
        ] {
            let name = policy(&parse(&*p, &text).engine);
            let e = fixed(
                &*p,
                &text,
                Mismatch::Ids {
                    policy: &name,
                    local: &local,
                    remote: &remote,
                },
            );
            assert_eq!(
                e.policies[0].qm_ids(),
                (local.clone(), remote.clone()),
                "{v}"
            );
        }
        // PFS on.
        let name = policy(&parse(&*p, &text).engine);
        let e = fixed(
            &*p,
            &text,
            Mismatch::Pfs {
                policy: &name,
                group: Some(DhGroup::Modp1024),
            },
        );
        assert_eq!(e.policies[0].pfs, Some(DhGroup::Modp1024), "{v}");
        // Another phase-2 transform.
        let want2 = Phase2Proposal {
            cipher: CipherAlg::TripleDesCbc,
            integ: IntegAlg::HmacSha1_96,
            lifetime: parse(&*p, &text).engine.policies[0].proposals[0].lifetime,
            lifetime_kb: None,
        };
        let e = fixed(
            &*p,
            &text,
            Mismatch::Phase2Proposal {
                policy: &name,
                proposal: &want2,
            },
        );
        let got = &e.policies[0].proposals;
        assert!(
            got.iter()
                .any(|x| (x.cipher, x.integ) == (want2.cipher, want2.integ)),
            "{v}: {got:?}"
        );
        // Another phase-1 proposal.
        let peer = parse(&*p, &text).engine.peers[0].name.clone();
        let want1 = Phase1Proposal {
            cipher: CipherAlg::TripleDesCbc,
            hash: HashAlg::Sha1,
            group: DhGroup::Modp1536,
            lifetime: parse(&*p, &text).engine.peers[0].proposals[0].lifetime,
            lifetime_kb: None,
        };
        let e = fixed(
            &*p,
            &text,
            Mismatch::Phase1Proposal {
                peer: &peer,
                proposal: &want1,
            },
        );
        let got = &e.peers[0].proposals;
        assert!(
            got.iter()
                .any(|x| (x.cipher, x.hash, x.group) == (want1.cipher, want1.hash, want1.group)),
            "{v}: {got:?}"
        );
        // Aggressive Mode; the RTX's needs a name (`ipsec ike local name`) its fixes cannot
        // make up, and IOS's an ISAKMP profile (not modelled), so they offer none and a
        // diagnosis turns to the other side.
        let m = Mismatch::ExchangeMode {
            peer: &peer,
            mode: ExchangeMode::Aggressive,
        };
        if matches!(v.name(), "rtx" | "ios") {
            assert!(p.fix(&parse(&*p, &text), &m).is_none());
        } else {
            let e = fixed(&*p, &text, m);
            assert_eq!(e.peers[0].mode, ExchangeMode::Aggressive, "{v}");
        }
    }
}

#[test]
fn a_key_that_is_not_one_plain_word_is_not_written() {
    for k in ["two words", "quo\"te", "", "back\\slash", "tab\there"] {
        let s = Site { psk: k, ..site() };
        for name in ["seil", "ix", "rtx", "ios"] {
            let p = Personalities::builtin().get(name).unwrap();
            assert_eq!(p.site_config(&s), None, "{name} {k:?}");
        }
    }
}
