//! The Actions API the privileged judge uses: the workflow runs of a commit
//! (to find the evidence run), a run's artifacts, an artifact's zip, and the
//! open pull requests (to find those whose head is the commit).
//!
//! An artifact download answers `302` with a short-lived storage URL on
//! another host. The transport follows it (octocrab's redirect layer) and
//! that layer strips `Authorization` from a request that leaves the API's
//! origin, so the token is never sent to the storage host; the body is
//! counted as it streams in and refused past a cap.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::error::GitHubError;
use super::models::{CheckStatus, Conclusion, PullRequestInfo, RepoRef, WirePull};
use super::transport::{encode, Budget};
use super::GitHubClient;

/// One run of a GitHub Actions workflow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowRun {
    /// Its id.
    pub id: u64,
    /// The workflow's name.
    pub name: Option<String>,
    /// The workflow file as GitHub reports it: `.github/workflows/ci.yml`,
    /// possibly with an `@REF` suffix or an `OWNER/NAME/` prefix (see
    /// [`workflow_file`]).
    pub path: String,
    /// The check suite that holds its jobs' check runs.
    pub check_suite_id: Option<u64>,
    /// The commit it ran on.
    pub head_sha: String,
    /// The event that started it (`pull_request`, `push`, …).
    pub event: String,
    /// Progress.
    pub status: CheckStatus,
    /// Conclusion once completed.
    pub conclusion: Option<Conclusion>,
    /// Attempt number (1, or more after a re-run).
    pub run_attempt: Option<u64>,
    /// Link to it on github.com.
    pub html_url: Option<String>,
    /// When it was created.
    pub created_at: Option<DateTime<Utc>>,
    /// When it was last updated.
    pub updated_at: Option<DateTime<Utc>>,
}

/// An artifact a workflow run uploaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    /// Its id.
    pub id: u64,
    /// Its name (`tollgate-evidence`).
    pub name: String,
    /// Size of the zip, as GitHub states it.
    pub size_in_bytes: u64,
    /// Whether it has expired (it can no longer be downloaded).
    pub expired: bool,
}

/// The repository-relative workflow file of a workflow run's `path` in
/// `repo`: the `@REF` suffix is dropped, and so is an `OWNER/NAME/` prefix
/// naming `repo` itself. A workflow of another repository keeps its prefix,
/// so it never equals a local file.
#[must_use]
pub fn workflow_file(path: &str, repo: &RepoRef) -> String {
    const DIR: &str = ".github/workflows/";
    let Some(at) = path.find(DIR) else {
        return path.split('@').next().unwrap_or(path).to_owned();
    };
    let (prefix, rest) = path.split_at(at);
    let file = rest.split('@').next().unwrap_or(rest);
    let local = prefix.is_empty()
        || prefix
            .strip_suffix('/')
            .is_some_and(|p| p.eq_ignore_ascii_case(&repo.to_string()));
    if local {
        file.to_owned()
    } else {
        format!("{prefix}{file}")
    }
}

fn timestamp(s: Option<&str>) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s?)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[derive(Deserialize)]
pub(crate) struct WireWorkflowRun {
    id: u64,
    name: Option<String>,
    path: String,
    check_suite_id: Option<u64>,
    head_sha: String,
    #[serde(default)]
    event: String,
    status: Option<String>,
    conclusion: Option<String>,
    run_attempt: Option<u64>,
    html_url: Option<String>,
    created_at: Option<String>,
    updated_at: Option<String>,
}

