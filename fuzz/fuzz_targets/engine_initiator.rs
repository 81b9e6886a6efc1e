//! The engine as the document's SEIL (an initiator, MM1 sent) fed a sequence of answers, framed
//! as in `engine_responder`; each answer carries the initiator cookie the engine chose, so that
//! the fuzzer reaches the exchange's later states.
#![no_main]

use std::net::SocketAddrV4;
use std::time::Duration;

use ikelab_peers::ike::Engine;
use ikelab_peers::time::Instant;
use ikelab_tests::pair::{A_ADDR, B_ADDR, fixed_configs};
use libfuzzer_sys::fuzz_target;

mod framing;

fuzz_target!(|data: &[u8]| {
    let (a, _) = fixed_configs(|_| {});
    let mut e = Engine::new(a, 1);
    e.start(Instant::ZERO);
    let Some(mm1) = e.poll_transmit() else { return };
    let icookie: [u8; 8] = mm1.payload[..8].try_into().expect("a header");
    let mut now = Instant::ZERO;
    for (nat_t, d) in framing::datagrams(data) {
        let mut d = d.to_vec();
        // On 4500 the header follows the 4-byte non-ESP marker.
        let at = if nat_t { 4 } else { 0 };
        if d.len() >= at + 8 {
            d[at..at + 8].copy_from_slice(&icookie);
        }
        let port = if nat_t { 4500 } else { 500 };
        e.handle_datagram(
            now,
            SocketAddrV4::new(B_ADDR, port),
            SocketAddrV4::new(A_ADDR, port),
            &d,
        );
        now = now + Duration::from_secs(1);
        e.handle_timeout(now);
        while e.poll_transmit().is_some() {}
        while e.poll_event().is_some() {}
    }
});
