//! What the decoder reports for each message: one [`Record`], printed as a text block or as a
//! JSON line from the same data.

use std::fmt::Write as _;

use serde::Serialize;

/// One decoded frame of interest.
#[derive(Clone, Debug, Serialize)]
pub struct Record {
    /// 1-based frame number.
    pub frame: usize,
    /// UTC time, RFC 3339.
    pub time: String,
    /// Time of day, for the text form.
    #[serde(skip)]
    pub time_of_day: String,
    /// Source address.
    pub src: String,
    /// Destination address.
    pub dst: String,
    /// UDP source port, if UDP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sport: Option<u16>,
    /// UDP destination port, if UDP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dport: Option<u16>,
    /// What the frame carries.
    #[serde(flatten)]
    pub body: RecordBody,
}

/// The decoded content of a frame.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RecordBody {
    /// An ISAKMP message.
    Isakmp(IsakmpRecord),
    /// An ESP packet.
    Esp(EspRecord),
    /// A NAT-keepalive.
    Keepalive,
    /// A frame that should have been IKE or ESP but is broken.
    Malformed {
        /// What is wrong.
        error: String,
    },
}

/// Whether and how a body was decrypted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decryption {
    /// It was never encrypted.
    Plaintext,
    /// Decrypted with the given keys.
    Decrypted,
    /// Encrypted, and the keys do not cover it.
    NoKey,
    /// Keys were there but the result is not valid (wrong key, missing KE, corrupted).
    Failed,
}

/// An ISAKMP message.
#[derive(Clone, Debug, Serialize)]
pub struct IsakmpRecord {
    /// What it is in its exchange: `MM1`, `QM2`, `Informational INITIAL-CONTACT`, `DPD
    /// R-U-THERE`, `Delete ESP` ([`super::names`]).
    pub message: String,
    /// The frame this one repeats byte for byte (a retransmission), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retransmission_of: Option<usize>,
    /// Initiator cookie, hex.
    pub icookie: String,
    /// Responder cookie, hex.
    pub rcookie: String,
    /// Exchange type number.
    pub exchange: u8,
    /// Exchange type name.
    pub exchange_name: String,
    /// Message ID.
    pub message_id: u32,
    /// Header flags.
    pub flags: u8,
    /// The ISAKMP length field.
    pub length: usize,
    /// Decryption state.
    pub decryption: Decryption,
    /// Why decryption failed or was impossible.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Payloads in chain order (empty when not decrypted).
    pub payloads: Vec<PayloadRecord>,
    /// Padding bytes after the last payload of a decrypted body.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub padding: Option<usize>,
}

/// One payload.
#[derive(Clone, Debug, Default, Serialize)]
pub struct PayloadRecord {
    /// Payload type number.
    #[serde(rename = "type")]
    pub kind: u8,
    /// Payload type name.
    pub name: String,
    /// Payload length, generic header included.
    pub length: usize,
    /// A one-line human description.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub detail: String,
    /// ID payloads: the ID type number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_type: Option<u8>,
    /// ID payloads: the identity as text (`0.0.0.0/0`, `172.16.0.1`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// ID payloads: protocol and port.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_proto_port: Option<(u8, u16)>,
    /// Notify payloads: the message type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notify_type: Option<u16>,
    /// Notify payloads: the message type's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notify_name: Option<String>,
    /// Notify and Delete payloads: the protocol ID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<u8>,
    /// SPIs: proposal SPIs of an SA payload, the SPI of a Notify, the SPIs of a Delete (hex).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub spis: Vec<String>,
}

/// An ESP packet.
#[derive(Clone, Debug, Serialize)]
pub struct EspRecord {
    /// SPI.
    pub spi: u32,
    /// Sequence number.
    pub seq: u32,
    /// ESP length (header to ICV).
    pub length: usize,
    /// Decryption state.
    pub decryption: Decryption,
    /// `correct` / `incorrect` when an integrity key was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icv: Option<String>,
    /// Why decryption failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Next header of the decrypted payload.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_header: Option<u8>,
    /// The inner packet, summarised.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inner: Option<String>,
}

impl Record {
    /// The text block for this record.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let port = |p: Option<u16>| p.map(|p| format!(":{p}")).unwrap_or_default();
        let _ = write!(
            s,
            "frame {} {} {}{} -> {}{}",
            self.frame,
            self.time_of_day,
            self.src,
            port(self.sport),
            self.dst,
            port(self.dport)
        );
        match &self.body {
            RecordBody::Isakmp(m) => {
                let state = match m.decryption {
                    Decryption::Plaintext => String::new(),
                    Decryption::Decrypted => ", encrypted, decrypted".into(),
                    Decryption::NoKey => ", encrypted, no key".into(),
                    Decryption::Failed => ", encrypted, decryption failed".into(),
                };
                let _ = writeln!(
                    s,
                    "  {}: ISAKMP {}, message ID 0x{:08x}, length {}{}",
                    m.message, m.exchange_name, m.message_id, m.length, state
                );
                if let Some(first) = m.retransmission_of {
                    let _ = writeln!(s, "  retransmission of frame {first}, same bytes");
                }
                let _ = writeln!(s, "  cookies {}:{}", m.icookie, m.rcookie);
                if let Some(n) = &m.note {
                    let _ = writeln!(s, "  ({n})");
                }
                for p in &m.payloads {
                    let _ = write!(s, "  type {}:{}, length {}", p.kind, p.name, p.length);
                    if !p.detail.is_empty() {
                        let _ = write!(s, ": {}", p.detail);
                    }
                    s.push('\n');
                }
                if let Some(pad) = m.padding {
                    let _ = writeln!(s, "  padding {pad}");
                }
            }
            RecordBody::Esp(e) => {
                let _ = writeln!(
                    s,
                    "  ESP spi 0x{:08x}, seq {}, length {}",
                    e.spi, e.seq, e.length
                );
                match e.decryption {
                    Decryption::Decrypted => {
                        let icv = e.icv.as_deref().unwrap_or("not checked");
                        let nh = e.next_header.unwrap_or(0);
                        let _ = writeln!(s, "  decrypted, ICV {icv}, next header {nh}");
                        if let Some(i) = &e.inner {
                            let _ = writeln!(s, "  inner: {i}");
                        }
                    }
                    Decryption::NoKey => s.push_str("  encrypted, no key\n"),
                    _ => {
                        let icv = e
                            .icv
                            .as_deref()
                            .map(|i| format!(", ICV {i}"))
                            .unwrap_or_default();
                        let _ = writeln!(
                            s,
                            "  decryption failed{icv}: {}",
                            e.note.as_deref().unwrap_or("")
                        );
                    }
                }
            }
            RecordBody::Keepalive => s.push_str("  NAT-keepalive\n"),
            RecordBody::Malformed { error } => {
                let _ = writeln!(s, "  malformed: {error}");
            }
        }
        s
    }
}
