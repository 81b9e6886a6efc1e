//! The run log: what nodes and the simulator report (ARP resolutions, drops and why, ping
//! results, link cuts), stamped with virtual time. Part of a run's deterministic output. Kept in
//! memory, or once [`Log::stream_to`] is given a file, written line by line and not kept.

use core::fmt::Write as _;

use ikelab_peers::time::Instant;

use crate::sink::Stream;
use crate::{LineSink, SimError, StartTime};

/// One line of the run log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEntry {
    /// When (virtual time).
    pub time: Instant,
    /// Who: a node's or link's name, or `sim`.
    pub source: String,
    /// What.
    pub message: String,
}

/// Every line of a run, in order.
#[derive(Debug, Default)]
pub struct Log {
    entries: Vec<LogEntry>,
    sink: Stream<(LineSink, StartTime)>,
}

impl Log {
    pub(crate) fn push(&mut self, time: Instant, source: &str, message: String) {
        if let Some((sink, start)) = self.sink.sink() {
            sink.line(format_args!("{} {source}: {message}", start.stamp(time)));
            return;
        }
        self.entries.push(LogEntry {
            time,
            source: source.to_string(),
            message,
        });
    }

    /// From now on, writes every line to `sink` (times shown from `start`) instead of keeping
    /// it; the lines kept so far are written first and let go.
    pub fn stream_to(&mut self, mut sink: LineSink, start: StartTime) {
        for e in std::mem::take(&mut self.entries) {
            sink.line(format_args!(
                "{} {}: {}",
                start.stamp(e.time),
                e.source,
                e.message
            ));
        }
        self.sink = Stream::On((sink, start));
    }

    /// Whether lines go to a file (and [`Log::entries`] holds none).
    pub fn is_streamed(&self) -> bool {
        self.sink.is_used()
    }

    /// Ends streaming: the file, or the first error met; `None` if not streaming.
    pub fn finish_stream(&mut self) -> Option<Result<std::path::PathBuf, SimError>> {
        self.sink.finish().map(|(s, _)| s.finish())
    }

    /// All entries.
    pub fn entries(&self) -> &[LogEntry] {
        &self.entries
    }

    /// Entries from `source` whose message contains `needle`.
    pub fn find<'a>(
        &'a self,
        source: &'a str,
        needle: &'a str,
    ) -> impl Iterator<Item = &'a LogEntry> {
        self.entries
            .iter()
            .filter(move |e| e.source == source && e.message.contains(needle))
    }

    /// The log as text, one `Jan  5 07:27:06.000125 seil: message` line per entry.
    pub fn render(&self, start: StartTime) -> String {
        let mut out = String::new();
        for e in &self.entries {
            let _ = writeln!(out, "{} {}: {}", start.stamp(e.time), e.source, e.message);
        }
        out
    }
}
