//! The fake's Actions artifacts and open pull requests, for the judge:
//! `GET /repos/{o}/{r}/actions/runs/{id}/artifacts`,
//! `GET /repos/{o}/{r}/actions/artifacts/{id}/zip` (a `302` to a storage
//! URL on another origin, as GitHub answers), the storage URL itself (no
//! token needed, and the request log shows whether one was sent), and
//! `GET /repos/{o}/{r}/pulls?state=open` (paginated). Workflow runs
//! themselves are the state's ([`super::WorkflowRunSeed`]).

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::state::{error, not_found, now, Incoming, Reply, State};
use super::FakeGitHub;

const ARTIFACT: &str = include_str!("examples/artifact.json");
const DOC_ARTIFACTS: &str =
    "https://docs.github.com/rest/actions/artifacts#list-workflow-run-artifacts";
const DOC_DOWNLOAD: &str = "https://docs.github.com/rest/actions/artifacts#download-an-artifact";
const DOC_LIST_PULLS: &str = "https://docs.github.com/rest/pulls/pulls#list-pull-requests";

/// Where storage URLs live: a path no API route uses.
pub(crate) const STORAGE_PREFIX: &str = "/_storage/artifacts/";

/// An uploaded artifact.
#[derive(Clone, Debug)]
pub(crate) struct ArtifactRecord {
    pub(crate) id: u64,
    pub(crate) repo: String,
    pub(crate) run_id: u64,
    pub(crate) name: String,
    pub(crate) zip: Vec<u8>,
    pub(crate) expired: bool,
    pub(crate) created_at: String,
}

/// The artifacts of every repository, by id.
#[derive(Default)]
pub(crate) struct Artifacts {
    pub(crate) by_id: BTreeMap<u64, ArtifactRecord>,
}

impl FakeGitHub {
    /// Uploads `zip` as the artifact `name` of the workflow run `run_id`;
    /// returns the artifact's id.
    pub fn add_artifact(&self, repo: &str, run_id: u64, name: &str, zip: Vec<u8>) -> u64 {
        let mut state = self.shared.lock();
        let id = state.next_id();
        state.artifacts.by_id.insert(
            id,
            ArtifactRecord {
                id,
                repo: repo.to_ascii_lowercase(),
                run_id,
                name: name.to_owned(),
                zip,
                expired: false,
                created_at: now(),
            },
        );
        id
    }

    /// Marks an artifact expired (listed, but no longer downloadable).
    pub fn expire_artifact(&self, id: u64) {
        if let Some(a) = self.shared.lock().artifacts.by_id.get_mut(&id) {
            a.expired = true;
        }
    }

    /// Marks `login`'s reviews of pull request `pr` dismissed, as GitHub
    /// rewrites a dismissed review's state.
    pub fn dismiss_reviews(&self, repo: &str, pr: u64, login: &str) {
        let mut state = self.shared.lock();
        if let Some(reviews) = state.repo_mut(repo).reviews.get_mut(&pr) {
            for review in reviews
                .iter_mut()
                .filter(|r| r.seed.login.as_deref() == Some(login))
            {
                "DISMISSED".clone_into(&mut review.seed.state);
            }
        }
    }

    /// Moves a seeded workflow run to `status` (and `conclusion`), as
    /// GitHub does while it runs and when it completes.
    pub fn set_workflow_run(&self, repo: &str, id: u64, status: &str, conclusion: Option<&str>) {
        let mut state = self.shared.lock();
        if let Some(run) = state
            .repo_mut(repo)
            .workflow_runs
            .iter_mut()
            .find(|w| w.id == id)
        {
            status.clone_into(&mut run.seed.status);
            run.seed.conclusion = conclusion.map(str::to_owned);
        }
    }
}

fn artifact_json(req: &Incoming, repo: &str, a: &ArtifactRecord) -> Value {
    let mut v: Value = serde_json::from_str(ARTIFACT).unwrap_or(Value::Null);
    let url = format!("{}/repos/{repo}/actions/artifacts/{}", req.root, a.id);
    v["id"] = json!(a.id);
    v["node_id"] = json!(format!("AR_{}", a.id));
    v["name"] = json!(a.name);
    v["size_in_bytes"] = json!(a.zip.len());
    v["url"] = json!(url);
    v["archive_download_url"] = json!(format!("{url}/zip"));
    v["expired"] = json!(a.expired);
    v["created_at"] = json!(a.created_at);
    v["updated_at"] = json!(a.created_at);
    v["workflow_run"]["id"] = json!(a.run_id);
    v
}

