//! The document's scenarios in network namespaces agree with the same scenarios in-process: the
//! same outcome (phases, pings) and the same vendor logs line for line, once times and random
//! values (cookies, SPIs, message IDs) are normalised. Both run for the same (shortened) time.

use std::sync::atomic::AtomicBool;
use std::time::Duration;

use ikelab::netns::{NetnsOptions, run_scenario};
use ikelab::scenario::{build, load_named};
use ikelab_peers::time::Instant;
use ikelab_tests::interop::{Tool, can_run, serial};
use regex::Regex;

/// Strips SEIL's sequence number and time, cookies, SPIs and message IDs.
fn normalise(line: &str) -> String {
    let seil_prefix = Regex::new(r"^\d+ [A-Z][a-z]{2} +\d+ \d\d:\d\d:\d\d ").unwrap();
    let cookies = Regex::new(r"\b[0-9a-f]{16}(:[0-9a-f]{16})?(:[0-9a-f]{8})?\b").unwrap();
    let spi = Regex::new(r"spi=\d+\(0x[0-9a-f]+\)|SPI 0x[0-9a-f]+").unwrap();
    let l = seil_prefix.replace(line.trim(), "");
    let l = cookies.replace_all(&l, "COOKIES");
    spi.replace_all(&l, "SPI").into_owned()
}

struct Outcome {
    logs: Vec<(String, Vec<String>)>,
    outcome: String,
}

fn normalised(logs: Vec<(String, String)>) -> Vec<(String, Vec<String>)> {
    logs.into_iter()
        .map(|(n, l)| (n, l.lines().map(normalise).collect()))
        .collect()
}

fn in_process(name: &str, d: Duration) -> Outcome {
    let loaded = load_named(name).unwrap();
    let mut b = build(&loaded, None).unwrap();
    b.lab.run_until(Instant::from_duration(d));
    Outcome {
        logs: normalised(ikelab::report::router_logs(&b.result())),
        outcome: ikelab::report::outcome(&b.result()),
    }
}

fn in_namespaces(name: &str, d: Duration) -> Outcome {
    let loaded = load_named(name).unwrap();
    let opts = NetnsOptions {
        seed: None,
        duration: Some(d),
    };
    let run = run_scenario(&loaded, &opts, &AtomicBool::new(false)).expect("netns run");
    Outcome {
        logs: normalised(ikelab::report::router_logs(&run.result)),
        outcome: run.outcome(),
    }
}

fn compare(name: &str, d: Duration, netns: Outcome) {
    let sim = in_process(name, d);
    assert_eq!(netns.outcome, sim.outcome, "{name}: outcomes differ");
    for ((n1, a), (n2, b)) in netns.logs.iter().zip(&sim.logs) {
        assert_eq!(n1, n2);
        assert_eq!(
            a,
            b,
            "{name}: {n1}'s log differs\n--- netns ---\n{}\n--- in-process ---\n{}",
            a.join("\n"),
            b.join("\n")
        );
    }
    eprintln!("{name}: netns and in-process agree:\n{}", netns.outcome);
}

const T: &str = "the document's scenarios in netns mode";

/// proxy-id-mismatch for 25 s (phase 1, QM1 sent three times and refused with
/// INVALID-ID-INFORMATION, ten pings lost) and proxy-id-fixed for 21 s (SAs up, ten pings
/// answered through IP-in-IP over transport ESP), side by side in their own namespaces.
#[test]
fn netns_runs_agree_with_in_process_runs() {
    let _serial = serial();
    if !can_run(T, &[Tool::Netns]) {
        return;
    }
    let runs = [
        ("proxy-id-mismatch", Duration::from_secs(25)),
        ("proxy-id-fixed", Duration::from_secs(21)),
    ];
    let threads: Vec<_> = runs
        .iter()
        .map(|(name, d)| {
            let (name, d) = (name.to_string(), *d);
            std::thread::spawn(move || {
                let o = in_namespaces(&name, d);
                (o.logs, o.outcome)
            })
        })
        .collect();
    for ((name, d), t) in runs.iter().zip(threads) {
        let (logs, outcome) = t.join().expect("netns run");
        compare(name, *d, Outcome { logs, outcome });
    }
}

#[test]
fn normalising_keeps_the_words() {
    assert_eq!(
        normalise(
            "14 Jan 5 07:28:07 err ike racoon: phase2 negotiation failed due to time up. f811b0fac9ab355f:fa4b9c231dbde9ba:33096059"
        ),
        "err ike racoon: phase2 negotiation failed due to time up. COOKIES"
    );
    assert_eq!(
        normalise("IKE.012: Send delete information, protocol ESP, SPI 0xaee1cb05"),
        "IKE.012: Send delete information, protocol ESP, SPI"
    );
}
