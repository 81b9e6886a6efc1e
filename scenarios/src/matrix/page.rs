//! `matrix.html`: the matrix as one self-contained page (inline style, no script, nothing
//! fetched) in the report's style and with its escaping. One table: per variant a block of rows,
//! an initiator a row and a responder a column, each cell coloured by how it came out and linked
//! to its run's report (`cells/<id>/report.html`), its diagnosis shown and the line each side
//! logged when it decided in its tooltip. The markup is also well-formed XML (every element
//! closed, attributes quoted, only numeric character references), so a test reads it with an
//! XML parser.

use std::fmt::Write as _;

use super::grid::Knob;
use super::output::CELLS;
use super::row::{Class, Row, Status};
use crate::html::page::{BASE_STYLE, esc};

const STYLE: &str = "table{border-collapse:collapse;margin-top:1em}
td,th{border:1px solid #ccd;padding:.3em .6em;vertical-align:top;text-align:left}
thead th{background:#f0f1f6}th.variant{background:#f7f7fb;font-weight:normal;color:#556;padding-top:.8em}
th.variant b{color:#1d2330}td{min-width:14em;max-width:28em}
td a{font-weight:bold;color:inherit}td .why{display:block;font-size:12px;color:#333;margin-top:.2em}
.legend span{display:inline-block;padding:.1em .5em;margin:0 .4em .3em 0;border:1px solid}
.c-up{background:#e3f7e8;border-color:#2e8b57}.c-qm{background:#e6f0fa;border-color:#3a6ea5}.c-p2{background:#f1f7d4;border-color:#8a9a2b}
.c-p1{background:#fff4d6;border-color:#d4a017}.c-down{background:#fde2e2;border-color:#c0392b}
.c-na{background:#eeeeee;border-color:#999;color:#555}.c-err{background:#f3e8fc;border-color:#7d3c98}
.c-none{background:#fff;color:#999}
";

/// A colour class's CSS class and its words in the legend.
fn class(c: Class) -> (&'static str, &'static str) {
    match c {
        Class::Up => ("c-up", "phase 2 up, ping answered"),
        Class::QuickModeAgreed => ("c-qm", "Quick Mode agreed, IKE only (a real daemon)"),
        Class::Phase2NoPing => ("c-p2", "phase 2 up, no echo request answered"),
        Class::Phase1Only => ("c-p1", "phase 1 only"),
        Class::Nothing => ("c-down", "nothing came up"),
        Class::NotExpressible => ("c-na", "not expressible in a side's config"),
        Class::Failed => ("c-err", "failed: the lab could not be built"),
    }
}

/// Every class, in the legend's order.
const CLASSES: [Class; 7] = [
    Class::Up,
    Class::QuickModeAgreed,
    Class::Phase2NoPing,
    Class::Phase1Only,
    Class::Nothing,
    Class::NotExpressible,
    Class::Failed,
];

/// The words a cell shows.
fn label(s: Status) -> String {
    match s {
        Status::Ran {
            phase1,
            phase2,
            answered,
            sent,
        } => match (phase1, phase2) {
            (_, true) if sent == 0 => "Quick Mode agreed, IKE only".to_string(),
            (_, true) => format!("phase 2 up, {answered}/{sent} answered"),
            (true, false) => "phase 1 only".to_string(),
            (false, false) => "nothing came up".to_string(),
        },
        Status::NotExpressible => "not expressible".to_string(),
        Status::Failed => "failed".to_string(),
    }
}

/// `items` without repeats, in the order they first come.
fn firsts<T: PartialEq + Clone>(items: impl Iterator<Item = T>) -> Vec<T> {
    let mut out: Vec<T> = vec![];
    for i in items {
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

/// The whole page for `rows` (in the grid's order).
pub fn render(rows: &[Row]) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>\
         <meta name=\"viewport\" content=\"width=device-width\"/>\
         <title>ikelab matrix</title><style>{BASE_STYLE}{STYLE}</style></head><body>\n\
         <h1>ikelab matrix</h1>\n<p class=\"sub\">{n} cell(s). Each block is a variant of a \
         knob (the initiator's setting / the responder's); a row is the initiator, a column \
         the responder. A cell links to its run's report; hover over it for the line each side \
         logged when it decided.</p>\n<p class=\"legend\">",
        n = rows.len()
    );
    for c in CLASSES {
        let (css, words) = class(c);
        let n = rows.iter().filter(|r| r.status.class() == c).count();
        let _ = write!(h, "<span class=\"{css}\">{}: {n}</span>", esc(words));
    }
    h.push_str("</p>\n");
    let initiators = firsts(rows.iter().map(|r| r.initiator.as_str()));
    let responders = firsts(rows.iter().map(|r| r.responder.as_str()));
    let variants: Vec<(Knob, &str)> = firsts(rows.iter().map(|r| (r.knob, r.variant.as_str())));
    h.push_str("<table>\n<thead><tr><th>initiator &#8595; / responder &#8594;</th>");
    for r in &responders {
        let _ = write!(h, "<th>{}</th>", esc(r));
    }
    h.push_str("</tr></thead>\n");
    for (knob, variant) in &variants {
        let _ = writeln!(
            h,
            "<tbody><tr><th class=\"variant\" colspan=\"{}\">{} <b>{}</b></th></tr>",
            responders.len() + 1,
            esc(knob.name()),
            esc(variant)
        );
        for i in &initiators {
            let _ = write!(h, "<tr><th>{}</th>", esc(i));
            for r in &responders {
                let row = rows.iter().find(|x| {
                    x.knob == *knob
                        && x.variant == *variant
                        && x.initiator == *i
                        && x.responder == *r
                });
                match row {
                    Some(row) => cell(&mut h, row),
                    None => h.push_str("<td class=\"c-none\">not run</td>"),
                }
            }
            h.push_str("</tr>\n");
        }
        h.push_str("</tbody>\n");
    }
    h.push_str("</table>\n<p class=\"sub\">Written by ikelab matrix.</p></body></html>\n");
    h
}

/// One cell: coloured, linked to its report if it ran, its diagnosis shown, its deciding
/// lines in its tooltip.
fn cell(h: &mut String, row: &Row) {
    let (css, _) = class(row.status.class());
    let mut tip = String::new();
    for (side, line) in [
        ("initiator", &row.initiator_line),
        ("responder", &row.responder_line),
    ] {
        if !line.is_empty() {
            let _ = writeln!(tip, "{side}: {line}");
        }
    }
    tip.push_str(&row.diagnosis);
    let _ = write!(
        h,
        "<td class=\"{css}\" id=\"{id}\" title=\"{tip}\">",
        id = esc(row.id.as_str()),
        tip = esc(tip.trim_end())
    );
    let words = esc(&label(row.status));
    if row.status.ran() {
        let _ = write!(
            h,
            "<a href=\"{CELLS}/{}/report.html\">{words}</a>",
            esc(row.id.as_str())
        );
    } else {
        h.push_str(&words);
    }
    if !row.diagnosis.is_empty() {
        let _ = write!(h, "<span class=\"why\">{}</span>", esc(&row.diagnosis));
    }
    h.push_str("</td>");
}

#[cfg(test)]
mod tests {
    use super::render;
    use crate::matrix::grid::Knob;
    use crate::matrix::row::{Row, Status};
    use crate::matrix::{Filter, cells};
    use ikelab_peers::personality::Personalities;

    /// Log lines and diagnoses are data: whatever they hold, the page stays one well-formed
    /// document with no markup of theirs.
    #[test]
    fn hostile_text_is_escaped() {
        let cell = cells(&Personalities::builtin(), &Filter::default())
            .into_iter()
            .next()
            .unwrap();
        let evil = "</td></table><script>alert(1)</script> \"quoted\" 'single' & \u{7}bell";
        let row = Row {
            id: cell.id(),
            initiator: "<b>seil</b>".into(),
            responder: "ix\"".into(),
            knob: Knob::Ids,
            variant: "a/b<c".into(),
            status: Status::Ran {
                phase1: true,
                phase2: false,
                answered: 0,
                sent: 10,
            },
            initiator_line: evil.into(),
            responder_line: evil.into(),
            diagnosis: evil.into(),
        };
        let page = render(&[row]);
        assert!(!page.contains("<script"), "{page}");
        assert!(!page.contains("<b>seil"), "{page}");
        assert!(!page.contains('\u{7}'));
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt; &quot;quoted&quot;"));
        let mut reader = quick_xml::Reader::from_str(&page);
        let mut depth = 0i32;
        loop {
            match reader.read_event().expect("well-formed") {
                quick_xml::events::Event::Start(_) => depth += 1,
                quick_xml::events::Event::End(_) => depth -= 1,
                quick_xml::events::Event::Eof => break,
                _ => {}
            }
        }
        assert_eq!(depth, 0);
    }
}
