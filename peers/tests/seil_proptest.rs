//! Hostile input for the SEIL config parser (`ikelab_peers::personality::seil::parse`).
//!
//! For arbitrary text, arbitrary bytes (decoded lossily, as a router reading a file would),
//! lines of random SEIL words, and word- and line-level mutations of the document's configs:
//! - the parser never panics and is deterministic;
//! - the outcome agrees with the diagnostics: `Ok` carries only warnings, `Err` at least one
//!   error;
//! - every diagnostic names the file and points inside the text: line 1..=lines, column
//!   1..=(line length + 2), or just past the limit for an overlong line.
//!
//! `heavy_mutations` (ignored) runs 20,000 mutation cases:
//! `cargo test -p ikelab-peers --test seil_proptest -- --ignored`.

use ikelab_peers::personality::seil;
use ikelab_peers::personality::{Diagnostic, Severity};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

const MAX_LINE_CHARS: usize = 4096;

fn document(name: &str) -> String {
    let path = format!(
        "{}/../tests/fixtures/document/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Parses `text` and checks the invariants; returns the diagnostics for further checks.
fn check(text: &str) -> Vec<Diagnostic> {
    let r = seil::parse("p.conf", text);
    let again = seil::parse("p.conf", text);
    assert_eq!(format!("{r:?}"), format!("{again:?}"), "not deterministic");
    let (ok, diags) = match r {
        Ok(cfg) => (true, cfg.warnings),
        Err(e) => (false, e.0),
    };
    let errors = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    assert_eq!(ok, errors == 0, "{diags:?}");
    let lines: Vec<&str> = text.split('\n').collect();
    for d in &diags {
        assert_eq!(d.file, "p.conf");
        assert!(d.line >= 1 && d.line <= lines.len(), "{d}");
        let len = lines[d.line - 1].chars().count();
        assert!(
            d.column >= 1 && d.column <= (len + 2).max(MAX_LINE_CHARS + 1),
            "{d} (line has {len} characters)"
        );
        assert!(!d.message.is_empty());
    }
    diags
}

/// Words SEIL configs are made of, and some that are nearly right.
const VOCAB: &[&str] = &[
    "hostname",
    "interface",
    "route",
    "add",
    "ike",
    "ipsec",
    "peer",
    "proposal",
    "preshared-key",
    "security-association",
    "tunnel-interface",
    "tunnel",
    "unnumbered",
    "on",
    "lan0",
    "lan1",
    "ipsec0",
    "ipsec1",
    "pppoe0",
    "default",
    "address",
    "dynamic",
    "exchange-mode",
    "main",
    "aggressive",
    "proposals",
    "encryption",
    "hash",
    "authentication",
    "dh-group",
    "lifetime-of-time",
    "authentication-algorithm",
    "encryption-algorithm",
    "pfs-group",
    "proxy-id-local",
    "proxy-id-remote",
    "proxy-id-protocol",
    "esp",
    "ah",
    "enable",
    "disable",
    "any",
    "aes",
    "aes256,3des",
    "sha1",
    "md5,sha256",
    "hmac-sha1",
    "modp1024",
    "modp9999",
    "10m",
    "05m",
    "0",
    "1h30m",
    "99999999999h",
    "test",
    "test2",
    "172.16.0.1",
    "172.16.0.2",
    "172.16.0.0/24",
    "192.168.1.1/24",
    "300.1.1.1",
    "::1",
    "\"hogehoge\"",
    "\"",
    "\"\\",
    "#",
    "nonce-size",
    "dpd",
    "nat-traversal",
    "force",
    "my-identifier",
    "fqdn",
    "interval",
    "retry",
    "5",
    "-1",
    "",
];

fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(VOCAB).prop_map(str::to_string),
        1 => "[ -~]{0,12}",
        1 => any::<String>(),
    ]
}

fn vocab_lines() -> impl Strategy<Value = String> {
    vec(vec(word(), 0..14).prop_map(|w| w.join(" ")), 0..20).prop_map(|l| l.join("\n"))
}

