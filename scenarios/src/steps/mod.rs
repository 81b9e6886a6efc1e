//! The cucumber step library `ikelab test` runs users' feature files with (and the repository's
//! own suite): the world ([`world`]), the `Given` steps ([`config`]), the `When` steps
//! ([`script`]), the `Then` steps ([`checks`], and [`diagnosis`] for the diagnosis), the list `ikelab test --steps` prints
//! ([`list`]) and the runner ([`suite`]).

pub mod checks;
pub mod config;
pub mod diagnosis;
pub mod list;
pub mod script;
pub mod suite;
pub mod world;

pub use suite::{Shard, Suite, SuiteError, Tags, Verdict, run};
pub use world::LabWorld;
