//! IKEv1 and ESP cryptography.
//!
//! [`hash`] and [`cipher`] wrap the RustCrypto primitives behind small enums named after the
//! negotiated algorithms; the modules above them implement RFC 2409's key schedule exactly as
//! racoon (KAME / ipsec-tools) and strongSwan do, checked against strongSwan's own logged values:
//! [`dh`] (MODP groups), [`phase1`] (SKEYID*, Ka, HASH_I/HASH_R), [`phase2`] (Quick Mode and
//! Informational hashes, KEYMAT), [`padding`] (racoon's ISAKMP padding) and [`iv_chain`] (the
//! ISAKMP IV chains and message encryption).

pub mod cipher;
pub mod dh;
pub mod hash;
pub mod iv_chain;
pub mod padding;
pub mod phase1;
pub mod phase2;

pub use cipher::{CipherAlg, CipherError};
pub use dh::{DhError, DhGroup, DhPrivate};
pub use hash::HashAlg;
pub use iv_chain::{CrypterError, IsakmpCrypter};
pub use phase1::{HashInputs, Phase1Keys};
