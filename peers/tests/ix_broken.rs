//! Broken IX configs (`tests/fixtures/ix/broken/`): each gives exactly the diagnostics recorded
//! here (severity, line, column, a fragment of the message), and none panics. Most are the
//! document's config with one defect; a warning-only config still parses.

use std::collections::BTreeSet;
use std::path::PathBuf;

use ikelab_peers::personality::Severity::{self, Error, Warning};
use ikelab_peers::personality::{Diagnostic, ix};

fn dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/ix/broken"
    ))
}

/// (file, whether it still parses, every diagnostic in order).
type Case = (
    &'static str,
    bool,
    &'static [(Severity, usize, usize, &'static str)],
);

const CASES: &[Case] = &[
    // A misspelt command is unknown (a warning), so what it defined is missing (an error).
    (
        "typo-command.conf",
        false,
        &[
            (Warning, 5, 1, "unknown command `ike proposl`; ignored"),
            (Error, 6, 52, "ike policy: unknown proposal `ike-prop`"),
        ],
    ),
    (
        "typo-keyword.conf",
        false,
        &[(
            Error,
            5,
            38,
            "ike proposal: expected encryption, hash, group or lifetime, found `hsah`",
        )],
    ),
    (
        "typo-algorithm.conf",
        false,
        &[(
            Error,
            5,
            34,
            "ike proposal: unknown encryption `aes128` (expected aes, aes-192, aes-256 or 3des)",
        )],
    ),
    (
        "bad-address-octet.conf",
        false,
        &[(
            Error,
            12,
            12,
            "ip address: `172.16.0.256` is not an IPv4 address with prefix",
        )],
    ),
    (
        "bad-prefix-length.conf",
        false,
        &[(
            Error,
            3,
            10,
            "ip route: prefix length `33` in `192.168.0.0/33` is not 0-32",
        )],
    ),
    (
        "address-without-length.conf",
        false,
        &[(
            Error,
            15,
            12,
            "ip address: `192.168.1.1` has no prefix length (expected a.b.c.d/len)",
        )],
    ),
    (
        "bad-peer-address.conf",
        false,
        &[(
            Error,
            6,
            28,
            "ike policy: `172.16.0` is not an IPv4 address (expected a.b.c.d)",
        )],
    ),
    (
        "missing-key-keyword.conf",
        false,
        &[(Error, 6, 39, "ike policy: expected `key`, found `hogehoge`")],
    ),
    (
        "missing-psk.conf",
        false,
        &[(Error, 6, 42, "ike policy: missing a pre-shared key")],
    ),
    (
        "missing-lifetime-value.conf",
        false,
        &[(
            Error,
            7,
            64,
            "ipsec autokey-proposal: missing a lifetime in seconds",
        )],
    ),
    (
        "proposal-without-hash.conf",
        false,
        &[(Error, 5, 65, "ike proposal: missing `hash <algorithm>`")],
    ),
    (
        "undefined-ike-proposal.conf",
        false,
        &[(
            Error,
            6,
            52,
            "ike policy: unknown proposal `ike-prop2` (expected the name of an `ike proposal`)",
        )],
    ),
    (
        "undefined-access-list.conf",
        false,
        &[(
            Error,
            8,
            32,
            "ipsec autokey-map: unknown access list `lst` (expected the name of an `ip access-list`)",
        )],
    ),
    (
        "undefined-esp-proposal.conf",
        false,
        &[(
            Error,
            8,
            53,
            "ipsec autokey-map: unknown proposal `ipsec-proposal`",
        )],
    ),
    (
        "undefined-map-in-local-id.conf",
        false,
        &[(
            Error,
            9,
            16,
            "ipsec local-id: unknown map `ipsec-polcy` (expected the name of an `ipsec autokey-map`)",
        )],
    ),
    // The misspelt binding leaves the real map unbound, which is said too.
    (
        "undefined-map-in-tunnel.conf",
        false,
        &[
            (
                Warning,
                8,
                19,
                "ipsec autokey-map `ipsec-policy` is not bound to any interface",
            ),
            (
                Error,
                20,
                21,
                "ipsec policy tunnel: unknown map `ipsec-polcy`",
            ),
        ],
    ),
    (
        "undefined-unnumbered-interface.conf",
        false,
        &[(
            Error,
            19,
            15,
            "ip unnumbered: unknown interface `FastEthernet2/0.0`",
        )],
    ),
    (
        "route-via-unknown-interface.conf",
        false,
        &[(
            Error,
            3,
            25,
            "ip route: unknown interface `Tunnel1.0` (expected the name of an `interface` block)",
        )],
    ),
    (
        "map-peer-without-ike-policy.conf",
        false,
        &[(
            Error,
            8,
            42,
            "ipsec autokey-map: no `ike policy` for peer 172.16.0.9",
        )],
    ),
    (
        "unknown-command.conf",
        true,
        &[(Warning, 22, 1, "unknown command `frobnicate`; ignored")],
    ),
    (
        "empty.conf",
        true,
        &[(
            Warning,
            1,
            1,
            "the configuration is empty: no interfaces, no IKE",
        )],
    ),
    (
        "binary-garbage.conf",
        false,
        &[(
            Error,
            1,
            1,
            "control character U+007F in the configuration; expected text",
        )],
    ),
    (
        "control-character.conf",
        false,
        &[
            (Error, 6, 47, "control character U+0000"),
            // The line is not read, so the map's peer has no policy.
            (
                Error,
                8,
                42,
                "ipsec autokey-map: no `ike policy` for peer 172.16.0.1",
            ),
        ],
    ),
    (
        "overlong-line.conf",
        false,
        &[
            (
                Error,
                6,
                1025,
                "line is 1551 characters long; at most 1024 are accepted",
            ),
            (
                Error,
                8,
                42,
                "ipsec autokey-map: no `ike policy` for peer 172.16.0.1",
            ),
        ],
    ),
    // A file in which no line is an IX command is not an IX config: one error, not a warning
    // per line.
    (
        "not-a-config-json.conf",
        false,
        &[(
            Error,
            1,
            1,
            "not a configuration for IX: no line is one of its commands (this one starts with `{`",
        )],
    ),
    (
        "not-a-config-prose.conf",
        false,
        &[(
            Error,
            1,
            1,
            "not a configuration for IX: no line is one of its commands (this one starts with `The`",
        )],
    ),
    (
        "command-outside-block.conf",
        false,
        &[(
            Error,
            1,
            1,
            "`ip address` is an interface command, outside any interface block",
        )],
    ),
    (
        "tunnel-mode-on-ethernet.conf",
        false,
        &[(
            Error,
            16,
            1,
            "tunnel mode: FastEthernet1/0.0 is not a Tunnel interface",
        )],
    ),
    (
        "interface-without-subinterface.conf",
        false,
        &[(
            Error,
            11,
            11,
            "interface: interface `FastEthernet0/0` has no sub-interface number",
        )],
    ),
    (
        "unsupported-algorithm.conf",
        false,
        &[(
            Error,
            7,
            35,
            "ipsec autokey-proposal: `esp-des` is not supported by the engine",
        )],
    ),
    (
        "bad-initial-contact.conf",
        false,
        &[(
            Error,
            22,
            21,
            "ike initial-contact: expected `always` or `payload`, found `sometimes`",
        )],
    ),
    (
        "bad-pfs-group.conf",
        false,
        &[(Error, 8, 68, "ipsec autokey-map: unknown group `1023-bit`")],
    ),
    (
        "map-bound-twice.conf",
        false,
        &[(
            Error,
            24,
            21,
            "ipsec policy tunnel: map `ipsec-policy` is already bound to Tunnel0.0",
        )],
    ),
    (
        "bad-logging-level.conf",
        false,
        &[(
            Error,
            2,
            23,
            "logging subsystem: unknown level `warm` (expected error, warn, notice, info or debug)",
        )],
    ),
    (
        "extra-word.conf",
        false,
        &[(
            Error,
            19,
            33,
            "ip unnumbered: unexpected `extra`; expected the end of the line",
        )],
    ),
    (
        "unknown-tunnel-mode.conf",
        false,
        &[(
            Error,
            18,
            13,
            "tunnel mode: expected a tunnel mode (ipsec), found `ipsek`",
        )],
    ),
    (
        "keepalive-unknown-policy.conf",
        false,
        &[(
            Error,
            22,
            15,
            "ike keepalive: unknown policy `ike-polcy` (expected the name of an `ike policy`)",
        )],
    ),
];

