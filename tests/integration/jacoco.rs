//! `JaCoCo` XML against `JaCoCo`'s own counters (`fixtures/coverage/jacoco`,
//! made by `fixtures/make-jacoco.sh` with Debian's `JaCoCo` 0.8.6): totals
//! and per-file figures equal `JaCoCo`'s to the unit, `inspect` names the
//! format and the producer, a path rule on one package judges, and reports
//! whose counters contradict their lines are refused with file and line.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a broken fixture should stop the test loudly

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use tollgate::evidence::coverage::{
    read_coverage_file, CoverageFormat, CoverageReport, ReadOptions, Tally,
};
use tollgate::evidence::EvidenceError;

use crate::support::files::copy_into;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/coverage/jacoco")
}

fn tally(v: &Value) -> Tally {
    Tally {
        found: v["found"].as_u64().unwrap(),
        hit: v["hit"].as_u64().unwrap(),
    }
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

/// `JaCoCo` names `com/example/calc/Calc.java`; the repository file is
/// under the module's source root.
fn repository_path(jacoco: &str) -> String {
    let module = if jacoco.starts_with("com/example/calc/") {
        "core"
    } else {
        "text"
    };
    format!("{module}/src/main/java/{jacoco}")
}

#[test]
fn totals_and_files_equal_jacocos_own_counters() {
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture().join("expected.json")).unwrap())
            .unwrap();
    for name in ["jacoco.xml", "jacoco-groups.xml"] {
        let want = &expected["reports"][name];
        let (format, report) = read(&fixture().join(name), &fixture()).unwrap();
        assert_eq!(format, CoverageFormat::Jacoco, "{name}");
        let t = report.totals();
        assert_eq!(t.lines, tally(&want["lines"]), "{name}: lines");
        assert_eq!(t.branches, tally(&want["branches"]), "{name}: branches");
        assert_eq!(t.functions, tally(&want["functions"]), "{name}: functions");
        let files = want["files"].as_object().unwrap();
        assert_eq!(report.file_count(), files.len(), "{name}");
        for (jacoco, figures) in files {
            let path = repository_path(jacoco);
            let s = report
                .file(&path)
                .unwrap_or_else(|| panic!("{name}: no {path}"))
                .summary();
            assert_eq!(s.lines, tally(&figures["lines"]), "{name}: {path}");
            assert_eq!(s.branches, tally(&figures["branches"]), "{name}: {path}");
            assert_eq!(s.functions, tally(&figures["functions"]), "{name}: {path}");
        }
    }
    // The same figures as JaCoCo's analysis API printed them (summary.txt).
    let summary = std::fs::read_to_string(fixture().join("summary.txt")).unwrap();
    let total = summary.lines().find(|l| l.starts_with("TOTAL")).unwrap();
    assert_eq!(
        total.split('\t').nth(1),
        Some("8/26"),
        "missed/covered lines"
    );
}

fn tollgate(args: &[&str], dir: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .args(args)
        .current_dir(dir)
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_TOKEN")
        .output()
        .unwrap()
}

#[test]
fn inspect_names_the_format_and_the_producer() {
    let out = tollgate(
        &["inspect", "--format", "json", "jacoco-groups.xml"],
        &fixture(),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["format"], "jacoco");
    assert_eq!(v["producer"], "JaCoCo");
    assert_eq!(v["coverage"]["lines"]["hit"], 26);
    assert_eq!(v["coverage"]["files"], 3);
}

/// A repository holding the fixture project, a policy with a path rule on
/// the `text` module's package, and the report.
fn repository(xml: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for module in ["core", "text"] {
        copy_into(&fixture().join(module), &dir.path().join(module));
    }
    std::fs::write(dir.path().join("jacoco.xml"), xml).unwrap();
    std::fs::write(
        dir.path().join("tollgate.toml"),
        "policy_dir = \"policies\"\n",
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("policies")).unwrap();
    std::fs::write(
        dir.path().join("policies/gate.toml"),
        "schema = 1\nname = \"gate\"\nversion = \"1.0.0\"\n\n[coverage]\nlines = 50.0\n\n\
         [[coverage.paths]]\nglob = \"text/src/main/java/com/example/text/**\"\nlines = 75.0\n",
    )
    .unwrap();
    dir
}

fn check(dir: &Path) -> (Option<i32>, Value, String) {
    let out = tollgate(
        &[
            "check",
            "--config",
            "tollgate.toml",
            "--gate",
            "gate",
            "--format",
            "json",
            "--coverage",
            "jacoco.xml",
        ],
        dir,
    );
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let verdict = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code(), verdict, stderr)
}

