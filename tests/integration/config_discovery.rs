//! One way of finding `tollgate.toml` for every command, in a real git
//! repository: the nearest file from the current directory up to the top
//! level, or `--config`, or the defaults said out loud; and a `--base`
//! that names nothing is a tollgate error, not git's.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output};

use crate::support::git::git;

const POLICY: &str =
    "schema = 1\nname = \"gate2\"\nversion = \"1.0.0\"\n\n[coverage]\nlines = 50.0\n";
const LCOV: &str = "TN:\nSF:src/lib.rs\nDA:1,1\nDA:2,0\nend_of_record\n";

fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q", "-b", "main"]);
    dir
}

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn tollgate(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .args(args)
        .current_dir(cwd)
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_TOKEN")
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// From a subdirectory without its own file, every command reads the top
/// level's `tollgate.toml`, and says so relative to the top level.
#[test]
fn every_command_finds_the_same_file_from_a_subdirectory() {
    let dir = repo();
    let root = dir.path();
    write(root, "tollgate.toml", "policy_dir = \"gates\"\n");
    write(root, "gates/gate2.toml", POLICY);
    write(root, "gates/gate3.toml", &POLICY.replace("gate2", "gate3"));
    write(root, "target/lcov.info", LCOV);
    write(root, "src/deep/keep.txt", "");
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "one"]);
    let sub = root.join("src/deep");

    let out = tollgate(&sub, &["policy", "validate"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).starts_with("configuration tollgate.toml; policies in gates/\n"),
        "{}",
        text(&out)
    );

    let out = tollgate(&sub, &["policy", "show", "gate2"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).starts_with("# configuration tollgate.toml; policy gates/gate2.toml\n"),
        "{}",
        text(&out)
    );

    // check reads the same file, and the evidence at its default path.
    let out = tollgate(&sub, &["check", "--gate", "gate2"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("(gates/gate2.toml, sha256"),
        "{}",
        text(&out)
    );
    assert!(
        text(&out).contains("PASS       coverage.lines"),
        "{}",
        text(&out)
    );
    assert!(
        text(&out).contains("note: configuration tollgate.toml"),
        "{}",
        text(&out)
    );
}

/// A nearer `tollgate.toml` wins over the top level's, and its directory
/// is the root its paths are relative to.
#[test]
fn the_nearest_file_wins() {
    let dir = repo();
    let root = dir.path();
    write(root, "tollgate.toml", "policy_dir = \"nowhere\"\n");
    write(root, "member/tollgate.toml", "policy_dir = \"policies\"\n");
    write(root, "member/policies/gate2.toml", POLICY);
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "one"]);
    let out = tollgate(&root.join("member"), &["policy", "validate"]);
    assert!(out.status.success(), "{}", text(&out));
    let shown = text(&out);
    assert!(
        shown.starts_with("configuration member/tollgate.toml; policies in member/policies/\n"),
        "{shown}"
    );
    assert!(shown.contains("member/policies/gate2.toml: ok"), "{shown}");
}

/// No file anywhere up to the top level: the defaults, said out loud.
#[test]
fn without_a_file_the_defaults_are_named() {
    let dir = repo();
    let root = dir.path();
    write(root, "policies/gate2.toml", POLICY);
    write(root, "sub/keep.txt", "");
    let out = tollgate(&root.join("sub"), &["policy", "show", "gate2"]);
    assert!(out.status.success(), "{}", text(&out));
    let first = text(&out).lines().next().unwrap_or_default().to_owned();
    let top = root.canonicalize().unwrap();
    assert_eq!(
        first,
        format!(
            "# no tollgate.toml found from {} up to {}; using defaults; policy policies/gate2.toml",
            top.join("sub").display(),
            top.display()
        )
    );
}

/// `--base` naming no commit says what to pass instead of git's `fatal: bad revision`.
#[test]
fn an_unknown_base_is_a_tollgate_error() {
    let dir = repo();
    let root = dir.path();
    write(root, "tollgate.toml", "");
    write(
        root,
        "policies/gate2.toml",
        &format!("{POLICY}patch = 80.0\n"),
    );
    write(root, "target/lcov.info", LCOV);
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "one"]);
    let out = tollgate(root, &["check", "--base", "origin/mian"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let shown = text(&out);
    assert!(
        shown.contains(
            "error: --base origin/mian: no commit, branch or tag `origin/mian` in this repository"
        ),
        "{shown}"
    );
    assert!(!shown.contains("fatal:"), "{shown}");
}
