//! Placeholder until the ingest benchmarks land.
fn main() {}
