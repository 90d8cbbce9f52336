//! What the client returns: small, owned views of GitHub's responses with
//! only the fields tollgate judges by, parsed leniently (unknown enum values
//! are kept as `Other`, so a new GitHub state fails closed in the evaluator
//! instead of failing the parse).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::error::GitHubError;

/// A repository, `OWNER/NAME`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RepoRef {
    owner: String,
    name: String,
}

impl RepoRef {
    /// The owner (user or organisation).
    #[must_use]
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// The repository name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl FromStr for RepoRef {
    type Err = GitHubError;

    /// Parses `OWNER/NAME` (as in `GITHUB_REPOSITORY`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let valid = |part: &str| {
            !part.is_empty()
                && part != "."
                && part != ".."
                && part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        };
        match s.split_once('/') {
            Some((owner, name)) if valid(owner) && valid(name) => Ok(Self {
                owner: owner.to_owned(),
                name: name.to_owned(),
            }),
            _ => Err(GitHubError::InvalidRepository(s.to_owned())),
        }
    }
}

impl fmt::Display for RepoRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

/// The id of a check run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CheckRunId(pub u64);

impl fmt::Display for CheckRunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

macro_rules! string_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal,)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)*
            /// A value this version of tollgate does not know.
            Other(String),
        }

        impl $name {
            /// GitHub's spelling of the value.
            #[must_use]
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $text,)*
                    Self::Other(s) => s,
                }
            }

            /// Parses GitHub's spelling, in either case (REST uses upper
            /// case for reviews, webhooks lower case).
            #[must_use]
            pub fn parse(s: &str) -> Self {
                $(if s.eq_ignore_ascii_case($text) { return Self::$variant; })*
                Self::Other(s.to_owned())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum! {
    /// The state of a pull-request review.
    ReviewState {
        /// `APPROVED`.
        Approved = "APPROVED",
        /// `CHANGES_REQUESTED`.
        ChangesRequested = "CHANGES_REQUESTED",
        /// `COMMENTED`.
        Commented = "COMMENTED",
        /// `DISMISSED` (GitHub rewrites a dismissed review's state).
        Dismissed = "DISMISSED",
        /// `PENDING` (not submitted).
        Pending = "PENDING",
    }
}

string_enum! {
    /// How a file changed in a pull request.
    FileStatus {
        /// `added`.
        Added = "added",
        /// `removed`.
        Removed = "removed",
        /// `modified`.
        Modified = "modified",
        /// `renamed`.
        Renamed = "renamed",
        /// `copied`.
        Copied = "copied",
        /// `changed`.
        Changed = "changed",
        /// `unchanged`.
        Unchanged = "unchanged",
    }
}

string_enum! {
    /// The progress of a check run.
    CheckStatus {
        /// `queued`.
        Queued = "queued",
        /// `in_progress`.
        InProgress = "in_progress",
        /// `completed`.
        Completed = "completed",
        /// `waiting` (Actions only).
        Waiting = "waiting",
        /// `requested` (Actions only).
        Requested = "requested",
        /// `pending` (Actions only).
        Pending = "pending",
    }
}

string_enum! {
    /// The conclusion of a completed check run, as GitHub lists any app's
    /// runs (read side only: what tollgate sends is
    /// `report::github::CheckConclusion`).
    Conclusion {
        /// `success`.
        Success = "success",
        /// `failure`.
        Failure = "failure",
        /// `neutral`.
        Neutral = "neutral",
        /// `cancelled`.
        Cancelled = "cancelled",
        /// `skipped`.
        Skipped = "skipped",
        /// `timed_out`.
        TimedOut = "timed_out",
        /// `action_required`.
        ActionRequired = "action_required",
        /// `stale` (set by GitHub only).
        Stale = "stale",
    }
}

string_enum! {
    /// The state of a commit status.
    CommitState {
        /// `error`.
        Error = "error",
        /// `failure`.
        Failure = "failure",
        /// `pending`.
        Pending = "pending",
        /// `success`.
        Success = "success",
    }
}

/// One pull-request review, as listed (chronologically) by GitHub.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    /// Review id.
    pub id: u64,
    /// Reviewer login; `None` for a deleted account.
    pub user_login: Option<String>,
    /// Reviewer id (stable across renames: count reviewers by this).
    pub user_id: Option<u64>,
    /// Whether the reviewer is a bot (`type: Bot` or a `[bot]` login).
    pub is_bot: bool,
    /// The review's state.
    pub state: ReviewState,
    /// The commit reviewed; `None` when GitHub no longer has it.
    pub commit_id: Option<String>,
    /// `OWNER`, `MEMBER`, `COLLABORATOR`, `CONTRIBUTOR`, … (not a permission level).
    pub author_association: String,
    /// Submission time; `None` for a pending review.
    pub submitted_at: Option<DateTime<Utc>>,
}

