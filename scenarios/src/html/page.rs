//! The report page itself: one self-contained HTML file (inline style, an inline SVG, no
//! script and nothing fetched, so it opens in a classroom without a network). A ladder diagram
//! of the exchange, each arrow a link to the message's decrypted contents; the vendor logs of
//! all routers on the same clock, each line linked to the message it follows; the configs side
//! by side with the lines that took part marked; the diagnosis with its fixes (left out in exam
//! mode); and a summary band a student reads first.

use std::fmt::Write as _;
use std::net::Ipv4Addr;
use std::time::Duration;

use super::configs::{ConfigView, Role};
use super::model::{Arrow, Event, RunView};
use crate::decode::record::{Decryption, IsakmpRecord};
use crate::decode::time;

/// What to leave out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PageOptions {
    /// Exam mode: no diagnosis, no fix lines, no cause in the summary band.
    pub no_diagnosis: bool,
}

/// `s` safe as HTML text and attribute values (control characters but newline and tab become
/// U+FFFD).
pub(crate) fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => o.push('\u{fffd}'),
            c => o.push(c),
        }
    }
    o
}

/// `07:27:06.001` on the run's clock.
fn clock(t: Duration) -> String {
    let tod = time::time_of_day(t);
    tod[..tod.len().saturating_sub(3)].to_string()
}

