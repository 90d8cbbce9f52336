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
//! # Memory and speed
//!
//! Blocks must be kept until the profile ends (a `-coverpkg` repeat can come
//! at any point), so memory is 32 bytes per distinct block, whatever the
//! profile's length, and the lines are made from them a file at a time at
//! the end: 70 MB for a generated 100 MB profile of 1.8 M distinct blocks
//! (docs/performance.md). Go writes each file's blocks in source order, so
//! they are kept in a sorted `Vec` searched by bisection, not a tree; a
//! line as Go writes it is read in one pass over its bytes
//! (`quick_block`), anything else by the full reader that says what is
//! wrong. A block spanning more than 2^20 lines or holding more than
//! `u32::MAX` statements is refused (no real block does).

use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;

use super::paths::{impossible_name, leaves_root, PathNormalizer};
use super::{CoverageReport, FileCoverage, ReadOptions, Tally};
use crate::evidence::text::digits_then;
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

/// A merged block: where it is, its statements, its count, and the profile
/// line that first named it (for errors). 32 bytes: one is kept for each
/// distinct block until the profile ends, so its size is the reader's
/// memory (statement counts and line numbers past u32 are refused, see
/// [`parse_block`] and [`read_go_cover`]).
#[derive(Clone, Copy)]
struct Block {
    span: Span,
    statements: u32,
    first: u32,
    count: u64,
}

/// One file's distinct blocks. Go writes a file's blocks in source order,
/// so a block past the last one is appended to `ascending` (kept sorted by
/// span, searched by bisection when a block comes again, as with
/// `-coverpkg`); a block out of that order, which Go does not write, goes to
/// `stray`. Memory is one [`Block`] per distinct block: repeats merge in
/// place, whatever the profile's length.
struct FileBlocks {
    /// The raw (import) path.
    name: String,
    /// The profile line that first named the file, for errors.
    first: u64,
    ascending: Vec<Block>,
    stray: HashMap<Span, Block>,
}

impl FileBlocks {
    /// The merged block at `span`, if the file has had one there.
    fn find(&mut self, span: Span) -> Option<&mut Block> {
        match self.ascending.last() {
            Some(last) if last.span < span => None,
            None => None,
            Some(_) => match self.ascending.binary_search_by(|b| b.span.cmp(&span)) {
                Ok(at) => self.ascending.get_mut(at),
                Err(_) => self.stray.get_mut(&span),
            },
        }
    }

    /// Adds a block [`FileBlocks::find`] did not find.
    fn insert(&mut self, block: Block) {
        match self.ascending.last() {
            Some(last) if last.span > block.span => {
                self.stray.insert(block.span, block);
            }
            _ => self.ascending.push(block),
        }
    }

    /// The distinct blocks in source order.
    fn into_blocks(self) -> Vec<Block> {
        let mut blocks = self.ascending;
        if !self.stray.is_empty() {
            blocks.extend(self.stray.into_values());
            blocks.sort_unstable_by_key(|b| b.span);
        }
        blocks
    }
}

/// The profile's files in the order it first names them, found by raw
/// name; `current` is the file of the line before, which most lines repeat.
#[derive(Default)]
struct ProfileFiles {
    files: Vec<FileBlocks>,
    index: HashMap<String, usize>,
    current: Option<usize>,
}

impl ProfileFiles {
    /// The blocks of file `name`, named on profile line `number`.
    fn file(&mut self, name: &str, number: u64) -> &mut FileBlocks {
        let at = match self.current {
            Some(at) if self.files[at].name == name => at,
            previous => {
                if let Some(previous) = previous {
                    // The profile moved on: what that file's blocks grew by
                    // is not left reserved while the others are read.
                    self.files[previous].ascending.shrink_to_fit();
                }
                let at = if let Some(&at) = self.index.get(name) {
                    at
                } else {
                    self.index.insert(name.to_owned(), self.files.len());
                    self.files.push(FileBlocks {
                        name: name.to_owned(),
                        first: number,
                        ascending: Vec::new(),
                        stray: HashMap::new(),
                    });
                    self.files.len() - 1
                };
                self.current = Some(at);
                at
            }
        };
        &mut self.files[at]
    }
}

