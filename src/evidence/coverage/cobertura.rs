//! A streaming reader of Cobertura XML as written by coverage.py,
//! cargo-tarpaulin, gcovr, grcov and lcov2cobertura (cargo-llvm-cov
//! `--cobertura`) (FORMATS.md section 2).
//!
//! # What counts
//!
//! - Lines: the `<line number hits>` elements of each `<class>`'s `<lines>`,
//!   never the `line-rate`/`lines-covered` attributes, whose formatting
//!   differs from producer to producer. The `<line>` copies under
//!   `<method>` do not count again.
//! - Branches: `condition-coverage="P% (c/t)"` on a line gives `t` branch
//!   outcomes of which `c` were taken. Cobertura does not say *which*, so
//!   they are recorded as branches `0..t` of block 0 on that line with the
//!   first `c` taken. Merging the same line from two reports therefore
//!   takes the larger `c` of the larger `t`: never more coverage than some
//!   report showed (a lower bound, where a union is unknowable).
//! - Functions: each `<method>`, named `name` followed by its `signature`,
//!   starting at its first line. It is hit when any of its `<line>`s has
//!   hits, or, for a method with no lines, when its `line-rate` is above
//!   zero. coverage.py and tarpaulin write no methods, so their reports
//!   have no function figures, just as the tools themselves report none.
//! - Paths: `<class filename>` resolved against the `<source>` entries and
//!   made repository-relative (see [`super::paths::resolve_cobertura`]).
//!   The same file under several classes or packages merges by summing.
//!
//! # Errors
//!
//! A document whose root element is not `<coverage>` is
//! [`EvidenceError::UnknownFormat`]. XML that is not well-formed, a
//! `<line>` without a numeric `number` or `hits`, an unreadable
//! `condition-coverage`, and a document that ends before `</coverage>`
//! are [`EvidenceError::Malformed`], naming the line of the input.

use std::borrow::Cow;
use std::io::{BufRead, Read};
use std::path::Path;

use quick_xml::events::{BytesStart, Event};

use super::lcov::parse_count;
use super::paths::{resolve_cobertura, PathNormalizer};
use super::{BranchKey, BranchName, CoverageReport, FileCoverage, ReadOptions};
use crate::evidence::EvidenceError;

/// Most branch outcomes believed on one line; a larger `t` in
/// `condition-coverage` is taken as a corrupt file rather than allocated.
const MAX_BRANCHES_PER_LINE: u32 = 1 << 16;

/// Reads one Cobertura XML document from `input` into `into`, merging with
/// what is there. `source` names the input in errors.
///
/// On error `into` may hold part of the input.
pub fn read_cobertura<R: BufRead>(
    input: R,
    source: &Path,
    opts: &ReadOptions,
    into: &mut CoverageReport,
) -> Result<(), EvidenceError> {
    let mut xml = quick_xml::Reader::from_reader(LineCounter {
        inner: input,
        newlines: 0,
    });
    xml.config_mut().trim_text(true);
    let mut state = State {
        source,
        paths: PathNormalizer::new(opts.root(), &opts.strip_prefix),
        report: into,
        sources: Vec::new(),
        in_source: false,
        depth: 0,
        root_seen: false,
        class: None,
        method: None,
        class_lines_depth: None,
    };
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let event = xml.read_event_into(&mut buf);
        let line = xml.get_ref().newlines + 1;
        let result = match event {
            Ok(Event::Start(e)) => state.start(&e, line).map(|()| state.depth += 1),
            Ok(Event::Empty(e)) => state
                .start(&e, line)
                .map(|()| state.end(e.local_name().as_ref())),
            Ok(Event::End(e)) => {
                state.depth = state.depth.saturating_sub(1);
                state.end(e.local_name().as_ref());
                Ok(())
            }
            Ok(Event::Text(t)) if state.in_source => match t.unescape() {
                Ok(text) => {
                    state.sources.push(text.trim().to_owned());
                    Ok(())
                }
                Err(e) => Err(state.malformed(line, format!("bad XML text: {e}"))),
            },
            Ok(Event::Eof) => break,
            Ok(_) => Ok(()),
            Err(e) => Err(if state.root_seen {
                state.malformed(line, format!("not well-formed XML: {e}"))
            } else {
                state.unknown(format!("not well-formed XML: {e}"))
            }),
        };
        result?;
    }
    let line = xml.get_ref().newlines + 1;
    if !state.root_seen {
        return Err(state.unknown("no XML root element".into()));
    }
    if state.depth > 0 {
        return Err(state.malformed(
            line,
            "the document ends before `</coverage>` (truncated file?)".into(),
        ));
    }
    Ok(())
}

/// The `<class>` being read: its file's coverage, taken out of the report.
struct Class {
    path: String,
    file: FileCoverage,
}

