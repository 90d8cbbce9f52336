//! Any text read as a benchmark JSON format (BMF, github-action-benchmark, hyperfine): never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = tollgate::evidence::bench::parse_bench_json(std::path::Path::new("fuzz.json"), text);
});
