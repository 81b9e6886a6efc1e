//! Wireshark's key files, the ones its IKEv1 and ESP dissectors read as "UAT" tables:
//! `ikev1_decryption_table` (`<icookie hex>,<Ka hex>`) and `esp_sa` (eight quoted CSV fields).
//! Written and read in exactly the format strongSwan's save-keys plugin writes.

use std::fmt;
use std::net::IpAddr;
use std::path::Path;

use ikelab_peers::hex::hex;
use ikelab_sim::files::{self, FileError, Limit};
use ikelab_sim::{KeyLine, KeyLog};

/// The phase-1 encryption key for one ISAKMP SA, by initiator cookie.
#[derive(Clone, PartialEq, Eq)]
pub struct IkeKey {
    /// Initiator cookie.
    pub icookie: [u8; 8],
    /// The phase-1 cipher key Ka.
    pub ka: Vec<u8>,
}

impl fmt::Debug for IkeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "IkeKey {{ icookie: {}, ka: <{} bytes> }}",
            hex(&self.icookie),
            self.ka.len()
        )
    }
}

/// ESP encryption algorithms as Wireshark's `esp_sa` table names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EspEncryption {
    /// "NULL".
    Null,
    /// "TripleDES-CBC [RFC2451]".
    TripleDesCbc,
    /// "AES-CBC [RFC3602]" (key length from the key).
    AesCbc,
}

/// ESP integrity algorithms as Wireshark's `esp_sa` table names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EspIntegrity {
    /// "NULL".
    Null,
    /// "HMAC-SHA-1-96 [RFC2404]".
    HmacSha1_96,
    /// "HMAC-MD5-96 [RFC2403]".
    HmacMd5_96,
    /// "HMAC-SHA-256-128 [RFC4868]".
    HmacSha256_128,
}

impl EspEncryption {
    /// Wireshark's label.
    pub fn label(self) -> &'static str {
        match self {
            EspEncryption::Null => "NULL",
            EspEncryption::TripleDesCbc => "TripleDES-CBC [RFC2451]",
            EspEncryption::AesCbc => "AES-CBC [RFC3602]",
        }
    }

    fn from_label(s: &str) -> Option<Self> {
        [Self::Null, Self::TripleDesCbc, Self::AesCbc]
            .into_iter()
            .find(|a| a.label() == s)
    }
}

impl EspIntegrity {
    /// Wireshark's label.
    pub fn label(self) -> &'static str {
        match self {
            EspIntegrity::Null => "NULL",
            EspIntegrity::HmacSha1_96 => "HMAC-SHA-1-96 [RFC2404]",
            EspIntegrity::HmacMd5_96 => "HMAC-MD5-96 [RFC2403]",
            EspIntegrity::HmacSha256_128 => "HMAC-SHA-256-128 [RFC4868]",
        }
    }

    fn from_label(s: &str) -> Option<Self> {
        [
            Self::Null,
            Self::HmacSha1_96,
            Self::HmacMd5_96,
            Self::HmacSha256_128,
        ]
        .into_iter()
        .find(|a| a.label() == s)
    }
}

/// One direction of an ESP SA.
#[derive(Clone, PartialEq, Eq)]
pub struct EspKey {
    /// Outer source address.
    pub src: IpAddr,
    /// Outer destination address.
    pub dst: IpAddr,
    /// SPI.
    pub spi: u32,
    /// Encryption algorithm.
    pub encryption: EspEncryption,
    /// Encryption key.
    pub enc_key: Vec<u8>,
    /// Integrity algorithm.
    pub integrity: EspIntegrity,
    /// Integrity key.
    pub auth_key: Vec<u8>,
}

impl fmt::Debug for EspKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "EspKey {{ {} -> {} spi {:#010x} {:?}/{:?} }}",
            self.src, self.dst, self.spi, self.encryption, self.integrity
        )
    }
}

impl IkeKey {
    /// The line this key takes in `ikev1_decryption_table`.
    pub fn to_line(&self) -> String {
        format!("{},{}", hex(&self.icookie), hex(&self.ka))
    }
}

impl EspKey {
    /// The line this SA takes in `esp_sa`.
    pub fn to_line(&self) -> String {
        let family = if self.src.is_ipv4() { "IPv4" } else { "IPv6" };
        format!(
            "\"{family}\",\"{}\",\"{}\",\"0x{:08x}\",\"{}\",\"0x{}\",\"{}\",\"0x{}\"",
            self.src,
            self.dst,
            self.spi,
            self.encryption.label(),
            hex(&self.enc_key),
            self.integrity.label(),
            hex(&self.auth_key)
        )
    }
}

