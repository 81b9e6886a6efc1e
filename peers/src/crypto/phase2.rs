//! Quick Mode and Informational hashes and phase-2 KEYMAT (RFC 2409 sections 5.5 and 5.7).
//!
//! "Payloads after HASH" means the bytes of every payload that follows the HASH payload, generic
//! headers included, up to the end of the last payload: ISAKMP padding is not hashed, because its
//! length is only implied by the header length and differs between implementations.

use super::hash::HashAlg;

/// Quick Mode HASH(1) = prf(SKEYID_a, M-ID | payloads after HASH).
pub fn qm_hash1(prf: HashAlg, skeyid_a: &[u8], msgid: u32, after_hash: &[u8]) -> Vec<u8> {
    prf.prf(skeyid_a, &[&msgid.to_be_bytes(), after_hash])
}

/// Quick Mode HASH(2) = prf(SKEYID_a, M-ID | Ni_b | payloads after HASH).
///
/// `ni_b` is the initiator's Quick Mode nonce body (from the first message, not phase 1).
pub fn qm_hash2(
    prf: HashAlg,
    skeyid_a: &[u8],
    msgid: u32,
    ni_b: &[u8],
    after_hash: &[u8],
) -> Vec<u8> {
    prf.prf(skeyid_a, &[&msgid.to_be_bytes(), ni_b, after_hash])
}

/// Quick Mode HASH(3) = prf(SKEYID_a, 0x00 | M-ID | Ni_b | Nr_b), with the Quick Mode nonces.
pub fn qm_hash3(prf: HashAlg, skeyid_a: &[u8], msgid: u32, ni_b: &[u8], nr_b: &[u8]) -> Vec<u8> {
    prf.prf(skeyid_a, &[&[0], &msgid.to_be_bytes(), ni_b, nr_b])
}

/// Informational HASH(1) = prf(SKEYID_a, M-ID | payloads after HASH) (RFC 2409 section 5.7).
pub fn info_hash(prf: HashAlg, skeyid_a: &[u8], msgid: u32, after_hash: &[u8]) -> Vec<u8> {
    prf.prf(skeyid_a, &[&msgid.to_be_bytes(), after_hash])
}

/// The per-SA part of KEYMAT's input: protocol | SPI | Ni_b | Nr_b (strongSwan logs it as the
/// "SA seed").
///
/// `spi` is the SPI of the SA being keyed, i.e. the one its receiver chose; `protocol` is the
/// proposal's protocol ID (3 for ESP, 2 for AH).
pub fn sa_seed(protocol: u8, spi: u32, ni_b: &[u8], nr_b: &[u8]) -> Vec<u8> {
    let mut seed = Vec::with_capacity(5 + ni_b.len() + nr_b.len());
    seed.push(protocol);
    seed.extend_from_slice(&spi.to_be_bytes());
    seed.extend_from_slice(ni_b);
    seed.extend_from_slice(nr_b);
    seed
}

/// `len` bytes of KEYMAT for one SA: K1 = prf(SKEYID_d, src), Kn = prf(SKEYID_d, Kn-1 | src),
/// with src = [g(qm)^xy |] seed.
///
/// `gxy_qm` is the Quick Mode shared secret when PFS was negotiated. The caller takes the
/// encryption key first and the integrity key from the bytes that follow.
pub fn keymat(
    prf: HashAlg,
    skeyid_d: &[u8],
    gxy_qm: Option<&[u8]>,
    seed: &[u8],
    len: usize,
) -> Vec<u8> {
    let gxy = gxy_qm.unwrap_or(&[]);
    let mut out = Vec::with_capacity(len + prf.output_len());
    let mut k: Vec<u8> = Vec::new();
    while out.len() < len {
        k = prf.prf(skeyid_d, &[&k, gxy, seed]);
        out.extend_from_slice(&k);
    }
    out.truncate(len);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hex::hex;

    fn seed() -> Vec<u8> {
        sa_seed(3, 0x0102_0304, &[0xaa; 16], &[0xbb; 16])
    }

    // Expected KEYMAT values come from Python's hmac module.

    #[test]
    fn keymat_without_pfs_over_three_rounds() {
        let km = keymat(HashAlg::Sha1, &[0x11; 20], None, &seed(), 50);
        assert_eq!(
            hex(&km),
            "8545882bdbf4c200c1b5dad67a332939bbfdfaddd65c022e2e6f4d204755441f\
             7bc8c0b35c345046d1bef20fab7630a3a5f9"
        );
        // Shorter requests are prefixes.
        assert_eq!(
            keymat(HashAlg::Sha1, &[0x11; 20], None, &seed(), 36),
            km[..36]
        );
        assert!(keymat(HashAlg::Sha1, &[0x11; 20], None, &seed(), 0).is_empty());
    }

    #[test]
    fn keymat_with_pfs_prepends_the_qm_secret() {
        let km = keymat(HashAlg::Sha1, &[0x11; 20], Some(&[0x22; 96]), &seed(), 36);
        assert_eq!(
            hex(&km),
            "a2274451a23b3b9eaa47268dc0df7e097a9a6b89399ee3c7993f8e238dadf5f4aa733306"
        );
    }

    #[test]
    fn sa_seed_layout() {
        let s = seed();
        assert_eq!(s.len(), 37);
        assert_eq!(&s[..5], &[3, 1, 2, 3, 4]);
    }

    #[test]
    fn hashes_cover_the_documented_inputs() {
        let p = HashAlg::Sha1;
        let a = [5u8; 20];
        let mid = 0xfbe4_20a8u32;
        let m = mid.to_be_bytes();
        assert_eq!(qm_hash1(p, &a, mid, b"pl"), p.prf(&a, &[&m, b"pl"]));
        assert_eq!(info_hash(p, &a, mid, b"pl"), p.prf(&a, &[&m, b"pl"]));
        assert_eq!(
            qm_hash2(p, &a, mid, b"ni", b"pl"),
            p.prf(&a, &[&m, b"ni", b"pl"])
        );
        assert_eq!(
            qm_hash3(p, &a, mid, b"ni", b"nr"),
            p.prf(&a, &[&[0], &m, b"ni", b"nr"])
        );
    }
}
