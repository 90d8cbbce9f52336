//! `tollgate policy validate` on a policy with a mistake in every section:
//! every problem is reported in one run, each at its file, line and column
//! (docs/policy.md), so a policy is fixed in one pass; and a policy whose
//! `schema` is missing, older or newer than this tollgate is refused rather
//! than misread.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests: a panic is a failure

use std::process::Command;

/// `tollgate policy validate FILES` with `files` written to a scratch
/// directory; (exit code, standard error).
fn validate(files: &[(&str, &str)]) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let out = Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .args(["policy", "validate"])
        .args(files.iter().map(|(name, _)| name))
        .current_dir(dir.path())
        .env_remove("GITHUB_ACTIONS")
        .output()
        .unwrap();
    assert!(out.stdout.is_empty(), "nothing is ok: {out:?}");
    (out.status.code(), String::from_utf8(out.stderr).unwrap())
}

const BAD: &str = r#"schema = 1
name = "bad name!"
version = "1.0.0"

[coverage]
lines = 101.0

[[coverage.paths]]
glob = "src/eval/**"

[[coverage.paths]]
glob = "src/[x"
lines = 90.0

[audit]
fail_on = "severe"
unscored = "maybe"
warnings = ["bogus"]

[[audit.ignore]]
id = "RUSTSEC-2023-0071"

[reviews]
approvals = 1
associations = ["FRIEND"]

[benchmarks]
[[benchmarks.slo]]
bench = "lookup/*"
max = "fast"

[tests]
min_tests = -1

[[signoffs]]
id = "security"
title = "Security"

[[documents]]
id = "bad id!"
glob = "docs/*.md"
"#;

#[test]
fn every_mistake_of_a_policy_is_reported_at_its_line_and_column_in_one_run() {
    let (code, stderr) = validate(&[("bad.toml", BAD)]);
    assert_eq!(code, Some(2), "{stderr}");
    let expected = [
        "error: bad.toml:2:8: `name` must be non-empty letters, digits, `-`, `_` or `.`",
        "error: bad.toml:6:9: percentage must be between 0 and 100 with at most 4 decimals, got 101",
        "error: bad.toml:9:8: a `[[coverage.paths]]` entry needs `lines`, `branches`, `functions` or `max_drop`",
        "error: bad.toml:12:8: invalid glob: error parsing glob 'src/[x': unclosed character class; missing ']'",
        "error: bad.toml:16:11: `fail_on` must be none, low, medium, high, critical or any; got `severe`",
        "error: bad.toml:17:12: `unscored` must be `fail` or `pass`; got `maybe`",
        "error: bad.toml:18:13: unknown warning kind `bogus`; expected one of unmaintained, unsound, yanked, notice",
        "error: bad.toml:21:6: ignore of `RUSTSEC-2023-0071` needs a `reason`",
        "error: bad.toml:25:17: unknown association `FRIEND`; expected one of OWNER, MEMBER, COLLABORATOR, CONTRIBUTOR, FIRST_TIMER, FIRST_TIME_CONTRIBUTOR, MANNEQUIN, NONE",
        "error: bad.toml:30:7: `max` must be a duration like 1ms, 200us, 50ns or 1.5s; got `fast`",
        "error: bad.toml:33:13: `min_tests` must be a non-negative whole number",
        "error: bad.toml:36:6: sign-off `security` needs `principals`",
        "error: bad.toml:40:6: document `id` must be letters, digits, `-`, `_` or `.`",
    ];
    assert_eq!(stderr.lines().collect::<Vec<_>>(), expected, "{stderr}");
}

#[test]
fn a_schema_that_is_missing_unknown_or_newer_is_refused_not_misread() {
    let (code, stderr) = validate(&[
        ("none.toml", "version = \"1.0.0\"\n"),
        ("zero.toml", "schema = 0\nversion = \"1.0.0\"\n"),
        ("seven.toml", "schema = 7\nversion = \"1.0.0\"\n"),
        ("text.toml", "schema = \"one\"\nversion = \"1.0.0\"\n"),
    ]);
    assert_eq!(code, Some(2), "{stderr}");
    assert_eq!(
        stderr.lines().collect::<Vec<_>>(),
        [
            "error: none.toml: missing `schema = 1` (the policy file format)",
            "error: zero.toml:1:10: unknown schema 0; expected 1",
            "error: seven.toml:1:10: schema 7 is newer than this tollgate understands (1); upgrade tollgate",
            "error: text.toml:1:10: invalid type: string \"one\", expected i64",
        ],
        "{stderr}"
    );
}
