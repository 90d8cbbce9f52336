//! Where tollgate runs: a GitHub Actions event or a local checkout.
//!
//! From Actions, `GITHUB_EVENT_NAME` and the payload at `GITHUB_EVENT_PATH`
//! decide what is judged (docs/github.md). In pull-request events the head
//! commit is `pull_request.head.sha`: `GITHUB_SHA` there is the merge commit of
//! `refs/pull/N/merge`, and a check run on it would never show on the PR.
//!
//! A `workflow_run` event is the privileged judge's: its payload describes
//! the run that completed ([`WorkflowRunEvent`]). Only its identifiers are
//! used (id, workflow file, event, head commit, conclusion): the pull
//! requests it lists are empty for forks and its branch names are the head
//! repository's to choose, so what is judged is found through the API.
//!
//! A tag push is judged at `GITHUB_SHA`, the commit: the payload's `after`
//! is the tag object for an annotated tag, which no check run or signed
//! document can be bound to.

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
        /// The commit judged: `GITHUB_SHA`, the commit the tag peels to.
        sha: String,
        /// What the pushed ref points at (the payload's `after`): the
        /// commit for a lightweight tag, the tag object for an annotated
        /// one, which is never judged.
        object: String,
        /// The repository's default branch (`repository.default_branch`),
        /// where the release's policy is read from.
        default_branch: Option<String>,
    },
    /// A push to a branch.
    Push {
        /// Full ref.
        git_ref: String,
        /// Pushed commit.
        sha: String,
    },
    /// `workflow_run`: another workflow run completed (the judge).
    WorkflowRun(WorkflowRunEvent),
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
            Trigger::WorkflowRun(run) => match run.event.as_str() {
                "pull_request" | "pull_request_target" | "pull_request_review" | "merge_group" => {
                    ContextKind::PullRequest
                }
                event => ContextKind::from_name(event),
            },
            Trigger::Other { event, .. } => ContextKind::from_name(event),
        }
    }
}

/// The completed run a `workflow_run` event reports (webhook
/// `workflow_run.completed`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowRunEvent {
    /// The run's id.
    pub id: u64,
    /// The workflow's name.
    pub name: String,
    /// The workflow file, e.g. `.github/workflows/tollgate-evidence.yml`.
    pub path: String,
    /// The event that started that run (`pull_request`, `push`, ...).
    pub event: String,
    /// `completed` (the judge listens for `completed` only), or another.
    pub status: String,
    /// `success`, `failure`, `cancelled`, `timed_out`, ...
    pub conclusion: Option<String>,
    /// The commit the run built.
    pub head_sha: String,
    /// The head branch, as the head repository names it (untrusted).
    pub head_branch: Option<String>,
    /// `owner/name` of the head repository (a fork's for fork pull requests).
    pub head_repository: Option<String>,
    /// Numbers of the pull requests GitHub lists (empty for forks).
    pub pull_requests: Vec<u64>,
    /// Link to the run.
    pub html_url: Option<String>,
    /// Attempt (1, or more after a re-run).
    pub run_attempt: u64,
    /// When the run was last updated (its completion, for a completed run).
    pub updated_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The repository's default branch, from `repository.default_branch`.
    pub default_branch: Option<String>,
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

/// Why a release tag cannot be judged (exit 2: nothing is wrong with the
/// release's evidence, the run has the wrong thing in front of it).
#[derive(Debug, thiserror::Error)]
pub enum TagContextError {
    /// In Actions: the tag does not peel to the commit the run checked out.
    #[error(
        "tag {tag} points at commit {tag_commit}, but this run is for {judged} (GITHUB_SHA): the tag was moved after it was pushed; judge the new push instead"
    )]
    OtherCommit {
        /// The tag.
        tag: String,
        /// The commit the tag peels to now.
        tag_commit: String,
        /// `GITHUB_SHA`.
        judged: String,
    },
    /// In Actions: GitHub has no such tag (deleted since the push).
    #[error("tag {tag} is not in the repository any more (GitHub has no refs/tags/{tag}): it was deleted after it was pushed")]
    Gone {
        /// The tag.
        tag: String,
    },
    /// Locally: `--tag` names a tag that is not checked out.
    #[error(
        "tag {tag} points at {tag_commit}, HEAD is {head}: check out the tag (git checkout {tag})"
    )]
    NotCheckedOut {
        /// The tag.
        tag: String,
        /// The commit it peels to.
        tag_commit: String,
        /// `HEAD`.
        head: String,
    },
    /// `check --tag NAME` names a tag the repository does not have, and no
    /// `--preview` asked to judge the commit as if it were tagged.
    #[error(
        "tag {tag} does not exist in this repository{}: create it (tollgate tag {tag}, or git tag), \
         or pass --preview to judge HEAD as the release {tag} before tagging it",
        if existing.is_empty() { String::new() } else { format!(" (its tags: {})", existing.join(", ")) }
    )]
    NoSuchTag {
        /// The tag named.
        tag: String,
        /// Tags that do exist, nearest names first (a few).
        existing: Vec<String>,
    },
    /// The push payload names no default branch to read the policy from.
    #[error(
        "tag {tag}: the push event names no repository.default_branch, so the release policy's branch is unknown"
    )]
    NoDefaultBranch {
        /// The tag.
        tag: String,
    },
    /// The release branch's head could not be found.
    #[error("the release policy is read from branch {branch}, but {why}")]
    NoBranch {
        /// The branch.
        branch: String,
        /// What was tried.
        why: String,
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
    let bytes = crate::input::read_input(path, crate::input::InputKind::Report).map_err(|e| {
        ContextError::Payload {
            path: path.to_path_buf(),
            message: e.to_string(),
        }
    })?;
    serde_json::from_slice(&bytes).map_err(|e| ContextError::Payload {
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
                // For an annotated tag `after` is the tag object; GitHub sets
                // `GITHUB_SHA` to the commit it peels to.
                Some(tag) => Ok(Trigger::Tag {
                    name: tag.to_owned(),
                    sha: sha.to_owned(),
                    object: after,
                    default_branch: payload
                        .pointer("/repository/default_branch")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                }),
                None => Ok(Trigger::Push {
                    git_ref,
                    sha: after,
                }),
            }
        }
        "workflow_run" => workflow_run(payload, path, &text).map(Trigger::WorkflowRun),
        other => Ok(Trigger::Other {
            event: other.to_owned(),
            sha: sha.to_owned(),
        }),
    }
}

