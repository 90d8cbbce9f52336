//! A reader of llvm-cov's JSON export (`llvm-cov export -format=text`, what
//! `cargo llvm-cov --json` writes; `"type": "llvm.coverage.json.export"`),
//! taking the producer's own per-file figures (docs/formats.md, llvm-cov JSON).
//!
//! # What it reads
//!
//! Each file's `summary` object: `lines`, `functions`, `branches` and
//! `regions` as `count`/`covered`, which are exactly the figures `cargo
//! llvm-cov report` prints. They are taken as stated rather than recomputed
//! from the `segments`, because llvm counts a function's lines from its best
//! single instantiation (docs/formats.md, LCOV), which the segments alone do
//! not reproduce. The export's `totals` must equal the sum of the per-file
//! summaries (a file that does not add up is not trusted).
//!
//! # What it skips, and why that keeps it bounded
//!
//! The `segments`, `branches`, `expansions` and `mcdc_records` of every file
//! and the top-level `functions` array hold the bulk of an export (per-region
//! data, hundreds of megabytes on a large workspace). They are checked as
//! JSON and never built (`SKIPPED`): memory grows with the number of
//! files, not with the export's size.
//!
//! # Limits
//!
//! No per-line data is kept, so patch coverage cannot be judged from this
//! format (the rule says so; use `--lcov` for it), and a file it names cannot
//! be merged with another report of the same file.

use std::io::BufRead;
use std::path::Path;

use serde::Deserialize;

use super::paths::{impossible_name, leaves_root, PathNormalizer};
use super::{CoverageReport, CoverageSummary, FileCoverage, ReadOptions, Tally};
use crate::evidence::json_skip::{deserialize_skipping, SkipRule};
use crate::evidence::EvidenceError;

/// What serde need not read (see "What it skips"): each file's per-region
/// data (files are objects at depth 5: document, `data`, its object,
/// `files`, the file) and each export's `functions` (depth 3). They are
/// checked as JSON and handed on as `0` (`json_skip`), several times
/// faster than serde skips them.
const SKIPPED: &[SkipRule] = &[
    SkipRule {
        depth: 3,
        keys: &[b"functions"],
    },
    SkipRule {
        depth: 5,
        keys: &[b"segments", b"branches", b"expansions", b"mcdc_records"],
    },
];

/// The export's `type`.
pub const EXPORT_TYPE: &str = "llvm.coverage.json.export";

