//! Real IKE daemons as rows and columns of `ikelab matrix --netns`: strongSwan's charon and
//! Libreswan's pluto, each configured for a cell in its own format ([`settings`], [`swanctl`],
//! [`libreswan`]), run in namespaces ([`lab`]) beside a simulated device ([`peer`]) or each
//! other ([`ends`], [`run`]), judged by their own logs ([`judge`]) as the simulated device is by
//! its events ([`outcome`]).
//!
//! These kernels have no ESP (`CONFIG_INET_ESP` unset), so a daemon cannot install the SAs it
//! negotiates: its cells are IKE only. Phase 2 counts as up when Quick Mode agreed (the
//! responder accepted the proposal and IDs, and the initiator the answer), whatever the kernel
//! then did with the keys, and no ping is sent through the tunnel.

pub mod ends;
pub mod judge;
pub mod lab;
pub mod libreswan;
pub mod outcome;
pub mod peer;
pub mod run;
pub mod settings;
pub mod swanctl;

use std::fmt;
use std::str::FromStr;

/// A real IKEv1 implementation the matrix can run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RealPeer {
    /// strongSwan (charon, configured with swanctl).
    StrongSwan,
    /// Libreswan (pluto, configured with ipsec.conf), extracted into `$IKELAB_LIBRESWAN`.
    Libreswan,
}

impl RealPeer {
    /// Every real peer, in the grid's order (after the simulated devices).
    pub const ALL: [RealPeer; 2] = [RealPeer::StrongSwan, RealPeer::Libreswan];

    /// Its name in `--pair`, tables and cell ids.
    pub fn name(self) -> &'static str {
        match self {
            RealPeer::StrongSwan => "strongswan",
            RealPeer::Libreswan => "libreswan",
        }
    }

    /// Whether it can be run on this machine.
    pub fn installed(self) -> bool {
        match self {
            RealPeer::StrongSwan => ikelab_sim::netns::daemon::strongswan_installed(),
            RealPeer::Libreswan => ikelab_sim::netns::daemon::libreswan_installed(),
        }
    }

    /// Those of [`RealPeer::ALL`] that are installed here.
    pub fn installed_here() -> Vec<RealPeer> {
        RealPeer::ALL
            .into_iter()
            .filter(|r| r.installed())
            .collect()
    }
}

impl fmt::Display for RealPeer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is no real peer.
#[derive(Debug, thiserror::Error)]
#[error("no real peer {0:?} (expected strongswan or libreswan)")]
pub struct UnknownPeer(String);

impl FromStr for RealPeer {
    type Err = UnknownPeer;

    fn from_str(s: &str) -> Result<RealPeer, UnknownPeer> {
        RealPeer::ALL
            .into_iter()
            .find(|r| r.name() == s)
            .ok_or_else(|| UnknownPeer(s.into()))
    }
}
