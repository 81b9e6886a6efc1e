//! The lesson folder, the format an instructor writes without Rust. A lesson is a scenario
//! folder (`scenario.toml` with its routers, run length, traffic and, in `[expect]`, what must
//! hold for the lesson to pass; `ikelab run FOLDER` runs it as handed out) plus what only a
//! lesson has:
//!
//! - `lesson.toml`: the graded hints, the configs the student may not change (`locked`), and
//!   whether the diagnosis must find nothing (`clean_diagnosis`);
//! - `task.md`: what the student sees and must achieve, in a few sentences;
//! - the configs the scenario names, as handed out (broken);
//! - `solution/`: the reference configs, one for each config the scenario names.
//!
//! The scenario is read by the scenario loader and nothing else, so a lesson's lab, expectations
//! and verdict mean what they mean for `ikelab run`. Loading a lesson checks all of it (the
//! scenario with the solution's configs, which must parse), so an instructor's mistake shows at
//! `start` with its file and line rather than in class.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::scenario::check::{self as names, NameError};
use crate::scenario::lines::line_at;
use crate::scenario::load::{self, LoadError, Loaded, Source};
use crate::scenario::model::Action;

use super::catalog::{self, BuiltinLesson};

/// The lesson's own settings.
pub const LESSON_FILE: &str = "lesson.toml";
/// The lab: an ordinary scenario file.
pub const SCENARIO_FILE: &str = "scenario.toml";
/// What the student reads.
pub const TASK_FILE: &str = "task.md";
/// The reference configs.
pub const SOLUTION_DIR: &str = "solution";

/// `lesson.toml`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LessonMeta {
    /// Graded hints, from vague to nearly the answer; `check --hint` shows the next one.
    pub hints: Vec<String>,
    /// Configs the student may not change (the other team's router): `check` fails while one
    /// differs from what was handed out.
    #[serde(default)]
    pub locked: Vec<String>,
    /// The diagnosis must find nothing for the lesson to pass (say, lifetimes that differ
    /// although the SAs come up).
    #[serde(default)]
    pub clean_diagnosis: bool,
}

/// Why a lesson could not be loaded. Each variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum LessonError {
    /// A file of the lesson could not be read, its scenario is not valid, or a config of its
    /// solution does not parse (the scenario loader's errors name the file and line).
    #[error(transparent)]
    Load(#[from] LoadError),
    /// `lesson.toml` is not TOML, or has a key it should not or a value of the wrong type.
    #[error("{file}:{line}: {message}")]
    Meta {
        /// The file.
        file: String,
        /// 1-based line (1 when the parser gives no position).
        line: usize,
        /// What the TOML parser said.
        message: String,
    },
    /// `hints` is empty.
    #[error(
        "{file}: no hints: give at least one (`hints = [\"...\"]`), from vague to nearly the answer"
    )]
    NoHints {
        /// `lesson.toml`.
        file: String,
    },
    /// A hint with no text.
    #[error("{file}: hint {n} is empty")]
    EmptyHint {
        /// `lesson.toml`.
        file: String,
        /// 1-based.
        n: usize,
    },
    /// `task.md` says nothing.
    #[error(
        "{file}: the task is empty: say in a few sentences what the student sees and must achieve"
    )]
    EmptyTask {
        /// `task.md`.
        file: String,
    },
    /// The scenario expects nothing, so any config would pass.
    #[error(
        "{file}: no [expect] table: the check would pass whatever the configs (e.g. phase2 = \"up\", pings = \"all\")"
    )]
    NoExpectation {
        /// `scenario.toml`.
        file: String,
    },
    /// A config the scenario names cannot be a file of the student's folder.
    #[error("{file}: config {name:?} cannot be a file of the student's folder: {why}")]
    ConfigName {
        /// `scenario.toml`.
        file: String,
        /// The config's name.
        name: String,
        /// Why.
        why: NameError,
    },
    /// A config named like one of the lesson's own files.
    #[error("{file}: config {name:?} has the name of one of the lesson's own files")]
    ReservedName {
        /// `scenario.toml`.
        file: String,
        /// The config's name.
        name: String,
    },
    /// `locked` names a file that is no config of the scenario.
    #[error("{file}: `locked` names {name:?}, which is none of the scenario's configs ({configs})")]
    LockedUnknown {
        /// `lesson.toml`.
        file: String,
        /// The name.
        name: String,
        /// The scenario's configs.
        configs: String,
    },
    /// The solution changes a config the student may not change: no student could reach it.
    #[error(
        "{file}: the solution changes {name}, which `locked` in lesson.toml says the student may not change"
    )]
    SolutionChangesLocked {
        /// The solution's config.
        file: String,
        /// Its name.
        name: String,
    },
    /// Neither a built-in lesson nor a folder.
    #[error("no lesson named {0:?} (see `ikelab exercise list`), and no such folder")]
    NotFound(String),
}

