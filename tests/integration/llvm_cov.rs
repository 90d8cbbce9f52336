//! cargo-llvm-cov's LCOV export (`fixtures/coverage/llvm-cov`, made by
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
/// already tested (the "cover 64 more functions" on semver). lcov
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
