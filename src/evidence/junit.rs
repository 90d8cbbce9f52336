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
//!   unknowable, so that many of its plain passes count as skipped instead
//!   (never a flaky pass, whose failed attempts show it ran); a suite
//!   without that many plain passes is a contradiction as above.
//! - A `<failure>` or `<error>` directly under a suite, outside every
//!   testcase (a collection error, a failing suite hook), is an error entry
//!   named after the suite.
//!
//! The XML is read with quick-xml's streaming reader (no DOM); byte offsets
//! are turned into line numbers for errors.

use std::cell::Cell;
use std::io::{BufRead, Read};
use std::path::Path;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use serde::Serialize;

use super::text::{count_newlines, malformed};
use super::xml;
use super::EvidenceError;
use crate::input::{open_input, InputKind};

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

/// Reads one JUnit XML file, streaming: a buffer at a time, each checked
/// as UTF-8 as it is read, so memory stays a buffer and the open elements
/// however large the file (it must be a regular file within the report
/// cap, `crate::input`).
pub fn read_junit(path: &Path) -> Result<TestRun, EvidenceError> {
    let cap = InputKind::Report.cap()?;
    let file = open_input(path, InputKind::Report)?;
    parse(path, Input::new(file, cap), |offset| recount(path, offset))
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
    parse(path, Input::new(text.as_bytes(), u64::MAX), |offset| {
        let end = usize::try_from(offset).map_or(text.len(), |o| o.min(text.len()));
        count_newlines(&text.as_bytes()[..end]) + 1
    })
}

/// The line of byte `offset` of the file at `path` (past a byte-order
/// mark, as [`Input`] counts), read again from the start: only for an
/// error whose place is no longer in [`Input`]'s buffer.
fn recount(path: &Path, offset: u64) -> u64 {
    let Ok(file) = std::fs::File::open(path) else {
        return 1;
    };
    let mut input = Input::new(file, u64::MAX);
    let mut newlines = 0;
    let mut left = offset;
    while left > 0 {
        let Ok(chunk) = input.fill_buf() else { break };
        if chunk.is_empty() {
            break;
        }
        let n = chunk.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        newlines += count_newlines(&chunk[..n]);
        input.consume(n);
        left -= n as u64;
    }
    newlines + 1
}

/// Most elements open at once. JUnit nests a few levels (suites, a
/// testcase, its failure); a document nested deeper is no test report,
/// and is refused by name rather than read as an empty run.
const MAX_DEPTH: usize = 1024;

