//! Named event counters of a node or link: what was received, sent and, above all, dropped and
//! why (a malformed frame is counted, not a panic).

use std::collections::BTreeMap;

/// Counts by name (ordered, so their listing is stable).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counters(BTreeMap<&'static str, u64>);

impl Counters {
    /// Adds one to `name`.
    pub fn bump(&mut self, name: &'static str) {
        *self.0.entry(name).or_insert(0) += 1;
    }

    /// The count of `name` (0 if never counted).
    pub fn get(&self, name: &str) -> u64 {
        self.0.get(name).copied().unwrap_or(0)
    }

    /// All counters, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, u64)> + '_ {
        self.0.iter().map(|(k, v)| (*k, *v))
    }
}
