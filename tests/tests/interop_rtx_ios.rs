//! The simulated Yamaha RTX and Cisco IOS against a real strongSwan 5.9.8, each as initiator and
//! as responder, in their own network namespaces on the rig's WAN: strongSwan at 172.16.0.1
//! (SEIL's side), the device at 172.16.0.2 (the IX's). Both personalities were written from
//! documents alone, so a real peer is what can tell them wrong. Each case is judged by
//! strongSwan's own log first, then by the device's log and engine events, and by the Quick
//! Mode IDs on the wire.
//!
//! strongSwan runs with its kernel (netlink) backend, as in `interop_strongswan`: this kernel has
//! no ESP, so strongSwan cannot install the IPsec SAs it negotiates and says so ("unable to
//! install"). The IKE exchanges are what is tested. As responder strongSwan fails after parsing
//! QM3; as initiator after parsing QM2, and it then sends NO-PROPOSAL-CHOSEN instead of QM3.
//!
//! Failing cases the references predict:
//! - an RTX without phase-2 IDs sends a QM1 without ID payloads, which stands for its and its
//!   peer's addresses (RFC 2409 5.5): strongSwan takes it for host-to-host, so a host-to-host
//!   child accepts it and a subnet-to-subnet child refuses it with INVALID-ID-INFORMATION;
//! - IOS answers IDs that mirror no entry of its crypto ACL with PROPOSAL_NOT_CHOSEN for ESP,
//!   not INVALID-ID-INFORMATION.

use std::net::Ipv4Addr;
use std::time::Duration;

use ikelab::decode::record::IsakmpRecord;
use ikelab_peers::ike::{Direction, EventKind};
use ikelab_peers::personality::Vendor;
use ikelab_peers::wire::{ExchangeType, IdType, NotifyType, PayloadType, ProtocolId};
use ikelab_tests::interop::{
    Charon, PeerDone, Rig, Side, SimPeer, Tool, assert_log, can_run, id_payloads, interop_fixture,
    isakmp_messages, peer_options, proof, serial, wan_interface, wan_peer, workdir,
};

/// How long a negotiation may take on this rig (it takes well under a second).
const NEGOTIATION: Duration = Duration::from_secs(10);

/// strongSwan's lines that show what it decided about a Quick Mode, printed with each test.
const QM_LINES: &[&str] = &[
    "IKE_SA",
    "child config",
    "=> match",
    "CHILD_SA config",
    "QUICK_MODE",
    "selected proposal",
    "unable to install",
    "error notify",
    "INVAL_ID",
    "NO_PROP",
    "vendor ID",
];

/// The rig with strongSwan on side A loaded with `fixtures/interop/strongswan/<conf>`, its
/// bridge captured. Side B's `wan0` has no kernel address: the simulated device alone owns
/// 172.16.0.2.
fn rig_with_strongswan(tag: &str, conf: &str) -> (Rig, Charon) {
    let mut rig = Rig::wan(true, false).expect("rig");
    rig.capture().expect("capture");
    let conf = interop_fixture(&format!("strongswan/{conf}"));
    let ss = Charon::start(&rig.a, workdir(tag, "charon"), &conf, false).expect("charon");
    (rig, ss)
}

/// strongSwan (`conf`) initiates `child` toward a simulated `vendor` device (`device_conf`) and
/// accepts its QM2 (it then fails to install the SAs on this kernel and says so with
/// NO-PROPOSAL-CHOSEN, which the device must log as `device_line`); both stopped, the rig (its
/// capture) and what the device left returned.
fn strongswan_initiates(
    tag: &str,
    conf: &str,
    child: &str,
    vendor: Vendor,
    device_conf: &str,
    device_line: &str,
) -> (Rig, PeerDone) {
    let (rig, ss) = rig_with_strongswan(tag, conf);
    let device = wan_peer(vendor, device_conf, &rig.b);
    let (_, out) = ss.swanctl(&["--initiate", "--child", child, "--timeout", "10"]);
    assert!(
        ss.wait_log("unable to install", Duration::from_secs(2)),
        "swanctl: {out}\nstrongSwan's log:\n{}\n{vendor}:\n{}",
        ss.log(),
        device.lines().join("\n")
    );
    assert!(device.wait_line(device_line, Duration::from_secs(2)));
    let done = device.stop();
    let log = ss.stop();
    eprintln!("strongSwan says:\n{}", proof(&log, QM_LINES));
    assert_strongswan_initiated(&log);
    (rig, done)
}

