//! `ikelab test` as an engineer runs it on a suite of their own: a feature file and configs in
//! a folder outside the repository, re-addressed, with their own router and host names; its
//! exit codes, JUnit file (read with an XML parser), tags and shards.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn ikelab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ikelab"))
        .args(args)
        .output()
        .expect("ikelab runs")
}

/// HQ: a SEIL on 203.0.113.1 with LAN 10.10.0.0/24, its own key, phase-2 IDs set.
const HQ: &str = r#"hostname "HQ"
interface lan0 add 10.10.0.1/24
interface lan1 add 203.0.113.1/24
interface ipsec0 tunnel 203.0.113.1 203.0.113.2
interface ipsec0 unnumbered
route add 10.20.0.0/24 ipsec0
ike preshared-key add "203.0.113.2" "branch-key-42"
ike proposal add p1 encryption aes hash sha1 authentication preshared-key dh-group modp1024 lifetime-of-time 10m
ike peer add branch address 203.0.113.2 exchange-mode main proposals p1 tunnel-interface enable
ipsec security-association proposal add p2 authentication-algorithm hmac-sha1 encryption-algorithm aes lifetime-of-time 05m
ipsec security-association add sa tunnel-interface ipsec0 ike p2 esp enable proxy-id-local 203.0.113.1 proxy-id-remote 203.0.113.2
"#;

/// Branch: an NEC IX on 203.0.113.2 with LAN 10.20.0.0/24.
const BRANCH: &str = "ip route 10.10.0.0/24 Tunnel0.0
ip access-list list permit ip src any dest any
ike proposal p1 encryption aes hash sha group 1024-bit lifetime 600
ike policy pol peer 203.0.113.1 key branch-key-42 p1
ipsec autokey-proposal p2 esp-aes esp-sha lifetime time 300
ipsec autokey-map map list peer 203.0.113.1 p2
ipsec local-id map 203.0.113.2
ipsec remote-id map 203.0.113.1
interface FastEthernet0/0.0
ip address 203.0.113.2/24
no shutdown
interface FastEthernet1/0.0
ip address 10.20.0.1/24
no shutdown
interface Tunnel0.0
tunnel mode ipsec
ip unnumbered FastEthernet1/0.0
ipsec policy tunnel map out
no shutdown
";

/// Four scenarios: three that pass and one whose expectation is wrong (`@broken`).
const FEATURE: &str = r#"Feature: The HQ-branch tunnel
  Background:
    Given the router "hq" is a "seil" with configuration "configs/hq.conf"
    And the router "branch" is an "ix" with configuration "configs/branch.conf"
    And the host "pc-hq" at 10.10.0.10/24 with gateway 10.10.0.1
    And the host "pc-branch" at 10.20.0.10/24 with gateway 10.20.0.1

  @smoke
  Scenario: Pings from HQ reach the branch
    When pc-hq pings pc-branch 3 times after 10 seconds
    And pc-branch pings 10.10.0.10 2 times after 30s
    And the lab runs for 1 minute
    Then the hq log contains "IPsec-SA established"
    And the branch log contains "IKE.002: Finish IKE phase 2 negotiation, destination 203.0.113.1"
    And the decrypted Quick Mode IDs are 203.0.113.1 and 203.0.113.2
    And hq has 1 IPsec SA pair
    And the pings from pc-hq to pc-branch succeed
    And the ping from pc-branch to pc-hq succeeds

  Scenario: Different keys leave the tunnel down
    Given in the hq configuration "branch-key-42" is replaced by "branch-key-43"
    When pc-hq pings pc-branch 3 times after 10 seconds
    And the lab runs for 2 minutes
    Then the hq log does not contain "ISAKMP-SA established"
    And the diagnosis says "The pre-shared keys differ"
    And the pings from pc-hq to pc-branch fail

  @broken
  Scenario: A wrong expectation fails
    Given in the hq configuration "branch-key-42" is replaced by "branch-key-43"
    When pc-hq pings pc-branch 3 times after 10 seconds
    And the lab runs for 2 minutes
    Then the pings from pc-hq to pc-branch succeed

  Scenario: The operator adds HQ's phase-2 IDs while it runs
    Given in the hq configuration " proxy-id-local 203.0.113.1 proxy-id-remote 203.0.113.2" is replaced by ""
    When pc-hq pings pc-branch 3 times after 10 seconds
    And after 1 minute the operator applies "configs/hq.conf" to "hq"
    And pc-hq pings pc-branch 3 times after 80 seconds
    And the lab runs for 2 minutes
    Then the hq log contains "received INVALID-ID-INFORMATION notification from 203.0.113.2[500]"
    And the hq log contains "IPsec-SA established"
"#;

/// A fresh folder outside the repository with the suite: `tunnel.feature`, `configs/`.
fn suite(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ikelab-cli-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(d.join("configs")).unwrap();
    std::fs::write(d.join("configs/hq.conf"), HQ).unwrap();
    std::fs::write(d.join("configs/branch.conf"), BRANCH).unwrap();
    std::fs::write(d.join("tunnel.feature"), FEATURE).unwrap();
    d
}

