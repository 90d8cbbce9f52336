//! `tollgate.toml`: which gate applies when, where policies live, and where
//! evidence is found by default (docs/policy.md, `tollgate.toml`).

use std::path::Path;

use globset::GlobMatcher;
use toml::Spanned;

use super::diag::{DiagSink, Diagnostics};
use super::raw::RawConfig;
use super::{parse, read_text, span, FileSource};

/// Gate names chosen by context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gates {
    /// Gate for pull-request events and local dry runs.
    pub pull_request: String,
    /// Gate for pushes to branches.
    pub push: String,
    /// Gate for release tags.
    pub release: String,
    /// Gate for semver pre-release tags.
    pub prerelease: String,
}

/// Default evidence locations, relative to the repository root.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EvidencePaths {
    /// Coverage reports (LCOV or Cobertura).
    pub coverage: Vec<String>,
    /// Path prefixes to strip from coverage paths.
    pub strip_prefix: Vec<String>,
    /// cargo-audit JSON report.
    pub audit: Option<String>,
    /// Benchmark results.
    pub bench: Vec<String>,
    /// Benchmark baseline.
    pub bench_baseline: Option<String>,
    /// Test reports (`JUnit` XML).
    pub tests: Vec<String>,
}

/// The validated `tollgate.toml`.
#[derive(Debug, Clone)]
pub struct Config {
    /// Directory holding the gate policies, relative to the repository root.
    pub policy_dir: String,
    /// Gate per context.
    pub gates: Gates,
    /// Glob selecting release tags, e.g. `v*`, compiled once here; its text
    /// is `tag_pattern.glob().glob()`.
    pub tag_pattern: GlobMatcher,
    /// Default evidence locations.
    pub evidence: EvidencePaths,
    /// `[github] evidence_workflow`: the workflow file whose run uploads the
    /// evidence a privileged judge downloads (docs/github.md).
    pub evidence_workflow: String,
    /// Whether the file existed (false: all defaults).
    pub found: bool,
}

impl PartialEq for Config {
    fn eq(&self, other: &Self) -> bool {
        self.policy_dir == other.policy_dir
            && self.gates == other.gates
            && self.tag_pattern.glob() == other.tag_pattern.glob()
            && self.evidence == other.evidence
            && self.evidence_workflow == other.evidence_workflow
            && self.found == other.found
    }
}

impl Eq for Config {}

/// The default `[github] evidence_workflow`.
pub const DEFAULT_EVIDENCE_WORKFLOW: &str = ".github/workflows/tollgate-evidence.yml";

/// The default release tag pattern.
const DEFAULT_TAG_PATTERN: &str = "v*";

/// Compiles a release tag pattern; a tag is one name, so `*` may match `/`
/// (`release/*` matches `release/1.0.0`).
fn tag_pattern(text: &str) -> Result<GlobMatcher, globset::Error> {
    globset::Glob::new(text).map(|g| g.compile_matcher())
}

/// `v*`, compiled. globset has no infallible constructor; the pattern is a
/// literal that compiles, which `the_default_tag_pattern_compiles` checks.
#[allow(clippy::expect_used)]
fn default_tag_pattern() -> GlobMatcher {
    tag_pattern(DEFAULT_TAG_PATTERN).expect("`v*` is a valid glob")
}

impl Default for Config {
    fn default() -> Self {
        Self {
            policy_dir: "policies".to_owned(),
            gates: Gates {
                pull_request: "gate2".to_owned(),
                push: "gate2".to_owned(),
                release: "gate3".to_owned(),
                prerelease: "gate2".to_owned(),
            },
            tag_pattern: default_tag_pattern(),
            evidence: EvidencePaths::default(),
            evidence_workflow: DEFAULT_EVIDENCE_WORKFLOW.to_owned(),
            found: false,
        }
    }
}

/// Loads `tollgate.toml`; a missing file yields the defaults when `required` is false.
pub fn load_config(
    source: &dyn FileSource,
    path: &Path,
    required: bool,
) -> Result<Config, Diagnostics> {
    match source.read(path) {
        Ok(None) if !required => return Ok(Config::default()),
        _ => {}
    }
    let (text, _) = read_text(source, path)?;
    let mut sink = DiagSink::new(path, &text);
    let raw: Option<RawConfig> = parse::parse_toml(&text, &mut sink);
    let Some(raw) = raw else {
        return Err(Diagnostics(sink.found));
    };
    let defaults = Config::default();
    let mut gate = |value: Option<Spanned<String>>, default: &str| match value {
        None => default.to_owned(),
        Some(v) if !v.get_ref().is_empty() && !v.get_ref().contains(['/', '\\']) => v.into_inner(),
        Some(v) => {
            sink.at(
                span(&v),
                "a gate name is a policy file name without `.toml`, e.g. `gate2`",
            );
            default.to_owned()
        }
    };
    let gates = raw.gates.unwrap_or_default();
    let gates = Gates {
        pull_request: gate(gates.pull_request, &defaults.gates.pull_request),
        push: gate(gates.push, &defaults.gates.push),
        release: gate(gates.release, &defaults.gates.release),
        prerelease: gate(gates.prerelease, &defaults.gates.prerelease),
    };
    let tag_pattern = match raw.release.and_then(|r| r.tag_pattern) {
        None => defaults.tag_pattern,
        Some(p) => tag_pattern(p.get_ref()).unwrap_or_else(|e| {
            sink.at(span(&p), format!("invalid tag pattern: {e}"));
            defaults.tag_pattern
        }),
    };
    let evidence = raw.evidence.unwrap_or_default();
    let evidence_workflow = match raw.github.and_then(|g| g.evidence_workflow) {
        None => defaults.evidence_workflow,
        Some(w) if w.get_ref().starts_with(".github/workflows/") && !w.get_ref().contains("..") => {
            w.into_inner()
        }
        Some(w) => {
            sink.at(
                span(&w),
                "the evidence workflow is a path such as `.github/workflows/tollgate-evidence.yml`",
            );
            defaults.evidence_workflow
        }
    };
    let config = Config {
        policy_dir: raw
            .policy_dir
            .map_or(defaults.policy_dir, Spanned::into_inner),
        gates,
        tag_pattern,
        evidence: EvidencePaths {
            coverage: evidence.coverage.unwrap_or_default(),
            strip_prefix: evidence.strip_prefix.unwrap_or_default(),
            audit: evidence.audit,
            bench: evidence.bench.unwrap_or_default(),
            bench_baseline: evidence.bench_baseline,
            tests: evidence.tests.unwrap_or_default(),
        },
        evidence_workflow,
        found: true,
    };
    if sink.found.is_empty() {
        Ok(config)
    } else {
        Err(Diagnostics(sink.found))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_tag_pattern_compiles() {
        let config = Config::default();
        assert_eq!(config.tag_pattern.glob().glob(), "v*");
        assert!(config.tag_pattern.is_match("v1.0.0"));
    }
}
