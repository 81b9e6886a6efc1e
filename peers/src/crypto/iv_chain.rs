//! Encryption of ISAKMP message bodies with RFC 2409 appendix B's IV chain.
//!
//! Phase 1 starts from hash(g^xi | g^xr); each encrypted message's last ciphertext block is the
//! IV of the next message in the same exchange, whichever direction it travels. An exchange with
//! a new message ID (Quick Mode, Informational) starts from hash(last phase-1 block | M-ID) and
//! then chains on its own. [`IsakmpCrypter`] keeps these chains for a protocol engine and for a
//! passive decoder alike: both see every message of the SA in order.

use std::collections::VecDeque;
use std::fmt;

use super::cipher::{CipherAlg, CipherError};
use super::hash::HashAlg;

/// Why a body was not encrypted or decrypted. The chains are untouched when this is returned.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CrypterError {
    /// An encrypted body must hold at least one block (its last block seeds the next IV).
    #[error("encrypted body is empty")]
    Empty,
    /// The body is not a whole number of cipher blocks.
    #[error("{len} bytes is not a multiple of the {block}-byte block")]
    NotBlockAligned {
        /// Body length.
        len: usize,
        /// Block size.
        block: usize,
    },
    /// Ka does not fit the cipher (only from [`IsakmpCrypter::new`]).
    #[error(transparent)]
    Cipher(#[from] CipherError),
}

/// One message seen on a chain, remembered to recognise its retransmissions.
#[derive(Clone)]
struct Seen {
    /// SHA-256 of the ciphertext: retransmissions are byte-identical copies.
    fingerprint: Vec<u8>,
    /// The IV the message was encrypted with.
    iv: Vec<u8>,
}

/// The state of one exchange's chain.
#[derive(Clone)]
struct Chain {
    /// The IV of the next new message.
    iv: Vec<u8>,
    /// The most recent messages, oldest first, at most [`SEEN_PER_CHAIN`].
    seen: VecDeque<Seen>,
}

/// Messages remembered per exchange: Quick Mode has three, Main Mode two encrypted ones.
const SEEN_PER_CHAIN: usize = 4;

impl Chain {
    fn new(iv: Vec<u8>) -> Self {
        Self {
            iv,
            seen: VecDeque::new(),
        }
    }

    fn iv_of(&self, fingerprint: &[u8]) -> Option<&[u8]> {
        self.seen
            .iter()
            .find(|s| s.fingerprint == fingerprint)
            .map(|s| s.iv.as_slice())
    }

    /// Moves the chain past a new message whose ciphertext is `ciphertext`.
    fn advance(&mut self, iv: Vec<u8>, fingerprint: Vec<u8>, ciphertext: &[u8], block: usize) {
        self.iv = ciphertext[ciphertext.len() - block..].to_vec();
        if self.seen.len() == SEEN_PER_CHAIN {
            self.seen.pop_front();
        }
        self.seen.push_back(Seen { fingerprint, iv });
    }
}

/// The ISAKMP cipher of one phase-1 SA with its IV chains.
///
/// Retransmissions are handled the way the sender means them: a byte-identical copy of a
/// message already seen on a chain decrypts with the IV of the first copy and does not move the
/// chain (tshark instead decrypts the copy with the chain's current IV and garbles its first
/// block). Phase-2 chains are kept for at most [`IsakmpCrypter::MAX_EXCHANGES`] message IDs,
/// least recently used first out, so a flood of message IDs costs bounded memory.
///
/// A protocol engine should decrypt on a clone and keep it only once the message's HASH
/// verifies, so that a forged message neither moves a chain nor evicts one.
#[derive(Clone)]
pub struct IsakmpCrypter {
    cipher: CipherAlg,
    hash: HashAlg,
    ka: Vec<u8>,
    /// Message ID 0: Main Mode (or Aggressive Mode) after the key exchange.
    phase1: Chain,
    /// Other message IDs, least recently used first.
    exchanges: VecDeque<(u32, Chain)>,
}

