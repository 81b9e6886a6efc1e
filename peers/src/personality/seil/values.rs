//! Values of SEIL commands: addresses, prefixes, times, names, algorithm names.

use std::net::Ipv4Addr;
use std::time::Duration;

use crate::crypto::{CipherAlg, DhGroup, HashAlg};
use crate::esp::IntegAlg;
use crate::prefix::{self, BareAddress, Ipv4Net};

/// An IPv4 address in dotted-quad form (no leading zeros, as Rust's parser wants).
pub(crate) fn ipv4(s: &str) -> Option<Ipv4Addr> {
    s.parse().ok()
}

/// Whether the word looks like an IPv6 address (SEIL accepts them in many places; ikelab does
/// not emulate IPv6).
pub(crate) fn looks_ipv6(s: &str) -> bool {
    let a = s.split('/').next().unwrap_or("");
    a.contains(':') && a.parse::<std::net::Ipv6Addr>().is_ok()
}

/// Why an `a.b.c.d/len` did not parse.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum PrefixError {
    /// The address part is not an IPv4 address.
    Address,
    /// The length part is missing or not 0-32.
    Length,
}

/// `a.b.c.d/len`, or a bare `a.b.c.d` meaning `/32` when `bare_ok`. SEIL writes the length in
/// at most two digits.
pub(crate) fn prefix(s: &str, bare_ok: bool) -> Result<Ipv4Net, PrefixError> {
    let bare = if bare_ok {
        BareAddress::Host
    } else {
        BareAddress::Refused
    };
    match Ipv4Net::parse(s, bare) {
        Ok(_) if s.split_once('/').is_some_and(|(_, l)| l.len() > 2) => Err(PrefixError::Length),
        Ok(p) => Ok(p),
        Err(prefix::PrefixError::Address) => Err(PrefixError::Address),
        Err(_) => Err(PrefixError::Length),
    }
}

/// A SEIL time: `30s`, `10m`, `05m`, `1h`, `1h30m`, or plain seconds (`600`). Units in the order
/// h, m, s, each at most once; at least 1 second; at most `u32::MAX` seconds.
pub(crate) fn time(s: &str) -> Option<Duration> {
    if s.is_empty() {
        return None;
    }
    let mut total: u64 = 0;
    let mut num: Option<u64> = None;
    let mut last_unit = 0u8; // 0 none, 1 h, 2 m, 3 s
    for c in s.chars() {
        if let Some(d) = c.to_digit(10) {
            num = Some(
                num.unwrap_or(0)
                    .checked_mul(10)?
                    .checked_add(u64::from(d))?,
            );
            continue;
        }
        let (unit, mult) = match c {
            'h' => (1, 3600),
            'm' => (2, 60),
            's' => (3, 1),
            _ => return None,
        };
        if unit <= last_unit {
            return None;
        }
        total = total.checked_add(num.take()?.checked_mul(mult)?)?;
        last_unit = unit;
    }
    if let Some(n) = num {
        if last_unit == 3 {
            return None;
        }
        total = total.checked_add(n)?;
    }
    (1..=u64::from(u32::MAX))
        .contains(&total)
        .then(|| Duration::from_secs(total))
}

/// A name for a proposal, peer or SA: letters, digits, `-`, `_`, `.`, at most 64 characters.
pub(crate) fn name_ok(s: &str) -> bool {
    !s.is_empty()
        && s.chars().count() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// `on`/`off` or `enable`/`disable`, as the word demands.
pub(crate) fn switch(s: &str, on: &str, off: &str) -> Option<bool> {
    if s == on {
        Some(true)
    } else if s == off {
        Some(false)
    } else {
        None
    }
}

/// A known algorithm name, with what ikelab makes of it (`None`: known to SEIL, not emulated).
pub(crate) type AlgTable<T> = &'static [(&'static str, Option<T>)];

/// `ike proposal add ... encryption`.
pub(crate) const IKE_ENCRYPTION: AlgTable<CipherAlg> = &[
    ("aes", Some(CipherAlg::AesCbc { key_len: 16 })),
    ("aes128", Some(CipherAlg::AesCbc { key_len: 16 })),
    ("aes192", Some(CipherAlg::AesCbc { key_len: 24 })),
    ("aes256", Some(CipherAlg::AesCbc { key_len: 32 })),
    ("3des", Some(CipherAlg::TripleDesCbc)),
    ("des", None),
    ("blowfish", None),
    ("cast128", None),
];

/// `ike proposal add ... hash`.
pub(crate) const IKE_HASH: AlgTable<HashAlg> = &[
    ("md5", Some(HashAlg::Md5)),
    ("sha1", Some(HashAlg::Sha1)),
    ("sha256", Some(HashAlg::Sha256)),
    ("sha384", None),
    ("sha512", None),
];

/// `dh-group` and `pfs-group`.
pub(crate) const DH_GROUP: AlgTable<DhGroup> = &[
    ("modp768", Some(DhGroup::Modp768)),
    ("modp1024", Some(DhGroup::Modp1024)),
    ("modp1536", Some(DhGroup::Modp1536)),
    ("modp2048", Some(DhGroup::Modp2048)),
    ("modp3072", None),
    ("modp4096", None),
    ("modp6144", None),
    ("modp8192", None),
];

