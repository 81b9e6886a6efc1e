//! Reading captures: classic pcap and pcapng, with their link types and timestamps.

use std::borrow::Cow;
use std::path::Path;
use std::time::Duration;

use pcap_file::DataLink;
use pcap_file::pcapng::Block;
use pcap_file::pcapng::blocks::interface_description::InterfaceDescriptionOption;

/// One captured frame.
#[derive(Clone, Debug)]
pub struct Frame {
    /// 1-based frame number, as Wireshark counts.
    pub number: usize,
    /// Time since the Unix epoch.
    pub time: Duration,
    /// Link type of the interface it was captured on.
    pub link: LinkType,
    /// The captured bytes.
    pub data: Vec<u8>,
}

/// The link types the decoder understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkType {
    /// Ethernet II (LINKTYPE_ETHERNET, 1).
    Ethernet,
    /// Raw IP (LINKTYPE_RAW 101, IPV4 228, IPV6 229).
    RawIp,
    /// Linux cooked capture v1 (LINKTYPE_LINUX_SLL, 113).
    LinuxSll,
    /// Linux cooked capture v2 (LINKTYPE_LINUX_SLL2, 276).
    LinuxSll2,
    /// Anything else: frames are reported but not decoded.
    Other(u32),
}

impl From<DataLink> for LinkType {
    fn from(d: DataLink) -> Self {
        match u32::from(d) {
            1 => LinkType::Ethernet,
            101 | 228 | 229 | 12 | 14 => LinkType::RawIp,
            113 => LinkType::LinuxSll,
            276 => LinkType::LinuxSll2,
            n => LinkType::Other(n),
        }
    }
}

/// Why a capture could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// The file could not be opened or read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is neither pcap nor pcapng.
    #[error("{path}: not a pcap or pcapng capture (first bytes {magic})")]
    NotACapture {
        /// The file.
        path: String,
        /// Its first bytes in hex.
        magic: String,
    },
    /// The file is a capture but broken (truncated, bad block).
    #[error("{path}: {what} after frame {frame}")]
    Corrupt {
        /// The file.
        path: String,
        /// What the reader said.
        what: String,
        /// The last good frame number.
        frame: usize,
    },
}

/// Reads every frame of a pcap or pcapng file.
pub fn read_capture(path: &Path) -> Result<Vec<Frame>, CaptureError> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| CaptureError::Io {
        path: shown.clone(),
        source,
    })?;
    read_capture_bytes(&shown, &bytes)
}

/// Reads every frame of a capture held in memory; `name` is used in error messages.
pub fn read_capture_bytes(name: &str, bytes: &[u8]) -> Result<Vec<Frame>, CaptureError> {
    let magic = bytes.get(..4).unwrap_or(bytes);
    match magic {
        [0xd4, 0xc3, 0xb2, 0xa1]
        | [0xa1, 0xb2, 0xc3, 0xd4]
        | [0x4d, 0x3c, 0xb2, 0xa1]
        | [0xa1, 0xb2, 0x3c, 0x4d] => read_pcap(name, bytes),
        [0x0a, 0x0d, 0x0d, 0x0a] => read_pcapng(name, bytes),
        _ => Err(CaptureError::NotACapture {
            path: name.to_string(),
            magic: magic.iter().map(|b| format!("{b:02x}")).collect(),
        }),
    }
}

fn corrupt(name: &str, what: impl ToString, frame: usize) -> CaptureError {
    CaptureError::Corrupt {
        path: name.to_string(),
        what: what.to_string(),
        frame,
    }
}

fn read_pcap(name: &str, bytes: &[u8]) -> Result<Vec<Frame>, CaptureError> {
    let mut reader = pcap_file::pcap::PcapReader::new(bytes).map_err(|e| corrupt(name, e, 0))?;
    let link = LinkType::from(reader.header().datalink);
    let mut frames = Vec::new();
    while let Some(p) = reader.next_packet() {
        let p = p.map_err(|e| corrupt(name, e, frames.len()))?;
        frames.push(Frame {
            number: frames.len() + 1,
            time: p.timestamp,
            link,
            data: p.data.into_owned(),
        });
    }
    Ok(frames)
}

/// An interface of a pcapng section: its link type and timestamp units per second.
struct Interface {
    link: LinkType,
    units_per_sec: u128,
}

fn units_per_sec(options: &[InterfaceDescriptionOption]) -> u128 {
    for o in options {
        if let InterfaceDescriptionOption::IfTsResol(r) = o {
            let exp = u32::from(r & 0x7f).min(30);
            return if r & 0x80 != 0 {
                1u128 << exp
            } else {
                10u128.pow(exp.min(19))
            };
        }
    }
    1_000_000
}

fn read_pcapng(name: &str, bytes: &[u8]) -> Result<Vec<Frame>, CaptureError> {
    let mut reader =
        pcap_file::pcapng::PcapNgReader::new(bytes).map_err(|e| corrupt(name, e, 0))?;
    let mut interfaces: Vec<Interface> = Vec::new();
    let mut frames = Vec::new();
    while let Some(block) = reader.next_block() {
        let block = block.map_err(|e| corrupt(name, e, frames.len()))?;
        let (iface, raw_ts, data): (usize, u128, Cow<[u8]>) = match block {
            Block::SectionHeader(_) => {
                interfaces.clear();
                continue;
            }
            Block::InterfaceDescription(idb) => {
                interfaces.push(Interface {
                    link: idb.linktype.into(),
                    units_per_sec: units_per_sec(&idb.options),
                });
                continue;
            }
            // pcap-file 2 reads the raw 64-bit timestamp into a Duration of nanoseconds,
            // whatever the interface's resolution: undo that and scale by if_tsresol ourselves.
            Block::EnhancedPacket(epb) => (
                epb.interface_id as usize,
                epb.timestamp.as_nanos(),
                epb.data,
            ),
            Block::SimplePacket(spb) => (0, 0, spb.data),
            _ => continue,
        };
        let Some(i) = interfaces.get(iface) else {
            return Err(corrupt(
                name,
                format!("packet on undeclared interface {iface}"),
                frames.len(),
            ));
        };
        let nanos = raw_ts.saturating_mul(1_000_000_000) / i.units_per_sec.max(1);
        let time = Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX));
        frames.push(Frame {
            number: frames.len() + 1,
            time,
            link: i.link,
            data: data.into_owned(),
        });
    }
    Ok(frames)
}
