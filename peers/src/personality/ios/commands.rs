//! IOS config lines to an intermediate form ([`Ir`]), command by command, with the mode each
//! block command enters. Names are resolved later ([`super::config`]). Nothing here panics on any
//! input, and every line costs a bounded amount of work (no search over earlier lines), so a
//! config of any size is read in linear time.
//!
//! # Which lines are ignored, and which are errors
//!
//! IOS decides a line's meaning by the configuration mode it is typed in, not by indentation:
//! a block command (`crypto isakmp policy`, `crypto map ... ipsec-isakmp`, `crypto ipsec
//! transform-set`, `ip access-list extended`, `interface`) enters its mode, and its sub-commands
//! follow until `exit` or a global command. The rule for lines this simulation does not model:
//!
//! 1. **`crypto` is never ignored silently.** A `crypto` command (global or in a crypto mode)
//!    that is not modelled is an error naming it: ignoring `crypto isakmp profile`, `crypto
//!    dynamic-map`, `set ikev2-profile` ... would change what is negotiated. The one exception
//!    is `crypto pki` (certificates, and the `certificate chain` block `show running-config`
//!    prints for the router's self-signed HTTPS certificate): pre-shared-key authentication uses
//!    none, so the block is ignored with a warning.
//! 2. **Management boilerplate is accepted silently**: `version`, `service`, `boot...`,
//!    `enable`, `aaa`, `clock`, `username`, `logging`, `line` (and its block), `banner` (up to
//!    its closing delimiter), `ntp`, `snmp-server`, `license`, `archive`, `redundancy`,
//!    `memory-size`, `control-plane`, `ip cef`, `ip domain...`, `ip name-server`, `ip http`,
//!    `ip ssh`, `ipv6 ...`, and every global `no ...` but `no crypto ...` (`no ip domain
//!    lookup`, `no service pad`). None of them touches IKE, IPsec or IPv4 forwarding.
//! 3. **Any other unknown command is a warning** ("not modelled; ignored"), and the indented
//!    lines under it are taken as its block and skipped: `router ospf 1`, `ip nat inside
//!    source ...`. The router still starts; the warning says what it will not do.
//! 4. **In an `interface` block**, `description`, `duplex`, `speed`, `negotiation`,
//!    `media-type`, `load-interval` and `no ...` are accepted silently; other unknown lines are
//!    warnings; a `tunnel ...` line makes the interface a tunnel, which is not modelled (left
//!    out, with a warning).
//! 5. **Access lists**: a line IOS itself would refuse (a bad address or wildcard, a missing
//!    word) is an error wherever it is. A well-formed entry this simulation cannot turn into
//!    phase-2 IDs (a protocol other than `ip`, ports, a non-contiguous wildcard, options other
//!    than `log`) is kept aside, and is an error only if a crypto map matches that list
//!    ([`super::config`]); otherwise the list is not IPsec's business.
//!
//! A malformed modelled command (a bad address, a missing or unknown keyword, a number out of
//! range) is an error at the line and column of the offending word, naming the command.

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::time::Duration;

use crate::crypto::{CipherAlg, DhGroup, HashAlg};
use crate::esp::IntegAlg;
use crate::ike::EncapMode;
use crate::personality::ix::lex::{self, Args, Diags, Line, Pos, Word, q};
use crate::prefix::Ipv4Net;

/// IOS's `crypto isakmp policy` defaults (Cisco IOS Security Command Reference, `crypto isakmp
/// policy`: encryption 56-bit DES-CBC, hash SHA-1, authentication RSA signatures, group 1
/// (768-bit), lifetime 86,400 seconds).
pub(super) const ISAKMP_LIFETIME: u32 = 86_400;
/// The IPsec SA lifetimes IOS uses without `security-association lifetime` (`lifedur= 3600s and
/// 4608000kb` in IOS's `debug crypto ipsec`).
pub(super) const IPSEC_LIFETIME: u32 = 3600;
/// See [`IPSEC_LIFETIME`].
pub(super) const IPSEC_LIFETIME_KB: u32 = 4_608_000;

/// A word kept with its position.
#[derive(Clone, Debug)]
pub(super) struct Named {
    pub text: String,
    pub pos: Pos,
}

impl Named {
    fn of(w: Word<'_>) -> Self {
        Named {
            text: w.text.to_string(),
            pos: w.pos,
        }
    }
}

/// `crypto isakmp policy N` and its lines.
#[derive(Clone, Debug)]
pub(super) struct IsakmpPolicyIr {
    pub priority: u32,
    pub line: usize,
    pub pos: Pos,
    /// `None`: IOS's default, DES, which the engine lacks.
    pub cipher: Option<CipherAlg>,
    pub hash: HashAlg,
    /// `authentication pre-share`; IOS's default is `rsa-sig`.
    pub pre_share: bool,
    pub group: DhGroup,
    pub lifetime: u32,
    /// A line of the block was an error (nothing more is said about the policy).
    pub broken: bool,
}

/// `crypto isakmp key`.
#[derive(Clone, Debug)]
pub(super) struct KeyIr {
    pub key: String,
    /// `None`: `address 0.0.0.0 0.0.0.0` (any peer).
    pub peer: Option<Ipv4Addr>,
    pub line: usize,
}

/// `crypto isakmp keepalive`.
#[derive(Clone, Copy, Debug)]
pub(super) struct KeepaliveIr {
    pub interval: u32,
    pub retry: u32,
}

/// `crypto ipsec transform-set` and its `mode` line.
#[derive(Clone, Debug)]
pub(super) struct TransformSetIr {
    pub name: Named,
    pub line: usize,
    pub cipher: CipherAlg,
    pub integ: IntegAlg,
    pub mode: EncapMode,
}

/// One side of an access list entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum AddrSpec {
    /// A prefix (`any` is 0.0.0.0/0, `host A` a /32).
    Net(Ipv4Net),
    /// A wildcard that is not the inverse of a prefix: valid IOS, no phase-2 ID can say it.
    NonContiguous,
}

/// One access list entry.
#[derive(Clone, Debug)]
pub(super) struct AceIr {
    pub permit: bool,
    pub line: usize,
    pub pos: Pos,
    /// (source, destination) for `ip` entries IDs can express; `None` with the reason otherwise.
    pub nets: Result<(Ipv4Net, Ipv4Net), String>,
}

