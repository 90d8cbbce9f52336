//! The validated policy model the evaluator consumes.
//!
//! Every value here has passed validation: thresholds are in range and exact,
//! globs compile, versions are semver. Nothing in this module reads files.
//!
//! The model serialises back to policy TOML (`tollgate policy show`, and the
//! comparison of a pull request's policy with its base's): every field is
//! written under the key it is read from, thresholds as their percentages,
//! versions and globs as their text. A new field is therefore shown and
//! compared without anyone remembering to; a field that is only derived
//! from another (a compiled matcher, a parsed duration) is `serde(skip)`.

use globset::GlobMatcher;
use serde::{Serialize, Serializer};

/// A minimum percentage, held exactly as ten-thousandths of a percent so that
/// `hit * 100 >= threshold * found` is decided in integers: 79.996% is not 80%.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Threshold {
    ten_thousandths: u64,
}

impl Threshold {
    /// 0%: met by anything that was measured at all.
    pub const ZERO: Threshold = Threshold { ten_thousandths: 0 };

    /// Scale of the fixed-point representation (4 decimal places).
    pub const SCALE: u64 = 10_000;

    /// A threshold from a percentage with at most four decimal places, in `0..=100`.
    #[must_use]
    pub fn from_percent(percent: f64) -> Option<Self> {
        if !(0.0..=100.0).contains(&percent) {
            return None;
        }
        let scaled = percent * Self::SCALE as f64;
        let rounded = scaled.round();
        if (scaled - rounded).abs() > 1e-6 {
            return None;
        }
        // In range 0..=1_000_000 after the checks above, so the cast is exact.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let ten_thousandths = rounded as u64;
        Some(Self { ten_thousandths })
    }

    /// Whether `hit` of `found` meets the threshold, compared exactly.
    /// `found == 0` never meets a threshold: the caller reports it as an error.
    #[must_use]
    pub fn is_met(self, hit: u64, found: u64) -> bool {
        found > 0
            && u128::from(hit) * 100 * u128::from(Self::SCALE)
                >= u128::from(self.ten_thousandths) * u128::from(found)
    }

    /// The value in ten-thousandths of a percent (or of a point), for
    /// exact integer comparisons such as `coverage.drop`'s.
    #[must_use]
    pub fn ten_thousandths(self) -> u64 {
        self.ten_thousandths
    }

    /// The percentage, for display.
    #[must_use]
    pub fn percent(self) -> f64 {
        self.ten_thousandths as f64 / Self::SCALE as f64
    }
}

/// Written as the percentage it was read from (`80.0`, `99.99`): exact, since
/// a threshold has at most four decimals and the shortest float that reads
/// back to the same value is what TOML writes.
impl Serialize for Threshold {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.percent())
    }
}

impl std::fmt::Display for Threshold {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let whole = self.ten_thousandths / Self::SCALE;
        let frac = self.ten_thousandths % Self::SCALE;
        if frac == 0 {
            write!(f, "{whole}%")
        } else {
            let digits = format!("{frac:04}");
            write!(f, "{whole}.{}%", digits.trim_end_matches('0'))
        }
    }
}

/// Where one policy file came from and exactly which bytes it held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicySource {
    /// The policy's `name`.
    pub name: String,
    /// The policy's own semver `version`.
    pub version: String,
    /// SHA-256 of the file's bytes, lowercase hex.
    pub sha256: String,
    /// Path as given (relative to the repository root where possible).
    pub path: String,
}

/// A glob compiled once by validation. It reads as the [`GlobMatcher`] it
/// holds; two are equal when their glob text and options are, which is what
/// makes two policies with the same globs equal.
#[derive(Debug, Clone)]
pub struct CompiledGlob(GlobMatcher);

impl CompiledGlob {
    /// Wraps a compiled matcher.
    #[must_use]
    pub fn new(matcher: GlobMatcher) -> Self {
        Self(matcher)
    }
}

impl std::ops::Deref for CompiledGlob {
    type Target = GlobMatcher;

    fn deref(&self) -> &GlobMatcher {
        &self.0
    }
}

impl PartialEq for CompiledGlob {
    fn eq(&self, other: &Self) -> bool {
        self.0.glob() == other.0.glob()
    }
}

/// Writes a value through its `Display`, for versions.
fn display<T: std::fmt::Display, S: Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(value)
}

