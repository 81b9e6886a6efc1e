//! The diagnosis of a run, in one place: each problem of the run as a [`Finding`]. The events of
//! both routers say what happened; the configs both ran with at that moment (parsed, with their
//! source lines) say what differs, side by side, and where; each personality's fix hints say
//! what to change, as `file:line` edits in the device's own syntax, the side whose config
//! contradicts itself first. A failure that a later event resolved says when and by what.
//! `ikelab run` prints the findings' texts and `summary.json` carries them.

mod cleartext;
mod compare;
mod datapath;
mod ids;
mod lifetimes;
mod sides;

use std::net::Ipv4Addr;

use ikelab_peers::ike::{EventKind, FailReason};
use ikelab_peers::personality::{Edit, EditKind, Mismatch};
use ikelab_peers::time::Instant;
use ikelab_peers::wire::NotifyType;
use serde::Serialize;

use crate::report::RunResult;
use sides::Side;

/// What kind of problem a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// A responder found no policy for the phase-2 IDs it was offered (a difference of no
    /// more specific kind: a different address, say).
    Phase2IdsRefused,
    /// One side's local and remote phase-2 IDs are the other way round.
    Phase2IdsSwapped,
    /// The phase-2 IDs name the same network with different prefix lengths.
    Phase2IdPrefixDiffers,
    /// One side's phase-2 ID is a host (ID_IPV4_ADDR) where the other's is a subnet.
    Phase2IdTypeDiffers,
    /// One side's phase-2 IDs are 0.0.0.0/0 where the other's name networks.
    Phase2IdAnyOnOneSide,
    /// One side sets a local phase-2 ID and leaves its remote one at 0.0.0.0/0.
    Phase2LocalIdWithoutRemote,
    /// The phase-2 IDs differ in their protocol or port.
    Phase2IdProtocolDiffers,
    /// A responder has no IPsec policy with the proposing peer at all.
    NoPolicy,
    /// A Quick Mode responder answered with other IDs than were proposed.
    Phase2IdsReturnedDiffer,
    /// The phase-2 proposals share no transform (cipher, key length, integrity).
    Phase2ProposalDiffers,
    /// PFS on one side only, or different PFS groups.
    PfsDiffers,
    /// The phase-2 proposals agree but for the encapsulation mode (tunnel against transport),
    /// and the refusing side takes only its own.
    EncapModeDiffers,
    /// Phase-1 messages did not decrypt or authenticate: the pre-shared keys differ.
    PreSharedKeyDiffers,
    /// The phase-1 proposals share no transform (cipher, key length, hash, group).
    Phase1ProposalDiffers,
    /// A phase-1 responder accepted none of the IKE proposals, for no difference ikelab found.
    Phase1NoProposal,
    /// NO-PROPOSAL-CHOSEN was sent, for no difference ikelab found.
    NoProposalChosen,
    /// One side initiates Main Mode and the other only Aggressive Mode, or the reverse.
    ExchangeModeDiffers,
    /// A router's IKE peer address is none of the other router's addresses.
    PeerAddressWrong,
    /// Phase 1 got no answer, for no difference ikelab found.
    Phase1Timeout,
    /// The SAs came up, with lifetimes that differ between the two routers' configs.
    LifetimeDiffers,
    /// A router has no route into its tunnel for the far LAN (pings fail with SAs up).
    NoRouteIntoTunnel,
    /// A policy-based router's IPsec policies do not cover a ping's traffic, which it forwards
    /// in clear (answered or not).
    TrafficInClear,
    /// A host's gateway is no router's address on its LAN: its ARP requests go unanswered.
    ArpFailed,
    /// A host's address is on no router's LAN.
    HostOnNoSegment,
    /// A peer could not read the first encrypted messages after phase 1 (malformed once
    /// decrypted): the two derive different phase-2 IVs. Only a real daemon's log shows it
    /// (`ikelab matrix --netns`): Libreswan after an Aggressive Mode whose last message came
    /// in clear, as racoon sends it (libreswan issue 2027).
    Phase2Unreadable,
}

impl FindingKind {
    /// Its name in `summary.json` and the matrix (`phase2_ids_refused`).
    pub fn name(self) -> String {
        // A unit variant always serialises to its name.
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }

