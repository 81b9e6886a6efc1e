//! Hostile input for the RTX config parser (`ikelab_peers::personality::rtx::parse`), as
//! `ix_proptest.rs` does for the IX: arbitrary text, arbitrary bytes, lines made of the dialect's
//! own words, and mutations of the document's lab re-expressed for an RTX. Properties:
//! - no input panics;
//! - `Err` holds at least one error and `Ok` only warnings; every diagnostic points inside the
//!   input (1-based line within it, column at least 1) and says something;
//! - parsing is deterministic;
//! - what parses is consistent: policies name existing peers, routes existing interfaces, and
//!   peers and policies have proposals.

use ikelab_peers::personality::{ConfigErrors, NextHop, RouterConfig, Severity, rtx};
use proptest::collection::vec;
use proptest::prelude::*;

const DOCUMENT: &str = include_str!("../../tests/fixtures/rtx/valid/document-lab.conf");

/// Words of the dialect, so that generated lines reach past the first keyword.
const VOCABULARY: &[&str] = &[
    "ip",
    "lan1",
    "lan2",
    "lan",
    "address",
    "route",
    "default",
    "gateway",
    "tunnel",
    "select",
    "none",
    "enable",
    "disable",
    "all",
    "encapsulation",
    "ipsec",
    "sa",
    "policy",
    "esp",
    "ah",
    "aes-cbc",
    "aes256-cbc",
    "3des-cbc",
    "des-cbc",
    "sha-hmac",
    "sha256-hmac",
    "md5-hmac",
    "local-id=10.0.0.0/8",
    "remote-id=10.0.0.0/255.0.0.0",
    "anti-replay-check=on",
    "ike",
    "local",
    "remote",
    "id",
    "name",
    "pre-shared-key",
    "text",
    "0x6b6579",
    "0x",
    "encryption",
    "hash",
    "sha",
    "sha256",
    "md5",
    "group",
    "modp1024",
    "modp2048",
    "duration",
    "isakmp-sa",
    "ipsec-sa",
    "pfs",
    "on",
    "off",
    "auto",
    "nat-traversal",
    "force=on",
    "keepalive",
    "use",
    "dpd",
    "heartbeat",
    "negotiate-strictly",
    "version",
    "retry",
    "refresh",
    "#",
    "1",
    "2",
    "100",
    "101",
    "0",
    "4294967296",
    "99999999999999999999",
    "172.16.0.1",
    "172.16.0.2",
    "172.16.0.2/24",
    "192.168.0.0/24",
    "0.0.0.0/0",
    "10.0.0.1/33",
    "300.1.1.1",
    "1.2.3",
    "/",
    "any",
    "hogehoge",
];

fn check(text: &str) -> Result<RouterConfig, ConfigErrors> {
    let r = rtx::parse("fuzz.conf", text);
    let lines = text.split('\n').count();
    let diags = match &r {
        Ok(c) => {
            assert!(c.warnings.iter().all(|d| d.severity == Severity::Warning));
            for p in &c.engine.policies {
                assert!(c.engine.peers.iter().any(|x| x.name == p.peer), "{p:?}");
                assert!(!p.proposals.is_empty());
            }
            for p in &c.engine.peers {
                assert!(!p.proposals.is_empty());
            }
            for r in &c.routes {
                if let NextHop::Interface(n) = &r.via {
                    assert!(c.interfaces.iter().any(|i| &i.name == n), "{r:?}");
                }
            }
            &c.warnings
        }
        Err(e) => {
            assert!(e.0.iter().any(|d| d.severity == Severity::Error), "{e}");
            &e.0
        }
    };
    for d in diags {
        assert!(d.line >= 1 && d.line <= lines, "{d} ({lines} lines)");
        assert!(d.column >= 1, "{d}");
        assert!(!d.message.is_empty());
        assert_eq!(d.file, "fuzz.conf");
    }
    let again = rtx::parse("fuzz.conf", text);
    assert_eq!(
        format!("{:?}", r.as_ref().map(|c| &c.warnings).map_err(|e| &e.0)),
        format!(
            "{:?}",
            again.as_ref().map(|c| &c.warnings).map_err(|e| &e.0)
        )
    );
    r
}