/// An access list (numbered or named).
#[derive(Clone, Debug)]
pub(super) struct AclIr {
    pub name: String,
    /// Extended IP list (crypto maps need one).
    pub extended: bool,
    pub entries: Vec<AceIr>,
    /// An entry was an error.
    pub broken: bool,
}

/// `crypto map M SEQ ipsec-isakmp` and its lines.
#[derive(Clone, Debug)]
pub(super) struct MapEntryIr {
    pub map: Named,
    pub seq: u32,
    pub line: usize,
    /// The peer, and where its `set peer` line starts.
    pub peer: Option<(Ipv4Addr, Pos)>,
    pub transform_sets: Vec<Named>,
    pub transform_line: Option<usize>,
    pub pfs: Option<(DhGroup, usize)>,
    pub lifetime: Option<u32>,
    pub lifetime_kb: Option<u32>,
    pub acl: Option<(Named, usize)>,
    /// A line of the block was an error.
    pub broken: bool,
}

/// `interface X` and its lines.
#[derive(Clone, Debug)]
pub(super) struct IfaceIr {
    pub name: String,
    pub pos: Pos,
    pub address: Option<Ipv4Net>,
    pub crypto_map: Option<Named>,
    pub up: bool,
    /// A `tunnel ...` line: a tunnel interface, not modelled.
    pub tunnel: bool,
    /// A line of the block was an error.
    pub broken: bool,
}

/// `ip route`.
#[derive(Clone, Debug)]
pub(super) struct RouteIr {
    pub prefix: Ipv4Net,
    pub line: usize,
    pub via: Via,
}

/// Where a route points.
#[derive(Clone, Debug)]
pub(super) enum Via {
    Gateway(Ipv4Addr),
    Interface(Named),
}

/// The mode a line is read in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Global,
    Isakmp(usize),
    Transform(usize),
    Map(usize),
    Acl(usize),
    Interface(usize),
    /// Inside an ignored block: its indented lines are skipped.
    Skip,
    /// Inside a `banner` until a line holding the delimiter.
    Banner(char),
}

/// Everything read from a config, before names are resolved.
#[derive(Debug)]
pub(super) struct Ir {
    mode: Mode,
    pub hostname: Option<String>,
    pub policies: Vec<IsakmpPolicyIr>,
    pub keys: Vec<KeyIr>,
    pub keepalive: Option<KeepaliveIr>,
    pub nat_t: bool,
    pub transform_sets: Vec<TransformSetIr>,
    pub sa_lifetime: Option<u32>,
    pub sa_lifetime_kb: Option<u32>,
    pub acls: Vec<AclIr>,
    acl_index: HashMap<String, usize>,
    set_index: HashMap<String, usize>,
    policy_index: HashMap<u32, usize>,
    map_index: HashMap<(String, u32), usize>,
    interface_index: HashMap<String, usize>,
    pub maps: Vec<MapEntryIr>,
    pub interfaces: Vec<IfaceIr>,
    pub routes: Vec<RouteIr>,
    /// Lines that are commands of the dialect (modelled or accepted).
    pub known: usize,
    /// Transform sets whose line was an error.
    pub failed_sets: Vec<String>,
    /// A `crypto isakmp key` line was an error.
    pub key_failed: bool,
}

/// Words IOS accepts as `hash`.
fn hash(s: &str) -> Option<HashAlg> {
    match s {
        "sha" => Some(HashAlg::Sha1),
        "md5" => Some(HashAlg::Md5),
        "sha256" => Some(HashAlg::Sha256),
        _ => None,
    }
}

/// A DH group number as `group N` writes it.
fn group(s: &str) -> Option<DhGroup> {
    match s {
        "1" => Some(DhGroup::Modp768),
        "2" => Some(DhGroup::Modp1024),
        "5" => Some(DhGroup::Modp1536),
        "14" => Some(DhGroup::Modp2048),
        _ => None,
    }
}

/// A dotted mask as a prefix length, if contiguous.
fn mask_len(m: Ipv4Addr) -> Option<u8> {
    let m = u32::from(m);
    let len = m.leading_ones();
    (m.checked_shl(len).unwrap_or(0) == 0).then_some(len as u8)
}

/// A number in `lo..=hi`.
fn ranged(lo: u32, hi: u32) -> impl Fn(&str) -> Result<u32, String> {
    move |s| {
        let n = lex::number(s)?;
        if (lo..=hi).contains(&n) {
            Ok(n)
        } else {
            Err(format!("{} is not in {lo}-{hi}", q(s)))
        }
    }
}

/// Global commands accepted silently (rule 2 of the module documentation).
fn boilerplate(l: &Line<'_>) -> bool {
    let w0 = l.word(0);
    let w1 = l.word(1);
    matches!(
        w0,
        "version"
            | "service"
            | "boot-start-marker"
            | "boot-end-marker"
            | "boot"
            | "enable"
            | "aaa"
            | "clock"
            | "username"
            | "logging"
            | "ntp"
            | "snmp-server"
            | "license"
            | "archive"
            | "redundancy"
            | "memory-size"
            | "control-plane"
            | "ipv6"
            | "end"
    ) || (w0 == "ip"
        && matches!(
            w1,
            "cef" | "domain" | "domain-name" | "domain-lookup" | "name-server" | "http" | "ssh"
        ))
        || (w0 == "no" && w1 != "crypto" && !w1.is_empty())
}

impl Ir {
    pub fn new() -> Self {
        Ir {
            mode: Mode::Global,
            hostname: None,
            policies: vec![],
            keys: vec![],
            keepalive: None,
            nat_t: true,
            transform_sets: vec![],
            sa_lifetime: None,
            sa_lifetime_kb: None,
            acls: vec![],
            acl_index: HashMap::new(),
            set_index: HashMap::new(),
            policy_index: HashMap::new(),
            map_index: HashMap::new(),
            interface_index: HashMap::new(),
            maps: vec![],
            interfaces: vec![],
            routes: vec![],
            known: 0,
            failed_sets: vec![],
            key_failed: false,
        }
    }

