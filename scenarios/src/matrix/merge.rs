//! `ikelab matrix merge`: the output folders of `ikelab matrix --shard K/N --out DIR` runs put
//! back together as one run's, in the grid's order whatever order they are given in. Each
//! folder's `matrix.json` says which grid and which cells it holds; the grids must be one, no
//! cell may be in two folders and every cell must be in one; each `matrix.csv` must hold
//! exactly its cells ([`super::read`]); and every cell that ran must have its `report.html`.
//! All of it is checked before anything is written.

use std::path::{Path, PathBuf};

use ikelab_peers::personality::Personalities;

use super::grid::{Cell, cells};
use super::id::{CellId, list};
use super::manifest::{self, Manifest, ManifestError};
use super::output::{self, CSV, OutputError};
use super::read::{self, ReadError};
use super::row::Row;
use crate::steps::Shard;

/// Why shards could not be merged.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// A `matrix.json` was refused.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// A `matrix.csv` was refused.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// No folder was given.
    #[error("no shard folder to merge")]
    NoShards,
    /// Two shards of different grids.
    #[error("{}: field pairs/knobs: {theirs} makes another grid than {}'s {ours}", path.display(), first.display())]
    OtherGrid {
        /// The shard's manifest.
        path: PathBuf,
        /// Its filters.
        theirs: String,
        /// The first shard's manifest.
        first: PathBuf,
        /// Its filters.
        ours: String,
    },
    /// A manifest whose cell count is not its shard's (another grid: another ikelab?).
    #[error("{}: field cells: {found}, but its pairs, knobs and shard make {expected} cell(s) here (written by another version of ikelab?)", path.display())]
    CellCount {
        /// The manifest.
        path: PathBuf,
        /// What it says.
        found: usize,
        /// What its shard of the grid holds.
        expected: usize,
    },
    /// Two shards that hold the same cells.
    #[error("{} and {} overlap ({} and {}): both hold {}", first.display(), second.display(), shards.0, shards.1, list(cells))]
    Overlap {
        /// The first folder.
        first: PathBuf,
        /// The other.
        second: PathBuf,
        /// Their shards.
        shards: (Shard, Shard),
        /// The cells both hold.
        cells: Vec<CellId>,
    },
    /// Cells no shard holds.
    #[error("the shards do not cover the grid: {} of its {of} cell(s) are in none of them{}:\n  {}", cells.len(), absent_shards(absent), cells.iter().map(CellId::as_str).collect::<Vec<_>>().join("\n  "))]
    Missing {
        /// The cells.
        cells: Vec<CellId>,
        /// How many the grid has.
        of: usize,
        /// The shards no folder was given for, when all the folders are slices of one count.
        absent: Vec<Shard>,
    },
    /// A cell that ran without its report in its shard.
    #[error("{}: missing (the cell ran, so its shard's folder should hold its report)", path.display())]
    NoReport {
        /// The report's path.
        path: PathBuf,
    },
    /// The output folder is a shard's.
    #[error("{}: the output folder is one of the shards; choose another", path.display())]
    OutIsShard {
        /// The folder.
        path: PathBuf,
    },
    /// The output could not be written.
    #[error(transparent)]
    Output(#[from] OutputError),
}

/// ` (no folder holds shard 2/3)`, or nothing.
fn absent_shards(absent: &[Shard]) -> String {
    if absent.is_empty() {
        return String::new();
    }
    let names: Vec<String> = absent.iter().map(Shard::to_string).collect();
    format!(" (no folder holds shard {})", names.join(", "))
}

/// A manifest's filters in words.
fn filters(m: &Manifest) -> String {
    let pairs: Vec<String> = m.pairs.iter().map(|(a, b)| format!("{a}:{b}")).collect();
    let knobs: Vec<&str> = m.knobs.iter().map(|k| k.name()).collect();
    let or_all = |v: Vec<String>| {
        if v.is_empty() {
            "all".to_string()
        } else {
            v.join(",")
        }
    };
    format!(
        "(pairs {}, knobs {})",
        or_all(pairs),
        or_all(knobs.into_iter().map(str::to_string).collect())
    )
}

/// One shard folder, read.
struct Part {
    dir: PathBuf,
    manifest: Manifest,
    shard: Shard,
}

/// The merged rows in the grid's order, and the manifest of the whole.
#[derive(Debug)]
pub struct Merged {
    /// The rows.
    pub rows: Vec<Row>,
    /// What they cover (the grid, no shard).
    pub manifest: Manifest,
}

