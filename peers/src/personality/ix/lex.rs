//! Lines, words with their columns, diagnostics, and the value syntaxes the IX dialect shares
//! (addresses, prefixes, numbers); the Yamaha RTX dialect (`super::super::rtx`, `#` comments)
//! and the IOS dialect (Cisco-style like the IX: `!` comments, indented sub-commands) read their
//! lines with the same code. Nothing here panics on any input.

use std::net::Ipv4Addr;

use crate::personality::{Diagnostic, Severity, text};
use crate::prefix::{BareAddress, Ipv4Net, PrefixError};

/// Longest line read; longer ones are an error (an IX CLI line is far shorter).
pub(crate) const MAX_LINE: usize = 1024;
/// Diagnostics kept per severity; the rest are counted in one closing diagnostic.
pub(crate) const MAX_DIAGNOSTICS: usize = 200;
/// Characters of a word quoted in a message.
const QUOTE_MAX: usize = 40;

/// A 1-based line and column (in characters).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) struct Pos {
    pub line: usize,
    pub col: usize,
}

/// One word of a line.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Word<'a> {
    pub text: &'a str,
    pub pos: Pos,
}

/// A line split into words.
#[derive(Debug)]
pub(crate) struct Line<'a> {
    /// Starts with white space.
    pub indented: bool,
    pub words: Vec<Word<'a>>,
    /// Just after the last character (where a missing word would go).
    pub end: Pos,
}

impl Line<'_> {
    /// The word at `i`, if any.
    pub fn word(&self, i: usize) -> &str {
        self.words.get(i).map_or("", |w| w.text)
    }
}

/// Quotes a word for a message, shortened if long.
pub(crate) fn q(s: &str) -> String {
    if s.chars().count() > QUOTE_MAX {
        let short: String = s.chars().take(QUOTE_MAX).collect();
        format!("`{short}...`")
    } else {
        format!("`{s}`")
    }
}

/// Collects diagnostics, bounded.
pub(crate) struct Diags {
    file: String,
    list: Vec<Diagnostic>,
    kept: [usize; 2],
    dropped: [usize; 2],
    last: Pos,
}

impl Diags {
    pub fn new(file: &str) -> Self {
        Self {
            file: file.to_string(),
            list: vec![],
            kept: [0; 2],
            dropped: [0; 2],
            last: Pos { line: 1, col: 1 },
        }
    }

    fn push(&mut self, severity: Severity, pos: Pos, message: String) {
        let k = usize::from(severity == Severity::Error);
        if pos.line >= self.last.line {
            self.last = pos;
        }
        if self.kept[k] >= MAX_DIAGNOSTICS {
            self.dropped[k] += 1;
            return;
        }
        self.kept[k] += 1;
        self.list.push(Diagnostic {
            file: self.file.clone(),
            line: pos.line,
            column: pos.col,
            severity,
            message,
        });
    }

    /// A command or option that is ignored; the router still starts.
    pub fn warn(&mut self, pos: Pos, message: impl Into<String>) {
        self.push(Severity::Warning, pos, message.into());
    }

    /// A malformed command; the router does not start.
    pub fn error(&mut self, pos: Pos, message: impl Into<String>) {
        self.push(Severity::Error, pos, message.into());
    }

    pub fn has_errors(&self) -> bool {
        self.errors() > 0
    }

    /// Errors so far.
    pub fn errors(&self) -> usize {
        self.kept[1] + self.dropped[1]
    }

    /// Every diagnostic in line order, with a closing note for those not kept.
    pub fn finish(mut self) -> Vec<Diagnostic> {
        let last = self.last;
        for (k, sev, what) in [
            (0, Severity::Warning, "warnings"),
            (1, Severity::Error, "errors"),
        ] {
            if self.dropped[k] > 0 {
                self.kept[k] = 0;
                let n = self.dropped[k];
                self.push(sev, last, format!("{n} further {what} not shown"));
            }
        }
        self.list.sort_by_key(|d| (d.line, d.column));
        self.list
    }
}

/// Splits `text` into lines of words. Comments (`!`), blank lines, overlong lines and lines with
/// control characters yield no words (the last two with an error). A leading byte-order mark and
/// CR line ends are accepted.
pub(crate) fn lines<'a>(text: &'a str, d: &mut Diags) -> Vec<Line<'a>> {
    lines_with_comment(text, d, '!')
}

