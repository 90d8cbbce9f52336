//! `tollgate::github::GitHubClient` against the fake GitHub server: what
//! GitHub holds afterwards, and how many requests it took, under faults
//! (issue #4).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use crate::support::fake_github::{
    CheckRunSeed, CommentSeed, FakeGitHub, Fault, FileSeed, PullRequestSeed, ReviewSeed,
    WorkflowRunSeed, READ_ONLY_TOKEN, WRITE_TOKEN,
};
use tollgate::github::{
    CheckStatus, CommitState, Conclusion, FileStatus, GitHubClient, GitHubError, RepoRef,
    RetryPolicy, ReviewState, Token,
};
use tollgate::report::github::{
    CheckAnnotation, CheckAnnotationLevel, CheckConclusion, CheckRunOutput, CheckRunPayload,
    PayloadError, Publish,
};

const REPO: &str = "octo/widgets";
const HEAD: &str = "0123456789abcdef0123456789abcdef01234567";
const BASE: &str = "89abcdef0123456789abcdef0123456789abcdef";
const RUNS: &str = "/repos/octo/widgets/check-runs";
const RUN: &str = "/repos/octo/widgets/check-runs/*";
const LIST_RUNS: &str = "/repos/octo/widgets/commits/*/check-runs";

/// Retries that keep the suite fast.
fn fast() -> RetryPolicy {
    RetryPolicy {
        max_retries: 3,
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(50),
        total_budget: Duration::from_secs(10),
        attempt_timeout: Duration::from_secs(5),
        min_rate_limit_wait: Duration::from_millis(50),
    }
}

fn server() -> FakeGitHub {
    let fake = FakeGitHub::start();
    fake.add_repo(REPO);
    fake
}

fn client(fake: &FakeGitHub, policy: RetryPolicy) -> GitHubClient {
    GitHubClient::new(&fake.url(), &Token::new(WRITE_TOKEN).unwrap(), policy).unwrap()
}

fn repo() -> RepoRef {
    REPO.parse().unwrap()
}

fn annotation(line: u32) -> CheckAnnotation {
    CheckAnnotation::new(
        "src/lib.rs",
        line,
        line,
        CheckAnnotationLevel::Warning,
        "Uncovered changed line",
        &format!("line {line} is not covered"),
    )
}

fn output(annotations: u32) -> CheckRunOutput {
    CheckRunOutput::new(
        "Gate 2: Feature Complete",
        "| rule | status |\n|---|---|\n| coverage.patch | fail |",
        "Cover the changed lines.",
        (1..=annotations).map(annotation).collect(),
    )
}

fn payload(conclusion: CheckConclusion, annotations: u32) -> CheckRunPayload {
    CheckRunPayload::new("tollgate/gate2", HEAD, conclusion, output(annotations))
        .unwrap()
        .with_details_url(Some(
            "https://github.com/octo/widgets/actions/runs/1".into(),
        ))
}

/// The external id tollgate gives its run on `HEAD`.
fn our_external_id() -> String {
    format!("tollgate/gate2@{HEAD}")
}

#[test]
fn publish_creates_then_a_rerun_updates_the_same_run() {
    let fake = server();
    let gh = client(&fake, fast());
    let first = gh
        .publish_check_run(&repo(), &payload(CheckConclusion::Failure, 3))
        .unwrap();
    assert!(first.created);
    let second = gh
        .publish_check_run(&repo(), &payload(CheckConclusion::Success, 3))
        .unwrap();
    assert!(!second.created);
    assert_eq!(first.id, second.id);
    assert_eq!(second.replaced, None);

    let runs = fake.check_runs_named(REPO, "tollgate/gate2");
    assert_eq!(runs.len(), 1, "a re-run never duplicates");
    let run = &runs[0];
    assert_eq!(run.head_sha, HEAD);
    assert_eq!(run.status, "completed");
    assert_eq!(run.conclusion.as_deref(), Some("success"));
    assert_eq!(run.title.as_deref(), Some("Gate 2: Feature Complete"));
    assert_eq!(run.external_id, Some(our_external_id()));
    assert_eq!(
        run.details_url.as_deref(),
        Some("https://github.com/octo/widgets/actions/runs/1")
    );
    assert_eq!(run.updates, 1);
    let info = gh.check_run(&repo(), second.id).unwrap();
    assert_eq!(info.conclusion, Some(Conclusion::Success));
    assert_eq!(info.annotations_count, 3, "nothing appended twice");
    assert_eq!(fake.count("POST", RUNS), 1);
    assert_eq!(fake.count("PATCH", RUN), 1);
}

