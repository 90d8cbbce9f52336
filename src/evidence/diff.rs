//! Changed lines from a unified diff (`git diff -U0`, or the `patch` fields
//! of GitHub's pull-request files API), for patch coverage.
//!
//! Only added lines count, as in diff-cover and Codecov: a deleted line
//! cannot be covered, and a context line was not changed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

/// Added lines per repository-relative file, from the diff under review.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangedLines {
    /// Path to sorted, distinct added line numbers.
    pub files: BTreeMap<String, Vec<u32>>,
    /// Every path the diff changes in any way, old and new sides (deleted,
    /// renamed and lines-removed-only files too): what a note about a
    /// changed workflow file needs, where `files` holds only added lines.
    pub touched: BTreeSet<String>,
}

impl ChangedLines {
    /// Whether the diff changes `path` at all.
    #[must_use]
    pub fn touches(&self, path: &str) -> bool {
        self.touched.contains(path) || self.files.contains_key(path)
    }
}

/// Parses a unified diff with any number of files into added lines per path.
///
/// Paths are taken from the `+++ b/PATH` header; deleted files (`+++
/// /dev/null`) and binary files add nothing. Git's C-style quoting of unusual
/// paths (`"b/sp\303\244ce.rs"`) is undone.
#[must_use]
pub fn parse_unified_diff(text: &str) -> ChangedLines {
    let mut files: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    let mut touched: BTreeSet<String> = BTreeSet::new();
    // `--- a/PATH` is a header only when `+++ ` follows; a removed line
    // reading `-- x` would otherwise pass for one.
    let mut old_side: Option<String> = None;
    let mut current: Option<String> = None;
    let mut next_line: u32 = 0;
    let mut remaining_new: u32 = 0;
    for line in text.lines() {
        if remaining_new == 0 {
            if let Some(rest) = line.strip_prefix("+++ ") {
                current = target_path(rest);
                touched.extend(old_side.take());
                touched.extend(current.clone());
                continue;
            }
            old_side = line.strip_prefix("--- ").and_then(source_path);
            if let Some(path) = line
                .strip_prefix("rename from ")
                .or_else(|| line.strip_prefix("rename to "))
            {
                touched.extend(unquoted_path(path));
            }
            if let Some(header) = line.strip_prefix("@@") {
                if let Some((start, count)) = hunk_new_range(header) {
                    next_line = start;
                    remaining_new = count;
                }
                continue;
            }
            continue;
        }
        // Inside a hunk: `+` added, ` ` context, `-` removed, `\` "no newline" marker.
        match line.as_bytes().first() {
            Some(b'+') => {
                if let Some(path) = &current {
                    files.entry(path.clone()).or_default().push(next_line);
                }
                advance(&mut next_line, &mut remaining_new);
            }
            Some(b' ') | None => advance(&mut next_line, &mut remaining_new),
            _ => {}
        }
    }
    for lines in files.values_mut() {
        lines.sort_unstable();
        lines.dedup();
    }
    ChangedLines { files, touched }
}

/// Moves past one line of a hunk's new side. A hunk that claims lines
/// beyond `u32::MAX` (no real file has them; a hostile diff may) ends there
/// instead of overflowing.
fn advance(next_line: &mut u32, remaining_new: &mut u32) {
    match next_line.checked_add(1) {
        Some(next) => {
            *next_line = next;
            *remaining_new -= 1;
        }
        None => *remaining_new = 0,
    }
}

/// A path as git prints it after `rename from`/`rename to` (no `a/`/`b/`).
fn unquoted_path(path: &str) -> Option<String> {
    if path.starts_with('"') {
        unquote(path)
    } else {
        Some(path.to_owned())
    }
}

/// Adds the `patch` of one file from GitHub's PR files API.
pub fn add_patch(changes: &mut ChangedLines, path: &str, hunks: &str) {
    changes.touched.insert(path.to_owned());
    let text = format!("+++ b/{path}\n{hunks}\n");
    for (file, lines) in parse_unified_diff(&text).files {
        let entry = changes.files.entry(file).or_default();
        entry.extend(lines);
        entry.sort_unstable();
        entry.dedup();
    }
}