/// The `<method>` being read.
struct Method {
    name: String,
    line_rate_positive: bool,
    first_line: Option<u32>,
    most_hits: u64,
    has_lines: bool,
}

struct State<'a> {
    source: &'a Path,
    paths: PathNormalizer,
    report: &'a mut CoverageReport,
    sources: Vec<String>,
    in_source: bool,
    depth: usize,
    root_seen: bool,
    class: Option<Class>,
    method: Option<Method>,
    /// Depth of the class's own `<lines>` element while inside it.
    class_lines_depth: Option<usize>,
}

impl State<'_> {
    fn malformed(&self, line: u64, message: String) -> EvidenceError {
        EvidenceError::Malformed {
            path: self.source.to_path_buf(),
            line,
            message,
        }
    }

    fn unknown(&self, message: String) -> EvidenceError {
        EvidenceError::UnknownFormat {
            path: self.source.to_path_buf(),
            message,
        }
    }

    /// An element opens (for an empty element, [`State::end`] follows).
    fn start(&mut self, e: &BytesStart<'_>, line: u64) -> Result<(), EvidenceError> {
        let name = e.local_name();
        let name = name.as_ref();
        if !self.root_seen {
            if name != b"coverage" {
                return Err(self.unknown(format!(
                    "XML with root element <{}>, not Cobertura's <coverage>",
                    String::from_utf8_lossy(name)
                )));
            }
            self.root_seen = true;
            return Ok(());
        }
        match name {
            b"line" => self.line(e, line),
            b"source" => {
                self.in_source = true;
                Ok(())
            }
            b"class" => {
                let filename = attr(e, b"filename")
                    .ok_or_else(|| self.malformed(line, "<class> without a `filename`".into()))?;
                let path = resolve_cobertura(&mut self.paths, &self.sources, &filename);
                if let Some(open) = self.class.take() {
                    // A class nested in a class is not Cobertura; keep the data anyway.
                    self.report.put_file(open.path, open.file);
                }
                let (path, file) = self.report.take_file(path);
                self.class = Some(Class { path, file });
                Ok(())
            }
            b"method" if self.class.is_some() => {
                let name = attr(e, b"name").unwrap_or_default();
                let signature = attr(e, b"signature").unwrap_or_default();
                let line_rate_positive = attr(e, b"line-rate")
                    .and_then(|r| r.trim().parse::<f64>().ok())
                    .is_some_and(|r| r > 0.0);
                self.method = Some(Method {
                    name: format!("{name}{signature}"),
                    line_rate_positive,
                    first_line: None,
                    most_hits: 0,
                    has_lines: false,
                });
                Ok(())
            }
            b"lines" if self.class.is_some() && self.method.is_none() => {
                self.class_lines_depth = Some(self.depth);
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// An element closes.
    fn end(&mut self, name: &[u8]) {
        match name {
            b"source" => self.in_source = false,
            b"lines" if self.class_lines_depth == Some(self.depth) => self.class_lines_depth = None,
            b"method" => {
                if let (Some(method), Some(class)) = (self.method.take(), self.class.as_mut()) {
                    let hits = if method.has_lines {
                        method.most_hits
                    } else {
                        u64::from(method.line_rate_positive)
                    };
                    class
                        .file
                        .add_function(&method.name, method.first_line, hits);
                }
            }
            b"class" => {
                if let Some(class) = self.class.take() {
                    self.report.put_file(class.path, class.file);
                }
                self.class_lines_depth = None;
            }
            _ => {}
        }
    }

    /// `<line number hits [condition-coverage]>`: the hot path.
    fn line(&mut self, e: &BytesStart<'_>, line: u64) -> Result<(), EvidenceError> {
        let in_class_lines = self.class_lines_depth.is_some();
        if !in_class_lines && self.method.is_none() {
            return Ok(());
        }
        let mut number = None;
        let mut hits = None;
        let mut conditions = None;
        for a in e.attributes().with_checks(false) {
            let a =
                a.map_err(|err| self.malformed(line, format!("bad attribute in <line>: {err}")))?;
            match a.key.as_ref() {
                b"number" => number = Some(a.value),
                b"hits" => hits = Some(a.value),
                b"condition-coverage" => conditions = Some(a.value),
                _ => {}
            }
        }
        let number = number
            .as_deref()
            .and_then(parse_u32)
            .ok_or_else(|| self.malformed(line, "<line> without a numeric `number`".into()))?;
        let hits = hits
            .as_deref()
            .and_then(parse_count)
            .ok_or_else(|| self.malformed(line, "<line> without a numeric `hits`".into()))?;
        if let Some(method) = self.method.as_mut() {
            method.has_lines = true;
            method.first_line = Some(method.first_line.map_or(number, |l| l.min(number)));
            method.most_hits = method.most_hits.max(hits);
            if !in_class_lines {
                return Ok(());
            }
        }
        let Some(class) = self.class.as_mut() else {
            return Ok(());
        };
        class.file.add_line(number, hits);
        if let Some(conditions) = conditions {
            let Some((taken, total)) = parse_condition_coverage(&conditions) else {
                return Err(self.malformed(
                    line,
                    format!(
                        "unreadable condition-coverage `{}`: expected `P% (covered/total)`",
                        String::from_utf8_lossy(&conditions)
                    ),
                ));
            };
            for i in 0..total {
                let key = BranchKey {
                    line: number,
                    block: 0,
                    branch: BranchName::Index(i),
                };
                class.file.add_branch(key, Some(u64::from(i < taken)));
            }
        }
        Ok(())
    }
}

/// An attribute's unescaped value, when present and readable.
fn attr(e: &BytesStart<'_>, key: &[u8]) -> Option<String> {
    let a = e.try_get_attribute(key).ok()??;
    a.unescape_value().ok().map(Cow::into_owned)
}

fn parse_u32(bytes: &[u8]) -> Option<u32> {
    std::str::from_utf8(bytes).ok()?.trim().parse().ok()
}

/// `"50% (1/2)"` to `(1, 2)`; `None` when unreadable, `taken > total`, or
/// `total` beyond belief.
fn parse_condition_coverage(value: &[u8]) -> Option<(u32, u32)> {
    let text = std::str::from_utf8(value).ok()?;
    let inner = text.split_once('(')?.1.split_once(')')?.0;
    let (taken, total) = inner.split_once('/')?;
    let (taken, total): (u32, u32) = (taken.trim().parse().ok()?, total.trim().parse().ok()?);
    (taken <= total && total <= MAX_BRANCHES_PER_LINE).then_some((taken, total))
}

/// Passes bytes through, counting the newlines consumed so far, so errors
/// can name a line although quick-xml only knows byte offsets.
struct LineCounter<R> {
    inner: R,
    newlines: u64,
}

impl<R: BufRead> Read for LineCounter<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(out)?;
        self.newlines += memchr::memchr_iter(b'\n', &out[..n]).count() as u64;
        Ok(n)
    }
}

