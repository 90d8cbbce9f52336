//! A streaming reader of LCOV tracefiles (`.info`), as written by geninfo and
//! lcov 1.x and 2.x, cargo-llvm-cov, grcov, cargo-tarpaulin, coverage.py,
//! istanbul/c8/nyc and others (docs/formats.md, LCOV).
//!
//! # Why not the `lcov` crate
//!
//! The `lcov` crate (0.8) rejects output that real producers write today:
//! coverage.py 7.6.2 and later names branches in words (`BRDA:4,0,jump to
//! line 5,1`), lcov 2.x writes `FNL`/`FNA`, `VER`, `e`/`f`/`U` branch flags,
//! comments and blank lines; it misreads `FN:<start>,<end>,<name>` (gcc 9+,
//! coverage.py) as a function named `<end>,<name>`; and where one tracefile
//! holds the same file twice (what `lcov -a` writes) it keeps only the last
//! section instead of summing, which silently loses coverage (docs/formats.md,
//! LCOV). It also builds a `String` per line and a tree of sections
//! per test name, which is several times slower and larger than a gate that
//! reads monorepo-sized reports can afford (issue 5).
//!
//! # What this reader does
//!
//! - Streams the input a buffer at a time and parses lines in place, without
//!   allocating per line; memory grows with the distinct (file, line) pairs,
//!   branches and functions, not with the size of the input.
//! - Merges every section naming the same file, across `TN` sections and
//!   input files, by summing counts, as Perl lcov's `-a` does. Test names
//!   are not kept.
//! - Ignores `LF`/`LH`/`BRF`/`BRH`/`FNF`/`FNH` (and `MCF`/`MCH`): totals are
//!   computed from the data records, which producers do not always agree
//!   with (tarpaulin writes `FNF` without `FNH`).
//! - Ignores `MCDC` records: tollgate has no MC/DC rule yet.
//! - Accepts counts that are not integers (`DA:3,1.5`, `2e3`), as Perl lcov
//!   does: a positive fraction rounds up, so a line that ran stays hit. A
//!   negative count (an old gcov bug) is an input error, as in lcov 2.x:
//!   it is no count, and reading it as 0 or as "ran" would both guess.
//! - `DA` line 0 is an input error (lines count from 1), and so is an `SF`
//!   path that, normalised, leaves the repository root (`../src/x.rs`): it
//!   would fall outside every glob of the policy.
//! - Functions: `FN:<start>[,<end>],<name>` + `FNDA:<count>,<name>` are keyed
//!   by name. lcov 2.2+ `FNL:<index>,<start>[,<end>]` + `FNA:<index>,<count>,
//!   <alias>` describe one function with any number of aliases (template
//!   instances, constructor variants); as in lcov 2.x, the group is one
//!   function, hit when any alias ran, named after its alphabetically first
//!   alias so that every section names it the same way.
//! - Branches: `BRDA:<line>,[e|f][U]<block>,<branch>,<taken>` keyed by
//!   (line, block, branch); the branch may be free text with commas, so
//!   `<taken>` is split off at the *last* comma; `-` means never evaluated.
//!   Flags do not change identity, and every `BRDA` counts, `U`
//!   (unreachable) ones included: the reader does not second-guess the
//!   producer's list of branches.
//!
//! # Speed (issue 5)
//!
//! Plain `DA` and all-numeric `BRDA` lines, nine in ten of a large
//! tracefile, are parsed straight out of the read buffer, newline included
//! (`Parser::fast_record`); everything else takes the general path, which
//! reads those lines the same way (a property test checks this reader
//! against a plain reference reader). The per-file tables are laid out for
//! this access pattern (see `FileCoverage` in the parent module), and
//! `read_coverage_file` reads large files in parts on all cores.
//!
//! # Errors
//!
//! A file that does not begin (after blank and `#` lines) with an LCOV record
//! is [`EvidenceError::UnknownFormat`]: tollgate never reads an unrelated
//! file as an empty pass. Within LCOV, each of these is
//! [`EvidenceError::Malformed`] naming the 1-based line: a data record
//! outside an `SF` section, `SF` before the previous section's
//! `end_of_record`, a record missing a field or with an unreadable number, a
//! line that is not a record at all, a file with no `SF` section, and a file
//! that ends inside a section. Producers always close their sections, so a
//! missing final `end_of_record` means a truncated file, and a gate must not
//! pass on part of the evidence. Unknown `KEY:value` records are skipped for
//! forward compatibility, or rejected under [`Strictness::Strict`]
//! (as the fixture tests do, so producers' format drift shows up).

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};

use memchr::{memchr, memrchr};

use super::paths::{impossible_name, leaves_root, PathNormalizer};
use super::{BranchKey, BranchName, CoverageReport, FileCoverage, ReadOptions, Strictness};
use crate::evidence::EvidenceError;

/// Longest line accepted: mangled C++ names run to kilobytes, not megabytes,
/// and a cap keeps memory bounded on a file with no newlines.
const MAX_LINE: usize = 1 << 20;

/// Reads one LCOV tracefile from `input` into `into`, merging with what is
/// there. `source` names the input in errors.
///
/// On error `into` may hold part of the input; callers treat the whole
/// run's evidence as unusable anyway.
pub fn read_lcov<R: BufRead>(
    input: R,
    source: &Path,
    opts: &ReadOptions,
    into: &mut CoverageReport,
) -> Result<(), EvidenceError> {
    read_lcov_with(input, source, opts, Strictness::Lenient, into)
}

/// [`read_lcov`] with a choice of [`Strictness`] for unknown records.
pub fn read_lcov_with<R: BufRead>(
    input: R,
    source: &Path,
    opts: &ReadOptions,
    strictness: Strictness,
    into: &mut CoverageReport,
) -> Result<(), EvidenceError> {
    let paths = PathNormalizer::new(opts.root(), &opts.strip_prefix);
    read_lcov_part(
        input,
        source,
        paths,
        strictness,
        Part::Whole,
        Sink::Own(into),
    )
}

/// Where a reader puts the files it reads.
pub(crate) enum Sink<'r> {
    /// A report of its own.
    Own(&'r mut CoverageReport),
    /// One report shared by the parts of a tracefile read in parallel
    /// (issue 14: memory by distinct lines, not by parts): a section takes
    /// its file out and puts it back when it ends, so the lock is held for
    /// two map operations per section. A file another part holds at the
    /// time is started afresh and merged when both are back.
    Shared(&'r Mutex<CoverageReport>),
}

impl Sink<'_> {
    /// [`CoverageReport::take_file`] on the report.
    pub(super) fn take_file(&mut self, path: String) -> (String, FileCoverage) {
        match self {
            Self::Own(report) => report.take_file(path),
            Self::Shared(report) => lock(report).take_file(path),
        }
    }

    /// [`CoverageReport::put_file`] on the report.
    pub(super) fn put_file(&mut self, path: String, file: FileCoverage) {
        match self {
            Self::Own(report) => report.put_file(path, file),
            Self::Shared(report) => lock(report).put_file(path, file),
        }
    }
}

