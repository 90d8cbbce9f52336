//! Real tool outputs under `fixtures/` read by our evidence readers must give
//! the same figures the producing tools printed (each fixture directory's
//! `expected.json`, written from the tools' own summaries; see PRODUCED.md).

// The helpers below are test code too, but outside `#[test]` functions,
// where clippy's allow-*-in-tests settings do not reach.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;
use tollgate::evidence::junit::{read_junit, read_junit_files};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

fn expected(dir: &str) -> Value {
    let text = std::fs::read_to_string(fixture(dir).join("expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn count(v: &Value, key: &str) -> u64 {
    v[key]
        .as_u64()
        .unwrap_or_else(|| panic!("expected.json lacks {key}: {v}"))
}

#[test]
fn junit_fixtures_match_the_tools_own_counts() {
    let expected = expected("tests");
    let files = expected.as_object().unwrap();
    assert!(
        files.len() >= 5,
        "expected.json lists {} files",
        files.len()
    );
    for (file, want) in files {
        let run = read_junit(&fixture("tests").join(file)).unwrap();
        // Skipped tests a producer leaves out of the file (nextest's ignored
        // tests) cannot be seen; `skipped_in_file` is what the file holds, and
        // the tool's total counts only tests that ran or were written.
        let got = (run.total, run.passed, run.failed, run.errors, run.skipped);
        let want_counts = (
            count(want, "total"),
            count(want, "passed"),
            count(want, "failed"),
            count(want, "errors"),
            count(want, "skipped_in_file"),
        );
        assert_eq!(
            got, want_counts,
            "{file}: (total, passed, failed, errors, skipped)"
        );
        if let Some(flaky) = want.get("flaky") {
            assert_eq!(Some(run.flaky), flaky.as_u64(), "{file}: flaky");
        }
        let failing: BTreeSet<&str> = run.failing.iter().map(|f| f.name.as_str()).collect();
        let want_failing: BTreeSet<&str> = want["failing"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(failing, want_failing, "{file}: failing tests");
        // The tool exits non-zero exactly when something failed or errored.
        let tool_failed = count(want, "exit_status") != 0;
        assert_eq!(
            run.failed + run.errors > 0,
            tool_failed,
            "{file}: pass/fail verdict"
        );
    }
}

#[test]
fn junit_fixtures_aggregate_across_files() {
    let names = ["nextest-junit.xml", "pytest-junit.xml", "vitest-junit.xml"];
    let paths: Vec<PathBuf> = names.iter().map(|n| fixture("tests").join(n)).collect();
    let run = read_junit_files(&paths).unwrap();
    let expected = expected("tests");
    let sum = |key: &str| names.iter().map(|n| count(&expected[*n], key)).sum::<u64>();
    assert_eq!(run.total, sum("total"));
    assert_eq!(run.failed, sum("failed"));
    assert_eq!(run.errors, sum("errors"));
    assert_eq!(run.failing.len() as u64, sum("failed") + sum("errors"));
}

#[test]
fn audit_fixtures_match_cargo_audit() {
    use tollgate::evidence::audit::{lockfile_line, read_audit, WarningKind};

    let expected = expected("audit");
    let files = expected.as_object().unwrap();
    let mut seen = 0;
    for (file, want) in files.iter().filter(|(_, v)| v.is_object()) {
        seen += 1;
        let report = read_audit(&fixture("audit").join(file)).unwrap();
        assert_eq!(
            report.lockfiles.len() as u64,
            count(want, "json_objects"),
            "{file}: objects"
        );

        let ids: Vec<&str> = report
            .vulnerabilities
            .iter()
            .map(|v| v.id.as_str())
            .collect();
        let want_ids: Vec<&str> = want["vulnerabilities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(
            ids, want_ids,
            "{file}: vulnerability ids in cargo-audit's order"
        );

        // Kinds with no entries are absent on both sides.
        let want_warnings = want["warnings"].as_object().unwrap();
        assert_eq!(
            report.warnings.len(),
            want_warnings.len(),
            "{file}: warning kinds"
        );
        for (kind, want_list) in want_warnings {
            let got: Vec<String> = report.warnings[&WarningKind::from_name(kind)]
                .iter()
                .map(|w| {
                    w.id.clone()
                        .unwrap_or_else(|| format!("{}@{}", w.package, w.version))
                })
                .collect();
            let want_list: Vec<String> = want_list
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_owned())
                .collect();
            assert_eq!(got, want_list, "{file}: {kind} warnings");
        }

        for vuln in &report.vulnerabilities {
            let want_severity = want["severity"][&vuln.id].as_str().unwrap();
            assert_eq!(
                vuln.severity.as_str(),
                want_severity,
                "{file}: {} severity",
                vuln.id
            );
            let want_cvss = &want["cvss"][&vuln.id];
            assert_eq!(
                vuln.cvss.as_deref(),
                want_cvss["cvss"].as_str(),
                "{file}: {}",
                vuln.id
            );
            match (vuln.score, want_cvss["base_score"].as_f64()) {
                (Some(got), Some(want)) => {
                    assert!(
                        (got - want).abs() < 0.05,
                        "{file}: {} score {got} vs {want}",
                        vuln.id
                    );
                }
                (got, want) => assert_eq!(got, want, "{file}: {} score", vuln.id),
            }
        }

        // cargo-audit was run without --deny: only vulnerabilities fail it.
        let tool_failed = count(want, "exit_status") != 0;
        assert_eq!(
            report.cargo_audit_would_fail(&[]),
            tool_failed,
            "{file}: exit status"
        );

        // Every vulnerable package can be pointed at in the audited lockfile.
        let lock = fixture("audit").join(file.replace(".json", ".Cargo.lock"));
        let lock = std::fs::read_to_string(lock).unwrap();
        for vuln in &report.vulnerabilities {
            assert!(
                lockfile_line(&lock, &vuln.package, &vuln.version).is_some(),
                "{file}: {}@{} not found in its Cargo.lock",
                vuln.package,
                vuln.version
            );
        }
    }
    assert!(seen >= 3, "expected.json lists {seen} reports");
}

fn close(got: f64, want: f64) -> bool {
    (got - want).abs() <= 1e-9 * want.abs().max(1.0)
}

/// criterion's verdict from the mean change's confidence interval alone:
/// wholly above the noise threshold is a regression, wholly below its
/// negative an improvement; anything else is noise or no change (telling
/// those two apart takes criterion's p-value, which it does not store).
fn verdict(interval: (f64, f64), noise: f64) -> &'static str {
    if interval.0 > noise {
        "regressed"
    } else if interval.1 < -noise {
        "improved"
    } else {
        "unchanged-or-noise"
    }
}

#[test]
fn criterion_fixture_matches_criterions_own_figures_and_verdicts() {
    use tollgate::evidence::bench::{read_bench, BenchFormat};

    let expected = expected("bench");
    let want_all = expected["criterion"].as_object().unwrap();
    let set = read_bench(&fixture("bench").join("criterion")).unwrap();
    assert_eq!(set.format, BenchFormat::Criterion);
    let ids: BTreeSet<&str> = set.benchmarks.iter().map(|b| b.id.as_str()).collect();
    let want_ids: BTreeSet<&str> = want_all.keys().map(String::as_str).collect();
    assert_eq!(ids, want_ids);
    for bench in &set.benchmarks {
        let want = &want_all[&bench.id];
        let id = &bench.id;
        assert!(
            close(bench.value_ns().unwrap(), want["new_ns"].as_f64().unwrap()),
            "{id}: new"
        );
        assert!(
            close(
                bench.baseline_ns().unwrap(),
                want["baseline_ns"].as_f64().unwrap()
            ),
            "{id}: baseline"
        );
        let change = bench.change.unwrap();
        assert!(
            close(change.percent(), want["change_percent"].as_f64().unwrap()),
            "{id}: change"
        );
        let (lo, hi) = change.interval.unwrap();
        let ci = want["change_ci"].as_array().unwrap();
        assert!(close(lo * 100.0, ci[0].as_f64().unwrap()), "{id}: ci low");
        assert!(close(hi * 100.0, ci[1].as_f64().unwrap()), "{id}: ci high");

        // The thresholds the fixture's benches were configured with
        // (expected.json's note): criterion's default 1%, 5% for the lookup
        // group, 25% for noise/flat.
        let configured = match id.as_str() {
            "noise/flat" => 0.25,
            _ if id.starts_with("lookup/") => 0.05,
            _ => 0.01,
        };
        let noise = want
            .get("noise_threshold")
            .and_then(Value::as_f64)
            .unwrap_or(configured);
        let got = verdict((lo, hi), noise);
        let criterion_said = want["verdict"].as_str().unwrap();
        match criterion_said {
            "regressed" | "improved" => assert_eq!(got, criterion_said, "{id}: verdict"),
            _ => assert_eq!(got, "unchanged-or-noise", "{id}: verdict {criterion_said}"),
        }
    }
}

#[test]
fn json_bench_fixtures_match_their_sources() {
    use tollgate::evidence::bench::{read_bench, BenchFormat};

    let expected = expected("bench");
    // hyperfine: seconds become nanoseconds.
    let set = read_bench(&fixture("bench").join("hyperfine.json")).unwrap();
    assert_eq!(set.format, BenchFormat::Hyperfine);
    let want = expected["hyperfine.json"].as_object().unwrap();
    assert_eq!(set.benchmarks.len(), want.len());
    for bench in &set.benchmarks {
        let mean_s = want[&bench.id]["mean_s"].as_f64().unwrap();
        assert!(
            close(bench.value_ns().unwrap(), mean_s * 1e9),
            "{}",
            bench.id
        );
    }
    // BMF and github-action-benchmark files were derived from the criterion
    // run: each carries criterion's typical value under the same id.
    let criterion = expected["criterion"].as_object().unwrap();
    for (file, format, tolerance) in [
        ("bmf.json", BenchFormat::Bmf, 1e-9),
        ("gab-smaller.json", BenchFormat::GithubActionBenchmark, 1e-3),
    ] {
        let set = read_bench(&fixture("bench").join(file)).unwrap();
        assert_eq!(set.format, format, "{file}");
        assert_eq!(set.benchmarks.len(), criterion.len(), "{file}");
        for bench in &set.benchmarks {
            let new_ns = criterion[&bench.id]["new_ns"].as_f64().unwrap();
            let got = bench.value_ns().unwrap();
            assert!(
                (got - new_ns).abs() <= tolerance * new_ns.max(1.0),
                "{file}: {} {got} vs {new_ns}",
                bench.id
            );
            assert!(!bench.bigger_is_better, "{file}: {}", bench.id);
        }
    }
}

#[test]
fn separate_baseline_pairs_by_id_without_interval() {
    use tollgate::evidence::bench::{pair_baseline, read_bench};

    // The criterion tree's own `main/` baseline, re-read through BMF-shaped
    // numbers, must give the same point change as value / baseline - 1.
    let mut current = read_bench(&fixture("bench").join("bmf.json"))
        .unwrap()
        .benchmarks;
    let baseline = read_bench(&fixture("bench").join("gab-smaller.json"))
        .unwrap()
        .benchmarks;
    let unmatched = pair_baseline(&mut current, &baseline);
    assert!(unmatched.is_empty(), "{unmatched:?}");
    for bench in &current {
        let change = bench.change.unwrap();
        assert_eq!(change.interval, None, "{}", bench.id);
        // gab values are rounded to three decimals: the change is tiny.
        assert!(change.point.abs() < 1e-3, "{}: {}", bench.id, change.point);
    }
}
