//! Publishing a check run (docs/github.md): sending the requests a
//! [`CheckRunPayload`] yields, as they are.
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
//! cannot delete, so they would show twice).
//!
//! A same-named run made by another app (a workflow job called
//! `tollgate/gate2`, another GitHub App) cannot be updated by us: GitHub
//! answers 403. Which app our token acts as is not something a token can
//! ask (`GET /app` needs the app's own key), so the first PATCH tells us: a
//! run that refuses it is set aside with its app, and the next candidate,
//! or a new run, is used instead. A token that can write no check run at all
//! is refused the POST too, and that is the [`GitHubError::Forbidden`] the
//! caller sees.
//!
//! Nothing here cuts or rebuilds a field: the payload already fits GitHub's
//! limits (`report::github::payload` owns them), and the bodies are its own
//! serialisation.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::Value;

use super::error::GitHubError;
use super::models::{CheckRunId, CheckRunInfo, RepoRef, WireCheckRun};
use super::retry::Transient;
use super::transport::{
    encode, operation, parse_json, unexpected, Attempt, Budget, Method, Transport,
};
use crate::report::github::{CheckAnnotation, CheckRunPayload, CheckRunRequest, Publish};

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

/// An annotation as GitHub lists it back (only what identifies it; absent
/// fields come back as `null`).
#[derive(Deserialize)]
struct StoredAnnotation {
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    start_line: Option<u32>,
    #[serde(default)]
    end_line: Option<u32>,
    #[serde(default)]
    annotation_level: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    title: Option<String>,
}

/// What identifies an annotation on GitHub's side.
type AnnotationKey = (String, u32, u32, String, String, String);

fn key(a: &CheckAnnotation) -> AnnotationKey {
    (
        a.path().to_owned(),
        a.start_line(),
        a.end_line(),
        a.level().as_str().to_owned(),
        a.message().to_owned(),
        a.title().to_owned(),
    )
}

fn stored_key(a: StoredAnnotation) -> AnnotationKey {
    (
        a.path.unwrap_or_default(),
        a.start_line.unwrap_or_default(),
        a.end_line.unwrap_or_default(),
        a.annotation_level.unwrap_or_default(),
        a.message.unwrap_or_default(),
        a.title.unwrap_or_default(),
    )
}

/// `wanted` minus what `stored` already holds (as a multiset: an
/// annotation wanted twice and stored once is sent once more). A stored
/// entry we cannot read matches nothing, so at worst it is sent again.
fn not_yet_stored(wanted: &[CheckAnnotation], stored: Vec<Value>) -> Vec<CheckAnnotation> {
    let mut have: HashMap<AnnotationKey, usize> = HashMap::new();
    for a in stored {
        if let Ok(a) = serde_json::from_value::<StoredAnnotation>(a) {
            *have.entry(stored_key(a)).or_default() += 1;
        }
    }
    wanted
        .iter()
        .filter(|a| match have.get_mut(&key(a)) {
            Some(n) if *n > 0 => {
                *n -= 1;
                false
            }
            _ => true,
        })
        .cloned()
        .collect()
}

/// Runs (and the apps behind them) that refused our PATCH: another app's.
#[derive(Default)]
struct Refused {
    runs: Vec<CheckRunId>,
    apps: Vec<u64>,
}

impl Refused {
    fn add(&mut self, run: &CheckRunInfo) {
        self.runs.push(run.id);
        self.apps.extend(run.app_id);
    }

    fn covers(&self, run: &CheckRunInfo) -> bool {
        self.runs.contains(&run.id) || run.app_id.is_some_and(|a| self.apps.contains(&a))
    }
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

    /// The run to update: ours by external id if any matches, else the
    /// newest with the name; never one of `refused`'s.
    async fn find_existing(
        &self,
        budget: &mut Budget,
        repo: &RepoRef,
        payload: &CheckRunPayload,
        refused: &Refused,
    ) -> Result<Option<CheckRunInfo>, GitHubError> {
        let runs = self
            .list_check_runs(budget, repo, payload.head_sha(), Some(payload.name()), true)
            .await?;
        let named = runs
            .into_iter()
            .filter(|r| r.name == payload.name() && !refused.covers(r));
        let (mine, others): (Vec<_>, Vec<_>) =
            named.partition(|r| r.external_id.as_deref() == Some(payload.external_id()));
        let pick = |v: Vec<CheckRunInfo>| v.into_iter().max_by_key(|r| r.id);
        Ok(pick(mine).or_else(|| pick(others)))
    }

