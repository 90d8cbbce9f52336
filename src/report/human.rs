//! The terminal report: one line per rule, then what to do about failures.
//!
//! Every string from the verdict goes through [`terminal_safe`]: rule
//! messages quote evidence (a coverage file's paths, test names), and an
//! escape sequence in a file name must not recolour, retitle or clear the
//! terminal that prints it.

use std::borrow::Cow;
use std::fmt::Write as _;

use crate::eval::{Conclusion, Status, Verdict};

const RESET: &str = "\x1b[0m";

/// `text` without control characters a terminal would act on: each one
/// (ESC, CR, BEL, backspace, the C1 controls, …) is shown as a Rust escape
/// such as `\u{1b}`. Line feeds and tabs are kept.
#[must_use]
pub fn terminal_safe(text: &str) -> Cow<'_, str> {
    let unsafe_char = |c: char| c.is_control() && c != '\n' && c != '\t';
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
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
            terminal_safe(&r.reason)
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

/// What to do about blocking rules, and which rules CI will decide.
fn advice(out: &mut String, verdict: &Verdict) {
    let todo: Vec<_> = verdict.rules.iter().filter(|r| r.status.blocks()).collect();
    if !todo.is_empty() {
        let _ = writeln!(out, "\nWhat to do:");
        for rule in todo {
            let advice = terminal_safe(rule.help.as_deref().unwrap_or(&rule.message));
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
            let advice = terminal_safe(rule.help.as_deref().unwrap_or(&rule.message));
            let _ = writeln!(out, "  - {}: {advice}", terminal_safe(&rule.id));
        }
    }
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
        .map(|r| terminal_safe(&r.id).chars().count())
        .max()
        .unwrap_or(0)
        .min(48);
    let actual_width = verdict
        .rules
        .iter()
        .map(|r| {
            r.actual
                .as_deref()
                .map_or(1, |a| terminal_safe(a).chars().count())
        })
        .max()
        .unwrap_or(1)
        .min(40);
    for rule in &verdict.rules {
        let label = format!("{:<10}", rule.status.as_str().to_uppercase());
        let _ = writeln!(
            out,
            "  {} {:<id_width$}  {:<actual_width$}  required {}",
            paint(&label, status_code(rule.status), color),
            terminal_safe(&rule.id),
            terminal_safe(rule.actual.as_deref().unwrap_or("-")),
            terminal_safe(&rule.required),
        );
        if rule.status != Status::Pass {
            let _ = writeln!(out, "  {:<10} {}", "", terminal_safe(&rule.message));
        }
        if let Some(o) = &rule.override_ {
            let _ = writeln!(
                out,
                "  {:<10} overridden by {}: {} (until {}; from {})",
                "",
                terminal_safe(&o.signer),
                terminal_safe(&o.reason),
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

    advice(&mut out, verdict);
    rejected(&mut out, verdict);
    for note in &verdict.notes {
        let _ = writeln!(out, "\nnote: {}", terminal_safe(note));
    }

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
    fn control_characters_are_shown_not_obeyed() {
        assert_eq!(terminal_safe("plain\tline\n"), "plain\tline\n");
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
