//! What a real daemon is told in a cell: the grid's baseline (the proposals every simulated
//! device's site config writes: AES-128, SHA-1, MODP-1024, ESP AES-128 with SHA-1, no PFS,
//! Main Mode, tunnel mode) with the variant's changes for its side, in terms that
//! [`super::swanctl`] and [`super::libreswan`] write in their own formats.

use ikelab_peers::crypto::{CipherAlg, DhGroup};
use ikelab_peers::ike::ExchangeMode;
use ikelab_peers::personality::Site;
use ikelab_peers::prefix::Ipv4Net;

use crate::matrix::grid::{Change, Ids};

/// One real daemon's settings for a cell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Its phase-2 selectors (local, remote); `None`: the daemon's default (no traffic
    /// selectors: the two gateways, host to host).
    pub selectors: Option<(Ipv4Net, Ipv4Net)>,
    /// The PFS group, if any.
    pub pfs: Option<DhGroup>,
    /// The phase-1 cipher and group (the hash is SHA-1).
    pub phase1: (CipherAlg, DhGroup),
    /// The phase-2 cipher (the integrity is HMAC-SHA-1-96).
    pub phase2: CipherAlg,
    /// The exchange mode.
    pub mode: ExchangeMode,
}

/// The baseline of every site config.
pub const AES128: CipherAlg = CipherAlg::AesCbc { key_len: 16 };

/// (local, remote) selectors of `ids` for `site`, as networks (a host is a /32). The simulated
/// devices' IDs come from the same ([`crate::matrix::cell`]).
pub fn selectors(ids: Ids, site: &Site<'_>) -> (Ipv4Net, Ipv4Net) {
    let host = |addr| Ipv4Net {
        addr,
        prefix_len: 32,
    };
    let network = |n: Ipv4Net| Ipv4Net {
        addr: n.network(),
        prefix_len: n.prefix_len,
    };
    match ids {
        Ids::Hosts => (host(site.wan.addr), host(site.peer)),
        Ids::Subnets => (network(site.lan), network(site.peer_lan)),
        Ids::NarrowRemote => {
            let narrower = Ipv4Net {
                addr: site.peer_lan.network(),
                prefix_len: site.peer_lan.prefix_len.saturating_add(1).min(32),
            };
            (network(site.lan), network(narrower))
        }
        Ids::Any => {
            let any = Ipv4Net {
                addr: std::net::Ipv4Addr::UNSPECIFIED,
                prefix_len: 0,
            };
            (any, any)
        }
    }
}

impl Settings {
    /// The baseline with `changes` made; `Err` names a change a real daemon is not given in
    /// this lab (NAT traversal: the namespaces have no NAT device).
    pub fn of(site: &Site<'_>, changes: &[Change]) -> Result<Settings, String> {
        let mut s = Settings {
            selectors: None,
            pfs: None,
            phase1: (AES128, DhGroup::Modp1024),
            phase2: AES128,
            mode: ExchangeMode::Main,
        };
        for c in changes {
            match *c {
                Change::Ids(ids) => s.selectors = Some(selectors(ids, site)),
                Change::Pfs(g) => s.pfs = g,
                Change::Phase1(cipher, group) => s.phase1 = (cipher, group),
                Change::Phase2(cipher) => s.phase2 = cipher,
                Change::Mode(m) => s.mode = m,
                Change::NatTraversal(_) => return Err(format!("{c:?}")),
            }
        }
        Ok(s)
    }
}

/// A cipher as strongSwan and Libreswan name it.
pub fn cipher_name(c: CipherAlg) -> String {
    match c {
        CipherAlg::AesCbc { key_len } => format!("aes{}", key_len * 8),
        CipherAlg::TripleDesCbc => "3des".into(),
    }
}

/// A MODP group as strongSwan and Libreswan name it.
pub fn group_name(g: DhGroup) -> &'static str {
    match g {
        DhGroup::Modp768 => "modp768",
        DhGroup::Modp1024 => "modp1024",
        DhGroup::Modp1536 => "modp1536",
        DhGroup::Modp2048 => "modp2048",
    }
}