/// A fully resolved gate policy (after `extends`).
///
/// Serialises as the policy file that would define it, without `schema`
/// (the caller adds it) or provenance: [`Policy::source`] and
/// [`Policy::inherited`] say where the policy came from, not what it demands.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Policy {
    /// Name, used as the gate name in reports (`tollgate/NAME`).
    pub name: String,
    /// Human title, e.g. "Gate 2: Feature Complete".
    pub title: String,
    /// The policy's own version.
    #[serde(serialize_with = "display")]
    pub version: semver::Version,
    /// The file that defines this gate.
    #[serde(skip)]
    pub source: PolicySource,
    /// Files inherited through `extends`, nearest parent first.
    #[serde(skip)]
    pub inherited: Vec<PolicySource>,
    /// `[coverage]`.
    pub coverage: Option<CoveragePolicy>,
    /// `[audit]`.
    pub audit: Option<AuditPolicy>,
    /// `[reviews]`.
    pub reviews: Option<ReviewsPolicy>,
    /// `[benchmarks]`.
    pub benchmarks: Option<BenchmarksPolicy>,
    /// `[tests]`.
    pub tests: Option<TestsPolicy>,
    /// `[checks]`.
    pub checks: Option<ChecksPolicy>,
    /// `[release]`.
    pub release: Option<ReleasePolicy>,
    /// `[[signoffs]]`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub signoffs: Vec<SignoffPolicy>,
    /// `[[documents]]`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<DocumentPolicy>,
    /// `[overrides]`.
    pub overrides: OverridesPolicy,
}

/// `[coverage]`: minimum coverage figures.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CoveragePolicy {
    /// Missing evidence is `skipped` rather than `fail`.
    pub optional: bool,
    /// Minimum total line coverage.
    pub lines: Option<Threshold>,
    /// Minimum total branch coverage.
    pub branches: Option<Threshold>,
    /// Minimum total function coverage.
    pub functions: Option<Threshold>,
    /// Minimum total region coverage (llvm-cov JSON evidence only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub regions: Option<Threshold>,
    /// Minimum total statement coverage (Go cover profile evidence only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statements: Option<Threshold>,
    /// Minimum coverage of changed lines.
    pub patch: Option<Threshold>,
    /// Most percentage points line (and branch) coverage may fall below
    /// the base commit's (`coverage.drop`); held as a [`Threshold`] since
    /// points have the same range and exactness as percentages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_drop: Option<Threshold>,
    /// Per-path minimums (critical paths).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<CoveragePathPolicy>,
}

/// `[[coverage.paths]]`: minimums for the files matching a glob.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoveragePathPolicy {
    /// The glob as written; part of the rule id.
    pub glob: String,
    /// Compiled matcher over repository-relative `/` paths.
    #[serde(skip)]
    pub matcher: CompiledGlob,
    /// Minimum line coverage of the matching files together.
    pub lines: Option<Threshold>,
    /// Minimum branch coverage.
    pub branches: Option<Threshold>,
    /// Minimum function coverage.
    pub functions: Option<Threshold>,
    /// Most points the files' line (and branch) coverage may fall below the
    /// base's (`coverage.drop.path[GLOB]`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_drop: Option<Threshold>,
}

impl CoveragePathPolicy {
    /// Whether the entry sets a minimum (`coverage.path[GLOB]`), not only
    /// a `max_drop`.
    #[must_use]
    pub fn has_minimum(&self) -> bool {
        self.lines.is_some() || self.branches.is_some() || self.functions.is_some()
    }
}

/// Advisory severity threshold for `audit.fail_on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    /// Fail on any vulnerability, whatever its severity.
    Any,
    /// Low or worse.
    Low,
    /// Medium or worse.
    Medium,
    /// High or worse.
    High,
    /// Critical only.
    Critical,
    /// Vulnerabilities never fail (warnings may still).
    None,
}

impl FailOn {
    /// The name as written in policies.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            FailOn::Any => "any",
            FailOn::Low => "low",
            FailOn::Medium => "medium",
            FailOn::High => "high",
            FailOn::Critical => "critical",
            FailOn::None => "none",
        }
    }
}

