//! Format detection for `tollgate inspect` (docs/formats.md, format detection): which producer
//! wrote a file, judged from its content, never from its name.
//!
//! JSON is sniffed by shape (a cargo-audit report has `vulnerabilities` and
//! `lockfile`; hyperfine has a `results` array; Bencher Metric Format is an
//! object of objects; github-action-benchmark is an array; llvm-cov's export
//! says `"type": "llvm.coverage.json.export"`; coverage.py's report has a
//! `meta` with `format` and `version` beside a `files` object), a Go cover
//! profile by its `mode: ` first line, XML by its
//! structure ([`sniff_xml`]: `<testsuites>`/`<testsuite>` is JUnit; a
//! `<coverage>` root is Cobertura, Clover, `SonarQube` generic coverage or
//! `NCover` by its attributes and first child; `<ctc_xml_report>` is CTC++;
//! `<report>` is `JaCoCo`, which names itself in its DOCTYPE),
//! LCOV by its first record, and a directory holding `*/new/estimates.json`
//! is a criterion tree. Formats recognised but not read are refused by name.

use std::io::Read as _;
use std::path::Path;

use quick_xml::events::Event;
use quick_xml::Reader;
use serde::Serialize;
use serde_json::Value;

use super::audit::{read_audit, AuditSummary};
use super::bench::{self, read_bench, BenchFormat, BenchSummary};
use super::coverage::CoverageFormat;
use super::json_skip::{deserialize_seed_skipping, SkipRule};
use super::junit::{read_junit, TestsSummary};
use super::text::{json_error, line_at, malformed, read_text};
use super::EvidenceError;

/// A recognised evidence format; serializes as its [`Format::as_str`] name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// LCOV tracefile.
    Lcov,
    /// Cobertura XML.
    Cobertura,
    /// Clover XML (istanbul/nyc `--reporter=clover`, `OpenClover`, `PHPUnit`).
    Clover,
    /// `SonarQube` generic coverage XML.
    SonarGeneric,
    /// llvm-cov's JSON export (`cargo llvm-cov --json`).
    LlvmCovJson,
    /// coverage.py's JSON report (`coverage json`).
    CoveragePyJson,
    /// A Go cover profile (`go test -coverprofile`).
    GoCover,
    /// `JaCoCo` XML (Java, Kotlin).
    Jacoco,
    /// cargo-audit `--json`.
    CargoAudit,
    /// JUnit XML.
    Junit,
    /// A benchmark format.
    Bench(BenchFormat),
}

/// The kind of evidence a format carries (the key `inspect --format json` uses).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EvidenceKind {
    /// Coverage reports.
    Coverage,
    /// Security audit reports.
    Audit,
    /// Test reports.
    Tests,
    /// Benchmark results.
    Bench,
}

impl Format {
    /// The format's name as `tollgate inspect` prints it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Lcov => "lcov",
            Self::Cobertura => "cobertura",
            Self::Clover => "clover",
            Self::SonarGeneric => "sonar-generic",
            Self::LlvmCovJson => "llvm-cov-json",
            Self::CoveragePyJson => "coveragepy-json",
            Self::GoCover => "go-cover",
            Self::Jacoco => "jacoco",
            Self::CargoAudit => "cargo-audit",
            Self::Junit => "junit",
            Self::Bench(b) => b.as_str(),
        }
    }

    /// The kind of evidence this format carries.
    #[must_use]
    pub fn kind(self) -> EvidenceKind {
        match self {
            Self::Lcov
            | Self::Cobertura
            | Self::Clover
            | Self::SonarGeneric
            | Self::LlvmCovJson
            | Self::CoveragePyJson
            | Self::GoCover
            | Self::Jacoco => EvidenceKind::Coverage,
            Self::CargoAudit => EvidenceKind::Audit,
            Self::Junit => EvidenceKind::Tests,
            Self::Bench(_) => EvidenceKind::Bench,
        }
    }
}

impl From<CoverageFormat> for Format {
    fn from(format: CoverageFormat) -> Self {
        match format {
            CoverageFormat::Lcov => Self::Lcov,
            CoverageFormat::Cobertura => Self::Cobertura,
            CoverageFormat::Clover => Self::Clover,
            CoverageFormat::SonarGeneric => Self::SonarGeneric,
            CoverageFormat::LlvmJson => Self::LlvmCovJson,
            CoverageFormat::CoveragePyJson => Self::CoveragePyJson,
            CoverageFormat::GoCover => Self::GoCover,
            CoverageFormat::Jacoco => Self::Jacoco,
        }
    }
}

impl Serialize for Format {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// What `tollgate inspect` shows for one path: the detected format and, for
/// the kinds this module reads, the figures. Serializes to docs/reports.md's
/// `{"format": "junit", "tests": {…}}` (or `audit`, `bench`); coverage
/// formats come back with no figures, for the coverage readers to fill in.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Inspection {
    /// The detected format.
    pub format: Format,
    /// The figures, keyed by evidence kind.
    #[serde(flatten)]
    pub evidence: Option<InspectedEvidence>,
}

/// The figures of one inspected path.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum InspectedEvidence {
    /// A cargo-audit report.
    Audit(AuditSummary),
    /// A JUnit report.
    Tests(TestsSummary),
    /// Benchmarks.
    Bench(Vec<BenchSummary>),
}

/// Detects the format of `path` and reads it (all but coverage formats).
pub fn inspect(path: &Path) -> Result<Inspection, EvidenceError> {
    let format = detect(path)?;
    let evidence = match format {
        Format::Lcov
        | Format::Cobertura
        | Format::Clover
        | Format::SonarGeneric
        | Format::LlvmCovJson
        | Format::CoveragePyJson
        | Format::GoCover
        | Format::Jacoco => None,
        Format::CargoAudit => Some(InspectedEvidence::Audit(read_audit(path)?.summary())),
        Format::Junit => Some(InspectedEvidence::Tests(read_junit(path)?.summary())),
        Format::Bench(_) => Some(InspectedEvidence::Bench(bench::summary(
            &read_bench(path)?.benchmarks,
        ))),
    };
    Ok(Inspection { format, evidence })
}

