//! The real binary as a pull-request check, against the fake GitHub server
//! (issue #4): an Actions-like environment, real event payloads, a real git
//! history, and assertions on what GitHub holds afterwards.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::support::git::git;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::fake_github::{
    CheckRunSeed, CommentSeed, FakeGitHub, Fault, PullRequestSeed, ReviewSeed, WorkflowRunSeed,
    READ_ONLY_TOKEN, WRITE_TOKEN,
};
use serde_json::{json, Value};

const REPO: &str = "octo/widgets";
const CHECK: &str = "tollgate/gate";
const RUNS: &str = "/repos/octo/widgets/check-runs";

const POLICY: &str = "schema = 1\nname = \"gate\"\nversion = \"1.0.0\"\n\n[coverage]\nlines = 50.0\n\n[reviews]\napprovals = 1\n\n[checks]\nrequired = [\"ci / test\"]\n";

struct Scenario {
    dir: tempfile::TempDir,
    repo: PathBuf,
    base: String,
    head: String,
    fake: FakeGitHub,
}

/// A repository whose base commit holds the gate policy and whose head
/// commit tries to lower it (a PR cannot lower its own bar).
fn scenario() -> Scenario {
    scenario_with(POLICY, &[])
}

/// [`scenario`] with another base policy and more files in the base commit.
fn scenario_with(policy: &str, files: &[(&str, &str)]) -> Scenario {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(repo.join("policies")).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    std::fs::write(
        repo.join("tollgate.toml"),
        "policy_dir = \"policies\"\n[gates]\npull_request = \"gate\"\n",
    )
    .unwrap();
    std::fs::write(repo.join("policies/gate.toml"), policy).unwrap();
    for (path, text) in files {
        std::fs::write(repo.join(path), text).unwrap();
    }
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "base"]);
    let base = git(&repo, &["rev-parse", "HEAD"]);
    std::fs::write(
        repo.join("policies/gate.toml"),
        policy.replace("approvals = 1", "approvals = 0"),
    )
    .unwrap();
    git(&repo, &["commit", "-q", "-am", "head lowers the bar"]);
    let head = git(&repo, &["rev-parse", "HEAD"]);

    let fake = FakeGitHub::start();
    fake.add_repo(REPO);
    fake.add_pull_request(REPO, PullRequestSeed::new(7, "dev", &head, &base));
    fake.add_check_run(REPO, CheckRunSeed::completed("ci / test", &head, "success"));
    Scenario {
        dir,
        repo,
        base,
        head,
        fake,
    }
}

fn pr_payload(s: &Scenario, action: &str) -> Value {
    json!({
        "action": action,
        "number": 7,
        "pull_request": {
            "number": 7,
            "user": {"login": "dev"},
            "head": {"sha": s.head, "ref": "feature", "repo": {"full_name": REPO, "fork": false}},
            "base": {"sha": s.base, "ref": "main", "repo": {"full_name": REPO}}
        },
        "repository": {"full_name": REPO}
    })
}

/// The binary with a clean environment pointed at the fake server.
fn tollgate(s: &Scenario) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tollgate"));
    cmd.env_clear()
        .envs(crate::support::coverage::profile_env())
        .env("PATH", std::env::var_os("PATH").unwrap())
        .env("HOME", s.dir.path())
        .env("GITHUB_API_URL", s.fake.url())
        .env("TOLLGATE_RETRY_SCALE", "0.01");
    cmd
}

/// Runs tollgate in an Actions-like environment and returns its output.
fn run(s: &Scenario, event: &str, payload: &Value, token: &str, extra: &[&str]) -> Output {
    run_at(
        s,
        event,
        payload,
        token,
        "1111111111111111111111111111111111111111",
        extra,
    )
}

