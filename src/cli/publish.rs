//! Reporting to GitHub: `check --github` (check run, step summary, outputs,
//! with the workflow-command fallback for read-only tokens) and `publish`
//! (the privileged half of the fork-safe pattern: a saved report posted from
//! a `workflow_run` job).

use std::path::{Path, PathBuf};

use super::remote::{self, Remote};
use super::{print_commands, write_atomic, RunError};
use crate::context::ActionsContext;
use crate::eval::Verdict;
use crate::exit;
use crate::github::GitHubError;
use crate::report::{self, github as gh, saved};

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

/// `tollgate publish REPORT.json`.
pub(super) fn publish(
    report_path: &Path,
    token: Option<&str>,
    policy_sha256: Option<&str>,
) -> Result<u8, RunError> {
    let verdict =
        saved::read_saved_report(report_path).map_err(|source| RunError::SavedReport {
            path: report_path.to_path_buf(),
            source,
        })?;
    let var = |name: &str| std::env::var(name).ok();
    let event = var("GITHUB_EVENT_NAME").unwrap_or_default();
    if event != "workflow_run" {
        return Err(RunError::Usage(format!(
            "publish runs in a `workflow_run` job (this is `{}`): it posts the report of the run that triggered it",
            if event.is_empty() { "not GitHub Actions" } else { &event }
        )));
    }
    let payload_path = var("GITHUB_EVENT_PATH")
        .ok_or_else(|| RunError::Usage("GITHUB_EVENT_PATH is not set".to_owned()))?;
    let payload: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&payload_path)
            .map_err(RunError::read(Path::new(&payload_path)))?,
    )
    .map_err(|e| RunError::Usage(format!("{payload_path}: line {}: {e}", e.line())))?;
    let target = saved::PublishTarget::from_workflow_run(&payload).map_err(|source| {
        RunError::SavedReport {
            path: PathBuf::from(&payload_path),
            source,
        }
    })?;
    saved::verify_for_publish(&verdict, &target, policy_sha256).map_err(|e| {
        RunError::Usage(format!(
            "{}: refusing to publish: {e}",
            report_path.display()
        ))
    })?;
    let token = remote::token(token)?;
    if let Some(token) = &token {
        if let Some(mask) = gh::add_mask(token.expose_secret()) {
            print_commands(&format!("{mask}\n"));
        }
    }
    let remote = remote::connect(
        token.as_ref(),
        var("GITHUB_API_URL").as_deref(),
        Some(&target.repository),
    )?
    .ok_or_else(|| {
        RunError::Usage(
            "publish needs a token with checks: write (GITHUB_TOKEN or --token)".to_owned(),
        )
    })?;
    // The payload is on the verdict's commit, which `verify_for_publish`
    // has just checked is the producing run's head.
    let payload = gh::check_run(&verdict)
        .map_err(|source| RunError::UnpostableReport {
            path: report_path.to_path_buf(),
            source,
        })?
        .with_details_url(target.details_url.clone())
        .with_times(None, Some(chrono::Utc::now()));
    remote.client.publish_check_run(&remote.repo, &payload)?;
    if let Some(summary) = var("GITHUB_STEP_SUMMARY").filter(|s| !s.is_empty()) {
        gh::append_step_summary(Path::new(&summary), &verdict)?;
    }
    eprintln!(
        "published {} ({}) on {}",
        payload.name(),
        payload.conclusion().as_str(),
        payload.head_sha()
    );
    Ok(if verdict.passed() {
        exit::PASSED
    } else {
        exit::FAILED
    })
}
