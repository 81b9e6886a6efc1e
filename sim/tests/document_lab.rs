//! The document's topology with a placeholder IP-in-IP tunnel between SEIL and IX: pings across
//! it, ARP, TTL, ICMP errors, fragmentation over a small MTU, ARP expiry, and how a run ends.

mod common;

use core::time::Duration;
use std::net::Ipv4Addr;

use common::{icmp_echo, ip_protocol, is_arp};
use ikelab_sim::Counter;
use ikelab_sim::packet::PROTO_IPIP;
use ikelab_sim::topology::{
    DocumentLinkParams, IX_HOST, IX_LAN, IX_WAN, SEIL_HOST, SEIL_LAN, SEIL_WAN, ix_config,
    seil_config,
};
use ikelab_sim::{
    DocumentLab, HostConfig, Instant, Lab, LabConfig, LinkParams, MacAddr, PingErrorKind, PingSpec,
    RouteConfig, RunEnd, SimError, StartTime, Via, document_lab, document_lab_with,
};

fn at(secs: f64) -> Instant {
    Instant::ZERO + Duration::from_secs_f64(secs)
}

fn lab() -> DocumentLab {
    document_lab(LabConfig::with_seed(42)).unwrap()
}

#[test]
fn ping_across_the_tunnel_is_answered() {
    let mut d = lab();
    let ping = d
        .lab
        .ping(d.seil_host, Instant::ZERO, PingSpec::new(IX_HOST).count(10))
        .unwrap();
    let summary = d.lab.run();
    assert_eq!(
        summary.end,
        RunEnd::Idle,
        "a finished script leaves the queue idle"
    );

    let r = d.lab.ping_report(ping).unwrap();
    assert!(r.done);
    assert_eq!((r.sent, r.received, r.duplicates()), (10, 10, 0));
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    for reply in &r.replies {
        assert_eq!(reply.from, IX_HOST);
        // 64, less one hop at IX and one at SEIL.
        assert_eq!(reply.ttl, 62);
        // 4 links each way at 100 µs.
        assert!(reply.rtt >= Duration::from_micros(800), "{:?}", reply.rtt);
        assert!(reply.rtt < Duration::from_millis(2), "{:?}", reply.rtt);
        assert_eq!(reply.bytes, 64);
    }
    // The last request goes at 9 s; the run ends when the 1 s wait after it is over.
    assert_eq!(summary.now, at(10.0));

    // ARP on both LANs and on the WAN, in the capture.
    let cap = d.lab.capture();
    for link in [
        d.links.lan_seil,
        d.links.wan_seil,
        d.links.wan_ix,
        d.links.lan_ix,
    ] {
        let arps = cap.on_link(link).filter(|f| is_arp(&f.data)).count();
        // One request and one reply per resolution; the WAN links see both routers resolve.
        assert!(
            arps >= 2,
            "{arps} ARP frames on {:?}",
            d.lab.link_name(link)
        );
    }
    // The WAN carries the pings inside IP-in-IP, the LANs carry them bare.
    let wan: Vec<_> = cap
        .on_link(d.links.wan_seil)
        .filter(|f| !is_arp(&f.data))
        .collect();
    assert_eq!(wan.len(), 20);
    assert!(wan.iter().all(|f| ip_protocol(&f.data) == Some(PROTO_IPIP)));
    assert!(wan.iter().all(|f| icmp_echo(&f.data).is_some_and(|e| e.3)));
    let lan: Vec<_> = cap
        .on_link(d.links.lan_ix)
        .filter(|f| !is_arp(&f.data))
        .collect();
    assert_eq!(lan.len(), 20);
    assert!(lan.iter().all(|f| icmp_echo(&f.data).is_some_and(|e| !e.3)));

    let seil = d.lab.router(d.seil).unwrap();
    assert_eq!(seil.counters().get(Counter::Encapsulated), 10);
    assert_eq!(seil.counters().get(Counter::Decapsulated), 10);
    assert_eq!(seil.route_to(IX_HOST), Some(("ipsec0", None)));
    let ix = d.lab.router(d.ix).unwrap();
    assert_eq!(ix.route_to(SEIL_HOST), Some(("Tunnel0.0", None)));
    assert_eq!(ix.arp_entries("FastEthernet0/0.0")[0].0, SEIL_WAN);
    assert_eq!(ix.arp_entries("FastEthernet1/0.0")[0].0, IX_HOST);

    // The log has every reply and the summary, with document-style timestamps.
    let log = d.lab.log_text();
    assert!(log.starts_with("Jan  5 07:27:06."), "{log}");
    assert_eq!(
        d.lab
            .log()
            .find("host-seil", "bytes from 192.168.1.10")
            .count(),
        10
    );
    assert!(log.contains("10 transmitted, 10 received"), "{log}");
    assert!(log.contains("seil: lan1: arp 172.16.0.2 is at"), "{log}");
}

