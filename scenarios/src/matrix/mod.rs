//! `ikelab matrix`: which pairings of devices come up, and why not. Every ordered pair of the
//! personalities that write site configs (initiator, responder), across a grid of knobs
//! ([`grid`]), each cell run in-process on its own lab ([`cell`]) and named by its [`id`], the
//! cells spread over worker threads, the results in the grid's order whatever the threads did,
//! shown as [`row`]s in a [`table`] and a [`page`]; [`output`] is what `--out DIR` holds, and
//! [`merge`] puts the outputs of shards ([`manifest`], [`read`]) back together.

pub mod cell;
pub mod cli;
pub mod grid;
pub mod id;
pub mod manifest;
pub mod merge;
pub mod output;
pub mod page;
pub mod read;
pub mod real;
pub mod row;
pub mod table;

use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

pub use cell::{ArtefactError, CellResult};
pub use grid::{Cell, Device, Filter, Knob, cells};
pub use id::CellId;
pub use row::{Row, Status};

/// Runs `cells` on `jobs` threads (at least one), in memory; the results in `cells`' order.
pub fn run(cells: Vec<Cell>, jobs: usize) -> Vec<(Cell, CellResult)> {
    let results = run_all(&cells, jobs, |c| Ok(cell::run(c)));
    cells
        .into_iter()
        .zip(results)
        .map(|(c, r)| {
            let r = r.and_then(Result::ok).unwrap_or_else(stopped);
            (c, r)
        })
        .collect()
}

/// Runs `cells` on `jobs` threads, each writing its folder `dir/cells/<id>/`
/// ([`output::cell_dir`]); the results in `cells`' order, or the first folder (in that order)
/// that could not be written (no cell is started after an error).
pub fn run_into(
    cells: Vec<Cell>,
    jobs: usize,
    dir: &Path,
) -> Result<Vec<(Cell, CellResult)>, ArtefactError> {
    let results = run_all(&cells, jobs, |c| {
        cell::run_into(c, Some(&output::cell_dir(dir, &c.id())))
    });
    let mut out = Vec::with_capacity(cells.len());
    for (c, r) in cells.into_iter().zip(results) {
        let r = r.transpose()?.unwrap_or_else(stopped);
        out.push((c, r));
    }
    Ok(out)
}

/// A cell no worker finished.
fn stopped() -> CellResult {
    CellResult::Failed("the cell's worker stopped".into())
}

/// `f` on each of `cells` on `jobs` threads; `None` for a cell not run (a worker that stopped,
/// or a cell after an error).
fn run_all(
    cells: &[Cell],
    jobs: usize,
    f: impl Fn(&Cell) -> Result<CellResult, ArtefactError> + Sync,
) -> Vec<Option<Result<CellResult, ArtefactError>>> {
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let results: Mutex<Vec<Option<Result<CellResult, ArtefactError>>>> =
        Mutex::new((0..cells.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..jobs.clamp(1, cells.len().max(1)) {
            s.spawn(|| {
                while !failed.load(Ordering::Relaxed) {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(c) = cells.get(i) else { break };
                    let r = f(c);
                    if r.is_err() {
                        failed.store(true, Ordering::Relaxed);
                    }
                    if let Ok(mut all) = results.lock() {
                        all[i] = Some(r);
                    }
                }
            });
        }
    });
    results.into_inner().unwrap_or_else(|e| e.into_inner())
}
