//! A streaming reader of Cobertura XML as written by coverage.py,
//! cargo-tarpaulin, gcovr, grcov and lcov2cobertura (cargo-llvm-cov
//! `--cobertura`) (docs/formats.md, Cobertura).
//!
//! # What counts
//!
//! - Lines: the `<line number hits>` elements of each `<class>`'s `<lines>`,
//!   never the `line-rate`/`lines-covered` attributes, whose formatting
//!   differs from producer to producer. The `<line>` copies under
//!   `<method>` do not count again. Two dialects are read too: a `<line>`
//!   directly under `<class>` (no `<lines>` around it) is a class line, and
//!   a class whose lines sit only under its `<method>`s (Swift/Xcode and
//!   some .NET converters) has those as its lines. A `<line>` outside any
//!   `<class>` is refused rather than dropped.
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
//! A document whose root element is not `<coverage>`, or whose first
//! element names another `<coverage>` format (Clover's `<project>`,
//! `SonarQube`'s `<file>`, `NCover`'s `<module>`), is
//! [`EvidenceError::UnknownFormat`], naming that format. A second root
//! element after `</coverage>` is malformed, not merged in. XML that is not well-formed, a
//! `<line>` without a numeric `number` or `hits`, an unreadable
//! `condition-coverage`, and a document that ends before `</coverage>`
//! are [`EvidenceError::Malformed`], naming the line of the input.
//!
//! # Reading in parts
//!
//! A large file is read in parts, one per core, cut just after `</class>`
//! strings (`read::read_cobertura_file`). A part cannot know whether its
//! cut is an end tag (it may be in a comment) or what encloses it, so each
//! later part reads as if it starts between classes and records what it
//! assumed (`PartEnd`); `parts_join` keeps the parts only when every
//! assumption held. Otherwise one reader reads the file again, and its
//! result or error is the answer: reading in parts changes only how fast.

use std::borrow::Cow;
use std::io::{BufRead, Read};
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender};

use quick_xml::events::{BytesStart, Event};

use super::lcov::{parse_count, Sink};
use super::paths::{impossible_name, leaves_root, resolve_cobertura, PathNormalizer};
use super::{BranchKey, BranchName, CoverageReport, FileCoverage, ReadOptions};
use crate::evidence::detect::{coverage_child_dialect, dialect_name, XmlDialect};
use crate::evidence::text::{count_newlines, digits_then};
use crate::evidence::xml::{self, skip_space};
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
    let paths = PathNormalizer::new(opts.root(), &opts.strip_prefix);
    read_cobertura_part(input, source, paths, Role::Whole, Sink::Own(into)).map(|_| ())
}

/// Which part of a document a reading is (see `read::read_cobertura_file`,
/// which reads a large document in parts, one per core).
pub(super) enum Role {
    /// The whole document.
    Whole,
    /// The document from its start to a cut just after a `</class>`. It
    /// hands its `<source>`s to the later parts when its first `<class>`
    /// opens, by which time a Cobertura writer has written them all.
    First {
        /// One sender per later part.
        announce: Vec<SyncSender<Vec<String>>>,
    },
    /// The document from a cut just after a `</class>`, read as if what
    /// came before had been read and left no class, method or source
    /// open, the elements around it unknown ([`PartEnd`] says what the
    /// part assumed, for [`parts_join`] to check).
    Continuation {
        /// The first part's `<source>`s, once it knows them; a closed
        /// channel (the first part failed) abandons the part.
        sources: Receiver<Vec<String>>,
    },
}

/// What a part left at its end, for [`parts_join`]: whether the parts
/// read one after another are what one reader would have read.
#[derive(Debug)]
pub(super) struct PartEnd {
    /// The elements the part opened and left open, outermost first: for
    /// the first part, every element open at its end.
    open: Vec<Vec<u8>>,
    /// The elements a later part closed without having opened them,
    /// innermost first: those open at its start, as far as it saw.
    closed_before: Vec<Vec<u8>>,
    /// For a later part: whether an element started at the lowest level
    /// the part reached (a second root element, if that level is outside
    /// the root; the first part's reader refuses one itself).
    started_at_lowest: bool,
    /// Whether the part's end is a place another part may start at, and
    /// the part read what the others assumed: no class, method or source
    /// open at its end, no `<source>` after the first part handed them
    /// on, and (for a later part) the sources received.
    sound: bool,
}

/// Whether the parts of one document, each read by
/// [`read_cobertura_part`] without an error, read it as one reader would:
/// every part's closing of elements it did not open matches what the
/// parts before left open, no element starts after the root closed, the
/// root is closed at the end, and each part is [`PartEnd::sound`]. When
/// this holds, each part started in the state one reader would have been
/// in at its cut (no class, method or source open, the same `<source>`s),
/// so what the parts put into the report is what one reader puts in
/// (merging is order-independent). When it does not, the document is read
/// again by one reader, which decides.
pub(super) fn parts_join(ends: &[PartEnd]) -> bool {
    let mut open: Vec<&[u8]> = Vec::new();
    for end in ends {
        if !end.sound {
            return false;
        }
        for name in &end.closed_before {
            if open.pop() != Some(name.as_slice()) {
                return false;
            }
        }
        if open.is_empty() && end.started_at_lowest {
            return false;
        }
        open.extend(end.open.iter().map(Vec::as_slice));
    }
    open.is_empty()
}

/// Reads one part (see [`Role`]) of a Cobertura XML document from `input`
/// into `sink`. Only a [`Role::Whole`] reading checks that the document
/// ends where it should; the other parts leave that to [`parts_join`].
pub(super) fn read_cobertura_part<R: BufRead>(
    input: R,
    source: &Path,
    paths: PathNormalizer,
    role: Role,
    sink: Sink<'_>,
) -> Result<PartEnd, EvidenceError> {
    let mut xml = quick_xml::Reader::from_reader(LineCounter::new(input));
    // Text matters only inside `<source>`: elsewhere the whitespace between
    // elements (one run before every `<line>`) is skipped by the parser
    // rather than copied out as an event of its own. Inside `<source>` the
    // text is kept exactly, and trimmed once whole (see `State::end`).
    xml.config_mut().trim_text_start = true;
    xml.config_mut().trim_text_end = false;
    let mut state = State {
        paths,
        report: sink,
        sources: Vec::new(),
        in_source: false,
        depth: 0,
        root_seen: false,
        child_seen: false,
        class: None,
        method: None,
        class_lines_depth: None,
        handover: Handover::default(),
    };
    // The end-tag check is ours (`Open`), so that plain tags read without
    // quick-xml (`plain_tag`) are checked alike; quick-xml's own stack of
    // names then no longer matches, so it must not check.
    xml.config_mut().check_end_names = false;
    xml.config_mut().allow_unmatched_ends = true;
    let mut open = Open::default();
    // Whether the parser stands between markup (its last event was an
    // element), where a plain `<line .../>` or tag may be read without it.
    let mut between_elements = false;
    let whole = matches!(role, Role::Whole);
    match role {
        Role::Whole => {}
        Role::First { announce } => state.handover.announce = announce,
        Role::Continuation { sources } => {
            let Ok(sources) = sources.recv() else {
                return Ok(PartEnd::abandoned());
            };
            state.continue_with(sources, &mut open);
            between_elements = true;
        }
    }
    read_events(&mut xml, source, &mut state, &mut open, between_elements)?;
    if whole {
        let problem = if !state.root_seen {
            Problem::Unknown("no XML root element".into())
        } else if state.depth > 0 {
            Problem::Malformed("the document ends before `</coverage>` (truncated file?)".into())
        } else {
            return Ok(PartEnd::abandoned());
        };
        return Err(problem.at(source, xml.get_ref().line()));
    }
    Ok(PartEnd {
        sound: state.class.is_none()
            && state.method.is_none()
            && !state.in_source
            && !state.handover.foreign_source
            && state.handover.done,
        open: open.names_open(),
        closed_before: open.closed_before,
        started_at_lowest: open.started_at_bottom,
    })
}

