//! Phase-1 (Main Mode) keys and authentication hashes for pre-shared keys, RFC 2409 sections 5
//! and 5.4 with appendix B's key expansion, as racoon and strongSwan compute them.

use std::fmt;

use super::hash::HashAlg;

/// SKEYID for pre-shared key authentication: `prf(PSK, Ni_b | Nr_b)`.
///
/// `ni_b` and `nr_b` are the Nonce payload bodies (without generic headers).
pub fn skeyid_psk(prf: HashAlg, psk: &[u8], ni_b: &[u8], nr_b: &[u8]) -> Vec<u8> {
    prf.prf(psk, &[ni_b, nr_b])
}

/// The phase-1 cipher key Ka from SKEYID_e (RFC 2409 appendix B).
///
/// When SKEYID_e is at least `key_len` bytes, Ka is its prefix. Otherwise Ka is the prefix of
/// K1 | K2 | ... with K1 = prf(SKEYID_e, 0x00) and Kn = prf(SKEYID_e, Kn-1); SKEYID_e itself is
/// not part of it (racoon's and strongSwan's reading, needed e.g. for 3DES with SHA-1).
pub fn expand_ka(prf: HashAlg, skeyid_e: &[u8], key_len: usize) -> Vec<u8> {
    if skeyid_e.len() >= key_len {
        return skeyid_e[..key_len].to_vec();
    }
    let mut out = Vec::with_capacity(key_len + prf.output_len());
    let mut k = prf.prf(skeyid_e, &[&[0u8]]);
    loop {
        out.extend_from_slice(&k);
        if out.len() >= key_len {
            break;
        }
        k = prf.prf(skeyid_e, &[&k]);
    }
    out.truncate(key_len);
    out
}

/// The keying material phase 1 establishes.
///
/// `Debug` prints only lengths: these are the secrets that protect every later exchange.
#[derive(Clone)]
pub struct Phase1Keys {
    /// The negotiated PRF (HMAC over the negotiated hash).
    pub prf: HashAlg,
    /// SKEYID, which keys HASH_I and HASH_R.
    pub skeyid: Vec<u8>,
    /// SKEYID_d, which keys phase-2 KEYMAT.
    pub skeyid_d: Vec<u8>,
    /// SKEYID_a, which keys phase-2 and Informational hashes.
    pub skeyid_a: Vec<u8>,
    /// SKEYID_e, from which Ka is taken.
    pub skeyid_e: Vec<u8>,
    /// Ka, the ISAKMP cipher key.
    pub ka: Vec<u8>,
}

impl fmt::Debug for Phase1Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |v: &Vec<u8>| format!("<{} bytes redacted>", v.len());
        f.debug_struct("Phase1Keys")
            .field("prf", &self.prf)
            .field("skeyid", &redacted(&self.skeyid))
            .field("skeyid_d", &redacted(&self.skeyid_d))
            .field("skeyid_a", &redacted(&self.skeyid_a))
            .field("skeyid_e", &redacted(&self.skeyid_e))
            .field("ka", &redacted(&self.ka))
            .finish()
    }
}

/// The public values of a Main Mode exchange that HASH_I and HASH_R cover.
#[derive(Clone, Copy, Debug)]
pub struct HashInputs<'a> {
    /// The initiator's KE payload body, g^xi.
    pub gxi: &'a [u8],
    /// The responder's KE payload body, g^xr.
    pub gxr: &'a [u8],
    /// The initiator cookie.
    pub cky_i: &'a [u8; 8],
    /// The responder cookie.
    pub cky_r: &'a [u8; 8],
    /// The body of the initiator's SA payload (DOI, situation, proposals), without its header.
    pub sai_b: &'a [u8],
}

impl Phase1Keys {
    /// SKEYID_d, SKEYID_a, SKEYID_e and Ka from SKEYID (RFC 2409 section 5).
    ///
    /// `gxy` is the fixed-length shared secret; `key_len` is the phase-1 cipher's key length.
    pub fn derive(
        prf: HashAlg,
        skeyid: Vec<u8>,
        gxy: &[u8],
        cky_i: &[u8; 8],
        cky_r: &[u8; 8],
        key_len: usize,
    ) -> Self {
        let skeyid_d = prf.prf(&skeyid, &[gxy, cky_i, cky_r, &[0]]);
        let skeyid_a = prf.prf(&skeyid, &[&skeyid_d, gxy, cky_i, cky_r, &[1]]);
        let skeyid_e = prf.prf(&skeyid, &[&skeyid_a, gxy, cky_i, cky_r, &[2]]);
        let ka = expand_ka(prf, &skeyid_e, key_len);
        Self {
            prf,
            skeyid,
            skeyid_d,
            skeyid_a,
            skeyid_e,
            ka,
        }
    }

