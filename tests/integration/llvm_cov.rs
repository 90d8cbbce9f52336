//! cargo-llvm-cov's LCOV export and its Cobertura (`fixtures/coverage/llvm-cov`, made by
//! `fixtures/make-llvm-cov.sh`) read by tollgate against the producer's own
//! totals table (`summary.txt`, `cargo llvm-cov report --summary-only` of
//! the same run), per file and in total.
//!
//! The crate has unit tests and an integration test, so the library is
//! compiled twice and every function in both builds has two mangled names
//! at one line: the case docs/formats.md (LCOV, functions) is about.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a broken fixture should stop the test loudly

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use tollgate::evidence::coverage::{
    read_coverage_file_with, CoverageReport, ReadOptions, Strictness, Tally,
};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/coverage/llvm-cov")
}

/// One row of cargo llvm-cov's table: (regions, functions, lines) as
/// found/hit, from its count and "Missed" columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Row {
    regions: Tally,
    functions: Tally,
    lines: Tally,
}

/// `summary.txt` rows by file name (`lib.rs`) and `TOTAL`.
fn producer_table() -> BTreeMap<String, Row> {
    let text = std::fs::read_to_string(fixture().join("summary.txt")).unwrap();
    let mut rows = BTreeMap::new();
    for line in text.lines() {
        let cols: Vec<&str> = line.split_whitespace().collect();
        // Filename Regions Missed Cover Functions Missed Executed Lines Missed Cover ...
        if cols.len() < 10 || cols[0] == "Filename" || cols[1].parse::<u64>().is_err() {
            continue;
        }
        let n = |i: usize| cols[i].parse::<u64>().unwrap();
        let tally = |found: u64, missed: u64| Tally {
            found,
            hit: found - missed,
        };
        rows.insert(
            cols[0].to_owned(),
            Row {
                regions: tally(n(1), n(2)),
                functions: tally(n(4), n(5)),
                lines: tally(n(7), n(8)),
            },
        );
    }
    assert!(rows.contains_key("TOTAL"), "no TOTAL row in summary.txt");
    rows
}

fn read_lcov() -> CoverageReport {
    let mut report = CoverageReport::new();
    let opts = ReadOptions {
        repo_root: fixture(),
        strip_prefix: vec!["/tmp/tollgate-fixtures/llvm-cov".into()],
        format: None,
    };
    read_coverage_file_with(
        &fixture().join("lcov.info"),
        &opts,
        Strictness::Strict,
        &mut report,
    )
    .unwrap();
    report
}

#[test]
fn lcov_function_totals_equal_cargo_llvm_cov_per_file_and_in_total() {
    let table = producer_table();
    let report = read_lcov();
    let files: Vec<&str> = report.files().map(|(p, _)| p).collect();
    assert_eq!(files, ["src/lib.rs", "src/shapes.rs"]);
    for (path, file) in report.files() {
        let name = path.rsplit('/').next().unwrap();
        assert_eq!(
            file.summary().functions,
            table[name].functions,
            "{path}: functions"
        );
    }
    assert_eq!(report.totals().functions, table["TOTAL"].functions);
    // The figures themselves, so a regenerated fixture is looked at.
    assert_eq!(report.totals().functions, Tally { found: 8, hit: 7 });
}

/// Debian lcov 1.16 on the same `lcov.info` says "9 of 13 functions": it
/// counts symbols (FN names), and cargo llvm-cov lists 13 as
/// "instantiations". tollgate follows cargo llvm-cov (8 functions, 7 hit):
/// one source function compiled into two test binaries is one function to
/// cover, not two, and counting names would ask for tests of a function
/// already tested (the issue's "cover 64 more functions" on semver). lcov
/// 2.x agrees, calling the extra names aliases.
#[test]
fn lcov_1_16_counts_names_and_tollgate_does_not() {
    let summary = std::fs::read_to_string(fixture().join("lcov-summary.txt")).unwrap();
    assert!(
        summary.contains("functions..: 69.2% (9 of 13 functions)"),
        "{summary}"
    );
    let names: usize = read_lcov().files().map(|(_, f)| f.functions().len()).sum();
    assert_eq!(names, 13);
    assert_eq!(read_lcov().totals().functions, Tally { found: 8, hit: 7 });
}

