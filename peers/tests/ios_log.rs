//! A SEIL and a simulated IOS (`tests/fixtures/ios/valid/`) negotiating, engine to engine, with
//! both routers' logs rendered: the document's case with an IOS in the IX's place.
//!
//! Golden facts, from `personalities.md` (users' IOS debug logs) and the document, not from this
//! code's output:
//! - IOS answers Quick Mode IDs that match no crypto ACL entry with a PROPOSAL_NOT_CHOSEN
//!   notify for protocol 3 (ESP), and its debug says `proxy identities not supported` and
//!   `IPSec policy invalidated proposal with error 32`;
//! - SEIL logs a received notification as `received <TYPE> notification from <addr>[500]` (the
//!   document's line for INVALID-ID-INFORMATION), and keeps retransmitting QM1 until racoon's
//!   `phase2 negotiation failed due to time up`;
//! - with IDs that agree, both sides install an IPsec SA pair.

mod deliver;

use std::net::Ipv4Addr;
use std::time::Duration;

use ikelab_peers::ike::{Engine, Event, EventKind};
use ikelab_peers::personality::{LogRenderer, WallClock, ios, seil};
use ikelab_peers::time::Instant;
use ikelab_peers::wire::{NotifyType, ProtocolId};

const SEIL_BEFORE: &str = include_str!("../../tests/fixtures/document/seil-before.conf");
const SEIL_AFTER: &str = include_str!("../../tests/fixtures/document/seil-after.conf");
const IOS_HOST: &str = include_str!("../../tests/fixtures/ios/valid/host-to-host.conf");
const IOS_SUBNET: &str = include_str!("../../tests/fixtures/ios/valid/subnet-to-subnet.conf");

/// What a run gave: each side's events and log lines.
struct Run {
    seil_events: Vec<Event>,
    ios_events: Vec<Event>,
    seil_log: Vec<String>,
    ios_log: Vec<String>,
    seil_sas: usize,
    ios_sas: usize,
}

/// SEIL (`seil_conf`) initiates its first policy toward IOS (`ios_conf`); datagrams are delivered
/// at once; the run lasts `secs` virtual seconds.
fn run(seil_conf: &str, ios_conf: &str, secs: u64) -> Run {
    let s = seil::parse("seil.conf", seil_conf).expect("SEIL config");
    let i = ios::parse("ios.conf", ios_conf).expect("IOS config");
    let policy = s.engine.policies[0].name.clone();
    let mut a = Engine::new(s.engine, 1);
    let mut b = Engine::new(i.engine.clone(), 2);
    let mut seil_log = seil::SeilLog::new(WallClock::DOCUMENT, 1);
    let mut ios_log = ios::IosLog::new(WallClock::DOCUMENT, std::sync::Arc::new(i.engine));
    let mut out = Run {
        seil_events: vec![],
        ios_events: vec![],
        seil_log: vec![],
        ios_log: vec![],
        seil_sas: 0,
        ios_sas: 0,
    };
    let mut now = Instant::ZERO;
    a.start(now);
    b.start(now);
    assert!(a.initiate(now, &policy));
    let step = Duration::from_millis(100);
    for _ in 0..secs * 10 {
        deliver::settle(&mut a, &mut b, now);
        while let Some(e) = a.poll_event() {
            out.seil_log
                .extend(seil_log.render(&e).into_iter().map(|l| l.text));
            out.seil_events.push(e);
        }
        while let Some(e) = b.poll_event() {
            out.ios_log
                .extend(ios_log.render(&e).into_iter().map(|l| l.text));
            out.ios_events.push(e);
        }
        now += step;
        a.handle_timeout(now);
        b.handle_timeout(now);
    }
    out.seil_sas = a.ipsec_sas().len();
    out.ios_sas = b.ipsec_sas().len();
    out
}

fn has(lines: &[String], text: &str) -> bool {
    lines.iter().any(|l| l.contains(text))
}

const SEIL_ADDR: Ipv4Addr = Ipv4Addr::new(172, 16, 0, 1);

