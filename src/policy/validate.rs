//! Semantic checks of one raw policy file: ranges, enumerations, globs,
//! dates and versions. Every problem is recorded; nothing stops at the first.

use std::path::{Path, PathBuf};

use toml::Spanned;

use super::diag::DiagSink;
use super::raw::{
    RawAudit, RawBenchmarks, RawChecks, RawCoverage, RawDocument, RawOverrides, RawPolicy,
    RawRelease, RawRequiredCheck, RawReviews, RawSignoff, RawTests,
};
use super::{
    sha256_hex, span, AuditIgnore, AuditPolicy, BenchmarksPolicy, ChecksPolicy, CompiledGlob,
    CoveragePathPolicy, CoveragePolicy, DocumentPolicy, FailOn, Layer, OverridesPolicy,
    PolicySource, ReleasePolicy, RequiredCheck, ReviewsPolicy, SignoffPolicy, SloPolicy,
    TestsPolicy, Threshold, DEFAULT_MAX_DAYS, DEFAULT_MAX_DB_AGE, GITHUB_ACTIONS, SCHEMA,
};
use crate::policy::{Diagnostic, Policy};
use crate::rules::{Family, KeySource, RuleId, RuleRef};

/// Warning kinds cargo-audit reports (docs/policy.md, `[audit]`).
pub(crate) const WARNING_KINDS: [&str; 4] = ["unmaintained", "unsound", "yanked", "notice"];

pub(super) fn layer(raw: RawPolicy, path: &Path, bytes: &[u8], sink: &mut DiagSink<'_>) -> Layer {
    match &raw.schema {
        None => sink.at(
            None,
            format!("missing `schema = {SCHEMA}` (the policy file format)"),
        ),
        Some(s) if *s.get_ref() > SCHEMA => sink.at(
            span(s),
            format!(
                "schema {} is newer than this tollgate understands ({SCHEMA}); upgrade tollgate",
                s.get_ref()
            ),
        ),
        Some(s) if *s.get_ref() != SCHEMA => {
            sink.at(
                span(s),
                format!("unknown schema {}; expected {SCHEMA}", s.get_ref()),
            );
        }
        Some(_) => {}
    }
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = match raw.name {
        Some(n) if valid_name(n.get_ref()) => n.into_inner(),
        Some(n) => {
            sink.at(
                span(&n),
                "`name` must be non-empty letters, digits, `-`, `_` or `.`",
            );
            stem
        }
        None => stem,
    };
    let version = match &raw.version {
        None => {
            sink.at(
                None,
                "missing `version = \"MAJOR.MINOR.PATCH\"` (the policy's own version)",
            );
            None
        }
        Some(v) => match semver::Version::parse(v.get_ref()) {
            Ok(parsed) => Some(parsed),
            Err(e) => {
                sink.at(span(v), format!("`version` is not semver: {e}"));
                None
            }
        },
    };
    let source = PolicySource {
        name,
        version: raw
            .version
            .as_ref()
            .map(|v| v.get_ref().clone())
            .unwrap_or_default(),
        sha256: sha256_hex(bytes),
        path: path.display().to_string().replace('\\', "/"),
    };
    Layer {
        source,
        title: raw.title,
        version: version.unwrap_or_else(|| semver::Version::new(0, 0, 0)),
        extends: raw.extends.and_then(|e| {
            let dir = path.parent().unwrap_or_else(|| Path::new(""));
            // Policies given by absolute path (`policy validate /x/p.toml`)
            // have no repository to measure against.
            if path.is_relative() && !check_inside(dir, &e, "extends", sink) {
                return None;
            }
            let (line, column) = sink.line_col(e.span().start);
            Some((
                e.into_inner(),
                Located {
                    path: path.to_path_buf(),
                    line,
                    column,
                },
            ))
        }),
        coverage: raw.coverage.map(|c| coverage(c, sink)),
        audit: raw.audit.map(|a| audit(a, sink)),
        reviews: raw.reviews.map(|r| reviews(r, sink)),
        benchmarks: raw.benchmarks.map(|b| benchmarks(b, sink)),
        tests: raw.tests.map(|t| tests(t, sink)),
        checks: raw.checks.map(|c| checks(c, sink)),
        release: raw.release.map(|r| release(r, sink)),
        signoffs: raw.signoffs.map(|s| {
            let mut seen = Keys::default();
            s.into_iter().map(|s| signoff(s, &mut seen, sink)).collect()
        }),
        documents: raw.documents.map(|d| {
            let mut seen = Keys::default();
            d.into_iter()
                .filter_map(|d| document(d, &mut seen, sink))
                .collect()
        }),
        overrides: raw.overrides.map(|o| overrides(o, sink)),
    }
}

