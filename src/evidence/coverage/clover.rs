//! A streaming reader of Clover XML as written by istanbul/nyc
//! (`--reporter=clover`), `OpenClover` and `PHPUnit` (`--coverage-clover`)
//! (docs/formats.md, Clover XML).
//!
//! # What counts
//!
//! - Lines: each `<line type="stmt">` and `<line type="cond">` of a
//!   `<file>` is a line with `count` executions (Clover's statements; a
//!   line holding a condition is a statement line too, as every producer
//!   counts it). `<line type="method">` is a function, not a line.
//! - Branches: a `type="cond"` line has `truecount` and `falsecount`, and
//!   producers mean different things by them. `OpenClover` and `PHPUnit` count
//!   how often the condition was true and false: two outcomes, each
//!   covered when its count is above zero. istanbul writes the number of
//!   its branches on that line that were covered and not covered. The
//!   reader keeps a file's condition lines until `</file>` and takes the
//!   reading whose totals are nearer the file's own `<metrics
//!   conditionals coveredconditionals>` (the producer's figure; exact for
//!   both producers here); without metrics, Clover's own definition.
//! - Functions: `<line type="method">`, named by `name` (`PHPUnit`) or
//!   `signature` (`OpenClover`), hit when `count` is above zero. istanbul
//!   writes none, so its Clover files have no function figures.
//! - `<testproject>` (`OpenClover`'s coverage of the test sources) is not
//!   read: the producer's own project totals leave it out too.
//!
//! # Errors
//!
//! Not well-formed XML, a second root element, a truncated document, a
//! `<line>` without a whole-number `num` or `count` (or `truecount`,
//! `falsecount` on a condition), an unknown `type`, and a `<line>` outside
//! any `<file>` are [`EvidenceError::Malformed`] with the input's line.
//!
//! # Speed
//!
//! Most of a file is `<line/>` elements: inside a `<file>`, a plain one is
//! read straight from the input's buffer, a statement or condition line
//! to its values in one pass (`quick_line`), any other to its attributes
//! in one pass; quick-xml reads everything else. Both read every document
//! alike (identical output on a generated 100 MB file; callgrind, whole
//! process, 10 MB: 961 M -> 157 M instructions).

use std::borrow::Cow;
use std::io::BufRead;
use std::path::Path;

use quick_xml::events::{BytesStart, Event};

use super::cobertura::LineCounter;
use super::paths::{impossible_name, leaves_root, PathNormalizer};
use super::{BranchKey, BranchName, CoverageReport, FileCoverage, ReadOptions};
use crate::evidence::detect::{coverage_child_dialect, dialect_name, XmlDialect};
use crate::evidence::text::digits_then;
use crate::evidence::xml::{self, skip_space};
use crate::evidence::EvidenceError;

/// Reads one Clover XML document from `input` into `into`, merging with
/// what is there. `source` names the input in errors.
///
/// On error `into` may hold part of the input.
pub fn read_clover<R: BufRead>(
    input: R,
    source: &Path,
    opts: &ReadOptions,
    into: &mut CoverageReport,
) -> Result<(), EvidenceError> {
    let mut reader = quick_xml::Reader::from_reader(LineCounter::new(input));
    let mut state = State {
        paths: PathNormalizer::new(opts.root(), &opts.strip_prefix),
        report: into,
        depth: 0,
        root_seen: false,
        first_child: true,
        skip_depth: None,
        file: None,
    };
    let mut buf = Vec::new();
    // Whether the parser stands between markup (its last event was an
    // element), where a plain `<line .../>` may be read without it. This
    // buffer path is the Sonar reader's too, written out in each: shared
    // as one helper (a closure, or two calls around the element) it cost
    // 3% more instructions per file, the state leaving registers.
    let mut between_elements = false;
    loop {
        // Inside a `<file>` (and outside `<testproject>`), where a `<line>`
        // is counted and the first-child check is behind.
        if between_elements && state.file.is_some() && state.skip_depth.is_none() {
            let input = reader.get_mut();
            let available = match input.fill_buf() {
                Ok(available) => available,
                Err(e) => {
                    return Err(EvidenceError::Malformed {
                        path: source.to_path_buf(),
                        line: reader.get_ref().line(),
                        message: format!("not well-formed XML: {e}"),
                    })
                }
            };
            if let Some((found, len)) = plain_line(available) {
                let result = match found {
                    PlainLine::Values(values) => state.line_values(&values),
                    PlainLine::Attributes(found) => state.line_attributes(found),
                };
                input.consume(len);
                if let Err(message) = result {
                    return Err(EvidenceError::Malformed {
                        path: source.to_path_buf(),
                        line: reader.get_ref().line(),
                        message,
                    });
                }
                continue;
            }
        }
        buf.clear();
        let event = reader.read_event_into(&mut buf);
        between_elements = matches!(event, Ok(Event::Start(_) | Event::Empty(_) | Event::End(_)));
        let result = match event {
            Ok(Event::Start(e)) => state.start(&e).map(|()| state.depth += 1),
            Ok(Event::Empty(e)) => state.start(&e).map(|()| state.end(e.name().as_ref())),
            Ok(Event::End(e)) => {
                state.depth = state.depth.saturating_sub(1);
                state.end(e.name().as_ref());
                Ok(())
            }
            Ok(Event::Eof) => break,
            Ok(_) => Ok(()),
            Err(e) => Err(format!("not well-formed XML: {e}")),
        };
        if let Err(message) = result {
            return Err(EvidenceError::Malformed {
                path: source.to_path_buf(),
                line: reader.get_ref().line(),
                message,
            });
        }
    }
    let message = if !state.root_seen {
        "no XML root element (expected Clover's <coverage>)"
    } else if state.depth > 0 {
        "the document ends before `</coverage>` (truncated file?)"
    } else {
        return Ok(());
    };
    Err(EvidenceError::Malformed {
        path: source.to_path_buf(),
        line: reader.get_ref().line(),
        message: message.into(),
    })
}

