//! The grid of `ikelab matrix`: the knobs, each knob's variants (what each side changes from
//! its device's site config), and the cells (an ordered pair of devices, simulated or real,
//! and a variant), with the filters and shards that pick some of them.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use ikelab_peers::crypto::{CipherAlg, DhGroup};
use ikelab_peers::ike::ExchangeMode;
use ikelab_peers::personality::{Personalities, Personality};

use super::real::RealPeer;

/// What a variant varies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Knob {
    /// Phase-2 IDs (the devices' defaults, hosts, subnets, 0.0.0.0/0, mirrored or not).
    Ids,
    /// Perfect forward secrecy: off, the same group, one side only, different groups.
    Pfs,
    /// The proposals: equal, or one attribute differing.
    Proposal,
    /// The phase-1 exchange mode.
    Mode,
    /// NAT traversal with the initiator behind a NAT: on at both sides, or off at one.
    Nat,
}

impl Knob {
    /// Every knob, in the grid's order.
    pub const ALL: [Knob; 5] = [Knob::Ids, Knob::Pfs, Knob::Proposal, Knob::Mode, Knob::Nat];

    /// Its name on the command line and in tables.
    pub fn name(self) -> &'static str {
        match self {
            Knob::Ids => "ids",
            Knob::Pfs => "pfs",
            Knob::Proposal => "proposal",
            Knob::Mode => "mode",
            Knob::Nat => "nat",
        }
    }
}

impl fmt::Display for Knob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A `--knob` value that names no knob.
#[derive(Debug, thiserror::Error)]
#[error("no knob {0:?} (expected ids, pfs, proposal, mode or nat)")]
pub struct UnknownKnob(String);

impl FromStr for Knob {
    type Err = UnknownKnob;

    fn from_str(s: &str) -> Result<Knob, UnknownKnob> {
        Knob::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| UnknownKnob(s.into()))
    }
}

/// Phase-2 IDs in a side's own terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ids {
    /// Its gateway and the far gateway (ID_IPV4_ADDR).
    Hosts,
    /// Its LAN and the far LAN (ID_IPV4_ADDR_SUBNET).
    Subnets,
    /// Its LAN and a narrower far LAN (the far LAN's first half): not mirrored.
    NarrowRemote,
    /// 0.0.0.0/0 both ways.
    Any,
}

/// One change to one side's site config, made with that device's own fix
/// ([`Personality::fix`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// Its phase-2 IDs.
    Ids(Ids),
    /// Its PFS group (`None`: off).
    Pfs(Option<DhGroup>),
    /// Its phase-1 proposal's cipher and group.
    Phase1(CipherAlg, DhGroup),
    /// Its phase-2 cipher.
    Phase2(CipherAlg),
    /// Its exchange mode.
    Mode(ExchangeMode),
    /// NAT traversal offered (`true`) or not.
    NatTraversal(bool),
}

/// A variant of a knob: what the initiator and the responder change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Variant {
    /// The knob.
    pub knob: Knob,
    /// Its name in tables (`host/subnet`: the initiator's, then the responder's).
    pub name: String,
    /// The initiator's changes.
    pub initiator: Vec<Change>,
    /// The responder's changes.
    pub responder: Vec<Change>,
    /// Whether the initiator sits behind a NAT ([`super::cell::sites`]).
    pub behind_nat: bool,
}

