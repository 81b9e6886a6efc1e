//! `ikelab exercise list | start | check`: the command line of the lessons, and what each
//! prints. main.rs only hands the parsed arguments to [`run`]. Exit status: 0 pass (or done),
//! 1 fail, 2 usage or file errors.

use std::path::PathBuf;
use std::process::ExitCode;

use super::catalog;
use super::check::{self, Judged, Ran};
use super::lesson::{Lesson, LessonSource};
use super::workdir::{self, Hint, Workdir};
use crate::say;

/// A check that passed, or a command that did what it was asked.
const PASS: u8 = 0;
/// A check that failed.
const FAIL: u8 = 1;
/// Usage and file errors (a lesson that cannot be read, a folder that holds no lesson).
const USAGE: u8 = 2;

/// `ikelab exercise --help`'s closing text.
pub const AFTER_HELP: &str = "Examples:\n  \
    ikelab exercise list\n  \
    ikelab exercise start proxy-id-seil lab1\n  \
    ikelab exercise check lab1\n  \
    ikelab exercise check lab1 --hint\n  \
    ikelab exercise check lab1 --no-diagnosis\n  \
    ikelab exercise start my-lessons/aggressive-mode lab2\n\n\
    `start` writes the lesson's configs as handed out, task.md and .exercise/ (the lesson's \
    copy and the hints shown) into DIR. `check` runs the lab in-process with DIR's configs and \
    prints PASS or FAIL last; when failing, what is still wrong and the diagnosis with the \
    file:line to change (--no-diagnosis, for exams: only PASS or FAIL and the outcome).\n\n\
    Exit status: 0 pass, 1 fail, 2 usage or file errors.";

/// `ikelab exercise`'s arguments.
#[derive(clap::Args, Debug)]
pub struct ExerciseArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: ExerciseCommand,
}

/// `ikelab exercise`'s subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum ExerciseCommand {
    /// List the built-in lessons, one line each.
    List,
    /// Write a lesson's configs (as handed out, broken) and its task into DIR.
    Start {
        /// A built-in lesson (see `ikelab exercise list`), or a lesson folder of your own.
        #[arg(value_name = "LESSON")]
        lesson: String,
        /// The student's folder (created).
        dir: PathBuf,
        /// Start again in a folder that holds a started lesson or files of the names written
        /// (what they held is lost).
        #[arg(long)]
        force: bool,
    },
    /// Run the lab with DIR's configs: PASS or FAIL, and what is still wrong.
    Check {
        /// A folder `ikelab exercise start` wrote.
        dir: PathBuf,
        /// Also show the next hint (the first time hint 1, then 2, ...), when failing.
        #[arg(long)]
        hint: bool,
        /// Exam mode: only PASS or FAIL and the outcome; no diagnosis, no fix.
        #[arg(long)]
        no_diagnosis: bool,
        /// Also print each router's log, as the device prints it.
        #[arg(long)]
        logs: bool,
        /// Also write the run's capture, key files, logs and summary.json to OUT.
        #[arg(long, value_name = "OUT")]
        out: Option<PathBuf>,
    },
}

/// Runs `ikelab exercise`.
pub fn run(args: ExerciseArgs) -> ExitCode {
    let code = match args.command {
        ExerciseCommand::List => {
            for l in catalog::LESSONS {
                say!("{:<18} {}", l.name(), l.summary());
            }
            PASS
        }
        ExerciseCommand::Start { lesson, dir, force } => start(&lesson, &dir, force),
        ExerciseCommand::Check {
            dir,
            hint,
            no_diagnosis,
            logs,
            out,
        } => check(
            &dir,
            Options {
                hint,
                exam: no_diagnosis,
                logs,
                out,
            },
        ),
    };
    ExitCode::from(code)
}