/// The shared report; a poisoned lock only means another part panicked,
/// whose panic the caller resumes.
fn lock(report: &Mutex<CoverageReport>) -> MutexGuard<'_, CoverageReport> {
    report.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Which part of a tracefile a reader is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    /// The whole file, or its first part.
    Whole,
    /// A later part, starting just after an `end_of_record` (see
    /// `read::read_lcov_file`): the file is already known to be LCOV.
    Continuation,
}

/// Reads `input` as LCOV; for a [`Part::Continuation`], line numbers in
/// errors count from the part's start. `paths` is the normalizer to use
/// (the parts of one file share one's directory listings).
pub(crate) fn read_lcov_part<R: BufRead>(
    mut input: R,
    source: &Path,
    paths: PathNormalizer,
    strictness: Strictness,
    part: Part,
    into: Sink<'_>,
) -> Result<(), EvidenceError> {
    let mut parser = Parser::new(source, paths, strictness, into);
    if part == Part::Continuation {
        parser.seen_record = true;
        parser.seen_source = true;
    }
    let io_error = |e| EvidenceError::Io {
        path: source.to_path_buf(),
        source: e,
    };
    // A line cut by the end of one buffer, completed from the next.
    let mut carry: Vec<u8> = Vec::new();
    loop {
        let buf = match input.fill_buf() {
            Ok(buf) => buf,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(io_error(e)),
        };
        if buf.is_empty() {
            break;
        }
        let len = buf.len();
        let mut start = 0;
        if !carry.is_empty() {
            let Some(end) = memchr(b'\n', buf) else {
                carry.extend_from_slice(buf);
                input.consume(len);
                parser.check_carry(&carry)?;
                continue;
            };
            carry.extend_from_slice(&buf[..end]);
            parser.line(&carry)?;
            carry.clear();
            start = end + 1;
        }
        let rest = &buf[start..];
        let done = parser.lines(rest)?;
        carry.extend_from_slice(&rest[done..]);
        parser.check_carry(&carry)?;
        input.consume(len);
    }
    if !carry.is_empty() {
        parser.line(&carry)?;
    }
    parser.finish()
}

/// One `SF` ... `end_of_record` section being read.
struct Section {
    path: String,
    file: FileCoverage,
    opened_at: u64,
    /// `FNL`/`FNA` function groups by index; indices are local to a section.
    groups: BTreeMap<u32, Group>,
}

/// One lcov 2.x function group: an `FNL` leader and its `FNA` aliases.
#[derive(Default)]
struct Group {
    line: Option<u32>,
    name: Option<Box<str>>,
    count: u64,
}

struct Parser<'a> {
    source: &'a Path,
    strict: bool,
    paths: PathNormalizer,
    report: Sink<'a>,
    line_no: u64,
    section: Option<Section>,
    /// Whether any LCOV record has been seen (before one, a non-record line
    /// means "not LCOV" rather than "malformed LCOV").
    seen_record: bool,
    seen_source: bool,
}

impl<'a> Parser<'a> {
    fn new(
        source: &'a Path,
        paths: PathNormalizer,
        strictness: Strictness,
        report: Sink<'a>,
    ) -> Self {
        Self {
            source,
            strict: strictness == Strictness::Strict,
            paths,
            report,
            line_no: 0,
            section: None,
            seen_record: false,
            seen_source: false,
        }
    }

    fn malformed(&self, message: impl Into<String>) -> EvidenceError {
        EvidenceError::Malformed {
            path: self.source.to_path_buf(),
            line: self.line_no,
            message: message.into(),
        }
    }

    fn bad_record(&self, line: &[u8], expected: &str) -> EvidenceError {
        self.malformed(format!(
            "malformed record `{}`: expected {expected}",
            shown(line)
        ))
    }

    /// A `DA` record that does not parse: line 0 and negative counts get
    /// their own message, as they are the common ways a buggy producer goes
    /// wrong.
    #[cold]
    fn bad_da(&self, line: &[u8]) -> EvidenceError {
        let rest = line.get(3..).unwrap_or_default();
        if let Some((0, _)) = take_u32(rest) {
            return self.malformed(format!(
                "`{}`: line 0 does not exist (lines count from 1)",
                shown(line)
            ));
        }
        self.bad_count(line, rest, "DA:<line>,<count>[,<checksum>]")
    }

    /// A record with a count that does not parse; a negative one is named
    /// as such (lcov 2.x refuses them too; an old gcov bug wrote them).
    #[cold]
    fn bad_count(&self, line: &[u8], rest: &[u8], expected: &str) -> EvidenceError {
        if rest
            .windows(2)
            .any(|w| w[0] == b'-' && w[1].is_ascii_digit())
            || rest.starts_with(b"-")
        {
            return self.malformed(format!(
                "`{}`: a negative execution count is not a count",
                shown(line)
            ));
        }
        self.bad_record(line, expected)
    }

    fn check_carry(&self, carry: &[u8]) -> Result<(), EvidenceError> {
        if carry.len() > MAX_LINE {
            Err(EvidenceError::Malformed {
                path: self.source.to_path_buf(),
                line: self.line_no + 1,
                message: format!("line longer than {MAX_LINE} bytes"),
            })
        } else {
            Ok(())
        }
    }

    /// Handles every complete line of `chunk` and says how many bytes they
    /// took; the rest is the start of a line that continues in the next
    /// buffer.
    fn lines(&mut self, chunk: &[u8]) -> Result<usize, EvidenceError> {
        let mut pos = 0;
        while pos < chunk.len() {
            let rest = &chunk[pos..];
            if let Some(used) = self.fast_record(rest) {
                pos += used;
                continue;
            }
            let Some(end) = memchr(b'\n', rest) else {
                break;
            };
            self.line(&rest[..end])?;
            pos += end + 1;
        }
        Ok(pos)
    }

