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
//! - A testcase marked `status="disabled"`, `status="notrun"` or
//!   `result="skipped"`/`result="suppressed"` (`GoogleTest`'s disabled tests)
//!   is skipped, not passed, unless a `<failure>`/`<error>` child says more.
//!
//! The counters on `<testsuites>`/`<testsuite>` are not used for counting,
//! but they are checked against the testcases inside, and a contradiction
//! that could hide a failure fails closed (docs/formats.md, JUnit XML):
//!
//! - `failures` + `errors` above the failing testcases, or `tests` above the
//!   testcases written, is an error entry of its own, named after the suite
//!   and its line, so the run fails. Fewer claimed than seen is no risk
//!   (the testcases already fail the run), and producers legitimately
//!   differ there: pytest writes a teardown error as a second testcase.
//! - `disabled` + `skipped` above the testcases marked skipped: the suite
//!   says some of its plain-looking testcases did not run. Which ones is
//!   unknowable, so that many of its passes count as skipped instead; a
//!   suite without that many passes is a contradiction as above.
//! - A `<failure>` or `<error>` directly under a suite, outside every
//!   testcase (a collection error, a failing suite hook), is an error entry
//!   named after the suite.
//!
//! The XML is read with quick-xml's streaming reader (no DOM); byte offsets
//! are turned into line numbers for errors.

use std::path::Path;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use serde::Serialize;

use super::text::{line_at, malformed, read_text, LineCounter};
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
    let mut lines = LineCounter::new(text);
    let mut state = State {
        path,
        run: TestRun::default(),
        saw_root: false,
        open: Vec::new(),
        suites: Vec::new(),
        case: None,
        suite_problem: None,
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
        let line = lines.at(position);
        match event {
            Event::Start(ref e) => state.on_start(line, position, e, false)?,
            Event::Empty(ref e) => state.on_start(line, position, e, true)?,
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
    if let Some(&start) = state.open.last() {
        return Err(malformed(
            path,
            end,
            format!(
                "unexpected end of file: <{}> is not closed",
                name_at(text, start)
            ),
        ));
    }
    Ok(state.run)
}

/// The streaming parser's position in the document.
struct State<'p> {
    path: &'p Path,
    run: TestRun,
    saw_root: bool,
    /// Where each open element starts in the text (its `<`), innermost
    /// last: its name is read back from there only for the error at the
    /// end of a truncated file, so opening an element allocates nothing.
    open: Vec<usize>,
    /// Open `<testsuites>`/`<testsuite>` elements, innermost last.
    suites: Vec<Suite>,
    /// The open `<testcase>`, if any.
    case: Option<Case>,
    /// The open suite-level `<failure>`/`<error>`: (suite depth, entry).
    suite_problem: Option<(usize, FailedTest)>,
}

/// An open `<testsuites>` or `<testsuite>`: its counters as written and the
/// testcases seen inside it so far (nested suites included).
#[derive(Default)]
struct Suite {
    depth: usize,
    name: String,
    line: u64,
    element: &'static str,
    declared: Counters,
    seen: Seen,
}

/// A suite's own counter attributes; `None` when absent.
#[derive(Default)]
struct Counters {
    tests: Option<u64>,
    failures: Option<u64>,
    errors: Option<u64>,
    skipped: Option<u64>,
    disabled: Option<u64>,
}

/// What the testcases inside a suite were.
#[derive(Default, Clone, Copy)]
struct Seen {
    total: u64,
    passed: u64,
    broken: u64,
    skipped: u64,
}

impl Seen {
    fn add(&mut self, other: Seen) {
        self.total += other.total;
        self.passed += other.passed;
        self.broken += other.broken;
        self.skipped += other.skipped;
    }
}

