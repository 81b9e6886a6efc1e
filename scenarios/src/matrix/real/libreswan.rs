//! A cell's Libreswan configuration: `ipsec.conf` with one IKEv1 connection (`ikev2=no`,
//! `authby=secret`, tunnel mode) and `ipsec.secrets` with the PSK by the two addresses.

use ikelab_peers::ike::ExchangeMode;
use ikelab_peers::personality::Site;

use super::settings::{Settings, cipher_name, group_name};

/// The connection's name, for `whack --name ... --initiate`.
pub const CONN: &str = "matrix";

/// `ipsec.conf` for `site` with `s`. Without selectors the connection is host to host, for
/// which pluto sends no Quick Mode IDs at all; with them, `leftsubnet`/`rightsubnet`.
pub fn ipsec_conf(site: &Site<'_>, s: &Settings) -> String {
    let (c1, g1) = s.phase1;
    let subnets = match s.selectors {
        Some((l, r)) => format!("\tleftsubnet={l}\n\trightsubnet={r}\n"),
        None => String::new(),
    };
    let (pfs, phase2) = match s.pfs {
        Some(g) => (
            "yes",
            format!("{}-sha1;{}", cipher_name(s.phase2), group_name(g)),
        ),
        None => ("no", format!("{}-sha1", cipher_name(s.phase2))),
    };
    let aggressive = if s.mode == ExchangeMode::Aggressive {
        "yes"
    } else {
        "no"
    };
    format!(
        "# ikelab matrix: {host}\nconfig setup\n\tikev1-policy=accept\n\nconn {CONN}\n\tikev2=no\n\tauthby=secret\n\tleft={wan}\n\tright={peer}\n{subnets}\ttype=tunnel\n\tike={c}-sha1;{g}\n\tphase2alg={phase2}\n\tpfs={pfs}\n\taggressive={aggressive}\n\tauto=add\n",
        host = site.hostname,
        wan = site.wan.addr,
        peer = site.peer,
        c = cipher_name(c1),
        g = group_name(g1),
    )
}

/// `ipsec.secrets` for `site`.
pub fn ipsec_secrets(site: &Site<'_>) -> String {
    format!("{} {} : PSK \"{}\"\n", site.wan.addr, site.peer, site.psk)
}
