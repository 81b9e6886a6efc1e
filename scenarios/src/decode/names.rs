//! What each ISAKMP message is, as a ladder diagram names it: MM1…MM6 and AM1…AM3 by their place
//! in the phase-1 exchange, QM1…QM3 in their Quick Mode, an Informational by what it carries
//! (its notification, a Delete, DPD's R-U-THERE and its ACK); and which frames repeat an earlier
//! frame byte for byte (a retransmission). `ikelab decode` and the HTML report name messages
//! with it, so both say the same.

use std::collections::HashMap;

use ikelab_peers::crypto::HashAlg;
use ikelab_peers::wire::{ExchangeType, NotifyType, PayloadType, ProtocolId};

use super::record::{Decryption, IsakmpRecord, PayloadRecord};

/// Exchanges and fingerprints remembered at once; a capture full of forged cookies or messages
/// only makes the names of its oldest exchanges restart.
const MAX_REMEMBERED: usize = 65_536;

/// A message's name and whether it repeats an earlier frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Named {
    /// `MM1`, `QM2`, `Informational INITIAL-CONTACT`, `DPD R-U-THERE`, `Delete ESP`, ...
    pub name: String,
    /// The frame this one repeats byte for byte, if any.
    pub retransmission_of: Option<usize>,
}

/// Names messages in capture order (see the module documentation).
#[derive(Default)]
pub struct Namer {
    /// (initiator cookie, message ID) -> the distinct messages of that exchange so far.
    exchanges: HashMap<(String, u32), usize>,
    /// A message's fingerprint -> the frame of its first copy, and the name it got.
    first_copy: HashMap<[u8; 16], (usize, String)>,
}

impl Namer {
    /// Names the ISAKMP message `bytes` of frame `frame`, decoded as `m`.
    pub fn name(&mut self, frame: usize, bytes: &[u8], m: &IsakmpRecord) -> Named {
        let digest = HashAlg::Sha256.digest(&[bytes]);
        let mut fingerprint = [0u8; 16];
        fingerprint.copy_from_slice(&digest[..16]);
        if let Some((first, name)) = self.first_copy.get(&fingerprint) {
            return Named {
                name: name.clone(),
                retransmission_of: Some(*first),
            };
        }
        if self.exchanges.len() >= MAX_REMEMBERED {
            self.exchanges.clear();
        }
        if self.first_copy.len() >= MAX_REMEMBERED {
            self.first_copy.clear();
        }
        let place = self
            .exchanges
            .entry((m.icookie.clone(), m.message_id))
            .or_insert(0);
        *place += 1;
        let name = name_of(ExchangeType(m.exchange), *place, &m.decryption, &m.payloads);
        self.first_copy.insert(fingerprint, (frame, name.clone()));
        Named {
            name,
            retransmission_of: None,
        }
    }
}

/// The name of the `place`-th distinct message (1-based) of an exchange.
fn name_of(
    exchange: ExchangeType,
    place: usize,
    decryption: &Decryption,
    payloads: &[PayloadRecord],
) -> String {
    let numbered = |prefix: &str, last: usize| {
        if place <= last {
            format!("{prefix}{place}")
        } else {
            format!("{prefix}? (message {place} of the exchange)")
        }
    };
    match exchange {
        ExchangeType::IDENTITY_PROTECTION => numbered("MM", 6),
        ExchangeType::AGGRESSIVE => numbered("AM", 3),
        ExchangeType::QUICK_MODE => numbered("QM", 3),
        ExchangeType::INFORMATIONAL => informational(decryption, payloads),
        other => other.to_string(),
    }
}

/// An Informational by what it carries: a Delete, DPD, or its notification.
fn informational(decryption: &Decryption, payloads: &[PayloadRecord]) -> String {
    if matches!(decryption, Decryption::NoKey | Decryption::Failed) {
        return "Informational (encrypted)".into();
    }
    for p in payloads {
        if p.kind == PayloadType::DELETE.0 {
            let what = match p.protocol.map(ProtocolId) {
                Some(ProtocolId::ISAKMP) => "ISAKMP SA".to_string(),
                Some(ProtocolId::ESP) => "ESP".to_string(),
                Some(other) => other.to_string(),
                None => "?".to_string(),
            };
            return format!("Delete {what}");
        }
        if let Some(t) = p.notify_type.map(NotifyType) {
            if t == NotifyType::R_U_THERE || t == NotifyType::R_U_THERE_ACK {
                return format!("DPD {t}");
            }
            return format!("Informational {t}");
        }
    }
    "Informational".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(exchange: ExchangeType, msgid: u32) -> IsakmpRecord {
        IsakmpRecord {
            message: String::new(),
            retransmission_of: None,
            icookie: "0101010101010101".into(),
            rcookie: "0202020202020202".into(),
            exchange: exchange.0,
            exchange_name: exchange.to_string(),
            message_id: msgid,
            flags: 0,
            length: 28,
            decryption: Decryption::Plaintext,
            note: None,
            payloads: vec![],
            padding: None,
        }
    }

    #[test]
    fn places_in_their_exchange_and_byte_identical_repeats() {
        let mut n = Namer::default();
        let mm = msg(ExchangeType::IDENTITY_PROTECTION, 0);
        let qm = msg(ExchangeType::QUICK_MODE, 7);
        assert_eq!(n.name(1, b"mm1", &mm).name, "MM1");
        assert_eq!(n.name(2, b"mm2", &mm).name, "MM2");
        let again = n.name(3, b"mm1", &mm);
        assert_eq!(again.name, "MM1");
        assert_eq!(again.retransmission_of, Some(1));
        assert_eq!(n.name(4, b"mm3", &mm).name, "MM3");
        assert_eq!(n.name(5, b"qm1", &qm).name, "QM1");
        assert_eq!(n.name(6, b"qm1", &qm).retransmission_of, Some(5));
        assert_eq!(n.name(7, b"qm2", &qm).name, "QM2");
    }

    #[test]
    fn informationals_by_what_they_carry() {
        let notify = |t: NotifyType| PayloadRecord {
            kind: PayloadType::NOTIFY.0,
            notify_type: Some(t.0),
            ..Default::default()
        };
        let delete = PayloadRecord {
            kind: PayloadType::DELETE.0,
            protocol: Some(ProtocolId::ESP.0),
            ..Default::default()
        };
        let d = Decryption::Decrypted;
        let hash = PayloadRecord {
            kind: PayloadType::HASH.0,
            ..Default::default()
        };
        assert_eq!(
            informational(&d, &[hash.clone(), notify(NotifyType::INITIAL_CONTACT)]),
            "Informational INITIAL-CONTACT"
        );
        assert_eq!(
            informational(&d, &[hash.clone(), notify(NotifyType::R_U_THERE)]),
            "DPD R-U-THERE"
        );
        assert_eq!(informational(&d, &[hash, delete]), "Delete ESP");
        assert_eq!(
            informational(&Decryption::NoKey, &[]),
            "Informational (encrypted)"
        );
    }
}
