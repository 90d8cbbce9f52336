//! Any bytes read as `tollgate.toml`: a configuration or diagnostics,
//! never a panic; the checks run on a loaded configuration do not panic
//! either.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use tollgate::policy::{load_config, FileSource};

/// `tollgate.toml` is the fuzz input; every other file (a gate's policy)
/// is absent.
struct One(Vec<u8>);

impl FileSource for One {
    fn read(&self, path: &Path) -> std::io::Result<Option<Vec<u8>>> {
        Ok((path == Path::new("tollgate.toml")).then(|| self.0.clone()))
    }
    fn describe(&self) -> String {
        "fuzz input".to_owned()
    }
}

fuzz_target!(|data: &[u8]| {
    let source = One(data.to_vec());
    let Ok(config) = load_config(&source, Path::new("tollgate.toml"), true) else {
        return;
    };
    let _ = config.check_gates(&source, &["gate1".to_owned(), "gate2".to_owned()]);
    let _ = config.check_paths(Path::new(""));
    for tag in ["v1.2.3", "", "release-1.0"] {
        let _ = config.tag_pattern.is_match(tag);
    }
});
