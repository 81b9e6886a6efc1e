//! An end system on a LAN: one interface, ARP, a default gateway, answers to pings, and a scripted
//! `ping` (count, interval, size) whose every reply, duplicate and error is recorded with its
//! round-trip time in virtual time.

use core::time::Duration;
use std::collections::VecDeque;
use std::net::Ipv4Addr;

use ikelab_peers::rng::{Random, SeededRandom};
use ikelab_peers::time::Instant;

use crate::packet::{
    self, Arp, ETHERTYPE_ARP, ETHERTYPE_IPV4, Icmp, Ipv4Build, Ipv4Info, PROTO_ICMP, PROTO_UDP,
};
use crate::router::arp::ArpTable;
use crate::router::frag::{FragError, Reassembler, Reassembly, fragment};
use crate::router::icmp::{self, CODE_PORT, CODE_PROTOCOL, TYPE_UNREACHABLE};
use crate::{Counter, Counters, Ipv4Net, MacAddr, Node, SimError, StartTime};

/// A host's configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostConfig {
    /// Node name.
    pub name: String,
    /// Address and prefix length.
    pub address: Ipv4Net,
    /// Default gateway (on the host's prefix).
    pub gateway: Option<Ipv4Addr>,
    /// Interface MTU.
    pub mtu: usize,
    /// MAC address; derived from the name when `None`.
    pub mac: Option<MacAddr>,
}

impl HostConfig {
    /// A host with MTU 1500 and a derived MAC.
    pub fn new(name: impl Into<String>, address: Ipv4Net, gateway: Option<Ipv4Addr>) -> Self {
        HostConfig {
            name: name.into(),
            address,
            gateway,
            mtu: 1500,
            mac: None,
        }
    }
}

/// What to ping, like `ping -c COUNT -i INTERVAL -s SIZE -W TIMEOUT -t TTL [-M do] DST`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PingSpec {
    /// Destination.
    pub dst: Ipv4Addr,
    /// Echo requests to send.
    pub count: u32,
    /// Time between requests.
    pub interval: Duration,
    /// ICMP data bytes (56 gives the classic 84-byte packet).
    pub size: usize,
    /// How long to wait for replies after the last request.
    pub timeout: Duration,
    /// IP time to live.
    pub ttl: u8,
    /// Set DF (`-M do`): too-large requests are then not fragmented.
    pub dont_fragment: bool,
}

impl PingSpec {
    /// One 56-byte request, 1 s interval, 1 s wait, TTL 64, DF clear.
    pub fn new(dst: Ipv4Addr) -> Self {
        PingSpec {
            dst,
            count: 1,
            interval: Duration::from_secs(1),
            size: 56,
            timeout: Duration::from_secs(1),
            ttl: 64,
            dont_fragment: false,
        }
    }

    /// With `count` requests.
    pub fn count(mut self, count: u32) -> Self {
        self.count = count;
        self
    }

    /// With `interval` between requests.
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// With `size` data bytes.
    pub fn size(mut self, size: usize) -> Self {
        self.size = size;
        self
    }

    /// Waiting `timeout` after the last request.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

/// One echo reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PingReply {
    /// Sequence number (1-based, as `ping` prints it).
    pub seq: u16,
    /// Who answered.
    pub from: Ipv4Addr,
    /// Round-trip time.
    pub rtt: Duration,
    /// TTL of the reply.
    pub ttl: u8,
    /// ICMP bytes (header and data).
    pub bytes: usize,
    /// A second (or later) reply to the same request.
    pub duplicate: bool,
}

/// Why a request got no reply, as `ping` would report it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PingErrorKind {
    /// ICMP destination unreachable with this code (1: host, 4: fragmentation needed, ...).
    Unreachable(u8),
    /// ICMP time exceeded with this code (0: TTL).
    TimeExceeded(u8),
    /// The next hop did not answer ARP ("Destination Host Unreachable" from ourselves).
    ArpFailed,
    /// No route (no gateway for an off-link destination).
    NoRoute,
    /// Larger than the MTU with DF set ("message too long").
    MessageTooLong,
}

/// An error report for one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PingError {
    /// Sequence number.
    pub seq: u16,
    /// Who reported it (ourselves for local errors).
    pub from: Ipv4Addr,
    /// What.
    pub kind: PingErrorKind,
}

