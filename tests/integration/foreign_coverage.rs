//! coverage.py's JSON report and Go cover profiles, read from real producer
//! output (`fixtures/coverage/coveragepy`, `fixtures/make-coverage.sh`;
//! `fixtures/coverage/go`, `fixtures/make-go-cover.sh`): totals equal the
//! producers' own per file and in total, patch coverage works on coverage.py
//! JSON, and malformed files are exit 2 naming the file and the line.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a broken fixture should stop the test loudly

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use tollgate::evidence::coverage::{
    read_coverage_file, CoverageFormat, CoverageReport, ReadOptions, Tally,
};
use tollgate::evidence::detect::{self, Format};
use tollgate::evidence::EvidenceError;

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn read(path: &Path, root: &Path) -> Result<(CoverageFormat, CoverageReport), EvidenceError> {
    let mut report = CoverageReport::new();
    let opts = ReadOptions {
        repo_root: root.to_path_buf(),
        strip_prefix: Vec::new(),
        format: None,
    };
    let format = read_coverage_file(path, &opts, &mut report)?;
    Ok((format, report))
}

fn tally(found: &Value, hit: &Value) -> Tally {
    Tally {
        found: found.as_u64().unwrap(),
        hit: hit.as_u64().unwrap(),
    }
}

#[test]
fn coveragepy_json_totals_equal_coveragepy_per_file_and_in_total() {
    let dir = fixture("coverage/coveragepy");
    let path = dir.join("coverage.json");
    let (format, report) = read(&path, &dir).unwrap();
    assert_eq!(format, CoverageFormat::CoveragePyJson);
    let own = json(&path);
    let files = own["files"].as_object().unwrap();
    assert_eq!(report.file_count(), files.len());
    for (name, file) in files {
        let s = &file["summary"];
        let ours = report.file(name).unwrap().summary();
        assert_eq!(
            ours.lines,
            tally(&s["num_statements"], &s["covered_lines"]),
            "{name}"
        );
        assert_eq!(
            ours.branches,
            tally(&s["num_branches"], &s["covered_branches"]),
            "{name}"
        );
    }
    let t = &own["totals"];
    let totals = report.totals();
    assert_eq!(
        totals.lines,
        tally(&t["num_statements"], &t["covered_lines"])
    );
    assert_eq!(
        totals.branches,
        tally(&t["num_branches"], &t["covered_branches"])
    );
    // coverage.py does not total functions; its own LCOV of the same run
    // (FNF/FNH) does, and the JSON's `functions` sections agree with it.
    let expected = json(&dir.join("expected.json"));
    let lcov = &expected["reports"]["lcov.info"]["functions"];
    assert_eq!(totals.functions, tally(&lcov["found"], &lcov["hit"]));
    // The same lines as coverage.py's LCOV of the run.
    let (_, from_lcov) = read(&dir.join("lcov.info"), &dir).unwrap();
    for (name, file) in report.files() {
        let lines: Vec<_> = file.lines().map(|(l, c)| (l, c > 0)).collect();
        let other: Vec<_> = from_lcov
            .file(name)
            .unwrap()
            .lines()
            .map(|(l, c)| (l, c > 0))
            .collect();
        assert_eq!(lines, other, "{name}");
    }
    assert_eq!(detect::detect(&path).unwrap(), Format::CoveragePyJson);
    assert_eq!(
        detect::producer(&path).as_deref(),
        Some("coverage.py 7.17.4")
    );
}

/// The percentage as `go tool cover -func` prints it.
fn go_percent(t: Tally) -> String {
    format!("{:.1}%", t.hit as f64 * 100.0 / t.found as f64)
}