impl<R: BufRead> BufRead for LineCounter<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        if let Ok(buf) = self.inner.fill_buf() {
            let amt = amt.min(buf.len());
            self.newlines += memchr::memchr_iter(b'\n', &buf[..amt]).count() as u64;
        }
        self.inner.consume(amt);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)] // a test that cannot read its input should stop loudly
mod tests {
    use super::*;
    use crate::evidence::coverage::{FunctionCoverage, Tally};

    fn read_with(input: &str, opts: &ReadOptions) -> Result<CoverageReport, EvidenceError> {
        let mut report = CoverageReport::new();
        read_cobertura(input.as_bytes(), Path::new("c.xml"), opts, &mut report)?;
        Ok(report)
    }

    fn read_ok(input: &str) -> CoverageReport {
        read_with(input, &ReadOptions::default()).unwrap_or_else(|e| panic!("{e}"))
    }

    fn tally(found: u64, hit: u64) -> Tally {
        Tally { found, hit }
    }

    const COVERAGE_PY: &str = r#"<?xml version="1.0" ?>
<coverage version="7.17.4" lines-valid="5" lines-covered="3" line-rate="0.6" branches-valid="2" branches-covered="1">
	<!-- Generated by coverage.py -->
	<sources>
		<source>/tmp/build/proj</source>
	</sources>
	<packages>
		<package name="src.calc" line-rate="0.6">
			<classes>
				<class name="core.py" filename="src/calc/core.py" line-rate="0.6">
					<methods/>
					<lines>
						<line number="1" hits="1"/>
						<line number="2" hits="1" branch="true" condition-coverage="50% (1/2)" missing-branches="3"/>
						<line number="3" hits="0"/>
						<line number="5" hits="1"/>
						<line number="6" hits="0"/>
					</lines>
				</class>
			</classes>
		</package>
	</packages>
</coverage>
"#;

    #[test]
    fn coverage_py_counts_from_lines_not_rates() {
        let r = read_ok(COVERAGE_PY);
        assert_eq!(r.file_count(), 1);
        let s = r.file("src/calc/core.py").unwrap().summary();
        assert_eq!(
            (s.lines, s.branches, s.functions),
            (tally(5, 3), tally(2, 1), tally(0, 0))
        );
    }

    #[test]
    fn source_prefix_resolves_against_strip_prefix() {
        let opts = ReadOptions {
            strip_prefix: vec!["/tmp/build".into()],
            ..ReadOptions::default()
        };
        let r = read_with(COVERAGE_PY, &opts).unwrap();
        assert!(r.file("proj/src/calc/core.py").is_some());
    }

