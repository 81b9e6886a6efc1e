//! Device personalities, one folder each (`seil/`, `ix/`, `rtx/`, `ios/`): a config dialect that produces the
//! vendor-neutral [`RouterConfig`] (interfaces, routes, [`EngineConfig`]), a log renderer for
//! engine events, behaviour defaults ([`crate::ike::Behaviour`]), a reconfigure schedule and
//! fix hints, behind the [`Personality`] trait ([`device`]); [`Personalities`] maps the names
//! scenarios use to them. This module also holds the types they share.

use std::fmt;
use std::net::Ipv4Addr;

use crate::ike::{EngineConfig, Event};
use crate::prefix::Ipv4Net;
use crate::time::Instant;

pub mod device;
pub mod ios;
pub mod ix;
mod local_address;
mod named;
mod origin;
pub mod rtx;
pub mod seil;
mod table;
mod text;

pub use device::{LogSetup, Mismatch, Parsed, Personality, ReconfigureStep, Site};
pub use origin::{Edit, EditError, EditKind, Origin, Origins, Recorder, Setting, Words, apply};
pub use table::Personalities;

/// The name of the device a router imitates (`seil`, `ix`, `ios`); each device folder defines
/// its own constant (`Vendor::Seil`, `Vendor::Ix`, `Vendor::Ios`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Vendor(&'static str);

impl Vendor {
    /// A vendor named `name` (lower case, as outcomes and `summary.json` print it).
    pub const fn new(name: &'static str) -> Self {
        Vendor(name)
    }

    /// Its name.
    pub fn name(self) -> &'static str {
        self.0
    }
}

impl fmt::Display for Vendor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// What kind of interface.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InterfaceKind {
    /// A LAN/WAN port with an Ethernet link.
    Ethernet,
    /// An IP-in-IP tunnel (SEIL `ipsecN`: protected by transport-mode ESP through the SPD).
    IpIp {
        /// Tunnel source.
        local: Ipv4Addr,
        /// Tunnel destination.
        remote: Ipv4Addr,
    },
    /// A route-based IPsec tunnel (IX `TunnelN.N` with `tunnel mode ipsec`): packets routed into
    /// it are sent IP-in-IP between the endpoints of the IPsec map it names, and protected.
    IpsecTunnel {
        /// Tunnel source (our address toward the peer).
        local: Ipv4Addr,
        /// Tunnel destination (the peer).
        remote: Ipv4Addr,
    },
}

/// One interface.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interface {
    /// The name as the vendor writes it (`lan0`, `ipsec0`, `FastEthernet0/0.0`, `Tunnel0.0`).
    pub name: String,
    /// Address and prefix length, if numbered.
    pub address: Option<Ipv4Net>,
    /// For unnumbered interfaces, the interface whose address it borrows (if named).
    pub unnumbered: Option<String>,
    /// Kind.
    pub kind: InterfaceKind,
    /// Administratively up.
    pub up: bool,
}

/// Where a route points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NextHop {
    /// Out of an interface (directly connected, or a tunnel).
    Interface(String),
    /// Via a gateway address.
    Gateway(Ipv4Addr),
}

/// One static route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    /// Destination network (host bits cleared).
    pub prefix: Ipv4Net,
    /// Next hop.
    pub via: NextHop,
}

/// Severity of a config diagnostic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// Ignored, but said (an unknown or unsupported command): the router still starts.
    Warning,
    /// A malformed known command: the router does not start.
    Error,
}

/// A message about a config file, pointing at the line and column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file (as given by the caller).
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column of the offending word.
    pub column: usize,
    /// Severity.
    pub severity: Severity,
    /// What is wrong, and what was expected.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        write!(
            f,
            "{}:{}:{}: {sev}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

/// A parsed router configuration, vendor-neutral.
#[derive(Clone, Debug)]
pub struct RouterConfig {
    /// The vendor.
    pub vendor: Vendor,
    /// Hostname, if set.
    pub hostname: Option<String>,
    /// Interfaces.
    pub interfaces: Vec<Interface>,
    /// Static routes.
    pub routes: Vec<Route>,
    /// The IKE/IPsec part.
    pub engine: EngineConfig,
    /// Which interfaces' packets the IPsec policies see.
    pub policy_scope: PolicyScope,
    /// Warnings (unknown or ignored commands).
    pub warnings: Vec<Diagnostic>,
    /// The source lines of its settings.
    pub origins: Origins,
}

/// Which packets a router offers to its IPsec policies, by the interface they leave by.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum PolicyScope {
    /// Every packet, whichever interface: KAME's SPD (racoon, SEIL) is one table for the whole
    /// host, and a route-based device's policies match only its tunnels' own packets anyway.
    #[default]
    AllInterfaces,
    /// Only packets leaving by these interfaces (vendor names): a Cisco crypto map protects
    /// what leaves the interface it is applied to, and a packet the access list matches that
    /// leaves by another interface (a LAN) is forwarded in clear.
    Interfaces(Vec<String>),
}

impl PolicyScope {
    /// Whether packets leaving by `interface` are offered to the policies.
    pub fn covers(&self, interface: &str) -> bool {
        match self {
            PolicyScope::AllInterfaces => true,
            PolicyScope::Interfaces(names) => names.iter().any(|n| n == interface),
        }
    }
}

/// A config that did not parse: every error found (with the warnings seen before them).
#[derive(Clone, Debug)]
pub struct ConfigErrors(pub Vec<Diagnostic>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// The wall-clock date and time a run starts at, so that logs carry the document's times
/// (`Jan 5 07:27:06`). Virtual time is added to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WallClock {
    /// The year (syslog stamps do not show it; the IX's `logging timestamp datetime` does).
    pub year: u16,
    /// Month, 1-12.
    pub month: u8,
    /// Day of month, 1-31.
    pub day: u8,
    /// Seconds since midnight at the start.
    pub seconds: u32,
}

