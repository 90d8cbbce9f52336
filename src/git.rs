//! The local git repository: the commit judged, the trusted base commit's
//! files, and the diff between them. Plain `git` subprocesses: the operations
//! are few and read-only, and git is always where tollgate runs.
//!
//! Revisions come from flags (`--base`) and event payloads, so every one is
//! passed after `--end-of-options` (git 2.24 and later): a value such as
//! `--output=/tmp/x` is then a revision git cannot find, never an option.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::policy::FileSource;

/// The environment variable holding the longest a git subprocess may run,
/// in seconds.
pub const TIMEOUT_VARIABLE: &str = "TOLLGATE_GIT_TIMEOUT_SECS";

/// How long a git subprocess may run when [`TIMEOUT_VARIABLE`] is unset:
/// every call is local and read-only, so two minutes is generous even on
/// a large repository, and a git blocked on a lock or a credential prompt
/// ends instead of holding the job until CI's own timeout.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

fn timeout() -> Duration {
    std::env::var(TIMEOUT_VARIABLE)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map_or(DEFAULT_TIMEOUT, Duration::from_secs)
}

/// Runs `cmd` (git) like [`Command::output`], with no standard input, but
/// kills it when it runs longer than [`TIMEOUT_VARIABLE`] allows; that is an
/// error of kind `TimedOut` saying which command and for how long.
pub fn output_bounded(cmd: &mut Command) -> std::io::Result<Output> {
    let limit = timeout();
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn()?;
    let (tx, rx) = std::sync::mpsc::channel();
    // One thread per pipe, so a full stderr never stalls stdout; each
    // sends its bytes when git closes the pipe.
    for (index, pipe) in [
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
    ]
    .into_iter()
    .enumerate()
    {
        let tx = tx.clone();
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut buf);
            }
            let _ = tx.send((index, buf));
        });
    }
    let deadline = Instant::now() + limit;
    let timed_out = |child: &mut std::process::Child| {
        let _ = child.kill();
        let _ = child.wait();
        std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            format!(
                "{} did not finish within {} s and was killed (set {TIMEOUT_VARIABLE} to allow longer)",
                describe(cmd),
                limit.as_secs()
            ),
        )
    };
    let (mut stdout, mut stderr) = (None, None);
    while stdout.is_none() || stderr.is_none() {
        match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok((0, buf)) => stdout = Some(buf),
            Ok((_, buf)) => stderr = Some(buf),
            Err(_) => return Err(timed_out(&mut child)),
        }
    }
    // Both pipes are closed: git has exited or is about to, so the first
    // pauses are short (a fixed 5 ms one was most of a quick git call's
    // time); a git that lingers is still bounded by the deadline.
    let mut pause = Duration::from_micros(50);
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Output {
                status,
                stdout: stdout.unwrap_or_default(),
                stderr: stderr.unwrap_or_default(),
            });
        }
        if Instant::now() >= deadline {
            return Err(timed_out(&mut child));
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(5));
    }
}

/// `git ARGS` as a user would type it, for messages.
fn describe(cmd: &Command) -> String {
    let mut text = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}

/// [`output_bounded`] for callers that only want an answer: a timeout is
/// said on standard error (it is not an answer, and callers fall back as
/// for any failing git), other failures are `None`.
fn output_or_note(cmd: &mut Command) -> Option<Output> {
    match output_bounded(cmd) {
        Ok(out) => Some(out),
        Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
            eprintln!(
                "tollgate: warning: {}",
                crate::terminal::safe(&e.to_string())
            );
            None
        }
        Err(_) => None,
    }
}

/// Runs git in `dir` and returns its trimmed standard output on success.
#[must_use]
pub fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = output_or_note(Command::new("git").arg("-C").arg(dir).args(args))?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Which of `paths` (relative to `repo`, `/`-separated) the working tree
/// holds otherwise than commit `rev`: changed since it (staged or not, as
/// git compares, line-ending conversion included) or not in it at all.
/// `None` when git cannot say.
#[must_use]
pub fn differing_from_commit(repo: &Path, rev: &str, paths: &[String]) -> Option<Vec<String>> {
    let with_paths = |args: &[&str]| {
        let mut all: Vec<&str> = args.to_vec();
        all.push("--");
        all.extend(paths.iter().map(String::as_str));
        git(repo, &all)
    };
    let changed = with_paths(&["diff", "--name-only", "--relative", "--end-of-options", rev])?;
    let committed = with_paths(&["ls-tree", "--name-only", "--end-of-options", rev])?;
    let committed: std::collections::BTreeSet<&str> = committed.lines().collect();
    let changed: std::collections::BTreeSet<&str> = changed.lines().collect();
    Some(
        paths
            .iter()
            .filter(|p| changed.contains(p.as_str()) || !committed.contains(p.as_str()))
            .cloned()
            .collect(),
    )
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
    let out = output_or_note(
        Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(["rev-parse", "--show-prefix"]),
    )?;
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
        let out = output_bounded(Command::new("git").arg("-C").arg(&self.repo).args([
            "show",
            "--end-of-options",
            &spec,
        ]))?;
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

/// The object id `spec` names (`git rev-parse --verify --quiet`), `None`
/// when it names nothing; the spec is passed after `--end-of-options`.
fn rev_parse(repo: &Path, spec: &str) -> Option<String> {
    git(
        repo,
        &["rev-parse", "--verify", "--quiet", "--end-of-options", spec],
    )
    .filter(|id| !id.is_empty())
}

/// A tag as the local repository holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalTag {
    /// The commit the tag peels to (`git rev-parse refs/tags/NAME^{commit}`).
    pub commit: String,
    /// The message of the annotated tag `refs/tags/NAME` names; `None` for
    /// a lightweight tag (which is also what `actions/checkout` leaves of an
    /// annotated tag unless the tag object is fetched).
    pub message: Option<String>,
}

