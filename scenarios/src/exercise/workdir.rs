//! The student's folder: what `start` writes and `check` reads back. The configs to edit and
//! `task.md` are in the folder itself; `.exercise/` holds the lesson as it was handed out
//! (`lesson.toml`, `scenario.toml`, and the configs in `original/`, against which `locked`
//! configs are compared) and `state.toml` (which lesson, from where, how many hints were
//! shown). A copy rather than a reference to the lesson, so that a folder prepared by an
//! instructor checks on a student's machine without the lesson folder. Every file goes through
//! [`ikelab_sim::files`] (regular files only, bounded sizes, never written through a link).

use std::path::{Path, PathBuf};

use ikelab_sim::files::{self, Access, FileError, Limit};
use serde::{Deserialize, Serialize};

use super::lesson::{LESSON_FILE, Lesson, LessonError, LessonMeta, SCENARIO_FILE, TASK_FILE};
use crate::scenario::lines::line_at;

/// The folder of the student's folder that holds the lesson as handed out, and the state.
pub const STATE_DIR: &str = ".exercise";
/// The state file, in [`STATE_DIR`].
const STATE_FILE: &str = "state.toml";
/// The configs as handed out, in [`STATE_DIR`].
const ORIGINAL_DIR: &str = "original";

/// `.exercise/state.toml`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    /// The lesson's name.
    pub lesson: String,
    /// `built-in`, or the lesson folder it was started from.
    pub origin: String,
    /// How many hints `check --hint` has shown.
    #[serde(default)]
    pub hints_shown: usize,
}

/// Why a student's folder could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum WorkdirError {
    /// A file could not be read or written (missing, not a regular file, a link where a file
    /// goes, too large, not text).
    #[error(transparent)]
    File(#[from] FileError),
    /// `start` into a folder that holds a started lesson, without `--force`.
    #[error(
        "{dir}: already holds {}, maybe with your edits; --force starts again (and loses them), or choose another folder",
        .lesson.as_ref().map_or("a started lesson".to_string(), |l| format!("the lesson {l:?}"))
    )]
    AlreadyStarted {
        /// The folder.
        dir: String,
        /// The lesson it holds, when its state could be read.
        lesson: Option<String>,
    },
    /// `start` into a folder that has files of the names it writes, without `--force`.
    #[error("{dir}: already has {files}; --force overwrites them, or choose another folder")]
    WouldOverwrite {
        /// The folder.
        dir: String,
        /// The files, comma-separated.
        files: String,
    },
    /// `check` on a folder `start` did not write.
    #[error(
        "{dir}: holds no started lesson (no {STATE_DIR}/{STATE_FILE}); run `ikelab exercise start LESSON {dir}` first"
    )]
    NotStarted {
        /// The folder.
        dir: String,
    },
    /// `state.toml` is not what `start` writes.
    #[error("{file}:{line}: {message}")]
    State {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// What the TOML parser said.
        message: String,
    },
    /// The copy of `lesson.toml` is not valid.
    #[error(transparent)]
    Lesson(#[from] LessonError),
}

/// What `start` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Started {
    /// The files the student works with (configs, then `task.md`), as paths.
    pub files: Vec<PathBuf>,
    /// Those that existed and were overwritten (`--force`).
    pub replaced: Vec<String>,
    /// The lesson the folder held before (`--force`), when its state could be read.
    pub previous: Option<String>,
}

fn exists(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok()
}

/// Writes `lesson` into `dir` (created) for a student: its configs as handed out, `task.md`,
/// and `.exercise/`. Refuses a folder that holds a started lesson or files of the names it
/// writes, unless `force`.
pub fn start(lesson: &Lesson, dir: &Path, force: bool) -> Result<Started, WorkdirError> {
    let shown = dir.display().to_string();
    let state_dir = dir.join(STATE_DIR);
    let names: Vec<&str> = lesson
        .configs
        .iter()
        .map(|(n, _)| n.as_str())
        .chain([TASK_FILE])
        .collect();
    let present: Vec<String> = names
        .iter()
        .filter(|n| exists(&dir.join(n)))
        .map(|n| n.to_string())
        .collect();
    let previous = exists(&state_dir)
        .then(|| read_state(dir).ok().map(|s| s.lesson))
        .flatten();
    if !force {
        if exists(&state_dir) {
            return Err(WorkdirError::AlreadyStarted {
                dir: shown,
                lesson: previous,
            });
        }
        if !present.is_empty() {
            return Err(WorkdirError::WouldOverwrite {
                dir: shown,
                files: present.join(", "),
            });
        }
    }
    files::create_root(dir)?;
    files::create_dir(&state_dir, Access::Shared)?;
    let original = state_dir.join(ORIGINAL_DIR);
    files::create_dir(&original, Access::Shared)?;
    for (name, text) in &lesson.configs {
        files::write(&original.join(name), text, Access::Shared)?;
    }
    files::write(
        &state_dir.join(LESSON_FILE),
        &lesson.meta_text,
        Access::Shared,
    )?;
    files::write(
        &state_dir.join(SCENARIO_FILE),
        &lesson.scenario_text,
        Access::Shared,
    )?;
    write_state(
        dir,
        &State {
            lesson: lesson.name.clone(),
            origin: lesson.origin.clone(),
            hints_shown: 0,
        },
    )?;
    for (name, text) in &lesson.configs {
        files::write(&dir.join(name), text, Access::Shared)?;
    }
    files::write(&dir.join(TASK_FILE), &lesson.task, Access::Shared)?;
    Ok(Started {
        files: names.iter().map(|n| dir.join(n)).collect(),
        replaced: present,
        previous,
    })
}

