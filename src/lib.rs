//! tollgate: decides whether a commit may pass a release gate, and says why.
//!
//! The crate follows one verdict from the edges to the middle and back out:
//! [`evidence`] turns other tools' outputs into neutral models, [`policy`]
//! turns policy files into validated rules, [`gather`] collects the
//! evidence a gate needs from an evidence root and the trusted repository,
//! [`eval`] is the pure judge, and [`report`] renders the resulting
//! [`eval::Verdict`]. Only [`cli`] wires the pieces together.
#![forbid(unsafe_code)]

pub mod cli;
pub mod context;
pub mod eval;
pub mod evidence;
pub mod exit;
pub mod gather;
pub mod git;
pub mod github;
pub mod overrides;
pub mod policy;
pub mod report;
