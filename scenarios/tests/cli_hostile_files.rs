//! What `ikelab run`, `check-config`, `decode` and `test` do with hostile files (issue 13,
//! findings 4 to 7): names that would be paths and values that would never end are refused with
//! the file, line and field; artefacts are not written through planted links and key files are
//! private whatever the umask; files that are not configs are errors; FIFOs, devices, folders and
//! oversized files are refused with their path instead of being waited for or read forever.

mod support;

use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ikelab::scenario::{LoadError, load_pair};
use ikelab_sim::FileError;
use support::{ikelab, stderr};

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ikelab-hostile-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn catalog(rel: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("catalog")
        .join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// A copy of the built-in `proxy-id-mismatch` in `dir`, its scenario.toml edited by `edit`.
fn scenario(dir: &Path, edit: impl Fn(String) -> String) -> PathBuf {
    for f in ["seil.conf", "ix.conf"] {
        std::fs::write(dir.join(f), catalog(&format!("proxy-id-mismatch/{f}"))).unwrap();
    }
    let text = edit(catalog("proxy-id-mismatch/scenario.toml"));
    std::fs::write(dir.join("scenario.toml"), text).unwrap();
    dir.to_path_buf()
}

fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(ok.success());
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Asserts a refusal: exit `code`, and standard error saying each of `needles`.
fn refused(out: &Output, code: i32, needles: &[&str]) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(code), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    for n in needles {
        assert!(err.contains(n), "{n:?} not in: {err}");
    }
}

// Finding 4: names, links, modes.

