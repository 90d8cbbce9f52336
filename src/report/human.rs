//! The terminal report: one line per rule, then what to do about failures.

use std::fmt::Write as _;

use crate::eval::{Conclusion, Status, Verdict};

const RESET: &str = "\x1b[0m";

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

/// Text from a signed document or a comment on one line, control
/// characters (a terminal escape, a newline that would start a workflow
/// command in a CI log) shown as `?`.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// Signed documents that did not count, and why.
fn rejected(out: &mut String, verdict: &Verdict) {
    if verdict.rejected.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nSigned documents that did not count:");
    for r in &verdict.rejected {
        let named = match (&r.signoff, r.rules.is_empty()) {
            (Some(id), _) => format!(" {}", one_line(id)),
            (None, false) => format!(" {}", one_line(&r.rules.join(", "))),
            (None, true) => String::new(),
        };
        let signer = r
            .signer
            .as_deref()
            .map(|s| format!(", signed by {}", one_line(s)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  - {}{named} from {}{signer}: {}",
            r.kind.as_str(),
            one_line(&r.source),
            one_line(&r.reason)
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
        verdict.gate,
        if verdict.title.is_empty() {
            &verdict.gate
        } else {
            &verdict.title
        }
    );
    let _ = writeln!(
        out,
        "policy {} {} ({}, sha256 {short_sha}…)",
        verdict.policy.name, verdict.policy.version, verdict.policy.path
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
        judged.join(", "),
        if ctx.dry_run { " (dry run)" } else { "" }
    );
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
        .map(|r| r.id.chars().count())
        .max()
        .unwrap_or(0)
        .min(48);
    let actual_width = verdict
        .rules
        .iter()
        .map(|r| r.actual.as_deref().map_or(1, |a| a.chars().count()))
        .max()
        .unwrap_or(1)
        .min(40);
    for rule in &verdict.rules {
        let label = format!("{:<10}", rule.status.as_str().to_uppercase());
        let _ = writeln!(
            out,
            "  {} {:<id_width$}  {:<actual_width$}  required {}",
            paint(&label, status_code(rule.status), color),
            rule.id,
            rule.actual.as_deref().unwrap_or("-"),
            rule.required,
        );
        if rule.status != Status::Pass {
            let _ = writeln!(out, "  {:<10} {}", "", rule.message);
        }
        if let Some(o) = &rule.override_ {
            let _ = writeln!(
                out,
                "  {:<10} overridden by {}: {} (until {}; from {})",
                "",
                one_line(&o.signer),
                one_line(&o.reason),
                one_line(&o.expires),
                one_line(&o.source)
            );
        }
    }
    if verdict.rules.is_empty() {
        let _ = writeln!(
            out,
            "  the policy defines no rules: nothing was judged, so the gate cannot pass"
        );
    }

    let todo: Vec<_> = verdict.rules.iter().filter(|r| r.status.blocks()).collect();
    if !todo.is_empty() {
        let _ = writeln!(out, "\nWhat to do:");
        for rule in todo {
            let advice = rule.help.as_deref().unwrap_or(&rule.message);
            let _ = writeln!(out, "  - {}: {advice}", rule.id);
        }
    }
    let undecided: Vec<_> = verdict
        .rules
        .iter()
        .filter(|r| r.status == Status::Unknown)
        .collect();
    if !undecided.is_empty() {
        let _ = writeln!(out, "\nNot decided in this run (CI will decide):");
        for rule in undecided {
            let advice = rule.help.as_deref().unwrap_or(&rule.message);
            let _ = writeln!(out, "  - {}: {advice}", rule.id);
        }
    }
    rejected(&mut out, verdict);
    for note in &verdict.notes {
        let _ = writeln!(out, "\nnote: {note}");
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
    };
    let _ = writeln!(
        out,
        "\n{} {} ({})",
        verdict.gate,
        paint(word, code, color),
        tally.join(", ")
    );
    out
}
