//! Terminal safety: the one escaping function every human output path uses
//! (the human report, `inspect`, `policy show`, errors and notes on
//! standard error).
//!
//! Evidence is untrusted text: a file name, a test name, a benchmark id, a
//! parser's message quoting a line, an advisory title, an override's reason
//! or a principal name may hold an escape sequence that recolours, retitles
//! or clears the terminal, a carriage return that overwrites what was
//! printed before it, or a bidirectional control that reorders it. Such
//! characters are shown, not obeyed: each becomes a Rust escape such as
//! `\u{1b}`, so the reader sees exactly which bytes the evidence held.
//! JSON output keeps the exact strings (serde escapes what JSON must), and
//! Markdown has its own rendering (`report::markdown::inert`).

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` is escaped: every C0 control (tab and, where newlines are
/// structure, line feed excepted), DEL, every C1 control (U+0080..U+009F,
/// which includes the 8-bit CSI U+009B), and the bidirectional embedding,
/// override and isolate controls (U+202A..U+202E, U+2066..U+2069).
fn escaped(c: char, keep_newlines: bool) -> bool {
    match c {
        '\t' => false,
        '\n' => !keep_newlines,
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => true,
        c => c.is_control(),
    }
}

/// `text` with the characters a terminal would act on shown as escapes.
/// `keep_newlines` keeps line feeds, for text whose lines are structure
/// (a rendered report, a multi-line message); a single field (a path, a
/// name) passes `false`, so that a line feed in it cannot forge a line.
#[must_use]
pub fn escape(text: &str, keep_newlines: bool) -> Cow<'_, str> {
    if !text.chars().any(|c| escaped(c, keep_newlines)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if escaped(c, keep_newlines) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// [`escape`] keeping line feeds: for whole messages and rendered text.
#[must_use]
pub fn safe(text: &str) -> Cow<'_, str> {
    escape(text, true)
}

/// [`escape`] of one field, line feeds included.
#[must_use]
pub fn field(text: &str) -> Cow<'_, str> {
    escape(text, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_shown_not_obeyed() {
        assert_eq!(
            safe("src/\u{1b}[31mred\u{7}.rs\rX\u{9b}2J\u{7f}\u{0}"),
            "src/\\u{1b}[31mred\\u{7}.rs\\u{d}X\\u{9b}2J\\u{7f}\\u{0}"
        );
        assert_eq!(safe("a\u{202e}b\u{2066}c"), "a\\u{202e}b\\u{2066}c");
        assert_eq!(safe("two\nlines\tand a tab"), "two\nlines\tand a tab");
        assert_eq!(field("two\nlines\tand a tab"), "two\\u{a}lines\tand a tab");
        // Plain text, non-ASCII letters included, is borrowed untouched.
        assert!(matches!(safe("café ✓ 日本"), Cow::Borrowed("café ✓ 日本")));
    }
}