fn start(name: &str, dir: &std::path::Path, force: bool) -> u8 {
    let fail = |e: &dyn std::fmt::Display| {
        eprintln!("ikelab exercise start: {e}");
        USAGE
    };
    let lesson = match LessonSource::find(name).and_then(|s| Lesson::load(&s)) {
        Ok(l) => l,
        Err(e) => return fail(&e),
    };
    let started = match workdir::start(&lesson, dir, force) {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    if let Some(p) = &started.previous {
        eprintln!(
            "ikelab exercise start: {} held the lesson {p:?}: started again (its hints count from 1 again)",
            dir.display()
        );
    }
    if !started.replaced.is_empty() {
        eprintln!(
            "ikelab exercise start: overwrote {} in {} (what they held is gone)",
            started.replaced.join(", "),
            dir.display()
        );
    }
    say!(
        "Started the lesson {} ({}) in {}.\n",
        lesson.name,
        lesson.origin,
        dir.display()
    );
    say!("{}", lesson.task.trim_end());
    say!("\nYour files:");
    let width = started
        .files
        .iter()
        .map(|f| f.display().to_string().len())
        .max()
        .unwrap_or(0);
    for f in &started.files {
        let name = f.file_name().map(|n| n.to_string_lossy().to_string());
        let what = match name {
            Some(n) if lesson.meta.locked.contains(&n) => "locked: read it, do not change it",
            Some(n) if n == super::lesson::TASK_FILE => "the task, as above",
            _ => "yours to change",
        };
        say!("  {:<width$}  {what}", f.display().to_string());
    }
    say!(
        "Check your work: ikelab exercise check {} (--hint for a hint, --logs for the routers' logs)",
        dir.display()
    );
    PASS
}

/// How `check` was asked to report.
struct Options {
    hint: bool,
    exam: bool,
    logs: bool,
    out: Option<PathBuf>,
}

fn check(dir: &std::path::Path, o: Options) -> u8 {
    let fail = |e: &dyn std::fmt::Display| {
        eprintln!("ikelab exercise check: {e}");
        USAGE
    };
    let mut w = match Workdir::open(dir) {
        Ok(w) => w,
        Err(e) => return fail(&e),
    };
    let judged = match check::check(&w, o.out.as_deref()) {
        Ok(j) => j,
        Err(e) => return fail(&e),
    };
    let passed = judged.passed();
    let code = if passed { PASS } else { FAIL };
    crate::console::settle(code);
    say!("Lesson {} ({})", w.state.lesson, dir.display());
    let last = match &judged {
        Judged::DoesNotParse(e) => {
            say!("=== your configuration does not parse ===\n{e}\n");
            "a configuration does not parse: the router would refuse it".to_string()
        }
        Judged::CannotBuild(e) => {
            say!("=== the lab cannot be built with your configuration ===\n{e}\n");
            "the lab cannot be built with your configuration".to_string()
        }
        Judged::Ran(r) => {
            report(r, &o);
            r.outcome_line.clone()
        }
    };
    if o.hint {
        hint(&mut w, passed);
    } else if !passed && !o.exam && w.state.hints_shown < w.meta.hints.len() {
        say!(
            "Stuck? `ikelab exercise check {} --hint` shows a hint ({} of {} shown so far).",
            dir.display(),
            w.state.hints_shown,
            w.meta.hints.len()
        );
    }
    if w.state.hints_shown > 0 {
        say!(
            "Hints used: {} of {}.",
            w.state.hints_shown.min(w.meta.hints.len()),
            w.meta.hints.len()
        );
    }
    say!("{}: {last}", if passed { "PASS" } else { "FAIL" });
    code
}

/// Prints a run: in exam mode only what makes it fail besides the outcome; otherwise the
/// derived lab, the outcome, what is still wrong and the diagnosis.
fn report(r: &Ran, o: &Options) {
    if o.logs {
        for (name, log) in &r.logs {
            say!("=== {name} log ===\n{}", crate::report::fold_repeats(log));
        }
    }
    if !o.exam {
        if let Some(d) = &r.derived {
            say!("{d}");
        }
        say!("=== outcome ===\n{}", r.outcome);
    }
    let mut wrong: Vec<String> = vec![];
    for c in &r.changed {
        wrong.push(format!(
            "You changed {}, which this lesson does not let you change: put it back as it was (a copy is in {}).",
            c.name,
            c.original.display()
        ));
    }
    if !o.exam {
        wrong.extend(r.unmet.iter().cloned());
    }
    if let Some(n) = r.unclean {
        wrong.push(format!(
            "The diagnosis still finds {n} problem{}; this lesson passes only when it finds none.",
            if n == 1 { "" } else { "s" }
        ));
    }
    if !wrong.is_empty() {
        say!("=== what is still wrong ===");
        for w in &wrong {
            say!("- {w}");
        }
        say!();
    }
    if o.exam {
        return;
    }
    if !r.findings.is_empty() || !r.warnings.is_empty() {
        say!("=== diagnosis ===");
        for f in &r.findings {
            say!("{}", f.text);
        }
        for w in &r.warnings {
            say!("{w}");
        }
        if !r.locked_in_fixes.is_empty() {
            say!(
                "This lesson does not let you change {}: leave the fixes offered there aside.",
                r.locked_in_fixes.join(" or ")
            );
        }
        say!();
    }
}

/// Shows the next hint and remembers it, or says there are none left.
fn hint(w: &mut Workdir, passed: bool) {
    if passed {
        say!("No hint needed: the lesson passes.");
        return;
    }
    match w.next_hint() {
        Hint::Next { n, of, text } => {
            say!("Hint {n} of {of}: {text}");
            if let Err(e) = w.save() {
                eprintln!("ikelab exercise check: could not remember the hint shown: {e}");
            }
        }
        Hint::NoMore { of } => {
            say!("No more hints: you have seen all {of} of them.");
            for (i, h) in w.hints_shown().iter().enumerate() {
                say!("  {}. {h}", i + 1);
            }
        }
    }
}
