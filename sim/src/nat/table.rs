//! A NAPT's mapping table, apart from packets: endpoint-independent mappings (RFC 4787 REQ-1)
//! from an inside address and port (or ICMP echo identifier) to a port of the outside address,
//! chosen from the lab's seed, refreshed by outbound traffic only, expired after an idle time
//! and capped in number (the mapping nearest to expiry goes first). Expiry order is a
//! `BTreeMap` keyed by time and a sequence number, so what expires or is evicted, and in which
//! order, never depends on hashing.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddrV4;

use ikelab_peers::rng::{Random, SeededRandom};
use ikelab_peers::time::Instant;

/// The outside ports (and ICMP identifiers) a NAT hands out: IANA's dynamic range (RFC 6335
/// 6). RFC 4787 REQ-3 recommends keeping a source port below 1024 below 1024; consumer NATs
/// commonly do not, and moving UDP 500 away from 500 is what makes NAT-T's port float
/// matter, so every mapping takes a port from this range.
pub const PORTS: core::ops::RangeInclusive<u16> = 49152..=65535;

/// What a mapping translates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Proto {
    /// UDP, by source port.
    Udp,
    /// ICMP echo, by identifier (RFC 5508 3.1: the identifier plays the port's part).
    IcmpEcho,
}

impl Proto {
    /// Its name in the NAT's log lines.
    pub fn name(self) -> &'static str {
        match self {
            Proto::Udp => "udp",
            Proto::IcmpEcho => "icmp",
        }
    }
}

/// One mapping as [`Table::mappings`] lists it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mapping {
    /// The protocol.
    pub proto: Proto,
    /// The inside address and port (identifier for ICMP echo).
    pub inside: SocketAddrV4,
    /// The outside port (identifier).
    pub outside_port: u16,
    /// When it expires unless outbound traffic refreshes it.
    pub expires: Instant,
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    inside: SocketAddrV4,
    expires: Instant,
    seq: u64,
}

/// What [`Table::outbound`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outbound {
    /// An existing mapping, refreshed.
    Existing(u16),
    /// A new mapping; `evicted` is the one removed to make room, if any.
    Created {
        /// The outside port.
        port: u16,
        /// The mapping removed at the cap.
        evicted: Option<Mapping>,
    },
}

impl Outbound {
    /// The outside port.
    pub fn port(self) -> u16 {
        match self {
            Outbound::Existing(p) | Outbound::Created { port: p, .. } => p,
        }
    }
}

/// The mappings of one NAT.
#[derive(Debug)]
pub struct Table {
    by_inside: HashMap<(Proto, SocketAddrV4), u16>,
    by_outside: HashMap<(Proto, u16), Entry>,
    by_expiry: BTreeMap<(Instant, u64), (Proto, u16)>,
    seq: u64,
    cap: usize,
    rng: SeededRandom,
}

impl Table {
    /// An empty table holding at most `cap` mappings (at least one, at most one per outside
    /// port of [`PORTS`] and protocol), its ports drawn from `rng`.
    pub fn new(cap: usize, rng: SeededRandom) -> Self {
        let span = usize::from(PORTS.end() - PORTS.start()) + 1;
        Table {
            by_inside: HashMap::new(),
            by_outside: HashMap::new(),
            by_expiry: BTreeMap::new(),
            seq: 0,
            cap: cap.clamp(1, span),
            rng,
        }
    }

    /// Mappings held (expired ones not yet removed included).
    pub fn len(&self) -> usize {
        self.by_outside.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.by_outside.is_empty()
    }

    /// The mapping for an outbound packet from `inside`: the existing one (refreshed until
    /// `expires`: RFC 4787 REQ-6, outbound refresh) or a new one.
    pub fn outbound(&mut self, proto: Proto, inside: SocketAddrV4, expires: Instant) -> Outbound {
        if let Some(&port) = self.by_inside.get(&(proto, inside)) {
            self.refresh(proto, port, expires);
            return Outbound::Existing(port);
        }
        let evicted = if self.len() >= self.cap {
            self.pop_first()
        } else {
            None
        };
        let port = self.free_port(proto);
        self.seq += 1;
        let e = Entry {
            inside,
            expires,
            seq: self.seq,
        };
        self.by_inside.insert((proto, inside), port);
        self.by_outside.insert((proto, port), e);
        self.by_expiry.insert((expires, e.seq), (proto, port));
        Outbound::Created { port, evicted }
    }

    /// The inside end of the mapping at outside `port`, if it is live at `now`. Inbound
    /// traffic does not refresh it (RFC 4787 REQ-6 leaves that to the NAT; this one does not,
    /// so that the inside must keep its mappings alive, as RFC 3948 2.3's keepalives do).
    pub fn inbound(&self, proto: Proto, port: u16, now: Instant) -> Option<SocketAddrV4> {
        self.by_outside
            .get(&(proto, port))
            .filter(|e| now < e.expires)
            .map(|e| e.inside)
    }

    /// Removes the mappings expired at `now`, in expiry order.
    pub fn expire(&mut self, now: Instant) -> Vec<Mapping> {
        let mut out = vec![];
        while let Some((&(at, _), _)) = self.by_expiry.first_key_value() {
            if at > now {
                break;
            }
            out.extend(self.pop_first());
        }
        out
    }

