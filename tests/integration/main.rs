//! The integration tests, as one test binary.
//!
//! Each file below was once its own test crate; cargo linked the whole
//! library (and its ~190 dependencies) into every one of them, which on a
//! 2-core CI machine cost more than running the tests. One binary links once
//! (ripgrep keeps its integration tests the same way). Cargo.toml sets
//! `autotests = false` and names this file, so a new test file is a new
//! `mod` line here.

mod support;

// The action's installer: released binaries, pinned checksums, the source fallback.
mod action_install;
// cargo-audit reports bound to the judged Cargo.lock, refused when filtered.
mod audit_binding;
// The evidence workflow's benchmark step: a real criterion benchmark, base and head in one job.
mod bad_inputs;
mod bench_base_head;
mod bench_rounds;
mod cli;
// tollgate.toml found the same way by every command.
mod config_discovery;
// coverage.drop: coverage against the base, per path, indirect changes.
mod coverage_delta;
// [[coverage.paths]]: critical-path rules, a glob matching nothing is an error.
mod coverage_fixtures;
mod coverage_format;
mod coverage_paths;
mod coverage_props;
mod eval_props;
mod evidence_fixtures;
mod evidence_props;
mod fake_github;
// Every GitHub API call under every way GitHub fails: retries, exit codes, one check run, pending not stale.
mod faults;
// coverage.py JSON and Go cover profiles against their producers' own totals.
mod foreign_coverage;
// Inputs the fuzz targets once crashed on (docs/fuzzing.md, fixtures/fuzz/).
mod fuzz_regressions;
mod github_client;
mod github_scenarios;
// src/git.rs on throwaway repositories: base-commit reads, verbatim tags, the timeout.
mod git_ops;
mod hardening;
// `tollgate init` and its pre-push hook on real repositories.
mod init;
// `inspect` of audit, test and benchmark evidence against the producers' own figures.
mod inspect_formats;
// JaCoCo XML against JaCoCo's own counters; refusals of contradicting reports.
mod jacoco;
mod judge;
mod limits;
// `check --local` (the pre-push run) and what a local run says about its inputs.
mod local_mode;
// cargo-llvm-cov against its own totals table (function aliases, lines, regions).
mod llvm_cov;
mod overrides;
// tollgate's own gate policies match this repository (paths, benchmarks, changelog, signers).
mod own_gates;
mod patch_coverage;
// A mistake in every section of a policy, all reported in one run.
mod policy_mistakes;
mod policy_show;
mod policy_validate;
// The shipped release workflow's Gate 3 job on tag pushes.
mod release_scenarios;
mod rules;
// .ci/run's self-check policy stays gate2's own, less what only GitHub decides.
mod self_gate;
mod snapshots;
mod tag_command;
mod workflow_runner;
// The shipped workflows end to end, under the scripted runner and the fake GitHub.
mod workflow_scenarios;
mod workflows;
// Clover, SonarQube generic, NCover and CTC++ beside Cobertura: read or refused by name.
mod xml_formats;
