//! Any text read as an armored SSH signature over a fixed document, against
//! the committed test allowed_signers: never a panic, and never `Valid` for
//! a document other than the one signed.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use tollgate::overrides::verify::verify_signature;
use tollgate::overrides::{AllowedSigners, SignatureCheck, SignatureText};

/// The committed test signers (fixtures/overrides; test-only keys).
fn signers() -> &'static AllowedSigners {
    static SIGNERS: OnceLock<AllowedSigners> = OnceLock::new();
    SIGNERS.get_or_init(|| {
        AllowedSigners::parse(
            "allowed_signers",
            include_str!("../../fixtures/overrides/allowed_signers"),
        )
        .expect("the committed allowed_signers parses")
    })
}

/// The document the seed signatures sign (fixtures/overrides/docs).
const DOCUMENT: &[u8] = include_bytes!("../../fixtures/overrides/docs/one-signer.txt");

fuzz_target!(|armored: &str| {
    let now = chrono::DateTime::UNIX_EPOCH;
    let sig = SignatureText {
        source: "fuzz.sig".to_owned(),
        armored: armored.to_owned(),
    };
    let _ = verify_signature(DOCUMENT, &sig, signers(), now);
    // Any change to the signed bytes must invalidate every signature.
    let mut other = DOCUMENT.to_vec();
    other.push(b'\n');
    let check = verify_signature(&other, &sig, signers(), now);
    assert!(
        !matches!(check, SignatureCheck::Valid(_)),
        "a signature verified over bytes it does not sign"
    );
});
