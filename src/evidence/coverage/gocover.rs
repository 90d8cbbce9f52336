//! A reader of Go cover profiles (`go test -coverprofile`): statements as
//! Go counts them, and lines as Codecov reads them (docs/formats.md, Go
//! cover profiles).
//!
//! # The format
//!
//! A `mode: set|count|atomic` line, then one line per block:
//! `import/path/file.go:startLine.startCol,endLine.endCol numStmt count`.
//! With `-coverpkg`, every test binary reports every covered package, so the
//! same block appears once per binary; blocks are merged by (file, start,
//! end) as `go tool cover` does: in `set` mode hit if any is, otherwise the
//! counts summed. A block named again with another statement count is
//! refused, as `go tool cover` refuses it.
//!
//! # What it produces
//!
//! Statements (`CoverageSummary::statements`): the sum of the blocks'
//! statement counts, hit where the block's count is nonzero: exactly the
//! figure `go tool cover -func` totals. Lines: every line a block spans,
//! hit when any block spanning it ran (Codecov's reading of Go profiles).
//! Go profiles have no branches and no functions.
//!
//! # Paths
//!
//! Profile paths are import paths. When the repository root has a `go.mod`,
//! a path under its `module` is made relative to the root by stripping the
//! module path; any other path goes through the usual normalisation
//! ([`super::paths`]) and must then name a file under the root, or the
//! profile is refused naming the path (never dropped).
//!
//! Memory grows with the number of distinct blocks and the lines they span;
//! a block spanning more than 2^20 lines is refused (no real block is).

use std::collections::{BTreeMap, HashMap};
use std::io::BufRead;
use std::path::Path;

use super::paths::{impossible_name, leaves_root, PathNormalizer};
use super::{CoverageReport, FileCoverage, ReadOptions, Tally};
use crate::evidence::EvidenceError;

/// A profile's counting mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Whether each block ran.
    Set,
    /// How often each block ran (`count`, or `atomic` for `-race`).
    Count,
}

fn parse_mode(text: &str) -> Option<Mode> {
    match text {
        "set" => Some(Mode::Set),
        "count" | "atomic" => Some(Mode::Count),
        _ => None,
    }
}

/// The most lines one block may span. Every line a block spans is
/// recorded, so without a bound one profile line (`f.go:1.1,4294967295.1 1 1`)
/// would make the reader record four billion lines; a block is a run of
/// statements, and a million lines of them is no real program.
const MAX_BLOCK_LINES: u32 = 1 << 20;

/// (start line, start column, end line, end column).
type Span = (u32, u32, u32, u32);

/// A merged block: statements, count, and the profile line that first
/// named it (for errors).
#[derive(Clone, Copy)]
struct Block {
    statements: u64,
    count: u64,
    first: u64,
}

