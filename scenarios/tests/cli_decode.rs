//! The `ikelab decode` command as a user runs it: output on a real capture, and one-line errors
//! with a non-zero exit for bad input.

use std::path::PathBuf;
use std::process::{Command, Output};

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/strongswan")
        .join(rel)
}

fn ikelab(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ikelab"))
        .args(args)
        .output()
        .expect("ikelab runs")
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ikelab-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn text_output_shows_the_mismatch_in_ix_style() {
    let cap = fixture("ss-broken-tunnel/capture.pcap");
    let keys = fixture("ss-broken-tunnel/keys");
    let out = ikelab(&[
        "decode".as_ref(),
        cap.as_os_str(),
        "--keys".as_ref(),
        keys.as_os_str(),
    ]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("type 5:ID, length 16: IPV4_ADDR_SUBNET 0.0.0.0/0"),
        "{text}"
    );
    assert!(
        text.contains("type 11:NOTIFY, length 16: type 18:INVALID-ID-INFORMATION"),
        "{text}"
    );
    assert!(
        text.contains("ISAKMP Quick Mode, message ID 0xcc037a47, length 188, encrypted, decrypted"),
        "{text}"
    );
}

#[test]
fn without_keys_encrypted_messages_say_so() {
    let cap = fixture("ss-broken-tunnel/capture.pcap");
    let out = ikelab(&["decode".as_ref(), cap.as_os_str()]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("encrypted, no key"));
}

#[test]
fn json_lines_parse() {
    let cap = fixture("ss-lan-tunnel-libipsec/capture.pcap");
    let keys = fixture("ss-lan-tunnel-libipsec/keys");
    let out = ikelab(&[
        "decode".as_ref(),
        cap.as_os_str(),
        "--keys".as_ref(),
        keys.as_os_str(),
        "--json".as_ref(),
    ]);
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    let esp: Vec<_> = lines.iter().filter(|v| v["kind"] == "esp").collect();
    assert_eq!(esp.len(), 6);
    assert!(esp.iter().all(|v| v["icv"] == "correct"));
    assert!(
        esp[0]["inner"]
            .as_str()
            .unwrap()
            .contains("192.168.0.10 -> 192.168.1.10 ICMP echo request")
    );
}

fn assert_one_line_error(out: &Output, needle: &str) {
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains(needle), "{err}");
}

#[test]
fn bad_inputs_give_one_line_errors() {
    let d = tmp("bad");
    let not_cap = d.join("notes.txt");
    std::fs::write(&not_cap, "hello, this is text").unwrap();
    assert_one_line_error(
        &ikelab(&["decode".as_ref(), not_cap.as_os_str()]),
        "not a pcap or pcapng capture",
    );

    let good = std::fs::read(fixture("ss-broken-tunnel/capture.pcap")).unwrap();
    let truncated = d.join("truncated.pcap");
    std::fs::write(&truncated, &good[..good.len() - 10]).unwrap();
    assert_one_line_error(
        &ikelab(&["decode".as_ref(), truncated.as_os_str()]),
        "truncated.pcap",
    );

    let missing = d.join("missing.pcap");
    assert_one_line_error(
        &ikelab(&["decode".as_ref(), missing.as_os_str()]),
        "missing.pcap",
    );

    let keys = d.join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    std::fs::write(
        keys.join("ikev1_decryption_table"),
        "c6023a175ed0a619,2e94\nnot-a-line\n",
    )
    .unwrap();
    let cap = fixture("ss-broken-tunnel/capture.pcap");
    assert_one_line_error(
        &ikelab(&[
            "decode".as_ref(),
            cap.as_os_str(),
            "--keys".as_ref(),
            keys.as_os_str(),
        ]),
        "ikev1_decryption_table:2:",
    );
}

#[test]
fn a_malformed_packet_is_shown_and_decoding_goes_on() {
    let mut cap = std::fs::read(fixture("ss-broken-tunnel/capture.pcap")).unwrap();
    // Frame 1 starts at 24 (file header) + 16 (record header); its ISAKMP length field sits at
    // 14 (Ethernet) + 20 (IPv4) + 8 (UDP) + 24. Make it claim more than the datagram holds.
    let at = 24 + 16 + 14 + 20 + 8 + 24;
    cap[at..at + 4].copy_from_slice(&5000u32.to_be_bytes());
    let d = tmp("malformed");
    let path = d.join("m.pcap");
    std::fs::write(&path, cap).unwrap();
    let out = ikelab(&["decode".as_ref(), path.as_os_str()]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("frame 1") && text.contains("malformed: ISAKMP: ISAKMP message truncated"),
        "{text}"
    );
    assert!(text.contains("frame 8"), "decoding went on: {text}");
}

