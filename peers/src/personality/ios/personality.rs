//! IOS as a [`Personality`]: its dialect, `debug crypto isakmp`/`ipsec` log, behaviour,
//! reconfigure schedule and hints.

use std::sync::Arc;
use std::time::Duration;

use crate::ike::{Behaviour, EngineConfig};
use crate::personality::{
    ConfigErrors, Edit, LogRenderer, LogSetup, Mismatch, Parsed, Personality, ReconfigureStep,
    RouterConfig, Vendor, WallClock,
};

use super::{IosLog, hints};

impl Vendor {
    /// Cisco IOS with classic crypto maps.
    #[allow(non_upper_case_globals)]
    pub const Ios: Vendor = Vendor::new("ios");
}

/// The IOS personality.
#[derive(Clone, Copy, Debug, Default)]
pub struct Ios;

/// The IOS debug log; it knows the config's policies for its `IPSEC(sa_request)` block.
#[derive(Debug)]
struct IosLogSetup(Arc<EngineConfig>);

impl LogSetup for IosLogSetup {
    fn renderer(&self, clock: WallClock) -> Box<dyn LogRenderer> {
        Box::new(IosLog::new(clock, self.0.clone()))
    }
}

impl Personality for Ios {
    fn vendor(&self) -> Vendor {
        Vendor::Ios
    }

    fn parse(&self, file: &str, text: &str) -> Result<Parsed, ConfigErrors> {
        let router = super::parse(file, text)?;
        let log = Arc::new(IosLogSetup(Arc::new(router.engine.clone())));
        Ok(Parsed { router, log })
    }

    fn behaviour(&self) -> Behaviour {
        super::behaviour()
    }

    /// A changed crypto map takes effect for new negotiations; ikelab restarts the daemon (what
    /// IOS does with SAs already up when a config changes is not modelled).
    fn reconfigure(&self) -> Vec<(Duration, ReconfigureStep)> {
        vec![(Duration::ZERO, ReconfigureStep::Restart)]
    }

    fn fix(&self, config: &RouterConfig, mismatch: &Mismatch<'_>) -> Option<Vec<Edit>> {
        hints::fix(config, mismatch)
    }

    fn site_config(&self, site: &crate::personality::Site<'_>) -> Option<String> {
        super::site::site_config(site)
    }
}