/// Lines: the `DA` records give 31 of 36 lines run, which is what lcov 1.16
/// says too; cargo llvm-cov's table (and the `LH` it writes) says 30. llvm
/// totals a function's lines from its best single instantiation, so a line
/// run only by the other build (`"zero"` in `classify`, run only by the
/// integration test) counts as missed there. tollgate reads the `DA`
/// records, a line that ran in any build ran, and follows lcov: LCOV holds
/// no instantiation data to do otherwise. (Its llvm-cov JSON reader gives
/// the producer's 30 exactly.)
#[test]
fn lcov_lines_follow_the_da_records_as_lcov_does() {
    let table = producer_table();
    let summary = std::fs::read_to_string(fixture().join("lcov-summary.txt")).unwrap();
    assert!(
        summary.contains("lines......: 86.1% (31 of 36 lines)"),
        "{summary}"
    );
    let report = read_lcov();
    assert_eq!(report.totals().lines, Tally { found: 36, hit: 31 });
    assert_eq!(table["TOTAL"].lines, Tally { found: 36, hit: 30 });
    assert_eq!(
        report.file("src/shapes.rs").unwrap().summary().lines,
        table["shapes.rs"].lines
    );
    assert_eq!(
        report.file("src/lib.rs").unwrap().line_count(7),
        Some(1),
        "line 7 ran in the integration test"
    );
}

/// Reads `coverage.json` (`cargo llvm-cov report --json`) as tollgate does.
fn read_json() -> CoverageReport {
    let mut report = CoverageReport::new();
    let opts = ReadOptions {
        repo_root: fixture(),
        strip_prefix: vec!["/tmp/tollgate-fixtures/llvm-cov".into()],
        format: None,
    };
    let format = read_coverage_file_with(
        &fixture().join("coverage.json"),
        &opts,
        Strictness::Strict,
        &mut report,
    )
    .unwrap();
    assert_eq!(format.as_str(), "llvm-cov-json");
    report
}

/// The JSON export's figures are the producer's own: tollgate's totals and
/// per-file figures equal both cargo llvm-cov's table and the export's own
/// `totals` and per-file `summary` objects, regions included.
#[test]
fn json_export_totals_equal_the_producer_per_file_and_in_total() {
    let table = producer_table();
    let report = read_json();
    let export: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture().join("coverage.json")).unwrap())
            .unwrap();
    let data = &export["data"][0];
    let stated = |s: &serde_json::Value, kind: &str| Tally {
        found: s[kind]["count"].as_u64().unwrap(),
        hit: s[kind]["covered"].as_u64().unwrap(),
    };
    let mut seen = 0;
    for file in data["files"].as_array().unwrap() {
        let name = file["filename"].as_str().unwrap();
        let path = name
            .strip_prefix("/tmp/tollgate-fixtures/llvm-cov/")
            .unwrap();
        let mine = report.file(path).unwrap().summary();
        let s = &file["summary"];
        assert_eq!(mine.lines, stated(s, "lines"), "{path}");
        assert_eq!(mine.functions, stated(s, "functions"), "{path}");
        assert_eq!(mine.branches, stated(s, "branches"), "{path}");
        assert_eq!(mine.regions, Some(stated(s, "regions")), "{path}");
        let row = table[path.rsplit('/').next().unwrap()];
        assert_eq!(
            (mine.lines, mine.functions, mine.regions),
            (row.lines, row.functions, Some(row.regions)),
            "{path}"
        );
        seen += 1;
    }
    assert_eq!(seen, report.file_count());
    let t = report.totals();
    let totals = &data["totals"];
    assert_eq!(t.lines, stated(totals, "lines"));
    assert_eq!(t.functions, stated(totals, "functions"));
    assert_eq!(t.regions, Some(stated(totals, "regions")));
    let total = table["TOTAL"];
    assert_eq!(
        (t.lines, t.functions, t.regions),
        (total.lines, total.functions, Some(total.regions))
    );
    assert_eq!(t.regions, Some(Tally { found: 45, hit: 39 }));
}

/// `coverage.regions` end to end: judged on the JSON export, an error (not
/// a pass) on the LCOV export of the same run.
#[test]
fn the_regions_rule_needs_the_json_export() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("policies")).unwrap();
    std::fs::write(
        dir.path().join("tollgate.toml"),
        "policy_dir = \"policies\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("policies/gate.toml"),
        "schema = 1\nname = \"gate\"\nversion = \"1.0.0\"\n\n[coverage]\nregions = 85.0\n",
    )
    .unwrap();
    let run = |report: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_tollgate"))
            .args([
                "check",
                "--config",
                "tollgate.toml",
                "--gate",
                "gate",
                "--format",
                "json",
            ])
            .args([
                "--strip-prefix",
                "/tmp/tollgate-fixtures/llvm-cov",
                "--coverage",
            ])
            .arg(fixture().join(report))
            .current_dir(dir.path())
            .env_remove("GITHUB_ACTIONS")
            .env_remove("GITHUB_TOKEN")
            .output()
            .unwrap();
        let verdict: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
        let rule = verdict["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == "coverage.regions")
            .cloned()
            .unwrap_or_else(|| panic!("no coverage.regions in {verdict}"));
        (out.status.code(), rule)
    };
    let (code, rule) = run("coverage.json");
    assert_eq!(rule["status"], "pass", "{rule}");
    assert!(
        rule["message"]
            .as_str()
            .unwrap()
            .contains("39 of 45 regions"),
        "{rule}"
    );
    assert_eq!(code, Some(0));
    let (code, rule) = run("lcov.info");
    assert_eq!(rule["status"], "error", "{rule}");
    assert!(
        rule["message"]
            .as_str()
            .unwrap()
            .contains("no regions: use cargo llvm-cov --json"),
        "{rule}"
    );
    assert_ne!(code, Some(0));
}

