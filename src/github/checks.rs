//! Publishing a check run (docs/github.md): sending the requests a
//! [`CheckRunPayload`] yields, as they are.
//!
//! A re-run finds tollgate's newest run of that name on the head sha and
//! updates it, so a commit does not collect one run per evaluation. Three
//! cases start a fresh run instead, which GitHub then shows (and branch
//! protection judges) in place of the old one:
//!
//! - the old run holds annotations the new evaluation no longer has: GitHub
//!   appends annotations and cannot delete them, so updating would leave
//!   stale ones behind;
//! - the old run is `completed` and the new one is `in_progress` (the judge
//!   is waiting again, say for a re-run of a required check);
//! - never the other way round: an `in_progress` run is completed in place.
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
//! An evaluation recorded in the external id ([`Evaluation`]) is compared
//! with the newest run's: an older one is not published at all, so a
//! re-run of an old judge job cannot overwrite what a newer one posted.
//!
//! Creation is the one request that is not safe to repeat (GitHub may have
//! created the run behind a 5xx or a timeout), so after any transient
//! failure of the POST we list the runs for the sha again and adopt a run
//! newer than any we started from, before trying again. Annotations go 50
//! per request: the first request carries up to 50, each further PATCH
//! appends 50 more; a PATCH that failed transiently is checked against the
//! run's `annotations_count` before it is re-sent, so a write that happened
//! behind a 5xx is not appended twice. On an update, annotations the run
//! already holds are not sent again.
//!
//! Nothing here cuts or rebuilds a field: the payload already fits GitHub's
//! limits (`report::github::payload` owns them), and the bodies are its own
//! serialisation.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::Value;

use super::error::GitHubError;
use super::models::CheckStatus;
use super::models::{CheckRunId, CheckRunInfo, RepoRef, WireCheckRun};
use super::retry::Transient;
use super::transport::{encode, operation, unexpected, Attempt, Budget, Method, Transport};
use crate::report::github::{
    external_identity, CheckAnnotation, CheckRunPayload, CheckRunRequest, CheckRunStatus,
    Evaluation, Publish,
};

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
    /// The earlier run this one replaced with a fresh run (its annotations
    /// went stale, or it was completed and this one is `in_progress`).
    pub replaced: Option<CheckRunId>,
    /// Nothing was sent: the newest run already holds this newer
    /// evaluation ([`PublishedCheckRun::id`] is that run).
    pub kept_newer: Option<Evaluation>,
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

/// Whether `stored` holds an annotation that `wanted` does not (as a
/// multiset): updating would leave it behind. A stored entry we cannot read
/// counts as stale.
fn has_stale(wanted: &[CheckAnnotation], stored: &[Value]) -> bool {
    let mut want: HashMap<AnnotationKey, usize> = HashMap::new();
    for a in wanted {
        *want.entry(key(a)).or_default() += 1;
    }
    stored.iter().any(|a| {
        match serde_json::from_value::<StoredAnnotation>(a.clone()).map(stored_key) {
            Ok(k) => match want.get_mut(&k) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    false
                }
                _ => true,
            },
            Err(_) => true,
        }
    })
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

fn parse_run(op: &str, value: Value) -> Result<CheckRunInfo, GitHubError> {
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

    /// The run to update: ours by external id (whichever evaluation it
    /// holds) if any matches, else the newest with the name; with
    /// `newer_than`, only runs created after that one (adopting a POST that
    /// went through behind a failure); never one of `refused`'s.
    async fn find_existing(
        &self,
        budget: &mut Budget,
        repo: &RepoRef,
        payload: &CheckRunPayload,
        newer_than: Option<CheckRunId>,
        refused: &Refused,
    ) -> Result<Option<CheckRunInfo>, GitHubError> {
        let runs = self
            .list_check_runs(budget, repo, payload.head_sha(), Some(payload.name()), true)
            .await?;
        let named = runs
            .into_iter()
            .filter(|r| r.name == payload.name() && !refused.covers(r))
            .filter(|r| newer_than.is_none_or(|old| r.id > old));
        let (mine, others): (Vec<_>, Vec<_>) = named.partition(|r| {
            r.external_id.as_deref().map(external_identity) == Some(payload.identity())
        });
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
                .find_existing(&mut budget, repo, payload, None, &refused)
                .await?;
            if let Some(run) = &existing {
                let theirs = run
                    .external_id
                    .as_deref()
                    .and_then(Evaluation::from_external_id);
                if let (Some(theirs), Some(ours)) = (theirs, payload.evaluation()) {
                    if theirs > ours {
                        return Ok(PublishedCheckRun {
                            id: run.id,
                            html_url: run.html_url.clone(),
                            created: false,
                            annotations_sent: 0,
                            annotations_already_present: 0,
                            requests: budget.attempts,
                            replaced: None,
                            kept_newer: Some(theirs),
                        });
                    }
                }
            }
            // Update the run, or start a fresh one (see the module documentation).
            let (update, to_send) = match existing {
                None => (None, wanted.to_vec()),
                Some(run)
                    if run.status == CheckStatus::Completed
                        && payload.status() == CheckRunStatus::InProgress =>
                {
                    (Some((run, true)), wanted.to_vec())
                }
                Some(run) if run.annotations_count > 0 => {
                    let stored = self.list_annotations(&mut budget, repo, run.id).await?;
                    if has_stale(wanted, &stored) {
                        (Some((run, true)), wanted.to_vec())
                    } else {
                        let to_send = not_yet_stored(wanted, stored);
                        (Some((run, false)), to_send)
                    }
                }
                Some(run) => (Some((run, false)), wanted.to_vec()),
            };
            let (publish, replaced) = match &update {
                Some((_, false)) => (Publish::Update, None),
                Some((run, true)) => (Publish::Create, Some(run.id)),
                None => (Publish::Create, None),
            };
            let requests = payload.requests(&to_send, publish);
            let (mut run, created) = match update {
                Some((run, false)) => match self
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
                _ => {
                    self.create_run(
                        &mut budget,
                        repo,
                        payload,
                        &requests.first,
                        replaced,
                        &refused,
                    )
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
                replaced,
                kept_newer: None,
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
    /// POST did create it (a run newer than `replacing`, the run this one
    /// replaces), else tries again. Returns `(run, created)`.
    async fn create_run(
        &self,
        budget: &mut Budget,
        repo: &RepoRef,
        payload: &CheckRunPayload,
        body: &CheckRunRequest<'_>,
        replacing: Option<CheckRunId>,
        refused: &Refused,
    ) -> Result<(CheckRunInfo, bool), GitHubError> {
        let uri = format!("/repos/{repo}/check-runs");
        let op = operation(Method::Post, &uri);
        let mut retry = 0;
        loop {
            budget.attempts += 1;
            let transient = match self.attempt(Method::Post, &uri, Some(body)).await {
                Attempt::Done(success) => return Ok((parse_run(&op, success.value)?, true)),
                Attempt::Failed(e) => return Err(e),
                Attempt::Transient(t) => t,
            };
            let waited = self.wait_for_retry(budget, retry, &op, &transient).await;
            retry += 1;
            // The POST may have been carried out behind the failure: look
            // before sending it again, and also when giving up, so that a
            // created run is not reported as a failure.
            let newer_than = replacing.or(Some(CheckRunId(0)));
            match self
                .find_existing(budget, repo, payload, newer_than, refused)
                .await
            {
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
                Attempt::Done(success) => return parse_run(&op, success.value),
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
            match current.and_then(|s| parse_run(&op, s.value)) {
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