impl State<'_> {
    fn on_start(
        &mut self,
        line: u64,
        position: usize,
        e: &BytesStart<'_>,
        empty: bool,
    ) -> Result<(), EvidenceError> {
        let path = self.path;
        let local = e.local_name();
        let name = local.as_ref();
        let depth = self.open.len();
        if depth == 0 {
            check_root(path, line, name, self.saw_root)?;
            self.saw_root = true;
        }
        match self.case.as_mut() {
            Some(current) if depth == current.depth + 1 => {
                on_case_child(path, line, current, name, e, empty)?;
            }
            Some(_) => {}
            None if self.suite_problem.is_some() => {}
            None => match name {
                b"testsuite" | b"testsuites" => {
                    let suite = Suite {
                        depth,
                        name: attribute(path, line, e, "name")?.unwrap_or_default(),
                        line,
                        element: if name == b"testsuite" {
                            "testsuite"
                        } else {
                            "testsuites"
                        },
                        declared: counters(path, line, e)?,
                        seen: Seen::default(),
                    };
                    self.suites.push(suite);
                    if empty {
                        self.close_suite();
                    }
                }
                b"testcase" => {
                    let current = testcase(path, line, e, depth, empty)?;
                    if empty {
                        self.finish(current);
                    } else {
                        self.case = Some(current);
                    }
                }
                b"failure" | b"error"
                    if self.suites.last().is_some_and(|s| s.depth + 1 == depth) =>
                {
                    let kind = if name == b"failure" {
                        "a <failure>"
                    } else {
                        "an <error>"
                    };
                    let message = attribute(path, line, e, "message")?
                        .filter(|m| !m.trim().is_empty())
                        .map_or_else(String::new, |m| format!(": {m}"));
                    let entry = FailedTest {
                        suite: self.suite_name(),
                        classname: None,
                        name: format!("(suite-level {})", String::from_utf8_lossy(name)),
                        kind: FailureKind::Error,
                        message: Some(format!(
                            "line {line}: {kind} outside any testcase, directly in the suite{message}"
                        )),
                    };
                    if empty {
                        self.suite_error(entry);
                    } else {
                        self.suite_problem = Some((depth, entry));
                    }
                }
                _ => {}
            },
        }
        if !empty {
            self.open.push(position);
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
                    self.finish(done);
                }
            }
        }
        if self
            .suite_problem
            .as_ref()
            .is_some_and(|(d, _)| *d == depth)
        {
            if let Some((_, entry)) = self.suite_problem.take() {
                self.suite_error(entry);
            }
        }
        if self.suites.last().is_some_and(|s| s.depth == depth) {
            self.close_suite();
        }
    }

    /// The innermost open suite's name; empty outside any.
    fn suite_name(&self) -> String {
        innermost_suite(&self.suites)
    }

    /// Counts a finished testcase in the run and in the innermost suite
    /// (the one it was opened in: XML nesting is checked by the parser).
    fn finish(&mut self, case: Case) {
        let suites = &self.suites;
        let seen = finish_case(&mut self.run, case, || innermost_suite(suites));
        if let Some(suite) = self.suites.last_mut() {
            suite.seen.add(seen);
        }
    }

    /// An error entry that is no testcase (a suite-level error, a counter
    /// contradiction): counted as one errored entry, so the run fails.
    fn suite_error(&mut self, entry: FailedTest) {
        self.run.total += 1;
        self.run.errors += 1;
        self.run.failing.push(entry);
        if let Some(suite) = self.suites.last_mut() {
            suite.seen.add(Seen {
                total: 1,
                broken: 1,
                ..Seen::default()
            });
        }
    }

    /// The innermost suite closes: its counters are checked against what
    /// was seen inside it, and its figures pass on to the enclosing suite.
    fn close_suite(&mut self) {
        let Some(mut suite) = self.suites.pop() else {
            return;
        };
        let d = &suite.declared;
        let seen = suite.seen;
        let mut problems = Vec::new();
        let claimed_broken = d.failures.unwrap_or(0) + d.errors.unwrap_or(0);
        if claimed_broken > seen.broken {
            problems.push(format!(
                "failures + errors = {claimed_broken}, but {} of its testcases failed",
                seen.broken
            ));
        }
        if let Some(tests) = d.tests.filter(|t| *t > seen.total) {
            problems.push(format!(
                "tests = {tests}, but it holds {} testcases",
                seen.total
            ));
        }
        let claimed_skips = d.skipped.unwrap_or(0) + d.disabled.unwrap_or(0);
        let unmarked = claimed_skips.saturating_sub(seen.skipped);
        if unmarked > seen.passed {
            problems.push(format!(
                "skipped + disabled = {claimed_skips}, but only {} of its testcases are skipped and {} passed",
                seen.skipped, seen.passed
            ));
        } else if unmarked > 0 {
            // Some plain-looking testcases did not run; count that many
            // passes as skips (docs/formats.md, JUnit XML).
            self.run.passed -= unmarked;
            self.run.skipped += unmarked;
            suite.seen.passed -= unmarked;
            suite.seen.skipped += unmarked;
        }
        if let Some(parent) = self.suites.last_mut() {
            parent.seen.add(suite.seen);
        }
        if !problems.is_empty() {
            let label = if suite.name.is_empty() {
                format!("<{}>", suite.element)
            } else {
                format!("<{} name={:?}>", suite.element, suite.name)
            };
            self.suite_error(FailedTest {
                suite: suite.name.clone(),
                classname: None,
                name: "(suite counters)".to_owned(),
                kind: FailureKind::Error,
                message: Some(format!(
                    "{label} at line {} contradicts its testcases: {}",
                    suite.line,
                    problems.join("; ")
                )),
            });
        }
    }

    /// The outcome body being collected, if any.
    fn body(&mut self) -> Option<&mut String> {
        self.case.as_mut().and_then(|c| c.body.as_mut())
    }
}

