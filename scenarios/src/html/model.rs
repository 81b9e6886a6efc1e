//! What a report shows, read back from a run's folder (so `ikelab report DIR` works on any
//! run's artefacts): the summary, every IKE message decrypted and named, ESP packets and pings
//! grouped into flows with counts, and the vendor logs with the run's own timestamps.

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use super::configs::ConfigView;
use crate::decode::capture::{Frame, LinkType, open_capture};
use crate::decode::keys::KeyStore;
use crate::decode::record::{IsakmpRecord, RecordBody};
use crate::decode::{Decoder, time};
use ikelab_sim::Limit;
use ikelab_sim::files;

/// The largest `summary.json` read.
const SUMMARY_LIMIT: Limit = Limit {
    bytes: 64 << 20,
    what: "run summaries",
};

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A file of the run could not be read (missing, not a regular file, too large).
    #[error(transparent)]
    File(#[from] files::FileError),
    /// `summary.json` is not a run summary ikelab wrote.
    #[error("{path}: not an ikelab run summary: {why}")]
    Summary {
        /// The file.
        path: PathBuf,
        /// What the JSON reader said.
        why: String,
    },
    /// The capture or its keys could not be read.
    #[error(transparent)]
    Decode(#[from] crate::decode::DecodeError),
    /// The report could not be written.
    #[error(transparent)]
    Write(#[from] ikelab_sim::SimError),
}

/// The parts of `summary.json` a report reads.
#[derive(Debug, Deserialize)]
pub struct Summary {
    /// The scenario's name.
    pub scenario: String,
    /// Its start, as the scenario gives it.
    #[serde(default)]
    pub start: String,
    /// How long it ran, in seconds.
    pub duration_s: f64,
    /// The verdict.
    pub verdict: VerdictIn,
    /// The diagnosis' findings.
    #[serde(default)]
    pub diagnosis: Vec<FindingIn>,
    /// The routers.
    pub routers: Vec<RouterIn>,
    /// The hosts.
    #[serde(default)]
    pub hosts: Vec<HostIn>,
    /// The pings.
    #[serde(default)]
    pub pings: Vec<PingIn>,
}

/// The verdict of a run.
#[derive(Debug, Deserialize)]
pub struct VerdictIn {
    /// `met`, `not met`, or `none`.
    pub result: String,
}

/// A finding of the diagnosis.
#[derive(Debug, Deserialize)]
pub struct FindingIn {
    /// Its kind (`phase2_id_any_on_one_side`).
    pub kind: String,
    /// The text, as the console prints it.
    pub text: String,
    /// Every fix, preferred first.
    #[serde(default)]
    pub fixes: Vec<FixIn>,
}

/// One way to fix a finding.
#[derive(Debug, Deserialize)]
pub struct FixIn {
    /// The router to change.
    pub router: String,
    /// The change, as the console prints it.
    pub change: String,
    /// The line edits.
    #[serde(default)]
    pub edits: Vec<EditIn>,
}

/// One line edit of a fix.
#[derive(Debug, Deserialize)]
pub struct EditIn {
    /// The file.
    pub file: String,
    /// The line (1-based).
    pub line: usize,
}

/// A router of the run.
#[derive(Debug, Deserialize)]
pub struct RouterIn {
    /// Its name.
    pub name: String,
    /// Its vendor.
    pub vendor: String,
    /// Its addresses.
    #[serde(default)]
    pub addresses: Vec<String>,
    /// Its configs, in the order they took effect.
    #[serde(default)]
    pub configs: Vec<ConfigView>,
    /// Its ISAKMP SAs at the end.
    #[serde(default)]
    pub isakmp_sas: Vec<serde_json::Value>,
    /// Its IPsec SAs at the end.
    #[serde(default)]
    pub ipsec_sas: Vec<serde_json::Value>,
}

/// A host of the run.
#[derive(Debug, Deserialize)]
pub struct HostIn {
    /// Its name.
    pub name: String,
    /// Its address.
    pub address: String,
}

/// A ping of the run.
#[derive(Debug, Deserialize)]
pub struct PingIn {
    /// The host that pinged.
    pub from: String,
    /// The address pinged.
    pub to: String,
    /// Requests sent.
    pub sent: u32,
    /// Replies received.
    pub answered: u32,
}

/// What an arrow of the ladder stands for.
#[derive(Debug)]
pub enum Arrow {
    /// One IKE message.
    Ike(Box<IsakmpRecord>),
    /// The ESP packets of one SA (one direction), grouped.
    Esp {
        /// The SPI.
        spi: u32,
        /// Packets.
        count: u64,
        /// The last packet's time.
        last: Duration,
        /// The inner packet of the first one, when decrypted.
        inner: Option<String>,
        /// Whether every ICV checked was correct (`None`: none checked).
        icv_ok: Option<bool>,
    },
    /// The ICMP echo requests or replies of one host pair, grouped.
    Ping {
        /// Request (`true`) or reply.
        request: bool,
        /// Distinct (identifier, sequence) pairs seen.
        count: u64,
        /// The last one's time.
        last: Duration,
    },
}

/// One arrow: when, from and to which address, what.
#[derive(Debug)]
pub struct Event {
    /// Frame number of its (first) frame.
    pub frame: usize,
    /// Time since the Unix epoch.
    pub time: Duration,
    /// Source address.
    pub src: Ipv4Addr,
    /// Destination address.
    pub dst: Ipv4Addr,
    /// What it is.
    pub arrow: Arrow,
}

/// A vendor log line with the time the router logged it.
#[derive(Debug)]
pub struct LogLine {
    /// When (since the Unix epoch), from `lab.log`.
    pub time: Duration,
    /// The router.
    pub router: String,
    /// The line as the device prints it.
    pub text: String,
}

/// Everything a report shows.
#[derive(Debug)]
pub struct RunView {
    /// The summary.
    pub summary: Summary,
    /// Arrows in time order.
    pub events: Vec<Event>,
    /// Vendor log lines of all routers, in time order.
    pub logs: Vec<LogLine>,
}

/// Reads the run in `dir` (`summary.json`, `capture.pcapng` with `keys/`, `lab.log`,
/// `<router>.log`).
pub fn read(dir: &Path) -> Result<RunView, ReportError> {
    let path = dir.join("summary.json");
    let text = files::read_text(&path, SUMMARY_LIMIT)?;
    let summary: Summary = serde_json::from_str(&text).map_err(|e| ReportError::Summary {
        path: path.clone(),
        why: e.to_string(),
    })?;
    let keys_dir = dir.join("keys");
    let keys = if keys_dir.is_dir() {
        KeyStore::load(&keys_dir).ok()
    } else {
        None
    };
    let events = events(&dir.join("capture.pcapng"), keys)?;
    let year = events
        .first()
        .map(|e| time::rfc3339(e.time)[..4].parse().unwrap_or(1970))
        .unwrap_or(1970);
    let logs = logs(dir, &summary, year)?;
    Ok(RunView {
        summary,
        events,
        logs,
    })
}

/// The arrows of a capture: each IKE message, and ESP and pings grouped per flow.
fn events(capture: &Path, keys: Option<KeyStore>) -> Result<Vec<Event>, ReportError> {
    let mut decoder = Decoder::new(keys);
    let mut events: Vec<Event> = vec![];
    // Flow -> index of its event.
    let mut esp: HashMap<(Ipv4Addr, Ipv4Addr, u32), usize> = HashMap::new();
    let mut pings: HashMap<(Ipv4Addr, Ipv4Addr, bool), (usize, std::collections::HashSet<u32>)> =
        HashMap::new();
    for frame in open_capture(capture, Limit::CAPTURE).map_err(crate::decode::DecodeError::from)? {
        let f = frame.map_err(crate::decode::DecodeError::from)?;
        let Some(r) = decoder.decode(&f) else {
            if let Some((src, dst, request, tag)) = echo(&f) {
                let (i, seen) = pings.entry((src, dst, request)).or_insert_with(|| {
                    events.push(Event {
                        frame: f.number,
                        time: f.time,
                        src,
                        dst,
                        arrow: Arrow::Ping {
                            request,
                            count: 0,
                            last: f.time,
                        },
                    });
                    (events.len() - 1, Default::default())
                });
                // A ping crosses several links: each (id, seq) counts once.
                if seen.insert(tag) {
                    if let Arrow::Ping { count, last, .. } = &mut events[*i].arrow {
                        *count += 1;
                        *last = f.time;
                    }
                }
            }
            continue;
        };
        let (Ok(src), Ok(dst)) = (r.src.parse::<Ipv4Addr>(), r.dst.parse::<Ipv4Addr>()) else {
            continue;
        };
        match r.body {
            RecordBody::Isakmp(m) => events.push(Event {
                frame: f.number,
                time: f.time,
                src,
                dst,
                arrow: Arrow::Ike(Box::new(m)),
            }),
            RecordBody::Esp(e) => {
                let ok = e.icv.as_deref().map(|i| i == "correct");
                match esp.get(&(src, dst, e.spi)) {
                    Some(&i) => {
                        if let Arrow::Esp {
                            count,
                            last,
                            icv_ok,
                            ..
                        } = &mut events[i].arrow
                        {
                            *count += 1;
                            *last = f.time;
                            if let Some(ok) = ok {
                                *icv_ok = Some(icv_ok.unwrap_or(true) && ok);
                            }
                        }
                    }
                    None => {
                        esp.insert((src, dst, e.spi), events.len());
                        events.push(Event {
                            frame: f.number,
                            time: f.time,
                            src,
                            dst,
                            arrow: Arrow::Esp {
                                spi: e.spi,
                                count: 1,
                                last: f.time,
                                inner: e.inner,
                                icv_ok: ok,
                            },
                        });
                    }
                }
            }
            RecordBody::Keepalive | RecordBody::Malformed { .. } => {}
        }
    }
    Ok(events)
}

/// An ICMP echo request or reply in an Ethernet frame: (source, destination, request?,
/// identifier and sequence).
fn echo(f: &Frame) -> Option<(Ipv4Addr, Ipv4Addr, bool, u32)> {
    if f.link != LinkType::Ethernet {
        return None;
    }
    let p = etherparse::SlicedPacket::from_ethernet(&f.data).ok()?;
    let Some(etherparse::NetSlice::Ipv4(ip)) = p.net else {
        return None;
    };
    let Some(etherparse::TransportSlice::Icmpv4(icmp)) = p.transport else {
        return None;
    };
    let (request, e) = match icmp.icmp_type() {
        etherparse::Icmpv4Type::EchoRequest(e) => (true, e),
        etherparse::Icmpv4Type::EchoReply(e) => (false, e),
        _ => return None,
    };
    let h = ip.header();
    Some((
        h.source_addr(),
        h.destination_addr(),
        request,
        (u32::from(e.id) << 16) | u32::from(e.seq),
    ))
}

/// The vendor log lines, each with the time `lab.log` gives the same line of the same router.
fn logs(dir: &Path, summary: &Summary, year: i64) -> Result<Vec<LogLine>, ReportError> {
    let lab = files::read_text(&dir.join("lab.log"), Limit::LOG)?;
    // (router, message) in order, with times.
    let mut stamped: HashMap<&str, Vec<(Duration, &str)>> = HashMap::new();
    for l in lab.lines() {
        let Some((t, rest)) = stamp(l, year) else {
            continue;
        };
        if let Some((source, message)) = rest.split_once(": ") {
            stamped.entry(source).or_default().push((t, message));
        }
    }
    let mut out = vec![];
    for r in &summary.routers {
        let path = dir.join(format!("{}.log", r.name));
        if !path.exists() {
            continue;
        }
        let vendor = files::read_text(&path, Limit::LOG)?;
        let lab_lines = stamped.get(r.name.as_str()).map_or(&[][..], Vec::as_slice);
        let mut k = 0;
        let mut last = lab_lines.first().map_or(Duration::ZERO, |l| l.0);
        for line in vendor.lines() {
            // The lab log has the router's notes too: skip to this line's copy, looking a bounded
            // way ahead (a line missing from a damaged lab.log costs no more than that).
            let ahead = &lab_lines[k..lab_lines.len().min(k + SEARCH_AHEAD)];
            if let Some(j) = ahead.iter().position(|(_, m)| *m == line) {
                k += j;
                last = lab_lines[k].0;
                k += 1;
            }
            out.push(LogLine {
                time: last,
                router: r.name.clone(),
                text: line.to_string(),
            });
        }
    }
    out.sort_by_key(|l| l.time);
    Ok(out)
}

/// How far ahead in `lab.log` a vendor line's copy is looked for (the router's own notes, ARP
/// and drops, come between its vendor lines).
const SEARCH_AHEAD: usize = 4096;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The time of a `lab.log` line (`Jan  5 07:27:06.000125 seil: ...`) in `year`, and the rest.
fn stamp(line: &str, year: i64) -> Option<(Duration, &str)> {
    let (month, rest) = line.split_once(' ')?;
    let month = MONTHS.iter().position(|m| *m == month)? as u32 + 1;
    // `Jan  5`: a day below 10 is padded with a blank.
    let (day, rest) = rest.trim_start().split_once(' ')?;
    let (clock, rest) = rest.split_once(' ')?;
    let day: u32 = day.parse().ok()?;
    let (hms, micros) = clock.split_once('.').unwrap_or((clock, "0"));
    let mut hms = hms.split(':').map(|p| p.parse::<u64>().ok());
    let (h, m, s) = (hms.next()??, hms.next()??, hms.next()??);
    let micros: u64 = micros.parse().ok()?;
    let days = time::days_from_civil(year, month, day);
    let secs = u64::try_from(days).ok()? * 86_400 + h * 3600 + m * 60 + s;
    Some((
        Duration::from_secs(secs) + Duration::from_micros(micros),
        rest,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lab_log_stamps_read_back() {
        let (t, rest) = stamp("Jan  5 07:27:06.000125 seil: hello: world", 2016).unwrap();
        assert_eq!(time::rfc3339(t), "2016-01-05T07:27:06.000125Z");
        assert_eq!(rest, "seil: hello: world");
        let (t, _) = stamp("Dec 31 23:59:59.999999 ix: x", 2026).unwrap();
        assert_eq!(time::rfc3339(t), "2026-12-31T23:59:59.999999Z");
        assert!(stamp("garbage", 2016).is_none());
    }
}