/// Reads one Go cover profile from `input` into `into`; `source` names the
/// input in errors.
///
/// Every error is [`EvidenceError::Malformed`] naming the line: a missing
/// or unknown `mode:` line, a second `mode:` line that differs, a block
/// line that does not parse, a negative count, a block that ends before it
/// starts, a block repeated with another statement count, a path that
/// cannot be made repository-relative, a file another report already
/// holds (statement figures cannot be united with another report's), or a
/// profile of more than `u32::MAX` lines (a profile tens of gigabytes long,
/// past any Go program's).
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
    let mut profile = ProfileFiles::default();
    loop {
        buf.clear();
        if input.read_until(b'\n', &mut buf).map_err(io_error)? == 0 {
            break;
        }
        number += 1;
        let Ok(text) = std::str::from_utf8(&buf) else {
            return Err(malformed(number, "not UTF-8 text".into()));
        };
        // The line's end, as `trim_end_matches(['\n', '\r'])` would
        // cut it, byte by byte (it is on every line).
        let mut end = text.len();
        while end > 0 && matches!(text.as_bytes()[end - 1], b'\n' | b'\r') {
            end -= 1;
        }
        let text = &text[..end];
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
        let (name, span, statements, count) = match quick_block(text) {
            Some(block) => block,
            None if text.trim().is_empty() => continue,
            None => parse_block(text).map_err(|message| malformed(number, message))?,
        };
        let Ok(line) = u32::try_from(number) else {
            return Err(malformed(
                number,
                format!("a Go cover profile of more than {} lines", u32::MAX),
            ));
        };
        let blocks = profile.file(name, number);
        match blocks.find(span) {
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
            None => blocks.insert(Block {
                span,
                statements,
                first: line,
                count,
            }),
        }
    }
    if mode.is_none() {
        return Err(malformed(
            1,
            "empty: a Go cover profile starts with a `mode: set|count|atomic` line".into(),
        ));
    }
    into_report(profile.files, source, opts, into)
}

