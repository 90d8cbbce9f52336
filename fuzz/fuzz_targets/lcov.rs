//! Any bytes read as LCOV: never a panic, never an overflow; the same
//! answer (report or error) however the input is cut into buffers; and
//! tallies that agree with the data they summarise.
#![no_main]

use std::io::BufReader;
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use tollgate::evidence::coverage::lcov::read_lcov;
use tollgate::evidence::coverage::{CoverageReport, ReadOptions};

fuzz_target!(|data: &[u8]| {
    let opts = ReadOptions::default();
    let mut whole = CoverageReport::new();
    let first = read_lcov(data, Path::new("fuzz.info"), &opts, &mut whole);
    let mut pieces = CoverageReport::new();
    let second = read_lcov(
        BufReader::with_capacity(7, data),
        Path::new("fuzz.info"),
        &opts,
        &mut pieces,
    );
    assert_eq!(format!("{first:?}"), format!("{second:?}"));
    if first.is_ok() {
        assert_eq!(whole, pieces);
    }
    for (_, file) in whole.files() {
        let s = file.summary();
        assert_eq!(s.lines.found, file.lines().count() as u64);
        assert_eq!(
            s.lines.hit,
            file.lines().filter(|&(_, c)| c > 0).count() as u64
        );
        assert_eq!(s.branches.found, file.branches().len() as u64);
        assert_eq!(s.functions.found, file.functions().len() as u64);
    }
});
