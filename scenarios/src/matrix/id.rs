//! A cell's id: the name of its folder under `cells/` and of its row in `matrix.csv`, made from
//! the pair, the knob and the variant's name (`seil-ix-ids-default-host`), so it is the same on
//! every run and in every shard, and safe as a file name (ASCII letters, digits and `-`).

use std::fmt;
use std::fmt::Write as _;

use super::grid::Cell;

/// A cell's id ([`Cell::id`]).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CellId(String);

impl CellId {
    /// The id as text (a file name).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CellId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `text` in lower-case ASCII letters and digits, every other run of characters one `-`, with
/// none at either end (`phase-1 3des/aes` is `phase-1-3des-aes`).
fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

impl Cell {
    /// This cell's id: `<initiator>-<responder>-<knob>-<variant>`, each part a [`slug`].
    pub fn id(&self) -> CellId {
        let parts = [
            slug(&self.initiator),
            slug(&self.responder),
            slug(self.variant.knob.name()),
            slug(&self.variant.name),
        ];
        CellId(parts.join("-"))
    }
}

/// At most this many cells are named in a message.
const NAMED: usize = 12;

/// `ids` for a message: the first few, and how many more.
pub fn list(ids: &[CellId]) -> String {
    let mut s = ids
        .iter()
        .take(NAMED)
        .map(CellId::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if ids.len() > NAMED {
        let _ = write!(s, " and {} more", ids.len() - NAMED);
    }
    s
}

/// The first id that two of `cells` share, if any (the grid's names make none; a test checks).
pub fn duplicate(cells: &[Cell]) -> Option<CellId> {
    let mut seen = std::collections::HashSet::new();
    cells
        .iter()
        .map(Cell::id)
        .find(|id| !seen.insert(id.clone()))
}

#[cfg(test)]
mod tests {
    use super::slug;

    #[test]
    fn slugs_are_file_names() {
        assert_eq!(slug("phase-1 3des/aes"), "phase-1-3des-aes");
        assert_eq!(slug("subnet/not mirrored"), "subnet-not-mirrored");
        assert_eq!(slug("../x//Y "), "x-y");
        assert_eq!(slug("/"), "");
    }
}
