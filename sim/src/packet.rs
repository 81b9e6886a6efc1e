//! Building and checking the frames and packets the nodes exchange, on top of `etherparse`:
//! Ethernet (padded to the 60-byte minimum, as a NIC would), ARP, IPv4 (checksummed, validated),
//! ICMP and UDP with correct checksums. Parsers take hostile bytes and return typed errors.

use std::net::Ipv4Addr;

use etherparse::{
    ArpEthIpv4Packet, ArpOperation, ArpPacket, EtherType, Ethernet2Header, IcmpEchoHeader,
    Icmpv4Header, Icmpv4Type, IpFragOffset, IpNumber, Ipv4Header, UdpHeader, checksum,
};
use ikelab_peers::wire::ipv4;

use crate::{Counter, MacAddr};

/// EtherType of IPv4.
pub const ETHERTYPE_IPV4: u16 = 0x0800;
/// EtherType of ARP.
pub const ETHERTYPE_ARP: u16 = 0x0806;
/// IP protocol numbers the nodes handle.
pub const PROTO_ICMP: u8 = 1;
/// IP-in-IP.
pub const PROTO_IPIP: u8 = 4;
/// UDP.
pub const PROTO_UDP: u8 = 17;
/// ESP.
pub const PROTO_ESP: u8 = 50;
/// Ethernet header length.
pub const ETH_HLEN: usize = 14;
/// Shortest frame on the wire without FCS.
pub const ETH_MIN_FRAME: usize = 60;

/// Why bytes were not a usable frame or packet (counted under [`FrameError::counter`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// Shorter than an Ethernet header.
    #[error("frame shorter than an Ethernet header")]
    ShortFrame,
    /// ARP that is not Ethernet/IPv4 or is cut short.
    #[error("malformed ARP")]
    BadArp,
    /// IPv4 header unreadable (version, IHL, lengths).
    #[error("malformed IPv4 header")]
    BadIpv4,
    /// IPv4 header checksum wrong.
    #[error("bad IPv4 header checksum")]
    BadIpv4Checksum,
    /// ICMP shorter than its header or with a bad checksum.
    #[error("malformed ICMP")]
    BadIcmp,
    /// UDP shorter than its header, length field wrong, or bad checksum.
    #[error("malformed UDP")]
    BadUdp,
}

impl FrameError {
    /// The counter this error is counted under.
    pub fn counter(self) -> Counter {
        match self {
            FrameError::ShortFrame => Counter::RxDropShortFrame,
            FrameError::BadArp => Counter::RxDropBadArp,
            FrameError::BadIpv4 => Counter::RxDropBadIpv4,
            FrameError::BadIpv4Checksum => Counter::RxDropBadIpv4Checksum,
            FrameError::BadIcmp => Counter::RxDropBadIcmp,
            FrameError::BadUdp => Counter::RxDropBadUdp,
        }
    }
}

/// The parts of an Ethernet II frame.
#[derive(Clone, Copy, Debug)]
pub struct EthView<'a> {
    /// Destination.
    pub dst: MacAddr,
    /// Source.
    pub src: MacAddr,
    /// EtherType.
    pub ethertype: u16,
    /// Everything after the header (may include padding).
    pub payload: &'a [u8],
}

/// Splits an Ethernet II frame.
pub fn parse_eth(frame: &[u8]) -> Result<EthView<'_>, FrameError> {
    let (h, payload) = Ethernet2Header::from_slice(frame).map_err(|_| FrameError::ShortFrame)?;
    Ok(EthView {
        dst: MacAddr(h.destination),
        src: MacAddr(h.source),
        ethertype: h.ether_type.0,
        payload,
    })
}

/// An Ethernet II frame, zero-padded to 60 bytes.
pub fn eth_frame(dst: MacAddr, src: MacAddr, ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let h = Ethernet2Header {
        source: src.0,
        destination: dst.0,
        ether_type: EtherType(ethertype),
    };
    let mut f = Vec::with_capacity((ETH_HLEN + payload.len()).max(ETH_MIN_FRAME));
    f.extend_from_slice(&h.to_bytes());
    f.extend_from_slice(payload);
    if f.len() < ETH_MIN_FRAME {
        f.resize(ETH_MIN_FRAME, 0);
    }
    f
}

