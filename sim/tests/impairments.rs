//! Seeded link faults and cuts, seen in ping results, link counters and the capture.

mod common;

use core::time::Duration;

use common::{icmp_echo, is_arp};
use ikelab_sim::Counter;
use ikelab_sim::topology::{DocumentLinkParams, IX_HOST, ix_config, seil_config};
use ikelab_sim::{
    DocumentLab, Impairments, Instant, LabConfig, LinkParams, PingReport, PingSpec, document_lab,
    document_lab_with,
};

fn at(secs: f64) -> Instant {
    Instant::ZERO + Duration::from_secs_f64(secs)
}

fn lab_with_wan(wan: LinkParams) -> DocumentLab {
    let params = DocumentLinkParams {
        wan,
        ..Default::default()
    };
    document_lab_with(LabConfig::with_seed(11), params, seil_config(), ix_config()).unwrap()
}

fn impaired(imp: Impairments) -> LinkParams {
    LinkParams {
        impairments: imp,
        ..LinkParams::default()
    }
}

#[test]
fn loss_fails_pings_in_proportion() {
    for loss in [0.0, 0.1, 0.3, 0.5] {
        let mut d = document_lab(LabConfig::with_seed(99)).unwrap();
        // Lossy only between SEIL and the switch: a ping crosses it twice.
        d.lab.set_impairments(
            Instant::ZERO,
            d.links.wan_seil,
            Impairments {
                loss,
                ..Default::default()
            },
        );
        // Resolve ARP before the loss starts counting, so only pings are at stake.
        d.lab
            .ping(d.seil_host, Instant::ZERO, PingSpec::new(IX_HOST))
            .unwrap();
        d.lab
            .set_impairments(at(0.5), d.links.wan_seil, Impairments::default());
        d.lab.set_impairments(
            at(1.0),
            d.links.wan_seil,
            Impairments {
                loss,
                ..Default::default()
            },
        );
        let n = 400;
        let p = d
            .lab
            .ping(
                d.seil_host,
                at(2.0),
                PingSpec::new(IX_HOST)
                    .count(n)
                    .interval(Duration::from_millis(20)),
            )
            .unwrap();
        d.lab.run();
        let r = d.lab.ping_report(p).unwrap();
        assert_eq!(r.sent, n);
        let success = f64::from(r.received) / f64::from(n);
        let expected = (1.0 - loss) * (1.0 - loss);
        assert!(
            (success - expected).abs() < 0.08,
            "loss {loss}: {success:.3} of pings answered, expected about {expected:.3}"
        );
        assert!(r.errors.is_empty(), "loss gives silence, not errors");
        let s = d.lab.link_stats(d.links.wan_seil).unwrap();
        let dropped = s.get(Counter::DropLoss) as f64 / s.get(Counter::TxFrames) as f64;
        assert!(
            (dropped - loss).abs() < 0.06,
            "loss {loss}: link dropped {dropped:.3}"
        );
    }
}

#[test]
fn a_cut_link_stops_traffic_until_it_is_restored() {
    let mut d = document_lab(LabConfig::with_seed(2)).unwrap();
    let p = d
        .lab
        .ping(d.seil_host, Instant::ZERO, PingSpec::new(IX_HOST).count(10))
        .unwrap();
    d.lab.link_down(at(2.5), d.links.wan_ix);
    d.lab.link_up(at(5.5), d.links.wan_ix);
    d.lab.run();
    let r = d.lab.ping_report(p).unwrap();
    assert_eq!((r.sent, r.received), (10, 7));
    let answered: Vec<u16> = r.replies.iter().map(|x| x.seq).collect();
    assert_eq!(answered, [1, 2, 3, 7, 8, 9, 10]);
    // Nothing crosses the cut link while it is down.
    let during = d
        .lab
        .capture()
        .on_link(d.links.wan_ix)
        .filter(|f| f.time > at(2.5) && f.time < at(5.5))
        .count();
    assert_eq!(during, 0);
    // The requests still reach the switch, which floods or forwards them into the dead link.
    assert!(
        d.lab
            .capture()
            .on_link(d.links.wan_seil)
            .any(|f| f.time > at(2.5) && f.time < at(5.5))
    );
    assert_eq!(
        d.lab
            .link_stats(d.links.wan_ix)
            .unwrap()
            .get(Counter::DropLinkDown),
        3
    );
    let log = d.lab.log_text();
    assert!(
        log.contains("wan-ix: link down") && log.contains("wan-ix: link up"),
        "{log}"
    );
}

