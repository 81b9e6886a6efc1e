//! SEIL commands, one line at a time: the parser state, its diagnostics, and the per-command
//! readers of `hostname`, `environment`, `interface` and `route` ([`ike`] and [`ipsec`] read
//! the rest). Each command is read into declarations ([`IfDecl`], [`PeerDecl`], ...); names
//! they use are resolved by the builder in [`super::config`].

mod ike;
mod ipsec;

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::time::Duration;

use crate::crypto::{CipherAlg, DhGroup, HashAlg};
use crate::esp::IntegAlg;
use crate::ike::{ExchangeMode, Identity, NatTraversal};
use crate::personality::named::Named;
use crate::personality::{Diagnostic, Severity};
use crate::prefix::Ipv4Net;

use super::config::{DEFAULT_DPD_INTERVAL, DEFAULT_DPD_MAXFAIL};
use super::lexer::{Word, show};
use super::values::{self, AlgTable, PrefixError};

/// A position in the file: (line, column).
pub(super) type Pos = (usize, usize);

/// A command's line was abandoned: its diagnostic is already recorded, and what it was defining
/// is noted as broken so that its uses are not reported again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Abandoned;

/// The result of reading (part of) a command.
pub(super) type R<T> = Result<T, Abandoned>;

/// The words of one command, consumed left to right.
pub(super) struct Cmd<'a> {
    pub(super) line: usize,
    pub(super) words: &'a [Word],
    pub(super) i: usize,
}

impl<'a> Cmd<'a> {
    pub(super) fn next(&mut self) -> Option<&'a Word> {
        let w = self.words.get(self.i)?;
        self.i += 1;
        Some(w)
    }

    pub(super) fn peek(&self) -> Option<&'a Word> {
        self.words.get(self.i)
    }

    /// Where a missing word belongs.
    pub(super) fn end(&self) -> usize {
        self.words.last().map_or(1, Word::after)
    }

    pub(super) fn pos(&self, w: &Word) -> Pos {
        (self.line, w.col)
    }
}

#[derive(Clone, Debug)]
pub(super) struct IfDecl {
    pub(super) name: String,
    pub(super) pos: Pos,
    pub(super) ipsec: bool,
    pub(super) address: Option<Ipv4Net>,
    pub(super) tunnel: Option<(Ipv4Addr, Ipv4Addr)>,
    /// The line of its `tunnel` command.
    pub(super) tunnel_line: usize,
    pub(super) unnumbered: Option<(String, Option<Pos>)>,
}

#[derive(Clone, Debug)]
pub(super) enum ViaDecl {
    Gateway(Ipv4Addr),
    Interface(String, Pos),
}

#[derive(Clone, Debug)]
pub(super) struct RouteDecl {
    pub(super) line: usize,
    pub(super) prefix: Ipv4Net,
    pub(super) via: ViaDecl,
}

#[derive(Clone, Debug)]
pub(super) struct IkeProposalDecl {
    pub(super) pos: Pos,
    pub(super) ciphers: Vec<CipherAlg>,
    pub(super) hashes: Vec<HashAlg>,
    pub(super) groups: Vec<DhGroup>,
    pub(super) lifetime: Duration,
}

#[derive(Clone, Debug)]
pub(super) enum PeerAddr {
    Static(Ipv4Addr, Pos),
    Dynamic,
}

#[derive(Clone, Debug)]
pub(super) struct PeerDecl {
    pub(super) name: String,
    pub(super) pos: Pos,
    pub(super) address: PeerAddr,
    pub(super) mode: ExchangeMode,
    pub(super) proposals: Vec<(String, Pos)>,
    pub(super) my_id: Identity,
    pub(super) peers_id: Option<String>,
    pub(super) initial_contact: Option<bool>,
    pub(super) nonce: Option<(usize, Pos)>,
    pub(super) dpd: Option<bool>,
    pub(super) nat: NatTraversal,
    pub(super) responder_only: bool,
    pub(super) tunnel_interface: bool,
}

