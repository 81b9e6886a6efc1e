//! The Yamaha RTX config dialect (RTX1210, RTX830), the IPsec part of it, as chapter 15 of
//! Yamaha's command reference writes it.
//!
//! ```text
//! ip lanN address <a.b.c.d/len>
//! ip route <a.b.c.d/len>|default gateway <address>|tunnel <n>
//! tunnel select <n>|none
//!  tunnel encapsulation ipsec                      (others: the tunnel is not modelled)
//!  ipsec tunnel <policy>
//!  ipsec sa policy <policy> <gw> esp [3des-cbc|aes-cbc|aes256-cbc] sha-hmac|sha256-hmac|md5-hmac
//!                  [local-id=<id>] [remote-id=<id>] [anti-replay-check=on|off]
//!  ipsec ike local address <gw> <address>
//!  ipsec ike remote address <gw> <address>|any
//!  ipsec ike local id <gw> <id>                    <id>: a.b.c.d (ID_IPV4_ADDR) or
//!  ipsec ike remote id <gw> <id>                         a.b.c.d/len|/mask (ID_IPV4_ADDR_SUBNET)
//!  ipsec ike local name <gw> <name> [fqdn|user-fqdn]   (Aggressive Mode)
//!  ipsec ike pre-shared-key <gw> text <key>|0x<hex>
//!  ipsec ike encryption <gw> 3des-cbc|aes-cbc|aes256-cbc
//!  ipsec ike hash <gw> sha|sha256|md5
//!  ipsec ike group <gw> modp768|modp1024|modp1536|modp2048 [<pfs group>]
//!  ipsec ike duration isakmp-sa|ipsec-sa <gw> <seconds>
//!  ipsec ike pfs <gw> on|off
//!  ipsec ike nat-traversal <gw> on|off [force=on|off]
//!  ipsec ike keepalive use <gw> on|off|auto [dpd [<interval> <count> [<upwait>]]]
//!  ipsec ike negotiate-strictly <gw> on|off
//!  ipsec ike version <gw> 1
//!  tunnel enable <n>|all / tunnel disable <n>|all
//! ipsec ike retry <count> <interval> [<max_session>]
//! ipsec auto refresh on|off / ipsec auto refresh <gw> on|off
//! # comment
//! ```
//!
//! Unknown commands, and RTX commands this simulation does not model, are warnings naming the
//! command (the router still starts). A malformed known command (a bad address, a number out of
//! range, an unknown keyword, a missing argument) is an error at the line and column of the
//! offending word, naming the command and saying what was expected; then [`parse`] returns
//! [`ConfigErrors`]. Algorithms the RTX has but the engine lacks (`des-cbc`, `sha512`, AH,
//! IKEv2) are errors too: dropping them would silently change what is negotiated.
//!
//! What the commands mean (defaults from chapter 15 of the command reference):
//! - One [`PeerConfig`] per security gateway that a tunnel's policy names and that has a remote
//!   address and a pre-shared key (without a key "no key exchange is done": a warning, and the
//!   gateway is left out). Its proposal: `ipsec ike encryption` (default 3des-cbc), `hash`
//!   (default sha), the first `group` (default modp1024), `duration isakmp-sa` (default 28800 s).
//!   `local` is `ipsec ike local address`, else "the address of the interface nearest the peer"
//!   (15.18): the LAN on the peer's subnet, else the one the route toward the peer leaves by.
//!   `remote address any` accepts anyone and never initiates (`responder_only`).
//! - One [`Policy`] per enabled tunnel whose `ipsec tunnel` names an `ipsec sa policy`: tunnel
//!   mode, route-based (what is routed into `tunnelN` is protected between the gateway's two
//!   addresses), the policy's ESP algorithms with `duration ipsec-sa` (default 28800 s), PFS with
//!   `ipsec ike pfs on` in the second `group` (else the first). **Phase-2 IDs** only when
//!   configured (15.16, 15.19: "if not set, no ID is sent in phase 2"): `local-id=`/`remote-id=`
//!   on the policy take precedence over `ipsec ike local id`/`remote id` (15.4). With neither,
//!   Quick Mode carries no IDs ([`IdPayloads::Omitted`]).
//! - `ipsec auto refresh on` (default off, 15.10) starts phase 1 and 2 as soon as the router
//!   runs; `ipsec auto refresh <gw> off` keeps that gateway from doing so.
//! - `ipsec ike keepalive use <gw> on dpd I C`: DPD, an R-U-THERE after `I` idle seconds, `C`
//!   unanswered ones before the peer is down (defaults 10 s and 6). Yamaha's own heartbeat (the
//!   default method) and ICMP echo are warnings: not modelled.
//! - `ipsec ike retry C I`: the retransmission schedule (default 10 retries 5 s apart, 15.13).

