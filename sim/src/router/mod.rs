//! A router: several Ethernet interfaces (the names are the vendor's: `lan0`, `lan1`,
//! `FastEthernet0/0.0`), IP-in-IP tunnel interfaces (`ipsec0`, `Tunnel0.0`), static routes with
//! longest-prefix match, ARP, TTL, ICMP echo and errors, fragmentation and reassembly, and the
//! [`SecurityStack`] hook that will hold the IKEv1/ESP engine. Configuration is plain data: the
//! SEIL and IX configuration parsers will produce a [`RouterConfig`].

pub mod arp;
pub mod frag;
pub mod icmp;
pub mod ipv4;
pub mod security;
pub mod tunnel;

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::{Ipv4Addr, SocketAddrV4};

use ikelab_peers::rng::{Random, SeededRandom};
use ikelab_peers::time::Instant;

pub use self::security::{NoIpsec, Outbound, OutboundContext, Room, SecurityStack, TunnelInfo};
pub use self::tunnel::{TunnelConfig, TunnelKind};

use self::arp::ArpTable;
use self::frag::{FragError, Reassembler, Reassembly, fragment};
use self::icmp::{
    CODE_FRAG_NEEDED, CODE_HOST, CODE_NET, CODE_PORT, CODE_PROTOCOL, TYPE_TIME_EXCEEDED,
    TYPE_UNREACHABLE,
};
use self::ipv4::{Egress, Route, RoutingTable};
use crate::packet::{
    self, Arp, ETHERTYPE_ARP, ETHERTYPE_IPV4, FrameError, Icmp, Ipv4Build, Ipv4Info, PROTO_ESP,
    PROTO_ICMP, PROTO_IPIP, PROTO_UDP,
};
use crate::{Counter, Counters, Ipv4Net, KeyLine, MacAddr, Node, SimError};

/// IKE's port.
pub const IKE_PORT: u16 = 500;
/// IKE and ESP behind NAT (RFC 3947/3948).
pub const NAT_T_PORT: u16 = 4500;
/// Nesting allowed between tunnels and ESP before a packet is taken for a loop.
const MAX_DEPTH: u8 = 4;

/// An Ethernet interface's configuration; interfaces become ports in this order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InterfaceConfig {
    /// Name (`lan0`, `FastEthernet0/0.0`).
    pub name: String,
    /// Address and prefix length (`172.16.0.1/24`).
    pub address: Ipv4Net,
    /// Largest IPv4 packet sent unfragmented.
    pub mtu: usize,
    /// MAC address; derived from `router/interface` when `None`.
    pub mac: Option<MacAddr>,
}

impl InterfaceConfig {
    /// An interface with MTU 1500 and a derived MAC.
    pub fn new(name: impl Into<String>, address: Ipv4Net) -> Self {
        InterfaceConfig {
            name: name.into(),
            address,
            mtu: 1500,
            mac: None,
        }
    }
}

/// Where a static route points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Via {
    /// An interface by name: an Ethernet interface (destinations on-link) or a tunnel.
    Interface(String),
    /// A gateway on one of the Ethernet interfaces' prefixes.
    Gateway(Ipv4Addr),
}

/// A static route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteConfig {
    /// Destination prefix.
    pub dest: Ipv4Net,
    /// Next hop.
    pub via: Via,
}

/// A router's whole configuration. Connected routes are added for every interface.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RouterConfig {
    /// Node name.
    pub name: String,
    /// Ethernet interfaces (port `i` is `interfaces[i]`).
    pub interfaces: Vec<InterfaceConfig>,
    /// Tunnel interfaces.
    pub tunnels: Vec<TunnelConfig>,
    /// Static routes.
    pub routes: Vec<RouteConfig>,
}

struct Iface {
    cfg: InterfaceConfig,
    mac: MacAddr,
    arp: ArpTable,
}

/// Where a packet came in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ingress {
    Ether(usize),
    Tunnel(usize),
}

/// Whether a packet is being forwarded (errors go back to its source) or was made here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Origin {
    Forwarded(Ingress),
    Local,
}

/// A simulated router (see the module documentation).
pub struct Router {
    name: String,
    ifaces: Vec<Iface>,
    tunnels: Vec<TunnelConfig>,
    table: RoutingTable,
    local: HashSet<Ipv4Addr>,
    /// (remote, local) -> tunnel index, for decapsulation.
    tunnel_by_ends: HashMap<(Ipv4Addr, Ipv4Addr), usize>,
    stack: Box<dyn SecurityStack>,
    reasm: Reassembler,
    ip_id: u16,
    out: VecDeque<(usize, Vec<u8>)>,
    log: VecDeque<String>,
    counters: Counters,
}