    /// When the next mapping expires.
    pub fn next_expiry(&self) -> Option<Instant> {
        self.by_expiry.first_key_value().map(|(&(at, _), _)| at)
    }

    /// Every mapping, in expiry order.
    pub fn mappings(&self) -> Vec<Mapping> {
        self.by_expiry
            .values()
            .filter_map(|&(proto, port)| self.mapping(proto, port))
            .collect()
    }

    fn mapping(&self, proto: Proto, port: u16) -> Option<Mapping> {
        self.by_outside.get(&(proto, port)).map(|e| Mapping {
            proto,
            inside: e.inside,
            outside_port: port,
            expires: e.expires,
        })
    }

    fn refresh(&mut self, proto: Proto, port: u16, expires: Instant) {
        self.seq += 1;
        let seq = self.seq;
        if let Some(e) = self.by_outside.get_mut(&(proto, port)) {
            self.by_expiry.remove(&(e.expires, e.seq));
            e.expires = expires;
            e.seq = seq;
            self.by_expiry.insert((expires, seq), (proto, port));
        }
    }

    fn pop_first(&mut self) -> Option<Mapping> {
        let (_, (proto, port)) = self.by_expiry.pop_first()?;
        let m = self.mapping(proto, port)?;
        self.by_outside.remove(&(proto, port));
        self.by_inside.remove(&(proto, m.inside));
        Some(m)
    }

    /// A port of [`PORTS`] no mapping of `proto` holds: a random start, then the next free one
    /// up (the cap keeps one free).
    fn free_port(&mut self, proto: Proto) -> u16 {
        let first = u32::from(*PORTS.start());
        let span = u32::from(*PORTS.end()) - first + 1;
        let start = self.rng.next_u32() % span;
        (0..span)
            .map(|k| (first + (start + k) % span) as u16)
            .find(|p| !self.by_outside.contains_key(&(proto, *p)))
            .unwrap_or(*PORTS.start())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::time::Duration;
    use std::net::Ipv4Addr;

    fn at(s: u64) -> Instant {
        Instant::from_duration(Duration::from_secs(s))
    }

    fn ep(last: u8, port: u16) -> SocketAddrV4 {
        SocketAddrV4::new(Ipv4Addr::new(192, 168, 100, last), port)
    }

    #[test]
    fn same_inside_endpoint_same_port_and_ports_from_the_dynamic_range() {
        let mut t = Table::new(16, SeededRandom::new(1));
        let a = t.outbound(Proto::Udp, ep(2, 500), at(10));
        assert!(matches!(a, Outbound::Created { evicted: None, .. }));
        assert!(PORTS.contains(&a.port()));
        assert_eq!(
            t.outbound(Proto::Udp, ep(2, 500), at(20)),
            Outbound::Existing(a.port())
        );
        // Another inside host with the same port gets another outside port (RFC 3022 2.2).
        let b = t.outbound(Proto::Udp, ep(3, 500), at(20));
        assert_ne!(a.port(), b.port());
        // ICMP identifiers are their own space.
        t.outbound(Proto::IcmpEcho, ep(2, 500), at(20));
        assert_eq!(t.len(), 3);
    }

    #[test]
    fn expiry_and_refresh_by_outbound_only() {
        let mut t = Table::new(16, SeededRandom::new(1));
        let p = t.outbound(Proto::Udp, ep(2, 500), at(30)).port();
        assert_eq!(t.inbound(Proto::Udp, p, at(29)), Some(ep(2, 500)));
        assert_eq!(t.inbound(Proto::Udp, p, at(30)), None);
        t.outbound(Proto::Udp, ep(2, 500), at(60));
        assert_eq!(t.expire(at(59)), vec![]);
        let gone = t.expire(at(60));
        assert_eq!(gone.len(), 1);
        assert_eq!(gone[0].inside, ep(2, 500));
        assert!(t.is_empty());
        assert_eq!(t.next_expiry(), None);
    }

    #[test]
    fn the_cap_evicts_the_mapping_nearest_expiry() {
        let mut t = Table::new(2, SeededRandom::new(1));
        t.outbound(Proto::Udp, ep(2, 1), at(10));
        t.outbound(Proto::Udp, ep(2, 2), at(20));
        t.outbound(Proto::Udp, ep(2, 1), at(30));
        match t.outbound(Proto::Udp, ep(2, 3), at(40)) {
            Outbound::Created {
                evicted: Some(m), ..
            } => assert_eq!(m.inside, ep(2, 2)),
            other => panic!("{other:?}"),
        }
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn a_full_port_range_still_finds_a_free_port() {
        let span = usize::from(PORTS.end() - PORTS.start()) + 1;
        let mut t = Table::new(usize::MAX, SeededRandom::new(3));
        let mut ports = std::collections::HashSet::new();
        for i in 0..span {
            let port = u16::try_from(i).unwrap_or(0);
            ports.insert(t.outbound(Proto::Udp, ep(9, port), at(1)).port());
        }
        assert_eq!(ports.len(), span);
        // The next one evicts rather than reusing a held port.
        let next = t.outbound(Proto::Udp, ep(10, 1), at(2));
        assert!(matches!(
            next,
            Outbound::Created {
                evicted: Some(_),
                ..
            }
        ));
        assert_eq!(t.len(), span);
    }
}
