//! Files for test repositories: copying this crate's trees into them and
//! writing small files, shared by the workflow, release and action tests.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

/// This crate's root (where `Cargo.toml` is).
pub fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Copies the file or directory tree `from` to `to`, creating parents.
pub fn copy_into(from: &Path, to: &Path) {
    if from.is_dir() {
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            copy_into(&entry.path(), &to.join(entry.file_name()));
        }
    } else {
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(from, to).unwrap();
    }
}

/// Writes each `(path, text)` under `root`, creating parents.
pub fn write_files(root: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}
