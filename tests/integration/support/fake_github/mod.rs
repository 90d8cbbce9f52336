//! A fake GitHub REST API for the test suite (issue #4).
//!
//! A real HTTP server on `127.0.0.1` (random port, its own threads) that keeps
//! state the way GitHub does: check runs (created, updated, annotations
//! appended, listed for a ref), commit statuses (and the combined status),
//! pull requests with their reviews, files and comments, file contents, and
//! Git refs and annotated tag objects (`git.rs`), and
//! GitHub Actions workflow runs with their jobs (each job a check run filed
//! under its run's check suite; a check run the Actions app makes through
//! the API is filed under the commit's first workflow run, as GitHub does).
//! Routes answer under both the root (`http://127.0.0.1:PORT/repos/…`, like
//! api.github.com) and `/api/v3` (like GitHub Enterprise Server), so the
//! client can be pointed at either through `GITHUB_API_URL`.
//!
//! Shapes follow GitHub's `OpenAPI` description (npm `@octokit/openapi` 23.0.2):
//! every response starts from one of its example bodies in `examples/` and
//! overwrites the fields the fake keeps state for. GitHub's limits are
//! enforced with GitHub's error shapes: more than 50 annotations in one
//! request, a summary or text over 65,535 bytes, a status description over
//! 140 characters and missing required fields are `422 Validation Failed`;
//! unknown resources are `404`; a missing or unknown token is `401`; a
//! read-only (fork) token gets `403 Resource not accessible by integration`
//! on every write.
//!
//! Tests seed state ([`FakeGitHub::add_pull_request`], [`FakeGitHub::add_review`],
//! …), inject faults ([`FakeGitHub::inject`]: 5xx before or after the write,
//! 429 and secondary rate limits with `Retry-After`, an exhausted primary
//! rate limit, slow responses, and, on the TCP front, reset connections and
//! bodies cut short), and read back what GitHub would hold
//! ([`FakeGitHub::check_runs`], [`FakeGitHub::statuses`]) and every request
//! that reached it ([`FakeGitHub::requests`], secrets redacted).

mod actions;
mod git;
mod releases;
mod routes;
mod server;
mod state;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

pub use state::{CheckRun, StatusRecord, WorkflowRunRecord};
use state::{FaultRule, State, TokenInfo};

/// The token every fake server accepts with write access (an Actions
/// `GITHUB_TOKEN` on a same-repository pull request).
pub const WRITE_TOKEN: &str = "ghs_FakeWriteToken0123456789abcdefABCDEF";
/// The token every fake server accepts with read access only (an Actions
/// `GITHUB_TOKEN` on a pull request from a fork).
pub const READ_ONLY_TOKEN: &str = "ghs_FakeReadOnlyToken0123456789abcdefAB";
/// The app that check runs created with the built-in tokens belong to.
pub const ACTIONS_APP_SLUG: &str = "github-actions";
/// The id of [`ACTIONS_APP_SLUG`] on github.com.
pub const ACTIONS_APP_ID: u64 = 15368;

/// A fault the server injects into matching requests (see [`FakeGitHub::inject`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this status before the request is processed: nothing changes.
    Status(u16),
    /// Process the request as usual (a POST creates, a PATCH appends), then
    /// answer with this status instead: the client cannot tell it worked.
    StatusAfterWrite(u16),
    /// `429 Too Many Requests` with `Retry-After: retry_after` (seconds).
    TooManyRequests {
        /// Seconds the client is asked to wait.
        retry_after: u64,
    },
    /// `403` secondary rate limit, with `Retry-After` when given.
    SecondaryRateLimit {
        /// Seconds the client is asked to wait, if the header is sent.
        retry_after: Option<u64>,
    },
    /// `403` primary rate limit exhausted: `x-ratelimit-remaining: 0` and
    /// `x-ratelimit-reset` this many seconds from now.
    RateLimitExhausted {
        /// Seconds from now until the rate limit resets.
        reset_in: u64,
    },
    /// Process the request, then wait this long before answering.
    Delay(Duration),
    /// Answer with this status and an error body that echoes the request's
    /// `Authorization` header back (in `message` and in `errors`), as a
    /// misconfigured proxy or a hostile server might: the client must not
    /// repeat it.
    EchoAuthorization(u16),
    /// Read the request, then reset the connection (RST) without answering:
    /// nothing changes.
    ConnectionReset,
    /// Process the request as usual, then reset the connection instead of
    /// answering: the write happened, the client cannot tell.
    ResetAfterWrite,
    /// Process the request, then send a `Content-Length` longer than the
    /// body, half the body, and close the connection.
    ShortBody,
    /// Process the request, then send half the body with its length declared
    /// truthfully: a well-formed HTTP answer whose JSON stops mid-value.
    CutBody,
}