/// Parses hex (optionally `0x`-prefixed); `None` if it is not an even run of hex digits.
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    let s = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .unwrap_or(s);
    if s.len() % 2 != 0 || !s.bytes().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

/// A key folder, key file, or one of its lines, that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    /// The file could not be read (not a regular file, too large, not text...).
    #[error(transparent)]
    File(#[from] FileError),
    /// The folder holds neither key file.
    #[error("{0}: holds neither ikev1_decryption_table nor esp_sa")]
    NoKeyFiles(String),
    /// A line that is not a key of the file's format.
    #[error("{file}:{line}: {why}")]
    Line {
        /// The file.
        file: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        why: String,
    },
}

/// All keys of a key directory.
#[derive(Clone, Debug, Default)]
pub struct KeyStore {
    /// IKEv1 phase-1 keys.
    pub ike: Vec<IkeKey>,
    /// ESP SAs.
    pub esp: Vec<EspKey>,
}

impl KeyStore {
    /// Reads `ikev1_decryption_table` and `esp_sa` from `dir`; a missing file counts as empty,
    /// but the directory must hold at least one of them.
    pub fn load(dir: &Path) -> Result<Self, KeyFileError> {
        let ike_path = dir.join(KeyLog::IKEV1_FILE);
        let esp_path = dir.join(KeyLog::ESP_FILE);
        if !ike_path.exists() && !esp_path.exists() {
            return Err(KeyFileError::NoKeyFiles(dir.display().to_string()));
        }
        let read = |p: &Path| -> Result<String, KeyFileError> {
            if !p.exists() {
                return Ok(String::new());
            }
            Ok(files::read_text(p, Limit::KEY_FILE)?)
        };
        Ok(Self {
            ike: parse_ike_table(&ike_path.display().to_string(), &read(&ike_path)?)?,
            esp: parse_esp_table(&esp_path.display().to_string(), &read(&esp_path)?)?,
        })
    }

    /// Every phase-1 key written for an initiator cookie, each key once, in file order. A run
    /// whose peers disagree on the pre-shared key writes one per peer: each peer encrypts with
    /// its own.
    pub fn ike_keys<'a>(&'a self, icookie: &'a [u8; 8]) -> impl Iterator<Item = &'a IkeKey> {
        self.ike
            .iter()
            .enumerate()
            .filter(move |(i, k)| &k.icookie == icookie && !self.ike[..*i].iter().any(|e| e == *k))
            .map(|(_, k)| k)
    }

    /// The ESP SA for an SPI between two addresses.
    pub fn esp_key(&self, src: IpAddr, dst: IpAddr, spi: u32) -> Option<&EspKey> {
        self.esp
            .iter()
            .find(|k| k.spi == spi && k.src == src && k.dst == dst)
    }
}

/// Lines that carry data: not blank, not `#` comments.
fn data_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
}

/// Parses an `ikev1_decryption_table`.
pub fn parse_ike_table(file: &str, text: &str) -> Result<Vec<IkeKey>, KeyFileError> {
    let err = |line, why: &str| KeyFileError::Line {
        file: file.to_string(),
        line,
        why: why.to_string(),
    };
    data_lines(text)
        .map(|(n, l)| {
            let fields: Vec<&str> = l.split(',').map(|f| f.trim().trim_matches('"')).collect();
            let [cookie, key] = fields[..] else {
                return Err(err(
                    n,
                    "expected two fields: <initiator cookie hex>,<encryption key hex>",
                ));
            };
            let icookie: [u8; 8] = unhex(cookie)
                .and_then(|c| c.try_into().ok())
                .ok_or_else(|| err(n, "initiator cookie must be 16 hex digits"))?;
            let ka = unhex(key)
                .filter(|k| !k.is_empty())
                .ok_or_else(|| err(n, "encryption key must be hex"))?;
            Ok(IkeKey { icookie, ka })
        })
        .collect()
}

/// Splits one CSV line of quoted fields.
fn quoted_fields(l: &str) -> Option<Vec<&str>> {
    l.split(',')
        .map(|f| f.trim().strip_prefix('"')?.strip_suffix('"'))
        .collect()
}

