//! RFC 2408/2409 checks on messages nobody has authenticated yet: what a responder refuses
//! before it keeps any state for a first message, and the nonce bounds every exchange obeys.
//! Each refusal is a [`Invalid`] reason; the engine drops the message (racoon answers none of
//! these: it logs and returns) and reports each reason once per peer ([`super::refusals`]).

use std::fmt;

use crate::wire::{Doi, Message, Payload, ProtocolId};

/// SIT_IDENTITY_ONLY (RFC 2407 section 4.2), the only situation racoon and the IX take.
const SIT_IDENTITY_ONLY: u32 = 1;

/// RFC 2409 section 5: "The length of nonce payload MUST be between 8 and 256 bytes inclusive."
pub const NONCE_LEN: std::ops::RangeInclusive<usize> = 8..=256;

/// Why an unauthenticated message was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Invalid {
    /// The header's major version is not 1 (RFC 2408 section 3.1; racoon: "invalid major
    /// version"). IKEv2 (2.0) and 0.x headers land here.
    MajorVersion(u8),
    /// A first phase-1 message with a non-zero message ID (RFC 2408 section 3.1: phase 1 uses
    /// message ID 0).
    FirstMessageId(u32),
    /// A first phase-1 message with more than one SA payload (racoon: "Multi SAs isn't
    /// supported.").
    SeveralSas(usize),
    /// An SA payload of another domain of interpretation than IPsec (RFC 2407 section 4.2).
    Doi(u32),
    /// An SA payload whose situation is not SIT_IDENTITY_ONLY (RFC 2407 section 4.2; racoon:
    /// "situation ... unsupported yet").
    Situation(u32),
    /// A phase-1 proposal whose SPI is neither absent nor the 16 bytes of the cookies (RFC 2408
    /// section 2.4).
    Phase1SpiSize(usize),
    /// A phase-1 proposal for another protocol than ISAKMP.
    Phase1Protocol(ProtocolId),
    /// A nonce outside [`NONCE_LEN`].
    NonceLength(usize),
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Invalid::MajorVersion(v) => write!(f, "invalid major version {v}"),
            Invalid::FirstMessageId(id) => {
                write!(f, "message id should be zero in phase 1, not {id:#010x}")
            }
            Invalid::SeveralSas(n) => write!(f, "{n} SA payloads in a first message"),
            Invalid::Doi(d) => write!(f, "DOI {d} is not IPsec"),
            Invalid::Situation(s) => write!(f, "situation {s:#010x} is not supported"),
            Invalid::Phase1SpiSize(n) => write!(f, "a phase-1 SPI of {n} bytes"),
            Invalid::Phase1Protocol(p) => write!(f, "a phase-1 proposal for protocol {p}"),
            Invalid::NonceLength(n) => write!(f, "a nonce of {n} bytes (8 to 256 allowed)"),
        }
    }
}

/// The header of any message.
pub(crate) fn header(msg: &Message) -> Result<(), Invalid> {
    let major = msg.header.version >> 4;
    if major != 1 {
        return Err(Invalid::MajorVersion(major));
    }
    Ok(())
}

/// A first phase-1 message (MM1, AM1), before a responder keeps anything for it.
pub(crate) fn first_message(msg: &Message) -> Result<(), Invalid> {
    if msg.header.message_id != 0 {
        return Err(Invalid::FirstMessageId(msg.header.message_id));
    }
    let payloads = msg.payloads().unwrap_or(&[]);
    let sas: Vec<_> = payloads
        .iter()
        .filter_map(|p| match p {
            Payload::Sa(sa) => Some(sa),
            _ => None,
        })
        .collect();
    if sas.len() > 1 {
        return Err(Invalid::SeveralSas(sas.len()));
    }
    for sa in sas {
        if sa.doi != Doi::IPSEC {
            return Err(Invalid::Doi(sa.doi.0));
        }
        if sa.situation != SIT_IDENTITY_ONLY {
            return Err(Invalid::Situation(sa.situation));
        }
        for p in &sa.proposals {
            if p.protocol != ProtocolId::ISAKMP {
                return Err(Invalid::Phase1Protocol(p.protocol));
            }
            if !(p.spi.is_empty() || p.spi.len() == 16) {
                return Err(Invalid::Phase1SpiSize(p.spi.len()));
            }
        }
    }
    // Its nonces (Aggressive Mode) were checked with every plaintext message's.
    Ok(())
}

/// Every nonce of a message (plaintext, or decrypted) within [`NONCE_LEN`].
pub(crate) fn nonces(msg: &Message) -> Result<(), Invalid> {
    for p in msg.payloads().unwrap_or(&[]) {
        if let Payload::Nonce(n) = p {
            if !NONCE_LEN.contains(&n.len()) {
                return Err(Invalid::NonceLength(n.len()));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{Body, ExchangeType, Flags, HeaderRepr, PayloadType};

    fn msg(version: u8, message_id: u32, payloads: Vec<Payload>) -> Message {
        Message {
            header: HeaderRepr {
                initiator_cookie: [1; 8],
                responder_cookie: [0; 8],
                next_payload: PayloadType::NONE,
                version,
                exchange_type: ExchangeType::IDENTITY_PROTECTION,
                flags: Flags(0),
                message_id,
                length: 0,
            },
            body: Body::Payloads {
                payloads,
                trailing: vec![],
            },
        }
    }

    #[test]
    fn versions_other_than_1_x_are_refused() {
        assert_eq!(header(&msg(0x10, 0, vec![])), Ok(()));
        assert_eq!(header(&msg(0x11, 0, vec![])), Ok(()));
        assert_eq!(header(&msg(0x20, 0, vec![])), Err(Invalid::MajorVersion(2)));
        assert_eq!(header(&msg(0x00, 0, vec![])), Err(Invalid::MajorVersion(0)));
    }

    #[test]
    fn nonce_bounds_are_rfc_2409s() {
        for (len, ok) in [(0, false), (7, false), (8, true), (256, true), (257, false)] {
            let m = msg(0x10, 0, vec![Payload::Nonce(vec![0; len])]);
            assert_eq!(nonces(&m).is_ok(), ok, "{len}");
        }
    }
}
