//! The IX log renderer (`ikelab_peers::personality::ix::IxLog`) against the document's IX logs
//! (`tests/fixtures/document/ix-before.log`, `ix-after.log`), line for line.
//!
//! The events are built by hand the way the engine emits them (the engine-driven golden test
//! comes with the simulator): the document's addresses, ISAKMP lengths, payload lengths and
//! SPIs, with the events IX does not log (Informational payloads, SAs installed and removed,
//! keys) in their places. The document's excerpts are windows of a longer log; the window
//! tests feed exactly the events of the window, and the full-exchange test shows what the
//! renderer prints around it.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Duration;

use ikelab_peers::crypto::CipherAlg;
use ikelab_peers::esp::IntegAlg;
use ikelab_peers::ike::{
    DeleteReason, Direction, DropReason, EncapMode, Event, EventKind, FailReason, KeysDerived,
    QmId, Selector,
};
use ikelab_peers::personality::ix::{self, IxLog, IxLogOptions, IxTimestamp};
use ikelab_peers::personality::{LogRenderer, SystemEvent, WallClock};
use ikelab_peers::time::Instant;
use ikelab_peers::wire::{ExchangeType, IdData, NotifyType, PayloadType, ProtocolId};

const BEFORE: &str = include_str!("../../tests/fixtures/document/ix-before.log");
const AFTER: &str = include_str!("../../tests/fixtures/document/ix-after.log");
const CONFIG: &str = include_str!("../../tests/fixtures/document/ix.conf");

const SEIL: SocketAddrV4 = SocketAddrV4::new(Ipv4Addr::new(172, 16, 0, 1), 500);
const IX: SocketAddrV4 = SocketAddrV4::new(Ipv4Addr::new(172, 16, 0, 2), 500);
const ICOOKIE: [u8; 8] = [0xea, 0x7f, 0xaa, 0x4a, 0x2c, 0x9f, 0x93, 0x93];
const RCOOKIE: [u8; 8] = [0x45, 0x1f, 0xab, 0x90, 0xcc, 0x21, 0x1a, 0xd2];

fn host(a: Ipv4Addr) -> QmId {
    QmId {
        data: IdData::Ipv4Addr(a),
        protocol: 0,
        port: 0,
    }
}

/// Builds an event list, one virtual millisecond per step.
#[derive(Default)]
struct Events(Vec<Event>);

impl Events {
    fn push(&mut self, kind: EventKind) -> &mut Self {
        let at = Instant::from_nanos(self.0.len() as u64 * 1_000_000);
        self.0.push(Event { at, kind });
        self
    }

    fn received(&mut self, len: usize) -> &mut Self {
        self.push(EventKind::PacketReceived { from: SEIL, len })
    }

    fn sent(&mut self, len: usize) -> &mut Self {
        self.push(EventKind::PacketSent {
            to: SEIL,
            len,
            retransmission: false,
        })
    }

    fn payloads(&mut self, exchange: ExchangeType, list: &[(PayloadType, usize)]) -> &mut Self {
        for &(kind, len) in list {
            self.push(EventKind::PayloadReceived {
                from: SEIL,
                exchange,
                kind,
                len,
            });
        }
        self
    }

    fn phase2_started(&mut self, message_id: u32) -> &mut Self {
        self.push(EventKind::Phase2Started {
            local: IX,
            remote: SEIL,
            icookie: ICOOKIE,
            rcookie: RCOOKIE,
            message_id,
            initiator: false,
        })
    }

    /// QM1 as SEIL sends it: HASH, SA, NONCE, IDci, IDcr.
    fn qm1(&mut self, id_len: usize) -> &mut Self {
        self.payloads(
            ExchangeType::QUICK_MODE,
            &[
                (PayloadType::HASH, 24),
                (PayloadType::SA, 52),
                (PayloadType::NONCE, 20),
                (PayloadType::ID, id_len),
                (PayloadType::ID, id_len),
            ],
        )
    }

