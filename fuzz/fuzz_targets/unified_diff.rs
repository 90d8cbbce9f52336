//! Any text read as a unified diff (`git diff`, or a PR file's `patch`
//! from GitHub's API): never a panic or an overflow; the added lines of
//! every file are sorted, distinct, and every file with added
//! lines is among the touched ones.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate::evidence::diff::{add_patch, parse_unified_diff, ChangedLines};

fn check(changes: &ChangedLines) {
    for (path, lines) in &changes.files {
        assert!(
            lines.windows(2).all(|w| w[0] < w[1]),
            "{path}: lines not sorted and distinct: {lines:?}"
        );
        assert!(
            changes.touches(path),
            "{path} has added lines but is not touched"
        );
    }
}

fuzz_target!(|text: &str| {
    check(&parse_unified_diff(text));
    let mut changes = ChangedLines::default();
    add_patch(&mut changes, "src/lib.rs", text);
    check(&changes);
});
