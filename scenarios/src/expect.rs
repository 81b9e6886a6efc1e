//! What a user expects of a run (a scenario's `[expect]` table, `ikelab run --expect`) and the
//! verdict a finished run gets against it: the last line `ikelab run` prints, its exit code and
//! `summary.json`'s `verdict`.

use std::collections::BTreeMap;
use std::fmt;

use ikelab_peers::ike::{Direction, EventKind};
use serde::{Deserialize, Serialize};

use crate::report::RunResult;
use ikelab_sim::SimError;

/// Up or down, for a phase.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UpDown {
    /// Phase 1: every router completed one. Phase 2: every router holds an IPsec SA pair at
    /// the end.
    Up,
    /// Phase 1: no router completed one. Phase 2: no router holds an IPsec SA at the end.
    Down,
}

/// How many echo requests, over every ping of the run, were answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Pings {
    /// Every one (and at least one was sent).
    All,
    /// None.
    None,
    /// At least one, and not all.
    Some,
}

/// A scenario's `[expect]` table.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// Phase 1.
    pub phase1: Option<UpDown>,
    /// Phase 2.
    pub phase2: Option<UpDown>,
    /// The pings.
    pub pings: Option<Pings>,
    /// Texts each router's vendor log must contain, by router name (a text or a list).
    #[serde(default)]
    pub log_contains: BTreeMap<String, Texts>,
}

/// One text or several.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Texts {
    /// One.
    One(String),
    /// Several.
    Many(Vec<String>),
}

impl Texts {
    /// The texts.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        match self {
            Texts::One(t) => std::slice::from_ref(t).iter().map(String::as_str),
            Texts::Many(v) => v.iter().map(String::as_str),
        }
    }
}

/// Why `--expect` could not be read.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ExpectError {
    /// An item is not `key=value`.
    #[error("--expect: {0:?} is not KEY=VALUE (e.g. phase2=up,pings=all)")]
    NotKeyValue(String),
    /// An unknown key.
    #[error("--expect: unknown key {0:?} (expected phase1, phase2 or pings)")]
    Key(String),
    /// A value the key does not take.
    #[error("--expect: {key}={value:?} (expected {expected})")]
    Value {
        /// The key.
        key: String,
        /// The value given.
        value: String,
        /// What the key takes.
        expected: &'static str,
    },
}

impl Expect {
    /// Reads `phase2=up,pings=all` (the keys phase1, phase2 and pings).
    pub fn parse_cli(s: &str) -> Result<Expect, ExpectError> {
        let mut e = Expect::default();
        for item in s.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let (k, v) = item
                .split_once('=')
                .ok_or_else(|| ExpectError::NotKeyValue(item.to_string()))?;
            let (k, v) = (k.trim(), v.trim().to_ascii_lowercase());
            let bad = |expected| ExpectError::Value {
                key: k.to_string(),
                value: v.clone(),
                expected,
            };
            let updown = |v: &str| match v {
                "up" => Ok(UpDown::Up),
                "down" => Ok(UpDown::Down),
                _ => Err(bad("up or down")),
            };
            match k {
                "phase1" => e.phase1 = Some(updown(&v)?),
                "phase2" => e.phase2 = Some(updown(&v)?),
                "pings" => {
                    e.pings = Some(match v.as_str() {
                        "all" => Pings::All,
                        "none" => Pings::None,
                        "some" => Pings::Some,
                        _ => return Err(bad("all, none or some")),
                    })
                }
                _ => return Err(ExpectError::Key(k.to_string())),
            }
        }
        Ok(e)
    }

    /// `self` with what `over` sets replacing it.
    pub fn overridden_by(mut self, over: Expect) -> Expect {
        self.phase1 = over.phase1.or(self.phase1);
        self.phase2 = over.phase2.or(self.phase2);
        self.pings = over.pings.or(self.pings);
        self.log_contains.extend(over.log_contains);
        self
    }

    /// Whether it expects nothing.
    pub fn is_empty(&self) -> bool {
        *self == Expect::default()
    }
}

/// What a run showed, in the terms of an [`Expect`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Seen {
    /// Routers that completed phase 1 at least once, of all routers.
    pub phase1_routers: (usize, usize),
    /// Routers holding an IPsec SA pair at the end, of all routers.
    pub phase2_routers: (usize, usize),
    /// Echo requests answered, of those sent.
    pub pings: (u32, u32),
}

impl Seen {
    /// What `run` showed.
    pub fn of(run: &RunResult) -> Seen {
        let n = run.routers.len();
        let p1 = run
            .routers
            .iter()
            .filter(|r| {
                r.stack
                    .borrow()
                    .events
                    .iter()
                    .any(|e| matches!(e.kind, EventKind::Phase1Established { .. }))
            })
            .count();
        let p2 = run
            .routers
            .iter()
            .filter(|r| {
                r.stack
                    .borrow()
                    .engine
                    .ipsec_sas()
                    .iter()
                    .any(|s| s.direction == Direction::Inbound)
            })
            .count();
        let answered = run.pings.iter().map(|p| p.received).sum();
        let sent = run.pings.iter().map(|p| p.sent).sum();
        Seen {
            phase1_routers: (p1, n),
            phase2_routers: (p2, n),
            pings: (answered, sent),
        }
    }

    fn updown((k, n): (usize, usize)) -> Option<UpDown> {
        if n > 0 && k == n {
            Some(UpDown::Up)
        } else if k == 0 {
            Some(UpDown::Down)
        } else {
            None
        }
    }

