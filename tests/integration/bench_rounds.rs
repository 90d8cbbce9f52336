//! A benchmark comparison taken in several rounds, judged from real
//! criterion trees (`fixtures/bench/criterion`, criterion 0.5.1): the record's
//! `rounds` are read, the median round decides and every round is named,
//! and a round outside `[evidence] bench_rounds` or missing is an input
//! error, never a pass (docs/benchmarks.md, "Rounds").

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

use crate::support::files::{copy_into, manifest, write_files};
use crate::support::git::git;

const CONFIG: &str = r#"policy_dir = "policies"

[gates]
pull_request = "gate2"
push = "gate2"

[evidence]
bench = ["target/criterion"]
"#;

const POLICY: &str =
    "schema = 1\nname = \"gate2\"\nversion = \"1.0.0\"\n\n[benchmarks]\nmax_regression = 15.0\n";

/// A repository whose rounds r1 and r3 are the fixture tree and r2 the same
/// without `parse/small`; the record lists `rounds`.
fn repo(rounds: &[&str]) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write_files(
        root,
        &[("tollgate.toml", CONFIG), ("policies/gate2.toml", POLICY)],
    );
    git(root, &["init", "-q", "-b", "main"]);
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "base"]);
    let sha = git(root, &["rev-parse", "HEAD"]);
    let tree = manifest().join("fixtures/bench/criterion");
    for r in ["r1", "r2", "r3"] {
        copy_into(&tree, &root.join("target/criterion-rounds").join(r));
    }
    std::fs::remove_dir_all(root.join("target/criterion-rounds/r2/parse")).unwrap();
    copy_into(&tree, &root.join("target/criterion"));
    let list: Vec<String> = rounds.iter().map(|r| format!("{r:?}")).collect();
    write_files(
        root,
        &[(
            "target/tollgate-bench.json",
            &format!(
                r#"{{"base": "{sha}", "head": "{sha}", "tool": "criterion", "base_ran": true, "rounds": [{}]}}"#,
                list.join(", ")
            ),
        )],
    );
    (dir, sha)
}

fn check(root: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .current_dir(root)
        .args(["check", "--local", "--gate", "gate2", "--format", "json"])
        .output()
        .unwrap()
}

fn rule<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no rule {id}: {report:#}"))
}

#[test]
fn the_median_round_decides_and_every_round_is_named() {
    let (dir, _) = repo(&[
        "target/criterion-rounds/r1",
        "target/criterion-rounds/r2",
        "target/criterion-rounds/r3",
    ]);
    let out = check(dir.path());
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let parse = rule(&report, "bench.regression[parse/small]");
    assert_eq!(parse["status"], "fail", "{report:#}");
    let message = parse["message"].as_str().unwrap();
    assert!(
        message.starts_with("+87.42% slower, [+59.70%, +129.06%] in the median round: wholly beyond +15% in 2 of 2 rounds (round 1 +87.42%"),
        "{message}"
    );
    assert!(message.contains("no result in round 2 of 3"), "{message}");
    let hot = rule(&report, "bench.regression[lookup/hot]");
    assert_eq!(hot["status"], "pass", "{report:#}");
    assert!(
        hot["message"]
            .as_str()
            .unwrap()
            .contains("in 0 of 3 rounds"),
        "{hot}"
    );
    assert_eq!(out.status.code(), Some(1), "{report:#}");
    assert_eq!(
        report["evidence"]["bench_commits"]["rounds"][2],
        "target/criterion-rounds/r3"
    );
}

#[test]
fn a_round_outside_bench_rounds_or_missing_is_an_input_error() {
    let (dir, _) = repo(&["target/criterion-rounds/r1", "target/criterion"]);
    let out = check(dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("tollgate-bench.json"), "{stderr}");
    assert!(
        stderr.contains("is not inside [evidence] bench_rounds"),
        "{stderr}"
    );

    let (dir, _) = repo(&["target/criterion-rounds/r1", "target/criterion-rounds/r9"]);
    let out = check(dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("criterion-rounds/r9"), "{stderr}");
}