/// Where something was written, kept past the layer so that checks which
/// need the whole resolved policy still point into the right file.
#[derive(Debug, Clone)]
pub(super) struct Located {
    path: PathBuf,
    line: usize,
    column: usize,
}

impl Located {
    pub(super) fn diagnostic(&self, message: String) -> Diagnostic {
        Diagnostic {
            path: self.path.clone(),
            line: self.line,
            column: self.column,
            message,
        }
    }
}

/// The keys a policy section gives its rules, so that two entries giving
/// the same key (and so the same rule id) are caught where written.
#[derive(Default)]
struct Keys(Vec<String>);

impl Keys {
    /// Records `key` of `family`; false (with a diagnostic) when it repeats
    /// an earlier key or does not make a rule id.
    fn add(&mut self, family: Family, key: &Spanned<String>, sink: &mut DiagSink<'_>) -> bool {
        let id = family.keyed(key.get_ref().as_str());
        let text = id.to_string();
        match RuleId::parse(&text) {
            Ok(parsed) if parsed == id => {}
            Ok(_) => {
                sink.at(
                    span(key),
                    format!("`{}` does not make a rule id", key.get_ref()),
                );
                return false;
            }
            Err(e) => {
                sink.at(
                    span(key),
                    format!("`{}` does not make a rule id: {e}", key.get_ref()),
                );
                return false;
            }
        }
        if self.0.contains(&text) {
            sink.at(
                span(key),
                format!(
                    "`{}` appears twice: both would be the rule `{text}`",
                    key.get_ref()
                ),
            );
            return false;
        }
        self.0.push(text);
        true
    }
}

