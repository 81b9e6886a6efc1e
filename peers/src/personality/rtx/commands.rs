//! Reading the RTX dialect line by line into [`Ir`]: the syntax of each command. RTX configs are
//! flat (indentation is only for the reader), with one piece of context: `tunnel select N` makes
//! the following tunnel commands (`ipsec tunnel`, `tunnel encapsulation`) apply to tunnel N
//! until `tunnel select none` or another `tunnel select`. Gateways (`ipsec ike ... GW ...`) and
//! policies (`ipsec sa policy P GW ...`) are numbered and may be named before they are defined,
//! so names are resolved afterwards ([`super::config`]).

use std::collections::HashMap;
use std::net::Ipv4Addr;

use crate::crypto::{CipherAlg, DhGroup, HashAlg};
use crate::esp::IntegAlg;
use crate::ike::{Dpd, Identity, NatTraversal, QmId};
use crate::personality::ix::lex::{Args, Diags, Line, Pos, Word, addr, number, prefix, q};
use crate::prefix::Ipv4Net;
use crate::wire::IdData;

/// Highest gateway and tunnel number: RTX1210's range, 1-100 (command reference, chapter 15's
/// table; the RTX830 takes 1-20, a subset).
pub(super) const MAX_NUMBER: u32 = 100;
/// The SA lifetimes the command reference allows (`ipsec ike duration`: 300..691200 s).
const DURATION: std::ops::RangeInclusive<u32> = 300..=691_200;

/// A value with the line that set it.
#[derive(Clone, Debug)]
pub(super) struct At<T> {
    pub value: T,
    pub line: usize,
}

/// `ipsec ike remote address GW ...`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Remote {
    Address(Ipv4Addr),
    /// `any`: accept from anyone, never initiate.
    Any,
}

/// `ipsec ike keepalive use GW ...`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Keepalive {
    Off,
    Dpd(Dpd),
    /// Yamaha's own heartbeat (the default method) or ICMP echo: not modelled.
    Other,
}

/// A security gateway's settings (`ipsec ike ... GW ...`), by gateway number.
#[derive(Clone, Debug, Default)]
pub(super) struct GatewayIr {
    /// The first line that names it.
    pub first_line: usize,
    pub local_address: Option<At<Ipv4Addr>>,
    pub remote: Option<At<Remote>>,
    pub psk: Option<At<Vec<u8>>>,
    pub encryption: Option<At<CipherAlg>>,
    pub hash: Option<At<HashAlg>>,
    /// The phase-1 group, and the phase-2 (PFS) group if a second is given.
    pub group: Option<At<(DhGroup, Option<DhGroup>)>>,
    pub isakmp_duration: Option<At<u32>>,
    pub ipsec_duration: Option<At<u32>>,
    pub pfs: Option<At<bool>>,
    pub local_id: Option<At<QmId>>,
    pub remote_id: Option<At<QmId>>,
    pub nat_t: Option<At<NatTraversal>>,
    pub keepalive: Option<At<Keepalive>>,
    pub strict: Option<At<bool>>,
    /// `ipsec ike local name`: Aggressive Mode with this identity.
    pub local_name: Option<At<Identity>>,
    /// `ipsec auto refresh GW on|off`.
    pub auto_refresh: Option<bool>,
}

/// `ipsec sa policy P GW esp ...`.
#[derive(Clone, Debug)]
pub(super) struct SaPolicyIr {
    pub line: usize,
    pub gateway: u32,
    pub gateway_pos: Pos,
    pub cipher: CipherAlg,
    pub integ: IntegAlg,
    pub local_id: Option<QmId>,
    pub remote_id: Option<QmId>,
}

/// A tunnel interface (`tunnel select N`).
#[derive(Clone, Debug)]
pub(super) struct TunnelIr {
    pub number: u32,
    /// The `tunnel select N` line.
    pub line: usize,
    /// `ipsec tunnel P`, with where.
    pub policy: Option<(u32, Pos)>,
    /// `tunnel encapsulation` other than ipsec: not modelled.
    pub other_encapsulation: bool,
    /// One of its commands was an error: nothing more is said about it.
    pub broken: bool,
    pub enabled: bool,
}

/// `ip lanN address A/N`.
#[derive(Clone, Debug)]
pub(super) struct LanIr {
    pub name: String,
    pub line: usize,
    pub address: Ipv4Net,
}

/// Where an `ip route` points.
#[derive(Clone, Debug)]
pub(super) enum Via {
    Gateway(Ipv4Addr),
    Tunnel(u32, Pos),
}

#[derive(Clone, Debug)]
pub(super) struct RouteIr {
    pub line: usize,
    pub prefix: Ipv4Net,
    pub via: Via,
}

