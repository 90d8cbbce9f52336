//! A streaming reader of `JaCoCo`'s XML report (Java, Kotlin; docs/formats.md,
//! `JaCoCo` XML): per-line data, methods, and a check of every counter
//! `JaCoCo` states against the lines it wrote.
//!
//! # What counts
//!
//! - Lines: each `<line nr mi ci mb cb>` of a `<sourcefile>`; covered when
//!   `ci` (covered instructions) is above zero, as `JaCoCo`'s LINE counter
//!   counts it (a partly covered line is covered). A line with neither
//!   missed nor covered instructions is no line to `JaCoCo` and is skipped.
//! - Branches: a line's `mb + cb` outcomes, `cb` of them covered; one
//!   branch key per outcome (block 0, numbered from 0, covered first).
//!   `JaCoCo` does not say which outcome is which, so merging two `JaCoCo`
//!   reports of the same file unites the counts, not the outcomes.
//! - Functions: `<class><method>`, covered when its METHOD counter's
//!   `covered` is 1, named `Class.method(descriptor)` (`Calc.<init>(I)V`,
//!   `Calc.lambda$run$0(I)Z`). A method is its own function even when it
//!   starts on the same line as another (a lambda on its method's line):
//!   `JaCoCo` counts each, so no line is recorded to alias them by.
//! - Counters: the LINE, BRANCH and METHOD `<counter>`s of each
//!   `<sourcefile>`, `<package>`, `<group>` and of `<report>` must equal
//!   what their content gives (a missing counter is 0/0, which is how
//!   `JaCoCo` writes an empty one). INSTRUCTION, COMPLEXITY and CLASS are
//!   checked to be numbers and not otherwise read.
//!
//! # Paths
//!
//! `JaCoCo` names a file by its package path and file name
//! (`com/example/Calc.java`), without the source root. The reader finds
//! the repository file ending with that path (`SourceIndex`): files under
//! a `src/main/java`, `src/main/kotlin` or `src/test/java` directory first,
//! then any; none or more than one is an error naming the path.
//!
//! # Errors
//!
//! Not well-formed XML, a root other than `<report>`, a second root, a
//! truncated document, a `<line>` outside a `<sourcefile>` (and the like),
//! an attribute that is not a whole non-negative number, lines out of
//! order, a counter that contradicts its content, and a method whose class
//! names no source file of its package are [`EvidenceError::Malformed`]
//! with the input's line. The DOCTYPE's `report.dtd` is never fetched.

use std::collections::HashMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use quick_xml::events::{BytesStart, Event};

use super::clover::{attr, count};
use super::cobertura::LineCounter;
use super::paths::{clean, impossible_name, leaves_root};
use super::{BranchKey, BranchName, CoverageReport, FileCoverage, ReadOptions};
use crate::evidence::EvidenceError;

/// Reads one `JaCoCo` XML report from `input` into `into`, merging with what
/// is there. `source` names the input in errors.
///
/// On error `into` may hold part of the input.
pub fn read_jacoco<R: BufRead>(
    input: R,
    source: &Path,
    opts: &ReadOptions,
    into: &mut CoverageReport,
) -> Result<(), EvidenceError> {
    let mut reader = quick_xml::Reader::from_reader(LineCounter::new(input));
    let mut state = State {
        index: opts.root().map(SourceIndex::new),
        report: into,
        stack: Vec::new(),
        root_seen: false,
    };
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let result = match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => state.start(&e),
            Ok(Event::Empty(e)) => state.start(&e).and_then(|()| state.end()),
            Ok(Event::End(_)) => state.end(),
            Ok(Event::Eof) => break,
            Ok(_) => Ok(()),
            Err(e) => Err(format!("not well-formed XML: {e}")),
        };
        if let Err(message) = result {
            return Err(EvidenceError::Malformed {
                path: source.to_path_buf(),
                line: reader.get_ref().line(),
                message,
            });
        }
    }
    let message = if !state.root_seen {
        "no XML root element (expected JaCoCo's <report>)"
    } else if !state.stack.is_empty() {
        "the document ends before `</report>` (truncated file?)"
    } else {
        return Ok(());
    };
    Err(EvidenceError::Malformed {
        path: source.to_path_buf(),
        line: reader.get_ref().line(),
        message: message.into(),
    })
}

