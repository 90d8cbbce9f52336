//! The instrumented binary's coverage output, kept across `env_clear`.
//!
//! Under cargo-llvm-cov the `tollgate` binary the tests run writes its
//! counters where `LLVM_PROFILE_FILE` says. A test that clears the
//! environment (the GitHub, judge and release scenarios do, so that the
//! runner's own `GITHUB_*` variables cannot leak in) would otherwise drop
//! that variable: the code those runs execute is tested but not counted,
//! and the binary writes `default_*.profraw` into the test's directory.
//! Outside a coverage run the variable is unset and nothing is added.

use std::ffi::OsString;

/// The variables that say where an instrumented binary writes its
/// profile, as this test process has them (none outside a coverage run).
pub fn profile_env() -> Vec<(&'static str, OsString)> {
    ["LLVM_PROFILE_FILE"]
        .into_iter()
        .filter_map(|name| std::env::var_os(name).map(|value| (name, value)))
        .collect()
}