#[test]
fn frames_in_flight_across_a_cut_are_lost() {
    let mut d = lab_with_wan(LinkParams::with_latency(Duration::from_millis(300)));
    // Warm ARP up (a WAN round trip is 1.2 s here).
    let warm = PingSpec::new(IX_HOST).timeout(Duration::from_secs(5));
    d.lab.ping(d.seil_host, Instant::ZERO, warm).unwrap();
    let spec = PingSpec::new(IX_HOST)
        .count(3)
        .interval(Duration::from_secs(2))
        .timeout(Duration::from_secs(5));
    let p = d.lab.ping(d.seil_host, at(10.0), spec).unwrap();
    // The second request is on SEIL's WAN link from 12.0 to 12.3 s.
    d.lab.link_down(at(12.1), d.links.wan_seil);
    d.lab.link_up(at(12.2), d.links.wan_seil);
    d.lab.run();
    let r = d.lab.ping_report(p).unwrap();
    assert_eq!(r.received, 2, "{r:?}");
    assert_eq!(r.replies.iter().map(|x| x.seq).collect::<Vec<_>>(), [1, 3]);
    assert_eq!(
        d.lab
            .link_stats(d.links.wan_seil)
            .unwrap()
            .get(Counter::DropCutInFlight),
        1
    );
}

#[test]
fn duplication_shows_in_the_capture_and_in_ping() {
    let mut d = document_lab(LabConfig::with_seed(4)).unwrap();
    d.lab.set_impairments(
        Instant::ZERO,
        d.links.lan_ix,
        Impairments {
            duplicate: 1.0,
            ..Default::default()
        },
    );
    let p = d
        .lab
        .ping(d.seil_host, Instant::ZERO, PingSpec::new(IX_HOST).count(5))
        .unwrap();
    d.lab.run();
    let r = d.lab.ping_report(p).unwrap();
    // Every request reaches the host twice and every reply is doubled again: 4 replies each.
    assert_eq!((r.received, r.duplicates()), (5, 15));
    assert!(d.lab.log_text().contains("(DUP!)"));
    // In the capture: each frame twice in a row, at the same time.
    let frames: Vec<_> = d.lab.capture().on_link(d.links.lan_ix).collect();
    let pairs = frames
        .windows(2)
        .filter(|w| w[0].data == w[1].data && w[0].time == w[1].time)
        .count();
    assert!(
        pairs >= frames.len() / 2 - 1,
        "{pairs} duplicate pairs in {} frames",
        frames.len()
    );
    let requests = frames
        .iter()
        .filter(|f| icmp_echo(&f.data).is_some_and(|e| e.0 == 8))
        .count();
    assert_eq!(requests, 10);
    assert_eq!(
        d.lab
            .link_stats(d.links.lan_ix)
            .unwrap()
            .get(Counter::Duplicated) as usize,
        frames.len() / 2
    );
}

#[test]
fn reordering_shows_in_the_capture() {
    let mut d = lab_with_wan(impaired(Impairments {
        reorder: 0.3,
        reorder_delay: Duration::from_millis(5),
        ..Default::default()
    }));
    let p = d
        .lab
        .ping(
            d.seil_host,
            Instant::ZERO,
            PingSpec::new(IX_HOST)
                .count(100)
                .interval(Duration::from_millis(1)),
        )
        .unwrap();
    d.lab.run();
    let r = d.lab.ping_report(p).unwrap();
    assert_eq!(r.received, 100, "reordering loses nothing");
    // Requests as they arrive at IX: out of order.
    let seqs: Vec<u16> = d
        .lab
        .capture()
        .on_link(d.links.wan_seil)
        .filter_map(|f| icmp_echo(&f.data).filter(|e| e.0 == 8).map(|e| e.2))
        .collect();
    assert_eq!(seqs.len(), 100);
    let inversions = seqs.windows(2).filter(|w| w[1] < w[0]).count();
    assert!(inversions >= 5, "{inversions} inversions in {seqs:?}");
    // Replies reach the pinging host out of order too.
    let reply_seqs: Vec<u16> = r.replies.iter().map(|x| x.seq).collect();
    assert!(reply_seqs.windows(2).any(|w| w[1] < w[0]));
    assert!(
        d.lab
            .link_stats(d.links.wan_seil)
            .unwrap()
            .get(Counter::Reordered)
            > 20
    );
}

