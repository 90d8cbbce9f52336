//! Any text read as cargo-audit JSON: a report or an error naming a line,
//! never a panic; the summary of a report agrees with it. The same text is
//! also read as a Cargo.lock (the audit rules locate packages in it).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate::evidence::audit::{lockfile_line, lockfile_packages, parse_audit};

fuzz_target!(|text: &str| {
    if let Ok(report) = parse_audit(std::path::Path::new("fuzz.json"), text) {
        let summary = report.summary();
        for (kind, count) in &summary.warnings {
            assert_eq!(
                report.warning_count(kind),
                *count,
                "warning count of {kind:?}"
            );
        }
    }
    // Cargo writes `name` before `version`, so a listed package has a line
    // only then; here only "never a panic" is asked of both.
    for (name, version) in lockfile_packages(text).into_iter().take(4) {
        let _ = lockfile_line(text, &name, &version);
    }
});
