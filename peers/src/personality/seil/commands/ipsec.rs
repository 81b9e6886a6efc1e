//! The `ipsec security-association` and `ipsec security-policy` commands: phase-2 proposals,
//! the SAs bound to tunnel interfaces (routing-based, with their proxy IDs) or to two endpoints
//! (policy-based, tunnel mode), and the security policies that select the traffic of the latter.

use crate::prefix::Ipv4Net;

use crate::personality::seil::lexer::{Word, show};
use crate::personality::seil::values::{self};

use super::{Cmd, Parser, R, SaDecl, SaEnds, SaProposalDecl, SpDecl, TunnelSrc, numbered};
use crate::personality::seil::config::DEFAULT_IPSEC_LIFETIME;

impl Parser {
    pub(super) fn ipsec(&mut self, c: &mut Cmd) -> R<()> {
        let sub = self.need(c, "subcommand after `ipsec` (e.g. `security-association`)")?;
        match sub.text.as_str() {
            "security-association" => {}
            "security-policy" => {
                self.add(c, "ipsec security-policy")?;
                return self.sp(c);
            }
            "anonymous-l2tp-transport" => {
                self.not_emulated(c, sub, &format!("ipsec {}", sub.text));
                return Ok(());
            }
            t => {
                return self.fail(
                    c,
                    sub,
                    format!(
                        "unknown `ipsec` subcommand `{}`: expected security-association or security-policy",
                        show(t)
                    ),
                );
            }
        }
        let w = self.need(c, "`add` or `proposal` after `ipsec security-association`")?;
        match w.text.as_str() {
            "proposal" => {
                self.add(c, "ipsec security-association proposal")?;
                self.sa_proposal(c)
            }
            "add" => self.sa(c),
            t => self.fail(
                c,
                w,
                format!(
                    "unknown `ipsec security-association` subcommand `{}`: expected add or proposal",
                    show(t)
                ),
            ),
        }
    }

    pub(super) fn sa_proposal(&mut self, c: &mut Cmd) -> R<()> {
        const CMD: &str = "ipsec security-association proposal add";
        let name = self.new_name(c, "SA proposal")?;
        let mut seen = Vec::new();
        let (mut ciphers, mut integs) = (None, None);
        let mut lifetime = DEFAULT_IPSEC_LIFETIME;
        let mut pfs = None;
        while let Some(k) = c.next() {
            self.once(c, k, &mut seen)?;
            match k.text.as_str() {
                "authentication-algorithm" => {
                    let v = self.need(
                        c,
                        "algorithms after `authentication-algorithm` (e.g. hmac-sha1)",
                    )?;
                    integs = Some(self.algs(c, v, "authentication algorithm", values::ESP_AUTH)?);
                }
                "encryption-algorithm" => {
                    let v = self.need(c, "algorithms after `encryption-algorithm` (e.g. aes)")?;
                    ciphers =
                        Some(self.algs(c, v, "encryption algorithm", values::ESP_ENCRYPTION)?);
                }
                "lifetime-of-time" => {
                    let v = self.need(c, "time after `lifetime-of-time` (e.g. 5m)")?;
                    if v.text != "system-default" {
                        lifetime = self.time_word(c, v, "lifetime")?;
                    }
                }
                "lifetime-of-byte" => {
                    self.need(c, "size after `lifetime-of-byte`")?;
                    self.not_emulated(c, k, &format!("{CMD} ... lifetime-of-byte"));
                }
                "pfs-group" => {
                    let v = self.need(c, "group after `pfs-group` (e.g. modp1024 or none)")?;
                    if v.text != "none" {
                        if v.text.contains(',') {
                            return self.fail(c, v, "`pfs-group` takes one group".into());
                        }
                        match values::DH_GROUP.iter().find(|(n, _)| *n == v.text) {
                            Some((_, Some(g))) => pfs = Some(*g),
                            Some((n, None)) => {
                                return self.fail(
                                    c,
                                    v,
                                    format!("PFS group `{n}` is not emulated by ikelab: expected modp768, modp1024, modp1536, modp2048 or none"),
                                );
                            }
                            None => {
                                return self.fail(
                                    c,
                                    v,
                                    format!(
                                        "unknown PFS group `{}`: expected one of {}, none",
                                        show(&v.text),
                                        values::names(values::DH_GROUP)
                                    ),
                                );
                            }
                        }
                    }
                }
                t => {
                    return self.fail(
                        c,
                        k,
                        format!(
                            "unknown `{CMD}` parameter `{}`: expected authentication-algorithm, encryption-algorithm, lifetime-of-time or pfs-group",
                            show(t)
                        ),
                    );
                }
            }
        }
        let Some(integs) = integs else {
            return self.missing_param(c, CMD, "authentication-algorithm", "hmac-sha1");
        };
        let Some(ciphers) = ciphers else {
            return self.missing_param(c, CMD, "encryption-algorithm", "aes");
        };
        if let Some(old) = self.sa_proposals.get(&name.text) {
            let l = old.pos.0;
            return self.fail(
                c,
                name,
                format!("SA proposal `{}` is already defined at line {l}", name.text),
            );
        }
        self.sa_proposals.insert(
            name.text.clone(),
            SaProposalDecl {
                pos: c.pos(name),
                ciphers,
                integs,
                lifetime,
                pfs,
            },
        );
        Ok(())
    }

