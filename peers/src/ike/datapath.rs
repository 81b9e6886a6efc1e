//! The SPD/SAD data path: which packets are protected, by which SA, and SA lifetimes.
//!
//! Outbound: a policy selects the packet by addresses and protocol; its newest outbound SA
//! encapsulates it (transport: the IPv4 payload; tunnel: the whole packet), optionally in UDP
//! 4500. No SA yet: the packet is dropped and negotiation starts, as a kernel's ACQUIRE does.
//! Inbound: the SPI finds the SA, ESP is checked and removed, and the result must fit the policy.

use std::net::Ipv4Addr;

use crate::esp::EspError;
use crate::time::Instant;
use crate::wire::ipv4::{self, Ipv4Header, protocol};

use super::event::{DeleteReason, Direction, EventKind};
use super::index::PolicyIndex;
use super::{EncapMode, Engine, IKE_PORT, NAT_T_PORT};

/// What to do with an outbound packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Protected {
    /// No policy covers it: send it as it is.
    Bypass(Vec<u8>),
    /// Protected: send this IPv4 packet instead.
    Esp(Vec<u8>),
    /// A policy covers it but no SA exists yet: dropped, negotiation started (or under way).
    Acquire,
    /// Dropped for another reason.
    Drop(&'static str),
}

/// The room ESP leaves in an MTU, from [`Engine::esp_room`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EspRoom {
    /// The largest packet of this flow whose ESP form fits.
    pub largest: usize,
    /// Whether the whole packet travels inside ESP (tunnel mode), so that it may be fragmented
    /// before encryption; in transport mode its header stays outside, and a fragment cannot be
    /// protected on its own.
    pub whole_packet: bool,
}

/// Why an inbound ESP packet was dropped.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UnprotectError {
    /// Not an IPv4 ESP (or ESP-in-UDP) packet.
    #[error("not an ESP packet: {0}")]
    NotEsp(String),
    /// No inbound SA has this SPI.
    #[error("no SA for SPI {0:#010x}")]
    UnknownSpi(u32),
    /// ESP processing refused it.
    #[error(transparent)]
    Esp(#[from] EspError),
    /// The decrypted packet does not fit the SA's policy.
    #[error("decrypted packet {src} -> {dst} does not match the policy")]
    PolicyMismatch {
        /// Inner source.
        src: Ipv4Addr,
        /// Inner destination.
        dst: Ipv4Addr,
    },
}

fn is_ike(h: &Ipv4Header, packet: &[u8]) -> bool {
    if h.protocol != protocol::UDP {
        return false;
    }
    let Some(udp) = packet.get(h.header_len..h.header_len + 4) else {
        return false;
    };
    let (s, d) = (
        u16::from_be_bytes([udp[0], udp[1]]),
        u16::from_be_bytes([udp[2], udp[3]]),
    );
    [s, d].iter().any(|p| *p == IKE_PORT || *p == NAT_T_PORT)
}

impl Engine {
    /// Applies the SPD to an IPv4 packet about to leave.
    pub fn protect(&mut self, now: Instant, packet: Vec<u8>) -> Protected {
        self.now = now;
        let Ok(h) = Ipv4Header::parse(&packet) else {
            return Protected::Drop("not an IPv4 packet");
        };
        if is_ike(&h, &packet) {
            return Protected::Bypass(packet);
        }
        let Some(policy) = self.policy_for(&h) else {
            return Protected::Bypass(packet);
        };
        let sa = self.outbound_sa(policy, now);
        let Some(k) = sa else {
            if self.stopped {
                return Protected::Drop("the IKE daemon has stopped");
            }
            let name = self.cfg.policies[policy].name.clone();
            self.event(EventKind::Acquire { policy: name });
            self.request_phase2(policy);
            return Protected::Acquire;
        };
        let sa = &mut self.sas[k];
        let (next_header, inner) = match sa.carriage() {
            EncapMode::Transport => (h.protocol, &packet[h.header_len..h.total_len]),
            EncapMode::Tunnel => (protocol::IPIP, &packet[..h.total_len]),
        };
        let (src, dst, ttl) = match sa.carriage() {
            EncapMode::Transport => (h.src, h.dst, h.ttl),
            EncapMode::Tunnel => (sa.local, sa.remote, 64),
        };
        let Some(out) = sa.outbound.as_mut() else {
            return Protected::Drop("SA has no outbound state");
        };
        let esp = match out.encapsulate(next_header, inner, &mut self.rng) {
            Ok(e) => e,
            Err(_) => return Protected::Drop("ESP sequence number exhausted"),
        };
        sa.bytes += inner.len() as u64;
        if sa.initiator && !sa.rekeyed && sa.soft_due(now) {
            sa.rekeyed = true;
            self.request_phase2(policy);
        }
        let sa = &self.sas[k];
        let id = u16::from_be_bytes([packet[4], packet[5]]);
        let mut p = Vec::with_capacity(28 + esp.len());
        match sa.udp {
            Some((lport, rport)) => {
                p.extend_from_slice(&ipv4::header(
                    src,
                    dst,
                    protocol::UDP,
                    ttl,
                    id,
                    8 + esp.len(),
                ));
                p.extend_from_slice(&ipv4::udp_header(lport, rport, esp.len()));
            }
            None => p.extend_from_slice(&ipv4::header(src, dst, protocol::ESP, ttl, id, esp.len())),
        }
        p.extend_from_slice(&esp);
        Protected::Esp(p)
    }