    /// The transform set `name`, if defined.
    pub fn transform_set(&self, name: &str) -> Option<&TransformSetIr> {
        self.set_index.get(name).map(|&i| &self.transform_sets[i])
    }

    /// The access list `name`, if defined.
    pub fn acl(&self, name: &str) -> Option<&AclIr> {
        self.acl_index.get(name).map(|&i| &self.acls[i])
    }

    /// The access list `name`, created if new (`extended` as the first definition says).
    fn acl_mut(&mut self, name: &str, extended: bool) -> usize {
        if let Some(&i) = self.acl_index.get(name) {
            return i;
        }
        self.acls.push(AclIr {
            name: name.to_string(),
            extended,
            entries: vec![],
            broken: false,
        });
        let i = self.acls.len() - 1;
        self.acl_index.insert(name.to_string(), i);
        i
    }

    /// Reads one line in the current mode; a line that is an error marks what it belongs to
    /// as broken, so that nothing more is said about it (one defect, one error).
    pub fn line(&mut self, l: &Line<'_>, d: &mut Diags) {
        let before = d.errors();
        let mode = self.mode;
        self.read(l, d);
        if d.errors() == before {
            return;
        }
        match mode {
            Mode::Isakmp(i) if self.mode == mode => self.policies[i].broken = true,
            Mode::Map(i) if self.mode == mode => self.maps[i].broken = true,
            Mode::Acl(i) if self.mode == mode => self.acls[i].broken = true,
            Mode::Interface(i) if self.mode == mode => self.interfaces[i].broken = true,
            _ => match (l.word(0), l.word(1), l.word(2)) {
                ("crypto", "ipsec", "transform-set") => {
                    self.failed_sets.push(l.word(3).to_string());
                }
                ("crypto", "isakmp", "key") => self.key_failed = true,
                ("crypto", "isakmp", "policy") => {
                    if let Mode::Isakmp(i) = self.mode {
                        self.policies[i].broken = true;
                    }
                }
                ("access-list", n, _) => {
                    if let Some(&i) = self.acl_index.get(n) {
                        self.acls[i].broken = true;
                    }
                }
                _ => {}
            },
        }
    }

    fn read(&mut self, l: &Line<'_>, d: &mut Diags) {
        if let Mode::Banner(delim) = self.mode {
            if l.words.iter().any(|w| w.text.contains(delim)) {
                self.mode = Mode::Global;
            }
            return;
        }
        if self.mode == Mode::Skip && l.indented {
            return;
        }
        let sub = match self.mode {
            Mode::Isakmp(i) => self.isakmp_line(i, l, d),
            Mode::Transform(i) => self.transform_line(i, l, d),
            Mode::Map(i) => self.map_line(i, l, d),
            Mode::Acl(i) => self.acl_line(i, l, d),
            Mode::Interface(i) => self.interface_line(i, l, d),
            Mode::Skip | Mode::Global | Mode::Banner(_) => false,
        };
        if sub {
            self.known += 1;
            return;
        }
        self.mode = Mode::Global;
        self.global(l, d);
    }

    fn global(&mut self, l: &Line<'_>, d: &mut Diags) {
        let w0 = l.word(0);
        let head = l.words.first().map_or(Pos::default(), |w| w.pos);
        match w0 {
            "hostname" => {
                self.known += 1;
                let mut a = Args::new(l, 1, "hostname");
                if let Some(w) = a.need(d, "a name") {
                    if a.done(d).is_some() {
                        self.hostname = Some(w.text.to_string());
                    }
                }
            }
            "crypto" => {
                self.known += 1;
                self.crypto(l, d);
            }
            "access-list" => {
                self.known += 1;
                self.numbered_acl(l, d);
            }
            "interface" => {
                self.known += 1;
                // `interface FastEthernet 0/0` is IOS's `FastEthernet0/0`; words after the
                // name (`point-to-point`, `multipoint`) do not change it.
                let mut name = l.word(1).to_string();
                if l.word(2).starts_with(|c: char| c.is_ascii_digit()) {
                    name.push_str(l.word(2));
                }
                if name.is_empty() {
                    d.error(l.end, "interface: missing an interface name");
                    self.mode = Mode::Skip;
                    return;
                }
                if let Some(&i) = self.interface_index.get(&name) {
                    self.mode = Mode::Interface(i);
                    return;
                }
                self.interface_index
                    .insert(name.clone(), self.interfaces.len());
                self.interfaces.push(IfaceIr {
                    name,
                    pos: head,
                    address: None,
                    crypto_map: None,
                    up: true,
                    tunnel: false,
                    broken: false,
                });
                self.mode = Mode::Interface(self.interfaces.len() - 1);
            }
            "ip" if l.word(1) == "route" => {
                self.known += 1;
                self.route(l, d);
            }
            "ip" if l.word(1) == "access-list" => {
                self.known += 1;
                let kind = l.word(2);
                let mut a = Args::new(l, 3, "ip access-list");
                let Some(name) = a.need(d, "an access list name") else {
                    self.mode = Mode::Skip;
                    return;
                };
                let _ = a.done(d);
                match kind {
                    "extended" => {
                        let i = self.acl_mut(name.text, true);
                        self.mode = Mode::Acl(i);
                    }
                    "standard" => {
                        self.acl_mut(name.text, false);
                        self.mode = Mode::Skip;
                    }
                    _ => {
                        let w = l.words.get(2).copied().unwrap_or(name);
                        d.error(
                            w.pos,
                            format!(
                                "ip access-list: expected `extended` or `standard`, found {}",
                                q(w.text)
                            ),
                        );
                        self.mode = Mode::Skip;
                    }
                }
            }
            "banner" => {
                self.known += 1;
                // `banner motd ^C ... ^C`: the delimiter is the first character of the word
                // after the banner type; the banner ends on the line where it comes again.
                let Some(text) = l.words.get(2).map(|w| w.text) else {
                    return;
                };
                let mut chars = text.chars();
                let Some(delim) = chars.next() else { return };
                let rest_of_word: String = chars.collect();
                let closed = rest_of_word.contains(delim)
                    || l.words.iter().skip(3).any(|w| w.text.contains(delim));
                // `^C` is written as two characters: its closing `^C` holds the `^`.
                if !closed {
                    self.mode = Mode::Banner(delim);
                }
            }
            "line" => {
                self.known += 1;
                self.mode = Mode::Skip;
            }
            "exit" => {
                self.known += 1;
            }
            "no" if l.word(1) == "crypto" => {
                self.known += 1;
                let words: Vec<&str> = l.words.iter().map(|w| w.text).collect();
                if words[..]
                    == [
                        "no",
                        "crypto",
                        "ipsec",
                        "nat-transparency",
                        "udp-encapsulation",
                    ]
                {
                    self.nat_t = false;
                } else {
                    d.error(
                        head,
                        format!(
                            "{}: not modelled (a `crypto` command is never ignored: it would change what is negotiated)",
                            q(&words.join(" "))
                        ),
                    );
                }
            }
            _ if boilerplate(l) => {
                self.known += 1;
                self.mode = Mode::Skip;
            }
            _ => {
                let shown: Vec<&str> = l.words.iter().take(3).map(|w| w.text).collect();
                d.warn(
                    head,
                    format!("{}: not modelled; ignored", q(&shown.join(" "))),
                );
                self.mode = Mode::Skip;
            }
        }
    }

