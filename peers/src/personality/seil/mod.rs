//! The simulated IIJ SEIL (SEIL/X, SEIL/B1, SEIL/x86; KAME-racoon lineage): its config dialect
//! ([`parse`]), its IKE behaviour ([`behaviour()`]), its log ([`SeilLog`]), and all of them as a
//! [`Personality`](crate::personality::Personality) ([`Seil`]) with fix hints in its commands.

pub mod behaviour;
mod commands;
pub mod config;
mod hints;
mod lexer;
pub mod log;
mod personality;
mod site;
mod values;

pub use behaviour::behaviour;
pub use config::parse;
pub use log::SeilLog;
pub use personality::Seil;