    /// Every kind (a new variant must be added here, or this does not compile: `summary.json`'s
    /// schema lists them, and a test checks it against this).
    pub fn all() -> Vec<FindingKind> {
        use FindingKind::*;
        let all = [
            Phase2IdsRefused,
            Phase2IdsSwapped,
            Phase2IdPrefixDiffers,
            Phase2IdTypeDiffers,
            Phase2IdAnyOnOneSide,
            Phase2LocalIdWithoutRemote,
            Phase2IdProtocolDiffers,
            NoPolicy,
            Phase2IdsReturnedDiffer,
            Phase2ProposalDiffers,
            PfsDiffers,
            EncapModeDiffers,
            PreSharedKeyDiffers,
            Phase1ProposalDiffers,
            Phase1NoProposal,
            NoProposalChosen,
            ExchangeModeDiffers,
            PeerAddressWrong,
            Phase1Timeout,
            LifetimeDiffers,
            NoRouteIntoTunnel,
            TrafficInClear,
            ArpFailed,
            HostOnNoSegment,
            Phase2Unreadable,
        ];
        // Exhaustive: a variant missing above is one missing here.
        for k in all {
            match k {
                Phase2IdsRefused
                | Phase2IdsSwapped
                | Phase2IdPrefixDiffers
                | Phase2IdTypeDiffers
                | Phase2IdAnyOnOneSide
                | Phase2LocalIdWithoutRemote
                | Phase2IdProtocolDiffers
                | NoPolicy
                | Phase2IdsReturnedDiffer
                | Phase2ProposalDiffers
                | PfsDiffers
                | EncapModeDiffers
                | PreSharedKeyDiffers
                | Phase1ProposalDiffers
                | Phase1NoProposal
                | NoProposalChosen
                | ExchangeModeDiffers
                | PeerAddressWrong
                | Phase1Timeout
                | LifetimeDiffers
                | NoRouteIntoTunnel
                | TrafficInClear
                | ArpFailed
                | HostOnNoSegment
                | Phase2Unreadable => {}
            }
        }
        all.to_vec()
    }
}

/// One change to one config line, as `summary.json` carries it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LineEdit {
    /// The file.
    pub file: String,
    /// The line changed, or the line after which one is added.
    pub line: usize,
    /// The line as it is (`None` when one is added).
    pub old: Option<String>,
    /// The line as it should be, or the line to add.
    pub new: String,
}

impl From<&Edit> for LineEdit {
    fn from(e: &Edit) -> Self {
        let (old, new) = match &e.change {
            EditKind::Replace { old, new } => (Some(old.clone()), new.clone()),
            EditKind::InsertAfter { new } => (None, new.clone()),
            EditKind::InsertBefore { new } => (None, new.clone()),
        };
        let line = match &e.change {
            EditKind::InsertBefore { .. } => e.line.saturating_sub(1),
            _ => e.line,
        };
        LineEdit {
            file: e.file.clone(),
            line,
            old,
            new,
        }
    }
}

/// The change that removes a finding, on one router.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Fix {
    /// The router to change.
    pub router: String,
    /// The change in words: each edit as `file:line: change ... to ...`.
    pub change: String,
    /// The edits.
    pub edits: Vec<LineEdit>,
}

impl Fix {
    fn new(router: &str, edits: &[Edit]) -> Option<Fix> {
        if edits.is_empty() {
            return None;
        }
        Some(Fix {
            router: router.to_string(),
            change: edits
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n    "),
            edits: edits.iter().map(LineEdit::from).collect(),
        })
    }
}

/// One setting of two routers, side by side.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// What is compared (`local ID of seil`, `pre-shared key`, `hash`).
    pub what: String,
    /// The first router's value and where it comes from.
    pub left: Value,
    /// The second router's value and where it comes from.
    pub right: Value,
}

/// One router's value of a compared setting.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Value {
    /// The router.
    pub router: String,
    /// The value as the diagnosis prints it.
    pub value: String,
    /// `file:line` of the lines it comes from (`-` for a default).
    pub at: String,
}

/// A failure that a later event undid.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Resolved {
    /// When (virtual seconds since the start) the SA came up.
    pub at_s: f64,
    /// By what, in words.
    pub by: String,
}

/// One problem of a run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// What kind.
    pub kind: FindingKind,
    /// The router whose events showed it.
    pub side: String,
    /// When it showed (virtual seconds since the start).
    pub at_s: f64,
    /// The finding in plain words, as `ikelab run` prints it (several lines).
    pub text: String,
    /// The settings that differ, side by side.
    pub differences: Vec<Difference>,
    /// The preferred fix (the first of `fixes`), when a personality has one and it is still
    /// needed.
    pub fix: Option<Fix>,
    /// Every fix, preferred first: one per router that can make the change.
    pub fixes: Vec<Fix>,
    /// Set when a later event resolved it.
    pub resolved: Option<Resolved>,
}

/// What a finding's text and fixes are built from.
struct Draft {
    kind: FindingKind,
    headline: String,
    differences: Vec<Difference>,
    fixes: Vec<Fix>,
}