/// Parses an `esp_sa` table.
pub fn parse_esp_table(file: &str, text: &str) -> Result<Vec<EspKey>, KeyFileError> {
    let err = |line, why: String| KeyFileError::Line {
        file: file.to_string(),
        line,
        why,
    };
    data_lines(text)
        .map(|(n, l)| {
            let fields = quoted_fields(l)
                .ok_or_else(|| err(n, "every field must be in double quotes".into()))?;
            // Newer Wireshark versions append columns (SN length, ...): the first eight are ours.
            if fields.len() < 8 {
                return Err(err(
                    n,
                    format!("expected 8 quoted fields, found {}", fields.len()),
                ));
            }
            let addr = |s: &str, what: &str| {
                s.parse::<IpAddr>()
                    .map_err(|_| err(n, format!("{what} address {s:?} is not an IP address")))
            };
            let src = addr(fields[1], "source")?;
            let dst = addr(fields[2], "destination")?;
            if !matches!(fields[0], "IPv4" | "IPv6") {
                return Err(err(
                    n,
                    format!("protocol {:?} is neither \"IPv4\" nor \"IPv6\"", fields[0]),
                ));
            }
            let spi = fields[3]
                .strip_prefix("0x")
                .and_then(|s| u32::from_str_radix(s, 16).ok())
                .ok_or_else(|| err(n, format!("SPI {:?} must be 0x followed by hex", fields[3])))?;
            let encryption = EspEncryption::from_label(fields[4])
                .ok_or_else(|| err(n, format!("unsupported encryption {:?}", fields[4])))?;
            let enc_key = unhex(fields[5])
                .ok_or_else(|| err(n, "encryption key must be 0x followed by hex".into()))?;
            let integrity = EspIntegrity::from_label(fields[6])
                .ok_or_else(|| err(n, format!("unsupported authentication {:?}", fields[6])))?;
            let auth_key = unhex(fields[7])
                .ok_or_else(|| err(n, "authentication key must be 0x followed by hex".into()))?;
            Ok(EspKey {
                src,
                dst,
                spi,
                encryption,
                enc_key,
                integrity,
                auth_key,
            })
        })
        .collect()
}

/// The key-file line for keys the engine derived: `ikev1_decryption_table` or `esp_sa`.
pub fn key_line(k: &ikelab_peers::ike::KeysDerived) -> KeyLine {
    use ikelab_peers::crypto::CipherAlg;
    use ikelab_peers::esp::IntegAlg;
    use ikelab_peers::ike::KeysDerived;
    match k {
        KeysDerived::Phase1 { icookie, ka, .. } => KeyLine::Ikev1(
            IkeKey {
                icookie: *icookie,
                ka: ka.clone(),
            }
            .to_line(),
        ),
        KeysDerived::Esp {
            src,
            dst,
            spi,
            cipher,
            enc_key,
            integ,
            auth_key,
        } => {
            let encryption = match cipher {
                CipherAlg::AesCbc { .. } => EspEncryption::AesCbc,
                CipherAlg::TripleDesCbc => EspEncryption::TripleDesCbc,
            };
            let integrity = match integ {
                IntegAlg::HmacSha1_96 => EspIntegrity::HmacSha1_96,
                IntegAlg::HmacMd5_96 => EspIntegrity::HmacMd5_96,
                IntegAlg::HmacSha256_128 => EspIntegrity::HmacSha256_128,
            };
            let key = EspKey {
                src: IpAddr::V4(*src),
                dst: IpAddr::V4(*dst),
                spi: *spi,
                encryption,
                enc_key: enc_key.clone(),
                integrity,
                auth_key: auth_key.clone(),
            };
            KeyLine::EspSa(key.to_line())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ESP_LINE: &str = r#""IPv4","172.16.0.2","172.16.0.1","0xc4886ac3","AES-CBC [RFC3602]","0x81c6dddba6ee657b69509f605ec23809","HMAC-SHA-1-96 [RFC2404]","0x108880ba33ae54d69d0094a79b78e74e848c9b4c""#;

    #[test]
    fn lines_round_trip() {
        let esp = parse_esp_table("esp_sa", ESP_LINE).unwrap();
        assert_eq!(esp[0].spi, 0xc4886ac3);
        assert_eq!(esp[0].to_line(), ESP_LINE);
        let ike =
            parse_ike_table("t", "c6023a175ed0a619,2e9418f7362cb11bfb16ba9ecb7fb069\n").unwrap();
        assert_eq!(
            ike[0].to_line(),
            "c6023a175ed0a619,2e9418f7362cb11bfb16ba9ecb7fb069"
        );
    }

    #[test]
    fn errors_name_file_and_line() {
        let e = parse_ike_table("tbl", "\n# c\nzz,00\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "tbl:3: initiator cookie must be 16 hex digits"
        );
        let e = parse_esp_table("esp_sa", "\"IPv4\",\"1.2.3.4\"").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("esp_sa:1: expected 8 quoted fields"),
            "{e}"
        );
        let bad_alg = ESP_LINE.replace("AES-CBC [RFC3602]", "ROT13");
        assert!(
            parse_esp_table("f", &bad_alg)
                .unwrap_err()
                .to_string()
                .contains("unsupported encryption")
        );
    }
}
