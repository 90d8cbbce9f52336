//! Sending requests: one attempt through octocrab (auth, base URL, TLS),
//! our own retry loop around it, error mapping, and `Link` pagination.
//!
//! octocrab is built with `RetryConfig::None` so that nothing below us
//! re-sends a request; every retry decision is made here, where we know
//! whether the request is safe to repeat.

use std::time::{Duration, Instant};

use http::{HeaderMap, Uri};
use octocrab::service::middleware::retry::RetryConfig;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::{GitHubError, Redaction};
use super::retry::{classify, RetryPolicy, Transient};
use super::token::Token;

/// The most bytes a JSON response body may hold. GitHub's largest answers
/// (a page of 100 check runs or workflow runs) are a few hundred KiB; a body
/// past this is not GitHub's and is refused rather than held in memory.
pub(crate) const MAX_JSON_BODY: u64 = 32 << 20;

/// The most bytes of an error response kept for its message: the message
/// is all that is read from it.
const MAX_ERROR_BODY: u64 = 64 << 10;

/// A response body read with a cap.
enum Capped {
    Complete(Vec<u8>),
    /// Larger than the cap (declared so, or counted while it streamed in);
    /// the rest was never read.
    TooLarge,
}

/// Reads a response's body frame by frame, stopping once it passes `max`
/// bytes, so a body that never ends costs at most the cap.
async fn read_capped(
    response: http::Response<http_body_util::combinators::BoxBody<bytes::Bytes, octocrab::Error>>,
    max: u64,
) -> Result<Capped, octocrab::Error> {
    use http_body_util::BodyExt as _;
    let declared = response
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max) {
        return Ok(Capped::TooLarge);
    }
    let mut body = response.into_body();
    let mut bytes = Vec::new();
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame?.into_data() {
            if bytes.len() as u64 + data.len() as u64 > max {
                return Ok(Capped::TooLarge);
            }
            bytes.extend_from_slice(&data);
        }
    }
    Ok(Capped::Complete(bytes))
}

/// The most pages one listing may take before we suspect a loop.
const MAX_PAGES: usize = 1000;

/// The HTTP methods the client uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    Get,
    Post,
    Patch,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Patch => "PATCH",
        }
    }
}

/// A response with a 2xx status and a complete JSON body.
pub(crate) struct Success {
    pub(crate) headers: HeaderMap,
    pub(crate) value: Value,
}

/// The result of a single attempt.
pub(crate) enum Attempt {
    Done(Success),
    /// Worth retrying (5xx, rate limit, timeout, dropped connection).
    Transient(Transient),
    Failed(GitHubError),
}

/// Time and attempts spent on one public operation.
pub(crate) struct Budget {
    started: Instant,
    pub(crate) attempts: u32,
}

impl Budget {
    pub(crate) fn start() -> Self {
        Self {
            started: Instant::now(),
            attempts: 0,
        }
    }
}

#[derive(Deserialize)]
struct ErrorBody {
    message: Option<String>,
    #[serde(default)]
    errors: Vec<Value>,
}

pub(crate) struct Transport {
    octocrab: octocrab::Octocrab,
    base: Uri,
    pub(crate) policy: RetryPolicy,
    /// Cuts the token out of every error built here ([`Transport::attempt`]
    /// is where text from the network enters an error).
    redaction: Redaction,
}

impl Transport {
    /// Builds the octocrab client. Must run inside the tokio runtime that
    /// will drive it (octocrab spawns its buffer worker there).
    pub(crate) fn new(
        api_url: &str,
        token: &Token,
        policy: RetryPolicy,
    ) -> Result<Self, GitHubError> {
        let redaction = Redaction::new(token.expose_secret());
        Self::build(api_url, token, policy, redaction.clone()).map_err(|e| e.redacted(&redaction))
    }

