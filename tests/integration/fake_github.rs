//! Self-test of the fake GitHub server (`tests/integration/support/fake_github`), with
//! plain HTTP so no client library's retries hide what the server did.
//! The server is only useful if it fails the way GitHub fails: these tests
//! pin its limits, pagination and faults (issue #4).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use crate::support::fake_github::{
    CheckRunSeed, CommentSeed, FakeGitHub, Fault, FileSeed, PullRequestSeed, ReviewSeed,
    READ_ONLY_TOKEN, WRITE_TOKEN,
};
use crate::support::raw_http::{request, RawResponse};
use serde_json::{json, Value};

const REPO: &str = "octo/widgets";
const SHA: &str = "0123456789abcdef0123456789abcdef01234567";
const BASE: &str = "89abcdef0123456789abcdef0123456789abcdef";

fn get(fake: &FakeGitHub, path: &str) -> RawResponse {
    request(
        "GET",
        &format!("{}{path}", fake.url()),
        Some(WRITE_TOKEN),
        None,
    )
    .unwrap()
}

fn send(fake: &FakeGitHub, method: &str, path: &str, body: &Value) -> RawResponse {
    request(
        method,
        &format!("{}{path}", fake.url()),
        Some(WRITE_TOKEN),
        Some(&body.to_string()),
    )
    .unwrap()
}

fn create_run(fake: &FakeGitHub, body: &Value) -> RawResponse {
    send(fake, "POST", &format!("/repos/{REPO}/check-runs"), body)
}

fn annotation(i: usize) -> Value {
    json!({"path": "src/lib.rs", "start_line": i + 1, "end_line": i + 1,
           "annotation_level": "warning", "message": format!("line {} not covered", i + 1)})
}

fn run_body(annotations: usize) -> Value {
    json!({
        "name": "tollgate/gate2", "head_sha": SHA, "conclusion": "failure",
        "output": {"title": "Gate 2 failed", "summary": "1 rule failed",
                   "annotations": (0..annotations).map(annotation).collect::<Vec<_>>()},
    })
}

fn links(resp: &RawResponse) -> Vec<(String, String)> {
    resp.header("link")
        .unwrap_or("")
        .split(", ")
        .filter(|s| !s.is_empty())
        .map(|part| {
            let (url, rel) = part.split_once("; ").unwrap();
            (
                rel.trim_start_matches("rel=\"")
                    .trim_end_matches('"')
                    .to_owned(),
                url.trim_start_matches('<').trim_end_matches('>').to_owned(),
            )
        })
        .collect()
}

fn link(resp: &RawResponse, rel: &str) -> Option<String> {
    links(resp)
        .into_iter()
        .find(|(r, _)| r == rel)
        .map(|(_, u)| u)
}

fn seeded() -> FakeGitHub {
    let fake = FakeGitHub::start();
    fake.add_repo(REPO);
    fake
}

#[test]
fn requests_without_a_valid_token_are_401() {
    let fake = seeded();
    let url = format!("{}/repos/{REPO}/commits/{SHA}/check-runs", fake.url());
    let none = request("GET", &url, None, None).unwrap();
    assert_eq!(none.status, 401);
    assert_eq!(none.json()["message"], "Requires authentication");
    let bad = request("GET", &url, Some("ghp_wrong"), None).unwrap();
    assert_eq!(bad.status, 401);
    assert_eq!(bad.json()["message"], "Bad credentials");
    assert!(bad.json()["documentation_url"].is_string());
}

#[test]
fn both_root_and_enterprise_prefix_are_served() {
    let fake = seeded();
    for root in [fake.url(), fake.api_url()] {
        let resp = request(
            "GET",
            &format!("{root}/repos/{REPO}/commits/{SHA}/check-runs"),
            Some(WRITE_TOKEN),
            None,
        )
        .unwrap();
        assert_eq!(resp.status, 200, "{root}");
        assert_eq!(resp.json()["total_count"], 0);
    }
    let log = fake.requests();
    assert!(!log[0].enterprise_prefix);
    assert!(log[1].enterprise_prefix);
    assert_eq!(
        log[1].path,
        format!("/repos/{REPO}/commits/{SHA}/check-runs")
    );
}

