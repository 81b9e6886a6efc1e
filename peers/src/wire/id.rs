//! Identification payload body of the IPsec DOI (RFC 2407 4.6.2), used for phase-1 IDs and for
//! the Quick Mode client IDs (IDci/IDcr) whose mismatch is the subject of the vendor document.

use core::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use super::{IdType, Result, WireError, be16, need};

/// A parsed ID payload body.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IdPayload {
    /// Upper-layer protocol (0 = any; 17 with port 500 for racoon's phase-1 IDs).
    pub protocol: u8,
    /// Port (0 = any).
    pub port: u16,
    /// The identification data, typed by the ID type.
    pub data: IdData,
}

/// Identification data by ID type.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum IdData {
    /// ID_IPV4_ADDR.
    Ipv4Addr(Ipv4Addr),
    /// ID_IPV4_ADDR_SUBNET: address and mask.
    Ipv4Subnet(Ipv4Addr, Ipv4Addr),
    /// ID_IPV4_ADDR_RANGE: first and last address.
    Ipv4Range(Ipv4Addr, Ipv4Addr),
    /// ID_IPV6_ADDR.
    Ipv6Addr(Ipv6Addr),
    /// ID_IPV6_ADDR_SUBNET: address and mask.
    Ipv6Subnet(Ipv6Addr, Ipv6Addr),
    /// ID_IPV6_ADDR_RANGE.
    Ipv6Range(Ipv6Addr, Ipv6Addr),
    /// ID_FQDN (bytes as sent; not necessarily UTF-8).
    Fqdn(Vec<u8>),
    /// ID_USER_FQDN.
    UserFqdn(Vec<u8>),
    /// ID_KEY_ID.
    KeyId(Vec<u8>),
    /// Any other type (DER_ASN1_DN, DER_ASN1_GN, unknown numbers), kept raw.
    Other(IdType, Vec<u8>),
}

fn v4(b: &[u8]) -> Ipv4Addr {
    Ipv4Addr::new(b[0], b[1], b[2], b[3])
}

fn v6(b: &[u8]) -> Ipv6Addr {
    let mut a = [0u8; 16];
    a.copy_from_slice(&b[..16]);
    Ipv6Addr::from(a)
}

/// The prefix length of a contiguous mask, or `None` for a non-contiguous one.
fn prefix_len(mask: &[u8]) -> Option<u32> {
    let ones: u32 = mask.iter().map(|b| b.count_ones()).sum();
    let contiguous = mask.iter().enumerate().all(|(i, &b)| {
        let bits_before = (i as u32) * 8;
        let want = ones.saturating_sub(bits_before).min(8);
        b == if want == 0 { 0 } else { 0xffu8 << (8 - want) }
    });
    contiguous.then_some(ones)
}

impl IdData {
    /// The ID type this data travels as.
    pub fn id_type(&self) -> IdType {
        match self {
            IdData::Ipv4Addr(_) => IdType::IPV4_ADDR,
            IdData::Ipv4Subnet(..) => IdType::IPV4_ADDR_SUBNET,
            IdData::Ipv4Range(..) => IdType::IPV4_ADDR_RANGE,
            IdData::Ipv6Addr(_) => IdType::IPV6_ADDR,
            IdData::Ipv6Subnet(..) => IdType::IPV6_ADDR_SUBNET,
            IdData::Ipv6Range(..) => IdType::IPV6_ADDR_RANGE,
            IdData::Fqdn(_) => IdType::FQDN,
            IdData::UserFqdn(_) => IdType::USER_FQDN,
            IdData::KeyId(_) => IdType::KEY_ID,
            IdData::Other(t, _) => *t,
        }
    }

    /// An IPv4 subnet from an address and prefix length (racoon's `sockaddr2id`: a /32 becomes
    /// ID_IPV4_ADDR, anything shorter ID_IPV4_ADDR_SUBNET).
    pub fn ipv4_prefix(addr: Ipv4Addr, prefix: u8) -> Self {
        if prefix >= 32 {
            IdData::Ipv4Addr(addr)
        } else {
            let mask = crate::prefix::Ipv4Net::mask_of(prefix);
            IdData::Ipv4Subnet(Ipv4Addr::from(u32::from(addr) & mask), Ipv4Addr::from(mask))
        }
    }

    /// The IPv4 prefix an ID_IPV4_ADDR (as a /32) or an ID_IPV4_ADDR_SUBNET with a contiguous
    /// mask names; `None` for any other ID.
    pub fn ipv4_net(&self) -> Option<crate::prefix::Ipv4Net> {
        match self {
            IdData::Ipv4Addr(a) => Some(crate::prefix::Ipv4Net::host(*a)),
            IdData::Ipv4Subnet(a, m) => {
                let len = prefix_len(&m.octets())?;
                Some(crate::prefix::Ipv4Net {
                    addr: *a,
                    prefix_len: len as u8,
                })
            }
            _ => None,
        }
    }