/// Reads `xml`'s events to its end into `state`. `between_elements`:
/// whether the input starts between elements (a later part of a document).
fn read_events<R: BufRead>(
    xml: &mut quick_xml::Reader<LineCounter<R>>,
    source: &Path,
    state: &mut State<'_>,
    open: &mut Open,
    mut between_elements: bool,
) -> Result<(), EvidenceError> {
    let mut buf = Vec::new();
    loop {
        if between_elements && state.depth >= 2 && !state.in_source {
            match plain_line(xml.get_mut()) {
                Ok(Some((found, len))) => {
                    let result = state.plain(found, open);
                    xml.get_mut().consume(len);
                    if let Err(problem) = result {
                        return Err(problem.at(source, xml.get_ref().line()));
                    }
                    continue;
                }
                Ok(None) => {}
                Err(e) => {
                    return Err(Problem::Malformed(format!("not well-formed XML: {e}"))
                        .at(source, xml.get_ref().line()))
                }
            }
        }
        buf.clear();
        let event = match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => {
                open.push(e.name().as_ref());
                Ok(Event::Start(e))
            }
            Ok(Event::Empty(e)) => {
                open.empty();
                Ok(Event::Empty(e))
            }
            Ok(Event::End(e)) => open.pop(e.name().as_ref()).map(|()| Event::End(e)),
            other => other,
        };
        between_elements = matches!(event, Ok(Event::Start(_) | Event::Empty(_) | Event::End(_)));
        let result = match event {
            Ok(Event::Start(e)) if e.name().as_ref() == b"source" => {
                xml.config_mut().trim_text_start = false;
                state.start(&e).map(|()| state.depth += 1)
            }
            Ok(Event::Start(e)) => state.start(&e).map(|()| state.depth += 1),
            // `<line/>`, the commonest element by far, needs no closing step.
            Ok(Event::Empty(e)) if e.name().as_ref() == b"line" => state.start(&e),
            Ok(Event::Empty(e)) => state.start(&e).map(|()| state.end(e.name().as_ref())),
            Ok(Event::End(e)) => {
                if e.name().as_ref() == b"source" {
                    xml.config_mut().trim_text_start = true;
                }
                state.depth = state.depth.saturating_sub(1);
                state.end(e.name().as_ref());
                Ok(())
            }
            Ok(Event::Text(t)) if state.in_source => match t.decode() {
                Ok(text) => {
                    state.source_text(&text);
                    Ok(())
                }
                Err(e) => Err(Problem::Malformed(format!("bad XML text: {e}"))),
            },
            Ok(Event::GeneralRef(r)) if state.in_source => match xml::general_ref(&r) {
                Ok(text) => {
                    state.source_text(&text);
                    Ok(())
                }
                Err(e) => Err(Problem::Malformed(e)),
            },
            Ok(Event::Eof) => return Ok(()),
            Ok(_) => Ok(()),
            Err(e) if state.root_seen => {
                Err(Problem::Malformed(format!("not well-formed XML: {e}")))
            }
            Err(e) => Err(Problem::Unknown(format!("not well-formed XML: {e}"))),
        };
        if let Err(problem) = result {
            return Err(problem.at(source, xml.get_ref().line()));
        }
    }
}

/// The depth a later part of a document starts at (see
/// [`Role::Continuation`]): below it, a part closes elements it did not
/// open, which [`parts_join`] matches against the parts before.
const CONTINUATION_DEPTH: usize = 1 << 20;

impl PartEnd {
    /// The end of a part that read nothing another part can be joined to
    /// (and of a whole reading, where nothing is joined).
    fn abandoned() -> Self {
        Self {
            open: Vec::new(),
            closed_before: Vec::new(),
            started_at_lowest: false,
            sound: false,
        }
    }
}

/// The names of the open elements, for the check quick-xml's reader makes
/// of every end tag (its `check_end_names`), made here for the tags it
/// reads and for those [`plain_tag`] reads alike, with its own errors.
#[derive(Default)]
struct Open {
    names: Vec<u8>,
    starts: Vec<usize>,
    /// In a later part of a document ([`Role::Continuation`]): an end tag
    /// with nothing open closes an element opened before the part.
    continuation: bool,
    /// The names of those elements, innermost first.
    closed_before: Vec<Vec<u8>>,
    /// In a later part: whether an element started since the last of
    /// those (or since the start) at the part's outermost level.
    started_at_bottom: bool,
}

impl Open {
    fn push(&mut self, name: &[u8]) {
        self.empty();
        self.starts.push(self.names.len());
        self.names.extend_from_slice(name);
    }

    /// An element opens and closes at once (an empty element).
    #[inline]
    fn empty(&mut self) {
        if self.continuation && self.starts.is_empty() {
            self.started_at_bottom = true;
        }
    }

    /// The names still open, outermost first.
    fn names_open(&self) -> Vec<Vec<u8>> {
        let ends = self
            .starts
            .iter()
            .skip(1)
            .copied()
            .chain([self.names.len()]);
        self.starts
            .iter()
            .zip(ends)
            .map(|(&start, end)| self.names[start..end].to_vec())
            .collect()
    }

    /// Closes the innermost element, which must be `name`.
    fn pop(&mut self, name: &[u8]) -> Result<(), quick_xml::Error> {
        use quick_xml::errors::IllFormedError;
        // As quick-xml decodes names for its messages.
        let decode = |b: &[u8]| {
            std::str::from_utf8(b)
                .map(str::to_owned)
                .unwrap_or_default()
        };
        let Some(start) = self.starts.pop() else {
            if self.continuation {
                self.closed_before.push(name.to_vec());
                self.started_at_bottom = false;
                return Ok(());
            }
            return Err(IllFormedError::UnmatchedEndTag(decode(name)).into());
        };
        let expected = &self.names[start..];
        let result = if expected == name {
            Ok(())
        } else {
            Err(IllFormedError::MismatchedEndTag {
                expected: decode(expected),
                found: decode(name),
            }
            .into())
        };
        self.names.truncate(start);
        result
    }
}

/// What went wrong, before the line it happened on is known.
enum Problem {
    /// Cobertura, but wrong.
    Malformed(String),
    /// Not Cobertura at all.
    Unknown(String),
}

impl Problem {
    fn at(self, path: &Path, line: u64) -> EvidenceError {
        let path = path.to_path_buf();
        match self {
            Self::Malformed(message) => EvidenceError::Malformed {
                path,
                line,
                message,
            },
            Self::Unknown(message) => EvidenceError::UnknownFormat { path, message },
        }
    }
}

/// The `<class>` being read: its file's coverage, taken out of the report.
struct Class {
    path: String,
    file: FileCoverage,
    /// Whether a `<line>` outside the class's methods was read.
    has_class_lines: bool,
    /// The lines under its `<method>`s: `(number, hits, condition-coverage)`,
    /// the class's lines when it has no others.
    method_lines: Vec<MethodLine>,
}

/// A `<line>` under a `<method>`: number, hits, `condition-coverage` (taken, total).
type MethodLine = (u32, u64, Option<(u32, u32)>);

/// The `<method>` being read.
struct Method {
    name: String,
    line_rate_positive: bool,
    first_line: Option<u32>,
    most_hits: u64,
    has_lines: bool,
}

struct State<'a> {
    paths: PathNormalizer,
    report: Sink<'a>,
    sources: Vec<String>,
    in_source: bool,
    depth: usize,
    root_seen: bool,
    /// Whether the root's first child element was seen (and checked).
    child_seen: bool,
    class: Option<Class>,
    method: Option<Method>,
    /// Depth of the class's own `<lines>` element while inside it.
    class_lines_depth: Option<usize>,
    /// The `<source>`s handed between the parts of a document read in parts.
    handover: Handover,
}