    fn crypto(&mut self, l: &Line<'_>, d: &mut Diags) {
        let head = l.words.first().map_or(Pos::default(), |w| w.pos);
        let words: Vec<&str> = l.words.iter().map(|w| w.text).collect();
        match (l.word(1), l.word(2)) {
            ("isakmp", "policy") => {
                let mut a = Args::new(l, 3, "crypto isakmp policy");
                let Some((n, _)) = a.value(d, "a priority (1-10000)", ranged(1, 10_000)) else {
                    self.mode = Mode::Skip;
                    return;
                };
                let _ = a.done(d);
                if let Some(&i) = self.policy_index.get(&n) {
                    self.mode = Mode::Isakmp(i);
                    return;
                }
                self.policy_index.insert(n, self.policies.len());
                self.policies.push(IsakmpPolicyIr {
                    priority: n,
                    line: head.line,
                    pos: head,
                    cipher: None,
                    hash: HashAlg::Sha1,
                    pre_share: false,
                    group: DhGroup::Modp768,
                    lifetime: ISAKMP_LIFETIME,
                    broken: false,
                });
                self.mode = Mode::Isakmp(self.policies.len() - 1);
            }
            ("isakmp", "key") => self.isakmp_key(l, d),
            ("isakmp", "keepalive") => {
                let mut a = Args::new(l, 3, "crypto isakmp keepalive");
                let Some((interval, _)) = a.value(d, "seconds (10-3600)", ranged(10, 3600)) else {
                    return;
                };
                let mut retry = 2;
                if a.peek().is_some_and(|w| lex::number(w.text).is_ok()) {
                    match a.value(d, "retry seconds (2-60)", ranged(2, 60)) {
                        Some((r, _)) => retry = r,
                        None => return,
                    }
                }
                if let Some(w) = a.next() {
                    if !matches!(w.text, "periodic" | "on-demand") {
                        a.wrong(d, w, "`periodic`, `on-demand` or the end of the line");
                        return;
                    }
                }
                if a.done(d).is_some() {
                    self.keepalive = Some(KeepaliveIr { interval, retry });
                }
            }
            ("isakmp", "nat") if l.word(3) == "keepalive" => {
                let mut a = Args::new(l, 4, "crypto isakmp nat keepalive");
                if a.value(d, "seconds (5-3600)", ranged(5, 3600)).is_some() {
                    let _ = a.done(d);
                }
            }
            ("isakmp", "identity") if l.word(3) == "address" && l.words.len() == 4 => {}
            ("ipsec", "transform-set") => self.define_transform_set(l, d),
            ("ipsec", "security-association") if l.word(3) == "lifetime" => {
                let mut a = Args::new(l, 4, "crypto ipsec security-association lifetime");
                if let Some((secs, kb)) = lifetime(&mut a, d) {
                    if let Some(s) = secs {
                        self.sa_lifetime = Some(s);
                    }
                    if let Some(k) = kb {
                        self.sa_lifetime_kb = Some(k);
                    }
                }
            }
            ("map", _) => self.map(l, d),
            ("pki", _) => {
                d.warn(
                    head,
                    "crypto pki: certificates are not modelled (pre-shared keys need none); block ignored",
                );
                self.mode = Mode::Skip;
            }
            _ => {
                let shown: Vec<&str> = words.iter().take(4).copied().collect();
                d.error(
                    head,
                    format!(
                        "{}: not modelled (a `crypto` command is never ignored: it would change what is negotiated; modelled: crypto isakmp policy|key|keepalive|nat keepalive, crypto ipsec transform-set|security-association lifetime, crypto map)",
                        q(&shown.join(" "))
                    ),
                );
                self.mode = Mode::Skip;
            }
        }
    }

    fn isakmp_key(&mut self, l: &Line<'_>, d: &mut Diags) {
        let mut a = Args::new(l, 3, "crypto isakmp key");
        let Some(mut key) = a.need(d, "a key") else {
            return;
        };
        // `key 0 KEY` is the same key written unencrypted; `key 6 ...` is encrypted with the
        // router's master key, which a config file does not carry.
        if key.text == "0" && a.peek().is_some_and(|w| w.text != "address") {
            let Some(k) = a.need(d, "a key") else { return };
            key = k;
        } else if key.text == "6" && a.peek().is_some_and(|w| w.text != "address") {
            d.error(
                key.pos,
                "crypto isakmp key: an encrypted key (type 6) is not modelled; write it unencrypted",
            );
            return;
        }
        let Some(kw) = a.need(d, "`address`") else {
            return;
        };
        if kw.text != "address" {
            a.wrong(d, kw, "`address` (`hostname` is not modelled)");
            return;
        }
        let Some((peer, _)) = a.value(d, "a peer address", lex::addr) else {
            return;
        };
        let mut any = false;
        if a.peek().is_some_and(|w| w.text != "no-xauth") {
            let Some((mask, w)) = a.value(d, "a mask", lex::addr) else {
                return;
            };
            match u32::from(mask) {
                u32::MAX => {}
                0 if peer.is_unspecified() => any = true,
                _ => {
                    d.error(
                        w.pos,
                        "crypto isakmp key: only a host (255.255.255.255) or `0.0.0.0 0.0.0.0` (any peer) is modelled",
                    );
                    return;
                }
            }
        }
        if let Some(w) = a.next() {
            if w.text != "no-xauth" {
                a.wrong(d, w, "`no-xauth` or the end of the line");
                return;
            }
        }
        if a.done(d).is_none() {
            return;
        }
        self.keys.push(KeyIr {
            key: key.text.to_string(),
            peer: (!any).then_some(peer),
            line: l.end.line,
        });
    }

