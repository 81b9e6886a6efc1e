//! Broken IOS configs (`tests/fixtures/ios/broken/`): each gives exactly the diagnostics recorded
//! here (severity, line, column, a fragment of the message), and none panics. All but two are
//! `valid/host-to-host.conf` with one defect; a warning-only config still parses. Then hostile
//! input: huge numbers, control characters, 100,000 lines.

use std::collections::BTreeSet;
use std::path::PathBuf;

use ikelab_peers::personality::Severity::{self, Error, Warning};
use ikelab_peers::personality::{Diagnostic, ios};

fn dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/ios/broken"
    ))
}

/// (file, whether it still parses, every diagnostic in order).
type Case = (
    &'static str,
    bool,
    &'static [(Severity, usize, usize, &'static str)],
);

const CASES: &[Case] = &[
    (
        "no-encr.conf",
        false,
        &[(
            Error,
            19,
            1,
            "crypto isakmp policy 10: no `encr` line: IOS's default is DES",
        )],
    ),
    (
        "des.conf",
        false,
        &[(
            Error,
            20,
            7,
            "crypto isakmp policy 10: encr: `des` is not supported",
        )],
    ),
    (
        "bad-peer.conf",
        false,
        &[(
            Error,
            31,
            11,
            "crypto map cmap 10: set peer: `172.16.0.256` is not an IPv4 address",
        )],
    ),
    (
        "unknown-transform-set.conf",
        false,
        &[(Error, 32, 20, "transform set with tag `tss` does not exist")],
    ),
    (
        "undefined-acl.conf",
        false,
        &[(
            Error,
            33,
            16,
            "match address: access list `101` is not defined",
        )],
    ),
    (
        "standard-acl.conf",
        false,
        &[(
            Error,
            33,
            16,
            "access list `10` is a standard list; a crypto map needs an extended IP list",
        )],
    ),
    (
        "bad-acl-address.conf",
        false,
        &[(
            Error,
            48,
            48,
            "access-list 100: `172.16.0.300` is not an IPv4 address",
        )],
    ),
    (
        "tcp-crypto-acl.conf",
        false,
        &[(Error, 48, 24, "cannot become phase-2 IDs: protocol `tcp`")],
    ),
    (
        "noncontiguous-wildcard.conf",
        false,
        &[(
            Error,
            48,
            17,
            "cannot become phase-2 IDs: a non-contiguous wildcard",
        )],
    ),
    (
        "unknown-crypto.conf",
        false,
        &[(
            Error,
            25,
            1,
            "`crypto isakmp profile prof`: not modelled (a `crypto` command is never ignored",
        )],
    ),
    (
        "typo-subcommand.conf",
        false,
        &[(
            Error,
            21,
            2,
            "crypto isakmp policy 10: hsah: unknown command",
        )],
    ),
    (
        "no-key.conf",
        false,
        &[(
            Error,
            31,
            2,
            "set peer 172.16.0.1: no `crypto isakmp key <key> address 172.16.0.1`",
        )],
    ),
    (
        "bad-mask.conf",
        false,
        &[(
            Error,
            36,
            24,
            "ip address: `255.0.255.0` is not a contiguous mask",
        )],
    ),
    (
        "bad-group.conf",
        false,
        &[(Error, 23, 8, "group: expected 1, 2, 5 or 14, found `3`")],
    ),
    (
        "huge-lifetime.conf",
        false,
        &[(
            Error,
            24,
            11,
            "lifetime: `99999999999999999999999` is too large",
        )],
    ),
    // The key line is dropped for its NUL; its peer then has no key.
    (
        "nul-byte.conf",
        false,
        &[
            (Error, 25, 23, "control character U+0000"),
            (
                Error,
                31,
                2,
                "no `crypto isakmp key <key> address 172.16.0.1`",
            ),
        ],
    ),
    (
        "bad-pfs.conf",
        false,
        &[(
            Error,
            33,
            10,
            "set pfs: expected group1, group2, group5 or group14, found `group3`",
        )],
    ),
    (
        "no-integrity.conf",
        false,
        &[(
            Error,
            27,
            38,
            "crypto ipsec transform-set ts: missing an ESP authentication transform",
        )],
    ),
    (
        "unknown-map.conf",
        false,
        &[
            (
                Warning,
                30,
                12,
                "crypto map cmap 10 is not applied to any interface",
            ),
            (Error, 39, 13, "crypto map: unknown map `cmapp`"),
        ],
    ),
    (
        "encrypted-key.conf",
        false,
        &[(Error, 25, 19, "an encrypted key (type 6) is not modelled")],
    ),
    // IOS keeps an incomplete entry disabled, with this note; the router still starts.
    (
        "incomplete-map.conf",
        true,
        &[(
            Warning,
            30,
            12,
            "will remain disabled until a peer and a valid access list have been configured",
        )],
    ),
    (
        "empty.conf",
        true,
        &[(Warning, 1, 1, "the configuration is empty")],
    ),
    (
        "foreign.conf",
        false,
        &[(
            Error,
            1,
            1,
            "not a configuration for Cisco IOS: no line is one of its commands",
        )],
    ),
];

