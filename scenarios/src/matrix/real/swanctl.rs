//! A cell's strongSwan configuration: `swanctl.conf` with one IKEv1 connection and one child,
//! PSK authentication by address, and the `strongswan.conf` options that a user needs for what
//! the cell asks (Aggressive Mode with a PSK as responder).

use std::fmt::Write as _;

use ikelab_peers::ike::ExchangeMode;
use ikelab_peers::personality::Site;

use super::settings::{Settings, cipher_name, group_name};

/// The connection's and the child's name, for `swanctl --initiate --child`.
pub const CHILD: &str = "matrix";

/// `swanctl.conf` for `site` with `s`; `initiator`: it starts the negotiation (`swanctl
/// --initiate`), otherwise it waits (`start_action = none` either way: nothing starts on load).
pub fn swanctl_conf(site: &Site<'_>, s: &Settings) -> String {
    let (c1, g1) = s.phase1;
    let ike = format!("{}-sha1-{}", cipher_name(c1), group_name(g1));
    let mut esp = format!("{}-sha1", cipher_name(s.phase2));
    if let Some(g) = s.pfs {
        let _ = write!(esp, "-{}", group_name(g));
    }
    let aggressive = if s.mode == ExchangeMode::Aggressive {
        "yes"
    } else {
        "no"
    };
    let ts = match s.selectors {
        Some((l, r)) => format!("        local_ts = {l}\n        remote_ts = {r}\n"),
        None => String::new(),
    };
    format!(
        "# ikelab matrix: {host}\nconnections {{\n  {CHILD} {{\n    version = 1\n    local_addrs = {wan}\n    remote_addrs = {peer}\n    aggressive = {aggressive}\n    proposals = {ike}\n    local {{\n      auth = psk\n      id = {wan}\n    }}\n    remote {{\n      auth = psk\n      id = {peer}\n    }}\n    children {{\n      {CHILD} {{\n{ts}        mode = tunnel\n        esp_proposals = {esp}\n        start_action = none\n      }}\n    }}\n  }}\n}}\nsecrets {{\n  ike-{CHILD} {{\n    id-1 = {wan}\n    id-2 = {peer}\n    secret = \"{psk}\"\n  }}\n}}\n",
        host = site.hostname,
        wan = site.wan.addr,
        peer = site.peer,
        psk = site.psk,
    )
}

/// The `charon { }` options the cell needs beside the defaults: strongSwan answers Aggressive
/// Mode with a PSK only when told that it may (the PSK's hash travels in clear).
pub fn charon_options(s: &Settings) -> &'static str {
    if s.mode == ExchangeMode::Aggressive {
        "i_dont_care_about_security_and_use_aggressive_mode_psk = yes\n"
    } else {
        ""
    }
}
