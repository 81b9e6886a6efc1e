//! A scenario file: the lab (routers with vendor configs, hosts) and a script of events.
//!
//! ```toml
//! name = "proxy-id-mismatch"
//! description = "SEIL without proxy-id against the IX: phase 2 is refused"
//! seed = 1
//! start = "Jan 5 07:27:06"
//! duration = "3m"
//!
//! [[router]]
//! name = "seil"
//! vendor = "seil"
//! config = "seil.conf"
//!
//! [[host]]
//! name = "host-a"
//! address = "192.168.0.10/24"
//! gateway = "192.168.0.1"
//!
//! [[step]]
//! at = "10s"
//! do = "ping"
//! from = "host-a"
//! to = "192.168.1.10"
//! count = 10
//! ```
//!
//! Routers and hosts are wired by subnet: interfaces and hosts whose addresses share a prefix
//! are on one segment (a switch when more than two ends meet).

use std::net::Ipv4Addr;
use std::time::Duration;

use serde::Deserialize;

/// A whole scenario file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Short name (`proxy-id-mismatch`).
    pub name: String,
    /// One line saying what it shows.
    pub description: String,
    /// The run's seed.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Wall-clock start, syslog style (`Jan 5 07:27:06`).
    #[serde(default = "default_start")]
    pub start: String,
    /// Virtual deadline (`3m`).
    #[serde(default = "default_duration", deserialize_with = "duration")]
    pub duration: Duration,
    /// Routers.
    #[serde(default, rename = "router")]
    pub routers: Vec<RouterSpec>,
    /// End hosts.
    #[serde(default, rename = "host")]
    pub hosts: Vec<HostSpec>,
    /// NATs, each in front of a router.
    #[serde(default, rename = "nat")]
    pub nats: Vec<NatSpec>,
    /// The script.
    #[serde(default, rename = "step")]
    pub steps: Vec<Step>,
    /// What the run should show (`ikelab run`'s verdict and exit code).
    #[serde(default)]
    pub expect: crate::expect::Expect,
}

fn default_seed() -> u64 {
    1
}

fn default_start() -> String {
    "Jan 5 07:27:06".into()
}

fn default_duration() -> Duration {
    Duration::from_secs(180)
}

/// A router: a vendor personality with its config file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouterSpec {
    /// Node name (`seil`, `ix`).
    pub name: String,
    /// `seil`, `ix` or `ios`.
    pub vendor: String,
    /// Config file, relative to the scenario file.
    pub config: String,
}

/// An end host.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostSpec {
    /// Node name (`host-a`).
    pub name: String,
    /// Address with prefix (`192.168.0.10/24`).
    pub address: String,
    /// Default gateway.
    pub gateway: Option<Ipv4Addr>,
}

/// A NAT (NAPT) in front of a router (`[[nat]]`): the router's interface on the `inside`
/// subnet reaches the rest of the lab only through it, with `outside` as its source address.
///
/// ```toml
/// [[nat]]
/// name = "nat"
/// router = "initiator"          # the router behind it
/// inside = "192.168.100.1/24"   # the NAT's inside address, on the router's WAN subnet
/// outside = "100.64.1.3/24"     # its outside address, on the WAN
/// udp-timeout = "2m"            # idle UDP mappings expire (default 2m, RFC 4787 REQ-5)
/// icmp-timeout = "60s"          # idle ICMP echo mappings (default 60s, RFC 5508)
/// max-mappings = 4096           # the oldest is evicted beyond (default 4096)
/// ```
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct NatSpec {
    /// Node name.
    pub name: String,
    /// The router behind it.
    pub router: String,
    /// Its inside address with the inside subnet's prefix.
    pub inside: String,
    /// Its outside address with the outside subnet's prefix.
    pub outside: String,
    /// The next hop outside for destinations off the outside subnet.
    pub gateway: Option<Ipv4Addr>,
    /// A UDP mapping's idle timeout.
    #[serde(default = "default_udp_timeout", deserialize_with = "duration")]
    pub udp_timeout: Duration,
    /// An ICMP echo mapping's idle timeout.
    #[serde(default = "default_icmp_timeout", deserialize_with = "duration")]
    pub icmp_timeout: Duration,
    /// Mappings held at most.
    #[serde(default = "default_max_mappings")]
    pub max_mappings: usize,
}

