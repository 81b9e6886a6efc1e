//! Lines and words of a SEIL config: whitespace-separated words, double-quoted strings (with
//! `\"` and `\\` escapes, as `show config` writes them), `#` comments. Columns count characters,
//! 1-based, so that diagnostics point at the word a reader sees. A line with a control character
//! is no text (see `personality::text`), quoted or not: a NUL cannot hide in a key.

use crate::personality::text;

/// Lines longer than this (in characters) are refused: SEIL's CLI has a line limit too, and it
/// bounds the work per line.
pub(crate) const MAX_LINE_CHARS: usize = 4096;

/// One word of a line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Word {
    /// The text, without quotes, escapes resolved.
    pub text: String,
    /// 1-based column of its first character (the opening quote, if quoted).
    pub col: usize,
    /// Its length in the source, in characters (quotes included).
    pub span: usize,
    /// Whether any part of it was quoted.
    pub quoted: bool,
}

impl Word {
    /// The column just after the word and one space: where a missing next word belongs.
    pub fn after(&self) -> usize {
        self.col + self.span + 1
    }
}

/// Why a line could not be split into words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum LexError {
    /// A `"` without its closing partner; the column of the opening quote.
    Unterminated { col: usize },
    /// The line has more than [`MAX_LINE_CHARS`] characters.
    TooLong { chars: usize },
    /// A control character `c` (not a tab or carriage return) at `col`.
    Control { col: usize, c: char },
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r')
}

/// Splits one line (without its newline) into words.
pub(crate) fn split(line: &str) -> Result<Vec<Word>, LexError> {
    let chars = line.chars().count();
    if chars > MAX_LINE_CHARS {
        return Err(LexError::TooLong { chars });
    }
    if let Some((col, c)) = text::control_character(line) {
        return Err(LexError::Control { col, c });
    }
    let mut words = Vec::new();
    let mut it = line.chars().peekable();
    let mut col = 0usize;
    loop {
        // Skip blanks.
        while let Some(&c) = it.peek() {
            if !is_space(c) {
                break;
            }
            it.next();
            col += 1;
        }
        let Some(&first) = it.peek() else { break };
        if first == '#' {
            break;
        }
        let start = col + 1;
        let mut text = String::new();
        let mut quoted = false;
        let mut open_quote: Option<usize> = None;
        while let Some(&c) = it.peek() {
            if open_quote.is_none() && is_space(c) {
                break;
            }
            it.next();
            col += 1;
            match (c, open_quote) {
                ('"', None) => {
                    open_quote = Some(col);
                    quoted = true;
                }
                ('"', Some(_)) => open_quote = None,
                ('\\', Some(_)) => match it.next() {
                    Some(e) => {
                        col += 1;
                        text.push(e);
                    }
                    None => break,
                },
                (c, _) => text.push(c),
            }
        }
        if let Some(q) = open_quote {
            return Err(LexError::Unterminated { col: q });
        }
        words.push(Word {
            text,
            col: start,
            span: col + 1 - start,
            quoted,
        });
    }
    Ok(words)
}

/// A word as it may appear in a message: escaped, and cut after 40 characters.
pub(crate) fn show(s: &str) -> String {
    let mut out: String = s.chars().take(40).flat_map(char::escape_debug).collect();
    if s.chars().nth(40).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(line: &str) -> Vec<(String, usize, usize)> {
        split(line)
            .unwrap()
            .into_iter()
            .map(|w| (w.text, w.col, w.span))
            .collect()
    }

    #[test]
    fn words_quotes_and_columns() {
        assert_eq!(
            texts(r#"ike preshared-key add "172.16.0.2" "hoge\"ge""#),
            vec![
                ("ike".into(), 1, 3),
                ("preshared-key".into(), 5, 13),
                ("add".into(), 19, 3),
                ("172.16.0.2".into(), 23, 12),
                ("hoge\"ge".into(), 36, 10),
            ]
        );
        assert_eq!(
            texts("  a\tb  # comment"),
            vec![("a".into(), 3, 1), ("b".into(), 5, 1)]
        );
        assert_eq!(texts("# only a comment"), vec![]);
        assert_eq!(texts(r#""""#), vec![(String::new(), 1, 2)]);
        assert_eq!(texts("é x"), vec![("é".into(), 1, 1), ("x".into(), 3, 1)]);
    }

    #[test]
    fn errors() {
        assert_eq!(
            split(r#"hostname "OBJ"#),
            Err(LexError::Unterminated { col: 10 })
        );
        assert_eq!(split(r#"a "b\"#), Err(LexError::Unterminated { col: 3 }));
        assert_eq!(
            split("ike preshared-key add \"a\" \"k\u{0}y\""),
            Err(LexError::Control { col: 29, c: '\0' })
        );
        let long = "x".repeat(MAX_LINE_CHARS + 1);
        assert_eq!(
            split(&long),
            Err(LexError::TooLong {
                chars: MAX_LINE_CHARS + 1
            })
        );
    }

    #[test]
    fn show_escapes_and_cuts() {
        assert_eq!(show("a\u{0}b"), "a\\0b");
        assert_eq!(show(&"y".repeat(50)), format!("{}…", "y".repeat(40)));
    }
}
