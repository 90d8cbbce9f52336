//! The JSON benchmark formats: Bencher Metric Format, github-action-benchmark
//! (`customSmallerIsBetter`/`customBiggerIsBetter`) and hyperfine
//! `--export-json` (docs/formats.md).
//!
//! The file is sniffed first (an array is github-action-benchmark, an object
//! with a `results` array is hyperfine, an object of objects is BMF), then
//! parsed again with typed structs so errors carry `serde_json`'s line.

use std::path::Path;

use serde_json::Value;

use super::{BenchFormat, Benchmark, Unit};
use crate::evidence::text::{json_error, malformed, read_text};
use crate::evidence::EvidenceError;

/// Reads a JSON benchmark file of any supported format.
pub fn read_bench_json(path: &Path) -> Result<(BenchFormat, Vec<Benchmark>), EvidenceError> {
    let text = read_text(path)?;
    parse_bench_json(path, &text)
}

/// Detects the format of JSON benchmark results in `text` and reads them.
pub fn parse_bench_json(
    path: &Path,
    text: &str,
) -> Result<(BenchFormat, Vec<Benchmark>), EvidenceError> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| json_error(path, "benchmark JSON file", &e))?;
    let format = detect(&value).ok_or_else(|| EvidenceError::UnknownFormat {
        path: path.to_path_buf(),
        message: format!(
            "JSON {} is not Bencher Metric Format (object of objects), github-action-benchmark (array) or hyperfine (object with `results`)",
            describe(&value)
        ),
    })?;
    let benchmarks = match format {
        BenchFormat::Bmf => bmf(path, text)?,
        BenchFormat::GithubActionBenchmark => github_action_benchmark(path, text)?,
        BenchFormat::Hyperfine => hyperfine(path, text)?,
        BenchFormat::Criterion => Vec::new(),
    };
    super::check_values(path, Some(text), &benchmarks)?;
    check_distinct(path, text, &benchmarks)?;
    Ok((format, benchmarks))
}

/// Refuses a file that names one benchmark twice (two github-action-benchmark
/// entries or two hyperfine commands alike): which of the two is the
/// measurement is anyone's guess, and a gate must not pick one silently.
/// BMF's duplicate keys are caught while parsing (`raw::DistinctKeys`), with
/// serde's line.
fn check_distinct(path: &Path, text: &str, benchmarks: &[Benchmark]) -> Result<(), EvidenceError> {
    let mut seen = std::collections::BTreeSet::new();
    for b in benchmarks {
        if !seen.insert(b.id.as_str()) {
            // The line of the second occurrence of the quoted id, when it
            // is written as JSON writes it.
            let line = serde_json::to_string(&b.id)
                .ok()
                .and_then(|quoted| {
                    let first = text.find(&quoted)?;
                    let second = text[first + quoted.len()..].find(&quoted)?;
                    Some(crate::evidence::text::line_at(
                        text,
                        first + quoted.len() + second,
                    ))
                })
                .unwrap_or(1);
            return Err(malformed(
                path,
                line,
                format!("benchmark {:?} appears twice in the file; a gate cannot tell which is the measurement", b.id),
            ));
        }
    }
    Ok(())
}

/// Which JSON benchmark format `value` is, if any.
pub(crate) fn detect(value: &Value) -> Option<BenchFormat> {
    match value {
        Value::Array(_) => Some(BenchFormat::GithubActionBenchmark),
        Value::Object(map) if map.get("results").is_some_and(Value::is_array) => {
            Some(BenchFormat::Hyperfine)
        }
        Value::Object(map) if map.values().all(Value::is_object) => Some(BenchFormat::Bmf),
        _ => None,
    }
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object with non-object members",
    }
}

fn bmf(path: &Path, text: &str) -> Result<Vec<Benchmark>, EvidenceError> {
    let raw: raw::DistinctKeys<raw::DistinctKeys<raw::BmfMetric>> = serde_json::from_str(text)
        .map_err(|e| json_error(path, "Bencher Metric Format file", &e))?;
    let mut out = Vec::new();
    for (name, measures) in raw.0 {
        for (slug, metric) in measures.0 {
            // Bencher's built-in measures: latency in ns, throughput in ops/s.
            let (id, unit, bigger_is_better) = match slug.as_str() {
                "latency" => (name.clone(), Unit::Nanoseconds, false),
                "throughput" => (format!("{name}/{slug}"), Unit::Other("ops/s".into()), true),
                _ => (format!("{name}/{slug}"), Unit::Other(slug.clone()), false),
            };
            out.push(Benchmark {
                id,
                value: metric.value,
                unit,
                baseline: None,
                change: None,
                bigger_is_better,
            });
        }
    }
    Ok(out)
}

