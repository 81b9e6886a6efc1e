//! Each kind of failure event read against both routers' configs: the settings that explain it,
//! side by side with their lines, and the fixes each side's personality offers.

use std::net::{Ipv4Addr, SocketAddrV4};

use ikelab_peers::ike::{
    EncapMode, ExchangeMode, ModeMatch, PeerConfig, Phase1Proposal, Phase2Proposal, Policy,
    ProposalMatch, QmId,
};
use ikelab_peers::personality::{Mismatch, Setting};
use ikelab_peers::time::Instant;

use super::ids::{self, Ids};
use super::sides::Side;
use super::{Difference, Draft, FindingKind, Value, fixes};
use crate::report::RunResult;

fn value(side: &Side<'_>, value: String, settings: &[Setting]) -> Value {
    Value {
        router: side.name.to_string(),
        value,
        at: side.lines(settings),
    }
}

fn row(what: &str, left: Value, right: Value) -> Difference {
    Difference {
        what: what.to_string(),
        left,
        right,
    }
}

/// The other router of an exchange with `here`: the one at `remote`, with its peer toward
/// `here` and `here`'s peer toward it.
fn other<'a>(
    run: &'a RunResult,
    here: &Side<'a>,
    at: Instant,
    remote: Ipv4Addr,
) -> Option<(Side<'a>, &'a PeerConfig, &'a PeerConfig)> {
    let there = Side::owning(run, remote, at)?;
    let mine = here.peer_for(remote)?;
    let theirs = there.peer_for(mine.local)?;
    Some((there, mine, theirs))
}

/// The policy of `side` toward `peer` that sends `ids`, else its first toward `peer`.
fn policy_sending<'a>(side: &Side<'a>, peer: &'a PeerConfig, ids: Ids<'_>) -> Option<&'a Policy> {
    let all: Vec<&Policy> = side.policies_of(peer).collect();
    all.iter()
        .find(|p| {
            let (l, r) = p.qm_ids();
            (&l, &r) == ids
        })
        .or_else(|| all.first())
        .copied()
}

