//! The run log: what nodes and the simulator report (ARP resolutions, drops and why, ping
//! results, link cuts), stamped with virtual time. Part of a run's deterministic output.

use core::fmt::Write as _;

use ikelab_peers::time::Instant;

use crate::StartTime;

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
#[derive(Clone, Debug, Default)]
pub struct Log {
    entries: Vec<LogEntry>,
}

impl Log {
    pub(crate) fn push(&mut self, time: Instant, source: &str, message: String) {
        self.entries.push(LogEntry {
            time,
            source: source.to_string(),
            message,
        });
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
