//! MODP Diffie-Hellman (RFC 2409 groups 1 and 2, RFC 3526 groups 5 and 14), generator 2.
//!
//! Public values and shared secrets travel as fixed-length big-endian octet strings: the KE
//! payload and g^xy in the key schedule are always the full modulus length, left-padded with
//! zeros, so a short encoding would silently change every derived key.

use std::fmt;
use std::sync::OnceLock;

use num_bigint::BigUint;

use crate::rng::Random;

/// RFC 2409 section 6.1, First Oakley Group (768 bits).
const MODP_768: &str = "\
FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD\
EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A63A3620FFFFFFFFFFFFFFFF";

/// RFC 2409 section 6.2, Second Oakley Group (1024 bits).
const MODP_1024: &str = "\
FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD\
EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED\
EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF";

/// RFC 3526 section 2, group 5 (1536 bits).
const MODP_1536: &str = "\
FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD\
EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED\
EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F\
83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA237327FFFFFFFFFFFFFFFF";

/// RFC 3526 section 3, group 14 (2048 bits).
const MODP_2048: &str = "\
FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD\
EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED\
EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F\
83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B\
E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510\
15728E5A8AACAA68FFFFFFFFFFFFFFFF";

/// A MODP group IKEv1 can negotiate (the Group Description attribute).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DhGroup {
    /// Group 1, 768-bit MODP.
    Modp768,
    /// Group 2, 1024-bit MODP: the document's and the strongSwan fixtures' group.
    Modp1024,
    /// Group 5, 1536-bit MODP.
    Modp1536,
    /// Group 14, 2048-bit MODP.
    Modp2048,
}

/// Why a Diffie-Hellman value was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DhError {
    /// A public value is not exactly the modulus length (RFC 2409 section 5 requires padding).
    #[error("public value is {got} bytes, group needs {need}")]
    Length {
        /// Bytes needed.
        need: usize,
        /// Bytes given.
        got: usize,
    },
    /// A public value is 0, 1, p-1 or not below p: it would confine the secret to a tiny subgroup.
    #[error("public value outside 1 < y < p-1")]
    PublicOutOfRange,
    /// A private exponent is zero or not below p-1.
    #[error("private exponent outside 1 <= x < p-1")]
    PrivateOutOfRange,
}

impl DhGroup {
    /// The group for an IKE Group Description number, if supported.
    pub fn from_id(id: u16) -> Option<Self> {
        match id {
            1 => Some(DhGroup::Modp768),
            2 => Some(DhGroup::Modp1024),
            5 => Some(DhGroup::Modp1536),
            14 => Some(DhGroup::Modp2048),
            _ => None,
        }
    }

    /// The IKE Group Description number.
    pub fn id(self) -> u16 {
        match self {
            DhGroup::Modp768 => 1,
            DhGroup::Modp1024 => 2,
            DhGroup::Modp1536 => 5,
            DhGroup::Modp2048 => 14,
        }
    }

    /// Length in bytes of a public value (and of g^xy): the modulus length.
    #[allow(clippy::len_without_is_empty)]
    pub fn len(self) -> usize {
        match self {
            DhGroup::Modp768 => 96,
            DhGroup::Modp1024 => 128,
            DhGroup::Modp1536 => 192,
            DhGroup::Modp2048 => 256,
        }
    }

    /// The prime modulus p (parsed once per process).
    pub fn prime(self) -> &'static BigUint {
        static PRIMES: [OnceLock<BigUint>; 4] = [const { OnceLock::new() }; 4];
        let (slot, hex) = match self {
            DhGroup::Modp768 => (0, MODP_768),
            DhGroup::Modp1024 => (1, MODP_1024),
            DhGroup::Modp1536 => (2, MODP_1536),
            DhGroup::Modp2048 => (3, MODP_2048),
        };
        PRIMES[slot].get_or_init(|| {
            BigUint::parse_bytes(hex.as_bytes(), 16).expect("constant prime is valid hex")
        })
    }

    /// `v` as exactly `len()` big-endian bytes; `v` must be below p.
    fn encode(self, v: &BigUint) -> Vec<u8> {
        let raw = v.to_bytes_be();
        let mut out = vec![0u8; self.len().saturating_sub(raw.len())];
        out.extend_from_slice(&raw);
        out
    }
}

