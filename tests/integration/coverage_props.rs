//! Property tests of the coverage readers and model (issues 2 and 5):
//!
//! - the fast LCOV reader agrees with a small, obviously correct reference
//!   reader written here (String lines, `split`, `BTreeMap`s) on random
//!   tracefiles mixing every record kind and quirk it accepts;
//! - merging is order-independent: any permutation of sections, and any
//!   split of them into several input files, gives the same report;
//! - totals are the sum of the per-file figures, and the running tallies
//!   equal a recount of the per-line, per-branch and per-function data.
// Property failures should stop loudly; the reference reader's float count
// is finite, positive and rounded up before its cast.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

use proptest::prelude::*;
use tollgate::evidence::coverage::lcov::read_lcov;
use tollgate::evidence::coverage::{CoverageReport, CoverageSummary, ReadOptions, Tally};

// ---------------------------------------------------------------------------
// Random tracefiles

#[derive(Debug, Clone)]
enum Record {
    Da {
        line: u32,
        count: String,
        checksum: bool,
    },
    Brda {
        line: u32,
        flags: &'static str,
        block: u32,
        branch: String,
        taken: Option<u64>,
    },
    Fn {
        start: u32,
        end: Option<u32>,
        name: String,
    },
    Fnda {
        count: u64,
        name: String,
    },
    Fnl {
        index: u32,
        start: u32,
    },
    Fna {
        index: u32,
        count: u64,
        name: String,
    },
    Summary(&'static str, u32),
    Mcdc,
    Comment,
    Blank,
}

#[derive(Debug, Clone)]
struct Section {
    test_name: Option<String>,
    path: &'static str,
    records: Vec<Record>,
}

const PATHS: &[&str] = &["src/a.rs", "./src/a.rs", "src/b.rs", "lib/c.py", "d.c"];
const NAMES: &[&str] = &["main", "f", "g<int>", "a,b", "Square.area", "f@12"];
const BRANCHES: &[&str] = &[
    "0",
    "1",
    "2",
    "jump to line 5",
    "return from function 'f, g'",
    "exit the module",
    "",
];
const FLAGS: &[&str] = &["", "e", "f", "U", "eU"];

fn count_text() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => (0u64..4).prop_map(|c| c.to_string()),
        1 => (0u64..u64::MAX).prop_map(|c| c.to_string()),
        1 => prop_oneof![Just("1.5"), Just("0.0"), Just("0.75"), Just("2e3"), Just("0.25")].prop_map(str::to_owned),
    ]
}

fn record() -> impl Strategy<Value = Record> {
    let line = 0u32..60;
    let name = proptest::sample::select(NAMES).prop_map(str::to_owned);
    prop_oneof![
        // `DA` lines count from 1 (line 0 and negative counts are input
        // errors, tested in the reader's own tests).
        8 => (1u32..60, count_text(), any::<bool>())
            .prop_map(|(line, count, checksum)| Record::Da { line, count, checksum }),
        3 => (line.clone(), proptest::sample::select(FLAGS), 0u32..3, proptest::sample::select(BRANCHES), proptest::option::of(0u64..3))
            .prop_map(|(line, flags, block, branch, taken)| Record::Brda { line, flags, block, branch: branch.to_owned(), taken }),
        2 => (line.clone(), proptest::option::of(0u32..80), name.clone())
            .prop_map(|(start, end, name)| Record::Fn { start, end, name }),
        2 => (0u64..3, name.clone()).prop_map(|(count, name)| Record::Fnda { count, name }),
        1 => (0u32..4, line).prop_map(|(index, start)| Record::Fnl { index, start }),
        1 => (0u32..4, 0u64..3, name).prop_map(|(index, count, name)| Record::Fna { index, count, name }),
        1 => (proptest::sample::select(&["LF", "LH", "BRF", "BRH", "FNF", "FNH", "MCF", "MCH"][..]), 0u32..100)
            .prop_map(|(k, v)| Record::Summary(k, v)),
        1 => Just(Record::Mcdc),
        1 => Just(Record::Comment),
        1 => Just(Record::Blank),
    ]
}

fn section() -> impl Strategy<Value = Section> {
    (
        proptest::option::of(prop_oneof![
            Just("unit".to_owned()),
            Just("it".to_owned()),
            Just(String::new())
        ]),
        proptest::sample::select(PATHS),
        proptest::collection::vec(record(), 0..25),
    )
        .prop_map(|(test_name, path, records)| Section {
            test_name,
            path,
            records,
        })
}

