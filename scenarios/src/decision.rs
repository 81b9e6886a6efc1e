//! The line a router logged when it decided: at the instant of its first refusal, or else of
//! its first phase 2 established, the last line it logged then (a device writes its conclusion
//! last: IX `IKE.007: Send notification`, racoon `IPsec-SA established`). Kept as the lines
//! come, so that it is known also when the log is streamed to a file and not kept (a
//! simulated device beside a real peer). `ikelab matrix` shows it per side.

use ikelab_peers::ike::EventKind;
use ikelab_peers::personality::LogLine;
use ikelab_peers::time::Instant;

/// Whether an event is a router deciding against the negotiation.
pub fn refusal(kind: &EventKind) -> bool {
    // RFC 2408 3.14.1: notify types below 8192 are errors.
    let error = |t: u16| t < 8192;
    match kind {
        EventKind::Phase1Failed { .. }
        | EventKind::Phase2Failed { .. }
        | EventKind::NoPolicyForIds { .. }
        | EventKind::ReturnedIdsMismatch { .. } => true,
        EventKind::NotifySent { kind, .. } | EventKind::NotifyReceived { kind, .. } => {
            error(kind.0)
        }
        _ => false,
    }
}

/// The instants of a router's first refusal, first phase 2 and first Quick Mode it answered,
/// and the last line it logged at each.
#[derive(Clone, Debug, Default)]
pub struct Decision {
    refused: Option<(Instant, Option<String>)>,
    established: Option<(Instant, Option<String>)>,
    answered: Option<(Instant, Option<String>)>,
    /// The last line logged, with its instant (for an event that logs nothing itself).
    last: Option<(Instant, String)>,
}

impl Decision {
    /// Notes an event, before its lines.
    pub fn event(&mut self, at: Instant, kind: &EventKind) {
        let slot = if refusal(kind) {
            &mut self.refused
        } else if matches!(kind, EventKind::Phase2Established { .. }) {
            &mut self.established
        } else if matches!(
            kind,
            EventKind::Phase2Started {
                initiator: false,
                ..
            }
        ) {
            &mut self.answered
        } else {
            return;
        };
        if slot.is_none() {
            let before = self.last.as_ref().filter(|(t, _)| *t == at);
            *slot = Some((at, before.map(|(_, l)| l.clone())));
        }
    }

    /// Notes a line logged.
    pub fn line(&mut self, l: &LogLine) {
        for (at, text) in [&mut self.refused, &mut self.established, &mut self.answered]
            .into_iter()
            .flatten()
        {
            if *at == l.at {
                *text = Some(l.text.clone());
            }
        }
        self.last = Some((l.at, l.text.clone()));
    }

    /// The deciding line: at the first refusal, or else at the first phase 2.
    pub fn deciding_line(&self) -> Option<&str> {
        let slot = if self.refused.is_some() {
            &self.refused
        } else {
            &self.established
        };
        slot.as_ref()?.1.as_deref()
    }
}

impl Decision {
    /// The last line logged at the instant a Quick Mode was first answered (as responder):
    /// where a responder decided when the initiator's acceptance is what counts (a real
    /// initiator that cannot install the SAs it agreed to and says so).
    pub fn answered_line(&self) -> Option<&str> {
        self.answered.as_ref()?.1.as_deref()
    }
}
