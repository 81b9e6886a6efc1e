//! A learning Ethernet switch (no VLANs): learns source MACs per port, forwards known unicast to
//! one port in O(1), floods broadcast, multicast and unknown destinations. Entries age out lazily
//! (checked when looked up), so a quiet switch has no timers and costs nothing.

use core::time::Duration;
use std::collections::{HashMap, VecDeque};

use ikelab_peers::time::Instant;

use crate::packet::parse_eth;
use crate::{Counter, Counters, MacAddr, Node};

/// How long a learned address is trusted without being seen again (Linux bridges' default).
pub const MAC_AGING: Duration = Duration::from_secs(300);

/// A learning switch; ports are added as links attach.
pub struct Switch {
    name: String,
    ports: usize,
    /// MAC -> (port, last seen). Looked up, never iterated, so its order cannot leak into output.
    table: HashMap<MacAddr, (usize, Instant)>,
    out: VecDeque<(usize, Vec<u8>)>,
    counters: Counters,
}

impl Switch {
    /// A switch without ports yet.
    pub fn new(name: impl Into<String>) -> Self {
        Switch {
            name: name.into(),
            ports: 0,
            table: HashMap::new(),
            out: VecDeque::new(),
            counters: Counters::default(),
        }
    }

    /// Adds a port and returns its number.
    pub fn add_port(&mut self) -> usize {
        self.ports += 1;
        self.ports - 1
    }

    /// The port `mac` was last seen on, if still fresh at `now`.
    pub fn lookup(&self, now: Instant, mac: MacAddr) -> Option<usize> {
        self.table
            .get(&mac)
            .filter(|(_, seen)| now.saturating_since(*seen) < MAC_AGING)
            .map(|(p, _)| *p)
    }

    /// Counters: `rx_frames`, `forwarded`, `flooded`, `filtered` (destination on the ingress
    /// port), `rx_drop_short_frame`.
    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// Number of learned addresses (fresh or stale).
    pub fn table_len(&self) -> usize {
        self.table.len()
    }
}

impl Node for Switch {
    fn name(&self) -> &str {
        &self.name
    }

    fn port_count(&self) -> usize {
        self.ports
    }

    fn handle_frame(&mut self, now: Instant, port: usize, frame: &[u8]) {
        self.counters.bump(Counter::RxFrames);
        let eth = match parse_eth(frame) {
            Ok(e) => e,
            Err(e) => {
                self.counters.bump(e.counter());
                return;
            }
        };
        if !eth.src.is_group() {
            self.table.insert(eth.src, (port, now));
        }
        let known = if eth.dst.is_group() {
            None
        } else {
            self.lookup(now, eth.dst)
        };
        match known {
            Some(p) if p == port => self.counters.bump(Counter::Filtered),
            Some(p) => {
                self.counters.bump(Counter::Forwarded);
                self.out.push_back((p, frame.to_vec()));
            }
            None => {
                self.counters.bump(Counter::Flooded);
                for p in (0..self.ports).filter(|p| *p != port) {
                    self.out.push_back((p, frame.to_vec()));
                }
            }
        }
    }

    fn handle_timeout(&mut self, _now: Instant) {}

    fn poll_output(&mut self) -> Option<(usize, Vec<u8>)> {
        self.out.pop_front()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::{ETHERTYPE_IPV4, eth_frame};

    #[test]
    fn learns_floods_and_ages() {
        let mut s = Switch::new("sw");
        for _ in 0..3 {
            s.add_port();
        }
        let (a, b) = (MacAddr::derived("a"), MacAddr::derived("b"));
        let t0 = Instant::ZERO;
        // Unknown destination: flooded to the two other ports.
        s.handle_frame(t0, 0, &eth_frame(b, a, ETHERTYPE_IPV4, &[]));
        let out: Vec<usize> = std::iter::from_fn(|| s.poll_output())
            .map(|(p, _)| p)
            .collect();
        assert_eq!(out, [1, 2]);
        // b answers from port 2: a is known on port 0.
        s.handle_frame(t0, 2, &eth_frame(a, b, ETHERTYPE_IPV4, &[]));
        let out: Vec<usize> = std::iter::from_fn(|| s.poll_output())
            .map(|(p, _)| p)
            .collect();
        assert_eq!(out, [0]);
        // After aging, a is unknown again.
        let later = t0 + MAC_AGING;
        s.handle_frame(later, 2, &eth_frame(a, b, ETHERTYPE_IPV4, &[]));
        assert_eq!(std::iter::from_fn(|| s.poll_output()).count(), 2);
        // Garbage is counted, not a panic.
        s.handle_frame(later, 1, &[1, 2, 3]);
        assert_eq!(s.counters().get(Counter::RxDropShortFrame), 1);
    }
}