/// Reads one Go cover profile from `input` into `into`; `source` names the
/// input in errors.
///
/// Every error is [`EvidenceError::Malformed`] naming the line: a missing
/// or unknown `mode:` line, a second `mode:` line that differs, a block
/// line that does not parse, a negative count, a block that ends before it
/// starts, a block repeated with another statement count, a path that
/// cannot be made repository-relative, or a file another report already
/// holds (statement figures cannot be united with another report's).
pub fn read_go_cover<R: BufRead>(
    mut input: R,
    source: &Path,
    opts: &ReadOptions,
    into: &mut CoverageReport,
) -> Result<(), EvidenceError> {
    let malformed = |line: u64, message: String| EvidenceError::Malformed {
        path: source.to_path_buf(),
        line,
        message,
    };
    let io_error = |source_err| EvidenceError::Io {
        path: source.to_path_buf(),
        source: source_err,
    };
    let mut buf = Vec::new();
    let mut number = 0u64;
    let mut mode = None;
    // Raw name -> blocks; the first line naming each file, for errors.
    let mut files: HashMap<String, (u64, BTreeMap<Span, Block>)> = HashMap::new();
    loop {
        buf.clear();
        if input.read_until(b'\n', &mut buf).map_err(io_error)? == 0 {
            break;
        }
        number += 1;
        let Ok(text) = std::str::from_utf8(&buf) else {
            return Err(malformed(number, "not UTF-8 text".into()));
        };
        let text = text.trim_end_matches(['\n', '\r']);
        if let Some(rest) = text.strip_prefix("mode: ") {
            let Some(this) = parse_mode(rest.trim()) else {
                return Err(malformed(
                    number,
                    format!(
                        "unknown cover mode `{}` (set, count or atomic)",
                        rest.trim()
                    ),
                ));
            };
            match mode {
                None => mode = Some(this),
                // Concatenated profiles repeat the line; a different mode
                // would mix presence with counts.
                Some(m) if m == this => {}
                Some(_) => {
                    return Err(malformed(
                        number,
                        format!("`{text}` differs from the profile's first mode line"),
                    ))
                }
            }
            continue;
        }
        let Some(mode) = mode else {
            return Err(malformed(
                number,
                "a Go cover profile starts with a `mode: set|count|atomic` line".into(),
            ));
        };
        if text.trim().is_empty() {
            continue;
        }
        let (name, span, statements, count) =
            parse_block(text).map_err(|message| malformed(number, message))?;
        let (_, blocks) = files
            .entry(name.to_owned())
            .or_insert_with(|| (number, BTreeMap::new()));
        match blocks.get_mut(&span) {
            Some(block) => {
                if block.statements != statements {
                    return Err(malformed(
                        number,
                        format!(
                            "this block has {statements} statements, {} on line {}",
                            block.statements, block.first
                        ),
                    ));
                }
                block.count = match mode {
                    Mode::Set => u64::from(block.count > 0 || count > 0),
                    Mode::Count => block.count.saturating_add(count),
                };
            }
            None => {
                blocks.insert(
                    span,
                    Block {
                        statements,
                        count,
                        first: number,
                    },
                );
            }
        }
    }
    if mode.is_none() {
        return Err(malformed(
            1,
            "empty: a Go cover profile starts with a `mode: set|count|atomic` line".into(),
        ));
    }
    into_report(files, source, opts, into)
}

/// Turns the merged blocks into files, statements and lines (see the module docs).
fn into_report(
    files: HashMap<String, (u64, BTreeMap<Span, Block>)>,
    source: &Path,
    opts: &ReadOptions,
    into: &mut CoverageReport,
) -> Result<(), EvidenceError> {
    let malformed = |line: u64, message: String| EvidenceError::Malformed {
        path: source.to_path_buf(),
        line,
        message,
    };
    let module = opts.root().and_then(module_path);
    let mut paths = PathNormalizer::new(opts.root(), &opts.strip_prefix);
    let mut names: Vec<_> = files.into_iter().collect();
    names.sort_by_key(|(_, (first, _))| *first);
    let mut mine = CoverageReport::new();
    for (name, (first, blocks)) in names {
        let path = repository_path(&name, module.as_deref(), &mut paths, opts.root())
            .map_err(|message| malformed(first, message))?;
        if into.file(&path).is_some() || mine.file(&path).is_some() {
            return Err(malformed(
                first,
                format!(
                    "`{name}` (`{path}`) is also in another coverage report: Go's statement \
                     figures cannot be united with it; give one profile per run \
                     (`go test -coverprofile` over all packages writes one)"
                ),
            ));
        }
        let mut file = FileCoverage::default();
        let mut statements = Tally::default();
        for (&(start, _, end, _), block) in &blocks {
            // Statement counts are the profile's own numbers: a sum past
            // u64 is a hostile profile, not a figure to wrap or clamp.
            let overflow = || {
                malformed(
                    block.first,
                    format!("the statement counts of `{name}` add up past {}", u64::MAX),
                )
            };
            statements.found = statements
                .found
                .checked_add(block.statements)
                .ok_or_else(overflow)?;
            if block.count > 0 {
                statements.hit = statements
                    .hit
                    .checked_add(block.statements)
                    .ok_or_else(overflow)?;
            }
            for line in start..=end {
                file.add_line(line, block.count);
            }
        }
        file.add_statements(statements);
        mine.merge_file(&path, file);
    }
    into.merge(mine);
    Ok(())
}

