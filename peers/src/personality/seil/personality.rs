//! SEIL as a [`Personality`]: its dialect, log, behaviour, reconfigure schedule and hints.

use std::sync::Arc;
use std::time::Duration;

use crate::ike::Behaviour;
use crate::personality::{
    ConfigErrors, Edit, LogRenderer, LogSetup, Mismatch, Parsed, Personality, ReconfigureStep,
    RouterConfig, Site, Vendor, WallClock,
};

use super::{SeilLog, hints};

impl Vendor {
    /// IIJ SEIL (KAME racoon lineage).
    #[allow(non_upper_case_globals)]
    pub const Seil: Vendor = Vendor::new("seil");
}

/// The SEIL personality.
#[derive(Clone, Copy, Debug, Default)]
pub struct Seil;

/// SEIL's log, numbered from 1 (its config sets nothing about it).
#[derive(Debug)]
struct SeilLogSetup;

impl LogSetup for SeilLogSetup {
    fn renderer(&self, clock: WallClock) -> Box<dyn LogRenderer> {
        Box::new(SeilLog::new(clock, 1))
    }
}

impl Personality for Seil {
    fn vendor(&self) -> Vendor {
        Vendor::Seil
    }

    fn parse(&self, file: &str, text: &str) -> Result<Parsed, ConfigErrors> {
        Ok(Parsed {
            router: super::parse(file, text)?,
            log: Arc::new(SeilLogSetup),
        })
    }

    fn behaviour(&self) -> Behaviour {
        super::behaviour()
    }

    /// As SEIL's log after the fix shows: the IKE daemon restarts (a new phase 1, with
    /// INITIAL-CONTACT, and phase 2 under the new policy), then about two seconds later the
    /// system re-initialises the SAD (sending Deletes for its inbound SAs) and the SPD, and
    /// phase 2 is negotiated again on the same ISAKMP SA.
    fn reconfigure(&self) -> Vec<(Duration, ReconfigureStep)> {
        vec![
            (Duration::ZERO, ReconfigureStep::Restart),
            (Duration::from_secs(2), ReconfigureStep::FlushAndReload),
        ]
    }

    fn fix(&self, config: &RouterConfig, mismatch: &Mismatch<'_>) -> Option<Vec<Edit>> {
        hints::fix(config, mismatch)
    }

    fn site_config(&self, site: &Site<'_>) -> Option<String> {
        super::site::site_config(site)
    }
}
