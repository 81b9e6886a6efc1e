//! `ikelab peer`: one simulated router on interfaces of an existing namespace. Two of them, a
//! SEIL and an IX, on a bridged WAN: one on an interface that carries its address in the kernel
//! (the kernel must stay quiet), one on an interface without (the node alone owns it). They
//! negotiate, and on Ctrl-C the SEIL sends its Deletes as the device would, and restores what it
//! changed in its namespace. The RTX and IOS personalities run from the command line too, each
//! beside a real strongSwan.

use std::time::Duration;

use ikelab_peers::ike::{Direction, EventKind};
use ikelab_peers::personality::Vendor;
use ikelab_peers::wire::ProtocolId;
use ikelab_tests::fixtures;
use ikelab_tests::interop::{
    Charon, CliPeer, Rig, Tool, assert_log, can_run, decode, ikelab_bin, interop_fixture,
    read_sysctl, serial, skip, wan_interface, workdir,
};
use ikelab_tests::pair::{A_ADDR, B_ADDR, doc_pair, host_id};

const T: &str = "ikelab peer against ikelab peer";

#[test]
fn two_peers_negotiate_and_the_seil_deletes_on_ctrl_c() {
    let _serial = serial();
    if !can_run(T, &[Tool::Netns]) {
        return;
    }
    let Some(ikelab) = ikelab_bin() else {
        skip(T, "the ikelab binary is not built next to the tests");
        return;
    };
    // a: 172.16.0.1 in the kernel on wan0 (SEIL); b: no kernel address (IX).
    let mut rig = Rig::wan(true, false).expect("rig");
    rig.capture().expect("capture");
    let before = read_sysctl(rig.a.name(), "net.ipv4.icmp_echo_ignore_all").unwrap();
    let dir = workdir("peer", "ix");
    let ix_conf = fixtures().join("interop/netns-fixed/ix.conf");
    let seil_conf = fixtures().join("interop/netns-fixed/seil.conf");
    let ix = CliPeer::start(
        &ikelab,
        &[
            "--vendor",
            "ix",
            "--config",
            ix_conf.to_str().unwrap(),
            "--netns",
            rig.b.name(),
            "--iface",
            "FastEthernet0/0.0=wan0",
            "--out",
            dir.to_str().unwrap(),
        ],
    );
    let seil_dir = workdir("peer", "seil");
    let seil = CliPeer::start(
        &ikelab,
        &[
            "--vendor",
            "seil",
            "--config",
            seil_conf.to_str().unwrap(),
            "--netns",
            rig.a.name(),
            "--iface",
            "lan1=wan0",
            "--out",
            seil_dir.to_str().unwrap(),
        ],
    );
    // The SEIL saw its address in the kernel and says what it does about it.
    let notes = seil.stderr().join("\n");
    assert!(
        notes.contains("holding udp 172.16.0.1:500, udp 172.16.0.1:4500"),
        "{notes}"
    );
    assert_eq!(
        read_sysctl(rig.a.name(), "net.ipv4.icmp_echo_ignore_all").unwrap(),
        "1"
    );
    assert!(
        seil.wait_line(
            "IPsec-SA established: ESP/Transport 172.16.0.1->172.16.0.2",
            Duration::from_secs(10)
        ),
        "SEIL:\n{}",
        seil.stdout().join("\n")
    );
    assert!(ix.wait_line("IKE.002: Finish IKE phase 2", Duration::from_secs(2)));

    // Ctrl-C: the SEIL sends a Delete for its inbound SA and for the ISAKMP SA, and exits 0.
    assert_eq!(seil.interrupt(), Some(0));
    assert!(
        ix.wait_line(
            "IKE.014: Receive delete information, protocol ISAKMP",
            Duration::from_secs(3)
        ),
        "IX:\n{}",
        ix.stdout().join("\n")
    );
    let ix_log = ix.stdout().join("\n");
    assert!(
        ix_log.contains("IKE.014: Receive delete information, protocol ESP"),
        "{ix_log}"
    );
    assert_eq!(
        read_sysctl(rig.a.name(), "net.ipv4.icmp_echo_ignore_all").unwrap(),
        before,
        "restored at exit"
    );
    let seil_log = std::fs::read_to_string(seil_dir.join("seil.log")).unwrap();
    assert!(
        seil_log.contains("send IPsec-SA delete information to 172.16.0.2[500]"),
        "{seil_log}"
    );
    assert!(
        seil_log.contains("send ISAKMP-SA delete information to 172.16.0.2[500]"),
        "{seil_log}"
    );
    assert_eq!(ix.interrupt(), Some(0));
    for f in [
        "ix.log",
        "keys/ikev1_decryption_table",
        "keys/esp_sa",
        "links/FastEthernet0_0.0.pcap",
        "summary.json",
    ] {
        assert!(dir.join(f).exists(), "{f} missing from --out");
    }

    // The bridge saw no kernel chatter from the SEIL's namespace: no ICMP at all, and every
    // IKE message decrypts with the SEIL's keys (INITIAL-CONTACT, QM, both Deletes).
    let pcap = workdir("peer", "capture").join("wan.pcap");
    rig.write_capture(&pcap).expect("pcap");
    let keys = ikelab_sim::KeyLog {
        ikev1: std::fs::read_to_string(seil_dir.join("keys/ikev1_decryption_table"))
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect(),
        esp: vec![],
    };
    let decoded = decode(&pcap, &keys);
    let all: Vec<&str> = decoded.iter().map(|(_, t)| t.as_str()).collect();
    let all = all.join("\n");
    assert!(!all.contains("malformed"), "{all}");
    assert!(all.contains("type 12:DELETE"), "{all}");
    let out = std::process::Command::new("tshark")
        .arg("-r")
        .arg(&pcap)
        .args(["-n", "-Y", "icmp"])
        .output();
    if let Ok(o) = out {
        assert_eq!(
            String::from_utf8_lossy(&o.stdout).trim(),
            "",
            "ICMP on the WAN"
        );
    }
}

