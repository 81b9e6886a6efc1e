//! What every exchange does first with a message it receives: find the phase-1 SA the message's
//! cookies name ([`Engine::ph1_for_cookies`]), and answer a repeat of the message it took last by
//! resending the reply that message got ([`Engine::answer_repeat`]).

use std::net::SocketAddrV4;

use crate::crypto::HashAlg;
use crate::wire::HeaderRepr;

use super::aggressive_mode::AggressiveAwaits;
use super::event::{DropReason, EventKind};
use super::index::Ph1Index;
use super::main_mode::MainAwaits;
use super::phase1::{Awaits, State};
use super::{Engine, Ph1};

/// A short fingerprint of a datagram, to recognise retransmissions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Fingerprint([u8; 16]);

impl Fingerprint {
    /// The fingerprint of `bytes`.
    pub(crate) fn of(bytes: &[u8]) -> Self {
        let digest = HashAlg::Sha256.digest(&[bytes]);
        let mut f = [0; 16];
        f.copy_from_slice(&digest[..16]);
        Fingerprint(f)
    }
}

/// How many earlier messages of a phase-1 exchange (besides the last) are kept with their
/// replies: a Main Mode exchange takes three.
pub(crate) const EARLIER_KEPT: usize = 3;

impl Ph1 {
    /// The message with fingerprint `fp` this exchange already took, with its reply.
    pub(crate) fn taken(&self, fp: Fingerprint) -> Option<Taken> {
        self.last_rx
            .iter()
            .chain(&self.earlier_rx)
            .find(|t| t.fingerprint == fp)
            .cloned()
    }

    /// Records `taken` as the last message taken, keeping the previous one among the earlier.
    pub(crate) fn took(&mut self, taken: Taken) {
        if let Some(old) = self.last_rx.replace(taken) {
            if self.earlier_rx.len() >= EARLIER_KEPT {
                self.earlier_rx.remove(0);
            }
            self.earlier_rx.push(old);
        }
    }
}

/// The message an exchange took last, and the reply it got (if any), which a repeat of the
/// message gets again.
#[derive(Clone, Debug)]
pub(crate) struct Taken {
    pub(crate) fingerprint: Fingerprint,
    pub(crate) reply: Option<Vec<u8>>,
}

/// Which phase-1 SAs a received message's cookies may name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CookiesOf {
    /// A Main or Aggressive Mode message: an SA still negotiating or established, by both
    /// cookies, or by the initiator cookie alone while we wait for the responder's first answer.
    Phase1,
    /// An encrypted Informational: an SA from the sender with keys.
    Keyed,
    /// A Quick Mode message: an established SA from the sender.
    Established,
    /// A plaintext Informational (an error notification to a first message): an SA from the
    /// sender still negotiating, by the initiator cookie.
    Negotiating,
    /// A first message (no responder cookie) from a peer whose exchange under that initiator
    /// cookie we already answer: the same exchange, not a new one (racoon finds its phase-1
    /// handle by the initiator cookie and address, and resends its stored reply).
    FirstAgain,
}

impl Ph1 {
    fn named_by(&self, h: &HeaderRepr, src: SocketAddrV4, which: CookiesOf) -> bool {
        let both = self.icookie == h.initiator_cookie && self.rcookie == h.responder_cookie;
        let from_peer = self.remote.ip() == src.ip();
        match which {
            CookiesOf::Phase1 => {
                let awaiting_rcookie = self.rcookie == [0; 8]
                    && matches!(
                        self.awaits(),
                        Some(
                            Awaits::Main(MainAwaits::Mm2)
                                | Awaits::Aggressive(AggressiveAwaits::Am2)
                        )
                    )
                    && self.icookie == h.initiator_cookie;
                (both || awaiting_rcookie) && self.state != State::Dead
            }
            CookiesOf::Keyed => both && self.keyed.is_some() && from_peer,
            CookiesOf::Established => both && self.established() && from_peer,
            CookiesOf::Negotiating => {
                self.icookie == h.initiator_cookie && from_peer && !self.established()
            }
            CookiesOf::FirstAgain => {
                !self.initiator
                    && h.responder_cookie == [0; 8]
                    && self.icookie == h.initiator_cookie
                    && from_peer
                    && self.state != State::Dead
            }
        }
    }
}

impl Engine {
    /// The first phase-1 SA that a message from `src` with header `h` names.
    pub(crate) fn ph1_for_cookies(
        &self,
        h: &HeaderRepr,
        src: SocketAddrV4,
        which: CookiesOf,
    ) -> Option<Ph1Index> {
        Ph1Index::find(&self.ph1s, |p| p.named_by(h, src, which))
    }

    /// Whether the message with fingerprint `fp` from `src` repeats the one an exchange under
    /// `ph1` took last (`last`); if so, says so in a Dropped event and resends the reply that
    /// message got.
    pub(crate) fn answer_repeat(
        &mut self,
        src: SocketAddrV4,
        ph1: Ph1Index,
        last: Option<&Taken>,
        fp: Fingerprint,
    ) -> bool {
        let Some(taken) = last.filter(|t| t.fingerprint == fp) else {
            return false;
        };
        let reply = taken.reply.clone();
        self.event(EventKind::Dropped {
            from: src,
            reason: DropReason::Retransmission,
        });
        if let Some(reply) = reply {
            let (l, r) = (self.ph1s[ph1].local, self.ph1s[ph1].remote);
            self.send(l, r, &reply, true);
        }
        true
    }
}