/// `here` (a responder) found no policy for the IDs `proposed` that the router at `from` sent.
pub fn ids_refused(
    run: &RunResult,
    here: &Side<'_>,
    at: Instant,
    from: Ipv4Addr,
    proposed: Ids<'_>,
    expected: &[(QmId, QmId)],
) -> Draft {
    let headline = |who: &str| {
        format!(
            "Phase 2 failed: {} found no IPsec policy for the IDs {who} proposed.",
            here.name
        )
    };
    let Some((want_i, want_r)) = expected.first() else {
        // No policy with that peer at all: the config's own warnings usually say why (an
        // IPsec map bound to no interface, say).
        let why: Vec<String> = here
            .config
            .warnings
            .iter()
            .map(|w| format!("\n  {} config: {w}", here.name))
            .collect();
        return Draft::plain(
            FindingKind::NoPolicy,
            format!(
                "Phase 2 failed: {} has no IPsec policy with {from} at all, so it refuses every phase 2 from it.{}",
                here.name,
                why.concat()
            ),
        );
    };
    let kind = ids::classify(proposed, (want_i, want_r));
    let Some((init, my_peer, init_peer)) = other(run, here, at, from) else {
        return Draft::plain(
            kind,
            format!(
                "{}\n  {from} proposed (local <-> remote): {} <-> {}\n  {} expects: {want_i} <-> {want_r}",
                headline(&from.to_string()),
                proposed.0,
                proposed.1,
                here.name
            ),
        );
    };
    let Some(ip) = policy_sending(&init, init_peer, proposed) else {
        return Draft::plain(kind, headline(init.name));
    };
    let rp = here.policies_of(my_peer).next();
    // Each ID's own line (SEIL's SA line, the IX's `ipsec local-id`), else the policy's.
    let id_line = |s: &Side<'_>, policy: Option<&Policy>, local: bool| {
        policy.map_or("-".into(), |p| {
            let own = if local {
                Setting::LocalId(p.name.clone())
            } else {
                Setting::RemoteId(p.name.clone())
            };
            match s.lines(std::slice::from_ref(&own)).as_str() {
                "-" => s.lines(&[Setting::Policy(p.name.clone())]),
                l => l.to_string(),
            }
        })
    };
    let cell = |who: String, id: &QmId, at: String| Value {
        router: who,
        value: ids::show(id),
        at,
    };
    let (proposes, expects) = (
        format!("{} proposes", init.name),
        format!("{} expects", here.name),
    );
    let differences = vec![
        row(
            &format!("{}'s side (local ID of {})", init.name, init.name),
            cell(proposes.clone(), proposed.0, id_line(&init, Some(ip), true)),
            cell(expects.clone(), want_i, id_line(here, rp, false)),
        ),
        row(
            &format!("{}'s side (remote ID of {})", here.name, init.name),
            cell(proposes, proposed.1, id_line(&init, Some(ip), false)),
            cell(expects, want_r, id_line(here, rp, true)),
        ),
    ];
    // The side whose IDs fit its own and its peer's addresses worse is fixed first; on a tie,
    // the proposer (as the document fixes SEIL).
    let fit_init = ids::fit(&init, here, proposed);
    let fit_here = ids::fit(here, &init, (want_r, want_i));
    let mut order = vec![(
        &init,
        Mismatch::Ids {
            policy: &ip.name,
            local: want_i,
            remote: want_r,
        },
    )];
    if let Some(rp) = rp {
        order.push((
            here,
            Mismatch::Ids {
                policy: &rp.name,
                local: proposed.1,
                remote: proposed.0,
            },
        ));
    }
    // A side whose IDs contradict its own addresses is the only one to change: adopting its
    // IDs on the other side would name hosts that exist nowhere.
    let any = |q: &QmId| q.data.ipv4_net() == Some(ikelab_peers::prefix::Ipv4Net::ANY);
    // On a tie, a side left at 0.0.0.0/0 (IDs not configured) adopts the other's specific IDs,
    // as the document fixes SEIL; else the proposer changes first.
    let wildcard_here = (any(want_i) || any(want_r)) && !(any(proposed.0) || any(proposed.1));
    if fit_here < fit_init || (fit_here == fit_init && wildcard_here) {
        order.reverse();
    }
    if fit_here != fit_init {
        order.truncate(1);
    }
    let host = |q: &QmId| q.data.ipv4_net().is_some_and(|n| n.prefix_len == 32);
    // Which router the kind of difference is about: (it, the other).
    let (it, them) = (init.name, here.name);
    let p_it = |proposer: bool| if proposer { (it, them) } else { (them, it) };
    let cause = match kind {
        FindingKind::Phase2IdsSwapped => "the local and remote IDs are the other way round".into(),
        FindingKind::Phase2IdPrefixDiffers => {
            "the IDs name the same networks with different prefix lengths".into()
        }
        FindingKind::Phase2IdTypeDiffers => {
            let proposer_host = (proposed.0 != want_i && host(proposed.0))
                || (proposed.1 != want_r && host(proposed.1));
            let (a, b) = p_it(proposer_host);
            format!("{a} has a host ID (ID_IPV4_ADDR) where {b} has a subnet")
        }
        FindingKind::Phase2IdAnyOnOneSide => {
            let (a, b) = p_it(any(proposed.0) || any(proposed.1));
            format!("{a} has 0.0.0.0/0 where {b} names addresses")
        }
        FindingKind::Phase2LocalIdWithoutRemote => {
            let (a, _) = p_it(!any(proposed.0) && any(proposed.1));
            format!("{a} sets its local ID but not its remote one, which stays 0.0.0.0/0")
        }
        FindingKind::Phase2IdProtocolDiffers => "the IDs differ in protocol or port".into(),
        _ => "the IDs name different addresses".to_string(),
    };
    let odd = if fit_init == fit_here {
        String::new()
    } else {
        let worse = if fit_here < fit_init {
            here.name
        } else {
            init.name
        };
        format!(
            " {worse}'s IDs name addresses that are not its own or its peer's, so the fix is there first."
        )
    };
    Draft {
        kind,
        headline: format!("{}\n  Cause: {cause}.{odd}", headline(init.name)),
        differences,
        fixes: fixes(&order),
    }
}