#[test]
fn unknown_resources_are_404_and_bad_json_is_400() {
    let fake = seeded();
    assert_eq!(get(&fake, "/repos/octo/missing/pulls/1").status, 404);
    assert_eq!(get(&fake, &format!("/repos/{REPO}/pulls/7")).status, 404);
    assert_eq!(
        get(&fake, &format!("/repos/{REPO}/check-runs/999")).status,
        404
    );
    assert_eq!(get(&fake, "/user/repos").status, 404);
    let resp = request(
        "POST",
        &format!("{}/repos/{REPO}/check-runs", fake.url()),
        Some(WRITE_TOKEN),
        Some("{not json"),
    )
    .unwrap();
    assert_eq!(resp.status, 400);
    assert_eq!(resp.json()["message"], "Problems parsing JSON");
}

#[test]
fn check_run_create_get_update_appends_annotations() {
    let fake = seeded();
    let created = create_run(&fake, &run_body(50));
    assert_eq!(created.status, 201, "{}", created.body);
    let run = created.json();
    let id = run["id"].as_u64().unwrap();
    assert_eq!(run["status"], "completed");
    assert_eq!(run["conclusion"], "failure");
    assert_eq!(run["app"]["slug"], "github-actions");
    assert_eq!(run["output"]["annotations_count"], 50);
    // Fields the fake does not model still come from the OpenAPI example.
    assert_eq!(run["app"]["owner"]["login"], "github");
    // Made through the API on a commit without workflow runs: a suite of its own.
    assert!(run["check_suite"]["id"].as_u64().is_some_and(|id| id > 0));

    let patch = send(
        &fake,
        "PATCH",
        &format!("/repos/{REPO}/check-runs/{id}"),
        &json!({"output": {"title": "t", "summary": "s",
                           "annotations": (50..70).map(annotation).collect::<Vec<_>>()}}),
    );
    assert_eq!(patch.status, 200, "{}", patch.body);
    assert_eq!(patch.json()["output"]["annotations_count"], 70);

    let stored = fake.check_runs(REPO);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].annotations.len(), 70);
    assert_eq!(stored[0].annotations[69]["message"], "line 70 not covered");
    assert_eq!(stored[0].updates, 1);

    let fetched = get(&fake, &format!("/repos/{REPO}/check-runs/{id}"));
    assert_eq!(fetched.json()["output"]["title"], "t");

    let page1 = get(
        &fake,
        &format!("/repos/{REPO}/check-runs/{id}/annotations?per_page=50"),
    );
    assert_eq!(page1.json().as_array().unwrap().len(), 50);
    let next = link(&page1, "next").unwrap();
    let page2 = request("GET", &next, Some(WRITE_TOKEN), None).unwrap();
    assert_eq!(page2.json().as_array().unwrap().len(), 20);
    assert_eq!(page2.json()[0]["start_line"], 51);
}

#[test]
fn more_than_50_annotations_in_one_request_is_422() {
    let fake = seeded();
    let resp = create_run(&fake, &run_body(51));
    assert_eq!(resp.status, 422);
    let body = resp.json();
    assert_eq!(body["message"], "Validation Failed");
    assert_eq!(body["errors"][0]["field"], "annotations");
    assert!(body["documentation_url"]
        .as_str()
        .unwrap()
        .contains("check-run"));
    assert!(fake.check_runs(REPO).is_empty());
}

