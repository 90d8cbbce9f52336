//! Temporary minimal LCOV reader so the CLI can be wired up; replaced by the
//! streaming readers (lcov.rs, cobertura.rs).

use std::io::BufRead;
use std::path::Path;

use super::CoverageReport;
use crate::evidence::EvidenceError;

/// Options for reading coverage files.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Repository root that paths are made relative to.
    pub repo_root: std::path::PathBuf,
    /// Extra prefixes to strip from source paths.
    pub strip_prefix: Vec<String>,
}

/// A detected coverage format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoverageFormat {
    /// LCOV tracefile.
    Lcov,
    /// Cobertura XML.
    Cobertura,
}

impl CoverageFormat {
    /// Lowercase name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            CoverageFormat::Lcov => "lcov",
            CoverageFormat::Cobertura => "cobertura",
        }
    }
}

/// Reads one coverage file into `into`.
pub fn read_coverage_file(
    path: &Path,
    opts: &ReadOptions,
    into: &mut CoverageReport,
) -> Result<CoverageFormat, EvidenceError> {
    let file = fs_err::File::open(path).map_err(|source| EvidenceError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let reader = std::io::BufReader::new(file);
    let mut current: Option<String> = None;
    for (i, line) in reader.lines().enumerate() {
        let line = line.map_err(|source| EvidenceError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let line = line.trim_end();
        let bad = |m: &str| EvidenceError::Malformed {
            path: path.to_path_buf(),
            line: i as u64 + 1,
            message: m.to_owned(),
        };
        if let Some(sf) = line.strip_prefix("SF:") {
            let p = Path::new(sf);
            let rel = p.strip_prefix(&opts.repo_root).unwrap_or(p);
            current = Some(rel.to_string_lossy().replace('\\', "/"));
        } else if let Some(da) = line.strip_prefix("DA:") {
            let file = current.as_deref().ok_or_else(|| bad("DA outside SF"))?;
            let mut parts = da.split(',');
            let n: u32 = parts
                .next()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| bad("bad DA line number"))?;
            let c: u64 = parts
                .next()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| bad("bad DA count"))?;
            into.file_mut(file).add_line(n, c);
        } else if line == "end_of_record" {
            current = None;
        }
    }
    let _ = opts;
    Ok(CoverageFormat::Lcov)
}
