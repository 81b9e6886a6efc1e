//! SA, Proposal and Transform payload bodies (RFC 2408 3.4-3.6, RFC 2407 4.6.1).
//!
//! Proposals and transforms are themselves payloads with generic headers chained inside the SA
//! body; the chain's next-payload values are derived on emit (PROPOSAL/TRANSFORM, 0 for the last).

use super::{Attribute, Doi, PayloadType, ProtocolId, Result, WireError, be16, be32, need};

/// The parsed body of an SA payload.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SaPayload {
    /// Domain of interpretation (1 = IPsec).
    pub doi: Doi,
    /// Situation bitmap (1 = SIT_IDENTITY_ONLY).
    pub situation: u32,
    /// Situation-dependent bytes after the bitmap (labeled domains; empty for identity-only).
    /// Kept raw: racoon and IX never send them.
    pub situation_extra: Vec<u8>,
    /// The proposals, in order.
    pub proposals: Vec<Proposal>,
}

/// One proposal: a protocol with an SPI and the transforms offered for it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Proposal {
    /// Proposal number (equal numbers form an AND-bundle).
    pub number: u8,
    /// Protocol (ISAKMP, AH, ESP, IPCOMP).
    pub protocol: ProtocolId,
    /// The SPI (empty in phase 1, 4 bytes for ESP).
    pub spi: Vec<u8>,
    /// The transforms, in order of preference.
    pub transforms: Vec<Transform>,
}

/// One transform: an algorithm identifier with its attributes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Transform {
    /// Transform number.
    pub number: u8,
    /// Transform identifier (KEY_IKE in phase 1, the ESP cipher in phase 2).
    pub id: u8,
    /// The attributes in the order they travelled (racoon's order matters for byte equality).
    pub attributes: Vec<Attribute>,
}

impl Transform {
    /// The value of the first attribute of class `kind`.
    pub fn attribute(&self, kind: u16) -> Option<&super::AttrValue> {
        self.attributes
            .iter()
            .find(|a| a.kind == kind)
            .map(|a| &a.value)
    }
}

/// Walks a chain of sub-payloads (proposals or transforms) inside an SA body. A non-zero RESERVED
/// byte in their generic headers is malformed, as for top-level payloads (RFC 2408 3.5, 3.6).
fn sub_payloads<'a>(
    what: &'static str,
    kind: PayloadType,
    mut b: &'a [u8],
    expected: Option<usize>,
) -> Result<Vec<&'a [u8]>> {
    let mut out = Vec::new();
    loop {
        need(what, b, 4)?;
        if b[1] != 0 {
            return Err(WireError::Malformed {
                what,
                why: "RESERVED byte is not zero",
            });
        }
        let next = PayloadType(b[0]);
        let len = be16(b, 2) as usize;
        if len < 4 || len > b.len() {
            return Err(WireError::BadLength {
                what,
                field: len,
                why: "outside the enclosing payload",
            });
        }
        out.push(&b[4..len]);
        b = &b[len..];
        if next == PayloadType::NONE {
            break;
        }
        if next != kind {
            return Err(WireError::Malformed {
                what,
                why: "unexpected next-payload inside an SA",
            });
        }
    }
    if !b.is_empty() {
        return Err(WireError::TrailingBytes(b.len()));
    }
    if let Some(n) = expected {
        if n != out.len() {
            return Err(WireError::Malformed {
                what,
                why: "number of transforms differs from the proposal's count",
            });
        }
    }
    Ok(out)
}

impl SaPayload {
    /// Parses an SA payload body (after the generic header).
    pub fn parse(b: &[u8]) -> Result<Self> {
        need("SA payload", b, 8)?;
        let doi = Doi(be32(b, 0));
        let situation = be32(b, 4);
        let rest = &b[8..];
        if doi != Doi::IPSEC {
            // Another DOI: the layout after the situation is unknown to us.
            return Ok(Self {
                doi,
                situation,
                situation_extra: rest.to_vec(),
                proposals: vec![],
            });
        }
        if rest.is_empty() {
            return Ok(Self {
                doi,
                situation,
                situation_extra: vec![],
                proposals: vec![],
            });
        }
        let proposals = sub_payloads("Proposal payload", PayloadType::PROPOSAL, rest, None)?
            .into_iter()
            .map(Proposal::parse)
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            doi,
            situation,
            situation_extra: vec![],
            proposals,
        })
    }

    /// Appends the body to `out`.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<()> {
        out.extend_from_slice(&self.doi.0.to_be_bytes());
        out.extend_from_slice(&self.situation.to_be_bytes());
        out.extend_from_slice(&self.situation_extra);
        for (i, p) in self.proposals.iter().enumerate() {
            let next = if i + 1 < self.proposals.len() {
                PayloadType::PROPOSAL
            } else {
                PayloadType::NONE
            };
            let start = out.len();
            out.extend_from_slice(&[next.0, 0, 0, 0]);
            p.emit(out)?;
            patch_len(out, start, "Proposal payload")?;
        }
        Ok(())
    }
}

