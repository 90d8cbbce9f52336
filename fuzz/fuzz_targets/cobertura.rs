//! Any bytes read as Cobertura XML: never a panic; tallies that agree with
//! the data they summarise.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use tollgate::evidence::coverage::cobertura::read_cobertura;
use tollgate::evidence::coverage::{CoverageReport, ReadOptions};

fuzz_target!(|data: &[u8]| {
    let mut report = CoverageReport::new();
    let _ = read_cobertura(
        data,
        Path::new("fuzz.xml"),
        &ReadOptions::default(),
        &mut report,
    );
    for (_, file) in report.files() {
        let s = file.summary();
        assert_eq!(s.lines.found, file.lines().count() as u64);
        assert!(s.lines.hit <= s.lines.found);
        assert_eq!(s.branches.found, file.branches().len() as u64);
        assert_eq!(s.functions.found, file.functions().len() as u64);
    }
});
