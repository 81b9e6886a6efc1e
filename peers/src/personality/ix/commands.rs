//! Reading the IX dialect line by line into [`Ir`]: the block structure and the syntax of each
//! command. Names that commands refer to are resolved afterwards ([`super::build`]), because IX
//! configs refer to names defined further down (public configs put `ipsec autokey-map` before
//! the `ipsec autokey-proposal` it names).
//!
//! Blocks: `interface <name>` opens one. A following line belongs to it if it is an interface
//! command (`ip address`, `ip unnumbered`, `tunnel mode`, `ipsec policy`, `shutdown`,
//! `no shutdown`, ...), or if it is indented and not a global command; `exit` closes it, and any
//! other line closes it and is read as a global command. Indented lines after an ignored global
//! command (`device BRI1/0`, `ip dhcp profile lan1`) belong to it and are ignored with it.

use std::collections::HashSet;
use std::net::Ipv4Addr;
use std::time::Duration;

use crate::crypto::{CipherAlg, DhGroup, HashAlg};
use crate::esp::IntegAlg;
use crate::ike::{Phase1Proposal, Phase2Proposal};

use super::config::{IxLogLevel, IxLogging};
use super::lex::{Args, Diags, Line, Pos, Word, addr, number, prefix, q};
use crate::personality::named::Named;
use crate::prefix::Ipv4Net;

/// IX's `ike proposal` lifetime when none is given (not documented; a common IKE default).
pub(super) const DEFAULT_IKE_LIFETIME: u32 = 28_800;
/// IX's `ipsec autokey-proposal` lifetime when none is given (not documented).
pub(super) const DEFAULT_ESP_LIFETIME: u32 = 28_800;

/// A name as written, with where.
#[derive(Clone, Debug)]
pub(super) struct Name {
    pub text: String,
    pub pos: Pos,
}

impl From<Word<'_>> for Name {
    fn from(w: Word<'_>) -> Self {
        Name {
            text: w.text.to_string(),
            pos: w.pos,
        }
    }
}

/// What kind of interface a name denotes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum IfType {
    Ethernet,
    Tunnel,
}

/// A tunnel interface's `tunnel mode`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum TunnelMode {
    Ipsec,
    /// A mode IX has that is not modelled (`gre`, `l2tp-lns ...`).
    Other(String),
}

#[derive(Clone, Debug)]
pub(super) struct IfaceIr {
    pub name: String,
    pub pos: Pos,
    pub kind: IfType,
    pub address: Option<Ipv4Net>,
    pub unnumbered: Option<Name>,
    pub mode: Option<(TunnelMode, Pos)>,
    /// `ipsec policy tunnel <map> out` (a Tunnel interface).
    pub policy: Option<Name>,
    /// `ipsec policy transport <map> [out]` (an Ethernet interface).
    pub transport: Option<Name>,
    pub up: bool,
    /// One of its commands was an error: nothing more is said about it.
    pub broken: bool,
}

#[derive(Clone, Debug)]
pub(super) enum Via {
    Gateway(Ipv4Addr),
    Interface(Name),
}

#[derive(Clone, Debug)]
pub(super) struct RouteIr {
    pub line: usize,
    pub prefix: Ipv4Net,
    pub via: Via,
}

/// One `ip access-list` entry that is modelled (`permit|deny ip src .. dest ..`).
#[derive(Clone, Debug)]
pub(super) struct AclEntry {
    pub permit: bool,
    pub src: Ipv4Net,
    pub dest: Ipv4Net,
}

#[derive(Clone, Debug)]
pub(super) struct AclIr {
    pub entries: Vec<AclEntry>,
}

#[derive(Clone, Debug)]
pub(super) struct IkeProposalIr {
    pub line: usize,
    pub proposal: Phase1Proposal,
}

#[derive(Clone, Debug)]
pub(super) struct IkePolicyIr {
    pub name: Name,
    /// `None` for `peer any`.
    pub peer: Option<Ipv4Addr>,
    pub peer_pos: Pos,
    pub psk: String,
    pub aggressive: bool,
    pub proposals: Vec<Name>,
}

#[derive(Clone, Debug)]
pub(super) struct EspProposalIr {
    pub line: usize,
    pub proposals: Vec<Phase2Proposal>,
}

#[derive(Clone, Debug)]
pub(super) struct MapIr {
    pub name: Name,
    pub acl: Name,
    pub peer: Ipv4Addr,
    pub peer_pos: Pos,
    pub proposals: Vec<Name>,
    pub pfs: Option<DhGroup>,
}

#[derive(Clone, Debug)]
pub(super) struct IdIr {
    pub map: Name,
    pub id: Ipv4Net,
}

#[derive(Clone, Debug)]
pub(super) struct KeepaliveIr {
    pub policy: Name,
    pub interval: u32,
    pub retries: u32,
}

/// Where the reader is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Block {
    None,
    /// Inside `interface <name>` (index into `interfaces`).
    Interface(usize),
    /// Inside an interface that is not modelled (`Loopback0.0`): its commands are ignored.
    IgnoredInterface,
    /// After an ignored global command: its indented lines are ignored with it.
    IgnoredGlobal,
}

