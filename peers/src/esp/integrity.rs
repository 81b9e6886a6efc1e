//! ESP integrity algorithms: HMAC truncated to the ICV length the RFCs fix.

use crate::crypto::HashAlg;

/// An ESP integrity algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IntegAlg {
    /// HMAC-MD5-96 (RFC 2403): 16-byte key, 12-byte ICV.
    HmacMd5_96,
    /// HMAC-SHA1-96 (RFC 2404): 20-byte key, 12-byte ICV.
    HmacSha1_96,
    /// HMAC-SHA2-256-128 (RFC 4868): 32-byte key, 16-byte ICV.
    HmacSha256_128,
}

impl IntegAlg {
    /// Every supported algorithm, for tests that sweep them.
    pub const ALL: [IntegAlg; 3] = [
        IntegAlg::HmacMd5_96,
        IntegAlg::HmacSha1_96,
        IntegAlg::HmacSha256_128,
    ];

    /// The underlying hash.
    pub fn hash(self) -> HashAlg {
        match self {
            IntegAlg::HmacMd5_96 => HashAlg::Md5,
            IntegAlg::HmacSha1_96 => HashAlg::Sha1,
            IntegAlg::HmacSha256_128 => HashAlg::Sha256,
        }
    }

    /// Key length in bytes: the hash output length, as the RFCs require.
    pub fn key_len(self) -> usize {
        self.hash().output_len()
    }

    /// ICV length in bytes: half the hash output, rounded to what each RFC fixes.
    pub fn icv_len(self) -> usize {
        match self {
            IntegAlg::HmacMd5_96 | IntegAlg::HmacSha1_96 => 12,
            IntegAlg::HmacSha256_128 => 16,
        }
    }

    /// The ICV of `data` (SPI through ciphertext) under `key`.
    pub fn icv(self, key: &[u8], data: &[u8]) -> Vec<u8> {
        let mut mac = self.hash().prf(key, &[data]);
        mac.truncate(self.icv_len());
        mac
    }

    /// Whether `icv` is the ICV of `data`, compared in constant time so that timing does not
    /// reveal how many leading bytes of a forgery were right.
    pub fn verify(self, key: &[u8], data: &[u8], icv: &[u8]) -> bool {
        constant_time_eq(&self.icv(key, data), icv)
    }
}

/// Equality whose running time depends only on the lengths.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    core::hint::black_box(diff) == 0
}

/// `HMAC-SHA1-96` and the like, as the RFCs name them.
impl std::fmt::Display for IntegAlg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            IntegAlg::HmacMd5_96 => "HMAC-MD5-96",
            IntegAlg::HmacSha1_96 => "HMAC-SHA1-96",
            IntegAlg::HmacSha256_128 => "HMAC-SHA2-256-128",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hex::hex;

    /// RFC 2404 section 3 reuses RFC 2202's cases; HMAC-SHA1-96 is the first 12 bytes.
    #[test]
    fn rfc2404_test_case_2() {
        let icv = IntegAlg::HmacSha1_96.icv(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(hex(&icv), "effcdf6ae5eb2fa2d27416d5");
    }

    /// RFC 2403 section 5, test case 2.
    #[test]
    fn rfc2403_test_case_2() {
        let icv = IntegAlg::HmacMd5_96.icv(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(hex(&icv), "750c783e6ab0b503eaa86e31");
    }

    /// RFC 4868 section 2.7.2.1, test case AUTH256-2 (key "JefeJefe..." to 32 bytes).
    #[test]
    fn rfc4868_auth256_2() {
        let icv = IntegAlg::HmacSha256_128.icv(
            b"JefeJefeJefeJefeJefeJefeJefeJefe",
            b"what do ya want for nothing?",
        );
        assert_eq!(hex(&icv), "167f928588c5cc2eef8e3093caa0e87c");
    }

    #[test]
    fn verify_rejects_any_change() {
        let alg = IntegAlg::HmacSha1_96;
        let mut icv = alg.icv(b"k", b"data");
        assert!(alg.verify(b"k", b"data", &icv));
        assert!(!alg.verify(b"k", b"datA", &icv));
        assert!(!alg.verify(b"k", b"data", &icv[..11]));
        icv[11] ^= 1;
        assert!(!alg.verify(b"k", b"data", &icv));
    }
}
