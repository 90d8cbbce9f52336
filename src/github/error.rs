//! Errors of the GitHub client.
//!
//! Every variant names the operation (`METHOD /path`) and what GitHub said,
//! never the token. The CLI maps all of them to exit code 3 ("the verdict
//! could not be reported"), except that [`GitHubError::Forbidden`] is the cue
//! to fall back to workflow-command annotations (a fork's read-only token).

use std::time::Duration;

/// What went wrong talking to GitHub.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GitHubError {
    /// The API base URL (`GITHUB_API_URL`) is not an absolute http(s) URL.
    #[error("invalid GitHub API URL {url:?}: {reason}")]
    InvalidApiUrl {
        /// The URL as given.
        url: String,
        /// Why it was refused.
        reason: String,
    },
    /// The token is empty or cannot be sent in a header.
    #[error("invalid GitHub token: {reason}")]
    InvalidToken {
        /// Why it was refused (never the token itself).
        reason: &'static str,
    },
    /// A repository name that is not `OWNER/NAME`.
    #[error("invalid repository {0:?}: expected OWNER/NAME")]
    InvalidRepository(String),
    /// The HTTP client or its runtime could not be set up.
    #[error("could not set up the GitHub API client: {0}")]
    Setup(String),
    /// 403 that is not a rate limit: the token may read but not do this, as
    /// with a pull request from a fork ("Resource not accessible by
    /// integration"). The caller can fall back to workflow-command annotations.
    #[error("GitHub refused {operation} (403 {message}): the token lacks permission, as on a pull request from a fork")]
    Forbidden {
        /// `METHOD /path`.
        operation: String,
        /// GitHub's message.
        message: String,
    },
    /// 401: the token is missing, expired or wrong.
    #[error("GitHub rejected the token for {operation} (401 {message})")]
    Unauthorized {
        /// `METHOD /path`.
        operation: String,
        /// GitHub's message.
        message: String,
    },
    /// 404: the repository, number, ref or path does not exist, or the token
    /// cannot see it.
    #[error("not found on GitHub: {operation} (404; check the repository, number or ref, and that the token can see it)")]
    NotFound {
        /// `METHOD /path`.
        operation: String,
    },
    /// Any other 4xx, e.g. 422 Validation Failed.
    #[error("GitHub rejected {operation} ({status} {message}){}", details(errors))]
    Rejected {
        /// `METHOD /path`.
        operation: String,
        /// HTTP status.
        status: u16,
        /// GitHub's message.
        message: String,
        /// GitHub's `errors` entries, one string each.
        errors: Vec<String>,
    },
    /// Transient failures (5xx, rate limits, timeouts, dropped connections)
    /// outlasted the retry policy's count or time budget.
    #[error(
        "GitHub API failed for {operation} after {attempts} attempt(s) in {elapsed:.1?}: {last}"
    )]
    RetriesExhausted {
        /// `METHOD /path`.
        operation: String,
        /// Times this request was sent.
        attempts: u32,
        /// Time spent.
        elapsed: Duration,
        /// The last failure.
        last: String,
    },
    /// GitHub asked us to wait (`Retry-After`, `x-ratelimit-reset`) longer
    /// than the retry policy's remaining time budget.
    #[error("GitHub rate limit on {operation}: asked to wait {wait:?}, beyond the retry budget ({last})")]
    RateLimited {
        /// `METHOD /path`.
        operation: String,
        /// How long GitHub asked to wait.
        wait: Duration,
        /// GitHub's message.
        last: String,
    },
    /// A success response that does not have the shape GitHub documents.
    #[error("unexpected response from GitHub for {operation}: {reason}")]
    UnexpectedResponse {
        /// `METHOD /path`.
        operation: String,
        /// What was wrong with it.
        reason: String,
    },
}

impl GitHubError {
    /// Whether GitHub refused the write for lack of permission (a fork's
    /// read-only token): the cue to fall back to workflow-command annotations.
    #[must_use]
    pub fn is_forbidden(&self) -> bool {
        matches!(self, Self::Forbidden { .. })
    }
}

fn details(errors: &[String]) -> String {
    if errors.is_empty() {
        String::new()
    } else {
        format!(": {}", errors.join("; "))
    }
}
