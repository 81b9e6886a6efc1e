//! The generic payload header (RFC 2408 3.2), the payload chain, and the payload bodies that are
//! not big enough for a module of their own (Notify, Delete and the opaque ones).

use super::{
    Doi, IdPayload, NotifyType, PayloadType, ProtocolId, Result, SaPayload, WireError, be16, be32,
    need,
};

/// Length of the generic payload header.
pub const GENERIC_HEADER_LEN: usize = 4;

/// A checked view of one payload at the front of a byte string.
#[derive(Clone, Copy, Debug)]
pub struct GenericPayload<'a> {
    bytes: &'a [u8],
}

impl<'a> GenericPayload<'a> {
    /// Checks that `b` starts with a generic header whose length is at least 4 and fits in `b`.
    pub fn new_checked(b: &'a [u8]) -> Result<Self> {
        need("generic payload header", b, GENERIC_HEADER_LEN)?;
        let len = be16(b, 2) as usize;
        if len < GENERIC_HEADER_LEN {
            return Err(WireError::BadLength {
                what: "generic payload header",
                field: len,
                why: "shorter than the header itself",
            });
        }
        if len > b.len() {
            return Err(WireError::Truncated {
                what: "payload",
                need: len,
                got: b.len(),
            });
        }
        Ok(Self { bytes: &b[..len] })
    }

    /// Type of the payload that follows this one.
    pub fn next_payload(&self) -> PayloadType {
        PayloadType(self.bytes[0])
    }

    /// The RESERVED byte, which RFC 2408 3.2 says must be zero.
    pub fn reserved(&self) -> u8 {
        self.bytes[1]
    }

    /// Payload length, generic header included.
    pub fn length(&self) -> usize {
        self.bytes.len()
    }

    /// The whole payload, generic header included (what QM HASH inputs cover).
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The body after the generic header.
    pub fn body(&self) -> &'a [u8] {
        &self.bytes[GENERIC_HEADER_LEN..]
    }
}

/// One payload of a chain as raw bytes: its type (from the previous link) and its view.
#[derive(Clone, Copy, Debug)]
pub struct RawPayload<'a> {
    /// Payload type.
    pub kind: PayloadType,
    /// The payload.
    pub payload: GenericPayload<'a>,
}

/// Iterates over a payload chain, following next-payload links from `first`.
///
/// It stops after the payload whose next-payload is NONE; whatever follows (padding of a
/// decrypted message) is available from [`PayloadChain::rest`].
#[derive(Clone, Debug)]
pub struct PayloadChain<'a> {
    next: PayloadType,
    rest: &'a [u8],
    failed: bool,
}

impl<'a> PayloadChain<'a> {
    /// A chain whose first payload has type `first`.
    pub fn new(first: PayloadType, bytes: &'a [u8]) -> Self {
        Self {
            next: first,
            rest: bytes,
            failed: false,
        }
    }

    /// The bytes after the last payload read so far.
    pub fn rest(&self) -> &'a [u8] {
        self.rest
    }
}

impl<'a> Iterator for PayloadChain<'a> {
    type Item = Result<RawPayload<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.next == PayloadType::NONE {
            return None;
        }
        match GenericPayload::new_checked(self.rest) {
            Ok(p) => {
                let item = RawPayload {
                    kind: self.next,
                    payload: p,
                };
                self.next = p.next_payload();
                self.rest = &self.rest[p.length()..];
                Some(Ok(item))
            }
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

/// A Notification payload body (RFC 2408 3.14).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NotifyPayload {
    /// Domain of interpretation.
    pub doi: Doi,
    /// Protocol the notification concerns.
    pub protocol: ProtocolId,
    /// Notify message type.
    pub kind: NotifyType,
    /// SPI (the cookie pair for INITIAL-CONTACT and DPD from racoon, empty for racoon's errors).
    pub spi: Vec<u8>,
    /// Notification data (the DPD sequence number, a lifetime attribute list, ...).
    pub data: Vec<u8>,
}

impl NotifyPayload {
    /// Parses a Notification body (after the generic header).
    pub fn parse(b: &[u8]) -> Result<Self> {
        need("Notification payload", b, 8)?;
        let spi_size = b[5] as usize;
        need("Notification SPI", b, 8 + spi_size)?;
        Ok(Self {
            doi: Doi(be32(b, 0)),
            protocol: ProtocolId(b[4]),
            kind: NotifyType(be16(b, 6)),
            spi: b[8..8 + spi_size].to_vec(),
            data: b[8 + spi_size..].to_vec(),
        })
    }