#[test]
fn corruption_is_caught_by_checksums() {
    let mut d = lab_with_wan(impaired(Impairments {
        corrupt: 0.1,
        ..Default::default()
    }));
    let p = d
        .lab
        .ping(
            d.seil_host,
            Instant::ZERO,
            PingSpec::new(IX_HOST)
                .count(200)
                .interval(Duration::from_millis(10)),
        )
        .unwrap();
    d.lab.run();
    let r = d.lab.ping_report(p).unwrap();
    // Four WAN crossings per ping, 10% of frames damaged on each.
    assert!(
        r.received < 190 && r.received > 80,
        "{} answered",
        r.received
    );
    let drops: u64 = [d.seil, d.ix]
        .iter()
        .flat_map(|n| d.lab.router(*n).unwrap().counters().iter())
        .filter(|(k, _)| k.name().starts_with("rx_drop_"))
        .map(|(_, v)| v)
        .sum();
    let host_drops: u64 = d
        .lab
        .host(d.seil_host)
        .unwrap()
        .counters()
        .iter()
        .filter(|(k, _)| k.name().starts_with("rx_drop_"))
        .map(|(_, v)| v)
        .sum();
    assert!(
        drops + host_drops > 10,
        "router drops {drops}, host drops {host_drops}"
    );
    assert!(d.lab.log_text().contains("dropped malformed input"));
}

#[test]
fn bandwidth_serialises_frames() {
    let mut d = lab_with_wan(LinkParams {
        bandwidth_bps: Some(1_000_000),
        ..LinkParams::default()
    });
    // Warm ARP up, then a burst of five 1000-byte pings at once.
    d.lab
        .ping(d.seil_host, Instant::ZERO, PingSpec::new(IX_HOST))
        .unwrap();
    let p = d
        .lab
        .ping(
            d.seil_host,
            at(1.0),
            PingSpec::new(IX_HOST)
                .count(5)
                .size(1000)
                .interval(Duration::ZERO),
        )
        .unwrap();
    d.lab.run();
    let r = d.lab.ping_report(p).unwrap();
    assert_eq!(r.received, 5);
    let rtts: Vec<Duration> = r.rtts().collect();
    // 1062-byte frames (+24 bytes of preamble, FCS and gap) take 8.688 ms at 1 Mbit/s, on each
    // of the two WAN links, each way.
    let frame = Duration::from_micros(8_688);
    assert!(rtts[0] >= frame * 4, "{rtts:?}");
    assert!(
        rtts.windows(2).all(|w| w[1] >= w[0] + frame),
        "queueing: {rtts:?}"
    );
}

#[test]
fn frames_over_the_link_mtu_are_dropped() {
    // The routers think 1500 bytes fit; the wire takes 1000.
    let mut d = lab_with_wan(LinkParams {
        mtu: 1000,
        ..LinkParams::default()
    });
    let small = d
        .lab
        .ping(d.seil_host, Instant::ZERO, PingSpec::new(IX_HOST))
        .unwrap();
    let big = d
        .lab
        .ping(d.seil_host, at(1.0), PingSpec::new(IX_HOST).size(1200))
        .unwrap();
    d.lab.run();
    assert_eq!(d.lab.ping_report(small).unwrap().received, 1);
    assert_eq!(d.lab.ping_report(big).unwrap().received, 0);
    assert_eq!(
        d.lab
            .link_stats(d.links.wan_seil)
            .unwrap()
            .get(Counter::DropOverMtu),
        1
    );
    assert!(
        d.lab
            .capture()
            .on_link(d.links.wan_seil)
            .all(|f| is_arp(&f.data) || f.data.len() <= 1014)
    );
}

/// Past icmp_seq 65535 the sequence number wraps to 0 and each number is used again; as with
/// iputils (whose table of answered numbers forgets a number when it is sent again), the replies
/// of the second round are answers, not duplicates.
#[test]
fn the_sequence_wrap_is_counted_right() {
    let mut d = document_lab(LabConfig::with_seed(3)).unwrap();
    let count = 70_000;
    let ping = d
        .lab
        .ping(
            d.seil_host,
            Instant::ZERO,
            PingSpec {
                count,
                interval: Duration::from_millis(1),
                ..PingSpec::new(IX_HOST)
            },
        )
        .unwrap();
    d.lab.run();
    let r = d.lab.ping_report(ping).unwrap();
    assert_eq!(r.sent, count);
    assert_eq!((r.received, r.duplicates()), (count, 0));
    assert_eq!(
        r.rtt.count, count,
        "every first reply's round trip is counted"
    );
    // Replies are kept one by one only up to a bound; the run's memory does not grow with it.
    assert_eq!(r.replies.len(), PingReport::KEPT);
    assert_eq!(r.replies[6].seq, 7);
}
