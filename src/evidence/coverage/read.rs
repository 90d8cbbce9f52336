//! One entry point for coverage files: detect the format, run its reader.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{cobertura, lcov, CoverageReport};
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
    /// not break on a record it has no use for (STYLE habit 4).
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
}

impl CoverageFormat {
    /// The lowercase name used in reports (`lcov`, `cobertura`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Lcov => "lcov",
            Self::Cobertura => "cobertura",
        }
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
/// non-blank character is `<` is read as Cobertura XML (whose reader then
/// insists on a `<coverage>` root); anything else as LCOV (whose reader
/// insists on an LCOV record first). Either way, a file in some other format
/// is [`EvidenceError::UnknownFormat`], never an empty report.
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
    let io_error = |source| EvidenceError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(io_error)?;
    let mut input = BufReader::with_capacity(BUFFER, file);
    let format = sniff(&mut input).map_err(io_error)?;
    match format {
        CoverageFormat::Lcov => lcov::read_lcov_with(input, path, opts, strictness, into)?,
        CoverageFormat::Cobertura => cobertura::read_cobertura(input, path, opts, into)?,
    }
    Ok(format)
}

/// Looks at the first bytes without consuming them.
fn sniff<R: BufRead>(input: &mut R) -> std::io::Result<CoverageFormat> {
    let head = input.fill_buf()?;
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    Ok(match head.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'<') => CoverageFormat::Cobertura,
        _ => CoverageFormat::Lcov,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)] // a test that cannot set up should stop loudly
mod tests {
    use super::*;

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