/// `here` proposed `sent` and `from` answered with `received`.
pub fn ids_returned(
    here: &Side<'_>,
    from: SocketAddrV4,
    sent: &(QmId, QmId),
    received: &(QmId, QmId),
) -> Draft {
    Draft::plain(
        FindingKind::Phase2IdsReturnedDiffer,
        format!(
            "Phase 2 failed at {}: {from} answered with other IDs ({} <-> {}) than proposed ({} <-> {}); {} refuses that, as racoon does.",
            here.name, received.0, received.1, sent.0, sent.1, here.name
        ),
    )
}

fn key_text(k: &[u8]) -> String {
    match std::str::from_utf8(k) {
        Ok(s) if !s.chars().any(char::is_control) => format!("\"{s}\" ({} bytes)", k.len()),
        _ => format!("{} bytes (not text)", k.len()),
    }
}

/// Phase-1 messages from `remote` did not decrypt or authenticate at `here`.
pub fn psk(run: &RunResult, here: &Side<'_>, at: Instant, remote: Ipv4Addr) -> Draft {
    let headline = format!(
        "Phase 1 failed at {}: messages from {remote} did not decrypt or authenticate. The pre-shared keys differ.",
        here.name
    );
    let Some((there, mine, theirs)) = other(run, here, at, remote) else {
        return Draft::plain(FindingKind::PreSharedKeyDiffers, headline);
    };
    psk_difference(here, &there, mine, theirs, headline)
}

fn psk_difference(
    here: &Side<'_>,
    there: &Side<'_>,
    mine: &PeerConfig,
    theirs: &PeerConfig,
    headline: String,
) -> Draft {
    let psk_at = |s: &Side<'_>, p: &PeerConfig| {
        value(
            s,
            key_text(&p.psk),
            &[Setting::PreSharedKey(p.name.clone())],
        )
    };
    let differences = vec![row(
        "pre-shared key",
        psk_at(here, mine),
        psk_at(there, theirs),
    )];
    let order = [
        (
            there,
            Mismatch::PreSharedKey {
                peer: &theirs.name,
                key: &mine.psk,
            },
        ),
        (
            here,
            Mismatch::PreSharedKey {
                peer: &mine.name,
                key: &theirs.psk,
            },
        ),
    ];
    Draft {
        kind: FindingKind::PreSharedKeyDiffers,
        headline,
        differences,
        fixes: fixes(&order),
    }
}

fn p1_text(p: &Phase1Proposal) -> [String; 4] {
    [
        p.cipher.to_string(),
        p.hash.to_string(),
        p.group.to_string(),
        format!("{} s", p.lifetime.as_secs()),
    ]
}

fn p2_text(p: &Phase2Proposal) -> [String; 3] {
    [
        p.cipher.to_string(),
        p.integ.to_string(),
        format!("{} s", p.lifetime.as_secs()),
    ]
}

/// The pair of proposals (one from each list) with the fewest differing attributes.
fn closest<'a, T, const N: usize>(
    a: &'a [T],
    b: &'a [T],
    text: impl Fn(&T) -> [String; N],
) -> Option<(&'a T, &'a T)> {
    a.iter()
        .flat_map(|x| b.iter().map(move |y| (x, y)))
        .min_by_key(|(x, y)| {
            let (tx, ty) = (text(x), text(y));
            tx.iter().zip(ty.iter()).filter(|(p, q)| p != q).count()
        })
}

/// Whether two phase-1 proposal lists share a transform (as [`ikelab_peers::ike`] chooses).
fn phase1_agree(a: &[Phase1Proposal], b: &[Phase1Proposal]) -> bool {
    a.iter().any(|x| {
        b.iter()
            .any(|y| x.cipher == y.cipher && x.hash == y.hash && x.group == y.group)
    })
}

/// Whether two policies' phase-2 proposals share a transform.
fn phase2_agree(a: &Policy, b: &Policy) -> bool {
    a.proposals.iter().any(|x| {
        b.proposals
            .iter()
            .any(|y| x.cipher == y.cipher && x.integ == y.integ)
    })
}

