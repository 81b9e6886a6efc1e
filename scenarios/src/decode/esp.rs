//! Passive ESP decryption with the SAs of an `esp_sa` key file.

use std::net::{IpAddr, Ipv4Addr};

use ikelab_peers::crypto::CipherAlg;
use ikelab_peers::esp::{EspError, EspKeys, InboundSa, IntegAlg, PaddingCheck};
use ikelab_peers::wire::esp::Packet;

use super::keys::{EspEncryption, EspIntegrity, KeyStore};
use super::record::{Decryption, EspRecord};

/// Decodes one ESP packet between `src` and `dst`.
pub fn decode(
    src: Ipv4Addr,
    dst: Ipv4Addr,
    bytes: &[u8],
    keys: Option<&KeyStore>,
) -> Result<EspRecord, String> {
    let packet = Packet::new_checked(bytes).map_err(|e| format!("ESP: {e}"))?;
    let mut rec = EspRecord {
        spi: packet.spi(),
        seq: packet.seq_number(),
        length: bytes.len(),
        decryption: Decryption::NoKey,
        icv: None,
        note: None,
        next_header: None,
        inner: None,
    };
    let Some(key) = keys.and_then(|k| k.esp_key(IpAddr::V4(src), IpAddr::V4(dst), rec.spi)) else {
        return Ok(rec);
    };
    let cipher = match key.encryption {
        EspEncryption::AesCbc => CipherAlg::AesCbc {
            key_len: key.enc_key.len(),
        },
        EspEncryption::TripleDesCbc => CipherAlg::TripleDesCbc,
        EspEncryption::Null => {
            rec.note = Some("NULL encryption is not supported by the decoder".into());
            return Ok(rec);
        }
    };
    let integ = match key.integrity {
        EspIntegrity::HmacSha1_96 => IntegAlg::HmacSha1_96,
        EspIntegrity::HmacMd5_96 => IntegAlg::HmacMd5_96,
        EspIntegrity::HmacSha256_128 => IntegAlg::HmacSha256_128,
        EspIntegrity::Null => {
            rec.note = Some("ESP without integrity is not supported by the decoder".into());
            return Ok(rec);
        }
    };
    rec.decryption = Decryption::Failed;
    let sa = EspKeys::new(cipher, &key.enc_key, integ, &key.auth_key)
        .and_then(|k| InboundSa::new(rec.spi, k))
        .map(|sa| sa.with_padding_check(PaddingCheck::Lenient));
    // A fresh SA per packet: a decoder shows duplicates rather than rejecting them as replays.
    let mut sa = match sa {
        Ok(sa) => sa,
        Err(e) => {
            rec.note = Some(format!("key file entry unusable: {e}"));
            return Ok(rec);
        }
    };
    match sa.decapsulate(bytes) {
        Ok(d) => {
            rec.decryption = Decryption::Decrypted;
            rec.icv = Some("correct".into());
            rec.next_header = Some(d.next_header);
            rec.inner = Some(inner_summary(d.next_header, &d.payload));
        }
        Err(EspError::IcvMismatch) => {
            rec.icv = Some("incorrect".into());
            rec.note = Some("ICV mismatch: wrong keys or a corrupted packet".into());
        }
        Err(e) => rec.note = Some(e.to_string()),
    }
    Ok(rec)
}

/// A one-line description of a decrypted payload: an inner IPv4 packet, or a transport segment.
pub fn inner_summary(next_header: u8, p: &[u8]) -> String {
    match next_header {
        4 => ipv4_summary(p),
        1 => format!("{} (transport mode)", icmp_summary(p)),
        17 if p.len() >= 8 => format!(
            "UDP {} -> {} (transport mode)",
            u16::from_be_bytes([p[0], p[1]]),
            u16::from_be_bytes([p[2], p[3]])
        ),
        41 => format!("IPv6 packet, {} bytes", p.len()),
        59 => "dummy packet (no next header)".into(),
        n => format!("protocol {n}, {} bytes", p.len()),
    }
}

fn ipv4_summary(p: &[u8]) -> String {
    if p.len() < 20 || p[0] >> 4 != 4 {
        return format!("not an IPv4 packet ({} bytes)", p.len());
    }
    let ihl = usize::from(p[0] & 0x0f) * 4;
    let src = Ipv4Addr::new(p[12], p[13], p[14], p[15]);
    let dst = Ipv4Addr::new(p[16], p[17], p[18], p[19]);
    let body = p.get(ihl..).unwrap_or(&[]);
    let what = match p[9] {
        1 => icmp_summary(body),
        4 => format!("IP-in-IP: {}", ipv4_summary(body)),
        n => format!("protocol {n}"),
    };
    format!("IPv4 {src} -> {dst} {what}")
}

fn icmp_summary(b: &[u8]) -> String {
    if b.len() < 8 {
        return "ICMP (truncated)".into();
    }
    let id = u16::from_be_bytes([b[4], b[5]]);
    let seq = u16::from_be_bytes([b[6], b[7]]);
    match (b[0], b[1]) {
        (8, 0) => format!("ICMP echo request id 0x{id:04x} seq {seq}"),
        (0, 0) => format!("ICMP echo reply id 0x{id:04x} seq {seq}"),
        (t, c) => format!("ICMP type {t} code {c}"),
    }
}