fn render(sections: &[Section], crlf: bool) -> String {
    let nl = if crlf { "\r\n" } else { "\n" };
    let mut out = String::new();
    for s in sections {
        if let Some(t) = &s.test_name {
            write!(out, "TN:{t}{nl}").unwrap();
        }
        write!(out, "SF:{}{nl}", s.path).unwrap();
        for r in &s.records {
            let line = match r {
                Record::Da {
                    line,
                    count,
                    checksum,
                } => {
                    if *checksum {
                        format!("DA:{line},{count},q2+7w")
                    } else {
                        format!("DA:{line},{count}")
                    }
                }
                Record::Brda {
                    line,
                    flags,
                    block,
                    branch,
                    taken,
                } => {
                    let taken = taken.map_or("-".to_owned(), |t| t.to_string());
                    format!("BRDA:{line},{flags}{block},{branch},{taken}")
                }
                Record::Fn {
                    start,
                    end: Some(end),
                    name,
                } => format!("FN:{start},{end},{name}"),
                Record::Fn {
                    start,
                    end: None,
                    name,
                } => format!("FN:{start},{name}"),
                Record::Fnda { count, name } => format!("FNDA:{count},{name}"),
                Record::Fnl { index, start } => format!("FNL:{index},{start}"),
                Record::Fna { index, count, name } => format!("FNA:{index},{count},{name}"),
                Record::Summary(k, v) => format!("{k}:{v}"),
                Record::Mcdc => "MCDC:3,2,t,1,0,a == b".to_owned(),
                Record::Comment => "# a comment".to_owned(),
                Record::Blank => String::new(),
            };
            out += &line;
            out += nl;
        }
        write!(out, "end_of_record{nl}").unwrap();
    }
    out
}

fn read(text: &str) -> CoverageReport {
    let mut report = CoverageReport::new();
    read_lcov(
        text.as_bytes(),
        Path::new("prop.info"),
        &ReadOptions::default(),
        &mut report,
    )
    .unwrap_or_else(|e| panic!("{e}\n---\n{text}"));
    report
}

// ---------------------------------------------------------------------------
// The reference reader: as plain as it can be.

#[derive(Debug, Default, PartialEq)]
struct RefFile {
    lines: BTreeMap<u32, u64>,
    /// (line, block, branch) -> taken, `None` = never evaluated.
    branches: BTreeMap<(u32, u32, String), Option<u64>>,
    /// name -> (smallest start line, count).
    functions: BTreeMap<String, (Option<u32>, u64)>,
}

fn ref_count(text: &str) -> u64 {
    match text.parse::<u64>() {
        Ok(n) => n,
        Err(_) if text.bytes().all(|b| b.is_ascii_digit()) => u64::MAX - 1, // too many digits
        Err(_) => {
            let f: f64 = text.parse().unwrap();
            if f <= 0.0 {
                0
            } else {
                f.ceil() as u64
            }
        }
    }
}

fn add(a: u64, b: u64) -> u64 {
    a.saturating_add(b).min(u64::MAX - 1)
}

fn ref_function(file: &mut RefFile, name: &str, line: Option<u32>, count: u64) {
    let slot = file.functions.entry(name.to_owned()).or_insert((None, 0));
    slot.0 = match (slot.0, line) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    slot.1 = add(slot.1, count);
}

/// An `FNL` group: its start line and its `FNA` aliases with their counts.
type RefGroup = (Option<u32>, Vec<(String, u64)>);

fn reference(text: &str) -> BTreeMap<String, RefFile> {
    let mut files: BTreeMap<String, RefFile> = BTreeMap::new();
    let mut current: Option<String> = None;
    // FNL index -> (start line, [(alias, count)])
    let mut groups: BTreeMap<u32, RefGroup> = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        if line == "end_of_record" {
            let path = current.take().unwrap();
            let file = files.entry(path).or_default();
            for (_, (start, aliases)) in std::mem::take(&mut groups) {
                let name = aliases
                    .iter()
                    .map(|(n, _)| n.clone())
                    .min()
                    .unwrap_or_else(|| format!("<function at line {}>", start.unwrap_or(0)));
                let count = aliases.iter().fold(0, |acc, (_, c)| add(acc, *c));
                ref_function(file, &name, start, count);
            }
            continue;
        }
        let (key, rest) = line.split_once(':').unwrap();
        if key == "SF" {
            let path = rest.strip_prefix("./").unwrap_or(rest).to_owned();
            files.entry(path.clone()).or_default();
            current = Some(path);
            continue;
        }
        let Some(path) = &current else { continue };
        let file = files.get_mut(path).unwrap();
        let fields: Vec<&str> = rest.split(',').collect();
        match key {
            "DA" => {
                let slot = file.lines.entry(fields[0].parse().unwrap()).or_insert(0);
                *slot = add(*slot, ref_count(fields[1]));
            }
            "BRDA" => {
                let (head, taken) = rest.rsplit_once(',').unwrap();
                let mut parts = head.splitn(3, ',');
                let line: u32 = parts.next().unwrap().parse().unwrap();
                let block: u32 = parts
                    .next()
                    .unwrap()
                    .trim_start_matches(['e', 'f', 'U'])
                    .parse()
                    .unwrap();
                let branch = parts.next().unwrap().to_owned();
                let taken = (taken != "-").then(|| ref_count(taken));
                let slot = file.branches.entry((line, block, branch)).or_insert(None);
                *slot = match (*slot, taken) {
                    (Some(a), Some(b)) => Some(add(a, b)),
                    (a, b) => a.or(b),
                };
            }
            "FN" => {
                let start: u32 = fields[0].parse().unwrap();
                let after = rest.split_once(',').unwrap().1;
                // A second field is an end line only when a name follows it.
                let name = match after.split_once(',') {
                    Some((end, name)) if end.parse::<u32>().is_ok() && !name.is_empty() => name,
                    _ => after,
                };
                ref_function(file, name, Some(start), 0);
            }
            "FNDA" => {
                let (count, name) = rest.split_once(',').unwrap();
                ref_function(file, name, None, ref_count(count));
            }
            "FNL" => {
                let group = groups
                    .entry(fields[0].parse().unwrap())
                    .or_insert((None, Vec::new()));
                let start: u32 = fields[1].parse().unwrap();
                group.0 = Some(group.0.map_or(start, |s: u32| s.min(start)));
            }
            "FNA" => {
                let group = groups
                    .entry(fields[0].parse().unwrap())
                    .or_insert((None, Vec::new()));
                let name = rest.splitn(3, ',').nth(2).unwrap().to_owned();
                group.1.push((name, ref_count(fields[1])));
            }
            _ => {}
        }
    }
    files
}