/// [`run`] with `GITHUB_SHA` (a tag push's commit, which the payload's
/// `after` is not for an annotated tag).
fn run_at(
    s: &Scenario,
    event: &str,
    payload: &Value,
    token: &str,
    github_sha: &str,
    extra: &[&str],
) -> Output {
    let event_path = s.dir.path().join("event.json");
    std::fs::write(&event_path, payload.to_string()).unwrap();
    let coverage =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/coverage/coveragepy/lcov.info");
    tollgate(s)
        .current_dir(&s.repo)
        .args(["check", "--github", "--coverage"])
        .arg(coverage)
        .args(extra)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", event)
        .env("GITHUB_EVENT_PATH", &event_path)
        .env("GITHUB_REPOSITORY", REPO)
        .env("GITHUB_SHA", github_sha)
        .env("GITHUB_SERVER_URL", "https://github.example")
        .env("GITHUB_RUN_ID", "99")
        .env("GITHUB_TOKEN", token)
        .env("GITHUB_STEP_SUMMARY", s.dir.path().join("summary.md"))
        .env("GITHUB_OUTPUT", s.dir.path().join("output.txt"))
        .env("RUNNER_TEMP", s.dir.path())
        .output()
        .unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The token appears nowhere but in the `::add-mask::` line that hides it.
fn assert_token_hidden(out: &Output, token: &str) {
    for line in text(out).lines() {
        assert!(
            !line.contains(token) || line == format!("::add-mask::{token}"),
            "token leaked: {line}"
        );
    }
}

#[test]
fn pull_request_creates_one_check_run_and_an_approval_flips_it() {
    let s = scenario();
    let out = run(
        &s,
        "pull_request",
        &pr_payload(&s, "opened"),
        WRITE_TOKEN,
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_token_hidden(&out, WRITE_TOKEN);
    let runs = s.fake.check_runs_named(REPO, CHECK);
    assert_eq!(runs.len(), 1);
    assert_eq!(
        runs[0].head_sha, s.head,
        "the check run is on the PR head, not the merge commit"
    );
    assert_eq!(runs[0].conclusion.as_deref(), Some("failure"));
    assert_eq!(
        runs[0].details_url.as_deref(),
        Some("https://github.example/octo/widgets/actions/runs/99")
    );
    let summary = runs[0].summary.clone().unwrap();
    assert!(summary.contains("reviews.approvals"), "{summary}");
    // What the binary sent: one create on the head, `in_progress` before
    // anything was judged, ours by external id; then the PATCH that
    // completes it, with its times to the second.
    let posts: Vec<Value> = s
        .fake
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path == RUNS)
        .map(crate::support::fake_github::RequestRecord::json)
        .collect();
    assert_eq!(posts.len(), 1);
    let started = &posts[0];
    assert_eq!(started["name"], CHECK);
    assert_eq!(started["head_sha"], s.head.as_str());
    assert_eq!(started["status"], "in_progress");
    assert!(started.get("conclusion").is_none(), "{started}");
    assert_eq!(started["external_id"], format!("{CHECK}@{}", s.head));
    let create = s
        .fake
        .requests()
        .iter()
        .find(|r| r.method == "PATCH")
        .map(crate::support::fake_github::RequestRecord::json)
        .unwrap();
    assert_eq!(create["status"], "completed");
    assert_eq!(create["conclusion"], "failure");
    assert_eq!(create["external_id"], format!("{CHECK}@{}", s.head));
    for key in ["started_at", "completed_at"] {
        let time = create[key].as_str().unwrap();
        assert!(
            chrono::DateTime::parse_from_rfc3339(time).is_ok() && !time.contains('.'),
            "{key}: {time}"
        );
    }
    assert_eq!(create["output"]["summary"], summary.as_str());
    // The head commit lowered approvals to 0; the base commit's policy judged.
    assert!(
        text(&out).contains("this pull request changes policies/gate.toml"),
        "{}",
        text(&out)
    );

    s.fake
        .add_review(REPO, 7, ReviewSeed::new("alice", "APPROVED", &s.head));
    let mut payload = pr_payload(&s, "submitted");
    payload["review"] =
        json!({"state": "approved", "user": {"login": "alice"}, "commit_id": s.head});
    let out = run(&s, "pull_request_review", &payload, WRITE_TOKEN, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // The re-run first starts a fresh run `in_progress` (the old failure
    // stops counting at once), then completes that one in place.
    let runs = s.fake.check_runs_named(REPO, CHECK);
    let newest = runs.iter().max_by_key(|r| r.id).unwrap();
    assert_eq!(newest.conclusion.as_deref(), Some("success"));
    assert_eq!(newest.status, "completed");
    assert_eq!(s.fake.count("POST", RUNS), 2);
    assert!(newest.updates >= 1);
    let update = s
        .fake
        .requests()
        .iter()
        .rev()
        .find(|r| r.method == "PATCH")
        .map(crate::support::fake_github::RequestRecord::json)
        .unwrap();
    assert!(update.get("head_sha").is_none(), "{update}");
    assert_eq!(update["conclusion"], "success");
    assert_eq!(update["external_id"], format!("{CHECK}@{}", s.head));

    let outputs = std::fs::read_to_string(s.dir.path().join("output.txt")).unwrap();
    assert!(
        outputs.contains("conclusion<<") && outputs.contains("\npass\n"),
        "{outputs}"
    );
    assert!(outputs.contains("report<<"), "{outputs}");
    let step_summary = std::fs::read_to_string(s.dir.path().join("summary.md")).unwrap();
    assert!(step_summary.contains("tollgate/gate"), "{step_summary}");
}

#[test]
fn a_fork_token_falls_back_to_annotations_and_keeps_the_verdict() {
    let s = scenario();
    let out = run(
        &s,
        "pull_request",
        &pr_payload(&s, "opened"),
        READ_ONLY_TOKEN,
        &[],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "the exit code still carries the verdict: {}",
        text(&out)
    );
    assert!(s.fake.check_runs_named(REPO, CHECK).is_empty());
    // Workflow commands go to stderr, never into a report on stdout.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr
            .matches("::warning title=tollgate::could not create the check run")
            .count(),
        1,
        "{stderr}"
    );
    assert!(
        stderr.contains("::error title=reviews.approvals::"),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        !stdout.contains("::error") && !stdout.contains("::add-mask::"),
        "{stdout}"
    );
    assert!(
        std::fs::metadata(s.dir.path().join("summary.md"))
            .unwrap()
            .len()
            > 0
    );
    assert_token_hidden(&out, READ_ONLY_TOKEN);
}

#[test]
fn a_5xx_after_the_write_still_leaves_exactly_one_check_run() {
    let s = scenario();
    s.fake
        .add_review(REPO, 7, ReviewSeed::new("alice", "APPROVED", &s.head));
    s.fake.inject("POST", RUNS, Fault::StatusAfterWrite(502), 1);
    let out = run(
        &s,
        "pull_request",
        &pr_payload(&s, "synchronize"),
        WRITE_TOKEN,
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let runs = s.fake.check_runs_named(REPO, CHECK);
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].conclusion.as_deref(), Some("success"));
}

