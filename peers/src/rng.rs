//! Randomness as an input: every random byte the engine uses (cookies, nonces, DH secrets, SPIs,
//! IVs, padding) is drawn from a [`Random`] the caller hands in, so a seeded run is reproducible.

use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};

/// A source of random bytes.
pub trait Random {
    /// Fills `buf` with random bytes.
    fn fill(&mut self, buf: &mut [u8]);

    /// A random `u32` (SPIs, message IDs).
    fn next_u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        self.fill(&mut b);
        u32::from_be_bytes(b)
    }
}

/// A deterministic generator (ChaCha20) seeded from a `u64`.
#[derive(Clone, Debug)]
pub struct SeededRandom(ChaCha20Rng);

impl SeededRandom {
    /// A generator whose whole output is determined by `seed`.
    pub fn new(seed: u64) -> Self {
        Self(ChaCha20Rng::seed_from_u64(seed))
    }
}

impl Random for SeededRandom {
    fn fill(&mut self, buf: &mut [u8]) {
        self.0.fill_bytes(buf);
    }
}

/// Replays fixed bytes, for tests that must reproduce a captured value (an IV, a nonce).
#[derive(Clone, Debug, Default)]
pub struct FixedRandom {
    bytes: Vec<u8>,
    pos: usize,
}

impl FixedRandom {
    /// Yields `bytes` in order, then zeros.
    pub fn new(bytes: &[u8]) -> Self {
        Self {
            bytes: bytes.to_vec(),
            pos: 0,
        }
    }
}

impl Random for FixedRandom {
    fn fill(&mut self, buf: &mut [u8]) {
        for b in buf {
            *b = self.bytes.get(self.pos).copied().unwrap_or(0);
            self.pos += 1;
        }
    }
}