/// The bridge capture's ISAKMP messages, decrypted with the device's keys.
fn wire(rig: &mut Rig, tag: &str, done: &PeerDone) -> Vec<IsakmpRecord> {
    let pcap = workdir(tag, "capture").join("wan.pcap");
    rig.write_capture(&pcap).expect("pcap");
    isakmp_messages(&pcap, &done.keys)
}

/// The Quick Mode messages among `messages`, in order.
fn quick_modes(messages: &[IsakmpRecord]) -> Vec<&IsakmpRecord> {
    messages
        .iter()
        .filter(|m| m.exchange == ExchangeType::QUICK_MODE.0)
        .collect()
}

/// An ID_IPV4_ADDR_SUBNET as the decoder writes it.
fn subnet(net: &str) -> (IdType, String) {
    (IdType::IPV4_ADDR_SUBNET, net.to_string())
}

/// An ID_IPV4_ADDR as the decoder writes it.
fn host(addr: Ipv4Addr) -> (IdType, String) {
    (IdType::IPV4_ADDR, addr.to_string())
}

/// The notify payloads of `m` as (type, protocol, SPI in hex).
fn notifies(m: &IsakmpRecord) -> Vec<(NotifyType, ProtocolId, Vec<String>)> {
    m.payloads
        .iter()
        .filter(|p| p.kind == PayloadType::NOTIFY.0)
        .filter_map(|p| {
            Some((
                NotifyType(p.notify_type?),
                ProtocolId(p.protocol?),
                p.spis.clone(),
            ))
        })
        .collect()
}

/// Whether the device's engine recorded an event for which `f` holds.
fn has_event(done: &PeerDone, f: impl Fn(&EventKind) -> bool) -> bool {
    done.events.iter().any(f)
}

/// Phase 1 completed, with us as initiator or not.
fn phase1_up(done: &PeerDone, initiator: bool) -> bool {
    has_event(
        done,
        |e| matches!(e, EventKind::Phase1Established { initiator: i, .. } if *i == initiator),
    )
}

/// The IDs (local, remote) of the device's inbound IPsec SA, as the engine recorded them.
fn inbound_sa_ids(done: &PeerDone) -> Option<(String, String)> {
    done.events.iter().find_map(|e| match e {
        EventKind::SaInstalled {
            direction: Direction::Inbound,
            ids,
            ..
        } => Some((ids.0.data.to_string(), ids.1.data.to_string())),
        _ => None,
    })
}

/// A notify of `kind` came from strongSwan.
fn notify_received(done: &PeerDone, kind: NotifyType) -> bool {
    has_event(
        done,
        |e| matches!(e, EventKind::NotifyReceived { kind: k, .. } if *k == kind),
    )
}

/// Whether one line of `log` contains every one of `parts` (a line with a message ID between
/// them, as `parsed QUICK_MODE request 1590560283 [ HASH ]`).
fn has_line(log: &str, parts: &[&str]) -> bool {
    log.lines().any(|l| parts.iter().all(|p| l.contains(p)))
}

/// [`has_line`], or a failure showing the whole log.
fn assert_line(what: &str, log: &str, parts: &[&str]) {
    assert!(
        has_line(log, parts),
        "{what} has no line with all of {parts:?}; it says:\n{log}"
    );
}

/// strongSwan's IKE_SA with the device came up in Main Mode.
fn assert_strongswan_main_mode(log: &str) {
    assert_log(
        "strongSwan's log",
        log,
        "established between 172.16.0.1[172.16.0.1]...172.16.0.2[172.16.0.2]",
    );
    assert_log(
        "strongSwan's log",
        log,
        "state change: CONNECTING => ESTABLISHED",
    );
}

