//! A streaming reader of `SonarQube`'s generic coverage XML
//! (`sonar.coverageReportPaths`; docs/formats.md, `SonarQube` generic coverage).
//!
//! `<coverage version="1">` holds `<file path>` elements, each holding
//! `<lineToCover lineNumber covered [branchesToCover coveredBranches]/>`.
//! A line is hit when `covered="true"`; `branchesToCover` outcomes exist on
//! the line, of which `coveredBranches` were taken (`SonarQube` does not say
//! which, so they are branches `0..n` of block 0 with the first ones taken,
//! as for Cobertura's `condition-coverage`). The format has no functions.
//!
//! `SonarQube` itself rejects a file that breaks the format, and so does
//! this reader: a version other than 1, an element other than `<file>` and
//! `<lineToCover>` in their places, `covered` other than `true`/`false`, a
//! line number below 1, `coveredBranches` above `branchesToCover`, a second
//! root element or a truncated document is [`EvidenceError::Malformed`],
//! naming the input's line.
//!
//! Most of a file is `<lineToCover/>` elements: between elements inside a
//! `<file>`, a plain one is read straight from the input's buffer
//! (`quick_line_to_cover` to its values, or its attributes in one pass),
//! and quick-xml reads everything else. Both read every document alike
//! (identical output on a generated 100 MB file; callgrind, 10 MB:
//! 526 M -> 123 M instructions for the whole process).

use std::borrow::Cow;
use std::io::BufRead;
use std::path::Path;

use quick_xml::events::{BytesStart, Event};

use super::clover::{attr, count};
use super::cobertura::LineCounter;
use super::paths::{impossible_name, leaves_root, PathNormalizer};
use super::{BranchKey, BranchName, CoverageReport, FileCoverage, ReadOptions};
use crate::evidence::text::digits_then;
use crate::evidence::xml::{self, skip_space};
use crate::evidence::EvidenceError;

/// More branch outcomes on one line than this is a corrupt file.
const MAX_BRANCHES_PER_LINE: u64 = 1 << 16;

