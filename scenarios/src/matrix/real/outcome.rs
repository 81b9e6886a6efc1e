//! What a `--netns` cell showed: each end's verdict (a daemon's from its log, a simulated
//! device's from its engine events, in the same terms) and the cell's outcome from the two.

use ikelab_peers::ike::EventKind;
use ikelab_peers::wire::NotifyType;

use super::judge::Verdict;
use crate::diagnose::FindingKind;
use crate::matrix::cell::{INITIATOR, Outcome, RESPONDER, deciding_line};
use crate::stack::StackState;

/// What one end showed.
pub(super) struct Seen {
    /// Its verdict.
    pub(super) verdict: Verdict,
    /// Its name in the grid (`strongswan`, `seil`).
    pub(super) name: String,
    /// A simulated responder's line where it answered Quick Mode: where it decided in a cell
    /// that agreed, since a real initiator then refuses, with NO-PROPOSAL-CHOSEN, only because
    /// its kernel could not install the SAs.
    pub(super) answered: Option<String>,
}

/// A simulated end judged by its engine events, as a daemon is by its log.
pub(super) fn sim_verdict(s: &StackState, initiator: bool) -> Verdict {
    let phase1 = s
        .events
        .iter()
        .any(|e| matches!(e.kind, EventKind::Phase1Established { .. }));
    let established = s
        .events
        .iter()
        .any(|e| matches!(e.kind, EventKind::Phase2Established { .. }));
    // An initiator whose LAN pinged and that neither acquired an SA nor started phase 1: its
    // policies do not cover the LAN's traffic (a policy-based device forwards it in clear).
    let started = s.events.iter().any(|e| {
        matches!(
            e.kind,
            EventKind::Acquire { .. } | EventKind::Phase1Started { .. }
        )
    });
    let silent = (initiator && !started).then_some((
        FindingKind::TrafficInClear,
        "started no negotiation: its policies do not cover its LAN's pings",
    ));
    let refusal = s
        .events
        .iter()
        .find_map(|e| sim_refusal(&e.kind))
        .or(silent);
    Verdict {
        phase1,
        quick_mode: initiator && established,
        line: deciding_line(s),
        refusal,
    }
}

/// What a simulated end's event says of a refusal, in a daemon's terms.
fn sim_refusal(kind: &EventKind) -> Option<(FindingKind, &'static str)> {
    use FindingKind as K;
    Some(match kind {
        EventKind::NoPolicyForIds { .. } => (
            K::Phase2IdsRefused,
            "found no policy for the IDs it was offered",
        ),
        EventKind::ReturnedIdsMismatch { .. } => (
            K::Phase2IdsReturnedDiffer,
            "was answered with other IDs than it sent",
        ),
        EventKind::NotifySent { kind, .. } if *kind == NotifyType::NO_PROPOSAL_CHOSEN => {
            (K::NoProposalChosen, "answered NO-PROPOSAL-CHOSEN")
        }
        EventKind::NotifySent { kind, .. } if *kind == NotifyType::INVALID_ID_INFORMATION => (
            K::Phase2IdsRefused,
            "refused the phase-2 IDs (INVALID-ID-INFORMATION)",
        ),
        EventKind::NotifyReceived { kind, .. } if *kind == NotifyType::NO_PROPOSAL_CHOSEN => {
            (K::NoProposalChosen, "was answered NO-PROPOSAL-CHOSEN")
        }
        EventKind::NotifyReceived { kind, .. } if *kind == NotifyType::AUTHENTICATION_FAILED => {
            (K::PreSharedKeyDiffers, "was answered AUTHENTICATION-FAILED")
        }
        EventKind::NotifyReceived { kind, .. } if *kind == NotifyType::INVALID_ID_INFORMATION => (
            K::Phase2IdsRefused,
            "was refused its phase-2 IDs (INVALID-ID-INFORMATION)",
        ),
        _ => return None,
    })
}

/// The cell's outcome from its two ends (initiator first).
pub(super) fn outcome(seen: &[Seen]) -> Outcome {
    let (i, r) = (&seen[0], &seen[1]);
    // The initiator accepted the answer; or a real responder accepted the proposal and IDs
    // and, unable to install its inbound SA first (Libreswan), never answered, so the
    // initiator refused nothing (a simulated responder's verdict never says it agreed: its
    // answer counts when the initiator accepts it; and a strongSwan responder that narrowed
    // the IDs agreed with itself only, which the initiator's refusal shows).
    let agreed = i.verdict.quick_mode || (r.verdict.quick_mode && i.verdict.refusal.is_none());
    let responder_line = match (&r.answered, agreed) {
        (Some(line), true) => Some(line.clone()),
        _ => r.verdict.line.clone(),
    };
    let diagnosis = if agreed {
        None
    } else {
        [(r, RESPONDER), (i, INITIATOR)]
            .into_iter()
            .find_map(|(s, role)| {
                let (kind, words) = s.verdict.refusal?;
                Some((kind.name(), format!("the {role} ({}) {words}", s.name)))
            })
    };
    Outcome {
        phase1: i.verdict.phase1 || r.verdict.phase1,
        phase2: agreed,
        ping: (0, 0),
        initiator_line: i.verdict.line.clone(),
        responder_line,
        diagnosis,
    }
}