    #[test]
    fn methods_are_functions_and_their_lines_do_not_count_twice() {
        let xml = r#"<coverage><sources><source>.</source></sources><packages><package name="p"><classes>
            <class name="lib" filename="src/lib.rs">
              <methods>
                <method name="main" signature="" line-rate="1"><lines><line number="1" hits="3"/></lines></method>
                <method name="unused" signature="()" line-rate="0"><lines><line number="5" hits="0"/><line number="4" hits="0"/></lines></method>
                <method name="empty" signature="" line-rate="0.5"/>
              </methods>
              <lines>
                <line number="1" hits="3" branch="false" condition-coverage="100% (0/0)"/>
                <line number="4" hits="0"/>
                <line number="5" hits="0"/>
              </lines>
            </class></classes></package></packages></coverage>"#;
        let r = read_ok(xml);
        let f = r.file("src/lib.rs").unwrap();
        assert_eq!(f.summary().lines, tally(3, 1));
        assert_eq!(f.summary().branches, tally(0, 0));
        assert_eq!(
            f.functions(),
            vec![
                (
                    "empty",
                    FunctionCoverage {
                        line: None,
                        count: 1
                    }
                ),
                (
                    "main",
                    FunctionCoverage {
                        line: Some(1),
                        count: 3
                    }
                ),
                (
                    "unused()",
                    FunctionCoverage {
                        line: Some(4),
                        count: 0
                    }
                ),
            ]
        );
    }

    #[test]
    fn same_file_in_two_packages_merges() {
        let xml = r#"<coverage><packages>
            <package name="a"><classes><class filename="x.c"><lines>
              <line number="1" hits="0" branch="true" condition-coverage="50% (1/2)"><conditions><condition number="0" type="jump" coverage="50%"/></conditions></line>
            </lines></class></classes></package>
            <package name="b"><classes><class filename="./x.c"><lines>
              <line number="1" hits="2" branch="true" condition-coverage="25% (1/4)"/>
              <line number="2" hits="0"/>
            </lines></class></classes></package>
        </packages></coverage>"#;
        let r = read_ok(xml);
        assert_eq!(r.file_count(), 1);
        let s = r.totals();
        assert_eq!((s.lines, s.branches), (tally(2, 1), tally(4, 1)));
        assert_eq!(r.file("x.c").unwrap().line_count(1), Some(2));
    }

    #[test]
    fn errors_name_the_line() {
        let bad = "<coverage>\n<packages><package><classes><class filename=\"a\"><lines>\n<line number=\"x\" hits=\"1\"/>\n</lines></class></classes></package></packages></coverage>";
        match read_with(bad, &ReadOptions::default()) {
            Err(EvidenceError::Malformed {
                line: 3, message, ..
            }) => assert!(message.contains("number")),
            other => panic!("{other:?}"),
        }
        let bad_cc = "<coverage><packages><package><classes><class filename=\"a\"><lines>\n\n<line number=\"1\" hits=\"1\" condition-coverage=\"50%\"/></lines></class></classes></package></packages></coverage>";
        assert!(matches!(
            read_with(bad_cc, &ReadOptions::default()),
            Err(EvidenceError::Malformed { line: 3, .. })
        ));
        let truncated = "<coverage><packages><package><classes><class filename=\"a\"><lines>\n<line number=\"1\" hits=\"1\"/>";
        assert!(matches!(
            read_with(truncated, &ReadOptions::default()),
            Err(EvidenceError::Malformed { .. })
        ));
        let mismatched = "<coverage><packages></package></coverage>";
        assert!(matches!(
            read_with(mismatched, &ReadOptions::default()),
            Err(EvidenceError::Malformed { .. })
        ));
    }

    #[test]
    fn other_xml_is_unknown_format() {
        for xml in [
            "<testsuites><testsuite/></testsuites>",
            "<?xml version=\"1.0\"?>",
            "not xml <",
            "",
        ] {
            assert!(
                matches!(
                    read_with(xml, &ReadOptions::default()),
                    Err(EvidenceError::UnknownFormat { .. })
                ),
                "{xml}"
            );
        }
    }

    #[test]
    fn condition_coverage_forms() {
        assert_eq!(parse_condition_coverage(b"50% (1/2)"), Some((1, 2)));
        assert_eq!(parse_condition_coverage(b"100% (0/0)"), Some((0, 0)));
        assert_eq!(parse_condition_coverage(b"66.67% (2/3)"), Some((2, 3)));
        assert_eq!(parse_condition_coverage(b"50%"), None);
        assert_eq!(parse_condition_coverage(b"50% (3/2)"), None);
        assert_eq!(parse_condition_coverage(b"1% (1/99999999)"), None);
    }
}
