//! What a scenario may hold, checked before anything runs. Router and host names become file
//! names (`<router>.log`, `links/lan-<router>.pcap`) and namespace names, so a name is one plain
//! word (`../../x` would write outside `--out`). Numbers are bounded so that every run ends and
//! fits in memory: a virtual year at most, IPv4's largest echo payload, a million echo requests a
//! step, ten thousand steps. Scenario files ([`super::load`]) and the step library of `ikelab
//! test` both check with these.

use std::time::Duration;

use super::model::{Action, NatSpec, Scenario, Step};

/// The longest name of a router or host.
pub const MAX_NAME: usize = 32;
/// The longest run, and the latest a step may be: one virtual year.
pub const MAX_DURATION: Duration = Duration::from_secs(365 * 24 * 3600);
/// The largest ICMP echo payload: what fits in one IPv4 datagram (65,535 - 20 - 8).
pub const MAX_PING_SIZE: usize = 65_507;
/// The most echo requests one ping step sends.
pub const MAX_PING_COUNT: u32 = 1_000_000;
/// The most steps a script holds.
pub const MAX_STEPS: usize = 10_000;
/// The most mappings a NAT may be told to hold: one per port of its range.
pub const MAX_NAT_MAPPINGS: usize = 16_384;

/// Why a router or host name is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// Nothing.
    #[error("the name is empty")]
    Empty,
    /// Longer than [`MAX_NAME`] characters.
    #[error("{0:?} is longer than {MAX_NAME} characters")]
    TooLong(String),
    /// A character other than a letter, digit, `-`, `_` or `.` (a `/` would make it a path, a
    /// control character would garble logs).
    #[error(
        "{name:?} has the character {c:?}; a name is letters, digits, `-`, `_` and `.` (it names files)"
    )]
    Character {
        /// The name.
        name: String,
        /// The first character refused.
        c: char,
    },
    /// Starts with something else than a letter or digit (`.`, `..`, `-x`).
    #[error("{0:?} does not start with a letter or a digit (it names files)")]
    Start(String),
}

/// Checks a router or host name.
pub fn name(name: &str) -> Result<(), NameError> {
    let Some(first) = name.chars().next() else {
        return Err(NameError::Empty);
    };
    if name.chars().count() > MAX_NAME {
        return Err(NameError::TooLong(name.chars().take(MAX_NAME).collect()));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "-_.".contains(*c)))
    {
        return Err(NameError::Character {
            name: name.to_string(),
            c,
        });
    }
    if !first.is_ascii_alphanumeric() {
        return Err(NameError::Start(name.to_string()));
    }
    Ok(())
}

/// Why a scenario value is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    /// A bad router or host name.
    #[error(transparent)]
    Name(#[from] NameError),
    /// A duration or time beyond [`MAX_DURATION`].
    #[error("{0:?} is longer than one virtual year")]
    TooLong(Duration),
    /// A ping size beyond [`MAX_PING_SIZE`].
    #[error("{0} bytes is more than {MAX_PING_SIZE}, the largest echo payload of an IPv4 packet")]
    PingSize(usize),
    /// A ping count of zero or beyond [`MAX_PING_COUNT`].
    #[error("{0} echo requests: expected 1 to {MAX_PING_COUNT}")]
    PingCount(u32),
    /// A zero interval between echo requests.
    #[error("the interval between echo requests must be more than zero")]
    ZeroInterval,
    /// A NAT mapping timeout of zero.
    #[error("a NAT mapping timeout must be more than zero")]
    ZeroTimeout,
    /// A NAT mapping cap out of range.
    #[error("{0} mappings: expected 1 to {MAX_NAT_MAPPINGS}")]
    NatMappings(usize),
    /// More than [`MAX_STEPS`] steps.
    #[error("{0} steps is more than {MAX_STEPS}")]
    Steps(usize),
}