/// Splits `name:sl.sc,el.ec stmts count`.
fn parse_block(text: &str) -> Result<(&str, Span, u64, u64), String> {
    let bad =
        || format!("`{text}` is not a cover block (`file.go:line.col,line.col statements count`)");
    let (rest, count) = text.rsplit_once(' ').ok_or_else(bad)?;
    let (rest, statements) = rest.rsplit_once(' ').ok_or_else(bad)?;
    let (name, span) = rest.rsplit_once(':').ok_or_else(bad)?;
    let number = |s: &str, what: &str| -> Result<u64, String> {
        if let Some(digits) = s.strip_prefix('-') {
            if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!("negative {what} `{s}` in `{text}`"));
            }
        }
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        s.parse()
            .map_err(|_| format!("{what} `{s}` is too large in `{text}`"))
    };
    let count = number(count, "count")?;
    let statements = number(statements, "statement count")?;
    let (start, end) = span.split_once(',').ok_or_else(bad)?;
    let position = |s: &str| -> Result<(u32, u32), String> {
        let (line, col) = s.split_once('.').ok_or_else(bad)?;
        let line = u32::try_from(number(line, "line")?).map_err(|_| bad())?;
        let col = u32::try_from(number(col, "column")?).map_err(|_| bad())?;
        if line == 0 {
            return Err(format!("line 0 in `{text}`"));
        }
        Ok((line, col))
    };
    let (sl, sc) = position(start)?;
    let (el, ec) = position(end)?;
    if (sl, sc) > (el, ec) {
        return Err(format!("the block in `{text}` ends before it starts"));
    }
    if el - sl >= MAX_BLOCK_LINES {
        return Err(format!(
            "the block in `{text}` spans {} lines (at most {MAX_BLOCK_LINES}): no Go block is that long",
            u64::from(el - sl) + 1
        ));
    }
    if name.is_empty() {
        return Err(bad());
    }
    Ok((name, (sl, sc, el, ec), statements, count))
}

/// The `module` path in `root/go.mod`, if there is one.
fn module_path(root: &Path) -> Option<String> {
    // Through the input limits (a regular file, at most the document cap):
    // a FIFO or a huge file named go.mod must not hang or fill memory. An
    // unreadable go.mod is treated as none, as before.
    let bytes =
        crate::input::read_input(&root.join("go.mod"), crate::input::InputKind::Document).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    text.lines().find_map(|line| {
        let rest = line.trim().strip_prefix("module")?;
        if !rest.starts_with([' ', '\t']) {
            return None;
        }
        let rest = rest.split("//").next().unwrap_or("").trim();
        let rest = rest.trim_matches('"');
        (!rest.is_empty()).then(|| rest.to_owned())
    })
}

/// Maps an import path to a repository path (see the module docs).
fn repository_path(
    name: &str,
    module: Option<&str>,
    paths: &mut PathNormalizer,
    root: Option<&Path>,
) -> Result<String, String> {
    if let Some(why) = impossible_name(name) {
        return Err(why);
    }
    if let Some(rest) = module.and_then(|m| name.strip_prefix(m)?.strip_prefix('/')) {
        let path = paths.normalize(rest);
        if leaves_root(&path) {
            return Err(format!("`{name}` leaves the repository root"));
        }
        return Ok(path);
    }
    let path = paths.normalize(name);
    if leaves_root(&path) {
        return Err(format!(
            "`{name}` is `{path}` relative to the repository root, outside it"
        ));
    }
    match root {
        Some(root) if !root.join(&path).is_file() => Err(format!(
            "`{name}` is not under the module path {} and is not a file under the \
             repository root: run from the module root (with its go.mod at the repository \
             root) or pass --strip-prefix",
            module.map_or_else(
                || "(no go.mod at the repository root)".to_owned(),
                |m| format!("`{m}` of go.mod")
            )
        )),
        _ => Ok(path),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)] // a test that cannot read its input should stop loudly
mod tests {
    use super::*;

    fn read(text: &str) -> Result<CoverageReport, EvidenceError> {
        let mut report = CoverageReport::new();
        read_go_cover(
            text.as_bytes(),
            Path::new("cover.out"),
            &ReadOptions::default(),
            &mut report,
        )?;
        Ok(report)
    }

    fn error_line(text: &str) -> (u64, String) {
        match read(text) {
            Err(EvidenceError::Malformed { line, message, .. }) => (line, message),
            other => panic!("{text:?}: {other:?}"),
        }
    }