const T_RTX_IOS: &str = "ikelab peer --vendor rtx and ios beside strongSwan";

/// `ikelab peer` runs the RTX and IOS personalities as it runs SEIL and IX: an RTX without
/// phase-2 IDs starts by itself toward a host-to-host strongSwan and prints its tunnel up, and
/// an IOS answers strongSwan's Quick Mode for the mirror of its crypto ACL; each exits 0 on
/// Ctrl-C after its Delete, which strongSwan logs.
#[test]
fn rtx_and_ios_run_from_the_command_line() {
    let _serial = serial();
    if !can_run(T_RTX_IOS, &[Tool::StrongSwan]) {
        return;
    }
    let Some(ikelab) = ikelab_bin() else {
        skip(
            T_RTX_IOS,
            "the ikelab binary is not built next to the tests",
        );
        return;
    };
    cli_beside_strongswan(
        &ikelab,
        CliCase {
            vendor: Vendor::Rtx,
            config: "rtx/no-ids.conf",
            swanctl: "hosts.swanctl.conf",
            child: None,
            prints: &[
                "[IKE] initiate IPsec phase to 172.16.0.1",
                "IP Tunnel[1] Up",
            ],
        },
    );
    cli_beside_strongswan(
        &ikelab,
        CliCase {
            vendor: Vendor::Ios,
            config: "ios/host-to-host.conf",
            swanctl: "seil-like.swanctl.conf",
            child: Some("fixed"),
            prints: &[
                "Old State = IKE_R_MM5  New State = IKE_P1_COMPLETE",
                "Checking IPSec proposal 1",
            ],
        },
    );
}

/// One `ikelab peer` beside strongSwan.
struct CliCase {
    vendor: Vendor,
    /// Its config, in `fixtures/interop/`.
    config: &'static str,
    /// strongSwan's, in `fixtures/interop/strongswan/`.
    swanctl: &'static str,
    /// The child strongSwan initiates, if it starts.
    child: Option<&'static str>,
    /// Lines the command must print (its vendor log on stdout).
    prints: &'static [&'static str],
}

