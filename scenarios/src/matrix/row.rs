//! A cell's row: what every output of the matrix (the markdown table, `matrix.csv`,
//! `matrix.html`) shows of one cell, made from a cell's result when it runs or read back from a
//! shard's `matrix.csv` ([`super::read`]), so that merged shards print what one run prints.

use super::cell::CellResult;
use super::grid::{Cell, Knob};
use super::id::CellId;

/// How a cell came out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// It ran.
    Ran {
        /// Whether phase 1 came up.
        phase1: bool,
        /// Whether phase 2 came up.
        phase2: bool,
        /// Echo requests answered.
        answered: u32,
        /// Echo requests sent.
        sent: u32,
    },
    /// A side's device cannot write the variant's change.
    NotExpressible,
    /// The lab could not be built.
    Failed,
}

/// What a cell's colour in `matrix.html` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// Phase 2 up and at least one echo request answered.
    Up,
    /// Quick Mode agreed, no ping sent: a real daemon's cell, IKE only.
    QuickModeAgreed,
    /// Phase 2 up, no echo request answered.
    Phase2NoPing,
    /// Phase 1 up, phase 2 not.
    Phase1Only,
    /// Nothing came up.
    Nothing,
    /// Not expressible in a side's config.
    NotExpressible,
    /// The lab could not be built.
    Failed,
}

impl Status {
    /// The colour class of a cell with this status.
    pub fn class(self) -> Class {
        match self {
            Status::Ran {
                phase2: true,
                answered,
                ..
            } if answered > 0 => Class::Up,
            Status::Ran {
                phase2: true,
                sent: 0,
                ..
            } => Class::QuickModeAgreed,
            Status::Ran { phase2: true, .. } => Class::Phase2NoPing,
            Status::Ran { phase1: true, .. } => Class::Phase1Only,
            Status::Ran { .. } => Class::Nothing,
            Status::NotExpressible => Class::NotExpressible,
            Status::Failed => Class::Failed,
        }
    }

    /// Whether the cell ran (and so, with `--out`, has a folder with its report).
    pub fn ran(self) -> bool {
        matches!(self, Status::Ran { .. })
    }
}

/// One cell's row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// The cell's id (its folder under `cells/`).
    pub id: CellId,
    /// The initiator's personality name.
    pub initiator: String,
    /// The responder's personality name.
    pub responder: String,
    /// The knob.
    pub knob: Knob,
    /// The variant's name.
    pub variant: String,
    /// How it came out.
    pub status: Status,
    /// The line the initiator logged when it decided (empty if none).
    pub initiator_line: String,
    /// The same for the responder.
    pub responder_line: String,
    /// The diagnosis' first unresolved finding (`kind: text`), or why the cell did not run.
    pub diagnosis: String,
}

impl Row {
    /// `cell`'s row for `result`.
    pub fn of(cell: &Cell, result: &CellResult) -> Row {
        let (status, initiator_line, responder_line, diagnosis) = match result {
            CellResult::Ran(o) => (
                Status::Ran {
                    phase1: o.phase1,
                    phase2: o.phase2,
                    answered: o.ping.1,
                    sent: o.ping.0,
                },
                o.initiator_line.clone().unwrap_or_default(),
                o.responder_line.clone().unwrap_or_default(),
                o.diagnosis
                    .as_ref()
                    .map(|(k, t)| format!("{k}: {t}"))
                    .unwrap_or_default(),
            ),
            CellResult::NotExpressible { side, change } => (
                Status::NotExpressible,
                String::new(),
                String::new(),
                format!("the {side} cannot write {change}"),
            ),
            CellResult::Failed(why) => (Status::Failed, String::new(), String::new(), why.clone()),
        };
        // One line each: a cell's text goes into a CSV field and a markdown cell, which the
        // merge reads back (a config error's text, say, lists its diagnostics a line each).
        let [initiator_line, responder_line, diagnosis] =
            [initiator_line, responder_line, diagnosis].map(|t| one_line(&t));
        Row {
            id: cell.id(),
            initiator: cell.initiator.clone(),
            responder: cell.responder.clone(),
            knob: cell.variant.knob,
            variant: cell.variant.name.clone(),
            status,
            initiator_line,
            responder_line,
            diagnosis,
        }
    }
}

/// `text` with its line breaks and other control characters as spaces (tabs stay).
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() && c != '\t' { ' ' } else { c })
        .collect()
}
