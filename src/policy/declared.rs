//! Which rules a validated policy declares, read from the model alone (no
//! evaluation), so override verification and policy validation know a
//! gate's rules without evidence.

use super::Policy;
use crate::rules::{Family, RuleId};

/// A rule a policy declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Declared {
    /// Exactly this rule.
    Rule(RuleId),
    /// Every rule of an evidence-keyed family (`bench.regression[ID]` for
    /// whatever benchmarks the evidence holds, and its `[*]`).
    AnyKey(Family),
}

impl Declared {
    /// Whether `id` is (one of) the declared rule(s).
    #[must_use]
    pub fn matches(&self, id: &RuleId) -> bool {
        match self {
            Declared::Rule(rule) => rule == id,
            Declared::AnyKey(family) => id.family() == *family,
        }
    }

    /// The family declared.
    #[must_use]
    pub fn family(&self) -> Family {
        match self {
            Declared::Rule(id) => id.family(),
            Declared::AnyKey(family) => *family,
        }
    }
}

impl Policy {
    /// Every rule the policy declares, in the order the evaluator emits them.
    #[must_use]
    pub fn declared_rules(&self) -> Vec<Declared> {
        let mut out = Vec::new();
        let rule = Declared::Rule;
        if let Some(c) = &self.coverage {
            for (family, threshold) in [
                (Family::CoverageLines, c.lines),
                (Family::CoverageBranches, c.branches),
                (Family::CoverageFunctions, c.functions),
                (Family::CoverageRegions, c.regions),
                (Family::CoverageStatements, c.statements),
            ] {
                if threshold.is_some() {
                    out.push(rule(family.id()));
                }
            }
            for p in c.paths.iter().filter(|p| p.has_minimum()) {
                out.push(rule(Family::CoveragePath.keyed(&p.glob)));
            }
            if c.patch.is_some() {
                out.push(rule(Family::CoveragePatch.id()));
            }
            if c.max_drop.is_some() {
                out.push(rule(Family::CoverageDrop.id()));
            }
            for p in c.paths.iter().filter(|p| p.max_drop.is_some()) {
                out.push(rule(Family::CoverageDropPath.keyed(&p.glob)));
            }
        }
        if let Some(r) = &self.reviews {
            out.push(rule(Family::ReviewsApprovals.id()));
            if r.block_on_changes_requested {
                out.push(rule(Family::ReviewsChangesRequested.id()));
            }
        }
        if let Some(c) = &self.checks {
            for check in &c.required {
                out.push(rule(Family::ChecksRequired.keyed(&check.name)));
            }
        }
        if let Some(a) = &self.audit {
            out.push(rule(Family::AuditVulnerabilities.id()));
            for kind in &a.warnings {
                out.push(rule(Family::AuditWarnings.keyed(kind)));
            }
        }
        if self.tests.is_some() {
            out.push(rule(Family::TestsPass.id()));
        }
        if let Some(b) = &self.benchmarks {
            if b.max_regression.is_some() {
                out.push(Declared::AnyKey(Family::BenchRegression));
            }
            for slo in &b.slo {
                out.push(rule(Family::BenchSlo.keyed(&slo.bench)));
            }
        }
        if let Some(r) = &self.release {
            if r.version_matches_tag {
                out.push(rule(Family::ReleaseVersion.id()));
            }
            if r.changelog.is_some() {
                out.push(rule(Family::ReleaseChangelog.id()));
            }
        }
        for d in &self.documents {
            out.push(rule(Family::Documents.keyed(&d.id)));
        }
        for s in &self.signoffs {
            out.push(rule(Family::Signoff.keyed(&s.id)));
        }
        out
    }

    /// Whether the policy declares the rule `id`.
    #[must_use]
    pub fn declares(&self, id: &RuleId) -> bool {
        self.declared_rules().iter().any(|d| d.matches(id))
    }
}