    fn define_transform_set(&mut self, l: &Line<'_>, d: &mut Diags) {
        let mut a = Args::new(l, 3, "crypto ipsec transform-set");
        let Some(name) = a.need(d, "a transform set name") else {
            self.mode = Mode::Skip;
            return;
        };
        let mut cipher = None;
        let mut integ = None;
        let mut ok = true;
        while let Some(w) = a.next() {
            match w.text {
                "esp-aes" => {
                    let mut bits = 128;
                    if let Some(b) = a.peek().filter(|w| lex::number(w.text).is_ok()) {
                        a.next();
                        match b.text {
                            "128" | "192" | "256" => bits = lex::number(b.text).unwrap_or(128),
                            _ => {
                                a.wrong(d, b, "`128`, `192` or `256`");
                                ok = false;
                                continue;
                            }
                        }
                    }
                    cipher = Some(CipherAlg::AesCbc {
                        key_len: bits as usize / 8,
                    });
                }
                "esp-3des" => cipher = Some(CipherAlg::TripleDesCbc),
                "esp-sha-hmac" => integ = Some(IntegAlg::HmacSha1_96),
                "esp-md5-hmac" => integ = Some(IntegAlg::HmacMd5_96),
                "esp-sha256-hmac" => integ = Some(IntegAlg::HmacSha256_128),
                "esp-des" | "esp-null" | "esp-gcm" | "esp-sha384-hmac" | "esp-sha512-hmac"
                | "esp-seal" => {
                    d.error(
                        w.pos,
                        format!(
                            "crypto ipsec transform-set: {} is not supported by this simulation (expected esp-aes [128|192|256], esp-3des, esp-sha-hmac, esp-md5-hmac, esp-sha256-hmac)",
                            q(w.text)
                        ),
                    );
                    ok = false;
                }
                t if t.starts_with("ah-") || t == "comp-lzs" => {
                    d.error(
                        w.pos,
                        format!(
                            "crypto ipsec transform-set: {} is not modelled (ESP only)",
                            q(t)
                        ),
                    );
                    ok = false;
                }
                _ => {
                    a.wrong(
                        d,
                        w,
                        "esp-aes [128|192|256], esp-3des, esp-sha-hmac, esp-md5-hmac or esp-sha256-hmac",
                    );
                    ok = false;
                }
            }
        }
        if !ok {
            self.mode = Mode::Skip;
            return;
        }
        let (Some(cipher), Some(integ)) = (cipher, integ) else {
            let what = if cipher.is_none() {
                "an ESP encryption transform (esp-aes, esp-3des)"
            } else {
                "an ESP authentication transform (esp-sha-hmac, esp-md5-hmac, esp-sha256-hmac)"
            };
            d.error(
                l.end,
                format!("crypto ipsec transform-set {}: missing {what}", name.text),
            );
            self.mode = Mode::Skip;
            return;
        };
        let set = TransformSetIr {
            name: Named::of(name),
            line: l.end.line,
            cipher,
            integ,
            mode: EncapMode::Tunnel,
        };
        // Defining a set again replaces it.
        let i = match self.set_index.get(name.text) {
            Some(&i) => {
                self.transform_sets[i] = set;
                i
            }
            None => {
                self.set_index
                    .insert(name.text.to_string(), self.transform_sets.len());
                self.transform_sets.push(set);
                self.transform_sets.len() - 1
            }
        };
        self.mode = Mode::Transform(i);
    }

    fn map(&mut self, l: &Line<'_>, d: &mut Diags) {
        let mut a = Args::new(l, 2, "crypto map");
        let Some(name) = a.need(d, "a map name") else {
            return;
        };
        let Some(second) = a.peek() else {
            d.error(l.end, "crypto map: missing a sequence number (1-65535)");
            return;
        };
        if !second.text.bytes().all(|b| b.is_ascii_digit()) {
            d.error(
                second.pos,
                format!(
                    "crypto map {} {}: not modelled (expected `crypto map {} <seq> ipsec-isakmp`)",
                    name.text,
                    q(second.text),
                    name.text
                ),
            );
            self.mode = Mode::Skip;
            return;
        }
        let Some((seq, _)) = a.value(d, "a sequence number (1-65535)", ranged(1, 65_535)) else {
            self.mode = Mode::Skip;
            return;
        };
        match a.next() {
            Some(w) if w.text == "ipsec-isakmp" => {}
            Some(w) if matches!(w.text, "ipsec-manual" | "gdoi") => {
                d.error(
                    w.pos,
                    format!(
                        "crypto map: {} is not modelled (expected `ipsec-isakmp`)",
                        q(w.text)
                    ),
                );
                self.mode = Mode::Skip;
                return;
            }
            Some(w) => {
                a.wrong(d, w, "`ipsec-isakmp`");
                self.mode = Mode::Skip;
                return;
            }
            // IOS's default type is ipsec-isakmp.
            None => {}
        }
        if let Some(w) = a.next() {
            d.error(
                w.pos,
                format!(
                    "crypto map: {} is not modelled (dynamic maps, profiles)",
                    q(w.text)
                ),
            );
            self.mode = Mode::Skip;
            return;
        }
        let key = (name.text.to_string(), seq);
        if let Some(&i) = self.map_index.get(&key) {
            self.mode = Mode::Map(i);
            return;
        }
        self.map_index.insert(key, self.maps.len());
        self.maps.push(MapEntryIr {
            map: Named::of(name),
            seq,
            line: l.end.line,
            peer: None,
            transform_sets: vec![],
            transform_line: None,
            pfs: None,
            lifetime: None,
            lifetime_kb: None,
            acl: None,
            broken: false,
        });
        self.mode = Mode::Map(self.maps.len() - 1);
    }