/// The streaming reader behind [`read_junit`] and [`parse_junit`]:
/// `recount` gives the line of an offset [`Input`] no longer holds.
fn parse<R: Read>(
    path: &Path,
    input: Input<R>,
    recount: impl Fn(u64) -> u64,
) -> Result<TestRun, EvidenceError> {
    let mut reader = Reader::from_reader(input);
    let mut state = State {
        path,
        run: TestRun::default(),
        saw_root: false,
        open: Vec::new(),
        names: Vec::new(),
        suites: Vec::new(),
        case: None,
        suite_problem: None,
    };
    let mut buf = Vec::new();
    // Whether the parser stands between markup (its last event was an
    // element), where a plain `<testcase .../>` may be read without it.
    let mut between_elements = false;
    // Bytes read past quick-xml (plain testcases): its positions lag ours
    // by this much.
    let mut skipped: u64 = 0;
    loop {
        if between_elements && state.plain_case_here() {
            let depth = state.open.len();
            if let Some((case, len)) = plain_testcase(reader.get_mut(), depth) {
                reader.get_mut().consume(len);
                skipped += len as u64;
                state.finish_plain(case.outcome.is_some());
                continue;
            }
        }
        let position = reader.get_ref().offset();
        reader.get_mut().mark(position);
        buf.clear();
        let event = reader.read_event_into(&mut buf);
        // The line of this event's start, asked for only when needed.
        let line_of = |reader: &Reader<Input<R>>, offset: u64| {
            reader
                .get_ref()
                .line_at(offset)
                .unwrap_or_else(|| recount(offset))
        };
        // What the input refused comes first: quick-xml may have seen only
        // the end of the input it was left with (or the refusal may have
        // come while looking for a plain testcase).
        if let Some(problem) = reader.get_mut().take_problem() {
            return Err(problem.into_error(path));
        }
        let event = match event {
            Ok(event) => event,
            Err(err) => {
                let at = reader.error_position() + skipped;
                return Err(malformed(
                    path,
                    line_of(&reader, at),
                    format!("not well-formed XML: {err}"),
                ));
            }
        };
        between_elements = matches!(event, Event::Start(_) | Event::Empty(_) | Event::End(_));
        let line = || line_of(&reader, position);
        match event {
            Event::Start(ref e) => state.on_start(&line, e, false)?,
            Event::Empty(ref e) => state.on_start(&line, e, true)?,
            Event::End(_) => state.on_end(),
            Event::Text(ref t) if state.open.is_empty() => {
                if let Some(lead) = t.iter().position(|b| !b.is_ascii_whitespace()) {
                    return Err(malformed(
                        path,
                        line_of(&reader, position + lead as u64),
                        "text outside any element: not an XML document",
                    ));
                }
            }
            Event::Text(ref t) => {
                if let Some(body) = state.body() {
                    let decoded = t
                        .decode()
                        .map_err(|err| malformed(path, line(), format!("bad text: {err}")))?;
                    body.push_str(&decoded);
                }
            }
            Event::GeneralRef(_) if state.open.is_empty() => {
                return Err(malformed(
                    path,
                    line(),
                    "text outside any element: not an XML document",
                ));
            }
            // `&amp;`, `&#10;`: events of their own between the pieces of text.
            Event::GeneralRef(ref r) => {
                let resolved = xml::general_ref(r).map_err(|err| malformed(path, line(), err))?;
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
    state.end_of_input(reader.get_ref().line_at_end())
}

/// A plain empty `<testcase .../>` at the start of `input`'s buffer,
/// after any whitespace, as the [`Case`] it is and the bytes it takes
/// (whitespace included), without consuming them. `None` for anything
/// else, or for an element that runs past the buffer: quick-xml then
/// reads it.
///
/// Most of a JUnit file is these elements, and quick-xml's element reader
/// (a quote-aware search, a copy into its buffer, an event) cost more
/// than the testcase itself. This takes only what reads identically: the
/// element ends at its first `>`, `/>` closes it, and
/// [`xml::plain_attributes`] accepts what lies between (balanced quotes,
/// so no `>` was inside a value). Called only where the parser stands
/// between elements, where it would skip the whitespace too, and where an
/// empty testcase is counted as it opens (inside a suite, no testcase or
/// suite-level failure open).
fn plain_testcase<R: Read>(input: &mut Input<R>, depth: usize) -> Option<(Case, usize)> {
    let available = input.fill_buf().ok()?;
    let lead = available
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))?;
    let after = available[lead..].strip_prefix(b"<testcase")?;
    if !matches!(after.first(), Some(b' ' | b'\t' | b'\r' | b'\n' | b'/')) {
        return None;
    }
    let gt = memchr::memchr(b'>', after)?;
    let raw = after[..gt].strip_suffix(b"/")?;
    let plain = xml::plain_attributes(raw)?;
    let case = plain_case(&plain, depth, true)?;
    Some((case, lead + b"<testcase".len() + gt + 1))
}

/// The streaming parser's position in the document.
struct State<'p> {
    path: &'p Path,
    run: TestRun,
    saw_root: bool,
    /// Where each open element's name starts in `names`, innermost last.
    open: Vec<usize>,
    /// The open elements' local names, end to end: kept for the error at
    /// the end of a truncated file, without an allocation per element.
    names: Vec<u8>,
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
    /// Of `passed`, those with retries on record (nextest's
    /// `<flakyFailure>`): they evidently ran.
    flaky: u64,
    broken: u64,
    skipped: u64,
}

impl Seen {
    fn add(&mut self, other: Seen) {
        self.total += other.total;
        self.passed += other.passed;
        self.flaky += other.flaky;
        self.broken += other.broken;
        self.skipped += other.skipped;
    }
}

