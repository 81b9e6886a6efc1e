//! `ikelab run … --report` opened in headless Chromium (Debian's `chromium`, installed by
//! `.ci/run`), for the document's failing and fixed runs: the page loads with no console
//! message, the ladder has one arrow per IKE message tshark finds in the capture and one per
//! ESP flow (SPI and direction) tshark finds, named MM1…MM6 and so on, the decrypted IDs appear
//! under QM1, and a screenshot is written as a test artefact.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser"].into_iter().find(|c| {
        Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// Chromium, headless and quiet on this closed network (no background fetches), on `page`.
fn chrome(bin: &str, profile: &Path, page: &Path, extra: &[&str]) -> Output {
    Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--log-level=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs")
}

fn tshark(capture: &Path, filter: &str, fields: &[&str]) -> Vec<String> {
    let mut c = Command::new("tshark");
    c.arg("-r")
        .arg(capture)
        .args(["-Y", filter, "-T", "fields"]);
    for f in fields {
        c.args(["-e", f]);
    }
    let out = c.output().expect("tshark runs");
    assert!(out.status.success(), "tshark: {out:?}");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// What a page wrote to its console (errors, uncaught exceptions, resources refused).
fn console(o: &Output) -> Vec<String> {
    String::from_utf8_lossy(&o.stderr)
        .lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("Uncaught"))
        .map(str::to_string)
        .collect()
}

/// The console check itself can fail: a page with an error and an exception is caught.
#[test]
fn a_console_error_would_be_seen() {
    let Some(bin) = chromium() else {
        eprintln!("chromium is not installed: skipped (CI installs it)");
        return;
    };
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("report-canary");
    std::fs::create_dir_all(&dir).unwrap();
    let page = dir.join("bad.html");
    std::fs::write(
        &page,
        "<html><body><script>console.error('boom'); missing();</script></body></html>",
    )
    .unwrap();
    let out = chrome(bin, &dir.join("profile"), &page, &["--dump-dom"]);
    let seen = console(&out);
    assert!(
        seen.iter().any(|l| l.contains("boom")) && seen.iter().any(|l| l.contains("Uncaught")),
        "{seen:?}"
    );
}

/// Every `<article …>` section whose attributes contain `attr`, up to its end.
fn articles<'a>(dom: &'a str, attr: &str) -> Vec<&'a str> {
    let mut out = vec![];
    let mut rest = dom;
    while let Some(i) = rest.find("<article") {
        let body = &rest[i..];
        let end = body.find("</article>").unwrap_or(body.len());
        let open = &body[..body.find('>').unwrap_or(0)];
        if open.contains(attr) {
            out.push(&body[..end]);
        }
        rest = &body[end..];
    }
    out
}

/// Runs `scenario` with `--report`, opens the report, checks it; the DOM.
fn check(scenario: &str) -> Option<String> {
    let Some(bin) = chromium() else {
        eprintln!("chromium is not installed: skipped (CI installs it)");
        return None;
    };
    if Command::new("tshark").arg("--version").output().is_err() {
        eprintln!("tshark is not installed: skipped (CI installs it)");
        return None;
    }
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("report-{scenario}"));
    let _ = std::fs::remove_dir_all(&dir);
    let run = Command::new(env!("CARGO_BIN_EXE_ikelab"))
        .args(["run", scenario, "--quiet", "--report", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(run.status.code().is_some_and(|c| c <= 1), "{run:?}");
    let page = dir.join("report.html");
    let profile = dir.join("chromium-profile");

    let dump = chrome(bin, &profile, &page, &["--dump-dom"]);
    assert!(dump.status.success(), "{dump:?}");
    let logged = console(&dump);
    assert!(logged.is_empty(), "the page logged: {logged:?}");
    let dom = String::from_utf8(dump.stdout).unwrap();

    // One arrow per IKE message of the capture, one per ESP flow.
    let capture = dir.join("capture.pcapng");
    let ike = tshark(&capture, "isakmp", &["frame.number"]).len();
    let esp: HashSet<String> = tshark(&capture, "esp", &["ip.src", "ip.dst", "esp.spi"])
        .into_iter()
        .collect();
    let arrows = |kind: &str| dom.matches(&format!("class=\"arrow {kind}")).count();
    assert_eq!(
        arrows("ike"),
        ike,
        "IKE arrows against tshark's ISAKMP frames"
    );
    assert_eq!(
        arrows("esp"),
        esp.len(),
        "ESP arrows against tshark's flows"
    );
    let names: Vec<&str> = dom
        .split("data-kind=\"ike\" data-name=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .collect();
    assert_eq!(names[..6], ["MM1", "MM2", "MM3", "MM4", "MM5", "MM6"]);
    assert!(names.contains(&"QM1"), "{names:?}");

    // A screenshot, as an artefact of the test.
    let shot = dir.join(format!("{scenario}.png"));
    let out = chrome(
        bin,
        &profile,
        &page,
        &[
            "--window-size=1400,1800",
            &format!("--screenshot={}", shot.display()),
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let png = std::fs::read(&shot).expect("the screenshot");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert!(png.len() > 50_000, "{} bytes: a blank page?", png.len());
    eprintln!("screenshot: {} ({} bytes)", shot.display(), png.len());
    Some(dom)
}

#[test]
fn the_failing_run_shows_the_any_ids_under_qm1() {
    let Some(dom) = check("proxy-id-mismatch") else {
        return;
    };
    assert_eq!(
        dom.matches("class=\"arrow esp").count(),
        0,
        "no ESP in the failing run"
    );
    let qm1 = articles(&dom, "data-name=\"QM1\"");
    assert!(!qm1.is_empty());
    for a in &qm1 {
        assert!(a.contains("0.0.0.0/0"), "{a}");
    }
    assert!(dom.contains("INVALID-ID-INFORMATION"));
}

#[test]
fn the_fixed_run_shows_the_host_ids_under_qm1_and_esp() {
    let Some(dom) = check("proxy-id-fixed") else {
        return;
    };
    let qm1 = articles(&dom, "data-name=\"QM1\"");
    assert!(!qm1.is_empty());
    for a in &qm1 {
        assert!(
            a.contains("172.16.0.1") && a.contains("172.16.0.2") && !a.contains("0.0.0.0/0"),
            "{a}"
        );
    }
    assert!(dom.matches("class=\"arrow esp").count() >= 2);
}
