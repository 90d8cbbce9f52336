//! Snapshots of what people read: the human, JSON and Markdown renderings
//! of one rich verdict, and every command's `--help`, from the real binary.
//!
//! The verdict is the bundled example (`fixtures/example`: pass, fail,
//! error, unknown and skipped rules) judged in a throw-away repository whose
//! one commit is the one `fixtures/overrides` documents are bound to, so a
//! real OpenSSH-signed override turns `coverage.lines` into `overridden` and
//! a document for another commit is reported as rejected. The check-run
//! rendering of a verdict is snapshotted beside its code, in
//! `src/report/github/snapshots`.
//!
//! A change in a rendering fails here with a diff; when it is meant,
//! `INSTA_UPDATE=always cargo test --test integration snapshots` (or
//! `cargo insta review`) rewrites `tests/integration/snapshots/`.

#![allow(clippy::unwrap_used, clippy::panic)] // tests: a panic is a failure

use std::path::Path;
use std::process::{Command, Output, Stdio};

use tollgate::exit;

/// The commit `fixtures/overrides` documents are bound to (its PRODUCED.md).
const COMMIT: &str = "f58718500e512c15d65807c025cdfc7aa10c1ad1";

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
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

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The one-commit repository of `fixtures/make-overrides.sh` (repository
/// `acme/widget`), with the example's evidence and configuration, the
/// shipped Gate 2 policy trusting the test-only `allowed_signers`, and two
/// override documents, all uncommitted: locally the working tree is the
/// trusted source, and the commit must stay the one the documents name.
fn example_repo() -> tempfile::TempDir {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    git(root, &["init", "-q", "-b", "main"]);
    std::fs::write(root.join("README"), "widget\n").unwrap();
    git(root, &["add", "README"]);
    git(
        root,
        &["-c", "commit.gpgsign=false", "commit", "-q", "-m", "init"],
    );
    assert_eq!(
        git(root, &["rev-parse", "HEAD"]),
        COMMIT,
        "the fixture repository changed"
    );
    git(
        root,
        &[
            "remote",
            "add",
            "origin",
            "https://github.com/acme/widget.git",
        ],
    );

    let example = manifest.join("fixtures/example");
    for evidence in ["audit", "bench-criterion", "coverage", "tests"] {
        copy_dir(&example.join(evidence), &root.join(evidence));
    }
    // The lockfile the example's audit report was made from.
    std::fs::copy(example.join("Cargo.lock"), root.join("Cargo.lock")).unwrap();
    // The example's configuration, with its policy directory moved from the
    // repository's shipped `policies/` to the one beside it here.
    let config = std::fs::read_to_string(example.join("tollgate.toml")).unwrap();
    assert!(
        config.contains("policy_dir = \"../../policies\""),
        "{config}"
    );
    std::fs::write(
        root.join("tollgate.toml"),
        config.replace(
            "policy_dir = \"../../policies\"",
            "policy_dir = \"policies\"",
        ),
    )
    .unwrap();
    let policies = root.join("policies");
    std::fs::create_dir_all(&policies).unwrap();
    // The shipped Gate 2, with what a project adds to it (a required check,
    // benchmark SLOs and a regression bar where criterion has a baseline):
    // the example's benchmarks then give one rule of every status.
    std::fs::copy(
        manifest.join("policies/gate2.toml"),
        policies.join("shipped-gate2.toml"),
    )
    .unwrap();
    std::fs::write(
        policies.join("gate2.toml"),
        r#"schema = 1
name = "gate2"
version = "2.0.0"
extends = "shipped-gate2.toml"

[benchmarks]
max_regression = 10.0

[[benchmarks.slo]]
bench = "lookup/*"
max = "1ms"

[[benchmarks.slo]]
bench = "search/*"
max = "50ms"

[checks]
required = ["test", "clippy", "docs"]

[overrides]
signers = "allowed_signers"
min_signers = 1
not_overridable = ["audit.vulnerabilities"]
# The committed fixture documents expire 2099-12-31: allow them.
max_days = 36500
"#,
    )
    .unwrap();
    std::fs::copy(
        manifest.join("fixtures/overrides/allowed_signers"),
        policies.join("allowed_signers"),
    )
    .unwrap();
    for doc in ["override.txt", "wrong-commit.txt"] {
        for file in [doc.to_owned(), format!("{doc}.sig")] {
            std::fs::copy(
                manifest.join("fixtures/overrides/docs").join(&file),
                root.join(&file),
            )
            .unwrap();
        }
    }
    dir
}

/// The binary with no terminal, no colour, no GitHub environment and a fixed
/// width for clap's help wrapping (it reads `COLUMNS` when no stream is a
/// terminal).
fn tollgate(dir: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tollgate"));
    cmd.current_dir(dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for var in [
        "GITHUB_ACTIONS",
        "GITHUB_TOKEN",
        "GITHUB_REPOSITORY",
        "GITHUB_EVENT_NAME",
        "GITHUB_EVENT_PATH",
        "CLICOLOR_FORCE",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .output()
        .unwrap()
}

/// Runs `check` on the example in `format` and returns its standard output,
/// after asserting the verdict's exit code (1: the gate fails).
fn check(root: &Path, format: &str) -> String {
    let out = tollgate(
        root,
        &[
            "check",
            "--format",
            format,
            "--override",
            "override.txt",
            "--override",
            "wrong-commit.txt",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{format}: {stderr}");
    String::from_utf8(out.stdout).unwrap()
}

/// Replaces what depends on the machine or the tree rather than on the
/// verdict: the judged commit (fixed by the repository built here, and shown
/// as `[head]` so that it reads apart from the other commit a rejected
/// document names), the policy's hash (it moves with every
/// edit of `policies/gate2.toml`), the tool's version, the temporary
/// directory, and clock times should a rendering ever carry one (none does
/// today; the progress line with its elapsed time goes to standard error,
/// which is not snapshotted). Times that are input (an override's
/// `expires`) and durations that are evidence (`42.5ns`) stay.
fn assert_rendering(name: &str, root: &Path, text: &str) {
    let root = regex_escape(&root.display().to_string());
    let version = format!(
        r#"("name": "tollgate",\s*"version": )"{}""#,
        regex_escape(env!("CARGO_PKG_VERSION"))
    );
    insta::with_settings!({
        prepend_module_to_snapshot => false,
        filters => vec![
            (root.as_str(), "[tmp]"),
            (COMMIT, "[head]"),
            (&COMMIT[..12], "[head]"),
            (r"\b[0-9a-f]{64}\b", "[sha256]"),
            (r"sha256 [0-9a-f]{12}…", "sha256 [sha256]…"),
            (version.as_str(), r#"$1"[version]""#),
            // Clock times: RFC 3339 with fractional seconds, as chrono
            // serialises `now`; the documents' whole-second times are input.
            (r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d+(Z|[+-]\d{2}:\d{2})", "[time]"),
        ],
    }, {
        insta::assert_snapshot!(name, text);
    });
}

/// `regex::escape`, for the few characters a path or version can hold.
fn regex_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[test]
fn the_example_verdict_rendered_for_people() {
    let repo = example_repo();
    let text = check(repo.path(), "human");
    // The verdict is as rich as promised: one rule of every status.
    for status in ["PASS", "FAIL", "ERROR", "UNKNOWN", "SKIPPED", "OVERRIDDEN"] {
        assert!(text.contains(&format!("  {status} ")), "{status}: {text}");
    }
    assert!(
        text.contains("  - override coverage.lines from wrong-commit.txt, signed by alice@example.org: bound to commit"),
        "{text}"
    );
    assert_rendering("check_human", repo.path(), &text);
}

#[test]
fn the_example_verdict_rendered_as_json() {
    let repo = example_repo();
    let text = check(repo.path(), "json");
    let report: serde_json::Value = serde_json::from_str(&text).unwrap();
    let statuses: std::collections::BTreeSet<&str> = report["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["error", "fail", "overridden", "pass", "skipped", "unknown"]
            .into_iter()
            .collect()
    );
    assert_eq!(report["overrides"][0]["source"], "override.txt");
    assert_eq!(report["rejected"][0]["source"], "wrong-commit.txt");
    assert_eq!(report["rejected"][0]["kind"], "override");
    assert_rendering("check_json", repo.path(), &text);
}

#[test]
fn the_example_verdict_rendered_as_markdown() {
    let repo = example_repo();
    let text = check(repo.path(), "markdown");
    assert!(text.contains("### Overrides"), "{text}");
    assert!(text.contains("### Rejected signed documents"), "{text}");
    assert_rendering("check_markdown", repo.path(), &text);
}

/// The subcommands a `--help` lists under `Commands:`, without `help`.
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| !l.is_empty())
        // A command's line is indented by two; its wrapped description by more.
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_owned)
        .collect()
}

/// Every command's `--help`, found by walking `Commands:` from the top, so
/// a new command is a new snapshot rather than a forgotten one.
#[test]
fn every_help_text() {
    let dir = tempfile::tempdir().unwrap();
    let mut pending = vec![Vec::<String>::new()];
    let mut seen = Vec::new();
    while let Some(path) = pending.pop() {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let out = tollgate(dir.path(), &args);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert!(out.stderr.is_empty(), "{args:?}");
        let help = String::from_utf8(out.stdout).unwrap();
        for sub in subcommands(&help) {
            let mut next = path.clone();
            next.push(sub);
            pending.push(next);
        }
        let name = if path.is_empty() {
            "help".to_owned()
        } else {
            format!("help_{}", path.join("_"))
        };
        assert_rendering(&name, dir.path(), &help);
        seen.push(path.join(" "));
    }
    seen.sort();
    // The walk reached the commands the docs describe.
    for command in [
        "",
        "check",
        "inspect",
        "override",
        "override sign",
        "override verify",
        "policy",
        "policy show",
        "policy validate",
    ] {
        assert!(seen.iter().any(|s| s == command), "{command}: {seen:?}");
    }
}

/// docs/reports.md's exit-code table is the constants of `src/exit.rs`, row
/// for row: code, name, and nothing more or less.
#[test]
fn the_documented_exit_codes_are_the_constants() {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/reports.md"))
            .unwrap();
    let section = doc
        .split("## Exit codes")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .unwrap();
    let rows: Vec<(u8, &str)> = section
        .lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let code = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
            let name = cells.get(2)?.strip_prefix('`')?.strip_suffix('`')?;
            Some((code.parse().ok()?, name))
        })
        .collect();
    assert_eq!(
        rows,
        [
            (exit::PASSED, "PASSED"),
            (exit::FAILED, "FAILED"),
            (exit::INPUT_ERROR, "INPUT_ERROR"),
            (exit::REPORT_ERROR, "REPORT_ERROR"),
        ]
    );
}
