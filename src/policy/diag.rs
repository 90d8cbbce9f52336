//! Diagnostics for our own configuration files: every problem names the file,
//! the line and the column, and validation collects all of them in one run
//! (docs/policy.md) so a user fixes a policy in one pass, not one error at a time.

use std::fmt::{self, Write as _};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// One problem found in a policy or configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file the problem is in.
    pub path: PathBuf,
    /// 1-based line, or 0 when the problem concerns the whole file.
    pub line: usize,
    /// 1-based column (in characters), or 0 when unknown.
    pub column: usize,
    /// What is wrong, and where helpful, what was expected.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.path.display(), self.message)
        } else {
            write!(
                f,
                "{}:{}:{}: {}",
                self.path.display(),
                self.line,
                self.column,
                self.message
            )
        }
    }
}

/// Several diagnostics, displayed one per line.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// Collects diagnostics for one source text, turning byte spans into
/// line and column.
pub(crate) struct DiagSink<'a> {
    path: &'a Path,
    text: &'a str,
    pub(crate) found: Vec<Diagnostic>,
}

impl<'a> DiagSink<'a> {
    pub(crate) fn new(path: &'a Path, text: &'a str) -> Self {
        Self {
            path,
            text,
            found: Vec::new(),
        }
    }

    /// The file the diagnostics are for.
    pub(crate) fn path(&self) -> &Path {
        self.path
    }

    /// 1-based line and column of a byte offset of the text.
    pub(crate) fn line_col(&self, offset: usize) -> (usize, usize) {
        line_col(self.text, offset)
    }

    /// Records a problem at a byte span (or for the whole file when `None`).
    pub(crate) fn at(&mut self, span: Option<Range<usize>>, message: impl Into<String>) {
        let (line, column) = span.map_or((0, 0), |s| line_col(self.text, s.start));
        self.found.push(Diagnostic {
            path: self.path.to_path_buf(),
            line,
            column,
            message: message.into(),
        });
    }
}

/// 1-based line and character column of a byte offset.
#[must_use]
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before
        .get(line_start..)
        .map_or(1, |s| s.chars().count() + 1);
    (line, column)
}

/// The candidate closest to a misspelt `name`, when it is close enough to
/// be the likely intent (at most a third of its letters differ).
#[must_use]
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (crate::rules::edit_distance(name, c), c))
        .filter(|(d, c)| *d > 0 && *d * 3 <= c.chars().count().max(3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// What to say about an unknown gate: the nearest gate, and every gate there is.
#[must_use]
pub fn gate_hint(gate: &str, available: &[String]) -> String {
    let mut out = String::new();
    if let Some(near) = closest(gate, available.iter().map(String::as_str)) {
        let _ = write!(out, "; did you mean `{near}`?");
    }
    if available.is_empty() {
        out.push_str("; the policy directory holds no gate policies (`NAME.toml`)");
    } else {
        let _ = write!(out, "; available gates: {}", available.join(", "));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::line_col;

    #[test]
    fn near_names_are_suggested_and_far_ones_not() {
        use super::closest;
        assert_eq!(closest("gat3", ["gate2", "gate3"]), Some("gate3"));
        assert_eq!(closest("lynes", ["lines", "branches"]), Some("lines"));
        assert_eq!(closest("colour", ["lines", "branches"]), None);
        assert_eq!(closest("lines", ["lines"]), None);
    }

    #[test]
    fn line_col_counts_from_one() {
        let text = "a = 1\nbé = 2\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 6), (2, 1));
        assert_eq!(line_col(text, 9), (2, 3));
    }
}
