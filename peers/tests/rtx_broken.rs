//! Broken RTX configs (`tests/fixtures/rtx/broken/`): each gives exactly the diagnostics recorded
//! here (severity, line, column, a fragment of the message), and none panics. Most are one
//! branch RTX1210 config (a tunnel to 203.0.113.1 for 192.168.0.0/24) with one defect; the
//! expected positions are counted from the files, and the messages name the command as chapter
//! 15 of Yamaha's command reference writes it. A warning-only config still parses.

use std::collections::BTreeSet;
use std::path::PathBuf;

use ikelab_peers::personality::Severity::{self, Error, Warning};
use ikelab_peers::personality::{Diagnostic, rtx};

fn dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/rtx/broken"
    ))
}

/// (file, whether it still parses, every diagnostic in order).
type Case = (
    &'static str,
    bool,
    &'static [(Severity, usize, usize, &'static str)],
);

const MISSING_PSK: &str = "gateway 1 has no `ipsec ike pre-shared-key 1 text ...` (no key exchange without one); tunnel 1 does not negotiate";

const CASES: &[Case] = &[
    (
        "typo-command.conf",
        true,
        &[(
            Warning,
            8,
            3,
            "unknown command `ipsec ike encrypton`; ignored",
        )],
    ),
    (
        "typo-algorithm.conf",
        false,
        &[(
            Error,
            8,
            26,
            "ipsec ike encryption: unknown algorithm `aes128-cbc` (expected 3des-cbc, aes-cbc or aes256-cbc)",
        )],
    ),
    (
        "des-unsupported.conf",
        false,
        &[(
            Error,
            8,
            26,
            "ipsec ike encryption: `des-cbc` is not supported by the engine",
        )],
    ),
    (
        "ah-policy.conf",
        false,
        &[(
            Error,
            7,
            25,
            "ipsec sa policy: AH is not supported by the engine",
        )],
    ),
    (
        "esp-without-auth.conf",
        false,
        &[(
            Error,
            7,
            36,
            "ipsec sa policy: missing an authentication algorithm",
        )],
    ),
    (
        "sa-policy-unknown-word.conf",
        false,
        &[(Error, 7, 37, "ipsec sa policy: expected an encryption")],
    ),
    (
        "bad-sa-option.conf",
        false,
        &[(
            Error,
            7,
            46,
            "ipsec sa policy: local-id: prefix length `33` in `192.168.1.0/33` is not 0-32",
        )],
    ),
    // The key names gateway 101, which is out of range, so gateway 1 has none.
    (
        "bad-gateway-number.conf",
        false,
        &[
            (Warning, 7, 23, MISSING_PSK),
            (Error, 9, 28, "ipsec ike pre-shared-key: `101` is not 1-100"),
        ],
    ),
    (
        "huge-number.conf",
        false,
        &[(
            Error,
            6,
            15,
            "ipsec tunnel: `99999999999999999999` is too large",
        )],
    ),
    (
        "bad-remote-address.conf",
        false,
        &[(
            Error,
            10,
            30,
            "ipsec ike remote address: `203.0.113.256` is not an IPv4 address",
        )],
    ),
    (
        "no-tunnel-selected.conf",
        false,
        &[
            (Error, 4, 40, "ip route: unknown tunnel 1"),
            (
                Error,
                5,
                2,
                "ipsec tunnel: no tunnel is selected (expected `tunnel select <n>` before it)",
            ),
            (
                Warning,
                10,
                16,
                "tunnel enable: tunnel 1 is not selected anywhere",
            ),
        ],
    ),
    (
        "route-unknown-tunnel.conf",
        false,
        &[(Error, 4, 40, "ip route: unknown tunnel 2")],
    ),
    ("missing-psk.conf", true, &[(Warning, 7, 23, MISSING_PSK)]),
    (
        "missing-remote.conf",
        true,
        &[(
            Warning,
            7,
            23,
            "gateway 1 has no `ipsec ike remote address 1 ...`; tunnel 1 does not negotiate",
        )],
    ),
    (
        "psk-bad-hex.conf",
        false,
        &[(
            Error,
            9,
            30,
            "ipsec ike pre-shared-key: `0xABC` is not an even number of hex digits",
        )],
    ),
    (
        "duration-out-of-range.conf",
        false,
        &[(
            Error,
            8,
            33,
            "ipsec ike duration ipsec-sa: `100` seconds is out of range (expected 300-691200)",
        )],
    ),
    (
        "bad-group.conf",
        false,
        &[(Error, 8, 21, "ipsec ike group: unknown group `modp999`")],
    ),
    (
        "pfs-not-on-off.conf",
        false,
        &[(
            Error,
            8,
            19,
            "ipsec ike pfs: expected on or off, found `yes`",
        )],
    ),
    (
        "extra-word.conf",
        false,
        &[(
            Error,
            10,
            42,
            "ipsec ike remote address: unexpected `extra`; expected the end of the line",
        )],
    ),
    (
        "bad-local-id.conf",
        false,
        &[(
            Error,
            8,
            24,
            "ipsec ike local id: `255.0.255.0` is not a netmask",
        )],
    ),
    (
        "ikev2.conf",
        false,
        &[(
            Error,
            8,
            23,
            "ipsec ike version: IKEv2 is not supported by the engine",
        )],
    ),
    // The line with the NUL is not read, so gateway 1 has no key.
    (
        "control-character.conf",
        false,
        &[
            (Warning, 7, 23, MISSING_PSK),
            (Error, 9, 38, "control character U+0000"),
        ],
    ),
    (
        "lan-bad-prefix.conf",
        false,
        &[(
            Error,
            2,
            17,
            "ip lan1 address: `192.168.1.1/32` is not an interface address (expected a prefix length of 1-30)",
        )],
    ),
    (
        "lan-bad-name.conf",
        false,
        &[(
            Error,
            2,
            4,
            "ip: unknown interface `lanx` (expected lan1, lan2, ...)",
        )],
    ),
    (
        "heartbeat-keepalive.conf",
        true,
        &[(
            Warning,
            8,
            32,
            "ipsec ike keepalive use: `heartbeat` is Yamaha's own keepalive, not modelled",
        )],
    ),
    (
        "tunnel-select-out-of-range.conf",
        false,
        &[
            (Error, 4, 40, "ip route: unknown tunnel 1"),
            (Error, 5, 15, "tunnel select: `0` is not 1-100"),
            (
                Warning,
                11,
                16,
                "tunnel enable: tunnel 1 is not selected anywhere",
            ),
        ],
    ),
    (
        "not-a-config-prose.conf",
        false,
        &[(
            Error,
            1,
            1,
            "not a configuration for RTX: no line is one of its commands (this one starts with `Dear`",
        )],
    ),
    (
        "empty.conf",
        true,
        &[(Warning, 1, 1, "the configuration is empty")],
    ),
    (
        "overlong-line.conf",
        false,
        &[
            (Error, 2, 1025, "line is 2000 characters long"),
            (Error, 3, 1025, "line is 1506 characters long"),
        ],
    ),
];

