//! A parsed config in plain words, whatever its dialect (`ikelab check-config`): interfaces,
//! routes, IKE peers and IPsec policies as a network engineer says them, each with the line it
//! comes from.

use std::fmt::Write as _;

use ikelab_peers::ike::{EncapMode, ExchangeMode, IdPayloads, NatTraversal};
use ikelab_peers::personality::{InterfaceKind, NextHop, RouterConfig, Setting};

/// A readable account of a parsed config (`ikelab check-config`).
pub fn describe(c: &RouterConfig) -> String {
    let mut s = String::new();
    let at = |setting: Setting| {
        c.origins
            .get(&setting)
            .map_or(String::new(), |o| format!("  ({o})"))
    };
    let _ = writeln!(s, "vendor: {}", c.vendor);
    if let Some(h) = &c.hostname {
        let _ = writeln!(s, "hostname: {}", h.trim_matches('"'));
    }
    let _ = writeln!(s, "interfaces:");
    for i in &c.interfaces {
        let addr = match (&i.address, &i.unnumbered) {
            (Some(a), _) => a.to_string(),
            (None, Some(u)) => format!("unnumbered (borrows {u}'s address)"),
            (None, None) => "unnumbered".into(),
        };
        let kind = match &i.kind {
            InterfaceKind::Ethernet => String::new(),
            InterfaceKind::IpIp { local, remote } => {
                format!(", IP-in-IP tunnel {local} -> {remote} protected by IPsec")
            }
            InterfaceKind::IpsecTunnel { local, remote } => {
                format!(", IPsec tunnel {local} -> {remote}")
            }
        };
        let down = if i.up { "" } else { ", shut down" };
        let _ = writeln!(
            s,
            "  {}: {addr}{kind}{down}{}",
            i.name,
            at(Setting::Interface(i.name.clone()))
        );
    }
    let _ = writeln!(s, "routes:");
    for r in &c.routes {
        let via = match &r.via {
            NextHop::Interface(n) => format!("out of {n}"),
            NextHop::Gateway(g) => format!("via {g}"),
        };
        let _ = writeln!(s, "  {} {via}{}", r.prefix, at(Setting::Route(r.prefix)));
    }
    let _ = writeln!(s, "IKE peers:");
    for p in &c.engine.peers {
        let remote = p
            .remote
            .map_or("any address".to_string(), |r| r.to_string());
        let mode = match p.mode {
            ExchangeMode::Main => "Main Mode",
            ExchangeMode::Aggressive => "Aggressive Mode",
        };
        let nat = match p.nat_traversal {
            NatTraversal::Off => "no NAT traversal",
            NatTraversal::On => "NAT traversal",
            NatTraversal::Force => "NAT traversal forced (UDP 4500 always)",
        };
        let role = if p.responder_only {
            ", answers only"
        } else {
            ""
        };
        let _ = writeln!(
            s,
            "  {}: {remote} from {}, {mode}, {nat}{role}{}",
            p.name,
            p.local,
            at(Setting::Peer(p.name.clone()))
        );
        let _ = writeln!(
            s,
            "    pre-shared key: {} bytes{}",
            p.psk.len(),
            at(Setting::PreSharedKey(p.name.clone()))
        );
        for pr in &p.proposals {
            let _ = writeln!(
                s,
                "    proposal: {}, {}, {}, lifetime {} s{}",
                pr.cipher,
                pr.hash,
                pr.group,
                pr.lifetime.as_secs(),
                at(Setting::Phase1Proposal(p.name.clone()))
            );
        }
    }
    let _ = writeln!(s, "IPsec policies:");
    for p in &c.engine.policies {
        let (l, r) = p.qm_ids();
        let mode = match p.mode {
            EncapMode::Tunnel => "tunnel",
            EncapMode::Transport => "transport",
        };
        let what = if p.route_based {
            format!(
                "whatever is routed into the tunnel {} <-> {}",
                p.local.prefix.addr, p.remote.prefix.addr
            )
        } else {
            format!("{} <-> {}", p.local.prefix, p.remote.prefix)
        };
        let _ = writeln!(
            s,
            "  {} with {}: ESP {mode} mode for {what}{}",
            p.name,
            p.peer,
            at(Setting::Policy(p.name.clone()))
        );
        if p.id_payloads == IdPayloads::Omitted {
            let _ = writeln!(
                s,
                "    phase-2 IDs: none sent; the gateways' addresses {l} and {r} stand for them (RFC 2409 5.5)"
            );
        } else {
            let _ = writeln!(
                s,
                "    phase-2 IDs: local {l}, remote {r}{}",
                at(Setting::LocalId(p.name.clone()))
            );
        }
        let _ = writeln!(
            s,
            "    PFS: {}; {}",
            p.pfs.map_or("none".to_string(), |g| g.to_string()),
            if p.auto_start {
                "negotiates as soon as it starts"
            } else {
                "negotiates on traffic or when asked"
            }
        );
        for pr in &p.proposals {
            let _ = writeln!(
                s,
                "    proposal: {}, {}, lifetime {} s{}",
                pr.cipher,
                pr.integ,
                pr.lifetime.as_secs(),
                at(Setting::Phase2Proposal(p.name.clone()))
            );
        }
    }
    s
}