/// Where a lesson's files come from.
#[derive(Clone, Debug)]
pub enum LessonSource {
    /// Compiled into ikelab.
    Builtin(&'static BuiltinLesson),
    /// An instructor's folder.
    Dir(PathBuf),
}

impl LessonSource {
    /// A built-in lesson by name, or a lesson folder (or a file in one) by path.
    pub fn find(name_or_path: &str) -> Result<LessonSource, LessonError> {
        if let Some(b) = catalog::find(name_or_path) {
            return Ok(LessonSource::Builtin(b));
        }
        let path = Path::new(name_or_path);
        if path.is_dir() {
            return Ok(LessonSource::Dir(path.to_path_buf()));
        }
        let is_lesson_file = path
            .file_name()
            .is_some_and(|f| f == LESSON_FILE || f == SCENARIO_FILE);
        match path.parent() {
            Some(dir) if is_lesson_file && path.is_file() => {
                Ok(LessonSource::Dir(dir.to_path_buf()))
            }
            _ => Err(LessonError::NotFound(name_or_path.to_string())),
        }
    }

    /// The lesson's folder.
    fn folder(&self) -> Source {
        match self {
            LessonSource::Builtin(b) => Source::Builtin(&b.folder),
            LessonSource::Dir(d) => Source::Dir(d.clone()),
        }
    }

    /// Its `solution/` folder.
    fn solution(&self) -> Source {
        match self {
            LessonSource::Builtin(b) => Source::Builtin(&b.solution),
            LessonSource::Dir(d) => Source::Dir(d.join(SOLUTION_DIR)),
        }
    }