/// The document's failing SEIL (0.0.0.0/0 both ways) against an IOS whose crypto ACL is
/// `crypto_acl`: phase 1 comes up, phase 2 is refused with PROPOSAL_NOT_CHOSEN, protocol 3.
fn refused(ios_conf: &str) -> Run {
    let r = run(SEIL_BEFORE, ios_conf, 90);
    // Phase 1 is up on both sides.
    assert!(
        has(&r.seil_log, "ISAKMP-SA established"),
        "{:#?}",
        r.seil_log
    );
    assert!(
        has(&r.ios_log, "New State = IKE_P1_COMPLETE"),
        "{:#?}",
        r.ios_log
    );
    // IOS sends PROPOSAL_NOT_CHOSEN for ESP, never INVALID-ID-INFORMATION.
    let sent: Vec<(NotifyType, ProtocolId)> = r
        .ios_events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::NotifySent { kind, protocol, .. } => Some((kind, protocol)),
            _ => None,
        })
        .filter(|(k, _)| k.is_error())
        .collect();
    assert!(!sent.is_empty());
    assert!(
        sent.iter()
            .all(|s| *s == (NotifyType::NO_PROPOSAL_CHOSEN, ProtocolId::ESP)),
        "{sent:?}"
    );
    // SEIL receives it, for ESP.
    assert!(r.seil_events.iter().any(|e| matches!(
        e.kind,
        EventKind::NotifyReceived {
            kind: NotifyType::NO_PROPOSAL_CHOSEN,
            protocol: ProtocolId::ESP,
            ..
        }
    )));
    // The logs, in each device's words.
    for want in [
        "IPSEC(validate_proposal_request): proposal part #1",
        "IPSEC(ipsec_process_proposal): proxy identities not supported",
        "ISAKMP:(1001): IPSec policy invalidated proposal with error 32",
        "ISAKMP:(1001): phase 2 SA policy not acceptable! (local 172.16.0.2 remote 172.16.0.1)",
        "ISAKMP:(1001):Sending NOTIFY PROPOSAL_NOT_CHOSEN protocol 3",
        // The received IDs, as IOS prints proxies: 0.0.0.0/0 is a subnet (type=4).
        "remote_proxy= 0.0.0.0/0.0.0.0/0/0 (type=4),",
    ] {
        assert!(
            has(&r.ios_log, want),
            "IOS log lacks {want:?}:\n{:#?}",
            r.ios_log
        );
    }
    assert!(!has(&r.ios_log, "INVALID_ID_INFO"));
    assert!(
        has(
            &r.seil_log,
            "racoon: received NO-PROPOSAL-CHOSEN notification from 172.16.0.2[500]"
        ),
        "{:#?}",
        r.seil_log
    );
    // SEIL keeps its Quick Mode going until its retry budget is spent (KeepRetrying).
    assert!(has(
        &r.seil_log,
        "phase2 negotiation failed due to time up."
    ));
    assert_eq!((r.seil_sas, r.ios_sas), (0, 0));
    r
}

#[test]
fn zero_ids_against_a_host_to_host_acl_get_proposal_not_chosen() {
    let r = refused(IOS_HOST);
    // The crypto ACL's IDs: IOS's side is the host 172.16.0.2 (type 1).
    assert!(has(
        &r.ios_log,
        "local_proxy= 0.0.0.0/0.0.0.0/0/0 (type=4),"
    ));
}

#[test]
fn zero_ids_against_a_subnet_to_subnet_acl_get_proposal_not_chosen() {
    // The subnet config with a first ISAKMP policy SEIL's proposal (AES-128, SHA-1, group 2)
    // matches.
    let conf = IOS_SUBNET.replacen(" encr 3des", " encr aes", 1);
    let r = refused(&conf);
    assert!(has(
        &r.ios_log,
        "local_proxy= 0.0.0.0/0.0.0.0/0/0 (type=4),"
    ));
}

#[test]
fn a_phase1_proposal_ios_has_no_policy_for_is_refused() {
    // SEIL offers AES-128; the subnet config's policies are 3DES and AES-256.
    let r = run(SEIL_BEFORE, IOS_SUBNET, 5);
    for want in [
        "ISAKMP:(1001):Encryption algorithm offered does not match policy!",
        "ISAKMP:(1001):atts are not acceptable. Next payload is 3",
    ] {
        assert!(
            has(&r.ios_log, want),
            "IOS log lacks {want:?}:\n{:#?}",
            r.ios_log
        );
    }
    assert!(!has(&r.ios_log, "atts are acceptable."));
    assert!(has(
        &r.seil_log,
        "received NO-PROPOSAL-CHOSEN notification from 172.16.0.2[500]"
    ));
    assert!(has(&r.seil_log, "phase1 negotiation failed."));
}

#[test]
fn matching_ids_bring_the_tunnel_up() {
    // SEIL's fix (proxy-id-local 172.16.0.1, proxy-id-remote 172.16.0.2) mirrors the IOS ACL
    // `permit ip host 172.16.0.2 host 172.16.0.1`.
    let r = run(SEIL_AFTER, IOS_HOST, 20);
    assert_eq!(
        (r.seil_sas, r.ios_sas),
        (2, 2),
        "{:#?}\n{:#?}",
        r.seil_log,
        r.ios_log
    );
    assert!(
        !r.ios_events
            .iter()
            .any(|e| matches!(e.kind, EventKind::NotifySent { kind, .. } if kind.is_error()))
    );
    for want in [
        "ISAKMP:(1001):atts are acceptable. Next payload is 0",
        "New State = IKE_P1_COMPLETE",
        "New State = IKE_QM_PHASE2_COMPLETE",
        "IPSEC(create_sa): sa created, (sa) sa_dest= 172.16.0.1, sa_proto= 50",
        "vendor ID is DPD",
    ] {
        assert!(
            has(&r.ios_log, want),
            "IOS log lacks {want:?}:\n{:#?}",
            r.ios_log
        );
    }
    // SEIL sees IOS's Cisco Unity Vendor ID among the others.
    assert!(has(&r.seil_log, "received Vendor ID: DPD"));
    assert!(has(&r.seil_log, "IPsec-SA established: ESP/Transport"));
}

