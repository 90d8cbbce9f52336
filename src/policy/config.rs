//! `tollgate.toml`: which gate applies when, where policies live, and where
//! evidence is found by default (docs/policy.md, `tollgate.toml`).

use std::path::Path;

use globset::GlobMatcher;
use toml::Spanned;

use super::diag::{DiagSink, Diagnostic, Diagnostics};
use super::raw::RawConfig;
use super::{load_policy, parse, read_text, span, validate, FileSource};

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

/// Where the tools write their reports when run as docs/formats.md shows:
/// the evidence read when `[evidence]` does not say otherwise, and the
/// paths the hints of missing evidence name (one constant each, so the two
/// cannot drift apart).
pub mod default_paths {
    /// `cargo llvm-cov --lcov --output-path target/lcov.info`.
    pub const COVERAGE: &str = "target/lcov.info";
    /// `cargo audit --json > target/audit.json`.
    pub const AUDIT: &str = "target/audit.json";
    /// criterion's own output directory.
    pub const BENCH: &str = "target/criterion";
    /// `cargo nextest run --profile ci` with `[profile.ci.junit] path = "junit.xml"`.
    pub const TESTS: &str = "target/nextest/ci/junit.xml";
    /// The record of which commits a benchmark comparison measured
    /// (written by `benches/bench-base-head.sh`).
    pub const BENCH_COMMITS: &str = "target/tollgate-bench.json";
    /// Where `benches/bench-base-head.sh` keeps each round's criterion tree.
    pub const BENCH_ROUNDS: &str = "target/criterion-rounds";
}

/// Default evidence locations, relative to the repository root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidencePaths {
    /// Coverage reports (LCOV or Cobertura).
    pub coverage: Vec<String>,
    /// The base commit's coverage reports, for `coverage.drop` (none by default).
    pub coverage_baseline: Vec<String>,
    /// Path prefixes to strip from coverage paths.
    pub strip_prefix: Vec<String>,
    /// cargo-audit JSON report.
    pub audit: Option<String>,
    /// Benchmark results.
    pub bench: Vec<String>,
    /// Benchmark baseline.
    pub bench_baseline: Option<String>,
    /// The record of which commits the benchmarks compared.
    pub bench_commits: Option<String>,
    /// The directory holding each round's criterion tree: the only place
    /// the record's `rounds` may name.
    pub bench_rounds: Option<String>,
    /// Test reports (`JUnit` XML).
    pub tests: Vec<String>,
}

/// The tools' default output paths ([`default_paths`]): found without any
/// configuration, and an absent one is evidence "not found" at that path.
impl Default for EvidencePaths {
    fn default() -> Self {
        Self {
            coverage: vec![default_paths::COVERAGE.to_owned()],
            coverage_baseline: Vec::new(),
            strip_prefix: Vec::new(),
            audit: Some(default_paths::AUDIT.to_owned()),
            bench: vec![default_paths::BENCH.to_owned()],
            bench_baseline: None,
            bench_commits: Some(default_paths::BENCH_COMMITS.to_owned()),
            bench_rounds: Some(default_paths::BENCH_ROUNDS.to_owned()),
            tests: vec![default_paths::TESTS.to_owned()],
        }
    }
}

/// The validated `tollgate.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Directory holding the gate policies, relative to the repository root.
    pub policy_dir: String,
    /// Gate per context.
    pub gates: Gates,
    /// Glob selecting release tags, e.g. `v*`, compiled once here.
    pub tag_pattern: TagPattern,
    /// `[release] branch`: the protected branch a release tag's policy,
    /// `tollgate.toml` and `allowed_signers` are read from; `None` for the
    /// repository's default branch.
    pub release_branch: Option<String>,
    /// Default evidence locations.
    pub evidence: EvidencePaths,
    /// `[github] evidence_workflow`: the workflow file whose run uploads the
    /// evidence a privileged judge downloads (docs/github.md).
    pub evidence_workflow: String,
    /// Whether the file existed (false: all defaults).
    pub found: bool,
    /// The gates `[gates]` names, with where each is written, so that
    /// [`Config::check_gates`] can point at the one whose policy is missing.
    written_gates: Vec<WrittenGate>,
    /// The paths written in the file, for [`Config::check_paths`].
    written_paths: Vec<WrittenPath>,
}

/// One path written in `tollgate.toml` and where.
#[derive(Debug, Clone, PartialEq, Eq)]
struct WrittenPath {
    key: String,
    value: String,
    at: Diagnostic,
}

/// The default `[github] evidence_workflow`.
pub const DEFAULT_EVIDENCE_WORKFLOW: &str = ".github/workflows/tollgate-evidence.yml";

