//! Dead Peer Detection against real strongSwan (libipsec, NAT-T): strongSwan's R-U-THEREs are
//! acknowledged by the simulated router (strongSwan logs each DPD_ACK it parsed), and when
//! strongSwan is killed (no Delete) the router sends exactly the probes its config asks for,
//! then clears the peer with its vendor's line. tshark, decrypting the bridge capture with the
//! router's IKE key file, counts the probes.

use std::net::Ipv4Addr;
use std::process::Command;
use std::time::Duration;

use ikelab_peers::personality::Vendor;
use ikelab_tests::interop::{
    Charon, Rig, Side, SimPeer, Tool, assert_log, can_run, interop_fixture, peer_options, proof,
    serial, workdir, write_keys,
};
use ikelab_tests::tshark;

/// R-U-THERE and R-U-THERE-ACK (RFC 3706).
const R_U_THERE: &str = "36136";
const R_U_THERE_ACK: &str = "36137";

struct Case {
    name: &'static str,
    vendor: Vendor,
    config: String,
    wan: &'static str,
    /// The vendor line that says the peer was cleared.
    dead_line: &'static str,
    /// Unanswered probes the config asks for before the peer is dead.
    probes: usize,
}

#[test]
fn ix_acks_strongswan_and_clears_it_after_its_keepalive_retries() {
    // `ike keepalive ike-policy 2 2`: a probe after 2 idle seconds, 2 retries, 3 in all.
    let config = format!(
        "{}ike keepalive ike-policy 2 2\n",
        interop_fixture("ix/lan-tunnel-nat-t.conf")
    );
    dpd(Case {
        name: "ix",
        vendor: Vendor::Ix,
        config,
        wan: "FastEthernet0/0.0",
        dead_line: "IKE.096: Keepalive timeout, destination 172.16.0.2",
        probes: 3,
    });
}

#[test]
fn seil_acks_strongswan_and_clears_it_after_dpd_maxfail() {
    // `dpd enable`, `ike dpd-interval 2s`, `ike dpd-maxfail 2`: two unanswered R-U-THEREs.
    let config = interop_fixture("seil/policy-nat-t.conf")
        .replace("nat-traversal force", "nat-traversal force dpd enable")
        + "ike dpd-interval 2s\nike dpd-maxfail 2\n";
    dpd(Case {
        name: "seil",
        vendor: Vendor::Seil,
        config,
        wan: "lan1",
        dead_line: "seems to be dead.",
        probes: 2,
    });
}

fn dpd(case: Case) {
    let title = format!("DPD: {} vs strongSwan (libipsec)", case.name);
    let _serial = serial();
    if !can_run(&title, &[Tool::StrongSwan, Tool::Libipsec, Tool::Tshark]) {
        return;
    }
    let tag = format!("dpd-{}", case.name);
    let mut rig = Rig::wan(false, true).expect("rig");
    // strongSwan routes its side of the CHILD_SA from an address on its LAN.
    rig.lan(
        Side::B,
        "lan0",
        Some("192.168.1.1/24"),
        "192.168.1.10/24",
        Ipv4Addr::new(192, 168, 1, 1),
    )
    .expect("lan b");
    rig.capture().expect("capture");
    // strongSwan probes every 2 s of silence.
    let conf = interop_fixture("strongswan/lan-libipsec.swanctl.conf")
        .replace("    encap = yes\n", "    encap = yes\n    dpd_delay = 2s\n");
    let ss = Charon::start(&rig.b, workdir(&tag, "charon"), &conf, true).expect("charon");
    let router = SimPeer::start(
        peer_options(case.vendor, &case.config, &rig.a, &[(case.wan, "wan0")]),
        None,
    );
    let (ok, out) = ss.swanctl(&["--initiate", "--child", "lan", "--timeout", "10"]);
    let up = ok || ss.wait_log("CHILD_SA lan{1} established", Duration::from_secs(10));
    assert!(up, "swanctl --initiate: {out}\n{}", ss.log());
    // Our acknowledgements, as strongSwan parsed them.
    assert!(
        ss.wait_log("N(DPD_ACK)", Duration::from_secs(10)),
        "strongSwan never parsed a DPD_ACK:\n{}",
        ss.log()
    );

    // strongSwan dies without a word.
    let killed = Command::new("kill")
        .args(["-KILL", &ss.pid().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    assert!(
        router.wait_line(case.dead_line, Duration::from_secs(30)),
        "no {:?} in the router's log:\n{}",
        case.dead_line,
        router.lines().join("\n")
    );
    let done = router.stop();
    let log = ss.stop();
    eprintln!("strongSwan says:\n{}", proof(&log, &["DPD", "established"]));
    eprintln!(
        "the router says:\n{}",
        done.log
            .iter()
            .filter(|l| l.contains("DPD") || l.contains("IKE.096") || l.contains("purg"))
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert_log("strongSwan's log", &log, "N(DPD_ACK)");

    // The capture, decrypted by tshark with the router's IKE keys: after strongSwan's last
    // packet, exactly the configured number of R-U-THEREs from the router, none answered.
    let dir = workdir(&tag, "capture");
    let pcap = dir.join("wan.pcap");
    rig.write_capture(&pcap).expect("pcap");
    write_keys(&done.keys, &dir.join("keys")).unwrap();
    let (ike, esp) = tshark::read_keys(&dir.join("keys"));
    let rows = tshark::fields(
        &pcap,
        &ike,
        &esp,
        Some("isakmp"),
        &["ip.src", "isakmp.notify.msgtype"],
    );
    let last_from_peer = rows
        .iter()
        .rposition(|r| r[0] == "172.16.0.2")
        .expect("strongSwan sent something");
    let acks = rows
        .iter()
        .filter(|r| r[0] == "172.16.0.1" && r.get(1).is_some_and(|t| t == R_U_THERE_ACK))
        .count();
    let after: Vec<&Vec<String>> = rows[last_from_peer + 1..].iter().collect();
    let probes = after
        .iter()
        .filter(|r| r[0] == "172.16.0.1" && r.get(1).is_some_and(|t| t == R_U_THERE))
        .count();
    eprintln!(
        "tshark: {acks} R-U-THERE-ACKs from the router while strongSwan lived; {probes} R-U-THEREs after its last packet"
    );
    assert!(acks >= 1, "{rows:?}");
    assert_eq!(
        probes, case.probes,
        "after strongSwan's last packet: {after:?}"
    );
}
