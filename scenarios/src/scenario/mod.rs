//! Scenarios: the lab and script a user runs with `ikelab run`, the catalog of built-in ones, the
//! plan both drivers run ([`plan`](mod@plan)) and the in-process driver ([`build`](mod@build)).

pub mod build;
pub mod catalog;
pub mod check;
pub mod lines;
pub mod load;
pub mod model;
pub mod plan;
pub mod topology;

pub use build::{Built, PingRun, RouterRun, build};
pub use load::{
    LoadError, Loaded, add_reconfigure, load_named, load_pair, load_routers,
    load_routers_with_nats, load_texts,
};
pub use model::{Action, HostSpec, NatSpec, RouterSpec, Scenario, Step};
pub use plan::{Plan, plan};
