//! The IKEv1/ESP engine of ikelab, without I/O.
//!
//! Layers, bottom up:
//! - [`wire`]: ISAKMP and ESP packet formats, as zero-copy checked views plus parsed
//!   representations that emit back to identical bytes (smoltcp's `wire` model).
//! - [`crypto`]: the IKEv1 key schedule (RFC 2409 with racoon's details), Diffie-Hellman, PRFs,
//!   CBC ciphers and racoon's padding.
//! - [`esp`]: ESP security associations (RFC 4303): encapsulation, decapsulation, anti-replay.
//! - [`hex`]: bytes as lower-case hex text.
//! - [`ike`]: the IKEv1 engine (Main, Aggressive, Quick Mode, Informational, NAT-T, DPD) with its
//!   SAD and SPD, driven sans-IO; vendor differences are data in [`ike::Behaviour`].
//! - [`prefix`]: IPv4 prefixes (address and length), shared by selectors, dialects and the
//!   simulator.
//! - [`personality`]: the SEIL and IX personalities: config dialects, behaviours, log renderers.
//!
//! Nothing here reads a clock, the OS random source or a socket: randomness comes in through
//! [`rng::Random`], time through arguments.
#![forbid(unsafe_code)]

pub mod crypto;
pub mod esp;
pub mod hex;
pub mod ike;
pub mod personality;
pub mod prefix;
pub mod rng;
pub mod time;
pub mod wire;