/// The results of one `ping` run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PingReport {
    /// What was asked.
    pub spec: PingSpec,
    /// The ICMP identifier used.
    pub identifier: u16,
    /// When it starts.
    pub start: Instant,
    /// Requests sent.
    pub sent: u32,
    /// Distinct requests answered.
    pub received: u32,
    /// The first [`PingReport::KEPT`] replies, duplicates included, in arrival order; later
    /// ones are only counted ([`PingReport::duplicates`], [`PingReport::rtt`]), so that a ping
    /// running for a virtual year costs no more memory than one running for a minute.
    pub replies: Vec<PingReply>,
    /// The first [`PingReport::KEPT`] errors, in arrival order ([`PingReport::error_count`]
    /// counts them all).
    pub errors: Vec<PingError>,
    /// Duplicate replies, all of them.
    pub duplicate_count: u32,
    /// Errors, all of them.
    pub error_count: u32,
    /// Round-trip times of every first reply.
    pub rtt: RttStats,
    /// Whether it has finished (all sent and the wait after the last one over).
    pub done: bool,
}

/// Running figures over round-trip times, as ping's summary line needs them (iputils keeps
/// `tmin`, `tmax` and `tsum` the same way rather than every sample).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RttStats {
    /// Samples.
    pub count: u32,
    /// The shortest.
    pub min: Duration,
    /// The longest.
    pub max: Duration,
    /// Their sum (saturating).
    pub sum: Duration,
}

impl RttStats {
    fn add(&mut self, rtt: Duration) {
        self.min = if self.count == 0 {
            rtt
        } else {
            self.min.min(rtt)
        };
        self.max = self.max.max(rtt);
        self.sum = self.sum.saturating_add(rtt);
        self.count = self.count.saturating_add(1);
    }

    /// The mean, if there was a sample.
    pub fn avg(&self) -> Option<Duration> {
        (self.count > 0).then(|| self.sum / self.count)
    }
}

impl PingReport {
    /// How many replies and errors are kept one by one.
    pub const KEPT: usize = 1_000;

    /// Duplicate replies.
    pub fn duplicates(&self) -> usize {
        self.duplicate_count as usize
    }

    /// Fraction of requests without a reply (0.0 when none were sent).
    pub fn loss(&self) -> f64 {
        if self.sent == 0 {
            0.0
        } else {
            1.0 - f64::from(self.received) / f64::from(self.sent)
        }
    }

    /// Round-trip times of the kept first replies.
    pub fn rtts(&self) -> impl Iterator<Item = Duration> + '_ {
        self.replies.iter().filter(|r| !r.duplicate).map(|r| r.rtt)
    }
}

struct Job {
    report: PingReport,
    next_send: Option<Instant>,
    /// By ICMP sequence number (16 bits, so at most 65,536 entries however long the ping):
    /// when the request with it was last sent, and whether that request was answered. As
    /// iputils' `rcvd_tbl`, sending a sequence number again (after it wrapped) clears it.
    window: Vec<(Instant, bool)>,
    finish_at: Option<Instant>,
}

impl Job {
    fn next_event(&self) -> Option<Instant> {
        if self.report.done {
            None
        } else {
            self.next_send.or(self.finish_at)
        }
    }
}

/// Identifies a ping run on a host.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PingHandle(pub(crate) usize);

/// A simulated host (see the module documentation).
pub struct Host {
    cfg: HostConfig,
    mac: MacAddr,
    start: StartTime,
    rng: SeededRandom,
    arp: ArpTable,
    reasm: Reassembler,
    ip_id: u16,
    jobs: Vec<Job>,
    out: VecDeque<(usize, Vec<u8>)>,
    log: VecDeque<String>,
    counters: Counters,
}

