//! Any text read as an annotated tag's message: never a panic; every
//! document found is UTF-8 and (unless it holds a lone carriage return,
//! which verification then rejects) canonical; git's own signature is only
//! ever cut off the end.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate::overrides::document::not_canonical;
use tollgate::overrides::tag::{submissions, without_git_signature};

fuzz_target!(|message: &str| {
    let kept = without_git_signature(message);
    assert!(
        message.starts_with(kept),
        "the signature is cut off the end only"
    );
    for s in submissions("v1.2.3", message) {
        let text = std::str::from_utf8(&s.document).expect("documents are UTF-8");
        if !text.contains('\r') {
            assert!(not_canonical(text).is_none(), "not canonical: {text:?}");
        }
        for sig in &s.signatures {
            assert!(sig.armored.starts_with("-----BEGIN"), "{:?}", sig.armored);
        }
    }
});
