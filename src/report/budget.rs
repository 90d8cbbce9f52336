//! Byte budgets: fitting rendered Markdown into GitHub's size limits.
//!
//! GitHub refuses a check-run summary or text over 65,535 *bytes* (a 422
//! "summary exceeds a maximum bytesize of 65535") and drops a step summary
//! over 1 MiB (docs/github.md lists the limits). A refusal there would lose the
//! verdict's explanation entirely, so every renderer that feeds GitHub builds
//! a [`Doc`] of ranked entries (failures first) and cuts it to the budget here.
//!
//! The cut is deterministic: the same verdict and budget always give the same
//! bytes. It keeps a *prefix* of the entries (never skipping a large entry to
//! squeeze a later, less important one in, which would break "failures
//! first"), cuts only between entries (each entry is whole lines, so a table
//! row or a UTF-8 character is never split), and ends with a note that says
//! how many rules and notes were left out and where to find them (the JSON
//! report always holds everything, docs/reports.md).

use std::fmt::Write as _;

/// What an entry of a [`Doc`] stands for, so that a cut can say what it left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unit {
    /// Layout: headings, table headers, blank lines. Not counted.
    Layout,
    /// One rule (a table row or a details section).
    Rule {
        /// Whether the rule blocks the gate (failed or errored).
        blocking: bool,
    },
    /// One note (an unused waiver, a policy change in a pull request...).
    Note,
}

/// A Markdown document as a ranked list of entries, each one or more whole
/// lines, most important first.
#[derive(Debug, Clone, Default)]
pub(crate) struct Doc {
    entries: Vec<(String, Unit)>,
}

/// What a cut left out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Omitted {
    rules: usize,
    blocking: usize,
    notes: usize,
}

impl Omitted {
    fn count(entries: &[(String, Unit)]) -> Self {
        let mut o = Omitted::default();
        for (_, unit) in entries {
            match unit {
                Unit::Layout => {}
                Unit::Rule { blocking } => {
                    o.rules += 1;
                    o.blocking += usize::from(*blocking);
                }
                Unit::Note => o.notes += 1,
            }
        }
        o
    }

    /// The closing note. Its length only grows with the counts, so the note
    /// for "everything omitted" bounds every other one.
    fn note(self, limit: usize) -> String {
        let mut parts = Vec::new();
        if self.rules > 0 {
            let mut part = format!(
                "{} more {}",
                thousands(self.rules),
                plural(self.rules, "rule", "rules")
            );
            if self.blocking > 0 {
                let _ = write!(part, " ({} failing)", thousands(self.blocking));
            }
            parts.push(part);
        }
        if self.notes > 0 {
            parts.push(format!(
                "{} more {}",
                thousands(self.notes),
                plural(self.notes, "note", "notes")
            ));
        }
        let what = if parts.is_empty() {
            "some details".to_owned()
        } else {
            parts.join(" and ")
        };
        format!(
            "\n> … {what} omitted to fit GitHub's size limit ({} bytes); the JSON report holds everything.\n",
            thousands(limit)
        )
    }
}

impl Doc {
    /// Adds an entry; a missing final newline is supplied so that entries
    /// are always whole lines.
    pub(crate) fn push(&mut self, text: impl Into<String>, unit: Unit) {
        let mut text = text.into();
        if !text.ends_with('\n') {
            text.push('\n');
        }
        self.entries.push((text, unit));
    }

    /// Whether nothing was pushed.
    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The whole document, whatever its size.
    pub(crate) fn render(&self) -> String {
        self.entries.iter().map(|(t, _)| t.as_str()).collect()
    }

    /// The document cut to at most `limit` bytes: everything when it fits,
    /// else the longest prefix of whole entries that leaves room for the
    /// closing note, then the note.
    pub(crate) fn fit(&self, limit: usize) -> String {
        let total: usize = self.entries.iter().map(|(t, _)| t.len()).sum();
        if total <= limit {
            return self.render();
        }
        // Reserve room for the longest note this document could need.
        let reserve = Omitted::count(&self.entries).note(limit).len();
        let room = limit.saturating_sub(reserve);
        let mut out = String::new();
        let mut kept = 0;
        for (text, _) in &self.entries {
            if out.len() + text.len() > room {
                break;
            }
            out.push_str(text);
            kept += 1;
        }
        let rest = self.entries.get(kept..).unwrap_or_default();
        out.push_str(&Omitted::count(rest).note(limit));
        // Only a budget smaller than the note itself can overflow here.
        truncate_lines(&out, limit).to_owned()
    }
}

