//! The simulated IIJ SEIL (SEIL/X, SEIL/B1, SEIL/x86; KAME-racoon lineage): its config dialect
//! ([`parse`]), its IKE behaviour ([`behaviour()`]) and its log ([`SeilLog`]).

pub mod behaviour;
mod commands;
pub mod config;
mod lexer;
pub mod log;
mod values;

pub use behaviour::behaviour;
pub use config::parse;
pub use log::SeilLog;
