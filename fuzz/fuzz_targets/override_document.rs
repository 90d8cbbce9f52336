//! Any bytes read as a signed override document: never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = tollgate::overrides::Document::parse("fuzz.txt", data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = tollgate::overrides::split_signed(text.as_bytes());
    }
});
