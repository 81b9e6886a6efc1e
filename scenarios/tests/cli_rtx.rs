//! The Yamaha RTX through the command line: `vendor = "rtx"` in a scenario (the built-in
//! `rtx-no-ids`) and `ikelab check-config --vendor rtx`.

use std::path::PathBuf;
use std::process::{Command, Output};

fn ikelab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ikelab"))
        .args(args)
        .output()
        .expect("ikelab runs")
}

fn path(rel: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(rel)
        .display()
        .to_string()
}

#[test]
fn rtx_no_ids_fails_without_ids_and_comes_up_with_them() {
    let out = std::env::temp_dir().join(format!("ikelab-cli-rtx-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let run = ikelab(&["run", "rtx-no-ids", "--out", out.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.status.code(), Some(0), "{stdout}");
    assert!(
        stdout
            .lines()
            .last()
            .unwrap_or("")
            .starts_with("verdict: met")
    );
    let rtx = std::fs::read_to_string(out.join("rtx.log")).unwrap();
    let lines: Vec<&str> = rtx.lines().collect();
    assert_eq!(
        lines.first(),
        Some(&"[IKE] initiate ISAKMP phase to 10.0.0.1 (local address 10.0.0.2)")
    );
    assert!(lines.contains(&"[IKE] initiate IPsec phase to 10.0.0.1"));
    assert!(lines.contains(&"[IKE] receive notify INVALID-ID-INFORMATION from 10.0.0.1"));
    assert_eq!(lines.last(), Some(&"IP Tunnel[1] Up"));
    // SEIL (racoon) looks its SPD up with the gateways' addresses.
    let seil = std::fs::read_to_string(out.join("seil.log")).unwrap();
    assert!(
        seil.contains("no policy found: 10.0.0.2/32[0] 10.0.0.1/32[0]"),
        "{seil}"
    );
    assert!(stdout.contains("=== rtx log ==="));
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn check_config_reads_the_rtx_dialect() {
    let ok = ikelab(&[
        "check-config",
        "--vendor",
        "rtx",
        &path("catalog/rtx-no-ids/rtx.conf"),
    ]);
    let text = String::from_utf8_lossy(&ok.stdout);
    assert!(ok.status.success(), "{text}");
    assert!(text.contains("vendor: rtx"));
    assert!(text.contains(
        "phase-2 IDs: none sent; the gateways' addresses 10.0.0.2 and 10.0.0.1 stand for them"
    ));
    let bad = ikelab(&[
        "check-config",
        "--vendor",
        "yamaha",
        &path("../tests/fixtures/rtx/broken/typo-algorithm.conf"),
    ]);
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    let out = String::from_utf8_lossy(&bad.stdout);
    assert!(
        format!("{out}{err}").contains("typo-algorithm.conf:8:26: error: ipsec ike encryption"),
        "{out}{err}"
    );
}
