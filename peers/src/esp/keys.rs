//! The algorithms and keys of one ESP SA direction.

use super::{EspError, IntegAlg};
use crate::crypto::CipherAlg;

/// Cipher and integrity algorithms with their keys, lengths already checked, so that sending and
/// receiving cannot fail on a key.
#[derive(Clone, PartialEq, Eq)]
pub struct EspKeys {
    cipher: CipherAlg,
    enc_key: Vec<u8>,
    integ: IntegAlg,
    auth_key: Vec<u8>,
}

impl EspKeys {
    /// Keys for `cipher` and `integ`, refused if either has the wrong length.
    pub fn new(
        cipher: CipherAlg,
        enc_key: &[u8],
        integ: IntegAlg,
        auth_key: &[u8],
    ) -> Result<Self, EspError> {
        let cipher_ok = match cipher {
            CipherAlg::AesCbc { key_len } => matches!(key_len, 16 | 24 | 32),
            CipherAlg::TripleDesCbc => true,
        };
        if !cipher_ok || enc_key.len() != cipher.key_len() {
            return Err(EspError::KeyLength {
                what: "encryption",
                need: cipher.key_len(),
                got: enc_key.len(),
            });
        }
        if auth_key.len() != integ.key_len() {
            return Err(EspError::KeyLength {
                what: "integrity",
                need: integ.key_len(),
                got: auth_key.len(),
            });
        }
        Ok(Self {
            cipher,
            enc_key: enc_key.to_vec(),
            integ,
            auth_key: auth_key.to_vec(),
        })
    }

    /// KEYMAT bytes one direction needs: encryption key plus integrity key.
    pub fn keymat_len(cipher: CipherAlg, integ: IntegAlg) -> usize {
        cipher.key_len() + integ.key_len()
    }

    /// Splits KEYMAT the way RFC 2409 section 5.5 and strongSwan do: encryption key first, then
    /// integrity key. IKEv1 expands KEYMAT in whole PRF outputs, so extra trailing bytes are
    /// ignored.
    pub fn from_keymat(
        cipher: CipherAlg,
        integ: IntegAlg,
        keymat: &[u8],
    ) -> Result<Self, EspError> {
        let need = Self::keymat_len(cipher, integ);
        if keymat.len() < need {
            return Err(EspError::KeymatTooShort {
                need,
                got: keymat.len(),
            });
        }
        let (enc_key, rest) = keymat.split_at(cipher.key_len());
        Self::new(cipher, enc_key, integ, &rest[..integ.key_len()])
    }

    /// The cipher.
    pub fn cipher(&self) -> CipherAlg {
        self.cipher
    }

    /// The integrity algorithm.
    pub fn integ(&self) -> IntegAlg {
        self.integ
    }

    /// The encryption key.
    pub fn enc_key(&self) -> &[u8] {
        &self.enc_key
    }

    /// The integrity key.
    pub fn auth_key(&self) -> &[u8] {
        &self.auth_key
    }

    /// Bytes an ESP packet carries besides the padded plaintext: header, IV and ICV.
    pub(crate) fn overhead(&self) -> usize {
        crate::wire::esp::HEADER_LEN + self.cipher.block_size() + self.integ.icv_len()
    }
}

/// Keys stay out of logs: only the algorithms are shown.
impl core::fmt::Debug for EspKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("EspKeys")
            .field("cipher", &self.cipher)
            .field("integ", &self.integ)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keymat_split_enc_first() {
        let keymat: Vec<u8> = (0..40).collect();
        let keys = EspKeys::from_keymat(CipherAlg::AES128, IntegAlg::HmacSha1_96, &keymat).unwrap();
        assert_eq!(keys.enc_key(), &keymat[..16]);
        assert_eq!(keys.auth_key(), &keymat[16..36]);
        assert_eq!(
            EspKeys::from_keymat(CipherAlg::TripleDesCbc, IntegAlg::HmacSha256_128, &keymat),
            Err(EspError::KeymatTooShort { need: 56, got: 40 })
        );
    }

    #[test]
    fn wrong_key_lengths_refused() {
        let bad_aes = CipherAlg::AesCbc { key_len: 20 };
        assert!(matches!(
            EspKeys::new(bad_aes, &[0; 20], IntegAlg::HmacMd5_96, &[0; 16]),
            Err(EspError::KeyLength {
                what: "encryption",
                ..
            })
        ));
        assert!(matches!(
            EspKeys::new(CipherAlg::AES128, &[0; 16], IntegAlg::HmacMd5_96, &[0; 20]),
            Err(EspError::KeyLength {
                what: "integrity",
                need: 16,
                got: 20
            })
        ));
        let dbg = format!(
            "{:?}",
            EspKeys::new(
                CipherAlg::AES128,
                &[0xab; 16],
                IntegAlg::HmacMd5_96,
                &[0xcd; 16]
            )
            .unwrap()
        );
        assert!(!dbg.contains("171") && !dbg.contains("ab"), "{dbg}");
    }
}
