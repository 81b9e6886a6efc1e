//! From a captured frame to the datagram the decoder cares about: IKE on UDP 500/4500, ESP raw or
//! UDP-encapsulated. Only what that needs is parsed (IPv4; IPv6 frames are reported as other).

use std::net::Ipv4Addr;

use ikelab_peers::wire::esp::{Udp4500, classify_udp_4500};

use super::capture::LinkType;

/// IKE's port.
pub const IKE_PORT: u16 = 500;
/// IKE and ESP after NAT-T floating (RFC 3948).
pub const NAT_T_PORT: u16 = 4500;

/// The transport of a datagram of interest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Carried<'a> {
    /// An ISAKMP message (after the non-ESP marker on 4500).
    Isakmp(&'a [u8]),
    /// An ESP packet (IP protocol 50, or UDP-encapsulated on 4500).
    Esp(&'a [u8]),
    /// A NAT-keepalive on 4500.
    Keepalive,
}

/// An IPv4 datagram that carries IKE or ESP.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Datagram<'a> {
    /// IPv4 source.
    pub src: Ipv4Addr,
    /// IPv4 destination.
    pub dst: Ipv4Addr,
    /// UDP ports, when UDP carried it.
    pub ports: Option<(u16, u16)>,
    /// What it carries.
    pub carried: Carried<'a>,
}

/// Why a frame was not decoded further.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Skip {
    /// Not IPv4 (ARP, IPv6, ...): the EtherType or link type.
    NotIpv4(String),
    /// IPv4 but neither IKE nor ESP.
    Other,
    /// A later fragment, or a first fragment that is not whole.
    Fragment,
    /// The frame is too short for the headers it announces.
    Malformed(&'static str),
}

fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

/// Finds the IPv4 packet in a frame of the given link type.
fn network_layer(link: LinkType, data: &[u8]) -> Result<&[u8], Skip> {
    let (ethertype, offset) = match link {
        LinkType::Ethernet => {
            if data.len() < 14 {
                return Err(Skip::Malformed("Ethernet header truncated"));
            }
            let mut off = 12;
            let mut t = be16(data, off);
            // Skip 802.1Q / 802.1ad tags.
            while (t == 0x8100 || t == 0x88a8) && data.len() >= off + 6 {
                off += 4;
                t = be16(data, off);
            }
            (t, off + 2)
        }
        LinkType::LinuxSll => {
            if data.len() < 16 {
                return Err(Skip::Malformed("Linux cooked header truncated"));
            }
            (be16(data, 14), 16)
        }
        LinkType::LinuxSll2 => {
            if data.len() < 20 {
                return Err(Skip::Malformed("Linux cooked v2 header truncated"));
            }
            (be16(data, 0), 20)
        }
        LinkType::RawIp => (0x0800, 0),
        LinkType::Other(n) => return Err(Skip::NotIpv4(format!("link type {n}"))),
    };
    if ethertype != 0x0800 {
        return Err(Skip::NotIpv4(format!("EtherType 0x{ethertype:04x}")));
    }
    Ok(&data[offset..])
}

