//! ISAKMP padding as racoon sends it, and the rule for receiving it.
//!
//! racoon always pads, a whole block when the payloads are already aligned, fills the pad with
//! random bytes and puts the pad length minus one in the last byte (its "exclusive tail"
//! option, on by default). The packet sizes in the vendor interop document follow from this.
//! Receivers must not rely on any of it: libreswan sends no padding at all when the payloads are
//! aligned and strongSwan's last byte differs, so the payload chain, not the pad, says where the
//! message ends.

use crate::rng::Random;

/// How many pad bytes racoon adds to `len` bytes of payloads: always 1..=`block`.
///
/// A `block` of 0 is treated as 1 (no cipher has one).
pub fn pad_len(len: usize, block: usize) -> usize {
    let block = block.max(1);
    block - len % block
}

/// Appends racoon's padding to `payloads` so that it becomes a whole number of `block`s.
///
/// The pad bytes come from `rng`; the last one is set to the pad length minus one.
pub fn pad<R: Random + ?Sized>(payloads: &mut Vec<u8>, block: usize, rng: &mut R) {
    let n = pad_len(payloads.len(), block);
    let start = payloads.len();
    payloads.resize(start + n, 0);
    rng.fill(&mut payloads[start..]);
    // `n` is at most one block; real blocks (8 or 16 bytes) keep this within a byte.
    payloads[start + n - 1] = (n - 1) as u8;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{FixedRandom, SeededRandom};

    /// The vendor document's encrypted packet sizes: 28-byte header + payloads + padding.
    #[test]
    fn document_packet_sizes() {
        for (payloads, padding, packet) in [
            (128, 16, 172),
            (120, 8, 156),
            (24, 8, 60),
            (52, 12, 92),
            (40, 8, 76),
        ] {
            assert_eq!(pad_len(payloads, 16), padding, "{payloads}");
            assert_eq!(28 + payloads + padding, packet);
        }
    }

    #[test]
    fn always_between_one_and_a_block() {
        for block in [8, 16] {
            for len in 0..100 {
                let n = pad_len(len, block);
                assert!((1..=block).contains(&n));
                assert_eq!((len + n) % block, 0);
            }
        }
        assert_eq!(pad_len(5, 0), 1);
    }

    #[test]
    fn random_fill_with_exclusive_tail() {
        let mut rng = FixedRandom::new(&[0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8]);
        let mut body = vec![0x55; 52];
        pad(&mut body, 16, &mut rng);
        assert_eq!(body.len(), 64);
        assert_eq!(
            &body[52..63],
            &[0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0, 0, 0]
        );
        assert_eq!(body[63], 11);

        let mut aligned = vec![0u8; 32];
        pad(&mut aligned, 16, &mut SeededRandom::new(1));
        assert_eq!(aligned.len(), 48);
        assert_eq!(aligned[47], 15);
    }
}