#[test]
fn a_rerun_whose_annotations_went_stale_starts_a_fresh_run() {
    let fake = server();
    let gh = client(&fake, fast());
    let first = gh
        .publish_check_run(&repo(), &payload(CheckConclusion::Failure, 3))
        .unwrap();
    // Fixed: two of the three annotations are gone. GitHub cannot delete
    // annotations, so updating would leave them on the run.
    let fixed = gh
        .publish_check_run(&repo(), &payload(CheckConclusion::Failure, 1))
        .unwrap();
    assert!(fixed.created);
    assert_eq!(fixed.replaced, Some(first.id));
    let runs = fake.check_runs_named(REPO, "tollgate/gate2");
    assert_eq!(runs.len(), 2);
    let newest = runs.iter().max_by_key(|r| r.id).unwrap();
    assert_eq!(newest.annotations.len(), 1);
    // The same set again updates the fresh run.
    let again = gh
        .publish_check_run(&repo(), &payload(CheckConclusion::Success, 1))
        .unwrap();
    assert_eq!(again.id, fixed.id);
    assert!(!again.created);
    // Waiting again after a conclusion: a fresh `in_progress` run.
    let waiting = payload(CheckConclusion::Success, 0).waiting();
    let posted = gh.publish_check_run(&repo(), &waiting).unwrap();
    assert_eq!(posted.replaced, Some(fixed.id));
    let runs = fake.check_runs_named(REPO, "tollgate/gate2");
    let newest = runs.iter().max_by_key(|r| r.id).unwrap();
    assert_eq!(newest.status, "in_progress");
    assert_eq!(newest.conclusion, None);
}

#[test]
fn an_older_evaluation_is_not_published_over_a_newer_one() {
    use tollgate::report::github::Evaluation;
    let fake = server();
    let gh = client(&fake, fast());
    let at = |t: i64| Evaluation {
        completed_at: t,
        run_id: 5,
        attempt: 1,
    };
    let newer = payload(CheckConclusion::Success, 0).with_evaluation(at(200));
    gh.publish_check_run(&repo(), &newer).unwrap();
    let older = payload(CheckConclusion::Failure, 0).with_evaluation(at(100));
    let kept = gh.publish_check_run(&repo(), &older).unwrap();
    assert_eq!(kept.kept_newer, Some(at(200)));
    let runs = fake.check_runs_named(REPO, "tollgate/gate2");
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].conclusion.as_deref(), Some("success"));
    assert_eq!(runs[0].updates, 0);
    let later = payload(CheckConclusion::Failure, 0).with_evaluation(at(300));
    gh.publish_check_run(&repo(), &later).unwrap();
    let runs = fake.check_runs_named(REPO, "tollgate/gate2");
    assert_eq!(runs[0].conclusion.as_deref(), Some("failure"));
    assert_eq!(
        runs[0].external_id.as_deref(),
        Some(format!("{}#300.5.1", our_external_id()).as_str())
    );
}

#[test]
fn a_rerun_does_not_append_the_same_annotations_again() {
    let fake = server();
    let gh = client(&fake, fast());
    let first = gh
        .publish_check_run(&repo(), &payload(CheckConclusion::Failure, 60))
        .unwrap();
    assert_eq!(first.annotations_sent, 60);
    // A pull_request_review event re-runs the gate on the same head.
    let again = gh
        .publish_check_run(&repo(), &payload(CheckConclusion::Failure, 60))
        .unwrap();
    assert_eq!(again.annotations_sent, 0);
    assert_eq!(again.annotations_already_present, 60);
    assert_eq!(fake.check_runs(REPO)[0].annotations.len(), 60);
    let grown = gh
        .publish_check_run(&repo(), &payload(CheckConclusion::Failure, 61))
        .unwrap();
    assert_eq!(grown.annotations_sent, 1);
    assert_eq!(fake.check_runs(REPO)[0].annotations.len(), 61);
    assert_eq!(fake.check_runs(REPO).len(), 1);
}

