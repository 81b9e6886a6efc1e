//! The NEC IX config dialect, as the document's IX2015 config and public IX configs write it.
//!
//! ```text
//! hostname <name>
//! logging buffered <bytes> [cyclic]
//! logging subsystem ike|all error|warn|notice|info|debug      (other subsystems: warning)
//! logging timestamp datetime
//! ip route <a.b.c.d/len>|default <interface>|<gateway> [<distance>]
//! ip access-list <name> permit|deny ip src any|<prefix> dest any|<prefix>   (other protocols: warning)
//! ike proposal <name> encryption aes|aes-192|aes-256|3des hash sha|sha2-256|md5
//!                     [group 768-bit|1024-bit|1536-bit|2048-bit] [lifetime <seconds>]
//! ike policy <name> peer <address>|any key <psk> [mode aggressive] <ike-proposal>...
//! [no] ike initial-contact always|payload
//! ike keepalive <ike-policy> <interval> <retries>
//! ike nat-traversal [policy <ike-policy>]
//! ipsec autokey-proposal <name> esp-aes|esp-aes-192|esp-aes-256|esp-3des...
//!                        esp-sha|esp-sha2-256|esp-md5... [lifetime time <seconds>]
//! ipsec autokey-map <map> <access-list> peer <address> <autokey-proposal>... [pfs <group>]
//! ipsec local-id <map> <a.b.c.d[/len]>
//! ipsec remote-id <map> <a.b.c.d[/len]>
//! interface FastEthernetN/N.N|GigaEthernetN.N|TunnelN.N
//!   ip address <a.b.c.d/len>
//!   ip unnumbered <interface>
//!   tunnel mode ipsec
//!   ipsec policy tunnel <map> [out]            (a Tunnel interface)
//!   ipsec policy transport <map> [out]         (an Ethernet interface)
//!   [no] shutdown
//!   exit
//! ! comment
//! ```
//!
//! Unknown commands, and IX commands or options this simulation does not model, are warnings
//! naming the command (the router still starts). A malformed known command (a bad address, a
//! missing argument, an unknown keyword, a name that nothing defines) is an error at the line
//! and column of the offending word, saying what was expected; then [`parse`] returns
//! [`ConfigErrors`]. Algorithms IX knows but the engine lacks (`des`, `sha2-512`, ...) are
//! errors too: dropping them would silently change what is negotiated.
//!
//! What the commands mean (see also the choices listed in [`super`]):
//! - One [`PeerConfig`] per `ike policy`: `local` is our address on the peer's subnet (or on
//!   the interface the route toward the peer leaves by); `responder_only` only for `peer any`.
//! - One [`Policy`] per `ipsec autokey-map` bound to an interface: by `ipsec policy tunnel <map>
//!   out` a route-based policy between the tunnel's endpoints in tunnel mode (transport when the
//!   IDs are the endpoints themselves), by `ipsec policy transport <map>` transport mode between
//!   the endpoints; Quick Mode IDs from `ipsec local-id`/`remote-id` (default: the map's access
//!   list), `auto_start: false`.
//! - `ike initial-contact always` (with IX's default `payload` on) puts INITIAL-CONTACT inside
//!   Main Mode; with `no ike initial-contact payload` it goes in its own Informational. Without
//!   `always`, none is sent (IX's `payload` behaviour needs an undecryptable packet and no SA,
//!   which this personality treats as never).
//! - `ike keepalive <policy> <interval> <retries>`: DPD: an R-U-THERE after `interval` idle
//!   seconds, then up to `retries` more one `interval` apart; with none acknowledged, the peer
//!   is dead one `interval` after the last and its SAs are cleared (`IKE.096`).

use std::collections::{HashMap, HashSet};
use std::net::Ipv4Addr;
use std::time::Duration;

use crate::ike::{
    Dpd, EncapMode, EngineConfig, ExchangeMode, IdPayloads, Identity, InitialContact, NatTraversal,
    PeerConfig, Policy, QmId, Selector,
};
use crate::personality::{
    ConfigErrors, Interface, InterfaceKind, NextHop, Origins, PolicyScope, Recorder, Route,
    RouterConfig, Setting, Vendor,
};

use super::commands::{IfType, IfaceIr, Ir, TunnelMode, Via};
use super::lex::{self, Diags, q};
use crate::personality::local_address;
use crate::prefix::Ipv4Net;