fn diagnostics(file: &str, text: &str) -> (bool, Vec<Diagnostic>) {
    match ios::parse(file, text) {
        Ok(c) => (true, c.warnings),
        Err(e) => (false, e.0),
    }
}

#[test]
fn every_broken_config_gives_its_diagnostics() {
    for (file, parses, want) in CASES {
        let bytes = std::fs::read(dir().join(file)).expect(file);
        let text = String::from_utf8_lossy(&bytes);
        let (ok, got) = diagnostics(file, &text);
        let shown: Vec<String> = got.iter().map(ToString::to_string).collect();
        assert_eq!(ok, *parses, "{file}: {shown:#?}");
        assert_eq!(got.len(), want.len(), "{file}: {shown:#?}");
        for (d, (sev, line, col, msg)) in got.iter().zip(want.iter()) {
            assert_eq!(
                (d.severity, d.line, d.column),
                (*sev, *line, *col),
                "{file}: {d}"
            );
            assert!(d.message.contains(msg), "{file}: {d}\nwanted: {msg}");
        }
    }
}

#[test]
fn every_fixture_is_listed() {
    let listed: BTreeSet<&str> = CASES.iter().map(|c| c.0).collect();
    for e in std::fs::read_dir(dir()).unwrap() {
        let name = e.unwrap().file_name().into_string().unwrap();
        assert!(listed.contains(name.as_str()), "{name} has no expectation");
    }
}

#[test]
fn hostile_values_are_errors_not_panics() {
    for (text, fragment) in [
        ("crypto isakmp policy 4294967296\n", "too large"),
        ("crypto isakmp policy 0\n", "not in 1-10000"),
        (
            "crypto map m 99999999999999999999 ipsec-isakmp\n",
            "too large",
        ),
        (
            "crypto ipsec security-association lifetime seconds -1\n",
            "not a number",
        ),
        ("crypto isakmp keepalive 5\n", "not in 10-3600"),
        ("access-list 100 permit ip host\n", "missing a host address"),
        ("interface Gi0/0\n ip address 1.2.3.4\n", "missing a mask"),
        (
            "ip route 10.0.0.0 255.0.0.0 300.1.1.1\n",
            "not an IPv4 address or an interface",
        ),
        ("hostname r\x07x\n", "control character U+0007"),
        ("banner motd ^C\nno end to this banner\n", ""),
    ] {
        let (_, got) = diagnostics("h.conf", text);
        if fragment.is_empty() {
            continue;
        }
        assert!(
            got.iter().any(|d| d.message.contains(fragment)),
            "{text:?}: {got:#?}"
        );
    }
}

/// 100,000 lines (ten thousand crypto map entries and access lists) parse, in a time that
/// grows linearly: ten times the lines takes well under a hundred times as long.
#[test]
fn a_hundred_thousand_lines_are_read_whole() {
    fn config(entries: usize) -> String {
        let mut s = String::from(
            "crypto isakmp policy 10\n encr aes\n authentication pre-share\n\
             crypto isakmp key k address 0.0.0.0 0.0.0.0\n\
             crypto ipsec transform-set ts esp-aes esp-sha-hmac\n\
             interface Gi0/0\n ip address 10.0.0.1 255.0.0.0\n crypto map m\n",
        );
        for i in 0..entries {
            let (a, b) = (i / 250, i % 250);
            s.push_str(&format!(
                "crypto map m {} ipsec-isakmp\n set peer 10.{a}.{b}.2\n set transform-set ts\n match address a{i}\n description filler\n\
                 ip access-list extended a{i}\n permit ip host 10.{a}.{b}.1 host 10.{a}.{b}.2\n remark filler\n! filler\n! filler\n",
                i + 1,
            ));
        }
        s
    }
    // Its time is the linear bench's to measure, not a test's: here, that it is read whole.
    let large = config(10_000);
    assert!(large.lines().count() >= 100_000);
    match ios::parse("large.conf", &large) {
        Ok(c) => assert_eq!(c.engine.policies.len(), 10_000),
        Err(e) => panic!(
            "{}",
            e.0.iter()
                .take(3)
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}