    fn build(
        api_url: &str,
        token: &Token,
        policy: RetryPolicy,
        redaction: Redaction,
    ) -> Result<Self, GitHubError> {
        let invalid = |reason: &str| GitHubError::InvalidApiUrl {
            url: api_url.to_owned(),
            reason: reason.to_owned(),
        };
        let trimmed = api_url.trim().trim_end_matches('/');
        let base: Uri = trimmed
            .parse()
            .map_err(|e: http::uri::InvalidUri| invalid(&e.to_string()))?;
        match base.scheme_str() {
            Some("http" | "https") => {}
            _ => return Err(invalid("expected an http:// or https:// URL")),
        }
        if base.authority().is_none() {
            return Err(invalid("the URL has no host"));
        }
        if base.query().is_some() {
            return Err(invalid("the URL must not have a query"));
        }
        let octocrab = octocrab::Octocrab::builder()
            .base_uri(base.clone())
            .map_err(|e| invalid(&e.to_string()))?
            .personal_token(token.expose_secret().to_owned())
            .add_header(
                http::header::ACCEPT,
                "application/vnd.github+json".to_owned(),
            )
            .add_retry_config(RetryConfig::None)
            .set_connect_timeout(Some(policy.attempt_timeout))
            .set_read_timeout(Some(policy.attempt_timeout))
            .set_write_timeout(Some(policy.attempt_timeout))
            .build()
            .map_err(|e| GitHubError::Setup(e.to_string()))?;
        Ok(Self {
            octocrab,
            base,
            policy,
            redaction,
        })
    }

    pub(crate) fn base(&self) -> &Uri {
        &self.base
    }

    /// One attempt, bounded by the policy's attempt timeout. `body` is
    /// serialised as it is (GET sends none). Whatever GitHub (or anything
    /// between) answered is redacted before it becomes an error or a retry
    /// description: a server that echoes the `Authorization` header must not
    /// make tollgate print the token.
    pub(crate) async fn attempt<B: Serialize + ?Sized>(
        &self,
        method: Method,
        uri: &str,
        body: Option<&B>,
    ) -> Attempt {
        match self.attempt_unredacted(method, uri, body).await {
            Attempt::Done(success) => Attempt::Done(success),
            Attempt::Transient(mut transient) => {
                transient.description = self.redaction.apply(&transient.description);
                Attempt::Transient(transient)
            }
            Attempt::Failed(e) => Attempt::Failed(e.redacted(&self.redaction)),
        }
    }

    async fn attempt_unredacted<B: Serialize + ?Sized>(
        &self,
        method: Method,
        uri: &str,
        body: Option<&B>,
    ) -> Attempt {
        let operation = operation(method, uri);
        let send = async {
            let response = match method {
                Method::Get => self.octocrab._get(uri).await,
                Method::Post => self.octocrab._post(uri, body).await,
                Method::Patch => self.octocrab._patch(uri, body).await,
            }?;
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let success = (200..300).contains(&status);
            let max = if success {
                MAX_JSON_BODY
            } else {
                MAX_ERROR_BODY
            };
            let body = read_capped(response, max).await?;
            Ok::<_, octocrab::Error>((status, headers, body))
        };
        let (status, headers, body) =
            match tokio::time::timeout(self.policy.attempt_timeout, send).await {
                Err(_) => {
                    return Attempt::Transient(Transient::plain(format!(
                        "no response within {:?}",
                        self.policy.attempt_timeout
                    )))
                }
                Ok(Err(e)) => return transport_error(&operation, &e),
                Ok(Ok(parts)) => parts,
            };
        let success = (200..300).contains(&status);
        let text = match body {
            Capped::Complete(bytes) => match String::from_utf8(bytes) {
                Ok(text) => text,
                Err(_) if !success => String::new(),
                Err(_) => return Attempt::Failed(unexpected(&operation, "the body is not UTF-8")),
            },
            // An error's message is only a courtesy: its status decides.
            Capped::TooLarge if !success => String::new(),
            Capped::TooLarge => {
                return Attempt::Failed(unexpected(
                    &operation,
                    &format!("the response body is larger than the cap of {MAX_JSON_BODY} bytes"),
                ))
            }
        };
        if success {
            // GitHub answers every call we make with JSON. A 2xx body that
            // does not parse was cut short on the way (a proxy, a dropped
            // connection behind a truthful `Content-Length`): transient, as
            // a dropped connection is. For a POST the lookup before the
            // next attempt finds what the request created.
            return match serde_json::from_str::<Value>(&text) {
                Ok(value) => Attempt::Done(Success { headers, value }),
                Err(e) => Attempt::Transient(Transient::plain(format!(
                    "{status} with a body that is not complete JSON (cut short?): {e}"
                ))),
            };
        }
        failure(operation, status, &headers, &text)
    }