    /// Appends the body to `out`.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<()> {
        let spi_size = u8::try_from(self.spi.len()).map_err(|_| WireError::Malformed {
            what: "Notification payload",
            why: "SPI longer than 255 bytes",
        })?;
        out.extend_from_slice(&self.doi.0.to_be_bytes());
        out.extend_from_slice(&[self.protocol.0, spi_size]);
        out.extend_from_slice(&self.kind.0.to_be_bytes());
        out.extend_from_slice(&self.spi);
        out.extend_from_slice(&self.data);
        Ok(())
    }
}

/// A Delete payload body (RFC 2408 3.15): several SPIs of one protocol.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DeletePayload {
    /// Domain of interpretation.
    pub doi: Doi,
    /// Protocol of the deleted SAs.
    pub protocol: ProtocolId,
    /// Size of each SPI (16 for ISAKMP cookie pairs, 4 for ESP).
    pub spi_size: u8,
    /// The SPIs, each `spi_size` bytes.
    pub spis: Vec<Vec<u8>>,
}

impl DeletePayload {
    /// Parses a Delete body (after the generic header); the SPIs must fill it exactly.
    ///
    /// A non-zero number of SPIs of size 0 is malformed: it names nothing to delete (racoon drops
    /// any Delete whose SPI size is not the protocol's: "strange spi size"), [`DeletePayload`]
    /// could only keep the count as that many empty SPIs, allocated on the word of a 16-bit
    /// field, and dropping the count would re-emit different bytes.
    pub fn parse(b: &[u8]) -> Result<Self> {
        need("Delete payload", b, 8)?;
        let spi_size = b[5];
        let count = be16(b, 6) as usize;
        if spi_size == 0 && count != 0 {
            return Err(WireError::Malformed {
                what: "Delete payload",
                why: "SPIs counted but SPI size is 0",
            });
        }
        let spis_bytes = &b[8..];
        if spis_bytes.len() != count * spi_size as usize {
            return Err(WireError::Malformed {
                what: "Delete payload",
                why: "number of SPIs times SPI size differs from the payload length",
            });
        }
        let spis = if spi_size == 0 {
            Vec::new()
        } else {
            spis_bytes
                .chunks(spi_size as usize)
                .map(<[u8]>::to_vec)
                .collect()
        };
        Ok(Self {
            doi: Doi(be32(b, 0)),
            protocol: ProtocolId(b[4]),
            spi_size,
            spis,
        })
    }

    /// Appends the body to `out`.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<()> {
        let count = u16::try_from(self.spis.len()).map_err(|_| WireError::Malformed {
            what: "Delete payload",
            why: "more than 65535 SPIs",
        })?;
        if self.spis.iter().any(|s| s.len() != self.spi_size as usize) {
            return Err(WireError::Malformed {
                what: "Delete payload",
                why: "an SPI differs from spi_size",
            });
        }
        if self.spi_size == 0 && !self.spis.is_empty() {
            return Err(WireError::Malformed {
                what: "Delete payload",
                why: "SPIs counted but SPI size is 0",
            });
        }
        out.extend_from_slice(&self.doi.0.to_be_bytes());
        out.extend_from_slice(&[self.protocol.0, self.spi_size]);
        out.extend_from_slice(&count.to_be_bytes());
        for s in &self.spis {
            out.extend_from_slice(s);
        }
        Ok(())
    }
}

/// A parsed payload.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Payload {
    /// Security Association.
    Sa(SaPayload),
    /// Key Exchange: the DH public value.
    Ke(Vec<u8>),
    /// Identification.
    Id(IdPayload),
    /// Certificate: encoding and data.
    Cert {
        /// Certificate encoding.
        encoding: u8,
        /// Certificate data.
        data: Vec<u8>,
    },
    /// Certificate Request: type and authority.
    CertRequest {
        /// Certificate type.
        cert_type: u8,
        /// Certificate authority.
        authority: Vec<u8>,
    },
    /// Hash.
    Hash(Vec<u8>),
    /// Signature.
    Signature(Vec<u8>),
    /// Nonce.
    Nonce(Vec<u8>),
    /// Notification.
    Notify(NotifyPayload),
    /// Delete.
    Delete(DeletePayload),
    /// Vendor ID.
    VendorId(Vec<u8>),
    /// NAT-D (RFC 3947), in the RFC or the draft number.
    NatD {
        /// 20, or 130 for the drafts.
        kind: PayloadType,
        /// The hash.
        hash: Vec<u8>,
    },
    /// Any other payload (NAT-OA, Mode Config attributes, unknown numbers), kept raw.
    Unknown {
        /// Its payload type.
        kind: PayloadType,
        /// Its body.
        body: Vec<u8>,
    },
}

