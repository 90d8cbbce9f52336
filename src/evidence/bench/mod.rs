//! Benchmark evidence: criterion's `target/criterion` tree, Bencher Metric
//! Format, github-action-benchmark and hyperfine JSON turned into a list of
//! [`Benchmark`]s (docs/formats.md; issue #3).
//!
//! Times are normalised to nanoseconds; other measures (throughput, memory)
//! keep their value and unit so SLOs in time units never compare against
//! them by accident. A change is always the relative change `new / base - 1`
//! (0.05 = 5% larger), whatever direction is better; [`Benchmark::worsening`]
//! flips it so positive always means worse. Whether a change is a regression
//! is the evaluator's call, not this module's.
//!
//! Also here: [`parse_duration_ns`] for the policy's SLO limits (`"1ms"`), so
//! that the units a policy accepts and the units benchmarks are read in are
//! defined in one place.

pub(crate) mod commits;
pub(crate) mod criterion;
pub(crate) mod json;

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Serialize, Serializer};

use super::text::{malformed, read_text};
use super::EvidenceError;

pub use commits::{read_bench_commits, BenchCommits, MAX_ROUNDS};
pub use criterion::read_criterion;
pub use json::{parse_bench_json, read_bench_json};

/// The unit of a benchmark's value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Unit {
    /// Time in nanoseconds (every time unit is converted to this).
    Nanoseconds,
    /// Any other measure, with the producer's unit name (`ops/s`, `MB`).
    Other(String),
}

impl Unit {
    /// The unit's display name (`ns` for time).
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::Nanoseconds => "ns",
            Self::Other(unit) => unit,
        }
    }

    /// Reads a producer's unit name: known time units become nanoseconds and
    /// the factor to multiply values by; anything else is kept verbatim with
    /// factor 1.
    #[must_use]
    pub fn from_name(name: &str) -> (Self, f64) {
        let trimmed = name.trim();
        // `ns/iter` (libtest, criterion via github-action-benchmark) is a time per iteration.
        let base = trimmed.strip_suffix("/iter").unwrap_or(trimmed);
        match time_factor(base) {
            Some(factor) => (Self::Nanoseconds, factor),
            None => (Self::Other(trimmed.to_owned()), 1.0),
        }
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Unit {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Nanoseconds per one `unit`, for the time units we accept.
fn time_factor(unit: &str) -> Option<f64> {
    Some(match unit {
        "ns" | "nanosecond" | "nanoseconds" => 1.0,
        // U+00B5 MICRO SIGN and U+03BC GREEK SMALL LETTER MU both occur.
        "us" | "\u{b5}s" | "\u{3bc}s" | "microsecond" | "microseconds" => 1e3,
        "ms" | "millisecond" | "milliseconds" => 1e6,
        "s" | "sec" | "secs" | "second" | "seconds" => 1e9,
        _ => return None,
    })
}

/// A relative change between a baseline and the current value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Change {
    /// Point estimate of `new / base - 1` (0.05 = +5%).
    pub point: f64,
    /// Confidence interval of the same quantity, when the producer measured
    /// one (criterion); `None` when only two point values were compared.
    pub interval: Option<(f64, f64)>,
}

impl Change {
    /// The change between two point values; `None` when `base` is not a
    /// positive finite number (no meaningful ratio).
    #[must_use]
    pub fn between(base: f64, new: f64) -> Option<Self> {
        (base > 0.0 && base.is_finite() && new.is_finite()).then(|| Self {
            point: new / base - 1.0,
            interval: None,
        })
    }

    /// The change in percent (`point * 100`).
    #[must_use]
    pub fn percent(&self) -> f64 {
        self.point * 100.0
    }
}

/// One benchmark's current figure, with its baseline and change if known.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Benchmark {
    /// Benchmark id (criterion's `full_id`, a BMF or github-action-benchmark
    /// name, a hyperfine command).
    pub id: String,
    /// Current value in `unit`.
    pub value: f64,
    /// Unit of `value` and `baseline`.
    pub unit: Unit,
    /// Baseline value in the same unit, when known.
    pub baseline: Option<f64>,
    /// Relative change from the baseline, when known.
    pub change: Option<Change>,
    /// True for measures where larger is better (throughput).
    pub bigger_is_better: bool,
}