/// The config as read, names unresolved.
#[derive(Debug)]
pub(super) struct Ir {
    pub hostname: Option<String>,
    pub logging: IxLogging,
    pub interfaces: Named<IfaceIr>,
    /// Interfaces named by `interface` lines that are not modelled.
    pub ignored_interfaces: HashSet<String>,
    pub routes: Vec<RouteIr>,
    pub acls: Named<AclIr>,
    pub ike_proposals: Named<IkeProposalIr>,
    pub ike_policies: Named<IkePolicyIr>,
    pub keepalives: Vec<KeepaliveIr>,
    pub nat_t_all: bool,
    pub nat_t_policies: Vec<Name>,
    pub ic_always: bool,
    pub ic_payload: bool,
    pub esp_proposals: Named<EspProposalIr>,
    pub maps: Named<MapIr>,
    /// `ipsec local-id`, by map (the last line for a map counts).
    pub local_ids: Named<IdIr>,
    /// `ipsec remote-id`, by map.
    pub remote_ids: Named<IdIr>,
    /// Named commands that were errors, as (family, name): references to them are not errors
    /// again.
    pub failed: HashSet<(&'static str, String)>,
    /// Lines read as global commands.
    globals: usize,
    /// Lines whose first word is no IX command, with their warning: said only if another line
    /// is an IX command ([`Ir::is_foreign`]).
    pub unknown: Vec<(Pos, String)>,
    block: Block,
}

/// Global IX commands known to exist but not modelled (ignored with a warning that says so).
const KNOWN_GLOBAL: &[&str] = &[
    "username",
    "enable-config",
    "svintr-config",
    "configure",
    "telnet-server",
    "ssh-server",
    "http-server",
    "device",
    "proxy-dns",
    "ntpdate",
    "timezone",
    "watch-group",
    "network-monitor",
    "snmp-server",
    "ipv6",
    "dns",
    "ppp",
    "route-map",
    "event",
    "action",
    "clock",
    "ntp",
    "syslog",
    "web-console",
];

/// `ike ...` commands of the IX command reference that are not modelled.
const KNOWN_IKE: &[&str] = &[
    "commit-bit",
    "interoperability",
    "local-id",
    "remote-id",
    "rekey",
    "retransmit-count",
    "retransmit-interval",
    "send-delete",
    "suppress-dangling",
];

/// `ipsec ...` commands seen in public IX configs that are not modelled.
const KNOWN_IPSEC: &[&str] = &[
    "rekey",
    "commit-bit",
    "ike-passthru",
    "manual-key",
    "dynamic-map",
];

/// `ip ...` global commands: those not modelled.
const KNOWN_IP_GLOBAL: &[&str] = &[
    "dhcp",
    "router",
    "ufs-cache",
    "name-server",
    "host",
    "domain-name",
    "prefix-list",
    "multicast-routing",
    "napt",
];

/// First words of interface commands besides `ip`, `ipv6`, `tunnel`, `ipsec policy`.
const IFACE_WORDS: &[&str] = &[
    "shutdown",
    "exit",
    "description",
    "encapsulation",
    "bridge-group",
    "ppp",
    "pppoe",
    "speed",
    "duplex",
    "bandwidth",
    "mtu",
    "keepalive",
    "auto-connect",
    "idle-timer",
];

/// The command's name for messages: its first word, or two for families (`ike proposal`), or
/// three after `no` (`no ike initial-contact`).
fn cmd_name(l: &Line<'_>) -> String {
    let (w0, w1, w2) = (l.word(0), l.word(1), l.word(2));
    let family = |w: &str| matches!(w, "ip" | "ike" | "ipsec" | "logging" | "tunnel" | "ipv6");
    if w0 == "no" && family(w1) && !w2.is_empty() {
        format!("no {w1} {w2}")
    } else if (family(w0) || w0 == "no") && !w1.is_empty() {
        format!("{w0} {w1}")
    } else {
        w0.to_string()
    }
}

/// Whether a line is one of the modelled interface commands, which mean nothing outside an
/// interface block.
fn is_interface_only(l: &Line<'_>) -> bool {
    matches!(
        (l.word(0), l.word(1)),
        ("ip", "address" | "unnumbered")
            | ("tunnel", _)
            | ("ipsec", "policy")
            | ("shutdown", _)
            | ("no", "shutdown")
    ) || (l.word(0) == "no" && l.word(1) == "ip" && l.word(2) == "address")
}

/// Whether a line is an interface command (and so belongs to an open interface block).
fn is_interface_command(l: &Line<'_>) -> bool {
    let (w0, w1) = (l.word(0), l.word(1));
    match w0 {
        "ip" => match w1 {
            "route" | "access-list" => false,
            "dhcp" => l.word(2) == "binding",
            w => !KNOWN_IP_GLOBAL.contains(&w) || w == "napt",
        },
        "ipv6" | "tunnel" => true,
        "ipsec" => w1 == "policy",
        "no" => matches!(w1, "shutdown" | "ip" | "ipv6" | "tunnel" | "description"),
        w => IFACE_WORDS.contains(&w),
    }
}

/// Whether a line is a global command this reader models (and so ends an interface block even
/// when indented).
fn is_modelled_global(l: &Line<'_>) -> bool {
    let (w0, w1) = (l.word(0), l.word(1));
    match w0 {
        "hostname" | "logging" | "interface" | "ike" => true,
        "ip" => matches!(w1, "route" | "access-list"),
        "ipsec" => w1 != "policy",
        "no" => w1 == "ike",
        _ => false,
    }
}

/// What an interface name denotes: modelled (Ethernet, tunnel), known but not modelled
/// (`Ok(None)`), or malformed.
fn interface_type(name: &str) -> Result<Option<IfType>, String> {
    const UNMODELLED: &[&str] = &["Loopback", "Null", "BVI", "Dialer", "BRI", "Vlan"];
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let expected = "expected FastEthernetN/N.N, GigaEthernetN.N or TunnelN.N";
    for (pfx, kind) in [
        ("FastEthernet", IfType::Ethernet),
        ("GigaEthernet", IfType::Ethernet),
        ("Tunnel", IfType::Tunnel),
    ] {
        if let Some(rest) = name.strip_prefix(pfx) {
            let Some((port, sub)) = rest.rsplit_once('.') else {
                return Err(format!(
                    "interface {} has no sub-interface number ({expected})",
                    q(name)
                ));
            };
            let port_ok = match (kind, port.split_once('/')) {
                (IfType::Ethernet, Some((a, b))) => digits(a) && digits(b),
                (_, None) => digits(port),
                (IfType::Tunnel, Some(_)) => false,
            };
            if !port_ok || !digits(sub) {
                return Err(format!("malformed interface name {} ({expected})", q(name)));
            }
            return Ok(Some(kind));
        }
    }
    if UNMODELLED.iter().any(|p| name.starts_with(p)) {
        return Ok(None);
    }
    Err(format!("unknown interface {} ({expected})", q(name)))
}

/// An interface name in a reference (`ip route`, `ip unnumbered`): well-formed or an error.
fn interface_ref(s: &str) -> Result<String, String> {
    interface_type(s).map(|_| s.to_string())
}

fn dh_group(s: &str) -> Result<DhGroup, String> {
    match s {
        "768-bit" => Ok(DhGroup::Modp768),
        "1024-bit" => Ok(DhGroup::Modp1024),
        "1536-bit" => Ok(DhGroup::Modp1536),
        "2048-bit" => Ok(DhGroup::Modp2048),
        "3072-bit" | "4096-bit" | "6144-bit" | "8192-bit" => Err(format!(
            "group {} is not supported by the engine (supported: 768-bit, 1024-bit, 1536-bit, 2048-bit)",
            q(s)
        )),
        _ => Err(format!(
            "unknown group {} (expected 768-bit, 1024-bit, 1536-bit or 2048-bit)",
            q(s)
        )),
    }
}

fn ike_cipher(s: &str) -> Result<CipherAlg, String> {
    match s {
        "aes" => Ok(CipherAlg::AesCbc { key_len: 16 }),
        "aes-192" => Ok(CipherAlg::AesCbc { key_len: 24 }),
        "aes-256" => Ok(CipherAlg::AesCbc { key_len: 32 }),
        "3des" => Ok(CipherAlg::TripleDesCbc),
        "des" => Err(format!(
            "encryption {} is not supported by the engine (supported: aes, aes-192, aes-256, 3des)",
            q(s)
        )),
        _ => Err(format!(
            "unknown encryption {} (expected aes, aes-192, aes-256 or 3des)",
            q(s)
        )),
    }
}

fn ike_hash(s: &str) -> Result<HashAlg, String> {
    match s {
        "sha" => Ok(HashAlg::Sha1),
        "sha2-256" => Ok(HashAlg::Sha256),
        "md5" => Ok(HashAlg::Md5),
        "sha2-384" | "sha2-512" => Err(format!(
            "hash {} is not supported by the engine (supported: sha, sha2-256, md5)",
            q(s)
        )),
        _ => Err(format!(
            "unknown hash {} (expected sha, sha2-256 or md5)",
            q(s)
        )),
    }
}

/// An `esp-*` word: a cipher, an integrity algorithm, or an error.
enum EspAlg {
    Cipher(CipherAlg),
    Integ(IntegAlg),
}

fn esp_alg(s: &str) -> Result<EspAlg, String> {
    Ok(match s {
        "esp-aes" => EspAlg::Cipher(CipherAlg::AesCbc { key_len: 16 }),
        "esp-aes-192" => EspAlg::Cipher(CipherAlg::AesCbc { key_len: 24 }),
        "esp-aes-256" => EspAlg::Cipher(CipherAlg::AesCbc { key_len: 32 }),
        "esp-3des" => EspAlg::Cipher(CipherAlg::TripleDesCbc),
        "esp-sha" => EspAlg::Integ(IntegAlg::HmacSha1_96),
        "esp-sha2-256" => EspAlg::Integ(IntegAlg::HmacSha256_128),
        "esp-md5" => EspAlg::Integ(IntegAlg::HmacMd5_96),
        "esp-des" | "esp-null" | "esp-sha2-384" | "esp-sha2-512" | "esp-gcm" | "esp-aes-gcm" => {
            return Err(format!(
                "{} is not supported by the engine (supported: esp-aes, esp-aes-192, esp-aes-256, esp-3des; esp-sha, esp-sha2-256, esp-md5)",
                q(s)
            ));
        }
        _ => {
            return Err(format!(
                "unknown algorithm {} (expected esp-aes, esp-aes-192, esp-aes-256 or esp-3des, then esp-sha, esp-sha2-256 or esp-md5)",
                q(s)
            ));
        }
    })
}

/// An access-list address: `any` or a prefix (a bare address is a host).
fn acl_addr(s: &str) -> Result<Ipv4Net, String> {
    if s == "any" {
        Ok(Ipv4Net::ANY)
    } else {
        prefix(s, true).map(Ipv4Net::trunc)
    }
}

fn positive(s: &str) -> Result<u32, String> {
    match number(s)? {
        0 => Err(format!("{} must be at least 1", q(s))),
        n => Ok(n),
    }
}

/// The warning for a line that is no command IX has.
fn unknown_message(l: &Line<'_>) -> String {
    format!("unknown command {}; ignored", q(&cmd_name(l)))
}

impl Ir {
    pub fn new() -> Self {
        Self {
            hostname: None,
            logging: IxLogging::default(),
            interfaces: Named::default(),
            ignored_interfaces: HashSet::new(),
            routes: vec![],
            acls: Named::default(),
            ike_proposals: Named::default(),
            ike_policies: Named::default(),
            keepalives: vec![],
            nat_t_all: false,
            nat_t_policies: vec![],
            ic_always: false,
            // IX's default: `ike initial-contact payload` is on.
            ic_payload: true,
            esp_proposals: Named::default(),
            maps: Named::default(),
            local_ids: Named::default(),
            remote_ids: Named::default(),
            failed: HashSet::new(),
            globals: 0,
            unknown: vec![],
            block: Block::None,
        }
    }

