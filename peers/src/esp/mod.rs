//! ESP security associations (RFC 4303) with CBC ciphers (RFC 3602, RFC 2451) and truncated-HMAC
//! integrity (RFC 2403, RFC 2404, RFC 4868).
//!
//! An SA is one-directional, so there are two types: [`OutboundSa`] numbers, pads, encrypts and
//! authenticates; [`InboundSa`] checks the anti-replay window, the ICV and the padding before it
//! hands back the inner packet. [`SaPair`] builds both from IKE's KEYMAT. The ESP header itself is
//! in [`crate::wire::esp`].

mod error;
mod inbound;
mod integrity;
mod keys;
mod outbound;
mod pair;
mod replay;

pub use error::EspError;
pub use inbound::{Decapsulated, InboundSa, PaddingCheck};
pub use integrity::IntegAlg;
pub use keys::EspKeys;
pub use outbound::OutboundSa;
pub use pair::SaPair;
pub use replay::{REPLAY_WINDOW, ReplayWindow};

#[cfg(test)]
mod tests;
