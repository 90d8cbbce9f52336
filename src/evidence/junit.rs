//! Test-report evidence: JUnit XML from cargo-nextest, pytest, jest, vitest
//! and others turned into a [`TestRun`] (docs/formats.md, JUnit XML; issue #3).
//!
//! Producers disagree about where counts live (nextest and vitest put totals
//! on the root `<testsuites>`, pytest only on each `<testsuite>`, and none of
//! them count what they leave out of the file), so the attributes are never
//! trusted: every `<testcase>` is counted from its children, exactly as it
//! appears.
//!
//! - A `<failure>` child is a failure, an `<error>` child an error, a
//!   `<skipped>` child a skip; no such child is a pass.
//! - nextest retries: `<flakyFailure>`/`<flakyError>` on a passing testcase
//!   leave it a pass (it is counted as flaky too); `<rerunFailure>`/
//!   `<rerunError>` sit beside the final `<failure>`, which decides.
//! - pytest writes a test that fails and then errors in teardown as two
//!   testcases with one name; both are counted, as pytest itself does.
//!
//! The XML is read with quick-xml's streaming reader (no DOM); byte offsets
//! are turned into line numbers for errors.

use std::path::Path;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use serde::Serialize;

use super::text::{line_at, malformed, read_text};
use super::xml;
use super::EvidenceError;

/// How a failing test failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FailureKind {
    /// An assertion failed (`<failure>`).
    Failure,
    /// The test could not run or crashed outside its assertions (`<error>`).
    Error,
}

/// One testcase that did not pass.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailedTest {
    /// Name of the enclosing `<testsuite>` (a test binary for nextest, a
    /// file for vitest); empty when the producer gave none.
    pub suite: String,
    /// The testcase's `classname`, when given.
    pub classname: Option<String>,
    /// The testcase's `name`.
    pub name: String,
    /// Failure or error.
    pub kind: FailureKind,
    /// The producer's `message` attribute, else the first line of the body.
    pub message: Option<String>,
}

/// Aggregated outcome of one or more JUnit reports.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TestRun {
    /// Testcases in the files.
    pub total: u64,
    /// Testcases with no failure, error or skip (flaky passes included).
    pub passed: u64,
    /// Testcases with a `<failure>`.
    pub failed: u64,
    /// Testcases with an `<error>`.
    pub errors: u64,
    /// Testcases with a `<skipped>`.
    pub skipped: u64,
    /// Passing testcases that failed on an earlier attempt (nextest retries).
    pub flaky: u64,
    /// Every failing testcase in file order; renderers show the first few.
    pub failing: Vec<FailedTest>,
}

impl TestRun {
    /// Adds another run's testcases to this one.
    pub fn merge(&mut self, other: TestRun) {
        self.total += other.total;
        self.passed += other.passed;
        self.failed += other.failed;
        self.errors += other.errors;
        self.skipped += other.skipped;
        self.flaky += other.flaky;
        self.failing.extend(other.failing);
    }

    /// The `evidence.tests` object of the JSON report (docs/reports.md).
    #[must_use]
    pub fn summary(&self) -> TestsSummary {
        TestsSummary {
            total: self.total,
            passed: self.passed,
            failed: self.failed,
            errors: self.errors,
            skipped: self.skipped,
        }
    }
}

/// The `evidence.tests` object: `{"total","passed","failed","errors","skipped"}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TestsSummary {
    /// Testcases in the files.
    pub total: u64,
    /// Passing testcases.
    pub passed: u64,
    /// Failed testcases.
    pub failed: u64,
    /// Errored testcases.
    pub errors: u64,
    /// Skipped testcases.
    pub skipped: u64,
}

/// Reads one JUnit XML file.
pub fn read_junit(path: &Path) -> Result<TestRun, EvidenceError> {
    let text = read_text(path)?;
    parse_junit(path, &text)
}

/// Reads several JUnit XML files and aggregates them into one run.
pub fn read_junit_files<P: AsRef<Path>>(paths: &[P]) -> Result<TestRun, EvidenceError> {
    let mut run = TestRun::default();
    for path in paths {
        run.merge(read_junit(path.as_ref())?);
    }
    Ok(run)
}