fn line_strategy() -> impl Strategy<Value = String> {
    (
        prop_oneof![Just(""), Just("  "), Just("\t")],
        vec(
            prop_oneof![
                4 => proptest::sample::select(VOCABULARY).prop_map(str::to_string),
                1 => "[ -~]{0,12}",
            ],
            0..9,
        ),
    )
        .prop_map(|(indent, words)| format!("{indent}{}", words.join(" ")))
}

/// A mutation of the document's config.
#[derive(Clone, Debug)]
enum Mutation {
    DeleteLine(usize),
    DeleteWord(usize, usize),
    ReplaceWord(usize, usize, String),
    InsertLine(usize, String),
    SwapLines(usize, usize),
    Truncate(usize),
    Indent(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::DeleteLine),
        (any::<usize>(), any::<usize>()).prop_map(|(l, w)| Mutation::DeleteWord(l, w)),
        (
            any::<usize>(),
            any::<usize>(),
            prop_oneof![
                proptest::sample::select(VOCABULARY).prop_map(str::to_string),
                "\\PC{0,10}",
            ]
        )
            .prop_map(|(l, w, s)| Mutation::ReplaceWord(l, w, s)),
        (any::<usize>(), line_strategy()).prop_map(|(l, s)| Mutation::InsertLine(l, s)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        any::<usize>().prop_map(Mutation::Truncate),
        any::<usize>().prop_map(Mutation::Indent),
    ]
}

fn apply(text: &str, ms: &[Mutation]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for m in ms {
        if lines.is_empty() {
            lines.push(String::new());
        }
        let n = lines.len();
        match m {
            Mutation::DeleteLine(l) => {
                lines.remove(l % n);
            }
            Mutation::DeleteWord(l, w) | Mutation::ReplaceWord(l, w, _) => {
                let mut words: Vec<String> = lines[l % n].split(' ').map(str::to_string).collect();
                let k = w % words.len();
                if let Mutation::ReplaceWord(_, _, s) = m {
                    words[k] = s.clone();
                } else {
                    words.remove(k);
                }
                lines[l % n] = words.join(" ");
            }
            Mutation::InsertLine(l, s) => lines.insert(l % (n + 1), s.clone()),
            Mutation::SwapLines(a, b) => lines.swap(a % n, b % n),
            Mutation::Truncate(at) => {
                let all = lines.join("\n");
                let cut: String = all.chars().take(at % (all.chars().count() + 1)).collect();
                lines = cut.split('\n').map(str::to_string).collect();
            }
            Mutation::Indent(l) => lines[l % n] = format!("  {}", lines[l % n]),
        }
    }
    lines.join("\n")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC*") {
        check(&text).ok();
    }

    #[test]
    fn arbitrary_unicode_never_panics(text in any::<String>()) {
        check(&text).ok();
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..4096)) {
        check(&String::from_utf8_lossy(&bytes)).ok();
    }

    #[test]
    fn lines_of_rtx_words_never_panic(lines in vec(line_strategy(), 0..40)) {
        check(&lines.join("\n")).ok();
    }

    #[test]
    fn mutations_of_the_document_never_panic(ms in vec(mutation(), 1..6)) {
        check(&apply(DOCUMENT, &ms)).ok();
    }

    #[test]
    fn long_lines_never_panic(word in "[a-z0-9./-]{1,8}", n in 0usize..3000, at in 0usize..22) {
        let mut lines: Vec<String> = DOCUMENT.lines().map(str::to_string).collect();
        let at = at % lines.len();
        lines[at] = format!("{} {}", lines[at], vec![word; n].join(" "));
        check(&lines.join("\n")).ok();
    }
}

#[test]
fn the_document_itself_passes_the_checks() {
    let c = check(DOCUMENT).unwrap();
    assert_eq!(c.engine.policies.len(), 1);
}

#[test]
fn a_megabyte_line_and_a_million_newlines_are_fine() {
    let long = "a".repeat(1 << 20);
    assert!(check(&long).is_err());
    let newlines = "\n".repeat(1_000_000);
    assert!(check(&newlines).is_ok());
    // A line of 400 unknown words is a warning in a config; alone, the file is no RTX config.
    let words = "x ".repeat(400);
    assert!(check(&format!("ip lan1 address 10.0.0.1/24\n{words}")).is_ok());
    assert!(check(&words).is_err());
}