/// Reads one `SonarQube` generic coverage document from `input` into `into`,
/// merging with what is there. `source` names the input in errors.
///
/// On error `into` may hold part of the input.
pub fn read_sonar<R: BufRead>(
    input: R,
    source: &Path,
    opts: &ReadOptions,
    into: &mut CoverageReport,
) -> Result<(), EvidenceError> {
    let mut reader = quick_xml::Reader::from_reader(LineCounter::new(input));
    let mut paths = PathNormalizer::new(opts.root(), &opts.strip_prefix);
    let mut depth = 0usize;
    let mut root_seen = false;
    let mut file: Option<(String, FileCoverage)> = None;
    let mut buf = Vec::new();
    // Whether the parser stands between markup (its last event was an
    // element), where a plain `<lineToCover .../>` may be read without it
    // (the buffer path the Clover reader writes out too, and why not as
    // one helper: see there).
    let mut between_elements = false;
    loop {
        if between_elements && depth == 2 {
            if let Some((_, coverage)) = file.as_mut() {
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
                if let Some((found, len)) = plain_line_to_cover(available) {
                    let result = match found {
                        PlainLine::Values(values) => {
                            values.add_to(coverage);
                            Ok(())
                        }
                        PlainLine::Attributes(found) => add_line_to_cover(found, coverage),
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
        }
        buf.clear();
        let event = reader.read_event_into(&mut buf);
        between_elements = matches!(event, Ok(Event::Start(_) | Event::Empty(_) | Event::End(_)));
        let result = match event {
            Ok(Event::Start(e)) => {
                let r = start(&e, depth, &mut root_seen, &mut file, &mut paths, into);
                depth += 1;
                r
            }
            Ok(Event::Empty(e)) => {
                let r = start(&e, depth, &mut root_seen, &mut file, &mut paths, into);
                if depth == 1 {
                    close_file(&mut file, into);
                }
                r
            }
            Ok(Event::End(_)) => {
                depth = depth.saturating_sub(1);
                if depth == 1 {
                    close_file(&mut file, into);
                }
                Ok(())
            }
            Ok(Event::Text(t)) if !t.iter().all(u8::is_ascii_whitespace) => {
                Err("text where SonarQube generic coverage has only elements".into())
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
    let message = if !root_seen {
        "no XML root element (expected SonarQube's <coverage version=\"1\">)"
    } else if depth > 0 {
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

fn close_file(file: &mut Option<(String, FileCoverage)>, into: &mut CoverageReport) {
    if let Some((path, coverage)) = file.take() {
        into.put_file(path, coverage);
    }
}

/// An element opens at `depth` (0 for the root).
fn start(
    e: &BytesStart<'_>,
    depth: usize,
    root_seen: &mut bool,
    file: &mut Option<(String, FileCoverage)>,
    paths: &mut PathNormalizer,
    into: &mut CoverageReport,
) -> Result<(), String> {
    let name = e.local_name();
    let name = String::from_utf8_lossy(name.as_ref());
    match (depth, name.as_ref()) {
        (0, _) if *root_seen => Err(format!(
            "a second root element <{name}> after `</coverage>`"
        )),
        (0, "coverage") => {
            *root_seen = true;
            match attr(e, b"version")?.as_deref().map(str::trim) {
                Some("1") => Ok(()),
                other => Err(format!(
                    "<coverage version={other:?}>: SonarQube generic coverage is version \"1\""
                )),
            }
        }
        (0, _) => Err(format!(
            "XML with root element <{name}>, not SonarQube's <coverage>"
        )),
        (1, "file") => {
            let raw = attr(e, b"path")?.ok_or("<file> without a `path`")?;
            if let Some(why) = impossible_name(&raw) {
                return Err(why);
            }
            let path = paths.normalize(&raw);
            if leaves_root(&path) {
                return Err(format!(
                    "<file path=\"{raw}\"> is `{path}` relative to the repository root, outside it: \
                     write paths relative to the repository root (SonarQube's rule) or pass --strip-prefix"
                ));
            }
            *file = Some(into.take_file(path));
            Ok(())
        }
        (2, "lineToCover") => {
            let Some((_, coverage)) = file.as_mut() else {
                return Err("<lineToCover> outside any <file>".into());
            };
            line_to_cover(e, coverage)
        }
        _ => Err(format!(
            "unexpected <{name}> (SonarQube generic coverage has <file> in <coverage>, <lineToCover> in <file>)"
        )),
    }
}

/// The attributes of a `<lineToCover>` that count, as text.
#[derive(Default)]
struct LineToCover<'a> {
    number: Option<Cow<'a, str>>,
    covered: Option<Cow<'a, str>>,
    to_cover: Option<Cow<'a, str>>,
    taken: Option<Cow<'a, str>>,
}

impl<'a> LineToCover<'a> {
    /// Read in one pass when every attribute is plain (see
    /// [`xml::plain_attributes`]) and each value used reads as itself;
    /// `None` leaves the element to [`Self::general`]. Both read every
    /// document alike: this only skips the per-key searches and copies
    /// (issue 14: Sonar's reader was a quarter of Cobertura's speed).
    fn plain(e: &'a BytesStart<'_>) -> Option<Self> {
        Self::plain_raw(e.attributes_raw())
    }

    /// [`Self::plain`] of an element's attribute bytes.
    fn plain_raw(raw: &'a [u8]) -> Option<Self> {
        let text = xml::plain_texts(
            raw,
            [
                b"lineNumber",
                b"covered",
                b"branchesToCover",
                b"coveredBranches",
            ],
        )?;
        let [number, covered, to_cover, taken] = text;
        Some(Self {
            number,
            covered,
            to_cover,
            taken,
        })
    }

    /// Read by quick-xml, each attribute unescaped, after every attribute
    /// is checked: a key given twice is malformed, as in the other XML
    /// readers (quick-xml's search for one key stops at its first).
    fn general(e: &BytesStart<'_>) -> Result<Self, String> {
        xml::check_attributes(e).map_err(|err| format!("<lineToCover>: {err}"))?;
        Ok(Self {
            number: attr(e, b"lineNumber")?.map(Cow::Owned),
            covered: attr(e, b"covered")?.map(Cow::Owned),
            to_cover: attr(e, b"branchesToCover")?.map(Cow::Owned),
            taken: attr(e, b"coveredBranches")?.map(Cow::Owned),
        })
    }
}

/// A plain `<lineToCover .../>` at the start of `available`, after any
/// whitespace: its attributes and the bytes it takes (whitespace
/// included), without consuming them; `None` for anything else, or for an
/// element running past the buffer, which quick-xml then reads.
///
/// Most of a Sonar file is these elements, and quick-xml's general element
/// reader (a quote-aware search, a copy into its buffer, an event) cost
/// more than the reading of the line itself, as in Cobertura's `<line>`.
/// Taken is only what reads identically: the element ends at its first
/// `>`, `/>` closes it, and [`LineToCover::plain_raw`] accepts what lies
/// between (plain `key="value"` pairs, so no `>` was inside a value).
/// Called only where the parser stands between elements inside a
/// `<file>`, where it would skip the whitespace too.
fn plain_line_to_cover(available: &[u8]) -> Option<(PlainLine<'_>, usize)> {
    let lead = skip_space(available, 0);
    if let Some((values, len)) = quick_line_to_cover(&available[lead..]) {
        return Some((PlainLine::Values(values), lead + len));
    }
    let (raw, len) = xml::empty_element(available.get(lead..)?, b"lineToCover")?;
    LineToCover::plain_raw(raw).map(|found| (PlainLine::Attributes(found), lead + len))
}

/// What [`plain_line_to_cover`] found.
enum PlainLine<'a> {
    /// Read to the values by [`quick_line_to_cover`].
    Values(LineValues),
    /// Read to the attribute values by [`LineToCover::plain_raw`].
    Attributes(LineToCover<'a>),
}

/// A `<lineToCover>` read to its values.
struct LineValues {
    line: u32,
    covered: bool,
    /// `(branchesToCover, coveredBranches)`, within their limits.
    branches: Option<(u64, u64)>,
}

impl LineValues {
    fn add_to(&self, coverage: &mut FileCoverage) {
        coverage.add_line(self.line, u64::from(self.covered));
        if let Some((to_cover, taken)) = self.branches {
            add_branches(coverage, self.line, to_cover, taken);
        }
    }
}

/// The commonest `<lineToCover/>`, read to its values in one pass:
/// `<lineToCover`, then the four known attributes only, each written
/// `key="value"` after whitespace and at most once, `lineNumber` and the
/// branch counts as plain digits, `covered` as `true` or `false`, and
/// `/>`; every value within what [`add_line_to_cover`] accepts. Anything
/// else is `None`, and the general path reads it (and says what is
/// wrong): both read what this accepts alike (issue 14: the attribute
/// scan, the UTF-8 checks and the number parsing of the plain path were
/// half of a Sonar file's instructions).
fn quick_line_to_cover(s: &[u8]) -> Option<(LineValues, usize)> {
    let keys: [&[u8]; 4] = [
        b"lineNumber",
        b"covered",
        b"branchesToCover",
        b"coveredBranches",
    ];
    let ([line, covered, to_cover, taken], i) =
        xml::quick_numbers(s, b"lineToCover", keys, |key, value| match key {
            1 if value.starts_with(b"true\"") => Some((1, 5)),
            1 if value.starts_with(b"false\"") => Some((0, 6)),
            1 => None,
            0 => digits_then(value, b'"', 10),
            _ => digits_then(value, b'"', 19),
        })?;
    let line = u32::try_from(line?).ok().filter(|n| *n > 0)?;
    let branches = match (to_cover, taken) {
        (None, None) => None,
        (Some(n), c) => {
            let c = c.unwrap_or(0);
            if c > n || n > MAX_BRANCHES_PER_LINE {
                return None;
            }
            Some((n, c))
        }
        (None, Some(_)) => return None,
    };
    Some((
        LineValues {
            line,
            covered: covered? == 1,
            branches,
        },
        i,
    ))
}

fn line_to_cover(e: &BytesStart<'_>, coverage: &mut FileCoverage) -> Result<(), String> {
    let found = match LineToCover::plain(e) {
        Some(found) => found,
        None => LineToCover::general(e)?,
    };
    add_line_to_cover(found, coverage)
}

/// Counts one `<lineToCover>`, however its attributes were read.
fn add_line_to_cover(found: LineToCover<'_>, coverage: &mut FileCoverage) -> Result<(), String> {
    let number = found.number.ok_or("<lineToCover> without `lineNumber`")?;
    let line = u32::try_from(count(&number, "lineNumber")?)
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("lineNumber={number:?}: not a line number"))?;
    let covered = match found.covered.as_deref().map(str::trim) {
        Some("true") => 1,
        Some("false") => 0,
        other => return Err(format!("covered={other:?}: expected \"true\" or \"false\"")),
    };
    coverage.add_line(line, covered);
    let (to_cover, taken) = match (found.to_cover, found.taken) {
        (None, None) => return Ok(()),
        (Some(n), c) => (
            count(&n, "branchesToCover")?,
            c.map_or(Ok(0), |c| count(&c, "coveredBranches"))?,
        ),
        (None, Some(_)) => return Err("coveredBranches without branchesToCover".into()),
    };
    if taken > to_cover || to_cover > MAX_BRANCHES_PER_LINE {
        return Err(format!(
            "coveredBranches={taken} of branchesToCover={to_cover}: not possible"
        ));
    }
    add_branches(coverage, line, to_cover, taken);
    Ok(())
}

/// `to_cover` branch outcomes on `line`, the first `taken` of them taken
/// (`SonarQube` does not say which); `to_cover` is within
/// [`MAX_BRANCHES_PER_LINE`].
fn add_branches(coverage: &mut FileCoverage, line: u32, to_cover: u64, taken: u64) {
    for i in 0..to_cover {
        let key = BranchKey {
            line,
            block: 0,
            // Bounded by MAX_BRANCHES_PER_LINE, as the callers check.
            branch: BranchName::Index(u32::try_from(i).unwrap_or(u32::MAX)),
        };
        coverage.add_branch(key, Some(u64::from(i < taken)));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)] // a test that cannot read its input should stop loudly
mod tests {
    use super::*;
    use crate::evidence::coverage::Tally;

    fn read(input: &str) -> Result<CoverageReport, EvidenceError> {
        let mut report = CoverageReport::new();
        read_sonar(
            input.as_bytes(),
            Path::new("sonar.xml"),
            &ReadOptions::default(),
            &mut report,
        )?;
        Ok(report)
    }

    /// Hand-written after `SonarQube`'s documented example (no common
    /// producer of this format runs here).
    const DOC: &str = r#"<coverage version="1">
  <file path="src/main/java/Foo.java">
    <lineToCover lineNumber="6" covered="true"/>
    <lineToCover lineNumber="7" covered="false"/>
    <lineToCover lineNumber="8" covered="true" branchesToCover="2" coveredBranches="1"/>
  </file>
  <file path="src/main/java/Empty.java"/>
  <file path="src/main/java/Foo.java">
    <lineToCover lineNumber="7" covered="true"/>
  </file>
</coverage>"#;

    #[test]
    fn lines_and_branches_as_sonarqube_counts_them() {
        let r = read(DOC).unwrap();
        assert_eq!(r.file_count(), 2);
        let s = r.file("src/main/java/Foo.java").unwrap().summary();
        assert_eq!(s.lines, Tally { found: 3, hit: 3 });
        assert_eq!(s.branches, Tally { found: 2, hit: 1 });
        assert_eq!(s.functions, Tally::default());
    }

    #[test]
    fn quick_lines_to_cover_read_as_the_general_path_does() {
        let general = |element: &str| {
            let content = &element[1..element.len() - 2];
            let e = BytesStart::from_content(content, "lineToCover".len());
            let mut coverage = FileCoverage::default();
            line_to_cover(&e, &mut coverage).map(|()| coverage)
        };
        for element in [
            r#"<lineToCover lineNumber="5" covered="true" branchesToCover="4" coveredBranches="3"/>"#,
            r#"<lineToCover covered="false" lineNumber="4294967295"/>"#,
            r#"<lineToCover lineNumber="007" covered="true" branchesToCover="2"/>"#,
            "<lineToCover\n\tcoveredBranches=\"0\" branchesToCover=\"65536\"\r\ncovered=\"false\" lineNumber=\"1\" />",
        ] {
            let (values, used) = quick_line_to_cover(element.as_bytes())
                .unwrap_or_else(|| panic!("{element}"));
            assert_eq!(used, element.len(), "{element}");
            let mut quick = FileCoverage::default();
            values.add_to(&mut quick);
            let general = general(element).unwrap_or_else(|e| panic!("{element}: {e}"));
            assert_eq!(quick.summary(), general.summary(), "{element}");
            assert_eq!(
                quick.line_count(values.line),
                general.line_count(values.line),
                "{element}"
            );
        }
        // Left to the general path, which decides or refuses them.
        for element in [
            r#"<lineToCover lineNumber="5" covered="true" covered="true"/>"#,
            r#"<lineToCover lineNumber="5" lineNumber="5" covered="true"/>"#,
            r#"<lineToCover lineNumber="0" covered="true"/>"#,
            r#"<lineToCover lineNumber="4294967296" covered="true"/>"#,
            r#"<lineToCover lineNumber="5" covered="TRUE"/>"#,
            r#"<lineToCover lineNumber="5" covered=" true"/>"#,
            r#"<lineToCover lineNumber="5"/>"#,
            r#"<lineToCover covered="true"/>"#,
            r#"<lineToCover lineNumber="5" covered="true" coveredBranches="1"/>"#,
            r#"<lineToCover lineNumber="5" covered="true" branchesToCover="1" coveredBranches="2"/>"#,
            r#"<lineToCover lineNumber="5" covered="true" branchesToCover="65537"/>"#,
            r#"<lineToCover lineNumber="5" covered="true" branchesToCover="12345678901234567890"/>"#,
            r#"<lineToCover lineNumber="5" covered="true" x="1"/>"#,
            r#"<lineToCover lineNumber="5"covered="true"/>"#,
            r#"<lineToCover lineNumber = "5" covered="true"/>"#,
            r"<lineToCover lineNumber='5' covered='true'/>",
            r#"<lineToCover lineNumber="&#53;" covered="true"/>"#,
            r#"<lineToCover lineNumber="5" covered="true"></lineToCover>"#,
            r#"<lineToCover lineNumber="5" covered="true" / >"#,
            r#"<lineToCoverage lineNumber="5" covered="true"/>"#,
            r#"<lineToCover lineNumber="5" covered="true""#,
            r#"<lineToCover lineNumber="5" covered="tr"#,
        ] {
            assert!(
                quick_line_to_cover(element.as_bytes()).is_none(),
                "{element}"
            );
        }
    }

    #[test]
    fn plain_and_escaped_attributes_read_alike() {
        let doc = |line: &str| {
            format!("<coverage version=\"1\"><file path=\"a.rs\">{line}</file></coverage>")
        };
        for line in [
            r#"<lineToCover lineNumber="5" covered="true" branchesToCover="4" coveredBranches="3"/>"#,
            r"<lineToCover lineNumber='5' covered='true' branchesToCover='4' coveredBranches='3'/>",
            r#"<lineToCover lineNumber = "5" covered="true" branchesToCover="4" coveredBranches="3"/>"#,
            r#"<lineToCover lineNumber="&#53;" covered="tr&#117;e" branchesToCover="4" coveredBranches="3"></lineToCover>"#,
            r#"<lineToCover x="&amp;" lineNumber="5" covered="true" branchesToCover="4" coveredBranches="3"/>"#,
        ] {
            let r = read(&doc(line)).unwrap_or_else(|e| panic!("{line}: {e}"));
            let f = r.file("a.rs").unwrap();
            assert_eq!(f.line_count(5), Some(1), "{line}");
            assert_eq!(f.summary().branches, Tally { found: 4, hit: 3 }, "{line}");
        }
        // A key twice is refused whichever way the element is read.
        let e = read(&doc(
            r#"<lineToCover lineNumber="5" covered="true" covered="false"/>"#,
        ))
        .unwrap_err()
        .to_string();
        assert!(e.contains("sonar.xml:1") && e.contains("uplicat"), "{e}");
    }

    #[test]
    fn breaking_the_format_is_malformed_with_its_line() {
        let wrap = |line: &str| {
            format!("<coverage version=\"1\"><file path=\"a\">\n{line}\n</file></coverage>")
        };
        for bad in [
            r#"<lineToCover lineNumber="0" covered="true"/>"#,
            r#"<lineToCover lineNumber="-3" covered="true"/>"#,
            r#"<lineToCover lineNumber="3" covered="yes"/>"#,
            r#"<lineToCover lineNumber="3" covered="true" branchesToCover="1" coveredBranches="2"/>"#,
            r#"<lineToCover lineNumber="3" covered="true" coveredBranches="2"/>"#,
            r#"<line number="3" hits="1"/>"#,
        ] {
            match read(&wrap(bad)) {
                Err(EvidenceError::Malformed { line: 2, .. }) => {}
                other => panic!("{bad}: {other:?}"),
            }
        }
        for bad in [
            "<coverage version=\"2\"/>",
            "<coverage version=\"1\"><file path=\"a\">",
            "<coverage version=\"1\"/><coverage version=\"1\"/>",
            "<coverage version=\"1\"><lineToCover lineNumber=\"1\" covered=\"true\"/></coverage>",
        ] {
            assert!(
                matches!(read(bad), Err(EvidenceError::Malformed { .. })),
                "{bad}"
            );
        }
    }
}
