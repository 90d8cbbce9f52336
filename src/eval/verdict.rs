//! The verdict: what every renderer reads. Field names are the stable JSON
//! contract of docs/reports.md; renderers never look anywhere else.

use serde::Serialize;

use super::Context;
use crate::evidence::coverage::{CoverageReport, Tally};
use crate::policy::{Policy, PolicySource};

/// Outcome of one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The evidence could not be used (nothing found to measure, say).
    Error,
    /// The rule is not met.
    Fail,
    /// The data needed is not reachable in this (dry) run.
    Unknown,
    /// Not met, but waived by a valid signed override.
    Overridden,
    /// The rule does not apply here, or its optional evidence is absent.
    Skipped,
    /// The rule is met.
    Pass,
}

impl Status {
    /// Lowercase name as in reports.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Error => "error",
            Status::Fail => "fail",
            Status::Unknown => "unknown",
            Status::Overridden => "overridden",
            Status::Skipped => "skipped",
            Status::Pass => "pass",
        }
    }

    /// Whether this status blocks the gate.
    #[must_use]
    pub fn blocks(self) -> bool {
        matches!(self, Status::Error | Status::Fail)
    }
}

/// The overall outcome of a gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Conclusion {
    /// Every rule passed, was overridden or was skipped.
    Pass,
    /// At least one rule failed or errored.
    Fail,
    /// Nothing failed, but some rules could not be decided (dry run).
    Unknown,
    /// A local run (`check --local`, the pre-push hook): every rule this
    /// checkout can decide passed, and the rest (reviews, required checks:
    /// data only CI has) are decided in CI. Never the conclusion of any
    /// other run, where such rules leave the gate [`Conclusion::Unknown`].
    Pending,
}

impl Conclusion {
    /// Lowercase name as in reports.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Conclusion::Pass => "pass",
            Conclusion::Fail => "fail",
            Conclusion::Unknown => "unknown",
            Conclusion::Pending => "pending",
        }
    }
}

/// A signed override that changed a rule's status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppliedOverride {
    /// Principal(s) who signed.
    pub signer: String,
    /// Rules waived.
    pub rules: Vec<String>,
    /// Why.
    pub reason: String,
    /// When the waiver stops applying (RFC 3339).
    pub expires: String,
    /// Where the signed document was read from: a file path, or
    /// `comment #ID by @login, URL` for a pull-request comment.
    pub source: String,
}

/// What a signed document asked for, as far as it could be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum DocumentKind {
    /// `rules:`: an override.
    #[serde(rename = "override")]
    Override,
    /// `signoff:`: a sign-off.
    #[serde(rename = "sign-off")]
    Signoff,
    /// The document could not be parsed far enough to tell.
    #[serde(rename = "unknown")]
    Unknown,
}

impl DocumentKind {
    /// The name used in reports.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Override => "override",
            DocumentKind::Signoff => "sign-off",
            DocumentKind::Unknown => "document",
        }
    }
}

/// A signed document that was read (from a file or a pull-request comment)
/// and did not count, with the reason, so its author can see why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RejectedDocument {
    /// Where it was read from (see [`AppliedOverride::source`]).
    pub source: String,
    /// What it asked for.
    pub kind: DocumentKind,
    /// The rules an override named (empty otherwise).
    pub rules: Vec<String>,
    /// The `[[signoffs]]` id a sign-off named.
    pub signoff: Option<String>,
    /// Who validly signed it, when anyone did (a valid signature on a
    /// document bound to another commit, say).
    pub signer: Option<String>,
    /// Why it did not count.
    pub reason: String,
}

/// The result of one rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleResult {
    /// Stable rule id, e.g. `coverage.path[src/crypto/**]`.
    pub id: String,
    /// Human title.
    pub title: String,
    /// Outcome.
    pub status: Status,
    /// Measured value, when there was one.
    pub actual: Option<String>,
    /// What the policy requires.
    pub required: String,
    /// One sentence on the outcome.
    pub message: String,
    /// What to do about a failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// The override that waived this rule, if any.
    #[serde(rename = "override")]
    pub override_: Option<AppliedOverride>,
}

