//! Any text read as JUnit XML: a run or an error naming a line, never a
//! panic; a run's counts add up (every testcase is exactly one of passed,
//! failed, errored or skipped; every failing one is listed).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let Ok(run) = tollgate::evidence::junit::parse_junit(std::path::Path::new("fuzz.xml"), text)
    else {
        return;
    };
    assert_eq!(
        run.passed + run.failed + run.errors + run.skipped,
        run.total,
        "the outcomes do not add up to the testcases: {run:?}"
    );
    assert!(run.flaky <= run.passed, "more flaky than passing: {run:?}");
    assert_eq!(
        run.failing.len() as u64,
        run.failed + run.errors,
        "failing list and counts disagree: {run:?}"
    );
});
