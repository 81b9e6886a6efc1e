//! The capture files: one classic pcap per link and one merged pcapng, read back by tshark
//! (when installed; required when `IKELAB_REQUIRE_TOOLS` is set) without a warning, with valid
//! checksums, the links' names and the configured start date.

mod common;

use std::path::Path;
use std::process::Command;

use common::{have_tool, out_dir};
use ikelab_sim::topology::{IX_HOST, SEIL_WAN};
use ikelab_sim::{Instant, LabConfig, PingSpec, RunFiles, document_lab};

fn run_document_lab(dir: &Path) -> RunFiles {
    let mut d = document_lab(LabConfig::with_seed(5)).unwrap();
    d.lab
        .ping(d.seil_host, Instant::ZERO, PingSpec::new(IX_HOST).count(10))
        .unwrap();
    // A fragmented one too.
    d.lab
        .ping(
            d.ix_host,
            Instant::ZERO,
            PingSpec::new(ikelab_sim::topology::SEIL_HOST).size(2000),
        )
        .unwrap();
    d.lab.run();
    d.lab.write_outputs(dir).unwrap()
}

/// Runs tshark, failing on a non-zero exit or anything on stderr other than its root notice.
fn tshark(args: &[&str]) -> String {
    let out = Command::new("tshark").args(args).output().unwrap();
    let stderr: Vec<&str> = std::str::from_utf8(&out.stderr)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("Running as user \"root\""))
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert!(
        out.status.success() && stderr.is_empty(),
        "tshark {args:?}: {stderr:?}"
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn files_are_written_for_every_link() {
    let dir = out_dir("files");
    let files = run_document_lab(&dir);
    let names: Vec<&str> = files
        .captures
        .per_link
        .iter()
        .map(|(n, _)| n.as_str())
        .collect();
    assert_eq!(names, ["wan-seil", "wan-ix", "lan-seil", "lan-ix"]);
    for (_, p) in &files.captures.per_link {
        let bytes = std::fs::read(p).unwrap();
        // Little-endian nanosecond pcap magic.
        assert_eq!(&bytes[..4], &[0x4d, 0x3c, 0xb2, 0xa1]);
        assert!(bytes.len() > 24);
    }
    let ng = std::fs::read(&files.captures.merged).unwrap();
    assert_eq!(&ng[..4], &[0x0a, 0x0d, 0x0d, 0x0a]);
    assert!(
        std::fs::read_to_string(&files.log)
            .unwrap()
            .contains("10 transmitted, 10 received")
    );
    assert_eq!(std::fs::read(&files.ikev1_keys).unwrap(), b"");
    assert_eq!(std::fs::read(&files.esp_keys).unwrap(), b"");
}

#[test]
fn tshark_reads_every_capture_without_warnings() {
    if !have_tool("tshark") {
        return;
    }
    let dir = out_dir("tshark");
    let files = run_document_lab(&dir);
    let mut paths: Vec<&Path> = files
        .captures
        .per_link
        .iter()
        .map(|(_, p)| p.as_path())
        .collect();
    paths.push(&files.captures.merged);
    for p in &paths {
        let path = p.to_str().unwrap();
        let text = tshark(&["-r", path]);
        assert!(text.lines().count() > 10, "{path}: {text}");
        // With checksum validation on, no frame is flagged by the expert system.
        let flagged = tshark(&[
            "-r",
            path,
            "-o",
            "ip.check_checksum:TRUE",
            "-o",
            "udp.check_checksum:TRUE",
            "-Y",
            "_ws.expert.severity >= \"Warning\" || _ws.malformed || ip.checksum.status == \"Bad\" || icmp.checksum.status == \"Bad\"",
        ]);
        assert_eq!(flagged, "", "{path}: frames flagged by tshark");
    }

    // ARP, IP-in-IP and the pings, as tshark sees them on the WAN.
    let wan = files.captures.per_link[0].1.to_str().unwrap();
    let arp = tshark(&[
        "-r",
        wan,
        "-Y",
        "arp",
        "-T",
        "fields",
        "-e",
        "arp.src.proto_ipv4",
    ]);
    assert!(arp.lines().any(|l| l == SEIL_WAN.to_string()), "{arp}");
    let replies = tshark(&[
        "-r",
        wan,
        "-Y",
        "ip.proto == 4 && icmp.type == 0 && ip.dst == 192.168.0.10",
        "-T",
        "fields",
        "-e",
        "icmp.seq",
    ]);
    assert_eq!(replies.lines().count(), 10, "{replies}");
    // The 2000-byte ping was fragmented by its host and reassembled by tshark.
    let lan = files.captures.per_link[3].1.to_str().unwrap();
    let frag = tshark(&["-r", lan, "-Y", "ip.flags.mf == 1"]);
    assert!(frag.lines().count() >= 2, "{frag}");

    // The merged pcapng names each interface after its link, at nanosecond resolution, and
    // frames carry the configured start date (Jan 5 07:27:06 2016 UTC) plus virtual time.
    let ng = files.captures.merged.to_str().unwrap();
    let ifaces = tshark(&["-r", ng, "-T", "fields", "-e", "frame.interface_name"]);
    for name in ["wan-seil", "wan-ix", "lan-seil", "lan-ix"] {
        assert!(
            ifaces.lines().any(|l| l == name),
            "{name} missing: {ifaces}"
        );
    }
    let times = tshark(&[
        "-r",
        ng,
        "-T",
        "fields",
        "-e",
        "frame.time_epoch",
        "-c",
        "1",
    ]);
    let first: f64 = times.trim().parse().unwrap();
    assert!(
        (1_451_978_826.0..1_451_978_827.0).contains(&first),
        "{times}"
    );
    let stats = tshark(&["-r", ng, "-q", "-z", "io,stat,0"]);
    assert!(!stats.is_empty());
    // The capinfos-style view: nanosecond precision.
    let precision = tshark(&[
        "-r",
        ng,
        "-T",
        "fields",
        "-e",
        "frame.time_epoch",
        "-c",
        "2",
    ]);
    let second = precision.lines().nth(1).unwrap();
    assert_eq!(
        second.split('.').nth(1).map(str::len),
        Some(9),
        "{precision}"
    );
}