impl Draft {
    /// A draft with nothing side by side and no fix: what happened, in words.
    fn plain(kind: FindingKind, headline: String) -> Draft {
        Draft {
            kind,
            headline,
            differences: vec![],
            fixes: vec![],
        }
    }
}

fn seconds(t: Instant) -> f64 {
    t.as_nanos() as f64 / 1e9
}

/// The findings of `run`, each once, in the order the routers' events showed them.
pub fn findings(run: &RunResult) -> Vec<Finding> {
    let mut out: Vec<Finding> = vec![];
    let mut seen: Vec<(FindingKind, String, Vec<Difference>)> = vec![];
    let stacks: Vec<_> = run.routers.iter().map(|r| r.stack.borrow()).collect();
    let records: Vec<&crate::record::EventRecord> = stacks.iter().map(|s| &s.events).collect();
    let mut end = Instant::ZERO;
    // Refusals for IDs at this instant (router, peer): the NO-PROPOSAL-CHOSEN a device such as
    // IOS sends for them is the same refusal, not a proposal mismatch.
    let mut refused_ids: Vec<(usize, std::net::Ipv4Addr)> = vec![];
    for (i, e) in crate::record::merged(&records, |e| e.at) {
        if e.at != end {
            refused_ids.clear();
        }
        end = e.at;
        if let EventKind::NoPolicyForIds { from, .. } = &e.kind {
            refused_ids.push((i, *from.ip()));
        }
        if let EventKind::NotifySent { to, .. } = &e.kind
            && refused_ids.contains(&(i, *to.ip()))
        {
            continue;
        }
        let here = &run.routers[i];
        let name = &here.name;
        let Some(side) = Side::at(here, e.at) else {
            continue;
        };
        let (draft, remote, phase) = match &e.kind {
            EventKind::NoPolicyForIds {
                from,
                initiator_id,
                responder_id,
                expected,
            } => (
                compare::ids_refused(
                    run,
                    &side,
                    e.at,
                    *from.ip(),
                    (initiator_id, responder_id),
                    expected,
                ),
                *from.ip(),
                Phase::Two,
            ),
            EventKind::ReturnedIdsMismatch {
                from,
                sent,
                received,
            } => (
                compare::ids_returned(&side, *from, sent, received),
                *from.ip(),
                Phase::Two,
            ),
            EventKind::Phase1Failed { remote, reason } => match reason {
                FailReason::AuthenticationFailed => (
                    compare::psk(run, &side, e.at, *remote.ip()),
                    *remote.ip(),
                    Phase::One,
                ),
                FailReason::NoProposalChosen => (
                    compare::phase1_proposals(run, &side, e.at, *remote.ip()),
                    *remote.ip(),
                    Phase::One,
                ),
                FailReason::Timeout => (
                    compare::timeout(run, &side, e.at, *remote.ip()),
                    *remote.ip(),
                    Phase::One,
                ),
                _ => continue,
            },
            EventKind::NotifySent {
                to,
                kind: NotifyType::NO_PROPOSAL_CHOSEN,
                ..
            } => (
                compare::no_proposal_chosen(run, &side, e.at, *to.ip()),
                *to.ip(),
                Phase::Two,
            ),
            _ => continue,
        };
        let key = (draft.kind, name.to_string(), draft.differences.clone());
        // The same problem seen the other way round (both routers initiate) has the same fixes.
        let same_fixes = |f: &Finding| {
            f.kind == draft.kind && !draft.fixes.is_empty() && {
                let mut a: Vec<&LineEdit> = f.fixes.iter().flat_map(|x| &x.edits).collect();
                let mut b: Vec<&LineEdit> = draft.fixes.iter().flat_map(|x| &x.edits).collect();
                a.sort_by_key(|e| (&e.file, e.line, &e.new));
                b.sort_by_key(|e| (&e.file, e.line, &e.new));
                a == b
            }
        };
        if seen.contains(&key) || out.iter().any(same_fixes) {
            continue;
        }
        seen.push(key);
        out.push(finish(
            run,
            name,
            e.at,
            Some(Failed { remote, phase }),
            draft,
        ));
    }
    for (side, draft) in datapath::drafts(run)
        .into_iter()
        .chain(cleartext::drafts(run))
        .chain(lifetimes::drafts(run))
    {
        out.push(finish(run, &side, end, None, draft));
    }
    // A timeout with no cause found is the echo of a phase-1 failure the other side explained.
    let explained = out
        .iter()
        .any(|f| f.kind != FindingKind::Phase1Timeout && is_phase1(f.kind));
    if explained {
        out.retain(|f| f.kind != FindingKind::Phase1Timeout);
    }
    out
}