/// An IX config with what the vendor-neutral [`RouterConfig`] has no place for.
#[derive(Clone, Debug)]
pub struct IxConfig {
    /// Interfaces, routes and the engine's configuration.
    pub router: RouterConfig,
    /// The `logging` settings, for [`super::IxLog`].
    pub logging: IxLogging,
}

/// The `logging` commands.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IxLogging {
    /// `logging buffered <bytes>`.
    pub buffered: Option<u32>,
    /// `logging subsystem ike <level>` (or `all`).
    pub ike_level: Option<IxLogLevel>,
    /// `logging timestamp datetime`: lines start with the date and time.
    pub timestamp: bool,
}

impl IxLogging {
    /// Whether `logging subsystem ike debug` is set, which adds the `IKE.045` payload lines.
    pub fn ike_debug(&self) -> bool {
        self.ike_level == Some(IxLogLevel::Debug)
    }
}

/// A `logging subsystem` level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum IxLogLevel {
    /// `error`.
    Error,
    /// `warn`.
    Warn,
    /// `notice`.
    Notice,
    /// `info`.
    Info,
    /// `debug`.
    Debug,
}

/// Parses an IX config into a vendor-neutral [`RouterConfig`] (warnings in
/// [`RouterConfig::warnings`]), or every diagnostic if there is an error. `file` names the input
/// in diagnostics.
pub fn parse(file: &str, text: &str) -> Result<RouterConfig, ConfigErrors> {
    parse_ix(file, text).map(|c| c.router)
}

/// [`parse`], keeping the IX-only settings (logging).
pub fn parse_ix(file: &str, text: &str) -> Result<IxConfig, ConfigErrors> {
    let mut d = Diags::new(file);
    let lines = lex::lines(text, &mut d);
    lex::warn_if_empty(&lines, &mut d, "no interfaces, no IKE");
    let mut ir = Ir::new();
    for l in &lines {
        ir.line(l, &mut d);
    }
    let foreign = ir.is_foreign();
    let unknown = std::mem::take(&mut ir.unknown);
    if foreign {
        lex::refuse_foreign(
            &lines,
            &mut d,
            "IX",
            "`interface FastEthernet0/0.0`, `ip route ...`, `ike policy ...`",
        );
    } else {
        for (pos, msg) in unknown {
            d.warn(pos, msg);
        }
    }
    let built = build(&ir, &mut d);
    if d.has_errors() {
        return Err(ConfigErrors(d.finish()));
    }
    let (interfaces, routes, engine) = built.expect("no errors, so built");
    let origins = origins(&ir, &engine, file, text);
    Ok(IxConfig {
        router: RouterConfig {
            vendor: Vendor::Ix,
            hostname: ir.hostname.clone(),
            interfaces,
            routes,
            engine,
            policy_scope: PolicyScope::AllInterfaces,
            warnings: d.finish(),
            origins,
        },
        logging: ir.logging.clone(),
    })
}

/// The source line of each setting of `engine`'s peers and policies.
fn origins(ir: &Ir, engine: &EngineConfig, file: &str, text: &str) -> Origins {
    let mut o = Recorder::new(file, text);
    let mut at = |s: Setting, line: usize| o.at(s, line);
    for i in &ir.interfaces {
        at(Setting::Interface(i.name.clone()), i.pos.line);
    }
    for r in &ir.routes {
        at(Setting::Route(r.prefix), r.line);
    }
    for p in &ir.ike_policies {
        let name = &p.name.text;
        at(Setting::Peer(name.clone()), p.name.pos.line);
        at(Setting::PreSharedKey(name.clone()), p.name.pos.line);
        for n in &p.proposals {
            if let Some(x) = ir.ike_proposals.get(&n.text) {
                at(Setting::Phase1Proposal(name.clone()), x.line);
            }
        }
    }
    for policy in &engine.policies {
        let Some(m) = ir.maps.get(&policy.name) else {
            continue;
        };
        let name = &policy.name;
        at(Setting::Policy(name.clone()), m.name.pos.line);
        at(Setting::Pfs(name.clone()), m.name.pos.line);
        for n in &m.proposals {
            if let Some(x) = ir.esp_proposals.get(&n.text) {
                at(Setting::Phase2Proposal(name.clone()), x.line);
            }
        }
        if let Some(x) = ir.local_ids.get(name) {
            at(Setting::LocalId(name.clone()), x.map.pos.line);
        }
        if let Some(x) = ir.remote_ids.get(name) {
            at(Setting::RemoteId(name.clone()), x.map.pos.line);
        }
    }
    o.finish()
}

