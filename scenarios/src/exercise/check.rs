//! `check`: the lesson's lab run in-process with the student's current configs, exactly as
//! `ikelab run` runs a scenario (the lesson's scenario, loaded with the student's folder as the
//! place its configs come from), then judged: the scenario's verdict ([`crate::expect`]), plus
//! what only a lesson asks (its `locked` configs unchanged, a diagnosis with nothing to say when
//! `clean_diagnosis` is set). What is still wrong is said in sentences a student can act on;
//! the diagnosis ([`crate::diagnose`]) says why, with the `file:line` to change.

use std::path::{Path, PathBuf};

use ikelab_peers::personality::ConfigErrors;
use ikelab_sim::SimError;
use ikelab_sim::files::{self, FileError, Limit};

use super::lesson::{self, LessonError};
use super::workdir::Workdir;
use crate::diagnose::{self, Finding};
use crate::expect::{Expect, Pings, Seen, Texts, UpDown, Verdict};
use crate::report::{self, RunInfo, RunResult};
use crate::scenario::{self, LoadError, Loaded, load::Source};

/// Why a check could not be made (as opposed to a check that fails).
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// A config the lesson needs is missing or not a regular file, or the lesson's scenario
    /// (the copy in `.exercise/`) is not valid.
    #[error(transparent)]
    Load(LoadError),
    /// The lesson's copy names a config the student's folder cannot hold.
    #[error(transparent)]
    Lesson(#[from] LessonError),
    /// A config, or its copy as handed out, could not be read.
    #[error(transparent)]
    File(#[from] FileError),
    /// `--out` was given and the run's artefacts could not be written there.
    #[error("writing {}: {source}", dir.display())]
    Artefacts {
        /// The folder.
        dir: PathBuf,
        /// What went wrong.
        source: SimError,
    },
}

/// A check's result.
#[derive(Debug)]
pub enum Judged {
    /// A config does not parse (the router would refuse it): a fail, with the parser's errors.
    DoesNotParse(ConfigErrors),
    /// The configs parse but make a lab that cannot be built (a host on no segment, say): a
    /// fail, with why.
    CannotBuild(LoadError),
    /// The lab ran.
    Ran(Box<Ran>),
}

impl Judged {
    /// Whether the lesson passed.
    pub fn passed(&self) -> bool {
        matches!(self, Judged::Ran(r) if r.passed())
    }
}

/// A config the student was not to change, changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Changed {
    /// Its name.
    pub name: String,
    /// Where it is kept as handed out.
    pub original: PathBuf,
}

/// What a run of the lab showed, judged for the lesson.
#[derive(Debug)]
pub struct Ran {
    /// The hosts and pings derived from the configs, when the lesson declares none.
    pub derived: Option<String>,
    /// Per router phase 1 and 2, per ping how many were answered ([`report::outcome`]).
    pub outcome: String,
    /// The same in one line.
    pub outcome_line: String,
    /// Each expectation of the lesson the run did not meet, as a sentence.
    pub unmet: Vec<String>,
    /// Locked configs the student changed.
    pub changed: Vec<Changed>,
    /// With `clean_diagnosis`: how many findings are left (none resolved later).
    pub unclean: Option<usize>,
    /// The diagnosis.
    pub findings: Vec<Finding>,
    /// Locked configs that a fix of the diagnosis changes (the fix to leave aside).
    pub locked_in_fixes: Vec<String>,
    /// What the configs' parsers and the linter warn about.
    pub warnings: Vec<String>,
    /// Each router's vendor log, as the device prints it.
    pub logs: Vec<(String, String)>,
}

impl Ran {
    /// Whether the lesson passed.
    pub fn passed(&self) -> bool {
        self.unmet.is_empty() && self.changed.is_empty() && self.unclean.is_none()
    }
}