impl Router {
    /// A router without IPsec ([`NoIpsec`]).
    pub fn new(config: RouterConfig, rng: SeededRandom) -> Result<Self, SimError> {
        Self::with_stack(config, rng, Box::new(NoIpsec))
    }

    /// A router whose UDP 500/4500 and ESP belong to `stack`.
    pub fn with_stack(
        config: RouterConfig,
        mut rng: SeededRandom,
        stack: Box<dyn SecurityStack>,
    ) -> Result<Self, SimError> {
        let mut names = HashSet::new();
        let all_names = config
            .interfaces
            .iter()
            .map(|i| &i.name)
            .chain(config.tunnels.iter().map(|t| &t.name));
        for n in all_names {
            if !names.insert(n.clone()) {
                return Err(SimError::DuplicateName(format!("{}/{n}", config.name)));
            }
        }
        let mut table = RoutingTable::default();
        let mut local = HashSet::new();
        let mut ifaces = Vec::new();
        for (i, c) in config.interfaces.iter().enumerate() {
            if c.mtu < 68 {
                return Err(SimError::Config(format!(
                    "{}/{}: MTU {} is below IPv4's minimum of 68",
                    config.name, c.name, c.mtu
                )));
            }
            local.insert(c.address.addr);
            table.add(Route {
                net: c.address,
                egress: Egress::Ether(i),
                gateway: None,
            });
            ifaces.push(Iface {
                mac: c
                    .mac
                    .unwrap_or_else(|| MacAddr::derived(&format!("{}/{}", config.name, c.name))),
                cfg: c.clone(),
                arp: ArpTable::default(),
            });
        }
        let mut tunnel_by_ends = HashMap::new();
        for (t, c) in config.tunnels.iter().enumerate() {
            if c.mtu < 68 {
                return Err(SimError::Config(format!(
                    "{}/{}: MTU {} is below IPv4's minimum of 68",
                    config.name, c.name, c.mtu
                )));
            }
            local.insert(c.local);
            if tunnel_by_ends.insert((c.remote, c.local), t).is_some() {
                return Err(SimError::Config(format!(
                    "{}: two tunnels from {} to {}",
                    config.name, c.local, c.remote
                )));
            }
        }
        for r in &config.routes {
            let (egress, gateway) = match &r.via {
                Via::Interface(name) => {
                    if let Some(i) = config.interfaces.iter().position(|i| &i.name == name) {
                        (Egress::Ether(i), None)
                    } else if let Some(t) = config.tunnels.iter().position(|t| &t.name == name) {
                        (Egress::Tunnel(t), None)
                    } else {
                        return Err(SimError::UnknownInterface {
                            node: config.name.clone(),
                            iface: name.clone(),
                        });
                    }
                }
                Via::Gateway(gw) => {
                    let i = config
                        .interfaces
                        .iter()
                        .position(|i| i.address.contains(*gw))
                        .ok_or_else(|| {
                            SimError::Config(format!(
                                "{}: gateway {gw} of route {} is on no interface",
                                config.name, r.dest
                            ))
                        })?;
                    (Egress::Ether(i), Some(*gw))
                }
            };
            table.add(Route {
                net: r.dest,
                egress,
                gateway,
            });
        }
        let ip_id = rng.next_u32() as u16;
        Ok(Router {
            name: config.name,
            ifaces,
            tunnels: config.tunnels,
            table,
            local,
            tunnel_by_ends,
            stack,
            reasm: Reassembler::default(),
            ip_id,
            out: VecDeque::new(),
            log: VecDeque::new(),
            counters: Counters::default(),
        })
    }

    /// Counters: `rx_frames`, `tx_frames`, `forwarded`, `rx_drop_*` (malformed input by kind),
    /// `drop_no_route`, `drop_ttl_exceeded`, `drop_frag_needed`, `drop_arp_failed`,
    /// `drop_outbound` (the stack said drop), `esp_dropped`, `icmp_echo_replied`, `icmp_errors_sent`,
    /// `udp_to_stack`, `decapsulated`, `encapsulated`, `fragments_sent`, `reassembled`, ...
    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// Interface names, addresses and MACs, in port order.
    pub fn interfaces(&self) -> impl Iterator<Item = (&str, Ipv4Net, MacAddr)> {
        self.ifaces
            .iter()
            .map(|i| (i.cfg.name.as_str(), i.cfg.address, i.mac))
    }

