//! A router's record of engine events for a run, which the outcome, `summary.json`'s timeline
//! and the diagnosis read after it: kept in memory, or, for `ikelab run` (whose runs may last
//! virtual weeks), written to a spool file in the run's folder as events come and read back one
//! at a time, so that memory does not grow with the length of a run.

use std::borrow::Cow;
use std::cell::RefCell;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use ikelab_peers::ike::{Event, EventKind};
use ikelab_sim::SimError;
use ikelab_sim::files::{self, Access};

/// The events of one router, in the order the engine gave them.
#[derive(Debug, Default)]
pub struct EventRecord {
    kept: Vec<Event>,
    spool: Option<Spool>,
}

/// Events written one JSON object a line; the file is removed when the record goes.
#[derive(Debug)]
struct Spool {
    path: PathBuf,
    out: RefCell<Option<BufWriter<File>>>,
    /// The first error met writing or reading; what came before it stays readable.
    error: RefCell<Option<SimError>>,
}

impl EventRecord {
    /// From now on, writes events to `path` (created as [`files::create`] does) instead of
    /// keeping them; the events kept so far go first.
    pub fn spool_to(&mut self, path: &Path) -> Result<(), SimError> {
        let out = BufWriter::new(files::create(path, Access::Shared)?);
        let spool = Spool {
            path: path.to_path_buf(),
            out: RefCell::new(Some(out)),
            error: RefCell::new(None),
        };
        for e in std::mem::take(&mut self.kept) {
            spool.write(&e);
        }
        self.spool = Some(spool);
        Ok(())
    }

    /// Adds an event.
    pub fn push(&mut self, e: Event) {
        match &self.spool {
            Some(s) => s.write(&e),
            None => self.kept.push(e),
        }
    }

    /// The events so far, in order. A spooled record is read back from its file; if that fails
    /// the events end there and [`EventRecord::error`] says why.
    pub fn iter(&self) -> Events<'_> {
        match &self.spool {
            None => Events(Source::Kept(self.kept.iter())),
            Some(s) => match s.reader() {
                Ok(r) => Events(Source::Spooled {
                    lines: r.lines(),
                    spool: s,
                }),
                Err(e) => {
                    s.fail(e);
                    Events(Source::Kept([].iter()))
                }
            },
        }
    }

    /// How many events are held in memory (none once spooled).
    pub fn in_memory(&self) -> usize {
        self.kept.len()
    }

    /// The first error met writing or reading the spool file, if any (taken).
    pub fn error(&self) -> Option<SimError> {
        self.spool.as_ref()?.error.borrow_mut().take()
    }
}

impl<'a> IntoIterator for &'a EventRecord {
    type Item = Cow<'a, Event>;
    type IntoIter = Events<'a>;

    fn into_iter(self) -> Events<'a> {
        self.iter()
    }
}

/// Whether an event can go to a spool file. Drops carry static wire-error text and keys belong
/// in the key files only ([`EventKind`]); no reader of the record looks at either.
fn spoolable(kind: &EventKind) -> bool {
    !matches!(kind, EventKind::Dropped { .. } | EventKind::Keys(_))
}

impl Spool {
    fn write(&self, e: &Event) {
        if !spoolable(&e.kind) {
            return;
        }
        let mut out = self.out.borrow_mut();
        let Some(w) = out.as_mut() else { return };
        let written = serde_json::to_writer(&mut *w, e)
            .map_err(std::io::Error::from)
            .and_then(|()| w.write_all(b"\n"));
        if let Err(e) = written {
            *out = None;
            drop(out);
            self.fail(e);
        }
    }

    /// Flushes what was written and opens the file to read it from the start.
    fn reader(&self) -> std::io::Result<BufReader<File>> {
        if let Some(w) = self.out.borrow_mut().as_mut() {
            w.flush()?;
        }
        Ok(BufReader::new(File::open(&self.path)?))
    }