    /// One GET whose body is bytes (an artifact's zip), redirects followed,
    /// refused once it grows past `max_bytes` (counted as it streams in,
    /// not taken from `Content-Length`). octocrab's redirect layer drops
    /// `Authorization` when a redirect leaves the API's origin, so the
    /// token never reaches the storage host a download redirects to.
    pub(crate) async fn attempt_bytes(&self, uri: &str, max_bytes: u64) -> BytesAttempt {
        let operation = operation(Method::Get, uri);
        // A download is allowed several attempt timeouts: it is one large body.
        let limit = self.policy.attempt_timeout.saturating_mul(4);
        let too_large = || {
            unexpected(
                &operation,
                &format!("the download is larger than {max_bytes} bytes"),
            )
        };
        let send = async {
            let response = self.octocrab._get(uri).await?;
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            if !(200..300).contains(&status) {
                let text = match read_capped(response, MAX_ERROR_BODY).await {
                    Ok(Capped::Complete(bytes)) => String::from_utf8(bytes).unwrap_or_default(),
                    _ => String::new(),
                };
                return Ok::<_, octocrab::Error>(Err(failure(
                    operation.clone(),
                    status,
                    &headers,
                    &text,
                )));
            }
            match read_capped(response, max_bytes).await? {
                Capped::Complete(bytes) => Ok(Ok(bytes)),
                Capped::TooLarge => Ok(Err(Attempt::Failed(too_large()))),
            }
        };
        match tokio::time::timeout(limit, send).await {
            Err(_) => BytesAttempt::Other(Attempt::Transient(Transient::plain(format!(
                "no complete response within {limit:?}"
            )))),
            Ok(Err(e)) => BytesAttempt::Other(transport_error(&operation, &e)),
            Ok(Ok(Err(other))) => BytesAttempt::Other(other),
            Ok(Ok(Ok(bytes))) => BytesAttempt::Done(bytes),
        }
    }

    /// GETs bytes (see [`Self::attempt_bytes`]), retrying transient
    /// failures. `incomplete` says why a body that arrived whole as HTTP is
    /// still cut short (a zip without its end record), which is retried too.
    pub(crate) async fn get_bytes(
        &self,
        budget: &mut Budget,
        uri: &str,
        max_bytes: u64,
        incomplete: &dyn Fn(&[u8]) -> Option<String>,
    ) -> Result<Vec<u8>, GitHubError> {
        let mut retry = 0;
        loop {
            budget.attempts += 1;
            match self.attempt_bytes(uri, max_bytes).await {
                BytesAttempt::Done(bytes) => match incomplete(&bytes) {
                    None => return Ok(bytes),
                    Some(why) => {
                        let t = Transient::plain(why);
                        self.wait_for_retry(budget, retry, &operation(Method::Get, uri), &t)
                            .await?;
                        retry += 1;
                    }
                },
                BytesAttempt::Other(Attempt::Done(_)) => {
                    return Err(unexpected(&operation(Method::Get, uri), "no body"))
                }
                BytesAttempt::Other(Attempt::Failed(e)) => return Err(e),
                BytesAttempt::Other(Attempt::Transient(t)) => {
                    self.wait_for_retry(budget, retry, &operation(Method::Get, uri), &t)
                        .await?;
                    retry += 1;
                }
            }
        }
    }

    /// Waits before retry number `retry`, or says why not (count or time
    /// budget spent).
    pub(crate) async fn wait_for_retry(
        &self,
        budget: &Budget,
        retry: u32,
        operation: &str,
        transient: &Transient,
    ) -> Result<(), GitHubError> {
        let elapsed = budget.started.elapsed();
        // Attempts of this request so far: the first one and `retry` retries.
        let attempts = retry + 1;
        if retry >= self.policy.max_retries {
            return Err(GitHubError::RetriesExhausted {
                operation: operation.to_owned(),
                attempts,
                elapsed,
                last: transient.description.clone(),
            });
        }
        let wait = transient.wait(&self.policy, retry);
        if elapsed.saturating_add(wait) > self.policy.total_budget {
            return Err(match transient.requested_wait {
                Some(requested) if requested > Duration::ZERO => GitHubError::RateLimited {
                    operation: operation.to_owned(),
                    wait: requested,
                    last: transient.description.clone(),
                },
                _ => GitHubError::RetriesExhausted {
                    operation: operation.to_owned(),
                    attempts,
                    elapsed,
                    last: format!(
                        "{} (the next wait of {wait:?} would exceed the {:?} budget)",
                        transient.description, self.policy.total_budget
                    ),
                },
            });
        }
        tokio::time::sleep(wait).await;
        Ok(())
    }

