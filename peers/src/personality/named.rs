//! A config's named definitions (IX `ike policy NAME`, `ipsec autokey-map NAME`, `interface
//! NAME`; SEIL `ike peer add NAME`, `ipsec security-association add NAME`, ...) in a table that
//! finds a name in constant time, so that a config costs in proportion to its lines (a list
//! scanned for each line made 100,000 IX `ike policy` lines take 46 s, issue 13). Each dialect
//! decides what a second definition does: the IX redefines ([`Named::upsert`]), SEIL refuses.

use std::collections::HashMap;
use std::ops::{Deref, DerefMut};

/// Items in the order their names were first defined, with an index by name. The items are
/// reachable as a slice (and mutably, for their other fields: a name is never changed).
#[derive(Clone, Debug)]
pub(crate) struct Named<T> {
    items: Vec<T>,
    index: HashMap<String, usize>,
}

impl<T> Default for Named<T> {
    fn default() -> Self {
        Named {
            items: Vec::new(),
            index: HashMap::new(),
        }
    }
}

impl<T> Named<T> {
    /// Defines `name` as `item`, replacing (in place) an earlier definition; gives its position.
    pub fn upsert(&mut self, name: &str, item: T) -> usize {
        match self.index.get(name) {
            Some(&i) => {
                self.items[i] = item;
                i
            }
            None => self.push(name, item),
        }
    }

    /// The position of `name`, defining it with `make()` first if it is new.
    pub fn position_or_insert_with(&mut self, name: &str, make: impl FnOnce() -> T) -> usize {
        match self.index.get(name) {
            Some(&i) => i,
            None => self.push(name, make()),
        }
    }

    fn push(&mut self, name: &str, item: T) -> usize {
        self.items.push(item);
        self.index.insert(name.to_string(), self.items.len() - 1);
        self.items.len() - 1
    }

    /// The item named `name`.
    pub fn get(&self, name: &str) -> Option<&T> {
        self.index.get(name).map(|&i| &self.items[i])
    }

    /// Whether `name` is defined.
    pub fn contains(&self, name: &str) -> bool {
        self.index.contains_key(name)
    }
}

impl<T> Deref for Named<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        &self.items
    }
}

impl<T> DerefMut for Named<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        &mut self.items
    }
}

impl<T> IntoIterator for Named<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl<'a, T> IntoIterator for &'a Named<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_redefinition_replaces_in_place() {
        let mut n = Named::default();
        assert_eq!(n.upsert("a", 1), 0);
        assert_eq!(n.upsert("b", 2), 1);
        assert_eq!(n.upsert("a", 3), 0);
        assert_eq!(&n[..], &[3, 2]);
        assert_eq!(n.get("a"), Some(&3));
        assert!(n.contains("b") && !n.contains("c"));
        assert_eq!(n.position_or_insert_with("b", || 9), 1);
        assert_eq!(n.position_or_insert_with("c", || 9), 2);
    }
}