#[test]
fn summary_and_text_are_limited_to_65535_bytes_not_characters() {
    let fake = seeded();
    let exact = "a".repeat(65_535);
    let ok = create_run(
        &fake,
        &json!({"name": "n", "head_sha": SHA, "output": {"title": "t", "summary": exact, "text": exact}}),
    );
    assert_eq!(ok.status, 201, "{}", ok.body);
    // 21,846 characters but 65,538 bytes.
    let wide = "€".repeat(21_846);
    for field in ["summary", "text"] {
        let mut output = json!({"title": "t", "summary": "s"});
        output[field] = json!(wide);
        let resp = create_run(
            &fake,
            &json!({"name": "n", "head_sha": SHA, "output": output}),
        );
        assert_eq!(resp.status, 422, "{field}");
        assert_eq!(resp.json()["errors"][0]["field"], field);
        assert!(resp.json()["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("65535"));
    }
}

#[test]
fn missing_required_fields_are_422() {
    let fake = seeded();
    for (body, field) in [
        (json!({"head_sha": SHA}), "name"),
        (json!({"name": "n"}), "head_sha"),
        (
            json!({"name": "n", "head_sha": SHA, "output": {"summary": "s"}}),
            "title",
        ),
        (
            json!({"name": "n", "head_sha": SHA, "status": "completed"}),
            "conclusion",
        ),
    ] {
        let resp = create_run(&fake, &body);
        assert_eq!(resp.status, 422, "{body}");
        assert_eq!(resp.json()["errors"][0]["field"], field, "{body}");
        assert_eq!(resp.json()["errors"][0]["code"], "missing_field");
    }
    let bad_annotation = json!({"name": "n", "head_sha": SHA, "output": {"title": "t", "summary": "s",
        "annotations": [{"path": "a", "start_line": 1, "end_line": 2, "start_column": 1,
                         "annotation_level": "warning", "message": "m"}]}});
    assert_eq!(create_run(&fake, &bad_annotation).status, 422);
    let not_a_commit = create_run(&fake, &json!({"name": "n", "head_sha": "main"}));
    assert_eq!(not_a_commit.status, 422);
    assert!(fake.check_runs(REPO).is_empty());
}

#[test]
fn read_only_token_gets_403_on_writes_only() {
    let fake = seeded();
    let resp = request(
        "POST",
        &format!("{}/repos/{REPO}/check-runs", fake.url()),
        Some(READ_ONLY_TOKEN),
        Some(&run_body(1).to_string()),
    )
    .unwrap();
    assert_eq!(resp.status, 403);
    assert_eq!(
        resp.json()["message"],
        "Resource not accessible by integration"
    );
    let read = request(
        "GET",
        &format!("{}/repos/{REPO}/commits/{SHA}/check-runs", fake.url()),
        Some(READ_ONLY_TOKEN),
        None,
    )
    .unwrap();
    assert_eq!(read.status, 200);

    fake.set_read_only(true);
    assert_eq!(create_run(&fake, &run_body(1)).status, 403);
    fake.set_read_only(false);
    assert_eq!(create_run(&fake, &run_body(1)).status, 201);
}

#[test]
fn another_apps_check_run_cannot_be_updated() {
    let fake = seeded();
    let mut seed = CheckRunSeed::completed("ci / test", SHA, "success");
    seed.app_slug = "circleci-checks".to_owned();
    seed.app_id = 18001;
    let id = fake.add_check_run(REPO, seed);
    let resp = send(
        &fake,
        "PATCH",
        &format!("/repos/{REPO}/check-runs/{id}"),
        &json!({"conclusion": "failure"}),
    );
    assert_eq!(resp.status, 403);
}

#[test]
fn list_check_runs_filters_by_name_and_latest() {
    let fake = seeded();
    fake.add_check_run(REPO, CheckRunSeed::completed("ci / test", SHA, "failure"));
    fake.add_check_run(REPO, CheckRunSeed::completed("ci / test", SHA, "success"));
    fake.add_check_run(REPO, CheckRunSeed::completed("ci / clippy", SHA, "success"));
    fake.add_check_run(REPO, CheckRunSeed::completed("ci / test", BASE, "failure"));
    let path = format!("/repos/{REPO}/commits/{SHA}/check-runs");

    let latest = get(&fake, &path).json();
    assert_eq!(latest["total_count"], 2);
    let all = get(&fake, &format!("{path}?filter=all")).json();
    assert_eq!(all["total_count"], 3);
    let named = get(
        &fake,
        &format!("{path}?check_name=ci%20%2F%20test&filter=all"),
    )
    .json();
    assert_eq!(named["total_count"], 2);
    // Newest first.
    assert_eq!(named["check_runs"][0]["conclusion"], "success");

    fake.set_ref(REPO, "main", SHA);
    assert_eq!(
        get(&fake, &format!("/repos/{REPO}/commits/main/check-runs")).json()["total_count"],
        2
    );

    let paged = get(&fake, &format!("{path}?filter=all&per_page=2"));
    assert_eq!(paged.json()["check_runs"].as_array().unwrap().len(), 2);
    assert_eq!(paged.json()["total_count"], 3);
    assert!(link(&paged, "next").unwrap().contains("filter=all"));
}

#[test]
fn pagination_follows_githubs_link_header() {
    let fake = seeded();
    fake.add_pull_request(REPO, PullRequestSeed::new(5, "author", SHA, BASE));
    for i in 0..75 {
        fake.add_review(
            REPO,
            5,
            ReviewSeed::new(&format!("user{i}"), "APPROVED", SHA),
        );
    }
    let first = get(&fake, &format!("/repos/{REPO}/pulls/5/reviews"));
    assert_eq!(
        first.json().as_array().unwrap().len(),
        30,
        "per_page defaults to 30"
    );
    let rels: Vec<String> = links(&first).into_iter().map(|(r, _)| r).collect();
    assert_eq!(rels, ["next", "last"]);
    assert!(link(&first, "last").unwrap().ends_with("page=3"));

    let middle = request(
        "GET",
        &link(&first, "next").unwrap(),
        Some(WRITE_TOKEN),
        None,
    )
    .unwrap();
    let rels: Vec<String> = links(&middle).into_iter().map(|(r, _)| r).collect();
    assert_eq!(rels, ["prev", "next", "last", "first"]);

    // Following `next` visits every review once, in chronological order.
    let mut logins = Vec::new();
    let mut url = Some(format!("{}/repos/{REPO}/pulls/5/reviews", fake.api_url()));
    while let Some(u) = url {
        let resp = request("GET", &u, Some(WRITE_TOKEN), None).unwrap();
        assert!(u.contains("/api/v3/"), "links keep the prefix: {u}");
        for r in resp.json().as_array().unwrap() {
            logins.push(r["user"]["login"].as_str().unwrap().to_owned());
        }
        url = link(&resp, "next");
    }
    assert_eq!(logins.len(), 75);
    assert_eq!(logins[0], "user0");
    assert_eq!(logins[74], "user74");

    let big = get(
        &fake,
        &format!("/repos/{REPO}/pulls/5/reviews?per_page=500"),
    );
    assert_eq!(
        big.json().as_array().unwrap().len(),
        75,
        "per_page is capped at 100"
    );
    assert!(big.header("link").is_none());
}

#[test]
fn pull_request_files_stop_at_3000() {
    let fake = seeded();
    fake.add_pull_request(REPO, PullRequestSeed::new(9, "author", SHA, BASE));
    for i in 0..3005 {
        fake.add_pr_file(
            REPO,
            9,
            FileSeed::modified(&format!("src/f{i}.rs"), "@@ -1 +1 @@\n-a\n+b"),
        );
    }
    let mut total = 0;
    let mut url = Some(format!(
        "{}/repos/{REPO}/pulls/9/files?per_page=100",
        fake.url()
    ));
    while let Some(u) = url {
        let resp = request("GET", &u, Some(WRITE_TOKEN), None).unwrap();
        total += resp.json().as_array().unwrap().len();
        url = link(&resp, "next");
    }
    assert_eq!(total, 3000);
    let first = get(&fake, &format!("/repos/{REPO}/pulls/9/files?per_page=1")).json();
    assert_eq!(first[0]["filename"], "src/f0.rs");
    assert_eq!(first[0]["additions"], 1);
    assert_eq!(first[0]["patch"], "@@ -1 +1 @@\n-a\n+b");
}

#[test]
fn pull_request_reviews_and_comments_have_githubs_shapes() {
    let fake = seeded();
    let mut pr = PullRequestSeed::new(3, "alice", SHA, BASE);
    pr.fork = true;
    fake.add_pull_request(REPO, pr);
    let mut bot = ReviewSeed::new("dependabot[bot]", "APPROVED", SHA);
    bot.bot = true;
    fake.add_review(REPO, 3, bot);
    let mut pending = ReviewSeed::new("bob", "PENDING", SHA);
    pending.commit_id = None;
    fake.add_review(REPO, 3, pending);
    fake.add_comment(
        REPO,
        3,
        CommentSeed {
            login: "carol".into(),
            bot: false,
            body: "LGTM".into(),
            author_association: "OWNER".into(),
        },
    );

    let pull = get(&fake, &format!("/repos/{REPO}/pulls/3")).json();
    assert_eq!(pull["number"], 3);
    assert_eq!(pull["user"]["login"], "alice");
    assert_eq!(pull["head"]["sha"], SHA);
    assert_eq!(pull["base"]["sha"], BASE);
    assert_eq!(pull["head"]["repo"]["fork"], true);
    assert_eq!(pull["head"]["repo"]["full_name"], "alice/widgets");

    let reviews = get(&fake, &format!("/repos/{REPO}/pulls/3/reviews")).json();
    assert_eq!(reviews[0]["user"]["type"], "Bot");
    assert_eq!(reviews[0]["state"], "APPROVED");
    assert!(reviews[0]["submitted_at"].is_string());
    assert!(
        reviews[1].get("submitted_at").is_none(),
        "PENDING has no submitted_at"
    );
    assert!(reviews[1]["commit_id"].is_null());

    let comments = get(&fake, &format!("/repos/{REPO}/issues/3/comments")).json();
    assert_eq!(comments[0]["body"], "LGTM");
    assert_eq!(comments[0]["author_association"], "OWNER");
}

#[test]
fn commit_statuses_and_the_combined_status() {
    let fake = seeded();
    let path = format!("/repos/{REPO}/statuses/{SHA}");
    let long = "x".repeat(141);
    let too_long = send(
        &fake,
        "POST",
        &path,
        &json!({"state": "success", "description": long}),
    );
    assert_eq!(too_long.status, 422);
    assert_eq!(too_long.json()["errors"][0]["field"], "description");
    let ok = send(
        &fake,
        "POST",
        &path,
        &json!({"state": "success", "description": "x".repeat(140), "context": "ci/a"}),
    );
    assert_eq!(ok.status, 201, "{}", ok.body);
    assert_eq!(
        send(&fake, "POST", &path, &json!({"description": "no state"})).status,
        422
    );
    assert_eq!(
        send(&fake, "POST", &path, &json!({"state": "done"})).status,
        422
    );

    let combined = get(&fake, &format!("/repos/{REPO}/commits/{SHA}/status")).json();
    assert_eq!(combined["state"], "success");
    fake.add_status(REPO, SHA, "pending", "CI/B", None);
    let combined = get(&fake, &format!("/repos/{REPO}/commits/{SHA}/status")).json();
    assert_eq!(combined["state"], "pending");
    fake.add_status(REPO, SHA, "failure", "ci/a", Some("broke"));
    fake.add_status(REPO, SHA, "success", "ci/b", None);
    let combined = get(&fake, &format!("/repos/{REPO}/commits/{SHA}/status")).json();
    assert_eq!(combined["state"], "failure");
    assert_eq!(
        combined["total_count"], 2,
        "latest per context, case-insensitive"
    );

    let all = get(&fake, &format!("/repos/{REPO}/commits/{SHA}/statuses")).json();
    assert_eq!(all.as_array().unwrap().len(), 4);
    assert_eq!(all[0]["context"], "ci/b", "newest first");
    assert_eq!(fake.statuses(REPO, SHA).len(), 4);
}

#[test]
fn contents_are_base64_at_a_ref() {
    use base64::Engine as _;
    let fake = seeded();
    let policy = b"schema = 1\nname = \"gate2\"\n".repeat(10);
    fake.put_file(REPO, BASE, "policies/gate2.toml", &policy);
    fake.set_ref(REPO, "main", BASE);
    for git_ref in [BASE, "main"] {
        let resp = get(
            &fake,
            &format!("/repos/{REPO}/contents/policies/gate2.toml?ref={git_ref}"),
        );
        assert_eq!(resp.status, 200);
        let body = resp.json();
        assert_eq!(body["encoding"], "base64");
        assert_eq!(body["type"], "file");
        let content: String = body["content"].as_str().unwrap().split('\n').collect();
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(content)
            .unwrap();
        assert_eq!(decoded, policy);
    }
    assert_eq!(
        get(
            &fake,
            &format!("/repos/{REPO}/contents/policies/gate2.toml?ref={SHA}")
        )
        .status,
        404
    );
    assert_eq!(
        get(&fake, &format!("/repos/{REPO}/contents/missing.toml")).status,
        404
    );
}

#[test]
fn faults_5xx_before_and_after_the_write() {
    let fake = seeded();
    fake.inject("GET", "/repos/*/check-runs", Fault::Status(502), 2);
    let path = format!("/repos/{REPO}/commits/{SHA}/check-runs");
    assert_eq!(get(&fake, &path).status, 502);
    assert_eq!(get(&fake, &path).status, 502);
    assert_eq!(get(&fake, &path).status, 200);

    fake.inject("POST", "/repos/*/check-runs", Fault::Status(500), 1);
    assert_eq!(create_run(&fake, &run_body(1)).status, 500);
    assert!(
        fake.check_runs(REPO).is_empty(),
        "a plain 5xx changes nothing"
    );

    fake.inject(
        "POST",
        "/repos/*/check-runs",
        Fault::StatusAfterWrite(502),
        1,
    );
    assert_eq!(create_run(&fake, &run_body(1)).status, 502);
    assert_eq!(
        fake.check_runs(REPO).len(),
        1,
        "the write happened behind the 502"
    );
    assert_eq!(fake.count("POST", "/repos/*/check-runs"), 2);
}

#[test]
fn faults_rate_limits_carry_githubs_headers() {
    let fake = seeded();
    let path = format!("/repos/{REPO}/commits/{SHA}/status");
    fake.inject(
        "*",
        "*/status",
        Fault::TooManyRequests { retry_after: 7 },
        1,
    );
    let resp = get(&fake, &path);
    assert_eq!(resp.status, 429);
    assert_eq!(resp.header("retry-after"), Some("7"));

    fake.inject(
        "GET",
        "*",
        Fault::SecondaryRateLimit {
            retry_after: Some(3),
        },
        1,
    );
    let resp = get(&fake, &path);
    assert_eq!(resp.status, 403);
    assert_eq!(resp.header("retry-after"), Some("3"));
    assert!(resp.json()["message"]
        .as_str()
        .unwrap()
        .contains("secondary rate limit"));

    fake.inject("GET", "*", Fault::RateLimitExhausted { reset_in: 60 }, 1);
    let resp = get(&fake, &path);
    assert_eq!(resp.status, 403);
    assert_eq!(resp.header("x-ratelimit-remaining"), Some("0"));
    let reset: i64 = resp.header("x-ratelimit-reset").unwrap().parse().unwrap();
    assert!(reset > chrono::Utc::now().timestamp() + 50);

    let ok = get(&fake, &path);
    assert_eq!(ok.status, 200);
    assert!(ok.header("x-ratelimit-remaining").is_some());
}

#[test]
fn faults_slow_responses_are_slow() {
    let fake = seeded();
    let delay = Duration::from_millis(800);
    fake.inject("GET", "*", Fault::Delay(delay), 1);
    let start = Instant::now();
    assert_eq!(
        get(&fake, &format!("/repos/{REPO}/commits/{SHA}/status")).status,
        200
    );
    assert!(start.elapsed() >= delay);
    let start = Instant::now();
    get(&fake, &format!("/repos/{REPO}/commits/{SHA}/status"));
    assert!(start.elapsed() < delay, "only once");
}

#[test]
fn the_request_log_never_holds_the_token() {
    let fake = seeded();
    create_run(&fake, &run_body(2));
    get(&fake, &format!("/repos/{REPO}/commits/{SHA}/check-runs"));
    let log = fake.requests();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].method, "POST");
    assert_eq!(log[0].status, 201);
    assert_eq!(log[0].json()["name"], "tollgate/gate2");
    assert_eq!(log[0].header("authorization"), Some("Bearer <redacted>"));
    for record in &log {
        assert!(!format!("{record:?}").contains(WRITE_TOKEN));
    }
    assert_eq!(fake.count("*", "*"), 2);
    fake.clear_log();
    assert!(fake.requests().is_empty());
}

