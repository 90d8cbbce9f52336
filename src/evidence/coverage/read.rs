//! One entry point for coverage files: detect the format, run its reader.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Take};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use serde::Serialize;

use super::lcov::{Part, Sink};
use super::paths::PathNormalizer;
use super::{
    clover, cobertura, coveragepy_json, gocover, jacoco, lcov, llvm_json, sonar, CoverageReport,
};
use crate::evidence::detect::{dialect_name, sniff_xml, XmlDialect};
use crate::evidence::EvidenceError;

/// Where the repository is, so the readers can make paths relative to it.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// The repository root: absolute paths under it (as given or
    /// canonicalised) become relative, and absolute paths from another
    /// machine are matched against the files under it (see
    /// [`super::paths`]). An empty path leaves absolute paths as they are.
    pub repo_root: PathBuf,
    /// Extra prefixes to strip from absolute paths (`--strip-prefix`),
    /// tried before the repository root.
    pub strip_prefix: Vec<String>,
    /// The format the files must be (`--coverage-format`): read with that
    /// format's reader, and refused when their structure says they are
    /// another format. `None` reads whatever format detection finds.
    pub format: Option<CoverageFormat>,
}

impl ReadOptions {
    /// The repository root, when one was given.
    pub(crate) fn root(&self) -> Option<&Path> {
        (!self.repo_root.as_os_str().is_empty()).then_some(self.repo_root.as_path())
    }
}

/// How a reader treats records it does not know.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Strictness {
    /// Skip unknown records: other tools' formats grow, and a gate should
    /// not break on a record it has no use for (docs/formats.md).
    #[default]
    Lenient,
    /// Reject unknown records, so tests notice when a producer's format
    /// drifts.
    Strict,
}

/// A coverage file format tollgate reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CoverageFormat {
    /// LCOV tracefile (`lcov.info`).
    Lcov,
    /// Cobertura XML (`coverage.xml`, `cobertura.xml`).
    Cobertura,
    /// Clover XML (`clover.xml`).
    Clover,
    /// `SonarQube` generic coverage XML.
    #[serde(rename = "sonar-generic")]
    SonarGeneric,
    /// llvm-cov's JSON export (`cargo llvm-cov --json`).
    #[serde(rename = "llvm-cov-json")]
    LlvmJson,
    /// coverage.py's JSON report (`coverage json`).
    #[serde(rename = "coveragepy-json")]
    CoveragePyJson,
    /// A Go cover profile (`go test -coverprofile`).
    #[serde(rename = "go-cover")]
    GoCover,
    /// `JaCoCo` XML (`jacoco.xml`).
    Jacoco,
}

impl CoverageFormat {
    /// The lowercase name used in reports (`lcov`, `cobertura`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Lcov => "lcov",
            Self::Cobertura => "cobertura",
            Self::Clover => "clover",
            Self::SonarGeneric => "sonar-generic",
            Self::LlvmJson => "llvm-cov-json",
            Self::CoveragePyJson => "coveragepy-json",
            Self::GoCover => "go-cover",
            Self::Jacoco => "jacoco",
        }
    }
}

impl CoverageFormat {
    /// Every coverage format, in the order `--coverage-format` lists them.
    pub const ALL: [Self; 8] = [
        Self::Lcov,
        Self::Cobertura,
        Self::Clover,
        Self::SonarGeneric,
        Self::LlvmJson,
        Self::CoveragePyJson,
        Self::GoCover,
        Self::Jacoco,
    ];
}

impl std::str::FromStr for CoverageFormat {
    type Err = String;

    /// Parses a name as [`CoverageFormat::as_str`] writes it.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|f| f.as_str() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|f| f.as_str()).collect();
                format!(
                    "unknown coverage format `{name}` (known: {})",
                    names.join(", ")
                )
            })
    }
}

impl std::fmt::Display for CoverageFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Buffer size for reading coverage files: large enough that refilling is
/// rare, small enough to stay in the L2 cache.
const BUFFER: usize = 256 * 1024;

