//! Real LAN-to-LAN ESP between a simulated router and strongSwan, from configs alone. This
//! kernel has no ESP, so strongSwan runs its userspace ESP (kernel-libipsec), which only does
//! tunnel mode and always UDP-encapsulates (NAT-T forced, port 4500). The simulated router is
//! either a policy-based SEIL (`ipsec security-association add sa tunnel ...` with an
//! `ipsec security-policy` for 192.168.0.0/24 -> 192.168.1.0/24) or an IX whose access list
//! names the two LANs (route-based `Tunnel0.0`, no local-id/remote-id); each is tried with
//! either side starting the negotiation. 1,000 pings of 1,400 bytes cross between the LAN hosts
//! with no loss, strongSwan's `swanctl --list-sas` counts them on its CHILD_SA, and tshark
//! decrypts the bridge capture with the key file ikelab wrote for its side, every ICV good.

use std::net::Ipv4Addr;
use std::process::{Command, Stdio};
use std::time::Duration;

use ikelab_peers::personality::Vendor;
use ikelab_tests::interop::{
    Charon, Rig, Side, SimPeer, Tool, assert_log, can_run, interop_fixture, peer_options, proof,
    serial, workdir, write_keys,
};

/// Pings in the long run, and their size as ping counts it (`-s 1372` prints "1372(1400)").
const PINGS: usize = 1000;
const PING_PAYLOAD: &str = "1372";

/// Who sends the first Main Mode message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Starter {
    /// The simulated router: SEIL by itself (`ike auto-initiation`), the IX on the first
    /// packet routed into its tunnel.
    Router,
    /// strongSwan (`swanctl --initiate`); a SEIL is made `responder-only`.
    StrongSwan,
}

/// One LAN-to-LAN case: the router, its config (a fixture), and who starts.
struct Case {
    name: &'static str,
    vendor: Vendor,
    config: String,
    /// Router interface -> namespace interface.
    ifaces: [(&'static str, &'static str); 2],
    starter: Starter,
}

fn seil(starter: Starter) -> Case {
    let mut config = interop_fixture("seil/policy-nat-t.conf");
    if starter == Starter::StrongSwan {
        config = config.replace(
            "nat-traversal force",
            "nat-traversal force responder-only on",
        );
    }
    Case {
        name: "seil",
        vendor: Vendor::Seil,
        config,
        ifaces: [("lan0", "lan0"), ("lan1", "wan0")],
        starter,
    }
}

fn ix(starter: Starter) -> Case {
    Case {
        name: "ix",
        vendor: Vendor::Ix,
        config: interop_fixture("ix/lan-tunnel-nat-t.conf"),
        ifaces: [("FastEthernet1/0.0", "lan0"), ("FastEthernet0/0.0", "wan0")],
        starter,
    }
}

#[test]
fn policy_based_seil_starts_and_1000_pings_cross() {
    lan_to_lan(seil(Starter::Router));
}

#[test]
fn strongswan_starts_toward_policy_based_seil_and_1000_pings_cross() {
    lan_to_lan(seil(Starter::StrongSwan));
}

#[test]
fn ix_starts_on_traffic_and_1000_pings_cross() {
    lan_to_lan(ix(Starter::Router));
}

#[test]
fn strongswan_starts_toward_ix_with_a_lan_access_list_and_1000_pings_cross() {
    lan_to_lan(ix(Starter::StrongSwan));
}