/// The `<file>` being read.
struct File {
    path: String,
    coverage: FileCoverage,
    /// The file's `<metrics conditionals coveredconditionals>`, if given.
    metrics: Option<(u64, u64)>,
    /// `(line, truecount, falsecount)` of each condition line.
    conditions: Vec<(u32, u64, u64)>,
}

struct State<'a> {
    paths: PathNormalizer,
    report: &'a mut CoverageReport,
    depth: usize,
    root_seen: bool,
    first_child: bool,
    /// Depth of an element whose content is not read (`<testproject>`).
    skip_depth: Option<usize>,
    file: Option<File>,
}

impl State<'_> {
    fn start(&mut self, e: &BytesStart<'_>) -> Result<(), String> {
        let name = e.local_name();
        let name = name.as_ref();
        if self.depth == 0 {
            if self.root_seen {
                return Err(format!(
                    "a second root element <{}> after `</coverage>`",
                    String::from_utf8_lossy(name)
                ));
            }
            if name != b"coverage" {
                return Err(format!(
                    "XML with root element <{}>, not Clover's <coverage>",
                    String::from_utf8_lossy(name)
                ));
            }
            self.root_seen = true;
            return Ok(());
        }
        if self.skip_depth.is_some() {
            return Ok(());
        }
        if self.depth == 1 && std::mem::take(&mut self.first_child) {
            let dialect = coverage_child_dialect(name);
            if dialect != XmlDialect::Clover && name != b"testproject" {
                return Err(format!(
                    "this is {}, not Clover XML",
                    dialect_name(&dialect)
                ));
            }
        }
        match name {
            b"testproject" => self.skip_depth = Some(self.depth),
            b"file" => {
                let raw = attr(e, b"path")?
                    .or(attr(e, b"name")?)
                    .ok_or_else(|| "<file> without a `path` or `name`".to_owned())?;
                if let Some(why) = impossible_name(&raw) {
                    return Err(why);
                }
                let path = self.paths.normalize(&raw);
                if leaves_root(&path) {
                    return Err(format!(
                        "<file path=\"{raw}\"> is `{path}` relative to the repository root, outside it: \
                         run the coverage tool from the repository root or pass --strip-prefix"
                    ));
                }
                let (path, coverage) = self.report.take_file(path);
                self.file = Some(File {
                    path,
                    coverage,
                    metrics: None,
                    conditions: Vec::new(),
                });
            }
            b"metrics" => {
                if let Some(file) = self.file.as_mut() {
                    let conditionals = attr(e, b"conditionals")?;
                    let covered = attr(e, b"coveredconditionals")?;
                    if let (Some(c), Some(cc)) = (conditionals, covered) {
                        file.metrics = Some((
                            count(&c, "conditionals")?,
                            count(&cc, "coveredconditionals")?,
                        ));
                    }
                }
            }
            b"line" => self.line(e)?,
            _ => {}
        }
        Ok(())
    }

    fn end(&mut self, name: &[u8]) {
        if self.skip_depth == Some(self.depth) {
            self.skip_depth = None;
            return;
        }
        if self.skip_depth.is_some() {
            return;
        }
        if name == b"file" {
            if let Some(mut file) = self.file.take() {
                add_conditions(&mut file);
                self.report.put_file(file.path, file.coverage);
            }
        }
    }

    fn line(&mut self, e: &BytesStart<'_>) -> Result<(), String> {
        let found = match LineAttributes::plain(e.attributes_raw()) {
            Some(found) => found,
            None => LineAttributes::general(e)?,
        };
        self.line_attributes(found)
    }

    /// Counts a `<line>` read by [`quick_line`].
    fn line_values(&mut self, values: &LineValues) -> Result<(), String> {
        let Some(file) = self.file.as_mut() else {
            return Err("<line> outside any <file>".into());
        };
        file.coverage.add_line(values.num, values.hits);
        if let Some((t, f)) = values.condition {
            file.conditions.push((values.num, t, f));
        }
        Ok(())
    }

    /// Counts one `<line>`, however its attributes were read.
    fn line_attributes(&mut self, found: LineAttributes<'_>) -> Result<(), String> {
        let Some(file) = self.file.as_mut() else {
            return Err("<line> outside any <file>".into());
        };
        let num = found.num.ok_or("<line> without `num`")?;
        let num = u32::try_from(count(&num, "num")?)
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("<line num={num:?}>: not a line number"))?;
        let hits = found.count.ok_or("<line> without `count`")?;
        let hits = count(&hits, "count")?;
        match found.kind.as_deref().unwrap_or("stmt") {
            "stmt" => file.coverage.add_line(num, hits),
            "cond" => {
                file.coverage.add_line(num, hits);
                let t = found
                    .truecount
                    .ok_or("<line type=\"cond\"> without `truecount`")?;
                let f = found
                    .falsecount
                    .ok_or("<line type=\"cond\"> without `falsecount`")?;
                file.conditions
                    .push((num, count(&t, "truecount")?, count(&f, "falsecount")?));
            }
            "method" => {
                let name = match (found.name, found.signature) {
                    (Some(n), _) | (None, Some(n)) if !n.trim().is_empty() => n,
                    _ => Cow::Owned(format!("method at line {num}")),
                };
                file.coverage.add_function(&name, Some(num), hits);
            }
            other => {
                return Err(format!(
                    "<line type={other:?}>: expected stmt, cond or method"
                ))
            }
        }
        Ok(())
    }
}