/// Missed and covered units of one counter type.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Mc {
    missed: u64,
    covered: u64,
}

impl Mc {
    fn add(&mut self, other: Mc) {
        self.missed = self.missed.saturating_add(other.missed);
        self.covered = self.covered.saturating_add(other.covered);
    }
}

/// The three counter types tollgate gates on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Counts {
    line: Mc,
    branch: Mc,
    method: Mc,
}

impl Counts {
    fn add(&mut self, other: &Counts) {
        self.line.add(other.line);
        self.branch.add(other.branch);
        self.method.add(other.method);
    }
}

/// The counted kinds of element: those whose counters are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Report,
    Group,
    Package,
    SourceFile,
}

impl Level {
    fn tag(self) -> &'static str {
        match self {
            Self::Report => "report",
            Self::Group => "group",
            Self::Package => "package",
            Self::SourceFile => "sourcefile",
        }
    }
}

/// One open element.
enum Frame {
    /// A counted element: what its content gives and what its counters say.
    Counted {
        level: Level,
        name: String,
        computed: Counts,
        stated: Counts,
        /// Counter types already seen, so a second one is refused.
        seen: [bool; 3],
        /// For a package: its classes' methods by source file name.
        methods: HashMap<String, Vec<(String, u64)>>,
        /// For a source file: the file being filled, its path, its last line.
        /// Boxed: most frames are not source files.
        file: Option<Box<(String, FileCoverage, u32)>>,
    },
    /// A `<class>`: its name and source file.
    Class {
        name: String,
        sourcefile: Option<String>,
    },
    /// A `<method>`: its name and METHOD counter's `covered`, once seen.
    Method { name: String, covered: Option<u64> },
    /// Anything else (`<sessioninfo>`, `<counter>`, `<line>`, unknown ones).
    Leaf,
}

struct State<'a> {
    index: Option<SourceIndex>,
    report: &'a mut CoverageReport,
    stack: Vec<Frame>,
    root_seen: bool,
}

fn counted(level: Level, name: String) -> Frame {
    Frame::Counted {
        level,
        name,
        computed: Counts::default(),
        stated: Counts::default(),
        seen: [false; 3],
        methods: HashMap::new(),
        file: None,
    }
}

fn parent_level(stack: &[Frame]) -> Option<Level> {
    match stack.last() {
        Some(Frame::Counted { level, .. }) => Some(*level),
        _ => None,
    }
}