/// Merges the shard folders `dirs` (at least one); with `out`, writes the merged outputs there
/// and copies each cell's folder from its shard.
pub fn merge(
    dirs: &[PathBuf],
    out: Option<&Path>,
    table: &Personalities,
) -> Result<Merged, MergeError> {
    if dirs.is_empty() {
        return Err(MergeError::NoShards);
    }
    let mut parts: Vec<Part> = vec![];
    let mut grid: Vec<Cell> = vec![];
    let mut ids: Vec<CellId> = vec![];
    // Which part holds each cell of the grid.
    let mut owner: Vec<Option<usize>> = vec![];
    for dir in dirs {
        let path = dir.join(manifest::FILE);
        let m = Manifest::read(&path, table)?;
        let these = cells(table, &m.filter());
        let these_ids: Vec<CellId> = these.iter().map(Cell::id).collect();
        match parts.first() {
            None => {
                owner = vec![None; these.len()];
                (grid, ids) = (these, these_ids);
            }
            Some(first) if these_ids != ids => {
                return Err(MergeError::OtherGrid {
                    path,
                    theirs: filters(&m),
                    first: first.dir.join(manifest::FILE),
                    ours: filters(&first.manifest),
                });
            }
            Some(_) => {}
        }
        let shard = m.shard.unwrap_or(Shard { index: 1, count: 1 });
        let held: Vec<usize> = (0..grid.len()).filter(|i| shard.holds(*i)).collect();
        if held.len() != m.cells {
            return Err(MergeError::CellCount {
                path,
                found: m.cells,
                expected: held.len(),
            });
        }
        let me = parts.len();
        for &i in &held {
            if let Some(other) = owner[i] {
                let theirs = &parts[other];
                let both = held
                    .iter()
                    .filter(|&&j| owner[j] == Some(other))
                    .map(|&j| ids[j].clone())
                    .collect();
                return Err(MergeError::Overlap {
                    first: theirs.dir.clone(),
                    second: dir.clone(),
                    shards: (theirs.shard, shard),
                    cells: both,
                });
            }
            owner[i] = Some(me);
        }
        parts.push(Part {
            dir: dir.clone(),
            manifest: m,
            shard,
        });
    }
    let missing: Vec<CellId> = owner
        .iter()
        .zip(&ids)
        .filter(|(o, _)| o.is_none())
        .map(|(_, id)| id.clone())
        .collect();
    if !missing.is_empty() {
        // With every folder a slice of the same N, the slices not given.
        let count = parts[0].shard.count;
        let mut absent: Vec<Shard> = vec![];
        if parts.iter().all(|p| p.shard.count == count) {
            for (i, _) in owner.iter().enumerate().filter(|(_, o)| o.is_none()) {
                let index = u32::try_from(i % count as usize).map_or(0, |k| k + 1);
                let s = Shard { index, count };
                if !absent.contains(&s) {
                    absent.push(s);
                }
            }
        }
        return Err(MergeError::Missing {
            cells: missing,
            of: grid.len(),
            absent,
        });
    }
    let mut rows: Vec<Option<Row>> = vec![None; grid.len()];
    for (k, part) in parts.iter().enumerate() {
        let held: Vec<usize> = (0..grid.len()).filter(|&i| owner[i] == Some(k)).collect();
        let cells: Vec<&Cell> = held.iter().map(|&i| &grid[i]).collect();
        let read = read::rows(&part.dir.join(CSV), &cells)?;
        for (i, row) in held.into_iter().zip(read) {
            rows[i] = Some(row);
        }
    }
    // Every cell has exactly one owner, and each owner's rows were read whole.
    let rows: Vec<Row> = rows.into_iter().flatten().collect();
    let manifest = Manifest {
        shard: None,
        cells: rows.len(),
        ..parts[0].manifest.clone()
    };
    if let Some(out) = out {
        write(out, &parts, &owner, &rows, &manifest)?;
    }
    Ok(Merged { rows, manifest })
}

/// Writes the merge into `out`: first each cell's folder from its shard (every report checked
/// to be there before anything is written), then the tables that link to them.
fn write(
    out: &Path,
    parts: &[Part],
    owner: &[Option<usize>],
    rows: &[Row],
    manifest: &Manifest,
) -> Result<(), MergeError> {
    if let Ok(o) = out.canonicalize() {
        for p in parts {
            if p.dir.canonicalize().is_ok_and(|d| d == o) {
                return Err(MergeError::OutIsShard {
                    path: out.to_path_buf(),
                });
            }
        }
    }
    let ran: Vec<(PathBuf, &Row)> = rows
        .iter()
        .zip(owner)
        .filter(|(r, _)| r.status.ran())
        .filter_map(|(r, o)| o.map(|k| (output::cell_dir(&parts[k].dir, &r.id), r)))
        .collect();
    for (from, _) in &ran {
        let report = from.join("report.html");
        if !std::fs::symlink_metadata(&report).is_ok_and(|m| m.is_file()) {
            return Err(MergeError::NoReport { path: report });
        }
        output::check_cell(from)?;
    }
    output::prepare(out)?;
    for (from, row) in &ran {
        output::copy_cell(from, &output::cell_dir(out, &row.id))?;
    }
    output::write(out, rows, manifest)?;
    Ok(())
}
