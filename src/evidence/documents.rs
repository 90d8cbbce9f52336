//! Design documents for Gate 1's `[[documents]]` rules (issue #3): which
//! files under the repository match a glob, and whether each contains a
//! marker such as `Status: Approved`.
//!
//! Only the directory named by the glob's literal prefix is walked
//! (`docs/rfcs/*.md` walks `docs/rfcs`), `.git` is never entered and
//! symlinked directories are not followed, so a glob cannot wander out of
//! the repository or loop. The glob arrives compiled by policy validation
//! (with `/` as a literal separator: `*` stays within one directory and `**`
//! crosses them, as in `.gitignore`), so it is parsed once. The marker is a
//! plain, case-sensitive substring.
//!
//! In a pull request the tree is the change's own, so a marker in it is the
//! change's word for its own approval. [`require_marker_at_base`] holds each
//! match to the trusted base commit: a marker counts only where the base
//! commit's copy of the file has it too, and approvals a pull request brings
//! itself need a signed sign-off (docs/overrides.md).

use std::path::{Path, PathBuf};

use globset::GlobMatcher;
use serde::Serialize;

use super::EvidenceError;

/// One file that matched a document glob.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentMatch {
    /// Path relative to the repository root, `/`-separated.
    pub path: String,
    /// Whether the file contains the marker (true when no marker was asked for).
    pub contains_marker: bool,
    /// 1-based line of the marker's first occurrence, when it was found.
    pub marker_line: Option<u32>,
    /// The file holds the marker, but the trusted base commit's copy does
    /// not (or there is none): the change brought the marker itself, so it
    /// does not count (`contains_marker` is false).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub marker_only_in_change: bool,
}