    /// A line in `crypto isakmp policy` mode; false if it is not one of its commands.
    fn isakmp_line(&mut self, i: usize, l: &Line<'_>, d: &mut Diags) -> bool {
        let p = &mut self.policies[i];
        let w0 = l.words.first().map_or("", |w| w.text);
        let cmd = format!("crypto isakmp policy {}: {w0}", p.priority);
        let mut a = Args::new(l, 1, &cmd);
        match w0 {
            "encr" | "encryption" => {
                let Some(w) = a.need(d, "aes [128|192|256] or 3des") else {
                    return true;
                };
                let c = match w.text {
                    "aes" => {
                        let bits = match a.next() {
                            None => 128,
                            Some(b) if matches!(b.text, "128" | "192" | "256") => {
                                lex::number(b.text).unwrap_or(128)
                            }
                            Some(b) => {
                                a.wrong(d, b, "`128`, `192`, `256` or the end of the line");
                                return true;
                            }
                        };
                        CipherAlg::AesCbc {
                            key_len: bits as usize / 8,
                        }
                    }
                    "3des" => CipherAlg::TripleDesCbc,
                    "des" => {
                        d.error(
                            w.pos,
                            format!("{cmd}: `des` is not supported by this simulation (expected aes [128|192|256] or 3des)"),
                        );
                        return true;
                    }
                    _ => {
                        a.wrong(d, w, "aes [128|192|256] or 3des");
                        return true;
                    }
                };
                if a.done(d).is_some() {
                    p.cipher = Some(c);
                }
            }
            "hash" => {
                let Some(w) = a.need(d, "sha, md5 or sha256") else {
                    return true;
                };
                match hash(w.text) {
                    Some(h) if a.done(d).is_some() => {
                        p.hash = h;
                    }
                    Some(_) => {}
                    None => a.wrong(d, w, "sha, md5 or sha256"),
                }
            }
            "authentication" => {
                let Some(w) = a.need(d, "pre-share") else {
                    return true;
                };
                match w.text {
                    "pre-share" => {
                        if a.done(d).is_some() {
                            p.pre_share = true;
                        }
                    }
                    "rsa-sig" | "rsa-encr" => p.pre_share = false,
                    _ => a.wrong(d, w, "pre-share, rsa-sig or rsa-encr"),
                }
            }
            "group" => {
                let Some(w) = a.need(d, "1, 2, 5 or 14") else {
                    return true;
                };
                match group(w.text) {
                    Some(g) if a.done(d).is_some() => {
                        p.group = g;
                    }
                    Some(_) => {}
                    None => a.wrong(d, w, "1, 2, 5 or 14"),
                }
            }
            "lifetime" => {
                if let Some((s, _)) = a.value(d, "seconds (60-86400)", ranged(60, 86_400)) {
                    if a.done(d).is_some() {
                        p.lifetime = s;
                    }
                }
            }
            "exit" => self.mode = Mode::Global,
            _ if l.indented => {
                let w = l.words.first().copied();
                if let Some(w) = w {
                    d.error(
                        w.pos,
                        format!(
                            "{cmd}: unknown command (expected encr, hash, authentication, group or lifetime)"
                        ),
                    );
                }
            }
            _ => return false,
        }
        true
    }

    /// A line in transform-set mode (`mode tunnel|transport`).
    fn transform_line(&mut self, i: usize, l: &Line<'_>, d: &mut Diags) -> bool {
        let t = &mut self.transform_sets[i];
        match l.word(0) {
            "mode" => {
                let cmd = format!("crypto ipsec transform-set {}: mode", t.name.text);
                let mut a = Args::new(l, 1, &cmd);
                let Some(w) = a.need(d, "tunnel or transport") else {
                    return true;
                };
                let m = match w.text {
                    "tunnel" => EncapMode::Tunnel,
                    "transport" => EncapMode::Transport,
                    _ => {
                        a.wrong(d, w, "tunnel or transport");
                        return true;
                    }
                };
                // `mode transport require` insists; plain `transport` is what is proposed.
                if a.peek().is_some_and(|w| w.text == "require") {
                    a.next();
                }
                if a.done(d).is_some() {
                    t.mode = m;
                }
                true
            }
            "exit" => {
                self.mode = Mode::Global;
                true
            }
            _ => false,
        }
    }

