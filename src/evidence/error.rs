//! Errors raised while reading evidence files.

use std::path::PathBuf;

/// An evidence file could not be read or understood.
///
/// Every variant names the file; parse errors also name the line, so a user
/// can open the file at the spot that was wrong.
#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    /// The file could not be opened or read.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The file that failed.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The path is not a regular file, or is larger than its cap.
    #[error(transparent)]
    Input(crate::input::InputError),
    /// The file was read but its content is malformed.
    #[error("{path}:{line}: {message}")]
    Malformed {
        /// The file that failed.
        path: PathBuf,
        /// 1-based line number of the offending content.
        line: u64,
        /// What was wrong, in words a user can act on.
        message: String,
    },
    /// A tool run to gather evidence failed (for example `cargo metadata`
    /// on a broken manifest).
    #[error("{path}: {tool} failed: {source}")]
    Command {
        /// The file the tool was run on.
        path: PathBuf,
        /// The tool, as a user would type it.
        tool: String,
        /// The tool's own error (for `cargo metadata`, a
        /// `cargo_metadata::Error` carrying cargo's standard error).
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The file's format could not be recognised.
    #[error("{path}: unrecognised format: {message}")]
    UnknownFormat {
        /// The file that failed.
        path: PathBuf,
        /// What was seen instead of a known format.
        message: String,
    },
}

/// An I/O failure stays [`EvidenceError::Io`] (callers and tests match on
/// it); a refused special file or a file over its cap is
/// [`EvidenceError::Input`].
impl From<crate::input::InputError> for EvidenceError {
    fn from(e: crate::input::InputError) -> Self {
        match e {
            crate::input::InputError::Io { path, source } => Self::Io { path, source },
            other => Self::Input(other),
        }
    }
}
