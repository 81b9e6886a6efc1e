//! IPv4 fragmentation and reassembly, as far as ESP (or a large ping) over a small MTU needs:
//! fragments carry a copy of the whole header (packets built here have no options); reassembly
//! tolerates any arrival order, overlaps and duplicates, and is bounded against hostile input
//! (per-datagram size, number of datagrams in progress, a timeout).

use core::time::Duration;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use ikelab_peers::time::Instant;

use crate::Counter;
use crate::packet::{parse_ipv4, rewrite_ipv4_header, set_fragment};

/// How long the pieces of a datagram are kept (RFC 791's upper bound is 15 s; Linux uses 30 s).
pub const REASSEMBLY_TIMEOUT: Duration = Duration::from_secs(30);
/// Datagrams reassembled at once, at most.
pub const MAX_REASSEMBLIES: usize = 64;

/// Why a packet could not be fragmented.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FragError {
    /// The packet has DF set and is larger than the MTU.
    DontFragment,
    /// The MTU leaves no room for 8 bytes of payload, or the packet is malformed.
    Impossible,
}

/// Splits a checked IPv4 packet into fragments of at most `mtu` bytes (the packet itself if it
/// fits).
pub fn fragment(packet: &[u8], mtu: usize) -> Result<Vec<Vec<u8>>, FragError> {
    let info = parse_ipv4(packet).map_err(|_| FragError::Impossible)?;
    if info.total_len <= mtu {
        return Ok(vec![packet[..info.total_len].to_vec()]);
    }
    if info.df {
        return Err(FragError::DontFragment);
    }
    let hl = info.header_len;
    let chunk = mtu.saturating_sub(hl) & !7;
    if chunk == 0 {
        return Err(FragError::Impossible);
    }
    let payload = &packet[hl..info.total_len];
    let mut out = Vec::with_capacity(payload.len().div_ceil(chunk));
    let mut off = 0;
    while off < payload.len() {
        let end = (off + chunk).min(payload.len());
        let last = end == payload.len();
        let mut f = Vec::with_capacity(hl + end - off);
        f.extend_from_slice(&packet[..hl]);
        f.extend_from_slice(&payload[off..end]);
        let total = f.len();
        let mut ok = true;
        rewrite_ipv4_header(&mut f, |h| {
            h.total_len = total as u16;
            ok = set_fragment(h, info.frag_offset + off, !last || info.mf);
        })
        .map_err(|_| FragError::Impossible)?;
        if !ok {
            return Err(FragError::Impossible);
        }
        out.push(f);
        off = end;
    }
    Ok(out)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    src: Ipv4Addr,
    dst: Ipv4Addr,
    protocol: u8,
    id: u16,
}

#[derive(Debug)]
struct Datagram {
    /// Header of the first fragment, once seen.
    header: Option<Vec<u8>>,
    data: Vec<u8>,
    /// Received byte ranges of the payload, merged and sorted.
    have: Vec<(usize, usize)>,
    /// Payload length, once the last fragment is seen.
    total: Option<usize>,
    deadline: Instant,
}

/// What a reassembly step produced.
#[derive(Debug, PartialEq, Eq)]
pub enum Reassembly {
    /// The packet was whole already, or this fragment completed its datagram.
    Complete(Vec<u8>),
    /// Kept, waiting for the rest.
    Pending,
    /// Dropped (malformed, too large, or too many datagrams in progress).
    Dropped(Counter),
}

/// Datagrams being put back together.
#[derive(Debug, Default)]
pub struct Reassembler {
    pending: BTreeMap<Key, Datagram>,
}

impl Reassembler {
    /// Takes a checked IPv4 packet (sliced to its total length).
    pub fn push(&mut self, now: Instant, packet: &[u8]) -> Reassembly {
        let Ok(info) = parse_ipv4(packet) else {
            return Reassembly::Dropped(Counter::RxDropBadIpv4);
        };
        if !info.is_fragment() {
            return Reassembly::Complete(packet[..info.total_len].to_vec());
        }
        let key = Key {
            src: info.src,
            dst: info.dst,
            protocol: info.protocol,
            id: info.id,
        };
        let start = info.frag_offset;
        let payload = &packet[info.header_len..info.total_len];
        let end = start + payload.len();
        if end + info.header_len > 65_535 || (info.mf && payload.len() % 8 != 0) {
            return Reassembly::Dropped(Counter::ReasmDropBadFragment);
        }
        if !self.pending.contains_key(&key) && self.pending.len() >= MAX_REASSEMBLIES {
            return Reassembly::Dropped(Counter::ReasmDropTooMany);
        }
        let d = self.pending.entry(key).or_insert_with(|| Datagram {
            header: None,
            data: Vec::new(),
            have: Vec::new(),
            total: None,
            deadline: now + REASSEMBLY_TIMEOUT,
        });
        if !info.mf {
            if d.total.is_some_and(|t| t != end) || d.have.last().is_some_and(|r| r.1 > end) {
                self.pending.remove(&key);
                return Reassembly::Dropped(Counter::ReasmDropInconsistent);
            }
            d.total = Some(end);
        } else if d.total.is_some_and(|t| end > t) {
            self.pending.remove(&key);
            return Reassembly::Dropped(Counter::ReasmDropInconsistent);
        }
        if start == 0 {
            d.header = Some(packet[..info.header_len].to_vec());
        }
        if d.data.len() < end {
            d.data.resize(end, 0);
        }
        d.data[start..end].copy_from_slice(payload);
        add_range(&mut d.have, (start, end));
        let complete = d.header.is_some() && d.total.is_some_and(|t| d.have == [(0, t)]);
        if !complete {
            return Reassembly::Pending;
        }
        let Some(d) = self.pending.remove(&key) else {
            return Reassembly::Pending;
        };
        let header = d.header.unwrap_or_default();
        let mut p = header;
        p.extend_from_slice(&d.data);
        let total = p.len();
        match rewrite_ipv4_header(&mut p, |h| {
            h.total_len = total as u16;
            set_fragment(h, 0, false);
        }) {
            Ok(()) => Reassembly::Complete(p),
            Err(_) => Reassembly::Dropped(Counter::ReasmDropBadFragment),
        }
    }

