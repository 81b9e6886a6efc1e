//! Passive ISAKMP decryption, as Wireshark does it: remember each phase-1 SA's negotiated cipher
//! and hash (from the SA payloads) and both KE values, then decrypt with the key file's Ka and IVs
//! derived from what was captured.

use std::collections::HashMap;
use std::net::Ipv4Addr;

use ikelab_peers::crypto::{CipherAlg, HashAlg, IsakmpCrypter};
use ikelab_peers::wire::{
    AttrValue, Body, EspTransformId, ExchangeType, HeaderRepr, IdType, IkeAttr, IkeEncryption,
    IkeHash, IpsecAttr, IsakmpTransformId, Message, Payload, PayloadType, ProtocolId, SaPayload,
    Transform, vendor_id,
};

use ikelab_peers::hex::hex;
use ikelab_peers::ike::proposal::phase1_cipher_hash;

use super::keys::KeyStore;
use super::record::{Decryption, IsakmpRecord, PayloadRecord};

/// Upper bound on phase-1 SAs tracked at once, so a capture full of forged cookies stays small.
const MAX_SESSIONS: usize = 4096;
/// Keys tried for one initiator cookie (a key file may name a cookie any number of times).
const MAX_KEYS_PER_COOKIE: usize = 8;

/// What a capture has shown of one phase-1 SA.
#[derive(Default)]
struct Session {
    initiator: Option<Ipv4Addr>,
    offered: Option<(CipherAlg, HashAlg)>,
    chosen: Option<(CipherAlg, HashAlg)>,
    gxi: Option<Vec<u8>>,
    gxr: Option<Vec<u8>>,
    /// One crypter per key written for the cookie, all moved along the same IV chains (the
    /// chains follow the ciphertext, whoever's key it was made with).
    crypters: Vec<IsakmpCrypter>,
}

/// The ISAKMP side of a decoder.
#[derive(Default)]
pub struct IsakmpDecoder {
    sessions: HashMap<[u8; 8], Session>,
}

fn first_transform(sa: &SaPayload) -> Option<&Transform> {
    sa.proposals.first()?.transforms.first()
}

/// One ISAKMP message as the decoder opened it.
#[derive(Debug)]
pub struct Opened {
    /// The message: payloads when plaintext or decrypted, ciphertext otherwise.
    pub message: Message,
    /// The decrypted body (payloads and padding), when it was decrypted.
    pub plaintext: Option<Vec<u8>>,
    /// Whether it was decrypted.
    pub decryption: Decryption,
    /// Why it could not be decrypted.
    pub note: Option<String>,
}

impl IsakmpDecoder {
    /// Parses one ISAKMP message from `src`, decrypts it when `keys` allow, and learns from its
    /// phase-1 payloads what later messages need.
    pub fn open(
        &mut self,
        src: Ipv4Addr,
        bytes: &[u8],
        keys: Option<&KeyStore>,
    ) -> Result<Opened, String> {
        let msg = Message::parse(bytes).map_err(|e| format!("ISAKMP: {e}"))?;
        let h = msg.header;
        if self.sessions.len() >= MAX_SESSIONS && !self.sessions.contains_key(&h.initiator_cookie) {
            self.sessions.clear();
        }
        let session = self.sessions.entry(h.initiator_cookie).or_default();
        if session.initiator.is_none() && h.responder_cookie == [0; 8] {
            session.initiator = Some(src);
        }
        let from_initiator = session.initiator.is_none_or(|i| i == src);

        let opened = match &msg.body {
            Body::Payloads { .. } => Opened {
                message: msg,
                plaintext: None,
                decryption: Decryption::Plaintext,
                note: None,
            },
            Body::Encrypted(cipher) => match Self::decrypt(session, &h, cipher, keys) {
                Ok((message, plain)) => Opened {
                    message,
                    plaintext: Some(plain),
                    decryption: Decryption::Decrypted,
                    note: None,
                },
                Err((decryption, note)) => {
                    return Ok(Opened {
                        message: msg,
                        plaintext: None,
                        decryption,
                        note: Some(note),
                    });
                }
            },
        };
        if matches!(
            h.exchange_type,
            ExchangeType::IDENTITY_PROTECTION | ExchangeType::AGGRESSIVE
        ) {
            for p in opened.message.payloads().unwrap_or(&[]) {
                match p {
                    Payload::Sa(sa) => {
                        let suite = first_transform(sa).and_then(phase1_cipher_hash);
                        if from_initiator {
                            session.offered = session.offered.or(suite);
                        } else {
                            session.chosen = suite;
                        }
                    }
                    Payload::Ke(k) if from_initiator => session.gxi = Some(k.clone()),
                    Payload::Ke(k) => session.gxr = Some(k.clone()),
                    _ => {}
                }
            }
        }
        Ok(opened)
    }

