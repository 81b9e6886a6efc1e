//! The Cisco IOS config dialect, IPsec with classic crypto maps, as `show running-config`
//! prints it and as pfSense's "connecting to Cisco IOS devices" and Cisco's own examples write
//! it:
//!
//! ```text
//! hostname <name>
//! crypto isakmp policy <1-10000>
//!  encr aes [128|192|256] | 3des            (default des: not supported here, so required)
//!  hash sha | md5 | sha256                  (default sha)
//!  authentication pre-share                 (default rsa-sig: such a policy is left out)
//!  group 1 | 2 | 5 | 14                     (default 1)
//!  lifetime <60-86400>                      (default 86400)
//! crypto isakmp key [0] <key> address <peer> [255.255.255.255 | 0.0.0.0 0.0.0.0] [no-xauth]
//! crypto isakmp keepalive <10-3600> [<2-60>] [periodic | on-demand]
//! crypto isakmp nat keepalive <5-3600>
//! crypto ipsec transform-set <name> esp-aes [128|192|256] | esp-3des
//!                                   esp-sha-hmac | esp-md5-hmac | esp-sha256-hmac
//!  mode tunnel | transport                  (default tunnel)
//! crypto ipsec security-association lifetime seconds <s> | kilobytes <kb>
//! access-list <100-199|2000-2699> permit|deny ip <src> <dst> [log]
//! ip access-list extended <name>
//!  [<seq>] permit|deny ip <src> <dst> [log]        (<src>/<dst>: any | host A | A WILDCARD)
//! crypto map <map> <seq> ipsec-isakmp
//!  set peer <address>
//!  set transform-set <name>...
//!  set pfs [group1 | group2 | group5 | group14]
//!  set security-association lifetime seconds <s> | kilobytes <kb>
//!  match address <access list>
//! interface <name>
//!  ip address <address> <mask>
//!  crypto map <map>
//!  [no] shutdown
//! ip route <network> <mask> <next hop> | <interface>
//! ! comment
//! end
//! ```
//!
//! Which unknown lines are ignored, and which are errors: see `commands.rs`.
//!
//! What the commands mean:
//! - **Peers.** One [`PeerConfig`] per `set peer` address of a crypto map entry bound to an
//!   interface, named by the address: our address is that interface's (IOS sources IKE from
//!   the interface the map is applied to), the key is `crypto isakmp key` for that address (else
//!   the `0.0.0.0 0.0.0.0` one), the proposals are every `authentication pre-share` ISAKMP
//!   policy in priority order (IOS tries them lowest number first). IOS initiates on traffic
//!   (not `responder_only`). NAT traversal is on (IOS's default since 12.2(13)T) unless `no
//!   crypto ipsec nat-transparency udp-encapsulation`. `crypto isakmp keepalive S R` is DPD: an
//!   R-U-THERE after S idle seconds, then one every R seconds; the peer is given up after five
//!   unanswered (IOS's count is not in the sources used here: an ikelab choice). `periodic` and
//!   `on-demand` are read alike (the engine probes an idle peer). `crypto isakmp nat keepalive`
//!   is accepted and has no effect (the lab has no NAT whose mapping could expire).
//! - **Policies.** One [`Policy`] per `permit ip` entry of the access list a bound crypto map
//!   entry matches: our side is the entry's source, the peer's its destination, and the
//!   phase-2 IDs are the same two (a host, `host A` or wildcard 0.0.0.0, is ID_IPV4_ADDR; any
//!   other prefix, `any` included as 0.0.0.0/0, ID_IPV4_ADDR_SUBNET). As responder the received
//!   IDs must be the mirror of an entry exactly ([`super::behaviour`]). The mode is the first
//!   transform set's; the proposals are the transform sets in order, with the entry's
//!   `set security-association lifetime`, else the global one, else 3600 s and 4,608,000 kB.
//!   Named `<map>-<seq>`, and `<map>-<seq>-<n>` for the n-th permit entry from the second on.
//!   `auto_start: false`: IOS negotiates when traffic matches the access list.
//! - **Incomplete entries.** An entry without `set peer`, `set transform-set` or `match
//!   address` is left out with IOS's own note ("will remain disabled until a peer and a valid
//!   access list have been configured").

