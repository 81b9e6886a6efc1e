//! A second real IKEv1 initiator, Libreswan 4.10 (pluto from the extracted Debian package),
//! against the simulated IX. Debian's Libreswan has no MODP-1024, so both sides use MODP-2048.
//! Libreswan sends exactly SEIL's failing proposal (0.0.0.0/0 IDs in transport mode), which
//! strongSwan as an initiator cannot.

use std::time::Duration;

use ikelab_peers::ike::EventKind;
use ikelab_peers::personality::Vendor;
use ikelab_tests::interop::{
    Pluto, Rig, Tool, assert_log, can_run, interop_fixture, proof, serial, wan_peer, workdir,
};

const T: &str = "Libreswan initiator vs simulated IX";

#[test]
fn libreswan_initiator_against_the_simulated_ix() {
    let _serial = serial();
    if !can_run(T, &[Tool::Libreswan]) {
        return;
    }
    let rig = Rig::wan(true, false).expect("rig");
    let ix = wan_peer(Vendor::Ix, "ix/modp2048.conf", &rig.b);
    let ls = Pluto::start(
        &rig.a,
        workdir("libreswan", "pluto"),
        &interop_fixture("libreswan/ipsec.conf"),
        &interop_fixture("libreswan/ipsec.secrets"),
    )
    .expect("pluto");

    // 0.0.0.0/0 <-> 0.0.0.0/0, transport: the IX finds no policy and says INVALID-ID-INFORMATION.
    let out = ls.initiate("broken");
    assert!(
        ls.wait_log("INVALID_ID_INFORMATION", Duration::from_secs(5)),
        "whack: {out}\npluto: {}",
        ls.log()
    );
    assert!(ix.wait_line(
        "IKE.043: IPsec configuration not found",
        Duration::from_secs(1)
    ));
    // Libreswan would go on retransmitting that QM1: remove the connection.
    ls.whack(&["--name", "broken", "--delete"], Duration::from_secs(5));

    // Host IDs: the IX answers QM2 and Libreswan accepts it (it then tries to install the SA,
    // which this kernel cannot).
    let fixed_from = ls.log().len();
    let out = ls.initiate("fixed");
    assert!(
        ls.wait_log("Add SA", Duration::from_secs(5)),
        "whack: {out}\npluto: {}",
        ls.log()
    );
    let done = ix.stop();
    let log = ls.stop();
    for needle in [
        "\"broken\" #1: IKE SA established",
        "group=MODP2048",
        "ignoring informational payload INVALID_ID_INFORMATION",
        "\"fixed\"",
        // QM2 accepted: pluto goes on to install the SAs it describes (esp.SPI@172.16.0.2).
        "netlink response for Add SA esp.",
    ] {
        assert_log("pluto's log", &log, needle);
    }
    // Nothing refused the host IDs.
    let after = &log[fixed_from..];
    assert!(!after.contains("INVALID_ID"), "{after}");
    eprintln!(
        "Libreswan says:\n{}",
        proof(
            &log,
            &["IKE SA established", "INVALID_ID", "Quick Mode", "Add SA"]
        )
    );
    let ix_log = done.log.join("\n");
    assert_log("IX log", &ix_log, "IKE.043: IPsec configuration not found");
    assert_log(
        "IX log",
        &ix_log,
        "IKE.007: Send notification data to 172.16.0.1, type 18:INVALID-ID-INFORMATION",
    );
    // The IX refused 0/0 (NoPolicyForIds) and accepted the host IDs (it sent QM2).
    assert!(done.events.iter().any(|e| matches!(
        e,
        EventKind::NoPolicyForIds { initiator_id, .. } if initiator_id.to_string() == "0.0.0.0/0"
    )));
    assert!(
        done.events
            .iter()
            .any(|e| matches!(e, EventKind::Phase2Started { .. })),
    );
    assert!(
        ix_log.contains("IKE.045: Receive payload, type 5:ID, length 12"),
        "{ix_log}"
    );
    assert!(
        ix_log.contains("IKE.005: Send packet to 172.16.0.1, length 156"),
        "QM2: {ix_log}"
    );
}