#[test]
fn rate_limits_are_waited_out() {
    let s = scenario();
    s.fake.inject(
        "GET",
        "/repos/octo/widgets/pulls/7/reviews",
        Fault::TooManyRequests { retry_after: 1 },
        1,
    );
    s.fake.inject(
        "POST",
        RUNS,
        Fault::SecondaryRateLimit {
            retry_after: Some(1),
        },
        1,
    );
    let out = run(
        &s,
        "pull_request",
        &pr_payload(&s, "opened"),
        WRITE_TOKEN,
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(s.fake.check_runs_named(REPO, CHECK).len(), 1);
}

#[test]
fn github_failing_after_retries_is_exit_3_with_the_verdict_still_logged() {
    let s = scenario();
    s.fake.inject("POST", RUNS, Fault::Status(502), 100);
    let out = run(
        &s,
        "pull_request",
        &pr_payload(&s, "opened"),
        WRITE_TOKEN,
        &[],
    );
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(text(&out).contains("error: GitHub:"), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("::error title=reviews.approvals::"));
    assert!(s.fake.check_runs_named(REPO, CHECK).len() <= 1);
    assert_token_hidden(&out, WRITE_TOKEN);
}

#[test]
fn a_local_dry_run_reads_the_pull_request_but_writes_nothing() {
    let s = scenario();
    s.fake
        .add_review(REPO, 7, ReviewSeed::new("alice", "APPROVED", &s.head));
    let coverage =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/coverage/coveragepy/lcov.info");
    let out = tollgate(&s)
        .current_dir(&s.repo)
        .args([
            "check",
            "--dry-run",
            "--pr",
            "7",
            "--format",
            "json",
            "--coverage",
        ])
        .arg(coverage)
        .env("GITHUB_REPOSITORY", REPO)
        .env("GITHUB_TOKEN", WRITE_TOKEN)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["context"]["pull_request"], 7);
    assert_eq!(report["context"]["commit"], s.head.as_str());
    assert_eq!(report["evidence"]["reviews"]["approvals"], json!(["alice"]));
    assert_eq!(s.fake.count("POST", "/repos/**"), 0);
    assert_eq!(s.fake.count("PATCH", "/repos/**"), 0);
}

#[test]
fn pull_request_target_is_judged_like_a_pull_request() {
    let s = scenario();
    s.fake
        .add_review(REPO, 7, ReviewSeed::new("alice", "APPROVED", &s.head));
    let out = run(
        &s,
        "pull_request_target",
        &pr_payload(&s, "opened"),
        WRITE_TOKEN,
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let runs = s.fake.check_runs_named(REPO, CHECK);
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].head_sha, s.head);
}

#[test]
fn a_tag_push_is_judged_by_the_release_gate_on_the_tagged_commit() {
    let s = scenario();
    let sha = release_commit(&s, RELEASE_POLICY, "");
    s.fake.set_branch(REPO, "main", &sha);
    s.fake.add_lightweight_tag(REPO, "v1.4.0", &sha);
    // A lightweight tag: `after` is the commit itself.
    let out = run_at(
        &s,
        "push",
        &tag_payload("v1.4.0", &sha),
        WRITE_TOKEN,
        &sha,
        &["--format", "json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let runs = s.fake.check_runs_named(REPO, "tollgate/release");
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].head_sha, sha);
    assert_eq!(runs[0].conclusion.as_deref(), Some("success"));
    let report = json_report(&out);
    let notes = report["notes"].to_string();
    assert!(
        notes.contains(&format!(
            "policy, tollgate.toml and allowed_signers read from main at {sha}"
        )),
        "{notes}"
    );
    assert!(notes.contains("tag v1.4.0 is a lightweight tag"), "{notes}");

    s.fake.add_lightweight_tag(REPO, "v1.5.0", &sha);
    let out = run_at(
        &s,
        "push",
        &tag_payload("v1.5.0", &sha),
        WRITE_TOKEN,
        &sha,
        &[],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "no changelog section for 1.5.0: {}",
        text(&out)
    );
    assert!(
        text(&out).contains("CHANGELOG.md has no section for 1.5.0"),
        "{}",
        text(&out)
    );

    s.fake.add_lightweight_tag(REPO, "v1.5", &sha);
    let out = run_at(
        &s,
        "push",
        &tag_payload("v1.5", &sha),
        WRITE_TOKEN,
        &sha,
        &[],
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "a tag that is not semver is an input error: {}",
        text(&out)
    );
    // The tag is refused before anything is judged or posted; the earlier
    // failure (a fresh run each time the commit went back in progress)
    // still stands.
    let runs = s.fake.check_runs_named(REPO, "tollgate/release");
    assert_eq!(runs.len(), 2, "{runs:?}");
    let newest = runs.iter().max_by_key(|r| r.id).unwrap();
    assert_eq!(newest.conclusion.as_deref(), Some("failure"), "{runs:?}");
}