    /// Sends a request that is safe to repeat (GET, or a PATCH without
    /// annotations), retrying transient failures.
    pub(crate) async fn send(
        &self,
        budget: &mut Budget,
        method: Method,
        uri: &str,
        body: Option<&Value>,
    ) -> Result<Success, GitHubError> {
        let mut retry = 0;
        loop {
            budget.attempts += 1;
            match self.attempt(method, uri, body).await {
                Attempt::Done(success) => return Ok(success),
                Attempt::Failed(e) => return Err(e),
                Attempt::Transient(t) => {
                    self.wait_for_retry(budget, retry, &operation(method, uri), &t)
                        .await?;
                    retry += 1;
                }
            }
        }
    }

    /// GET and parse JSON.
    pub(crate) async fn get_json(
        &self,
        budget: &mut Budget,
        uri: &str,
    ) -> Result<Value, GitHubError> {
        Ok(self.send(budget, Method::Get, uri, None).await?.value)
    }

    /// GETs every page of a list, following `Link: rel="next"`. `key` names
    /// the array in an object response (`check_runs`, `statuses`); `None`
    /// means the response is the array.
    pub(crate) async fn get_all_pages(
        &self,
        budget: &mut Budget,
        first: &str,
        key: Option<&str>,
    ) -> Result<Vec<Value>, GitHubError> {
        let mut items = Vec::new();
        let mut next = Some(first.to_owned());
        let mut seen = Vec::new();
        while let Some(uri) = next.take() {
            let op = operation(Method::Get, first);
            if seen.len() >= MAX_PAGES || seen.contains(&uri) {
                return Err(GitHubError::UnexpectedResponse {
                    operation: op,
                    reason: format!("pagination did not end after {} pages", seen.len()),
                });
            }
            let success = self.send(budget, Method::Get, &uri, None).await?;
            let page = match (key, success.value) {
                (None, Value::Array(a)) => a,
                (Some(k), Value::Object(mut o)) => match o.remove(k) {
                    Some(Value::Array(a)) => a,
                    _ => return Err(unexpected(&op, &format!("no `{k}` array"))),
                },
                _ => return Err(unexpected(&op, "not the documented list shape")),
            };
            items.extend(page);
            seen.push(uri);
            next = next_link(&success.headers)
                .map(|link| self.same_origin(&op, &link))
                .transpose()?;
        }
        Ok(items)
    }

    /// A `next` link must point at the API we were given: the token is
    /// never sent elsewhere (octocrab would drop it anyway) and a foreign
    /// link is a sign of a misconfigured proxy.
    fn same_origin(&self, operation: &str, link: &str) -> Result<String, GitHubError> {
        let uri: Uri = link
            .parse()
            .map_err(|_| unexpected(operation, "unparsable Link URL"))?;
        if uri.scheme() == self.base.scheme() && uri.authority() == self.base.authority() {
            Ok(link.to_owned())
        } else {
            Err(unexpected(
                operation,
                &format!("Link header points outside {}", self.base),
            ))
        }
    }
}

/// The result of one [`Transport::attempt_bytes`].
pub(crate) enum BytesAttempt {
    Done(Vec<u8>),
    /// A failure, transient or not.
    Other(Attempt),
}

/// A non-2xx answer as an [`Attempt`]: transient (5xx, rate limits) or a
/// typed failure.
fn failure(operation: String, status: u16, headers: &HeaderMap, text: &str) -> Attempt {
    let parsed: Option<ErrorBody> = serde_json::from_str(text).ok();
    let message = parsed
        .as_ref()
        .and_then(|b| b.message.clone())
        .unwrap_or_else(|| {
            let t = text.trim();
            if t.is_empty() || t.len() > 200 || t.starts_with('<') {
                http::StatusCode::from_u16(status)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .unwrap_or("error")
                    .to_owned()
            } else {
                t.to_owned()
            }
        });
    if let Some(transient) = classify(status, headers, &message, chrono::Utc::now().timestamp()) {
        return Attempt::Transient(transient);
    }
    let errors = parsed.map(|b| b.errors).unwrap_or_default();
    Attempt::Failed(match status {
        401 => GitHubError::Unauthorized { operation, message },
        403 => GitHubError::Forbidden { operation, message },
        404 => GitHubError::NotFound { operation },
        _ => GitHubError::Rejected {
            operation,
            status,
            message,
            errors: errors.iter().map(describe_error).collect(),
        },
    })
}

