//! IPv4 prefixes: an address with a prefix length (`192.168.0.0/24`, or an interface address
//! such as `172.16.0.1/24`), with its mask arithmetic and its text form. Traffic selectors, the
//! Quick Mode IDs built from them, both config dialects' interfaces and routes, and the
//! simulator's interfaces and routing table all hold this type.

use core::fmt;
use core::str::FromStr;
use std::net::Ipv4Addr;

/// An IPv4 prefix. The address may have host bits set (an interface address with its prefix
/// length); [`Ipv4Net::network`] clears them.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ipv4Net {
    /// The address.
    pub addr: Ipv4Addr,
    /// The prefix length, 0 to 32 (a longer one counts as 32).
    pub prefix_len: u8,
}

/// Why a prefix was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PrefixError {
    /// The address part is not a dotted-quad IPv4 address (`a.b.c.d`, no leading zeros).
    #[error("the address is not a dotted-quad IPv4 address")]
    Address,
    /// A bare address was given where the text needs `/len`.
    #[error("the prefix has no length (expected a.b.c.d/len)")]
    NoLength,
    /// The length part is not a decimal number (digits only) from 0 to 32.
    #[error("the prefix length is not 0-32")]
    Length,
    /// [`Ipv4Net::new`] was given a length over 32.
    #[error("prefix length {len} of {addr} is over 32")]
    Over32 {
        /// The address.
        addr: Ipv4Addr,
        /// The length given.
        len: u8,
    },
}

/// What a text without `/len` means to [`Ipv4Net::parse`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BareAddress {
    /// A host: `/32`.
    Host,
    /// Refused with [`PrefixError::NoLength`].
    Refused,
}

impl Ipv4Net {
    /// `0.0.0.0/0`.
    pub const ANY: Ipv4Net = Ipv4Net {
        addr: Ipv4Addr::UNSPECIFIED,
        prefix_len: 0,
    };

    /// `addr/prefix_len`; an error if `prefix_len > 32`.
    pub fn new(addr: Ipv4Addr, prefix_len: u8) -> Result<Self, PrefixError> {
        if prefix_len > 32 {
            return Err(PrefixError::Over32 {
                addr,
                len: prefix_len,
            });
        }
        Ok(Ipv4Net { addr, prefix_len })
    }

    /// `addr/32`.
    pub const fn host(addr: Ipv4Addr) -> Self {
        Ipv4Net {
            addr,
            prefix_len: 32,
        }
    }

    /// The netmask of a prefix length (over 32 counts as 32).
    pub fn mask_of(prefix_len: u8) -> u32 {
        match prefix_len {
            0 => 0,
            n => u32::MAX << (32 - u32::from(n.min(32))),
        }
    }

    /// The netmask as a number.
    pub fn mask(self) -> u32 {
        Self::mask_of(self.prefix_len)
    }

    /// The network address (host bits cleared).
    pub fn network(self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.addr) & self.mask())
    }

    /// The same prefix with its host bits cleared.
    pub fn trunc(self) -> Self {
        Ipv4Net {
            addr: self.network(),
            prefix_len: self.prefix_len,
        }
    }

    /// The directed broadcast address.
    pub fn broadcast(self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.addr) | !self.mask())
    }

    /// Whether `ip` is inside this prefix.
    pub fn contains(self, ip: Ipv4Addr) -> bool {
        (u32::from(ip) ^ u32::from(self.addr)) & self.mask() == 0
    }

    /// `a.b.c.d/len` (the length in decimal digits, 0-32), or a bare `a.b.c.d` as `bare` says.
    /// The address is checked first: a text whose address and length are both wrong is an
    /// [`PrefixError::Address`].
    pub fn parse(s: &str, bare: BareAddress) -> Result<Self, PrefixError> {
        let (a, len) = match s.split_once('/') {
            Some((a, l)) => (a, Some(l)),
            None => (s, None),
        };
        let addr: Ipv4Addr = a.parse().map_err(|_| PrefixError::Address)?;
        let prefix_len = match len {
            None if bare == BareAddress::Host => 32,
            None => return Err(PrefixError::NoLength),
            Some(l) if !l.is_empty() && l.bytes().all(|b| b.is_ascii_digit()) => {
                l.parse::<u32>()
                    .ok()
                    .filter(|&n| n <= 32)
                    .ok_or(PrefixError::Length)? as u8
            }
            Some(_) => return Err(PrefixError::Length),
        };
        Ok(Ipv4Net { addr, prefix_len })
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
    type Err = PrefixError;
    /// `a.b.c.d/len`; a bare address is refused.
    fn from_str(s: &str) -> Result<Self, PrefixError> {
        Ipv4Net::parse(s, BareAddress::Refused)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic() {
        let n: Ipv4Net = "192.168.0.1/24".parse().unwrap();
        assert_eq!(n.network(), Ipv4Addr::new(192, 168, 0, 0));
        assert_eq!(n.trunc().to_string(), "192.168.0.0/24");
        assert_eq!(n.broadcast(), Ipv4Addr::new(192, 168, 0, 255));
        assert!(n.contains(Ipv4Addr::new(192, 168, 0, 77)));
        assert!(!n.contains(Ipv4Addr::new(192, 168, 1, 1)));
        assert!(Ipv4Net::ANY.contains(Ipv4Addr::new(8, 8, 8, 8)));
        assert_eq!(Ipv4Net::ANY.mask(), 0);
        assert_eq!(Ipv4Net::host(Ipv4Addr::LOCALHOST).mask(), u32::MAX);
        assert_eq!(Ipv4Net::mask_of(40), u32::MAX);
        assert_eq!(
            Ipv4Net::new(Ipv4Addr::LOCALHOST, 33)
                .unwrap_err()
                .to_string(),
            "prefix length 33 of 127.0.0.1 is over 32"
        );
    }

    #[test]
    fn text() {
        let p = |s| Ipv4Net::parse(s, BareAddress::Refused);
        let h = |s| Ipv4Net::parse(s, BareAddress::Host);
        let a = Ipv4Addr::new(10, 0, 0, 1);
        assert_eq!(
            p("10.0.0.1/8"),
            Ok(Ipv4Net {
                addr: a,
                prefix_len: 8
            })
        );
        assert_eq!(
            p("10.0.0.1/008"),
            Ok(Ipv4Net {
                addr: a,
                prefix_len: 8
            })
        );
        assert_eq!(h("10.0.0.1"), Ok(Ipv4Net::host(a)));
        assert_eq!(p("10.0.0.1"), Err(PrefixError::NoLength));
        for bad in [
            "10.0.0.1/33",
            "10.0.0.1/",
            "10.0.0.1/+1",
            "10.0.0.1/99999999999",
        ] {
            assert_eq!(p(bad), Err(PrefixError::Length), "{bad}");
        }
        for bad in ["10.0.0/8", "10.0.0.01/8", "10.0.0.256", "x/40"] {
            assert_eq!(h(bad), Err(PrefixError::Address), "{bad}");
        }
        assert_eq!(p("0.0.0.0/0").unwrap().to_string(), "0.0.0.0/0");
    }
}