/// strongSwan as responder: Main Mode done and the Quick Mode it was offered accepted through
/// QM3, for its child `child` and the selectors (ours === the initiator's) it names.
fn assert_strongswan_responded(log: &str, child: &str, selectors: &str) {
    assert_strongswan_main_mode(log);
    for needle in [
        &format!("looking for a child config for {selectors}"),
        &format!("found matching child config \"{child}\""),
        "selected proposal: ESP:AES_CBC_128/HMAC_SHA1_96/NO_EXT_SEQ",
        "unable to install inbound and outbound IPsec SA (SAD) in kernel",
    ] {
        assert_log("strongSwan's log", log, needle);
    }
    assert_line(
        "strongSwan's log",
        log,
        &["generating QUICK_MODE response", "[ HASH SA No ID ID ]"],
    );
    // QM3: the initiator's HASH(3), the last message of the exchange.
    assert_line(
        "strongSwan's log",
        log,
        &["parsed QUICK_MODE request", "[ HASH ]"],
    );
}

/// strongSwan as initiator: Main Mode done, QM2 parsed and its proposal selected, then the
/// kernel refuses the SA and strongSwan tells the responder NO-PROPOSAL-CHOSEN.
fn assert_strongswan_initiated(log: &str) {
    assert_strongswan_main_mode(log);
    for needle in [
        "initiating Main Mode IKE_SA",
        "selected proposal: ESP:AES_CBC_128/HMAC_SHA1_96/NO_EXT_SEQ",
        "unable to install inbound and outbound IPsec SA (SAD) in kernel",
    ] {
        assert_log("strongSwan's log", log, needle);
    }
    assert_line(
        "strongSwan's log",
        log,
        &["generating QUICK_MODE request", "[ HASH SA No ID ID ]"],
    );
    assert_line(
        "strongSwan's log",
        log,
        &["parsed QUICK_MODE response", "[ HASH SA No ID ID ]"],
    );
}

// ---------------------------------------------------------------------------------------------
// Yamaha RTX

const RTX_IDS: &str = "simulated RTX with subnet IDs initiates to strongSwan";

/// An RTX whose policy line names its LAN and the peer's (`local-id=`, `remote-id=`) starts by
/// itself (`ipsec auto refresh on`); strongSwan finds its subnet-to-subnet child for those IDs
/// and answers. On the wire QM1 and QM2 carry exactly the two subnets of the config.
#[test]
fn rtx_with_subnet_ids_initiates_and_strongswan_accepts() {
    let _serial = serial();
    if !can_run(RTX_IDS, &[Tool::StrongSwan]) {
        return;
    }
    let (mut rig, ss) = rig_with_strongswan("rtx-ids", "lan.swanctl.conf");
    let rtx = wan_peer(Vendor::Rtx, "rtx/lan-ids.conf", &rig.b);
    assert!(
        ss.wait_log("unable to install", NEGOTIATION),
        "strongSwan's log:\n{}\nRTX:\n{}",
        ss.log(),
        rtx.lines().join("\n")
    );
    assert!(rtx.wait_line("IP Tunnel[1] Up", Duration::from_secs(2)));
    let done = rtx.stop();
    let log = ss.stop();
    eprintln!("strongSwan says:\n{}", proof(&log, QM_LINES));
    assert_strongswan_responded(&log, "lan", "192.168.0.0/24 === 192.168.1.0/24");

    let rtx_log = done.log.join("\n");
    for needle in [
        "[IKE] initiate ISAKMP phase to 172.16.0.1 (local address 172.16.0.2)",
        "[IKE] initiate IPsec phase to 172.16.0.1",
        "IP Tunnel[1] Up",
    ] {
        assert_log("RTX log", &rtx_log, needle);
    }
    assert!(phase1_up(&done, true));
    assert_eq!(
        inbound_sa_ids(&done),
        Some(("192.168.1.0/24".into(), "192.168.0.0/24".into()))
    );

    let msgs = wire(&mut rig, "rtx-ids", &done);
    let qm = quick_modes(&msgs);
    assert_eq!(qm.len(), 3, "QM1, QM2, QM3: {qm:#?}");
    let ids = vec![subnet("192.168.1.0/24"), subnet("192.168.0.0/24")];
    assert_eq!(id_payloads(qm[0]), ids, "QM1 carries the config's IDs");
    assert_eq!(id_payloads(qm[1]), ids, "strongSwan's QM2 returns them");
}