#[test]
fn publish_after_a_5xx_behind_the_write_leaves_exactly_one_run() {
    let fake = server();
    fake.inject("POST", RUNS, Fault::StatusAfterWrite(502), 1);
    let gh = client(&fake, fast());
    let published = gh
        .publish_check_run(&repo(), &payload(CheckConclusion::Failure, 10))
        .unwrap();
    assert!(published.created);
    let runs = fake.check_runs(REPO);
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].id, published.id.0);
    assert_eq!(runs[0].annotations.len(), 10);
    assert_eq!(fake.count("POST", RUNS), 1, "the POST was not re-sent");
}

#[test]
fn publish_with_no_retries_still_adopts_a_run_created_behind_a_5xx() {
    let fake = server();
    fake.inject("POST", RUNS, Fault::StatusAfterWrite(500), 1);
    let gh = client(&fake, RetryPolicy::no_retries());
    let published = gh
        .publish_check_run(&repo(), &payload(CheckConclusion::Failure, 0))
        .unwrap();
    assert_eq!(fake.check_runs(REPO).len(), 1);
    assert_eq!(fake.check_runs(REPO)[0].id, published.id.0);
}

#[test]
fn publish_retries_a_post_that_failed_before_the_write() {
    let fake = server();
    fake.inject("POST", RUNS, Fault::Status(503), 2);
    let gh = client(&fake, fast());
    gh.publish_check_run(&repo(), &payload(CheckConclusion::Success, 0))
        .unwrap();
    assert_eq!(fake.check_runs(REPO).len(), 1);
    assert_eq!(fake.count("POST", RUNS), 3);
    // Before each retry it looked for a run the failed POST might have made.
    assert_eq!(fake.count("GET", LIST_RUNS), 3);
}

#[test]
fn publish_after_a_post_timeout_finds_the_run_instead_of_duplicating() {
    let fake = server();
    fake.inject("POST", RUNS, Fault::Delay(Duration::from_millis(1500)), 1);
    let mut policy = fast();
    policy.attempt_timeout = Duration::from_millis(300);
    policy.initial_backoff = Duration::from_millis(100);
    let gh = client(&fake, policy);
    gh.publish_check_run(&repo(), &payload(CheckConclusion::Success, 0))
        .unwrap();
    assert_eq!(fake.check_runs(REPO).len(), 1);
    assert_eq!(fake.count("POST", RUNS), 1);
}