/// Whether `file` parses, and its diagnostics (warnings if it does, everything if not).
fn diagnostics(file: &str) -> (bool, Vec<Diagnostic>) {
    let bytes = std::fs::read(dir().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    let text = String::from_utf8(bytes).unwrap_or_else(|e| panic!("{file}: {e}"));
    match rtx::parse(file, &text) {
        Ok(c) => (true, c.warnings),
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
    assert!(CASES.iter().filter(|c| !c.1).count() >= 20);
}

#[test]
fn diagnostics_print_as_file_line_column() {
    let text = "ipsec ike group 1 modp999\n";
    let e = rtx::parse("r1.conf", text).unwrap_err();
    assert_eq!(
        e.to_string(),
        "r1.conf:1:19: error: ipsec ike group: unknown group `modp999` (expected modp768, modp1024, modp1536 or modp2048)"
    );
}

#[test]
fn hostile_input_does_not_panic() {
    let cases = [
        "ipsec ike pre-shared-key 4294967296 text k\n".to_string(),
        "ipsec sa policy 99999999999999999999999 1 esp\n".to_string(),
        "ipsec ike keepalive use 1 on dpd 99999999999 99999999999 9 9 9\n".to_string(),
        "ip route 0.0.0.0/0 gateway tunnel\n".to_string(),
        "ip lan address 1.2.3.4/8\nip lan99999999999999999 address 1.2.3.4/8\n".to_string(),
        "ipsec ike local id 1 1.2.3.4/\nipsec ike remote id 1 /8\nipsec ike local id 1 1.2.3.4/255.255.255.255.0\n".to_string(),
        "tunnel select\nipsec tunnel\nipsec sa policy\nipsec ike\nipsec\ntunnel\nip\n".to_string(),
        "\u{feff}ipsec ike pre-shared-key 1 text \u{1F511}\r\n# é\n".to_string(),
        "ipsec ike pre-shared-key 1 0x\nipsec ike pre-shared-key 1 0xé1\n".to_string(),
        "\u{0}\u{1}\u{2}".repeat(1000),
    ];
    for text in cases {
        let _ = rtx::parse("h.conf", &text);
    }
}

#[test]
fn a_flood_of_bad_lines_is_bounded() {
    let text = "ipsec ike group 1 modp1\n".repeat(5000);
    let e = rtx::parse("f", &text).unwrap_err();
    assert!(e.0.len() <= 201, "{}", e.0.len());
    assert!(
        e.0.last()
            .unwrap()
            .message
            .contains("further errors not shown")
    );
}

/// 100,000 lines are read in one pass with each number looked up in a table: a quadratic
/// reader would not finish this test in any CI budget (as `config_scale.rs` for SEIL and IX).
#[test]
fn reads_100000_lines() {
    let mut text = std::fs::read_to_string(format!(
        "{}/../tests/fixtures/rtx/valid/document-lab.conf",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    for n in 1..=100_000u32 {
        text.push_str(&format!(
            "ipsec sa policy {} 1 esp aes-cbc sha-hmac\nipsec ike pre-shared-key 1 text key-{n}\n",
            n + 1000
        ));
    }
    let c = rtx::parse("big-rtx.conf", &text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.engine.peers.len(), 1);
    assert_eq!(c.engine.peers[0].psk, b"key-100000");
}