/// Extracts IKE or ESP from a frame.
pub fn datagram(link: LinkType, data: &[u8]) -> Result<Datagram<'_>, Skip> {
    let ip = network_layer(link, data)?;
    if ip.len() < 20 || ip[0] >> 4 != 4 {
        return Err(if ip.first().is_some_and(|v| v >> 4 == 6) {
            Skip::NotIpv4("IPv6".into())
        } else {
            Skip::Malformed("IPv4 header truncated")
        });
    }
    let ihl = usize::from(ip[0] & 0x0f) * 4;
    let total = usize::from(be16(ip, 2));
    if ihl < 20 || total < ihl || total > ip.len() {
        return Err(Skip::Malformed("IPv4 lengths inconsistent"));
    }
    let frag = be16(ip, 6);
    if frag & 0x1fff != 0 || frag & 0x2000 != 0 {
        return Err(Skip::Fragment);
    }
    let src = Ipv4Addr::new(ip[12], ip[13], ip[14], ip[15]);
    let dst = Ipv4Addr::new(ip[16], ip[17], ip[18], ip[19]);
    let payload = &ip[ihl..total];
    match ip[9] {
        50 => Ok(Datagram {
            src,
            dst,
            ports: None,
            carried: Carried::Esp(payload),
        }),
        17 => {
            if payload.len() < 8 {
                return Err(Skip::Malformed("UDP header truncated"));
            }
            let (sport, dport) = (be16(payload, 0), be16(payload, 2));
            let ulen = usize::from(be16(payload, 4));
            if ulen < 8 || ulen > payload.len() {
                return Err(Skip::Malformed("UDP length inconsistent"));
            }
            let body = &payload[8..ulen];
            let ports = Some((sport, dport));
            if sport == NAT_T_PORT || dport == NAT_T_PORT {
                let carried = match classify_udp_4500(body) {
                    Ok(Udp4500::Keepalive) => Carried::Keepalive,
                    Ok(Udp4500::Ike(m)) => Carried::Isakmp(m),
                    Ok(Udp4500::Esp(e)) => Carried::Esp(e.into_inner()),
                    Err(_) => return Err(Skip::Malformed("UDP/4500 payload too short for ESP")),
                };
                Ok(Datagram {
                    src,
                    dst,
                    ports,
                    carried,
                })
            } else if sport == IKE_PORT || dport == IKE_PORT {
                Ok(Datagram {
                    src,
                    dst,
                    ports,
                    carried: Carried::Isakmp(body),
                })
            } else {
                Err(Skip::Other)
            }
        }
        _ => Err(Skip::Other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An IPv4/UDP datagram 172.16.0.1:500 -> 172.16.0.2:500 carrying `payload`.
    fn udp_packet(payload: &[u8]) -> Vec<u8> {
        let mut udp = ikelab_peers::wire::ipv4::udp_header(500, 500, payload.len()).to_vec();
        udp.extend_from_slice(payload);
        let h = ikelab_peers::wire::ipv4::header(
            [172, 16, 0, 1].into(),
            [172, 16, 0, 2].into(),
            17,
            64,
            0,
            udp.len(),
        );
        [&h[..], &udp].concat()
    }

    #[test]
    fn every_link_type_finds_the_same_datagram() {
        let ip = udp_packet(b"isakmp");
        let eth = [&[0u8; 12][..], &[0x08, 0x00], &ip].concat();
        let vlan = [&[0u8; 12][..], &[0x81, 0x00, 0, 5, 0x08, 0x00], &ip].concat();
        let sll = [&[0u8; 14][..], &[0x08, 0x00], &ip].concat();
        let sll2 = [&[0x08, 0x00][..], &[0u8; 18], &ip].concat();
        for (link, frame) in [
            (LinkType::Ethernet, eth),
            (LinkType::Ethernet, vlan),
            (LinkType::LinuxSll, sll),
            (LinkType::LinuxSll2, sll2),
            (LinkType::RawIp, ip.clone()),
        ] {
            let d = datagram(link, &frame).unwrap_or_else(|e| panic!("{link:?}: {e:?}"));
            assert_eq!(d.carried, Carried::Isakmp(b"isakmp"), "{link:?}");
            assert_eq!(d.ports, Some((500, 500)));
        }
    }

    #[test]
    fn truncations_and_other_traffic() {
        let ip = udp_packet(b"x");
        for n in 0..ip.len() {
            // Never a panic; short frames are malformed, not misread.
            assert!(datagram(LinkType::RawIp, &ip[..n]).is_err());
        }
        let arp = [&[0u8; 12][..], &[0x08, 0x06], &[0; 28]].concat();
        assert!(matches!(
            datagram(LinkType::Ethernet, &arp),
            Err(Skip::NotIpv4(_))
        ));
        let mut frag = ip.clone();
        frag[6] = 0x20;
        assert_eq!(datagram(LinkType::RawIp, &frag), Err(Skip::Fragment));
    }
}
