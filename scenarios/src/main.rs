//! The `ikelab` command-line tool.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use ikelab::expect::Expect;
use ikelab::report::RunInfo;
use ikelab::say;
use ikelab::scenario::{self, catalog};
use ikelab_peers::personality::{Parsed, Personalities, Personality};

/// ikelab: an IKEv1/ESP interop lab with simulated SEIL and NEC IX routers.
#[derive(Parser)]
#[command(name = "ikelab", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List the built-in scenarios.
    List,
    /// Run a scenario in-process (virtual time, no root) and write its artefacts.
    #[command(after_help = "Examples:\n  \
        ikelab run proxy-id-mismatch\n  \
        ikelab run proxy-id-fixed --out /tmp/fixed --seed 7\n  \
        ikelab run my-lab/scenario.toml\n  \
        ikelab run --seil my-seil.conf --ix my-ix.conf --expect phase2=up,pings=all\n\n\
        Writes capture.pcapng, links/<link>.pcap, keys/ (Wireshark key files), <router>.log, \
        lab.log and summary.json to --out (default out/<scenario>), then prints the logs, the \
        outcome, the diagnosis and, last, the verdict. A lab without hosts gets one on each \
        router's LAN and pings between the LANs (printed as the derived topology).\n\n\
        Exit status: 0 when the expectations are met (or there are none), 1 when not, 2 for \
        usage, config or scenario errors, 130 when interrupted.")]
    Run(RunArgs),
    /// Run one simulated SEIL, IX, RTX or IOS router on interfaces of an existing network
    /// namespace, beside a real IKE peer (root needed). Stops on Ctrl-C or SIGTERM, sending
    /// Deletes.
    #[command(after_help = "Examples:\n  \
        ikelab peer --vendor seil --config seil.conf --netns lab-a --iface lan1=wan0\n  \
        ikelab peer --vendor ix --config ix.conf --netns lab-b --iface FastEthernet0/0.0=wan0 \
        --iface FastEthernet1/0.0=lan0 --out /tmp/ix\n  \
        ikelab peer --vendor rtx --config rtx.conf --netns lab-b --iface lan2=wan0\n  \
        ikelab peer --vendor ios --config ios.conf --netns lab-b --iface FastEthernet0/0=wan0\n\n\
        NAME is the interface as the vendor config names it, IF the Linux interface in NS. The \
        vendor log goes to stdout as it happens; --out DIR also gets <vendor>.log, keys/ \
        (Wireshark key files), links/<NAME>.pcap and summary.json. If IF carries the router's \
        address in the kernel, UDP 500/4500 and raw ESP/IP-in-IP sockets are held and \
        net.ipv4.icmp_echo_ignore_all / ip_forward adjusted (restored at exit) so the kernel \
        stays quiet; interfaces without kernel addresses need none of that.")]
    Peer {
        /// `seil`, `ix`, `rtx` or `ios`.
        #[arg(long)]
        vendor: String,
        /// The vendor config file.
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
        /// The network namespace that holds the interfaces.
        #[arg(long, value_name = "NS")]
        netns: String,
        /// A vendor interface and the Linux interface it runs on (repeatable).
        #[arg(long = "iface", value_name = "NAME=IF", required = true)]
        ifaces: Vec<String>,
        /// Folder for the log, key files and captures.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Parse a SEIL, IX or RTX config and print what it means, or its errors.
    #[command(
        after_help = "Examples:\n  ikelab check-config --vendor seil seil.conf\n  ikelab check-config --vendor ix ix.conf\n  ikelab check-config --vendor rtx rtx.conf\n  ikelab check-config --vendor ios ios.conf"
    )]
    CheckConfig {
        /// `seil`, `ix`, `rtx` (also `yamaha`, `rtx1210`, `rtx830`) or `ios` (also `cisco`, `cisco-ios`).
        #[arg(long)]
        vendor: String,
        /// The config file.
        file: PathBuf,
    },
    /// Run your own .feature files with the built-in step library (cucumber inside).
    #[command(after_help = "Examples:\n  \
        ikelab test my-tunnels/\n  \
        ikelab test hq-branch.feature --junit junit.xml\n  \
        ikelab test features/ --tags '@smoke and not @netns' --shard 2/4\n  \
        ikelab test --steps\n\n\
        Config paths in steps are relative to the feature file. Exit status: 0 when every \
        scenario passed, 1 when any failed, 2 for usage or file errors.")]
    Test {
        /// Feature files, or folders searched for *.feature files.
        #[arg(required_unless_present = "steps")]
        paths: Vec<PathBuf>,
        /// Also write a JUnit XML report to FILE.
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
        /// Only the scenarios this tag expression selects (`@smoke and not @slow`).
        #[arg(long, value_name = "EXPR")]
        tags: Option<String>,
        /// Only the K-th of N deterministic slices of the scenarios (for parallel CI jobs).
        #[arg(long, value_name = "K/N")]
        shard: Option<ikelab::steps::Shard>,
        /// List every step with what it does, and exit.
        #[arg(long, conflicts_with_all = ["paths", "junit", "tags", "shard"])]
        steps: bool,
    },
    /// Decode IKEv1 and ESP in a pcap/pcapng capture, decrypting with Wireshark key files.
    #[command(after_help = "Examples:\n  \
        ikelab decode capture.pcap\n  \
        ikelab decode out/proxy-id-fixed/capture.pcapng --keys out/proxy-id-fixed/keys\n  \
        ikelab decode capture.pcapng --keys keys/ --json | jq .\n\n\
        KEYS is a folder with Wireshark's 'ikev1_decryption_table' and/or 'esp_sa' files \
        (the format strongSwan's save-keys plugin writes). Records are printed as they are \
        read, whatever the capture's size.\n\n\
        Exit status: 0 when every record was read; 2, as tshark's, when the capture or a key \
        file cannot be read, or when the capture stops early (cut short in the middle of a \
        packet, or a damaged record): every frame before it is printed, and the error says \
        where it stopped.")]
    Decode {
        /// The capture (pcap or pcapng; Ethernet, raw IP or Linux cooked).
        capture: PathBuf,
        /// Folder holding ikev1_decryption_table and/or esp_sa.
        #[arg(long, value_name = "DIR")]
        keys: Option<PathBuf>,
        /// One JSON object per message instead of text blocks.
        #[arg(long)]
        json: bool,
        /// The largest capture read, in bytes or with a K, M or G suffix (powers of 1024).
        #[arg(long, value_name = "SIZE", default_value = "16G", value_parser = parse_size)]
        max_size: u64,
    },
    /// Write `report.html` into a run's folder: the exchange as a ladder diagram, every message
    /// decrypted, the vendor logs on one clock, the configs side by side and the diagnosis.
    #[command(after_help = "Examples:\n  \
        ikelab run proxy-id-mismatch --out /tmp/lab && ikelab report /tmp/lab\n  \
        ikelab report /tmp/lab --no-diagnosis\n\n\
        DIR is a folder `ikelab run` (or `ikelab peer`) wrote. The page needs no network: \
        styles and the diagram are inside it. Exit status: 0 written, 2 when the folder is not \
        a run's.")]
    Report {
        /// The run's folder.
        dir: PathBuf,
        /// Exam mode: no diagnosis, no fix lines, no cause in the summary.
        #[arg(long)]
        no_diagnosis: bool,
    },
    /// Lessons on why phase 2 (and the rest) fails, each with a pass/fail check.
    #[command(after_help = ikelab::exercise::cli::AFTER_HELP)]
    Exercise(ikelab::exercise::cli::ExerciseArgs),
    /// Which pairings of devices come up across a grid of knobs, and why not.
    #[command(after_help = ikelab::matrix::cli::AFTER_HELP)]
    Matrix(ikelab::matrix::cli::MatrixArgs),
}

