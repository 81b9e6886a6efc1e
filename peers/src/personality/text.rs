//! What every config dialect accepts as text. A config is a text file: a line holding a control
//! character (anything but a tab or a carriage return; line feeds end lines) is not part of one
//! (a binary file, NUL padding, UTF-16, a key with a NUL in it), and a file in which no line is a
//! command of the dialect is not a config of that device at all (`/etc/passwd`, JSON, prose).
//! Both dialects report these the same way, with these messages.

/// The first control character of `line` (without its line feed) that a config may not hold,
/// with its 1-based column in characters.
pub(crate) fn control_character(line: &str) -> Option<(usize, char)> {
    line.chars()
        .enumerate()
        .find(|&(_, c)| c.is_control() && c != '\t' && c != '\r')
        .map(|(i, c)| (i + 1, c))
}

/// The error for a line with the control character `c`.
pub(crate) fn control_message(c: char) -> String {
    format!(
        "control character U+{:04X} in the configuration; expected text",
        u32::from(c)
    )
}

/// The error for a file none of whose lines is a command of the `device`'s dialect, at its first
/// line with words (`first`, its first word); `examples` are commands of the dialect.
pub(crate) fn foreign_message(device: &str, first: &str, examples: &str) -> String {
    // The line has no control characters (those are an error of their own).
    let first: String = first.chars().take(40).collect();
    format!(
        "not a configuration for {device}: no line is one of its commands (this one starts with `{first}`; expected e.g. {examples})"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tabs_and_carriage_returns_are_text() {
        assert_eq!(control_character("a\tb\r"), None);
        assert_eq!(control_character("ké\u{0}"), Some((3, '\0')));
        assert_eq!(control_character("\u{7f}"), Some((1, '\u{7f}')));
        assert_eq!(control_character("x\u{85}"), Some((2, '\u{85}')));
    }
}
