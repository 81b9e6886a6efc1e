//! An RTX without phase-2 IDs against the document's other routers, through the one engine:
//! its Quick Mode carries no IDs (HASH, SA, Nonce), the peer takes the gateways' addresses as
//! the identities (RFC 2409 5.5), and the outcome depends on the peer's policy. The RTX stands
//! where the document's SEIL stands (172.16.0.1, LAN 192.168.0.0/24), with the document's key
//! and proposals.

mod deliver;

use std::time::Duration;

use ikelab_peers::ike::{Engine, Event, EventKind, FailReason, QmId};
use ikelab_peers::personality::{Parsed, Personalities, WallClock};
use ikelab_peers::time::Instant;
use ikelab_peers::wire::{ExchangeType, IdData, NotifyType, PayloadType};

/// The RTX in the document's SEIL's place, without phase-2 IDs; `extra` is added to it.
fn rtx_conf(extra: &str) -> String {
    format!(
        "ip lan1 address 192.168.0.1/24\n\
         ip lan2 address 172.16.0.1/24\n\
         ip route 192.168.1.0/24 gateway tunnel 1\n\
         tunnel select 1\n\
         ipsec tunnel 1\n\
         ipsec sa policy 1 1 esp aes-cbc sha-hmac\n\
         ipsec ike encryption 1 aes-cbc\n\
         ipsec ike duration isakmp-sa 1 600\n\
         ipsec ike duration ipsec-sa 1 300\n\
         ipsec ike pre-shared-key 1 text hogehoge\n\
         ipsec ike remote address 1 172.16.0.2\n\
         tunnel enable 1\n\
         tunnel select none\n\
         ipsec auto refresh on\n\
         {extra}"
    )
}

/// `rtx/valid/document-lab.conf` (the RTX in the IX's place) without its phase-2 IDs,
/// negotiating at once.
fn in_ix_place() -> String {
    let text = fixture("rtx/valid/document-lab.conf")
        .replace("  ipsec ike local id 1 172.16.0.2\n", "")
        .replace("  ipsec ike remote id 1 172.16.0.1\n", "");
    format!("{text}ipsec auto refresh on\n")
}

