//! `ikelab decode`: IKEv1 and ESP in a capture, decrypted with Wireshark's key files, one
//! record at a time ([`decode_stream`]).

pub mod capture;
pub mod esp;
pub mod frame;
pub mod isakmp;
pub mod keys;
pub mod names;
pub mod record;
pub mod time;

use std::path::Path;

use ikelab_sim::Limit;

use capture::Frame;
use frame::{Carried, Skip};
use keys::KeyStore;
use record::{Record, RecordBody};

/// Decodes frames one after another, carrying the ISAKMP state that decryption needs.
#[derive(Default)]
pub struct Decoder {
    keys: Option<KeyStore>,
    isakmp: isakmp::IsakmpDecoder,
    names: names::Namer,
}

impl Decoder {
    /// A decoder that decrypts with `keys`, if given.
    pub fn new(keys: Option<KeyStore>) -> Self {
        Self {
            keys,
            isakmp: Default::default(),
            names: Default::default(),
        }
    }

    /// The record of a frame, or `None` when it carries neither IKE nor ESP.
    pub fn decode(&mut self, f: &Frame) -> Option<Record> {
        let d = match frame::datagram(f.link, &f.data) {
            Ok(d) => d,
            Err(Skip::Malformed(why)) => {
                return Some(Record {
                    frame: f.number,
                    time: time::rfc3339(f.time),
                    time_of_day: time::time_of_day(f.time),
                    src: String::new(),
                    dst: String::new(),
                    sport: None,
                    dport: None,
                    body: RecordBody::Malformed {
                        error: why.to_string(),
                    },
                });
            }
            Err(_) => return None,
        };
        let keys = self.keys.as_ref();
        let body = match d.carried {
            Carried::Isakmp(b) => self.isakmp.decode(d.src, b, keys).map(|mut m| {
                let named = self.names.name(f.number, b, &m);
                m.message = named.name;
                m.retransmission_of = named.retransmission_of;
                RecordBody::Isakmp(m)
            }),
            Carried::Esp(b) => esp::decode(d.src, d.dst, b, keys).map(RecordBody::Esp),
            Carried::Keepalive => Ok(RecordBody::Keepalive),
        }
        .unwrap_or_else(|error| RecordBody::Malformed { error });
        Some(Record {
            frame: f.number,
            time: time::rfc3339(f.time),
            time_of_day: time::time_of_day(f.time),
            src: d.src.to_string(),
            dst: d.dst.to_string(),
            sport: d.ports.map(|p| p.0),
            dport: d.ports.map(|p| p.1),
            body,
        })
    }
}

/// Why `decode` could not run.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The capture is unreadable.
    #[error(transparent)]
    Capture(#[from] capture::CaptureError),
    /// A key file is unreadable.
    #[error(transparent)]
    Keys(#[from] keys::KeyFileError),
}

/// Decodes a capture record by record, handing each record to `each` as soon as its frame is
/// read: memory does not grow with the capture. Keys are read first. A capture that stops
/// early (cut short, a damaged record) has every frame before that point handed over, then the
/// error says where it stopped.
pub fn decode_stream(
    capture: &Path,
    keys_dir: Option<&Path>,
    limit: Limit,
    mut each: impl FnMut(Record),
) -> Result<(), DecodeError> {
    let keys = keys_dir.map(KeyStore::load).transpose()?;
    let mut decoder = Decoder::new(keys);
    for frame in capture::open_capture(capture, limit)? {
        if let Some(r) = decoder.decode(&frame?) {
            each(r);
        }
    }
    Ok(())
}

/// Decodes a whole capture file (at most [`Limit::CAPTURE`]) into its records.
pub fn decode_file(capture: &Path, keys_dir: Option<&Path>) -> Result<Vec<Record>, DecodeError> {
    let mut records = vec![];
    decode_stream(capture, keys_dir, Limit::CAPTURE, |r| records.push(r))?;
    Ok(records)
}
