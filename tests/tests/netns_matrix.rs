//! `ikelab matrix --netns`: strongSwan and Libreswan as rows and columns beside the simulated
//! devices, each cell in namespaces, judged by the daemons' own logs. The expected outcomes
//! come from the sources, not from the matrix: the reference's failure table (IOS answers an
//! ID mismatch with NO-PROPOSAL-CHOSEN, never INVALID-ID-INFORMATION), RFC 2409 section 5.5
//! (no IDs means the ISAKMP endpoints), the document (the IX's 0.0.0.0/0 proposal), and what
//! strongSwan and Libreswan do with selectors that do not match (`no matching CHILD_SA config
//! found`; `cannot respond to IPsec SA request because no connection is known`, then
//! INVALID_ID_INFORMATION).

use std::path::Path;
use std::process::Command;

use ikelab::matrix::real::RealPeer;
use ikelab::matrix::row::Status;
use ikelab::matrix::{Filter, Knob, Row, cells, read};
use ikelab_peers::personality::Personalities;
use ikelab_tests::interop::{Tool, can_run, ikelab_bin, serial, workdir};

const PAIRS: [(&str, &str); 5] = [
    ("strongswan", "ios"),
    ("rtx", "strongswan"),
    ("ix", "libreswan"),
    ("strongswan", "libreswan"),
    ("seil", "libreswan"),
];

/// Runs the matrix for [`PAIRS`] with the ids, pfs and mode knobs into `out`; its rows read
/// back from `matrix.csv`.
fn run_matrix(out: &Path) -> Vec<Row> {
    let bin = ikelab_bin().expect("the ikelab binary (cargo test --workspace builds it)");
    let mut cmd = Command::new(bin);
    cmd.args(["matrix", "--netns", "--jobs", "4"]);
    for k in ["ids", "pfs", "mode"] {
        cmd.args(["--knob", k]);
    }
    for (a, b) in PAIRS {
        cmd.args(["--pair", &format!("{a}:{b}")]);
    }
    let o = cmd.arg("--out").arg(out).output().expect("ikelab runs");
    assert!(
        o.status.success(),
        "ikelab matrix --netns failed:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let table = Personalities::builtin();
    let mut filter = Filter {
        knobs: vec![Knob::Ids, Knob::Pfs, Knob::Mode],
        real: RealPeer::ALL.to_vec(),
        ..Filter::default()
    };
    for (a, b) in PAIRS {
        filter.add_pair(&table, &format!("{a}:{b}")).unwrap();
    }
    let grid = cells(&table, &filter);
    let refs: Vec<_> = grid.iter().collect();
    read::rows(&out.join("matrix.csv"), &refs).expect("matrix.csv reads back")
}

fn cell<'a>(rows: &'a [Row], i: &str, r: &str, variant: &str) -> &'a Row {
    rows.iter()
        .find(|x| x.initiator == i && x.responder == r && x.variant == variant)
        .unwrap_or_else(|| panic!("no cell {i}:{r} {variant}"))
}

fn phases(row: &Row) -> (bool, bool) {
    match row.status {
        Status::Ran {
            phase1,
            phase2,
            sent,
            ..
        } => {
            assert_eq!(sent, 0, "{}: a real daemon's cell is IKE only", row.id);
            (phase1, phase2)
        }
        other => panic!("{}: did not run: {other:?} {}", row.id, row.diagnosis),
    }
}

