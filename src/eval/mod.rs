//! The judge: `(policy, evidence, context, now) -> Verdict`, with no I/O.
//!
//! Everything the gate decides is decided here, so this is where the rules'
//! semantics live and where tests are cheapest. Evidence arrives already
//! parsed; a kind of evidence that was expected but not found is a value
//! ([`Slot::Missing`]) so that fail-closed behaviour is a rule, not an accident.

mod audit;
mod bench;
mod checks;
mod coverage;
mod coverage_drop;
mod release;
mod reviews;
mod signoffs;
mod testrun;
mod verdict;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::evidence::audit::AuditReport;
use crate::evidence::bench::{BenchCommits, Benchmark};
use crate::evidence::coverage::CoverageReport;
use crate::evidence::diff::ChangedLines;
use crate::evidence::github::{CommitChecks, PullRequestReviews};
use crate::evidence::junit::TestRun;
use crate::policy::Policy;

/// Where a policy layer came from: part of the verdict ([`PolicyInfo`]), so
/// renderers name it from here rather than reaching into `policy`.
pub use crate::policy::PolicySource;
pub use bench::format_ns;
pub use coverage::{patch_coverage, PatchCoverage};
pub use coverage_drop::{drop_within, format_change, INDIRECT_LISTED};
pub use release::{
    ChangelogFinding, ChangelogState, DocumentEvidence, ManifestsNotCommitted, ReleaseEvidence,
};
pub use reviews::{tally as review_tally, ReviewTally};
pub use signoffs::SignoffSignature;
pub use verdict::*;

/// One kind of evidence, as far as the run could obtain it.
#[derive(Debug, Clone)]
pub enum Slot<T> {
    /// The evidence was read.
    Present {
        /// The parsed evidence.
        value: T,
        /// Where it came from, for messages.
        sources: Vec<String>,
    },
    /// The evidence was expected but not there: the rules that need it fail
    /// (or are skipped when their section is `optional`).
    Missing {
        /// What was looked for; empty when nothing was configured.
        expected: Vec<String>,
    },
    /// The evidence cannot be obtained in this run (a dry run without a
    /// token): the rules that need it are `unknown`, never passed.
    Unavailable {
        /// Why, in words.
        reason: String,
    },
    /// The rule does not apply in this context (no base commit to diff
    /// against, say): its rules are skipped with this reason.
    NotApplicable {
        /// Why, in words.
        reason: String,
    },
}

impl<T> Default for Slot<T> {
    fn default() -> Self {
        Slot::Missing {
            expected: Vec::new(),
        }
    }
}

impl<T> Slot<T> {
    /// The value, if present.
    pub fn value(&self) -> Option<&T> {
        match self {
            Slot::Present { value, .. } => Some(value),
            _ => None,
        }
    }
}

/// Everything the run gathered, parsed into neutral models.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    /// Merged coverage of every report given.
    pub coverage: Slot<CoverageReport>,
    /// The base commit's coverage, for `coverage.drop`: what
    /// `--coverage-baseline` (or `[evidence] coverage_baseline`) gave.
    pub coverage_baseline: Slot<CoverageReport>,
    /// Changed lines of the commit range under review (for `coverage.patch`).
    pub changes: Slot<ChangedLines>,
    /// Reviews of the pull request.
    pub reviews: Slot<PullRequestReviews>,
    /// Other checks on the head commit.
    pub checks: Slot<CommitChecks>,
    /// cargo-audit findings.
    pub audit: Slot<AuditReport>,
    /// `Cargo.lock` path and text, to point annotations at vulnerable packages.
    pub lockfile: Option<(String, String)>,
    /// Test results.
    pub tests: Slot<TestRun>,
    /// Benchmark results, paired with their baselines where known.
    pub bench: Slot<Vec<Benchmark>>,
    /// Which commits the benchmark comparison measured, as the benchmark
    /// run recorded them (untrusted: `bench.regression` checks them against
    /// the context).
    pub bench_commits: Option<BenchCommits>,
    /// Each round of a repeated base-and-head comparison (the record's
    /// `rounds`), in order; empty for a single comparison, which is then
    /// the benchmarks' own change.
    pub bench_rounds: Vec<crate::evidence::bench::BenchRound>,
    /// The separately supplied benchmark baseline (`--bench-baseline`),
    /// when one was paired with the results.
    pub bench_baseline: Option<String>,
    /// The merge base of the judged commit and [`Context::base`], computed
    /// from the trusted history when it holds both.
    pub merge_base: Option<String>,
    /// Release tag, package versions and changelog.
    pub release: Slot<ReleaseEvidence>,
    /// Files found for each `[[documents]]` rule.
    pub documents: DocumentEvidence,
    /// Valid signatures on sign-off documents for this repository, commit
    /// and gate (verified by [`crate::overrides`]); none means every
    /// `signoff[ID]` rule fails.
    pub signoffs: Vec<SignoffSignature>,
    /// Evidence files written before the judged commit was made (noted in
    /// the report). Only looked for where the working tree is the judged
    /// commit (a local run): in CI the files are made after the checkout,
    /// and the judge's come from an artifact, whose file times say nothing.
    pub stale: Vec<StaleEvidence>,
    /// Changed files modified in the working tree after the coverage report
    /// was written: the report cannot describe them, so `coverage.patch`
    /// is an error (local runs only, as [`Evidence::stale`]).
    pub changed_after_coverage: Vec<ChangedAfterCoverage>,
}

