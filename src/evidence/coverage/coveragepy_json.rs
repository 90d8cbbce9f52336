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
//! The document is read one file entry at a time (`json_entries`: the
//! outer objects here, each entry's value by serde from its text), and
//! each entry is added to the report as it comes. Only the fields above
//! are declared; the rest (`classes`, `contexts`, per-function line
//! lists) is checked as JSON and never built. Memory is the report's (it
//! grows with the number of lines) and one entry's text.

use std::fmt;
use std::io::BufRead;
use std::marker::PhantomData;
use std::path::Path;

use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;

use super::paths::{impossible_name, leaves_root, PathNormalizer};
use super::{BranchKey, BranchName, CoverageReport, FileCoverage, ReadOptions, Tally};
use crate::evidence::json_entries::{EntryFailure, EntryReader};
use crate::evidence::EvidenceError;

/// The `meta.format` values tollgate knows (coverage.py 5.x wrote 1, 6.x
/// and 7.x before 7.5 wrote 2, 7.5 and later write 3).
const KNOWN_FORMATS: [u64; 3] = [1, 2, 3];

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

/// What the document's top level held, once read.
#[derive(Default)]
struct Document {
    meta: Option<Meta>,
    /// Whether `files` was an object.
    files: bool,
    totals: Option<Summary>,
}

/// The top-level keys read (a key given twice is refused, as serde's
/// derive refuses it, even where its first value was `null`).
#[derive(Clone, Copy)]
enum Field {
    Meta,
    Files,
    Totals,
}

/// The files read so far, and the first that was wrong.
struct Files {
    paths: PathNormalizer,
    mine: CoverageReport,
    /// The sums of the files' summaries (branches as 0 where a file has
    /// none), for `totals`.
    statements: u64,
    covered: u64,
    branches: u64,
    covered_branches: u64,
    /// The first file entry found wrong: the rest of the document is
    /// still read, so that a syntax error anywhere is the one reported,
    /// as when the document was read whole before its figures.
    problem: Option<String>,
}

impl Files {
    /// Takes one file entry, or notes what is wrong with it.
    fn take(&mut self, name: &str, file: &File) {
        if self.problem.is_some() {
            return;
        }
        if let Err(why) = self.add(name, file) {
            self.problem = Some(why);
        }
    }

    fn add(&mut self, name: &str, file: &File) -> Result<(), String> {
        if let Some(why) = impossible_name(name) {
            return Err(why);
        }
        let path = self.paths.normalize(name);
        if leaves_root(&path) {
            return Err(format!(
                "`{name}` is `{path}` relative to the repository root, outside it: \
                 run coverage.py from the repository root or pass --strip-prefix"
            ));
        }
        if self.mine.file(&path).is_some() {
            return Err(format!("`{name}` is named twice (as `{path}`)"));
        }
        let coverage = file_coverage(file).map_err(|m| format!("`{name}`: {m}"))?;
        check(&file.summary, &coverage).map_err(|m| format!("`{name}`: {m}"))?;
        self.statements += file.summary.num_statements;
        self.covered += file.summary.covered_lines;
        self.branches += file.summary.num_branches.unwrap_or(0);
        self.covered_branches += file.summary.covered_branches.unwrap_or(0);
        self.mine.merge_file(&path, coverage);
        Ok(())
    }
}

/// Reads one coverage.py JSON report from `input` into `into`; `source`
/// names the input in errors.
///
/// JSON of another structure is [`EvidenceError::UnknownFormat`]; a report
/// whose figures contradict each other, names a file twice or names a
/// path outside the repository is [`EvidenceError::Malformed`] naming the
/// file entry (line 1: the figures are judged once the document is read).
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
    let mut files = Files {
        paths: PathNormalizer::new(opts.root(), &opts.strip_prefix),
        mine: CoverageReport::new(),
        statements: 0,
        covered: 0,
        branches: 0,
        covered_branches: 0,
        problem: None,
    };
    let document = read_document(input, &mut files).map_err(|failure| match failure {
        EntryFailure::Syntax(line, message) => EvidenceError::Malformed {
            path: source.to_path_buf(),
            line,
            message: format!("not a coverage.py JSON report: {message}"),
        },
        EntryFailure::Shape(message) => unknown(format!(
            "JSON, but neither a coverage.py JSON report nor an llvm-cov export: {message}"
        )),
        EntryFailure::Io(err) => EvidenceError::Io {
            path: source.to_path_buf(),
            source: err,
        },
    })?;
    let (Some(meta), true) = (document.meta, document.files) else {
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
    let Some(totals) = document.totals else {
        return Err(malformed("the report has no `totals`".into()));
    };
    if let Some(problem) = files.problem {
        return Err(malformed(problem));
    }
    let sum = Summary {
        covered_lines: files.covered,
        num_statements: files.statements,
        num_branches: totals.num_branches.map(|_| files.branches),
        covered_branches: totals.covered_branches.map(|_| files.covered_branches),
    };
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
    into.merge_checked(files.mine).map_err(|path| {
        malformed(format!(
            "`{path}` is also in an llvm-cov JSON export read before, which has per-file \
             totals only and cannot be merged with this report's lines"
        ))
    })?;
    Ok(())
}

