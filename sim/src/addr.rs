//! Addresses: stable locally administered MAC addresses derived from names (so a capture of the
//! same lab always shows the same MACs, whatever order it was built in), and IPv4 prefixes.

use core::fmt;
use core::str::FromStr;
use std::net::Ipv4Addr;

use crate::SimError;

/// An Ethernet MAC address.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct MacAddr(pub [u8; 6]);

impl MacAddr {
    /// ff:ff:ff:ff:ff:ff.
    pub const BROADCAST: MacAddr = MacAddr([0xff; 6]);
    /// 00:00:00:00:00:00 (the unknown target of an ARP request).
    pub const ZERO: MacAddr = MacAddr([0; 6]);

    /// A unicast, locally administered address derived from `label` (e.g. `"seil/lan1"`): the
    /// same label always gives the same address.
    pub fn derived(label: &str) -> MacAddr {
        let h = derive_seed(0, label).to_be_bytes();
        MacAddr([
            (h[0] & 0xfc) | 0x02,
            h[1],
            h[2],
            h[3],
            h[4],
            h[5] ^ h[6] ^ h[7],
        ])
    }

    /// Whether the group bit is set (broadcast or multicast).
    pub fn is_group(self) -> bool {
        self.0[0] & 1 == 1
    }
}

impl fmt::Display for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            m[0], m[1], m[2], m[3], m[4], m[5]
        )
    }
}

impl fmt::Debug for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// An IPv4 prefix such as `192.168.0.0/24` (the address may have host bits set: an interface
/// address with its prefix length).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ipv4Net {
    /// The address.
    pub addr: Ipv4Addr,
    /// The prefix length, 0 to 32.
    pub prefix_len: u8,
}

impl Ipv4Net {
    /// `addr/prefix_len`; an error if `prefix_len > 32`.
    pub fn new(addr: Ipv4Addr, prefix_len: u8) -> Result<Self, SimError> {
        if prefix_len > 32 {
            return Err(SimError::Config(format!(
                "prefix length {prefix_len} of {addr} is over 32"
            )));
        }
        Ok(Ipv4Net { addr, prefix_len })
    }

    /// The netmask as a number.
    pub fn mask(self) -> u32 {
        mask(self.prefix_len)
    }

    /// The network address (host bits cleared).
    pub fn network(self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.addr) & self.mask())
    }

    /// The directed broadcast address.
    pub fn broadcast(self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.addr) | !self.mask())
    }

    /// Whether `ip` is inside this prefix.
    pub fn contains(self, ip: Ipv4Addr) -> bool {
        (u32::from(ip) ^ u32::from(self.addr)) & self.mask() == 0
    }
}

/// The netmask of a prefix length (0..=32).
pub(crate) fn mask(prefix_len: u8) -> u32 {
    if prefix_len == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(prefix_len.min(32)))
    }
}

impl fmt::Display for Ipv4Net {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix_len)
    }
}

impl fmt::Debug for Ipv4Net {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for Ipv4Net {
    type Err = SimError;
    fn from_str(s: &str) -> Result<Self, SimError> {
        let bad = || SimError::Config(format!("{s:?} is not an IPv4 prefix like 192.168.0.0/24"));
        let (a, p) = s.split_once('/').ok_or_else(bad)?;
        let addr: Ipv4Addr = a.parse().map_err(|_| bad())?;
        let prefix_len: u8 = p.parse().map_err(|_| bad())?;
        Ipv4Net::new(addr, prefix_len)
    }
}

/// FNV-1a, 64 bits: a stable hash for deriving MACs and seeds from names.
pub(crate) fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The seed of one node's (or link's) randomness: the run's seed mixed with the name through
/// SplitMix64, so adding a node does not change the random stream of any other.
pub fn derive_seed(run_seed: u64, label: &str) -> u64 {
    let mut z = run_seed ^ fnv1a64(label.as_bytes());
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_macs_are_stable_unicast_and_local() {
        let a = MacAddr::derived("seil/lan1");
        assert_eq!(a, MacAddr::derived("seil/lan1"));
        assert_ne!(a, MacAddr::derived("seil/lan0"));
        assert_eq!(a.0[0] & 3, 2);
        assert!(!a.is_group());
    }

    #[test]
    fn prefixes() {
        let n: Ipv4Net = "192.168.0.1/24".parse().unwrap();
        assert_eq!(n.network(), Ipv4Addr::new(192, 168, 0, 0));
        assert_eq!(n.broadcast(), Ipv4Addr::new(192, 168, 0, 255));
        assert!(n.contains(Ipv4Addr::new(192, 168, 0, 77)));
        assert!(!n.contains(Ipv4Addr::new(192, 168, 1, 1)));
        let all: Ipv4Net = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(Ipv4Addr::new(8, 8, 8, 8)));
        assert!("1.2.3.4/33".parse::<Ipv4Net>().is_err());
        assert!("1.2.3/8".parse::<Ipv4Net>().is_err());
    }

    #[test]
    fn seeds_differ_by_name_and_run() {
        assert_ne!(derive_seed(1, "seil"), derive_seed(1, "ix"));
        assert_ne!(derive_seed(1, "seil"), derive_seed(2, "seil"));
        assert_eq!(derive_seed(7, "seil"), derive_seed(7, "seil"));
    }
}
