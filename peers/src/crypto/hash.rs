//! Hash functions and the HMAC PRFs that IKEv1 and ESP negotiate.

use hmac::{Hmac, KeyInit, Mac};
use md5::Md5;
use sha1::{Digest, Sha1};
use sha2::Sha256;

/// A hash algorithm, used as the IKE hash/PRF (HMAC) and for ESP integrity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HashAlg {
    /// MD5 (RFC 1321): IKE hash 1, ESP HMAC-MD5-96.
    Md5,
    /// SHA-1: IKE hash 2, ESP HMAC-SHA1-96.
    Sha1,
    /// SHA2-256: IKE hash 4, ESP HMAC-SHA2-256-128.
    Sha256,
}

impl HashAlg {
    /// Digest (and PRF output) length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            HashAlg::Md5 => 16,
            HashAlg::Sha1 => 20,
            HashAlg::Sha256 => 32,
        }
    }

    /// The hash of the concatenation of `parts`.
    pub fn digest(self, parts: &[&[u8]]) -> Vec<u8> {
        fn run<D: Digest>(parts: &[&[u8]]) -> Vec<u8> {
            let mut d = D::new();
            for p in parts {
                d.update(p);
            }
            d.finalize().to_vec()
        }
        match self {
            HashAlg::Md5 => run::<Md5>(parts),
            HashAlg::Sha1 => run::<Sha1>(parts),
            HashAlg::Sha256 => run::<Sha256>(parts),
        }
    }

    /// HMAC keyed with `key` over the concatenation of `parts` (IKEv1's `prf`).
    pub fn prf(self, key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
        fn run<M: Mac + KeyInit>(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
            // HMAC accepts keys of any length.
            let mut m = <M as KeyInit>::new_from_slice(key).expect("HMAC takes any key length");
            for p in parts {
                m.update(p);
            }
            m.finalize().into_bytes().to_vec()
        }
        match self {
            HashAlg::Md5 => run::<Hmac<Md5>>(key, parts),
            HashAlg::Sha1 => run::<Hmac<Sha1>>(key, parts),
            HashAlg::Sha256 => run::<Hmac<Sha256>>(key, parts),
        }
    }
}

/// `MD5`, `SHA1`, `SHA2-256`.
impl std::fmt::Display for HashAlg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            HashAlg::Md5 => "MD5",
            HashAlg::Sha1 => "SHA1",
            HashAlg::Sha256 => "SHA2-256",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hex::hex;

    #[test]
    fn rfc2202_hmac_sha1_case_2() {
        let out = HashAlg::Sha1.prf(b"Jefe", &[b"what do ya want ", b"for nothing?"]);
        assert_eq!(hex(&out), "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
    }

    #[test]
    fn rfc2202_hmac_md5_case_2() {
        let out = HashAlg::Md5.prf(b"Jefe", &[b"what do ya want for nothing?"]);
        assert_eq!(hex(&out), "750c783e6ab0b503eaa86e310a5db738");
    }

    #[test]
    fn rfc4231_hmac_sha256_case_2() {
        let out = HashAlg::Sha256.prf(b"Jefe", &[b"what do ya want for nothing?"]);
        assert_eq!(
            hex(&out),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn sha1_abc() {
        assert_eq!(
            hex(&HashAlg::Sha1.digest(&[b"a", b"bc"])),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
    }
}
