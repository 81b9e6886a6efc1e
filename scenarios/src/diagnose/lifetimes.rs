//! Lifetimes that differ between two routers whose SAs came up. Lifetimes are not matched when
//! proposals are chosen: the responder takes the one the initiator proposes (racoon's default
//! `proposal_check obey`, which both personalities follow), so the SAs' lifetime depends on which
//! side starts. Worth saying, with both lines, though nothing failed.

use ikelab_peers::ike::{EventKind, PeerConfig, Phase1Proposal, Phase2Proposal, Policy};
use ikelab_peers::personality::{Mismatch, Setting};

use super::sides::Side;
use super::{Difference, Draft, FindingKind, Value, fixes};
use crate::report::RunResult;

fn secs(d: std::time::Duration) -> String {
    format!("{} s", d.as_secs())
}

/// The first agreeing pair of phase-1 proposals (as the engine chooses: cipher, hash, group).
fn phase1_pair<'a>(
    a: &'a [Phase1Proposal],
    b: &'a [Phase1Proposal],
) -> Option<(&'a Phase1Proposal, &'a Phase1Proposal)> {
    a.iter().find_map(|x| {
        b.iter()
            .find(|y| x.cipher == y.cipher && x.hash == y.hash && x.group == y.group)
            .map(|y| (x, y))
    })
}

/// The first agreeing pair of phase-2 proposals (cipher, integrity).
fn phase2_pair<'a>(
    a: &'a Policy,
    b: &'a Policy,
) -> Option<(&'a Phase2Proposal, &'a Phase2Proposal)> {
    a.proposals.iter().find_map(|x| {
        b.proposals
            .iter()
            .find(|y| x.cipher == y.cipher && x.integ == y.integ)
            .map(|y| (x, y))
    })
}

/// Whether `router` has a phase-2 SA with `remote` by the end.
fn phase2_up(run: &RunResult, a: &Side<'_>, b_local: std::net::Ipv4Addr) -> bool {
    run.routers.iter().filter(|r| r.name == a.name).any(|r| {
        r.stack.borrow().events.iter().any(|e| {
            matches!(&e.kind, EventKind::Phase2Established { remote, .. } if *remote.ip() == b_local)
        })
    })
}

/// One draft per pair of routers whose SAs came up with lifetimes that differ.
pub fn drafts(run: &RunResult) -> Vec<(String, Draft)> {
    let mut out = vec![];
    let sides: Vec<Side<'_>> = run.routers.iter().filter_map(Side::at_end).collect();
    for (i, a) in sides.iter().enumerate() {
        for pa in &a.config.engine.peers {
            let Some(ra) = pa.remote else { continue };
            let Some(b) = sides[i + 1..].iter().find(|s| s.has_address(ra)) else {
                continue;
            };
            let Some(pb) = b.peer_for(pa.local) else {
                continue;
            };
            if !phase2_up(run, a, ra) {
                continue;
            }
            if let Some(d) = pair(a, b, pa, pb) {
                out.push((a.name.to_string(), d));
            }
        }
    }
    out
}

fn pair(a: &Side<'_>, b: &Side<'_>, pa: &PeerConfig, pb: &PeerConfig) -> Option<Draft> {
    let cell = |s: &Side<'_>, v: String, setting: Setting| Value {
        router: s.name.to_string(),
        value: v,
        at: s.lines(&[setting]),
    };
    let mut differences = vec![];
    let mut order: Vec<(&Side<'_>, Mismatch<'_>)> = vec![];
    if let Some((x, y)) = phase1_pair(&pa.proposals, &pb.proposals) {
        if x.lifetime != y.lifetime {
            differences.push(Difference {
                what: "phase 1 lifetime".into(),
                left: cell(
                    a,
                    secs(x.lifetime),
                    Setting::Phase1Proposal(pa.name.clone()),
                ),
                right: cell(
                    b,
                    secs(y.lifetime),
                    Setting::Phase1Proposal(pb.name.clone()),
                ),
            });
            order.push((
                b,
                Mismatch::Phase1Proposal {
                    peer: &pb.name,
                    proposal: x,
                },
            ));
        }
    }
    let (Some(qa), Some(qb)) = (a.policies_of(pa).next(), b.policies_of(pb).next()) else {
        return None;
    };
    if let Some((x, y)) = phase2_pair(qa, qb) {
        if x.lifetime != y.lifetime {
            differences.push(Difference {
                what: "phase 2 lifetime".into(),
                left: cell(
                    a,
                    secs(x.lifetime),
                    Setting::Phase2Proposal(qa.name.clone()),
                ),
                right: cell(
                    b,
                    secs(y.lifetime),
                    Setting::Phase2Proposal(qb.name.clone()),
                ),
            });
            order.push((
                b,
                Mismatch::Phase2Proposal {
                    policy: &qb.name,
                    proposal: x,
                },
            ));
        }
    }
    if differences.is_empty() {
        return None;
    }
    Some(Draft {
        kind: FindingKind::LifetimeDiffers,
        headline: format!(
            "The lifetimes of {} and {} differ. The SAs come up anyway: the responder takes the lifetime the initiator proposes, so how long they last depends on which side starts; make them equal.",
            a.name, b.name
        ),
        differences,
        fixes: fixes(&order),
    })
}