impl Benchmark {
    /// The value in nanoseconds, when it is a time.
    #[must_use]
    pub fn value_ns(&self) -> Option<f64> {
        (self.unit == Unit::Nanoseconds).then_some(self.value)
    }

    /// The baseline in nanoseconds, when known and a time.
    #[must_use]
    pub fn baseline_ns(&self) -> Option<f64> {
        self.baseline.filter(|_| self.unit == Unit::Nanoseconds)
    }

    /// The change oriented so that positive is worse: as is for
    /// smaller-is-better measures, negated (interval bounds swapped) for
    /// bigger-is-better ones.
    #[must_use]
    pub fn worsening(&self) -> Option<Change> {
        let change = self.change?;
        if !self.bigger_is_better {
            return Some(change);
        }
        Some(Change {
            point: -change.point,
            interval: change.interval.map(|(lo, hi)| (-hi, -lo)),
        })
    }
}

/// One round of a repeated base-and-head comparison: the benchmarks of the
/// criterion tree the round left (the record's `rounds`, docs/benchmarks.md).
#[derive(Debug, Clone, PartialEq)]
pub struct BenchRound {
    /// The tree read, as the record named it.
    pub source: String,
    /// Its benchmarks, each with that round's change.
    pub benchmarks: Vec<Benchmark>,
}

/// Which producer wrote a benchmark file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BenchFormat {
    /// criterion's `target/criterion` directory tree.
    Criterion,
    /// Bencher Metric Format JSON.
    Bmf,
    /// github-action-benchmark `customSmallerIsBetter`/`customBiggerIsBetter` JSON.
    GithubActionBenchmark,
    /// hyperfine `--export-json`.
    Hyperfine,
}

impl BenchFormat {
    /// The name `tollgate inspect` prints.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Criterion => "criterion",
            Self::Bmf => "bmf",
            Self::GithubActionBenchmark => "github-action-benchmark",
            Self::Hyperfine => "hyperfine",
        }
    }
}

/// Benchmarks read from one path, with the format that was detected.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BenchSet {
    /// The file or directory read.
    pub source: PathBuf,
    /// Its detected format.
    pub format: BenchFormat,
    /// The benchmarks, in a stable order (criterion and BMF: by path or name;
    /// github-action-benchmark and hyperfine: file order).
    pub benchmarks: Vec<Benchmark>,
}

/// Reads one benchmark path, detecting its format: a directory is a
/// criterion tree (compared against criterion's default `base/` baseline);
/// a file is one of the JSON formats.
pub fn read_bench(path: &Path) -> Result<BenchSet, EvidenceError> {
    read_bench_with(path, None)
}

/// Like [`read_bench`], comparing a criterion tree against the named
/// baseline directory (`--save-baseline NAME`) instead of `base/`.
pub fn read_bench_with(
    path: &Path,
    criterion_baseline: Option<&str>,
) -> Result<BenchSet, EvidenceError> {
    let (format, benchmarks) = if path.is_dir() {
        (
            BenchFormat::Criterion,
            read_criterion(path, criterion_baseline)?,
        )
    } else {
        let text = read_text(path)?;
        parse_bench_json(path, &text)?
    };
    Ok(BenchSet {
        source: path.to_path_buf(),
        format,
        benchmarks,
    })
}

/// Why a measured value cannot be believed, if it cannot: not a finite
/// number, or a negative time (a time below zero is a broken clock or a
/// broken file, and would pass every "at most" SLO).
pub(crate) fn implausible(value: f64, is_time: bool) -> Option<&'static str> {
    if value.is_nan() {
        Some("is NaN")
    } else if value.is_infinite() {
        Some("is infinite")
    } else if is_time && value < 0.0 {
        Some("is a negative time")
    } else {
        None
    }
}

