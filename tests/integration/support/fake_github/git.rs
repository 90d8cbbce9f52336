//! The fake's Git database, for the release tag context:
//! `GET /repos/{o}/{r}/git/ref/{ref}` (one ref, exactly: `tags/v1.2.3`,
//! `heads/main`), `GET /repos/{o}/{r}/git/matching-refs/{ref}` (every ref
//! starting with it) and `GET /repos/{o}/{r}/git/tags/{sha}` (an annotated
//! tag object). Missing refs and objects are `404 Not Found`, as on GitHub.
//! Tests mirror a real local repository into it: branch heads, lightweight
//! tags (a ref to a commit) and annotated tags (a ref to a tag object that
//! names a commit or another tag).

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::state::{not_found, Incoming, Reply, State};
use super::FakeGitHub;

const GIT_REF: &str = include_str!("examples/git-ref.json");
const GIT_TAG: &str = include_str!("examples/git-tag.json");
const DOC_GET_REF: &str = "https://docs.github.com/rest/git/refs#get-a-reference";
const DOC_MATCHING_REFS: &str = "https://docs.github.com/rest/git/refs#list-matching-references";
const DOC_GET_TAG: &str = "https://docs.github.com/rest/git/tags#get-a-tag";

/// An annotated tag object.
#[derive(Clone, Debug)]
pub(crate) struct TagObject {
    pub(crate) tag: String,
    pub(crate) message: String,
    /// `commit` or `tag`.
    pub(crate) object_type: String,
    pub(crate) object_sha: String,
}

/// Refs and tag objects of every repository.
#[derive(Default)]
pub(crate) struct GitDatabase {
    /// (repository, `tags/v1` or `heads/main`) -> (object type, sha).
    refs: BTreeMap<(String, String), (String, String)>,
    /// (repository, sha) -> tag object.
    tags: BTreeMap<(String, String), TagObject>,
}

impl FakeGitHub {
    /// Points branch `branch` at commit `sha` (its ref, and `contents?ref=BRANCH`).
    pub fn set_branch(&self, repo: &str, branch: &str, sha: &str) {
        self.set_ref(repo, branch, sha);
        self.set_git_ref(repo, &format!("heads/{branch}"), "commit", sha);
    }

    /// A lightweight tag: `refs/tags/NAME` names the commit itself.
    pub fn add_lightweight_tag(&self, repo: &str, name: &str, commit: &str) {
        self.set_git_ref(repo, &format!("tags/{name}"), "commit", commit);
    }

    /// An annotated tag object `sha` (named `name`, with `message`) that
    /// names `object_sha` of `object_type` (`commit` or `tag`). It has no
    /// ref until [`Self::set_git_ref`] gives it one, as on GitHub.
    pub fn add_tag_object(
        &self,
        repo: &str,
        sha: &str,
        name: &str,
        message: &str,
        object_type: &str,
        object_sha: &str,
    ) {
        self.shared.lock().git.tags.insert(
            (repo.to_ascii_lowercase(), sha.to_owned()),
            TagObject {
                tag: name.to_owned(),
                message: message.to_owned(),
                object_type: object_type.to_owned(),
                object_sha: object_sha.to_owned(),
            },
        );
    }

    /// Points `refs/{name}` (`tags/v1`, `heads/main`) at an object.
    pub fn set_git_ref(&self, repo: &str, name: &str, object_type: &str, sha: &str) {
        self.shared.lock().git.refs.insert(
            (repo.to_ascii_lowercase(), name.to_owned()),
            (object_type.to_owned(), sha.to_owned()),
        );
    }
}

fn ref_json(req: &Incoming, repo: &str, name: &str, kind: &str, sha: &str) -> Value {
    let mut v: Value = serde_json::from_str(GIT_REF).unwrap_or(Value::Null);
    let plural = match kind {
        "tag" => "tags",
        "tree" => "trees",
        "blob" => "blobs",
        _ => "commits",
    };
    v["ref"] = json!(format!("refs/{name}"));
    v["node_id"] = json!(format!("REF_{}", name.replace('/', "_")));
    v["url"] = json!(format!("{}/repos/{repo}/git/refs/{name}", req.root));
    v["object"] = json!({
        "type": kind,
        "sha": sha,
        "url": format!("{}/repos/{repo}/git/{plural}/{sha}", req.root),
    });
    v
}

impl State {
    /// Routes of this file; `None` for every other request.
    pub(crate) fn route_git(&mut self, req: &Incoming, repo: &str, rest: &[&str]) -> Option<Reply> {
        Some(match (req.method.as_str(), rest) {
            ("GET", ["git", "ref", name @ ..]) if !name.is_empty() => {
                self.get_git_ref(req, repo, &name.join("/"))
            }
            ("GET", ["git", "matching-refs", name @ ..]) => {
                self.matching_refs(req, repo, &name.join("/"))
            }
            ("GET", ["git", "tags", sha]) => self.get_tag(req, repo, sha),
            _ => return None,
        })
    }

    fn get_git_ref(&mut self, req: &Incoming, repo: &str, name: &str) -> Reply {
        let key = (repo.to_ascii_lowercase(), name.to_owned());
        match self.git.refs.get(&key) {
            Some((kind, sha)) => Reply::json(200, &ref_json(req, repo, name, kind, sha)),
            None => not_found(DOC_GET_REF),
        }
    }

    fn matching_refs(&mut self, req: &Incoming, repo: &str, prefix: &str) -> Reply {
        if self.repo(repo).is_none() {
            return not_found(DOC_MATCHING_REFS);
        }
        let lower = repo.to_ascii_lowercase();
        let items: Vec<Value> = self
            .git
            .refs
            .iter()
            .filter(|((r, name), _)| *r == lower && name.starts_with(prefix))
            .map(|((_, name), (kind, sha))| ref_json(req, repo, name, kind, sha))
            .collect();
        Reply::json(200, &Value::Array(items))
    }

    fn get_tag(&mut self, req: &Incoming, repo: &str, sha: &str) -> Reply {
        let key = (repo.to_ascii_lowercase(), sha.to_owned());
        let Some(t) = self.git.tags.get(&key) else {
            return not_found(DOC_GET_TAG);
        };
        let mut v: Value = serde_json::from_str(GIT_TAG).unwrap_or(Value::Null);
        let plural = if t.object_type == "tag" {
            "tags"
        } else {
            "commits"
        };
        v["node_id"] = json!(format!("TAG_{sha}"));
        v["tag"] = json!(t.tag);
        v["sha"] = json!(sha);
        v["url"] = json!(format!("{}/repos/{repo}/git/tags/{sha}", req.root));
        v["message"] = json!(t.message);
        v["object"] = json!({
            "type": t.object_type,
            "sha": t.object_sha,
            "url": format!("{}/repos/{repo}/git/{plural}/{}", req.root, t.object_sha),
        });
        Reply::json(200, &v)
    }
}