/// Our address toward `peer` (`None`: any peer): on the peer's subnet, else on the interface the
/// best route toward it leaves by (for any peer: the default route), else the first Ethernet
/// address.
fn local_for(peer: Option<Ipv4Addr>, ifaces: &[IfaceIr], routes: &[Route]) -> Option<Ipv4Addr> {
    let eth = local_address::ports(
        ifaces
            .iter()
            .filter(|i| i.kind == IfType::Ethernet)
            .map(|i| (i.name.as_str(), i.address, i.up)),
    );
    let by_route = |r: &Route| match &r.via {
        NextHop::Gateway(g) => local_address::on_link(&eth, *g),
        NextHop::Interface(n) => eth.iter().find(|p| p.name == n).map(|p| p.net.addr),
    };
    match peer {
        Some(p) => local_address::on_link(&eth, p)
            .or_else(|| local_address::route_to(routes, p).and_then(by_route)),
        None => routes
            .iter()
            .find(|r| r.prefix.prefix_len == 0)
            .and_then(by_route)
            .or_else(|| eth.iter().max_by_key(|p| p.up).map(|p| p.net.addr)),
    }
}

/// A Quick Mode ID from a prefix.
fn qm_id(p: Ipv4Net) -> QmId {
    Selector::net(p.network(), p.prefix_len).to_id()
}

type Built = (Vec<Interface>, Vec<Route>, EngineConfig);

