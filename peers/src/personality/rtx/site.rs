//! An RTX config for one end of a site-to-site tunnel ([`Personality::site_config`]), written as
//! Yamaha's examples are: `tunnel select 1` with `ipsec tunnel 1` and `ipsec sa policy 1 1`, a
//! route into `tunnel 1`, no `ipsec ike local id`/`remote id` (so the RTX sends no phase-2 IDs,
//! its default), lifetimes left to the device. AES-128 is written (`aes-cbc`) where the RTX
//! defaults to 3DES; `ipsec auto refresh on` makes it start by itself, and a responder's config
//! leaves it out.
//!
//! [`Personality::site_config`]: crate::personality::Personality::site_config

use std::fmt::Write as _;

use crate::personality::Site;

/// The config text, or `None` for a key that is not one plain word (`… text KEY`).
pub fn site_config(site: &Site<'_>) -> Option<String> {
    if !site.plain_key() {
        return None;
    }
    let mut t = String::new();
    let _ = writeln!(t, "ip lan1 address {}", site.lan);
    let _ = writeln!(t, "ip lan2 address {}", site.wan);
    if let Some(g) = site.gateway {
        let _ = writeln!(t, "ip route default gateway {g}");
    }
    let _ = writeln!(
        t,
        "ip route {}/{} gateway tunnel 1",
        site.peer_lan.network(),
        site.peer_lan.prefix_len
    );
    let _ = writeln!(t, "tunnel select 1");
    let _ = writeln!(t, " ipsec tunnel 1");
    let _ = writeln!(t, "  ipsec sa policy 1 1 esp aes-cbc sha-hmac");
    let _ = writeln!(t, "  ipsec ike encryption 1 aes-cbc");
    let _ = writeln!(t, "  ipsec ike hash 1 sha");
    let _ = writeln!(t, "  ipsec ike group 1 modp1024");
    let _ = writeln!(t, "  ipsec ike local address 1 {}", site.wan.addr);
    let _ = writeln!(t, "  ipsec ike pre-shared-key 1 text {}", site.psk);
    let _ = writeln!(t, "  ipsec ike remote address 1 {}", site.peer);
    let _ = writeln!(t, " tunnel enable 1");
    let _ = writeln!(t, "tunnel select none");
    if !site.responder {
        let _ = writeln!(t, "ipsec auto refresh on");
    }
    Some(t)
}
