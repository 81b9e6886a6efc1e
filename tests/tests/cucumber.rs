//! The cucumber suite: `features/*.feature`, in a network engineer's words, run by the step
//! library `ikelab test` uses ([`ikelab::steps`]) over the in-process lab.
//!
//! `cargo test -p ikelab-tests --test cucumber`; set `IKELAB_JUNIT=path.xml` for a JUnit report.
//! `@netns` scenarios need root; `@serial` ones run alone.

use std::path::PathBuf;

use ikelab::steps::{self, Suite};

/// Whether the `@netns` scenarios can run here: they need root (network namespaces). When they
/// cannot, they are left out with a message, or fail the run if IKELAB_REQUIRE_TOOLS is set.
fn netns_possible() -> bool {
    if ikelab_sim::netns::is_root() {
        return true;
    }
    if std::env::var_os("IKELAB_REQUIRE_TOOLS").is_some() {
        panic!("the @netns scenarios need root (IKELAB_REQUIRE_TOOLS is set)");
    }
    eprintln!("skipped: the @netns scenarios need root (network namespaces)");
    false
}

fn main() {
    let netns = netns_possible();
    let suite = Suite {
        paths: vec![PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../features")],
        junit: std::env::var_os("IKELAB_JUNIT").map(PathBuf::from),
        keep: Some(Box::new(move |feature, sc| {
            netns || !feature.tags.iter().chain(&sc.tags).any(|t| t == "netns")
        })),
        concurrency: Some(4),
        ..Default::default()
    };
    let verdict = steps::run(suite).unwrap_or_else(|e| panic!("{e}"));
    assert!(verdict.passed(), "the suite failed: {verdict:?}");
}