/// The phase-1 proposals of `here` and the router at `remote` share nothing.
pub fn phase1_proposals(run: &RunResult, here: &Side<'_>, at: Instant, remote: Ipv4Addr) -> Draft {
    let headline = format!(
        "Phase 1 failed: {} accepts none of the IKE proposals of {remote}.",
        here.name
    );
    match other(run, here, at, remote) {
        Some((there, mine, theirs)) => phase1_difference(here, &there, mine, theirs, headline),
        None => Draft::plain(
            FindingKind::Phase1NoProposal,
            format!("{headline} Compare encryption, hash, DH group."),
        ),
    }
}

fn phase1_difference(
    here: &Side<'_>,
    there: &Side<'_>,
    mine: &PeerConfig,
    theirs: &PeerConfig,
    headline: String,
) -> Draft {
    let Some((a, b)) = closest(&mine.proposals, &theirs.proposals, p1_text) else {
        return Draft::plain(FindingKind::Phase1NoProposal, headline);
    };
    let (ta, tb) = (p1_text(a), p1_text(b));
    let differences = ["encryption", "hash", "DH group", "lifetime"]
        .iter()
        .zip(ta.iter().zip(tb.iter()))
        .filter(|(_, (x, y))| x != y)
        .map(|(what, (x, y))| {
            row(
                &format!("phase 1 {what}"),
                value(
                    here,
                    x.clone(),
                    &[Setting::Phase1Proposal(mine.name.clone())],
                ),
                value(
                    there,
                    y.clone(),
                    &[Setting::Phase1Proposal(theirs.name.clone())],
                ),
            )
        })
        .collect();
    let order = [
        (
            here,
            Mismatch::Phase1Proposal {
                peer: &mine.name,
                proposal: b,
            },
        ),
        (
            there,
            Mismatch::Phase1Proposal {
                peer: &theirs.name,
                proposal: a,
            },
        ),
    ];
    Draft {
        kind: FindingKind::Phase1ProposalDiffers,
        headline,
        differences,
        fixes: fixes(&order),
    }
}

/// `here` answered `to` with NO-PROPOSAL-CHOSEN: whichever of the phase-1 proposals, the
/// phase-2 proposals or PFS differ.
pub fn no_proposal_chosen(run: &RunResult, here: &Side<'_>, at: Instant, to: Ipv4Addr) -> Draft {
    let headline = format!("{} answered {to} with NO-PROPOSAL-CHOSEN:", here.name);
    let unknown = |h: String| {
        Draft::plain(
            FindingKind::NoProposalChosen,
            format!("{h} the proposals (algorithms, lifetimes, PFS group, mode) do not match."),
        )
    };
    let Some((there, mine, theirs)) = other(run, here, at, to) else {
        return unknown(headline);
    };
    // A responder that takes any algorithm it implements (the RTX) refused for another reason.
    let behaviour = &here.config.engine.behaviour;
    let lenient = behaviour.proposal_match == ProposalMatch::AnySupported;
    if !lenient && !phase1_agree(&mine.proposals, &theirs.proposals) {
        return phase1_difference(
            here,
            &there,
            mine,
            theirs,
            format!("{headline} the phase-1 proposals share no transform."),
        );
    }
    let (Some(a), Some(b)) = (
        here.policies_of(mine).next(),
        there.policies_of(theirs).next(),
    ) else {
        return unknown(headline);
    };
    if !lenient && a.pfs != b.pfs {
        let g = |p: &Policy| p.pfs.map_or("none".to_string(), |g| g.to_string());
        let differences = vec![row(
            "PFS group",
            value(here, g(a), &[Setting::Pfs(a.name.clone())]),
            value(&there, g(b), &[Setting::Pfs(b.name.clone())]),
        )];
        let order = [
            (
                &there,
                Mismatch::Pfs {
                    policy: &b.name,
                    group: a.pfs,
                },
            ),
            (
                here,
                Mismatch::Pfs {
                    policy: &a.name,
                    group: b.pfs,
                },
            ),
        ];
        return Draft {
            kind: FindingKind::PfsDiffers,
            headline: format!("{headline} PFS differs."),
            differences,
            fixes: fixes(&order),
        };
    }
    if !lenient && !phase2_agree(a, b) {
        let Some((x, y)) = closest(&a.proposals, &b.proposals, p2_text) else {
            return unknown(headline);
        };
        let (tx, ty) = (p2_text(x), p2_text(y));
        let differences = ["encryption", "integrity", "lifetime"]
            .iter()
            .zip(tx.iter().zip(ty.iter()))
            .filter(|(_, (p, q))| p != q)
            .map(|(what, (p, q))| {
                row(
                    &format!("phase 2 {what}"),
                    value(here, p.clone(), &[Setting::Phase2Proposal(a.name.clone())]),
                    value(
                        &there,
                        q.clone(),
                        &[Setting::Phase2Proposal(b.name.clone())],
                    ),
                )
            })
            .collect();
        let order = [
            (
                &there,
                Mismatch::Phase2Proposal {
                    policy: &b.name,
                    proposal: x,
                },
            ),
            (
                here,
                Mismatch::Phase2Proposal {
                    policy: &a.name,
                    proposal: y,
                },
            ),
        ];
        return Draft {
            kind: FindingKind::Phase2ProposalDiffers,
            headline: format!("{headline} the phase-2 proposals share no transform."),
            differences,
            fixes: fixes(&order),
        };
    }
    // Either mode only for a route-based policy, as the engine's Quick Mode responder has it.
    let modes = if a.route_based {
        behaviour.mode_match
    } else {
        ModeMatch::Exact
    };
    if !modes.accepts(b.mode, a.mode) {
        return encap_mode_difference(here, &there, a, b, headline);
    }
    unknown(headline)
}

