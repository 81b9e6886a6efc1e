//! A NAPT box between an inside segment and the outside (RFC 3022's "traditional NAT" with port
//! translation), so that a lab can put a router behind a NAT and NAT traversal (RFC 3947/3948)
//! meets a real one instead of a pretended one (`NatTraversal::Force`).
//!
//! What it does, and the choices where NATs differ:
//! - **Outbound** UDP and ICMP echo from the inside subnet get the outside address as source and
//!   a mapped port (echo identifier) from [`table::PORTS`], drawn from the lab's seed: UDP 500
//!   leaves from another port, as behind a consumer NAT. Mappings are endpoint-independent
//!   (RFC 4787 REQ-1: one inside address and port keep one outside port whatever the
//!   destination) and refreshed by outbound packets only (REQ-6).
//! - **Inbound** packets to the outside address and a mapped port go back to the inside address
//!   and port. Filtering is endpoint-independent (REQ-8's recommendation for transparency): any
//!   outside host may use a live mapping.
//! - **Checksums**: the IPv4 header checksum, and the UDP and ICMP checksums, are recomputed
//!   over the translated packet. RFC 768 would allow a zero UDP checksum (as many NATs write),
//!   but the lab's routers check non-zero checksums and tshark flags bad ones: a recomputed
//!   one keeps the capture clean and proves the translation consistent.
//! - **Timeouts**: a UDP mapping idle for [`DEFAULT_UDP_TIMEOUT`] (RFC 4787 REQ-5's floor of two
//!   minutes) and an ICMP one for [`DEFAULT_ICMP_TIMEOUT`] (RFC 5508 REQ-1) are removed; both
//!   are settings, and shorter ones are what cheap NATs do and RFC 3948's keepalives are for.
//! - **Not translated, dropped and counted**: ESP (IP protocol 50), IP-in-IP and every other
//!   protocol, ICMP other than echo, and fragments (the box does not reassemble). Many NATs
//!   cannot pass ESP, which is why RFC 3948 puts it in UDP: here an IPsec tunnel through the
//!   NAT works only once NAT-T floats it to port 4500.
//! - **Bounded**: at most [`NatConfig::max_mappings`] mappings (the one nearest to expiry is
//!   evicted for a new one), ARP queues as a router's; any bytes at all are counted and dropped
//!   when malformed, never a panic.
//!
//! Port 0 is `inside`, port 1 `outside`; each has its own address, MAC and ARP cache. Echo
//! requests to either address are answered. Inside hosts must be on the inside subnet (a NAT
//! with no routes behind it); outside, destinations off the outside subnet go to `gateway`.

pub mod table;

use core::time::Duration;
use std::collections::VecDeque;
use std::net::{Ipv4Addr, SocketAddrV4};

use ikelab_peers::rng::SeededRandom;
use ikelab_peers::time::Instant;

use self::table::{Outbound, Proto, Table};
use crate::packet::{
    self, Arp, ETHERTYPE_ARP, ETHERTYPE_IPV4, Icmp, Ipv4Build, Ipv4Info, PROTO_ESP, PROTO_ICMP,
    PROTO_UDP,
};
use crate::router::arp::ArpTable;
use crate::{Counter, Counters, Ipv4Net, MacAddr, Node, SimError};

pub use self::table::Mapping;

/// The inside port's number and name.
pub const INSIDE: usize = 0;
/// The outside port's number and name.
pub const OUTSIDE: usize = 1;
/// The ports' names, by number.
pub const PORT_NAMES: [&str; 2] = ["inside", "outside"];
/// A UDP mapping's idle timeout unless set: RFC 4787 REQ-5 ("MUST NOT expire in less than two
/// minutes").
pub const DEFAULT_UDP_TIMEOUT: Duration = Duration::from_secs(120);
/// An ICMP echo mapping's idle timeout unless set: RFC 5508 REQ-1 (60 s).
pub const DEFAULT_ICMP_TIMEOUT: Duration = Duration::from_secs(60);
/// Mappings held at most unless set.
pub const DEFAULT_MAX_MAPPINGS: usize = 4096;
/// Protocol drops logged by name; the counter keeps counting after.
const DROP_LOG_LINES: u32 = 20;

/// A NAT's settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NatConfig {
    /// Node name.
    pub name: String,
    /// The inside address and the inside subnet's prefix length.
    pub inside: Ipv4Net,
    /// The outside address (every translated packet's) and the outside subnet's length.
    pub outside: Ipv4Net,
    /// The next hop outside for destinations off the outside subnet.
    pub gateway: Option<Ipv4Addr>,
    /// A UDP mapping's idle timeout.
    pub udp_timeout: Duration,
    /// An ICMP echo mapping's idle timeout.
    pub icmp_timeout: Duration,
    /// Mappings held at most.
    pub max_mappings: usize,
}

