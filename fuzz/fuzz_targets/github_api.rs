//! Any text read as a GitHub API response body (every wire shape the
//! client decodes), with the first line also read as a `Link` header:
//! never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let (link, body) = text.split_once('\n').unwrap_or(("", text));
    let _ = tollgate::github::fuzzing::decode_responses(body, link);
    let _ = tollgate::github::fuzzing::decode_responses(text, "");
});