fn main() -> ExitCode {
    // IKELAB_TRACE=info mirrors every router's vendor log (and more, at debug) on stderr.
    if let Ok(filter) = tracing_subscriber::EnvFilter::try_from_env("IKELAB_TRACE") {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init();
    }
    match Cli::parse().command {
        Command::List => {
            for b in catalog::CATALOG {
                say!("{:<22} {}", b.name, b.description());
            }
            ExitCode::SUCCESS
        }
        Command::Run(args) => run(args),
        Command::Peer {
            vendor,
            config,
            netns,
            ifaces,
            out,
        } => peer(&vendor, &config, netns, &ifaces, out),
        Command::CheckConfig { vendor, file } => check_config(&vendor, &file),
        Command::Test {
            paths,
            junit,
            tags,
            shard,
            steps,
        } => test(paths, junit, tags, shard, steps),
        Command::Exercise(args) => ikelab::exercise::cli::run(args),
        Command::Matrix(args) => ikelab::matrix::cli::run(args),
        Command::Report { dir, no_diagnosis } => {
            let opts = ikelab::html::PageOptions { no_diagnosis };
            match ikelab::html::write(&dir, opts) {
                Ok(path) => {
                    say!("{}", path.display());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("ikelab report: {e}");
                    ExitCode::from(USAGE)
                }
            }
        }
        Command::Decode {
            capture,
            keys,
            json,
            max_size,
        } => {
            // Records are printed as they are read; a reader that goes away ends the program
            // quietly (status 0, see `console`).
            let limit = ikelab_sim::Limit::capture(max_size);
            let printed = ikelab::decode::decode_stream(&capture, keys.as_deref(), limit, |r| {
                if json {
                    say!("{}", serde_json::to_string(&r).expect("records serialise"));
                } else {
                    say!("{}", r.to_text());
                }
            });
            match printed {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("ikelab decode: {e}");
                    ExitCode::from(DECODE_FAILED)
                }
            }
        }
    }
}