    pub(super) fn proxy_id(&mut self, c: &mut Cmd, k: &Word) -> R<Option<Ipv4Net>> {
        let v = self.need(c, &format!("address or `any` after `{}`", k.text))?;
        if v.text == "any" {
            return Ok(Some(Ipv4Net::ANY));
        }
        if values::looks_ipv6(&v.text) {
            self.not_emulated(c, v, "IPv6 proxy-ids");
            return Ok(None);
        }
        let p = self.prefix_word(c, v, k.text.as_str(), false)?;
        if p.network() != p.addr {
            return self.fail(
                c,
                v,
                format!(
                    "`{}` has host bits set: expected {}",
                    show(&v.text),
                    p.trunc()
                ),
            );
        }
        Ok(Some(p))
    }

    pub(super) fn sa(&mut self, c: &mut Cmd) -> R<()> {
        const CMD: &str = "ipsec security-association add";
        let name = self.new_name(c, "SA")?;
        let kind = self.need(
            c,
            "`tunnel-interface <ipsecN>` or `tunnel <src> <dst>` after the SA name",
        )?;
        let ends = match kind.text.as_str() {
            "tunnel-interface" => {
                let ifw = self.need(c, "ipsecN interface after `tunnel-interface`")?;
                if !numbered(&ifw.text, "ipsec") {
                    return self.fail(
                        c,
                        ifw,
                        format!(
                            "invalid tunnel interface `{}`: expected ipsecN",
                            show(&ifw.text)
                        ),
                    );
                }
                SaEnds::Interface(ifw.text.clone(), c.pos(ifw))
            }
            "tunnel" => {
                let s = self.need(c, "local address (or lanN) after `tunnel`")?;
                let src = if numbered(&s.text, "lan") {
                    TunnelSrc::Interface(s.text.clone(), c.pos(s))
                } else {
                    TunnelSrc::Address(self.addr_word(c, s, "tunnel source")?)
                };
                let d = self.need(c, "peer address after the tunnel source")?;
                let dst = self.addr_word(c, d, "tunnel destination")?;
                SaEnds::Tunnel {
                    src,
                    dst,
                    pos: c.pos(kind),
                }
            }
            "transport" => {
                self.not_emulated(c, kind, &format!("{CMD} ... transport (host-to-host)"));
                return Ok(());
            }
            t => {
                return self.fail(
                    c,
                    kind,
                    format!(
                        "unknown SA kind `{}`: expected tunnel-interface or tunnel",
                        show(t)
                    ),
                );
            }
        };
        let policy_based = matches!(ends, SaEnds::Tunnel { .. });
        let mut sa = SaDecl {
            name: name.text.clone(),
            pos: c.pos(name),
            ends,
            sap: (String::new(), (c.line, 0)),
            esp: true,
            proxy_local: None,
            proxy_remote: None,
            proxy_protocol: 0,
        };
        let mut seen = Vec::new();
        while let Some(k) = c.next() {
            self.once(c, k, &mut seen)?;
            match k.text.as_str() {
                "ike" => {
                    let v = self.need(c, "SA proposal name after `ike`")?;
                    if !values::name_ok(&v.text) {
                        return self.fail(
                            c,
                            v,
                            format!("invalid SA proposal name `{}`", show(&v.text)),
                        );
                    }
                    sa.sap = (v.text.clone(), c.pos(v));
                }
                "ah" => {
                    if self.switch_word(c, k, "enable", "disable")? {
                        self.not_emulated(c, k, "ah enable");
                    }
                }
                "esp" => sa.esp = self.switch_word(c, k, "enable", "disable")?,
                "ipv6" => {
                    self.switch_word(c, k, "pass", "block")?;
                }
                "proxy-id-local" | "proxy-id-remote" | "proxy-id-protocol" if policy_based => {
                    return self.fail(
                        c,
                        k,
                        format!(
                            "`{}` belongs to `tunnel-interface` SAs: a `tunnel <src> <dst>` SA takes its IDs from its `ipsec security-policy` lines (src, dst, protocol, srcport, dstport)",
                            k.text
                        ),
                    );
                }
                "proxy-id-local" => sa.proxy_local = self.proxy_id(c, k)?,
                "proxy-id-remote" => sa.proxy_remote = self.proxy_id(c, k)?,
                "proxy-id-protocol" => {
                    let v =
                        self.need(c, "protocol after `proxy-id-protocol` (e.g. any, tcp, 17)")?;
                    match values::protocol(&v.text) {
                        Some(p) => sa.proxy_protocol = p,
                        None => {
                            return self.fail(
                                c,
                                v,
                                format!("invalid protocol `{}`: expected a number 0-255, a name (tcp, udp, icmp, ...) or any", show(&v.text)),
                            );
                        }
                    }
                }
                "manual" | "key" => {
                    return self.fail(
                        c,
                        k,
                        "manual keying is not emulated by ikelab: expected `ike <SA proposal>`"
                            .into(),
                    );
                }
                t => {
                    return self.fail(
                        c,
                        k,
                        format!(
                            "unknown `{CMD}` parameter `{}`: expected ike, ah, esp, ipv6, proxy-id-local, proxy-id-remote or proxy-id-protocol",
                            show(t)
                        ),
                    );
                }
            }
        }
        if sa.sap.0.is_empty() {
            return self.missing_param(c, CMD, "ike", "<SA proposal name>");
        }
        if let Some(old) = self.sas.get(&name.text) {
            let l = old.pos.0;
            return self.fail(
                c,
                name,
                format!("SA `{}` is already defined at line {l}", name.text),
            );
        }
        if !sa.esp {
            self.warn(
                c.line,
                name.col,
                format!(
                    "SA `{}` has ESP disabled; ikelab emulates ESP only, so it is ignored",
                    name.text
                ),
            );
            return Ok(());
        }
        self.sas.upsert(&name.text, sa);
        Ok(())
    }