#[test]
fn routers_answer_pings_to_every_address() {
    let mut d = lab();
    let targets = [SEIL_LAN, SEIL_WAN, IX_WAN, IX_LAN];
    let pings: Vec<_> = targets
        .iter()
        .map(|t| {
            d.lab
                .ping(d.seil_host, Instant::ZERO, PingSpec::new(*t).count(2))
                .unwrap()
        })
        .collect();
    // And the other way round, host to host.
    let back = d
        .lab
        .ping(d.ix_host, at(0.5), PingSpec::new(SEIL_HOST).count(2))
        .unwrap();
    d.lab.run();
    for (t, p) in targets.iter().zip(&pings) {
        let r = d.lab.ping_report(*p).unwrap();
        assert_eq!(r.received, 2, "ping {t}: {r:?}");
        assert!(r.replies.iter().all(|x| x.from == *t));
    }
    assert_eq!(d.lab.ping_report(back).unwrap().received, 2);
}

#[test]
fn ttl_expiry_and_unreachable_destinations_are_reported() {
    let mut d = lab();
    let mut ttl1 = PingSpec::new(IX_HOST);
    ttl1.ttl = 1;
    let mut ttl2 = PingSpec::new(IX_HOST);
    ttl2.ttl = 2;
    let p_ttl1 = d.lab.ping(d.seil_host, Instant::ZERO, ttl1).unwrap();
    let p_ttl2 = d.lab.ping(d.seil_host, at(0.1), ttl2).unwrap();
    // SEIL has no default route.
    let p_noroute = d
        .lab
        .ping(
            d.seil_host,
            at(0.2),
            PingSpec::new(Ipv4Addr::new(10, 9, 9, 9)),
        )
        .unwrap();
    // On IX's LAN but nobody there: IX's ARP gives up after 3 s.
    let p_nohost = d
        .lab
        .ping(
            d.seil_host,
            at(0.3),
            PingSpec::new(Ipv4Addr::new(192, 168, 1, 99)).timeout(Duration::from_secs(5)),
        )
        .unwrap();
    // On the host's own LAN, nobody there: the host's own ARP gives up.
    let p_local = d
        .lab
        .ping(
            d.seil_host,
            at(0.4),
            PingSpec::new(Ipv4Addr::new(192, 168, 0, 77)).timeout(Duration::from_secs(5)),
        )
        .unwrap();
    d.lab.run();

    let err = |p| {
        let r = d.lab.ping_report(p).unwrap();
        assert_eq!(r.received, 0, "{r:?}");
        assert_eq!(r.errors.len(), 1, "{r:?}");
        (r.errors[0].from, r.errors[0].kind)
    };
    assert_eq!(err(p_ttl1), (SEIL_LAN, PingErrorKind::TimeExceeded(0)));
    // TTL 2 dies at IX, which answers from the interface it came in on: the tunnel's (its WAN).
    assert_eq!(err(p_ttl2), (IX_WAN, PingErrorKind::TimeExceeded(0)));
    assert_eq!(err(p_noroute), (SEIL_LAN, PingErrorKind::Unreachable(0)));
    assert_eq!(err(p_nohost).1, PingErrorKind::Unreachable(1));
    assert_eq!(err(p_local), (SEIL_HOST, PingErrorKind::ArpFailed));
    assert!(
        d.lab
            .log_text()
            .contains("ix: FastEthernet1/0.0: arp 192.168.1.99 unreachable")
    );
    assert_eq!(
        d.lab
            .router(d.seil)
            .unwrap()
            .counters()
            .get(Counter::DropNoRoute),
        1
    );
}

