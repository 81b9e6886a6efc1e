//! Two engines joined by an in-memory link with a virtual clock (quinn-proto's `Pair`, in
//! miniature): step both, deliver what they send after a latency, jump to the next wake-up.

use std::net::Ipv4Addr;
use std::time::Duration;

use ikelab_peers::crypto::{CipherAlg, DhGroup, HashAlg};
use ikelab_peers::esp::IntegAlg;
use ikelab_peers::ike::{
    Behaviour, EncapMode, Engine, EngineConfig, Event, EventKind, ExchangeMode, IdPayloads,
    Identity, NatTraversal, PeerConfig, Phase1Proposal, Phase2Proposal, Policy, QmId, Selector,
    Transmit,
};
use ikelab_peers::time::Instant;
use ikelab_peers::wire::IdData;

use ikelab::decode::keys::key_line;
use ikelab_sim::KeyLine;

use crate::pcap::PcapFile;

/// SEIL's WAN address in the document.
pub const A_ADDR: Ipv4Addr = Ipv4Addr::new(172, 16, 0, 1);
/// IX's WAN address in the document.
pub const B_ADDR: Ipv4Addr = Ipv4Addr::new(172, 16, 0, 2);

/// Which side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The initiator (SEIL-like).
    A,
    /// The responder (IX-like).
    B,
}

/// A datagram on the wire between the two.
#[derive(Clone, Debug)]
pub struct Wire {
    /// When it was sent.
    pub at: Instant,
    /// Who sent it.
    pub from: Side,
    /// The datagram.
    pub transmit: Transmit,
}

/// Decides whether the datagram with this index on the wire is lost.
pub type LossFn = dyn FnMut(usize, &Transmit) -> bool;

/// Two engines and the link between them.
pub struct Pair {
    /// Side A.
    pub a: Engine,
    /// Side B.
    pub b: Engine,
    /// Virtual time.
    pub now: Instant,
    /// One-way latency.
    pub latency: Duration,
    /// Every datagram sent, in order.
    pub wire: Vec<Wire>,
    /// Events of A.
    pub a_events: Vec<Event>,
    /// Events of B.
    pub b_events: Vec<Event>,
    /// Decides, by the datagram's index on the wire, whether it is lost.
    pub lose: Box<LossFn>,
    in_flight: Vec<(Instant, Side, Transmit)>,
}

impl Pair {
    /// Two engines with these configurations.
    pub fn new(a: EngineConfig, b: EngineConfig, seed: u64) -> Self {
        Self {
            a: Engine::new(a, seed),
            b: Engine::new(b, seed.wrapping_add(1)),
            now: Instant::ZERO,
            latency: Duration::from_millis(1),
            wire: vec![],
            a_events: vec![],
            b_events: vec![],
            lose: Box::new(|_, _| false),
            in_flight: vec![],
        }
    }

    fn collect(&mut self) {
        for (side, engine) in [(Side::A, &mut self.a), (Side::B, &mut self.b)] {
            while let Some(t) = engine.poll_transmit() {
                let index = self.wire.len();
                self.wire.push(Wire {
                    at: self.now,
                    from: side,
                    transmit: t.clone(),
                });
                if !(self.lose)(index, &t) {
                    self.in_flight.push((self.now + self.latency, side, t));
                }
            }
            let events = if side == Side::A {
                &mut self.a_events
            } else {
                &mut self.b_events
            };
            while let Some(e) = engine.poll_event() {
                events.push(e);
            }
        }
    }

    /// Runs until nothing is due before `until`; returns with the clock at `until`.
    pub fn run_until(&mut self, until: Instant) {
        loop {
            self.collect();
            let next = [
                self.in_flight.iter().map(|f| f.0).min(),
                self.a.poll_timeout(),
                self.b.poll_timeout(),
            ]
            .into_iter()
            .flatten()
            .min();
            let Some(next) = next.filter(|n| *n <= until) else {
                break;
            };
            self.now = self.now.max(next);
            let now = self.now;
            let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.in_flight)
                .into_iter()
                .partition(|f| f.0 <= now);
            self.in_flight = later;
            for (_, from, t) in due {
                let to = if from == Side::A {
                    &mut self.b
                } else {
                    &mut self.a
                };
                to.handle_datagram(now, t.src, t.dst, &t.payload);
            }
            if self.a.poll_timeout().is_some_and(|t| t <= now) {
                self.a.handle_timeout(now);
            }
            if self.b.poll_timeout().is_some_and(|t| t <= now) {
                self.b.handle_timeout(now);
            }
        }
        self.now = until;
        self.collect();
    }

    /// Runs for `d` of virtual time.
    pub fn run_for(&mut self, d: Duration) {
        let until = self.now + d;
        self.run_until(until);
    }

    /// Events of one side, kinds only.
    pub fn kinds(&self, side: Side) -> Vec<&EventKind> {
        let ev = if side == Side::A {
            &self.a_events
        } else {
            &self.b_events
        };
        ev.iter().map(|e| &e.kind).collect()
    }

    /// ISAKMP lengths sent by `side` (the non-ESP marker excluded).
    pub fn lengths(&self, side: Side) -> Vec<usize> {
        self.wire
            .iter()
            .filter(|w| w.from == side)
            .map(|w| {
                if w.transmit.dst.port() == 4500 {
                    w.transmit.payload.len() - 4
                } else {
                    w.transmit.payload.len()
                }
            })
            .collect()
    }

    /// The wire as a pcap file, plus Wireshark key files from both sides' key events.
    pub fn capture(&self) -> (Vec<u8>, String, String) {
        let mut pcap = PcapFile::default();
        for w in &self.wire {
            pcap.udp(
                w.at.as_nanos(),
                w.transmit.src,
                w.transmit.dst,
                &w.transmit.payload,
            );
        }
        let (mut ike, mut esp) = (String::new(), String::new());
        for e in self.a_events.iter().chain(&self.b_events) {
            if let EventKind::Keys(k) = &e.kind {
                let (out, line) = match key_line(k) {
                    KeyLine::Ikev1(line) => (&mut ike, line),
                    KeyLine::EspSa(line) => (&mut esp, line),
                };
                let line = format!("{line}\n");
                if !out.contains(&line) {
                    out.push_str(&line);
                }
            }
        }
        (pcap.to_bytes(), ike, esp)
    }
}