/// What tollgate needs to know about a pull request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequestInfo {
    /// The number.
    pub number: u64,
    /// `open` or `closed`.
    pub state: String,
    /// Author login; `None` for a deleted account.
    pub author_login: Option<String>,
    /// Author id.
    pub author_id: Option<u64>,
    /// Whether the author is a bot.
    pub author_is_bot: bool,
    /// Head commit (the commit to report on; not the merge commit).
    pub head_sha: String,
    /// Head branch name.
    pub head_ref: String,
    /// `OWNER/NAME` of the head repository; `None` if it was deleted.
    pub head_repo: Option<String>,
    /// Base commit (the tip of the base branch when the PR was last updated).
    pub base_sha: String,
    /// Base branch name.
    pub base_ref: String,
    /// Whether the head lives in another repository (a fork, or deleted).
    pub is_fork: bool,
    /// Whether the pull request is a draft.
    pub draft: bool,
    /// Number of changed files; compare with [`PR_FILES_LIMIT`] to know
    /// whether the files API could list them all.
    pub changed_files: Option<u64>,
}

/// The most files GitHub's pull-request files API returns.
pub const PR_FILES_LIMIT: usize = 3000;

/// A file changed by a pull request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedFile {
    /// Path in the head commit.
    pub path: String,
    /// Path in the base for a rename or copy.
    pub previous_path: Option<String>,
    /// How it changed.
    pub status: FileStatus,
    /// Added lines.
    pub additions: u64,
    /// Deleted lines.
    pub deletions: u64,
    /// The unified diff hunks; `None` when GitHub leaves it out (binary or
    /// very large diffs), so the caller must fall back to git.
    pub patch: Option<String>,
}

/// A check run on a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckRunInfo {
    /// Its id.
    pub id: CheckRunId,
    /// Check name, e.g. `ci / test`.
    pub name: String,
    /// The commit.
    pub head_sha: String,
    /// Progress.
    pub status: CheckStatus,
    /// Conclusion once completed.
    pub conclusion: Option<Conclusion>,
    /// Slug of the app that created it (`github-actions` for workflows).
    pub app_slug: Option<String>,
    /// Id of that app.
    pub app_id: Option<u64>,
    /// The check suite it belongs to (for GitHub Actions, one suite per
    /// workflow run: [`WorkflowRun::check_suite_id`]).
    pub check_suite_id: Option<u64>,
    /// The creator's own reference.
    pub external_id: Option<String>,
    /// Link to details.
    pub details_url: Option<String>,
    /// Link to the run on github.com.
    pub html_url: Option<String>,
    /// Start time.
    pub started_at: Option<DateTime<Utc>>,
    /// Completion time.
    pub completed_at: Option<DateTime<Utc>>,
    /// Annotations stored on the run.
    pub annotations_count: u64,
}

