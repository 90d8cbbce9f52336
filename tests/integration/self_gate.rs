//! `.ci/run` judges tollgate with its own gate: the offline part of
//! gate2.toml (`.github/tollgate/self-check.toml`, docs/self-gate.md). These
//! tests keep that file gate2's own, section for section, so the self-check
//! can leave rules to the workflows but never judge with a lower bar.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests: a panic is a failure

use std::path::Path;

use tollgate::policy::{load_policy, Policy, Threshold, WorkingTree};

fn load(name: &str) -> Policy {
    let tree = WorkingTree::new(Path::new(env!("CARGO_MANIFEST_DIR")));
    let path = Path::new(".github/tollgate").join(format!("{name}.toml"));
    load_policy(&tree, &path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn percent(p: f64) -> Option<Threshold> {
    Threshold::from_percent(p)
}

#[test]
fn the_self_check_is_gate2_less_the_rules_only_github_can_decide() {
    let gate2 = load("gate2");
    let own = load("self-check");

    // What it judges: gate2's own sections, unchanged.
    assert_eq!(own.audit, gate2.audit, "[audit] differs from gate2.toml");
    assert_eq!(own.tests, gate2.tests, "[tests] differs from gate2.toml");
    assert_eq!(own.overrides, gate2.overrides, "[overrides] differs");
    let (ours, theirs) = (own.coverage.unwrap(), gate2.coverage.clone().unwrap());
    assert_eq!(ours.lines, theirs.lines, "coverage.lines differs");
    assert_eq!(ours.branches, theirs.branches);
    assert_eq!(ours.functions, theirs.functions);
    assert_eq!(ours.paths, theirs.paths, "[[coverage.paths]] differ");

    // What it leaves to the workflows, as its header says.
    assert!(own.reviews.is_none() && gate2.reviews.is_some());
    assert!(own.checks.is_none() && gate2.checks.is_some());
    assert!(own.benchmarks.is_none() && gate2.benchmarks.is_some());
    assert_eq!(ours.patch, None);
    assert_eq!(ours.max_drop, None);
    assert!(theirs.patch.is_some() && theirs.max_drop.is_some());
    // Nothing else gate2 has is dropped silently.
    assert_eq!(own.release, gate2.release);
    assert_eq!(own.signoffs, gate2.signoffs);
    assert_eq!(own.documents, gate2.documents);
}

/// The program plan's bars for tollgate itself (issue 15): 90% of lines
/// overall, 95% on the critical paths.
#[test]
fn gate2_asks_the_program_plans_coverage_of_tollgate() {
    let coverage = load("gate2").coverage.unwrap();
    assert_eq!(coverage.lines, percent(90.0));
    let paths: Vec<(&str, Option<Threshold>)> = coverage
        .paths
        .iter()
        .map(|p| (p.glob.as_str(), p.lines))
        .collect();
    assert_eq!(
        paths,
        [
            ("src/eval/**", percent(95.0)),
            ("src/overrides/**", percent(95.0))
        ]
    );
}

/// `.ci/run` runs the suite once, instrumented, and judges it with the
/// self-check; the README's `cargo test --locked` is not run a second time.
#[test]
fn ci_runs_the_suite_once_under_coverage_and_judges_it() {
    let script =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/run")).unwrap();
    let code: Vec<&str> = script
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#'))
        .collect();
    assert!(code
        .iter()
        .any(|l| l.contains("llvm-cov nextest") && l.contains("--profile ci")));
    assert!(code.iter().any(|l| l.contains("cargo test --locked --doc")));
    assert!(!code.contains(&"cargo test --locked"));
    assert!(code
        .iter()
        .any(|l| l.contains("check --local") && l.contains("--gate self-check")));
}
