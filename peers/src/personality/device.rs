//! What a device personality gives the rest of ikelab ([`Personality`]): its config dialect, the
//! log renderer a parsed config sets up, its behaviour defaults, how it applies a changed
//! configuration, and fix hints written in its own commands.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::ike::{Behaviour, QmId};

use super::{ConfigErrors, LogRenderer, RouterConfig, Vendor, WallClock};

/// A device ikelab imitates. Each device folder (`seil/`, `ix/`) has one; the
/// [`Personalities`](super::Personalities) table maps scenario names to them.
pub trait Personality: Send + Sync + fmt::Debug {
    /// The name it prints in outcomes and `summary.json`, and that its configs carry.
    fn vendor(&self) -> Vendor;

    /// Parses a config in the device's dialect; `file` names it in diagnostics.
    fn parse(&self, file: &str, text: &str) -> Result<Parsed, ConfigErrors>;

    /// The IKE behaviour its configs start from.
    fn behaviour(&self) -> Behaviour;

    /// What applying a changed configuration does, step by step after the moment it is applied.
    fn reconfigure(&self) -> Vec<(Duration, ReconfigureStep)>;

    /// The change to this device's config that removes `mismatch`, as the sentence after
    /// "Fix on `router` " in a diagnosis, or `None` when it has no hint for it.
    fn fix(&self, mismatch: &Mismatch<'_>) -> Option<String>;
}

/// A difference between two routers' configs that a diagnosis found.
#[derive(Clone, Copy, Debug)]
pub enum Mismatch<'a> {
    /// The phase-2 IDs this device proposes differ from those its peer has a policy for.
    Ids {
        /// What the peer expects this device to propose as its own (local) ID.
        local: &'a QmId,
        /// What the peer expects as the remote ID.
        remote: &'a QmId,
    },
}

/// One step of applying a changed configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReconfigureStep {
    /// The IKE daemon restarts with the new configuration.
    Restart,
    /// The system flushes the SAD (Deletes for the inbound SAs) and reloads the SPD with the new
    /// configuration's policies.
    FlushAndReload,
}

/// Sets up a router's log renderer; a parsed config carries one with the settings it read (the
/// IX's `logging` commands, say).
pub trait LogSetup: Send + Sync + fmt::Debug {
    /// A renderer whose lines are dated from `clock`.
    fn renderer(&self, clock: WallClock) -> Box<dyn LogRenderer>;
}

/// A parsed config: the vendor-neutral router and what its log renderer needs.
#[derive(Clone, Debug)]
pub struct Parsed {
    /// Interfaces, routes, the engine's configuration and warnings.
    pub router: RouterConfig,
    /// The log renderer this config sets up.
    pub log: Arc<dyn LogSetup>,
}

impl Parsed {
    /// The log renderer for this config, dated from `clock`.
    pub fn renderer(&self, clock: WallClock) -> Box<dyn LogRenderer> {
        self.log.renderer(clock)
    }
}
