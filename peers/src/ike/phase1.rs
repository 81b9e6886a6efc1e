//! Where a phase-1 SA stands ([`State`]): negotiating in Main or Aggressive Mode (with what only
//! a negotiation has: the message it waits for, our message being resent, whether a message failed
//! to authenticate), established (since when, and an R-U-THERE waiting for its ACK), or dead.

use crate::time::Instant;

use super::aggressive_mode::AggressiveAwaits;
use super::main_mode::MainAwaits;
use super::{DpdProbe, FailReason, Pending, Ph1};

/// The message a phase-1 negotiation waits for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Awaits {
    /// In Main Mode.
    Main(MainAwaits),
    /// In Aggressive Mode.
    Aggressive(AggressiveAwaits),
}

/// Where a phase-1 SA stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum State {
    /// Negotiating.
    Negotiating {
        /// The message it waits for.
        awaits: Awaits,
        /// Our last message, resent until answered (`None`: it needs no answer, or we only
        /// answer).
        pending: Option<Pending>,
        /// A message failed to decrypt or authenticate (a wrong pre-shared key looks like this).
        bad_hash: bool,
    },
    /// Keys agreed and both sides authenticated.
    Established {
        /// When phase 1 completed.
        since: Instant,
        /// An R-U-THERE waiting for its ACK.
        dpd: Option<DpdProbe>,
    },
    /// Finished: failed, expired or deleted; removed at the next timeout.
    Dead,
}

impl State {
    /// A negotiation that waits for `awaits`, resending `pending` until then.
    pub(crate) fn negotiating(awaits: Awaits, pending: Option<Pending>) -> Self {
        State::Negotiating {
            awaits,
            pending,
            bad_hash: false,
        }
    }
}

impl Ph1 {
    pub(crate) fn established(&self) -> bool {
        matches!(self.state, State::Established { .. })
    }

    /// When phase 1 completed, if it is up.
    pub(crate) fn established_since(&self) -> Option<Instant> {
        match self.state {
            State::Established { since, .. } => Some(since),
            _ => None,
        }
    }

    /// The message the negotiation waits for, if it is negotiating.
    pub(crate) fn awaits(&self) -> Option<&Awaits> {
        match &self.state {
            State::Negotiating { awaits, .. } => Some(awaits),
            _ => None,
        }
    }

    /// The negotiation goes on to wait for `next`.
    pub(crate) fn set_awaits(&mut self, next: Awaits) {
        if let State::Negotiating { awaits, .. } = &mut self.state {
            *awaits = next;
        }
    }

    /// Our message being resent, if the SA is negotiating and waits for an answer.
    pub(crate) fn pending(&self) -> Option<&Pending> {
        match &self.state {
            State::Negotiating { pending, .. } => pending.as_ref(),
            _ => None,
        }
    }

    /// The same, to count a resend.
    pub(crate) fn pending_mut(&mut self) -> Option<&mut Pending> {
        match &mut self.state {
            State::Negotiating { pending, .. } => pending.as_mut(),
            _ => None,
        }
    }

    /// Sets or clears our message being resent; only a negotiating SA has one.
    pub(crate) fn set_pending(&mut self, next: Option<Pending>) {
        if let State::Negotiating { pending, .. } = &mut self.state {
            *pending = next;
        }
    }

    /// Whether a message of the negotiation failed to decrypt or authenticate.
    pub(crate) fn bad_hash(&self) -> bool {
        matches!(self.state, State::Negotiating { bad_hash: true, .. })
    }

    /// Why a negotiation that ran out of time failed: a message that did not decrypt or
    /// authenticate says the keys differ (a pre-shared key mismatch), otherwise the peer was silent.
    pub(crate) fn give_up_reason(&self) -> FailReason {
        if self.bad_hash() {
            FailReason::AuthenticationFailed
        } else {
            FailReason::Timeout
        }
    }

    /// Notes that a message of the negotiation failed to decrypt or authenticate.
    pub(crate) fn mark_bad_hash(&mut self) {
        if let State::Negotiating { bad_hash, .. } = &mut self.state {
            *bad_hash = true;
        }
    }

    /// The R-U-THERE waiting for its ACK, if the SA is up and one is.
    pub(crate) fn dpd(&self) -> Option<DpdProbe> {
        match self.state {
            State::Established { dpd, .. } => dpd,
            _ => None,
        }
    }

    /// Sets or clears the R-U-THERE waiting for its ACK; only an SA that is up has one.
    pub(crate) fn set_dpd(&mut self, probe: Option<DpdProbe>) {
        if let State::Established { dpd, .. } = &mut self.state {
            *dpd = probe;
        }
    }
}
