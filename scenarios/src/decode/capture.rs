//! Reading captures: classic pcap and pcapng, with their link types and timestamps, one record
//! at a time ([`Frames`]), so that memory does not grow with the capture. The records are framed
//! here (a length is checked before anything is read for it) and parsed by pcap-file; a capture
//! that ends inside a record, or a record that cannot be one, stops the reading after every good
//! frame before it, saying where (as tshark does).

use std::borrow::Cow;
use std::io::{BufReader, Read};
use std::path::Path;
use std::time::Duration;

use ikelab_sim::files::{self, FileError, Limit};
use pcap_file::pcap::PcapParser;
use pcap_file::pcapng::blocks::interface_description::InterfaceDescriptionOption;
use pcap_file::pcapng::{Block, PcapNgParser};
use pcap_file::{DataLink, Endianness};

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

/// The largest packet record read: wiretap's limit, which tshark reports a larger one against.
pub const MAX_PACKET: u32 = 262_144;
/// The largest pcapng block read (wiretap's limit too).
pub const MAX_BLOCK: u32 = 16 << 20;

/// The most interfaces one pcapng section may declare: far above any real capture's (a machine
/// has tens), and what bounds a decode's memory for a file made of nothing but declarations.
pub const MAX_INTERFACES: usize = 65_536;

/// Why a capture could not be read, or stopped being read.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// The file could not be opened (missing, not a regular file, too large).
    #[error(transparent)]
    File(#[from] FileError),
    /// Reading failed part way.
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
    /// The file ends inside a record (tshark: "appears to have been cut short in the middle of
    /// a packet").
    #[error(
        "{path}: the capture appears to have been cut short in the middle of a packet (record {record}, at byte {offset}); {frames} frame(s) were read before it"
    )]
    CutShort {
        /// The file.
        path: String,
        /// The 1-based number of the record (pcap packet, pcapng block) that is cut.
        record: usize,
        /// The byte of the file where that record starts.
        offset: u64,
        /// The frames read before it (all of them given).
        frames: usize,
    },
    /// A record that cannot be one (tshark: "appears to be damaged or corrupt").
    #[error(
        "{path}: the capture appears to be damaged or corrupt at record {record} (byte {offset}): {what}; {frames} frame(s) were read before it"
    )]
    Damaged {
        /// The file.
        path: String,
        /// The 1-based number of the damaged record (pcap packet, pcapng block).
        record: usize,
        /// The byte of the file where it starts.
        offset: u64,
        /// What is wrong with it.
        what: String,
        /// The frames read before it (all of them given).
        frames: usize,
    },
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

/// What the file is, and what a reader of it keeps between records.
enum Format {
    Pcap(PcapParser),
    PcapNg {
        /// The current section (none before the first section header).
        parser: Option<PcapNgParser>,
        interfaces: Vec<Interface>,
    },
}

/// How a read of a whole record ended.
enum Fill {
    /// It was all there.
    Full,
    /// The file ended before the record began.
    End,
    /// The file ended inside it.
    Short,
}

/// The frames of a capture, read one record at a time from `R`.
pub struct Frames<R: Read> {
    name: String,
    reader: R,
    format: Format,
    /// Where the next record starts.
    offset: u64,
    /// Records read (frames and other pcapng blocks).
    records: usize,
    /// Frames given.
    frames: usize,
    /// Set after the end or an error: nothing more is read.
    done: bool,
    /// The record being read.
    buf: Vec<u8>,
    /// Bytes of the first pcapng block that reading the file header took.
    pending: Vec<u8>,
}

