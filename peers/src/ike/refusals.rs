//! Counting refused messages, so that a flood is reported once: every dropped message is
//! counted per peer address and reason, but the refusals an attacker can repeat at will (a
//! malformed or invalid message, unknown cookies or peer, a full half-open table) become an
//! event, and so a vendor log line, only the first time for that address and reason. The table
//! is bounded: past [`TRACKED`] pairs, further addresses share one row (0.0.0.0).

use std::collections::HashMap;
use std::mem::{Discriminant, discriminant};
use std::net::{Ipv4Addr, SocketAddrV4};

use super::Engine;
use super::checks::Invalid;
use super::event::{DropReason, EventKind};

/// (address, reason) pairs counted one by one; more share the unspecified address's rows.
pub const TRACKED: usize = 4096;

/// A reason, without the values that vary from message to message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RefusalKind {
    /// A [`DropReason`] other than [`DropReason::Invalid`].
    Drop(Discriminant<DropReason>),
    /// One of the RFC checks.
    Invalid(Discriminant<Invalid>),
    /// A half-open exchange forgotten to make room for a newer one ([`super::Limits`]); not a
    /// refused message, so never reported as one.
    Evicted,
}

impl RefusalKind {
    /// The kind of a reason.
    pub fn of(reason: &DropReason) -> Self {
        match reason {
            DropReason::Invalid(i) => RefusalKind::Invalid(discriminant(i)),
            other => RefusalKind::Drop(discriminant(other)),
        }
    }
}

/// Refused messages so far, per address and kind.
#[derive(Clone, Debug, Default)]
pub struct Refusals {
    counts: HashMap<(Ipv4Addr, RefusalKind), u64>,
}

impl Refusals {
    /// Counts one; true if it is the first of its address and kind.
    pub(crate) fn count(&mut self, from: Ipv4Addr, kind: RefusalKind) -> bool {
        let key = if self.counts.len() < TRACKED || self.counts.contains_key(&(from, kind)) {
            (from, kind)
        } else {
            (Ipv4Addr::UNSPECIFIED, kind)
        };
        let n = self.counts.entry(key).or_insert(0);
        *n += 1;
        *n == 1
    }

    /// How many messages from `from` were refused for reasons of `kind`.
    pub fn get(&self, from: Ipv4Addr, kind: RefusalKind) -> u64 {
        self.counts.get(&(from, kind)).copied().unwrap_or(0)
    }

    /// Every message refused, whatever the reason.
    pub fn total(&self) -> u64 {
        self.counts.values().sum()
    }
}

/// Whether a sender can repeat this refusal at will, so that it is reported once.
fn repeatable(reason: &DropReason) -> bool {
    matches!(
        reason,
        DropReason::Malformed(_)
            | DropReason::UnknownCookies
            | DropReason::UnknownPeer
            | DropReason::Invalid(_)
            | DropReason::HalfOpenLimit
            | DropReason::FirstMessageAgain
    )
}

impl Engine {
    /// A received message is dropped: counted, and reported as a [`EventKind::Dropped`] event
    /// unless a sender could repeat it and this address already had one of its kind.
    pub(crate) fn dropped(&mut self, from: SocketAddrV4, reason: DropReason) {
        let first = self.refusals.count(*from.ip(), RefusalKind::of(&reason));
        if first || !repeatable(&reason) {
            self.event(EventKind::Dropped { from, reason });
        }
    }

    /// Refused messages so far.
    pub fn refusals(&self) -> &Refusals {
        &self.refusals
    }
}