/// Whether `year` has a February 29.
fn leap(year: u16) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

impl WallClock {
    /// The year the document's logs (which show none) are placed in, as its captures are.
    pub const DOCUMENT_YEAR: u16 = 2016;

    /// The document's first log: `Jan 5 07:27:06` (of [`Self::DOCUMENT_YEAR`]).
    pub const DOCUMENT: WallClock = WallClock {
        year: Self::DOCUMENT_YEAR,
        month: 1,
        day: 5,
        seconds: 7 * 3600 + 27 * 60 + 6,
    };

    /// Parses `Jan 5 07:27:06` (month name, day, time), in [`Self::DOCUMENT_YEAR`] (see
    /// [`Self::in_year`]).
    pub fn parse(text: &str) -> Option<WallClock> {
        const MONTHS: [&str; 12] = [
            "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
        ];
        let mut parts = text.split_whitespace();
        let month = parts.next()?.to_ascii_lowercase();
        let month = MONTHS.iter().position(|m| *m == month)? as u8 + 1;
        let day: u8 = parts
            .next()?
            .parse()
            .ok()
            .filter(|d| (1..=31).contains(d))?;
        let hms: Vec<u32> = parts
            .next()?
            .split(':')
            .map(|x| x.parse().ok())
            .collect::<Option<_>>()?;
        if parts.next().is_some() || hms.len() != 3 || hms[0] > 23 || hms[1] > 59 || hms[2] > 59 {
            return None;
        }
        Some(WallClock {
            year: Self::DOCUMENT_YEAR,
            month,
            day,
            seconds: hms[0] * 3600 + hms[1] * 60 + hms[2],
        })
    }

    /// The same date and time in `year`.
    pub const fn in_year(self, year: u16) -> WallClock {
        WallClock { year, ..self }
    }

    /// (year, month, day, hour, minute, second) at `at`, rolling days, months and years over.
    pub fn date_at(&self, at: Instant) -> (u16, u8, u8, u8, u8, u8) {
        const DAYS: [u8; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
        let total = u64::from(self.seconds) + at.as_nanos() / 1_000_000_000;
        let (mut year, mut month, mut day) = (self.year, self.month.clamp(1, 12), self.day.max(1));
        for _ in 0..total / 86_400 {
            day += 1;
            let len = DAYS[usize::from(month - 1)] + u8::from(month == 2 && leap(year));
            if day > len {
                day = 1;
                month = month % 12 + 1;
                if month == 1 {
                    year = year.saturating_add(1);
                }
            }
        }
        let s = total % 86_400;
        (
            year,
            month,
            day,
            (s / 3600) as u8,
            (s / 60 % 60) as u8,
            (s % 60) as u8,
        )
    }

    /// (month, day, hour, minute, second) at `at`.
    pub fn at(&self, at: Instant) -> (u8, u8, u8, u8, u8) {
        let (_, mo, d, h, mi, s) = self.date_at(at);
        (mo, d, h, mi, s)
    }

    /// `Jan 5 07:27:06`, as SEIL prints it in the document (the day is not padded).
    pub fn syslog(&self, at: Instant) -> String {
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        let (mo, d, h, mi, s) = self.at(at);
        format!("{} {d} {h:02}:{mi:02}:{s:02}", MONTHS[usize::from(mo - 1)])
    }
}

/// One line of a router's log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    /// When.
    pub at: Instant,
    /// The line as the device prints it.
    pub text: String,
}

/// Turns engine events into a vendor's log lines. Each router owns one, so logs of concurrent
/// scenarios never mix.
pub trait LogRenderer {
    /// The lines an event produces (often none).
    fn render(&mut self, event: &Event) -> Vec<LogLine>;

    /// Lines for things outside the engine (configuration applied, SAD flushed by the system).
    fn system(&mut self, at: Instant, what: SystemEvent) -> Vec<LogLine>;
}

/// Router events that are not IKE's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SystemEvent {
    /// The IPsec SA database was flushed.
    SadInitialized,
    /// The security policy database was reloaded.
    SpdInitialized,
    /// A configuration was applied.
    ConfigApplied,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syslog_times() {
        let c = WallClock::DOCUMENT;
        assert_eq!(c.syslog(Instant::ZERO), "Jan 5 07:27:06");
        assert_eq!(WallClock::parse("Jan 5 07:27:06"), Some(c));
        assert_eq!(WallClock::parse("Feb 30 25:00:00"), None);
        assert_eq!(WallClock::parse("Jan 5"), None);
        assert_eq!(
            c.syslog(Instant::from_nanos(5_000_000_000)),
            "Jan 5 07:27:11"
        );
        let later = WallClock {
            year: 2026,
            month: 12,
            day: 31,
            seconds: 86_399,
        };
        assert_eq!(
            later.syslog(Instant::from_nanos(1_000_000_000)),
            "Jan 1 00:00:00"
        );
        assert_eq!(
            later.date_at(Instant::from_nanos(1_000_000_000)),
            (2027, 1, 1, 0, 0, 0)
        );
        // 2028 is a leap year: Feb 28 + 1 day is Feb 29.
        let feb = WallClock {
            year: 2028,
            month: 2,
            day: 28,
            seconds: 0,
        };
        assert_eq!(
            feb.syslog(Instant::from_nanos(86_400_000_000_000)),
            "Feb 29 00:00:00"
        );
    }
}