#[derive(Clone, Debug)]
pub(super) struct SaProposalDecl {
    pub(super) pos: Pos,
    pub(super) ciphers: Vec<CipherAlg>,
    pub(super) integs: Vec<IntegAlg>,
    pub(super) lifetime: Duration,
    pub(super) pfs: Option<DhGroup>,
}

#[derive(Clone, Debug)]
pub(super) struct SaDecl {
    pub(super) name: String,
    pub(super) pos: Pos,
    pub(super) ends: SaEnds,
    pub(super) sap: (String, Pos),
    pub(super) esp: bool,
    pub(super) proxy_local: Option<Ipv4Net>,
    pub(super) proxy_remote: Option<Ipv4Net>,
    pub(super) proxy_protocol: u8,
}

/// Where an SA's ESP runs.
#[derive(Clone, Debug)]
pub(super) enum SaEnds {
    /// `tunnel-interface <ipsecN>` (routing-based): IP-in-IP between the interface's tunnel
    /// endpoints, over transport-mode ESP.
    Interface(String, Pos),
    /// `tunnel <src> <dst>` (policy-based): tunnel-mode ESP between these endpoints, for the
    /// traffic the `ipsec security-policy` lines naming the SA select.
    Tunnel {
        /// The local endpoint: an address, or the interface whose address it is.
        src: TunnelSrc,
        /// The peer.
        dst: std::net::Ipv4Addr,
        /// Where `tunnel` is written.
        pos: Pos,
    },
}

/// The local endpoint of a policy-based SA.
#[derive(Clone, Debug)]
pub(super) enum TunnelSrc {
    /// An address.
    Address(std::net::Ipv4Addr),
    /// An interface (`tunnel lan1 <dst>`), whose address it is.
    Interface(String, Pos),
}

/// `ipsec security-policy add <SP> security-association <SA> [protocol P] src <prefix>
/// [srcport N] dst <prefix> [dstport N]`: the traffic a policy-based SA protects.
#[derive(Clone, Debug)]
pub(super) struct SpDecl {
    pub(super) name: String,
    pub(super) pos: Pos,
    pub(super) sa: (String, Pos),
    pub(super) protocol: u8,
    pub(super) src: Ipv4Net,
    pub(super) srcport: u16,
    pub(super) dst: Ipv4Net,
    pub(super) dstport: u16,
}

/// `ike` global parameters that matter to the engine.
#[derive(Clone, Debug)]
pub(super) struct Globals {
    pub(super) interval: Option<Duration>,
    pub(super) retry: Option<u32>,
    pub(super) dpd_interval: Duration,
    pub(super) dpd_maxfail: u32,
    pub(super) auto_initiation: bool,
}

/// What failed to be defined (its line had an error), so that its uses are not reported too.
#[derive(Clone, Debug, Default)]
pub(super) struct Broken {
    pub(super) interfaces: Vec<String>,
    pub(super) ike_proposals: Vec<String>,
    pub(super) sa_proposals: Vec<String>,
    pub(super) peer: bool,
    pub(super) psk: bool,
}

pub(super) struct Parser {
    pub(super) file: String,
    pub(super) diags: Vec<Diagnostic>,
    pub(super) hostname: Option<String>,
    pub(super) interfaces: Vec<IfDecl>,
    /// Interfaces SEIL knows but ikelab does not emulate (routes through them are ignored).
    pub(super) ignored_ifs: Vec<String>,
    /// Definitions whose line had an error: uses of them are not reported again.
    pub(super) broken: Broken,
    pub(super) routes: Vec<RouteDecl>,
    pub(super) psks: HashMap<String, (String, Pos)>,
    pub(super) ike_proposals: HashMap<String, IkeProposalDecl>,
    pub(super) peers: Named<PeerDecl>,
    /// The peer that has each static address, by position in `peers`.
    pub(super) peer_addresses: HashMap<Ipv4Addr, usize>,
    pub(super) sa_proposals: HashMap<String, SaProposalDecl>,
    pub(super) sas: Named<SaDecl>,
    pub(super) sps: Named<SpDecl>,
    pub(super) globals: Globals,
    /// The warnings for lines whose first word is no SEIL command: said only if another line is
    /// a SEIL command (otherwise the file is not a SEIL config, one error).
    pub(super) unknown: Vec<Diagnostic>,
}

