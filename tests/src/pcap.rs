//! A minimal classic-pcap writer for tests that hand engine output to tshark: Ethernet + IPv4 +
//! UDP framing with valid checksums around each datagram.

use std::net::SocketAddrV4;

use ikelab_peers::wire::ipv4;

/// Collected frames, written as a pcap file.
#[derive(Default)]
pub struct PcapFile {
    frames: Vec<(u64, Vec<u8>)>,
}

fn mac(ip: std::net::Ipv4Addr) -> [u8; 6] {
    let o = ip.octets();
    [0x02, 0x00, o[0], o[1], o[2], o[3]]
}

impl PcapFile {
    /// Adds a UDP datagram at `nanos`.
    pub fn udp(&mut self, nanos: u64, src: SocketAddrV4, dst: SocketAddrV4, payload: &[u8]) {
        let mut udp = ipv4::udp_header(src.port(), dst.port(), payload.len()).to_vec();
        udp.extend_from_slice(payload);
        // UDP checksum over the pseudo-header, so tshark has nothing to complain about.
        let mut pseudo = Vec::new();
        pseudo.extend_from_slice(&src.ip().octets());
        pseudo.extend_from_slice(&dst.ip().octets());
        pseudo.extend_from_slice(&[0, 17]);
        pseudo.extend_from_slice(&(udp.len() as u16).to_be_bytes());
        pseudo.extend_from_slice(&udp);
        let c = match ipv4::checksum(&pseudo) {
            0 => 0xffff,
            c => c,
        };
        udp[6..8].copy_from_slice(&c.to_be_bytes());
        self.ip(
            nanos,
            *src.ip(),
            *dst.ip(),
            &[
                &ipv4::header(*src.ip(), *dst.ip(), 17, 64, 0, udp.len())[..],
                &udp,
            ]
            .concat(),
        );
    }

    /// Adds an IPv4 packet at `nanos`.
    pub fn ip(
        &mut self,
        nanos: u64,
        src: std::net::Ipv4Addr,
        dst: std::net::Ipv4Addr,
        packet: &[u8],
    ) {
        let mut f = Vec::with_capacity(14 + packet.len());
        f.extend_from_slice(&mac(dst));
        f.extend_from_slice(&mac(src));
        f.extend_from_slice(&[0x08, 0x00]);
        f.extend_from_slice(packet);
        self.frames.push((nanos, f));
    }

    /// The file's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&0xa1b2_3c4du32.to_le_bytes());
        out.extend_from_slice(&2u16.to_le_bytes());
        out.extend_from_slice(&4u16.to_le_bytes());
        out.extend_from_slice(&[0; 8]);
        out.extend_from_slice(&65535u32.to_le_bytes());
        out.extend_from_slice(&1u32.to_le_bytes());
        for (t, f) in &self.frames {
            // A fixed epoch (2024-01-01) plus virtual time, in nanosecond resolution.
            let t = 1_704_067_200_000_000_000u64 + t;
            out.extend_from_slice(&((t / 1_000_000_000) as u32).to_le_bytes());
            out.extend_from_slice(&((t % 1_000_000_000) as u32).to_le_bytes());
            out.extend_from_slice(&(f.len() as u32).to_le_bytes());
            out.extend_from_slice(&(f.len() as u32).to_le_bytes());
            out.extend_from_slice(f);
        }
        out
    }
}