impl From<WireWorkflowRun> for WorkflowRun {
    fn from(w: WireWorkflowRun) -> Self {
        Self {
            id: w.id,
            name: w.name,
            path: w.path,
            check_suite_id: w.check_suite_id,
            head_sha: w.head_sha,
            event: w.event,
            status: CheckStatus::parse(w.status.as_deref().unwrap_or("queued")),
            conclusion: w.conclusion.as_deref().map(Conclusion::parse),
            run_attempt: w.run_attempt,
            html_url: w.html_url,
            created_at: timestamp(w.created_at.as_deref()),
            updated_at: timestamp(w.updated_at.as_deref()),
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct WireArtifact {
    id: u64,
    name: String,
    #[serde(default)]
    size_in_bytes: u64,
    #[serde(default)]
    expired: bool,
}

impl From<WireArtifact> for Artifact {
    fn from(w: WireArtifact) -> Self {
        Self {
            id: w.id,
            name: w.name,
            size_in_bytes: w.size_in_bytes,
            expired: w.expired,
        }
    }
}

impl GitHubClient {
    /// Every GitHub Actions workflow run on the commit `sha` (all pages;
    /// GitHub lists at most 1,000 for one commit), newest first.
    pub fn workflow_runs_for_sha(
        &self,
        repo: &RepoRef,
        sha: &str,
    ) -> Result<Vec<WorkflowRun>, GitHubError> {
        self.get_list::<WireWorkflowRun, _>(
            &format!(
                "/repos/{repo}/actions/runs?head_sha={}&per_page=100",
                encode(sha)
            ),
            Some("workflow_runs"),
        )
    }

    /// The artifacts a workflow run uploaded (all pages).
    pub fn run_artifacts(&self, repo: &RepoRef, run_id: u64) -> Result<Vec<Artifact>, GitHubError> {
        self.get_list::<WireArtifact, _>(
            &format!("/repos/{repo}/actions/runs/{run_id}/artifacts?per_page=100"),
            Some("artifacts"),
        )
    }

    /// The zip of an artifact, at most `max_bytes` (refused past that,
    /// counted as it arrives). The token goes to the API only, never to
    /// the storage host the API redirects to.
    pub fn download_artifact(
        &self,
        repo: &RepoRef,
        artifact_id: u64,
        max_bytes: u64,
    ) -> Result<Vec<u8>, GitHubError> {
        let uri = format!("/repos/{repo}/actions/artifacts/{artifact_id}/zip");
        self.runtime.block_on(async {
            let mut budget = Budget::start();
            self.transport
                .get_bytes(&mut budget, &uri, max_bytes)
                .await
        })
    }

    /// Every open pull request of the repository (all pages). The judge
    /// keeps those whose head is the commit it judges: a fork's
    /// `workflow_run` payload lists none.
    pub fn open_pull_requests(&self, repo: &RepoRef) -> Result<Vec<PullRequestInfo>, GitHubError> {
        self.get_list::<WirePull, _>(
            &format!("/repos/{repo}/pulls?state=open&per_page=100"),
            None,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openapi_workflow_run_and_artifact_examples_parse() {
        let json =
            include_str!("../../tests/integration/support/fake_github/examples/workflow-run.json");
        let run: WorkflowRun = serde_json::from_str::<WireWorkflowRun>(json)
            .unwrap()
            .into();
        assert_eq!(run.id, 30_433_642);
        assert_eq!(run.path, ".github/workflows/build.yml@main");
        assert_eq!(run.status, CheckStatus::Queued);
        assert_eq!(run.event, "push");
        assert!(run.created_at.is_some());
        let json =
            include_str!("../../tests/integration/support/fake_github/examples/artifact.json");
        let artifact: Artifact = serde_json::from_str::<WireArtifact>(json).unwrap().into();
        assert_eq!(artifact.id, 11);
        assert_eq!(artifact.name, "Rails");
        assert!(!artifact.expired);
        let json = include_str!(
            "../../tests/integration/support/fake_github/examples/pull-request-simple.json"
        );
        let pr: PullRequestInfo = serde_json::from_str::<WirePull>(json).unwrap().into();
        assert_eq!(pr.head_sha.len(), 40);
    }

    #[test]
    fn workflow_paths_become_repository_relative_files() {
        let repo: RepoRef = "octocat/octo-repo".parse().unwrap();
        for (path, file) in [
            (".github/workflows/ci.yml", ".github/workflows/ci.yml"),
            (".github/workflows/build.yml@main", ".github/workflows/build.yml"),
            (
                "Octocat/Octo-Repo/.github/workflows/ci.yml@main",
                ".github/workflows/ci.yml",
            ),
            (
                "octo-org/shared/.github/workflows/ci.yml@v1",
                "octo-org/shared/.github/workflows/ci.yml",
            ),
        ] {
            assert_eq!(workflow_file(path, &repo), file, "{path}");
        }
    }
}
