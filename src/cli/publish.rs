//! Reporting to GitHub: `check --github` (check run, step summary, outputs,
//! with the workflow-command fallback for read-only tokens), and the
//! in-progress and could-not-judge marks both modes set. The privileged
//! judge posts its verdict through [`super::judge`]: it never falls back.

use std::path::{Path, PathBuf};

use super::remote::Remote;
use super::{print_commands, write_atomic, RunError};
use crate::context::ActionsContext;
use crate::eval::Verdict;
use crate::github::GitHubError;
use crate::report::{self, github as gh};

/// Where the JSON report goes when `--output` did not ask for JSON: beside
/// the runner's temporary files, so `$GITHUB_OUTPUT`'s `report` can name it.
pub(super) fn default_report_path(gate: &str) -> PathBuf {
    let dir = std::env::var_os("RUNNER_TEMP").map_or_else(|| PathBuf::from("."), PathBuf::from);
    dir.join(format!("tollgate-{gate}.json"))
}

/// Posts the verdict as the check run `tollgate/GATE`; on a read-only token
/// falls back to workflow-command annotations. Always writes the step
/// summary and outputs. An API failure after retries is `RunError::GitHub`
/// (exit 3), reported after the local files are written.
pub(super) fn report_to_github(
    verdict: &Verdict,
    actions: &ActionsContext,
    remote: Option<&Remote>,
    report_path: &Path,
    started_at: chrono::DateTime<chrono::Utc>,
) -> Result<(), RunError> {
    write_atomic(report_path, report::render_json(verdict).as_bytes())?;
    let outcome = match remote {
        Some(remote) => post(verdict, remote, actions.run_url.clone(), Some(started_at)),
        None => Posting::Fallback("no GitHub token was given".to_owned()),
    };
    let failure = match outcome {
        Posting::Posted => None,
        // One warning, then the annotations GitHub shows without checks: write.
        Posting::Fallback(why) => {
            fallback(verdict, &why);
            None
        }
        Posting::Failed(e) => {
            // The GitHub failure decides the exit code (3); the log is best effort.
            fallback(verdict, &format!("GitHub API failure: {e}"));
            Some(RunError::GitHub(e))
        }
        Posting::Unpostable(e) => {
            fallback(verdict, &format!("the verdict cannot be posted: {e}"));
            Some(RunError::Payload(e))
        }
    };
    gh::write_actions_files(
        actions.step_summary.as_deref(),
        actions.output.as_deref(),
        verdict,
        Some(report_path),
    )?;
    failure.map_or(Ok(()), Err)
}

/// Marks the gate's check run `in_progress` on `commit` before anything is
/// judged (docs/reports.md, "Check run"): should the final update fail
/// (exit 3), the commit then shows a pending check, which blocks a merge,
/// never the `success` an earlier evaluation left. A completed run from
/// before is replaced by a fresh one (`github::checks`), so the old
/// conclusion stops counting at once. A token that may not write checks is
/// left to the fallback of the final report; any other failure is a
/// warning here, and the final update decides the exit code.
pub(super) fn mark_in_progress(
    gate: &str,
    context: &crate::eval::Context,
    actions: Option<&ActionsContext>,
    remote: Option<&Remote>,
) {
    let (Some(actions), Some(remote), Some(commit)) = (actions, remote, context.commit.as_deref())
    else {
        return;
    };
    mark_judging(gate, commit, actions, remote, None);
}

/// Completes the run [`mark_in_progress`] opened as a failure when the run
/// stopped on an input error (exit 2): the check says what could not be
/// judged instead of staying pending. Best effort, like the mark: the
/// error itself is what the job reports.
pub(super) fn mark_failed(
    gate: &str,
    context: &crate::eval::Context,
    actions: Option<&ActionsContext>,
    remote: Option<&Remote>,
    error: &str,
) {
    let (Some(actions), Some(remote), Some(commit)) = (actions, remote, context.commit.as_deref())
    else {
        return;
    };
    mark_could_not_judge(gate, commit, actions, remote, None, error);
}