/// Reads the document, each file entry into `files` as it comes; tells
/// other JSON (by shape) from broken JSON (by line).
fn read_document<R: BufRead>(input: R, files: &mut Files) -> Result<Document, EntryFailure> {
    let mut json = EntryReader::new(input);
    json.open()?;
    let mut document = Document::default();
    let mut seen = [false; 3];
    while let Some(key) = json.key()? {
        let field = match key.as_str() {
            "meta" => Field::Meta,
            "files" => Field::Files,
            "totals" => Field::Totals,
            _ => {
                json.value::<IgnoredAny>()?;
                continue;
            }
        };
        if std::mem::replace(&mut seen[field as usize], true) {
            return Err(EntryFailure::Shape(format!(
                "duplicate field `{key}` {}",
                json.here()
            )));
        }
        match field {
            Field::Meta => document.meta = json.value()?,
            Field::Files if json.enter()? => {
                document.files = true;
                while let Some(name) = json.key()? {
                    let file: File = json.value()?;
                    files.take(&name, &file);
                }
            }
            Field::Files => {}
            Field::Totals => document.totals = json.value()?,
        }
    }
    json.end()?;
    Ok(document)
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

    /// The document as serde reads it whole (how this reader read it before
    /// it read an entry at a time): the oracle for the entry reader.
    #[derive(Deserialize)]
    #[allow(dead_code)] // read for serde's checks only
    struct Whole {
        meta: Option<Meta>,
        files: Option<Ordered<File>>,
        totals: Option<Summary>,
    }

    fn read_buffered(text: &[u8], buffer: usize) -> Result<CoverageReport, EvidenceError> {
        let mut report = CoverageReport::new();
        read_coveragepy_json(
            std::io::BufReader::with_capacity(buffer, text),
            Path::new("coverage.json"),
            &ReadOptions::default(),
            &mut report,
        )?;
        Ok(report)
    }

    /// What a reading came to, comparable across readings: the files'
    /// summaries, or the error's kind, line and message.
    fn outcome(read: Result<CoverageReport, EvidenceError>) -> String {
        match read {
            Ok(report) => report
                .files()
                .map(|(path, file)| format!("{path}: {:?}", file.summary()))
                .collect::<Vec<_>>()
                .join("\n"),
            Err(err) => format!("{err:?}"),
        }
    }

    #[test]
    fn broken_documents_are_refused_where_serde_refuses_them() {
        let good = report(A, TOTALS);
        for (broken, line, says) in [
            (
                good.replacen("\"files\":{", "\"files\":{\n\n", 1)
                    .replacen("[1,2,4]", "[1,2,,4]", 1),
                3,
                "expected value",
            ),
            (
                good.replacen("{\"a.py\"", "{\"a.py\" \n 1", 1),
                2,
                "expected `:`",
            ),
            (
                good.replacen(",\"totals\"", ",\n,\"totals\"", 1),
                7,
                "key must be a string",
            ),
            (format!("{good}\n x"), 7, "trailing characters"),
            (good[..good.len() - 20].to_owned(), 6, "EOF while parsing"),
            (
                good.replacen("\"meta\"", "\"meta\" 1", 1),
                1,
                "expected `:`",
            ),
            (
                good.replacen("\"totals\":", "\"totals\":\n", 1)
                    .replacen("}}", "},}", 1),
                1,
                "",
            ),
            ("\u{feff}{}".to_owned(), 1, "expected value"),
            ("{\"meta\":{}}}".to_owned(), 1, "trailing characters"),
        ] {
            let whole = serde_json::from_str::<Whole>(&broken).err();
            let err = read(&broken).map(|_| ()).expect_err(&broken);
            let EvidenceError::Malformed {
                line: got, message, ..
            } = &err
            else {
                panic!("{broken}: {err:?}");
            };
            if let Some(whole) = whole {
                assert!(whole.is_syntax() || whole.is_eof(), "{broken}: {whole}");
                assert_eq!(
                    message,
                    &format!("not a coverage.py JSON report: {whole}"),
                    "{broken}"
                );
                assert_eq!(*got, whole.line() as u64, "{broken}");
            }
            if !says.is_empty() {
                assert!(message.contains(says), "{broken}: {message}");
                assert_eq!(*got, line, "{broken}: {message}");
            }
        }
    }

    #[test]
    fn another_shape_is_refused_by_name() {
        for text in [
            "[1, 2]".to_owned(),
            report(A, TOTALS).replacen("\"executed_lines\":[1,2,4]", "\"executed_lines\":\"1\"", 1),
            report(A, TOTALS).replacen("\"totals\":", "\"meta\":{},\"totals\":", 1),
        ] {
            assert!(
                matches!(read(&text), Err(EvidenceError::UnknownFormat { .. })),
                "{text}: {:?}",
                read(&text)
            );
        }
    }

    use proptest::prelude::*;

    /// A report of a few files, each line and arc list drawn, pretty or not.
    fn reports() -> impl Strategy<Value = String> {
        let file = (
            prop::collection::btree_set(1i64..60, 0..12),
            prop::collection::vec((1i64..60, -2i64..60), 0..5),
            any::<bool>(),
        );
        (prop::collection::vec(file, 0..4), any::<bool>()).prop_map(|(files, pretty)| {
            let mut map = serde_json::Map::new();
            let (mut statements, mut covered, mut branches) = (0, 0, 0);
            for (n, (lines, arcs, with_functions)) in files.into_iter().enumerate() {
                let lines: Vec<i64> = lines.into_iter().collect();
                let (hit, missed) = lines.split_at(lines.len() / 2);
                let mut arcs = arcs;
                arcs.sort_unstable();
                arcs.dedup();
                statements += lines.len();
                covered += hit.len();
                branches += arcs.len();
                let mut file = serde_json::json!({
                    "executed_lines": hit,
                    "missing_lines": missed,
                    "excluded_lines": [],
                    "executed_branches": arcs,
                    "missing_branches": [],
                    "summary": {
                        "covered_lines": hit.len(),
                        "num_statements": lines.len(),
                        "percent_covered": 12.5,
                        "num_branches": arcs.len(),
                        "covered_branches": arcs.len(),
                    },
                    "classes": {"": {"executed_lines": hit, "summary": {"x": "y\u{e9}\\\""}}},
                });
                if with_functions {
                    file["functions"] = serde_json::json!({
                        "f": {"start_line": 1, "summary": {"covered_lines": 0, "num_statements": 1}},
                    });
                }
                map.insert(format!("src/m{n}.py"), file);
            }
            let value = serde_json::json!({
                "meta": {"format": 3, "version": "7.17.4", "branch_coverage": true},
                "files": map,
                "totals": {"covered_lines": covered, "num_statements": statements,
                           "num_branches": branches, "covered_branches": branches},
            });
            if pretty {
                serde_json::to_string_pretty(&value).unwrap()
            } else {
                serde_json::to_string(&value).unwrap()
            }
        })
    }

    proptest! {
        // No regressions file: the repository's layout has no place for it.
        #![proptest_config(ProptestConfig {
            cases: 256,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        /// Read an entry at a time, a report (whole or with a byte put in or
        /// taken out) is refused wherever serde reading it whole refuses it,
        /// on the same line, and is read the same however the input is
        /// buffered.
        #[test]
        fn entries_read_as_the_whole_document_reads(
            text in reports(),
            at in any::<prop::sample::Index>(),
            byte in prop::sample::select(b"{}[],:\"\\0 1-.\nx".to_vec()),
            change in 0u8..3,
            buffer in 1usize..64,
        ) {
            let mut bytes = text.into_bytes();
            let i = at.index(bytes.len() + 1);
            match change {
                0 => {}
                1 if i < bytes.len() => {
                    bytes.remove(i);
                }
                _ => bytes.insert(i, byte),
            }
            let whole = serde_json::from_slice::<Whole>(&bytes);
            let got = read_buffered(&bytes, 1 << 16);
            match (&whole, &got) {
                (Err(want), Err(EvidenceError::Malformed { line, message, .. }))
                    if want.is_syntax() || want.is_eof() =>
                {
                    // The same line; serde's words may differ where a
                    // number or word is cut by what follows it (serde
                    // reading a slice sees its end, not the next byte).
                    prop_assert_eq!(*line, want.line() as u64, "{} / {}", message, want);
                    prop_assert!(message.starts_with("not a coverage.py JSON report: "));
                }
                (Err(want), _) if want.is_syntax() || want.is_eof() => {
                    prop_assert!(false, "serde: {want}; entries: {got:?}");
                }
                (Err(_), Err(EvidenceError::UnknownFormat { .. })) => {}
                (Err(want), _) => prop_assert!(false, "serde: {want}; entries: {got:?}"),
                (Ok(_), Err(EvidenceError::Malformed { message, .. })) => {
                    prop_assert!(!message.starts_with("not a coverage.py JSON report:"), "{message}");
                }
                (Ok(_), Err(EvidenceError::UnknownFormat { message, .. })) => {
                    prop_assert!(!message.contains("neither"), "{message}");
                }
                (Ok(_), _) => {}
            }
            prop_assert_eq!(outcome(read_buffered(&bytes, buffer)), outcome(got));
        }
    }
}
