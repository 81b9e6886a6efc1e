//! An IX config for one end of a site-to-site tunnel ([`Personality::site_config`]), written
//! as the document's IX config is: a route-based `Tunnel0.0` with `tunnel mode ipsec`, an
//! access list `permit ip src any dest any` and no `ipsec local-id`/`remote-id` (so the IX
//! proposes 0.0.0.0/0 both ways, what its access list gives), lifetimes left to the device. An
//! IX starts no negotiation on its own (only on traffic), so a responder's config is the same.
//!
//! [`Personality::site_config`]: crate::personality::Personality::site_config

use std::fmt::Write as _;

use crate::personality::Site;

/// The config text, or `None` for a key that is not one plain word (`ike policy … key KEY`).
pub fn site_config(site: &Site<'_>) -> Option<String> {
    if !site.plain_key() {
        return None;
    }
    let mut t = String::new();
    let _ = writeln!(t, "hostname {}", site.hostname);
    let _ = writeln!(
        t,
        "ip route {}/{} Tunnel0.0",
        site.peer_lan.network(),
        site.peer_lan.prefix_len
    );
    if let Some(g) = site.gateway {
        let _ = writeln!(t, "ip route default {g}");
    }
    let _ = writeln!(t, "ip access-list list permit ip src any dest any");
    let _ = writeln!(
        t,
        "ike proposal ike-prop encryption aes hash sha group 1024-bit"
    );
    let _ = writeln!(
        t,
        "ike policy ike-policy peer {} key {} ike-prop",
        site.peer, site.psk
    );
    let _ = writeln!(t, "ipsec autokey-proposal ipsec-prop esp-aes esp-sha");
    let _ = writeln!(
        t,
        "ipsec autokey-map ipsec-policy list peer {} ipsec-prop",
        site.peer
    );
    let _ = writeln!(t, "interface FastEthernet0/0.0");
    let _ = writeln!(t, "  ip address {}", site.wan);
    let _ = writeln!(t, "  no shutdown");
    let _ = writeln!(t, "interface FastEthernet1/0.0");
    let _ = writeln!(t, "  ip address {}", site.lan);
    let _ = writeln!(t, "  no shutdown");
    let _ = writeln!(t, "interface Tunnel0.0");
    let _ = writeln!(t, "  tunnel mode ipsec");
    let _ = writeln!(t, "  ip unnumbered FastEthernet1/0.0");
    let _ = writeln!(t, "  ipsec policy tunnel ipsec-policy out");
    let _ = writeln!(t, "  no shutdown");
    Some(t)
}