/// How a policy's mode reads in a finding: a route-based policy in transport mode carries
/// IP-in-IP, which is what a peer in tunnel mode does not expect.
fn mode_text(p: &Policy) -> String {
    match (p.mode, p.route_based) {
        (EncapMode::Tunnel, _) => "tunnel".to_string(),
        (EncapMode::Transport, true) => "transport (IP-in-IP over ESP, route-based)".to_string(),
        (EncapMode::Transport, false) => "transport".to_string(),
    }
}

/// Everything but the encapsulation mode agrees: one side proposes tunnel mode and the other
/// takes transport only, or the reverse (RFC 2407 4.5, Encapsulation Mode). No config edit is
/// offered: switching a route-based device to tunnel mode, or a policy-based one to IP-in-IP
/// over transport, changes how the whole site is built, not one line.
fn encap_mode_difference(
    here: &Side<'_>,
    there: &Side<'_>,
    a: &Policy,
    b: &Policy,
    headline: String,
) -> Draft {
    let at = |p: &Policy| {
        [
            Setting::Policy(p.name.clone()),
            Setting::Phase2Proposal(p.name.clone()),
        ]
    };
    let differences = vec![row(
        "encapsulation mode",
        value(here, mode_text(a), &at(a)),
        value(there, mode_text(b), &at(b)),
    )];
    Draft {
        kind: FindingKind::EncapModeDiffers,
        headline: format!(
            "{headline} the encapsulation modes differ ({} {}, {} {}) and {} accepts only its \
             own: make both the same (a tunnel-mode SA between policy-based ends, or transport \
             with IP-in-IP between route-based ones).",
            here.name,
            mode_text(a),
            there.name,
            mode_text(b),
            here.name
        ),
        differences,
        fixes: vec![],
    }
}