/// `+c,d` of a hunk header ` -a,b +c,d @@ ...`; `d` defaults to 1.
fn hunk_new_range(header: &str) -> Option<(u32, u32)> {
    let plus = header.split_whitespace().find(|t| t.starts_with('+'))?;
    let plus = plus.trim_start_matches('+');
    let (start, count) = match plus.split_once(',') {
        Some((s, c)) => (s.parse().ok()?, c.parse().ok()?),
        None => (plus.parse().ok()?, 1),
    };
    Some((start, count))
}

/// The old side's path of a `--- a/PATH` header (`None` for `/dev/null`).
fn source_path(rest: &str) -> Option<String> {
    let rest = rest.split('\t').next().unwrap_or(rest);
    if rest == "/dev/null" {
        return None;
    }
    let unquoted = unquoted_path(rest)?;
    Some(
        unquoted
            .strip_prefix("a/")
            .map_or(unquoted.clone(), str::to_owned),
    )
}

fn target_path(rest: &str) -> Option<String> {
    let rest = rest
        .trim_end_matches('\t')
        .split('\t')
        .next()
        .unwrap_or(rest);
    if rest == "/dev/null" {
        return None;
    }
    let unquoted = if rest.starts_with('"') {
        unquote(rest)?
    } else {
        rest.to_owned()
    };
    Some(
        unquoted
            .strip_prefix("b/")
            .map_or(unquoted.clone(), str::to_owned),
    )
}

/// Undoes git's C-style path quoting, including octal-escaped UTF-8 bytes.
fn unquote(quoted: &str) -> Option<String> {
    let inner = quoted.strip_prefix('"')?.strip_suffix('"')?;
    let mut bytes = Vec::with_capacity(inner.len());
    let mut it = inner.bytes().peekable();
    while let Some(b) = it.next() {
        if b != b'\\' {
            bytes.push(b);
            continue;
        }
        match it.next()? {
            b'n' => bytes.push(b'\n'),
            b't' => bytes.push(b'\t'),
            b'"' => bytes.push(b'"'),
            b'\\' => bytes.push(b'\\'),
            d @ b'0'..=b'7' => {
                let mut v = u32::from(d - b'0');
                for _ in 0..2 {
                    let n = *it.peek()?;
                    if !(b'0'..=b'7').contains(&n) {
                        break;
                    }
                    v = v * 8 + u32::from(n - b'0');
                    it.next();
                }
                bytes.push(u8::try_from(v).ok()?);
            }
            other => bytes.push(other),
        }
    }
    String::from_utf8(bytes).ok()
}

/// Why changed lines could not be obtained from git.
#[derive(Debug, thiserror::Error)]
pub enum GitDiffError {
    /// `git` could not be started (not installed, not on `PATH`), or ran past
    /// its timeout and was killed.
    #[error("git diff {range}: {source}")]
    Spawn {
        /// The range asked for.
        range: String,
        /// Why the process could not start.
        #[source]
        source: std::io::Error,
    },
    /// The base (or head) names no commit of the local repository.
    #[error("--base {rev}: no commit, branch or tag `{rev}` in this repository; pass one it has (`git branch -a` lists branches; in a shallow CI clone fetch it first: `git fetch origin main` and `--base origin/main`)")]
    UnknownRevision {
        /// The revision as given.
        rev: String,
    },
    /// `git diff` ran and failed (not a repository, a corrupt object).
    #[error("git diff {range}: {stderr}")]
    Failed {
        /// The range asked for.
        range: String,
        /// What git wrote to standard error, trimmed.
        stderr: String,
    },
}

