//! Coverage evidence: the neutral model every coverage reader fills in.
//!
//! A [`CoverageReport`] maps repository-relative paths (always `/`-separated)
//! to per-file coverage. Records for the same file from any number of
//! sections or input files merge by summing execution counts, so a line is
//! hit when any record hits it (SPEC section 6). Totals are always derived
//! from the per-line, per-branch and per-function data, never from a
//! producer's own summary records, which are not trusted.

use std::collections::BTreeMap;

use serde::Serialize;

/// A found/hit pair: how many items were instrumented and how many ran.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Items the producer instrumented.
    pub found: u64,
    /// Items executed at least once.
    pub hit: u64,
}

impl Tally {
    /// Percentage hit, or `None` when nothing was found (neither 0% nor 100%).
    #[must_use]
    pub fn percent(&self) -> Option<f64> {
        (self.found > 0).then(|| self.hit as f64 * 100.0 / self.found as f64)
    }
}

impl std::ops::AddAssign for Tally {
    fn add_assign(&mut self, rhs: Self) {
        self.found += rhs.found;
        self.hit += rhs.hit;
    }
}

/// Line, branch and function tallies for one file or for a whole report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CoverageSummary {
    /// Instrumented source lines.
    pub lines: Tally,
    /// Branch outcomes.
    pub branches: Tally,
    /// Functions.
    pub functions: Tally,
}

impl std::ops::AddAssign for CoverageSummary {
    fn add_assign(&mut self, rhs: Self) {
        self.lines += rhs.lines;
        self.branches += rhs.branches;
        self.functions += rhs.functions;
    }
}

/// Identity of one branch outcome within a file.
///
/// LCOV names a branch by (line, block, branch) where block and branch are
/// free text in newer producers (coverage.py writes `jump to line 5`), so the
/// two are kept as one interned string `block` `\0` `branch`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BranchKey {
    /// Source line of the branch.
    pub line: u32,
    /// Block and branch identifiers joined by a NUL byte.
    pub id: Box<str>,
}

/// One function's coverage within a file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FunctionCoverage {
    /// First line of the function, when the producer gave one.
    pub line: Option<u32>,
    /// Summed execution count.
    pub count: u64,
}

/// Coverage of one source file, merged across every record that named it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FileCoverage {
    /// Line number to summed execution count.
    pub lines: BTreeMap<u32, u64>,
    /// Branch to summed taken count; `None` means never evaluated (`-`).
    pub branches: BTreeMap<BranchKey, Option<u64>>,
    /// Function name to its coverage.
    pub functions: BTreeMap<Box<str>, FunctionCoverage>,
}

impl FileCoverage {
    /// Adds a line's execution count (summing with earlier records).
    pub fn add_line(&mut self, line: u32, count: u64) {
        let slot = self.lines.entry(line).or_insert(0);
        *slot = slot.saturating_add(count);
    }

    /// Adds a branch outcome; `None` (not evaluated) never lowers a count.
    pub fn add_branch(&mut self, key: BranchKey, taken: Option<u64>) {
        let slot = self.branches.entry(key).or_insert(None);
        *slot = match (*slot, taken) {
            (Some(a), Some(b)) => Some(a.saturating_add(b)),
            (a, b) => a.or(b),
        };
    }

    /// Adds a function's execution count; a known start line is kept.
    pub fn add_function(&mut self, name: &str, line: Option<u32>, count: u64) {
        let slot = self.functions.entry(name.into()).or_default();
        slot.count = slot.count.saturating_add(count);
        slot.line = slot.line.or(line);
    }

    /// Merges another record of the same file into this one.
    pub fn merge(&mut self, other: FileCoverage) {
        for (line, count) in other.lines {
            self.add_line(line, count);
        }
        for (key, taken) in other.branches {
            self.add_branch(key, taken);
        }
        for (name, f) in other.functions {
            self.add_function(&name, f.line, f.count);
        }
    }

    /// The summed execution count of `line`, or `None` when the line is not
    /// instrumented (not coverable).
    #[must_use]
    pub fn line_count(&self, line: u32) -> Option<u64> {
        self.lines.get(&line).copied()
    }

    /// Found/hit figures for this file.
    #[must_use]
    pub fn summary(&self) -> CoverageSummary {
        let tally = |found: usize, hit: usize| Tally {
            found: found as u64,
            hit: hit as u64,
        };
        CoverageSummary {
            lines: tally(
                self.lines.len(),
                self.lines.values().filter(|&&c| c > 0).count(),
            ),
            branches: tally(
                self.branches.len(),
                self.branches
                    .values()
                    .filter(|t| t.is_some_and(|c| c > 0))
                    .count(),
            ),
            functions: tally(
                self.functions.len(),
                self.functions.values().filter(|f| f.count > 0).count(),
            ),
        }
    }
}

/// Merged coverage of a whole run: repository-relative path to file coverage.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CoverageReport {
    files: BTreeMap<String, FileCoverage>,
}

impl CoverageReport {
    /// An empty report.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The coverage of `path`, created empty if absent.
    pub fn file_mut(&mut self, path: &str) -> &mut FileCoverage {
        if !self.files.contains_key(path) {
            self.files.insert(path.to_owned(), FileCoverage::default());
        }
        // The entry was inserted just above when missing.
        self.files.entry(path.to_owned()).or_default()
    }

    /// Merges one file's record in, summing with what is already there.
    pub fn merge_file(&mut self, path: &str, coverage: FileCoverage) {
        match self.files.get_mut(path) {
            Some(existing) => existing.merge(coverage),
            None => {
                self.files.insert(path.to_owned(), coverage);
            }
        }
    }

    /// Merges a whole report into this one.
    pub fn merge(&mut self, other: CoverageReport) {
        for (path, coverage) in other.files {
            self.merge_file(&path, coverage);
        }
    }

    /// Files in path order.
    pub fn files(&self) -> impl Iterator<Item = (&str, &FileCoverage)> {
        self.files.iter().map(|(p, c)| (p.as_str(), c))
    }

    /// The coverage of one file, if the report knows it.
    #[must_use]
    pub fn file(&self, path: &str) -> Option<&FileCoverage> {
        self.files.get(path)
    }

    /// Number of distinct files.
    #[must_use]
    pub fn file_count(&self) -> usize {
        self.files.len()
    }

    /// Totals over every file: the sum of the per-file summaries.
    #[must_use]
    pub fn totals(&self) -> CoverageSummary {
        let mut total = CoverageSummary::default();
        for file in self.files.values() {
            total += file.summary();
        }
        total
    }

    /// Totals over the files whose path satisfies `keep`.
    pub fn totals_where(&self, mut keep: impl FnMut(&str) -> bool) -> CoverageSummary {
        let mut total = CoverageSummary::default();
        for (path, file) in &self.files {
            if keep(path) {
                total += file.summary();
            }
        }
        total
    }
}

mod stub;
pub use stub::{read_coverage_file, CoverageFormat, ReadOptions};
