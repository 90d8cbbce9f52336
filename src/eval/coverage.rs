//! Coverage rules: totals, critical paths and changed lines.

use std::fmt::Write as _;

use super::{
    absent, format_percent, Annotation, AnnotationLevel, Evidence, RuleResult, Slot, Status,
};
use crate::evidence::coverage::{CoverageReport, CoverageSummary, Tally};
use crate::evidence::diff::ChangedLines;
use crate::policy::{CoveragePathPolicy, CoveragePolicy, Threshold};
use crate::rules::Family;

/// Coverage of the changed lines (docs/formats.md, unified diffs: as diff-cover computes it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PatchCoverage {
    /// Coverable changed lines (found) and those executed (hit).
    pub tally: Tally,
    /// Changed, coverable, never executed: (path, line), in path order.
    pub uncovered: Vec<(String, u32)>,
}

/// Intersects changed lines with what the coverage report knows: a changed
/// line the report does not list is not coverable (blank, comment, ...).
#[must_use]
pub fn patch_coverage(changes: &ChangedLines, report: &CoverageReport) -> PatchCoverage {
    let mut out = PatchCoverage::default();
    for (path, lines) in &changes.files {
        let Some(file) = report.file(path) else {
            continue;
        };
        for &line in lines {
            if let Some(count) = file.line_count(line) {
                out.tally.found += 1;
                if count > 0 {
                    out.tally.hit += 1;
                } else {
                    out.uncovered.push((path.clone(), line));
                }
            }
        }
    }
    out
}

/// Patch totals when both coverage and a change set are present.
pub(super) fn patch_tally(evidence: &Evidence) -> Option<Tally> {
    Some(patch_coverage(evidence.changes.value()?, evidence.coverage.value()?).tally)
}

/// Which figure of a summary a rule reads.
#[derive(Clone, Copy)]
enum Measure {
    Lines,
    Branches,
    Functions,
}

impl Measure {
    fn name(self) -> &'static str {
        match self {
            Measure::Lines => "lines",
            Measure::Branches => "branches",
            Measure::Functions => "functions",
        }
    }

    /// The family of the rule on the report's total.
    fn family(self) -> Family {
        match self {
            Measure::Lines => Family::CoverageLines,
            Measure::Branches => Family::CoverageBranches,
            Measure::Functions => Family::CoverageFunctions,
        }
    }

    fn of(self, s: &CoverageSummary) -> Tally {
        match self {
            Measure::Lines => s.lines,
            Measure::Branches => s.branches,
            Measure::Functions => s.functions,
        }
    }
}

pub(super) fn rules(policy: &CoveragePolicy, evidence: &Evidence, out: &mut Vec<RuleResult>) {
    let report = match &evidence.coverage {
        Slot::Present { value, .. } => Ok(value),
        other => Err(other),
    };
    let totals = report.as_ref().ok().map(|r| r.totals());
    for (measure, threshold) in [
        (Measure::Lines, policy.lines),
        (Measure::Branches, policy.branches),
        (Measure::Functions, policy.functions),
    ] {
        let Some(threshold) = threshold else { continue };
        let id = measure.family().id();
        let title = id.title();
        let id = id.to_string();
        let rule = match &totals {
            Some(t) => judge(
                id,
                title,
                measure.of(t),
                threshold,
                measure.name(),
                "the coverage report",
            ),
            None => missing(
                id,
                title,
                threshold,
                policy.optional,
                report.as_ref().err().copied(),
            ),
        };
        out.push(rule);
    }
    for path in &policy.paths {
        out.push(path_rule(path, report, policy.optional));
    }
    if let Some(threshold) = policy.patch {
        out.push(patch_rule(threshold, policy.optional, evidence));
    }
}

