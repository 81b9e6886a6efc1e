//! The document's logs, reproduced by the simulated routers: every line of its four excerpts
//! appears in the run's vendor logs as a contiguous run, equal after normalising only cookies, SPIs,
//! timestamps and sequence numbers. The excerpts are windows of longer logs, so each is looked for
//! as a contiguous run of the router's log.

use ikelab::scenario::{build, load_named};
use ikelab_tests::fixtures;
use regex::Regex;

/// Strips what differs between runs: SEIL's sequence number and time, cookies, SPIs.
fn normalise(line: &str) -> String {
    let seil_prefix = Regex::new(r"^\d+ [A-Z][a-z]{2} +\d+ \d\d:\d\d:\d\d ").unwrap();
    let cookie = Regex::new(r"\b[0-9a-f]{16}\b").unwrap();
    let dec_spi = Regex::new(r"spi=\d+").unwrap();
    let hex_spi = Regex::new(r"0x[0-9a-f]+").unwrap();
    let l = seil_prefix.replace(line.trim(), "");
    let l = cookie.replace_all(&l, "COOKIE");
    let l = dec_spi.replace_all(&l, "spi=SPI");
    hex_spi.replace_all(&l, "0xSPI").into_owned()
}

fn run_logs(scenario: &str) -> (Vec<String>, Vec<String>) {
    let loaded = load_named(scenario).unwrap();
    let mut b = build(&loaded, None).unwrap();
    b.lab.run();
    let logs = ikelab::report::router_logs(&b.result());
    let get = |n: &str| {
        logs.iter()
            .find(|(name, _)| name == n)
            .unwrap()
            .1
            .lines()
            .map(normalise)
            .collect()
    };
    (get("seil"), get("ix"))
}

fn excerpt(name: &str) -> Vec<String> {
    std::fs::read_to_string(fixtures().join("document").join(name))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(normalise)
        .collect()
}

fn assert_window(log: &[String], want: &[String], what: &str) {
    let found = log.windows(want.len()).any(|w| w == want);
    assert!(
        found,
        "{what}: the document's lines are not a contiguous run of\n{}\nwanted:\n{}",
        log.join("\n"),
        want.join("\n")
    );
}

#[test]
fn normalising_keeps_the_words() {
    assert_eq!(
        normalise(
            "93 Jan 5 07:37:55 info ike racoon: IPsec-SA established: ESP/Transport 172.16.0.2->172.16.0.1 spi=244160156(0xe8d969c)"
        ),
        "info ike racoon: IPsec-SA established: ESP/Transport 172.16.0.2->172.16.0.1 spi=SPI(0xSPI)"
    );
    assert_eq!(
        normalise(
            "103 Jan 5 07:27:06 info ike racoon: ISAKMP-SA established 172.16.0.1[500]-172.16.0.2[500] spi:ea7faa4a2c9f9393:451fab90cc211ad2"
        ),
        "info ike racoon: ISAKMP-SA established 172.16.0.1[500]-172.16.0.2[500] spi:COOKIE:COOKIE"
    );
    assert_eq!(
        normalise("IKE.014: Receive delete information, protocol ESP, SPI 0xe8d969c"),
        "IKE.014: Receive delete information, protocol ESP, SPI 0xSPI"
    );
    assert_eq!(
        normalise("IKE.045: Receive payload, type 8:HASH, length 24"),
        "IKE.045: Receive payload, type 8:HASH, length 24"
    );
}

#[test]
fn the_failing_case_logs_as_the_document() {
    let (seil, ix) = run_logs("proxy-id-mismatch");
    assert_window(&seil, &excerpt("seil-before.log"), "SEIL before the fix");
    assert_window(&ix, &excerpt("ix-before.log"), "IX before the fix");
}

#[test]
fn the_fixed_case_logs_as_the_document() {
    let (seil, ix) = run_logs("proxy-id-fixed");
    assert_window(&seil, &excerpt("seil-after.log"), "SEIL after the fix");
    assert_window(&ix, &excerpt("ix-after.log"), "IX after the fix");
}

#[test]
fn the_fix_applied_logs_as_the_document() {
    let (seil, ix) = run_logs("proxy-id-reconfigure");
    assert_window(&seil, &excerpt("seil-after.log"), "SEIL after the fix");
    assert_window(&ix, &excerpt("ix-after.log"), "IX after the fix");
}
