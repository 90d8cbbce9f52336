//! Any bytes read as an evidence artifact (a zip from GitHub's Actions
//! API, hostile input): never a panic; what is written stays under the
//! target directory at a wanted path, within the size caps.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate::github::artifact::{extract, Limits};

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let dir = common::scratch().join("artifact");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("artifact directory");
    let wanted = ["coverage".to_owned(), "target/junit.xml".to_owned()];
    let limits = Limits {
        max_file_bytes: 1 << 20,
        max_total_bytes: 4 << 20,
        max_entries: 64,
    };
    let Ok(extraction) = extract(data, &dir, &wanted, &limits) else {
        return;
    };
    let mut total = 0u64;
    for name in &extraction.written {
        assert!(
            wanted
                .iter()
                .any(|w| name == w || name.starts_with(&format!("{w}/"))),
            "wrote an unwanted entry {name:?}"
        );
        let path = dir.join(name);
        let meta = std::fs::symlink_metadata(&path).expect("a written file exists");
        assert!(meta.is_file(), "{name:?} is not a regular file");
        assert!(meta.len() <= limits.max_file_bytes);
        total += meta.len();
    }
    assert!(total <= limits.max_total_bytes);
});