use std::collections::{HashMap, HashSet};
use std::net::Ipv4Addr;

use crate::ike::{
    Dpd, EngineConfig, ExchangeMode, IdPayloads, Identity, NatTraversal, PeerConfig,
    Phase1Proposal, Phase2Proposal, Policy, Selector,
};
use crate::personality::ix::lex::{self, Diags, q};
use crate::personality::{
    ConfigErrors, Interface, InterfaceKind, NextHop, Origins, PolicyScope, Recorder, Route,
    RouterConfig, Setting, Vendor,
};
use crate::prefix::Ipv4Net;

use super::commands::{IPSEC_LIFETIME, IPSEC_LIFETIME_KB, Ir, Via, secs};

/// Parses an IOS config into a vendor-neutral [`RouterConfig`] (warnings in
/// [`RouterConfig::warnings`]), or every diagnostic if there is an error. `file` names the input
/// in diagnostics.
pub fn parse(file: &str, text: &str) -> Result<RouterConfig, ConfigErrors> {
    let mut d = Diags::new(file);
    let lines = lex::lines(text, &mut d);
    lex::warn_if_empty(&lines, &mut d, "no interfaces, no IKE");
    let mut ir = Ir::new();
    // A file none of whose lines is IOS's: its warnings would be noise.
    let mut scratch = Diags::new(file);
    let mut probe = Ir::new();
    for l in &lines {
        probe.line(l, &mut scratch);
    }
    if !lines.is_empty() && probe.known == 0 {
        lex::refuse_foreign(
            &lines,
            &mut d,
            "Cisco IOS",
            "`crypto isakmp policy 10`, `crypto map ...`, `interface GigabitEthernet0/0`",
        );
        return Err(ConfigErrors(d.finish()));
    }
    for l in &lines {
        ir.line(l, &mut d);
    }
    let built = build(&ir, &mut d);
    if d.has_errors() {
        return Err(ConfigErrors(d.finish()));
    }
    let Some((interfaces, routes, engine, used)) = built else {
        return Err(ConfigErrors(d.finish()));
    };
    let origins = origins(&ir, &used, file, text);
    Ok(RouterConfig {
        vendor: Vendor::Ios,
        hostname: ir.hostname.clone(),
        interfaces,
        routes,
        engine,
        policy_scope: crypto_interfaces(&ir),
        warnings: d.finish(),
        origins,
    })
}

/// The interfaces a crypto map is applied to: IOS protects what leaves by them, and forwards
/// what leaves by any other in clear ([`PolicyScope::Interfaces`]).
/// A map applied to a second interface counts on the first only, as `build` models it (and
/// warns).
fn crypto_interfaces(ir: &Ir) -> PolicyScope {
    let mut maps: HashSet<&str> = HashSet::new();
    PolicyScope::Interfaces(
        ir.interfaces
            .iter()
            .filter(|i| !i.tunnel)
            .filter(|i| i.crypto_map.as_ref().is_some_and(|m| maps.insert(&m.text)))
            .map(|i| i.name.clone())
            .collect(),
    )
}

/// A built policy and the config lines it comes from.
pub(super) struct Used {
    /// Policy name.
    policy: String,
    /// Its crypto map entry.
    entry: usize,
    /// The access list entry's line.
    ace_line: usize,
}