/// `[audit]`: security advisories.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditPolicy {
    /// Missing evidence is `skipped` rather than `fail`.
    pub optional: bool,
    /// Lowest severity that fails.
    pub fail_on: FailOn,
    /// Whether advisories without a CVSS score fail (`unscored = "fail"`).
    #[serde(rename = "unscored", serialize_with = "unscored")]
    pub unscored_fails: bool,
    /// Warning kinds that fail: unmaintained, unsound, yanked, notice.
    pub warnings: Vec<String>,
    /// Waived advisories.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ignore: Vec<AuditIgnore>,
    /// Days the report's advisory database may be old before
    /// `audit.vulnerabilities` fails (`max_db_age`, default 30).
    pub max_db_age: u32,
}

/// Default `[audit] max_db_age`, in days.
pub const DEFAULT_MAX_DB_AGE: u32 = 30;

/// `unscored` as written: `"fail"` or `"pass"`.
#[allow(clippy::trivially_copy_pass_by_ref)] // serde's `serialize_with` passes a reference
fn unscored<S: Serializer>(fails: &bool, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(if *fails { "fail" } else { "pass" })
}

/// One `[[audit.ignore]]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditIgnore {
    /// Advisory id, e.g. `RUSTSEC-2020-0071`.
    pub id: String,
    /// Why the advisory does not apply.
    pub reason: String,
    /// Last day (UTC) on which the waiver applies.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "toml_date")]
    pub expires: Option<chrono::NaiveDate>,
}

/// A date as a TOML local date (`2027-01-31`), the type `expires` is read
/// as, rather than a string.
#[allow(clippy::ref_option, clippy::trivially_copy_pass_by_ref)] // serde's `serialize_with` passes a reference
fn toml_date<S: Serializer>(date: &Option<chrono::NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
    use chrono::Datelike;
    let Some(date) = date else {
        return s.serialize_none();
    };
    // Validation built the date from a TOML date, so each part fits.
    let part = |v: u32| u8::try_from(v).map_err(serde::ser::Error::custom);
    let year = u16::try_from(date.year()).map_err(serde::ser::Error::custom)?;
    toml::value::Datetime {
        date: Some(toml::value::Date {
            year,
            month: part(date.month())?,
            day: part(date.day())?,
        }),
        time: None,
        offset: None,
    }
    .serialize(s)
}

/// `[reviews]`: pull-request approvals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewsPolicy {
    /// Missing evidence is `skipped` rather than `fail`.
    pub optional: bool,
    /// Distinct approving reviewers required.
    pub approvals: u32,
    /// Only approvals of the head commit count.
    pub current_head_only: bool,
    /// An outstanding change request fails the gate.
    pub block_on_changes_requested: bool,
    /// Author associations that count (empty: all).
    pub associations: Vec<String>,
}

/// `[benchmarks]`: regressions and absolute limits.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BenchmarksPolicy {
    /// Missing evidence is `skipped` rather than `fail`.
    pub optional: bool,
    /// Percent slower than baseline that fails.
    pub max_regression: Option<f64>,
    /// Absolute limits.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub slo: Vec<SloPolicy>,
}

/// One `[[benchmarks.slo]]` entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SloPolicy {
    /// Glob over benchmark ids, as written; part of the rule id.
    pub bench: String,
    /// Compiled matcher.
    #[serde(skip)]
    pub matcher: CompiledGlob,
    /// Limit as written (`1ms`).
    #[serde(rename = "max")]
    pub max_text: String,
    /// Limit in nanoseconds.
    #[serde(skip)]
    pub max_ns: f64,
}

/// `[tests]`: test reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestsPolicy {
    /// Missing evidence is `skipped` rather than `fail`.
    pub optional: bool,
    /// Every test must pass.
    pub all_pass: bool,
    /// At least this many tests must have run.
    pub min_tests: u64,
}

/// `[checks]`: other check runs on the head commit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChecksPolicy {
    /// Missing evidence is `skipped` rather than `fail`.
    pub optional: bool,
    /// Checks that must be green, in the order written.
    pub required: Vec<RequiredCheck>,
    /// `neutral` counts as green.
    pub allow_neutral: bool,
    /// `skipped` counts as green.
    pub allow_skipped: bool,
}

/// The slug of GitHub Actions' app: the only app whose checks can be bound
/// to a workflow file (`evidence::github` spells it too; `policy` cannot
/// depend on it).
pub const GITHUB_ACTIONS: &str = "github-actions";