impl NatConfig {
    /// A NAT with the default timeouts and cap.
    pub fn new(name: impl Into<String>, inside: Ipv4Net, outside: Ipv4Net) -> Self {
        NatConfig {
            name: name.into(),
            inside,
            outside,
            gateway: None,
            udp_timeout: DEFAULT_UDP_TIMEOUT,
            icmp_timeout: DEFAULT_ICMP_TIMEOUT,
            max_mappings: DEFAULT_MAX_MAPPINGS,
        }
    }

    /// Refuses settings that cannot work: one subnet (or overlapping ones) inside and out, a
    /// gateway off the outside subnet, a zero timeout or cap.
    pub fn check(&self) -> Result<(), SimError> {
        let bad = |why: String| Err(SimError::Config(format!("NAT {}: {why}", self.name)));
        let (inside, outside) = (self.inside, self.outside);
        if inside.trunc() == outside.trunc() {
            return bad(format!(
                "inside {inside} and outside {outside} are one subnet"
            ));
        }
        if inside.contains(outside.addr) || outside.contains(inside.addr) {
            return bad(format!("inside {inside} and outside {outside} overlap"));
        }
        if let Some(gw) = self.gateway.filter(|g| !outside.contains(*g)) {
            return bad(format!(
                "gateway {gw} is not on the outside subnet {outside}"
            ));
        }
        if self.udp_timeout.is_zero() || self.icmp_timeout.is_zero() || self.max_mappings == 0 {
            return bad("timeouts and the mapping cap must be above zero".into());
        }
        Ok(())
    }

    fn timeout(&self, proto: Proto) -> Duration {
        match proto {
            Proto::Udp => self.udp_timeout,
            Proto::IcmpEcho => self.icmp_timeout,
        }
    }
}

/// A simulated NAPT (see the module documentation).
pub struct Nat {
    cfg: NatConfig,
    macs: [MacAddr; 2],
    arp: [ArpTable; 2],
    table: Table,
    ip_id: u16,
    drops_logged: u32,
    out: VecDeque<(usize, Vec<u8>)>,
    log: VecDeque<String>,
    counters: Counters,
}

impl Nat {
    /// A NAT whose outside ports come from `rng` (seed it with the lab's
    /// [`crate::Lab::seed_for`] its name).
    pub fn new(cfg: NatConfig, rng: SeededRandom) -> Result<Self, SimError> {
        cfg.check()?;
        let macs = PORT_NAMES.map(|p| MacAddr::derived(&format!("{}/{p}", cfg.name)));
        Ok(Nat {
            table: Table::new(cfg.max_mappings, rng),
            cfg,
            macs,
            arp: Default::default(),
            ip_id: 0,
            drops_logged: 0,
            out: VecDeque::new(),
            log: VecDeque::new(),
            counters: Counters::default(),
        })
    }

    /// Its settings.
    pub fn config(&self) -> &NatConfig {
        &self.cfg
    }

    /// Counters: `nat_translated_out`, `nat_translated_in`, `nat_mappings_created`,
    /// `nat_expired`, `nat_evicted`, `nat_drop_protocol` (ESP and the rest), `nat_drop_no_mapping`,
    /// `nat_drop_fragment`, `drop_no_route`, `drop_ttl_exceeded`, `rx_drop_*`, ARP's.
    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// The live mappings, in expiry order.
    pub fn mappings(&self) -> Vec<Mapping> {
        self.table.mappings()
    }

    fn addr(&self, port: usize) -> Ipv4Net {
        if port == INSIDE {
            self.cfg.inside
        } else {
            self.cfg.outside
        }
    }

    fn note(&mut self, msg: String) {
        self.log.push_back(msg);
    }

    fn push_frame(&mut self, port: usize, frame: Vec<u8>) {
        self.counters.bump(Counter::TxFrames);
        self.out.push_back((port, frame));
    }

