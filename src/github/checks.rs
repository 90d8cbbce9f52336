//! Publishing the verdict as a check run (docs/reports.md, issue #4).
//!
//! One run per name and commit, ever: a re-run finds the existing run by
//! name on the head sha and updates it. Creation is the one request that is
//! not safe to repeat (GitHub may have created the run behind a 5xx or a
//! timeout), so after any transient failure of the POST we list the runs for
//! the sha again and adopt the run if it is there before trying again.
//! Annotations go 50 per request: the first request carries up to 50, each
//! further PATCH appends 50 more; a PATCH that failed transiently is checked
//! against the run's `annotations_count` before it is re-sent, so a write
//! that happened behind a 5xx is not appended twice. On a re-run,
//! annotations the run already holds are not sent again (GitHub appends and
//! cannot delete, so they would show twice). Summary, text and
//! annotation fields are cut to GitHub's byte limits here as a last line of
//! defence; the report layer is expected to have made them fit already.

use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Map, Value};

use super::error::GitHubError;
use super::models::{CheckRunId, CheckRunInfo, Conclusion, RepoRef, WireCheckRun};
use super::retry::Transient;
use super::transport::{
    encode, operation, parse_json, unexpected, Attempt, Budget, Method, Transport,
};

/// GitHub's limit on `output.summary` and `output.text`, in bytes.
pub const OUTPUT_MAX_BYTES: usize = 65_535;
/// GitHub's limit on annotations per create or update request.
pub const ANNOTATIONS_PER_REQUEST: usize = 50;
/// GitHub's limit on an annotation's `title`, in characters.
pub const ANNOTATION_TITLE_MAX_CHARS: usize = 255;
/// Our cap on an annotation's `message` and `raw_details` (GitHub says 64 KB).
pub const ANNOTATION_TEXT_MAX_BYTES: usize = 65_535;

/// Appended when this layer had to cut text to fit.
const CUT_MARK: &str = "\n\n… (cut to fit GitHub's 65,535-byte limit)";

/// The severity of an annotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AnnotationLevel {
    /// `notice`.
    Notice,
    /// `warning`.
    Warning,
    /// `failure`.
    Failure,
}

impl AnnotationLevel {
    /// GitHub's spelling.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Notice => "notice",
            Self::Warning => "warning",
            Self::Failure => "failure",
        }
    }
}

/// A line-level note on the check run (an uncovered changed line, a
/// vulnerable package at its `Cargo.lock` line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    /// Repository-relative path with `/` separators.
    pub path: String,
    /// First line (1-based).
    pub start_line: u32,
    /// Last line (at least `start_line`).
    pub end_line: u32,
    /// First column; only sent when `start_line == end_line`.
    pub start_column: Option<u32>,
    /// Last column; only sent when `start_line == end_line`.
    pub end_column: Option<u32>,
    /// Severity.
    pub level: AnnotationLevel,
    /// The note (plain text).
    pub message: String,
    /// A short title.
    pub title: Option<String>,
    /// Extra details shown on expanding.
    pub raw_details: Option<String>,
}

/// Everything needed to publish one check run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckRunPayload {
    /// Check name, e.g. `tollgate/gate2`; the key for finding an earlier run.
    pub name: String,
    /// The verdict.
    pub conclusion: Conclusion,
    /// `output.title`.
    pub title: String,
    /// `output.summary` (Markdown, at most 65,535 bytes).
    pub summary: String,
    /// `output.text` (Markdown, at most 65,535 bytes).
    pub text: Option<String>,
    /// All annotations; sent 50 per request.
    pub annotations: Vec<Annotation>,
    /// Link to details (the Actions run URL).
    pub details_url: Option<String>,
    /// Our own reference; preferred when several runs share the name.
    pub external_id: Option<String>,
    /// When the evaluation started.
    pub started_at: Option<DateTime<Utc>>,
}

