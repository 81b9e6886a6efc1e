//! ESP through the simulated tunnel against the crypto-only bound (issue 15)
//! (`cargo bench -p ikelab --bench esp_tunnel`). In one process: the ESP packets a second that
//! the cipher and MAC alone manage (AES-128-CBC + HMAC-SHA1-96, the document's suite, each packet
//! encapsulated once and decapsulated once, as in the lab), then the document's fixed lab
//! carrying pings of the same size, with the capture off and with every frame captured
//! (streamed to disk); each printed as a share of the bound, beside the goal (50% and 25%).
//! Without `--bench` each runs once, small.

use std::net::Ipv4Addr;
use std::time::{Duration, Instant as Wall};

use ikelab_peers::crypto::CipherAlg;
use ikelab_peers::esp::{EspKeys, InboundSa, IntegAlg, OutboundSa};
use ikelab_peers::rng::SeededRandom;
use ikelab_sim::{CaptureFilter, CaptureWhat, PingSpec};

/// ICMP data bytes of each ping (a 1,400-byte IP packet).
const PING_SIZE: usize = 1372;
/// What ESP carries of each ping in the document's transport mode: ICMP header and data.
const CARRIED: usize = PING_SIZE + 8;

/// Encapsulations plus decapsulations a second, crypto alone, over `n` packets.
fn crypto_only(n: u32) -> f64 {
    let keys = || {
        EspKeys::new(CipherAlg::AES128, &[7; 16], IntegAlg::HmacSha1_96, &[9; 20])
            .expect("key lengths")
    };
    let mut out = OutboundSa::new(0x1000, keys()).expect("an SA");
    let mut inb = InboundSa::new(0x1000, keys()).expect("an SA");
    let mut rng = SeededRandom::new(1);
    let payload = vec![0x5a; CARRIED];
    let start = Wall::now();
    for _ in 0..n {
        let p = out
            .encapsulate(1, &payload, &mut rng)
            .expect("encapsulates");
        let d = inb.decapsulate(&p).expect("decapsulates");
        std::hint::black_box(d);
    }
    f64::from(n) / start.elapsed().as_secs_f64()
}

/// ESP packets a second through the document's fixed lab carrying `pings` pings 1 ms apart,
/// with `filter` on the taps (streamed into a temporary folder when anything is captured).
fn tunnel(pings: u32, filter: CaptureFilter) -> f64 {
    let mut loaded = ikelab::scenario::load_named("proxy-id-fixed").expect("built in");
    loaded.scenario.duration = Duration::from_secs(40 + u64::from(pings) / 1000);
    let mut b = ikelab::scenario::build(&loaded, None).expect("builds");
    let host = b.host("host-a").expect("host-a");
    let at = b.lab.now() + Duration::from_secs(20);
    let ping = b
        .lab
        .ping(
            host,
            at,
            PingSpec {
                count: pings,
                interval: Duration::from_millis(1),
                size: PING_SIZE,
                ..PingSpec::new(Ipv4Addr::new(192, 168, 1, 10))
            },
        )
        .expect("ping");
    b.lab.set_capture_filter(filter);
    let dir = std::env::temp_dir().join(format!("ikelab-bench-esp-{}", std::process::id()));
    if filter.what != CaptureWhat::None {
        ikelab::report::stream(&mut b, &dir).expect("folder");
    }
    // Phase 1 and 2 first, so that the timed part is the traffic.
    b.lab.run_until(at);
    let start = Wall::now();
    b.lab.run();
    let secs = start.elapsed().as_secs_f64();
    ikelab::report::finish(&mut b).expect("flushed");
    let _ = std::fs::remove_dir_all(&dir);
    let answered = b.lab.ping_report(ping).expect("the ping").received;
    assert_eq!(answered, pings, "every ping crosses the tunnel");
    // Each echo request and each reply is encapsulated once and decapsulated once.
    f64::from(2 * pings) / secs
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (n, pings) = if full {
        (200_000, 100_000)
    } else {
        (2_000, 1_000)
    };
    let bound = crypto_only(n);
    println!(
        "crypto alone (AES-128-CBC + HMAC-SHA1-96, {CARRIED} bytes): {bound:.0} ESP packets/s encapsulated and decapsulated"
    );
    for (what, filter, goal) in [
        (
            "capture off",
            CaptureFilter {
                what: CaptureWhat::None,
                snaplen: None,
            },
            0.50,
        ),
        (
            "every frame captured, streamed",
            CaptureFilter::default(),
            0.25,
        ),
    ] {
        let rate = tunnel(pings, filter);
        let share = rate / bound;
        println!(
            "ESP through the simulated tunnel, {what}: {rate:.0} packets/s = {:.1}% of the bound (goal {:.0}%) {}",
            share * 100.0,
            goal * 100.0,
            if share >= goal {
                "ok"
            } else {
                "BELOW THE GOAL"
            }
        );
    }
}