/// An ARP message (Ethernet/IPv4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arp {
    /// Request (true) or reply.
    pub request: bool,
    /// Sender hardware address.
    pub sender_mac: MacAddr,
    /// Sender protocol address.
    pub sender_ip: Ipv4Addr,
    /// Target hardware address (zero in a request).
    pub target_mac: MacAddr,
    /// Target protocol address.
    pub target_ip: Ipv4Addr,
}

/// Reads an ARP payload; only Ethernet/IPv4 requests and replies are accepted.
pub fn parse_arp(payload: &[u8]) -> Result<Arp, FrameError> {
    let p = ArpPacket::from_slice(payload).map_err(|_| FrameError::BadArp)?;
    let a = p.try_eth_ipv4().map_err(|_| FrameError::BadArp)?;
    let request = match a.operation {
        ArpOperation::REQUEST => true,
        ArpOperation::REPLY => false,
        _ => return Err(FrameError::BadArp),
    };
    Ok(Arp {
        request,
        sender_mac: MacAddr(a.sender_mac),
        sender_ip: a.sender_ipv4_addr(),
        target_mac: MacAddr(a.target_mac),
        target_ip: a.target_ipv4_addr(),
    })
}

/// The Ethernet frame carrying `arp` (requests broadcast, replies to the target).
pub fn arp_frame(arp: &Arp) -> Vec<u8> {
    let p = ArpEthIpv4Packet {
        operation: if arp.request {
            ArpOperation::REQUEST
        } else {
            ArpOperation::REPLY
        },
        sender_mac: arp.sender_mac.0,
        sender_ipv4: arp.sender_ip.octets(),
        target_mac: arp.target_mac.0,
        target_ipv4: arp.target_ip.octets(),
    };
    let dst = if arp.request {
        MacAddr::BROADCAST
    } else {
        arp.target_mac
    };
    eth_frame(dst, arp.sender_mac, ETHERTYPE_ARP, &p.to_bytes())
}

/// The fields of a checked IPv4 packet the nodes look at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ipv4Info {
    /// Header length in bytes.
    pub header_len: usize,
    /// Total length (header and payload).
    pub total_len: usize,
    /// Identification.
    pub id: u16,
    /// Don't Fragment.
    pub df: bool,
    /// More Fragments.
    pub mf: bool,
    /// Fragment offset in bytes.
    pub frag_offset: usize,
    /// Time to live.
    pub ttl: u8,
    /// Protocol.
    pub protocol: u8,
    /// Source.
    pub src: Ipv4Addr,
    /// Destination.
    pub dst: Ipv4Addr,
}

impl Ipv4Info {
    /// Whether this is a fragment (not a whole datagram).
    pub fn is_fragment(&self) -> bool {
        self.mf || self.frag_offset != 0
    }
}

/// Checks an IPv4 packet (version, lengths, header checksum) and returns its fields. Bytes after
/// `total_len` (Ethernet padding) are ignored: callers slice with `..total_len`.
pub fn parse_ipv4(packet: &[u8]) -> Result<Ipv4Info, FrameError> {
    let h = ipv4::Ipv4Header::parse(packet).map_err(|_| FrameError::BadIpv4)?;
    if ipv4::checksum(&packet[..h.header_len]) != 0 {
        return Err(FrameError::BadIpv4Checksum);
    }
    Ok(Ipv4Info {
        header_len: h.header_len,
        total_len: h.total_len,
        id: h.id,
        df: h.dont_fragment,
        mf: h.more_fragments,
        frag_offset: h.frag_offset,
        ttl: h.ttl,
        protocol: h.protocol,
        src: h.src,
        dst: h.dst,
    })
}

