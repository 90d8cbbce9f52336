//! Where tollgate runs: a GitHub Actions event or a local checkout.
//!
//! From Actions, `GITHUB_EVENT_NAME` and the payload at `GITHUB_EVENT_PATH`
//! decide what is judged (docs/github.md). In pull-request events the head
//! commit is `pull_request.head.sha`: `GITHUB_SHA` there is the merge commit of
//! `refs/pull/N/merge`, and a check run on it would never show on the PR.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::eval::ContextKind;

/// What triggered the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    /// `pull_request`, `pull_request_target` or `pull_request_review`.
    PullRequest {
        /// PR number.
        number: u64,
        /// Head commit (never the merge commit).
        head_sha: String,
        /// Base commit.
        base_sha: String,
        /// Base branch name.
        base_ref: String,
        /// PR author's login (their own review never counts).
        author: String,
        /// Whether the head is in a fork (its token is read-only).
        from_fork: bool,
    },
    /// A push of `refs/tags/TAG`.
    Tag {
        /// Tag name without `refs/tags/`.
        name: String,
        /// Commit the tag points at.
        sha: String,
    },
    /// A push to a branch.
    Push {
        /// Full ref.
        git_ref: String,
        /// Pushed commit.
        sha: String,
    },
    /// `workflow_dispatch` or another event judged at `GITHUB_SHA`.
    Other {
        /// The event name.
        event: String,
        /// `GITHUB_SHA`.
        sha: String,
    },
}

impl Trigger {
    /// The kind of run this trigger judges, as the verdict's context names it.
    #[must_use]
    pub fn kind(&self) -> ContextKind {
        match self {
            Trigger::PullRequest { .. } => ContextKind::PullRequest,
            Trigger::Tag { .. } => ContextKind::Tag,
            Trigger::Push { .. } => ContextKind::Push,
            Trigger::Other { event, .. } => ContextKind::from_name(event),
        }
    }
}

/// The Actions run environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionsContext {
    /// `GITHUB_EVENT_NAME`.
    pub event_name: String,
    /// What is judged.
    pub trigger: Trigger,
    /// `owner/name`.
    pub repository: String,
    /// REST API base, e.g. `https://api.github.com` (Enterprise and tests differ).
    pub api_url: String,
    /// Link to this run, for the check run's `details_url`.
    pub run_url: Option<String>,
    /// `$GITHUB_STEP_SUMMARY`.
    pub step_summary: Option<PathBuf>,
    /// `$GITHUB_OUTPUT`.
    pub output: Option<PathBuf>,
}

/// The Actions context could not be understood.
#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    /// A variable Actions always sets is missing.
    #[error("GitHub Actions environment: {0} is not set")]
    MissingVar(&'static str),
    /// The event payload could not be read or lacks a field.
    #[error("{path}: event payload: {message}")]
    Payload {
        /// The payload file.
        path: PathBuf,
        /// What was wrong.
        message: String,
    },
}

/// Reads the Actions context through `var` (normally `std::env::var`);
/// `Ok(None)` outside Actions (`GITHUB_ACTIONS` not `true`).
pub fn actions_context(
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<ActionsContext>, ContextError> {
    if var("GITHUB_ACTIONS").as_deref() != Some("true") {
        return Ok(None);
    }
    let need = |name: &'static str| {
        var(name)
            .filter(|v| !v.is_empty())
            .ok_or(ContextError::MissingVar(name))
    };
    let event_name = need("GITHUB_EVENT_NAME")?;
    let repository = need("GITHUB_REPOSITORY")?;
    let sha = need("GITHUB_SHA")?;
    let api_url = var("GITHUB_API_URL")
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "https://api.github.com".to_owned());
    let payload_path = need("GITHUB_EVENT_PATH").map(PathBuf::from)?;
    let payload = read_payload(&payload_path)?;
    let trigger = trigger(
        &event_name,
        &payload,
        &payload_path,
        &sha,
        var("GITHUB_REF").unwrap_or_default(),
    )?;
    let run_url = match (var("GITHUB_SERVER_URL"), var("GITHUB_RUN_ID")) {
        (Some(server), Some(run)) if !server.is_empty() && !run.is_empty() => Some(format!(
            "{}/{repository}/actions/runs/{run}",
            server.trim_end_matches('/')
        )),
        _ => None,
    };
    Ok(Some(ActionsContext {
        event_name,
        trigger,
        repository,
        api_url,
        run_url,
        step_summary: var("GITHUB_STEP_SUMMARY")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from),
        output: var("GITHUB_OUTPUT")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from),
    }))
}

