//! SAD and SPD housekeeping from outside the negotiations: removing IPsec SAs with their events,
//! flushing the SAD (SEIL after a configuration change), stopping the daemon, and reloading the
//! policies.

use std::net::Ipv4Addr;

use super::event::{DeleteReason, Direction, EventKind};
use super::index::Ph1Index;
use super::{Engine, IpsecSa, Ph2, Policy, quick_mode};
use crate::time::Instant;

impl Ph2 {
    /// Ends the exchange where it stands (kept a while to answer retransmissions).
    pub(crate) fn abandon(&mut self, now: Instant) {
        self.state = quick_mode::State::Done;
        self.pending = None;
        self.finished.get_or_insert(now);
    }
}

impl Engine {
    /// The most recent established phase-1 SA with `remote`, to send Deletes under.
    pub(crate) fn latest_ph1_with(&self, remote: Ipv4Addr) -> Option<Ph1Index> {
        Ph1Index::rfind(&self.ph1s, |p| p.established() && *p.remote.ip() == remote)
    }

    /// Removes IPsec SAs matching `which`, with an event for each.
    pub(crate) fn remove_sas(
        &mut self,
        which: impl Fn(&IpsecSa) -> bool,
        reason: DeleteReason,
    ) -> Vec<(u32, Direction)> {
        let mut removed = vec![];
        let mut k = 0;
        while k < self.sas.len() {
            if which(&self.sas[k]) {
                let s = self.sas.remove(k);
                removed.push((s.spi, s.direction));
                let (src, dst) = s.outer();
                self.event(EventKind::SaDeleted {
                    spi: s.spi,
                    direction: s.direction,
                    mode: s.mode,
                    src,
                    dst,
                    reason,
                });
            } else {
                k += 1;
            }
        }
        removed
    }

    /// Deletes every IPsec SA, telling each peer which of our inbound SPIs are gone (SEIL after
    /// a configuration change: "Security Association Database Initialized.").
    pub fn flush(&mut self, now: Instant) {
        self.now = now;
        self.event(EventKind::SadFlushed);
        let inbound: Vec<(u32, Ipv4Addr)> = self
            .sas
            .iter()
            .filter(|s| s.direction == Direction::Inbound)
            .map(|s| (s.spi, s.remote))
            .collect();
        for (spi, remote) in inbound {
            if let Some(i) = self.latest_ph1_with(remote) {
                self.send_esp_delete(i, &[spi]);
            }
        }
        self.remove_sas(|_| true, DeleteReason::Flushed);
        for q in &mut self.ph2s {
            q.abandon(now);
        }
        self.waiting.clear();
    }

    /// The daemon stops (racoon on SIGTERM: `flushph2`, then `flushph1`): each peer is told which
    /// of our inbound ESP SAs are gone, then each established ISAKMP SA is deleted with a Delete;
    /// negotiations under way are dropped silently, and every IPsec SA is removed.
    pub fn shutdown(&mut self, now: Instant) {
        self.now = now;
        let mut remotes: Vec<Ipv4Addr> = self
            .sas
            .iter()
            .filter(|s| s.direction == Direction::Inbound)
            .map(|s| s.remote)
            .collect();
        remotes.sort();
        remotes.dedup();
        for remote in remotes {
            let spis: Vec<u32> = self
                .sas
                .iter()
                .filter(|s| s.direction == Direction::Inbound && s.remote == remote)
                .map(|s| s.spi)
                .collect();
            if let Some(i) = self.latest_ph1_with(remote) {
                self.send_esp_delete(i, &spis);
            }
        }
        self.remove_sas(|_| true, DeleteReason::Shutdown);
        for i in Ph1Index::all(&self.ph1s) {
            if self.ph1s[i].state != super::State::Dead {
                self.delete_phase1(i, true, DeleteReason::Shutdown);
            }
        }
        self.waiting.clear();
        self.stopped = true;
    }

    /// Replaces the traffic policies ("Security Policy Database Initialized.") and starts those
    /// marked `auto_start`.
    pub fn reload_policies(&mut self, now: Instant, policies: Vec<Policy>) {
        self.now = now;
        self.cfg.policies = policies;
        self.waiting.clear();
        for q in &mut self.ph2s {
            q.abandon(now);
        }
        self.event(EventKind::SpdReloaded);
        self.start_auto();
    }
}