/// The default grid. Outside the IDs knob both sides use subnet IDs, which every device can
/// write and which agree, so that each cell shows its own knob's effect.
pub fn variants() -> Vec<Variant> {
    use Change::*;
    use CipherAlg::TripleDesCbc;
    use DhGroup::{Modp1024, Modp1536};
    let subnets = || vec![Ids(self::Ids::Subnets)];
    let with = |mut base: Vec<Change>, c: &[Change]| {
        base.extend_from_slice(c);
        base
    };
    let v = |knob, name: &str, initiator, responder| Variant {
        knob,
        name: name.to_string(),
        initiator,
        responder,
        behind_nat: false,
    };
    let behind_nat = |name: &str, initiator: bool, responder: bool| Variant {
        behind_nat: true,
        ..v(
            Knob::Nat,
            name,
            with(subnets(), &[NatTraversal(initiator)]),
            with(subnets(), &[NatTraversal(responder)]),
        )
    };
    vec![
        v(Knob::Ids, "default/default", vec![], vec![]),
        v(
            Knob::Ids,
            "host/host",
            vec![Ids(self::Ids::Hosts)],
            vec![Ids(self::Ids::Hosts)],
        ),
        v(Knob::Ids, "subnet/subnet", subnets(), subnets()),
        v(
            Knob::Ids,
            "any/any",
            vec![Ids(self::Ids::Any)],
            vec![Ids(self::Ids::Any)],
        ),
        v(
            Knob::Ids,
            "default/host",
            vec![],
            vec![Ids(self::Ids::Hosts)],
        ),
        v(Knob::Ids, "default/subnet", vec![], subnets()),
        v(
            Knob::Ids,
            "any/subnet",
            vec![Ids(self::Ids::Any)],
            subnets(),
        ),
        v(
            Knob::Ids,
            "host/subnet",
            vec![Ids(self::Ids::Hosts)],
            subnets(),
        ),
        v(
            Knob::Ids,
            "subnet/not mirrored",
            subnets(),
            vec![Ids(self::Ids::NarrowRemote)],
        ),
        v(Knob::Pfs, "off/off", subnets(), subnets()),
        v(
            Knob::Pfs,
            "modp1024/modp1024",
            with(subnets(), &[Pfs(Some(Modp1024))]),
            with(subnets(), &[Pfs(Some(Modp1024))]),
        ),
        v(
            Knob::Pfs,
            "modp1024/off",
            with(subnets(), &[Pfs(Some(Modp1024))]),
            subnets(),
        ),
        v(
            Knob::Pfs,
            "off/modp1024",
            subnets(),
            with(subnets(), &[Pfs(Some(Modp1024))]),
        ),
        v(
            Knob::Pfs,
            "modp1024/modp1536",
            with(subnets(), &[Pfs(Some(Modp1024))]),
            with(subnets(), &[Pfs(Some(Modp1536))]),
        ),
        v(Knob::Proposal, "equal", subnets(), subnets()),
        v(
            Knob::Proposal,
            "phase-1 3des/aes",
            with(subnets(), &[Phase1(TripleDesCbc, Modp1024)]),
            subnets(),
        ),
        v(
            Knob::Proposal,
            "phase-1 modp1024/modp1536",
            subnets(),
            with(
                subnets(),
                &[Phase1(CipherAlg::AesCbc { key_len: 16 }, Modp1536)],
            ),
        ),
        v(
            Knob::Proposal,
            "phase-2 aes/3des",
            subnets(),
            with(subnets(), &[Phase2(TripleDesCbc)]),
        ),
        v(Knob::Mode, "main/main", subnets(), subnets()),
        v(
            Knob::Mode,
            "aggressive/aggressive",
            with(subnets(), &[Mode(ExchangeMode::Aggressive)]),
            with(subnets(), &[Mode(ExchangeMode::Aggressive)]),
        ),
        v(
            Knob::Mode,
            "main/aggressive",
            subnets(),
            with(subnets(), &[Mode(ExchangeMode::Aggressive)]),
        ),
        v(
            Knob::Mode,
            "aggressive/main",
            with(subnets(), &[Mode(ExchangeMode::Aggressive)]),
            subnets(),
        ),
        // The initiator behind a NAPT that passes UDP only (RFC 3022): with NAT-T (RFC 3947)
        // on both sides IKE floats to 4500 and ESP goes in UDP (RFC 3948); off at either side,
        // ESP stays protocol 50, which the NAT drops.
        behind_nat("behind NAT, on/on", true, true),
        behind_nat("behind NAT, off/on", false, true),
        behind_nat("behind NAT, on/off", true, false),
        behind_nat("behind NAT, off/off", false, false),
    ]
}

impl Variant {
    /// This variant for a pair with Libreswan: Debian builds Libreswan 4.10 without MODP-1024
    /// (`IKE DH algorithm 'modp1024' is not supported`), so each side's phase 1 uses MODP-2048
    /// where the grid has MODP-1024 (both sides are told, so that the knob still shows only its
    /// own effect), and so does PFS; the name says so.
    pub fn without_modp1024(&self) -> Variant {
        use DhGroup::{Modp1024, Modp2048};
        let map = |g: DhGroup| if g == Modp1024 { Modp2048 } else { g };
        let side = |changes: &[Change]| {
            let mut out: Vec<Change> = changes
                .iter()
                .map(|c| match *c {
                    Change::Pfs(g) => Change::Pfs(g.map(map)),
                    Change::Phase1(cipher, g) => Change::Phase1(cipher, map(g)),
                    other => other,
                })
                .collect();
            if !out.iter().any(|c| matches!(c, Change::Phase1(..))) {
                out.insert(
                    0,
                    Change::Phase1(CipherAlg::AesCbc { key_len: 16 }, Modp2048),
                );
            }
            out
        };
        Variant {
            knob: self.knob,
            name: self.name.replace("modp1024", "modp2048"),
            initiator: side(&self.initiator),
            responder: side(&self.responder),
            behind_nat: self.behind_nat,
        }
    }
}

/// One end of a cell: a simulated device, or a real IKE daemon (`--netns`).
#[derive(Clone, Debug)]
pub enum Device {
    /// A personality of ikelab's, run in-process (or in a namespace beside a real peer).
    Sim(Arc<dyn Personality>),
    /// A real daemon, run in a namespace.
    Real(RealPeer),
}

impl Device {
    /// The personality, for a simulated device.
    pub fn personality(&self) -> Option<&Arc<dyn Personality>> {
        match self {
            Device::Sim(p) => Some(p),
            Device::Real(_) => None,
        }
    }
}

/// One cell: who initiates, who responds, and what they change.
#[derive(Clone, Debug)]
pub struct Cell {
    /// The initiator's name (a personality's, or a real peer's: `strongswan`).
    pub initiator: String,
    /// The initiator.
    pub initiator_device: Device,
    /// The responder's name.
    pub responder: String,
    /// The responder.
    pub responder_device: Device,
    /// The variant.
    pub variant: Variant,
}

