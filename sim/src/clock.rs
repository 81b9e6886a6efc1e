//! The wall-clock date a run pretends to start at. Virtual time ([`Instant`]) counts from zero;
//! captures and logs show `start + virtual time`, so a run can begin at the document's
//! `Jan 5 07:27:06` and its pcaps and logs line up with the document's.

use core::fmt;
use core::time::Duration;

use ikelab_peers::time::Instant;

use crate::SimError;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The UTC date and time that virtual time zero stands for.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StartTime {
    unix_nanos: u64,
}

impl StartTime {
    /// The year the document's syslog-style stamps (which carry none) are placed in.
    pub const DOCUMENT_YEAR: i32 = 2016;

    /// `Jan 5 07:27:06` of [`Self::DOCUMENT_YEAR`], UTC: where the document's logs begin.
    pub fn document() -> Self {
        Self::from_utc(Self::DOCUMENT_YEAR, 1, 5, 7, 27, 6).expect("valid constant date")
    }

    /// A UTC date and time (year 1970 or later).
    pub fn from_utc(
        year: i32,
        month: u32,
        day: u32,
        hour: u32,
        minute: u32,
        second: u32,
    ) -> Result<Self, SimError> {
        let text = || format!("{year}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02}");
        if !(1..=12).contains(&month)
            || day == 0
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 59
            || year < 1970
        {
            return Err(SimError::StartTime(text()));
        }
        let days = days_from_civil(year, month, day);
        let secs = u64::try_from(days).map_err(|_| SimError::StartTime(text()))? * 86_400
            + u64::from(hour) * 3600
            + u64::from(minute) * 60
            + u64::from(second);
        Ok(StartTime {
            unix_nanos: secs * 1_000_000_000,
        })
    }

    /// Reads a syslog stamp such as `Jan 5 07:27:06` (the year is not in it: `year`).
    pub fn parse_syslog(text: &str, year: i32) -> Result<Self, SimError> {
        let bad = || SimError::StartTime(text.to_string());
        let mut parts = text.split_whitespace();
        let (m, d, t) = (
            parts.next().ok_or_else(bad)?,
            parts.next().ok_or_else(bad)?,
            parts.next().ok_or_else(bad)?,
        );
        if parts.next().is_some() {
            return Err(bad());
        }
        let month = MONTHS
            .iter()
            .position(|x| x.eq_ignore_ascii_case(m))
            .ok_or_else(bad)? as u32
            + 1;
        let day: u32 = d.parse().map_err(|_| bad())?;
        let hms: Vec<u32> = t
            .split(':')
            .map(|x| x.parse().map_err(|_| bad()))
            .collect::<Result<_, _>>()?;
        let [h, mi, s] = hms[..] else {
            return Err(bad());
        };
        Self::from_utc(year, month, day, h, mi, s)
    }

    /// From nanoseconds since the Unix epoch.
    pub const fn from_unix_nanos(unix_nanos: u64) -> Self {
        StartTime { unix_nanos }
    }

    /// Nanoseconds since the Unix epoch of virtual time zero.
    pub const fn unix_nanos(self) -> u64 {
        self.unix_nanos
    }

    /// The wall-clock time of `t`, as time since the Unix epoch (what pcap records hold).
    pub fn wall(self, t: Instant) -> Duration {
        Duration::from_nanos(self.unix_nanos.saturating_add(t.as_nanos()))
    }

    /// The UTC year of virtual time zero.
    pub fn year(self) -> i32 {
        civil(self.unix_nanos).0
    }

    /// `t` as a syslog stamp with microseconds, e.g. `Jan  5 07:27:06.000125` (UTC).
    pub fn stamp(self, t: Instant) -> Stamp {
        Stamp(self.unix_nanos.saturating_add(t.as_nanos()))
    }
}

impl Default for StartTime {
    fn default() -> Self {
        Self::document()
    }
}

impl fmt::Debug for StartTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d, hh, mm, ss) = civil(self.unix_nanos);
        write!(f, "{y}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}Z")
    }
}

/// A wall-clock time displayed syslog-style (see [`StartTime::stamp`]).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Stamp(u64);

impl fmt::Display for Stamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (_, m, d, hh, mm, ss) = civil(self.0);
        let micros = (self.0 % 1_000_000_000) / 1000;
        let month = MONTHS[(m - 1) as usize];
        write!(f, "{month} {d:>2} {hh:02}:{mm:02}:{ss:02}.{micros:06}")
    }
}

fn civil(unix_nanos: u64) -> (i32, u32, u32, u64, u64, u64) {
    let secs = unix_nanos / 1_000_000_000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    (y, m, d, rem / 3600, rem / 60 % 60, rem % 60)
}

fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 (Howard Hinnant's algorithm).
fn days_from_civil(y: i32, m: u32, d: u32) -> i64 {
    let y = i64::from(y) - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    ((y + i64::from(m <= 2)) as i32, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_start() {
        let s = StartTime::document();
        // 2016-01-05T07:27:06Z
        assert_eq!(s.unix_nanos(), 1_451_978_826 * 1_000_000_000);
        assert_eq!(s.stamp(Instant::ZERO).to_string(), "Jan  5 07:27:06.000000");
        let later = Instant::ZERO + Duration::from_millis(4_000_250);
        assert_eq!(s.stamp(later).to_string(), "Jan  5 08:33:46.250000");
        assert_eq!(StartTime::parse_syslog("Jan 5 07:27:06", 2016).unwrap(), s);
        assert_eq!(format!("{s:?}"), "2016-01-05T07:27:06Z");
    }

    #[test]
    fn rejects_bad_dates() {
        assert!(StartTime::parse_syslog("Feb 30 00:00:00", 2016).is_err());
        assert!(StartTime::parse_syslog("Jan 5 24:00:00", 2016).is_err());
        assert!(StartTime::parse_syslog("Jan 5", 2016).is_err());
        assert!(StartTime::parse_syslog("Foo 5 07:27:06", 2016).is_err());
        assert!(StartTime::from_utc(2016, 2, 29, 0, 0, 0).is_ok());
        assert!(StartTime::from_utc(2015, 2, 29, 0, 0, 0).is_err());
    }

    #[test]
    fn civil_round_trip() {
        for days in [0i64, 59, 365, 10_957, 16_805, 20_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
