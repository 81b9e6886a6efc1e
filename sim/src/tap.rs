//! Taps: every frame that arrives at either end of any link is recorded, from the run's first
//! event on (so Main Mode is always captured whole), with its virtual time. Kept in memory and
//! written out at the end as one classic pcap per link and one merged pcapng with an interface
//! per link, or, once [`Capture::stream_to`] is given a [`CaptureSink`], written as it comes and
//! not kept (a long run's memory then does not grow with its traffic).

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use ikelab_peers::time::Instant;
use pcap_file::pcap::{PcapPacket, PcapWriter};
use pcap_file::pcapng::PcapNgWriter;

use crate::sink::{CaptureSink, Stream, interface, packet, pcap_header, section_header};
use crate::{LinkId, SimError, StartTime};

/// One recorded frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CapturedFrame {
    /// The link it crossed.
    pub link: LinkId,
    /// When it arrived (virtual time).
    pub time: Instant,
    /// The bytes as delivered (after any corruption), cut to the snap length if one is set.
    pub data: Vec<u8>,
    /// Its length on the wire (more than `data` when it was cut).
    pub wire_len: usize,
}

/// Which frames the taps keep (`ikelab run --capture`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CaptureWhat {
    /// Every frame.
    #[default]
    All,
    /// IKE only: UDP to or from port 500, and non-ESP UDP 4500 (no ESP, no pings, no ARP).
    Ike,
    /// Nothing.
    None,
}

/// What the taps keep, and how much of each frame (`ikelab run --capture --snaplen`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CaptureFilter {
    /// Which frames.
    pub what: CaptureWhat,
    /// At most this many bytes of each (the rest counted in its wire length, as tcpdump `-s`).
    pub snaplen: Option<usize>,
}

impl CaptureFilter {
    /// Whether `frame` (Ethernet) is kept.
    fn keeps(&self, frame: &[u8]) -> bool {
        match self.what {
            CaptureWhat::All => true,
            CaptureWhat::None => false,
            CaptureWhat::Ike => is_ike(frame),
        }
    }
}

/// An Ethernet frame carrying IKE: IPv4 UDP with port 500 on either side, or port 4500 with the
/// non-ESP marker (four zero bytes) first.
fn is_ike(frame: &[u8]) -> bool {
    let Ok(p) = etherparse::SlicedPacket::from_ethernet(frame) else {
        return false;
    };
    let Some(etherparse::TransportSlice::Udp(u)) = p.transport else {
        return false;
    };
    let ports = [u.source_port(), u.destination_port()];
    ports.contains(&500) || (ports.contains(&4500) && u.payload().get(..4) == Some(&[0; 4]))
}

/// Everything the taps saw, in arrival order (in memory, or streamed to a [`CaptureSink`]).
#[derive(Debug, Default)]
pub struct Capture {
    links: Vec<String>,
    frames: Vec<CapturedFrame>,
    enabled: bool,
    sink: Stream<CaptureSink>,
    streamed: u64,
    filter: CaptureFilter,
}

/// The files [`Capture::write`] produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaptureFiles {
    /// One classic pcap per link, in link order: (link name, path).
    pub per_link: Vec<(String, PathBuf)>,
    /// The merged pcapng.
    pub merged: PathBuf,
}

impl Capture {
    pub(crate) fn new(enabled: bool) -> Self {
        Capture {
            enabled,
            ..Default::default()
        }
    }

    pub(crate) fn add_link(&mut self, name: &str) {
        self.links.push(name.to_string());
        if let Some(sink) = self.sink.sink() {
            sink.add_link(name);
        }
    }

    /// Sets which frames are kept and how much of each, from now on.
    pub(crate) fn set_filter(&mut self, filter: CaptureFilter) {
        self.enabled = filter.what != CaptureWhat::None;
        self.filter = filter;
    }

