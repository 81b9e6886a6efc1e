//! For the engine's own unit tests: two engines with host-to-host transport-mode policies
//! (MODP-768 so that a handshake is quick), and a loop that delivers what each sends to the other
//! until both are quiet. Each module's tests vary the config from here rather than write it out
//! again.

use std::net::Ipv4Addr;
use std::time::Duration;

use crate::crypto::{CipherAlg, DhGroup, HashAlg};
use crate::esp::IntegAlg;
use crate::ike::*;
use crate::time::Instant;

/// One peer `p` and one policy `x` from `local` to `remote`; the initiator starts at once, the
/// responder only answers.
pub(super) fn config(local: Ipv4Addr, remote: Ipv4Addr, initiator: bool) -> EngineConfig {
    EngineConfig {
        peers: vec![PeerConfig {
            name: "p".into(),
            local,
            remote: Some(remote),
            psk: b"k".to_vec(),
            mode: ExchangeMode::Main,
            proposals: vec![Phase1Proposal {
                cipher: CipherAlg::AES128,
                hash: HashAlg::Sha1,
                group: DhGroup::Modp768,
                lifetime: Duration::from_secs(600),
                lifetime_kb: None,
            }],
            my_id: Identity::Address,
            responder_only: !initiator,
            nat_traversal: NatTraversal::Off,
            dpd: None,
        }],
        policies: vec![Policy {
            name: "x".into(),
            peer: "p".into(),
            local: Selector::host(local),
            remote: Selector::host(remote),
            ids: None,
            mode: EncapMode::Transport,
            proposals: vec![Phase2Proposal {
                cipher: CipherAlg::AES128,
                integ: IntegAlg::HmacSha1_96,
                lifetime: Duration::from_secs(300),
                lifetime_kb: None,
            }],
            pfs: None,
            route_based: false,
            id_payloads: IdPayloads::Sent,
            auto_start: initiator,
            phase2_delay: None,
        }],
        behaviour: Behaviour::default(),
    }
}

/// Delivers everything both engines send, instantly, until they are quiet (at most 100 rounds).
pub(super) fn settle(a: &mut Engine, b: &mut Engine, now: Instant) {
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