/// The record headers of a classic little-endian pcap: (offset, captured length) of each.
fn pcap_records(cap: &[u8]) -> Vec<(usize, usize)> {
    let mut out = vec![];
    let mut at = 24;
    while at + 16 <= cap.len() {
        let len = u32::from_le_bytes(cap[at + 8..at + 12].try_into().unwrap()) as usize;
        out.push((at, len));
        at += 16 + len;
    }
    out
}

/// Decodes `path`; gives the output, and checks that tshark (when installed) ends with the
/// same status, as the help promises.
fn decode_like_tshark(path: &std::path::Path) -> Output {
    let out = ikelab(&["decode".as_ref(), path.as_os_str()]);
    if let Ok(t) = Command::new("tshark").arg("-r").arg(path).output() {
        assert_eq!(t.status.code(), out.status.code(), "tshark's status");
    }
    out
}

#[test]
fn a_capture_cut_short_prints_every_good_frame_then_says_where() {
    let good = std::fs::read(fixture("ss-broken-tunnel/capture.pcap")).unwrap();
    let full = String::from_utf8(
        ikelab(&[
            "decode".as_ref(),
            fixture("ss-broken-tunnel/capture.pcap").as_os_str(),
        ])
        .stdout,
    )
    .unwrap();
    let records = pcap_records(&good);
    let (last_at, _) = *records.last().unwrap();
    let d = tmp("cut");
    let path = d.join("cut.pcap");
    std::fs::write(&path, &good[..good.len() - 10]).unwrap();
    let out = decode_like_tshark(&path);
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8(out.stdout).unwrap();
    let n = records.len();
    let last = format!("frame {n} ");
    let cut = full.find(&last).expect("the last frame is IKE or ESP");
    assert_eq!(
        text,
        full[..cut],
        "every frame before the cut one, as without the cut"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(
        err.contains(&format!(
            "cut.pcap: the capture appears to have been cut short in the middle of a packet (record {n}, at byte {last_at}); {} frame(s) were read before it",
            n - 1
        )),
        "{err}"
    );
}

#[test]
fn a_damaged_record_stops_the_decode_after_the_frames_before_it() {
    let mut cap = std::fs::read(fixture("ss-broken-tunnel/capture.pcap")).unwrap();
    let (at, _) = pcap_records(&cap)[2];
    cap[at + 8..at + 12].copy_from_slice(&0xffff_ff00u32.to_le_bytes());
    let d = tmp("damaged");
    let path = d.join("damaged.pcap");
    std::fs::write(&path, &cap).unwrap();
    let out = decode_like_tshark(&path);
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("frame 1 ") && text.contains("frame 2 "),
        "{text}"
    );
    assert!(!text.contains("frame 3 "), "{text}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("damaged.pcap: the capture appears to be damaged or corrupt at record 3 (byte {at}): a packet of 4294967040 bytes")),
        "{err}"
    );
}

#[test]
fn a_pcapng_cut_short_prints_every_good_frame_then_says_where() {
    let d = tmp("cut-ng");
    let run = Command::new(env!("CARGO_BIN_EXE_ikelab"))
        .args(["run", "proxy-id-fixed", "--quiet", "--out"])
        .arg(&d)
        .output()
        .unwrap();
    assert!(run.status.success());
    let ng = d.join("capture.pcapng");
    let full = String::from_utf8(ikelab(&["decode".as_ref(), ng.as_os_str()]).stdout).unwrap();
    let good = std::fs::read(&ng).unwrap();
    let path = d.join("cut.pcapng");
    std::fs::write(&path, &good[..good.len() - 30]).unwrap();
    let out = decode_like_tshark(&path);
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        !text.is_empty() && full.starts_with(&text),
        "a prefix of the whole decode"
    );
    assert!(text.matches("\nframe ").count() + 1 >= full.matches("\nframe ").count());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cut.pcapng: the capture appears to have been cut short in the middle of a packet (record "), "{err}");
}