/// One `[[coverage.paths]]` entry: every threshold it sets, over the files
/// its glob matches, taken together.
fn path_rule(
    path: &CoveragePathPolicy,
    report: Result<&CoverageReport, &Slot<CoverageReport>>,
    optional: bool,
) -> RuleResult {
    let rule = Family::CoveragePath.keyed(&path.glob);
    let (id, title) = (rule.to_string(), rule.title());
    let checks: Vec<(Measure, Threshold)> = [
        (Measure::Lines, path.lines),
        (Measure::Branches, path.branches),
        (Measure::Functions, path.functions),
    ]
    .into_iter()
    .filter_map(|(m, t)| t.map(|t| (m, t)))
    .collect();
    let report = match report {
        Ok(report) => report,
        Err(slot) => {
            let mut rule = missing(
                id,
                title,
                checks.first().map_or(Threshold::ZERO, |c| c.1),
                optional,
                Some(slot),
            );
            rule.required = describe(&checks);
            return rule;
        }
    };
    let mut matched = 0usize;
    let subtotal = report.totals_where(|p| {
        let hit = path.matcher.is_match(p);
        matched += usize::from(hit);
        hit
    });
    if matched == 0 {
        return RuleResult::new(
            id,
            title,
            Status::Error,
            None,
            &describe(&checks),
            format!("no file in the coverage report matches `{}`", path.glob),
            Some("check the glob against the paths `tollgate inspect` lists, or the --strip-prefix setting".into()),
        );
    }
    let scope = format!("{matched} file(s) matching `{}`", path.glob);
    let results: Vec<RuleResult> = checks
        .iter()
        .map(|&(m, t)| {
            judge(
                id.clone(),
                title.clone(),
                m.of(&subtotal),
                t,
                m.name(),
                &scope,
            )
        })
        .collect();
    let status = results
        .iter()
        .map(|r| r.status)
        .min()
        .unwrap_or(Status::Pass);
    let actual = checks
        .iter()
        .map(|&(m, _)| format!("{} {}", m.name(), show(m.of(&subtotal))))
        .collect::<Vec<_>>()
        .join(", ");
    let failing: Vec<&RuleResult> = results
        .iter()
        .filter(|r| r.status != Status::Pass)
        .collect();
    let message = if failing.is_empty() {
        format!("{scope} meet every minimum")
    } else {
        failing
            .iter()
            .map(|r| r.message.clone())
            .collect::<Vec<_>>()
            .join("; ")
    };
    let help = failing.iter().find_map(|r| r.help.clone());
    RuleResult::new(
        id,
        title,
        status,
        Some(actual),
        &describe(&checks),
        message,
        help,
    )
}

/// `branches` -> `branch`, for "branch coverage".
fn singular(what: &str) -> &str {
    match what {
        "branches" => "branch",
        "changed lines" => "changed-line",
        other => other.strip_suffix('s').unwrap_or(other),
    }
}

fn show(t: Tally) -> String {
    format_percent(t.hit, t.found)
}