/// The `<source>`s handed from the first part of a document to the others
/// ([`Role`]).
#[derive(Default)]
struct Handover {
    /// The later parts waiting for the first part's `<source>`s
    /// ([`Role::First`]), told when its first class opens.
    announce: Vec<SyncSender<Vec<String>>>,
    /// Whether the sources were handed on, or (in a later part) received.
    done: bool,
    /// Whether a `<source>` opened after that, which the other parts did
    /// not see: they are then not to be joined.
    foreign_source: bool,
}

impl State<'_> {
    /// Starts a later part of a document ([`Role::Continuation`]) with the
    /// first part's `<source>`s.
    fn continue_with(&mut self, sources: Vec<String>, open: &mut Open) {
        self.sources = sources;
        // Past the root and its first child, at a depth unknown but deep
        // enough that no closing reaches zero.
        self.root_seen = true;
        self.child_seen = true;
        self.depth = CONTINUATION_DEPTH;
        self.handover.done = true;
        open.continuation = true;
    }

    /// An element opens (for an empty element, [`State::end`] follows).
    fn start(&mut self, e: &BytesStart<'_>) -> Result<(), Problem> {
        // Cobertura has no namespaces; the plain name saves a search for `:`.
        let name = e.name();
        let name = name.as_ref();
        if self.depth == 0 && self.root_seen {
            return Err(Problem::Malformed(format!(
                "a second root element <{}> after `</coverage>`",
                String::from_utf8_lossy(name)
            )));
        }
        if self.depth == 1 && !self.child_seen {
            self.child_seen = true;
            let dialect = coverage_child_dialect(name);
            // An unexpected first element that names no known format is
            // left to the rest of the reader.
            let refuse = match &dialect {
                XmlDialect::Cobertura => false,
                XmlDialect::Foreign(_) => is_named_foreign(&dialect),
                _ => true,
            };
            if refuse {
                return Err(Problem::Unknown(format!(
                    "this is {}, not Cobertura",
                    dialect_name(&dialect)
                )));
            }
        }
        if !self.root_seen {
            if name != b"coverage" {
                return Err(Problem::Unknown(format!(
                    "XML with root element <{}>, not Cobertura's <coverage>",
                    String::from_utf8_lossy(name)
                )));
            }
            self.root_seen = true;
            return Ok(());
        }
        match name {
            b"line" => self.line(e),
            b"source" => {
                self.handover.foreign_source |= self.handover.done;
                self.in_source = true;
                self.sources.push(String::new());
                Ok(())
            }
            b"class" => self.class(e),
            b"method" if self.class.is_some() => {
                if let Some(method) = plain_method(e) {
                    self.method = Some(method);
                    return Ok(());
                }
                let mut name = String::new();
                let mut signature = String::new();
                let mut line_rate_positive = false;
                // Checked first (a key twice is malformed, as on `<line>`:
                // taking either name or rate would be a guess), then one
                // pass over the attributes rather than a search per key.
                xml::check_attributes(e)
                    .map_err(|err| Problem::Malformed(format!("<method>: {err}")))?;
                for a in e.attributes().with_checks(false).flatten() {
                    let key = a.key.as_ref();
                    if !matches!(key, b"name" | b"signature" | b"line-rate") {
                        continue;
                    }
                    let value = xml::attribute_value(&a).map_err(|err| {
                        Problem::Malformed(format!(
                            "<method>: bad value of `{}`: {err}",
                            String::from_utf8_lossy(key)
                        ))
                    })?;
                    match key {
                        b"name" => name = value.into_owned(),
                        b"signature" => signature = value.into_owned(),
                        b"line-rate" => {
                            line_rate_positive = value.trim().parse::<f64>().is_ok_and(|r| r > 0.0);
                        }
                        _ => {}
                    }
                }
                name.push_str(&signature);
                self.method = Some(Method {
                    name,
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

    /// `<class filename>`: the file whose lines follow.
    fn class(&mut self, e: &BytesStart<'_>) -> Result<(), Problem> {
        // Checked (a key twice is malformed): which file a class is
        // decides which rules see its lines.
        let filename = xml::attribute(e, b"filename")
            .map_err(|err| Problem::Malformed(format!("<class>: {err}")))?
            .ok_or_else(|| Problem::Malformed("<class> without a `filename`".into()))?;
        if !self.handover.done && !self.handover.announce.is_empty() {
            self.handover.done = true;
            for part in self.handover.announce.drain(..) {
                // A part that is gone has failed; the reading is redone.
                let _ = part.send(self.sources.clone());
            }
        }
        let path = resolve_cobertura(&mut self.paths, &self.sources, &filename);
        // The resolved path, so a NUL in a <source> is caught too.
        if let Some(why) = impossible_name(&path) {
            return Err(Problem::Malformed(format!("<class filename>: {why}")));
        }
        // A path outside the repository would escape every
        // critical-path glob, and pass.
        if leaves_root(&path) {
            return Err(Problem::Malformed(format!(
                "<class filename=\"{filename}\"> is `{path}` relative to the repository root, \
                 outside it: check the report's <sources> or pass --strip-prefix"
            )));
        }
        if let Some(open) = self.class.take() {
            // A class nested in a class is not Cobertura; keep the data anyway.
            self.put_class(open);
        }
        let (path, file) = self.report.take_file(path);
        self.class = Some(Class {
            path,
            file,
            has_class_lines: false,
            method_lines: Vec::new(),
        });
        Ok(())
    }

    /// What [`plain_line`] read, as the same events from quick-xml are
    /// handled in [`read_cobertura`].
    fn plain(&mut self, found: Plain<'_>, open: &mut Open) -> Result<(), Problem> {
        match found {
            Plain::Values(values) => self.line_values(values),
            Plain::Attributes(found) => self.line_from(found),
            Plain::Start(e) => {
                open.push(e.name().as_ref());
                self.start(&e).map(|()| self.depth += 1)
            }
            Plain::Empty(e) if e.name().as_ref() == b"line" => {
                open.empty();
                self.start(&e)
            }
            Plain::Empty(e) => {
                open.empty();
                self.start(&e).map(|()| self.end(e.name().as_ref()))
            }
            Plain::End(name) => match open.pop(name) {
                Ok(()) => {
                    self.depth = self.depth.saturating_sub(1);
                    self.end(name);
                    Ok(())
                }
                // The root is open at this depth.
                Err(e) => Err(Problem::Malformed(format!("not well-formed XML: {e}"))),
            },
        }
    }

    /// A piece of the text of the open `<source>`.
    fn source_text(&mut self, text: &str) {
        if let Some(last) = self.sources.last_mut() {
            last.push_str(text);
        }
    }

    /// An element closes.
    fn end(&mut self, name: &[u8]) {
        match name {
            b"source" => {
                self.in_source = false;
                // Text arrives in pieces (entities are events of their own):
                // the source is complete only now. An empty one says nothing.
                if let Some(last) = self.sources.last_mut() {
                    let trimmed = last.trim();
                    if trimmed.is_empty() {
                        self.sources.pop();
                    } else if trimmed.len() != last.len() {
                        *last = trimmed.to_owned();
                    }
                }
            }
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
                    self.put_class(class);
                }
                self.class_lines_depth = None;
            }
            _ => {}
        }
    }

    /// A class is complete: back into the report, with its methods' lines
    /// as its own when it had no others.
    fn put_class(&mut self, mut class: Class) {
        if !class.has_class_lines {
            for (number, hits, conditions) in std::mem::take(&mut class.method_lines) {
                class.file.add_line(number, hits);
                if let Some((taken, total)) = conditions {
                    add_conditions(&mut class.file, number, taken, total);
                }
            }
        }
        self.report.put_file(class.path, class.file);
    }

    /// `<line number hits [condition-coverage]>`, as quick-xml read it.
    fn line(&mut self, e: &BytesStart<'_>) -> Result<(), Problem> {
        // Refused before its attributes are read, as it always was.
        self.line_check()?;
        let found = line_attributes(e)?;
        self.line_from(found)
    }

    /// Refuses a `<line>` in no `<class>`.
    fn line_check(&self) -> Result<(), Problem> {
        if self.class_lines_depth.is_none() && self.class.is_none() && self.method.is_none() {
            return Err(Problem::Malformed(
                "<line> outside any <class>: not a Cobertura layout tollgate reads".into(),
            ));
        }
        Ok(())
    }

    /// A `<line>`'s attributes, however they were read.
    fn line_from(&mut self, found: LineAttributes<'_>) -> Result<(), Problem> {
        let LineAttributes {
            number,
            hits,
            conditions,
        } = found;
        self.line_check()?;
        let number = number
            .as_deref()
            .and_then(parse_u32)
            .ok_or_else(|| Problem::Malformed("<line> without a numeric `number`".into()))?;
        let hits = hits
            .as_deref()
            .and_then(parse_count)
            .ok_or_else(|| Problem::Malformed("<line> without a numeric `hits`".into()))?;
        let conditions = match conditions {
            None => None,
            Some(conditions) => Some(parse_condition_coverage(&conditions).ok_or_else(|| {
                Problem::Malformed(format!(
                    "unreadable condition-coverage `{}`: expected `P% (covered/total)`",
                    String::from_utf8_lossy(&conditions)
                ))
            })?),
        };
        self.line_values(LineValues {
            number,
            hits,
            conditions,
        })
    }

    /// A `<line>`'s values, read and checked: the hot path.
    #[inline]
    fn line_values(&mut self, values: LineValues) -> Result<(), Problem> {
        self.line_check()?;
        let LineValues {
            number,
            hits,
            conditions,
        } = values;
        // A `<line>` in a class but in none of its methods is a class line,
        // within `<lines>` or (a dialect) directly under `<class>`.
        let in_class_lines =
            self.class_lines_depth.is_some() || (self.method.is_none() && self.class.is_some());
        let Some(class) = self.class.as_mut() else {
            return Ok(());
        };
        if let Some(method) = self.method.as_mut() {
            method.has_lines = true;
            method.first_line = Some(method.first_line.map_or(number, |l| l.min(number)));
            method.most_hits = method.most_hits.max(hits);
            if !in_class_lines {
                if !class.has_class_lines {
                    class.method_lines.push((number, hits, conditions));
                }
                return Ok(());
            }
        }
        if !class.has_class_lines {
            class.has_class_lines = true;
            class.method_lines = Vec::new();
        }
        class.file.add_line(number, hits);
        if let Some((taken, total)) = conditions {
            add_conditions(&mut class.file, number, taken, total);
        }
        Ok(())
    }
}

/// An attribute value as text, an absent one as empty; `None` if not UTF-8.
fn utf8(value: Option<&[u8]>) -> Option<&str> {
    value.map_or(Some(""), |v| std::str::from_utf8(v).ok())
}

/// A `<method>` whose attributes are all plain (see
/// [`xml::plain_attributes`]) and UTF-8, read as [`State::start`] reads
/// any other; `None` leaves it to that general reading.
fn plain_method(e: &BytesStart<'_>) -> Option<Method> {
    // Only the values read are decoded (as quick-xml decodes only those).
    let [name, signature, line_rate] =
        xml::plain_values(e.attributes_raw(), [b"name", b"signature", b"line-rate"])?;
    let line_rate_positive = utf8(line_rate)?
        .trim()
        .parse::<f64>()
        .is_ok_and(|r| r > 0.0);
    Some(Method {
        name: [utf8(name)?, utf8(signature)?].concat(),
        line_rate_positive,
        first_line: None,
        most_hits: 0,
        has_lines: false,
    })
}

/// `total` branch outcomes on `line`, the first `taken` of them taken.
fn add_conditions(file: &mut FileCoverage, line: u32, taken: u32, total: u32) {
    for i in 0..total {
        let key = BranchKey {
            line,
            block: 0,
            branch: BranchName::Index(i),
        };
        file.add_branch(key, Some(u64::from(i < taken)));
    }
}

/// Whether `dialect` is a format tollgate knows by name (not just an
/// unexpected first element, which a Cobertura writer may yet produce).
fn is_named_foreign(dialect: &XmlDialect) -> bool {
    match dialect {
        XmlDialect::Foreign(name) => !name.starts_with("a <coverage>"),
        _ => false,
    }
}

/// A `<line>`'s values: `number`, `hits` and `condition-coverage`
/// (taken, total).
#[derive(Clone, Copy)]
struct LineValues {
    number: u32,
    hits: u64,
    conditions: Option<(u32, u32)>,
}

/// The attributes of `<line>` that count.
#[derive(Default)]
struct LineAttributes<'a> {
    number: Option<Cow<'a, [u8]>>,
    hits: Option<Cow<'a, [u8]>>,
    conditions: Option<Cow<'a, [u8]>>,
}

/// Picks out `<line>`'s attributes. Producers write them as plain
/// `key="value"` pairs, which [`scan_line_attributes`] reads in one pass;
/// for anything else (entities, spaces around `=`) quick-xml's full
/// attribute parser decides, so both paths read every document alike.
fn line_attributes<'a>(e: &'a BytesStart<'_>) -> Result<LineAttributes<'a>, Problem> {
    if let Some(found) = scan_line_attributes(e.attributes_raw()) {
        return Ok(found);
    }
    let mut found = LineAttributes::default();
    let bad =
        |err: &dyn std::fmt::Display| Problem::Malformed(format!("bad attribute in <line>: {err}"));
    for a in e.attributes() {
        let a = a.map_err(|err| bad(&err))?;
        let slot = match a.key.as_ref() {
            b"number" => &mut found.number,
            b"hits" => &mut found.hits,
            b"condition-coverage" => &mut found.conditions,
            _ => continue,
        };
        let value = xml::attribute_value(&a).map_err(|err| bad(&err))?;
        *slot = Some(Cow::Owned(value.into_owned().into_bytes()));
    }
    Ok(found)
}

/// The fast path of [`line_attributes`]: the pairs [`xml::plain_attributes`]
/// takes (plain `key="value"` pairs, no key twice), the wanted values
/// [`xml::verbatim`]; `None` for anything else, which quick-xml decides.
fn scan_line_attributes(raw: &[u8]) -> Option<LineAttributes<'_>> {
    let [number, hits, conditions] =
        xml::plain_values(raw, [b"number", b"hits", b"condition-coverage"])?;
    Some(LineAttributes {
        number: number.map(Cow::Borrowed),
        hits: hits.map(Cow::Borrowed),
        conditions: conditions.map(Cow::Borrowed),
    })
}

