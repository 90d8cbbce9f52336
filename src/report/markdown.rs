//! GitHub-flavoured Markdown: `--format markdown`, the step summary, and the
//! pieces the check-run renderer ([`super::github`]) assembles.
//!
//! Everything is built as a ranked [`Doc`] (failures first) so that the same
//! text can be cut to GitHub's byte budgets without losing what matters.
//! Strings from the verdict pass through [`inline`] or [`cell`]: a report
//! published from a fork's artifact is untrusted (`docs/github.md`), and raw
//! HTML in a rule message must not be able to swallow the rest of the page.

use std::fmt::Write as _;

use super::budget::{clip, Doc, Unit};
use crate::eval::{Conclusion, RuleResult, Status, Verdict};

/// Longest table cell, in bytes: one runaway message must not crowd out the
/// other rows of a budgeted table.
const CELL_MAX: usize = 1_024;
/// Longest paragraph taken from the verdict (a message, a help text, a note).
const PARAGRAPH_MAX: usize = 8_192;

pub(crate) fn icon(status: Status) -> &'static str {
    match status {
        Status::Pass => "✅",
        Status::Fail => "❌",
        Status::Error => "⛔",
        Status::Overridden => "🟡",
        Status::Unknown => "❔",
        Status::Skipped => "⏭️",
    }
}

/// The verdict's text made inert for Markdown: no raw HTML, at most
/// [`PARAGRAPH_MAX`] bytes.
pub(crate) fn inline(text: &str) -> String {
    clip(text, PARAGRAPH_MAX).replace('<', "&lt;")
}

/// Escapes text for a Markdown table cell (one line, no column breaks).
pub(crate) fn cell(text: &str) -> String {
    clip(text, CELL_MAX)
        .replace('<', "&lt;")
        .replace('|', "\\|")
        .replace(['\r', '\n'], " ")
}

/// The word for a conclusion in headings and titles.
pub(crate) fn conclusion_word(conclusion: Conclusion) -> &'static str {
    match conclusion {
        Conclusion::Pass => "passed",
        Conclusion::Fail => "failed",
        Conclusion::Unknown => "undecided",
    }
}

/// Rules in report order: blocking first, then undecided, overridden,
/// skipped, passed; policy order within each status.
pub(crate) fn ranked_rules(verdict: &Verdict) -> Vec<&RuleResult> {
    let mut rules: Vec<_> = verdict.rules.iter().collect();
    rules.sort_by_key(|r| r.status);
    rules
}

/// The policy line: which policy judged, exactly (docs/policy.md).
pub(crate) fn policy_line(verdict: &Verdict) -> String {
    format!(
        "Policy `{}` {} (`{}`, sha256 `{}`)\n",
        cell(&verdict.policy.name),
        cell(&verdict.policy.version),
        cell(&verdict.policy.path),
        cell(&verdict.policy.sha256)
    )
}

/// What was judged: the event, repository, commit, pull request or tag.
pub(crate) fn judged_line(verdict: &Verdict) -> String {
    let ctx = &verdict.context;
    let mut parts = vec![cell(ctx.kind.as_str())];
    if let Some(repo) = &ctx.repository {
        parts.push(format!("`{}`", cell(repo).replace('`', "'")));
    }
    if let Some(pr) = ctx.pull_request {
        parts.push(format!("pull request #{pr}"));
    }
    if let Some(tag) = &ctx.tag {
        parts.push(format!("tag `{}`", cell(tag).replace('`', "'")));
    }
    if let Some(commit) = &ctx.commit {
        parts.push(format!("commit `{}`", cell(commit).replace('`', "'")));
    }
    format!(
        "Judged: {}{}\n",
        parts.join(", "),
        if ctx.dry_run { " (dry run)" } else { "" }
    )
}

/// The rules table: a header, then one row per rule in rank order.
pub(crate) fn push_rules_table(doc: &mut Doc, verdict: &Verdict) {
    doc.push(
        "| | Rule | Actual | Required | Details |\n|---|---|---|---|---|",
        Unit::Layout,
    );
    for rule in ranked_rules(verdict) {
        doc.push(
            format!(
                "| {} | `{}` | {} | {} | {} |",
                icon(rule.status),
                cell(&rule.id).replace('`', "'"),
                cell(rule.actual.as_deref().unwrap_or("–")),
                cell(&rule.required),
                cell(&rule.message),
            ),
            Unit::Rule {
                blocking: rule.status.blocks(),
            },
        );
    }
}

/// "What to do" for each blocking or undecided rule.
fn push_todo(doc: &mut Doc, verdict: &Verdict) {
    let todo: Vec<_> = ranked_rules(verdict)
        .into_iter()
        .filter(|r| r.status.blocks() || r.status == Status::Unknown)
        .collect();
    if todo.is_empty() {
        return;
    }
    doc.push("\n### What to do\n\n", Unit::Layout);
    for rule in todo {
        doc.push(
            format!(
                "- `{}`: {}",
                cell(&rule.id).replace('`', "'"),
                inline(rule.help.as_deref().unwrap_or(&rule.message)).replace('\n', " ")
            ),
            Unit::Rule {
                blocking: rule.status.blocks(),
            },
        );
    }
}

/// Signed overrides, which every report must show (docs/overrides.md).
pub(crate) fn push_overrides(doc: &mut Doc, verdict: &Verdict) {
    if verdict.overrides.is_empty() {
        return;
    }
    doc.push("\n### Overrides\n\n", Unit::Layout);
    for o in &verdict.overrides {
        let rules: Vec<String> = o
            .rules
            .iter()
            .map(|r| format!("`{}`", cell(r).replace('`', "'")))
            .collect();
        doc.push(
            format!(
                "- {} waived by {} until {}: {}",
                rules.join(", "),
                cell(&o.signer),
                cell(&o.expires),
                cell(&o.reason)
            ),
            Unit::Note,
        );
    }
}

/// The verdict's notes as block quotes.
pub(crate) fn push_notes(doc: &mut Doc, verdict: &Verdict) {
    for note in &verdict.notes {
        let mut text = String::from("\n");
        for line in inline(note).lines() {
            let _ = writeln!(text, "> {line}");
        }
        doc.push(text, Unit::Note);
    }
}

/// The whole Markdown report as a ranked document.
fn markdown_doc(verdict: &Verdict) -> Doc {
    let mut doc = Doc::default();
    doc.push(
        format!(
            "## tollgate/{}: {}\n\n{}\n{}\n",
            cell(&verdict.gate),
            conclusion_word(verdict.conclusion),
            policy_line(verdict),
            judged_line(verdict)
        ),
        Unit::Layout,
    );
    push_rules_table(&mut doc, verdict);
    push_todo(&mut doc, verdict);
    push_overrides(&mut doc, verdict);
    push_notes(&mut doc, verdict);
    doc
}

/// Renders the verdict as Markdown: a heading, a table of rules (failures
/// first), what to do about each failure, overrides and notes.
#[must_use]
pub fn render_markdown(verdict: &Verdict) -> String {
    markdown_doc(verdict).render()
}

/// [`render_markdown`] cut to at most `limit` bytes, failures first, with a
/// closing note saying what was left out (`$GITHUB_STEP_SUMMARY` takes
/// 1 MiB per step).
#[must_use]
pub fn render_markdown_within(verdict: &Verdict, limit: usize) -> String {
    markdown_doc(verdict).fit(limit)
}