/// Top-level commands SEIL has and ikelab does not emulate.
pub(super) const NOT_EMULATED: &[&str] = &[
    "application-gateway",
    "arp",
    "authentication",
    "bridge",
    "cbq",
    "certificate",
    "dhcp",
    "dhcp6",
    "dialup-device",
    "dialup-network",
    "dns",
    "encrypted-password",
    "encrypted-password-long",
    "filter",
    "filter6",
    "floatlink",
    "httpd",
    "igmp-proxy",
    "key",
    "l2tp",
    "macfilter",
    "monitor",
    "mld-proxy",
    "multicast-forwarding",
    "nat",
    "nat6",
    "ntp",
    "option",
    "ppp",
    "pppac",
    "proxyarp",
    "resolver",
    "route6",
    "rtadvd",
    "salog",
    "snapshot",
    "snmp",
    "sntp",
    "sshd",
    "sslvpn",
    "syslog",
    "telnetd",
    "timezone",
    "translator",
    "upnp",
    "vrrp",
    "vrrp3",
    "webfilter",
];

/// `interface <if> ...` subcommands SEIL has and ikelab does not emulate.
pub(super) const IF_NOT_EMULATED: &[&str] = &[
    "description",
    "media",
    "mtu",
    "queue",
    "rx-tos-set",
    "tx-tos-set",
    "tcp-mss",
    "tcp-mss6",
    "tunnel-end-address",
    "user-max-session",
    "bind-realm",
    "bind-tunnel-protocol",
    "mac-address",
    "ipv6",
    "over",
    "vlan-id",
    "dad",
];

/// Interface families SEIL has and ikelab does not emulate.
pub(super) const IF_FAMILIES_NOT_EMULATED: &[&str] = &[
    "vlan", "pppoe", "ppp", "tunnel", "l2tp", "bridge", "wwan", "pppac", "lo", "vrrp", "gre",
];

pub(super) fn family(name: &str) -> (&str, &str) {
    let i = name
        .find(|c: char| c.is_ascii_digit())
        .unwrap_or(name.len());
    name.split_at(i)
}

pub(super) fn numbered(name: &str, fam: &str) -> bool {
    let (f, n) = family(name);
    f == fam && !n.is_empty() && n.len() <= 3 && n.bytes().all(|b| b.is_ascii_digit())
}

impl Parser {
    pub(super) fn new(file: &str) -> Self {
        Parser {
            file: file.to_string(),
            diags: Vec::new(),
            hostname: None,
            interfaces: Vec::new(),
            ignored_ifs: Vec::new(),
            broken: Broken::default(),
            routes: Vec::new(),
            psks: HashMap::new(),
            ike_proposals: HashMap::new(),
            peers: Named::default(),
            peer_addresses: HashMap::new(),
            sa_proposals: HashMap::new(),
            sas: Named::default(),
            sps: Named::default(),
            globals: Globals {
                interval: None,
                retry: None,
                dpd_interval: DEFAULT_DPD_INTERVAL,
                dpd_maxfail: DEFAULT_DPD_MAXFAIL,
                auto_initiation: true,
            },
            unknown: Vec::new(),
        }
    }

    pub(super) fn diagnostic(
        &self,
        line: usize,
        column: usize,
        severity: Severity,
        message: String,
    ) -> Diagnostic {
        Diagnostic {
            file: self.file.clone(),
            line,
            column,
            severity,
            message,
        }
    }

    pub(super) fn push(&mut self, line: usize, column: usize, severity: Severity, message: String) {
        let d = self.diagnostic(line, column, severity, message);
        self.diags.push(d);
    }

    pub(super) fn warn(&mut self, line: usize, col: usize, msg: String) {
        self.push(line, col, Severity::Warning, msg);
    }

    pub(super) fn error(&mut self, line: usize, col: usize, msg: String) {
        self.push(line, col, Severity::Error, msg);
    }

