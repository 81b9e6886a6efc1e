//! `ikelab matrix`: its command line and what they print and write.
//! main.rs only hands the parsed arguments to [`run`]. Exit status: 0 written, 2 usage or file
//! errors.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ikelab_peers::personality::Personalities;

use super::grid::{Filter, Knob, cells};
use super::manifest::Manifest;
use super::row::Row;
use super::{id, output, table};
use crate::say;
use crate::steps::Shard;

/// Usage and file errors.
const USAGE: u8 = 2;

/// `ikelab matrix --help`'s closing text.
pub const AFTER_HELP: &str = "Examples:\n  \
    ikelab matrix\n  \
    ikelab matrix --pair seil:ix --knob ids --out m\n  \
    ikelab matrix --out m2 --shard 2/4\n\n\
    Every ordered pair of devices (initiator, responder) across a grid of knobs (ids, pfs, \
    proposal, mode), each cell run in-process from each device's own site config changed by \
    its own fix commands: phase 1, phase 2, a ping from the initiator's LAN, the line each side \
    logged when it decided, and the diagnosis. Prints a markdown table. --out DIR also writes \
    there matrix.md, matrix.csv (the table's columns and each cell's id), matrix.html (one \
    page: a row per initiator, a column per responder, per variant, each cell coloured by how \
    it came out and linked to its report), matrix.json (the filters and shard) and \
    cells/<id>/ for each cell that ran: what `ikelab run --report` writes (report.html, \
    summary.json, the vendor logs, capture.pcapng, keys/). Cells run on --jobs threads \
    (default: the machine's cores); --shard K/N runs every N-th cell from the K-th, for a CI \
    system's parallel jobs.\n\n\
    Exit status: 0 written, 2 usage or file errors.";

/// `ikelab matrix`'s arguments.
#[derive(clap::Args, Debug)]
pub struct MatrixArgs {
    /// Only this INITIATOR:RESPONDER pair (e.g. seil:ix); repeat for more.
    #[arg(long = "pair", value_name = "A:B")]
    pub pairs: Vec<String>,
    /// Only this knob (ids, pfs, proposal, mode); repeat for more.
    #[arg(long = "knob", value_name = "KNOB")]
    pub knobs: Vec<Knob>,
    /// Run the K-th of N slices of the cells.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<Shard>,
    /// Threads (default: the machine's cores).
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Also write matrix.md, matrix.csv, matrix.html, matrix.json and cells/<id>/ into this
    /// folder.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// Says `e` as `ikelab matrix` and gives the usage exit status.
fn refused(e: impl std::fmt::Display) -> ExitCode {
    eprintln!("ikelab matrix: {e}");
    ExitCode::from(USAGE)
}

/// Runs `ikelab matrix`.
pub fn run(args: MatrixArgs) -> ExitCode {
    let table = Personalities::builtin();
    let mut filter = Filter {
        knobs: args.knobs,
        ..Filter::default()
    };
    for p in &args.pairs {
        if let Err(e) = filter.add_pair(&table, p) {
            return refused(e);
        }
    }
    let all = cells(&table, &filter);
    if let Some(id) = id::duplicate(&all) {
        return refused(format!("two cells of the grid have the id {id}"));
    }
    let chosen: Vec<_> = all
        .into_iter()
        .enumerate()
        .filter(|(i, _)| args.shard.is_none_or(|s| s.holds(*i)))
        .map(|(_, c)| c)
        .collect();
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let manifest = Manifest {
        pairs: filter.pairs,
        knobs: filter.knobs,
        shard: args.shard,
        cells: chosen.len(),
    };
    let writing =
        |dir: &Path, e: &dyn std::fmt::Display| refused(format!("writing {}: {e}", dir.display()));
    let results = match &args.out {
        None => super::run(chosen, jobs),
        Some(dir) => {
            if let Err(e) = output::prepare(dir) {
                return writing(dir, &e);
            }
            match super::run_into(chosen, jobs, dir) {
                Ok(r) => r,
                Err(e) => return writing(dir, &e),
            }
        }
    };
    let rows: Vec<Row> = results.iter().map(|(c, r)| Row::of(c, r)).collect();
    if let Some(dir) = &args.out
        && let Err(e) = output::write(dir, &rows, &manifest)
    {
        return writing(dir, &e);
    }
    say!("{}", table::markdown(&rows));
    ExitCode::SUCCESS
}