    /// Decodes one ISAKMP message from `src` into its record.
    pub fn decode(
        &mut self,
        src: Ipv4Addr,
        bytes: &[u8],
        keys: Option<&KeyStore>,
    ) -> Result<IsakmpRecord, String> {
        let o = self.open(src, bytes, keys)?;
        let h = o.message.header;
        let (payloads, padding) = match &o.message.body {
            Body::Payloads { payloads, trailing } => (
                payloads.iter().map(payload_record).collect(),
                o.plaintext.as_ref().map(|_| trailing.len()),
            ),
            Body::Encrypted(_) => (vec![], None),
        };
        Ok(IsakmpRecord {
            message: String::new(),
            retransmission_of: None,
            icookie: hex(&h.initiator_cookie),
            rcookie: hex(&h.responder_cookie),
            exchange: h.exchange_type.0,
            exchange_name: h.exchange_type.to_string(),
            message_id: h.message_id,
            flags: h.flags.0,
            length: h.length as usize,
            decryption: o.decryption,
            note: o.note,
            payloads,
            padding,
        })
    }

    /// Decrypts an encrypted body with the session's chains, or says why it cannot. Every key
    /// written for the cookie is tried: the message is the first decryption that parses (each
    /// peer encrypts with its own key, and after a pre-shared key mismatch those differ).
    fn decrypt(
        session: &mut Session,
        h: &HeaderRepr,
        cipher: &[u8],
        keys: Option<&KeyStore>,
    ) -> Result<(Message, Vec<u8>), (Decryption, String)> {
        let no_key = |why: &str| (Decryption::NoKey, why.to_string());
        let failed = |why: &str| (Decryption::Failed, why.to_string());
        let keys = keys.ok_or_else(|| no_key("no key files given"))?;
        if session.crypters.is_empty() {
            let written: Vec<_> = keys
                .ike_keys(&h.initiator_cookie)
                .take(MAX_KEYS_PER_COOKIE)
                .collect();
            if written.is_empty() {
                return Err(no_key(
                    "no ikev1_decryption_table line for this initiator cookie",
                ));
            }
            let (c, hash) = session.chosen.or(session.offered).ok_or_else(|| {
                failed("the SA payloads (with a supported cipher and hash) are not in the capture")
            })?;
            let (Some(gxi), Some(gxr)) = (&session.gxi, &session.gxr) else {
                return Err(failed(
                    "both KE payloads must be in the capture to derive the IV",
                ));
            };
            for key in written {
                match IsakmpCrypter::new(c, hash, &key.ka, gxi, gxr) {
                    Ok(crypter) => session.crypters.push(crypter),
                    Err(e) if session.crypters.is_empty() => {
                        return Err(failed(&format!("key does not fit the cipher: {e}")));
                    }
                    Err(_) => {}
                }
            }
        }
        let mut opened = None;
        let mut why = String::new();
        // Every crypter decrypts, so that all their chains move past this message.
        for crypter in &mut session.crypters {
            let mut plain = cipher.to_vec();
            if let Err(e) = crypter.decrypt(h.message_id, &mut plain) {
                why = e.to_string();
                continue;
            }
            if opened.is_some() {
                continue;
            }
            match Message::parse_decrypted(*h, &plain) {
                Ok(msg) => opened = Some((msg, plain)),
                Err(e) => why = format!("decrypted payloads are malformed ({e}): wrong key?"),
            }
        }
        let tried = session.crypters.len();
        opened.ok_or_else(|| match tried {
            1 => failed(&why),
            n => failed(&format!("none of the {n} keys for this cookie fits: {why}")),
        })
    }
}

