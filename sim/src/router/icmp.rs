//! ICMP errors as RFC 1812 wants them: never about an ICMP error, a non-first fragment, or a
//! packet from an address that cannot be answered.

use std::net::Ipv4Addr;

use crate::packet::{Ipv4Build, Ipv4Info, PROTO_ICMP, icmp_error, ipv4_packet};

/// Destination unreachable.
pub const TYPE_UNREACHABLE: u8 = 3;
/// Time exceeded.
pub const TYPE_TIME_EXCEEDED: u8 = 11;
/// Unreachable codes.
pub const CODE_NET: u8 = 0;
/// Host unreachable (ARP failed).
pub const CODE_HOST: u8 = 1;
/// Protocol unreachable.
pub const CODE_PROTOCOL: u8 = 2;
/// Port unreachable.
pub const CODE_PORT: u8 = 3;
/// Fragmentation needed and DF set.
pub const CODE_FRAG_NEEDED: u8 = 4;

/// Whether an error about `offending` may be sent.
pub fn may_answer(offending: &[u8], info: &Ipv4Info) -> bool {
    if info.frag_offset != 0 {
        return false;
    }
    let s = info.src;
    if s.is_unspecified() || s.is_broadcast() || s.is_multicast() || s.is_loopback() {
        return false;
    }
    if info.protocol == PROTO_ICMP {
        // Only echo (0, 8) and other queries may be answered with an error.
        match offending.get(info.header_len) {
            Some(0 | 8 | 13 | 15 | 17) => {}
            _ => return false,
        }
    }
    true
}

/// The IPv4 packet carrying an ICMP error from `src` about `offending`, or `None` when RFC 1812
/// forbids one.
pub fn error_packet(
    src: Ipv4Addr,
    id: u16,
    offending: &[u8],
    info: &Ipv4Info,
    icmp_type: u8,
    code: u8,
    mtu: u16,
) -> Option<Vec<u8>> {
    if !may_answer(offending, info) {
        return None;
    }
    let msg = icmp_error(
        icmp_type,
        code,
        mtu,
        &offending[..info.total_len.min(offending.len())],
        info.header_len,
    );
    ipv4_packet(
        &Ipv4Build {
            src,
            dst: info.src,
            protocol: PROTO_ICMP,
            ttl: 64,
            id,
            df: false,
        },
        &msg,
    )
}
