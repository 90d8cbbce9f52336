//! Opening files of outside input with limits: only regular files, and at
//! most a size cap per kind of input, so that a FIFO, a device or a file
//! that never ends cannot hang tollgate or exhaust its memory.
//!
//! Every reader of evidence, policy, configuration, `allowed_signers` and
//! override documents opens its file through [`open_input`] or
//! [`read_input`]. The caps and the environment variables that change them
//! are documented in `docs/formats.md` ("Limits on inputs").

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

/// What a file is read as; each kind has its own size cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// A coverage report (LCOV, Cobertura, ...): large, read streaming.
    Coverage,
    /// A tool report read whole: cargo-audit JSON, JUnit XML, benchmark
    /// results, a GitHub event payload.
    Report,
    /// A small hand-written document: a policy, `tollgate.toml`,
    /// `allowed_signers`, an override or sign-off document and its
    /// signatures.
    Document,
}

impl InputKind {
    /// The cap when its environment variable is not set.
    #[must_use]
    pub const fn default_cap(self) -> u64 {
        match self {
            Self::Coverage => 4 << 30,
            Self::Report => 256 << 20,
            Self::Document => 1 << 20,
        }
    }

    /// The environment variable that sets this kind's cap, in bytes.
    #[must_use]
    pub const fn variable(self) -> &'static str {
        match self {
            Self::Coverage => "TOLLGATE_MAX_COVERAGE_BYTES",
            Self::Report => "TOLLGATE_MAX_REPORT_BYTES",
            Self::Document => "TOLLGATE_MAX_DOCUMENT_BYTES",
        }
    }

    /// The kind in words, for messages.
    #[must_use]
    pub const fn describe(self) -> &'static str {
        match self {
            Self::Coverage => "coverage report",
            Self::Report => "report",
            Self::Document => "document",
        }
    }

    /// The cap in force: the environment variable when it holds a number
    /// of bytes, else the default. A value that is not a number is an
    /// error rather than silently the default, so a typo never leaves a
    /// cap other than the one meant.
    pub fn cap(self) -> Result<u64, InputError> {
        match std::env::var(self.variable()) {
            Ok(text) => text.trim().parse::<u64>().map_err(|_| InputError::BadCap {
                variable: self.variable(),
                value: text,
            }),
            Err(_) => Ok(self.default_cap()),
        }
    }
}

/// A file of outside input that may not be read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The file could not be examined, opened or read.
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error (`NotFound` for a missing file).
        #[source]
        source: std::io::Error,
    },
    /// The path names something other than a regular file.
    #[error("{}: {}", path.display(), not_regular(what, *kind))]
    NotRegular {
        /// The file.
        path: PathBuf,
        /// What it is instead ("a FIFO", "a directory").
        what: &'static str,
        /// What it was to be read as.
        kind: InputKind,
    },
    /// The file is larger than its kind's cap.
    #[error(
        "{}: {} is larger than the {} cap of {cap} bytes (set {} to change it)",
        path.display(), size_words(*size, *cap), kind.describe(), kind.variable()
    )]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size, or `None` when it grew past the cap while read.
        size: Option<u64>,
        /// The cap in force.
        cap: u64,
        /// What it was read as.
        kind: InputKind,
    },
    /// A configured path resolves (through a symlink) outside the
    /// directory it must stay in.
    #[error("{}: resolves to {}, outside {} (a symlink out of the evidence directory is not evidence)", path.display(), target.display(), root.display())]
    Outside {
        /// The path as configured.
        path: PathBuf,
        /// Where it leads.
        target: PathBuf,
        /// The directory it must stay in.
        root: PathBuf,
    },
    /// A cap's environment variable does not hold a number of bytes.
    #[error("{variable}={value:?} is not a number of bytes")]
    BadCap {
        /// The variable.
        variable: &'static str,
        /// What it holds.
        value: String,
    },
}

fn not_regular(what: &str, kind: InputKind) -> String {
    format!(
        "is {what}, not a regular file (a {} must be a regular file)",
        kind.describe()
    )
}

fn size_words(size: Option<u64>, cap: u64) -> String {
    match size {
        Some(size) => format!("{size} bytes"),
        None => format!("more than {cap} bytes (it grew while read)"),
    }
}