    /// The tunnel interfaces.
    pub fn tunnels(&self) -> &[TunnelConfig] {
        &self.tunnels
    }

    /// The routing table (connected routes first).
    pub fn routes(&self) -> &[Route] {
        self.table.routes()
    }

    /// The route `dst` takes, as (interface name, gateway).
    pub fn route_to(&self, dst: Ipv4Addr) -> Option<(&str, Option<Ipv4Addr>)> {
        let r = self.table.lookup(dst)?;
        Some((self.egress_name(r.egress), r.gateway))
    }

    /// The ARP cache of interface `name`: (address, MAC, expiry).
    pub fn arp_entries(&self, name: &str) -> Vec<(Ipv4Addr, MacAddr, Instant)> {
        self.ifaces
            .iter()
            .find(|i| i.cfg.name == name)
            .map(|i| i.arp.entries().collect())
            .unwrap_or_default()
    }

    /// The security stack.
    pub fn stack(&self) -> &dyn SecurityStack {
        self.stack.as_ref()
    }

    /// The security stack, to configure or inspect.
    pub fn stack_mut(&mut self) -> &mut dyn SecurityStack {
        self.stack.as_mut()
    }

    /// Datagrams waiting for their missing fragments.
    pub fn reassembly_pending(&self) -> usize {
        self.reasm.len()
    }

    fn egress_name(&self, e: Egress) -> &str {
        match e {
            Egress::Ether(i) => &self.ifaces[i].cfg.name,
            Egress::Tunnel(t) => &self.tunnels[t].name,
        }
    }

    fn next_id(&mut self) -> u16 {
        self.ip_id = self.ip_id.wrapping_add(1);
        self.ip_id
    }

    fn note(&mut self, msg: String) {
        self.log.push_back(msg);
    }

    fn malformed(&mut self, port: usize, e: FrameError) {
        self.counters.bump(e.counter());
        let iface = self.ifaces.get(port).map_or("?", |i| i.cfg.name.as_str());
        let msg = format!("{iface}: dropped malformed input: {e}");
        self.note(msg);
    }

    // ---- input ----

    fn arp_input(&mut self, now: Instant, port: usize, payload: &[u8]) {
        let a = match packet::parse_arp(payload) {
            Ok(a) => a,
            Err(e) => return self.malformed(port, e),
        };
        let my_ip = self.ifaces[port].cfg.address.addr;
        let my_mac = self.ifaces[port].mac;
        if a.sender_ip.is_unspecified() || a.sender_mac.is_group() {
            self.counters.bump(Counter::ArpIgnored);
            return;
        }
        let known = self.ifaces[port].arp.lookup(now, a.sender_ip).is_some();
        if a.target_ip != my_ip && !known {
            self.counters.bump(Counter::ArpNotForUs);
            return;
        }
        let (fresh, waiting) = self.ifaces[port].arp.insert(now, a.sender_ip, a.sender_mac);
        if fresh {
            let name = self.ifaces[port].cfg.name.clone();
            self.note(format!(
                "{name}: arp {} is at {}",
                a.sender_ip, a.sender_mac
            ));
        }
        for p in waiting {
            self.emit_ip(port, a.sender_mac, &p);
        }
        if a.request && a.target_ip == my_ip {
            self.counters.bump(Counter::ArpReplied);
            let reply = packet::arp_frame(&Arp {
                request: false,
                sender_mac: my_mac,
                sender_ip: my_ip,
                target_mac: a.sender_mac,
                target_ip: a.sender_ip,
            });
            self.push_frame(port, reply);
        }
    }

    /// An IPv4 packet (already sliced to its total length) arrived.
    fn ip_input(
        &mut self,
        now: Instant,
        ingress: Ingress,
        packet: Vec<u8>,
        via_esp: bool,
        depth: u8,
    ) {
        let info = match packet::parse_ipv4(&packet) {
            Ok(i) => i,
            Err(e) => {
                let port = match ingress {
                    Ingress::Ether(p) => p,
                    Ingress::Tunnel(_) => usize::MAX,
                };
                return self.malformed(port, e);
            }
        };
        if depth > MAX_DEPTH {
            self.counters.bump(Counter::DropNesting);
            return;
        }
        if self.local.contains(&info.dst) {
            self.local_input(now, ingress, packet, info, via_esp, depth);
        } else if info.dst.is_broadcast()
            || info.dst.is_multicast()
            || self
                .ifaces
                .iter()
                .any(|i| i.cfg.address.prefix_len < 31 && i.cfg.address.broadcast() == info.dst)
        {
            self.counters.bump(Counter::RxBroadcastIgnored);
        } else {
            self.forward(now, ingress, packet, info);
        }
    }

