//! Policies and configuration: raw TOML in, validated model out.
//!
//! [`load_policy`] reads a gate policy and its `extends` chain through a
//! [`FileSource`] (the working tree locally; the trusted base commit in a pull
//! request, so a PR cannot lower its own bar), validates it, and reports every
//! problem at once with file, line and column. A section present in a child
//! policy replaces the parent's section as a whole: what a gate demands can
//! then be read from one place, never stitched from partial keys.

mod compare;
mod config;
mod declared;
mod diag;
pub mod keys;
mod model;
mod parse;
mod raw;
mod show;

use std::path::{Path, PathBuf};

use std::fmt::Write as _;

use sha2::{Digest, Sha256};
use toml::Spanned;

pub use compare::{differences, PolicyChange};
pub use config::{default_paths, load_config, Config, EvidencePaths, Gates, TagPattern};
pub use declared::Declared;
use diag::DiagSink;
pub use diag::{closest, gate_hint, line_col, Diagnostic, Diagnostics};
pub use model::*;
use raw::RawPolicy;
pub use show::describe;

/// The policy file format this tollgate understands (`schema = 1`).
pub const SCHEMA: i64 = 1;

/// Where policy and configuration bytes come from.
pub trait FileSource {
    /// Reads a file; `Ok(None)` when it does not exist.
    fn read(&self, path: &Path) -> std::io::Result<Option<Vec<u8>>>;
    /// Says where files are read from, for messages ("working tree", "base commit abc123").
    fn describe(&self) -> String;
}

/// Reads files from the local file system, relative paths from `root`, so
/// that reports record repository-relative policy paths.
#[derive(Debug, Clone, Default)]
pub struct WorkingTree {
    /// Directory relative paths are resolved against.
    pub root: PathBuf,
}

impl WorkingTree {
    /// A working tree rooted at `root`.
    #[must_use]
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }
}

impl FileSource for WorkingTree {
    fn read(&self, path: &Path) -> std::io::Result<Option<Vec<u8>>> {
        // A regular file within the document cap: a FIFO or device named
        // as a policy never blocks or fills memory.
        match crate::input::read_input(&self.root.join(path), crate::input::InputKind::Document) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e.into_io()),
        }
    }

    fn describe(&self) -> String {
        "working tree".to_owned()
    }
}

/// Reads and decodes a file as UTF-8, turning every failure into a diagnostic.
pub(crate) fn read_text(
    source: &dyn FileSource,
    path: &Path,
) -> Result<(String, Vec<u8>), Diagnostics> {
    let fail = |message: String| {
        Diagnostics(vec![Diagnostic {
            path: path.to_path_buf(),
            line: 0,
            column: 0,
            message,
        }])
    };
    let bytes = match source.read(path) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return Err(fail(format!("not found in the {}", source.describe()))),
        Err(e) => return Err(fail(format!("cannot read: {e}"))),
    };
    match String::from_utf8(bytes.clone()) {
        Ok(text) => Ok((text, bytes)),
        Err(e) => Err(fail(format!(
            "not valid UTF-8 at byte {}",
            e.utf8_error().valid_up_to()
        ))),
    }
}

/// One validated policy file before `extends` is resolved.
struct Layer {
    source: PolicySource,
    title: Option<String>,
    version: semver::Version,
    /// `extends`, and where it is written (for a target that is missing).
    extends: Option<(String, validate::Located)>,
    coverage: Option<CoveragePolicy>,
    audit: Option<AuditPolicy>,
    reviews: Option<ReviewsPolicy>,
    benchmarks: Option<BenchmarksPolicy>,
    tests: Option<TestsPolicy>,
    checks: Option<ChecksPolicy>,
    release: Option<ReleasePolicy>,
    signoffs: Option<Vec<SignoffPolicy>>,
    documents: Option<Vec<DocumentPolicy>>,
    /// `[overrides]`, with where each `not_overridable` entry was written.
    overrides: Option<(OverridesPolicy, Vec<validate::Located>)>,
}

/// Maximum depth of an `extends` chain; deeper is almost surely a mistake.
const MAX_EXTENDS: usize = 8;

/// Loads the policy at `path` and everything it extends.
pub fn load_policy(source: &dyn FileSource, path: &Path) -> Result<Policy, Diagnostics> {
    let mut layers: Vec<Layer> = Vec::new();
    let mut next = Some((path.to_path_buf(), None));
    let mut seen: Vec<PathBuf> = Vec::new();
    while let Some((current, referrer)) = next.take() {
        if seen.contains(&current) || seen.len() >= MAX_EXTENDS {
            return Err(Diagnostics(vec![Diagnostic {
                path: current,
                line: 0,
                column: 0,
                message: format!(
                    "`extends` forms a cycle or is deeper than {MAX_EXTENDS}: {}",
                    seen.iter()
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(" -> ")
                ),
            }]));
        }
        seen.push(current.clone());
        let layer = load_layer(source, &current)
            .map_err(|d| missing_parent(d, &current, referrer.as_ref()))?;
        if let Some((parent, at)) = &layer.extends {
            let dir = current.parent().unwrap_or_else(|| Path::new(""));
            next = Some((dir.join(parent), Some((parent.clone(), at.clone()))));
        }
        layers.push(layer);
    }
    let (policy, not_overridable_at) = flatten(layers);
    // What needs the resolved policy: `not_overridable` may come from a
    // parent while the keys it names come from the child.
    let found = validate::not_overridable(&policy, &not_overridable_at);
    if found.is_empty() {
        Ok(policy)
    } else {
        Err(Diagnostics(found))
    }
}