impl State {
    /// Routes of this file; `None` for every other request.
    pub(crate) fn route_actions(
        &mut self,
        req: &Incoming,
        repo: &str,
        rest: &[&str],
    ) -> Option<Reply> {
        Some(match (req.method.as_str(), rest) {
            ("GET", ["actions", "runs", id, "artifacts"]) => self.list_artifacts(req, repo, id),
            ("GET", ["actions", "artifacts", id, "zip"]) => self.download(req, repo, id),
            ("GET", ["pulls"]) => self.list_pulls(req, repo),
            _ => return None,
        })
    }

    /// The storage host's answer: no authentication, the zip's bytes.
    pub(crate) fn storage(&self, req: &Incoming) -> Option<Reply> {
        let id = req.path.strip_prefix(STORAGE_PREFIX)?;
        let zip = id
            .strip_suffix(".zip")
            .and_then(|id| id.parse::<u64>().ok())
            .and_then(|id| self.artifacts.by_id.get(&id));
        Some(match zip {
            Some(a) => Reply {
                status: 200,
                headers: vec![("Content-Type".to_owned(), "application/zip".to_owned())],
                body: a.zip.clone(),
                delay: None,
            },
            None => Reply {
                status: 404,
                headers: Vec::new(),
                body: b"BlobNotFound".to_vec(),
                delay: None,
            },
        })
    }

    fn list_artifacts(&mut self, req: &Incoming, repo: &str, id: &str) -> Reply {
        let Some(r) = self.repo(repo) else {
            return not_found(DOC_ARTIFACTS);
        };
        let Some(run_id) = id
            .parse::<u64>()
            .ok()
            .filter(|id| r.workflow_runs.iter().any(|w| w.id == *id))
        else {
            return not_found(DOC_ARTIFACTS);
        };
        let key = repo.to_ascii_lowercase();
        let items: Vec<Value> = self
            .artifacts
            .by_id
            .values()
            .filter(|a| a.repo == key && a.run_id == run_id)
            .map(|a| artifact_json(req, repo, a))
            .collect();
        let total = items.len();
        let (page, link) = Self::paginate(req, items);
        let reply = Reply::json(200, &json!({"total_count": total, "artifacts": page}));
        match link {
            Some(link) => reply.header("Link", link),
            None => reply,
        }
    }

    fn download(&mut self, req: &Incoming, repo: &str, id: &str) -> Reply {
        let key = repo.to_ascii_lowercase();
        let Some(a) = id
            .parse::<u64>()
            .ok()
            .and_then(|id| self.artifacts.by_id.get(&id))
            .filter(|a| a.repo == key)
        else {
            return not_found(DOC_DOWNLOAD);
        };
        if a.expired {
            return error(410, "Artifact has expired", DOC_DOWNLOAD);
        }
        // Another origin, as GitHub's storage host is: `localhost` for
        // `127.0.0.1` and the other way round.
        let root = if req.root.contains("://127.0.0.1") {
            req.root.replacen("://127.0.0.1", "://localhost", 1)
        } else {
            req.root.replacen("://localhost", "://127.0.0.1", 1)
        };
        let root = root.trim_end_matches("/api/v3");
        Reply {
            status: 302,
            headers: vec![(
                "Location".to_owned(),
                format!("{root}{STORAGE_PREFIX}{}.zip", a.id),
            )],
            body: Vec::new(),
            delay: None,
        }
    }

    fn list_pulls(&mut self, req: &Incoming, repo: &str) -> Reply {
        let Some(numbers) = self
            .repo(repo)
            .map(|r| r.pulls.keys().copied().collect::<Vec<u64>>())
        else {
            return not_found(DOC_LIST_PULLS);
        };
        if req.param("state").is_some_and(|s| s == "closed") {
            return Reply::json(200, &json!([]));
        }
        let items: Vec<Value> = numbers
            .iter()
            .rev()
            .filter_map(|n| {
                let reply = self.get_pull(req, repo, &n.to_string());
                serde_json::from_slice(&reply.body).ok()
            })
            .collect();
        let (page, link) = Self::paginate(req, items);
        let reply = Reply::json(200, &Value::Array(page));
        match link {
            Some(link) => reply.header("Link", link),
            None => reply,
        }
    }
}
