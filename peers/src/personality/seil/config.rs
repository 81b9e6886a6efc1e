//! The SEIL config dialect (SEIL/X, SEIL/B1, SEIL/x86 3.x-4.x `show config` form) into a
//! [`RouterConfig`].
//!
//! Grammar (from IIJ's seil2recipe and the vendor document):
//!
//! ```text
//! hostname <name>
//! environment login-timer {<time>|none}
//! interface <lanN> {add|address} <addr/len>
//! interface <ipsecN> tunnel <src> <dst>
//! interface <ipsecN> unnumbered [on <if>]
//! route add {<prefix>|default} {<gateway>|<if>}
//! ike preshared-key add "<peer>" "<key>"
//! ike proposal add <name> authentication preshared-key encryption <e>[,<e>...]
//!     hash <h>[,<h>...] dh-group <g>[,<g>...] [lifetime-of-time <t>]
//! ike peer add <name> address {<ip>|dynamic} exchange-mode {main|aggressive}
//!     proposals <p>[,<p>...] [my-identifier {address|fqdn X|user-fqdn X}]
//!     [peers-identifier {address|fqdn X|user-fqdn X}] [initial-contact {enable|disable}]
//!     [nonce-size N] [dpd {enable|disable}] [nat-traversal {enable|disable|force}]
//!     [responder-only {on|off}] [tunnel-interface {enable|disable}] ...
//! ike {interval|retry|per-send|phase1-timeout|phase2-timeout|dpd-interval|...} <value> ...
//! ipsec security-association proposal add <name> authentication-algorithm <a>[,<a>...]
//!     encryption-algorithm <e>[,<e>...] [lifetime-of-time <t>] [pfs-group {<g>|none}]
//! ipsec security-association add <name> tunnel-interface <ipsecN> ike <SAP>
//!     [ah {enable|disable}] [esp {enable|disable}] [ipv6 {pass|block}]
//!     [proxy-id-local {<addr[/len]>|any}] [proxy-id-remote {<addr[/len]>|any}]
//!     [proxy-id-protocol {<proto>|any}]
//! ipsec security-association add <name> tunnel {<src>|<lanN>} <dst> ike <SAP> [esp enable] ...
//! ipsec security-policy add <name> security-association <SA> [protocol <proto>]
//!     src {<prefix>|any} [srcport <n>] dst {<prefix>|any} [dstport <n>]
//! ```
//!
//! Two forms of IPsec: routing-based (`tunnel-interface ipsecN`: IP-in-IP between the
//! interface's endpoints over transport-mode ESP, IDs from `proxy-id-*`, 0.0.0.0/0 by default,
//! as in the document) and policy-based (`tunnel <src> <dst>`: tunnel-mode ESP between the
//! endpoints for the traffic each `ipsec security-policy` naming the SA selects, one engine
//! policy per security policy, its IDs the selectors with their protocol and ports; SEIL starts
//! them by itself with `ike auto-initiation` and on traffic).
//!
//! Diagnostics: an unknown command, or a known command or option that ikelab does not emulate,
//! is a [`Severity::Warning`] (the router starts without it). A malformed command of an emulated
//! kind (bad address, missing or unknown argument, bad time, a name used but never defined) is a
//! [`Severity::Error`] pointing at the offending word, and `parse` returns [`ConfigErrors`].
//! Names may be used before the line that defines them (they are resolved at the end).
//!
//! [`parse`] splits the text into lines and words ([`super::lexer`]), reads each command into
//! declarations (`super::commands`), and then builds the [`RouterConfig`] here: interfaces, routes,
//! peers with their local addresses, policies and the behaviour, with the diagnostics of names
//! that nothing defines.

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::time::Duration;

use crate::ike::{
    Dpd, EncapMode, EngineConfig, IdPayloads, InitialContact, PeerConfig, Phase1Proposal,
    Phase2Proposal, Policy, QmId, Selector,
};
use crate::personality::{self, local_address};
use crate::personality::{
    ConfigErrors, Interface, InterfaceKind, NextHop, Origins, PolicyScope, Recorder, Route,
    RouterConfig, Setting, Severity, Vendor,
};
use crate::prefix::Ipv4Net;
use crate::wire::vendor_id;

use super::lexer::{self, LexError, MAX_LINE_CHARS, Word, show};