    /// The two SAs of a finished Quick Mode, with their keys: IX logs none of it.
    fn installed(&mut self, inbound: u32, outbound: u32) -> &mut Self {
        let ids = (host(*IX.ip()), host(*SEIL.ip()));
        for (spi, direction, src, dst) in [
            (inbound, Direction::Inbound, *SEIL.ip(), *IX.ip()),
            (outbound, Direction::Outbound, *IX.ip(), *SEIL.ip()),
        ] {
            self.push(EventKind::SaInstalled {
                spi,
                direction,
                mode: EncapMode::Transport,
                src,
                dst,
                ids: ids.clone(),
            });
            self.push(EventKind::Keys(KeysDerived::Esp {
                src,
                dst,
                spi,
                cipher: CipherAlg::AES128,
                enc_key: vec![0; 16],
                integ: IntegAlg::HmacSha1_96,
                auth_key: vec![0; 20],
            }));
        }
        self
    }

    /// A Quick Mode with host IDs that IX accepts (the document's after-fix exchanges).
    fn accepted_quick_mode(&mut self, message_id: u32, inbound: u32, outbound: u32) -> &mut Self {
        self.received(156)
            .phase2_started(message_id)
            .qm1(12)
            .sent(156)
            .received(60)
            .payloads(ExchangeType::QUICK_MODE, &[(PayloadType::HASH, 24)])
            .installed(inbound, outbound)
            .push(EventKind::Phase2Established {
                remote: SEIL,
                message_id,
            })
    }

    fn render(&self, log: &mut IxLog) -> Vec<String> {
        self.0
            .iter()
            .flat_map(|e| log.render(e))
            .map(|l| l.text)
            .collect()
    }
}

/// The renderer the document's config sets up (`logging subsystem ike debug`, no timestamps).
fn document_renderer() -> IxLog {
    let config = ix::parse_ix("ix.conf", CONFIG).unwrap();
    let log = IxLog::for_config(
        &config,
        IxTimestamp {
            clock: WallClock::DOCUMENT.in_year(2011),
        },
    );
    assert_eq!(
        log.options(),
        IxLogOptions {
            debug: true,
            timestamp: None
        }
    );
    log
}

fn lines(fixture: &str) -> Vec<String> {
    fixture.lines().map(str::to_string).collect()
}

fn assert_lines(got: &[String], want: &[String]) {
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert_eq!(g, w, "line {}", i + 1);
    }
    assert_eq!(got.len(), want.len(), "got {got:#?}");
}

/// Main Mode with SEIL up to MM6, the events before the before-fix window.
fn main_mode(ev: &mut Events) {
    ev.received(104)
        .push(EventKind::Phase1Started {
            local: IX,
            remote: SEIL,
            exchange: ExchangeType::IDENTITY_PROTECTION,
            initiator: false,
        })
        .payloads(
            ExchangeType::IDENTITY_PROTECTION,
            &[(PayloadType::SA, 56), (PayloadType::VENDOR_ID, 20)],
        )
        .push(EventKind::VendorIdReceived {
            from: SEIL,
            name: "DPD".into(),
        })
        .sent(104)
        .received(180)
        .payloads(
            ExchangeType::IDENTITY_PROTECTION,
            &[(PayloadType::KE, 132), (PayloadType::NONCE, 20)],
        )
        .push(EventKind::Keys(KeysDerived::Phase1 {
            icookie: ICOOKIE,
            rcookie: RCOOKIE,
            cipher: CipherAlg::AES128,
            ka: vec![0; 16],
        }))
        .sent(180)
        .received(76)
        .payloads(
            ExchangeType::IDENTITY_PROTECTION,
            &[(PayloadType::ID, 12), (PayloadType::HASH, 24)],
        )
        .sent(76);
}

/// The before-fix window: from phase 1 finishing to IX's INVALID-ID-INFORMATION.
fn before_window(ev: &mut Events) {
    ev.push(EventKind::Phase1Established {
        local: IX,
        remote: SEIL,
        icookie: ICOOKIE,
        rcookie: RCOOKIE,
        initiator: false,
    })
    // SEIL's INITIAL-CONTACT Informational: HASH 24 + N 28, padded: 92 bytes.
    .received(92)
    .payloads(
        ExchangeType::INFORMATIONAL,
        &[(PayloadType::HASH, 24), (PayloadType::NOTIFY, 28)],
    )
    .push(EventKind::NotifyReceived {
        from: SEIL,
        kind: NotifyType::INITIAL_CONTACT,
        protocol: ProtocolId::ISAKMP,
        message_id: 0x1111_1111,
    })
    // SEIL's QM1 with 0.0.0.0/0 IDs (16-byte ID payloads): 172 bytes.
    .received(172)
    .phase2_started(0x2222_2222)
    .qm1(16)
    .push(EventKind::NoPolicyForIds {
        from: SEIL,
        initiator_id: Selector::ANY.to_id(),
        responder_id: Selector::ANY.to_id(),
        expected: vec![(host(*SEIL.ip()), host(*IX.ip()))],
    })
    .push(EventKind::NotifySent {
        to: SEIL,
        kind: NotifyType::INVALID_ID_INFORMATION,
        protocol: ProtocolId::ISAKMP,
    });
}

