//! The diagnosis of a run, from both routers' events: each problem as a [`Finding`] (what kind,
//! where it showed, what it says, the fix in the device's own commands), which `ikelab run`
//! prints and `summary.json` carries.

use std::net::Ipv4Addr;
use std::sync::Arc;

use ikelab_peers::ike::{EventKind, FailReason, QmId};
use ikelab_peers::personality::{Mismatch, Personalities, Personality};
use ikelab_peers::wire::NotifyType;
use serde::Serialize;

use crate::report::{RouterState, RunResult};

/// What kind of problem a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// A responder found no policy for the phase-2 IDs it was offered.
    Phase2IdsRefused,
    /// A Quick Mode responder answered with other IDs than were proposed.
    Phase2IdsReturnedDiffer,
    /// Phase-1 messages did not decrypt or authenticate: the pre-shared keys differ.
    PreSharedKeyDiffers,
    /// A phase-1 responder accepted none of the IKE proposals.
    Phase1NoProposal,
    /// NO-PROPOSAL-CHOSEN was sent (phase 1 or 2).
    NoProposalChosen,
    /// Phase 1 got no answer.
    Phase1Timeout,
}

/// The change that removes a finding, on one router.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Fix {
    /// The router to change.
    pub router: String,
    /// The change, in the device's own commands.
    pub change: String,
}

/// One problem of a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// What kind.
    pub kind: FindingKind,
    /// The router whose events showed it.
    pub side: String,
    /// The finding in plain words, as `ikelab run` prints it (several lines).
    pub text: String,
    /// The fix, when a personality has one.
    pub fix: Option<Fix>,
}

fn ids(a: &QmId, b: &QmId) -> String {
    format!("{a} <-> {b}")
}

/// The router (name and personality) one of whose IKE peers has `ip` as its local address.
fn router_at(routers: &[RouterState], ip: Ipv4Addr) -> Option<(String, Arc<dyn Personality>)> {
    routers
        .iter()
        .find(|r| {
            r.stack
                .borrow()
                .engine
                .config()
                .peers
                .iter()
                .any(|p| p.local == ip)
        })
        .map(|r| (r.name.clone(), r.personality.clone()))
}

/// The findings of `run`, each once, router by router in event order.
pub fn findings(run: &RunResult) -> Vec<Finding> {
    let routers = &run.routers;
    let mut out: Vec<Finding> = vec![];
    for r in routers {
        let s = r.stack.borrow();
        for e in &s.events {
            let finding = |kind, text: String| Finding {
                kind,
                side: r.name.clone(),
                text,
                fix: None,
            };
            let f = match &e.kind {
                EventKind::NoPolicyForIds {
                    from,
                    initiator_id,
                    responder_id,
                    expected,
                } => {
                    let (peer, personality) = router_at(routers, *from.ip()).unwrap_or_else(|| {
                        (
                            from.ip().to_string(),
                            Personalities::builtin().outside_peer(),
                        )
                    });
                    let mut m = format!(
                        "Phase 2 failed: {} found no IPsec policy for the IDs {peer} proposed.\n  {peer} proposed (local <-> remote): {}\n",
                        r.name,
                        ids(initiator_id, responder_id)
                    );
                    for (want_i, want_r) in expected {
                        m += &format!(
                            "  {} expects (seen from {peer}):        {}\n",
                            r.name,
                            ids(want_i, want_r)
                        );
                    }
                    let fix = expected.first().and_then(|(want_i, want_r)| {
                        personality.fix(&Mismatch::Ids {
                            local: want_i,
                            remote: want_r,
                        })
                    });
                    if let Some(fix) = &fix {
                        m += &format!("  Fix on {peer} {fix}");
                    }
                    Finding {
                        fix: fix.map(|change| Fix {
                            router: peer,
                            change,
                        }),
                        ..finding(FindingKind::Phase2IdsRefused, m)
                    }
                }
                EventKind::ReturnedIdsMismatch {
                    from,
                    sent,
                    received,
                } => finding(
                    FindingKind::Phase2IdsReturnedDiffer,
                    format!(
                        "Phase 2 failed at {}: {from} answered with other IDs ({}) than proposed ({}); {} refuses that, as racoon does.",
                        r.name,
                        ids(&received.0, &received.1),
                        ids(&sent.0, &sent.1),
                        r.name
                    ),
                ),
                EventKind::Phase1Failed {
                    remote,
                    reason: FailReason::AuthenticationFailed,
                } => finding(
                    FindingKind::PreSharedKeyDiffers,
                    format!(
                        "Phase 1 failed at {}: messages from {remote} did not decrypt or authenticate. The pre-shared keys differ.",
                        r.name
                    ),
                ),
                EventKind::Phase1Failed {
                    remote,
                    reason: FailReason::NoProposalChosen,
                } => finding(
                    FindingKind::Phase1NoProposal,
                    format!(
                        "Phase 1 failed: {} accepts none of the IKE proposals of {remote}. Compare encryption, hash, DH group.",
                        r.name
                    ),
                ),
                EventKind::NotifySent {
                    to,
                    kind: NotifyType::NO_PROPOSAL_CHOSEN,
                    ..
                } => finding(
                    FindingKind::NoProposalChosen,
                    format!(
                        "{} answered {to} with NO-PROPOSAL-CHOSEN: the proposals (algorithms, lifetimes, PFS group, mode) do not match.",
                        r.name
                    ),
                ),
                EventKind::Phase1Failed {
                    remote,
                    reason: FailReason::Timeout,
                } => finding(
                    FindingKind::Phase1Timeout,
                    format!(
                        "Phase 1 with {remote} timed out at {}: the peer never answered (or answered too late).",
                        r.name
                    ),
                ),
                _ => continue,
            };
            if !out.iter().any(|o| o.text == f.text) {
                out.push(f);
            }
        }
    }
    out
}

/// The diagnosis in plain words: each finding's text.
pub fn diagnosis(run: &RunResult) -> Vec<String> {
    findings(run).into_iter().map(|f| f.text).collect()
}