fn github_action_benchmark(path: &Path, text: &str) -> Result<Vec<Benchmark>, EvidenceError> {
    let raw: Vec<raw::GabEntry> = serde_json::from_str(text)
        .map_err(|e| json_error(path, "github-action-benchmark JSON array", &e))?;
    let mut out = Vec::with_capacity(raw.len());
    for (index, entry) in raw.into_iter().enumerate() {
        let (unit, factor) = Unit::from_name(&entry.unit);
        if entry.name.0.is_empty() {
            return Err(malformed(
                path,
                1,
                format!("entry {index} has an empty name"),
            ));
        }
        out.push(Benchmark {
            id: entry.name.0,
            value: entry.value.0 * factor,
            bigger_is_better: is_rate(&unit),
            unit,
            baseline: None,
            change: None,
        });
    }
    Ok(out)
}

/// Whether a unit reads as "per time" (ops/s, MB/s, Hz), where bigger is
/// better. github-action-benchmark's file does not say which tool wrote it
/// (`customBiggerIsBetter` is a workflow setting), so the unit is the only
/// evidence; anything else is taken as smaller-is-better, its default.
fn is_rate(unit: &Unit) -> bool {
    let Unit::Other(name) = unit else {
        return false;
    };
    let lower = name.to_ascii_lowercase();
    lower.ends_with("/s")
        || lower.ends_with("/sec")
        || lower.ends_with("/second")
        || lower.ends_with("per second")
        || lower.ends_with("hz")
        || lower.starts_with("ops")
}

fn hyperfine(path: &Path, text: &str) -> Result<Vec<Benchmark>, EvidenceError> {
    let raw: raw::Hyperfine = serde_json::from_str(text)
        .map_err(|e| json_error(path, "hyperfine --export-json file", &e))?;
    Ok(raw
        .results
        .into_iter()
        .map(|r| Benchmark {
            id: r.command,
            // hyperfine reports seconds.
            value: r.mean * 1e9,
            unit: Unit::Nanoseconds,
            baseline: None,
            change: None,
            bigger_is_better: false,
        })
        .collect())
}

/// The formats as written, strict in tests (docs/formats.md).
#[allow(dead_code)] // fields are declared for `deny_unknown_fields` in tests, not read
mod raw {
    use serde::de::{Error as _, IgnoredAny};
    use serde::{Deserialize, Deserializer};
    use std::collections::BTreeMap;

    #[derive(Deserialize)]
    #[cfg_attr(test, serde(deny_unknown_fields))]
    pub(super) struct BmfMetric {
        pub value: f64,
        #[serde(default)]
        pub lower_value: Option<f64>,
        #[serde(default)]
        pub upper_value: Option<f64>,
    }

    #[derive(Deserialize)]
    #[cfg_attr(test, serde(deny_unknown_fields))]
    pub(super) struct GabEntry {
        pub name: Coerced<String>,
        pub value: Coerced<f64>,
        pub unit: String,
        #[serde(default)]
        pub range: Option<IgnoredAny>,
        #[serde(default)]
        pub extra: Option<IgnoredAny>,
    }

    /// A JSON object read into a map that refuses a key given twice.
    /// `serde_json` keeps the last of two equal keys silently, and a
    /// benchmark result written twice is ambiguous evidence; the error
    /// carries serde's line and column.
    pub(super) struct DistinctKeys<V>(pub BTreeMap<String, V>);

