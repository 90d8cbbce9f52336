//! Benchmark rules: regressions against a baseline and absolute SLOs.
//!
//! A regression fails only where the confidence interval lies wholly beyond
//! `max_regression`; a point estimate beyond it with an interval straddling
//! it is a warning (the rule passes and says so). Without an interval the
//! point estimate decides and the message says the comparison had none.
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
use crate::evidence::bench::Benchmark;
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
    let compared: Vec<&Benchmark> = benches.iter().filter(|b| b.change.is_some()).collect();
    // A baseline was there to compare with: a benchmark without a change is
    // one the base did not have (or could not run), which is neither a
    // pass nor a failure of this pull request.
    let had_baseline = !compared.is_empty()
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
    for b in benches.iter().filter(|b| b.change.is_none()) {
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
    for b in compared {
        let Some(change) = b.worsening() else {
            continue;
        };
        let rule = Family::BenchRegression.keyed(&b.id);
        let (id, title) = (rule.to_string(), rule.title());
        let point = change.point * 100.0;
        let actual = format!("{point:+.2}%");
        let (status, message, help) = match change.interval {
            Some((lo, hi)) => {
                let (lo, hi) = (lo * 100.0, hi * 100.0);
                if lo > max {
                    (Status::Fail, format!("{point:+.2}% slower, confidence interval [{lo:+.2}%, {hi:+.2}%] lies wholly beyond +{max}%"), Some(format!("find what made {} slower, or justify it with a signed override", b.id)))
                } else if point > max {
                    (Status::Pass, format!("warning: point estimate {point:+.2}% is beyond +{max}% but the confidence interval [{lo:+.2}%, {hi:+.2}%] straddles it; re-run to confirm"), None)
                } else {
                    (Status::Pass, format!("{point:+.2}% (confidence interval [{lo:+.2}%, {hi:+.2}%])"), None)
                }
            }
            None if point > max => (
                Status::Fail,
                format!("{point:+.2}% slower than the baseline (the comparison had no confidence interval, so the point estimate decides)"),
                Some(format!("find what made {} slower, or justify it with a signed override", b.id)),
            ),
            None => (Status::Pass, format!("{point:+.2}% (no confidence interval; the point estimate decides)"), None),
        };
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
