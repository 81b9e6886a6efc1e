//! A node that puts scripted raw frames on the wire and records what reaches it: for hostile
//! input (malformed, spoofed, replayed frames) and for watching a segment like a monitor port.

use std::collections::VecDeque;

use ikelab_peers::time::Instant;

use crate::{MacAddr, Node};

/// Sends each frame at its time on port 0; keeps every frame it receives.
pub struct Injector {
    name: String,
    mac: MacAddr,
    /// (time, frame), sorted by time.
    script: VecDeque<(Instant, Vec<u8>)>,
    out: VecDeque<(usize, Vec<u8>)>,
    received: Vec<(Instant, Vec<u8>)>,
}

impl Injector {
    /// An injector with a MAC derived from its name, to use as the source of its frames.
    pub fn new(name: impl Into<String>) -> Self {
        let name = name.into();
        Injector {
            mac: MacAddr::derived(&name),
            name,
            script: VecDeque::new(),
            out: VecDeque::new(),
            received: Vec::new(),
        }
    }

    /// Its MAC.
    pub fn mac(&self) -> MacAddr {
        self.mac
    }

    /// Sends `frame` (any bytes) at `at`.
    pub fn send_at(&mut self, at: Instant, frame: Vec<u8>) {
        let i = self.script.partition_point(|(t, _)| *t <= at);
        self.script.insert(i, (at, frame));
    }

    /// What reached it, with arrival times.
    pub fn received(&self) -> &[(Instant, Vec<u8>)] {
        &self.received
    }
}

impl Node for Injector {
    fn name(&self) -> &str {
        &self.name
    }

    fn port_count(&self) -> usize {
        1
    }

    fn port_mac(&self, _port: usize) -> Option<MacAddr> {
        Some(self.mac)
    }

    fn handle_frame(&mut self, now: Instant, _port: usize, frame: &[u8]) {
        self.received.push((now, frame.to_vec()));
    }

    fn handle_timeout(&mut self, now: Instant) {
        while self.script.front().is_some_and(|(t, _)| *t <= now) {
            if let Some((_, f)) = self.script.pop_front() {
                self.out.push_back((0, f));
            }
        }
    }

    fn poll_output(&mut self) -> Option<(usize, Vec<u8>)> {
        self.out.pop_front()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.script.front().map(|(t, _)| *t)
    }
}