/// A mutation of a document config, at word or line level.
#[derive(Clone, Debug)]
enum Mutation {
    DropWord(usize, usize),
    DupWord(usize, usize),
    ReplaceWord(usize, usize, String),
    InsertWord(usize, usize, String),
    DropLine(usize),
    DupLine(usize),
    SwapLines(usize, usize),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let i = 0usize..64;
    prop_oneof![
        (i.clone(), i.clone()).prop_map(|(l, w)| Mutation::DropWord(l, w)),
        (i.clone(), i.clone()).prop_map(|(l, w)| Mutation::DupWord(l, w)),
        (i.clone(), i.clone(), word()).prop_map(|(l, w, s)| Mutation::ReplaceWord(l, w, s)),
        (i.clone(), i.clone(), word()).prop_map(|(l, w, s)| Mutation::InsertWord(l, w, s)),
        i.clone().prop_map(Mutation::DropLine),
        i.clone().prop_map(Mutation::DupLine),
        (i.clone(), i.clone()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        (0usize..2000).prop_map(Mutation::Truncate),
    ]
}

fn apply(text: &str, muts: &[Mutation]) -> String {
    let mut lines: Vec<Vec<String>> = text
        .lines()
        .map(|l| l.split(' ').map(str::to_string).collect())
        .collect();
    for m in muts {
        if lines.is_empty() {
            break;
        }
        let n = lines.len();
        match m {
            Mutation::DropWord(l, w) => {
                let line = &mut lines[l % n];
                if !line.is_empty() {
                    let k = w % line.len();
                    line.remove(k);
                }
            }
            Mutation::DupWord(l, w) => {
                let line = &mut lines[l % n];
                if !line.is_empty() {
                    let k = w % line.len();
                    let x = line[k].clone();
                    line.insert(k, x);
                }
            }
            Mutation::ReplaceWord(l, w, s) => {
                let line = &mut lines[l % n];
                if !line.is_empty() {
                    let k = w % line.len();
                    line[k] = s.clone();
                }
            }
            Mutation::InsertWord(l, w, s) => {
                let line = &mut lines[l % n];
                let k = w % (line.len() + 1);
                line.insert(k, s.clone());
            }
            Mutation::DropLine(l) => {
                lines.remove(l % n);
            }
            Mutation::DupLine(l) => {
                let x = lines[l % n].clone();
                lines.insert(l % n, x);
            }
            Mutation::SwapLines(a, b) => lines.swap(a % n, b % n),
            Mutation::Truncate(at) => {
                let joined: String = lines
                    .iter()
                    .map(|l| l.join(" "))
                    .collect::<Vec<_>>()
                    .join("\n");
                let cut: String = joined.chars().take(*at).collect();
                lines = cut
                    .split('\n')
                    .map(|l| l.split(' ').map(str::to_string).collect())
                    .collect();
            }
        }
    }
    lines
        .iter()
        .map(|l| l.join(" "))
        .collect::<Vec<_>>()
        .join("\n")
}

fn documents() -> [String; 2] {
    [document("seil-before.conf"), document("seil-after.conf")]
}

proptest! {
    #![proptest_config(Config { cases: 512, ..Config::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        check(&text);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..2048)) {
        check(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn printable_noise_never_panics(text in "[ -~\t\n\"#\\\\]{0,600}") {
        check(&text);
    }

    #[test]
    fn random_seil_words_never_panic(text in vocab_lines()) {
        check(&text);
    }

    #[test]
    fn mutated_documents_never_panic(
        which in 0usize..2,
        muts in vec(mutation(), 1..6),
    ) {
        check(&apply(&documents()[which], &muts));
    }

    #[test]
    fn long_lines_never_panic(n in 4000usize..4200, c in prop::sample::select(vec!['x', ' ', '"', 'é'])) {
        let line: String = std::iter::repeat_n(c, n).collect();
        let diags = check(&format!("hostname OBJ\n{line}\n"));
        if n > MAX_LINE_CHARS {
            prop_assert!(diags.iter().any(|d| d.line == 2 && d.column == MAX_LINE_CHARS + 1));
        }
    }
}

#[test]
fn the_unmutated_documents_pass_check() {
    for d in documents() {
        assert!(check(&d).is_empty());
    }
}

#[test]
fn huge_inputs_stay_fast() {
    // Many lines, one enormous line, deep quote nesting: linear work, no panic.
    let many = "interface lan0 add 10.0.0.1/24\n".repeat(20_000);
    check(&many);
    check(&"x".repeat(1 << 20));
    check(&"\"".repeat(100_000));
    check(&"ike peer add p ".repeat(270));
}

#[test]
#[ignore]
fn heavy_mutations() {
    let mut runner = TestRunner::new(Config {
        cases: 20_000,
        ..Config::default()
    });
    let docs = documents();
    runner
        .run(&(0usize..2, vec(mutation(), 1..10)), |(which, muts)| {
            check(&apply(&docs[which], &muts));
            Ok(())
        })
        .unwrap();
}
