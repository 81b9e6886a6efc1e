//! The simulated IIJ SEIL (SEIL/X, SEIL/B1, SEIL/x86; KAME-racoon lineage): its config dialect
//! ([`parse`]) and its IKE behaviour ([`behaviour`]).

pub mod behaviour;
pub mod config;
mod lexer;
mod values;

pub use behaviour::behaviour;
pub use config::parse;