/// The source line of each setting.
fn origins(ir: &Ir, used: &[Used], file: &str, text: &str) -> Origins {
    let mut o = Recorder::new(file, text);
    let keys = keys(ir);
    for i in &ir.interfaces {
        o.at(Setting::Interface(i.name.clone()), i.pos.line);
    }
    for r in &ir.routes {
        o.at(Setting::Route(r.prefix), r.line);
    }
    let mut policies: Vec<_> = ir.policies.iter().filter(|p| p.pre_share).collect();
    policies.sort_by_key(|p| p.priority);
    let mut peers_done: HashSet<Ipv4Addr> = HashSet::new();
    for u in used {
        let m = &ir.maps[u.entry];
        let name = &u.policy;
        o.at(Setting::Policy(name.clone()), m.line);
        o.at(Setting::LocalId(name.clone()), u.ace_line);
        o.at(Setting::RemoteId(name.clone()), u.ace_line);
        o.at(Setting::Pfs(name.clone()), m.pfs.map_or(m.line, |(_, l)| l));
        for t in &m.transform_sets {
            if let Some(x) = ir.transform_set(&t.text) {
                o.at(Setting::Phase2Proposal(name.clone()), x.line);
            }
        }
        if let Some((addr, pos)) = m.peer {
            let peer = addr.to_string();
            o.at(Setting::Peer(peer.clone()), pos.line);
            if let Some(k) = keys.get(&Some(addr)).or_else(|| keys.get(&None)) {
                o.at(Setting::PreSharedKey(peer.clone()), k.line);
            }
            if peers_done.insert(addr) {
                for p in &policies {
                    o.at(Setting::Phase1Proposal(peer.clone()), p.line);
                }
            }
        }
    }
    o.finish()
}

/// The key for each peer (`None`: any peer); a later line for the same peer replaces one before.
fn keys(ir: &Ir) -> HashMap<Option<Ipv4Addr>, &super::commands::KeyIr> {
    ir.keys.iter().map(|k| (k.peer, k)).collect()
}

type Built = (Vec<Interface>, Vec<Route>, EngineConfig, Vec<Used>);