fn as_reference(report: &CoverageReport) -> BTreeMap<String, RefFile> {
    report
        .files()
        .map(|(path, f)| {
            let file = RefFile {
                lines: f.lines().collect(),
                branches: f
                    .branches()
                    .into_iter()
                    .map(|(k, t)| ((k.line, k.block, k.branch.to_string()), t))
                    .collect(),
                functions: f
                    .functions()
                    .into_iter()
                    .map(|(n, f)| (n.to_owned(), (f.line, f.count)))
                    .collect(),
            };
            (path.to_owned(), file)
        })
        .collect()
}

/// Recounts a file's figures from its data, independently of the tallies
/// the model keeps as records arrive.
fn recount(file: &RefFile) -> CoverageSummary {
    let tally = |found: usize, hit: usize| Tally {
        found: found as u64,
        hit: hit as u64,
    };
    CoverageSummary {
        lines: tally(
            file.lines.len(),
            file.lines.values().filter(|&&c| c > 0).count(),
        ),
        branches: tally(
            file.branches.len(),
            file.branches
                .values()
                .filter(|t| t.is_some_and(|c| c > 0))
                .count(),
        ),
        functions: {
            // Names at one first line are one function, hit if any name is;
            // a name without a line counts alone.
            let mut sites: BTreeMap<Result<u32, &str>, u64> = BTreeMap::new();
            for (name, &(line, count)) in &file.functions {
                let site = sites.entry(line.ok_or(name.as_str())).or_insert(0);
                *site = site.saturating_add(count);
            }
            tally(sites.len(), sites.values().filter(|&&c| c > 0).count())
        },
        // LCOV has no regions and no statements.
        regions: None,
        statements: None,
    }
}

// ---------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn fast_reader_agrees_with_reference(sections in proptest::collection::vec(section(), 1..8), crlf in any::<bool>()) {
        let text = render(&sections, crlf);
        let fast = read(&text);
        prop_assert_eq!(as_reference(&fast), reference(&text));
    }

    #[test]
    fn tallies_equal_a_recount_and_totals_the_sum(sections in proptest::collection::vec(section(), 1..8)) {
        let report = read(&render(&sections, false));
        let mut sum = CoverageSummary::default();
        for (path, file) in as_reference(&report) {
            let f = report.file(&path).unwrap();
            prop_assert_eq!(f.summary(), recount(&file), "{}", path);
            // Patch coverage's question: known lines and their counts.
            for (&line, &count) in &file.lines {
                prop_assert_eq!(f.line_count(line), Some(count));
            }
            prop_assert_eq!(f.line_count(10_000), None);
            sum += f.summary();
        }
        prop_assert_eq!(report.totals(), sum);
        prop_assert_eq!(report.totals_where(|_| true), sum);
    }

    #[test]
    fn merging_is_order_independent(
        (sections, shuffled) in proptest::collection::vec(section(), 1..8)
            .prop_flat_map(|s| (Just(s.clone()), Just(s).prop_shuffle())),
        split in 0usize..8,
    ) {
        let in_order = read(&render(&sections, false));
        // Another order, in one file.
        prop_assert_eq!(&read(&render(&shuffled, false)), &in_order);
        // The other order split into two input files read into one report.
        let split = split.min(shuffled.len());
        let (first, second) = shuffled.split_at(split);
        let mut two_files = CoverageReport::new();
        for part in [second, first] {
            if !part.is_empty() {
                read_lcov(render(part, true).as_bytes(), Path::new("p"), &ReadOptions::default(), &mut two_files).unwrap();
            }
        }
        prop_assert_eq!(&two_files, &in_order);
        // Two reports read apart, then merged.
        let mut merged = if first.is_empty() { CoverageReport::new() } else { read(&render(first, false)) };
        if !second.is_empty() {
            merged.merge(read(&render(second, false)));
        }
        prop_assert_eq!(&merged, &in_order);
    }
}