/// Checks `[overrides] not_overridable` against the resolved policy: a keyed
/// entry whose key the policy defines must name one of those keys, or it
/// protects nothing. A family the policy does not use is accepted, since one
/// `[overrides]` is often shared (through `extends`) by gates that do not
/// use every section; the catalogue check in the layer still catches typos.
pub(super) fn not_overridable(policy: &Policy, at: &[Located]) -> Vec<Diagnostic> {
    let declared = policy.declared_rules();
    let mut out = Vec::new();
    for (entry, at) in policy.overrides.not_overridable.iter().zip(at) {
        let RuleRef::Rule(id) = entry else { continue };
        let KeySource::Policy { field, .. } = id.spec().key else {
            continue;
        };
        let keys: Vec<String> = declared
            .iter()
            .filter(|d| d.family() == id.family())
            .map(|d| match d {
                super::Declared::Rule(r) => r.key().unwrap_or_default().to_owned(),
                super::Declared::AnyKey(_) => String::new(),
            })
            .collect();
        if !keys.is_empty() && !declared.iter().any(|d| d.matches(id)) {
            out.push(at.diagnostic(format!(
                "`{id}` in `not_overridable` is not a rule of gate {}: its `{field}` entries are {}",
                policy.name,
                keys.iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    out
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn threshold(value: Option<Spanned<f64>>, sink: &mut DiagSink<'_>) -> Option<Threshold> {
    let value = value?;
    let t = Threshold::from_percent(*value.get_ref());
    if t.is_none() {
        sink.at(
            span(&value),
            format!(
                "percentage must be between 0 and 100 with at most 4 decimals, got {}",
                value.get_ref()
            ),
        );
    }
    t
}

/// What a glob is matched against: repository paths, where `*` stays within
/// one directory as in `.gitignore` (`**` crosses), or benchmark ids, which
/// are names with `/` in them (`lookup/*` matches `lookup/hot/100`).
#[derive(Clone, Copy)]
enum GlobOver {
    Paths,
    Ids,
}

fn glob(text: &Spanned<String>, over: GlobOver, sink: &mut DiagSink<'_>) -> Option<CompiledGlob> {
    let built = globset::GlobBuilder::new(text.get_ref())
        .literal_separator(matches!(over, GlobOver::Paths))
        .build();
    match built {
        Ok(g) => Some(CompiledGlob::new(g.compile_matcher())),
        Err(e) => {
            sink.at(span(text), format!("invalid glob: {e}"));
            None
        }
    }
}

fn count(value: Option<Spanned<i64>>, default: u32, what: &str, sink: &mut DiagSink<'_>) -> u32 {
    match value {
        None => default,
        Some(v) => u32::try_from(*v.get_ref()).unwrap_or_else(|_| {
            sink.at(
                span(&v),
                format!("`{what}` must be a non-negative whole number"),
            );
            default
        }),
    }
}

/// A count that must be at least 1 (default 1); 0 is refused with `why`
/// rather than silently raised or accepted.
fn positive(value: Option<Spanned<i64>>, what: &str, why: &str, sink: &mut DiagSink<'_>) -> u32 {
    match value {
        Some(v) if *v.get_ref() == 0 => {
            sink.at(span(&v), format!("`{what} = 0`: {why}"));
            1
        }
        other => count(other, 1, what, sink),
    }
}

fn coverage(raw: RawCoverage, sink: &mut DiagSink<'_>) -> CoveragePolicy {
    let mut seen = Keys::default();
    let paths = raw
        .paths
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| {
            seen.add(Family::CoveragePath, &p.glob, sink);
            let matcher = glob(&p.glob, GlobOver::Paths, sink);
            let lines = threshold(p.lines, sink);
            let branches = threshold(p.branches, sink);
            let functions = threshold(p.functions, sink);
            let max_drop = threshold(p.max_drop, sink);
            if lines.is_none() && branches.is_none() && functions.is_none() && max_drop.is_none()
            {
                sink.at(
                    span(&p.glob),
                    "a `[[coverage.paths]]` entry needs `lines`, `branches`, `functions` or `max_drop`",
                );
            }
            Some(CoveragePathPolicy {
                glob: p.glob.into_inner(),
                matcher: matcher?,
                lines,
                branches,
                functions,
                max_drop,
            })
        })
        .collect();
    CoveragePolicy {
        optional: raw.optional.unwrap_or(false),
        lines: threshold(raw.lines, sink),
        branches: threshold(raw.branches, sink),
        functions: threshold(raw.functions, sink),
        regions: threshold(raw.regions, sink),
        statements: threshold(raw.statements, sink),
        patch: threshold(raw.patch, sink),
        max_drop: threshold(raw.max_drop, sink),
        paths,
    }
}

fn audit(raw: RawAudit, sink: &mut DiagSink<'_>) -> AuditPolicy {
    let fail_on = match raw.fail_on {
        None => FailOn::Any,
        Some(f) => {
            match f.get_ref().as_str() {
                "any" => FailOn::Any,
                "low" => FailOn::Low,
                "medium" => FailOn::Medium,
                "high" => FailOn::High,
                "critical" => FailOn::Critical,
                "none" => FailOn::None,
                other => {
                    sink.at(span(&f), format!("`fail_on` must be none, low, medium, high, critical or any; got `{other}`"));
                    FailOn::Any
                }
            }
        }
    };
    let unscored_fails = match raw.unscored {
        None => true,
        Some(u) => match u.get_ref().as_str() {
            "fail" => true,
            "pass" => false,
            other => {
                sink.at(
                    span(&u),
                    format!("`unscored` must be `fail` or `pass`; got `{other}`"),
                );
                true
            }
        },
    };
    let mut warnings = Vec::new();
    let mut seen = Keys::default();
    for w in raw.warnings.unwrap_or_default() {
        if WARNING_KINDS.contains(&w.get_ref().as_str()) {
            if seen.add(Family::AuditWarnings, &w, sink) {
                warnings.push(w.into_inner());
            }
        } else {
            sink.at(
                span(&w),
                format!(
                    "unknown warning kind `{}`; expected one of {}",
                    w.get_ref(),
                    WARNING_KINDS.join(", ")
                ),
            );
        }
    }
    let mut ignore = Vec::new();
    for entry in raw.ignore.unwrap_or_default() {
        let reason = match entry.reason {
            Some(r) if !r.get_ref().trim().is_empty() => r.into_inner(),
            Some(r) => {
                sink.at(
                    span(&r),
                    "`reason` must say why the advisory does not apply",
                );
                String::new()
            }
            None => {
                sink.at(
                    span(&entry.id),
                    format!("ignore of `{}` needs a `reason`", entry.id.get_ref()),
                );
                String::new()
            }
        };
        let expires = entry.expires.and_then(|e| {
            let date = date(e.get_ref());
            if date.is_none() {
                sink.at(
                    span(&e),
                    "`expires` must be a date like 2027-01-31 (a TOML date, or the same in quotes)",
                );
            }
            date
        });
        ignore.push(AuditIgnore {
            id: entry.id.into_inner(),
            reason,
            expires,
        });
    }
    AuditPolicy {
        optional: raw.optional.unwrap_or(false),
        fail_on,
        unscored_fails,
        warnings,
        ignore,
        max_db_age: match raw.max_db_age {
            None => DEFAULT_MAX_DB_AGE,
            some => positive(
                some,
                "max_db_age",
                "no database is that fresh; give the days it may be old (at least 1, default 30)",
                sink,
            ),
        },
    }
}

/// A calendar date written as a TOML date (`2027-01-31`) or as a string
/// holding one (`"2027-01-31"`); a time of day is not a date.
fn date(value: &toml::Value) -> Option<chrono::NaiveDate> {
    match value {
        toml::Value::Datetime(dt) => match dt.date {
            Some(d) if dt.time.is_none() => chrono::NaiveDate::from_ymd_opt(
                i32::from(d.year),
                u32::from(d.month),
                u32::from(d.day),
            ),
            _ => None,
        },
        toml::Value::String(text) => {
            chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()
        }
        _ => None,
    }
}

/// Whether a relative path stays inside the directory it is relative to
/// (`dir` already inside the repository): not absolute, and no `..` climbs
/// above the top. Such a path cannot be read from a trusted commit and
/// points at files the repository does not control.
///
/// `dir` may itself climb (`../../policies` from a configuration in a
/// subdirectory): the path may then go as high as `dir` went, no higher.
pub(crate) fn stays_inside(dir: &Path, path: &str) -> bool {
    if is_absolute(path) {
        return false;
    }
    let mut depth: isize = 0;
    let mut floor: isize = 0;
    let dir = dir.to_string_lossy().replace('\\', "/");
    for part in dir.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                depth -= 1;
                floor = floor.min(depth);
            }
            _ => depth += 1,
        }
    }
    for part in path.replace('\\', "/").split('/') {
        match part {
            "" | "." => {}
            ".." => {
                depth -= 1;
                if depth < floor {
                    return false;
                }
            }
            _ => depth += 1,
        }
    }
    true
}

/// An absolute path, Unix or Windows style (`/x`, `\\x`, `C:x`).
fn is_absolute(path: &str) -> bool {
    path.starts_with(['/', '\\']) || Path::new(path).is_absolute() || path.get(1..2) == Some(":")
}

/// Records a diagnostic when `value` is an absolute path.
pub(crate) fn check_relative(value: &Spanned<String>, key: &str, sink: &mut DiagSink<'_>) -> bool {
    let relative = !is_absolute(value.get_ref());
    if !relative {
        sink.at(
            span(value),
            format!(
                "`{key} = \"{}\"` is an absolute path: write it relative to the repository root, inside the repository",
                value.get_ref()
            ),
        );
    }
    relative
}

/// Records a diagnostic when `value`, relative to `dir`, leaves the repository.
pub(crate) fn check_inside(
    dir: &Path,
    value: &Spanned<String>,
    key: &str,
    sink: &mut DiagSink<'_>,
) -> bool {
    let inside = stays_inside(dir, value.get_ref());
    if !inside {
        sink.at(
            span(value),
            format!(
                "`{key} = \"{}\"` leaves the repository: write a relative path that stays inside it (no absolute path, no `..` above the top)",
                value.get_ref()
            ),
        );
    }
    inside
}

/// Author associations GitHub reports.
const ASSOCIATIONS: [&str; 8] = [
    "OWNER",
    "MEMBER",
    "COLLABORATOR",
    "CONTRIBUTOR",
    "FIRST_TIMER",
    "FIRST_TIME_CONTRIBUTOR",
    "MANNEQUIN",
    "NONE",
];

fn reviews(raw: RawReviews, sink: &mut DiagSink<'_>) -> ReviewsPolicy {
    let mut associations = Vec::new();
    for a in raw.associations.unwrap_or_default() {
        if ASSOCIATIONS.contains(&a.get_ref().as_str()) {
            associations.push(a.into_inner());
        } else {
            sink.at(
                span(&a),
                format!(
                    "unknown association `{}`; expected one of {}",
                    a.get_ref(),
                    ASSOCIATIONS.join(", ")
                ),
            );
        }
    }
    ReviewsPolicy {
        optional: raw.optional.unwrap_or(false),
        approvals: count(raw.approvals, 1, "approvals", sink),
        current_head_only: raw.current_head_only.unwrap_or(true),
        block_on_changes_requested: raw.block_on_changes_requested.unwrap_or(true),
        associations,
    }
}

fn benchmarks(raw: RawBenchmarks, sink: &mut DiagSink<'_>) -> BenchmarksPolicy {
    let max_regression = raw.max_regression.and_then(|m| {
        let v = *m.get_ref();
        if v.is_finite() && v >= 0.0 {
            Some(v)
        } else {
            sink.at(
                span(&m),
                "`max_regression` must be a non-negative percentage",
            );
            None
        }
    });
    let mut seen = Keys::default();
    let slo = raw
        .slo
        .unwrap_or_default()
        .into_iter()
        .filter_map(|s| {
            seen.add(Family::BenchSlo, &s.bench, sink);
            let matcher = glob(&s.bench, GlobOver::Ids, sink);
            let max_ns = parse_duration_ns(s.max.get_ref());
            if max_ns.is_none() {
                sink.at(
                    span(&s.max),
                    format!(
                        "`max` must be a duration like 1ms, 200us, 50ns or 1.5s; got `{}`",
                        s.max.get_ref()
                    ),
                );
            }
            Some(SloPolicy {
                bench: s.bench.into_inner(),
                matcher: matcher?,
                max_text: s.max.into_inner(),
                max_ns: max_ns?,
            })
        })
        .collect();
    BenchmarksPolicy {
        optional: raw.optional.unwrap_or(false),
        max_regression,
        slo,
    }
}

/// Parses `1ms`, `200us`, `200µs`, `50ns`, `1.5s` into nanoseconds.
#[must_use]
pub fn parse_duration_ns(text: &str) -> Option<f64> {
    let text = text.trim();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let (number, unit) = text.split_at(split);
    let value: f64 = number.parse().ok()?;
    let scale = match unit.trim() {
        "ns" => 1.0,
        "us" | "µs" | "μs" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        _ => return None,
    };
    (value.is_finite() && value >= 0.0).then_some(value * scale)
}

fn tests(raw: RawTests, sink: &mut DiagSink<'_>) -> TestsPolicy {
    let min_tests = match raw.min_tests {
        None => 1,
        Some(m) => u64::try_from(*m.get_ref()).unwrap_or_else(|_| {
            sink.at(span(&m), "`min_tests` must be a non-negative whole number");
            1
        }),
    };
    TestsPolicy {
        optional: raw.optional.unwrap_or(false),
        all_pass: raw.all_pass.unwrap_or(true),
        min_tests,
    }
}

fn checks(raw: RawChecks, sink: &mut DiagSink<'_>) -> ChecksPolicy {
    let mut required = Vec::new();
    let mut seen = Keys::default();
    for entry in raw.required.unwrap_or_default() {
        let entry_span = entry.span();
        let (name, app, workflow) = match entry.into_inner() {
            RawRequiredCheck::Name(name) => (Spanned::new(entry_span, name), None, None),
            RawRequiredCheck::Bound(bound) => {
                let Some(name) = bound.name else {
                    sink.at(
                        Some(entry_span),
                        "a required check table needs `name` (the check's name)",
                    );
                    continue;
                };
                (name, bound.app, bound.workflow)
            }
        };
        let mut valid = true;
        if let Some(app) = &app {
            if !valid_app_slug(app.get_ref()) {
                sink.at(
                    span(app),
                    format!(
                        "`app = \"{}\"` is not an app slug: lower-case letters, digits and `-` (GitHub Actions is `{GITHUB_ACTIONS}`)",
                        app.get_ref()
                    ),
                );
                valid = false;
            }
        }
        if let Some(workflow) = &workflow {
            match app.as_ref().map(Spanned::get_ref) {
                Some(a) if a == GITHUB_ACTIONS => {}
                Some(a) => {
                    sink.at(
                        span(workflow),
                        format!("`workflow` binds a GitHub Actions check, but `app` is `{a}`: use `app = \"{GITHUB_ACTIONS}\"`"),
                    );
                    valid = false;
                }
                None => {
                    sink.at(
                        span(workflow),
                        format!("`workflow` binds a GitHub Actions check: add `app = \"{GITHUB_ACTIONS}\"`"),
                    );
                    valid = false;
                }
            }
            if !valid_workflow_file(workflow.get_ref()) {
                sink.at(
                    span(workflow),
                    format!(
                        "`workflow = \"{}\"` is not a workflow file: GitHub runs files directly under `.github/workflows/` ending in `.yml` or `.yaml`, e.g. `.github/workflows/ci.yml`",
                        workflow.get_ref()
                    ),
                );
                valid = false;
            }
        }
        if name.get_ref().trim().is_empty() {
            sink.at(span(&name), "a required check name cannot be empty");
        } else if seen.add(Family::ChecksRequired, &name, sink) && valid {
            required.push(RequiredCheck {
                name: name.into_inner(),
                app: app.map(Spanned::into_inner),
                workflow: workflow.map(Spanned::into_inner),
            });
        }
    }
    ChecksPolicy {
        optional: raw.optional.unwrap_or(false),
        required,
        allow_neutral: raw.allow_neutral.unwrap_or(false),
        allow_skipped: raw.allow_skipped.unwrap_or(false),
    }
}

/// A GitHub App slug: what GitHub derives from the app's name.
fn valid_app_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// A workflow file as GitHub Actions finds them: directly under
/// `.github/workflows/`, `.yml` or `.yaml`. No `@`: GitHub appends `@REF`
/// to a run's path, so a file name holding one could not be told apart.
fn valid_workflow_file(path: &str) -> bool {
    path.strip_prefix(".github/workflows/").is_some_and(|file| {
        let stem = file
            .strip_suffix(".yml")
            .or_else(|| file.strip_suffix(".yaml"));
        stem.is_some_and(|s| !s.is_empty())
            && !file.contains(['/', '\\', '@'])
            && !file.starts_with('.')
    })
}

fn release(raw: RawRelease, sink: &mut DiagSink<'_>) -> ReleasePolicy {
    ReleasePolicy {
        optional: raw.optional.unwrap_or(false),
        changelog: raw
            .changelog
            .filter(|c| check_inside(Path::new(""), c, "changelog", sink))
            .map(Spanned::into_inner),
        version_matches_tag: raw.version_matches_tag.unwrap_or(false),
    }
}

fn signoff(raw: RawSignoff, seen: &mut Keys, sink: &mut DiagSink<'_>) -> SignoffPolicy {
    if valid_name(raw.id.get_ref()) {
        seen.add(Family::Signoff, &raw.id, sink);
    } else {
        sink.at(
            span(&raw.id),
            "sign-off `id` must be letters, digits, `-`, `_` or `.`",
        );
    }
    let principals: Vec<String> = raw
        .principals
        .unwrap_or_default()
        .into_iter()
        .map(Spanned::into_inner)
        .collect();
    if principals.is_empty() {
        sink.at(
            span(&raw.id),
            format!("sign-off `{}` needs `principals`", raw.id.get_ref()),
        );
    }
    let count = positive(
        raw.count,
        "count",
        "a sign-off nobody needs to give is no sign-off: remove it, or ask for 1 or more",
        sink,
    );
    SignoffPolicy {
        title: raw.title.unwrap_or_else(|| raw.id.get_ref().clone()),
        id: raw.id.into_inner(),
        principals,
        count,
    }
}

fn document(raw: RawDocument, seen: &mut Keys, sink: &mut DiagSink<'_>) -> Option<DocumentPolicy> {
    if valid_name(raw.id.get_ref()) {
        seen.add(Family::Documents, &raw.id, sink);
    } else {
        sink.at(
            span(&raw.id),
            "document `id` must be letters, digits, `-`, `_` or `.`",
        );
    }
    let matcher = glob(&raw.glob, GlobOver::Paths, sink)?;
    Some(DocumentPolicy {
        title: raw.title.unwrap_or_else(|| raw.id.get_ref().clone()),
        id: raw.id.into_inner(),
        glob: raw.glob.into_inner(),
        matcher,
        marker: raw.marker,
        min_files: count(raw.min_files, 1, "min_files", sink),
        optional: raw.optional.unwrap_or(false),
    })
}

/// `[overrides]`, and where each `not_overridable` entry was written. Every
/// entry must be a rule id of the catalogue (or a keyed family's bare name):
/// a misspelt one would otherwise protect nothing, silently.
fn overrides(raw: RawOverrides, sink: &mut DiagSink<'_>) -> (OverridesPolicy, Vec<Located>) {
    let mut not_overridable = Vec::new();
    let mut at = Vec::new();
    for entry in raw.not_overridable.unwrap_or_default() {
        match RuleRef::parse(entry.get_ref()) {
            Ok(r) => {
                let (line, column) = sink.line_col(entry.span().start);
                at.push(Located {
                    path: sink.path().to_path_buf(),
                    line,
                    column,
                });
                not_overridable.push(r);
            }
            Err(e) => sink.at(span(&entry), format!("`not_overridable`: {e}")),
        }
    }
    let policy = OverridesPolicy {
        // Relative to the policy file, like `extends`.
        signers: raw
            .signers
            .filter(|s| {
                let file = sink.path().to_path_buf();
                let dir = file.parent().unwrap_or_else(|| Path::new(""));
                file.is_absolute() || check_inside(dir, s, "signers", sink)
            })
            .map(Spanned::into_inner),
        min_signers: positive(
            raw.min_signers,
            "min_signers",
            "an override needs at least one signature: use 1 or more",
            sink,
        ),
        max_days: match raw.max_days {
            None => DEFAULT_MAX_DAYS,
            some => positive(
                some,
                "max_days",
                "a document would expire as soon as it is written: use 1 or more",
                sink,
            ),
        },
        not_overridable,
    };
    (policy, at)
}

#[cfg(test)]
mod tests {
    use super::parse_duration_ns;

    #[test]
    fn paths_that_leave_the_repository_are_caught() {
        use super::stays_inside;
        use std::path::Path;
        assert!(stays_inside(Path::new(""), "CHANGELOG.md"));
        assert!(stays_inside(Path::new("policies"), "../allowed_signers"));
        assert!(!stays_inside(Path::new("policies"), "../../x"));
        assert!(!stays_inside(Path::new(""), "../x"));
        assert!(!stays_inside(Path::new(""), "/etc/passwd"));
        assert!(!stays_inside(Path::new(""), "C:/x"));
        assert!(stays_inside(
            Path::new("fixtures/example"),
            "../../policies"
        ));
        assert!(stays_inside(Path::new("../../policies"), "gate1.toml"));
        assert!(!stays_inside(Path::new("../../policies"), "../../../x"));
        assert!(stays_inside(Path::new(""), "a/../b"));
        assert!(!stays_inside(Path::new(""), "a/../../b"));
    }

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration_ns("1ms"), Some(1e6));
        assert_eq!(parse_duration_ns("200us"), Some(2e5));
        assert_eq!(parse_duration_ns("200µs"), Some(2e5));
        assert_eq!(parse_duration_ns("50ns"), Some(50.0));
        assert_eq!(parse_duration_ns("1.5s"), Some(1.5e9));
        assert_eq!(parse_duration_ns("5"), None);
        assert_eq!(parse_duration_ns("5 parsecs"), None);
    }
}

