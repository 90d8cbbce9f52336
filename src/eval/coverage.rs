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
    /// Changed source files the report should know and does not (by
    /// extension and top-level directory: docs/rules.md), each with what the report names it instead
    /// when a report path ends with it (a prefix to strip).
    pub unknown: Vec<(String, Option<String>)>,
}

/// Intersects changed lines with what the coverage report knows: a changed
/// line the report does not list is not coverable (blank, comment, ...).
/// A changed file the report does not list at all is not coverable either,
/// unless it is a source file of the kind the report covers: then the
/// report does not describe this change, and the file is
/// [`PatchCoverage::unknown`].
#[must_use]
pub fn patch_coverage(changes: &ChangedLines, report: &CoverageReport) -> PatchCoverage {
    let mut out = PatchCoverage::default();
    let covered = CoveredKinds::of(report);
    for (path, lines) in &changes.files {
        let Some(file) = report.file(path) else {
            match unknown_source(path, report, &covered) {
                Some(Unknown::Absent) => out.unknown.push((path.clone(), None)),
                Some(Unknown::NamedAs(found)) => out.unknown.push((path.clone(), Some(found))),
                None => {}
            }
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

/// What a coverage report covers, to tell a changed source file it should
/// know from a file it never would (docs, manifests, tests the tool leaves
/// out): the file extensions of its files, and the top-level directories
/// (`src`, `mypkg`; empty for a file at the root) that hold them.
struct CoveredKinds {
    pairs: std::collections::BTreeSet<(String, String)>,
}

impl CoveredKinds {
    fn of(report: &CoverageReport) -> Self {
        Self {
            pairs: report.files().filter_map(|(p, _)| kind(p)).collect(),
        }
    }
}

/// (top-level directory, extension) of a repository-relative path; `None`
/// for a path without an extension or outside the repository (absolute,
/// `../`), which says nothing about what the report covers here.
fn kind(path: &str) -> Option<(String, String)> {
    if crate::evidence::coverage::paths::is_absolute(path) || path.starts_with("../") {
        return None;
    }
    let ext = std::path::Path::new(path).extension()?.to_str()?.to_owned();
    let top = path.split_once('/').map_or("", |(top, _)| top).to_owned();
    Some((top, ext))
}

/// Whether a changed `path` the report does not list is a source file it
/// should know, and the report's own path for it when a report path ends
/// with `/path` (the paths do not match: a prefix to strip). Without such
/// a match, a file counts when the report covers files of its extension in
/// its top-level directory: `src/new.rs` against a report of `src/*.rs`
/// (a report made before the file existed, or one that leaves it out), but
/// not `tests/it.rs` (cargo-llvm-cov leaves tests out), `README.md` or
/// `Cargo.toml`.
fn unknown_source(path: &str, report: &CoverageReport, covered: &CoveredKinds) -> Option<Unknown> {
    let suffix = format!("/{path}");
    if let Some((found, _)) = report.files().find(|(p, _)| p.ends_with(&suffix)) {
        return Some(Unknown::NamedAs(found.to_owned()));
    }
    kind(path)
        .filter(|k| covered.pairs.contains(k))
        .map(|_| Unknown::Absent)
}

/// How the report misses a changed source file.
enum Unknown {
    /// Not there at all.
    Absent,
    /// Under another path that ends with the file's (a prefix to strip).
    NamedAs(String),
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
    Regions,
    Statements,
}

impl Measure {
    fn name(self) -> &'static str {
        match self {
            Measure::Lines => "lines",
            Measure::Branches => "branches",
            Measure::Functions => "functions",
            Measure::Regions => "regions",
            Measure::Statements => "statements",
        }
    }

    /// The family of the rule on the report's total.
    fn family(self) -> Family {
        match self {
            Measure::Lines => Family::CoverageLines,
            Measure::Branches => Family::CoverageBranches,
            Measure::Functions => Family::CoverageFunctions,
            Measure::Regions => Family::CoverageRegions,
            Measure::Statements => Family::CoverageStatements,
        }
    }

    fn of(self, s: &CoverageSummary) -> Tally {
        self.stated(s).unwrap_or_default()
    }

    /// The figure, or `None` when the evidence has no such figure at all
    /// (regions exist only in llvm-cov's JSON export, statements only in Go
    /// cover profiles).
    fn stated(self, s: &CoverageSummary) -> Option<Tally> {
        match self {
            Measure::Lines => Some(s.lines),
            Measure::Branches => Some(s.branches),
            Measure::Functions => Some(s.functions),
            Measure::Regions => s.regions,
            Measure::Statements => s.statements,
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
        (Measure::Regions, policy.regions),
        (Measure::Statements, policy.statements),
    ] {
        let Some(threshold) = threshold else { continue };
        let id = measure.family().id();
        let title = id.title();
        let id = id.to_string();
        let rule = match &totals {
            Some(t) if measure.stated(t).is_none() => not_recorded(measure, id, title, threshold),
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
    // An entry with only `max_drop` declares `coverage.drop.path[GLOB]` alone.
    for path in policy.paths.iter().filter(|p| p.has_minimum()) {
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

/// `coverage.regions` over evidence without regions (LCOV, Cobertura, or
/// an llvm-cov export merged with them), or `coverage.statements` over
/// evidence without statements (anything but Go cover profiles, or one
/// merged with other formats): an error, never a pass.
fn not_recorded(measure: Measure, id: String, title: String, threshold: Threshold) -> RuleResult {
    let (message, help) = match measure {
        Measure::Statements => (
            "the coverage report has no statements: use a Go cover profile (go test -coverprofile)",
            "only Go cover profiles record statements: pass the profile `go test -coverprofile=cover.out ./...` writes as the coverage report, or remove `[coverage] statements`",
        ),
        _ => (
            "the coverage report has no regions: use cargo llvm-cov --json",
            "only llvm-cov's JSON export records regions: pass `cargo llvm-cov --json --output-path coverage.json` as the coverage report, or remove `[coverage] regions`",
        ),
    };
    RuleResult::new(
        id,
        title,
        Status::Error,
        None,
        &format!(">= {threshold}"),
        message.to_owned(),
        Some(help.to_owned()),
    )
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
    if report.has_summary_only_files() {
        // Without per-line counts every changed line would look
        // uncoverable, and the rule would pass on nothing.
        return RuleResult::new(
            id,
            title,
            Status::Error,
            None,
            &format!(">= {threshold}"),
            "the coverage report has per-file totals only (llvm-cov JSON export), no per-line counts to judge changed lines by".to_owned(),
            Some("pass cargo llvm-cov's LCOV output (`--lcov`) as the coverage report for patch coverage".to_owned()),
        );
    }
    let changes = match &evidence.changes {
        Slot::Present { value, .. } => value,
        other => return absent_changes(id, title, threshold, other),
    };
    // Only files the report describes, or should: an edited README says
    // nothing about the report.
    let covered = CoveredKinds::of(report);
    let edited: Vec<_> = evidence
        .changed_after_coverage
        .iter()
        .filter(|c| {
            report.file(&c.path).is_some() || unknown_source(&c.path, report, &covered).is_some()
        })
        .collect();
    if let Some(first) = edited.first() {
        let more = edited.len() - 1;
        let edited = first;
        return RuleResult::new(
            id,
            title,
            Status::Error,
            None,
            &format!(">= {threshold}"),
            format!(
                "changed file {} was modified {} after the coverage report {} was written ({}){}: the report does not describe the change",
                edited.path,
                edited.modified.format("%Y-%m-%d %H:%M:%S UTC"),
                edited.report,
                edited.written.format("%Y-%m-%d %H:%M:%S UTC"),
                if more > 0 { format!(", and {more} more changed file(s)") } else { String::new() },
            ),
            Some("regenerate the coverage report on the working tree, then judge again".to_owned()),
        );
    }
    let patch = patch_coverage(changes, report);
    if !patch.unknown.is_empty() {
        return unknown_files_rule(id, title, threshold, &patch.unknown);
    }
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

/// `coverage.patch` when changed source files are missing from the report:
/// an error naming them, never a vacuous skip or a pass on the rest.
fn unknown_files_rule(
    id: String,
    title: String,
    threshold: Threshold,
    unknown: &[(String, Option<String>)],
) -> RuleResult {
    let shown: Vec<String> = unknown
        .iter()
        .take(5)
        .map(|(path, found)| match found {
            Some(found) => format!("{path} (the report has {found})"),
            None => path.clone(),
        })
        .collect();
    let more = unknown.len().saturating_sub(shown.len());
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    let help = if unknown.iter().any(|(_, found)| found.is_some()) {
        "the report's paths do not match the repository's: strip the prefix with --strip-prefix (or [evidence] strip_prefix)"
    } else {
        "regenerate the coverage report on this commit (a report made before the change does not know its files), or make the coverage tool include these files"
    };
    RuleResult::new(
        id,
        title,
        Status::Error,
        None,
        &format!(">= {threshold}"),
        format!(
            "the coverage report does not know changed source file(s) {}{more}, so the change's coverage cannot be measured",
            shown.join(", ")
        ),
        Some(help.to_owned()),
    )
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
