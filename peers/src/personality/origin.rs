//! Where each setting of a parsed config came from: the file, the line and the line as written.
//! A diagnosis points at these lines, and a personality's fix hints rewrite them ([`Edit`]) in
//! the device's own syntax, keeping the user's other words.

use std::collections::HashSet;
use std::fmt;

use crate::prefix::Ipv4Net;

/// A setting of the vendor-neutral config whose source lines are recorded. Names are those of
/// the engine's [`crate::ike::PeerConfig`] and [`crate::ike::Policy`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Setting {
    /// The line that defines an IKE peer: its address and exchange mode (SEIL `ike peer add`,
    /// IX `ike policy`).
    Peer(String),
    /// The line that holds a peer's pre-shared key (SEIL `ike preshared-key add`, IX
    /// `ike policy ... key`).
    PreSharedKey(String),
    /// A line of a peer's phase-1 proposals (SEIL `ike proposal add`, IX `ike proposal`); one
    /// entry per line, in the order the peer names them.
    Phase1Proposal(String),
    /// The line that defines a traffic policy (SEIL `ipsec security-association add`, IX
    /// `ipsec autokey-map`).
    Policy(String),
    /// The line that sets a policy's local phase-2 ID, when one does (SEIL's `proxy-id-local`
    /// on the SA line, IX `ipsec local-id`).
    LocalId(String),
    /// The line that sets a policy's remote phase-2 ID, when one does.
    RemoteId(String),
    /// A line of a policy's phase-2 proposals (SEIL `ipsec security-association proposal add`,
    /// IX `ipsec autokey-proposal`).
    Phase2Proposal(String),
    /// The line that sets (or would set) a policy's PFS group (SEIL's SA proposal line, IX's
    /// `ipsec autokey-map`).
    Pfs(String),
    /// A static route's line.
    Route(Ipv4Net),
    /// The (first) line of an interface.
    Interface(String),
    /// The line that sets a tunnel interface's endpoints (SEIL `interface ipsecN tunnel`).
    Tunnel(String),
}

/// A line of a config file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The file, as the parser was given it.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// The line as written, without surrounding blanks.
    pub text: String,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// The source lines of a config's settings, in the order they were recorded, and the config's
/// whole text (a report shows it with those lines marked).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Origins(Vec<(Setting, Origin)>, Vec<String>);

/// Records the [`Origins`] of one config text: the text is split into lines once and each
/// (setting, line) is kept once, so recording costs the same for every setting whatever the
/// size of the config (a parser records one or more per line).
pub struct Recorder<'a> {
    file: &'a str,
    lines: Vec<&'a str>,
    seen: HashSet<(Setting, usize)>,
    origins: Origins,
}

impl<'a> Recorder<'a> {
    /// A recorder for `text`, the file `file`.
    pub fn new(file: &'a str, text: &'a str) -> Self {
        Recorder {
            file,
            lines: text.split('\n').collect(),
            seen: HashSet::new(),
            origins: Origins::default(),
        }
    }

    /// Records that `setting` comes from line `line` (1-based); lines past the end, and a
    /// setting already recorded at that line, are not recorded.
    pub fn at(&mut self, setting: Setting, line: usize) {
        let Some(l) = line.checked_sub(1).and_then(|i| self.lines.get(i)) else {
            return;
        };
        if !self.seen.insert((setting.clone(), line)) {
            return;
        }
        let origin = Origin {
            file: self.file.to_string(),
            line,
            text: l.trim().to_string(),
        };
        self.origins.0.push((setting, origin));
    }

    /// The origins recorded, in the order they were, with the text.
    pub fn finish(mut self) -> Origins {
        self.origins.1 = self.lines.iter().map(|l| l.to_string()).collect();
        self.origins
    }
}

