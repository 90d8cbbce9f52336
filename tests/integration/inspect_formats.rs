//! `tollgate inspect` on audit, test and benchmark evidence, in the human
//! and Markdown formats: what it prints must be what the producing tool
//! itself reported (each fixture's expected.json, written from the tool's
//! own output), row for row.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests: a panic is a failure

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(path)
}

fn expected(dir: &str) -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(fixture(&format!("{dir}/expected.json"))).unwrap(),
    )
    .unwrap()
}

/// `tollgate inspect ARGS` in a scratch directory; its standard output.
fn inspect(args: &[&str], files: &[PathBuf]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .arg("inspect")
        .args(args)
        .args(files)
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_ACTIONS")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// The Markdown table rows (`| a | b |`) of `text` as cells.
fn rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("|---"))
        .map(|l| {
            l.trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().trim_matches('`').to_owned())
                .collect()
        })
        .collect()
}

#[test]
fn audit_markdown_lists_every_advisory_and_warning_cargo_audit_reported() {
    let truth = &expected("audit")["vulnerable.json"];
    let text = inspect(
        &["--format", "markdown"],
        &[fixture("audit/vulnerable.json")],
    );
    let ids: Vec<&str> = truth["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        text.contains(&format!("1 lockfile(s), {} vulnerabilities", ids.len())),
        "{text}"
    );
    let table = rows(&text);
    for id in &ids {
        let row = table
            .iter()
            .find(|r| r[0] == *id)
            .unwrap_or_else(|| panic!("no row for {id}:\n{text}"));
        assert_eq!(row[1], truth["severity"][id].as_str().unwrap(), "{id}");
        // An unscored advisory has no score to show, never a zero.
        assert_eq!(row[2] == "-", row[1] == "unscored", "{row:?}");
    }
    for (kind, list) in truth["warnings"].as_object().unwrap() {
        for entry in list.as_array().unwrap() {
            let entry = entry.as_str().unwrap();
            let found = table
                .iter()
                .any(|r| r[0] == *kind && (r[2] == entry || (kind == "yanked" && r[1] == entry)));
            assert!(found, "no {kind} warning {entry}:\n{text}");
        }
    }
}

#[test]
fn test_report_markdown_names_the_failing_test_and_counts_a_flaky_one_as_passed() {
    let truth = &expected("tests")["nextest-junit.xml"];
    let text = inspect(
        &["--format", "markdown"],
        &[fixture("tests/nextest-junit.xml")],
    );
    assert!(
        text.contains(&format!(
            "{} passed (1 flaky), {} failed, 0 errors",
            truth["passed"], truth["failed"]
        )),
        "{text}"
    );
    let failing: Vec<String> = rows(&text)
        .into_iter()
        .filter(|r| r[0] == "Failure")
        .map(|r| r[1].clone())
        .collect();
    let expected: Vec<String> = truth["failing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(failing, expected, "{text}");
}

/// `change_percent` as inspect prints it (`+4.17%`).
fn change(bench: &Value) -> String {
    format!("{:+.2}%", bench["change_percent"].as_f64().unwrap())
}

#[test]
fn criterion_results_show_each_benchmark_with_criterions_own_change() {
    let truth = expected("bench");
    let truth = truth["criterion"].as_object().unwrap();
    let dir = fixture("bench/criterion");
    let human = inspect(&[], std::slice::from_ref(&dir));
    let markdown = inspect(&["--format", "markdown"], &[dir]);
    assert!(
        human.contains(&format!("criterion results, {} benchmarks", truth.len())),
        "{human}"
    );
    let table = rows(&markdown);
    for (id, bench) in truth {
        let line = human
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{id} ")))
            .unwrap_or_else(|| panic!("no line for {id}:\n{human}"));
        assert!(line.trim_end().ends_with(&change(bench)), "{line}");
        let row = table.iter().find(|r| r[0] == *id).unwrap();
        assert_eq!(row[2], change(bench), "{row:?}");
        // criterion's point estimate, in the unit inspect picks.
        let ns = bench["new_ns"].as_f64().unwrap();
        assert!(
            row[1].ends_with("ns")
                && (row[1].trim_end_matches("ns").parse::<f64>().unwrap() - ns).abs() < 0.05,
            "{row:?} vs {ns}"
        );
    }
}

/// A BMF file has no change figures: its rows say `-`, not `+0.00%`.
#[test]
fn bmf_results_have_times_but_no_change() {
    let markdown = inspect(&["--format", "markdown"], &[fixture("bench/bmf.json")]);
    let table = rows(&markdown);
    assert!(table.len() > 1, "{markdown}");
    for row in table.iter().skip(1) {
        assert_eq!(row[2], "-", "{row:?}");
        assert_ne!(row[1], "-", "{row:?}");
    }
}