/// The check run after publishing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedCheckRun {
    /// Its id.
    pub id: CheckRunId,
    /// Link to it on github.com.
    pub html_url: Option<String>,
    /// `true` if this call created it, `false` if it updated an earlier run.
    pub created: bool,
    /// Annotations sent in this call.
    pub annotations_sent: usize,
    /// Annotations not sent because the earlier run already had them
    /// (GitHub appends, so re-sending would show them twice).
    pub annotations_already_present: usize,
    /// Requests sent (for logs and tests).
    pub requests: u32,
}

/// `s` cut to at most `max` bytes on a character boundary, with `mark`
/// appended (within the limit) when anything was cut.
pub(crate) fn fit_bytes(s: &str, max: usize, mark: &str) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let room = max.saturating_sub(mark.len());
    let mut end = room.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    let mut out = s[..end].to_owned();
    if mark.len() <= max {
        out.push_str(mark);
    }
    out
}

fn fit_chars(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

fn annotation_json(a: &Annotation) -> Value {
    let start = a.start_line.max(1);
    let end = a.end_line.max(start);
    let mut v = json!({
        "path": a.path,
        "start_line": start,
        "end_line": end,
        "annotation_level": a.level.as_str(),
        "message": fit_bytes(
            if a.message.is_empty() { "(no message)" } else { &a.message },
            ANNOTATION_TEXT_MAX_BYTES,
            "…",
        ),
    });
    // GitHub accepts columns only on single-line annotations.
    if start == end {
        if let Some(c) = a.start_column {
            v["start_column"] = json!(c.max(1));
        }
        if let Some(c) = a.end_column {
            v["end_column"] = json!(c.max(a.start_column.unwrap_or(1)).max(1));
        }
    }
    if let Some(t) = &a.title {
        v["title"] = json!(fit_chars(t, ANNOTATION_TITLE_MAX_CHARS));
    }
    if let Some(d) = &a.raw_details {
        v["raw_details"] = json!(fit_bytes(d, ANNOTATION_TEXT_MAX_BYTES, "…"));
    }
    v
}

fn output_json(payload: &CheckRunPayload, annotations: &[Value]) -> Value {
    let mut output = json!({
        "title": fit_chars(&payload.title, 1024),
        "summary": fit_bytes(&payload.summary, OUTPUT_MAX_BYTES, CUT_MARK),
    });
    if let Some(text) = &payload.text {
        output["text"] = json!(fit_bytes(text, OUTPUT_MAX_BYTES, CUT_MARK));
    }
    if !annotations.is_empty() {
        output["annotations"] = Value::Array(annotations.to_vec());
    }
    output
}

/// The body of the first request (create or update) with the first batch.
fn first_body(payload: &CheckRunPayload, head_sha: Option<&str>, batch: &[Value]) -> Value {
    let mut body = Map::new();
    body.insert("name".into(), json!(payload.name));
    if let Some(sha) = head_sha {
        body.insert("head_sha".into(), json!(sha));
    }
    body.insert("status".into(), json!("completed"));
    body.insert("conclusion".into(), json!(payload.conclusion.as_str()));
    body.insert(
        "completed_at".into(),
        json!(Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)),
    );
    if let Some(started) = payload.started_at {
        body.insert(
            "started_at".into(),
            json!(started.to_rfc3339_opts(SecondsFormat::Secs, true)),
        );
    }
    if let Some(url) = &payload.details_url {
        body.insert("details_url".into(), json!(url));
    }
    if let Some(id) = &payload.external_id {
        body.insert("external_id".into(), json!(id));
    }
    body.insert("output".into(), output_json(payload, batch));
    Value::Object(body)
}

