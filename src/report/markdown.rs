//! GitHub-flavoured Markdown: the step summary and the check-run summary.

use std::fmt::Write as _;

use crate::eval::{Conclusion, Status, Verdict};

fn icon(status: Status) -> &'static str {
    match status {
        Status::Pass => "✅",
        Status::Fail => "❌",
        Status::Error => "⛔",
        Status::Overridden => "🟡",
        Status::Unknown => "❔",
        Status::Skipped => "⏭️",
    }
}

/// Escapes text for a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// Renders the verdict as Markdown: a heading, a table of rules, then what
/// to do about each failure.
#[must_use]
pub fn render_markdown(verdict: &Verdict) -> String {
    let mut out = String::new();
    let word = match verdict.conclusion {
        Conclusion::Pass => "passed",
        Conclusion::Fail => "failed",
        Conclusion::Unknown => "undecided",
    };
    let _ = writeln!(out, "## tollgate/{}: {word}\n", verdict.gate);
    let _ = writeln!(
        out,
        "Policy `{}` {} (`{}`, sha256 `{}`)\n",
        verdict.policy.name, verdict.policy.version, verdict.policy.path, verdict.policy.sha256
    );
    let _ = writeln!(out, "| | Rule | Actual | Required | Details |");
    let _ = writeln!(out, "|---|---|---|---|---|");
    // Failures first, so a truncated summary still shows what matters.
    let mut rules: Vec<_> = verdict.rules.iter().collect();
    rules.sort_by_key(|r| r.status);
    for rule in rules {
        let _ = writeln!(
            out,
            "| {} | `{}` | {} | {} | {} |",
            icon(rule.status),
            cell(&rule.id),
            cell(rule.actual.as_deref().unwrap_or("–")),
            cell(&rule.required),
            cell(&rule.message),
        );
    }
    let todo: Vec<_> = verdict
        .rules
        .iter()
        .filter(|r| r.status.blocks() || r.status == Status::Unknown)
        .collect();
    if !todo.is_empty() {
        let _ = writeln!(out, "\n### What to do\n");
        for rule in todo {
            let _ = writeln!(
                out,
                "- `{}`: {}",
                rule.id,
                rule.help.as_deref().unwrap_or(&rule.message)
            );
        }
    }
    for note in &verdict.notes {
        let _ = writeln!(out, "\n> {note}");
    }
    out
}