/// Detects the format of the file or directory at `path`.
pub fn detect(path: &Path) -> Result<Format, EvidenceError> {
    detect_file(path).map(|d| d.format)
}

/// A detected format and the producer the file names, when it names one
/// (see [`producer`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detected {
    /// The format.
    pub format: Format,
    /// The producer, e.g. `coverage.py 7.17.4`.
    pub producer: Option<String>,
}

/// How much of a file detection reads first. LCOV, Go profiles and XML
/// say what they are in their first lines, so a 200 MB tracefile is
/// detected from 64 KiB rather than read whole once more before its reader
/// reads it (issue 14); JSON, whose distinguishing keys may come last, and
/// a head that does not decide, are read whole as before.
const HEAD: usize = 64 * 1024;

/// [`detect`] and [`producer`] in one look at the file.
pub fn detect_file(path: &Path) -> Result<Detected, EvidenceError> {
    if path.is_dir() {
        return if super::bench::criterion::looks_like_criterion(path) {
            Ok(Detected {
                format: Format::Bench(BenchFormat::Criterion),
                producer: None,
            })
        } else {
            Err(EvidenceError::UnknownFormat {
                path: path.to_path_buf(),
                message: "a directory, but not a criterion tree (no */new/estimates.json)".into(),
            })
        };
    }
    let head = read_head(path)?;
    if let Some(detected) = detect_head(path, &head)? {
        return Ok(detected);
    }
    if head.0.trim_ascii_start().starts_with(b"{") {
        if let Some(detected) = probe_json_file(path)? {
            return Ok(detected);
        }
    }
    let text = read_text(path)?;
    Ok(Detected {
        format: detect_text(path, &text)?,
        producer: producer_of_text(&text),
    })
}

/// The first [`HEAD`] bytes of `path` (without a UTF-8 byte-order mark)
/// and whether they are the whole file.
fn read_head(path: &Path) -> Result<(Vec<u8>, bool), EvidenceError> {
    let io_error = |source| EvidenceError::Io {
        path: path.to_path_buf(),
        source,
    };
    // Regular files only, whatever the kind: the largest cap, as the
    // kind is what is being found out.
    let file = crate::input::open_input(path, crate::input::InputKind::Coverage)?;
    let mut head = Vec::with_capacity(HEAD + 1);
    file.take(HEAD as u64 + 1)
        .read_to_end(&mut head)
        .map_err(io_error)?;
    let complete = head.len() <= HEAD;
    head.truncate(HEAD);
    if head.starts_with(b"\xEF\xBB\xBF") {
        head.drain(..3);
    }
    Ok((head, complete))
}

/// The format (and producer) when the head decides it: LCOV, Go and XML
/// whose root is within the head. `None` sends the caller to the whole file.
fn detect_head(
    path: &Path,
    (head, complete): &(Vec<u8>, bool),
) -> Result<Option<Detected>, EvidenceError> {
    // A head cut inside a character is cut back to the last whole one;
    // anything else that is not UTF-8 gets the whole-file error.
    let text = match std::str::from_utf8(head) {
        Ok(text) => text,
        Err(e) if !complete && e.error_len().is_none() => {
            std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => return Ok(None),
    };
    let trimmed = text.trim_start();
    let format = match trimmed.as_bytes().first() {
        None | Some(b'{' | b'[') => return Ok(None),
        Some(b'<') => {
            return Ok(match sniff_xml(text.as_bytes()) {
                Ok(sniff) => Some(Detected {
                    format: xml_format(path, sniff.dialect)?,
                    producer: sniff.producer,
                }),
                // Malformed within a complete head: the same error as ever.
                Err(_) if *complete => {
                    detect_xml(path, text)?;
                    None
                }
                Err(_) => None,
            });
        }
        Some(_) if trimmed.starts_with("mode: ") => Format::GoCover,
        Some(_) if looks_like_lcov(trimmed) => Format::Lcov,
        // Only comments so far: the first record is further on.
        Some(_) if !complete && only_comments(trimmed) => return Ok(None),
        Some(_) => detect_text(path, text)?,
    };
    Ok(Some(Detected {
        format,
        producer: None,
    }))
}

/// Whether every complete line of `text` is blank or a `#` comment.
fn only_comments(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .all(|l| l.is_empty() || l.starts_with('#'))
}

/// Detects the format of file content `text`; `path` names it in errors.
pub fn detect_text(path: &Path, text: &str) -> Result<Format, EvidenceError> {
    let trimmed = text.trim_start();
    let start = text.len() - trimmed.len();
    match trimmed.as_bytes().first() {
        None => Err(malformed(path, 1, "empty file")),
        Some(b'{' | b'[') => detect_json(path, text),
        Some(b'<') => detect_xml(path, text),
        Some(_) if trimmed.starts_with("mode: ") => Ok(Format::GoCover),
        Some(_) if looks_like_lcov(trimmed) => Ok(Format::Lcov),
        Some(_) => Err(EvidenceError::UnknownFormat {
            path: path.to_path_buf(),
            message: format!(
                "line {}: neither JSON, XML nor an LCOV tracefile",
                line_at(text, start)
            ),
        }),
    }
}

/// The top-level keys of a JSON object that tell its format, read in one
/// streaming pass without building the document: the bulk (`data`,
/// `files`) is skipped, so memory stays that of a buffer whatever the
/// file's size (issue 14: reading a 100 MB coverage.py report whole and
/// building it as a `Value` tree twice took 962 MB).
///
/// coverage.py writes `meta` before `files`, and once both are seen the
/// report is decided: the probe stops at `files` (the rest is the
/// reader's to read) rather than skip the whole document, which was a
/// third of `tollgate inspect`'s work on one (issue 14). Likewise an
/// llvm-cov export is decided at its `data` array, whose first entry
/// starts with one of [`LLVM_DATA_KEYS`]: its `type`, `version` and
/// cargo-llvm-cov's record come after the bulk, so the reader checks the
/// `type` and names the producer (skipping `data` here was 45% of an
/// `inspect`). A document that has llvm-cov's `type` or cargo-audit's keys
/// only after a coverage.py `meta` and `files` is therefore taken for
/// coverage.py's, and one with such a `data` array for llvm-cov's, whose
/// readers then judge it.
#[derive(Default)]
struct JsonProbe {
    kind: Option<Value>,
    version: Option<Value>,
    cargo_llvm_cov: Option<Value>,
    meta: Option<Value>,
    /// Whether `files` was an object.
    files: Option<bool>,
    vulnerabilities: Option<serde::de::IgnoredAny>,
    lockfile: Option<serde::de::IgnoredAny>,
}

impl JsonProbe {
    /// coverage.py's `meta.version`, when `meta` has `format` and
    /// `version` and nothing read so far says llvm-cov.
    fn coveragepy_version(&self) -> Option<&str> {
        let meta = self.meta.as_ref()?;
        meta.get("format")?;
        let llvm = crate::evidence::coverage::llvm_json::EXPORT_TYPE;
        if self.kind.as_ref().and_then(Value::as_str) == Some(llvm) {
            return None;
        }
        meta.get("version")?.as_str()
    }
}

/// What the probe decided before the end of the document.
enum Stop {
    /// coverage.py's report, of this version.
    CoveragePy(String),
    /// llvm-cov's export: its first `data` entry starts as one does.
    LlvmCov,
}

/// The keys llvm-cov writes first in an export's `data` entry (sorted, or
/// in llvm's own order).
const LLVM_DATA_KEYS: [&str; 3] = ["files", "functions", "totals"];

/// Reads a [`JsonProbe`]; when it stops at coverage.py's `files` or at
/// llvm-cov's first `data` entry, the answer is left in `stopped` (serde
/// can end a map early only by an error, so the answer is kept beside it).
struct ProbeSeed<'a> {
    stopped: &'a std::cell::RefCell<Option<Stop>>,
}

