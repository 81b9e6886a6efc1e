//! A classic-pcap reader for Ethernet captures of IPv4/UDP IKE and (UDP-encapsulated) ESP.

use std::path::Path;

/// What a captured datagram carried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// An ISAKMP message (after the non-ESP marker on port 4500).
    Isakmp,
    /// An ESP packet (raw IP protocol 50, or UDP 4500 with a non-zero SPI).
    Esp,
    /// A NAT-T keepalive (one 0xff byte).
    Keepalive,
}

/// One captured IKE or ESP datagram.
#[derive(Clone, Debug)]
pub struct Datagram {
    /// Frame number, from 1.
    pub frame: usize,
    /// IPv4 source.
    pub src: [u8; 4],
    /// IPv4 destination.
    pub dst: [u8; 4],
    /// UDP source port (0 for raw ESP).
    pub sport: u16,
    /// UDP destination port (0 for raw ESP).
    pub dport: u16,
    /// What it carries.
    pub kind: Kind,
    /// The ISAKMP message or ESP packet, marker stripped.
    pub data: Vec<u8>,
}

fn u16be(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

/// Every IKE/ESP datagram of a classic pcap file (Ethernet link type), in capture order.
pub fn read(path: &Path) -> Vec<Datagram> {
    let file = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(file.len() >= 24, "short pcap");
    let magic = [file[0], file[1], file[2], file[3]];
    let le = match magic {
        [0xd4, 0xc3, 0xb2, 0xa1] | [0x4d, 0x3c, 0xb2, 0xa1] => true,
        [0xa1, 0xb2, 0xc3, 0xd4] | [0xa1, 0xb2, 0x3c, 0x4d] => false,
        _ => panic!("not a classic pcap: {magic:02x?}"),
    };
    let u32at = |at: usize| {
        let b = [file[at], file[at + 1], file[at + 2], file[at + 3]];
        if le {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        }
    };
    assert_eq!(u32at(20), 1, "link type must be Ethernet");
    let mut out = Vec::new();
    let mut at = 24;
    let mut frame = 0;
    while at < file.len() {
        frame += 1;
        assert!(at + 16 <= file.len(), "truncated record header");
        let incl = u32at(at + 8) as usize;
        let rec = &file[at + 16..at + 16 + incl];
        at += 16 + incl;
        if let Some(d) = datagram(frame, rec) {
            out.push(d);
        }
    }
    out
}

fn datagram(frame: usize, eth: &[u8]) -> Option<Datagram> {
    let mut off = 12;
    let mut ethertype = u16be(eth, off);
    while ethertype == 0x8100 {
        off += 4;
        ethertype = u16be(eth, off);
    }
    if ethertype != 0x0800 {
        return None;
    }
    let ip = &eth[off + 2..];
    assert_eq!(ip[0] >> 4, 4);
    let ihl = usize::from(ip[0] & 0x0f) * 4;
    let total = usize::from(u16be(ip, 2));
    let ip = &ip[..total]; // drops Ethernet trailer padding
    assert_eq!(u16be(ip, 6) & 0x3fff, 0, "fragments are not expected");
    let src = ip[12..16].try_into().unwrap();
    let dst = ip[16..20].try_into().unwrap();
    let payload = &ip[ihl..];
    match ip[9] {
        50 => Some(Datagram {
            frame,
            src,
            dst,
            sport: 0,
            dport: 0,
            kind: Kind::Esp,
            data: payload.to_vec(),
        }),
        17 => {
            let (sport, dport) = (u16be(payload, 0), u16be(payload, 2));
            let udp = &payload[8..usize::from(u16be(payload, 4))];
            let (kind, data) = if sport == 500 || dport == 500 {
                (Kind::Isakmp, udp)
            } else if sport == 4500 || dport == 4500 {
                if udp == [0xff] {
                    (Kind::Keepalive, udp)
                } else if udp[..4] == [0, 0, 0, 0] {
                    (Kind::Isakmp, &udp[4..])
                } else {
                    (Kind::Esp, udp)
                }
            } else {
                return None;
            };
            Some(Datagram {
                frame,
                src,
                dst,
                sport,
                dport,
                kind,
                data: data.to_vec(),
            })
        }
        _ => None,
    }
}
