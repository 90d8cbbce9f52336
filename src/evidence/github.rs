//! Evidence that lives on GitHub: pull-request reviews and other checks on
//! the head commit. Neutral models only; `crate::github` fetches them.

use serde::Serialize;

/// A review's state as the REST API reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReviewState {
    /// `APPROVED`.
    Approved,
    /// `CHANGES_REQUESTED`.
    ChangesRequested,
    /// `COMMENTED`: never undoes an approval.
    Commented,
    /// `DISMISSED`: GitHub rewrites a dismissed review's state to this.
    Dismissed,
    /// `PENDING`: a draft review, not submitted.
    Pending,
}

impl ReviewState {
    /// Parses the API's string, upper or lower case (webhooks use lower case).
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text.to_ascii_uppercase().as_str() {
            "APPROVED" => Self::Approved,
            "CHANGES_REQUESTED" => Self::ChangesRequested,
            "COMMENTED" => Self::Commented,
            "DISMISSED" => Self::Dismissed,
            "PENDING" => Self::Pending,
            _ => return None,
        })
    }
}

/// One submitted review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    /// Reviewer login.
    pub reviewer: String,
    /// Reviewer's numeric id (logins can be renamed; ids cannot).
    pub reviewer_id: u64,
    /// Whether the reviewer is a bot account.
    pub is_bot: bool,
    /// State.
    pub state: ReviewState,
    /// Commit the review was made on (`None` if GitHub garbage-collected it).
    pub commit_id: Option<String>,
    /// `author_association`: OWNER, MEMBER, COLLABORATOR, ...
    pub association: String,
}

/// A pull request's reviews, in the chronological order the API returns.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PullRequestReviews {
    /// PR author's login: their own reviews never count.
    pub author: String,
    /// Head commit.
    pub head_sha: String,
    /// Every review, oldest first.
    pub reviews: Vec<Review>,
}

/// Where a check result came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckSource {
    /// The Checks API (`check-runs`).
    CheckRun,
    /// The commit Statuses API (`statuses`).
    Status,
}

/// One check run or commit status on the head commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckResult {
    /// Check-run name or status context.
    pub name: String,
    /// Check run or status.
    pub source: CheckSource,
    /// `queued`, `in_progress`, `completed` (check runs); statuses are completed unless `pending`.
    pub completed: bool,
    /// `success`, `failure`, `neutral`, `skipped`, `cancelled`, `timed_out`,
    /// `action_required`, `stale` for check runs; `success`, `failure`,
    /// `error`, `pending` for statuses.
    pub conclusion: Option<String>,
    /// When it started or was created (RFC 3339), to pick the latest.
    pub started_at: Option<String>,
    /// Numeric id, a tie-breaker for the latest.
    pub id: u64,
    /// Slug of the app that made the check run (`github-actions` for
    /// workflow jobs). `None` for commit statuses, which carry no app, and
    /// for a run whose app GitHub did not say.
    pub app: Option<String>,
    /// For a GitHub Actions job: the workflow file whose run it is a job of,
    /// repository-relative (`.github/workflows/ci.yml`, any `@ref` suffix
    /// removed; a workflow from another repository keeps its `OWNER/NAME/`
    /// prefix). `None` for other apps, for statuses, and for a check run the
    /// Actions app made through the API rather than as a job: GitHub files
    /// such a run under whichever workflow run of the commit it likes, so it
    /// proves nothing about its source.
    pub workflow: Option<String>,
}

impl CheckResult {
    /// Where it came from, for messages: the workflow file, the app, or
    /// "a commit status".
    #[must_use]
    pub fn origin(&self) -> String {
        match (self.source, self.app.as_deref(), self.workflow.as_deref()) {
            (CheckSource::Status, _, _) => "a commit status".to_owned(),
            (CheckSource::CheckRun, _, Some(workflow)) => workflow.to_owned(),
            (CheckSource::CheckRun, Some(GITHUB_ACTIONS), None) => {
                "github-actions outside any workflow job (made through the API)".to_owned()
            }
            (CheckSource::CheckRun, Some(app), None) => format!("app `{app}`"),
            (CheckSource::CheckRun, None, None) => "an app GitHub did not name".to_owned(),
        }
    }
}

/// The slug of GitHub Actions' app, the only app whose check runs can be
/// bound to a workflow file.
pub const GITHUB_ACTIONS: &str = "github-actions";

/// Every check result on one commit.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CommitChecks {
    /// The commit.
    pub sha: String,
    /// Check runs and statuses, any order.
    pub results: Vec<CheckResult>,
    /// Why the workflow files of GitHub Actions jobs are not known (the
    /// token may not read Actions), when they are not: a check bound to a
    /// workflow file then cannot be satisfied, and says why.
    pub workflows_unknown: Option<String>,
}
