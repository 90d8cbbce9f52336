//! Any bytes read as a Cobertura XML: never a panic or an overflow; the same
//! answer however the input is buffered; tallies that agree with the data
//! they summarise (hit <= found everywhere, totals the sum of the files).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate::evidence::coverage::cobertura::read_cobertura;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    common::coverage_reader(data, "fuzz/coverage.xml", |input, source, opts, into| {
        read_cobertura(input, source, opts, into)
    });
});