/// A plain `<line .../>` or other plain tag (see [`plain_tag`]) at the
/// start of `input`'s buffer, after any whitespace: what it holds and the
/// bytes it takes (whitespace included), without consuming them. `None`
/// for anything else, or for an element that runs past the buffer:
/// quick-xml then reads it.
///
/// Most of a Cobertura file is these elements, and quick-xml's general
/// element reader (a quote-aware search per attribute, a copy into its
/// buffer, an event) cost more than the reading of the line itself. This
/// takes only what would read identically: the element ends at its first
/// `>`, `/>` closes it, and [`scan_line_attributes`] accepts what lies
/// between (balanced quotes, so no `>` was inside a value, and no `&` in
/// a value that counts). Called only where the parser stands between
/// elements outside `<source>`, where it would skip the whitespace too.
fn plain_line<R: Read>(input: &mut LineCounter<R>) -> std::io::Result<Option<(Plain<'_>, usize)>> {
    let available = input.fill_buf()?;
    // The indentation is skipped once, not by each reading in turn.
    let lead = skip_space(available, 0);
    let rest = &available[lead..];
    let found = if let Some((values, len)) = quick_line(rest) {
        Some((Plain::Values(values), len))
    } else if rest.starts_with(b"<line") {
        plain_line_attributes(rest).or_else(|| plain_tag(rest))
    } else {
        plain_tag(rest)
    };
    Ok(found.map(|(plain, len)| (plain, lead + len)))
}