    /// HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b).
    ///
    /// `idii_b` is the initiator's ID payload body (ID type, protocol, port, data).
    pub fn hash_i(&self, v: &HashInputs<'_>, idii_b: &[u8]) -> Vec<u8> {
        self.prf.prf(
            &self.skeyid,
            &[v.gxi, v.gxr, v.cky_i, v.cky_r, v.sai_b, idii_b],
        )
    }

    /// HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b).
    ///
    /// Note that SAi_b is still the initiator's SA body: the responder hashes what it was offered.
    pub fn hash_r(&self, v: &HashInputs<'_>, idir_b: &[u8]) -> Vec<u8> {
        self.prf.prf(
            &self.skeyid,
            &[v.gxr, v.gxi, v.cky_r, v.cky_i, v.sai_b, idir_b],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hex::hex;

    // Expected values below come from Python's hmac module, not from this code.

    #[test]
    fn ka_is_a_prefix_when_skeyid_e_is_long_enough() {
        let e: Vec<u8> = (0..20).collect();
        assert_eq!(expand_ka(HashAlg::Sha1, &e, 16), e[..16].to_vec());
        assert_eq!(expand_ka(HashAlg::Sha1, &e, 20), e);
    }

    #[test]
    fn ka_expansion_for_3des_with_sha1() {
        let e: Vec<u8> = (0..20).collect();
        assert_eq!(
            hex(&expand_ka(HashAlg::Sha1, &e, 24)),
            "1e5fd6a5cbc98bd4c1fe20d5e5fb2ed1df330c93a33c043c"
        );
    }

    #[test]
    fn ka_expansion_over_three_rounds() {
        let e: Vec<u8> = (0..16).collect();
        assert_eq!(
            hex(&expand_ka(HashAlg::Md5, &e, 40)),
            "5d76401b50b90caee409473960c04a9614b5f3b70b892097525b06f252c61fbeb621fedde384ff88"
        );
    }

    #[test]
    fn derivation_chains_each_key_into_the_next() {
        let prf = HashAlg::Sha1;
        let skeyid = skeyid_psk(prf, b"hogehoge", &[1; 16], &[2; 16]);
        assert_eq!(skeyid, prf.prf(b"hogehoge", &[&[1; 16], &[2; 16]]));
        let gxy = [7u8; 128];
        let (ci, cr) = ([0xc1; 8], [0xc2; 8]);
        let k = Phase1Keys::derive(prf, skeyid.clone(), &gxy, &ci, &cr, 16);
        let mut d_in = gxy.to_vec();
        d_in.extend_from_slice(&ci);
        d_in.extend_from_slice(&cr);
        d_in.push(0);
        assert_eq!(k.skeyid_d, prf.prf(&skeyid, &[&d_in]));
        let mut a_in = k.skeyid_d.clone();
        a_in.extend_from_slice(&d_in[..d_in.len() - 1]);
        a_in.push(1);
        assert_eq!(k.skeyid_a, prf.prf(&skeyid, &[&a_in]));
        assert_eq!(k.ka, k.skeyid_e[..16].to_vec());
        assert_eq!(k.ka.len(), 16);
    }

    #[test]
    fn hash_r_swaps_the_order_but_keeps_sai() {
        let prf = HashAlg::Sha1;
        let k = Phase1Keys::derive(prf, vec![9; 20], &[1; 96], &[3; 8], &[4; 8], 16);
        let v = HashInputs {
            gxi: &[0xa; 96],
            gxr: &[0xb; 96],
            cky_i: &[3; 8],
            cky_r: &[4; 8],
            sai_b: b"sa",
        };
        assert_eq!(
            k.hash_i(&v, b"id"),
            prf.prf(
                &[9; 20],
                &[&[0xa; 96], &[0xb; 96], &[3; 8], &[4; 8], b"sa", b"id"]
            )
        );
        assert_eq!(
            k.hash_r(&v, b"id"),
            prf.prf(
                &[9; 20],
                &[&[0xb; 96], &[0xa; 96], &[4; 8], &[3; 8], b"sa", b"id"]
            )
        );
    }

    #[test]
    fn debug_redacts_secrets() {
        let k = Phase1Keys::derive(
            HashAlg::Sha1,
            vec![0xab; 20],
            &[1; 96],
            &[3; 8],
            &[4; 8],
            16,
        );
        let shown = format!("{k:?}");
        assert!(shown.contains("redacted"));
        assert!(!shown.contains("171"), "{shown}");
        assert!(!shown.to_lowercase().contains("ab, ab"), "{shown}");
    }
}