/// A Diffie-Hellman private exponent x with its group.
///
/// `Debug` does not print x.
#[derive(Clone)]
pub struct DhPrivate {
    group: DhGroup,
    x: BigUint,
}

impl fmt::Debug for DhPrivate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DhPrivate")
            .field("group", &self.group)
            .field("x", &"<redacted>")
            .finish()
    }
}

impl DhPrivate {
    /// A fresh exponent in [2, p-2], drawn from `rng` (modulus-length bytes, reduced).
    pub fn generate<R: Random + ?Sized>(group: DhGroup, rng: &mut R) -> Self {
        let p = group.prime();
        let mut bytes = vec![0u8; group.len()];
        rng.fill(&mut bytes);
        // The reduction bias is below 2^-64: p's top 64 bits are all ones.
        let x = BigUint::from_bytes_be(&bytes) % (p - 3u32) + 2u32;
        // Under cargo-fuzz only (`cfg(fuzzing)`, never in a build anyone runs): a 64-bit
        // exponent, so that an input reaching the key exchange costs microseconds rather than
        // milliseconds and the fuzzer spends its time in the parsers and state machines.
        #[cfg(fuzzing)]
        let x = x % (BigUint::from(1u32) << 64u32) + 2u32;
        Self { group, x }
    }

    /// A known exponent (big-endian, any length), for tests and replaying captured exchanges.
    pub fn from_private_bytes(group: DhGroup, x: &[u8]) -> Result<Self, DhError> {
        let x = BigUint::from_bytes_be(x);
        if x == BigUint::ZERO || x >= group.prime() - 1u32 {
            return Err(DhError::PrivateOutOfRange);
        }
        Ok(Self { group, x })
    }

    /// The group this exponent belongs to.
    pub fn group(&self) -> DhGroup {
        self.group
    }

    /// g^x mod p as the KE payload body: `group().len()` bytes, big-endian.
    pub fn public_value(&self) -> Vec<u8> {
        let g = BigUint::from(2u32);
        self.group.encode(&g.modpow(&self.x, self.group.prime()))
    }

    /// g^xy from the peer's KE payload body, `group().len()` bytes big-endian.
    ///
    /// Refuses a body of the wrong length and values outside 1 < y < p-1 (RFC 2631 / NIST
    /// SP 800-56A's partial public key check), which a peer could use to force a known secret.
    pub fn shared_secret(&self, peer_public: &[u8]) -> Result<Vec<u8>, DhError> {
        if peer_public.len() != self.group.len() {
            return Err(DhError::Length {
                need: self.group.len(),
                got: peer_public.len(),
            });
        }
        let p = self.group.prime();
        let y = BigUint::from_bytes_be(peer_public);
        if y <= BigUint::from(1u32) || y >= p - 1u32 {
            return Err(DhError::PublicOutOfRange);
        }
        Ok(self.group.encode(&y.modpow(&self.x, p)))
    }
}

