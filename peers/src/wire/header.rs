//! The 28-byte ISAKMP header (RFC 2408 3.1).

use super::{ExchangeType, PayloadType, Result, WireError, be32, need};

/// Length of the ISAKMP header.
pub const HEADER_LEN: usize = 28;

mod field {
    use core::ops::Range;
    pub const ICOOKIE: Range<usize> = 0..8;
    pub const RCOOKIE: Range<usize> = 8..16;
    pub const NEXT_PAYLOAD: usize = 16;
    pub const VERSION: usize = 17;
    pub const EXCHANGE: usize = 18;
    pub const FLAGS: usize = 19;
    pub const MESSAGE_ID: usize = 20;
    pub const LENGTH: usize = 24;
}

/// Header flags (RFC 2408 3.1).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Flags(pub u8);

impl Flags {
    /// Encryption: the payloads after the header are encrypted.
    pub const ENCRYPTION: Flags = Flags(0x01);
    /// Commit: the sender wants a CONNECTED notification before using the SA.
    pub const COMMIT: Flags = Flags(0x02);
    /// Authentication only (integrity without encryption).
    pub const AUTH_ONLY: Flags = Flags(0x04);

    /// Whether all bits of `other` are set.
    pub fn contains(self, other: Flags) -> bool {
        self.0 & other.0 == other.0
    }

    /// These flags with the bits of `other` set as well.
    pub fn with(self, other: Flags) -> Flags {
        Flags(self.0 | other.0)
    }
}

impl core::fmt::Debug for Flags {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let names: Vec<&str> = [
            (Self::ENCRYPTION, "E"),
            (Self::COMMIT, "C"),
            (Self::AUTH_ONLY, "A"),
        ]
        .iter()
        .filter(|(b, _)| self.contains(*b))
        .map(|(_, n)| *n)
        .collect();
        write!(f, "Flags({:#04x} {})", self.0, names.join("|"))
    }
}

/// A checked view of an ISAKMP message: the header and the body its length field covers.
#[derive(Clone, Copy, Debug)]
pub struct Header<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Header<T> {
    /// Wraps `buffer` after checking that it holds a whole header and at least the bytes its
    /// length field announces (a UDP datagram may carry more, which is ignored).
    pub fn new_checked(buffer: T) -> Result<Self> {
        let b = buffer.as_ref();
        need("ISAKMP header", b, HEADER_LEN)?;
        let len = be32(b, field::LENGTH) as usize;
        if len < HEADER_LEN {
            return Err(WireError::BadLength {
                what: "ISAKMP header",
                field: len,
                why: "shorter than the header itself",
            });
        }
        if len > b.len() {
            return Err(WireError::Truncated {
                what: "ISAKMP message",
                need: len,
                got: b.len(),
            });
        }
        Ok(Self { buffer })
    }

    fn b(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    /// Initiator cookie.
    pub fn initiator_cookie(&self) -> [u8; 8] {
        let mut c = [0; 8];
        c.copy_from_slice(&self.b()[field::ICOOKIE]);
        c
    }

    /// Responder cookie (zero in the first message).
    pub fn responder_cookie(&self) -> [u8; 8] {
        let mut c = [0; 8];
        c.copy_from_slice(&self.b()[field::RCOOKIE]);
        c
    }

    /// Type of the first payload.
    pub fn next_payload(&self) -> PayloadType {
        PayloadType(self.b()[field::NEXT_PAYLOAD])
    }

    /// Version byte: major in the high nibble, minor in the low one.
    pub fn version(&self) -> u8 {
        self.b()[field::VERSION]
    }

    /// Exchange type.
    pub fn exchange_type(&self) -> ExchangeType {
        ExchangeType(self.b()[field::EXCHANGE])
    }

    /// Flags.
    pub fn flags(&self) -> Flags {
        Flags(self.b()[field::FLAGS])
    }

    /// Message ID (zero in phase 1).
    pub fn message_id(&self) -> u32 {
        be32(self.b(), field::MESSAGE_ID)
    }

    /// Total message length, header included, as the length field says.
    pub fn length(&self) -> usize {
        be32(self.b(), field::LENGTH) as usize
    }

    /// The header bytes.
    pub fn header_bytes(&self) -> &[u8] {
        &self.b()[..HEADER_LEN]
    }

    /// The body (payloads, or ciphertext when encrypted) as far as the length field reaches.
    pub fn body(&self) -> &[u8] {
        &self.b()[HEADER_LEN..self.length()]
    }
}

/// A parsed ISAKMP header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HeaderRepr {
    /// Initiator cookie.
    pub initiator_cookie: [u8; 8],
    /// Responder cookie.
    pub responder_cookie: [u8; 8],
    /// Type of the first payload.
    pub next_payload: PayloadType,
    /// Version byte (0x10 for ISAKMP 1.0).
    pub version: u8,
    /// Exchange type.
    pub exchange_type: ExchangeType,
    /// Flags.
    pub flags: Flags,
    /// Message ID.
    pub message_id: u32,
    /// Total length, header included.
    pub length: u32,
}