fn diagnostics(file: &str) -> (bool, Vec<Diagnostic>) {
    let bytes = std::fs::read(dir().join(file)).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    match ix::parse_ix(file, &text) {
        Ok(c) => (true, c.router.warnings),
        Err(e) => (false, e.0),
    }
}

#[test]
fn every_broken_config_gives_its_diagnostics() {
    let mut failures = vec![];
    for (file, parses, want) in CASES {
        let (ok, got) = diagnostics(file);
        let as_text: Vec<String> = got.iter().map(ToString::to_string).collect();
        if ok != *parses {
            failures.push(format!("{file}: parses={ok}, want {parses}: {as_text:#?}"));
            continue;
        }
        if got.len() != want.len() {
            failures.push(format!(
                "{file}: {} diagnostics, want {}: {as_text:#?}",
                got.len(),
                want.len()
            ));
            continue;
        }
        for (g, (sev, line, col, frag)) in got.iter().zip(want.iter()) {
            if (g.severity, g.line, g.column) != (*sev, *line, *col) || !g.message.contains(frag) {
                failures.push(format!(
                    "{file}: got {g}, want {sev:?} at {line}:{col} containing {frag:?}"
                ));
            }
            assert_eq!(g.file, *file);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_corpus_is_big_enough_and_every_file_is_checked() {
    let on_disk: BTreeSet<String> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    let listed: BTreeSet<String> = CASES.iter().map(|c| c.0.to_string()).collect();
    assert_eq!(on_disk, listed);
    assert!(CASES.len() >= 20);
    assert!(CASES.iter().filter(|c| !c.1).count() >= 20);
}

#[test]
fn diagnostics_print_as_file_line_column() {
    let text = "ike proposal p encryption aes hash sha group 999-bit\n";
    let e = ix::parse("r1.conf", text).unwrap_err();
    assert_eq!(
        e.to_string(),
        "r1.conf:1:46: error: ike proposal: unknown group `999-bit` (expected 768-bit, 1024-bit, 1536-bit or 2048-bit)"
    );
}

#[test]
fn errors_come_with_the_warnings_before_them_in_line_order() {
    let text = "frobnicate\nike policy p peer 10.0.0.1 key k nothing\nshow version\n";
    let e = ix::parse("f", text).unwrap_err();
    let got: Vec<(Severity, usize)> = e.0.iter().map(|d| (d.severity, d.line)).collect();
    assert_eq!(
        got,
        vec![(Warning, 1), (Error, 2), (Error, 2), (Warning, 3)]
    );
}

#[test]
fn a_flood_of_bad_lines_is_bounded() {
    let text = "ip route 1.2.3.4/99 x\n".repeat(5000);
    let e = ix::parse("f", &text).unwrap_err();
    assert!(e.0.len() <= 201, "{}", e.0.len());
    assert!(
        e.0.last()
            .unwrap()
            .message
            .contains("further errors not shown")
    );
}