/// The attributes of a `<line>` that count, as text.
struct LineAttributes<'a> {
    num: Option<Cow<'a, str>>,
    count: Option<Cow<'a, str>>,
    kind: Option<Cow<'a, str>>,
    truecount: Option<Cow<'a, str>>,
    falsecount: Option<Cow<'a, str>>,
    name: Option<Cow<'a, str>>,
    signature: Option<Cow<'a, str>>,
}

impl<'a> LineAttributes<'a> {
    /// Read in one pass when every attribute is plain (see
    /// [`xml::plain_attributes`]) and each value used reads as itself;
    /// `None` leaves the element to [`Self::general`], and both read every
    /// element alike (issue 14: five searches and five `String`s per
    /// `<line>` were 40% of a Clover file's cost).
    fn plain(raw: &'a [u8]) -> Option<Self> {
        let text = xml::plain_texts(
            raw,
            [
                b"num",
                b"count",
                b"type",
                b"truecount",
                b"falsecount",
                b"name",
                b"signature",
            ],
        )?;
        let [num, count, kind, truecount, falsecount, name, signature] = text;
        Some(Self {
            num,
            count,
            kind,
            truecount,
            falsecount,
            name,
            signature,
        })
    }

    /// Read by quick-xml, each attribute unescaped, after every attribute
    /// is checked: a key given twice is malformed, as in the other XML
    /// readers (quick-xml's search for one key stops at its first).
    fn general(e: &BytesStart<'_>) -> Result<Self, String> {
        xml::check_attributes(e).map_err(|err| format!("<line>: {err}"))?;
        Ok(Self {
            num: attr(e, b"num")?.map(Cow::Owned),
            count: attr(e, b"count")?.map(Cow::Owned),
            kind: attr(e, b"type")?.map(Cow::Owned),
            truecount: attr(e, b"truecount")?.map(Cow::Owned),
            falsecount: attr(e, b"falsecount")?.map(Cow::Owned),
            name: attr(e, b"name")?.map(Cow::Owned),
            signature: attr(e, b"signature")?.map(Cow::Owned),
        })
    }
}