#[test]
fn a_path_rule_on_one_package_judges_its_files() {
    let xml = std::fs::read_to_string(fixture().join("jacoco.xml")).unwrap();
    let dir = repository(&xml);
    let (code, verdict, stderr) = check(dir.path());
    let rules = verdict["rules"]
        .as_array()
        .unwrap_or_else(|| panic!("{stderr}"));
    let rule = |id: &str| {
        rules
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("no {id} in {verdict}"))
    };
    assert_eq!(rule("coverage.lines")["status"], "pass", "{verdict}");
    // Words.java: 10 of 14 lines (71.43%) < 75.
    let path = rule("coverage.path[text/src/main/java/com/example/text/**]");
    assert_eq!(path["status"], "fail", "{path}");
    assert!(
        path["message"].as_str().unwrap().contains("10 of 14"),
        "{path}"
    );
    assert_eq!(code, Some(1), "{stderr}");
}

/// Crafted from the real report: each is exit 2 naming the file and line.
#[test]
fn reports_that_are_not_what_they_claim_are_refused_with_file_and_line() {
    let real = std::fs::read_to_string(fixture().join("jacoco.xml")).unwrap();
    // One element per line, so the line an error names means something.
    let real = real.replace("><", ">\n<");
    let calc_lines = r#"<line nr="17" mi="4" ci="0" mb="0" cb="0"/>"#;
    assert!(real.contains(calc_lines));
    // The line where the first `needle` ends.
    let line_of = |text: &str, needle: &str| {
        text[..text.find(needle).unwrap() + needle.len()]
            .matches('\n')
            .count()
            + 1
    };
    let cases: Vec<(String, &str, String)> = vec![
        (
            // A line covered that the sourcefile's LINE counter calls missed.
            real.replace(calc_lines, r#"<line nr="17" mi="0" ci="4" mb="0" cb="0"/>"#),
            "its LINE counter says 3 missed, 16 covered, but its <line>s and methods give 2 missed, 17 covered",
            // Calc.java's end (its CLASS counter: 0 missed, 1 covered).
            "<counter type=\"CLASS\" missed=\"0\" covered=\"1\"/>\n</sourcefile>".into(),
        ),
        (
            // The report's totals are not the sum of its packages.
            real.replacen(
                r#"<counter type="LINE" missed="8" covered="26"/>"#,
                r#"<counter type="LINE" missed="0" covered="34"/>"#,
                1,
            ),
            "<report name=\"tollgate-jacoco-fixture\">: its LINE counter says 0 missed, 34 covered",
            "</report>".into(),
        ),
        (
            real.replace(calc_lines, r#"<line nr="17" mi="-4" ci="0" mb="0" cb="0"/>"#),
            "mi=\"-4\": not a whole non-negative number",
            r#"<line nr="17" mi="-4""#.into(),
        ),
        (
            real.replace(calc_lines, r#"<line nr="17" mi="four" ci="0" mb="0" cb="0"/>"#),
            "mi=\"four\": not a whole non-negative number",
            r#"<line nr="17" mi="four""#.into(),
        ),
        (
            real.replacen("<package ", &format!("{calc_lines}\n<package "), 1),
            "<line> outside a <sourcefile>",
            calc_lines.into(),
        ),
        (
            format!("{real}\n<report name=\"again\"/>"),
            "a second root element <report>",
            "<report name=\"again\"".into(),
        ),
    ];
    for (text, message, at) in cases {
        let dir = repository(&text);
        let want_line = line_of(&text, &at);
        let (code, _, stderr) = check(dir.path());
        assert_eq!(code, Some(2), "{message}: {stderr}");
        assert!(stderr.contains(message), "{message}: {stderr}");
        assert!(
            stderr.contains(&format!("jacoco.xml:{want_line}:")),
            "{message}: line {want_line}: {stderr}"
        );
    }
}

#[test]
fn a_file_the_repository_does_not_hold_is_an_error_not_a_drop() {
    let xml = std::fs::read_to_string(fixture().join("jacoco.xml")).unwrap();
    let dir = repository(&xml);
    std::fs::remove_file(
        dir.path()
            .join("core/src/main/java/com/example/calc/Never.java"),
    )
    .unwrap();
    let (code, _, stderr) = check(dir.path());
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("ends with `com/example/calc/Never.java`"),
        "{stderr}"
    );
    // Two modules holding the same file: ambiguous, named.
    let dir = repository(&xml);
    copy_into(
        &dir.path()
            .join("text/src/main/java/com/example/text/Words.java"),
        &dir.path()
            .join("core/src/main/java/com/example/text/Words.java"),
    );
    let (code, _, stderr) = check(dir.path());
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("`com/example/text/Words.java` is ambiguous"),
        "{stderr}"
    );
}