fn fixture(path: &str) -> String {
    let p = format!("{}/../tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

fn parsed(vendor: &str, text: &str) -> Parsed {
    let p = Personalities::builtin().get(vendor).unwrap();
    p.parse(vendor, text).unwrap_or_else(|e| panic!("{e}"))
}

struct Side {
    engine: Engine,
    events: Vec<Event>,
    log: Vec<String>,
}

/// Runs the RTX (initiating) against `peer` for a minute of virtual time.
fn run(rtx: Parsed, mut peer: Parsed) -> (Side, Side) {
    for p in &mut peer.router.engine.policies {
        p.auto_start = false;
    }
    let mut a = Engine::new(rtx.router.engine.clone(), 1);
    let mut b = Engine::new(peer.router.engine.clone(), 2);
    let mut now = Instant::ZERO;
    a.start(now);
    b.start(now);
    for _ in 0..60 {
        deliver::settle(&mut a, &mut b, now);
        now += Duration::from_secs(1);
        a.handle_timeout(now);
        b.handle_timeout(now);
    }
    let side = |mut e: Engine, p: &Parsed| {
        let mut r = p.renderer(WallClock::DOCUMENT);
        let mut events = vec![];
        let mut log = vec![];
        while let Some(ev) = e.poll_event() {
            log.extend(r.render(&ev).into_iter().map(|l| l.text));
            events.push(ev);
        }
        Side {
            engine: e,
            events,
            log,
        }
    };
    (side(a, &rtx), side(b, &peer))
}

fn host(s: &str) -> QmId {
    QmId {
        data: IdData::Ipv4Addr(s.parse().unwrap()),
        protocol: 0,
        port: 0,
    }
}

/// The payloads of the first Quick Mode message `side` received.
fn first_qm_payloads(side: &Side) -> Vec<PayloadType> {
    let mut out = vec![];
    let mut started = false;
    for e in &side.events {
        match &e.kind {
            EventKind::PayloadReceived { exchange, kind, .. }
                if *exchange == ExchangeType::QUICK_MODE =>
            {
                started = true;
                out.push(*kind);
            }
            EventKind::PacketReceived { .. } if started => break,
            _ => {}
        }
    }
    out
}

fn contains(log: &[String], line: &str) -> bool {
    log.iter().any(|l| l == line)
}

#[test]
fn the_document_seil_refuses_an_rtx_without_ids() {
    // Here the RTX is in the IX's place: the document's lab re-expressed, without its IDs.
    let (rtx, seil) = run(
        parsed("rtx", &in_ix_place()),
        parsed("seil", &fixture("document/seil-before.conf")),
    );
    assert_eq!(
        first_qm_payloads(&seil),
        vec![PayloadType::HASH, PayloadType::SA, PayloadType::NONCE]
    );
    // SEIL's 0.0.0.0/0 IDs are not the gateways' addresses.
    let refused = seil.events.iter().find_map(|e| match &e.kind {
        EventKind::NoPolicyForIds {
            initiator_id,
            responder_id,
            ..
        } => Some((initiator_id.clone(), responder_id.clone())),
        _ => None,
    });
    assert_eq!(refused, Some((host("172.16.0.2"), host("172.16.0.1"))));
    assert!(rtx.engine.ipsec_sas().is_empty());
    // The RTX's log, in the lines the sources quote.
    assert!(contains(
        &rtx.log,
        "[IKE] initiate ISAKMP phase to 172.16.0.1 (local address 172.16.0.2)"
    ));
    assert!(contains(
        &rtx.log,
        "[IKE] initiate IPsec phase to 172.16.0.1"
    ));
    assert!(contains(
        &rtx.log,
        "[IKE] receive notify INVALID-ID-INFORMATION from 172.16.0.1"
    ));
    assert!(!rtx.log.iter().any(|l| l.starts_with("IP Tunnel[")));
    assert!(seil.events.iter().any(|e| matches!(
        e.kind,
        EventKind::NotifySent {
            kind: NotifyType::INVALID_ID_INFORMATION,
            ..
        }
    )));
}

#[test]
fn the_document_ix_accepts_an_rtx_without_ids_as_its_host_ids() {
    // The IX's local-id/remote-id are the two gateways: exactly what no IDs stand for.
    let (rtx, ix) = run(
        parsed("rtx", &rtx_conf("")),
        parsed("ix", &fixture("document/ix.conf")),
    );
    assert_eq!(rtx.engine.ipsec_sas().len(), 2, "{:#?}", rtx.log);
    assert_eq!(ix.engine.ipsec_sas().len(), 2);
    assert!(!first_qm_payloads(&ix).contains(&PayloadType::ID));
    assert!(contains(
        &ix.log,
        "IKE.002: Finish IKE phase 2 negotiation, destination 172.16.0.1"
    ));
    assert!(contains(&rtx.log, "IP Tunnel[1] Up"));
    assert_eq!(
        rtx.log
            .iter()
            .filter(|l| l.as_str() == "IP Tunnel[1] Up")
            .count(),
        1
    );
}

#[test]
fn an_ix_map_for_the_lans_refuses_the_same_rtx() {
    let ix = fixture("document/ix.conf")
        .replace(
            "ipsec local-id ipsec-policy 172.16.0.2",
            "ipsec local-id ipsec-policy 192.168.1.0/24",
        )
        .replace(
            "ipsec remote-id ipsec-policy 172.16.0.1",
            "ipsec remote-id ipsec-policy 192.168.0.0/24",
        );
    let (rtx, ix) = run(parsed("rtx", &rtx_conf("")), parsed("ix", &ix));
    assert!(contains(&ix.log, "IKE.043: IPsec configuration not found"));
    assert!(rtx.engine.ipsec_sas().is_empty());
    // The fix on the RTX side: its IDs, in its own commands; then the tunnel comes up.
    let fixed =
        rtx_conf("ipsec ike local id 1 192.168.0.0/24\nipsec ike remote id 1 192.168.1.0/24\n");
    let (rtx, _) = run(
        parsed("rtx", &fixed),
        parsed(
            "ix",
            &fixture("document/ix.conf")
                .replace(
                    "ipsec local-id ipsec-policy 172.16.0.2",
                    "ipsec local-id ipsec-policy 192.168.1.0/24",
                )
                .replace(
                    "ipsec remote-id ipsec-policy 172.16.0.1",
                    "ipsec remote-id ipsec-policy 192.168.0.0/24",
                ),
        ),
    );
    assert_eq!(rtx.engine.ipsec_sas().len(), 2, "{:#?}", rtx.log);
}

#[test]
fn an_rtx_responder_is_lenient_unless_strict() {
    // The document's SEIL (0.0.0.0/0 IDs) proposing to an RTX without IDs: the RTX takes them
    // for its tunnel with that peer, unless `negotiate-strictly`. SEIL proposes transport mode
    // for its ipsec0, so here the SEIL is a second RTX sending 0.0.0.0/0 IDs in tunnel mode.
    let initiator = rtx_conf("ipsec ike local id 1 0.0.0.0/0\nipsec ike remote id 1 0.0.0.0/0\n");
    let responder = fixture("rtx/valid/document-lab.conf")
        .replace("  ipsec ike local id 1 172.16.0.2\n", "")
        .replace("  ipsec ike remote id 1 172.16.0.1\n", "");
    let (a, b) = run(parsed("rtx", &initiator), parsed("rtx", &responder));
    assert_eq!(a.engine.ipsec_sas().len(), 2, "{:#?}", b.log);
    assert!(contains(&b.log, "[IKE] respond ISAKMP phase to 172.16.0.1"));
    assert!(contains(&b.log, "[IKE] respond IPsec phase to 172.16.0.1"));
    let strict = format!("{responder}ipsec ike negotiate-strictly 1 on\n");
    let (a, b) = run(parsed("rtx", &initiator), parsed("rtx", &strict));
    assert!(a.engine.ipsec_sas().is_empty());
    assert!(
        b.log
            .iter()
            .any(|l| l
                .starts_with("[IKE] no IPsec policy for ID 0.0.0.0/0 0.0.0.0/0 from 172.16.0.1")),
        "{:#?}",
        b.log
    );
}

#[test]
fn an_rtx_responder_takes_algorithms_it_supports_unless_strict() {
    // personalities.md (chapter 15): as responder the RTX accepts any algorithm, group or PFS
    // it supports unless `ipsec ike negotiate-strictly GW on`. The initiator proposes 3DES
    // and group 14 for phase 1 and 3DES with PFS group 5 for phase 2; the responder's own
    // config says AES-128, group 2 and no PFS.
    let initiator = rtx_conf("")
        .replace(
            "ipsec ike encryption 1 aes-cbc",
            "ipsec ike encryption 1 3des-cbc",
        )
        .replace("esp aes-cbc sha-hmac", "esp 3des-cbc sha-hmac")
        + "ipsec ike group 1 modp2048 modp1536\nipsec ike pfs 1 on\n";
    let responder = fixture("rtx/valid/document-lab.conf")
        .replace("  ipsec ike local id 1 172.16.0.2\n", "")
        .replace("  ipsec ike remote id 1 172.16.0.1\n", "");
    let (a, b) = run(parsed("rtx", &initiator), parsed("rtx", &responder));
    assert_eq!(a.engine.ipsec_sas().len(), 2, "{:#?}", b.log);
    assert_eq!(b.engine.ipsec_sas().len(), 2, "{:#?}", b.log);
    let strict = format!("{responder}ipsec ike negotiate-strictly 1 on\n");
    let (a, b) = run(parsed("rtx", &initiator), parsed("rtx", &strict));
    assert!(a.engine.ipsec_sas().is_empty(), "{:#?}", b.log);
    assert!(
        b.events.iter().any(|e| matches!(
            e.kind,
            EventKind::Phase1Failed {
                reason: FailReason::NoProposalChosen,
                ..
            }
        )),
        "{:#?}",
        b.log
    );
}

#[test]
fn qm1_without_ids_with_the_rtx_defaults_is_124_bytes() {
    // 3DES (8-byte blocks), SHA-1: HASH 24 + SA 48 (no key-length attribute) + NONCE 20 = 92,
    // padded to 96, + 28 = 124.
    let conf = |local: &str, remote: &str, lan: &str, refresh: &str| {
        format!(
            "ip lan1 address {lan}\n\
             ip lan2 address {local}/24\n\
             tunnel select 1\n\
             ipsec tunnel 1\n\
             ipsec sa policy 1 1 esp 3des-cbc sha-hmac\n\
             ipsec ike pre-shared-key 1 text k\n\
             ipsec ike remote address 1 {remote}\n\
             tunnel enable 1\n\
             ipsec auto refresh {refresh}\n"
        )
    };
    let (a, b) = run(
        parsed(
            "rtx",
            &conf("172.16.0.1", "172.16.0.2", "192.168.0.1/24", "on"),
        ),
        parsed(
            "rtx",
            &conf("172.16.0.2", "172.16.0.1", "192.168.1.1/24", "off"),
        ),
    );
    assert_eq!(a.engine.ipsec_sas().len(), 2);
    let qm1 = b
        .events
        .iter()
        .skip_while(|e| !matches!(e.kind, EventKind::Phase1Established { .. }))
        .find_map(|e| match e.kind {
            EventKind::PacketReceived { len, .. } => Some(len),
            _ => None,
        });
    assert_eq!(qm1, Some(124));
}