#[cfg(test)]
mod glob_tests {
    use std::path::Path;

    use crate::policy::{load_policy, FileSource};

    struct Text(&'static str);

    impl FileSource for Text {
        fn read(&self, _: &Path) -> std::io::Result<Option<Vec<u8>>> {
            Ok(Some(self.0.as_bytes().to_vec()))
        }
        fn describe(&self) -> String {
            "test".to_owned()
        }
    }

    #[test]
    fn path_globs_stay_in_one_directory_but_benchmark_globs_cross_slashes() {
        let policy = load_policy(
            &Text(
                "schema = 1\nname = \"g\"\nversion = \"1.0.0\"\n[coverage]\n[[coverage.paths]]\nglob = \"src/*.rs\"\nlines = 1.0\n[benchmarks]\n[[benchmarks.slo]]\nbench = \"lookup/*\"\nmax = \"1ms\"\n",
            ),
            Path::new("g.toml"),
        )
        .unwrap();
        let path = &policy.coverage.unwrap().paths[0].matcher;
        assert!(path.is_match("src/lib.rs"));
        assert!(!path.is_match("src/crypto/aes.rs"));
        let bench = &policy.benchmarks.unwrap().slo[0].matcher;
        assert!(bench.is_match("lookup/hot/100"));
    }
}

#[cfg(test)]
mod checks_tests {
    use std::path::Path;