    fn arp_input(&mut self, now: Instant, port: usize, payload: &[u8]) {
        let a = match packet::parse_arp(payload) {
            Ok(a) => a,
            Err(e) => return self.counters.bump(e.counter()),
        };
        let me = self.addr(port).addr;
        if a.sender_ip.is_unspecified() || a.sender_mac.is_group() {
            return self.counters.bump(Counter::ArpIgnored);
        }
        let known = self.arp[port].lookup(now, a.sender_ip).is_some();
        if a.target_ip != me && !known {
            return self.counters.bump(Counter::ArpNotForUs);
        }
        let (_, waiting) = self.arp[port].insert(now, a.sender_ip, a.sender_mac);
        for p in waiting {
            self.emit(port, a.sender_mac, &p);
        }
        if a.request && a.target_ip == me {
            self.counters.bump(Counter::ArpReplied);
            let reply = packet::arp_frame(&Arp {
                request: false,
                sender_mac: self.macs[port],
                sender_ip: me,
                target_mac: a.sender_mac,
                target_ip: a.sender_ip,
            });
            self.push_frame(port, reply);
        }
    }

    fn emit(&mut self, port: usize, dst: MacAddr, ip: &[u8]) {
        let f = packet::eth_frame(dst, self.macs[port], ETHERTYPE_IPV4, ip);
        self.push_frame(port, f);
    }

    /// Sends `packet` out of `port` toward `dst`: on-link, or by the gateway outside.
    fn send(&mut self, now: Instant, port: usize, dst: Ipv4Addr, packet: Vec<u8>) {
        let net = self.addr(port);
        let next_hop = if net.contains(dst) {
            dst
        } else if let Some(gw) = self.cfg.gateway.filter(|_| port == OUTSIDE) {
            gw
        } else {
            return self.counters.bump(Counter::DropNoRoute);
        };
        match self.arp[port].lookup(now, next_hop) {
            Some(mac) => self.emit(port, mac, &packet),
            None => {
                let e = self.arp[port].enqueue(now, next_hop, packet);
                if e.send_request {
                    self.counters.bump(Counter::ArpRequests);
                    let req = packet::arp_frame(&Arp {
                        request: true,
                        sender_mac: self.macs[port],
                        sender_ip: net.addr,
                        target_mac: MacAddr::ZERO,
                        target_ip: next_hop,
                    });
                    self.push_frame(port, req);
                }
                if e.dropped.is_some() {
                    self.counters.bump(Counter::DropArpQueueFull);
                }
            }
        }
    }

    /// `packet`'s header with `src`/`dst` and the TTL one less, over `payload`; `None` when
    /// the header cannot be rewritten.
    fn rebuild(
        packet: &[u8],
        info: &Ipv4Info,
        src: Ipv4Addr,
        dst: Ipv4Addr,
        payload: &[u8],
    ) -> Option<Vec<u8>> {
        let mut p = packet[..info.header_len].to_vec();
        p.extend_from_slice(payload);
        // A UDP length shorter than the IP payload leaves bytes behind: the length follows.
        let total_len = u16::try_from(p.len()).ok()?;
        packet::rewrite_ipv4_header(&mut p, |h| {
            h.total_len = total_len;
            h.source = src.octets();
            h.destination = dst.octets();
            h.time_to_live = h.time_to_live.saturating_sub(1);
        })
        .ok()?;
        Some(p)
    }

    fn drop_protocol(&mut self, from: usize, info: &Ipv4Info, what: &str) {
        self.counters.bump(Counter::NatDropProtocol);
        if self.drops_logged < DROP_LOG_LINES {
            self.drops_logged += 1;
            let side = PORT_NAMES[from];
            self.note(format!(
                "{side}: dropped {what} from {} to {}: only UDP and ICMP echo are translated",
                info.src, info.dst
            ));
        }
    }

    fn ip_input(&mut self, now: Instant, port: usize, packet: &[u8]) {
        let info = match packet::parse_ipv4(packet) {
            Ok(i) => i,
            Err(e) => return self.counters.bump(e.counter()),
        };
        let packet = &packet[..info.total_len];
        if info.dst == self.cfg.inside.addr || info.dst == self.cfg.outside.addr {
            if port == OUTSIDE
                && info.dst == self.cfg.outside.addr
                && !self.is_echo_request(packet, &info)
            {
                return self.inbound(now, packet, &info);
            }
            return self.for_the_nat(now, port, packet, &info);
        }
        if info.dst.is_broadcast()
            || info.dst.is_multicast()
            || self.addr(port).broadcast() == info.dst
        {
            return self.counters.bump(Counter::RxBroadcastIgnored);
        }
        if port == OUTSIDE {
            // Nothing is forwarded inward but through a mapping on the outside address.
            return self.counters.bump(Counter::NatDropNoMapping);
        }
        self.outbound(now, packet, &info);
    }

    fn is_echo_request(&self, packet: &[u8], info: &Ipv4Info) -> bool {
        info.protocol == PROTO_ICMP
            && !info.is_fragment()
            && packet.get(info.header_len) == Some(&8)
    }

