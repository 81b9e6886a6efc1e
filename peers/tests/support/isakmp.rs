//! The ISAKMP header and generic payload chain, walked by hand (RFC 2408 sections 3.1-3.2).

/// Payload types used by the fixtures.
pub const SA: u8 = 1;
pub const KE: u8 = 4;
pub const ID: u8 = 5;
pub const HASH: u8 = 8;
pub const NONCE: u8 = 10;
pub const NOTIFY: u8 = 11;

/// Exchange types.
pub const ID_PROT: u8 = 2;
pub const INFORMATIONAL: u8 = 5;
pub const QUICK_MODE: u8 = 32;

/// The 28-byte ISAKMP header.
#[derive(Clone, Debug)]
pub struct Header {
    pub cky_i: [u8; 8],
    pub cky_r: [u8; 8],
    pub next_payload: u8,
    pub exchange: u8,
    pub flags: u8,
    pub msgid: u32,
    pub length: u32,
}

impl Header {
    pub fn parse(msg: &[u8]) -> Header {
        assert!(msg.len() >= 28, "short ISAKMP message");
        Header {
            cky_i: msg[0..8].try_into().unwrap(),
            cky_r: msg[8..16].try_into().unwrap(),
            next_payload: msg[16],
            exchange: msg[18],
            flags: msg[19],
            msgid: u32::from_be_bytes(msg[20..24].try_into().unwrap()),
            length: u32::from_be_bytes(msg[24..28].try_into().unwrap()),
        }
    }

    pub fn encrypted(&self) -> bool {
        self.flags & 1 != 0
    }
}

/// One payload of a chain, as offsets into the body it was found in.
#[derive(Clone, Debug)]
pub struct Payload {
    pub kind: u8,
    /// Offset of the generic header.
    pub start: usize,
    /// Offset just past the payload.
    pub end: usize,
}

impl Payload {
    /// The payload body, without the 4-byte generic header.
    pub fn body<'a>(&self, bytes: &'a [u8]) -> &'a [u8] {
        &bytes[self.start + 4..self.end]
    }
}

/// Walks the generic payload chain of `body` starting with payload type `first`. Returns the
/// payloads; whatever follows the last one is padding.
pub fn walk(first: u8, body: &[u8]) -> Result<Vec<Payload>, String> {
    let mut out = Vec::new();
    let mut kind = first;
    let mut at = 0;
    while kind != 0 {
        if at + 4 > body.len() {
            return Err(format!("generic header at {at} past end {}", body.len()));
        }
        let len = usize::from(u16::from_be_bytes([body[at + 2], body[at + 3]]));
        if len < 4 || at + len > body.len() {
            return Err(format!("payload {kind} at {at} has bad length {len}"));
        }
        out.push(Payload {
            kind,
            start: at,
            end: at + len,
        });
        kind = body[at];
        at += len;
    }
    Ok(out)
}

/// The first payload of type `kind`.
pub fn find(payloads: &[Payload], kind: u8) -> &Payload {
    payloads
        .iter()
        .find(|p| p.kind == kind)
        .unwrap_or_else(|| panic!("no payload of type {kind} in {payloads:?}"))
}

/// The protocol ID and SPI of the first proposal in an SA payload body (DOI, situation,
/// proposal: header(4) number(1) protocol(1) SPI size(1) transforms(1) SPI).
pub fn proposal_spi(sa_body: &[u8]) -> (u8, u32) {
    let p = &sa_body[8..];
    let protocol = p[5];
    assert_eq!(p[6], 4, "SPI size");
    (protocol, u32::from_be_bytes(p[8..12].try_into().unwrap()))
}
