//! The fake's release downloads, for the action's installer: the web
//! route `GET /{owner}/{repo}/releases/download/{tag}/{asset}` (not under
//! `/repos`, no token needed for a public repository) answers `302` to a
//! storage URL on another origin, as github.com does, and the storage URL
//! serves the asset's bytes. The request log shows whether a client sent a
//! token to either.

use std::collections::BTreeMap;

use super::state::{Incoming, Reply, State};
use super::FakeGitHub;

/// Where release assets are stored: a path no API route uses.
const STORAGE_PREFIX: &str = "/_storage/releases/";

/// Uploaded release assets, by (lower-case repository, tag, asset name).
#[derive(Default)]
pub(crate) struct Releases {
    assets: BTreeMap<(String, String, String), Vec<u8>>,
}

impl FakeGitHub {
    /// Attaches `bytes` as the asset `name` of the release for `tag`.
    pub fn add_release_asset(&self, repo: &str, tag: &str, name: &str, bytes: Vec<u8>) {
        self.shared.lock().releases.assets.insert(
            (repo.to_ascii_lowercase(), tag.to_owned(), name.to_owned()),
            bytes,
        );
    }

    /// The web root like `https://github.com` (`GITHUB_SERVER_URL`).
    pub fn server_url(&self) -> String {
        self.url()
    }
}

fn plain(status: u16, body: &[u8]) -> Reply {
    Reply {
        status,
        headers: vec![("Content-Type".to_owned(), "text/plain".to_owned())],
        body: body.to_vec(),
        delay: None,
    }
}

/// The storage path of an asset: `owner/repo/tag/name`.
fn key_path(key: &(String, String, String)) -> String {
    format!("{}/{}/{}", key.0, key.1, key.2)
}

impl State {
    /// The release download route and its storage; `None` for every other
    /// request.
    pub(crate) fn route_releases(&self, req: &Incoming) -> Option<Reply> {
        if req.method != "GET" {
            return None;
        }
        if let Some(rest) = req.path.strip_prefix(STORAGE_PREFIX) {
            let found = self
                .releases
                .assets
                .iter()
                .find(|(k, _)| key_path(k) == rest);
            return Some(match found {
                Some((_, bytes)) => Reply {
                    status: 200,
                    headers: vec![(
                        "Content-Type".to_owned(),
                        "application/octet-stream".to_owned(),
                    )],
                    body: bytes.clone(),
                    delay: None,
                },
                None => plain(404, b"BlobNotFound"),
            });
        }
        let seg: Vec<&str> = req.path.trim_start_matches('/').split('/').collect();
        let ["releases", "download", tag, asset] = seg.get(2..)? else {
            return None;
        };
        let (owner, name) = (seg[0], seg[1]);
        if owner.is_empty() || owner == "repos" || req.enterprise_prefix {
            return None;
        }
        let key = (
            format!("{owner}/{name}").to_ascii_lowercase(),
            (*tag).to_owned(),
            (*asset).to_owned(),
        );
        if !self.releases.assets.contains_key(&key) {
            // github.com answers a missing release or asset with its HTML 404 page.
            return Some(plain(404, b"Not Found"));
        }
        // Another origin, as the storage host is: `localhost` for
        // `127.0.0.1` and the other way round.
        let root = if req.root.contains("://127.0.0.1") {
            req.root.replacen("://127.0.0.1", "://localhost", 1)
        } else {
            req.root.replacen("://localhost", "://127.0.0.1", 1)
        };
        Some(Reply {
            status: 302,
            headers: vec![(
                "Location".to_owned(),
                format!("{root}{STORAGE_PREFIX}{}", key_path(&key)),
            )],
            body: Vec::new(),
            delay: None,
        })
    }
}