/// Writes the length of the sub-payload that starts at `start` into its generic header.
pub(crate) fn patch_len(out: &mut [u8], start: usize, what: &'static str) -> Result<()> {
    let len = out.len() - start;
    let l = u16::try_from(len).map_err(|_| WireError::BadLength {
        what,
        field: len,
        why: "longer than 65535 bytes",
    })?;
    out[start + 2..start + 4].copy_from_slice(&l.to_be_bytes());
    Ok(())
}

impl Proposal {
    fn parse(b: &[u8]) -> Result<Self> {
        need("Proposal payload", b, 4)?;
        let number = b[0];
        let protocol = ProtocolId(b[1]);
        let spi_size = b[2] as usize;
        let count = b[3] as usize;
        need("Proposal SPI", b, 4 + spi_size)?;
        let spi = b[4..4 + spi_size].to_vec();
        let rest = &b[4 + spi_size..];
        let transforms = if count == 0 && rest.is_empty() {
            vec![]
        } else {
            sub_payloads(
                "Transform payload",
                PayloadType::TRANSFORM,
                rest,
                Some(count),
            )?
            .into_iter()
            .map(Transform::parse)
            .collect::<Result<Vec<_>>>()?
        };
        Ok(Self {
            number,
            protocol,
            spi,
            transforms,
        })
    }

    fn emit(&self, out: &mut Vec<u8>) -> Result<()> {
        let spi_size = u8::try_from(self.spi.len()).map_err(|_| WireError::Malformed {
            what: "Proposal payload",
            why: "SPI longer than 255 bytes",
        })?;
        let count = u8::try_from(self.transforms.len()).map_err(|_| WireError::Malformed {
            what: "Proposal payload",
            why: "more than 255 transforms",
        })?;
        out.extend_from_slice(&[self.number, self.protocol.0, spi_size, count]);
        out.extend_from_slice(&self.spi);
        for (i, t) in self.transforms.iter().enumerate() {
            let next = if i + 1 < self.transforms.len() {
                PayloadType::TRANSFORM
            } else {
                PayloadType::NONE
            };
            let start = out.len();
            out.extend_from_slice(&[next.0, 0, 0, 0]);
            t.emit(out)?;
            patch_len(out, start, "Transform payload")?;
        }
        Ok(())
    }
}

impl Transform {
    /// Parses a Transform body; RESERVED2 must be zero (RFC 2408 3.6), since [`Transform`] has no
    /// field to keep it in and would re-emit zeros.
    fn parse(b: &[u8]) -> Result<Self> {
        need("Transform payload", b, 4)?;
        if b[2] != 0 || b[3] != 0 {
            return Err(WireError::Malformed {
                what: "Transform payload",
                why: "RESERVED2 is not zero",
            });
        }
        Ok(Self {
            number: b[0],
            id: b[1],
            attributes: Attribute::parse_all(&b[4..])?,
        })
    }

    fn emit(&self, out: &mut Vec<u8>) -> Result<()> {
        out.extend_from_slice(&[self.number, self.id, 0, 0]);
        for a in &self.attributes {
            a.emit(out)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_transform() -> Vec<u8> {
        let sa = SaPayload {
            doi: Doi::IPSEC,
            situation: 1,
            situation_extra: vec![],
            proposals: vec![Proposal {
                number: 1,
                protocol: ProtocolId::ISAKMP,
                spi: vec![],
                transforms: vec![Transform {
                    number: 1,
                    id: 1,
                    attributes: vec![Attribute::basic(1, 7)],
                }],
            }],
        };
        let mut b = Vec::new();
        sa.emit(&mut b).unwrap();
        assert_eq!(SaPayload::parse(&b).unwrap(), sa);
        b
    }

    /// Offsets in the SA body: proposal header at 8, transform header at 16.
    #[test]
    fn non_zero_reserved_fields_are_malformed() {
        for at in [9, 17, 22, 23] {
            let mut b = one_transform();
            assert_eq!(b[at], 0);
            b[at] = 0x80;
            assert!(
                matches!(SaPayload::parse(&b), Err(WireError::Malformed { .. })),
                "byte {at}"
            );
        }
    }
}