    fn local_input(
        &mut self,
        now: Instant,
        ingress: Ingress,
        packet: Vec<u8>,
        info: Ipv4Info,
        via_esp: bool,
        depth: u8,
    ) {
        let (packet, info) = if info.is_fragment() {
            match self.reasm.push(now, &packet) {
                Reassembly::Complete(p) => {
                    self.counters.bump(Counter::Reassembled);
                    match packet::parse_ipv4(&p) {
                        Ok(i) => (p, i),
                        Err(e) => return self.counters.bump(e.counter()),
                    }
                }
                Reassembly::Pending => return,
                Reassembly::Dropped(why) => return self.counters.bump(why),
            }
        } else {
            (packet, info)
        };
        let payload = &packet[info.header_len..info.total_len];
        match info.protocol {
            PROTO_UDP => {
                let (sport, dport, data) = match packet::parse_udp(info.src, info.dst, payload) {
                    Ok(u) => u,
                    Err(e) => return self.counters.bump(e.counter()),
                };
                let is_ike_4500 = data.len() >= 4 && data[..4] == [0, 0, 0, 0] || data == [0xff];
                if dport == NAT_T_PORT && !is_ike_4500 {
                    return self.esp_input(now, ingress, &packet, depth);
                }
                if dport == IKE_PORT || dport == NAT_T_PORT {
                    self.counters.bump(Counter::UdpToStack);
                    let data = data.to_vec();
                    self.stack.udp_received(
                        now,
                        SocketAddrV4::new(info.src, sport),
                        SocketAddrV4::new(info.dst, dport),
                        &data,
                    );
                    return;
                }
                if !via_esp && !self.stack.accept_plain(now, &packet) {
                    return self.counters.bump(Counter::DropPolicy);
                }
                self.counters.bump(Counter::UdpPortUnreachable);
                self.icmp_error(
                    now,
                    &packet,
                    &info,
                    TYPE_UNREACHABLE,
                    CODE_PORT,
                    0,
                    Some(ingress),
                );
            }
            PROTO_ESP => self.esp_input(now, ingress, &packet, depth),
            PROTO_IPIP => {
                if !via_esp && !self.stack.accept_plain(now, &packet) {
                    return self.counters.bump(Counter::DropPolicy);
                }
                let Some(&t) = self.tunnel_by_ends.get(&(info.src, info.dst)) else {
                    self.counters.bump(Counter::DropNoTunnel);
                    self.note(format!("ip-in-ip from {} matches no tunnel", info.src));
                    return self.icmp_error(
                        now,
                        &packet,
                        &info,
                        TYPE_UNREACHABLE,
                        CODE_PROTOCOL,
                        0,
                        Some(ingress),
                    );
                };
                self.counters.bump(Counter::Decapsulated);
                let inner = payload.to_vec();
                match packet::parse_ipv4(&inner) {
                    Ok(ii) => {
                        let inner = inner[..ii.total_len].to_vec();
                        self.ip_input(now, Ingress::Tunnel(t), inner, via_esp, depth + 1);
                    }
                    Err(e) => self.counters.bump(e.counter()),
                }
            }
            PROTO_ICMP => {
                if !via_esp && !self.stack.accept_plain(now, &packet) {
                    return self.counters.bump(Counter::DropPolicy);
                }
                match packet::parse_icmp(payload) {
                    Ok(Icmp::EchoRequest { id, seq, data }) => {
                        let msg = packet::icmp_echo(true, id, seq, data);
                        let ip_id = self.next_id();
                        let reply = packet::ipv4_packet(
                            &Ipv4Build {
                                src: info.dst,
                                dst: info.src,
                                protocol: PROTO_ICMP,
                                ttl: 64,
                                id: ip_id,
                                df: false,
                            },
                            &msg,
                        );
                        if let Some(reply) = reply {
                            self.counters.bump(Counter::IcmpEchoReplied);
                            self.route_out(now, reply, Origin::Local, None, 0);
                        }
                    }
                    Ok(Icmp::Unreachable { code, .. }) => {
                        self.counters.bump(Counter::IcmpRxUnreachable);
                        self.note(format!(
                            "icmp: destination unreachable (code {code}) from {}",
                            info.src
                        ));
                    }
                    Ok(Icmp::TimeExceeded { code, .. }) => {
                        self.counters.bump(Counter::IcmpRxTimeExceeded);
                        self.note(format!(
                            "icmp: time exceeded (code {code}) from {}",
                            info.src
                        ));
                    }
                    Ok(_) => self.counters.bump(Counter::IcmpRxOther),
                    Err(e) => self.counters.bump(e.counter()),
                }
            }
            _ => {
                self.counters.bump(Counter::DropUnknownProtocol);
                self.icmp_error(
                    now,
                    &packet,
                    &info,
                    TYPE_UNREACHABLE,
                    CODE_PROTOCOL,
                    0,
                    Some(ingress),
                );
            }
        }
    }