/// The after-fix window: from SEIL's INITIAL-CONTACT notification to the second phase 2.
fn after_window(ev: &mut Events) {
    ev.push(EventKind::NotifyReceived {
        from: SEIL,
        kind: NotifyType::INITIAL_CONTACT,
        protocol: ProtocolId::ISAKMP,
        message_id: 0x3333_3333,
    })
    // IX's inbound SPI is the one SEIL sends to (0xaee1cb05), its outbound SEIL's (0xe8d969c).
    .accepted_quick_mode(0x4444_4444, 0xaee1_cb05, 0x0e8d_969c)
    // SEIL flushes its SAD and deletes its inbound SA; IX deletes the partner and says so.
    .received(76)
    .payloads(
        ExchangeType::INFORMATIONAL,
        &[(PayloadType::HASH, 24), (PayloadType::DELETE, 16)],
    )
    .push(EventKind::DeleteReceived {
        from: SEIL,
        protocol: ProtocolId::ESP,
        spis: vec![0x0e8d_969c_u32.to_be_bytes().to_vec()],
    })
    .push(EventKind::SaDeleted {
        spi: 0x0e8d_969c,
        direction: Direction::Outbound,
        mode: EncapMode::Transport,
        src: *IX.ip(),
        dst: *SEIL.ip(),
        reason: DeleteReason::DeleteReceived,
    })
    .push(EventKind::SaDeleted {
        spi: 0xaee1_cb05,
        direction: Direction::Inbound,
        mode: EncapMode::Transport,
        src: *SEIL.ip(),
        dst: *IX.ip(),
        reason: DeleteReason::DeleteReceived,
    })
    .push(EventKind::DeleteSent {
        to: SEIL,
        protocol: ProtocolId::ESP,
        spis: vec![0xaee1_cb05_u32.to_be_bytes().to_vec()],
    })
    .sent(76)
    .accepted_quick_mode(0x5555_5555, 0xded0_8e80, 0x0ff8_c35b);
}

#[test]
fn before_fix_window_is_the_documents_log() {
    let mut ev = Events::default();
    before_window(&mut ev);
    assert_lines(&ev.render(&mut document_renderer()), &lines(BEFORE));
}

#[test]
fn after_fix_window_is_the_documents_log() {
    let mut ev = Events::default();
    after_window(&mut ev);
    assert_lines(&ev.render(&mut document_renderer()), &lines(AFTER));
}

#[test]
fn the_before_fix_window_inside_the_whole_exchange() {
    let mut ev = Events::default();
    main_mode(&mut ev);
    before_window(&mut ev);
    // After the window: the notification's packet (HASH 24 + N 12, padded: 76 bytes) and the end
    // of the Quick Mode.
    ev.sent(76).push(EventKind::Phase2Failed {
        remote: SEIL,
        message_id: 0x2222_2222,
        reason: FailReason::IdMismatch,
    });
    let mut want: Vec<String> = [
        "IKE.006: Receive packet from 172.16.0.1, length 104",
        "IKE.001: Begin IKE phase 1 negotiation, destination 172.16.0.1",
        "IKE.093: Receive vendor ID from 172.16.0.1, DPD",
        "IKE.005: Send packet to 172.16.0.1, length 104",
        "IKE.006: Receive packet from 172.16.0.1, length 180",
        "IKE.005: Send packet to 172.16.0.1, length 180",
        "IKE.006: Receive packet from 172.16.0.1, length 76",
        "IKE.005: Send packet to 172.16.0.1, length 76",
    ]
    .map(String::from)
    .to_vec();
    want.extend(lines(BEFORE));
    want.push("IKE.005: Send packet to 172.16.0.1, length 76".into());
    want.push("IKE.090: Abort IKE phase 2 negotiation, destination 172.16.0.1, ID mismatch".into());
    assert_lines(&ev.render(&mut document_renderer()), &want);
}