impl Origins {
    /// Every line recorded for `setting`, in order.
    pub fn all<'a>(&'a self, setting: &'a Setting) -> impl Iterator<Item = &'a Origin> + 'a {
        self.0
            .iter()
            .filter(move |(s, _)| s == setting)
            .map(|(_, o)| o)
    }

    /// Every recorded (setting, line), in the order recorded.
    pub fn entries(&self) -> impl Iterator<Item = (&Setting, &Origin)> {
        self.0.iter().map(|(s, o)| (s, o))
    }

    /// The config's text, line by line (empty for a config built in code).
    pub fn text(&self) -> &[String] {
        &self.1
    }

    /// The file the lines come from (the first recorded).
    pub fn file(&self) -> Option<&str> {
        self.0.first().map(|(_, o)| o.file.as_str())
    }

    /// The last line (by line number) of the settings `which` selects.
    pub fn last_of(&self, which: impl Fn(&Setting) -> bool) -> Option<&Origin> {
        self.0
            .iter()
            .filter(|(s, _)| which(s))
            .map(|(_, o)| o)
            .max_by_key(|o| o.line)
    }

    /// The first line (by line number) of the settings `which` selects.
    pub fn first_of(&self, which: impl Fn(&Setting) -> bool) -> Option<&Origin> {
        self.0
            .iter()
            .filter(|(s, _)| which(s))
            .map(|(_, o)| o)
            .min_by_key(|o| o.line)
    }

    /// The first line recorded for `setting`.
    pub fn get(&self, setting: &Setting) -> Option<&Origin> {
        self.0.iter().find(|(s, _)| s == setting).map(|(_, o)| o)
    }
}

/// One change to a config file, as a diagnosis prints it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    /// The file.
    pub file: String,
    /// The line it changes, or the line after which it adds one.
    pub line: usize,
    /// What it does there.
    pub change: EditKind,
}

/// What an [`Edit`] does to its line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EditKind {
    /// Replace the line.
    Replace {
        /// The line as it is.
        old: String,
        /// The line as it should be.
        new: String,
    },
    /// Add a line after it.
    InsertAfter {
        /// The new line.
        new: String,
    },
    /// Add a line before it.
    InsertBefore {
        /// The new line.
        new: String,
    },
}

impl Edit {
    /// An edit that replaces `origin`'s line by `new`; `None` when that changes nothing.
    pub fn replace(origin: &Origin, new: String) -> Option<Edit> {
        (new != origin.text).then(|| Edit {
            file: origin.file.clone(),
            line: origin.line,
            change: EditKind::Replace {
                old: origin.text.clone(),
                new,
            },
        })
    }

    /// An edit that adds `new` after `origin`'s line.
    pub fn insert_after(origin: &Origin, new: String) -> Edit {
        Edit {
            file: origin.file.clone(),
            line: origin.line,
            change: EditKind::InsertAfter { new },
        }
    }

    /// An edit that adds `new` before `origin`'s line.
    pub fn insert_before(origin: &Origin, new: String) -> Edit {
        Edit {
            file: origin.file.clone(),
            line: origin.line,
            change: EditKind::InsertBefore { new },
        }
    }