/// The config as read, numbers unresolved.
#[derive(Debug, Default)]
pub(super) struct Ir {
    pub lans: Vec<LanIr>,
    lan_index: HashMap<String, usize>,
    pub routes: Vec<RouteIr>,
    pub gateways: Vec<(u32, GatewayIr)>,
    gateway_index: HashMap<u32, usize>,
    pub policies: HashMap<u32, SaPolicyIr>,
    /// `ipsec sa policy` numbers whose line was an error: a tunnel naming one is not an error
    /// again.
    pub failed_policies: std::collections::HashSet<u32>,
    /// Gateways named by a line that was an error: a missing setting is not said again.
    pub failed_gateways: std::collections::HashSet<u32>,
    pub tunnels: Vec<TunnelIr>,
    tunnel_index: HashMap<u32, usize>,
    /// `tunnel enable N` / `tunnel disable N` lines for tunnels not (yet) selected.
    pub enables: Vec<(u32, Pos, bool)>,
    /// `ipsec auto refresh on|off` (global; the command reference's default is off).
    pub auto_refresh: bool,
    /// `ipsec ike retry COUNT INTERVAL`.
    pub retry: Option<(u32, u32)>,
    /// The tunnel `tunnel select` chose (index into `tunnels`).
    selected: Option<usize>,
    /// The last `tunnel select` was an error: the tunnel commands after it are not checked.
    select_failed: bool,
    /// Lines read.
    lines: usize,
    /// Lines whose first word is no RTX command, with their warning: said only if another
    /// line is an RTX command ([`Ir::is_foreign`]).
    pub unknown: Vec<(Pos, String)>,
}

/// First words of RTX commands that exist but are not modelled (ignored with a warning).
const KNOWN_GLOBAL: &[&str] = &[
    "login",
    "administrator",
    "console",
    "timezone",
    "dns",
    "dhcp",
    "nat",
    "syslog",
    "security",
    "pp",
    "provider",
    "description",
    "ipv6",
    "statistics",
    "telnetd",
    "sshd",
    "httpd",
    "schedule",
    "sntpd",
    "ntpdate",
    "lan",
    "vlan",
    "switch",
    "l2tp",
    "pptp",
    "upnp",
    "operation",
    "netvolante-dns",
    "bgp",
    "ospf",
    "auth",
    "save",
    "show",
    "quit",
];

/// `ipsec ike ...` commands of chapter 15 that are not modelled.
const KNOWN_IKE: &[&str] = &[
    "auth",
    "pki",
    "eap",
    "always-on",
    "log",
    "queue",
    "payload",
    "backward-compatibility",
    "send",
    "xauth",
    "mode-cfg",
    "license-key",
    "esp-encapsulation",
    "proposal-limitation",
    "message-id-control",
    "child-exchange",
    "negotiation",
    "restrict-dangling-sa",
    "remote",
    "auto",
];

/// `ipsec ...` commands of chapter 15 that are not modelled.
const KNOWN_IPSEC: &[&str] = &["use", "log", "transport", "refresh", "sa", "tunnel"];

fn on_off(s: &str) -> Result<bool, String> {
    match s {
        "on" => Ok(true),
        "off" => Ok(false),
        _ => Err(format!("expected on or off, found {}", q(s))),
    }
}

/// A gateway or tunnel number, 1..=[`MAX_NUMBER`].
fn numbered(s: &str) -> Result<u32, String> {
    match number(s)? {
        n @ 1..=MAX_NUMBER => Ok(n),
        _ => Err(format!("{} is not 1-{MAX_NUMBER}", q(s))),
    }
}

fn duration(s: &str) -> Result<u32, String> {
    let n = number(s)?;
    if DURATION.contains(&n) {
        Ok(n)
    } else {
        Err(format!(
            "{} seconds is out of range (expected {}-{})",
            q(s),
            DURATION.start(),
            DURATION.end()
        ))
    }
}

pub(super) fn ike_cipher(s: &str) -> Result<CipherAlg, String> {
    match s {
        "3des-cbc" => Ok(CipherAlg::TripleDesCbc),
        "aes-cbc" => Ok(CipherAlg::AesCbc { key_len: 16 }),
        "aes256-cbc" => Ok(CipherAlg::AesCbc { key_len: 32 }),
        "des-cbc" => Err(format!(
            "{} is not supported by the engine (supported: 3des-cbc, aes-cbc, aes256-cbc)",
            q(s)
        )),
        _ => Err(format!(
            "unknown algorithm {} (expected 3des-cbc, aes-cbc or aes256-cbc)",
            q(s)
        )),
    }
}

fn ike_hash(s: &str) -> Result<HashAlg, String> {
    match s {
        "sha" => Ok(HashAlg::Sha1),
        "sha256" => Ok(HashAlg::Sha256),
        "md5" => Ok(HashAlg::Md5),
        "sha384" | "sha512" => Err(format!(
            "{} is not supported by the engine (supported: sha, sha256, md5)",
            q(s)
        )),
        _ => Err(format!(
            "unknown hash {} (expected sha, sha256 or md5)",
            q(s)
        )),
    }
}

fn group(s: &str) -> Result<DhGroup, String> {
    match s {
        "modp768" => Ok(DhGroup::Modp768),
        "modp1024" => Ok(DhGroup::Modp1024),
        "modp1536" => Ok(DhGroup::Modp1536),
        "modp2048" => Ok(DhGroup::Modp2048),
        _ => Err(format!(
            "unknown group {} (expected modp768, modp1024, modp1536 or modp2048)",
            q(s)
        )),
    }
}