impl<'de> serde::de::DeserializeSeed<'de> for ProbeSeed<'_> {
    type Value = JsonProbe;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<JsonProbe, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for ProbeSeed<'_> {
    type Value = JsonProbe;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<JsonProbe, A::Error> {
        fn once<T, E: serde::de::Error>(slot: Option<&T>, name: &'static str) -> Result<(), E> {
            match slot {
                Some(_) => Err(E::duplicate_field(name)),
                None => Ok(()),
            }
        }
        /// The key's value into `slot`, refused as serde's derive refuses
        /// a key given twice.
        fn set<'de, T: serde::Deserialize<'de>, A: serde::de::MapAccess<'de>>(
            slot: &mut Option<T>,
            map: &mut A,
            name: &'static str,
        ) -> Result<(), A::Error> {
            once(slot.as_ref(), name)?;
            *slot = Some(map.next_value()?);
            Ok(())
        }
        let mut probe = JsonProbe::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "type" => set(&mut probe.kind, &mut map, "type")?,
                "version" => set(&mut probe.version, &mut map, "version")?,
                "cargo_llvm_cov" => set(&mut probe.cargo_llvm_cov, &mut map, "cargo_llvm_cov")?,
                "meta" => set(&mut probe.meta, &mut map, "meta")?,
                "vulnerabilities" => set(&mut probe.vulnerabilities, &mut map, "vulnerabilities")?,
                "lockfile" => set(&mut probe.lockfile, &mut map, "lockfile")?,
                "data" if probe.vulnerabilities.is_none() => {
                    map.next_value_seed(Watch {
                        stopped: self.stopped,
                        what: Watched::Data,
                    })?;
                }
                "files" => {
                    once(probe.files.as_ref(), "files")?;
                    let what = Watched::Files(probe.coveragepy_version());
                    probe.files = Some(map.next_value_seed(Watch {
                        stopped: self.stopped,
                        what,
                    })?);
                }
                _ => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        Ok(probe)
    }
}

/// What [`JsonProbe`] need not read, checked as JSON and skipped quickly
/// (`json_skip`): cargo-audit's lists (top-level keys, depth 1), and every
/// value of an object at depth 3: each of coverage.py's files, and each of
/// llvm-cov's `data` entries (the probe stops at the first one's first
/// key; in other JSON with a `data` array they are skipped). `meta`'s own
/// values are at depth 2 and are read.
const PROBE_SKIPS: &[SkipRule] = &[
    SkipRule {
        depth: 1,
        keys: &[b"vulnerabilities", b"lockfile"],
    },
    SkipRule {
        depth: 3,
        keys: &[],
    },
];

/// What a [`Watch`] reads.
#[derive(Clone, Copy)]
enum Watched<'a> {
    /// `files`; with coverage.py's version when `meta` decided it, in
    /// which case an object is not read at all and the probe ends.
    Files(Option<&'a str>),
    /// llvm-cov's `data`: its first entry is watched.
    Data,
    /// `data`'s first entry: the probe ends when its first key is one of
    /// [`LLVM_DATA_KEYS`].
    DataEntry,
}

/// Reads any JSON value, its contents skipped, giving whether it was an
/// object; where it decides the format, it leaves the answer in
/// `stopped` and ends the probe (see [`ProbeSeed`]).
struct Watch<'a> {
    stopped: &'a std::cell::RefCell<Option<Stop>>,
    what: Watched<'a>,
}

