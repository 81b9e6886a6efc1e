//! For integration tests that run two engines against each other without a network: deliver
//! what each sends to the other, instantly, until both are quiet. The engine's own unit tests
//! have the same loop in `ike/test_pair.rs`, which integration tests cannot reach.

use ikelab_peers::ike::Engine;
use ikelab_peers::time::Instant;

/// Delivers everything `a` and `b` send, both ways, until neither sends (at most 100 rounds).
pub fn settle(a: &mut Engine, b: &mut Engine, now: Instant) {
    for _ in 0..100 {
        let mut moved = false;
        while let Some(t) = a.poll_transmit() {
            b.handle_datagram(now, t.src, t.dst, &t.payload);
            moved = true;
        }
        while let Some(t) = b.poll_transmit() {
            a.handle_datagram(now, t.src, t.dst, &t.payload);
            moved = true;
        }
        if !moved {
            return;
        }
    }
}