    /// A line in crypto map mode.
    fn map_line(&mut self, i: usize, l: &Line<'_>, d: &mut Diags) -> bool {
        let line = l.end.line;
        let m = &mut self.maps[i];
        let what = format!("crypto map {} {}", m.map.text, m.seq);
        match (l.word(0), l.word(1)) {
            ("set", "peer") => {
                let mut a = Args::new(l, 2, &format!("{what}: set peer"));
                let Some((peer, w)) = a.value(d, "a peer address", lex::addr) else {
                    return true;
                };
                if a.peek().is_some_and(|w| w.text == "default") {
                    a.next();
                }
                if a.done(d).is_none() {
                    return true;
                }
                if m.peer.is_some() {
                    d.warn(
                        w.pos,
                        format!("{what}: set peer: a second peer (IOS's backup peer) is not modelled; ignored"),
                    );
                } else {
                    m.peer = Some((peer, l.words.first().map_or(l.end, |w| w.pos)));
                }
            }
            ("set", "transform-set") => {
                let mut a = Args::new(l, 2, &format!("{what}: set transform-set"));
                let Some(first) = a.need(d, "a transform set name") else {
                    return true;
                };
                let mut names = vec![Named::of(first)];
                while let Some(w) = a.next() {
                    names.push(Named::of(w));
                }
                if names.len() > 6 {
                    d.error(
                        names[6].pos,
                        format!("{what}: set transform-set: at most 6 transform sets"),
                    );
                    return true;
                }
                m.transform_sets = names;
                m.transform_line = Some(line);
            }
            ("set", "pfs") => {
                let mut a = Args::new(l, 2, &format!("{what}: set pfs"));
                // `set pfs` alone is group 1 (IOS's documented default for the command).
                let g = match a.next() {
                    None => DhGroup::Modp768,
                    Some(w) => match w.text.strip_prefix("group").and_then(group) {
                        Some(g) => g,
                        None => {
                            a.wrong(d, w, "group1, group2, group5 or group14");
                            return true;
                        }
                    },
                };
                if a.done(d).is_some() {
                    m.pfs = Some((g, line));
                }
            }
            ("set", "security-association") if l.word(2) == "lifetime" => {
                let mut a = Args::new(l, 3, &format!("{what}: set security-association lifetime"));
                if let Some((secs, kb)) = lifetime(&mut a, d) {
                    if secs.is_some() {
                        m.lifetime = secs;
                    }
                    if kb.is_some() {
                        m.lifetime_kb = kb;
                    }
                }
            }
            ("match", "address") => {
                let mut a = Args::new(l, 2, &format!("{what}: match address"));
                let Some(w) = a.need(d, "an access list") else {
                    return true;
                };
                if a.done(d).is_some() {
                    m.acl = Some((Named::of(w), line));
                }
            }
            ("description", _) => {}
            ("reverse-route", _) => {
                if let Some(w) = l.words.first() {
                    d.warn(
                        w.pos,
                        format!("{what}: reverse-route is not modelled; ignored"),
                    );
                }
            }
            ("exit", _) => self.mode = Mode::Global,
            _ if l.indented || matches!(l.word(0), "set" | "match") => {
                if let Some(w) = l.words.first() {
                    let shown: Vec<&str> = l.words.iter().take(3).map(|w| w.text).collect();
                    d.error(
                        w.pos,
                        format!(
                            "{what}: {} is not modelled (expected set peer, set transform-set, set pfs, set security-association lifetime, match address)",
                            q(&shown.join(" "))
                        ),
                    );
                }
            }
            _ => return false,
        }
        true
    }

    /// `access-list N ...`.
    fn numbered_acl(&mut self, l: &Line<'_>, d: &mut Diags) {
        let mut a = Args::new(l, 1, "access-list");
        let Some((n, w)) = a.value(d, "an access list number", lex::number) else {
            return;
        };
        let extended = matches!(n, 100..=199 | 2000..=2699);
        let standard = matches!(n, 1..=99 | 1300..=1999);
        if !extended && !standard {
            d.warn(
                w.pos,
                format!("access-list {n}: not an IP access list; ignored"),
            );
            return;
        }
        let i = self.acl_mut(w.text, extended);
        if !extended || l.word(2) == "remark" {
            return;
        }
        self.entry(i, l, 2, &format!("access-list {n}"), d);
    }

    /// A line in `ip access-list extended` mode.
    fn acl_line(&mut self, i: usize, l: &Line<'_>, d: &mut Diags) -> bool {
        let mut skip = 0;
        if lex::number(l.word(0)).is_ok() {
            skip = 1;
        }
        match l.word(skip) {
            "permit" | "deny" => {
                let cmd = format!("ip access-list extended {}", self.acls[i].name);
                self.entry(i, l, skip, &cmd, d);
                true
            }
            "remark" => true,
            "exit" => {
                self.mode = Mode::Global;
                true
            }
            _ => false,
        }
    }

    /// `permit|deny PROTO SRC DST [log]` from word `at`.
    fn entry(&mut self, i: usize, l: &Line<'_>, at: usize, cmd: &str, d: &mut Diags) {
        let mut a = Args::new(l, at, cmd);
        let Some(action) = a.need(d, "permit or deny") else {
            return;
        };
        let permit = match action.text {
            "permit" => true,
            "deny" => false,
            _ => {
                a.wrong(d, action, "permit, deny or remark");
                return;
            }
        };
        let Some(proto) = a.need(d, "a protocol (ip)") else {
            return;
        };
        let Some(src) = addr_spec(&mut a, d) else {
            return;
        };
        if proto.text != "ip" {
            // `tcp`/`udp` entries may carry port operators between and after the addresses:
            // the entry is kept aside without reading further.
            self.acls[i].entries.push(AceIr {
                permit,
                line: action.pos.line,
                pos: proto.pos,
                nets: Err(format!(
                    "protocol {}, and only `ip` entries become phase-2 IDs here",
                    q(proto.text)
                )),
            });
            return;
        }
        let Some(dst) = addr_spec(&mut a, d) else {
            return;
        };
        let mut nets = match (src, dst) {
            (AddrSpec::Net(s), AddrSpec::Net(t)) => Ok((s, t)),
            _ => Err("a non-contiguous wildcard, which no phase-2 ID can say".to_string()),
        };
        while let Some(w) = a.next() {
            if !matches!(w.text, "log" | "log-input") && nets.is_ok() {
                nets = Err(format!("the option {} is not modelled", q(w.text)));
            }
        }
        self.acls[i].entries.push(AceIr {
            permit,
            line: action.pos.line,
            pos: action.pos,
            nets,
        });
    }