fn esp_integ(s: &str) -> Option<Result<IntegAlg, String>> {
    Some(match s {
        "sha-hmac" => Ok(IntegAlg::HmacSha1_96),
        "sha256-hmac" => Ok(IntegAlg::HmacSha256_128),
        "md5-hmac" => Ok(IntegAlg::HmacMd5_96),
        "sha384-hmac" | "sha512-hmac" => Err(format!(
            "{} is not supported by the engine (supported: sha-hmac, sha256-hmac, md5-hmac)",
            q(s)
        )),
        _ => return None,
    })
}

/// A phase-2 ID as RTX writes it: `A` is ID_IPV4_ADDR; `A/len` or `A/a.b.c.d` (a mask) is
/// ID_IPV4_ADDR_SUBNET, even for /32 (chapter 15: "with a mask, type 4").
pub(super) fn rtx_id(s: &str) -> Result<QmId, String> {
    let data = match s.split_once('/') {
        None => IdData::Ipv4Addr(addr(s)?),
        Some((a, m)) if m.contains('.') => {
            let mask = addr(m).map_err(|_| format!("{} is not a netmask", q(m)))?;
            let bits = u32::from(mask);
            if bits.leading_ones() + bits.trailing_zeros() != 32 {
                return Err(format!("{} is not a netmask", q(m)));
            }
            let a = addr(a)?;
            IdData::Ipv4Subnet(Ipv4Addr::from(u32::from(a) & bits), mask)
        }
        Some(_) => {
            let p = prefix(s, false)?;
            let bits = u32::MAX
                .checked_shl(32 - u32::from(p.prefix_len))
                .unwrap_or(0);
            IdData::Ipv4Subnet(
                Ipv4Addr::from(u32::from(p.addr) & bits),
                Ipv4Addr::from(bits),
            )
        }
    };
    Ok(QmId {
        data,
        protocol: 0,
        port: 0,
    })
}

/// A pre-shared key: `text KEY` or `0x...` hex.
fn psk(a: &mut Args<'_, '_>, d: &mut Diags) -> Option<Vec<u8>> {
    let w = a.need(d, "`text <key>` or a 0x... key")?;
    if w.text == "text" {
        let k = a.need(d, "the key")?;
        return Some(k.text.as_bytes().to_vec());
    }
    let Some(hex) = w.text.strip_prefix("0x") else {
        a.wrong(d, w, "`text <key>` or a 0x... key");
        return None;
    };
    let bytes: Option<Vec<u8>> = (hex.len() % 2 == 0 && !hex.is_empty())
        .then(|| {
            (0..hex.len())
                .step_by(2)
                .map(|i| {
                    hex.get(i..i + 2)
                        .and_then(|b| u8::from_str_radix(b, 16).ok())
                })
                .collect()
        })
        .flatten();
    if bytes.is_none() {
        d.error(
            w.pos,
            format!(
                "ipsec ike pre-shared-key: {} is not an even number of hex digits after 0x",
                q(w.text)
            ),
        );
    }
    bytes
}

/// The command's name for messages: up to its first three words for the families.
fn cmd_name(l: &Line<'_>) -> String {
    let (w0, w1, w2) = (l.word(0), l.word(1), l.word(2));
    match (w0, w1) {
        ("ipsec", "ike" | "sa" | "auto") if !w2.is_empty() => format!("{w0} {w1} {w2}"),
        ("ip" | "ipsec" | "tunnel", _) if !w1.is_empty() => format!("{w0} {w1}"),
        _ => w0.to_string(),
    }
}

impl Ir {
    /// Whether lines were read and none of them is an RTX command.
    pub fn is_foreign(&self) -> bool {
        self.lines > 0 && self.unknown.len() == self.lines
    }

    /// The gateway numbered `n`, created (at `line`) if new.
    fn gateway(&mut self, n: u32, line: usize) -> &mut GatewayIr {
        let i = *self.gateway_index.entry(n).or_insert_with(|| {
            self.gateways.push((
                n,
                GatewayIr {
                    first_line: line,
                    ..GatewayIr::default()
                },
            ));
            self.gateways.len() - 1
        });
        &mut self.gateways[i].1
    }

    /// The gateway numbered `n`, if any line named it.
    pub fn gateway_of(&self, n: u32) -> Option<&GatewayIr> {
        self.gateway_index.get(&n).map(|&i| &self.gateways[i].1)
    }

    fn tunnel(&mut self, n: u32, line: usize) -> usize {
        *self.tunnel_index.entry(n).or_insert_with(|| {
            self.tunnels.push(TunnelIr {
                number: n,
                line,
                policy: None,
                other_encapsulation: false,
                broken: false,
                enabled: false,
            });
            self.tunnels.len() - 1
        })
    }

    /// The tunnel numbered `n`, if selected somewhere.
    pub fn tunnel_of(&self, n: u32) -> Option<&TunnelIr> {
        self.tunnel_index.get(&n).map(|&i| &self.tunnels[i])
    }

