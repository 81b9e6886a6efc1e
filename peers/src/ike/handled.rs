//! What a message handler of an exchange returns ([`Handled`]): the message was taken, with the
//! reply to resend if the same message comes again, or it was refused, and why.
//! [`Engine::refused`] turns a refusal into its event.

use std::net::SocketAddrV4;

use crate::wire::NotifyType;

use super::Engine;
use super::event::{BadMessage, DropReason, FailReason};
use super::index::{Ph1Index, Ph2Index};

/// A message a handler took.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Answer {
    /// Taken; the same message again gets no reply (what we sent next has its own
    /// retransmission schedule, or needs none).
    Taken,
    /// Taken and answered with these bytes, which the same message again gets once more.
    Replied(Vec<u8>),
}

impl Answer {
    /// The reply to keep for retransmissions of the message.
    pub(crate) fn into_reply(self) -> Option<Vec<u8>> {
        match self {
            Answer::Taken => None,
            Answer::Replied(bytes) => Some(bytes),
        }
    }
}

/// Why a handler refused a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The message is dropped.
    Drop(DropReason),
    /// The peer's Quick Mode is answered with this error notification, and fails; with the SPI
    /// of the proposal it refuses, when the message had one.
    Reject(NotifyType, Option<u32>),
    /// Our Quick Mode fails.
    Fail(FailReason),
    /// The peer's Quick Mode stays unanswered: the handler's own event (`NoPolicyForIds`) said
    /// why.
    Unanswered,
}

impl From<DropReason> for Refusal {
    fn from(reason: DropReason) -> Self {
        Refusal::Drop(reason)
    }
}

impl From<BadMessage> for Refusal {
    fn from(why: BadMessage) -> Self {
        Refusal::Drop(DropReason::Unexpected(why))
    }
}

/// What a handler did with a message.
pub(crate) type Handled = Result<Answer, Refusal>;

/// The exchange a refused message belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Exchange {
    /// None of ours: a first phase-1 message, or one whose cookies or exchange type we do not
    /// know.
    Unmatched,
    /// A step of the phase-1 negotiation at this index.
    Phase1(Ph1Index),
    /// A Quick Mode message under the phase-1 SA `ph1`: the peer's (`ph2` is `None` before it is
    /// taken) or ours.
    Quick {
        /// Index of the phase-1 SA.
        ph1: Ph1Index,
        /// Index of the Quick Mode exchange, once there is one.
        ph2: Option<Ph2Index>,
        /// Message ID.
        msgid: u32,
    },
    /// An Informational.
    Informational,
}

impl Engine {
    /// Says why a message from `from` was refused, in the refusal's event: a Dropped (a phase-1
    /// step that fails to decrypt or authenticate also marks its SA, whose timeout then reads as
    /// an authentication failure), or a failed Quick Mode.
    pub(crate) fn refused(&mut self, from: SocketAddrV4, at: Exchange, why: Refusal) {
        match (why, at) {
            (Refusal::Drop(reason), at) => {
                if let Exchange::Phase1(i) = at {
                    if matches!(reason, DropReason::DecryptFailed | DropReason::BadHash) {
                        self.ph1s[i].mark_bad_hash();
                    }
                }
                self.dropped(from, reason);
            }
            (Refusal::Reject(kind, spi), Exchange::Quick { ph1, msgid, .. }) => {
                self.reject_qm(ph1, msgid, kind, spi);
            }
            (Refusal::Fail(reason), Exchange::Quick { ph2: Some(k), .. }) => {
                self.fail_ph2(k, reason);
            }
            (Refusal::Unanswered, Exchange::Quick { .. }) => {}
            (why, at) => unreachable!("{why:?} is a refusal of Quick Mode, not of {at:?}"),
        }
    }
}