/// How long SEIL waits before a phase 2 of routing-based IPsec with the default any IDs
/// ("delay phase2 start for 4 sec." in the document's failing log).
pub const DEFAULT_PHASE2_ANY_DELAY: Duration = Duration::from_secs(4);

/// SEIL's default ISAKMP-SA lifetime (`lifetime-of-time` omitted): 8 hours.
pub const DEFAULT_IKE_LIFETIME: Duration = Duration::from_secs(8 * 3600);
/// SEIL's default IPsec-SA lifetime (`lifetime-of-time` omitted): 8 hours.
pub const DEFAULT_IPSEC_LIFETIME: Duration = Duration::from_secs(8 * 3600);
/// SEIL's default `ike dpd-interval`: 20 seconds.
pub const DEFAULT_DPD_INTERVAL: Duration = Duration::from_secs(20);
/// SEIL's default `ike dpd-maxfail`: 5 unanswered R-U-THEREs (racoon's `dpd_maxfails`).
pub const DEFAULT_DPD_MAXFAIL: u32 = 5;
/// Time between unanswered R-U-THEREs: racoon's `dpd_retry` default, which SEIL does not set.
pub const DPD_RETRY: Duration = Duration::from_secs(5);

/// The identity a peer's pre-shared key is looked up by: its `peers-identifier`, else its
/// address (`None` for a dynamic peer without one).
fn psk_id_of(d: &PeerDecl) -> Option<String> {
    match (&d.peers_id, &d.address) {
        (Some(id), _) => Some(id.clone()),
        (None, PeerAddr::Static(a, _)) => Some(a.to_string()),
        (None, PeerAddr::Dynamic) => None,
    }
}

/// Parses a SEIL configuration. `file` names it in diagnostics.
///
/// The document's two configurations parse without any diagnostic. On success the warnings
/// (unknown or ignored commands) are in [`RouterConfig::warnings`]; on failure every diagnostic
/// found, warnings included, is in the [`ConfigErrors`], in line order.
pub fn parse(file: &str, text: &str) -> Result<RouterConfig, ConfigErrors> {
    let mut p = Parser::new(file);
    let mut any = false;
    // Lines read as commands, and the first one's first word.
    let mut commands = 0;
    let mut first: Option<(usize, Word)> = None;
    for (i, raw) in text.split('\n').enumerate() {
        let n = i + 1;
        let broken_at = |p: &mut Parser, col: usize| {
            // What the line was defining is broken, not missing: its words before `col` (before
            // the quote that `col` is in, if it is in one).
            let mut before: String = raw.chars().take(col - 1).collect();
            if let Err(LexError::Unterminated { col: quote }) = lexer::split(&before) {
                before = before.chars().take(quote - 1).collect();
            }
            if let Ok(words) = lexer::split(&before) {
                p.note_broken(&words);
            }
        };
        match lexer::split(raw) {
            Err(LexError::Unterminated { col }) => {
                any = true;
                p.error(
                    n,
                    col,
                    "unterminated quoted string: expected a closing `\"` before the end of the line"
                        .into(),
                );
                broken_at(&mut p, col);
            }
            Err(LexError::Control { col, c }) => {
                any = true;
                p.error(n, col, personality::text::control_message(c));
                broken_at(&mut p, col);
            }
            Err(LexError::TooLong { chars }) => {
                any = true;
                p.error(
                    n,
                    MAX_LINE_CHARS + 1,
                    format!(
                        "line is {chars} characters long; at most {MAX_LINE_CHARS} are accepted"
                    ),
                );
            }
            Ok(words) if words.is_empty() => {}
            Ok(words) => {
                any = true;
                commands += 1;
                first.get_or_insert_with(|| (n, words[0].clone()));
                let mut c = Cmd {
                    line: n,
                    words: &words,
                    i: 0,
                };
                if p.command(&mut c).is_err() {
                    p.note_broken(&words);
                }
            }
        }
    }
    if !any {
        p.warn(1, 1, "the configuration is empty: no commands".into());
    }
    let unknown = std::mem::take(&mut p.unknown);
    match first {
        Some((line, w)) if unknown.len() == commands => {
            let examples = "`interface lan0 add ...`, `ike peer add ...`";
            let msg = personality::text::foreign_message("SEIL", &w.text, examples);
            p.error(line, w.col, msg);
        }
        _ => p.diags.extend(unknown),
    }
    p.finish(text)
}

use super::commands::{
    Cmd, Parser, PeerAddr, PeerDecl, SaDecl, SaEnds, SpDecl, TunnelSrc, ViaDecl,
};