    /// An error at a word; abandons the line.
    pub(super) fn fail<T>(&mut self, c: &Cmd, w: &Word, msg: String) -> R<T> {
        self.error(c.line, w.col, msg);
        Err(Abandoned)
    }

    /// The next word, or an error "missing ..." at the end of the line.
    pub(super) fn need<'a>(&mut self, c: &mut Cmd<'a>, what: &str) -> R<&'a Word> {
        match c.next() {
            Some(w) => Ok(w),
            None => {
                let end = c.end();
                self.error(c.line, end, format!("missing {what}"));
                Err(Abandoned)
            }
        }
    }

    /// No words may follow.
    pub(super) fn done(&mut self, c: &mut Cmd, cmd: &str) -> R<()> {
        match c.next() {
            None => Ok(()),
            Some(w) => self.fail(
                c,
                w,
                format!("unexpected `{}` after `{cmd}`", show(&w.text)),
            ),
        }
    }

    pub(super) fn not_emulated(&mut self, c: &Cmd, w: &Word, what: &str) {
        self.warn(
            c.line,
            w.col,
            format!("`{what}` is not emulated by ikelab; ignored"),
        );
    }

    /// Records what a line that failed was defining.
    pub(super) fn note_broken(&mut self, words: &[Word]) {
        let t: Vec<&str> = words.iter().take(5).map(|w| w.text.as_str()).collect();
        let b = &mut self.broken;
        match t.as_slice() {
            ["interface", name, ..] => b.interfaces.push((*name).to_string()),
            ["ike", "preshared-key", ..] => b.psk = true,
            ["ike", "proposal", "add", name, ..] => b.ike_proposals.push((*name).to_string()),
            ["ike", "peer", ..] => b.peer = true,
            ["ipsec", "security-association", "proposal", "add", name, ..] => {
                b.sa_proposals.push((*name).to_string());
            }
            _ => {}
        }
    }

    pub(super) fn command(&mut self, c: &mut Cmd) -> R<()> {
        let w = c.next().ok_or(Abandoned)?;
        match w.text.as_str() {
            "hostname" => self.hostname(c),
            "environment" => self.environment(c, w),
            "interface" => self.interface(c),
            "route" => self.route(c),
            "ike" => self.ike(c),
            "ipsec" => self.ipsec(c),
            t if NOT_EMULATED.contains(&t) => {
                self.not_emulated(c, w, t);
                Ok(())
            }
            t => {
                let msg = format!("unknown command `{}`; ignored", show(t));
                let d = self.diagnostic(c.line, w.col, Severity::Warning, msg);
                self.unknown.push(d);
                Ok(())
            }
        }
    }

    pub(super) fn hostname(&mut self, c: &mut Cmd) -> R<()> {
        let w = self.need(c, "host name after `hostname`")?;
        if w.text.is_empty() || w.text.chars().any(char::is_control) {
            return self.fail(c, w, format!("invalid host name `{}`", show(&w.text)));
        }
        self.done(c, "hostname <name>")?;
        self.hostname = Some(w.text.clone());
        Ok(())
    }

    pub(super) fn environment(&mut self, c: &mut Cmd, cmd: &Word) -> R<()> {
        let w = self.need(c, "setting after `environment` (e.g. `login-timer`)")?;
        if w.text != "login-timer" {
            self.not_emulated(c, cmd, &format!("environment {}", show(&w.text)));
            return Ok(());
        }
        let v = self.need(c, "time or `none` after `login-timer`")?;
        if v.text != "none" && values::time(&v.text).is_none() {
            return self.fail(
                c,
                v,
                format!(
                    "invalid login timer `{}`: expected a time (e.g. `300s`, `10m`) or `none`",
                    show(&v.text)
                ),
            );
        }
        self.done(c, "environment login-timer <time>")
    }

    // ---------------------------------------------------------------------------------------
    // interface

    pub(super) fn interface(&mut self, c: &mut Cmd) -> R<()> {
        let ifw = self.need(c, "interface name after `interface`")?;
        let name = ifw.text.as_str();
        let ipsec = numbered(name, "ipsec");
        if !ipsec && !numbered(name, "lan") {
            let (fam, _) = family(name);
            if IF_FAMILIES_NOT_EMULATED.contains(&fam) && numbered(name, fam) {
                self.not_emulated(c, ifw, &format!("interface {name}"));
                if !self.ignored_ifs.iter().any(|n| n == name) {
                    self.ignored_ifs.push(name.to_string());
                }
                return Ok(());
            }
            return self.fail(
                c,
                ifw,
                format!(
                    "unknown interface `{}`: expected lanN or ipsecN",
                    show(name)
                ),
            );
        }
        let sub = self.need(c, &format!("subcommand after `interface {name}`"))?;
        let idx = self.iface(name, c.pos(ifw), ipsec);
        match sub.text.as_str() {
            "add" | "address" => {
                let a = self.need(c, "address after `add` (e.g. `192.168.0.1/24`)")?;
                match a.text.as_str() {
                    "dhcp" | "dhcp6" | "router-advertisement" => {
                        self.not_emulated(c, a, &format!("interface {name} add {}", a.text));
                        return Ok(());
                    }
                    t if values::looks_ipv6(t) => {
                        self.not_emulated(c, a, "IPv6 addresses");
                        return Ok(());
                    }
                    _ => {}
                }
                let addr = self.prefix_word(c, a, "interface address", true)?;
                if let Some(r) = c.peek() {
                    if r.text == "remote" {
                        self.not_emulated(c, r, "interface ... add ... remote");
                        return Ok(());
                    }
                }
                self.done(c, "interface <if> add <address/len>")?;
                if self.interfaces[idx].address.is_some() {
                    self.warn(
                        c.line,
                        a.col,
                        format!("{name} already has an address; aliases are not emulated by ikelab; ignored"),
                    );
                } else {
                    self.interfaces[idx].address = Some(addr);
                }
                Ok(())
            }
            "tunnel" => {
                if !ipsec {
                    return self.fail(
                        c,
                        sub,
                        format!("`tunnel` applies to ipsecN interfaces, not `{name}`"),
                    );
                }
                let s = self.need(c, "tunnel source address after `tunnel`")?;
                if s.text == "dslite" || values::looks_ipv6(&s.text) {
                    self.not_emulated(c, s, "IPv6 tunnels");
                    return Ok(());
                }
                let src = self.addr_word(c, s, "tunnel source")?;
                let d = self.need(c, "tunnel destination address after the source")?;
                let dst = self.addr_word(c, d, "tunnel destination")?;
                self.done(c, "interface <ipsecN> tunnel <src> <dst>")?;
                self.interfaces[idx].tunnel = Some((src, dst));
                self.interfaces[idx].tunnel_line = c.line;
                Ok(())
            }
            "unnumbered" => {
                let lease = match c.next() {
                    None => ("lan0".to_string(), None),
                    Some(on) if on.text == "on" => {
                        let l = self.need(c, "interface name after `on`")?;
                        (l.text.clone(), Some(c.pos(l)))
                    }
                    Some(w) => {
                        return self.fail(
                            c,
                            w,
                            format!(
                                "unexpected `{}`: expected `on <interface>` or nothing",
                                show(&w.text)
                            ),
                        );
                    }
                };
                self.done(c, "interface <if> unnumbered [on <if>]")?;
                self.interfaces[idx].unnumbered = Some(lease);
                Ok(())
            }
            t if IF_NOT_EMULATED.contains(&t) => {
                self.not_emulated(c, sub, &format!("interface ... {t}"));
                Ok(())
            }
            t => self.fail(
                c,
                sub,
                format!(
                    "unknown `interface` subcommand `{}`: expected add, tunnel or unnumbered",
                    show(t)
                ),
            ),
        }
    }

    /// The interface called `name`, declared here if new.
    pub(super) fn iface(&mut self, name: &str, pos: Pos, ipsec: bool) -> usize {
        if let Some(i) = self.interfaces.iter().position(|d| d.name == name) {
            return i;
        }
        self.interfaces.push(IfDecl {
            name: name.to_string(),
            pos,
            ipsec,
            address: None,
            tunnel: None,
            tunnel_line: 0,
            unnumbered: None,
        });
        self.interfaces.len() - 1
    }

    pub(super) fn addr_word(&mut self, c: &Cmd, w: &Word, what: &str) -> R<Ipv4Addr> {
        match values::ipv4(&w.text) {
            Some(a) => Ok(a),
            None => self.fail(
                c,
                w,
                format!(
                    "invalid {what} `{}`: expected an IPv4 address (a.b.c.d)",
                    show(&w.text)
                ),
            ),
        }
    }

    pub(super) fn prefix_word(
        &mut self,
        c: &Cmd,
        w: &Word,
        what: &str,
        need_len: bool,
    ) -> R<Ipv4Net> {
        match values::prefix(&w.text, !need_len) {
            Ok(p) => Ok(p),
            Err(PrefixError::Address) => self.fail(
                c,
                w,
                format!(
                    "invalid {what} `{}`: expected an IPv4 address{}",
                    show(&w.text),
                    if need_len {
                        " with a prefix length (a.b.c.d/len)"
                    } else {
                        " (a.b.c.d or a.b.c.d/len)"
                    }
                ),
            ),
            Err(PrefixError::Length) => self.fail(
                c,
                w,
                format!(
                    "invalid {what} `{}`: expected a prefix length 0-32 after `/`",
                    show(&w.text)
                ),
            ),
        }
    }

    // ---------------------------------------------------------------------------------------
    // route

    pub(super) fn route(&mut self, c: &mut Cmd) -> R<()> {
        let sub = self.need(c, "subcommand after `route` (e.g. `add`)")?;
        match sub.text.as_str() {
            "add" => {}
            "dynamic" | "delete" | "multipath" => {
                self.not_emulated(c, sub, &format!("route {}", sub.text));
                return Ok(());
            }
            t => {
                return self.fail(
                    c,
                    sub,
                    format!("unknown `route` subcommand `{}`: expected `add`", show(t)),
                );
            }
        }
        let d = self.need(
            c,
            "destination after `route add` (a.b.c.d/len or `default`)",
        )?;
        let prefix = if d.text == "default" {
            Ipv4Net::ANY
        } else if values::looks_ipv6(&d.text) {
            self.not_emulated(c, d, "IPv6 routes");
            return Ok(());
        } else {
            self.prefix_word(c, d, "route destination", false)?
        };
        if prefix.network() != prefix.addr {
            return self.fail(
                c,
                d,
                format!(
                    "route destination `{}` has host bits set: expected {}",
                    show(&d.text),
                    prefix.trunc()
                ),
            );
        }
        let g = self.need(c, "gateway address or interface after the destination")?;
        let via = if let Some(a) = values::ipv4(&g.text) {
            ViaDecl::Gateway(a)
        } else {
            match g.text.as_str() {
                "dhcp" | "discard" => {
                    self.not_emulated(c, g, &format!("route add ... {}", g.text));
                    return Ok(());
                }
                t if numbered(t, "lan") || numbered(t, "ipsec") => {
                    ViaDecl::Interface(t.to_string(), c.pos(g))
                }
                t if self.ignored_ifs.iter().any(|n| n == t) => {
                    self.warn(
                        c.line,
                        g.col,
                        format!("route via `{}`, which is not emulated; ignored", show(t)),
                    );
                    return Ok(());
                }
                t => {
                    return self.fail(
                        c,
                        g,
                        format!(
                            "invalid gateway `{}`: expected an IPv4 address or an interface (lanN, ipsecN)",
                            show(t)
                        ),
                    );
                }
            }
        };
        // Options of floating static routes.
        while let Some(o) = c.next() {
            match o.text.as_str() {
                "distance" | "metric" | "keepalive" | "target" | "send-interval" | "timeout"
                | "down-count" | "up-count" | "src" => {
                    self.need(c, &format!("value after `{}`", o.text))?;
                    self.not_emulated(c, o, &format!("route add ... {}", o.text));
                }
                t => {
                    return self.fail(c, o, format!("unknown `route add` option `{}`", show(t)));
                }
            }
        }
        self.routes.push(RouteDecl {
            line: c.line,
            prefix,
            via,
        });
        Ok(())
    }

    /// The `add` after `ike proposal` etc.
    pub(super) fn add(&mut self, c: &mut Cmd, cmd: &str) -> R<()> {
        let w = self.need(c, &format!("`add` after `{cmd}`"))?;
        if w.text == "add" {
            Ok(())
        } else {
            self.fail(
                c,
                w,
                format!(
                    "unknown `{cmd}` subcommand `{}`: expected `add`",
                    show(&w.text)
                ),
            )
        }
    }

    /// A new name for a definition.
    pub(super) fn new_name<'a>(&mut self, c: &mut Cmd<'a>, what: &str) -> R<&'a Word> {
        let w = self.need(c, &format!("{what} name"))?;
        if values::name_ok(&w.text) {
            Ok(w)
        } else {
            self.fail(
                c,
                w,
                format!(
                    "invalid {what} name `{}`: expected letters, digits, `-`, `_` or `.` (at most 64)",
                    show(&w.text)
                ),
            )
        }
    }

    /// A comma-separated algorithm list.
    pub(super) fn algs<T: Copy>(
        &mut self,
        c: &Cmd,
        w: &Word,
        what: &str,
        table: AlgTable<T>,
    ) -> R<Vec<T>> {
        let mut out = Vec::new();
        let mut col = w.col + usize::from(w.quoted);
        let mut any_known = false;
        for item in w.text.split(',') {
            match table.iter().find(|(n, _)| *n == item) {
                Some((_, Some(v))) => {
                    any_known = true;
                    out.push(*v);
                }
                Some((n, None)) => {
                    any_known = true;
                    self.warn(
                        c.line,
                        col,
                        format!("{what} `{n}` is not emulated by ikelab; ignored"),
                    );
                }
                None => {
                    self.error(
                        c.line,
                        col,
                        format!(
                            "unknown {what} `{}`: expected one of {}",
                            show(item),
                            values::names(table)
                        ),
                    );
                    return Err(Abandoned);
                }
            }
            col += item.chars().count() + 1;
        }
        if out.is_empty() {
            debug_assert!(any_known);
            return self.fail(
                c,
                w,
                format!(
                    "none of the {what}s `{}` is emulated by ikelab: expected one of {}",
                    show(&w.text),
                    values::names(table)
                        .split(", ")
                        .filter(|n| table.iter().any(|(m, v)| m == n && v.is_some()))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
        Ok(out)
    }

    pub(super) fn time_word(&mut self, c: &Cmd, w: &Word, what: &str) -> R<Duration> {
        match values::time(&w.text) {
            Some(d) => Ok(d),
            None => self.fail(
                c,
                w,
                format!(
                    "invalid {what} `{}`: expected a time such as `30s`, `10m`, `1h` or seconds (at least 1)",
                    show(&w.text)
                ),
            ),
        }
    }

    /// Marks `key` as seen; an error if it was already.
    pub(super) fn once(&mut self, c: &Cmd, k: &Word, seen: &mut Vec<String>) -> R<()> {
        if seen.contains(&k.text) {
            return self.fail(c, k, format!("`{}` is given twice", k.text));
        }
        seen.push(k.text.clone());
        Ok(())
    }

    pub(super) fn missing_param(&mut self, c: &Cmd, cmd: &str, p: &str, example: &str) -> R<()> {
        self.error(
            c.line,
            c.end(),
            format!("`{cmd}` is missing `{p}` (e.g. `{p} {example}`)"),
        );
        Err(Abandoned)
    }

    pub(super) fn switch_word(&mut self, c: &mut Cmd, k: &Word, on: &str, off: &str) -> R<bool> {
        let v = self.need(c, &format!("`{on}` or `{off}` after `{}`", k.text))?;
        match values::switch(&v.text, on, off) {
            Some(b) => Ok(b),
            None => self.fail(
                c,
                v,
                format!(
                    "invalid value `{}` for `{}`: expected `{on}` or `{off}`",
                    show(&v.text),
                    k.text
                ),
            ),
        }
    }
}