#[test]
fn large_pings_fragment_over_a_small_wan_mtu_and_reassemble() {
    let small = LinkParams {
        mtu: 1000,
        ..LinkParams::default()
    };
    let mut seil = seil_config();
    seil.interfaces[1].mtu = 1000;
    let mut ix = ix_config();
    ix.interfaces[0].mtu = 1000;
    let params = DocumentLinkParams {
        wan: small,
        ..Default::default()
    };
    let mut d = document_lab_with(LabConfig::with_seed(3), params, seil, ix).unwrap();
    let big = d
        .lab
        .ping(
            d.seil_host,
            Instant::ZERO,
            PingSpec::new(IX_HOST).count(3).size(3000),
        )
        .unwrap();
    let mut df = PingSpec::new(IX_HOST).size(1472);
    df.dont_fragment = true;
    let p_df = d.lab.ping(d.seil_host, at(5.0), df).unwrap();
    d.lab.run();

    let r = d.lab.ping_report(big).unwrap();
    assert_eq!(r.received, 3, "{r:?}");
    assert!(r.replies.iter().all(|x| x.bytes == 3008));
    let seil = d.lab.router(d.seil).unwrap().counters();
    let ix = d.lab.router(d.ix).unwrap().counters();
    assert!(seil.get(Counter::FragmentsSent) > 0 && ix.get(Counter::FragmentsSent) > 0);
    assert!(seil.get(Counter::Reassembled) > 0 && ix.get(Counter::Reassembled) > 0);
    assert!(
        d.lab
            .host(d.ix_host)
            .unwrap()
            .counters()
            .get(Counter::Reassembled)
            >= 3
    );
    // Nothing was too big for the wire.
    assert_eq!(
        d.lab
            .link_stats(d.links.wan_seil)
            .unwrap()
            .get(Counter::DropOverMtu),
        0
    );

    // 1500 bytes with DF do not fit the 1480-byte tunnel: SEIL says so.
    let r = d.lab.ping_report(p_df).unwrap();
    assert_eq!(r.errors.len(), 1, "{r:?}");
    assert_eq!(
        (r.errors[0].from, r.errors[0].kind),
        (SEIL_LAN, PingErrorKind::Unreachable(4))
    );
}

#[test]
fn arp_entries_expire_and_are_resolved_again() {
    let mut d = lab();
    let first = d
        .lab
        .ping(d.seil_host, Instant::ZERO, PingSpec::new(IX_HOST))
        .unwrap();
    let soon = d
        .lab
        .ping(d.seil_host, at(60.0), PingSpec::new(IX_HOST))
        .unwrap();
    let late = d
        .lab
        .ping(d.seil_host, at(400.0), PingSpec::new(IX_HOST))
        .unwrap();
    d.lab.run();
    for p in [first, soon, late] {
        assert_eq!(d.lab.ping_report(p).unwrap().received, 1);
    }
    let arps_between = |link, from: f64, to: f64| {
        d.lab
            .capture()
            .on_link(link)
            .filter(|f| f.time >= at(from) && f.time < at(to) && is_arp(&f.data))
            .count()
    };
    for link in [d.links.lan_seil, d.links.lan_ix, d.links.wan_seil] {
        assert_eq!(arps_between(link, 0.0, 1.0), 2, "first resolution");
        assert_eq!(
            arps_between(link, 59.0, 61.0),
            0,
            "cache still fresh after a minute"
        );
        // Resolved again after the 5-minute lifetime: one request (which refreshes the
        // answering side's entry too), one reply.
        assert_eq!(
            arps_between(link, 399.0, 401.0),
            2,
            "expired after 5 minutes"
        );
    }
}

#[test]
fn run_until_stops_at_the_deadline_and_resumes() {
    let mut d = lab();
    let p = d
        .lab
        .ping(d.seil_host, Instant::ZERO, PingSpec::new(IX_HOST).count(5))
        .unwrap();
    let s = d.lab.run_until(at(2.5));
    assert_eq!((s.end, s.now), (RunEnd::Deadline, at(2.5)));
    assert_eq!(d.lab.ping_report(p).unwrap().received, 3);
    let s = d.lab.run();
    assert_eq!(s.end, RunEnd::Idle);
    assert_eq!(d.lab.ping_report(p).unwrap().received, 5);
}

