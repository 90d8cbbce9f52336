//! Errors of the GitHub client.
//!
//! Every variant names the operation (`METHOD /path`) and what GitHub said,
//! never the token. The CLI maps all of them to exit code 3 ("the verdict
//! could not be reported"), except that [`GitHubError::Forbidden`] is the cue
//! to fall back to workflow-command annotations (a fork's read-only token).
//!
//! What GitHub said is not ours to trust: a proxy or a server that echoes the
//! request (`"message": "bad header Authorization: Bearer ghs_…"`) would
//! otherwise put the token into a log line. Every error the transport builds
//! passes through [`Redaction`], which replaces the token and the forms it is
//! sent in (`Bearer`/`token` headers, base64 basic auth) with `<redacted>`.

use std::time::Duration;

use base64::Engine as _;

/// What a redacted secret is replaced with (the same as [`super::Token`]'s
/// `Display`).
pub(crate) const REDACTED: &str = "<redacted>";

/// The token in every form it may come back in, to cut out of text that
/// came from the network.
#[derive(Clone, Default)]
pub(crate) struct Redaction {
    /// Longest first, so a form that contains another is cut whole.
    needles: Vec<String>,
}

impl std::fmt::Debug for Redaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redaction({} forms)", self.needles.len())
    }
}

impl Redaction {
    /// The forms of `secret`: itself (which also covers `Bearer SECRET` and
    /// `token SECRET`), and base64 of the secret and of the basic-auth pairs
    /// git and the Actions checkout send (`x-access-token:SECRET`,
    /// `SECRET:`), standard and URL-safe, without padding (the padded form
    /// starts with the unpadded one).
    pub(crate) fn new(secret: &str) -> Self {
        if secret.is_empty() {
            return Self::default();
        }
        let mut needles = vec![secret.to_owned()];
        for plain in [
            secret.to_owned(),
            format!("x-access-token:{secret}"),
            format!("{secret}:"),
            format!(":{secret}"),
        ] {
            for engine in [
                &base64::engine::general_purpose::STANDARD_NO_PAD,
                &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            ] {
                needles.push(engine.encode(plain.as_bytes()));
            }
        }
        needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
        needles.dedup();
        Self { needles }
    }

    /// `text` with every form of the secret replaced by `<redacted>`.
    pub(crate) fn apply(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for needle in &self.needles {
            if out.contains(needle.as_str()) {
                out = out.replace(needle.as_str(), REDACTED);
            }
        }
        out
    }
}

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
    /// The error with every string that may hold text from the network
    /// passed through `redaction`. The transport calls this on every error
    /// it builds, so no message can carry the token.
    #[must_use]
    pub(crate) fn redacted(self, redaction: &Redaction) -> Self {
        let r = |s: String| redaction.apply(&s);
        match self {
            Self::InvalidApiUrl { url, reason } => Self::InvalidApiUrl {
                url: r(url),
                reason: r(reason),
            },
            e @ Self::InvalidToken { .. } => e,
            Self::InvalidRepository(repo) => Self::InvalidRepository(r(repo)),
            Self::Setup(reason) => Self::Setup(r(reason)),
            Self::Forbidden { operation, message } => Self::Forbidden {
                operation: r(operation),
                message: r(message),
            },
            Self::Unauthorized { operation, message } => Self::Unauthorized {
                operation: r(operation),
                message: r(message),
            },
            Self::NotFound { operation } => Self::NotFound {
                operation: r(operation),
            },
            Self::Rejected {
                operation,
                status,
                message,
                errors,
            } => Self::Rejected {
                operation: r(operation),
                status,
                message: r(message),
                errors: errors.into_iter().map(r).collect(),
            },
            Self::RetriesExhausted {
                operation,
                attempts,
                elapsed,
                last,
            } => Self::RetriesExhausted {
                operation: r(operation),
                attempts,
                elapsed,
                last: r(last),
            },
            Self::RateLimited {
                operation,
                wait,
                last,
            } => Self::RateLimited {
                operation: r(operation),
                wait,
                last: r(last),
            },
            Self::UnexpectedResponse { operation, reason } => Self::UnexpectedResponse {
                operation: r(operation),
                reason: r(reason),
            },
        }
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "ghs_0123456789abcdefABCDEF0123456789abcd";

    #[test]
    fn every_form_of_the_token_is_cut() {
        let r = Redaction::new(SECRET);
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        for leaked in [
            format!("Authorization: Bearer {SECRET}"),
            format!("authorization: token {SECRET}"),
            format!("Basic {}", b64(&format!("x-access-token:{SECRET}"))),
            format!("Basic {}", b64(&format!("{SECRET}:"))),
            b64(SECRET),
            base64::engine::general_purpose::URL_SAFE.encode(SECRET),
        ] {
            let out = r.apply(&format!("echo: {leaked} (end)"));
            assert!(!out.contains(SECRET), "{out}");
            assert!(out.contains(REDACTED), "{out}");
            assert!(
                out.starts_with("echo: ") && out.ends_with(" (end)"),
                "{out}"
            );
        }
        assert_eq!(r.apply("nothing secret"), "nothing secret");
    }

    #[test]
    fn errors_are_redacted_field_by_field() {
        let r = Redaction::new(SECRET);
        let e = GitHubError::Rejected {
            operation: "POST /repos/o/r/check-runs".to_owned(),
            status: 422,
            message: format!("bad header: Bearer {SECRET}"),
            errors: vec![format!("token {SECRET}")],
        }
        .redacted(&r);
        let text = e.to_string();
        assert!(!text.contains(SECRET), "{text}");
        assert!(text.contains("422 bad header: Bearer <redacted>"), "{text}");
        let e = GitHubError::RetriesExhausted {
            operation: "GET /x".to_owned(),
            attempts: 3,
            elapsed: Duration::from_secs(1),
            last: format!("502 {SECRET}"),
        }
        .redacted(&r);
        assert!(!format!("{e} {e:?}").contains(SECRET));
    }

    #[test]
    fn an_empty_secret_redacts_nothing() {
        assert_eq!(Redaction::new("").apply("text"), "text");
    }
}
