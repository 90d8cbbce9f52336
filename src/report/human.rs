//! The terminal report: one line per rule, then what to do about failures.
//!
//! Every string from the verdict goes through [`terminal_safe`]: rule
//! messages quote evidence (a coverage file's paths, test names), and an
//! escape sequence in a file name must not recolour, retitle or clear the
//! terminal that prints it.

use std::borrow::Cow;
use std::fmt::Write as _;

use crate::eval::{format_percent, Conclusion, Status, Verdict};

const RESET: &str = "\x1b[0m";

/// One field of the verdict (an id, a path, a name) made terminal-safe by
/// the crate's one escaping function: a line feed in it is shown too, so
/// evidence cannot forge a report line.
fn terminal_safe(text: &str) -> Cow<'_, str> {
    crate::terminal::field(text)
}

/// A message of the verdict (a rule's message, a rejection's reason, a
/// note), which may span lines: escaped keeping its line feeds, each
/// further line indented by `indent`, so that no line a message holds
/// (from tollgate or from evidence) starts at the margin where the
/// report's own lines start.
fn message(text: &str, indent: &str) -> String {
    crate::terminal::safe(text)
        .split('\n')
        .collect::<Vec<_>>()
        .join(&format!("\n{indent}"))
}

fn paint(text: &str, code: &str, color: bool) -> String {
    if color {
        format!("\x1b[{code}m{text}{RESET}")
    } else {
        text.to_owned()
    }
}

fn status_code(status: Status) -> &'static str {
    match status {
        Status::Pass => "32",
        Status::Fail | Status::Error => "1;31",
        Status::Overridden | Status::Unknown => "33",
        Status::Skipped => "2",
    }
}

/// The verdict's notes, each a paragraph.
fn notes(out: &mut String, verdict: &Verdict) {
    for note in &verdict.notes {
        let _ = writeln!(out, "\nnote: {}", message(note, "      "));
    }
}

/// Signed documents that did not count, and why.
fn rejected(out: &mut String, verdict: &Verdict) {
    if verdict.rejected.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nSigned documents that did not count:");
    for r in &verdict.rejected {
        let named = match (&r.signoff, r.rules.is_empty()) {
            (Some(id), _) => format!(" {}", terminal_safe(id)),
            (None, false) => format!(" {}", terminal_safe(&r.rules.join(", "))),
            (None, true) => String::new(),
        };
        let signer = r
            .signer
            .as_deref()
            .map(|s| format!(", signed by {}", terminal_safe(s)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  - {}{named} from {}{signer}: {}",
            r.kind.as_str(),
            terminal_safe(&r.source),
            message(&r.reason, "    ")
        );
    }
}

/// Gate, policy provenance and what is judged.
fn header(out: &mut String, verdict: &Verdict, color: bool) {
    let short_sha = verdict
        .policy
        .sha256
        .get(..12)
        .unwrap_or(&verdict.policy.sha256);
    let _ = writeln!(
        out,
        "{} {} ({})",
        paint("tollgate", "1", color),
        terminal_safe(&verdict.gate),
        terminal_safe(if verdict.title.is_empty() {
            &verdict.gate
        } else {
            &verdict.title
        })
    );
    let _ = writeln!(
        out,
        "policy {} {} ({}, sha256 {}…)",
        terminal_safe(&verdict.policy.name),
        terminal_safe(&verdict.policy.version),
        terminal_safe(&verdict.policy.path),
        terminal_safe(short_sha)
    );
    let ctx = &verdict.context;
    let mut judged = vec![ctx.kind.to_string()];
    if let Some(repo) = &ctx.repository {
        judged.push(repo.clone());
    }
    if let Some(commit) = &ctx.commit {
        judged.push(format!("commit {}", commit.get(..12).unwrap_or(commit)));
    }
    if let Some(pr) = ctx.pull_request {
        judged.push(format!("PR #{pr}"));
    }
    if let Some(tag) = &ctx.tag {
        judged.push(format!("tag {tag}"));
    }
    let _ = writeln!(
        out,
        "judging {}{}",
        terminal_safe(&judged.join(", ")),
        if ctx.local {
            " (local run: what only CI can read is decided there)"
        } else if ctx.dry_run {
            " (dry run)"
        } else {
            ""
        }
    );
}

/// Coverage against the base: one line of base -> head totals, then the
/// indirect changes (files the change did not touch).
fn coverage_base(out: &mut String, verdict: &Verdict) {
    use crate::report::markdown::{change, compared_totals};
    let Some(coverage) = &verdict.evidence.coverage else {
        return;
    };
    let Some(base) = &coverage.base else {
        return;
    };
    let figures: Vec<String> = compared_totals(coverage)
        .iter()
        .filter(|(_, b, h)| b.found > 0 || h.found > 0)
        .map(|(name, b, h)| {
            format!(
                "{} {} -> {} ({})",
                name.to_lowercase(),
                format_percent(b.hit, b.found),
                format_percent(h.hit, h.found),
                change(b, h)
            )
        })
        .collect();
    let _ = writeln!(
        out,
        "\nCoverage against the base ({}): {}",
        terminal_safe(&base.source),
        figures.join(", ")
    );
    let Some(indirect) = coverage
        .indirect_changes
        .as_ref()
        .filter(|i| !i.files.is_empty())
    else {
        return;
    };
    let _ = writeln!(
        out,
        "Indirect changes (coverage changed, file not in the diff):"
    );
    for file in &indirect.files {
        let _ = writeln!(
            out,
            "  - {}: {} -> {} ({})",
            terminal_safe(&file.path),
            format_percent(file.base.hit, file.base.found),
            format_percent(file.head.hit, file.head.found),
            change(&file.base, &file.head)
        );
    }
    if indirect.more > 0 {
        let _ = writeln!(out, "  - and {} more", indirect.more);
    }
}

/// What to do about blocking rules, and which rules CI will decide.
fn advice(out: &mut String, verdict: &Verdict) {
    let todo: Vec<_> = verdict.rules.iter().filter(|r| r.status.blocks()).collect();
    if !todo.is_empty() {
        let _ = writeln!(out, "\nWhat to do:");
        for rule in todo {
            let advice = message(rule.help.as_deref().unwrap_or(&rule.message), "    ");
            let _ = writeln!(out, "  - {}: {advice}", terminal_safe(&rule.id));
        }
    }
    let undecided: Vec<_> = verdict
        .rules
        .iter()
        .filter(|r| r.status == Status::Unknown)
        .collect();
    if !undecided.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            if verdict.context.local {
                "\nDecided in CI (these do not block a local run):"
            } else {
                "\nNot decided in this run (CI will decide):"
            }
        );
        for rule in undecided {
            let advice = message(rule.help.as_deref().unwrap_or(&rule.message), "    ");
            let _ = writeln!(out, "  - {}: {advice}", terminal_safe(&rule.id));
        }
    }
}