/// Turns the merged blocks into files, statements and lines (see the module
/// docs), a file at a time: each file's blocks are let go once its lines
/// are made.
fn into_report(
    files: Vec<FileBlocks>,
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
    let mut mine = CoverageReport::new();
    for blocks in files {
        let name = blocks.name.clone();
        let first = blocks.first;
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
        for block in blocks.into_blocks() {
            let (start, end) = (block.span.0, block.span.2);
            // Cannot overflow: each block is a distinct profile line, of
            // which there are at most u32::MAX, with at most u32::MAX
            // statements each, and (2^32 - 1)^2 < 2^64.
            statements.found += u64::from(block.statements);
            if block.count > 0 {
                statements.hit += u64::from(block.statements);
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

/// [`parse_block`] for a line as Go writes it, in one pass over the bytes
/// after the name: every number plain digits, every check passed. `None`
/// for anything else, which [`parse_block`] then reads and, if it is wrong,
/// says why; both agree on every line this accepts (the last `:` ends the
/// name in both, and the span holds none).
fn quick_block(text: &str) -> Option<(&str, Span, u32, u64)> {
    let bytes = text.as_bytes();
    let colon = memchr::memrchr(b':', bytes)?;
    let mut at = colon + 1;
    let mut next = |end: u8| -> Option<u32> {
        let (value, used) = digits_then(bytes.get(at..)?, end, 10)?;
        at += used;
        u32::try_from(value).ok()
    };
    let span = (next(b'.')?, next(b',')?, next(b'.')?, next(b' ')?);
    let statements = next(b' ')?;
    let count = bytes.get(at..)?;
    if colon == 0
        || count.is_empty()
        || count.len() > 19
        || !count.iter().all(u8::is_ascii_digit)
        || span.0 == 0
        || (span.0, span.1) > (span.2, span.3)
        || span.2 - span.0 >= MAX_BLOCK_LINES
    {
        return None;
    }
    let count = count
        .iter()
        .fold(0u64, |n, &b| n * 10 + u64::from(b - b'0'));
    Some((text.get(..colon)?, span, statements, count))
}

/// Splits `name:sl.sc,el.ec stmts count`.
fn parse_block(text: &str) -> Result<(&str, Span, u32, u64), String> {
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
    // A block is a run of statements between branches: four billion of
    // them is no program, and the cap keeps a merged block at 32 bytes and
    // the statement totals within u64.
    let Ok(statements) = u32::try_from(statements) else {
        return Err(format!(
            "{statements} statements in one block in `{text}` (at most {}): no Go block has that many",
            u32::MAX
        ));
    };
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

    /// Every file's summary and every line's count.
    fn figures(report: &CoverageReport) -> Vec<(String, String, Vec<Option<u64>>)> {
        let mut files: Vec<_> = report
            .files()
            .map(|(path, file)| {
                let lines = (1..=40).map(|l| file.line_count(l)).collect();
                (path.to_owned(), format!("{:?}", file.summary()), lines)
            })
            .collect();
        files.sort();
        files
    }

    #[test]
    fn blocks_out_of_order_repeated_or_interleaved_merge_as_in_order() {
        let blocks = [
            "a/x.go:1.1,3.2 2 1",
            "a/x.go:3.4,3.9 1 0",
            "a/x.go:5.1,8.2 3 0",
            "a/x.go:9.1,9.7 1 5",
            "a/y.go:2.1,2.9 1 0",
            "a/y.go:4.1,6.1 2 3",
        ];
        for mode in ["set", "count"] {
            // `set` profiles count 0 or 1.
            let blocks = blocks.map(|b| match (mode, b.rsplit_once(' ')) {
                ("set", Some((head, count))) if count != "0" => format!("{head} 1"),
                _ => b.to_owned(),
            });
            let in_order = format!("mode: {mode}\n{}\n", blocks.join("\n"));
            // Backwards (every block but the first of each file is out of
            // Go's order), the files interleaved, and each block twice as
            // `-coverpkg` writes it, the second time with count 0.
            let mut shuffled = format!("mode: {mode}\n");
            for (i, block) in blocks.iter().enumerate().rev() {
                shuffled.push_str(block);
                shuffled.push('\n');
                shuffled.push_str(&blocks[blocks.len() - 1 - i]);
                shuffled.push('\n');
            }
            for block in &blocks {
                let (head, _) = block.rsplit_once(' ').unwrap();
                shuffled.push_str(head);
                shuffled.push_str(" 0\n");
            }
            let a = read(&in_order).unwrap();
            let b = read(&shuffled).unwrap();
            if mode == "set" {
                assert_eq!(figures(&a), figures(&b), "{shuffled}");
            } else {
                // Counts sum: each block was named twice with its count.
                let mut doubled = String::new();
                for line in in_order.lines().skip(1) {
                    doubled.extend([line, "\n", line, "\n"]);
                }
                let doubled = read(&format!("mode: count\n{doubled}")).unwrap();
                assert_eq!(figures(&doubled), figures(&b), "{shuffled}");
            }
            // A repeat of an out-of-order block with another statement
            // count is still found and refused.
            let err = read(&format!("{shuffled}a/x.go:3.4,3.9 7 1\n")).unwrap_err();
            assert!(err.to_string().contains("7 statements, 1 on line"), "{err}");
        }
    }

    #[test]
    fn the_quick_block_reader_agrees_with_the_full_one() {
        for line in [
            "a/x.go:1.1,3.2 2 1",
            "a:b/x.go:10.20,10.30 0 18446744073709551615",
            "a/x.go:1.1,1.2 1 9999999999999999999",
            "example.com/m/p.go:4294967295.1,4294967295.2 4294967295 0",
            "a/x.go:001.01,002.00 07 0010",
            "a/x.go:1.1,2.2 1 -4",
            "a/x.go:1.1,2.2 -1 4",
            "a/x.go:0.1,2.2 1 1",
            "a/x.go:3.5,3.4 1 1",
            "a/x.go:1.1,1048577.1 1 1",
            "a/x.go:1.1,1048576.1 1 1",
            "a/x.go:1.1,2.2 1 99999999999999999999",
            "a/x.go:1.1,2.2  1 1",
            ":1.1,2.2 1 1",
            "a/x.go:1.1,2.2 4294967296 1",
            "a/x.go:4294967296.1,2.2 1 1",
            "a/x.go:1.1,2.2 1 1 ",
        ] {
            let full = parse_block(line);
            match quick_block(line) {
                Some(quick) => assert_eq!(Ok(quick), full, "{line}"),
                // Counts of 20 digits are left to the full reader.
                None => assert!(
                    full.is_err() || line.rsplit(' ').next().is_some_and(|c| c.len() >= 20),
                    "{line}: the quick reader declined a line the full one reads: {full:?}"
                ),
            }
        }
    }

    #[test]
    fn malformed_profiles_name_the_line() {
        for (text, line, needle) in [
            ("", 1, "mode"),
            ("a/x.go:1.1,2.2 1 1\n", 1, "mode"),
            ("mode: sometimes\n", 1, "unknown cover mode"),
            // A mode line that would parse as a block is a mode line.
            ("mode: set\nmode: x:1.1,2.2 1 1\n", 2, "unknown cover mode"),
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
            (
                "mode: set\na/x.go:1.1,2.2 4294967296 1\n",
                2,
                "4294967296 statements in one block",
            ),
        ] {
            let (at, message) = error_line(text);
            assert_eq!(at, line, "{text:?}: {message}");
            assert!(message.contains(needle), "{text:?}: {message}");
        }
        // A name that is not UTF-8 is the line's error, as anywhere else.
        let err = read_go_cover(
            &b"mode: set\na/x\xff.go:1.1,2.2 1 1\n"[..],
            Path::new("cover.out"),
            &ReadOptions::default(),
            &mut CoverageReport::new(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("cover.out:2:") && err.contains("not UTF-8"),
            "{err}"
        );
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