/// `text` cut to at most `max` bytes at the last line end that fits (the
/// newline kept); a first line longer than `max` is cut at a character
/// boundary instead. Never splits a UTF-8 character.
#[must_use]
pub fn truncate_lines(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let head = truncate_utf8(text, max);
    match head.rfind('\n') {
        Some(i) => &text[..=i],
        None => head,
    }
}

/// `text` cut to at most `max` bytes at a UTF-8 character boundary.
#[must_use]
pub fn truncate_utf8(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// `text` shortened to at most `max` bytes, ending in `…` when it was cut.
#[must_use]
pub fn clip(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let ellipsis = "…";
    let mut out = truncate_utf8(text, max.saturating_sub(ellipsis.len())).to_owned();
    if out.len() + ellipsis.len() <= max {
        out.push_str(ellipsis);
    }
    out
}

/// `text` shortened to at most `max` characters (not bytes), ending in `…`
/// when it was cut: GitHub counts annotation titles in characters.
#[must_use]
pub fn clip_chars(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    if max > 0 {
        out.push('…');
    }
    out
}

/// `1234567` as `1,234,567`.
#[must_use]
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The singular or plural word for `n`.
pub(crate) fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 {
        one
    } else {
        many
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(n: usize) -> Doc {
        let mut d = Doc::default();
        d.push("# heading", Unit::Layout);
        for i in 0..n {
            d.push(
                format!("| rule {i} | ❌ |"),
                Unit::Rule {
                    blocking: i % 2 == 0,
                },
            );
        }
        d.push("> a note", Unit::Note);
        d
    }

    #[test]
    fn a_document_that_fits_is_unchanged() {
        let d = doc(3);
        assert_eq!(d.fit(10_000), d.render());
        assert!(!d.render().contains("omitted"));
    }

    #[test]
    fn a_cut_keeps_a_prefix_of_whole_entries_and_says_what_is_missing() {
        let d = doc(1_000);
        let out = d.fit(2_000);
        assert!(out.len() <= 2_000, "{}", out.len());
        assert!(out.starts_with("# heading\n| rule 0 |"));
        let kept = out.lines().filter(|l| l.starts_with("| rule")).count();
        assert!(kept > 10, "{kept}");
        let omitted = 1_000 - kept;
        let failing = (kept..1_000).filter(|i| i % 2 == 0).count();
        assert!(
            out.ends_with(&format!(
                "\n> … {} more rules ({} failing) and 1 more note omitted to fit GitHub's size limit (2,000 bytes); the JSON report holds everything.\n",
                thousands(omitted),
                thousands(failing)
            )),
            "{out}"
        );
        // Whole lines only: every line but the note is a complete row or heading.
        for line in out.lines() {
            assert!(
                line.is_empty()
                    || line == "# heading"
                    || line.starts_with("> …")
                    || (line.starts_with("| rule") && line.ends_with("❌ |")),
                "{line:?}"
            );
        }
    }

    #[test]
    fn the_cut_is_deterministic() {
        assert_eq!(doc(5_000).fit(65_535), doc(5_000).fit(65_535));
    }

    #[test]
    fn a_budget_smaller_than_the_note_still_holds() {
        for limit in [0, 1, 5, 40, 90] {
            let out = doc(100).fit(limit);
            assert!(out.len() <= limit, "{limit}: {out:?}");
        }
    }

    #[test]
    fn truncation_never_splits_a_character() {
        let text = "ab€€€\n€€€€";
        for max in 0..=text.len() {
            let cut = truncate_utf8(text, max);
            assert!(cut.len() <= max);
            assert!(text.starts_with(cut));
            let lines = truncate_lines(text, max);
            assert!(lines.len() <= max);
        }
        assert_eq!(truncate_lines(text, 12), "ab€€€\n");
        assert_eq!(truncate_utf8("€", 2), "");
    }

    #[test]
    fn clip_marks_the_cut() {
        assert_eq!(clip("hello", 5), "hello");
        assert_eq!(clip("hello world", 8), "hello…");
        assert!(clip("€€€€", 5).len() <= 5);
        assert_eq!(clip_chars("ééééé", 3), "éé…");
        assert_eq!(clip_chars("abc", 3), "abc");
    }

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_234), "1,234");
        assert_eq!(thousands(65_535), "65,535");
        assert_eq!(thousands(1_048_576), "1,048,576");
    }
}
