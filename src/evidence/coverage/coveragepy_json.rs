//! A reader of coverage.py's JSON report (`coverage json`), read as
//! per-line data and checked against the report's own summaries
//! (docs/formats.md, coverage.py JSON).
//!
//! # What it reads
//!
//! Each entry of `files`: `executed_lines` (hit) and `missing_lines`
//! (coverable, not hit) as lines, so patch coverage can be judged;
//! `executed_branches` and `missing_branches` (arcs `[from, to]`, a negative
//! `to` leaving the function) as branches at line `from`; and, when the
//! file has a `functions` section (coverage.py 7.5 and later), each named
//! function with statements, hit when any of its statements ran. The
//! module-level pseudo-function `""` and functions without statements
//! (wholly excluded) are not functions, as in coverage.py's own LCOV output.
//! `excluded_lines` are not coverable and are not read.
//!
//! # What it checks
//!
//! A file whose `summary` contradicts its lists (statements, covered lines,
//! branches, covered branches) is refused, naming the file; so is a report
//! whose `totals` is not the sum of its files' summaries. The JSON is
//! recognised by its structure (`meta` with `format` and `version`, and a
//! `files` object); other JSON is refused by name.
//!
//! # Memory
//!
//! serde reads the document from the reader; only the fields above are
//! declared, the rest (`classes`, `contexts`, per-function line lists) is
//! checked as JSON and never built (`SKIPPED`), so memory grows with the
//! number of lines.

use std::fmt;
use std::io::BufRead;
use std::marker::PhantomData;
use std::path::Path;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use super::paths::{impossible_name, leaves_root, PathNormalizer};
use super::{BranchKey, BranchName, CoverageReport, FileCoverage, ReadOptions, Tally};
use crate::evidence::json_skip::{deserialize_skipping, SkipRule};
use crate::evidence::EvidenceError;

/// What serde need not read (see "Memory"): each file's `classes`,
/// `contexts` and `excluded_lines` (files are objects at depth 3:
/// document, `files`, the file) and each function's line lists (depth 5:
/// the file's `functions`, the function). They are checked as JSON and
/// handed on as `0` (`json_skip`), several times faster than serde
/// skips them. A field read below must not be named here.
const SKIPPED: &[SkipRule] = &[
    SkipRule {
        depth: 3,
        keys: &[b"classes", b"contexts", b"excluded_lines"],
    },
    SkipRule {
        depth: 5,
        keys: &[
            b"executed_lines",
            b"missing_lines",
            b"excluded_lines",
            b"executed_branches",
            b"missing_branches",
            b"contexts",
        ],
    },
];

/// The `meta.format` values tollgate knows (coverage.py 5.x wrote 1, 6.x
/// and 7.x before 7.5 wrote 2, 7.5 and later write 3).
const KNOWN_FORMATS: [u64; 3] = [1, 2, 3];

#[derive(Deserialize)]
struct Report {
    meta: Option<Meta>,
    files: Option<Ordered<File>>,
    totals: Option<Summary>,
}

#[derive(Deserialize)]
struct Meta {
    format: Option<u64>,
    version: Option<String>,
}

#[derive(Deserialize)]
struct File {
    #[serde(default)]
    executed_lines: Vec<i64>,
    #[serde(default)]
    missing_lines: Vec<i64>,
    executed_branches: Option<Vec<(i64, i64)>>,
    missing_branches: Option<Vec<(i64, i64)>>,
    summary: Summary,
    functions: Option<Ordered<Function>>,
}

#[derive(Deserialize, Clone, Copy)]
struct Summary {
    covered_lines: u64,
    num_statements: u64,
    /// Present only in reports of a run with branch coverage.
    num_branches: Option<u64>,
    covered_branches: Option<u64>,
}

#[derive(Deserialize)]
struct Function {
    start_line: Option<i64>,
    summary: FunctionSummary,
}

#[derive(Deserialize)]
struct FunctionSummary {
    covered_lines: u64,
    num_statements: u64,
}

