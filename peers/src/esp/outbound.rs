//! The sending side of an ESP SA: numbering, padding, encryption, ICV (RFC 4303 section 3.3).

use super::{EspError, EspKeys};
use crate::rng::Random;
use crate::wire::esp::{HEADER_LEN, Packet, Repr};

/// An outbound ESP SA: the peer's SPI, the keys and the sequence counter.
#[derive(Clone, Debug)]
pub struct OutboundSa {
    spi: u32,
    keys: EspKeys,
    /// Last sequence number sent; 0 before the first packet.
    last_seq: u32,
}

impl OutboundSa {
    /// An SA that sends to `spi` (chosen by the receiver) starting at sequence number 1.
    pub fn new(spi: u32, keys: EspKeys) -> Result<Self, EspError> {
        check_spi(spi)?;
        Ok(Self {
            spi,
            keys,
            last_seq: 0,
        })
    }

    /// The SPI written into every packet.
    pub fn spi(&self) -> u32 {
        self.spi
    }

    /// The algorithms and keys.
    pub fn keys(&self) -> &EspKeys {
        &self.keys
    }

    /// The sequence number the next packet will carry, or `None` once the counter is exhausted.
    pub fn next_seq(&self) -> Option<u32> {
        self.last_seq.checked_add(1)
    }

    /// Makes the next packet carry `seq`: resumes a counter, or reproduces a captured packet.
    pub fn set_next_seq(&mut self, seq: u32) -> Result<(), EspError> {
        self.last_seq = seq.checked_sub(1).ok_or(EspError::ZeroSequence)?;
        Ok(())
    }

    /// Bytes of padding for a `payload_len`-byte payload: the least that makes payload, pad
    /// length and next header fill whole cipher blocks (RFC 4303 section 2.4).
    pub fn pad_len(&self, payload_len: usize) -> usize {
        let block = self.keys.cipher().block_size();
        (block - (payload_len % block + 2) % block) % block
    }

    /// Length of the ESP packet that carries a `payload_len`-byte payload.
    pub fn encapsulated_len(&self, payload_len: usize) -> usize {
        self.keys.overhead() + payload_len + self.pad_len(payload_len) + 2
    }

    /// The largest payload whose ESP packet is at most `esp_len` bytes (`None` if not even an
    /// empty one fits): the padded plaintext must fill whole cipher blocks.
    pub fn largest_payload(&self, esp_len: usize) -> Option<usize> {
        let block = self.keys.cipher().block_size();
        let padded = esp_len.checked_sub(self.keys.overhead())? / block * block;
        padded.checked_sub(2)
    }

    /// Encapsulates `payload` (an IP packet in tunnel mode, the transport payload otherwise) as
    /// a new ESP packet; the IV is drawn from `rng`.
    pub fn encapsulate<R: Random + ?Sized>(
        &mut self,
        next_header: u8,
        payload: &[u8],
        rng: &mut R,
    ) -> Result<Vec<u8>, EspError> {
        let mut out = vec![0; self.encapsulated_len(payload.len())];
        self.encapsulate_into(next_header, payload, rng, &mut out)?;
        Ok(out)
    }

    /// Like [`Self::encapsulate`], writing into the front of `out`; returns the length written.
    /// The sequence number is consumed only on success.
    pub fn encapsulate_into<R: Random + ?Sized>(
        &mut self,
        next_header: u8,
        payload: &[u8],
        rng: &mut R,
        out: &mut [u8],
    ) -> Result<usize, EspError> {
        let total = self.encapsulated_len(payload.len());
        if out.len() < total {
            return Err(EspError::BufferTooSmall {
                need: total,
                got: out.len(),
            });
        }
        let seq = self.next_seq().ok_or(EspError::SequenceExhausted)?;
        let block = self.keys.cipher().block_size();
        let icv_len = self.keys.integ().icv_len();
        let pad_len = self.pad_len(payload.len());
        let out = &mut out[..total];

        let (header, rest) = out.split_at_mut(HEADER_LEN);
        Repr {
            spi: self.spi,
            seq_number: seq,
        }
        .emit(&mut Packet::new_unchecked(header));
        let (iv, rest) = rest.split_at_mut(block);
        rng.fill(iv);
        let (plain, _icv) = rest.split_at_mut(rest.len() - icv_len);
        let (data, trailer) = plain.split_at_mut(payload.len());
        data.copy_from_slice(payload);
        let (padding, fields) = trailer.split_at_mut(pad_len);
        // Pad bytes count up from 1 (RFC 4303 section 2.4); pad_len < block <= 16 fits a byte.
        for (b, n) in padding.iter_mut().zip(1u8..) {
            *b = n;
        }
        fields.copy_from_slice(&[pad_len as u8, next_header]);
        self.keys.cipher().encrypt(self.keys.enc_key(), iv, plain)?;

        let (covered, icv) = out.split_at_mut(total - icv_len);
        icv.copy_from_slice(&self.keys.integ().icv(self.keys.auth_key(), covered));
        self.last_seq = seq;
        Ok(total)
    }
}

/// SPI 0 is reserved for local use and 1-255 for IANA (RFC 4303 section 2.1); on port 4500 a
/// zero SPI would even be read as the non-ESP marker.
pub(super) fn check_spi(spi: u32) -> Result<(), EspError> {
    if spi <= 255 {
        Err(EspError::ReservedSpi { spi })
    } else {
        Ok(())
    }
}