    /// Reads one line.
    pub fn line(&mut self, l: &Line<'_>, d: &mut Diags) {
        match self.block {
            Block::Interface(i) => {
                if is_interface_command(l) {
                    let before = d.errors();
                    self.interface_command(i, l, d);
                    if d.errors() > before {
                        self.interfaces[i].broken = true;
                    }
                    return;
                }
                if l.indented && !is_modelled_global(l) {
                    d.warn(
                        l.words[0].pos,
                        format!(
                            "unknown interface command {} in {}; ignored",
                            q(&cmd_name(l)),
                            self.interfaces[i].name
                        ),
                    );
                    return;
                }
            }
            Block::IgnoredInterface => {
                if is_interface_command(l) || (l.indented && !is_modelled_global(l)) {
                    if l.word(0) == "exit" {
                        self.block = Block::None;
                    }
                    return;
                }
            }
            Block::IgnoredGlobal => {
                if l.indented && !is_modelled_global(l) {
                    return;
                }
            }
            Block::None => {}
        }
        self.block = Block::None;
        let before = d.errors();
        self.global(l, d);
        if d.errors() > before {
            let family = match (l.word(0), l.word(1)) {
                ("ike", "proposal") => Some(("ike proposal", 2)),
                ("ike", "policy") => Some(("ike policy", 2)),
                ("ipsec", "autokey-proposal") => Some(("ipsec autokey-proposal", 2)),
                ("ipsec", "autokey-map") => Some(("ipsec autokey-map", 2)),
                ("ip", "access-list") => Some(("ip access-list", 2)),
                ("interface", _) => Some(("interface", 1)),
                _ => None,
            };
            if let Some((family, at)) = family {
                if !l.word(at).is_empty() {
                    self.failed.insert((family, l.word(at).to_string()));
                }
            }
        }
    }

