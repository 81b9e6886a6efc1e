//! IKEv1 and ESP cryptography.
//!
//! [`hash`] and [`cipher`] wrap the RustCrypto primitives behind small enums named after the
//! negotiated algorithms; the modules above them implement RFC 2409's key schedule exactly as
//! racoon (KAME / ipsec-tools) and strongSwan do, checked against strongSwan's own logged values:
//! [`dh`] (MODP groups).

pub mod cipher;
pub mod dh;
pub mod hash;

pub use cipher::{CipherAlg, CipherError};
pub use dh::{DhError, DhGroup, DhPrivate};
pub use hash::HashAlg;
