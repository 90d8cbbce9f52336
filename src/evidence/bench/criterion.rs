//! criterion's `target/criterion` tree (criterion 0.5 and 0.8 write the same
//! files; docs/formats.md, criterion).
//!
//! Any directory holding `new/estimates.json` is one benchmark. Its value is
//! criterion's "typical" estimate (`slope` when measured, else `mean`), in
//! nanoseconds; its change is `change/estimates.json`'s `mean`, the relative
//! change with the confidence interval criterion's own verdict uses. The
//! baseline is the named directory when one is asked for, else `base/`;
//! a plain `cargo bench` run overwrites `base/` with a copy of `new/`, so a
//! `base/` identical to `new/` is not a baseline and is ignored. criterion
//! stores no verdict or p-value, so none is reported.
//!
//! The tree is walked with `std::fs` rather than a walker crate: it is small,
//! and the only rule needed is "do not descend into a benchmark's own
//! snapshot directories".

use std::path::{Path, PathBuf};

use super::{Benchmark, Change, Unit};
use crate::evidence::text::{json_error, malformed, read_text};
use crate::evidence::EvidenceError;

/// Reads every benchmark under a criterion output directory.
///
/// `baseline` names the baseline directory to compare against
/// (`--save-baseline NAME`); `None` means criterion's default `base`, or,
/// when a benchmark has no usable `base/`, its only other saved baseline.
pub fn read_criterion(
    root: &Path,
    baseline: Option<&str>,
) -> Result<Vec<Benchmark>, EvidenceError> {
    let mut dirs = Vec::new();
    collect_benchmark_dirs(root, &mut dirs)?;
    if dirs.is_empty() {
        return Err(EvidenceError::UnknownFormat {
            path: root.to_path_buf(),
            message: "no criterion benchmark in this directory (no */new/estimates.json)".into(),
        });
    }
    dirs.iter()
        .map(|dir| read_one(root, dir, baseline))
        .collect()
}

/// Whether `dir` is a criterion tree (or a single benchmark's directory).
pub(crate) fn looks_like_criterion(dir: &Path) -> bool {
    let mut dirs = Vec::new();
    collect_benchmark_dirs(dir, &mut dirs).is_ok() && !dirs.is_empty()
}

fn io_error(path: &Path, source: std::io::Error) -> EvidenceError {
    EvidenceError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Subdirectories of `dir`, sorted by name; symlinks are not followed.
fn subdirs(dir: &Path) -> Result<Vec<PathBuf>, EvidenceError> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| io_error(dir, e))? {
        let entry = entry.map_err(|e| io_error(dir, e))?;
        let kind = entry.file_type().map_err(|e| io_error(&entry.path(), e))?;
        if kind.is_dir() {
            out.push(entry.path());
        }
    }
    out.sort();
    Ok(out)
}

/// A snapshot directory (`new`, `base`, `change`, a named baseline) holds
/// `estimates.json` directly; `report` holds criterion's HTML.
fn is_snapshot(dir: &Path) -> bool {
    dir.join("estimates.json").is_file() || dir.file_name().is_some_and(|n| n == "report")
}

fn collect_benchmark_dirs(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), EvidenceError> {
    if dir.join("new").join("estimates.json").is_file() {
        out.push(dir.to_path_buf());
    }
    for sub in subdirs(dir)? {
        // A benchmark named `a` and one named `a/b` nest, so benchmark
        // directories are searched too, skipping only their snapshots.
        if !is_snapshot(&sub) {
            collect_benchmark_dirs(&sub, out)?;
        }
    }
    Ok(())
}

fn read_one(root: &Path, dir: &Path, baseline: Option<&str>) -> Result<Benchmark, EvidenceError> {
    let new_path = dir.join("new").join("estimates.json");
    let new = read_estimates(&new_path)?;
    let id = match read_benchmark_id(&dir.join("new").join("benchmark.json"))? {
        Some(id) => id,
        None => relative_id(root, dir),
    };
    let base = match baseline {
        Some(name) => {
            let path = dir.join(name).join("estimates.json");
            if path.is_file() {
                Some(read_estimates(&path)?)
            } else {
                None
            }
        }
        None => default_baseline(dir, &new)?,
    };
    let change_path = dir.join("change").join("estimates.json");
    let change = if change_path.is_file() {
        let text = read_text(&change_path)?;
        let raw: raw::ChangeEstimates = serde_json::from_str(&text)
            .map_err(|e| json_error(&change_path, "criterion change/estimates.json", &e))?;
        let mean = raw.mean;
        Some(Change {
            point: mean.point_estimate,
            interval: Some((
                mean.confidence_interval.lower_bound,
                mean.confidence_interval.upper_bound,
            )),
        })
    } else {
        None
    };
    Ok(Benchmark {
        id,
        value: new.typical(),
        unit: Unit::Nanoseconds,
        baseline: base.map(|b| b.typical()),
        change,
        bigger_is_better: false,
    })
}