/// What identifies an annotation on GitHub's side.
fn annotation_key(a: &Value) -> (String, u64, u64, String, String, String) {
    let text = |k: &str| {
        a.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let line = |k: &str| a.get(k).and_then(Value::as_u64).unwrap_or_default();
    (
        text("path"),
        line("start_line"),
        line("end_line"),
        text("annotation_level"),
        text("message"),
        text("title"),
    )
}

/// `wanted` minus what `stored` already holds (as a multiset: an
/// annotation wanted twice and stored once is sent once more).
fn not_yet_stored(wanted: Vec<Value>, stored: &[Value]) -> Vec<Value> {
    let mut have: HashMap<_, usize> = HashMap::new();
    for a in stored {
        *have.entry(annotation_key(a)).or_default() += 1;
    }
    wanted
        .into_iter()
        .filter(|a| match have.get_mut(&annotation_key(a)) {
            Some(n) if *n > 0 => {
                *n -= 1;
                false
            }
            _ => true,
        })
        .collect()
}

fn validate(payload: &CheckRunPayload, head_sha: &str) -> Result<(), GitHubError> {
    if payload.name.trim().is_empty() {
        return Err(GitHubError::InvalidPayload(
            "the check name is empty".into(),
        ));
    }
    if payload.title.trim().is_empty() {
        return Err(GitHubError::InvalidPayload("the title is empty".into()));
    }
    if head_sha.len() != 40 || !head_sha.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(GitHubError::InvalidPayload(format!(
            "head sha {head_sha:?} is not a full 40-hex-digit commit id"
        )));
    }
    if matches!(payload.conclusion, Conclusion::Stale | Conclusion::Other(_)) {
        return Err(GitHubError::InvalidPayload(format!(
            "conclusion {:?} cannot be set by a client",
            payload.conclusion.as_str()
        )));
    }
    Ok(())
}

fn parse_run(op: &str, body: &str) -> Result<CheckRunInfo, GitHubError> {
    let value = parse_json(op, body)?;
    serde_json::from_value::<WireCheckRun>(value)
        .map(CheckRunInfo::from)
        .map_err(|e| unexpected(op, &format!("not a check run: {e}")))
}

impl Transport {
    /// Every check run on `sha` (all pages), optionally only those named `name`.
    pub(crate) async fn list_check_runs(
        &self,
        budget: &mut Budget,
        repo: &RepoRef,
        sha: &str,
        name: Option<&str>,
        all: bool,
    ) -> Result<Vec<CheckRunInfo>, GitHubError> {
        let mut uri = format!(
            "/repos/{repo}/commits/{}/check-runs?per_page=100&filter={}",
            encode(sha),
            if all { "all" } else { "latest" }
        );
        if let Some(name) = name {
            uri.push_str("&check_name=");
            uri.push_str(&encode(name));
        }
        let op = operation(Method::Get, &uri);
        let items = self.get_all_pages(budget, &uri, Some("check_runs")).await?;
        items
            .into_iter()
            .map(|v| {
                serde_json::from_value::<WireCheckRun>(v)
                    .map(CheckRunInfo::from)
                    .map_err(|e| unexpected(&op, &format!("not a check run: {e}")))
            })
            .collect()
    }

    /// The run to update: ours by `external_id` if any matches, else the
    /// newest with the name.
    async fn find_existing(
        &self,
        budget: &mut Budget,
        repo: &RepoRef,
        sha: &str,
        payload: &CheckRunPayload,
    ) -> Result<Option<CheckRunInfo>, GitHubError> {
        let runs = self
            .list_check_runs(budget, repo, sha, Some(&payload.name), true)
            .await?;
        let named = runs.into_iter().filter(|r| r.name == payload.name);
        let (mine, others): (Vec<_>, Vec<_>) = named
            .partition(|r| payload.external_id.is_some() && r.external_id == payload.external_id);
        let pick = |v: Vec<CheckRunInfo>| v.into_iter().max_by_key(|r| r.id);
        Ok(pick(mine).or_else(|| pick(others)))
    }

