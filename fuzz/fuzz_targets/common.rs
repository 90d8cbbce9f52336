//! Shared checks for the fuzz targets: the invariants every coverage
//! reader's output must keep, and a scratch directory for readers that
//! read files rather than bytes.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use tollgate::evidence::coverage::{CoverageReport, CoverageSummary, Tally};

/// A tally can never have more hit than found.
pub fn tally_ok(what: &str, t: &Tally) {
    assert!(
        t.hit <= t.found,
        "{what}: hit {} > found {}",
        t.hit,
        t.found
    );
}

/// Every tally of `s` keeps `hit <= found`.
pub fn summary_ok(s: &CoverageSummary) {
    tally_ok("lines", &s.lines);
    tally_ok("branches", &s.branches);
    tally_ok("functions", &s.functions);
    if let Some(r) = &s.regions {
        tally_ok("regions", r);
    }
    if let Some(st) = &s.statements {
        tally_ok("statements", st);
    }
}

/// What a successful (or partial) coverage read must hold: every file's
/// tallies keep `hit <= found`, per-line files count exactly the lines they
/// hold, and the report's totals are the sum of its files.
pub fn report_ok(report: &CoverageReport) {
    let mut lines = Tally::default();
    let mut branches = Tally::default();
    let mut functions = Tally::default();
    for (path, file) in report.files() {
        assert!(!path.is_empty(), "a file with an empty path");
        let s = file.summary();
        summary_ok(&s);
        if !file.is_summary_only() {
            assert_eq!(
                s.lines.found,
                file.lines().count() as u64,
                "{path}: lines found"
            );
            assert_eq!(
                s.lines.hit,
                file.lines().filter(|&(_, c)| c > 0).count() as u64,
                "{path}: lines hit"
            );
            assert_eq!(
                s.branches.found,
                file.branches().len() as u64,
                "{path}: branches found"
            );
        }
        lines += s.lines;
        branches += s.branches;
        functions += s.functions;
    }
    let totals = report.totals();
    summary_ok(&totals);
    assert_eq!(totals.lines, lines, "total lines are the sum of the files");
    assert_eq!(
        totals.branches, branches,
        "total branches are the sum of the files"
    );
    assert_eq!(
        totals.functions, functions,
        "total functions are the sum of the files"
    );
}

/// A directory of this process's own, created once and removed by nobody
/// (the fuzzer's process ends; the OS temp cleaner takes it): for readers
/// that take a path.
pub fn scratch() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("tollgate-fuzz-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch directory");
        dir
    })
}

/// Writes `data` to `name` under [`scratch`] and returns the path.
pub fn scratch_file(name: &str, data: &[u8]) -> PathBuf {
    let path = scratch().join(name);
    std::fs::write(&path, data).expect("scratch file");
    path
}

/// The checks every streaming coverage reader gets: the same answer
/// (report or error) whether the input arrives whole or seven bytes at a
/// time, and a report that keeps [`report_ok`].
pub fn coverage_reader<F>(data: &[u8], name: &str, read: F)
where
    F: Fn(
        &mut dyn std::io::BufRead,
        &Path,
        &tollgate::evidence::coverage::ReadOptions,
        &mut CoverageReport,
    ) -> Result<(), tollgate::evidence::EvidenceError>,
{
    let opts = tollgate::evidence::coverage::ReadOptions::default();
    let source = Path::new(name);
    let mut whole = CoverageReport::new();
    let first = read(&mut &data[..], source, &opts, &mut whole);
    let mut pieces = CoverageReport::new();
    let second = read(
        &mut std::io::BufReader::with_capacity(7, data),
        source,
        &opts,
        &mut pieces,
    );
    assert_eq!(
        format!("{first:?}"),
        format!("{second:?}"),
        "the answer depends on how the input is buffered"
    );
    if first.is_ok() {
        assert_eq!(
            whole, pieces,
            "the report depends on how the input is buffered"
        );
        report_ok(&whole);
    }
    // On error the report may hold part of the input; it must still be sane.
    report_ok(&pieces);
}