impl State<'_> {
    fn start(&mut self, e: &BytesStart<'_>) -> Result<(), String> {
        let local = e.local_name();
        let name = local.as_ref();
        let tag = String::from_utf8_lossy(name);
        if self.stack.is_empty() {
            if self.root_seen {
                return Err(format!("a second root element <{tag}> after `</report>`"));
            }
            if name != b"report" {
                return Err(format!(
                    "XML with root element <{tag}>, not JaCoCo's <report>"
                ));
            }
            self.root_seen = true;
            let report_name = attr(e, b"name")?.unwrap_or_default();
            self.stack.push(counted(Level::Report, report_name));
            return Ok(());
        }
        let parent = parent_level(&self.stack);
        let frame = match name {
            b"group" => {
                if !matches!(parent, Some(Level::Report | Level::Group)) {
                    return Err("<group> outside <report> or <group>".into());
                }
                counted(Level::Group, attr(e, b"name")?.unwrap_or_default())
            }
            b"package" => {
                if !matches!(parent, Some(Level::Report | Level::Group)) {
                    return Err("<package> outside <report> or <group>".into());
                }
                let package = attr(e, b"name")?.ok_or("<package> without `name`")?;
                counted(Level::Package, package)
            }
            b"class" => {
                if parent != Some(Level::Package) {
                    return Err("<class> outside a <package>".into());
                }
                Frame::Class {
                    name: attr(e, b"name")?.ok_or("<class> without `name`")?,
                    sourcefile: attr(e, b"sourcefilename")?,
                }
            }
            b"method" => {
                let Some(Frame::Class { name: class, .. }) = self.stack.last() else {
                    return Err("<method> outside a <class>".into());
                };
                let method = attr(e, b"name")?.ok_or("<method> without `name`")?;
                let desc = attr(e, b"desc")?.unwrap_or_default();
                if let Some(line) = attr(e, b"line")? {
                    count(&line, "line")?;
                }
                let class = class.rsplit('/').next().unwrap_or(class);
                Frame::Method {
                    name: format!("{class}.{method}{desc}"),
                    covered: None,
                }
            }
            b"sourcefile" => {
                if parent != Some(Level::Package) {
                    return Err("<sourcefile> outside a <package>".into());
                }
                let file = attr(e, b"name")?.ok_or("<sourcefile> without `name`")?;
                let path = self.resolve(&file)?;
                let (path, coverage) = self.report.take_file(path);
                let mut frame = counted(Level::SourceFile, file);
                if let Frame::Counted { file, .. } = &mut frame {
                    *file = Some(Box::new((path, coverage, 0)));
                }
                frame
            }
            b"line" => {
                self.line(e)?;
                Frame::Leaf
            }
            b"counter" => {
                self.counter(e)?;
                Frame::Leaf
            }
            _ => Frame::Leaf,
        };
        self.stack.push(frame);
        Ok(())
    }

    /// The repository path of `file` in the enclosing package.
    fn resolve(&mut self, file: &str) -> Result<String, String> {
        let mut package = None;
        let mut groups = Vec::new();
        for frame in &self.stack {
            if let Frame::Counted { level, name, .. } = frame {
                match level {
                    Level::Package => package = Some(name.as_str()),
                    Level::Group => groups.push(name.as_str()),
                    _ => {}
                }
            }
        }
        let package = clean(package.unwrap_or(""));
        let package = if package == "." {
            String::new()
        } else {
            package
        };
        if let Some(why) = impossible_name(file).or_else(|| impossible_name(&package)) {
            return Err(why);
        }
        if file.is_empty() || file.contains(['/', '\\']) || leaves_root(&package) {
            return Err(format!(
                "<sourcefile name={file:?}> in package {package:?}: not a file name in a package"
            ));
        }
        match self.index.as_mut() {
            Some(index) => index.resolve(&package, file, &groups),
            None if package.is_empty() => Ok(file.to_owned()),
            None => Ok(format!("{package}/{file}")),
        }
    }

    fn line(&mut self, e: &BytesStart<'_>) -> Result<(), String> {
        let Some(Frame::Counted {
            level: Level::SourceFile,
            computed,
            file: Some(open),
            ..
        }) = self.stack.last_mut()
        else {
            return Err("<line> outside a <sourcefile>".into());
        };
        let (_, coverage, last) = &mut **open;
        let get = |key: &[u8], what: &str| -> Result<u64, String> {
            let value = attr(e, key)?.ok_or_else(|| format!("<line> without `{what}`"))?;
            count(&value, what)
        };
        let nr = get(b"nr", "nr")?;
        let nr = u32::try_from(nr)
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("<line nr=\"{nr}\">: not a line number"))?;
        if nr <= *last {
            return Err(format!(
                "<line nr=\"{nr}\"> after line {last}: JaCoCo writes each line once, in order"
            ));
        }
        *last = nr;
        let (mi, ci, mb, cb) = (
            get(b"mi", "mi")?,
            get(b"ci", "ci")?,
            get(b"mb", "mb")?,
            get(b"cb", "cb")?,
        );
        if ci > 0 {
            computed.line.covered += 1;
            coverage.add_line(nr, ci);
        } else if mi > 0 {
            computed.line.missed += 1;
            coverage.add_line(nr, 0);
        }
        computed.branch.add(Mc {
            missed: mb,
            covered: cb,
        });
        // A corrupt count must not allocate without bound.
        let outcomes = u32::try_from(mb.saturating_add(cb).min(1 << 16)).unwrap_or(1 << 16);
        for i in 0..outcomes {
            let key = BranchKey {
                line: nr,
                block: 0,
                branch: BranchName::Index(i),
            };
            coverage.add_branch(key, Some(u64::from(u64::from(i) < cb)));
        }
        Ok(())
    }

    fn counter(&mut self, e: &BytesStart<'_>) -> Result<(), String> {
        let kind = attr(e, b"type")?.ok_or("<counter> without `type`")?;
        let missed = count(
            &attr(e, b"missed")?.ok_or("<counter> without `missed`")?,
            "missed",
        )?;
        let covered = count(
            &attr(e, b"covered")?.ok_or("<counter> without `covered`")?,
            "covered",
        )?;
        let slot = match kind.as_str() {
            "LINE" => 0,
            "BRANCH" => 1,
            "METHOD" => 2,
            "INSTRUCTION" | "COMPLEXITY" | "CLASS" => return Ok(()),
            other => {
                return Err(format!(
                    "<counter type={other:?}>: expected INSTRUCTION, BRANCH, LINE, COMPLEXITY, METHOD or CLASS"
                ))
            }
        };
        match self.stack.last_mut() {
            Some(Frame::Method { covered: seen, .. }) if slot == 2 => {
                if seen.is_some() || missed + covered != 1 {
                    return Err(format!(
                        "a method's METHOD counter must be one method, missed or covered (missed={missed} covered={covered})"
                    ));
                }
                *seen = Some(covered);
            }
            Some(Frame::Counted {
                stated,
                seen,
                level,
                ..
            }) => {
                if std::mem::replace(&mut seen[slot], true) {
                    return Err(format!("a second {kind} counter in <{}>", level.tag()));
                }
                let mc = Mc { missed, covered };
                match slot {
                    0 => stated.line = mc,
                    1 => stated.branch = mc,
                    _ => stated.method = mc,
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn end(&mut self) -> Result<(), String> {
        let Some(frame) = self.stack.pop() else {
            return Ok(());
        };
        match frame {
            Frame::Leaf | Frame::Class { .. } => Ok(()),
            Frame::Method { name, covered } => {
                let covered =
                    covered.ok_or_else(|| format!("<method> {name} without a METHOD counter"))?;
                let Some(Frame::Class {
                    sourcefile,
                    name: class,
                }) = self.stack.last()
                else {
                    return Ok(());
                };
                let Some(sourcefile) = sourcefile.clone() else {
                    return Err(format!(
                        "<class name={class:?}> has methods but no `sourcefilename` (compiled without debug information?): \
                         its methods belong to no file"
                    ));
                };
                if let Some(Frame::Counted { methods, .. }) = self.stack.iter_mut().rev().nth(1) {
                    methods.entry(sourcefile).or_default().push((name, covered));
                }
                Ok(())
            }
            Frame::Counted {
                level,
                name,
                mut computed,
                stated,
                methods,
                file,
                ..
            } => {
                if level == Level::SourceFile {
                    let Some(open) = file else {
                        return Ok(());
                    };
                    let (path, mut coverage, _) = *open;
                    let package_methods = match self.stack.last_mut() {
                        Some(Frame::Counted { methods, .. }) => methods.remove(&name),
                        _ => None,
                    };
                    for (method, covered) in package_methods.unwrap_or_default() {
                        computed.method.add(Mc {
                            missed: 1 - covered,
                            covered,
                        });
                        coverage.add_function(&method, None, covered);
                    }
                    self.report.put_file(path, coverage);
                }
                if level == Level::Package {
                    if let Some(orphan) = methods.keys().min() {
                        return Err(format!(
                            "<package name={name:?}>: classes name the source file {orphan:?}, \
                             which has no <sourcefile> in the package"
                        ));
                    }
                }
                check(level, &name, &stated, &computed)?;
                if let Some(Frame::Counted { computed: up, .. }) = self.stack.last_mut() {
                    up.add(&computed);
                }
                Ok(())
            }
        }
    }
}

/// Refuses a counter that contradicts the element's content.
fn check(level: Level, name: &str, stated: &Counts, computed: &Counts) -> Result<(), String> {
    let content = match level {
        Level::SourceFile => "its <line>s and methods",
        Level::Package => "its source files",
        Level::Group | Level::Report => "the packages in it",
    };
    for (kind, s, c) in [
        ("LINE", stated.line, computed.line),
        ("BRANCH", stated.branch, computed.branch),
        ("METHOD", stated.method, computed.method),
    ] {
        if s != c {
            return Err(format!(
                "<{} name={name:?}>: its {kind} counter says {} missed, {} covered, but {content} give {} missed, {} covered",
                level.tag(),
                s.missed,
                s.covered,
                c.missed,
                c.covered
            ));
        }
    }
    Ok(())
}

/// Source roots tried first, in this order of preference over any other
/// directory holding the package.
const SOURCE_ROOTS: [&str; 3] = ["src/main/java", "src/main/kotlin", "src/test/java"];

/// The repository's directories and file names, listed once (one
/// `read_dir` per directory, on first use), to find the file a `JaCoCo`
/// package path names.
///
/// Hidden directories (`.git`) and cache directories tagged with a
/// `CACHEDIR.TAG` (cargo's `target/`) are not listed; symbolic links to
/// directories are not followed.
#[derive(Debug)]
pub(crate) struct SourceIndex {
    root: PathBuf,
    /// Directories relative to the root (`""` for the root) and their files.
    dirs: Option<Vec<(String, Vec<String>)>>,
    /// Directory indexes by last component.
    by_last: HashMap<String, Vec<usize>>,
    /// Directories holding each package, once looked up.
    packages: HashMap<String, Vec<usize>>,
}

impl SourceIndex {
    pub(crate) fn new(root: &Path) -> Self {
        Self {
            root: root.to_path_buf(),
            dirs: None,
            by_last: HashMap::new(),
            packages: HashMap::new(),
        }
    }

    fn walk(&mut self) -> &[(String, Vec<String>)] {
        if self.dirs.is_none() {
            let mut dirs = Vec::new();
            let mut pending = vec![String::new()];
            while let Some(rel) = pending.pop() {
                let Ok(entries) = std::fs::read_dir(self.root.join(&rel)) else {
                    continue;
                };
                let mut files = Vec::new();
                let mut subdirs = Vec::new();
                for entry in entries.flatten() {
                    let name = entry.file_name().to_string_lossy().into_owned();
                    match entry.file_type() {
                        Ok(t) if t.is_dir() => {
                            if !name.starts_with('.') {
                                subdirs.push(name);
                            }
                        }
                        Ok(_) => files.push(name),
                        Err(_) => {}
                    }
                }
                if !rel.is_empty() && files.iter().any(|f| f == "CACHEDIR.TAG") {
                    continue;
                }
                for sub in subdirs {
                    pending.push(if rel.is_empty() {
                        sub
                    } else {
                        format!("{rel}/{sub}")
                    });
                }
                let last = rel.rsplit('/').next().unwrap_or("").to_owned();
                self.by_last.entry(last).or_default().push(dirs.len());
                dirs.push((rel, files));
            }
            self.dirs = Some(dirs);
        }
        self.dirs.as_deref().unwrap_or_default()
    }

    /// The repository path of `file` in `package` (`com/example`, or `""`
    /// for the default package); `groups` are the enclosing `<group>`
    /// names, which settle a tie between modules holding the same package.
    fn resolve(&mut self, package: &str, file: &str, groups: &[&str]) -> Result<String, String> {
        let wanted = if package.is_empty() {
            file.to_owned()
        } else {
            format!("{package}/{file}")
        };
        self.walk();
        if !self.packages.contains_key(package) {
            let dirs = self.dirs.as_deref().unwrap_or_default();
            let holding: Vec<usize> = if package.is_empty() {
                (0..dirs.len()).collect()
            } else {
                let last = package.rsplit('/').next().unwrap_or(package);
                let suffix = format!("/{package}");
                self.by_last
                    .get(last)
                    .map(|ids| {
                        ids.iter()
                            .copied()
                            .filter(|&i| dirs[i].0 == package || dirs[i].0.ends_with(&suffix))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            self.packages.insert(package.to_owned(), holding);
        }
        let dirs = self.dirs.as_deref().unwrap_or_default();
        let holding = self
            .packages
            .get(package)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let found: Vec<&str> = holding
            .iter()
            .filter(|&&i| dirs[i].1.iter().any(|f| f == file))
            .map(|&i| dirs[i].0.as_str())
            .collect();
        let source_root = |dir: &str| {
            let prefix = dir[..dir.len() - package.len()].trim_end_matches('/');
            SOURCE_ROOTS
                .iter()
                .position(|root| prefix == *root || prefix.ends_with(&format!("/{root}")))
        };
        // The most preferred source root that holds the file, else any.
        let best = found.iter().filter_map(|d| source_root(d)).min();
        let mut chosen: Vec<&str> = found
            .iter()
            .copied()
            .filter(|d| best.is_none() || source_root(d) == best)
            .collect();
        if chosen.len() > 1 {
            let in_group: Vec<&str> = chosen
                .iter()
                .copied()
                .filter(|d| d.split('/').any(|c| groups.contains(&c)))
                .collect();
            if in_group.len() == 1 {
                chosen = in_group;
            }
        }
        let join = |dir: &str| {
            if dir.is_empty() {
                file.to_owned()
            } else {
                format!("{dir}/{file}")
            }
        };
        match chosen.as_slice() {
            [one] => Ok(join(one)),
            [] => Err(format!(
                "no file in the repository ({}) ends with `{wanted}` (looked under {}, then in every other directory)",
                self.root.display(),
                SOURCE_ROOTS.join(", ")
            )),
            many => Err(format!(
                "`{wanted}` is ambiguous: {} files in the repository end with it ({})",
                many.len(),
                many.iter().take(5).map(|d| join(d)).collect::<Vec<_>>().join(", ")
            )),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)] // a test that cannot read its input should stop loudly
mod tests {
    use super::*;
    use crate::evidence::coverage::Tally;

    fn read_with(input: &str, opts: &ReadOptions) -> Result<CoverageReport, EvidenceError> {
        let mut report = CoverageReport::new();
        read_jacoco(input.as_bytes(), Path::new("jacoco.xml"), opts, &mut report)?;
        Ok(report)
    }

    fn read(input: &str) -> Result<CoverageReport, EvidenceError> {
        read_with(input, &ReadOptions::default())
    }

    fn t(found: u64, hit: u64) -> Tally {
        Tally { found, hit }
    }

    const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><!DOCTYPE report PUBLIC "-//JACOCO//DTD Report 1.1//EN" "report.dtd">"#;

    /// A small report in `JaCoCo` 0.8.6's shape, one element per line.
    fn small(lines: &str, file_line: &str, report_line: &str) -> String {
        format!(
            "{HEAD}<report name=\"r\">
<package name=\"p/q\">
<class name=\"p/q/A\" sourcefilename=\"A.java\">
<method name=\"&lt;init&gt;\" desc=\"()V\" line=\"3\"><counter type=\"METHOD\" missed=\"0\" covered=\"1\"/></method>
<method name=\"f\" desc=\"(I)I\" line=\"5\"><counter type=\"METHOD\" missed=\"1\" covered=\"0\"/></method>
</class>
<sourcefile name=\"A.java\">
{lines}
{file_line}<counter type=\"BRANCH\" missed=\"1\" covered=\"1\"/><counter type=\"METHOD\" missed=\"1\" covered=\"1\"/>
</sourcefile>
<counter type=\"LINE\" missed=\"1\" covered=\"1\"/><counter type=\"BRANCH\" missed=\"1\" covered=\"1\"/><counter type=\"METHOD\" missed=\"1\" covered=\"1\"/>
</package>
{report_line}<counter type=\"BRANCH\" missed=\"1\" covered=\"1\"/><counter type=\"METHOD\" missed=\"1\" covered=\"1\"/>
</report>"
        )
    }

    const LINES: &str = "<line nr=\"3\" mi=\"0\" ci=\"3\" mb=\"1\" cb=\"1\"/>\n<line nr=\"5\" mi=\"2\" ci=\"0\" mb=\"0\" cb=\"0\"/>";
    const FILE_LINE: &str = "<counter type=\"LINE\" missed=\"1\" covered=\"1\"/>";

    #[test]
    fn reads_lines_branches_and_methods() {
        let r = read(&small(LINES, FILE_LINE, FILE_LINE)).unwrap();
        let f = r.file("p/q/A.java").unwrap();
        let s = f.summary();
        assert_eq!(
            (s.lines, s.branches, s.functions),
            (t(2, 1), t(2, 1), t(2, 1))
        );
        assert_eq!(f.line_count(3), Some(3));
        assert_eq!(f.line_count(5), Some(0));
        let names: Vec<_> = f
            .functions()
            .into_iter()
            .map(|(n, _)| n.to_owned())
            .collect();
        assert_eq!(names, ["A.<init>()V", "A.f(I)I"]);
    }

    #[test]
    fn counters_that_contradict_their_content_are_refused() {
        let cases = [
            // The sourcefile's LINE counter against its lines (named at the
            // element's end, where its counters have all been read).
            (
                small(
                    LINES,
                    "<counter type=\"LINE\" missed=\"0\" covered=\"2\"/>",
                    FILE_LINE,
                ),
                11,
                "LINE counter says 0 missed, 2 covered",
            ),
            // The report's totals against its packages.
            (
                small(
                    LINES,
                    FILE_LINE,
                    "<counter type=\"LINE\" missed=\"1\" covered=\"9\"/>",
                ),
                15,
                "<report name=\"r\">: its LINE counter",
            ),
            // A line more than the counters say.
            (
                small(
                    &format!("{LINES}\n<line nr=\"7\" mi=\"1\" ci=\"0\" mb=\"0\" cb=\"0\"/>"),
                    FILE_LINE,
                    FILE_LINE,
                ),
                12,
                "its <line>s and methods give 2 missed",
            ),
        ];
        for (xml, line, needle) in cases {
            match read(&xml) {
                Err(EvidenceError::Malformed {
                    line: l, message, ..
                }) => {
                    assert!(message.contains(needle), "{message}");
                    assert_eq!(l, line, "{message}");
                }
                other => panic!("{needle}: {other:?}"),
            }
        }
    }

    #[test]
    fn bad_input_is_malformed_with_its_line() {
        for bad in [
            "<line nr=\"3\" mi=\"0\" ci=\"-3\" mb=\"1\" cb=\"1\"/>",
            "<line nr=\"3\" mi=\"0\" ci=\"x\" mb=\"1\" cb=\"1\"/>",
            "<line nr=\"0\" mi=\"0\" ci=\"3\" mb=\"1\" cb=\"1\"/>",
            "<line nr=\"3\" mi=\"0\" ci=\"3\" mb=\"1\"/>",
            "<line nr=\"3\" mi=\"0\" ci=\"3\" mb=\"1\" cb=\"1\"/><line nr=\"3\" mi=\"0\" ci=\"3\" mb=\"0\" cb=\"0\"/>",
        ] {
            match read(&small(bad, FILE_LINE, FILE_LINE)) {
                Err(EvidenceError::Malformed { line: 8, .. }) => {}
                other => panic!("{bad}: {other:?}"),
            }
        }
        for (bad, needle) in [
            ("<report name=\"r\"><line nr=\"1\" mi=\"0\" ci=\"1\" mb=\"0\" cb=\"0\"/></report>", "<line> outside a <sourcefile>"),
            ("<report name=\"r\"></report><report name=\"s\"></report>", "second root"),
            ("<report name=\"r\"><package name=\"p\">", "truncated"),
            ("<coverage/>", "not JaCoCo's <report>"),
            ("<report><counter type=\"LINE\" missed=\"1\" covered=\"0\"/></report>", "give 0 missed"),
            ("<report><package name=\"p\"><class name=\"p/A\"><method name=\"f\" desc=\"()V\"><counter type=\"METHOD\" missed=\"1\" covered=\"0\"/></method></class></package></report>", "no `sourcefilename`"),
            ("<report><package name=\"p\"><class name=\"p/A\" sourcefilename=\"A.java\"><method name=\"f\" desc=\"()V\"><counter type=\"METHOD\" missed=\"1\" covered=\"0\"/></method></class></package></report>", "which has no <sourcefile>"),
            ("<report><package name=\"p\"><class name=\"p/A\" sourcefilename=\"A.java\"><method name=\"f\" desc=\"()V\"/></class></package></report>", "without a METHOD counter"),
            ("<report><counter type=\"LINES\" missed=\"1\" covered=\"0\"/></report>", "expected INSTRUCTION"),
            ("<report><package name=\"../x\"><sourcefile name=\"A.java\"/></package></report>", "not a file name in a package"),
        ] {
            match read(bad) {
                Err(EvidenceError::Malformed { message, .. }) => {
                    assert!(message.contains(needle), "{bad}: {message}");
                }
                other => panic!("{bad}: {other:?}"),
            }
        }
    }

    #[test]
    fn the_dtd_is_never_fetched_and_empty_reports_read() {
        // An unreachable DTD: reading must not try.
        let xml = "<?xml version=\"1.0\"?><!DOCTYPE report SYSTEM \"http://127.0.0.1:9/report.dtd\"><report name=\"e\"></report>";
        assert_eq!(read(xml).unwrap().file_count(), 0);
    }

    #[test]
    fn paths_are_found_under_source_roots_with_one_listing_per_directory() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for f in [
            "a/src/main/java/p/q/A.java",
            "a/src/test/java/p/q/A.java",
            "b/src/main/java/p/q/B.java",
            "gen/p/q/G.java",
            "x/p/q/D.java",
            "y/p/q/D.java",
            "m1/src/main/java/p/q/M.java",
            "m2/src/main/java/p/q/M.java",
            "target/src/main/java/p/q/B.java",
            "Top.java",
        ] {
            let path = root.join(f);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
        std::fs::write(root.join("target/CACHEDIR.TAG"), "").unwrap();
        let mut index = SourceIndex::new(root);
        assert_eq!(
            index.resolve("p/q", "A.java", &[]).unwrap(),
            "a/src/main/java/p/q/A.java"
        );
        assert_eq!(
            index.resolve("p/q", "B.java", &[]).unwrap(),
            "b/src/main/java/p/q/B.java"
        );
        assert_eq!(
            index.resolve("p/q", "G.java", &[]).unwrap(),
            "gen/p/q/G.java"
        );
        assert_eq!(index.resolve("", "Top.java", &[]).unwrap(), "Top.java");
        let err = index.resolve("p/q", "D.java", &[]).unwrap_err();
        assert!(err.contains("`p/q/D.java` is ambiguous: 2 files"), "{err}");
        assert!(index.resolve("p/q", "M.java", &[]).is_err());
        assert_eq!(
            index.resolve("p/q", "M.java", &["modules", "m2"]).unwrap(),
            "m2/src/main/java/p/q/M.java"
        );
        let err = index.resolve("p/q", "Z.java", &[]).unwrap_err();
        assert!(
            err.contains("ends with `p/q/Z.java`") && err.contains("src/main/java"),
            "{err}"
        );
        assert_eq!(index.packages.len(), 2, "one lookup per package");
    }
}