impl Host {
    /// A host; `start` is the run's start date (ping data carries a wall-clock timestamp, as
    /// Linux `ping` does, which Wireshark shows).
    pub fn new(cfg: HostConfig, mut rng: SeededRandom, start: StartTime) -> Result<Self, SimError> {
        if cfg.mtu < 68 {
            return Err(SimError::Config(format!(
                "{}: MTU {} is below 68",
                cfg.name, cfg.mtu
            )));
        }
        if let Some(gw) = cfg.gateway.filter(|gw| !cfg.address.contains(*gw)) {
            return Err(SimError::Config(format!(
                "{}: gateway {gw} is not on {}",
                cfg.name, cfg.address
            )));
        }
        let mac = cfg.mac.unwrap_or_else(|| MacAddr::derived(&cfg.name));
        let ip_id = rng.next_u32() as u16;
        Ok(Host {
            cfg,
            mac,
            start,
            rng,
            arp: ArpTable::default(),
            reasm: Reassembler::default(),
            ip_id,
            jobs: Vec::new(),
            out: VecDeque::new(),
            log: VecDeque::new(),
            counters: Counters::default(),
        })
    }

    /// The host's address.
    pub fn address(&self) -> Ipv4Addr {
        self.cfg.address.addr
    }

    /// The host's MAC.
    pub fn mac(&self) -> MacAddr {
        self.mac
    }

    /// Counters: `rx_frames`, `tx_frames`, `rx_drop_*`, `icmp_echo_replied`, `arp_requests`, ...
    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// The ARP cache: (address, MAC, expiry).
    pub fn arp_entries(&self) -> Vec<(Ipv4Addr, MacAddr, Instant)> {
        self.arp.entries().collect()
    }

    /// Schedules a ping run starting at `at` (the identifier is drawn now, from the host's seeded
    /// randomness).
    pub fn schedule_ping(&mut self, at: Instant, spec: PingSpec) -> PingHandle {
        let mut identifier = self.rng.next_u32() as u16;
        while self.jobs.iter().any(|j| j.report.identifier == identifier) {
            identifier = identifier.wrapping_add(1);
        }
        self.jobs.push(Job {
            report: PingReport {
                spec,
                identifier,
                start: at,
                sent: 0,
                received: 0,
                replies: Vec::new(),
                duplicate_count: 0,
                error_count: 0,
                rtt: RttStats::default(),
                errors: Vec::new(),
                done: spec.count == 0,
            },
            next_send: (spec.count > 0).then_some(at),
            window: Vec::new(),
            finish_at: None,
        });
        PingHandle(self.jobs.len() - 1)
    }

    /// The report of a ping run.
    pub fn ping_report(&self, h: PingHandle) -> Option<&PingReport> {
        self.jobs.get(h.0).map(|j| &j.report)
    }

    /// All ping runs, in the order scheduled.
    pub fn ping_reports(&self) -> impl Iterator<Item = &PingReport> {
        self.jobs.iter().map(|j| &j.report)
    }

    fn next_id(&mut self) -> u16 {
        self.ip_id = self.ip_id.wrapping_add(1);
        self.ip_id
    }

    fn send_frame(&mut self, frame: Vec<u8>) {
        self.counters.bump(Counter::TxFrames);
        self.out.push_back((0, frame));
    }

    /// Routes, fragments, resolves and sends a packet made here; `Err` says why it could not go.
    fn send_ip(&mut self, now: Instant, packet: Vec<u8>) -> Result<(), PingErrorKind> {
        let info = packet::parse_ipv4(&packet).map_err(|_| PingErrorKind::NoRoute)?;
        let next_hop = if self.cfg.address.contains(info.dst) || info.dst.is_broadcast() {
            info.dst
        } else {
            self.cfg.gateway.ok_or(PingErrorKind::NoRoute)?
        };
        let frags = match fragment(&packet, self.cfg.mtu) {
            Ok(f) => f,
            Err(FragError::DontFragment | FragError::Impossible) => {
                return Err(PingErrorKind::MessageTooLong);
            }
        };
        for f in frags {
            match self.arp.lookup(now, next_hop) {
                Some(mac) => {
                    let fr = packet::eth_frame(mac, self.mac, ETHERTYPE_IPV4, &f);
                    self.send_frame(fr);
                }
                None => {
                    let e = self.arp.enqueue(now, next_hop, f);
                    if e.send_request {
                        self.arp_request(next_hop);
                    }
                    if let Some(d) = e.dropped {
                        self.counters.bump(Counter::DropArpQueueFull);
                        self.undeliverable(&d, PingErrorKind::ArpFailed);
                    }
                }
            }
        }
        Ok(())
    }

