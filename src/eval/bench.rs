//! Benchmark rules: regressions against a baseline and absolute SLOs.
//!
//! A regression fails only where the confidence interval lies wholly beyond
//! `max_regression`; a point estimate beyond it with an interval straddling
//! it is a warning (the rule passes and says so). Without an interval the
//! point estimate decides and the message says the comparison had none.
//!
//! A comparison taken in several rounds of base and head (the record's
//! `rounds`) is judged by its median round: it fails when the median of the
//! rounds' lower bounds lies beyond `max_regression`, which is the same as a
//! strict majority of rounds failing on their own; one disturbed round can
//! neither fail nor pass a pull request. One round is judged as above.
//!
//! Which commits were compared is the benchmark run's own record
//! (untrusted evidence): its head must be the judged commit and its base the
//! pull request's merge base or base commit, else `bench.regression[*]`
//! fails saying why; in a pull request a comparison without a record fails
//! the same way. A benchmark with no baseline while others (or the record,
//! or a baseline file) show one was taken is `skipped: new benchmark`:
//! `skipped` is the status that is shown, does not block, and is not a
//! pass (docs/benchmarks.md).

use super::{absent, Context, ContextKind, Evidence, RuleResult, Status};
use crate::evidence::bench::{BenchRound, Benchmark};
use crate::policy::BenchmarksPolicy;
use crate::rules::Family;

/// Formats nanoseconds with a readable unit.
#[must_use]
pub fn format_ns(ns: f64) -> String {
    if ns >= 1e9 {
        format!("{:.3}s", ns / 1e9)
    } else if ns >= 1e6 {
        format!("{:.3}ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.3}µs", ns / 1e3)
    } else {
        format!("{ns:.1}ns")
    }
}

pub(super) fn rules(
    policy: &BenchmarksPolicy,
    evidence: &Evidence,
    context: &Context,
    out: &mut Vec<RuleResult>,
) {
    let Some(benches) = evidence.bench.value() else {
        let (status, message, help) = absent(&evidence.bench, policy.optional, "benchmark result");
        let help = help.or_else(|| {
            Some(format!(
                "run the benchmarks (criterion writes {}, read by default), or pass --bench PATH (or set [evidence] bench)",
                crate::policy::default_paths::BENCH
            ))
        });
        if let Some(max) = policy.max_regression {
            let id = Family::BenchRegression.wildcard();
            let title = id.title();
            out.push(RuleResult::new(
                id,
                title,
                status,
                None,
                &format!("<= +{max}%"),
                message.clone(),
                help.clone(),
            ));
        }
        for slo in &policy.slo {
            let id = Family::BenchSlo.keyed(&slo.bench);
            let title = id.title_with(&[("max", &slo.max_text)]);
            out.push(RuleResult::new(
                id,
                title,
                status,
                None,
                &format!("<= {}", slo.max_text),
                message.clone(),
                help.clone(),
            ));
        }
        return;
    };
    if let Some(max) = policy.max_regression {
        regressions(max, benches, evidence, context, out);
    }
    for slo in &policy.slo {
        let rule = Family::BenchSlo.keyed(&slo.bench);
        let title = rule.title_with(&[("max", &slo.max_text)]);
        let id = rule.to_string();
        let required = format!("<= {}", slo.max_text);
        let matching: Vec<(&Benchmark, f64)> = benches
            .iter()
            .filter(|b| slo.matcher.is_match(&b.id))
            .filter_map(|b| b.value_ns().map(|ns| (b, ns)))
            .collect();
        if matching.is_empty() {
            out.push(RuleResult::new(
                id,
                title,
                Status::Error,
                None,
                &required,
                format!("no timed benchmark matches `{}`", slo.bench),
                Some("check the glob against the ids `tollgate inspect` lists for the benchmark results".to_owned()),
            ));
            continue;
        }
        let over: Vec<String> = matching
            .iter()
            .filter(|(_, ns)| *ns > slo.max_ns)
            .map(|(b, ns)| format!("{} {}", b.id, format_ns(*ns)))
            .collect();
        let worst = matching
            .iter()
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(b, ns)| format!("{} {}", b.id, format_ns(*ns)));
        let (status, message, help) = if over.is_empty() {
            (
                Status::Pass,
                format!("{} benchmark(s) within {}", matching.len(), slo.max_text),
                None,
            )
        } else {
            (
                Status::Fail,
                format!("over {}: {}", slo.max_text, over.join(", ")),
                Some(format!(
                    "make these benchmarks faster than {}, or revise the SLO in the policy",
                    slo.max_text
                )),
            )
        };
        out.push(RuleResult::new(
            id, title, status, worst, &required, message, help,
        ));
    }
}