#[test]
fn go_statements_equal_go_tool_cover_per_file_and_in_total() {
    let dir = fixture("coverage/go");
    let expected = json(&dir.join("expected.json"));
    let mut counts = Vec::new();
    for name in ["set.out", "count.out"] {
        let want = &expected["reports"][name];
        let path = dir.join(name);
        let (format, report) = read(&path, &dir).unwrap();
        assert_eq!(format, CoverageFormat::GoCover);
        assert_eq!(detect::detect(&path).unwrap(), Format::GoCover);
        let totals = report.totals();
        let statements = totals.statements.unwrap();
        assert_eq!(
            go_percent(statements),
            want["statements_percent"].as_str().unwrap(),
            "{name}"
        );
        let per_file = want["files_statements_percent"].as_object().unwrap();
        assert_eq!(report.file_count(), per_file.len(), "{name}");
        for (import_path, pct) in per_file {
            // go.mod at the fixture root: `module example.com/shapes`.
            let rel = import_path.strip_prefix("example.com/shapes/").unwrap();
            assert!(dir.join(rel).is_file(), "{rel}");
            let s = report.file(rel).unwrap().summary().statements.unwrap();
            assert_eq!(go_percent(s), pct.as_str().unwrap(), "{name} {rel}");
        }
        // Lines: every line a block spans, hit if any block spanning it ran.
        let classify = report.file("geom/classify.go").unwrap();
        assert_eq!(
            classify.line_count(16),
            Some(0),
            "`almost a circle` never ran"
        );
        assert!(classify.line_count(7).is_some_and(|c| c > 0));
        assert_eq!(
            classify.line_count(1),
            None,
            "no block spans the package line"
        );
        assert_eq!(
            report.file("geom/unused.go").unwrap().summary().lines.hit,
            0
        );
        counts.push((statements, totals.lines));
    }
    // Both modes describe one run: the same statements and lines hit.
    assert_eq!(counts[0], counts[1]);
    // 11 of 19 statements: 57.9%, as Go says.
    assert_eq!(counts[0].0, Tally { found: 19, hit: 11 });
    // Lines as Codecov reads them (every spanned line): 18 of 29.
    assert_eq!(counts[0].1, Tally { found: 29, hit: 18 });
}

/// Rebuilds the patch scenario's repository with a coverage.patch policy.
fn patch_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("repo");
    let status = Command::new("bash")
        .arg(fixture("patch/coveragepy/recreate-repo.sh"))
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

#[test]
fn patch_coverage_of_coveragepy_json_equals_diff_cover() {
    let dir = patch_repo();
    let repo = dir.path().join("repo");
    // A fresh copy: newer than the files the checkout just wrote.
    let report = dir.path().join("coverage.json");
    std::fs::copy(fixture("patch/coveragepy/coverage.json"), &report).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .current_dir(&repo)
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
        .arg(&report)
        .env_remove("GITHUB_ACTIONS")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let verdict: Value = serde_json::from_slice(&out.stdout).unwrap();
    let diff_cover = json(&fixture("patch/coveragepy/diff-cover.json"));
    let found = diff_cover["total_num_lines"].as_u64().unwrap();
    let hit = found - diff_cover["total_num_violations"].as_u64().unwrap();
    let patch = &verdict["evidence"]["coverage"]["patch"];
    assert_eq!(
        (patch["found"].as_u64(), patch["hit"].as_u64()),
        (Some(found), Some(hit))
    );
}

/// `tollgate inspect FILE` on a malformed file: exit 2, naming file and line.
fn inspect_fails(name: &str, content: &str, line: u64, needle: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, content).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .current_dir(dir.path())
        .args(["inspect", "--root"])
        .arg(dir.path())
        .arg(&path)
        .env_remove("GITHUB_ACTIONS")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
    let at = format!("{}:{line}:", path.display());
    assert!(
        stderr.contains(&at) && stderr.contains(needle),
        "{name}: {stderr}"
    );
}

#[test]
fn malformed_go_profiles_are_exit_2_naming_file_and_line() {
    inspect_fails(
        "c.out",
        "mode: set\na/x.go:1.1,2.2 1 -1\n",
        2,
        "negative count",
    );
    inspect_fails(
        "d.out",
        "mode: set\na/x.go:1.1,2.2 1 1\nmode: count\n",
        3,
        "differs",
    );
    inspect_fails("e.out", "mode: sometimes\n", 1, "unknown cover mode");
}

fn go_error(content: &str) -> (u64, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cover.out");
    std::fs::write(&path, content).unwrap();
    match read(&path, Path::new("")) {
        Err(EvidenceError::Malformed {
            line,
            message,
            path: p,
        }) => {
            assert_eq!(p, path);
            (line, message)
        }
        other => panic!("{content:?}: {other:?}"),
    }
}

#[test]
fn each_malformed_go_case_names_its_line() {
    let good = std::fs::read_to_string(fixture("coverage/go/set.out")).unwrap();
    let lines = good.lines().count() as u64;
    for (bad, needle) in [
        ("x.go:1.1,2.2 1", "not a cover block"),
        ("x.go:1.1;2.2 1 1", "not a cover block"),
        ("x.go:3.1,2.2 1 1", "ends before it starts"),
        ("x.go:1.1,2.2 1 -3", "negative count"),
        ("mode: atomic", "differs"),
    ] {
        let (line, message) = go_error(&format!("{}\n{bad}\n", good.trim_end()));
        assert_eq!(line, lines + 1, "{bad}: {message}");
        assert!(message.contains(needle), "{bad}: {message}");
    }
    // Without its mode line a profile is no format tollgate knows by
    // content (the Go reader itself, forced, says line 1 lacks the mode).
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nomode.out");
    std::fs::write(&path, good.replacen("mode: set\n", "", 1)).unwrap();
    assert!(matches!(
        read(&path, Path::new("")),
        Err(EvidenceError::UnknownFormat { .. })
    ));
}