/// [`mark_in_progress`] for a known commit; the judge passes its
/// evaluation, so that a re-run of an old judge job cannot mark a newer
/// verdict pending (`github::checks` keeps the newer one).
pub(super) fn mark_judging(
    gate: &str,
    commit: &str,
    actions: &ActionsContext,
    remote: &Remote,
    evaluation: Option<gh::Evaluation>,
) {
    let output = gh::CheckRunOutput::new(
        &format!("{gate}: judging"),
        "tollgate is judging this commit; the verdict replaces this text when it is done. \
         A run that stays in progress means the final update failed: see the job's log.",
        "",
        Vec::new(),
    );
    let payload = match gh::CheckRunPayload::in_progress(&gh::check_run_name(gate), commit, output)
    {
        Ok(payload) => payload
            .with_details_url(actions.run_url.clone())
            .with_times(Some(chrono::Utc::now()), None),
        // The final report says why it cannot be posted.
        Err(_) => return,
    };
    publish_marker(
        gate,
        remote,
        payload,
        evaluation,
        "mark the check run",
        "in progress",
    );
}

/// [`mark_failed`] for a known commit (see [`mark_judging`]).
pub(super) fn mark_could_not_judge(
    gate: &str,
    commit: &str,
    actions: &ActionsContext,
    remote: &Remote,
    evaluation: Option<gh::Evaluation>,
    error: &str,
) {
    let summary = format!(
        "tollgate could not judge this commit: {}\n\nThe job's log has the details; fix the input and re-run.",
        crate::report::inert(error)
    );
    let output = gh::CheckRunOutput::new(
        &format!("{gate}: could not judge"),
        &summary,
        "",
        Vec::new(),
    );
    let payload = match gh::CheckRunPayload::new(
        &gh::check_run_name(gate),
        commit,
        gh::CheckConclusion::Failure,
        output,
    ) {
        Ok(payload) => payload
            .with_details_url(actions.run_url.clone())
            .with_times(None, Some(chrono::Utc::now())),
        Err(_) => return,
    };
    publish_marker(
        gate,
        remote,
        payload,
        evaluation,
        "complete the check run",
        "as failed",
    );
}

/// Posts a marker run ("judging", "could not judge"), best effort: a
/// failure is a warning in the log, a `403` (a fork's read-only token)
/// silence, as the final report handles both. `what` and `how` frame the
/// warning: "could not {what} NAME {how}".
fn publish_marker(
    gate: &str,
    remote: &Remote,
    payload: gh::CheckRunPayload,
    evaluation: Option<gh::Evaluation>,
    what: &str,
    how: &str,
) {
    let payload = match evaluation {
        Some(evaluation) => payload.with_evaluation(evaluation),
        None => payload,
    };
    match remote.client.publish_check_run(&remote.repo, &payload) {
        Ok(_) => {}
        Err(e) if e.is_forbidden() => {}
        Err(e) => eprintln!(
            "tollgate: warning: could not {what} {} {how}: {}",
            gh::check_run_name(gate),
            crate::terminal::safe(&e.to_string())
        ),
    }
}

/// The workflow-command annotations, on standard error (where they cannot
/// mix with a report on standard output; the runner reads both).
fn fallback(verdict: &Verdict, why: &str) {
    print_commands(&format!(
        "::warning title=tollgate::{}\n{}",
        gh::escape_data(&format!("could not create the check run ({why}); reporting with annotations and the step summary instead")),
        gh::render_workflow_commands(verdict)
    ));
}

/// How posting the check run went.
enum Posting {
    Posted,
    /// Not allowed (a fork's read-only token) or not possible: fall back.
    Fallback(String),
    /// GitHub failed after retries: fall back for the log, then exit 3.
    Failed(GitHubError),
    /// The verdict cannot become a check run GitHub would accept (a
    /// malformed commit id, say): fall back for the log, then exit 2.
    Unpostable(gh::PayloadError),
}

fn post(
    verdict: &Verdict,
    remote: &Remote,
    details_url: Option<String>,
    started_at: Option<chrono::DateTime<chrono::Utc>>,
) -> Posting {
    let payload = match gh::check_run(verdict) {
        Ok(payload) => payload
            .with_details_url(details_url)
            .with_times(started_at, Some(chrono::Utc::now())),
        Err(gh::PayloadError::NoCommit { .. }) => {
            return Posting::Fallback("the verdict names no commit".to_owned())
        }
        Err(e) => return Posting::Unpostable(e),
    };
    match remote.client.publish_check_run(&remote.repo, &payload) {
        Ok(_) => Posting::Posted,
        Err(e) if e.is_forbidden() => {
            Posting::Fallback(format!("the token may not write checks: {e}"))
        }
        Err(e) => Posting::Failed(e),
    }
}
