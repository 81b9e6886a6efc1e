//! Artefacts written while a run goes, so that its memory does not grow with its length: a
//! [`CaptureSink`] takes each frame to the merged pcapng and to its link's pcap as the frame is
//! recorded, and a [`LineSink`] each log line to its file. Neither keeps what it wrote.
//!
//! A write error (a full disk, a file removed under the run) does not stop the run: the sink
//! keeps the first error, writes nothing more, and reports it when it is finished, so what was
//! already written stays and the run's other results are still given.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};
use pcap_file::pcapng::PcapNgWriter;
use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
use pcap_file::pcapng::blocks::interface_description::{
    InterfaceDescriptionBlock, InterfaceDescriptionOption,
};
use pcap_file::pcapng::blocks::section_header::{SectionHeaderBlock, SectionHeaderOption};
use pcap_file::{DataLink, Endianness, TsResolution};

use crate::files::{self, Access};
use crate::tap::{CaptureFiles, CapturedFrame, file_stem};
use crate::{SimError, StartTime};

/// Largest frame recorded whole.
pub(crate) const SNAPLEN: u32 = 262_144;

/// Which frames the merged capture shows (every link's own pcap has all of its frames).
pub type Keep = Box<dyn FnMut(&CapturedFrame) -> bool + Send>;

type Buffered = BufWriter<File>;

/// Bytes gathered before each write to a file: a long run writes in few, large writes.
const BUFFER: usize = 256 << 10;

/// The merged pcapng and one classic pcap per link, written frame by frame.
pub struct CaptureSink {
    start: StartTime,
    merged: Option<(PathBuf, PcapNgWriter<Buffered>)>,
    link_dir: PathBuf,
    links: Vec<(String, PathBuf, Option<PcapWriter<Buffered>>)>,
    keep: Keep,
    error: Option<SimError>,
}

impl std::fmt::Debug for CaptureSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaptureSink")
            .field("links", &self.links.len())
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

impl CaptureSink {
    /// Creates `merged` (a pcapng) and, as links are added, `<link_dir>/<link>.pcap`; the merged
    /// capture keeps the frames `keep` accepts. Files are created as [`files::create`] does (no
    /// symbolic link followed).
    pub fn create(
        merged: &Path,
        link_dir: &Path,
        start: StartTime,
        keep: Keep,
    ) -> Result<CaptureSink, SimError> {
        let shb = section_header();
        let out = BufWriter::with_capacity(BUFFER, files::create(merged, Access::Shared)?);
        let w = PcapNgWriter::with_section_header(out, shb).map_err(|e| SimError::Capture {
            path: merged.to_path_buf(),
            message: e.to_string(),
        })?;
        Ok(CaptureSink {
            start,
            merged: Some((merged.to_path_buf(), w)),
            link_dir: link_dir.to_path_buf(),
            links: vec![],
            keep,
            error: None,
        })
    }

    /// Adds the next link (its id is the number of links before it): an interface of the merged
    /// capture and a pcap file of its own.
    pub fn add_link(&mut self, name: &str) {
        let path = self.link_dir.join(format!("{}.pcap", file_stem(name)));
        let idb = interface(name);
        let merged = self.merged.as_mut().map(|(path, w)| {
            w.write_pcapng_block(idb).map_err(|e| SimError::Capture {
                path: path.clone(),
                message: e.to_string(),
            })
        });
        let pcap = files::create(&path, Access::Shared)
            .map_err(SimError::from)
            .and_then(|f| {
                PcapWriter::with_header(BufWriter::with_capacity(BUFFER, f), pcap_header()).map_err(
                    |e| SimError::Capture {
                        path: path.clone(),
                        message: e.to_string(),
                    },
                )
            })
            .map_err(|e| self.failed(e))
            .ok();
        if let Some(Err(e)) = merged {
            self.failed(e);
        }
        self.links.push((name.to_string(), path, pcap));
    }

    /// Writes one frame (after the run is over nothing reads it back from here).
    pub fn write(&mut self, f: &CapturedFrame) {
        if self.error.is_some() {
            return;
        }
        let wall = self.start.wall(f.time);
        let len = u32::try_from(f.wire_len).unwrap_or(u32::MAX);
        if let Some((_, path, Some(w))) = self.links.get_mut(f.link.0) {
            if let Err(e) = w.write_packet(&PcapPacket::new(wall, len, &f.data)) {
                let e = SimError::Capture {
                    path: path.clone(),
                    message: e.to_string(),
                };
                self.failed(e);
                return;
            }
        }
        if !(self.keep)(f) {
            return;
        }
        let Some((path, w)) = &mut self.merged else {
            return;
        };
        if let Err(e) = w.write_pcapng_block(packet(f, wall)) {
            let e = SimError::Capture {
                path: path.clone(),
                message: e.to_string(),
            };
            self.failed(e);
        }
    }

