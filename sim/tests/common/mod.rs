//! Helpers shared by the simulator's integration tests.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

use ikelab_sim::packet::{
    ETHERTYPE_ARP, ETHERTYPE_IPV4, PROTO_ICMP, PROTO_IPIP, parse_eth, parse_ipv4,
};

/// Whether a real tool is installed. When `IKELAB_REQUIRE_TOOLS` is set (CI sets it), a missing
/// tool is a failure instead of a skip, so CI cannot pass by silently skipping.
pub fn have_tool(name: &str) -> bool {
    let found = Command::new(name)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        if std::env::var_os("IKELAB_REQUIRE_TOOLS").is_some() {
            panic!("{name} is required (IKELAB_REQUIRE_TOOLS is set) but not installed");
        }
        eprintln!("skipped: {name} is not installed");
    }
    found
}

/// A fresh, empty folder for a test's output files.
pub fn out_dir(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("ikelab-sim")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Whether a frame is ARP.
pub fn is_arp(frame: &[u8]) -> bool {
    parse_eth(frame).is_ok_and(|e| e.ethertype == ETHERTYPE_ARP)
}

/// The ICMP echo in a frame, through any IP-in-IP: (type, identifier, sequence, tunnelled).
pub fn icmp_echo(frame: &[u8]) -> Option<(u8, u16, u16, bool)> {
    let e = parse_eth(frame).ok()?;
    if e.ethertype != ETHERTYPE_IPV4 {
        return None;
    }
    let mut p = e.payload;
    let mut tunnelled = false;
    loop {
        let i = parse_ipv4(p).ok()?;
        if i.is_fragment() {
            return None;
        }
        let payload = &p[i.header_len..i.total_len];
        match i.protocol {
            PROTO_IPIP => {
                tunnelled = true;
                p = payload;
            }
            PROTO_ICMP if payload.len() >= 8 && (payload[0] == 0 || payload[0] == 8) => {
                return Some((
                    payload[0],
                    u16::from_be_bytes([payload[4], payload[5]]),
                    u16::from_be_bytes([payload[6], payload[7]]),
                    tunnelled,
                ));
            }
            _ => return None,
        }
    }
}

/// The IP protocol of a frame's (outer) IPv4 packet.
pub fn ip_protocol(frame: &[u8]) -> Option<u8> {
    let e = parse_eth(frame).ok()?;
    (e.ethertype == ETHERTYPE_IPV4).then_some(())?;
    parse_ipv4(e.payload).ok().map(|i| i.protocol)
}
