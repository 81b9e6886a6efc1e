//! ike-scan, the IKE fingerprinting tool, against the simulated IX: with the IX's transform
//! (AES-128, SHA-1, PSK, MODP-1024) it gets a Main Mode handshake listing the IX's vendor IDs.

use std::process::Stdio;
use std::time::Duration;

use ikelab_peers::personality::Vendor;
use ikelab_tests::interop::{Rig, Tool, can_run, serial, wan_peer};

const T: &str = "ike-scan vs simulated IX";

#[test]
fn ike_scan_gets_a_main_mode_handshake_from_the_ix() {
    let _serial = serial();
    if !can_run(T, &[Tool::IkeScan]) {
        return;
    }
    // ike-scan runs from 172.16.0.1, the peer the IX's config knows.
    let rig = Rig::wan(true, false).expect("rig");
    let ix = wan_peer(Vendor::Ix, "ix/document.conf", &rig.b);
    let out = rig
        .a
        .command("ike-scan")
        .args(["-r", "1", "-t", "2000", "--trans=7/128,2,1,2", "172.16.0.2"])
        .stdin(Stdio::null())
        .output()
        .expect("ike-scan runs");
    let text = String::from_utf8_lossy(&out.stdout);
    eprintln!("ike-scan says:\n{text}");
    assert!(
        text.contains("172.16.0.2\tMain Mode Handshake returned"),
        "{text}"
    );
    assert!(
        text.contains("Enc=AES") && text.contains("Hash=SHA1") && text.contains("Group=2:modp1024"),
        "{text}"
    );
    assert!(text.contains("Auth=PSK"), "{text}");
    // The IX's only vendor ID: DPD (RFC 3706).
    assert!(
        text.contains("VID=afcad71368a1f1c96b8696fc77570100 (Dead Peer Detection v1.0)"),
        "{text}"
    );
    assert!(text.contains("1 returned handshake"), "{text}");
    assert!(ix.wait_line(
        "IKE.001: Begin IKE phase 1 negotiation, destination 172.16.0.1",
        Duration::from_secs(1)
    ));
    // The default transforms (DES/3DES) are refused, as strongSwan refuses them.
    let out = rig
        .a
        .command("ike-scan")
        .args(["-r", "1", "-t", "2000", "172.16.0.2"])
        .stdin(Stdio::null())
        .output()
        .expect("ike-scan runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("Handshake returned"), "{text}");
    drop(ix);
}

/// The responder cookie in ike-scan's report of a handshake (`HDR=(CKY-R=...)`).
fn responder_cookie(text: &str) -> Option<String> {
    let start = text.find("CKY-R=")? + "CKY-R=".len();
    let rest = &text[start..];
    Some(rest[..rest.find(')')?].to_string())
}

#[test]
fn a_replayed_main_mode_first_message_gets_the_same_answer() {
    let _serial = serial();
    if !can_run(T, &[Tool::IkeScan]) {
        return;
    }
    let rig = Rig::wan(true, false).expect("rig");
    let ix = wan_peer(Vendor::Ix, "ix/document.conf", &rig.b);
    // Twice the same MM1: ike-scan's with a fixed initiator cookie (its MM1 has no nonce).
    let scan = || {
        let out = rig
            .a
            .command("ike-scan")
            .args([
                "-r",
                "1",
                "-t",
                "2000",
                "--trans=7/128,2,1,2",
                "--cookie=0102030405060708",
                "172.16.0.2",
            ])
            .stdin(Stdio::null())
            .output()
            .expect("ike-scan runs");
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let first = scan();
    let second = scan();
    eprintln!("ike-scan says:\n{first}\n{second}");
    let (a, b) = (responder_cookie(&first), responder_cookie(&second));
    assert!(a.is_some(), "{first}");
    assert_eq!(
        a, b,
        "the stored MM2 again, not a second SA with a new cookie"
    );
    // One exchange began at the IX, not two.
    assert!(ix.wait_line(
        "IKE.001: Begin IKE phase 1 negotiation, destination 172.16.0.1",
        Duration::from_secs(1)
    ));
    let begun = ix
        .lines()
        .iter()
        .filter(|l| l.contains("IKE.001: Begin IKE phase 1"))
        .count();
    assert_eq!(begun, 1, "{}", ix.lines().join("\n"));
    drop(ix);
}
