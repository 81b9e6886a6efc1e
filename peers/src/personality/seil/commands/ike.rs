//! The `ike` commands: pre-shared keys, phase-1 proposals, peers and the global IKE
//! parameters.

use std::time::Duration;

use crate::ike::{ExchangeMode, Identity, NatTraversal};

use crate::personality::seil::lexer::{Word, show};
use crate::personality::seil::values::{self};

use super::{Abandoned, Cmd, IkeProposalDecl, Parser, PeerAddr, PeerDecl, R};
use crate::personality::seil::config::DEFAULT_IKE_LIFETIME;

impl Parser {
    pub(super) fn ike(&mut self, c: &mut Cmd) -> R<()> {
        let sub = self.need(c, "subcommand after `ike` (e.g. `peer`)")?;
        match sub.text.as_str() {
            "preshared-key" => {
                self.add(c, "ike preshared-key")?;
                self.ike_psk(c)
            }
            "proposal" => {
                self.add(c, "ike proposal")?;
                self.ike_proposal(c)
            }
            "peer" => {
                self.add(c, "ike peer")?;
                self.ike_peer(c)
            }
            _ => {
                c.i -= 1;
                self.ike_globals(c)
            }
        }
    }

    pub(super) fn ike_psk(&mut self, c: &mut Cmd) -> R<()> {
        let id = self.need(c, "peer identifier (e.g. \"172.16.0.2\")")?;
        if id.text.is_empty() {
            return self.fail(c, id, "empty peer identifier".into());
        }
        let key = self.need(c, "pre-shared key after the peer identifier")?;
        if key.text.is_empty() {
            return self.fail(c, key, "empty pre-shared key".into());
        }
        self.done(c, "ike preshared-key add <peer> <key>")?;
        if let Some((_, (l, _))) = self.psks.get(&id.text) {
            let l = *l;
            self.warn(
                c.line,
                id.col,
                format!(
                    "pre-shared key for `{}` replaces the one at line {l}",
                    show(&id.text)
                ),
            );
        }
        self.psks
            .insert(id.text.clone(), (key.text.clone(), c.pos(id)));
        Ok(())
    }

    pub(super) fn ike_proposal(&mut self, c: &mut Cmd) -> R<()> {
        const CMD: &str = "ike proposal add";
        let name = self.new_name(c, "IKE proposal")?;
        let mut seen = Vec::new();
        let (mut ciphers, mut hashes, mut groups) = (None, None, None);
        let mut lifetime = DEFAULT_IKE_LIFETIME;
        let mut auth = false;
        while let Some(k) = c.next() {
            self.once(c, k, &mut seen)?;
            match k.text.as_str() {
                "authentication" => {
                    let v = self.need(c, "method after `authentication` (preshared-key)")?;
                    match v.text.as_str() {
                        "preshared-key" => auth = true,
                        "rsa-signature" => {
                            return self.fail(
                                c,
                                v,
                                "`authentication rsa-signature` is not emulated by ikelab: expected preshared-key".into(),
                            );
                        }
                        t => {
                            return self.fail(
                                c,
                                v,
                                format!(
                                    "unknown authentication method `{}`: expected preshared-key",
                                    show(t)
                                ),
                            );
                        }
                    }
                }
                "encryption" => {
                    let v = self.need(c, "algorithms after `encryption` (e.g. aes)")?;
                    ciphers =
                        Some(self.algs(c, v, "encryption algorithm", values::IKE_ENCRYPTION)?);
                }
                "hash" => {
                    let v = self.need(c, "algorithms after `hash` (e.g. sha1)")?;
                    hashes = Some(self.algs(c, v, "hash algorithm", values::IKE_HASH)?);
                }
                "dh-group" => {
                    let v = self.need(c, "group after `dh-group` (e.g. modp1024)")?;
                    groups = Some(self.algs(c, v, "DH group", values::DH_GROUP)?);
                }
                "lifetime-of-time" => {
                    let v = self.need(c, "time after `lifetime-of-time` (e.g. 10m)")?;
                    if v.text != "system-default" {
                        lifetime = self.time_word(c, v, "lifetime")?;
                    }
                }
                t => {
                    return self.fail(
                        c,
                        k,
                        format!(
                            "unknown `{CMD}` parameter `{}`: expected authentication, encryption, hash, dh-group or lifetime-of-time",
                            show(t)
                        ),
                    );
                }
            }
        }
        let Some(ciphers) = ciphers else {
            return self.missing_param(c, CMD, "encryption", "aes");
        };
        let Some(hashes) = hashes else {
            return self.missing_param(c, CMD, "hash", "sha1");
        };
        let Some(groups) = groups else {
            return self.missing_param(c, CMD, "dh-group", "modp1024");
        };
        if !auth {
            return self.missing_param(c, CMD, "authentication", "preshared-key");
        }
        if let Some(old) = self.ike_proposals.get(&name.text) {
            let l = old.pos.0;
            return self.fail(
                c,
                name,
                format!(
                    "IKE proposal `{}` is already defined at line {l}",
                    name.text
                ),
            );
        }
        self.ike_proposals.insert(
            name.text.clone(),
            IkeProposalDecl {
                pos: c.pos(name),
                ciphers,
                hashes,
                groups,
                lifetime,
            },
        );
        Ok(())
    }