#[test]
fn start_time_is_configurable() {
    let start = StartTime::parse_syslog("Mar 14 01:59:26", 2024).unwrap();
    let mut d = document_lab(LabConfig {
        start,
        ..LabConfig::with_seed(1)
    })
    .unwrap();
    d.lab
        .ping(d.seil_host, Instant::ZERO, PingSpec::new(IX_HOST))
        .unwrap();
    d.lab.run();
    assert!(d.lab.log_text().starts_with("Mar 14 01:59:26."));
}

#[test]
fn scripted_closures_run_at_their_time() {
    let mut d = lab();
    let host = d.seil_host;
    d.lab.at(at(3.0), move |lab| {
        assert_eq!(lab.now(), at(3.0));
        lab.ping(host, lab.now(), PingSpec::new(IX_HOST)).unwrap();
    });
    let s = d.lab.run();
    assert_eq!(s.end, RunEnd::Idle);
    let r = d
        .lab
        .host(d.seil_host)
        .unwrap()
        .ping_reports()
        .next()
        .unwrap()
        .clone();
    assert_eq!((r.start, r.received), (at(3.0), 1));
}

#[test]
fn a_call_for_one_node_runs_at_its_time_and_that_node_is_served() {
    let mut d = lab();
    let (host, router) = (d.seil_host, d.seil);
    // The call names the router; what it schedules through the lab itself (a ping on a host)
    // is served all the same.
    d.lab.at_node(at(2.0), router, move |lab| {
        assert_eq!(lab.now(), at(2.0));
        lab.ping(host, lab.now(), PingSpec::new(IX_HOST)).unwrap();
    });
    let s = d.lab.run();
    assert_eq!(s.end, RunEnd::Idle);
    let r = d
        .lab
        .host(host)
        .unwrap()
        .ping_reports()
        .next()
        .unwrap()
        .clone();
    assert_eq!((r.start, r.received), (at(2.0), 1));
}

#[test]
fn a_virtual_day_costs_only_its_events() {
    let mut d = lab();
    let hourly = PingSpec::new(IX_HOST)
        .count(24)
        .interval(Duration::from_secs(3600));
    let p = d.lab.ping(d.seil_host, Instant::ZERO, hourly).unwrap();
    let s = d.lab.run_until(at(86_400.0));
    assert_eq!((s.end, s.now), (RunEnd::Idle, at(86_400.0)));
    assert_eq!(d.lab.ping_report(p).unwrap().received, 24);
    // ARP expires between pings (hourly > 5 min), so every ping resolves again: about 20 events
    // each, and nothing at all in between.
    // Its wall time is the bench's to measure (`cargo bench -p ikelab-sim`), not a test's.
    assert!(s.events < 24 * 30, "{} events", s.events);
}

#[test]
fn gateway_routes_and_longest_prefix_match() {
    // SEIL gets a default route to IX over the WAN; IX has none, so it answers "net unreachable".
    let mut seil = seil_config();
    seil.routes.push(RouteConfig {
        dest: "0.0.0.0/0".parse().unwrap(),
        via: Via::Gateway(IX_WAN),
    });
    let mut d = document_lab_with(
        LabConfig::with_seed(9),
        DocumentLinkParams::default(),
        seil,
        ix_config(),
    )
    .unwrap();
    assert_eq!(
        d.lab
            .router(d.seil)
            .unwrap()
            .route_to(Ipv4Addr::new(10, 9, 9, 9)),
        Some(("lan1", Some(IX_WAN)))
    );
    // The /24 over the tunnel still wins over the default route.
    assert_eq!(
        d.lab.router(d.seil).unwrap().route_to(IX_HOST),
        Some(("ipsec0", None))
    );
    let far = d
        .lab
        .ping(
            d.seil_host,
            Instant::ZERO,
            PingSpec::new(Ipv4Addr::new(10, 9, 9, 9)),
        )
        .unwrap();
    let near = d
        .lab
        .ping(d.seil_host, Instant::ZERO, PingSpec::new(IX_HOST))
        .unwrap();
    d.lab.run();
    let r = d.lab.ping_report(far).unwrap();
    assert_eq!(r.errors.len(), 1, "{r:?}");
    assert_eq!(
        (r.errors[0].from, r.errors[0].kind),
        (IX_WAN, PingErrorKind::Unreachable(0))
    );
    assert_eq!(d.lab.ping_report(near).unwrap().received, 1);
    // The request to 10.9.9.9 crossed the WAN bare (not in the tunnel).
    let bare = d
        .lab
        .capture()
        .on_link(d.links.wan_ix)
        .filter(|f| icmp_echo(&f.data).is_some_and(|e| e.0 == 8 && !e.3))
        .count();
    assert_eq!(bare, 1);
}