/// A document rule could not be evaluated.
#[derive(Debug, thiserror::Error)]
pub enum DocumentsError {
    /// A directory or file could not be read.
    #[error(transparent)]
    Evidence(#[from] EvidenceError),
}

/// Lists the files under `root` matching `matcher` (a policy's compiled
/// `[[documents]] glob`), in path order, and checks each for `marker`. No
/// match is an empty list, not an error: whether that fails is the policy's
/// decision.
pub fn find_documents(
    root: &Path,
    matcher: &GlobMatcher,
    marker: Option<&str>,
) -> Result<Vec<DocumentMatch>, DocumentsError> {
    let prefix = literal_dir_prefix(matcher.glob().glob());
    let start = prefix
        .iter()
        .fold(root.to_path_buf(), |dir, part| dir.join(part));
    let mut files = Vec::new();
    if start.is_dir() {
        walk(&start, &prefix, &mut files)?;
    }
    let mut out = Vec::new();
    for (rel, path) in files {
        if !matcher.is_match(&rel) {
            continue;
        }
        let marker_line = match marker {
            Some(marker) => find_marker(&path, marker)?,
            None => None,
        };
        out.push(DocumentMatch {
            path: rel,
            contains_marker: marker.is_none() || marker_line.is_some(),
            marker_line,
            marker_only_in_change: false,
        });
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// Holds every match that has `marker` to the trusted base commit: it keeps
/// counting only when `read_base(path)` (the base commit's copy, `None` when
/// the base has no such file) contains the marker too; otherwise it is
/// marked [`DocumentMatch::marker_only_in_change`] and no longer counts.
pub fn require_marker_at_base(
    found: &mut [DocumentMatch],
    marker: &str,
    read_base: impl Fn(&str) -> Result<Option<Vec<u8>>, EvidenceError>,
) -> Result<(), DocumentsError> {
    for doc in found.iter_mut().filter(|d| d.contains_marker) {
        let at_base = read_base(&doc.path)?
            .is_some_and(|bytes| memchr::memmem::find(&bytes, marker.as_bytes()).is_some());
        if !at_base {
            doc.contains_marker = false;
            doc.marker_only_in_change = true;
        }
    }
    Ok(())
}

/// The leading directory components of `glob` that hold no metacharacter
/// (`docs/rfcs/*.md` → `["docs", "rfcs"]`); the last component is a file
/// pattern and never part of it.
fn literal_dir_prefix(glob: &str) -> Vec<String> {
    let parts: Vec<&str> = glob.split('/').collect();
    let dirs = parts.len().saturating_sub(1);
    parts[..dirs]
        .iter()
        .take_while(|p| {
            !p.is_empty() && !p.contains(['*', '?', '[', '{', '\\']) && **p != "." && **p != ".."
        })
        .map(|p| (*p).to_owned())
        .collect()
}

fn io(path: &Path, source: std::io::Error) -> EvidenceError {
    EvidenceError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Collects (relative path, full path) of every file below `dir`.
fn walk(dir: &Path, rel: &[String], out: &mut Vec<(String, PathBuf)>) -> Result<(), EvidenceError> {
    for entry in std::fs::read_dir(dir).map_err(|e| io(dir, e))? {
        let entry = entry.map_err(|e| io(dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        let kind = entry.file_type().map_err(|e| io(&path, e))?;
        let mut child = rel.to_vec();
        child.push(name.clone());
        if kind.is_dir() {
            if name != ".git" {
                walk(&path, &child, out)?;
            }
        } else if kind.is_file() || (kind.is_symlink() && path.is_file()) {
            out.push((child.join("/"), path));
        }
    }
    Ok(())
}

/// The 1-based line of the first occurrence of `marker` in the file.
fn find_marker(path: &Path, marker: &str) -> Result<Option<u32>, EvidenceError> {
    let bytes = crate::input::read_input(path, crate::input::InputKind::Report)?;
    if marker.is_empty() {
        return Ok(Some(1));
    }
    Ok(
        memchr::memmem::find(&bytes, marker.as_bytes()).map(|offset| {
            let line = memchr::memchr_iter(b'\n', &bytes[..offset]).count() + 1;
            u32::try_from(line).unwrap_or(u32::MAX)
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The glob as policy validation compiles a `[[documents]] glob`.
    fn glob(text: &str) -> GlobMatcher {
        globset::GlobBuilder::new(text)
            .literal_separator(true)
            .build()
            .unwrap()
            .compile_matcher()
    }

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn repo() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(
            &root.join("docs/rfcs/0001-gates.md"),
            "# RFC 1\n\nStatus: Approved\n",
        );
        write(
            &root.join("docs/rfcs/0002-overrides.md"),
            "# RFC 2\nStatus: Draft\n",
        );
        write(&root.join("docs/rfcs/old/0000-x.md"), "Status: Approved\n");
        write(&root.join("docs/runbook.md"), "ops\n");
        write(&root.join(".git/docs/rfcs/x.md"), "Status: Approved\n");
        dir
    }

    #[test]
    fn lists_matches_with_marker_lines() {
        let dir = repo();
        let found = find_documents(
            dir.path(),
            &glob("docs/rfcs/*.md"),
            Some("Status: Approved"),
        )
        .unwrap();
        assert_eq!(
            found,
            [
                DocumentMatch {
                    path: "docs/rfcs/0001-gates.md".into(),
                    contains_marker: true,
                    marker_line: Some(3),
                    marker_only_in_change: false,
                },
                DocumentMatch {
                    path: "docs/rfcs/0002-overrides.md".into(),
                    contains_marker: false,
                    marker_line: None,
                    marker_only_in_change: false,
                },
            ]
        );
    }

    #[test]
    fn double_star_crosses_directories_but_not_git() {
        let dir = repo();
        let found = find_documents(dir.path(), &glob("**/*.md"), None).unwrap();
        let paths: Vec<_> = found.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "docs/rfcs/0001-gates.md",
                "docs/rfcs/0002-overrides.md",
                "docs/rfcs/old/0000-x.md",
                "docs/runbook.md"
            ]
        );
        assert!(found
            .iter()
            .all(|d| d.contains_marker && d.marker_line.is_none()));
    }

    #[test]
    fn no_match_is_empty() {
        let dir = repo();
        assert!(find_documents(dir.path(), &glob("design/*.md"), None)
            .unwrap()
            .is_empty());
    }

    #[test]
    fn a_marker_counts_only_where_the_base_has_it() {
        let dir = repo();
        let mut found = find_documents(
            dir.path(),
            &glob("docs/rfcs/**/*.md"),
            Some("Status: Approved"),
        )
        .unwrap();
        // The base approved RFC 1 already; RFC 0 is approved only by the change.
        require_marker_at_base(&mut found, "Status: Approved", |path| {
            Ok(match path {
                "docs/rfcs/0001-gates.md" => Some(b"Status: Approved\n".to_vec()),
                "docs/rfcs/old/0000-x.md" => Some(b"Status: Draft\n".to_vec()),
                _ => None,
            })
        })
        .unwrap();
        let counted: Vec<_> = found
            .iter()
            .map(|d| (d.path.as_str(), d.contains_marker, d.marker_only_in_change))
            .collect();
        assert_eq!(
            counted,
            [
                ("docs/rfcs/0001-gates.md", true, false),
                ("docs/rfcs/0002-overrides.md", false, false),
                ("docs/rfcs/old/0000-x.md", false, true),
            ]
        );
    }

    #[test]
    fn literal_prefix_stops_at_metacharacters() {
        assert_eq!(literal_dir_prefix("docs/rfcs/*.md"), ["docs", "rfcs"]);
        assert_eq!(literal_dir_prefix("docs/*/README.md"), ["docs"]);
        assert!(literal_dir_prefix("README.md").is_empty());
        assert!(literal_dir_prefix("**/x.md").is_empty());
        assert!(literal_dir_prefix("../x/*.md").is_empty());
    }
}