    /// `file:line`.
    pub fn location(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

/// Why [`apply`] could not apply an edit.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// An edit names another file than the text it is applied to.
    #[error("{location}: the edit is for another file than {file}")]
    OtherFile {
        /// The edit's `file:line`.
        location: String,
        /// The file the text is.
        file: String,
    },
    /// An edit names a line the text does not have.
    #[error("{location}: the file has {lines} line(s)")]
    NoSuchLine {
        /// The edit's `file:line`.
        location: String,
        /// How many lines the text has.
        lines: usize,
    },
    /// A replacement's line is not what the edit was made from (the file changed since).
    #[error("{location}: expected `{expected}`, found `{found}`")]
    Changed {
        /// The edit's `file:line`.
        location: String,
        /// The line the edit was made from.
        expected: String,
        /// The line the text has.
        found: String,
    },
    /// Two edits replace the same line.
    #[error("{location}: replaced twice")]
    Twice {
        /// The edit's `file:line`.
        location: String,
    },
}

/// `text` (the file `file`) with `edits` applied, as a user following them would: each line
/// replaced or with lines added before or after it, in the order the edits are given. Lines are
/// compared as [`Origin`]s keep them, without their indentation, and a new line takes the
/// indentation of the line it replaces or stands next to (a block's lines stay in the block). A
/// personality's fixes are checked by applying them and parsing the result; `ikelab matrix`
/// writes its variants of a config this way.
pub fn apply(file: &str, text: &str, edits: &[Edit]) -> Result<String, EditError> {
    let lines: Vec<&str> = text.lines().collect();
    let mut replaced: Vec<Option<&str>> = vec![None; lines.len()];
    let mut before: Vec<Vec<&str>> = vec![vec![]; lines.len()];
    let mut after: Vec<Vec<&str>> = vec![vec![]; lines.len()];
    for e in edits {
        if e.file != file {
            return Err(EditError::OtherFile {
                location: e.location(),
                file: file.to_string(),
            });
        }
        let Some(i) = e.line.checked_sub(1).filter(|i| *i < lines.len()) else {
            return Err(EditError::NoSuchLine {
                location: e.location(),
                lines: lines.len(),
            });
        };
        match &e.change {
            EditKind::Replace { old, new } => {
                if lines[i].trim() != old.trim() {
                    return Err(EditError::Changed {
                        location: e.location(),
                        expected: old.clone(),
                        found: lines[i].to_string(),
                    });
                }
                if replaced[i].replace(new).is_some() {
                    return Err(EditError::Twice {
                        location: e.location(),
                    });
                }
            }
            EditKind::InsertBefore { new } => before[i].push(new),
            EditKind::InsertAfter { new } => after[i].push(new),
        }
    }
    let mut out = String::with_capacity(text.len());
    for (i, line) in lines.iter().enumerate() {
        let indent = &line[..line.len() - line.trim_start().len()];
        let added = |l: &str| format!("{indent}{}", l.trim_start());
        for l in &before[i] {
            out.push_str(&added(l));
            out.push('\n');
        }
        match replaced[i] {
            Some(l) => out.push_str(&added(l)),
            None => out.push_str(line),
        }
        out.push('\n');
        for l in &after[i] {
            out.push_str(&added(l));
            out.push('\n');
        }
    }
    Ok(out)
}

impl fmt::Display for Edit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.change {
            EditKind::Replace { old, new } => {
                write!(f, "{}: change `{old}`\n      to `{new}`", self.location())
            }
            EditKind::InsertAfter { new } => {
                write!(f, "{}: after this line, add `{new}`", self.location())
            }
            EditKind::InsertBefore { new } => {
                write!(f, "{}: before this line, add `{new}`", self.location())
            }
        }
    }
}

/// A command line as words, for rewriting one option while keeping the others as written.
/// Words are separated by blanks; a double-quoted word keeps its blanks and quotes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Words(Vec<String>);

impl Words {
    /// The words of `line`.
    pub fn of(line: &str) -> Words {
        let mut words = vec![];
        let mut cur = String::new();
        let mut quoted = false;
        for ch in line.chars() {
            match ch {
                '"' => {
                    quoted = !quoted;
                    cur.push(ch);
                }
                c if c.is_whitespace() && !quoted => {
                    if !cur.is_empty() {
                        words.push(std::mem::take(&mut cur));
                    }
                }
                c => cur.push(c),
            }
        }
        if !cur.is_empty() {
            words.push(cur);
        }
        Words(words)
    }

    /// The word after `key` (the option's value), if `key` is there.
    pub fn value(&self, key: &str) -> Option<&str> {
        let i = self.0.iter().position(|w| w == key)?;
        self.0.get(i + 1).map(String::as_str)
    }

    /// Sets the option `key` to `value`: replaces the word after `key`, or appends both.
    pub fn set(mut self, key: &str, value: &str) -> Words {
        match self.0.iter().position(|w| w == key) {
            Some(i) if i + 1 < self.0.len() => self.0[i + 1] = value.to_string(),
            Some(_) => self.0.push(value.to_string()),
            None => {
                self.0.push(key.to_string());
                self.0.push(value.to_string());
            }
        }
        self
    }

    /// Removes the option `key` and its value, if there.
    pub fn remove(mut self, key: &str) -> Words {
        if let Some(i) = self.0.iter().position(|w| w == key) {
            let end = (i + 2).min(self.0.len());
            self.0.drain(i..end);
        }
        self
    }

    /// Removes the word `word` (a flag without a value), if there.
    pub fn remove_flag(mut self, word: &str) -> Words {
        self.0.retain(|w| w != word);
        self
    }

    /// Inserts `words` before the word at `index` (at the end if past it).
    pub fn insert_at(mut self, index: usize, words: &[&str]) -> Words {
        let at = index.min(self.0.len());
        self.0
            .splice(at..at, words.iter().map(|w| (*w).to_string()));
        self
    }

    /// Replaces the word at `index` (0-based), if there is one.
    pub fn replace_at(mut self, index: usize, value: &str) -> Words {
        if let Some(w) = self.0.get_mut(index) {
            *w = value.to_string();
        }
        self
    }