    /// Whether a named command of `family` called `name` was an error.
    pub fn failed(&self, family: &str, name: &str) -> bool {
        self.failed.contains(&(family, name.to_string()))
    }

    fn ignore_global(&mut self, l: &Line<'_>, d: &mut Diags, known: bool) {
        let msg = if known {
            format!(
                "{} is not modelled by this simulation; ignored",
                q(&cmd_name(l))
            )
        } else {
            unknown_message(l)
        };
        d.warn(l.words[0].pos, msg);
        self.block = Block::IgnoredGlobal;
    }

    /// Whether lines were read and none of them is an IX command: the file is not an IX config.
    pub fn is_foreign(&self) -> bool {
        self.globals > 0 && self.unknown.len() == self.globals
    }

    /// A line whose first word is no IX command: ignored with its indented lines, and said.
    fn unknown_command(&mut self, l: &Line<'_>) {
        self.unknown.push((l.words[0].pos, unknown_message(l)));
        self.block = Block::IgnoredGlobal;
    }

    fn global(&mut self, l: &Line<'_>, d: &mut Diags) {
        self.globals += 1;
        let (w0, w1) = (l.word(0), l.word(1));
        if is_interface_only(l) {
            d.error(
                l.words[0].pos,
                format!(
                    "{} is an interface command, outside any interface block (expected it after `interface <name>`)",
                    q(&cmd_name(l))
                ),
            );
            return;
        }
        match (w0, w1) {
            ("exit" | "end", _) => {}
            ("hostname", _) => {
                let mut a = Args::new(l, 1, "hostname");
                if let Some(w) = a.need(d, "a host name") {
                    if a.done(d).is_some() {
                        self.hostname = Some(w.text.to_string());
                    }
                }
            }
            ("logging", "buffered") => self.logging_buffered(l, d),
            ("logging", "subsystem") => self.logging_subsystem(l, d),
            ("logging", "timestamp") => {
                let mut a = Args::new(l, 2, "logging timestamp");
                if a.keyword(d, "datetime").is_some() && a.done(d).is_some() {
                    self.logging.timestamp = true;
                }
            }
            ("logging", _) => self.ignore_global(l, d, true),
            ("ip", "route") => self.ip_route(l, d),
            ("ip", "access-list") => self.access_list(l, d),
            ("ip", w) if KNOWN_IP_GLOBAL.contains(&w) => self.ignore_global(l, d, true),
            ("ike", "proposal") => self.ike_proposal(l, d),
            ("ike", "policy") => self.ike_policy(l, d),
            ("ike", "initial-contact") => self.initial_contact(l, d, false),
            ("no", "ike") if l.word(2) == "initial-contact" => self.initial_contact(l, d, true),
            ("ike", "keepalive") => self.keepalive(l, d),
            ("ike", "nat-traversal") => self.nat_traversal(l, d),
            ("ike", w) => self.ignore_global(l, d, KNOWN_IKE.contains(&w)),
            ("ipsec", "autokey-proposal") => self.autokey_proposal(l, d),
            ("ipsec", "autokey-map") => self.autokey_map(l, d),
            ("ipsec", "local-id") => self.ipsec_id(l, d, true),
            ("ipsec", "remote-id") => self.ipsec_id(l, d, false),
            ("ipsec", w) => self.ignore_global(l, d, KNOWN_IPSEC.contains(&w)),
            ("no", "ipsec") => self.ignore_global(l, d, KNOWN_IPSEC.contains(&l.word(2))),
            ("interface", _) => self.interface(l, d),
            (w, _) if KNOWN_GLOBAL.contains(&w) => self.ignore_global(l, d, true),
            _ => self.unknown_command(l),
        }
    }