const RTX_NO_IDS_HOSTS: &str = "simulated RTX without IDs vs a host-to-host strongSwan";

/// An RTX without phase-2 IDs sends a QM1 without ID payloads. strongSwan takes the two peers'
/// addresses as the selectors (RFC 2409 5.5), finds its host-to-host child and completes the
/// Quick Mode.
#[test]
fn rtx_without_ids_meets_a_host_to_host_strongswan() {
    let _serial = serial();
    if !can_run(RTX_NO_IDS_HOSTS, &[Tool::StrongSwan]) {
        return;
    }
    let (mut rig, ss) = rig_with_strongswan("rtx-hosts", "hosts.swanctl.conf");
    let rtx = wan_peer(Vendor::Rtx, "rtx/no-ids.conf", &rig.b);
    assert!(
        ss.wait_log("unable to install", NEGOTIATION),
        "strongSwan's log:\n{}\nRTX:\n{}",
        ss.log(),
        rtx.lines().join("\n")
    );
    assert!(rtx.wait_line("IP Tunnel[1] Up", Duration::from_secs(2)));
    let done = rtx.stop();
    let log = ss.stop();
    eprintln!("strongSwan says:\n{}", proof(&log, QM_LINES));
    // QM1 without IDs: strongSwan makes the selectors from the packet's addresses.
    assert_line(
        "strongSwan's log",
        &log,
        &["parsed QUICK_MODE request", "[ HASH SA No ]"],
    );
    assert_strongswan_responded(&log, "hosts", "172.16.0.1/32 === 172.16.0.2/32");
    assert!(phase1_up(&done, true));
    assert_eq!(
        inbound_sa_ids(&done),
        Some(("172.16.0.2".into(), "172.16.0.1".into())),
        "the SA's identities are the two gateways"
    );

    let msgs = wire(&mut rig, "rtx-hosts", &done);
    let qm = quick_modes(&msgs);
    assert_eq!(qm.len(), 3, "QM1, QM2, QM3: {qm:#?}");
    assert_eq!(id_payloads(qm[0]), vec![], "QM1 without ID payloads");
    // strongSwan answers with the selectors it made: the RTX's address and its own, as hosts.
    assert_eq!(
        id_payloads(qm[1]),
        vec![
            host(Ipv4Addr::new(172, 16, 0, 2)),
            host(Ipv4Addr::new(172, 16, 0, 1))
        ]
    );
}

const RTX_NO_IDS_LAN: &str = "simulated RTX without IDs vs a subnet-to-subnet strongSwan";

