//! The table from the names a scenario or the command line uses (`vendor = "seil"`, `ix`,
//! `nec-ix`, `rtx`, `ios`, `cisco`) to device personalities. A caller may add rows ([`Personalities::with`]).

use std::sync::Arc;

use super::{Personality, Vendor, ios, ix, rtx, seil};

/// One row: the names a device answers to, and its personality.
#[derive(Clone, Debug)]
struct Row {
    names: Vec<String>,
    personality: Arc<dyn Personality>,
}

/// Names to personalities.
#[derive(Clone, Debug)]
pub struct Personalities {
    rows: Vec<Row>,
}

impl Personalities {
    /// The devices ikelab ships. The first row also describes a peer that is no router of the
    /// run (the document's case: a SEIL proposing to the IX).
    pub fn builtin() -> Self {
        Personalities { rows: vec![] }
            .with(&["seil"], Arc::new(seil::Seil))
            .with(&["ix", "nec-ix", "ix2015"], Arc::new(ix::Ix))
            .with(&["rtx", "yamaha", "rtx1210", "rtx830"], Arc::new(rtx::Rtx))
            .with(&["ios", "cisco", "cisco-ios"], Arc::new(ios::Ios))
    }

    /// This table and one more row: `names` (matched without regard to case) for `personality`.
    pub fn with(mut self, names: &[&str], personality: Arc<dyn Personality>) -> Self {
        self.rows.push(Row {
            names: names.iter().map(|n| n.to_ascii_lowercase()).collect(),
            personality,
        });
        self
    }

    /// The personality a name stands for.
    pub fn get(&self, name: &str) -> Option<Arc<dyn Personality>> {
        let name = name.to_ascii_lowercase();
        self.rows
            .iter()
            .find(|r| r.names.contains(&name))
            .map(|r| r.personality.clone())
    }

    /// The personality of a vendor (the name its parsed configs carry).
    pub fn of(&self, vendor: Vendor) -> Option<Arc<dyn Personality>> {
        self.rows
            .iter()
            .find(|r| r.personality.vendor() == vendor)
            .map(|r| r.personality.clone())
    }

    /// The personality that describes a peer outside the run (the first row's).
    pub fn outside_peer(&self) -> Arc<dyn Personality> {
        self.rows[0].personality.clone()
    }

    /// Every personality, in the table's order, with its first name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Arc<dyn Personality>)> {
        self.rows
            .iter()
            .map(|r| (r.names[0].as_str(), &r.personality))
    }

    /// Each row's first name, quoted (`"seil", "ix", "rtx" or "ios"`), for messages.
    pub fn expected(&self, quote: bool) -> String {
        let names: Vec<String> = self
            .rows
            .iter()
            .map(|r| {
                let n = &r.names[0];
                if quote { format!("{n:?}") } else { n.clone() }
            })
            .collect();
        match names.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
            None => String::new(),
        }
    }
}
