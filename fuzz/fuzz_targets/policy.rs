//! Any text read as a policy file: diagnostics, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate::policy::{load_policy, FileSource};

struct One(Vec<u8>);

impl FileSource for One {
    fn read(&self, _: &std::path::Path) -> std::io::Result<Option<Vec<u8>>> {
        Ok(Some(self.0.clone()))
    }
    fn describe(&self) -> String {
        "fuzz input".to_owned()
    }
}

fuzz_target!(|data: &[u8]| {
    // `extends` resolves to the same bytes again: the cycle check must hold.
    let _ = load_policy(&One(data.to_vec()), std::path::Path::new("fuzz.toml"));
});