impl Parser {
    fn finish(mut self, text: &str) -> Result<RouterConfig, ConfigErrors> {
        let interfaces = self.build_interfaces();
        let routes = self.build_routes(&interfaces);
        let peers = self.build_peers(&interfaces, &routes);
        let policies = self.build_policies(&interfaces, &peers);
        let behaviour = self.build_behaviour();
        self.diags.sort_by_key(|d| (d.line, d.column));
        if self.diags.iter().any(|d| d.severity == Severity::Error) {
            return Err(ConfigErrors(self.diags));
        }
        let origins = self.origins(text);
        Ok(RouterConfig {
            vendor: Vendor::Seil,
            hostname: self.hostname,
            interfaces,
            routes,
            engine: EngineConfig {
                peers: peers.into_iter().map(|(p, _)| p).collect(),
                policies,
                behaviour,
            },
            origins,
            policy_scope: PolicyScope::AllInterfaces,
            warnings: self.diags,
        })
    }

    /// The source line of each setting the engine's peers and policies were built from.
    fn origins(&self, text: &str) -> Origins {
        let mut o = Recorder::new(&self.file, text);
        let mut at = |s: Setting, line: usize| o.at(s, line);
        for i in &self.interfaces {
            at(Setting::Interface(i.name.clone()), i.pos.0);
            if i.tunnel.is_some() {
                at(Setting::Tunnel(i.name.clone()), i.tunnel_line);
            }
        }
        for r in &self.routes {
            at(Setting::Route(r.prefix), r.line);
        }
        for d in &self.peers {
            at(Setting::Peer(d.name.clone()), d.pos.0);
            if let Some((_, pos)) = psk_id_of(d).and_then(|id| self.psks.get(&id)) {
                at(Setting::PreSharedKey(d.name.clone()), pos.0);
            }
            for (name, _) in &d.proposals {
                if let Some(p) = self.ike_proposals.get(name) {
                    at(Setting::Phase1Proposal(d.name.clone()), p.pos.0);
                }
            }
        }
        for sp in &self.sps {
            // A policy-based SA's policies are named after its security policies.
            at(Setting::Policy(sp.name.clone()), sp.pos.0);
            at(Setting::LocalId(sp.name.clone()), sp.pos.0);
            at(Setting::RemoteId(sp.name.clone()), sp.pos.0);
            let sap = self
                .sas
                .get(&sp.sa.0)
                .and_then(|s| self.sa_proposals.get(&s.sap.0));
            if let Some(p) = sap {
                at(Setting::Phase2Proposal(sp.name.clone()), p.pos.0);
                at(Setting::Pfs(sp.name.clone()), p.pos.0);
            }
        }
        // A routing-based SA is one policy, named after it (a policy-based one's are above).
        for s in self
            .sas
            .iter()
            .filter(|s| matches!(s.ends, SaEnds::Interface(..)))
        {
            at(Setting::Policy(s.name.clone()), s.pos.0);
            if s.proxy_local.is_some() {
                at(Setting::LocalId(s.name.clone()), s.pos.0);
            }
            if s.proxy_remote.is_some() {
                at(Setting::RemoteId(s.name.clone()), s.pos.0);
            }
            if let Some(p) = self.sa_proposals.get(&s.sap.0) {
                at(Setting::Phase2Proposal(s.name.clone()), p.pos.0);
                at(Setting::Pfs(s.name.clone()), p.pos.0);
            }
        }
        o.finish()
    }