    /// `ipsec security-policy add <SP> security-association <SA> [protocol P] src <prefix>
    /// [srcport N] dst <prefix> [dstport N]`.
    pub(super) fn sp(&mut self, c: &mut Cmd) -> R<()> {
        const CMD: &str = "ipsec security-policy add";
        let name = self.new_name(c, "security policy")?;
        let mut sa = None;
        let (mut protocol, mut srcport, mut dstport) = (0u8, 0u16, 0u16);
        let (mut src, mut dst) = (None, None);
        let mut seen = Vec::new();
        while let Some(k) = c.next() {
            self.once(c, k, &mut seen)?;
            match k.text.as_str() {
                "security-association" => {
                    let v = self.need(c, "SA name after `security-association`")?;
                    if !values::name_ok(&v.text) {
                        return self.fail(c, v, format!("invalid SA name `{}`", show(&v.text)));
                    }
                    sa = Some((v.text.clone(), c.pos(v)));
                }
                "protocol" => {
                    let v = self.need(c, "protocol after `protocol` (e.g. any, tcp, 17)")?;
                    protocol = values::protocol(&v.text).ok_or(()).or_else(|()| {
                        self.fail(
                            c,
                            v,
                            format!("invalid protocol `{}`: expected a number 0-255, a name (tcp, udp, icmp, ...) or any", show(&v.text)),
                        )
                    })?;
                }
                "src" | "dst" => {
                    let v =
                        self.need(c, &format!("prefix after `{}` (e.g. 10.1.0.0/24)", k.text))?;
                    let p = if v.text == "any" {
                        Ipv4Net::ANY
                    } else {
                        if values::looks_ipv6(&v.text) {
                            self.not_emulated(c, v, "IPv6 security policies");
                            return Ok(());
                        }
                        self.prefix_word(c, v, k.text.as_str(), false)?.trunc()
                    };
                    if k.text == "src" {
                        src = Some(p);
                    } else {
                        dst = Some(p);
                    }
                }
                "srcport" | "dstport" => {
                    let v = self.need(c, &format!("port after `{}`", k.text))?;
                    let port = match v.text.as_str() {
                        "any" => 0,
                        t => match t.parse::<u16>() {
                            Ok(n) if t.bytes().all(|b| b.is_ascii_digit()) => n,
                            _ => {
                                return self.fail(
                                    c,
                                    v,
                                    format!("invalid port `{}`: expected 0-65535 or any", show(t)),
                                );
                            }
                        },
                    };
                    if k.text == "srcport" {
                        srcport = port;
                    } else {
                        dstport = port;
                    }
                }
                "enable" | "disable" | "ipv6" => {
                    self.not_emulated(c, k, &format!("{CMD} ... {}", k.text));
                }
                t => {
                    return self.fail(
                        c,
                        k,
                        format!(
                            "unknown `{CMD}` parameter `{}`: expected security-association, protocol, src, srcport, dst or dstport",
                            show(t)
                        ),
                    );
                }
            }
        }
        let Some(sa) = sa else {
            return self.missing_param(c, CMD, "security-association", "<SA name>");
        };
        let Some(src) = src else {
            return self.missing_param(c, CMD, "src", "<prefix>");
        };
        let Some(dst) = dst else {
            return self.missing_param(c, CMD, "dst", "<prefix>");
        };
        if let Some(old) = self.sps.get(&name.text) {
            let l = old.pos.0;
            return self.fail(
                c,
                name,
                format!(
                    "security policy `{}` is already defined at line {l}",
                    name.text
                ),
            );
        }
        self.sps.upsert(
            &name.text,
            SpDecl {
                name: name.text.clone(),
                pos: c.pos(name),
                sa,
                protocol,
                src,
                srcport,
                dst,
                dstport,
            },
        );
        Ok(())
    }
}