/// grcov on the same crate (`fixtures/coverage/llvm-cov-grcov`): it writes
/// demangled names, one `FN` per instance (13, its own `FNF`), so the same
/// name at the same line twice. tollgate counts 8 functions, 7 hit, as
/// cargo llvm-cov and (here, since the names repeat) lcov 1.16 do; lines
/// are the `DA` union, 31 of 36, which grcov's own `LH`/`LF` also say.
#[test]
fn grcov_lcov_of_the_same_crate_agrees() {
    let dir = fixture().with_file_name("llvm-cov-grcov");
    let mut report = CoverageReport::new();
    let opts = ReadOptions {
        repo_root: dir.clone(),
        strip_prefix: Vec::new(),
        format: None,
    };
    read_coverage_file_with(
        &dir.join("lcov.info"),
        &opts,
        Strictness::Strict,
        &mut report,
    )
    .unwrap();
    let summary = std::fs::read_to_string(dir.join("lcov-summary.txt")).unwrap();
    assert!(summary.contains("(7 of 8 functions)"), "{summary}");
    assert!(summary.contains("(31 of 36 lines)"), "{summary}");
    let table = producer_table();
    assert_eq!(report.totals().functions, table["TOTAL"].functions);
    for (path, file) in report.files() {
        let name = path.rsplit('/').next().unwrap();
        assert_eq!(file.summary().functions, table[name].functions, "{path}");
    }
    assert_eq!(report.totals().lines, Tally { found: 36, hit: 31 });
    let stated = |key: &str| -> u64 {
        std::fs::read_to_string(dir.join("lcov.info"))
            .unwrap()
            .lines()
            .filter_map(|l| l.strip_prefix(key))
            .map(|n| n.parse::<u64>().unwrap())
            .sum()
    };
    assert_eq!((stated("FNF:"), stated("FNH:")), (13, 9));
    assert_eq!((stated("LF:"), stated("LH:")), (36, 31));
}

/// cargo-llvm-cov's Cobertura (`cargo llvm-cov report --cobertura`, its
/// built-in lcov2cobertura) of the same run: every line and count equals
/// the run's LCOV, so lines are 31 of 36 per `DA` union, as for `lcov.info`
/// (and as the file's own `lines-covered`/`lines-valid` say), not the
/// producer table's 30 (see `lcov_lines_follow_the_da_records_as_lcov_does`).
/// Its `<method>`s are demangled names, the two builds' copies of a
/// function at one line under one name, so functions equal cargo llvm-cov's
/// table, 8 and 7 hit, per file and in total.
#[test]
fn cobertura_of_the_same_run_equals_its_lcov_and_the_producers_functions() {
    let table = producer_table();
    let lcov = read_lcov();
    let mut report = CoverageReport::new();
    let opts = ReadOptions {
        repo_root: fixture(),
        strip_prefix: vec!["/tmp/tollgate-fixtures/llvm-cov".into()],
        format: None,
    };
    let path = fixture().join("cobertura.xml");
    let format = read_coverage_file_with(&path, &opts, Strictness::Strict, &mut report).unwrap();
    assert_eq!(format.as_str(), "cobertura");
    let files: Vec<&str> = report.files().map(|(p, _)| p).collect();
    assert_eq!(files, ["src/lib.rs", "src/shapes.rs"]);
    for (path, file) in report.files() {
        let from_lcov = lcov.file(path).unwrap();
        for line in 1..=60 {
            assert_eq!(
                file.line_count(line),
                from_lcov.line_count(line),
                "{path}:{line}"
            );
        }
        let row = table[path.rsplit('/').next().unwrap()];
        assert_eq!(file.summary().functions, row.functions, "{path}");
        assert_eq!(file.summary().lines.found, row.lines.found, "{path}");
        assert_eq!(file.summary().lines, from_lcov.summary().lines, "{path}");
    }
    let t = report.totals();
    assert_eq!(t.functions, table["TOTAL"].functions);
    assert_eq!(t.lines, Tally { found: 36, hit: 31 });
    assert_eq!(t.branches, Tally::default(), "no branches in this run");
    let xml = std::fs::read_to_string(&path).unwrap();
    assert!(
        xml.contains(r#"lines-covered="31" lines-valid="36""#),
        "the file's own totals"
    );
}
