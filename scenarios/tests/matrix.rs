//! Cells of `ikelab matrix` checked against what the vendor document, RFC 2409 and the
//! reference on how implementations fail (personalities.md, copied in spirit into each case's
//! comment) say, not against the matrix's own output.

use ikelab::matrix::{CellResult, Filter, cells, run};
use ikelab_peers::personality::Personalities;

/// What a cell must show.
struct Want {
    initiator: &'static str,
    responder: &'static str,
    variant: &'static str,
    phase1: bool,
    phase2: bool,
    /// Words the initiator's deciding line holds.
    initiator_says: &'static str,
    /// Words the responder's deciding line holds.
    responder_says: &'static str,
    /// The diagnosis' kind, if one is expected.
    diagnosis: Option<&'static str>,
    /// Pings answered with no tunnel up (they crossed in clear).
    answered_in_clear: bool,
}

const fn want(
    initiator: &'static str,
    responder: &'static str,
    variant: &'static str,
    up: (bool, bool),
    says: (&'static str, &'static str),
    diagnosis: Option<&'static str>,
) -> Want {
    Want {
        initiator,
        responder,
        variant,
        phase1: up.0,
        phase2: up.1,
        initiator_says: says.0,
        responder_says: says.1,
        diagnosis,
        answered_in_clear: false,
    }
}

const CASES: &[Want] = &[
    // The document: SEIL's 0.0.0.0/0 against the IX's host IDs: IKE.043 is the IX's refusal,
    // its last word INVALID-ID-INFORMATION; SEIL logs receiving it.
    want(
        "seil",
        "ix",
        "default/host",
        (true, false),
        ("received INVALID-ID-INFORMATION notification", "IKE.0"),
        Some("phase2_id_any_on_one_side"),
    ),
    // The document's fix: host IDs on both sides.
    want(
        "seil",
        "ix",
        "host/host",
        (true, true),
        ("IPsec-SA established", "IKE.002: Finish IKE phase 2"),
        None,
    ),
    // Mirrored subnets agree; 0.0.0.0/0 both ways agrees.
    want("seil", "ix", "subnet/subnet", (true, true), ("", ""), None),
    want("seil", "ix", "any/any", (true, true), ("", ""), None),
    // Subnet pairs not mirrored, the most frequent cause users report.
    want(
        "seil",
        "ix",
        "subnet/not mirrored",
        (true, false),
        ("INVALID-ID-INFORMATION", ""),
        Some("phase2_id_prefix_differs"),
    ),
    // PFS on one side only: the responder finds no proposal.
    want(
        "seil",
        "ix",
        "modp1024/off",
        (true, false),
        ("NO-PROPOSAL-CHOSEN", "no proposal chosen"),
        Some("pfs_differs"),
    ),
    want(
        "seil",
        "ix",
        "modp1024/modp1024",
        (true, true),
        ("", ""),
        None,
    ),
    // A phase-1 proposal that shares no transform: phase 1 fails.
    want(
        "seil",
        "ix",
        "phase-1 3des/aes",
        (false, false),
        ("phase1 negotiation failed", "no proposal chosen"),
        Some("phase1_proposal_differs"),
    ),
    // Main Mode against a responder configured for Aggressive Mode only: no answer.
    want(
        "seil",
        "ix",
        "main/aggressive",
        (false, false),
        ("time up", ""),
        Some("exchange_mode_differs"),
    ),
    // RFC 2409 5.5: an RTX sends no IDs, so they are the gateways' addresses: the IX's host
    // IDs are exactly those, its subnet IDs are not.
    want(
        "rtx",
        "ix",
        "default/host",
        (true, true),
        ("IP Tunnel[1] Up", "IKE.002"),
        None,
    ),
    want(
        "rtx",
        "ix",
        "default/subnet",
        (true, false),
        ("INVALID-ID-INFORMATION", "IKE.0"),
        Some("phase2_ids_refused"),
    ),
    // ... and SEIL's security policy for subnets does not match them either.
    want(
        "rtx",
        "seil",
        "default/subnet",
        (true, false),
        ("INVALID-ID-INFORMATION", "phase2 negotiation failed"),
        Some("phase2_ids_refused"),
    ),
    // An RTX responder is lenient about IDs unless negotiate-strictly is on.
    want(
        "ix",
        "rtx",
        "default/subnet",
        (true, true),
        ("IKE.002", "IP Tunnel[1] Up"),
        None,
    ),
    // ... and any algorithm, group or PFS it supports (personalities.md, chapter 15).
    want(
        "ix",
        "rtx",
        "modp1024/off",
        (true, true),
        ("IKE.002", "IP Tunnel[1] Up"),
        None,
    ),
    want(
        "ix",
        "rtx",
        "phase-1 3des/aes",
        (true, true),
        ("IKE.002", "IP Tunnel[1] Up"),
        None,
    ),
    // The lenient RTX takes SEIL's 3DES for phase 1, and still refuses its transport-mode
    // phase 2 (SEIL's routing-based IPsec): the algorithms are not what differs.
    want(
        "seil",
        "rtx",
        "phase-1 3des/aes",
        (true, false),
        ("NO-PROPOSAL-CHOSEN", "no proposal chosen"),
        Some("encap_mode_differs"),
    ),
    // personalities.md: IOS answers phase-2 IDs its crypto ACL does not mirror with
    // PROPOSAL_NOT_CHOSEN, not INVALID-ID-INFORMATION, so the IX (0.0.0.0/0 from its access
    // list) hears NO-PROPOSAL-CHOSEN; the diagnosis still names the IDs.
    want(
        "ix",
        "ios",
        "default/default",
        (true, false),
        ("NO-PROPOSAL-CHOSEN", ""),
        Some("phase2_id_any_on_one_side"),
    ),
    // Mirrored LANs: IOS's tunnel-mode proposal, which the IX takes in either mode. IOS's
    // IPsec SAs last 3600 s (Cisco's `lifedur= 3600s`), the IX's 28800 s: they come up anyway.
    want(
        "ios",
        "ix",
        "subnet/subnet",
        (true, true),
        ("", "IKE.002"),
        Some("lifetime_differs"),
    ),
    // The IX's 0.0.0.0/0 both ways against IOS's `permit ip any any`: the IDs mirror each
    // other. A crypto map protects only what leaves by the interface it is applied to, so
    // what IOS decrypts still reaches its LAN and the pings are answered.
    want(
        "ix",
        "ios",
        "any/any",
        (true, true),
        ("IKE.002", ""),
        Some("lifetime_differs"),
    ),
    // An ACL naming only the two gateways: the LANs' traffic matches no crypto map entry, so
    // IOS routes it in clear (a crypto map protects only what its ACL permits) and no tunnel
    // ever comes up; the pings are answered all the same.
    Want {
        answered_in_clear: true,
        ..want(
            "ios",
            "ios",
            "host/host",
            (false, false),
            ("", ""),
            Some("traffic_in_clear"),
        )
    },
    // SEIL's routing-based IPsec proposes transport mode (the document's `ESP/Transport`);
    // IOS's transform set is tunnel mode unless `mode transport`, which IOS uses only for
    // traffic between the two peers: the IDs agree and phase 2 still fails.
    want(
        "seil",
        "ios",
        "subnet/subnet",
        (true, false),
        ("NO-PROPOSAL-CHOSEN", ""),
        Some("encap_mode_differs"),
    ),
];