/// `base/` unless it is just a copy of `new/`; else the only other saved
/// baseline, if there is exactly one.
fn default_baseline(
    dir: &Path,
    new: &raw::Estimates,
) -> Result<Option<raw::Estimates>, EvidenceError> {
    let base_path = dir.join("base").join("estimates.json");
    if base_path.is_file() {
        let base = read_estimates(&base_path)?;
        return Ok((base != *new).then_some(base));
    }
    let others: Vec<PathBuf> = subdirs(dir)?
        .into_iter()
        .filter(|d| {
            d.join("estimates.json").is_file()
                && !d.file_name().is_some_and(|n| n == "new" || n == "change")
        })
        .collect();
    match others.as_slice() {
        [only] => read_estimates(&only.join("estimates.json")).map(Some),
        _ => Ok(None),
    }
}

fn read_estimates(path: &Path) -> Result<raw::Estimates, EvidenceError> {
    let text = read_text(path)?;
    let estimates: raw::Estimates = serde_json::from_str(&text)
        .map_err(|e| json_error(path, "criterion estimates.json", &e))?;
    // A negative or non-finite time would pass every SLO: input error.
    if let Some(why) = super::implausible(estimates.typical(), true) {
        return Err(malformed(
            path,
            1,
            format!("the point estimate ({} ns) {why}", estimates.typical()),
        ));
    }
    Ok(estimates)
}

fn read_benchmark_id(path: &Path) -> Result<Option<String>, EvidenceError> {
    if !path.is_file() {
        return Ok(None);
    }
    let text = read_text(path)?;
    let raw: raw::BenchmarkJson = serde_json::from_str(&text)
        .map_err(|e| json_error(path, "criterion benchmark.json", &e))?;
    Ok(raw.full_id.filter(|id| !id.is_empty()))
}

/// The directory's path below the tree root, `/`-separated; the directory's
/// own name when it is the root itself.
fn relative_id(root: &Path, dir: &Path) -> String {
    let rel = dir.strip_prefix(root).unwrap_or(dir);
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.is_empty() {
        dir.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    } else {
        parts.join("/")
    }
}

/// criterion's files as written (`src/estimate.rs`, `src/report.rs`).
#[allow(dead_code)] // fields are declared for `deny_unknown_fields` in tests, not read
mod raw {
    use serde::de::IgnoredAny;
    use serde::Deserialize;

    #[derive(Deserialize, PartialEq)]
    #[cfg_attr(test, serde(deny_unknown_fields))]
    pub(super) struct Estimates {
        pub mean: Estimate,
        #[serde(default)]
        pub median: Option<Estimate>,
        #[serde(default)]
        pub median_abs_dev: Option<Estimate>,
        #[serde(default)]
        pub slope: Option<Estimate>,
        #[serde(default)]
        pub std_dev: Option<Estimate>,
    }

    impl Estimates {
        /// criterion's `typical()`: the slope when measured, else the mean.
        pub fn typical(&self) -> f64 {
            self.slope.as_ref().unwrap_or(&self.mean).point_estimate
        }
    }

    #[derive(Deserialize, PartialEq)]
    #[cfg_attr(test, serde(deny_unknown_fields))]
    pub(super) struct ChangeEstimates {
        pub mean: Estimate,
        #[serde(default)]
        pub median: Option<Estimate>,
    }

    #[derive(Deserialize, PartialEq)]
    #[cfg_attr(test, serde(deny_unknown_fields))]
    #[allow(clippy::struct_field_names)] // criterion's own field names
    pub(super) struct Estimate {
        pub confidence_interval: ConfidenceInterval,
        pub point_estimate: f64,
        #[serde(default)]
        pub standard_error: Option<f64>,
    }

    #[derive(Deserialize, PartialEq)]
    #[cfg_attr(test, serde(deny_unknown_fields))]
    pub(super) struct ConfidenceInterval {
        #[serde(default)]
        pub confidence_level: Option<f64>,
        pub lower_bound: f64,
        pub upper_bound: f64,
    }

    #[derive(Deserialize)]
    #[cfg_attr(test, serde(deny_unknown_fields))]
    pub(super) struct BenchmarkJson {
        #[serde(default)]
        pub group_id: Option<IgnoredAny>,
        #[serde(default)]
        pub function_id: Option<IgnoredAny>,
        #[serde(default)]
        pub value_str: Option<IgnoredAny>,
        #[serde(default)]
        pub throughput: Option<IgnoredAny>,
        #[serde(default)]
        pub full_id: Option<String>,
        #[serde(default)]
        pub directory_name: Option<IgnoredAny>,
        #[serde(default)]
        pub title: Option<IgnoredAny>,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn estimate(point: f64, lo: f64, hi: f64) -> String {
        format!(
            r#"{{"confidence_interval":{{"confidence_level":0.95,"lower_bound":{lo},"upper_bound":{hi}}},"point_estimate":{point},"standard_error":0.5}}"#
        )
    }