use std::collections::HashSet;
use std::net::Ipv4Addr;
use std::time::Duration;

use crate::crypto::{CipherAlg, DhGroup, HashAlg};
use crate::ike::{
    EncapMode, EngineConfig, ExchangeMode, IdMatch, IdPayloads, Identity, MissingIds, NatTraversal,
    PeerConfig, Phase1Proposal, Phase2Proposal, Policy, ProposalMatch, QmId, Retransmit, Selector,
};
use crate::personality::ix::lex::{self, Diags, Pos, q};
use crate::personality::{
    ConfigErrors, Interface, InterfaceKind, NextHop, Origins, PolicyScope, Recorder, Route,
    RouterConfig, Setting, Vendor, local_address,
};
use crate::wire::IdData;

use super::commands::{GatewayIr, Ir, Keepalive, Remote, Via};

/// The default lifetime of both SAs (chapter 15, `ipsec ike duration`: 28800 s).
pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(28_800);
/// The default IKE encryption (`ipsec ike encryption`: 3des-cbc).
pub const DEFAULT_CIPHER: CipherAlg = CipherAlg::TripleDesCbc;
/// The default IKE hash (`ipsec ike hash`: sha).
pub const DEFAULT_HASH: HashAlg = HashAlg::Sha1;
/// The default group (`ipsec ike group`: modp1024).
pub const DEFAULT_GROUP: DhGroup = DhGroup::Modp1024;

/// An RTX config with what the vendor-neutral [`RouterConfig`] has no place for.
#[derive(Clone, Debug)]
pub struct RtxConfig {
    /// Interfaces, routes and the engine's configuration.
    pub router: RouterConfig,
    /// Each tunnel interface's number with its peer's address (`None`: `remote address any`),
    /// for the `IP Tunnel[N] Up` lines.
    pub tunnels: Vec<(u32, Option<Ipv4Addr>)>,
}

/// Parses an RTX config into a vendor-neutral [`RouterConfig`] (warnings in
/// [`RouterConfig::warnings`]), or every diagnostic if there is an error. `file` names the input
/// in diagnostics.
pub fn parse(file: &str, text: &str) -> Result<RouterConfig, ConfigErrors> {
    parse_rtx(file, text).map(|c| c.router)
}

/// [`parse`], keeping the tunnel numbers the log names.
pub fn parse_rtx(file: &str, text: &str) -> Result<RtxConfig, ConfigErrors> {
    let mut d = Diags::new(file);
    let lines = lex::lines_with_comment(text, &mut d, '#');
    lex::warn_if_empty(&lines, &mut d, "no interfaces, no IPsec");
    let mut ir = Ir::default();
    for l in &lines {
        ir.line(l, &mut d);
    }
    let foreign = ir.is_foreign();
    let unknown = std::mem::take(&mut ir.unknown);
    if foreign {
        lex::refuse_foreign(
            &lines,
            &mut d,
            "RTX",
            "`ip lan1 address ...`, `tunnel select 1`, `ipsec ike remote address 1 ...`",
        );
    } else {
        for (pos, msg) in unknown {
            d.warn(pos, msg);
        }
    }
    let built = build(&ir, &mut d);
    let Some((interfaces, routes, engine, tunnels)) = built.filter(|_| !d.has_errors()) else {
        return Err(ConfigErrors(d.finish()));
    };
    let origins = origins(&ir, &engine, file, text);
    Ok(RtxConfig {
        router: RouterConfig {
            vendor: Vendor::Rtx,
            hostname: None,
            interfaces,
            routes,
            engine,
            policy_scope: PolicyScope::AllInterfaces,
            warnings: d.finish(),
            origins,
        },
        tunnels,
    })
}

/// The name of tunnel `n`'s interface.
pub fn tunnel_name(n: u32) -> String {
    format!("tunnel{n}")
}

/// An ID_IPV4_ADDR for `a` (what an unset side of a configured pair stands for).
fn host_id(a: Ipv4Addr) -> QmId {
    QmId {
        data: IdData::Ipv4Addr(a),
        protocol: 0,
        port: 0,
    }
}

