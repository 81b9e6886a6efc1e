//! Tunnel interfaces: IP-in-IP (protocol 4). SEIL's `ipsec0` is IP-in-IP that IPsec protects in
//! transport mode; NEC IX's `Tunnel0.0` with `ipsec policy tunnel` is a route-based VPN whose
//! packets IPsec protects in tunnel mode. On the wire both are outer IPv4 / ESP / inner IPv4, so
//! both encapsulate here and leave the ESP to the [`crate::SecurityStack`]; without a stack both
//! are plain IP-in-IP.

use std::net::Ipv4Addr;

use crate::packet::{Ipv4Build, PROTO_IPIP, ipv4_packet};

/// What a tunnel interface is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TunnelKind {
    /// Plain IP-in-IP (SEIL `ipsec0`, protected by transport-mode ESP when a stack has an SA).
    IpInIp,
    /// A route-based VPN interface (IX `Tunnel0.0` with `ipsec policy tunnel`).
    IpsecTunnel,
}

/// A tunnel interface's configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TunnelConfig {
    /// Interface name (`ipsec0`, `Tunnel0.0`).
    pub name: String,
    /// Outer source address (one of the router's).
    pub local: Ipv4Addr,
    /// Outer destination (the peer).
    pub remote: Ipv4Addr,
    /// Kind.
    pub kind: TunnelKind,
    /// Largest inner packet; larger ones with DF get "fragmentation needed".
    pub mtu: usize,
}

impl TunnelConfig {
    /// A tunnel with MTU 1480 (Ethernet less the outer header).
    pub fn new(
        name: impl Into<String>,
        local: Ipv4Addr,
        remote: Ipv4Addr,
        kind: TunnelKind,
    ) -> Self {
        TunnelConfig {
            name: name.into(),
            local,
            remote,
            kind,
            mtu: 1480,
        }
    }
}

/// The IP-in-IP packet carrying `inner` (outer DF clear, so the outer packet may fragment).
pub fn encapsulate(t: &TunnelConfig, inner: &[u8], id: u16) -> Option<Vec<u8>> {
    ipv4_packet(
        &Ipv4Build {
            src: t.local,
            dst: t.remote,
            protocol: PROTO_IPIP,
            ttl: 64,
            id,
            df: false,
        },
        inner,
    )
}