impl Fault {
    /// Whether the TCP front applies this fault (it needs the socket), not
    /// the HTTP state.
    pub(crate) fn is_connection_level(&self) -> bool {
        matches!(
            self,
            Self::ConnectionReset | Self::ResetAfterWrite | Self::ShortBody | Self::CutBody
        )
    }
}

/// A pull request to seed with [`FakeGitHub::add_pull_request`].
#[derive(Clone, Debug)]
pub struct PullRequestSeed {
    /// The pull request number.
    pub number: u64,
    /// Login of the author.
    pub author: String,
    /// Head commit.
    pub head_sha: String,
    /// Base commit.
    pub base_sha: String,
    /// Head branch name.
    pub head_ref: String,
    /// Base branch name.
    pub base_ref: String,
    /// Whether the head lives in a fork.
    pub fork: bool,
    /// Whether the pull request is a draft.
    pub draft: bool,
    /// Title.
    pub title: String,
}

impl PullRequestSeed {
    /// A same-repository pull request from `feature` into `main`.
    pub fn new(number: u64, author: &str, head_sha: &str, base_sha: &str) -> Self {
        Self {
            number,
            author: author.to_owned(),
            head_sha: head_sha.to_owned(),
            base_sha: base_sha.to_owned(),
            head_ref: "feature".to_owned(),
            base_ref: "main".to_owned(),
            fork: false,
            draft: false,
            title: format!("Pull request #{number}"),
        }
    }
}

/// A review to seed with [`FakeGitHub::add_review`]; reviews are listed in
/// the order they were added (GitHub lists them chronologically).
#[derive(Clone, Debug)]
pub struct ReviewSeed {
    /// Reviewer login (`None`: a deleted account, serialized as `"user": null`).
    pub login: Option<String>,
    /// Whether the reviewer is a bot (`"type": "Bot"`).
    pub bot: bool,
    /// `APPROVED`, `CHANGES_REQUESTED`, `COMMENTED`, `DISMISSED` or `PENDING`.
    pub state: String,
    /// The commit reviewed (`None` when GitHub garbage-collected it).
    pub commit_id: Option<String>,
    /// `OWNER`, `MEMBER`, `COLLABORATOR`, `CONTRIBUTOR`, …
    pub author_association: String,
    /// Submission time (RFC 3339); `None` means now (and is omitted for `PENDING`).
    pub submitted_at: Option<String>,
    /// Review body.
    pub body: String,
}

impl ReviewSeed {
    /// A review by a human collaborator.
    pub fn new(login: &str, state: &str, commit_id: &str) -> Self {
        Self {
            login: Some(login.to_owned()),
            bot: false,
            state: state.to_owned(),
            commit_id: Some(commit_id.to_owned()),
            author_association: "COLLABORATOR".to_owned(),
            submitted_at: None,
            body: String::new(),
        }
    }
}

/// A changed file to seed with [`FakeGitHub::add_pr_file`].
#[derive(Clone, Debug)]
pub struct FileSeed {
    /// Path in the head commit.
    pub filename: String,
    /// `added`, `removed`, `modified`, `renamed`, `copied`, `changed`, `unchanged`.
    pub status: String,
    /// Added lines.
    pub additions: u64,
    /// Deleted lines.
    pub deletions: u64,
    /// Unified diff hunk text (`None`: GitHub omits it, e.g. for large or binary files).
    pub patch: Option<String>,
    /// Path before a rename.
    pub previous_filename: Option<String>,
}

