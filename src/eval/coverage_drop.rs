//! Coverage against the base commit: `coverage.drop`, `coverage.drop.path[GLOB]`,
//! the base -> head figures of the report and the files whose coverage
//! changed although the change does not touch them (indirect changes).
//!
//! Drops are compared exactly, in integers, as the minimums are
//! ([`Threshold::is_met`]): a drop of 0.5 points passes `max_drop = 0.5`
//! however the percentages round.

use super::{
    absent, format_percent, CoverageBase, Evidence, IndirectChange, IndirectChanges, RuleResult,
    Slot, Status,
};
use crate::evidence::coverage::{CoverageReport, CoverageSummary, Tally};
use crate::policy::{CoveragePathPolicy, CoveragePolicy, Threshold};
use crate::rules::Family;

/// At most this many indirect changes are listed; the rest are counted.
pub const INDIRECT_LISTED: usize = 20;

/// Whether the fall from `base` to `head` is at most `max` points:
/// `base% - head% <= max`, decided as
/// `(bh * hf - hh * bf) * 100 * SCALE <= max * bf * hf` in integers.
/// Both sides must have found something (the callers say why not).
#[must_use]
pub fn drop_within(base: Tally, head: Tally, max: Threshold) -> bool {
    let exact = || -> Option<bool> {
        let (bh, bf) = (i128::from(base.hit), i128::from(base.found));
        let (hh, hf) = (i128::from(head.hit), i128::from(head.found));
        let scale = i128::from(Threshold::SCALE) * 100;
        let fall = bh.checked_mul(hf)?.checked_sub(hh.checked_mul(bf)?)?;
        let lhs = fall.checked_mul(scale)?;
        let rhs = i128::from(max.ten_thousandths())
            .checked_mul(bf)?
            .checked_mul(hf)?;
        Some(lhs <= rhs)
    };
    // Counts beyond 2^40 or so (never met in practice) fall back to floats.
    exact().unwrap_or_else(|| {
        let (b, h) = (base.percent().unwrap_or(0.0), head.percent().unwrap_or(0.0));
        b - h <= max.percent()
    })
}

/// The change from `base` to `head` in points, two decimals, signed
/// (`-2.00`, `+0.50`, `0.00`). A fall is rounded up and a rise down, so
/// the figure shown never looks within a limit it is not.
#[must_use]
pub fn format_change(base: Tally, head: Tally) -> String {
    if base.found == 0 || head.found == 0 {
        return "n/a".to_owned();
    }
    let (bh, bf) = (u128::from(base.hit), u128::from(base.found));
    let (hh, hf) = (u128::from(head.hit), u128::from(head.found));
    // Hundredths of a point: |head% - base%| * 100.
    let (b, h) = (bh.saturating_mul(hf), hh.saturating_mul(bf));
    let den = bf.saturating_mul(hf);
    let (sign, diff) = if h >= b { ('+', h - b) } else { ('-', b - h) };
    let num = diff.saturating_mul(10_000);
    let hundredths = if sign == '-' {
        num.div_ceil(den)
    } else {
        num / den
    };
    if hundredths == 0 {
        return "0.00".to_owned();
    }
    format!("{sign}{}.{:02}", hundredths / 100, hundredths % 100)
}

/// `0.5 points` for a `max_drop` of 0.5.
fn points(max: Threshold) -> String {
    let text = max.to_string();
    let number = text.trim_end_matches('%');
    format!("{number} point{}", if number == "1" { "" } else { "s" })
}

/// The rules for every `max_drop` the policy sets.
pub(super) fn rules(policy: &CoveragePolicy, evidence: &Evidence, out: &mut Vec<RuleResult>) {
    if let Some(max) = policy.max_drop {
        out.push(total_rule(max, policy.optional, evidence));
    }
    for path in &policy.paths {
        if let Some(max) = path.max_drop {
            out.push(path_rule(path, max, policy.optional, evidence));
        }
    }
}