    fn arp_request(&mut self, target: Ipv4Addr) {
        self.counters.bump(Counter::ArpRequests);
        let f = packet::arp_frame(&Arp {
            request: true,
            sender_mac: self.mac,
            sender_ip: self.cfg.address.addr,
            target_mac: MacAddr::ZERO,
            target_ip: target,
        });
        self.send_frame(f);
    }

    /// A packet of ours could not be sent: if it is one of our echo requests, that ping gets the
    /// error.
    fn undeliverable(&mut self, p: &[u8], kind: PingErrorKind) {
        if let Some((id, seq)) = echo_ids(p) {
            let me = self.cfg.address.addr;
            self.record_error(id, seq, me, kind);
        }
    }

    fn record_error(&mut self, id: u16, seq: u16, from: Ipv4Addr, kind: PingErrorKind) {
        if let Some(j) = self
            .jobs
            .iter_mut()
            .find(|j| j.report.identifier == id && !j.report.done)
        {
            j.report.error_count = j.report.error_count.saturating_add(1);
            if j.report.errors.len() < PingReport::KEPT {
                j.report.errors.push(PingError { seq, from, kind });
            }
            self.log.push_back(format!(
                "ping {}: from {from} icmp_seq={seq} {kind:?}",
                j.report.spec.dst
            ));
        }
    }

    fn send_echo(&mut self, now: Instant, job: usize) {
        let j = &mut self.jobs[job];
        let spec = j.report.spec;
        let seq_index = j.report.sent as usize;
        let seq = (seq_index + 1) as u16;
        j.report.sent += 1;
        let slot = usize::from(seq);
        if j.window.len() <= slot {
            j.window.resize(slot + 1, (now, false));
        }
        j.window[slot] = (now, false);
        let id = j.report.identifier;
        let data = ping_data(self.start, now, spec.size);
        let msg = packet::icmp_echo(false, id, seq, &data);
        let ip_id = self.next_id();
        let p = packet::ipv4_packet(
            &Ipv4Build {
                src: self.cfg.address.addr,
                dst: spec.dst,
                protocol: PROTO_ICMP,
                ttl: spec.ttl,
                id: ip_id,
                df: spec.dont_fragment,
            },
            &msg,
        );
        self.counters.bump(Counter::IcmpEchoSent);
        let result = match p {
            Some(p) => self.send_ip(now, p),
            None => Err(PingErrorKind::MessageTooLong),
        };
        if let Err(kind) = result {
            let me = self.cfg.address.addr;
            self.record_error(id, seq, me, kind);
        }
    }

    fn finish(&mut self, job: usize) {
        let j = &mut self.jobs[job];
        j.report.done = true;
        j.next_send = None;
        let r = &j.report;
        let summary = match r.rtt.avg() {
            None => String::new(),
            Some(avg) => format!(
                ", rtt min/avg/max = {}/{}/{} ms",
                ms(r.rtt.min),
                ms(avg),
                ms(r.rtt.max)
            ),
        };
        let msg = format!(
            "ping {}: {} transmitted, {} received, {} duplicates, {} errors, {:.0}% packet loss{summary}",
            r.spec.dst,
            r.sent,
            r.received,
            r.duplicates(),
            r.error_count,
            r.loss() * 100.0
        );
        self.log.push_back(msg);
    }

    fn arp_input(&mut self, now: Instant, payload: &[u8]) {
        let a = match packet::parse_arp(payload) {
            Ok(a) => a,
            Err(e) => return self.counters.bump(e.counter()),
        };
        let me = self.cfg.address.addr;
        if a.sender_ip.is_unspecified() || a.sender_mac.is_group() {
            return self.counters.bump(Counter::ArpIgnored);
        }
        if a.target_ip != me && self.arp.lookup(now, a.sender_ip).is_none() {
            return self.counters.bump(Counter::ArpNotForUs);
        }
        let (_, waiting) = self.arp.insert(now, a.sender_ip, a.sender_mac);
        for p in waiting {
            let f = packet::eth_frame(a.sender_mac, self.mac, ETHERTYPE_IPV4, &p);
            self.send_frame(f);
        }
        if a.request && a.target_ip == me {
            self.counters.bump(Counter::ArpReplied);
            let f = packet::arp_frame(&Arp {
                request: false,
                sender_mac: self.mac,
                sender_ip: me,
                target_mac: a.sender_mac,
                target_ip: a.sender_ip,
            });
            self.send_frame(f);
        }
    }