/// Checks every value and baseline of `benchmarks` read from `path` (whose
/// content is `text`, when a file: the error names the line of the
/// benchmark's name there); an implausible one is malformed input.
pub(crate) fn check_values(
    path: &Path,
    text: Option<&str>,
    benchmarks: &[Benchmark],
) -> Result<(), EvidenceError> {
    for b in benchmarks {
        let is_time = b.unit == Unit::Nanoseconds;
        for (what, value) in [("value", Some(b.value)), ("baseline", b.baseline)] {
            let Some(value) = value else { continue };
            if let Some(why) = implausible(value, is_time) {
                let line = text
                    .and_then(|t| {
                        let quoted = serde_json::to_string(&b.id).ok()?;
                        let at = t.find(&quoted)?;
                        Some(crate::evidence::text::line_at(t, at))
                    })
                    .unwrap_or(1);
                return Err(crate::evidence::text::malformed(
                    path,
                    line,
                    format!("benchmark {:?}: its {what} ({value}) {why}", b.id),
                ));
            }
        }
    }
    Ok(())
}

/// Reads several benchmark paths and concatenates their benchmarks.
///
/// A benchmark (id and unit) in two of them is refused, as one file naming
/// it twice is: which of the two results is the measurement is anyone's
/// guess, and judging both would let the better one stand beside a
/// regression the baseline pairs with either.
pub fn read_benches<P: AsRef<Path>>(paths: &[P]) -> Result<Vec<Benchmark>, EvidenceError> {
    let mut all = Vec::new();
    let mut seen: std::collections::HashMap<(String, Unit), &Path> =
        std::collections::HashMap::new();
    for path in paths {
        let path = path.as_ref();
        for b in read_bench(path)?.benchmarks {
            if let Some(first) = seen.insert((b.id.clone(), b.unit.clone()), path) {
                return Err(malformed(
                    path,
                    line_of_id(path, &b.id),
                    format!(
                        "benchmark {:?} is also in {}; a gate cannot tell which is the measurement",
                        b.id,
                        first.display()
                    ),
                ));
            }
            all.push(b);
        }
    }
    Ok(all)
}

/// The line of a JSON benchmark file where `id` is first written as JSON
/// writes it; 1 for a criterion tree or where it is not found.
fn line_of_id(path: &Path, id: &str) -> u64 {
    if path.is_dir() {
        return 1;
    }
    let (Ok(text), Ok(quoted)) = (read_text(path), serde_json::to_string(id)) else {
        return 1;
    };
    text.find(&quoted)
        .map_or(1, |at| crate::evidence::text::line_at(&text, at))
}

/// Pairs `current` benchmarks with a separately supplied baseline
/// (`--bench-baseline PATH`) by id and unit: each match gets the baseline's
/// value and a change with no interval, replacing any the producer computed
/// (the user asked for this comparison). Returns the ids of baseline entries
/// that matched no current benchmark, so renamed benchmarks do not vanish
/// silently.
pub fn pair_baseline(current: &mut [Benchmark], baseline: &[Benchmark]) -> Vec<String> {
    let mut unmatched = Vec::new();
    for base in baseline {
        let mut matched = false;
        for bench in current
            .iter_mut()
            .filter(|b| b.id == base.id && b.unit == base.unit)
        {
            matched = true;
            bench.baseline = Some(base.value);
            bench.change = Change::between(base.value, bench.value);
        }
        if !matched {
            unmatched.push(base.id.clone());
        }
    }
    unmatched
}