    fn esp_input(&mut self, now: Instant, ingress: Ingress, packet: &[u8], depth: u8) {
        match self.stack.inbound_esp(now, packet) {
            Some(clear) => {
                self.counters.bump(Counter::EspAccepted);
                match packet::parse_ipv4(&clear) {
                    Ok(i) => {
                        let clear = clear[..i.total_len].to_vec();
                        self.ip_input(now, ingress, clear, true, depth + 1)
                    }
                    Err(e) => self.counters.bump(e.counter()),
                }
            }
            None => self.counters.bump(Counter::EspDropped),
        }
    }

    fn forward(&mut self, now: Instant, ingress: Ingress, mut packet: Vec<u8>, info: Ipv4Info) {
        if info.ttl <= 1 {
            self.counters.bump(Counter::DropTtlExceeded);
            return self.icmp_error(now, &packet, &info, TYPE_TIME_EXCEEDED, 0, 0, Some(ingress));
        }
        if packet::rewrite_ipv4_header(&mut packet, |h| h.time_to_live -= 1).is_err() {
            return self.counters.bump(Counter::RxDropBadIpv4);
        }
        self.counters.bump(Counter::Forwarded);
        self.route_out(now, packet, Origin::Forwarded(ingress), None, 0);
    }

    // ---- output ----

    /// Routes a packet: into a tunnel (encapsulate and route again) or out of an Ethernet
    /// interface. `tunnel` is the tunnel that encapsulated it, if any.
    fn route_out(
        &mut self,
        now: Instant,
        packet: Vec<u8>,
        origin: Origin,
        tunnel: Option<usize>,
        depth: u8,
    ) {
        let Ok(info) = packet::parse_ipv4(&packet) else {
            return self.counters.bump(Counter::DropBadOutbound);
        };
        let Some(route) = self.table.lookup(info.dst).copied() else {
            self.counters.bump(Counter::DropNoRoute);
            self.note(format!("no route to {}", info.dst));
            if let Origin::Forwarded(ing) = origin {
                self.icmp_error(
                    now,
                    &packet,
                    &info,
                    TYPE_UNREACHABLE,
                    CODE_NET,
                    0,
                    Some(ing),
                );
            }
            return;
        };
        match route.egress {
            Egress::Tunnel(t) => {
                if depth >= MAX_DEPTH {
                    self.counters.bump(Counter::DropTunnelLoop);
                    self.note(format!(
                        "{}: tunnel loop to {}",
                        self.tunnels[t].name, info.dst
                    ));
                    return;
                }
                let (mtu, esp) = self.tunnel_mtu(now, t, &packet);
                if info.total_len > mtu && info.df {
                    return self.frag_needed(now, &packet, &info, mtu, origin);
                }
                // Like a router's tunnel interface: fragment the inner packet to the tunnel's
                // MTU first (less what ESP adds, once an SA protects the tunnel), so each
                // piece travels in one outer packet.
                let pieces = match fragment(&packet, mtu) {
                    Ok(p) => p,
                    Err(_) => return self.counters.bump(Counter::DropCannotFragment),
                };
                if esp && pieces.len() > 1 {
                    self.counters.bump(Counter::FragmentedBeforeEncryption);
                }
                for piece in pieces {
                    let id = self.next_id();
                    match tunnel::encapsulate(&self.tunnels[t], &piece, id) {
                        Some(outer) => {
                            self.counters.bump(Counter::Encapsulated);
                            self.route_out(now, outer, origin, Some(t), depth + 1);
                        }
                        None => self.counters.bump(Counter::DropTooBigToEncapsulate),
                    }
                }
            }
            Egress::Ether(i) => {
                let next_hop = route.gateway.unwrap_or(info.dst);
                self.ether_out(now, i, next_hop, packet, origin, tunnel);
            }
        }
    }