    fn pings_kind(&self) -> Option<Pings> {
        match self.pings {
            (_, 0) => None,
            (0, _) => Some(Pings::None),
            (a, s) if a >= s => Some(Pings::All),
            _ => Some(Pings::Some),
        }
    }
}

/// One expectation and whether the run met it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Check {
    /// What was expected (`phase2=up`, `seil log contains "…"`).
    pub expected: String,
    /// What the run showed.
    pub seen: String,
    /// Whether it matches.
    pub met: bool,
}

/// A run judged against an [`Expect`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// Each expectation, in the order phase1, phase2, pings, logs.
    pub checks: Vec<Check>,
}

impl Verdict {
    /// Judges `run` against `expect`.
    pub fn judge(run: &RunResult, expect: &Expect) -> Verdict {
        let seen = Seen::of(run);
        let mut checks = vec![];
        let phase = |name: &str, want: UpDown, (k, n): (usize, usize)| Check {
            expected: format!("{name}={}", updown_word(want)),
            seen: format!("{k} of {n} routers"),
            met: Seen::updown((k, n)) == Some(want),
        };
        if let Some(w) = expect.phase1 {
            checks.push(phase("phase1", w, seen.phase1_routers));
        }
        if let Some(w) = expect.phase2 {
            checks.push(phase("phase2", w, seen.phase2_routers));
        }
        if let Some(w) = expect.pings {
            let (a, s) = seen.pings;
            checks.push(Check {
                expected: format!(
                    "pings={}",
                    match w {
                        Pings::All => "all",
                        Pings::None => "none",
                        Pings::Some => "some",
                    }
                ),
                seen: format!("{a} of {s} answered"),
                met: seen.pings_kind() == Some(w),
            });
        }
        for (router, texts) in &expect.log_contains {
            let stack = run
                .routers
                .iter()
                .find(|r| &r.name == router)
                .map(|r| r.stack.borrow());
            for t in texts.iter() {
                // A streamed log is read back from its file, one line at a time.
                let found = stack.as_ref().map(|s| -> Result<bool, SimError> {
                    for line in s.log_lines()? {
                        if line?.contains(t) {
                            return Ok(true);
                        }
                    }
                    Ok(false)
                });
                let (met, seen) = match found {
                    None => (false, format!("no router named {router:?}")),
                    Some(Ok(true)) => (true, "found".into()),
                    Some(Ok(false)) => (false, "not in the log".into()),
                    Some(Err(e)) => (false, format!("the log could not be read back: {e}")),
                };
                checks.push(Check {
                    expected: format!("{router} log contains {t:?}"),
                    seen,
                    met,
                });
            }
        }
        Verdict { checks }
    }

    /// Whether every expectation was met (true when there were none).
    pub fn met(&self) -> bool {
        self.checks.iter().all(|c| c.met)
    }

    /// `met`, `not met` or `no expectations`.
    pub fn word(&self) -> &'static str {
        match (self.checks.is_empty(), self.met()) {
            (true, _) => "no expectations",
            (false, true) => "met",
            (false, false) => "not met",
        }
    }
}

fn updown_word(u: UpDown) -> &'static str {
    match u {
        UpDown::Up => "up",
        UpDown::Down => "down",
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "verdict: {}", self.word())?;
        if self.checks.is_empty() {
            return write!(
                f,
                " (add an [expect] table to the scenario, or --expect phase2=up,pings=all)"
            );
        }
        let parts: Vec<String> = self
            .checks
            .iter()
            .map(|c| {
                let mark = if c.met { "ok" } else { "FAILED" };
                format!("{} {mark} ({})", c.expected, c.seen)
            })
            .collect();
        write!(f, ": {}", parts.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_form() {
        let e = Expect::parse_cli("phase2=up, pings=ALL,phase1=down").unwrap();
        assert_eq!(e.phase1, Some(UpDown::Down));
        assert_eq!(e.phase2, Some(UpDown::Up));
        assert_eq!(e.pings, Some(Pings::All));
        assert!(matches!(
            Expect::parse_cli("phase2"),
            Err(ExpectError::NotKeyValue(_))
        ));
        assert!(matches!(
            Expect::parse_cli("phase3=up"),
            Err(ExpectError::Key(_))
        ));
        assert!(matches!(
            Expect::parse_cli("pings=most"),
            Err(ExpectError::Value { .. })
        ));
        assert!(Expect::parse_cli("").unwrap().is_empty());
    }

    #[test]
    fn the_command_line_overrides_the_file() {
        let file = Expect {
            phase1: Some(UpDown::Up),
            phase2: Some(UpDown::Down),
            ..Default::default()
        };
        let cli = Expect::parse_cli("phase2=up").unwrap();
        let e = file.overridden_by(cli);
        assert_eq!(e.phase1, Some(UpDown::Up));
        assert_eq!(e.phase2, Some(UpDown::Up));
    }

    #[test]
    fn partial_states_are_neither_up_nor_down() {
        assert_eq!(Seen::updown((2, 2)), Some(UpDown::Up));
        assert_eq!(Seen::updown((0, 2)), Some(UpDown::Down));
        assert_eq!(Seen::updown((1, 2)), None);
        let seen = |a, s| Seen {
            phase1_routers: (0, 0),
            phase2_routers: (0, 0),
            pings: (a, s),
        };
        assert_eq!(seen(0, 0).pings_kind(), None, "no ping sent is not all");
        assert_eq!(seen(0, 5).pings_kind(), Some(Pings::None));
        assert_eq!(seen(3, 5).pings_kind(), Some(Pings::Some));
        assert_eq!(seen(5, 5).pings_kind(), Some(Pings::All));
    }
}