    /// Reads one line.
    pub fn line(&mut self, l: &Line<'_>, d: &mut Diags) {
        self.lines += 1;
        let (w0, w1) = (l.word(0), l.word(1));
        match (w0, w1) {
            ("ip", "route") => self.ip_route(l, d),
            ("ip", w) if w.starts_with("lan") && l.word(2) == "address" => self.ip_lan(l, d),
            ("ip", _) => self.not_modelled(l, d),
            ("tunnel", "select") => self.tunnel_select(l, d),
            ("tunnel", "enable" | "disable") => self.tunnel_enable(l, d, w1 == "enable"),
            ("tunnel", "encapsulation") => self.tunnel_encapsulation(l, d),
            ("tunnel", _) => self.not_modelled(l, d),
            ("ipsec", "tunnel") => {
                let before = d.errors();
                self.ipsec_tunnel(l, d);
                if d.errors() > before {
                    if let Some(t) = self.selected {
                        self.tunnels[t].broken = true;
                    }
                }
            }
            ("ipsec", "sa") if l.word(2) == "policy" => {
                let before = d.errors();
                self.sa_policy(l, d);
                if d.errors() > before {
                    if let Ok(n) = number(l.word(3)) {
                        self.failed_policies.insert(n);
                    }
                }
            }
            ("ipsec", "auto") if l.word(2) == "refresh" => self.auto_refresh(l, d),
            ("ipsec", "ike") => {
                let before = d.errors();
                self.ike(l, d);
                if d.errors() > before {
                    if let Some(n) = [l.word(3), l.word(4)]
                        .into_iter()
                        .find_map(|w| numbered(w).ok())
                    {
                        self.failed_gateways.insert(n);
                    }
                }
            }
            ("ipsec", w) if KNOWN_IPSEC.contains(&w) => self.not_modelled(l, d),
            ("ipsec", _) => self.unknown(l),
            (w, _) if KNOWN_GLOBAL.contains(&w) => self.not_modelled(l, d),
            _ => self.unknown(l),
        }
    }

    fn unknown(&mut self, l: &Line<'_>) {
        self.unknown.push((
            l.words[0].pos,
            format!("unknown command {}; ignored", q(&cmd_name(l))),
        ));
    }

    fn not_modelled(&mut self, l: &Line<'_>, d: &mut Diags) {
        d.warn(
            l.words[0].pos,
            format!(
                "{} is not modelled by this simulation; ignored",
                q(&cmd_name(l))
            ),
        );
    }

    fn ip_lan(&mut self, l: &Line<'_>, d: &mut Diags) {
        let name = l.word(1);
        let digits = &name[3..];
        let cmd = format!("ip {name} address");
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 2 {
            return d.error(
                l.words[1].pos,
                format!(
                    "ip: unknown interface {} (expected lan1, lan2, ...)",
                    q(name)
                ),
            );
        }
        let mut a = Args::new(l, 3, &cmd);
        let Some(w) = a.need(d, "an address (a.b.c.d/len)") else {
            return;
        };
        if w.text == "dhcp" {
            return d.warn(
                w.pos,
                format!("{cmd}: DHCP is not modelled; {name} has no address"),
            );
        }
        let p = match prefix(w.text, false) {
            Ok(p) if (1..=30).contains(&p.prefix_len) => p,
            Ok(_) => {
                return d.error(
                    w.pos,
                    format!(
                        "{cmd}: {} is not an interface address (expected a prefix length of 1-30)",
                        q(w.text)
                    ),
                );
            }
            Err(why) => return d.error(w.pos, format!("{cmd}: {why}")),
        };
        if a.done(d).is_none() {
            return;
        }
        let lan = LanIr {
            name: name.to_string(),
            line: w.pos.line,
            address: p,
        };
        match self.lan_index.get(name) {
            Some(&i) => self.lans[i] = lan,
            None => {
                self.lan_index.insert(name.to_string(), self.lans.len());
                self.lans.push(lan);
            }
        }
    }

    fn ip_route(&mut self, l: &Line<'_>, d: &mut Diags) {
        let mut a = Args::new(l, 2, "ip route");
        let Some((dest, w)) = a.value(d, "a destination (a.b.c.d/len or default)", |s| {
            if s == "default" {
                Ok(Ipv4Net::ANY)
            } else {
                prefix(s, true)
            }
        }) else {
            return;
        };
        if a.keyword(d, "gateway").is_none() {
            return;
        }
        let Some(g) = a.need(d, "a gateway address or `tunnel <n>`") else {
            return;
        };
        let via = match g.text {
            "tunnel" => {
                let Some((n, nw)) = a.value(d, "a tunnel number", numbered) else {
                    return;
                };
                Via::Tunnel(n, nw.pos)
            }
            "pp" | "dhcp" | "dhcpc" | "null" | "loopback" => {
                return d.warn(
                    g.pos,
                    format!(
                        "ip route: a route via {} is not modelled; ignored",
                        q(g.text)
                    ),
                );
            }
            s => match addr(s) {
                Ok(a) => Via::Gateway(a),
                Err(why) => return d.error(g.pos, format!("ip route: {why}")),
            },
        };
        if let Some(extra) = a.peek() {
            // `metric N`, `hide`, `weight N`, a second gateway: not modelled.
            d.warn(
                extra.pos,
                format!(
                    "ip route: options from {} on are not modelled; ignored",
                    q(extra.text)
                ),
            );
        }
        self.push_route(w, dest, via, d);
    }