    /// The words, as one word each.
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }
}

impl fmt::Display for Words {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: usize, change: EditKind) -> Edit {
        Edit {
            file: "f.conf".into(),
            line,
            change,
        }
    }

    #[test]
    fn edits_apply_as_a_user_would_follow_them() {
        let text = "a\nb\nc";
        let edits = [
            at(2, EditKind::InsertAfter { new: "b2".into() }),
            at(
                2,
                EditKind::Replace {
                    old: "b".into(),
                    new: "B".into(),
                },
            ),
            at(1, EditKind::InsertBefore { new: "0".into() }),
            at(2, EditKind::InsertAfter { new: "b3".into() }),
            at(3, EditKind::InsertAfter { new: "d".into() }),
        ];
        assert_eq!(
            apply("f.conf", text, &edits).unwrap(),
            "0\na\nB\nb2\nb3\nc\nd\n"
        );
        assert_eq!(apply("f.conf", text, &[]).unwrap(), "a\nb\nc\n");
        // Origins keep lines without their indentation; a block's new lines stay in it.
        let block = "tunnel select 1\n  ipsec tunnel 1\n";
        let edits = [
            at(
                2,
                EditKind::Replace {
                    old: "ipsec tunnel 1".into(),
                    new: "ipsec tunnel 2".into(),
                },
            ),
            at(
                2,
                EditKind::InsertAfter {
                    new: "ipsec x".into(),
                },
            ),
        ];
        assert_eq!(
            apply("f.conf", block, &edits).unwrap(),
            "tunnel select 1\n  ipsec tunnel 2\n  ipsec x\n"
        );
    }

    #[test]
    fn an_edit_that_does_not_fit_the_text_is_refused_with_its_line() {
        let text = "a\nb\n";
        let replace = |line, old: &str| {
            at(
                line,
                EditKind::Replace {
                    old: old.into(),
                    new: "x".into(),
                },
            )
        };
        let err = |edits: &[Edit]| apply("f.conf", text, edits).unwrap_err().to_string();
        assert_eq!(err(&[replace(3, "c")]), "f.conf:3: the file has 2 line(s)");
        assert_eq!(err(&[replace(0, "a")]), "f.conf:0: the file has 2 line(s)");
        assert_eq!(err(&[replace(2, "c")]), "f.conf:2: expected `c`, found `b`");
        assert_eq!(
            err(&[replace(1, "a"), replace(1, "a")]),
            "f.conf:1: replaced twice"
        );
        let other = Edit {
            file: "g.conf".into(),
            ..replace(1, "a")
        };
        assert_eq!(
            err(&[other]),
            "g.conf:1: the edit is for another file than f.conf"
        );
    }

    #[test]
    fn options_are_set_replaced_and_removed_keeping_the_other_words() {
        let w = Words::of("ike preshared-key add \"10.0.0.2\" \"a key\"");
        assert_eq!(w.as_slice().len(), 5);
        assert_eq!(w.as_slice()[4], "\"a key\"");
        let sa =
            Words::of("ipsec security-association add t tunnel-interface ipsec0 ike t esp enable");
        let set = sa.clone().set("proxy-id-local", "10.1.0.0/24");
        assert_eq!(
            set.to_string(),
            "ipsec security-association add t tunnel-interface ipsec0 ike t esp enable proxy-id-local 10.1.0.0/24"
        );
        let again = set.set("proxy-id-local", "10.1.0.1");
        assert_eq!(again.value("proxy-id-local"), Some("10.1.0.1"));
        assert_eq!(again.remove("proxy-id-local"), sa);
    }

    #[test]
    fn origins_keep_the_line_as_written() {
        let text = "a\n  b c  \n";
        let mut r = Recorder::new("x.conf", text);
        r.at(Setting::Peer("p".into()), 2);
        r.at(Setting::Peer("p".into()), 2);
        r.at(Setting::Peer("p".into()), 9);
        let o = r.finish();
        let got = o.get(&Setting::Peer("p".into())).unwrap();
        assert_eq!((got.line, got.text.as_str()), (2, "b c"));
        assert_eq!(got.to_string(), "x.conf:2");
        assert_eq!(o.all(&Setting::Peer("p".into())).count(), 1);
    }
}
