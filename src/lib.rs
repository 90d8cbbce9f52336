//! tollgate: decides whether a commit may pass a release gate, and says why.
//!
//! The crate follows one verdict from the edges to the middle and back out:
//! [`evidence`] turns other tools' outputs into neutral models, [`policy`]
//! turns policy files into validated rules, [`eval`] is the pure judge, and
//! [`report`] renders the resulting [`eval::Verdict`]. Only [`cli`] wires
//! the pieces together; [`rules`] is the catalogue of every rule id they share.
#![forbid(unsafe_code)]

pub mod cli;
pub mod context;
pub mod eval;
pub mod evidence;
pub mod exit;
pub mod git;
pub mod github;
pub mod overrides;
pub mod policy;
pub mod report;
pub mod rules;
