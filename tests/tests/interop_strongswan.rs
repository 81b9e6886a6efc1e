//! The simulated SEIL and IX against a real strongSwan 5.9.8, each in its own network
//! namespace on a bridged WAN, checked by what strongSwan itself logs.
//!
//! strongSwan runs with its kernel (netlink) backend: this kernel has no ESP, so strongSwan
//! cannot install an IPsec SA; the IKE exchanges are what is tested here (ESP is in
//! `interop_datapath`).

use std::time::Duration;

use ikelab_peers::ike::EventKind;
use ikelab_peers::personality::Vendor;
use ikelab_tests::interop::{
    Charon, Rig, Tool, assert_log, can_run, decode, interop_fixture, proof, quick_modes, serial,
    swanctl_ix_like, wan_peer, workdir,
};

const T_BROKEN: &str = "simulated SEIL (0.0.0.0/0 IDs) vs strongSwan like the IX";

/// The document's failing SEIL config (proxy-id 0.0.0.0/0, transport) initiates to a strongSwan
/// configured like the IX. strongSwan narrows 0/0 to its host selectors and answers QM2 with
/// host IDs; the simulated SEIL, racoon-like, refuses IDs other than those it proposed.
#[test]
fn seil_with_the_failing_config_refuses_strongswans_narrowed_ids() {
    let _serial = serial();
    if !can_run(T_BROKEN, &[Tool::StrongSwan]) {
        return;
    }
    // Both sides carry their address in the kernel: the simulated SEIL must keep it quiet.
    let mut rig = Rig::wan(true, true).expect("rig");
    rig.capture().expect("capture");
    let ss = Charon::start(
        &rig.b,
        workdir("seil-broken", "charon"),
        &swanctl_ix_like(),
        false,
    )
    .expect("charon");
    let seil = wan_peer(Vendor::Seil, "seil/broken.conf", &rig.a);
    assert!(
        seil.wait_line("mismatched IDci was returned.", Duration::from_secs(10)),
        "SEIL log:\n{}",
        seil.lines().join("\n")
    );
    let done = seil.stop();
    assert!(ss.wait_log("received DELETE for IKE_SA", Duration::from_secs(3)));
    let log = ss.stop();

    // strongSwan's own account: it narrowed 0/0 and answered with its host selectors.
    for needle in [
        "parsed QUICK_MODE request",
        "looking for a child config for 0.0.0.0/0 === 0.0.0.0/0",
        "config: 172.16.0.1/32, received: 0.0.0.0/0 => match: 172.16.0.1/32",
        "config: 172.16.0.2/32, received: 0.0.0.0/0 => match: 172.16.0.2/32",
        "generating QUICK_MODE response",
        // SEIL stopped as the device would: a Delete for the ISAKMP SA.
        "received DELETE for IKE_SA",
    ] {
        assert_log("strongSwan's log", &log, needle);
    }
    eprintln!(
        "strongSwan says:\n{}",
        proof(
            &log,
            &["child config for", "=> match", "QUICK_MODE", "DELETE"]
        )
    );
    // SEIL's: the engine event, and the racoon line.
    let mismatch = done.events.iter().find_map(|e| match e {
        EventKind::ReturnedIdsMismatch { sent, received, .. } => Some((sent, received)),
        _ => None,
    });
    let (sent, received) = mismatch.expect("a ReturnedIdsMismatch event");
    assert_eq!(sent.0.to_string(), "0.0.0.0/0");
    assert_eq!(sent.1.to_string(), "0.0.0.0/0");
    assert_eq!(received.0.to_string(), "172.16.0.1");
    assert_eq!(received.1.to_string(), "172.16.0.2");
    assert!(
        done.log
            .iter()
            .any(|l| l.ends_with("err ike racoon: mismatched IDci was returned."))
    );

    // On the wire, decrypted with SEIL's keys: QM1 with 0/0 IDs, QM2 with host IDs.
    let dir = workdir("seil-broken", "capture");
    let pcap = dir.join("wan.pcap");
    rig.write_capture(&pcap).expect("pcap");
    let qm = quick_modes(&decode(&pcap, &done.keys));
    assert!(qm.len() >= 2, "quick mode on the wire: {qm:#?}");
    assert!(qm[0].contains("IPV4_ADDR_SUBNET 0.0.0.0/0"), "{}", qm[0]);
    assert!(
        qm[1].contains("type 5:ID, length 12: IPV4_ADDR 172.16.0.1"),
        "{}",
        qm[1]
    );
    assert!(
        qm[1].contains("type 5:ID, length 12: IPV4_ADDR 172.16.0.2"),
        "{}",
        qm[1]
    );
}

const T_FIXED: &str = "simulated SEIL (fixed proxy-ids) vs strongSwan like the IX";

