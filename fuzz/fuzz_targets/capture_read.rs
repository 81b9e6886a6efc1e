//! Any bytes as a capture (pcap or pcapng): every frame read, and each one's IKE or ESP found.
#![no_main]

use ikelab::decode::capture::read_capture_bytes;
use ikelab::decode::frame::datagram;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(frames) = read_capture_bytes("fuzz.pcap", data) {
        for f in &frames {
            let _ = datagram(f.link, &f.data);
        }
    }
});