    /// Records a frame (only called when enabled) and gives it back for delivery.
    pub(crate) fn record(&mut self, link: LinkId, time: Instant, data: Vec<u8>) -> Cow<'_, [u8]> {
        if !self.filter.keeps(&data) {
            return Cow::Owned(data);
        }
        let wire_len = data.len();
        if let Some(n) = self.filter.snaplen.filter(|n| *n < wire_len) {
            // Cut for the capture only: the frame is delivered whole.
            let f = CapturedFrame {
                link,
                time,
                data: data[..n].to_vec(),
                wire_len,
            };
            self.keep(f);
            return Cow::Owned(data);
        }
        let f = CapturedFrame {
            link,
            time,
            data,
            wire_len,
        };
        match self.sink.sink() {
            Some(sink) => {
                sink.write(&f);
                self.streamed += 1;
                Cow::Owned(f.data)
            }
            None => {
                self.frames.push(f);
                Cow::Borrowed(&self.frames[self.frames.len() - 1].data)
            }
        }
    }

    /// Keeps or streams a frame that is not delivered from here.
    fn keep(&mut self, f: CapturedFrame) {
        match self.sink.sink() {
            Some(sink) => {
                sink.write(&f);
                self.streamed += 1;
            }
            None => self.frames.push(f),
        }
    }

    /// From now on, writes every frame to `sink` as it is recorded instead of keeping it; the
    /// frames kept so far are written first and let go.
    pub fn stream_to(&mut self, mut sink: CaptureSink) {
        for name in &self.links {
            sink.add_link(name);
        }
        for f in std::mem::take(&mut self.frames) {
            sink.write(&f);
            self.streamed += 1;
        }
        self.sink = Stream::On(sink);
    }

    /// Takes over a sink others already wrote to (its links added), to finish it later.
    pub(crate) fn streaming(&mut self, sink: CaptureSink) {
        self.sink = Stream::On(sink);
    }

    /// Whether frames go to a sink (and [`Capture::frames`] holds none).
    pub fn is_streamed(&self) -> bool {
        self.sink.is_used()
    }

    /// How many frames went to the sink.
    pub fn streamed(&self) -> u64 {
        self.streamed
    }

    /// Ends streaming: the sink's files, or the first error it met; `None` if not streaming.
    pub fn finish_stream(&mut self) -> Option<Result<CaptureFiles, SimError>> {
        self.sink.finish().map(CaptureSink::finish)
    }

    /// Whether taps record (they do unless the lab was built with capture off).
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// All frames, in arrival order.
    pub fn frames(&self) -> &[CapturedFrame] {
        &self.frames
    }

    /// The frames that crossed `link`.
    pub fn on_link(&self, link: LinkId) -> impl Iterator<Item = &CapturedFrame> {
        self.frames().iter().filter(move |f| f.link == link)
    }

    /// The link names, in link order.
    pub fn link_names(&self) -> &[String] {
        &self.links
    }

    /// Classic pcap (nanosecond timestamps, Ethernet) of one link.
    pub fn write_pcap<W: Write>(
        &self,
        link: LinkId,
        start: StartTime,
        out: W,
    ) -> Result<W, String> {
        let mut w = PcapWriter::with_header(out, pcap_header()).map_err(|e| e.to_string())?;
        for f in self.on_link(link) {
            let len = u32::try_from(f.wire_len).unwrap_or(u32::MAX);
            w.write_packet(&PcapPacket::new(start.wall(f.time), len, &f.data))
                .map_err(|e| e.to_string())?;
        }
        Ok(w.into_writer())
    }

    /// The merged pcapng: one interface per link, named after it, with nanosecond resolution.
    pub fn write_pcapng<W: Write>(&self, start: StartTime, out: W) -> Result<W, String> {
        self.write_pcapng_where(start, out, |_| true)
    }

    /// The merged pcapng with only the frames `keep` accepts (e.g. one copy of each frame a
    /// switch forwarded, as a capture at the switch would show it).
    pub fn write_pcapng_where<W: Write>(
        &self,
        start: StartTime,
        out: W,
        mut keep: impl FnMut(&CapturedFrame) -> bool,
    ) -> Result<W, String> {
        let mut w =
            PcapNgWriter::with_section_header(out, section_header()).map_err(|e| e.to_string())?;
        for name in &self.links {
            w.write_pcapng_block(interface(name))
                .map_err(|e| e.to_string())?;
        }
        for f in self.frames().iter().filter(|f| keep(f)) {
            w.write_pcapng_block(packet(f, start.wall(f.time)))
                .map_err(|e| e.to_string())?;
        }
        Ok(w.into_inner())
    }

    /// Writes `<link>.pcap` for every link and `merged` (a file name) into `dir`.
    pub fn write(
        &self,
        dir: &Path,
        merged: &str,
        start: StartTime,
    ) -> Result<CaptureFiles, SimError> {
        let mut per_link = Vec::new();
        for (i, name) in self.links.iter().enumerate() {
            let path = dir.join(format!("{}.pcap", file_stem(name)));
            let file = create(&path)?;
            let w =
                self.write_pcap(LinkId(i), start, file)
                    .map_err(|message| SimError::Capture {
                        path: path.clone(),
                        message,
                    })?;
            finish(w, &path)?;
            per_link.push((name.clone(), path));
        }
        let path = dir.join(merged);
        let w = self
            .write_pcapng(start, create(&path)?)
            .map_err(|message| SimError::Capture {
                path: path.clone(),
                message,
            })?;
        finish(w, &path)?;
        Ok(CaptureFiles {
            per_link,
            merged: path,
        })
    }
}

/// A link name made safe as a file name (`FastEthernet0/0.0` -> `FastEthernet0_0.0`).
pub fn file_stem(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn create(path: &Path) -> Result<BufWriter<File>, SimError> {
    Ok(BufWriter::new(crate::files::create(
        path,
        crate::files::Access::Shared,
    )?))
}

fn finish(mut w: BufWriter<File>, path: &Path) -> Result<(), SimError> {
    w.flush().map_err(|source| SimError::Io {
        path: path.to_path_buf(),
        source,
    })
}