/// Phase 1 from `here` to `remote` got no answer: a peer address that is nobody's, a peer that
/// expects another address, or exchange modes that differ.
pub fn timeout(run: &RunResult, here: &Side<'_>, at: Instant, remote: Ipv4Addr) -> Draft {
    let plain = |kind| {
        Draft::plain(
            kind,
            format!(
                "Phase 1 with {remote} timed out at {}: the peer never answered (or answered too late).",
                here.name
            ),
        )
    };
    let Some(mine) = here.peer_for(remote) else {
        return plain(FindingKind::Phase1Timeout);
    };
    // Nobody has that address: find the router that expects us.
    let Some(there) = Side::owning(run, remote, at) else {
        let expecting = run
            .routers
            .iter()
            .filter_map(|r| Side::at(r, at))
            .find_map(|s| {
                (s.name != here.name)
                    .then(|| {
                        s.config
                            .engine
                            .peers
                            .iter()
                            .find(|p| p.remote == Some(mine.local))
                    })
                    .flatten()
                    .map(|p| (s, p))
            });
        let Some((there, theirs)) = expecting else {
            return plain(FindingKind::Phase1Timeout);
        };
        let differences = vec![row(
            &format!("address of the peer {}", there.name),
            value(
                here,
                remote.to_string(),
                &[Setting::Peer(mine.name.clone())],
            ),
            value(
                &there,
                theirs.local.to_string(),
                &[Setting::Peer(theirs.name.clone())],
            ),
        )];
        let order = [(
            here,
            Mismatch::PeerAddress {
                peer: &mine.name,
                address: theirs.local,
            },
        )];
        return Draft {
            kind: FindingKind::PeerAddressWrong,
            headline: format!(
                "Phase 1 with {remote} timed out at {}: no router has the address {remote}; {} is at {}.",
                here.name, there.name, theirs.local
            ),
            differences,
            fixes: fixes(&order),
        };
    };
    let theirs = there
        .config
        .engine
        .peers
        .iter()
        .find(|p| p.remote == Some(mine.local) || p.remote.is_none());
    let Some(theirs) = theirs else {
        // The router at `remote` expects someone else.
        let Some(wrong) = there.config.engine.peers.iter().find(|p| p.local == remote) else {
            return plain(FindingKind::Phase1Timeout);
        };
        let shown = wrong.remote.map_or("any".to_string(), |a| a.to_string());
        let differences = vec![row(
            &format!("address of the peer {}", here.name),
            value(
                here,
                mine.local.to_string(),
                &[here.interface_of(mine.local)],
            ),
            value(&there, shown, &[Setting::Peer(wrong.name.clone())]),
        )];
        let order = [(
            &there,
            Mismatch::PeerAddress {
                peer: &wrong.name,
                address: mine.local,
            },
        )];
        return Draft {
            kind: FindingKind::PeerAddressWrong,
            headline: format!(
                "Phase 1 with {remote} timed out at {}: {} has no IKE peer {}, so it ignores {}'s messages.",
                here.name, there.name, mine.local, here.name
            ),
            differences,
            fixes: fixes(&order),
        };
    };
    if mine.mode != theirs.mode {
        let m = |p: &PeerConfig| match p.mode {
            ExchangeMode::Main => "main".to_string(),
            ExchangeMode::Aggressive => "aggressive".to_string(),
        };
        let differences = vec![row(
            "exchange mode",
            value(here, m(mine), &[Setting::Peer(mine.name.clone())]),
            value(&there, m(theirs), &[Setting::Peer(theirs.name.clone())]),
        )];
        let order = [
            (
                here,
                Mismatch::ExchangeMode {
                    peer: &mine.name,
                    mode: theirs.mode,
                },
            ),
            (
                &there,
                Mismatch::ExchangeMode {
                    peer: &theirs.name,
                    mode: mine.mode,
                },
            ),
        ];
        return Draft {
            kind: FindingKind::ExchangeModeDiffers,
            headline: format!(
                "Phase 1 with {remote} timed out at {}: the exchange modes differ.",
                here.name
            ),
            differences,
            fixes: fixes(&order),
        };
    }
    if !phase1_agree(&mine.proposals, &theirs.proposals) {
        return phase1_difference(
            here,
            &there,
            mine,
            theirs,
            format!(
                "Phase 1 with {remote} timed out at {}: the phase-1 proposals share no transform.",
                here.name
            ),
        );
    }
    if mine.psk != theirs.psk {
        return psk_difference(
            here,
            &there,
            mine,
            theirs,
            format!(
                "Phase 1 with {remote} timed out at {}: The pre-shared keys differ, so neither side can read the other's encrypted messages.",
                here.name
            ),
        );
    }
    plain(FindingKind::Phase1Timeout)
}
