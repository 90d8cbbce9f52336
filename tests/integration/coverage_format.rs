//! `--coverage-format NAME`: a coverage file read as the named format gives
//! the same figures as detection, and a file whose structure names another
//! format is refused by both names, on `inspect` and `check` alike.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a broken fixture should stop the test loudly

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn tollgate(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .args(args)
        .current_dir(root())
        .env_remove("GITHUB_ACTIONS")
        .env_remove("CI")
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn inspect_json(extra: &[&str], file: &str) -> Value {
    let mut args = vec!["inspect", "--format", "json"];
    args.extend_from_slice(extra);
    args.push(file);
    let (code, out, err) = tollgate(&args);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).unwrap()
}

#[test]
fn a_forced_format_reads_what_detection_reads() {
    for (file, name, extra) in [
        ("fixtures/coverage/geninfo/merged.info", "lcov", vec![]),
        (
            "fixtures/coverage/coveragepy/coverage.xml",
            "cobertura",
            vec![],
        ),
        (
            "fixtures/coverage/llvm-cov/coverage.json",
            "llvm-cov-json",
            vec![
                "--root",
                "fixtures/coverage/llvm-cov",
                "--strip-prefix",
                "/tmp/tollgate-fixtures/llvm-cov",
            ],
        ),
        (
            "fixtures/coverage/jacoco/jacoco.xml",
            "jacoco",
            vec!["--root", "fixtures/coverage/jacoco"],
        ),
        (
            "fixtures/coverage/go/count.out",
            "go-cover",
            vec!["--root", "fixtures/coverage/go"],
        ),
        (
            "fixtures/coverage/coveragepy/coverage.json",
            "coveragepy-json",
            vec!["--root", "fixtures/coverage/coveragepy"],
        ),
    ] {
        let detected = inspect_json(&extra, file);
        let mut forced_args = vec!["--coverage-format", name];
        forced_args.extend_from_slice(&extra);
        let forced = inspect_json(&forced_args, file);
        assert_eq!(forced, detected, "{file}");
        assert_eq!(forced["format"], name, "{file}");
    }
}

#[test]
fn a_file_of_another_format_is_refused_by_both_names() {
    let (code, out, err) = tollgate(&[
        "inspect",
        "--coverage-format",
        "cobertura",
        "fixtures/coverage/nyc-clover/clover.xml",
    ]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("clover.xml")
            && err.contains("--coverage-format cobertura was given")
            && err.contains("this is clover"),
        "{err}"
    );
    // An LCOV reader handed XML, or any coverage reader handed a test
    // report, refuses it: never 0 lines and carry on.
    let (code, _, err) = tollgate(&[
        "inspect",
        "--coverage-format",
        "lcov",
        "fixtures/coverage/coveragepy/coverage.xml",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("this is cobertura"), "{err}");
    // JSON and profiles name themselves too.
    let (code, _, err) = tollgate(&[
        "inspect",
        "--coverage-format",
        "llvm-cov-json",
        "fixtures/coverage/coveragepy/coverage.json",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("this is coveragepy-json"), "{err}");
    let (code, _, err) = tollgate(&[
        "inspect",
        "--coverage-format",
        "jacoco",
        "fixtures/coverage/go/set.out",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("this is go-cover"), "{err}");
}

#[test]
fn check_applies_the_format_to_every_coverage_file() {
    // The README's example run, with its coverage report named explicitly.
    let run = |extra: &[&'static str]| {
        let mut args = vec![
            "check",
            "--config",
            "fixtures/example/tollgate.toml",
            "--format",
            "json",
            "--coverage",
            "fixtures/example/coverage/lcov.info",
        ];
        args.extend_from_slice(extra);
        tollgate(&args)
    };
    let (code, detected, err) = run(&[]);
    assert_eq!(code, 1, "{err}");
    let (code, forced, err) = run(&["--coverage-format", "lcov"]);
    assert_eq!(code, 1, "{err}");
    let coverage =
        |out: &str| serde_json::from_str::<Value>(out).unwrap()["evidence"]["coverage"].clone();
    assert_eq!(coverage(&forced), coverage(&detected));
    assert!(coverage(&forced)["lines"]["found"].as_u64().unwrap() > 0);
    let (code, out, err) = run(&["--coverage-format", "cobertura"]);
    assert_eq!(code, 2, "{out}{err}");
    // LCOV names no format by its structure (it is what detection falls
    // back to), so the Cobertura reader is run, and refuses it in its words.
    assert!(
        err.contains("lcov.info") && err.contains("no XML root element"),
        "{err}"
    );
}

#[test]
fn an_unknown_format_name_lists_the_known_ones() {
    let (code, _, err) = tollgate(&["inspect", "--coverage-format", "jacocoo", "x.xml"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("unknown coverage format `jacocoo`") && err.contains("lcov, cobertura"),
        "{err}"
    );
}

#[test]
fn inspect_shows_regions_and_the_producer_of_an_llvm_cov_export() {
    let file = "fixtures/coverage/llvm-cov/coverage.json";
    let extra = [
        "--root",
        "fixtures/coverage/llvm-cov",
        "--strip-prefix",
        "/tmp/tollgate-fixtures/llvm-cov",
    ];
    let v = inspect_json(&extra, file);
    assert_eq!(v["producer"], "cargo-llvm-cov 0.9.1, llvm-cov export 3.1.0");
    // cargo llvm-cov's own table for this run (summary.txt): regions 39/45.
    assert_eq!(
        (
            v["coverage"]["regions"]["hit"].as_u64(),
            v["coverage"]["regions"]["found"].as_u64()
        ),
        (Some(39), Some(45))
    );
    let summary =
        std::fs::read_to_string(Path::new(&root()).join("fixtures/coverage/llvm-cov/summary.txt"))
            .unwrap();
    assert!(
        summary.contains("45") && summary.contains("86.67%"),
        "{summary}"
    );
    let mut args = vec!["inspect"];
    args.extend_from_slice(&extra);
    args.push(file);
    let (code, out, err) = tollgate(&args);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("regions 39/45 (86.66%)") && out.contains("written by cargo-llvm-cov 0.9.1"),
        "{out}"
    );
}