#[test]
fn publish_sends_120_annotations_in_three_requests() {
    let fake = server();
    let gh = client(&fake, fast());
    let published = gh
        .publish_check_run(&repo(), &payload(CheckConclusion::Failure, 120))
        .unwrap();
    let run = &fake.check_runs(REPO)[0];
    assert_eq!(run.annotations.len(), 120);
    for (i, a) in run.annotations.iter().enumerate() {
        assert_eq!(a["start_line"], i + 1, "in order");
    }
    assert_eq!(fake.count("POST", RUNS), 1);
    assert_eq!(fake.count("PATCH", RUN), 2);
    let sizes: Vec<usize> = fake
        .requests()
        .iter()
        .filter(|r| r.method != "GET")
        .map(|r| r.json()["output"]["annotations"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [50, 50, 20]);
    // One GET to look for an earlier run, then the three writes.
    assert_eq!(published.requests, 4);
}

/// The bodies of every write the fake received, in order.
fn written(fake: &FakeGitHub) -> Vec<(String, serde_json::Value)> {
    fake.requests()
        .iter()
        .filter(|r| r.method != "GET")
        .map(|r| (r.method.clone(), r.json()))
        .collect()
}

#[test]
fn github_receives_exactly_the_payloads_requests() {
    let fake = server();
    let gh = client(&fake, fast());
    let p = payload(CheckConclusion::Failure, 120);
    gh.publish_check_run(&repo(), &p).unwrap();
    let requests = p.requests(p.output().annotations(), Publish::Create);
    let expected: Vec<(String, serde_json::Value)> = std::iter::once(("POST", &requests.first))
        .chain(requests.appends.iter().map(|r| ("PATCH", r)))
        .map(|(m, r)| (m.to_owned(), serde_json::to_value(r).unwrap()))
        .collect();
    assert_eq!(written(&fake), expected, "sent as built, not re-shaped");
    let create = &expected[0].1;
    assert_eq!(create["head_sha"], HEAD);
    assert_eq!(create["status"], "completed");
    assert_eq!(create["conclusion"], "failure");
    assert_eq!(create["external_id"], our_external_id());
    assert_eq!(
        create["output"]["annotations"][0]["title"],
        "Uncovered changed line"
    );
    assert_eq!(
        create["output"]["annotations"][0]["annotation_level"],
        "warning"
    );

    // A re-run with one more annotation updates the run and sends only it.
    let grown = payload(CheckConclusion::Success, 121);
    gh.publish_check_run(&repo(), &grown).unwrap();
    let new = [annotation(121)];
    let update = serde_json::to_value(grown.requests(&new, Publish::Update).first).unwrap();
    let last = written(&fake).pop().unwrap();
    assert_eq!(last, ("PATCH".to_owned(), update));
    assert!(last.1.get("head_sha").is_none());
    assert_eq!(last.1["conclusion"], "success");
    assert_eq!(last.1["output"]["annotations"].as_array().unwrap().len(), 1);
    assert_eq!(fake.check_runs(REPO)[0].annotations.len(), 121);
}

#[test]
fn an_append_that_failed_behind_the_write_is_not_appended_twice() {
    let fake = server();
    fake.inject("PATCH", RUN, Fault::StatusAfterWrite(502), 1);
    let gh = client(&fake, fast());
    gh.publish_check_run(&repo(), &payload(CheckConclusion::Failure, 120))
        .unwrap();
    let run = &fake.check_runs(REPO)[0];
    assert_eq!(run.annotations.len(), 120);
    assert_eq!(fake.count("PATCH", RUN), 2);
}

#[test]
fn an_append_that_failed_before_the_write_is_sent_again() {
    let fake = server();
    fake.inject("PATCH", RUN, Fault::Status(500), 1);
    let gh = client(&fake, fast());
    gh.publish_check_run(&repo(), &payload(CheckConclusion::Failure, 75))
        .unwrap();
    assert_eq!(fake.check_runs(REPO)[0].annotations.len(), 75);
    assert_eq!(fake.count("PATCH", RUN), 2);
}

#[test]
fn a_rerun_prefers_our_external_id_and_never_touches_other_apps() {
    let fake = server();
    let mut theirs = CheckRunSeed::completed("tollgate/gate2", HEAD, "success");
    theirs.external_id = Some("someone-else".into());
    let theirs = fake.add_check_run(REPO, theirs);
    let mut ours = CheckRunSeed::completed("tollgate/gate2", HEAD, "failure");
    ours.external_id = Some(our_external_id());
    let ours = fake.add_check_run(REPO, ours);
    let mut later = CheckRunSeed::completed("tollgate/gate2", HEAD, "neutral");
    later.external_id = Some("another".into());
    fake.add_check_run(REPO, later);

    let gh = client(&fake, fast());
    let published = gh
        .publish_check_run(&repo(), &payload(CheckConclusion::Success, 0))
        .unwrap();
    assert_eq!(published.id.0, ours);
    assert_ne!(published.id.0, theirs);
    assert_eq!(fake.check_runs(REPO).len(), 3);
}

#[test]
fn a_read_only_token_is_the_forbidden_variant_without_retries() {
    let fake = server();
    let gh = GitHubClient::new(&fake.url(), &Token::new(READ_ONLY_TOKEN).unwrap(), fast()).unwrap();
    let err = gh
        .publish_check_run(&repo(), &payload(CheckConclusion::Failure, 1))
        .unwrap_err();
    assert!(err.is_forbidden(), "{err}");
    assert!(matches!(err, GitHubError::Forbidden { .. }));
    assert!(err
        .to_string()
        .contains("Resource not accessible by integration"));
    assert_eq!(fake.count("POST", RUNS), 1);
    assert!(fake.check_runs(REPO).is_empty());
}

#[test]
fn reviews_are_read_across_three_pages_in_order() {
    let fake = server();
    fake.add_pull_request(REPO, PullRequestSeed::new(12, "author", HEAD, BASE));
    for i in 0..250 {
        let state = if i % 2 == 0 { "APPROVED" } else { "COMMENTED" };
        fake.add_review(REPO, 12, ReviewSeed::new(&format!("user{i}"), state, HEAD));
    }
    let mut bot = ReviewSeed::new("renovate[bot]", "APPROVED", HEAD);
    bot.bot = true;
    fake.add_review(REPO, 12, bot);
    let gh = client(&fake, fast());
    let reviews = gh.list_reviews(&repo(), 12).unwrap();
    assert_eq!(reviews.len(), 251);
    assert_eq!(fake.count("GET", "/repos/octo/widgets/pulls/12/reviews"), 3);
    assert_eq!(reviews[0].user_login.as_deref(), Some("user0"));
    assert_eq!(reviews[0].state, ReviewState::Approved);
    assert_eq!(reviews[1].state, ReviewState::Commented);
    assert_eq!(reviews[249].user_login.as_deref(), Some("user249"));
    assert!(reviews[250].is_bot);
    assert!(reviews.iter().all(|r| r.commit_id.as_deref() == Some(HEAD)));
    assert!(reviews[0].submitted_at.is_some());
    assert_eq!(reviews[0].author_association, "COLLABORATOR");
}

#[test]
fn review_evidence_feeds_the_evaluators_model() {
    let fake = server();
    fake.add_pull_request(REPO, PullRequestSeed::new(4, "author", HEAD, BASE));
    fake.add_review(REPO, 4, ReviewSeed::new("alice", "APPROVED", HEAD));
    fake.add_review(REPO, 4, ReviewSeed::new("author", "APPROVED", HEAD));
    let gh = client(&fake, fast());
    let evidence = gh.review_evidence(&repo(), 4).unwrap();
    assert_eq!(evidence.author, "author");
    assert_eq!(evidence.head_sha, HEAD);
    assert_eq!(evidence.reviews.len(), 2);
    assert_ne!(
        evidence.reviews[0].reviewer_id,
        evidence.reviews[1].reviewer_id
    );
}

#[test]
fn a_429_with_retry_after_is_waited_out() {
    let fake = server();
    fake.add_pull_request(REPO, PullRequestSeed::new(1, "author", HEAD, BASE));
    fake.inject(
        "GET",
        "*/reviews",
        Fault::TooManyRequests { retry_after: 1 },
        1,
    );
    let gh = client(&fake, fast());
    let start = Instant::now();
    gh.list_reviews(&repo(), 1).unwrap();
    assert!(
        start.elapsed() >= Duration::from_secs(1),
        "Retry-After: 1 honoured"
    );
    assert_eq!(fake.count("GET", "*/reviews"), 2);
}

#[test]
fn a_secondary_rate_limit_is_retried() {
    let fake = server();
    fake.add_pull_request(REPO, PullRequestSeed::new(1, "author", HEAD, BASE));
    fake.inject(
        "GET",
        "*/files",
        Fault::SecondaryRateLimit { retry_after: None },
        2,
    );
    let gh = client(&fake, fast());
    assert!(gh.pr_files(&repo(), 1).unwrap().is_empty());
    assert_eq!(fake.count("GET", "*/files"), 3);
}

#[test]
fn a_rate_limit_reset_beyond_the_budget_fails_fast() {
    let fake = server();
    fake.add_pull_request(REPO, PullRequestSeed::new(1, "author", HEAD, BASE));
    fake.inject("GET", "*", Fault::RateLimitExhausted { reset_in: 3600 }, 1);
    let gh = client(&fake, fast());
    let start = Instant::now();
    let err = gh.pull_request(&repo(), 1).unwrap_err();
    assert!(start.elapsed() < Duration::from_secs(2));
    assert!(matches!(err, GitHubError::RateLimited { .. }), "{err}");
}

#[test]
fn retries_exhausted_is_an_error_naming_the_operation() {
    let fake = server();
    fake.add_pull_request(REPO, PullRequestSeed::new(1, "author", HEAD, BASE));
    fake.inject("GET", "*/reviews", Fault::Status(503), 10);
    let mut policy = fast();
    policy.max_retries = 2;
    let gh = client(&fake, policy);
    let err = gh.list_reviews(&repo(), 1).unwrap_err();
    match &err {
        GitHubError::RetriesExhausted {
            operation,
            attempts,
            ..
        } => {
            assert_eq!(operation, "GET /repos/octo/widgets/pulls/1/reviews");
            assert_eq!(*attempts, 3);
        }
        other => panic!("expected RetriesExhausted, got {other:?}"),
    }
    assert!(err.to_string().contains("503"), "{err}");
    assert_eq!(fake.count("GET", "*/reviews"), 3);
}

#[test]
fn the_total_time_budget_bounds_retries() {
    let fake = server();
    fake.inject("GET", "*", Fault::Status(502), 100);
    let policy = RetryPolicy {
        max_retries: 100,
        initial_backoff: Duration::from_millis(100),
        max_backoff: Duration::from_millis(100),
        total_budget: Duration::from_millis(450),
        ..fast()
    };
    let gh = client(&fake, policy);
    let start = Instant::now();
    let err = gh.check_runs_for_ref(&repo(), HEAD).unwrap_err();
    assert!(matches!(err, GitHubError::RetriesExhausted { .. }), "{err}");
    assert!(start.elapsed() < Duration::from_secs(2));
    assert!(fake.count("GET", "*") <= 6);
}

#[test]
fn a_slow_response_is_abandoned_and_retried() {
    let fake = server();
    fake.inject("GET", "*/status", Fault::Delay(Duration::from_secs(2)), 1);
    let mut policy = fast();
    policy.attempt_timeout = Duration::from_millis(300);
    let gh = client(&fake, policy);
    let start = Instant::now();
    gh.statuses_for_ref(&repo(), HEAD).unwrap();
    assert!(start.elapsed() < Duration::from_millis(1500));
    assert_eq!(fake.count("GET", "*/status"), 2);
}

#[test]
fn the_token_never_appears_in_what_github_receives_outside_the_auth_header() {
    let fake = server();
    fake.add_pull_request(REPO, PullRequestSeed::new(2, "author", HEAD, BASE));
    fake.inject("POST", RUNS, Fault::StatusAfterWrite(502), 1);
    let gh = client(&fake, fast());
    gh.publish_check_run(&repo(), &payload(CheckConclusion::Failure, 60))
        .unwrap();
    gh.list_reviews(&repo(), 2).unwrap();
    let log = fake.requests();
    assert!(log.len() >= 4);
    for r in &log {
        assert!(!r.body.contains(WRITE_TOKEN), "{} {}", r.method, r.path);
        assert!(!r.query.contains(WRITE_TOKEN));
        for (name, value) in &r.headers {
            assert!(!value.contains(WRITE_TOKEN), "header {name}");
        }
        assert_eq!(r.header("authorization"), Some("Bearer <redacted>"));
        assert_eq!(r.header("accept"), Some("application/vnd.github+json"));
    }
    assert!(!format!("{gh:?}").contains(WRITE_TOKEN));
}

#[test]
fn bad_token_is_unauthorized_and_unknown_pr_is_not_found() {
    let fake = server();
    let gh = GitHubClient::new(&fake.url(), &Token::new("ghp_nope").unwrap(), fast()).unwrap();
    let err = gh.pull_request(&repo(), 1).unwrap_err();
    assert!(matches!(err, GitHubError::Unauthorized { .. }), "{err}");
    assert!(!err.to_string().contains("ghp_nope"));
    let gh = client(&fake, fast());
    let err = gh.pull_request(&repo(), 99).unwrap_err();
    assert!(matches!(err, GitHubError::NotFound { .. }), "{err}");
}

#[test]
fn the_enterprise_prefix_is_kept_across_pages() {
    let fake = server();
    fake.add_pull_request(REPO, PullRequestSeed::new(3, "author", HEAD, BASE));
    for i in 0..150 {
        fake.add_pr_file(
            REPO,
            3,
            FileSeed::modified(&format!("src/m{i}.rs"), "@@ -1 +1 @@\n-a\n+b"),
        );
    }
    let gh = GitHubClient::new(
        &format!("{}/", fake.api_url()),
        &Token::new(WRITE_TOKEN).unwrap(),
        fast(),
    )
    .unwrap();
    let files = gh.pr_files(&repo(), 3).unwrap();
    assert_eq!(files.len(), 150);
    assert_eq!(files[0].path, "src/m0.rs");
    assert_eq!(files[0].status, FileStatus::Modified);
    assert_eq!(files[0].patch.as_deref(), Some("@@ -1 +1 @@\n-a\n+b"));
    assert!(fake.requests().iter().all(|r| r.enterprise_prefix));
    assert_eq!(fake.count("GET", "*/files"), 2);
}

#[test]
fn pull_request_checks_statuses_comments_and_contents() {
    let fake = server();
    let mut pr = PullRequestSeed::new(8, "contributor", HEAD, BASE);
    pr.fork = true;
    fake.add_pull_request(REPO, pr);
    fake.add_check_run(REPO, CheckRunSeed::completed("ci / test", HEAD, "failure"));
    fake.add_check_run(REPO, CheckRunSeed::completed("ci / test", HEAD, "success"));
    fake.add_status(REPO, HEAD, "failure", "legacy/ci", Some("red"));
    fake.add_status(REPO, HEAD, "success", "legacy/ci", Some("green"));
    fake.add_comment(
        REPO,
        8,
        CommentSeed {
            login: "maintainer".into(),
            bot: false,
            body: "```\ntollgate-override: 1\n```".into(),
            author_association: "OWNER".into(),
        },
    );
    fake.put_file(REPO, BASE, "policies/gate 2.toml", b"schema = 1\n");

    let gh = client(&fake, fast());
    let info = gh.pull_request(&repo(), 8).unwrap();
    assert_eq!(info.head_sha, HEAD);
    assert_eq!(info.base_sha, BASE);
    assert_eq!(info.author_login.as_deref(), Some("contributor"));
    assert!(info.is_fork);
    assert_eq!(info.head_repo.as_deref(), Some("contributor/widgets"));

    let runs = gh.check_runs_for_ref(&repo(), HEAD).unwrap();
    assert_eq!(runs.len(), 2, "re-runs included");
    assert_eq!(
        runs[0].conclusion,
        Some(Conclusion::Success),
        "newest first"
    );
    assert_eq!(runs[0].status, CheckStatus::Completed);
    assert_eq!(runs[0].app_slug.as_deref(), Some("github-actions"));

    let statuses = gh.statuses_for_ref(&repo(), HEAD).unwrap();
    assert_eq!(statuses.len(), 1, "latest per context");
    assert_eq!(statuses[0].state, CommitState::Success);
    assert_eq!(statuses[0].description.as_deref(), Some("green"));

    let checks = gh.commit_checks(&repo(), HEAD).unwrap();
    assert_eq!(checks.results.len(), 3);

    let comments = gh.issue_comments(&repo(), 8).unwrap();
    assert_eq!(comments[0].body, "```\ntollgate-override: 1\n```");
    assert_eq!(comments[0].author_association, "OWNER");

    assert_eq!(
        gh.file_contents(&repo(), "policies/gate 2.toml", BASE)
            .unwrap()
            .as_deref(),
        Some(&b"schema = 1\n"[..])
    );
    assert_eq!(
        gh.file_contents(&repo(), "policies/gate 2.toml", HEAD)
            .unwrap(),
        None
    );
}

#[test]
fn oversized_summaries_are_cut_before_sending() {
    let fake = server();
    let gh = client(&fake, fast());
    let output = CheckRunOutput::new(
        "Gate 2",
        &"€".repeat(40_000),
        &"x".repeat(100_000),
        Vec::new(),
    );
    let p = CheckRunPayload::new("tollgate/gate2", HEAD, CheckConclusion::Failure, output).unwrap();
    gh.publish_check_run(&repo(), &p).unwrap();
    let run = &fake.check_runs(REPO)[0];
    assert!(run.summary.as_ref().unwrap().len() <= 65_535);
    assert!(run.text.as_ref().unwrap().len() <= 65_535);
}

#[test]
fn invalid_configuration_is_refused_up_front() {
    let token = Token::new(WRITE_TOKEN).unwrap();
    for url in ["", "api.github.com", "ftp://x", "http://"] {
        assert!(
            matches!(
                GitHubClient::new(url, &token, fast()),
                Err(GitHubError::InvalidApiUrl { .. })
            ),
            "{url:?}"
        );
    }
    assert!("not-a-repo".parse::<RepoRef>().is_err());
    // A payload GitHub would refuse cannot even be built, so nothing is sent.
    let fake = server();
    let err = CheckRunPayload::new(
        "tollgate/gate2",
        "main",
        CheckConclusion::Success,
        output(0),
    )
    .unwrap_err();
    assert_eq!(err, PayloadError::HeadSha("main".into()));
    assert!(fake.requests().is_empty());
}

#[test]
fn actions_jobs_carry_the_workflow_file_that_ran_them() {
    let fake = server();
    let mut ci_seed = WorkflowRunSeed::completed(
        ".github/workflows/ci.yml@refs/pull/8/merge",
        HEAD,
        "failure",
    );
    ci_seed.event = "pull_request".into();
    let ci = fake.add_workflow_run(REPO, ci_seed);
    let evil = fake.add_workflow_run(
        REPO,
        WorkflowRunSeed::completed(".github/workflows/evil.yml", HEAD, "success"),
    );
    // 150 workflow runs of other commits and this one: pages of 100.
    for n in 0..150 {
        let sha = if n % 2 == 0 { HEAD } else { BASE };
        fake.add_workflow_run(
            REPO,
            WorkflowRunSeed::completed(&format!(".github/workflows/n{n}.yml"), sha, "success"),
        );
    }
    fake.add_check_run(
        REPO,
        CheckRunSeed::completed("ci-ok", HEAD, "failure").in_workflow(ci),
    );
    fake.add_check_run(
        REPO,
        CheckRunSeed::completed("ci-ok", HEAD, "success").in_workflow(evil),
    );
    fake.add_check_run(REPO, CheckRunSeed::completed("ci-ok", HEAD, "success"));
    let mut other = CheckRunSeed::completed("ci-ok", HEAD, "success");
    other.app_slug = "octoapp".into();
    other.app_id = 1;
    fake.add_check_run(REPO, other);

    let gh = client(&fake, fast());
    let runs = gh.workflow_runs_for_sha(&repo(), HEAD).unwrap();
    assert_eq!(runs.len(), 77, "every page, this commit only");
    let checks = gh.commit_checks(&repo(), HEAD).unwrap();
    let mut origins: Vec<(String, Option<String>)> = checks
        .results
        .iter()
        .map(|r| (r.origin(), r.conclusion.clone()))
        .collect();
    origins.sort();
    assert_eq!(
        origins,
        [
            (
                ".github/workflows/ci.yml".to_owned(),
                Some("failure".to_owned())
            ),
            (
                ".github/workflows/evil.yml".to_owned(),
                Some("success".to_owned())
            ),
            ("app `octoapp`".to_owned(), Some("success".to_owned())),
            (
                "github-actions outside any workflow job (made through the API)".to_owned(),
                Some("success".to_owned())
            ),
        ]
    );
    assert_eq!(checks.workflows_unknown, None);
    // Jobs are listed only for workflow runs holding an Actions check run.
    assert_eq!(
        fake.count("GET", "/repos/octo/widgets/actions/runs/*/jobs"),
        2
    );
}

#[test]
fn a_token_that_cannot_read_actions_leaves_workflows_unknown_but_still_reads_checks() {
    let fake = server();
    let ci = fake.add_workflow_run(
        REPO,
        WorkflowRunSeed::completed(".github/workflows/ci.yml", HEAD, "success"),
    );
    fake.add_check_run(
        REPO,
        CheckRunSeed::completed("ci-ok", HEAD, "success").in_workflow(ci),
    );
    fake.inject(
        "GET",
        "/repos/octo/widgets/actions/runs",
        Fault::Status(403),
        1,
    );
    let checks = client(&fake, fast()).commit_checks(&repo(), HEAD).unwrap();
    assert_eq!(checks.results.len(), 1);
    assert_eq!(checks.results[0].workflow, None);
    let why = checks.workflows_unknown.unwrap();
    assert!(why.contains("actions: read"), "{why}");
}

#[test]
fn a_same_named_run_of_another_app_is_left_alone_and_ours_is_used() {
    let fake = server();
    let mut foreign = CheckRunSeed::completed("tollgate/gate2", HEAD, "success");
    foreign.app_slug = "octoapp".into();
    foreign.app_id = 1;
    let foreign_id = fake.add_check_run(REPO, foreign);
    let gh = client(&fake, fast());
    let p = payload(CheckConclusion::Failure, 0);
    let first = gh.publish_check_run(&repo(), &p).unwrap();
    assert!(first.created, "another app's run cannot be ours");
    assert_ne!(first.id.0, foreign_id);
    // A second publish updates our run, not the other app's.
    let second = gh.publish_check_run(&repo(), &p).unwrap();
    assert!(!second.created);
    assert_eq!(second.id, first.id);
    let runs = fake.check_runs_named(REPO, "tollgate/gate2");
    assert_eq!(runs.len(), 2);
    let foreign = runs.iter().find(|r| r.id == foreign_id).unwrap();
    assert_eq!(foreign.updates, 0);
    assert_eq!(foreign.conclusion.as_deref(), Some("success"));
    let ours = runs.iter().find(|r| r.id == first.id.0).unwrap();
    assert_eq!(ours.conclusion.as_deref(), Some("failure"));
    assert_eq!(ours.updates, 1);
    // A read-only token is still refused (the fallback cue), after trying.
    let ro = GitHubClient::new(&fake.url(), &Token::new(READ_ONLY_TOKEN).unwrap(), fast()).unwrap();
    assert!(matches!(
        ro.publish_check_run(&repo(), &p),
        Err(GitHubError::Forbidden { .. })
    ));
}