/// [`lines`] for a dialect whose comment lines start with `comment` (the Yamaha RTX's `#`).
pub(crate) fn lines_with_comment<'a>(text: &'a str, d: &mut Diags, comment: char) -> Vec<Line<'a>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = vec![];
    for (i, raw) in text.split('\n').enumerate() {
        let no = i + 1;
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if raw.len() > MAX_LINE {
            let n = raw.chars().count();
            if n > MAX_LINE {
                d.error(
                    Pos {
                        line: no,
                        col: MAX_LINE + 1,
                    },
                    format!("line is {n} characters long; at most {MAX_LINE} are accepted"),
                );
                continue;
            }
        }
        if let Some((col, c)) = text::control_character(raw) {
            d.error(Pos { line: no, col }, text::control_message(c));
            continue;
        }
        let mut words = vec![];
        let mut start: Option<(usize, usize)> = None;
        let mut col = 0;
        let mut end_col = 1;
        for (b, c) in raw.char_indices() {
            col += 1;
            if c == ' ' || c == '\t' {
                if let Some((sb, sc)) = start.take() {
                    words.push(Word {
                        text: &raw[sb..b],
                        pos: Pos { line: no, col: sc },
                    });
                }
            } else {
                end_col = col + 1;
                if start.is_none() {
                    start = Some((b, col));
                }
            }
        }
        if let Some((sb, sc)) = start {
            words.push(Word {
                text: &raw[sb..],
                pos: Pos { line: no, col: sc },
            });
        }
        if words.first().is_none_or(|w| w.text.starts_with(comment)) {
            continue;
        }
        out.push(Line {
            indented: raw.starts_with([' ', '\t']),
            words,
            end: Pos {
                line: no,
                col: end_col,
            },
        });
    }
    out
}

/// Warns that a config without a line says nothing (`what`: "no interfaces, no IKE").
pub(crate) fn warn_if_empty(lines: &[Line<'_>], d: &mut Diags, what: &str) {
    if lines.is_empty() && !d.has_errors() {
        d.warn(
            Pos { line: 1, col: 1 },
            format!("the configuration is empty: {what}"),
        );
    }
}

/// Refuses, at its first word, a config none of whose lines is `device`'s (another vendor's,
/// say); `examples` are commands the dialect does have.
pub(crate) fn refuse_foreign(lines: &[Line<'_>], d: &mut Diags, device: &str, examples: &str) {
    let (pos, first) = lines
        .first()
        .and_then(|l| l.words.first())
        .map_or((Pos { line: 1, col: 1 }, ""), |w| (w.pos, w.text));
    d.error(pos, text::foreign_message(device, first, examples));
}

/// The arguments of a command, read left to right; every failure is reported once, naming the
/// command, and yields `None`.
pub(crate) struct Args<'l, 'a> {
    line: &'l Line<'a>,
    i: usize,
    cmd: String,
}

impl<'l, 'a> Args<'l, 'a> {
    /// Arguments after the first `skip` words, for the command `cmd` (as the message names it).
    pub fn new(line: &'l Line<'a>, skip: usize, cmd: &str) -> Self {
        Self {
            line,
            i: skip,
            cmd: cmd.to_string(),
        }
    }

    pub fn peek(&self) -> Option<Word<'a>> {
        self.line.words.get(self.i).copied()
    }

    pub fn next(&mut self) -> Option<Word<'a>> {
        let w = self.peek();
        if w.is_some() {
            self.i += 1;
        }
        w
    }

    /// Where a missing word would be.
    pub fn end(&self) -> Pos {
        self.line.end
    }

    /// The next word, or an error "missing `what`".
    pub fn need(&mut self, d: &mut Diags, what: &str) -> Option<Word<'a>> {
        let w = self.next();
        if w.is_none() {
            d.error(self.end(), format!("{}: missing {what}", self.cmd));
        }
        w
    }

    /// The keyword `kw` next, or an error.
    pub fn keyword(&mut self, d: &mut Diags, kw: &str) -> Option<Word<'a>> {
        let w = self.need(d, &format!("`{kw}`"))?;
        if w.text == kw {
            Some(w)
        } else {
            self.wrong(d, w, &format!("`{kw}`"));
            None
        }
    }

    /// Reports `w` as not what was expected.
    pub fn wrong(&self, d: &mut Diags, w: Word<'_>, expected: &str) {
        d.error(
            w.pos,
            format!("{}: expected {expected}, found {}", self.cmd, q(w.text)),
        );
    }

    /// Nothing more on the line, or an error on the first extra word.
    pub fn done(&mut self, d: &mut Diags) -> Option<()> {
        match self.next() {
            None => Some(()),
            Some(w) => {
                d.error(
                    w.pos,
                    format!(
                        "{}: unexpected {}; expected the end of the line",
                        self.cmd,
                        q(w.text)
                    ),
                );
                None
            }
        }
    }

    /// A value parsed by `f`, whose error message says what was expected.
    pub fn value<T>(
        &mut self,
        d: &mut Diags,
        what: &str,
        f: impl Fn(&str) -> Result<T, String>,
    ) -> Option<(T, Word<'a>)> {
        let w = self.need(d, what)?;
        match f(w.text) {
            Ok(v) => Some((v, w)),
            Err(why) => {
                d.error(w.pos, format!("{}: {why}", self.cmd));
                None
            }
        }
    }
}