    /// The data bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            IdData::Ipv4Addr(a) => a.octets().to_vec(),
            IdData::Ipv4Subnet(a, b) | IdData::Ipv4Range(a, b) => [a.octets(), b.octets()].concat(),
            IdData::Ipv6Addr(a) => a.octets().to_vec(),
            IdData::Ipv6Subnet(a, b) | IdData::Ipv6Range(a, b) => [a.octets(), b.octets()].concat(),
            IdData::Fqdn(v) | IdData::UserFqdn(v) | IdData::KeyId(v) | IdData::Other(_, v) => {
                v.clone()
            }
        }
    }

    fn parse(t: IdType, d: &[u8]) -> Result<Self> {
        let want = |n: usize| {
            if d.len() == n {
                Ok(())
            } else {
                Err(WireError::Malformed {
                    what: "ID payload",
                    why: "data length does not fit the ID type",
                })
            }
        };
        Ok(match t {
            IdType::IPV4_ADDR => {
                want(4)?;
                IdData::Ipv4Addr(v4(d))
            }
            IdType::IPV4_ADDR_SUBNET => {
                want(8)?;
                IdData::Ipv4Subnet(v4(d), v4(&d[4..]))
            }
            IdType::IPV4_ADDR_RANGE => {
                want(8)?;
                IdData::Ipv4Range(v4(d), v4(&d[4..]))
            }
            IdType::IPV6_ADDR => {
                want(16)?;
                IdData::Ipv6Addr(v6(d))
            }
            IdType::IPV6_ADDR_SUBNET => {
                want(32)?;
                IdData::Ipv6Subnet(v6(d), v6(&d[16..]))
            }
            IdType::IPV6_ADDR_RANGE => {
                want(32)?;
                IdData::Ipv6Range(v6(d), v6(&d[16..]))
            }
            IdType::FQDN => IdData::Fqdn(d.to_vec()),
            IdType::USER_FQDN => IdData::UserFqdn(d.to_vec()),
            IdType::KEY_ID => IdData::KeyId(d.to_vec()),
            other => IdData::Other(other, d.to_vec()),
        })
    }
}

/// Shows IDs the way network engineers write them: `172.16.0.1`, `0.0.0.0/0`,
/// `10.0.0.1-10.0.0.9`, FQDNs as text.
impl fmt::Display for IdData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdData::Ipv4Addr(a) => write!(f, "{a}"),
            IdData::Ipv4Subnet(a, m) => match prefix_len(&m.octets()) {
                Some(p) => write!(f, "{a}/{p}"),
                None => write!(f, "{a}/{m}"),
            },
            IdData::Ipv4Range(a, b) => write!(f, "{a}-{b}"),
            IdData::Ipv6Addr(a) => write!(f, "{a}"),
            IdData::Ipv6Subnet(a, m) => match prefix_len(&m.octets()) {
                Some(p) => write!(f, "{a}/{p}"),
                None => write!(f, "{a}/{m}"),
            },
            IdData::Ipv6Range(a, b) => write!(f, "{a}-{b}"),
            IdData::Fqdn(v) | IdData::UserFqdn(v) => write!(f, "{}", String::from_utf8_lossy(v)),
            IdData::KeyId(v) | IdData::Other(_, v) => {
                for b in v {
                    write!(f, "{b:02x}")?;
                }
                Ok(())
            }
        }
    }
}

impl IdPayload {
    /// Parses an ID payload body (after the generic header).
    pub fn parse(b: &[u8]) -> Result<Self> {
        need("ID payload", b, 4)?;
        Ok(Self {
            protocol: b[1],
            port: be16(b, 2),
            data: IdData::parse(IdType(b[0]), &b[4..])?,
        })
    }

    /// The body as sent on the wire (`IDii_b` in RFC 2409's hash inputs).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = vec![self.data.id_type().0, self.protocol];
        out.extend_from_slice(&self.port.to_be_bytes());
        out.extend_from_slice(&self.data.to_bytes());
        out
    }
}

impl fmt::Display for IdPayload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.data)?;
        if self.protocol != 0 || self.port != 0 {
            write!(f, " proto {} port {}", self.protocol, self.port)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn racoon_default_ids() {
        let any = IdData::ipv4_prefix(Ipv4Addr::UNSPECIFIED, 0);
        assert_eq!(any.id_type(), IdType::IPV4_ADDR_SUBNET);
        assert_eq!(any.to_string(), "0.0.0.0/0");
        let host = IdData::ipv4_prefix(Ipv4Addr::new(172, 16, 0, 1), 32);
        assert_eq!(host.to_string(), "172.16.0.1");
        let p = IdPayload {
            protocol: 0,
            port: 0,
            data: any,
        };
        // 4 bytes of generic header + these 12 = the document's 16-byte ID payload.
        assert_eq!(p.to_bytes(), [4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(IdPayload::parse(&p.to_bytes()).unwrap(), p);
    }

    #[test]
    fn subnet_display_and_odd_masks() {
        let s = IdData::ipv4_prefix(Ipv4Addr::new(192, 168, 1, 77), 24);
        assert_eq!(s.to_string(), "192.168.1.0/24");
        let odd = IdData::Ipv4Subnet(Ipv4Addr::new(10, 0, 0, 0), Ipv4Addr::new(255, 0, 255, 0));
        assert_eq!(odd.to_string(), "10.0.0.0/255.0.255.0");
    }

    #[test]
    fn wrong_lengths_are_malformed() {
        assert!(IdPayload::parse(&[1, 0, 0, 0, 1, 2, 3]).is_err());
        assert!(IdPayload::parse(&[4, 0, 0, 0, 1, 2, 3, 4]).is_err());
        assert!(IdPayload::parse(&[1, 0]).is_err());
    }
}