impl FileSeed {
    /// A modified file with the given patch.
    pub fn modified(filename: &str, patch: &str) -> Self {
        Self {
            filename: filename.to_owned(),
            status: "modified".to_owned(),
            additions: count_patch_lines(patch, '+'),
            deletions: count_patch_lines(patch, '-'),
            patch: Some(patch.to_owned()),
            previous_filename: None,
        }
    }
}

fn count_patch_lines(patch: &str, sign: char) -> u64 {
    patch
        .lines()
        .filter(|l| l.starts_with(sign) && !l.starts_with("+++") && !l.starts_with("---"))
        .count() as u64
}

/// An issue or pull-request comment to seed with [`FakeGitHub::add_comment`].
#[derive(Clone, Debug)]
pub struct CommentSeed {
    /// Commenter login.
    pub login: String,
    /// Whether the commenter is a bot.
    pub bot: bool,
    /// Comment body (Markdown).
    pub body: String,
    /// `OWNER`, `MEMBER`, `COLLABORATOR`, …
    pub author_association: String,
}

/// Another app's check run to seed with [`FakeGitHub::add_check_run`].
#[derive(Clone, Debug)]
pub struct CheckRunSeed {
    /// Check name, e.g. `ci / test`.
    pub name: String,
    /// Commit it reports on.
    pub head_sha: String,
    /// `queued`, `in_progress` or `completed`.
    pub status: String,
    /// Conclusion when completed.
    pub conclusion: Option<String>,
    /// The app that created it.
    pub app_slug: String,
    /// The app's id.
    pub app_id: u64,
    /// The app's own reference.
    pub external_id: Option<String>,
    /// The workflow run (from [`FakeGitHub::add_workflow_run`]) this is a
    /// job of; `None` for a run an app made through the API.
    pub workflow_run: Option<u64>,
}

/// A GitHub Actions workflow run to seed with [`FakeGitHub::add_workflow_run`].
#[derive(Clone, Debug)]
pub struct WorkflowRunSeed {
    /// The workflow's name.
    pub name: String,
    /// The workflow file as GitHub reports it (`.github/workflows/ci.yml`,
    /// maybe with an `@REF` suffix).
    pub path: String,
    /// The commit it ran on.
    pub head_sha: String,
    /// `pull_request`, `push`, …
    pub event: String,
    /// `queued`, `in_progress` or `completed`.
    pub status: String,
    /// Conclusion when completed.
    pub conclusion: Option<String>,
}

impl WorkflowRunSeed {
    /// A completed `pull_request` run of the workflow file `path`.
    pub fn completed(path: &str, head_sha: &str, conclusion: &str) -> Self {
        let name = path
            .rsplit('/')
            .next()
            .unwrap_or(path)
            .split('.')
            .next()
            .unwrap_or(path);
        Self {
            name: name.to_owned(),
            path: path.to_owned(),
            head_sha: head_sha.to_owned(),
            event: "pull_request".to_owned(),
            status: "completed".to_owned(),
            conclusion: Some(conclusion.to_owned()),
        }
    }
}

impl CheckRunSeed {
    /// This run as a job of the workflow run `run_id`.
    #[must_use]
    pub fn in_workflow(mut self, run_id: u64) -> Self {
        self.workflow_run = Some(run_id);
        self
    }

    /// A completed run by GitHub Actions.
    pub fn completed(name: &str, head_sha: &str, conclusion: &str) -> Self {
        Self {
            name: name.to_owned(),
            head_sha: head_sha.to_owned(),
            status: "completed".to_owned(),
            conclusion: Some(conclusion.to_owned()),
            app_slug: ACTIONS_APP_SLUG.to_owned(),
            app_id: ACTIONS_APP_ID,
            external_id: None,
            workflow_run: None,
        }
    }
}

