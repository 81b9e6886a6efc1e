//! `ikelab decode` streams (issue 13, finding 8: a 400 MB capture took 1.5 GB): frames are read
//! one record at a time, so what has been read from the capture when a frame is handed over is
//! that frame and a bounded read-ahead, however long the capture. Checked on a generated capture
//! of a million frames that never exists in memory or on disk; nothing is timed.

use std::io::{BufReader, Read};

use ikelab::decode::capture::Frames;

/// Frames in the generated capture.
const FRAMES: u64 = 1_000_000;
/// Bytes of each frame (an Ethernet header and a little more).
const FRAME: usize = 60;
/// What the reader may hold beyond the frame handed over: its buffer, plus a record.
const READ_AHEAD: u64 = 64 * 1024;

/// A little-endian microsecond pcap of [`FRAMES`] Ethernet frames, made as it is read, that
/// counts the bytes taken from it.
struct Generated {
    at: u64,
    len: u64,
}

impl Generated {
    fn new() -> Self {
        Generated {
            at: 0,
            len: 24 + FRAMES * (16 + FRAME as u64),
        }
    }

    fn byte(&self, at: u64) -> u8 {
        if at < 24 {
            let mut h = [0u8; 24];
            h[..4].copy_from_slice(&[0xd4, 0xc3, 0xb2, 0xa1]);
            h[4..6].copy_from_slice(&2u16.to_le_bytes());
            h[6..8].copy_from_slice(&4u16.to_le_bytes());
            h[16..20].copy_from_slice(&65535u32.to_le_bytes());
            h[20..24].copy_from_slice(&1u32.to_le_bytes());
            return h[at as usize];
        }
        let rec = (at - 24) / (16 + FRAME as u64);
        let off = ((at - 24) % (16 + FRAME as u64)) as usize;
        let mut head = [0u8; 16];
        head[..4].copy_from_slice(&(rec as u32).to_le_bytes());
        head[8..12].copy_from_slice(&(FRAME as u32).to_le_bytes());
        head[12..16].copy_from_slice(&(FRAME as u32).to_le_bytes());
        if off < 16 { head[off] } else { 0x42 }
    }
}

impl Read for Generated {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min((self.len - self.at) as usize);
        for (i, b) in buf[..n].iter_mut().enumerate() {
            *b = self.byte(self.at + i as u64);
        }
        self.at += n as u64;
        Ok(n)
    }
}

/// Shares the count of bytes read with the test while the reader is owned by `Frames`.
struct Counted<R> {
    inner: R,
    read: std::rc::Rc<std::cell::Cell<u64>>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.set(self.read.get() + n as u64);
        Ok(n)
    }
}

#[test]
fn a_million_frames_are_read_one_record_at_a_time() {
    let read = std::rc::Rc::new(std::cell::Cell::new(0));
    let source = Counted {
        inner: Generated::new(),
        read: read.clone(),
    };
    let frames = Frames::new("generated.pcap", BufReader::with_capacity(8192, source)).unwrap();
    let mut n = 0u64;
    for f in frames {
        let f = f.unwrap();
        n += 1;
        assert_eq!(f.number as u64, n);
        assert_eq!(f.data.len(), FRAME);
        let through = 24 + n * (16 + FRAME as u64);
        assert!(
            read.get() <= through + READ_AHEAD,
            "frame {n}: {} bytes read, {through} needed",
            read.get()
        );
    }
    assert_eq!(n, FRAMES);
}
