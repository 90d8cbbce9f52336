//! A [`Verdict`] in GitHub's shapes: the `tollgate/GATE` check run, its
//! annotations, the workflow-command fallback, and the Actions file commands.
//!
//! Everything here is pure (verdict in, payloads and text out) except the two
//! appenders in [`files`]; the HTTP calls live in `src/github/`, which sends
//! what this module builds. Keeping the limits here means one place knows
//! GitHub's rules, and they are tested without a server:
//!
//! | limit (docs/reports.md) | where |
//! | --- | --- |
//! | check-run `summary` and `text`: 65,535 **bytes** each | [`check_run`] via the budget cut |
//! | 50 annotations per request, appended by updates | [`CheckRunOutput::batches`] |
//! | annotation `title` 255 characters, `message` 64 KB | [`CheckAnnotation::from_annotation`] |
//! | 10 error and 10 warning workflow commands per step | [`workflow_commands`] |
//! | step summary 1 MiB | [`append_step_summary`] |
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
//! check run cannot offer (docs/reports.md). So `unknown` becomes `failure`, the
//! fail-closed answer that matches the rest of tollgate, and the title says
//! "undecided" so that nobody mistakes it for a measured failure.

pub mod annotations;
pub mod commands;
pub mod files;

use std::fmt::Write as _;

use serde::Serialize;

use crate::eval::{Conclusion, Status, Verdict};
use crate::report::budget::{clip_chars, thousands, Doc, Unit};
use crate::report::markdown::{
    cell, conclusion_word, icon, inline, judged_line, policy_line, push_notes, push_overrides,
    push_rules_table, ranked_rules,
};

pub use annotations::{
    batches, ranked_annotations, select_annotations, CheckAnnotation, GithubLevel,
    ANNOTATIONS_PER_REQUEST, ANNOTATION_MESSAGE_MAX_BYTES, ANNOTATION_TITLE_MAX_CHARS,
    MAX_CHECK_ANNOTATIONS,
};
pub use commands::{
    add_mask, escape_data, escape_property, render_workflow_commands, workflow_commands,
    CommandLevel, WorkflowCommand, COMMANDS_PER_LEVEL,
};
pub use files::{
    append_outputs, append_step_summary, format_output, fresh_delimiter, output_conclusion,
    step_outputs, write_actions_files, ActionsFileError, STEP_SUMMARY_LIMIT,
};

/// GitHub's limit on a check run's `summary` and on its `text`, in bytes.
pub const CHECK_RUN_TEXT_LIMIT: usize = 65_535;

/// Longest check-run title we send, in characters (GitHub documents none;
/// the checks page shows one line).
const TITLE_MAX_CHARS: usize = 255;

/// A check run's conclusion as GitHub spells it. Only two are used: see the
/// module documentation for why an undecided verdict is a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckConclusion {
    /// The gate passed (possibly with overrides).
    Success,
    /// The gate failed, or could not be decided.
    Failure,
}

impl CheckConclusion {
    /// The API string.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            CheckConclusion::Success => "success",
            CheckConclusion::Failure => "failure",
        }
    }
}

/// Maps a verdict's conclusion to the check run's: `unknown` is `failure`.
#[must_use]
pub fn check_conclusion(conclusion: Conclusion) -> CheckConclusion {
    match conclusion {
        Conclusion::Pass => CheckConclusion::Success,
        Conclusion::Fail | Conclusion::Unknown => CheckConclusion::Failure,
    }
}

/// The check run's name for a gate: `tollgate/GATE` (docs/reports.md). Branch
/// protection requires this exact string.
#[must_use]
pub fn check_run_name(gate: &str) -> String {
    format!("tollgate/{gate}")
}

/// The `output` of a check run: what GitHub shows on the checks page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckRunOutput {
    /// One line, e.g. `gate2 failed: 2 of 9 rules`.
    pub title: String,
    /// Markdown table of the rules, failures first; at most
    /// [`CHECK_RUN_TEXT_LIMIT`] bytes.
    pub summary: String,
    /// Markdown details: what to do per failing rule, overrides, notes; at
    /// most [`CHECK_RUN_TEXT_LIMIT`] bytes.
    pub text: String,
    /// Every annotation to attach, ranked and capped at
    /// [`MAX_CHECK_ANNOTATIONS`]; send them with [`Self::batches`], never
    /// all at once.
    pub annotations: Vec<CheckAnnotation>,
}

/// The `output` object of one create or update request: title, summary and
/// text with one batch of annotations. Serialise it as the request's
/// `output` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct OutputPayload<'a> {
    /// `output.title`.
    pub title: &'a str,
    /// `output.summary`.
    pub summary: &'a str,
    /// `output.text`.
    pub text: &'a str,
    /// `output.annotations`, at most [`ANNOTATIONS_PER_REQUEST`].
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub annotations: &'a [CheckAnnotation],
}

impl CheckRunOutput {
    /// The annotations in request-sized batches: the first with the create
    /// (or the first update of an existing run), each further one with an
    /// update request, which appends.
    #[must_use]
    pub fn batches(&self) -> Vec<&[CheckAnnotation]> {
        batches(&self.annotations)
    }

