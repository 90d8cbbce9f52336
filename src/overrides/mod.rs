//! Signed overrides and sign-offs (docs/overrides.md): parse, verify, apply.
//!
//! - [`error`]: why a document, an `allowed_signers` line, a signature or a
//!   submission does not count, one typed cause each;
//! - [`comment`]: documents and signatures posted as pull-request
//!   comments, and the comment text `tollgate override comment` prints;
//! - [`tag`]: documents and signatures in an annotated release tag's
//!   message (the comment grammar, git's own tag signature dropped);
//! - [`document`]: the `tollgate-override: 1` document, strict, from the
//!   exact bytes that were signed, and the split of a file into document and
//!   armored signatures;
//! - [`signers`]: OpenSSH `allowed_signers` files. We parse them ourselves
//!   because the `ssh-key` crate has no parser for them (and its
//!   `authorized_keys` one cannot read the principals field);
//! - [`verify`]: SSHSIG verification (the `ssh-key` crate, namespace
//!   `tollgate`) plus every binding docs/overrides.md requires: listed key, its
//!   options, repository, commit, gate, expiry, overridable rules and
//!   `min_signers` distinct principals (counted by [`crate::principals`],
//!   which also matches principal and namespace pattern lists);
//! - [`apply()`]: valid overrides turn failing rules into `overridden`;
//!   rejected documents are recorded with their reason, overrides that
//!   waive nothing become notes.
//!
//! RSA keys are refused: the `ssh-key` `rsa` feature pulls the `rsa` crate
//! with RUSTSEC-2023-0071 (Marvin timing side-channel, no fixed release), and
//! a tool that gates releases on `cargo audit` must pass its own audit.
//! ed25519 and ECDSA (P-256, P-384) keys are supported.
//!
//! Nothing here reads files or calls GitHub: the CLI reads documents from
//! `--override` files, pull-request comments and the release tag's message, and the `allowed_signers`
//! file from the same trusted source as the policy.

pub mod apply;
pub mod comment;
pub mod document;
pub mod error;
pub mod signers;
pub mod tag;
pub mod verify;

pub use apply::apply;
pub use document::{split_signed, Document, Grant};
pub use error::{OverrideError, Refused, Rejection, SignatureError, SignersLineError, Unusable};
pub use signers::AllowedSigners;
pub use verify::{
    check_all, merge, Accepted, Checked, Origin, SignatureCheck, SignatureText, Signer, Submission,
    Target, ValidOverride, NAMESPACE,
};