/// The `<line .../>` of [`plain_line`] that [`quick_line`] leaves, read to
/// its attribute values by [`scan_line_attributes`].
fn plain_line_attributes(available: &[u8]) -> Option<(Plain<'_>, usize)> {
    let lead = available
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        .unwrap_or(available.len());
    let (raw, len) = xml::empty_element(&available[lead..], b"line")?;
    scan_line_attributes(raw).map(|found| (Plain::Attributes(found), lead + len))
}

/// What [`plain_line`] found.
enum Plain<'a> {
    /// Read to the values by [`quick_line`].
    Values(LineValues),
    /// Read to the attribute values by [`scan_line_attributes`].
    Attributes(LineAttributes<'a>),
    /// A start tag, read by [`plain_tag`].
    Start(BytesStart<'a>),
    /// An empty element, read by [`plain_tag`].
    Empty(BytesStart<'a>),
    /// An end tag's name, read by [`plain_tag`].
    End(&'a [u8]),
}

/// A plain tag at the start of `s`, after any whitespace, as quick-xml's
/// reader would give it, and the bytes it takes; `None` for anything
/// else, which quick-xml then reads (issue 14: its reading of the
/// elements around the `<line>`s, `<method>`, `<lines>` and their end
/// tags, was most of what was left of a Cobertura file's cost).
///
/// Taken are `</name>` and `<name ...>` or `<name .../>` whose first `>`
/// ends the tag: no `'` within and an even number of `"` before it, so
/// that `>` is outside every attribute value, where quick-xml's
/// quote-aware search ends the tag too. Names are plain (an ASCII letter
/// or `_`, then letters, digits, `_`, `-`, `.`, `:`), the tag is UTF-8,
/// and `<source>`, whose text the reader keeps, is left to quick-xml.
fn plain_tag(s: &[u8]) -> Option<(Plain<'_>, usize)> {
    let lead = skip_space(s, 0);
    let rest = &s[lead..];
    if rest.first() != Some(&b'<') {
        return None;
    }
    let gt = memchr::memchr(b'>', rest)?;
    let inner = &rest[1..gt];
    let used = lead + gt + 1;
    if let Some(name) = inner.strip_prefix(b"/") {
        return is_plain_name(name).then_some((Plain::End(name), used));
    }
    if memchr::memchr(b'\'', inner).is_some() || memchr::memchr_iter(b'"', inner).count() % 2 != 0 {
        return None;
    }
    let (content, empty) = match inner.strip_suffix(b"/") {
        Some(content) => (content, true),
        None => (inner, false),
    };
    let name_len = content
        .iter()
        .position(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        .unwrap_or(content.len());
    let name = &content[..name_len];
    if !is_plain_name(name) || name == b"source" {
        return None;
    }
    let content = std::str::from_utf8(content).ok()?;
    let e = BytesStart::from_content(content, name_len);
    Some((
        if empty {
            Plain::Empty(e)
        } else {
            Plain::Start(e)
        },
        used,
    ))
}

/// An element name [`plain_tag`] takes.
fn is_plain_name(name: &[u8]) -> bool {
    match name.split_first() {
        Some((first, rest)) => {
            (first.is_ascii_alphabetic() || *first == b'_')
                && rest
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':'))
        }
        None => false,
    }
}

/// The commonest `<line/>` of all, read to its values in one pass:
/// whitespace, `<line`, attributes written `key="value"` each after
/// whitespace, and `/>`; `number` as up to ten digits that fit a `u32`,
/// `hits` as up to 19 digits, `condition-coverage` as `...(<digits>/<digits>)...`
/// within its limits, other keys of name characters with values of plain
/// bytes (no `&`, `<` or `>`). Anything else, including a missing `number`
/// or `hits`, is `None`, and the general path decides (issue 14: the two
/// passes of [`plain_line`] and [`scan_line_attributes`], then parsing the
/// values found, were most of a Cobertura file's instructions). It reads
/// what it accepts exactly as that path does. A key given twice is `None`
/// too (the general path refuses it as XML does): the known keys by a
/// flag each, other keys (at most [`QUICK_OTHER_KEYS`] of them) by
/// comparison.
#[inline]
fn quick_line(s: &[u8]) -> Option<(LineValues, usize)> {
    let mut i = skip_space(s, 0);
    if s.get(i..i + 5)? != b"<line" {
        return None;
    }
    i += 5;
    let (mut number, mut hits, mut conditions, mut branch) = (None, None, None, false);
    let mut others: [&[u8]; QUICK_OTHER_KEYS] = [&[]; QUICK_OTHER_KEYS];
    let mut other_count = 0;
    loop {
        let before = i;
        i = skip_space(s, i);
        match *s.get(i)? {
            b'/' => {
                if *s.get(i + 1)? != b'>' {
                    return None;
                }
                i += 2;
                break;
            }
            _ if i == before => return None,
            _ => {}
        }
        let rest = &s[i..];
        if let Some(value) = rest.strip_prefix(b"number=\"") {
            let (n, used) = quoted_digits(value, 10)?;
            if number.replace(u32::try_from(n).ok()?).is_some() {
                return None;
            }
            i += 8 + used;
        } else if let Some(value) = rest.strip_prefix(b"hits=\"") {
            let (n, used) = quoted_digits(value, 19)?;
            if hits.replace(n).is_some() {
                return None;
            }
            i += 6 + used;
        } else if rest.starts_with(b"branch=\"false\"") || rest.starts_with(b"branch=\"true\"") {
            // Every producer's other attribute, not needed: skipped whole.
            if std::mem::replace(&mut branch, true) {
                return None;
            }
            i += if rest[8] == b'f' { 14 } else { 13 };
        } else if let Some(value) = rest.strip_prefix(b"condition-coverage=\"") {
            let used = plain_value(value)?;
            let (taken, total) = quick_conditions(&value[..used - 1])?;
            if conditions.replace((taken, total)).is_some() {
                return None;
            }
            i += 20 + used;
        } else {
            let key = rest.iter().position(|&b| {
                !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':' | b'.'))
            })?;
            if key == 0 || rest.get(key..key + 2)? != b"=\"" {
                return None;
            }
            let name = &rest[..key];
            // A known key with another value (`branch="yes"`), a key seen
            // before, or more keys than kept: the general path decides.
            if matches!(
                name,
                b"number" | b"hits" | b"branch" | b"condition-coverage"
            ) || other_count == QUICK_OTHER_KEYS
                || others[..other_count].contains(&name)
            {
                return None;
            }
            others[other_count] = name;
            other_count += 1;
            i += key + 2 + plain_value(&rest[key + 2..])?;
        }
    }
    Some((
        LineValues {
            number: number?,
            hits: hits?,
            conditions,
        },
        i,
    ))
}

/// Most keys besides `number`, `hits`, `branch` and `condition-coverage`
/// [`quick_line`] takes on one `<line>` (coverage.py writes one more,
/// `missing-branches`).
const QUICK_OTHER_KEYS: usize = 4;

/// One to `max` digits and the closing `"`: the value and the bytes used.
#[inline]
fn quoted_digits(s: &[u8], max: usize) -> Option<(u64, usize)> {
    digits_then(s, b'"', max)
}

/// A value of plain bytes and its closing `"`: the bytes used.
#[inline]
fn plain_value(s: &[u8]) -> Option<usize> {
    let len = s
        .iter()
        .position(|&b| matches!(b, b'"' | b'&' | b'<' | b'>'))?;
    (s[len] == b'"').then_some(len + 1)
}

