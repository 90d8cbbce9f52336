//! Generates large coverage reports and times ingesting them, for
//! `benches/compare.sh` . Not part of tollgate itself.
//!
//! ```text
//! ingest gen-lcov MB SEED OUT [FILES] write a generated LCOV file of about MB megabytes
//!                                    (over FILES source files; default: by size)
//! ingest gen-cobertura MB SEED OUT   the same in Cobertura XML
//! ingest gen-junit TESTCASES SEED OUT a JUnit XML file of TESTCASES testcases (nextest's shape)
//! ingest tollgate FILE...            read with tollgate's readers, merged into one report
//! ingest lcov-crate FILE...          read with the `lcov` crate, sections merged per file
//! ```
//!
//! The two readers print the same summary line (files, lines, branches,
//! functions found/hit) so the script can check that they agree before it
//! compares their speed, then `seconds=` and `MB/s=`.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use tollgate::evidence::coverage::{read_coverage_file, CoverageReport, ReadOptions, Tally};

#[path = "generate.rs"]
mod generate;
#[path = "lcov_crate.rs"]
mod lcov_crate;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("gen-lcov") if args.len() == 5 => generate_lcov_files(&args[1..]),
        Some("gen-lcov") => generate_file(&args[1..], generate::write_lcov),
        Some("gen-cobertura") => generate_file(&args[1..], generate::write_cobertura),
        Some("gen-junit") => generate_junit(&args[1..]),
        Some("tollgate") => timed(&args[1..], tollgate_totals),
        Some("lcov-crate") => timed(&args[1..], lcov_crate_totals),
        _ => Err(
            "usage: ingest gen-lcov|gen-cobertura MB SEED OUT | gen-junit TESTCASES SEED OUT | tollgate|lcov-crate FILE...".into(),
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

fn generate_lcov_files(args: &[String]) -> Result<(), String> {
    let [mb, seed, out, files] = args else {
        return Err("expected MB SEED OUT FILES".into());
    };
    let files: usize = files.parse().map_err(|e| format!("FILES: {e}"))?;
    generate_file(
        &[mb.clone(), seed.clone(), out.clone()],
        move |f, bytes, seed| generate::write_lcov_files(f, bytes, seed, files),
    )
}

fn generate_junit(args: &[String]) -> Result<(), String> {
    let [testcases, seed, out] = args else {
        return Err("expected TESTCASES SEED OUT".into());
    };
    let testcases: u64 = testcases.parse().map_err(|e| format!("TESTCASES: {e}"))?;
    let seed: u64 = seed.parse().map_err(|e| format!("SEED: {e}"))?;
    let file = std::fs::File::create(out).map_err(|e| format!("{out}: {e}"))?;
    generate::write_junit(file, testcases, seed).map_err(|e| format!("{out}: {e}"))
}

fn generate_file(
    args: &[String],
    write: impl Fn(std::fs::File, u64, u64) -> std::io::Result<()>,
) -> Result<(), String> {
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
    // writeln! rather than println!: a closed or full stdout is an error, not a panic.
    writeln!(
        std::io::stdout().lock(),
        "files={files} lines={}/{} branches={}/{} functions={}/{}\nseconds={seconds:.3} MB/s={:.1}",
        lines.hit,
        lines.found,
        branches.hit,
        branches.found,
        functions.hit,
        functions.found,
        bytes as f64 / 1e6 / seconds
    )
    .map_err(|e| format!("standard output: {e}"))
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

/// What a user of the `lcov` crate has to do for the same answer: read
/// each file into a `Report`, merge the reports, then union each source
/// file's sections across test names.
fn lcov_crate_totals(paths: &[PathBuf]) -> Result<Totals, String> {
    let mut merged = lcov::Report::new();
    for path in paths {
        let report =
            lcov::Report::from_file(path).map_err(|e| format!("{}: {e}", path.display()))?;
        merged.merge(report).map_err(|e| e.to_string())?;
    }
    Ok(lcov_crate::totals(&merged))
}
