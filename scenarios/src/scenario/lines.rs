//! Where each table and key of a scenario file is, so that an error about a router, host or
//! step points at its line.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

/// A table of the file: its keys' spans and its own.
type SpannedTable = Spanned<BTreeMap<String, Spanned<toml::Value>>>;

/// The parts of a scenario file whose positions errors use.
#[derive(Deserialize)]
struct Raw {
    start: Option<Spanned<toml::Value>>,
    duration: Option<Spanned<toml::Value>>,
    #[serde(default)]
    router: Vec<SpannedTable>,
    #[serde(default)]
    host: Vec<SpannedTable>,
    #[serde(default)]
    step: Vec<SpannedTable>,
    #[serde(default)]
    nat: Vec<SpannedTable>,
}

/// The 1-based line of byte `offset` of `text`.
pub fn line_at(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// A table's line and its keys' lines.
#[derive(Clone, Debug, Default)]
struct TableLines {
    line: usize,
    keys: BTreeMap<String, usize>,
}

/// Which table of the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Table {
    /// The n-th `[[router]]`.
    Router(usize),
    /// The n-th `[[host]]`.
    Host(usize),
    /// The n-th `[[step]]`.
    Step(usize),
    /// The n-th `[[nat]]`.
    Nat(usize),
}

/// The lines of a scenario file's `start` and of each router, host and step.
#[derive(Clone, Debug, Default)]
pub struct Lines {
    start: usize,
    duration: usize,
    routers: Vec<TableLines>,
    hosts: Vec<TableLines>,
    steps: Vec<TableLines>,
    nats: Vec<TableLines>,
}

impl Lines {
    /// Reads the positions in `text` (a file that parsed as a scenario); nothing is known of a
    /// text that does not parse as TOML.
    pub fn read(text: &str) -> Lines {
        let line = |offset: usize| line_at(text, offset);
        let Ok(raw) = toml::from_str::<Raw>(text) else {
            return Lines::default();
        };
        let tables = |v: Vec<SpannedTable>| -> Vec<TableLines> {
            v.iter()
                .map(|t| TableLines {
                    line: line(t.span().start),
                    keys: t
                        .get_ref()
                        .iter()
                        .map(|(k, v)| (k.clone(), line(v.span().start)))
                        .collect(),
                })
                .collect()
        };
        Lines {
            start: raw.start.map_or(0, |s| line(s.span().start)),
            duration: raw.duration.map_or(0, |s| line(s.span().start)),
            routers: tables(raw.router),
            hosts: tables(raw.host),
            steps: tables(raw.step),
            nats: tables(raw.nat),
        }
    }

    /// The line of `key` in `table`, or of the table if it has no such key (0 if unknown).
    pub fn of(&self, table: Table, key: &str) -> usize {
        let tables = match table {
            Table::Router(i) => self.routers.get(i),
            Table::Host(i) => self.hosts.get(i),
            Table::Step(i) => self.steps.get(i),
            Table::Nat(i) => self.nats.get(i),
        };
        tables.map_or(0, |t| t.keys.get(key).copied().unwrap_or(t.line))
    }

    /// Forgets the steps' lines (for a scenario whose steps are replaced).
    pub fn clear_steps(&mut self) {
        self.steps.clear();
    }

    /// The line of the `start` key (0 if it is not in the file).
    pub fn start(&self) -> usize {
        self.start
    }

    /// The line of the `duration` key (0 if it is not in the file).
    pub fn duration(&self) -> usize {
        self.duration
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_and_keys_have_their_lines() {
        let text = "name = \"x\"\nstart = \"Jan 5\"\nduration = \"1m\"\n[[router]]\nname = \"a\"\nvendor = \"v\"\n\n[[step]]\nat = \"1s\"\ndo = \"ping\"\nfrom = \"h\"\n[[step]]\nat = \"2s\"\n";
        let l = Lines::read(text);
        assert_eq!((l.start(), l.duration()), (2, 3));
        assert_eq!(l.of(Table::Router(0), "vendor"), 6);
        assert_eq!(l.of(Table::Step(0), "from"), 11);
        assert_eq!(l.of(Table::Step(1), "at"), 13);
        assert_eq!(l.of(Table::Step(1), "router"), 12, "the `[[step]]` line");
        assert_eq!(l.of(Table::Host(0), "address"), 0);
    }
}
