//! Both directions of an ESP SA, as one Quick Mode negotiates them.

use super::{EspError, EspKeys, InboundSa, IntegAlg, OutboundSa};
use crate::crypto::CipherAlg;

/// The outbound and inbound SA of one negotiated ESP proposal.
///
/// IKEv1 derives a separate KEYMAT per direction, each from that direction's SPI (the SPI the
/// receiver chose), so the pair is built from two KEYMATs.
#[derive(Clone, Debug)]
pub struct SaPair {
    /// Sends to the peer's SPI.
    pub outbound: OutboundSa,
    /// Accepts packets to our SPI.
    pub inbound: InboundSa,
}

impl SaPair {
    /// Builds both SAs; each KEYMAT holds the encryption key first, then the integrity key.
    pub fn from_keymat(
        cipher: CipherAlg,
        integ: IntegAlg,
        out_spi: u32,
        out_keymat: &[u8],
        in_spi: u32,
        in_keymat: &[u8],
    ) -> Result<Self, EspError> {
        Ok(Self {
            outbound: OutboundSa::new(out_spi, EspKeys::from_keymat(cipher, integ, out_keymat)?)?,
            inbound: InboundSa::new(in_spi, EspKeys::from_keymat(cipher, integ, in_keymat)?)?,
        })
    }
}