/// An evidence file older than the commit judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaleEvidence {
    /// What it is, in words (`coverage report`).
    pub what: String,
    /// The file.
    pub path: String,
    /// Its modification time.
    pub written: DateTime<Utc>,
    /// The commit judged.
    pub commit: String,
    /// The commit's committer time.
    pub committed: DateTime<Utc>,
}

/// A changed file edited after the coverage report was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedAfterCoverage {
    /// The changed file, repository-relative.
    pub path: String,
    /// Its modification time in the working tree.
    pub modified: DateTime<Utc>,
    /// The coverage report.
    pub report: String,
    /// The report's modification time.
    pub written: DateTime<Utc>,
}

/// What kind of run is judged: a local checkout or the Actions event.
///
/// Serialises to the event's name as reports have always carried it
/// (`local`, `pull_request`, `push`, `tag`, or the Actions event name such
/// as `workflow_dispatch`); [`ContextKind::from_name`] reads it back.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub enum ContextKind {
    /// A run outside GitHub Actions, on the working tree.
    #[default]
    Local,
    /// A pull request (`pull_request`, `pull_request_target`,
    /// `pull_request_review`): judged at the head commit.
    PullRequest,
    /// A push to a branch.
    Push,
    /// A release tag, pushed or given with `--tag`.
    Tag,
    /// Any other Actions event (`workflow_dispatch`, `schedule`, ...), by
    /// name. Never one of the names above: build it with
    /// [`ContextKind::from_name`].
    Event(String),
}

impl ContextKind {
    /// The kind a name stands for: the named variants for their own names,
    /// [`ContextKind::Event`] for anything else.
    #[must_use]
    pub fn from_name(name: &str) -> Self {
        match name {
            "local" => Self::Local,
            "pull_request" => Self::PullRequest,
            "push" => Self::Push,
            "tag" => Self::Tag,
            other => Self::Event(other.to_owned()),
        }
    }

    /// The name reports show and the JSON report carries.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::Local => "local",
            Self::PullRequest => "pull_request",
            Self::Push => "push",
            Self::Tag => "tag",
            Self::Event(name) => name,
        }
    }
}

impl From<&str> for ContextKind {
    fn from(name: &str) -> Self {
        Self::from_name(name)
    }
}

impl std::fmt::Display for ContextKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ContextKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for ContextKind {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Ok(Self::from_name(&name))
    }
}

/// What is being judged, and where.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Context {
    /// The kind of run: local, pull request, push, tag or another event.
    pub kind: ContextKind,
    /// `owner/name`, when known.
    pub repository: Option<String>,
    /// The commit judged (the PR head, never a merge commit).
    pub commit: Option<String>,
    /// Pull-request number.
    pub pull_request: Option<u64>,
    /// Base commit the changes are measured against.
    pub base: Option<String>,
    /// Release tag being judged.
    pub tag: Option<String>,
    /// Nothing is written to GitHub; unreachable data is `unknown`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub dry_run: bool,
    /// A local run (`check --local`, the pre-push hook): always a dry run,
    /// and rules only CI can decide do not block ([`Conclusion::Pending`]).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub local: bool,
}

