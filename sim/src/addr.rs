//! Addresses: stable locally administered MAC addresses derived from names (so a capture of the
//! same lab always shows the same MACs, whatever order it was built in). IPv4 prefixes are the
//! engine crate's [`crate::Ipv4Net`].

use core::fmt;

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
    fn seeds_differ_by_name_and_run() {
        assert_ne!(derive_seed(1, "seil"), derive_seed(1, "ix"));
        assert_ne!(derive_seed(1, "seil"), derive_seed(2, "seil"));
        assert_eq!(derive_seed(7, "seil"), derive_seed(7, "seil"));
    }
}