    /// The hot path, all but a few lines of a large tracefile: a plain
    /// `DA:<line>,<count>`, an all-numeric `BRDA:<line>,<block>,<branch>,<taken>`,
    /// `FNDA:<count>,<name>` or `FN:<start>,<name>` (a name not starting
    /// with a digit) inside a section, parsed straight out of the buffer,
    /// newline included, without first searching for the line's end
    /// (but for a name's). Anything else,
    /// or anything unusual about these (checksums, flags, text, fractions,
    /// huge numbers, a line cut by the buffer's end), returns `None` and
    /// takes the general path, which reads it the same way.
    #[inline]
    fn fast_record(&mut self, s: &[u8]) -> Option<usize> {
        let section = self.section.as_mut()?;
        let used = if let Some(body) = s.strip_prefix(b"DA:") {
            let mut at = Cursor {
                bytes: body,
                pos: 0,
            };
            let line = at.u32_then(b',')?;
            if line == 0 {
                return None;
            }
            let count = at.count()?;
            let used = 3 + at.line_end()?;
            section.file.add_line(line, count);
            used
        } else if let Some(body) = s.strip_prefix(b"BRDA:") {
            let mut at = Cursor {
                bytes: body,
                pos: 0,
            };
            let line = at.u32_then(b',')?;
            let block = at.u32_then(b',')?;
            let branch = at.u32_then(b',')?;
            let taken = if at.peek() == Some(b'-') {
                at.pos += 1;
                None
            } else {
                Some(at.count()?)
            };
            let used = 5 + at.line_end()?;
            section.file.add_numbered_branch(line, block, branch, taken);
            used
        } else if let Some(body) = s.strip_prefix(b"FNDA:") {
            let mut at = Cursor {
                bytes: body,
                pos: 0,
            };
            let count = at.count()?;
            (at.peek()? == b',').then_some(())?;
            let (name, len) = plain_name(&body[at.pos + 1..])?;
            let used = 5 + at.pos + 1 + len;
            // Longer lines are the general path's error.
            (used <= MAX_LINE).then_some(())?;
            section.file.add_function_bytes(name, None, count);
            used
        } else if let Some(body) = s.strip_prefix(b"FN:") {
            let mut at = Cursor {
                bytes: body,
                pos: 0,
            };
            let start = at.u32_then(b',')?;
            let rest = &body[at.pos..];
            // A name starting with a digit may be `<end>,<name>`: the
            // general path's `parse_fn` decides.
            if rest.first().is_some_and(u8::is_ascii_digit) {
                return None;
            }
            let (name, len) = plain_name(rest)?;
            let used = 3 + at.pos + len;
            (used <= MAX_LINE).then_some(())?;
            section.file.add_function_bytes(name, Some(start), 0);
            used
        } else {
            return None;
        };
        self.line_no += 1;
        Some(used)
    }

    /// Handles one line (without its `\n`). `DA` records, the bulk of every
    /// tracefile, take the shortest path; well-formed `FN` and `FNDA`
    /// records inside a section (one line in ten) skip the general checks
    /// of [`Parser::record`], which reads them the same way and names what
    /// is wrong with any that do not parse here.
    #[inline]
    fn line(&mut self, raw: &[u8]) -> Result<(), EvidenceError> {
        self.line_no += 1;
        let line = raw.strip_suffix(b"\r").unwrap_or(raw);
        if let Some(section) = self.section.as_mut() {
            if let Some(rest) = line.strip_prefix(b"DA:") {
                if let Some((number, count)) = parse_da(rest) {
                    section.file.add_line(number, count);
                    return Ok(());
                }
                return Err(self.bad_da(line));
            }
            if line.len() <= MAX_LINE {
                if let Some(rest) = line.strip_prefix(b"FNDA:") {
                    if let Some((count, name)) = parse_fnda(rest) {
                        section.file.add_function_bytes(name, None, count);
                        return Ok(());
                    }
                } else if let Some(rest) = line.strip_prefix(b"FN:") {
                    if let Some((start, name)) = parse_fn(rest) {
                        section.file.add_function_bytes(name, Some(start), 0);
                        return Ok(());
                    }
                }
            }
        }
        self.record(line)
    }

