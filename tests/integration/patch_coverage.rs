//! Patch coverage must equal diff-cover's on the same inputs (docs/formats.md, unified diffs).
//!
//! The scenario in `fixtures/patch/coveragepy` is a real git history (rebuilt
//! by its `recreate-repo.sh`) with coverage.py reports of the head commit and
//! diff-cover 11's own JSON results beside them.

#![allow(clippy::unwrap_used)] // test helpers: a panic is a failed test

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/patch/coveragepy")
}

/// Rebuilds the scenario's repository, with a gate policy beside it.
fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("repo");
    let status = Command::new("bash")
        .arg(fixture().join("recreate-repo.sh"))
        .arg(&dest)
        .status()
        .unwrap();
    assert!(status.success(), "recreate-repo.sh failed");
    std::fs::create_dir_all(dest.join("policies")).unwrap();
    std::fs::write(dest.join("tollgate.toml"), "policy_dir = \"policies\"\n").unwrap();
    std::fs::write(
        dest.join("policies/patch.toml"),
        "schema = 1\nname = \"patch\"\nversion = \"1.0.0\"\n[coverage]\npatch = 60.0\n",
    )
    .unwrap();
    dir
}

/// Judges `report` as a coverage run on the rebuilt checkout would have
/// written it: a fresh copy, newer than the files the checkout just wrote
/// (the fixture's own file time is older, and a report older than the
/// changed files is an error in a local run: see
/// `a_report_older_than_the_changed_files_is_an_error`).
fn check(repo: &Path, report: &str, threshold_ok: bool) -> Value {
    let fresh = repo.parent().unwrap().join(report);
    std::fs::copy(fixture().join(report), &fresh).unwrap();
    run_check(repo, &fresh, threshold_ok)
}

fn run_check(repo: &Path, report: &Path, threshold_ok: bool) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .current_dir(repo)
        .args([
            "check",
            "--gate",
            "patch",
            "--base",
            "base",
            "--format",
            "json",
            "--coverage",
        ])
        .arg(report)
        .env_remove("GITHUB_ACTIONS")
        .output()
        .unwrap();
    let code = out.status.code().unwrap();
    assert_eq!(
        code,
        i32::from(!threshold_ok),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// diff-cover's violation lines per file, from its JSON report.
fn diff_cover_uncovered(name: &str) -> Vec<(String, u32)> {
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture().join(name)).unwrap()).unwrap();
    let mut out = Vec::new();
    for (path, stats) in json["src_stats"].as_object().unwrap() {
        for line in stats["violation_lines"].as_array().unwrap() {
            out.push((path.clone(), u32::try_from(line.as_u64().unwrap()).unwrap()));
        }
    }
    out.sort();
    out
}

fn our_uncovered(report: &Value) -> Vec<(String, u32)> {
    let mut out = Vec::new();
    for a in report["annotations"].as_array().unwrap() {
        let path = a["path"].as_str().unwrap().to_owned();
        for line in a["start_line"].as_u64().unwrap()..=a["end_line"].as_u64().unwrap() {
            out.push((path.clone(), u32::try_from(line).unwrap()));
        }
    }
    out.sort();
    out
}

#[test]
fn patch_coverage_of_cobertura_equals_diff_cover() {
    let dir = repo();
    let report = check(&dir.path().join("repo"), "coverage.xml", true);
    let diff_cover: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture().join("diff-cover.json")).unwrap())
            .unwrap();
    let found = diff_cover["total_num_lines"].as_u64().unwrap();
    let hit = found - diff_cover["total_num_violations"].as_u64().unwrap();
    assert_eq!(
        report["evidence"]["coverage"]["patch"]["found"].as_u64(),
        Some(found)
    );
    assert_eq!(
        report["evidence"]["coverage"]["patch"]["hit"].as_u64(),
        Some(hit)
    );
    assert_eq!(
        our_uncovered(&report),
        diff_cover_uncovered("diff-cover.json")
    );
}

#[test]
fn patch_coverage_of_lcov_equals_diff_cover() {
    let dir = repo();
    let report = check(&dir.path().join("repo"), "lcov.info", true);
    assert_eq!(
        report["evidence"]["coverage"]["patch"]["found"].as_u64(),
        Some(15)
    );
    assert_eq!(
        report["evidence"]["coverage"]["patch"]["hit"].as_u64(),
        Some(9)
    );
    assert_eq!(
        our_uncovered(&report),
        diff_cover_uncovered("diff-cover-lcov.json")
    );
}

#[test]
fn patch_rule_fails_below_the_threshold_and_names_the_lines() {
    let dir = repo();
    let repo = dir.path().join("repo");
    std::fs::write(
        repo.join("policies/patch.toml"),
        "schema = 1\nname = \"patch\"\nversion = \"1.0.0\"\n[coverage]\npatch = 60.01\n",
    )
    .unwrap();
    let report = check(&repo, "coverage.xml", false);
    let rule = &report["rules"][0];
    assert_eq!(rule["id"], "coverage.patch");
    assert_eq!(rule["status"], "fail");
    assert_eq!(rule["actual"], "60.00%");
    assert!(
        rule["message"]
            .as_str()
            .unwrap()
            .contains("src/shop/cart.py:8"),
        "{rule}"
    );
}

/// A report written before the change's files were (a report of an older
/// checkout, here the fixture's own file, older than the rebuilt
/// repository): `coverage.patch` is an error naming a changed file, not a
/// figure for a change the report never saw.
#[test]
fn a_report_older_than_the_changed_files_is_an_error() {
    let dir = repo();
    let repo = dir.path().join("repo");
    let old = dir.path().join("old.xml");
    std::fs::copy(fixture().join("coverage.xml"), &old).unwrap();
    let then = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(&old)
        .unwrap()
        .set_modified(then)
        .unwrap();
    let report = run_check(&repo, &old, false);
    let rule = &report["rules"][0];
    assert_eq!(rule["status"], "error", "{rule}");
    let message = rule["message"].as_str().unwrap();
    assert!(message.contains("src/shop/"), "{message}");
    assert!(message.contains("after the coverage report"), "{message}");
    assert_eq!(
        rule["help"],
        "regenerate the coverage report on the working tree, then judge again"
    );
}

/// A changed source file the report does not list at all (a new module the
/// report was made without): an error naming it. A changed file of a kind
/// the report never covers (a README) does not count.
#[test]
fn a_changed_source_file_the_report_does_not_know_is_an_error() {
    let dir = repo();
    let repo = dir.path().join("repo");
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .current_dir(&repo)
            .args(args)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.org")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.org")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    std::fs::write(repo.join("NOTES.md"), "a note\n").unwrap();
    git(&["add", "NOTES.md"]);
    git(&["commit", "-q", "-m", "notes"]);
    // Documentation only: the report still describes every changed source file.
    let report = check(&repo, "coverage.xml", true);
    assert_eq!(
        report["rules"][0]["status"], "pass",
        "{}",
        report["rules"][0]
    );

    std::fs::write(repo.join("src/shop/new.py"), "def added():\n    return 1\n").unwrap();
    git(&["add", "src/shop/new.py"]);
    git(&["commit", "-q", "-m", "a module the report has not seen"]);
    let report = check(&repo, "coverage.xml", false);
    let rule = &report["rules"][0];
    assert_eq!(rule["status"], "error", "{rule}");
    assert!(
        rule["message"]
            .as_str()
            .unwrap()
            .contains("does not know changed source file(s) src/shop/new.py"),
        "{rule}"
    );
}