/// Runs `ikelab peer --vendor <vendor>` at 172.16.0.2 beside strongSwan at 172.16.0.1 until
/// strongSwan has negotiated Quick Mode (and failed to install the SA: this kernel has no ESP)
/// and the command has printed what the case expects, then interrupts it: it exits 0 and
/// strongSwan logs its Delete.
fn cli_beside_strongswan(ikelab: &std::path::Path, case: CliCase) {
    let rig = Rig::wan(true, false).expect("rig");
    let ss = Charon::start(
        &rig.a,
        workdir(&format!("peer-{}", case.vendor), "charon"),
        &interop_fixture(&format!("strongswan/{}", case.swanctl)),
        false,
    )
    .expect("charon");
    let conf = fixtures().join("interop").join(case.config);
    let iface = format!("{}=wan0", wan_interface(case.vendor));
    let peer = CliPeer::start(
        ikelab,
        &[
            "--vendor",
            case.vendor.name(),
            "--config",
            conf.to_str().expect("a UTF-8 path"),
            "--netns",
            rig.b.name(),
            "--iface",
            &iface,
        ],
    );
    if let Some(child) = case.child {
        let _ = ss.swanctl(&["--initiate", "--child", child, "--timeout", "5"]);
    }
    assert!(
        ss.wait_log("unable to install", Duration::from_secs(10)),
        "strongSwan's log:\n{}\n{}:\n{}",
        ss.log(),
        case.vendor,
        peer.stdout().join("\n")
    );
    for line in case.prints {
        assert!(
            peer.wait_line(line, Duration::from_secs(2)),
            "{} did not print {line:?}:\n{}",
            case.vendor,
            peer.stdout().join("\n")
        );
    }
    assert_eq!(
        peer.interrupt(),
        Some(0),
        "{} exits 0 on Ctrl-C",
        case.vendor
    );
    assert!(ss.wait_log("received DELETE for IKE_SA", Duration::from_secs(3)));
    assert_log(
        "strongSwan's log",
        &ss.stop(),
        "established between 172.16.0.1[172.16.0.1]...172.16.0.2[172.16.0.2]",
    );
}

/// The engine's shutdown, as racoon stops: each peer hears which of our inbound ESP SAs are
/// gone, then the ISAKMP SA is deleted; nothing is left.
#[test]
fn shutdown_sends_deletes_as_racoon_does() {
    let mut pair = doc_pair((host_id(A_ADDR), host_id(B_ADDR)), 3);
    pair.a.start(ikelab_peers::time::Instant::ZERO);
    pair.run_for(Duration::from_secs(5));
    assert_eq!(pair.a.ipsec_sas().len(), 2, "SAs up before the shutdown");
    let inbound: Vec<u32> = pair
        .a
        .ipsec_sas()
        .iter()
        .filter(|s| s.direction == Direction::Inbound)
        .map(|s| s.spi)
        .collect();
    let now = pair.now;
    pair.a.shutdown(now);
    pair.run_for(Duration::from_secs(1));
    assert!(pair.a.ipsec_sas().is_empty());
    assert!(pair.a.isakmp_sas().iter().all(|s| !s.established));
    let deletes: Vec<(ProtocolId, Vec<Vec<u8>>)> = pair
        .b_events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::DeleteReceived { protocol, spis, .. } => Some((*protocol, spis.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(deletes.len(), 2, "{deletes:?}");
    assert_eq!(deletes[0].0, ProtocolId::ESP);
    assert_eq!(deletes[0].1, vec![inbound[0].to_be_bytes().to_vec()]);
    assert_eq!(deletes[1].0, ProtocolId::ISAKMP);
    assert!(pair.b.ipsec_sas().is_empty(), "B removed the SAs A deleted");
}