impl Watch<'_> {
    /// Ends the probe with `stop` (serde's only way to end a map early).
    fn stop<E: serde::de::Error>(&self, stop: Stop) -> E {
        *self.stopped.borrow_mut() = Some(stop);
        E::custom("decided")
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for Watch<'_> {
    type Value = bool;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Watch<'_> {
    type Value = bool;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        use serde::de::IgnoredAny;
        match self.what {
            Watched::Files(Some(version)) => {
                return Err(self.stop(Stop::CoveragePy(version.to_owned())));
            }
            Watched::DataEntry => {
                let Some(key) = map.next_key::<String>()? else {
                    return Ok(true);
                };
                if LLVM_DATA_KEYS.contains(&key.as_str()) {
                    return Err(self.stop(Stop::LlvmCov));
                }
                map.next_value::<IgnoredAny>()?;
            }
            Watched::Files(None) | Watched::Data => {}
        }
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(true)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        use serde::de::IgnoredAny;
        if let Watched::Data = self.what {
            seq.next_element_seed(Watch {
                stopped: self.stopped,
                what: Watched::DataEntry,
            })?;
        }
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(false)
    }
    fn visit_bool<E>(self, _: bool) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_i64<E>(self, _: i64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_u64<E>(self, _: u64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_f64<E>(self, _: f64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_str<E>(self, _: &str) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_unit<E>(self) -> Result<bool, E> {
        Ok(false)
    }
}

/// The format and producer of a JSON object file when its top-level keys
/// decide them (llvm-cov's export, coverage.py's report, a cargo-audit
/// report), read by [`JsonProbe`] from the file; `None` for anything else,
/// including JSON that does not parse, which the whole-text detection
/// then decides (benchmark formats, and the same errors as ever).
///
/// The order is the whole-text detection's: llvm-cov's `type`, then
/// cargo-audit's keys, then coverage.py's structure.
fn probe_json_file(path: &Path) -> Result<Option<Detected>, EvidenceError> {
    use std::io::BufRead as _;
    let file = crate::input::open_input(path, crate::input::InputKind::Coverage)?;
    let mut input = std::io::BufReader::with_capacity(256 * 1024, file);
    let head = input.fill_buf().map_err(|source| EvidenceError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if head.starts_with(b"\xEF\xBB\xBF") {
        input.consume(3);
    }
    // Only the first value: cargo-audit may write several objects.
    let stopped = std::cell::RefCell::new(None);
    let seed = ProbeSeed { stopped: &stopped };
    let probed = deserialize_seed_skipping(input, PROBE_SKIPS, false, seed);
    if let Some(stop) = stopped.into_inner() {
        return Ok(Some(match stop {
            Stop::CoveragePy(version) => Detected {
                format: Format::CoveragePyJson,
                producer: Some(format!("coverage.py {version}")),
            },
            // The producer is named after the bulk: its reader says it.
            Stop::LlvmCov => Detected {
                format: Format::LlvmCovJson,
                producer: None,
            },
        }));
    }
    let Ok(probe) = probed else {
        return Ok(None);
    };
    let llvm = crate::evidence::coverage::llvm_json::EXPORT_TYPE;
    if probe.kind.as_ref().and_then(Value::as_str) == Some(llvm) {
        return Ok(Some(Detected {
            format: Format::LlvmCovJson,
            producer: crate::evidence::coverage::llvm_json::producer_of(
                probe.version.as_ref(),
                probe.cargo_llvm_cov.as_ref(),
            ),
        }));
    }
    if probe.vulnerabilities.is_some() && probe.lockfile.is_some() {
        return Ok(Some(Detected {
            format: Format::CargoAudit,
            producer: None,
        }));
    }
    let meta = probe.meta.as_ref();
    if meta.and_then(|m| m.get("format")).is_some() && probe.files == Some(true) {
        if let Some(version) = meta.and_then(|m| m.get("version")).and_then(Value::as_str) {
            return Ok(Some(Detected {
                format: Format::CoveragePyJson,
                producer: Some(format!("coverage.py {version}")),
            }));
        }
    }
    Ok(None)
}

/// llvm-cov's JSON export, by its `type` (written last, after the bulk of
/// the export: the probe skips `data` without building it).
fn is_llvm_cov_export(text: &str) -> bool {
    #[derive(serde::Deserialize)]
    struct Probe {
        #[serde(rename = "type")]
        kind: Option<String>,
    }
    serde_json::from_str::<Probe>(text)
        .ok()
        .and_then(|p| p.kind)
        .is_some_and(|k| k == crate::evidence::coverage::llvm_json::EXPORT_TYPE)
}

/// coverage.py's JSON report, by its structure: a `meta` object with
/// `format` and `version`, and a `files` object. Gives `meta.version`.
fn coveragepy_version(value: &Value) -> Option<&str> {
    let meta = value.get("meta")?;
    meta.get("format")?;
    value.get("files")?.as_object()?;
    meta.get("version")?.as_str()
}

fn detect_json(path: &Path, text: &str) -> Result<Format, EvidenceError> {
    if text.trim_start().starts_with('{') && is_llvm_cov_export(text) {
        return Ok(Format::LlvmCovJson);
    }
    // Only the first value: cargo-audit may write several objects.
    let first = serde_json::Deserializer::from_str(text)
        .into_iter::<Value>()
        .next();
    let value = match first {
        Some(Ok(value)) => value,
        Some(Err(err)) => return Err(json_error(path, "JSON document", &err)),
        None => return Err(malformed(path, 1, "empty file")),
    };
    if let Value::Object(map) = &value {
        if map.contains_key("vulnerabilities") && map.contains_key("lockfile") {
            return Ok(Format::CargoAudit);
        }
        if coveragepy_version(&value).is_some() {
            return Ok(Format::CoveragePyJson);
        }
    }
    super::bench::json::detect(&value)
        .map(Format::Bench)
        .ok_or_else(|| EvidenceError::UnknownFormat {
            path: path.to_path_buf(),
            message: "JSON, but not a cargo-audit report or a known benchmark format".into(),
        })
}

fn detect_xml(path: &Path, text: &str) -> Result<Format, EvidenceError> {
    let sniff = sniff_xml(text.as_bytes()).map_err(|(at, err)| {
        let at = usize::try_from(at).unwrap_or(usize::MAX);
        malformed(
            path,
            line_at(text, at),
            format!("not well-formed XML: {err}"),
        )
    })?;
    xml_format(path, sniff.dialect)
}

/// The format of an XML dialect, or the refusal of one tollgate does not read.
fn xml_format(path: &Path, dialect: XmlDialect) -> Result<Format, EvidenceError> {
    match dialect {
        XmlDialect::Junit => Ok(Format::Junit),
        XmlDialect::Cobertura => Ok(Format::Cobertura),
        XmlDialect::Clover => Ok(Format::Clover),
        XmlDialect::SonarGeneric => Ok(Format::SonarGeneric),
        XmlDialect::Jacoco => Ok(Format::Jacoco),
        XmlDialect::Foreign(name) => Err(EvidenceError::UnknownFormat {
            path: path.to_path_buf(),
            message: format!("this is {name}, which tollgate does not read"),
        }),
        XmlDialect::Other(root) => Err(EvidenceError::UnknownFormat {
            path: path.to_path_buf(),
            message: format!(
                "XML with root <{root}>, neither JUnit nor a coverage format tollgate reads"
            ),
        }),
    }
}

/// The producer a file names, when it names one (see [`XmlSniff::producer`]);
/// `None` for formats that do not say and for anything unreadable.
///
/// XML names its producer in its first lines, so only the head is read
/// for it; JSON is read whole.
#[must_use]
pub fn producer(path: &Path) -> Option<String> {
    detect_file(path).ok()?.producer
}

/// [`producer`] of a whole file's text.
fn producer_of_text(text: &str) -> Option<String> {
    match text.trim_start().as_bytes().first()? {
        b'<' => sniff_xml(text.as_bytes()).ok()?.producer,
        b'{' => llvm_cov_producer(text).or_else(|| {
            // coverage.py's JSON names its version in `meta`.
            let value: Value = serde_json::Deserializer::from_str(text)
                .into_iter::<Value>()
                .next()?
                .ok()?;
            coveragepy_version(&value).map(|v| format!("coverage.py {v}"))
        }),
        _ => None,
    }
}

/// What an llvm-cov JSON export says wrote it: cargo-llvm-cov adds its own
/// version beside the export's format version (`cargo-llvm-cov 0.9.1,
/// llvm-cov export 3.1.0`). Other JSON has no producer here.
fn llvm_cov_producer(text: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Tool {
        version: String,
    }
    #[derive(serde::Deserialize)]
    struct Probe {
        #[serde(rename = "type")]
        kind: String,
        version: Option<String>,
        cargo_llvm_cov: Option<Tool>,
    }
    let probe: Probe = serde_json::from_str(text).ok()?;
    if probe.kind != crate::evidence::coverage::llvm_json::EXPORT_TYPE {
        return None;
    }
    Some(crate::evidence::coverage::llvm_json::producer_name(
        probe.version.as_deref(),
        probe.cargo_llvm_cov.map(|tool| tool.version).as_deref(),
    ))
}

/// What an XML document says it is, judged from its root element, the
/// root's attributes and (for `<coverage>`, which four formats share) its
/// first child element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum XmlDialect {
    /// JUnit: `<testsuites>` or `<testsuite>`.
    Junit,
    /// Cobertura: `<coverage>` holding `<sources>` or `<packages>`.
    Cobertura,
    /// Clover: `<coverage clover="…">` holding `<project>`.
    Clover,
    /// `SonarQube` generic coverage: `<coverage version="1">` holding `<file>`.
    SonarGeneric,
    /// `JaCoCo`: a `<report>` root (its DOCTYPE names `-//JACOCO//DTD Report`).
    Jacoco,
    /// A format tollgate recognises but does not read (its name: `NCover`,
    /// CTC++), or a `<coverage>` of no format it knows.
    Foreign(String),
    /// Some other root element (its name).
    Other(String),
}

/// A sniffed XML document: its dialect and, when the file says, what wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlSniff {
    /// The dialect.
    pub dialect: XmlDialect,
    /// The producer as the file names it (a `Generated by` comment, a
    /// `version` attribute naming a tool), e.g. `coverage.py 7.17.4`.
    pub producer: Option<String>,
}

/// The dialect a `<coverage>` document's first child element implies.
/// Shared with the Cobertura reader, which checks the same thing when it
/// is handed a file directly.
pub(crate) fn coverage_child_dialect(child: &[u8]) -> XmlDialect {
    match child {
        b"sources" | b"packages" => XmlDialect::Cobertura,
        b"project" => XmlDialect::Clover,
        b"file" => XmlDialect::SonarGeneric,
        b"module" => XmlDialect::Foreign("NCover XML".into()),
        b"header_info" => XmlDialect::Foreign("CTC++ XML".into()),
        other => XmlDialect::Foreign(format!(
            "a <coverage> document whose first element is <{}> (Cobertura's is <sources> or <packages>)",
            String::from_utf8_lossy(other)
        )),
    }
}

/// The words a refusal uses for a dialect that is not the one wanted.
#[must_use]
pub fn dialect_name(dialect: &XmlDialect) -> String {
    match dialect {
        XmlDialect::Junit => "JUnit XML (a test report)".into(),
        XmlDialect::Cobertura => "Cobertura XML".into(),
        XmlDialect::Clover => "Clover XML".into(),
        XmlDialect::SonarGeneric => "SonarQube generic coverage XML".into(),
        XmlDialect::Jacoco => "JaCoCo XML".into(),
        XmlDialect::Foreign(name) => name.clone(),
        XmlDialect::Other(root) => format!("XML with root <{root}>"),
    }
}

/// Sniffs the XML in `head` (the whole document or its first bytes).
/// `Err` carries the byte offset and quick-xml's complaint when the XML is
/// not well-formed before the dialect is clear. A head that ends before
/// the first child of `<coverage>` is taken for Cobertura, whose reader
/// checks again.
pub fn sniff_xml(head: &[u8]) -> Result<XmlSniff, (u64, String)> {
    let mut reader = Reader::from_reader(head);
    let mut buf = Vec::new();
    let mut producer: Option<String> = None;
    let mut root_version: Option<String> = None;
    let mut in_coverage = false;
    // JaCoCo says who it is in its DOCTYPE's public identifier only.
    let mut jacoco_doctype = false;
    loop {
        buf.clear();
        let event = match reader.read_event_into(&mut buf) {
            Ok(event) => event,
            // A cut-off head is no verdict on the file.
            Err(_) if in_coverage => {
                return Ok(XmlSniff {
                    dialect: XmlDialect::Cobertura,
                    producer: producer_of(producer, root_version),
                })
            }
            Err(err) => return Err((reader.error_position(), err.to_string())),
        };
        match event {
            Event::DocType(ref d) => {
                jacoco_doctype |= memchr::memmem::find(d, b"//JACOCO//").is_some();
            }
            Event::Comment(c) => {
                let text = String::from_utf8_lossy(&c);
                if let Some(rest) = text.trim().strip_prefix("Generated by") {
                    let tool = rest
                        .trim()
                        .split(|c: char| c == ':' || c.is_whitespace())
                        .next()
                        .unwrap_or("");
                    if !tool.is_empty() && producer.is_none() {
                        producer = Some(tool.to_owned());
                    }
                }
            }
            Event::Start(ref e) | Event::Empty(ref e) if !in_coverage => {
                let empty = matches!(event, Event::Empty(_));
                let name = e.local_name();
                let attr = |key: &[u8]| {
                    e.try_get_attribute(key)
                        .ok()
                        .flatten()
                        .map(|a| String::from_utf8_lossy(&a.value).into_owned())
                };
                let dialect = match name.as_ref() {
                    b"testsuites" | b"testsuite" => XmlDialect::Junit,
                    b"ctc_xml_report" => XmlDialect::Foreign("CTC++ XML".into()),
                    b"report" => {
                        return Ok(XmlSniff {
                            dialect: XmlDialect::Jacoco,
                            producer: jacoco_doctype.then(|| "JaCoCo".to_owned()),
                        })
                    }
                    b"coverage" if attr(b"clover").is_some() => XmlDialect::Clover,
                    b"coverage"
                        if attr(b"profilerVersion").is_some()
                            || attr(b"driverVersion").is_some() =>
                    {
                        XmlDialect::Foreign("NCover XML".into())
                    }
                    b"coverage" if empty => XmlDialect::Cobertura,
                    b"coverage" => {
                        in_coverage = true;
                        root_version = attr(b"version");
                        continue;
                    }
                    other => XmlDialect::Other(String::from_utf8_lossy(other).into_owned()),
                };
                return Ok(XmlSniff {
                    dialect,
                    producer: None,
                });
            }
            Event::Start(ref e) | Event::Empty(ref e) => {
                let dialect = coverage_child_dialect(e.local_name().as_ref());
                let producer = if dialect == XmlDialect::Cobertura {
                    producer_of(producer, root_version)
                } else {
                    None
                };
                return Ok(XmlSniff { dialect, producer });
            }
            Event::End(_) | Event::Eof if in_coverage => {
                return Ok(XmlSniff {
                    dialect: XmlDialect::Cobertura,
                    producer: producer_of(producer, root_version),
                })
            }
            Event::Eof => {
                return Err((
                    reader.buffer_position(),
                    "XML without a root element".into(),
                ))
            }
            _ => {}
        }
    }
}

/// A Cobertura producer from a `Generated by` comment plus the root's
/// `version` (coverage.py), or a `version` that names its tool (gcovr
/// writes `version="gcovr 8.8"`).
fn producer_of(comment: Option<String>, version: Option<String>) -> Option<String> {
    let version = version
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty());
    match (comment, version) {
        (Some(tool), Some(v)) if v.starts_with(|c: char| c.is_ascii_digit()) => {
            Some(format!("{tool} {v}"))
        }
        (Some(tool), _) => Some(tool),
        (None, Some(v)) if v.chars().any(char::is_alphabetic) => Some(v),
        (None, _) => None,
    }
}

