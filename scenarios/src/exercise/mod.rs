//! `ikelab exercise`: lessons that teach why a tunnel (phase 2 above all) fails, each with a
//! pass/fail check a student runs on the configs they edit. A lesson is a folder an instructor
//! writes without Rust; the built-in ones are compiled in.
//!
//! - [`lesson`]: the lesson folder (a scenario folder plus `lesson.toml`, `task.md` and
//!   `solution/`), read and checked;
//! - [`catalog`]: the built-in lessons, from `scenarios/exercises/`;
//! - [`workdir`]: the student's folder `start` writes and `check` reads back (the hints shown
//!   are remembered there);
//! - [`mod@check`]: runs the lab with the student's configs and judges it for the lesson;
//! - [`cli`]: `ikelab exercise list | start | check` and what each prints.

pub mod catalog;
pub mod check;
pub mod cli;
pub mod lesson;
pub mod workdir;
