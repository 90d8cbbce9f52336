//! `coverage.drop` and `coverage.drop.path[GLOB]`: coverage against the base.
//!
//! Base and head are real lcov 1.16 tracefiles of one C program
//! (`fixtures/coverage/geninfo`): `run1.info` (19/35 lines), `run2.info`
//! (26/35) and `merged.info` (27/35, both runs). run1 -> merged is a rise;
//! merged -> run2 is a drop of 100/35 = 2.86 points in lines (all of it in
//! `src/main.c`; `src/util.c` is unchanged) and 5.26 in branches.

#![allow(clippy::unwrap_used, clippy::panic)] // tests: a panic is a failure

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const PREFIX: &str = "/tmp/tollgate-fixtures/geninfo";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/coverage/geninfo")
        .join(name)
}

/// `git` with a fixed identity and dates, so commits (and reports naming
/// them) are the same on every run.
fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .args(["-c", "commit.gpgsign=false"])
        .args(args)
        .env("GIT_AUTHOR_NAME", "tollgate")
        .env("GIT_AUTHOR_EMAIL", "tollgate@example.org")
        .env("GIT_AUTHOR_DATE", "2025-01-01T00:00:00Z")
        .env("GIT_COMMITTER_NAME", "tollgate")
        .env("GIT_COMMITTER_EMAIL", "tollgate@example.org")
        .env("GIT_COMMITTER_DATE", "2025-01-01T00:00:00Z")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// A repository holding the program's sources and a `drop` gate with
/// `policy` as its `[coverage]` section; the three tracefiles copied (so
/// newer than the commit) into the untracked `evidence/`. With `change`,
/// a second commit edits `src/util.c`, so `--base HEAD~1` is a diff that
/// touches it and not `src/main.c`.
fn repo(policy: &str, config: &str, change: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    git(root, &["init", "-q", "-b", "main"]);
    std::fs::create_dir_all(root.join("src")).unwrap();
    for file in ["main.c", "util.c", "util.h"] {
        std::fs::copy(fixture(&format!("src/{file}")), root.join("src").join(file)).unwrap();
    }
    std::fs::create_dir_all(root.join("policies")).unwrap();
    std::fs::write(
        root.join("tollgate.toml"),
        format!("policy_dir = \"policies\"\n{config}"),
    )
    .unwrap();
    std::fs::write(
        root.join("policies/drop.toml"),
        format!("schema = 1\nname = \"drop\"\nversion = \"1.0.0\"\n[coverage]\n{policy}"),
    )
    .unwrap();
    std::fs::write(root.join(".gitignore"), "evidence/\n").unwrap();
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "base"]);
    if change {
        let util = root.join("src/util.c");
        let mut text = std::fs::read_to_string(&util).unwrap();
        text.push_str("/* a comment the pull request adds */\n");
        std::fs::write(&util, text).unwrap();
        git(root, &["commit", "-q", "-am", "change util.c"]);
    }
    std::fs::create_dir_all(root.join("evidence")).unwrap();
    for name in ["run1.info", "run2.info", "merged.info"] {
        std::fs::copy(fixture(name), root.join("evidence").join(name)).unwrap();
    }
    dir
}

fn tollgate(root: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tollgate"));
    cmd.current_dir(root)
        .args(["check", "--gate", "drop", "--strip-prefix", PREFIX])
        .args(args);
    for var in [
        "GITHUB_ACTIONS",
        "GITHUB_TOKEN",
        "GITHUB_REPOSITORY",
        "GITHUB_EVENT_NAME",
        "GITHUB_EVENT_PATH",
        "GITHUB_SHA",
        "GITHUB_STEP_SUMMARY",
        "GITHUB_OUTPUT",
        "GH_TOKEN",
    ] {
        cmd.env_remove(var);
    }
    cmd.output().unwrap()
}

