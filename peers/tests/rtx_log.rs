//! RTX log lines: the normal lines a user's RTX1100 log shows (quoted in the facts gathered for
//! this personality) for the events that produce them, and `IP Tunnel[N] Up` once per tunnel.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Duration;

use ikelab_peers::ike::{Direction, EncapMode, Event, EventKind, FailReason, Selector};
use ikelab_peers::personality::LogRenderer;
use ikelab_peers::personality::rtx::RtxLog;
use ikelab_peers::time::Instant;
use ikelab_peers::wire::{ExchangeType, NotifyType, ProtocolId};

fn sock(s: &str) -> SocketAddrV4 {
    SocketAddrV4::new(s.parse().unwrap(), 500)
}

fn ip(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

fn lines(log: &mut RtxLog, kind: EventKind) -> Vec<String> {
    let e = Event {
        at: Instant::ZERO + Duration::from_secs(1),
        kind,
    };
    log.render(&e).into_iter().map(|l| l.text).collect()
}

fn installed(log: &mut RtxLog, spi: u32, from: &str) {
    let id = Selector::ANY.to_id();
    assert!(
        lines(
            log,
            EventKind::SaInstalled {
                spi,
                direction: Direction::Inbound,
                mode: EncapMode::Tunnel,
                src: ip(from),
                dst: ip("203.0.113.2"),
                ids: (id.clone(), id),
            },
        )
        .is_empty()
    );
}

fn deleted(log: &mut RtxLog, spi: u32, from: &str) -> Vec<String> {
    lines(
        log,
        EventKind::SaDeleted {
            spi,
            direction: Direction::Inbound,
            mode: EncapMode::Tunnel,
            src: ip(from),
            dst: ip("203.0.113.2"),
            reason: ikelab_peers::ike::DeleteReason::Expired,
        },
    )
}

#[test]
fn the_quoted_lines() {
    let mut log = RtxLog::new(vec![(1, Some(ip("203.0.113.1")))]);
    let (me, peer) = (sock("203.0.113.2"), sock("203.0.113.1"));
    let p1 = |initiator| EventKind::Phase1Started {
        local: me,
        remote: peer,
        exchange: ExchangeType::IDENTITY_PROTECTION,
        initiator,
    };
    assert_eq!(
        lines(&mut log, p1(true)),
        ["[IKE] initiate ISAKMP phase to 203.0.113.1 (local address 203.0.113.2)"]
    );
    assert_eq!(
        lines(&mut log, p1(false)),
        ["[IKE] respond ISAKMP phase to 203.0.113.1"]
    );
    let p2 = |initiator| EventKind::Phase2Started {
        local: me,
        remote: peer,
        icookie: [1; 8],
        rcookie: [2; 8],
        message_id: 7,
        initiator,
    };
    assert_eq!(
        lines(&mut log, p2(true)),
        ["[IKE] initiate IPsec phase to 203.0.113.1"]
    );
    assert_eq!(
        lines(&mut log, p2(false)),
        ["[IKE] respond IPsec phase to 203.0.113.1"]
    );
}

#[test]
fn a_tunnel_is_up_once_and_down_with_its_last_sa() {
    let mut log = RtxLog::new(vec![(1, Some(ip("203.0.113.1"))), (2, None)]);
    let up = |remote| EventKind::Phase2Established {
        remote: sock(remote),
        message_id: 1,
    };
    installed(&mut log, 10, "203.0.113.1");
    assert_eq!(lines(&mut log, up("203.0.113.1")), ["IP Tunnel[1] Up"]);
    // A rekey: a second pair, no second Up.
    installed(&mut log, 11, "203.0.113.1");
    assert!(lines(&mut log, up("203.0.113.1")).is_empty());
    assert!(deleted(&mut log, 10, "203.0.113.1").is_empty());
    assert_eq!(deleted(&mut log, 11, "203.0.113.1"), ["IP Tunnel[1] Down"]);
    // Any other peer is tunnel 2's (`remote address any`).
    installed(&mut log, 12, "198.51.100.7");
    assert_eq!(lines(&mut log, up("198.51.100.7")), ["IP Tunnel[2] Up"]);
}

#[test]
fn invented_failure_lines_and_quiet_keepalives() {
    let mut log = RtxLog::new(vec![(1, Some(ip("203.0.113.1")))]);
    let peer = sock("203.0.113.1");
    assert_eq!(
        lines(
            &mut log,
            EventKind::Phase2Failed {
                remote: peer,
                message_id: 1,
                reason: FailReason::IdMismatch,
            }
        ),
        ["[IKE] IPsec phase to 203.0.113.1 failed: ID mismatch"]
    );
    assert_eq!(
        lines(
            &mut log,
            EventKind::NotifyReceived {
                from: peer,
                kind: NotifyType::INVALID_ID_INFORMATION,
                protocol: ProtocolId::ISAKMP,
                message_id: 9,
            }
        ),
        ["[IKE] receive notify INVALID-ID-INFORMATION from 203.0.113.1"]
    );
    assert!(
        lines(
            &mut log,
            EventKind::NotifySent {
                to: peer,
                kind: NotifyType::R_U_THERE,
                protocol: ProtocolId::ISAKMP,
            }
        )
        .is_empty()
    );
    assert!(
        lines(
            &mut log,
            EventKind::PacketReceived {
                from: peer,
                len: 124
            }
        )
        .is_empty()
    );
}
