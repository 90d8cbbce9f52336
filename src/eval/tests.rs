//! `tests.pass`: every test passed, and enough tests ran.
//!
//! A flaky test that passed on retry is a pass (nextest's `flakyFailure`);
//! a run of zero tests is not a pass.

use std::fmt::Write as _;

use super::reviews::absent;
use super::{Evidence, RuleResult, Status};
use crate::policy::TestsPolicy;

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
        let help = help.or_else(|| Some("write JUnit XML (nextest: [profile.ci.junit]; pytest --junitxml) and pass --tests PATH".to_owned()));
        out.push(RuleResult::new(
            "tests.pass",
            "Test suites pass",
            status,
            None,
            &required,
            message,
            help,
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
    out.push(RuleResult::new(
        "tests.pass",
        "Test suites pass",
        status,
        Some(actual),
        &required,
        message,
        help,
    ));
}
