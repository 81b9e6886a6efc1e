//! Vendor ID payload values that IKEv1 peers send and recognise.

/// Dead Peer Detection, RFC 3706 (racoon `vendorid.c`, and the document's "received Vendor ID: DPD").
pub const DPD: [u8; 16] = [
    0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9, 0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01, 0x00,
];

/// NAT traversal, RFC 3947: MD5("RFC 3947").
pub const NAT_T_RFC3947: [u8; 16] = [
    0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45, 0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f,
];

/// Known Vendor IDs with the names peers log them by.
const KNOWN: &[(&str, &str)] = &[
    ("afcad71368a1f1c96b8696fc77570100", "DPD"),
    ("4a131c81070358455c5728f20e95452f", "RFC 3947"),
    (
        "90cb80913ebb696e086381b5ec427b1f",
        "draft-ietf-ipsec-nat-t-ike-02\\n",
    ),
    (
        "cd60464335df21f87cfdb2fc68b6a448",
        "draft-ietf-ipsec-nat-t-ike-02",
    ),
    (
        "7d9419a65310ca6f2c179d9215529d56",
        "draft-ietf-ipsec-nat-t-ike-03",
    ),
    (
        "4485152d18b6bbcd0be8a8469579ddcc",
        "draft-ietf-ipsec-nat-t-ike-00",
    ),
    ("09002689dfd6b712", "XAUTH"),
    ("882fe56d6fd20dbc2251613b2ebe5beb", "strongSwan"),
    ("12f5f28c457168a9702d9fe274cc0100", "Cisco Unity"),
    ("4048b7d56ebce88525e7de7f00d6c2d3", "FRAGMENTATION"),
    ("4048b7d56ebce88525e7de7f00d6c2d380000000", "FRAGMENTATION"),
];

/// The name of a Vendor ID this code knows.
pub fn name(vid: &[u8]) -> Option<&'static str> {
    let hex: String = vid.iter().map(|b| format!("{b:02x}")).collect();
    KNOWN.iter().find(|(h, _)| *h == hex).map(|(_, n)| *n)
}

#[cfg(test)]
mod tests {
    #[test]
    fn constants_match_the_table() {
        assert_eq!(super::name(&super::DPD), Some("DPD"));
        assert_eq!(super::name(&super::NAT_T_RFC3947), Some("RFC 3947"));
        assert_eq!(super::name(&[1, 2, 3]), None);
    }
}
