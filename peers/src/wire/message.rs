//! A whole ISAKMP message: header plus payload chain, or header plus ciphertext.

use super::header::{HEADER_LEN, Header, HeaderRepr};
use super::payload::{emit_chain, parse_chain};
use super::{Flags, Payload, PayloadType, Result, WireError};

/// The body of a message: parsed payloads, or ciphertext still to be decrypted.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Body {
    /// Plaintext payloads, plus any bytes after the last one (padding, once decrypted).
    Payloads {
        /// The payloads in chain order.
        payloads: Vec<Payload>,
        /// Bytes after the last payload.
        trailing: Vec<u8>,
    },
    /// The encrypted body as received.
    Encrypted(Vec<u8>),
}

/// A parsed ISAKMP message.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Message {
    /// The header (its length field is recomputed on emit).
    pub header: HeaderRepr,
    /// The body.
    pub body: Body,
}

impl Message {
    /// Parses a datagram. Encrypted bodies are kept as ciphertext; plaintext ones must be an
    /// exact payload chain.
    pub fn parse(datagram: &[u8]) -> Result<Self> {
        let view = Header::new_checked(datagram)?;
        let header = HeaderRepr::parse(&view);
        if header.flags.contains(Flags::ENCRYPTION) {
            return Ok(Self {
                header,
                body: Body::Encrypted(view.body().to_vec()),
            });
        }
        let (payloads, rest) = parse_chain(header.next_payload, view.body())?;
        if !rest.is_empty() {
            return Err(WireError::TrailingBytes(rest.len()));
        }
        Ok(Self {
            header,
            body: Body::Payloads {
                payloads,
                trailing: vec![],
            },
        })
    }

    /// Parses the plaintext of an encrypted message: the payload chain starting with the header's
    /// next-payload type, followed by padding.
    pub fn parse_decrypted(header: HeaderRepr, plaintext: &[u8]) -> Result<Self> {
        let (payloads, rest) = parse_chain(header.next_payload, plaintext)?;
        Ok(Self {
            header,
            body: Body::Payloads {
                payloads,
                trailing: rest.to_vec(),
            },
        })
    }

    /// The payloads, if the body is not encrypted.
    pub fn payloads(&self) -> Result<&[Payload]> {
        match &self.body {
            Body::Payloads { payloads, .. } => Ok(payloads),
            Body::Encrypted(_) => Err(WireError::Encrypted),
        }
    }

    /// Emits the body: the payload chain plus trailing bytes, or the ciphertext.
    pub fn body_bytes(&self) -> Result<Vec<u8>> {
        match &self.body {
            Body::Payloads { payloads, trailing } => {
                let mut out = Vec::new();
                emit_chain(payloads, &mut out)?;
                out.extend_from_slice(trailing);
                Ok(out)
            }
            Body::Encrypted(c) => Ok(c.clone()),
        }
    }

    /// Emits the whole message. For plaintext the header's next-payload is taken from the first
    /// payload; the length field is always recomputed.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let body = self.body_bytes()?;
        let mut header = self.header;
        if let Body::Payloads { payloads, .. } = &self.body {
            if let Some(first) = payloads.first() {
                header.next_payload = first.kind();
            } else {
                header.next_payload = PayloadType::NONE;
            }
        }
        let total = HEADER_LEN + body.len();
        header.length = u32::try_from(total).map_err(|_| WireError::BadLength {
            what: "ISAKMP message",
            field: total,
            why: "longer than 4 GiB",
        })?;
        let mut out = Vec::with_capacity(total);
        out.extend_from_slice(&header.to_bytes());
        out.extend_from_slice(&body);
        Ok(out)
    }
}

/// Typed lookups of the first payload of a kind, for exchanges that expect one of each.
impl Message {
    fn first<T>(&self, f: impl Fn(&Payload) -> Option<&T>) -> Option<&T> {
        self.payloads().ok()?.iter().find_map(f)
    }

    /// The first SA payload.
    pub fn sa(&self) -> Option<&super::SaPayload> {
        self.first(|p| {
            if let Payload::Sa(s) = p {
                Some(s)
            } else {
                None
            }
        })
    }

    /// The first KE payload's public value.
    pub fn ke(&self) -> Option<&Vec<u8>> {
        self.first(|p| {
            if let Payload::Ke(k) = p {
                Some(k)
            } else {
                None
            }
        })
    }

    /// The first Nonce payload.
    pub fn nonce(&self) -> Option<&Vec<u8>> {
        self.first(|p| {
            if let Payload::Nonce(n) = p {
                Some(n)
            } else {
                None
            }
        })
    }

    /// The first HASH payload.
    pub fn hash(&self) -> Option<&Vec<u8>> {
        self.first(|p| {
            if let Payload::Hash(h) = p {
                Some(h)
            } else {
                None
            }
        })
    }

    /// The first ID payload.
    pub fn id(&self) -> Option<&super::IdPayload> {
        self.first(|p| {
            if let Payload::Id(i) = p {
                Some(i)
            } else {
                None
            }
        })
    }

    /// Every ID payload, in order (Quick Mode's IDci and IDcr).
    pub fn ids(&self) -> Vec<&super::IdPayload> {
        self.payloads()
            .unwrap_or(&[])
            .iter()
            .filter_map(|p| {
                if let Payload::Id(i) = p {
                    Some(i)
                } else {
                    None
                }
            })
            .collect()
    }
}