#[test]
fn configuration_errors_are_typed() {
    let mut lab = Lab::new(LabConfig::default());
    lab.add_router(seil_config()).unwrap();
    assert!(matches!(
        lab.add_router(seil_config()),
        Err(SimError::DuplicateName(_))
    ));

    let mut bad = ix_config();
    bad.routes.push(RouteConfig {
        dest: "10.0.0.0/8".parse().unwrap(),
        via: Via::Interface("Tunnel9.0".into()),
    });
    assert!(matches!(
        lab.add_router(bad),
        Err(SimError::UnknownInterface { .. })
    ));

    let mut bad = ix_config();
    bad.routes.push(RouteConfig {
        dest: "10.0.0.0/8".parse().unwrap(),
        via: Via::Gateway(Ipv4Addr::new(10, 1, 1, 1)),
    });
    assert!(matches!(lab.add_router(bad), Err(SimError::Config(_))));

    let mut bad = ix_config();
    bad.interfaces[1].name = "FastEthernet0/0.0".into();
    assert!(matches!(
        lab.add_router(bad),
        Err(SimError::DuplicateName(_))
    ));

    // Same MAC twice.
    let mut a = ix_config();
    a.name = "ix-a".into();
    a.interfaces[0].mac = Some(MacAddr([2, 0, 0, 0, 0, 1]));
    let mut b = ix_config();
    b.name = "ix-b".into();
    b.interfaces[0].mac = Some(MacAddr([2, 0, 0, 0, 0, 1]));
    lab.add_router(a).unwrap();
    assert!(matches!(
        lab.add_router(b),
        Err(SimError::DuplicateMac { .. })
    ));

    let off_net = HostConfig::new(
        "h",
        "192.168.0.10/24".parse().unwrap(),
        Some(Ipv4Addr::new(10, 0, 0, 1)),
    );
    assert!(matches!(lab.add_host(off_net), Err(SimError::Config(_))));

    // Connecting: unknown interface, port already in use, a router without a named interface.
    let h = lab
        .add_host(HostConfig::new(
            "h",
            "192.168.0.10/24".parse().unwrap(),
            None,
        ))
        .unwrap();
    let seil = lab.node_id("seil").unwrap();
    assert!(matches!(
        lab.connect("x", (seil, "lan7"), h, LinkParams::default()),
        Err(SimError::UnknownInterface { .. })
    ));
    lab.connect("ok", (seil, "lan0"), h, LinkParams::default())
        .unwrap();
    let h2 = lab
        .add_host(HostConfig::new(
            "h2",
            "192.168.0.11/24".parse().unwrap(),
            None,
        ))
        .unwrap();
    assert!(matches!(
        lab.connect("y", (seil, "lan0"), h2, LinkParams::default()),
        Err(SimError::PortInUse { .. })
    ));
    assert!(matches!(
        lab.connect("z", seil, h2, LinkParams::default()),
        Err(SimError::Config(_))
    ));
    assert!(matches!(
        lab.connect("ok", (seil, "lan1"), h2, LinkParams::default()),
        Err(SimError::DuplicateName(_))
    ));
    assert!(matches!(
        lab.ping(seil, Instant::ZERO, PingSpec::new(IX_HOST)),
        Err(SimError::UnknownNode(_))
    ));
    // A failed connection leaves no stray switch port.
    let sw = lab.add_switch("sw").unwrap();
    assert!(
        lab.connect("w", sw, (seil, "nope"), LinkParams::default())
            .is_err()
    );
    assert!(lab.connect("w", sw, sw, LinkParams::default()).is_err());
    assert_eq!(lab.node(sw).unwrap().port_count(), 0);
}
