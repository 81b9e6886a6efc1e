//! Any datagram through the ISAKMP parser, and what parses back out through the emitter.
#![no_main]

use ikelab_peers::wire::Message;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = Message::parse(data) {
        let _ = m.to_bytes();
        let _ = m.payloads();
    }
});