/// `MODP-1024 (group 2)`, as configurations and logs name it.
impl std::fmt::Display for DhGroup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MODP-{} (group {})", self.len() * 8, self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SeededRandom;

    const ALL: [DhGroup; 4] = [
        DhGroup::Modp768,
        DhGroup::Modp1024,
        DhGroup::Modp1536,
        DhGroup::Modp2048,
    ];

    /// A typo in a prime constant makes it composite; safe primes pass Fermat for p and (p-1)/2.
    #[test]
    fn primes_are_safe_primes_of_the_right_size() {
        for group in ALL {
            let p = group.prime();
            assert_eq!(p.bits() as usize, group.len() * 8, "{group:?}");
            let q = (p - 1u32) >> 1;
            let two = BigUint::from(2u32);
            assert_eq!(two.modpow(&(p - 1u32), p), BigUint::from(1u32), "{group:?}");
            assert_eq!(
                two.modpow(&(&q - 1u32), &q),
                BigUint::from(1u32),
                "{group:?}"
            );
            // RFC 2412 appendix E: the low and high 64 bits are all ones.
            let ones = BigUint::from(u64::MAX);
            assert_eq!(p & &ones, ones);
            assert_eq!(p >> (p.bits() - 64), ones);
        }
    }

    #[test]
    fn ids_round_trip() {
        for group in ALL {
            assert_eq!(DhGroup::from_id(group.id()), Some(group));
        }
        assert_eq!(DhGroup::from_id(3), None);
        assert_eq!(DhGroup::from_id(0), None);
    }

    #[test]
    fn tiny_exponents_give_known_powers_of_two() {
        for group in ALL {
            for (x, expect) in [(1u8, 2u32), (2, 4), (10, 1024), (31, 1 << 31)] {
                let key = DhPrivate::from_private_bytes(group, &[x]).unwrap();
                let public = key.public_value();
                assert_eq!(public.len(), group.len());
                let mut want = vec![0u8; group.len() - 4];
                want.extend_from_slice(&expect.to_be_bytes());
                assert_eq!(public, want, "{group:?} 2^{x}");
            }
        }
    }

    #[test]
    fn shared_secret_of_known_exponents() {
        // (2^3)^5 = 2^15 in every group.
        let group = DhGroup::Modp1024;
        let a = DhPrivate::from_private_bytes(group, &[3]).unwrap();
        let b = DhPrivate::from_private_bytes(group, &[5]).unwrap();
        let s = a.shared_secret(&b.public_value()).unwrap();
        assert_eq!(s, b.shared_secret(&a.public_value()).unwrap());
        assert_eq!(&s[group.len() - 2..], &[0x80, 0x00]);
        assert!(s[..group.len() - 2].iter().all(|&b| b == 0));
    }

    #[test]
    fn generated_keys_agree_and_are_fixed_length() {
        let mut rng = SeededRandom::new(7);
        for group in [DhGroup::Modp768, DhGroup::Modp1024] {
            let a = DhPrivate::generate(group, &mut rng);
            let b = DhPrivate::generate(group, &mut rng);
            let sa = a.shared_secret(&b.public_value()).unwrap();
            let sb = b.shared_secret(&a.public_value()).unwrap();
            assert_eq!(sa, sb);
            assert_eq!(sa.len(), group.len());
            assert_ne!(a.public_value(), b.public_value());
        }
    }

    #[test]
    fn rejects_bad_peer_values() {
        let group = DhGroup::Modp768;
        let key = DhPrivate::from_private_bytes(group, &[9]).unwrap();
        let p = group.prime();
        let enc = |v: &BigUint| group.encode(v);
        for bad in [BigUint::ZERO, BigUint::from(1u32), p - 1u32, p.clone()] {
            assert_eq!(
                key.shared_secret(&enc(&bad)),
                Err(DhError::PublicOutOfRange),
                "{bad:x}"
            );
        }
        // All ones is above p.
        assert_eq!(
            key.shared_secret(&vec![0xff; group.len()]),
            Err(DhError::PublicOutOfRange)
        );
        assert_eq!(
            key.shared_secret(&[2]),
            Err(DhError::Length { need: 96, got: 1 })
        );
        assert!(key.shared_secret(&enc(&(p - 2u32))).is_ok());
    }

    #[test]
    fn rejects_bad_private_exponents_and_hides_them() {
        let group = DhGroup::Modp768;
        assert_eq!(
            DhPrivate::from_private_bytes(group, &[]).unwrap_err(),
            DhError::PrivateOutOfRange
        );
        let p1 = (group.prime() - 1u32).to_bytes_be();
        assert!(DhPrivate::from_private_bytes(group, &p1).is_err());
        let key = DhPrivate::from_private_bytes(group, &[0x5a, 0xa5]).unwrap();
        let shown = format!("{key:?}");
        assert!(shown.contains("redacted") && !shown.contains("23205"));
    }
}