fn default_udp_timeout() -> Duration {
    ikelab_sim::nat::DEFAULT_UDP_TIMEOUT
}

fn default_icmp_timeout() -> Duration {
    ikelab_sim::nat::DEFAULT_ICMP_TIMEOUT
}

fn default_max_mappings() -> usize {
    ikelab_sim::nat::DEFAULT_MAX_MAPPINGS
}

/// One scripted event. (Unknown fields are refused by [`Action`]; serde cannot do it here too
/// because of the flattening.)
#[derive(Clone, Debug, Deserialize)]
pub struct Step {
    /// When, from the start of the run (`10s`).
    #[serde(deserialize_with = "duration")]
    pub at: Duration,
    /// What.
    #[serde(flatten)]
    pub action: Action,
}

/// What a step does.
#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "do", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Action {
    /// Pings from a host.
    Ping {
        /// Host name.
        from: String,
        /// Destination address.
        to: Ipv4Addr,
        /// Number of echo requests.
        #[serde(default = "default_count")]
        count: u32,
        /// Interval between them.
        #[serde(default = "default_interval", deserialize_with = "duration")]
        interval: Duration,
        /// ICMP payload size.
        #[serde(default = "default_size")]
        size: usize,
    },
    /// Applies another config file to a router, as an operator would.
    Reconfigure {
        /// Router name.
        router: String,
        /// Config file, relative to the scenario file.
        config: String,
    },
    /// Starts negotiating a router's policies now (without waiting for traffic).
    Initiate {
        /// Router name.
        router: String,
    },
    /// Cuts a link.
    LinkDown {
        /// Link name.
        link: String,
    },
    /// Restores a link.
    LinkUp {
        /// Link name.
        link: String,
    },
}

fn default_count() -> u32 {
    5
}

fn default_interval() -> Duration {
    Duration::from_secs(1)
}

fn default_size() -> usize {
    56
}

/// Parses `300ms`, `10s`, `5m`, `1h`, `1h30m` or plain seconds.
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    if let Ok(secs) = s.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let mut total = Duration::ZERO;
    let mut num = String::new();
    let mut chars = s.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let n: u64 = num.parse().ok()?;
        num.clear();
        let unit = match (c, chars.peek()) {
            ('m', Some('s')) => {
                chars.next();
                Duration::from_millis(n)
            }
            ('h', _) => Duration::from_secs(n.checked_mul(3600)?),
            ('m', _) => Duration::from_secs(n.checked_mul(60)?),
            ('s', _) => Duration::from_secs(n),
            _ => return None,
        };
        total = total.checked_add(unit)?;
        any = true;
    }
    (any && num.is_empty()).then_some(total)
}

fn duration<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Secs(u64),
        Text(String),
    }
    match Raw::deserialize(d)? {
        Raw::Secs(s) => Ok(Duration::from_secs(s)),
        Raw::Text(t) => parse_duration(&t).ok_or_else(|| {
            serde::de::Error::custom(format!("{t:?} is not a duration (e.g. 300ms, 10s, 5m, 1h)"))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10s"), Some(Duration::from_secs(10)));
        assert_eq!(parse_duration("1h30m"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_duration("42"), Some(Duration::from_secs(42)));
        assert_eq!(parse_duration("10x"), None);
        assert_eq!(parse_duration("s"), None);
        assert_eq!(parse_duration("5m3"), None);
    }

    #[test]
    fn a_scenario_parses() {
        let s: Scenario = toml::from_str(
            r#"
name = "x"
description = "y"
[[router]]
name = "seil"
vendor = "seil"
config = "seil.conf"
[[host]]
name = "host-a"
address = "192.168.0.10/24"
gateway = "192.168.0.1"
[[step]]
at = "10s"
do = "ping"
from = "host-a"
to = "192.168.1.10"
[[step]]
at = "1m"
do = "reconfigure"
router = "seil"
config = "fixed.conf"
"#,
        )
        .unwrap();
        assert_eq!(s.steps.len(), 2);
        assert!(matches!(s.steps[0].action, Action::Ping { count: 5, .. }));
        assert_eq!(s.steps[1].at, Duration::from_secs(60));
        let bad = toml::from_str::<Scenario>(
            "name = \"x\"\ndescription = \"y\"\n[[step]]\nat = \"1s\"\ndo = \"dance\"\n",
        );
        assert!(bad.unwrap_err().to_string().contains("dance"));
    }
}