    fn build_interfaces(&mut self) -> Vec<Interface> {
        let mut out = Vec::new();
        let decls = self.interfaces.clone();
        for d in &decls {
            let kind = if d.ipsec {
                match d.tunnel {
                    Some((local, remote)) => InterfaceKind::IpIp { local, remote },
                    None => {
                        if !self.broken.interfaces.contains(&d.name) {
                            self.warn(
                                d.pos.0,
                                d.pos.1,
                                format!("{} has no `tunnel` endpoints; not created", d.name),
                            );
                        }
                        continue;
                    }
                }
            } else {
                InterfaceKind::Ethernet
            };
            if let Some((lease, Some(pos))) = &d.unnumbered {
                if !decls.iter().any(|e| &e.name == lease)
                    && !self.broken.interfaces.contains(lease)
                {
                    self.error(
                        pos.0,
                        pos.1,
                        format!("interface `{}` is not defined", show(lease)),
                    );
                }
            }
            out.push(Interface {
                name: d.name.clone(),
                address: d.address,
                unnumbered: d.unnumbered.as_ref().map(|(l, _)| l.clone()),
                kind,
                up: true,
            });
        }
        // Tunnel sources should be ours.
        for i in &out {
            if let InterfaceKind::IpIp { local, .. } = i.kind {
                let ours = out
                    .iter()
                    .any(|j| j.address.is_some_and(|a| a.addr == local));
                if !ours && self.broken.interfaces.is_empty() {
                    let d = decls.iter().find(|d| d.name == i.name).expect("declared");
                    let pos = d.pos;
                    self.warn(
                        pos.0,
                        pos.1,
                        format!(
                            "tunnel source {local} of {} is not an address of this router",
                            i.name
                        ),
                    );
                }
            }
        }
        out
    }

    fn build_routes(&mut self, ifs: &[Interface]) -> Vec<Route> {
        let mut out = Vec::new();
        for r in self.routes.clone() {
            let via = match r.via {
                ViaDecl::Gateway(a) => NextHop::Gateway(a),
                ViaDecl::Interface(name, pos) => {
                    if !ifs.iter().any(|i| i.name == name) {
                        if !self.broken.interfaces.contains(&name) {
                            self.error(pos.0, pos.1, format!("interface `{name}` is not defined"));
                        }
                        continue;
                    }
                    NextHop::Interface(name)
                }
            };
            out.push(Route {
                prefix: r.prefix,
                via,
            });
        }
        out
    }

    /// Our address toward `peer`: the source of an ipsec tunnel to it, else the address of the
    /// interface on its subnet, else that of the interface on the subnet of the gateway of the
    /// longest route to it.
    fn local_for(ifs: &[Interface], routes: &[Route], peer: Ipv4Addr) -> Option<Ipv4Addr> {
        if let Some(l) = ifs.iter().find_map(|i| match i.kind {
            InterfaceKind::IpIp { local, remote } if remote == peer => Some(local),
            _ => None,
        }) {
            return Some(l);
        }
        let ports = local_address::ports(
            ifs.iter()
                .filter(|i| i.kind == InterfaceKind::Ethernet)
                .map(|i| (i.name.as_str(), i.address, i.up)),
        );
        local_address::on_link(&ports, peer).or_else(|| {
            local_address::route_to(routes, peer).and_then(|r| match r.via {
                NextHop::Gateway(g) => local_address::on_link(&ports, g),
                NextHop::Interface(_) => None,
            })
        })
    }

