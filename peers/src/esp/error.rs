//! Why an ESP SA refused to build, send or accept a packet.

use crate::crypto::CipherError;

/// An ESP failure, named by its cause so that tests and logs can tell attacks from bugs.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EspError {
    /// Too short for header, IV, one cipher block and ICV.
    #[error("ESP packet is {len} bytes, at least {min} needed")]
    Truncated {
        /// Bytes present.
        len: usize,
        /// Bytes needed.
        min: usize,
    },
    /// The ciphertext is not a whole number of cipher blocks.
    #[error("ESP ciphertext is {len} bytes, not a multiple of the {block}-byte block")]
    Misaligned {
        /// Ciphertext length.
        len: usize,
        /// Cipher block size.
        block: usize,
    },
    /// The packet belongs to another SA.
    #[error("ESP SPI {got:#010x}, this SA is {expected:#010x}")]
    WrongSpi {
        /// This SA's SPI.
        expected: u32,
        /// The packet's SPI.
        got: u32,
    },
    /// SPIs 0-255 are reserved (RFC 4303 section 2.1) and cannot name an SA.
    #[error("SPI {spi} is reserved")]
    ReservedSpi {
        /// The refused SPI.
        spi: u32,
    },
    /// Sequence number zero is never sent: counters start at 1 (RFC 4303 section 3.3.3).
    #[error("ESP sequence number zero")]
    ZeroSequence,
    /// The sequence number was already accepted (anti-replay, RFC 4303 section 3.4.3).
    #[error("ESP sequence number {seq} replayed")]
    Replayed {
        /// The repeated sequence number.
        seq: u32,
    },
    /// The sequence number is left of the anti-replay window.
    #[error("ESP sequence number {seq} is too old: window ends at {highest}")]
    TooOld {
        /// The packet's sequence number.
        seq: u32,
        /// Highest sequence number accepted so far.
        highest: u32,
    },
    /// The integrity check value does not match: tampered, corrupted or wrong keys.
    #[error("ESP ICV mismatch")]
    IcvMismatch,
    /// The pad length byte points before the start of the plaintext.
    #[error("ESP pad length {pad_len} exceeds the {room} bytes before the trailer")]
    BadPadLength {
        /// The pad length field.
        pad_len: u8,
        /// Plaintext bytes before the pad length and next header fields.
        room: usize,
    },
    /// The padding bytes are not 1, 2, 3, ... (RFC 4303 section 2.4).
    #[error("ESP padding of {pad_len} bytes is not 1, 2, 3, ...")]
    BadPadding {
        /// The pad length field.
        pad_len: u8,
    },
    /// All 2^32 - 1 sequence numbers are used; the SA must be rekeyed, not wrapped.
    #[error("ESP sequence numbers exhausted, rekey the SA")]
    SequenceExhausted,
    /// A key has the wrong length for its algorithm.
    #[error("{what} key is {got} bytes, the algorithm needs {need}")]
    KeyLength {
        /// "encryption" or "integrity".
        what: &'static str,
        /// Bytes needed.
        need: usize,
        /// Bytes given.
        got: usize,
    },
    /// KEYMAT is shorter than the encryption and integrity keys together.
    #[error("KEYMAT is {got} bytes, the SA needs {need}")]
    KeymatTooShort {
        /// Bytes needed.
        need: usize,
        /// Bytes given.
        got: usize,
    },
    /// The caller's output buffer cannot hold the packet.
    #[error("output buffer is {got} bytes, the ESP packet needs {need}")]
    BufferTooSmall {
        /// Bytes needed.
        need: usize,
        /// Bytes given.
        got: usize,
    },
    /// The cipher refused its input; lengths are checked first, so this means a bug here.
    #[error(transparent)]
    Cipher(#[from] CipherError),
}