    use crate::policy::{load_policy, RequiredCheck};

    use crate::policy::testing::Text;

    const HEAD: &str = "schema = 1\nname = \"g\"\nversion = \"1.0.0\"\n[checks]\n";

    fn load(checks: &str) -> Result<Vec<RequiredCheck>, Vec<String>> {
        load_policy(&Text(format!("{HEAD}{checks}")), Path::new("g.toml"))
            .map(|p| p.checks.unwrap().required)
            .map_err(|d| d.0.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn both_forms_of_a_required_check_are_read() {
        let required = load(
            "required = [\"ci / test\", { name = \"ci-ok\", app = \"github-actions\", workflow = \".github/workflows/ci.yml\" }, { name = \"codecov/patch\", app = \"codecov\" }]\n",
        )
        .unwrap();
        assert_eq!(
            required,
            [
                RequiredCheck {
                    name: "ci / test".into(),
                    app: None,
                    workflow: None
                },
                RequiredCheck {
                    name: "ci-ok".into(),
                    app: Some("github-actions".into()),
                    workflow: Some(".github/workflows/ci.yml".into())
                },
                RequiredCheck {
                    name: "codecov/patch".into(),
                    app: Some("codecov".into()),
                    workflow: None
                },
            ]
        );
    }

    #[test]
    fn every_problem_of_a_bound_check_is_reported_where_written() {
        let errors = load(concat!(
            "required = [\n",
            "  { name = \"a\", app = \"github-actions\", workflw = \".github/workflows/ci.yml\" },\n",
            "  { name = \"\", app = \"github-actions\" },\n",
            "  { name = \"c\", workflow = \".github/workflows/ci.yml\" },\n",
            "  { name = \"d\", app = \"octoapp\", workflow = \".github/workflows/ci.yml\" },\n",
            "  { name = \"e\", app = \"github-actions\", workflow = \"ci.yml\" },\n",
            "  { name = \"f\", app = \"github-actions\", workflow = \".github/workflows/sub/ci.yml@main\" },\n",
            "  { name = \"g\", app = \"GitHub Actions\" },\n",
            "  { app = \"github-actions\" },\n",
            "  \"a\",\n",
            "  42,\n",
            "]\n",
        ))
        .unwrap_err();
        assert_eq!(
            errors,
            [
                "g.toml:6:41: unknown key `workflw` in `[checks.required[0]]`; did you mean `workflow`?",
                "g.toml:15:3: invalid type: integer `42`, expected a check name, or a table { name, app, workflow }",
            ],
            "a type error stops the file; the rest is reported once it parses"
        );
        let errors = load(concat!(
            "required = [\n",
            "  { name = \"a\", app = \"github-actions\", workflw = \".github/workflows/ci.yml\" },\n",
            "  { name = \"\", app = \"github-actions\" },\n",
            "  { name = \"c\", workflow = \".github/workflows/ci.yml\" },\n",
            "  { name = \"d\", app = \"octoapp\", workflow = \".github/workflows/ci.yml\" },\n",
            "  { name = \"e\", app = \"github-actions\", workflow = \"ci.yml\" },\n",
            "  { name = \"f\", app = \"github-actions\", workflow = \".github/workflows/sub/ci.yml@main\" },\n",
            "  { name = \"g\", app = \"GitHub Actions\" },\n",
            "  { app = \"github-actions\" },\n",
            "  \"a\",\n",
            "]\n",
        ))
        .unwrap_err();
        assert_eq!(
            errors,
            [
                "g.toml:6:41: unknown key `workflw` in `[checks.required[0]]`; did you mean `workflow`?",
                "g.toml:7:12: a required check name cannot be empty",
                "g.toml:8:28: `workflow` binds a GitHub Actions check: add `app = \"github-actions\"`",
                "g.toml:9:45: `workflow` binds a GitHub Actions check, but `app` is `octoapp`: use `app = \"github-actions\"`",
                "g.toml:10:52: `workflow = \"ci.yml\"` is not a workflow file: GitHub runs files directly under `.github/workflows/` ending in `.yml` or `.yaml`, e.g. `.github/workflows/ci.yml`",
                "g.toml:11:52: `workflow = \".github/workflows/sub/ci.yml@main\"` is not a workflow file: GitHub runs files directly under `.github/workflows/` ending in `.yml` or `.yaml`, e.g. `.github/workflows/ci.yml`",
                "g.toml:12:23: `app = \"GitHub Actions\"` is not an app slug: lower-case letters, digits and `-` (GitHub Actions is `github-actions`)",
                "g.toml:13:3: a required check table needs `name` (the check's name)",
                "g.toml:14:3: `a` appears twice: both would be the rule `checks.required[a]`",
            ]
        );
    }

    #[test]
    fn max_db_age_defaults_to_30_days_and_refuses_0() {
        let audit = |body: &str| {
            load_policy(
                &Text(format!(
                    "schema = 1\nname = \"g\"\nversion = \"1.0.0\"\n[audit]\n{body}"
                )),
                Path::new("g.toml"),
            )
            .map(|p| p.audit.unwrap().max_db_age)
            .map_err(|d| d.0.iter().map(ToString::to_string).collect::<Vec<_>>())
        };
        assert_eq!(audit(""), Ok(30));
        assert_eq!(audit("max_db_age = 7"), Ok(7));
        let err = audit("max_db_age = 0").unwrap_err();
        assert!(err[0].contains("`max_db_age = 0`"), "{err:?}");
        assert!(audit("max_db_age = -3").is_err());
    }
}
