//! Any text read as a benchmark JSON format (BMF, github-action-benchmark,
//! hyperfine): never a panic; what is accepted has plausible values (a
//! finite, non-negative time; a baseline only with a value).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate::evidence::bench::{parse_bench_json, Unit};

fuzz_target!(|text: &str| {
    let Ok((_, benchmarks)) = parse_bench_json(std::path::Path::new("fuzz.json"), text) else {
        return;
    };
    for b in &benchmarks {
        assert!(b.value.is_finite(), "{}: value {}", b.id, b.value);
        if b.unit == Unit::Nanoseconds {
            assert!(b.value >= 0.0, "{}: a negative time {}", b.id, b.value);
        }
        if let Some(base) = b.baseline {
            assert!(base.is_finite(), "{}: baseline {base}", b.id);
        }
        let _ = b.worsening();
    }
    let _ = tollgate::evidence::bench::summary(&benchmarks);
});