/// A JSON object kept as its entries in document order, so a key written
/// twice is seen (a map would keep one silently).
struct Ordered<T>(Vec<(String, T)>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Ordered<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entries<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for Entries<T> {
            type Value = Ordered<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry::<String, T>()? {
                    entries.push(entry);
                }
                Ok(Ordered(entries))
            }
        }
        deserializer.deserialize_map(Entries(PhantomData))
    }
}

/// Reads one coverage.py JSON report from `input` into `into`; `source`
/// names the input in errors.
///
/// JSON of another structure is [`EvidenceError::UnknownFormat`]; a report
/// whose figures contradict each other, names a file twice or names a
/// path outside the repository is [`EvidenceError::Malformed`] naming the
/// file entry (line 1: the figures are checked after the document is read).
pub fn read_coveragepy_json<R: BufRead>(
    input: R,
    source: &Path,
    opts: &ReadOptions,
    into: &mut CoverageReport,
) -> Result<(), EvidenceError> {
    let malformed = |message: String| EvidenceError::Malformed {
        path: source.to_path_buf(),
        line: 1,
        message,
    };
    let unknown = |message: String| EvidenceError::UnknownFormat {
        path: source.to_path_buf(),
        message,
    };
    let report = parse(input, source)?;
    let (Some(meta), Some(files)) = (report.meta, report.files) else {
        return Err(unknown(
            "JSON, but not a coverage.py JSON report (no `meta` and `files` objects)".into(),
        ));
    };
    let (Some(format), Some(_)) = (meta.format, meta.version.as_ref()) else {
        return Err(unknown(
            "JSON, but not a coverage.py JSON report (`meta` has no `format` and `version`)".into(),
        ));
    };
    if !KNOWN_FORMATS.contains(&format) {
        return Err(malformed(format!(
            "coverage.py JSON format {format} is not one tollgate knows (1, 2, 3)"
        )));
    }
    let Some(totals) = report.totals else {
        return Err(malformed("the report has no `totals`".into()));
    };
    let mut paths = PathNormalizer::new(opts.root(), &opts.strip_prefix);
    let mut mine = CoverageReport::new();
    let mut sum = Summary {
        covered_lines: 0,
        num_statements: 0,
        num_branches: totals.num_branches.map(|_| 0),
        covered_branches: totals.covered_branches.map(|_| 0),
    };
    for (name, file) in files.0 {
        if let Some(why) = impossible_name(&name) {
            return Err(malformed(why));
        }
        let path = paths.normalize(&name);
        if leaves_root(&path) {
            return Err(malformed(format!(
                "`{name}` is `{path}` relative to the repository root, outside it: \
                 run coverage.py from the repository root or pass --strip-prefix"
            )));
        }
        if mine.file(&path).is_some() {
            return Err(malformed(format!("`{name}` is named twice (as `{path}`)")));
        }
        let coverage = file_coverage(&file).map_err(|m| malformed(format!("`{name}`: {m}")))?;
        check(&file.summary, &coverage).map_err(|m| malformed(format!("`{name}`: {m}")))?;
        sum.covered_lines += file.summary.covered_lines;
        sum.num_statements += file.summary.num_statements;
        sum.num_branches = sum
            .num_branches
            .map(|n| n + file.summary.num_branches.unwrap_or(0));
        sum.covered_branches = sum
            .covered_branches
            .map(|n| n + file.summary.covered_branches.unwrap_or(0));
        mine.merge_file(&path, coverage);
    }
    let figures = |s: &Summary| {
        (
            s.num_statements,
            s.covered_lines,
            s.num_branches,
            s.covered_branches,
        )
    };
    if figures(&sum) != figures(&totals) {
        return Err(malformed(format!(
            "the report's `totals` (statements {}, covered {}, branches {:?}, covered {:?}) \
             are not the sum of its files' summaries ({}, {}, {:?}, {:?})",
            totals.num_statements,
            totals.covered_lines,
            totals.num_branches,
            totals.covered_branches,
            sum.num_statements,
            sum.covered_lines,
            sum.num_branches,
            sum.covered_branches,
        )));
    }
    into.merge_checked(mine).map_err(|path| {
        malformed(format!(
            "`{path}` is also in an llvm-cov JSON export read before, which has per-file \
             totals only and cannot be merged with this report's lines"
        ))
    })?;
    Ok(())
}