    /// A line in interface mode.
    fn interface_line(&mut self, i: usize, l: &Line<'_>, d: &mut Diags) -> bool {
        let f = &mut self.interfaces[i];
        let head = l.words.first().map_or(Pos::default(), |w| w.pos);
        match (l.word(0), l.word(1)) {
            ("ip", "address") => {
                let cmd = format!("interface {}: ip address", f.name);
                let mut a = Args::new(l, 2, &cmd);
                if matches!(l.word(2), "dhcp" | "negotiated") {
                    d.warn(
                        head,
                        format!(
                            "{cmd} {}: not modelled; the interface has no address",
                            l.word(2)
                        ),
                    );
                    return true;
                }
                let Some((addr, _)) = a.value(d, "an address", lex::addr) else {
                    return true;
                };
                let Some((mask, mw)) = a.value(d, "a mask", lex::addr) else {
                    return true;
                };
                let Some(len) = mask_len(mask) else {
                    d.error(
                        mw.pos,
                        format!("{cmd}: {} is not a contiguous mask", q(mw.text)),
                    );
                    return true;
                };
                if a.peek().is_some_and(|w| w.text == "secondary") {
                    d.warn(head, format!("{cmd} ... secondary: not modelled; ignored"));
                    return true;
                }
                if a.done(d).is_some() {
                    f.address = Some(Ipv4Net {
                        addr,
                        prefix_len: len,
                    });
                }
            }
            ("no", "shutdown") => f.up = true,
            ("shutdown", _) => f.up = false,
            ("no", "ip") if l.word(2) == "address" => f.address = None,
            // `crypto map M SEQ ...` is the global command (IOS tries the parent mode when a
            // line is not one of the interface's).
            ("crypto", "map") if l.words.len() <= 3 => {
                let cmd = format!("interface {}: crypto map", f.name);
                let mut a = Args::new(l, 2, &cmd);
                if let Some(w) = a.need(d, "a crypto map name") {
                    if a.done(d).is_some() {
                        f.crypto_map = Some(Named::of(w));
                    }
                }
            }
            ("tunnel", _) => {
                if !f.tunnel {
                    d.warn(
                        head,
                        format!(
                            "interface {}: tunnel interfaces are not modelled (classic crypto maps only); interface left out",
                            f.name
                        ),
                    );
                }
                f.tunnel = true;
            }
            ("crypto", _) if l.indented => {
                d.error(
                    head,
                    format!(
                        "interface {}: {} is not modelled (a `crypto` command is never ignored)",
                        f.name,
                        q(&l.words
                            .iter()
                            .take(3)
                            .map(|w| w.text)
                            .collect::<Vec<_>>()
                            .join(" "))
                    ),
                );
            }
            (
                "description" | "duplex" | "speed" | "negotiation" | "media-type" | "load-interval"
                | "no",
                _,
            ) => {}
            ("exit", _) => self.mode = Mode::Global,
            _ if l.indented => {
                let shown: Vec<&str> = l.words.iter().take(3).map(|w| w.text).collect();
                d.warn(
                    head,
                    format!(
                        "interface {}: {}: not modelled; ignored",
                        f.name,
                        q(&shown.join(" "))
                    ),
                );
            }
            _ => return false,
        }
        true
    }

    /// `ip route NET MASK NEXTHOP|INTERFACE [NEXTHOP] [distance] ...`.
    fn route(&mut self, l: &Line<'_>, d: &mut Diags) {
        let mut a = Args::new(l, 2, "ip route");
        let Some((net, _)) = a.value(d, "a destination", lex::addr) else {
            return;
        };
        let Some((mask, mw)) = a.value(d, "a mask", lex::addr) else {
            return;
        };
        let Some(len) = mask_len(mask) else {
            d.error(
                mw.pos,
                format!("ip route: {} is not a contiguous mask", q(mw.text)),
            );
            return;
        };
        let Some(hop) = a.need(d, "a next hop (an address or an interface)") else {
            return;
        };
        let via = match hop.text.parse::<Ipv4Addr>() {
            Ok(g) => Via::Gateway(g),
            Err(_) if hop.text.starts_with(|c: char| c.is_ascii_digit()) => {
                d.error(
                    hop.pos,
                    format!(
                        "ip route: {} is not an IPv4 address or an interface",
                        q(hop.text)
                    ),
                );
                return;
            }
            // An interface, perhaps followed by a gateway on it.
            Err(_) => match a.peek().and_then(|w| w.text.parse::<Ipv4Addr>().ok()) {
                Some(g) => Via::Gateway(g),
                None => Via::Interface(Named::of(hop)),
            },
        };
        let prefix = Ipv4Net {
            addr: net,
            prefix_len: len,
        };
        self.routes.push(RouteIr {
            prefix: Ipv4Net {
                addr: prefix.network(),
                prefix_len: len,
            },
            line: l.end.line,
            via,
        });
    }
}

/// `seconds S | kilobytes K` after `lifetime`: (seconds, kilobytes).
fn lifetime(a: &mut Args<'_, '_>, d: &mut Diags) -> Option<(Option<u32>, Option<u32>)> {
    let w = a.need(d, "`seconds` or `kilobytes`")?;
    let out = match w.text {
        "seconds" => (
            Some(a.value(d, "seconds (120-86400)", ranged(120, 86_400))?.0),
            None,
        ),
        "kilobytes" => (
            None,
            Some(
                a.value(d, "kilobytes (2560-4294967295)", ranged(2560, u32::MAX))?
                    .0,
            ),
        ),
        _ => {
            a.wrong(d, w, "`seconds` or `kilobytes`");
            return None;
        }
    };
    a.done(d)?;
    Some(out)
}

/// `any`, `host A` or `A WILDCARD`.
fn addr_spec(a: &mut Args<'_, '_>, d: &mut Diags) -> Option<AddrSpec> {
    let w = a.need(d, "an address (`any`, `host A` or `A WILDCARD`)")?;
    match w.text {
        "any" => Some(AddrSpec::Net(Ipv4Net::ANY)),
        "host" => {
            let (h, _) = a.value(d, "a host address", lex::addr)?;
            Some(AddrSpec::Net(Ipv4Net::host(h)))
        }
        _ => {
            let Ok(addr) = w.text.parse::<Ipv4Addr>() else {
                a.wrong(d, w, "`any`, `host A` or `A WILDCARD`");
                return None;
            };
            let (wild, _) = a.value(d, "a wildcard", lex::addr)?;
            // A wildcard is an inverted mask; IOS clears the address bits it covers.
            match mask_len(Ipv4Addr::from(!u32::from(wild))) {
                Some(len) => {
                    let n = Ipv4Net {
                        addr,
                        prefix_len: len,
                    };
                    Some(AddrSpec::Net(Ipv4Net {
                        addr: n.network(),
                        prefix_len: len,
                    }))
                }
                None => Some(AddrSpec::NonContiguous),
            }
        }
    }
}

/// How long a duration of seconds is.
pub(super) fn secs(s: u32) -> Duration {
    Duration::from_secs(u64::from(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks() {
        assert_eq!(mask_len(Ipv4Addr::new(255, 255, 255, 0)), Some(24));
        assert_eq!(mask_len(Ipv4Addr::new(0, 0, 0, 0)), Some(0));
        assert_eq!(mask_len(Ipv4Addr::new(255, 255, 255, 255)), Some(32));
        assert_eq!(mask_len(Ipv4Addr::new(255, 0, 255, 0)), None);
    }
}
