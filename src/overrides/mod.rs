//! Signed overrides and sign-offs (SPEC section 3): parse, verify, apply.
//!
//! - [`document`]: the `tollgate-override: 1` document, strict, from the
//!   exact bytes that were signed, and the split of a file into document and
//!   armored signatures;
//! - [`signers`]: OpenSSH `allowed_signers` files. We parse them ourselves
//!   because the `ssh-key` crate has no parser for them (and its
//!   `authorized_keys` one cannot read the principals field);
//! - [`pattern`]: OpenSSH pattern lists for principals and namespaces;
//! - [`verify`]: SSHSIG verification (the `ssh-key` crate, namespace
//!   `tollgate`) plus every binding the SPEC requires: listed key, its
//!   options, repository, commit, gate, expiry, overridable rules and
//!   `min_signers` distinct principals;
//! - [`apply()`]: valid overrides turn failing rules into `overridden`;
//!   rejected documents and overrides that waive nothing become notes.
//!
//! RSA keys are refused: the `ssh-key` `rsa` feature pulls the `rsa` crate
//! with RUSTSEC-2023-0071 (Marvin timing side-channel, no fixed release), and
//! a tool that gates releases on `cargo audit` must pass its own audit.
//! ed25519 and ECDSA (P-256, P-384) keys are supported.
//!
//! Nothing here reads files: the CLI reads documents from `--override` and
//! the `allowed_signers` file from the same trusted source as the policy.

pub mod apply;
pub mod document;
pub mod pattern;
pub mod signers;
pub mod verify;

pub use apply::apply;
pub use document::{split_signed, Document, Grant};
pub use signers::AllowedSigners;
pub use verify::{
    assign_distinct, check_all, merge, Accepted, Checked, SignatureCheck, SignatureText, Signer,
    Submission, Target, ValidOverride, NAMESPACE,
};

/// A document or `allowed_signers` file that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OverrideError {
    /// The document breaks the format.
    #[error("{file}:{line}: {message}")]
    Document {
        /// File.
        file: String,
        /// 1-based line (0 when not tied to a line).
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The `allowed_signers` file breaks the format.
    #[error("{file}:{line}: {message}")]
    Signers {
        /// File.
        file: String,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
}