/// Evaluates every rule of `policy` against `evidence`.
#[must_use]
pub fn evaluate(
    policy: &Policy,
    evidence: &Evidence,
    context: &Context,
    now: DateTime<Utc>,
) -> Verdict {
    let mut rules = Vec::new();
    let mut notes = Vec::new();
    let mut annotations = Vec::new();
    if let Some(cov) = &policy.coverage {
        coverage::rules(cov, evidence, &mut rules);
        coverage_drop::rules(cov, evidence, &mut rules);
    }
    let reviews = policy
        .reviews
        .as_ref()
        .and_then(|p| reviews::rules(p, &evidence.reviews, &mut rules));
    if let Some(p) = &policy.checks {
        checks::rules(
            p,
            &evidence.checks,
            &evidence.changes,
            context,
            &mut rules,
            &mut notes,
        );
    }
    if let Some(p) = &policy.audit {
        audit::rules(
            p,
            evidence,
            now,
            !context.local && context.kind != ContextKind::Local,
            &mut rules,
            &mut notes,
            &mut annotations,
        );
    }
    if let Some(p) = &policy.tests {
        testrun::rules(p, evidence, &mut rules);
    }
    if let Some(p) = &policy.benchmarks {
        bench::rules(p, evidence, context, &mut rules);
    }
    if let Some(p) = &policy.release {
        release::rules(p, evidence, &mut rules);
    }
    release::document_rules(&policy.documents, evidence, &mut rules);
    signoffs::rules(&policy.signoffs, &evidence.signoffs, &mut rules);
    let summary = EvidenceSummary {
        coverage: evidence.coverage.value().map(|report| CoverageEvidence {
            base: coverage_drop::base_summary(evidence),
            indirect_changes: coverage_drop::indirect_changes(evidence),
            ..CoverageEvidence::from_report(report, coverage::patch_tally(evidence))
        }),
        reviews,
        audit: evidence.audit.value().map(AuditReport::summary),
        tests: evidence.tests.value().map(TestRun::summary),
        bench: evidence
            .bench
            .value()
            .map(|b| crate::evidence::bench::summary(b)),
        bench_commits: evidence
            .bench_commits
            .clone()
            .filter(|_| evidence.bench.value().is_some()),
    };
    if let Some(first) = evidence.stale.first() {
        let files: Vec<String> = evidence
            .stale
            .iter()
            .map(|s| {
                format!(
                    "{} {} ({})",
                    s.what,
                    s.path,
                    s.written.format("%Y-%m-%d %H:%M:%S UTC")
                )
            })
            .collect();
        notes.push(format!(
            "evidence written before commit {} was made ({}), which may not describe it (regenerate it on this commit): {}",
            first.commit.get(..12).unwrap_or(&first.commit),
            first.committed.format("%Y-%m-%d %H:%M:%S UTC"),
            files.join(", ")
        ));
    }
    let mut verdict = Verdict::new(policy, context, rules, summary);
    verdict.notes = notes;
    if let Some(cov) = &policy.coverage {
        verdict
            .annotations
            .extend(coverage::annotations(cov, evidence, &verdict.rules));
    }
    verdict
}

/// How the reason of a [`Slot::Unavailable`] starts in a local run
/// (`check --local`): the data is on GitHub, and CI decides the rule.
pub const DECIDED_IN_CI: &str = "decided in CI";

/// Status, message and help for evidence that is not present.
pub(crate) fn absent<T>(
    slot: &Slot<T>,
    optional: bool,
    what: &str,
) -> (Status, String, Option<String>) {
    match slot {
        Slot::Unavailable { reason } => (
            Status::Unknown,
            reason.clone(),
            Some(
                if reason.starts_with(DECIDED_IN_CI) {
                    "does not block a local run; CI decides it on the pull request"
                } else {
                    "run in CI, or pass --pr N with GITHUB_TOKEN set"
                }
                .to_owned(),
            ),
        ),
        Slot::NotApplicable { reason } => (Status::Skipped, reason.clone(), None),
        Slot::Missing { expected } => (
            if optional {
                Status::Skipped
            } else {
                Status::Fail
            },
            if expected.is_empty() {
                format!("no {what} was given")
            } else {
                format!("{what} not found: expected {}", expected.join(", "))
            },
            None,
        ),
        Slot::Present { .. } => (Status::Pass, String::new(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::ContextKind;

    #[test]
    fn context_kinds_serialise_to_the_names_reports_have_always_carried() {
        for (kind, name) in [
            (ContextKind::Local, "local"),
            (ContextKind::PullRequest, "pull_request"),
            (ContextKind::Push, "push"),
            (ContextKind::Tag, "tag"),
            (
                ContextKind::Event("workflow_dispatch".to_owned()),
                "workflow_dispatch",
            ),
        ] {
            let json = serde_json::to_value(&kind).unwrap();
            assert_eq!(json, serde_json::json!(name));
            assert_eq!(serde_json::from_value::<ContextKind>(json).unwrap(), kind);
            assert_eq!(ContextKind::from_name(name), kind);
            assert_eq!(kind.to_string(), name);
        }
    }
}
