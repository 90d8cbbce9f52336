//! The privileged judge, end to end: the real binary as a `workflow_run` job
//! (`check --github --evidence-dir DIR`) against the fake GitHub, which holds
//! the pull requests, reviews, check runs, the evidence workflow's runs and
//! their artifacts (real zips). Every assertion is on what GitHub holds
//! afterwards, or on what the binary sent.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::support::git::git;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};

use serde_json::{json, Value};

use crate::support::fake_github::{
    CheckRun, CheckRunSeed, FakeGitHub, Fault, PullRequestSeed, ReviewSeed, WorkflowRunSeed,
    WRITE_TOKEN,
};

const REPO: &str = "octo/widgets";
const CHECK: &str = "tollgate/gate";
const EVIDENCE: &str = ".github/workflows/tollgate-evidence.yml";
const RELAY: &str = ".github/workflows/tollgate-review.yml";
const CONFIG: &str = "policy_dir = \"policies\"\n[gates]\npull_request = \"gate\"\npush = \"gate\"\n[evidence]\ncoverage = [\"target/lcov.info\"]\n";
const POLICY: &str = "schema = 1\nname = \"gate\"\nversion = \"1.0.0\"\n\n[coverage]\nlines = 50.0\n\n[reviews]\napprovals = 1\n\n[checks]\nrequired = [\"ci-ok\"]\n";

struct Scenario {
    dir: tempfile::TempDir,
    /// The judge's checkout: the default branch, at `base`.
    repo: PathBuf,
    base: String,
    head: String,
    fake: FakeGitHub,
}

fn lcov() -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/coverage/coveragepy/lcov.info"),
    )
    .unwrap()
}

/// A real zip, deflated, of `entries`.
fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        w.start_file(*name, opts).unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// A base commit holding the policy (the default branch, checked out for the
/// judge) and a head commit that tries to lower it. The head is left in the
/// clone: the judge must still read the base.
fn scenario() -> Scenario {
    scenario_with(CONFIG, POLICY)
}

/// [`scenario`] with the base commit's own configuration and policy.
fn scenario_with(config: &str, policy: &str) -> Scenario {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(repo.join("policies")).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    std::fs::write(repo.join("tollgate.toml"), config).unwrap();
    std::fs::write(repo.join("policies/gate.toml"), policy).unwrap();
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "base"]);
    let base = git(&repo, &["rev-parse", "HEAD"]);
    git(&repo, &["checkout", "-q", "-b", "feature"]);
    std::fs::write(
        repo.join("policies/gate.toml"),
        POLICY
            .replace("approvals = 1", "approvals = 0")
            .replace("lines = 50.0", "lines = 0.0"),
    )
    .unwrap();
    std::fs::write(
        repo.join("tollgate.toml"),
        CONFIG.replace("pull_request = \"gate\"", "pull_request = \"lax\""),
    )
    .unwrap();
    git(&repo, &["commit", "-q", "-am", "head lowers the bar"]);
    let head = git(&repo, &["rev-parse", "HEAD"]);
    git(&repo, &["checkout", "-q", "main"]);

    let fake = FakeGitHub::start();
    fake.add_repo(REPO);
    fake.add_pull_request(REPO, PullRequestSeed::new(7, "dev", &head, &base));
    fake.add_check_run(REPO, CheckRunSeed::completed("ci-ok", &head, "success"));
    Scenario {
        dir,
        repo,
        base,
        head,
        fake,
    }
}

/// A run of the evidence workflow on `sha` with its artifact (when given).
fn evidence_run(s: &Scenario, sha: &str, conclusion: Option<&str>, zip: Option<Vec<u8>>) -> u64 {
    let mut seed = WorkflowRunSeed::completed(EVIDENCE, sha, conclusion.unwrap_or("success"));
    if conclusion.is_none() {
        "in_progress".clone_into(&mut seed.status);
        seed.conclusion = None;
    }
    let id = s.fake.add_workflow_run(REPO, seed);
    if let Some(zip) = zip {
        s.fake.add_artifact(REPO, id, "tollgate-evidence", zip);
    }
    id
}

fn good_zip() -> Vec<u8> {
    zip_of(&[("target/lcov.info", &lcov())])
}

/// The `workflow_run` payload of a completed run.
fn payload(id: u64, path: &str, event: &str, conclusion: &str, sha: &str, minute: u32) -> Value {
    json!({
        "action": "completed",
        "workflow_run": {
            "id": id,
            "name": path.rsplit('/').next().unwrap(),
            "path": path,
            "event": event,
            "status": "completed",
            "conclusion": conclusion,
            "head_sha": sha,
            "head_branch": "feature",
            "head_repository": {"full_name": REPO},
            "pull_requests": [],
            "html_url": format!("https://github.com/{REPO}/actions/runs/{id}"),
            "run_attempt": 1,
            "updated_at": format!("2026-11-30T10:{minute:02}:00Z"),
        },
        "repository": {"full_name": REPO, "default_branch": "main"}
    })
}

static CALLS: AtomicU32 = AtomicU32::new(0);