#[test]
fn the_after_fix_window_follows_the_initial_contacts_packet() {
    let mut ev = Events::default();
    ev.received(92).payloads(
        ExchangeType::INFORMATIONAL,
        &[(PayloadType::HASH, 24), (PayloadType::NOTIFY, 28)],
    );
    after_window(&mut ev);
    let got = ev.render(&mut document_renderer());
    assert_eq!(got[0], "IKE.006: Receive packet from 172.16.0.1, length 92");
    assert_lines(&got[1..], &lines(AFTER));
}

#[test]
fn without_debug_the_payload_lines_go() {
    let mut ev = Events::default();
    after_window(&mut ev);
    let got = ev.render(&mut IxLog::new(IxLogOptions::default()));
    let want: Vec<String> = lines(AFTER)
        .into_iter()
        .filter(|l| !l.starts_with("IKE.045"))
        .collect();
    assert_lines(&got, &want);
    assert_eq!(want.len(), lines(AFTER).len() - 12);
}

#[test]
fn the_timestamp_prefix_is_optional() {
    let mut ev = Events::default();
    before_window(&mut ev);
    let mut log = IxLog::new(IxLogOptions {
        debug: true,
        timestamp: Some(IxTimestamp {
            clock: WallClock::DOCUMENT.in_year(2011),
        }),
    });
    let got = ev.render(&mut log);
    let want: Vec<String> = lines(BEFORE)
        .iter()
        .map(|l| format!("2011/01/05 07:27:06 {l}"))
        .collect();
    assert_lines(&got, &want);
    // And `logging timestamp datetime` turns it on.
    let c = ix::parse_ix("ix.conf", &format!("{CONFIG}logging timestamp datetime\n")).unwrap();
    let log = IxLog::for_config(
        &c,
        IxTimestamp {
            clock: WallClock::DOCUMENT.in_year(2011),
        },
    );
    assert!(log.options().timestamp.is_some());
}

#[test]
fn lines_carry_the_events_time() {
    let mut log = IxLog::default();
    let e = Event {
        at: Instant::from_nanos(42),
        kind: EventKind::PacketReceived {
            from: SEIL,
            len: 60,
        },
    };
    assert_eq!(log.render(&e)[0].at, Instant::from_nanos(42));
    assert!(
        log.system(Instant::ZERO, SystemEvent::SadInitialized)
            .is_empty()
    );
    assert!(
        log.system(Instant::ZERO, SystemEvent::ConfigApplied)
            .is_empty()
    );
}

/// Every invented line, exactly as `log.rs` lists it.
#[test]
fn invented_lines() {
    let cases: Vec<(EventKind, &str)> = vec![
        (
            EventKind::Phase1Started {
                local: IX,
                remote: SEIL,
                exchange: ExchangeType::IDENTITY_PROTECTION,
                initiator: true,
            },
            "IKE.001: Begin IKE phase 1 negotiation, destination 172.16.0.1",
        ),
        (
            EventKind::Phase1Failed {
                remote: SEIL,
                reason: FailReason::Timeout,
            },
            "IKE.090: Abort IKE phase 1 negotiation, destination 172.16.0.1, no response",
        ),
        (
            EventKind::Phase1Failed {
                remote: SEIL,
                reason: FailReason::AuthenticationFailed,
            },
            "IKE.090: Abort IKE phase 1 negotiation, destination 172.16.0.1, authentication failed",
        ),
        (
            EventKind::Phase2Failed {
                remote: SEIL,
                message_id: 1,
                reason: FailReason::Notified(NotifyType::NO_PROPOSAL_CHOSEN),
            },
            "IKE.090: Abort IKE phase 2 negotiation, destination 172.16.0.1, notification 14:NO-PROPOSAL-CHOSEN received",
        ),
        (
            EventKind::Dropped {
                from: SEIL,
                reason: DropReason::BadHash,
            },
            "IKE.092: Discard packet from 172.16.0.1, hash mismatch",
        ),
        (
            EventKind::VendorIdReceived {
                from: SEIL,
                name: "DPD".into(),
            },
            "IKE.093: Receive vendor ID from 172.16.0.1, DPD",
        ),
        (
            EventKind::ReturnedIdsMismatch {
                from: SEIL,
                sent: (host(*IX.ip()), host(*SEIL.ip())),
                received: (Selector::ANY.to_id(), Selector::ANY.to_id()),
            },
            "IKE.094: Mismatched IDs returned from 172.16.0.1, sent 172.16.0.2 172.16.0.1, received 0.0.0.0/0 0.0.0.0/0",
        ),
        (
            EventKind::Phase2Delayed {
                remote: SEIL,
                delay: Duration::from_secs(4),
            },
            "IKE.095: Delay IKE phase 2 negotiation, destination 172.16.0.1, 4 seconds",
        ),
        // The document's lines with other values.
        (
            EventKind::NotifyReceived {
                from: SEIL,
                kind: NotifyType::R_U_THERE,
                protocol: ProtocolId::ISAKMP,
                message_id: 7,
            },
            "IKE.009: Receive notification data from 172.16.0.1, type 36136:R-U-THERE, protocol ISAKMP",
        ),
        (
            EventKind::NotifySent {
                to: SEIL,
                kind: NotifyType(40000),
                protocol: ProtocolId::ESP,
            },
            "IKE.007: Send notification data to 172.16.0.1, type 40000:UNKNOWN, protocol ESP",
        ),
        (
            EventKind::DeleteSent {
                to: SEIL,
                protocol: ProtocolId::ISAKMP,
                spis: vec![[ICOOKIE, RCOOKIE].concat()],
            },
            "IKE.012: Send delete information, protocol ISAKMP, SPI 0xea7faa4a2c9f9393451fab90cc211ad2",
        ),
        (
            EventKind::PayloadReceived {
                from: SEIL,
                exchange: ExchangeType::QUICK_MODE,
                kind: PayloadType::KE,
                len: 132,
            },
            "IKE.045: Receive payload, type 4:KE, length 132",
        ),
    ];
    let mut log = IxLog::new(IxLogOptions {
        debug: true,
        timestamp: None,
    });
    for (kind, want) in cases {
        let got = log.render(&Event {
            at: Instant::ZERO,
            kind,
        });
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].text, want);
    }
}