    fn push_route(&mut self, w: Word<'_>, dest: Ipv4Net, via: Via, d: &mut Diags) {
        let net = dest.trunc();
        if net != dest {
            d.warn(
                w.pos,
                format!("ip route: {} has host bits set; read as {net}", q(w.text)),
            );
        }
        self.routes.push(RouteIr {
            line: w.pos.line,
            prefix: net,
            via,
        });
    }

    fn tunnel_select(&mut self, l: &Line<'_>, d: &mut Diags) {
        let mut a = Args::new(l, 2, "tunnel select");
        let Some(w) = a.need(d, "a tunnel number or `none`") else {
            return;
        };
        self.selected = None;
        self.select_failed = true;
        if w.text == "none" {
            if a.done(d).is_some() {
                self.select_failed = false;
            }
            return;
        }
        let n = match numbered(w.text) {
            Ok(n) => n,
            Err(why) => return d.error(w.pos, format!("tunnel select: {why}")),
        };
        if a.done(d).is_some() {
            self.selected = Some(self.tunnel(n, w.pos.line));
            self.select_failed = false;
        }
    }

    fn tunnel_enable(&mut self, l: &Line<'_>, d: &mut Diags, on: bool) {
        let cmd = if on {
            "tunnel enable"
        } else {
            "tunnel disable"
        };
        let mut a = Args::new(l, 2, cmd);
        let Some(w) = a.need(d, "a tunnel number") else {
            return;
        };
        if w.text == "all" {
            if a.done(d).is_some() {
                for t in &mut self.tunnels {
                    t.enabled = on;
                }
                self.enables.push((0, w.pos, on));
            }
            return;
        }
        let n = match numbered(w.text) {
            Ok(n) => n,
            Err(why) => return d.error(w.pos, format!("{cmd}: {why}")),
        };
        if a.done(d).is_none() {
            return;
        }
        match self.tunnel_index.get(&n) {
            Some(&i) => self.tunnels[i].enabled = on,
            None => self.enables.push((n, w.pos, on)),
        }
    }

    /// The selected tunnel, or an error naming `cmd`.
    fn selected(&self, l: &Line<'_>, d: &mut Diags, cmd: &str) -> Option<usize> {
        if self.selected.is_none() && !self.select_failed {
            d.error(
                l.words[0].pos,
                format!("{cmd}: no tunnel is selected (expected `tunnel select <n>` before it)"),
            );
        }
        self.selected
    }

    fn tunnel_encapsulation(&mut self, l: &Line<'_>, d: &mut Diags) {
        let Some(t) = self.selected(l, d, "tunnel encapsulation") else {
            return;
        };
        let mut a = Args::new(l, 2, "tunnel encapsulation");
        let Some(w) = a.need(d, "an encapsulation (ipsec)") else {
            return;
        };
        if a.done(d).is_none() {
            return;
        }
        let other = match w.text {
            "ipsec" => false,
            "l2tp" | "l2tpv3" | "l2tpv3-raw" | "ipip" | "nvgre" | "map-e" | "ipip6" => {
                d.warn(
                    w.pos,
                    format!(
                        "tunnel encapsulation {} is not modelled; tunnel {} is ignored",
                        q(w.text),
                        self.tunnels[t].number
                    ),
                );
                true
            }
            _ => return a.wrong(d, w, "an encapsulation (ipsec, l2tp, ipip, ...)"),
        };
        self.tunnels[t].other_encapsulation = other;
    }

    fn ipsec_tunnel(&mut self, l: &Line<'_>, d: &mut Diags) {
        let Some(t) = self.selected(l, d, "ipsec tunnel") else {
            return;
        };
        let mut a = Args::new(l, 2, "ipsec tunnel");
        let Some((p, w)) = a.value(d, "an `ipsec sa policy` number", positive) else {
            return;
        };
        if a.done(d).is_some() {
            self.tunnels[t].policy = Some((p, w.pos));
        }
    }

