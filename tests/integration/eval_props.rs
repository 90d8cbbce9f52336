//! Property tests for the gate arithmetic (issue #2): thresholds compare
//! exactly at the boundary, and a rule's verdict follows the same rule as
//! the integer comparison `hit * 100 >= threshold * found`.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use tollgate::eval::{evaluate, Context, Evidence, Slot, Status};
use tollgate::evidence::coverage::{CoverageReport, FileCoverage};
use tollgate::policy::{load_policy, FileSource, Threshold};

/// Policies from memory.
struct Memory(String);

impl FileSource for Memory {
    fn read(&self, _: &std::path::Path) -> std::io::Result<Option<Vec<u8>>> {
        Ok(Some(self.0.clone().into_bytes()))
    }
    fn describe(&self) -> String {
        "memory".to_owned()
    }
}

fn report(found: u32, hit: u32) -> CoverageReport {
    let mut file = FileCoverage::default();
    for line in 1..=found {
        file.add_line(line, u64::from(line <= hit));
    }
    let mut report = CoverageReport::new();
    report.merge_file("src/lib.rs", file);
    report
}

fn lines_status(threshold_ten_thousandths: u64, found: u32, hit: u32) -> Status {
    let percent = format!(
        "{}.{:04}",
        threshold_ten_thousandths / 10_000,
        threshold_ten_thousandths % 10_000
    );
    let toml =
        format!("schema = 1\nname = \"p\"\nversion = \"1.0.0\"\n[coverage]\nlines = {percent}\n");
    let policy = load_policy(&Memory(toml), std::path::Path::new("p.toml")).unwrap();
    let evidence = Evidence {
        coverage: Slot::Present {
            value: report(found, hit),
            sources: vec![],
        },
        ..Evidence::default()
    };
    let verdict = evaluate(&policy, &evidence, &Context::default(), chrono::Utc::now());
    verdict.rules[0].status
}

proptest! {
    #[test]
    fn threshold_is_met_exactly_when_the_integer_comparison_holds(
        found in 1u64..1_000_000, hit_frac in 0.0f64..=1.0, t in 0u64..=1_000_000,
    ) {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
        let hit = ((found as f64) * hit_frac) as u64;
        let threshold = Threshold::from_percent(t as f64 / 10_000.0).unwrap();
        let exact = u128::from(hit) * 100 * 10_000 >= u128::from(t) * u128::from(found);
        prop_assert_eq!(threshold.is_met(hit, found), exact);
    }

    #[test]
    fn the_rule_passes_at_the_boundary_and_fails_just_above_it(found in 1u32..400, hit_seed in 0u32..400) {
        let hit = hit_seed % (found + 1);
        // The largest threshold with four decimals that hit/found meets...
        let boundary = u64::from(hit) * 1_000_000 / u64::from(found);
        prop_assert_eq!(lines_status(boundary, found, hit), Status::Pass);
        // ...and the next one up fails, unless it is beyond 100%.
        if boundary < 1_000_000 {
            prop_assert_eq!(lines_status(boundary + 1, found, hit), Status::Fail);
        }
    }
}

#[test]
fn nothing_found_is_an_error_not_zero_or_a_hundred_percent() {
    assert_eq!(lines_status(0, 0, 0), Status::Error);
}

#[test]
fn a_policy_without_rules_cannot_pass() {
    let policy = load_policy(
        &Memory("schema = 1\nname = \"p\"\nversion = \"1.0.0\"\n".to_owned()),
        std::path::Path::new("p.toml"),
    )
    .unwrap();
    let verdict = evaluate(
        &policy,
        &Evidence::default(),
        &Context::default(),
        chrono::Utc::now(),
    );
    assert!(!verdict.passed());
}