/// The completed run of the `workflow_run` payload at `path`; `text` reads
/// a required string field.
fn workflow_run(
    payload: &Value,
    path: &Path,
    text: &dyn Fn(&str) -> Result<String, ContextError>,
) -> Result<WorkflowRunEvent, ContextError> {
    let number = |pointer: &str| payload.pointer(pointer).and_then(Value::as_u64);
    let optional = |pointer: &str| {
        payload
            .pointer(pointer)
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    Ok(WorkflowRunEvent {
        id: number("/workflow_run/id").ok_or_else(|| ContextError::Payload {
            path: path.to_path_buf(),
            message: "`workflow_run.id` is missing or not a number".to_owned(),
        })?,
        name: optional("/workflow_run/name").unwrap_or_default(),
        path: text("/workflow_run/path")?,
        event: text("/workflow_run/event")?,
        status: optional("/workflow_run/status").unwrap_or_default(),
        conclusion: optional("/workflow_run/conclusion"),
        head_sha: text("/workflow_run/head_sha")?,
        head_branch: optional("/workflow_run/head_branch"),
        head_repository: optional("/workflow_run/head_repository/full_name"),
        pull_requests: payload
            .pointer("/workflow_run/pull_requests")
            .and_then(Value::as_array)
            .map(|prs| {
                prs.iter()
                    .filter_map(|p| p.get("number").and_then(Value::as_u64))
                    .collect()
            })
            .unwrap_or_default(),
        html_url: optional("/workflow_run/html_url"),
        run_attempt: number("/workflow_run/run_attempt").unwrap_or(1),
        updated_at: optional("/workflow_run/updated_at")
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
            .map(|t| t.with_timezone(&chrono::Utc)),
        default_branch: optional("/repository/default_branch"),
    })
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
    fn tag_push_is_judged_at_the_commit_not_the_tag_object() {
        let ctx = run(
            "push",
            r#"{"ref":"refs/tags/v1.2.3","after":"tag0bject","repository":{"default_branch":"trunk"}}"#,
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            ctx.trigger,
            Trigger::Tag {
                name: "v1.2.3".into(),
                sha: "merge000".into(),
                object: "tag0bject".into(),
                default_branch: Some("trunk".into()),
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
    fn a_fork_workflow_run_has_no_pull_requests_and_keeps_the_head_repository() {
        let payload = r#"{"action":"completed","workflow_run":{"id":30433642,"name":"tollgate-evidence",
            "path":".github/workflows/tollgate-evidence.yml","event":"pull_request","status":"completed",
            "conclusion":"success","head_sha":"acb5820ced9479c074f688cc328bf03f341a511d",
            "head_branch":"main","head_repository":{"full_name":"fork/r"},"pull_requests":[],
            "html_url":"https://github.com/o/r/actions/runs/30433642","run_attempt":2,
            "updated_at":"2020-01-22T19:33:08Z"},"repository":{"full_name":"o/r","default_branch":"main"}}"#;
        let ctx = run("workflow_run", payload).unwrap().unwrap();
        let Trigger::WorkflowRun(event) = &ctx.trigger else {
            panic!("{:?}", ctx.trigger);
        };
        assert_eq!(event.id, 30_433_642);
        assert_eq!(event.event, "pull_request");
        assert_eq!(event.conclusion.as_deref(), Some("success"));
        assert!(event.pull_requests.is_empty());
        assert_eq!(event.head_repository.as_deref(), Some("fork/r"));
        assert_eq!(event.run_attempt, 2);
        assert_eq!(event.updated_at.map(|t| t.timestamp()), Some(1_579_721_588));
        assert_eq!(event.default_branch.as_deref(), Some("main"));
        assert_eq!(ctx.trigger.kind(), ContextKind::PullRequest);
        let err = run("workflow_run", r#"{"workflow_run":{"id":1}}"#).unwrap_err();
        assert!(
            err.to_string().contains("`workflow_run.path` is missing"),
            "{err}"
        );
    }

    #[test]
    fn outside_actions_there_is_no_context() {
        assert!(actions_context(&|_| None).unwrap().is_none());
    }
}