impl Cell {
    /// Whether a real daemon takes part (the cell runs in namespaces).
    pub fn is_real(&self) -> bool {
        matches!(self.initiator_device, Device::Real(_))
            || matches!(self.responder_device, Device::Real(_))
    }
}

/// Which cells to run.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Only these (initiator, responder) pairs, by personality name (`seil:ix`); all if empty.
    pub pairs: Vec<(String, String)>,
    /// Only these knobs; all if empty.
    pub knobs: Vec<Knob>,
    /// The real peers that join the grid as rows and columns (`--netns`).
    pub real: Vec<RealPeer>,
}

/// A `--pair` value that is not `A:B` with known personalities.
#[derive(Debug, thiserror::Error)]
pub enum PairError {
    /// Not two names around a colon.
    #[error("--pair {0:?} is not INITIATOR:RESPONDER (e.g. seil:ix)")]
    NotAPair(String),
    /// A real daemon's name, without `--netns` or not installed here.
    #[error(
        "--pair {given:?}: {name} is a real daemon: it joins the matrix with --netns (root), where it is installed"
    )]
    NeedsNetns {
        /// The value given.
        given: String,
        /// The daemon's name.
        name: String,
    },
    /// A name that is no personality writing site configs.
    #[error("--pair {given:?}: no personality {name:?} (expected {expected})")]
    Unknown {
        /// The value given.
        given: String,
        /// The name.
        name: String,
        /// The names there are.
        expected: String,
    },
}

/// The personalities of `table` that write site configs, by first name.
pub fn matrix_personalities(table: &Personalities) -> Vec<(String, Arc<dyn Personality>)> {
    let probe = super::cell::sites(false).0;
    table
        .iter()
        .filter(|(_, p)| p.site_config(&probe).is_some())
        .map(|(n, p)| (n.to_string(), p.clone()))
        .collect()
}

impl Filter {
    /// Adds `--pair A:B`, with names as `table` knows them.
    pub fn add_pair(&mut self, table: &Personalities, value: &str) -> Result<(), PairError> {
        let (a, b) = value
            .split_once(':')
            .filter(|(a, b)| !a.is_empty() && !b.is_empty())
            .ok_or_else(|| PairError::NotAPair(value.into()))?;
        let known = matrix_personalities(table);
        let mut names = vec![];
        for n in [a, b] {
            let name = table
                .get(n)
                .and_then(|p| known.iter().find(|(_, k)| k.vendor() == p.vendor()))
                .map(|(k, _)| k.clone())
                .map(Ok)
                .or_else(|| {
                    let r = n.parse::<RealPeer>().ok()?;
                    Some(if self.real.contains(&r) {
                        Ok(r.name().to_string())
                    } else {
                        Err(PairError::NeedsNetns {
                            given: value.into(),
                            name: r.name().into(),
                        })
                    })
                })
                .ok_or_else(|| PairError::Unknown {
                    given: value.into(),
                    name: n.into(),
                    expected: known
                        .iter()
                        .map(|(k, _)| k.as_str())
                        .chain(self.real.iter().map(|r| r.name()))
                        .collect::<Vec<_>>()
                        .join(", "),
                })??;
            names.push(name);
        }
        self.pairs.push((names[0].clone(), names[1].clone()));
        Ok(())
    }
}

/// The cells of the grid that `filter` keeps: every ordered pair of `table`'s personalities
/// that write site configs and of `filter`'s real peers (a device with itself included), for
/// every variant, pairs outer. A pair with a real peer has no NAT knob (the namespaces have no
/// NAT device yet), and with Libreswan its variants are [`Variant::without_modp1024`].
pub fn cells(table: &Personalities, filter: &Filter) -> Vec<Cell> {
    let devices: Vec<(String, Device)> = matrix_personalities(table)
        .into_iter()
        .map(|(n, p)| (n, Device::Sim(p)))
        .chain(
            filter
                .real
                .iter()
                .map(|r| (r.name().to_string(), Device::Real(*r))),
        )
        .collect();
    let mut out = vec![];
    for (a, da) in &devices {
        for (b, db) in &devices {
            let wanted =
                filter.pairs.is_empty() || filter.pairs.iter().any(|(x, y)| x == a && y == b);
            if !wanted {
                continue;
            }
            let real = [da, db].map(|d| match d {
                Device::Real(r) => Some(*r),
                Device::Sim(_) => None,
            });
            for v in variants() {
                if !filter.knobs.is_empty() && !filter.knobs.contains(&v.knob) {
                    continue;
                }
                if real.iter().any(Option::is_some) && v.behind_nat {
                    continue;
                }
                let v = if real.contains(&Some(RealPeer::Libreswan)) {
                    v.without_modp1024()
                } else {
                    v
                };
                out.push(Cell {
                    initiator: a.clone(),
                    initiator_device: da.clone(),
                    responder: b.clone(),
                    responder_device: db.clone(),
                    variant: v,
                });
            }
        }
    }
    out
}