    /// How large a packet like `packet` may be so that its ESP form, as the SA that would
    /// protect it now makes it, fits in `mtu` bytes; `None` when no SA would protect it (no
    /// policy, or none negotiated yet). The router fragments larger packets before they are
    /// encrypted, or answers "fragmentation needed" with [`EspRoom::largest`] when DF is set.
    pub fn esp_room(&self, now: Instant, packet: &[u8], mtu: usize) -> Option<EspRoom> {
        let h = Ipv4Header::parse(packet).ok()?;
        if is_ike(&h, packet) {
            return None;
        }
        let sa = &self.sas[self.outbound_sa(self.policy_for(&h)?, now)?];
        let out = sa.outbound.as_ref()?;
        let udp = if sa.udp.is_some() { 8 } else { 0 };
        let whole_packet = sa.carriage() == EncapMode::Tunnel;
        // Tunnel: a new 20-byte header, the whole packet inside; transport: the packet's own
        // header stays outside and only its payload is encrypted.
        let (outside, inside_header) = if whole_packet {
            (20, 0)
        } else {
            (h.header_len, h.header_len)
        };
        let payload = out.largest_payload(mtu.checked_sub(outside + udp)?)?;
        Some(EspRoom {
            largest: payload + inside_header,
            whole_packet,
        })
    }

    /// The policy that selects a packet with this header, if any.
    fn policy_for(&self, h: &Ipv4Header) -> Option<PolicyIndex> {
        PolicyIndex::find(&self.cfg.policies, |p| {
            p.local.contains(h.src)
                && p.remote.contains(h.dst)
                && (p.local.protocol == 0 || p.local.protocol == h.protocol)
        })
    }

    /// The newest live outbound SA of a policy, by its index in `sas`.
    fn outbound_sa(&self, policy: PolicyIndex, now: Instant) -> Option<usize> {
        let p = &self.cfg.policies[policy];
        self.sas
            .iter()
            .enumerate()
            .filter(|(_, s)| {
                s.selectors == (p.local, p.remote)
                    && s.direction == Direction::Outbound
                    && !s.hard_due(now)
            })
            .max_by_key(|(_, s)| s.hard)
            .map(|(k, _)| k)
    }