#[test]
fn real_daemons_as_rows_and_columns() {
    let _g = serial();
    if !can_run(
        "real_daemons_as_rows_and_columns",
        &[Tool::StrongSwan, Tool::Libreswan],
    ) {
        return;
    }
    let out = workdir("matrix", "out");
    let rows = run_matrix(&out);

    // IOS with an ACL of the two LANs, offered the gateways' host IDs (strongSwan's default):
    // NO-PROPOSAL-CHOSEN, never INVALID-ID-INFORMATION (the reference's failure table).
    let c = cell(&rows, "strongswan", "ios", "default/default");
    assert_eq!(phases(c), (true, false), "{c:?}");
    assert!(c.initiator_line.contains("NO_PROPOSAL_CHOSEN"), "{c:?}");
    assert!(!c.initiator_line.contains("INVALID_ID"), "{c:?}");
    // Its mirror: Quick Mode agrees.
    let c = cell(&rows, "strongswan", "ios", "subnet/subnet");
    assert_eq!(phases(c), (true, true), "{c:?}");
    assert!(c.diagnosis.is_empty(), "{c:?}");

    // An RTX sends no IDs (RFC 2409 5.5: they are the ISAKMP endpoints), which is what
    // strongSwan's default child (the two addresses) wants; its subnet child does not.
    assert_eq!(
        phases(cell(&rows, "rtx", "strongswan", "default/default")),
        (true, true)
    );
    let c = cell(&rows, "rtx", "strongswan", "default/subnet");
    assert_eq!(phases(c), (true, false), "{c:?}");
    assert!(
        c.responder_line
            .contains("no matching CHILD_SA config found"),
        "{c:?}"
    );
    assert!(c.diagnosis.starts_with("phase2_ids_refused"), "{c:?}");

    // The document's IX proposes 0.0.0.0/0 by default; Libreswan has no such connection and
    // answers INVALID-ID-INFORMATION, which the IX logs as the document shows (IKE.009, type 18).
    let c = cell(&rows, "ix", "libreswan", "default/default");
    assert_eq!(phases(c), (true, false), "{c:?}");
    assert!(
        c.responder_line
            .contains("no connection is known for 0.0.0.0/0"),
        "{c:?}"
    );
    assert!(
        c.initiator_line.contains("type 18:INVALID-ID-INFORMATION"),
        "{c:?}"
    );

    // strongSwan and Libreswan with each other: mirrored subnets agree, a narrower remote
    // subnet is refused with INVALID_ID_INFORMATION.
    assert_eq!(
        phases(cell(&rows, "strongswan", "libreswan", "subnet/subnet")),
        (true, true)
    );
    let c = cell(&rows, "strongswan", "libreswan", "subnet/not mirrored");
    assert_eq!(phases(c), (true, false), "{c:?}");
    assert!(
        c.initiator_line
            .contains("received INVALID_ID_INFORMATION error notify"),
        "{c:?}"
    );

    // PFS required by the responder only (`set pfs group2`): IOS refuses a proposal without it
    // (Cisco's crypto map reference: the peer must then do PFS), with NO-PROPOSAL-CHOSEN.
    let c = cell(&rows, "strongswan", "ios", "off/modp1024");
    assert_eq!(phases(c), (true, false), "{c:?}");
    assert!(c.initiator_line.contains("NO_PROPOSAL_CHOSEN"), "{c:?}");
    // Libreswan is given MODP-2048 where the grid has MODP-1024 (Debian builds it without).
    assert!(
        rows.iter()
            .any(|r| r.responder == "libreswan" && r.variant == "modp2048/modp2048")
    );

    // A racoon-style Aggressive Mode (its last message in clear, as racoon's agg_i2send sends
    // it) leaves Libreswan with another phase-2 IV than racoon's: it cannot read Quick Mode
    // (libreswan issue 2027, "An aggressive interop between racoon and libreswan fails").
    // Main Mode, where the IV comes from an encrypted message, agrees.
    let c = cell(&rows, "seil", "libreswan", "aggressive/aggressive");
    assert_eq!(phases(c), (true, false), "{c:?}");
    assert!(c.diagnosis.starts_with("phase2_unreadable"), "{c:?}");
    assert_eq!(
        phases(cell(&rows, "seil", "libreswan", "main/main")),
        (true, true)
    );
    // An exchange mode the responder has no connection for: refused in phase 1, and Libreswan
    // says why.
    let c = cell(&rows, "strongswan", "libreswan", "main/aggressive");
    assert_eq!(phases(c), (false, false), "{c:?}");
    assert!(c.diagnosis.starts_with("exchange_mode_differs"), "{c:?}");

    // Every cell that ran left its report, and each daemon's config and log.
    for r in rows.iter().filter(|r| r.status.ran()) {
        let dir = out.join("cells").join(r.id.as_str());
        assert!(
            dir.join("report.html").is_file(),
            "{}: no report.html",
            r.id
        );
        for (side, name) in [("initiator", &r.initiator), ("responder", &r.responder)] {
            let log = match name.as_str() {
                "strongswan" => Some(format!("{side}.charon.log")),
                "libreswan" => Some(format!("{side}.pluto.log")),
                _ => None,
            };
            if let Some(log) = log {
                let text = std::fs::read_to_string(dir.join(&log)).unwrap_or_default();
                assert!(!text.is_empty(), "{}: {log} is empty", r.id);
            }
        }
    }
    let _ = std::fs::remove_dir_all(&out);
}