    /// Flushes every file; the files, or the first error met while writing.
    pub fn finish(mut self) -> Result<CaptureFiles, SimError> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        let (merged, w) = self.merged.take().expect("a sink has its merged capture");
        flush(w.into_inner(), &merged)?;
        let mut per_link = vec![];
        for (name, path, w) in self.links {
            if let Some(w) = w {
                flush(w.into_writer(), &path)?;
            }
            per_link.push((name, path));
        }
        Ok(CaptureFiles { per_link, merged })
    }

    fn failed(&mut self, e: SimError) {
        self.error.get_or_insert(e);
    }
}

/// The merged pcapng's section header, naming the writer.
pub(crate) fn section_header() -> SectionHeaderBlock<'static> {
    SectionHeaderBlock {
        endianness: Endianness::Little,
        options: vec![SectionHeaderOption::UserApplication(Cow::Borrowed(
            "ikelab-sim",
        ))],
        ..Default::default()
    }
}

/// The merged pcapng's interface for the link called `name`: Ethernet, nanosecond timestamps.
pub(crate) fn interface(name: &str) -> InterfaceDescriptionBlock<'static> {
    InterfaceDescriptionBlock {
        linktype: DataLink::ETHERNET,
        snaplen: SNAPLEN,
        options: vec![
            InterfaceDescriptionOption::IfName(Cow::Owned(name.to_string())),
            // pcap-file writes EPB timestamps as raw nanoseconds: say so.
            InterfaceDescriptionOption::IfTsResol(9),
        ],
    }
}

/// Frame `f` as a block of the merged pcapng, on its link's interface, stamped `wall`.
pub(crate) fn packet(f: &CapturedFrame, wall: std::time::Duration) -> EnhancedPacketBlock<'_> {
    EnhancedPacketBlock {
        // Links are interfaces in order; a lab never has 2^32 of them.
        interface_id: u32::try_from(f.link.0).unwrap_or(u32::MAX),
        timestamp: wall,
        original_len: u32::try_from(f.wire_len).unwrap_or(u32::MAX),
        data: Cow::Borrowed(&f.data),
        options: vec![],
    }
}

/// Classic pcap's header: nanosecond timestamps, Ethernet.
pub(crate) fn pcap_header() -> PcapHeader {
    PcapHeader {
        datalink: DataLink::ETHERNET,
        ts_resolution: TsResolution::NanoSecond,
        endianness: Endianness::Little,
        snaplen: SNAPLEN,
        ..PcapHeader::default()
    }
}

fn flush(mut w: Buffered, path: &Path) -> Result<(), SimError> {
    w.flush().map_err(|source| SimError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// A log written line by line (`lab.log`, a router's vendor log).
#[derive(Debug)]
pub struct LineSink {
    path: PathBuf,
    out: Option<Buffered>,
    error: Option<SimError>,
}

impl LineSink {
    /// Creates `path` as [`files::create`] does, readable by all.
    pub fn create(path: &Path) -> Result<LineSink, SimError> {
        Self::create_as(path, Access::Shared)
    }

    /// Creates `path` as [`files::create`] does, with `access`.
    pub fn create_as(path: &Path, access: Access) -> Result<LineSink, SimError> {
        Ok(LineSink {
            path: path.to_path_buf(),
            out: Some(BufWriter::with_capacity(
                BUFFER,
                files::create(path, access)?,
            )),
            error: None,
        })
    }

    /// A sink that writes nothing: a run that keeps no files does not keep its lines either.
    pub fn discard() -> LineSink {
        LineSink {
            path: PathBuf::new(),
            out: None,
            error: None,
        }
    }

    /// Appends `line` and a newline.
    pub fn line(&mut self, line: std::fmt::Arguments<'_>) {
        let Some(out) = &mut self.out else { return };
        if let Err(source) = writeln!(out, "{line}") {
            self.error.get_or_insert(SimError::Io {
                path: self.path.clone(),
                source,
            });
            self.out = None;
        }
    }

    /// Flushes; the path, or the first error met while writing.
    pub fn finish(mut self) -> Result<PathBuf, SimError> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        if let Some(out) = self.out.take() {
            flush(out, &self.path)?;
        }
        Ok(self.path)
    }
}

/// Where a record goes: kept in memory, written to a sink, or written and the sink finished.
#[derive(Debug, Default)]
pub(crate) enum Stream<S> {
    /// Kept in memory.
    #[default]
    Off,
    /// Written to the sink as it comes.
    On(S),
    /// Was written; the sink is flushed and gone.
    Finished,
}

impl<S> Stream<S> {
    /// The sink, while streaming.
    pub(crate) fn sink(&mut self) -> Option<&mut S> {
        match self {
            Stream::On(s) => Some(s),
            _ => None,
        }
    }

    /// Whether the record went to a sink (streaming now, or finished).
    pub(crate) fn is_used(&self) -> bool {
        !matches!(self, Stream::Off)
    }

    /// Takes the sink to finish it; the record stays marked as streamed.
    pub(crate) fn finish(&mut self) -> Option<S> {
        match std::mem::replace(self, Stream::Finished) {
            Stream::On(s) => Some(s),
            Stream::Off => {
                *self = Stream::Off;
                None
            }
            Stream::Finished => None,
        }
    }
}