/// Both reports, or the rule a missing one makes (boxed: it is the rare path).
fn both<'e>(
    id: &str,
    title: &str,
    max: Threshold,
    optional: bool,
    evidence: &'e Evidence,
) -> Result<(&'e CoverageReport, &'e CoverageReport, String), Box<RuleResult>> {
    let required = required(max);
    let head = match &evidence.coverage {
        Slot::Present { value, .. } => value,
        other => {
            let (status, message, help) = absent(other, optional, "coverage report");
            let help = help.or_else(|| Some(format!("run the coverage tool so it writes {} (read by default), or pass --coverage PATH (or set [evidence] coverage)", crate::policy::default_paths::COVERAGE)));
            return Err(Box::new(RuleResult::new(
                id, title, status, None, &required, message, help,
            )));
        }
    };
    match &evidence.coverage_baseline {
        Slot::Present { value, sources } => Ok((head, value, sources.join(", "))),
        other => {
            let (status, message, help) = absent(other, optional, "coverage baseline");
            let help = help.or_else(|| {
                Some("pass the base commit's coverage report with --coverage-baseline FILE (or set [evidence] coverage_baseline)".to_owned())
            });
            Err(Box::new(RuleResult::new(
                id, title, status, None, &required, message, help,
            )))
        }
    }
}

fn required(max: Threshold) -> String {
    format!("drop <= {}", points(max))
}

fn total_rule(max: Threshold, optional: bool, evidence: &Evidence) -> RuleResult {
    let rule = Family::CoverageDrop.id();
    let (id, title) = (rule.to_string(), rule.title());
    let (head, base, source) = match both(&id, &title, max, optional, evidence) {
        Ok(reports) => reports,
        Err(rule) => return *rule,
    };
    let (base_totals, head_totals) = (base.totals(), head.totals());
    if head_totals.lines.found == 0 {
        return error(
            id,
            title,
            max,
            "the coverage report records no lines at all, so a drop cannot be measured".to_owned(),
        );
    }
    if base_totals.lines.found == 0 {
        return error(
            id,
            title,
            max,
            format!("the coverage baseline ({source}) records no lines at all, so a drop cannot be measured"),
        );
    }
    compare(id, title, max, base_totals, head_totals, "total", &source)
}

fn path_rule(
    path: &CoveragePathPolicy,
    max: Threshold,
    optional: bool,
    evidence: &Evidence,
) -> RuleResult {
    let rule = Family::CoverageDropPath.keyed(&path.glob);
    let (id, title) = (rule.to_string(), rule.title());
    let (head, base, source) = match both(&id, &title, max, optional, evidence) {
        Ok(reports) => reports,
        Err(rule) => return *rule,
    };
    let matching = |report: &CoverageReport| {
        let mut matched = 0usize;
        let totals = report.totals_where(|p| {
            let hit = path.matcher.is_match(p);
            matched += usize::from(hit);
            hit
        });
        (matched, totals)
    };
    let (head_matched, head_totals) = matching(head);
    let (base_matched, base_totals) = matching(base);
    if head_matched == 0 {
        return RuleResult::new(
            id,
            title,
            Status::Error,
            None,
            &required(max),
            format!("no file in the coverage report matches `{}`", path.glob),
            Some("check the glob against the paths `tollgate inspect` lists, or the --strip-prefix setting".into()),
        );
    }
    if head_totals.lines.found == 0 {
        return error(
            id,
            title,
            max,
            format!(
                "the {head_matched} file(s) matching `{}` record no lines, so a drop cannot be measured",
                path.glob
            ),
        );
    }
    if base_matched == 0 || base_totals.lines.found == 0 {
        return RuleResult::new(
            id,
            title,
            Status::Skipped,
            Some(format!("lines n/a -> {}", show(head_totals.lines))),
            &required(max),
            format!(
                "the coverage baseline ({source}) has no covered lines in files matching `{}`: a new path has nothing to drop from",
                path.glob
            ),
            None,
        );
    }
    compare(
        id,
        title,
        max,
        base_totals,
        head_totals,
        &format!("of {head_matched} file(s) matching `{}`", path.glob),
        &source,
    )
}

fn error(id: String, title: String, max: Threshold, message: String) -> RuleResult {
    RuleResult::new(
        id,
        title,
        Status::Error,
        None,
        &required(max),
        message,
        Some("make sure both the head's and the base's coverage reports cover the code (same tool, same settings)".to_owned()),
    )
}

fn show(t: Tally) -> String {
    format_percent(t.hit, t.found)
}

