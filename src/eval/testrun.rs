//! `tests.pass`: every test passed, and enough tests ran.
//!
//! A flaky test that passed on retry is a pass (nextest's `flakyFailure`);
//! a run of zero tests is not a pass.

use std::fmt::Write as _;

use super::{absent, Evidence, RuleResult, Status};
use crate::policy::TestsPolicy;
use crate::rules::Family;

/// How many failing tests a message names before counting the rest.
const NAMED_FAILURES: usize = 10;

pub(super) fn rules(policy: &TestsPolicy, evidence: &Evidence, out: &mut Vec<RuleResult>) {
    let required = if policy.all_pass {
        format!("all pass, >= {} run", policy.min_tests)
    } else {
        format!(">= {} run", policy.min_tests)
    };
    let Some(run) = evidence.tests.value() else {
        let (status, message, help) = absent(&evidence.tests, policy.optional, "test report");
        let help = help.or_else(|| Some(format!("write JUnit XML (nextest --profile ci with [profile.ci.junit] writes {}, read by default; pytest --junitxml), or pass --tests PATH", crate::policy::default_paths::TESTS)));
        let id = Family::TestsPass.id();
        let title = id.title();
        out.push(RuleResult::new(
            id, title, status, None, &required, message, help,
        ));
        return;
    };
    let executed = run.passed + run.failed + run.errors;
    let mut actual = format!(
        "{} passed, {} failed, {} errors, {} skipped",
        run.passed, run.failed, run.errors, run.skipped
    );
    if run.flaky > 0 {
        let _ = write!(actual, " ({} flaky)", run.flaky);
    }
    let broken = run.failed + run.errors;
    let (status, message, help) = if policy.all_pass && broken > 0 {
        let named: Vec<String> = run
            .failing
            .iter()
            .take(NAMED_FAILURES)
            .map(|t| format!("{} ({})", t.name, t.suite))
            .collect();
        let rest = run.failing.len().saturating_sub(named.len());
        let more = if rest > 0 {
            format!(" and {rest} more")
        } else {
            String::new()
        };
        (
            Status::Fail,
            format!(
                "{broken} test{} failed: {}{more}",
                if broken == 1 { "" } else { "s" },
                named.join(", ")
            ),
            Some("fix the failing tests listed above; the JSON report names them all".to_owned()),
        )
    } else if executed < policy.min_tests {
        (
            Status::Fail,
            format!("{executed} test{} ran, fewer than the {} required", if executed == 1 { "" } else { "s" }, policy.min_tests),
            Some("check that the test step ran and wrote its report (a run of zero tests is not a pass)".to_owned()),
        )
    } else {
        (
            Status::Pass,
            format!("{executed} tests ran, none failed"),
            None,
        )
    };
    let id = Family::TestsPass.id();
    let title = id.title();
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::Slot;
    use crate::evidence::junit::{FailedTest, FailureKind, TestRun};

    fn judge(run: TestRun, min_tests: u64) -> RuleResult {
        let policy = TestsPolicy {
            optional: false,
            all_pass: true,
            min_tests,
        };
        let evidence = Evidence {
            tests: Slot::Present {
                value: run,
                sources: vec![],
            },
            ..Evidence::default()
        };
        let mut out = Vec::new();
        rules(&policy, &evidence, &mut out);
        out.remove(0)
    }

    #[test]
    fn zero_tests_is_not_a_pass() {
        assert_eq!(judge(TestRun::default(), 1).status, Status::Fail);
        let skipped_only = TestRun {
            total: 3,
            skipped: 3,
            ..TestRun::default()
        };
        assert_eq!(judge(skipped_only, 1).status, Status::Fail);
    }

    #[test]
    fn flaky_passes_pass_and_failures_are_named_then_counted() {
        let flaky = TestRun {
            total: 2,
            passed: 2,
            flaky: 1,
            ..TestRun::default()
        };
        assert_eq!(judge(flaky, 1).status, Status::Pass);
        let failing: Vec<FailedTest> = (0..12)
            .map(|i| FailedTest {
                suite: "s".into(),
                classname: None,
                name: format!("t{i}"),
                kind: FailureKind::Failure,
                message: None,
            })
            .collect();
        let run = TestRun {
            total: 12,
            failed: 12,
            failing,
            ..TestRun::default()
        };
        let rule = judge(run, 1);
        assert_eq!(rule.status, Status::Fail);
        assert!(
            rule.message.contains("t9 (s)")
                && !rule.message.contains("t10 (s)")
                && rule.message.ends_with("and 2 more"),
            "{}",
            rule.message
        );
    }
}
