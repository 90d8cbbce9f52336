//! The local git repository: the commit judged, the trusted base commit's
//! files, and the diff between them. Plain `git` subprocesses: the operations
//! are few and read-only, and git is always where tollgate runs.
//!
//! Revisions come from flags (`--base`) and event payloads, so every one is
//! passed after `--end-of-options` (git 2.24 and later): a value such as
//! `--output=/tmp/x` is then a revision git cannot find, never an option.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::policy::FileSource;

/// Runs git in `dir` and returns its trimmed standard output on success.
#[must_use]
pub fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Whether `rev` names a commit present in the local repository.
#[must_use]
pub fn has_commit(repo: &Path, rev: &str) -> bool {
    git(
        repo,
        &[
            "cat-file",
            "-e",
            "--end-of-options",
            &format!("{rev}^{{commit}}"),
        ],
    )
    .is_some()
}

/// Where `dir` lies inside its repository, `/`-separated with a trailing
/// `/` (`sub/`), or empty at the top level (`git rev-parse --show-prefix`);
/// `None` outside a repository. The GitHub contents API takes paths from
/// the top level, so files read relative to `dir` need it in front.
#[must_use]
pub fn repository_prefix(dir: &Path) -> Option<String> {
    // Not `git()`: its trimming is harmless here, but an empty answer is a
    // valid one (the top level).
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["rev-parse", "--show-prefix"])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Reads files as they are in one commit (`git show REV:./PATH`): policies in
/// a pull request come from the base commit, so a PR cannot lower its own bar.
///
/// Paths are relative to `repo`, as they are for the working tree, even when
/// `repo` is a subdirectory of the repository (`--config sub/tollgate.toml`):
/// `REV:PATH` alone would be relative to the repository's top level, and a
/// pull request would then be judged by another directory's policy.
#[derive(Debug, Clone)]
pub struct GitRevision {
    /// Directory that paths are relative to, inside the repository.
    pub repo: PathBuf,
    /// The commit to read from.
    pub rev: String,
}

impl FileSource for GitRevision {
    fn read(&self, path: &Path) -> std::io::Result<Option<Vec<u8>>> {
        // `./` makes git resolve the path against the directory it runs in
        // (`-C repo`), not the top level.
        let spec = format!(
            "{}:./{}",
            self.rev,
            path.to_string_lossy()
                .replace('\\', "/")
                .trim_start_matches("./")
        );
        let out = Command::new("git")
            .arg("-C")
            .arg(&self.repo)
            .args(["show", "--end-of-options", &spec])
            .output()?;
        if out.status.success() {
            return Ok(Some(out.stdout));
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        if stderr.contains("does not exist") || stderr.contains("exists on disk, but not in") {
            Ok(None)
        } else {
            Err(std::io::Error::other(format!(
                "git show {spec}: {}",
                stderr.trim()
            )))
        }
    }

    fn describe(&self) -> String {
        format!("base commit {}", self.rev.get(..12).unwrap_or(&self.rev))
    }
}

/// Paths that differ between two commits, restricted to `paths` (files or
/// directories), for the "this PR changes the policy" note.
#[must_use]
pub fn changed_paths(repo: &Path, base: &str, head: &str, paths: &[&str]) -> Vec<String> {
    let range = format!("{base}...{head}");
    let mut args = vec!["diff", "--name-only", "--end-of-options", &range, "--"];
    args.extend_from_slice(paths);
    git(repo, &args)
        .map(|out| out.lines().map(str::to_owned).collect())
        .unwrap_or_default()
}