/// `condition-coverage`'s `(taken/total)` as [`parse_condition_coverage`]
/// reads it, for digits without spaces; `None` leaves the value to it.
fn quick_conditions(value: &[u8]) -> Option<(u32, u32)> {
    // Not UTF-8 is unreadable there; ASCII is also the common case.
    if !value.is_ascii() {
        return None;
    }
    let open = value.iter().position(|&b| b == b'(')?;
    let inner = &value[open + 1..];
    let (taken, used) = digits_until(inner, b'/')?;
    let (total, _) = digits_until(&inner[used..], b')')?;
    (taken <= total && total <= MAX_BRANCHES_PER_LINE).then_some((taken, total))
}

/// One to nine digits and then `end`: the value and the bytes used.
fn digits_until(s: &[u8], end: u8) -> Option<(u32, usize)> {
    let (value, used) = digits_then(s, end, 9)?;
    Some((u32::try_from(value).ok()?, used))
}

/// A line number: digits (surrounding spaces allowed), fitting a `u32`.
fn parse_u32(bytes: &[u8]) -> Option<u32> {
    let digits = bytes.trim_ascii();
    if digits.is_empty() || digits.len() > 10 {
        return None;
    }
    let mut value: u64 = 0;
    for &b in digits {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        value = value * 10 + u64::from(digit);
    }
    u32::try_from(value).ok()
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

/// Buffers the input for quick-xml and knows which line it is on, so errors
/// can name a line although quick-xml only knows byte offsets. Newlines are
/// counted a whole buffer at a time, when it is used up, and within the
/// current buffer only when asked: counting per XML event was a tenth of
/// the reading time.
pub(super) struct LineCounter<R> {
    inner: R,
    buf: Box<[u8]>,
    pos: usize,
    end: usize,
    /// Newlines in every buffer before the current one.
    newlines_before: u64,
}

impl<R: Read> LineCounter<R> {
    pub(super) fn new(inner: R) -> Self {
        Self {
            inner,
            // At least `read::BUFFER`, so a `BufReader` beneath hands its
            // reads straight through instead of copying them twice.
            buf: vec![0; 256 * 1024].into_boxed_slice(),
            pos: 0,
            end: 0,
            newlines_before: 0,
        }
    }

    /// The 1-based line of the next unread byte.
    pub(super) fn line(&self) -> u64 {
        self.newlines_before + count_newlines(&self.buf[..self.pos]) + 1
    }
}

impl<R: Read> Read for LineCounter<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        crate::evidence::text::read_from_buf(self, out)
    }
}

impl<R: Read> BufRead for LineCounter<R> {
    #[inline]
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        if self.pos == self.end {
            return self.refill();
        }
        Ok(&self.buf[self.pos..self.end])
    }

    #[inline]
    fn consume(&mut self, amt: usize) {
        self.pos = (self.pos + amt).min(self.end);
    }
}

impl<R: Read> LineCounter<R> {
    /// The next buffer, once this one is used up.
    #[inline(never)]
    fn refill(&mut self) -> std::io::Result<&[u8]> {
        self.newlines_before += count_newlines(&self.buf[..self.end]);
        self.pos = 0;
        self.end = 0;
        self.end = loop {
            match self.inner.read(&mut self.buf) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                other => break other?,
            }
        };
        Ok(&self.buf[self.pos..self.end])
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

    /// Reads `doc` in parts cut at `cuts` (one after another, as the
    /// threads of `read::read_cobertura_file` would): the report when the
    /// parts join, `None` when a part failed or they do not join.
    fn read_cut(doc: &str, cuts: &[usize]) -> Option<CoverageReport> {
        let shared = std::sync::Mutex::new(CoverageReport::new());
        let paths = PathNormalizer::new(None, &[]);
        let bounds: Vec<_> = std::iter::once(0)
            .chain(cuts.iter().copied())
            .zip(cuts.iter().copied().chain([doc.len()]))
            .collect();
        let (announce, waiting): (Vec<_>, Vec<_>) = cuts
            .iter()
            .map(|_| std::sync::mpsc::sync_channel(1))
            .unzip();
        let mut ends = Vec::new();
        let mut roles = std::iter::once(Role::First { announce }).chain(
            waiting
                .into_iter()
                .map(|sources| Role::Continuation { sources }),
        );
        for (start, end) in bounds {
            let role = roles.next().unwrap();
            let part = &doc.as_bytes()[start..end];
            let end = read_cobertura_part(
                part,
                Path::new("c.xml"),
                paths.clone(),
                role,
                Sink::Shared(&shared),
            );
            ends.push(end.ok()?);
        }
        parts_join(&ends).then(|| shared.into_inner().unwrap())
    }

    /// The offsets just after each `</class>` in `doc`.
    fn class_ends(doc: &str) -> Vec<usize> {
        doc.match_indices("</class>")
            .map(|(at, m)| at + m.len())
            .collect()
    }

    const PARTED: &str = r#"<?xml version="1.0" ?>
<coverage>
  <sources><source>/w/proj</source></sources>
  <packages>
    <package name="a">
      <classes>
        <class filename="a.py"><lines><line number="1" hits="1"/><line number="2" hits="0" branch="true" condition-coverage="50% (1/2)"/></lines></class>
        <class filename="b.py"><methods><method name="f" signature="()"><lines><line number="3" hits="2"/></lines></method></methods><lines><line number="3" hits="2"/></lines></class>
      </classes>
    </package>
    <package name="b">
      <classes>
        <class filename="a.py"><lines><line number="1" hits="4"/><line number="9" hits="0"/></lines></class>
      </classes>
    </package>
  </packages>
</coverage>
"#;

    #[test]
    fn parts_cut_between_classes_join_into_what_one_reader_reads() {
        let whole = read_ok(PARTED);
        let ends = class_ends(PARTED);
        // Every cut alone, and all of them at once.
        for cuts in ends.iter().map(|&cut| vec![cut]).chain([ends.clone()]) {
            assert_eq!(read_cut(PARTED, &cuts).as_ref(), Some(&whole), "{cuts:?}");
        }
    }

    #[test]
    fn parts_that_cannot_be_what_one_reader_reads_do_not_join() {
        let class = r#"<class filename="a.py"><lines><line number="1" hits="1"/></lines></class>"#;
        let doc = |middle: &str, after: &str| {
            format!(
                "<coverage><sources><source>/w</source></sources><packages><package><classes>\
                 {class}{middle}{class}</classes></package></packages></coverage>{after}"
            )
        };
        let cases = [
            // The cut is not at an end tag: the first part ends inside
            // a comment, a CDATA section, a processing instruction.
            (doc("<!-- </class> -->", ""), "in a comment"),
            (doc("<x><![CDATA[ </class> ]]></x>", ""), "in CDATA"),
            (doc("<?pi </class> ?>", ""), "in a processing instruction"),
            // A `<source>` the later part did not know of.
            (
                doc("<sources><source>/v</source></sources>", ""),
                "a late source",
            ),
            // A second root element, and a document cut short.
            (doc("", "<coverage/>"), "a second root"),
            (
                doc("", "<coverage></coverage>"),
                "a second root with content",
            ),
            (
                doc("", "")[..doc("", "").len() - "</coverage>".len()].to_owned(),
                "truncated",
            ),
            // Closing what was not open.
            (
                doc("", "").replace("</package></packages>", "</packages></package>"),
                "mismatched",
            ),
        ];
        for (text, why) in cases {
            let cuts = class_ends(&text);
            // The cut after the middle `</class>`, or after the first.
            let cut = *cuts.get(1).unwrap_or(&cuts[0]);
            assert_eq!(read_cut(&text, &[cut]), None, "{why}: {text}");
            // Sanity: the first cut alone (a real end tag) joins only
            // when one reader reads the document without an error.
            let one = read_with(&text, &ReadOptions::default());
            if one.is_err() {
                assert_eq!(read_cut(&text, &[cuts[0]]), None, "{why}: {text}");
            }
        }
        // A source in the first part, before its first class, is known to
        // every part.
        let early = doc("", "");
        assert!(read_cut(&early, &[class_ends(&early)[0]]).is_some());
    }

