//! The receiver's anti-replay sliding window (RFC 4303 section 3.4.3 and appendix A2).

use super::EspError;

/// Window size in packets: the RFC's default and its minimum for a 32-bit counter.
pub const REPLAY_WINDOW: u32 = 64;

/// Which of the last [`REPLAY_WINDOW`] sequence numbers have been accepted.
///
/// Checking and updating are separate because the window may only move for packets whose ICV
/// verified: otherwise a forger could slide it forward and make genuine packets look old.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReplayWindow {
    /// Highest sequence number accepted; 0 before the first packet.
    highest: u32,
    /// Bit `i` set: `highest - i` was accepted.
    seen: u64,
}

impl ReplayWindow {
    /// An empty window: every sequence number from 1 up is acceptable.
    pub const fn new() -> Self {
        Self {
            highest: 0,
            seen: 0,
        }
    }

    /// Highest sequence number accepted so far (0 if none).
    pub fn highest(&self) -> u32 {
        self.highest
    }

    /// Whether `seq` may be accepted, without changing the window.
    pub fn check(&self, seq: u32) -> Result<(), EspError> {
        if seq == 0 {
            return Err(EspError::ZeroSequence);
        }
        if seq > self.highest {
            return Ok(());
        }
        let age = self.highest - seq;
        if age >= REPLAY_WINDOW {
            return Err(EspError::TooOld {
                seq,
                highest: self.highest,
            });
        }
        if self.seen & (1u64 << age) != 0 {
            return Err(EspError::Replayed { seq });
        }
        Ok(())
    }

    /// Records `seq` as accepted; call only after [`Self::check`] passed and the ICV verified.
    pub fn accept(&mut self, seq: u32) {
        if seq > self.highest {
            let shift = seq - self.highest;
            self.seen = if shift >= REPLAY_WINDOW {
                0
            } else {
                self.seen << shift
            };
            self.seen |= 1;
            self.highest = seq;
        } else {
            let age = self.highest - seq;
            if age < REPLAY_WINDOW {
                self.seen |= 1u64 << age;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn take(w: &mut ReplayWindow, seq: u32) -> Result<(), EspError> {
        w.check(seq)?;
        w.accept(seq);
        Ok(())
    }

    #[test]
    fn in_order_then_duplicate() {
        let mut w = ReplayWindow::new();
        assert_eq!(take(&mut w, 0), Err(EspError::ZeroSequence));
        for s in 1..=100 {
            take(&mut w, s).unwrap();
        }
        assert_eq!(take(&mut w, 100), Err(EspError::Replayed { seq: 100 }));
        assert_eq!(take(&mut w, 37), Err(EspError::Replayed { seq: 37 }));
        assert_eq!(
            take(&mut w, 36),
            Err(EspError::TooOld {
                seq: 36,
                highest: 100
            })
        );
    }

    #[test]
    fn out_of_order_inside_window() {
        let mut w = ReplayWindow::new();
        take(&mut w, 70).unwrap();
        // 70 - 63 = 7 is the oldest number still inside the window.
        take(&mut w, 7).unwrap();
        assert!(matches!(take(&mut w, 6), Err(EspError::TooOld { .. })));
        take(&mut w, 69).unwrap();
        assert_eq!(take(&mut w, 69), Err(EspError::Replayed { seq: 69 }));
        // A jump wider than the window clears it.
        take(&mut w, 1000).unwrap();
        take(&mut w, 999).unwrap();
        take(&mut w, 937).unwrap();
        assert!(matches!(take(&mut w, 936), Err(EspError::TooOld { .. })));
        take(&mut w, u32::MAX).unwrap();
        assert_eq!(
            take(&mut w, u32::MAX),
            Err(EspError::Replayed { seq: u32::MAX })
        );
    }

    #[test]
    fn check_alone_does_not_move_the_window() {
        let mut w = ReplayWindow::new();
        take(&mut w, 5).unwrap();
        w.check(500).unwrap();
        take(&mut w, 6).unwrap();
        assert_eq!(w.highest(), 6);
    }
}
