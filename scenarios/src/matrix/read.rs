//! A shard's `matrix.csv` read back for `ikelab matrix merge`, as a hostile file: a regular file
//! of bounded size, read a record at a time, the header and every field checked, and each row
//! held against the cell the shard's `matrix.json` says belongs there. An error names the file,
//! the line and the field.

use std::path::{Path, PathBuf};

use ikelab_sim::Limit;
use ikelab_sim::files::{self, FileError};

use super::grid::Cell;
use super::id::CellId;
use super::row::{Row, Status};
use super::table::{CSV_COLUMNS, DOWN, FAILED, IKE_ONLY, NOT_EXPRESSIBLE, UP, column};

/// The largest `matrix.csv` read (the default grid's is some 60 KiB).
pub const LIMIT: Limit = Limit {
    bytes: 16 << 20,
    what: "matrix tables",
};

/// Why a `matrix.csv` was refused.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Missing, not a regular file, too large.
    #[error(transparent)]
    File(#[from] FileError),
    /// Not CSV (or not UTF-8), or larger than read.
    #[error("{}:{line}: {why}", path.display())]
    Csv {
        /// The file.
        path: PathBuf,
        /// The line.
        line: u64,
        /// What the CSV reader said.
        why: String,
    },
    /// A header that is not the matrix's.
    #[error("{}:1: column {column} is {found:?}, expected {expected:?} (the columns are: {all})", path.display(), all = CSV_COLUMNS.join(", "))]
    Header {
        /// The file.
        path: PathBuf,
        /// 1-based column.
        column: usize,
        /// What it holds (empty if missing).
        found: String,
        /// What it should hold (empty if there is one too many).
        expected: String,
    },
    /// A row with another number of fields.
    #[error("{}:{line}: {found} fields, expected {}", path.display(), CSV_COLUMNS.len())]
    Width {
        /// The file.
        path: PathBuf,
        /// The line.
        line: u64,
        /// How many it has.
        found: usize,
    },
    /// A field that is not what the shard's cell or the matrix writes.
    #[error("{}:{line}: field {field:?}: {why}", path.display())]
    Field {
        /// The file.
        path: PathBuf,
        /// The line.
        line: u64,
        /// The column's name.
        field: &'static str,
        /// What is wrong.
        why: String,
    },
    /// More rows than the shard has cells.
    #[error("{}:{line}: a row beyond the shard's {cells} cell(s)", path.display())]
    TooManyRows {
        /// The file.
        path: PathBuf,
        /// The line.
        line: u64,
        /// How many cells the shard has.
        cells: usize,
    },
    /// Fewer rows than the shard has cells.
    #[error("{}: {} of the shard's cells have no row: {}", path.display(), missing.len(), super::id::list(missing))]
    TooFewRows {
        /// The file.
        path: PathBuf,
        /// The cells without a row.
        missing: Vec<CellId>,
    },
}

/// Reads the `matrix.csv` at `path` of a shard whose cells are `cells` (in the grid's order).
pub fn rows(path: &Path, cells: &[&Cell]) -> Result<Vec<Row>, ReadError> {
    let file = files::open(path, LIMIT)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(file);
    let csv_error = |e: csv::Error, line: u64| ReadError::Csv {
        path: path.to_path_buf(),
        line: e.position().map_or(line, csv::Position::line),
        why: match e.kind() {
            csv::ErrorKind::Io(io) => io.to_string(),
            csv::ErrorKind::Utf8 { err, .. } => format!("not UTF-8 text: {err}"),
            _ => e.to_string(),
        },
    };
    let mut record = csv::StringRecord::new();
    let mut out = Vec::with_capacity(cells.len());
    let mut header = true;
    let mut last_line = 1;
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(e, last_line)),
        }
        let line = record.position().map_or(last_line, csv::Position::line);
        last_line = line;
        if header {
            check_header(path, &record)?;
            header = false;
            continue;
        }
        let Some(cell) = cells.get(out.len()) else {
            return Err(ReadError::TooManyRows {
                path: path.to_path_buf(),
                line,
                cells: cells.len(),
            });
        };
        out.push(row(path, line, &record, cell)?);
    }
    if header {
        return Err(ReadError::Header {
            path: path.to_path_buf(),
            column: 1,
            found: String::new(),
            expected: CSV_COLUMNS[0].to_string(),
        });
    }
    if out.len() < cells.len() {
        return Err(ReadError::TooFewRows {
            path: path.to_path_buf(),
            missing: cells[out.len()..].iter().map(|c| c.id()).collect(),
        });
    }
    Ok(out)
}

fn check_header(path: &Path, record: &csv::StringRecord) -> Result<(), ReadError> {
    let width = record.len().max(CSV_COLUMNS.len());
    for i in 0..width {
        let (found, expected) = (record.get(i), CSV_COLUMNS.get(i).copied());
        if found != expected {
            return Err(ReadError::Header {
                path: path.to_path_buf(),
                column: i + 1,
                found: found.unwrap_or_default().to_string(),
                expected: expected.unwrap_or_default().to_string(),
            });
        }
    }
    Ok(())
}

