//! Any bytes read as an evidence file of unknown kind: format detection
//! (the XML head sniffer, the file detector) and the coverage entry point
//! that picks a reader by content, strict and lenient: never a panic; a
//! report read keeps the coverage invariants.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate::evidence::coverage::{
    read_coverage_file_with, CoverageReport, ReadOptions, Strictness,
};
use tollgate::evidence::detect::{detect_file, sniff_xml};

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let _ = sniff_xml(data);
    let path = common::scratch_file("evidence", data);
    let _ = detect_file(&path);
    for strictness in [Strictness::Lenient, Strictness::Strict] {
        let mut report = CoverageReport::new();
        if read_coverage_file_with(&path, &ReadOptions::default(), strictness, &mut report).is_ok()
        {
            common::report_ok(&report);
        }
    }
});