    fn logging_buffered(&mut self, l: &Line<'_>, d: &mut Diags) {
        let mut a = Args::new(l, 2, "logging buffered");
        let Some((n, _)) = a.value(d, "a buffer size in bytes", positive) else {
            return;
        };
        if a.peek().is_some_and(|w| w.text == "cyclic") {
            a.next();
        }
        if a.done(d).is_some() {
            self.logging.buffered = Some(n);
        }
    }

    fn logging_subsystem(&mut self, l: &Line<'_>, d: &mut Diags) {
        let mut a = Args::new(l, 2, "logging subsystem");
        let Some(sub) = a.need(d, "a subsystem (ike, all, ...)") else {
            return;
        };
        let Some((level, _)) = a.value(
            d,
            "a level (error, warn, notice, info, debug)",
            |s| match s {
                "error" => Ok(IxLogLevel::Error),
                "warn" => Ok(IxLogLevel::Warn),
                "notice" => Ok(IxLogLevel::Notice),
                "info" => Ok(IxLogLevel::Info),
                "debug" => Ok(IxLogLevel::Debug),
                _ => Err(format!(
                    "unknown level {} (expected error, warn, notice, info or debug)",
                    q(s)
                )),
            },
        ) else {
            return;
        };
        if a.done(d).is_none() {
            return;
        }
        match sub.text {
            "ike" | "all" => self.logging.ike_level = Some(level),
            other => d.warn(
                sub.pos,
                format!(
                    "logging subsystem: only the ike subsystem is logged by this simulation; {} ignored",
                    q(other)
                ),
            ),
        }
    }