impl HeaderRepr {
    /// ISAKMP version 1.0.
    pub const VERSION_1_0: u8 = 0x10;

    /// Parses the header of a checked view.
    pub fn parse<T: AsRef<[u8]>>(h: &Header<T>) -> Self {
        Self {
            initiator_cookie: h.initiator_cookie(),
            responder_cookie: h.responder_cookie(),
            next_payload: h.next_payload(),
            version: h.version(),
            exchange_type: h.exchange_type(),
            flags: h.flags(),
            message_id: h.message_id(),
            length: h.length() as u32,
        }
    }

    /// Writes the header into the first [`HEADER_LEN`] bytes of `buf`.
    pub fn emit(&self, buf: &mut [u8]) {
        buf[field::ICOOKIE].copy_from_slice(&self.initiator_cookie);
        buf[field::RCOOKIE].copy_from_slice(&self.responder_cookie);
        buf[field::NEXT_PAYLOAD] = self.next_payload.0;
        buf[field::VERSION] = self.version;
        buf[field::EXCHANGE] = self.exchange_type.0;
        buf[field::FLAGS] = self.flags.0;
        buf[field::MESSAGE_ID..field::MESSAGE_ID + 4]
            .copy_from_slice(&self.message_id.to_be_bytes());
        buf[field::LENGTH..field::LENGTH + 4].copy_from_slice(&self.length.to_be_bytes());
    }

    /// The header as bytes.
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut b = [0; HEADER_LEN];
        self.emit(&mut b);
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// MM1 header from the ss-broken-tunnel capture (strongSwan 5.9.8).
    const MM1_HEADER: [u8; 28] = [
        0xc6, 0x02, 0x3a, 0x17, 0x5e, 0xd0, 0xa6, 0x19, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x10, 0x02,
        0x00, 0, 0, 0, 0, 0, 0, 0, 28,
    ];

    #[test]
    fn parse_and_emit() {
        let h = Header::new_checked(&MM1_HEADER[..]).unwrap();
        let r = HeaderRepr::parse(&h);
        assert_eq!(
            r.initiator_cookie,
            [0xc6, 0x02, 0x3a, 0x17, 0x5e, 0xd0, 0xa6, 0x19]
        );
        assert_eq!(r.next_payload, PayloadType::SA);
        assert_eq!(r.exchange_type, ExchangeType::IDENTITY_PROTECTION);
        assert_eq!(r.version, HeaderRepr::VERSION_1_0);
        assert_eq!(r.to_bytes(), MM1_HEADER);
    }

    #[test]
    fn length_checks() {
        assert!(matches!(
            Header::new_checked(&MM1_HEADER[..27]),
            Err(WireError::Truncated { .. })
        ));
        let mut short = MM1_HEADER;
        short[27] = 27;
        assert!(matches!(
            Header::new_checked(&short[..]),
            Err(WireError::BadLength { .. })
        ));
        let mut long = MM1_HEADER;
        long[27] = 29;
        assert!(matches!(
            Header::new_checked(&long[..]),
            Err(WireError::Truncated { .. })
        ));
    }
}
