//! CBC block ciphers without padding: IKEv1 and ESP both pad by their own rules, so this layer only
//! encrypts and decrypts whole blocks in place.

use aes::{Aes128, Aes192, Aes256};
use cbc::cipher::{
    Block, BlockCipherDecrypt, BlockCipherEncrypt, BlockModeDecrypt, BlockModeEncrypt, KeyIvInit,
};
use des::TdesEde3;

/// A CBC cipher negotiated for IKE or ESP.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CipherAlg {
    /// AES-CBC (RFC 3602) with a 128-, 192- or 256-bit key.
    AesCbc {
        /// Key length in bytes: 16, 24 or 32.
        key_len: usize,
    },
    /// 3DES-CBC (RFC 2451), 24-byte key.
    TripleDesCbc,
}

/// Why a CBC operation was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CipherError {
    /// The key has the wrong length for the algorithm.
    #[error("key is {got} bytes, the cipher needs {need}")]
    KeyLength {
        /// Bytes needed.
        need: usize,
        /// Bytes given.
        got: usize,
    },
    /// The IV is not one block long.
    #[error("IV is {got} bytes, the cipher needs {need}")]
    IvLength {
        /// Bytes needed.
        need: usize,
        /// Bytes given.
        got: usize,
    },
    /// The data is not a whole number of blocks.
    #[error("{len} bytes is not a multiple of the {block}-byte block")]
    NotBlockAligned {
        /// Data length.
        len: usize,
        /// Block size.
        block: usize,
    },
}

impl CipherAlg {
    /// AES-128-CBC, the document's cipher.
    pub const AES128: CipherAlg = CipherAlg::AesCbc { key_len: 16 };

    /// Block size (and IV length) in bytes.
    pub fn block_size(self) -> usize {
        match self {
            CipherAlg::AesCbc { .. } => 16,
            CipherAlg::TripleDesCbc => 8,
        }
    }

    /// Key length in bytes.
    pub fn key_len(self) -> usize {
        match self {
            CipherAlg::AesCbc { key_len } => key_len,
            CipherAlg::TripleDesCbc => 24,
        }
    }

    fn check(self, key: &[u8], iv: &[u8], data: &[u8]) -> Result<(), CipherError> {
        let valid_key = match self {
            CipherAlg::AesCbc { key_len } => {
                matches!(key_len, 16 | 24 | 32) && key.len() == key_len
            }
            CipherAlg::TripleDesCbc => key.len() == 24,
        };
        if !valid_key {
            return Err(CipherError::KeyLength {
                need: self.key_len(),
                got: key.len(),
            });
        }
        if iv.len() != self.block_size() {
            return Err(CipherError::IvLength {
                need: self.block_size(),
                got: iv.len(),
            });
        }
        if data.len() % self.block_size() != 0 {
            return Err(CipherError::NotBlockAligned {
                len: data.len(),
                block: self.block_size(),
            });
        }
        Ok(())
    }

    /// Encrypts `data` (a whole number of blocks) in place in CBC mode.
    pub fn encrypt(self, key: &[u8], iv: &[u8], data: &mut [u8]) -> Result<(), CipherError> {
        self.check(key, iv, data)?;
        fn run<C: BlockCipherEncrypt + cbc::cipher::KeyInit>(
            key: &[u8],
            iv: &[u8],
            data: &mut [u8],
        ) {
            let mut mode = cbc::Encryptor::<C>::new_from_slices(key, iv).expect("lengths checked");
            let (blocks, rest) = Block::<C>::slice_as_chunks_mut(data);
            debug_assert!(rest.is_empty());
            mode.encrypt_blocks(blocks);
        }
        match (self, key.len()) {
            (CipherAlg::AesCbc { .. }, 16) => run::<Aes128>(key, iv, data),
            (CipherAlg::AesCbc { .. }, 24) => run::<Aes192>(key, iv, data),
            (CipherAlg::AesCbc { .. }, _) => run::<Aes256>(key, iv, data),
            (CipherAlg::TripleDesCbc, _) => run::<TdesEde3>(key, iv, data),
        }
        Ok(())
    }

    /// Decrypts `data` (a whole number of blocks) in place in CBC mode.
    pub fn decrypt(self, key: &[u8], iv: &[u8], data: &mut [u8]) -> Result<(), CipherError> {
        self.check(key, iv, data)?;
        fn run<C: BlockCipherDecrypt + cbc::cipher::KeyInit>(
            key: &[u8],
            iv: &[u8],
            data: &mut [u8],
        ) {
            let mut mode = cbc::Decryptor::<C>::new_from_slices(key, iv).expect("lengths checked");
            let (blocks, rest) = Block::<C>::slice_as_chunks_mut(data);
            debug_assert!(rest.is_empty());
            mode.decrypt_blocks(blocks);
        }
        match (self, key.len()) {
            (CipherAlg::AesCbc { .. }, 16) => run::<Aes128>(key, iv, data),
            (CipherAlg::AesCbc { .. }, 24) => run::<Aes192>(key, iv, data),
            (CipherAlg::AesCbc { .. }, _) => run::<Aes256>(key, iv, data),
            (CipherAlg::TripleDesCbc, _) => run::<TdesEde3>(key, iv, data),
        }
        Ok(())
    }
}

/// `AES-128-CBC`, `3DES-CBC`.
impl std::fmt::Display for CipherAlg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CipherAlg::AesCbc { key_len } => write!(f, "AES-{}-CBC", key_len * 8),
            CipherAlg::TripleDesCbc => f.write_str("3DES-CBC"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// RFC 3602 section 4, case #2: AES-128-CBC, two blocks.
    #[test]
    fn rfc3602_case_2() {
        let key = unhex("c286696d887c9aa0611bbb3e2025a45a");
        let iv = unhex("562e17996d093d28ddb3ba695a2e6f58");
        let plain = unhex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
        let mut buf = plain.clone();
        CipherAlg::AES128.encrypt(&key, &iv, &mut buf).unwrap();
        assert_eq!(
            buf,
            unhex("d296cd94c2cccf8a3a863028b5e1dc0a7586602d253cfff91b8266bea6d61ab1")
        );
        CipherAlg::AES128.decrypt(&key, &iv, &mut buf).unwrap();
        assert_eq!(buf, plain);
    }

    #[test]
    fn rejects_partial_blocks_and_bad_keys() {
        let mut buf = [0u8; 17];
        assert!(matches!(
            CipherAlg::AES128.encrypt(&[0; 16], &[0; 16], &mut buf),
            Err(CipherError::NotBlockAligned { .. })
        ));
        assert!(matches!(
            CipherAlg::AES128.encrypt(&[0; 15], &[0; 16], &mut buf[..16]),
            Err(CipherError::KeyLength { .. })
        ));
        assert!(matches!(
            CipherAlg::TripleDesCbc.decrypt(&[0; 24], &[0; 16], &mut buf[..16]),
            Err(CipherError::IvLength { .. })
        ));
    }

    #[test]
    fn triple_des_round_trip() {
        let key: Vec<u8> = (0..24).collect();
        let mut buf = *b"sixteen bytes!!!";
        CipherAlg::TripleDesCbc
            .encrypt(&key, &[7; 8], &mut buf)
            .unwrap();
        assert_ne!(&buf, b"sixteen bytes!!!");
        CipherAlg::TripleDesCbc
            .decrypt(&key, &[7; 8], &mut buf)
            .unwrap();
        assert_eq!(&buf, b"sixteen bytes!!!");
    }
}
