//! Any bytes read as a signed override document: never a panic; an
//! accepted document is canonical text and holds the fields it must (a
//! full lowercase commit id, a gate, a repository); splitting off the
//! signatures never loses or invents document bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate::overrides::document::{armored_blocks, not_canonical};
use tollgate::overrides::{split_signed, Document};

fuzz_target!(|data: &[u8]| {
    if let Ok(doc) = Document::parse("fuzz.txt", data) {
        let text = std::str::from_utf8(data).expect("an accepted document is UTF-8");
        assert!(
            not_canonical(text).is_none(),
            "accepted but not canonical: {text:?}"
        );
        assert_eq!(doc.commit.len(), 40, "commit {:?}", doc.commit);
        assert!(
            doc.commit
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')),
            "commit {:?}",
            doc.commit
        );
        assert!(!doc.gate.is_empty() && !doc.repository.is_empty());
        let _ = doc.kind();
    }
    let (document, signatures) = split_signed(data);
    assert!(
        data.starts_with(document),
        "the document is a prefix of the input"
    );
    assert!(signatures.len() <= armored_blocks(data).len());
});
