//! Mutation injection (issue 13): the document's fixed lab with its WAN tampering with IKE and
//! ESP datagrams — bit flips, replaced bytes, truncation, with duplicates — while pings keep
//! ESP busy, until 10,000 altered datagrams have crossed. Nothing panics; every IPsec SA the
//! responder (the IX) installed was installed by the initiator (the SEIL) too, with the same
//! keys, so none came from a forged message; and once the WAN is clean the tunnel comes up
//! and pings cross.

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::time::Duration;

use ikelab::scenario::{build, load_named};
use ikelab_peers::ike::{Direction, EventKind, KeysDerived};
use ikelab_sim::{Counter, Impairments, PingSpec};

const HOST_B: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 10);

/// (spi -> encryption key) of every ESP SA a router installed, by direction.
fn installed(events: &ikelab::record::EventRecord) -> HashMap<(u32, Direction), Vec<u8>> {
    let mut dirs: HashMap<u32, Direction> = HashMap::new();
    let mut out = HashMap::new();
    for e in events {
        match &e.kind {
            EventKind::SaInstalled { spi, direction, .. } => {
                dirs.insert(*spi, *direction);
            }
            EventKind::Keys(KeysDerived::Esp { spi, enc_key, .. }) => {
                if let Some(d) = dirs.get(spi) {
                    out.insert((*spi, *d), enc_key.clone());
                }
            }
            _ => {}
        }
    }
    out
}

#[test]
fn ten_thousand_altered_datagrams_install_no_forged_sa_and_the_tunnel_recovers() {
    let loaded = load_named("proxy-id-fixed").expect("the document's fixed scenario");
    let mut b = build(&loaded, Some(13)).expect("the lab builds");
    // The SEIL's cable to the WAN switch: every datagram between the routers crosses it.
    let wan = b
        .link("wan-seil")
        .unwrap_or_else(|| panic!("no wan link in {:?}", b.links));
    let host_a = b.host("host-a").expect("host-a");
    let hostile = Impairments {
        tamper: 0.3,
        duplicate: 0.05,
        ..Default::default()
    };
    let mut now = b.lab.now();
    b.lab.set_impairments(now, wan, hostile);
    // ESP traffic: 100 pings a second for as long as the mutation lasts.
    let mut rounds = 0;
    loop {
        let tampered = b.lab.link_stats(wan).unwrap().get(Counter::Tampered);
        if tampered >= 10_000 {
            break;
        }
        rounds += 1;
        assert!(
            rounds <= 200,
            "only {tampered} datagrams altered in {rounds} rounds"
        );
        b.lab
            .ping(
                host_a,
                now,
                PingSpec::new(HOST_B)
                    .count(1000)
                    .interval(Duration::from_millis(10)),
            )
            .unwrap();
        now += Duration::from_secs(10);
        b.lab.run_until(now);
    }
    let tampered = b.lab.link_stats(wan).unwrap().get(Counter::Tampered);

    // A clean WAN: the tunnel comes up again by itself (retransmissions, rekeys, a new
    // negotiation on traffic) and pings cross.
    b.lab.set_impairments(now, wan, Impairments::default());
    let after = b
        .lab
        .ping(
            host_a,
            now + Duration::from_secs(90),
            PingSpec::new(HOST_B).count(10),
        )
        .unwrap();
    b.lab.run_until(now + Duration::from_secs(110));
    let r = b.lab.ping_report(after).unwrap();
    eprintln!(
        "{tampered} datagrams altered over {} s; afterwards {} of {} pings answered",
        rounds * 10,
        r.received,
        r.sent
    );
    assert_eq!(r.received, r.sent, "{r:?}");

    let router = |name: &str| {
        b.routers
            .iter()
            .find(|r| r.name == name)
            .unwrap_or_else(|| panic!("no router {name}"))
    };
    let seil = installed(&router("seil").stack.borrow().events);
    let ix = installed(&router("ix").stack.borrow().events);
    let esp_tampered = b.lab.link_stats(wan).unwrap().get(Counter::TxFrames);
    eprintln!(
        "{} IPsec SAs installed by the IX, all agreed by the SEIL ({esp_tampered} frames on the link)",
        ix.len()
    );
    assert!(!ix.is_empty());
    for ((spi, dir), key) in &ix {
        let mirror = match dir {
            Direction::Inbound => Direction::Outbound,
            Direction::Outbound => Direction::Inbound,
        };
        assert_eq!(
            seil.get(&(*spi, mirror)),
            Some(key),
            "the IX installed SPI {spi:#x} ({dir:?}) that the SEIL never agreed to"
        );
    }
}

/// The loss sweep: 30% loss each way on the SEIL's WAN cable, 200 seeds; the share of runs in
/// which the IX holds its IPsec SAs within 120 s, one negotiation's retry budget. racoon gives
/// every message it sends its own budget (a send and 5 resends, 10 s apart; `retry_counter` is
/// reset in each `*_send`), the responder resends MM2, MM4 and QM2 on its own schedule as well,
/// and nothing caps the whole exchange. What the schedule cannot save is an exchange's last
/// message (MM6, QM3): racoon sends it once and again only when the peer repeats itself, so
/// that round trip fails in 0.51^6 of runs (1.8%) for MM5/MM6 and about 1% for QM3, and no
/// new attempt starts until traffic asks. About 97% is what racoon's schedule allows at this
/// loss; the floor sits below that, and the figure is printed for the record.
#[test]
fn loss_sweep_share_established_within_the_retry_budget() {
    let loaded = load_named("proxy-id-fixed").expect("the document's fixed scenario");
    let seeds = 200u64;
    let mut up = 0;
    for seed in 0..seeds {
        let mut b = build(&loaded, Some(seed)).expect("the lab builds");
        let wan = b.link("wan-seil").expect("wan-seil");
        let start = b.lab.now();
        b.lab.set_impairments(
            start,
            wan,
            Impairments {
                loss: 0.3,
                ..Default::default()
            },
        );
        b.lab.run_until(start + Duration::from_secs(120));
        let ix = b.routers.iter().find(|r| r.name == "ix").expect("ix");
        if !ix.stack.borrow().engine.ipsec_sas().is_empty() {
            up += 1;
        }
    }
    let share = f64::from(up) / seeds as f64;
    eprintln!(
        "loss sweep: 30% loss each way, {seeds} seeds: phase 2 up within 120 s in {up} ({:.1}%)",
        share * 100.0
    );
    assert!(share >= 0.95, "{up} of {seeds}");
}