/// `ipsec security-association proposal add ... encryption-algorithm`.
pub(crate) const ESP_ENCRYPTION: AlgTable<CipherAlg> = &[
    ("aes", Some(CipherAlg::AesCbc { key_len: 16 })),
    ("aes128", Some(CipherAlg::AesCbc { key_len: 16 })),
    ("aes192", Some(CipherAlg::AesCbc { key_len: 24 })),
    ("aes256", Some(CipherAlg::AesCbc { key_len: 32 })),
    ("3des", Some(CipherAlg::TripleDesCbc)),
    ("des", None),
    ("blowfish", None),
    ("cast128", None),
    ("null", None),
];

/// `ipsec security-association proposal add ... authentication-algorithm`.
pub(crate) const ESP_AUTH: AlgTable<IntegAlg> = &[
    ("hmac-md5", Some(IntegAlg::HmacMd5_96)),
    ("hmac-sha1", Some(IntegAlg::HmacSha1_96)),
    ("hmac-sha256", Some(IntegAlg::HmacSha256_128)),
    ("hmac-sha384", None),
    ("hmac-sha512", None),
];

/// The first name a table gives `value` (the one fix hints write).
pub(crate) fn name_of<T: PartialEq>(t: AlgTable<T>, value: &T) -> Option<&'static str> {
    t.iter()
        .find(|(_, v)| v.as_ref() == Some(value))
        .map(|(n, _)| *n)
}

/// The names of a table, for "expected one of".
pub(crate) fn names<T>(t: AlgTable<T>) -> String {
    t.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
}

/// An upper-layer protocol for `proxy-id-protocol`: a number 0-255 or a name.
pub(crate) fn protocol(s: &str) -> Option<u8> {
    match s {
        "any" => Some(0),
        "icmp" => Some(1),
        "ipv4" | "ipencap" => Some(4),
        "tcp" => Some(6),
        "udp" => Some(17),
        "ipv6" => Some(41),
        "gre" => Some(47),
        "esp" => Some(50),
        "ah" => Some(51),
        "icmp6" | "ipv6-icmp" => Some(58),
        "l2tp" => Some(115),
        _ if !s.is_empty() && s.len() <= 3 && s.bytes().all(|b| b.is_ascii_digit()) => {
            s.parse().ok()
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        let t = |s| time(s).map(|d| d.as_secs());
        assert_eq!(t("10m"), Some(600));
        assert_eq!(t("05m"), Some(300));
        assert_eq!(t("1h"), Some(3600));
        assert_eq!(t("30s"), Some(30));
        assert_eq!(t("600"), Some(600));
        assert_eq!(t("1h30m"), Some(5400));
        assert_eq!(t("1h30m15s"), Some(5415));
        assert_eq!(t("1h30m15"), Some(5415));
        assert_eq!(t("8h"), Some(28800));
        for bad in [
            "",
            "0",
            "0s",
            "m",
            "10x",
            "10mm",
            "1m1h",
            "1s5",
            "-5",
            "1.5h",
            "99999999999999999999",
            "4294967296",
        ] {
            assert_eq!(t(bad), None, "{bad}");
        }
        assert_eq!(t("4294967295"), Some(u64::from(u32::MAX)));
    }

    #[test]
    fn prefixes() {
        let a = Ipv4Addr::new(192, 168, 1, 0);
        let net = |prefix_len| Ipv4Net {
            addr: a,
            prefix_len,
        };
        assert_eq!(prefix("192.168.1.0/24", false), Ok(net(24)));
        assert_eq!(prefix("192.168.1.0", true), Ok(net(32)));
        assert_eq!(prefix("192.168.1.0/024", false), Err(PrefixError::Length));
        assert_eq!(prefix("192.168.1.0", false), Err(PrefixError::Length));
        assert_eq!(prefix("192.168.1.0/33", false), Err(PrefixError::Length));
        assert_eq!(prefix("192.168.1.0/", false), Err(PrefixError::Length));
        assert_eq!(prefix("192.168.1.0/+1", false), Err(PrefixError::Length));
        assert_eq!(prefix("192.168.1/24", false), Err(PrefixError::Address));
        assert_eq!(prefix("192.168.01.0/24", false), Err(PrefixError::Address));
    }

    #[test]
    fn misc() {
        assert!(name_ok("test"));
        assert!(name_ok("ike-prop_1.a"));
        assert!(!name_ok(""));
        assert!(!name_ok("a b"));
        assert!(!name_ok(&"n".repeat(65)));
        assert_eq!(protocol("any"), Some(0));
        assert_eq!(protocol("17"), Some(17));
        assert_eq!(protocol("256"), None);
        assert_eq!(protocol("tcpp"), None);
        assert!(looks_ipv6("2001:db8::1/64"));
        assert!(!looks_ipv6("172.16.0.1"));
    }
}