    pub(super) fn identity<'a>(
        &mut self,
        c: &mut Cmd<'a>,
        k: &Word,
    ) -> R<(Identity, Option<String>)> {
        let t = self.need(
            c,
            &format!("type after `{}` (address, fqdn or user-fqdn)", k.text),
        )?;
        match t.text.as_str() {
            "address" => Ok((Identity::Address, None)),
            "fqdn" | "user-fqdn" => {
                let v = self.need(c, &format!("value after `{}`", t.text))?;
                if v.text.is_empty() {
                    return self.fail(c, v, format!("empty {}", t.text));
                }
                let id = if t.text == "fqdn" {
                    Identity::Fqdn(v.text.clone())
                } else {
                    Identity::UserFqdn(v.text.clone())
                };
                Ok((id, Some(v.text.clone())))
            }
            "asn1dn" | "keyid" => self.fail(
                c,
                t,
                format!(
                    "`{} {}` is not emulated by ikelab: expected address, fqdn or user-fqdn",
                    k.text, t.text
                ),
            ),
            other => self.fail(
                c,
                t,
                format!(
                    "unknown identifier type `{}`: expected address, fqdn or user-fqdn",
                    show(other)
                ),
            ),
        }
    }

    pub(super) fn ike_peer(&mut self, c: &mut Cmd) -> R<()> {
        const CMD: &str = "ike peer add";
        let name = self.new_name(c, "IKE peer")?;
        let mut seen = Vec::new();
        let mut address = None;
        let mut mode = None;
        let mut proposals = None;
        let mut peer = PeerDecl {
            name: name.text.clone(),
            pos: c.pos(name),
            address: PeerAddr::Dynamic,
            mode: ExchangeMode::Main,
            proposals: Vec::new(),
            my_id: Identity::Address,
            peers_id: None,
            initial_contact: None,
            nonce: None,
            dpd: None,
            nat: NatTraversal::Off,
            responder_only: false,
            tunnel_interface: false,
        };
        while let Some(k) = c.next() {
            self.once(c, k, &mut seen)?;
            match k.text.as_str() {
                "address" => {
                    let v = self.need(c, "peer address after `address` (a.b.c.d or dynamic)")?;
                    address = Some(if v.text == "dynamic" {
                        PeerAddr::Dynamic
                    } else if values::looks_ipv6(&v.text) {
                        return self.fail(c, v, "IPv6 peers are not emulated by ikelab".into());
                    } else {
                        PeerAddr::Static(self.addr_word(c, v, "peer address")?, c.pos(v))
                    });
                }
                "exchange-mode" => {
                    let v = self.need(c, "`main` or `aggressive` after `exchange-mode`")?;
                    mode = Some(match v.text.as_str() {
                        "main" => ExchangeMode::Main,
                        "aggressive" => ExchangeMode::Aggressive,
                        "base" => {
                            return self.fail(c, v, "`exchange-mode base` is not emulated by ikelab: expected main or aggressive".into());
                        }
                        t => {
                            return self.fail(
                                c,
                                v,
                                format!(
                                    "unknown exchange mode `{}`: expected main or aggressive",
                                    show(t)
                                ),
                            );
                        }
                    });
                }
                "proposals" => {
                    let v = self.need(c, "IKE proposal name(s) after `proposals`")?;
                    let mut list = Vec::new();
                    let mut col = v.col + usize::from(v.quoted);
                    for item in v.text.split(',') {
                        if !values::name_ok(item) {
                            self.error(
                                c.line,
                                col,
                                format!("invalid IKE proposal name `{}`", show(item)),
                            );
                            return Err(Abandoned);
                        }
                        list.push((item.to_string(), (c.line, col)));
                        col += item.chars().count() + 1;
                    }
                    proposals = Some(list);
                }
                "my-identifier" => peer.my_id = self.identity(c, k)?.0,
                "peers-identifier" => peer.peers_id = self.identity(c, k)?.1,
                "initial-contact" => {
                    peer.initial_contact = Some(self.switch_word(c, k, "enable", "disable")?);
                }
                "nonce-size" => {
                    let v = self.need(c, "size in bytes after `nonce-size`")?;
                    match v
                        .text
                        .parse::<usize>()
                        .ok()
                        .filter(|n| (8..=256).contains(n))
                    {
                        Some(n) if v.text.bytes().all(|b| b.is_ascii_digit()) => {
                            peer.nonce = Some((n, c.pos(v)));
                        }
                        _ => {
                            return self.fail(
                                c,
                                v,
                                format!(
                                    "invalid nonce size `{}`: expected 8-256 (bytes)",
                                    show(&v.text)
                                ),
                            );
                        }
                    }
                }
                "dpd" => peer.dpd = Some(self.switch_word(c, k, "enable", "disable")?),
                "nat-traversal" => {
                    let v = self.need(c, "enable, disable or force after `nat-traversal`")?;
                    peer.nat = match v.text.as_str() {
                        "enable" => NatTraversal::On,
                        "disable" => NatTraversal::Off,
                        "force" => NatTraversal::Force,
                        t => {
                            return self.fail(
                                c,
                                v,
                                format!("invalid value `{}` for `nat-traversal`: expected enable, disable or force", show(t)),
                            );
                        }
                    };
                }
                "responder-only" => {
                    peer.responder_only = self.switch_word(c, k, "on", "off")?;
                }
                "tunnel-interface" => {
                    peer.tunnel_interface = self.switch_word(c, k, "enable", "disable")?;
                }
                "prefer-new-phase1"
                | "check-level"
                | "send-transport-phase2-id"
                | "esp-fragment-size"
                | "variable-size-key-exchange-payload"
                | "port" => {
                    self.need(c, &format!("value after `{}`", k.text))?;
                    self.not_emulated(c, k, &format!("{CMD} ... {}", k.text));
                }
                t => {
                    return self.fail(
                        c,
                        k,
                        format!(
                            "unknown `{CMD}` parameter `{}`: expected address, exchange-mode, proposals, my-identifier, peers-identifier, initial-contact, nonce-size, dpd, nat-traversal, responder-only or tunnel-interface",
                            show(t)
                        ),
                    );
                }
            }
        }
        let Some(address) = address else {
            return self.missing_param(c, CMD, "address", "172.16.0.2");
        };
        let Some(mode) = mode else {
            return self.missing_param(c, CMD, "exchange-mode", "main");
        };
        let Some(proposals) = proposals else {
            return self.missing_param(c, CMD, "proposals", "<ike proposal name>");
        };
        if let Some(old) = self.peers.get(&name.text) {
            let l = old.pos.0;
            return self.fail(
                c,
                name,
                format!("IKE peer `{}` is already defined at line {l}", name.text),
            );
        }
        if let PeerAddr::Static(a, pos) = address {
            if let Some(old) = self.peer_addresses.get(&a).map(|&i| &self.peers[i]) {
                let (l, n) = (old.pos.0, old.name.clone());
                self.error(
                    pos.0,
                    pos.1,
                    format!("peer address {a} is already used by IKE peer `{n}` at line {l}"),
                );
                return Err(Abandoned);
            }
        }
        let static_address = match address {
            PeerAddr::Static(a, _) => Some(a),
            PeerAddr::Dynamic => None,
        };
        peer.address = address;
        peer.mode = mode;
        peer.proposals = proposals;
        let at = self.peers.upsert(&name.text, peer);
        if let Some(a) = static_address {
            self.peer_addresses.insert(a, at);
        }
        Ok(())
    }

    pub(super) fn ike_globals(&mut self, c: &mut Cmd) -> R<()> {
        let mut seen = Vec::new();
        while let Some(k) = c.next() {
            self.once(c, k, &mut seen)?;
            let key = k.text.as_str();
            match key {
                "interval"
                | "phase1-timeout"
                | "phase2-timeout"
                | "dpd-interval"
                | "nat-keepalive-interval" => {
                    let v = self.need(c, &format!("time after `ike {key}`"))?;
                    let t = self.time_word(c, v, key)?;
                    match key {
                        "interval" => self.globals.interval = Some(t),
                        "dpd-interval" => self.globals.dpd_interval = t,
                        "phase1-timeout" | "phase2-timeout" if t != Duration::from_secs(30) => {
                            self.not_emulated(c, k, &format!("ike {key}"));
                        }
                        "nat-keepalive-interval" if t != Duration::from_secs(120) => {
                            self.not_emulated(c, k, &format!("ike {key}"));
                        }
                        _ => {}
                    }
                }
                "retry" | "per-send" | "dpd-maxfail" | "maximum-padding-length" => {
                    let v = self.need(c, &format!("number after `ike {key}`"))?;
                    let n = match v.text.parse::<u32>() {
                        Ok(n) if n <= 100 && v.text.bytes().all(|b| b.is_ascii_digit()) => n,
                        _ => {
                            return self.fail(
                                c,
                                v,
                                format!(
                                    "invalid `ike {key}` value `{}`: expected a number 0-100",
                                    show(&v.text)
                                ),
                            );
                        }
                    };
                    let default = match key {
                        "retry" => {
                            self.globals.retry = Some(n);
                            n
                        }
                        "dpd-maxfail" => {
                            self.globals.dpd_maxfail = n;
                            n
                        }
                        "per-send" => 1,
                        _ => 20,
                    };
                    if n != default {
                        self.not_emulated(c, k, &format!("ike {key} {n}"));
                    }
                }
                "auto-initiation"
                | "exclusive-tail"
                | "randomize-padding-length"
                | "randomize-padding-value"
                | "strict-padding-byte-check" => {
                    let v = self.need(c, &format!("enable or disable after `ike {key}`"))?;
                    let b = match v.text.as_str() {
                        "system-default" => None,
                        t => match values::switch(t, "enable", "disable") {
                            Some(b) => Some(b),
                            None => {
                                return self.fail(
                                    c,
                                    v,
                                    format!("invalid value `{}` for `ike {key}`: expected enable or disable", show(t)),
                                );
                            }
                        },
                    };
                    let default = matches!(
                        key,
                        "auto-initiation" | "exclusive-tail" | "randomize-padding-value"
                    );
                    if key == "auto-initiation" {
                        self.globals.auto_initiation = b.unwrap_or(true);
                    } else if b.is_some_and(|b| b != default) {
                        self.not_emulated(c, k, &format!("ike {key} {}", v.text));
                    }
                }
                t => {
                    return self.fail(
                        c,
                        k,
                        format!(
                            "unknown `ike` subcommand `{}`: expected preshared-key, proposal, peer, interval, retry, per-send, phase1-timeout, phase2-timeout, dpd-interval, dpd-maxfail, auto-initiation or a padding setting",
                            show(t)
                        ),
                    );
                }
            }
        }
        if seen.is_empty() {
            let end = c.end();
            self.error(c.line, end, "missing subcommand after `ike`".into());
            return Err(Abandoned);
        }
        Ok(())
    }
}
