//! The event queue: a min-heap on (virtual time, insertion sequence number). The sequence number
//! breaks ties in insertion order, so two events at the same instant always run in the same order
//! and a seeded run is reproducible.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use ikelab_peers::time::Instant;

use crate::{LinkId, NodeId};

/// Something that happens at an instant.
#[derive(Debug)]
pub(crate) enum Event {
    /// A frame reaches end `to` (0 or 1) of a link; dropped if the link went down (or down and
    /// up) since it was sent, which `generation` tells.
    Deliver {
        link: LinkId,
        to: usize,
        generation: u64,
        frame: Vec<u8>,
    },
    /// A node asked to be woken (see [`crate::Node::poll_timeout`]). Stale if the node has since
    /// asked for another time.
    Timer { node: NodeId },
    /// A scripted action (index into the lab's script).
    Script(usize),
}

/// A heap entry: when, the tie-breaking sequence number, and where the event waits. The event
/// itself stays in a slab, so the heap moves 24-byte entries rather than whole frames: with a
/// switch flooding to a thousand ports the heap holds a million entries.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Entry {
    at: Instant,
    seq: u64,
    slot: usize,
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    /// Reversed, so that `BinaryHeap` (a max-heap) pops the earliest entry.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

/// Pending events, earliest first; ties in insertion order.
#[derive(Default)]
pub(crate) struct EventQueue {
    heap: BinaryHeap<Entry>,
    slots: Vec<Option<Event>>,
    free: Vec<usize>,
    seq: u64,
}

impl EventQueue {
    pub(crate) fn push(&mut self, at: Instant, event: Event) {
        self.seq += 1;
        let slot = match self.free.pop() {
            Some(s) => {
                self.slots[s] = Some(event);
                s
            }
            None => {
                self.slots.push(Some(event));
                self.slots.len() - 1
            }
        };
        self.heap.push(Entry {
            at,
            seq: self.seq,
            slot,
        });
    }

    pub(crate) fn peek(&self) -> Option<(Instant, &Event)> {
        let e = self.heap.peek()?;
        Some((e.at, self.slots[e.slot].as_ref()?))
    }

    pub(crate) fn pop(&mut self) -> Option<(Instant, Event)> {
        let e = self.heap.pop()?;
        let event = self.slots[e.slot].take()?;
        self.free.push(e.slot);
        Some((e.at, event))
    }

    pub(crate) fn len(&self) -> usize {
        self.heap.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earliest_first_ties_in_insertion_order() {
        let mut q = EventQueue::default();
        let t = |n| Instant::from_nanos(n);
        q.push(t(5), Event::Script(0));
        q.push(t(1), Event::Script(1));
        q.push(t(5), Event::Script(2));
        q.push(t(3), Event::Script(3));
        let order: Vec<usize> = std::iter::from_fn(|| q.pop())
            .map(|(_, e)| match e {
                Event::Script(i) => i,
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(order, [1, 3, 0, 2]);
    }
}
