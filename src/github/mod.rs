//! The only code in tollgate that talks HTTP to GitHub (issue #4).
//!
//! [`GitHubClient`] reads what the evaluator needs (pull request, reviews,
//! changed files, other checks and statuses, comments, file contents at a
//! commit, a release tag peeled to its commit and a branch's head), what the privileged judge needs (workflow runs, artifacts and
//! their zips, open pull requests; [`artifact`] unpacks a zip as hostile
//! input) and publishes the verdict as a check run that is never
//! duplicated ([`GitHubClient::publish_check_run`]). What it publishes is a
//! [`CheckRunPayload`], built by `report::github`, which owns GitHub's
//! limits; this module sends the payload's requests as they are. It is
//! blocking: it owns a current-thread tokio runtime and drives octocrab on
//! it, so the CLI stays synchronous. Do not call it from inside another
//! tokio runtime.
//!
//! The API base URL is passed in (from `GITHUB_API_URL`, so GitHub
//! Enterprise Server and the test suite's fake server work unchanged); this
//! module reads no environment variables. The token is a [`Token`], which
//! never prints. Transient failures are retried under a [`RetryPolicy`];
//! what is left is a [`GitHubError`], which the CLI reports as exit code 3,
//! except [`GitHubError::Forbidden`], the cue to fall back to
//! workflow-command annotations.
//!
//! ```no_run
//! use tollgate::github::{GitHubClient, RepoRef, RetryPolicy, Token};
//! use tollgate::report::github::{
//!     CheckAnnotation, CheckAnnotationLevel, CheckConclusion, CheckRunOutput, CheckRunPayload,
//! };
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let token = Token::new("ghs_example")?;
//! let gh = GitHubClient::new("https://api.github.com", &token, RetryPolicy::default())?;
//! let repo: RepoRef = "octo/widgets".parse()?;
//! let pr = gh.pull_request(&repo, 12)?;
//! let reviews = gh.review_evidence(&repo, 12)?; // for the evaluator
//! let checks = gh.commit_checks(&repo, &pr.head_sha)?;
//! let payload = CheckRunPayload::new(
//!     "tollgate/gate2",
//!     &pr.head_sha,
//!     CheckConclusion::Failure,
//!     CheckRunOutput::new(
//!         "gate2 failed: 1 of 9 rules",
//!         "| rule | status |\n|---|---|\n| coverage.patch | fail |",
//!         "Cover the changed lines.",
//!         vec![CheckAnnotation::new(
//!             "src/lib.rs",
//!             10,
//!             12,
//!             CheckAnnotationLevel::Warning,
//!             "coverage.patch: Uncovered changed lines",
//!             "changed lines not covered",
//!         )],
//!     ),
//! )?;
//! let published = gh.publish_check_run(&repo, &payload)?;
//! # let _ = (reviews, checks, published);
//! # Ok(())
//! # }
//! ```

mod actions;
pub mod artifact;
mod checks;
mod error;
mod evidence;
mod models;
mod refs;
mod retry;
mod token;
mod transport;

use base64::Engine as _;
use serde::de::DeserializeOwned;
use serde_json::Value;

pub use actions::Artifact;
pub use checks::PublishedCheckRun;
pub use error::GitHubError;
pub use evidence::{commit_checks, review_evidence};
pub use models::workflow_file;
pub use models::{
    ChangedFile, CheckRunId, CheckRunInfo, CheckStatus, CommitState, CommitStatus, Conclusion,
    FileStatus, IssueComment, PullRequestInfo, RepoRef, Review, ReviewState, WorkflowJob,
    WorkflowRun, PR_FILES_LIMIT,
};
pub use refs::{GitObject, PeeledTag, MAX_TAG_DEPTH};
pub use retry::RetryPolicy;
pub use token::Token;

use crate::report::github::CheckRunPayload;
use models::{
    WireCheckRun, WireComment, WireContent, WireFile, WireJob, WirePull, WireReview, WireStatus,
    WireWorkflowRun,
};
use transport::{encode, operation, unexpected, Budget, Method, Transport};

/// GitHub's API on github.com, for when `GITHUB_API_URL` is not set.
pub const DEFAULT_API_URL: &str = "https://api.github.com";

/// A blocking GitHub REST client for one API base URL and token.
pub struct GitHubClient {
    // Dropped before the runtime that drives it.
    transport: Transport,
    api_url: String,
    runtime: tokio::runtime::Runtime,
}

impl std::fmt::Debug for GitHubClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitHubClient")
            .field("api_url", &self.api_url)
            .field("token", &"<redacted>")
            .field("retry", &self.transport.policy)
            .finish_non_exhaustive()
    }
}

