//! The two routers of a failed exchange as a diagnosis sees them: each one's name, personality
//! and the config it ran with at the moment of the failure, and the IKE peer and policies that
//! face the other.

use std::net::Ipv4Addr;
use std::sync::Arc;

use ikelab_peers::ike::{PeerConfig, Policy};
use ikelab_peers::personality::{Personality, RouterConfig, Setting};
use ikelab_peers::prefix::Ipv4Net;
use ikelab_peers::time::Instant;

use crate::report::{RouterState, RunResult};

/// One router at one moment.
#[derive(Clone, Copy)]
pub struct Side<'a> {
    /// Node name.
    pub name: &'a str,
    /// The device it imitates.
    pub personality: &'a Arc<dyn Personality>,
    /// The config in effect.
    pub config: &'a RouterConfig,
}

impl<'a> Side<'a> {
    /// `router` with the config it ran with at `at`.
    pub fn at(router: &'a RouterState, at: Instant) -> Option<Side<'a>> {
        let config = router
            .configs
            .iter()
            .rev()
            .find(|(t, _)| *t <= at)
            .or_else(|| router.configs.first())
            .map(|(_, c)| c)?;
        Some(Side {
            name: &router.name,
            personality: &router.personality,
            config,
        })
    }

    /// `router` with the config it ended the run with.
    pub fn at_end(router: &'a RouterState) -> Option<Side<'a>> {
        Side::at(router, Instant::from_nanos(u64::MAX))
    }

    /// The router (at `at`) one of whose IKE peers has `ip` as its local address.
    pub fn owning(run: &'a RunResult, ip: Ipv4Addr, at: Instant) -> Option<Side<'a>> {
        run.routers
            .iter()
            .filter_map(|r| Side::at(r, at))
            .find(|s| s.config.engine.peers.iter().any(|p| p.local == ip) || s.has_address(ip))
    }

    /// Whether one of its interfaces has `ip`.
    pub fn has_address(&self, ip: Ipv4Addr) -> bool {
        self.config
            .interfaces
            .iter()
            .any(|i| i.address.is_some_and(|a| a.addr == ip))
    }

    /// The interface setting of the interface that has `ip`.
    pub fn interface_of(&self, ip: Ipv4Addr) -> Setting {
        let name = self
            .config
            .interfaces
            .iter()
            .find(|i| i.address.is_some_and(|a| a.addr == ip))
            .map_or_else(String::new, |i| i.name.clone());
        Setting::Interface(name)
    }

    /// Its interfaces' addresses with their prefixes.
    pub fn networks(&self) -> impl Iterator<Item = Ipv4Net> + '_ {
        self.config.interfaces.iter().filter_map(|i| i.address)
    }

    /// Its IKE peer for `remote`: the one with that address, else one that accepts any.
    pub fn peer_for(&self, remote: Ipv4Addr) -> Option<&'a PeerConfig> {
        let peers = &self.config.engine.peers;
        peers
            .iter()
            .find(|p| p.remote == Some(remote))
            .or_else(|| peers.iter().find(|p| p.remote.is_none()))
    }

    /// Its policies negotiated with `peer`.
    pub fn policies_of(&self, peer: &'a PeerConfig) -> impl Iterator<Item = &'a Policy> + 'a {
        let name = peer.name.clone();
        self.config
            .engine
            .policies
            .iter()
            .filter(move |p| p.peer == name)
    }

    /// `file:line` of the lines settings come from, in line order (`ix.conf:8,9,10`; `-` when
    /// none is recorded, a default).
    pub fn lines(&self, settings: &[Setting]) -> String {
        let mut found: Vec<(&str, usize)> = settings
            .iter()
            .filter_map(|s| self.config.origins.get(s))
            .map(|o| (o.file.as_str(), o.line))
            .collect();
        found.sort_unstable();
        found.dedup();
        let mut out: Vec<String> = vec![];
        let mut file = None;
        for (f, l) in found {
            if file == Some(f) {
                out.push(l.to_string());
            } else {
                out.push(format!("{f}:{l}"));
                file = Some(f);
            }
        }
        if out.is_empty() {
            "-".into()
        } else {
            out.join(",")
        }
    }
}
