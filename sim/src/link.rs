//! Point-to-point Ethernet links between two ports: latency, bandwidth (serialisation and a
//! bounded queue), an MTU that drops oversize frames as a real NIC would, seeded impairments
//! (loss, duplication, reordering, corruption) and cuts. Each direction queues independently.

use core::time::Duration;

use ikelab_peers::rng::{Random, SeededRandom};
use ikelab_peers::time::Instant;

use crate::packet::ETH_HLEN;
use crate::{Counter, Counters, NodeId};

mod tamper;

/// Identifies a link in a lab.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LinkId(pub(crate) usize);

impl LinkId {
    /// The link's index (order of creation; also its interface number in the merged pcapng).
    pub fn index(self) -> usize {
        self.0
    }
}

/// One end of a link: a node's port.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PortRef {
    /// The node.
    pub node: NodeId,
    /// The port.
    pub port: usize,
}

/// Seeded random faults, each a probability per frame in `0.0..=1.0`.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Impairments {
    /// A frame is lost.
    pub loss: f64,
    /// A frame arrives twice.
    pub duplicate: f64,
    /// A frame is held back by `reorder_delay`, so later frames overtake it.
    pub reorder: f64,
    /// How long a reordered frame is held back.
    pub reorder_delay: Duration,
    /// One random bit of a frame is flipped (no FCS is modelled: the receiver sees the damage and
    /// must reject it by its own checksums).
    pub corrupt: f64,
    /// A frame carrying IKE or ESP has its payload altered (a bit flipped, a byte replaced, or
    /// cut short) with its IPv4 and UDP headers made consistent again, so that the damage
    /// reaches the receiver's IPsec stack, as a forgery would ([`tamper`]).
    pub tamper: f64,
}

/// The properties of a link.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LinkParams {
    /// One-way propagation delay.
    pub latency: Duration,
    /// Bits per second; `None` for no serialisation delay.
    pub bandwidth_bps: Option<u64>,
    /// Largest Ethernet payload carried (frames with more are dropped).
    pub mtu: usize,
    /// With a bandwidth, the most bytes that may wait to be serialised before tail drop.
    pub queue_bytes: usize,
    /// Faults.
    pub impairments: Impairments,
}

impl Default for LinkParams {
    /// 100 µs latency, no bandwidth limit, MTU 1500, no faults.
    fn default() -> Self {
        LinkParams {
            latency: Duration::from_micros(100),
            bandwidth_bps: None,
            mtu: 1500,
            queue_bytes: 256 * 1024,
            impairments: Impairments::default(),
        }
    }
}

impl LinkParams {
    /// The defaults with another latency.
    pub fn with_latency(latency: Duration) -> Self {
        LinkParams {
            latency,
            ..Self::default()
        }
    }
}

/// Per-link totals (both directions).
pub type LinkStats = Counters;

/// Ethernet preamble, FCS and inter-frame gap: bytes a frame occupies on the wire beyond its own.
const WIRE_OVERHEAD: u64 = 8 + 4 + 12;

pub(crate) struct Link {
    pub(crate) name: String,
    pub(crate) ends: [PortRef; 2],
    pub(crate) params: LinkParams,
    pub(crate) up: bool,
    /// Bumped on every cut, so frames in flight across a cut are lost.
    pub(crate) generation: u64,
    busy_until: [Instant; 2],
    rng: SeededRandom,
    pub(crate) stats: LinkStats,
}

/// What became of a frame put on a link: up to two arrivals (a duplicate), each with its time.
pub(crate) type Arrivals = [Option<(Instant, Vec<u8>)>; 2];

impl Link {
    pub(crate) fn new(name: String, ends: [PortRef; 2], params: LinkParams, seed: u64) -> Self {
        Link {
            name,
            ends,
            params,
            up: true,
            generation: 0,
            busy_until: [Instant::ZERO; 2],
            rng: SeededRandom::new(seed),
            stats: Counters::default(),
        }
    }

    /// A draw in `[0, 1)`; made only for faults that are switched on, so a clean link never
    /// consumes randomness.
    fn chance(&mut self, p: f64) -> bool {
        if p <= 0.0 {
            return false;
        }
        let mut b = [0u8; 8];
        self.rng.fill(&mut b);
        ((u64::from_be_bytes(b) >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    /// Sends `frame` from end `from` at `now`: decides its fate and when it arrives.
    pub(crate) fn transmit(&mut self, now: Instant, from: usize, mut frame: Vec<u8>) -> Arrivals {
        self.stats.bump(Counter::TxFrames);
        if !self.up {
            self.stats.bump(Counter::DropLinkDown);
            return [None, None];
        }
        if frame.len().saturating_sub(ETH_HLEN) > self.params.mtu {
            self.stats.bump(Counter::DropOverMtu);
            return [None, None];
        }
        let mut depart = now;
        if let Some(bps) = self.params.bandwidth_bps.filter(|b| *b > 0) {
            let start = self.busy_until[from].max(now);
            let backlog_ns = start.as_nanos() - now.as_nanos();
            let backlog_bytes = u128::from(backlog_ns) * u128::from(bps) / 8 / 1_000_000_000;
            if backlog_bytes > self.params.queue_bytes as u128 {
                self.stats.bump(Counter::DropQueueFull);
                return [None, None];
            }
            let bits = (frame.len() as u64 + WIRE_OVERHEAD) * 8;
            let tx = Duration::from_nanos(
                u64::try_from(u128::from(bits) * 1_000_000_000 / u128::from(bps))
                    .unwrap_or(u64::MAX),
            );
            depart = start + tx;
            self.busy_until[from] = depart;
        }
        let imp = self.params.impairments;
        if self.chance(imp.loss) {
            self.stats.bump(Counter::DropLoss);
            return [None, None];
        }
        let mut arrive = depart + self.params.latency;
        if self.chance(imp.reorder) {
            self.stats.bump(Counter::Reordered);
            arrive += imp.reorder_delay;
        }
        if self.chance(imp.corrupt) && !frame.is_empty() {
            let r = self.rng.next_u32() as usize;
            let bit = r % (frame.len() * 8);
            frame[bit / 8] ^= 1 << (bit % 8);
            self.stats.bump(Counter::Corrupted);
        }
        if self.chance(imp.tamper) {
            let how = tamper::Tamper::pick(self.rng.next_u32());
            if let Some(t) = tamper::tamper(&frame, how, self.rng.next_u32()) {
                frame = t;
                self.stats.bump(Counter::Tampered);
            }
        }
        let dup = if self.chance(imp.duplicate) {
            self.stats.bump(Counter::Duplicated);
            Some((arrive, frame.clone()))
        } else {
            None
        };
        [Some((arrive, frame)), dup]
    }

    pub(crate) fn set_up(&mut self, up: bool) {
        if self.up != up {
            self.generation += 1;
            self.up = up;
        }
    }
}
