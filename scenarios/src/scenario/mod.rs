//! Scenarios: the lab and script a user runs with `ikelab run`, and the catalog of built-in ones.

pub mod build;
pub mod catalog;
pub mod load;
pub mod model;

pub use build::{Built, PingRun, RouterRun, build};
pub use load::{LoadError, Loaded, add_reconfigure, load_named, load_pair, load_texts};
pub use model::{Action, HostSpec, RouterSpec, Scenario, Step};