    fn ip_route(&mut self, l: &Line<'_>, d: &mut Diags) {
        let mut a = Args::new(l, 2, "ip route");
        let Some((dest, w)) = a.value(d, "a destination (a.b.c.d/len or default)", |s| {
            if s == "default" {
                Ok(Ipv4Net::ANY)
            } else {
                prefix(s, false)
            }
        }) else {
            return;
        };
        let Some(via) = a.need(d, "an interface name or a gateway address") else {
            return;
        };
        let via = if via.text.starts_with(|c: char| c.is_ascii_digit()) {
            match addr(via.text) {
                Ok(g) => Via::Gateway(g),
                Err(why) => return d.error(via.pos, format!("ip route: {why}")),
            }
        } else {
            match interface_ref(via.text) {
                Ok(_) => Via::Interface(via.into()),
                Err(why) => return d.error(via.pos, format!("ip route: {why}")),
            }
        };
        if let Some(extra) = a.peek() {
            if number(extra.text).is_ok() {
                a.next();
                d.warn(
                    extra.pos,
                    "ip route: the distance is not modelled; ignored".to_string(),
                );
            }
        }
        if a.done(d).is_none() {
            return;
        }
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

    fn access_list(&mut self, l: &Line<'_>, d: &mut Diags) {
        let mut a = Args::new(l, 2, "ip access-list");
        let Some(name) = a.need(d, "an access-list name") else {
            return;
        };
        let Some(action) = a.need(d, "`permit` or `deny`") else {
            return;
        };
        let permit = match action.text {
            "permit" => true,
            "deny" => false,
            _ => return a.wrong(d, action, "`permit` or `deny`"),
        };
        let Some(proto) = a.need(d, "a protocol (ip, tcp, udp, icmp, ...)") else {
            return;
        };
        let acl = self
            .acls
            .position_or_insert_with(name.text, || AclIr { entries: vec![] });
        if proto.text != "ip" {
            d.warn(
                proto.pos,
                format!(
                    "ip access-list: only `ip` entries are modelled; this {} entry is ignored",
                    q(proto.text)
                ),
            );
            return;
        }
        if a.keyword(d, "src").is_none() {
            return;
        }
        let Some((src, _)) = a.value(d, "a source (any or a.b.c.d[/len])", acl_addr) else {
            return;
        };
        if a.keyword(d, "dest").is_none() {
            return;
        }
        let Some((dest, _)) = a.value(d, "a destination (any or a.b.c.d[/len])", acl_addr) else {
            return;
        };
        if a.done(d).is_some() {
            self.acls[acl].entries.push(AclEntry { permit, src, dest });
        }
    }

    fn ike_proposal(&mut self, l: &Line<'_>, d: &mut Diags) {
        let mut a = Args::new(l, 2, "ike proposal");
        let Some(name) = a.need(d, "a proposal name") else {
            return;
        };
        let (mut cipher, mut hash, mut group, mut lifetime) = (None, None, None, None);
        while let Some(k) = a.next() {
            let seen = match k.text {
                "encryption" => cipher.is_some(),
                "hash" => hash.is_some(),
                "group" => group.is_some(),
                "lifetime" => lifetime.is_some(),
                _ => return a.wrong(d, k, "encryption, hash, group or lifetime"),
            };
            if seen {
                return d.error(k.pos, format!("ike proposal: {} given twice", q(k.text)));
            }
            let ok = match k.text {
                "encryption" => a
                    .value(d, "an encryption algorithm", ike_cipher)
                    .map(|(v, _)| cipher = Some(v)),
                "hash" => a
                    .value(d, "a hash algorithm", ike_hash)
                    .map(|(v, _)| hash = Some(v)),
                "group" => a
                    .value(d, "a group", dh_group)
                    .map(|(v, _)| group = Some(v)),
                _ => a
                    .value(d, "a lifetime in seconds", positive)
                    .map(|(v, _)| lifetime = Some(v)),
            };
            if ok.is_none() {
                return;
            }
        }
        let Some(cipher) = cipher else {
            return d.error(a.end(), "ike proposal: missing `encryption <algorithm>`");
        };
        let Some(hash) = hash else {
            return d.error(a.end(), "ike proposal: missing `hash <algorithm>`");
        };
        let proposal = Phase1Proposal {
            cipher,
            hash,
            group: group.unwrap_or(DhGroup::Modp1024),
            lifetime: Duration::from_secs(u64::from(lifetime.unwrap_or(DEFAULT_IKE_LIFETIME))),
            lifetime_kb: None,
        };
        self.ike_proposals.upsert(
            name.text,
            IkeProposalIr {
                line: name.pos.line,
                proposal,
            },
        );
    }

    fn ike_policy(&mut self, l: &Line<'_>, d: &mut Diags) {
        let mut a = Args::new(l, 2, "ike policy");
        let Some(name) = a.need(d, "a policy name") else {
            return;
        };
        let Some(kw) = a.need(d, "`peer <address>|any`") else {
            return;
        };
        match kw.text {
            "peer" => {}
            "peer-fqdn" | "peer-fqdn-ipv4" | "peer-fqdn-ipv6" | "peer-ipv6" => {
                return d.warn(
                    kw.pos,
                    format!(
                        "ike policy: {} peers are not modelled; policy {} ignored",
                        q(kw.text),
                        q(name.text)
                    ),
                );
            }
            _ => return a.wrong(d, kw, "`peer`"),
        }
        let Some((peer, pw)) = a.value(d, "a peer address or `any`", |s| {
            if s == "any" {
                Ok(None)
            } else {
                addr(s).map(Some)
            }
        }) else {
            return;
        };
        if a.keyword(d, "key").is_none() {
            return;
        }
        let Some(psk) = a.need(d, "a pre-shared key") else {
            return;
        };
        let mut aggressive = false;
        if a.peek().is_some_and(|w| w.text == "mode") {
            a.next();
            if a.keyword(d, "aggressive").is_none() {
                return;
            }
            aggressive = true;
        }
        let mut proposals: Vec<Name> = vec![];
        while let Some(w) = a.next() {
            proposals.push(w.into());
        }
        if proposals.is_empty() {
            return d.error(a.end(), "ike policy: missing an `ike proposal` name");
        }
        let item = IkePolicyIr {
            name: name.into(),
            peer,
            peer_pos: pw.pos,
            psk: psk.text.to_string(),
            aggressive,
            proposals,
        };
        self.ike_policies.upsert(&item.name.text.clone(), item);
    }

    fn initial_contact(&mut self, l: &Line<'_>, d: &mut Diags, no: bool) {
        let cmd = if no {
            "no ike initial-contact"
        } else {
            "ike initial-contact"
        };
        let mut a = Args::new(l, if no { 3 } else { 2 }, cmd);
        let Some(w) = a.need(d, "`always` or `payload`") else {
            return;
        };
        let which = match w.text {
            "always" => &mut self.ic_always,
            "payload" => &mut self.ic_payload,
            _ => return a.wrong(d, w, "`always` or `payload`"),
        };
        if a.done(d).is_some() {
            *which = !no;
        }
    }

    fn keepalive(&mut self, l: &Line<'_>, d: &mut Diags) {
        let mut a = Args::new(l, 2, "ike keepalive");
        let Some(policy) = a.need(d, "an `ike policy` name") else {
            return;
        };
        let Some((interval, _)) = a.value(d, "an interval in seconds", positive) else {
            return;
        };
        let Some((retries, _)) = a.value(d, "a retry count", number) else {
            return;
        };
        if a.done(d).is_some() {
            self.keepalives.push(KeepaliveIr {
                policy: policy.into(),
                interval,
                retries,
            });
        }
    }

    fn nat_traversal(&mut self, l: &Line<'_>, d: &mut Diags) {
        let mut a = Args::new(l, 2, "ike nat-traversal");
        match a.next() {
            None => self.nat_t_all = true,
            Some(w) if w.text == "policy" => {
                if let Some(p) = a.need(d, "an `ike policy` name") {
                    if a.done(d).is_some() {
                        self.nat_t_policies.push(p.into());
                    }
                }
            }
            Some(w) => a.wrong(d, w, "the end of the line or `policy <name>`"),
        }
    }

    fn autokey_proposal(&mut self, l: &Line<'_>, d: &mut Diags) {
        let mut a = Args::new(l, 2, "ipsec autokey-proposal");
        let Some(name) = a.need(d, "a proposal name") else {
            return;
        };
        let (mut ciphers, mut integs, mut lifetime) = (vec![], vec![], None);
        while let Some(w) = a.next() {
            if w.text == "lifetime" {
                if lifetime.is_some() {
                    return d.error(w.pos, "ipsec autokey-proposal: `lifetime` given twice");
                }
                if a.keyword(d, "time").is_none() {
                    return;
                }
                let Some((n, _)) = a.value(d, "a lifetime in seconds", positive) else {
                    return;
                };
                lifetime = Some(n);
                continue;
            }
            match esp_alg(w.text) {
                Ok(EspAlg::Cipher(c)) if !ciphers.contains(&c) => ciphers.push(c),
                Ok(EspAlg::Integ(i)) if !integs.contains(&i) => integs.push(i),
                Ok(_) => {
                    return d.error(
                        w.pos,
                        format!("ipsec autokey-proposal: {} given twice", q(w.text)),
                    );
                }
                Err(why) => return d.error(w.pos, format!("ipsec autokey-proposal: {why}")),
            }
        }
        if ciphers.is_empty() {
            return d.error(
                a.end(),
                "ipsec autokey-proposal: missing an encryption algorithm (esp-aes, esp-aes-192, esp-aes-256, esp-3des)",
            );
        }
        if integs.is_empty() {
            return d.error(
                a.end(),
                "ipsec autokey-proposal: missing an authentication algorithm (esp-sha, esp-sha2-256, esp-md5)",
            );
        }
        let lifetime = Duration::from_secs(u64::from(lifetime.unwrap_or(DEFAULT_ESP_LIFETIME)));
        let proposals = ciphers
            .iter()
            .flat_map(|&cipher| {
                integs.iter().map(move |&integ| Phase2Proposal {
                    cipher,
                    integ,
                    lifetime,
                    lifetime_kb: None,
                })
            })
            .collect();
        self.esp_proposals.upsert(
            name.text,
            EspProposalIr {
                line: name.pos.line,
                proposals,
            },
        );
    }

    fn autokey_map(&mut self, l: &Line<'_>, d: &mut Diags) {
        let mut a = Args::new(l, 2, "ipsec autokey-map");
        let Some(name) = a.need(d, "a map name") else {
            return;
        };
        let Some(acl) = a.need(d, "an access-list name") else {
            return;
        };
        let Some(kw) = a.need(d, "`peer <address>`") else {
            return;
        };
        if kw.text != "peer" {
            return a.wrong(
                d,
                kw,
                "`peer <address>` (maps without a peer are not modelled)",
            );
        }
        let Some((peer, pw)) = a.value(d, "a peer address", addr) else {
            return;
        };
        let mut proposals: Vec<Name> = vec![];
        let mut pfs = None;
        while let Some(w) = a.next() {
            if w.text == "pfs" {
                let Some((g, _)) = a.value(d, "a PFS group", dh_group) else {
                    return;
                };
                if a.done(d).is_none() {
                    return;
                }
                pfs = Some(g);
                break;
            }
            proposals.push(w.into());
        }
        if proposals.is_empty() {
            return d.error(
                a.end(),
                "ipsec autokey-map: missing an `ipsec autokey-proposal` name",
            );
        }
        let item = MapIr {
            name: name.into(),
            acl: acl.into(),
            peer,
            peer_pos: pw.pos,
            proposals,
            pfs,
        };
        self.maps.upsert(&item.name.text.clone(), item);
    }

    fn ipsec_id(&mut self, l: &Line<'_>, d: &mut Diags, local: bool) {
        let cmd = if local {
            "ipsec local-id"
        } else {
            "ipsec remote-id"
        };
        let mut a = Args::new(l, 2, cmd);
        let Some(map) = a.need(d, "an `ipsec autokey-map` name") else {
            return;
        };
        let Some((id, _)) = a.value(d, "an address (a.b.c.d[/len])", |s| prefix(s, true)) else {
            return;
        };
        if a.done(d).is_none() {
            return;
        }
        let list = if local {
            &mut self.local_ids
        } else {
            &mut self.remote_ids
        };
        list.upsert(
            map.text,
            IdIr {
                map: map.into(),
                id,
            },
        );
    }

    fn interface(&mut self, l: &Line<'_>, d: &mut Diags) {
        let mut a = Args::new(l, 1, "interface");
        let Some(name) = a.need(d, "an interface name") else {
            return;
        };
        if a.done(d).is_none() {
            return;
        }
        match interface_type(name.text) {
            Err(why) => {
                d.error(name.pos, format!("interface: {why}"));
                // Its commands go with it, rather than each being an error of its own.
                self.block = Block::IgnoredInterface;
            }
            Ok(None) => {
                d.warn(
                    name.pos,
                    format!(
                        "interface {} is not modelled by this simulation; its block is ignored",
                        q(name.text)
                    ),
                );
                self.ignored_interfaces.insert(name.text.to_string());
                self.block = Block::IgnoredInterface;
            }
            Ok(Some(kind)) => {
                let i = self
                    .interfaces
                    .position_or_insert_with(name.text, || IfaceIr {
                        name: name.text.to_string(),
                        pos: name.pos,
                        kind,
                        address: None,
                        unnumbered: None,
                        mode: None,
                        policy: None,
                        transport: None,
                        up: false,
                        broken: false,
                    });
                self.block = Block::Interface(i);
            }
        }
    }

    fn interface_command(&mut self, i: usize, l: &Line<'_>, d: &mut Diags) {
        let cmd = cmd_name(l);
        let ifname = self.interfaces[i].name.clone();
        let tunnel = self.interfaces[i].kind == IfType::Tunnel;
        let not_modelled = |d: &mut Diags| {
            d.warn(
                l.words[0].pos,
                format!(
                    "interface command {} is not modelled by this simulation; ignored",
                    q(&cmd)
                ),
            );
        };
        let iface = &mut self.interfaces[i];
        match (l.word(0), l.word(1)) {
            ("exit", _) => {
                let mut a = Args::new(l, 1, "exit");
                if a.done(d).is_some() {
                    self.block = Block::None;
                }
            }
            ("shutdown", _) => {
                if Args::new(l, 1, "shutdown").done(d).is_some() {
                    iface.up = false;
                }
            }
            ("no", "shutdown") => {
                if Args::new(l, 2, "no shutdown").done(d).is_some() {
                    iface.up = true;
                }
            }
            ("no", "ip") if l.word(2) == "address" => {
                if Args::new(l, 3, "no ip address").done(d).is_some() {
                    iface.address = None;
                }
            }
            ("ip", "address") => {
                let mut a = Args::new(l, 2, "ip address");
                match a.peek() {
                    Some(w) if w.text == "dhcp" => {
                        iface.address = None;
                        d.warn(
                            w.pos,
                            "ip address: DHCP is not modelled; the interface has no address",
                        );
                    }
                    _ => {
                        let Some((p, _)) =
                            a.value(d, "an address (a.b.c.d/len)", |s| prefix(s, false))
                        else {
                            return;
                        };
                        if a.peek().is_some_and(|w| w.text == "secondary") {
                            let w = a.next().expect("peeked");
                            d.warn(
                                w.pos,
                                "ip address: secondary addresses are not modelled; ignored",
                            );
                            return;
                        }
                        if a.done(d).is_some() {
                            if p.prefix_len >= 31 || p.prefix_len == 0 {
                                d.error(
                                    l.words[2].pos,
                                    format!(
                                        "ip address: {} is not an interface address (expected a prefix length of 1-30)",
                                        q(l.word(2))
                                    ),
                                );
                            } else {
                                iface.address = Some(p);
                            }
                        }
                    }
                }
            }
            ("ip", "unnumbered") => {
                let mut a = Args::new(l, 2, "ip unnumbered");
                let Some((_, w)) = a.value(d, "an interface name", interface_ref) else {
                    return;
                };
                if a.done(d).is_some() {
                    if w.text == ifname {
                        d.error(
                            w.pos,
                            format!("ip unnumbered: {ifname} cannot borrow its own address"),
                        );
                    } else {
                        iface.unnumbered = Some(w.into());
                    }
                }
            }
            ("tunnel", "mode") => {
                let mut a = Args::new(l, 2, "tunnel mode");
                let Some(m) = a.need(d, "a tunnel mode (ipsec)") else {
                    return;
                };
                if !tunnel {
                    return d.error(
                        l.words[0].pos,
                        format!("tunnel mode: {ifname} is not a Tunnel interface"),
                    );
                }
                let mode = match m.text {
                    "ipsec" => {
                        if a.done(d).is_none() {
                            return;
                        }
                        TunnelMode::Ipsec
                    }
                    "gre" | "l2tp-lns" | "l2tp-lac" | "ipip" | "ipsec-ipv4" | "ipsec-ipv6"
                    | "6to4" => {
                        d.warn(
                            m.pos,
                            format!(
                                "tunnel mode {} is not modelled; {ifname} is ignored",
                                q(m.text)
                            ),
                        );
                        TunnelMode::Other(m.text.to_string())
                    }
                    _ => return a.wrong(d, m, "a tunnel mode (ipsec)"),
                };
                iface.mode = Some((mode, m.pos));
            }
            ("ipsec", "policy") => {
                let mut a = Args::new(l, 2, "ipsec policy");
                let Some(kind) = a.need(d, "`tunnel <map> out` or `transport <map>`") else {
                    return;
                };
                let transport = match kind.text {
                    "tunnel" => false,
                    "transport" => true,
                    _ => return a.wrong(d, kind, "`tunnel` or `transport`"),
                };
                let Some(map) = a.need(d, "an `ipsec autokey-map` name") else {
                    return;
                };
                if let Some(w) = a.next() {
                    if w.text != "out" {
                        return a.wrong(d, w, "`out` or the end of the line");
                    }
                }
                if a.done(d).is_none() {
                    return;
                }
                match (transport, tunnel) {
                    (false, true) => iface.policy = Some(map.into()),
                    (true, false) => iface.transport = Some(map.into()),
                    (false, false) => d.error(
                        l.words[0].pos,
                        format!("ipsec policy tunnel: {ifname} is not a Tunnel interface"),
                    ),
                    (true, true) => d.error(
                        l.words[0].pos,
                        format!(
                            "ipsec policy transport: {ifname} is a Tunnel interface (expected `ipsec policy tunnel {} out` here, or `transport` on an Ethernet interface)",
                            map.text
                        ),
                    ),
                }
            }
            _ => not_modelled(d),
        }
    }
}