impl InputError {
    /// Whether the file does not exist (callers treat that as missing
    /// evidence or a missing file, not as a bad input).
    #[must_use]
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound)
    }

    /// The file the error is about, if it is about one.
    #[must_use]
    pub fn path(&self) -> Option<&Path> {
        match self {
            Self::Io { path, .. }
            | Self::NotRegular { path, .. }
            | Self::TooLarge { path, .. }
            | Self::Outside { path, .. } => Some(path),
            Self::BadCap { .. } => None,
        }
    }

    /// This error as an [`std::io::Error`], for interfaces that carry one
    /// (the policy's file sources); the message still names the file.
    #[must_use]
    pub fn into_io(self) -> std::io::Error {
        match self {
            Self::Io { source, .. } => source,
            // The io::Error's holder names the file already.
            other => {
                let text = other.to_string();
                let prefix = other.path().map(|p| format!("{}: ", p.display()));
                let reason = prefix
                    .and_then(|p| text.strip_prefix(&p).map(str::to_owned))
                    .unwrap_or(text);
                std::io::Error::new(std::io::ErrorKind::InvalidInput, reason)
            }
        }
    }
}

/// What a file type is, in words.
fn what_is(kind: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO";
        }
        if kind.is_socket() {
            return "a socket";
        }
        if kind.is_char_device() {
            return "a character device";
        }
        if kind.is_block_device() {
            return "a block device";
        }
    }
    if kind.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

/// Checks `meta` (of the file at `path`) is a regular file within `cap`.
fn check(
    path: &Path,
    meta: &std::fs::Metadata,
    kind: InputKind,
    cap: u64,
) -> Result<(), InputError> {
    if !meta.is_file() {
        return Err(InputError::NotRegular {
            path: path.to_path_buf(),
            what: what_is(meta.file_type()),
            kind,
        });
    }
    if meta.len() > cap {
        return Err(InputError::TooLarge {
            path: path.to_path_buf(),
            size: Some(meta.len()),
            cap,
            kind,
        });
    }
    Ok(())
}

/// Opens `path` for reading as `kind`: it must be a regular file (after
/// following symlinks) no larger than the kind's cap.
///
/// The type is checked before opening, because opening a FIFO blocks
/// until a writer comes; the file is then opened non-blocking and its
/// type checked again on the open file, so a path swapped for a FIFO in
/// between is still refused and never waited on.
pub fn open_input(path: &Path, kind: InputKind) -> Result<File, InputError> {
    let cap = kind.cap()?;
    let io = |source| InputError::Io {
        path: path.to_path_buf(),
        source,
    };
    check(path, &std::fs::metadata(path).map_err(io)?, kind, cap)?;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Non-blocking only matters for the open itself (a FIFO); reads
        // of a regular file ignore the flag.
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(io)?;
    check(path, &file.metadata().map_err(io)?, kind, cap)?;
    Ok(file)
}

/// Reads all of `path` as `kind` (see [`open_input`]), reading at most
/// one byte past the cap, so a file that grows while read is still
/// refused rather than read without end.
pub fn read_input(path: &Path, kind: InputKind) -> Result<Vec<u8>, InputError> {
    let cap = kind.cap()?;
    let file = open_input(path, kind)?;
    let mut bytes = Vec::new();
    file.take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|source| InputError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    if bytes.len() as u64 > cap {
        return Err(InputError::TooLarge {
            path: path.to_path_buf(),
            size: None,
            cap,
            kind,
        });
    }
    Ok(bytes)
}

/// Checks that `path`, with every symlink followed, lies inside `root`.
/// A path that does not exist passes: the caller reports it missing.
pub fn confine(path: &Path, root: &Path) -> Result<(), InputError> {
    let (Ok(target), Ok(base)) = (std::fs::canonicalize(path), std::fs::canonicalize(root)) else {
        return Ok(());
    };
    if target.starts_with(&base) {
        Ok(())
    } else {
        Err(InputError::Outside {
            path: path.to_path_buf(),
            target,
            root: root.to_path_buf(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_is_refused_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let err = read_input(dir.path(), InputKind::Document).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("is a directory, not a regular file"),
            "{text}"
        );
        assert!(text.contains(&dir.path().display().to_string()), "{text}");
    }

    #[test]
    fn a_missing_file_is_not_found() {
        let dir = tempfile::tempdir().unwrap();
        let err = read_input(&dir.path().join("nope"), InputKind::Report).unwrap_err();
        assert!(err.is_not_found());
    }

    #[test]
    fn a_regular_file_within_its_cap_is_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.toml");
        std::fs::write(&path, "x = 1\n").unwrap();
        assert_eq!(read_input(&path, InputKind::Document).unwrap(), b"x = 1\n");
    }

    #[cfg(unix)]
    #[test]
    fn a_character_device_is_refused_without_reading() {
        let err = read_input(Path::new("/dev/zero"), InputKind::Report).unwrap_err();
        assert!(
            err.to_string()
                .contains("/dev/zero: is a character device, not a regular file"),
            "{err}"
        );
    }
}
