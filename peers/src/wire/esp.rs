//! ESP packet format (RFC 4303) and UDP encapsulation (RFC 3948).
//!
//! The ESP header is only SPI and sequence number; everything after it (IV, ciphertext, ICV) has
//! lengths that depend on the negotiated algorithms, so this view hands it out as one slice and
//! the SA in [`crate::esp`] splits it. On UDP port 4500 ESP shares the socket with IKE and
//! NAT-keepalives; [`classify_udp_4500`] tells the three apart as RFC 3948 section 2 prescribes.

/// UDP port shared by NAT-traversed IKE and UDP-encapsulated ESP (RFC 3948).
pub const NAT_T_PORT: u16 = 4500;

/// The four zero bytes that precede an IKE message on port 4500, where an ESP SPI would be;
/// zero is never a valid SPI (RFC 4303 section 2.1), so the two cannot be confused.
pub const NON_ESP_MARKER: [u8; 4] = [0; 4];

/// The one-byte payload of a NAT-keepalive (RFC 3948 section 2.3).
pub const NAT_KEEPALIVE: u8 = 0xFF;

/// Values of the ESP "next header" field (IANA protocol numbers) that ikelab uses.
pub mod next_header {
    /// ICMP, for transport-mode pings.
    pub const ICMP: u8 = 1;
    /// IPv4 inside ESP: tunnel mode (IP-in-IP).
    pub const IPV4: u8 = 4;
    /// TCP, transport mode.
    pub const TCP: u8 = 6;
    /// UDP, transport mode.
    pub const UDP: u8 = 17;
    /// IPv6 inside ESP: tunnel mode.
    pub const IPV6: u8 = 41;
    /// "No next header": a dummy packet (RFC 4303 section 2.6) that the receiver must drop.
    pub const NO_NEXT_HEADER: u8 = 59;
}

/// Why bytes are not an ESP header or a port-4500 payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// Fewer bytes than the smallest valid form.
    #[error("{len} bytes, at least {min} needed")]
    Truncated {
        /// Bytes present.
        len: usize,
        /// Bytes needed.
        min: usize,
    },
    /// SPI zero is reserved (RFC 4303 section 2.1) and on port 4500 means "IKE follows".
    #[error("ESP SPI is zero")]
    ZeroSpi,
}

mod field {
    use core::ops::{Range, RangeFrom};

    pub const SPI: Range<usize> = 0..4;
    pub const SEQ: Range<usize> = 4..8;
    pub const PAYLOAD: RangeFrom<usize> = 8..;
}

/// Length of the ESP header (SPI and sequence number).
pub const HEADER_LEN: usize = field::PAYLOAD.start;

/// A read/write view of an ESP packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps `buffer` without checking; accessors may panic until [`Self::check_len`] passes.
    pub const fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps `buffer` after checking it holds a full header, so no accessor can panic.
    pub fn new_checked(buffer: T) -> Result<Self, ParseError> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// Ensures the buffer holds the 8-byte header.
    pub fn check_len(&self) -> Result<(), ParseError> {
        let len = self.buffer.as_ref().len();
        if len < HEADER_LEN {
            Err(ParseError::Truncated {
                len,
                min: HEADER_LEN,
            })
        } else {
            Ok(())
        }
    }

    /// The wrapped buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The whole packet, header included (what the ICV covers, plus the ICV).
    pub fn as_bytes(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    /// Security Parameters Index: selects the receiver's SA.
    pub fn spi(&self) -> u32 {
        read_u32(&self.buffer.as_ref()[field::SPI])
    }

    /// Sequence number: 1 for the first packet of an SA, never reused.
    pub fn seq_number(&self) -> u32 {
        read_u32(&self.buffer.as_ref()[field::SEQ])
    }

    /// IV, ciphertext and ICV, still joined: their split depends on the SA's algorithms.
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[field::PAYLOAD]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Sets the SPI.
    pub fn set_spi(&mut self, spi: u32) {
        self.buffer.as_mut()[field::SPI].copy_from_slice(&spi.to_be_bytes());
    }

    /// Sets the sequence number.
    pub fn set_seq_number(&mut self, seq: u32) {
        self.buffer.as_mut()[field::SEQ].copy_from_slice(&seq.to_be_bytes());
    }

    /// IV, ciphertext and ICV, for writing.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        &mut self.buffer.as_mut()[field::PAYLOAD]
    }
}

fn read_u32(b: &[u8]) -> u32 {
    let mut word = [0u8; 4];
    word.copy_from_slice(b);
    u32::from_be_bytes(word)
}

