//! Any bytes read as a benchmark commits record (`tollgate-bench.json`):
//! never a panic; an accepted record names full commit ids and at most
//! `MAX_ROUNDS` rounds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate::evidence::bench::{read_bench_commits, MAX_ROUNDS};

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let path = common::scratch_file("tollgate-bench.json", data);
    let Ok(record) = read_bench_commits(&path) else {
        return;
    };
    for id in [&record.base, &record.head] {
        assert!(matches!(id.len(), 40 | 64), "not a full commit id: {id:?}");
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "not hex: {id:?}");
    }
    assert!(record.rounds.len() <= MAX_ROUNDS);
});