/// `tollgate check` in a synthetic Actions job on a push to `main`,
/// without a token: not a dry run, so missing evidence fails.
fn in_ci(root: &Path, args: &[&str]) -> Output {
    let sha = git(root, &["rev-parse", "HEAD"]);
    let event = root.join("evidence/event.json");
    std::fs::write(
        &event,
        serde_json::json!({"ref": "refs/heads/main", "after": sha, "repository": {"full_name": "acme/widget"}})
            .to_string(),
    )
    .unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tollgate"));
    cmd.current_dir(root)
        .args(["check", "--gate", "drop", "--strip-prefix", PREFIX])
        .args(args)
        .env_remove("GITHUB_TOKEN")
        .env_remove("GH_TOKEN")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("GITHUB_OUTPUT")
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", "push")
        .env("GITHUB_EVENT_PATH", &event)
        .env("GITHUB_REPOSITORY", "acme/widget")
        .env("GITHUB_SHA", &sha)
        .env("GITHUB_REF", "refs/heads/main")
        .env("GITHUB_API_URL", "http://127.0.0.1:9");
    cmd.output().unwrap()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: stdout {} stderr {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn rule<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no rule {id} in {report:#}"))
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap()
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_rise_passes_and_a_drop_fails_with_base_and_head_figures() {
    let dir = repo("max_drop = 0.0\n", "", false);
    let root = dir.path();

    let rise = tollgate(
        root,
        &[
            "--coverage",
            "evidence/merged.info",
            "--coverage-baseline",
            "evidence/run1.info",
            "--format",
            "json",
        ],
    );
    assert_eq!(code(&rise), 0, "{}", String::from_utf8_lossy(&rise.stderr));
    let report = json(&rise);
    let r = rule(&report, "coverage.drop");
    assert_eq!(r["status"], "pass");
    assert_eq!(
        r["actual"],
        "lines 54.28% -> 77.14% (+22.85), branches 42.10% -> 73.68% (+31.57)"
    );
    assert!(
        r["message"]
            .as_str()
            .unwrap()
            .contains("evidence/run1.info"),
        "{r}"
    );
    let base = &report["evidence"]["coverage"]["base"];
    assert_eq!(base["source"], "evidence/run1.info");
    assert_eq!(base["lines"]["hit"], 19);
    assert_eq!(base["lines"]["found"], 35);
    assert_eq!(base["branches"]["hit"], 8);
    assert_eq!(base["functions"]["hit"], 3);
    assert_eq!(report["evidence"]["coverage"]["lines"]["hit"], 27);

    // The same figures on both sides: no drop.
    let same = tollgate(
        root,
        &[
            "--coverage",
            "evidence/merged.info",
            "--coverage-baseline",
            "evidence/merged.info",
            "--format",
            "json",
        ],
    );
    assert_eq!(code(&same), 0);
    assert_eq!(rule(&json(&same), "coverage.drop")["status"], "pass");

    let drop = tollgate(
        root,
        &[
            "--coverage",
            "evidence/run2.info",
            "--coverage-baseline",
            "evidence/merged.info",
            "--format",
            "json",
        ],
    );
    assert_eq!(code(&drop), 1);
    let r = rule(&json(&drop), "coverage.drop").clone();
    assert_eq!(r["status"], "fail");
    assert_eq!(r["required"], "drop <= 0 points");
    let message = r["message"].as_str().unwrap();
    assert!(
        message.contains(
            "total line coverage fell 2.86 points, from 77.14% to 74.28%, more than the 0 points allowed"
        ),
        "{message}"
    );
    assert!(
        message.contains("total branch coverage fell 5.27 points, from 73.68% to 68.42%"),
        "{message}"
    );
    assert!(
        message.contains("(base: evidence/merged.info)"),
        "{message}"
    );

    // The human report carries one line of base -> head figures.
    let human = tollgate(
        root,
        &[
            "--coverage",
            "evidence/run2.info",
            "--coverage-baseline",
            "evidence/merged.info",
        ],
    );
    assert!(
        text(&human).contains(
            "Coverage against the base (evidence/merged.info): lines 77.14% -> 74.28% (-2.86), branches 73.68% -> 68.42% (-5.27), functions 80.00% -> 80.00% (0.00)"
        ),
        "{}",
        text(&human)
    );
}

#[test]
fn the_allowance_is_in_points_and_judged_exactly() {
    // Lines fall 100/35 = 2.857142... points and branches 100/19 = 5.263157...
    for (max, passes) in [("5.2631", false), ("5.2632", true)] {
        let dir = repo(&format!("max_drop = {max}\n"), "", false);
        let out = tollgate(
            dir.path(),
            &[
                "--coverage",
                "evidence/run2.info",
                "--coverage-baseline",
                "evidence/merged.info",
                "--format",
                "json",
            ],
        );
        let report = json(&out);
        let status = &rule(&report, "coverage.drop")["status"];
        assert_eq!(status, if passes { "pass" } else { "fail" }, "max {max}");
    }
}

#[test]
fn a_two_point_drop_shows_base_and_head_in_the_markdown_summary() {
    let dir = repo("max_drop = 0.0\n", "", false);
    let out = tollgate(
        dir.path(),
        &[
            "--coverage",
            "evidence/run2.info",
            "--coverage-baseline",
            "evidence/merged.info",
            "--format",
            "markdown",
        ],
    );
    assert_eq!(code(&out), 1);
    let md = text(&out);
    let row = md
        .lines()
        .find(|l| l.contains("`coverage.drop`"))
        .unwrap()
        .to_owned();
    let section = md
        .split_once("### Coverage against the base")
        .map(|(_, rest)| rest.split("\n### ").next().unwrap_or(rest))
        .unwrap();
    insta::assert_snapshot!(
        "coverage_drop_markdown",
        format!("{row}\n\n### Coverage against the base{section}")
    );
}

#[test]
fn without_a_baseline_a_local_run_is_unknown_and_ci_fails() {
    let dir = repo("max_drop = 0.0\n", "", false);
    let root = dir.path();
    let args = ["--coverage", "evidence/run2.info", "--format", "json"];

    let local = tollgate(root, &[&args[..], &["--local"]].concat());
    assert_eq!(
        code(&local),
        0,
        "a local run does not block on it: {}",
        String::from_utf8_lossy(&local.stderr)
    );
    let report = json(&local);
    assert_eq!(report["conclusion"], "pending");
    let r = rule(&report, "coverage.drop");
    assert_eq!(r["status"], "unknown");
    assert!(
        r["message"]
            .as_str()
            .unwrap()
            .contains("no coverage baseline was given"),
        "{r}"
    );

    // A dry run outside CI: unknown too, the gate undecided.
    let dry = tollgate(root, &args);
    let report = json(&dry);
    assert_eq!(rule(&report, "coverage.drop")["status"], "unknown");
    assert_eq!(report["conclusion"], "unknown");

    // In CI, a missing baseline is missing evidence: the rule fails.
    let ci = in_ci(root, &args);
    assert_eq!(code(&ci), 1, "{}", String::from_utf8_lossy(&ci.stderr));
    let report = json(&ci);
    let r = rule(&report, "coverage.drop");
    assert_eq!(r["status"], "fail", "{r}");
    assert_eq!(r["message"], "no coverage baseline was given");
    assert!(
        r["help"].as_str().unwrap().contains("--coverage-baseline"),
        "{r}"
    );

    // The same CI run with a baseline judges it.
    let ci = in_ci(
        root,
        &[&args[..], &["--coverage-baseline", "evidence/run1.info"]].concat(),
    );
    assert_eq!(code(&ci), 0, "{}", String::from_utf8_lossy(&ci.stderr));
    assert_eq!(rule(&json(&ci), "coverage.drop")["status"], "pass");
}

#[test]
fn the_baseline_can_be_configured_and_a_missing_one_fails() {
    let dir = repo(
        "max_drop = 0.0\n",
        "[evidence]\ncoverage_baseline = [\"evidence/run1.info\"]\n",
        false,
    );
    let root = dir.path();
    let out = tollgate(
        root,
        &["--coverage", "evidence/run2.info", "--format", "json"],
    );
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let report = json(&out);
    assert_eq!(rule(&report, "coverage.drop")["status"], "pass");
    let source = report["evidence"]["coverage"]["base"]["source"]
        .as_str()
        .unwrap();
    assert!(source.ends_with("evidence/run1.info"), "{source}");

    std::fs::remove_file(root.join("evidence/run1.info")).unwrap();
    let out = tollgate(
        root,
        &["--coverage", "evidence/run2.info", "--format", "json"],
    );
    assert_eq!(code(&out), 1);
    let r = rule(&json(&out), "coverage.drop").clone();
    assert_eq!(r["status"], "fail");
    let message = r["message"].as_str().unwrap();
    assert!(
        message.starts_with("coverage baseline not found: expected ")
            && message.ends_with("evidence/run1.info"),
        "{message}"
    );

    // A baseline that is not coverage at all is an input error naming it.
    std::fs::write(root.join("evidence/run1.info"), "not a tracefile\n").unwrap();
    let out = tollgate(root, &["--coverage", "evidence/run2.info"]);
    assert_eq!(code(&out), 2);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("run1.info"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn each_critical_path_is_compared_on_its_own() {
    let dir = repo(
        "[[coverage.paths]]\nglob = \"src/main.c\"\nmax_drop = 0.0\n\
         [[coverage.paths]]\nglob = \"src/util.c\"\nmax_drop = 0.0\nlines = 40.0\n\
         [[coverage.paths]]\nglob = \"src/new/**\"\nmax_drop = 0.0\n",
        "",
        false,
    );
    let out = tollgate(
        dir.path(),
        &[
            "--coverage",
            "evidence/run2.info",
            "--coverage-baseline",
            "evidence/merged.info",
            "--format",
            "json",
        ],
    );
    assert_eq!(code(&out), 1);
    let report = json(&out);
    let main = rule(&report, "coverage.drop.path[src/main.c]");
    assert_eq!(main["status"], "fail");
    assert!(
        main["message"].as_str().unwrap().contains(
            "of 1 file(s) matching `src/main.c` line coverage fell 3.71 points, from 85.18% to 81.48%"
        ),
        "{main}"
    );
    let util = rule(&report, "coverage.drop.path[src/util.c]");
    assert_eq!(util["status"], "pass", "{util}");
    assert_eq!(
        util["actual"],
        "lines 50.00% -> 50.00% (0.00), branches 50.00% -> 50.00% (0.00)"
    );
    // The entry's minimum is its own rule; an entry with only `max_drop` has none.
    assert_eq!(rule(&report, "coverage.path[src/util.c]")["status"], "pass");
    assert!(report["rules"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["id"] != "coverage.path[src/main.c]"));
    // No such file in the head's report: an error, never a pass.
    assert_eq!(
        rule(&report, "coverage.drop.path[src/new/**]")["status"],
        "error"
    );
}

#[test]
fn files_the_change_does_not_touch_are_listed_as_indirect_changes() {
    let dir = repo("max_drop = 0.0\n", "", true);
    let root = dir.path();
    let args = [
        "--coverage",
        "evidence/run2.info",
        "--coverage-baseline",
        "evidence/merged.info",
        "--base",
        "HEAD~1",
    ];
    let out = tollgate(root, &[&args[..], &["--format", "json"]].concat());
    assert_eq!(code(&out), 1, "{}", String::from_utf8_lossy(&out.stderr));
    let report = json(&out);
    let indirect = &report["evidence"]["coverage"]["indirect_changes"];
    // src/util.c is in the diff (and unchanged besides); src/main.c fell
    // without the change touching it.
    assert_eq!(
        indirect,
        &serde_json::json!({
            "files": [{
                "path": "src/main.c",
                "base": {"found": 27, "hit": 23, "percent": 23.0 * 100.0 / 27.0},
                "head": {"found": 27, "hit": 22, "percent": 22.0 * 100.0 / 27.0},
            }],
            "more": 0,
        })
    );

    let human = text(&tollgate(root, &args));
    assert!(
        human.contains("Indirect changes (coverage changed, file not in the diff):\n  - src/main.c: 85.18% -> 81.48% (-3.71)"),
        "{human}"
    );
    let md = text(&tollgate(
        root,
        &[&args[..], &["--format", "markdown"]].concat(),
    ));
    assert!(
        md.contains("- `src/main.c`: 85.18% (23/27) -> 81.48% (22/27) (-3.71)"),
        "{md}"
    );

    // Without a diff there is nothing to call indirect: no field.
    let out = tollgate(root, &[&args[..4], &["--format", "json"]].concat());
    assert!(json(&out)["evidence"]["coverage"]
        .get("indirect_changes")
        .is_none());
}
