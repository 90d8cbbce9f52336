//! Property tests for the evidence readers of outside input: they never
//! panic on arbitrary text, and duration parsing is exact arithmetic.

use std::path::Path;

use proptest::prelude::*;
use tollgate::evidence::audit::{lockfile_line, parse_audit};
use tollgate::evidence::bench::{parse_bench_json, parse_duration_ns};
use tollgate::evidence::detect::detect_text;
use tollgate::evidence::junit::parse_junit;
use tollgate::evidence::release::changelog_section;
use tollgate::evidence::EvidenceError;

fn line_is_one_based(result: &Result<(), EvidenceError>) {
    if let Err(EvidenceError::Malformed { line, .. }) = result {
        assert!(*line >= 1);
    }
}

proptest! {
    #[test]
    fn readers_never_panic(text in "\\PC*") {
        let p = Path::new("x");
        line_is_one_based(&parse_audit(p, &text).map(drop));
        line_is_one_based(&parse_junit(p, &text).map(drop));
        line_is_one_based(&parse_bench_json(p, &text).map(drop));
        line_is_one_based(&detect_text(p, &text).map(drop));
        let _ = changelog_section(&text, "1.2.3");
        let _ = lockfile_line(&text, "a", "1.0.0");
    }

    #[test]
    fn junit_like_text_never_panics(text in "(<testsuites>|<testsuite name=\"s\">|<testcase name=\"t\">|<failure message=\"m\"/>|<failure>x</failure>|<skipped/>|</testcase>|</testsuite>|</testsuites>|<flakyFailure>|</flakyFailure>|<![CDATA[y]]>|&amp;|&bad;|\n| ){0,40}") {
        line_is_one_based(&parse_junit(Path::new("x"), &text).map(drop));
    }

    #[test]
    fn durations_scale_exactly(n in 0u32..1_000_000, unit in prop::sample::select(vec![("ns", 1.0), ("us", 1e3), ("µs", 1e3), ("ms", 1e6), ("s", 1e9)])) {
        let parsed = parse_duration_ns(&format!("{n}{}", unit.0)).unwrap();
        let expected = f64::from(n) * unit.1;
        prop_assert!((parsed - expected).abs() <= expected * 1e-15, "{} != {}", parsed, expected);
    }
}