#[test]
fn cells_show_what_the_sources_say() {
    let table = Personalities::builtin();
    let mut filter = Filter::default();
    for c in CASES {
        filter
            .add_pair(&table, &format!("{}:{}", c.initiator, c.responder))
            .unwrap();
    }
    let rows = run(cells(&table, &filter), 2);
    for c in CASES {
        let (_, result) = rows
            .iter()
            .find(|(cell, _)| {
                cell.initiator == c.initiator
                    && cell.responder == c.responder
                    && cell.variant.name == c.variant
            })
            .unwrap_or_else(|| panic!("no cell {} {} {}", c.initiator, c.responder, c.variant));
        let name = format!("{} -> {} {}", c.initiator, c.responder, c.variant);
        let CellResult::Ran(o) = result else {
            panic!("{name}: {result:?}");
        };
        assert_eq!((o.phase1, o.phase2), (c.phase1, c.phase2), "{name}: {o:?}");
        if c.phase2 || c.answered_in_clear {
            assert!(o.ping.0 > 0 && o.ping.1 + 1 >= o.ping.0, "{name}: {o:?}");
        } else {
            assert_eq!(o.ping.1, 0, "{name}: {o:?}");
        }
        let said = |line: &Option<String>, words: &str| {
            line.as_deref().unwrap_or_default().contains(words)
        };
        assert!(said(&o.initiator_line, c.initiator_says), "{name}: {o:?}");
        assert!(said(&o.responder_line, c.responder_says), "{name}: {o:?}");
        assert_eq!(
            o.diagnosis.as_ref().map(|(k, _)| k.as_str()),
            c.diagnosis,
            "{name}: {o:?}"
        );
    }
}

#[test]
fn the_grid_is_every_ordered_pair_and_a_shard_splits_it() {
    let table = Personalities::builtin();
    let all = cells(&table, &Filter::default());
    let n = ikelab::matrix::grid::matrix_personalities(&table).len();
    let per_pair = ikelab::matrix::grid::variants().len();
    assert!(n >= 3, "seil, ix and rtx at least");
    assert_eq!(all.len(), n * n * per_pair);
    let mut f = Filter::default();
    f.add_pair(&table, "yamaha:nec-ix").unwrap();
    f.knobs.push(ikelab::matrix::Knob::Pfs);
    let some = cells(&table, &f);
    assert!(
        some.iter()
            .all(|c| c.initiator == "rtx" && c.responder == "ix")
    );
    assert_eq!(some.len(), 5);
    assert!(
        f.add_pair(&table, "seil:cisco-asa")
            .unwrap_err()
            .to_string()
            .contains("no personality \"cisco-asa\"")
    );
    assert!(f.add_pair(&table, "seil").is_err());
}