impl GitHubClient {
    /// A client for `api_url` (e.g. `https://api.github.com` or
    /// `https://ghe.example.com/api/v3`) authenticating with `token`
    /// (sent as `Authorization: Bearer`).
    pub fn new(api_url: &str, token: &Token, retry: RetryPolicy) -> Result<Self, GitHubError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| GitHubError::Setup(e.to_string()))?;
        // octocrab spawns its request buffer on the runtime it is built in.
        let transport = {
            let _guard = runtime.enter();
            Transport::new(api_url, token, retry)?
        };
        Ok(Self {
            api_url: transport.base().to_string(),
            transport,
            runtime,
        })
    }

    /// The API base URL in use.
    #[must_use]
    pub fn api_url(&self) -> &str {
        &self.api_url
    }

    fn get_one<W, T>(&self, uri: &str) -> Result<T, GitHubError>
    where
        W: DeserializeOwned + Into<T>,
    {
        self.runtime.block_on(async {
            let mut budget = Budget::start();
            let value = self.transport.get_json(&mut budget, uri).await?;
            decode::<W, T>(&operation(Method::Get, uri), value)
        })
    }

    fn get_list<W, T>(&self, uri: &str, key: Option<&str>) -> Result<Vec<T>, GitHubError>
    where
        W: DeserializeOwned + Into<T>,
    {
        self.runtime.block_on(async {
            let mut budget = Budget::start();
            let items = self.transport.get_all_pages(&mut budget, uri, key).await?;
            let op = operation(Method::Get, uri);
            items.into_iter().map(|v| decode::<W, T>(&op, v)).collect()
        })
    }

    /// The pull request: author, head and base commits, fork or not.
    pub fn pull_request(
        &self,
        repo: &RepoRef,
        number: u64,
    ) -> Result<PullRequestInfo, GitHubError> {
        self.get_one::<WirePull, _>(&format!("/repos/{repo}/pulls/{number}"))
    }

    /// Every review of the pull request (all pages), in GitHub's
    /// chronological order. Deciding which count is the evaluator's job.
    pub fn list_reviews(&self, repo: &RepoRef, number: u64) -> Result<Vec<Review>, GitHubError> {
        self.get_list::<WireReview, _>(
            &format!("/repos/{repo}/pulls/{number}/reviews?per_page=100"),
            None,
        )
    }

    /// The files the pull request changes (all pages). GitHub lists at most
    /// [`PR_FILES_LIMIT`] files and leaves `patch` out of some; compare with
    /// [`PullRequestInfo::changed_files`] and fall back to git when short.
    pub fn pr_files(&self, repo: &RepoRef, number: u64) -> Result<Vec<ChangedFile>, GitHubError> {
        self.get_list::<WireFile, _>(
            &format!("/repos/{repo}/pulls/{number}/files?per_page=100"),
            None,
        )
    }

    /// Every comment on the issue or pull request (all pages), oldest first.
    pub fn issue_comments(
        &self,
        repo: &RepoRef,
        number: u64,
    ) -> Result<Vec<IssueComment>, GitHubError> {
        self.get_list::<WireComment, _>(
            &format!("/repos/{repo}/issues/{number}/comments?per_page=100"),
            None,
        )
    }

    /// Every check run on `git_ref` (a sha, branch or tag) from every app,
    /// re-runs included (`filter=all`, all pages), newest first; the caller
    /// picks the latest per name. tollgate's own run is included too: the
    /// caller skips it by name.
    pub fn check_runs_for_ref(
        &self,
        repo: &RepoRef,
        git_ref: &str,
    ) -> Result<Vec<CheckRunInfo>, GitHubError> {
        self.runtime.block_on(async {
            let mut budget = Budget::start();
            self.transport
                .list_check_runs(&mut budget, repo, git_ref, None, true)
                .await
        })
    }

    /// One check run by id.
    pub fn check_run(&self, repo: &RepoRef, id: CheckRunId) -> Result<CheckRunInfo, GitHubError> {
        self.get_one::<WireCheckRun, _>(&format!("/repos/{repo}/check-runs/{id}"))
    }

    /// The latest commit status of each context on `git_ref` (GitHub's
    /// combined status, all pages).
    pub fn statuses_for_ref(
        &self,
        repo: &RepoRef,
        git_ref: &str,
    ) -> Result<Vec<CommitStatus>, GitHubError> {
        self.get_list::<WireStatus, _>(
            &format!(
                "/repos/{repo}/commits/{}/status?per_page=100",
                encode(git_ref)
            ),
            Some("statuses"),
        )
    }

    /// Every GitHub Actions workflow run on the commit `sha` (all pages;
    /// GitHub lists at most 1,000 for one commit), newest first.
    pub fn workflow_runs_for_sha(
        &self,
        repo: &RepoRef,
        sha: &str,
    ) -> Result<Vec<WorkflowRun>, GitHubError> {
        self.get_list::<WireWorkflowRun, _>(
            &format!(
                "/repos/{repo}/actions/runs?head_sha={}&per_page=100",
                encode(sha)
            ),
            Some("workflow_runs"),
        )
    }

    /// Every job of a workflow run, earlier attempts included
    /// (`filter=all`, all pages).
    pub fn workflow_run_jobs(
        &self,
        repo: &RepoRef,
        run_id: u64,
    ) -> Result<Vec<WorkflowJob>, GitHubError> {
        self.get_list::<WireJob, _>(
            &format!("/repos/{repo}/actions/runs/{run_id}/jobs?filter=all&per_page=100"),
            Some("jobs"),
        )
    }

    /// The bytes of the file at `path` in `git_ref`, or `None` if there is
    /// no such file there (used to read policies from the base commit when
    /// git does not have it). Files over 1 MB are refused: the contents API
    /// does not inline them.
    pub fn file_contents(
        &self,
        repo: &RepoRef,
        path: &str,
        git_ref: &str,
    ) -> Result<Option<Vec<u8>>, GitHubError> {
        let encoded_path: Vec<String> = path
            .trim_start_matches('/')
            .split('/')
            .map(encode)
            .collect();
        let uri = format!(
            "/repos/{repo}/contents/{}?ref={}",
            encoded_path.join("/"),
            encode(git_ref)
        );
        let op = operation(Method::Get, &uri);
        let value = self.runtime.block_on(async {
            let mut budget = Budget::start();
            self.transport.get_json(&mut budget, &uri).await
        });
        let value = match value {
            Ok(v) => v,
            Err(GitHubError::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        decode_contents(&op, path, value).map(Some)
    }

    /// The pull request's reviews in the evaluator's model: the pull
    /// request (author, head) and all pages of its reviews.
    pub fn review_evidence(
        &self,
        repo: &RepoRef,
        number: u64,
    ) -> Result<crate::evidence::github::PullRequestReviews, GitHubError> {
        let pr = self.pull_request(repo, number)?;
        let reviews = self.list_reviews(repo, number)?;
        Ok(review_evidence(&pr, &reviews))
    }

    /// Every check run and the latest commit status of each context on
    /// `sha`, in the evaluator's model, each GitHub Actions job with the
    /// workflow file it ran from (so a required check bound to a workflow
    /// is not satisfied by a same-named job elsewhere). That costs the
    /// workflow runs of the commit and the jobs of each run holding an
    /// Actions check run, only when there are Actions check runs at all.
    pub fn commit_checks(
        &self,
        repo: &RepoRef,
        sha: &str,
    ) -> Result<crate::evidence::github::CommitChecks, GitHubError> {
        let runs = self.check_runs_for_ref(repo, sha)?;
        let statuses = self.statuses_for_ref(repo, sha)?;
        let actions_suites: std::collections::BTreeSet<u64> = runs
            .iter()
            .filter(|r| r.app_slug.as_deref() == Some(crate::evidence::github::GITHUB_ACTIONS))
            .filter_map(|r| r.check_suite_id)
            .collect();
        let (mut workflows, mut jobs) = (Vec::new(), Vec::new());
        let mut unknown = None;
        if !actions_suites.is_empty() {
            // A token without `actions: read` cannot list workflow runs:
            // that leaves only workflow-bound checks unsatisfied (they say
            // why), not the whole evaluation.
            let listed = self.workflow_runs_for_sha(repo, sha).and_then(|w| {
                let mut found = Vec::new();
                for run in &w {
                    if run
                        .check_suite_id
                        .is_some_and(|s| actions_suites.contains(&s))
                    {
                        found.extend(self.workflow_run_jobs(repo, run.id)?);
                    }
                }
                Ok((w, found))
            });
            match listed {
                Ok((w, j)) => (workflows, jobs) = (w, j),
                Err(e @ GitHubError::Forbidden { .. }) => {
                    unknown = Some(format!(
                        "the workflow runs of {sha} could not be read ({e}); the token needs `actions: read`"
                    ));
                }
                Err(e) => return Err(e),
            }
        }
        let mut checks = commit_checks(repo, sha, &runs, &statuses, &workflows, &jobs);
        checks.workflows_unknown = unknown;
        Ok(checks)
    }

    /// Publishes the check run [`CheckRunPayload::name`] on
    /// [`CheckRunPayload::head_sha`] (the pull request's head commit, not
    /// the merge commit): updates our run of that name on that commit (by
    /// external id, else the newest), or creates one, never a duplicate,
    /// even when a create fails behind a 5xx. Annotations go 50 per request,
    /// and those the run already holds are not sent again.
    ///
    /// A read-only token yields [`GitHubError::Forbidden`].
    pub fn publish_check_run(
        &self,
        repo: &RepoRef,
        payload: &CheckRunPayload,
    ) -> Result<PublishedCheckRun, GitHubError> {
        self.runtime.block_on(self.transport.publish(repo, payload))
    }
}

/// The bytes of a contents API response `value` for the file at `path`:
/// refused when it is a directory, not a file, not inlined or not base64.
fn decode_contents(op: &str, path: &str, value: Value) -> Result<Vec<u8>, GitHubError> {
    if value.is_array() {
        return Err(unexpected(op, &format!("{path} is a directory")));
    }
    let content: WireContent = decode::<WireContent, WireContent>(op, value)?;
    if content.kind != "file" {
        return Err(unexpected(
            op,
            &format!("{path} is a {}, not a file", content.kind),
        ));
    }
    match content.encoding.as_deref() {
        Some("base64") => {}
        Some("none") => {
            return Err(unexpected(
                op,
                &format!("{path} is over 1 MB; the contents API does not inline it"),
            ))
        }
        other => return Err(unexpected(op, &format!("unknown encoding {other:?}"))),
    }
    let text: String = content
        .content
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|e| unexpected(op, &format!("invalid base64 content: {e}")))
}