    /// `built-in`, or the folder's path.
    fn origin(&self) -> String {
        match self {
            LessonSource::Builtin(_) => "built-in".into(),
            LessonSource::Dir(d) => std::path::absolute(d)
                .unwrap_or_else(|_| d.clone())
                .display()
                .to_string(),
        }
    }
}

/// A lesson, read and checked.
#[derive(Clone, Debug)]
pub struct Lesson {
    /// Its name (the scenario's `name`).
    pub name: String,
    /// `built-in`, or the folder it was read from.
    pub origin: String,
    /// One line saying what it is about (the scenario's `description`).
    pub summary: String,
    /// `lesson.toml`, parsed.
    pub meta: LessonMeta,
    /// `lesson.toml` as written.
    pub meta_text: String,
    /// `scenario.toml` as written.
    pub scenario_text: String,
    /// `task.md`.
    pub task: String,
    /// The configs the student gets, (file name, text), in the scenario's order.
    pub configs: Vec<(String, String)>,
    /// The reference configs, in the same order.
    pub solution: Vec<(String, String)>,
}

impl Lesson {
    /// Reads the lesson at `src` and checks it.
    pub fn load(src: &LessonSource) -> Result<Lesson, LessonError> {
        let folder = src.folder();
        let (meta_file, meta_text) = folder.read(LESSON_FILE)?;
        let meta = parse_meta(&meta_file, &meta_text)?;
        let (task_file, task) = folder.read(TASK_FILE)?;
        if task.trim().is_empty() {
            return Err(LessonError::EmptyTask { file: task_file });
        }
        let (scenario_file, scenario_text) = folder.read(SCENARIO_FILE)?;
        // The scenario is loaded with the solution's configs: it must be valid and they must
        // parse. The configs handed out may not (a syntax error can be the lesson).
        let solved = load::load(src.solution(), &scenario_file, &scenario_text)?;
        if solved.scenario.expect.is_empty() {
            return Err(LessonError::NoExpectation {
                file: scenario_file,
            });
        }
        let names = config_names(&solved, &scenario_file)?;
        for name in &meta.locked {
            if !names.contains(name) {
                return Err(LessonError::LockedUnknown {
                    file: meta_file,
                    name: name.clone(),
                    configs: names.join(", "),
                });
            }
        }
        let solution_src = src.solution();
        let mut configs = vec![];
        let mut solution = vec![];
        for name in names {
            let (_, broken) = folder.read(&name)?;
            let (shown, solved) = solution_src.read(&name)?;
            if meta.locked.contains(&name) && !same_config(&broken, &solved) {
                return Err(LessonError::SolutionChangesLocked { file: shown, name });
            }
            configs.push((name.clone(), broken));
            solution.push((name, solved));
        }
        Ok(Lesson {
            name: solved.scenario.name.clone(),
            origin: src.origin(),
            summary: solved.scenario.description.clone(),
            meta,
            meta_text,
            scenario_text,
            task,
            configs,
            solution,
        })
    }
}

/// Parses `lesson.toml` (`file` names it in errors) and checks its hints.
pub fn parse_meta(file: &str, text: &str) -> Result<LessonMeta, LessonError> {
    let meta: LessonMeta = toml::from_str(text).map_err(|e| LessonError::Meta {
        file: file.to_string(),
        line: e.span().map_or(1, |s| line_at(text, s.start)),
        message: e.message().trim().to_string(),
    })?;
    if meta.hints.is_empty() {
        return Err(LessonError::NoHints {
            file: file.to_string(),
        });
    }
    if let Some(n) = meta.hints.iter().position(|h| h.trim().is_empty()) {
        return Err(LessonError::EmptyHint {
            file: file.to_string(),
            n: n + 1,
        });
    }
    Ok(meta)
}

/// Every config a loaded scenario names (its routers', then its `reconfigure` steps'), once
/// each, checked to be a plain file name the student's folder can hold.
pub fn config_names(loaded: &Loaded, scenario_file: &str) -> Result<Vec<String>, LessonError> {
    let sc = &loaded.scenario;
    let steps = sc.steps.iter().filter_map(|s| match &s.action {
        Action::Reconfigure { config, .. } => Some(config),
        _ => None,
    });
    let mut out: Vec<String> = vec![];
    for name in sc.routers.iter().map(|r| &r.config).chain(steps) {
        if out.contains(name) {
            continue;
        }
        names::name(name).map_err(|why| LessonError::ConfigName {
            file: scenario_file.to_string(),
            name: name.clone(),
            why,
        })?;
        if [LESSON_FILE, SCENARIO_FILE, TASK_FILE].contains(&name.as_str()) {
            return Err(LessonError::ReservedName {
                file: scenario_file.to_string(),
                name: name.clone(),
            });
        }
        out.push(name.clone());
    }
    Ok(out)
}

/// Whether two configs say the same, line by line, whatever the trailing spaces, line endings
/// and blank lines at the end.
pub fn same_config(a: &str, b: &str) -> bool {
    fn lines(t: &str) -> Vec<&str> {
        let mut v: Vec<&str> = t.lines().map(str::trim_end).collect();
        while v.last().is_some_and(|l| l.is_empty()) {
            v.pop();
        }
        v
    }
    lines(a) == lines(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_errors_name_the_file_and_line() {
        let e = parse_meta("l/lesson.toml", "hints = [\"a\"]\nlocked = 3\n").unwrap_err();
        assert!(e.to_string().starts_with("l/lesson.toml:2: "), "{e}");
        let e = parse_meta("l/lesson.toml", "hints = []\n").unwrap_err();
        assert!(matches!(e, LessonError::NoHints { .. }), "{e}");
        let e = parse_meta("l/lesson.toml", "hints = [\"a\", \" \"]\n").unwrap_err();
        assert!(matches!(e, LessonError::EmptyHint { n: 2, .. }), "{e}");
        let e = parse_meta("l/lesson.toml", "hints = [\"a\"]\nhint = 1\n").unwrap_err();
        assert!(e.to_string().contains("l/lesson.toml:2:"), "{e}");
        let m = parse_meta("l/lesson.toml", "hints = [\"a\"]\n").unwrap();
        assert_eq!((m.locked.len(), m.clean_diagnosis), (0, false));
    }

    #[test]
    fn configs_compare_by_their_lines() {
        assert!(same_config("a\nb\n", "a  \r\nb\n\n"));
        assert!(!same_config("a\nb\n", "a\nc\n"));
        assert!(!same_config("a\n", "a\nb\n"));
    }
}
