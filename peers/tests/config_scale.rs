//! Both config dialects read a config of 100,000 lines as the device would: every line is parsed
//! once and each name is looked up in a table, so the work grows with the number of lines and
//! not with its square (issue 13: 100,000 IX `ike policy` lines took 46 s). No time is measured:
//! a quadratic parser would not finish this test in any reasonable CI budget.

use ikelab_peers::personality::{ix, seil};

/// Lines added to each document config.
const LINES: usize = 100_000;

/// The `n`-th of [`LINES`] distinct peer addresses in 10.0.0.0/8.
fn peer(n: usize) -> String {
    format!("10.{}.{}.{}", (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff)
}

fn document(name: &str) -> String {
    let p = format!(
        "{}/../tests/fixtures/document/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

#[test]
fn ix_reads_100000_ike_policy_lines() {
    let mut text = document("ix.conf");
    text.push_str("interface FastEthernet2/0.0\nip address 10.0.0.0/8\nno shutdown\n");
    for n in 1..=LINES {
        text.push_str(&format!(
            "ike policy pol-{n} peer {} key key-{n} ike-prop\n",
            peer(n)
        ));
    }
    let c = ix::parse("big-ix.conf", &text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.engine.peers.len(), LINES + 1);
    assert_eq!(c.engine.peers[LINES].psk, format!("key-{LINES}").as_bytes());
}

#[test]
fn ix_redefining_one_policy_100000_times_keeps_the_last() {
    let mut text = document("ix.conf");
    for n in 1..=LINES {
        text.push_str(&format!(
            "ike policy ike-policy peer 172.16.0.1 key key-{n} ike-prop\n"
        ));
    }
    let c = ix::parse("redefined-ix.conf", &text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.engine.peers.len(), 1);
    assert_eq!(c.engine.peers[0].psk, format!("key-{LINES}").as_bytes());
}

#[test]
fn seil_reads_100000_peer_lines() {
    let mut text = document("seil-after.conf");
    text.push_str("interface lan2 add 10.0.0.0/8\n");
    for n in 1..=LINES {
        let a = peer(n);
        text.push_str(&format!(
            "ike preshared-key add \"{a}\" \"key-{n}\"\n\
             ike peer add peer-{n} address {a} exchange-mode main proposals test\n"
        ));
    }
    let c = seil::parse("big-seil.conf", &text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.engine.peers.len(), LINES + 1);
}