    fn sa_policy(&mut self, l: &Line<'_>, d: &mut Diags) {
        let mut a = Args::new(l, 3, "ipsec sa policy");
        let Some((id, _)) = a.value(d, "a policy number", positive) else {
            return;
        };
        let Some((gateway, gw)) = a.value(d, "a gateway number", numbered) else {
            return;
        };
        let Some(proto) = a.need(d, "`esp`") else {
            return;
        };
        match proto.text {
            "esp" => {}
            "ah" => {
                return d.error(
                    proto.pos,
                    "ipsec sa policy: AH is not supported by the engine (expected `esp`)",
                );
            }
            _ => return a.wrong(d, proto, "`esp`"),
        }
        // Chapter 15: the encryption defaults to aes-cbc; ESP has no authentication by default,
        // which the engine cannot negotiate, so one is required.
        let (mut cipher, mut integ) = (None, None);
        let (mut local_id, mut remote_id) = (None, None);
        while let Some(w) = a.next() {
            if let Some((k, v)) = w.text.split_once('=') {
                let slot = match k {
                    "local-id" => &mut local_id,
                    "remote-id" => &mut remote_id,
                    "anti-replay-check" => {
                        if let Err(why) = on_off(v) {
                            return d.error(w.pos, format!("ipsec sa policy: {why}"));
                        }
                        continue;
                    }
                    _ => {
                        return a.wrong(d, w, "local-id=, remote-id= or anti-replay-check=");
                    }
                };
                match rtx_id(v) {
                    Ok(id) => *slot = Some(id),
                    Err(why) => return d.error(w.pos, format!("ipsec sa policy: {k}: {why}")),
                }
                continue;
            }
            if cipher.is_none() && integ.is_none() {
                match ike_cipher(w.text) {
                    Ok(c) => {
                        cipher = Some(c);
                        continue;
                    }
                    Err(why) if w.text == "des-cbc" => {
                        return d.error(w.pos, format!("ipsec sa policy: {why}"));
                    }
                    Err(_) => {}
                }
            }
            match (integ, esp_integ(w.text)) {
                (None, Some(Ok(i))) => integ = Some(i),
                (None, Some(Err(why))) => return d.error(w.pos, format!("ipsec sa policy: {why}")),
                _ => {
                    return a.wrong(
                        d,
                        w,
                        "an encryption (3des-cbc, aes-cbc, aes256-cbc), then an authentication (sha-hmac, sha256-hmac, md5-hmac)",
                    );
                }
            }
        }
        let Some(integ) = integ else {
            return d.error(
                a.end(),
                "ipsec sa policy: missing an authentication algorithm (sha-hmac, sha256-hmac, md5-hmac): ESP without one is not supported by the engine",
            );
        };
        self.policies.insert(
            id,
            SaPolicyIr {
                line: l.words[0].pos.line,
                gateway,
                gateway_pos: gw.pos,
                cipher: cipher.unwrap_or(CipherAlg::AesCbc { key_len: 16 }),
                integ,
                local_id,
                remote_id,
            },
        );
    }

    fn auto_refresh(&mut self, l: &Line<'_>, d: &mut Diags) {
        let mut a = Args::new(l, 3, "ipsec auto refresh");
        let Some(w) = a.need(d, "on, off, or a gateway number") else {
            return;
        };
        if let Ok(on) = on_off(w.text) {
            if a.done(d).is_some() {
                self.auto_refresh = on;
            }
            return;
        }
        let n = match numbered(w.text) {
            Ok(n) => n,
            Err(_) => return a.wrong(d, w, "on, off, or a gateway number"),
        };
        let Some((on, _)) = a.value(d, "on or off", on_off) else {
            return;
        };
        if a.done(d).is_some() {
            self.gateway(n, w.pos.line).auto_refresh = Some(on);
        }
    }

    fn ike(&mut self, l: &Line<'_>, d: &mut Diags) {
        let (w2, w3) = (l.word(2), l.word(3));
        match (w2, w3) {
            ("local", "address") => self.gw_value(l, d, 4, "an address", addr, |g, v| {
                g.local_address = Some(v);
            }),
            ("local", "id") => {
                self.gw_value(l, d, 4, "an ID (a.b.c.d[/mask])", rtx_id, |g, v| {
                    g.local_id = Some(v);
                })
            }
            ("remote", "id") => {
                self.gw_value(l, d, 4, "an ID (a.b.c.d[/mask])", rtx_id, |g, v| {
                    g.remote_id = Some(v);
                })
            }
            ("remote", "address") => self.gw_value(
                l,
                d,
                4,
                "an address or `any`",
                |s| {
                    if s == "any" {
                        Ok(Remote::Any)
                    } else {
                        addr(s).map(Remote::Address)
                    }
                },
                |g, v| g.remote = Some(v),
            ),
            ("local", "name") => self.local_name(l, d),
            ("remote", "name") => d.warn(
                l.words[0].pos,
                "ipsec ike remote name: peers are told apart by address in this simulation; ignored",
            ),
            ("pre-shared-key", _) => {
                let mut a = Args::new(l, 3, "ipsec ike pre-shared-key");
                let Some((n, w)) = a.value(d, "a gateway number", numbered) else {
                    return;
                };
                let Some(key) = psk(&mut a, d) else {
                    return;
                };
                if a.done(d).is_some() {
                    self.gateway(n, w.pos.line).psk = Some(At {
                        value: key,
                        line: w.pos.line,
                    });
                }
            }
            ("encryption", _) => self.gw_value(l, d, 3, "an algorithm", ike_cipher, |g, v| {
                g.encryption = Some(v);
            }),
            ("hash", _) => self.gw_value(l, d, 3, "a hash algorithm", ike_hash, |g, v| {
                g.hash = Some(v);
            }),
            ("group", _) => self.group(l, d),
            ("pfs", _) => self.gw_value(l, d, 3, "on or off", on_off, |g, v| g.pfs = Some(v)),
            ("negotiate-strictly", _) => {
                self.gw_value(l, d, 3, "on or off", on_off, |g, v| g.strict = Some(v))
            }
            ("duration", "ipsec-sa" | "child-sa" | "isakmp-sa" | "ike-sa") => self.duration(l, d),
            ("duration", _) => {
                let mut a = Args::new(l, 3, "ipsec ike duration");
                if let Some(w) = a.next() {
                    a.wrong(d, w, "ipsec-sa or isakmp-sa");
                } else {
                    d.error(a.end(), "ipsec ike duration: missing ipsec-sa or isakmp-sa");
                }
            }
            ("nat-traversal", _) => self.nat_traversal(l, d),
            ("keepalive", "use") => self.keepalive(l, d),
            ("version", _) => self.gw_value(
                l,
                d,
                3,
                "an IKE version (1)",
                |s| match s {
                    "1" => Ok(()),
                    "2" => Err("IKEv2 is not supported by the engine (expected 1)".to_string()),
                    _ => Err(format!("unknown IKE version {} (expected 1 or 2)", q(s))),
                },
                |_, _| {},
            ),
            ("retry", _) => {
                let mut a = Args::new(l, 3, "ipsec ike retry");
                let Some((count, _)) = a.value(d, "a retry count (1-50)", |s| {
                    number(s).and_then(|n| {
                        (1..=50)
                            .contains(&n)
                            .then_some(n)
                            .ok_or_else(|| format!("{} is not 1-50", q(s)))
                    })
                }) else {
                    return;
                };
                let Some((interval, _)) = a.value(d, "an interval in seconds (1-100)", |s| {
                    number(s).and_then(|n| {
                        (1..=100)
                            .contains(&n)
                            .then_some(n)
                            .ok_or_else(|| format!("{} is not 1-100", q(s)))
                    })
                }) else {
                    return;
                };
                // max_session: not modelled.
                if a.peek().is_some() && a.value(d, "a session count", number).is_none() {
                    return;
                }
                if a.done(d).is_some() {
                    self.retry = Some((count, interval));
                }
            }
            (w, _) if KNOWN_IKE.contains(&w) => self.not_modelled(l, d),
            _ => self.unknown(l),
        }
    }

