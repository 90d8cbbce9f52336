//! A [`Verdict`] in GitHub's shapes: the `tollgate/GATE` check run, its
//! annotations, the workflow-command fallback, and the Actions file commands.
//!
//! Everything here is pure (verdict in, payloads and text out) except the
//! two appenders of `files.rs` (`$GITHUB_OUTPUT`, `$GITHUB_STEP_SUMMARY`).
//! The check run is one type, [`CheckRunPayload`], which owns every GitHub
//! limit ([`payload`] lists them); the HTTP client in `src/github/` sends
//! the requests it yields as they are. The renderer decides what fits, so
//! the limits are tested without a server:
//!
//! | limit (docs/github.md) | where |
//! | --- | --- |
//! | check-run `summary` and `text`: 65,535 **bytes** each | [`check_run`] via the budget cut |
//! | 50 annotations per request, appended by updates | [`CheckRunPayload::requests`] |
//! | annotation `title` 255 characters, `message` 64 KB | [`CheckAnnotation::new`] |
//! | at most [`MAX_CHECK_ANNOTATIONS`] annotations per run (ours) | [`check_run`], with a note |
//! | 10 error and 10 warning workflow commands per step | `commands.rs` |
//! | step summary 1 MiB | `files.rs` |
//!
//! Every cut is deterministic and ranked failures first, and says what it
//! left out; the JSON report always holds everything (docs/reports.md).
//!
//! # Why an undecided verdict is a `failure` check run
//!
//! A verdict is `unknown` when nothing failed but some rule could not be
//! decided, which the evaluator only allows in a dry run: in CI missing data
//! fails closed. It should therefore never reach a check run. If it does
//! (a dry-run report fed to `publish`, a bug), the choice matters, because
//! branch protection treats a required check that concluded `neutral` or
//! `skipped` as satisfied: mapping `unknown` to `neutral` would let an
//! undecided gate merge. `action_required` blocks too, but it promises a
//! follow-up action (a button served by a GitHub App) that a token-created
//! check run cannot offer. So `unknown` becomes `failure`, the
//! fail-closed answer that matches the rest of tollgate, and the title says
//! "undecided" so that nobody mistakes it for a measured failure.

mod annotations;
mod commands;
mod files;
pub mod payload;

use std::fmt::Write as _;

use crate::eval::{Conclusion, Status, Verdict};
use crate::report::budget::{thousands, Doc, Unit};
use crate::report::markdown::{
    cell, code, conclusion_word, icon, inline, judged_line, policy_line, push_bench_table,
    push_coverage_base, push_notes, push_overrides, push_rejected, push_rules_table, ranked_rules,
};

pub use annotations::MAX_CHECK_ANNOTATIONS;
pub(crate) use commands::{add_mask, escape_data, inert_log_line, render_workflow_commands};
pub(crate) use files::{
    append_outputs, append_step_summary, output_conclusion, write_actions_files, ActionsFileError,
};
pub use payload::{
    external_identity, CheckAnnotation, CheckAnnotationLevel, CheckConclusion, CheckRunOutput,
    CheckRunPayload, CheckRunRequest, CheckRunRequests, CheckRunStatus, Evaluation, PayloadError,
    Publish, ANNOTATIONS_PER_REQUEST, ANNOTATION_MESSAGE_MAX_BYTES, ANNOTATION_TITLE_MAX_CHARS,
    CHECK_RUN_TEXT_LIMIT, CHECK_RUN_TITLE_MAX_CHARS,
};

/// Maps a verdict's conclusion to the check run's: `unknown` is `failure`.
#[must_use]
pub(crate) fn check_conclusion(conclusion: Conclusion) -> CheckConclusion {
    match conclusion {
        Conclusion::Pass => CheckConclusion::Success,
        Conclusion::Fail | Conclusion::Unknown | Conclusion::Pending => CheckConclusion::Failure,
    }
}

/// The check run's name for a gate: `tollgate/GATE` (docs/reports.md).
/// Branch protection requires this exact string.
#[must_use]
pub(crate) fn check_run_name(gate: &str) -> String {
    format!("tollgate/{gate}")
}

/// The check run for a verdict, on the verdict's commit: title, summary
/// and text cut to GitHub's limits failures first, and the
/// [`MAX_CHECK_ANNOTATIONS`] most important annotations. Add the details
/// link and times with [`CheckRunPayload::with_details_url`] and
/// [`CheckRunPayload::with_times`].
pub fn check_run(verdict: &Verdict) -> Result<CheckRunPayload, PayloadError> {
    check_run_with_cap(verdict, MAX_CHECK_ANNOTATIONS)
}