/// An LCOV tracefile's first record (after `#` comments) is `TN:`, `SF:` or
/// lcov 2's `VER:`.
fn looks_like_lcov(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .is_some_and(|l| l.starts_with("TN:") || l.starts_with("SF:") || l.starts_with("VER:"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sniff(text: &str) -> Result<Format, EvidenceError> {
        detect_text(Path::new("f"), text)
    }

    #[test]
    fn json_shapes() {
        let audit = r#"{"database":{},"lockfile":{"dependency-count":1},"vulnerabilities":{"list":[]},"warnings":{}}
{"lockfile":{"dependency-count":1},"vulnerabilities":{"list":[]}}"#;
        assert_eq!(sniff(audit).unwrap(), Format::CargoAudit);
        let llvm = r#"{"data":[{"files":[],"totals":{}}],"type":"llvm.coverage.json.export","version":"3.1.0"}"#;
        assert_eq!(sniff(llvm).unwrap(), Format::LlvmCovJson);
        let coveragepy = r#"{"meta":{"format":3,"version":"7.17.4"},"files":{},"totals":{}}"#;
        assert_eq!(sniff(coveragepy).unwrap(), Format::CoveragePyJson);
        assert_eq!(
            sniff("mode: set\na.go:1.1,2.2 1 1\n").unwrap(),
            Format::GoCover
        );
        assert!(sniff(r#"{"data":[],"type":"other"}"#).is_err());
        assert_eq!(
            sniff(r#"{"results":[]}"#).unwrap(),
            Format::Bench(BenchFormat::Hyperfine)
        );
        assert_eq!(
            sniff(r#"{"a":{"latency":{"value":1}}}"#).unwrap(),
            Format::Bench(BenchFormat::Bmf)
        );
        assert_eq!(
            sniff("[]").unwrap(),
            Format::Bench(BenchFormat::GithubActionBenchmark)
        );
        assert!(matches!(
            sniff(r#"{"a":1}"#),
            Err(EvidenceError::UnknownFormat { .. })
        ));
        assert!(matches!(
            sniff("{\n\"a\":"),
            Err(EvidenceError::Malformed { line: 2, .. })
        ));
    }

    #[test]
    fn xml_roots() {
        let junit = "<?xml version=\"1.0\"?>\n<!-- c -->\n<testsuites name=\"x\"/>";
        assert_eq!(sniff(junit).unwrap(), Format::Junit);
        assert_eq!(sniff("<testsuite/>").unwrap(), Format::Junit);
        let cobertura = "<?xml version=\"1.0\" ?>\n<!DOCTYPE coverage SYSTEM \"http://x/coverage-04.dtd\">\n<coverage line-rate=\"1\"></coverage>";
        assert_eq!(sniff(cobertura).unwrap(), Format::Cobertura);
        assert!(matches!(
            sniff("<html/>"),
            Err(EvidenceError::UnknownFormat { .. })
        ));
    }

    #[test]
    fn coverage_roots_by_structure() {
        let clover =
            r#"<?xml version="1.0"?><coverage generated="1" clover="3.2.0"><project/></coverage>"#;
        assert_eq!(sniff(clover).unwrap(), Format::Clover);
        let sonar = "<coverage version=\"1\">\n  <file path=\"a\"/></coverage>";
        assert_eq!(sniff(sonar).unwrap(), Format::SonarGeneric);
        assert_eq!(
            sniff("<coverage><!-- c --><packages/></coverage>").unwrap(),
            Format::Cobertura
        );
        assert_eq!(sniff("<coverage/>").unwrap(), Format::Cobertura);
        for (xml, name) in [
            (r#"<coverage profilerVersion="1.5.8" driverVersion="1.5.8"><module/></coverage>"#, "NCover XML"),
            ("<coverage><module name=\"m\"/></coverage>", "NCover XML"),
            ("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<ctc_xml_report><header_info/></ctc_xml_report>", "CTC++ XML"),
        ] {
            match sniff(xml) {
                Err(EvidenceError::UnknownFormat { message, .. }) => {
                    assert_eq!(message, format!("this is {name}, which tollgate does not read"));
                }
                other => panic!("{xml}: {other:?}"),
            }
        }
    }

    #[test]
    fn jacoco_reports_by_root_and_doctype() {
        let head = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><!DOCTYPE report PUBLIC \"-//JACOCO//DTD Report 1.1//EN\" \"report.dtd\">";
        let xml = format!(
            "{head}<report name=\"r\"><sessioninfo id=\"a\" start=\"1\" dump=\"2\"/></report>"
        );
        assert_eq!(sniff(&xml).unwrap(), Format::Jacoco);
        let sniffed = sniff_xml(xml.as_bytes()).unwrap();
        assert_eq!(
            (sniffed.dialect, sniffed.producer.as_deref()),
            (XmlDialect::Jacoco, Some("JaCoCo"))
        );
        // Without the DOCTYPE it is still read as JaCoCo, but no producer is claimed.
        let bare = sniff_xml(b"<report name=\"r\"/>").unwrap();
        assert_eq!((bare.dialect, bare.producer), (XmlDialect::Jacoco, None));
        assert_eq!(Format::Jacoco.kind(), EvidenceKind::Coverage);
    }

    #[test]
    fn the_streaming_json_probe_agrees_with_the_whole_text() {
        let dir = tempfile::tempdir().unwrap();
        for (i, json) in [
            r#"{"data":[{"files":[],"totals":{}}],"type":"llvm.coverage.json.export","version":"3.1.0"}"#,
            r#"{"cargo_llvm_cov":{"version":"0.9.1"},"data":[],"type":"llvm.coverage.json.export","version":"3.1.0"}"#,
            r#"{"cargo_llvm_cov":{"name":"x"},"data":[],"type":"llvm.coverage.json.export"}"#,
            r#"{"data":[],"type":"llvm.coverage.json.export","version":3}"#,
            r#"{"data":[{"x":[1]},{"files":[]}],"type":"llvm.coverage.json.export","version":"3.1.0"}"#,
            r#"{"data":5,"type":"llvm.coverage.json.export","version":"2.0.1"}"#,
            r#"{"data":{"files":1},"type":"llvm.coverage.json.export"}"#,
            r#"{"data":[],"type":7,"meta":{"format":3,"version":"7.1"},"files":{}}"#,
            r#"{"meta":{"format":3,"version":"7.17.4"},"files":{"a.py":{"x":[1,2]}},"totals":{}}"#,
            "\u{feff}{\"meta\":{\"format\":3,\"version\":\"7.17.4\"},\"files\":{}}",
            r#"{"meta":{"format":3,"version":7},"files":{}}"#,
            r#"{"meta":{"version":"7.1"},"files":{}}"#,
            r#"{"meta":{"format":3,"version":"7.1"},"files":[]}"#,
            r#"{"meta":[1],"files":{}}"#,
            r#"{"database":{},"lockfile":{"dependency-count":1},"vulnerabilities":{"list":[]}}
{"lockfile":{}}"#,
            r#"{"type":"llvm.coverage.json.export","type":"llvm.coverage.json.export","data":[]}"#,
            r#"{"results":[]}"#,
            r#"{"a":{"latency":{"value":1}}}"#,
            r#"{"a":1}"#,
            "{\n\"a\":",
        ]
        .iter()
        .enumerate()
        {
            let path = dir.path().join(format!("{i}.json"));
            std::fs::write(&path, json).unwrap();
            let text = read_text(&path).unwrap();
            let whole = detect_text(&path, &text).map(|format| Detected {
                format,
                producer: producer_of_text(&text),
            });
            let mut streamed = detect_file(&path);
            // An export decided at its `data` leaves the producer to the
            // reader (which names it as the whole text does:
            // `tests/integration/coverage_format.rs`).
            if let (Ok(streamed), Ok(whole)) = (&mut streamed, &whole) {
                let early = LLVM_DATA_KEYS
                    .iter()
                    .any(|key| json.starts_with(&format!("{{\"data\":[{{\"{key}\"")));
                if streamed.format == Format::LlvmCovJson && early {
                    assert_eq!(streamed.producer, None, "{json}");
                    streamed.producer.clone_from(&whole.producer);
                }
            }
            assert_eq!(
                format!("{streamed:?}"),
                format!("{whole:?}"),
                "{json}"
            );
        }
    }

    #[test]
    fn producers_the_files_name() {
        let sniffed = |xml: &str| sniff_xml(xml.as_bytes()).unwrap().producer;
        assert_eq!(
            sniffed("<coverage version=\"7.17.4\">\n<!-- Generated by coverage.py: https://coverage.readthedocs.io/en/7.17.4 -->\n<sources/></coverage>").as_deref(),
            Some("coverage.py 7.17.4")
        );
        assert_eq!(
            sniffed("<coverage version=\"gcovr 8.8\"><sources/></coverage>").as_deref(),
            Some("gcovr 8.8")
        );
        assert_eq!(
            sniffed("<coverage version=\"0.1\"><sources/></coverage>"),
            None
        );
        assert_eq!(sniffed("<testsuites/>"), None);
    }

    #[test]
    fn lcov_and_others() {
        assert_eq!(
            sniff("TN:\nSF:/a.rs\nDA:1,1\nend_of_record\n").unwrap(),
            Format::Lcov
        );
        assert_eq!(sniff("SF:a.rs\n").unwrap(), Format::Lcov);
        assert!(matches!(
            sniff("hello"),
            Err(EvidenceError::UnknownFormat { .. })
        ));
        assert!(matches!(
            sniff("  \n"),
            Err(EvidenceError::Malformed { .. })
        ));
        assert_eq!(
            Format::Bench(BenchFormat::Criterion).kind(),
            EvidenceKind::Bench
        );
        assert_eq!(Format::Junit.as_str(), "junit");
    }

    #[test]
    fn inspect_serializes_to_spec_shape() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.xml");
        std::fs::write(&path, r#"<testsuite><testcase name="a"/><testcase name="b"><failure/></testcase></testsuite>"#).unwrap();
        let json = serde_json::to_value(inspect(&path).unwrap()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"format": "junit", "tests": {"total": 2, "passed": 1, "failed": 1, "errors": 0, "skipped": 0}})
        );
        let path = dir.path().join("b.json");
        std::fs::write(&path, r#"[{"name": "x", "unit": "us", "value": 2}]"#).unwrap();
        let json = serde_json::to_value(inspect(&path).unwrap()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"format": "github-action-benchmark", "bench": [{"id": "x", "value_ns": 2000.0, "baseline_ns": null, "change_percent": null}]})
        );
        let path = dir.path().join("lcov.info");
        std::fs::write(&path, "SF:a\nend_of_record\n").unwrap();
        assert_eq!(
            serde_json::to_value(inspect(&path).unwrap()).unwrap(),
            serde_json::json!({"format": "lcov"})
        );
    }

    #[test]
    fn large_files_are_detected_from_their_head() {
        let dir = tempfile::tempdir().unwrap();
        // Past the head, the file is not even UTF-8: only its reader reads that far.
        let path = dir.path().join("big.info");
        let mut lcov = "SF:a.rs\nDA:1,1\nend_of_record\n"
            .repeat(HEAD / 8)
            .into_bytes();
        lcov.extend_from_slice(b"\xff\xfe");
        std::fs::write(&path, &lcov).unwrap();
        assert_eq!(detect(&path).unwrap(), Format::Lcov);
        // A root element after more than a head of comments: read whole.
        let path = dir.path().join("late.xml");
        let xml = format!(
            "<!-- {} -->\n<!-- Generated by coverage.py: x -->\n<coverage version=\"7.1\"><sources/></coverage>",
            "x".repeat(HEAD)
        );
        std::fs::write(&path, xml).unwrap();
        let detected = detect_file(&path).unwrap();
        assert_eq!(detected.format, Format::Cobertura);
        assert_eq!(detected.producer.as_deref(), Some("coverage.py 7.1"));
        // The same LCOV behind a head of comments.
        let path = dir.path().join("commented.info");
        let text = format!("{}SF:a.rs\nend_of_record\n", "# note\n".repeat(HEAD / 4));
        std::fs::write(&path, text).unwrap();
        assert_eq!(detect(&path).unwrap(), Format::Lcov);
    }

    #[test]
    fn criterion_directories() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            detect(dir.path()),
            Err(EvidenceError::UnknownFormat { .. })
        ));
        let est = dir.path().join("b/new/estimates.json");
        std::fs::create_dir_all(est.parent().unwrap()).unwrap();
        std::fs::write(&est, "{}").unwrap();
        assert_eq!(
            detect(dir.path()).unwrap(),
            Format::Bench(BenchFormat::Criterion)
        );
    }
}
