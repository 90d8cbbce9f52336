//! Any bytes read as a LCOV tracefile: never a panic or an overflow; the same
//! answer however the input is buffered; tallies that agree with the data
//! they summarise (hit <= found everywhere, totals the sum of the files).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate::evidence::coverage::lcov::read_lcov;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    common::coverage_reader(data, "fuzz/lcov.info", |input, source, opts, into| {
        read_lcov(input, source, opts, into)
    });
});
