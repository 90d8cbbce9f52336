//! Any text read as cargo-audit JSON: a report or an error naming a line, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = tollgate::evidence::audit::parse_audit(std::path::Path::new("fuzz.json"), text);
});