/// One gate named in `[gates]` and where.
#[derive(Debug, Clone, PartialEq, Eq)]
struct WrittenGate {
    /// The key: `pull_request`, `push`, `release` or `prerelease`.
    context: &'static str,
    /// The gate name.
    name: String,
    /// Where the name is written in `tollgate.toml`.
    at: Diagnostic,
}

impl Config {
    /// Checks that every gate `[gates]` names has a policy in `policy_dir`
    /// that loads (through `source`, relative to the repository root), so
    /// that `release = "gat3"` is found by `policy validate` rather than on
    /// release day. Each problem points at the name in `tollgate.toml`; the
    /// policy's own errors are the policy's to report.
    #[must_use]
    ///
    /// `available` lists the gates the policy directory holds, for the
    /// "did you mean" of a misspelt one.
    pub fn check_gates(&self, source: &dyn FileSource, available: &[String]) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for gate in &self.written_gates {
            let path = Path::new(&self.policy_dir).join(format!("{}.toml", gate.name));
            let shown = path.display().to_string().replace('\\', "/");
            let problem = match source.read(&path) {
                Ok(None) => format!(
                    "no {shown} in the {}{}",
                    source.describe(),
                    super::gate_hint(&gate.name, available)
                ),
                Err(e) => format!("{shown} cannot be read: {e}"),
                Ok(Some(_)) => match load_policy(source, &path) {
                    Ok(_) => continue,
                    Err(d) => format!(
                        "{shown} does not load ({} problem{} reported for it)",
                        d.0.len(),
                        if d.0.len() == 1 { "" } else { "s" }
                    ),
                },
            };
            out.push(Diagnostic {
                message: format!("`{}` gate `{}`: {problem}", gate.context, gate.name),
                ..gate.at.clone()
            });
        }
        out
    }
}

impl Config {
    /// Checks that every path the file writes stays inside the repository,
    /// given where the file's directory lies in it (`prefix`, empty at the
    /// top level): `../x` at the top level points outside, while
    /// `../../policies` from `fixtures/example/` does not.
    #[must_use]
    pub fn check_paths(&self, prefix: &Path) -> Vec<Diagnostic> {
        self.written_paths
            .iter()
            .filter(|p| !validate::stays_inside(prefix, &p.value))
            .map(|p| Diagnostic {
                message: format!(
                    "`{} = \"{}\"` leaves the repository: write a path that stays inside it (no `..` above the top)",
                    p.key, p.value
                ),
                ..p.at.clone()
            })
            .collect()
    }
}

/// `[release] tag_pattern`: the glob selecting release tags, compiled once.
///
/// A tag is one name, so `*` may match `/` (`release/*` matches
/// `release/1.0.0`). The default `v*` needs no compiling: it is exactly "starts
/// with `v`", matched as such, so the default configuration cannot fail to
/// build. A pattern that does not compile is a configuration error
/// ([`load_config`] refuses the file): no tag is ever judged against a
/// pattern other than the one written.
#[derive(Debug, Clone)]
pub struct TagPattern(Pattern);

#[derive(Debug, Clone)]
enum Pattern {
    /// `v*`, matched as the prefix `v`.
    Default,
    /// Any other pattern, compiled.
    Glob(GlobMatcher),
}

/// The default release tag pattern, and the prefix it amounts to.
const DEFAULT_TAG_PATTERN: &str = "v*";
const DEFAULT_TAG_PREFIX: &str = "v";

impl TagPattern {
    /// Compiles a pattern as written in `tollgate.toml`.
    pub fn new(text: &str) -> Result<Self, globset::Error> {
        if text == DEFAULT_TAG_PATTERN {
            return Ok(Self(Pattern::Default));
        }
        globset::Glob::new(text).map(|g| Self(Pattern::Glob(g.compile_matcher())))
    }

    /// The pattern as written.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Pattern::Default => DEFAULT_TAG_PATTERN,
            Pattern::Glob(m) => m.glob().glob(),
        }
    }

    /// Whether a tag name (without `refs/tags/`) matches.
    #[must_use]
    pub fn is_match(&self, tag: &str) -> bool {
        match &self.0 {
            Pattern::Default => tag.starts_with(DEFAULT_TAG_PREFIX),
            Pattern::Glob(m) => m.is_match(tag),
        }
    }
}

impl Default for TagPattern {
    fn default() -> Self {
        Self(Pattern::Default)
    }
}