    /// An echo request to one of the NAT's addresses, answered; anything else for it dropped.
    fn for_the_nat(&mut self, now: Instant, port: usize, packet: &[u8], info: &Ipv4Info) {
        if info.protocol != PROTO_ICMP || info.is_fragment() {
            return self.counters.bump(Counter::DropUnknownProtocol);
        }
        match packet::parse_icmp(&packet[info.header_len..]) {
            Ok(Icmp::EchoRequest { id, seq, data }) => {
                let msg = packet::icmp_echo(true, id, seq, data);
                self.ip_id = self.ip_id.wrapping_add(1);
                let b = Ipv4Build {
                    src: info.dst,
                    dst: info.src,
                    protocol: PROTO_ICMP,
                    ttl: 64,
                    id: self.ip_id,
                    df: false,
                };
                if let Some(reply) = packet::ipv4_packet(&b, &msg) {
                    self.counters.bump(Counter::IcmpEchoReplied);
                    self.send(now, port, info.src, reply);
                }
            }
            Ok(_) => self.counters.bump(Counter::IcmpRxOther),
            Err(e) => self.counters.bump(e.counter()),
        }
    }

    /// A mapping for `inside`, made or refreshed, logged when new or when one was evicted.
    fn map(&mut self, now: Instant, proto: Proto, inside: SocketAddrV4) -> u16 {
        let expires = now + self.cfg.timeout(proto);
        let o = self.table.outbound(proto, inside, expires);
        if let Outbound::Created { port, evicted } = o {
            self.counters.bump(Counter::NatMappingsCreated);
            if let Some(m) = evicted {
                self.counters.bump(Counter::NatEvicted);
                let msg = format!(
                    "{} mapping {} -> {}:{} evicted (at the cap of {})",
                    m.proto.name(),
                    m.inside,
                    self.cfg.outside.addr,
                    m.outside_port,
                    self.cfg.max_mappings
                );
                self.note(msg);
            }
            let msg = format!(
                "{} mapping {inside} -> {}:{port} created",
                proto.name(),
                self.cfg.outside.addr
            );
            self.note(msg);
        }
        o.port()
    }

    fn outbound(&mut self, now: Instant, packet: &[u8], info: &Ipv4Info) {
        if !self.cfg.inside.contains(info.src) {
            // No route back behind the inside subnet.
            return self.counters.bump(Counter::DropNoRoute);
        }
        if info.ttl <= 1 {
            return self.counters.bump(Counter::DropTtlExceeded);
        }
        if info.is_fragment() {
            return self.counters.bump(Counter::NatDropFragment);
        }
        let payload = &packet[info.header_len..];
        let outside = self.cfg.outside.addr;
        let translated = match info.protocol {
            PROTO_UDP => {
                let (sport, dport, data) = match packet::parse_udp(info.src, info.dst, payload) {
                    Ok(u) => u,
                    Err(e) => return self.counters.bump(e.counter()),
                };
                let port = self.map(now, Proto::Udp, SocketAddrV4::new(info.src, sport));
                packet::udp_datagram(outside, port, info.dst, dport, data)
            }
            PROTO_ICMP => match packet::parse_icmp(payload) {
                Ok(Icmp::EchoRequest { id, seq, data }) => {
                    let port = self.map(now, Proto::IcmpEcho, SocketAddrV4::new(info.src, id));
                    Some(packet::icmp_echo(false, port, seq, data))
                }
                Ok(_) => return self.drop_protocol(INSIDE, info, "ICMP other than echo"),
                Err(e) => return self.counters.bump(e.counter()),
            },
            PROTO_ESP => return self.drop_protocol(INSIDE, info, "ESP (protocol 50)"),
            p => return self.drop_protocol(INSIDE, info, &format!("protocol {p}")),
        };
        match translated.and_then(|t| Self::rebuild(packet, info, outside, info.dst, &t)) {
            Some(p) => {
                self.counters.bump(Counter::NatTranslatedOut);
                self.send(now, OUTSIDE, info.dst, p);
            }
            None => self.counters.bump(Counter::RxDropBadIpv4),
        }
    }

