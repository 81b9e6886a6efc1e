//! Wall-clock cost of simulated time (`cargo bench -p ikelab-sim`). A plain `harness = false`
//! bench: each scenario is built and run repeatedly and the median is reported. Run without
//! `--bench` (as `cargo test --benches` does) each scenario runs once, as a smoke test.

use std::hint::black_box;
use std::net::Ipv4Addr;
use std::time::{Duration, Instant as Wall};

use ikelab_sim::topology::IX_HOST;
use ikelab_sim::{
    HostConfig, Instant, Ipv4Net, Lab, LabConfig, LinkParams, PingSpec, RunEnd, document_lab,
};

struct Outcome {
    events: u64,
    virtual_time: Duration,
    frames: usize,
}

/// Runs `f` `runs` times, prints its median and minimum, and gives the median.
fn measure(name: &str, runs: usize, mut f: impl FnMut() -> Outcome) -> Duration {
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        let t = Wall::now();
        let o = black_box(f());
        times.push(t.elapsed());
        last = Some(o);
    }
    times.sort();
    let o = last.expect("at least one run");
    let median = times[times.len() / 2];
    let per_event = if o.events == 0 {
        "-".to_string()
    } else {
        format!("{:.0}", median.as_nanos() as f64 / o.events as f64)
    };
    println!(
        "{name:<46} median {:>9.3} ms  min {:>9.3} ms  ({runs} runs; {} events, {} frames captured, {:.0} s virtual; {per_event} ns/event)",
        median.as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        o.events,
        o.frames,
        o.virtual_time.as_secs_f64(),
    );
    median
}

/// The document's lab: SEIL and IX over the IP-in-IP placeholder, 10 pings host to host.
fn document_10_pings() -> Outcome {
    let mut d = document_lab(LabConfig::with_seed(1)).expect("lab");
    let p = d
        .lab
        .ping(d.seil_host, Instant::ZERO, PingSpec::new(IX_HOST).count(10))
        .expect("ping");
    let s = d.lab.run();
    assert_eq!(d.lab.ping_report(p).expect("report").received, 10);
    Outcome {
        events: s.events,
        virtual_time: s.now.since_zero(),
        frames: d.lab.capture().frames().len(),
    }
}

/// A virtual day of the document's lab with one ping every `every`: wall time should follow the
/// number of events, not the length of the day.
fn day_with_ping_every(every: Duration) -> Outcome {
    let day = Duration::from_secs(24 * 3600);
    let mut d = document_lab(LabConfig::with_seed(1)).expect("lab");
    let count = (day.as_secs() / every.as_secs()) as u32;
    let p = d
        .lab
        .ping(
            d.seil_host,
            Instant::ZERO,
            PingSpec::new(IX_HOST).count(count).interval(every),
        )
        .expect("ping");
    let s = d
        .lab
        .run_until(Instant::ZERO + day + Duration::from_secs(60));
    assert_eq!(s.end, RunEnd::Idle);
    assert_eq!(d.lab.ping_report(p).expect("report").received, count);
    Outcome {
        events: s.events,
        virtual_time: s.now.since_zero(),
        frames: d.lab.capture().frames().len(),
    }
}

/// `days` in which nothing happens.
fn idle(days: u64) -> Outcome {
    let mut d = document_lab(LabConfig::with_seed(1)).expect("lab");
    let s = d
        .lab
        .run_until(Instant::ZERO + Duration::from_secs(days * 24 * 3600));
    Outcome {
        events: s.events,
        virtual_time: s.now.since_zero(),
        frames: 0,
    }
}

/// `n` hosts and a server on one switch. Every host pings the server `pings` times: the first
/// ARP request of each host floods to all ports (the only per-frame O(n) work), the rest is
/// learned unicast.
fn switch_hosts(n: usize, pings: u32, capture: bool) -> Outcome {
    let mut lab = Lab::new(LabConfig {
        capture,
        ..LabConfig::with_seed(1)
    });
    let sw = lab.add_switch("sw").expect("switch");
    let server_ip = Ipv4Addr::new(10, 0, 0, 1);
    let net = |ip| Ipv4Net {
        addr: ip,
        prefix_len: 16,
    };
    let server = lab
        .add_host(HostConfig::new("server", net(server_ip), None))
        .expect("host");
    lab.connect("server", server, sw, LinkParams::default())
        .expect("link");
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let ip = Ipv4Addr::from(u32::from(server_ip) + 1 + i as u32);
        let name = format!("h{i}");
        let h = lab
            .add_host(HostConfig::new(name.clone(), net(ip), None))
            .expect("host");
        lab.connect(&name, h, sw, LinkParams::default())
            .expect("link");
        // Staggered over a second so the server's ARP queue never overflows.
        let start = Instant::ZERO + Duration::from_micros(1000 * i as u64 / n as u64 * 1000);
        let spec = PingSpec::new(server_ip)
            .count(pings)
            .interval(Duration::from_millis(100));
        ids.push(lab.ping(h, start, spec).expect("ping"));
    }
    let s = lab.run();
    assert_eq!(s.end, RunEnd::Idle);
    for id in ids {
        assert_eq!(lab.ping_report(id).expect("report").received, pings);
    }
    Outcome {
        events: s.events,
        virtual_time: s.now.since_zero(),
        frames: lab.capture().frames().len(),
    }
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let runs = |n: usize| if bench { n } else { 1 };
    measure(
        "document lab: 10 pings over IP-in-IP",
        runs(200),
        document_10_pings,
    );
    let day = measure("idle virtual day (no events)", runs(200), || idle(1));
    let year = measure("idle virtual year (no events)", runs(200), || idle(365));
    println!(
        "an idle virtual year costs {:.2}x an idle virtual day (goal: about 1, idle time is free)",
        year.as_secs_f64() / day.as_secs_f64().max(1e-9)
    );
    measure("virtual day, a ping every 10 min", runs(20), || {
        day_with_ping_every(Duration::from_secs(600))
    });
    measure("virtual day, a ping every minute", runs(10), || {
        day_with_ping_every(Duration::from_secs(60))
    });
    measure("1,000 hosts on a switch, 1 ping each", runs(5), || {
        switch_hosts(1000, 1, true)
    });
    measure(
        "1,000 hosts on a switch, 1 ping each, no taps",
        runs(5),
        || switch_hosts(1000, 1, false),
    );
    measure("1,000 hosts on a switch, 10 pings each", runs(5), || {
        switch_hosts(1000, 10, true)
    });
}
