//! Benchmark rules: regressions against a baseline and absolute SLOs.
//!
//! A regression fails only where the confidence interval lies wholly beyond
//! `max_regression`; a point estimate beyond it with an interval straddling
//! it is a warning (the rule passes and says so). Without an interval the
//! point estimate decides and the message says the comparison had none.

use super::{absent, Evidence, RuleResult, Status};
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

pub(super) fn rules(policy: &BenchmarksPolicy, evidence: &Evidence, out: &mut Vec<RuleResult>) {
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
        regressions(max, benches, out);
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

fn regressions(max: f64, benches: &[Benchmark], out: &mut Vec<RuleResult>) {
    let required = format!("<= +{max}%");
    let compared: Vec<&Benchmark> = benches.iter().filter(|b| b.change.is_some()).collect();
    if compared.is_empty() {
        let id = Family::BenchRegression.wildcard();
        let title = id.title();
        out.push(RuleResult::new(
            id,
            title,
            Status::Fail,
            None,
            &required,
            "no benchmark has a baseline to compare with, so regressions cannot be ruled out".to_owned(),
            Some("keep criterion's baseline (cargo bench -- --save-baseline / --baseline), or pass --bench-baseline PATH".to_owned()),
        ));
        return;
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
        rules(&policy, &evidence, &mut out);
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
