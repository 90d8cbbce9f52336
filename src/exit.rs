//! Process exit codes; docs/reports.md ("Exit codes") is their contract.
//!
//! The gate's verdict and the tool's own failures never share a code, so a
//! script can tell "the commit is not good enough" from "tollgate could not
//! judge" (cargo-audit conflates them; we do not).

/// The gate passed (possibly with overrides applied); for `override verify`,
/// every document counts; for any other command, it did what was asked.
pub const PASSED: u8 = 0;
/// The gate did not pass: a rule failed or errored, or in a dry run some rule
/// could not be decided; for `override verify`, some document does not count.
pub const FAILED: u8 = 1;
/// Usage, configuration or input error: a bad flag or policy, malformed or
/// unreadable evidence; also a standard output that cannot be written (a
/// closed pipe is not an error: the command exits as if it had been read).
pub const INPUT_ERROR: u8 = 2;
/// GitHub could not be reached or refused, after retries: reading what the
/// gate needs (reviews, check runs and statuses, pull-request files) or
/// posting the verdict.
pub const REPORT_ERROR: u8 = 3;
