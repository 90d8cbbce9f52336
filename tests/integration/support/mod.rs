//! Shared test support, included by integration tests with `mod support;`.
//!
//! Each integration test crate uses a different part of this module, so the
//! parts one crate does not use would otherwise warn as dead code.
#![allow(dead_code)]
// Test support may panic: a fake server that cannot start is a failed test.
#![allow(clippy::panic)]

pub mod coverage;
pub mod fake_github;
pub mod files;
pub mod git;
pub mod raw_http;
pub mod runner;