impl RuleResult {
    /// A rule result without an override.
    #[must_use]
    pub fn new(
        id: impl Into<String>,
        title: impl Into<String>,
        status: Status,
        actual: Option<String>,
        required: &str,
        message: String,
        help: Option<String>,
    ) -> Self {
        Self {
            id: id.into(),
            title: title.into(),
            status,
            actual,
            required: required.to_owned(),
            message,
            help,
            override_: None,
        }
    }
}

/// The policy that judged, as recorded in every report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyInfo {
    /// Policy name.
    pub name: String,
    /// Policy version.
    pub version: String,
    /// SHA-256 of the policy file.
    pub sha256: String,
    /// Policy file path.
    pub path: String,
    /// Files inherited through `extends`, nearest first; an auditor needs
    /// their hashes too, since they decide rules as much as the file itself.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extends: Vec<PolicySource>,
}

/// A found/hit figure with its percentage (`null` when nothing was found).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TallyReport {
    /// Items instrumented.
    pub found: u64,
    /// Items executed.
    pub hit: u64,
    /// `hit / found` in percent, `null` when `found` is zero.
    pub percent: Option<f64>,
}

impl TallyReport {
    /// The change from this figure to `head` in points, as
    /// [`super::format_change`] shows it (`-2.00`; `n/a` without figures).
    #[must_use]
    pub fn change_to(&self, head: &TallyReport) -> String {
        let tally = |t: &TallyReport| Tally {
            found: t.found,
            hit: t.hit,
        };
        super::format_change(tally(self), tally(head))
    }
}

impl From<Tally> for TallyReport {
    fn from(t: Tally) -> Self {
        Self {
            found: t.found,
            hit: t.hit,
            percent: t.percent(),
        }
    }
}

/// Coverage figures as reported (docs/reports.md, `evidence.coverage`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageEvidence {
    /// Distinct source files.
    pub files: usize,
    /// Line totals.
    pub lines: TallyReport,
    /// Branch totals.
    pub branches: TallyReport,
    /// Function totals.
    pub functions: TallyReport,
    /// Region totals, when the evidence has regions (llvm-cov's JSON export).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub regions: Option<TallyReport>,
    /// Statement totals, when the evidence has statements (Go cover profiles).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statements: Option<TallyReport>,
    /// Changed-line totals, when there was a change set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patch: Option<TallyReport>,
    /// The base commit's figures, when a coverage baseline was read
    /// (`--coverage-baseline`): renderers show base -> head from these.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base: Option<CoverageBase>,
    /// Files whose line coverage differs from the base's although the
    /// change does not touch them, when a baseline and a change set are
    /// both known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub indirect_changes: Option<IndirectChanges>,
}

/// The base commit's coverage totals (docs/reports.md, `evidence.coverage.base`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageBase {
    /// Where the base's coverage came from: the baseline file(s).
    pub source: String,
    /// Distinct source files.
    pub files: usize,
    /// Line totals.
    pub lines: TallyReport,
    /// Branch totals.
    pub branches: TallyReport,
    /// Function totals.
    pub functions: TallyReport,
    /// Region totals, when every file has regions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub regions: Option<TallyReport>,
}

/// One file whose coverage changed without the change touching it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndirectChange {
    /// Repository-relative path.
    pub path: String,
    /// Its lines in the base (0/0 when the base does not list it).
    pub base: TallyReport,
    /// Its lines in the head (0/0 when the head does not list it).
    pub head: TallyReport,
}

/// Indirect changes (Codecov's term): listed up to a bound, the rest counted.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct IndirectChanges {
    /// The first files, in path order.
    pub files: Vec<IndirectChange>,
    /// How many more files changed than are listed.
    pub more: usize,
}

/// The default branch's recent coverage, oldest first, for the trend
/// chart (docs/reports.md, `coverage_trend`). The judge fills it from the
/// default branch's own evidence runs (pushes to it, never a pull
/// request's run); evaluation never reads it, and a local run has none.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CoverageTrend {
    /// The default branch the runs were pushes to.
    pub branch: String,
    /// One point per commit, oldest first.
    pub points: Vec<TrendPoint>,
}