/// The other IOS of `ios_initiator_drops_its_quick_mode_on_proposal_not_chosen`: SEIL's place
/// (172.16.0.1), its crypto ACL naming the two LANs.
const IOS_LANS: &str = "hostname ios-b
crypto isakmp policy 10
 encr aes
 authentication pre-share
 group 2
 lifetime 600
crypto isakmp key hogehoge address 172.16.0.2
crypto ipsec transform-set ts esp-aes esp-sha-hmac
 mode transport
crypto map cmap 10 ipsec-isakmp
 set peer 172.16.0.2
 set transform-set ts
 match address 100
interface FastEthernet0/0
 ip address 172.16.0.1 255.255.255.0
 crypto map cmap
access-list 100 permit ip 192.168.0.0 0.0.0.255 192.168.1.0 0.0.0.255
";

#[test]
fn ios_initiator_drops_its_quick_mode_on_proposal_not_chosen() {
    let a_cfg = ios::parse("a.conf", IOS_HOST).expect("a");
    let b_cfg = ios::parse("b.conf", IOS_LANS).expect("b");
    let mut a = Engine::new(a_cfg.engine.clone(), 3);
    let mut b = Engine::new(b_cfg.engine.clone(), 4);
    let mut a_log = ios::IosLog::new(WallClock::DOCUMENT, std::sync::Arc::new(a_cfg.engine));
    let (mut a_lines, mut a_events, mut b_events) = (vec![], vec![], vec![]);
    let mut now = Instant::ZERO;
    a.start(now);
    b.start(now);
    // Traffic the crypto ACL names (an ICMP echo 172.16.0.2 -> 172.16.0.1) starts phase 1.
    let _ = a.protect(now, icmp(Ipv4Addr::new(172, 16, 0, 2), SEIL_ADDR));
    for _ in 0..600 {
        deliver::settle(&mut a, &mut b, now);
        while let Some(e) = a.poll_event() {
            a_lines.extend(a_log.render(&e).into_iter().map(|l| l.text));
            a_events.push(e);
        }
        while let Some(e) = b.poll_event() {
            b_events.push(e);
        }
        now += Duration::from_millis(100);
        a.handle_timeout(now);
        b.handle_timeout(now);
    }
    // The initiator's `IPSEC(sa_request)` block, with IOS's default IPsec lifetimes.
    for want in [
        "IPSEC(sa_request): ,",
        "(key eng. msg.) src= 172.16.0.2, dest= 172.16.0.1,",
        "src_proxy= 172.16.0.2/255.255.255.255/0/0 (type=1),",
        "protocol= ESP, transform= esp-aes esp-sha-hmac  (Transport),",
        "lifedur= 3600s and 4608000kb,",
        "ISAKMP:(1001): processing NOTIFY PROPOSAL_NOT_CHOSEN protocol 3",
        "ISAKMP:(1001):peer does not do paranoid keepalives.",
        "reason \"Delete Larval\"",
    ] {
        assert!(has(&a_lines, want), "lacks {want:?}:\n{a_lines:#?}");
    }
    // The notify named the initiator's SPI, so its Quick Mode ended at once: one QM1 only, no
    // retransmission, and the failure is the notification.
    let qm1s = b_events
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::Phase2Started {
                    initiator: false,
                    ..
                }
            )
        })
        .count();
    assert_eq!(qm1s, 1);
    assert!(a_events.iter().any(|e| matches!(
        e.kind,
        EventKind::Phase2Failed {
            reason: ikelab_peers::ike::FailReason::Notified(NotifyType::NO_PROPOSAL_CHOSEN),
            ..
        }
    )));
}

/// An IPv4 ICMP echo request from `src` to `dst`, with a valid header checksum.
fn icmp(src: Ipv4Addr, dst: Ipv4Addr) -> Vec<u8> {
    let mut p = vec![
        0x45, 0, 0, 28, 0, 1, 0, 0, 64, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0xf7, 0xfe, 0, 1, 0,
        0,
    ];
    p[12..16].copy_from_slice(&src.octets());
    p[16..20].copy_from_slice(&dst.octets());
    let sum: u32 = p[..20]
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], c[1]])))
        .sum();
    let sum = (sum & 0xffff) + (sum >> 16);
    let sum = !((sum & 0xffff) + (sum >> 16)) as u16;
    p[10..12].copy_from_slice(&sum.to_be_bytes());
    p
}