/// Tag `name` in the local repository, peeled to its commit, with its
/// message when it is annotated; `None` when there is no such tag.
#[must_use]
pub fn read_tag(repo: &Path, name: &str) -> Option<LocalTag> {
    let full = format!("refs/tags/{name}");
    let commit = rev_parse(repo, &format!("{full}^{{commit}}"))?;
    let kind = git(repo, &["cat-file", "-t", "--end-of-options", &full]);
    let message = match kind.as_deref() {
        Some("tag") => raw_tag_message(repo, &full),
        _ => None,
    };
    Some(LocalTag { commit, message })
}

/// The message of the annotated tag object `rev`: what follows the first
/// blank line of `git cat-file tag` (the headers `object`, `type`, `tag`,
/// `tagger` come before it), git's own signature included.
fn raw_tag_message(repo: &Path, rev: &str) -> Option<String> {
    // Not `git()`: leading blank lines of the message must not be trimmed
    // into the headers.
    let out = output_or_note(
        Command::new("git")
            .arg("-C")
            .arg(repo)
            .args(["cat-file", "tag", rev]),
    )?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    Some(
        text.split_once("\n\n")
            .map_or("", |(_, message)| message)
            .to_owned(),
    )
}

/// The commit `refs/remotes/origin/BRANCH` points at, from the last fetch;
/// `None` when the clone has no such remote-tracking branch.
#[must_use]
pub fn remote_branch_head(repo: &Path, branch: &str) -> Option<String> {
    rev_parse(repo, &format!("refs/remotes/origin/{branch}^{{commit}}"))
}

// Writing: `tollgate tag` (src/cli/tag.rs) creates the release tag here. The
// only git write tollgate makes, and never a push.

/// The full commit id `rev` names (`git rev-parse --verify REV^{commit}`),
/// `None` when it names no commit (an unborn `HEAD`, a typo, a tree).
#[must_use]
pub fn commit_id(repo: &Path, rev: &str) -> Option<String> {
    rev_parse(repo, &format!("{rev}^{{commit}}"))
}

/// The object `refs/tags/NAME` points at, `None` when there is no such tag.
#[must_use]
pub fn tag_object(repo: &Path, name: &str) -> Option<String> {
    rev_parse(repo, &format!("refs/tags/{name}"))
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
    let out = output_bounded(cmd.args(["--end-of-options", name, commit]))?;
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
    read_tag(repo, name).and_then(|tag| tag.message)
}

/// Deletes the tag `name` (`git tag -d`), to undo a tag just created whose
/// message git did not keep as written; whether it is gone.
#[must_use]
pub fn delete_tag(repo: &Path, name: &str) -> bool {
    git(repo, &["tag", "-d", "--end-of-options", name]).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(dir: &Path, args: &[&str]) {
        let ok = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(["-c", "user.name=t", "-c", "user.email=t@example.org"])
            .args(args)
            .status()
            .unwrap()
            .success();
        assert!(ok, "git {args:?}");
    }

    #[test]
    fn tags_are_peeled_and_only_annotated_ones_have_a_message() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        run(d, &["init", "-q", "-b", "main"]);
        run(d, &["commit", "-q", "--allow-empty", "-m", "one"]);
        let head = git(d, &["rev-parse", "HEAD"]).unwrap();
        run(d, &["tag", "light"]);
        run(d, &["tag", "-a", "-m", "Release v1\n\nbody line", "v1"]);
        // A tag of a tag peels to the same commit; its message is its own.
        run(d, &["tag", "-a", "-m", "outer", "nested", "v1"]);
        assert_eq!(
            read_tag(d, "light"),
            Some(LocalTag {
                commit: head.clone(),
                message: None
            })
        );
        let v1 = read_tag(d, "v1").unwrap();
        assert_eq!(v1.commit, head);
        assert_eq!(v1.message.as_deref(), Some("Release v1\n\nbody line\n"));
        let nested = read_tag(d, "nested").unwrap();
        assert_eq!(nested.commit, head);
        assert_eq!(nested.message.as_deref(), Some("outer\n"));
        assert_eq!(read_tag(d, "v2"), None);
        assert_eq!(read_tag(d, "--output=x"), None);
        assert_eq!(remote_branch_head(d, "main"), None);
        run(d, &["update-ref", "refs/remotes/origin/main", &head]);
        assert_eq!(remote_branch_head(d, "main"), Some(head));
    }
}