/// Reads the document, telling other JSON (by name) from broken JSON (by line).
fn parse<R: BufRead>(input: R, source: &Path) -> Result<Report, EvidenceError> {
    let parsed: Result<Report, _> = deserialize_skipping(input, SKIPPED, true);
    parsed.map_err(|failure| {
        failure.into_error(
            source,
            "not a coverage.py JSON report",
            "JSON, but neither a coverage.py JSON report nor an llvm-cov export",
        )
    })
}

/// A source line number: 1 or more.
fn line_number(n: i64, list: &str) -> Result<u32, String> {
    u32::try_from(n)
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("`{list}` holds {n}, which is not a line number"))
}

/// The lines, branches and functions of one file entry.
fn file_coverage(file: &File) -> Result<FileCoverage, String> {
    let mut coverage = FileCoverage::default();
    for &line in &file.executed_lines {
        coverage.add_line(line_number(line, "executed_lines")?, 1);
    }
    for &line in &file.missing_lines {
        let line = line_number(line, "missing_lines")?;
        if coverage.line_count(line).is_some_and(|c| c > 0) {
            return Err(format!(
                "line {line} is in both `executed_lines` and `missing_lines`"
            ));
        }
        coverage.add_line(line, 0);
    }
    for (list, arcs, taken) in [
        ("executed_branches", &file.executed_branches, 1),
        ("missing_branches", &file.missing_branches, 0),
    ] {
        for &(from, to) in arcs.iter().flatten() {
            let key = BranchKey {
                line: line_number(from, list)?,
                block: 0,
                // The arc's destination names the branch: a line number,
                // or a negative one for leaving the code object.
                branch: BranchName::parse(&to.to_string()),
            };
            coverage.add_branch(key, Some(taken));
        }
    }
    for (name, function) in file.functions.iter().flat_map(|f| &f.0) {
        // `""` is the module's own code, not a function; a function with
        // no statements was excluded whole (`# pragma: no cover`).
        if name.is_empty() || function.summary.num_statements == 0 {
            continue;
        }
        if function.summary.covered_lines > function.summary.num_statements {
            return Err(format!(
                "function `{name}` covers {} of {} statements",
                function.summary.covered_lines, function.summary.num_statements
            ));
        }
        let line = function
            .start_line
            .map(|l| line_number(l, "start_line"))
            .transpose()?;
        coverage.add_function(name, line, function.summary.covered_lines);
    }
    Ok(coverage)
}

/// The file's `summary` agrees with the lists it was read from.
fn check(summary: &Summary, coverage: &FileCoverage) -> Result<(), String> {
    let got = coverage.summary();
    let lines = Tally {
        found: summary.num_statements,
        hit: summary.covered_lines,
    };
    if got.lines != lines {
        return Err(format!(
            "its summary says {} of {} statements covered, its line lists {} of {}",
            lines.hit, lines.found, got.lines.hit, got.lines.found
        ));
    }
    if let (Some(found), Some(hit)) = (summary.num_branches, summary.covered_branches) {
        let branches = Tally { found, hit };
        if got.branches != branches {
            return Err(format!(
                "its summary says {} of {} branches covered, its branch lists {} of {}",
                branches.hit, branches.found, got.branches.hit, got.branches.found
            ));
        }
    } else if got.branches.found > 0 {
        return Err("it lists branches but its summary has no `num_branches`".into());
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)] // a test that cannot read its input should stop loudly
mod tests {
    use super::*;

    fn report(files: &str, totals: &str) -> String {
        format!(
            r#"{{"meta":{{"format":3,"version":"7.17.4","branch_coverage":true}},"files":{{{files}}},"totals":{totals}}}"#
        )
    }