/// Why the recorded commits are not the ones this run judges, if they are
/// not: the head must be the judged commit and the base the merge base (or
/// the base commit GitHub reports). In a pull request a comparison without
/// a record is refused too: nothing says what it measured.
fn commits_problem(evidence: &Evidence, context: &Context) -> Option<(String, String)> {
    let short = |sha: &str| sha.get(..12).unwrap_or(sha).to_owned();
    let Some(record) = &evidence.bench_commits else {
        let in_pr = context.kind == ContextKind::PullRequest && !context.local;
        return in_pr.then(|| {
            (
                format!(
                    "no record of which commits the benchmarks compared (expected {})",
                    crate::policy::default_paths::BENCH_COMMITS
                ),
                "benchmark the merge base and the head in one job (benches/bench-base-head.sh in the evidence workflow writes the record)".to_owned(),
            )
        });
    };
    if let Some(judged) = &context.commit {
        if !judged.eq_ignore_ascii_case(&record.head) {
            return Some((
                format!(
                    "{} says the head benchmarked was {}, but the judged commit is {}",
                    record.source,
                    short(&record.head),
                    short(judged)
                ),
                "re-run the evidence workflow on the judged commit".to_owned(),
            ));
        }
    }
    let expected: Vec<&String> = context
        .base
        .iter()
        .chain(evidence.merge_base.iter())
        .collect();
    if !expected.is_empty()
        && !expected
            .iter()
            .any(|e| e.eq_ignore_ascii_case(&record.base))
    {
        let names: Vec<String> = expected.iter().map(|e| short(e)).collect();
        return Some((
            format!(
                "{} says the base benchmarked was {}, which is not the pull request's merge base or base commit ({})",
                record.source,
                short(&record.base),
                names.join(" or ")
            ),
            "benchmark `git merge-base` of the pull request's base and head, in the same job as the head".to_owned(),
        ));
    }
    None
}

fn regressions(
    max: f64,
    benches: &[Benchmark],
    evidence: &Evidence,
    context: &Context,
    out: &mut Vec<RuleResult>,
) {
    let required = format!("<= +{max}%");
    if let Some((message, help)) = commits_problem(evidence, context) {
        let id = Family::BenchRegression.wildcard();
        let title = id.title();
        out.push(RuleResult::new(
            id,
            title,
            Status::Fail,
            None,
            &required,
            message,
            Some(help),
        ));
        return;
    }
    let rounds = &evidence.bench_rounds;
    let judged: Vec<(&Benchmark, Vec<RoundChange>)> = benches
        .iter()
        .map(|b| (b, round_changes(b, rounds)))
        .collect();
    // A baseline was there to compare with: a benchmark without a change is
    // one the base did not have (or could not run), which is neither a
    // pass nor a failure of this pull request.
    let had_baseline = judged.iter().any(|(_, c)| !c.is_empty())
        || evidence.bench_commits.is_some()
        || evidence.bench_baseline.is_some();
    if !had_baseline {
        let id = Family::BenchRegression.wildcard();
        let title = id.title();
        out.push(RuleResult::new(
            id,
            title,
            Status::Fail,
            None,
            &required,
            "no benchmark has a baseline to compare with, so regressions cannot be ruled out".to_owned(),
            Some("benchmark the base in the same job (benches/bench-base-head.sh: criterion --save-baseline base, then --baseline-lenient base), or pass --bench-baseline PATH".to_owned()),
        ));
        return;
    }
    let on_base = match &evidence.bench_commits {
        Some(r) if !r.base_ran => format!(
            "the base {} did not build or run its benchmarks",
            r.base.get(..12).unwrap_or(&r.base)
        ),
        Some(r) => format!(
            "the base {} has no result for it",
            r.base.get(..12).unwrap_or(&r.base)
        ),
        None => match &evidence.bench_baseline {
            Some(file) => format!("the baseline {file} has no result for it"),
            None => "the baseline has no result for it".to_owned(),
        },
    };
    for (b, _) in judged.iter().filter(|(_, c)| c.is_empty()) {
        let rule = Family::BenchRegression.keyed(&b.id);
        let (id, title) = (rule.to_string(), rule.title());
        out.push(RuleResult::new(
            id,
            title,
            Status::Skipped,
            None,
            &required,
            format!("skipped: new benchmark ({on_base})"),
            None,
        ));
    }
    for (b, changes) in judged.iter().filter(|(_, c)| !c.is_empty()) {
        let rule = Family::BenchRegression.keyed(&b.id);
        let (id, title) = (rule.to_string(), rule.title());
        let (status, actual, message) = if let [only] = changes.as_slice() {
            single(max, only.change)
        } else {
            several(max, changes, rounds.len())
        };
        let help = (status == Status::Fail).then(|| {
            format!(
                "find what made {} slower, or justify it with a signed override",
                b.id
            )
        });
        out.push(RuleResult::new(
            id,
            title,
            status,
            Some(actual),
            &required,
            message,
            help,
        ));
    }
}

