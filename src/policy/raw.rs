//! Raw policy and configuration files exactly as serde reads them.
//!
//! These structs never leave the `policy` module: [`super::load`] validates
//! them into the model the evaluator uses (docs/architecture.md). Fields that a
//! semantic check may need to point at are `Spanned`. Unknown keys are found
//! by `serde_ignored` rather than `deny_unknown_fields`, so that every unknown
//! key is reported in one run instead of only the first.

use serde::Deserialize;
use toml::Spanned;

/// A policy file (`policies/*.toml`), docs/policy.md.
#[derive(Debug, Deserialize, Default)]
pub(crate) struct RawPolicy {
    pub schema: Option<Spanned<i64>>,
    pub name: Option<Spanned<String>>,
    pub title: Option<String>,
    #[allow(dead_code)] // documentation for humans; read so it is not an unknown key
    pub description: Option<String>,
    pub version: Option<Spanned<String>>,
    pub extends: Option<Spanned<String>>,
    pub coverage: Option<RawCoverage>,
    pub audit: Option<RawAudit>,
    pub reviews: Option<RawReviews>,
    pub benchmarks: Option<RawBenchmarks>,
    pub tests: Option<RawTests>,
    pub checks: Option<RawChecks>,
    pub release: Option<RawRelease>,
    pub signoffs: Option<Vec<RawSignoff>>,
    pub documents: Option<Vec<RawDocument>>,
    pub overrides: Option<RawOverrides>,
}

#[derive(Debug, Deserialize, Default)]
pub(crate) struct RawCoverage {
    pub optional: Option<bool>,
    pub lines: Option<Spanned<f64>>,
    pub branches: Option<Spanned<f64>>,
    pub functions: Option<Spanned<f64>>,
    pub regions: Option<Spanned<f64>>,
    pub statements: Option<Spanned<f64>>,
    pub patch: Option<Spanned<f64>>,
    /// Percentage points the totals may fall below the base's (`coverage.drop`).
    pub max_drop: Option<Spanned<f64>>,
    pub paths: Option<Vec<RawCoveragePath>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawCoveragePath {
    pub glob: Spanned<String>,
    pub lines: Option<Spanned<f64>>,
    pub branches: Option<Spanned<f64>>,
    pub functions: Option<Spanned<f64>>,
    /// Points the entry's files may fall below the base's (`coverage.drop.path`).
    pub max_drop: Option<Spanned<f64>>,
}

#[derive(Debug, Deserialize, Default)]
pub(crate) struct RawAudit {
    pub optional: Option<bool>,
    pub fail_on: Option<Spanned<String>>,
    pub unscored: Option<Spanned<String>>,
    pub warnings: Option<Vec<Spanned<String>>>,
    pub ignore: Option<Vec<RawAuditIgnore>>,
    /// Days; how old the report's advisory database may be.
    pub max_db_age: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawAuditIgnore {
    pub id: Spanned<String>,
    pub reason: Option<Spanned<String>>,
    /// A TOML date (`2027-01-31`) or the same date as a string
    /// (`"2027-01-31"`, as docs/policy.md once showed it): both are read.
    pub expires: Option<Spanned<toml::Value>>,
}

#[derive(Debug, Deserialize, Default)]
pub(crate) struct RawReviews {
    pub optional: Option<bool>,
    pub approvals: Option<Spanned<i64>>,
    pub current_head_only: Option<bool>,
    pub block_on_changes_requested: Option<bool>,
    pub associations: Option<Vec<Spanned<String>>>,
}

#[derive(Debug, Deserialize, Default)]
pub(crate) struct RawBenchmarks {
    pub optional: Option<bool>,
    pub max_regression: Option<Spanned<f64>>,
    pub slo: Option<Vec<RawSlo>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawSlo {
    pub bench: Spanned<String>,
    pub max: Spanned<String>,
}

#[derive(Debug, Deserialize, Default)]
pub(crate) struct RawTests {
    pub optional: Option<bool>,
    pub all_pass: Option<bool>,
    pub min_tests: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize, Default)]
pub(crate) struct RawChecks {
    pub optional: Option<bool>,
    pub required: Option<Vec<Spanned<RawRequiredCheck>>>,
    pub allow_neutral: Option<bool>,
    pub allow_skipped: Option<bool>,
}

/// One `[checks] required` entry: a plain name, or a table binding the name
/// to its source. Not `#[serde(untagged)]`: that buffers the value and so
/// hides unknown keys of the table from `serde_ignored`.
#[derive(Debug)]
pub(crate) enum RawRequiredCheck {
    Name(String),
    Bound(RawBoundCheck),
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawBoundCheck {
    pub name: Option<Spanned<String>>,
    pub app: Option<Spanned<String>>,
    pub workflow: Option<Spanned<String>>,
}

impl<'de> Deserialize<'de> for RawRequiredCheck {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entry;
        impl<'de> serde::de::Visitor<'de> for Entry {
            type Value = RawRequiredCheck;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a check name, or a table { name, app, workflow }")
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(RawRequiredCheck::Name(v.to_owned()))
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Self::Value, A::Error> {
                RawBoundCheck::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(RawRequiredCheck::Bound)
            }
        }
        deserializer.deserialize_any(Entry)
    }
}

#[derive(Debug, Deserialize, Default)]
pub(crate) struct RawRelease {
    pub optional: Option<bool>,
    pub changelog: Option<Spanned<String>>,
    pub version_matches_tag: Option<bool>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawSignoff {
    pub id: Spanned<String>,
    pub title: Option<String>,
    pub principals: Option<Vec<Spanned<String>>>,
    pub count: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawDocument {
    pub id: Spanned<String>,
    pub title: Option<String>,
    pub glob: Spanned<String>,
    pub marker: Option<String>,
    pub min_files: Option<Spanned<i64>>,
    pub optional: Option<bool>,
}

#[derive(Debug, Deserialize, Default)]
pub(crate) struct RawOverrides {
    pub signers: Option<Spanned<String>>,
    pub min_signers: Option<Spanned<i64>>,
    pub max_days: Option<Spanned<i64>>,
    pub not_overridable: Option<Vec<Spanned<String>>>,
}

/// `tollgate.toml` at the repository root, docs/policy.md.
#[derive(Debug, Deserialize, Default)]
pub(crate) struct RawConfig {
    pub policy_dir: Option<Spanned<String>>,
    pub gates: Option<RawGates>,
    pub release: Option<RawConfigRelease>,
    pub evidence: Option<RawEvidence>,
    pub github: Option<RawConfigGitHub>,
}

#[derive(Debug, Deserialize, Default)]
pub(crate) struct RawConfigGitHub {
    pub evidence_workflow: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize, Default)]
pub(crate) struct RawGates {
    pub pull_request: Option<Spanned<String>>,
    pub push: Option<Spanned<String>>,
    pub release: Option<Spanned<String>>,
    pub prerelease: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize, Default)]
pub(crate) struct RawConfigRelease {
    pub tag_pattern: Option<Spanned<String>>,
    pub branch: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize, Default)]
pub(crate) struct RawEvidence {
    pub coverage: Option<Vec<Spanned<String>>>,
    pub coverage_baseline: Option<Vec<Spanned<String>>>,
    pub strip_prefix: Option<Vec<String>>,
    pub audit: Option<Spanned<String>>,
    pub bench: Option<Vec<Spanned<String>>>,
    pub bench_baseline: Option<Spanned<String>>,
    pub bench_commits: Option<Spanned<String>>,
    pub bench_rounds: Option<Spanned<String>>,
    pub tests: Option<Vec<Spanned<String>>>,
}