/// One run of a GitHub Actions workflow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowRun {
    /// Its id.
    pub id: u64,
    /// The workflow's name.
    pub name: Option<String>,
    /// The workflow file as GitHub reports it: `.github/workflows/ci.yml`,
    /// possibly with an `@REF` suffix or an `OWNER/NAME/` prefix (see
    /// [`workflow_file`]), or `dynamic/…` for GitHub's own dynamic workflows.
    pub path: String,
    /// The check suite that holds its jobs' check runs.
    pub check_suite_id: Option<u64>,
    /// The commit it ran on.
    pub head_sha: String,
    /// The event that started it (`pull_request`, `push`, …).
    pub event: String,
    /// The branch it ran for (a push's branch; a pull request's head branch).
    pub head_branch: Option<String>,
    /// Progress.
    pub status: CheckStatus,
    /// Conclusion once completed.
    pub conclusion: Option<Conclusion>,
    /// Attempt number (1, or more after a re-run).
    pub run_attempt: Option<u64>,
    /// Link to it on github.com.
    pub html_url: Option<String>,
    /// When it was created (the newest run of a workflow is the one to use).
    pub created_at: Option<DateTime<Utc>>,
    /// When it was last updated.
    pub updated_at: Option<DateTime<Utc>>,
}

/// One job of a workflow run. Jobs are made only by GitHub Actions itself,
/// which is what makes them proof of where a check run came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowJob {
    /// Its id.
    pub id: u64,
    /// The workflow run it belongs to.
    pub run_id: u64,
    /// Job name (what its check run is called).
    pub name: String,
    /// The check run that reports it: taken from `check_run_url`, else the
    /// job id (GitHub gives a job's check run the job's id).
    pub check_run_id: CheckRunId,
}

/// The repository-relative workflow file of a workflow run's `path` in
/// `repo`: the `@REF` suffix is dropped, and so is an `OWNER/NAME/` prefix
/// naming `repo` itself. A workflow of another repository (an organisation's
/// required workflow) keeps its prefix, so it never equals a local file; a
/// path outside `.github/workflows/` (GitHub's `dynamic/…`) is returned as
/// it is, without the suffix.
#[must_use]
pub fn workflow_file(path: &str, repo: &RepoRef) -> String {
    const DIR: &str = ".github/workflows/";
    let Some(at) = path.find(DIR) else {
        return path.split('@').next().unwrap_or(path).to_owned();
    };
    let (prefix, rest) = path.split_at(at);
    let file = rest.split('@').next().unwrap_or(rest);
    let local = prefix.is_empty()
        || prefix
            .strip_suffix('/')
            .is_some_and(|p| p.eq_ignore_ascii_case(&repo.to_string()));
    if local {
        file.to_owned()
    } else {
        format!("{prefix}{file}")
    }
}

/// The latest commit status of one context on a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitStatus {
    /// Status id.
    pub id: u64,
    /// The context label (GitHub compares it case-insensitively).
    pub context: String,
    /// The state.
    pub state: CommitState,
    /// Short description.
    pub description: Option<String>,
    /// Link.
    pub target_url: Option<String>,
    /// Creation time.
    pub created_at: Option<DateTime<Utc>>,
    /// Last update.
    pub updated_at: Option<DateTime<Utc>>,
}

/// A comment on an issue or pull request (where overrides may be posted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueComment {
    /// Comment id.
    pub id: u64,
    /// Commenter login; `None` for a deleted account.
    pub user_login: Option<String>,
    /// Commenter id.
    pub user_id: Option<u64>,
    /// Whether the commenter is a bot.
    pub is_bot: bool,
    /// `OWNER`, `MEMBER`, …
    pub author_association: String,
    /// The Markdown body, exactly as stored.
    pub body: String,
    /// The comment's web address (for reports).
    pub html_url: Option<String>,
    /// Creation time.
    pub created_at: Option<DateTime<Utc>>,
    /// Last edit.
    pub updated_at: Option<DateTime<Utc>>,
}

// ---- wire shapes (GitHub's JSON, only the fields we read) -----------------

fn timestamp(s: Option<&str>) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s?)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[derive(Deserialize)]
pub(crate) struct WireUser {
    login: String,
    id: u64,
    #[serde(rename = "type", default)]
    kind: Option<String>,
}

impl WireUser {
    fn is_bot(&self) -> bool {
        self.kind.as_deref() == Some("Bot") || self.login.ends_with("[bot]")
    }
}