    /// Publishes `payload` as the check run `payload.name` on `head_sha`.
    pub(crate) async fn publish(
        &self,
        repo: &RepoRef,
        head_sha: &str,
        payload: &CheckRunPayload,
    ) -> Result<PublishedCheckRun, GitHubError> {
        validate(payload, head_sha)?;
        let head_sha = head_sha.to_ascii_lowercase();
        let mut budget = Budget::start();
        let mut annotations: Vec<Value> = payload.annotations.iter().map(annotation_json).collect();
        let wanted = annotations.len();

        let existing = self
            .find_existing(&mut budget, repo, &head_sha, payload)
            .await?;
        if let Some(run) = &existing {
            if run.annotations_count > 0 && !annotations.is_empty() {
                let stored = self.list_annotations(&mut budget, repo, run.id).await?;
                annotations = not_yet_stored(annotations, &stored);
            }
        }
        let mut batches = annotations.chunks(ANNOTATIONS_PER_REQUEST);
        let first_batch = batches.next().unwrap_or(&[]);
        let (mut run, created) = if let Some(run) = existing {
            let body = first_body(payload, None, first_batch);
            let run = self
                .patch_run(&mut budget, repo, &run, &body, first_batch.len())
                .await?;
            (run, false)
        } else {
            let body = first_body(payload, Some(&head_sha), first_batch);
            self.create_run(&mut budget, repo, &head_sha, payload, &body)
                .await?
        };
        for batch in batches {
            let mut body = Map::new();
            body.insert("output".into(), output_json(payload, batch));
            run = self
                .patch_run(&mut budget, repo, &run, &Value::Object(body), batch.len())
                .await?;
        }
        Ok(PublishedCheckRun {
            id: run.id,
            html_url: run.html_url,
            created,
            annotations_sent: annotations.len(),
            annotations_already_present: wanted - annotations.len(),
            requests: budget.attempts,
        })
    }

    /// Every annotation stored on a run (all pages).
    async fn list_annotations(
        &self,
        budget: &mut Budget,
        repo: &RepoRef,
        id: CheckRunId,
    ) -> Result<Vec<Value>, GitHubError> {
        self.get_all_pages(
            budget,
            &format!("/repos/{repo}/check-runs/{id}/annotations?per_page=100"),
            None,
        )
        .await
    }

    /// POSTs a new run; after a transient failure, adopts the run if the
    /// POST did create it, else tries again. Returns `(run, created)`.
    async fn create_run(
        &self,
        budget: &mut Budget,
        repo: &RepoRef,
        head_sha: &str,
        payload: &CheckRunPayload,
        body: &Value,
    ) -> Result<(CheckRunInfo, bool), GitHubError> {
        let uri = format!("/repos/{repo}/check-runs");
        let op = operation(Method::Post, &uri);
        let mut retry = 0;
        loop {
            budget.attempts += 1;
            let transient = match self.attempt(Method::Post, &uri, Some(body)).await {
                Attempt::Done(success) => return Ok((parse_run(&op, &success.body)?, true)),
                Attempt::Failed(e) => return Err(e),
                Attempt::Transient(t) => t,
            };
            let waited = self.wait_for_retry(budget, retry, &op, &transient).await;
            retry += 1;
            // The POST may have been carried out behind the failure: look
            // before sending it again, and also when giving up, so that a
            // created run is not reported as a failure.
            match self.find_existing(budget, repo, head_sha, payload).await {
                Ok(Some(run)) => return Ok((run, true)),
                Ok(None) => waited?,
                Err(lookup) => return Err(waited.err().unwrap_or(lookup)),
            }
        }
    }

