//! The `lcov` crate's route to the figures tollgate computes, for the
//! comparisons in `benches/ingest.rs` and `benches/compare.sh`: after
//! `Report::from_reader`/`merge`, a user still has to union each source
//! file's sections across test names (the crate keeps them apart) to get
//! per-file and total coverage. That work is counted, so the comparison is
//! like for like.

use std::collections::BTreeMap;
use std::path::Path;

use tollgate::evidence::coverage::Tally;

/// One source file's data, merged across the crate's sections.
#[derive(Default)]
struct PerFile {
    lines: BTreeMap<u32, u64>,
    branches: BTreeMap<(u32, u32, u32), Option<u64>>,
    functions: BTreeMap<String, u64>,
}

/// Files, lines, branches and functions of a merged `lcov::Report`.
pub fn totals(report: &lcov::Report) -> (usize, Tally, Tally, Tally) {
    let mut files: BTreeMap<&Path, PerFile> = BTreeMap::new();
    for (key, section) in &report.sections {
        let file = files.entry(key.source_file.as_path()).or_default();
        for (k, v) in &section.lines {
            let slot = file.lines.entry(k.line).or_default();
            *slot = slot.saturating_add(v.count);
        }
        for (k, v) in &section.branches {
            let slot = file
                .branches
                .entry((k.line, k.block, k.branch))
                .or_default();
            *slot = match (*slot, v.taken) {
                (Some(a), Some(b)) => Some(a.saturating_add(b)),
                (a, b) => a.or(b),
            };
        }
        for (k, v) in &section.functions {
            let slot = file.functions.entry(k.name.clone()).or_default();
            *slot = slot.saturating_add(v.count);
        }
    }
    let (mut lines, mut branches, mut functions) =
        (Tally::default(), Tally::default(), Tally::default());
    for f in files.values() {
        lines += tally(f.lines.values().map(|&c| c > 0));
        branches += tally(f.branches.values().map(|t| t.is_some_and(|c| c > 0)));
        functions += tally(f.functions.values().map(|&c| c > 0));
    }
    (files.len(), lines, branches, functions)
}

fn tally(hits: impl Iterator<Item = bool>) -> Tally {
    let mut t = Tally::default();
    for hit in hits {
        t.found += 1;
        t.hit += u64::from(hit);
    }
    t
}