/// The final update of the check run fails after retries (exit 3): the
/// run was marked in progress before judging, so the commit shows a
/// pending check (which blocks a merge), never the `success` of before.
#[test]
fn a_failed_final_update_leaves_a_pending_check_never_a_stale_success() {
    let s = scenario();
    s.fake
        .add_review(REPO, 7, ReviewSeed::new("alice", "APPROVED", &s.head));
    let mut payload = pr_payload(&s, "submitted");
    payload["review"] =
        json!({"state": "approved", "user": {"login": "alice"}, "commit_id": s.head});
    let out = run(&s, "pull_request_review", &payload, WRITE_TOKEN, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let runs = s.fake.check_runs_named(REPO, CHECK);
    assert_eq!(
        runs.iter()
            .max_by_key(|r| r.id)
            .unwrap()
            .conclusion
            .as_deref(),
        Some("success")
    );

    // Every PATCH fails from now on: the in-progress mark creates a fresh
    // run (a POST), the final PATCH that would complete it fails.
    s.fake
        .inject("PATCH", "/repos/*/check-runs/*", Fault::Status(500), 100);
    let out = run(&s, "pull_request_review", &payload, WRITE_TOKEN, &[]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let runs = s.fake.check_runs_named(REPO, CHECK);
    let newest = runs.iter().max_by_key(|r| r.id).unwrap();
    assert_eq!(newest.status, "in_progress", "{runs:?}");
    assert_eq!(newest.conclusion, None);
}

#[test]
fn an_input_error_after_the_mark_completes_the_check_run_as_a_failure_saying_why() {
    let s = scenario();
    let payload = pr_payload(&s, "synchronize");
    // A second coverage report that is not one: exit 2 after the run was
    // marked in progress.
    let bad = s.dir.path().join("bad.info");
    std::fs::write(&bad, "TN:\nSF:src/a.rs\nDA:-3,1\nend_of_record\n").unwrap();
    let out = run(
        &s,
        "pull_request",
        &payload,
        WRITE_TOKEN,
        &["--coverage", bad.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let runs = s.fake.check_runs_named(REPO, CHECK);
    assert_eq!(runs.len(), 1, "{runs:?}");
    let run = &runs[0];
    assert_eq!(
        (run.status.as_str(), run.conclusion.as_deref()),
        ("completed", Some("failure")),
        "{runs:?}"
    );
    assert_eq!(
        run.title.as_deref(),
        Some("gate: could not judge"),
        "{runs:?}"
    );
    let summary = run.summary.as_deref().unwrap_or_default();
    assert!(
        summary.contains("bad.info") && summary.contains("could not judge"),
        "{summary}"
    );
}

/// The base binds `ci-ok` to ci.yml, whose job fails; the pull request
/// edits ci.yml and adds evil.yml, whose job of the same name passes later.
fn hostile_ci_ok_scenario() -> Scenario {
    let s = scenario();
    let bound = POLICY.replace(
        "required = [\"ci / test\"]",
        "required = [\"ci / test\", { name = \"ci-ok\", app = \"github-actions\", workflow = \".github/workflows/ci.yml\" }]",
    );
    git(&s.repo, &["checkout", "-q", &s.base]);
    std::fs::create_dir_all(s.repo.join(".github/workflows")).unwrap();
    std::fs::write(s.repo.join("policies/gate.toml"), &bound).unwrap();
    std::fs::write(
        s.repo.join(".github/workflows/ci.yml"),
        "on: pull_request\njobs:\n  ci-ok:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: cargo test\n",
    )
    .unwrap();
    git(&s.repo, &["add", "-A"]);
    git(&s.repo, &["commit", "-q", "-m", "base binds ci-ok"]);
    let base = git(&s.repo, &["rev-parse", "HEAD"]);
    std::fs::write(
        s.repo.join(".github/workflows/evil.yml"),
        "on: pull_request\njobs:\n  ci-ok:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: true\n",
    )
    .unwrap();
    std::fs::write(
        s.repo.join(".github/workflows/ci.yml"),
        "on: pull_request\njobs:\n  ci-ok:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: cargo test --lib\n",
    )
    .unwrap();
    git(&s.repo, &["add", "-A"]);
    git(
        &s.repo,
        &["commit", "-q", "-m", "add a ci-ok that always passes"],
    );
    let head = git(&s.repo, &["rev-parse", "HEAD"]);
    let s = Scenario { base, head, ..s };
    let fake = &s.fake;
    fake.add_pull_request(REPO, PullRequestSeed::new(7, "dev", &s.head, &s.base));
    fake.add_check_run(
        REPO,
        CheckRunSeed::completed("ci / test", &s.head, "success"),
    );
    fake.add_review(REPO, 7, ReviewSeed::new("alice", "APPROVED", &s.head));
    let ci = fake.add_workflow_run(
        REPO,
        WorkflowRunSeed::completed(".github/workflows/ci.yml", &s.head, "failure"),
    );
    fake.add_check_run(
        REPO,
        CheckRunSeed::completed("ci-ok", &s.head, "failure").in_workflow(ci),
    );
    let evil = fake.add_workflow_run(
        REPO,
        WorkflowRunSeed::completed(".github/workflows/evil.yml", &s.head, "success"),
    );
    // Newer than ci.yml's: under a plain name it would decide.
    fake.add_check_run(
        REPO,
        CheckRunSeed::completed("ci-ok", &s.head, "success").in_workflow(evil),
    );

    s
}

#[test]
fn a_same_named_check_from_a_workflow_the_pr_adds_does_not_hide_a_red_ci() {
    let s = hostile_ci_ok_scenario();
    let fake = &s.fake;
    let out = run(
        &s,
        "pull_request",
        &pr_payload(&s, "synchronize"),
        WRITE_TOKEN,
        &["--format", "json"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    // Workflow commands (`::add-mask::`) may share stdout with the report.
    let stdout = String::from_utf8_lossy(&out.stdout);
    let json_text: String = stdout
        .lines()
        .skip_while(|l| !l.starts_with('{'))
        .collect::<Vec<_>>()
        .join("\n");
    let report: Value = serde_json::from_str(&json_text).unwrap();
    assert_eq!(report["conclusion"], "fail", "{report}");
    let rule = report["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "checks.required[ci-ok]")
        .unwrap();
    assert_eq!(rule["status"], "fail");
    assert_eq!(
        rule["message"],
        "`ci-ok` from .github/workflows/ci.yml concluded failure; a `ci-ok` from .github/workflows/evil.yml was ignored"
    );
    let notes: Vec<&str> = report["notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        notes.contains(&"checks.required[ci-ok]: this pull request changes .github/workflows/ci.yml, which produces it; its result comes from the pull request's own CI definition"),
        "{notes:?}"
    );
    // Every other rule passed: the bound check alone keeps the gate shut,
    // and the check run on GitHub says why.
    let failing: Vec<&Value> = report["rules"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] != "pass")
        .map(|r| &r["id"])
        .collect();
    assert_eq!(failing, [&json!("checks.required[ci-ok]")]);
    let runs = fake.check_runs_named(REPO, CHECK);
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].conclusion.as_deref(), Some("failure"));
    let shown = format!(
        "{}{}",
        runs[0].summary.clone().unwrap_or_default(),
        runs[0].text.clone().unwrap_or_default()
    );
    assert!(shown.contains("evil.yml was ignored"), "{shown}");
}

// ---- signed overrides posted as pull-request comments -------------------

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/overrides")
}

/// A document bound to this scenario's head commit, signed by a test key
/// with `tollgate override sign`, and the comment `override comment` prints
/// for it.
fn signed_comment(s: &Scenario, name: &str, key: &str, reason: &str) -> String {
    let doc = s.dir.path().join(name);
    std::fs::write(
        &doc,
        format!(
            "tollgate-override: 1\nrepository: {REPO}\ncommit: {}\ngate: gate\nrules: reviews.approvals\nreason: {reason}\nexpires: 2099-12-31T00:00:00Z\n",
            s.head
        ),
    )
    .unwrap();
    let out = tollgate(s)
        .args(["override", "sign", "--key"])
        .arg(fixtures().join("keys").join(key))
        .arg(&doc)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let out = tollgate(s)
        .args(["override", "comment"])
        .arg(&doc)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    String::from_utf8(out.stdout).unwrap()
}

fn comment(s: &Scenario, login: &str, body: &str) {
    s.fake.add_comment(
        REPO,
        7,
        CommentSeed {
            login: login.into(),
            bot: false,
            body: body.into(),
            author_association: "NONE".into(),
        },
    );
}

/// The JSON report on standard output (after any workflow commands).
fn json_report(out: &Output) -> Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let start = stdout
        .find("\n{")
        .map_or_else(|| stdout.find('{').unwrap(), |i| i + 1);
    serde_json::from_str(&stdout[start..]).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

/// A maintainer's signed override pasted as a comment (on the second page
/// of comments) waives the failing rule; a forged one (a key the trusted
/// `allowed_signers` does not list), a tampered copy, one bound elsewhere
/// and a quoted copy do not; all but the quote are listed under `rejected`
/// with their reasons in the JSON report and the check run's summary, with
/// the hostile text rendered inert.
#[test]
fn a_signed_override_in_a_comment_applies_and_forged_ones_are_rejected() {
    let signers = std::fs::read_to_string(fixtures().join("allowed_signers")).unwrap();
    let s = scenario_with(
        &format!("{POLICY}\n[overrides]\nsigners = \"allowed_signers\"\nmax_days = 36500\n"),
        &[("policies/allowed_signers", signers.as_str())],
    );
    // Chatter first: the waiver is on page two (100 per page).
    for i in 0..100 {
        comment(&s, "dev", &format!("ping {i}\n```\nnot a document\n```"));
    }
    let valid = signed_comment(&s, "waiver.txt", "alice", "hotfix; reviewed by phone");
    comment(&s, "alice", &valid.replace('\n', "\r\n"));
    // Someone quoting the waiver does not submit it again.
    let quoted: String = valid.lines().flat_map(|l| ["> ", l, "\n"]).collect();
    comment(&s, "bystander", &format!("{quoted}\nthanks!"));
    // Mallory's key is not in the base branch's allowed_signers.
    let forged = signed_comment(&s, "forged.txt", "mallory", "trust me");
    comment(&s, "mallory", &forged);
    // Alice's signature under an edited reason.
    let tampered = valid.replace("hotfix; reviewed by phone", "nobody will notice");
    comment(&s, "mallory", &tampered);
    // A document whose text lands in a reason is rendered inert.
    let hostile = valid.replace(
        "gate: gate\n",
        "gate: @everyone ![x](https://evil.example/x.png) <img src=x>\n",
    );
    comment(&s, "mallory", &hostile);

    let out = run(
        &s,
        "pull_request",
        &pr_payload(&s, "synchronize"),
        WRITE_TOKEN,
        &["--format", "json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let report = json_report(&out);
    let rule = report["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "reviews.approvals")
        .unwrap();
    assert_eq!(rule["status"], "overridden", "{report}");
    let overrides = report["overrides"].as_array().unwrap();
    assert_eq!(overrides.len(), 1, "{report}");
    assert_eq!(overrides[0]["signer"], "alice@example.org");
    assert_eq!(overrides[0]["reason"], "hotfix; reviewed by phone");
    let source = overrides[0]["source"].as_str().unwrap();
    assert!(
        source.starts_with("comment #")
            && source.contains(" by @alice, https://github.com/octo/widgets/pull/7#issuecomment-"),
        "{source}"
    );

    let rejected = report["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 3, "{report}");
    let by = |who: &str, what: &str| {
        rejected
            .iter()
            .find(|r| {
                r["source"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("by @{who}"))
                    && r["reason"].as_str().unwrap().contains(what)
            })
            .unwrap_or_else(|| panic!("no rejection of @{who} for {what:?} in {report}"))
    };
    let unlisted = by("mallory", "is not listed in policies/allowed_signers");
    assert_eq!(unlisted["kind"], "override");
    assert_eq!(unlisted["rules"], json!(["reviews.approvals"]));
    assert_eq!(unlisted["signer"], Value::Null);
    let edited = by("mallory", "does not match the document");
    assert_eq!(edited["kind"], "override");
    by("mallory", "bound to gate @everyone");

    let runs = s.fake.check_runs_named(REPO, CHECK);
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].conclusion.as_deref(), Some("success"));
    // Inert Markdown puts an invisible joiner after each `@`.
    let raw_summary = runs[0].summary.clone().unwrap();
    let summary = raw_summary.replace('\u{200d}', "");
    assert!(summary.contains("### Overrides"), "{summary}");
    assert!(
        summary.contains("`reviews.approvals` waived by alice@example.org"),
        "{summary}"
    );
    assert!(
        summary.contains("### Rejected signed documents"),
        "{summary}"
    );
    assert!(
        summary.contains("is not listed in policies/allowed_signers"),
        "{summary}"
    );
    assert!(summary.contains("does not match the document"), "{summary}");
    // The forged text is inert: no mention, no link.
    assert!(summary.contains("bound to gate @everyone"), "{summary}");
    // (`\<img` is shown as text; a bare `<img` would be HTML.)
    let unescaped = raw_summary.replace("\\<", "");
    for live in ["@everyone", "![x](", "<img", "https://evil"] {
        assert!(!unescaped.contains(live), "{live} in {summary}");
    }
}

// ---- release tags -------------------------------------------------------

const RELEASE_POLICY: &str = "schema = 1\nname = \"release\"\nversion = \"1.0.0\"\n[release]\nchangelog = \"CHANGELOG.md\"\n";

/// [`RELEASE_POLICY`] with one sign-off by alice, signers from the
/// fixtures' `allowed_signers` (alice, bob, carol; never mallory).
const SIGNOFF_POLICY: &str = "schema = 1\nname = \"release\"\nversion = \"1.0.0\"\n[release]\nchangelog = \"CHANGELOG.md\"\n[[signoffs]]\nid = \"security-audit\"\ntitle = \"Security audit complete\"\nprincipals = [\"alice@example.org\"]\ncount = 1\n[overrides]\nsigners = \"allowed_signers\"\nmax_days = 36500\n";

/// Commits a release on the current branch: the release gate `policy`,
/// the fixtures' `allowed_signers`, a changelog with 1.4.0, and `extra`
/// appended to `tollgate.toml`. Returns the commit.
fn release_commit(s: &Scenario, policy: &str, extra: &str) -> String {
    std::fs::write(
        s.repo.join("tollgate.toml"),
        format!("policy_dir = \"policies\"\n[gates]\npull_request = \"gate\"\nrelease = \"release\"\nprerelease = \"gate\"\n{extra}"),
    )
    .unwrap();
    std::fs::write(s.repo.join("policies/release.toml"), policy).unwrap();
    std::fs::copy(
        fixtures().join("allowed_signers"),
        s.repo.join("policies/allowed_signers"),
    )
    .unwrap();
    std::fs::write(
        s.repo.join("CHANGELOG.md"),
        "# Changelog\n\n## [1.4.0] - 2026-11-25\n\n- Faster.\n",
    )
    .unwrap();
    git(&s.repo, &["add", "-A"]);
    git(&s.repo, &["commit", "-q", "-m", "release"]);
    git(&s.repo, &["rev-parse", "HEAD"])
}

/// A push of `refs/tags/NAME` whose ref names `after` (the commit, or the
/// tag object of an annotated tag).
fn tag_payload(name: &str, after: &str) -> Value {
    json!({
        "ref": format!("refs/tags/{name}"),
        "before": "0000000000000000000000000000000000000000",
        "after": after,
        "created": true,
        "repository": {"full_name": REPO, "default_branch": "main"}
    })
}

/// A `security-audit` sign-off for `commit`, signed by the fixture key
/// `key` with `tollgate override sign`, as `override comment` renders it:
/// the block a tag message carries.
fn signoff_block(s: &Scenario, key: &str, commit: &str) -> String {
    let doc = s.dir.path().join(format!("signoff-{key}-{commit}.txt"));
    std::fs::write(
        &doc,
        format!(
            "tollgate-override: 1\nrepository: {REPO}\ncommit: {commit}\ngate: release\nsignoff: security-audit\nreason: audited by {key}\nexpires: 2099-12-31T00:00:00Z\n"
        ),
    )
    .unwrap();
    let out = tollgate(s)
        .args(["override", "sign", "--key"])
        .arg(fixtures().join("keys").join(key))
        .arg(&doc)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let out = tollgate(s)
        .args(["override", "comment"])
        .arg(&doc)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    String::from_utf8(out.stdout).unwrap()
}

/// Creates the annotated tag `name` on HEAD with real git (signed by the
/// fixture key `git_key` with `git tag -s`, SSH format, when given),
/// mirrors it into the fake GitHub (ref and tag object, message as git
/// stored it) and returns the tag object's id.
fn annotated_tag(s: &Scenario, name: &str, message: &str, git_key: Option<&str>) -> String {
    let file = s.dir.path().join(format!("tag-{name}.txt"));
    std::fs::write(&file, message).unwrap();
    let file = file.display().to_string();
    match git_key {
        None => git(
            &s.repo,
            &["tag", "-a", "--cleanup=verbatim", "-F", &file, name],
        ),
        Some(key) => {
            // ssh-keygen refuses a private key others can read.
            let copy = s.dir.path().join(format!("git-key-{key}"));
            std::fs::copy(fixtures().join("keys").join(key), &copy).unwrap();
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt as _;
                std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o600)).unwrap();
            }
            let signing_key = format!("user.signingkey={}", copy.display());
            git(
                &s.repo,
                &[
                    "-c",
                    "gpg.format=ssh",
                    "-c",
                    &signing_key,
                    "tag",
                    "-s",
                    "--cleanup=verbatim",
                    "-F",
                    &file,
                    name,
                ],
            )
        }
    };
    let object = git(&s.repo, &["rev-parse", &format!("refs/tags/{name}")]);
    let commit = git(
        &s.repo,
        &["rev-parse", &format!("refs/tags/{name}^{{commit}}")],
    );
    let raw = git(&s.repo, &["cat-file", "tag", &object]);
    let stored = raw.split_once("\n\n").unwrap().1;
    s.fake.add_tag_object(
        REPO,
        &object,
        name,
        &format!("{stored}\n"),
        "commit",
        &commit,
    );
    s.fake
        .set_git_ref(REPO, &format!("tags/{name}"), "tag", &object);
    object
}

fn rule<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no rule {id} in {report}"))
}

/// An annotated tag: the push's `after` is the tag object, `GITHUB_SHA`
/// the commit. The commit is judged (every API call and the check run are
/// on it), and alice's sign-off in the tag message counts, the tag's own
/// `git tag -s` signature being no document's.
#[test]
fn an_annotated_tag_is_judged_at_its_commit_and_its_signoff_counts() {
    let s = scenario();
    let sha = release_commit(&s, SIGNOFF_POLICY, "");
    s.fake.set_branch(REPO, "main", &sha);
    let block = signoff_block(&s, "alice", &sha);
    let message = format!("Release v1.4.0\n\n{block}");
    let object = annotated_tag(&s, "v1.4.0", &message, Some("bob"));
    assert_ne!(object, sha);
    let stored = git(&s.repo, &["cat-file", "tag", &object]);
    assert!(stored.contains("-----BEGIN SSH SIGNATURE-----"), "{stored}");

    let out = run_at(
        &s,
        "push",
        &tag_payload("v1.4.0", &object),
        WRITE_TOKEN,
        &sha,
        &["--format", "json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let report = json_report(&out);
    assert_eq!(report["context"]["commit"], sha.as_str(), "{report}");
    assert_eq!(report["context"]["tag"], "v1.4.0");
    let r = rule(&report, "signoff[security-audit]");
    assert_eq!(r["status"], "pass", "{report}");
    assert_eq!(r["message"], "signed by alice@example.org");
    assert_eq!(report["rejected"], json!([]), "{report}");
    let runs = s.fake.check_runs_named(REPO, "tollgate/release");
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].head_sha, sha, "the check run is on the commit");
    assert_eq!(runs[0].conclusion.as_deref(), Some("success"));
    // The tag was peeled through the API; nothing else named the tag object.
    let requests = s.fake.requests();
    assert!(requests
        .iter()
        .any(|r| r.path == "/repos/octo/widgets/git/ref/tags/v1.4.0"));
    assert!(requests
        .iter()
        .any(|r| r.path == format!("/repos/octo/widgets/git/tags/{object}")));
    for r in &requests {
        assert!(
            !r.path.contains(&object) || r.path.contains("/git/tags/"),
            "{} {}",
            r.method,
            r.path
        );
        assert!(r.status < 400, "{} {} -> {}", r.method, r.path, r.status);
    }
}

/// A forged sign-off (mallory is in no trusted `allowed_signers`) and one
/// alice signed for another commit are listed as rejected from the tag
/// message, in the JSON report and the check run, and the sign-off fails.
#[test]
fn forged_and_misbound_signoffs_in_a_tag_message_are_rejected() {
    let s = scenario();
    let sha = release_commit(&s, SIGNOFF_POLICY, "");
    s.fake.set_branch(REPO, "main", &sha);
    let forged = signoff_block(&s, "mallory", &sha);
    let elsewhere = signoff_block(&s, "alice", &s.base);
    let message = format!("Release v1.4.0\n\n{forged}\n{elsewhere}");
    let object = annotated_tag(&s, "v1.4.0", &message, None);

    let out = run_at(
        &s,
        "push",
        &tag_payload("v1.4.0", &object),
        WRITE_TOKEN,
        &sha,
        &["--format", "json"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report = json_report(&out);
    assert_eq!(rule(&report, "signoff[security-audit]")["status"], "fail");
    let rejected = report["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 2, "{report}");
    for r in rejected {
        assert_eq!(r["source"], "tag v1.4.0 message", "{r}");
        assert_eq!(r["kind"], "sign-off", "{r}");
    }
    let reasons: Vec<&str> = rejected
        .iter()
        .map(|r| r["reason"].as_str().unwrap())
        .collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("is not listed in policies/allowed_signers")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.contains(&format!("bound to commit {}", s.base))),
        "{reasons:?}"
    );
    let runs = s.fake.check_runs_named(REPO, "tollgate/release");
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].head_sha, sha);
    assert_eq!(runs[0].conclusion.as_deref(), Some("failure"));
    let summary = runs[0].summary.clone().unwrap();
    assert!(
        summary.contains("### Rejected signed documents"),
        "{summary}"
    );
    assert!(summary.contains("tag v1.4.0 message"), "{summary}");
}