    fn build_peers(&mut self, ifs: &[Interface], routes: &[Route]) -> Vec<(PeerConfig, bool)> {
        let mut out = Vec::new();
        for d in self.peers.clone() {
            let mut proposals = Vec::new();
            let mut ok = true;
            for (pname, pos) in &d.proposals {
                match self.ike_proposals.get(pname) {
                    Some(p) => {
                        for &cipher in &p.ciphers {
                            for &hash in &p.hashes {
                                for &group in &p.groups {
                                    proposals.push(Phase1Proposal {
                                        cipher,
                                        hash,
                                        group,
                                        lifetime: p.lifetime,
                                        lifetime_kb: None,
                                    });
                                }
                            }
                        }
                    }
                    None if self.broken.ike_proposals.contains(pname) => ok = false,
                    None => {
                        ok = false;
                        self.error(
                            pos.0,
                            pos.1,
                            format!(
                                "IKE proposal `{pname}` is not defined (expected an `ike proposal add {pname} ...` line)"
                            ),
                        );
                    }
                }
            }
            let (remote, local) = match d.address {
                PeerAddr::Static(a, pos) => match Self::local_for(ifs, routes, a) {
                    Some(l) => (Some(a), l),
                    None => {
                        self.error(
                            pos.0,
                            pos.1,
                            format!(
                                "no local address toward peer {a}: expected an interface on its subnet, an ipsec tunnel to it, or a route to it via a gateway"
                            ),
                        );
                        ok = false;
                        (Some(a), Ipv4Addr::UNSPECIFIED)
                    }
                },
                PeerAddr::Dynamic => {
                    // Answer on the WAN side: lan1 by SEIL's convention, else the first address.
                    let numbered = ifs
                        .iter()
                        .filter(|i| i.kind == InterfaceKind::Ethernet)
                        .filter_map(|i| i.address.map(|a| (i.name.as_str(), a.addr)));
                    let l = numbered
                        .clone()
                        .find(|(n, _)| *n == "lan1")
                        .or_else(|| numbered.clone().next())
                        .map(|(_, a)| a);
                    match l {
                        Some(l) => (None, l),
                        None => {
                            self.error(
                                d.pos.0,
                                d.pos.1,
                                format!("dynamic peer `{}` needs a numbered lanN interface to answer on", d.name),
                            );
                            ok = false;
                            (None, Ipv4Addr::UNSPECIFIED)
                        }
                    }
                }
            };
            let psk_id = psk_id_of(&d);
            let psk = match psk_id.as_ref().and_then(|id| self.psks.get(id)) {
                Some((k, _)) => k.clone().into_bytes(),
                None if self.broken.psk => {
                    ok = false;
                    Vec::new()
                }
                None => {
                    let (pos, what) = match (&d.address, &psk_id) {
                        (PeerAddr::Static(_, pos), Some(id)) if d.peers_id.is_none() => {
                            (*pos, id.clone())
                        }
                        (_, Some(id)) => (d.pos, id.clone()),
                        (_, None) => (d.pos, format!("dynamic peer `{}`", d.name)),
                    };
                    // A key that no peer uses is likely the one meant, with a typo.
                    let mut unused: Vec<(&String, usize)> = self
                        .psks
                        .iter()
                        .filter(|(id, _)| {
                            !self
                                .peers
                                .iter()
                                .any(|p| psk_id_of(p).as_ref() == Some(*id))
                        })
                        .map(|(id, (_, pos))| (id, pos.0))
                        .collect();
                    unused.sort_by_key(|(_, line)| *line);
                    let hint = unused
                        .iter()
                        .map(|(id, line)| {
                            format!("; line {line} has a key for \"{id}\", which no peer uses")
                        })
                        .collect::<String>();
                    self.error(
                        pos.0,
                        pos.1,
                        format!(
                            "no pre-shared key for {what}: expected `ike preshared-key add \"{what}\" \"<key>\"`{hint}"
                        ),
                    );
                    ok = false;
                    Vec::new()
                }
            };
            let dpd = (d.dpd == Some(true)).then_some(Dpd {
                interval: self.globals.dpd_interval,
                retry: DPD_RETRY,
                max_fails: self.globals.dpd_maxfail,
            });
            out.push((
                PeerConfig {
                    name: d.name.clone(),
                    local,
                    remote,
                    psk,
                    mode: d.mode,
                    proposals,
                    my_id: d.my_id.clone(),
                    responder_only: d.responder_only,
                    nat_traversal: d.nat,
                    dpd,
                },
                ok && d.tunnel_interface,
            ));
        }
        out
    }