fn lan_to_lan(case: Case) {
    let title = format!(
        "LAN-to-LAN tunnel-mode ESP, {} vs strongSwan (libipsec), {:?} starts",
        case.name, case.starter
    );
    let _serial = serial();
    if !can_run(&title, &[Tool::StrongSwan, Tool::Libipsec, Tool::Tshark]) {
        return;
    }
    let tag = format!("{}-{:?}", case.name, case.starter).to_lowercase();
    // a: the simulated router (no kernel addresses), host-a behind its LAN interface.
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
    let conf = interop_fixture("strongswan/lan-libipsec.swanctl.conf");
    let ss = Charon::start(&rig.b, workdir(&tag, "charon"), &conf, true).expect("charon");
    let router = SimPeer::start(
        peer_options(case.vendor, &case.config, &rig.a, &case.ifaces),
        None,
    );
    let ping = |count: usize, interval: &str| {
        let out = rig.hosts[host_a]
            .command("ping")
            .args(["-n", "-q", "-c", &count.to_string(), "-i", interval])
            .args(["-s", PING_PAYLOAD, "-W", "2", "192.168.1.10"])
            .stdin(Stdio::null())
            .output()
            .expect("ping");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    match (case.starter, case.vendor) {
        (Starter::StrongSwan, _) => {
            let (ok, out) = ss.swanctl(&["--initiate", "--child", "lan", "--timeout", "10"]);
            assert!(ok, "swanctl --initiate: {out}\n{}", ss.log());
        }
        // The IX negotiates on the first packet routed into Tunnel0.0 (which it drops).
        (Starter::Router, Vendor::Ix) => {
            let _ = ping(1, "1");
        }
        (Starter::Router, _) => {}
    }
    assert!(
        ss.wait_log("CHILD_SA lan{1} established", Duration::from_secs(10)),
        "strongSwan's log:\n{}\nrouter:\n{}",
        ss.log(),
        router.lines().join("\n")
    );
    let who = match case.starter {
        Starter::StrongSwan => "initiating Main Mode IKE_SA lan[1] to 172.16.0.1",
        Starter::Router => "172.16.0.1 is initiating a Main Mode IKE_SA",
    };
    assert_log("strongSwan's log", &ss.log(), who);

    let summary = ping(PINGS, "0.005");
    eprintln!("{summary}");
    assert!(
        summary.contains(&format!(
            "{PINGS} packets transmitted, {PINGS} received, 0% packet loss"
        )),
        "{summary}\nstrongSwan:\n{}\nrouter:\n{}",
        ss.log(),
        router.lines().join("\n")
    );
    // strongSwan's own account: the CHILD_SA is UDP-encapsulated tunnel mode between the LANs
    // and carried every request in and every reply out.
    let (_, sas) = ss.swanctl(&["--list-sas"]);
    eprintln!("swanctl --list-sas:\n{sas}");
    assert!(sas.contains("INSTALLED, TUNNEL-in-UDP"), "{sas}");
    assert!(
        sas.contains("local  192.168.1.0/24") && sas.contains("remote 192.168.0.0/24"),
        "{sas}"
    );
    let in_out: Vec<&str> = sas
        .lines()
        .filter(|l| l.trim_start().starts_with("in ") || l.trim_start().starts_with("out "))
        .collect();
    assert_eq!(in_out.len(), 2, "{sas}");
    for l in &in_out {
        assert!(l.contains(&format!(" {PINGS} packets")), "{l}");
    }
    if case.vendor == Vendor::Ix {
        ix_answers_a_delete_with_its_partner_spi(&ss, &router, &in_out);
    }
    let done = router.stop();
    let log = ss.stop();
    assert_log(
        "strongSwan's log",
        &log,
        "TS 192.168.1.0/24 === 192.168.0.0/24",
    );
    eprintln!(
        "strongSwan says:\n{}",
        proof(&log, &["initiating", "established", "NAT", "floating"])
    );

    // The bridge capture, decrypted by tshark with ikelab's key file for its side.
    let dir = workdir(&tag, "capture");
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
        .args(["-Y", "udp.port == 4500 && esp"])
        .args(["-T", "fields", "-E", "occurrence=l"])
        .args(["-e", "ip.src", "-e", "ip.dst", "-e", "icmp.type"])
        .args(["-e", "ip.len", "-e", "esp.icv_good"])
        .output()
        .expect("tshark");
    let table = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<Vec<&str>> = table.lines().map(|l| l.split('\t').collect()).collect();
    let count = |src: &str, dst: &str, kind: &str| {
        rows.iter()
            .filter(|r| r.len() == 5 && r[..3] == [src, dst, kind] && r[3] == "1400")
            .count()
    };
    let (requests, replies) = (
        count("192.168.0.10", "192.168.1.10", "8"),
        count("192.168.1.10", "192.168.0.10", "0"),
    );
    assert_eq!(
        (requests, replies),
        (PINGS, PINGS),
        "tshark, decrypted with ikelab's esp_sa:\n{table}"
    );
    let bad: Vec<_> = rows.iter().filter(|r| r.get(4) != Some(&"1")).collect();
    assert!(bad.is_empty(), "ICVs not checked good: {bad:?}");
    eprintln!(
        "tshark: {requests} echo requests and {replies} replies of 1400 bytes decrypted, {} ESP packets, every ICV good",
        rows.len()
    );
}

/// strongSwan deletes its CHILD_SA, naming its inbound SPI; the IX logs that SPI (`IKE.014`)
/// and answers with a Delete of its own inbound SA, the partner (`IKE.012`), as the document's
/// IX answers SEIL's Delete of 0xe8d969c with one of 0xaee1cb05; strongSwan then finds no SA
/// of that SPI left.
fn ix_answers_a_delete_with_its_partner_spi(ss: &Charon, router: &SimPeer, in_out: &[&str]) {
    let spi = |dir: &str| {
        let l = in_out
            .iter()
            .find(|l| l.trim_start().starts_with(dir))
            .expect("an SPI line");
        let hex = l.trim_start()[dir.len()..]
            .trim_start()
            .split(',')
            .next()
            .expect("the SPI");
        u32::from_str_radix(hex, 16).expect("a hex SPI")
    };
    let (ss_in, ss_out) = (spi("in"), spi("out"));
    let (ok, out) = ss.swanctl(&["--terminate", "--child", "lan", "--timeout", "5"]);
    assert!(ok, "swanctl --terminate: {out}");
    assert!(
        router.wait_line("IKE.012", Duration::from_secs(5)),
        "{}",
        router.lines().join("\n")
    );
    let lines = router.lines();
    let received = format!("IKE.014: Receive delete information, protocol ESP, SPI {ss_in:#x}");
    let sent = format!("IKE.012: Send delete information, protocol ESP, SPI {ss_out:#x}");
    for needle in [&received, &sent] {
        assert!(
            lines.iter().any(|l| l.contains(needle.as_str())),
            "no {needle:?} in:\n{}",
            lines.join("\n")
        );
    }
    let ss_saw = format!("received DELETE for ESP CHILD_SA with SPI {ss_out:08x}");
    assert!(
        ss.wait_log(&ss_saw, Duration::from_secs(5)),
        "strongSwan's log:\n{}",
        ss.log()
    );
    eprintln!("the IX says:\n{received}\n{sent}\nstrongSwan says: {ss_saw}");
}
