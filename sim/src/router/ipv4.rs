//! The static routing table: longest-prefix match in at most 33 hash look-ups (one per prefix
//! length in use), so a hub with a thousand spoke routes still forwards in constant time.

use std::collections::HashMap;
use std::net::Ipv4Addr;

use crate::Ipv4Net;

/// Where a route sends packets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Egress {
    /// An Ethernet interface (index into the router's interfaces).
    Ether(usize),
    /// A tunnel interface (index into the router's tunnels).
    Tunnel(usize),
}

/// One route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Route {
    /// The destination prefix (host bits cleared).
    pub net: Ipv4Net,
    /// The interface.
    pub egress: Egress,
    /// The next hop on an Ethernet interface; `None` for on-link destinations and tunnels.
    pub gateway: Option<Ipv4Addr>,
}

/// Routes by prefix.
#[derive(Clone, Debug, Default)]
pub struct RoutingTable {
    routes: Vec<Route>,
    /// Per prefix length: network address -> index in `routes`.
    by_len: HashMap<u8, HashMap<u32, usize>>,
    /// Prefix lengths in use, longest first.
    lens: Vec<u8>,
}

impl RoutingTable {
    /// Adds `route`, replacing any route to the same prefix.
    pub fn add(&mut self, mut route: Route) {
        route.net = route.net.trunc();
        let len = route.net.prefix_len;
        let key = u32::from(route.net.addr);
        let slot = self.by_len.entry(len).or_default();
        match slot.get(&key) {
            Some(&i) => self.routes[i] = route,
            None => {
                slot.insert(key, self.routes.len());
                self.routes.push(route);
            }
        }
        if !self.lens.contains(&len) {
            self.lens.push(len);
            self.lens.sort_unstable_by(|a, b| b.cmp(a));
        }
    }

    /// The most specific route to `dst`.
    pub fn lookup(&self, dst: Ipv4Addr) -> Option<&Route> {
        let d = u32::from(dst);
        self.lens.iter().find_map(|len| {
            self.by_len
                .get(len)
                .and_then(|m| m.get(&(d & Ipv4Net::mask_of(*len))))
                .map(|&i| &self.routes[i])
        })
    }

    /// All routes, in the order added.
    pub fn routes(&self) -> &[Route] {
        &self.routes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longest_prefix_wins() {
        let mut t = RoutingTable::default();
        let r = |net: &str, e| Route {
            net: net.parse().unwrap(),
            egress: e,
            gateway: None,
        };
        t.add(r("0.0.0.0/0", Egress::Ether(0)));
        t.add(r("192.168.0.0/16", Egress::Ether(1)));
        t.add(r("192.168.1.7/24", Egress::Tunnel(0)));
        let at = |t: &RoutingTable, s: &str| t.lookup(s.parse().unwrap()).unwrap().egress;
        assert_eq!(at(&t, "192.168.1.9"), Egress::Tunnel(0));
        assert_eq!(at(&t, "192.168.2.9"), Egress::Ether(1));
        assert_eq!(at(&t, "8.8.8.8"), Egress::Ether(0));
        t.add(r("192.168.1.0/24", Egress::Ether(2)));
        assert_eq!(at(&t, "192.168.1.9"), Egress::Ether(2));
        assert_eq!(t.routes().len(), 3);
        assert!(
            RoutingTable::default()
                .lookup("1.1.1.1".parse().unwrap())
                .is_none()
        );
    }
}
