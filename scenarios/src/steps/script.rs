//! The `When` steps: pings, initiations and an operator's reconfigurations at given times,
//! and the run itself (in-process, or in network namespaces); durations in seconds or minutes.

use std::str::FromStr;
use std::time::Duration;

use cucumber::{Parameter, when};

use super::world::{GivenReconfigure, LabWorld};
use crate::scenario::model::parse_duration;
use crate::scenario::{Action, Step};

/// The most echo requests one ping step sends.
const MAX_PINGS: u32 = 100_000;

/// The longest duration a step accepts.
const MAX_SPAN: Duration = Duration::from_secs(24 * 3600);

/// A duration as a feature writes it: `30 seconds`, `1 minute`, `2 minutes`, `90s`, `2m`.
#[derive(Clone, Copy, Debug, Parameter)]
#[param(
    name = "duration",
    regex = r"\d+ ?(?:seconds?|minutes?|hours?|ms|[smh])(?:\d+[smh])*"
)]
pub struct Span(pub Duration);

/// Why a duration could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SpanError {
    /// Not a number with a unit.
    #[error("{0:?} is not a duration (e.g. 30 seconds, 2 minutes, 90s)")]
    NotADuration(String),
    /// Longer than [`MAX_SPAN`].
    #[error("{0:?} is longer than a day")]
    TooLong(String),
}

impl FromStr for Span {
    type Err = SpanError;

    fn from_str(s: &str) -> Result<Span, SpanError> {
        let bad = || SpanError::NotADuration(s.to_string());
        let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
        let unit = unit.trim();
        let short = match unit.trim_end_matches('s') {
            "second" => "s",
            "minute" => "m",
            "hour" => "h",
            _ => "",
        };
        let d = if short.is_empty() {
            parse_duration(s).ok_or_else(bad)?
        } else {
            parse_duration(&format!("{num}{short}")).ok_or_else(bad)?
        };
        if d > MAX_SPAN {
            return Err(SpanError::TooLong(s.to_string()));
        }
        Ok(Span(d))
    }
}

#[when(expr = "{word} initiates the tunnel")]
fn initiates(w: &mut LabWorld, router: String) {
    assert!(w.router(&router).is_some(), "no router {router} was given");
}

#[when(expr = "after {duration} {word} starts negotiating")]
fn negotiates(w: &mut LabWorld, after: Span, router: String) {
    assert!(w.router(&router).is_some(), "no router {router} was given");
    w.script.push(Step {
        at: after.0,
        action: Action::Initiate {
            router: router.to_ascii_lowercase(),
        },
    });
}

#[when(expr = "{word} pings {word} {int} time(s) after {duration}")]
fn ping(w: &mut LabWorld, from: String, to: String, count: u32, after: Span) {
    assert!(
        (1..=MAX_PINGS).contains(&count),
        "{from} pings {count} times: from 1 to {MAX_PINGS} echo requests"
    );
    w.host_address(&from);
    let to = w.address_of(&to);
    w.script.push(Step {
        at: after.0,
        action: Action::Ping {
            from,
            to,
            count,
            interval: Duration::from_secs(1),
            size: 56,
        },
    });
}

#[when(expr = "after {duration} the operator applies the {word} configuration {string}")]
fn reconfigure(w: &mut LabWorld, after: Span, router: String, path: String) {
    apply(w, after, &router, &path);
}

#[when(expr = "after {duration} the operator applies {string} to {string}")]
fn reconfigure_router(w: &mut LabWorld, after: Span, path: String, router: String) {
    apply(w, after, &router, &path);
}

/// Schedules the config at `path` on `router` at `after`.
fn apply(w: &mut LabWorld, after: Span, router: &str, path: &str) {
    let name = w
        .router(router)
        .unwrap_or_else(|| panic!("no router {router} was given"))
        .name
        .clone();
    let (_, text) = w.read_config(path);
    w.reconfigures.push(GivenReconfigure {
        router: name,
        at: after.0,
        text,
    });
}

#[when(expr = "the lab runs for {duration}")]
fn runs_for(w: &mut LabWorld, span: Span) {
    w.duration = Some(span.0);
    w.run();
}

#[when(expr = "the lab runs in network namespaces for {duration}")]
fn runs_in_netns(w: &mut LabWorld, span: Span) {
    w.run_netns(span.0);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_in_words_and_units() {
        let secs = |s: &str| s.parse::<Span>().map(|d| d.0.as_secs()).ok();
        assert_eq!(secs("30 seconds"), Some(30));
        assert_eq!(secs("1 second"), Some(1));
        assert_eq!(secs("2 minutes"), Some(120));
        assert_eq!(secs("1 minutes"), Some(60));
        assert_eq!(secs("90s"), Some(90));
        assert_eq!(secs("2m"), Some(120));
        assert_eq!(secs("1h30m"), Some(5400));
        assert_eq!(secs("2 fortnights"), None);
        assert!(matches!(
            "25 hours".parse::<Span>(),
            Err(SpanError::TooLong(_))
        ));
        assert!("99999999999999999999 minutes".parse::<Span>().is_err());
    }
}