/// One `[checks] required` entry: a check name, and optionally the source
/// that must have produced it. A same-named check from anywhere else does not
/// count, so a pull request cannot satisfy it with a job of its own.
#[derive(Debug, Clone, PartialEq)]
pub struct RequiredCheck {
    /// Check-run name or status context; the key of `checks.required[NAME]`.
    pub name: String,
    /// Slug of the app that must have made the check run
    /// (`github-actions`); `None` accepts any source, commit statuses
    /// included.
    pub app: Option<String>,
    /// For `app = "github-actions"`: the workflow file (under
    /// `.github/workflows/`) whose job must have made it.
    pub workflow: Option<String>,
}

/// Written as the policy file writes it: a plain name as a string, a bound
/// check as an inline table, so `policy show` round-trips both forms.
impl Serialize for RequiredCheck {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        if self.app.is_none() && self.workflow.is_none() {
            return serializer.serialize_str(&self.name);
        }
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("name", &self.name)?;
        if let Some(app) = &self.app {
            map.serialize_entry("app", app)?;
        }
        if let Some(workflow) = &self.workflow {
            map.serialize_entry("workflow", workflow)?;
        }
        map.end()
    }
}

impl RequiredCheck {
    /// Whether the entry names its source (an app, and maybe a workflow).
    #[must_use]
    pub fn is_bound(&self) -> bool {
        self.app.is_some()
    }
}

/// `[release]`: release readiness.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReleasePolicy {
    /// Missing evidence is `skipped` rather than `fail`.
    pub optional: bool,
    /// Changelog path that must hold a section for the version.
    pub changelog: Option<String>,
    /// Package versions must equal the tag.
    pub version_matches_tag: bool,
}

/// One `[[signoffs]]` entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SignoffPolicy {
    /// Stable id, part of the rule id `signoff[ID]`.
    pub id: String,
    /// Human title.
    pub title: String,
    /// Principals allowed to sign.
    pub principals: Vec<String>,
    /// Distinct signers required.
    pub count: u32,
}

/// One `[[documents]]` entry (Gate 1 design documents).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocumentPolicy {
    /// Stable id, part of the rule id `documents[ID]`.
    pub id: String,
    /// Human title.
    pub title: String,
    /// Glob as written.
    pub glob: String,
    /// Compiled matcher over repository-relative paths.
    #[serde(skip)]
    pub matcher: CompiledGlob,
    /// Text every matching file must contain.
    pub marker: Option<String>,
    /// Matching files required.
    pub min_files: u32,
    /// Absence is `skipped` rather than `fail`.
    pub optional: bool,
}

/// `[overrides] max_days` when the policy does not set it.
pub const DEFAULT_MAX_DAYS: u32 = 30;

/// `[overrides]`: who may waive rules.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct OverridesPolicy {
    /// `allowed_signers` file, resolved relative to the policy file.
    pub signers: Option<String>,
    /// Distinct principals required on an override.
    pub min_signers: u32,
    /// How many days after the time of judgement a document's `expires`
    /// may lie at most (default [`DEFAULT_MAX_DAYS`]): a waiver is meant
    /// to be short-lived, and one that never expires is a rule deleted.
    pub max_days: u32,
    /// Rules that can never be overridden (a keyed family's bare name
    /// stands for all its rules).
    pub not_overridable: Vec<crate::rules::RuleRef>,
}

#[cfg(test)]
mod tests {
    use super::Threshold;

    #[test]
    fn threshold_compares_exactly_at_the_boundary() {
        let t = Threshold::from_percent(80.0).unwrap();
        assert!(t.is_met(80, 100));
        assert!(!t.is_met(79_996, 100_000));
        assert!(t.is_met(4, 5));
        assert!(!t.is_met(0, 0));
        let t = Threshold::from_percent(99.99).unwrap();
        assert!(t.is_met(9999, 10_000));
        assert!(!t.is_met(9998, 10_000));
    }

    #[test]
    fn threshold_rejects_out_of_range_and_excess_precision() {
        assert!(Threshold::from_percent(100.5).is_none());
        assert!(Threshold::from_percent(-1.0).is_none());
        assert!(Threshold::from_percent(80.123_45).is_none());
        assert_eq!(Threshold::from_percent(95.5).unwrap().to_string(), "95.5%");
        assert_eq!(Threshold::from_percent(80.0).unwrap().to_string(), "80%");
    }
}