/// One request as the server saw it, secrets removed.
#[derive(Clone, Debug)]
pub struct RequestRecord {
    /// `GET`, `POST`, `PATCH`, …
    pub method: String,
    /// Path without the `/api/v3` prefix and without the query, e.g. `/repos/o/r/check-runs`.
    pub path: String,
    /// Whether the request came under `/api/v3`.
    pub enterprise_prefix: bool,
    /// The raw query string (without `?`).
    pub query: String,
    /// Request headers, lower-cased names; `authorization` keeps its scheme
    /// and has the credential replaced by `<redacted>`.
    pub headers: Vec<(String, String)>,
    /// The request body as text.
    pub body: String,
    /// The status the server answered with.
    pub status: u16,
    /// The fault injected into this request, if any.
    pub fault: Option<Fault>,
}

impl RequestRecord {
    /// The value of a (lower-case) request header.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON (`Null` when empty or not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

pub(crate) struct Shared {
    state: Mutex<State>,
    stop: AtomicBool,
}

impl Shared {
    /// The state, even if a handler thread panicked while holding it: a test
    /// should see the failure that caused the panic, not a poisoned mutex.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A running fake GitHub server; stops when dropped.
pub struct FakeGitHub {
    shared: Arc<Shared>,
    addr: SocketAddr,
    server: Arc<tiny_http::Server>,
    thread: Option<JoinHandle<()>>,
}

impl FakeGitHub {
    /// Starts a server on `127.0.0.1` with a random port.
    ///
    /// # Panics
    /// If no local port can be bound (tests only).
    pub fn start() -> Self {
        let shared = Arc::new(Shared {
            state: Mutex::new(State::new()),
            stop: AtomicBool::new(false),
        });
        let (server, addr, thread) = match server::spawn(Arc::clone(&shared)) {
            Ok(started) => started,
            Err(e) => panic!("fake GitHub server could not start: {e}"),
        };
        Self {
            shared,
            addr,
            server,
            thread: Some(thread),
        }
    }

    /// The API root like api.github.com: `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The API root like GitHub Enterprise Server: `http://127.0.0.1:PORT/api/v3`.
    pub fn api_url(&self) -> String {
        format!("http://{}/api/v3", self.addr)
    }

    /// Accepts another token, read-only or with write access.
    pub fn add_token(&self, token: &str, read_only: bool) {
        self.shared.lock().tokens.insert(
            token.to_owned(),
            TokenInfo {
                read_only,
                app_slug: ACTIONS_APP_SLUG.to_owned(),
                app_id: ACTIONS_APP_ID,
            },
        );
    }

    /// Makes every token read-only (as for a pull request from a fork), or undoes it.
    pub fn set_read_only(&self, read_only: bool) {
        self.shared.lock().all_read_only = read_only;
    }

    /// Creates an empty repository (`owner/name`); seeding does it implicitly.
    pub fn add_repo(&self, repo: &str) {
        self.shared.lock().repo_mut(repo);
    }

    /// Points a branch or tag name at a commit, for `commits/{ref}/…` and `contents?ref=`.
    pub fn set_ref(&self, repo: &str, name: &str, sha: &str) {
        self.shared
            .lock()
            .repo_mut(repo)
            .refs
            .insert(name.to_owned(), sha.to_owned());
    }

    /// Seeds a pull request.
    pub fn add_pull_request(&self, repo: &str, pr: PullRequestSeed) {
        self.shared.lock().add_pull_request(repo, pr);
    }

    /// Appends a review to a pull request (which must have been seeded).
    pub fn add_review(&self, repo: &str, pr: u64, review: ReviewSeed) {
        self.shared.lock().add_review(repo, pr, review);
    }

    /// Appends a changed file to a pull request.
    pub fn add_pr_file(&self, repo: &str, pr: u64, file: FileSeed) {
        self.shared.lock().add_pr_file(repo, pr, file);
    }

    /// Appends a comment to an issue or pull request.
    pub fn add_comment(&self, repo: &str, number: u64, comment: CommentSeed) {
        self.shared.lock().add_comment(repo, number, comment);
    }

