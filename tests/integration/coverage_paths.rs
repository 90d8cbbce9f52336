//! `[[coverage.paths]]`, the critical-path rules tollgate's own gates use
//! (`src/eval/**`, `src/overrides/**`): a glob that matches no file of the
//! report is an error, never a pass, so a renamed directory cannot quietly
//! drop its bar; a glob that matches is judged on exactly its files, with
//! the figures lcov's own summary gives for them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests: a panic is a failure

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// `tollgate check --local` of the llvm-cov fixture (two files, src/lib.rs
/// and src/shapes.rs: 31 of 36 lines by lcov's own summary) under a policy
/// with `paths` as its `[[coverage.paths]]` entries; the JSON rules by id.
fn judge(paths: &str) -> (Option<i32>, Vec<Value>) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    crate::support::git::git(d, &["init", "-q"]);
    std::fs::create_dir_all(d.join("policies")).unwrap();
    std::fs::write(d.join("tollgate.toml"), "policy_dir = \"policies\"\n").unwrap();
    std::fs::write(
        d.join("policies/gate2.toml"),
        format!("schema = 1\nname = \"gate2\"\nversion = \"1.0.0\"\n{paths}"),
    )
    .unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/coverage/llvm-cov");
    std::fs::copy(fixture.join("lcov.info"), d.join("lcov.info")).unwrap();
    let summary = std::fs::read_to_string(fixture.join("lcov-summary.txt")).unwrap();
    assert!(
        summary.contains("lines......: 86.1% (31 of 36 lines)"),
        "{summary}"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .current_dir(d)
        .args([
            "check",
            "--local",
            "--format",
            "json",
            "--coverage",
            "lcov.info",
        ])
        .args(["--strip-prefix", "/tmp/tollgate-fixtures/llvm-cov"])
        .env_remove("GITHUB_ACTIONS")
        .output()
        .unwrap();
    let report: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out:?}"));
    (
        out.status.code(),
        report["rules"].as_array().unwrap().clone(),
    )
}

fn rule<'a>(rules: &'a [Value], id: &str) -> &'a Value {
    rules
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no rule {id}: {rules:?}"))
}

#[test]
fn a_critical_path_that_matches_no_file_is_an_error_not_a_pass() {
    let (code, rules) = judge(
        "[[coverage.paths]]\nglob = \"src/crypto/**\"\nlines = 95.0\n\
         [[coverage.paths]]\nglob = \"src/*.rs\"\nlines = 86.11\n",
    );
    assert_eq!(code, Some(1), "{rules:?}");
    let missing = rule(&rules, "coverage.path[src/crypto/**]");
    assert_eq!(missing["status"], "error");
    assert_eq!(missing["actual"], Value::Null);
    assert_eq!(
        missing["message"],
        "no file in the coverage report matches `src/crypto/**`"
    );
    let matched = rule(&rules, "coverage.path[src/*.rs]");
    assert_eq!(matched["status"], "pass", "{matched}");
    // 31 of 36 lines, lcov's own figure, to two decimals.
    assert_eq!(matched["actual"], "lines 86.11%");
    assert_eq!(
        matched["message"],
        "2 file(s) matching `src/*.rs` meet every minimum"
    );
}

#[test]
fn a_critical_path_below_its_bar_fails_compared_exactly() {
    // 31/36 is 86.111...%: exactly compared, 86.12 is not met.
    let (code, rules) = judge("[[coverage.paths]]\nglob = \"src/**\"\nlines = 86.12\n");
    assert_eq!(code, Some(1), "{rules:?}");
    let failed = rule(&rules, "coverage.path[src/**]");
    assert_eq!(failed["status"], "fail", "{failed}");
    assert_eq!(failed["actual"], "lines 86.11%");
    let (code, rules) = judge("[[coverage.paths]]\nglob = \"src/**\"\nlines = 86.11\n");
    assert_eq!(code, Some(0), "{rules:?}");
    assert_eq!(rule(&rules, "coverage.path[src/**]")["status"], "pass");
}