/// A tag on a side-branch commit whose tree adds mallory to its own
/// `allowed_signers` and sign-off principals: the policy and signers come
/// from main, so mallory's sign-off is rejected and the gate fails.
#[test]
fn a_tag_whose_tree_adds_its_own_signer_still_fails() {
    let s = scenario();
    git(
        &s.repo,
        &[
            "remote",
            "add",
            "origin",
            "https://github.com/octo/widgets.git",
        ],
    );
    let main = release_commit(&s, SIGNOFF_POLICY, "");
    s.fake.set_branch(REPO, "main", &main);
    git(&s.repo, &["checkout", "-q", "-b", "side"]);
    let mallory = std::fs::read_to_string(fixtures().join("keys/mallory.pub")).unwrap();
    let key = mallory
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ");
    let signers = std::fs::read_to_string(s.repo.join("policies/allowed_signers")).unwrap();
    let signers = format!("{signers}mallory@example.org namespaces=\"tollgate\" {key}\n");
    std::fs::write(s.repo.join("policies/allowed_signers"), signers).unwrap();
    std::fs::write(
        s.repo.join("policies/release.toml"),
        SIGNOFF_POLICY.replace("[\"alice@example.org\"]", "[\"mallory@example.org\"]"),
    )
    .unwrap();
    git(&s.repo, &["commit", "-q", "-am", "trust me"]);
    let side = git(&s.repo, &["rev-parse", "HEAD"]);
    let block = signoff_block(&s, "mallory", &side);
    let object = annotated_tag(&s, "v1.4.0", &format!("Release v1.4.0\n\n{block}"), None);

    // The side branch's own policy would pass it.
    let out = tollgate(&s)
        .current_dir(&s.repo)
        .args(["check", "--tag", "v1.4.0", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    let out = run_at(
        &s,
        "push",
        &tag_payload("v1.4.0", &object),
        WRITE_TOKEN,
        &side,
        &["--format", "json"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report = json_report(&out);
    let r = rule(&report, "signoff[security-audit]");
    assert_eq!(r["status"], "fail", "{report}");
    let rejected = report["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 1, "{report}");
    assert!(
        rejected[0]["reason"]
            .as_str()
            .unwrap()
            .contains("is not listed in policies/allowed_signers"),
        "{report}"
    );
    assert!(
        report["notes"].to_string().contains(&format!(
            "policy, tollgate.toml and allowed_signers read from main at {main}"
        )),
        "{report}"
    );
    let runs = s.fake.check_runs_named(REPO, "tollgate/release");
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].head_sha, side);
    assert_eq!(runs[0].conclusion.as_deref(), Some("failure"));
}

/// `[release] branch` on the default branch names another protected
/// branch: the policy is read from there.
#[test]
fn the_release_branch_tollgate_toml_names_is_the_trusted_one() {
    let s = scenario();
    // `stable` holds a policy that demands a sign-off; main points there.
    let stable = release_commit(&s, SIGNOFF_POLICY, "");
    git(&s.repo, &["branch", "stable"]);
    let main = release_commit(&s, RELEASE_POLICY, "[release]\nbranch = \"stable\"\n");
    s.fake.set_branch(REPO, "main", &main);
    s.fake.set_branch(REPO, "stable", &stable);
    s.fake.add_lightweight_tag(REPO, "v1.4.0", &main);
    let out = run_at(
        &s,
        "push",
        &tag_payload("v1.4.0", &main),
        WRITE_TOKEN,
        &main,
        &["--format", "json"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report = json_report(&out);
    assert_eq!(rule(&report, "signoff[security-audit]")["status"], "fail");
    assert!(
        report["notes"].to_string().contains(&format!(
            "policy, tollgate.toml and allowed_signers read from stable at {stable}"
        )),
        "{report}"
    );
}

/// A tag that GitHub says points at another commit than the run's
/// `GITHUB_SHA` (moved since the push) cannot be judged: exit 2, no check run.
#[test]
fn a_tag_that_moved_since_the_push_cannot_be_judged() {
    let s = scenario();
    let sha = release_commit(&s, RELEASE_POLICY, "");
    s.fake.set_branch(REPO, "main", &sha);
    s.fake.add_lightweight_tag(REPO, "v1.4.0", &s.base);
    let out = run_at(
        &s,
        "push",
        &tag_payload("v1.4.0", &sha),
        WRITE_TOKEN,
        &sha,
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains(&format!(
            "tag v1.4.0 points at commit {}, but this run is for {sha}",
            s.base
        )),
        "{}",
        text(&out)
    );
    assert!(s.fake.check_runs_named(REPO, "tollgate/release").is_empty());
}

/// `check --tag` locally: a tag not made yet is an error, or with
/// `--preview` a dry run of it; an
/// existing tag must be checked out, and its message's sign-offs count.
#[test]
fn a_local_tag_check_judges_head_and_reads_the_local_tag_message() {
    let s = scenario();
    git(
        &s.repo,
        &[
            "remote",
            "add",
            "origin",
            "https://github.com/octo/widgets.git",
        ],
    );
    let sha = release_commit(&s, SIGNOFF_POLICY, "");
    let local = |tag: &str| {
        tollgate(&s)
            .current_dir(&s.repo)
            .args(["check", "--tag", tag, "--format", "json"])
            .output()
            .unwrap()
    };

    // A tag that does not exist is an error (a misspelt tag must not judge
    // HEAD as a release) ...
    let out = local("v1.4.0");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("tag v1.4.0 does not exist in this repository")
            && text(&out).contains("pass --preview"),
        "{}",
        text(&out)
    );
    // ... unless --preview asks to judge HEAD as if it were tagged.
    let out = tollgate(&s)
        .current_dir(&s.repo)
        .args(["check", "--tag", "v1.4.0", "--preview", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report = json_report(&out);
    assert!(
        report["notes"].to_string().contains(
            "preview: tag v1.4.0 does not exist yet; judged HEAD as if it were tagged v1.4.0"
        ),
        "{report}"
    );
    assert_eq!(rule(&report, "signoff[security-audit]")["status"], "fail");

    let block = signoff_block(&s, "alice", &sha);
    annotated_tag(&s, "v1.4.0", &format!("Release v1.4.0\n\n{block}"), None);
    let out = local("v1.4.0");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let report = json_report(&out);
    assert_eq!(rule(&report, "signoff[security-audit]")["status"], "pass");

    git(
        &s.repo,
        &["commit", "-q", "--allow-empty", "-m", "after the tag"],
    );
    let head = git(&s.repo, &["rev-parse", "HEAD"]);
    let out = local("v1.4.0");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains(&format!(
            "tag v1.4.0 points at {sha}, HEAD is {head}: check out the tag"
        )),
        "{}",
        text(&out)
    );
}

/// Without a token the tag is peeled and read from the local clone, and
/// the policy from `origin/main`; a lightweight local copy of an annotated
/// tag (what `actions/checkout` leaves unless the tag object is fetched)
/// is said to hide the message.
#[test]
fn without_a_token_the_local_clone_has_the_tag_and_the_release_branch() {
    let s = scenario();
    let sha = release_commit(&s, SIGNOFF_POLICY, "");
    git(&s.repo, &["update-ref", "refs/remotes/origin/main", &sha]);
    let block = signoff_block(&s, "alice", &sha);
    let object = annotated_tag(&s, "v1.4.0", &format!("Release v1.4.0\n\n{block}"), None);
    let out = run_at(
        &s,
        "push",
        &tag_payload("v1.4.0", &object),
        "",
        &sha,
        &["--format", "json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let report = json_report(&out);
    assert_eq!(rule(&report, "signoff[security-audit]")["status"], "pass");
    assert!(
        report["notes"].to_string().contains(&format!(
            "policy, tollgate.toml and allowed_signers read from main at {sha}"
        )),
        "{report}"
    );

    // The flattened copy: same name, now a lightweight tag.
    git(&s.repo, &["tag", "-f", "v1.4.0", &sha]);
    let out = run_at(
        &s,
        "push",
        &tag_payload("v1.4.0", &object),
        "",
        &sha,
        &["--format", "json"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report = json_report(&out);
    assert_eq!(rule(&report, "signoff[security-audit]")["status"], "fail");
    assert!(
        report["notes"]
            .to_string()
            .contains("but the local clone holds a lightweight copy"),
        "{report}"
    );
}