    /// `ipsec ike <words> GW VALUE`: the gateway number at word `at`, then one value.
    fn gw_value<T>(
        &mut self,
        l: &Line<'_>,
        d: &mut Diags,
        at: usize,
        what: &str,
        parse: impl Fn(&str) -> Result<T, String>,
        set: impl FnOnce(&mut GatewayIr, At<T>),
    ) {
        let cmd = cmd_name_n(l, at);
        let mut a = Args::new(l, at, &cmd);
        let Some((n, w)) = a.value(d, "a gateway number", numbered) else {
            return;
        };
        let Some((v, _)) = a.value(d, what, parse) else {
            return;
        };
        if a.done(d).is_some() {
            let line = w.pos.line;
            set(self.gateway(n, line), At { value: v, line });
        }
    }

    fn local_name(&mut self, l: &Line<'_>, d: &mut Diags) {
        let mut a = Args::new(l, 4, "ipsec ike local name");
        let Some((n, w)) = a.value(d, "a gateway number", numbered) else {
            return;
        };
        let Some(name) = a.need(d, "a name") else {
            return;
        };
        let id = match a.next().map(|t| (t.text, t)) {
            None | Some(("fqdn", _)) => Identity::Fqdn(name.text.to_string()),
            Some(("user-fqdn" | "rfc822-addr", _)) => Identity::UserFqdn(name.text.to_string()),
            Some((_, t)) => {
                return d.error(
                    t.pos,
                    format!(
                        "ipsec ike local name: ID type {} is not supported by the engine (expected fqdn or user-fqdn)",
                        q(t.text)
                    ),
                );
            }
        };
        if a.done(d).is_some() {
            let line = w.pos.line;
            self.gateway(n, line).local_name = Some(At { value: id, line });
        }
    }

    fn group(&mut self, l: &Line<'_>, d: &mut Diags) {
        let mut a = Args::new(l, 3, "ipsec ike group");
        let Some((n, w)) = a.value(d, "a gateway number", numbered) else {
            return;
        };
        let Some((g1, _)) = a.value(d, "a group", group) else {
            return;
        };
        let g2 = match a.peek() {
            Some(_) => match a.value(d, "a group", group) {
                Some((g, _)) => Some(g),
                None => return,
            },
            None => None,
        };
        if a.done(d).is_some() {
            let line = w.pos.line;
            self.gateway(n, line).group = Some(At {
                value: (g1, g2),
                line,
            });
        }
    }

    fn duration(&mut self, l: &Line<'_>, d: &mut Diags) {
        let isakmp = matches!(l.word(3), "isakmp-sa" | "ike-sa");
        let cmd = cmd_name_n(l, 4);
        let mut a = Args::new(l, 4, &cmd);
        let Some((n, w)) = a.value(d, "a gateway number", numbered) else {
            return;
        };
        let Some((secs, _)) = a.value(d, "a lifetime in seconds (300-691200)", duration) else {
            return;
        };
        while let Some(x) = a.next() {
            // kbytes, `rekey N%`, forced-reduction=: not modelled.
            if x.text == "rekey" {
                a.next();
            }
            d.warn(
                x.pos,
                format!("{cmd}: {} is not modelled; ignored", q(x.text)),
            );
        }
        let line = w.pos.line;
        let g = self.gateway(n, line);
        let at = Some(At { value: secs, line });
        if isakmp {
            g.isakmp_duration = at;
        } else {
            g.ipsec_duration = at;
        }
    }