    fn ip_input(&mut self, now: Instant, packet: Vec<u8>, info: Ipv4Info) {
        if info.dst != self.cfg.address.addr {
            return self.counters.bump(Counter::RxNotForUs);
        }
        let (packet, info) = if info.is_fragment() {
            match self.reasm.push(now, &packet) {
                Reassembly::Complete(p) => match packet::parse_ipv4(&p) {
                    Ok(i) => {
                        self.counters.bump(Counter::Reassembled);
                        (p, i)
                    }
                    Err(e) => return self.counters.bump(e.counter()),
                },
                Reassembly::Pending => return,
                Reassembly::Dropped(why) => return self.counters.bump(why),
            }
        } else {
            (packet, info)
        };
        let payload = &packet[info.header_len..info.total_len];
        match info.protocol {
            PROTO_ICMP => match packet::parse_icmp(payload) {
                Ok(Icmp::EchoRequest { id, seq, data }) => {
                    let msg = packet::icmp_echo(true, id, seq, data);
                    let ip_id = self.next_id();
                    if let Some(p) = packet::ipv4_packet(
                        &Ipv4Build {
                            src: info.dst,
                            dst: info.src,
                            protocol: PROTO_ICMP,
                            ttl: 64,
                            id: ip_id,
                            df: false,
                        },
                        &msg,
                    ) {
                        self.counters.bump(Counter::IcmpEchoReplied);
                        let _ = self.send_ip(now, p);
                    }
                }
                Ok(Icmp::EchoReply { id, seq, .. }) => {
                    self.echo_reply(now, id, seq, info.src, info.ttl, payload.len())
                }
                Ok(Icmp::Unreachable { code, quoted, .. }) => {
                    if let Some((id, seq)) = echo_ids(quoted) {
                        self.record_error(id, seq, info.src, PingErrorKind::Unreachable(code));
                    }
                }
                Ok(Icmp::TimeExceeded { code, quoted }) => {
                    if let Some((id, seq)) = echo_ids(quoted) {
                        self.record_error(id, seq, info.src, PingErrorKind::TimeExceeded(code));
                    }
                }
                Ok(Icmp::Other(..)) => self.counters.bump(Counter::IcmpRxOther),
                Err(e) => self.counters.bump(e.counter()),
            },
            PROTO_UDP => self.refuse(now, &packet, &info, CODE_PORT),
            _ => self.refuse(now, &packet, &info, CODE_PROTOCOL),
        }
    }

    fn refuse(&mut self, now: Instant, packet: &[u8], info: &Ipv4Info, code: u8) {
        self.counters.bump(Counter::IcmpErrorsSent);
        let id = self.next_id();
        let me = self.cfg.address.addr;
        if let Some(p) = icmp::error_packet(me, id, packet, info, TYPE_UNREACHABLE, code, 0) {
            let _ = self.send_ip(now, p);
        }
    }

    fn echo_reply(
        &mut self,
        now: Instant,
        id: u16,
        seq: u16,
        from: Ipv4Addr,
        ttl: u8,
        bytes: usize,
    ) {
        let Some(j) = self.jobs.iter_mut().find(|j| j.report.identifier == id) else {
            return self.counters.bump(Counter::IcmpReplyUnknown);
        };
        if j.report.done {
            return self.counters.bump(Counter::IcmpReplyLate);
        }
        let Some(&(sent_at, duplicate)) = j.window.get(usize::from(seq)) else {
            return self.counters.bump(Counter::IcmpReplyUnknown);
        };
        j.window[usize::from(seq)].1 = true;
        let rtt = now - sent_at;
        if duplicate {
            j.report.duplicate_count = j.report.duplicate_count.saturating_add(1);
        } else {
            j.report.received += 1;
            j.report.rtt.add(rtt);
        }
        if j.report.replies.len() < PingReport::KEPT {
            j.report.replies.push(PingReply {
                seq,
                from,
                rtt,
                ttl,
                bytes,
                duplicate,
            });
        }
        let dup = if duplicate { " (DUP!)" } else { "" };
        self.log.push_back(format!(
            "{bytes} bytes from {from}: icmp_seq={seq} ttl={ttl} time={} ms{dup}",
            ms(rtt)
        ));
    }
}