    /// The earliest reassembly deadline.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.pending.values().map(|d| d.deadline).min()
    }

    /// Drops datagrams whose time is up; returns the first fragment (header and the first 8
    /// bytes) of each one that had it, for an ICMP "reassembly time exceeded".
    pub fn handle_timeout(&mut self, now: Instant) -> Vec<Vec<u8>> {
        let expired: Vec<Key> = self
            .pending
            .iter()
            .filter(|(_, d)| d.deadline <= now)
            .map(|(k, _)| *k)
            .collect();
        let mut firsts = Vec::new();
        for k in expired {
            let Some(d) = self.pending.remove(&k) else {
                continue;
            };
            let Some(mut h) = d.header else { continue };
            let n = d.data.len().min(8);
            h.extend_from_slice(&d.data[..n]);
            let total = h.len();
            if rewrite_ipv4_header(&mut h, |x| x.total_len = total as u16).is_ok() {
                firsts.push(h);
            }
        }
        firsts
    }

    /// Datagrams in progress.
    pub fn len(&self) -> usize {
        self.pending.len()
    }

    /// Whether none is in progress.
    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }
}

fn add_range(have: &mut Vec<(usize, usize)>, (s, e): (usize, usize)) {
    have.push((s, e));
    have.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(have.len());
    for &(s, e) in have.iter() {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    *have = merged;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::{Ipv4Build, PROTO_ESP, ipv4_packet};

    fn big(len: usize, df: bool) -> Vec<u8> {
        let b = Ipv4Build {
            src: Ipv4Addr::new(172, 16, 0, 1),
            dst: Ipv4Addr::new(172, 16, 0, 2),
            protocol: PROTO_ESP,
            ttl: 64,
            id: 0x1234,
            df,
        };
        let payload: Vec<u8> = (0..len).map(|i| i as u8).collect();
        ipv4_packet(&b, &payload).unwrap()
    }

    #[test]
    fn fragments_and_reassembles_in_any_order() {
        let p = big(3000, false);
        let frags = fragment(&p, 576).unwrap();
        assert!(frags.len() > 5);
        assert!(frags.iter().all(|f| f.len() <= 576));
        for order in [false, true] {
            let mut r = Reassembler::default();
            let mut fs = frags.clone();
            if order {
                fs.reverse();
                // A duplicate on the way.
                fs.insert(2, fs[1].clone());
            }
            let mut got = None;
            for f in &fs {
                if let Reassembly::Complete(x) = r.push(Instant::ZERO, f) {
                    got = Some(x);
                }
            }
            assert_eq!(got.as_deref(), Some(&p[..]));
            assert!(r.is_empty());
        }
    }

    #[test]
    fn df_and_fit() {
        assert_eq!(
            fragment(&big(2000, true), 1500),
            Err(FragError::DontFragment)
        );
        assert_eq!(fragment(&big(100, true), 1500).unwrap().len(), 1);
        assert_eq!(fragment(&big(100, false), 20), Err(FragError::Impossible));
    }

    #[test]
    fn incomplete_datagrams_time_out() {
        let frags = fragment(&big(3000, false), 1500).unwrap();
        let mut r = Reassembler::default();
        assert_eq!(r.push(Instant::ZERO, &frags[0]), Reassembly::Pending);
        let t = r.poll_timeout().unwrap();
        assert_eq!(t, Instant::ZERO + REASSEMBLY_TIMEOUT);
        let firsts = r.handle_timeout(t);
        assert_eq!(firsts.len(), 1);
        assert_eq!(firsts[0].len(), 28);
        assert!(r.is_empty());
    }
}