/// Header fields of a packet to build.
#[derive(Clone, Copy, Debug)]
pub struct Ipv4Build {
    /// Source.
    pub src: Ipv4Addr,
    /// Destination.
    pub dst: Ipv4Addr,
    /// Protocol.
    pub protocol: u8,
    /// Time to live.
    pub ttl: u8,
    /// Identification.
    pub id: u16,
    /// Don't Fragment.
    pub df: bool,
}

/// A whole IPv4 packet with a correct header checksum; `None` if the payload is too long for one
/// datagram.
pub fn ipv4_packet(b: &Ipv4Build, payload: &[u8]) -> Option<Vec<u8>> {
    let len = u16::try_from(payload.len()).ok()?;
    let mut h = Ipv4Header::new(
        len,
        b.ttl,
        IpNumber(b.protocol),
        b.src.octets(),
        b.dst.octets(),
    )
    .ok()?;
    h.identification = b.id;
    h.dont_fragment = b.df;
    h.header_checksum = h.calc_header_checksum();
    let mut p = Vec::with_capacity(h.header_len() + payload.len());
    p.extend_from_slice(&h.to_bytes());
    p.extend_from_slice(payload);
    Some(p)
}

/// Rewrites the header of a checked packet in place (TTL, flags, offset, length) through
/// etherparse, recomputing the checksum. `edit` gets the parsed header.
pub fn rewrite_ipv4_header(
    packet: &mut [u8],
    edit: impl FnOnce(&mut Ipv4Header),
) -> Result<(), FrameError> {
    let (mut h, _) = Ipv4Header::from_slice(packet).map_err(|_| FrameError::BadIpv4)?;
    let old_len = h.header_len();
    edit(&mut h);
    h.header_checksum = h.calc_header_checksum();
    let bytes = h.to_bytes();
    if bytes.len() != old_len {
        return Err(FrameError::BadIpv4);
    }
    packet[..old_len].copy_from_slice(&bytes);
    Ok(())
}

/// Sets the fragment fields of a header (offset in bytes, a multiple of 8).
pub(crate) fn set_fragment(h: &mut Ipv4Header, offset_bytes: usize, mf: bool) -> bool {
    match u16::try_from(offset_bytes / 8)
        .ok()
        .and_then(|o| IpFragOffset::try_new(o).ok())
    {
        Some(o) => {
            h.fragment_offset = o;
            h.more_fragments = mf;
            true
        }
        None => false,
    }
}

/// An ICMP message body: echo (request/reply) or an error about another packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Icmp<'a> {
    /// Echo request.
    EchoRequest {
        /// Identifier.
        id: u16,
        /// Sequence number.
        seq: u16,
        /// Data.
        data: &'a [u8],
    },
    /// Echo reply.
    EchoReply {
        /// Identifier.
        id: u16,
        /// Sequence number.
        seq: u16,
        /// Data.
        data: &'a [u8],
    },
    /// Destination unreachable (code, next-hop MTU for code 4), quoting the offending packet.
    Unreachable {
        /// Code (0 net, 1 host, 2 protocol, 3 port, 4 fragmentation needed).
        code: u8,
        /// Next-hop MTU (code 4).
        mtu: u16,
        /// The start of the packet that caused it.
        quoted: &'a [u8],
    },
    /// Time exceeded (code 0 TTL, 1 reassembly), quoting the offending packet.
    TimeExceeded {
        /// Code.
        code: u8,
        /// The start of the packet that caused it.
        quoted: &'a [u8],
    },
    /// Anything else (type, code).
    Other(u8, u8),
}

