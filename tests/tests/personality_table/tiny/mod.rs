//! "tiny", a personality that exists only in this test: SEIL's dialect under its own name, its
//! own one-line-per-phase log, a reconfigure that only restarts, and its own fix hint.

use std::sync::Arc;
use std::time::Duration;

use ikelab_peers::ike::{Behaviour, Event, EventKind};
use ikelab_peers::personality::{
    ConfigErrors, Edit, LogLine, LogRenderer, LogSetup, Mismatch, Parsed, Personality,
    ReconfigureStep, RouterConfig, Setting, SystemEvent, Vendor, WallClock, seil,
};
use ikelab_peers::time::Instant;

/// Its name.
pub const TINY: Vendor = Vendor::new("tiny");

/// The personality.
#[derive(Debug)]
pub struct Tiny;

#[derive(Debug)]
struct TinyLogSetup;

struct TinyLog(WallClock);

impl LogRenderer for TinyLog {
    fn render(&mut self, event: &Event) -> Vec<LogLine> {
        let text = match &event.kind {
            EventKind::Phase1Established { remote, .. } => {
                format!("tiny: phase 1 up with {remote}")
            }
            EventKind::Phase2Established { remote, .. } => {
                format!("tiny: phase 2 up with {remote}")
            }
            _ => return vec![],
        };
        vec![LogLine {
            at: event.at,
            text: format!("{} {text}", self.0.syslog(event.at)),
        }]
    }

    fn system(&mut self, _at: Instant, _what: SystemEvent) -> Vec<LogLine> {
        vec![]
    }
}

impl LogSetup for TinyLogSetup {
    fn renderer(&self, clock: WallClock) -> Box<dyn LogRenderer> {
        Box::new(TinyLog(clock))
    }
}

impl Personality for Tiny {
    fn vendor(&self) -> Vendor {
        TINY
    }

    fn parse(&self, file: &str, text: &str) -> Result<Parsed, ConfigErrors> {
        let mut router = seil::parse(file, text)?;
        router.vendor = TINY;
        Ok(Parsed {
            router,
            log: Arc::new(TinyLogSetup),
        })
    }

    fn behaviour(&self) -> Behaviour {
        seil::behaviour()
    }

    fn reconfigure(&self) -> Vec<(Duration, ReconfigureStep)> {
        vec![(Duration::ZERO, ReconfigureStep::Restart)]
    }

    /// Its own hint: a line of its own after the policy's line.
    fn fix(&self, config: &RouterConfig, mismatch: &Mismatch<'_>) -> Option<Vec<Edit>> {
        match mismatch {
            Mismatch::Ids {
                policy,
                local,
                remote,
            } => {
                let line = config.origins.get(&Setting::Policy(policy.to_string()))?;
                Some(vec![Edit::insert_after(
                    line,
                    format!("tiny-ids {} {}", local.data, remote.data),
                )])
            }
            _ => None,
        }
    }
}