    /// The MTU of tunnel `t` for `inner`: its own, or less if ESP on the way out would make
    /// the outer packet too long for the interface toward the tunnel's far end (then `true`).
    fn tunnel_mtu(&mut self, now: Instant, t: usize, inner: &[u8]) -> (usize, bool) {
        let own = self.tunnels[t].mtu;
        let remote = self.tunnels[t].remote;
        let Some(Route {
            egress: Egress::Ether(i),
            ..
        }) = self.table.lookup(remote).copied()
        else {
            return (own, false);
        };
        // The room depends on the headers, not the payload: probe with the inner header alone.
        let header = packet::parse_ipv4(inner).map_or(inner.len(), |i| i.header_len);
        let Some(outer) =
            tunnel::encapsulate(&self.tunnels[t], &inner[..header.min(inner.len())], 0)
        else {
            return (own, false);
        };
        let ctx = context(&self.ifaces, &self.tunnels, i, Some(t));
        match self.stack.room(now, &ctx, &outer, self.ifaces[i].cfg.mtu) {
            // The tunnel's own header is inside what ESP protects.
            Some(r) => {
                let room = r
                    .largest
                    .saturating_sub(outer.len() - header.min(inner.len()));
                (own.min(room), room < own)
            }
            None => (own, false),
        }
    }

    /// Fragments a packet that ESP would make too long before it is encrypted (tunnel mode
    /// only: the whole packet is inside ESP, so each piece is protected on its own), or
    /// answers "fragmentation needed" with the room left when DF is set; then offers each
    /// piece to the security stack.
    fn ether_out(
        &mut self,
        now: Instant,
        iface: usize,
        next_hop: Ipv4Addr,
        packet: Vec<u8>,
        origin: Origin,
        tunnel: Option<usize>,
    ) {
        let room = match tunnel {
            // A tunnel interface already cut its packets to size (`tunnel_mtu`).
            Some(_) => None,
            None => {
                let ctx = context(&self.ifaces, &self.tunnels, iface, None);
                self.stack
                    .room(now, &ctx, &packet, self.ifaces[iface].cfg.mtu)
            }
        };
        match room {
            Some(r) if r.whole_packet && packet.len() > r.largest => {
                let Ok(info) = packet::parse_ipv4(&packet) else {
                    return self.counters.bump(Counter::DropBadOutbound);
                };
                if info.df {
                    return self.frag_needed(now, &packet, &info, r.largest, origin);
                }
                let pieces = match fragment(&packet, r.largest) {
                    Ok(p) => p,
                    Err(_) => return self.counters.bump(Counter::DropCannotFragment),
                };
                self.counters.bump(Counter::FragmentedBeforeEncryption);
                for piece in pieces {
                    self.offer(now, iface, next_hop, piece, origin, tunnel);
                }
            }
            _ => self.offer(now, iface, next_hop, packet, origin, tunnel),
        }
    }

    /// Offers the packet to the security stack, then sends what it returns.
    fn offer(
        &mut self,
        now: Instant,
        iface: usize,
        next_hop: Ipv4Addr,
        packet: Vec<u8>,
        origin: Origin,
        tunnel: Option<usize>,
    ) {
        let verdict = {
            let ctx = context(&self.ifaces, &self.tunnels, iface, tunnel);
            self.stack.outbound(now, &ctx, packet)
        };
        match verdict {
            Outbound::Pass(p) => self.transmit(now, iface, next_hop, p, origin),
            Outbound::Protected(p) => {
                let Ok(info) = packet::parse_ipv4(&p) else {
                    return self.counters.bump(Counter::DropBadProtected);
                };
                match self.table.lookup(info.dst).copied() {
                    Some(Route {
                        egress: Egress::Ether(j),
                        gateway,
                        ..
                    }) => self.transmit(now, j, gateway.unwrap_or(info.dst), p, Origin::Local),
                    _ => {
                        self.counters.bump(Counter::DropNoRoute);
                        self.note(format!(
                            "no Ethernet route for protected packet to {}",
                            info.dst
                        ));
                    }
                }
            }
            Outbound::Drop(why) => {
                self.counters.bump(Counter::DropOutbound);
                self.note(format!("outbound packet dropped: {why}"));
            }
        }
    }

