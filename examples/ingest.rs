//! Generates large coverage reports and times ingesting them, for
//! `benches/compare.sh` (issue 5). Not part of tollgate itself.
//!
//! ```text
//! ingest gen-lcov MB SEED OUT        write a generated LCOV file of about MB megabytes
//! ingest gen-cobertura MB SEED OUT   the same in Cobertura XML
//! ingest tollgate FILE...            read with tollgate's readers, merged into one report
//! ingest lcov-crate FILE...          read with the `lcov` crate, sections merged per file
//! ```
//!
//! The two readers print the same summary line (files, lines, branches,
//! functions found/hit) so the script can check that they agree before it
//! compares their speed, then `seconds=` and `MB/s=`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use tollgate::evidence::coverage::{read_coverage_file, CoverageReport, ReadOptions, Tally};

#[path = "../benches/support/generate.rs"]
mod generate;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("gen-lcov") => generate_file(&args[1..], generate::write_lcov),
        Some("gen-cobertura") => generate_file(&args[1..], generate::write_cobertura),
        Some("tollgate") => timed(&args[1..], tollgate_totals),
        Some("lcov-crate") => timed(&args[1..], lcov_crate_totals),
        _ => Err(
            "usage: ingest gen-lcov|gen-cobertura MB SEED OUT | tollgate|lcov-crate FILE...".into(),
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("ingest: {message}");
            ExitCode::FAILURE
        }
    }
}

type Writer = fn(std::fs::File, u64, u64) -> std::io::Result<()>;

fn generate_file(args: &[String], write: Writer) -> Result<(), String> {
    let [mb, seed, out] = args else {
        return Err("expected MB SEED OUT".into());
    };
    let mb: u64 = mb.parse().map_err(|e| format!("MB: {e}"))?;
    let seed: u64 = seed.parse().map_err(|e| format!("SEED: {e}"))?;
    let file = std::fs::File::create(out).map_err(|e| format!("{out}: {e}"))?;
    write(file, mb * 1_000_000, seed).map_err(|e| format!("{out}: {e}"))
}

/// Files, lines, branches, functions.
type Totals = (usize, Tally, Tally, Tally);

fn timed(files: &[String], read: fn(&[PathBuf]) -> Result<Totals, String>) -> Result<(), String> {
    let paths: Vec<PathBuf> = files.iter().map(PathBuf::from).collect();
    let bytes: u64 = paths
        .iter()
        .map(|p| {
            std::fs::metadata(p)
                .map(|m| m.len())
                .map_err(|e| format!("{}: {e}", p.display()))
        })
        .sum::<Result<u64, String>>()?;
    let start = Instant::now();
    let (files, lines, branches, functions) = read(&paths)?;
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "files={files} lines={}/{} branches={}/{} functions={}/{}",
        lines.hit, lines.found, branches.hit, branches.found, functions.hit, functions.found
    );
    println!(
        "seconds={seconds:.3} MB/s={:.1}",
        bytes as f64 / 1e6 / seconds
    );
    Ok(())
}

fn tollgate_totals(paths: &[PathBuf]) -> Result<Totals, String> {
    let mut report = CoverageReport::new();
    let opts = ReadOptions::default();
    for path in paths {
        read_coverage_file(path, &opts, &mut report).map_err(|e| e.to_string())?;
    }
    let t = report.totals();
    Ok((report.file_count(), t.lines, t.branches, t.functions))
}

/// One source file's data, merged across the `lcov` crate's sections.
#[derive(Default)]
struct PerFile {
    lines: BTreeMap<u32, u64>,
    branches: BTreeMap<(u32, u32, u32), Option<u64>>,
    functions: BTreeMap<String, u64>,
}

/// What a user of the `lcov` crate has to do for the same answer: read each
/// file into a `Report`, merge the reports, then union each source file's
/// sections across test names (the crate keeps them apart).
fn lcov_crate_totals(paths: &[PathBuf]) -> Result<Totals, String> {
    let mut merged = lcov::Report::new();
    for path in paths {
        let report =
            lcov::Report::from_file(path).map_err(|e| format!("{}: {e}", path.display()))?;
        merged.merge(report).map_err(|e| e.to_string())?;
    }
    let mut files: BTreeMap<&Path, PerFile> = BTreeMap::new();
    for (key, section) in &merged.sections {
        let file = files.entry(key.source_file.as_path()).or_default();
        for (k, v) in &section.lines {
            *file.lines.entry(k.line).or_default() += v.count;
        }
        for (k, v) in &section.branches {
            let slot = file
                .branches
                .entry((k.line, k.block, k.branch))
                .or_default();
            *slot = match (*slot, v.taken) {
                (Some(a), Some(b)) => Some(a + b),
                (a, b) => a.or(b),
            };
        }
        for (k, v) in &section.functions {
            *file.functions.entry(k.name.clone()).or_default() += v.count;
        }
    }
    let (mut lines, mut branches, mut functions) =
        (Tally::default(), Tally::default(), Tally::default());
    for f in files.values() {
        lines += tally(f.lines.values().map(|&c| c > 0));
        branches += tally(f.branches.values().map(|t| t.is_some_and(|c| c > 0)));
        functions += tally(f.functions.values().map(|&c| c > 0));
    }
    Ok((files.len(), lines, branches, functions))
}

fn tally(hits: impl Iterator<Item = bool>) -> Tally {
    let mut t = Tally::default();
    for hit in hits {
        t.found += 1;
        t.hit += u64::from(hit);
    }
    t
}