/// One round's change of one benchmark, oriented so that positive is worse.
#[derive(Debug, Clone, Copy, PartialEq)]
struct RoundChange {
    /// The round's number, from 1 in the record's order (0: the
    /// benchmark's own, single comparison).
    round: usize,
    change: crate::evidence::bench::Change,
}

impl RoundChange {
    /// The lower bound of the interval in percent (the point estimate
    /// where there is none): what must lie beyond the limit to fail.
    fn low(&self) -> f64 {
        self.change.interval.map_or(self.change.point, |(lo, _)| lo) * 100.0
    }
}

/// The benchmark's change in every round that measured it; without rounds
/// (or when no round has it, though the last tree does) its own change, as
/// one round.
fn round_changes(b: &Benchmark, rounds: &[BenchRound]) -> Vec<RoundChange> {
    let found: Vec<RoundChange> = rounds
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let same = r
                .benchmarks
                .iter()
                .find(|x| x.id == b.id && x.unit == b.unit)?;
            let oriented = Benchmark {
                bigger_is_better: b.bigger_is_better,
                ..same.clone()
            };
            Some(RoundChange {
                round: i + 1,
                change: oriented.worsening()?,
            })
        })
        .collect();
    if found.is_empty() {
        b.worsening()
            .map(|change| vec![RoundChange { round: 0, change }])
            .unwrap_or_default()
    } else {
        found
    }
}

/// The median round: the one whose lower bound is the median of the
/// rounds' lower bounds (the lower of the two middle ones for an even
/// count). Its lower bound lies beyond a limit exactly when a strict
/// majority of the rounds' do, so "the median round fails" and "most
/// rounds fail" are one rule (docs/benchmarks.md).
fn median_round(changes: &[RoundChange]) -> Option<RoundChange> {
    let mut sorted = changes.to_vec();
    sorted.sort_by(|a, b| a.low().total_cmp(&b.low()));
    sorted.get(sorted.len().checked_sub(1)? / 2).copied()
}

fn interval_text(change: crate::evidence::bench::Change) -> String {
    match change.interval {
        Some((lo, hi)) => format!("[{:+.2}%, {:+.2}%]", lo * 100.0, hi * 100.0),
        None => "(no interval)".to_owned(),
    }
}

/// A single comparison, judged as it always was.
fn single(max: f64, change: crate::evidence::bench::Change) -> (Status, String, String) {
    let point = change.point * 100.0;
    let actual = format!("{point:+.2}%");
    let (status, message) = match change.interval {
        Some((lo, hi)) => {
            let (lo, hi) = (lo * 100.0, hi * 100.0);
            if lo > max {
                (Status::Fail, format!("{point:+.2}% slower, confidence interval [{lo:+.2}%, {hi:+.2}%] lies wholly beyond +{max}%"))
            } else if point > max {
                (Status::Pass, format!("warning: point estimate {point:+.2}% is beyond +{max}% but the confidence interval [{lo:+.2}%, {hi:+.2}%] straddles it; re-run to confirm"))
            } else {
                (Status::Pass, format!("{point:+.2}% (confidence interval [{lo:+.2}%, {hi:+.2}%])"))
            }
        }
        None if point > max => (
            Status::Fail,
            format!("{point:+.2}% slower than the baseline (the comparison had no confidence interval, so the point estimate decides)"),
        ),
        None => (Status::Pass, format!("{point:+.2}% (no confidence interval; the point estimate decides)")),
    };
    (status, actual, message)
}