/// A dotted-quad IPv4 address.
pub(crate) fn addr(s: &str) -> Result<Ipv4Addr, String> {
    s.parse::<Ipv4Addr>()
        .map_err(|_| format!("{} is not an IPv4 address (expected a.b.c.d)", q(s)))
}

/// `a.b.c.d/len`; without `/len` a host (/32) if `bare_is_host`, an error otherwise.
pub(crate) fn prefix(s: &str, bare_is_host: bool) -> Result<Ipv4Net, String> {
    let bare = if bare_is_host {
        BareAddress::Host
    } else {
        BareAddress::Refused
    };
    let (a, len) = match s.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (s, None),
    };
    Ipv4Net::parse(s, bare).map_err(|e| match e {
        PrefixError::Address => format!(
            "{} is not an IPv4 address{} (expected a.b.c.d{})",
            q(a),
            if len.is_some() { " with prefix" } else { "" },
            if bare_is_host { "[/len]" } else { "/len" }
        ),
        PrefixError::NoLength => format!("{} has no prefix length (expected a.b.c.d/len)", q(s)),
        PrefixError::Length | PrefixError::Over32 { .. } => format!(
            "prefix length {} in {} is not 0-32",
            q(len.unwrap_or_default()),
            q(s)
        ),
    })
}

/// A decimal number that fits a u32 (digits only).
pub(crate) fn number(s: &str) -> Result<u32, String> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{} is not a number", q(s)));
    }
    s.parse::<u32>()
        .map_err(|_| format!("{} is too large", q(s)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_have_columns() {
        let mut d = Diags::new("f");
        let ls = lines("a  bb\n\t! c\n  x y\r\n", &mut d);
        assert_eq!(ls.len(), 2);
        assert_eq!(ls[0].words[1].text, "bb");
        assert_eq!(ls[0].words[1].pos, Pos { line: 1, col: 4 });
        assert_eq!(ls[0].end, Pos { line: 1, col: 6 });
        assert!(ls[1].indented);
        assert_eq!(ls[1].words[0].pos, Pos { line: 3, col: 3 });
        assert!(!d.has_errors());
    }

    #[test]
    fn values() {
        assert_eq!(
            prefix("10.0.0.1/8", false),
            Ok("10.0.0.1/8".parse().unwrap())
        );
        assert!(prefix("10.0.0.1", false).is_err());
        assert_eq!(prefix("10.0.0.1", true), Ok("10.0.0.1/32".parse().unwrap()));
        assert!(prefix("10.0.0.1/33", true).is_err());
        assert!(prefix("10.0.0.256/8", true).is_err());
        assert!(number("+1").is_err());
        assert!(number("99999999999").is_err());
    }

    #[test]
    fn diagnostics_are_bounded() {
        let mut d = Diags::new("f");
        for i in 0..1000 {
            d.error(
                Pos {
                    line: i + 1,
                    col: 1,
                },
                "x",
            );
        }
        let all = d.finish();
        assert_eq!(all.len(), MAX_DIAGNOSTICS + 1);
        assert!(all.last().unwrap().message.contains("800 further errors"));
    }
}