/// The same RTX against a strongSwan whose only child is subnet to subnet: the ID-less QM1
/// stands for 172.16.0.2 <-> 172.16.0.1, no child covers that, and strongSwan refuses it with
/// INVALID-ID-INFORMATION, which the RTX logs.
#[test]
fn rtx_without_ids_is_refused_by_a_subnet_to_subnet_strongswan() {
    let _serial = serial();
    if !can_run(RTX_NO_IDS_LAN, &[Tool::StrongSwan]) {
        return;
    }
    let (mut rig, ss) = rig_with_strongswan("rtx-noids", "lan.swanctl.conf");
    let rtx = wan_peer(Vendor::Rtx, "rtx/no-ids.conf", &rig.b);
    assert!(
        rtx.wait_line("[IKE] receive notify INVALID-ID-INFORMATION", NEGOTIATION),
        "RTX:\n{}\nstrongSwan's log:\n{}",
        rtx.lines().join("\n"),
        ss.log()
    );
    let done = rtx.stop();
    let log = ss.stop();
    eprintln!("strongSwan says:\n{}", proof(&log, QM_LINES));
    assert_strongswan_main_mode(&log);
    assert_line(
        "strongSwan's log",
        &log,
        &["parsed QUICK_MODE request", "[ HASH SA No ]"],
    );
    // Ours === the initiator's while it looks, the initiator's first when it gives up.
    assert_log(
        "strongSwan's log",
        &log,
        "looking for a child config for 172.16.0.1/32 === 172.16.0.2/32",
    );
    assert_log(
        "strongSwan's log",
        &log,
        "no matching CHILD_SA config found for 172.16.0.2/32 === 172.16.0.1/32",
    );
    assert_line(
        "strongSwan's log",
        &log,
        &[
            "generating INFORMATIONAL_V1 request",
            "[ HASH N(INVAL_ID) ]",
        ],
    );
    assert!(!log.contains("unable to install"), "no SA was negotiated");
    assert_log(
        "RTX log",
        &done.log.join("\n"),
        "[IKE] receive notify INVALID-ID-INFORMATION from 172.16.0.1",
    );
    assert!(notify_received(&done, NotifyType::INVALID_ID_INFORMATION));
    assert!(inbound_sa_ids(&done).is_none(), "no SA on the RTX");

    let msgs = wire(&mut rig, "rtx-noids", &done);
    let qm = quick_modes(&msgs);
    assert!(!qm.is_empty(), "a QM1 on the wire");
    assert!(qm.iter().all(|m| id_payloads(m).is_empty()), "{qm:#?}");
}

const SS_TO_RTX: &str = "strongSwan initiator vs simulated RTX";

/// strongSwan starts toward an RTX without IDs of its own: the lenient RTX takes strongSwan's
/// subnet IDs for its tunnel and answers QM2 with them; strongSwan accepts QM2.
#[test]
fn strongswan_initiates_to_the_rtx_which_takes_its_subnet_ids() {
    let _serial = serial();
    if !can_run(SS_TO_RTX, &[Tool::StrongSwan]) {
        return;
    }
    let (mut rig, done) = strongswan_initiates(
        "ss-rtx",
        "lan.swanctl.conf",
        "lan",
        Vendor::Rtx,
        "rtx/responder.conf",
        "[IKE] receive notify NO-PROPOSAL-CHOSEN",
    );
    let rtx_log = done.log.join("\n");
    for needle in [
        "[IKE] respond ISAKMP phase to 172.16.0.1",
        "[IKE] respond IPsec phase to 172.16.0.1",
        "[IKE] receive notify NO-PROPOSAL-CHOSEN from 172.16.0.1",
    ] {
        assert_log("RTX log", &rtx_log, needle);
    }
    assert!(phase1_up(&done, false));

    let msgs = wire(&mut rig, "ss-rtx", &done);
    let qm = quick_modes(&msgs);
    assert_eq!(qm.len(), 2, "QM1 and QM2, no QM3: {qm:#?}");
    let ids = vec![subnet("192.168.0.0/24"), subnet("192.168.1.0/24")];
    assert_eq!(id_payloads(qm[0]), ids, "strongSwan's QM1");
    assert_eq!(id_payloads(qm[1]), ids, "the RTX returns them");
}

// ---------------------------------------------------------------------------------------------
// Cisco IOS

const IOS_LAN: &str = "simulated IOS initiates on LAN traffic to strongSwan";