fn attr_text(protocol: ProtocolId, a: &ikelab_peers::wire::Attribute) -> String {
    let (name, value_name) = if protocol == ProtocolId::ISAKMP {
        let k = IkeAttr(a.kind);
        let v = a.value.as_u64().unwrap_or(0) as u16;
        let vn = match k {
            IkeAttr::ENCRYPTION => IkeEncryption(v).name(),
            IkeAttr::HASH => IkeHash(v).name(),
            IkeAttr::AUTH_METHOD => ikelab_peers::wire::AuthMethod(v).name(),
            IkeAttr::GROUP_DESCRIPTION => ikelab_peers::wire::GroupDescription(v).name(),
            IkeAttr::LIFE_TYPE => ikelab_peers::wire::LifeType(v).name(),
            _ => None,
        };
        (k.to_string(), vn)
    } else {
        let k = IpsecAttr(a.kind);
        let v = a.value.as_u64().unwrap_or(0) as u16;
        let vn = match k {
            IpsecAttr::SA_LIFE_TYPE => ikelab_peers::wire::LifeType(v).name(),
            IpsecAttr::ENCAPSULATION_MODE => ikelab_peers::wire::EncapsulationMode(v).name(),
            IpsecAttr::AUTH_ALGORITHM => ikelab_peers::wire::IpsecAuthAlg(v).name(),
            IpsecAttr::GROUP_DESCRIPTION => ikelab_peers::wire::GroupDescription(v).name(),
            _ => None,
        };
        (k.to_string(), vn)
    };
    let value = match (&a.value, value_name) {
        (_, Some(n)) => n.to_string(),
        (v, None) => match v.as_u64() {
            Some(n) => n.to_string(),
            None => match v {
                AttrValue::Variable(b) => format!("0x{}", hex(b)),
                AttrValue::Basic(n) => n.to_string(),
            },
        },
    };
    format!("{name}={value}")
}

fn sa_detail(sa: &SaPayload) -> String {
    let mut parts = vec![format!("DOI {}", sa.doi)];
    for p in &sa.proposals {
        let mut s = format!("proposal {} {}", p.number, p.protocol);
        if !p.spi.is_empty() {
            s.push_str(&format!(" spi 0x{}", hex(&p.spi)));
        }
        for t in &p.transforms {
            let id = if p.protocol == ProtocolId::ISAKMP {
                IsakmpTransformId(t.id).to_string()
            } else if p.protocol == ProtocolId::ESP {
                EspTransformId(t.id).to_string()
            } else {
                t.id.to_string()
            };
            let attrs: Vec<String> = t
                .attributes
                .iter()
                .map(|a| attr_text(p.protocol, a))
                .collect();
            s.push_str(&format!(
                "; transform {} {} ({})",
                t.number,
                id,
                attrs.join(", ")
            ));
        }
        parts.push(s);
    }
    parts.join(", ")
}

/// The record of one payload: its wire length, a readable detail and the fields tests compare.
fn payload_record(p: &Payload) -> PayloadRecord {
    let length = p.to_bytes(PayloadType::NONE).map(|b| b.len()).unwrap_or(0);
    let mut r = PayloadRecord {
        kind: p.kind().0,
        name: p.kind().to_string(),
        length,
        ..Default::default()
    };
    match p {
        Payload::Sa(sa) => {
            r.detail = sa_detail(sa);
            r.spis = sa
                .proposals
                .iter()
                .filter(|p| !p.spi.is_empty())
                .map(|p| hex(&p.spi))
                .collect();
        }
        Payload::Id(id) => {
            let t = id.data.id_type();
            r.detail = format!("{} {}", t, id);
            r.id_type = Some(t.0);
            r.id = Some(id.data.to_string());
            r.id_proto_port = Some((id.protocol, id.port));
            if t == IdType(0) {
                r.detail = format!("type 0 {id}");
            }
        }
        Payload::Notify(n) => {
            r.detail = format!("type {}:{}, protocol {}", n.kind.0, n.kind, n.protocol);
            if !n.spi.is_empty() {
                r.detail.push_str(&format!(", SPI 0x{}", hex(&n.spi)));
                r.spis = vec![hex(&n.spi)];
            }
            if !n.data.is_empty() {
                r.detail.push_str(&format!(", data 0x{}", hex(&n.data)));
            }
            r.notify_type = Some(n.kind.0);
            r.notify_name = n.kind.name().map(str::to_string);
            r.protocol = Some(n.protocol.0);
        }
        Payload::Delete(d) => {
            r.spis = d.spis.iter().map(|s| hex(s)).collect();
            let shown: Vec<String> = d.spis.iter().map(|s| format!("0x{}", hex(s))).collect();
            r.detail = format!("protocol {}, SPI {}", d.protocol, shown.join(" "));
            r.protocol = Some(d.protocol.0);
        }
        Payload::VendorId(v) => {
            r.detail = match vendor_id::name(v) {
                Some(n) => format!("{n} ({})", hex(v)),
                None => hex(v),
            };
        }
        Payload::Ke(k) => r.detail = format!("{} bytes of DH public value", k.len()),
        Payload::Nonce(n) => r.detail = format!("{} bytes", n.len()),
        Payload::Hash(h) => r.detail = hex(h),
        Payload::NatD { hash, .. } => r.detail = hex(hash),
        _ => {}
    }
    r
}
