//! The address a router speaks IKE from toward a peer, found from its interfaces and routes:
//! the address of the interface on the peer's subnet, else one reached through the longest route
//! toward the peer. Both dialects choose their peers' local addresses with these; what a route
//! out of an interface gives, and what happens when nothing matches, stays with each dialect.

use std::net::Ipv4Addr;

use super::Route;
use crate::prefix::Ipv4Net;

/// A numbered Ethernet interface, as the choice of a local address sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Port<'a> {
    /// The interface name.
    pub name: &'a str,
    /// Its address and prefix length.
    pub net: Ipv4Net,
    /// Administratively up.
    pub up: bool,
}

/// The ports among Ethernet interfaces given as (name, address, up): those with an address.
pub(crate) fn ports<'a>(
    ethernet: impl IntoIterator<Item = (&'a str, Option<Ipv4Net>, bool)>,
) -> Vec<Port<'a>> {
    ethernet
        .into_iter()
        .filter_map(|(name, address, up)| address.map(|net| Port { name, net, up }))
        .collect()
}

/// Our address on `a`'s subnet: that of the port with the longest prefix holding `a`, an up port
/// before a down one, the last of equals.
pub(crate) fn on_link(ports: &[Port<'_>], a: Ipv4Addr) -> Option<Ipv4Addr> {
    ports
        .iter()
        .filter(|p| p.net.contains(a))
        .max_by_key(|p| (p.up, p.net.prefix_len))
        .map(|p| p.net.addr)
}

/// The longest route whose destination holds `a`, the last of equals.
pub(crate) fn route_to(routes: &[Route], a: Ipv4Addr) -> Option<&Route> {
    routes
        .iter()
        .filter(|r| r.prefix.contains(a))
        .max_by_key(|r| r.prefix.prefix_len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::personality::NextHop;

    fn net(s: &str) -> Ipv4Net {
        s.parse().unwrap()
    }

    #[test]
    fn longest_prefix_up_first_last_of_equals() {
        let port = |name, n, up| Port {
            name,
            net: net(n),
            up,
        };
        let ports = [
            port("a", "10.0.0.1/8", true),
            port("b", "10.1.0.1/16", false),
            port("c", "10.1.0.2/16", true),
            port("d", "10.1.0.3/16", true),
        ];
        let at = |s: &str| on_link(&ports, s.parse().unwrap());
        assert_eq!(at("10.1.2.3"), Some("10.1.0.3".parse().unwrap()));
        assert_eq!(at("10.2.0.0"), Some("10.0.0.1".parse().unwrap()));
        assert_eq!(at("11.0.0.0"), None);
        let route = |n, g: &str| Route {
            prefix: net(n),
            via: NextHop::Gateway(g.parse().unwrap()),
        };
        let routes = [
            route("0.0.0.0/0", "10.0.0.254"),
            route("192.168.0.0/16", "10.0.0.1"),
            route("192.168.0.0/16", "10.0.0.2"),
        ];
        let r = route_to(&routes, "192.168.3.4".parse().unwrap()).unwrap();
        assert_eq!(r.via, NextHop::Gateway("10.0.0.2".parse().unwrap()));
        let r = route_to(&routes, "8.8.8.8".parse().unwrap()).unwrap();
        assert_eq!(r.prefix, Ipv4Net::ANY);
    }
}