/// `ikelab decode`'s status when the capture could not be read to its end: tshark's.
const DECODE_FAILED: u8 = 2;

/// Why a `--max-size` value is refused.
#[derive(Debug, thiserror::Error)]
enum SizeError {
    /// Not a number with an optional K, M or G.
    #[error("{0:?} is not a size (e.g. 500M, 16G, 1048576)")]
    NotASize(String),
    /// More than 2^64 - 1 bytes.
    #[error("{0:?} is too large")]
    TooLarge(String),
}

/// Reads a size: bytes, or a number with K, M or G (powers of 1024).
fn parse_size(s: &str) -> Result<u64, SizeError> {
    let t = s.trim();
    let (num, shift) = match t.char_indices().last() {
        Some((i, 'K' | 'k')) => (&t[..i], 10),
        Some((i, 'M' | 'm')) => (&t[..i], 20),
        Some((i, 'G' | 'g')) => (&t[..i], 30),
        _ => (t, 0),
    };
    let n: u64 = num
        .parse()
        .map_err(|_| SizeError::NotASize(s.to_string()))?;
    n.checked_mul(1 << shift)
        .ok_or_else(|| SizeError::TooLarge(s.to_string()))
}

fn load(
    name: &Option<String>,
    seil: &Option<PathBuf>,
    ix: &Option<PathBuf>,
) -> Result<scenario::Loaded, scenario::LoadError> {
    match (name, seil, ix) {
        (_, Some(s), Some(i)) => scenario::load_pair(s, i),
        (Some(n), _, _) => scenario::load_named(n),
        _ => unreachable!("clap requires a scenario or both configs"),
    }
}

/// Usage, config and scenario errors.
const USAGE: u8 = 2;
/// A run stopped by Ctrl-C or SIGTERM.
const INTERRUPTED: u8 = 130;