/// The document's phase-1 proposal: AES-128, SHA1, MODP-1024, 10 minutes.
pub fn doc_phase1() -> Phase1Proposal {
    Phase1Proposal {
        cipher: CipherAlg::AES128,
        hash: HashAlg::Sha1,
        group: DhGroup::Modp1024,
        lifetime: Duration::from_secs(600),
        lifetime_kb: None,
    }
}

/// The document's phase-2 proposal: ESP AES-128 / HMAC-SHA1, 5 minutes.
pub fn doc_phase2() -> Phase2Proposal {
    Phase2Proposal {
        cipher: CipherAlg::AES128,
        integ: IntegAlg::HmacSha1_96,
        lifetime: Duration::from_secs(300),
        lifetime_kb: None,
    }
}

/// A host ID.
pub fn host_id(a: Ipv4Addr) -> QmId {
    QmId {
        data: IdData::Ipv4Addr(a),
        protocol: 0,
        port: 0,
    }
}

/// `0.0.0.0/0`, any protocol.
pub fn any_id() -> QmId {
    Selector::ANY.to_id()
}

/// An engine config for one side of the document's lab: a peer, and one transport-mode policy
/// host-to-host with the given Quick Mode IDs (local, remote).
pub fn doc_config(
    local: Ipv4Addr,
    remote: Ipv4Addr,
    ids: (QmId, QmId),
    psk: &str,
    initiator: bool,
) -> EngineConfig {
    EngineConfig {
        peers: vec![PeerConfig {
            name: "peer".into(),
            local,
            remote: Some(remote),
            psk: psk.as_bytes().to_vec(),
            mode: ExchangeMode::Main,
            proposals: vec![doc_phase1()],
            my_id: Identity::Address,
            responder_only: !initiator,
            nat_traversal: NatTraversal::Off,
            dpd: None,
        }],
        policies: vec![Policy {
            name: "policy".into(),
            peer: "peer".into(),
            local: Selector::host(local),
            remote: Selector::host(remote),
            ids: Some(ids),
            mode: EncapMode::Transport,
            proposals: vec![doc_phase2()],
            pfs: None,
            route_based: false,
            id_payloads: IdPayloads::Sent,
            auto_start: initiator,
            phase2_delay: None,
        }],
        behaviour: Behaviour::default(),
    }
}

/// The document's lab: A initiates with `a_ids`; B accepts only 172.16.0.2 <-> 172.16.0.1.
pub fn doc_pair(a_ids: (QmId, QmId), seed: u64) -> Pair {
    let a = doc_config(A_ADDR, B_ADDR, a_ids, "hogehoge", true);
    let mut b = doc_config(
        B_ADDR,
        A_ADDR,
        (host_id(B_ADDR), host_id(A_ADDR)),
        "hogehoge",
        false,
    );
    b.behaviour.answer_delete = true;
    Pair::new(a, b, seed)
}

/// The document's fixed lab as two configs: A initiates with host IDs, B answers. `edit` is
/// applied to both (algorithms, lifetimes, modes).
pub fn fixed_configs(edit: impl Fn(&mut EngineConfig)) -> (EngineConfig, EngineConfig) {
    let mut a = doc_config(
        A_ADDR,
        B_ADDR,
        (host_id(A_ADDR), host_id(B_ADDR)),
        "hogehoge",
        true,
    );
    let mut b = doc_config(
        B_ADDR,
        A_ADDR,
        (host_id(B_ADDR), host_id(A_ADDR)),
        "hogehoge",
        false,
    );
    edit(&mut a);
    edit(&mut b);
    (a, b)
}

/// The SPI of an engine's first SA in `direction`.
pub fn spi(e: &Engine, direction: ikelab_peers::ike::Direction) -> u32 {
    e.ipsec_sas()
        .iter()
        .find(|s| s.direction == direction)
        .expect("an SA in that direction")
        .spi
}