    /// Fragments to the interface MTU, resolves the next hop and sends.
    fn transmit(
        &mut self,
        now: Instant,
        iface: usize,
        next_hop: Ipv4Addr,
        packet: Vec<u8>,
        origin: Origin,
    ) {
        let mtu = self.ifaces[iface].cfg.mtu;
        let frags = match fragment(&packet, mtu) {
            Ok(f) => f,
            Err(FragError::DontFragment) => {
                match packet::parse_ipv4(&packet) {
                    Ok(info) => self.frag_needed(now, &packet, &info, mtu, origin),
                    Err(_) => self.counters.bump(Counter::DropFragNeeded),
                }
                return;
            }
            Err(FragError::Impossible) => return self.counters.bump(Counter::DropCannotFragment),
        };
        if frags.len() > 1 {
            for _ in 0..frags.len() {
                self.counters.bump(Counter::FragmentsSent);
            }
        }
        for f in frags {
            match self.ifaces[iface].arp.lookup(now, next_hop) {
                Some(mac) => self.emit_ip(iface, mac, &f),
                None => {
                    let e = self.ifaces[iface].arp.enqueue(now, next_hop, f);
                    if e.send_request {
                        self.arp_request(iface, next_hop);
                    }
                    if e.dropped.is_some() {
                        self.counters.bump(Counter::DropArpQueueFull);
                    }
                }
            }
        }
    }

    fn arp_request(&mut self, iface: usize, target: Ipv4Addr) {
        self.counters.bump(Counter::ArpRequests);
        let i = &self.ifaces[iface];
        let f = packet::arp_frame(&Arp {
            request: true,
            sender_mac: i.mac,
            sender_ip: i.cfg.address.addr,
            target_mac: MacAddr::ZERO,
            target_ip: target,
        });
        self.push_frame(iface, f);
    }

    fn emit_ip(&mut self, iface: usize, dst: MacAddr, ip: &[u8]) {
        let f = packet::eth_frame(dst, self.ifaces[iface].mac, ETHERTYPE_IPV4, ip);
        self.push_frame(iface, f);
    }

    fn push_frame(&mut self, port: usize, frame: Vec<u8>) {
        self.counters.bump(Counter::TxFrames);
        self.out.push_back((port, frame));
    }

    /// Drops a packet with DF set that exceeds `mtu`, answering a forwarded one with ICMP
    /// "fragmentation needed" and the MTU (RFC 1191).
    fn frag_needed(
        &mut self,
        now: Instant,
        packet: &[u8],
        info: &Ipv4Info,
        mtu: usize,
        origin: Origin,
    ) {
        self.counters.bump(Counter::DropFragNeeded);
        if let Origin::Forwarded(ing) = origin {
            let m = u16::try_from(mtu).unwrap_or(u16::MAX);
            self.icmp_error(
                now,
                packet,
                info,
                TYPE_UNREACHABLE,
                CODE_FRAG_NEEDED,
                m,
                Some(ing),
            );
        }
    }

    /// Sends an ICMP error about `offending` (if RFC 1812 allows one), from the address of the
    /// interface it came in on.
    #[allow(clippy::too_many_arguments)]
    fn icmp_error(
        &mut self,
        now: Instant,
        offending: &[u8],
        info: &Ipv4Info,
        icmp_type: u8,
        code: u8,
        mtu: u16,
        ingress: Option<Ingress>,
    ) {
        if self.local.contains(&info.src) {
            return;
        }
        let src = match ingress {
            Some(Ingress::Ether(i)) => self.ifaces[i].cfg.address.addr,
            _ => self.source_for(info.src),
        };
        let id = self.next_id();
        if let Some(p) = icmp::error_packet(src, id, offending, info, icmp_type, code, mtu) {
            self.counters.bump(Counter::IcmpErrorsSent);
            self.route_out(now, p, Origin::Local, None, 0);
        }
    }

    /// The address to send from towards `dst`: that of the Ethernet interface the route leaves
    /// by (through a tunnel: the first interface's).
    fn source_for(&self, dst: Ipv4Addr) -> Ipv4Addr {
        match self.table.lookup(dst).map(|r| r.egress) {
            Some(Egress::Ether(i)) => self.ifaces[i].cfg.address.addr,
            _ => self
                .ifaces
                .first()
                .map_or(Ipv4Addr::UNSPECIFIED, |i| i.cfg.address.addr),
        }
    }

    /// Sends what the security stack queued.
    fn drain_stack(&mut self, now: Instant) {
        while let Some((src, dst, payload)) = self.stack.poll_udp() {
            let Some(udp) =
                packet::udp_datagram(*src.ip(), src.port(), *dst.ip(), dst.port(), &payload)
            else {
                self.counters.bump(Counter::DropStackUdpTooBig);
                continue;
            };
            let id = self.next_id();
            let p = packet::ipv4_packet(
                &Ipv4Build {
                    src: *src.ip(),
                    dst: *dst.ip(),
                    protocol: PROTO_UDP,
                    ttl: 64,
                    id,
                    df: false,
                },
                &udp,
            );
            match p {
                Some(p) => {
                    self.counters.bump(Counter::UdpFromStack);
                    self.route_out(now, p, Origin::Local, None, 0);
                }
                None => self.counters.bump(Counter::DropStackUdpTooBig),
            }
        }
    }
}

