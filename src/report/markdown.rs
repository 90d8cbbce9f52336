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

/// Signed overrides, which every report must show (docs/overrides.md),
/// each with where it was read from. Every field comes from a signed but
/// untrusted document or a comment, so it is rendered [`inert`].
pub(crate) fn push_overrides(doc: &mut Doc, verdict: &Verdict) {
    if verdict.overrides.is_empty() {
        return;
    }
    doc.push("\n### Overrides\n\n", Unit::Layout);
    for o in &verdict.overrides {
        doc.push(
            format!(
                "- {} waived by {} until {}: {} (from {})",
                code_list(&o.rules),
                untrusted(&o.signer),
                untrusted(&o.expires),
                untrusted(&o.reason),
                untrusted(&o.source)
            ),
            Unit::Note,
        );
    }
}

/// Signed documents that did not count, with the reason, so their authors
/// see why (docs/overrides.md). Untrusted text throughout: [`inert`].
pub(crate) fn push_rejected(doc: &mut Doc, verdict: &Verdict) {
    if verdict.rejected.is_empty() {
        return;
    }
    doc.push("\n### Rejected signed documents\n\n", Unit::Layout);
    for r in &verdict.rejected {
        let named = match (&r.signoff, r.rules.is_empty()) {
            (Some(id), _) => format!(" {}", code_list(std::slice::from_ref(id))),
            (None, false) => format!(" {}", code_list(&r.rules)),
            (None, true) => String::new(),
        };
        let signer = r
            .signer
            .as_deref()
            .map(|s| format!(", signed by {}", untrusted(s)))
            .unwrap_or_default();
        doc.push(
            format!(
                "- {}{named} from {}{signer}: {}",
                r.kind.as_str(),
                untrusted(&r.source),
                untrusted(&r.reason)
            ),
            Unit::Note,
        );
    }
}

/// Untrusted text for one list item or table cell: clipped, then [`inert`].
fn untrusted(text: &str) -> String {
    inert(&clip(text, CELL_MAX))
}

/// Ids as code spans (inert whatever they hold), comma-separated.
fn code_list(ids: &[String]) -> String {
    ids.iter()
        .map(|r| format!("`{}`", cell(r).replace('`', "'")))
        .collect::<Vec<_>>()
        .join(", ")
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
    push_rejected(&mut doc, verdict);
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

/// Untrusted text made inert for GitHub Markdown: one line, every Markdown
/// and HTML special character backslash-escaped (no emphasis, code spans,
/// links, images, tables or raw HTML), and `@mentions`, `#references` and
/// bare links (`https://`, `www.`, e-mail addresses) broken by an invisible
/// U+200B so that GitHub neither links them nor notifies anyone.
///
/// Minimal version added with the comment-borne overrides; a general
/// helper of the same name and signature supersedes it.
pub(crate) fn inert(text: &str) -> String {
    const ZWSP: char = '\u{200B}';
    let mut out = String::with_capacity(text.len() + 16);
    let mut chars = text.chars().peekable();
    let mut previous = ' ';
    while let Some(c) = chars.next() {
        match c {
            '\r' | '\n' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '(' | ')' | '!' | '|' | '~' | '<' | '>' | '&'
            | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            '@' => {
                out.push('@');
                out.push(ZWSP);
            }
            '#' if chars.peek().is_some_and(|n| n.is_alphanumeric()) => {
                out.push('#');
                out.push(ZWSP);
            }
            ':' if chars.peek() == Some(&'/') => {
                out.push(':');
                out.push(ZWSP);
            }
            '.' if previous.eq_ignore_ascii_case(&'w')
                && out
                    .as_bytes()
                    .get(out.len().saturating_sub(3)..)
                    .is_some_and(|tail| tail.eq_ignore_ascii_case(b"www")) =>
            {
                out.push(ZWSP);
                out.push('.');
            }
            _ => out.push(c),
        }
        previous = c;
    }
    out
}

#[cfg(test)]
mod inert_tests {
    use super::inert;

    #[test]
    fn untrusted_text_cannot_link_mention_or_format() {
        let got = inert("@alice see [x](https://evil.example) ![i](y) <b>|`c`| www.evil.example a@b.org #12\nnext");
        for bad in ["@a", "https://", "www.", "a@b", "#1", "\n"] {
            assert!(!got.contains(bad), "{bad:?} in {got:?}");
        }
        // Every Markdown or HTML special character is escaped.
        let chars: Vec<char> = got.chars().collect();
        for (i, c) in chars.iter().enumerate() {
            if "[]()!<>|`".contains(*c) {
                assert_eq!(
                    chars.get(i.wrapping_sub(1)),
                    Some(&'\\'),
                    "{c} at {i} in {got:?}"
                );
            }
        }
        assert!(got.contains("next"));
        assert_eq!(inert("plain words 1.5"), "plain words 1.5");
    }
}
