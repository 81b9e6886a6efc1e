//! The document's scenarios end to end: the artefacts `ikelab run` writes open in tshark with
//! the run's own key files, every ISAKMP message decrypts, the document's lengths are there,
//! and the fixed case's ESP carries the pings with a correct ICV.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use ikelab::decode::capture::read_capture;
use ikelab::decode::frame::{Carried, datagram};
use ikelab::scenario::{build, load_named};
use ikelab_tests::{have_tool, scratch, tshark};

fn run_to(scenario: &str, dir: &Path) {
    let loaded = load_named(scenario).unwrap();
    let mut b = build(&loaded, None).unwrap();
    b.lab.run();
    let info = ikelab::report::RunInfo::of(&loaded, None, &b.result(), Default::default());
    ikelab::report::write(&b, &info, dir).unwrap();
}

/// tshark's rows for the merged capture: frame, exchange, ISAKMP length, notify, ESP ICV,
/// ICMP type, malformed.
fn tshark(dir: &Path) -> Vec<Vec<String>> {
    let (ike, esp) = tshark::read_keys(&dir.join("keys"));
    let fields = [
        "frame.number",
        "isakmp.exchangetype",
        "isakmp.length",
        "isakmp.notify.msgtype",
        "esp.icv_good",
        "icmp.type",
        "_ws.malformed",
        "isakmp.id.data.ipv4_addr",
    ];
    tshark::fields(
        &dir.join("capture.pcapng"),
        &ike,
        &esp,
        Some("isakmp or esp"),
        &fields,
    )
}

/// Frames of the merged capture whose ISAKMP bytes repeat an earlier frame's (retransmissions).
fn retransmissions(dir: &Path) -> Vec<usize> {
    let mut seen: HashMap<Vec<u8>, usize> = HashMap::new();
    let mut out = vec![];
    for f in read_capture(&dir.join("capture.pcapng")).unwrap() {
        if let Ok(d) = datagram(f.link, &f.data) {
            if let Carried::Isakmp(b) = d.carried {
                if seen.insert(b.to_vec(), f.number).is_some() {
                    out.push(f.number);
                }
            }
        }
    }
    out
}

#[test]
fn the_fixed_case_decrypts_in_tshark_with_esp_and_pings() {
    if !have_tool("tshark") {
        return;
    }
    let dir = scratch("fixed-capture");
    run_to("proxy-id-fixed", &dir);
    let rows = tshark(&dir);
    assert!(rows.iter().all(|r| r[6].is_empty()), "malformed: {rows:?}");
    let qm: Vec<&str> = rows
        .iter()
        .filter(|r| r[1] == "32")
        .map(|r| r[2].as_str())
        .collect();
    // Phase 2 twice: before and after applying the config re-initialises the SAD.
    assert_eq!(qm, ["156", "156", "60", "156", "156", "60"]);
    let info: Vec<(&str, &str)> = rows
        .iter()
        .filter(|r| r[1] == "5")
        .map(|r| (r[2].as_str(), r[3].as_str()))
        .collect();
    // INITIAL-CONTACT, then SEIL's Delete and the IX's answering Delete.
    assert_eq!(info, [("92", "24578"), ("76", ""), ("76", "")]);
    let esp: Vec<_> = rows.iter().filter(|r| !r[4].is_empty()).collect();
    assert_eq!(esp.len(), 20, "10 requests and 10 replies");
    assert!(esp.iter().all(|r| r[4] == "1"), "ICV correct");
    assert_eq!(esp.iter().filter(|r| r[5] == "8").count(), 10);
    assert_eq!(esp.iter().filter(|r| r[5] == "0").count(), 10);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_failing_case_decrypts_in_tshark_but_for_its_retransmissions() {
    if !have_tool("tshark") {
        return;
    }
    let dir = scratch("mismatch-capture");
    run_to("proxy-id-mismatch", &dir);
    let rows = tshark(&dir);
    let again = retransmissions(&dir);
    assert!(!again.is_empty(), "racoon resends QM1");
    // tshark 4.0 decrypts a byte-identical retransmission with the chain's current IV and marks
    // it malformed; every other message must decrypt cleanly.
    for r in &rows {
        let frame: usize = r[0].parse().unwrap();
        assert!(
            r[6].is_empty() || again.contains(&frame),
            "frame {frame} malformed: {r:?}"
        );
    }
    let first_qm = rows.iter().find(|r| r[1] == "32").unwrap();
    assert_eq!(first_qm[2], "172");
    let notifies: Vec<&str> = rows
        .iter()
        .filter(|r| r[1] == "5" && r[6].is_empty())
        .map(|r| r[3].as_str())
        .collect();
    assert_eq!(notifies[0], "24578");
    assert!(notifies[1..].iter().all(|n| *n == "18"));
    assert!(
        rows.iter()
            .filter(|r| r[1] == "5")
            .all(|r| r[2] == "92" || r[2] == "76")
    );
    assert!(
        rows.iter().all(|r| r[4].is_empty()),
        "no ESP crosses the WAN"
    );
    // ikelab decode, which remembers retransmissions, decrypts every one of them.
    let recs =
        ikelab::decode::decode_file(&dir.join("capture.pcapng"), Some(&dir.join("keys"))).unwrap();
    for r in recs {
        if let ikelab::decode::record::RecordBody::Isakmp(m) = r.body {
            assert!(
                matches!(
                    m.decryption,
                    ikelab::decode::record::Decryption::Plaintext
                        | ikelab::decode::record::Decryption::Decrypted
                ),
                "frame {}: {:?}",
                r.frame,
                m.note
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_same_seed_gives_the_same_bytes() {
    let (a, b) = (scratch("det-a"), scratch("det-b"));
    run_to("proxy-id-reconfigure", &a);
    run_to("proxy-id-reconfigure", &b);
    for f in [
        "capture.pcapng",
        "links/wan-seil.pcap",
        "seil.log",
        "ix.log",
        "keys/esp_sa",
        "keys/ikev1_decryption_table",
        "summary.json",
    ] {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
            "{f}"
        );
    }
    let _ = (std::fs::remove_dir_all(&a), std::fs::remove_dir_all(&b));
}

#[test]
fn the_wireshark_profile_alone_decrypts_the_capture() {
    if !have_tool("tshark") {
        return;
    }
    let dir = scratch("profile");
    run_to("proxy-id-fixed", &dir);
    let cfg = dir.join("wireshark-config");
    let profile = cfg.join("profiles").join("ikelab");
    std::fs::create_dir_all(&profile).unwrap();
    for f in ["ikev1_decryption_table", "esp_sa", "preferences"] {
        std::fs::copy(dir.join("wireshark-profile").join(f), profile.join(f)).unwrap();
    }
    let out = Command::new("tshark")
        .env("WIRESHARK_CONFIG_DIR", &cfg)
        .args(["-C", "ikelab", "-n", "-r"])
        .arg(dir.join("capture.pcapng"))
        .args([
            "-Y",
            "isakmp.exchangetype == 32 or esp",
            "-T",
            "fields",
            "-E",
            "occurrence=a",
            "-E",
            "aggregator=,",
        ])
        .args([
            "-e",
            "isakmp.id.data.ipv4_addr",
            "-e",
            "esp.icv_good",
            "-e",
            "icmp.type",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.lines()
            .next()
            .unwrap()
            .starts_with("172.16.0.1,172.16.0.2"),
        "{text}"
    );
    assert!(
        text.lines()
            .filter(|l| l.ends_with("\t1\t8") || l.ends_with("\t1\t0"))
            .count()
            >= 20,
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
