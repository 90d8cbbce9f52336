//! The XML formats that share a `<coverage>` root, read or refused by name,
//! against real producer output where the producer runs here
//! (`fixtures/coverage/nyc-clover`, made by `fixtures/make-clover.sh`;
//! `fixtures/coverage/phpunit`, made by `fixtures/make-phpunit.sh`), and
//! `tollgate inspect` naming the format and the producer the file names.
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
        .join("fixtures/coverage")
        .join(rel)
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn tally(v: &Value) -> Tally {
    Tally {
        found: v["found"].as_u64().unwrap(),
        hit: v["hit"].as_u64().unwrap(),
    }
}

fn read(path: &Path, root: &Path) -> Result<(CoverageFormat, CoverageReport), EvidenceError> {
    read_built_in(path, root, "/tmp/tollgate-fixtures/nyc-clover")
}

/// Reads `path` with `build`, the directory the producer ran in, stripped.
fn read_built_in(
    path: &Path,
    root: &Path,
    build: &str,
) -> Result<(CoverageFormat, CoverageReport), EvidenceError> {
    let mut report = CoverageReport::new();
    let opts = ReadOptions {
        repo_root: root.to_path_buf(),
        strip_prefix: vec![build.into()],
        format: None,
    };
    let format = read_coverage_file(path, &opts, &mut report)?;
    Ok((format, report))
}

/// nyc's Clover: lines equal nyc's own totals, in total and per file.
/// Branches and functions: istanbul's clover reporter does not write them
/// all on `<line>`s (see expected.json's note), so tollgate, which counts
/// from the lines, reads the branches the lines carry (one fewer than nyc:
/// the default argument on statement-less line 12) and no functions,
/// rather than copying the file's summary `<metrics>` it cannot place on a line.
#[test]
fn nyc_clover_totals_equal_nyc_where_the_lines_say_them() {
    let dir = fixture("nyc-clover");
    let (format, report) = read(&dir.join("clover.xml"), &dir).unwrap();
    assert_eq!(format, CoverageFormat::Clover);
    let expected = json(&dir.join("expected.json"));
    let nyc = &expected["reports"]["coverage-summary.json"];
    let clover = &expected["reports"]["clover.xml"];
    let totals = report.totals();
    assert_eq!(totals.lines, tally(&nyc["lines"]), "nyc's lines");
    assert_eq!(
        totals.lines,
        tally(&clover["lines"]),
        "the file's own metrics"
    );
    assert_eq!(totals.branches, tally(&clover["branches_in_lines"]));
    let nyc_branches = tally(&nyc["branches"]);
    assert_eq!(
        (
            nyc_branches.found - totals.branches.found,
            nyc_branches.hit - totals.branches.hit
        ),
        (1, 1),
        "only the branch on the statement-less line differs"
    );
    assert_eq!(totals.functions, Tally::default());

    // Per file, against nyc's json-summary (keyed by absolute path).
    let summary = json(&dir.join("coverage-summary.json"));
    let mut files = 0;
    for (key, figures) in summary.as_object().unwrap() {
        let Some(rel) = key.strip_prefix("/tmp/tollgate-fixtures/nyc-clover/") else {
            continue;
        };
        let file = report.file(rel).unwrap_or_else(|| panic!("{rel} not read"));
        let nyc_lines = Tally {
            found: figures["lines"]["total"].as_u64().unwrap(),
            hit: figures["lines"]["covered"].as_u64().unwrap(),
        };
        assert_eq!(file.summary().lines, nyc_lines, "{rel}");
        files += 1;
    }
    assert_eq!((files, report.file_count()), (2, 2));
}

/// `PHPUnit`'s class of each fixture source file (its text summary is per class).
const PHPUNIT_CLASSES: [(&str, &str); 2] = [
    ("src/Pricing.php", "Demo\\Pricing"),
    ("src/Report.php", "Demo\\Report"),
];

/// Reads one of the `PHPUnit` fixture's reports.
fn read_phpunit(name: &str) -> (CoverageFormat, CoverageReport) {
    let dir = fixture("phpunit");
    read_built_in(&dir.join(name), &dir, "/tmp/tollgate-fixtures/phpunit").unwrap()
}