/// The source line of each setting of `engine`'s peers and policies.
fn origins(ir: &Ir, engine: &EngineConfig, file: &str, text: &str) -> Origins {
    let mut o = Recorder::new(file, text);
    for l in &ir.lans {
        o.at(Setting::Interface(l.name.clone()), l.line);
    }
    for t in &ir.tunnels {
        o.at(Setting::Interface(tunnel_name(t.number)), t.line);
    }
    for r in &ir.routes {
        o.at(Setting::Route(r.prefix), r.line);
    }
    for p in &engine.peers {
        let Some(g) = p.name.parse().ok().and_then(|n| ir.gateway_of(n)) else {
            continue;
        };
        let name = &p.name;
        let peer_line = g.remote.as_ref().map_or(g.first_line, |r| r.line);
        o.at(Setting::Peer(name.clone()), peer_line);
        if let Some(k) = &g.psk {
            o.at(Setting::PreSharedKey(name.clone()), k.line);
        }
        for line in [
            g.encryption.as_ref().map(|x| x.line),
            g.hash.as_ref().map(|x| x.line),
            g.group.as_ref().map(|x| x.line),
            g.isakmp_duration.as_ref().map(|x| x.line),
        ]
        .into_iter()
        .flatten()
        {
            o.at(Setting::Phase1Proposal(name.clone()), line);
        }
    }
    for p in &engine.policies {
        let Some(sa) = p.name.parse().ok().and_then(|n| ir.policies.get(&n)) else {
            continue;
        };
        let Some(g) = ir.gateway_of(sa.gateway) else {
            continue;
        };
        let name = &p.name;
        o.at(Setting::Policy(name.clone()), sa.line);
        o.at(Setting::Phase2Proposal(name.clone()), sa.line);
        if let Some(x) = &g.ipsec_duration {
            o.at(Setting::Phase2Proposal(name.clone()), x.line);
        }
        if let Some(x) = &g.pfs {
            o.at(Setting::Pfs(name.clone()), x.line);
        }
        match (&sa.local_id, &g.local_id) {
            (Some(_), _) => o.at(Setting::LocalId(name.clone()), sa.line),
            (None, Some(x)) => o.at(Setting::LocalId(name.clone()), x.line),
            _ => {}
        }
        match (&sa.remote_id, &g.remote_id) {
            (Some(_), _) => o.at(Setting::RemoteId(name.clone()), sa.line),
            (None, Some(x)) => o.at(Setting::RemoteId(name.clone()), x.line),
            _ => {}
        }
    }
    o.finish()
}

type Built = (
    Vec<Interface>,
    Vec<Route>,
    EngineConfig,
    Vec<(u32, Option<Ipv4Addr>)>,
);

/// Our address toward `peer` (`None`: any peer): on the peer's subnet, else on the LAN the best
/// route toward it leaves by (for any peer: the default route), else the first LAN's.
fn local_for(peer: Option<Ipv4Addr>, ir: &Ir, routes: &[Route]) -> Option<Ipv4Addr> {
    let eth = local_address::ports(
        ir.lans
            .iter()
            .map(|l| (l.name.as_str(), Some(l.address), true)),
    );
    let by_route = |r: &Route| match &r.via {
        NextHop::Gateway(g) => local_address::on_link(&eth, *g),
        NextHop::Interface(_) => None,
    };
    match peer {
        Some(p) => local_address::on_link(&eth, p)
            .or_else(|| local_address::route_to(routes, p).and_then(by_route)),
        None => routes
            .iter()
            .find(|r| r.prefix.prefix_len == 0)
            .and_then(by_route),
    }
    .or_else(|| eth.first().map(|p| p.net.addr))
}

