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

// Writing: `tollgate tag` (src/cli/tag.rs) creates the release tag here. The
// only git write tollgate makes, and never a push.

/// The full commit id `rev` names (`git rev-parse --verify REV^{commit}`),
/// `None` when it names no commit (an unborn `HEAD`, a typo, a tree).
#[must_use]
pub fn commit_id(repo: &Path, rev: &str) -> Option<String> {
    git(
        repo,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &format!("{rev}^{{commit}}"),
        ],
    )
    .filter(|id| !id.is_empty())
}

/// The object `refs/tags/NAME` points at, `None` when there is no such tag.
#[must_use]
pub fn tag_object(repo: &Path, name: &str) -> Option<String> {
    git(
        repo,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &format!("refs/tags/{name}"),
        ],
    )
    .filter(|id| !id.is_empty())
}

/// Whether tracked files differ from `HEAD` (untracked files do not count).
#[must_use]
pub fn has_uncommitted_changes(repo: &Path) -> bool {
    git(repo, &["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty())
}

/// The URL of a remote (`git remote get-url`, so `insteadOf` rewrites
/// apply), `None` when there is no such remote.
#[must_use]
pub fn remote_url(repo: &Path, remote: &str) -> Option<String> {
    git(repo, &["remote", "get-url", "--end-of-options", remote]).filter(|u| !u.is_empty())
}

/// Why `git tag` did not create a tag.
#[derive(Debug, thiserror::Error)]
pub enum CreateTagError {
    /// git could not be run, or the message file not written.
    #[error("cannot run git tag: {0}")]
    Io(#[from] std::io::Error),
    /// git refused; its own words.
    #[error("git tag {name} failed: {stderr}")]
    Git {
        /// The tag.
        name: String,
        /// What git said on standard error.
        stderr: String,
    },
}

/// Creates the annotated tag `name` at `commit` with exactly `message`
/// (`git tag -a --cleanup=verbatim -F FILE`): git's default cleanup would
/// drop lines starting with `#`, strip trailing whitespace and squeeze blank
/// lines, and any of those breaks the signature over a document carried in
/// the message. `force` replaces an existing tag (`-f`). Nothing is pushed.
pub fn create_tag(
    repo: &Path,
    name: &str,
    commit: &str,
    message: &str,
    force: bool,
) -> Result<(), CreateTagError> {
    use std::io::Write as _;
    let mut file = tempfile::NamedTempFile::new()?;
    file.write_all(message.as_bytes())?;
    file.flush()?;
    let mut cmd = Command::new("git");
    cmd.arg("-C")
        .arg(repo)
        .args(["tag", "-a", "--cleanup=verbatim", "-F"])
        .arg(file.path());
    if force {
        cmd.arg("-f");
    }
    let out = cmd.args(["--end-of-options", name, commit]).output()?;
    if out.status.success() {
        Ok(())
    } else {
        Err(CreateTagError::Git {
            name: name.to_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        })
    }
}

/// The message of the annotated tag `refs/tags/NAME`, exactly as stored
/// (`git cat-file tag`, after the header), `None` for a lightweight tag or
/// none at all.
#[must_use]
pub fn annotated_tag_message(repo: &Path, name: &str) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["cat-file", "tag", &format!("refs/tags/{name}")])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.split_once("\n\n").map(|(_, m)| m.to_owned())
}

/// Deletes the tag `name` (`git tag -d`), to undo a tag just created whose
/// message git did not keep as written; whether it is gone.
#[must_use]
pub fn delete_tag(repo: &Path, name: &str) -> bool {
    git(repo, &["tag", "-d", "--end-of-options", name]).is_some()
}