/// Several rounds: the median round decides (a strict majority of rounds
/// with the interval wholly beyond the limit), and the message gives every
/// round's figures.
fn several(max: f64, changes: &[RoundChange], taken: usize) -> (Status, String, String) {
    let Some(median) = median_round(changes) else {
        return (Status::Error, String::new(), "no round".to_owned());
    };
    let beyond = changes.iter().filter(|c| c.low() > max).count();
    let n = changes.len();
    let point = median.change.point * 100.0;
    let interval = interval_text(median.change);
    let mut each: Vec<String> = changes
        .iter()
        .map(|c| {
            format!(
                "round {} {:+.2}% {}",
                c.round,
                c.change.point * 100.0,
                interval_text(c.change)
            )
        })
        .collect();
    let measured: Vec<usize> = changes.iter().map(|c| c.round).collect();
    let missing: Vec<String> = (1..=taken)
        .filter(|r| !measured.contains(r))
        .map(|r| r.to_string())
        .collect();
    if !missing.is_empty() {
        each.push(format!(
            "no result in round {} of {taken}",
            missing.join(", ")
        ));
    }
    let each = each.join("; ");
    let message = if median.low() > max {
        (
            Status::Fail,
            format!("{point:+.2}% slower, {interval} in the median round: wholly beyond +{max}% in {beyond} of {n} rounds ({each})"),
        )
    } else if point > max {
        (
            Status::Pass,
            format!("warning: the median round's point estimate {point:+.2}% is beyond +{max}%, but its interval {interval} is wholly beyond it in only {beyond} of {n} rounds ({each}); re-run to confirm"),
        )
    } else {
        (
            Status::Pass,
            format!("{point:+.2}% {interval} in the median round; wholly beyond +{max}% in {beyond} of {n} rounds ({each})"),
        )
    };
    (message.0, format!("{point:+.2}%"), message.1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::Slot;
    use crate::evidence::bench::{Change, Unit};
    use crate::policy::SloPolicy;

    fn bench(id: &str, ns: f64, change: Option<Change>) -> Benchmark {
        Benchmark {
            id: id.into(),
            value: ns,
            unit: Unit::Nanoseconds,
            baseline: None,
            change,
            bigger_is_better: false,
        }
    }

    fn judge(benches: Vec<Benchmark>, slo: Vec<SloPolicy>) -> Vec<RuleResult> {
        let policy = BenchmarksPolicy {
            optional: false,
            max_regression: Some(10.0),
            slo,
        };
        let evidence = Evidence {
            bench: Slot::Present {
                value: benches,
                sources: vec![],
            },
            ..Evidence::default()
        };
        let mut out = Vec::new();
        rules(&policy, &evidence, &Context::default(), &mut out);
        out
    }

    #[test]
    fn only_an_interval_wholly_beyond_the_limit_fails() {
        let rules = judge(
            vec![
                bench(
                    "wholly",
                    1.0,
                    Some(Change {
                        point: 0.30,
                        interval: Some((0.12, 0.50)),
                    }),
                ),
                bench(
                    "straddles",
                    1.0,
                    Some(Change {
                        point: 0.15,
                        interval: Some((0.05, 0.25)),
                    }),
                ),
                bench(
                    "point-only",
                    1.0,
                    Some(Change {
                        point: 0.11,
                        interval: None,
                    }),
                ),
                bench(
                    "fine",
                    1.0,
                    Some(Change {
                        point: 0.02,
                        interval: Some((-0.01, 0.04)),
                    }),
                ),
            ],
            vec![],
        );
        let status: Vec<Status> = rules.iter().map(|r| r.status).collect();
        assert_eq!(
            status,
            vec![Status::Fail, Status::Pass, Status::Fail, Status::Pass]
        );
        assert!(
            rules[1].message.starts_with("warning:"),
            "{}",
            rules[1].message
        );
        assert!(
            rules[2].message.contains("no confidence interval"),
            "{}",
            rules[2].message
        );
    }

    fn record(base: &str, head: &str, base_ran: bool) -> crate::evidence::bench::BenchCommits {
        crate::evidence::bench::BenchCommits {
            base: base.repeat(40),
            head: head.repeat(40),
            tool: "criterion".into(),
            base_ran,
            rounds: vec![],
            source: "target/tollgate-bench.json".into(),
        }
    }

    fn judge_in(
        benches: Vec<Benchmark>,
        commits: Option<crate::evidence::bench::BenchCommits>,
        merge_base: Option<String>,
        context: &Context,
    ) -> Vec<RuleResult> {
        let policy = BenchmarksPolicy {
            optional: false,
            max_regression: Some(10.0),
            slo: vec![],
        };
        let evidence = Evidence {
            bench: Slot::Present {
                value: benches,
                sources: vec![],
            },
            bench_commits: commits,
            merge_base,
            ..Evidence::default()
        };
        let mut out = Vec::new();
        rules(&policy, &evidence, context, &mut out);
        out
    }

    fn pr(base: &str, head: &str) -> Context {
        Context {
            kind: ContextKind::PullRequest,
            commit: Some(head.repeat(40)),
            base: Some(base.repeat(40)),
            ..Context::default()
        }
    }

    #[test]
    fn a_benchmark_the_base_lacks_is_skipped_as_new_not_passed() {
        let slower = Change {
            point: 0.30,
            interval: Some((0.25, 0.35)),
        };
        let rules = judge_in(
            vec![bench("old", 1.0, Some(slower)), bench("new", 1.0, None)],
            Some(record("a", "b", true)),
            None,
            &pr("a", "b"),
        );
        assert_eq!(rules[0].id, "bench.regression[new]");
        assert_eq!(rules[0].status, Status::Skipped);
        assert!(
            rules[0].message.starts_with("skipped: new benchmark"),
            "{}",
            rules[0].message
        );
        assert_eq!(rules[1].status, Status::Fail);
        // A base that did not build leaves every benchmark new.
        let rules = judge_in(
            vec![bench("old", 1.0, None)],
            Some(record("a", "b", false)),
            None,
            &pr("a", "b"),
        );
        assert_eq!(rules.len(), 1);
        assert_eq!(rules[0].status, Status::Skipped);
        assert!(
            rules[0].message.contains("did not build"),
            "{}",
            rules[0].message
        );
    }

    #[test]
    fn the_recorded_commits_must_be_the_judged_head_and_its_merge_base() {
        let fine = || {
            vec![bench(
                "x",
                1.0,
                Some(Change {
                    point: 0.0,
                    interval: Some((-0.01, 0.01)),
                }),
            )]
        };
        let head_wrong = judge_in(fine(), Some(record("a", "c", true)), None, &pr("a", "b"));
        assert_eq!(head_wrong[0].id, "bench.regression[*]");
        assert_eq!(head_wrong[0].status, Status::Fail);
        assert!(
            head_wrong[0]
                .message
                .contains("judged commit is bbbbbbbbbbbb"),
            "{}",
            head_wrong[0].message
        );
        let base_wrong = judge_in(fine(), Some(record("d", "b", true)), None, &pr("a", "b"));
        assert_eq!(base_wrong[0].status, Status::Fail);
        assert!(
            base_wrong[0]
                .message
                .contains("not the pull request's merge base"),
            "{}",
            base_wrong[0].message
        );
        let merge_base = judge_in(
            fine(),
            Some(record("d", "b", true)),
            Some("d".repeat(40)),
            &pr("a", "b"),
        );
        assert_eq!(
            merge_base[0].status,
            Status::Pass,
            "{}",
            merge_base[0].message
        );
        let unrecorded = judge_in(fine(), None, None, &pr("a", "b"));
        assert_eq!(unrecorded[0].status, Status::Fail);
        assert!(
            unrecorded[0].message.contains("no record"),
            "{}",
            unrecorded[0].message
        );
        // Locally a saved criterion baseline needs no record.
        assert_eq!(
            judge_in(fine(), None, None, &Context::default())[0].status,
            Status::Pass
        );
    }

    fn change(point: f64, lo: f64, hi: f64) -> Change {
        Change {
            point,
            interval: Some((lo, hi)),
        }
    }

    fn round(source: &str, benches: Vec<Benchmark>) -> BenchRound {
        BenchRound {
            source: source.into(),
            benchmarks: benches,
        }
    }

    /// `bench.regression` of the benchmark `x` (whose own change is
    /// `last`) over `rounds`, with `max_regression = 10`.
    fn judge_rounds(last: Option<Change>, rounds: Vec<BenchRound>) -> RuleResult {
        let policy = BenchmarksPolicy {
            optional: false,
            max_regression: Some(10.0),
            slo: vec![],
        };
        let evidence = Evidence {
            bench: Slot::Present {
                value: vec![bench("x", 1.0, last)],
                sources: vec![],
            },
            bench_commits: Some(record("a", "b", true)),
            bench_rounds: rounds,
            ..Evidence::default()
        };
        let mut out = Vec::new();
        rules(&policy, &evidence, &pr("a", "b"), &mut out);
        assert_eq!(out.len(), 1, "{out:?}");
        out.remove(0)
    }

    fn rounds_of(changes: &[Option<Change>]) -> Vec<BenchRound> {
        changes
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let benches = c
                    .map(|c| vec![bench("x", 1.0, Some(c))])
                    .unwrap_or_default();
                round(&format!("target/criterion-rounds/r{}", i + 1), benches)
            })
            .collect()
    }

    #[test]
    fn the_median_round_decides_which_is_a_strict_majority() {
        let beyond = change(0.31, 0.29, 0.335);
        let within = change(0.05, 0.01, 0.09);
        let straddles = change(0.12, 0.08, 0.16);
        // 3 of 3 and 2 of 3 fail, with every round's figures.
        let all = judge_rounds(Some(beyond), rounds_of(&[Some(beyond); 3]));
        assert_eq!(all.status, Status::Fail, "{}", all.message);
        assert!(
            all.message
                .contains("+31.00% slower, [+29.00%, +33.50%] in the median round: wholly beyond +10% in 3 of 3 rounds"),
            "{}",
            all.message
        );
        assert!(
            all.message.contains("round 3 +31.00% [+29.00%, +33.50%]"),
            "{}",
            all.message
        );
        assert_eq!(all.actual.as_deref(), Some("+31.00%"));
        let two = judge_rounds(
            Some(beyond),
            rounds_of(&[Some(beyond), Some(within), Some(beyond)]),
        );
        assert_eq!(two.status, Status::Fail, "{}", two.message);
        assert!(two.message.contains("in 2 of 3 rounds"), "{}", two.message);
        // One disturbed round of three does not fail the pull request.
        let one = judge_rounds(
            Some(within),
            rounds_of(&[Some(within), Some(beyond), Some(within)]),
        );
        assert_eq!(one.status, Status::Pass, "{}", one.message);
        assert!(one.message.contains("in 1 of 3 rounds"), "{}", one.message);
        assert_eq!(one.actual.as_deref(), Some("+5.00%"));
        // Disagreeing rounds whose median is beyond only by its point
        // estimate: a warning, as for one round.
        let warn = judge_rounds(
            Some(beyond),
            rounds_of(&[Some(within), Some(straddles), Some(beyond)]),
        );
        assert_eq!(warn.status, Status::Pass, "{}", warn.message);
        assert!(
            warn.message.starts_with("warning: the median round"),
            "{}",
            warn.message
        );
        // An even count takes the lower middle: 1 of 2 is no majority.
        let half = judge_rounds(Some(beyond), rounds_of(&[Some(beyond), Some(within)]));
        assert_eq!(half.status, Status::Pass, "{}", half.message);
        let both = judge_rounds(Some(beyond), rounds_of(&[Some(beyond), Some(beyond)]));
        assert_eq!(both.status, Status::Fail, "{}", both.message);
        // 2 of 4 is no majority either; 3 of 4 is.
        let w = Some(within);
        let b = Some(beyond);
        assert_eq!(
            judge_rounds(b, rounds_of(&[b, w, b, w])).status,
            Status::Pass
        );
        assert_eq!(
            judge_rounds(b, rounds_of(&[b, w, b, b])).status,
            Status::Fail
        );
    }

    #[test]
    fn the_median_is_a_strict_majority_for_every_count() {
        // Every pattern of up to 6 rounds, each beyond the limit or not.
        for n in 1..=6_usize {
            for mask in 0..(1_u32 << n) {
                let changes: Vec<RoundChange> = (0..n)
                    .map(|i| RoundChange {
                        round: i + 1,
                        change: if mask & (1 << i) == 0 {
                            change(0.0, -0.01 * f64::from(u32::try_from(i).unwrap()), 0.02)
                        } else {
                            change(0.3, 0.2 + 0.01 * f64::from(u32::try_from(i).unwrap()), 0.4)
                        },
                    })
                    .collect();
                let beyond = usize::try_from(mask.count_ones()).unwrap();
                let median = median_round(&changes).unwrap();
                assert_eq!(median.low() > 10.0, beyond * 2 > n, "n={n} mask={mask:b}");
            }
        }
        assert_eq!(median_round(&[]), None);
    }

    #[test]
    fn one_round_is_judged_as_a_single_comparison() {
        let beyond = change(0.31, 0.29, 0.335);
        let single = judge_rounds(Some(beyond), vec![]);
        let one = judge_rounds(Some(beyond), rounds_of(&[Some(beyond)]));
        assert_eq!(single.message, one.message);
        assert_eq!(single.status, Status::Fail);
        assert_eq!(
            single.message,
            "+31.00% slower, confidence interval [+29.00%, +33.50%] lies wholly beyond +10%"
        );
    }

    #[test]
    fn a_round_without_the_benchmark_is_left_out_and_said() {
        let beyond = change(0.31, 0.29, 0.335);
        let within = change(0.05, 0.01, 0.09);
        // Rounds 1 and 3 measured it: both beyond, so it fails, and the
        // message says round 2 had no result.
        let r = judge_rounds(Some(beyond), rounds_of(&[Some(beyond), None, Some(beyond)]));
        assert_eq!(r.status, Status::Fail, "{}", r.message);
        assert!(r.message.contains("in 2 of 2 rounds"), "{}", r.message);
        assert!(
            r.message.contains("no result in round 2 of 3"),
            "{}",
            r.message
        );
        // Only one round has it: judged as that round alone.
        let r = judge_rounds(Some(within), rounds_of(&[None, Some(beyond), None]));
        assert_eq!(r.status, Status::Fail, "{}", r.message);
        assert!(
            r.message.starts_with("+31.00% slower, confidence interval"),
            "{}",
            r.message
        );
        // No round has it although the last tree compared it: that
        // comparison stands alone rather than the benchmark passing unseen.
        let r = judge_rounds(Some(beyond), rounds_of(&[None, None]));
        assert_eq!(r.status, Status::Fail, "{}", r.message);
        // No comparison anywhere: a new benchmark.
        let r = judge_rounds(None, rounds_of(&[None, None]));
        assert_eq!(r.status, Status::Skipped, "{}", r.message);
    }

    #[test]
    fn bigger_is_better_turns_a_drop_into_a_regression() {
        let mut b = bench(
            "throughput",
            1.0,
            Some(Change {
                point: -0.20,
                interval: Some((-0.30, -0.15)),
            }),
        );
        b.bigger_is_better = true;
        b.unit = Unit::Other("ops/s".into());
        assert_eq!(judge(vec![b], vec![])[0].status, Status::Fail);
    }

    #[test]
    fn no_baseline_at_all_fails_and_slos_match_by_glob() {
        let slo = |glob: &str, max: &str, ns: f64| SloPolicy {
            bench: glob.into(),
            matcher: crate::policy::CompiledGlob::new(
                globset::Glob::new(glob).unwrap().compile_matcher(),
            ),
            max_text: max.into(),
            max_ns: ns,
        };
        let rules = judge(
            vec![
                bench("lookup/hot", 800.0, None),
                bench("lookup/cold", 1500.0, None),
            ],
            vec![slo("lookup/*", "1us", 1e3), slo("search/*", "50ms", 5e7)],
        );
        assert_eq!(rules[0].id, "bench.regression[*]");
        assert_eq!(rules[0].status, Status::Fail);
        assert_eq!(rules[1].status, Status::Fail);
        assert!(
            rules[1].message.contains("lookup/cold 1.500µs"),
            "{}",
            rules[1].message
        );
        assert_eq!(rules[2].status, Status::Error);
    }
}
