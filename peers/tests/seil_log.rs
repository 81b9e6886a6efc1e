//! The SEIL log renderer against the document's logs, line for line: hand-built engine events
//! with the document's addresses, cookies, SPIs and times (relative to `WallClock::DOCUMENT`,
//! `Jan 5 07:27:06`) render exactly `tests/fixtures/document/seil-before.log` and
//! `seil-after.log`, sequence numbers included. Events SEIL does not log (packets, payloads,
//! keys, phase-2 completion, flushed SAs) are mixed in and must print nothing.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Duration;

use ikelab_peers::crypto::CipherAlg;
use ikelab_peers::esp::IntegAlg;
use ikelab_peers::ike::{
    DeleteReason, Direction, EncapMode, Event, EventKind, KeysDerived, QmId, Selector,
};
use ikelab_peers::personality::seil::SeilLog;
use ikelab_peers::personality::{LogLine, LogRenderer, SystemEvent, WallClock};
use ikelab_peers::time::Instant;
use ikelab_peers::wire::{ExchangeType, NotifyType, PayloadType, ProtocolId};

const SEIL: Ipv4Addr = Ipv4Addr::new(172, 16, 0, 1);
const IX: Ipv4Addr = Ipv4Addr::new(172, 16, 0, 2);

fn seil() -> SocketAddrV4 {
    SocketAddrV4::new(SEIL, 500)
}

fn ix() -> SocketAddrV4 {
    SocketAddrV4::new(IX, 500)
}

fn at(secs: u64) -> Instant {
    Instant::from_nanos(secs * 1_000_000_000)
}

fn ev(secs: u64, kind: EventKind) -> Event {
    Event { at: at(secs), kind }
}

fn cookie(hex: &str) -> [u8; 8] {
    let mut c = [0u8; 8];
    for (i, b) in c.iter_mut().enumerate() {
        *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap();
    }
    c
}

fn document(name: &str) -> Vec<String> {
    let path = format!(
        "{}/../tests/fixtures/document/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .lines()
        .map(str::to_string)
        .collect()
}

fn render(log: &mut SeilLog, events: &[Event]) -> Vec<LogLine> {
    events.iter().flat_map(|e| log.render(e)).collect()
}

fn assert_lines(got: &[LogLine], want: &[String]) {
    let got: Vec<&str> = got.iter().map(|l| l.text.as_str()).collect();
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert_eq!(g, w, "line {}", i + 1);
    }
    assert_eq!(got.len(), want.len(), "{got:#?}");
}

fn packet_sent(secs: u64, len: usize) -> Event {
    ev(
        secs,
        EventKind::PacketSent {
            to: ix(),
            len,
            retransmission: false,
        },
    )
}

fn packet_received(secs: u64, len: usize) -> Event {
    ev(secs, EventKind::PacketReceived { from: ix(), len })
}

fn qm_id(a: Ipv4Addr, prefix: u8) -> QmId {
    Selector::net(a, prefix).to_id()
}

fn sa(secs: u64, spi: u32, direction: Direction, ids: (QmId, QmId)) -> Vec<Event> {
    let (src, dst) = match direction {
        Direction::Inbound => (IX, SEIL),
        Direction::Outbound => (SEIL, IX),
    };
    vec![
        ev(
            secs,
            EventKind::SaInstalled {
                spi,
                direction,
                mode: EncapMode::Transport,
                src,
                dst,
                ids,
            },
        ),
        ev(
            secs,
            EventKind::Keys(KeysDerived::Esp {
                src,
                dst,
                spi,
                cipher: CipherAlg::AesCbc { key_len: 16 },
                enc_key: vec![0; 16],
                integ: IntegAlg::HmacSha1_96,
                auth_key: vec![0; 20],
            }),
        ),
    ]
}