    fn inbound(&mut self, now: Instant, packet: &[u8], info: &Ipv4Info) {
        if info.ttl <= 1 {
            return self.counters.bump(Counter::DropTtlExceeded);
        }
        if info.is_fragment() {
            return self.counters.bump(Counter::NatDropFragment);
        }
        let payload = &packet[info.header_len..];
        let translated = match info.protocol {
            PROTO_UDP => {
                let (sport, dport, data) = match packet::parse_udp(info.src, info.dst, payload) {
                    Ok(u) => u,
                    Err(e) => return self.counters.bump(e.counter()),
                };
                let Some(to) = self.table.inbound(Proto::Udp, dport, now) else {
                    return self.counters.bump(Counter::NatDropNoMapping);
                };
                packet::udp_datagram(info.src, sport, *to.ip(), to.port(), data).map(|d| (to, d))
            }
            PROTO_ICMP => match packet::parse_icmp(payload) {
                Ok(Icmp::EchoReply { id, seq, data }) => {
                    let Some(to) = self.table.inbound(Proto::IcmpEcho, id, now) else {
                        return self.counters.bump(Counter::NatDropNoMapping);
                    };
                    Some((to, packet::icmp_echo(true, to.port(), seq, data)))
                }
                Ok(_) => return self.drop_protocol(OUTSIDE, info, "ICMP other than echo"),
                Err(e) => return self.counters.bump(e.counter()),
            },
            PROTO_ESP => return self.drop_protocol(OUTSIDE, info, "ESP (protocol 50)"),
            p => return self.drop_protocol(OUTSIDE, info, &format!("protocol {p}")),
        };
        let rebuilt = translated.and_then(|(to, t)| {
            Self::rebuild(packet, info, info.src, *to.ip(), &t).map(|p| (to, p))
        });
        match rebuilt {
            Some((to, p)) => {
                self.counters.bump(Counter::NatTranslatedIn);
                self.send(now, INSIDE, *to.ip(), p);
            }
            None => self.counters.bump(Counter::RxDropBadIpv4),
        }
    }

    fn expire(&mut self, now: Instant) {
        for m in self.table.expire(now) {
            self.counters.bump(Counter::NatExpired);
            let idle = self.cfg.timeout(m.proto).as_secs();
            let msg = format!(
                "{} mapping {} -> {}:{} expired ({idle} s idle)",
                m.proto.name(),
                m.inside,
                self.cfg.outside.addr,
                m.outside_port
            );
            self.note(msg);
        }
    }
}

impl Node for Nat {
    fn name(&self) -> &str {
        &self.cfg.name
    }

    fn port_count(&self) -> usize {
        2
    }

    fn port_by_name(&self, name: &str) -> Option<usize> {
        PORT_NAMES.iter().position(|p| *p == name)
    }

    fn port_mac(&self, port: usize) -> Option<MacAddr> {
        self.macs.get(port).copied()
    }

    fn handle_frame(&mut self, now: Instant, port: usize, frame: &[u8]) {
        self.counters.bump(Counter::RxFrames);
        if port > OUTSIDE {
            return self.counters.bump(Counter::RxDropBadPort);
        }
        self.expire(now);
        let eth = match packet::parse_eth(frame) {
            Ok(e) => e,
            Err(e) => return self.counters.bump(e.counter()),
        };
        if eth.dst != self.macs[port] && !eth.dst.is_group() {
            return self.counters.bump(Counter::RxNotForUs);
        }
        match eth.ethertype {
            ETHERTYPE_ARP => self.arp_input(now, port, eth.payload),
            ETHERTYPE_IPV4 => self.ip_input(now, port, eth.payload),
            _ => self.counters.bump(Counter::RxDropEthertype),
        }
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.expire(now);
        for port in [INSIDE, OUTSIDE] {
            if self.arp[port].poll_timeout().is_none_or(|t| t > now) {
                continue;
            }
            let t = self.arp[port].handle_timeout(now);
            for ip in t.retry {
                self.counters.bump(Counter::ArpRequests);
                let req = packet::arp_frame(&Arp {
                    request: true,
                    sender_mac: self.macs[port],
                    sender_ip: self.addr(port).addr,
                    target_mac: MacAddr::ZERO,
                    target_ip: ip,
                });
                self.push_frame(port, req);
            }
            for (ip, packets) in t.failed {
                for _ in &packets {
                    self.counters.bump(Counter::DropArpFailed);
                }
                let msg = format!(
                    "{}: arp {ip} unreachable, {} packet(s) dropped",
                    PORT_NAMES[port],
                    packets.len()
                );
                self.note(msg);
            }
        }
    }

    fn poll_output(&mut self) -> Option<(usize, Vec<u8>)> {
        self.out.pop_front()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.arp
            .iter()
            .filter_map(ArpTable::poll_timeout)
            .chain(self.table.next_expiry())
            .min()
    }

    fn poll_log(&mut self) -> Option<String> {
        self.log.pop_front()
    }
}

#[cfg(test)]
mod tests;