    fn estimates(mean: f64, slope: Option<f64>) -> String {
        let e = |v: f64| estimate(v, v * 0.99, v * 1.01);
        let slope = slope.map_or("null".to_owned(), e);
        format!(
            r#"{{"mean":{},"median":{},"median_abs_dev":{},"slope":{slope},"std_dev":{}}}"#,
            e(mean),
            e(mean),
            e(1.0),
            e(2.0)
        )
    }

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// A tree shaped like criterion 0.5 output after a compared run.
    fn tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        // group/func with benchmark.json, slope, base and change.
        let a = root.join("lookup").join("hot");
        write(
            &a.join("new/estimates.json"),
            &estimates(830.0, Some(812.0)),
        );
        write(
            &a.join("new/benchmark.json"),
            r#"{"group_id":"lookup","function_id":"hot","value_str":null,"throughput":null,"full_id":"lookup/hot","directory_name":"lookup/hot","title":"lookup/hot"}"#,
        );
        write(
            &a.join("base/estimates.json"),
            &estimates(800.0, Some(790.0)),
        );
        write(&a.join("base/benchmark.json"), "{}");
        write(
            &a.join("change/estimates.json"),
            &format!(
                r#"{{"mean":{},"median":{}}}"#,
                estimate(0.0375, 0.02, 0.05),
                estimate(0.03, 0.01, 0.04)
            ),
        );
        write(&a.join("report/index.html"), "<html>");
        // A plain re-run: base is a copy of new; no benchmark.json (id from path); no slope.
        let b = root.join("parse");
        write(&b.join("new/estimates.json"), &estimates(50.0, None));
        write(&b.join("base/estimates.json"), &estimates(50.0, None));
        // A nested benchmark below another benchmark's directory.
        write(&b.join("deep/new/estimates.json"), &estimates(7.0, None));
        write(&b.join("deep/main/estimates.json"), &estimates(5.0, None));
        write(&root.join("report/index.html"), "<html>");
        dir
    }

    #[test]
    fn reads_values_baselines_and_changes() {
        let dir = tree();
        let benches = read_criterion(dir.path(), None).unwrap();
        let ids: Vec<_> = benches.iter().map(|b| b.id.as_str()).collect();
        assert_eq!(ids, ["lookup/hot", "parse", "parse/deep"]);
        let hot = &benches[0];
        assert_eq!(hot.value_ns(), Some(812.0));
        assert_eq!(hot.baseline_ns(), Some(790.0));
        assert_eq!(
            hot.change,
            Some(Change {
                point: 0.0375,
                interval: Some((0.02, 0.05))
            })
        );
        let parse = &benches[1];
        assert_eq!(parse.value_ns(), Some(50.0));
        assert_eq!(
            parse.baseline_ns(),
            None,
            "base/ == new/ is a copy, not a baseline"
        );
        assert_eq!(parse.change, None);
        // The only other saved baseline is used when there is no base/.
        assert_eq!(benches[2].baseline_ns(), Some(5.0));
    }

    #[test]
    fn named_baseline_is_used() {
        let dir = tree();
        let benches = read_criterion(dir.path(), Some("main")).unwrap();
        assert_eq!(benches[2].baseline_ns(), Some(5.0));
        assert_eq!(benches[0].baseline_ns(), None);
    }

    #[test]
    fn a_single_benchmark_directory_reads_as_itself() {
        let dir = tree();
        let benches = read_criterion(&dir.path().join("lookup/hot"), None).unwrap();
        assert_eq!(benches.len(), 1);
        assert_eq!(benches[0].id, "lookup/hot");
    }

    /// The real criterion 0.5 tree under `fixtures/bench` parses with
    /// unknown fields denied, so a criterion format change shows up here.
    #[test]
    fn real_tree_parses_strictly() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/bench/criterion");
        let benches = read_criterion(&root, None).unwrap_or_else(|e| panic!("{e}"));
        assert!(benches.len() >= 3);
        assert!(benches
            .iter()
            .all(|b| b.change.is_some() && b.baseline.is_some()));
    }

    #[test]
    fn a_negative_point_estimate_is_an_input_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b/new/estimates.json");
        write(&path, &estimates(-12.0, None));
        let err = read_criterion(dir.path(), None).unwrap_err();
        match &err {
            EvidenceError::Malformed {
                path: p, message, ..
            } => {
                assert_eq!(p, &path);
                assert!(message.contains("is a negative time"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn empty_tree_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!looks_like_criterion(dir.path()));
        assert!(matches!(
            read_criterion(dir.path(), None),
            Err(EvidenceError::UnknownFormat { .. })
        ));
    }

    #[test]
    fn malformed_estimates_name_the_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x/new/estimates.json");
        write(&path, "{\n\"mean\": 3\n}");
        match read_criterion(dir.path(), None) {
            Err(EvidenceError::Malformed {
                path: got,
                line,
                message,
            }) => {
                assert_eq!(got, path);
                assert_eq!(line, 2);
                assert!(message.contains("estimates.json"), "{message}");
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