/// A NAT cell's expectation: (initiator, responder, variant, phase 2 up, pings answered).
type NatWant = (&'static str, &'static str, &'static str, bool, bool);

/// The NAT knob: the initiator behind a NAPT that passes UDP and drops ESP (protocol 50).
/// RFC 3947: with NAT-T on both sides NAT-D finds the NAT, IKE floats to 4500 and Quick Mode
/// agrees on UDP-encapsulated ESP (RFC 3948), which crosses the NAT. With NAT-T off at either
/// side no Vendor ID is matched, nothing floats and ESP stays protocol 50: IKE (UDP) still
/// crosses, so phase 2 comes up, and the NAT drops every ESP packet, so no ping is answered.
const NAT_CASES: &[NatWant] = &[
    ("ios", "rtx", "behind NAT, on/on", true, true),
    ("rtx", "ios", "behind NAT, on/on", true, true),
    ("ios", "ios", "behind NAT, on/on", true, true),
    ("ios", "rtx", "behind NAT, off/on", true, false),
    ("ios", "rtx", "behind NAT, on/off", true, false),
    ("rtx", "rtx", "behind NAT, off/off", true, false),
];

#[test]
fn nat_cells_follow_rfc_3947() {
    let table = Personalities::builtin();
    let mut filter = Filter::default();
    filter.knobs.push(ikelab::matrix::Knob::Nat);
    for (i, r, ..) in NAT_CASES {
        filter.add_pair(&table, &format!("{i}:{r}")).unwrap();
    }
    let rows = run(cells(&table, &filter), 2);
    for &(i, r, variant, phase2, answered) in NAT_CASES {
        let name = format!("{i} -> {r} {variant}");
        let (_, result) = rows
            .iter()
            .find(|(c, _)| c.initiator == i && c.responder == r && c.variant.name == variant)
            .unwrap_or_else(|| panic!("no cell {name}"));
        let CellResult::Ran(o) = result else {
            panic!("{name}: {result:?}");
        };
        assert!(o.phase1, "{name}: {o:?}");
        assert_eq!(o.phase2, phase2, "{name}: {o:?}");
        if answered {
            assert!(o.ping.0 > 0 && o.ping.1 + 1 >= o.ping.0, "{name}: {o:?}");
        } else {
            assert_eq!(o.ping.1, 0, "{name}: {o:?}");
        }
    }
}

/// `--netns` adds the real daemons as rows and columns: every ordered pair with a daemon, no
/// `nat` cells (the namespaces have no NAT device), and with Libreswan no MODP-1024 (Debian
/// builds it without): each such variant says MODP-2048 instead, on both sides.
#[test]
fn real_daemons_join_the_grid_with_netns() {
    use ikelab::matrix::grid::{Change, Device};
    use ikelab::matrix::real::RealPeer;
    use ikelab_peers::crypto::DhGroup;

    let table = Personalities::builtin();
    let mut f = Filter::default();
    // Without --netns a daemon's name is refused, and says what it needs.
    let err = f.add_pair(&table, "strongswan:ix").unwrap_err().to_string();
    assert!(err.contains("--netns"), "{err}");

    f.real = RealPeer::ALL.to_vec();
    let all = cells(&table, &f);
    let sims = ikelab::matrix::grid::matrix_personalities(&table).len();
    let devices = sims + 2;
    let variants = ikelab::matrix::grid::variants();
    let nat = variants.iter().filter(|v| v.behind_nat).count();
    let with_daemon = devices * devices - sims * sims;
    assert_eq!(
        all.len(),
        sims * sims * variants.len() + with_daemon * (variants.len() - nat)
    );
    let real: Vec<_> = all.iter().filter(|c| c.is_real()).collect();
    assert_eq!(real.len(), with_daemon * (variants.len() - nat));
    assert!(real.iter().all(|c| !c.variant.behind_nat));
    for c in &real {
        let libreswan = [&c.initiator_device, &c.responder_device]
            .iter()
            .any(|d| matches!(d, Device::Real(RealPeer::Libreswan)));
        let groups = c
            .variant
            .initiator
            .iter()
            .chain(&c.variant.responder)
            .filter_map(|ch| match *ch {
                Change::Pfs(g) => g,
                Change::Phase1(_, g) => Some(g),
                _ => None,
            })
            .collect::<Vec<_>>();
        if libreswan {
            assert!(!groups.contains(&DhGroup::Modp1024), "{}", c.id());
            assert!(!c.variant.name.contains("modp1024"), "{}", c.id());
        }
    }
    f.add_pair(&table, "strongswan:libreswan").unwrap();
    f.knobs.push(ikelab::matrix::Knob::Pfs);
    let some = cells(&table, &f);
    let names: Vec<_> = some.iter().map(|c| c.variant.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "off/off",
            "modp2048/modp2048",
            "modp2048/off",
            "off/modp2048",
            "modp2048/modp1536"
        ]
    );
}