/// Reads a coverage file of either format into `into`, merging with what is
/// already there, and says which format it was.
///
/// The format is decided by content, not by name: a document whose first
/// non-blank character is `<` by its XML root (and, for `<coverage>`, its
/// first child: Cobertura, Clover, `SonarQube` or an unknown root, which
/// the Cobertura reader names); one starting with `{` by its first key
/// (`meta` or `files`: coverage.py's JSON report; otherwise llvm-cov's
/// export, whose reader refuses JSON of another `type`); `mode: ` a Go
/// cover profile; anything else LCOV (whose reader insists on an LCOV
/// record first). Either way, a file in some other format is
/// [`EvidenceError::UnknownFormat`], never an empty report.
pub fn read_coverage_file(
    path: &Path,
    opts: &ReadOptions,
    into: &mut CoverageReport,
) -> Result<CoverageFormat, EvidenceError> {
    read_coverage_file_with(path, opts, Strictness::Lenient, into)
}

/// [`read_coverage_file`] with a choice of [`Strictness`].
pub fn read_coverage_file_with(
    path: &Path,
    opts: &ReadOptions,
    strictness: Strictness,
    into: &mut CoverageReport,
) -> Result<CoverageFormat, EvidenceError> {
    read_coverage_file_naming(path, opts, strictness, into, &mut None)
}

/// [`read_coverage_file`], with the producer the file names where only its
/// reader can tell (llvm-cov's export names it after its bulk; detection
/// names the others from a file's head): `tollgate inspect`'s read.
pub fn read_coverage_file_named(
    path: &Path,
    opts: &ReadOptions,
    into: &mut CoverageReport,
) -> Result<(CoverageFormat, Option<String>), EvidenceError> {
    let mut producer = None;
    let format = read_coverage_file_naming(path, opts, Strictness::Lenient, into, &mut producer)?;
    Ok((format, producer))
}

fn read_coverage_file_naming(
    path: &Path,
    opts: &ReadOptions,
    strictness: Strictness,
    into: &mut CoverageReport,
    producer: &mut Option<String>,
) -> Result<CoverageFormat, EvidenceError> {
    if into.has_summary_only_files() {
        // An llvm-cov JSON export was read before: its files hold stated
        // totals that cannot be united with this file's records.
        let mut mine = CoverageReport::new();
        let format = read_coverage_file_naming(path, opts, strictness, &mut mine, producer)?;
        into.merge_checked(mine)
            .map_err(|file| EvidenceError::Malformed {
                path: path.to_path_buf(),
                line: 1,
                message: format!(
                    "`{file}` is also in an llvm-cov JSON export read before: that export has \
                     per-file totals only, which cannot be merged with another report of the same file"
                ),
            })?;
        return Ok(format);
    }
    let io_error = |source| EvidenceError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = crate::input::open_input(path, crate::input::InputKind::Coverage)?;
    let mut input = BufReader::with_capacity(BUFFER, file);
    let sniffed = sniff(&mut input, path).map_err(|e| match e {
        Sniffed::Io(source) => io_error(source),
        Sniffed::Refused(err) => err,
    })?;
    let format = match opts.format {
        None => sniffed,
        Some(wanted) if wanted == sniffed || sniffed == FALLBACK => wanted,
        // The file's structure names another format: reading it with the
        // wanted reader would misread it (a Clover file has Cobertura's
        // root element), so the mismatch is the error.
        Some(wanted) => {
            return Err(EvidenceError::UnknownFormat {
                path: path.to_path_buf(),
                message: format!(
                    "--coverage-format {wanted} was given, but by its structure this is {sniffed}"
                ),
            })
        }
    };
    match format {
        CoverageFormat::Lcov => {
            let parts = std::thread::available_parallelism().map_or(1, usize::from);
            read_lcov_file(
                path,
                input,
                opts,
                strictness,
                parts.min(MAX_PARTS),
                PARALLEL_MIN,
                into,
            )?;
        }
        CoverageFormat::Cobertura => {
            let parts = std::thread::available_parallelism().map_or(1, usize::from);
            read_cobertura_file(path, input, opts, parts.min(MAX_PARTS), PARALLEL_MIN, into)?;
        }
        CoverageFormat::Clover => clover::read_clover(input, path, opts, into)?,
        CoverageFormat::SonarGeneric => sonar::read_sonar(input, path, opts, into)?,
        CoverageFormat::LlvmJson => {
            *producer = llvm_json::read_llvm_json_named(input, path, opts, into)?;
        }
        CoverageFormat::CoveragePyJson => read_coveragepy_json(input, path, opts, into)?,
        CoverageFormat::GoCover => read_go_cover(input, path, opts, into)?,
        CoverageFormat::Jacoco => jacoco::read_jacoco(input, path, opts, into)?,
    }
    Ok(format)
}