/// Reads as much of `buf` as the reader holds.
fn fill(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

fn u32_of(b: &[u8], endianness: Endianness) -> u32 {
    let a = [b[0], b[1], b[2], b[3]];
    match endianness {
        Endianness::Big => u32::from_be_bytes(a),
        Endianness::Little => u32::from_le_bytes(a),
    }
}

/// The block type of a pcapng section header (the same bytes in either byte order).
const SECTION_HEADER: u32 = 0x0A0D_0D0A;

impl<R: Read> Frames<R> {
    /// A reader of the capture `reader` (named `name` in errors): the file header is read and
    /// checked here.
    pub fn new(name: &str, mut reader: R) -> Result<Self, CaptureError> {
        let mut head = [0u8; 24];
        let got = fill(&mut reader, &mut head).map_err(|source| CaptureError::Io {
            path: name.to_string(),
            source,
        })?;
        let magic = &head[..got.min(4)];
        let mut frames = Frames {
            name: name.to_string(),
            reader,
            format: Format::PcapNg {
                parser: None,
                interfaces: vec![],
            },
            offset: 0,
            records: 0,
            frames: 0,
            done: false,
            buf: Vec::new(),
            pending: Vec::new(),
        };
        match magic {
            [0xd4, 0xc3, 0xb2, 0xa1]
            | [0xa1, 0xb2, 0xc3, 0xd4]
            | [0x4d, 0x3c, 0xb2, 0xa1]
            | [0xa1, 0xb2, 0x3c, 0x4d] => {
                if got < head.len() {
                    return Err(frames.cut_short());
                }
                let (_, parser) =
                    PcapParser::new(&head).map_err(|e| frames.damaged(e.to_string()))?;
                frames.format = Format::Pcap(parser);
                frames.offset = 24;
            }
            // A pcapng file starts with a section header block; the bytes read so far are its
            // first ones, which the first record read puts back in front.
            [0x0a, 0x0d, 0x0d, 0x0a] => frames.pending = head[..got].to_vec(),
            _ => {
                return Err(CaptureError::NotACapture {
                    path: name.to_string(),
                    magic: magic.iter().map(|b| format!("{b:02x}")).collect(),
                });
            }
        }
        Ok(frames)
    }

    fn cut_short(&self) -> CaptureError {
        CaptureError::CutShort {
            path: self.name.clone(),
            record: self.records + 1,
            offset: self.offset,
            frames: self.frames,
        }
    }

    fn damaged(&self, what: impl ToString) -> CaptureError {
        CaptureError::Damaged {
            path: self.name.clone(),
            record: self.records + 1,
            offset: self.offset,
            what: what.to_string(),
            frames: self.frames,
        }
    }

    fn io(&self, source: std::io::Error) -> CaptureError {
        CaptureError::Io {
            path: self.name.clone(),
            source,
        }
    }

    /// Reads the next record into `self.buf` (whose first `have` bytes are already there), `len`
    /// bytes in all.
    fn read_record(&mut self, have: usize, len: usize) -> Result<Fill, CaptureError> {
        self.buf.resize(len, 0);
        let got = fill(&mut self.reader, &mut self.buf[have..]).map_err(|e| self.io(e))?;
        Ok(match have + got {
            0 => Fill::End,
            n if n == len => Fill::Full,
            _ => Fill::Short,
        })
    }

    /// The next classic pcap record.
    fn next_pcap(&mut self) -> Result<Option<Frame>, CaptureError> {
        let Format::Pcap(parser) = &self.format else {
            unreachable!("called for pcap files")
        };
        let header = parser.header();
        match self.read_record(0, 16)? {
            Fill::End => return Ok(None),
            Fill::Short => return Err(self.cut_short()),
            Fill::Full => {}
        }
        let caplen = u32_of(&self.buf[8..12], header.endianness);
        if caplen > MAX_PACKET {
            return Err(self.damaged(format!(
                "a packet of {caplen} bytes, more than the {MAX_PACKET} a record may hold"
            )));
        }
        match self.read_record(16, 16 + caplen as usize)? {
            Fill::Full => {}
            _ => return Err(self.cut_short()),
        }
        let Format::Pcap(parser) = &self.format else {
            unreachable!("called for pcap files")
        };
        let frame = match parser.next_packet(&self.buf) {
            Ok((_, p)) => Frame {
                number: self.frames + 1,
                time: p.timestamp,
                link: LinkType::from(header.datalink),
                data: p.data.into_owned(),
            },
            Err(e) => return Err(self.damaged(e)),
        };
        self.offset += self.buf.len() as u64;
        self.records += 1;
        Ok(Some(frame))
    }

    /// The next pcapng frame, reading past the blocks that are not packets.
    fn next_pcapng(&mut self) -> Result<Option<Frame>, CaptureError> {
        loop {
            // Before the first block, the bytes the file header's read took are its first ones.
            let have = self.pending.len();
            if have > 0 {
                self.buf = std::mem::take(&mut self.pending);
            }
            if have < 12 {
                match self.read_record(have, 12)? {
                    Fill::End => return Ok(None),
                    Fill::Short => return Err(self.cut_short()),
                    Fill::Full => {}
                }
            }
            let frame = self.next_block(have.max(12))?;
            self.offset += self.buf.len() as u64;
            self.records += 1;
            if let Some(frame) = frame {
                return Ok(Some(frame));
            }
        }
    }

    /// Reads and parses one pcapng block whose first `have` bytes (12 at least) are in
    /// `self.buf`: a frame, or `None` for any other block.
    fn next_block(&mut self, have: usize) -> Result<Option<Frame>, CaptureError> {
        let Format::PcapNg { parser, .. } = &self.format else {
            unreachable!("called for pcapng files")
        };
        let kind = u32::from_be_bytes([self.buf[0], self.buf[1], self.buf[2], self.buf[3]]);
        let endianness = if kind == SECTION_HEADER {
            match self.buf[8..12] {
                [0x1a, 0x2b, 0x3c, 0x4d] => Endianness::Big,
                [0x4d, 0x3c, 0x2b, 0x1a] => Endianness::Little,
                _ => return Err(self.damaged("a section header with no byte-order magic")),
            }
        } else {
            match parser {
                Some(p) => p.section().endianness,
                None => return Err(self.damaged("the first block is not a section header")),
            }
        };
        let len = u32_of(&self.buf[4..8], endianness);
        if len % 4 != 0 || !(12..=MAX_BLOCK).contains(&len) || (len as usize) < have {
            return Err(self.damaged(format!(
                "a block of {len} bytes (a block is a multiple of 4 from 12 to {MAX_BLOCK})"
            )));
        }
        match self.read_record(have, len as usize)? {
            Fill::Full => {}
            _ => return Err(self.cut_short()),
        }
        let Format::PcapNg { parser, interfaces } = &mut self.format else {
            unreachable!("called for pcapng files")
        };
        let parsed = if kind == SECTION_HEADER {
            PcapNgParser::new(&self.buf).map(|(_, p)| {
                *parser = Some(p);
                interfaces.clear();
                None
            })
        } else {
            let p = parser.as_mut().expect("checked above");
            p.next_block(&self.buf).map(|(_, b)| Some(b))
        };
        let block = match parsed {
            Ok(b) => b,
            Err(e) => return Err(self.damaged(e)),
        };
        let (iface, raw_ts, data): (usize, u128, Cow<[u8]>) = match block {
            None | Some(Block::SectionHeader(_)) => return Ok(None),
            Some(Block::InterfaceDescription(idb)) => {
                if interfaces.len() >= MAX_INTERFACES {
                    let what = format!("more than {MAX_INTERFACES} interfaces in one section");
                    return Err(self.damaged(what));
                }
                interfaces.push(Interface {
                    link: idb.linktype.into(),
                    units_per_sec: units_per_sec(&idb.options),
                });
                return Ok(None);
            }
            // pcap-file 2 reads the raw 64-bit timestamp into a Duration of nanoseconds,
            // whatever the interface's resolution: undo that and scale by if_tsresol ourselves.
            Some(Block::EnhancedPacket(epb)) => (
                epb.interface_id as usize,
                epb.timestamp.as_nanos(),
                epb.data,
            ),
            Some(Block::SimplePacket(spb)) => (0, 0, spb.data),
            Some(_) => return Ok(None),
        };
        let Some(i) = interfaces.get(iface) else {
            let what = format!("a packet on undeclared interface {iface}");
            return Err(self.damaged(what));
        };
        let nanos = raw_ts.saturating_mul(1_000_000_000) / i.units_per_sec.max(1);
        let time = Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX));
        Ok(Some(Frame {
            number: self.frames + 1,
            time,
            link: i.link,
            data: data.into_owned(),
        }))
    }
}

impl<R: Read> Iterator for Frames<R> {
    type Item = Result<Frame, CaptureError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let next = match self.format {
            Format::Pcap(_) => self.next_pcap(),
            Format::PcapNg { .. } => self.next_pcapng(),
        };
        match next {
            Ok(Some(f)) => {
                self.frames += 1;
                Some(Ok(f))
            }
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

/// Opens a capture file (a regular file of at most `limit`) to read its frames one by one.
pub fn open_capture(path: &Path, limit: Limit) -> Result<Frames<impl Read>, CaptureError> {
    let file = files::open(path, limit)?;
    Frames::new(&path.display().to_string(), BufReader::new(file))
}

/// Reads every frame of a pcap or pcapng file (at most [`Limit::CAPTURE`]).
pub fn read_capture(path: &Path) -> Result<Vec<Frame>, CaptureError> {
    open_capture(path, Limit::CAPTURE)?.collect()
}

/// Reads every frame of a capture held in memory; `name` is used in error messages.
pub fn read_capture_bytes(name: &str, bytes: &[u8]) -> Result<Vec<Frame>, CaptureError> {
    Frames::new(name, bytes)?.collect()
}
