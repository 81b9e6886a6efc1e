//! `ikelab run --netns` as a user runs it: the lab as network namespaces, the real `ping`, the
//! same artefacts as in-process, a clean stop on Ctrl-C, nothing left behind, and a clear error
//! without root.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ikelab_sim::netns::Spawned;
use ikelab_tests::fixtures;
use ikelab_tests::interop::{
    Tool, can_run, decode, ikelab_bin, namespaces_of, serial, skip, wait_until, workdir,
};

fn bin(test: &str) -> Option<std::path::PathBuf> {
    let b = ikelab_bin();
    if b.is_none() {
        skip(
            test,
            "the ikelab binary is not built next to the tests (cargo test --workspace builds it)",
        );
    }
    b
}

const T_RUN: &str = "ikelab run --netns";

#[test]
fn a_scenario_runs_in_namespaces_and_leaves_the_same_artefacts() {
    let _serial = serial();
    if !can_run(T_RUN, &[Tool::Netns]) {
        return;
    }
    let Some(ikelab) = bin(T_RUN) else { return };
    let out = workdir("run", "out");
    let scenario = fixtures().join("interop/netns-fixed");
    let started = Instant::now();
    let mut cmd = Command::new(&ikelab);
    cmd.arg("run")
        .arg(&scenario)
        .args(["--netns", "--quiet", "--out"])
        .arg(&out)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = Spawned::start("ikelab run --netns", &mut cmd).expect("ikelab");
    let pid = child.pid();
    let o = child.wait_output(Duration::from_secs(60)).expect("it ends");
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // Real time: the scenario lasts 8 s.
    assert!(started.elapsed() >= Duration::from_secs(8));
    for line in [
        "seil (seil): phase 1 up, phase 2 up (IPsec SA pairs now: 1, negotiated in all: 1)",
        "ix (ix): phase 1 up, phase 2 up (IPsec SA pairs now: 1, negotiated in all: 1)",
        "ping host-a -> 192.168.1.10: 3 sent, 3 answered",
    ] {
        assert!(stdout.contains(line), "{line:?} missing from\n{stdout}");
    }
    for f in [
        "capture.pcapng",
        "links/wan.pcap",
        "links/lan-seil.pcap",
        "links/lan-ix.pcap",
        "keys/ikev1_decryption_table",
        "keys/esp_sa",
        "seil.log",
        "ix.log",
        "lab.log",
        "summary.json",
    ] {
        assert!(out.join(f).exists(), "{f} missing");
    }
    // The bridge capture decrypts with the run's keys: Quick Mode with host IDs, and ESP
    // carrying IP-in-IP with the real hosts' pings inside.
    let keys = ikelab_sim::KeyLog {
        ikev1: lines(&out.join("keys/ikev1_decryption_table")),
        esp: lines(&out.join("keys/esp_sa")),
    };
    assert_eq!(
        keys.esp.len(),
        4,
        "one SA each way, from both routers: {keys:?}"
    );
    let decoded = decode(&out.join("links/wan.pcap"), &keys);
    let text: Vec<&str> = decoded.iter().map(|(_, t)| t.as_str()).collect();
    let all = text.join("\n");
    assert!(all.contains("IPV4_ADDR 172.16.0.1"), "{all}");
    let icmp_in_esp = |what: &str| {
        text.iter()
            .filter(|t| t.contains("decrypted, ICV correct, next header 4") && t.contains(what))
            .count()
    };
    assert_eq!(
        icmp_in_esp("192.168.0.10 -> 192.168.1.10 ICMP echo request"),
        3,
        "{all}"
    );
    assert_eq!(
        icmp_in_esp("192.168.1.10 -> 192.168.0.10 ICMP echo reply"),
        3,
        "{all}"
    );
    let lab_log = std::fs::read_to_string(out.join("lab.log")).unwrap();
    assert!(
        lab_log.contains("3 packets transmitted, 3 received"),
        "{lab_log}"
    );
    assert!(
        namespaces_of(pid).is_empty(),
        "namespaces left behind: {:?}",
        namespaces_of(pid)
    );
}

fn lines(p: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(p)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

const T_INT: &str = "ikelab run --netns interrupted";

#[test]
fn ctrl_c_ends_a_run_early_and_cleanly() {
    let _serial = serial();
    if !can_run(T_INT, &[Tool::Netns]) {
        return;
    }
    let Some(ikelab) = bin(T_INT) else { return };
    let out = workdir("interrupted", "out");
    let mut cmd = Command::new(&ikelab);
    cmd.args(["run", "proxy-id-fixed", "--netns", "--quiet", "--out"])
        .arg(&out)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = Spawned::start("ikelab run --netns", &mut cmd).expect("ikelab");
    let pid = child.pid();
    // Wait until the lab is up (its namespaces exist), then a little longer for phase 1.
    assert!(wait_until(Duration::from_secs(10), || namespaces_of(pid)
        .len()
        >= 5));
    std::thread::sleep(Duration::from_secs(2));
    let started = Instant::now();
    child.interrupt();
    let o = child.wait_output(Duration::from_secs(15)).expect("it ends");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "it took {:?} to stop",
        started.elapsed()
    );
    assert_eq!(
        o.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("seil (seil): phase 1 up"), "{stdout}");
    assert!(out.join("capture.pcapng").exists());
    assert!(String::from_utf8_lossy(&o.stderr).contains("Interrupted"));
    assert!(
        namespaces_of(pid).is_empty(),
        "namespaces left behind: {:?}",
        namespaces_of(pid)
    );
}

const T_ROOT: &str = "ikelab run --netns without root";

#[test]
fn without_root_it_says_so() {
    let _serial = serial();
    let Some(ikelab) = ikelab_bin() else {
        skip(T_ROOT, "the ikelab binary is not built next to the tests");
        return;
    };
    // As root, drop to nobody to see what a user sees; as a user, just run it.
    let mut cmd = if ikelab_sim::netns::is_root() {
        if !Command::new("setpriv")
            .arg("--help")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            skip(T_ROOT, "setpriv (util-linux) is not installed");
            return;
        }
        let mut c = Command::new("setpriv");
        c.args(["--reuid", "65534", "--regid", "65534", "--clear-groups"])
            .arg(&ikelab);
        c
    } else {
        Command::new(&ikelab)
    };
    let o = cmd
        .args(["run", "proxy-id-fixed", "--netns"])
        .current_dir(std::env::temp_dir())
        .output()
        .expect("ikelab runs");
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("ikelab run --netns needs root"),
        "stderr: {err}"
    );
    assert!(err.contains("leave out --netns"), "stderr: {err}");
    let o = Command::new(&ikelab)
        .args(["peer", "--vendor", "seil", "--config"])
        .arg(fixtures().join("interop/seil/fixed.conf"))
        .args(["--netns", "x", "--iface", "lan1"])
        .output()
        .expect("ikelab runs");
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("is not NAME=IF"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