fn run_netns(loaded: &scenario::Loaded, args: &RunArgs, dir: &Path, over: Expect) -> ExitCode {
    use ikelab::netns;
    let stop = ikelab_sim::netns::stop_on_signals();
    eprintln!(
        "Running {} in network namespaces for {} s (Ctrl-C ends it early)...",
        loaded.scenario.name,
        loaded.scenario.duration.as_secs()
    );
    let opts = netns::NetnsOptions {
        seed: args.seed,
        duration: None,
    };
    let run = match netns::run_scenario(loaded, &opts, stop) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("ikelab run: {e}");
            return ExitCode::from(USAGE);
        }
    };
    if run.interrupted {
        eprintln!("Interrupted: stopped early.");
    }
    let info = RunInfo::of(loaded, args.seed, &run.result, over);
    let written = netns::write(&run, &info, dir);
    report(
        loaded,
        &run.result,
        &info,
        args,
        dir,
        written,
        run.interrupted,
    )
}

/// After its artefacts are written, prints a run's derived topology (if any), logs (unless
/// `quiet`), outcome, diagnosis, where its artefacts went and, last, the verdict; gives the
/// exit code (0 met, 1 not met, 2 artefacts not written, 130
/// interrupted).
fn report(
    loaded: &scenario::Loaded,
    result: &ikelab::report::RunResult,
    info: &RunInfo,
    args: &RunArgs,
    dir: &Path,
    written: Result<ikelab::report::Artefacts, ikelab_sim::SimError>,
    interrupted: bool,
) -> ExitCode {
    let code = match (&written, interrupted, info.verdict.met()) {
        (Err(_), _, _) => USAGE,
        (Ok(_), true, _) => INTERRUPTED,
        (Ok(_), false, true) => 0,
        (Ok(_), false, false) => 1,
    };
    ikelab::console::settle(code);
    if let Some(d) = &loaded.derived {
        say!("{d}");
    }
    if !args.quiet {
        let logs = ikelab::report::logs(result, Some(ikelab::report::CONSOLE_LOG_LINES));
        match logs {
            Ok(logs) => {
                for (name, log) in logs {
                    let folded = ikelab::report::fold_repeats(&log);
                    say!("=== {name} log ===\n{folded}");
                }
            }
            Err(e) => eprintln!("ikelab run: reading the vendor logs back: {e}"),
        }
    }
    say!("=== outcome ===\n{}", ikelab::report::outcome(result));
    let diag = if args.no_diagnosis {
        vec![]
    } else {
        ikelab::diagnose::diagnosis(result)
    };
    if !diag.is_empty() {
        say!("=== diagnosis ===");
        for d in diag {
            say!("{d}");
        }
        say!();
    }
    match written {
        Ok(a) => {
            say!(
                "Artefacts in {}\n{}",
                a.dir.display(),
                ikelab::report::wireshark_hint(&a)
            );
            if args.report {
                let opts = ikelab::html::PageOptions {
                    no_diagnosis: args.no_diagnosis,
                };
                match ikelab::html::write(dir, opts) {
                    Ok(p) => say!("Report: {}", p.display()),
                    Err(e) => eprintln!("ikelab run: the report: {e}"),
                }
            }
        }
        Err(e) => eprintln!("ikelab run: writing {}: {e}", dir.display()),
    }
    say!("{}", info.verdict);
    ExitCode::from(code)
}

