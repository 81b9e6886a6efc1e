//! The engine as the document's IX (a responder) fed a sequence of datagrams from its peer's
//! address, one virtual second apart with its timers run in between: chunks of the input, each
//! framed as `framing` reads them.
#![no_main]

use std::net::SocketAddrV4;
use std::time::Duration;

use ikelab_peers::ike::Engine;
use ikelab_peers::time::Instant;
use ikelab_tests::pair::{A_ADDR, B_ADDR, fixed_configs};
use libfuzzer_sys::fuzz_target;

mod framing;

fuzz_target!(|data: &[u8]| {
    let (_, b) = fixed_configs(|_| {});
    let mut e = Engine::new(b, 1);
    e.start(Instant::ZERO);
    let mut now = Instant::ZERO;
    for (nat_t, d) in framing::datagrams(data) {
        let port = if nat_t { 4500 } else { 500 };
        e.handle_datagram(
            now,
            SocketAddrV4::new(A_ADDR, port),
            SocketAddrV4::new(B_ADDR, port),
            d,
        );
        now = now + Duration::from_secs(1);
        e.handle_timeout(now);
        while e.poll_transmit().is_some() {}
        while e.poll_event().is_some() {}
    }
});