/// A pcapng section that declares interface after interface: refused at the first one over the
/// limit, so a file of nothing but declarations cannot grow a decode's memory (tshark keeps
/// reading; ikelab stops where a real capture never goes).
#[test]
fn a_pcapng_of_endless_interface_declarations_is_refused_at_the_limit() {
    // Section header: type, length 28, byte-order magic, version 1.0, section length -1.
    let mut ng = vec![];
    for w in [0x0a0d_0d0au32, 28, 0x1a2b_3c4d, 1] {
        ng.extend_from_slice(&w.to_le_bytes());
    }
    ng.extend_from_slice(&u64::MAX.to_le_bytes());
    ng.extend_from_slice(&28u32.to_le_bytes());
    // Interface description: type 1, length 20, Ethernet, snaplen 0, no options.
    let mut idb = vec![];
    for w in [1u32, 20, 1, 0, 20] {
        idb.extend_from_slice(&w.to_le_bytes());
    }
    let limit = 65_536;
    for _ in 0..=limit {
        ng.extend_from_slice(&idb);
    }
    let d = tmp("interfaces");
    let path = d.join("interfaces.pcapng");
    std::fs::write(&path, &ng).unwrap();
    // tshark takes any number (and reads the file to its end): not compared here.
    let out = ikelab(&["decode".as_ref(), path.as_os_str()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    let at = 28 + limit * 20;
    assert!(
        err.contains(&format!(
            "interfaces.pcapng: the capture appears to be damaged or corrupt at record {} (byte {at}): more than 65536 interfaces in one section",
            limit + 2
        )),
        "{err}"
    );
}

/// Runs a built-in scenario into a fresh folder and decodes its capture with its keys as JSON.
fn run_and_decode(scenario: &str) -> (PathBuf, Vec<serde_json::Value>) {
    let d = tmp(&format!("named-{scenario}"));
    let run = Command::new(env!("CARGO_BIN_EXE_ikelab"))
        .args(["run", scenario, "--quiet", "--out"])
        .arg(&d)
        .output()
        .unwrap();
    assert!(run.status.code().is_some_and(|c| c <= 1), "{run:?}");
    let (cap, keys) = (d.join("capture.pcapng"), d.join("keys"));
    let out = ikelab(&[
        "decode".as_ref(),
        cap.as_os_str(),
        "--keys".as_ref(),
        keys.as_os_str(),
        "--json".as_ref(),
    ]);
    assert!(out.status.success());
    let records = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    (d, records)
}

/// The document's failing case: Main Mode, INITIAL-CONTACT, then QM1 refused with
/// INVALID-ID-INFORMATION and resent. Every message is named for its place, and every frame
/// said to repeat an earlier one carries, by tshark's own reading, the same UDP payload.
#[test]
fn messages_are_named_and_retransmissions_point_at_their_first_copy() {
    let (d, records) = run_and_decode("proxy-id-mismatch");
    let isakmp: Vec<&serde_json::Value> =
        records.iter().filter(|r| r["kind"] == "isakmp").collect();
    let names: Vec<&str> = isakmp
        .iter()
        .take(9)
        .map(|r| r["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "MM1",
            "MM2",
            "MM3",
            "MM4",
            "MM5",
            "MM6",
            "Informational INITIAL-CONTACT",
            "QM1",
            "Informational INVALID-ID-INFORMATION"
        ]
    );
    let repeats: Vec<(u64, u64)> = isakmp
        .iter()
        .filter_map(|r| Some((r["frame"].as_u64()?, r["retransmission_of"].as_u64()?)))
        .collect();
    assert!(
        repeats.len() >= 10,
        "racoon resends QM1 five times per attempt: {repeats:?}"
    );
    let Ok(t) = Command::new("tshark")
        .arg("-r")
        .arg(d.join("capture.pcapng"))
        .args(["-T", "fields", "-e", "frame.number", "-e", "udp.payload"])
        .output()
    else {
        eprintln!("tshark is not installed: the payload comparison is skipped");
        return;
    };
    let payload: std::collections::HashMap<u64, String> = String::from_utf8(t.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| {
            let (n, p) = l.split_once('\t')?;
            Some((n.parse().ok()?, p.to_string()))
        })
        .collect();
    for (frame, first) in &repeats {
        assert!(first < frame);
        assert_eq!(payload[frame], payload[first], "frame {frame} vs {first}");
    }
    // And no frame that repeats an earlier one goes unmarked.
    let mut seen: std::collections::HashMap<&str, u64> = Default::default();
    for r in &isakmp {
        let n = r["frame"].as_u64().unwrap();
        match seen.get(payload[&n].as_str()) {
            Some(first) => assert_eq!(r["retransmission_of"].as_u64(), Some(*first), "frame {n}"),
            None => {
                assert!(r["retransmission_of"].is_null(), "frame {n}");
                seen.insert(payload[&n].as_str(), n);
            }
        }
    }
}

/// After a pre-shared key mismatch the key file holds one key per peer for the same cookie;
/// each peer encrypts with its own, and every encrypted message decrypts with the run's keys.
#[test]
fn the_psk_mismatch_capture_decodes_every_message_with_its_own_key_file() {
    let (d, records) = run_and_decode("psk-mismatch");
    let table = std::fs::read_to_string(d.join("keys/ikev1_decryption_table")).unwrap();
    let cookies: Vec<&str> = table.lines().filter_map(|l| l.split(',').next()).collect();
    assert!(
        cookies.len() >= 2 && cookies.iter().all(|c| *c == cookies[0]),
        "two keys for one cookie: {table}"
    );
    let encrypted: Vec<&serde_json::Value> = records
        .iter()
        .filter(|r| r["kind"] == "isakmp" && r["decryption"] != "plaintext")
        .collect();
    assert!(!encrypted.is_empty());
    for r in &encrypted {
        assert_eq!(r["decryption"], "decrypted", "{r}");
    }
}