    /// Every line other than a well-formed `DA` inside a section.
    #[cold]
    fn record(&mut self, line: &[u8]) -> Result<(), EvidenceError> {
        if line.len() > MAX_LINE {
            return Err(self.malformed(format!("line longer than {MAX_LINE} bytes")));
        }
        let line = if self.line_no == 1 {
            line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line)
        } else {
            line
        };
        if line.iter().all(u8::is_ascii_whitespace) || line.first() == Some(&b'#') {
            return Ok(());
        }
        if line.starts_with(b"end_of_record") {
            self.seen_record = true;
            return self.end_section();
        }
        let key_end = memchr(b':', line).filter(|&i| i > 0 && is_key(&line[..i]));
        let Some(key_end) = key_end else {
            return Err(self.not_a_record(line));
        };
        let (key, rest) = (&line[..key_end], &line[key_end + 1..]);
        let kind = Kind::of(key);
        if kind == Kind::Unknown {
            if !self.seen_record {
                return Err(self.not_a_record(line));
            }
            if self.strict {
                return Err(self.malformed(format!("unknown LCOV record `{}`", shown(line))));
            }
            return Ok(());
        }
        self.seen_record = true;
        match kind {
            Kind::Header => return Ok(()),
            Kind::Source => return self.open_section(rest),
            _ => {}
        }
        let Some(section) = self.section.as_mut() else {
            return Err(self.malformed(format!(
                "`{}` outside a source file section: an `SF:` record must come first",
                shown(line)
            )));
        };
        match kind {
            Kind::Line => match parse_da(rest) {
                Some((number, count)) => {
                    section.file.add_line(number, count);
                    Ok(())
                }
                None => Err(self.bad_da(line)),
            },
            Kind::Function => match parse_fn(rest) {
                Some((start, name)) => {
                    section.file.add_function_bytes(name, Some(start), 0);
                    Ok(())
                }
                None => Err(self.bad_record(line, "FN:<start line>[,<end line>],<name>")),
            },
            Kind::FunctionData => match parse_fnda(rest) {
                Some((count, name)) => {
                    section.file.add_function_bytes(name, None, count);
                    Ok(())
                }
                None => Err(self.bad_count(line, rest, "FNDA:<count>,<name>")),
            },
            Kind::FunctionLeader => match parse_fnl(rest) {
                Some((index, start)) => {
                    let group = section.groups.entry(index).or_default();
                    group.line = Some(group.line.map_or(start, |l| l.min(start)));
                    Ok(())
                }
                None => Err(self.bad_record(line, "FNL:<index>,<start line>[,<end line>]")),
            },
            Kind::FunctionAlias => match parse_fna(rest) {
                Some((index, count, name)) => {
                    let group = section.groups.entry(index).or_default();
                    group.count = group.count.saturating_add(count);
                    let name = text(name);
                    if group.name.as_deref().is_none_or(|n| *name < *n) {
                        group.name = Some(name.into());
                    }
                    Ok(())
                }
                None => Err(self.bad_count(line, rest, "FNA:<index>,<count>,<name>")),
            },
            Kind::Branch => match parse_brda(rest) {
                Some((key, taken)) => {
                    section.file.add_branch(key, taken);
                    Ok(())
                }
                None => Err(self.bad_count(
                    line,
                    rest,
                    "BRDA:<line>,[e|f][U]<block>,<branch>,<taken or ->",
                )),
            },
            // Summary and MC/DC records: not trusted, not used.
            Kind::Unused | Kind::Header | Kind::Source | Kind::Unknown => Ok(()),
        }
    }

    fn not_a_record(&self, line: &[u8]) -> EvidenceError {
        if self.seen_record {
            self.malformed(format!("not an LCOV record: `{}`", shown(line)))
        } else {
            EvidenceError::UnknownFormat {
                path: self.source.to_path_buf(),
                message: format!(
                    "line {} is `{}`, not an LCOV record (TN:, SF:, ...) nor Cobertura XML",
                    self.line_no,
                    shown(line)
                ),
            }
        }
    }

    fn open_section(&mut self, raw_path: &[u8]) -> Result<(), EvidenceError> {
        if let Some(open) = &self.section {
            return Err(self.malformed(format!(
                "`SF:` while the section for `{}` opened at line {} is still open: missing `end_of_record`",
                open.path, open.opened_at
            )));
        }
        let raw_path = text(raw_path);
        if raw_path.trim().is_empty() {
            return Err(self.malformed("`SF:` without a path"));
        }
        if let Some(why) = impossible_name(&raw_path) {
            return Err(self.malformed(format!("`SF:`: {why}")));
        }
        let normalized = self.paths.normalize(&raw_path);
        if leaves_root(&normalized) {
            return Err(self.malformed(format!(
                "`SF:{raw_path}` is `{normalized}` relative to the repository root, outside it: \
                 run the coverage tool from the repository root or pass --strip-prefix"
            )));
        }
        let (path, file) = self.report.take_file(normalized);
        self.section = Some(Section {
            path,
            file,
            opened_at: self.line_no,
            groups: BTreeMap::new(),
        });
        self.seen_source = true;
        Ok(())
    }

    fn end_section(&mut self) -> Result<(), EvidenceError> {
        let Some(mut section) = self.section.take() else {
            return Err(self.malformed("`end_of_record` without an open `SF:` section"));
        };
        for (_, group) in std::mem::take(&mut section.groups) {
            // An `FNL` without any `FNA` has no name of its own; it is still
            // a function, never run.
            let name = match &group.name {
                Some(name) => name.to_string(),
                None => format!("<function at line {}>", group.line.unwrap_or(0)),
            };
            section.file.add_function(&name, group.line, group.count);
        }
        self.report.put_file(section.path, section.file);
        Ok(())
    }

    fn finish(self) -> Result<(), EvidenceError> {
        if let Some(open) = &self.section {
            return Err(self.malformed(format!(
                "the file ends inside the section for `{}` opened at line {}: missing `end_of_record` (truncated file?)",
                open.path, open.opened_at
            )));
        }
        if !self.seen_record {
            return Err(EvidenceError::UnknownFormat {
                path: self.source.to_path_buf(),
                message: "no LCOV records (the file is empty or holds only comments)".into(),
            });
        }
        if !self.seen_source {
            return Err(self.malformed("no source file section (`SF:`) in the whole file"));
        }
        Ok(())
    }
}

/// Whether `key` looks like an LCOV record key (`DA`, `end_of_record`'s
/// cousins of the future): ASCII letters, digits and `_`.
fn is_key(key: &[u8]) -> bool {
    key.len() <= 16 && key.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_')
}

/// What an LCOV record key means to this reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `TN`, `VER`: allowed anywhere, not used.
    Header,
    /// `SF`.
    Source,
    /// `DA`.
    Line,
    /// `FN`.
    Function,
    /// `FNDA`.
    FunctionData,
    /// `FNL` (lcov 2.2+).
    FunctionLeader,
    /// `FNA` (lcov 2.2+).
    FunctionAlias,
    /// `BRDA`.
    Branch,
    /// Summaries (`LF`, `LH`, `FNF`, `FNH`, `BRF`, `BRH`, `MCF`, `MCH`) and
    /// `MCDC`: known, inside a section, not used.
    Unused,
    /// Not an LCOV record this reader knows.
    Unknown,
}

impl Kind {
    fn of(key: &[u8]) -> Self {
        match key {
            b"TN" | b"VER" => Self::Header,
            b"SF" => Self::Source,
            b"DA" => Self::Line,
            b"FN" => Self::Function,
            b"FNDA" => Self::FunctionData,
            b"FNL" => Self::FunctionLeader,
            b"FNA" => Self::FunctionAlias,
            b"BRDA" => Self::Branch,
            b"LF" | b"LH" | b"FNF" | b"FNH" | b"BRF" | b"BRH" | b"MCDC" | b"MCF" | b"MCH" => {
                Self::Unused
            }
            _ => Self::Unknown,
        }
    }
}

/// A line as shown in an error: lossy UTF-8, cut to a readable length.
fn shown(line: &[u8]) -> String {
    const MAX: usize = 120;
    let text = String::from_utf8_lossy(&line[..line.len().min(MAX)]);
    if line.len() > MAX {
        format!("{text}...")
    } else {
        text.into_owned()
    }
}

/// Names and paths as text; producers write UTF-8, anything else is kept
/// readable rather than rejected.
fn text(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// Splits a leading run of digits off `s` as a `u32`.
#[inline]
fn take_u32(s: &[u8]) -> Option<(u32, &[u8])> {
    let mut value: u32 = 0;
    let mut len = 0;
    for &b in s {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            break;
        }
        value = value.checked_mul(10)?.checked_add(u32::from(digit))?;
        len += 1;
    }
    (len > 0).then(|| (value, &s[len..]))
}

/// A function name running to the end of the line, for
/// [`Parser::fast_record`]: the name and the bytes used, newline included.
/// `None` for an empty name, one ending in `\r` (the general path strips
/// it) or a line cut by the buffer's end.
#[inline]
fn plain_name(s: &[u8]) -> Option<(&[u8], usize)> {
    let end = memchr(b'\n', s)?;
    let name = &s[..end];
    match name.last() {
        None | Some(b'\r') => None,
        Some(_) => Some((name, end + 1)),
    }
}