fn is_phase1(k: FindingKind) -> bool {
    matches!(
        k,
        FindingKind::PreSharedKeyDiffers
            | FindingKind::Phase1ProposalDiffers
            | FindingKind::Phase1NoProposal
            | FindingKind::ExchangeModeDiffers
            | FindingKind::PeerAddressWrong
            | FindingKind::Phase1Timeout
    )
}

/// Which phase an exchange failed in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    One,
    Two,
}

impl std::fmt::Display for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Phase::One => "1",
            Phase::Two => "2",
        })
    }
}

/// A failed exchange: with which peer, in which phase.
#[derive(Clone, Copy)]
struct Failed {
    remote: Ipv4Addr,
    phase: Phase,
}

/// A finding from its draft: resolved or not (when it is a failed exchange), its text.
fn finish(run: &RunResult, side: &str, at: Instant, failed: Option<Failed>, d: Draft) -> Finding {
    let resolved = failed.and_then(|f| resolution(run, side, at, f));
    let mut text = d.headline.clone();
    text.push_str(&table(&d.differences));
    let fixes = if resolved.is_some() { vec![] } else { d.fixes };
    for (n, f) in fixes.iter().enumerate() {
        let lead = if n == 0 { "Fix on" } else { "Or fix on" };
        text += &format!("\n  {lead} {}:\n    {}", f.router, f.change);
    }
    if let Some(r) = &resolved {
        text += &format!("\n  Resolved at {:.0} s: {}.", r.at_s, r.by);
    }
    Finding {
        kind: d.kind,
        side: side.to_string(),
        at_s: seconds(at),
        text,
        differences: d.differences,
        fix: fixes.first().cloned(),
        fixes,
        resolved,
    }
}

/// The differences as aligned rows under the headline.
fn table(rows: &[Difference]) -> String {
    let Some(first) = rows.first() else {
        return String::new();
    };
    let w0 = rows.iter().map(|d| d.what.len()).max().unwrap_or(0).max(8);
    let cell = |v: &Value| format!("{} ({})", v.value, v.at);
    let w1 = rows
        .iter()
        .map(|d| cell(&d.left).len())
        .max()
        .unwrap_or(0)
        .max(first.left.router.len());
    let mut s = format!(
        "\n  {:w0$}  {:w1$}  {}",
        "", first.left.router, first.right.router
    );
    for d in rows {
        s += &format!(
            "\n  {:w0$}  {:w1$}  {}",
            d.what,
            cell(&d.left),
            cell(&d.right)
        );
    }
    s
}

/// When and by what a failed exchange between `side` and a peer at `at` was undone: an SA of
/// that phase established later between them, after a config applied to either.
fn resolution(run: &RunResult, side: &str, at: Instant, failed: Failed) -> Option<Resolved> {
    let Failed { remote, phase } = failed;
    let up = run.routers.iter().find_map(|r| {
        let s = r.stack.borrow();
        s.events.iter().find_map(|e| {
            let peer = match &e.kind {
                EventKind::Phase2Established { remote, .. } if phase == Phase::Two => remote.ip(),
                EventKind::Phase1Established { remote, .. } if phase == Phase::One => remote.ip(),
                _ => return None,
            };
            let ours = r.name == side && *peer == remote;
            let theirs = r.name != side
                && Side::at(r, e.at).is_some_and(|s| {
                    s.has_address(remote) || s.config.engine.peers.iter().any(|p| p.local == remote)
                });
            (e.at > at && (ours || theirs)).then_some(e.at)
        })
    });
    let up = up?;
    let by = run
        .routers
        .iter()
        .flat_map(|r| r.configs.iter().skip(1).map(move |(t, c)| (r, t, c)))
        .filter(|(_, t, _)| **t > at && **t <= up)
        .max_by_key(|(_, t, _)| **t)
        .map(|(r, t, c)| {
            let file = c.origins.file().unwrap_or("a new configuration");
            format!(
                "phase {phase} came up after {file} was applied to {} at {:.0} s",
                r.name,
                seconds(*t)
            )
        })
        .unwrap_or_else(|| format!("phase {phase} came up on a later attempt"));
    Some(Resolved {
        at_s: seconds(up),
        by,
    })
}

/// The fixes `mismatch_on` gives for each side, in the order given, dropping sides whose
/// personality cannot say the change.
fn fixes(sides: &[(&Side<'_>, Mismatch<'_>)]) -> Vec<Fix> {
    sides
        .iter()
        .filter_map(|(s, m)| {
            let edits = s.personality.fix(s.config, m)?;
            Fix::new(s.name, &edits)
        })
        .collect()
}

/// The diagnosis in plain words: each finding's text.
pub fn diagnosis(run: &RunResult) -> Vec<String> {
    findings(run).into_iter().map(|f| f.text).collect()
}
