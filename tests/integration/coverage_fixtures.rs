//! Every coverage report under `fixtures/coverage/<producer>/` (and the
//! patch scenario's under `fixtures/patch/<name>/`) was made by
//! really running its producer (`fixtures/make-coverage.sh`), and each
//! directory's `expected.json` holds the totals that the producing tool
//! itself reported. tollgate must agree with each to the unit.
//!
//! The test discovers producers and reports by walking the directory, so a
//! new fixture is checked as soon as it lands. Reports in formats tollgate
//! does not read as coverage (the tools' own JSON summaries, which are where
//! several expected figures come from) are listed and skipped; every LCOV
//! and Cobertura file must be read, strictly (unknown records are errors
//! here, so producers' format drift shows up).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a broken fixture should stop the test loudly

use std::path::{Path, PathBuf};

use serde_json::Value;
use tollgate::evidence::coverage::{
    read_coverage_file_with, CoverageReport, ReadOptions, Strictness, Tally,
};
use tollgate::evidence::EvidenceError;

fn fixture_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/coverage")
}

fn expected_tally(entry: &Value, kind: &str) -> Option<Tally> {
    let t = entry.get(kind)?;
    Some(Tally {
        found: t.get("found")?.as_u64()?,
        hit: t.get("hit")?.as_u64()?,
    })
}

#[test]
fn totals_equal_what_each_producer_reported() {
    let mut checked = Vec::new();
    let mut skipped = Vec::new();
    let mut failures = Vec::new();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut dirs: Vec<_> = ["coverage", "patch"]
        .iter()
        .flat_map(|kind| std::fs::read_dir(fixtures.join(kind)).expect("fixture directory exists"))
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("expected.json").is_file())
        .collect();
    dirs.sort();
    for dir in &dirs {
        let expected: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let reports = expected
            .get("reports")
            .and_then(Value::as_object)
            .unwrap_or_else(|| panic!("{}: expected.json has no `reports`", dir.display()));
        for (name, entry) in reports {
            let path = dir.join(name);
            // The patch scenario's reports describe its `head` tree.
            let root = if dir.join("head").is_dir() {
                dir.join("head")
            } else {
                dir.clone()
            };
            let opts = ReadOptions {
                repo_root: root.clone(),
                strip_prefix: Vec::new(),
                format: None,
            };
            let mut report = CoverageReport::new();
            let label = format!(
                "{}/{name}",
                dir.strip_prefix(&fixtures).unwrap_or(dir).display()
            );
            match read_coverage_file_with(&path, &opts, Strictness::Strict, &mut report) {
                Ok(format) => {
                    let totals = report.totals();
                    for (kind, actual) in [
                        ("lines", totals.lines),
                        ("branches", totals.branches),
                        ("functions", totals.functions),
                    ] {
                        // A figure the producer counts differently, on
                        // purpose, says why in `not_followed` (and a test of
                        // its own asserts tollgate's reading).
                        if entry
                            .get("not_followed")
                            .and_then(|n| n.get(kind))
                            .is_some()
                        {
                            continue;
                        }
                        if let Some(want) = expected_tally(entry, kind) {
                            if want != actual {
                                failures.push(format!(
                                    "{label} ({format}): {kind} expected {want:?}, tollgate read {actual:?}"
                                ));
                            }
                        }
                    }
                    // Paths are made relative to the fixture directory (the
                    // "repository"), wherever the producer ran.
                    for (file, _) in report.files() {
                        if !root.join(file).exists() {
                            failures.push(format!(
                                "{label}: path `{file}` is not relative to the fixture"
                            ));
                        }
                    }
                    checked.push(label);
                }
                Err(EvidenceError::UnknownFormat { .. })
                    if path.extension().is_some_and(|e| e == "json" || e == "txt") =>
                {
                    skipped.push(label);
                }
                Err(e) => failures.push(format!("{label}: {e}")),
            }
        }
    }
    eprintln!(
        "checked: {checked:?}\nskipped (JSON and text summaries, not coverage input): {skipped:?}"
    );
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    assert!(
        checked.len() >= dirs.len(),
        "every producer should have at least one LCOV or Cobertura report: {checked:?}"
    );
}

/// The same fixture's reports in both formats describe the same lines.
#[test]
fn lcov_and_cobertura_of_one_run_agree_per_file() {
    for (dir, lcov, xml) in [
        ("coveragepy", "lcov.info", "coverage.xml"),
        ("tarpaulin", "lcov.info", "cobertura.xml"),
        ("c8", "lcov.info", "cobertura-coverage.xml"),
    ] {
        let dir = fixture_root().join(dir);
        if !dir.exists() {
            continue;
        }
        let opts = ReadOptions {
            repo_root: dir.clone(),
            strip_prefix: Vec::new(),
            format: None,
        };
        let read = |name: &str| {
            let mut report = CoverageReport::new();
            read_coverage_file_with(&dir.join(name), &opts, Strictness::Strict, &mut report)
                .unwrap_or_else(|e| panic!("{e}"));
            report
        };
        let (a, b) = (read(lcov), read(xml));
        let lines = |r: &CoverageReport| {
            r.files()
                .map(|(p, f)| {
                    (
                        p.to_owned(),
                        f.lines().map(|(l, c)| (l, c > 0)).collect::<Vec<_>>(),
                    )
                })
                .filter(|(_, lines)| !lines.is_empty())
                .collect::<Vec<_>>()
        };
        assert_eq!(lines(&a), lines(&b), "{}", dir.display());
    }
}