impl Node for Router {
    fn name(&self) -> &str {
        &self.name
    }

    fn port_count(&self) -> usize {
        self.ifaces.len()
    }

    fn port_by_name(&self, name: &str) -> Option<usize> {
        self.ifaces.iter().position(|i| i.cfg.name == name)
    }

    fn port_mac(&self, port: usize) -> Option<MacAddr> {
        self.ifaces.get(port).map(|i| i.mac)
    }

    fn handle_frame(&mut self, now: Instant, port: usize, frame: &[u8]) {
        self.counters.bump(Counter::RxFrames);
        if port >= self.ifaces.len() {
            return self.counters.bump(Counter::RxDropBadPort);
        }
        let eth = match packet::parse_eth(frame) {
            Ok(e) => e,
            Err(e) => return self.malformed(port, e),
        };
        if eth.dst != self.ifaces[port].mac && !eth.dst.is_group() {
            // Flooded unicast for someone else: a NIC filters it silently.
            return self.counters.bump(Counter::RxNotForUs);
        }
        match eth.ethertype {
            ETHERTYPE_ARP => self.arp_input(now, port, eth.payload),
            ETHERTYPE_IPV4 => match packet::parse_ipv4(eth.payload) {
                Ok(info) => {
                    let p = eth.payload[..info.total_len].to_vec();
                    self.ip_input(now, Ingress::Ether(port), p, false, 0);
                }
                Err(e) => self.malformed(port, e),
            },
            _ => self.counters.bump(Counter::RxDropEthertype),
        }
        self.drain_stack(now);
    }

    fn handle_timeout(&mut self, now: Instant) {
        for i in 0..self.ifaces.len() {
            if self.ifaces[i].arp.poll_timeout().is_none_or(|t| t > now) {
                continue;
            }
            let t = self.ifaces[i].arp.handle_timeout(now);
            for ip in t.retry {
                self.arp_request(i, ip);
            }
            for (ip, packets) in t.failed {
                let name = self.ifaces[i].cfg.name.clone();
                self.note(format!(
                    "{name}: arp {ip} unreachable, {} packet(s) dropped",
                    packets.len()
                ));
                for p in packets {
                    self.counters.bump(Counter::DropArpFailed);
                    if let Ok(info) = packet::parse_ipv4(&p) {
                        self.icmp_error(now, &p, &info, TYPE_UNREACHABLE, CODE_HOST, 0, None);
                    }
                }
            }
        }
        if self.reasm.poll_timeout().is_some_and(|t| t <= now) {
            for first in self.reasm.handle_timeout(now) {
                self.counters.bump(Counter::ReasmTimeout);
                if let Ok(info) = packet::parse_ipv4(&first) {
                    self.icmp_error(now, &first, &info, TYPE_TIME_EXCEEDED, 1, 0, None);
                }
            }
        }
        if self.stack.poll_timeout().is_some_and(|t| t <= now) {
            self.stack.handle_timeout(now);
        }
        self.drain_stack(now);
    }

    fn poll_output(&mut self) -> Option<(usize, Vec<u8>)> {
        self.out.pop_front()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.ifaces
            .iter()
            .filter_map(|i| i.arp.poll_timeout())
            .chain(self.reasm.poll_timeout())
            .chain(self.stack.poll_timeout())
            .min()
    }

    fn poll_log(&mut self) -> Option<String> {
        self.log.pop_front().or_else(|| self.stack.poll_log())
    }

    fn poll_key(&mut self) -> Option<KeyLine> {
        self.stack.poll_key()
    }
}

/// What the security stack is told of a packet leaving interface `iface`, encapsulated by
/// tunnel `tunnel` if any (the router's fields, borrowed apart from its stack).
fn context<'a>(
    ifaces: &'a [Iface],
    tunnels: &'a [TunnelConfig],
    iface: usize,
    tunnel: Option<usize>,
) -> OutboundContext<'a> {
    OutboundContext {
        interface: &ifaces[iface].cfg.name,
        tunnel: tunnel.map(|t| {
            let c = &tunnels[t];
            TunnelInfo {
                name: &c.name,
                kind: c.kind,
                local: c.local,
                remote: c.remote,
            }
        }),
    }
}
