//! Any text read as JUnit XML: a run or an error naming a line, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = tollgate::evidence::junit::parse_junit(std::path::Path::new("fuzz.xml"), text);
});