/// Runs the judge with `payload` as its `workflow_run` event.
fn judge(s: &Scenario, payload: &Value, env: &[(&str, &str)]) -> (Output, PathBuf) {
    let n = CALLS.fetch_add(1, Ordering::SeqCst);
    let event = s.dir.path().join(format!("event-{n}.json"));
    std::fs::write(&event, payload.to_string()).unwrap();
    let evidence = s.dir.path().join(format!("evidence-{n}"));
    let report = s.dir.path().join(format!("report-{n}.json"));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tollgate"));
    cmd.env_clear()
        .envs(crate::support::coverage::profile_env())
        .current_dir(&s.repo)
        .env("PATH", std::env::var_os("PATH").unwrap())
        .env("HOME", s.dir.path())
        .env("GITHUB_API_URL", s.fake.url())
        .env("TOLLGATE_RETRY_SCALE", "0.01")
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", "workflow_run")
        .env("GITHUB_EVENT_PATH", &event)
        .env("GITHUB_REPOSITORY", REPO)
        .env("GITHUB_SHA", &s.base)
        .env("GITHUB_SERVER_URL", "https://github.example")
        .env("GITHUB_RUN_ID", "900")
        .env("GITHUB_TOKEN", WRITE_TOKEN)
        .env("GITHUB_STEP_SUMMARY", s.dir.path().join("summary.md"))
        .env("GITHUB_OUTPUT", s.dir.path().join("output.txt"))
        .env("RUNNER_TEMP", s.dir.path())
        .args(["check", "--github", "--format", "json", "--output"])
        .arg(&report)
        .arg("--evidence-dir")
        .arg(&evidence);
    for (k, v) in env {
        cmd.env(k, v);
    }
    (cmd.output().unwrap(), report)
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The newest `tollgate/gate` run on `sha` (what GitHub shows).
fn shown(s: &Scenario, sha: &str) -> CheckRun {
    s.fake
        .check_runs_named(REPO, CHECK)
        .into_iter()
        .filter(|r| r.head_sha == sha)
        .max_by_key(|r| r.id)
        .expect("a tollgate/gate check run")
}

fn all_text(run: &CheckRun) -> String {
    format!(
        "{}\n{}\n{}",
        run.title.clone().unwrap_or_default(),
        run.summary.clone().unwrap_or_default(),
        run.text.clone().unwrap_or_default()
    )
}

/// Runs the judge, which must exit 0 once it has posted, and returns the
/// conclusion of the check run now on the head commit.
fn posted_conclusion(s: &Scenario, payload: &Value) -> Option<String> {
    let (out, _) = judge(s, payload, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    shown(s, &s.head).conclusion
}

#[test]
fn a_same_repository_pull_request_is_judged_when_its_evidence_run_completes() {
    let s = scenario();
    let run = evidence_run(&s, &s.head, Some("success"), Some(good_zip()));
    let (out, report) = judge(
        &s,
        &payload(run, EVIDENCE, "pull_request", "success", &s.head, 1),
        &[],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "exit 0 once posted: {}",
        text(&out)
    );
    let runs = s.fake.check_runs_named(REPO, CHECK);
    assert_eq!(runs.len(), 1);
    let posted = &runs[0];
    assert_eq!(posted.head_sha, s.head);
    assert_eq!(posted.status, "completed");
    assert_eq!(
        posted.conclusion.as_deref(),
        Some("failure"),
        "no approval yet: {}",
        all_text(posted)
    );
    assert!(all_text(posted).contains("reviews.approvals"));
    assert!(
        all_text(posted).contains("Judged: #7 → main"),
        "{}",
        all_text(posted)
    );
    assert_eq!(
        posted.details_url.as_deref(),
        Some("https://github.example/octo/widgets/actions/runs/900")
    );
    let external = posted.external_id.clone().unwrap();
    assert!(
        external.starts_with(&format!("{CHECK}@{}#", s.head)),
        "{external}"
    );
    // The artifact came through a redirect to another origin, without the token.
    let requests = s.fake.requests();
    let api = requests
        .iter()
        .find(|r| r.path.ends_with("/zip"))
        .expect("the artifact was requested from the API");
    assert_eq!(api.status, 302);
    assert!(api.header("authorization").is_some());
    let storage = requests
        .iter()
        .find(|r| r.path.starts_with("/_storage/"))
        .expect("the storage URL was followed");
    assert_eq!(storage.status, 200);
    assert_eq!(
        storage.header("authorization"),
        None,
        "token sent to storage"
    );
    assert!(storage.header("host").unwrap().starts_with("localhost"));
    // The JSON report holds the evaluation with the full verdict.
    let report: Value = serde_json::from_str(&std::fs::read_to_string(report).unwrap()).unwrap();
    let evaluations = report["evaluations"].as_array().unwrap();
    assert_eq!(evaluations.len(), 1);
    assert_eq!(evaluations[0]["pull_request"], 7);
    assert_eq!(evaluations[0]["report"]["gate"], "gate");
    assert_eq!(evaluations[0]["report"]["conclusion"], "fail");
    let outputs = std::fs::read_to_string(s.dir.path().join("output.txt")).unwrap();
    assert!(outputs.contains("\nfail\n"), "{outputs}");
}

#[test]
fn a_fork_pull_request_is_found_by_its_head_sha_and_judged_by_the_base_policy() {
    let s = scenario();
    let fork_head = "f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0";
    let mut pr = PullRequestSeed::new(12, "outsider", fork_head, &s.base);
    pr.fork = true;
    s.fake.add_pull_request(REPO, pr);
    s.fake
        .add_check_run(REPO, CheckRunSeed::completed("ci-ok", fork_head, "success"));
    s.fake
        .add_review(REPO, 12, ReviewSeed::new("alice", "APPROVED", fork_head));
    let run = evidence_run(&s, fork_head, Some("success"), Some(good_zip()));
    let mut event = payload(run, EVIDENCE, "pull_request", "success", fork_head, 1);
    event["workflow_run"]["head_repository"]["full_name"] = json!("outsider/widgets");
    assert_eq!(event["workflow_run"]["pull_requests"], json!([]));
    let (out, _) = judge(&s, &event, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let posted = shown(&s, fork_head);
    assert_eq!(
        posted.conclusion.as_deref(),
        Some("success"),
        "{}",
        all_text(&posted)
    );
    assert!(all_text(&posted).contains("#12 → main"));
    // Pull request #7 has another head: nothing is posted on it.
    assert!(s
        .fake
        .check_runs_named(REPO, CHECK)
        .iter()
        .all(|r| r.head_sha == fork_head));
}

#[test]
fn a_review_rejudges_with_the_uploaded_evidence_approval_green_change_request_red() {
    let s = scenario();
    let evidence = evidence_run(&s, &s.head, Some("success"), Some(good_zip()));
    assert_eq!(
        posted_conclusion(
            &s,
            &payload(evidence, EVIDENCE, "pull_request", "success", &s.head, 1)
        )
        .as_deref(),
        Some("failure")
    );

    // An approval: the relay's run completes; no new evidence run.
    s.fake
        .add_review(REPO, 7, ReviewSeed::new("alice", "APPROVED", &s.head));
    let relay = s
        .fake
        .add_workflow_run(REPO, WorkflowRunSeed::completed(RELAY, &s.head, "success"));
    let (out, _) = judge(
        &s,
        &payload(relay, RELAY, "pull_request_review", "success", &s.head, 2),
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let green = shown(&s, &s.head);
    assert_eq!(
        green.conclusion.as_deref(),
        Some("success"),
        "{}",
        all_text(&green)
    );
    assert_eq!(
        s.fake
            .workflow_runs(REPO)
            .iter()
            .filter(|w| w.seed.path == EVIDENCE)
            .count(),
        1,
        "judged on the evidence already uploaded"
    );
    assert_eq!(
        s.fake
            .count("GET", "/repos/octo/widgets/actions/artifacts/*/zip"),
        2
    );

    // A later change request turns it red.
    s.fake.add_review(
        REPO,
        7,
        ReviewSeed::new("bob", "CHANGES_REQUESTED", &s.head),
    );
    let relay = s
        .fake
        .add_workflow_run(REPO, WorkflowRunSeed::completed(RELAY, &s.head, "success"));
    assert_eq!(
        posted_conclusion(
            &s,
            &payload(relay, RELAY, "pull_request_review", "success", &s.head, 3)
        )
        .as_deref(),
        Some("failure")
    );
}

#[test]
fn a_dismissed_approval_turns_the_check_red() {
    let s = scenario();
    s.fake
        .add_review(REPO, 7, ReviewSeed::new("alice", "APPROVED", &s.head));
    let evidence = evidence_run(&s, &s.head, Some("success"), Some(good_zip()));
    assert_eq!(
        posted_conclusion(
            &s,
            &payload(evidence, EVIDENCE, "pull_request", "success", &s.head, 1)
        )
        .as_deref(),
        Some("success")
    );
    s.fake.dismiss_reviews(REPO, 7, "alice");
    let relay = s
        .fake
        .add_workflow_run(REPO, WorkflowRunSeed::completed(RELAY, &s.head, "success"));
    assert_eq!(
        posted_conclusion(
            &s,
            &payload(relay, RELAY, "pull_request_review", "success", &s.head, 2)
        )
        .as_deref(),
        Some("failure")
    );
}

#[test]
fn a_failed_evidence_run_is_a_failure_that_links_the_run() {
    let s = scenario();
    let run = evidence_run(&s, &s.head, Some("failure"), None);
    let (out, _) = judge(
        &s,
        &payload(run, EVIDENCE, "pull_request", "failure", &s.head, 1),
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let posted = shown(&s, &s.head);
    assert_eq!(posted.conclusion.as_deref(), Some("failure"));
    let all = all_text(&posted);
    assert!(all.contains("concluded failure"), "{all}");
    assert!(
        all.contains(&format!("octo/widgets/actions/runs/{run}")),
        "links the run: {all}"
    );
}

#[test]
fn a_running_evidence_run_or_a_pending_required_check_is_in_progress() {
    let s = scenario();
    s.fake
        .add_review(REPO, 7, ReviewSeed::new("alice", "APPROVED", &s.head));
    let evidence = evidence_run(&s, &s.head, None, None);
    let relay = s
        .fake
        .add_workflow_run(REPO, WorkflowRunSeed::completed(RELAY, &s.head, "success"));
    let (out, _) = judge(
        &s,
        &payload(relay, RELAY, "pull_request_review", "success", &s.head, 1),
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let waiting = shown(&s, &s.head);
    assert_eq!(waiting.status, "in_progress", "{}", all_text(&waiting));
    assert_eq!(waiting.conclusion, None);
    assert!(all_text(&waiting).contains("waiting for the evidence run"));

    // The evidence run completes; ci-ok is re-run and still running.
    s.fake
        .set_workflow_run(REPO, evidence, "completed", Some("success"));
    s.fake
        .add_artifact(REPO, evidence, "tollgate-evidence", good_zip());
    let mut ci = CheckRunSeed::completed("ci-ok", &s.head, "success");
    "in_progress".clone_into(&mut ci.status);
    ci.conclusion = None;
    s.fake.add_check_run(REPO, ci);
    let (out, _) = judge(
        &s,
        &payload(evidence, EVIDENCE, "pull_request", "success", &s.head, 2),
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let waiting = shown(&s, &s.head);
    assert_eq!(waiting.status, "in_progress");
    assert!(
        waiting
            .title
            .as_deref()
            .unwrap_or_default()
            .contains("waiting for ci-ok"),
        "{}",
        all_text(&waiting)
    );
    assert_eq!(
        s.fake.check_runs_named(REPO, CHECK).len(),
        1,
        "in_progress runs are updated in place"
    );

    // ci-ok completes: its completion wakes the judge, which concludes.
    s.fake
        .add_check_run(REPO, CheckRunSeed::completed("ci-ok", &s.head, "success"));
    let ci_run = s.fake.add_workflow_run(
        REPO,
        WorkflowRunSeed::completed(".github/workflows/ci.yml", &s.head, "success"),
    );
    let (out, _) = judge(
        &s,
        &payload(
            ci_run,
            ".github/workflows/ci.yml",
            "pull_request",
            "success",
            &s.head,
            3,
        ),
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let done = shown(&s, &s.head);
    assert_eq!(done.status, "completed");
    assert_eq!(
        done.conclusion.as_deref(),
        Some("success"),
        "{}",
        all_text(&done)
    );
}

#[test]
fn a_hostile_artifact_yields_only_the_configured_evidence() {
    let s = scenario();
    s.fake
        .add_review(REPO, 7, ReviewSeed::new("alice", "APPROVED", &s.head));
    let forged = br#"{"schema":1,"gate":"gate","conclusion":"pass","rules":[]}"#;
    let zip = zip_of(&[
        ("target/lcov.info", &lcov()),
        ("tollgate-gate.json", forged),
        ("../../escape.txt", b"out"),
        ("target/extra.sh", b"#!/bin/sh\necho pwned\n"),
    ]);
    let run = evidence_run(&s, &s.head, Some("success"), Some(zip));
    let (out, report) = judge(
        &s,
        &payload(run, EVIDENCE, "pull_request", "success", &s.head, 1),
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let posted = shown(&s, &s.head);
    assert_eq!(
        posted.conclusion.as_deref(),
        Some("success"),
        "{}",
        all_text(&posted)
    );
    let all = all_text(&posted);
    assert!(all.contains("ignored unread"), "{all}");
    assert!(all.contains("tollgate-gate.json"), "{all}");
    assert!(all.contains("refused"), "{all}");
    assert!(!s.dir.path().join("escape.txt").exists());
    assert!(!s.repo.join("escape.txt").exists());
    let dir = report.parent().unwrap().join(
        report
            .file_name()
            .unwrap()
            .to_string_lossy()
            .replace("report-", "evidence-")
            .replace(".json", ""),
    );
    assert!(dir.join("target/lcov.info").is_file());
    assert!(!dir.join("tollgate-gate.json").exists());
    assert!(!dir.join("target/extra.sh").exists());

    // An oversized evidence file is refused: coverage is missing, the gate fails.
    let s = scenario();
    s.fake
        .add_review(REPO, 7, ReviewSeed::new("alice", "APPROVED", &s.head));
    let run = evidence_run(&s, &s.head, Some("success"), Some(good_zip()));
    let (out, _) = judge(
        &s,
        &payload(run, EVIDENCE, "pull_request", "success", &s.head, 1),
        &[("TOLLGATE_ARTIFACT_MAX_FILE_BYTES", "64")],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let posted = shown(&s, &s.head);
    assert_eq!(posted.conclusion.as_deref(), Some("failure"));
    assert!(
        all_text(&posted).contains("larger than 64 bytes"),
        "{}",
        all_text(&posted)
    );
}

#[test]
fn a_malformed_evidence_file_fails_the_gate_instead_of_silencing_it() {
    let s = scenario();
    let run = evidence_run(
        &s,
        &s.head,
        Some("success"),
        Some(zip_of(&[(
            "target/lcov.info",
            b"\xff\xfe not lcov at all \x00",
        )])),
    );
    let (out, _) = judge(
        &s,
        &payload(run, EVIDENCE, "pull_request", "success", &s.head, 1),
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let posted = shown(&s, &s.head);
    assert_eq!(posted.conclusion.as_deref(), Some("failure"));
    assert!(
        all_text(&posted).contains("cannot be read"),
        "{}",
        all_text(&posted)
    );
}

#[test]
fn the_policy_comes_from_the_base_whatever_the_head_changes() {
    let s = scenario();
    // The head lowers approvals and coverage and renames the gate: no review,
    // so the base's policy fails it.
    let run = evidence_run(&s, &s.head, Some("success"), Some(good_zip()));
    let (out, _) = judge(
        &s,
        &payload(run, EVIDENCE, "pull_request", "success", &s.head, 1),
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(s.fake.check_runs_named(REPO, "tollgate/lax").is_empty());
    let posted = shown(&s, &s.head);
    assert_eq!(posted.conclusion.as_deref(), Some("failure"));
    assert!(all_text(&posted).contains("reviews.approvals"));
}

#[test]
fn two_pull_requests_with_one_head_get_the_worst_verdict_and_both_are_listed() {
    let s = scenario();
    // A release branch whose policy asks for no review.
    git(&s.repo, &["checkout", "-q", "-b", "release", &s.base]);
    std::fs::write(
        s.repo.join("policies/gate.toml"),
        POLICY.replace("approvals = 1", "approvals = 0"),
    )
    .unwrap();
    git(&s.repo, &["commit", "-q", "-am", "release: no reviews"]);
    let release = git(&s.repo, &["rev-parse", "HEAD"]);
    git(&s.repo, &["checkout", "-q", "main"]);
    let mut pr = PullRequestSeed::new(8, "dev", &s.head, &release);
    "release".clone_into(&mut pr.base_ref);
    s.fake.add_pull_request(REPO, pr);
    let run = evidence_run(&s, &s.head, Some("success"), Some(good_zip()));
    let (out, report) = judge(
        &s,
        &payload(run, EVIDENCE, "pull_request", "success", &s.head, 1),
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let runs = s.fake.check_runs_named(REPO, CHECK);
    assert_eq!(runs.len(), 1, "one check run for the gate");
    let all = all_text(&runs[0]);
    assert_eq!(
        runs[0].conclusion.as_deref(),
        Some("failure"),
        "worst wins: {all}"
    );
    assert!(
        all.contains("#7 → main") && all.contains("#8 → release"),
        "{all}"
    );
    let report: Value = serde_json::from_str(&std::fs::read_to_string(report).unwrap()).unwrap();
    let outcomes: Vec<(u64, String)> = report["evaluations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["pull_request"].as_u64().unwrap(),
                e["report"]["conclusion"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(outcomes.contains(&(7, "fail".to_owned())), "{outcomes:?}");
    assert!(outcomes.contains(&(8, "pass".to_owned())), "{outcomes:?}");
}

#[test]
fn a_merge_group_is_judged_like_its_pull_request_on_the_group_commit() {
    let s = scenario();
    s.fake
        .add_review(REPO, 7, ReviewSeed::new("alice", "APPROVED", &s.head));
    let group = "abababababababababababababababababababab";
    s.fake
        .add_check_run(REPO, CheckRunSeed::completed("ci-ok", group, "success"));
    let mut seed = WorkflowRunSeed::completed(EVIDENCE, group, "success");
    "merge_group".clone_into(&mut seed.event);
    let run = s.fake.add_workflow_run(REPO, seed);
    s.fake
        .add_artifact(REPO, run, "tollgate-evidence", good_zip());
    let mut event = payload(run, EVIDENCE, "merge_group", "success", group, 1);
    event["workflow_run"]["head_branch"] = json!(format!("gh-readonly-queue/main/pr-7-{}", s.head));
    let (out, _) = judge(&s, &event, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let posted = shown(&s, group);
    assert_eq!(
        posted.conclusion.as_deref(),
        Some("success"),
        "{}",
        all_text(&posted)
    );
    assert!(all_text(&posted).contains("merge group of #7 → main"));
}

#[test]
fn a_push_is_judged_by_the_push_gate_and_says_what_it_cannot_judge() {
    let s = scenario();
    s.fake
        .add_check_run(REPO, CheckRunSeed::completed("ci-ok", &s.base, "success"));
    let mut seed = WorkflowRunSeed::completed(EVIDENCE, &s.base, "success");
    "push".clone_into(&mut seed.event);
    let run = s.fake.add_workflow_run(REPO, seed);
    s.fake
        .add_artifact(REPO, run, "tollgate-evidence", good_zip());
    let mut event = payload(run, EVIDENCE, "push", "success", &s.base, 1);
    event["workflow_run"]["head_branch"] = json!("main");
    let (out, _) = judge(&s, &event, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let posted = shown(&s, &s.base);
    let all = all_text(&posted);
    assert_eq!(posted.conclusion.as_deref(), Some("success"), "{all}");
    assert!(all.contains("reviews apply to pull requests only"), "{all}");
}

#[test]
fn an_older_evaluation_never_overwrites_a_newer_one() {
    let s = scenario();
    s.fake
        .add_review(REPO, 7, ReviewSeed::new("alice", "APPROVED", &s.head));
    let run = evidence_run(&s, &s.head, Some("success"), Some(good_zip()));
    let (out, _) = judge(
        &s,
        &payload(run, EVIDENCE, "pull_request", "success", &s.head, 30),
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let newer = shown(&s, &s.head);
    assert_eq!(newer.conclusion.as_deref(), Some("success"));
    // A re-run of an older judge job, now seeing a change request.
    s.fake.add_review(
        REPO,
        7,
        ReviewSeed::new("bob", "CHANGES_REQUESTED", &s.head),
    );
    let (out, _) = judge(
        &s,
        &payload(
            run - 1,
            RELAY,
            "pull_request_review",
            "success",
            &s.head,
            10,
        ),
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("newer evaluation"), "{}", text(&out));
    let runs = s.fake.check_runs_named(REPO, CHECK);
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].conclusion.as_deref(), Some("success"));
    assert_eq!(runs[0].updates, newer.updates, "nothing was sent");
}

#[test]
fn nothing_to_judge_is_exit_0_and_failures_to_judge_or_post_are_2_and_3() {
    let s = scenario();
    let other = "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd";
    let run = evidence_run(&s, other, Some("success"), Some(good_zip()));
    let (out, _) = judge(
        &s,
        &payload(run, EVIDENCE, "pull_request", "success", other, 1),
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("no open pull request"),
        "{}",
        text(&out)
    );
    assert!(s.fake.check_runs_named(REPO, CHECK).is_empty());

    let run = evidence_run(&s, &s.head, Some("success"), Some(good_zip()));
    s.fake.inject(
        "POST",
        "/repos/octo/widgets/check-runs",
        Fault::Status(502),
        100,
    );
    let (out, _) = judge(
        &s,
        &payload(run, EVIDENCE, "pull_request", "success", &s.head, 2),
        &[],
    );
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    s.fake.clear_faults();

    // The base's configuration is broken: nothing can be judged.
    std::fs::write(s.repo.join("tollgate.toml"), "policy_dir = [\n").unwrap();
    git(&s.repo, &["commit", "-q", "-am", "break config"]);
    let broken = git(&s.repo, &["rev-parse", "HEAD"]);
    let mut pr = PullRequestSeed::new(9, "dev", other, &broken);
    pr.head_ref = "other".to_owned();
    s.fake.add_pull_request(REPO, pr);
    let (out, _) = judge(
        &s,
        &payload(run, EVIDENCE, "pull_request", "success", other, 3),
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("tollgate.toml"), "{}", text(&out));
}

#[test]
fn the_judge_refuses_a_non_empty_evidence_dir_and_local_evidence_flags() {
    let s = scenario();
    let run = evidence_run(&s, &s.head, Some("success"), Some(good_zip()));
    let event = s.dir.path().join("e.json");
    std::fs::write(
        &event,
        payload(run, EVIDENCE, "pull_request", "success", &s.head, 1).to_string(),
    )
    .unwrap();
    let busy = s.dir.path().join("busy");
    std::fs::create_dir_all(&busy).unwrap();
    std::fs::write(busy.join("report.json"), "{}").unwrap();
    let base = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_tollgate"))
            .env_clear()
            .envs(crate::support::coverage::profile_env())
            .current_dir(&s.repo)
            .env("PATH", std::env::var_os("PATH").unwrap())
            .env("GITHUB_API_URL", s.fake.url())
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_EVENT_NAME", "workflow_run")
            .env("GITHUB_EVENT_PATH", &event)
            .env("GITHUB_REPOSITORY", REPO)
            .env("GITHUB_SHA", &s.base)
            .env("GITHUB_TOKEN", WRITE_TOKEN)
            .args(["check", "--github"])
            .args(extra)
            .output()
            .unwrap()
    };
    let out = base(&["--evidence-dir", busy.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("is not empty"), "{}", text(&out));
    // The directory is found busy after the run was marked in progress, so
    // the mark is completed as a failure saying why (docs/github.md).
    let runs = s.fake.check_runs_named(REPO, CHECK);
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(
        (runs[0].status.as_str(), runs[0].conclusion.as_deref()),
        ("completed", Some("failure")),
        "{runs:?}"
    );
    let out = base(&["--evidence-dir", "fresh", "--coverage", "lcov.info"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("--coverage cannot be used by the judge"));
    let out = base(&[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("--evidence-dir"), "{}", text(&out));
    // Flags the judge refuses are refused before anything is marked.
    assert_eq!(s.fake.check_runs_named(REPO, CHECK).len(), 1);
}

/// A real lcov 1.16 tracefile of `fixtures/coverage/geninfo`.
fn geninfo(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/coverage/geninfo")
            .join(name),
    )
    .unwrap()
}

/// A gate with `coverage.drop` only; the head's coverage is geninfo's
/// `run2.info` (26/35 lines).
fn drop_scenario() -> Scenario {
    let config = format!("{CONFIG}strip_prefix = [\"/tmp/tollgate-fixtures/geninfo\"]\n");
    let policy = "schema = 1\nname = \"gate\"\nversion = \"1.0.0\"\n\n[coverage]\nmax_drop = 0.0\n";
    scenario_with(&config, policy)
}

fn drop_rule(report: &Path) -> Value {
    let report: Value = serde_json::from_str(&std::fs::read_to_string(report).unwrap()).unwrap();
    let verdict = &report["evaluations"][0]["report"];
    verdict["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "coverage.drop")
        .unwrap_or_else(|| panic!("no coverage.drop in {verdict:#}"))
        .clone()
}

/// A push run of the evidence workflow on `sha` (the default branch's own)
/// with `lcov` as its coverage.
fn push_evidence(s: &Scenario, sha: &str, lcov: &[u8]) -> u64 {
    let mut seed = WorkflowRunSeed::completed(EVIDENCE, sha, "success");
    "push".clone_into(&mut seed.event);
    let id = s.fake.add_workflow_run(REPO, seed);
    s.fake.add_artifact(
        REPO,
        id,
        "tollgate-evidence",
        zip_of(&[("target/lcov.info", lcov)]),
    );
    id
}

#[test]
fn the_base_coverage_comes_from_the_default_branchs_push_run_for_the_merge_base() {
    let s = drop_scenario();
    let run = evidence_run(
        &s,
        &s.head,
        Some("success"),
        Some(zip_of(&[("target/lcov.info", &geninfo("run2.info"))])),
    );
    // A pull request's run on the base commit, claiming a low base: never read.
    let mut forged = WorkflowRunSeed::completed(EVIDENCE, &s.base, "success");
    forged.event = "pull_request".to_owned();
    let forged = s.fake.add_workflow_run(REPO, forged);
    s.fake.add_artifact(
        REPO,
        forged,
        "tollgate-evidence",
        zip_of(&[("target/lcov.info", &geninfo("run1.info"))]),
    );
    let event = payload(run, EVIDENCE, "pull_request", "success", &s.head, 1);

    // No push run on the base yet: the rule fails, saying what was looked for.
    let (out, report) = judge(&s, &event, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let rule = drop_rule(&report);
    assert_eq!(rule["status"], "fail", "{rule}");
    let message = rule["message"].as_str().unwrap();
    assert!(
        message.starts_with("coverage baseline not found: expected the coverage of a successful .github/workflows/tollgate-evidence.yml run on a push to main for the merge base"),
        "{message}"
    );

    // The default branch's own run on the base: 27/35 there, 26/35 here.
    let push = push_evidence(&s, &s.base, &geninfo("merged.info"));
    let (out, report) = judge(&s, &event, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let rule = drop_rule(&report);
    assert_eq!(rule["status"], "fail", "{rule}");
    let message = rule["message"].as_str().unwrap();
    assert!(
        message.contains("total line coverage fell 2.86 points, from 77.14% to 74.28%"),
        "{message}"
    );
    let short = &s.base[..12];
    assert!(
        message.contains(&format!(
            "(base: commit {short}'s evidence run on main (https://github.com/{REPO}/actions/runs/{push}))"
        )),
        "{message}"
    );
    // Only the push run's artifact was downloaded, never the forged one's.
    let listed: Vec<String> = s
        .fake
        .requests()
        .iter()
        .filter(|r| r.path.contains("/artifacts"))
        .map(|r| r.path.clone())
        .collect();
    assert!(
        listed
            .iter()
            .all(|p| !p.contains(&format!("/runs/{forged}/"))),
        "{listed:?}"
    );
    let posted = s.fake.check_runs_named(REPO, CHECK);
    let summary = all_text(posted.last().unwrap());
    assert!(
        summary.contains("| Lines | 77.14% (27/35) | 74.28% (26/35) | -2.86 |"),
        "{summary}"
    );
}

#[test]
fn the_nearest_ancestor_with_evidence_stands_in_and_the_report_says_so() {
    let s = drop_scenario();
    // The default branch moves on by one commit without an evidence run;
    // the pull request is based on it.
    std::fs::write(s.repo.join("README"), "more\n").unwrap();
    git(&s.repo, &["add", "README"]);
    git(&s.repo, &["commit", "-q", "-m", "no evidence run"]);
    let tip = git(&s.repo, &["rev-parse", "HEAD"]);
    git(&s.repo, &["checkout", "-q", "-b", "feature2"]);
    std::fs::write(s.repo.join("NEW"), "x\n").unwrap();
    git(&s.repo, &["add", "NEW"]);
    git(&s.repo, &["commit", "-q", "-m", "head"]);
    let head = git(&s.repo, &["rev-parse", "HEAD"]);
    git(&s.repo, &["checkout", "-q", "main"]);
    s.fake
        .add_pull_request(REPO, PullRequestSeed::new(8, "dev", &head, &tip));
    push_evidence(&s, &s.base, &geninfo("run1.info"));
    let run = evidence_run(
        &s,
        &head,
        Some("success"),
        Some(zip_of(&[("target/lcov.info", &geninfo("run2.info"))])),
    );
    let (out, report) = judge(
        &s,
        &payload(run, EVIDENCE, "pull_request", "success", &head, 1),
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let rule = drop_rule(&report);
    assert_eq!(rule["status"], "pass", "{rule}");
    let report: Value = serde_json::from_str(&std::fs::read_to_string(report).unwrap()).unwrap();
    let notes = report["evaluations"][0]["report"]["notes"].to_string();
    assert!(
        notes.contains(&format!(
            "coverage baseline: the merge base {} has no evidence run of main; the base's coverage is its ancestor {}'s, 1 commit(s) earlier",
            &tip[..12],
            &s.base[..12]
        )),
        "{notes}"
    );
}

/// The judge's JSON report of the first evaluation.
fn first_report(report: &Path) -> Value {
    let report: Value = serde_json::from_str(&std::fs::read_to_string(report).unwrap()).unwrap();
    report["evaluations"][0]["report"].clone()
}

/// The trend reads only the default branch's successful push runs; a run
/// whose artifact holds no readable coverage, or has expired, is left out
/// with a note, and judging goes on exactly as without it.
#[test]
fn the_coverage_trend_charts_main_and_leaves_out_what_it_cannot_read() {
    let s = drop_scenario();
    let older = "1111111111111111111111111111111111111111";
    let newer = "2222222222222222222222222222222222222222";
    let failed = "3333333333333333333333333333333333333333";
    push_evidence(&s, older, b"this is not a coverage report\n");
    let expired = {
        let mut seed = WorkflowRunSeed::completed(EVIDENCE, newer, "success");
        "push".clone_into(&mut seed.event);
        let id = s.fake.add_workflow_run(REPO, seed);
        s.fake.add_artifact(
            REPO,
            id,
            "tollgate-evidence",
            zip_of(&[("target/lcov.info", &geninfo("run1.info"))]),
        )
    };
    s.fake.expire_artifact(expired);
    let mut seed = WorkflowRunSeed::completed(EVIDENCE, failed, "failure");
    "push".clone_into(&mut seed.event);
    s.fake.add_workflow_run(REPO, seed);
    push_evidence(&s, &s.base, &geninfo("merged.info"));
    // A pull request's run is never history, whatever it claims.
    let forged = evidence_run(
        &s,
        "4444444444444444444444444444444444444444",
        Some("success"),
        Some(zip_of(&[("target/lcov.info", &geninfo("run1.info"))])),
    );
    let run = evidence_run(
        &s,
        &s.head,
        Some("success"),
        Some(zip_of(&[("target/lcov.info", &geninfo("run2.info"))])),
    );
    let (out, report) = judge(
        &s,
        &payload(run, EVIDENCE, "pull_request", "success", &s.head, 1),
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let verdict = first_report(&report);
    let trend = &verdict["coverage_trend"];
    assert_eq!(trend["branch"], "main", "{trend:#}");
    let points = trend["points"].as_array().unwrap();
    assert_eq!(points.len(), 1, "{trend:#}");
    assert_eq!(points[0]["commit"], s.base.as_str());
    assert_eq!(points[0]["lines"]["hit"], 27);
    assert_eq!(points[0]["lines"]["found"], 35);
    let notes = verdict["notes"].to_string();
    assert!(
        notes.contains("coverage trend: 2 of the default branch's last 3 evidence run(s) left out: no readable coverage in their artifact"),
        "{notes}"
    );
    // The rules are judged as without the trend.
    assert_eq!(drop_rule(&report)["status"], "fail");
    // One list of recent runs, never the pull request's run's artifacts
    // but for the head's own evidence.
    assert_eq!(
        s.fake.count("GET", "/repos/*/actions/runs/*/artifacts"),
        // the head's run, the base lookup, and the trend's three
        5,
        "{:#?}",
        s.fake.requests()
    );
    assert_eq!(
        s.fake
            .count("GET", &format!("/repos/*/actions/runs/{forged}/artifacts")),
        0
    );
    // The head's artifact, the base's (for `coverage.drop`, then read
    // again from its files for the trend, not downloaded twice) and the
    // older run's; never the expired one.
    assert_eq!(
        s.fake.count("GET", "/repos/*/actions/artifacts/*/zip"),
        3,
        "{:#?}",
        s.fake.requests()
    );
    let summary = all_text(s.fake.check_runs_named(REPO, CHECK).last().unwrap());
    assert!(
        summary.contains(&format!(
            "x-axis [\"{}\", \"{}\"]\n    y-axis \"%\" 73 --> 79\n    line [77.14, 74.28]",
            &s.base[..7],
            &s.head[..7]
        )),
        "{summary}"
    );
}

/// The history cannot be listed: a note, the same verdict, exit 0.
#[test]
fn a_failed_history_lookup_is_a_note_never_a_failure() {
    let config = format!("{CONFIG}strip_prefix = [\"/tmp/tollgate-fixtures/geninfo\"]\n");
    let policy = "schema = 1\nname = \"gate\"\nversion = \"1.0.0\"\n\n[coverage]\nlines = 10.0\n";
    let s = scenario_with(&config, policy);
    push_evidence(&s, &s.base, &geninfo("merged.info"));
    let run = evidence_run(
        &s,
        &s.head,
        Some("success"),
        Some(zip_of(&[("target/lcov.info", &geninfo("run2.info"))])),
    );
    s.fake.inject(
        "GET",
        "/repos/*/actions/workflows/*/runs",
        Fault::Status(404),
        1,
    );
    let (out, report) = judge(
        &s,
        &payload(run, EVIDENCE, "pull_request", "success", &s.head, 1),
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let verdict = first_report(&report);
    assert_eq!(verdict["conclusion"], "pass", "{verdict:#}");
    assert!(verdict.get("coverage_trend").is_none(), "{verdict:#}");
    let notes = verdict["notes"].to_string();
    assert!(notes.contains("coverage trend: not shown: "), "{notes}");
    let posted = s.fake.check_runs_named(REPO, CHECK);
    assert_eq!(
        posted.last().unwrap().conclusion.as_deref(),
        Some("success")
    );
    assert!(!all_text(posted.last().unwrap()).contains("mermaid"));
}