    /// The `output` of one request carrying `batch`.
    #[must_use]
    pub fn payload<'a>(&'a self, batch: &'a [CheckAnnotation]) -> OutputPayload<'a> {
        OutputPayload {
            title: &self.title,
            summary: &self.summary,
            text: &self.text,
            annotations: batch,
        }
    }

    /// The payload of every request in order: at least one (a verdict
    /// without annotations still needs its output sent), then one per
    /// further batch.
    #[must_use]
    pub fn payloads(&self) -> Vec<OutputPayload<'_>> {
        let batches = self.batches();
        if batches.is_empty() {
            vec![self.payload(&[])]
        } else {
            batches.into_iter().map(|b| self.payload(b)).collect()
        }
    }
}

/// Everything a client needs to create or update the gate's check run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckRun {
    /// `tollgate/GATE`.
    pub name: String,
    /// The commit judged (a pull request's head, never its merge commit);
    /// `None` when the verdict has no commit, which cannot be published.
    pub head_sha: Option<String>,
    /// `success` or `failure`.
    pub conclusion: CheckConclusion,
    /// `tollgate/GATE@SHA`: lets a re-run recognise its own earlier run among
    /// same-named ones.
    pub external_id: String,
    /// Title, summary, text and annotations.
    pub output: CheckRunOutput,
    /// All annotations of the verdict.
    pub annotations_total: usize,
    /// Annotations left out by the cap (ranked last).
    pub annotations_omitted: usize,
}

impl CheckRun {
    /// The request the GitHub client sends
    /// ([`crate::github::GitHubClient::publish_check_run`] with
    /// [`Self::head_sha`]): it finds or creates the run, batches the
    /// annotations 50 to a request and skips those an earlier run of the
    /// same name already holds. `details_url` is the Actions run that judged
    /// (for `publish`, the producing run's page); `started_at` when the
    /// evaluation began.
    #[must_use]
    pub fn to_payload(
        &self,
        details_url: Option<String>,
        started_at: Option<chrono::DateTime<chrono::Utc>>,
    ) -> crate::github::CheckRunPayload {
        crate::github::CheckRunPayload {
            name: self.name.clone(),
            conclusion: match self.conclusion {
                CheckConclusion::Success => crate::github::Conclusion::Success,
                CheckConclusion::Failure => crate::github::Conclusion::Failure,
            },
            title: self.output.title.clone(),
            summary: self.output.summary.clone(),
            text: Some(self.output.text.clone()),
            annotations: self.output.annotations.iter().map(Into::into).collect(),
            details_url,
            external_id: Some(self.external_id.clone()),
            started_at,
        }
    }
}

/// Builds the check run for a verdict, with [`MAX_CHECK_ANNOTATIONS`].
#[must_use]
pub fn check_run(verdict: &Verdict) -> CheckRun {
    check_run_with_cap(verdict, MAX_CHECK_ANNOTATIONS)
}

/// Builds the check run with a given annotation cap.
#[must_use]
pub fn check_run_with_cap(verdict: &Verdict, cap: usize) -> CheckRun {
    let (annotations, omitted) = select_annotations(verdict, cap);
    let total = verdict.annotations.len();
    let summary = summary_doc(verdict, total, annotations.len()).fit(CHECK_RUN_TEXT_LIMIT);
    let text = text_doc(verdict).fit(CHECK_RUN_TEXT_LIMIT);
    let name = check_run_name(&verdict.gate);
    CheckRun {
        external_id: format!(
            "{name}@{}",
            verdict.context.commit.as_deref().unwrap_or("unknown")
        ),
        name,
        head_sha: verdict.context.commit.clone(),
        conclusion: check_conclusion(verdict.conclusion),
        output: CheckRunOutput {
            title: check_run_title(verdict),
            summary,
            text,
            annotations,
        },
        annotations_total: total,
        annotations_omitted: omitted,
    }
}

/// The one-line title: `gate2 failed: 2 of 9 rules`,
/// `gate2 passed: all 9 rules`, `gate2 passed: 7 of 9 rules, 1 overridden,
/// 1 skipped`, `gate2 undecided: 3 of 9 rules could not be decided`.
#[must_use]
pub fn check_run_title(verdict: &Verdict) -> String {
    let total = verdict.rules.len();
    let count = |f: &dyn Fn(Status) -> bool| verdict.rules.iter().filter(|r| f(r.status)).count();
    let gate = &verdict.gate;
    let word = conclusion_word(verdict.conclusion);
    let title = match verdict.conclusion {
        Conclusion::Fail if total == 0 => format!("{gate} {word}: the policy has no rules"),
        Conclusion::Fail => format!(
            "{gate} {word}: {} of {} rules",
            thousands(count(&Status::blocks)),
            thousands(total)
        ),
        Conclusion::Unknown => format!(
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
    clip_chars(&title, TITLE_MAX_CHARS)
}

/// The summary: which policy judged what, the annotation cap note, and the
/// rules table, failures first.
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
            "### {} `{}`: {}\n\n{}\n\n- Actual: {}\n- Required: {}\n",
            icon(rule.status),
            cell(&rule.id).replace('`', "'"),
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
                "All {} rules of `{}` are met; nothing to do.",
                thousands(verdict.rules.len()),
                cell(&verdict.gate).replace('`', "'")
            ),
            Unit::Layout,
        );
    }
    doc
}

#[cfg(test)]
pub(crate) mod tests;