/// Resolves names and builds the router; `None` if there were errors.
fn build(ir: &Ir, d: &mut Diags) -> Option<Built> {
    // Interfaces.
    let mut interfaces = vec![];
    for i in ir.interfaces.iter().filter(|i| !i.tunnel) {
        interfaces.push(Interface {
            name: i.name.clone(),
            address: i.address,
            unnumbered: None,
            kind: InterfaceKind::Ethernet,
            up: i.up,
        });
    }
    // Routes.
    let mut routes = vec![];
    for r in &ir.routes {
        let via = match &r.via {
            Via::Gateway(g) => NextHop::Gateway(*g),
            Via::Interface(n) => {
                let known = ir.interfaces.iter().find(|i| i.name == n.text);
                match known {
                    Some(i) if !i.tunnel => NextHop::Interface(n.text.clone()),
                    Some(_) => continue,
                    None if n.text.eq_ignore_ascii_case("null0") => {
                        d.warn(n.pos, "ip route: a route to Null0 is not modelled; ignored");
                        continue;
                    }
                    None => {
                        d.error(
                            n.pos,
                            format!(
                                "ip route: unknown interface {} (expected an address or the name of an `interface` block)",
                                q(&n.text)
                            ),
                        );
                        continue;
                    }
                }
            }
        };
        routes.push(Route {
            prefix: r.prefix,
            via,
        });
    }

    // ISAKMP policies, in priority order.
    let mut isakmp: Vec<_> = ir.policies.iter().collect();
    isakmp.sort_by_key(|p| p.priority);
    let mut proposals = vec![];
    let policy_failed = ir
        .policies
        .iter()
        .any(|p| p.broken || (p.pre_share && p.cipher.is_none()));
    for p in &isakmp {
        if p.broken {
            continue;
        }
        if !p.pre_share {
            d.warn(
                p.pos,
                format!(
                    "crypto isakmp policy {}: authentication rsa-sig (IOS's default without `authentication pre-share`) is not modelled; policy left out",
                    p.priority
                ),
            );
            continue;
        }
        let Some(cipher) = p.cipher else {
            d.error(
                p.pos,
                format!(
                    "crypto isakmp policy {}: no `encr` line: IOS's default is DES, which this simulation does not support (add `encr aes` or `encr 3des`)",
                    p.priority
                ),
            );
            continue;
        };
        proposals.push(Phase1Proposal {
            cipher,
            hash: p.hash,
            group: p.group,
            lifetime: secs(p.lifetime),
            lifetime_kb: None,
        });
    }

    // Crypto map entries bound to an interface, in map then sequence order.
    let mut by_map: HashMap<&str, Vec<usize>> = HashMap::new();
    for (k, m) in ir.maps.iter().enumerate() {
        by_map.entry(m.map.text.as_str()).or_default().push(k);
    }
    let mut bound: Vec<(usize, Ipv4Addr)> = vec![];
    let mut maps_bound: HashMap<&str, &str> = HashMap::new();
    for i in ir.interfaces.iter().filter(|i| !i.tunnel) {
        let Some(m) = &i.crypto_map else { continue };
        if i.broken {
            // Its error is said; the map counts as applied.
            maps_bound.entry(&m.text).or_insert(&i.name);
            continue;
        }
        let mut entries: Vec<usize> = by_map.get(m.text.as_str()).cloned().unwrap_or_default();
        if entries.is_empty() {
            d.error(
                m.pos,
                format!(
                    "interface {}: crypto map: unknown map {} (expected the name of a `crypto map {} <seq> ipsec-isakmp` block)",
                    i.name,
                    q(&m.text),
                    m.text
                ),
            );
            continue;
        }
        if let Some(other) = maps_bound.insert(&m.text, &i.name) {
            d.warn(
                m.pos,
                format!(
                    "interface {}: crypto map {} is already applied to {other}; only the first is modelled",
                    i.name,
                    q(&m.text)
                ),
            );
            continue;
        }
        let Some(addr) = i.address else {
            d.error(
                m.pos,
                format!(
                    "interface {}: crypto map {}: the interface has no `ip address` to speak IKE from",
                    i.name, m.text
                ),
            );
            continue;
        };
        entries.sort_by_key(|&k| ir.maps[k].seq);
        bound.extend(entries.into_iter().map(|k| (k, addr.addr)));
    }
    for m in &ir.maps {
        if !maps_bound.contains_key(m.map.text.as_str()) {
            d.warn(
                m.map.pos,
                format!(
                    "crypto map {} {} is not applied to any interface (`crypto map {}` in an `interface` block); it protects nothing",
                    m.map.text, m.seq, m.map.text
                ),
            );
        }
    }

    // Peers and policies.
    let keys = keys(ir);
    let mut peer_names: HashSet<String> = HashSet::new();
    let mut peers: Vec<PeerConfig> = vec![];
    let mut policies = vec![];
    let mut used = vec![];
    let dpd = ir.keepalive.map(|k| Dpd {
        interval: secs(k.interval),
        retry: secs(k.retry),
        max_fails: 5,
    });
    for (k, local) in bound {
        let m = &ir.maps[k];
        if m.broken {
            continue;
        }
        let what = format!("crypto map {} {}", m.map.text, m.seq);
        let (Some((peer, peer_line)), Some((acl_name, _)), false) =
            (m.peer, &m.acl, m.transform_sets.is_empty())
        else {
            d.warn(
                m.map.pos,
                format!(
                    "{what}: this crypto map entry will remain disabled until a peer and a valid access list have been configured (IOS's note); it needs `set peer`, `set transform-set` and `match address`"
                ),
            );
            continue;
        };
        // Transform sets.
        let mut sets = vec![];
        for t in &m.transform_sets {
            match ir.transform_set(&t.text) {
                Some(x) => sets.push(x),
                None if ir.failed_sets.contains(&t.text) => {}
                None => d.error(
                    t.pos,
                    format!(
                        "{what}: set transform-set: transform set with tag {} does not exist (expected the name of a `crypto ipsec transform-set`)",
                        q(&t.text)
                    ),
                ),
            }
        }
        // The access list.
        let Some(acl) = ir.acl(&acl_name.text) else {
            d.error(
                acl_name.pos,
                format!(
                    "{what}: match address: access list {} is not defined (expected `access-list {} permit ip ...` or `ip access-list extended {}`)",
                    q(&acl_name.text),
                    acl_name.text,
                    acl_name.text
                ),
            );
            continue;
        };
        if !acl.extended {
            d.error(
                acl_name.pos,
                format!(
                    "{what}: match address: access list {} is a standard list; a crypto map needs an extended IP list",
                    q(&acl_name.text)
                ),
            );
            continue;
        }
        let mut aces = vec![];
        for e in &acl.entries {
            match (&e.nets, e.permit) {
                (Ok(n), true) => aces.push((*n, e.line)),
                (Err(why), true) => d.error(
                    e.pos,
                    format!(
                        "access list {}: this entry cannot become phase-2 IDs: {why}; {what} matches the list",
                        q(&acl.name)
                    ),
                ),
                (_, false) => d.warn(
                    e.pos,
                    format!(
                        "access list {}: a deny entry in a crypto access list is not modelled (traffic it names is not exempted); ignored",
                        q(&acl.name)
                    ),
                ),
            }
        }
        if aces.is_empty() {
            if !acl.broken && acl.entries.iter().all(|e| e.nets.is_ok()) {
                d.warn(
                    acl_name.pos,
                    format!(
                        "{what}: access list {} has no `permit ip` entry; the entry protects nothing",
                        q(&acl_name.text)
                    ),
                );
            }
            continue;
        }
        let Some(first) = sets.first() else { continue };
        if let Some(other) = sets.iter().find(|s| s.mode != first.mode) {
            d.warn(
                other.name.pos,
                format!(
                    "{what}: transform sets with different modes are not modelled; the first one's mode ({:?}) is proposed for all",
                    first.mode
                ),
            );
        }
        let lifetime = secs(m.lifetime.or(ir.sa_lifetime).unwrap_or(IPSEC_LIFETIME));
        let lifetime_kb = Some(
            m.lifetime_kb
                .or(ir.sa_lifetime_kb)
                .unwrap_or(IPSEC_LIFETIME_KB),
        );
        let esp: Vec<Phase2Proposal> = sets
            .iter()
            .map(|s| Phase2Proposal {
                cipher: s.cipher,
                integ: s.integ,
                lifetime,
                lifetime_kb,
            })
            .collect();
        // The peer.
        let peer_name = peer.to_string();
        if !peer_names.contains(&peer_name) {
            let Some(key) = keys.get(&Some(peer)).or_else(|| keys.get(&None)) else {
                if ir.key_failed {
                    continue;
                }
                d.error(
                    peer_line,
                    format!(
                        "{what}: set peer {peer}: no `crypto isakmp key <key> address {peer}` for this peer"
                    ),
                );
                continue;
            };
            if proposals.is_empty() {
                if policy_failed {
                    continue;
                }
                d.error(
                    peer_line,
                    format!(
                        "{what}: set peer {peer}: no `crypto isakmp policy` with `authentication pre-share` to negotiate phase 1 with"
                    ),
                );
                continue;
            }
            peer_names.insert(peer_name.clone());
            peers.push(PeerConfig {
                name: peer_name.clone(),
                local,
                remote: Some(peer),
                psk: key.key.as_bytes().to_vec(),
                mode: ExchangeMode::Main,
                proposals: proposals.clone(),
                my_id: Identity::Address,
                responder_only: false,
                nat_traversal: if ir.nat_t {
                    NatTraversal::On
                } else {
                    NatTraversal::Off
                },
                dpd,
            });
        }
        for (n, ((src, dst), line)) in aces.into_iter().enumerate() {
            let name = if n == 0 {
                format!("{}-{}", m.map.text, m.seq)
            } else {
                format!("{}-{}-{}", m.map.text, m.seq, n + 1)
            };
            let (local_sel, remote_sel) = (
                Selector::net(src.addr, src.prefix_len),
                Selector::net(dst.addr, dst.prefix_len),
            );
            policies.push(Policy {
                name: name.clone(),
                peer: peer_name.clone(),
                local: local_sel,
                remote: remote_sel,
                ids: Some((local_sel.to_id(), remote_sel.to_id())),
                id_payloads: IdPayloads::Sent,
                mode: first.mode,
                proposals: esp.clone(),
                pfs: m.pfs.map(|(g, _)| g),
                route_based: false,
                auto_start: false,
                phase2_delay: None,
            });
            used.push(Used {
                policy: name,
                entry: k,
                ace_line: line,
            });
        }
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
            behaviour: super::behaviour(),
        },
        used,
    ))
}

/// The phase-2 IDs a prefix gives (for tests and hints): ID_IPV4_ADDR for a /32, otherwise
/// ID_IPV4_ADDR_SUBNET.
pub fn prefix_id(p: Ipv4Net) -> crate::ike::QmId {
    Selector::net(p.network(), p.prefix_len).to_id()
}