/// IOS negotiates when traffic matches its crypto ACL: a host on its LAN pings the far LAN, and
/// IOS proposes the ACL's two subnets; strongSwan finds its child for them and answers.
#[test]
fn ios_initiates_on_lan_traffic_and_strongswan_accepts() {
    let _serial = serial();
    if !can_run(IOS_LAN, &[Tool::StrongSwan]) {
        return;
    }
    let (mut rig, ss) = rig_with_strongswan("ios-lan", "lan.swanctl.conf");
    let host = rig
        .lan(
            Side::B,
            "lan0",
            None,
            "192.168.1.10/24",
            Ipv4Addr::new(192, 168, 1, 1),
        )
        .expect("LAN host");
    let ifaces = [
        (wan_interface(Vendor::Ios), "wan0"),
        ("FastEthernet0/1", "lan0"),
    ];
    let conf = interop_fixture("ios/lan.conf");
    let ios = SimPeer::start(peer_options(Vendor::Ios, &conf, &rig.b, &ifaces), None);
    // The first packet starts the negotiation (and is dropped, as IOS drops it).
    let _ = rig.hosts[host]
        .command("ping")
        .args(["-n", "-q", "-c", "1", "-W", "1", "192.168.0.10"])
        .output();
    assert!(
        ss.wait_log("unable to install", NEGOTIATION),
        "strongSwan's log:\n{}\nIOS:\n{}",
        ss.log(),
        ios.lines().join("\n")
    );
    assert!(ios.wait_line("IKE_QM_PHASE2_COMPLETE", Duration::from_secs(2)));
    let done = ios.stop();
    let log = ss.stop();
    eprintln!("strongSwan says:\n{}", proof(&log, QM_LINES));
    assert_strongswan_responded(&log, "lan", "192.168.0.0/24 === 192.168.1.0/24");
    for needle in [
        "received Cisco Unity vendor ID",
        "received XAuth vendor ID",
        "received DPD vendor ID",
    ] {
        assert_log("strongSwan's log", &log, needle);
    }

    let ios_log = done.log.join("\n");
    for needle in [
        "IPSEC(sa_request): ,",
        "src_proxy= 192.168.1.0/255.255.255.0/0/0 (type=4),",
        "dest_proxy= 192.168.0.0/255.255.255.0/0/0 (type=4),",
        "Old State = IKE_I_MM6  New State = IKE_P1_COMPLETE",
        "Old State = IKE_QM_I_QM1  New State = IKE_QM_PHASE2_COMPLETE",
        "deleting SA reason \"No reason\" state (I) QM_IDLE (peer 172.16.0.1)",
    ] {
        assert_log("IOS log", &ios_log, needle);
    }
    assert!(has_event(&done, |e| matches!(e, EventKind::Acquire { .. })));
    assert!(phase1_up(&done, true));
    assert_eq!(
        inbound_sa_ids(&done),
        Some(("192.168.1.0/24".into(), "192.168.0.0/24".into()))
    );

    let msgs = wire(&mut rig, "ios-lan", &done);
    let qm = quick_modes(&msgs);
    assert_eq!(qm.len(), 3, "QM1, QM2, QM3: {qm:#?}");
    let ids = vec![subnet("192.168.1.0/24"), subnet("192.168.0.0/24")];
    assert_eq!(id_payloads(qm[0]), ids, "QM1 carries the ACL's subnets");
    assert_eq!(id_payloads(qm[1]), ids, "strongSwan's QM2 returns them");
}

const SS_TO_IOS: &str = "strongSwan initiator vs simulated IOS (host-to-host ACL)";

/// strongSwan proposes the document's fixed IDs (172.16.0.1/32 <-> 172.16.0.2/32, transport),
/// the mirror of the IOS crypto ACL `permit ip host 172.16.0.2 host 172.16.0.1`: IOS answers
/// QM2 and strongSwan accepts it.
#[test]
fn strongswan_initiates_to_ios_with_the_acls_mirror() {
    let _serial = serial();
    if !can_run(SS_TO_IOS, &[Tool::StrongSwan]) {
        return;
    }
    let (mut rig, done) = strongswan_initiates(
        "ss-ios",
        "seil-like.swanctl.conf",
        "fixed",
        Vendor::Ios,
        "ios/host-to-host.conf",
        "processing NOTIFY PROPOSAL_NOT_CHOSEN protocol 3",
    );
    let ios_log = done.log.join("\n");
    for needle in [
        "Old State = IKE_R_MM5  New State = IKE_P1_COMPLETE",
        "Checking IPSec proposal 1",
        "processing NOTIFY PROPOSAL_NOT_CHOSEN protocol 3",
        // strongSwan's MM1 carries NAT-T draft 02's VID, which IOS numbers.
        " vendor ID is NAT-T v2",
        // Stopped: the SA it responded to goes, marked with its role.
        "deleting SA reason \"No reason\" state (R) QM_IDLE (peer 172.16.0.1)",
    ] {
        assert_log("IOS log", &ios_log, needle);
    }
    assert!(phase1_up(&done, false));

    let msgs = wire(&mut rig, "ss-ios", &done);
    let qm = quick_modes(&msgs);
    assert_eq!(qm.len(), 2, "QM1 and QM2, no QM3: {qm:#?}");
    let ids = vec![
        host(Ipv4Addr::new(172, 16, 0, 1)),
        host(Ipv4Addr::new(172, 16, 0, 2)),
    ];
    assert_eq!(id_payloads(qm[0]), ids, "strongSwan's QM1");
    assert_eq!(id_payloads(qm[1]), ids, "IOS returns them");
}

