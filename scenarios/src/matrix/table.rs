//! The matrix's rows as a markdown table (stdout, `docs/matrix.md`) and as `matrix.csv`
//! (RFC 4180, written by the `csv` crate: the markdown's columns and the cell's id), one row per
//! cell in the grid's order.

use std::fmt::Write as _;

use super::row::{Row, Status};

/// Where each column is, in [`fields`], the markdown table and `matrix.csv`.
pub mod column {
    /// The initiator's device.
    pub const INITIATOR: usize = 0;
    /// The responder's device.
    pub const RESPONDER: usize = 1;
    /// The knob.
    pub const KNOB: usize = 2;
    /// The variant.
    pub const VARIANT: usize = 3;
    /// Phase 1: up, down, n/a or error.
    pub const PHASE1: usize = 4;
    /// Phase 2.
    pub const PHASE2: usize = 5;
    /// The ping: answered/sent, or IKE only.
    pub const PING: usize = 6;
    /// The line the initiator logged when it decided.
    pub const INITIATOR_LINE: usize = 7;
    /// The same for the responder.
    pub const RESPONDER_LINE: usize = 8;
    /// The diagnosis.
    pub const DIAGNOSIS: usize = 9;
    /// The cell's id (`matrix.csv` only).
    pub const CELL: usize = 10;
}

/// The markdown table's columns, in the order of [`column`].
pub const COLUMNS: [&str; 10] = [
    "initiator",
    "responder",
    "knob",
    "variant",
    "phase 1",
    "phase 2",
    "ping",
    "initiator's line",
    "responder's line",
    "diagnosis",
];

/// `matrix.csv`'s columns: the markdown's, then the cell's id (its folder under `cells/`).
pub const CSV_COLUMNS: [&str; 11] = [
    COLUMNS[0], COLUMNS[1], COLUMNS[2], COLUMNS[3], COLUMNS[4], COLUMNS[5], COLUMNS[6], COLUMNS[7],
    COLUMNS[8], COLUMNS[9], "cell",
];

/// A phase that came up.
pub const UP: &str = "up";
/// A phase that did not.
pub const DOWN: &str = "down";
/// The phase and ping columns of a cell a side cannot write.
pub const NOT_EXPRESSIBLE: &str = "n/a";
/// The phase and ping columns of a cell whose lab could not be built.
pub const FAILED: &str = "error";
/// The ping column of a cell that sent none: a real daemon's, IKE only.
pub const IKE_ONLY: &str = "IKE only";

/// The phase 1, phase 2 and ping columns of `status` (`up`, `down`, `9/10`).
pub fn status_fields(status: Status) -> [String; 3] {
    let up = |b: bool| if b { UP } else { DOWN }.to_string();
    match status {
        Status::Ran {
            phase1,
            phase2,
            answered,
            sent,
        } => {
            let ping = if sent == 0 {
                IKE_ONLY.to_string()
            } else {
                format!("{answered}/{sent}")
            };
            [up(phase1), up(phase2), ping]
        }
        Status::NotExpressible => [NOT_EXPRESSIBLE; 3].map(str::to_string),
        Status::Failed => [FAILED; 3].map(str::to_string),
    }
}

/// A row as text fields in [`COLUMNS`] order.
pub fn fields(row: &Row) -> [String; 10] {
    let [p1, p2, ping] = status_fields(row.status);
    [
        row.initiator.clone(),
        row.responder.clone(),
        row.knob.to_string(),
        row.variant.clone(),
        p1,
        p2,
        ping,
        row.initiator_line.clone(),
        row.responder_line.clone(),
        row.diagnosis.clone(),
    ]
}

/// A markdown table cell: pipes escaped, code spans for log lines.
fn md(text: &str, code: bool) -> String {
    let t = text.replace('|', "\\|");
    if code && !t.is_empty() {
        format!("`{}`", t.replace('`', "'"))
    } else {
        t
    }
}

/// The rows as a markdown table.
pub fn markdown(rows: &[Row]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "| {} |", COLUMNS.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(COLUMNS.len()));
    for row in rows {
        let fields: Vec<String> = fields(row)
            .iter()
            .enumerate()
            .map(|(i, f)| md(f, i == 7 || i == 8))
            .collect();
        let _ = writeln!(out, "| {} |", fields.join(" | "));
    }
    out
}

/// The rows as CSV with a header row ([`CSV_COLUMNS`]).
pub fn csv(rows: &[Row]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(vec![]);
    w.write_record(CSV_COLUMNS)?;
    for row in rows {
        let [a, b, c, d, e, f, g, h, i, j] = fields(row);
        w.write_record([a, b, c, d, e, f, g, h, i, j, row.id.to_string()])?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}