impl Payload {
    /// Parses the body of a payload of type `kind`.
    pub fn parse(kind: PayloadType, body: &[u8]) -> Result<Self> {
        Ok(match kind {
            PayloadType::SA => Payload::Sa(SaPayload::parse(body)?),
            PayloadType::KE => Payload::Ke(body.to_vec()),
            PayloadType::ID => Payload::Id(IdPayload::parse(body)?),
            PayloadType::CERT => {
                need("CERT payload", body, 1)?;
                Payload::Cert {
                    encoding: body[0],
                    data: body[1..].to_vec(),
                }
            }
            PayloadType::CR => {
                need("CR payload", body, 1)?;
                Payload::CertRequest {
                    cert_type: body[0],
                    authority: body[1..].to_vec(),
                }
            }
            PayloadType::HASH => Payload::Hash(body.to_vec()),
            PayloadType::SIG => Payload::Signature(body.to_vec()),
            PayloadType::NONCE => Payload::Nonce(body.to_vec()),
            PayloadType::NOTIFY => Payload::Notify(NotifyPayload::parse(body)?),
            PayloadType::DELETE => Payload::Delete(DeletePayload::parse(body)?),
            PayloadType::VENDOR_ID => Payload::VendorId(body.to_vec()),
            PayloadType::NAT_D | PayloadType::NAT_D_DRAFT => Payload::NatD {
                kind,
                hash: body.to_vec(),
            },
            _ => Payload::Unknown {
                kind,
                body: body.to_vec(),
            },
        })
    }

    /// The payload type this payload travels as.
    pub fn kind(&self) -> PayloadType {
        match self {
            Payload::Sa(_) => PayloadType::SA,
            Payload::Ke(_) => PayloadType::KE,
            Payload::Id(_) => PayloadType::ID,
            Payload::Cert { .. } => PayloadType::CERT,
            Payload::CertRequest { .. } => PayloadType::CR,
            Payload::Hash(_) => PayloadType::HASH,
            Payload::Signature(_) => PayloadType::SIG,
            Payload::Nonce(_) => PayloadType::NONCE,
            Payload::Notify(_) => PayloadType::NOTIFY,
            Payload::Delete(_) => PayloadType::DELETE,
            Payload::VendorId(_) => PayloadType::VENDOR_ID,
            Payload::NatD { kind, .. } | Payload::Unknown { kind, .. } => *kind,
        }
    }

    /// Appends the body (no generic header) to `out`.
    pub fn emit_body(&self, out: &mut Vec<u8>) -> Result<()> {
        match self {
            Payload::Sa(sa) => sa.emit(out)?,
            Payload::Id(id) => out.extend_from_slice(&id.to_bytes()),
            Payload::Cert {
                encoding: t,
                data: d,
            }
            | Payload::CertRequest {
                cert_type: t,
                authority: d,
            } => {
                out.push(*t);
                out.extend_from_slice(d);
            }
            Payload::Notify(n) => n.emit(out)?,
            Payload::Delete(d) => d.emit(out)?,
            Payload::Ke(b)
            | Payload::Hash(b)
            | Payload::Signature(b)
            | Payload::Nonce(b)
            | Payload::VendorId(b)
            | Payload::NatD { hash: b, .. }
            | Payload::Unknown { body: b, .. } => out.extend_from_slice(b),
        }
        Ok(())
    }

    /// Appends the payload with its generic header to `out`, `next` naming the payload after it.
    pub fn emit(&self, next: PayloadType, out: &mut Vec<u8>) -> Result<()> {
        let start = out.len();
        out.extend_from_slice(&[next.0, 0, 0, 0]);
        self.emit_body(out)?;
        super::sa::patch_len(out, start, "payload")
    }

    /// The payload with its generic header, `next` naming the payload after it.
    pub fn to_bytes(&self, next: PayloadType) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        self.emit(next, &mut out)?;
        Ok(out)
    }
}

/// Parses a whole chain into payloads, returning them and the bytes after the last one.
///
/// A payload whose generic header has a non-zero RESERVED byte is malformed (RFC 2408 3.2), as
/// Openswan's pluto has it: [`Payload`] has nowhere to keep the byte, so accepting it would
/// re-emit different bytes.
pub fn parse_chain(first: PayloadType, bytes: &[u8]) -> Result<(Vec<Payload>, &[u8])> {
    let mut chain = PayloadChain::new(first, bytes);
    let mut out = Vec::new();
    for raw in chain.by_ref() {
        let raw = raw?;
        if raw.payload.reserved() != 0 {
            return Err(WireError::Malformed {
                what: "generic payload header",
                why: "RESERVED byte is not zero",
            });
        }
        out.push(Payload::parse(raw.kind, raw.payload.body())?);
    }
    Ok((out, chain.rest()))
}