/// Added lines between the merge base of `base` and `head`, and `head`, as
/// `git diff BASE...HEAD` computes them (what diff-cover compares).
pub fn git_changed_lines(
    repo: &Path,
    base: &str,
    head: &str,
) -> Result<ChangedLines, GitDiffError> {
    let range = format!("{base}...{head}");
    // git's own "fatal: bad revision" says nothing about what to pass instead.
    if crate::git::git(repo, &["rev-parse", "--git-dir"]).is_some() {
        for rev in [base, head] {
            if !crate::git::has_commit(repo, rev) {
                return Err(GitDiffError::UnknownRevision {
                    rev: rev.to_owned(),
                });
            }
        }
    }
    let out = crate::git::output_bounded(Command::new("git").arg("-C").arg(repo).args([
        "diff",
        "--no-color",
        "--no-ext-diff",
        "--unified=0",
        "--find-renames",
        // `base` may come from `--base`: never let it be read as an option.
        "--end-of-options",
        &range,
        "--",
    ]))
    .map_err(|source| GitDiffError::Spawn {
        range: range.clone(),
        source,
    })?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(GitDiffError::Failed {
            range,
            stderr: stderr.trim().to_owned(),
        });
    }
    Ok(parse_unified_diff(&String::from_utf8_lossy(&out.stdout)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_changed_path_is_touched_even_without_added_lines() {
        let diff = "diff --git a/.github/workflows/ci.yml b/.github/workflows/ci.yml\n--- a/.github/workflows/ci.yml\n+++ b/.github/workflows/ci.yml\n@@ -5,2 +4,0 @@\n--- removed yaml separator\n-      - run: cargo test\ndiff --git a/old.rs b/new.rs\nsimilarity index 100%\nrename from old.rs\nrename to new.rs\ndiff --git a/gone.rs b/gone.rs\n--- a/gone.rs\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n";
        let changes = parse_unified_diff(diff);
        assert!(changes.files.is_empty());
        let touched: Vec<&str> = changes.touched.iter().map(String::as_str).collect();
        assert_eq!(
            touched,
            [".github/workflows/ci.yml", "gone.rs", "new.rs", "old.rs"]
        );
        assert!(changes.touches(".github/workflows/ci.yml"));
        assert!(!changes.touches("removed yaml separator"));
    }

    #[test]
    fn added_lines_are_collected_per_file() {
        let diff = "diff --git a/src/a.rs b/src/a.rs\n--- a/src/a.rs\n+++ b/src/a.rs\n@@ -3,0 +4,2 @@ fn x\n+one\n+two\n@@ -10 +12 @@\n-old\n+new\ndiff --git a/gone.rs b/gone.rs\n--- a/gone.rs\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-a\n-b\n";
        let changes = parse_unified_diff(diff);
        assert_eq!(changes.files.len(), 1);
        assert_eq!(changes.files["src/a.rs"], vec![4, 5, 12]);
    }

    #[test]
    fn context_lines_advance_without_counting() {
        let diff = "+++ b/f.py\n@@ -1,3 +1,4 @@\n a\n+b\n c\n+d\n";
        assert_eq!(parse_unified_diff(diff).files["f.py"], vec![2, 4]);
    }

    #[test]
    fn a_line_starting_with_plus_plus_plus_inside_a_hunk_is_content() {
        let diff = "+++ b/f.c\n@@ -0,0 +1,2 @@\n+++i;\n+x\n";
        assert_eq!(parse_unified_diff(diff).files["f.c"], vec![1, 2]);
    }

    #[test]
    fn quoted_paths_are_unquoted() {
        let diff = "+++ \"b/sp\\303\\244ce.rs\"\n@@ -0,0 +1 @@\n+x\n";
        assert_eq!(parse_unified_diff(diff).files["späce.rs"], vec![1]);
    }

    #[test]
    fn an_unknown_base_says_what_to_pass() {
        let dir = tempfile::tempdir().unwrap();
        let run = |args: &[&str]| {
            assert!(std::process::Command::new("git")
                .arg("-C")
                .arg(dir.path())
                .args(args)
                .output()
                .unwrap()
                .status
                .success());
        };
        run(&["init", "-q"]);
        run(&[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "x",
        ]);
        let err = git_changed_lines(dir.path(), "no-such-base", "HEAD").unwrap_err();
        assert!(
            err.to_string().starts_with(
                "--base no-such-base: no commit, branch or tag `no-such-base` in this repository"
            ),
            "{err}"
        );
    }

    #[test]
    fn a_failing_git_diff_names_the_range_and_what_git_said() {
        let dir = tempfile::tempdir().unwrap();
        let err = git_changed_lines(dir.path(), "no-such-base", "HEAD").unwrap_err();
        let GitDiffError::Failed { range, stderr } = &err else {
            panic!("expected git to run and fail, got {err:?}");
        };
        assert_eq!(range, "no-such-base...HEAD");
        assert!(!stderr.is_empty());
        assert!(
            err.to_string()
                .starts_with("git diff no-such-base...HEAD: "),
            "{err}"
        );
    }
}
