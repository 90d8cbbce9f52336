//! Any bytes read as one benchmark of a criterion tree: never a panic;
//! what is accepted is a finite, non-negative time.
//!
//! The input is up to four files separated by a 0xFF byte (which JSON text
//! never holds): `new/estimates.json`, `base/estimates.json`,
//! `change/estimates.json` and `new/benchmark.json`; an absent or empty
//! part leaves that file out. They are written under a scratch directory
//! of this process (the reader takes a tree, not bytes).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate::evidence::bench::read_criterion;

#[path = "common.rs"]
mod common;

const FILES: [&str; 4] = [
    "new/estimates.json",
    "base/estimates.json",
    "change/estimates.json",
    "new/benchmark.json",
];

fuzz_target!(|data: &[u8]| {
    let root = common::scratch().join("criterion");
    let bench = root.join("group").join("bench");
    let mut parts = data.split(|&b| b == 0xFF);
    for name in FILES {
        let path = bench.join(name);
        match parts.next().filter(|p| !p.is_empty()) {
            Some(part) => {
                std::fs::create_dir_all(path.parent().expect("parent")).expect("tree");
                std::fs::write(&path, part).expect("write");
            }
            None => {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
    let Ok(benchmarks) = read_criterion(&root, None) else {
        return;
    };
    for b in &benchmarks {
        assert!(
            b.value.is_finite() && b.value >= 0.0,
            "{}: value {}",
            b.id,
            b.value
        );
        if let Some(base) = b.baseline {
            assert!(base.is_finite() && base >= 0.0, "{}: baseline {base}", b.id);
        }
    }
});