/// One entry of the `evidence.bench` array of the JSON report (docs/reports.md).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BenchSummary {
    /// Benchmark id.
    pub id: String,
    /// Current value in nanoseconds; `null` for non-time measures.
    pub value_ns: Option<f64>,
    /// Baseline in nanoseconds, when known.
    pub baseline_ns: Option<f64>,
    /// Change from the baseline in percent, when known.
    pub change_percent: Option<f64>,
    /// The change's confidence interval in percent, `[low, high]`, when the
    /// producer measured one (criterion).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_interval_percent: Option<(f64, f64)>,
    /// The value of a non-time measure (absent for times).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// The unit of a non-time measure (absent for times).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

/// The `evidence.bench` array for `benchmarks`.
#[must_use]
pub fn summary(benchmarks: &[Benchmark]) -> Vec<BenchSummary> {
    benchmarks
        .iter()
        .map(|b| {
            let other = b.unit != Unit::Nanoseconds;
            BenchSummary {
                id: b.id.clone(),
                value_ns: b.value_ns(),
                baseline_ns: b.baseline_ns(),
                change_percent: b.change.map(|c| c.percent()),
                change_interval_percent: b
                    .change
                    .and_then(|c| c.interval)
                    .map(|(lo, hi)| (lo * 100.0, hi * 100.0)),
                value: other.then_some(b.value),
                unit: other.then(|| b.unit.as_str().to_owned()),
            }
        })
        .collect()
}

/// A duration limit that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid duration {input:?}: {reason} (expected a number and a unit: ns, us, \u{b5}s, ms or s, as in \"200us\")")]
pub struct DurationError {
    /// The text that was given.
    pub input: String,
    /// What was wrong with it.
    pub reason: &'static str,
}