    fn build_policies(&mut self, ifs: &[Interface], peers: &[(PeerConfig, bool)]) -> Vec<Policy> {
        let mut out = Vec::new();
        // The first peer with each remote address, and each SA's security policies.
        let mut by_remote: HashMap<Ipv4Addr, &(PeerConfig, bool)> = HashMap::new();
        for p in peers.iter().rev() {
            if let Some(r) = p.0.remote {
                by_remote.insert(r, p);
            }
        }
        let mut sps_of: HashMap<String, Vec<SpDecl>> = HashMap::new();
        for sp in self.sps.iter() {
            sps_of.entry(sp.sa.0.clone()).or_default().push(sp.clone());
        }
        for s in self.sas.clone() {
            let Some((local, remote, at)) = self.sa_endpoints(&s, ifs) else {
                continue;
            };
            let (sapname, sappos) = &s.sap;
            let Some(sap) = self.sa_proposals.get(sapname).cloned() else {
                if self.broken.sa_proposals.contains(sapname) {
                    continue;
                }
                self.error(
                    sappos.0,
                    sappos.1,
                    format!(
                        "SA proposal `{sapname}` is not defined (expected an `ipsec security-association proposal add {sapname} ...` line)"
                    ),
                );
                continue;
            };
            let Some((peer, auto)) = by_remote.get(&remote).copied() else {
                if self.broken.peer {
                    continue;
                }
                self.error(
                    at.0,
                    at.1,
                    format!(
                        "no IKE peer for {}: expected an `ike peer add ... address {remote}` line (the tunnel destination)",
                        match &s.ends {
                            SaEnds::Interface(ifname, _) => ifname.clone(),
                            SaEnds::Tunnel { .. } => format!("SA `{}`", s.name),
                        }
                    ),
                );
                continue;
            };
            let mut proposals = Vec::new();
            for &cipher in &sap.ciphers {
                for &integ in &sap.integs {
                    proposals.push(Phase2Proposal {
                        cipher,
                        integ,
                        lifetime: sap.lifetime,
                        lifetime_kb: None,
                    });
                }
            }
            // A peer that only answers (`responder-only on`) starts nothing, routing-based or not.
            let auto_start = *auto && self.globals.auto_initiation && !peer.responder_only;
            if let SaEnds::Tunnel { .. } = s.ends {
                // SEIL starts policy-based SAs by itself (`ike auto-initiation`, on by default)
                // as well as on traffic; `tunnel-interface enable` is the routing-based switch.
                let auto_start = self.globals.auto_initiation && !peer.responder_only;
                // Policy-based: one tunnel-mode policy per security policy naming the SA, its
                // IDs the policy's selectors (racoon builds them from the SPD entry).
                let sps: Vec<SpDecl> = sps_of.remove(&s.name).unwrap_or_default();
                if sps.is_empty() {
                    self.warn(
                        s.pos.0,
                        s.pos.1,
                        format!(
                            "SA `{}` has no `ipsec security-policy add ... security-association {}` line: it protects nothing",
                            s.name, s.name
                        ),
                    );
                }
                for sp in sps {
                    let selector = |prefix: Ipv4Net, port: u16| Selector {
                        prefix,
                        protocol: sp.protocol,
                        port,
                    };
                    out.push(Policy {
                        name: sp.name.clone(),
                        peer: peer.name.clone(),
                        local: selector(sp.src, sp.srcport),
                        remote: selector(sp.dst, sp.dstport),
                        ids: None,
                        mode: EncapMode::Tunnel,
                        proposals: proposals.clone(),
                        pfs: sap.pfs,
                        route_based: false,
                        id_payloads: IdPayloads::Sent,
                        auto_start,
                        phase2_delay: None,
                    });
                }
                if local != peer.local {
                    self.warn(
                        at.0,
                        at.1,
                        format!(
                            "SA `{}`: tunnel source {local} is not the address SEIL uses toward {remote} ({}); the SA runs from {}",
                            s.name, peer.local, peer.local
                        ),
                    );
                }
                continue;
            }
            let id = |p: Option<Ipv4Net>| {
                let p = p.unwrap_or(Ipv4Net::ANY);
                QmId {
                    data: crate::wire::IdData::ipv4_prefix(p.addr, p.prefix_len),
                    protocol: s.proxy_protocol,
                    port: 0,
                }
            };
            out.push(Policy {
                name: s.name.clone(),
                peer: peer.name.clone(),
                local: Selector::host(local),
                remote: Selector::host(remote),
                ids: Some((id(s.proxy_local), id(s.proxy_remote))),
                mode: EncapMode::Transport,
                proposals,
                pfs: sap.pfs,
                // `ipsec0`'s IP-in-IP packets between the endpoints.
                route_based: true,
                id_payloads: IdPayloads::Sent,
                auto_start,
                // The document's failing log waits 4 s before phase 2 with the default
                // 0.0.0.0/0 IDs; its fixed log (proxy-id set) does not (see behaviour.rs).
                phase2_delay: (s.proxy_local.is_none() && s.proxy_remote.is_none())
                    .then_some(DEFAULT_PHASE2_ANY_DELAY),
            });
        }
        for sp in self.sps.clone() {
            let (sa, pos) = &sp.sa;
            match self.sas.get(sa) {
                Some(s) if matches!(s.ends, SaEnds::Interface(..)) => self.error(
                    pos.0,
                    pos.1,
                    format!(
                        "SA `{sa}` is bound to a tunnel interface: a security policy needs a `tunnel <src> <dst>` SA"
                    ),
                ),
                Some(_) => {}
                None => self.error(
                    pos.0,
                    pos.1,
                    format!(
                        "SA `{sa}` is not defined (expected an `ipsec security-association add {sa} tunnel <src> <dst> ...` line)"
                    ),
                ),
            }
        }
        out
    }