/// A plain `<line .../>` at the start of `available`, after any
/// whitespace: its attributes and the bytes it takes (whitespace
/// included), without consuming them; `None` for anything else, or for
/// an element running past the buffer, which quick-xml then reads. As
/// the `SonarQube` reader's `<lineToCover>`: the element ends at its
/// first `>`, `/>` closes it, and [`LineAttributes::plain`] accepts what
/// lies between (plain `key="value"` pairs, so no `>` was inside a value).
fn plain_line(available: &[u8]) -> Option<(PlainLine<'_>, usize)> {
    let lead = skip_space(available, 0);
    let rest = available.get(lead..)?;
    if let Some((values, len)) = quick_line(rest) {
        return Some((PlainLine::Values(values), lead + len));
    }
    let (raw, len) = xml::empty_element(rest, b"line")?;
    LineAttributes::plain(raw).map(|found| (PlainLine::Attributes(found), lead + len))
}

/// What [`plain_line`] found.
enum PlainLine<'a> {
    /// A statement or condition line read to its values by [`quick_line`].
    Values(LineValues),
    /// Read to the attribute values by [`LineAttributes::plain`].
    Attributes(LineAttributes<'a>),
}

/// A statement or condition `<line>` read to its values.
struct LineValues {
    num: u32,
    hits: u64,
    /// `(truecount, falsecount)` of a condition line.
    condition: Option<(u64, u64)>,
}

/// The commonest `<line/>`, a statement or a condition, read to its values
/// in one pass ([`xml::quick_numbers`]): only `num`, `count`, `type`
/// (`stmt` or `cond`), `truecount` and `falsecount`, as plain digits; a
/// condition with both counts. Anything else (a method line, another
/// attribute, a value [`State::line_attributes`] would refuse) is `None`,
/// and the general path reads it: both read what this accepts alike.
fn quick_line(s: &[u8]) -> Option<(LineValues, usize)> {
    let keys: [&[u8]; 5] = [b"num", b"count", b"type", b"truecount", b"falsecount"];
    let ([num, hits, kind, t, f], len) =
        xml::quick_numbers(s, b"line", keys, |key, value| match key {
            2 if value.starts_with(b"stmt\"") => Some((0, 5)),
            2 if value.starts_with(b"cond\"") => Some((1, 5)),
            2 => None,
            0 => digits_then(value, b'"', 10),
            _ => digits_then(value, b'"', 19),
        })?;
    let num = u32::try_from(num?).ok().filter(|n| *n > 0)?;
    let condition = match kind {
        Some(1) => Some((t?, f?)),
        _ => None,
    };
    Some((
        LineValues {
            num,
            hits: hits?,
            condition,
        },
        len,
    ))
}

/// Adds a file's condition lines as branches, in the reading nearer the
/// file's own metrics (see the module doc).
fn add_conditions(file: &mut File) {
    if file.conditions.is_empty() {
        return;
    }
    // Reading A, Clover's definition: two outcomes per condition.
    let clover = file
        .conditions
        .iter()
        .fold((0, 0), |(found, hit), &(_, t, f)| {
            (found + 2, hit + u64::from(t > 0) + u64::from(f > 0))
        });
    // Reading B, istanbul's: `t` covered and `f` uncovered branches.
    let istanbul = file
        .conditions
        .iter()
        .fold((0u64, 0u64), |(found, hit), &(_, t, f)| {
            (
                found.saturating_add(t).saturating_add(f),
                hit.saturating_add(t),
            )
        });
    let distance =
        |(found, hit): (u64, u64), (c, cc): (u64, u64)| found.abs_diff(c) + hit.abs_diff(cc);
    let use_istanbul = file
        .metrics
        .is_some_and(|m| distance(istanbul, m) < distance(clover, m));
    for &(line, t, f) in &file.conditions {
        let (outcomes, covered) = if use_istanbul {
            (t.saturating_add(f), t)
        } else {
            (2, u64::from(t > 0) + u64::from(f > 0))
        };
        // A corrupt count must not allocate without bound.
        let outcomes = u32::try_from(outcomes.min(1 << 16)).unwrap_or(1 << 16);
        for i in 0..outcomes {
            let taken = if use_istanbul {
                u64::from(u64::from(i) < covered)
            } else if i == 0 {
                t
            } else {
                f
            };
            let key = BranchKey {
                line,
                block: 0,
                branch: BranchName::Index(i),
            };
            file.coverage.add_branch(key, Some(taken));
        }
    }
}