/// A parent policy that does not exist is reported where `extends` names
/// it, in the referring file: that is the line to fix.
fn missing_parent(
    found: Diagnostics,
    current: &Path,
    referrer: Option<&(String, validate::Located)>,
) -> Diagnostics {
    match (found.0.as_slice(), referrer) {
        ([d], Some((written, at))) if d.line == 0 && d.message.starts_with("not found") => {
            Diagnostics(vec![at.diagnostic(format!(
                "`extends = \"{written}\"`: {} {} (a path relative to this file's directory)",
                current.display().to_string().replace('\\', "/"),
                d.message
            ))])
        }
        _ => found,
    }
}

/// Validates one file on its own, so every diagnostic points into that file.
fn load_layer(source: &dyn FileSource, path: &Path) -> Result<Layer, Diagnostics> {
    let (text, bytes) = read_text(source, path)?;
    let mut sink = DiagSink::new(path, &text);
    let raw: Option<RawPolicy> = parse::parse_toml(&text, keys::File::Policy, &mut sink);
    let Some(raw) = raw else {
        return Err(Diagnostics(sink.found));
    };
    let layer = validate::layer(raw, path, &bytes, &mut sink);
    // In the order of the file, as a user fixes them.
    sink.found.sort_by_key(|d| (d.line, d.column));
    if sink.found.is_empty() {
        Ok(layer)
    } else {
        Err(Diagnostics(sink.found))
    }
}

/// Overlays layers, the file named on the command line last (it wins).
/// Returns the policy and where its `not_overridable` entries were written.
fn flatten(mut layers: Vec<Layer>) -> (Policy, Vec<validate::Located>) {
    // layers[0] is the requested file, then its parent, grandparent...
    let mut policy_title = None;
    let mut coverage = None;
    let mut audit = None;
    let mut reviews = None;
    let mut benchmarks = None;
    let mut tests = None;
    let mut checks = None;
    let mut release = None;
    let mut signoffs = None;
    let mut documents = None;
    let mut overrides = None;
    for layer in layers.iter_mut().rev() {
        policy_title = layer.title.take().or(policy_title);
        coverage = layer.coverage.take().or(coverage);
        audit = layer.audit.take().or(audit);
        reviews = layer.reviews.take().or(reviews);
        benchmarks = layer.benchmarks.take().or(benchmarks);
        tests = layer.tests.take().or(tests);
        checks = layer.checks.take().or(checks);
        release = layer.release.take().or(release);
        signoffs = layer.signoffs.take().or(signoffs);
        documents = layer.documents.take().or(documents);
        overrides = layer.overrides.take().or(overrides);
    }
    let mut chain = layers.into_iter();
    // `load_policy` always pushes at least the requested file.
    let top = chain.next();
    let (source, version) = match top {
        Some(l) => (l.source, l.version),
        None => (
            PolicySource {
                name: String::new(),
                version: String::new(),
                sha256: String::new(),
                path: String::new(),
            },
            semver::Version::new(0, 0, 0),
        ),
    };
    let (overrides, not_overridable_at) = overrides.unwrap_or_else(|| {
        (
            OverridesPolicy {
                signers: None,
                min_signers: 1,
                max_days: model::DEFAULT_MAX_DAYS,
                not_overridable: Vec::new(),
            },
            Vec::new(),
        )
    });
    let policy = Policy {
        name: source.name.clone(),
        title: policy_title.unwrap_or_else(|| source.name.clone()),
        version,
        inherited: chain.map(|l| l.source).collect(),
        source,
        coverage,
        audit,
        reviews,
        benchmarks,
        tests,
        checks,
        release,
        signoffs: signoffs.unwrap_or_default(),
        documents: documents.unwrap_or_default(),
        overrides,
    };
    (policy, not_overridable_at)
}

/// SHA-256 of bytes as lowercase hex.
#[must_use]
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().fold(String::with_capacity(64), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// The span of a `Spanned` value, for diagnostics.
#[allow(clippy::unnecessary_wraps)] // diagnostics take an optional span; this is the "known" case
fn span<T>(s: &Spanned<T>) -> Option<std::ops::Range<usize>> {
    Some(s.span())
}

mod validate;

/// Test support shared by the policy tests: one file's text as a source.
#[cfg(test)]
pub(crate) mod testing {
    use std::path::Path;

    use super::FileSource;

    /// Every path reads as this text.
    pub(crate) struct Text(pub(crate) String);

    impl FileSource for Text {
        fn read(&self, _: &Path) -> std::io::Result<Option<Vec<u8>>> {
            Ok(Some(self.0.as_bytes().to_vec()))
        }
        fn describe(&self) -> String {
            "test".to_owned()
        }
    }
}
