//! Scenarios: the lab and script a user runs with `ikelab run`, and the catalog of built-in ones.

pub mod build;
pub mod catalog;
pub mod load;
pub mod model;

pub use build::{Built, PingRun, RouterRun, build};
pub use load::{LoadError, Loaded, load_named, load_pair};
pub use model::{Action, HostSpec, RouterSpec, Scenario, Step};