/// Reads an ICMP message, checking its checksum.
pub fn parse_icmp(msg: &[u8]) -> Result<Icmp<'_>, FrameError> {
    if msg.len() < 8
        || checksum::Sum16BitWords::new()
            .add_slice(msg)
            .ones_complement()
            != 0
    {
        return Err(FrameError::BadIcmp);
    }
    let (h, rest) = Icmpv4Header::from_slice(msg).map_err(|_| FrameError::BadIcmp)?;
    Ok(match h.icmp_type {
        Icmpv4Type::EchoRequest(e) => Icmp::EchoRequest {
            id: e.id,
            seq: e.seq,
            data: rest,
        },
        Icmpv4Type::EchoReply(e) => Icmp::EchoReply {
            id: e.id,
            seq: e.seq,
            data: rest,
        },
        _ => {
            let (t, c) = (msg[0], msg[1]);
            match t {
                3 => Icmp::Unreachable {
                    code: c,
                    mtu: u16::from_be_bytes([msg[6], msg[7]]),
                    quoted: &msg[8..],
                },
                11 => Icmp::TimeExceeded {
                    code: c,
                    quoted: &msg[8..],
                },
                _ => Icmp::Other(t, c),
            }
        }
    })
}

/// An ICMP echo request or reply with its checksum.
pub fn icmp_echo(reply: bool, id: u16, seq: u16, data: &[u8]) -> Vec<u8> {
    let e = IcmpEchoHeader { id, seq };
    let t = if reply {
        Icmpv4Type::EchoReply(e)
    } else {
        Icmpv4Type::EchoRequest(e)
    };
    icmp_message(t, data)
}

/// An ICMP error of `icmp_type`/`code` quoting `offending` (its header and first 8 payload bytes,
/// as RFC 792 asks). `mtu` is the next-hop MTU of "fragmentation needed".
pub fn icmp_error(
    icmp_type: u8,
    code: u8,
    mtu: u16,
    offending: &[u8],
    header_len: usize,
) -> Vec<u8> {
    let quoted = &offending[..offending.len().min(header_len + 8)];
    // Types 3 and 11 through etherparse's raw form: type, code, then the 4 "rest of header" bytes.
    let mut m = vec![icmp_type, code, 0, 0, 0, 0];
    m.extend_from_slice(&mtu.to_be_bytes());
    m.extend_from_slice(quoted);
    if let Ok((h, _)) = Icmpv4Header::from_slice(&m) {
        let mut h = h;
        h.update_checksum(&m[8..]);
        let bytes = h.to_bytes();
        m[..bytes.len()].copy_from_slice(&bytes);
    }
    m
}

fn icmp_message(t: Icmpv4Type, data: &[u8]) -> Vec<u8> {
    let h = Icmpv4Header::with_checksum(t, data);
    let mut m = Vec::with_capacity(h.header_len() + data.len());
    m.extend_from_slice(&h.to_bytes());
    m.extend_from_slice(data);
    m
}

/// A UDP datagram (header and payload) with its checksum over the IPv4 pseudo-header; `None` if
/// too long.
pub fn udp_datagram(
    src: Ipv4Addr,
    sport: u16,
    dst: Ipv4Addr,
    dport: u16,
    payload: &[u8],
) -> Option<Vec<u8>> {
    let h = UdpHeader::with_ipv4_checksum(sport, dport, &pseudo(src, dst), payload).ok()?;
    let mut d = Vec::with_capacity(8 + payload.len());
    d.extend_from_slice(&h.to_bytes());
    d.extend_from_slice(payload);
    Some(d)
}

fn pseudo(src: Ipv4Addr, dst: Ipv4Addr) -> Ipv4Header {
    Ipv4Header {
        source: src.octets(),
        destination: dst.octets(),
        protocol: IpNumber::UDP,
        ..Default::default()
    }
}

