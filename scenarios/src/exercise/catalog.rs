//! The built-in lessons, compiled into ikelab so that `ikelab exercise start NAME DIR` works
//! anywhere. Their folders are `scenarios/exercises/NAME/`, in the lesson folder format
//! ([`super::lesson`]): copy one to write a lesson of your own.

use crate::scenario::catalog::Builtin;

/// A built-in lesson: its folder and its `solution/` folder, as the scenario loader reads them.
#[derive(Debug)]
pub struct BuiltinLesson {
    /// `lesson.toml`, `scenario.toml`, `task.md` and the configs handed out.
    pub folder: Builtin,
    /// The reference configs.
    pub solution: Builtin,
}

impl BuiltinLesson {
    /// Its name (the folder's).
    pub fn name(&self) -> &'static str {
        self.folder.name
    }

    /// The one line `ikelab exercise list` shows (the scenario's description).
    pub fn summary(&self) -> String {
        self.folder.description()
    }
}

/// (file name, contents) of `scenarios/exercises/DIR/FILE`, or of `DIR/solution/FILE`.
macro_rules! lesson_file {
    ($dir:literal, $file:literal) => {
        (
            $file,
            include_str!(concat!("../../exercises/", $dir, "/", $file)),
        )
    };
    ($dir:literal, solution $file:literal) => {
        (
            $file,
            include_str!(concat!("../../exercises/", $dir, "/solution/", $file)),
        )
    };
}

/// A lesson with a SEIL (`seil.conf`) and an IX (`ix.conf`).
macro_rules! lesson {
    ($name:literal) => {
        BuiltinLesson {
            folder: Builtin {
                name: $name,
                files: &[
                    lesson_file!($name, "lesson.toml"),
                    lesson_file!($name, "scenario.toml"),
                    lesson_file!($name, "task.md"),
                    lesson_file!($name, "seil.conf"),
                    lesson_file!($name, "ix.conf"),
                ],
            },
            solution: Builtin {
                name: concat!($name, "/solution"),
                files: &[
                    lesson_file!($name, solution "seil.conf"),
                    lesson_file!($name, solution "ix.conf"),
                ],
            },
        }
    };
}

/// Every built-in lesson, in teaching order.
pub static LESSONS: &[BuiltinLesson] = &[
    lesson!("proxy-id-seil"),
    lesson!("proxy-id-ix"),
    lesson!("swapped-ids"),
    lesson!("prefix-length"),
    lesson!("host-vs-subnet"),
    lesson!("policy-based-seil"),
    lesson!("pfs-one-side"),
    lesson!("phase1-proposal"),
    lesson!("psk-mismatch"),
    lesson!("missing-route"),
    lesson!("lifetime-rekey"),
];

/// A built-in lesson by name.
pub fn find(name: &str) -> Option<&'static BuiltinLesson> {
    LESSONS.iter().find(|l| l.name() == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exercise::lesson::{Lesson, LessonSource};

    #[test]
    fn every_folder_is_built_in_and_loads() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("exercises");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        on_disk.sort();
        let mut built_in: Vec<String> = LESSONS.iter().map(|l| l.name().to_string()).collect();
        built_in.sort();
        assert_eq!(on_disk, built_in, "scenarios/exercises/ and LESSONS differ");
        for l in LESSONS {
            let lesson = Lesson::load(&LessonSource::Builtin(l))
                .unwrap_or_else(|e| panic!("{}: {e}", l.name()));
            assert_eq!(lesson.name, l.name(), "the scenario's name is the folder's");
            assert!(!l.summary().is_empty());
            assert!(lesson.meta.hints.len() >= 3, "{}: graded hints", l.name());
            assert_ne!(
                lesson.configs,
                lesson.solution,
                "{}: nothing to fix",
                l.name()
            );
        }
    }
}
