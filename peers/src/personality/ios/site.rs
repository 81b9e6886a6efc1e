//! An IOS config for one end of a site-to-site tunnel ([`Personality::site_config`]), written
//! as Cisco's and pfSense's LAN-to-LAN examples are: ISAKMP policy 10 (AES-128, SHA-1, group 2,
//! pre-shared key: IOS's defaults are DES and group 1, so each is written), `crypto isakmp key
//! KEY address PEER`, a transform set `esp-aes esp-sha-hmac` (tunnel mode, IOS's default), a
//! crypto map entry bound to the WAN interface that matches an extended access list naming the
//! two LANs (so IOS proposes subnet IDs, type 4), and a route to the far LAN out of the WAN
//! interface. IOS negotiates only when traffic matches the access list, so a responder's config
//! is the same.
//!
//! [`Personality::site_config`]: crate::personality::Personality::site_config

use std::fmt::Write as _;
use std::net::Ipv4Addr;

use crate::personality::Site;
use crate::prefix::Ipv4Net;

/// The access list the crypto map matches.
const ACL: u16 = 101;

/// `net`'s network and its mask, as `ip address` and `ip route` write them.
fn with_mask(net: Ipv4Net) -> String {
    format!("{} {}", net.network(), Ipv4Addr::from(net.mask()))
}

/// `net` as an extended access list writes it: `host A` for one address, else the network
/// and its wildcard (the inverted mask).
fn acl_term(net: Ipv4Net) -> String {
    if net.prefix_len >= 32 {
        format!("host {}", net.addr)
    } else {
        format!("{} {}", net.network(), Ipv4Addr::from(!net.mask()))
    }
}

/// The config text, or `None` for a key that is not one plain word (`crypto isakmp key KEY`).
pub fn site_config(site: &Site<'_>) -> Option<String> {
    if !site.plain_key() {
        return None;
    }
    let mask = |n: Ipv4Net| Ipv4Addr::from(n.mask());
    let mut t = String::new();
    let _ = writeln!(t, "hostname {}", site.hostname);
    let _ = writeln!(t, "crypto isakmp policy 10");
    let _ = writeln!(t, " encr aes");
    let _ = writeln!(t, " hash sha");
    let _ = writeln!(t, " authentication pre-share");
    let _ = writeln!(t, " group 2");
    let _ = writeln!(t, "crypto isakmp key {} address {}", site.psk, site.peer);
    let _ = writeln!(t, "crypto ipsec transform-set ts esp-aes esp-sha-hmac");
    let _ = writeln!(t, "crypto map cmap 10 ipsec-isakmp");
    let _ = writeln!(t, " set peer {}", site.peer);
    let _ = writeln!(t, " set transform-set ts");
    let _ = writeln!(t, " match address {ACL}");
    let _ = writeln!(t, "interface GigabitEthernet0/0");
    let _ = writeln!(t, " ip address {} {}", site.wan.addr, mask(site.wan));
    let _ = writeln!(t, " crypto map cmap");
    let _ = writeln!(t, "interface GigabitEthernet0/1");
    let _ = writeln!(t, " ip address {} {}", site.lan.addr, mask(site.lan));
    // The far LAN leaves by the WAN interface, where the crypto map is: through the gateway,
    // or straight to the peer on a shared segment.
    let next_hop = site.gateway.unwrap_or(site.peer);
    if let Some(g) = site.gateway {
        let _ = writeln!(t, "ip route 0.0.0.0 0.0.0.0 {g}");
    }
    let _ = writeln!(t, "ip route {} {next_hop}", with_mask(site.peer_lan));
    let _ = writeln!(
        t,
        "access-list {ACL} permit ip {} {}",
        acl_term(Ipv4Net {
            addr: site.lan.network(),
            prefix_len: site.lan.prefix_len
        }),
        acl_term(Ipv4Net {
            addr: site.peer_lan.network(),
            prefix_len: site.peer_lan.prefix_len
        })
    );
    let _ = writeln!(t, "end");
    Some(t)
}
