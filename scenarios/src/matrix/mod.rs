//! `ikelab matrix`: which pairings of devices come up, and why not. Every ordered pair of the
//! personalities that write site configs (initiator, responder), across a grid of knobs
//! ([`grid`]), each cell run in-process on its own lab ([`cell`]), the cells spread over
//! worker threads, the results in the grid's order whatever the threads did ([`table`]).

pub mod cell;
pub mod cli;
pub mod grid;
pub mod table;

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

pub use cell::CellResult;
pub use grid::{Cell, Filter, Knob, cells};

/// Runs `cells` on `jobs` threads (at least one); the results in `cells`' order.
pub fn run(cells: Vec<Cell>, jobs: usize) -> Vec<(Cell, CellResult)> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<CellResult>>> = Mutex::new(vec![None; cells.len()]);
    std::thread::scope(|s| {
        for _ in 0..jobs.clamp(1, cells.len().max(1)) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(c) = cells.get(i) else { break };
                    let r = cell::run(c);
                    if let Ok(mut all) = results.lock() {
                        all[i] = Some(r);
                    }
                }
            });
        }
    });
    let results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    cells
        .into_iter()
        .zip(results)
        .map(|(c, r)| {
            let r = r.unwrap_or_else(|| CellResult::Failed("the cell's worker stopped".into()));
            (c, r)
        })
        .collect()
}
