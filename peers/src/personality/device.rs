//! What a device personality gives the rest of ikelab ([`Personality`]): its config dialect, the
//! log renderer a parsed config sets up, its behaviour defaults, how it applies a changed
//! configuration, and fix hints written in its own commands.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use std::net::Ipv4Addr;

use crate::crypto::DhGroup;
use crate::ike::{Behaviour, ExchangeMode, Phase1Proposal, Phase2Proposal, QmId};

use crate::prefix::Ipv4Net;

use super::{ConfigErrors, Edit, LogRenderer, RouterConfig, Vendor, WallClock};

/// A device ikelab imitates. Each device folder (`seil/`, `ix/`) has one; the
/// [`Personalities`](super::Personalities) table maps scenario names to them.
pub trait Personality: Send + Sync + fmt::Debug {
    /// The name it prints in outcomes and `summary.json`, and that its configs carry.
    fn vendor(&self) -> Vendor;

    /// Parses a config in the device's dialect; `file` names it in diagnostics.
    fn parse(&self, file: &str, text: &str) -> Result<Parsed, ConfigErrors>;

    /// The IKE behaviour its configs start from.
    fn behaviour(&self) -> Behaviour;

    /// What applying a changed configuration does, step by step after the moment it is applied.
    fn reconfigure(&self) -> Vec<(Duration, ReconfigureStep)>;

    /// The edits to `config` (this device's, parsed with its source lines) that make it agree
    /// with its peer on `mismatch`, in the device's own syntax; `None` when the device cannot
    /// express the change (or has no hint for it), so that a diagnosis offers the other side.
    fn fix(&self, config: &RouterConfig, mismatch: &Mismatch<'_>) -> Option<Vec<Edit>>;

    /// A config for one end of a site-to-site tunnel, written as the device's own examples
    /// write one (its defaults left to it: phase-2 IDs, lifetimes), with AES-128, SHA-1 and
    /// MODP-1024 in both phases and no PFS; `None` if the device has no such config or cannot
    /// write `site` (a key it cannot quote). Variants of it are this text with the device's
    /// own fixes applied ([`Personality::fix`], [`super::origin::apply`]).
    fn site_config(&self, site: &Site<'_>) -> Option<String> {
        let _ = site;
        None
    }
}

/// One end of a site-to-site tunnel in plain terms ([`Personality::site_config`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Site<'a> {
    /// The device's host name.
    pub hostname: &'a str,
    /// Its WAN address, with the WAN's prefix length.
    pub wan: Ipv4Net,
    /// Its LAN address (the LAN hosts' gateway), with the LAN's prefix length.
    pub lan: Ipv4Net,
    /// The next hop on the WAN for everything else (a default route), when the far gateway is
    /// not on the WAN's subnet.
    pub gateway: Option<Ipv4Addr>,
    /// The far gateway's WAN address.
    pub peer: Ipv4Addr,
    /// The far LAN.
    pub peer_lan: Ipv4Net,
    /// The pre-shared key.
    pub psk: &'a str,
    /// Whether the device only answers: it starts no negotiation on its own (a device that
    /// never does writes nothing for it).
    pub responder: bool,
}

impl Site<'_> {
    /// Whether `psk` can be written as one word of a config line, inside double quotes or not:
    /// printable ASCII without spaces, quotes or backslashes.
    pub fn plain_key(&self) -> bool {
        !self.psk.is_empty()
            && self
                .psk
                .bytes()
                .all(|b| b.is_ascii_graphic() && !matches!(b, b'"' | b'\\' | b'\''))
    }
}

/// What a diagnosis wants one router's config to say, so that it agrees with its peer. Peers and
/// policies are named as in the engine's configuration ([`crate::ike::PeerConfig::name`],
/// [`crate::ike::Policy::name`]).
#[derive(Clone, Copy, Debug)]
pub enum Mismatch<'a> {
    /// The policy's phase-2 IDs should be these.
    Ids {
        /// The policy.
        policy: &'a str,
        /// The local ID (this device's side).
        local: &'a QmId,
        /// The remote ID.
        remote: &'a QmId,
    },
    /// The policy's PFS group should be this (`None`: no PFS).
    Pfs {
        /// The policy.
        policy: &'a str,
        /// The group.
        group: Option<DhGroup>,
    },
    /// The policy's phase-2 proposal should be (or include) this one.
    Phase2Proposal {
        /// The policy.
        policy: &'a str,
        /// The proposal the peer has.
        proposal: &'a Phase2Proposal,
    },
    /// The peer's phase-1 proposal should be (or include) this one.
    Phase1Proposal {
        /// The IKE peer.
        peer: &'a str,
        /// The proposal the other side has.
        proposal: &'a Phase1Proposal,
    },
    /// The peer's pre-shared key should be this.
    PreSharedKey {
        /// The IKE peer.
        peer: &'a str,
        /// The key.
        key: &'a [u8],
    },
    /// The peer's exchange mode should be this.
    ExchangeMode {
        /// The IKE peer.
        peer: &'a str,
        /// The mode.
        mode: ExchangeMode,
    },
    /// Packets for `prefix` should be routed into the tunnel interface `interface`.
    Route {
        /// The destination.
        prefix: Ipv4Net,
        /// The tunnel interface, by the name the config gives it.
        interface: &'a str,
    },
    /// The peer's address should be this.
    PeerAddress {
        /// The IKE peer.
        peer: &'a str,
        /// The address.
        address: Ipv4Addr,
    },
    /// NAT traversal (RFC 3947/3948) should be offered to the peer (`on`) or not. A device
    /// already so configured answers with no edits.
    NatTraversal {
        /// The IKE peer.
        peer: &'a str,
        /// Offered or not.
        on: bool,
    },
}

impl Mismatch<'_> {
    /// For [`Mismatch::NatTraversal`]: whether `config`'s peer already is as asked (`Some(true)`),
    /// is not (`Some(false)`), or is unknown (`None`); `None` for every other mismatch.
    pub fn nat_traversal_holds(&self, config: &super::RouterConfig) -> Option<bool> {
        let Mismatch::NatTraversal { peer, on } = *self else {
            return None;
        };
        let p = config.engine.peers.iter().find(|p| p.name == peer)?;
        Some((p.nat_traversal != crate::ike::NatTraversal::Off) == on)
    }
}

/// One step of applying a changed configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReconfigureStep {
    /// The IKE daemon restarts with the new configuration.
    Restart,
    /// The system flushes the SAD (Deletes for the inbound SAs) and reloads the SPD with the new
    /// configuration's policies.
    FlushAndReload,
}

/// Sets up a router's log renderer; a parsed config carries one with the settings it read (the
/// IX's `logging` commands, say).
pub trait LogSetup: Send + Sync + fmt::Debug {
    /// A renderer whose lines are dated from `clock`.
    fn renderer(&self, clock: WallClock) -> Box<dyn LogRenderer>;
}

/// A parsed config: the vendor-neutral router and what its log renderer needs.
#[derive(Clone, Debug)]
pub struct Parsed {
    /// Interfaces, routes, the engine's configuration and warnings.
    pub router: RouterConfig,
    /// The log renderer this config sets up.
    pub log: Arc<dyn LogSetup>,
}

impl Parsed {
    /// The log renderer for this config, dated from `clock`.
    pub fn renderer(&self, clock: WallClock) -> Box<dyn LogRenderer> {
        self.log.renderer(clock)
    }
}