/// The document's fixed SEIL config (proxy-id 172.16.0.1 <-> 172.16.0.2) against the same
/// strongSwan: QM1, QM2 and QM3 on the wire; strongSwan selects its child for those host IDs and
/// parses QM3, then cannot install the SA in this kernel (no ESP): expected here.
#[test]
fn seil_with_the_fixed_config_completes_quick_mode_with_strongswan() {
    let _serial = serial();
    if !can_run(T_FIXED, &[Tool::StrongSwan]) {
        return;
    }
    // SEIL's wan0 carries no kernel address this time: the node alone owns 172.16.0.1.
    let mut rig = Rig::wan(false, true).expect("rig");
    rig.capture().expect("capture");
    let ss = Charon::start(
        &rig.b,
        workdir("seil-fixed", "charon"),
        &swanctl_ix_like(),
        false,
    )
    .expect("charon");
    let seil = wan_peer(Vendor::Seil, "seil/fixed.conf", &rig.a);
    assert!(
        ss.wait_log("unable to install", Duration::from_secs(10)),
        "strongSwan's log:\n{}",
        ss.log()
    );
    assert!(seil.wait_line("IPsec-SA established", Duration::from_secs(2)));
    let done = seil.stop();
    let log = ss.stop();
    for needle in [
        "looking for a child config for 172.16.0.2/32 === 172.16.0.1/32",
        "found matching child config \"ix\"",
        "config: 172.16.0.1/32, received: 172.16.0.1/32 => match: 172.16.0.1/32",
        "config: 172.16.0.2/32, received: 172.16.0.2/32 => match: 172.16.0.2/32",
        "generating QUICK_MODE response",
        "parsed QUICK_MODE request", // QM1 and QM3 ([ HASH ])
        "[ HASH ]",
        "unable to install inbound and outbound IPsec SA (SAD) in kernel",
    ] {
        assert_log("strongSwan's log", &log, needle);
    }
    eprintln!(
        "strongSwan says:\n{}",
        proof(
            &log,
            &[
                "child config",
                "QUICK_MODE",
                "unable to install",
                "=> match"
            ]
        )
    );
    assert!(
        done.log
            .iter()
            .any(|l| l.contains("IPsec-SA established: ESP/Transport 172.16.0.1->172.16.0.2"))
    );

    let dir = workdir("seil-fixed", "capture");
    let pcap = dir.join("wan.pcap");
    rig.write_capture(&pcap).expect("pcap");
    let qm = quick_modes(&decode(&pcap, &done.keys));
    assert_eq!(qm.len(), 3, "QM1, QM2, QM3: {qm:#?}");
    for m in &qm[..2] {
        assert!(
            m.contains("type 5:ID, length 12: IPV4_ADDR 172.16.0.1"),
            "{m}"
        );
        assert!(m.contains("Encapsulation-Mode=Transport"), "{m}");
    }
    assert!(qm[2].contains("length 60"), "QM3 is HASH only: {}", qm[2]);
}

const T_IX: &str = "strongSwan initiator vs simulated IX";

/// A real strongSwan initiates to the simulated IX: with 0.0.0.0/0 IDs (tunnel mode: how
/// strongSwan puts 0/0 on the wire) the IX answers INVALID-ID-INFORMATION, which strongSwan
/// logs; with host IDs (transport) the IX answers QM2 and strongSwan accepts it (then fails to
/// install the SA in this kernel, and says so with NO-PROPOSAL-CHOSEN).
#[test]
fn strongswan_initiator_against_the_simulated_ix() {
    let _serial = serial();
    if !can_run(T_IX, &[Tool::StrongSwan]) {
        return;
    }
    let rig = Rig::wan(true, true).expect("rig");
    let ix = wan_peer(Vendor::Ix, "ix/document.conf", &rig.b);
    let ss = Charon::start(
        &rig.a,
        workdir("ss-ix", "charon"),
        &interop_fixture("strongswan/seil-like.swanctl.conf"),
        false,
    )
    .expect("charon");

    let (ok, out) = ss.swanctl(&["--initiate", "--child", "broken-tunnel", "--timeout", "10"]);
    assert!(!ok, "0/0 must fail: {out}");
    assert!(ix.wait_line(
        "IKE.043: IPsec configuration not found",
        Duration::from_secs(2)
    ));
    assert_log(
        "strongSwan's log",
        &ss.log(),
        "received INVALID_ID_INFORMATION error notify",
    );

    let (_, out) = ss.swanctl(&["--initiate", "--child", "fixed", "--timeout", "10"]);
    assert!(
        ss.wait_log("unable to install", Duration::from_secs(5)),
        "{out}"
    );
    let (_, sas) = ss.swanctl(&["--list-sas"]);
    assert!(
        sas.contains("ESTABLISHED, IKEv1"),
        "swanctl --list-sas:\n{sas}"
    );
    let done = ix.stop();
    let log = ss.stop();
    for needle in [
        "parsed INFORMATIONAL_V1 request",
        "N(INVAL_ID)",
        "received INVALID_ID_INFORMATION error notify",
        // QM2 of the fixed child accepted: parsed, proposal selected, then the kernel refuses.
        "parsed QUICK_MODE response",
        "selected proposal: ESP:AES_CBC_128/HMAC_SHA1_96/NO_EXT_SEQ",
        "unable to install inbound and outbound IPsec SA (SAD) in kernel",
    ] {
        assert_log("strongSwan's log", &log, needle);
    }
    eprintln!(
        "strongSwan says:\n{}",
        proof(
            &log,
            &[
                "INVAL",
                "QUICK_MODE",
                "selected proposal: ESP",
                "unable to install"
            ]
        )
    );
    let ix_log = done.log.join("\n");
    assert_log("IX log", &ix_log, "IKE.043: IPsec configuration not found");
    assert_log(
        "IX log",
        &ix_log,
        "IKE.007: Send notification data to 172.16.0.1, type 18:INVALID-ID-INFORMATION",
    );
    assert_log(
        "IX log",
        &ix_log,
        "IKE.009: Receive notification data from 172.16.0.1, type 14:NO-PROPOSAL-CHOSEN",
    );
}