/// Which value of a scenario file is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// The top-level `duration`.
    Duration,
    /// The script as a whole (how many `[[step]]` tables).
    StepCount,
    /// A key of the n-th `[[router]]`.
    Router(usize, &'static str),
    /// A key of the n-th `[[host]]`.
    Host(usize, &'static str),
    /// A key of the n-th `[[step]]`.
    Step(usize, &'static str),
    /// A key of the n-th `[[nat]]`.
    Nat(usize, &'static str),
}

impl Field {
    /// The key.
    pub fn key(self) -> &'static str {
        match self {
            Field::Duration => "duration",
            Field::StepCount => "step",
            Field::Router(_, k) | Field::Host(_, k) | Field::Step(_, k) | Field::Nat(_, k) => k,
        }
    }
}

/// Checks a step's values; gives the key of the value refused.
pub fn step(s: &Step) -> Result<(), (&'static str, ValueError)> {
    if s.at > MAX_DURATION {
        return Err(("at", ValueError::TooLong(s.at)));
    }
    if let Action::Ping {
        count,
        interval,
        size,
        ..
    } = s.action
    {
        if size > MAX_PING_SIZE {
            return Err(("size", ValueError::PingSize(size)));
        }
        if count == 0 || count > MAX_PING_COUNT {
            return Err(("count", ValueError::PingCount(count)));
        }
        if interval.is_zero() {
            return Err(("interval", ValueError::ZeroInterval));
        }
        if interval > MAX_DURATION {
            return Err(("interval", ValueError::TooLong(interval)));
        }
    }
    Ok(())
}

/// Checks every name and value of a scenario; gives the first refused, with where it is.
pub fn scenario(sc: &Scenario) -> Result<(), (Field, ValueError)> {
    if sc.duration > MAX_DURATION {
        return Err((Field::Duration, ValueError::TooLong(sc.duration)));
    }
    if sc.steps.len() > MAX_STEPS {
        return Err((Field::StepCount, ValueError::Steps(sc.steps.len())));
    }
    for (i, r) in sc.routers.iter().enumerate() {
        name(&r.name).map_err(|e| (Field::Router(i, "name"), e.into()))?;
    }
    for (i, h) in sc.hosts.iter().enumerate() {
        name(&h.name).map_err(|e| (Field::Host(i, "name"), e.into()))?;
    }
    for (i, s) in sc.steps.iter().enumerate() {
        step(s).map_err(|(key, e)| (Field::Step(i, key), e))?;
    }
    for (i, n) in sc.nats.iter().enumerate() {
        nat(n).map_err(|(key, e)| (Field::Nat(i, key), e))?;
    }
    Ok(())
}

/// Checks a NAT's name and numbers (its addresses are read by the plan); gives the key of the
/// value refused.
pub fn nat(n: &NatSpec) -> Result<(), (&'static str, ValueError)> {
    name(&n.name).map_err(|e| ("name", e.into()))?;
    for (key, t) in [
        ("udp-timeout", n.udp_timeout),
        ("icmp-timeout", n.icmp_timeout),
    ] {
        if t.is_zero() {
            return Err((key, ValueError::ZeroTimeout));
        }
        if t > MAX_DURATION {
            return Err((key, ValueError::TooLong(t)));
        }
    }
    if n.max_mappings == 0 || n.max_mappings > MAX_NAT_MAPPINGS {
        return Err(("max-mappings", ValueError::NatMappings(n.max_mappings)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_plain_words() {
        for ok in ["seil", "ix", "host-a", "pc_b", "r1.lab", "0"] {
            assert_eq!(name(ok), Ok(()), "{ok}");
        }
        assert_eq!(name(""), Err(NameError::Empty));
        assert!(matches!(
            name("../../x"),
            Err(NameError::Character { c: '/', .. })
        ));
        assert!(matches!(
            name("/etc/x"),
            Err(NameError::Character { c: '/', .. })
        ));
        assert!(matches!(
            name("a\nb"),
            Err(NameError::Character { c: '\n', .. })
        ));
        assert!(matches!(
            name("a b"),
            Err(NameError::Character { c: ' ', .. })
        ));
        assert_eq!(name(".."), Err(NameError::Start("..".into())));
        assert_eq!(name("-rf"), Err(NameError::Start("-rf".into())));
        assert!(matches!(name(&"x".repeat(33)), Err(NameError::TooLong(_))));
    }
}