/// Emits payloads as a chain: each generic header names the type of the next payload.
pub fn emit_chain(payloads: &[Payload], out: &mut Vec<u8>) -> Result<()> {
    for (i, p) in payloads.iter().enumerate() {
        let next = payloads.get(i + 1).map_or(PayloadType::NONE, Payload::kind);
        p.emit(next, out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// racoon's INITIAL-CONTACT: spi_size 16 with the cookie pair, 28 bytes with the header.
    #[test]
    fn initial_contact_is_28_bytes() {
        let n = Payload::Notify(NotifyPayload {
            doi: Doi::IPSEC,
            protocol: ProtocolId::ISAKMP,
            kind: NotifyType::INITIAL_CONTACT,
            spi: vec![0xab; 16],
            data: vec![],
        });
        let b = n.to_bytes(PayloadType::NONE).unwrap();
        assert_eq!(b.len(), 28);
        assert_eq!(&b[..4], &[0, 0, 0, 28]);
        assert_eq!(&b[8..12], &[1, 16, 0x60, 0x02]);
        let (back, rest) = parse_chain(PayloadType::NOTIFY, &b).unwrap();
        assert!(rest.is_empty());
        assert_eq!(back, vec![n]);
    }

    /// An ESP Delete with one 4-byte SPI is 16 bytes with the header (the document's 76-byte
    /// Informational is 28 + encrypted(HASH 24 + D 16 + pad 8)).
    #[test]
    fn esp_delete_is_16_bytes() {
        let d = Payload::Delete(DeletePayload {
            doi: Doi::IPSEC,
            protocol: ProtocolId::ESP,
            spi_size: 4,
            spis: vec![0x0e8d969cu32.to_be_bytes().to_vec()],
        });
        let b = d.to_bytes(PayloadType::NONE).unwrap();
        assert_eq!(
            b,
            [0, 0, 0, 16, 0, 0, 0, 1, 3, 4, 0, 1, 0x0e, 0x8d, 0x96, 0x9c]
        );
    }

    #[test]
    fn delete_count_must_match() {
        assert!(DeletePayload::parse(&[0, 0, 0, 1, 3, 4, 0, 2, 1, 2, 3, 4]).is_err());
        // spi_size 0 with a non-zero count could not be re-emitted (the count was lost) and names
        // nothing to delete; with a zero count it is an empty Delete.
        assert!(matches!(
            DeletePayload::parse(&[0, 0, 0, 1, 3, 0, 0, 9]),
            Err(WireError::Malformed { .. })
        ));
        let empty = DeletePayload::parse(&[0, 0, 0, 1, 3, 0, 0, 0]).unwrap();
        assert!(empty.spis.is_empty());
        let mut out = Vec::new();
        empty.emit(&mut out).unwrap();
        assert_eq!(out, [0, 0, 0, 1, 3, 0, 0, 0]);
        // Nor will emit write such a count.
        let counted = DeletePayload {
            spis: vec![vec![]; 2],
            ..empty
        };
        assert!(counted.emit(&mut Vec::new()).is_err());
    }

    #[test]
    fn chain_stops_at_none_and_keeps_padding() {
        let mut b = Payload::Hash(vec![1; 20])
            .to_bytes(PayloadType::NONE)
            .unwrap();
        b.extend_from_slice(&[0, 0, 0, 3]);
        let (p, rest) = parse_chain(PayloadType::HASH, &b).unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!(rest, &[0, 0, 0, 3]);
    }

    #[test]
    fn non_zero_reserved_byte_is_malformed() {
        let mut b = Payload::Nonce(vec![7; 8])
            .to_bytes(PayloadType::NONE)
            .unwrap();
        assert!(parse_chain(PayloadType::NONCE, &b).is_ok());
        b[1] = 1;
        assert!(matches!(
            parse_chain(PayloadType::NONCE, &b),
            Err(WireError::Malformed { .. })
        ));
        // The view still shows it, for hashing the bytes as received.
        assert_eq!(GenericPayload::new_checked(&b).unwrap().reserved(), 1);
    }

    #[test]
    fn bad_lengths() {
        assert!(parse_chain(PayloadType::HASH, &[0, 0, 0, 3]).is_err());
        assert!(parse_chain(PayloadType::HASH, &[0, 0, 0, 9, 1]).is_err());
        assert!(parse_chain(PayloadType::HASH, &[0, 0]).is_err());
    }
}