fn transport_error(operation: &str, e: &octocrab::Error) -> Attempt {
    match e {
        // Connection refused or reset, TLS, timeouts: the network, not the request.
        octocrab::Error::Hyper { .. } | octocrab::Error::Service { .. } => {
            Attempt::Transient(Transient::plain(format!("connection failed: {e}")))
        }
        _ => Attempt::Failed(GitHubError::UnexpectedResponse {
            operation: operation.to_owned(),
            reason: e.to_string(),
        }),
    }
}

/// `METHOD /path` (no host, no query) for messages.
pub(crate) fn operation(method: Method, uri: &str) -> String {
    let path = uri
        .parse::<Uri>()
        .map_or_else(|_| uri.to_owned(), |u| u.path().to_owned());
    format!("{} {path}", method.as_str())
}

pub(crate) fn unexpected(operation: &str, reason: &str) -> GitHubError {
    GitHubError::UnexpectedResponse {
        operation: operation.to_owned(),
        reason: reason.to_owned(),
    }
}

fn describe_error(e: &Value) -> String {
    match e {
        Value::String(s) => s.clone(),
        Value::Object(o) => {
            let get = |k: &str| o.get(k).and_then(Value::as_str).unwrap_or_default();
            let mut parts: Vec<&str> = [get("field"), get("code"), get("message")]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect();
            if parts.is_empty() {
                parts.push("error");
            }
            parts.join(" ")
        }
        other => other.to_string(),
    }
}

/// The `rel="next"` URL of a `Link` header.
pub(crate) fn next_link(headers: &HeaderMap) -> Option<String> {
    let link = headers.get(http::header::LINK)?.to_str().ok()?;
    link.split(',').find_map(|part| {
        let (url, params) = part.trim().split_once(';')?;
        let is_next = params.split(';').any(|p| {
            let p = p.trim();
            p == "rel=\"next\"" || p == "rel=next"
        });
        let url = url.trim().strip_prefix('<')?.strip_suffix('>')?;
        is_next.then(|| url.to_owned())
    })
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub(crate) fn encode(s: &str) -> String {
    use std::fmt::Write as _;
    s.bytes()
        .fold(String::with_capacity(s.len()), |mut out, b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                out.push(char::from(b));
            } else {
                let _ = write!(out, "%{b:02X}");
            }
            out
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_link_is_found_among_githubs_rels() {
        let mut h = HeaderMap::new();
        h.insert(
            http::header::LINK,
            "<https://api.github.com/x?page=1>; rel=\"prev\", <https://api.github.com/x?page=3>; rel=\"next\", <https://api.github.com/x?page=5>; rel=\"last\""
                .parse()
                .unwrap(),
        );
        assert_eq!(
            next_link(&h).as_deref(),
            Some("https://api.github.com/x?page=3")
        );
        h.insert(
            http::header::LINK,
            "<https://api.github.com/x?page=1>; rel=\"first\""
                .parse()
                .unwrap(),
        );
        assert_eq!(next_link(&h), None);
        assert_eq!(next_link(&HeaderMap::new()), None);
    }

    #[test]
    fn encode_keeps_unreserved_only() {
        assert_eq!(encode("ci / test"), "ci%20%2F%20test");
        assert_eq!(encode("feature/x"), "feature%2Fx");
        assert_eq!(encode("a-b_c.d~e"), "a-b_c.d~e");
        assert_eq!(encode("é"), "%C3%A9");
    }

    #[test]
    fn operation_names_method_and_path_only() {
        assert_eq!(
            operation(Method::Get, "/repos/o/r/pulls/1/reviews?per_page=100"),
            "GET /repos/o/r/pulls/1/reviews"
        );
        assert_eq!(
            operation(Method::Get, "https://ghe.example/api/v3/repos/o/r?page=2"),
            "GET /api/v3/repos/o/r"
        );
    }

    #[test]
    fn validation_errors_are_described() {
        let e = serde_json::json!({"resource": "CheckRun", "field": "summary", "code": "custom", "message": "too long"});
        assert_eq!(describe_error(&e), "summary custom too long");
        assert_eq!(describe_error(&Value::String("plain".into())), "plain");
    }
}
