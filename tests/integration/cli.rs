//! CLI scenarios: the real binary run on the data files in `tests/cmd`, exit
//! codes and output asserted (trycmd; `TRYCMD=overwrite` refreshes them), and
//! what trycmd cannot express: a full or closed standard output, and the
//! exact JSON shapes of `inspect`.
// The helpers below unwrap too, where clippy's allow-*-in-tests settings do
// not reach: a failure to run the binary should stop the test loudly.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::{json, Value};

#[test]
fn cli_scenarios() {
    trycmd::TestCases::new().case("tests/cmd/*.trycmd");
}

/// `tollgate ARGS` run in `tests/cmd/DIR.in`.
fn tollgate(dir: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tollgate"));
    cmd.args(args)
        .current_dir(Path::new("tests/cmd").join(format!("{dir}.in")))
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_TOKEN")
        .env("NO_COLOR", "1");
    cmd
}

/// Runs with standard output on `/dev/full`, where every write fails with ENOSPC.
fn to_dev_full(mut cmd: Command) -> Output {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    cmd.stdout(full).stderr(Stdio::piped()).output().unwrap()
}

/// Runs with standard output a pipe whose reader is gone before the
/// command writes (it is closed as soon as the process is spawned, well
/// before the report is ready), so its writes fail with EPIPE.
fn to_closed_pipe(mut cmd: Command) -> Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    child.wait_with_output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_full_stdout_is_an_output_error_not_a_panic() {
    if !Path::new("/dev/full").exists() {
        return;
    }
    for (dir, args) in [
        (
            "coverage",
            &["policy", "validate", "policies/lenient.toml"][..],
        ),
        ("coverage", &["policy", "show", "strict"][..]),
        (
            "coverage",
            &["check", "--config", "tollgate.toml", "--gate", "strict"][..],
        ),
        (
            "coverage",
            &["inspect", "--format", "json", "reports/coveragepy.info"][..],
        ),
    ] {
        let out = to_dev_full(tollgate(dir, args));
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.starts_with("error: cannot write to standard output: "),
            "{args:?}: {err}"
        );
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

#[test]
fn a_closed_pipe_is_not_an_error_and_the_verdict_still_decides_the_exit_code() {
    for (args, code) in [
        (&["policy", "validate", "policies/lenient.toml"][..], 0),
        (
            &["check", "--config", "tollgate.toml", "--gate", "lenient"][..],
            0,
        ),
        (
            &["check", "--config", "tollgate.toml", "--gate", "strict"][..],
            1,
        ),
        (&["inspect", "reports/coveragepy.info"][..], 0),
    ] {
        let out = to_closed_pipe(tollgate("coverage", args));
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
        assert!(err.is_empty(), "{args:?}: {err}");
    }
}

fn inspect_json(dir: &str, files: &[&str]) -> Value {
    let mut args = vec!["inspect", "--format", "json"];
    args.extend_from_slice(files);
    let out = tollgate(dir, &args).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn keys(value: &Value) -> BTreeSet<&str> {
    value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value}"))
        .keys()
        .map(String::as_str)
        .collect()
}

fn set<'a>(names: &[&'a str]) -> BTreeSet<&'a str> {
    names.iter().copied().collect()
}

#[test]
fn inspect_json_for_coverage_has_the_documented_shape() {
    let v = inspect_json("coverage", &["reports/coveragepy.info"]);
    assert_eq!(keys(&v), set(&["format", "file", "coverage"]));
    assert_eq!(v["format"], "lcov");
    assert_eq!(v["file"], "reports/coveragepy.info");
    let coverage = &v["coverage"];
    assert_eq!(
        keys(coverage),
        set(&["files", "lines", "branches", "functions", "per_file"])
    );
    assert_eq!(coverage["files"], 3);
    assert_eq!(keys(&coverage["lines"]), set(&["found", "hit", "percent"]));
    assert_eq!(coverage["lines"]["found"], 59);
    assert_eq!(coverage["lines"]["hit"], 43);
    let percent = coverage["lines"]["percent"].as_f64().unwrap();
    assert!((percent - 4300.0 / 59.0).abs() < 1e-9, "{percent}");
    assert_eq!(coverage["branches"]["found"], 22);
    assert_eq!(coverage["branches"]["hit"], 13);
    assert_eq!(coverage["functions"]["found"], 15);
    assert_eq!(coverage["functions"]["hit"], 10);

    let per_file = coverage["per_file"].as_array().unwrap();
    let paths: Vec<&str> = per_file
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "src/calc/__init__.py",
            "src/calc/core.py",
            "src/calc/extra.py"
        ]
    );
    for file in per_file {
        assert_eq!(keys(file), set(&["path", "lines", "branches", "functions"]));
    }
    // A file with nothing instrumented has no percentage rather than 0 or 100.
    assert_eq!(
        per_file[0]["lines"],
        json!({"found": 0, "hit": 0, "percent": null})
    );
    assert_eq!(per_file[1]["lines"]["found"], 42);
    assert_eq!(per_file[1]["lines"]["hit"], 36);
}

#[test]
fn inspect_json_keys_each_file_by_its_kind() {
    let v = inspect_json(
        "evidence",
        &[
            "reports/audit.json",
            "reports/pytest.xml",
            "reports/hyperfine.json",
        ],
    );
    let all = v.as_array().unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(keys(&all[0]), set(&["format", "file", "audit"]));
    assert_eq!(all[0]["format"], "cargo-audit");
    assert_eq!(
        keys(&all[0]["audit"]),
        set(&["lockfiles", "vulnerabilities", "warnings"])
    );
    assert_eq!(
        all[0]["audit"]["vulnerabilities"].as_array().unwrap().len(),
        7
    );

    assert_eq!(keys(&all[1]), set(&["format", "file", "tests"]));
    assert_eq!(all[1]["format"], "junit");
    let tests = &all[1]["tests"];
    assert_eq!(
        keys(tests),
        set(&["total", "passed", "failed", "errors", "skipped", "flaky", "failing"])
    );
    assert_eq!(
        [
            &tests["total"],
            &tests["passed"],
            &tests["failed"],
            &tests["errors"],
            &tests["skipped"]
        ],
        [&json!(9), &json!(4), &json!(2), &json!(1), &json!(2)]
    );

    assert_eq!(keys(&all[2]), set(&["format", "file", "bench"]));
    assert_eq!(all[2]["format"], "hyperfine");
    let bench = all[2]["bench"].as_array().unwrap();
    assert_eq!(bench.len(), 2);
    assert_eq!(bench[0]["id"], "sleep 0.01");
    assert_eq!(
        keys(&bench[0]),
        set(&["id", "value_ns", "baseline_ns", "change_percent"])
    );
}