fn user_parts(user: Option<&WireUser>) -> (Option<String>, Option<u64>, bool) {
    user.map_or((None, None, false), |u| {
        (Some(u.login.clone()), Some(u.id), u.is_bot())
    })
}

#[derive(Deserialize)]
pub(crate) struct WireReview {
    id: u64,
    user: Option<WireUser>,
    state: String,
    commit_id: Option<String>,
    author_association: Option<String>,
    submitted_at: Option<String>,
}

impl From<WireReview> for Review {
    fn from(w: WireReview) -> Self {
        let (user_login, user_id, is_bot) = user_parts(w.user.as_ref());
        Self {
            id: w.id,
            user_login,
            user_id,
            is_bot,
            state: ReviewState::parse(&w.state),
            commit_id: w.commit_id,
            author_association: w.author_association.unwrap_or_default(),
            submitted_at: timestamp(w.submitted_at.as_deref()),
        }
    }
}

#[derive(Deserialize)]
struct WireRepo {
    full_name: String,
}

#[derive(Deserialize)]
struct WireBranch {
    sha: String,
    #[serde(rename = "ref")]
    git_ref: String,
    repo: Option<WireRepo>,
}

#[derive(Deserialize)]
pub(crate) struct WirePull {
    number: u64,
    state: String,
    user: Option<WireUser>,
    #[serde(default)]
    draft: Option<bool>,
    head: WireBranch,
    base: WireBranch,
    #[serde(default)]
    changed_files: Option<u64>,
}

