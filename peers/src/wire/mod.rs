//! ISAKMP (RFC 2408/2407/2409, RFC 3947) and ESP (RFC 4303/3948) wire formats.
//!
//! Two levels per format, as in smoltcp's `wire` module:
//! - *views* ([`Header`], [`GenericPayload`]) are checked accessors over borrowed bytes: once
//!   `new_checked` has succeeded, no accessor can panic;
//! - *representations* ([`HeaderRepr`], [`Payload`], [`Message`]) are parsed, validated values with
//!   `parse`, `emit` and `buffer_len`, which emit back to the very bytes they were parsed from.
//!
//! Protocol numbers are newtypes with named constants ([`numbers`]) so that values this code does
//! not know survive a parse/emit round trip and still print readably.
//!
//! Every parser takes hostile input: it returns `Ok` or a [`WireError`] on any bytes, never panics,
//! and allocates at most a fixed multiple of the input's length: no length or count field sizes an
//! allocation. The multiple is that of the densest input, a Delete of 1-byte SPIs, at 25 bytes per
//! input byte on 64-bit targets (a `Vec` per SPI); `tests/isakmp_proptest.rs` checks the bound.

pub mod attributes;
pub mod esp;
pub mod header;
pub mod id;
pub mod ipv4;
pub mod message;
pub mod numbers;
pub mod payload;
pub mod sa;
pub mod vendor_id;

pub use attributes::{AttrValue, Attribute};
pub use header::{Flags, HEADER_LEN, Header, HeaderRepr};
pub use id::{IdData, IdPayload};
pub use message::{Body, Message};
pub use numbers::*;
pub use payload::{DeletePayload, GenericPayload, NotifyPayload, Payload, PayloadChain};
pub use sa::{Proposal, SaPayload, Transform};

/// Why bytes are not a well-formed ISAKMP message or payload.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// Fewer bytes than the structure needs.
    #[error("{what} truncated: needs {need} bytes, has {got}")]
    Truncated {
        /// The structure being read.
        what: &'static str,
        /// Bytes needed.
        need: usize,
        /// Bytes present.
        got: usize,
    },
    /// A length field disagrees with the bytes around it.
    #[error("{what} length field {field} is invalid ({why})")]
    BadLength {
        /// The structure whose length field is wrong.
        what: &'static str,
        /// The value of the length field.
        field: usize,
        /// What is wrong with it.
        why: &'static str,
    },
    /// A field has a value the format forbids.
    #[error("{what}: {why}")]
    Malformed {
        /// The structure being read.
        what: &'static str,
        /// What is wrong.
        why: &'static str,
    },
    /// Bytes follow the last payload of a chain that must be exact.
    #[error("{0} bytes after the last payload")]
    TrailingBytes(usize),
    /// The message is encrypted; its payloads need the keys first.
    #[error("message body is encrypted")]
    Encrypted,
}

/// Result of wire parsing.
pub type Result<T> = core::result::Result<T, WireError>;

/// Reads a big-endian u16 at `at`; callers check bounds first.
pub(crate) fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

/// Reads a big-endian u32 at `at`; callers check bounds first.
pub(crate) fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Fails with [`WireError::Truncated`] unless `b` has at least `need` bytes.
pub(crate) fn need(what: &'static str, b: &[u8], need: usize) -> Result<()> {
    if b.len() < need {
        Err(WireError::Truncated {
            what,
            need,
            got: b.len(),
        })
    } else {
        Ok(())
    }
}