fn read_state(dir: &Path) -> Result<State, WorkdirError> {
    let path = dir.join(STATE_DIR).join(STATE_FILE);
    if !exists(&path) {
        return Err(WorkdirError::NotStarted {
            dir: dir.display().to_string(),
        });
    }
    let text = files::read_text(&path, Limit::SCENARIO)?;
    toml::from_str(&text).map_err(|e| WorkdirError::State {
        file: path.display().to_string(),
        line: e.span().map_or(1, |s| line_at(&text, s.start)),
        message: e.message().trim().to_string(),
    })
}

fn write_state(dir: &Path, state: &State) -> Result<(), WorkdirError> {
    let text = toml::to_string(state).expect("a state serialises");
    let path = dir.join(STATE_DIR).join(STATE_FILE);
    files::write(&path, text, Access::Shared)?;
    Ok(())
}

/// The next hint, or none left.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Hint {
    /// Hint `n` (1-based) of `of`.
    Next {
        /// Which.
        n: usize,
        /// How many the lesson has.
        of: usize,
        /// The hint.
        text: String,
    },
    /// Every hint has been shown.
    NoMore {
        /// How many the lesson has.
        of: usize,
    },
}

/// A started lesson, as `check` reads it.
#[derive(Clone, Debug)]
pub struct Workdir {
    /// The folder.
    pub dir: PathBuf,
    /// Its state.
    pub state: State,
    /// The lesson's `lesson.toml`.
    pub meta: LessonMeta,
    /// The lesson's `scenario.toml`, as a name for messages and the text.
    pub scenario: (String, String),
}

impl Workdir {
    /// Reads the started lesson in `dir`.
    pub fn open(dir: &Path) -> Result<Workdir, WorkdirError> {
        let state = read_state(dir)?;
        let state_dir = dir.join(STATE_DIR);
        let meta_path = state_dir.join(LESSON_FILE);
        let meta_text = files::read_text(&meta_path, Limit::SCENARIO)?;
        let meta = super::lesson::parse_meta(&meta_path.display().to_string(), &meta_text)?;
        let scenario_path = state_dir.join(SCENARIO_FILE);
        let scenario_text = files::read_text(&scenario_path, Limit::SCENARIO)?;
        Ok(Workdir {
            dir: dir.to_path_buf(),
            state,
            meta,
            scenario: (scenario_path.display().to_string(), scenario_text),
        })
    }

    /// Where the config `name` was kept as handed out.
    pub fn original_path(&self, name: &str) -> PathBuf {
        self.dir.join(STATE_DIR).join(ORIGINAL_DIR).join(name)
    }

    /// The next hint, counted as shown ([`Workdir::save`] remembers it).
    pub fn next_hint(&mut self) -> Hint {
        let hints = &self.meta.hints;
        match hints.get(self.state.hints_shown) {
            Some(text) => {
                self.state.hints_shown += 1;
                Hint::Next {
                    n: self.state.hints_shown,
                    of: hints.len(),
                    text: text.clone(),
                }
            }
            None => Hint::NoMore { of: hints.len() },
        }
    }

    /// The hints shown so far.
    pub fn hints_shown(&self) -> &[String] {
        let n = self.state.hints_shown.min(self.meta.hints.len());
        &self.meta.hints[..n]
    }

    /// Writes the state back.
    pub fn save(&self) -> Result<(), WorkdirError> {
        write_state(&self.dir, &self.state)
    }
}
