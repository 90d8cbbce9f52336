//! The Actions API the privileged judge uses: the workflow runs of a commit
//! (to find the evidence run), a default branch's push runs of the evidence
//! workflow (for the base's coverage), a run's artifacts, an artifact's zip, and the
//! open pull requests (to find those whose head is the commit).
//!
//! An artifact download answers `302` with a short-lived storage URL on
//! another host. The transport follows it (octocrab's redirect layer) and
//! that layer strips `Authorization` from a request that leaves the API's
//! origin, so the token is never sent to the storage host; the body is
//! counted as it streams in and refused past a cap.

use serde::Deserialize;

use super::error::GitHubError;
use super::models::{
    workflow_file, CheckStatus, PullRequestInfo, RepoRef, WirePull, WireWorkflowRun, WorkflowRun,
};
use super::transport::{encode, operation, unexpected, Budget, Method};
use super::GitHubClient;

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
    /// The artifacts a workflow run uploaded (all pages).
    pub fn run_artifacts(&self, repo: &RepoRef, run_id: u64) -> Result<Vec<Artifact>, GitHubError> {
        self.get_list::<WireArtifact, _>(
            &format!("/repos/{repo}/actions/runs/{run_id}/artifacts?per_page=100"),
            Some("artifacts"),
        )
    }

    /// The completed runs of the workflow file `workflow` (its path, such as
    /// `.github/workflows/tollgate-evidence.yml`) that a push to `branch`
    /// started on the commit `sha`, newest first. Filtered here as well as
    /// by the query, so only a push to that branch of that workflow on that
    /// commit is ever returned: never a pull request's run, whose artifacts
    /// the change under review wrote.
    pub fn push_runs_of_workflow(
        &self,
        repo: &RepoRef,
        workflow: &str,
        sha: &str,
        branch: &str,
    ) -> Result<Vec<WorkflowRun>, GitHubError> {
        let file = workflow.rsplit('/').next().unwrap_or(workflow);
        let runs = self.get_list::<WireWorkflowRun, _>(
            &format!(
                "/repos/{repo}/actions/workflows/{}/runs?head_sha={}&status=completed&event=push&branch={}&per_page=100",
                encode(file),
                encode(sha),
                encode(branch)
            ),
            Some("workflow_runs"),
        )?;
        Ok(runs
            .into_iter()
            .filter(|r: &WorkflowRun| {
                r.event == "push"
                    && r.head_branch.as_deref() == Some(branch)
                    && r.head_sha.eq_ignore_ascii_case(sha)
                    && workflow_file(&r.path, repo) == workflow
                    && r.status == CheckStatus::Completed
            })
            .collect())
    }

    /// The newest completed runs of the workflow file `workflow` that
    /// pushes to `branch` started, newest first, at most `count` (1 to
    /// 100) of them, from one request (the coverage trend's history: a
    /// decoration, so never more than one page). Filtered here as well as
    /// by the query, as [`Self::push_runs_of_workflow`] is: never a pull
    /// request's run.
    pub fn recent_push_runs_of_workflow(
        &self,
        repo: &RepoRef,
        workflow: &str,
        branch: &str,
        count: u8,
    ) -> Result<Vec<WorkflowRun>, GitHubError> {
        let file = workflow.rsplit('/').next().unwrap_or(workflow);
        let uri = format!(
            "/repos/{repo}/actions/workflows/{}/runs?status=completed&event=push&branch={}&per_page={}",
            encode(file),
            encode(branch),
            count.clamp(1, 100)
        );
        let value = self.runtime.block_on(async {
            let mut budget = Budget::start();
            self.transport.get_json(&mut budget, &uri).await
        })?;
        let op = operation(Method::Get, &uri);
        let items = match value {
            serde_json::Value::Object(mut o) => o.remove("workflow_runs"),
            _ => None,
        };
        let Some(serde_json::Value::Array(items)) = items else {
            return Err(unexpected(&op, "no `workflow_runs` array"));
        };
        let mut runs = Vec::new();
        for item in items.into_iter().take(usize::from(count)) {
            let wire: WireWorkflowRun = serde_json::from_value(item)
                .map_err(|e| unexpected(&op, &format!("unexpected shape: {e}")))?;
            let run = WorkflowRun::from(wire);
            if run.event == "push"
                && run.head_branch.as_deref() == Some(branch)
                && workflow_file(&run.path, repo) == workflow
                && run.status == CheckStatus::Completed
            {
                runs.push(run);
            }
        }
        Ok(runs)
    }

    /// The zip of an artifact, at most `max_bytes` (refused past that,
    /// counted as it arrives). The token goes to the API only, never to
    /// the storage host the API redirects to. A download shorter than the
    /// artifact's stated size that lacks a zip's end record was cut short
    /// on the way and is retried like a dropped connection; anything else
    /// is returned for [`super::artifact::extract`] to judge.
    pub fn download_artifact(
        &self,
        repo: &RepoRef,
        artifact: &Artifact,
        max_bytes: u64,
    ) -> Result<Vec<u8>, GitHubError> {
        let uri = format!("/repos/{repo}/actions/artifacts/{}/zip", artifact.id);
        let stated = artifact.size_in_bytes;
        let incomplete = |bytes: &[u8]| {
            let got = bytes.len() as u64;
            (got < stated && !has_zip_end(bytes)).then(|| {
                format!("the download ended after {got} of the artifact's {stated} bytes, without a zip's end record")
            })
        };
        self.runtime.block_on(async {
            let mut budget = Budget::start();
            self.transport
                .get_bytes(&mut budget, &uri, max_bytes, &incomplete)
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

/// Whether `bytes` hold a zip's end-of-central-directory record where one
/// must be: in the last 22 bytes plus at most a 64 KiB comment.
fn has_zip_end(bytes: &[u8]) -> bool {
    const EOCD: &[u8] = b"PK\x05\x06";
    let tail = bytes.len().saturating_sub(22 + 0xFFFF);
    bytes[tail..].windows(EOCD.len()).any(|w| w == EOCD)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openapi_artifact_and_pull_request_examples_parse() {
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
}
