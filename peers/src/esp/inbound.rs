//! The receiving side of an ESP SA: anti-replay, ICV, decryption, trailer (RFC 4303 section 3.4).

use core::ops::Range;

use super::outbound::check_spi;
use super::{EspError, EspKeys, ReplayWindow};
use crate::wire::esp::{HEADER_LEN, Packet};

/// How strictly the receiver checks the padding bytes, which RFC 4303 section 2.4 lets it
/// check ("MAY") but does not require.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum PaddingCheck {
    /// Padding must be 1, 2, 3, ...; anything else is [`EspError::BadPadding`].
    #[default]
    Strict,
    /// Only the pad length is checked, for peers that pad with other bytes.
    Lenient,
}

/// An accepted ESP packet's contents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decapsulated<P = Vec<u8>> {
    /// What the payload is: 4 (IPv4) in tunnel mode, a transport protocol otherwise, 59 for a
    /// dummy packet the caller should drop.
    pub next_header: u8,
    /// The inner packet, padding and trailer removed.
    pub payload: P,
    /// The packet's sequence number.
    pub seq: u32,
}

/// An inbound ESP SA: our SPI, the keys and the anti-replay window.
#[derive(Clone, Debug)]
pub struct InboundSa {
    spi: u32,
    keys: EspKeys,
    window: ReplayWindow,
    padding: PaddingCheck,
}

/// Where the parts of an authenticated packet lie.
struct Layout {
    seq: u32,
    iv: Range<usize>,
    ciphertext: Range<usize>,
}

impl InboundSa {
    /// An SA that accepts packets to `spi` (which we chose), checking padding strictly.
    pub fn new(spi: u32, keys: EspKeys) -> Result<Self, EspError> {
        check_spi(spi)?;
        Ok(Self {
            spi,
            keys,
            window: ReplayWindow::new(),
            padding: PaddingCheck::default(),
        })
    }

    /// The same SA with another padding policy.
    pub fn with_padding_check(mut self, padding: PaddingCheck) -> Self {
        self.padding = padding;
        self
    }

    /// Our SPI, which the packets must carry.
    pub fn spi(&self) -> u32 {
        self.spi
    }

    /// The algorithms and keys.
    pub fn keys(&self) -> &EspKeys {
        &self.keys
    }

    /// The anti-replay window.
    pub fn window(&self) -> &ReplayWindow {
        &self.window
    }

    /// Smallest acceptable packet: header, IV, one cipher block (it holds the trailer), ICV.
    pub fn min_packet_len(&self) -> usize {
        self.keys.overhead() + self.keys.cipher().block_size()
    }

    /// Verifies and decrypts `packet`, returning a copy of the inner payload. The anti-replay
    /// window moves once the ICV verifies, even if the padding is then refused: the sender
    /// really did use that sequence number.
    pub fn decapsulate(&mut self, packet: &[u8]) -> Result<Decapsulated, EspError> {
        let layout = self.authenticate(packet)?;
        let mut plain = packet[layout.ciphertext].to_vec();
        self.keys
            .cipher()
            .decrypt(self.keys.enc_key(), &packet[layout.iv], &mut plain)?;
        let (len, next_header) = self.trailer(&plain)?;
        plain.truncate(len);
        Ok(Decapsulated {
            next_header,
            payload: plain,
            seq: layout.seq,
        })
    }

    /// Like [`Self::decapsulate`], decrypting inside `packet` and returning the payload as a
    /// slice of it; after an error past the ICV check the buffer holds plaintext.
    pub fn decapsulate_in_place<'a>(
        &mut self,
        packet: &'a mut [u8],
    ) -> Result<Decapsulated<&'a mut [u8]>, EspError> {
        let layout = self.authenticate(packet)?;
        let (head, tail) = packet.split_at_mut(layout.ciphertext.start);
        let plain = &mut tail[..layout.ciphertext.len()];
        self.keys
            .cipher()
            .decrypt(self.keys.enc_key(), &head[layout.iv], plain)?;
        let (len, next_header) = self.trailer(plain)?;
        Ok(Decapsulated {
            next_header,
            payload: &mut plain[..len],
            seq: layout.seq,
        })
    }

    /// Checks SPI, lengths, the window and the ICV, in the order RFC 4303 section 3.4 gives
    /// (the cheap replay test before the HMAC), then moves the window.
    fn authenticate(&mut self, packet: &[u8]) -> Result<Layout, EspError> {
        let view = Packet::new_checked(packet).map_err(|_| EspError::Truncated {
            len: packet.len(),
            min: self.min_packet_len(),
        })?;
        if view.spi() != self.spi {
            return Err(EspError::WrongSpi {
                expected: self.spi,
                got: view.spi(),
            });
        }
        let min = self.min_packet_len();
        if packet.len() < min {
            return Err(EspError::Truncated {
                len: packet.len(),
                min,
            });
        }
        let block = self.keys.cipher().block_size();
        let icv_len = self.keys.integ().icv_len();
        let iv = HEADER_LEN..HEADER_LEN + block;
        let ciphertext = iv.end..packet.len() - icv_len;
        if ciphertext.len() % block != 0 {
            return Err(EspError::Misaligned {
                len: ciphertext.len(),
                block,
            });
        }
        let seq = view.seq_number();
        self.window.check(seq)?;
        let (covered, icv) = packet.split_at(ciphertext.end);
        if !self.keys.integ().verify(self.keys.auth_key(), covered, icv) {
            return Err(EspError::IcvMismatch);
        }
        self.window.accept(seq);
        Ok(Layout {
            seq,
            iv,
            ciphertext,
        })
    }

    /// Reads pad length and next header from the end of `plain` and checks the padding;
    /// returns the payload length and the next header.
    fn trailer(&self, plain: &[u8]) -> Result<(usize, u8), EspError> {
        let [body @ .., pad_len, next_header] = plain else {
            // Unreachable: authenticate() guarantees at least one block.
            return Err(EspError::Truncated {
                len: plain.len(),
                min: 2,
            });
        };
        let room = body.len();
        let payload_len =
            room.checked_sub(usize::from(*pad_len))
                .ok_or(EspError::BadPadLength {
                    pad_len: *pad_len,
                    room,
                })?;
        if self.padding == PaddingCheck::Strict
            && !body[payload_len..].iter().zip(1u8..).all(|(b, n)| *b == n)
        {
            return Err(EspError::BadPadding { pad_len: *pad_len });
        }
        Ok((payload_len, *next_header))
    }
}