#[derive(Deserialize)]
struct Export {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    data: Vec<Data>,
    /// cargo-llvm-cov's own record (`{"version": "0.9.1", ...}`), kept as
    /// written: only its version is read, for the producer's name, and a
    /// record of another shape names no producer rather than refuse the
    /// export.
    cargo_llvm_cov: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct Data {
    files: Vec<File>,
    totals: Summary,
}

#[derive(Deserialize)]
struct File {
    filename: String,
    summary: Summary,
}

#[derive(Deserialize, Clone, Copy)]
struct Summary {
    lines: Counts,
    functions: Counts,
    regions: Counts,
    /// Absent in exports made before llvm had branch coverage.
    #[serde(default)]
    branches: Counts,
}

#[derive(Deserialize, Clone, Copy, Default, PartialEq, Eq)]
struct Counts {
    count: u64,
    covered: u64,
}

impl Counts {
    fn tally(self) -> Tally {
        Tally {
            found: self.count,
            hit: self.covered,
        }
    }
}

impl Summary {
    fn coverage(self) -> CoverageSummary {
        CoverageSummary {
            lines: self.lines.tally(),
            branches: self.branches.tally(),
            functions: self.functions.tally(),
            regions: Some(self.regions.tally()),
            statements: None,
        }
    }
}

/// Reads one llvm-cov JSON export from `input` into `into`; `source` names
/// the input in errors.
///
/// A JSON document of another `type` is [`EvidenceError::UnknownFormat`];
/// an export whose figures do not hold together (covered above count,
/// totals that are not the sum of the files, a path outside the
/// repository) or that names a file twice is [`EvidenceError::Malformed`].
pub fn read_llvm_json<R: BufRead>(
    input: R,
    source: &Path,
    opts: &ReadOptions,
    into: &mut CoverageReport,
) -> Result<(), EvidenceError> {
    read_llvm_json_named(input, source, opts, into).map(drop)
}

/// [`read_llvm_json`], giving the producer the export names
/// (`cargo-llvm-cov 0.9.1, llvm-cov export 3.1.0`): its `version` and
/// cargo-llvm-cov's record come after the bulk of the file, so the reader,
/// which reads to them anyway, is the one to say (format detection stops
/// at `data`).
pub fn read_llvm_json_named<R: BufRead>(
    input: R,
    source: &Path,
    opts: &ReadOptions,
    into: &mut CoverageReport,
) -> Result<Option<String>, EvidenceError> {
    let malformed = |message: String| EvidenceError::Malformed {
        path: source.to_path_buf(),
        line: 1,
        message,
    };
    let parsed: Result<Export, _> = deserialize_skipping(input, SKIPPED, true);
    // Well-formed JSON of another shape is another format, by name.
    let export = parsed.map_err(|failure| {
        failure.into_error(
            source,
            "not an llvm-cov JSON export",
            &format!("JSON, but not an llvm-cov export (`{EXPORT_TYPE}`)"),
        )
    })?;
    if export.kind != EXPORT_TYPE {
        return Err(EvidenceError::UnknownFormat {
            path: source.to_path_buf(),
            message: format!(
                "JSON of type `{}`, not an llvm-cov export (`{EXPORT_TYPE}`)",
                export.kind
            ),
        });
    }
    if !export.version.starts_with("2.") && !export.version.starts_with("3.") {
        return Err(malformed(format!(
            "llvm-cov export version {} is not one tollgate knows (2.x, 3.x)",
            export.version
        )));
    }
    if export.data.is_empty() {
        return Err(malformed("the export has no `data` entry".into()));
    }
    let mut paths = PathNormalizer::new(opts.root(), &opts.strip_prefix);
    let mut mine = CoverageReport::new();
    for data in export.data {
        let mut sum = CoverageSummary::default();
        for file in &data.files {
            check(&file.summary, &file.filename).map_err(&malformed)?;
            if let Some(why) = impossible_name(&file.filename) {
                return Err(malformed(why));
            }
            let path = paths.normalize(&file.filename);
            if leaves_root(&path) {
                return Err(malformed(format!(
                    "`{}` is `{path}` relative to the repository root, outside it: \
                     run the coverage tool from the repository root or pass --strip-prefix",
                    file.filename
                )));
            }
            if mine.file(&path).is_some() {
                return Err(malformed(format!(
                    "`{}` is named twice (as `{path}`)",
                    file.filename
                )));
            }
            let summary = file.summary.coverage();
            sum += CoverageSummary {
                regions: None,
                ..summary
            };
            mine.merge_file(&path, FileCoverage::from_summary(summary));
        }
        check(&data.totals, "totals").map_err(&malformed)?;
        let totals = data.totals.coverage();
        let stated = (totals.lines, totals.branches, totals.functions);
        if (sum.lines, sum.branches, sum.functions) != stated {
            return Err(malformed(
                "the export's `totals` are not the sum of its files' summaries".into(),
            ));
        }
    }
    into.merge_checked(mine).map_err(|path| {
        malformed(format!(
            "`{path}` is also in another coverage report: the llvm-cov JSON export has \
             per-file totals only, which cannot be merged with another report of the same file"
        ))
    })?;
    Ok(named(Some(&export.version), export.cargo_llvm_cov.as_ref()))
}

/// The producer of an export of `version` beside cargo-llvm-cov's record
/// `tool`: `None` for a record without a string `version`.
fn named(version: Option<&str>, tool: Option<&serde_json::Value>) -> Option<String> {
    let tool = match tool {
        None => None,
        Some(t) => Some(t.as_object()?.get("version")?.as_str()?),
    };
    Some(producer_name(version, tool))
}

/// The producer an export's `version` and `cargo_llvm_cov` name, as
/// written: `None` where either is not of its shape (a `version` that is
/// not a string, a `cargo_llvm_cov` without a string `version`).
pub(crate) fn producer_of(
    version: Option<&serde_json::Value>,
    tool: Option<&serde_json::Value>,
) -> Option<String> {
    let version = match version {
        None => None,
        Some(v) => Some(v.as_str()?),
    };
    named(version, tool)
}

/// `cargo-llvm-cov 0.9.1, llvm-cov export 3.1.0`, as much as is known.
pub(crate) fn producer_name(version: Option<&str>, tool: Option<&str>) -> String {
    let export = version.map_or_else(
        || "llvm-cov export".to_owned(),
        |v| format!("llvm-cov export {v}"),
    );
    match tool {
        Some(tool) => format!("cargo-llvm-cov {tool}, {export}"),
        None => export,
    }
}

/// A summary whose figures hold together: nothing covered beyond what was
/// counted.
fn check(summary: &Summary, what: &str) -> Result<(), String> {
    for (name, counts) in [
        ("lines", summary.lines),
        ("functions", summary.functions),
        ("regions", summary.regions),
        ("branches", summary.branches),
    ] {
        if counts.covered > counts.count {
            return Err(format!(
                "`{what}`: {name} covered {} of {}, more than counted",
                counts.covered, counts.count
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)] // a test that cannot read its input should stop loudly
mod tests {
    use super::*;

    fn summary(lines: (u64, u64), regions: (u64, u64)) -> String {
        format!(
            r#"{{"lines":{{"count":{},"covered":{}}},"functions":{{"count":1,"covered":1}},"regions":{{"count":{},"covered":{},"notcovered":0}},"branches":{{"count":0,"covered":0}}}}"#,
            lines.0, lines.1, regions.0, regions.1
        )
    }

    fn export(files: &[(&str, String)], totals: &str) -> String {
        let files: Vec<String> = files
            .iter()
            .map(|(name, s)| {
                format!(r#"{{"filename":"{name}","segments":[[1,1,1,true,true,false]],"branches":[],"expansions":[],"summary":{s}}}"#)
            })
            .collect();
        format!(
            r#"{{"data":[{{"files":[{}],"functions":[{{"name":"f","count":1,"regions":[[1,1,2,2,1,0,0,0]]}}],"totals":{totals}}}],"type":"llvm.coverage.json.export","version":"3.1.0"}}"#,
            files.join(",")
        )
    }

    fn read(text: &str) -> Result<CoverageReport, EvidenceError> {
        let mut report = CoverageReport::new();
        read_llvm_json(
            text.as_bytes(),
            Path::new("c.json"),
            &ReadOptions::default(),
            &mut report,
        )?;
        Ok(report)
    }

    #[test]
    fn takes_the_stated_figures() {
        let text = export(
            &[
                ("src/a.rs", summary((10, 7), (12, 9))),
                ("src/b.rs", summary((4, 4), (5, 5))),
            ],
            &summary((14, 11), (17, 14)).replace(
                r#""functions":{"count":1,"covered":1}"#,
                r#""functions":{"count":2,"covered":2}"#,
            ),
        );
        let r = read(&text).unwrap();
        let t = r.totals();
        assert_eq!(t.lines, Tally { found: 14, hit: 11 });
        assert_eq!(t.regions, Some(Tally { found: 17, hit: 14 }));
        let a = r.file("src/a.rs").unwrap();
        assert!(a.is_summary_only());
        assert_eq!(a.line_count(1), None);
    }

    #[test]
    fn inconsistent_exports_are_refused() {
        let bad_total = export(
            &[("a.rs", summary((10, 7), (12, 9)))],
            &summary((10, 8), (12, 9)),
        );
        let err = read(&bad_total).unwrap_err();
        assert!(err.to_string().contains("not the sum"), "{err}");
        let over = export(
            &[("a.rs", summary((10, 11), (12, 9)))],
            &summary((10, 11), (12, 9)),
        );
        assert!(read(&over)
            .unwrap_err()
            .to_string()
            .contains("more than counted"));
        let outside = export(
            &[("../x.rs", summary((1, 1), (1, 1)))],
            &summary((1, 1), (1, 1)),
        );
        assert!(read(&outside).unwrap_err().to_string().contains("outside"));
        let other = r#"{"data":[],"type":"something.else","version":"1"}"#;
        assert!(matches!(
            read(other),
            Err(EvidenceError::UnknownFormat { .. })
        ));
        assert!(matches!(
            read("{\"data\": [}"),
            Err(EvidenceError::Malformed { .. })
        ));
        // coverage.py's JSON is another format, refused by name.
        let coveragepy = r#"{"meta":{"format":3},"files":{},"totals":{"covered_lines":1}}"#;
        assert!(matches!(
            read(coveragepy),
            Err(EvidenceError::UnknownFormat { .. })
        ));
    }

    #[test]
    fn a_file_already_read_from_another_report_is_refused() {
        let mut report = CoverageReport::new();
        report.file_mut("a.rs").add_line(1, 1);
        let text = export(
            &[("a.rs", summary((10, 7), (12, 9)))],
            &summary((10, 7), (12, 9)),
        );
        let err = read_llvm_json(
            text.as_bytes(),
            Path::new("c.json"),
            &ReadOptions::default(),
            &mut report,
        )
        .unwrap_err();
        assert!(err.to_string().contains("cannot be merged"), "{err}");
    }
}
