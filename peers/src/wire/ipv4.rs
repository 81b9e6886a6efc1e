//! The little of IPv4 the ESP data path and the simulator's nodes need: read a header, write one
//! with its checksum.

use std::net::Ipv4Addr;

use super::{Result, WireError, be16, need};

/// IPv4 protocol numbers the data path cares about.
pub mod protocol {
    /// ICMP.
    pub const ICMP: u8 = 1;
    /// IPv4-in-IPv4 (RFC 2003).
    pub const IPIP: u8 = 4;
    /// UDP.
    pub const UDP: u8 = 17;
    /// ESP.
    pub const ESP: u8 = 50;
}

/// The fields of an IPv4 header that matter here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ipv4Header {
    /// Header length in bytes.
    pub header_len: usize,
    /// Total length from the header.
    pub total_len: usize,
    /// Identification.
    pub id: u16,
    /// Don't Fragment.
    pub dont_fragment: bool,
    /// More Fragments.
    pub more_fragments: bool,
    /// Fragment offset in bytes.
    pub frag_offset: usize,
    /// Protocol.
    pub protocol: u8,
    /// Source.
    pub src: Ipv4Addr,
    /// Destination.
    pub dst: Ipv4Addr,
    /// TTL.
    pub ttl: u8,
    /// Whether this is a fragment (MF set or offset non-zero).
    pub fragment: bool,
}

impl Ipv4Header {
    /// Parses the header at the front of `p`, checking the lengths against `p`.
    pub fn parse(p: &[u8]) -> Result<Self> {
        need("IPv4 header", p, 20)?;
        if p[0] >> 4 != 4 {
            return Err(WireError::Malformed {
                what: "IPv4 header",
                why: "version is not 4",
            });
        }
        let header_len = usize::from(p[0] & 0x0f) * 4;
        let total_len = usize::from(be16(p, 2));
        if header_len < 20 || total_len < header_len || total_len > p.len() {
            return Err(WireError::BadLength {
                what: "IPv4 header",
                field: total_len,
                why: "inconsistent with the packet",
            });
        }
        let frag = be16(p, 6);
        Ok(Self {
            header_len,
            total_len,
            id: be16(p, 4),
            dont_fragment: frag & 0x4000 != 0,
            more_fragments: frag & 0x2000 != 0,
            frag_offset: usize::from(frag & 0x1fff) * 8,
            protocol: p[9],
            src: Ipv4Addr::new(p[12], p[13], p[14], p[15]),
            dst: Ipv4Addr::new(p[16], p[17], p[18], p[19]),
            ttl: p[8],
            fragment: frag & 0x2000 != 0 || frag & 0x1fff != 0,
        })
    }
}

/// The Internet checksum of `b`.
pub fn checksum(b: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    for c in b.chunks(2) {
        sum += u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]));
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// A 20-byte IPv4 header (no options, DF clear) for a payload of `payload_len` bytes.
pub fn header(
    src: Ipv4Addr,
    dst: Ipv4Addr,
    protocol: u8,
    ttl: u8,
    id: u16,
    payload_len: usize,
) -> [u8; 20] {
    let total = (20 + payload_len).min(usize::from(u16::MAX)) as u16;
    let mut h = [0u8; 20];
    h[0] = 0x45;
    h[2..4].copy_from_slice(&total.to_be_bytes());
    h[4..6].copy_from_slice(&id.to_be_bytes());
    h[8] = ttl;
    h[9] = protocol;
    h[12..16].copy_from_slice(&src.octets());
    h[16..20].copy_from_slice(&dst.octets());
    let c = checksum(&h);
    h[10..12].copy_from_slice(&c.to_be_bytes());
    h
}

/// A UDP header (checksum 0, allowed for IPv4 and what RFC 3948 ESP-in-UDP senders use).
pub fn udp_header(sport: u16, dport: u16, payload_len: usize) -> [u8; 8] {
    let len = (8 + payload_len).min(usize::from(u16::MAX)) as u16;
    let mut h = [0u8; 8];
    h[0..2].copy_from_slice(&sport.to_be_bytes());
    h[2..4].copy_from_slice(&dport.to_be_bytes());
    h[4..6].copy_from_slice(&len.to_be_bytes());
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_checksum_verifies() {
        let h = header(
            Ipv4Addr::new(172, 16, 0, 1),
            Ipv4Addr::new(172, 16, 0, 2),
            50,
            64,
            7,
            100,
        );
        assert_eq!(checksum(&h), 0);
        let mut p = h.to_vec();
        p.resize(120, 0);
        let parsed = Ipv4Header::parse(&p).unwrap();
        assert_eq!(
            (parsed.protocol, parsed.total_len, parsed.header_len),
            (50, 120, 20)
        );
        assert!(Ipv4Header::parse(&p[..100]).is_err());
    }
}