impl State<'_> {
    /// The input ended at `line`: the run, if the document was whole.
    fn end_of_input(self, line: u64) -> Result<TestRun, EvidenceError> {
        if !self.saw_root {
            return Err(malformed(
                self.path,
                line,
                "no XML element found (expected JUnit <testsuites> or <testsuite>)",
            ));
        }
        if let Some(&start) = self.open.last() {
            return Err(malformed(
                self.path,
                line,
                format!(
                    "unexpected end of file: <{}> is not closed",
                    String::from_utf8_lossy(&self.names[start..])
                ),
            ));
        }
        Ok(self.run)
    }

    /// Whether an empty `<testcase>` here would be counted as it opens,
    /// with nothing else to do (see [`plain_testcase`]).
    fn plain_case_here(&self) -> bool {
        !self.open.is_empty() && self.case.is_none() && self.suite_problem.is_none()
    }

    /// An element opens; `line` gives its line when a message needs it.
    fn on_start(
        &mut self,
        line: &dyn Fn() -> u64,
        e: &BytesStart<'_>,
        empty: bool,
    ) -> Result<(), EvidenceError> {
        let path = self.path;
        let local = e.local_name();
        let name = local.as_ref();
        let depth = self.open.len();
        if depth == 0 {
            check_root(path, line(), name, self.saw_root)?;
            self.saw_root = true;
        }
        // XML forbids a key twice in one element (which value would count?),
        // and a malformed attribute is malformed input, read or not.
        xml::check_attributes(e).map_err(|err| malformed(path, line(), err))?;
        if !empty && depth == MAX_DEPTH {
            return Err(malformed(
                path,
                line(),
                format!(
                    "<{}> is nested more than {MAX_DEPTH} elements deep: not a test report",
                    String::from_utf8_lossy(name)
                ),
            ));
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
                        line: line(),
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
                    let line = line();
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
            self.open.push(self.names.len());
            // The name as written, without a namespace prefix.
            let written = e.name();
            let written = written.as_ref();
            let start = memchr::memrchr(b':', written).map_or(0, |colon| colon + 1);
            self.names.extend_from_slice(&written[start..]);
        }
        Ok(())
    }

    fn on_end(&mut self) {
        if let Some(start) = self.open.pop() {
            self.names.truncate(start);
        }
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

    /// Counts an empty testcase, which passed unless `skipped` (what
    /// [`State::finish`] does for it, without building its [`Case`]).
    fn finish_plain(&mut self, skipped: bool) {
        self.run.total += 1;
        let seen = if skipped {
            self.run.skipped += 1;
            Seen {
                total: 1,
                skipped: 1,
                ..Seen::default()
            }
        } else {
            self.run.passed += 1;
            Seen {
                total: 1,
                passed: 1,
                ..Seen::default()
            }
        };
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
        // Only a plain pass can be one that did not run: a flaky pass has
        // its failed attempts on record (found by the fuzzer: counting a
        // flaky pass as a skip left more flaky tests than passes).
        let plain_passes = seen.passed - seen.flaky;
        if unmarked > plain_passes {
            let flaky = match seen.flaky {
                0 => String::new(),
                n => format!(" ({n} of them flaky, which ran)"),
            };
            problems.push(format!(
                "skipped + disabled = {claimed_skips}, but only {} of its testcases are skipped and {} passed{flaky}",
                seen.skipped, seen.passed
            ));
        } else if unmarked > 0 {
            // Some plain-looking testcases did not run; count that many
            // plain passes as skips (docs/formats.md, JUnit XML).
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
    line: &dyn Fn() -> u64,
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
                seen.flaky = 1;
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
    line: &dyn Fn() -> u64,
    e: &BytesStart<'_>,
    depth: usize,
    empty: bool,
) -> Result<Case, EvidenceError> {
    // Plain attributes (what producers write) are read directly; anything
    // else, including a wanted value that is not UTF-8, by quick-xml.
    if let Some(case) =
        xml::plain_attributes(e.attributes_raw()).and_then(|plain| plain_case(&plain, depth, empty))
    {
        return Ok(case);
    }
    let mut case = Case {
        depth,
        ..Case::default()
    };
    let mut skipped = false;
    for attr in e.attributes() {
        let attr = attr.map_err(|err| malformed(path, line(), format!("bad attribute: {err}")))?;
        let key = attr.key.as_ref();
        if !wanted(key) {
            continue;
        }
        let value = xml::attribute_value(&attr).map_err(|err| {
            malformed(
                path,
                line(),
                format!(
                    "bad value of attribute {:?}: {err}",
                    String::from_utf8_lossy(key)
                ),
            )
        })?;
        take_attribute(&mut case, &mut skipped, empty, key, &value);
    }
    case.outcome = skipped.then_some(Outcome::Skipped);
    Ok(case)
}

/// The `<testcase>` attributes that say anything.
fn wanted(key: &[u8]) -> bool {
    matches!(key, b"name" | b"classname" | b"status" | b"result")
}

/// A testcase from plain attributes; `None` when a wanted value is not
/// UTF-8 (quick-xml's reading then decides).
fn plain_case(plain: &xml::PlainAttributes<'_>, depth: usize, empty: bool) -> Option<Case> {
    let mut case = Case {
        depth,
        ..Case::default()
    };
    let mut skipped = false;
    for &(key, value) in plain.pairs() {
        // An empty testcase's name is never shown, but it is checked: a
        // value that is not verbatim is left to quick-xml's reading.
        if wanted(key) {
            if !xml::verbatim(value) {
                return None;
            }
            let value = std::str::from_utf8(value).ok()?;
            take_attribute(&mut case, &mut skipped, empty, key, value);
        }
    }
    case.outcome = skipped.then_some(Outcome::Skipped);
    Some(case)
}

/// One wanted attribute of a testcase, read into it.
fn take_attribute(case: &mut Case, skipped: &mut bool, empty: bool, key: &[u8], value: &str) {
    let is = |words: &[&str]| words.iter().any(|w| value.trim().eq_ignore_ascii_case(w));
    match key {
        b"name" if !empty => value.clone_into(&mut case.name),
        b"classname" if !empty => case.classname = Some(value.to_owned()),
        b"status" => *skipped |= is(&["disabled", "notrun", "skipped", "ignored"]),
        b"result" => *skipped |= is(&["skipped", "suppressed"]),
        _ => {}
    }
}

/// A suite's counter attributes. A counter that is present but not a
/// whole number is malformed: it cannot be checked, and a gate does not
/// guess.
fn counters(
    path: &Path,
    line: &dyn Fn() -> u64,
    e: &BytesStart<'_>,
) -> Result<Counters, EvidenceError> {
    let count = |key: &str| -> Result<Option<u64>, EvidenceError> {
        match attribute(path, line, e, key)? {
            None => Ok(None),
            Some(v) if v.trim().is_empty() => Ok(None),
            Some(v) => v.trim().parse::<u64>().map(Some).map_err(|_| {
                malformed(
                    path,
                    line(),
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
    line: &dyn Fn() -> u64,
    e: &BytesStart<'_>,
    key: &str,
) -> Result<Option<String>, EvidenceError> {
    let attr = e
        .try_get_attribute(key)
        .map_err(|err| malformed(path, line(), format!("bad attribute: {err}")))?;
    match attr {
        None => Ok(None),
        Some(attr) => xml::attribute_value(&attr)
            .map(|v| Some(v.into_owned()))
            .map_err(|err| {
                malformed(
                    path,
                    line(),
                    format!("bad value of attribute {key:?}: {err}"),
                )
            }),
    }
}

/// Buffers the input for quick-xml, checks it is UTF-8 a buffer at a time
/// (a buffer ends on a character boundary: an incomplete character waits
/// for the next read), enforces the size cap while reading, drops a
/// leading byte-order mark, and knows which line an offset is on.
///
/// Offsets count the bytes handed out (after the byte-order mark, which
/// quick-xml never sees). Newlines are counted a buffer at a time when it
/// is used up, and within the current buffer only when a line is asked
/// for: counting per event was a tenth of the reading.
struct Input<R> {
    inner: R,
    buf: Box<[u8]>,
    /// The next unread byte of `buf`.
    pos: usize,
    /// The end of the checked bytes handed out; `end..filled` holds the
    /// start of a character the next read completes.
    end: usize,
    filled: usize,
    /// The offset of `buf[0]`.
    base: u64,
    /// Newlines before `buf[0]`.
    newlines_before: u64,
    /// How far into `buf` newlines were counted for a line asked for, and
    /// how many: lines are asked in increasing order, so each byte is
    /// counted once.
    counted: Cell<(usize, u64)>,
    /// An offset whose line is kept when its buffer is replaced (the start
    /// of the event being read), with that line once known.
    mark: u64,
    mark_line: Option<u64>,
    /// Bytes read from `inner` so far, and the most allowed.
    total: u64,
    cap: u64,
    started: bool,
    /// Why reading stopped, when `inner` was fine but its bytes were not.
    problem: Option<InputProblem>,
}

/// What [`Input`] refused.
enum InputProblem {
    /// Not UTF-8, at this line.
    NotUtf8(u64),
    /// Larger than the cap.
    TooLarge(u64),
}

impl InputProblem {
    fn into_error(self, path: &Path) -> EvidenceError {
        match self {
            Self::NotUtf8(line) => malformed(path, line, "not valid UTF-8 text"),
            Self::TooLarge(cap) => EvidenceError::from(crate::input::InputError::TooLarge {
                path: path.to_path_buf(),
                size: None,
                cap,
                kind: InputKind::Report,
            }),
        }
    }
}

/// [`Input`]'s buffer: large enough that a refill is rare, small enough to
/// stay in cache.
const INPUT_BUFFER: usize = 128 * 1024;

impl<R: Read> Input<R> {
    fn new(inner: R, cap: u64) -> Self {
        Self::with_buffer(inner, cap, INPUT_BUFFER)
    }

    /// With a buffer of `size` bytes (at least 4, a character's most).
    fn with_buffer(inner: R, cap: u64, size: usize) -> Self {
        Self {
            inner,
            buf: vec![0; size.max(4)].into_boxed_slice(),
            pos: 0,
            end: 0,
            filled: 0,
            base: 0,
            newlines_before: 0,
            counted: Cell::new((0, 0)),
            mark: 0,
            mark_line: None,
            total: 0,
            cap,
            started: false,
            problem: None,
        }
    }

    /// The offset of the next unread byte.
    fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// Keeps the line of `offset` (in the current buffer) should the
    /// buffer be replaced before it is asked for.
    fn mark(&mut self, offset: u64) {
        self.mark = offset;
        self.mark_line = None;
    }

    /// The 1-based line of `offset`, if the current buffer holds it or it
    /// is the mark.
    fn line_at(&self, offset: u64) -> Option<u64> {
        if offset == self.mark {
            if let Some(line) = self.mark_line {
                return Some(line);
            }
        }
        let at = usize::try_from(offset.checked_sub(self.base)?).ok()?;
        if at > self.end {
            return None;
        }
        let (counted, newlines) = self.counted.get();
        let newlines = if at >= counted {
            let newlines = newlines + count_newlines(&self.buf[counted..at]);
            self.counted.set((at, newlines));
            newlines
        } else {
            count_newlines(&self.buf[..at])
        };
        Some(self.newlines_before + newlines + 1)
    }

    /// The line of the end of the input, once it is all read.
    fn line_at_end(&self) -> u64 {
        self.newlines_before + count_newlines(&self.buf[..self.end]) + 1
    }

    fn take_problem(&mut self) -> Option<InputProblem> {
        self.problem.take()
    }

    /// Replaces the used-up buffer with the next checked bytes.
    fn refill(&mut self) -> std::io::Result<()> {
        if self.mark >= self.base && self.mark_line.is_none() {
            self.mark_line = self.line_at(self.mark);
        }
        self.newlines_before += count_newlines(&self.buf[..self.end]);
        self.counted.set((0, 0));
        // The start of a character the last read cut off moves to the front.
        let tail = self.filled - self.end;
        self.buf.copy_within(self.end..self.filled, 0);
        self.base += self.end as u64;
        self.pos = 0;
        self.end = 0;
        self.filled = tail;
        let n = loop {
            match self.inner.read(&mut self.buf[self.filled..]) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                other => break other?,
            }
        };
        self.total += n as u64;
        self.filled += n;
        if self.total > self.cap {
            return Err(self.fail(InputProblem::TooLarge(self.cap)));
        }
        if !self.started {
            // A byte-order mark is three bytes: read until they are here.
            while self.filled < 3 && n > 0 {
                let more = self.inner.read(&mut self.buf[self.filled..])?;
                if more == 0 {
                    break;
                }
                self.total += more as u64;
                self.filled += more;
            }
            self.started = true;
            if self.buf[..self.filled].starts_with(b"\xEF\xBB\xBF") {
                self.buf.copy_within(3..self.filled, 0);
                self.filled -= 3;
            }
        }
        match std::str::from_utf8(&self.buf[..self.filled]) {
            Ok(_) => self.end = self.filled,
            // A character cut off by the read, not by the end of the input.
            Err(e) if e.error_len().is_none() && n > 0 => self.end = e.valid_up_to(),
            Err(e) => {
                let line = self.newlines_before + count_newlines(&self.buf[..e.valid_up_to()]) + 1;
                return Err(self.fail(InputProblem::NotUtf8(line)));
            }
        }
        Ok(())
    }

    fn fail(&mut self, problem: InputProblem) -> std::io::Error {
        self.problem = Some(problem);
        self.end = 0;
        self.filled = 0;
        std::io::Error::new(std::io::ErrorKind::InvalidData, "refused input")
    }
}

impl<R: Read> Read for Input<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        crate::evidence::text::read_from_buf(self, out)
    }
}

impl<R: Read> BufRead for Input<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        if self.pos == self.end && self.problem.is_none() {
            self.refill()?;
        }
        Ok(&self.buf[self.pos..self.end])
    }

    fn consume(&mut self, amt: usize) {
        self.pos = (self.pos + amt).min(self.end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses `text` as [`parse_junit`] does, and checks that every
    /// buffer size from a character's length up reads it alike: the same
    /// run, or an error of the same kind at the same line (buffers that end
    /// inside an element, a character or an error's place).
    fn parse(text: &str) -> Result<TestRun, EvidenceError> {
        let path = Path::new("junit.xml");
        let whole = parse_junit(path, text);
        for size in (4..40).chain([64, 100, 1000]) {
            let input = Input::with_buffer(text.as_bytes(), u64::MAX, size);
            let small = super::parse(path, input, |offset| {
                let end = usize::try_from(offset).map_or(text.len(), |o| o.min(text.len()));
                count_newlines(&text.as_bytes()[..end]) + 1
            });
            match (&whole, &small) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "buffer {size}: {text:?}"),
                (Err(a), Err(b)) => {
                    assert_eq!(a.to_string(), b.to_string(), "buffer {size}: {text:?}");
                }
                _ => panic!("buffer {size} reads {text:?} as {small:?}, not {whole:?}"),
            }
        }
        whole
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

    /// Read a buffer at a time, the text is still checked as UTF-8 whole:
    /// characters cut by a buffer's end read as themselves, a byte-order
    /// mark is dropped, and a bad byte is an error at its line.
    #[test]
    fn utf8_is_checked_across_buffers() {
        let text = "\u{feff}<testsuite name=\"ü€😀\">\n<testcase name=\"é\"><failure message=\"😀 ü\"/></testcase></testsuite>";
        let run = parse(text).unwrap();
        assert_eq!(run.failing[0].suite, "ü€😀");
        assert_eq!(run.failing[0].message.as_deref(), Some("😀 ü"));
        for bytes in [
            &b"<testsuite>\n\n\xff</testsuite>"[..],
            b"<testsuite>\n\n<a>\xe2\x82",
        ] {
            let input = Input::with_buffer(bytes, u64::MAX, 5);
            let err = super::parse(Path::new("j.xml"), input, |_| 0).unwrap_err();
            assert_eq!(
                err.to_string(),
                "j.xml:3: not valid UTF-8 text",
                "{bytes:?}"
            );
        }
    }

    /// XML allows a key once per element; a second is not a choice
    /// between two values but malformed input, on any element.
    #[test]
    fn a_duplicate_attribute_is_malformed() {
        for text in [
            "<testsuites>\n<testsuite name=\"a\" tests=\"1\" tests=\"5\"><testcase name=\"x\"/></testsuite></testsuites>",
            "<testsuites>\n<testsuite name=\"a\"><testcase name=\"x\" name=\"y\"/></testsuite></testsuites>",
            "<testsuites>\n<testsuite name=\"a\"><testcase name=\"x\"><failure message=\"m\" message=\"n\"/></testcase></testsuite></testsuites>",
            "<testsuites>\n<properties><property name=\"a\" name=\"b\"/></properties></testsuites>",
        ] {
            let err = parse(text).unwrap_err().to_string();
            assert!(err.starts_with("junit.xml:2: bad attribute:"), "{text}: {err}");
            assert!(err.contains("duplicated attribute"), "{text}: {err}");
        }
    }

    /// Suites nested past any producer's depth are refused by name and
    /// line, not read as an empty run.
    #[test]
    fn absurd_nesting_is_malformed() {
        let text = format!(
            "{}\n{}",
            "<testsuite>".repeat(MAX_DEPTH),
            "<testsuite>".repeat(5)
        );
        let err = parse_junit(Path::new("deep.xml"), &text)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("deep.xml:2: <testsuite> is nested more than 1024 elements deep"),
            "{err}"
        );
        let nested = format!(
            "{}<testcase name=\"a\"/>{}",
            "<testsuite>".repeat(50),
            "</testsuite>".repeat(50)
        );
        assert_eq!(parse(&nested).unwrap().total, 1);
    }

    #[test]
    fn an_unclosed_element_is_named_without_its_prefix() {
        let err = parse("<testsuites>\n<x:testsuite>\n<a:b:testcase name=\"t\">\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "junit.xml:4: unexpected end of file: <testcase> is not closed"
        );
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
