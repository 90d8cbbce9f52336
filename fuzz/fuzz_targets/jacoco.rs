//! Any bytes read as a JaCoCo XML: never a panic or an overflow; the same
//! answer however the input is buffered; tallies that agree with the data
//! they summarise (hit <= found everywhere, totals the sum of the files).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate::evidence::coverage::jacoco::read_jacoco;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    common::coverage_reader(data, "fuzz/jacoco.xml", |input, source, opts, into| {
        read_jacoco(input, source, opts, into)
    });
});