    #[test]
    fn merges_repeated_blocks_by_mode() {
        let set = "mode: set\na/x.go:1.1,3.2 2 1\na/x.go:1.1,3.2 2 0\na/x.go:5.1,5.9 1 0\n";
        let r = read(set).unwrap();
        let s = r.file("a/x.go").unwrap().summary();
        assert_eq!(s.statements, Some(Tally { found: 3, hit: 2 }));
        assert_eq!(s.lines, Tally { found: 4, hit: 3 });
        let count = "mode: count\na/x.go:1.1,3.2 2 3\na/x.go:1.1,3.2 2 4\n";
        let r = read(count).unwrap();
        assert_eq!(r.file("a/x.go").unwrap().line_count(2), Some(7));
        // A line spanned by a hit block and a missed one is hit.
        let shared = "mode: atomic\na/x.go:1.1,2.5 1 0\na/x.go:2.5,4.2 1 1\n";
        let f = read(shared).unwrap();
        let f = f.file("a/x.go").unwrap();
        assert_eq!((f.line_count(1), f.line_count(2)), (Some(0), Some(1)));
        assert_eq!(f.summary().statements, Some(Tally { found: 2, hit: 1 }));
    }

    #[test]
    fn malformed_profiles_name_the_line() {
        for (text, line, needle) in [
            ("", 1, "mode"),
            ("a/x.go:1.1,2.2 1 1\n", 1, "mode"),
            ("mode: sometimes\n", 1, "unknown cover mode"),
            ("mode: set\na/x.go:1.1,2.2 1 1\nmode: count\n", 3, "differs"),
            ("mode: set\na/x.go:1.1,2.2 1\n", 2, "not a cover block"),
            ("mode: set\na/x.go 1 1\n", 2, "not a cover block"),
            ("mode: count\na/x.go:1.1,2.2 1 -4\n", 2, "negative count"),
            (
                "mode: count\na/x.go:1.1,2.2 -1 4\n",
                2,
                "negative statement",
            ),
            ("mode: set\na/x.go:5.1,2.2 1 1\n", 2, "ends before"),
            ("mode: set\na/x.go:2.9,2.2 1 1\n", 2, "ends before"),
            (
                "mode: set\na/x.go:1.1,2.2 1 1\na/x.go:1.1,2.2 2 1\n",
                3,
                "statements",
            ),
            ("mode: set\na/x.go:0.1,2.2 1 1\n", 2, "line 0"),
        ] {
            let (at, message) = error_line(text);
            assert_eq!(at, line, "{text:?}: {message}");
            assert!(message.contains(needle), "{text:?}: {message}");
        }
        // A repeated identical mode line (concatenated profiles) is fine.
        assert!(read("mode: set\na/x.go:1.1,2.2 1 1\nmode: set\n\n").is_ok());
    }

    #[test]
    fn import_paths_map_through_go_mod() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("go.mod"),
            "// c\nmodule \"example.com/m\" // x\n\ngo 1.19\n",
        )
        .unwrap();
        std::fs::create_dir_all(dir.path().join("pkg")).unwrap();
        std::fs::write(dir.path().join("pkg/a.go"), "package pkg\n").unwrap();
        let opts = ReadOptions {
            repo_root: dir.path().to_path_buf(),
            strip_prefix: Vec::new(),
            format: None,
        };
        let mut report = CoverageReport::new();
        read_go_cover(
            "mode: set\nexample.com/m/pkg/a.go:1.1,1.5 1 1\n".as_bytes(),
            Path::new("c.out"),
            &opts,
            &mut report,
        )
        .unwrap();
        assert!(report.file("pkg/a.go").is_some());
        // Another module's path neither maps nor names a file: refused.
        let err = read_go_cover(
            "mode: set\nexample.com/m/pkg/a.go:1.1,1.5 1 1\nexample.com/other/b.go:1.1,1.5 1 1\n"
                .as_bytes(),
            Path::new("c.out"),
            &opts,
            &mut CoverageReport::new(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("c.out:3:") && err.contains("example.com/other/b.go"),
            "{err}"
        );
        // A file another report holds is refused, not double counted.
        let err = read_go_cover(
            "mode: set\nexample.com/m/pkg/a.go:1.1,1.5 1 1\n".as_bytes(),
            Path::new("c.out"),
            &opts,
            &mut report,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("another coverage report"), "{err}");
    }
}