    /// An SA's local and remote endpoints, and where to point an error about its peer; `None`
    /// (with the error said) when they cannot be resolved.
    fn sa_endpoints(
        &mut self,
        s: &SaDecl,
        ifs: &[Interface],
    ) -> Option<(Ipv4Addr, Ipv4Addr, super::commands::Pos)> {
        match &s.ends {
            SaEnds::Interface(ifname, ifpos) => {
                let found = ifs
                    .iter()
                    .find(|i| &i.name == ifname)
                    .and_then(|i| match i.kind {
                        InterfaceKind::IpIp { local, remote } => Some((local, remote)),
                        _ => None,
                    });
                if found.is_none() && !self.broken.interfaces.contains(ifname) {
                    self.error(
                        ifpos.0,
                        ifpos.1,
                        format!(
                            "tunnel interface `{ifname}` is not defined (expected `interface {ifname} tunnel <src> <dst>`)"
                        ),
                    );
                }
                found.map(|(l, r)| (l, r, *ifpos))
            }
            SaEnds::Tunnel { src, dst, pos } => {
                let local = match src {
                    TunnelSrc::Address(a) => Some(*a),
                    TunnelSrc::Interface(name, ipos) => {
                        let a = ifs
                            .iter()
                            .find(|i| &i.name == name)
                            .and_then(|i| i.address.map(|n| n.addr));
                        if a.is_none() && !self.broken.interfaces.contains(name) {
                            self.error(
                                ipos.0,
                                ipos.1,
                                format!(
                                    "`{name}` has no address (expected `interface {name} add <addr/len>`)"
                                ),
                            );
                        }
                        a
                    }
                };
                local.map(|l| (l, *dst, *pos))
            }
        }
    }