/// The page's font, colours and headings, which `matrix.html` shares.
pub(crate) const BASE_STYLE: &str = "
body{font-family:system-ui,sans-serif;margin:1.5em;color:#1d2330;background:#fff}
h1{margin:0 0 .2em}h2{border-bottom:1px solid #ccd;padding-bottom:.2em;margin-top:1.6em}
.sub{color:#556}
";

/// The rest of the report's style.
const STYLE: &str = ".band{display:flex;gap:1em;flex-wrap:wrap}
.box{flex:1;min-width:14em;border-radius:8px;padding:.6em 1em;border:2px solid}
.box h3{margin:.1em 0 .3em}.ok{border-color:#2e8b57;background:#eefaf2}.bad{border-color:#c0392b;background:#fdf0ee}
.box p{margin:.2em 0}
svg text{font-family:system-ui,sans-serif;font-size:12px}
svg .lane{stroke:#99a;stroke-width:1.5}svg .lanename{font-weight:bold;font-size:13px}
svg .arrow line{stroke-width:2}svg .ike line{stroke:#1f4e9c}svg .esp line{stroke:#2e8b57;stroke-width:4}
svg .ping line{stroke:#888;stroke-dasharray:2 3}svg .retx line{stroke-dasharray:6 4;stroke:#7a8fb8}
svg .refused line{stroke:#c0392b}svg .time{fill:#667}svg a:hover text{fill:#c05}
.msg{border:1px solid #dde;border-radius:6px;padding:.4em .8em;margin:.5em 0}
.msg:target{border-color:#c05;box-shadow:0 0 0 3px #f6c}
.msg h3{margin:.2em 0;font-size:1em}
table{border-collapse:collapse}td,th{padding:.15em .6em;vertical-align:top;text-align:left}
.payloads td:first-child{white-space:nowrap;font-weight:bold}
.logs td{font-family:ui-monospace,monospace;font-size:12px}.logs tr:nth-child(even){background:#f5f6fa}
.cols{display:grid;grid-template-columns:repeat(auto-fit,minmax(28em,1fr));gap:1em}
pre.conf{background:#f7f7fb;padding:.5em;overflow-x:auto;font-size:12px;line-height:1.45}
pre.conf span{display:block}pre.conf .ln{display:inline-block;width:2.5em;color:#99a}
.r-peer{background:#e8eefc}.r-psk{background:#f3e8fc}.r-phase1{background:#e6f4fb}.r-policy{background:#fff4d6}
.r-ids{background:#ffe0b3;font-weight:bold}.r-phase2{background:#e3f7e8}.r-pfs{background:#fde2e2}.r-tunnel{background:#eee}
.fix{outline:2px solid #c0392b}
.legend span{padding:0 .4em;margin-right:.4em;border-radius:3px}
.finding{border-left:4px solid #c0392b;padding:.2em .8em;background:#fdf6f5;white-space:pre-wrap;font-family:ui-monospace,monospace;font-size:12px}
";

/// The whole page.
pub fn render(run: &RunView, opts: PageOptions) -> String {
    let s = &run.summary;
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\">\
         <title>ikelab: {name}</title><style>{BASE_STYLE}{STYLE}</style></head><body>\n\
         <h1>{name}</h1><p class=\"sub\">Started {start}, ran {dur:.0} s (virtual time). \
         Verdict: {verdict}.</p>\n",
        name = esc(&s.scenario),
        start = esc(&s.start),
        dur = s.duration_s,
        verdict = esc(&s.verdict.result),
    );
    band(&mut h, run, opts);
    let lanes = Lanes::of(run);
    h.push_str("<h2>The exchange</h2>\n<p class=\"sub\">Time runs down; click an arrow for what the message carried, decrypted.</p>\n");
    ladder(&mut h, run, &lanes);
    h.push_str("<h2 id=\"messages\">Messages</h2>\n");
    for e in &run.events {
        message(&mut h, e, &lanes);
    }
    logs(&mut h, run);
    configs(&mut h, run, opts);
    if !opts.no_diagnosis {
        diagnosis(&mut h, run);
    }
    h.push_str("<p class=\"sub\">Written by ikelab report.</p></body></html>\n");
    h
}

/// The summary band: phase 1, phase 2 and pings in words a student understands.
fn band(h: &mut String, run: &RunView, opts: PageOptions) {
    let s = &run.summary;
    let established =
        |r: &super::model::RouterIn| r.isakmp_sas.iter().any(|sa| sa["state"] == "established");
    let names: Vec<&str> = s.routers.iter().map(|r| r.name.as_str()).collect();
    let p1 = s.routers.iter().filter(|r| established(r)).count();
    let p2 = s.routers.iter().filter(|r| !r.ipsec_sas.is_empty()).count();
    let (sent, answered) = s.pings.iter().fold((0u64, 0u64), |(a, b), p| {
        (a + u64::from(p.sent), b + u64::from(p.answered))
    });
    let cause = (!opts.no_diagnosis)
        .then(|| s.diagnosis.first())
        .flatten()
        .map(|f| f.text.lines().next().unwrap_or_default().to_string());
    h.push_str("<div class=\"band\">\n");
    let mut boxed = |ok: bool, title: &str, text: String| {
        let _ = writeln!(
            h,
            "<div class=\"box {}\" data-part=\"{}\"><h3>{} {}</h3><p>{}</p></div>",
            if ok { "ok" } else { "bad" },
            esc(title),
            esc(title),
            if ok { "&#10004;" } else { "&#10008;" },
            text
        );
    };
    boxed(
        p1 > 0,
        "Phase 1",
        if p1 > 0 {
            format!(
                "Up: {} agreed on an IKE SA (the routers proved they share the key).",
                esc(&names.join(" and "))
            )
        } else {
            "Down: no IKE SA was established, so no tunnel can be negotiated.".into()
        },
    );
    let p2_text = if p2 > 0 {
        "Up: IPsec SAs were installed; traffic that matches the policy is encrypted.".to_string()
    } else {
        let mut t = "Down: no IPsec SA was installed.".to_string();
        if let Some(c) = &cause {
            let _ = write!(t, " {}", esc(c));
        }
        t
    };
    boxed(p2 > 0, "Phase 2", p2_text);
    let pings = if sent == 0 {
        "No pings in this run.".to_string()
    } else {
        format!("{answered} of {sent} answered.")
    };
    boxed(sent > 0 && answered == sent, "Pings", pings);
    h.push_str("</div>\n");
}

/// The lanes of the ladder: routers, hosts, then any other address seen.
struct Lanes {
    names: Vec<String>,
    by_address: Vec<(Ipv4Addr, usize)>,
}

impl Lanes {
    fn of(run: &RunView) -> Lanes {
        let mut l = Lanes {
            names: vec![],
            by_address: vec![],
        };
        let s = &run.summary;
        for (i, r) in s.routers.iter().enumerate() {
            l.names.push(format!("{} ({})", r.name, r.vendor));
            for a in r.addresses.iter().filter_map(|a| a.parse().ok()) {
                l.by_address.push((a, i));
            }
        }
        // A host that pings goes left of the routers, the others right: a ping then reads
        // left to right across the tunnel.
        let pings_from = |h: &&super::model::HostIn| s.pings.iter().any(|p| p.from == h.name);
        let (left, right): (Vec<_>, Vec<_>) = s.hosts.iter().partition(pings_from);
        for (i, h) in left.iter().enumerate() {
            if let Ok(a) = h.address.parse() {
                l.names.insert(i, h.name.clone());
                for (_, lane) in l.by_address.iter_mut().filter(|(_, x)| *x >= i) {
                    *lane += 1;
                }
                l.by_address.push((a, i));
            }
        }
        for h in right {
            if let Ok(a) = h.address.parse() {
                l.names.push(h.name.clone());
                l.by_address.push((a, l.names.len() - 1));
            }
        }
        for e in &run.events {
            for a in [e.src, e.dst] {
                if l.lane(a).is_none() {
                    l.names.push(a.to_string());
                    l.by_address.push((a, l.names.len() - 1));
                }
            }
        }
        l
    }

    fn lane(&self, a: Ipv4Addr) -> Option<usize> {
        self.by_address
            .iter()
            .find(|(x, _)| *x == a)
            .map(|(_, i)| *i)
    }

    fn name(&self, a: Ipv4Addr) -> String {
        self.lane(a)
            .map_or_else(|| a.to_string(), |i| self.names[i].clone())
    }
}

/// The id of an event's section.
fn anchor(e: &Event) -> String {
    match &e.arrow {
        Arrow::Ike(_) => format!("m{}", e.frame),
        Arrow::Esp { .. } => format!("e{}", e.frame),
        Arrow::Ping { .. } => format!("p{}", e.frame),
    }
}

/// The label an arrow carries, and its kind (`ike`, `esp`, `ping`).
fn label(e: &Event) -> (String, &'static str) {
    match &e.arrow {
        Arrow::Ike(m) => (m.message.clone(), "ike"),
        Arrow::Esp { spi, count, .. } => (format!("ESP SPI 0x{spi:08x} \u{d7}{count}"), "esp"),
        Arrow::Ping { request, count, .. } => (
            format!(
                "ping {} \u{d7}{count}",
                if *request { "request" } else { "reply" }
            ),
            "ping",
        ),
    }
}

const LANE_GAP: usize = 270;
const ROW: usize = 30;
const LEFT: usize = 110;
const TOP: usize = 50;

/// The ladder: a lane per router and host, an arrow per IKE message and per ESP or ping flow.
fn ladder(h: &mut String, run: &RunView, lanes: &Lanes) {
    let width = LEFT + LANE_GAP * lanes.names.len().max(2) - LANE_GAP / 2;
    let height = TOP + ROW * (run.events.len() + 1);
    let _ = writeln!(
        h,
        "<svg id=\"ladder\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"ladder diagram\">\
         <defs><marker id=\"head\" markerUnits=\"userSpaceOnUse\" markerWidth=\"10\" markerHeight=\"8\" refX=\"9\" refY=\"4\" \
         orient=\"auto\"><path d=\"M0,0 L10,4 L0,8 z\" fill=\"context-stroke\"/></marker></defs>"
    );
    let x = |i: usize| LEFT + LANE_GAP * i;
    for (i, n) in lanes.names.iter().enumerate() {
        let _ = write!(
            h,
            "<text class=\"lanename\" x=\"{}\" y=\"20\" text-anchor=\"middle\">{}</text>\
             <line class=\"lane\" x1=\"{0}\" y1=\"30\" x2=\"{0}\" y2=\"{}\"/>",
            x(i),
            esc(n),
            height - 5
        );
    }
    for (row, e) in run.events.iter().enumerate() {
        let y = TOP + ROW * row + ROW / 2;
        let (from, to) = (
            lanes.lane(e.src).unwrap_or(0),
            lanes.lane(e.dst).unwrap_or(0),
        );
        let (text, kind) = label(e);
        let mut class = format!("arrow {kind}");
        let mut shown = text.clone();
        if let Arrow::Ike(m) = &e.arrow {
            if let Some(first) = m.retransmission_of {
                class.push_str(" retx");
                shown = format!("{text} (retransmission of frame {first})");
            }
            if m.message.contains("INVALID-ID") || m.message.contains("NO-PROPOSAL") {
                class.push_str(" refused");
            }
        }
        let (x1, x2) = (x(from), x(to));
        let shorten = |a: usize, b: usize| if b > a { b - 6 } else { b + 6 };
        let _ = write!(
            h,
            "<a href=\"#{id}\"><g class=\"{class}\" data-kind=\"{kind}\" data-name=\"{name}\" \
             data-frame=\"{frame}\"><title>{title}</title>\
             <text class=\"time\" x=\"4\" y=\"{ty}\">{time}</text>\
             <line x1=\"{x1}\" y1=\"{y}\" x2=\"{x2e}\" y2=\"{y}\" marker-end=\"url(#head)\"/>\
             <text x=\"{tx}\" y=\"{ly}\" text-anchor=\"middle\">{shown}</text></g></a>",
            id = anchor(e),
            name = esc(&text),
            frame = e.frame,
            title = esc(&format!(
                "frame {}: {} -> {}",
                e.frame,
                lanes.name(e.src),
                lanes.name(e.dst)
            )),
            ty = y + 4,
            time = clock(e.time),
            x2e = shorten(x1, x2),
            tx = (x1 + x2) / 2,
            ly = y - 5,
            shown = esc(&shown),
        );
    }
    h.push_str("</svg>\n");
}

/// One message's section: header and every payload for IKE, the flow for ESP and pings.
fn message(h: &mut String, e: &Event, lanes: &Lanes) {
    let (text, kind) = label(e);
    let _ = write!(
        h,
        "<article class=\"msg {kind}\" id=\"{}\" data-name=\"{}\"><h3>{} &mdash; {} &rarr; {}, {}</h3>",
        anchor(e),
        esc(&text),
        esc(&text),
        esc(&lanes.name(e.src)),
        esc(&lanes.name(e.dst)),
        clock(e.time)
    );
    match &e.arrow {
        Arrow::Ike(m) => ike(h, e.frame, m),
        Arrow::Esp {
            spi,
            count,
            last,
            inner,
            icv_ok,
        } => {
            let _ = write!(
                h,
                "<p>{count} ESP packets with SPI 0x{spi:08x} from {} to {}, {} to {} (first in frame {}).</p>",
                e.src,
                e.dst,
                clock(e.time),
                clock(*last),
                e.frame
            );
            match icv_ok {
                Some(true) => h.push_str("<p>Every integrity check value (ICV) is correct.</p>"),
                Some(false) => h.push_str("<p>Some integrity check values are wrong.</p>"),
                None => h.push_str("<p>No key for this SA in the run's key files.</p>"),
            }
            if let Some(i) = inner {
                let _ = write!(h, "<p>Inside the first one: {}</p>", esc(i));
            }
        }
        Arrow::Ping {
            request,
            count,
            last,
        } => {
            let _ = write!(
                h,
                "<p>{count} ICMP echo {} from {} to {}, {} to {} (unencrypted on the LAN).</p>",
                if *request { "requests" } else { "replies" },
                e.src,
                e.dst,
                clock(e.time),
                clock(*last)
            );
        }
    }
    h.push_str("</article>\n");
}

fn ike(h: &mut String, frame: usize, m: &IsakmpRecord) {
    let state = match m.decryption {
        Decryption::Plaintext => "not encrypted",
        Decryption::Decrypted => "encrypted, decrypted with the run's keys",
        Decryption::NoKey => "encrypted, no key for it",
        Decryption::Failed => "encrypted, could not be decrypted",
    };
    let _ = write!(
        h,
        "<table class=\"header\"><tr><td>frame</td><td>{frame}</td></tr>\
         <tr><td>exchange</td><td>{} (message ID 0x{:08x})</td></tr>\
         <tr><td>cookies</td><td>{} / {}</td></tr>\
         <tr><td>length</td><td>{} bytes, {state}</td></tr></table>",
        esc(&m.exchange_name),
        m.message_id,
        esc(&m.icookie),
        esc(&m.rcookie),
        m.length
    );
    if let Some(first) = m.retransmission_of {
        let _ = write!(
            h,
            "<p>Retransmission of <a href=\"#m{first}\">frame {first}</a>, same bytes: the sender got no answer it could use.</p>"
        );
    }
    if let Some(n) = &m.note {
        let _ = write!(h, "<p>{}</p>", esc(n));
    }
    if !m.payloads.is_empty() {
        h.push_str("<table class=\"payloads\">");
        for p in &m.payloads {
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{} bytes</td><td>{}</td></tr>",
                esc(&p.name),
                p.length,
                esc(&p.detail)
            );
        }
        h.push_str("</table>");
    }
}

/// The vendor logs of every router on one clock, each line linked to the message it follows.
fn logs(h: &mut String, run: &RunView) {
    h.push_str("<h2 id=\"logs\">What the routers logged</h2>\n<table class=\"logs\"><tr><th>time</th><th>router</th><th>line</th><th>after</th></tr>\n");
    for l in &run.logs {
        let after = run
            .events
            .iter()
            .take_while(|e| e.time <= l.time)
            .last()
            .map(|e| format!("<a href=\"#{}\">{}</a>", anchor(e), esc(&label(e).0)))
            .unwrap_or_default();
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{after}</td></tr>",
            clock(l.time),
            esc(&l.router),
            esc(&l.text)
        );
    }
    h.push_str("</table>\n");
}

/// The configs side by side, the lines that took part marked (and the fix lines, unless exam).
fn configs(h: &mut String, run: &RunView, opts: PageOptions) {
    h.push_str("<h2 id=\"configs\">The configs</h2>\n<p class=\"legend\">");
    for r in [
        Role::Peer,
        Role::Psk,
        Role::Phase1,
        Role::Policy,
        Role::Ids,
        Role::Phase2,
        Role::Pfs,
        Role::Tunnel,
    ] {
        let _ = write!(h, "<span class=\"{}\">{}</span>", class(r), r.label());
    }
    if !opts.no_diagnosis {
        h.push_str("<span class=\"fix\">a line the fix changes</span>");
    }
    h.push_str("</p>\n<div class=\"cols\">\n");
    for r in &run.summary.routers {
        for c in &r.configs {
            config(h, &r.name, c, run, opts);
        }
    }
    h.push_str("</div>\n");
}

fn class(r: Role) -> &'static str {
    match r {
        Role::Peer => "r-peer",
        Role::Psk => "r-psk",
        Role::Phase1 => "r-phase1",
        Role::Policy => "r-policy",
        Role::Ids => "r-ids",
        Role::Phase2 => "r-phase2",
        Role::Pfs => "r-pfs",
        Role::Tunnel => "r-tunnel",
    }
}

fn config(h: &mut String, router: &str, c: &ConfigView, run: &RunView, opts: PageOptions) {
    let fixed: Vec<usize> = if opts.no_diagnosis {
        vec![]
    } else {
        run.summary
            .diagnosis
            .iter()
            .flat_map(|f| &f.fixes)
            .flat_map(|x| &x.edits)
            .filter(|e| e.file == c.file)
            .map(|e| e.line)
            .collect()
    };
    let _ = write!(
        h,
        "<div><h3>{} &mdash; {}{}</h3><pre class=\"conf\">",
        esc(router),
        esc(&c.file),
        if c.at_ms > 0 {
            format!(" (applied at {} s)", c.at_ms / 1000)
        } else {
            String::new()
        }
    );
    for (i, line) in c.text.iter().enumerate() {
        let n = i + 1;
        let mut classes: Vec<&str> = c
            .marks
            .iter()
            .filter(|(l, _)| *l == n)
            .map(|(_, r)| class(*r))
            .collect();
        if fixed.contains(&n) {
            classes.push("fix");
        }
        let _ = writeln!(
            h,
            "<span class=\"{}\" data-line=\"{n}\"><span class=\"ln\">{n}</span>{}</span>",
            classes.join(" "),
            esc(line)
        );
    }
    h.push_str("</pre></div>\n");
}

/// The diagnosis: each finding's text, with its fixes.
fn diagnosis(h: &mut String, run: &RunView) {
    h.push_str("<h2 id=\"diagnosis\">Diagnosis</h2>\n");
    if run.summary.diagnosis.is_empty() {
        h.push_str("<p>Nothing went wrong that ikelab recognises.</p>\n");
    }
    for f in &run.summary.diagnosis {
        let _ = writeln!(
            h,
            "<div class=\"finding\" data-kind=\"{}\">{}</div>",
            esc(&f.kind),
            esc(&f.text)
        );
    }
}