/// Resolves the names `ir` refers to and builds the router; `None` if there were errors.
fn build(ir: &Ir, d: &mut Diags) -> Option<Built> {
    // Tunnels that are not modelled are left out; routes through them are ignored.
    let mut left_out: HashSet<&str> = ir.ignored_interfaces.iter().map(String::as_str).collect();
    let mut kept: Vec<&IfaceIr> = vec![];
    // Interfaces with an error already reported: nothing more is said about them.
    let mut broken: HashSet<&str> = ir
        .failed
        .iter()
        .filter(|(f, _)| *f == "interface")
        .map(|(_, n)| n.as_str())
        .collect();
    for i in &ir.interfaces {
        if i.broken {
            broken.insert(&i.name);
            continue;
        }
        if i.kind == IfType::Tunnel {
            match &i.mode {
                None => {
                    d.warn(
                        i.pos,
                        format!(
                            "interface {} has no `tunnel mode`; it is not modelled and ignored",
                            i.name
                        ),
                    );
                    left_out.insert(&i.name);
                    continue;
                }
                Some((TunnelMode::Other(_), _)) => {
                    left_out.insert(&i.name);
                    continue;
                }
                Some((TunnelMode::Ipsec, _)) => {}
            }
        }
        kept.push(i);
    }
    let exists =
        |n: &str| ir.interfaces.contains(n) || left_out.contains(&n) || broken.contains(&n);

    // Routes.
    let mut routes = vec![];
    for r in &ir.routes {
        let via = match &r.via {
            Via::Gateway(g) => NextHop::Gateway(*g),
            Via::Interface(n) if broken.contains(&n.text.as_str()) => continue,
            Via::Interface(n) if left_out.contains(&n.text.as_str()) => {
                d.warn(
                    n.pos,
                    format!("ip route: {} is not modelled; route ignored", q(&n.text)),
                );
                continue;
            }
            Via::Interface(n) if !exists(&n.text) => {
                d.error(
                    n.pos,
                    format!(
                        "ip route: unknown interface {} (expected the name of an `interface` block)",
                        q(&n.text)
                    ),
                );
                continue;
            }
            Via::Interface(n) => NextHop::Interface(n.text.clone()),
        };
        routes.push(Route {
            prefix: r.prefix,
            via,
        });
    }

    // Peers.
    let nat_t_policies: HashSet<&str> = ir.nat_t_policies.iter().map(|n| n.text.as_str()).collect();
    // The last `ike keepalive` line of each policy counts.
    let keepalives: HashMap<&str, &super::commands::KeepaliveIr> = ir
        .keepalives
        .iter()
        .map(|k| (k.policy.text.as_str(), k))
        .collect();
    let mut peers = vec![];
    for p in &ir.ike_policies {
        let mut proposals = vec![];
        for n in &p.proposals {
            match ir.ike_proposals.get(&n.text) {
                Some(x) => proposals.push(x.proposal),
                None if ir.failed("ike proposal", &n.text) => {}
                None => d.error(
                    n.pos,
                    format!(
                        "ike policy: unknown proposal {} (expected the name of an `ike proposal`)",
                        q(&n.text)
                    ),
                ),
            }
        }
        let Some(local) = local_for(p.peer, &ir.interfaces, &routes) else {
            if !broken.is_empty() {
                // The address may have been on the interface that was an error.
                continue;
            }
            let what = match p.peer {
                Some(a) => format!("peer {a}"),
                None => "`peer any`".to_string(),
            };
            d.error(
                p.peer_pos,
                format!(
                    "ike policy: no interface address to reach {what} from (expected an `ip address` on its subnet, or an `ip route` toward it)"
                ),
            );
            continue;
        };
        let nat_t = ir.nat_t_all || nat_t_policies.contains(p.name.text.as_str());
        let dpd = keepalives.get(p.name.text.as_str()).map(|k| {
            // Read as: an R-U-THERE after `interval` idle seconds, then `retries` more, one
            // every `interval`, before the peer is given up (1 + retries unanswered).
            let interval = Duration::from_secs(u64::from(k.interval));
            Dpd {
                interval,
                retry: interval,
                max_fails: k.retries.saturating_add(1),
            }
        });
        peers.push(PeerConfig {
            name: p.name.text.clone(),
            local,
            remote: p.peer,
            psk: p.psk.as_bytes().to_vec(),
            mode: if p.aggressive {
                ExchangeMode::Aggressive
            } else {
                ExchangeMode::Main
            },
            proposals,
            my_id: Identity::Address,
            responder_only: p.peer.is_none(),
            nat_traversal: if nat_t {
                NatTraversal::On
            } else {
                NatTraversal::Off
            },
            dpd,
        });
    }
    for (cmd, n) in ir
        .keepalives
        .iter()
        .map(|k| ("ike keepalive", &k.policy))
        .chain(ir.nat_t_policies.iter().map(|n| ("ike nat-traversal", n)))
    {
        if !ir.ike_policies.contains(&n.text) && !ir.failed("ike policy", &n.text) {
            d.error(
                n.pos,
                format!(
                    "{cmd}: unknown policy {} (expected the name of an `ike policy`)",
                    q(&n.text)
                ),
            );
        }
    }

    // Maps, and the IDs that name them. The first `ike policy` for each peer address serves it,
    // else the first `peer any` one.
    let mut by_peer: HashMap<Ipv4Addr, &super::commands::IkePolicyIr> = HashMap::new();
    for p in ir.ike_policies.iter().rev() {
        if let Some(a) = p.peer {
            by_peer.insert(a, p);
        }
    }
    let any_peer = ir.ike_policies.iter().find(|p| p.peer.is_none());
    let policy_for = |peer: Ipv4Addr| by_peer.get(&peer).copied().or(any_peer);
    let a_policy_failed = ir.failed.iter().any(|(f, _)| *f == "ike policy");
    for m in &ir.maps {
        if !ir.acls.contains(&m.acl.text) && !ir.failed("ip access-list", &m.acl.text) {
            d.error(
                m.acl.pos,
                format!(
                    "ipsec autokey-map: unknown access list {} (expected the name of an `ip access-list`)",
                    q(&m.acl.text)
                ),
            );
        }
        for n in &m.proposals {
            if !ir.esp_proposals.contains(&n.text) && !ir.failed("ipsec autokey-proposal", &n.text)
            {
                d.error(
                    n.pos,
                    format!(
                        "ipsec autokey-map: unknown proposal {} (expected the name of an `ipsec autokey-proposal`)",
                        q(&n.text)
                    ),
                );
            }
        }
        if policy_for(m.peer).is_none() && !a_policy_failed {
            d.error(
                m.peer_pos,
                format!(
                    "ipsec autokey-map: no `ike policy` for peer {} (expected `ike policy <name> peer {} ...` or `peer any`)",
                    m.peer, m.peer
                ),
            );
        }
    }
    for (cmd, id) in ir
        .local_ids
        .iter()
        .map(|x| ("ipsec local-id", x))
        .chain(ir.remote_ids.iter().map(|x| ("ipsec remote-id", x)))
    {
        if !ir.maps.contains(&id.map.text) && !ir.failed("ipsec autokey-map", &id.map.text) {
            d.error(
                id.map.pos,
                format!(
                    "{cmd}: unknown map {} (expected the name of an `ipsec autokey-map`)",
                    q(&id.map.text)
                ),
            );
        }
    }

    // Interfaces, and a policy per tunnel.
    let mut interfaces = vec![];
    let mut policies = vec![];
    // Each map bound, with the interface it is bound to.
    let mut bound: HashMap<&str, &str> = HashMap::new();
    let peer_configs: HashMap<&str, &PeerConfig> =
        peers.iter().map(|c| (c.name.as_str(), c)).collect();
    // A map bound to an interface: our address toward its peer, and its policy.
    let bind = |m: &super::commands::MapIr, how: Binding| {
        let peer = policy_for(m.peer)?;
        let c = peer_configs.get(peer.name.text.as_str())?;
        let local = if c.remote.is_some() {
            c.local
        } else {
            local_for(Some(m.peer), &ir.interfaces, &routes).unwrap_or(c.local)
        };
        Some((local, policy(ir, m, &peer.name.text, local, how)))
    };
    for i in kept {
        if let Some(u) = &i.unnumbered {
            if !exists(&u.text) {
                d.error(
                    u.pos,
                    format!(
                        "ip unnumbered: unknown interface {} (expected the name of an `interface` block)",
                        q(&u.text)
                    ),
                );
            }
        }
        let mut kind = InterfaceKind::Ethernet;
        let mut up = i.up;
        if i.kind == IfType::Tunnel {
            kind = InterfaceKind::IpsecTunnel {
                local: Ipv4Addr::UNSPECIFIED,
                remote: Ipv4Addr::UNSPECIFIED,
            };
            match &i.policy {
                None => {
                    d.warn(
                        i.pos,
                        format!(
                            "interface {} has `tunnel mode ipsec` but no `ipsec policy tunnel <map> out`; it stays down",
                            i.name
                        ),
                    );
                    up = false;
                }
                Some(n) => {
                    if let Some(other) = bound.get(n.text.as_str()) {
                        d.error(
                            n.pos,
                            format!(
                                "ipsec policy tunnel: map {} is already bound to {other}",
                                q(&n.text)
                            ),
                        );
                    } else if let Some(m) = ir.maps.get(&n.text) {
                        bound.insert(&m.name.text, &i.name);
                        if let Some((local, p)) = bind(m, Binding::Tunnel) {
                            kind = InterfaceKind::IpsecTunnel {
                                local,
                                remote: m.peer,
                            };
                            policies.push(p);
                        }
                    } else if !ir.failed("ipsec autokey-map", &n.text) {
                        d.error(
                            n.pos,
                            format!(
                                "ipsec policy tunnel: unknown map {} (expected the name of an `ipsec autokey-map`)",
                                q(&n.text)
                            ),
                        );
                    }
                }
            }
        }
        if let Some(n) = &i.transport {
            if let Some(other) = bound.get(n.text.as_str()) {
                d.error(
                    n.pos,
                    format!(
                        "ipsec policy transport: map {} is already bound to {other}",
                        q(&n.text)
                    ),
                );
            } else if let Some(m) = ir.maps.get(&n.text) {
                bound.insert(&m.name.text, &i.name);
                if let Some((_, p)) = bind(m, Binding::Transport) {
                    policies.push(p);
                }
            } else if !ir.failed("ipsec autokey-map", &n.text) {
                d.error(
                    n.pos,
                    format!(
                        "ipsec policy transport: unknown map {} (expected the name of an `ipsec autokey-map`)",
                        q(&n.text)
                    ),
                );
            }
        }
        interfaces.push(Interface {
            name: i.name.clone(),
            address: i.address,
            unnumbered: i.unnumbered.as_ref().map(|u| u.text.clone()),
            kind,
            up,
        });
    }
    // Maps named by an interface that was an error: nothing more is said about them.
    let named_by_broken: HashSet<&str> = ir
        .interfaces
        .iter()
        .filter(|i| i.broken)
        .flat_map(|i| [&i.policy, &i.transport])
        .filter_map(|p| p.as_ref().map(|p| p.text.as_str()))
        .collect();
    for m in &ir.maps {
        if !bound.contains_key(m.name.text.as_str())
            && !named_by_broken.contains(m.name.text.as_str())
        {
            d.warn(
                m.name.pos,
                format!(
                    "ipsec autokey-map {} is not bound to any interface (`ipsec policy tunnel {} out`); it protects nothing",
                    q(&m.name.text),
                    m.name.text
                ),
            );
        }
    }

    let mut behaviour = super::behaviour();
    behaviour.initial_contact = match (ir.ic_always, ir.ic_payload) {
        (false, _) => InitialContact::Off,
        (true, true) => InitialContact::InMainMode,
        (true, false) => InitialContact::Informational,
    };
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
    ))
}

