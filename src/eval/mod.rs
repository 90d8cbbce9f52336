//! The judge: `(policy, evidence, context, now) -> Verdict`, with no I/O.
//!
//! Everything the gate decides is decided here, so this is where the rules'
//! semantics live and where tests are cheapest. Evidence arrives already
//! parsed; a kind of evidence that was expected but not found is a value
//! ([`Slot::Missing`]) so that fail-closed behaviour is a rule, not an accident.

mod checks;
mod coverage;
mod reviews;
mod verdict;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::evidence::coverage::CoverageReport;
use crate::evidence::github::{CommitChecks, PullRequestReviews};
use crate::policy::Policy;

pub use coverage::{patch_coverage, ChangedLines, PatchCoverage};
pub use reviews::{tally as review_tally, ReviewTally};
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
    /// Changed lines of the commit range under review (for `coverage.patch`).
    pub changes: Slot<ChangedLines>,
    /// Reviews of the pull request.
    pub reviews: Slot<PullRequestReviews>,
    /// Other checks on the head commit.
    pub checks: Slot<CommitChecks>,
}

/// What is being judged, and where.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Context {
    /// `local`, `pull_request`, `push`, `tag`, `workflow_dispatch`, ...
    pub kind: String,
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
}

/// Evaluates every rule of `policy` against `evidence`.
#[must_use]
pub fn evaluate(
    policy: &Policy,
    evidence: &Evidence,
    context: &Context,
    now: DateTime<Utc>,
) -> Verdict {
    let _ = now; // expiry-bearing rules (audit ignores, overrides) arrive with their evidence kinds
    let mut rules = Vec::new();
    if let Some(cov) = &policy.coverage {
        coverage::rules(cov, evidence, &mut rules);
    }
    let reviews = policy
        .reviews
        .as_ref()
        .and_then(|p| reviews::rules(p, &evidence.reviews, &mut rules));
    if let Some(p) = &policy.checks {
        checks::rules(p, &evidence.checks, context, &mut rules);
    }
    not_yet_evaluated(policy, &mut rules);
    let summary = EvidenceSummary {
        coverage: evidence
            .coverage
            .value()
            .map(|report| CoverageEvidence::from_report(report, coverage::patch_tally(evidence))),
        reviews,
    };
    let mut verdict = Verdict::new(policy, context, rules, summary);
    if let Some(cov) = &policy.coverage {
        verdict
            .annotations
            .extend(coverage::annotations(cov, evidence, &verdict.rules));
    }
    verdict
}

/// Sections this version parses but cannot judge yet become `error` rules:
/// a gate must never pass because a criterion was silently ignored.
fn not_yet_evaluated(policy: &Policy, rules: &mut Vec<RuleResult>) {
    let mut pending: Vec<(String, String)> = Vec::new();
    let mut section = |present: bool, id: &str, title: &str| {
        if present {
            pending.push((id.to_owned(), title.to_owned()));
        }
    };
    section(
        policy.audit.is_some(),
        "audit.vulnerabilities",
        "Security advisories",
    );
    section(
        policy.benchmarks.is_some(),
        "bench.regression[*]",
        "Benchmarks",
    );
    section(policy.tests.is_some(), "tests.pass", "Test suites");
    section(
        policy.release.is_some(),
        "release.version",
        "Release readiness",
    );
    for s in &policy.signoffs {
        pending.push((format!("signoff[{}]", s.id), s.title.clone()));
    }
    for d in &policy.documents {
        pending.push((format!("documents[{}]", d.id), d.title.clone()));
    }
    for (id, title) in pending {
        rules.push(RuleResult {
            id,
            title,
            status: Status::Error,
            actual: None,
            required: "evaluation support".to_owned(),
            message: "this tollgate version cannot evaluate this rule yet, so it cannot pass"
                .to_owned(),
            help: Some("upgrade tollgate, or remove the section from the policy".to_owned()),
            override_: None,
        });
    }
}