/// A position in a line for [`Parser::fast_record`]; every method returns
/// `None` on anything but the plain form.
struct Cursor<'b> {
    bytes: &'b [u8],
    pos: usize,
}

impl Cursor<'_> {
    #[allow(clippy::inline_always)] // as for the fields below
    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// One to `max` digits. More would not fit (or, for counts, would
    /// saturate), which the general path handles.
    ///
    /// With eight bytes to look at, a field of up to seven digits is found
    /// and converted eight bytes at a time (issue 14: the digit loop was
    /// most of the hot path's instructions); longer fields, and fields near
    /// the end of the buffer, take the loop.
    // Inlined into `fast_record`: a call per field cost more than the field.
    #[allow(clippy::inline_always)]
    #[inline(always)]
    fn digits(&mut self, max: usize) -> Option<u64> {
        if let Some(&word) = self
            .bytes
            .get(self.pos..)
            .and_then(|rest| rest.first_chunk::<8>())
        {
            if let Some((value, len)) = swar_digits(u64::from_le_bytes(word)) {
                if len == 0 || len > max {
                    return None;
                }
                self.pos += len;
                return Some(value);
            }
        }
        self.digits_loop(max)
    }

    fn digits_loop(&mut self, max: usize) -> Option<u64> {
        let mut value: u64 = 0;
        let mut len = 0;
        for &b in &self.bytes[self.pos.min(self.bytes.len())..] {
            let digit = b.wrapping_sub(b'0');
            if digit > 9 {
                break;
            }
            // Wraps only past `max` digits, and that result is discarded.
            value = value.wrapping_mul(10).wrapping_add(u64::from(digit));
            len += 1;
        }
        if len == 0 || len > max {
            return None;
        }
        self.pos += len;
        Some(value)
    }

    // Inlined into `fast_record`: a call per field cost more than the field.
    #[allow(clippy::inline_always)]
    #[inline(always)]
    fn u32_then(&mut self, separator: u8) -> Option<u32> {
        let value = u32::try_from(self.digits(10)?).ok()?;
        (self.peek()? == separator).then(|| self.pos += 1)?;
        Some(value)
    }

    /// A count of at most 19 digits (below `u64::MAX`).
    // Inlined into `fast_record`: a call per field cost more than the field.
    #[allow(clippy::inline_always)]
    #[inline(always)]
    fn count(&mut self) -> Option<u64> {
        self.digits(19)
    }

    /// `\n` or `\r\n` ending the line: the bytes used up to and including it.
    // Inlined into `fast_record`: a call per field cost more than the field.
    #[allow(clippy::inline_always)]
    #[inline(always)]
    fn line_end(&self) -> Option<usize> {
        match self.bytes.get(self.pos..self.pos + 2) {
            Some([b'\n', _]) => Some(self.pos + 1),
            Some(b"\r\n") => Some(self.pos + 2),
            None if self.bytes.get(self.pos) == Some(&b'\n') => Some(self.pos + 1),
            _ => None,
        }
    }
}

/// The leading run of ASCII digits in `word` (eight bytes of input, the
/// first in the low byte) and its value, when the run is shorter than
/// eight bytes; `None` when all eight are digits.
#[allow(clippy::inline_always)] // part of every field of the fast path
#[inline(always)]
fn swar_digits(word: u64) -> Option<(u64, usize)> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    // Each byte minus `0`: a digit becomes 0..=9. A byte below `0` borrows
    // from the bytes after it, which only garbles bytes past the first
    // non-digit, and those are not used.
    let v = word.wrapping_sub(ONES * u64::from(b'0'));
    // The high bit of each byte that is not a digit: it wrapped (below `0`,
    // or 0x80 and up), or it is 10 or more, which adding 0x76 carries into
    // the high bit (the low seven bits alone, so no carry leaves the byte).
    let not_digit = (v | ((v & (ONES * 0x7F)) + ONES * 0x76)) & (ONES * 0x80);
    if not_digit == 0 {
        return None;
    }
    let len = (not_digit.trailing_zeros() / 8) as usize;
    if len == 0 {
        return Some((0, 0));
    }
    // The digits moved to the top bytes (zeros before them are leading
    // zeros), then combined pairwise by multiplying (2 digits, 4, 8: each
    // multiply adds a lane times 10^k to the lane above, and the shift
    // keeps that; what overflows the top is not needed).
    let chunk = v << (8 * (8 - len));
    let chunk = ((chunk & 0x0F0F_0F0F_0F0F_0F0F).wrapping_mul(10 * 256 + 1)) >> 8;
    let chunk = ((chunk & 0x00FF_00FF_00FF_00FF).wrapping_mul(100 * 65_536 + 1)) >> 16;
    let value = ((chunk & 0x0000_FFFF_0000_FFFF).wrapping_mul((10_000 << 32) + 1)) >> 32;
    Some((value, len))
}

/// Parses an execution count: plain digits on the fast path, anything Perl
/// lcov would take as a number on the slow one.
#[inline]
pub(super) fn parse_count(field: &[u8]) -> Option<u64> {
    if field.is_empty() {
        return None;
    }
    let mut value: u64 = 0;
    for &b in field {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            return parse_count_slow(field);
        }
        value = value.saturating_mul(10).saturating_add(u64::from(digit));
    }
    Some(value)
}

/// A count written as a fraction, with an exponent or a `+` sign: a
/// positive value rounds up (it ran), zero is 0; a negative value is not a
/// count at all (`None`, an input error).
#[cold]
// The float is finite, positive and rounded up; `as` saturates at u64::MAX.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn parse_count_slow(field: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(field).ok()?.trim();
    let value: f64 = text.parse().ok()?;
    if value.is_nan() || value < 0.0 || text.starts_with('-') {
        None
    } else if value <= 0.0 {
        Some(0)
    } else {
        Some(value.ceil() as u64)
    }
}

/// `DA:<line>,<count>[,<checksum>]` after the key.
#[inline]
fn parse_da(rest: &[u8]) -> Option<(u32, u64)> {
    let (line, rest) = take_u32(rest).filter(|&(line, _)| line > 0)?;
    let rest = rest.strip_prefix(b",")?;
    // Digits up to the end or a checksum: one pass, no search.
    let mut count: u64 = 0;
    for (i, &b) in rest.iter().enumerate() {
        let digit = b.wrapping_sub(b'0');
        if digit <= 9 {
            count = count.saturating_mul(10).saturating_add(u64::from(digit));
        } else if b == b',' && i > 0 {
            return Some((line, count));
        } else {
            let field = match memchr(b',', rest) {
                Some(end) => &rest[..end],
                None => rest,
            };
            return Some((line, parse_count_slow(field)?));
        }
    }
    (!rest.is_empty()).then_some((line, count))
}

