//! Git references and annotated tags through the Git database API, for the
//! release tag context (docs/github.md): a tag peeled to its commit (with
//! the message of the annotated tag the ref names), and a branch's head.
//!
//! `GET /repos/{o}/{r}/git/ref/{ref}` answers `{ref, object: {type, sha}}`
//! for exactly that ref (404 otherwise); an annotated tag's object is a
//! `tag`, read with `GET /repos/{o}/{r}/git/tags/{sha}` (`{tag, message,
//! object: {type, sha}}`), which may name another tag in turn.

use serde::Deserialize;

use super::transport::{encode, operation, unexpected, Budget, Method};
use super::{decode, GitHubClient, GitHubError, RepoRef};

/// How many annotated tags deep a tag may nest before tollgate gives up:
/// a tag of a tag is legal but rare; a chain this long is not a release.
pub const MAX_TAG_DEPTH: usize = 8;

/// A git object as a reference or a tag names it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct GitObject {
    /// `commit`, `tag`, `tree` or `blob`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The object's id.
    pub sha: String,
}

/// A release tag resolved to the commit it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeeledTag {
    /// What `refs/tags/NAME` points at: the commit for a lightweight tag,
    /// the (outermost) tag object for an annotated one.
    pub object: GitObject,
    /// The commit at the end of the chain of tags.
    pub commit: String,
    /// The message of the annotated tag the ref names; `None` for a
    /// lightweight tag.
    pub message: Option<String>,
}

#[derive(Deserialize)]
struct WireRef {
    object: GitObject,
}

#[derive(Deserialize)]
struct WireTag {
    #[serde(default)]
    message: String,
    object: GitObject,
}

impl GitHubClient {
    /// The object `refs/{name}` points at (`name` is `tags/v1.2.3` or
    /// `heads/main`); `None` when there is no such ref.
    pub fn git_ref(&self, repo: &RepoRef, name: &str) -> Result<Option<GitObject>, GitHubError> {
        let path: Vec<String> = name.split('/').map(encode).collect();
        let uri = format!("/repos/{repo}/git/ref/{}", path.join("/"));
        let value = self.runtime.block_on(async {
            let mut budget = Budget::start();
            self.transport.get_json(&mut budget, &uri).await
        });
        match value {
            Ok(v) => {
                decode::<WireRef, WireRef>(&operation(Method::Get, &uri), v).map(|r| Some(r.object))
            }
            Err(GitHubError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The commit `branch`'s head is at; `None` when there is no such branch.
    pub fn branch_head(&self, repo: &RepoRef, branch: &str) -> Result<Option<String>, GitHubError> {
        Ok(self
            .git_ref(repo, &format!("heads/{branch}"))?
            .filter(|o| o.kind == "commit")
            .map(|o| o.sha))
    }

    /// Tag `name` peeled to its commit, with the message of the annotated
    /// tag its ref names; `None` when there is no such tag. A tag that ends
    /// in a tree or a blob, or nests deeper than [`MAX_TAG_DEPTH`], is an
    /// unexpected response (nothing to judge).
    pub fn peel_tag(&self, repo: &RepoRef, name: &str) -> Result<Option<PeeledTag>, GitHubError> {
        let Some(object) = self.git_ref(repo, &format!("tags/{name}"))? else {
            return Ok(None);
        };
        let mut message = None;
        let mut current = object.clone();
        for _ in 0..MAX_TAG_DEPTH {
            match current.kind.as_str() {
                "commit" => {
                    return Ok(Some(PeeledTag {
                        object,
                        commit: current.sha,
                        message,
                    }))
                }
                "tag" => {
                    let uri = format!("/repos/{repo}/git/tags/{}", encode(&current.sha));
                    let tag: WireTag = self.get_one::<WireTag, WireTag>(&uri)?;
                    // The outermost tag's message is the release's.
                    message.get_or_insert(tag.message);
                    current = tag.object;
                }
                other => {
                    return Err(unexpected(
                        &operation(Method::Get, &format!("/repos/{repo}/git/ref/tags/{name}")),
                        &format!(
                            "tag {name} points at a {other} ({}), not a commit",
                            current.sha
                        ),
                    ))
                }
            }
        }
        Err(unexpected(
            &operation(Method::Get, &format!("/repos/{repo}/git/ref/tags/{name}")),
            &format!("tag {name} nests more than {MAX_TAG_DEPTH} annotated tags"),
        ))
    }
}