/// Resolves the numbers `ir` refers to and builds the router; `None` if there were errors.
fn build(ir: &Ir, d: &mut Diags) -> Option<Built> {
    // `tunnel enable N` before `tunnel select N`.
    let mut enabled: Vec<bool> = ir.tunnels.iter().map(|t| t.enabled).collect();
    for &(n, pos, on) in &ir.enables {
        if n == 0 {
            continue;
        }
        match ir.tunnels.iter().position(|t| t.number == n) {
            Some(i) => enabled[i] = on,
            None => d.warn(
                pos,
                format!("tunnel enable: tunnel {n} is not selected anywhere (`tunnel select {n}`); ignored"),
            ),
        }
    }

    // Routes.
    let mut routes = vec![];
    for r in &ir.routes {
        let via = match &r.via {
            Via::Gateway(g) => NextHop::Gateway(*g),
            Via::Tunnel(n, pos) => match ir.tunnel_of(*n) {
                None => {
                    d.error(
                        *pos,
                        format!(
                            "ip route: unknown tunnel {n} (expected a tunnel defined by `tunnel select {n}`)"
                        ),
                    );
                    continue;
                }
                Some(t) if t.other_encapsulation => continue,
                Some(_) => NextHop::Interface(tunnel_name(*n)),
            },
        };
        routes.push(Route {
            prefix: r.prefix,
            via,
        });
    }

    let mut interfaces: Vec<Interface> = ir
        .lans
        .iter()
        .map(|l| Interface {
            name: l.name.clone(),
            address: Some(l.address),
            unnumbered: None,
            kind: InterfaceKind::Ethernet,
            up: true,
        })
        .collect();

    // Peers: the gateways the tunnels' policies name.
    let mut peers: Vec<PeerConfig> = vec![];
    let mut policies = vec![];
    let mut tunnels = vec![];
    let mut said: HashSet<u32> = HashSet::new();
    let mut strictness: Vec<(bool, usize)> = vec![];
    for (t, on) in ir.tunnels.iter().zip(&enabled) {
        if t.other_encapsulation || t.broken {
            continue;
        }
        // A tunnel that does not negotiate is still an interface (down), so that routes into
        // it stay valid.
        let down = Interface {
            name: tunnel_name(t.number),
            address: None,
            unnumbered: None,
            kind: InterfaceKind::IpsecTunnel {
                local: Ipv4Addr::UNSPECIFIED,
                remote: Ipv4Addr::UNSPECIFIED,
            },
            up: false,
        };
        let Some((p, ppos)) = t.policy else {
            interfaces.push(down);
            d.warn(
                Pos {
                    line: t.line,
                    col: 1,
                },
                format!(
                    "tunnel {} has no `ipsec tunnel <policy>`; it is not modelled",
                    t.number
                ),
            );
            continue;
        };
        let Some(sa) = ir.policies.get(&p) else {
            if ir.failed_policies.contains(&p) {
                continue;
            }
            d.error(
                ppos,
                format!(
                    "ipsec tunnel: unknown policy {} (expected the number of an `ipsec sa policy`)",
                    q(&p.to_string())
                ),
            );
            continue;
        };
        let gw = sa.gateway;
        let Some(g) = ir.gateway_of(gw) else {
            d.error(
                sa.gateway_pos,
                format!(
                    "ipsec sa policy: gateway {gw} has no settings (expected `ipsec ike remote address {gw} ...` and `ipsec ike pre-shared-key {gw} text ...`)"
                ),
            );
            continue;
        };
        let (Some(remote), Some(psk)) = (&g.remote, &g.psk) else {
            interfaces.push(down);
            if !ir.failed_gateways.contains(&gw) && said.insert(gw) {
                let missing = if g.remote.is_none() {
                    format!("`ipsec ike remote address {gw} ...`")
                } else {
                    format!(
                        "`ipsec ike pre-shared-key {gw} text ...` (no key exchange without one)"
                    )
                };
                d.warn(
                    sa.gateway_pos,
                    format!(
                        "gateway {gw} has no {missing}; tunnel {} does not negotiate",
                        t.number
                    ),
                );
            }
            continue;
        };
        let remote_addr = match remote.value {
            Remote::Address(a) => Some(a),
            Remote::Any => None,
        };
        let name = gw.to_string();
        let local = match g.local_address.as_ref().map(|x| x.value) {
            Some(a) => a,
            None => match local_for(remote_addr, ir, &routes) {
                Some(a) => a,
                None => {
                    d.error(
                        Pos {
                            line: remote.line,
                            col: 1,
                        },
                        format!(
                            "gateway {gw}: no LAN address to reach the peer from (expected an `ip lanN address` on its subnet, an `ip route` toward it, or `ipsec ike local address {gw} ...`)"
                        ),
                    );
                    continue;
                }
            },
        };
        if !peers.iter().any(|c| c.name == name) {
            peers.push(peer(gw, g, local, remote_addr, psk.value.clone()));
            if let Some(s) = &g.strict {
                strictness.push((s.value, s.line));
            } else {
                strictness.push((false, 0));
            }
        }
        let remote_sel = remote_addr.unwrap_or(Ipv4Addr::UNSPECIFIED);
        let local_id = sa
            .local_id
            .clone()
            .or(g.local_id.as_ref().map(|x| x.value.clone()));
        let remote_id = sa
            .remote_id
            .clone()
            .or(g.remote_id.as_ref().map(|x| x.value.clone()));
        let (ids, id_payloads) = match (local_id, remote_id) {
            (None, None) => (None, IdPayloads::Omitted),
            (l, r) => (
                Some((
                    l.unwrap_or_else(|| host_id(local)),
                    r.unwrap_or_else(|| host_id(remote_sel)),
                )),
                IdPayloads::Sent,
            ),
        };
        let lifetime = g.ipsec_duration.as_ref().map_or(DEFAULT_LIFETIME, |x| {
            Duration::from_secs(u64::from(x.value))
        });
        let groups = g.group.as_ref().map(|x| x.value);
        let pfs = g
            .pfs
            .as_ref()
            .is_some_and(|x| x.value)
            .then(|| groups.map_or(DEFAULT_GROUP, |(g1, g2)| g2.unwrap_or(g1)));
        if *on {
            policies.push(Policy {
                name: p.to_string(),
                peer: name,
                local: Selector::host(local),
                remote: Selector::host(remote_sel),
                ids,
                mode: EncapMode::Tunnel,
                proposals: vec![Phase2Proposal {
                    cipher: sa.cipher,
                    integ: sa.integ,
                    lifetime,
                    lifetime_kb: None,
                }],
                pfs,
                route_based: true,
                id_payloads,
                auto_start: ir.auto_refresh
                    && g.auto_refresh != Some(false)
                    && remote_addr.is_some(),
                phase2_delay: None,
            });
        }
        tunnels.push((t.number, remote_addr));
        interfaces.push(Interface {
            name: tunnel_name(t.number),
            address: None,
            unnumbered: None,
            kind: InterfaceKind::IpsecTunnel {
                local,
                remote: remote_sel,
            },
            up: *on,
        });
    }

    let mut behaviour = super::behaviour();
    // `negotiate-strictly` is per gateway on the RTX, and the engine's matching per router: it
    // is strict when every gateway says so.
    if !strictness.is_empty() && strictness.iter().all(|s| s.0) {
        behaviour.id_match = IdMatch::Exact;
        behaviour.missing_ids = MissingIds::Endpoints;
        behaviour.proposal_match = ProposalMatch::Exact;
    } else if let Some(&(_, line)) = strictness.iter().find(|s| s.0) {
        d.warn(
            Pos { line, col: 1 },
            "ipsec ike negotiate-strictly: the simulation is strict only when every gateway is; this gateway stays lenient",
        );
    }
    if let Some((count, interval)) = ir.retry {
        behaviour.retransmit = Retransmit {
            interval: Duration::from_secs(u64::from(interval)),
            tries: count.saturating_add(1),
        };
    }
    if d.has_errors() {
        return None;
    }
    Some((
        interfaces,
        routes,
        EngineConfig {
            peers,
            policies,
            behaviour,
        },
        tunnels,
    ))
}

