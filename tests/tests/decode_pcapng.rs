//! The same capture as pcap and as pcapng (converted by Wireshark's own editcap) decodes to the
//! same records, times included.

use std::process::Command;

use ikelab_tests::{fixtures, have_tool, scratch};

#[test]
fn pcapng_and_pcap_decode_alike() {
    if !have_tool("editcap") {
        return;
    }
    let case = fixtures().join("strongswan/ss-lan-tunnel-libipsec");
    let dir = scratch("pcapng");
    let ng = dir.join("capture.pcapng");
    let out = Command::new("editcap")
        .args(["-F", "pcapng"])
        .arg(case.join("capture.pcap"))
        .arg(&ng)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let keys = case.join("keys");
    let a = ikelab::decode::decode_file(&case.join("capture.pcap"), Some(&keys)).unwrap();
    let b = ikelab::decode::decode_file(&ng, Some(&keys)).unwrap();
    let json = |r: &Vec<ikelab::decode::record::Record>| serde_json::to_string(r).unwrap();
    assert_eq!(a.len(), 15);
    assert_eq!(json(&a), json(&b));
    let _ = std::fs::remove_dir_all(&dir);
}
