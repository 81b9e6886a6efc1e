//! Real ESP between the simulated router and strongSwan: this kernel has no ESP, so strongSwan
//! runs its userspace ESP (kernel-libipsec), which only does tunnel mode and always
//! UDP-encapsulates (NAT-T forced, port 4500). The simulated side forces NAT-T too and protects
//! 192.168.0.0/24 <-> 192.168.1.0/24 in tunnel mode. A real ping between the two LAN hosts
//! crosses UDP-encapsulated ESP both ways, and tshark decrypts the bridge capture with the key
//! file ikelab wrote for its side.

use std::net::Ipv4Addr;
use std::process::{Command, Stdio};
use std::time::Duration;

use ikelab_peers::personality::Vendor;
use ikelab_tests::fixtures;
use ikelab_tests::interop::{
    Charon, Rig, Side, SimPeer, Tool, assert_log, can_run, peer_options, proof, serial, workdir,
    write_keys,
};

const T: &str = "ping over UDP-encapsulated ESP: simulated router vs strongSwan (libipsec)";

/// The router is a SEIL from its config alone: policy-based IPsec (`ipsec security-association
/// add sa tunnel ...` with an `ipsec security-policy` for 192.168.0.0/24 -> 192.168.1.0/24),
/// tunnel-mode ESP as kernel-libipsec needs, `nat-traversal force`, and a route to the far LAN
/// via the WAN gateway.
fn router_options(ns: &ikelab_sim::netns::Netns) -> ikelab::netns::PeerOptions {
    let text = std::fs::read_to_string(fixtures().join("interop/seil/policy-nat-t.conf")).unwrap();
    peer_options(
        Vendor::Seil,
        &text,
        ns,
        &[("lan0", "lan0"), ("lan1", "wan0")],
    )
}

#[test]
fn a_ping_crosses_udp_encapsulated_esp_both_ways() {
    let _serial = serial();
    if !can_run(T, &[Tool::StrongSwan, Tool::Libipsec, Tool::Tshark]) {
        return;
    }
    // a: the simulated router (no kernel addresses), host-a behind its lan0.
    // b: strongSwan (kernel addresses, forwarding on), host-b behind its lan0.
    let mut rig = Rig::wan(false, true).expect("rig");
    let host_a = rig
        .lan(
            Side::A,
            "lan0",
            None,
            "192.168.0.10/24",
            Ipv4Addr::new(192, 168, 0, 1),
        )
        .expect("lan a");
    rig.lan(
        Side::B,
        "lan0",
        Some("192.168.1.1/24"),
        "192.168.1.10/24",
        Ipv4Addr::new(192, 168, 1, 1),
    )
    .expect("lan b");
    rig.b
        .sysctl("net.ipv4.ip_forward", "1")
        .expect("forwarding");
    rig.capture().expect("capture");
    let conf =
        std::fs::read_to_string(fixtures().join("interop/strongswan/lan-libipsec.swanctl.conf"))
            .unwrap();
    let ss = Charon::start(&rig.b, workdir("datapath", "charon"), &conf, true).expect("charon");
    let router = SimPeer::start(router_options(&rig.a), None);
    assert!(
        ss.wait_log("CHILD_SA lan{1} established", Duration::from_secs(10)),
        "strongSwan's log:\n{}",
        ss.log()
    );
    assert!(router.wait_line("IPsec-SA established: ESP/Tunnel", Duration::from_secs(2)));

    let ping = rig.hosts[host_a]
        .command("ping")
        .args(["-n", "-c", "3", "-i", "0.3", "-W", "2", "192.168.1.10"])
        .stdin(Stdio::null())
        .output()
        .expect("ping");
    let ping_out = String::from_utf8_lossy(&ping.stdout).into_owned();
    eprintln!("{ping_out}");
    assert!(
        ping_out.contains("3 packets transmitted, 3 received"),
        "{ping_out}\nstrongSwan:\n{}\nrouter:\n{}",
        ss.log(),
        router.lines().join("\n")
    );
    // strongSwan's own account: the SA is UDP-encapsulated tunnel mode and carried 3 packets
    // each way.
    let (_, sas) = ss.swanctl(&["--list-sas"]);
    eprintln!("swanctl --list-sas:\n{sas}");
    assert!(sas.contains("INSTALLED, TUNNEL-in-UDP"), "{sas}");
    assert!(
        sas.contains("192.168.1.0/24") && sas.contains("192.168.0.0/24"),
        "{sas}"
    );
    let in_out: Vec<&str> = sas
        .lines()
        .filter(|l| l.trim_start().starts_with("in ") || l.trim_start().starts_with("out "))
        .collect();
    assert_eq!(in_out.len(), 2, "{sas}");
    for l in &in_out {
        assert!(l.contains(" 3 packets"), "{l}");
    }
    let done = router.stop();
    let log = ss.stop();
    for needle in [
        "CHILD_SA lan{1} established",
        "TS 192.168.1.0/24 === 192.168.0.0/24",
    ] {
        assert_log("strongSwan's log", &log, needle);
    }
    eprintln!(
        "strongSwan says:\n{}",
        proof(&log, &["established", "NAT", "floating"])
    );

    // The bridge capture, decrypted by tshark with ikelab's key file for its side.
    let dir = workdir("datapath", "capture");
    let pcap = dir.join("wan.pcap");
    rig.write_capture(&pcap).expect("pcap");
    write_keys(&done.keys, &dir.join("keys")).unwrap();
    assert_eq!(done.keys.esp.len(), 2, "{:?}", done.keys.esp);
    let mut cmd = Command::new("tshark");
    cmd.arg("-r")
        .arg(&pcap)
        .args(["-n", "-o", "esp.enable_encryption_decode:TRUE"])
        .args(["-o", "esp.enable_authentication_check:TRUE"]);
    for l in &done.keys.esp {
        cmd.arg("-o").arg(format!("uat:esp_sa:{l}"));
    }
    let out = cmd
        .args(["-Y", "udp.port == 4500 && esp && icmp"])
        .args(["-T", "fields", "-E", "occurrence=l"])
        .args([
            "-e",
            "ip.src",
            "-e",
            "ip.dst",
            "-e",
            "icmp.type",
            "-e",
            "esp.icv_good",
        ])
        .output()
        .expect("tshark");
    let table = String::from_utf8_lossy(&out.stdout);
    eprintln!("tshark, decrypted with ikelab's esp_sa:\n{table}");
    let rows: Vec<Vec<&str>> = table.lines().map(|l| l.split('\t').collect()).collect();
    let requests = rows
        .iter()
        .filter(|r| r[..3] == ["192.168.0.10", "192.168.1.10", "8"])
        .count();
    let replies = rows
        .iter()
        .filter(|r| r[..3] == ["192.168.1.10", "192.168.0.10", "0"])
        .count();
    assert_eq!((requests, replies), (3, 3), "{table}");
    assert!(
        rows.iter().all(|r| r.get(3) == Some(&"1")),
        "ICV checked good: {table}"
    );
}