/// The engine's peer for gateway `gw`.
fn peer(
    gw: u32,
    g: &GatewayIr,
    local: Ipv4Addr,
    remote: Option<Ipv4Addr>,
    psk: Vec<u8>,
) -> PeerConfig {
    let proposal = Phase1Proposal {
        cipher: g.encryption.as_ref().map_or(DEFAULT_CIPHER, |x| x.value),
        hash: g.hash.as_ref().map_or(DEFAULT_HASH, |x| x.value),
        group: g.group.as_ref().map_or(DEFAULT_GROUP, |x| x.value.0),
        lifetime: g.isakmp_duration.as_ref().map_or(DEFAULT_LIFETIME, |x| {
            Duration::from_secs(u64::from(x.value))
        }),
        lifetime_kb: None,
    };
    let (mode, my_id) = match &g.local_name {
        Some(n) => (ExchangeMode::Aggressive, n.value.clone()),
        None => (ExchangeMode::Main, Identity::Address),
    };
    PeerConfig {
        name: gw.to_string(),
        local,
        remote,
        psk,
        mode,
        proposals: vec![proposal],
        my_id,
        responder_only: remote.is_none(),
        nat_traversal: g.nat_t.as_ref().map_or(NatTraversal::Off, |x| x.value),
        dpd: match g.keepalive.as_ref().map(|x| x.value) {
            Some(Keepalive::Dpd(dpd)) => Some(dpd),
            _ => None,
        },
    }
}
