//! The hook where the IKEv1/ESP engine of `ikelab-peers` plugs into a router. The router never
//! speaks IKE itself: it hands UDP 500/4500 addressed to it, every packet about to leave, and every
//! ESP packet addressed to it to a [`SecurityStack`], and routes what the stack asks to send.
//! [`NoIpsec`] passes everything (the placeholder until the engine exists).

use std::net::SocketAddrV4;

use ikelab_peers::time::Instant;

use crate::KeyLine;
use crate::router::TunnelKind;

/// The tunnel interface a packet was encapsulated by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TunnelInfo<'a> {
    /// Its name (`ipsec0`, `Tunnel0.0`).
    pub name: &'a str,
    /// What kind of tunnel it is.
    pub kind: TunnelKind,
    /// Outer source.
    pub local: std::net::Ipv4Addr,
    /// Outer destination (the peer).
    pub remote: std::net::Ipv4Addr,
}

/// Where an outbound packet is about to go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutboundContext<'a> {
    /// The Ethernet interface it leaves by (`lan1`, `FastEthernet0/0.0`).
    pub interface: &'a str,
    /// The tunnel interface that encapsulated it, if any: the packet is then the IP-in-IP packet
    /// (outer header local -> remote, protocol 4), which a route-based VPN (`Tunnel0.0` with
    /// `ipsec policy tunnel`) protects in tunnel mode and SEIL's `ipsec0` in transport mode; both
    /// give the same bytes on the wire.
    pub tunnel: Option<TunnelInfo<'a>>,
}

/// What the stack made of an outbound packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outbound {
    /// Send it as it is (no policy applies, or a bypass such as IKE itself).
    Pass(Vec<u8>),
    /// Send this instead: the ESP-protected form (IPv4, protocol 50 or UDP 4500). The router
    /// routes it afresh by its destination and does not offer it to the stack again.
    Protected(Vec<u8>),
    /// Drop it (e.g. no SA yet: the stack starts IKE), with why, for the log.
    Drop(String),
}

/// The room ESP leaves for a packet in an MTU (see [`SecurityStack::room`]): the engine's own
/// answer, as any stack would give it.
pub use ikelab_peers::ike::EspRoom as Room;

/// The IPsec side of a router (the scenarios crate adapts the engine to it, `EngineStack`).
pub trait SecurityStack {
    /// UDP to port 500 or 4500 addressed to one of the router's addresses (the payload as
    /// received, the non-ESP marker included on 4500; NAT-T keepalives too).
    fn udp_received(&mut self, now: Instant, src: SocketAddrV4, dst: SocketAddrV4, payload: &[u8]);

    /// An IPv4 packet about to leave an Ethernet interface (after IP-in-IP encapsulation by a
    /// tunnel interface, before fragmentation).
    fn outbound(&mut self, now: Instant, ctx: &OutboundContext<'_>, packet: Vec<u8>) -> Outbound;

    /// How large a packet like `packet`, about to be offered to [`SecurityStack::outbound`],
    /// may be so that its protected form fits `mtu`; `None` when it would not be protected
    /// (yet). The router fragments before encryption with it.
    fn room(
        &mut self,
        _now: Instant,
        _ctx: &OutboundContext<'_>,
        _packet: &[u8],
        _mtu: usize,
    ) -> Option<Room> {
        None
    }

    /// An ESP packet addressed to us (IP protocol 50, or the whole IPv4/UDP 4500 packet when
    /// UDP-encapsulated): the IPv4 packet as if ESP had not been there, which the router then
    /// processes as received (protocol 4: decapsulate and forward), or `None` to drop it.
    fn inbound_esp(&mut self, now: Instant, packet: &[u8]) -> Option<Vec<u8>>;

    /// Whether a packet for this router that did not come through ESP may be accepted (inbound
    /// policy: an unprotected IP-in-IP packet from a peer that requires ESP is refused). Asked for
    /// IP-in-IP, ICMP and other UDP addressed to the router; IKE and ESP themselves are not asked.
    fn accept_plain(&mut self, _now: Instant, _packet: &[u8]) -> bool {
        true
    }

    /// UDP datagrams the stack wants sent (source, destination, payload); the router builds
    /// IPv4/UDP and routes them (through [`SecurityStack::outbound`] like any packet).
    fn poll_udp(&mut self) -> Option<(SocketAddrV4, SocketAddrV4, Vec<u8>)>;

    /// When the stack next wants [`SecurityStack::handle_timeout`].
    fn poll_timeout(&self) -> Option<Instant>;

    /// Its time has come (retransmissions, lifetimes, the phase-2 delay).
    fn handle_timeout(&mut self, now: Instant);

    /// The next log line (vendor-style IKE logs).
    fn poll_log(&mut self) -> Option<String> {
        None
    }

    /// The next derived key, for the run's Wireshark key files.
    fn poll_key(&mut self) -> Option<KeyLine> {
        None
    }
}

/// No IPsec: every packet passes, ESP is dropped, IKE is ignored.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoIpsec;

impl SecurityStack for NoIpsec {
    fn udp_received(&mut self, _: Instant, _: SocketAddrV4, _: SocketAddrV4, _: &[u8]) {}

    fn outbound(&mut self, _: Instant, _: &OutboundContext<'_>, packet: Vec<u8>) -> Outbound {
        Outbound::Pass(packet)
    }

    fn inbound_esp(&mut self, _: Instant, _: &[u8]) -> Option<Vec<u8>> {
        None
    }

    fn poll_udp(&mut self) -> Option<(SocketAddrV4, SocketAddrV4, Vec<u8>)> {
        None
    }

    fn poll_timeout(&self) -> Option<Instant> {
        None
    }

    fn handle_timeout(&mut self, _: Instant) {}
}
