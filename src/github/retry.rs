//! When to retry a GitHub request, and how long to wait first.
//!
//! Transient: 5xx, 429, 403 secondary rate limits (with `Retry-After` or a
//! rate-limit message), 403 with `x-ratelimit-remaining: 0`, timeouts and
//! dropped connections. The wait honours `Retry-After` and
//! `x-ratelimit-reset`, and is otherwise an exponential backoff; retries are
//! bounded in count per request and in total time per operation
//! (docs/github.md, issue #4). octocrab's own retry is turned off: it re-sends a
//! POST after a 5xx, which can create a duplicate check run.

use std::time::Duration;

use http::HeaderMap;

/// How hard to retry transient GitHub failures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries of one request after its first attempt.
    pub max_retries: u32,
    /// Wait before the first retry; doubles on each further retry.
    pub initial_backoff: Duration,
    /// Ceiling of the exponential backoff.
    pub max_backoff: Duration,
    /// Total time one operation (e.g. publishing a check run, reading all
    /// pages of reviews) may spend, waits included; a wait that would cross
    /// it is not started.
    pub total_budget: Duration,
    /// Time one attempt may take, from connecting to the last body byte,
    /// before it counts as a transient failure.
    pub attempt_timeout: Duration,
    /// Wait after a rate limit that names no time (GitHub asks for at least
    /// a minute before retrying a secondary rate limit).
    pub min_rate_limit_wait: Duration,
}

impl Default for RetryPolicy {
    /// 5 retries, backoff 1 s doubling to 30 s, 3 minutes in all, 30 s per
    /// attempt, 60 s after an unspecified rate limit.
    fn default() -> Self {
        Self {
            max_retries: 5,
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
            total_budget: Duration::from_secs(180),
            attempt_timeout: Duration::from_secs(30),
            min_rate_limit_wait: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// No retries at all: every failure is final.
    #[must_use]
    pub fn no_retries() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// The backoff before retry number `retry` (0-based).
    #[must_use]
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.min(20));
        self.initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff)
    }
}

/// A failure worth retrying, with GitHub's own wait request if it made one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Transient {
    /// What happened, for the final error message.
    pub(crate) description: String,
    /// The wait GitHub asked for (`Retry-After`, `x-ratelimit-reset`).
    pub(crate) requested_wait: Option<Duration>,
    /// A rate limit that named no time: wait at least `min_rate_limit_wait`.
    pub(crate) unspecified_rate_limit: bool,
}

impl Transient {
    /// A failure without a server-requested wait (5xx, timeout, transport).
    pub(crate) fn plain(description: impl Into<String>) -> Self {
        Self {
            description: description.into(),
            requested_wait: None,
            unspecified_rate_limit: false,
        }
    }

    /// How long to wait before retry number `retry` under `policy`.
    pub(crate) fn wait(&self, policy: &RetryPolicy, retry: u32) -> Duration {
        let backoff = policy.backoff(retry);
        match self.requested_wait {
            Some(requested) => requested,
            None if self.unspecified_rate_limit => backoff.max(policy.min_rate_limit_wait),
            None => backoff,
        }
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name)?.to_str().ok().map(str::trim)
}

/// `Retry-After` as seconds or an HTTP date.
pub(crate) fn retry_after(headers: &HeaderMap, now_epoch: i64) -> Option<Duration> {
    let value = header(headers, "retry-after")?;
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value)
        .ok()?
        .timestamp();
    Some(Duration::from_secs(
        u64::try_from(at.saturating_sub(now_epoch)).unwrap_or(0),
    ))
}

/// The wait until `x-ratelimit-reset` when `x-ratelimit-remaining` is 0.
pub(crate) fn rate_limit_reset(headers: &HeaderMap, now_epoch: i64) -> Option<Duration> {
    if header(headers, "x-ratelimit-remaining")? != "0" {
        return None;
    }
    let reset: i64 = header(headers, "x-ratelimit-reset")?.parse().ok()?;
    // One extra second: the reset time is truncated to whole seconds.
    let secs = reset.saturating_sub(now_epoch).saturating_add(1);
    Some(Duration::from_secs(u64::try_from(secs).unwrap_or(0)))
}

/// Classifies an error response: `Some` if it is worth retrying.
pub(crate) fn classify(
    status: u16,
    headers: &HeaderMap,
    message: &str,
    now_epoch: i64,
) -> Option<Transient> {
    let requested =
        retry_after(headers, now_epoch).or_else(|| rate_limit_reset(headers, now_epoch));
    let description = format!("{status} {message}");
    match status {
        500..=599 => Some(Transient {
            description,
            requested_wait: requested,
            unspecified_rate_limit: false,
        }),
        429 => Some(Transient {
            description,
            unspecified_rate_limit: requested.is_none(),
            requested_wait: requested,
        }),
        403 => {
            let says_rate_limit = message.to_ascii_lowercase().contains("rate limit");
            if requested.is_some() || says_rate_limit {
                Some(Transient {
                    description,
                    unspecified_rate_limit: requested.is_none(),
                    requested_wait: requested,
                })
            } else {
                None
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, v.parse().unwrap());
        }
        map
    }

    const NOW: i64 = 1_700_000_000;

    #[test]
    fn server_errors_are_transient_with_backoff() {
        let t = classify(502, &HeaderMap::new(), "Bad Gateway", NOW).unwrap();
        let policy = RetryPolicy::default();
        assert_eq!(t.wait(&policy, 0), Duration::from_secs(1));
        assert_eq!(t.wait(&policy, 3), Duration::from_secs(8));
        assert_eq!(t.wait(&policy, 10), Duration::from_secs(30));
    }

    #[test]
    fn retry_after_is_honoured_as_seconds_and_as_a_date() {
        let t = classify(429, &headers(&[("retry-after", "7")]), "slow down", NOW).unwrap();
        assert_eq!(t.requested_wait, Some(Duration::from_secs(7)));
        let date = chrono::DateTime::from_timestamp(NOW + 12, 0)
            .unwrap()
            .to_rfc2822();
        let t = classify(429, &headers(&[("retry-after", &date)]), "", NOW).unwrap();
        assert_eq!(t.requested_wait, Some(Duration::from_secs(12)));
    }

    #[test]
    fn primary_rate_limit_waits_until_reset() {
        let reset = (NOW + 30).to_string();
        let h = headers(&[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", &reset),
        ]);
        let t = classify(403, &h, "API rate limit exceeded", NOW).unwrap();
        assert_eq!(t.requested_wait, Some(Duration::from_secs(31)));
        // Remaining > 0: the reset header alone asks for nothing.
        let h = headers(&[
            ("x-ratelimit-remaining", "12"),
            ("x-ratelimit-reset", &reset),
        ]);
        assert_eq!(rate_limit_reset(&h, NOW), None);
    }

    #[test]
    fn secondary_rate_limit_without_retry_after_waits_the_minimum() {
        let t = classify(
            403,
            &HeaderMap::new(),
            "You have exceeded a secondary rate limit",
            NOW,
        )
        .unwrap();
        let policy = RetryPolicy::default();
        assert_eq!(t.wait(&policy, 0), Duration::from_secs(60));
    }

    #[test]
    fn permission_403_and_other_4xx_are_final() {
        assert!(classify(
            403,
            &HeaderMap::new(),
            "Resource not accessible by integration",
            NOW
        )
        .is_none());
        assert!(classify(422, &HeaderMap::new(), "Validation Failed", NOW).is_none());
        assert!(classify(404, &HeaderMap::new(), "Not Found", NOW).is_none());
    }
}
