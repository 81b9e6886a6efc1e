//! Data attributes (RFC 2408 3.3): basic (TV, 2-byte value) and variable (TLV) forms.

use super::{Result, WireError, be16, need};

/// Attribute-format bit: set for the basic (TV) form.
const AF_BASIC: u16 = 0x8000;

/// An attribute value in the form it travelled in.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum AttrValue {
    /// Basic form: the value is the 2-byte length/value field itself.
    Basic(u16),
    /// Variable form: a length-prefixed byte string.
    Variable(Vec<u8>),
}

impl AttrValue {
    /// The value as an integer: basic values, and variable ones of up to 8 bytes (big-endian),
    /// as life durations above 65535 travel.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            AttrValue::Basic(v) => Some(u64::from(*v)),
            AttrValue::Variable(b) if b.len() <= 8 => {
                Some(b.iter().fold(0u64, |acc, x| (acc << 8) | u64::from(*x)))
            }
            AttrValue::Variable(_) => None,
        }
    }

    /// The shortest encoding of an integer, as racoon writes life durations: basic if it fits in
    /// 16 bits, otherwise a 4-byte variable value (8 bytes beyond 32 bits).
    pub fn from_u64(v: u64) -> Self {
        if let Ok(small) = u16::try_from(v) {
            AttrValue::Basic(small)
        } else if let Ok(word) = u32::try_from(v) {
            AttrValue::Variable(word.to_be_bytes().to_vec())
        } else {
            AttrValue::Variable(v.to_be_bytes().to_vec())
        }
    }
}

/// One data attribute: the class (type without the AF bit) and its value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Attribute {
    /// Attribute class; its meaning depends on the protocol (see `IkeAttr` / `IpsecAttr`).
    pub kind: u16,
    /// The value.
    pub value: AttrValue,
}

impl Attribute {
    /// A basic attribute.
    pub fn basic(kind: u16, value: u16) -> Self {
        Self {
            kind,
            value: AttrValue::Basic(value),
        }
    }

    /// Parses one attribute from the front of `b`, returning it and the bytes it used.
    pub fn parse(b: &[u8]) -> Result<(Self, usize)> {
        need("data attribute", b, 4)?;
        let t = be16(b, 0);
        let lv = be16(b, 2);
        let kind = t & !AF_BASIC;
        if t & AF_BASIC != 0 {
            return Ok((
                Self {
                    kind,
                    value: AttrValue::Basic(lv),
                },
                4,
            ));
        }
        let end = 4 + lv as usize;
        need("variable data attribute", b, end)?;
        Ok((
            Self {
                kind,
                value: AttrValue::Variable(b[4..end].to_vec()),
            },
            end,
        ))
    }

    /// Parses a run of attributes that must fill `b` exactly.
    pub fn parse_all(mut b: &[u8]) -> Result<Vec<Self>> {
        let mut out = Vec::new();
        while !b.is_empty() {
            let (a, used) = Attribute::parse(b)?;
            out.push(a);
            b = &b[used..];
        }
        Ok(out)
    }

    /// Bytes this attribute takes on the wire.
    pub fn buffer_len(&self) -> usize {
        match &self.value {
            AttrValue::Basic(_) => 4,
            AttrValue::Variable(v) => 4 + v.len(),
        }
    }

    /// Appends the attribute to `out`.
    ///
    /// Fails when a variable value is longer than a 16-bit length can say.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<()> {
        match &self.value {
            AttrValue::Basic(v) => {
                out.extend_from_slice(&(self.kind | AF_BASIC).to_be_bytes());
                out.extend_from_slice(&v.to_be_bytes());
            }
            AttrValue::Variable(v) => {
                let len = u16::try_from(v.len()).map_err(|_| WireError::BadLength {
                    what: "variable data attribute",
                    field: v.len(),
                    why: "longer than 65535 bytes",
                })?;
                out.extend_from_slice(&(self.kind & !AF_BASIC).to_be_bytes());
                out.extend_from_slice(&len.to_be_bytes());
                out.extend_from_slice(v);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_and_variable_round_trip() {
        // Life-Type seconds (basic), then Life-Duration 86400 as a 4-byte variable value.
        let bytes = [
            0x80, 0x0b, 0x00, 0x01, 0x00, 0x0c, 0x00, 0x04, 0x00, 0x01, 0x51, 0x80,
        ];
        let attrs = Attribute::parse_all(&bytes).unwrap();
        assert_eq!(attrs[0], Attribute::basic(11, 1));
        assert_eq!(attrs[1].kind, 12);
        assert_eq!(attrs[1].value.as_u64(), Some(86400));
        assert_eq!(attrs[1].value, AttrValue::from_u64(86400));
        let mut out = Vec::new();
        for a in &attrs {
            a.emit(&mut out).unwrap();
        }
        assert_eq!(out, bytes);
    }

    #[test]
    fn truncated_variable_value() {
        assert!(Attribute::parse_all(&[0x00, 0x0c, 0x00, 0x04, 0x00]).is_err());
        assert!(Attribute::parse_all(&[0x80, 0x0b, 0x00]).is_err());
    }
}