/// Each test case of a JUnit file, by scenario name: whether it failed.
fn junit_cases(path: &Path) -> BTreeMap<String, bool> {
    use quick_xml::events::Event;
    let xml = std::fs::read_to_string(path).expect("a JUnit file");
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut cases = BTreeMap::new();
    let mut current: Option<String> = None;
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == b"testcase" => {
                let name = e
                    .try_get_attribute("name")
                    .unwrap()
                    .expect("a test case has a name")
                    .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .unwrap()
                    .to_string();
                // "Scenario: NAME: FILE:LINE:COLUMN"
                let name = name
                    .strip_prefix("Scenario: ")
                    .and_then(|n| n.split(": ").next())
                    .expect("a scenario's test case")
                    .to_string();
                assert!(cases.insert(name.clone(), false).is_none(), "{name} twice");
                current = Some(name);
            }
            Event::Start(e) | Event::Empty(e)
                if matches!(e.name().as_ref(), b"failure" | b"error") =>
            {
                let name = current.clone().expect("a failure inside a test case");
                cases.insert(name, true);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    cases
}

const PASSING: [&str; 3] = [
    "Pings from HQ reach the branch",
    "Different keys leave the tunnel down",
    "The operator adds HQ's phase-2 IDs while it runs",
];
const FAILING: &str = "A wrong expectation fails";

/// Runs `ikelab test PATH ARGS --junit FILE`: its exit code, stdout and JUnit test cases.
fn test_with_junit(
    path: &Path,
    args: &[&str],
    junit: &Path,
) -> (Option<i32>, String, BTreeMap<String, bool>) {
    let path = path.to_str().unwrap();
    let mut all = vec!["test", path];
    all.extend_from_slice(args);
    all.extend(["--junit", junit.to_str().unwrap()]);
    let out = ikelab(&all);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    (out.status.code(), stdout, junit_cases(junit))
}

#[test]
fn a_users_suite_runs_and_its_junit_file_counts_each_scenario() {
    let d = suite("all");
    let (code, stdout, cases) =
        test_with_junit(&d.join("tunnel.feature"), &[], &d.join("junit.xml"));
    assert_eq!(code, Some(1), "{stdout}");
    assert_eq!(cases.len(), 4, "{cases:?}");
    for p in PASSING {
        assert_eq!(cases.get(p), Some(&false), "{p}: {cases:?}\n{stdout}");
    }
    assert_eq!(cases.get(FAILING), Some(&true), "{cases:?}");
    assert!(stdout.contains("0 of 3 answered"), "{stdout}");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn tags_select_scenarios_and_all_passing_exits_0() {
    let d = suite("tags");
    let junit = d.join("junit.xml");
    let (code, stdout, cases) = test_with_junit(&d, &["--tags", "not @broken"], &junit);
    assert_eq!(code, Some(0), "{stdout}");
    let mut passing = PASSING.map(String::from).to_vec();
    passing.sort();
    assert_eq!(cases.into_keys().collect::<Vec<_>>(), passing);
    let (code, _, cases) = test_with_junit(&d, &["--tags", "@smoke"], &junit);
    assert_eq!(code, Some(0));
    assert_eq!(cases.into_keys().collect::<Vec<_>>(), [PASSING[0]]);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn two_shards_cover_each_scenario_once() {
    let d = suite("shards");
    let mut seen = BTreeMap::new();
    for (shard, file) in [("1/2", "junit-1.xml"), ("2/2", "junit-2.xml")] {
        let (code, _, cases) = test_with_junit(
            &d.join("tunnel.feature"),
            &["--shard", shard],
            &d.join(file),
        );
        assert!(!cases.is_empty() && cases.len() < 4, "{shard}: {cases:?}");
        let failed = cases.values().any(|f| *f);
        assert_eq!(code, Some(if failed { 1 } else { 0 }), "{shard}");
        for (name, failed) in cases {
            assert!(
                seen.insert(name.clone(), failed).is_none(),
                "{name} in both shards"
            );
        }
    }
    assert_eq!(seen.len(), 4, "{seen:?}");
    assert_eq!(seen.get(FAILING), Some(&true));
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn usage_and_file_errors_exit_2_naming_the_path() {
    let d = suite("errors");
    let missing = d.join("nope.feature");
    let out = ikelab(&["test", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(missing.to_str().unwrap()), "{err}");
    let out = ikelab(&["test", "/dev/null"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/dev/null: not a regular file"));
    for bad in [["--shard", "3/2"], ["--shard", "x"], ["--tags", "@a and"]] {
        let out = ikelab(&["test", d.to_str().unwrap(), bad[0], bad[1]]);
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
    }
    std::fs::write(
        d.join("broken.feature"),
        "Feature: x\n  Scenario y\n  Given\n",
    )
    .unwrap();
    let out = ikelab(&["test", d.join("broken.feature").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("broken.feature"));
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn steps_lists_every_phrasing_the_suite_uses() {
    let out = ikelab(&["test", "--steps"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    for pattern in [
        "the router {string} is a(n) {string} with configuration {string}",
        "the host {string} at {word} with gateway {word}",
        "{word} pings {word} {int} time(s) after {duration}",
        "after {duration} the operator applies {string} to {string}",
        "the lab runs for {duration}",
        "the ping(s) from {word} to {word} succeed(s)",
        "the diagnosis says {string}",
    ] {
        assert!(text.contains(pattern), "no {pattern:?} in:\n{text}");
    }
}