    /// SEIL's behaviour with the config's global and per-peer knobs applied. Where SEIL sets a
    /// knob per peer and the engine has one for all, peers that disagree get a warning and the
    /// first peer's (or SEIL's default) value is used.
    fn build_behaviour(&mut self) -> crate::ike::Behaviour {
        let mut b = super::behaviour::behaviour();
        if let Some(i) = self.globals.interval {
            b.retransmit.interval = i;
        }
        if let Some(r) = self.globals.retry {
            b.retransmit.tries = r + 1;
        }
        let peers = self.peers.clone();
        // Nonce size.
        let mut nonce: Option<(usize, String)> = None;
        for p in &peers {
            let (n, pos) = match p.nonce {
                Some((n, pos)) => (n, pos),
                None => (b.nonce_len, p.pos),
            };
            match &nonce {
                None => nonce = Some((n, p.name.clone())),
                Some((m, first)) if *m != n => {
                    let msg = format!(
                        "nonce size {n} of peer `{}` differs from {m} of peer `{first}`; ikelab uses one size for all peers ({m})",
                        p.name
                    );
                    self.warn(pos.0, pos.1, msg);
                }
                _ => {}
            }
        }
        if let Some((n, _)) = nonce {
            b.nonce_len = n;
        }
        // INITIAL-CONTACT and the DPD Vendor ID: on unless every peer turns them off.
        let all_off = |f: fn(&PeerDecl) -> Option<bool>| {
            !peers.is_empty() && peers.iter().all(|p| f(p) == Some(false))
        };
        let mixed = |f: fn(&PeerDecl) -> Option<bool>| {
            peers.iter().any(|p| f(p) == Some(false)) && !all_off(f)
        };
        if all_off(|p| p.initial_contact) {
            b.initial_contact = InitialContact::Off;
        } else if mixed(|p| p.initial_contact) {
            let p = peers
                .iter()
                .find(|p| p.initial_contact == Some(false))
                .expect("mixed");
            let msg = format!(
                "`initial-contact disable` of peer `{}` is not emulated per peer by ikelab (other peers enable it); ignored",
                p.name
            );
            self.warn(p.pos.0, p.pos.1, msg);
        }
        if all_off(|p| p.dpd) {
            b.vendor_ids.retain(|v| v.as_slice() != vendor_id::DPD);
        } else if mixed(|p| p.dpd) {
            let p = peers.iter().find(|p| p.dpd == Some(false)).expect("mixed");
            let msg = format!(
                "`dpd disable` of peer `{}` is not emulated per peer by ikelab (other peers send the DPD Vendor ID); ignored",
                p.name
            );
            self.warn(p.pos.0, p.pos.1, msg);
        }
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{CipherAlg, DhGroup, HashAlg};
    use crate::esp::IntegAlg;
    use crate::ike::ExchangeMode;
    use crate::personality::Diagnostic;

    fn errs(text: &str) -> Vec<Diagnostic> {
        match parse("t.conf", text) {
            Ok(c) => c.warnings,
            Err(e) => e.0,
        }
    }

    #[test]
    fn minimal_peer_with_gateway_route() {
        let cfg = parse(
            "t.conf",
            "interface lan1 add 10.0.0.1/24\n\
             route add default 10.0.0.254\n\
             ike preshared-key add \"203.0.113.9\" \"k\"\n\
             ike proposal add p encryption aes256,3des hash sha256,md5 authentication preshared-key dh-group modp2048\n\
             ike peer add far address 203.0.113.9 exchange-mode aggressive proposals p dpd enable nonce-size 32\n\
             ike dpd-interval 30s retry 3 interval 5s\n",
        )
        .unwrap();
        assert!(cfg.warnings.is_empty(), "{:?}", cfg.warnings);
        let p = &cfg.engine.peers[0];
        assert_eq!(p.local, Ipv4Addr::new(10, 0, 0, 1));
        assert_eq!(p.mode, ExchangeMode::Aggressive);
        assert_eq!(p.proposals.len(), 4);
        assert_eq!(p.proposals[0].cipher, CipherAlg::AesCbc { key_len: 32 });
        assert_eq!(p.proposals[1].hash, HashAlg::Md5);
        assert_eq!(p.proposals[2].cipher, CipherAlg::TripleDesCbc);
        assert_eq!(p.proposals[0].lifetime, DEFAULT_IKE_LIFETIME);
        assert_eq!(p.dpd.map(|d| d.interval), Some(Duration::from_secs(30)));
        let b = &cfg.engine.behaviour;
        assert_eq!(b.nonce_len, 32);
        assert_eq!(b.retransmit.tries, 4);
        assert_eq!(b.retransmit.interval, Duration::from_secs(5));
        assert_eq!(
            cfg.routes,
            vec![Route {
                prefix: Ipv4Net::ANY,
                via: NextHop::Gateway(Ipv4Addr::new(10, 0, 0, 254))
            }]
        );
    }

    #[test]
    fn warnings_for_unknown_and_unemulated() {
        let d = errs("foo bar\nntp enable\n\ninterface lan0 media auto\n");
        assert_eq!(d.len(), 3);
        assert!(d.iter().all(|d| d.severity == Severity::Warning));
        assert_eq!((d[0].line, d[0].column), (1, 1));
        assert!(d[0].message.contains("unknown command `foo`"));
        assert_eq!((d[2].line, d[2].column), (4, 16));
    }

    #[test]
    fn forward_references_resolve() {
        let cfg = parse(
            "t.conf",
            "ipsec security-association add s tunnel-interface ipsec1 ike sp esp enable\n\
             ike peer add x address 10.0.0.2 exchange-mode main proposals p tunnel-interface enable\n\
             interface ipsec1 tunnel 10.0.0.1 10.0.0.2\n\
             interface lan1 add 10.0.0.1/30\n\
             ike proposal add p encryption aes hash sha1 authentication preshared-key dh-group modp1024\n\
             ipsec security-association proposal add sp authentication-algorithm hmac-sha256,hmac-md5 encryption-algorithm aes192 pfs-group modp1536\n\
             ike preshared-key add \"10.0.0.2\" \"k\"\n",
        )
        .unwrap();
        let pol = &cfg.engine.policies[0];
        assert_eq!(pol.peer, "x");
        assert!(pol.auto_start);
        assert_eq!(pol.pfs, Some(DhGroup::Modp1536));
        assert_eq!(pol.proposals.len(), 2);
        assert_eq!(pol.proposals[1].integ, IntegAlg::HmacMd5_96);
        assert_eq!(pol.proposals[0].lifetime, DEFAULT_IPSEC_LIFETIME);
    }

    #[test]
    fn error_positions() {
        let d = errs("interface lan1 add 172.16.0.300/24\n");
        assert_eq!(
            (d[0].line, d[0].column, d[0].severity),
            (1, 20, Severity::Error)
        );
        let d = errs(
            "ike proposal add p encryption aes,aess hash sha1 authentication preshared-key dh-group modp1024\n",
        );
        assert_eq!(d[0].column, 35);
        assert!(d[0].message.contains("unknown encryption algorithm `aess`"));
        let d = errs("interface lan0 add\n");
        assert_eq!(d[0].column, 20);
    }
}
