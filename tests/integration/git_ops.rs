//! The git operations tollgate relies on (src/git.rs), on throwaway
//! repositories: files read from a base commit rather than the working
//! tree, the release tag `tollgate tag` writes kept byte for byte, and a
//! git that hangs killed at the timeout instead of holding the job.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests: a panic is a failure

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use tollgate::git::{self, CreateTagError, GitRevision};
use tollgate::policy::FileSource;

use crate::support::git::git as run;

/// A repository with one commit of `policy.toml` and `sub/a.txt`; returns
/// the commit id.
fn repo(dir: &Path) -> String {
    run(dir, &["init", "-q", "-b", "main"]);
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("policy.toml"), "lines = 80\n").unwrap();
    std::fs::write(dir.join("sub/a.txt"), "a\n").unwrap();
    run(dir, &["add", "."]);
    run(dir, &["commit", "-q", "-m", "base"]);
    run(dir, &["rev-parse", "HEAD"])
}

#[test]
fn a_base_commit_is_read_as_committed_not_as_the_working_tree_has_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let base = repo(d);
    // The change lowers the bar in the working tree and in a new commit.
    std::fs::write(d.join("policy.toml"), "lines = 10\n").unwrap();
    assert!(git::has_uncommitted_changes(d));
    run(d, &["commit", "-q", "-am", "lower"]);
    assert!(!git::has_uncommitted_changes(d));
    let head = git::commit_id(d, "HEAD").unwrap();
    assert_ne!(head, base);

    let at_base = GitRevision {
        repo: d.to_path_buf(),
        rev: base.clone(),
    };
    assert_eq!(
        at_base.read(Path::new("policy.toml")).unwrap().as_deref(),
        Some(&b"lines = 80\n"[..])
    );
    assert_eq!(
        at_base.read(Path::new("./policy.toml")).unwrap().as_deref(),
        Some(&b"lines = 80\n"[..])
    );
    // A file the base does not have is "not there", not an error.
    assert_eq!(at_base.read(Path::new("missing.toml")).unwrap(), None);
    assert_eq!(at_base.describe(), format!("base commit {}", &base[..12]));
    assert_eq!(
        git::changed_paths(d, &base, &head, &["policy.toml", "sub"]),
        ["policy.toml"]
    );
    assert!(git::has_commit(d, &base));
    assert!(!git::has_commit(
        d,
        "0123456789abcdef0123456789abcdef01234567"
    ));

    // Relative to a subdirectory, as `--config sub/tollgate.toml` reads.
    let in_sub = GitRevision {
        repo: d.join("sub"),
        rev: base,
    };
    assert_eq!(
        in_sub.read(Path::new("a.txt")).unwrap().as_deref(),
        Some(&b"a\n"[..])
    );
    assert_eq!(
        git::repository_prefix(&d.join("sub")).as_deref(),
        Some("sub/")
    );
    assert_eq!(git::repository_prefix(d).as_deref(), Some(""));
}

#[test]
fn a_revision_git_cannot_read_is_an_error_naming_it_not_a_missing_file() {
    let dir = tempfile::tempdir().unwrap();
    repo(dir.path());
    let source = GitRevision {
        repo: dir.path().to_path_buf(),
        rev: "no-such-branch".into(),
    };
    let err = source.read(Path::new("policy.toml")).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("git show no-such-branch:./policy.toml: "),
        "{err}"
    );
    // An option-like revision is a revision git cannot find, never an option.
    assert_eq!(git::commit_id(dir.path(), "--output=/tmp/x"), None);
}

#[test]
fn a_release_tag_keeps_its_message_verbatim_and_is_not_replaced_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let head = repo(d);
    // git's default cleanup would drop the `#` line and the trailing spaces.
    let message = "Release v1.0.0\n\n# not a comment  \n\n\nsigned: yes   \n";
    git::create_tag(d, "v1.0.0", &head, message, false).unwrap();
    assert_eq!(
        git::annotated_tag_message(d, "v1.0.0").as_deref(),
        Some(message)
    );
    let object = git::tag_object(d, "v1.0.0").unwrap();
    assert_ne!(object, head, "an annotated tag is its own object");

    match git::create_tag(d, "v1.0.0", &head, "other\n", false) {
        Err(CreateTagError::Git { name, stderr }) => {
            assert_eq!(name, "v1.0.0");
            assert!(stderr.contains("already exists"), "{stderr}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        git::annotated_tag_message(d, "v1.0.0").as_deref(),
        Some(message)
    );
    git::create_tag(d, "v1.0.0", &head, "replaced\n", true).unwrap();
    assert_eq!(
        git::annotated_tag_message(d, "v1.0.0").as_deref(),
        Some("replaced\n")
    );

    assert!(git::delete_tag(d, "v1.0.0"));
    assert_eq!(git::read_tag(d, "v1.0.0"), None);
    assert!(!git::delete_tag(d, "v1.0.0"), "nothing left to delete");
    assert_eq!(git::remote_url(d, "origin"), None);
    run(
        d,
        &["remote", "add", "origin", "https://example.invalid/o/r.git"],
    );
    assert_eq!(
        git::remote_url(d, "origin").as_deref(),
        Some("https://example.invalid/o/r.git")
    );
}

/// A git that never answers (a credential prompt, a lock) is killed at
/// `TOLLGATE_GIT_TIMEOUT_SECS`, said on standard error, and tollgate goes
/// on as for a failing git instead of hanging.
#[cfg(unix)]
#[test]
fn a_hanging_git_is_killed_at_the_timeout_and_said() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let fake = bin.join("git");
    std::fs::write(&fake, "#!/bin/sh\nexec sleep 60\n").unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .args(["policy", "validate"])
        .current_dir(&work)
        .env_clear()
        .envs(crate::support::coverage::profile_env())
        .env("PATH", path)
        .env("HOME", dir.path())
        .env(git::TIMEOUT_VARIABLE, "1")
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("rev-parse --show-toplevel did not finish within 1 s and was killed (set TOLLGATE_GIT_TIMEOUT_SECS to allow longer)"),
        "{stderr}"
    );
    assert!(elapsed < Duration::from_secs(30), "took {elapsed:?}");
    // No answer is no repository: the defaults apply, and say so; the run
    // then stops on the missing policy directory, not on git.
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("using defaults"),
        "{out:?}"
    );
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        stderr
            .lines()
            .all(|l| l.contains("was killed") || l.contains("policies: cannot read")),
        "{stderr}"
    );
}