/// The name of the innermost `<testsuite>` of `suites`; empty outside any.
fn innermost_suite(suites: &[Suite]) -> String {
    suites
        .iter()
        .rev()
        .find(|s| s.element == "testsuite")
        .map(|s| s.name.clone())
        .unwrap_or_default()
}

fn check_root(path: &Path, line: u64, name: &[u8], saw_root: bool) -> Result<(), EvidenceError> {
    let shown = String::from_utf8_lossy(name);
    if saw_root {
        return Err(malformed(
            path,
            line,
            format!("a second root element <{shown}> after the first one closed"),
        ));
    }
    if name != b"testsuites" && name != b"testsuite" {
        return Err(EvidenceError::UnknownFormat {
            path: path.to_path_buf(),
            message: format!(
                "XML root element is <{shown}>, not JUnit's <testsuites> or <testsuite>"
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
    name: &[u8],
    e: &BytesStart<'_>,
    empty: bool,
) -> Result<(), EvidenceError> {
    let outcome = match name {
        b"failure" => Outcome::Failed(FailureKind::Failure),
        b"error" => Outcome::Failed(FailureKind::Error),
        b"skipped" => Outcome::Skipped,
        b"flakyFailure" | b"flakyError" => {
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

/// Counts `case` in `run`; returns what it was, for its suite's tally.
/// `suite` names the enclosing suite, asked only of a failing testcase.
fn finish_case(run: &mut TestRun, case: Case, suite: impl FnOnce() -> String) -> Seen {
    run.total += 1;
    let mut seen = Seen {
        total: 1,
        ..Seen::default()
    };
    match case.outcome {
        None => {
            run.passed += 1;
            seen.passed = 1;
            if case.flaky {
                run.flaky += 1;
            }
        }
        Some(Outcome::Skipped) => {
            run.skipped += 1;
            seen.skipped = 1;
        }
        Some(Outcome::Failed(kind)) => {
            seen.broken = 1;
            match kind {
                FailureKind::Failure => run.failed += 1,
                FailureKind::Error => run.errors += 1,
            }
            run.failing.push(FailedTest {
                suite: suite(),
                classname: case.classname,
                name: case.name,
                kind,
                message: case.message,
            });
        }
    }
    seen
}

/// A `<testcase>` as it opens, its attributes read in one pass.
///
/// A testcase that says by attribute it did not run: `status="disabled"`,
/// `"notrun"`, `"skipped"` (Ant, Jenkins' schema, `GoogleTest`) or
/// `result="skipped"`/`"suppressed"` (`GoogleTest` 1.10 and later), is
/// skipped. The `name` and `classname` are kept only for a testcase with
/// children: an empty one cannot fail, so nothing would show them, but
/// its attributes are still checked (a bad one is malformed input).
fn testcase(
    path: &Path,
    line: u64,
    e: &BytesStart<'_>,
    depth: usize,
    empty: bool,
) -> Result<Case, EvidenceError> {
    let mut case = Case {
        depth,
        ..Case::default()
    };
    let mut skipped = false;
    let is =
        |value: &str, words: &[&str]| words.iter().any(|w| value.trim().eq_ignore_ascii_case(w));
    let wanted = |key: &[u8]| matches!(key, b"name" | b"classname" | b"status" | b"result");
    let mut take = |key: &[u8], value: &str| match key {
        b"name" if !empty => value.clone_into(&mut case.name),
        b"classname" if !empty => case.classname = Some(value.to_owned()),
        b"status" => skipped |= is(value, &["disabled", "notrun", "skipped", "ignored"]),
        b"result" => skipped |= is(value, &["skipped", "suppressed"]),
        _ => {}
    };
    // Plain attributes (what producers write) are read directly; anything
    // else, including a wanted value that is not UTF-8, by quick-xml.
    let plain = xml::plain_attributes(e.attributes_raw()).filter(|plain| {
        plain
            .pairs()
            .iter()
            .all(|(key, value)| !wanted(key) || std::str::from_utf8(value).is_ok())
    });
    if let Some(plain) = plain {
        for &(key, value) in plain.pairs() {
            if let (true, Ok(value)) = (wanted(key), std::str::from_utf8(value)) {
                take(key, value);
            }
        }
    } else {
        for attr in e.attributes() {
            let attr =
                attr.map_err(|err| malformed(path, line, format!("bad attribute: {err}")))?;
            let key = attr.key.as_ref();
            if !wanted(key) {
                continue;
            }
            let value = xml::attribute_value(&attr).map_err(|err| {
                malformed(
                    path,
                    line,
                    format!(
                        "bad value of attribute {:?}: {err}",
                        String::from_utf8_lossy(key)
                    ),
                )
            })?;
            take(key, &value);
        }
    }
    case.outcome = skipped.then_some(Outcome::Skipped);
    Ok(case)
}

/// The local name (no namespace prefix) of the element whose `<` is at
/// byte `start` of `text`.
fn name_at(text: &str, start: usize) -> &str {
    let rest = text.get(start + 1..).unwrap_or("");
    let end = rest
        .find(|c: char| c.is_ascii_whitespace() || c == '>' || c == '/')
        .unwrap_or(rest.len());
    let name = &rest[..end];
    name.rsplit_once(':').map_or(name, |(_, local)| local)
}

/// A suite's counter attributes. A counter that is present but not a
/// whole number is malformed: it cannot be checked, and a gate does not
/// guess.
fn counters(path: &Path, line: u64, e: &BytesStart<'_>) -> Result<Counters, EvidenceError> {
    let count = |key: &str| -> Result<Option<u64>, EvidenceError> {
        match attribute(path, line, e, key)? {
            None => Ok(None),
            Some(v) if v.trim().is_empty() => Ok(None),
            Some(v) => v.trim().parse::<u64>().map(Some).map_err(|_| {
                malformed(
                    path,
                    line,
                    format!("suite counter {key}={v:?} is not a whole number"),
                )
            }),
        }
    };
    Ok(Counters {
        tests: count("tests")?,
        failures: count("failures")?,
        errors: count("errors")?,
        skipped: count("skipped")?,
        disabled: count("disabled")?,
    })
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
        // Root without counts; suite attributes understate (no risk: the
        // testcases decide).
        let text = r#"<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"><testsuite name="pytest" errors="0" failures="0" skipped="0" tests="1"><testcase classname="t" name="ok" time="0.0" /><testcase classname="t" name="x"><failure message="AssertionError: no">body</failure></testcase><testcase classname="t" name="x"><error message="failed on teardown with &quot;RuntimeError&quot;">tb</error></testcase><testcase classname="t" name="s"><skipped type="pytest.skip" message="m">why</skipped></testcase><testcase classname="t" name="xf"><skipped type="pytest.xfail" message="bug" /></testcase></testsuite></testsuites>"#;
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
    fn disabled_and_notrun_testcases_are_skipped() {
        // Ant/Jenkins `status="disabled"`, GoogleTest `status="notrun"
        // result="suppressed"` and `result="skipped"`.
        let text = r#"<testsuites tests="5" disabled="1"><testsuite name="s" tests="5" disabled="1" skipped="2" failures="1">
<testcase name="a" status="disabled"/>
<testcase name="b" status="notrun" result="suppressed"/>
<testcase name="c" status="run" result="skipped"><skipped message="GTEST_SKIP"/></testcase>
<testcase name="d" status="disabled"><failure message="ran anyway"/></testcase>
<testcase name="e" status="run" result="completed"/>
</testsuite></testsuites>"#;
        let run = parse(text).unwrap();
        assert_eq!(
            (run.total, run.passed, run.failed, run.errors, run.skipped),
            (5, 1, 1, 0, 3)
        );
    }

    #[test]
    fn a_disabled_counter_over_plain_testcases_turns_passes_into_skips() {
        let text = r#"<testsuite name="s" tests="3" disabled="2"><testcase name="a"/><testcase name="b"/><testcase name="c"/></testsuite>"#;
        let run = parse(text).unwrap();
        assert_eq!(
            (run.total, run.passed, run.skipped, run.errors),
            (3, 1, 2, 0)
        );
        // Nested: the inner suite's attribution is not made twice.
        let text = r#"<testsuites disabled="1"><testsuite name="s" disabled="1"><testcase name="a"/><testcase name="b"/></testsuite></testsuites>"#;
        let run = parse(text).unwrap();
        assert_eq!((run.total, run.passed, run.skipped), (2, 1, 1));
        // More disabled than there are passes: a contradiction.
        let text = r#"<testsuite name="s" disabled="3"><testcase name="a"/><testcase name="b"><failure/></testcase></testsuite>"#;
        let run = parse(text).unwrap();
        assert_eq!((run.total, run.failed, run.errors), (3, 1, 1));
        assert!(run.failing[1]
            .message
            .as_deref()
            .unwrap()
            .contains("skipped + disabled = 3"));
    }

    #[test]
    fn counters_claiming_hidden_failures_fail_closed() {
        let text = "<testsuites>\n<testsuite name=\"unit\" tests=\"2\" failures=\"2\">\n<testcase name=\"a\"/><testcase name=\"b\"/>\n</testsuite>\n</testsuites>";
        let run = parse(text).unwrap();
        assert_eq!(
            (run.total, run.passed, run.failed, run.errors),
            (3, 2, 0, 1)
        );
        let entry = &run.failing[0];
        assert_eq!(
            (entry.suite.as_str(), entry.name.as_str()),
            ("unit", "(suite counters)")
        );
        let message = entry.message.as_deref().unwrap();
        assert!(
            message.contains("<testsuite name=\"unit\"> at line 2")
                && message.contains("failures + errors = 2, but 0"),
            "{message}"
        );
        // `tests` above the testcases written: some are missing.
        let run =
            parse(r#"<testsuite name="u" tests="3"><testcase name="a"/></testsuite>"#).unwrap();
        assert_eq!(run.errors, 1);
        assert!(run.failing[0]
            .message
            .as_deref()
            .unwrap()
            .contains("tests = 3, but it holds 1"));
        // A root that counts what its suites hold agrees.
        let run = parse(r#"<testsuites tests="2" failures="1"><testsuite tests="1"><testcase name="a"/></testsuite><testsuite tests="1" failures="1"><testcase name="b"><failure/></testcase></testsuite></testsuites>"#).unwrap();
        assert_eq!((run.total, run.failed, run.errors), (2, 1, 0));
        // Non-numeric counters cannot be checked.
        assert!(matches!(
            parse(r#"<testsuite tests="many"><testcase name="a"/></testsuite>"#),
            Err(EvidenceError::Malformed { line: 1, .. })
        ));
    }

    #[test]
    fn a_suite_level_error_is_an_error() {
        let text = "<testsuites><testsuite name=\"hooks\" tests=\"1\" errors=\"1\">\n<error message=\"before all hook failed\">trace<system-out/></error>\n<testcase name=\"a\"/></testsuite></testsuites>";
        let run = parse(text).unwrap();
        assert_eq!((run.total, run.passed, run.errors), (2, 1, 1));
        let entry = &run.failing[0];
        assert_eq!(entry.name, "(suite-level error)");
        assert_eq!(entry.suite, "hooks");
        assert_eq!(
            entry.message.as_deref(),
            Some("line 2: an <error> outside any testcase, directly in the suite: before all hook failed")
        );
        let run = parse(r#"<testsuite name="x"><failure/></testsuite>"#).unwrap();
        assert_eq!((run.total, run.errors), (1, 1));
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
