//! The half-open limit: how many phase-1 exchanges a responder keeps before they are
//! established, overall and per peer address, so that a flood of first messages (spoofed, or
//! from a peer that never goes on) costs bounded memory.
//!
//! When a table is full, a new first message takes the place of the oldest exchange that has
//! not gone past its first message (MM2 or AM2 sent, nothing heard since): a spoofed sender
//! never answers, so its exchanges are the ones that make room, while a real peer answers
//! within a round trip and its exchange moves on out of reach. Only if every half-open
//! exchange has gone further is the new message dropped ([`DropReason::HalfOpenLimit`]).

use std::net::Ipv4Addr;

use super::aggressive_mode::AggressiveAwaits;
use super::event::DropReason;
use super::index::Ph1Index;
use super::main_mode::MainAwaits;
use super::phase1::{Awaits, State};
use super::refusals::RefusalKind;
use super::{Engine, Ph1};

/// How many half-open exchanges a responder keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// In all.
    pub half_open: usize,
    /// From one address.
    pub half_open_per_address: usize,
}

impl Default for Limits {
    /// 1,024 in all and 32 per address: strongSwan's `init_limit_half_open` is off by default;
    /// these leave room for many real peers while bounding a flood to a few hundred kilobytes.
    fn default() -> Self {
        Limits {
            half_open: 1024,
            half_open_per_address: 32,
        }
    }
}

impl Ph1 {
    /// A responder's exchange not yet established.
    fn half_open(&self) -> bool {
        !self.initiator && matches!(self.state, State::Negotiating { .. })
    }

    /// A half-open exchange whose only message from the peer was the first one.
    fn first_message_only(&self) -> bool {
        self.half_open()
            && matches!(
                self.awaits(),
                Some(
                    Awaits::Main(MainAwaits::Mm3)
                        | Awaits::Aggressive(AggressiveAwaits::Am3 { .. })
                )
            )
    }
}

impl Engine {
    /// Makes room for a new responder exchange from `from`, or says why there is none.
    pub(crate) fn admit_half_open(&mut self, from: Ipv4Addr) -> Result<(), DropReason> {
        let limits = self.cfg.behaviour.limits;
        let from_here = |p: &Ph1| *p.remote.ip() == from;
        if self
            .ph1s
            .iter()
            .filter(|p| p.half_open() && from_here(p))
            .count()
            >= limits.half_open_per_address
        {
            self.evict_oldest(|p| from_here(p))?;
        }
        if self.ph1s.iter().filter(|p| p.half_open()).count() >= limits.half_open {
            self.evict_oldest(|_| true)?;
        }
        Ok(())
    }

    /// Forgets the oldest exchange that `which` selects and that has taken only its first
    /// message.
    fn evict_oldest(&mut self, which: impl Fn(&Ph1) -> bool) -> Result<(), DropReason> {
        let oldest = Ph1Index::all(&self.ph1s)
            .filter(|&i| self.ph1s[i].first_message_only() && which(&self.ph1s[i]))
            .min_by_key(|&i| (self.ph1s[i].started, self.ph1s[i].id))
            .ok_or(DropReason::HalfOpenLimit)?;
        // Gone at once: called only for a new first message, when no index is held.
        let from = *oldest.remove(&mut self.ph1s).remote.ip();
        self.refusals.count(from, RefusalKind::Evicted);
        Ok(())
    }
}
