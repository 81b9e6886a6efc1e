//! Captures of a netns run: what the driver's ports saw (point-to-point links) and what a bridge
//! forwarded (switched segments), merged in time order into the same [`Capture`] the in-process
//! taps fill, so the artefacts are written by the same code.
//!
//! A bridge is captured on the bridge device itself, in promiscuous mode: the kernel then passes
//! every frame the bridge forwards up to the bridge device too (`br_handle_frame_finish`), so each
//! frame appears once, as a switch's mirror port would show it. No tcpdump: an AF_PACKET socket
//! created in the bridge's namespace, read by a thread.

use std::io;
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

use ikelab_peers::time::Instant;

use super::driver::Clock;
use super::sys::{PacketSocket, poll_readable};
use crate::{Capture, CaptureSink, CapturedFrame, LinkId};

/// Frames from several capture points, merged by time into a [`Capture`]; or, for a driver
/// whose frames all come from its own ports in time order (`ikelab peer`), written as they come
/// ([`Recorder::stream_to`]).
#[derive(Debug, Default)]
pub struct Recorder {
    links: Vec<String>,
    frames: Vec<(LinkId, Instant, Vec<u8>)>,
    sink: Option<CaptureSink>,
}

impl Recorder {
    /// Adds a link (a capture point) named `name`.
    pub fn add_link(&mut self, name: &str) -> LinkId {
        self.links.push(name.to_string());
        if let Some(sink) = &mut self.sink {
            sink.add_link(name);
        }
        LinkId(self.links.len() - 1)
    }

    /// Records a frame.
    pub fn record(&mut self, link: LinkId, time: Instant, data: Vec<u8>) {
        match &mut self.sink {
            Some(sink) => sink.write(&CapturedFrame {
                link,
                time,
                wire_len: data.len(),
                data,
            }),
            None => self.frames.push((link, time, data)),
        }
    }

    /// From now on, writes each frame to `sink` as it is recorded (frames must then come in
    /// time order; those recorded so far are written first, sorted).
    pub fn stream_to(&mut self, mut sink: CaptureSink) {
        for l in &self.links {
            sink.add_link(l);
        }
        let mut frames = std::mem::take(&mut self.frames);
        frames.sort_by_key(|f| f.1);
        for (link, time, data) in frames {
            sink.write(&CapturedFrame {
                link,
                time,
                wire_len: data.len(),
                data,
            });
        }
        self.sink = Some(sink);
    }

    /// Frames recorded so far.
    pub fn len(&self) -> usize {
        self.frames.len()
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// The capture, frames in time order (ties keep their recording order).
    pub fn finish(mut self) -> Capture {
        self.frames.sort_by_key(|f| f.1);
        let mut c = Capture::new(true);
        for l in &self.links {
            c.add_link(l);
        }
        for (link, time, data) in self.frames {
            c.record(link, time, data);
        }
        if let Some(sink) = self.sink {
            // Still to be finished by whoever writes the run's files.
            c.streaming(sink);
        }
        c
    }
}

/// Frames with their arrival times.
pub type Frames = Vec<(Instant, Vec<u8>)>;

/// A running capture of a bridge (see the module documentation).
#[derive(Debug)]
pub struct BridgeCapture {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<io::Result<Frames>>>,
}

impl BridgeCapture {
    /// Starts capturing `ifname` (the bridge) in namespace `ns`, stamping frames with `clock`.
    /// The socket is open when this returns: no frame sent afterwards is missed.
    pub fn start(ns: &str, ifname: &str, clock: Clock) -> io::Result<BridgeCapture> {
        let socket = PacketSocket::open(ns, ifname, true)?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name(format!("capture-{ifname}"))
            .spawn(move || {
                let mut frames = vec![];
                let mut buf = vec![0u8; 65_600];
                loop {
                    let stopping = flag.load(Ordering::Relaxed);
                    let ready =
                        poll_readable(&[socket.as_raw_fd()], if stopping { 0 } else { 50 })?;
                    if ready[0] {
                        while let Some((n, stamp)) = socket.recv_stamped(&mut buf)? {
                            let t = stamp.map_or_else(|| clock.now(), |s| clock.from_unix(s));
                            frames.push((t, buf[..n].to_vec()));
                        }
                    } else if stopping {
                        return Ok(frames);
                    }
                }
            })?;
        Ok(BridgeCapture {
            stop,
            thread: Some(thread),
        })
    }

    /// Stops and returns every frame seen, with its time.
    pub fn stop(mut self) -> io::Result<Frames> {
        self.stop.store(true, Ordering::Relaxed);
        self.thread
            .take()
            .expect("started")
            .join()
            .map_err(|_| io::Error::other("capture thread panicked"))?
    }
}

impl Drop for BridgeCapture {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
