//! The matrix's results as a markdown table (stdout, `docs/matrix.md`) and as `matrix.csv`
//! (RFC 4180, written by the `csv` crate), one row per cell in the grid's order.

use std::fmt::Write as _;

use super::cell::CellResult;
use super::grid::Cell;

/// The columns, in order.
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

/// A cell's row, as text fields in [`COLUMNS`] order.
pub fn row(cell: &Cell, result: &CellResult) -> [String; 10] {
    let up = |b: bool| if b { "up" } else { "down" }.to_string();
    let head = [
        cell.initiator.clone(),
        cell.responder.clone(),
        cell.variant.knob.to_string(),
        cell.variant.name.to_string(),
    ];
    let rest: [String; 6] = match result {
        CellResult::Ran(o) => [
            up(o.phase1),
            up(o.phase2),
            format!("{}/{}", o.ping.1, o.ping.0),
            o.initiator_line.clone().unwrap_or_default(),
            o.responder_line.clone().unwrap_or_default(),
            o.diagnosis
                .as_ref()
                .map(|(k, t)| format!("{k}: {t}"))
                .unwrap_or_default(),
        ],
        CellResult::NotExpressible { side, change } => [
            "n/a".into(),
            "n/a".into(),
            "n/a".into(),
            String::new(),
            String::new(),
            format!("the {side} cannot write {change}"),
        ],
        CellResult::Failed(why) => [
            "error".into(),
            "error".into(),
            "error".into(),
            String::new(),
            String::new(),
            why.clone(),
        ],
    };
    let mut out: [String; 10] = Default::default();
    for (o, v) in out.iter_mut().zip(head.into_iter().chain(rest)) {
        *o = v;
    }
    out
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

/// The results as a markdown table.
pub fn markdown(rows: &[(Cell, CellResult)]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "| {} |", COLUMNS.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(COLUMNS.len()));
    for (cell, result) in rows {
        let r = row(cell, result);
        let fields: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(i, f)| md(f, i == 7 || i == 8))
            .collect();
        let _ = writeln!(out, "| {} |", fields.join(" | "));
    }
    out
}

/// The results as CSV with a header row.
pub fn csv(rows: &[(Cell, CellResult)]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(vec![]);
    w.write_record(COLUMNS)?;
    for (cell, result) in rows {
        w.write_record(row(cell, result))?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}