/// The failing case: phase 1, two DPD Vendor IDs (one in MM2, one in MM4), INITIAL-CONTACT,
/// then phase 2 after the 4-second retry delay, answered by INVALID-ID-INFORMATION.
fn before_events() -> Vec<Event> {
    let (ic, rc) = (cookie("ea7faa4a2c9f9393"), cookie("451fab90cc211ad2"));
    let dpd = |secs| {
        ev(
            secs,
            EventKind::VendorIdReceived {
                from: ix(),
                name: "DPD".into(),
            },
        )
    };
    vec![
        ev(
            0,
            EventKind::Phase1Started {
                local: seil(),
                remote: ix(),
                exchange: ExchangeType::IDENTITY_PROTECTION,
                initiator: true,
            },
        ),
        packet_sent(0, 120),
        packet_received(0, 124),
        dpd(0),
        packet_sent(0, 180),
        packet_received(0, 200),
        dpd(0),
        packet_sent(0, 76),
        packet_received(0, 76),
        ev(
            0,
            EventKind::NotifySent {
                to: ix(),
                kind: NotifyType::INITIAL_CONTACT,
                protocol: ProtocolId::ISAKMP,
            },
        ),
        packet_sent(0, 92),
        ev(
            0,
            EventKind::Keys(KeysDerived::Phase1 {
                icookie: ic,
                rcookie: rc,
                cipher: CipherAlg::AesCbc { key_len: 16 },
                ka: vec![0; 16],
            }),
        ),
        ev(
            0,
            EventKind::Phase1Established {
                local: seil(),
                remote: ix(),
                icookie: ic,
                rcookie: rc,
                initiator: true,
            },
        ),
        ev(
            1,
            EventKind::Phase2Delayed {
                remote: ix(),
                delay: Duration::from_secs(4),
            },
        ),
        ev(
            5,
            EventKind::Phase2Started {
                local: seil(),
                remote: ix(),
                icookie: ic,
                rcookie: rc,
                message_id: 0x5a3c_9e01,
                initiator: true,
            },
        ),
        packet_sent(5, 172),
        packet_received(5, 76),
        ev(
            5,
            EventKind::PayloadReceived {
                from: ix(),
                exchange: ExchangeType::INFORMATIONAL,
                kind: PayloadType::NOTIFY,
                len: 12,
            },
        ),
        ev(
            5,
            EventKind::NotifyReceived {
                from: ix(),
                kind: NotifyType::INVALID_ID_INFORMATION,
                protocol: ProtocolId::ISAKMP,
                message_id: 0x0123_4567,
            },
        ),
    ]
}

#[test]
fn before_fix_log_is_the_documents() {
    let mut log = SeilLog::new(WallClock::DOCUMENT, 98);
    let lines = render(&mut log, &before_events());
    assert_lines(&lines, &document("seil-before.log"));
    assert_eq!(log.next_seq(), 107);
    // Each line carries its event's time.
    assert_eq!(lines[5].at, at(0));
    assert_eq!(lines[6].at, at(1));
    assert_eq!(lines[8].at, at(5));
}

