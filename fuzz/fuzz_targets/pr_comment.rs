//! Any text read as a pull-request comment: never a panic, every document
//! found is canonical text, and a rendered comment reads back as itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate::overrides::comment::{render, submissions, Comment};
use tollgate::overrides::document::not_canonical;

fuzz_target!(|data: &[u8]| {
    let Ok(body) = std::str::from_utf8(data) else {
        return;
    };
    let comment = Comment {
        id: 1,
        author: Some("fuzz"),
        url: None,
        body,
    };
    for s in submissions(&comment) {
        let text = std::str::from_utf8(&s.document).expect("documents are UTF-8");
        // A lone carriage return survives (the document is then rejected
        // as not canonical); everything else must be canonical and read
        // back the same from what `override comment` would print.
        if text.contains('\r') {
            continue;
        }
        assert!(not_canonical(text).is_none(), "not canonical: {text:?}");
        let signatures: Vec<String> = s.signatures.iter().map(|x| x.armored.clone()).collect();
        let again = submissions(&Comment {
            body: &render("fuzz", text, &signatures),
            ..comment
        });
        assert_eq!(again.first().map(|a| &a.document), Some(&s.document));
    }
});