/// The widest rule id and measured value a column is sized for; longer
/// ones wrap (see [`render_human`]).
const ID_COLUMN: usize = 48;
const ACTUAL_COLUMN: usize = 40;

/// The columns `text` takes on a terminal: East Asian wide characters and
/// emoji take two, combining marks and zero-width characters none, the
/// rest one. An approximation of Unicode's East Asian Width without a
/// table dependency; it errs only on rare scripts.
fn display_width(text: &str) -> usize {
    text.chars()
        .map(|c| match u32::from(c) {
            0x0300..=0x036F | 0x200B..=0x200F | 0xFE00..=0xFE0F => 0,
            0x1100..=0x115F
            | 0x2E80..=0xA4CF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6
            | 0x1F300..=0x1FAFF
            | 0x20000..=0x3FFFD => 2,
            _ => 1,
        })
        .sum()
}

/// `text` padded with spaces to `width` terminal columns.
fn pad(text: &str, width: usize) -> String {
    let mut out = text.to_owned();
    out.extend(std::iter::repeat_n(
        ' ',
        width.saturating_sub(display_width(text)),
    ));
    out
}

/// Renders the verdict for a terminal; `color` adds ANSI colours.
#[must_use]
pub fn render_human(verdict: &Verdict, color: bool) -> String {
    let mut out = String::new();
    header(&mut out, verdict, color);
    out.push('\n');

    let id_width = verdict
        .rules
        .iter()
        .map(|r| display_width(&terminal_safe(&r.id)))
        .max()
        .unwrap_or(0)
        .min(ID_COLUMN);
    let actual_width = verdict
        .rules
        .iter()
        .map(|r| {
            r.actual
                .as_deref()
                .map_or(1, |a| display_width(&terminal_safe(a)))
        })
        .max()
        .unwrap_or(1)
        .min(ACTUAL_COLUMN);
    for rule in &verdict.rules {
        let label = format!("{:<10}", rule.status.as_str().to_uppercase());
        let id = terminal_safe(&rule.id);
        let actual = terminal_safe(rule.actual.as_deref().unwrap_or("-"));
        let _ = write!(out, "  {} ", paint(&label, status_code(rule.status), color));
        // A value wider than its column is written whole and the row goes
        // on below it, aligned: `required` stays in its column whatever the
        // evidence holds (an audit count, a long glob).
        let mut column = 13;
        for (cell, width) in [(&id, id_width), (&actual, actual_width)] {
            if display_width(cell) > width {
                let _ = write!(out, "{cell}\n{:w$}", "", w = column + width);
            } else {
                let _ = write!(out, "{}", pad(cell, width));
            }
            out.push_str("  ");
            column += width + 2;
        }
        let _ = writeln!(out, "required {}", terminal_safe(&rule.required));
        if rule.status != Status::Pass {
            let text = message(&rule.message, "             ");
            let _ = writeln!(out, "  {:<10} {text}", "");
        }
        if let Some(o) = &rule.override_ {
            let _ = writeln!(
                out,
                "  {:<10} overridden by {}: {} (until {}; from {})",
                "",
                terminal_safe(&o.signer),
                message(&o.reason, "             "),
                terminal_safe(&o.expires),
                terminal_safe(&o.source)
            );
        }
    }
    if verdict.rules.is_empty() {
        let _ = writeln!(
            out,
            "  the policy defines no rules: nothing was judged, so the gate cannot pass"
        );
    }

    coverage_base(&mut out, verdict);
    advice(&mut out, verdict);
    rejected(&mut out, verdict);
    notes(&mut out, verdict);

    let count = |s: Status| verdict.rules.iter().filter(|r| r.status == s).count();
    let mut tally: Vec<String> = Vec::new();
    for s in [
        Status::Pass,
        Status::Fail,
        Status::Error,
        Status::Overridden,
        Status::Unknown,
        Status::Skipped,
    ] {
        let n = count(s);
        if n > 0 {
            tally.push(format!("{n} {}", s.as_str()));
        }
    }
    let (word, code) = match verdict.conclusion {
        Conclusion::Pass => ("PASSED", "1;32"),
        Conclusion::Fail => ("FAILED", "1;31"),
        Conclusion::Unknown => ("UNDECIDED", "1;33"),
        Conclusion::Pending => ("PENDING CI", "1;33"),
    };
    let _ = writeln!(
        out,
        "\n{} {} ({})",
        terminal_safe(&verdict.gate),
        paint(word, code, color),
        tally.join(", ")
    );
    if verdict.conclusion == Conclusion::Pending {
        let _ = writeln!(
            out,
            "every rule this checkout can decide passed; {} rule(s) are decided in CI",
            count(Status::Unknown)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::github::tests::sample;

    #[test]
    fn required_stays_in_its_column_whatever_the_values() {
        let mut v = sample(3, 1);
        v.rules[0].actual = Some("7 (2 critical, 2 high, 1 medium, 1 low, 1 unscored)".into());
        v.rules[1].actual = Some("日本語の値".into());
        v.rules[2].id = format!("coverage.path[{}]", "src/very/long/".repeat(5));
        let text = render_human(&v, false);
        let columns: Vec<usize> = text
            .lines()
            .filter_map(|l| l.find("required ").map(|at| display_width(&l[..at])))
            .collect();
        assert_eq!(columns.len(), 3, "{text}");
        assert!(
            columns.windows(2).all(|w| w[0] == w[1]),
            "{columns:?}\n{text}"
        );
        assert!(
            text.contains("7 (2 critical, 2 high, 1 medium, 1 low, 1 unscored)\n"),
            "{text}"
        );
    }

    #[test]
    fn display_width_counts_wide_and_combining_characters() {
        assert_eq!(display_width("abc"), 3);
        assert_eq!(display_width("日本"), 4);
        assert_eq!(display_width("e\u{301}"), 1);
        assert_eq!(pad("日", 4), "日  ");
    }

    #[test]
    fn control_characters_are_shown_not_obeyed() {
        assert_eq!(terminal_safe("plain\tline\n"), "plain\tline\\u{a}");
        assert_eq!(message("two\nlines\u{1b}", "  "), "two\n  lines\\u{1b}");
        assert_eq!(
            terminal_safe("src/\x1b]0;pwned\x07\x1b[2Ja.rs\r"),
            "src/\\u{1b}]0;pwned\\u{7}\\u{1b}[2Ja.rs\\u{d}"
        );
        assert_eq!(terminal_safe("\u{9b}31m"), "\\u{9b}31m");
    }

    #[test]
    fn the_report_carries_no_escape_sequence_from_the_verdict() {
        let mut v = sample(2, 1);
        v.rules[1].message = "uncovered: src/\x1b[31mred\x1b[0m.rs".into();
        v.rules[1].id = "coverage.path[\x1b]0;title\x07]".into();
        v.notes.push("\x1b[2J".into());
        let out = render_human(&v, false);
        assert!(!out.contains('\x1b') && !out.contains('\x07'), "{out:?}");
        assert!(out.contains("src/\\u{1b}[31mred\\u{1b}[0m.rs"), "{out}");
        // With colour on, the only escapes are tollgate's own SGR codes.
        let coloured = render_human(&v, true);
        assert!(!coloured.contains("\x1b]") && !coloured.contains("\x1b[2J"));
    }
}
