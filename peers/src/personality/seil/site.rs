//! A SEIL config for one end of a site-to-site tunnel ([`Personality::site_config`]), written
//! as the SEIL release note's example is: routing-based IPsec (an `ipsec0` tunnel interface with
//! a route into it), no proxy-id lines (so the SEIL proposes 0.0.0.0/0 both ways, its default),
//! lifetimes left to the device.
//!
//! [`Personality::site_config`]: crate::personality::Personality::site_config

use std::fmt::Write as _;

use crate::personality::Site;
use crate::prefix::Ipv4Net;

/// The config text, or `None` for a key the `"…"` of `ike preshared-key add` cannot hold.
pub fn site_config(site: &Site<'_>) -> Option<String> {
    if !site.plain_key() {
        return None;
    }
    let far = Ipv4Net {
        addr: site.peer_lan.network(),
        prefix_len: site.peer_lan.prefix_len,
    };
    let mut t = String::new();
    let _ = writeln!(t, "hostname \"{}\"", site.hostname);
    let _ = writeln!(t, "interface lan0 add {}", site.lan);
    let _ = writeln!(t, "interface lan1 add {}", site.wan);
    let _ = writeln!(t, "interface ipsec0 tunnel {} {}", site.wan.addr, site.peer);
    let _ = writeln!(t, "interface ipsec0 unnumbered");
    if let Some(g) = site.gateway {
        let _ = writeln!(t, "route add default {g}");
    }
    let _ = writeln!(t, "route add {far} ipsec0");
    let _ = writeln!(
        t,
        "ike preshared-key add \"{}\" \"{}\"",
        site.peer, site.psk
    );
    let _ = writeln!(
        t,
        "ike proposal add p1 encryption aes hash sha1 authentication preshared-key dh-group modp1024"
    );
    let _ = writeln!(
        t,
        "ike peer add peer address {} exchange-mode main proposals p1 tunnel-interface enable{}",
        site.peer,
        if site.responder {
            " responder-only on"
        } else {
            ""
        }
    );
    let _ = writeln!(
        t,
        "ipsec security-association proposal add p2 authentication-algorithm hmac-sha1 encryption-algorithm aes"
    );
    let _ = writeln!(
        t,
        "ipsec security-association add sa tunnel-interface ipsec0 ike p2 esp enable"
    );
    Some(t)
}
