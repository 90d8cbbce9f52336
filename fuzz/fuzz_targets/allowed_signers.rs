//! Any text read as an OpenSSH allowed_signers file: never a panic; every
//! entry of an accepted file names at least one principal, and the usability
//! check on it does not panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let Ok(signers) = tollgate::overrides::AllowedSigners::parse("allowed_signers", text) else {
        return;
    };
    let now = chrono::DateTime::UNIX_EPOCH;
    for entry in &signers.entries {
        assert!(
            !entry.identities().is_empty(),
            "no principal: {}",
            entry.location
        );
        let _ = entry.usable("tollgate", now);
        let _ = signers.entries_for(entry.key.key_data()).count();
    }
});
