//! Whether `check-config` and `decode` grow linearly with their input (issue 15)
//! (`cargo bench -p ikelab --bench linear`): each is timed on an input and on one ten times as
//! large, in the same process, and the bench prints the ratio against the bound a linear
//! reader meets (10, with room for caches: at most 20). A quadratic reader prints about 100.
//! Without `--bench` each runs once, small.

use std::path::Path;
use std::time::{Duration, Instant as Wall};

use ikelab_peers::personality::{ix, seil};

fn median(runs: usize, mut f: impl FnMut()) -> Duration {
    let mut t: Vec<Duration> = (0..runs)
        .map(|_| {
            let s = Wall::now();
            f();
            s.elapsed()
        })
        .collect();
    t.sort();
    t[t.len() / 2]
}

/// The `n`-th distinct peer address in 10.0.0.0/8.
fn peer(n: usize) -> String {
    format!("10.{}.{}.{}", (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff)
}

/// One of the document's configs (the project's own fixtures).
fn document(name: &str) -> String {
    let p = format!(
        "{}/../tests/fixtures/document/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

/// The document's IX with `lines` more IKE peers.
fn ix_config(lines: usize) -> String {
    let mut text = document("ix.conf");
    text.push_str("interface FastEthernet2/0.0\nip address 10.0.0.0/8\nno shutdown\n");
    for n in 1..=lines {
        text.push_str(&format!(
            "ike policy pol-{n} peer {} key key-{n} ike-prop\n",
            peer(n)
        ));
    }
    text
}

/// The document's fixed SEIL with `lines` more IKE peers (two lines each).
fn seil_config(lines: usize) -> String {
    let mut text = document("seil-after.conf");
    text.push_str("interface lan2 add 10.0.0.0/8\n");
    for n in 1..=lines {
        let a = peer(n);
        text.push_str(&format!(
            "ike preshared-key add \"{a}\" \"key-{n}\"\n\
             ike peer add peer-{n} address {a} exchange-mode main proposals test\n"
        ));
    }
    text
}

/// Prints one ratio line and says whether it is within the bound.
fn report(what: &str, small: (usize, Duration), large: (usize, Duration)) {
    let ratio = large.1.as_secs_f64() / small.1.as_secs_f64().max(1e-9);
    let size = large.0 as f64 / small.0 as f64;
    let bound = 2.0 * size;
    println!(
        "{what}: {} in {:.1} ms, {} in {:.1} ms: ratio {ratio:.1} for {size:.0}x the input (linear: {size:.0}, bound {bound:.0}) {}",
        small.0,
        small.1.as_secs_f64() * 1e3,
        large.0,
        large.1.as_secs_f64() * 1e3,
        if ratio <= bound {
            "ok"
        } else {
            "OVER THE BOUND"
        }
    );
}

/// A capture of `pings` echo requests through the document's fixed tunnel, written to `dir`.
fn capture(dir: &Path, pings: u32) -> std::path::PathBuf {
    let mut loaded = ikelab::scenario::load_named("proxy-id-fixed").expect("built in");
    loaded.scenario.duration = Duration::from_secs(30 + u64::from(pings) / 100);
    let mut b = ikelab::scenario::build(&loaded, None).expect("builds");
    let host = b.host("host-a").expect("host-a");
    let at = b.lab.now() + Duration::from_secs(20);
    b.lab
        .ping(
            host,
            at,
            ikelab_sim::PingSpec {
                count: pings,
                interval: Duration::from_millis(10),
                ..ikelab_sim::PingSpec::new("192.168.1.10".parse().expect("an address"))
            },
        )
        .expect("ping");
    ikelab::report::stream(&mut b, dir).expect("folder");
    b.lab.run();
    ikelab::report::finish(&mut b).expect("flushed");
    let result = b.result();
    let info = ikelab::report::RunInfo::of(&loaded, None, &result, Default::default());
    ikelab::report::write(&b, &info, dir).expect("written");
    dir.join("capture.pcapng")
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (n, runs) = if full { (20_000, 5) } else { (1_000, 1) };

    let ix_small = ix_config(n);
    let ix_large = ix_config(10 * n);
    let t1 = median(runs, || {
        ix::parse("ix.conf", &ix_small).expect("parses");
    });
    let t2 = median(runs, || {
        ix::parse("ix.conf", &ix_large).expect("parses");
    });
    report("check-config ix (ike policy lines)", (n, t1), (10 * n, t2));

    let seil_small = seil_config(n);
    let seil_large = seil_config(10 * n);
    let t1 = median(runs, || {
        seil::parse("seil.conf", &seil_small).expect("parses");
    });
    let t2 = median(runs, || {
        seil::parse("seil.conf", &seil_large).expect("parses");
    });
    report("check-config seil (peers)", (n, t1), (10 * n, t2));

    let root = std::env::temp_dir().join(format!("ikelab-bench-linear-{}", std::process::id()));
    let pings = if full { 2_000 } else { 100 };
    let small = capture(&root.join("small"), pings);
    let large = capture(&root.join("large"), 10 * pings);
    let keys = |c: &Path| c.with_file_name("keys");
    let decode = |c: &Path| {
        let mut records = 0usize;
        ikelab::decode::decode_stream(c, Some(&keys(c)), ikelab_sim::Limit::CAPTURE, |_| {
            records += 1;
        })
        .expect("decodes");
        records
    };
    let (r1, r2) = (decode(&small), decode(&large));
    let t1 = median(runs, || {
        decode(&small);
    });
    let t2 = median(runs, || {
        decode(&large);
    });
    report(
        "decode (records of a tunnel with pings)",
        (r1, t1),
        (r2, t2),
    );
    let _ = std::fs::remove_dir_all(&root);
}