    #[test]
    fn a_class_outside_the_repository_is_refused() {
        let xml = r#"<coverage><packages><package name="p"><classes><class name="x" filename="../src/crypto/x.rs"><lines><line number="1" hits="1"/></lines></class></classes></package></packages></coverage>"#;
        let err = read_with(xml, &ReadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("outside it"), "{err}");
        assert!(err.contains("c.xml:1"), "{err}");
    }

    #[test]
    fn a_method_attribute_given_twice_or_badly_escaped_is_malformed() {
        // The plain reading of `<method>` leaves these to quick-xml, whose
        // checked reading refuses them rather than choosing a name or rate.
        for (method, says) in [
            (
                r#"<method name="f" name="g" signature="()V" line-rate="1"/>"#,
                "duplicat",
            ),
            (
                r#"<method name="f" signature="()V" line-rate="0" line-rate="1"/>"#,
                "duplicat",
            ),
            (
                r#"<method name="f&bogus;" signature="()V" line-rate="1"/>"#,
                "bad value of `name`",
            ),
        ] {
            let xml = format!(
                "<coverage><packages><package name=\"p\"><classes><class name=\"x\" filename=\"x.rs\">\n<methods>\n{method}</methods><lines/></class></classes></package></packages></coverage>"
            );
            let err = read_with(&xml, &ReadOptions::default())
                .unwrap_err()
                .to_string();
            assert!(err.contains("c.xml:3"), "{method}: {err}");
            assert!(
                err.contains("<method>") && err.contains(says),
                "{method}: {err}"
            );
        }
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
    fn lines_only_under_methods_are_the_class_lines() {
        // Swift/Xcode converters: no class-level <lines> at all.
        let xml = r#"<coverage><sources><source>.</source></sources><packages><package name="p"><classes>
            <class name="Calc" filename="Sources/Calc.swift">
              <methods>
                <method name="add" signature=""><lines><line number="3" hits="2"/><line number="4" hits="2" condition-coverage="50% (1/2)"/></lines></method>
                <method name="sub" signature=""><lines><line number="8" hits="0"/></lines></method>
              </methods>
            </class>
            <class name="Empty" filename="Sources/Empty.swift"><methods/><lines/></class>
            </classes></package></packages></coverage>"#;
        let r = read_ok(xml);
        let s = r.file("Sources/Calc.swift").unwrap().summary();
        assert_eq!(
            (s.lines, s.branches, s.functions),
            (tally(3, 2), tally(2, 1), tally(2, 1))
        );
        assert_eq!(
            r.file("Sources/Empty.swift").unwrap().summary().lines,
            tally(0, 0)
        );
    }

    #[test]
    fn lines_directly_under_class_are_read() {
        let xml = r#"<coverage><packages><package name="p"><classes>
            <class name="A" filename="a.cs">
              <methods><method name="M" signature="()"><lines><line number="1" hits="1"/></lines></method></methods>
              <line number="1" hits="1"/>
              <line number="2" hits="0" condition-coverage="0% (0/2)"/>
            </class></classes></package></packages></coverage>"#;
        let s = read_ok(xml).file("a.cs").unwrap().summary();
        assert_eq!(
            (s.lines, s.branches, s.functions),
            (tally(2, 1), tally(2, 0), tally(1, 1))
        );
    }

    #[test]
    fn a_line_outside_any_class_is_refused() {
        let xml = "<coverage><packages><package name=\"p\">\n<line number=\"1\" hits=\"1\"/></package></packages></coverage>";
        match read_with(xml, &ReadOptions::default()) {
            Err(EvidenceError::Malformed {
                line: 2, message, ..
            }) => {
                assert!(message.contains("outside any <class>"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_second_root_element_is_malformed_not_merged() {
        let one = "<coverage><packages><package><classes><class filename=\"a\"><lines><line number=\"1\" hits=\"1\"/></lines></class></classes></package></packages></coverage>";
        let two = format!("{one}\n{}", one.replace("\"a\"", "\"b\""));
        match read_with(&two, &ReadOptions::default()) {
            Err(EvidenceError::Malformed {
                line: 2, message, ..
            }) => {
                assert!(message.contains("second root element"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn other_coverage_formats_are_refused_by_name() {
        for (xml, name) in [
            (
                r#"<coverage generated="1" clover="3.2.0"><project/></coverage>"#,
                "Clover XML",
            ),
            (
                r#"<coverage version="1"><file path="a"/></coverage>"#,
                "SonarQube generic coverage XML",
            ),
            (
                r#"<coverage profilerVersion="1.5.8"><module name="m"/></coverage>"#,
                "NCover XML",
            ),
        ] {
            match read_with(xml, &ReadOptions::default()) {
                Err(EvidenceError::UnknownFormat { message, .. }) => {
                    assert_eq!(message, format!("this is {name}, not Cobertura"));
                }
                other => panic!("{xml}: {other:?}"),
            }
        }
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
    fn attribute_forms_read_alike() {
        let xml = |line: &str| {
            format!(
                "<coverage><packages><package><classes><class filename=\"a&amp;b.c\"><lines>{line}</lines></class></classes></package></packages></coverage>"
            )
        };
        for line in [
            r#"<line number="7" hits="2" condition-coverage="50% (1/2)"/>"#,
            r"<line number='7' hits='2' condition-coverage='50% (1/2)' />",
            "<line\n  number=\"7\"\n  hits=\"2\"\n  condition-coverage=\"50% (1/2)\"></line>",
            r#"<line number = "7" hits="2" condition-coverage="50&#37; (1/2)"/>"#,
            r#"<line number="&#55;" hits="2" condition-coverage="50% (1/2)" a="1" b="2" c="3" d="4" e="5" f="6"/>"#,
        ] {
            let r = read_ok(&xml(line));
            let f = r.file("a&b.c").unwrap_or_else(|| panic!("{line}"));
            assert_eq!(f.line_count(7), Some(2), "{line}");
            assert_eq!(f.summary().branches, tally(2, 1), "{line}");
        }
    }

    #[test]
    fn method_names_read_alike_plain_or_escaped() {
        let xml = r#"<coverage><packages><package name="p"><classes>
            <class name="lib" filename="src/lib.rs"><methods>
                <method name="a&amp;b" signature="(&lt;T&gt;)" line-rate="1"><lines><line number="1" hits="3"/></lines></method>
                <method name = "plain" signature="()" line-rate="1"><lines><line number="2" hits="1"/></lines></method>
                <method name="plain2" signature="()" line-rate="1"><lines><line number="3" hits="1"/></lines></method>
            </methods></class></classes></package></packages></coverage>"#;
        let r = read_ok(xml);
        let names: Vec<String> = r
            .file("src/lib.rs")
            .unwrap()
            .functions()
            .into_iter()
            .map(|(name, _)| name.to_owned())
            .collect();
        assert_eq!(names, ["a&b(<T>)", "plain()", "plain2()"]);
    }

    #[test]
    fn skip_space_finds_the_first_other_byte_at_any_length() {
        let spaces = [b' ', b'\t', b'\r', b'\n'];
        for len in 0..40 {
            for end in [&b"<"[..], b"\x0b", b"\x80", b"\xa0", b"\x00", b"!", b""] {
                let mut s: Vec<u8> = (0..len).map(|i| spaces[(i * 7 + len) % 4]).collect();
                s.extend_from_slice(end);
                s.push(b'x');
                for start in 0..=len.min(3) {
                    assert_eq!(skip_space(&s, start), len, "{s:?} from {start}");
                }
            }
        }
        assert_eq!(skip_space(b"", 0), 0);
        assert_eq!(skip_space(b"  ", 0), 2);
        assert_eq!(skip_space(&[b' '; 19], 0), 19);
    }

    #[test]
    fn plain_attributes_take_the_scanner() {
        let found = scan_line_attributes(b" branch=\"false\" hits=\"352\" number=\"2\"").unwrap();
        assert_eq!(found.number.as_deref(), Some(&b"2"[..]));
        assert_eq!(found.hits.as_deref(), Some(&b"352"[..]));
        assert!(found.conditions.is_none());
        assert!(scan_line_attributes(b" number='1'/").is_some());
        assert!(scan_line_attributes(b" number=\"&#49;\"").is_none());
        assert!(scan_line_attributes(b" number =\"1\"").is_none());
        assert!(scan_line_attributes(b" number=1").is_none());
        assert!(scan_line_attributes(b" number=\"1\"hits=\"2\"").is_none());
    }

    /// Hands out at most `step` bytes a read, so that every element of a
    /// small document crosses a buffer's end and quick-xml reads it.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl std::io::Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.step.min(out.len()).min(self.data.len());
            out[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    fn read_in_steps(input: &str, step: usize) -> Result<CoverageReport, String> {
        let mut report = CoverageReport::new();
        let reader = std::io::BufReader::with_capacity(
            step,
            Trickle {
                data: input.as_bytes(),
                step,
            },
        );
        read_cobertura(
            reader,
            Path::new("c.xml"),
            &ReadOptions::default(),
            &mut report,
        )
        .map_err(|e| e.to_string())?;
        Ok(report)
    }

    #[test]
    fn plain_tags_read_as_quick_xml_reads_them() {
        let doc = |body: &str| {
            format!(
                "<?xml version=\"1.0\"?>\n<coverage>\n <sources><source>/r</source></sources>\n <packages><package name=\"p\"><classes>\n{body}\n</classes></package></packages>\n</coverage>\n"
            )
        };
        let class = r#"<class name="a" filename="a.c"><methods>
  <method name="f" signature="(i)" line-rate="0.5"><lines><line number="1" hits="2"/></lines></method>
  <method name="g&amp;h" signature='' line-rate="1" a=">"><lines/></method>
  <method  name = "k"  line-rate="0" ><lines></lines></method>
 </methods>
 <lines>
  <line number="1" hits="2" branch="true" condition-coverage="50% (1/2)"></line>
  <line number="2" hits="0"/>
  <!-- a comment --><line number="3" hits="1" />
 </lines></class >"#;
        let good = doc(class);
        let whole = read_in_steps(&good, 1 << 20).unwrap();
        let f = whole.file("a.c").unwrap();
        assert_eq!(f.summary().lines, tally(3, 2));
        assert_eq!(f.summary().functions, tally(3, 2));
        for step in [1, 2, 3, 7, 64] {
            assert_eq!(read_in_steps(&good, step).unwrap(), whole, "step {step}");
        }
        // End tags are checked as quick-xml checks them, with its messages.
        for (body, message) in [
            (
                "<class filename=\"a.c\"><lines></class>",
                "c.xml:5: not well-formed XML: ill-formed document: expected `</lines>`, but `</class>` was found",
            ),
            (
                "<class filename=\"a.c\"><lines><line number=\"1\" hits=\"1\"/></line></lines></class>",
                "c.xml:5: not well-formed XML: ill-formed document: expected `</lines>`, but `</line>` was found",
            ),
        ] {
            let bad = doc(body);
            for step in [1, 2, 7, 1 << 20] {
                let err = read_in_steps(&bad, step).unwrap_err();
                assert!(err.ends_with(message), "step {step}: {err}");
            }
        }
        let err = read_in_steps("<coverage></coverage></packages>", 1 << 20).unwrap_err();
        assert!(
            err.contains("close tag `</packages>` does not match any open tag"),
            "{err}"
        );
    }

    /// What the general path makes of `raw`, the attributes of a `<line/>`.
    fn general_values(raw: &[u8]) -> Option<MethodLine> {
        let found = scan_line_attributes(raw)?;
        let number = parse_u32(found.number.as_deref()?)?;
        let hits = parse_count(found.hits.as_deref()?)?;
        let conditions = match found.conditions.as_deref() {
            None => None,
            Some(c) => Some(parse_condition_coverage(c)?),
        };
        Some((number, hits, conditions))
    }

    #[test]
    fn quick_lines_read_as_the_general_path_does() {
        let accepted: [&[u8]; 5] = [
            b"<line branch=\"false\" hits=\"352\" number=\"2\"/>",
            b"\n\t\t<line number=\"7\" hits=\"0\" branch=\"true\" condition-coverage=\"50% (1/2)\"/>",
            b"<line number=\"4294967295\" hits=\"9999999999999999999\"/>",
            b"<line number=\"1\" hits=\"2\" condition-coverage=\"66.67% (2/3)\" />",
            b"<line\r\nnumber=\"0\"\thits=\"007\" x:y-z.w_=\"\xff a\"/>",
        ];
        for line in accepted {
            let shown = String::from_utf8_lossy(line);
            let (values, used) = quick_line(line).unwrap_or_else(|| panic!("{shown}"));
            assert_eq!(used, line.len(), "{shown}");
            let start = line.windows(5).position(|w| w == b"<line").unwrap() + 5;
            let raw = &line[start..line.len() - 2];
            assert_eq!(
                Some((values.number, values.hits, values.conditions)),
                general_values(raw),
                "{shown}"
            );
        }
        // Left to the general path: it decides these, or refuses them.
        let rejected: &[&[u8]] = &[
            b"<line number='1' hits='2'/>",
            b"<line number=\"1\" hits=\"2\"></line>",
            b"<line number=\"1\" hits=\"2\" / >",
            b"<line number=\"1\"hits=\"2\"/>",
            b"<line number=\" 1\" hits=\"2\"/>",
            b"<line number=\"4294967296\" hits=\"2\"/>",
            b"<line number=\"12345678901\" hits=\"2\"/>",
            b"<line number=\"1\" hits=\"12345678901234567890\"/>",
            b"<line number=\"1\" hits=\"1.5\"/>",
            b"<line number=\"&#49;\" hits=\"2\"/>",
            b"<line number=\"1\" hits=\"2\" a=\"&amp;\"/>",
            b"<line number=\"1\" hits=\"2\" a=\"x>y\"/>",
            b"<line number=\"1\" hits=\"2\" condition-coverage=\"50% ( 1/2)\"/>",
            b"<line number=\"1\" hits=\"2\" condition-coverage=\"50% (3/2)\"/>",
            b"<line number=\"1\" hits=\"2\" condition-coverage=\"\xc3(1/2)\"/>",
            b"<line number=\"1\" hits=\"2\" condition-coverage=\"50%\"/>",
            b"<line number=\"1\"/>",
            b"<line hits=\"1\"/>",
            b"<line/>",
            b"<lines/>",
            b"<line number=\"1\" hits=\"2\" =\"3\"/>",
            b"<line number = \"1\" hits=\"2\"/>",
            b"<line number=\"1\" hits=\"2\"",
            b"<line number=\"1\" hits=\"2",
            // A key twice, which XML forbids: the general path refuses it.
            b"<line number=\"1\" hits=\"2\" number=\"3\"/>",
            b"<line number=\"1\" hits=\"2\" hits=\"3\"/>",
            b"<line number=\"1\" hits=\"2\" branch=\"true\" branch=\"false\"/>",
            b"<line number=\"1\" hits=\"2\" condition-coverage=\"50% (1/2)\" condition-coverage=\"50% (1/2)\"/>",
            b"<line number=\"1\" hits=\"2\" a=\"1\" a=\"1\"/>",
            b"<line number=\"1\" hits=\"2\" branch=\"yes\"/>",
            b"<line number=\"1\" hits=\"2\" a=\"\" b=\"\" c=\"\" d=\"\" e=\"\"/>",
        ];
        for &line in rejected {
            let shown = String::from_utf8_lossy(line);
            assert!(quick_line(line).is_none(), "{shown}");
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
