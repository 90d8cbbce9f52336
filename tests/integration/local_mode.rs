//! `tollgate check --local`, the pre-push run: rules only CI can decide are
//! listed as decided in CI and do not block; every other rule does. Also
//! what a local run says about its inputs: a gate that judged nothing,
//! evidence older than the commit, a changelog that is not committed.
//!
//! The evidence is the bundled example's (`fixtures/example`: coverage.py
//! LCOV, 43 of 59 lines; a nextest JUnit report, 6 passing tests), copied
//! into a throw-away repository after its commit, as a coverage run on the
//! checkout would write it.

#![allow(clippy::unwrap_used, clippy::panic)] // tests: a panic is a failure

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

use crate::support::git::git;

const POLICY: &str = r#"schema = 1
name = "gate2"
version = "1.0.0"
[coverage]
lines = 70.0
[reviews]
approvals = 2
[checks]
required = ["test"]
[tests]
all_pass = true
"#;

fn example(path: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/example")
        .join(path)
}

/// A repository with one commit, a gate, and fresh evidence.
fn repo(policy: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    git(root, &["init", "-q", "-b", "main"]);
    std::fs::create_dir_all(root.join("policies")).unwrap();
    std::fs::write(root.join("policies/gate2.toml"), policy).unwrap();
    std::fs::write(
        root.join("tollgate.toml"),
        "[evidence]\ncoverage = [\"target/lcov.info\"]\ntests = [\"target/junit.xml\"]\n",
    )
    .unwrap();
    std::fs::write(root.join(".gitignore"), "target/\n").unwrap();
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "init"]);
    fresh_evidence(root);
    dir
}

fn fresh_evidence(root: &Path) {
    std::fs::create_dir_all(root.join("target")).unwrap();
    std::fs::copy(example("coverage/lcov.info"), root.join("target/lcov.info")).unwrap();
    std::fs::copy(example("tests/junit.xml"), root.join("target/junit.xml")).unwrap();
}

fn tollgate(root: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tollgate"));
    cmd.current_dir(root).args(args);
    for var in [
        "GITHUB_ACTIONS",
        "GITHUB_TOKEN",
        "GITHUB_REPOSITORY",
        "GITHUB_EVENT_NAME",
        "GITHUB_EVENT_PATH",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("NO_COLOR", "1").output().unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(out)))
}

fn rule<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no rule {id}: {report}"))
}