/// Linux `ping`'s data: a 16-byte timeval (wall clock, little-endian seconds and microseconds)
/// when there is room, then bytes counting up from their offset.
fn ping_data(start: StartTime, now: Instant, size: usize) -> Vec<u8> {
    let mut d: Vec<u8> = (0..size).map(|i| i as u8).collect();
    if size >= 16 {
        let wall = start.wall(now);
        d[..8].copy_from_slice(&wall.as_secs().to_le_bytes());
        d[8..16].copy_from_slice(&u64::from(wall.subsec_micros()).to_le_bytes());
    }
    d
}

/// (identifier, sequence) of the echo request at the start of `p` (a whole packet, or the header
/// and 8 bytes an ICMP error quotes).
fn echo_ids(p: &[u8]) -> Option<(u16, u16)> {
    let ihl = usize::from(p.first()? & 0x0f) * 4;
    if p.get(9) != Some(&PROTO_ICMP) || ihl < 20 {
        return None;
    }
    let icmp = p.get(ihl..ihl + 8)?;
    (icmp[0] == 8).then(|| {
        (
            u16::from_be_bytes([icmp[4], icmp[5]]),
            u16::from_be_bytes([icmp[6], icmp[7]]),
        )
    })
}

fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1000.0)
}

impl Node for Host {
    fn name(&self) -> &str {
        &self.cfg.name
    }

    fn port_count(&self) -> usize {
        1
    }

    fn port_mac(&self, port: usize) -> Option<MacAddr> {
        (port == 0).then_some(self.mac)
    }

    fn handle_frame(&mut self, now: Instant, port: usize, frame: &[u8]) {
        self.counters.bump(Counter::RxFrames);
        if port != 0 {
            return self.counters.bump(Counter::RxDropBadPort);
        }
        let eth = match packet::parse_eth(frame) {
            Ok(e) => e,
            Err(e) => return self.counters.bump(e.counter()),
        };
        if eth.dst != self.mac && !eth.dst.is_group() {
            return self.counters.bump(Counter::RxNotForUs);
        }
        match eth.ethertype {
            ETHERTYPE_ARP => self.arp_input(now, eth.payload),
            ETHERTYPE_IPV4 => match packet::parse_ipv4(eth.payload) {
                Ok(info) => {
                    let p = eth.payload[..info.total_len].to_vec();
                    self.ip_input(now, p, info);
                }
                Err(e) => {
                    self.counters.bump(e.counter());
                    self.log.push_back(format!("dropped malformed input: {e}"));
                }
            },
            _ => self.counters.bump(Counter::RxDropEthertype),
        }
    }

    fn handle_timeout(&mut self, now: Instant) {
        if self.arp.poll_timeout().is_some_and(|t| t <= now) {
            let t = self.arp.handle_timeout(now);
            for ip in t.retry {
                self.arp_request(ip);
            }
            for (ip, packets) in t.failed {
                self.log.push_back(format!("arp {ip} unreachable"));
                for p in packets {
                    self.counters.bump(Counter::DropArpFailed);
                    self.undeliverable(&p, PingErrorKind::ArpFailed);
                }
            }
        }
        if self.reasm.poll_timeout().is_some_and(|t| t <= now) {
            for _ in self.reasm.handle_timeout(now) {
                self.counters.bump(Counter::ReasmTimeout);
            }
        }
        for job in 0..self.jobs.len() {
            while let Some(t) = self.jobs[job].next_send.filter(|t| *t <= now) {
                self.send_echo(now, job);
                let j = &mut self.jobs[job];
                if j.report.sent < j.report.spec.count {
                    j.next_send = Some(t + j.report.spec.interval);
                } else {
                    j.next_send = None;
                    j.finish_at = Some(now + j.report.spec.timeout);
                }
            }
            let j = &self.jobs[job];
            if !j.report.done && j.finish_at.is_some_and(|t| t <= now) {
                self.finish(job);
            }
        }
    }

    fn poll_output(&mut self) -> Option<(usize, Vec<u8>)> {
        self.out.pop_front()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.jobs
            .iter()
            .filter_map(Job::next_event)
            .chain(self.arp.poll_timeout())
            .chain(self.reasm.poll_timeout())
            .min()
    }

    fn poll_log(&mut self) -> Option<String> {
        self.log.pop_front()
    }
}