#[test]
fn silent_events() {
    let mut log = document_renderer();
    for kind in [
        EventKind::Phase1Deleted {
            local: IX,
            remote: SEIL,
            icookie: ICOOKIE,
            rcookie: RCOOKIE,
            reason: DeleteReason::Expired,
        },
        EventKind::SaDeleted {
            spi: 1,
            direction: Direction::Inbound,
            mode: EncapMode::Transport,
            src: *SEIL.ip(),
            dst: *IX.ip(),
            reason: DeleteReason::Expired,
        },
        EventKind::SadFlushed,
        EventKind::SpdReloaded,
        EventKind::Acquire {
            policy: "ipsec-policy".into(),
        },
        // Payloads outside Quick Mode.
        EventKind::PayloadReceived {
            from: SEIL,
            exchange: ExchangeType::INFORMATIONAL,
            kind: PayloadType::DELETE,
            len: 16,
        },
        EventKind::PayloadReceived {
            from: SEIL,
            exchange: ExchangeType::IDENTITY_PROTECTION,
            kind: PayloadType::SA,
            len: 56,
        },
    ] {
        assert!(
            log.render(&Event {
                at: Instant::ZERO,
                kind: kind.clone()
            })
            .is_empty(),
            "{kind:?}"
        );
    }
}

#[test]
fn a_delete_of_several_spis_is_a_line_each() {
    let mut log = IxLog::default();
    let got: Vec<String> = log
        .render(&Event {
            at: Instant::ZERO,
            kind: EventKind::DeleteReceived {
                from: SEIL,
                protocol: ProtocolId::ESP,
                spis: vec![vec![0, 0, 1, 0], vec![0xff, 0, 0, 0]],
            },
        })
        .into_iter()
        .map(|l| l.text)
        .collect();
    assert_eq!(
        got,
        [
            "IKE.014: Receive delete information, protocol ESP, SPI 0x100",
            "IKE.014: Receive delete information, protocol ESP, SPI 0xff000000",
        ]
    );
}

#[test]
fn a_dead_peer_is_logged_when_its_sas_are_cleared() {
    let mut log = IxLog::default();
    let e = Event {
        at: Instant::ZERO,
        kind: EventKind::PeerDead {
            remote: SEIL,
            icookie: [1; 8],
            rcookie: [2; 8],
        },
    };
    let got: Vec<String> = log.render(&e).into_iter().map(|l| l.text).collect();
    assert_eq!(
        got,
        ["IKE.096: Keepalive timeout, destination 172.16.0.1, clear IKE and IPsec SAs"]
    );
}