fn read_payload(path: &Path) -> Result<Value, ContextError> {
    let text = fs_err::read_to_string(path).map_err(|e| ContextError::Payload {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    serde_json::from_str(&text).map_err(|e| ContextError::Payload {
        path: path.to_path_buf(),
        message: format!("line {}: {e}", e.line()),
    })
}

fn trigger(
    event: &str,
    payload: &Value,
    path: &Path,
    sha: &str,
    git_ref: String,
) -> Result<Trigger, ContextError> {
    let field = |pointer: &str| -> Result<&Value, ContextError> {
        payload
            .pointer(pointer)
            .filter(|v| !v.is_null())
            .ok_or_else(|| ContextError::Payload {
                path: path.to_path_buf(),
                message: format!(
                    "`{}` is missing for a {event} event",
                    pointer.trim_start_matches('/').replace('/', ".")
                ),
            })
    };
    let text = |pointer: &str| -> Result<String, ContextError> {
        field(pointer)?
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| ContextError::Payload {
                path: path.to_path_buf(),
                message: format!(
                    "`{}` is not a string",
                    pointer.trim_start_matches('/').replace('/', ".")
                ),
            })
    };
    match event {
        "pull_request"
        | "pull_request_target"
        | "pull_request_review"
        | "pull_request_review_comment" => {
            let number =
                field("/pull_request/number")?
                    .as_u64()
                    .ok_or_else(|| ContextError::Payload {
                        path: path.to_path_buf(),
                        message: "`pull_request.number` is not a number".to_owned(),
                    })?;
            let head_repo = payload
                .pointer("/pull_request/head/repo/full_name")
                .and_then(Value::as_str);
            let base_repo = payload
                .pointer("/pull_request/base/repo/full_name")
                .and_then(Value::as_str);
            let from_fork = payload
                .pointer("/pull_request/head/repo/fork")
                .and_then(Value::as_bool)
                .unwrap_or(false)
                || matches!((head_repo, base_repo), (Some(h), Some(b)) if h != b);
            Ok(Trigger::PullRequest {
                number,
                head_sha: text("/pull_request/head/sha")?,
                base_sha: text("/pull_request/base/sha")?,
                base_ref: text("/pull_request/base/ref")?,
                author: text("/pull_request/user/login")?,
                from_fork,
            })
        }
        "push" => {
            let git_ref = payload
                .pointer("/ref")
                .and_then(Value::as_str)
                .map_or(git_ref, str::to_owned);
            let after = payload
                .pointer("/after")
                .and_then(Value::as_str)
                .unwrap_or(sha)
                .to_owned();
            match git_ref.strip_prefix("refs/tags/") {
                Some(tag) => Ok(Trigger::Tag {
                    name: tag.to_owned(),
                    sha: after,
                }),
                None => Ok(Trigger::Push {
                    git_ref,
                    sha: after,
                }),
            }
        }
        other => Ok(Trigger::Other {
            event: other.to_owned(),
            sha: sha.to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn run(event: &str, payload: &str) -> Result<Option<ActionsContext>, ContextError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("event.json");
        std::fs::write(&path, payload).unwrap();
        let vars: HashMap<&str, String> = [
            ("GITHUB_ACTIONS", "true".to_owned()),
            ("GITHUB_EVENT_NAME", event.to_owned()),
            ("GITHUB_REPOSITORY", "o/r".to_owned()),
            ("GITHUB_SHA", "merge000".to_owned()),
            ("GITHUB_EVENT_PATH", path.display().to_string()),
            ("GITHUB_SERVER_URL", "https://github.com".to_owned()),
            ("GITHUB_RUN_ID", "42".to_owned()),
        ]
        .into_iter()
        .collect();
        actions_context(&|k| vars.get(k).cloned())
    }

    #[test]
    fn pull_request_uses_the_head_sha_not_the_merge_commit() {
        let payload = r#"{"pull_request":{"number":7,"user":{"login":"dev"},
            "head":{"sha":"head111","repo":{"full_name":"fork/r","fork":true}},
            "base":{"sha":"base222","ref":"main","repo":{"full_name":"o/r"}}}}"#;
        let ctx = run("pull_request", payload).unwrap().unwrap();
        assert_eq!(
            ctx.trigger,
            Trigger::PullRequest {
                number: 7,
                head_sha: "head111".into(),
                base_sha: "base222".into(),
                base_ref: "main".into(),
                author: "dev".into(),
                from_fork: true
            }
        );
        assert_eq!(
            ctx.run_url.as_deref(),
            Some("https://github.com/o/r/actions/runs/42")
        );
    }

    #[test]
    fn tag_push_yields_the_tag() {
        let ctx = run("push", r#"{"ref":"refs/tags/v1.2.3","after":"abc"}"#)
            .unwrap()
            .unwrap();
        assert_eq!(
            ctx.trigger,
            Trigger::Tag {
                name: "v1.2.3".into(),
                sha: "abc".into()
            }
        );
        assert_eq!(ctx.trigger.kind(), ContextKind::Tag);
    }

    #[test]
    fn other_events_are_judged_at_github_sha_under_their_own_name() {
        let ctx = run("workflow_dispatch", "{}").unwrap().unwrap();
        assert_eq!(
            ctx.trigger,
            Trigger::Other {
                event: "workflow_dispatch".into(),
                sha: "merge000".into()
            }
        );
        assert_eq!(
            ctx.trigger.kind(),
            ContextKind::Event("workflow_dispatch".into())
        );
        assert_eq!(ctx.trigger.kind().as_str(), "workflow_dispatch");
    }

    #[test]
    fn a_payload_without_the_head_is_an_error_naming_the_field() {
        let err = run("pull_request_review", r#"{"pull_request":{"number":7}}"#).unwrap_err();
        assert!(
            err.to_string()
                .contains("`pull_request.head.sha` is missing"),
            "{err}"
        );
    }

    #[test]
    fn outside_actions_there_is_no_context() {
        assert!(actions_context(&|_| None).unwrap().is_none());
    }
}
