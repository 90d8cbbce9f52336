//! Deterministic generators of large, realistic coverage reports for the
//! ingest benchmarks (`benches/ingest.rs`) and the comparison script
//! (`benches/compare.sh` via `benches/support/compare_ingest.rs`). Never committed output:
//! the same seed and size always give the same bytes.
//!
//! The LCOV shape follows what a monorepo's merged tracefile looks like
//! (issue 5): thousands of source files under an absolute CI checkout path,
//! each appearing once per test (`TN`) section, with `FN`/`FNDA`, `BRDA`
//! (about a third never evaluated, `-`), `DA`, and the summary records
//! producers write. It sticks to the records the `lcov` crate can read, so
//! both readers can be timed on the same file.

use std::io::{self, Write};

/// A small, fast, seeded PRNG (xorshift64*): reproducible without a crate.
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed` (any value, zero included).
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x9E37_79B9_7F4A_7C15 | 1)
    }

    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A value in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// A value in `0..n` (`n > 0`) as a `u32`.
    pub fn below_u32(&mut self, n: u32) -> u32 {
        u32::try_from(self.below(u64::from(n))).unwrap_or(0)
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// The static shape of one source file: which lines are instrumented,
/// where functions start, which lines branch.
struct SourceShape {
    path: String,
    lines: Vec<u32>,
    functions: Vec<(u32, String)>,
    branch_lines: Vec<(u32, u32)>, // (line, number of outcomes)
}

fn shapes(rng: &mut Rng, files: usize) -> Vec<SourceShape> {
    (0..files)
        .map(|i| {
            let length = 40 + rng.below_u32(1400);
            let lines: Vec<u32> = (1..=length).filter(|_| rng.chance(62)).collect();
            let mut functions = Vec::new();
            let mut branch_lines = Vec::new();
            for &line in &lines {
                if rng.chance(7) {
                    let k = functions.len();
                    let hash = rng.next();
                    let name = format!(
                        "_ZN4mono5crate{}{i}6module{}8function{k}17h{hash:016x}E",
                        i / 50,
                        i % 7
                    );
                    functions.push((line, name));
                }
                if rng.chance(12) {
                    let outcomes = if rng.chance(80) {
                        2
                    } else {
                        2 + rng.below_u32(4)
                    };
                    branch_lines.push((line, outcomes));
                }
            }
            SourceShape {
                path: format!(
                    "/home/runner/work/mono/mono/crates/c{:03}/src/m{i:05}.rs",
                    i / 50
                ),
                lines,
                functions,
                branch_lines,
            }
        })
        .collect()
}

/// How many source files a report of `bytes` gets: enough that each file
/// appears in several test sections at the 100 MB scale and many at 500 MB.
fn file_count(bytes: u64) -> usize {
    (bytes / 80_000).clamp(20, 4000) as usize
}

/// A counter of what was written, to stop at the requested size.
struct Counting<W> {
    inner: W,
    written: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Writes an LCOV tracefile of about `bytes` bytes (it stops at the first
/// section boundary past the size).
pub fn write_lcov<W: Write>(out: W, bytes: u64, seed: u64) -> io::Result<()> {
    write_lcov_files(out, bytes, seed, file_count(bytes))
}

/// [`write_lcov`] over `files` source files: at a fixed size, many files
/// appear in few test sections each, few files in many (issue 14 measures
/// how cost grows with each).
pub fn write_lcov_files<W: Write>(out: W, bytes: u64, seed: u64, files: usize) -> io::Result<()> {
    let mut rng = Rng::new(seed);
    let files = shapes(&mut rng, files.max(1));
    let mut out = Counting {
        inner: io::BufWriter::with_capacity(1 << 20, out),
        written: 0,
    };
    let mut test = 0u32;
    'outer: loop {
        test += 1;
        for file in &files {
            if out.written >= bytes {
                break 'outer;
            }
            if !rng.chance(85) {
                continue;
            }
            // Hot code is hot in every test; cold code mostly never runs.
            let heat = rng.below(100);
            writeln!(out, "TN:test_{test}")?;
            writeln!(out, "SF:{}", file.path)?;
            let mut hit_functions = 0;
            for (line, name) in &file.functions {
                writeln!(out, "FN:{line},{name}")?;
            }
            let mut counts = Vec::with_capacity(file.functions.len());
            for _ in &file.functions {
                let count = if rng.below(100) < heat {
                    rng.below(40) + 1
                } else {
                    0
                };
                hit_functions += u64::from(count > 0);
                counts.push(count);
            }
            for ((_, name), count) in file.functions.iter().zip(counts) {
                writeln!(out, "FNDA:{count},{name}")?;
            }
            writeln!(out, "FNF:{}\nFNH:{hit_functions}", file.functions.len())?;
            let (mut found, mut hit) = (0, 0);
            for &(line, outcomes) in &file.branch_lines {
                let evaluated = rng.below(100) < heat;
                for branch in 0..outcomes {
                    found += 1;
                    if evaluated {
                        let taken = if rng.chance(60) {
                            rng.below(500) + 1
                        } else {
                            0
                        };
                        hit += u64::from(taken > 0);
                        writeln!(out, "BRDA:{line},0,{branch},{taken}")?;
                    } else {
                        writeln!(out, "BRDA:{line},0,{branch},-")?;
                    }
                }
            }
            writeln!(out, "BRF:{found}\nBRH:{hit}")?;
            let mut lines_hit = 0;
            for &line in &file.lines {
                let count = if rng.below(100) < heat {
                    rng.below(3000) + 1
                } else {
                    0
                };
                lines_hit += u64::from(count > 0);
                writeln!(out, "DA:{line},{count}")?;
            }
            writeln!(
                out,
                "LF:{}\nLH:{lines_hit}\nend_of_record",
                file.lines.len()
            )?;
        }
    }
    out.flush()
}

/// Writes a Cobertura XML document of about `bytes` bytes, in the shape
/// lcov2cobertura and gcovr write: one class per file with its methods,
/// and lines with `condition-coverage` where they branch.
pub fn write_cobertura<W: Write>(out: W, bytes: u64, seed: u64) -> io::Result<()> {
    let mut rng = Rng::new(seed);
    let mut out = Counting {
        inner: io::BufWriter::with_capacity(1 << 20, out),
        written: 0,
    };
    writeln!(out, r#"<?xml version="1.0" ?>"#)?;
    writeln!(
        out,
        r#"<!DOCTYPE coverage SYSTEM "http://cobertura.sourceforge.net/xml/coverage-04.dtd">"#
    )?;
    writeln!(
        out,
        r#"<coverage branch-rate="0.5" branches-covered="1" branches-valid="2" complexity="0" line-rate="0.5" lines-covered="1" lines-valid="2" timestamp="1700000000" version="2.0.3">"#
    )?;
    writeln!(
        out,
        "\t<sources>\n\t\t<source>/home/runner/work/mono/mono</source>\n\t</sources>\n\t<packages>"
    )?;
    let mut package = 0;
    while out.written < bytes {
        let files = shapes(&mut rng, 20);
        writeln!(
            out,
            r#"		<package branch-rate="0.5" complexity="0" line-rate="0.5" name="crates.p{package}">"#
        )?;
        writeln!(out, "\t\t\t<classes>")?;
        for (i, file) in files.iter().enumerate() {
            let filename = format!("crates/p{package:04}/src/m{i:02}.rs");
            let heat = rng.below(100);
            let hits: Vec<u64> = file
                .lines
                .iter()
                .map(|_| {
                    if rng.below(100) < heat {
                        rng.below(3000) + 1
                    } else {
                        0
                    }
                })
                .collect();
            writeln!(
                out,
                r#"				<class branch-rate="0.5" complexity="0" filename="{filename}" line-rate="0.5" name="m{i:02}.rs">"#
            )?;
            writeln!(out, "\t\t\t\t\t<methods>")?;
            for (line, name) in &file.functions {
                let idx = file.lines.binary_search(line).unwrap_or(0);
                let h = hits.get(idx).copied().unwrap_or(0);
                writeln!(
                    out,
                    r#"						<method branch-rate="0" complexity="0" line-rate="{}" name="{name}" signature="">"#,
                    u8::from(h > 0)
                )?;
                writeln!(out, "\t\t\t\t\t\t\t<lines>\n\t\t\t\t\t\t\t\t<line branch=\"false\" hits=\"{h}\" number=\"{line}\"/>\n\t\t\t\t\t\t\t</lines>\n\t\t\t\t\t\t</method>")?;
            }
            writeln!(out, "\t\t\t\t\t</methods>\n\t\t\t\t\t<lines>")?;
            let mut branches = file.branch_lines.iter().peekable();
            for (&line, &h) in file.lines.iter().zip(&hits) {
                if branches.peek().is_some_and(|&&(l, _)| l == line) {
                    let (_, total) = branches.next().copied().unwrap_or((line, 2));
                    let covered = if h > 0 {
                        rng.below(u64::from(total) + 1)
                    } else {
                        0
                    };
                    let pct = covered * 100 / u64::from(total);
                    writeln!(
                        out,
                        r#"						<line branch="true" condition-coverage="{pct}% ({covered}/{total})" hits="{h}" number="{line}"/>"#
                    )?;
                } else {
                    writeln!(
                        out,
                        r#"						<line branch="false" hits="{h}" number="{line}"/>"#
                    )?;
                }
            }
            writeln!(out, "\t\t\t\t\t</lines>\n\t\t\t\t</class>")?;
        }
        writeln!(out, "\t\t\t</classes>\n\t\t</package>")?;
        package += 1;
    }
    writeln!(out, "\t</packages>\n</coverage>")?;
    out.flush()
}

/// Writes a JUnit XML document of `testcases` testcases in the shape
/// cargo-nextest writes: one `<testsuite>` per test binary of about 200
/// testcases, each an empty `<testcase name classname timestamp time/>`,
/// with one in 500 failing (a `<failure message type>` with a body, as
/// nextest writes a panic) and one in 100 skipped. The suites' counters
/// agree with their testcases, so the whole file reads without a
/// contradiction.
// The criterion bench includes this file too and reads no JUnit; counting
// outcomes is not worth a bytecount dependency.
#[allow(dead_code, clippy::naive_bytecount)]
pub fn write_junit<W: Write>(out: W, testcases: u64, seed: u64) -> io::Result<()> {
    let mut rng = Rng::new(seed);
    let mut out = io::BufWriter::with_capacity(1 << 20, out);
    let per_suite = 200;
    // Decide every outcome first, so the counters can be written ahead.
    let outcomes: Vec<u8> = (0..testcases)
        .map(|_| match rng.below(1000) {
            0 | 1 => 1,  // failure
            2..=11 => 2, // skipped
            _ => 0,      // pass
        })
        .collect();
    let count = |slice: &[u8], what: u8| slice.iter().filter(|&&o| o == what).count();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="nextest-run" tests="{testcases}" skipped="{}" failures="{}" errors="0" timestamp="2026-11-25T14:11:59.942+00:00" time="12.173">"#,
        count(&outcomes, 2),
        count(&outcomes, 1)
    )?;
    for (s, chunk) in outcomes
        .chunks(usize::try_from(per_suite).unwrap_or(200))
        .enumerate()
    {
        writeln!(
            out,
            r#"    <testsuite name="crate-{s:05}" tests="{}" skipped="{}" errors="0" failures="{}">"#,
            chunk.len(),
            count(chunk, 2),
            count(chunk, 1)
        )?;
        for (i, &outcome) in chunk.iter().enumerate() {
            let time = rng.below(900) + 1;
            let head = format!(
                r#"        <testcase name="tests::case_{i:04}" classname="crate-{s:05}" timestamp="2026-11-25T14:11:59.943+00:00" time="0.{time:03}""#
            );
            match outcome {
                1 => writeln!(
                    out,
                    "{head}>\n            <failure message=\"thread &apos;tests::case_{i:04}&apos; panicked at src/lib.rs:{time}:13\" type=\"test failure with exit code 101\">thread &apos;tests::case_{i:04}&apos; panicked at src/lib.rs:{time}:13:\nassertion `left == right` failed\n  left: 4\n right: 5</failure>\n        </testcase>"
                )?,
                2 => writeln!(out, "{head}>\n            <skipped/>\n        </testcase>")?,
                _ => writeln!(out, "{head}/>")?,
            }
        }
        writeln!(out, "    </testsuite>")?;
    }
    writeln!(out, "</testsuites>")?;
    out.flush()
}
