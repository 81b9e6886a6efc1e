//! Tampering, the hostile cousin of corruption: a frame carrying IKE (UDP 500/4500) or ESP
//! whole (not a fragment) has its payload altered — a bit flipped, a byte replaced, or the
//! datagram cut short — and its IPv4 and UDP headers made consistent again (lengths and
//! checksums), so that the damage passes the receiver's own checks and reaches its IPsec stack,
//! as an attacker's forgery would. Corruption ([`super::Impairments::corrupt`]) is what a line
//! does; this is what a man in the middle does.

use crate::packet::{
    ETH_HLEN, ETHERTYPE_IPV4, Ipv4Build, PROTO_ESP, PROTO_UDP, ipv4_packet, parse_eth, parse_ipv4,
    parse_udp, udp_datagram,
};

/// How a payload is altered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tamper {
    /// One bit flipped.
    FlipBit,
    /// One byte replaced by another value.
    ReplaceByte,
    /// The payload cut to a shorter length (possibly empty).
    Truncate,
}

impl Tamper {
    /// The alteration a random number picks.
    pub(crate) fn pick(r: u32) -> Self {
        match r % 3 {
            0 => Tamper::FlipBit,
            1 => Tamper::ReplaceByte,
            _ => Tamper::Truncate,
        }
    }
}

/// The frame with its IKE or ESP payload altered by `how` at a position chosen by `r`, headers
/// made consistent; `None` if the frame carries neither (or is a fragment).
pub(crate) fn tamper(frame: &[u8], how: Tamper, r: u32) -> Option<Vec<u8>> {
    let eth = parse_eth(frame).ok()?;
    if eth.ethertype != ETHERTYPE_IPV4 {
        return None;
    }
    let ip = &frame[ETH_HLEN..];
    let info = parse_ipv4(ip).ok()?;
    if info.is_fragment() || info.total_len > ip.len() {
        return None;
    }
    let body = &ip[info.header_len..info.total_len];
    let (payload, udp_ports) = match info.protocol {
        PROTO_ESP => (body.to_vec(), None),
        PROTO_UDP => {
            let (sport, dport, p) = parse_udp(info.src, info.dst, body).ok()?;
            let ike = [500, 4500];
            if !(ike.contains(&sport) || ike.contains(&dport)) {
                return None;
            }
            (p.to_vec(), Some((sport, dport)))
        }
        _ => return None,
    };
    let altered = alter(payload, how, r)?;
    let new_body = match udp_ports {
        Some((sport, dport)) => udp_datagram(info.src, sport, info.dst, dport, &altered)?,
        None => altered,
    };
    let packet = ipv4_packet(
        &Ipv4Build {
            src: info.src,
            dst: info.dst,
            protocol: info.protocol,
            ttl: info.ttl,
            id: info.id,
            df: info.df,
        },
        &new_body,
    )?;
    let mut out = frame[..ETH_HLEN].to_vec();
    out.extend_from_slice(&packet);
    Some(out)
}

fn alter(mut p: Vec<u8>, how: Tamper, r: u32) -> Option<Vec<u8>> {
    if p.is_empty() {
        return None;
    }
    let at = r as usize % p.len();
    match how {
        Tamper::FlipBit => p[at] ^= 1 << (r >> 24 & 7),
        Tamper::ReplaceByte => p[at] = p[at].wrapping_add(1 + (r >> 24) as u8 % 255),
        Tamper::Truncate => p.truncate(at),
    }
    Some(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MacAddr;
    use crate::packet::eth_frame;
    use std::net::Ipv4Addr;

    fn ike_frame(payload: &[u8]) -> Vec<u8> {
        let (a, b) = (Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, 2));
        let udp = udp_datagram(a, 500, b, 500, payload).unwrap();
        let ip = ipv4_packet(
            &Ipv4Build {
                src: a,
                dst: b,
                protocol: PROTO_UDP,
                ttl: 64,
                id: 1,
                df: false,
            },
            &udp,
        )
        .unwrap();
        eth_frame(MacAddr::ZERO, MacAddr::ZERO, ETHERTYPE_IPV4, &ip)
    }

    /// Whatever the alteration, the frame still passes IPv4 and UDP checks, and its payload
    /// differs from the original.
    #[test]
    fn tampered_frames_pass_the_receivers_checks() {
        let original: Vec<u8> = (0..100).collect();
        let frame = ike_frame(&original);
        for r in 0..300u32 {
            let how = Tamper::pick(r);
            let t = tamper(&frame, how, r.wrapping_mul(2_654_435_761)).expect("IKE is tampered");
            let ip = &t[ETH_HLEN..];
            let info = parse_ipv4(ip).expect("IPv4 checks pass");
            let (_, _, p) =
                parse_udp(info.src, info.dst, &ip[info.header_len..info.total_len]).expect("UDP");
            assert_ne!(p, &original[..], "{how:?}");
        }
        // Anything else passes untouched.
        let other = {
            let mut f = frame.clone();
            f[12] = 0x86;
            f
        };
        assert!(tamper(&other, Tamper::FlipBit, 1).is_none());
    }
}
