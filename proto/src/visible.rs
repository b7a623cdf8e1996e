//! Strings that came from a workload (arguments, paths, comm, pod and container names), made
//! safe to print on a terminal: a process in a pod chooses its arguments and file names, and
//! must not be able to move the cursor, erase a line or start a new one on the screen of the
//! person watching.
//!
//! [`visible`] escapes every control character (C0, DEL, C1), the Unicode bidirectional
//! overrides and isolates (which reorder what is shown), and the backslash (so an escape in the
//! output is never ambiguous): `\n`, `\r`, `\t`, `\\`, `\e`, else `\xNN` or `\u{NNNN}`.
//! [`shell_word`] quotes an argument the way a shell would read it back: bare when it is
//! plainly safe, in single quotes otherwise, and in `$'...'` (with the escapes above) when it
//! holds characters that cannot be shown.

use std::{borrow::Cow, fmt::Write as _};

/// Whether `c` must not reach a terminal as is.
fn hidden(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
}

fn escape_into(o: &mut String, c: char) {
    match c {
        '\n' => o.push_str("\\n"),
        '\r' => o.push_str("\\r"),
        '\t' => o.push_str("\\t"),
        '\\' => o.push_str("\\\\"),
        '\x1b' => o.push_str("\\e"),
        c if (c as u32) < 0x100 => {
            let _ = write!(o, "\\x{:02x}", c as u32);
        }
        c => {
            let _ = write!(o, "\\u{{{:04x}}}", c as u32);
        }
    }
}

/// `s` with every hidden character (and the backslash) escaped.
pub fn visible(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| hidden(c) || c == '\\') {
        return Cow::Borrowed(s);
    }
    let mut o = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if hidden(c) || c == '\\' {
            escape_into(&mut o, c);
        } else {
            o.push(c);
        }
    }
    Cow::Owned(o)
}

/// `s` as one shell word: bare, `'single quoted'`, or `$'with\escapes'`.
pub fn shell_word(s: &str) -> Cow<'_, str> {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_-+=%@:,./".contains(c);
    if !s.is_empty() && s.chars().all(plain) {
        return Cow::Borrowed(s);
    }
    if !s.chars().any(hidden) {
        return Cow::Owned(format!("'{}'", s.replace('\'', "'\\''")));
    }
    let mut o = String::from("$'");
    for c in s.chars() {
        match c {
            '\'' => o.push_str("\\'"),
            c if hidden(c) || c == '\\' => escape_into(&mut o, c),
            c => o.push(c),
        }
    }
    o.push('\'');
    Cow::Owned(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_not_obeyed() {
        assert_eq!(visible("/etc/passwd"), "/etc/passwd");
        assert_eq!(visible("a\nb"), "a\\nb");
        assert_eq!(visible("\x1b[2K\rallow"), "\\e[2K\\rallow");
        assert_eq!(visible("x\u{9b}31m"), "x\\x9b31m", "C1 CSI");
        assert_eq!(visible("evil\u{202e}txt.exe"), "evil\\u{202e}txt.exe");
        assert_eq!(visible("C:\\dir"), "C:\\\\dir");
        assert_eq!(visible("naïve ☃"), "naïve ☃", "printable Unicode stays");
    }

    #[test]
    fn arguments_are_quoted_as_a_shell_reads_them() {
        assert_eq!(shell_word("--port=80"), "--port=80");
        assert_eq!(shell_word(""), "''");
        assert_eq!(shell_word("a b"), "'a b'");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
        assert_eq!(shell_word("$(rm -rf /)"), "'$(rm -rf /)'");
        assert_eq!(shell_word("\x1b[2K\r10:00 allow"), "$'\\e[2K\\r10:00 allow'");
        assert_eq!(shell_word("a'\nb"), "$'a\\'\\nb'");
    }
}