    fn fail(&self, source: std::io::Error) {
        self.error.borrow_mut().get_or_insert(SimError::Io {
            path: self.path.clone(),
            source,
        });
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        // A spool is the run's working memory, not one of its artefacts.
        self.out.get_mut().take();
        let _ = std::fs::remove_file(&self.path);
    }
}

/// An iterator over a record's events.
pub struct Events<'a>(Source<'a>);

enum Source<'a> {
    Kept(std::slice::Iter<'a, Event>),
    Spooled {
        lines: std::io::Lines<BufReader<File>>,
        spool: &'a Spool,
    },
}

impl<'a> Iterator for Events<'a> {
    type Item = Cow<'a, Event>;

    fn next(&mut self) -> Option<Cow<'a, Event>> {
        match &mut self.0 {
            Source::Kept(it) => it.next().map(Cow::Borrowed),
            Source::Spooled { lines, spool } => {
                let line = match lines.next()? {
                    Ok(l) => l,
                    Err(e) => {
                        spool.fail(e);
                        return None;
                    }
                };
                match serde_json::from_str(&line) {
                    Ok(e) => Some(Cow::Owned(e)),
                    Err(e) => {
                        spool.fail(e.into());
                        None
                    }
                }
            }
        }
    }
}

/// The events of several records as one sequence ordered by `key` (which must not decrease
/// within a record, as time does not), records in the order given where keys are equal: what a
/// stable sort of them all would give, without holding them all.
pub fn merged<'a, K: Ord>(
    records: &[&'a EventRecord],
    key: impl Fn(&Event) -> K,
) -> impl Iterator<Item = (usize, Cow<'a, Event>)> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    let mut sources: Vec<Events<'a>> = records.iter().map(|r| r.iter()).collect();
    let mut heads: Vec<Option<Cow<'a, Event>>> = sources.iter_mut().map(Iterator::next).collect();
    let mut order: BinaryHeap<Reverse<(K, usize)>> = heads
        .iter()
        .enumerate()
        .filter_map(|(i, h)| h.as_ref().map(|e| Reverse((key(e), i))))
        .collect();
    std::iter::from_fn(move || {
        let Reverse((_, i)) = order.pop()?;
        let e = heads[i].take()?;
        heads[i] = sources[i].next();
        if let Some(next) = &heads[i] {
            order.push(Reverse((key(next), i)));
        }
        Some((i, e))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ikelab_peers::ike::{DeleteReason, Direction, EncapMode, QmId};
    use ikelab_peers::time::Instant;
    use ikelab_peers::wire::{IdData, NotifyType, ProtocolId};
    use std::net::{Ipv4Addr, SocketAddrV4};
    use std::time::Duration;

    fn at(ms: u64) -> Instant {
        Instant::ZERO + Duration::from_millis(ms)
    }

    fn id(a: [u8; 4]) -> QmId {
        QmId {
            data: IdData::Ipv4Subnet(Ipv4Addr::from(a), Ipv4Addr::new(255, 255, 255, 0)),
            protocol: 0,
            port: 0,
        }
    }

    /// Events of most shapes a spool must carry: nested IDs, enums, addresses, byte lists.
    fn sample() -> Vec<Event> {
        let peer = SocketAddrV4::new(Ipv4Addr::new(172, 16, 0, 2), 500);
        vec![
            Event {
                at: at(1),
                kind: EventKind::NoPolicyForIds {
                    from: peer,
                    initiator_id: id([0, 0, 0, 0]),
                    responder_id: id([10, 0, 1, 0]),
                    expected: vec![(id([192, 168, 0, 0]), id([192, 168, 1, 0]))],
                },
            },
            Event {
                at: at(1),
                kind: EventKind::NotifySent {
                    to: peer,
                    kind: NotifyType(18),
                    protocol: ProtocolId(1),
                },
            },
            Event {
                at: at(7),
                kind: EventKind::SaDeleted {
                    spi: 0xdead_beef,
                    direction: Direction::Inbound,
                    mode: EncapMode::Tunnel,
                    src: Ipv4Addr::new(172, 16, 0, 2),
                    dst: Ipv4Addr::new(172, 16, 0, 1),
                    reason: DeleteReason::Expired,
                },
            },
            Event {
                at: at(9),
                kind: EventKind::DeleteReceived {
                    from: peer,
                    protocol: ProtocolId(3),
                    spis: vec![vec![1, 2, 3, 4], vec![]],
                },
            },
        ]
    }

    fn spool_dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("ikelab-record-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn a_spooled_record_reads_back_what_went_in_and_holds_none_of_it() {
        let dir = spool_dir("round-trip");
        let path = dir.join(".r.events");
        let mut r = EventRecord::default();
        let events = sample();
        r.push(events[0].clone());
        r.spool_to(&path).unwrap();
        for e in &events[1..] {
            r.push(e.clone());
        }
        // Drops and keys are not spooled ([`EventKind`] cannot serialise them).
        r.push(Event {
            at: at(10),
            kind: EventKind::Dropped {
                from: SocketAddrV4::new(Ipv4Addr::LOCALHOST, 500),
                reason: ikelab_peers::ike::DropReason::BadHash,
            },
        });
        assert_eq!(r.in_memory(), 0);
        let back: Vec<Event> = r.iter().map(Cow::into_owned).collect();
        assert_eq!(back, events);
        // Twice: each read starts from the beginning.
        assert_eq!(r.iter().count(), events.len());
        assert!(r.error().is_none());
        drop(r);
        assert!(!path.exists(), "the spool goes with the record");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_spool_that_cannot_be_read_back_ends_early_and_says_why() {
        let dir = spool_dir("broken");
        let path = dir.join(".r.events");
        let mut r = EventRecord::default();
        r.spool_to(&path).unwrap();
        for e in sample() {
            r.push(e);
        }
        assert_eq!(r.iter().count(), 4);
        std::fs::write(&path, b"{\"at\":1,\"kind\":\"SadFlushed\"}\nnot json\n").unwrap();
        assert_eq!(r.iter().count(), 1, "the events up to the damage");
        let e = r.error().expect("the damage is reported").to_string();
        assert!(e.contains(".r.events"), "{e}");
        std::fs::remove_file(&path).unwrap();
        assert_eq!(r.iter().count(), 0);
        assert!(r.error().is_some(), "a missing spool is reported");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn merged_records_come_in_the_order_a_stable_sort_gives() {
        let mut a = EventRecord::default();
        let mut b = EventRecord::default();
        let ev = |ms, spi| Event {
            at: at(ms),
            kind: EventKind::SaDeleted {
                spi,
                direction: Direction::Outbound,
                mode: EncapMode::Transport,
                src: Ipv4Addr::LOCALHOST,
                dst: Ipv4Addr::LOCALHOST,
                reason: DeleteReason::Flushed,
            },
        };
        for (ms, spi) in [(1, 1), (3, 2), (3, 3), (8, 4)] {
            a.push(ev(ms, spi));
        }
        for (ms, spi) in [(0, 10), (3, 11), (9, 12)] {
            b.push(ev(ms, spi));
        }
        let mut want: Vec<(usize, Event)> = a
            .iter()
            .map(|e| (0, e.into_owned()))
            .chain(b.iter().map(|e| (1, e.into_owned())))
            .collect();
        want.sort_by_key(|(i, e)| (e.at, *i));
        let got: Vec<(usize, Event)> = merged(&[&a, &b], |e| e.at)
            .map(|(i, e)| (i, e.into_owned()))
            .collect();
        assert_eq!(got, want);
        let spis: Vec<u32> = got
            .iter()
            .map(|(_, e)| match e.kind {
                EventKind::SaDeleted { spi, .. } => spi,
                _ => 0,
            })
            .collect();
        assert_eq!(spis, [10, 1, 2, 3, 11, 4, 12]);
    }
}