    const A: &str = r#""a.py":{"executed_lines":[1,2,4],"missing_lines":[3],"excluded_lines":[9],
        "executed_branches":[[2,4],[4,-1]],"missing_branches":[[2,3]],
        "summary":{"covered_lines":3,"num_statements":4,"num_branches":3,"covered_branches":2,"missing_lines":1},
        "functions":{"f":{"start_line":1,"summary":{"covered_lines":2,"num_statements":3},"executed_lines":[2]},
                     "g":{"start_line":5,"summary":{"covered_lines":0,"num_statements":0}},
                     "":{"start_line":1,"summary":{"covered_lines":1,"num_statements":1}}}}"#;
    const TOTALS: &str =
        r#"{"covered_lines":3,"num_statements":4,"num_branches":3,"covered_branches":2}"#;

    fn read(text: &str) -> Result<CoverageReport, EvidenceError> {
        let mut report = CoverageReport::new();
        read_coveragepy_json(
            text.as_bytes(),
            Path::new("coverage.json"),
            &ReadOptions::default(),
            &mut report,
        )?;
        Ok(report)
    }

    #[test]
    fn reads_lines_branches_and_functions() {
        let r = read(&report(A, TOTALS)).unwrap();
        let a = r.file("a.py").unwrap();
        assert_eq!(a.line_count(3), Some(0));
        assert_eq!(a.line_count(2), Some(1));
        assert_eq!(a.line_count(9), None, "excluded lines are not coverable");
        let s = a.summary();
        assert_eq!(s.lines, Tally { found: 4, hit: 3 });
        assert_eq!(s.branches, Tally { found: 3, hit: 2 });
        // `""` (module code) and `g` (no statements) are not functions.
        assert_eq!(s.functions, Tally { found: 1, hit: 1 });
    }

    #[test]
    fn contradicting_summaries_are_refused_by_file() {
        let bad = A.replace(
            r#""covered_lines":3,"num_statements":4"#,
            r#""covered_lines":4,"num_statements":4"#,
        );
        let err = read(&report(&bad, TOTALS)).unwrap_err().to_string();
        assert!(
            err.contains("`a.py`") && err.contains("statements"),
            "{err}"
        );
        let bad = A.replace(r#""covered_branches":2"#, r#""covered_branches":3"#);
        let err = read(&report(&bad, TOTALS)).unwrap_err().to_string();
        assert!(err.contains("`a.py`") && err.contains("branches"), "{err}");
        let both = A.replace(r#""missing_lines":[3]"#, r#""missing_lines":[2]"#);
        let err = read(&report(&both, TOTALS)).unwrap_err().to_string();
        assert!(err.contains("both"), "{err}");
        let zero = A.replace(r#""missing_lines":[3]"#, r#""missing_lines":[-3]"#);
        let err = read(&report(&zero, TOTALS)).unwrap_err().to_string();
        assert!(err.contains("not a line number"), "{err}");
    }

    #[test]
    fn totals_must_be_the_sum() {
        let err = read(&report(
            A,
            &TOTALS.replace("\"num_statements\":4", "\"num_statements\":5"),
        ))
        .unwrap_err()
        .to_string();
        assert!(err.contains("not the sum"), "{err}");
        let err = read(&report(
            &format!("{A},{}", A.replacen("a.py", "./a.py", 1)),
            TOTALS,
        ))
        .unwrap_err()
        .to_string();
        assert!(err.contains("named twice"), "{err}");
    }

    #[test]
    fn other_json_is_refused_by_name() {
        for text in [
            r#"{"files":[{"path":"a"}],"coverable":1}"#,
            r#"{"meta":{"format":3},"files":{},"totals":{}}"#,
            r#"{"total":{"lines":{}}}"#,
        ] {
            assert!(
                matches!(read(text), Err(EvidenceError::UnknownFormat { .. })),
                "{text}"
            );
        }
        let future = report("", TOTALS).replace("\"format\":3", "\"format\":9");
        assert!(read(&future).unwrap_err().to_string().contains("format 9"));
        assert!(matches!(
            read("{\"meta\": {"),
            Err(EvidenceError::Malformed { .. })
        ));
    }
}