    fn nat_traversal(&mut self, l: &Line<'_>, d: &mut Diags) {
        let mut a = Args::new(l, 3, "ipsec ike nat-traversal");
        let Some((n, w)) = a.value(d, "a gateway number", numbered) else {
            return;
        };
        let Some((on, _)) = a.value(d, "on or off", on_off) else {
            return;
        };
        let mut force = false;
        while let Some(x) = a.next() {
            match x.text.split_once('=') {
                Some(("force", v)) => match on_off(v) {
                    Ok(f) => force = f,
                    Err(why) => {
                        return d.error(x.pos, format!("ipsec ike nat-traversal: force: {why}"));
                    }
                },
                Some(("keepalive" | "type", _)) => d.warn(
                    x.pos,
                    format!(
                        "ipsec ike nat-traversal: {} is not modelled; ignored",
                        q(x.text)
                    ),
                ),
                _ => return a.wrong(d, x, "force=, keepalive= or type="),
            }
        }
        let value = match (on, force) {
            (false, _) => NatTraversal::Off,
            (true, false) => NatTraversal::On,
            (true, true) => NatTraversal::Force,
        };
        let line = w.pos.line;
        self.gateway(n, line).nat_t = Some(At { value, line });
    }

    fn keepalive(&mut self, l: &Line<'_>, d: &mut Diags) {
        let mut a = Args::new(l, 4, "ipsec ike keepalive use");
        let Some((n, w)) = a.value(d, "a gateway number", numbered) else {
            return;
        };
        let Some(sw) = a.need(d, "on, off or auto") else {
            return;
        };
        let on = match sw.text {
            "on" | "auto" => true,
            "off" => false,
            _ => return a.wrong(d, sw, "on, off or auto"),
        };
        let method = a.next();
        let value = match (on, method.map(|m| m.text)) {
            (false, _) => Keepalive::Off,
            (true, Some("dpd")) => {
                // Chapter 15: interval 10 s and count 6 by default; upwait is not modelled.
                let mut nums = vec![];
                while let Some(x) = a.next() {
                    match number(x.text) {
                        Ok(v) => nums.push((v, x)),
                        Err(why) => {
                            return d.error(x.pos, format!("ipsec ike keepalive use: {why}"));
                        }
                    }
                }
                let interval = nums.first().map_or(10, |x| x.0);
                let count = nums.get(1).map_or(6, |x| x.0);
                if !(1..=600).contains(&interval) {
                    let pos = nums.first().map_or(sw.pos, |x| x.1.pos);
                    return d.error(pos, "ipsec ike keepalive use: the interval is not 1-600");
                }
                if !(1..=50).contains(&count) {
                    let pos = nums.get(1).map_or(sw.pos, |x| x.1.pos);
                    return d.error(pos, "ipsec ike keepalive use: the count is not 1-50");
                }
                if let Some(x) = nums.get(3) {
                    return d.error(
                        x.1.pos,
                        "ipsec ike keepalive use: unexpected word; expected the end of the line",
                    );
                }
                let interval = std::time::Duration::from_secs(u64::from(interval));
                Keepalive::Dpd(Dpd {
                    interval,
                    retry: interval,
                    max_fails: count,
                })
            }
            (true, m) => {
                let pos = method.map_or(sw.pos, |m| m.pos);
                d.warn(
                    pos,
                    format!(
                        "ipsec ike keepalive use: {} is Yamaha's own keepalive, not modelled; only DPD (`dpd`) is",
                        q(m.unwrap_or("heartbeat"))
                    ),
                );
                Keepalive::Other
            }
        };
        let line = w.pos.line;
        self.gateway(n, line).keepalive = Some(At { value, line });
    }
}

/// The first `n` words of a line, for messages.
fn cmd_name_n(l: &Line<'_>, n: usize) -> String {
    l.words
        .iter()
        .take(n)
        .map(|w| w.text)
        .collect::<Vec<_>>()
        .join(" ")
}

fn positive(s: &str) -> Result<u32, String> {
    match number(s)? {
        0 => Err(format!("{} must be at least 1", q(s))),
        n => Ok(n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_with_a_mask_are_subnets_even_for_32() {
        let id = |s| rtx_id(s).map(|i| i.data);
        assert_eq!(
            id("192.168.0.1"),
            Ok(IdData::Ipv4Addr(Ipv4Addr::new(192, 168, 0, 1)))
        );
        assert_eq!(
            id("192.168.0.1/32"),
            Ok(IdData::Ipv4Subnet(
                Ipv4Addr::new(192, 168, 0, 1),
                Ipv4Addr::BROADCAST
            ))
        );
        assert_eq!(
            id("192.168.0.9/255.255.255.0"),
            Ok(IdData::Ipv4Subnet(
                Ipv4Addr::new(192, 168, 0, 0),
                Ipv4Addr::new(255, 255, 255, 0)
            ))
        );
        assert_eq!(
            id("10.0.0.0/0"),
            Ok(IdData::Ipv4Subnet(
                Ipv4Addr::UNSPECIFIED,
                Ipv4Addr::UNSPECIFIED
            ))
        );
        assert!(id("10.0.0.0/255.0.255.0").is_err());
        assert!(id("10.0.0.0/33").is_err());
    }
}