fn describe(checks: &[(Measure, Threshold)]) -> String {
    checks
        .iter()
        .map(|(m, t)| format!("{} >= {t}", m.name()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn judge(
    id: String,
    title: String,
    tally: Tally,
    threshold: Threshold,
    what: &str,
    scope: &str,
) -> RuleResult {
    let required = format!(">= {threshold}");
    if tally.found == 0 {
        return RuleResult {
            id,
            title,
            status: Status::Error,
            actual: None,
            required,
            message: format!("{scope} records no {what} at all, so {} coverage cannot be measured", singular(what)),
            help: Some(format!("make sure the coverage tool records {what} (e.g. branch coverage must be switched on), or remove the rule")),
            override_: None,
        };
    }
    let actual = show(tally);
    if threshold.is_met(tally.hit, tally.found) {
        RuleResult {
            id,
            title,
            status: Status::Pass,
            actual: Some(actual.clone()),
            required,
            message: format!("{} of {} {what} covered ({actual})", tally.hit, tally.found),
            help: None,
            override_: None,
        }
    } else {
        // Smallest hit count that meets the threshold: ceil(t * found / (100 * SCALE)).
        let need = (threshold.percent() * tally.found as f64 / 100.0).ceil();
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let need = (need as u64).max(tally.hit);
        let mut need = need;
        while !threshold.is_met(need, tally.found) && need < tally.found {
            need += 1;
        }
        RuleResult {
            id,
            title,
            status: Status::Fail,
            actual: Some(actual.clone()),
            required,
            message: format!("{} of {} {what} covered ({actual}), below {threshold}", tally.hit, tally.found),
            help: Some(format!(
                "cover {} more {what} in {scope} (need {need} of {}), or waive the rule with a signed override",
                need - tally.hit,
                tally.found
            )),
            override_: None,
        }
    }
}

/// A coverage rule whose evidence is not there.
fn missing<T>(
    id: String,
    title: String,
    threshold: Threshold,
    optional: bool,
    slot: Option<&Slot<T>>,
) -> RuleResult {
    let (status, message, help) = match slot {
        Some(slot) => absent(slot, optional, "coverage report"),
        None => absent(
            &Slot::<T>::Missing {
                expected: Vec::new(),
            },
            optional,
            "coverage report",
        ),
    };
    let help = help.or_else(|| Some(format!("run the coverage tool so it writes {} (read by default), or pass --coverage PATH (or set [evidence] coverage)", crate::policy::default_paths::COVERAGE)));
    RuleResult::new(
        id,
        title,
        status,
        None,
        &format!(">= {threshold}"),
        message,
        help,
    )
}

fn patch_rule(threshold: Threshold, optional: bool, evidence: &Evidence) -> RuleResult {
    let rule = Family::CoveragePatch.id();
    let (id, title) = (rule.to_string(), rule.title());
    let Some(report) = evidence.coverage.value() else {
        return missing(id, title, threshold, optional, Some(&evidence.coverage));
    };
    let changes = match &evidence.changes {
        Slot::Present { value, .. } => value,
        other => return absent_changes(id, title, threshold, other),
    };
    let patch = patch_coverage(changes, report);
    if patch.tally.found == 0 {
        return RuleResult {
            id,
            title,
            status: Status::Skipped,
            actual: None,
            required: format!(">= {threshold}"),
            message: "no changed line is coverable (the change touches no instrumented code)"
                .to_owned(),
            help: None,
            override_: None,
        };
    }
    let mut rule = judge(
        id,
        title,
        patch.tally,
        threshold,
        "changed lines",
        "the change",
    );
    if rule.status == Status::Fail {
        let shown: Vec<String> = patch
            .uncovered
            .iter()
            .take(5)
            .map(|(p, l)| format!("{p}:{l}"))
            .collect();
        let more = patch.uncovered.len().saturating_sub(shown.len());
        let _ = write!(
            rule.message,
            "; uncovered: {}{}",
            shown.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        );
        rule.help =
            Some("add tests that execute the uncovered changed lines listed above".to_owned());
    }
    rule
}

fn absent_changes(
    id: String,
    title: String,
    threshold: Threshold,
    slot: &Slot<ChangedLines>,
) -> RuleResult {
    let (status, message, help) = match slot {
        Slot::Missing { expected } => (
            Status::Fail,
            format!("the changed lines could not be determined: {}", expected.join(", ")),
            Some("fetch enough git history for the merge base (actions/checkout fetch-depth: 0), or pass --base REF".to_owned()),
        ),
        other => absent(other, false, "change set"),
    };
    RuleResult::new(
        id,
        title,
        status,
        None,
        &format!(">= {threshold}"),
        message,
        help,
    )
}

/// Uncovered changed lines as annotations, consecutive lines merged into one
/// range (as diff-cover reports `28-30`). Failure level when the patch rule
/// failed, warning otherwise.
pub(super) fn annotations(
    policy: &CoveragePolicy,
    evidence: &Evidence,
    rules: &[RuleResult],
) -> Vec<Annotation> {
    let (Some(threshold), Some(report), Some(changes)) = (
        policy.patch,
        evidence.coverage.value(),
        evidence.changes.value(),
    ) else {
        return Vec::new();
    };
    let patch_rule = Family::CoveragePatch.id().to_string();
    let failed = rules
        .iter()
        .any(|r| r.id == patch_rule && r.status.blocks());
    let level = if failed {
        AnnotationLevel::Failure
    } else {
        AnnotationLevel::Warning
    };
    let patch = patch_coverage(changes, report);
    let mut out: Vec<Annotation> = Vec::new();
    for (path, line) in patch.uncovered {
        if let Some(last) = out.last_mut() {
            if last.path == path && last.end_line + 1 == line {
                last.end_line = line;
                last.title = format!("Changed lines {}-{} are not covered", last.start_line, line);
                continue;
            }
        }
        out.push(Annotation {
            path,
            start_line: line,
            end_line: line,
            level,
            rule: patch_rule.clone(),
            title: format!("Changed line {line} is not covered"),
            message: format!(
                "No test executes this changed line; patch coverage must be >= {threshold}."
            ),
        });
    }
    out
}