fn decode<W, T>(op: &str, value: Value) -> Result<T, GitHubError>
where
    W: DeserializeOwned + Into<T>,
{
    serde_json::from_value::<W>(value)
        .map(Into::into)
        .map_err(|e| unexpected(op, &format!("unexpected shape: {e}")))
}

/// Entry points for the fuzz targets in `fuzz/` (docs/fuzzing.md): GitHub's
/// responses are outside input, and the wire shapes that decode them are
/// private. Not a supported API; it may change without notice.
#[doc(hidden)]
pub mod fuzzing {
    use http::header::{HeaderMap, HeaderValue, LINK};

    use super::actions::WireArtifact;
    use super::models::{
        WireCheckRun, WireComment, WireFile, WireJob, WirePull, WireReview, WireStatus,
        WireWorkflowRun,
    };
    use super::transport::next_link;
    use super::{decode, decode_contents, Artifact, GitObject};
    use super::{
        ChangedFile, CheckRunInfo, CommitStatus, IssueComment, PullRequestInfo, Review,
        WorkflowJob, WorkflowRun,
    };

    /// Reads `body` as a response body the way the client does (JSON, then
    /// each wire shape tollgate decodes: pull request, review, PR file,
    /// check run, status, workflow run, job, comment, artifact, git object,
    /// file contents), and `link` as a `Link` header; returns how many
    /// shapes accepted the body. Every failure is an error value, never a
    /// panic.
    #[must_use]
    pub fn decode_responses(body: &str, link: &str) -> usize {
        let op = "GET /fuzz";
        let mut accepted = 0;
        // The client reads a 2xx body as one JSON value (`transport`).
        if let Ok(value) = serde_json::from_str::<serde_json::Value>(body) {
            let results = [
                decode::<WirePull, PullRequestInfo>(op, value.clone()).is_ok(),
                decode::<WireReview, Review>(op, value.clone()).is_ok(),
                decode::<WireFile, ChangedFile>(op, value.clone()).is_ok(),
                decode::<WireCheckRun, CheckRunInfo>(op, value.clone()).is_ok(),
                decode::<WireStatus, CommitStatus>(op, value.clone()).is_ok(),
                decode::<WireWorkflowRun, WorkflowRun>(op, value.clone()).is_ok(),
                decode::<WireJob, WorkflowJob>(op, value.clone()).is_ok(),
                decode::<WireComment, IssueComment>(op, value.clone()).is_ok(),
                decode::<WireArtifact, Artifact>(op, value.clone()).is_ok(),
                decode::<GitObject, GitObject>(op, value.clone()).is_ok(),
                decode_contents(op, "fuzz", value).is_ok(),
            ];
            accepted = results.into_iter().filter(|&ok| ok).count();
        }
        if let Ok(value) = HeaderValue::from_str(link) {
            let mut headers = HeaderMap::new();
            headers.insert(LINK, value);
            let _ = next_link(&headers);
        }
        accepted
    }
}