impl fmt::Debug for IsakmpCrypter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IsakmpCrypter")
            .field("cipher", &self.cipher)
            .field("hash", &self.hash)
            .field("ka", &format_args!("<{} bytes redacted>", self.ka.len()))
            .field(
                "exchanges",
                &self.exchanges.iter().map(|(m, _)| *m).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl IsakmpCrypter {
    /// Phase-2 and Informational message IDs whose chains are kept.
    pub const MAX_EXCHANGES: usize = 64;

    /// The crypter of a phase-1 SA: `hash` is the negotiated hash (which derives IVs), `ka` the
    /// cipher key and `gxi`/`gxr` the initiator's and responder's KE payload bodies.
    pub fn new(
        cipher: CipherAlg,
        hash: HashAlg,
        ka: &[u8],
        gxi: &[u8],
        gxr: &[u8],
    ) -> Result<Self, CrypterError> {
        let block = cipher.block_size();
        // Checks Ka once, so that later cipher calls cannot fail.
        cipher.encrypt(ka, &vec![0; block], &mut vec![0; block])?;
        let mut iv = hash.digest(&[gxi, gxr]);
        debug_assert!(
            iv.len() >= block,
            "every IKE hash is at least one block long"
        );
        iv.truncate(block);
        Ok(Self {
            cipher,
            hash,
            ka: ka.to_vec(),
            phase1: Chain::new(iv),
            exchanges: VecDeque::new(),
        })
    }

    /// The negotiated cipher.
    pub fn cipher(&self) -> CipherAlg {
        self.cipher
    }

    /// The IV the next new message with `msgid` would use (for M-ID 0 before any encrypted
    /// message, the phase-1 initial IV). Does not change any state.
    pub fn next_iv(&self, msgid: u32) -> Vec<u8> {
        if msgid == 0 {
            return self.phase1.iv.clone();
        }
        match self.exchanges.iter().find(|(m, _)| *m == msgid) {
            Some((_, chain)) => chain.iv.clone(),
            None => self.phase2_initial_iv(msgid),
        }
    }

    /// Decrypts an encrypted message body (everything after the 28-byte header) in place and
    /// moves the chain of `msgid` past it, unless it is a retransmission of a message already
    /// seen there.
    ///
    /// Padding is left in place: the payload chain says where the payloads end.
    pub fn decrypt(&mut self, msgid: u32, body: &mut [u8]) -> Result<(), CrypterError> {
        self.check(body)?;
        let fingerprint = HashAlg::Sha256.digest(&[body]);
        let block = self.cipher.block_size();
        let chain = self.chain(msgid);
        if let Some(iv) = chain.iv_of(&fingerprint).map(<[u8]>::to_vec) {
            self.cipher.decrypt(&self.ka, &iv, body)?;
            return Ok(());
        }
        let iv = chain.iv.clone();
        let last_block = body[body.len() - block..].to_vec();
        self.cipher.decrypt(&self.ka, &iv, body)?;
        self.chain(msgid)
            .advance(iv, fingerprint, &last_block, block);
        Ok(())
    }

    /// Encrypts a padded message body in place with the chain of `msgid` and moves the chain
    /// past it. Retransmit the resulting bytes rather than encrypting again.
    pub fn encrypt(&mut self, msgid: u32, body: &mut [u8]) -> Result<(), CrypterError> {
        self.check(body)?;
        let block = self.cipher.block_size();
        let iv = self.chain(msgid).iv.clone();
        self.cipher.encrypt(&self.ka, &iv, body)?;
        let fingerprint = HashAlg::Sha256.digest(&[body]);
        self.chain(msgid).advance(iv, fingerprint, body, block);
        Ok(())
    }

    /// Drops the chain of a finished phase-2 or Informational exchange.
    pub fn forget(&mut self, msgid: u32) {
        self.exchanges.retain(|(m, _)| *m != msgid);
    }

    fn check(&self, body: &[u8]) -> Result<(), CrypterError> {
        let block = self.cipher.block_size();
        if body.is_empty() {
            return Err(CrypterError::Empty);
        }
        if body.len() % block != 0 {
            return Err(CrypterError::NotBlockAligned {
                len: body.len(),
                block,
            });
        }
        Ok(())
    }

    /// hash(last phase-1 block | M-ID), truncated to the block size.
    fn phase2_initial_iv(&self, msgid: u32) -> Vec<u8> {
        let mut iv = self.hash.digest(&[&self.phase1.iv, &msgid.to_be_bytes()]);
        iv.truncate(self.cipher.block_size());
        iv
    }

    /// The chain of `msgid`, created if new and marked most recently used.
    fn chain(&mut self, msgid: u32) -> &mut Chain {
        if msgid == 0 {
            return &mut self.phase1;
        }
        let entry = match self.exchanges.iter().position(|(m, _)| *m == msgid) {
            Some(i) => self.exchanges.remove(i).expect("index from position"),
            None => {
                if self.exchanges.len() >= Self::MAX_EXCHANGES {
                    self.exchanges.pop_front();
                }
                (msgid, Chain::new(self.phase2_initial_iv(msgid)))
            }
        };
        self.exchanges.push_back(entry);
        &mut self.exchanges.back_mut().expect("just pushed").1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KA: [u8; 16] = [0x42; 16];
    const GXI: [u8; 128] = [0x0a; 128];
    const GXR: [u8; 128] = [0x0b; 128];

    fn crypter() -> IsakmpCrypter {
        IsakmpCrypter::new(CipherAlg::AES128, HashAlg::Sha1, &KA, &GXI, &GXR).unwrap()
    }

    fn sha1_16(parts: &[&[u8]]) -> Vec<u8> {
        HashAlg::Sha1.digest(parts)[..16].to_vec()
    }

    /// Encrypts `plain` by hand with an explicit IV, independently of the chain logic.
    fn cbc(iv: &[u8], plain: &[u8]) -> Vec<u8> {
        let mut buf = plain.to_vec();
        CipherAlg::AES128.encrypt(&KA, iv, &mut buf).unwrap();
        buf
    }

    #[test]
    fn phase1_iv_then_chain_on_last_block() {
        let mut c = crypter();
        let iv0 = sha1_16(&[&GXI, &GXR]);
        assert_eq!(c.next_iv(0), iv0);

        let mm5 = cbc(&iv0, &[1; 48]);
        let mut buf = mm5.clone();
        c.decrypt(0, &mut buf).unwrap();
        assert_eq!(buf, vec![1; 48]);
        assert_eq!(c.next_iv(0), mm5[32..]);

        // The reply travels the other way but continues the same chain.
        let mut mm6 = vec![2; 32];
        c.encrypt(0, &mut mm6).unwrap();
        assert_eq!(mm6, cbc(&mm5[32..], &[2; 32]));
        assert_eq!(c.next_iv(0), mm6[16..]);
    }

    #[test]
    fn new_message_id_starts_from_last_phase1_block() {
        let mut c = crypter();
        let mut mm5 = vec![1; 32];
        c.encrypt(0, &mut mm5).unwrap();
        let mut mm6 = vec![2; 32];
        c.encrypt(0, &mut mm6).unwrap();

        let mid = 0xfbe4_20a8u32;
        let iv = sha1_16(&[&mm6[16..], &mid.to_be_bytes()]);
        assert_eq!(c.next_iv(mid), iv);

        let qm1 = cbc(&iv, &[3; 64]);
        let mut buf = qm1.clone();
        c.decrypt(mid, &mut buf).unwrap();
        assert_eq!(buf, vec![3; 64]);
        let qm2 = cbc(&qm1[48..], &[4; 16]);
        let mut buf = qm2.clone();
        c.decrypt(mid, &mut buf).unwrap();
        assert_eq!(buf, vec![4; 16]);

        // Other message IDs are independent, and phase 1 did not move.
        let other = 7u32;
        assert_eq!(
            c.next_iv(other),
            sha1_16(&[&mm6[16..], &other.to_be_bytes()])
        );
        assert_eq!(c.next_iv(0), mm6[16..]);
    }

    #[test]
    fn retransmission_reuses_the_first_iv_and_does_not_advance() {
        let mut c = crypter();
        let iv0 = c.next_iv(0);
        let mm5 = cbc(&iv0, &[5; 32]);
        let mm6 = cbc(&mm5[16..], &[6; 32]);

        let mut a = mm5.clone();
        c.decrypt(0, &mut a).unwrap();
        let mut b = mm6.clone();
        c.decrypt(0, &mut b).unwrap();
        let after = c.next_iv(0);

        // The initiator resends MM5 (its MM6 was lost), then the responder resends MM6.
        let mut again = mm5.clone();
        c.decrypt(0, &mut again).unwrap();
        assert_eq!(again, vec![5; 32]);
        let mut again = mm6.clone();
        c.decrypt(0, &mut again).unwrap();
        assert_eq!(again, vec![6; 32]);
        assert_eq!(c.next_iv(0), after);
    }

    #[test]
    fn hostile_lengths_leave_state_untouched() {
        let mut c = crypter();
        let before = c.next_iv(0);
        assert_eq!(
            c.decrypt(0, &mut [0; 17]),
            Err(CrypterError::NotBlockAligned { len: 17, block: 16 })
        );
        assert_eq!(c.decrypt(9, &mut []), Err(CrypterError::Empty));
        assert_eq!(
            c.encrypt(9, &mut [0; 5]),
            Err(CrypterError::NotBlockAligned { len: 5, block: 16 })
        );
        assert_eq!(c.next_iv(0), before);
        assert!(c.exchanges.is_empty());
    }

    #[test]
    fn exchange_table_is_bounded_and_evicts_least_recently_used() {
        let mut c = crypter();
        let mut first = vec![0; 16];
        c.encrypt(1, &mut first).unwrap();
        for mid in 2..=(IsakmpCrypter::MAX_EXCHANGES as u32 + 10) {
            c.decrypt(mid, &mut [0; 16]).unwrap();
            if mid == 40 {
                // Touching M-ID 1 keeps it.
                let mut again = first.clone();
                c.decrypt(1, &mut again).unwrap();
            }
        }
        assert_eq!(c.exchanges.len(), IsakmpCrypter::MAX_EXCHANGES);
        assert!(c.exchanges.iter().any(|(m, _)| *m == 1));
        assert!(!c.exchanges.iter().any(|(m, _)| *m == 2));
        c.forget(1);
        assert!(!c.exchanges.iter().any(|(m, _)| *m == 1));
    }

    #[test]
    fn rejects_wrong_key_and_hides_it() {
        assert!(matches!(
            IsakmpCrypter::new(CipherAlg::AES128, HashAlg::Sha1, &[0; 24], &GXI, &GXR),
            Err(CrypterError::Cipher(CipherError::KeyLength { .. }))
        ));
        let c = IsakmpCrypter::new(
            CipherAlg::TripleDesCbc,
            HashAlg::Md5,
            &[0x42; 24],
            &GXI,
            &GXR,
        )
        .unwrap();
        assert_eq!(c.next_iv(0), HashAlg::Md5.digest(&[&GXI, &GXR])[..8]);
        assert!(!format!("{c:?}").contains("66"));
    }
}