#[test]
fn router_and_host_names_that_would_be_paths_are_refused_with_their_line() {
    let d = tmp("names");
    let cases: &[(&str, &str, &str)] = &[
        (
            "name = \"seil\"",
            "name = \"../../x\"",
            "scenario.toml:13: router 1, `name`",
        ),
        (
            "name = \"seil\"",
            "name = \"/tmp/x\"",
            "scenario.toml:13: router 1, `name`",
        ),
        (
            "name = \"seil\"",
            "name = \"\"",
            "scenario.toml:13: router 1, `name`: the name is empty",
        ),
        (
            "name = \"seil\"",
            "name = \"..\"",
            "does not start with a letter or a digit",
        ),
        (
            "name = \"seil\"",
            "name = \"a\\u0007b\"",
            "has the character '\\u{7}'",
        ),
        (
            "name = \"host-a\"",
            "name = \"../x\"",
            "scenario.toml:23: host 1, `name`",
        ),
        (
            "name = \"seil\"",
            &format!("name = \"{}\"", "s".repeat(33)),
            "longer than 32",
        ),
    ];
    for (from, to, needle) in cases {
        let dir = d.join("sc");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let sc = scenario(&dir, |t| t.replacen(from, to, 1));
        let out_dir = d.join("out/deep");
        let out = ikelab(&[
            "run",
            sc.to_str().unwrap(),
            "--out",
            out_dir.to_str().unwrap(),
        ]);
        refused(&out, 2, &[needle]);
        assert!(!d.join("x.log").exists() && !d.join("out/x.log").exists());
        assert!(
            !out_dir.exists(),
            "nothing is written for a refused scenario"
        );
    }
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_link_planted_in_the_out_folder_is_not_followed() {
    let d = tmp("link");
    let victim = d.join("victim");
    std::fs::write(&victim, "precious").unwrap();
    let out_dir = d.join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    symlink(&victim, out_dir.join("seil.log")).unwrap();
    let out = ikelab(&[
        "run",
        "proxy-id-mismatch",
        "--out",
        out_dir.to_str().unwrap(),
        "--quiet",
    ]);
    refused(&out, 2, &["seil.log: is a symbolic link"]);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn key_files_are_0600_in_0700_folders_under_umask_000() {
    let d = tmp("umask");
    let out_dir = d.join("out");
    let script = format!(
        "umask 000 && exec '{}' run proxy-id-fixed --out '{}' --quiet",
        env!("CARGO_BIN_EXE_ikelab"),
        out_dir.display()
    );
    let out = Command::new("sh").arg("-c").arg(&script).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    for folder in ["keys", "wireshark-profile"] {
        assert_eq!(mode(&out_dir.join(folder)), 0o700, "{folder}");
        for f in ["ikev1_decryption_table", "esp_sa"] {
            assert_eq!(mode(&out_dir.join(folder).join(f)), 0o600, "{folder}/{f}");
        }
    }
    // What is not secret follows the umask, as before.
    assert_eq!(mode(&out_dir.join("seil.log")), 0o666);
    let _ = std::fs::remove_dir_all(&d);
}

// Finding 5: values, warnings.

#[test]
fn values_that_would_never_end_are_refused_with_their_field() {
    let d = tmp("values");
    let first_ping = "to = \"192.168.1.10\"\ncount = 10\n";
    let many_steps = || {
        let mut t = catalog("proxy-id-mismatch/scenario.toml");
        for _ in 0..10_001 {
            t.push_str("\n[[step]]\nat = \"1s\"\ndo = \"initiate\"\nrouter = \"seil\"\n");
        }
        t
    };
    let cases: Vec<(String, &str)> = vec![
        (
            first_ping.replace("count = 10", "count = 10\nsize = 70000"),
            "scenario.toml:38: step 1, `size`: 70000 bytes is more than 65507",
        ),
        (
            first_ping.replace("count = 10", "count = 10\nsize = 1000000000000"),
            "step 1, `size`",
        ),
        (
            first_ping.replace("count = 10", "count = 4294967295\ninterval = 0"),
            "scenario.toml:37: step 1, `count`: 4294967295 echo requests: expected 1 to 1000000",
        ),
        (
            first_ping.replace("count = 10", "count = 10\ninterval = \"0s\""),
            "step 1, `interval`: the interval between echo requests must be more than zero",
        ),
        (
            first_ping.replace("count = 10", "count = 0"),
            "step 1, `count`: 0 echo requests",
        ),
    ];
    let mut texts: Vec<(String, &str)> = cases
        .into_iter()
        .map(|(ping, needle)| {
            (
                catalog("proxy-id-mismatch/scenario.toml").replacen(first_ping, &ping, 1),
                needle,
            )
        })
        .collect();
    texts.push((
        catalog("proxy-id-mismatch/scenario.toml")
            .replace("duration = \"3m\"", "duration = \"876000h\""),
        "scenario.toml:4: `duration`",
    ));
    texts.push((
        catalog("proxy-id-mismatch/scenario.toml").replacen("at = \"10s\"", "at = \"9000h\"", 1),
        "scenario.toml:33: step 1, `at`",
    ));
    texts.push((many_steps(), "10003 steps is more than 10000"));
    for (text, needle) in texts {
        assert!(text.contains("[[step]]"));
        let dir = d.join("sc");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let sc = scenario(&dir, |_| text.clone());
        let out = ikelab(&[
            "run",
            sc.to_str().unwrap(),
            "--out",
            d.join("out").to_str().unwrap(),
        ]);
        refused(&out, 2, &[needle]);
    }
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn run_prints_the_configs_warnings_and_refuses_a_file_that_is_no_config() {
    let d = tmp("warnings");
    let seil = d.join("seil.conf");
    let ix = d.join("ix.conf");
    std::fs::write(
        &seil,
        catalog("proxy-id-fixed/seil.conf") + "frobnicate everything\n",
    )
    .unwrap();
    std::fs::write(&ix, catalog("proxy-id-fixed/ix.conf")).unwrap();
    let out_dir = d.join("out");
    let (s, i, o) = (
        seil.to_str().unwrap(),
        ix.to_str().unwrap(),
        out_dir.to_str().unwrap(),
    );
    let out = ikelab(&["run", "--seil", s, "--ix", i, "--out", o, "--quiet"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("seil.conf:")
            && stderr(&out).contains("unknown command `frobnicate`"),
        "{}",
        stderr(&out)
    );

    std::fs::write(
        &seil,
        "root:x:0:0:root:/root:/bin/bash\nbin:x:2:2::/bin:/bin/false\n",
    )
    .unwrap();
    let out = ikelab(&["run", "--seil", s, "--ix", i, "--out", o, "--quiet"]);
    refused(
        &out,
        2,
        &["seil.conf:1:1: error: not a configuration for SEIL"],
    );
    let _ = std::fs::remove_dir_all(&d);
}

// Finding 6: check-config.

#[test]
fn check_config_refuses_files_that_are_not_configs_with_file_and_line() {
    let d = tmp("not-configs");
    let utf16: Vec<u8> = [0xff, 0xfe]
        .into_iter()
        .chain(
            "interface lan0 add 10.0.0.1/24\n"
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        )
        .collect();
    let binary: Vec<u8> = (0u32..600)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let seil_psk = catalog("proxy-id-fixed/seil.conf");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "json",
            b"{\n  \"interface\": \"lan0\"\n}\n".to_vec(),
            ":1:1: error: not a configuration for",
        ),
        (
            "toml",
            b"name = \"x\"\n[[router]]\nvendor = \"seil\"\n".to_vec(),
            ":1:1: error: not a configuration for",
        ),
        (
            "prose",
            b"The router at the branch\nanswers IKE.\n".to_vec(),
            ":1:1: error: not a configuration for",
        ),
        ("nul", vec![0; 64], ":1:1: error: control character U+0000"),
        ("utf16", utf16, ":1:1: invalid UTF-8 (byte 0xff)"),
        ("binary", binary, "invalid UTF-8"),
        (
            "psk-control",
            seil_psk
                .replace("\"hogehoge\"", "\"hoge\u{1}hoge\"")
                .into_bytes(),
            ":8:41: error: control character U+0001",
        ),
    ];
    for vendor in ["seil", "ix"] {
        for (name, bytes, needle) in &cases {
            if name.starts_with("psk") && vendor == "ix" {
                continue;
            }
            let f = d.join(format!("{vendor}-{name}.conf"));
            std::fs::write(&f, bytes).unwrap();
            let out = ikelab(&["check-config", "--vendor", vendor, f.to_str().unwrap()]);
            let shown = format!("{}{needle}", f.display());
            let shown = if needle.starts_with(':') {
                shown
            } else {
                needle.to_string()
            };
            refused(&out, 1, &[&shown]);
        }
    }
    // A NUL in a SEIL key, and a key that is not UTF-8.
    let f = d.join("seil-psk.conf");
    std::fs::write(&f, seil_psk.replace("\"hogehoge\"", "\"hoge\u{0}hoge\"")).unwrap();
    let out = ikelab(&["check-config", "--vendor", "seil", f.to_str().unwrap()]);
    refused(
        &out,
        1,
        &[&format!(
            "{}:8:41: error: control character U+0000",
            f.display()
        )],
    );
    let mut bytes = seil_psk.into_bytes();
    let at = bytes.windows(8).position(|w| w == b"hogehoge").unwrap() + 4;
    bytes[at] = 0xff;
    std::fs::write(&f, &bytes).unwrap();
    let out = ikelab(&["check-config", "--vendor", "seil", f.to_str().unwrap()]);
    refused(
        &out,
        1,
        &[&format!("{}:8:41: invalid UTF-8 (byte 0xff)", f.display())],
    );
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_key_keeps_exactly_the_bytes_written() {
    let d = tmp("psk");
    let key = "h\u{f6}ge-\u{3ba}\u{3bb}\u{3b5}\u{3b9}\u{3b4}\u{3af}";
    let seil = d.join("seil.conf");
    let ix = d.join("ix.conf");
    std::fs::write(
        &seil,
        catalog("proxy-id-fixed/seil.conf").replace("hogehoge", key),
    )
    .unwrap();
    std::fs::write(
        &ix,
        catalog("proxy-id-fixed/ix.conf").replace("hogehoge", key),
    )
    .unwrap();
    let loaded = load_pair(&seil, &ix).unwrap_or_else(|e| panic!("{e}"));
    for r in &loaded.routers {
        assert_eq!(
            r.parsed.router.engine.peers[0].psk,
            key.as_bytes(),
            "{}",
            r.name
        );
    }
    // Not UTF-8: refused where it breaks, never mended into other bytes.
    let mut bytes = std::fs::read(&seil).unwrap();
    let at = bytes
        .windows(2)
        .position(|w| w == "\u{f6}".as_bytes())
        .unwrap();
    bytes[at] = b'\xff';
    bytes.remove(at + 1);
    std::fs::write(&seil, &bytes).unwrap();
    match load_pair(&seil, &ix) {
        Err(LoadError::File(FileError::NotText { line, column, .. })) => {
            assert_eq!((line, column), (8, 38));
        }
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("a key that is not UTF-8 was accepted"),
    }
    let _ = std::fs::remove_dir_all(&d);
}

// Finding 7: FIFOs, devices, folders, sizes.

#[test]
fn fifos_devices_and_folders_are_refused_not_waited_for() {
    let d = tmp("fifos");
    let fifo = d.join("fifo");
    mkfifo(&fifo);
    let f = fifo.to_str().unwrap();
    let good_ix = d.join("ix.conf");
    std::fs::write(&good_ix, catalog("proxy-id-fixed/ix.conf")).unwrap();
    let ix = good_ix.to_str().unwrap();
    let is_fifo = format!("{f}: is a FIFO (named pipe), not a regular file");
    // A config, to check-config and to run.
    refused(
        &ikelab(&["check-config", "--vendor", "seil", f]),
        1,
        &[&is_fifo],
    );
    let o = d.join("out");
    let o = o.to_str().unwrap();
    refused(
        &ikelab(&["run", "--seil", f, "--ix", ix, "--out", o]),
        2,
        &[&is_fifo],
    );
    // A scenario file, named or in its folder.
    refused(&ikelab(&["run", f, "--out", o]), 2, &[&is_fifo]);
    let sc = d.join("sc");
    std::fs::create_dir_all(&sc).unwrap();
    mkfifo(&sc.join("scenario.toml"));
    refused(
        &ikelab(&["run", sc.to_str().unwrap(), "--out", o]),
        2,
        &["scenario.toml: is a FIFO (named pipe)"],
    );
    // A capture, and a key file.
    refused(&ikelab(&["decode", f]), 2, &[&is_fifo]);
    let keys = d.join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    mkfifo(&keys.join("esp_sa"));
    let cap = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/strongswan/ss-broken-tunnel/capture.pcap");
    refused(
        &ikelab(&[
            "decode",
            cap.to_str().unwrap(),
            "--keys",
            keys.to_str().unwrap(),
        ]),
        2,
        &["esp_sa: is a FIFO (named pipe), not a regular file"],
    );
    // A feature file.
    let feature = d.join("x.feature");
    mkfifo(&feature);
    refused(
        &ikelab(&["test", feature.to_str().unwrap()]),
        2,
        &["x.feature"],
    );
    // A device that never ends, and a folder.
    let dev = "/dev/zero: is a character device, not a regular file";
    refused(
        &ikelab(&["check-config", "--vendor", "ix", "/dev/zero"]),
        1,
        &[dev],
    );
    refused(&ikelab(&["decode", "/dev/zero"]), 2, &[dev]);
    let folder = format!("{}: is a folder, not a regular file", d.display());
    refused(
        &ikelab(&["check-config", "--vendor", "ix", d.to_str().unwrap()]),
        1,
        &[&folder],
    );
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn oversized_files_are_refused_with_the_limit() {
    let d = tmp("sizes");
    let big = d.join("big.conf");
    let mut text = catalog("proxy-id-fixed/seil.conf");
    while text.len() <= 1 << 20 {
        text.push_str("# padding padding padding padding padding padding padding padding\n");
    }
    std::fs::write(&big, &text).unwrap();
    refused(
        &ikelab(&["check-config", "--vendor", "seil", big.to_str().unwrap()]),
        1,
        &["big.conf: larger than 1048576 bytes, the most read of vendor configs"],
    );
    let sc = d.join("sc");
    std::fs::create_dir_all(&sc).unwrap();
    scenario(&sc, |t| t + &"#".repeat(1 << 20));
    refused(
        &ikelab(&[
            "run",
            sc.to_str().unwrap(),
            "--out",
            d.join("o").to_str().unwrap(),
        ]),
        2,
        &["scenario.toml: larger than 1048576 bytes, the most read of scenario files"],
    );
    let feature = d.join("big.feature");
    std::fs::write(&feature, "#".repeat((1 << 20) + 1)).unwrap();
    refused(
        &ikelab(&["test", feature.to_str().unwrap()]),
        2,
        &["big.feature: larger than 1048576 bytes, the most read of feature files"],
    );
    let cap = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/strongswan/ss-broken-tunnel/capture.pcap");
    refused(
        &ikelab(&["decode", cap.to_str().unwrap(), "--max-size", "1K"]),
        2,
        &["capture.pcap: larger than 1024 bytes, the most read of captures"],
    );
    let _ = std::fs::remove_dir_all(&d);
}
