//! Any packet through ESP decapsulation with fixed keys, for each cipher and integrity
//! algorithm (the first input byte picks them).
#![no_main]

use ikelab_peers::crypto::CipherAlg;
use ikelab_peers::esp::{EspKeys, InboundSa, IntegAlg};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((pick, packet)) = data.split_first() else { return };
    let ciphers = [
        CipherAlg::AesCbc { key_len: 16 },
        CipherAlg::AesCbc { key_len: 32 },
        CipherAlg::TripleDesCbc,
    ];
    let cipher = ciphers[usize::from(*pick) % ciphers.len()];
    let integ = IntegAlg::ALL[usize::from(*pick / 3) % IntegAlg::ALL.len()];
    let keymat: Vec<u8> = (0u8..=255).collect();
    let Ok(keys) = EspKeys::from_keymat(cipher, integ, &keymat) else { return };
    let Ok(mut sa) = InboundSa::new(0x1000, keys) else { return };
    let _ = sa.decapsulate(packet);
});