/// What tollgate reads from both of `PHPUnit`'s files of one run, against
/// `PHPUnit`'s own figures (`expected.json`, from its text summary and the
/// files' own metrics), per file and in total.
///
/// - Lines equal `PHPUnit`'s to the unit.
/// - Methods: the same 4 methods (3 and 1 per file); `PHPUnit` calls a
///   method covered only when it is covered completely (here, with
///   `--path-coverage`, every path: 0 of 4), tollgate when it ran (2 of 4:
///   `discount` and `label`), as it counts functions for every format
///   (lcov's `FNH`, `JaCoCo`'s method counter, llvm-cov). docs/formats.md,
///   Clover XML, says so.
/// - Branches: `PHPUnit` states Xdebug's branches (18, 9 taken) only as
///   totals per file, class and method, on no `<line>` and with no
///   `condition-coverage`, so tollgate has none to place and reports no
///   branches; `coverage.branches` on this evidence is an error, never a pass.
fn assert_phpunit_figures(report: &CoverageReport, stated: &Value) {
    let expected = json(&fixture("phpunit/expected.json"));
    let text = &expected["reports"]["coverage-text.txt"];
    let clover = &expected["reports"]["clover.xml"];
    let totals = report.totals();
    assert_eq!(totals.lines, tally(&text["lines"]), "PHPUnit's lines");
    assert_eq!(totals.lines, tally(&clover["lines"]), "Clover's metrics");
    assert_eq!(totals.lines, tally(&stated["lines"]), "the file's own");
    assert_eq!(totals.lines, Tally { found: 13, hit: 5 });

    assert_eq!(totals.functions.found, tally(&text["functions"]).found);
    assert_eq!(tally(&text["functions"]), Tally { found: 4, hit: 0 });
    assert_eq!(
        totals.functions,
        Tally { found: 4, hit: 2 },
        "methods that ran"
    );

    assert_eq!(tally(&text["branches"]), Tally { found: 18, hit: 9 });
    assert_eq!(tally(&clover["conditionals"]), tally(&text["branches"]));
    assert_eq!(totals.branches, Tally::default(), "no branch is on a line");

    for (path, class) in PHPUNIT_CLASSES {
        let file = report
            .file(path)
            .unwrap_or_else(|| panic!("{path} not read"))
            .summary();
        let per_class = &text["per_class"][class];
        let per_file = &clover["per_file"][path];
        assert_eq!(file.lines, tally(&per_class["lines"]), "{path}: lines");
        assert_eq!(file.lines, tally(&per_file["lines"]), "{path}: lines");
        assert_eq!(
            file.functions.found,
            tally(&per_class["methods"]).found,
            "{path}: methods"
        );
        assert_eq!(file.branches, Tally::default(), "{path}: branches");
    }
    assert_eq!(report.file_count(), 2);
}

#[test]
fn phpunit_clover_lines_equal_phpunit_per_file_and_in_total() {
    let (format, report) = read_phpunit("clover.xml");
    assert_eq!(format, CoverageFormat::Clover);
    let expected = json(&fixture("phpunit/expected.json"));
    assert_phpunit_figures(&report, &expected["reports"]["clover.xml"]);
    let pricing = report.file("src/Pricing.php").unwrap();
    assert_eq!(
        pricing.line_count(10),
        Some(0),
        "`return 0` for a total <= 0"
    );
    assert_eq!(pricing.line_count(13), Some(1));
}

#[test]
fn phpunit_cobertura_lines_equal_phpunit_per_file_and_in_total() {
    let (format, report) = read_phpunit("cobertura.xml");
    assert_eq!(format, CoverageFormat::Cobertura);
    let expected = json(&fixture("phpunit/expected.json"));
    let cobertura = &expected["reports"]["cobertura.xml"];
    assert_eq!(tally(&cobertura["branches"]), Tally { found: 18, hit: 9 });
    assert_phpunit_figures(&report, cobertura);
    // Both files of the run say the same, line by line.
    let (_, clover) = read_phpunit("clover.xml");
    for (path, _) in PHPUNIT_CLASSES {
        let (a, b) = (report.file(path).unwrap(), clover.file(path).unwrap());
        for line in 1..=40 {
            assert_eq!(a.line_count(line), b.line_count(line), "{path}:{line}");
        }
    }
}