fn coveragepy_error(edit: impl Fn(&mut Value)) -> String {
    let mut doc = json(&fixture("coverage/coveragepy/coverage.json"));
    edit(&mut doc);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("coverage.json");
    std::fs::write(&path, serde_json::to_string(&doc).unwrap()).unwrap();
    match read(&path, Path::new("")) {
        Err(err @ EvidenceError::Malformed { .. }) => {
            let text = err.to_string();
            assert!(
                text.starts_with(&format!("{}:1:", path.display())),
                "{text}"
            );
            text
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn contradicting_coveragepy_json_is_refused_naming_the_file() {
    let core = "src/calc/core.py";
    let err = coveragepy_error(|d| d["files"][core]["summary"]["covered_lines"] = 40.into());
    assert!(err.contains(core) && err.contains("statements"), "{err}");
    let err = coveragepy_error(|d| d["files"][core]["summary"]["covered_branches"] = 1.into());
    assert!(err.contains(core) && err.contains("branches"), "{err}");
    let err = coveragepy_error(|d| {
        d["files"][core]["missing_lines"]
            .as_array_mut()
            .unwrap()
            .pop();
    });
    assert!(err.contains(core), "{err}");
    let err = coveragepy_error(|d| d["totals"]["num_branches"] = 23.into());
    assert!(err.contains("totals"), "{err}");
    let err = coveragepy_error(|d| d["meta"]["format"] = 99.into());
    assert!(err.contains("format 99"), "{err}");
}

#[test]
fn other_json_is_not_taken_for_coveragepy() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.json");
    std::fs::write(&path, r#"{"meta": {"tool": "x"}, "files": {}}"#).unwrap();
    let err = read(&path, Path::new("")).unwrap_err();
    assert!(matches!(err, EvidenceError::UnknownFormat { .. }), "{err}");
    assert!(err.to_string().contains("coverage.py"), "{err}");
}

/// `coverage.statements` end to end on the real Go profile (11 of 19
/// statements, 57.9% as `go tool cover -func` says): a pass at 57%, a
/// failure at 60%, and an error (never a pass) on evidence without
/// statements, coverage.py's LCOV of another run.
#[test]
fn the_statements_rule_judges_go_profiles_and_needs_them() {
    let run = |minimum: &str, report: &Path| {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("policies")).unwrap();
        std::fs::write(
            dir.path().join("tollgate.toml"),
            "policy_dir = \"policies\"\n",
        )
        .unwrap();
        // The profile names files by import path: the module's go.mod at the
        // repository root maps them.
        std::fs::copy(fixture("coverage/go/go.mod"), dir.path().join("go.mod")).unwrap();
        std::fs::write(
            dir.path().join("policies/gate.toml"),
            format!("schema = 1\nname = \"gate\"\nversion = \"1.0.0\"\n\n[coverage]\nstatements = {minimum}\n"),
        )
        .unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_tollgate"))
            .args(["check", "--config", "tollgate.toml", "--gate", "gate"])
            .args(["--format", "json", "--coverage"])
            .arg(report)
            .current_dir(dir.path())
            .env_remove("GITHUB_ACTIONS")
            .env_remove("GITHUB_TOKEN")
            .output()
            .unwrap();
        let verdict: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
        let rule = verdict["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == "coverage.statements")
            .cloned()
            .unwrap_or_else(|| panic!("no coverage.statements in {verdict}"));
        (out.status.code(), rule)
    };
    let go = fixture("coverage/go/set.out");
    let (code, rule) = run("57.0", &go);
    assert_eq!(rule["status"], "pass", "{rule}");
    assert_eq!(rule["title"], "Total statement coverage", "{rule}");
    assert!(
        rule["message"]
            .as_str()
            .unwrap()
            .contains("11 of 19 statements"),
        "{rule}"
    );
    assert_eq!(code, Some(0));
    let (code, rule) = run("60.0", &fixture("coverage/go/count.out"));
    assert_eq!(rule["status"], "fail", "{rule}");
    assert_eq!(rule["actual"], "57.89%", "{rule}");
    assert_eq!(code, Some(1));
    let (code, rule) = run("50.0", &fixture("coverage/coveragepy/lcov.info"));
    assert_eq!(rule["status"], "error", "{rule}");
    assert!(
        rule["message"]
            .as_str()
            .unwrap()
            .contains("no statements: use a Go cover profile"),
        "{rule}"
    );
    assert!(
        rule["help"]
            .as_str()
            .unwrap()
            .contains("go test -coverprofile"),
        "{rule}"
    );
    assert_ne!(code, Some(0));
}
