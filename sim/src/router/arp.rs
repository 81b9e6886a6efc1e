//! The ARP cache of one interface (routers and hosts alike): entries expire after
//! [`ARP_LIFETIME`] (checked lazily, so an idle cache has no timers), unresolved addresses hold a
//! short queue of packets while requests are retried, and give up after [`ARP_TRIES`].

use core::time::Duration;
use std::collections::{BTreeMap, VecDeque};
use std::net::Ipv4Addr;

use ikelab_peers::time::Instant;

use crate::MacAddr;

/// How long a learned entry is used before it must be resolved again.
pub const ARP_LIFETIME: Duration = Duration::from_secs(300);
/// Time between requests for an unresolved address.
pub const ARP_RETRY: Duration = Duration::from_secs(1);
/// Requests sent before the address is declared unreachable.
pub const ARP_TRIES: u8 = 3;
/// Packets held per unresolved address (older ones are dropped first; Linux's historical
/// `unres_qlen`).
pub const ARP_QUEUE: usize = 101;

#[derive(Debug)]
struct Pending {
    packets: VecDeque<Vec<u8>>,
    tries: u8,
    next: Instant,
}

/// What [`ArpTable::enqueue`] decided.
#[derive(Debug, Default)]
pub struct Enqueued {
    /// A request must go out now (first packet for this address).
    pub send_request: bool,
    /// A packet pushed out of the full queue.
    pub dropped: Option<Vec<u8>>,
}

/// What an ARP timeout produced.
#[derive(Debug, Default)]
pub struct ArpTimeouts {
    /// Addresses to send another request for.
    pub retry: Vec<Ipv4Addr>,
    /// Addresses given up on, with the packets that waited for them.
    pub failed: Vec<(Ipv4Addr, Vec<Vec<u8>>)>,
}

/// One interface's cache.
#[derive(Debug, Default)]
pub struct ArpTable {
    entries: BTreeMap<Ipv4Addr, (MacAddr, Instant)>,
    pending: BTreeMap<Ipv4Addr, Pending>,
}

impl ArpTable {
    /// The MAC of `ip` if known and not expired at `now`.
    pub fn lookup(&self, now: Instant, ip: Ipv4Addr) -> Option<MacAddr> {
        self.entries
            .get(&ip)
            .filter(|(_, expires)| now < *expires)
            .map(|(mac, _)| *mac)
    }

    /// Learns `ip` at `mac`; returns whether it was new or changed, and the packets that were
    /// waiting for it.
    pub fn insert(&mut self, now: Instant, ip: Ipv4Addr, mac: MacAddr) -> (bool, Vec<Vec<u8>>) {
        let fresh = self.lookup(now, ip) != Some(mac);
        self.entries.insert(ip, (mac, now + ARP_LIFETIME));
        let waiting = self
            .pending
            .remove(&ip)
            .map(|p| p.packets.into())
            .unwrap_or_default();
        (fresh, waiting)
    }

    /// Holds `packet` until `ip` resolves.
    pub fn enqueue(&mut self, now: Instant, ip: Ipv4Addr, packet: Vec<u8>) -> Enqueued {
        let mut r = Enqueued::default();
        let p = self.pending.entry(ip).or_insert_with(|| {
            r.send_request = true;
            Pending {
                packets: VecDeque::new(),
                tries: 1,
                next: now + ARP_RETRY,
            }
        });
        if p.packets.len() >= ARP_QUEUE {
            r.dropped = p.packets.pop_front();
        }
        p.packets.push_back(packet);
        r
    }

    /// When a request is next due, if any address is unresolved.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.pending.values().map(|p| p.next).min()
    }

    /// Retries or gives up on what is due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) -> ArpTimeouts {
        let mut out = ArpTimeouts::default();
        let due: Vec<Ipv4Addr> = self
            .pending
            .iter()
            .filter(|(_, p)| p.next <= now)
            .map(|(ip, _)| *ip)
            .collect();
        for ip in due {
            let Some(p) = self.pending.get_mut(&ip) else {
                continue;
            };
            if p.tries >= ARP_TRIES {
                if let Some(p) = self.pending.remove(&ip) {
                    out.failed.push((ip, p.packets.into()));
                }
            } else {
                p.tries += 1;
                p.next = now + ARP_RETRY;
                out.retry.push(ip);
            }
        }
        out
    }

    /// The entries (address, MAC, expiry), expired ones included, in address order.
    pub fn entries(&self) -> impl Iterator<Item = (Ipv4Addr, MacAddr, Instant)> + '_ {
        self.entries
            .iter()
            .map(|(ip, (mac, exp))| (*ip, *mac, *exp))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_expires_and_gives_up() {
        let mut t = ArpTable::default();
        let ip = Ipv4Addr::new(10, 0, 0, 2);
        let mac = MacAddr::derived("x");
        let t0 = Instant::ZERO;
        let e = t.enqueue(t0, ip, vec![1]);
        assert!(e.send_request);
        assert!(!t.enqueue(t0, ip, vec![2]).send_request);
        let (fresh, waiting) = t.insert(t0, ip, mac);
        assert!(fresh);
        assert_eq!(waiting, vec![vec![1], vec![2]]);
        assert_eq!(t.lookup(t0, ip), Some(mac));
        assert_eq!(t.lookup(t0 + ARP_LIFETIME, ip), None);
        assert_eq!(t.poll_timeout(), None);

        let other = Ipv4Addr::new(10, 0, 0, 3);
        for i in 0..ARP_QUEUE + 2 {
            let e = t.enqueue(t0, other, vec![i as u8]);
            assert_eq!(e.dropped.is_some(), i >= ARP_QUEUE);
        }
        let mut retries = 0;
        let now = loop {
            let now = t.poll_timeout().unwrap();
            let o = t.handle_timeout(now);
            retries += o.retry.len();
            if let Some((ip, pkts)) = o.failed.into_iter().next() {
                assert_eq!(ip, other);
                assert_eq!(pkts.len(), ARP_QUEUE);
                break now;
            }
        };
        assert_eq!(retries, usize::from(ARP_TRIES) - 1);
        assert_eq!(now, t0 + ARP_RETRY * u32::from(ARP_TRIES));
        assert_eq!(t.poll_timeout(), None);
    }
}