/// Parses a duration such as `"1ms"`, `"200us"`, `"200µs"`, `"50ns"` or
/// `"1.5s"` into nanoseconds. A space between number and unit is allowed;
/// the unit is required (a bare number is ambiguous) and the value must be
/// finite and not negative.
pub fn parse_duration_ns(input: &str) -> Result<f64, DurationError> {
    let err = |reason| DurationError {
        input: input.to_owned(),
        reason,
    };
    let text = input.trim();
    if text.starts_with('-') {
        return Err(err("negative"));
    }
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(|| {
            err(if text.is_empty() {
                "empty"
            } else {
                "missing unit"
            })
        })?;
    let (number, unit) = text.split_at(split);
    if number.is_empty() {
        return Err(err("missing number"));
    }
    let value: f64 = number.parse().map_err(|_| err("not a number"))?;
    let factor = time_factor(unit.trim_start()).ok_or_else(|| err("unknown unit"))?;
    let ns = value * factor;
    if ns.is_finite() {
        Ok(ns)
    } else {
        Err(err("too large"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_to_nanoseconds() {
        assert_eq!(parse_duration_ns("1ms"), Ok(1e6));
        assert_eq!(parse_duration_ns("200us"), Ok(200_000.0));
        assert_eq!(parse_duration_ns("200µs"), Ok(200_000.0));
        assert_eq!(parse_duration_ns("200μs"), Ok(200_000.0));
        assert_eq!(parse_duration_ns("50ns"), Ok(50.0));
        assert_eq!(parse_duration_ns("1.5s"), Ok(1.5e9));
        assert_eq!(parse_duration_ns(" 2 ms "), Ok(2e6));
        assert_eq!(parse_duration_ns("0.5ms"), Ok(500_000.0));
    }

    #[test]
    fn a_benchmark_in_two_files_is_refused_naming_both() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            path
        };
        let first = write(
            "a.json",
            r#"[{"name": "parse", "unit": "ns/iter", "value": 10}]"#,
        );
        let other = write(
            "b.json",
            "[{\"name\": \"encode\", \"unit\": \"ns/iter\", \"value\": 5},\n{\"name\": \"parse\", \"unit\": \"ns/iter\", \"value\": 12}]",
        );
        let distinct = write(
            "c.json",
            r#"[{"name": "decode", "unit": "ns/iter", "value": 7}]"#,
        );
        let both = read_benches(&[&first, &distinct]).unwrap();
        assert_eq!(both.len(), 2);
        match read_benches(&[&first, &other]) {
            Err(EvidenceError::Malformed {
                path,
                line,
                message,
            }) => {
                assert_eq!((path, line), (other.clone(), 2));
                assert!(message.contains("\"parse\" is also in"), "{message}");
                assert!(message.contains("a.json"), "{message}");
            }
            other => panic!("unexpected {other:?}"),
        }
        // The same file given twice is the same benchmark twice.
        assert!(read_benches(&[&first, &first]).is_err());
    }

    #[test]
    fn bad_durations_say_why() {
        for (input, reason) in [
            ("", "empty"),
            ("10", "missing unit"),
            ("ms", "missing number"),
            ("-1ms", "negative"),
            ("1.2.3ms", "not a number"),
            ("5m", "unknown unit"),
            ("5 hours", "unknown unit"),
        ] {
            let err = parse_duration_ns(input).unwrap_err();
            assert_eq!(err.reason, reason, "{input:?}");
            assert!(err.to_string().contains(&format!("{input:?}")), "{err}");
        }
    }

    #[test]
    fn units_normalise_time_and_keep_others() {
        assert_eq!(Unit::from_name("ns/iter"), (Unit::Nanoseconds, 1.0));
        assert_eq!(Unit::from_name("ms"), (Unit::Nanoseconds, 1e6));
        assert_eq!(Unit::from_name(" seconds "), (Unit::Nanoseconds, 1e9));
        assert_eq!(
            Unit::from_name("ops/sec"),
            (Unit::Other("ops/sec".into()), 1.0)
        );
    }

    fn bench(id: &str, value: f64) -> Benchmark {
        Benchmark {
            id: id.into(),
            value,
            unit: Unit::Nanoseconds,
            baseline: None,
            change: None,
            bigger_is_better: false,
        }
    }

    #[test]
    fn pairing_by_id_yields_change_without_interval() {
        let mut current = vec![bench("a", 110.0), bench("b", 50.0)];
        let mut other = bench("b", 1.0);
        other.unit = Unit::Other("ops/s".into());
        let baseline = vec![bench("a", 100.0), bench("gone", 1.0), other];
        let unmatched = pair_baseline(&mut current, &baseline);
        assert_eq!(unmatched, ["gone", "b"]);
        assert_eq!(current[0].baseline_ns(), Some(100.0));
        let change = current[0].change.unwrap();
        assert!((change.point - 0.1).abs() < 1e-12);
        assert_eq!(change.interval, None);
        assert_eq!(current[1].change, None);
    }

    #[test]
    fn worsening_flips_for_bigger_is_better() {
        let mut b = bench("t", 90.0);
        b.bigger_is_better = true;
        b.change = Some(Change {
            point: -0.1,
            interval: Some((-0.2, -0.05)),
        });
        let w = b.worsening().unwrap();
        assert!((w.point - 0.1).abs() < 1e-12);
        assert_eq!(w.interval, Some((0.05, 0.2)));
    }

    #[test]
    fn summary_matches_spec_shape() {
        let mut b = bench("lookup/hot", 812.0);
        b.baseline = Some(790.0);
        b.change = Change::between(790.0, 812.0);
        let mut t = bench("tput", 5.0);
        t.unit = Unit::Other("ops/s".into());
        let json = serde_json::to_value(summary(&[b, t])).unwrap();
        assert_eq!(json[0]["id"], "lookup/hot");
        assert_eq!(json[0]["value_ns"], 812.0);
        assert_eq!(json[0]["baseline_ns"], 790.0);
        assert!((json[0]["change_percent"].as_f64().unwrap() - 2.784_810_126_582_3).abs() < 1e-9);
        assert!(json[0].get("unit").is_none());
        assert_eq!(json[1]["value_ns"], serde_json::Value::Null);
        assert_eq!(json[1]["unit"], "ops/s");
    }
}