/// A checked UDP datagram: (source port, destination port, payload).
pub fn parse_udp(
    src: Ipv4Addr,
    dst: Ipv4Addr,
    datagram: &[u8],
) -> Result<(u16, u16, &[u8]), FrameError> {
    let (h, _) = UdpHeader::from_slice(datagram).map_err(|_| FrameError::BadUdp)?;
    let len = usize::from(h.length);
    if len < 8 || len > datagram.len() {
        return Err(FrameError::BadUdp);
    }
    let payload = &datagram[8..len];
    if h.checksum != 0 {
        let expect = h
            .calc_checksum_ipv4(&pseudo(src, dst), payload)
            .map_err(|_| FrameError::BadUdp)?;
        if expect != h.checksum {
            return Err(FrameError::BadUdp);
        }
    }
    Ok((h.source_port, h.destination_port, payload))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(a: u8, b: u8, c: u8, d: u8) -> Ipv4Addr {
        Ipv4Addr::new(a, b, c, d)
    }

    #[test]
    fn ipv4_round_trip_and_checksum() {
        let b = Ipv4Build {
            src: ip(10, 0, 0, 1),
            dst: ip(10, 0, 0, 2),
            protocol: PROTO_ICMP,
            ttl: 64,
            id: 7,
            df: true,
        };
        let mut p = ipv4_packet(&b, &icmp_echo(false, 1, 2, b"hello")).unwrap();
        let i = parse_ipv4(&p).unwrap();
        assert_eq!(
            (i.src, i.dst, i.ttl, i.id, i.df),
            (b.src, b.dst, 64, 7, true)
        );
        match parse_icmp(&p[i.header_len..i.total_len]).unwrap() {
            Icmp::EchoRequest { id, seq, data } => {
                assert_eq!((id, seq, data), (1, 2, &b"hello"[..]))
            }
            other => panic!("{other:?}"),
        }
        rewrite_ipv4_header(&mut p, |h| h.time_to_live -= 1).unwrap();
        assert_eq!(parse_ipv4(&p).unwrap().ttl, 63);
        p[8] ^= 1;
        assert_eq!(parse_ipv4(&p), Err(FrameError::BadIpv4Checksum));
    }

    #[test]
    fn icmp_error_checksums() {
        let b = Ipv4Build {
            src: ip(10, 0, 0, 1),
            dst: ip(10, 0, 0, 2),
            protocol: PROTO_UDP,
            ttl: 1,
            id: 1,
            df: false,
        };
        let orig =
            ipv4_packet(&b, &udp_datagram(b.src, 1, b.dst, 2, b"xyzxyzxyz").unwrap()).unwrap();
        let e = icmp_error(3, 4, 1400, &orig, 20);
        match parse_icmp(&e).unwrap() {
            Icmp::Unreachable { code, mtu, quoted } => {
                assert_eq!((code, mtu, quoted.len()), (4, 1400, 28));
            }
            other => panic!("{other:?}"),
        }
        let t = icmp_error(11, 0, 0, &orig, 20);
        assert!(matches!(
            parse_icmp(&t),
            Ok(Icmp::TimeExceeded { code: 0, .. })
        ));
    }

    #[test]
    fn udp_checksum_checked() {
        let (s, d) = (ip(1, 1, 1, 1), ip(2, 2, 2, 2));
        let mut u = udp_datagram(s, 500, d, 500, b"isakmp").unwrap();
        assert_eq!(parse_udp(s, d, &u).unwrap(), (500, 500, &b"isakmp"[..]));
        u[9] ^= 0xff;
        assert_eq!(parse_udp(s, d, &u), Err(FrameError::BadUdp));
    }

    #[test]
    fn arp_round_trip_and_padding() {
        let a = Arp {
            request: true,
            sender_mac: MacAddr::derived("a"),
            sender_ip: ip(1, 2, 3, 4),
            target_mac: MacAddr::ZERO,
            target_ip: ip(1, 2, 3, 5),
        };
        let f = arp_frame(&a);
        assert_eq!(f.len(), 60);
        let e = parse_eth(&f).unwrap();
        assert_eq!((e.dst, e.ethertype), (MacAddr::BROADCAST, ETHERTYPE_ARP));
        assert_eq!(parse_arp(e.payload).unwrap(), a);
    }

    #[test]
    fn hostile_bytes_are_errors() {
        for len in 0..80 {
            let junk: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            let _ = parse_eth(&junk);
            let _ = parse_arp(&junk);
            let _ = parse_ipv4(&junk);
            let _ = parse_icmp(&junk);
            let _ = parse_udp(ip(0, 0, 0, 0), ip(0, 0, 0, 0), &junk);
        }
    }
}
