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

fn check(repo: &Path, report: &str, threshold_ok: bool) -> Value {
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
        .arg(fixture().join(report))
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