    /// Stores a file's bytes at `path` in `git_ref` (a branch, tag or sha).
    pub fn put_file(&self, repo: &str, git_ref: &str, path: &str, bytes: &[u8]) {
        self.shared
            .lock()
            .repo_mut(repo)
            .contents
            .insert((git_ref.to_owned(), path.to_owned()), bytes.to_vec());
    }

    /// Seeds a commit status as another system would have posted it.
    pub fn add_status(
        &self,
        repo: &str,
        sha: &str,
        state: &str,
        context: &str,
        description: Option<&str>,
    ) {
        self.shared
            .lock()
            .add_status(repo, sha, state, context, description, None, "ci-bot");
    }

    /// Seeds a GitHub Actions workflow run; returns its id (for
    /// [`CheckRunSeed::in_workflow`]).
    pub fn add_workflow_run(&self, repo: &str, seed: WorkflowRunSeed) -> u64 {
        self.shared.lock().add_workflow_run(repo, seed)
    }

    /// Every workflow run of the repository, in creation order.
    pub fn workflow_runs(&self, repo: &str) -> Vec<WorkflowRunRecord> {
        self.shared.lock().repo_mut(repo).workflow_runs.clone()
    }

    /// Seeds another app's check run; returns its id.
    pub fn add_check_run(&self, repo: &str, seed: CheckRunSeed) -> u64 {
        self.shared.lock().add_check_run(repo, seed)
    }

    /// Every check run of the repository, in creation order, with all appended annotations.
    pub fn check_runs(&self, repo: &str) -> Vec<CheckRun> {
        self.shared.lock().repo_mut(repo).check_runs.clone()
    }

    /// The check runs with this name.
    pub fn check_runs_named(&self, repo: &str, name: &str) -> Vec<CheckRun> {
        self.check_runs(repo)
            .into_iter()
            .filter(|r| r.name == name)
            .collect()
    }

    /// Every commit status posted for this sha, oldest first.
    pub fn statuses(&self, repo: &str, sha: &str) -> Vec<StatusRecord> {
        self.shared
            .lock()
            .repo_mut(repo)
            .statuses
            .iter()
            .filter(|s| s.sha == sha)
            .cloned()
            .collect()
    }

    /// Injects `fault` into the next `times` requests whose method matches
    /// `method` (`"*"` for any) and whose path (without `/api/v3` and query)
    /// matches `path_pattern`, where `*` stands for any run of characters.
    pub fn inject(&self, method: &str, path_pattern: &str, fault: Fault, times: usize) {
        self.shared.lock().faults.push(FaultRule {
            method: method.to_ascii_uppercase(),
            pattern: path_pattern.to_owned(),
            fault,
            remaining: times,
            segments: false,
        });
    }

    /// [`Self::inject`] where each `*` matches exactly one path segment, so
    /// that `/repos/o/r/check-runs/*` hits a check run and not its
    /// annotations.
    pub fn inject_exact(&self, method: &str, path_pattern: &str, fault: Fault, times: usize) {
        self.shared.lock().faults.push(FaultRule {
            method: method.to_ascii_uppercase(),
            pattern: path_pattern.to_owned(),
            fault,
            remaining: times,
            segments: true,
        });
    }

    /// Removes every fault not yet used.
    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear();
    }

    /// Every request received so far, in order of arrival.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.shared.lock().log.clone()
    }

    /// How many requests matched `method` (`"*"` for any) and `path_pattern` (as in [`Self::inject`]).
    pub fn count(&self, method: &str, path_pattern: &str) -> usize {
        let method = method.to_ascii_uppercase();
        self.shared
            .lock()
            .log
            .iter()
            .filter(|r| {
                (method == "*" || r.method == method) && state::glob_match(path_pattern, &r.path)
            })
            .count()
    }

    /// Forgets the request log.
    pub fn clear_log(&self) {
        self.shared.lock().log.clear();
    }
}

impl Drop for FakeGitHub {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.server.unblock();
        server::wake(self.addr);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