/// Runs the lab of the lesson started in `w` with the configs in its folder; with `out`, also
/// writes the run's artefacts there as `ikelab run` does.
pub fn check(w: &Workdir, out: Option<&Path>) -> Result<Judged, CheckError> {
    let (file, text) = &w.scenario;
    let loaded = match scenario::load::load(Source::Dir(w.dir.clone()), file, text) {
        Ok(l) => l,
        Err(LoadError::Config(e)) => return Ok(Judged::DoesNotParse(e)),
        Err(e) => return Err(CheckError::Load(e)),
    };
    let changed = locked_changed(w, &loaded)?;
    let mut built = match scenario::build(&loaded, None) {
        Ok(b) => b,
        Err(e) => return Ok(Judged::CannotBuild(e)),
    };
    let artefacts = |source| CheckError::Artefacts {
        dir: out.map(Path::to_path_buf).unwrap_or_default(),
        source,
    };
    if let Some(dir) = out {
        report::stream(&mut built, dir).map_err(artefacts)?;
    }
    built.lab.run();
    let streamed = report::finish(&mut built);
    let result = built.result();
    if let Some(dir) = out {
        let info = RunInfo::of(&loaded, None, &result, Expect::default());
        streamed
            .and_then(|()| report::write(&built, &info, dir))
            .map_err(artefacts)?;
    }
    let findings = diagnose::findings(&result);
    let left = findings.iter().filter(|f| f.resolved.is_none()).count();
    let locked_in_fixes = w
        .meta
        .locked
        .iter()
        .filter(|name| {
            let shown = w.dir.join(name).display().to_string();
            findings
                .iter()
                .flat_map(|f| &f.fixes)
                .flat_map(|x| &x.edits)
                .any(|e| e.file == shown)
        })
        .cloned()
        .collect();
    let warnings = loaded
        .routers
        .iter()
        .flat_map(|r| crate::lint::warnings(&r.parsed.router))
        .map(|d| d.to_string())
        .collect();
    Ok(Judged::Ran(Box::new(Ran {
        derived: loaded.derived.as_ref().map(ToString::to_string),
        outcome: report::outcome(&result),
        outcome_line: outcome_line(&Seen::of(&result)),
        unmet: unmet(&result, &loaded.scenario.expect),
        changed,
        unclean: (w.meta.clean_diagnosis && left > 0).then_some(left),
        findings,
        locked_in_fixes,
        warnings,
        logs: report::logs(&result, None).map_err(artefacts)?,
    })))
}

/// The locked configs whose text in the student's folder differs from the copy handed out.
fn locked_changed(w: &Workdir, loaded: &Loaded) -> Result<Vec<Changed>, CheckError> {
    let names = lesson::config_names(loaded, &w.scenario.0)?;
    let mut out = vec![];
    for name in names.iter().filter(|n| w.meta.locked.contains(n)) {
        let original = w.original_path(name);
        let was = files::read_text(&original, Limit::CONFIG)?;
        let now = files::read_text(&w.dir.join(name), Limit::CONFIG)?;
        if !lesson::same_config(&was, &now) {
            out.push(Changed {
                name: name.clone(),
                original,
            });
        }
    }
    Ok(out)
}

/// `phase 1 up on 2 of 2 routers, phase 2 up on 0 of 2 routers, 0 of 20 pings answered`.
fn outcome_line(s: &Seen) -> String {
    let ((p1, n), (p2, _), (a, sent)) = (s.phase1_routers, s.phase2_routers, s.pings);
    format!(
        "phase 1 completed on {p1} of {n} routers, phase 2 up on {p2} of {n} routers at the end, {a} of {sent} pings answered"
    )
}

/// Each expectation of `e` that `run` did not meet, as a sentence. Whether it was met is the
/// verdict's call ([`Verdict::judge`], one expectation at a time); only the words are here.
fn unmet(run: &RunResult, e: &Expect) -> Vec<String> {
    let met = |one: Expect| Verdict::judge(run, &one).met();
    let seen = Seen::of(run);
    let mut out = vec![];
    let ((p1, n), (p2, _), (a, sent)) = (seen.phase1_routers, seen.phase2_routers, seen.pings);
    if let Some(want) = e.phase1 {
        if !met(Expect {
            phase1: Some(want),
            ..Default::default()
        }) {
            out.push(match want {
                UpDown::Up => format!(
                    "Phase 1 (IKE: the routers authenticate each other and agree on keys) completed on {p1} of {n} routers; it must complete on every router."
                ),
                UpDown::Down => format!(
                    "Phase 1 completed on {p1} of {n} routers; this lesson wants it to complete on none."
                ),
            });
        }
    }
    if let Some(want) = e.phase2 {
        if !met(Expect {
            phase2: Some(want),
            ..Default::default()
        }) {
            out.push(match want {
                UpDown::Up => format!(
                    "Phase 2 (Quick Mode: the IPsec SAs that carry the LANs' traffic) is up on {p2} of {n} routers at the end of the run; it must be up on every router."
                ),
                UpDown::Down => format!(
                    "Phase 2 is up on {p2} of {n} routers at the end of the run; this lesson wants it up on none."
                ),
            });
        }
    }
    if let Some(want) = e.pings {
        if !met(Expect {
            pings: Some(want),
            ..Default::default()
        }) {
            out.push(match want {
                _ if sent == 0 => "No ping was sent: the lab found no pair of LANs to ping between (each router needs a LAN of its own).".to_string(),
                Pings::All => format!("{a} of {sent} pings were answered; every one must be."),
                Pings::None => format!("{a} of {sent} pings were answered; this lesson wants none answered."),
                Pings::Some => format!("{a} of {sent} pings were answered; this lesson wants some answered, not all."),
            });
        }
    }
    for (router, texts) in &e.log_contains {
        for t in texts.iter() {
            let one = Expect {
                log_contains: [(router.clone(), Texts::One(t.to_string()))].into(),
                ..Default::default()
            };
            if !met(one) {
                out.push(format!(
                    "The {router} log must show \"{t}\", and it does not."
                ));
            }
        }
    }
    out
}