fn peer(
    vendor: &str,
    config: &std::path::Path,
    ns: String,
    ifaces: &[String],
    out: Option<PathBuf>,
) -> ExitCode {
    use ikelab::netns::{self, PeerOptions, PeerOutput};
    use std::io::Write as _;
    let mut pairs = vec![];
    for i in ifaces {
        match i.split_once('=') {
            Some((n, f)) if !n.is_empty() && !f.is_empty() => {
                pairs.push((n.to_string(), f.to_string()))
            }
            _ => {
                eprintln!(
                    "ikelab peer: --iface {i:?} is not NAME=IF (e.g. lan1=wan0, FastEthernet0/0.0=eth0)"
                );
                return ExitCode::FAILURE;
            }
        }
    }
    let (personality, parsed) = match parse_file("ikelab peer", vendor, config) {
        Ok(p) => p,
        Err(code) => return code,
    };
    for w in ikelab::lint::warnings(&parsed.router) {
        eprintln!("{w}");
    }
    let stop = ikelab_sim::netns::stop_on_signals();
    let opts = PeerOptions {
        personality,
        config: parsed.router,
        log: parsed.log,
        netns: ns,
        ifaces: pairs,
        seed: None,
        out: out.clone(),
    };
    let result = netns::peer(opts, stop, |o| match o {
        PeerOutput::Log(l) => {
            let mut so = std::io::stdout().lock();
            let _ = writeln!(so, "{l}");
            let _ = so.flush();
        }
        PeerOutput::Notice(n) => eprintln!("ikelab peer: {n}"),
        PeerOutput::Ready => eprintln!("ikelab peer: running (Ctrl-C or SIGTERM stops it)"),
    });
    let run = match result {
        Ok(r) => r,
        Err(e) => {
            eprintln!("ikelab peer: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(dir) = out {
        if let Err(e) = run.write(&dir) {
            eprintln!("ikelab peer: writing {}: {e}", dir.display());
            return ExitCode::FAILURE;
        }
        eprintln!("ikelab peer: log, keys and captures in {}", dir.display());
    }
    ExitCode::SUCCESS
}

/// What `ikelab run` was asked to run, and how.
#[derive(clap::Args)]
struct RunArgs {
    /// A built-in scenario name (see `ikelab list`) or a scenario file or folder.
    #[arg(value_name = "SCENARIO", required_unless_present_all = ["seil", "ix"])]
    name: Option<String>,
    /// Artefact folder.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Seed for every random choice (default: the scenario's).
    #[arg(long)]
    seed: Option<u64>,
    /// Run a SEIL with this config against an IX (with --ix); hosts and pings come from
    /// the configs.
    #[arg(long, value_name = "FILE", requires = "ix", conflicts_with = "name")]
    seil: Option<PathBuf>,
    /// Run an IX with this config against a SEIL (with --seil).
    #[arg(long, value_name = "FILE", requires = "seil")]
    ix: Option<PathBuf>,
    /// Print only the outcome, not the router logs.
    #[arg(long)]
    quiet: bool,
    /// Which frames the capture keeps: all, ike (UDP 500 and non-ESP 4500 only) or none.
    #[arg(long, value_enum, default_value = "all")]
    capture: CaptureArg,
    /// Keep at most N bytes of each captured frame (its wire length is still recorded).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(64..=262_144))]
    snaplen: Option<u32>,
    /// Also write report.html (as `ikelab report DIR` does).
    #[arg(long)]
    report: bool,
    /// Exam mode: print no diagnosis (and leave it out of report.html).
    #[arg(long)]
    no_diagnosis: bool,
    /// Build the lab as Linux network namespaces and run it in real time (root needed):
    /// the same routers on veth pairs and a bridge, real hosts and the real ping.
    #[arg(long)]
    netns: bool,
    /// What the run must show, over the scenario's [expect] table: phase1=up|down,
    /// phase2=up|down, pings=all|none|some (comma-separated).
    #[arg(long, value_name = "KEY=VALUE,...")]
    expect: Option<String>,
}

/// `--capture`: which frames a run's capture keeps.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum CaptureArg {
    /// Every frame.
    All,
    /// IKE only.
    Ike,
    /// Nothing.
    None,
}

impl RunArgs {
    /// The capture filter `--capture` and `--snaplen` ask for.
    fn capture_filter(&self) -> ikelab_sim::CaptureFilter {
        ikelab_sim::CaptureFilter {
            what: match self.capture {
                CaptureArg::All => ikelab_sim::CaptureWhat::All,
                CaptureArg::Ike => ikelab_sim::CaptureWhat::Ike,
                CaptureArg::None => ikelab_sim::CaptureWhat::None,
            },
            snaplen: self.snaplen.map(|n| n as usize),
        }
    }
}

fn run(args: RunArgs) -> ExitCode {
    let over = match args.expect.as_deref().map(Expect::parse_cli).transpose() {
        Ok(e) => e.unwrap_or_default(),
        Err(e) => {
            eprintln!("ikelab run: {e}");
            return ExitCode::from(USAGE);
        }
    };
    let loaded = match load(&args.name, &args.seil, &args.ix) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("ikelab run: {e}");
            return ExitCode::from(USAGE);
        }
    };
    let reconfigs = loaded.reconfigs.iter().map(|(_, r)| r);
    for r in loaded.routers.iter().chain(reconfigs) {
        for w in ikelab::lint::warnings(&r.parsed.router) {
            eprintln!("{w}");
        }
    }
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("out").join(&loaded.scenario.name));
    if args.netns {
        if args.capture_filter() != ikelab_sim::CaptureFilter::default() {
            eprintln!("ikelab run: --capture and --snaplen apply to in-process runs only");
        }
        return run_netns(&loaded, &args, &dir, over);
    }
    let mut built = match scenario::build(&loaded, args.seed) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("ikelab run: {e}");
            return ExitCode::from(USAGE);
        }
    };
    built.lab.set_capture_filter(args.capture_filter());
    // The capture and the run log go to their files as the run goes.
    if let Err(e) = ikelab::report::stream(&mut built, &dir) {
        // As any artefact that cannot be written: exit 2, nothing run.
        eprintln!("ikelab run: writing {}: {e}", dir.display());
        return ExitCode::from(USAGE);
    }
    built.lab.run();
    let streamed = ikelab::report::finish(&mut built);
    let result = built.result();
    let info = RunInfo::of(&loaded, args.seed, &result, over);
    let written = streamed.and_then(|()| ikelab::report::write(&built, &info, &dir));
    report(&loaded, &result, &info, &args, &dir, written, false)
}

