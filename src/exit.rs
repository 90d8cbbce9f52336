//! Process exit codes, as documented in the README and docs/reports.md.
//!
//! The gate's verdict and the tool's own failures never share a code, so a
//! script can tell "the commit is not good enough" from "tollgate could not
//! judge" (cargo-audit conflates them; we do not).

/// The gate passed (possibly with overrides applied).
pub const PASSED: u8 = 0;
/// The gate failed: at least one rule failed or errored.
pub const FAILED: u8 = 1;
/// Usage, configuration or input error: bad policy, malformed or unreadable evidence.
pub const INPUT_ERROR: u8 = 2;
/// The verdict could not be reported where asked (GitHub API failure after retries).
pub const REPORT_ERROR: u8 = 3;