    /// Sends `PATCH` to a run with `body`, which appends `appended` annotations. A
    /// transient failure of a PATCH that appends is checked against the
    /// run's annotation count before it is re-sent.
    async fn patch_run(
        &self,
        budget: &mut Budget,
        repo: &RepoRef,
        run: &CheckRunInfo,
        body: &Value,
        appended: usize,
    ) -> Result<CheckRunInfo, GitHubError> {
        let uri = format!("/repos/{repo}/check-runs/{}", run.id);
        let op = operation(Method::Patch, &uri);
        let expected = run.annotations_count + appended as u64;
        let mut retry = 0;
        loop {
            budget.attempts += 1;
            let transient: Transient = match self.attempt(Method::Patch, &uri, Some(body)).await {
                Attempt::Done(success) => return parse_run(&op, &success.body),
                Attempt::Failed(e) => return Err(e),
                Attempt::Transient(t) => t,
            };
            let waited = self.wait_for_retry(budget, retry, &op, &transient).await;
            retry += 1;
            if appended == 0 {
                // Without annotations a PATCH is idempotent: just send it again.
                waited?;
                continue;
            }
            let current = self.send(budget, Method::Get, &uri, None).await;
            match current.and_then(|s| parse_run(&op, &s.body)) {
                Ok(now) if now.annotations_count >= expected => return Ok(now),
                Ok(_) => waited?,
                Err(lookup) => return Err(waited.err().unwrap_or(lookup)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload() -> CheckRunPayload {
        CheckRunPayload {
            name: "tollgate/gate2".into(),
            conclusion: Conclusion::Failure,
            title: "Gate 2".into(),
            summary: "s".into(),
            text: None,
            annotations: Vec::new(),
            details_url: None,
            external_id: None,
            started_at: None,
        }
    }

    #[test]
    fn fit_bytes_cuts_on_a_char_boundary_within_the_limit() {
        let s = "€".repeat(30_000); // 90,000 bytes
        let cut = fit_bytes(&s, OUTPUT_MAX_BYTES, CUT_MARK);
        assert!(cut.len() <= OUTPUT_MAX_BYTES);
        assert!(cut.ends_with(CUT_MARK));
        assert_eq!(fit_bytes("short", 10, CUT_MARK), "short");
        let exact = "a".repeat(OUTPUT_MAX_BYTES);
        assert_eq!(fit_bytes(&exact, OUTPUT_MAX_BYTES, CUT_MARK), exact);
    }

    #[test]
    fn annotations_drop_columns_on_multi_line_ranges() {
        let a = Annotation {
            path: "src/lib.rs".into(),
            start_line: 3,
            end_line: 5,
            start_column: Some(1),
            end_column: Some(4),
            level: AnnotationLevel::Warning,
            message: String::new(),
            title: Some("t".repeat(300)),
            raw_details: None,
        };
        let v = annotation_json(&a);
        assert!(v.get("start_column").is_none());
        assert_eq!(v["message"], "(no message)");
        assert_eq!(v["title"].as_str().unwrap().chars().count(), 255);
        let single = annotation_json(&Annotation {
            start_line: 0,
            end_line: 0,
            ..a
        });
        assert_eq!(single["start_line"], 1);
        assert_eq!(single["start_column"], 1);
    }

    #[test]
    fn payloads_github_would_refuse_are_refused_before_sending() {
        let sha = "0123456789abcdef0123456789abcdef01234567";
        assert!(validate(&payload(), sha).is_ok());
        assert!(validate(&payload(), "main").is_err());
        let mut p = payload();
        p.conclusion = Conclusion::Stale;
        assert!(validate(&p, sha).is_err());
        let mut p = payload();
        p.name = " ".into();
        assert!(validate(&p, sha).is_err());
    }

    #[test]
    fn only_annotations_not_yet_stored_are_sent_again() {
        let a = |line: u32, msg: &str| {
            annotation_json(&Annotation {
                path: "src/a.rs".into(),
                start_line: line,
                end_line: line,
                start_column: None,
                end_column: None,
                level: AnnotationLevel::Warning,
                message: msg.into(),
                title: None,
                raw_details: None,
            })
        };
        // As GitHub lists them: absent optional fields come back as null.
        let mut stored = a(1, "x");
        stored["title"] = Value::Null;
        stored["blob_href"] = json!("https://github.com/o/r/blob/sha/src/a.rs");
        let out = not_yet_stored(vec![a(1, "x"), a(1, "x"), a(2, "x"), a(1, "y")], &[stored]);
        assert_eq!(out, vec![a(1, "x"), a(2, "x"), a(1, "y")]);
    }

    #[test]
    fn first_body_is_completed_with_conclusion() {
        let body = first_body(&payload(), Some("abc"), &[]);
        assert_eq!(body["status"], "completed");
        assert_eq!(body["conclusion"], "failure");
        assert_eq!(body["head_sha"], "abc");
        assert!(body["output"].get("annotations").is_none());
        assert!(first_body(&payload(), None, &[]).get("head_sha").is_none());
    }
}