    /// Publishes `payload` as the check run `payload.name()` on its head sha.
    pub(crate) async fn publish(
        &self,
        repo: &RepoRef,
        payload: &CheckRunPayload,
    ) -> Result<PublishedCheckRun, GitHubError> {
        let mut budget = Budget::start();
        let wanted = payload.output().annotations();
        let mut refused = Refused::default();
        loop {
            let existing = self
                .find_existing(&mut budget, repo, payload, &refused)
                .await?;
            let to_send = match &existing {
                Some(run) if run.annotations_count > 0 && !wanted.is_empty() => {
                    let stored = self.list_annotations(&mut budget, repo, run.id).await?;
                    not_yet_stored(wanted, stored)
                }
                _ => wanted.to_vec(),
            };
            let publish = if existing.is_some() {
                Publish::Update
            } else {
                Publish::Create
            };
            let requests = payload.requests(&to_send, publish);
            let (mut run, created) = match existing {
                Some(run) => match self
                    .patch_run(&mut budget, repo, &run, &requests.first)
                    .await
                {
                    Ok(updated) => (updated, false),
                    // Another app's run of the same name: not ours to update.
                    Err(GitHubError::Forbidden { .. }) => {
                        refused.add(&run);
                        continue;
                    }
                    Err(e) => return Err(e),
                },
                None => {
                    self.create_run(&mut budget, repo, payload, &requests.first, &refused)
                        .await?
                }
            };
            for append in &requests.appends {
                run = self.patch_run(&mut budget, repo, &run, append).await?;
            }
            return Ok(PublishedCheckRun {
                id: run.id,
                html_url: run.html_url,
                created,
                annotations_sent: to_send.len(),
                annotations_already_present: wanted.len() - to_send.len(),
                requests: budget.attempts,
            });
        }
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
        payload: &CheckRunPayload,
        body: &CheckRunRequest<'_>,
        refused: &Refused,
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
            match self.find_existing(budget, repo, payload, refused).await {
                Ok(Some(run)) => return Ok((run, true)),
                Ok(None) => waited?,
                Err(lookup) => return Err(waited.err().unwrap_or(lookup)),
            }
        }
    }

    /// Sends `PATCH` to a run with `body`. A transient failure of a PATCH
    /// that appends annotations is checked against the run's annotation
    /// count before it is re-sent.
    async fn patch_run(
        &self,
        budget: &mut Budget,
        repo: &RepoRef,
        run: &CheckRunInfo,
        body: &CheckRunRequest<'_>,
    ) -> Result<CheckRunInfo, GitHubError> {
        let appended = body.annotation_count();
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
    use serde_json::json;

    use super::*;
    use crate::report::github::CheckAnnotationLevel;

    fn a(line: u32, msg: &str) -> CheckAnnotation {
        CheckAnnotation::new(
            "src/a.rs",
            line,
            line,
            CheckAnnotationLevel::Warning,
            "coverage.patch: Uncovered changed line",
            msg,
        )
    }

    /// As GitHub lists an annotation back: what was sent, absent optional
    /// fields as `null`, and fields of its own.
    fn listed(annotation: &CheckAnnotation) -> Value {
        let mut v = serde_json::to_value(annotation).unwrap();
        v["start_column"] = Value::Null;
        v["raw_details"] = Value::Null;
        v["blob_href"] = json!("https://github.com/o/r/blob/sha/src/a.rs");
        v
    }

    #[test]
    fn only_annotations_not_yet_stored_are_sent_again() {
        let wanted = [a(1, "x"), a(1, "x"), a(2, "x"), a(1, "y")];
        let out = not_yet_stored(&wanted, vec![listed(&a(1, "x")), json!("garbage")]);
        assert_eq!(out, [a(1, "x"), a(2, "x"), a(1, "y")]);
        // A stored annotation differing only in title is another annotation.
        let mut retitled = listed(&a(2, "x"));
        retitled["title"] = json!("other");
        assert_eq!(not_yet_stored(&[a(2, "x")], vec![retitled]), [a(2, "x")]);
        assert!(not_yet_stored(&wanted, wanted.iter().map(listed).collect()).is_empty());
    }
}
