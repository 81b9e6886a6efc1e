//! The IX as a [`Personality`]: its dialect, log (set up by the config's `logging` commands),
//! behaviour, reconfigure schedule and hints.

use std::sync::Arc;
use std::time::Duration;

use crate::ike::Behaviour;
use crate::personality::{
    ConfigErrors, Edit, LogRenderer, LogSetup, Mismatch, Parsed, Personality, ReconfigureStep,
    RouterConfig, Site, Vendor, WallClock,
};

use super::{IxLog, IxLogOptions, IxLogging, IxTimestamp, hints};

impl Vendor {
    /// NEC IX (IX2015).
    #[allow(non_upper_case_globals)]
    pub const Ix: Vendor = Vendor::new("ix");
}

/// The IX personality.
#[derive(Clone, Copy, Debug, Default)]
pub struct Ix;

/// The IX log as the config's `logging` commands set it up; timestamps are dated from the run's
/// wall clock, year included.
#[derive(Debug)]
struct IxLogSetup(IxLogging);

impl LogSetup for IxLogSetup {
    fn renderer(&self, clock: WallClock) -> Box<dyn LogRenderer> {
        let start = IxTimestamp { clock };
        Box::new(IxLog::new(IxLogOptions::from_logging(&self.0, start)))
    }
}

impl Personality for Ix {
    fn vendor(&self) -> Vendor {
        Vendor::Ix
    }

    fn parse(&self, file: &str, text: &str) -> Result<Parsed, ConfigErrors> {
        let c = super::parse_ix(file, text)?;
        Ok(Parsed {
            router: c.router,
            log: Arc::new(IxLogSetup(c.logging)),
        })
    }

    fn behaviour(&self) -> Behaviour {
        super::behaviour()
    }

    /// The daemon restarts (the document does not show an IX being reconfigured).
    fn reconfigure(&self) -> Vec<(Duration, ReconfigureStep)> {
        vec![(Duration::ZERO, ReconfigureStep::Restart)]
    }

    fn fix(&self, config: &RouterConfig, mismatch: &Mismatch<'_>) -> Option<Vec<Edit>> {
        hints::fix(config, mismatch)
    }

    fn site_config(&self, site: &Site<'_>) -> Option<String> {
        super::site::site_config(site)
    }
}
