//! The RTX as a [`Personality`]: its dialect, log (which names the config's tunnels),
//! behaviour, reconfigure schedule and hints.

use std::net::Ipv4Addr;
use std::sync::Arc;
use std::time::Duration;

use crate::ike::Behaviour;
use crate::personality::{
    ConfigErrors, Edit, LogRenderer, LogSetup, Mismatch, Parsed, Personality, ReconfigureStep,
    RouterConfig, Vendor, WallClock,
};

use super::{RtxLog, hints};

impl Vendor {
    /// Yamaha RTX (RTX1210, RTX830).
    #[allow(non_upper_case_globals)]
    pub const Rtx: Vendor = Vendor::new("rtx");
}

/// The Yamaha RTX personality.
#[derive(Clone, Copy, Debug, Default)]
pub struct Rtx;

/// The RTX log for a config's tunnels (number, peer address); its lines carry no date.
#[derive(Debug)]
struct RtxLogSetup(Vec<(u32, Option<Ipv4Addr>)>);

impl LogSetup for RtxLogSetup {
    fn renderer(&self, _clock: WallClock) -> Box<dyn LogRenderer> {
        Box::new(RtxLog::new(self.0.clone()))
    }
}

impl Personality for Rtx {
    fn vendor(&self) -> Vendor {
        Vendor::Rtx
    }

    fn parse(&self, file: &str, text: &str) -> Result<Parsed, ConfigErrors> {
        let c = super::parse_rtx(file, text)?;
        Ok(Parsed {
            router: c.router,
            log: Arc::new(RtxLogSetup(c.tunnels)),
        })
    }

    fn behaviour(&self) -> Behaviour {
        super::behaviour()
    }

    /// The daemon restarts with the new configuration (how an RTX applies a changed IPsec
    /// configuration is not in the sources).
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