/// Lines always, branches where both sides record some: each within `max`.
fn compare(
    id: String,
    title: String,
    max: Threshold,
    base: CoverageSummary,
    head: CoverageSummary,
    scope: &str,
    source: &str,
) -> RuleResult {
    let mut figures = vec![("line", base.lines, head.lines)];
    let mut notes = Vec::new();
    match (base.branches.found > 0, head.branches.found > 0) {
        (true, true) => figures.push(("branch", base.branches, head.branches)),
        (false, false) => {}
        (true, false) => notes.push("branches not compared: the head records none"),
        (false, true) => notes.push("branches not compared: the base records none"),
    }
    let actual = figures
        .iter()
        .map(|(what, b, h)| {
            let name = if *what == "line" { "lines" } else { "branches" };
            format!(
                "{name} {} -> {} ({})",
                show(*b),
                show(*h),
                format_change(*b, *h)
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let failing: Vec<String> = figures
        .iter()
        .filter(|(_, b, h)| !drop_within(*b, *h, max))
        .map(|(what, b, h)| {
            format!(
                "{scope} {what} coverage fell {} points, from {} to {}, more than the {} allowed",
                format_change(*b, *h).trim_start_matches('-'),
                show(*b),
                show(*h),
                points(max)
            )
        })
        .collect();
    let notes = if notes.is_empty() {
        String::new()
    } else {
        format!("; {}", notes.join("; "))
    };
    if failing.is_empty() {
        RuleResult::new(
            id,
            title,
            Status::Pass,
            Some(actual.clone()),
            &required(max),
            format!(
                "{scope} coverage {actual}: within {} of the base ({source}){notes}",
                points(max)
            ),
            None,
        )
    } else {
        RuleResult::new(
            id,
            title,
            Status::Fail,
            Some(actual),
            &required(max),
            format!("{} (base: {source}){notes}", failing.join("; ")),
            Some("add tests for the code whose coverage fell (see the indirect changes in the report for files the change did not touch), or waive the rule with a signed override".to_owned()),
        )
    }
}

/// The base's figures, when a baseline was read.
pub(super) fn base_summary(evidence: &Evidence) -> Option<CoverageBase> {
    let Slot::Present { value, sources } = &evidence.coverage_baseline else {
        return None;
    };
    let totals = value.totals();
    Some(CoverageBase {
        source: sources.join(", "),
        files: value.file_count(),
        lines: totals.lines.into(),
        branches: totals.branches.into(),
        functions: totals.functions.into(),
        regions: totals.regions.map(Into::into),
    })
}

/// Files whose line hit/found differs between the base and the head
/// although the change does not touch them, in path order, at most
/// [`INDIRECT_LISTED`]; `None` without a baseline, a head report or a
/// known change set.
pub(super) fn indirect_changes(evidence: &Evidence) -> Option<IndirectChanges> {
    let (Some(head), Some(base), Some(changes)) = (
        evidence.coverage.value(),
        evidence.coverage_baseline.value(),
        evidence.changes.value(),
    ) else {
        return None;
    };
    let mut paths: Vec<&str> = head.files().map(|(p, _)| p).collect();
    paths.extend(
        base.files()
            .map(|(p, _)| p)
            .filter(|p| head.file(p).is_none()),
    );
    paths.sort_unstable();
    let lines = |report: &CoverageReport, path: &str| {
        report
            .file(path)
            .map(|f| f.summary().lines)
            .unwrap_or_default()
    };
    let mut out = IndirectChanges::default();
    for path in paths {
        if changes.touches(path) {
            continue;
        }
        let (b, h) = (lines(base, path), lines(head, path));
        if b == h {
            continue;
        }
        if out.files.len() < INDIRECT_LISTED {
            out.files.push(IndirectChange {
                path: path.to_owned(),
                base: b.into(),
                head: h.into(),
            });
        } else {
            out.more += 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::*;

    fn t(hit: u64, found: u64) -> Tally {
        Tally { found, hit }
    }

    fn max(points: f64) -> Threshold {
        Threshold::from_percent(points).unwrap()
    }

    #[test]
    fn a_drop_of_exactly_the_limit_passes_and_a_hair_more_fails() {
        // 80% -> 79.5%: 0.5 points.
        assert!(drop_within(t(800, 1000), t(795, 1000), max(0.5)));
        assert!(!drop_within(t(800, 1000), t(7949, 10000), max(0.5)));
        // 2/3 -> 1/2 is 16.666... points: float arithmetic would be unsure at the edge.
        assert!(!drop_within(t(2, 3), t(1, 2), max(16.6666)));
        assert!(drop_within(t(2, 3), t(1, 2), max(16.6667)));
    }

    #[test]
    fn equal_figures_and_rises_pass_with_no_allowance() {
        assert!(drop_within(t(80, 100), t(80, 100), Threshold::ZERO));
        // Same percentage, different counts.
        assert!(drop_within(t(4, 5), t(80, 100), Threshold::ZERO));
        assert!(drop_within(t(1, 3), t(2, 3), Threshold::ZERO));
        assert!(!drop_within(
            t(2, 3),
            t(666_666, 1_000_000),
            Threshold::ZERO
        ));
    }

    #[test]
    fn huge_counts_do_not_overflow() {
        let big = u64::MAX / 2;
        assert!(drop_within(t(big, big), t(big - 1, big), max(0.1)));
        assert!(!drop_within(t(big, big), t(big / 2, big), max(10.0)));
    }

    #[test]
    fn changes_show_falls_rounded_up_and_rises_rounded_down() {
        assert_eq!(format_change(t(80, 100), t(78, 100)), "-2.00");
        assert_eq!(format_change(t(78, 100), t(80, 100)), "+2.00");
        assert_eq!(format_change(t(80, 100), t(80, 100)), "0.00");
        // 0.5001 points down shows as 0.51, never as the 0.50 a limit allows.
        assert_eq!(format_change(t(8000, 10000), t(79_499, 100_000)), "-0.51");
        assert_eq!(format_change(t(2, 3), t(1, 2)), "-16.67");
        assert_eq!(format_change(t(1, 2), t(2, 3)), "+16.66");
        assert_eq!(format_change(t(0, 0), t(1, 2)), "n/a");
        assert_eq!(points(max(0.5)), "0.5 points");
        assert_eq!(points(max(1.0)), "1 point");
    }

    fn report(lcov: &str) -> CoverageReport {
        let mut r = CoverageReport::new();
        for line in lcov.lines() {
            let (path, rest) = line.split_once(':').unwrap();
            let file = r.file_mut(path);
            for (n, c) in rest.split(',').enumerate() {
                if c == "b0" || c == "b1" {
                    file.add_branch(
                        crate::evidence::coverage::BranchKey {
                            line: 1,
                            block: 0,
                            branch: crate::evidence::coverage::BranchName::Index(
                                u32::try_from(n).unwrap(),
                            ),
                        },
                        Some(u64::from(c == "b1")),
                    );
                } else {
                    file.add_line(u32::try_from(n).unwrap() + 1, c.parse().unwrap());
                }
            }
        }
        r
    }

    fn evidence(head: &str, base: Option<&str>) -> Evidence {
        Evidence {
            coverage: Slot::Present {
                value: report(head),
                sources: vec!["head.info".into()],
            },
            coverage_baseline: match base {
                Some(b) => Slot::Present {
                    value: report(b),
                    sources: vec!["base.info".into()],
                },
                None => Slot::Missing {
                    expected: Vec::new(),
                },
            },
            ..Evidence::default()
        }
    }

    fn policy(max_drop: f64) -> CoveragePolicy {
        CoveragePolicy {
            max_drop: Some(max(max_drop)),
            ..CoveragePolicy::default()
        }
    }

    fn judged(p: &CoveragePolicy, e: &Evidence) -> Vec<RuleResult> {
        let mut out = Vec::new();
        rules(p, e, &mut out);
        out
    }

    #[test]
    fn a_base_of_no_lines_is_an_error_not_a_pass() {
        let e = evidence("src/a.rs:1,1", Some("src/a.rs:b1,b0"));
        let r = &judged(&policy(0.0), &e)[0];
        assert_eq!(r.status, Status::Error, "{r:?}");
        assert!(r.message.contains("base.info"), "{}", r.message);
    }

    #[test]
    fn branches_are_compared_only_where_both_sides_have_them() {
        // Lines rise; branches fall from 1/2 to 0/2: fails on branches.
        let e = evidence("src/a.rs:1,1,b0,b0", Some("src/a.rs:1,0,b1,b0"));
        let r = &judged(&policy(0.0), &e)[0];
        assert_eq!(r.status, Status::Fail, "{r:?}");
        assert!(
            r.message
                .contains("branch coverage fell 50.00 points, from 50.00% to 0.00%"),
            "{}",
            r.message
        );
        // The head has no branches: lines alone, and the message says so.
        let e = evidence("src/a.rs:1,1", Some("src/a.rs:1,0,b1,b0"));
        let r = &judged(&policy(0.0), &e)[0];
        assert_eq!(r.status, Status::Pass, "{r:?}");
        assert!(
            r.message
                .contains("branches not compared: the head records none"),
            "{}",
            r.message
        );
        assert_eq!(
            r.actual.as_deref(),
            Some("lines 50.00% -> 100.00% (+50.00)")
        );
    }

    #[test]
    fn no_baseline_follows_the_missing_evidence_rules() {
        let mut e = evidence("src/a.rs:1", None);
        assert_eq!(judged(&policy(0.0), &e)[0].status, Status::Fail);
        e.coverage_baseline = Slot::Unavailable {
            reason: format!("{}: no coverage baseline", super::super::DECIDED_IN_CI),
        };
        assert_eq!(judged(&policy(0.0), &e)[0].status, Status::Unknown);
        let mut optional = policy(0.0);
        optional.optional = true;
        e.coverage_baseline = Slot::Missing {
            expected: Vec::new(),
        };
        assert_eq!(judged(&optional, &e)[0].status, Status::Skipped);
    }

    #[test]
    fn a_path_new_in_the_head_is_skipped_and_one_missing_from_it_is_an_error() {
        let glob = |g: &str| CoveragePathPolicy {
            glob: g.to_owned(),
            matcher: crate::policy::CompiledGlob::new(
                globset::Glob::new(g).unwrap().compile_matcher(),
            ),
            lines: None,
            branches: None,
            functions: None,
            max_drop: Some(Threshold::ZERO),
        };
        let p = CoveragePolicy {
            paths: vec![glob("src/new/**"), glob("src/gone/**"), glob("src/old/**")],
            ..CoveragePolicy::default()
        };
        let e = evidence(
            "src/new/a.rs:1\nsrc/old/b.rs:1,0",
            Some("src/gone/c.rs:1\nsrc/old/b.rs:1,1"),
        );
        let r = judged(&p, &e);
        assert_eq!(r[0].id, "coverage.drop.path[src/new/**]");
        assert_eq!(r[0].status, Status::Skipped, "{:?}", r[0]);
        assert_eq!(r[1].status, Status::Error, "{:?}", r[1]);
        assert_eq!(r[2].status, Status::Fail, "{:?}", r[2]);
        assert!(
            r[2].message
                .contains("of 1 file(s) matching `src/old/**` line coverage fell 50.00 points"),
            "{}",
            r[2].message
        );
    }

    #[test]
    fn indirect_changes_leave_out_touched_files_and_are_bounded() {
        let mut head = String::new();
        let mut base = String::new();
        for i in 0..25 {
            let _ = writeln!(head, "src/f{i:02}.rs:1,0");
            let _ = writeln!(base, "src/f{i:02}.rs:1,1");
        }
        head.push_str("src/same.rs:1\n");
        base.push_str("src/same.rs:1\n");
        let mut e = evidence(&head, Some(&base));
        assert!(indirect_changes(&e).is_none(), "no change set, no list");
        let mut changes = crate::evidence::diff::ChangedLines::default();
        changes.files.insert("src/f00.rs".into(), vec![2]);
        e.changes = Slot::Present {
            value: changes,
            sources: Vec::new(),
        };
        let got = indirect_changes(&e).unwrap();
        assert_eq!(got.files.len(), INDIRECT_LISTED);
        assert_eq!(got.more, 4);
        assert_eq!(got.files[0].path, "src/f01.rs");
        assert_eq!(got.files[0].base.hit, 2);
        assert_eq!(got.files[0].head.hit, 1);
    }
}