/// One commit's coverage totals in a [`CoverageTrend`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrendPoint {
    /// The commit's sha, as the API gave it (hexadecimal).
    pub commit: String,
    /// When its evidence run was created (`YYYY-MM-DD`), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Line totals.
    pub lines: TallyReport,
    /// Branch totals (`found` 0 where the evidence has no branches).
    pub branches: TallyReport,
}

impl CoverageEvidence {
    /// Summarises a merged report.
    #[must_use]
    pub fn from_report(report: &CoverageReport, patch: Option<Tally>) -> Self {
        let totals = report.totals();
        Self {
            files: report.file_count(),
            lines: totals.lines.into(),
            branches: totals.branches.into(),
            functions: totals.functions.into(),
            regions: totals.regions.map(Into::into),
            statements: totals.statements.map(Into::into),
            patch: patch.map(Into::into),
            base: None,
            indirect_changes: None,
        }
    }
}

/// The evidence section of a report: what was measured, whatever the rules.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct EvidenceSummary {
    /// Coverage figures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coverage: Option<CoverageEvidence>,
    /// Current approvals and change requests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reviews: Option<super::ReviewTally>,
    /// Advisories and warning counts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit: Option<crate::evidence::audit::AuditSummary>,
    /// Test counts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tests: Option<crate::evidence::junit::TestsSummary>,
    /// Benchmark figures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bench: Option<Vec<crate::evidence::bench::BenchSummary>>,
    /// Which commits the benchmarks compared, as the run recorded them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bench_commits: Option<crate::evidence::bench::BenchCommits>,
}

/// Severity of an annotation, as GitHub's check-run API names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AnnotationLevel {
    /// Blocks the gate (a failing rule's finding).
    Failure,
    /// Worth a look, does not block.
    Warning,
    /// Informational.
    Notice,
}

/// A finding tied to a place in the repository: an uncovered changed line,
/// a vulnerable package at its `Cargo.lock` line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Annotation {
    /// Repository-relative path.
    pub path: String,
    /// First line (1-based).
    pub start_line: u32,
    /// Last line (inclusive).
    pub end_line: u32,
    /// Severity.
    pub level: AnnotationLevel,
    /// The rule that produced it.
    pub rule: String,
    /// Short title.
    pub title: String,
    /// Explanation.
    pub message: String,
}

/// The whole outcome of one gate evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// Gate name (the policy's name).
    pub gate: String,
    /// Gate title.
    #[serde(skip)]
    pub title: String,
    /// The policy that judged.
    pub policy: PolicyInfo,
    /// What was judged.
    pub context: Context,
    /// Overall outcome.
    pub conclusion: Conclusion,
    /// Every rule, in policy order.
    pub rules: Vec<RuleResult>,
    /// Measured figures.
    pub evidence: EvidenceSummary,
    /// Overrides applied.
    pub overrides: Vec<AppliedOverride>,
    /// Signed documents read that did not count, with the reason.
    pub rejected: Vec<RejectedDocument>,
    /// Findings tied to source locations, in rule order; renderers rank and
    /// cap them for GitHub's limits, the JSON report keeps them all.
    pub annotations: Vec<Annotation>,
    /// Remarks that are not rules (unused waivers, policy changes in a PR).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The default branch's recent coverage, when the judge found it: a
    /// decoration that no rule reads.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coverage_trend: Option<CoverageTrend>,
}

impl Verdict {
    /// Assembles a verdict and derives its conclusion from the rules.
    #[must_use]
    pub fn new(
        policy: &Policy,
        context: &Context,
        rules: Vec<RuleResult>,
        evidence: EvidenceSummary,
    ) -> Self {
        let conclusion = conclude(&rules, context.local);
        Self {
            gate: policy.name.clone(),
            title: policy.title.clone(),
            policy: PolicyInfo {
                name: policy.source.name.clone(),
                version: policy.source.version.clone(),
                sha256: policy.source.sha256.clone(),
                path: policy.source.path.clone(),
                extends: policy.inherited.clone(),
            },
            context: context.clone(),
            conclusion,
            rules,
            evidence,
            overrides: Vec::new(),
            rejected: Vec::new(),
            annotations: Vec::new(),
            notes: Vec::new(),
            coverage_trend: None,
        }
    }