/// The fixed case, ten minutes later: phase 1 (its INITIAL-CONTACT), phase 2 one second later
/// with host IDs, then the configuration change flushes the SAD (with a Delete for our inbound
/// SPI), reloads the SPD, and phase 2 runs again on the same ISAKMP-SA. `system` says whether the
/// SAD/SPD lines come from the router ([`SystemEvent`]) or from the engine's events.
fn after_lines(log: &mut SeilLog, system: bool) -> Vec<LogLine> {
    const T: u64 = 648; // 07:37:54
    let (ic, rc) = (cookie("d628859f7391f9d5"), cookie("0dd2a11d65cb1027"));
    let ids = (qm_id(SEIL, 32), qm_id(IX, 32));
    let phase2 = |secs, msgid, spi_in, spi_out| {
        let mut v = vec![
            ev(
                secs,
                EventKind::Phase2Started {
                    local: seil(),
                    remote: ix(),
                    icookie: ic,
                    rcookie: rc,
                    message_id: msgid,
                    initiator: true,
                },
            ),
            packet_sent(secs, 156),
            packet_received(secs, 156),
        ];
        v.extend(sa(secs, spi_in, Direction::Inbound, ids.clone()));
        v.extend(sa(secs, spi_out, Direction::Outbound, ids.clone()));
        v.push(packet_sent(secs, 60));
        v.push(ev(
            secs,
            EventKind::Phase2Established {
                remote: ix(),
                message_id: msgid,
            },
        ));
        v
    };
    let mut out = render(
        log,
        &[
            ev(
                T,
                EventKind::NotifySent {
                    to: ix(),
                    kind: NotifyType::INITIAL_CONTACT,
                    protocol: ProtocolId::ISAKMP,
                },
            ),
            ev(
                T,
                EventKind::Phase1Established {
                    local: seil(),
                    remote: ix(),
                    icookie: ic,
                    rcookie: rc,
                    initiator: true,
                },
            ),
        ],
    );
    out.extend(render(
        log,
        &phase2(T + 1, 0x1111_2222, 244_160_156, 2_934_033_157),
    ));
    // Applying the configuration.
    let flushed = |spi, direction| {
        ev(
            T + 2,
            EventKind::SaDeleted {
                spi,
                direction,
                mode: EncapMode::Transport,
                src: if direction == Direction::Inbound {
                    IX
                } else {
                    SEIL
                },
                dst: if direction == Direction::Inbound {
                    SEIL
                } else {
                    IX
                },
                reason: DeleteReason::Flushed,
            },
        )
    };
    if system {
        out.extend(log.system(at(T + 2), SystemEvent::ConfigApplied));
        out.extend(log.system(at(T + 2), SystemEvent::SadInitialized));
    } else {
        out.extend(log.render(&ev(T + 2, EventKind::SadFlushed)));
    }
    out.extend(render(
        log,
        &[
            ev(
                T + 2,
                EventKind::DeleteSent {
                    to: ix(),
                    protocol: ProtocolId::ESP,
                    spis: vec![244_160_156u32.to_be_bytes().to_vec()],
                },
            ),
            packet_sent(T + 2, 76),
            flushed(244_160_156, Direction::Inbound),
            flushed(2_934_033_157, Direction::Outbound),
        ],
    ));
    if system {
        out.extend(log.system(at(T + 2), SystemEvent::SpdInitialized));
    } else {
        out.extend(log.render(&ev(T + 2, EventKind::SpdReloaded)));
    }
    out.extend(render(
        log,
        &phase2(T + 3, 0x3333_4444, 267_961_179, 3_738_209_920),
    ));
    out
}

#[test]
fn after_fix_log_is_the_documents() {
    let mut log = SeilLog::new(WallClock::DOCUMENT, 90);
    let lines = after_lines(&mut log, false);
    assert_lines(&lines, &document("seil-after.log"));
    assert_eq!(log.next_seq(), 101);
}

#[test]
fn system_events_print_the_same_lines() {
    let mut log = SeilLog::new(WallClock::DOCUMENT, 90);
    let lines = after_lines(&mut log, true);
    assert_lines(&lines, &document("seil-after.log"));
}

#[test]
fn one_log_numbers_both_runs_on() {
    // One router, both runs: the numbers go on, the times are the events'.
    let mut log = SeilLog::new(WallClock::DOCUMENT, 98);
    let first = render(&mut log, &before_events());
    let second = after_lines(&mut log, false);
    assert_eq!(first.len(), 9);
    assert!(
        second[0]
            .text
            .starts_with("107 Jan 5 07:37:54 info ike racoon: send INITIAL-CONTACT")
    );
    assert!(second[10].text.starts_with("117 Jan 5 07:37:57 "));
}

#[test]
fn a_dead_peer_is_purged_in_ipsec_tools_words() {
    let mut log = SeilLog::new(WallClock::DOCUMENT, 1);
    let remote = SocketAddrV4::new(Ipv4Addr::new(172, 16, 0, 2), 500);
    let e = Event {
        at: Instant::ZERO,
        kind: EventKind::PeerDead {
            remote,
            icookie: [0xf8, 0x11, 0xb0, 0xfa, 0xc9, 0xab, 0x35, 0x5f],
            rcookie: [0xfa, 0x4b, 0x9c, 0x23, 0x1d, 0xbd, 0xe9, 0xba],
        },
    };
    let got: Vec<String> = log.render(&e).into_iter().map(|l| l.text).collect();
    let spi = "f811b0fac9ab355f:fa4b9c231dbde9ba";
    assert_eq!(
        got,
        [
            format!(
                "1 Jan 5 07:27:06 info ike racoon: DPD: remote (ISAKMP-SA spi={spi}) seems to be dead."
            ),
            format!("2 Jan 5 07:27:06 info ike racoon: purging ISAKMP-SA spi={spi}."),
            format!("3 Jan 5 07:27:06 info ike racoon: purged ISAKMP-SA spi={spi}."),
        ]
    );
}
