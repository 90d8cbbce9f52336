//! Other tools' output formats turned into tollgate's neutral evidence models.
//!
//! Nothing here knows about policies or thresholds: a reader's only job is to
//! understand a file exactly as its producer meant it, or to say precisely
//! (file, line, what) why it cannot.

pub mod audit;
pub mod bench;
pub mod coverage;
pub mod detect;
pub mod diff;
pub mod documents;
pub mod error;
pub mod github;
pub mod junit;
pub mod release;

mod json_entries;
mod json_skip;
mod text;
mod xml;

pub use error::EvidenceError;