    /// Re-derives the conclusion after rules changed (overrides applied).
    pub fn reconclude(&mut self) {
        self.conclusion = conclude(&self.rules, self.context.local);
    }

    /// Whether the gate passed.
    #[must_use]
    pub fn passed(&self) -> bool {
        self.conclusion == Conclusion::Pass
    }

    /// Whether the run may go on: the gate passed, or (a local run only)
    /// everything this checkout can decide passed ([`Conclusion::Pending`]).
    #[must_use]
    pub fn passed_locally(&self) -> bool {
        self.passed() || (self.context.local && self.conclusion == Conclusion::Pending)
    }

    /// The rules a local run leaves to CI (`unknown`: their data is on GitHub).
    pub fn decided_in_ci(&self) -> impl Iterator<Item = &RuleResult> {
        self.rules.iter().filter(|r| r.status == Status::Unknown)
    }

    /// `Some` when the gate judged nothing: the policy has no rules, or
    /// every rule was skipped (every section `optional` and no evidence
    /// given). Such a gate must not pass, and is better told apart from a
    /// failure: the run needs input, not a fix.
    #[must_use]
    pub fn nothing_judged(&self) -> Option<NothingJudged> {
        if self.rules.iter().any(|r| r.status != Status::Skipped) {
            return None;
        }
        Some(NothingJudged {
            gate: self.gate.clone(),
            policy: self.policy.path.clone(),
            skipped: self
                .rules
                .iter()
                .map(|r| format!("{}: {}", r.id, r.message))
                .collect(),
        })
    }
}

/// A gate that judged nothing (see [`Verdict::nothing_judged`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", describe_nothing_judged(self))]
pub struct NothingJudged {
    /// The gate.
    pub gate: String,
    /// Its policy file.
    pub policy: String,
    /// Each skipped rule with the reason; empty when there are no rules.
    pub skipped: Vec<String>,
}

fn describe_nothing_judged(e: &NothingJudged) -> String {
    if e.skipped.is_empty() {
        return format!(
            "gate {} judged nothing: {} defines no rules; add a section such as [coverage] or [tests] (docs/policy.md)",
            e.gate, e.policy
        );
    }
    let mut text = format!(
        "gate {} judged nothing: every rule was skipped, so it cannot pass",
        e.gate
    );
    for line in &e.skipped {
        text.push_str("\n  - ");
        text.push_str(line);
    }
    text.push_str(
        "\nprovide the evidence these rules need (--coverage, --audit, --tests, --bench, or [evidence] in tollgate.toml), \
         or drop `optional = true` from their sections in the policy so that absent evidence fails",
    );
    text
}

/// A gate with no rules at all, or whose every rule was skipped, has
/// judged nothing: that is not a pass. Rules a run cannot decide leave it
/// `unknown`, or `pending` in a local run.
fn conclude(rules: &[RuleResult], local: bool) -> Conclusion {
    if rules.iter().all(|r| r.status == Status::Skipped) || rules.iter().any(|r| r.status.blocks())
    {
        Conclusion::Fail
    } else if rules.iter().any(|r| r.status == Status::Unknown) {
        if local {
            Conclusion::Pending
        } else {
            Conclusion::Unknown
        }
    } else {
        Conclusion::Pass
    }
}

/// Formats a percentage for display, rounding *down* at two decimals so the
/// shown figure never looks like it meets a threshold it does not (79.996%
/// shows as 79.99%).
#[must_use]
pub fn format_percent(hit: u64, found: u64) -> String {
    if found == 0 {
        return "n/a".to_owned();
    }
    let hundredths = u128::from(hit) * 10_000 / u128::from(found);
    format!("{}.{:02}%", hundredths / 100, hundredths % 100)
}
