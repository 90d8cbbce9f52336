//! Any text read as an OpenSSH allowed_signers file: never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = tollgate::overrides::AllowedSigners::parse("allowed_signers", text);
});
