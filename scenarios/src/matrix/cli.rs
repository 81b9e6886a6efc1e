//! `ikelab matrix` and `ikelab matrix merge`: their command lines and what they print and write.
//! main.rs only hands the parsed arguments to [`run`]. Exit status: 0 written, 2 usage or file
//! errors.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ikelab_peers::personality::Personalities;

use super::grid::{Filter, Knob, cells};
use super::manifest::Manifest;
use super::real::RealPeer;
use super::row::Row;
use super::{id, merge, output, table};
use crate::say;
use crate::steps::Shard;

/// Usage and file errors.
const USAGE: u8 = 2;

/// `ikelab matrix --help`'s closing text.
pub const AFTER_HELP: &str = "Examples:\n  \
    ikelab matrix\n  \
    ikelab matrix --pair seil:ix --knob ids --out m\n  \
    ikelab matrix --out m2 --shard 2/4\n  \
    ikelab matrix merge --out m m1 m2 m3 m4\n  \
    ikelab matrix --netns --pair seil:strongswan --pair strongswan:seil --knob ids --out m\n\n\
    Every ordered pair of devices (initiator, responder) across a grid of knobs (ids, pfs, \
    proposal, mode, nat), each cell run in-process from each device's own site config changed by \
    its own fix commands: phase 1, phase 2, a ping from the initiator's LAN, the line each side \
    logged when it decided, and the diagnosis. Prints a markdown table. --out DIR also writes \
    there matrix.md, matrix.csv (the table's columns and each cell's id), matrix.html (one \
    page: a row per initiator, a column per responder, per variant, each cell coloured by how \
    it came out and linked to its report), matrix.json (the filters and shard, for merge) and \
    cells/<id>/ for each cell that ran: what `ikelab run --report` writes (report.html, \
    summary.json, the vendor logs, capture.pcapng, keys/). Cells run on --jobs threads \
    (default: the machine's cores); --shard K/N runs every N-th cell from the K-th, for a CI \
    system's parallel jobs, and `ikelab matrix merge` puts the shards' folders back together \
    (see `ikelab matrix merge --help`).\n\n\
    --netns (root) adds the real IKE daemons installed here, strongSwan (charon) and Libreswan \
    (pluto, from $IKELAB_LIBRESWAN), as rows and columns: each of their cells runs in network \
    namespaces beside a simulated device (or the other daemon), each daemon configured for the \
    variant in its own format, and is judged by the daemon's own log. On a kernel without ESP \
    they are IKE only: phase 2 is up when Quick Mode agreed, and the ping column says IKE only. \
    Pairs with Libreswan use MODP-2048 where the grid has MODP-1024 (Debian builds it without); \
    pairs with a daemon have no nat cells.\n\n\
    Exit status: 0 written, 2 usage or file errors.";

/// `ikelab matrix merge --help`'s closing text.
pub const MERGE_AFTER_HELP: &str = "Examples:\n  \
    ikelab matrix merge --out m m1 m2 m3\n\n\
    Reads each folder's matrix.json and matrix.csv (written by `ikelab matrix --shard K/N \
    --out DIR`), in any order, and prints the whole grid's markdown table; --out DIR also \
    writes matrix.md, matrix.csv, matrix.html and matrix.json there as one unsharded run would, \
    byte for byte, and copies each cell's folder from its shard into DIR/cells/. Refused, with \
    the file and the line or field: shards of different grids (other --pair or --knob), shards \
    that hold the same cells, a grid that the shards do not cover (the missing cells are \
    named), a matrix.csv or matrix.json that is damaged, too large or not a regular file, a \
    cell that ran without its report.html. Nothing is written unless all of it checks.\n\n\
    Exit status: 0 written, 2 usage or file errors.";

/// `ikelab matrix`'s arguments.
#[derive(clap::Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct MatrixArgs {
    /// `merge`.
    #[command(subcommand)]
    pub command: Option<MatrixCommand>,
    /// Only this INITIATOR:RESPONDER pair (e.g. seil:ix); repeat for more.
    #[arg(long = "pair", value_name = "A:B")]
    pub pairs: Vec<String>,
    /// Only this knob (ids, pfs, proposal, mode, nat); repeat for more.
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
    /// Add the real IKE daemons installed here (strongSwan, Libreswan) as rows and columns,
    /// their cells run in network namespaces (root).
    #[arg(long)]
    pub netns: bool,
}

/// `ikelab matrix`'s subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum MatrixCommand {
    /// Merge the folders of `ikelab matrix --shard K/N --out DIR` runs into one run's.
    #[command(after_help = MERGE_AFTER_HELP)]
    Merge(MergeArgs),
}

/// `ikelab matrix merge`'s arguments.
#[derive(clap::Args, Debug)]
pub struct MergeArgs {
    /// Write matrix.md, matrix.csv, matrix.html, matrix.json and cells/ into this folder.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// The shards' output folders, in any order.
    #[arg(value_name = "SHARD_DIR", required = true)]
    pub shards: Vec<PathBuf>,
}

/// Says `e` as `ikelab matrix` and gives the usage exit status.
fn refused(e: impl std::fmt::Display) -> ExitCode {
    eprintln!("ikelab matrix: {e}");
    ExitCode::from(USAGE)
}

/// Runs `ikelab matrix` (or `ikelab matrix merge`).
pub fn run(args: MatrixArgs) -> ExitCode {
    if let Some(MatrixCommand::Merge(m)) = args.command {
        return run_merge(m);
    }
    let table = Personalities::builtin();
    let mut filter = Filter {
        knobs: args.knobs,
        ..Filter::default()
    };
    if args.netns {
        if !ikelab_sim::netns::is_root() {
            return refused("--netns needs root (network namespaces, AF_PACKET sockets)");
        }
        ikelab_sim::netns::sweep_stale();
        filter.real = RealPeer::installed_here();
        for r in RealPeer::ALL {
            if !filter.real.contains(&r) {
                eprintln!("ikelab matrix: {r} is not installed here: no {r} rows or columns");
            }
        }
    }
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
        real: filter.real,
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

/// Runs `ikelab matrix merge`.
fn run_merge(args: MergeArgs) -> ExitCode {
    let table = Personalities::builtin();
    match merge::merge(&args.shards, args.out.as_deref(), &table) {
        Ok(m) => {
            say!("{}", table::markdown(&m.rows));
            ExitCode::SUCCESS
        }
        Err(e) => refused(merge_error(e, args.out.as_deref())),
    }
}

/// A merge error as said: where the output was going, if it failed writing.
fn merge_error(e: merge::MergeError, out: Option<&Path>) -> String {
    match (&e, out) {
        (merge::MergeError::Output(_), Some(dir)) => {
            format!("merge: writing {}: {e}", dir.display())
        }
        _ => format!("merge: {e}"),
    }
}
