//! Criterion benchmarks of coverage ingest (issue 5): tollgate's LCOV and
//! Cobertura readers on generated reports (`support/generate.rs`), and the
//! `lcov` crate on the same LCOV bytes for comparison. Throughput is in
//! bytes, so criterion prints MB/s.
//!
//! These run on in-memory inputs of tens of megabytes; `benches/compare.sh`
//! times whole 100 MB and 500 MB files with peak memory.

// `criterion_group!` defines an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use tollgate::evidence::coverage::cobertura::read_cobertura;
use tollgate::evidence::coverage::lcov::read_lcov;
use tollgate::evidence::coverage::{CoverageReport, ReadOptions};

#[path = "support/generate.rs"]
mod generate;
#[path = "support/lcov_crate.rs"]
mod lcov_crate;

const LCOV_MB: u64 = 32;
const COBERTURA_MB: u64 = 16;

fn generated(write: fn(&mut Vec<u8>, u64, u64) -> std::io::Result<()>, mb: u64) -> Vec<u8> {
    let mut data = Vec::new();
    if let Err(e) = write(&mut data, mb * 1_000_000, 42) {
        eprintln!("cannot generate benchmark input: {e}");
        std::process::exit(2);
    }
    data
}

fn lcov_ingest(c: &mut Criterion) {
    let data = generated(
        |out, bytes, seed| generate::write_lcov(out, bytes, seed),
        LCOV_MB,
    );
    let opts = ReadOptions::default();
    let mut group = c.benchmark_group("lcov");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(data.len() as u64));
    group.bench_function(BenchmarkId::new("tollgate", format!("{LCOV_MB}MB")), |b| {
        b.iter(|| {
            let mut report = CoverageReport::new();
            let read = read_lcov(
                black_box(data.as_slice()),
                Path::new("bench.info"),
                &opts,
                &mut report,
            );
            black_box((read.is_ok(), report.totals()))
        });
    });
    group.bench_function(
        BenchmarkId::new("lcov_crate", format!("{LCOV_MB}MB")),
        |b| {
            b.iter(|| {
                let report =
                    lcov::Report::from_reader(lcov::Reader::new(black_box(data.as_slice())));
                black_box(report.map(|r| lcov_crate::totals(&r)).is_ok())
            });
        },
    );
    group.finish();
}

fn cobertura_ingest(c: &mut Criterion) {
    let data = generated(
        |out, bytes, seed| generate::write_cobertura(out, bytes, seed),
        COBERTURA_MB,
    );
    let opts = ReadOptions::default();
    let mut group = c.benchmark_group("cobertura");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(data.len() as u64));
    group.bench_function(
        BenchmarkId::new("tollgate", format!("{COBERTURA_MB}MB")),
        |b| {
            b.iter(|| {
                let mut report = CoverageReport::new();
                let read = read_cobertura(
                    black_box(data.as_slice()),
                    Path::new("bench.xml"),
                    &opts,
                    &mut report,
                );
                black_box((read.is_ok(), report.totals()))
            });
        },
    );
    group.finish();
}

criterion_group!(benches, lcov_ingest, cobertura_ingest);
criterion_main!(benches);