const IOS_MISMATCH: &str = "strongSwan 0/0 IDs vs simulated IOS (host-to-host ACL)";

/// strongSwan proposes 0.0.0.0/0 <-> 0.0.0.0/0 (the document's failing SEIL), which mirrors no
/// entry of the IOS crypto ACL: IOS refuses with PROPOSAL_NOT_CHOSEN for ESP and the refused
/// proposal's SPI, not INVALID-ID-INFORMATION, and strongSwan logs the notify.
#[test]
fn ios_answers_an_id_mismatch_with_proposal_not_chosen() {
    let _serial = serial();
    if !can_run(IOS_MISMATCH, &[Tool::StrongSwan]) {
        return;
    }
    let (mut rig, ss) = rig_with_strongswan("ios-mismatch", "seil-like.swanctl.conf");
    let ios = wan_peer(Vendor::Ios, "ios/host-to-host.conf", &rig.b);
    let (ok, out) = ss.swanctl(&["--initiate", "--child", "broken-tunnel", "--timeout", "10"]);
    assert!(!ok, "0/0 must fail: {out}");
    assert!(ios.wait_line("proxy identities not supported", Duration::from_secs(2)));
    let done = ios.stop();
    let log = ss.stop();
    eprintln!("strongSwan says:\n{}", proof(&log, QM_LINES));
    assert_strongswan_main_mode(&log);
    assert_line(
        "strongSwan's log",
        &log,
        &["parsed INFORMATIONAL_V1 request", "[ HASH N(NO_PROP) ]"],
    );
    assert_log(
        "strongSwan's log",
        &log,
        "received NO_PROPOSAL_CHOSEN error notify",
    );
    assert!(!log.contains("INVALID_ID_INFORMATION"), "{log}");
    let ios_log = done.log.join("\n");
    for needle in [
        "IPSEC(ipsec_process_proposal): proxy identities not supported",
        "IPSec policy invalidated proposal with error 32",
        "Sending NOTIFY PROPOSAL_NOT_CHOSEN protocol 3",
    ] {
        assert_log("IOS log", &ios_log, needle);
    }
    assert!(has_event(&done, |e| matches!(
        e,
        EventKind::NoPolicyForIds { .. }
    )));
    assert!(has_event(&done, |e| matches!(
        e,
        EventKind::NotifySent {
            kind: NotifyType::NO_PROPOSAL_CHOSEN,
            protocol: ProtocolId::ESP,
            ..
        }
    )));

    // On the wire: QM1 with 0/0, then IOS's Informational naming ESP and QM1's SPI.
    let msgs = wire(&mut rig, "ios-mismatch", &done);
    let qm = quick_modes(&msgs);
    let qm1 = qm.first().expect("a QM1 on the wire");
    let any = subnet("0.0.0.0/0");
    assert_eq!(id_payloads(qm1), vec![any.clone(), any]);
    let offered: Vec<String> = qm1
        .payloads
        .iter()
        .filter(|p| p.kind == PayloadType::SA.0)
        .flat_map(|p| p.spis.clone())
        .collect();
    let refusal: Vec<_> = msgs
        .iter()
        .filter(|m| m.exchange == ExchangeType::INFORMATIONAL.0)
        .flat_map(notifies)
        .filter(|n| n.0 == NotifyType::NO_PROPOSAL_CHOSEN)
        .collect();
    assert_eq!(
        refusal,
        vec![(NotifyType::NO_PROPOSAL_CHOSEN, ProtocolId::ESP, offered)],
        "{msgs:#?}"
    );
}