#[test]
fn a_local_run_passes_when_only_ci_decided_rules_remain() {
    let dir = repo(POLICY);
    let out = tollgate(dir.path(), &["check", "--local", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let report = json(&out);
    assert_eq!(report["conclusion"], "pending");
    assert_eq!(report["context"]["local"], true);
    assert_eq!(rule(&report, "coverage.lines")["status"], "pass");
    assert_eq!(rule(&report, "tests.pass")["status"], "pass");
    for id in [
        "reviews.approvals",
        "reviews.changes_requested",
        "checks.required[test]",
    ] {
        let r = rule(&report, id);
        assert_eq!(r["status"], "unknown", "{r}");
        assert!(
            r["message"].as_str().unwrap().starts_with("decided in CI"),
            "{r}"
        );
    }

    // The human report says so, and does not call it a pass.
    let out = tollgate(dir.path(), &["check", "--local"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let human = text(&out);
    assert!(
        human.contains("Decided in CI (these do not block a local run):"),
        "{human}"
    );
    assert!(
        human.contains("gate2 PENDING CI (2 pass, 3 unknown)"),
        "{human}"
    );
    assert!(
        human.contains("every rule this checkout can decide passed; 3 rule(s) are decided in CI"),
        "{human}"
    );
    assert!(!human.contains("PASSED"), "{human}");
}

/// Without `--local` the same run stays undecided: an unknown never becomes a pass.
#[test]
fn without_local_the_same_rules_leave_the_gate_undecided() {
    let dir = repo(POLICY);
    let out = tollgate(dir.path(), &["check", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report = json(&out);
    assert_eq!(report["conclusion"], "unknown");
    assert!(report["context"].get("local").is_none(), "{report}");
}

#[test]
fn a_local_run_blocks_on_a_rule_it_can_decide() {
    let dir = repo(&POLICY.replace("lines = 70.0", "lines = 80.0"));
    let out = tollgate(dir.path(), &["check", "--local", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report = json(&out);
    assert_eq!(report["conclusion"], "fail");
    assert_eq!(rule(&report, "coverage.lines")["status"], "fail");
}

/// A local run never reads GitHub: a token in the environment (here one
/// no server would accept, at an address nothing listens on) changes nothing.
#[test]
fn a_local_run_ignores_a_token() {
    let dir = repo(POLICY);
    let out = Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .current_dir(dir.path())
        .args(["check", "--local", "--format", "json"])
        .env_remove("GITHUB_ACTIONS")
        .env("GITHUB_TOKEN", "ghp_not_a_real_token_000000000000000000")
        .env("GITHUB_API_URL", "http://127.0.0.1:9")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(json(&out)["conclusion"], "pending");
}

#[test]
fn local_conflicts_with_github_and_pr() {
    let dir = repo(POLICY);
    for extra in [["--github"], ["--pr=3"]] {
        let out = tollgate(dir.path(), &["check", "--local", extra[0]]);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        assert!(text(&out).contains("cannot be used with"), "{}", text(&out));
    }
}

/// Every section optional and no evidence: the gate judged nothing. That
/// is an input error saying what to provide, not a pass.
#[test]
fn a_gate_that_judged_nothing_is_an_error() {
    let dir = repo(
        "schema = 1\nname = \"gate2\"\nversion = \"1.0.0\"\n[coverage]\noptional = true\nlines = 70.0\n[tests]\noptional = true\nall_pass = true\n",
    );
    std::fs::remove_dir_all(dir.path().join("target")).unwrap();
    let out = tollgate(dir.path(), &["check", "--local"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "error: gate gate2 judged nothing: every rule was skipped, so it cannot pass"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("coverage.lines: coverage report not found"),
        "{stderr}"
    );
    assert!(
        stderr.contains("provide the evidence these rules need"),
        "{stderr}"
    );
    assert!(
        out.stdout.is_empty(),
        "no report for a gate that judged nothing"
    );

    // With the evidence, the same gate judges.
    fresh_evidence(dir.path());
    let out = tollgate(dir.path(), &["check", "--local"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[test]
fn a_policy_without_rules_is_an_error_naming_it() {
    let dir = repo("schema = 1\nname = \"gate2\"\nversion = \"1.0.0\"\n");
    let out = tollgate(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("policies/gate2.toml defines no rules"),
        "{}",
        text(&out)
    );
}

/// Evidence written before the judged commit is noted; it does not block.
#[test]
fn evidence_older_than_the_commit_is_noted() {
    let dir = repo(POLICY);
    let an_hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(dir.path().join("target/lcov.info"))
        .unwrap()
        .set_modified(an_hour_ago)
        .unwrap();
    let out = tollgate(dir.path(), &["check", "--local", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let notes = json(&out)["notes"].to_string();
    assert!(notes.contains("evidence written before commit"), "{notes}");
    assert!(
        notes.contains("coverage report target/lcov.info"),
        "{notes}"
    );
    assert!(
        !notes.contains("junit.xml"),
        "the fresh test report is not noted: {notes}"
    );
}

/// Release files come from the judged commit: an untracked changelog does
/// not count, a committed one does.
#[test]
fn an_untracked_changelog_does_not_count() {
    let policy =
        format!("{POLICY}[release]\nchangelog = \"CHANGELOG.md\"\nversion_matches_tag = false\n");
    let dir = repo(&policy);
    let root = dir.path();
    std::fs::write(
        root.join("CHANGELOG.md"),
        "# Changelog\n\n## [1.0.0]\n\n- first\n",
    )
    .unwrap();
    let check = || {
        let out = tollgate(
            root,
            &[
                "check",
                "--local",
                "--tag",
                "v1.0.0",
                "--preview",
                "--gate",
                "gate2",
                "--format",
                "json",
            ],
        );
        json(&out)
    };
    let report = check();
    let r = rule(&report, "release.changelog");
    assert_eq!(r["status"], "fail", "{r}");
    assert!(
        r["message"]
            .as_str()
            .unwrap()
            .contains("CHANGELOG.md is in the working tree but not in commit"),
        "{r}"
    );

    git(root, &["add", "CHANGELOG.md"]);
    git(root, &["commit", "-q", "-m", "changelog"]);
    fresh_evidence(root);
    let report = check();
    assert_eq!(
        rule(&report, "release.changelog")["status"],
        "pass",
        "{report}"
    );

    // An uncommitted edit of the section does not count either.
    std::fs::write(root.join("CHANGELOG.md"), "# Changelog\n\n## [1.0.0]\n\n").unwrap();
    let report = check();
    assert_eq!(
        rule(&report, "release.changelog")["status"],
        "pass",
        "{report}"
    );
}

/// Package versions come from the judged commit too: a version bump in the
/// working tree, or a member crate not committed, fails `release.version`
/// whatever versions it carries, as the tag on that commit would in CI.
#[test]
fn uncommitted_manifests_do_not_count_for_the_release_version() {
    let policy = format!("{POLICY}[release]\nversion_matches_tag = true\n");
    let dir = repo(&policy);
    let root = dir.path();
    let workspace = |version: &str| {
        format!("[workspace]\nmembers = [\"crates/*\"]\nresolver = \"2\"\n[workspace.package]\nversion = \"{version}\"\n")
    };
    let member = |name: &str| {
        let crate_dir = root.join("crates").join(name);
        std::fs::create_dir_all(crate_dir.join("src")).unwrap();
        std::fs::write(
            crate_dir.join("Cargo.toml"),
            format!("[package]\nname = \"{name}\"\nversion.workspace = true\nedition = \"2021\"\n"),
        )
        .unwrap();
        std::fs::write(crate_dir.join("src/lib.rs"), "").unwrap();
    };
    std::fs::write(root.join("Cargo.toml"), workspace("1.0.0")).unwrap();
    member("a");
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "workspace"]);
    let version_rule = || {
        let out = tollgate(
            root,
            &[
                "check",
                "--local",
                "--tag",
                "v1.1.0",
                "--preview",
                "--gate",
                "gate2",
                "--format",
                "json",
            ],
        );
        rule(&json(&out), "release.version").clone()
    };

    // The bump is in the working tree only: the commit says 1.0.0.
    std::fs::write(root.join("Cargo.toml"), workspace("1.1.0")).unwrap();
    let r = version_rule();
    assert_eq!(r["status"], "fail", "{r}");
    let message = r["message"].as_str().unwrap();
    assert!(
        message.starts_with("Cargo.toml: not as in commit "),
        "{message}"
    );

    git(root, &["commit", "-q", "-am", "1.1.0"]);
    fresh_evidence(root);
    assert_eq!(version_rule()["status"], "pass");

    // A member crate cargo finds but the commit does not hold.
    member("b");
    let r = version_rule();
    assert_eq!(r["status"], "fail", "{r}");
    let message = r["message"].as_str().unwrap();
    assert!(
        message.starts_with("crates/b/Cargo.toml: not as in commit "),
        "{message}"
    );
}

/// A misspelt tag is an error listing the tags there are.
#[test]
fn a_tag_that_does_not_exist_is_an_error_listing_the_nearest() {
    let dir = repo(POLICY);
    git(dir.path(), &["tag", "v1.0.29"]);
    git(dir.path(), &["tag", "v0.9.0"]);
    let out = tollgate(dir.path(), &["check", "--tag", "v1.0.92"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(
            "error: tag v1.0.92 does not exist in this repository (its tags: v1.0.29, v0.9.0): create it (tollgate tag v1.0.92, or git tag), or pass --preview"
        ),
        "{}",
        text(&out)
    );
}