#[test]
fn workflow_runs_list_by_head_sha_in_pages_and_jobs_are_their_check_runs() {
    use crate::support::fake_github::{CheckRunSeed, WorkflowRunSeed};
    let fake = seeded();
    let ci = fake.add_workflow_run(
        REPO,
        WorkflowRunSeed::completed(".github/workflows/ci.yml", SHA, "failure"),
    );
    let job = fake.add_check_run(
        REPO,
        CheckRunSeed::completed("ci-ok", SHA, "failure").in_workflow(ci),
    );
    for n in 0..3 {
        fake.add_workflow_run(
            REPO,
            WorkflowRunSeed::completed(&format!(".github/workflows/w{n}.yml"), SHA, "success"),
        );
    }
    fake.add_workflow_run(
        REPO,
        WorkflowRunSeed::completed(".github/workflows/ci.yml", BASE, "success"),
    );
    // Made through the API by the Actions app: GitHub files it under the
    // commit's first workflow run, ci.yml's, yet it is no job of it.
    let api_made = fake.add_check_run(REPO, CheckRunSeed::completed("ci-ok", SHA, "success"));

    let page1 = get(
        &fake,
        &format!("/repos/{REPO}/actions/runs?head_sha={SHA}&per_page=3"),
    );
    assert_eq!(page1.status, 200);
    let body = page1.json();
    assert_eq!(body["total_count"], 4, "only runs of that commit");
    assert_eq!(body["workflow_runs"].as_array().unwrap().len(), 3);
    assert_eq!(
        body["workflow_runs"][0]["path"], ".github/workflows/w2.yml",
        "newest first"
    );
    // Fields the fake does not model come from the OpenAPI example.
    assert_eq!(
        body["workflow_runs"][0]["repository"]["full_name"],
        "octocat/Hello-World"
    );
    let link = page1.header("link").unwrap();
    assert!(link.contains("page=2>; rel=\"next\""), "{link}");
    let page2 = get(
        &fake,
        &format!("/repos/{REPO}/actions/runs?head_sha={SHA}&per_page=3&page=2"),
    );
    let last = &page2.json()["workflow_runs"][0];
    assert_eq!(last["path"], ".github/workflows/ci.yml");
    assert_eq!(last["id"], ci);
    let suite = last["check_suite_id"].as_u64().unwrap();

    let jobs = get(
        &fake,
        &format!("/repos/{REPO}/actions/runs/{ci}/jobs?filter=all"),
    )
    .json();
    assert_eq!(jobs["total_count"], 1);
    assert_eq!(jobs["jobs"][0]["id"], job);
    assert_eq!(jobs["jobs"][0]["name"], "ci-ok");
    assert!(jobs["jobs"][0]["check_run_url"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/check-runs/{job}")));
    for id in [job, api_made] {
        let run = get(&fake, &format!("/repos/{REPO}/check-runs/{id}")).json();
        assert_eq!(run["check_suite"]["id"], suite, "run {id}");
    }
    assert_eq!(
        get(&fake, &format!("/repos/{REPO}/actions/runs/999/jobs")).status,
        404
    );
    assert_eq!(
        get(
            &fake,
            &format!("/repos/{REPO}/actions/runs/{ci}/jobs?filter=some")
        )
        .status,
        422
    );
}