/// How an autokey-map is bound to an interface.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Binding {
    /// `ipsec policy tunnel <map> out` on a Tunnel interface: route-based.
    Tunnel,
    /// `ipsec policy transport <map>` on an Ethernet interface.
    Transport,
}

/// The engine policy of an autokey-map bound to an interface, our address toward its peer
/// being `local`.
///
/// **Tunnel** (`ipsec policy tunnel`): tunnel mode, route-based. Whatever is routed into the
/// Tunnel interface is protected (the policy's selectors are the tunnel's endpoints; the IDs
/// are only what is negotiated), so the proxy-ids may name LANs (strongSwan's tunnel-mode
/// LAN-to-LAN proposal is accepted for exactly the access list's subnets) or the endpoints
/// themselves (the document). The reading chosen, as the document and the sources allow:
/// - IX proposes **tunnel mode**, except when its IDs are exactly the tunnel's two endpoints
///   as host IDs: then it proposes **transport mode**, which for those IDs carries the same
///   bytes (the document's SAs read `ESP/Transport 172.16.0.2->172.16.0.1` in SEIL's log, and a
///   racoon-based SEIL refuses a mode other than its own).
/// - As responder it accepts **either mode** ([`ModeMatch::Either`] in [`super::behaviour`]):
///   the document shows it agreeing to SEIL's transport proposal for this binding.
/// - Either way the data path is the same (see [`Policy::route_based`]).
///
/// **Transport** (`ipsec policy transport`): transport mode between our address and the
/// peer's, IDs as for a tunnel (local-id/remote-id, else the access list).
///
/// [`ModeMatch::Either`]: crate::ike::ModeMatch::Either
fn policy(
    ir: &Ir,
    m: &super::commands::MapIr,
    peer: &str,
    local: Ipv4Addr,
    how: Binding,
) -> Policy {
    let proposals = m
        .proposals
        .iter()
        .filter_map(|n| ir.esp_proposals.get(&n.text))
        .flat_map(|p| p.proposals.iter().copied())
        .collect();
    let acl = ir
        .acls
        .get(&m.acl.text)
        .and_then(|a| a.entries.iter().find(|e| e.permit));
    let (acl_src, acl_dest) = acl.map_or((Ipv4Net::ANY, Ipv4Net::ANY), |e| (e.src, e.dest));
    let local_id = ir.local_ids.get(&m.name.text).map_or(acl_src, |x| x.id);
    let remote_id = ir.remote_ids.get(&m.name.text).map_or(acl_dest, |x| x.id);
    let endpoints = local_id == Ipv4Net::host(local) && remote_id == Ipv4Net::host(m.peer);
    let mode = match how {
        Binding::Tunnel if !endpoints => EncapMode::Tunnel,
        _ => EncapMode::Transport,
    };
    Policy {
        name: m.name.text.clone(),
        peer: peer.to_string(),
        local: Selector::host(local),
        remote: Selector::host(m.peer),
        ids: Some((qm_id(local_id), qm_id(remote_id))),
        mode,
        proposals,
        pfs: m.pfs,
        route_based: how == Binding::Tunnel,
        id_payloads: IdPayloads::Sent,
        auto_start: false,
        phase2_delay: None,
    }
}