impl From<WirePull> for PullRequestInfo {
    fn from(w: WirePull) -> Self {
        let (author_login, author_id, author_is_bot) = user_parts(w.user.as_ref());
        let head_repo = w.head.repo.map(|r| r.full_name);
        let base_repo = w.base.repo.map(|r| r.full_name);
        let is_fork = match (&head_repo, &base_repo) {
            (Some(h), Some(b)) => !h.eq_ignore_ascii_case(b),
            // The head repository was deleted: it was a fork.
            _ => true,
        };
        Self {
            number: w.number,
            state: w.state,
            author_login,
            author_id,
            author_is_bot,
            head_sha: w.head.sha,
            head_ref: w.head.git_ref,
            head_repo,
            base_sha: w.base.sha,
            base_ref: w.base.git_ref,
            is_fork,
            draft: w.draft.unwrap_or(false),
            changed_files: w.changed_files,
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct WireFile {
    filename: String,
    status: String,
    #[serde(default)]
    additions: u64,
    #[serde(default)]
    deletions: u64,
    patch: Option<String>,
    previous_filename: Option<String>,
}

impl From<WireFile> for ChangedFile {
    fn from(w: WireFile) -> Self {
        Self {
            path: w.filename,
            previous_path: w.previous_filename,
            status: FileStatus::parse(&w.status),
            additions: w.additions,
            deletions: w.deletions,
            patch: w.patch,
        }
    }
}

#[derive(Deserialize)]
struct WireApp {
    id: Option<u64>,
    slug: Option<String>,
}

#[derive(Deserialize)]
struct WireSuite {
    id: Option<u64>,
}

#[derive(Deserialize)]
struct WireOutput {
    #[serde(default)]
    annotations_count: Option<u64>,
}

#[derive(Deserialize)]
pub(crate) struct WireCheckRun {
    id: u64,
    name: String,
    head_sha: String,
    status: String,
    conclusion: Option<String>,
    external_id: Option<String>,
    details_url: Option<String>,
    html_url: Option<String>,
    started_at: Option<String>,
    completed_at: Option<String>,
    app: Option<WireApp>,
    #[serde(default)]
    check_suite: Option<WireSuite>,
    output: Option<WireOutput>,
}

impl From<WireCheckRun> for CheckRunInfo {
    fn from(w: WireCheckRun) -> Self {
        Self {
            id: CheckRunId(w.id),
            name: w.name,
            head_sha: w.head_sha,
            status: CheckStatus::parse(&w.status),
            conclusion: w.conclusion.as_deref().map(Conclusion::parse),
            app_slug: w.app.as_ref().and_then(|a| a.slug.clone()),
            app_id: w.app.as_ref().and_then(|a| a.id),
            check_suite_id: w.check_suite.and_then(|s| s.id),
            external_id: w.external_id.filter(|e| !e.is_empty()),
            details_url: w.details_url,
            html_url: w.html_url,
            started_at: timestamp(w.started_at.as_deref()),
            completed_at: timestamp(w.completed_at.as_deref()),
            annotations_count: w
                .output
                .and_then(|o| o.annotations_count)
                .unwrap_or_default(),
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct WireWorkflowRun {
    id: u64,
    name: Option<String>,
    path: String,
    check_suite_id: Option<u64>,
    head_sha: String,
    #[serde(default)]
    event: String,
    #[serde(default)]
    head_branch: Option<String>,
    status: Option<String>,
    conclusion: Option<String>,
    run_attempt: Option<u64>,
    html_url: Option<String>,
    created_at: Option<String>,
    updated_at: Option<String>,
}

impl From<WireWorkflowRun> for WorkflowRun {
    fn from(w: WireWorkflowRun) -> Self {
        Self {
            id: w.id,
            name: w.name,
            path: w.path,
            check_suite_id: w.check_suite_id,
            head_sha: w.head_sha,
            event: w.event,
            head_branch: w.head_branch,
            status: CheckStatus::parse(w.status.as_deref().unwrap_or("queued")),
            conclusion: w.conclusion.as_deref().map(Conclusion::parse),
            run_attempt: w.run_attempt,
            html_url: w.html_url,
            created_at: timestamp(w.created_at.as_deref()),
            updated_at: timestamp(w.updated_at.as_deref()),
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct WireJob {
    id: u64,
    run_id: u64,
    name: String,
    check_run_url: Option<String>,
}

impl From<WireJob> for WorkflowJob {
    fn from(w: WireJob) -> Self {
        let from_url = w
            .check_run_url
            .as_deref()
            .and_then(|u| u.rsplit_once("/check-runs/"))
            .and_then(|(_, id)| id.parse().ok());
        Self {
            id: w.id,
            run_id: w.run_id,
            name: w.name,
            check_run_id: CheckRunId(from_url.unwrap_or(w.id)),
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct WireStatus {
    #[serde(default)]
    id: u64,
    context: String,
    state: String,
    description: Option<String>,
    target_url: Option<String>,
    created_at: Option<String>,
    updated_at: Option<String>,
}

impl From<WireStatus> for CommitStatus {
    fn from(w: WireStatus) -> Self {
        Self {
            id: w.id,
            context: w.context,
            state: CommitState::parse(&w.state),
            description: w.description,
            target_url: w.target_url,
            created_at: timestamp(w.created_at.as_deref()),
            updated_at: timestamp(w.updated_at.as_deref()),
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct WireComment {
    id: u64,
    user: Option<WireUser>,
    body: Option<String>,
    html_url: Option<String>,
    author_association: Option<String>,
    created_at: Option<String>,
    updated_at: Option<String>,
}

impl From<WireComment> for IssueComment {
    fn from(w: WireComment) -> Self {
        let (user_login, user_id, is_bot) = user_parts(w.user.as_ref());
        Self {
            id: w.id,
            user_login,
            user_id,
            is_bot,
            author_association: w.author_association.unwrap_or_default(),
            body: w.body.unwrap_or_default(),
            html_url: w.html_url,
            created_at: timestamp(w.created_at.as_deref()),
            updated_at: timestamp(w.updated_at.as_deref()),
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct WireContent {
    #[serde(rename = "type")]
    pub(crate) kind: String,
    pub(crate) encoding: Option<String>,
    pub(crate) content: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_ref_parses_owner_and_name() {
        let r: RepoRef = "octo-org/hello.world_2".parse().unwrap();
        assert_eq!(r.owner(), "octo-org");
        assert_eq!(r.name(), "hello.world_2");
        assert_eq!(r.to_string(), "octo-org/hello.world_2");
        for bad in ["", "x", "a/b/c", "/b", "a/", "a b/c", "a/..", "a/b?c"] {
            assert!(bad.parse::<RepoRef>().is_err(), "{bad}");
        }
    }

    #[test]
    fn enums_parse_either_case_and_keep_unknowns() {
        assert_eq!(ReviewState::parse("approved"), ReviewState::Approved);
        assert_eq!(
            ReviewState::parse("CHANGES_REQUESTED"),
            ReviewState::ChangesRequested
        );
        assert_eq!(
            ReviewState::parse("SUPERSEDED"),
            ReviewState::Other("SUPERSEDED".into())
        );
        assert_eq!(Conclusion::TimedOut.as_str(), "timed_out");
        assert_eq!(
            Conclusion::parse("startup_failure").as_str(),
            "startup_failure"
        );
    }

    #[test]
    fn openapi_review_example_parses() {
        let json = include_str!(
            "../../tests/integration/support/fake_github/examples/pull-request-review.json"
        );
        let review: Review = serde_json::from_str::<WireReview>(json).unwrap().into();
        assert_eq!(review.state, ReviewState::ChangesRequested);
        assert_eq!(review.user_login.as_deref(), Some("octocat"));
        assert!(!review.is_bot);
        assert!(review.submitted_at.is_some());
    }

    #[test]
    fn openapi_pull_request_example_parses() {
        let json =
            include_str!("../../tests/integration/support/fake_github/examples/pull-request.json");
        let pr: PullRequestInfo = serde_json::from_str::<WirePull>(json).unwrap().into();
        assert_eq!(pr.number, 1347);
        assert_eq!(pr.head_sha.len(), 40);
        assert!(!pr.is_fork);
    }

    #[test]
    fn openapi_check_run_example_parses() {
        let json =
            include_str!("../../tests/integration/support/fake_github/examples/check-run.json");
        let run: CheckRunInfo = serde_json::from_str::<WireCheckRun>(json).unwrap().into();
        assert_eq!(run.name, "mighty_readme");
        assert_eq!(run.status, CheckStatus::Completed);
        assert_eq!(run.conclusion, Some(Conclusion::Neutral));
        assert_eq!(run.app_slug.as_deref(), Some("octoapp"));
        assert_eq!(run.annotations_count, 2);
        assert_eq!(run.external_id, None);
        assert_eq!(run.check_suite_id, Some(5));
    }

    #[test]
    fn openapi_workflow_run_and_job_examples_parse() {
        let json =
            include_str!("../../tests/integration/support/fake_github/examples/workflow-run.json");
        let run: WorkflowRun = serde_json::from_str::<WireWorkflowRun>(json)
            .unwrap()
            .into();
        assert_eq!(run.check_suite_id, Some(42));
        assert_eq!(run.path, ".github/workflows/build.yml@main");
        assert_eq!(run.status, CheckStatus::Queued);
        let json = include_str!("../../tests/integration/support/fake_github/examples/job.json");
        let job: WorkflowJob = serde_json::from_str::<WireJob>(json).unwrap().into();
        assert_eq!(job.check_run_id, CheckRunId(399_444_496));
        assert_eq!(job.run_id, 29_679_449);
    }

    #[test]
    fn workflow_paths_become_repository_relative_files() {
        let repo: RepoRef = "octocat/octo-repo".parse().unwrap();
        for (path, file) in [
            (".github/workflows/ci.yml", ".github/workflows/ci.yml"),
            (
                ".github/workflows/build.yml@main",
                ".github/workflows/build.yml",
            ),
            (
                "octocat/octo-repo/.github/workflows/ci.yml@refs/heads/main",
                ".github/workflows/ci.yml",
            ),
            (
                "Octocat/Octo-Repo/.github/workflows/ci.yml@main",
                ".github/workflows/ci.yml",
            ),
            (
                "octo-org/shared/.github/workflows/ci.yml@v1",
                "octo-org/shared/.github/workflows/ci.yml",
            ),
            (
                "dynamic/github-code-scanning/codeql",
                "dynamic/github-code-scanning/codeql",
            ),
        ] {
            assert_eq!(workflow_file(path, &repo), file, "{path}");
        }
    }
}
