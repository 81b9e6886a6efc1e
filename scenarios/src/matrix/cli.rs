//! `ikelab matrix`: its command line and what it prints and writes. main.rs only hands the
//! parsed arguments to [`run`]. Exit status: 0 written, 2 usage or file errors.

use std::path::PathBuf;
use std::process::ExitCode;

use ikelab_peers::personality::Personalities;
use ikelab_sim::files::{self, Access};

use super::grid::{Filter, Knob, cells};
use crate::say;
use crate::steps::Shard;

/// Usage and file errors.
const USAGE: u8 = 2;

/// `ikelab matrix --help`'s closing text.
pub const AFTER_HELP: &str = "Examples:\n  \
    ikelab matrix\n  \
    ikelab matrix --pair seil:ix --knob ids\n  \
    ikelab matrix --out matrix --shard 2/4\n\n\
    Every ordered pair of devices (initiator, responder) across a grid of knobs (ids, pfs, \
    proposal, mode), each cell run in-process from each device's own site config changed by \
    its own fix commands: phase 1, phase 2, a ping from the initiator's LAN, the line each side \
    logged when it decided, and the diagnosis. Prints a markdown table; --out DIR also writes \
    matrix.md and matrix.csv there. Cells run on --jobs threads (default: the machine's cores); \
    --shard K/N runs every N-th cell from the K-th, for a CI system's parallel jobs.\n\n\
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
    /// Also write matrix.md and matrix.csv into this folder.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
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
            eprintln!("ikelab matrix: {e}");
            return ExitCode::from(USAGE);
        }
    }
    let all = cells(&table, &filter);
    let chosen: Vec<_> = all
        .into_iter()
        .enumerate()
        .filter(|(i, _)| args.shard.is_none_or(|s| s.holds(*i)))
        .map(|(_, c)| c)
        .collect();
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let rows = super::run(chosen, jobs);
    let md = super::table::markdown(&rows);
    if let Some(dir) = &args.out {
        let written = super::table::csv(&rows)
            .map_err(|e| e.to_string())
            .and_then(|csv| {
                files::create_root(dir)
                    .and_then(|()| files::write(&dir.join("matrix.md"), &md, Access::Shared))
                    .and_then(|()| files::write(&dir.join("matrix.csv"), csv, Access::Shared))
                    .map_err(|e| e.to_string())
            });
        if let Err(e) = written {
            eprintln!("ikelab matrix: writing {}: {e}", dir.display());
            return ExitCode::from(USAGE);
        }
    }
    say!("{md}");
    ExitCode::SUCCESS
}
