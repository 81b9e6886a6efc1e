//! `ikelab run` as a student or a CI job uses it: a lab re-addressed in every way, run from its
//! two configs alone, derives its hosts and carries pings; expectations give the exit code
//! (0 met, 1 not met, 2 usage or config errors) and the verdict is the last line;
//! `summary.json` validates against `schema/summary.schema.json`; a closed stdout ends the
//! program quietly after the artefacts are written.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn ikelab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ikelab"))
        .args(args)
        .output()
        .expect("ikelab runs")
}

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/readdressed")
        .join(name)
        .display()
        .to_string()
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ikelab-cli-expect-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// `ikelab run SCENARIO --out DIR --quiet` with `more` arguments.
fn run_quiet(scenario: &str, dir: &Path, more: &[&str]) -> Output {
    let mut args = vec!["run", scenario, "--out", dir.to_str().unwrap(), "--quiet"];
    args.extend_from_slice(more);
    ikelab(&args)
}

fn readdressed(dir: &Path, expect: &str) -> Output {
    ikelab(&[
        "run",
        "--seil",
        &fixture("seil.conf"),
        "--ix",
        &fixture("ix.conf"),
        "--out",
        dir.to_str().unwrap(),
        "--quiet",
        "--expect",
        expect,
    ])
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn schema() -> jsonschema::Validator {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("schema/summary.schema.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::validator_for(&schema).expect("the schema is a valid JSON Schema")
}

fn errors(v: &jsonschema::Validator, doc: &serde_json::Value) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn a_readdressed_lab_runs_from_its_configs_alone_and_carries_pings() {
    let dir = tmp("readdressed");
    let out = readdressed(&dir, "phase1=up,phase2=up,pings=all");
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    // The derived topology, printed: a host next to each router on its own LAN.
    assert!(
        text.contains("host-a 10.77.3.2/24 gateway 10.77.3.1 on seil's lan0"),
        "{text}"
    );
    assert!(
        text.contains("host-b 172.31.200.130/25 gateway 172.31.200.129 on ix's FastEthernet1/0.0"),
        "{text}"
    );
    // Both ways, every echo answered.
    assert!(
        text.contains("ping host-a -> 172.31.200.130: 10 sent, 10 answered"),
        "{text}"
    );
    assert!(
        text.contains("ping host-b -> 10.77.3.2: 10 sent, 10 answered"),
        "{text}"
    );
    let last = text.lines().last().unwrap_or_default();
    assert!(last.starts_with("verdict: met:"), "{last}");

    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    assert_eq!(errors(&schema(), &summary), Vec::<String>::new());
    assert_eq!(summary["scenario"], "custom");
    assert_eq!(summary["verdict"]["met"], true);
    assert_eq!(summary["verdict"]["checks"].as_array().unwrap().len(), 3);
    let timeline = summary["timeline"].as_array().unwrap();
    assert!(
        timeline
            .iter()
            .any(|e| e["event"] == "sa_installed" && e["router"] == "ix"),
        "{timeline:?}"
    );
    let times: Vec<u64> = timeline
        .iter()
        .map(|e| e["at_ms"].as_u64().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "in time order");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_expectation_not_met_exits_1_with_the_verdict_last() {
    let dir = tmp("not-met");
    let out = readdressed(&dir, "pings=none");
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    let last = text.lines().last().unwrap_or_default();
    assert_eq!(
        last,
        "verdict: not met: pings=none FAILED (20 of 20 answered)"
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["verdict"]["result"], "not met");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn usage_and_config_errors_exit_2() {
    let dir = tmp("usage");
    for bad in ["phase2=sideways", "phase3=up", "pings"] {
        let out = readdressed(&dir, bad);
        assert_eq!(out.status.code(), Some(2), "--expect {bad}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("--expect"),
            "--expect {bad}"
        );
    }
    let broken = dir.join("seil.conf");
    std::fs::write(&broken, "interface lan0 add 10.77.3.1/33\n").unwrap();
    let out = ikelab(&[
        "run",
        "--seil",
        broken.to_str().unwrap(),
        "--ix",
        &fixture("ix.conf"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("seil.conf:1:"));
    let out = ikelab(&["run", "no-such-scenario"]);
    assert_eq!(out.status.code(), Some(2));
    // An [expect] table with a value it does not take names its line.
    let sc = dir.join("scenario.toml");
    std::fs::write(
        &sc,
        "name = \"x\"\ndescription = \"y\"\n[expect]\nphase2 = \"sideways\"\n",
    )
    .unwrap();
    let out = ikelab(&["run", sc.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("scenario.toml:4"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_scenarios_expect_table_gives_the_verdict_and_the_command_line_overrides_it() {
    let dir = tmp("catalog");
    // proxy-id-mismatch expects phase 2 down, no ping answered, and the document's log lines.
    let out = run_quiet("proxy-id-mismatch", &dir, &[]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    let last = text.lines().last().unwrap_or_default();
    assert!(last.contains("phase2=down ok"), "{last}");
    assert!(
        last.contains("ix log contains \"IKE.043: IPsec configuration not found\" ok"),
        "{last}"
    );
    let out = run_quiet("proxy-id-mismatch", &dir, &["--expect", "phase2=up"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("phase2=up FAILED (0 of 2 routers)"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_schema_refuses_a_summary_that_breaks_it() {
    let dir = tmp("schema");
    let out = run_quiet("psk-mismatch", &dir, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let good: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    let v = schema();
    assert_eq!(errors(&v, &good), Vec::<String>::new());
    assert!(
        good["diagnosis"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["kind"] == "pre_shared_key_differs"
                && f["fixes"].as_array().is_some_and(|x| x.len() == 2)
                && f["fix"]["edits"][0]["line"].as_u64().is_some()),
        "{}",
        good["diagnosis"]
    );
    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("verdict");
    assert!(!errors(&v, &missing).is_empty());
    let mut wrong = good.clone();
    wrong["version"] = serde_json::json!(2);
    assert!(!errors(&v, &wrong).is_empty());
    let mut bad_fix = good.clone();
    bad_fix["diagnosis"][0]["fix"] = serde_json::json!({"router": "seil", "change": "x"});
    assert!(!errors(&v, &bad_fix).is_empty(), "a fix without its edits");
    let mut bad_spi = good;
    bad_spi["timeline"] =
        serde_json::json!([{"at_ms": 1, "router": "seil", "event": "sa_installed", "spi": "1234"}]);
    assert!(!errors(&v, &bad_spi).is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs ikelab with `args`, reads one line of its output, closes the pipe and waits for it.
fn first_line_then_close(args: &[&str]) -> (String, Output) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ikelab"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    // The reader, and with it the pipe's read end, is dropped at the end of this statement.
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    (first, child.wait_with_output().unwrap())
}

#[test]
fn a_closed_stdout_ends_the_program_quietly_after_the_artefacts() {
    let dir = tmp("pipe");
    // The reader goes away after the first line (the derived topology).
    let (first, out) = first_line_then_close(&[
        "run",
        "--seil",
        &fixture("seil.conf"),
        "--ix",
        &fixture("ix.conf"),
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(first.starts_with("=== topology"), "{first}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(out.status.code(), Some(0), "{err}");
    for f in ["summary.json", "capture.pcapng", "seil.log", "keys/esp_sa"] {
        assert!(
            dir.join(f).exists(),
            "{f} written before the logs were printed"
        );
    }

    // `decode` of a long capture (two hours of pings) into a reader that stops after one line.
    let long = dir.join("long");
    let out = run_quiet("lifetime-rekey", &long, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let (first, out) = first_line_then_close(&[
        "decode",
        long.join("capture.pcapng").to_str().unwrap(),
        "--keys",
        long.join("keys").to_str().unwrap(),
    ]);
    assert!(first.starts_with("frame "), "{first}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(out.status.code(), Some(0), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The `enum` of every `kind` property in `v`, wherever it is.
fn kind_enums(v: &serde_json::Value, out: &mut Vec<Vec<String>>) {
    match v {
        serde_json::Value::Object(m) => {
            if let Some(e) = m
                .get("kind")
                .and_then(|k| k.get("enum"))
                .and_then(|e| e.as_array())
            {
                out.push(
                    e.iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect(),
                );
            }
            m.values().for_each(|x| kind_enums(x, out));
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| kind_enums(x, out)),
        _ => {}
    }
}

#[test]
fn the_schema_lists_every_kind_of_finding() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("schema/summary.schema.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut enums = vec![];
    kind_enums(&schema, &mut enums);
    assert_eq!(enums.len(), 1, "one `kind` enum in the schema: {enums:?}");
    let mut listed = enums.remove(0);
    let mut kinds: Vec<String> = ikelab::diagnose::FindingKind::all()
        .into_iter()
        .map(|k| {
            serde_json::to_value(k)
                .unwrap()
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    listed.sort();
    kinds.sort();
    assert_eq!(listed, kinds);
}