/// LCOV and Cobertura files at least this large are read in parts, one per
/// core. The parts share one report, so memory does not grow with them,
/// and a part costs a thread and a 256 KiB buffer: worth it from a few
/// megabytes.
const PARALLEL_MIN: u64 = 8 << 20;
/// More parts than this contend for the shared report more than they save
/// time (the parts share one report, so memory does not grow with them).
const MAX_PARTS: usize = 4;

/// Reads an LCOV file, in `parts` parts on as many threads when it is at
/// least `min_size` bytes (issue 5's stretch goal: both cores).
///
/// The file is cut just after `end_of_record` lines near equal offsets,
/// so every part is a run of whole sections; the parts read into one
/// shared report (a section takes its file out and puts it back), which
/// gives the same result as one reader because merging is
/// order-independent (`tests/integration/coverage_props.rs`), and holds
/// each file once however many parts there are.
/// Errors name the line within the whole file.
fn read_lcov_file(
    path: &Path,
    input: BufReader<File>,
    opts: &ReadOptions,
    strictness: Strictness,
    parts: usize,
    min_size: u64,
    into: &mut CoverageReport,
) -> Result<(), EvidenceError> {
    let io_error = |source| EvidenceError::Io {
        path: path.to_path_buf(),
        source,
    };
    let (size, cuts) = cut_file(&input, parts, min_size, |size| {
        section_cuts(path, size, parts)
    })
    .map_err(io_error)?;
    let Some(&first_cut) = cuts.first() else {
        return lcov::read_lcov_with(input, path, opts, strictness, into);
    };
    let bounds = later_parts(&cuts, size);
    // One normalizer's clones: the parts share its directory listings.
    let paths = PathNormalizer::new(opts.root(), &opts.strip_prefix);
    // One report for every part (see `lcov::Sink::Shared`).
    let shared = Mutex::new(std::mem::take(into));
    let (first, rest) = std::thread::scope(|scope| {
        let shared = &shared;
        let workers: Vec<_> = bounds
            .iter()
            .map(|&(start, end)| {
                let paths = paths.clone();
                scope.spawn(move || -> Result<(), EvidenceError> {
                    let part = open_part(path, start, end).map_err(io_error)?;
                    lcov::read_lcov_part(
                        part,
                        path,
                        paths,
                        strictness,
                        Part::Continuation,
                        Sink::Shared(shared),
                    )
                })
            })
            .collect();
        let first = lcov::read_lcov_part(
            input.take(first_cut),
            path,
            paths.clone(),
            strictness,
            Part::Whole,
            Sink::Shared(shared),
        );
        let rest: Vec<_> = workers
            .into_iter()
            .map(|w| {
                w.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect();
        (first, rest)
    });
    *into = shared.into_inner().unwrap_or_else(PoisonError::into_inner);
    first?;
    for (result, &(start, _)) in rest.into_iter().zip(&bounds) {
        match result {
            Ok(()) => {}
            Err(EvidenceError::Malformed {
                path,
                line,
                message,
            }) => {
                let before = count_lines(&path, start).map_err(io_error)?;
                return Err(EvidenceError::Malformed {
                    path,
                    line: line + before,
                    message,
                });
            }
            Err(other) => return Err(other),
        }
    }
    Ok(())
}

/// The size of `input`'s file and where `cut` (given the size) cuts it
/// for reading in `parts` parts: nowhere for one part or a file smaller
/// than `min_size`.
fn cut_file(
    input: &BufReader<File>,
    parts: usize,
    min_size: u64,
    cut: impl FnOnce(u64) -> std::io::Result<Vec<u64>>,
) -> std::io::Result<(u64, Vec<u64>)> {
    let size = input.get_ref().metadata()?.len();
    if parts > 1 && size >= min_size.max(1) {
        Ok((size, cut(size)?))
    } else {
        Ok((size, Vec::new()))
    }
}

/// The byte ranges of the parts after the first of a file of `size`
/// bytes cut at `cuts`.
fn later_parts(cuts: &[u64], size: u64) -> Vec<(u64, u64)> {
    cuts.iter()
        .zip(cuts.iter().skip(1).chain(std::iter::once(&size)))
        .map(|(&start, &end)| (start, end))
        .collect()
}

/// The bytes `start..end` of `path`, buffered, for a part read on a
/// thread of its own.
fn open_part(path: &Path, start: u64, end: u64) -> std::io::Result<BufReader<Take<File>>> {
    let mut file = File::open(path)?;
    file.seek(SeekFrom::Start(start))?;
    Ok(BufReader::with_capacity(BUFFER, file.take(end - start)))
}

/// Reads a Cobertura file, in `parts` parts on as many threads when it is
/// at least `min_size` bytes.
///
/// The file is cut just after `</class>` tags near equal offsets. Such a
/// string need not be an end tag (it may sit in a comment or an attribute
/// value), and a part does not know which elements enclose it, so each
/// later part reads as if the cut were a place between classes and says
/// what it assumed ([`cobertura::PartEnd`]); the parts are kept only when
/// every assumption holds and no part met an error
/// ([`cobertura::parts_join`]). Otherwise, and whenever a part fails,
/// the file is read again by one reader, whose result (or error, with its
/// line) is then the answer: reading in parts never changes what is read,
/// only how fast. The parts read into a report of their own, shared
/// between them, which is merged into `into` only when kept.
fn read_cobertura_file(
    path: &Path,
    input: BufReader<File>,
    opts: &ReadOptions,
    parts: usize,
    min_size: u64,
    into: &mut CoverageReport,
) -> Result<(), EvidenceError> {
    let io_error = |source| EvidenceError::Io {
        path: path.to_path_buf(),
        source,
    };
    let (size, cuts) = cut_file(&input, parts, min_size, |size| {
        cuts_after(path, size, parts, b"</class>", |_, _| AfterMark::Cut(0))
    })
    .map_err(io_error)?;
    let Some(&first_cut) = cuts.first() else {
        return cobertura::read_cobertura(input, path, opts, into);
    };
    let bounds = later_parts(&cuts, size);
    let paths = PathNormalizer::new(opts.root(), &opts.strip_prefix);
    let shared = Mutex::new(CoverageReport::new());
    let (announce, waiting): (Vec<_>, Vec<_>) = bounds
        .iter()
        .map(|_| std::sync::mpsc::sync_channel(1))
        .unzip();
    let ends = std::thread::scope(|scope| {
        let shared = &shared;
        let workers: Vec<_> = bounds
            .iter()
            .zip(waiting)
            .map(|(&(start, end), sources)| {
                let paths = paths.clone();
                scope.spawn(move || -> Result<cobertura::PartEnd, EvidenceError> {
                    let part = open_part(path, start, end).map_err(io_error)?;
                    cobertura::read_cobertura_part(
                        part,
                        path,
                        paths,
                        cobertura::Role::Continuation { sources },
                        Sink::Shared(shared),
                    )
                })
            })
            .collect();
        let first = cobertura::read_cobertura_part(
            input.take(first_cut),
            path,
            paths.clone(),
            cobertura::Role::First { announce },
            Sink::Shared(shared),
        );
        let mut ends = vec![first];
        ends.extend(workers.into_iter().map(|w| {
            w.join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        }));
        ends
    });
    let ends: Result<Vec<_>, _> = ends.into_iter().collect();
    if ends.is_ok_and(|ends| cobertura::parts_join(&ends)) {
        let report = shared.into_inner().unwrap_or_else(PoisonError::into_inner);
        if into.file_count() == 0 {
            *into = report;
        } else {
            into.merge(report);
        }
        return Ok(());
    }
    let file = crate::input::open_input(path, crate::input::InputKind::Coverage)?;
    cobertura::read_cobertura(BufReader::with_capacity(BUFFER, file), path, opts, into)
}

/// Offsets just after an `end_of_record` line at or past each of `parts - 1`
/// equally spaced points; fewer when sections are too long to find one.
fn section_cuts(path: &Path, size: u64, parts: usize) -> std::io::Result<Vec<u64>> {
    cuts_after(
        path,
        size,
        parts,
        b"\nend_of_record",
        |after, at_end| match after {
            [b'\n', ..] => AfterMark::Cut(1),
            [b'\r', b'\n', ..] => AfterMark::Cut(2),
            // Not yet known: the next read decides.
            [] | [b'\r'] if !at_end => AfterMark::Unknown,
            _ => AfterMark::NotHere,
        },
    )
}

/// What follows a mark [`cuts_after`] found decides whether it cuts there.
enum AfterMark {
    /// A cut this many bytes after the mark.
    Cut(usize),
    /// No cut at this mark.
    NotHere,
    /// The bytes after the mark are not read yet.
    Unknown,
}

/// Offsets of a cut near each of `parts - 1` equally spaced points: the
/// first `mark` at or past the point that `settle` (given the bytes read
/// after the mark, and whether the file ends there) cuts at; fewer cuts
/// when none is found within 16 MiB.
///
/// Each search reads 64 KiB at a time and stops at the first cut: reading
/// the whole search window at once cost 16 MB of memory and of reading
/// per part.
fn cuts_after(
    path: &Path,
    size: u64,
    parts: usize,
    mark: &[u8],
    settle: impl Fn(&[u8], bool) -> AfterMark,
) -> std::io::Result<Vec<u64>> {
    const SEARCH: u64 = 16 << 20;
    const STEP: usize = 64 << 10;
    let mut file = File::open(path)?;
    let mut cuts = Vec::new();
    let mut buf = Vec::with_capacity(STEP + mark.len() + 2);
    let finder = memchr::memmem::Finder::new(mark);
    for k in 1..parts as u64 {
        let target = (size * k / parts as u64).max(cuts.last().copied().unwrap_or(0));
        file.seek(SeekFrom::Start(target))?;
        buf.clear();
        // `buf` starts at `base` in the file; between reads it keeps the
        // last bytes, so a mark cut by a read is still found.
        let mut base = target;
        let mut cut = None;
        while cut.is_none() && base - target < SEARCH {
            let before = buf.len();
            (&mut file).take(STEP as u64).read_to_end(&mut buf)?;
            let at_end = buf.len() - before < STEP;
            for found in finder.find_iter(&buf) {
                match settle(&buf[found + mark.len()..], at_end) {
                    AfterMark::Cut(n) => {
                        cut = Some(base + (found + mark.len() + n) as u64);
                        break;
                    }
                    AfterMark::NotHere => {}
                    AfterMark::Unknown => break,
                }
            }
            if at_end {
                break;
            }
            let keep = buf.len().min(mark.len() + 2);
            let drop = buf.len() - keep;
            buf.drain(..drop);
            base += drop as u64;
        }
        if let Some(cut) = cut {
            if cut < size && cuts.last().is_none_or(|&last| cut > last) {
                cuts.push(cut);
            }
        }
    }
    Ok(cuts)
}

/// Newlines in the first `end` bytes of the file.
fn count_lines(path: &Path, end: u64) -> std::io::Result<u64> {
    let mut input = BufReader::with_capacity(BUFFER, File::open(path)?.take(end));
    let mut lines = 0;
    loop {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            return Ok(lines);
        }
        lines += memchr::memchr_iter(b'\n', buf).count() as u64;
        let len = buf.len();
        input.consume(len);
    }
}

/// What [`sniff`] answers when nothing it looks at names a format: the
/// LCOV reader then insists on an LCOV record first, and a forced format's
/// reader on its own structure.
const FALLBACK: CoverageFormat = CoverageFormat::Lcov;

/// Reads a coverage.py JSON report (`coverage json`) into `into`: the entry
/// point for the detected format and for a forced one.
pub(crate) fn read_coveragepy_json(
    input: impl BufRead,
    path: &Path,
    opts: &ReadOptions,
    into: &mut CoverageReport,
) -> Result<(), EvidenceError> {
    coveragepy_json::read_coveragepy_json(input, path, opts, into)
}

/// Reads a Go cover profile (`go test -coverprofile`) into `into`: the
/// entry point for the detected format and for a forced one.
pub(crate) fn read_go_cover(
    input: impl BufRead,
    path: &Path,
    opts: &ReadOptions,
    into: &mut CoverageReport,
) -> Result<(), EvidenceError> {
    gocover::read_go_cover(input, path, opts, into)
}

/// The first key of the JSON object that `head` starts with, when it is
/// within `head` (coverage.py writes `meta` first; a key-sorted copy starts
/// with `files`; llvm-cov's export starts with `data`).
fn first_json_key(head: &[u8]) -> Option<&[u8]> {
    let rest = head.strip_prefix(b"{")?;
    let start = rest.iter().position(|b| !b.is_ascii_whitespace())?;
    let rest = rest[start..].strip_prefix(b"\"")?;
    let end = rest.iter().position(|&b| b == b'"' || b == b'\\')?;
    Some(&rest[..end])
}

/// Why [`sniff`] gave no format.
enum Sniffed {
    Io(std::io::Error),
    /// XML of a kind tollgate recognises and does not read as coverage.
    Refused(EvidenceError),
}

/// Looks at the first bytes without consuming them. XML is told apart by
/// its structure ([`sniff_xml`]), not its name: a `<coverage>` root may be
/// Cobertura, Clover, `SonarQube` generic coverage or `NCover`, and the
/// ones tollgate does not read are refused by name here; a `<report>` root
/// is `JaCoCo`.
fn sniff<R: BufRead>(input: &mut R, path: &Path) -> Result<CoverageFormat, Sniffed> {
    let head = input.fill_buf().map_err(Sniffed::Io)?;
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(head.len());
    match head.get(start) {
        Some(b'<') => {}
        // JSON coverage by its first key: coverage.py's report, else
        // llvm-cov's export; each reader refuses other JSON by name.
        Some(b'{') => {
            return Ok(match first_json_key(&head[start..]) {
                Some(b"meta" | b"files") => CoverageFormat::CoveragePyJson,
                _ => CoverageFormat::LlvmJson,
            })
        }
        // A Go cover profile's first line is its mode.
        Some(_) if head[start..].starts_with(b"mode: ") => return Ok(CoverageFormat::GoCover),
        _ => return Ok(FALLBACK),
    }
    // Unreadable XML and unknown roots go to the Cobertura reader, which
    // names the line or the root.
    let Ok(sniffed) = sniff_xml(head) else {
        return Ok(CoverageFormat::Cobertura);
    };
    match sniffed.dialect {
        XmlDialect::Cobertura | XmlDialect::Other(_) => Ok(CoverageFormat::Cobertura),
        XmlDialect::Clover => Ok(CoverageFormat::Clover),
        XmlDialect::SonarGeneric => Ok(CoverageFormat::SonarGeneric),
        XmlDialect::Jacoco => Ok(CoverageFormat::Jacoco),
        other @ (XmlDialect::Junit | XmlDialect::Foreign(_)) => {
            Err(Sniffed::Refused(EvidenceError::UnknownFormat {
                path: path.to_path_buf(),
                message: format!(
                    "this is {}, not a coverage format tollgate reads",
                    dialect_name(&other)
                ),
            }))
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)] // a test that cannot set up should stop loudly
mod tests {
    use super::*;
    use proptest::prelude::{prop, Strategy};

    fn read(content: &str) -> Result<(CoverageFormat, CoverageReport), EvidenceError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cov");
        std::fs::write(&path, content).unwrap();
        let mut report = CoverageReport::new();
        let format = read_coverage_file(&path, &ReadOptions::default(), &mut report)?;
        Ok((format, report))
    }

    #[test]
    fn detects_by_content() {
        let (format, report) = read("TN:\nSF:a\nDA:1,1\nend_of_record\n").unwrap();
        assert_eq!((format, report.file_count()), (CoverageFormat::Lcov, 1));
        let xml = "\u{feff}\n<?xml version=\"1.0\" ?>\n<coverage><packages><package><classes>\
                   <class filename=\"a.py\"><lines><line number=\"1\" hits=\"0\"/></lines></class>\
                   </classes></package></packages></coverage>";
        let (format, report) = read(xml).unwrap();
        assert_eq!(
            (format, report.totals().lines.found),
            (CoverageFormat::Cobertura, 1)
        );
    }

    #[test]
    fn other_formats_are_unknown() {
        for content in [
            "{\"files\": {}}",
            "<html><body/></html>",
            "",
            "<testsuites/>",
        ] {
            match read(content) {
                Err(EvidenceError::UnknownFormat { .. }) => {}
                other => panic!("{content:?}: {other:?}"),
            }
        }
    }

    fn sections(count: usize) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        for i in 0..count {
            let taken = if i % 3 == 0 {
                "-".to_owned()
            } else {
                (i % 2).to_string()
            };
            write!(
                out,
                "TN:t{}\nSF:src/f{}.rs\nFN:1,f{}\nFNDA:{},f{}\nDA:1,{}\nDA:{},0\nBRDA:1,0,0,{taken}\nend_of_record\r\n",
                i % 3,
                i % 7,
                i % 5,
                i % 2,
                i % 5,
                i % 4,
                2 + i % 11,
            )
            .unwrap();
        }
        out
    }

    fn read_in_parts(content: &str, parts: usize) -> Result<CoverageReport, EvidenceError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.info");
        std::fs::write(&path, content).unwrap();
        let input = BufReader::new(File::open(&path).unwrap());
        let mut report = CoverageReport::new();
        let opts = ReadOptions::default();
        read_lcov_file(
            &path,
            input,
            &opts,
            Strictness::Strict,
            parts,
            0,
            &mut report,
        )?;
        Ok(report)
    }

    #[test]
    fn cuts_fall_just_after_the_first_end_of_record_past_each_point() {
        // Sections far longer than one 64 KiB read, so marks fall across
        // reads at every offset; checked against a plain search.
        use std::fmt::Write as _;
        let mut content = String::new();
        for i in 0..40 {
            writeln!(content, "SF:f{i}").unwrap();
            for line in 1..(900 + 37 * i) {
                writeln!(content, "DA:{line},{}", line % 3).unwrap();
            }
            content += if i % 2 == 0 {
                "end_of_record\n"
            } else {
                "end_of_record\r\n"
            };
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.info");
        std::fs::write(&path, &content).unwrap();
        let size = content.len() as u64;
        for parts in [2, 3, 7, 50] {
            let mut expected = Vec::new();
            for k in 1..parts as u64 {
                let target = (size * k / parts as u64).max(expected.last().copied().unwrap_or(0));
                let from = usize::try_from(target).unwrap();
                if let Some(found) = content[from..].find("\nend_of_record") {
                    let end = from + found + 14;
                    let n = if content[end..].starts_with('\n') {
                        1
                    } else {
                        2
                    };
                    let cut = (end + n) as u64;
                    if cut < size && expected.last().is_none_or(|&last| cut > last) {
                        expected.push(cut);
                    }
                }
            }
            assert_eq!(
                section_cuts(&path, size, parts).unwrap(),
                expected,
                "{parts}"
            );
        }
    }

    #[test]
    fn reading_in_parts_gives_the_same_report() {
        let content = sections(200);
        let whole = read_in_parts(&content, 1).unwrap();
        for parts in [2, 3, 4, 7] {
            assert_eq!(
                read_in_parts(&content, parts).unwrap(),
                whole,
                "{parts} parts"
            );
        }
        // One section cannot be cut.
        let one = sections(1);
        assert_eq!(
            read_in_parts(&one, 4).unwrap(),
            read_in_parts(&one, 1).unwrap()
        );
    }

    #[test]
    fn errors_in_later_parts_name_the_line_in_the_whole_file() {
        let mut content = sections(200);
        let lines_before = content.matches('\n').count() as u64;
        content += "SF:x\nDA:oops\nend_of_record\n";
        content += &sections(3);
        for parts in [1, 2, 4] {
            match read_in_parts(&content, parts) {
                Err(EvidenceError::Malformed { line, .. }) => {
                    assert_eq!(line, lines_before + 2, "{parts} parts");
                }
                other => panic!("{parts} parts: {other:?}"),
            }
        }
    }

    /// Reads Cobertura `content` by `read_cobertura_file` in `parts`
    /// parts (cut however small the file), and by one reader.
    fn cobertura_both_ways(
        content: &[u8],
        parts: usize,
    ) -> (
        Result<CoverageReport, String>,
        Result<CoverageReport, String>,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("coverage.xml");
        std::fs::write(&path, content).unwrap();
        let opts = ReadOptions::default();
        let mut parted = CoverageReport::new();
        let input = BufReader::new(File::open(&path).unwrap());
        let parted = read_cobertura_file(&path, input, &opts, parts, 0, &mut parted)
            .map(|()| parted)
            .map_err(|e| e.to_string());
        let mut whole = CoverageReport::new();
        let whole = cobertura::read_cobertura(content, &path, &opts, &mut whole)
            .map(|()| whole)
            .map_err(|e| e.to_string());
        (parted, whole)
    }

    /// A Cobertura document of a few packages and classes, with things
    /// between the classes that hold `</class>` without being one (where
    /// a cut may fall), late `<source>`s, nested classes and a second root.
    fn cobertura_documents() -> impl Strategy<Value = String> {
        let line = (1u32..6, 0u64..3, prop::option::of(0u32..3)).prop_map(|(n, hits, branch)| {
            match branch {
                Some(taken) => format!(
                    r#"<line number="{n}" hits="{hits}" branch="true" condition-coverage="50% ({taken}/2)"/>"#
                ),
                None => format!(r#"<line number="{n}" hits="{hits}" branch="false"/>"#),
            }
        });
        let lines = prop::collection::vec(line, 0..4).prop_map(|l| l.concat());
        let method = (0u8..3, lines.clone()).prop_map(|(name, lines)| {
            format!(r#"<method name="m{name}" signature="()" line-rate="0.5"><lines>{lines}</lines></method>"#)
        });
        // Mostly what writers put there, so that most documents are read
        // in parts, not again by one reader.
        let between = prop::sample::select(vec![
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "\n  ",
            "\n  ",
            "\n  ",
            "\n  ",
            "\n  ",
            "\n  ",
            "<!-- </class> -->",
            "<![CDATA[</class>]]>",
            "<?pi </class>?>",
            "<source>/v</source>",
            "<x a=\"</class>\"/>",
            "<class filename=\"n.py\">",
            "</class>",
        ]);
        let class = (
            prop::sample::select(vec!["a.py", "b.py", "src/c.py"]),
            prop::collection::vec(method, 0..3),
            lines,
            between,
        )
            .prop_map(|(file, methods, lines, between)| {
                format!(
                    r#"<class filename="{file}"><methods>{}</methods><lines>{lines}</lines></class>{between}"#,
                    methods.concat()
                )
            });
        let package = prop::collection::vec(class, 1..5).prop_map(|c| {
            format!(
                "<package name=\"p\"><classes>{}</classes></package>\n",
                c.concat()
            )
        });
        (
            prop::collection::vec(package, 1..4),
            prop::sample::select(vec!["", "<coverage/>", "<!-- end -->"]),
        )
            .prop_map(|(packages, after)| {
                format!(
                    "<?xml version=\"1.0\" ?>\n<coverage>\n<sources><source>/w/proj</source></sources>\n\
                     <packages>\n{}</packages>\n</coverage>\n{after}",
                    packages.concat()
                )
            })
    }

    proptest::proptest! {
        // No regressions file: the repository's layout has no place for it.
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 256,
            failure_persistence: None,
            ..proptest::prelude::ProptestConfig::default()
        })]

        /// Read in parts, a Cobertura document (whole, or with a byte put
        /// in or taken out) gives what one reader gives: the same report,
        /// or the same error on the same line.
        #[test]
        fn cobertura_in_parts_reads_as_one_reader(
            text in cobertura_documents(),
            parts in 2usize..7,
            at in proptest::prelude::any::<proptest::sample::Index>(),
            byte in proptest::sample::select(b"<>/\"=! x\n".to_vec()),
            edit in 0u8..5,
        ) {
            let mut bytes = text.into_bytes();
            let at = at.index(bytes.len());
            // Mostly unedited, again so that most are read in parts.
            match edit {
                0 => bytes.insert(at, byte),
                1 => {
                    bytes.remove(at);
                }
                _ => {}
            }
            let (parted, whole) = cobertura_both_ways(&bytes, parts);
            proptest::prop_assert_eq!(parted, whole);
        }
    }

    #[test]
    fn missing_file_is_io_error() {
        let mut report = CoverageReport::new();
        let err = read_coverage_file(
            Path::new("/nonexistent/lcov.info"),
            &ReadOptions::default(),
            &mut report,
        )
        .unwrap_err();
        assert!(matches!(err, EvidenceError::Io { .. }));
        assert!(err.to_string().contains("/nonexistent/lcov.info"));
    }
}