/// `FN:<start>,[<end>,]<name>`, read as Perl lcov's
/// `^FN:(\d+),((\d+),)?(.+)$`: a second number is an end line only when a
/// name follows it.
fn parse_fn(rest: &[u8]) -> Option<(u32, &[u8])> {
    let (start, rest) = take_u32(rest)?;
    let rest = rest.strip_prefix(b",")?;
    let name = match take_u32(rest) {
        Some((_end, tail)) if tail.len() > 1 && tail[0] == b',' => &tail[1..],
        _ => rest,
    };
    (!name.is_empty()).then_some((start, name))
}

/// `FNDA:<count>,<name>`.
fn parse_fnda(rest: &[u8]) -> Option<(u64, &[u8])> {
    let comma = memchr(b',', rest)?;
    let name = &rest[comma + 1..];
    (!name.is_empty()).then_some(())?;
    Some((parse_count(&rest[..comma])?, name))
}

/// `FNL:<index>,<start>[,<end>]`.
fn parse_fnl(rest: &[u8]) -> Option<(u32, u32)> {
    let (index, rest) = take_u32(rest)?;
    let (start, rest) = take_u32(rest.strip_prefix(b",")?)?;
    match rest {
        [] => Some((index, start)),
        [b',', end @ ..] => {
            let (_, tail) = take_u32(end)?;
            tail.is_empty().then_some((index, start))
        }
        _ => None,
    }
}

/// `FNA:<index>,<count>,<name>`.
fn parse_fna(rest: &[u8]) -> Option<(u32, u64, &[u8])> {
    let (index, rest) = take_u32(rest)?;
    let rest = rest.strip_prefix(b",")?;
    let (count, name) = parse_fnda(rest)?;
    Some((index, count, name))
}