/// What a testcase's children said so far.
#[derive(Default)]
struct Case {
    suite: String,
    classname: Option<String>,
    name: String,
    /// Element depth of the `<testcase>` itself.
    depth: usize,
    outcome: Option<Outcome>,
    message: Option<String>,
    flaky: bool,
    /// The body of the outcome element being collected, when that element
    /// had no `message` attribute (jest writes only a body).
    body: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Failed(FailureKind),
    Skipped,
}

/// Parses JUnit XML held in `text`; `path` names it in errors.
pub fn parse_junit(path: &Path, text: &str) -> Result<TestRun, EvidenceError> {
    let mut reader = Reader::from_str(text);
    let mut state = State {
        path,
        run: TestRun::default(),
        saw_root: false,
        open: Vec::new(),
        suites: Vec::new(),
        case: None,
    };
    loop {
        let position = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = reader.read_event().map_err(|err| {
            let at = usize::try_from(reader.error_position()).unwrap_or(usize::MAX);
            malformed(
                path,
                line_at(text, at),
                format!("not well-formed XML: {err}"),
            )
        })?;
        let line = line_at(text, position);
        match event {
            Event::Start(ref e) => state.on_start(line, e, false)?,
            Event::Empty(ref e) => state.on_start(line, e, true)?,
            Event::End(_) => state.on_end(),
            Event::Text(ref t) if state.open.is_empty() => {
                if let Some(lead) = t.iter().position(|b| !b.is_ascii_whitespace()) {
                    return Err(malformed(
                        path,
                        line_at(text, position + lead),
                        "text outside any element: not an XML document",
                    ));
                }
            }
            Event::Text(ref t) => {
                if let Some(body) = state.body() {
                    let decoded = t
                        .decode()
                        .map_err(|err| malformed(path, line, format!("bad text: {err}")))?;
                    body.push_str(&decoded);
                }
            }
            Event::GeneralRef(_) if state.open.is_empty() => {
                return Err(malformed(
                    path,
                    line,
                    "text outside any element: not an XML document",
                ));
            }
            // `&amp;`, `&#10;`: events of their own between the pieces of text.
            Event::GeneralRef(ref r) => {
                let resolved = xml::general_ref(r).map_err(|err| malformed(path, line, err))?;
                if let Some(body) = state.body() {
                    body.push_str(&resolved);
                }
            }
            Event::CData(ref t) => {
                if let Some(body) = state.body() {
                    body.push_str(&String::from_utf8_lossy(t.as_ref()));
                }
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    let end = line_at(text, text.len());
    if !state.saw_root {
        return Err(malformed(
            path,
            end,
            "no XML element found (expected JUnit <testsuites> or <testsuite>)",
        ));
    }
    if let Some(unclosed) = state.open.last() {
        return Err(malformed(
            path,
            end,
            format!("unexpected end of file: <{unclosed}> is not closed"),
        ));
    }
    Ok(state.run)
}

/// The streaming parser's position in the document.
struct State<'p> {
    path: &'p Path,
    run: TestRun,
    saw_root: bool,
    /// Open elements, innermost last.
    open: Vec<String>,
    /// Open `<testsuite>`s: (depth, name).
    suites: Vec<(usize, String)>,
    /// The open `<testcase>`, if any.
    case: Option<Case>,
}

impl State<'_> {
    fn on_start(
        &mut self,
        line: u64,
        e: &BytesStart<'_>,
        empty: bool,
    ) -> Result<(), EvidenceError> {
        let path = self.path;
        let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
        let depth = self.open.len();
        if depth == 0 {
            check_root(path, line, &name, self.saw_root)?;
            self.saw_root = true;
        }
        match self.case.as_mut() {
            Some(current) if depth == current.depth + 1 => {
                on_case_child(path, line, current, &name, e, empty)?;
            }
            Some(_) => {}
            None => match name.as_str() {
                "testsuite" if !empty => {
                    let suite = attribute(path, line, e, "name")?.unwrap_or_default();
                    self.suites.push((depth, suite));
                }
                "testcase" => {
                    let current = Case {
                        suite: self
                            .suites
                            .last()
                            .map(|(_, s)| s.clone())
                            .unwrap_or_default(),
                        classname: attribute(path, line, e, "classname")?,
                        name: attribute(path, line, e, "name")?.unwrap_or_default(),
                        depth,
                        ..Case::default()
                    };
                    if empty {
                        finish_case(&mut self.run, current);
                    } else {
                        self.case = Some(current);
                    }
                }
                _ => {}
            },
        }
        if !empty {
            self.open.push(name);
        }
        Ok(())
    }

    fn on_end(&mut self) {
        self.open.pop();
        let depth = self.open.len();
        if let Some(current) = self.case.as_mut() {
            if depth == current.depth + 1 {
                if let Some(body) = current.body.take() {
                    current.message = first_line(&body);
                }
            } else if depth == current.depth {
                if let Some(done) = self.case.take() {
                    finish_case(&mut self.run, done);
                }
            }
        }
        if self.suites.last().is_some_and(|(d, _)| *d == depth) {
            self.suites.pop();
        }
    }

    /// The outcome body being collected, if any.
    fn body(&mut self) -> Option<&mut String> {
        self.case.as_mut().and_then(|c| c.body.as_mut())
    }
}

fn check_root(path: &Path, line: u64, name: &str, saw_root: bool) -> Result<(), EvidenceError> {
    if saw_root {
        return Err(malformed(
            path,
            line,
            format!("a second root element <{name}> after the first one closed"),
        ));
    }
    if name != "testsuites" && name != "testsuite" {
        return Err(EvidenceError::UnknownFormat {
            path: path.to_path_buf(),
            message: format!(
                "XML root element is <{name}>, not JUnit's <testsuites> or <testsuite>"
            ),
        });
    }
    Ok(())
}

/// Handles a direct child of a `<testcase>`.
fn on_case_child(
    path: &Path,
    line: u64,
    case: &mut Case,
    name: &str,
    e: &BytesStart<'_>,
    empty: bool,
) -> Result<(), EvidenceError> {
    let outcome = match name {
        "failure" => Outcome::Failed(FailureKind::Failure),
        "error" => Outcome::Failed(FailureKind::Error),
        "skipped" => Outcome::Skipped,
        "flakyFailure" | "flakyError" => {
            case.flaky = true;
            return Ok(());
        }
        // rerunFailure/rerunError sit beside the final <failure>/<error>,
        // which alone decides; system-out, properties and the like say nothing.
        _ => return Ok(()),
    };
    // A failure or error outranks a skip; the first of equal rank wins.
    let replace = matches!(
        (case.outcome, outcome),
        (None, _) | (Some(Outcome::Skipped), Outcome::Failed(_))
    );
    if replace {
        case.outcome = Some(outcome);
        case.message = attribute(path, line, e, "message")?.filter(|m| !m.trim().is_empty());
        case.body = (!empty && case.message.is_none()).then(String::new);
    }
    Ok(())
}

fn finish_case(run: &mut TestRun, case: Case) {
    run.total += 1;
    match case.outcome {
        None => {
            run.passed += 1;
            if case.flaky {
                run.flaky += 1;
            }
        }
        Some(Outcome::Skipped) => run.skipped += 1,
        Some(Outcome::Failed(kind)) => {
            match kind {
                FailureKind::Failure => run.failed += 1,
                FailureKind::Error => run.errors += 1,
            }
            run.failing.push(FailedTest {
                suite: case.suite,
                classname: case.classname,
                name: case.name,
                kind,
                message: case.message,
            });
        }
    }
}

/// The first non-blank line of a failure body, trimmed.
fn first_line(body: &str) -> Option<String> {
    body.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(str::to_owned)
}

/// The unescaped value of attribute `key`, if present.
fn attribute(
    path: &Path,
    line: u64,
    e: &BytesStart<'_>,
    key: &str,
) -> Result<Option<String>, EvidenceError> {
    let attr = e
        .try_get_attribute(key)
        .map_err(|err| malformed(path, line, format!("bad attribute: {err}")))?;
    match attr {
        None => Ok(None),
        Some(attr) => xml::attribute_value(&attr)
            .map(|v| Some(v.into_owned()))
            .map_err(|err| malformed(path, line, format!("bad value of attribute {key:?}: {err}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<TestRun, EvidenceError> {
        parse_junit(Path::new("junit.xml"), text)
    }

    /// Shaped like cargo-nextest's output (quick-junit 0.8; docs/formats.md, JUnit XML).
    const NEXTEST: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="nextest-run" tests="4" skipped="0" failures="1" errors="0">
    <testsuite name="demo" tests="2" skipped="0" errors="0" failures="1">
        <testcase name="tests::ok" classname="demo" time="0.046"/>
        <testcase name="tests::bad" classname="demo" time="0.080">
            <failure message="thread &apos;tests::bad&apos; panicked at src/lib.rs:27:13" type="test failure with exit code 101">body</failure>
            <rerunFailure message="attempt 2" type="test failure with exit code 101">body
                <system-out>out</system-out>
            </rerunFailure>
            <system-out>out</system-out>
        </testcase>
    </testsuite>
    <testsuite name="demo::integration" tests="2" skipped="0" errors="0" failures="0">
        <testcase name="roundtrip" classname="demo::integration"/>
        <testcase name="flaky" classname="demo::integration">
            <flakyFailure message="attempt 1 fails" type="test failure">body<system-out/></flakyFailure>
        </testcase>
    </testsuite>
</testsuites>
"#;

    #[test]
    fn nextest_flaky_is_pass_and_rerun_failure_counts_once() {
        let run = parse(NEXTEST).unwrap();
        assert_eq!(
            (run.total, run.passed, run.failed, run.errors, run.skipped),
            (4, 3, 1, 0, 0)
        );
        assert_eq!(run.flaky, 1);
        assert_eq!(run.failing.len(), 1);
        let failed = &run.failing[0];
        assert_eq!(failed.suite, "demo");
        assert_eq!(failed.name, "tests::bad");
        assert_eq!(failed.kind, FailureKind::Failure);
        assert_eq!(
            failed.message.as_deref(),
            Some("thread 'tests::bad' panicked at src/lib.rs:27:13")
        );
    }

    #[test]
    fn pytest_counts_testcases_not_attributes_and_keeps_duplicates() {
        // Root without counts; suite attributes deliberately wrong.
        let text = r#"<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"><testsuite name="pytest" errors="0" failures="0" skipped="0" tests="99"><testcase classname="t" name="ok" time="0.0" /><testcase classname="t" name="x"><failure message="AssertionError: no">body</failure></testcase><testcase classname="t" name="x"><error message="failed on teardown with &quot;RuntimeError&quot;">tb</error></testcase><testcase classname="t" name="s"><skipped type="pytest.skip" message="m">why</skipped></testcase><testcase classname="t" name="xf"><skipped type="pytest.xfail" message="bug" /></testcase></testsuite></testsuites>"#;
        let run = parse(text).unwrap();
        assert_eq!(
            (run.total, run.passed, run.failed, run.errors, run.skipped),
            (5, 1, 1, 1, 2)
        );
        let names: Vec<_> = run
            .failing
            .iter()
            .map(|f| (f.name.as_str(), f.kind))
            .collect();
        assert_eq!(
            names,
            [("x", FailureKind::Failure), ("x", FailureKind::Error)]
        );
        assert_eq!(
            run.failing[1].message.as_deref(),
            Some("failed on teardown with \"RuntimeError\"")
        );
        assert_eq!(run.failing[0].classname.as_deref(), Some("t"));
    }

    #[test]
    fn jest_body_only_failure_uses_first_line_and_cdata() {
        let text = "<testsuites name=\"jest tests\" tests=\"2\" failures=\"1\">\n<testsuite name=\"sum\" tests=\"2\">\n<testcase classname=\"sum adds\" name=\"sum adds\" time=\"0.002\">\n<failure><![CDATA[\n  Error: expect(received).toBe(expected)\n  at Object.<anonymous>]]></failure>\n</testcase>\n<testcase classname=\"a\" name=\"b\"><skipped/></testcase>\n</testsuite>\n</testsuites>";
        let run = parse(text).unwrap();
        assert_eq!(
            (run.total, run.passed, run.failed, run.skipped),
            (2, 0, 1, 1)
        );
        assert_eq!(
            run.failing[0].message.as_deref(),
            Some("Error: expect(received).toBe(expected)")
        );
    }

    #[test]
    fn entities_in_a_failure_body_and_attributes_are_resolved() {
        // quick-xml hands `&lt;` and `&#10;` over as events of their own: a
        // reader that ignored them would report "expected 1  2".
        let text = "<testsuite name=\"s&amp;t\" tests=\"1\"><testcase classname=\"c\" name=\"a &lt; b\"><failure>expected 1 &lt; 2&#10;got 3</failure></testcase></testsuite>";
        let run = parse(text).unwrap();
        assert_eq!(run.failed, 1);
        assert_eq!(run.failing[0].name, "a < b");
        assert_eq!(run.failing[0].message.as_deref(), Some("expected 1 < 2"));
    }

    #[test]
    fn an_undeclared_entity_is_malformed() {
        let text = "<testsuite tests=\"1\"><testcase name=\"a\"><failure>&nbsp;</failure></testcase></testsuite>";
        let err = parse(text).unwrap_err().to_string();
        assert!(err.contains("unknown entity"), "{err}");
    }

    #[test]
    fn single_testsuite_root_and_nested_suites() {
        let text = r#"<testsuite name="outer"><testsuite name="inner"><testcase name="a"/></testsuite><testcase name="b"><error/></testcase></testsuite>"#;
        let run = parse(text).unwrap();
        assert_eq!((run.total, run.passed, run.errors), (2, 1, 1));
        assert_eq!(run.failing[0].suite, "outer");
        assert_eq!(run.failing[0].message, None);
    }

    #[test]
    fn empty_suite_is_zero_tests_not_an_error() {
        let run = parse(r#"<testsuites tests="0"></testsuites>"#).unwrap();
        assert_eq!(run, TestRun::default());
        let run = parse(r#"<testsuites><testsuite name="x"/></testsuites>"#).unwrap();
        assert_eq!(run.total, 0);
    }

    #[test]
    fn failure_outranks_skip() {
        let run = parse(r#"<testsuite><testcase name="a"><skipped/><failure message="m"/></testcase></testsuite>"#).unwrap();
        assert_eq!((run.failed, run.skipped), (1, 0));
    }

    #[test]
    fn malformed_xml_names_the_line() {
        let cases = [
            (
                "<testsuites>\n<testsuite>\n<testcase name=\"a\">\n</testsuite>\n</testsuites>",
                4,
            ),
            ("<testsuites>\n<testsuite>\n", 3),
            ("", 1),
            ("not xml at all\n", 1),
            ("\n\n{\"json\": 1}", 3),
            (
                "<testsuites>\n<testcase name=\"a&bogus;\"/></testsuites>",
                2,
            ),
        ];
        for (text, line) in cases {
            match parse(text) {
                Err(EvidenceError::Malformed {
                    line: got, message, ..
                }) => {
                    assert_eq!(got, line, "{text:?}: {message}");
                }
                other => panic!("{text:?}: unexpected {other:?}"),
            }
        }
    }

    #[test]
    fn non_junit_root_is_unknown_format() {
        let err = parse(r#"<?xml version="1.0"?><coverage line-rate="1"/>"#).unwrap_err();
        assert!(
            matches!(err, EvidenceError::UnknownFormat { .. }),
            "{err:?}"
        );
    }

    /// Every real JUnit report under `fixtures/tests` parses.
    #[test]
    fn real_reports_parse() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/tests");
        let mut parsed = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "xml") {
                let run = read_junit(&path).unwrap_or_else(|e| panic!("{e}"));
                assert!(run.total > 0, "{}", path.display());
                parsed += 1;
            }
        }
        assert!(parsed >= 5, "only {parsed} reports in {}", dir.display());
    }

    #[test]
    fn several_files_aggregate() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.xml");
        let b = dir.path().join("b.xml");
        std::fs::write(&a, NEXTEST).unwrap();
        std::fs::write(&b, r#"<testsuite name="b"><testcase name="x"><error message="boom"/></testcase></testsuite>"#).unwrap();
        let run = read_junit_files(&[a, b]).unwrap();
        assert_eq!(
            (run.total, run.passed, run.failed, run.errors),
            (5, 3, 1, 1)
        );
        assert_eq!(run.failing.len(), 2);
        let json = serde_json::to_value(run.summary()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"total": 5, "passed": 3, "failed": 1, "errors": 1, "skipped": 0})
        );
    }
}