/// One file of each foreign `<coverage>` format, and a JUnit report given
/// as coverage: refused by name, never read as 0 lines. These files are
/// hand-written after the formats' documented shapes (no `NCover`, CTC++ or
/// `SonarQube` producer runs here); `SonarQube`'s is read, not refused.
#[test]
fn foreign_coverage_xml_is_refused_by_name_or_read() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "ncover.xml",
            r#"<?xml version="1.0"?><coverage profilerVersion="1.5.8" driverVersion="1.5.8" startTime="2011-01-01T00:00:00"><module moduleId="1" name="a.dll"><method name="M" class="C"><seqpnt visitcount="1" line="3" column="1" endline="3" endcolumn="9" excluded="false" document="a.cs"/></method></module></coverage>"#,
            "this is NCover XML",
        ),
        (
            "ctc.xml",
            r#"<?xml version="1.0" encoding="ISO-8859-1"?><ctc_xml_report><header_info><ctcpost_version>7.0</ctcpost_version></header_info><file name="prime.c"/></ctc_xml_report>"#,
            "this is CTC++ XML",
        ),
        (
            "junit.xml",
            r#"<testsuites><testsuite name="s"><testcase name="a"/></testsuite></testsuites>"#,
            "this is JUnit XML (a test report)",
        ),
    ];
    for (name, text, words) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        match read(&path, dir.path()) {
            Err(EvidenceError::UnknownFormat { message, .. }) => {
                assert!(message.starts_with(words), "{name}: {message}");
            }
            other => panic!("{name}: {other:?}"),
        }
        if name != "junit.xml" {
            match detect::detect(&path) {
                Err(EvidenceError::UnknownFormat { message, .. }) => {
                    assert!(message.starts_with(words), "{name}: {message}");
                }
                other => panic!("{name}: {other:?}"),
            }
        }
    }
    let sonar = dir.path().join("sonar.xml");
    std::fs::write(
        &sonar,
        r#"<coverage version="1"><file path="src/a.go"><lineToCover lineNumber="1" covered="true" branchesToCover="2" coveredBranches="1"/><lineToCover lineNumber="2" covered="false"/></file></coverage>"#,
    )
    .unwrap();
    let (format, report) = read(&sonar, dir.path()).unwrap();
    assert_eq!(format, CoverageFormat::SonarGeneric);
    assert_eq!(detect::detect(&sonar).unwrap(), Format::SonarGeneric);
    let t = report.totals();
    assert_eq!(
        (t.lines, t.branches),
        (Tally { found: 2, hit: 1 }, Tally { found: 2, hit: 1 })
    );
}

/// `tollgate inspect` names the format and, when the file says, the producer.
#[test]
fn inspect_names_format_and_producer() {
    let inspect = |file: PathBuf| -> Value {
        let out = Command::new(env!("CARGO_BIN_EXE_tollgate"))
            .args(["inspect", "--format", "json"])
            .arg(&file)
            .env_remove("GITHUB_ACTIONS")
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let clover = inspect(fixture("nyc-clover/clover.xml"));
    assert_eq!(clover["format"], "clover");
    assert_eq!(clover["coverage"]["lines"]["found"], 16);
    let phpunit = inspect(fixture("phpunit/clover.xml"));
    assert_eq!(
        (&phpunit["format"], &phpunit["coverage"]["lines"]["hit"]),
        (&Value::from("clover"), &Value::from(5))
    );
    let cobertura = inspect(fixture("coveragepy/coverage.xml"));
    assert_eq!(
        (&cobertura["format"], &cobertura["producer"]),
        (
            &Value::from("cobertura"),
            &Value::from("coverage.py 7.17.4")
        )
    );
    let gcovr = inspect(fixture("geninfo/coverage.xml"));
    assert_eq!(gcovr["producer"], "gcovr 8.8");
    let c8 = inspect(fixture("c8/cobertura-coverage.xml"));
    assert!(
        c8.get("producer").is_none(),
        "istanbul's Cobertura names no producer: {c8}"
    );
}