/// The parsed ESP header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Repr {
    /// Security Parameters Index, never zero.
    pub spi: u32,
    /// Sequence number.
    pub seq_number: u32,
}

impl Repr {
    /// Parses the header, refusing the reserved SPI zero.
    pub fn parse<T: AsRef<[u8]>>(packet: &Packet<T>) -> Result<Self, ParseError> {
        packet.check_len()?;
        if packet.spi() == 0 {
            return Err(ParseError::ZeroSpi);
        }
        Ok(Self {
            spi: packet.spi(),
            seq_number: packet.seq_number(),
        })
    }

    /// Bytes the header occupies.
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }

    /// Writes the header into `packet`, which must already hold [`Self::buffer_len`] bytes.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut Packet<T>) {
        packet.set_spi(self.spi);
        packet.set_seq_number(self.seq_number);
    }
}

/// What a UDP datagram to or from port 4500 carries (RFC 3948 section 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Udp4500<'a> {
    /// A NAT-keepalive: keeps the NAT mapping alive, carries nothing.
    Keepalive,
    /// An IKE message, with the non-ESP marker already stripped.
    Ike(&'a [u8]),
    /// An ESP packet (SPI non-zero, header present).
    Esp(Packet<&'a [u8]>),
}

/// Classifies a port-4500 UDP payload as keepalive, IKE or ESP.
pub fn classify_udp_4500(payload: &[u8]) -> Result<Udp4500<'_>, ParseError> {
    match payload {
        [] => Err(ParseError::Truncated { len: 0, min: 1 }),
        [NAT_KEEPALIVE] => Ok(Udp4500::Keepalive),
        [0, 0, 0, 0, ike @ ..] => Ok(Udp4500::Ike(ike)),
        _ => Packet::new_checked(payload).map(Udp4500::Esp),
    }
}

/// An IKE message as it goes out on port 4500: the non-ESP marker, then the message.
pub fn prepend_non_esp_marker(ike: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(NON_ESP_MARKER.len() + ike.len());
    out.extend_from_slice(&NON_ESP_MARKER);
    out.extend_from_slice(ike);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const ESP: [u8; 12] = [0x3a, 0xde, 0x4c, 0x05, 0, 0, 0, 7, 0xaa, 0xbb, 0xcc, 0xdd];

    #[test]
    fn header_fields() {
        let p = Packet::new_checked(&ESP[..]).unwrap();
        assert_eq!(p.spi(), 0x3ade4c05);
        assert_eq!(p.seq_number(), 7);
        assert_eq!(p.payload(), &[0xaa, 0xbb, 0xcc, 0xdd]);
        let repr = Repr::parse(&p).unwrap();
        let mut buf = [0u8; 8];
        repr.emit(&mut Packet::new_unchecked(&mut buf[..]));
        assert_eq!(buf, ESP[..8]);
        assert_eq!(repr.buffer_len(), 8);
    }

    #[test]
    fn short_or_zero_spi_refused() {
        assert_eq!(
            Packet::new_checked(&ESP[..7]),
            Err(ParseError::Truncated { len: 7, min: 8 })
        );
        let zero = [0u8; 8];
        assert_eq!(
            Repr::parse(&Packet::new_checked(&zero[..]).unwrap()),
            Err(ParseError::ZeroSpi)
        );
    }

    #[test]
    fn classifies_port_4500() {
        assert_eq!(classify_udp_4500(&[0xff]), Ok(Udp4500::Keepalive));
        assert_eq!(
            classify_udp_4500(&[0, 0, 0, 0, 1, 2]),
            Ok(Udp4500::Ike(&[1, 2]))
        );
        assert!(matches!(classify_udp_4500(&ESP), Ok(Udp4500::Esp(p)) if p.seq_number() == 7));
        assert_eq!(
            classify_udp_4500(&[]),
            Err(ParseError::Truncated { len: 0, min: 1 })
        );
        assert_eq!(
            classify_udp_4500(&[0, 0]),
            Err(ParseError::Truncated { len: 2, min: 8 })
        );
        assert_eq!(
            classify_udp_4500(&ESP[..5]),
            Err(ParseError::Truncated { len: 5, min: 8 })
        );
    }

    #[test]
    fn marker_round_trip() {
        let wrapped = prepend_non_esp_marker(b"ike!");
        assert_eq!(wrapped, b"\0\0\0\0ike!");
        assert_eq!(classify_udp_4500(&wrapped), Ok(Udp4500::Ike(b"ike!")));
    }
}