/// The row of `record` at `line`, which must be `cell`'s.
fn row(path: &Path, line: u64, record: &csv::StringRecord, cell: &Cell) -> Result<Row, ReadError> {
    let bad = |field: &'static str, why: String| ReadError::Field {
        path: path.to_path_buf(),
        line,
        field,
        why,
    };
    if record.len() != CSV_COLUMNS.len() {
        return Err(ReadError::Width {
            path: path.to_path_buf(),
            line,
            found: record.len(),
        });
    }
    let f: Vec<&str> = record.iter().collect();
    for (name, value) in CSV_COLUMNS.iter().zip(&f) {
        if let Some(c) = value.chars().find(|c| c.is_control() && *c != '\t') {
            return Err(bad(name, format!("holds the control character {c:?}")));
        }
    }
    let id = cell.id();
    let expected = [
        (column::CELL, id.as_str()),
        (column::INITIATOR, cell.initiator.as_str()),
        (column::RESPONDER, cell.responder.as_str()),
        (column::KNOB, cell.variant.knob.name()),
        (column::VARIANT, cell.variant.name.as_str()),
    ]
    .map(|(c, want)| (CSV_COLUMNS[c], f[c], want));
    for (field, found, want) in expected {
        if found != want {
            return Err(bad(
                field,
                format!(
                    "{found:?}, but the shard's matrix.json puts the cell {id} here ({want:?})"
                ),
            ));
        }
    }
    let status = status(f[column::PHASE1], f[column::PHASE2], f[column::PING])
        .map_err(|(field, why)| bad(field, why))?;
    Ok(Row {
        id,
        initiator: cell.initiator.clone(),
        responder: cell.responder.clone(),
        knob: cell.variant.knob,
        variant: cell.variant.name.clone(),
        status,
        initiator_line: f[column::INITIATOR_LINE].to_string(),
        responder_line: f[column::RESPONDER_LINE].to_string(),
        diagnosis: f[column::DIAGNOSIS].to_string(),
    })
}

/// The status of the phase 1, phase 2 and ping columns, or the column that is wrong and why.
fn status(p1: &str, p2: &str, ping: &str) -> Result<Status, (&'static str, String)> {
    for word in [NOT_EXPRESSIBLE, FAILED] {
        if [p1, p2, ping].contains(&word) {
            if [p1, p2, ping] != [word; 3] {
                return Err((
                    "phase 1",
                    format!("{word:?} in one of phase 1, phase 2 and ping but not in all three"),
                ));
            }
            return Ok(if word == NOT_EXPRESSIBLE {
                Status::NotExpressible
            } else {
                Status::Failed
            });
        }
    }
    let phase = |field: &'static str, v: &str| match v {
        UP => Ok(true),
        DOWN => Ok(false),
        _ => Err((
            field,
            format!("{v:?}, expected {UP}, {DOWN}, {NOT_EXPRESSIBLE} or {FAILED}"),
        )),
    };
    let (phase1, phase2) = (phase("phase 1", p1)?, phase("phase 2", p2)?);
    let count = |t: &str| {
        (!t.is_empty() && t.len() <= 10 && t.bytes().all(|b| b.is_ascii_digit()))
            .then(|| t.parse::<u32>().ok())
            .flatten()
    };
    let bad_ping = || {
        (
            "ping",
            format!("{ping:?}, expected ANSWERED/SENT (9/10) or {IKE_ONLY:?}"),
        )
    };
    let (a, s) = if ping == IKE_ONLY {
        ("0", "0")
    } else {
        ping.split_once('/').ok_or_else(bad_ping)?
    };
    let (answered, sent) = (
        count(a).ok_or_else(bad_ping)?,
        count(s).ok_or_else(bad_ping)?,
    );
    if answered > sent {
        return Err(("ping", format!("{ping:?}: more answered than sent")));
    }
    if sent == 0 && ping != IKE_ONLY {
        // What the table writes for a cell that sent nothing.
        return Err(bad_ping());
    }
    Ok(Status::Ran {
        phase1,
        phase2,
        answered,
        sent,
    })
}

#[cfg(test)]
mod tests {
    use super::status;
    use crate::matrix::row::Status;
    use crate::matrix::table::status_fields;

    #[test]
    fn every_status_reads_back_as_written() {
        let all = [
            Status::NotExpressible,
            Status::Failed,
            Status::Ran {
                phase1: true,
                phase2: true,
                answered: 9,
                sent: 10,
            },
            Status::Ran {
                phase1: false,
                phase2: false,
                answered: 0,
                sent: u32::MAX,
            },
        ];
        for s in all {
            let [a, b, c] = status_fields(s);
            assert_eq!(status(&a, &b, &c), Ok(s));
        }
        for (p1, p2, ping) in [
            ("up", "up", "+1/2"),
            ("up", "up", "3/2"),
            ("up", "maybe", "1/2"),
            ("n/a", "up", "1/2"),
            ("up", "up", "99999999999/1"),
            ("up", "up", "1"),
        ] {
            assert!(status(p1, p2, ping).is_err(), "{p1} {p2} {ping}");
        }
    }

    /// A cell whose text spans lines (a config error lists its diagnostics a line each) is
    /// written on one line, so the merge reads back what the run wrote.
    #[test]
    fn a_multi_line_text_reads_back() {
        use crate::matrix::{CellResult, Filter, cells};
        use ikelab_peers::personality::Personalities;
        let cell = cells(&Personalities::builtin(), &Filter::default())
            .into_iter()
            .next()
            .expect("a cell");
        let failed = CellResult::Failed("a.conf:1: one\nb.conf:2: two\r\u{1}".into());
        let rows = [crate::matrix::row::Row::of(&cell, &failed)];
        let dir = std::env::temp_dir().join(format!("ikelab-read-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("matrix.csv");
        std::fs::write(&path, crate::matrix::table::csv(&rows).unwrap()).unwrap();
        let read = super::rows(&path, &[&cell]);
        let _ = std::fs::remove_dir_all(&dir);
        let read = read.expect("the run's own CSV reads back");
        assert_eq!(read[0].diagnosis, "a.conf:1: one b.conf:2: two  ");
    }
}