/// Reads `file` and parses it as a config of the personality named `vendor`; on failure says
/// why (as `cmd`) and gives the exit code.
fn parse_file(
    cmd: &str,
    vendor: &str,
    file: &std::path::Path,
) -> Result<(Arc<dyn Personality>, Parsed), ExitCode> {
    let table = Personalities::builtin();
    let Some(personality) = table.get(vendor) else {
        eprintln!(
            "{cmd}: unknown vendor {vendor:?} (expected {})",
            table.expected(false)
        );
        return Err(ExitCode::FAILURE);
    };
    // A key keeps exactly the bytes written: a file that is not UTF-8 is refused, not mended.
    let text = match ikelab_sim::files::read_text(file, ikelab_sim::Limit::CONFIG) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{cmd}: {e}");
            return Err(ExitCode::FAILURE);
        }
    };
    match personality.parse(&file.display().to_string(), &text) {
        Ok(parsed) => Ok((personality, parsed)),
        Err(e) => {
            eprintln!("{e}");
            Err(ExitCode::FAILURE)
        }
    }
}

fn check_config(vendor: &str, file: &std::path::Path) -> ExitCode {
    match parse_file("ikelab check-config", vendor, file) {
        Ok((_, parsed)) => {
            for w in ikelab::lint::warnings(&parsed.router) {
                eprintln!("{w}");
            }
            ikelab::console::write(format_args!(
                "{}",
                ikelab::describe::describe(&parsed.router)
            ));
            ExitCode::SUCCESS
        }
        Err(code) => code,
    }
}

/// `ikelab test`: runs feature files (0 all passed, 1 any failed, 2 usage or file errors), or
/// lists the steps.
fn test(
    paths: Vec<PathBuf>,
    junit: Option<PathBuf>,
    tags: Option<String>,
    shard: Option<ikelab::steps::Shard>,
    steps: bool,
) -> ExitCode {
    use ikelab::steps;
    if steps {
        ikelab::console::write(format_args!("{}", steps::list::render()));
        return ExitCode::SUCCESS;
    }
    let usage = |e: steps::SuiteError| {
        eprintln!("ikelab test: {e}");
        ExitCode::from(2)
    };
    let tags = match tags.as_deref().map(steps::Tags::parse).transpose() {
        Ok(t) => t,
        Err(e) => return usage(e),
    };
    let suite = steps::Suite {
        paths,
        tags,
        shard,
        junit,
        ..Default::default()
    };
    match steps::run(suite) {
        Ok(v) if v.passed() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(e) => usage(e),
    }
}