/// [`check_run`] with a given annotation cap.
pub(crate) fn check_run_with_cap(
    verdict: &Verdict,
    cap: usize,
) -> Result<CheckRunPayload, PayloadError> {
    let Some(commit) = verdict.context.commit.as_deref() else {
        return Err(PayloadError::NoCommit {
            gate: verdict.gate.clone(),
        });
    };
    let annotations = annotations::select_annotations(verdict, cap);
    let total = verdict.annotations.len();
    let summary = summary_doc(verdict, total, annotations.len()).fit(CHECK_RUN_TEXT_LIMIT);
    let text = text_doc(verdict).fit(CHECK_RUN_TEXT_LIMIT);
    CheckRunPayload::new(
        &check_run_name(&verdict.gate),
        commit,
        check_conclusion(verdict.conclusion),
        CheckRunOutput::new(&check_run_title(verdict), &summary, &text, annotations),
    )
}

/// The one-line title: `gate2 failed: 2 of 9 rules`,
/// `gate2 passed: all 9 rules`, `gate2 passed: 7 of 9 rules, 1 overridden,
/// 1 skipped`, `gate2 undecided: 3 of 9 rules could not be decided`.
#[must_use]
pub(crate) fn check_run_title(verdict: &Verdict) -> String {
    let total = verdict.rules.len();
    let count = |f: &dyn Fn(Status) -> bool| verdict.rules.iter().filter(|r| f(r.status)).count();
    let gate = &verdict.gate;
    let word = conclusion_word(verdict.conclusion);
    let title = match verdict.conclusion {
        Conclusion::Fail if total == 0 => format!("{gate} {word}: the policy has no rules"),
        Conclusion::Fail if count(&Status::blocks) == 0 => {
            format!("{gate} {word}: every rule was skipped, nothing was judged")
        }
        Conclusion::Fail => format!(
            "{gate} {word}: {} of {} rules",
            thousands(count(&Status::blocks)),
            thousands(total)
        ),
        Conclusion::Unknown | Conclusion::Pending => format!(
            "{gate} {word}: {} of {} rules could not be decided",
            thousands(count(&|s| s == Status::Unknown)),
            thousands(total)
        ),
        Conclusion::Pass => {
            let passed = count(&|s| s == Status::Pass);
            if passed == total {
                format!("{gate} {word}: all {} rules", thousands(total))
            } else {
                let mut title = format!(
                    "{gate} {word}: {} of {} rules",
                    thousands(passed),
                    thousands(total)
                );
                for (status, what) in [
                    (Status::Overridden, "overridden"),
                    (Status::Skipped, "skipped"),
                ] {
                    let n = count(&|s| s == status);
                    if n > 0 {
                        let _ = write!(title, ", {} {what}", thousands(n));
                    }
                }
                title
            }
        }
    };
    title
}

/// The summary: which policy judged what, the annotation cap note, the
/// rules table (failures first), then every signed document read: the
/// overrides applied and the documents rejected with their reasons.
fn summary_doc(verdict: &Verdict, total: usize, attached: usize) -> Doc {
    let mut doc = Doc::default();
    doc.push(
        format!("{}\n{}\n", policy_line(verdict), judged_line(verdict)),
        Unit::Layout,
    );
    if attached < total {
        doc.push(
            format!(
                "> {} annotations: the {} most important (failures first) are attached; \
                 the JSON report holds all of them.\n\n",
                thousands(total),
                thousands(attached)
            ),
            Unit::Layout,
        );
    }
    push_rules_table(&mut doc, verdict);
    push_coverage_base(&mut doc, verdict);
    push_bench_table(&mut doc, verdict);
    push_overrides(&mut doc, verdict);
    push_rejected(&mut doc, verdict);
    doc
}

/// The text: per blocking or undecided rule what happened and what to do,
/// then overrides and notes.
fn text_doc(verdict: &Verdict) -> Doc {
    let mut doc = Doc::default();
    let todo: Vec<_> = ranked_rules(verdict)
        .into_iter()
        .filter(|r| r.status.blocks() || r.status == Status::Unknown)
        .collect();
    if !todo.is_empty() {
        doc.push("## What to do\n\n", Unit::Layout);
    }
    for rule in todo {
        let mut block = format!(
            "### {} {}: {}\n\n{}\n\n- Actual: {}\n- Required: {}\n",
            icon(rule.status),
            code(&rule.id),
            cell(&rule.title),
            inline(&rule.message),
            cell(rule.actual.as_deref().unwrap_or("–")),
            cell(&rule.required),
        );
        if let Some(help) = &rule.help {
            let _ = writeln!(block, "\n**What to do:** {}", inline(help));
        }
        block.push('\n');
        doc.push(
            block,
            Unit::Rule {
                blocking: rule.status.blocks(),
            },
        );
    }
    push_overrides(&mut doc, verdict);
    push_notes(&mut doc, verdict);
    if doc.is_empty() {
        doc.push(
            format!(
                "All {} rules of {} are met; nothing to do.",
                thousands(verdict.rules.len()),
                code(&verdict.gate)
            ),
            Unit::Layout,
        );
    }
    doc
}

#[cfg(test)]
pub(crate) mod tests;
