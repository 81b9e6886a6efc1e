//! Readers for the strongSwan golden fixtures: the capture, the ISAKMP payload chain and charon's
//! hex dumps. They are written here, independently of the crate, so that the values the tests
//! compare against come only from the fixtures.

pub mod charon_log;
pub mod isakmp;
pub mod pcap;

use std::path::PathBuf;

/// The folder of one strongSwan case.
pub fn case_dir(case: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/strongswan"
    ))
    .join(case)
}

/// Bytes from hex, with or without a `0x` prefix.
pub fn unhex(s: &str) -> Vec<u8> {
    let s = s.trim().trim_start_matches("0x");
    assert!(s.len() % 2 == 0, "odd hex {s:?}");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap_or_else(|_| panic!("bad hex {s:?}")))
        .collect()
}