    impl<'de, V: Deserialize<'de>> Deserialize<'de> for DistinctKeys<V> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct Keys<V>(std::marker::PhantomData<V>);
            impl<'de, V: Deserialize<'de>> serde::de::Visitor<'de> for Keys<V> {
                type Value = DistinctKeys<V>;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str("an object")
                }
                fn visit_map<A: serde::de::MapAccess<'de>>(
                    self,
                    mut access: A,
                ) -> Result<Self::Value, A::Error> {
                    let mut map = BTreeMap::new();
                    while let Some(key) = access.next_key::<String>()? {
                        if map.contains_key(&key) {
                            return Err(A::Error::custom(format!(
                                "key {key:?} appears twice in one object"
                            )));
                        }
                        let value = access.next_value()?;
                        map.insert(key, value);
                    }
                    Ok(DistinctKeys(map))
                }
            }
            d.deserialize_map(Keys(std::marker::PhantomData))
        }
    }

    /// github-action-benchmark validates with zod's `coerce`, so `"12.5"`
    /// is as good a value as `12.5`, and a numeric name is a name.
    pub(super) struct Coerced<T>(pub T);

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Scalar {
        Number(f64),
        Text(String),
    }

    impl<'de> Deserialize<'de> for Coerced<f64> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            match Scalar::deserialize(d)? {
                Scalar::Number(n) => Ok(Coerced(n)),
                Scalar::Text(s) => s
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .map(Coerced)
                    .ok_or_else(|| D::Error::custom(format!("value {s:?} is not a number"))),
            }
        }
    }

    impl<'de> Deserialize<'de> for Coerced<String> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            Ok(Coerced(match Scalar::deserialize(d)? {
                Scalar::Number(n) => n.to_string(),
                Scalar::Text(s) => s,
            }))
        }
    }

    #[derive(Deserialize)]
    #[cfg_attr(test, serde(deny_unknown_fields))]
    pub(super) struct Hyperfine {
        pub results: Vec<HyperfineResult>,
    }

    #[derive(Deserialize)]
    #[cfg_attr(test, serde(deny_unknown_fields))]
    pub(super) struct HyperfineResult {
        pub command: String,
        pub mean: f64,
        #[serde(default)]
        pub stddev: Option<f64>,
        #[serde(default)]
        pub median: Option<f64>,
        #[serde(default)]
        pub user: Option<f64>,
        #[serde(default)]
        pub system: Option<f64>,
        #[serde(default)]
        pub min: Option<f64>,
        #[serde(default)]
        pub max: Option<f64>,
        #[serde(default)]
        pub times: Option<IgnoredAny>,
        #[serde(default)]
        pub memory_usage_byte: Option<IgnoredAny>,
        #[serde(default)]
        pub exit_codes: Option<IgnoredAny>,
        #[serde(default)]
        pub parameters: Option<IgnoredAny>,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<(BenchFormat, Vec<Benchmark>), EvidenceError> {
        parse_bench_json(Path::new("bench.json"), text)
    }

    #[test]
    fn bencher_metric_format() {
        let text = r#"{
  "lookup/hot": {"latency": {"value": 812.5, "lower_value": 800.0, "upper_value": 830.0}},
  "encode": {"latency": {"value": 10.0}, "throughput": {"value": 1000.0}}
}"#;
        let (format, benches) = parse(text).unwrap();
        assert_eq!(format, BenchFormat::Bmf);
        let ids: Vec<_> = benches.iter().map(|b| b.id.as_str()).collect();
        assert_eq!(ids, ["encode", "encode/throughput", "lookup/hot"]);
        assert_eq!(benches[2].value_ns(), Some(812.5));
        assert!(benches[1].bigger_is_better);
        assert_eq!(benches[1].value_ns(), None);
    }

    #[test]
    fn github_action_benchmark_units_and_coercion() {
        let text = r#"[
  {"name": "parse", "unit": "ms", "value": 1.5, "range": "± 0.1"},
  {"name": 42, "unit": "ns/iter", "value": "120", "extra": "100 samples"},
  {"name": "rps", "unit": "ops/sec", "value": 5000}
]"#;
        let (format, benches) = parse(text).unwrap();
        assert_eq!(format, BenchFormat::GithubActionBenchmark);
        assert_eq!(benches[0].value_ns(), Some(1.5e6));
        assert_eq!(benches[1].id, "42");
        assert_eq!(benches[1].value_ns(), Some(120.0));
        assert_eq!(benches[2].unit, Unit::Other("ops/sec".into()));
        assert!(benches[2].bigger_is_better);
        assert!(!benches[0].bigger_is_better);
    }

    #[test]
    fn hyperfine_seconds_become_nanoseconds() {
        let text = r#"{
  "results": [
    {
      "command": "sleep 0.1",
      "mean": 0.1025,
      "stddev": 0.001,
      "median": 0.102,
      "user": 0.0005,
      "system": 0.001,
      "min": 0.101,
      "max": 0.105,
      "times": [0.101, 0.105],
      "exit_codes": [0, 0]
    }
  ]
}"#;
        let (format, benches) = parse(text).unwrap();
        assert_eq!(format, BenchFormat::Hyperfine);
        assert_eq!(benches[0].id, "sleep 0.1");
        assert!((benches[0].value_ns().unwrap() - 102_500_000.0).abs() < 1e-3);
    }

    #[test]
    fn malformed_inputs_name_the_line() {
        let cases = [
            (
                "[\n{\"name\": \"a\", \"unit\": \"ms\", \"value\": \"fast\"}\n]",
                2,
                "not a number",
            ),
            ("{\n\"a\": {\"latency\": {}}\n}", 2, "missing field `value`"),
            (
                "{\"results\": [\n{\"mean\": 1}\n]}",
                2,
                "missing field `command`",
            ),
            ("{\"a\": 1,\n", 2, "benchmark JSON"),
            // A benchmark given twice is ambiguous: which is the result?
            (
                "{\"x\": {\"latency\": {\"value\": 1.0}},\n\"x\": {\"latency\": {\"value\": 2.0}}}",
                2,
                "key \"x\" appears twice",
            ),
            (
                "{\"x\": {\"latency\": {\"value\": 1.0},\n\"latency\": {\"value\": 2.0}}}",
                2,
                "key \"latency\" appears twice",
            ),
            (
                "[{\"name\": \"a\", \"unit\": \"ms\", \"value\": 1},\n{\"name\": \"b\", \"unit\": \"ms\", \"value\": 1},\n{\"name\": \"a\", \"unit\": \"ms\", \"value\": 2}]",
                3,
                "benchmark \"a\" appears twice",
            ),
            (
                "{\"results\": [{\"command\": \"sleep 1\", \"mean\": 1},\n{\"command\": \"sleep 1\", \"mean\": 1.1}]}",
                2,
                "benchmark \"sleep 1\" appears twice",
            ),
        ];
        for (text, line, needle) in cases {
            match parse(text) {
                Err(EvidenceError::Malformed {
                    line: got, message, ..
                }) => {
                    assert_eq!(got, line, "{text:?}: {message}");
                    assert!(message.contains(needle), "{text:?}: {message}");
                }
                other => panic!("{text:?}: unexpected {other:?}"),
            }
        }
    }

    /// The real files under `fixtures/bench` parse with unknown fields denied.
    #[test]
    fn real_files_parse_strictly() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/bench");
        for (file, format) in [
            ("bmf.json", BenchFormat::Bmf),
            ("gab-smaller.json", BenchFormat::GithubActionBenchmark),
            ("hyperfine.json", BenchFormat::Hyperfine),
        ] {
            let (got, benches) = read_bench_json(&dir.join(file)).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(got, format, "{file}");
            assert!(!benches.is_empty(), "{file}");
        }
    }

    #[test]
    fn negative_and_non_finite_times_are_input_errors() {
        let cases = [
            // Bencher Metric Format, latency in ns.
            ("{\n\"a\": {\"latency\": {\"value\": 1.0}},\n\"b\": {\"latency\": {\"value\": -5.0}}}", 3, "is a negative time"),
            // github-action-benchmark coerces strings: "NaN" and "-1".
            ("[{\"name\": \"x\", \"unit\": \"ms\", \"value\": \"-1\"}]", 1, "is a negative time"),
            ("[{\"name\": \"x\", \"unit\": \"ms\", \"value\": \"NaN\"}]", 1, "not a number"),
            // hyperfine seconds.
            ("{\"results\": [\n{\"command\": \"sleep 0\", \"mean\": -0.001}]}", 2, "is a negative time"),
        ];
        for (text, line, why) in cases {
            match parse(text) {
                Err(EvidenceError::Malformed {
                    line: got, message, ..
                }) => {
                    assert!(message.contains(why), "{text}: {message}");
                    assert_eq!(got, line, "{text}: {message}");
                }
                other => panic!("{text}: {other:?}"),
            }
        }
        // A number too large for f64 is refused, never read as infinity.
        assert!(parse("{\"a\": {\"latency\": {\"value\": 1e999}}}").is_err());
        // A negative value in a measure that is not a time is a value.
        let (_, b) = parse("{\"a\": {\"delta\": {\"value\": -3.0}}}").unwrap();
        assert!((b[0].value + 3.0).abs() < f64::EPSILON);
    }

    #[test]
    fn unrecognised_json_is_unknown_format() {
        for text in ["{\"a\": 1}", "42", "\"x\""] {
            assert!(
                matches!(parse(text), Err(EvidenceError::UnknownFormat { .. })),
                "{text}"
            );
        }
    }
}