/// A whole, non-negative number (spaces around allowed); anything else is
/// malformed, never read as 0.
pub(super) fn count(value: &str, what: &str) -> Result<u64, String> {
    let digits = value.trim();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{what}={value:?}: not a whole non-negative number"));
    }
    digits
        .parse()
        .map_err(|_| format!("{what}={value:?}: too large"))
}

/// An attribute's unescaped value, if present.
pub(super) fn attr(e: &BytesStart<'_>, key: &[u8]) -> Result<Option<String>, String> {
    let Some(a) = e
        .try_get_attribute(key)
        .map_err(|err| format!("bad attribute: {err}"))?
    else {
        return Ok(None);
    };
    xml::attribute_value(&a)
        .map(|v| Some(v.into_owned()))
        .map_err(|err| format!("bad value of `{}`: {err}", String::from_utf8_lossy(key)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)] // a test that cannot read its input should stop loudly
mod tests {
    use super::*;
    use crate::evidence::coverage::Tally;

    fn read(input: &str) -> Result<CoverageReport, EvidenceError> {
        let mut report = CoverageReport::new();
        read_clover(
            input.as_bytes(),
            Path::new("clover.xml"),
            &ReadOptions::default(),
            &mut report,
        )?;
        Ok(report)
    }

    fn t(found: u64, hit: u64) -> Tally {
        Tally { found, hit }
    }

    /// Shaped like `OpenClover` 4 output (hand-written: no `OpenClover` here).
    const OPENCLOVER: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<coverage generated="1" clover="4.5.2">
  <project name="demo" timestamp="1">
    <metrics statements="3" coveredstatements="2" conditionals="2" coveredconditionals="1" methods="2" coveredmethods="1"/>
    <package name="p">
      <file name="A.java" path="src/p/A.java">
        <metrics statements="3" coveredstatements="2" conditionals="2" coveredconditionals="1" methods="2" coveredmethods="1"/>
        <line num="3" count="4" type="method" signature="run() : void"/>
        <line num="4" count="4" type="cond" truecount="4" falsecount="0"/>
        <line num="5" count="4" type="stmt"/>
        <line num="7" count="0" type="method" signature="idle() : void"/>
        <line num="8" count="0" type="stmt"/>
      </file>
    </package>
  </project>
  <testproject name="demo" timestamp="1">
    <file name="ATest.java" path="test/p/ATest.java"><line num="1" count="1" type="stmt"/></file>
  </testproject>
</coverage>"#;

    #[test]
    fn openclover_counts_true_and_false_outcomes() {
        let r = read(OPENCLOVER).unwrap();
        assert_eq!(r.file_count(), 1, "testproject is not read");
        let s = r.file("src/p/A.java").unwrap().summary();
        assert_eq!(
            (s.lines, s.branches, s.functions),
            (t(3, 2), t(2, 1), t(2, 1))
        );
    }

    #[test]
    fn istanbul_counts_covered_and_uncovered_branches_when_its_metrics_say_so() {
        let xml = r#"<coverage generated="1" clover="3.2.0"><project name="All files"><file name="a.js" path="/x/a.js">
            <metrics statements="2" coveredstatements="1" conditionals="4" coveredconditionals="3"/>
            <line num="1" count="1" type="cond" truecount="3" falsecount="1"/>
            <line num="2" count="0" type="stmt"/></file></project></coverage>"#;
        let s = read(xml).unwrap().totals();
        assert_eq!(
            (s.lines, s.branches, s.functions),
            (t(2, 1), t(4, 3), t(0, 0))
        );
    }

    #[test]
    fn a_line_attribute_given_twice_is_malformed_on_either_path() {
        // Neither reading of `<line>` may choose one of the two counts: the
        // plain one leaves the element to quick-xml, which refuses it.
        for line in [
            r#"<line num="1" count="0" count="5" type="stmt"/>"#,
            r#"<line num="1" count="0" count="&#53;" type="stmt"/>"#,
            r#"<line num="1" num="2" count="1" type="stmt"></line>"#,
        ] {
            let xml = format!(
                "<coverage clover=\"3.2.0\"><project>\n<file path=\"a.js\">\n{line}</file></project></coverage>"
            );
            let err = read(&xml).unwrap_err().to_string();
            assert!(err.contains("clover.xml:3"), "{line}: {err}");
            assert!(
                err.contains("<line>") && err.contains("duplicat"),
                "{line}: {err}"
            );
        }
    }

    #[test]
    fn plain_and_escaped_lines_read_alike() {
        let doc = |lines: &str| {
            format!(
                "<coverage clover=\"3.2.0\"><project><package name=\"p\"><file path=\"a.js\">{lines}</file></package></project></coverage>"
            )
        };
        // Each pair: one read straight from the buffer, one (an entity,
        // spacing, an end tag) left to quick-xml.
        for (plain, general) in [
            (
                r#"<line num="5" count="3" type="stmt"/>"#,
                r#"<line num="&#53;" count="3" type="stmt"/>"#,
            ),
            (
                r#"<line num="5" count="0" type="cond" truecount="1" falsecount="0"/>"#,
                r#"<line num="5" count="0" type="cond" truecount="&#49;" falsecount="0"/>"#,
            ),
            (
                r#"<line num="5" count="2" type="method" name="f" signature="f()"/>"#,
                r#"<line num = "5" count="2" type="method" name="f" signature="f()"/>"#,
            ),
            (
                r#"<line num="5" count="2" type="method" name=" " signature="g(a)"/>"#,
                r#"<line num="5" count="2" type="method" name=" " signature="g(a)"></line>"#,
            ),
            (
                r#"<line num="5" count="1"/>"#,
                r#"<line num="5" count="&#49;"/>"#,
            ),
        ] {
            assert!(plain_line(plain.as_bytes()).is_some(), "{plain}");
            assert!(plain_line(general.as_bytes()).is_none(), "{general}");
            let a = read(&doc(plain)).unwrap_or_else(|e| panic!("{plain}: {e}"));
            let b = read(&doc(general)).unwrap_or_else(|e| panic!("{general}: {e}"));
            let (a, b) = (a.file("a.js").unwrap(), b.file("a.js").unwrap());
            assert_eq!(a.summary(), b.summary(), "{plain}");
            assert_eq!(a.line_count(5), b.line_count(5), "{plain}");
        }
        // Statement and condition lines are read to their values, the
        // rest to their attributes.
        for (line, quick) in [
            (r#"<line num="5" count="3" type="stmt"/>"#, true),
            (r#"<line num="5" count="3"/>"#, true),
            (
                r#"<line num="5" count="0" type="cond" truecount="1" falsecount="0"/>"#,
                true,
            ),
            (
                r#"<line num="5" count="0" type="cond" truecount="1"/>"#,
                false,
            ),
            (r#"<line num="5" count="2" type="method" name="f"/>"#, false),
            (r#"<line num="5" count="2" type="stmt" x="1"/>"#, false),
        ] {
            let found = plain_line(line.as_bytes()).map(|(found, _)| found);
            assert_eq!(matches!(found, Some(PlainLine::Values(_))), quick, "{line}");
        }
        // Errors name the same line either way.
        for bad in [
            "<line num=\"0\" count=\"1\"/>",
            "<line num=\"&#48;\" count=\"1\"/>",
        ] {
            let e = read(&doc(&format!("\n{bad}\n"))).unwrap_err().to_string();
            assert!(
                e.contains("clover.xml:2:") && e.contains("not a line number"),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn bad_input_is_malformed_with_its_line() {
        let wrap = |line: &str| {
            format!("<coverage clover=\"3\"><project><file path=\"a\">\n{line}\n</file></project></coverage>")
        };
        for bad in [
            r#"<line num="1" count="-1" type="stmt"/>"#,
            r#"<line num="1" count="NaN" type="stmt"/>"#,
            r#"<line num="0" count="1" type="stmt"/>"#,
            r#"<line count="1" type="stmt"/>"#,
            r#"<line num="1" count="1" type="cond" truecount="1"/>"#,
            r#"<line num="1" count="1" type="branch"/>"#,
        ] {
            match read(&wrap(bad)) {
                Err(EvidenceError::Malformed { line: 2, .. }) => {}
                other => panic!("{bad}: {other:?}"),
            }
        }
        for bad in [
            "<coverage clover=\"3\"><project><file path=\"a\">",
            "<coverage clover=\"3\"><project/></coverage><coverage/>",
            "<coverage clover=\"3\"><project><line num=\"1\" count=\"1\"/></project></coverage>",
            "<coverage><sources/><packages/></coverage>",
        ] {
            assert!(
                matches!(read(bad), Err(EvidenceError::Malformed { .. })),
                "{bad}"
            );
        }
        let err = read("<coverage><packages/></coverage>")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("this is Cobertura XML, not Clover XML"),
            "{err}"
        );
    }
}