/// Two patterns are equal when written the same: the text is all a pattern is.
impl PartialEq for TagPattern {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for TagPattern {}

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
            tag_pattern: TagPattern::default(),
            release_branch: None,
            evidence: EvidencePaths::default(),
            evidence_workflow: DEFAULT_EVIDENCE_WORKFLOW.to_owned(),
            found: false,
            written_gates: Vec::new(),
            written_paths: Vec::new(),
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
    let raw: Option<RawConfig> = parse::parse_toml(&text, super::keys::File::Config, &mut sink);
    let Some(raw) = raw else {
        return Err(Diagnostics(sink.found));
    };
    let defaults = Config::default();
    let mut written_gates = Vec::new();
    let mut gate =
        |context: &'static str, value: Option<Spanned<String>>, default: &str| match value {
            None => default.to_owned(),
            Some(v) if !v.get_ref().is_empty() && !v.get_ref().contains(['/', '\\']) => {
                let (line, column) = sink.line_col(v.span().start);
                written_gates.push(WrittenGate {
                    context,
                    name: v.get_ref().clone(),
                    at: Diagnostic {
                        path: path.to_path_buf(),
                        line,
                        column,
                        message: String::new(),
                    },
                });
                v.into_inner()
            }
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
        pull_request: gate(
            "pull_request",
            gates.pull_request,
            &defaults.gates.pull_request,
        ),
        push: gate("push", gates.push, &defaults.gates.push),
        release: gate("release", gates.release, &defaults.gates.release),
        prerelease: gate("prerelease", gates.prerelease, &defaults.gates.prerelease),
    };
    let release = raw.release.unwrap_or_default();
    let release_branch = release_branch(release.branch, &mut sink);
    let tag_pattern = match release.tag_pattern {
        None => defaults.tag_pattern,
        Some(p) => TagPattern::new(p.get_ref()).unwrap_or_else(|e| {
            sink.at(span(&p), format!("invalid tag pattern: {e}"));
            defaults.tag_pattern
        }),
    };
    let evidence = raw.evidence.unwrap_or_default();
    let evidence_workflow = match raw.github.and_then(|g| g.evidence_workflow) {
        None => DEFAULT_EVIDENCE_WORKFLOW.to_owned(),
        Some(w) if w.get_ref().starts_with(".github/workflows/") && !w.get_ref().contains("..") => {
            w.into_inner()
        }
        Some(w) => {
            sink.at(
                span(&w),
                "the evidence workflow is a path such as `.github/workflows/tollgate-evidence.yml`",
            );
            DEFAULT_EVIDENCE_WORKFLOW.to_owned()
        }
    };
    let (policy_dir, evidence, written_paths) =
        paths(raw.policy_dir, evidence, defaults.policy_dir, &mut sink);
    let config = Config {
        policy_dir,
        gates,
        tag_pattern,
        release_branch,
        evidence,
        evidence_workflow,
        found: true,
        written_gates,
        written_paths,
    };
    if sink.found.is_empty() {
        Ok(config)
    } else {
        Err(Diagnostics(sink.found))
    }
}

/// `policy_dir` and `[evidence]`, with where each path is written.
///
/// Paths of the repository's own files: evidence is uploaded and
/// downloaded by these names, policies read from trusted commits. Absolute
/// paths are refused here; a `..` that climbs out of the repository needs
/// to know where this file lies in it ([`Config::check_paths`]). A key
/// left out keeps the tool's default path.
fn paths(
    policy_dir: Option<Spanned<String>>,
    evidence: super::raw::RawEvidence,
    default_dir: String,
    sink: &mut DiagSink<'_>,
) -> (String, EvidencePaths, Vec<WrittenPath>) {
    let defaults = EvidencePaths::default();
    let mut written = Vec::new();
    let mut inside = |key: &str, value: Spanned<String>| {
        if !validate::check_relative(&value, key, sink) {
            return None;
        }
        let (line, column) = sink.line_col(value.span().start);
        written.push(WrittenPath {
            key: key.to_owned(),
            value: value.get_ref().clone(),
            at: Diagnostic {
                path: sink.path().to_path_buf(),
                line,
                column,
                message: String::new(),
            },
        });
        Some(value.into_inner())
    };
    let policy_dir = policy_dir
        .and_then(|d| inside("policy_dir", d))
        .unwrap_or(default_dir);
    let mut many = |key: &str, values: Option<Vec<Spanned<String>>>, default: Vec<String>| {
        values.map_or(default, |v| {
            v.into_iter().filter_map(|p| inside(key, p)).collect()
        })
    };
    let coverage = many("coverage", evidence.coverage, defaults.coverage);
    let coverage_baseline = many(
        "coverage_baseline",
        evidence.coverage_baseline,
        defaults.coverage_baseline,
    );
    let bench = many("bench", evidence.bench, defaults.bench);
    let tests = many("tests", evidence.tests, defaults.tests);
    let audit = match evidence.audit {
        Some(a) => inside("audit", a),
        None => defaults.audit,
    };
    let bench_baseline = evidence
        .bench_baseline
        .and_then(|b| inside("bench_baseline", b));
    let bench_commits = match evidence.bench_commits {
        Some(b) => inside("bench_commits", b),
        None => defaults.bench_commits,
    };
    let bench_rounds = match evidence.bench_rounds {
        Some(b) => inside("bench_rounds", b),
        None => defaults.bench_rounds,
    };
    let paths = EvidencePaths {
        coverage,
        coverage_baseline,
        strip_prefix: evidence.strip_prefix.unwrap_or_default(),
        audit,
        bench,
        bench_baseline,
        bench_commits,
        bench_rounds,
        tests,
    };
    (policy_dir, paths, written)
}