    /// Removes ESP from an inbound packet (IP protocol 50, or UDP 4500): the IPv4 packet as if
    /// ESP had not been there.
    pub fn unprotect(&mut self, now: Instant, packet: &[u8]) -> Result<Vec<u8>, UnprotectError> {
        self.now = now;
        let h = Ipv4Header::parse(packet).map_err(|e| UnprotectError::NotEsp(e.to_string()))?;
        if h.fragment {
            return Err(UnprotectError::NotEsp(
                "a fragment; reassemble first".into(),
            ));
        }
        let body = &packet[h.header_len..h.total_len];
        let esp = match h.protocol {
            protocol::ESP => body,
            protocol::UDP
                if body.len() > 8 && u16::from_be_bytes([body[2], body[3]]) == NAT_T_PORT =>
            {
                &body[8..]
            }
            _ => return Err(UnprotectError::NotEsp(format!("protocol {}", h.protocol))),
        };
        let Some(spi) = esp
            .get(..4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        else {
            return Err(UnprotectError::NotEsp("too short for an SPI".into()));
        };
        let Some(k) = self
            .sas
            .iter()
            .position(|s| s.spi == spi && s.direction == Direction::Inbound && s.local == h.dst)
        else {
            return Err(UnprotectError::UnknownSpi(spi));
        };
        let sa = &mut self.sas[k];
        let d = sa
            .inbound
            .as_mut()
            .ok_or(UnprotectError::UnknownSpi(spi))?
            .decapsulate(esp)?;
        sa.bytes += d.payload.len() as u64;
        let remote = sa.remote;
        for p in self.ph1s.iter_mut().filter(|p| *p.remote.ip() == remote) {
            p.last_heard = now;
        }
        let sa = &self.sas[k];
        let inner = match sa.carriage() {
            EncapMode::Transport => {
                let id = u16::from_be_bytes([packet[4], packet[5]]);
                let mut p =
                    ipv4::header(h.src, h.dst, d.next_header, h.ttl, id, d.payload.len()).to_vec();
                p.extend_from_slice(&d.payload);
                p
            }
            EncapMode::Tunnel => d.payload,
        };
        let ih = Ipv4Header::parse(&inner)
            .map_err(|e| UnprotectError::NotEsp(format!("inner packet: {e}")))?;
        let (local, remote) = sa.selectors;
        if !(remote.contains(ih.src) && local.contains(ih.dst)) {
            return Err(UnprotectError::PolicyMismatch {
                src: ih.src,
                dst: ih.dst,
            });
        }
        Ok(inner)
    }

    /// Whether a packet that arrived without ESP may be accepted: not if a policy says traffic
    /// between these addresses must be protected (the inbound half of the SPD).
    pub fn accepts_plain(&self, packet: &[u8]) -> bool {
        let Ok(h) = Ipv4Header::parse(packet) else {
            return false;
        };
        if is_ike(&h, packet) {
            return true;
        }
        !self.cfg.policies.iter().any(|p| {
            p.remote.contains(h.src)
                && p.local.contains(h.dst)
                && (p.local.protocol == 0 || p.local.protocol == h.protocol)
        })
    }

    /// Soft expiry starts a rekey (by the side that negotiated the SA); hard expiry removes the
    /// SA and tells the peer about our inbound one.
    pub(crate) fn sa_timers(&mut self) {
        let now = self.now;
        let mut soft = vec![];
        for s in self
            .sas
            .iter_mut()
            .filter(|s| s.initiator && !s.rekeyed && s.soft_due(now))
        {
            s.rekeyed = true;
            soft.push(s.selectors);
        }
        for sel in soft {
            // The policy that made the SA, if the policies still have it.
            if let Some(policy) =
                PolicyIndex::find(&self.cfg.policies, |p| (p.local, p.remote) == sel)
            {
                self.request_phase2(policy);
            }
        }
        let expired: Vec<(u32, Ipv4Addr, Direction)> = self
            .sas
            .iter()
            .filter(|s| s.hard_due(now))
            .map(|s| (s.spi, s.remote, s.direction))
            .collect();
        for (spi, remote, dir) in expired {
            self.remove_sas(
                |s| s.spi == spi && s.direction == dir && s.remote == remote,
                DeleteReason::Expired,
            );
            if dir == Direction::Inbound {
                if let Some(i) = self.latest_ph1_with(remote) {
                    self.send_esp_delete(i, &[spi]);
                }
            }
        }
    }
}

impl super::IpsecSa {
    /// How packets travel on this SA: as negotiated, except that a route-based SA always
    /// carries the tunnel interface's IP-in-IP packet in transport mode, which is byte for byte
    /// what a tunnel-mode SA between the same endpoints carries (see [`super::Policy::route_based`]).
    pub(crate) fn carriage(&self) -> EncapMode {
        if self.route_based {
            EncapMode::Transport
        } else {
            self.mode
        }
    }

    /// The outer (source, destination) of packets on this SA.
    pub(crate) fn outer(&self) -> (Ipv4Addr, Ipv4Addr) {
        match self.direction {
            Direction::Inbound => (self.remote, self.local),
            Direction::Outbound => (self.local, self.remote),
        }
    }

    /// Time or traffic says: renew (at the configured percentage of either lifetime).
    pub(crate) fn soft_due(&self, now: Instant) -> bool {
        self.soft <= now
            || self
                .lifetime_kb
                .is_some_and(|kb| self.bytes >= u64::from(kb) * 1024 * 8 / 10)
    }

    /// Time or traffic says: this SA is over.
    pub(crate) fn hard_due(&self, now: Instant) -> bool {
        self.hard <= now
            || self
                .lifetime_kb
                .is_some_and(|kb| self.bytes >= u64::from(kb) * 1024)
    }
}
