//! Bytes as lower-case hex text (`0a1b2c`), as logs, events, key files and test messages print
//! cookies, SPIs and keys.

/// Lower-case hex, two digits a byte, no separators.
pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn two_lower_case_digits_a_byte() {
        assert_eq!(super::hex(&[0x0a, 0xff, 0x00]), "0aff00");
        assert_eq!(super::hex(&[]), "");
    }
}