/// `[release] branch`, when it is a branch name; else a diagnostic.
fn release_branch(value: Option<Spanned<String>>, sink: &mut DiagSink) -> Option<String> {
    let value = value?;
    if is_branch_name(value.get_ref()) {
        return Some(value.into_inner());
    }
    sink.at(
        span(&value),
        "a release branch is a branch name such as `main` (no `refs/heads/`, spaces, `..`, `~^:?*[\\` or `@{`)",
    );
    None
}

/// Whether `name` is a branch name git accepts (`git check-ref-format
/// --branch`, short of its `@{-N}` shorthands), written without
/// `refs/heads/`: it is put in API paths and in `refs/remotes/origin/NAME`.
fn is_branch_name(name: &str) -> bool {
    let bad_char = |c: char| c.is_ascii_control() || " ~^:?*[\\".contains(c);
    !name.is_empty()
        && name != "@"
        && !name.starts_with(['-', '/'])
        && !name.starts_with("refs/")
        && !name.ends_with(['/', '.'])
        && !name.contains("..")
        && !name.contains("//")
        && !name.contains("@{")
        && !name.chars().any(bad_char)
        && name.split('/').all(|part| {
            !part.starts_with('.') && part.rsplit_once('.').is_none_or(|(_, ext)| ext != "lock")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_branch_names_are_checked() {
        for ok in ["main", "release/1.x", "stable-2", "v1"] {
            assert!(is_branch_name(ok), "{ok}");
        }
        for bad in [
            "",
            "refs/heads/main",
            "-main",
            "a..b",
            "a b",
            "a:b",
            "x.lock",
            "a/.hidden",
            "trailing/",
            "@",
            "a@{1}",
            "a\\b",
            "tab\tb",
        ] {
            assert!(!is_branch_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn the_release_branch_is_read_and_a_bad_one_refused() {
        let dir = tempfile::tempdir().unwrap();
        let tree = crate::policy::WorkingTree::new(dir.path());
        std::fs::write(
            dir.path().join("tollgate.toml"),
            "[release]\nbranch = \"stable\"\n",
        )
        .unwrap();
        let config = load_config(&tree, Path::new("tollgate.toml"), true).unwrap();
        assert_eq!(config.release_branch.as_deref(), Some("stable"));
        assert_eq!(Config::default().release_branch, None);
        std::fs::write(
            dir.path().join("tollgate.toml"),
            "[release]\nbranch = \"refs/heads/main\"\n",
        )
        .unwrap();
        let err = load_config(&tree, Path::new("tollgate.toml"), true).unwrap_err();
        assert!(
            err.to_string()
                .contains("a release branch is a branch name"),
            "{err}"
        );
    }

    #[test]
    fn the_default_tag_pattern_is_v_star() {
        let config = Config::default();
        assert_eq!(config.tag_pattern.as_str(), "v*");
        assert_eq!(config.tag_pattern, TagPattern::new("v*").unwrap());
    }

    /// The hand-made default matches exactly what globset's `v*` matches.
    #[test]
    fn the_default_tag_pattern_matches_as_the_glob_would() {
        let default = TagPattern::default();
        let glob = globset::Glob::new("v*").unwrap().compile_matcher();
        for tag in [
            "v1.0.0",
            "v",
            "v1.0.0-rc.1",
            "vx/y",
            "release/v1",
            "1.0.0",
            "V1.0.0",
            "",
            " v1",
        ] {
            assert_eq!(default.is_match(tag), glob.is_match(tag), "{tag:?}");
        }
    }

    #[test]
    fn other_patterns_compile_and_a_broken_one_is_refused() {
        let release = TagPattern::new("release/*").unwrap();
        assert!(release.is_match("release/1.0.0"));
        assert!(!release.is_match("v1.0.0"));
        assert_eq!(release.as_str(), "release/*");
        assert!(TagPattern::new("v[").is_err());
    }
}