/// `BRDA:<line>,[e|f][U]<block>,<branch>,<taken>`; `<branch>` may hold
/// commas, so `<taken>` is what follows the last one.
fn parse_brda(rest: &[u8]) -> Option<(BranchKey, Option<u64>)> {
    let (line, rest) = take_u32(rest)?;
    let mut rest = rest.strip_prefix(b",")?;
    if let [b'e' | b'f', tail @ ..] = rest {
        rest = tail;
    }
    if let [b'U', tail @ ..] = rest {
        rest = tail;
    }
    let (block, rest) = take_u32(rest)?;
    let rest = rest.strip_prefix(b",")?;
    let comma = memrchr(b',', rest)?;
    let (branch, taken) = (&rest[..comma], &rest[comma + 1..]);
    let taken = if taken == b"-" {
        None
    } else {
        Some(parse_count(taken)?)
    };
    let branch = match take_u32(branch) {
        Some((n, [])) => BranchName::Index(n),
        _ => BranchName::Text(text(branch).into()),
    };
    Some((
        BranchKey {
            line,
            block,
            branch,
        },
        taken,
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)] // a test that cannot read its input should stop loudly
mod tests {
    use super::*;
    use crate::evidence::coverage::{FunctionCoverage, Tally};

    fn read(input: &str) -> Result<CoverageReport, EvidenceError> {
        let mut report = CoverageReport::new();
        read_lcov(
            input.as_bytes(),
            Path::new("t.info"),
            &ReadOptions::default(),
            &mut report,
        )?;
        Ok(report)
    }

    fn read_ok(input: &str) -> CoverageReport {
        read(input).unwrap_or_else(|e| panic!("{e}"))
    }

    fn malformed_line(input: &str) -> (u64, String) {
        match read(input) {
            Err(EvidenceError::Malformed { line, message, .. }) => (line, message),
            other => panic!("expected Malformed, got {other:?}"),
        }
    }

    fn tally(found: u64, hit: u64) -> Tally {
        Tally { found, hit }
    }

    #[test]
    fn llvm_cov_style() {
        let r = read_ok(
            "SF:/src/a.rs\nFN:3,_ZN1a4main\nFNDA:2,_ZN1a4main\nFNF:1\nFNH:1\nDA:3,2\nDA:4,0\n\
             BRDA:4,0,0,1\nBRDA:4,0,1,-\nBRF:2\nBRH:1\nLH:1\nLF:2\nend_of_record\n",
        );
        let s = r.totals();
        assert_eq!(
            (s.lines, s.branches, s.functions),
            (tally(2, 1), tally(2, 1), tally(1, 1))
        );
        assert_eq!(r.file("/src/a.rs").unwrap().line_count(4), Some(0));
    }

    #[test]
    fn sections_for_one_file_sum_across_test_names() {
        let r = read_ok(
            "TN:unit\nSF:a.c\nDA:1,0\nDA:2,0\nBRDA:2,0,0,0\nFN:1,f\nFNDA:0,f\nend_of_record\n\
             TN:integration\nSF:a.c\nDA:1,3\nDA:3,0\nBRDA:2,0,0,4\nFNDA:1,f\nend_of_record\n",
        );
        let f = r.file("a.c").unwrap();
        assert_eq!(f.lines().collect::<Vec<_>>(), vec![(1, 3), (2, 0), (3, 0)]);
        let s = f.summary();
        assert_eq!(
            (s.lines, s.branches, s.functions),
            (tally(3, 1), tally(1, 1), tally(1, 1))
        );
    }

    #[test]
    fn duplicate_da_in_one_section_sums() {
        let r = read_ok("SF:a\nDA:1,0\nDA:1,2\nend_of_record\n");
        assert_eq!(r.file("a").unwrap().line_count(1), Some(2));
    }

    #[test]
    fn lcov2_records_comments_blank_lines_and_crlf() {
        let r = read_ok(
            "# generated by lcov 2.3\r\n\r\nTN:\r\nVER:#1\r\nSF:b.c\r\nVER:abc\r\nFNL:0,3,9\r\nFNA:0,0,f_int\r\n\
             FNA:0,5,f_long\r\nFNL:1,12\r\nFNA:1,0,g\r\nFNF:2\r\nFNH:1\r\nBRDA:4,e0,0,1\r\nBRDA:4,e0,1,0\r\n\
             BRDA:5,fU1,0,-\r\nDA:3,5\r\nMCDC:4,2,t,1,0,a == b\r\nMCF:2\r\nMCH:1\r\n\r\nend_of_record\r\n",
        );
        let f = r.file("b.c").unwrap();
        let s = f.summary();
        assert_eq!(
            (s.lines, s.branches, s.functions),
            (tally(1, 1), tally(3, 1), tally(2, 1))
        );
        assert_eq!(
            f.functions(),
            vec![
                (
                    "f_int",
                    FunctionCoverage {
                        line: Some(3),
                        count: 5
                    }
                ),
                (
                    "g",
                    FunctionCoverage {
                        line: Some(12),
                        count: 0
                    }
                )
            ]
        );
    }

    #[test]
    fn fnl_groups_named_alike_across_sections() {
        // The same group with aliases listed in another order is one function.
        let r = read_ok(
            "SF:c\nFNL:0,1\nFNA:0,0,b\nFNA:0,0,a\nend_of_record\nSF:c\nFNL:7,1\nFNA:7,1,a\nFNA:7,0,b\nend_of_record\n",
        );
        assert_eq!(r.totals().functions, tally(1, 1));
    }

    #[test]
    fn fn_with_end_line_and_odd_names() {
        let r = read_ok(
            "SF:x.py\nFN:1,7,classify\nFNDA:1,classify\nFN:9,10\nFNDA:0,10\nFN:12,13,a,b\nFNDA:0,a,b\nend_of_record\n",
        );
        let names: Vec<_> = r
            .file("x.py")
            .unwrap()
            .functions()
            .into_iter()
            .map(|(n, _)| n.to_owned())
            .collect();
        assert_eq!(names, vec!["10", "a,b", "classify"]);
        assert_eq!(r.totals().functions, tally(3, 1));
    }

    #[test]
    fn coveragepy_free_text_branches_split_on_last_comma() {
        let r = read_ok(
            "SF:m.py\nDA:4,1\nBRDA:4,0,jump to line 5,1\nBRDA:4,0,return from function 'f, g',0\n\
             BRDA:4,0,exit the module,-\nend_of_record\n",
        );
        let f = r.file("m.py").unwrap();
        let names: Vec<String> = f
            .branches()
            .iter()
            .map(|(k, _)| k.branch.to_string())
            .collect();
        assert_eq!(
            names,
            vec![
                "exit the module",
                "jump to line 5",
                "return from function 'f, g'"
            ]
        );
        assert_eq!(f.summary().branches, tally(3, 1));
    }

    #[test]
    fn checksums_and_non_integer_counts() {
        let r = read_ok(
            "SF:a\nDA:1,0,abc\nDA:2,1.5,3q2+7w\nDA:3,0.0\nDA:5,2e3\nDA:6,+1\nend_of_record\n",
        );
        let f = r.file("a").unwrap();
        assert_eq!(
            f.lines().collect::<Vec<_>>(),
            vec![(1, 0), (2, 2), (3, 0), (5, 2000), (6, 1)]
        );
    }

    #[test]
    fn negative_counts_are_input_errors_naming_the_line() {
        for (input, at) in [
            ("SF:a\nDA:1,1\nDA:4,-1\nend_of_record\n", 3),
            ("SF:a\nDA:4,-0.5\nend_of_record\n", 2),
            ("SF:a\nBRDA:4,0,0,-3\nend_of_record\n", 2),
            ("SF:a\nBRDA:4,0,jump to line 5,-1\nend_of_record\n", 2),
            ("SF:a\nFN:1,f\nFNDA:-1,f\nend_of_record\n", 3),
            ("SF:a\nFNL:0,1\nFNA:0,-2,f\nend_of_record\n", 3),
        ] {
            let (line, message) = malformed_line(input);
            assert_eq!(line, at, "{input:?}");
            assert!(message.contains("negative"), "{input:?}: {message}");
        }
        // `-` alone is "never evaluated", not a negative count.
        assert_eq!(
            read_ok("SF:a\nBRDA:4,0,0,-\nend_of_record\n")
                .totals()
                .branches,
            tally(1, 0)
        );
    }

    #[test]
    fn da_line_zero_is_an_input_error() {
        let (line, message) = malformed_line("SF:a\nDA:1,1\nDA:0,5\nend_of_record\n");
        assert_eq!(line, 3);
        assert!(message.contains("line 0"), "{message}");
    }

    #[test]
    fn source_paths_leaving_the_repository_are_input_errors() {
        let (line, message) =
            malformed_line("SF:src/a.rs\nend_of_record\nSF:../src/crypto/x.rs\nend_of_record\n");
        assert_eq!(line, 3);
        assert!(message.contains("../src/crypto/x.rs"), "{message}");
        assert!(message.contains("outside"), "{message}");
        // `a/../b` stays inside and is fine.
        let r = read_ok("SF:src/../lib.rs\nDA:1,1\nend_of_record\n");
        assert!(r.file("lib.rs").is_some());
    }

    #[test]
    fn repeated_branch_in_one_record_sums_like_lcov() {
        // Debian lcov 1.16, `lcov -a` and `lcov --summary --rc
        // lcov_branch_coverage=1` on exactly this record: it keeps three
        // branches, 1, 0 and 3 (the repeats summed, `-` never lowering a
        // count), "66.7% (2 of 3 branches)" (docs/formats.md, LCOV).
        let r = read_ok(
            "SF:a.c\nDA:1,1\nBRDA:1,0,0,1\nBRDA:1,0,0,0\nBRDA:1,0,1,0\nBRDA:1,0,1,0\n\
             BRDA:1,0,2,-\nBRDA:1,0,2,3\nend_of_record\n",
        );
        let f = r.file("a.c").unwrap();
        let counts: Vec<_> = f.branches().into_iter().map(|(_, t)| t).collect();
        assert_eq!(counts, vec![Some(1), Some(0), Some(3)]);
        assert_eq!(f.summary().branches, tally(3, 2));
    }

    #[test]
    fn swar_digits_match_a_plain_loop() {
        let plain = |bytes: &[u8; 8]| -> Option<(u64, usize)> {
            let len = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
            (len < 8).then(|| {
                let value = bytes[..len]
                    .iter()
                    .fold(0u64, |v, &b| v * 10 + u64::from(b - b'0'));
                (value, len)
            })
        };
        let mut cases: Vec<[u8; 8]> = vec![
            *b"0,1\nDA:1",
            *b"1234567,",
            *b"12345678",
            *b"9999999\n",
            *b"/0:9\x00\xff\xb0\x3a",
            *b"007,0000",
            *b"1\r\n12345",
            *b",,,,,,,,",
        ];
        // Every byte value after every prefix length of digits.
        for len in 0..8 {
            for b in 0..=255u8 {
                let mut word = *b"98765432";
                word[len] = b;
                cases.push(word);
            }
        }
        for word in cases {
            assert_eq!(
                swar_digits(u64::from_le_bytes(word)),
                plain(&word),
                "{word:?}"
            );
        }
    }

    #[test]
    fn function_lines_read_alike_on_both_paths() {
        // Read whole (the fast path takes what it can) and a byte at a
        // time (every line crosses a buffer, so the general path reads it).
        let input = "SF:a\nFN:3,f\r\nFN:4,5,g\nFN:6,7\nFNDA:2,f\r\nFNDA:0,g\nFNDA:1.5,7\n\
                     FNDA:3,f,x\nFN:8,h\nend_of_record\n";
        let whole = read_ok(input);
        let mut bytewise = CoverageReport::new();
        let reader = std::io::BufReader::with_capacity(1, input.as_bytes());
        read_lcov(
            reader,
            Path::new("t"),
            &ReadOptions::default(),
            &mut bytewise,
        )
        .unwrap();
        assert_eq!(whole, bytewise);
        let names: Vec<_> = whole
            .file("a")
            .unwrap()
            .functions()
            .into_iter()
            .map(|(n, f)| (n.to_owned(), f.count))
            .collect();
        let expected = [("7", 2), ("f", 2), ("f,x", 3), ("g", 0), ("h", 0)];
        assert_eq!(names, expected.map(|(n, c)| (n.to_owned(), c)));
        // A function line past the cap is refused even from one buffer.
        let long = format!("SF:a\nFN:1,{}\nend_of_record\n", "x".repeat(MAX_LINE));
        assert_eq!(malformed_line(&long).0, 2);
        let long = format!("SF:a\nFNDA:1,{}\nend_of_record\n", "x".repeat(MAX_LINE));
        assert_eq!(malformed_line(&long).0, 2);
    }

    #[test]
    fn huge_counts_saturate() {
        let r = read_ok("SF:a\nDA:1,99999999999999999999999\nDA:1,5\nend_of_record\n");
        assert_eq!(r.totals().lines, tally(1, 1));
    }

    #[test]
    fn last_line_without_newline_and_tiny_buffers() {
        let input = "TN:t\nSF:a\nDA:1,1\nDA:2,0\nend_of_record";
        assert_eq!(read_ok(input).totals().lines, tally(2, 1));
        // One byte per read: every line crosses a buffer boundary.
        let mut report = CoverageReport::new();
        let reader = std::io::BufReader::with_capacity(1, input.as_bytes());
        read_lcov(reader, Path::new("t"), &ReadOptions::default(), &mut report).unwrap();
        assert_eq!(report.totals().lines, tally(2, 1));
    }

    #[test]
    fn da_without_count_names_the_line() {
        let (line, message) = malformed_line("TN:\nSF:a\nDA:1,1\nDA:12\nend_of_record\n");
        assert_eq!(line, 4);
        assert!(message.contains("DA:12"), "{message}");
    }

    #[test]
    fn record_outside_section_is_an_error() {
        let (line, message) = malformed_line("SF:a\nend_of_record\nDA:1,1\n");
        assert_eq!(line, 3);
        assert!(message.contains("outside"), "{message}");
    }

    #[test]
    fn missing_end_of_record_is_an_error() {
        let (line, message) = malformed_line("SF:a\nDA:1,1\nSF:b\nDA:1,1\nend_of_record\n");
        assert_eq!(line, 3);
        assert!(message.contains("missing `end_of_record`"), "{message}");
        let (line, message) = malformed_line("SF:a\nDA:1,1\n");
        assert_eq!(line, 2);
        assert!(message.contains("truncated"), "{message}");
    }

    #[test]
    fn bad_numbers_and_garbage_are_errors() {
        assert_eq!(malformed_line("SF:a\nDA:x,1\nend_of_record\n").0, 2);
        assert_eq!(malformed_line("SF:a\nDA:1,abc\nend_of_record\n").0, 2);
        assert_eq!(
            malformed_line("SF:a\nDA:99999999999,1\nend_of_record\n").0,
            2
        );
        assert_eq!(malformed_line("SF:a\nBRDA:1,0,1\nend_of_record\n").0, 2);
        assert_eq!(malformed_line("SF:a\nBRDA:1,x0,0,1\nend_of_record\n").0, 2);
        assert_eq!(malformed_line("SF:a\nFNDA:1\nend_of_record\n").0, 2);
        assert_eq!(malformed_line("SF:a\nFNL:1\nend_of_record\n").0, 2);
        assert_eq!(malformed_line("SF:a\nFN:1,\nend_of_record\n").0, 2);
        assert_eq!(
            malformed_line("SF:a\nthis is not lcov\nend_of_record\n").0,
            2
        );
        assert_eq!(malformed_line("end_of_record\n").0, 1);
        assert_eq!(malformed_line("TN:x\n").0, 1);
    }

    #[test]
    fn not_lcov_at_all_is_unknown_format() {
        for input in [
            "",
            "\n\n# only a comment\n",
            "{\"coverage\": 1}\n",
            "hello world\nSF:a\n",
            "FOO:1\n",
        ] {
            match read(input) {
                Err(EvidenceError::UnknownFormat { .. }) => {}
                other => panic!("{input:?}: expected UnknownFormat, got {other:?}"),
            }
        }
    }

    #[test]
    fn unknown_records_are_skipped_unless_strict() {
        let input = "SF:a\nXYZ:1,2\nDA:1,1\nend_of_record\n";
        assert_eq!(read_ok(input).totals().lines, tally(1, 1));
        let mut report = CoverageReport::new();
        let opts = ReadOptions::default();
        let err = read_lcov_with(
            input.as_bytes(),
            Path::new("t"),
            &opts,
            Strictness::Strict,
            &mut report,
        )
        .unwrap_err();
        assert!(
            matches!(err, EvidenceError::Malformed { line: 2, .. }),
            "{err:?}"
        );
    }

    #[test]
    fn paths_are_normalised() {
        let r = read_ok(
            "SF:./src\\lib.rs\nDA:1,1\nend_of_record\nSF:src/lib.rs\nDA:2,0\nend_of_record\n",
        );
        assert_eq!(r.file_count(), 1);
        assert_eq!(r.file("src/lib.rs").unwrap().summary().lines, tally(2, 1));
    }

    #[test]
    fn bom_is_skipped() {
        assert_eq!(
            read_ok("\u{feff}SF:a\nDA:1,1\nend_of_record\n")
                .totals()
                .lines,
            tally(1, 1)
        );
    }
}
