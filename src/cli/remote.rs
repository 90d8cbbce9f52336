//! The CLI's access to GitHub: which token, which API, which repository, and
//! a [`FileSource`] over the contents API for when the base commit is not in
//! the local clone (a shallow checkout).

use std::path::Path;

use super::RunError;
use crate::github::{GitHubClient, RepoRef, RetryPolicy, Token, DEFAULT_API_URL};
use crate::policy::FileSource;

/// A client for the run's repository.
pub(super) struct Remote {
    pub client: GitHubClient,
    pub repo: RepoRef,
}

/// The token: `--token`, else `GITHUB_TOKEN`; blank counts as absent.
pub(super) fn token(flag: Option<&str>) -> Result<Option<Token>, RunError> {
    let raw = flag
        .map(str::to_owned)
        .or_else(|| std::env::var("GITHUB_TOKEN").ok())
        .filter(|t| !t.trim().is_empty());
    raw.map(|t| Token::new(t).map_err(RunError::GitHubSetting))
        .transpose()
}

/// `owner/name` from `GITHUB_REPOSITORY`, else the `origin` remote's URL.
pub(super) fn repository(root: &Path, from_actions: Option<&str>) -> Option<String> {
    if let Some(repo) = from_actions.filter(|r| !r.is_empty()) {
        return Some(repo.to_owned());
    }
    if let Some(repo) = std::env::var("GITHUB_REPOSITORY")
        .ok()
        .filter(|r| !r.is_empty())
    {
        return Some(repo);
    }
    let url = crate::git::git(root, &["remote", "get-url", "origin"])?;
    repository_from_url(&url)
}

/// `owner/name` from `https://github.com/o/n(.git)` or `git@github.com:o/n.git`.
fn repository_from_url(url: &str) -> Option<String> {
    let rest = url.strip_suffix(".git").unwrap_or(url);
    let path = rest
        .rsplit_once(':')
        .filter(|(scheme, _)| !scheme.contains("//"))
        .map_or_else(
            || {
                rest.split("://")
                    .nth(1)
                    .and_then(|r| r.split_once('/'))
                    .map(|(_, p)| p.to_owned())
            },
            |(_, p)| Some(p.to_owned()),
        )?;
    let mut parts = path.trim_matches('/').rsplitn(3, '/');
    let name = parts.next()?;
    let owner = parts.next()?;
    (!owner.is_empty() && !name.is_empty()).then(|| format!("{owner}/{name}"))
}

/// Connects when a token and a repository are known.
pub(super) fn connect(
    token: Option<&Token>,
    api_url: Option<&str>,
    repository: Option<&str>,
) -> Result<Option<Remote>, RunError> {
    let (Some(token), Some(repository)) = (token, repository) else {
        return Ok(None);
    };
    let env_url = std::env::var("GITHUB_API_URL")
        .ok()
        .filter(|u| !u.is_empty());
    let api_url = api_url
        .map(str::to_owned)
        .or(env_url)
        .unwrap_or_else(|| DEFAULT_API_URL.to_owned());
    let repo: RepoRef = repository.parse().map_err(RunError::GitHubSetting)?;
    let client = GitHubClient::new(&api_url, token, retry_policy())?;
    Ok(Some(Remote { client, repo }))
}

/// The default retry policy, with every wait scaled by `TOLLGATE_RETRY_SCALE`
/// when set (a factor such as `0.01`): test suites and impatient pipelines
/// shorten backoff without changing how many times a request is retried.
fn retry_policy() -> RetryPolicy {
    let base = RetryPolicy::default();
    let Some(scale) = std::env::var("TOLLGATE_RETRY_SCALE")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0 && *s <= 1.0)
    else {
        return base;
    };
    RetryPolicy {
        initial_backoff: base.initial_backoff.mul_f64(scale),
        max_backoff: base.max_backoff.mul_f64(scale),
        total_budget: base.total_budget.mul_f64(scale),
        attempt_timeout: base
            .attempt_timeout
            .mul_f64(scale)
            .max(std::time::Duration::from_secs(2)),
        min_rate_limit_wait: base.min_rate_limit_wait.mul_f64(scale),
        ..base
    }
}

/// Files of one commit read through the contents API.
pub(super) struct ContentsAt<'a> {
    pub remote: &'a Remote,
    pub rev: String,
}

impl FileSource for ContentsAt<'_> {
    fn read(&self, path: &Path) -> std::io::Result<Option<Vec<u8>>> {
        let path = path.to_string_lossy().replace('\\', "/");
        self.remote
            .client
            .file_contents(&self.remote.repo, path.trim_start_matches("./"), &self.rev)
            .map_err(|e| std::io::Error::other(e.to_string()))
    }

    fn describe(&self) -> String {
        format!(
            "base commit {} (GitHub contents API)",
            self.rev.get(..12).unwrap_or(&self.rev)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::repository_from_url;

    #[test]
    fn repository_from_common_remote_urls() {
        assert_eq!(
            repository_from_url("https://github.com/o/n.git").as_deref(),
            Some("o/n")
        );
        assert_eq!(
            repository_from_url("git@github.com:o/n.git").as_deref(),
            Some("o/n")
        );
        assert_eq!(
            repository_from_url("ssh://git@ghe.example.com/o/n").as_deref(),
            Some("o/n")
        );
        assert_eq!(repository_from_url("/local/path"), None);
    }
}
