//! Fault injection per GitHub API call (issue 15): every call tollgate
//! makes, in each way GitHub fails, against the fake GitHub.
//!
//! [`CALLS`] is the enumeration: one entry per request template in
//! `src/github` (a test scans the sources, so a call added later without an
//! entry fails), each with the client operation that sends it. [`FAULTS`]
//! is the ways GitHub fails. The client matrix crosses them all: a fault
//! GitHub recovers from (once) must leave the result unchanged, a final one
//! must be an error that names the call and the status, never the token,
//! and no case may leave more than one tollgate check run. The binary
//! matrices then fault each call the `check --github` pull-request run and
//! the privileged judge make, and check the exit code, the check run and the
//! message; and a failed final update must leave the check pending, never an
//! earlier `success`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;
use std::time::Duration;

use serde_json::{json, Value};
use tollgate::github::{
    Artifact, GitHubClient, GitHubError, RepoRef, RetryPolicy, Token, PR_FILES_LIMIT,
};
use tollgate::report::github::{
    CheckAnnotation, CheckAnnotationLevel, CheckConclusion, CheckRunOutput, CheckRunPayload,
};

use crate::support::fake_github::{
    CheckRunSeed, CommentSeed, FakeGitHub, Fault, FileSeed, PullRequestSeed, ReviewSeed,
    WorkflowRunSeed, WRITE_TOKEN,
};
use crate::support::git::git;

const REPO: &str = "octo/widgets";
const HEAD: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";
const BASE: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f001234567";
const TAG_OBJECT: &str = "5555555555555555555555555555555555555555";
const EVIDENCE: &str = ".github/workflows/tollgate-evidence.yml";

/// One request template tollgate sends.
struct Call {
    /// What the call is, for failure messages.
    name: &'static str,
    method: &'static str,
    /// The templates in `src/github` that build this request's path (the
    /// part before `?`), as written there.
    templates: &'static [&'static str],
    /// The path the fake sees, `*` for one segment (ids known only at run time).
    path: &'static str,
    /// What the client's error must name: the operation's path.
    names: &'static str,
    /// Whether a 404 is an answer (`None`), not an error.
    absent_on_404: bool,
}

/// Every GitHub API call tollgate makes.
const CALLS: &[Call] = &[
    Call {
        name: "pull request",
        method: "GET",
        templates: &["/repos/{repo}/pulls/{number}"],
        path: "/repos/octo/widgets/pulls/7",
        names: "GET /repos/octo/widgets/pulls/7",
        absent_on_404: false,
    },
    Call {
        name: "reviews",
        method: "GET",
        templates: &["/repos/{repo}/pulls/{number}/reviews"],
        path: "/repos/octo/widgets/pulls/7/reviews",
        names: "GET /repos/octo/widgets/pulls/7/reviews",
        absent_on_404: false,
    },
    Call {
        name: "pull request files",
        method: "GET",
        templates: &["/repos/{repo}/pulls/{number}/files"],
        path: "/repos/octo/widgets/pulls/7/files",
        names: "GET /repos/octo/widgets/pulls/7/files",
        absent_on_404: false,
    },
    Call {
        name: "comments",
        method: "GET",
        templates: &["/repos/{repo}/issues/{number}/comments"],
        path: "/repos/octo/widgets/issues/7/comments",
        names: "GET /repos/octo/widgets/issues/7/comments",
        absent_on_404: false,
    },
    Call {
        name: "check runs of a commit",
        method: "GET",
        templates: &["/repos/{repo}/commits/{}/check-runs"],
        path: "/repos/octo/widgets/commits/*/check-runs",
        names: "/check-runs",
        absent_on_404: false,
    },
    Call {
        name: "one check run",
        method: "GET",
        templates: &["/repos/{repo}/check-runs/{id}"],
        path: "/repos/octo/widgets/check-runs/*",
        names: "GET /repos/octo/widgets/check-runs/",
        absent_on_404: false,
    },
    Call {
        name: "combined status",
        method: "GET",
        templates: &["/repos/{repo}/commits/{}/status"],
        path: "/repos/octo/widgets/commits/*/status",
        names: "/status",
        absent_on_404: false,
    },
    Call {
        name: "workflow runs of a commit",
        method: "GET",
        templates: &["/repos/{repo}/actions/runs"],
        path: "/repos/octo/widgets/actions/runs",
        names: "GET /repos/octo/widgets/actions/runs",
        absent_on_404: false,
    },
    Call {
        name: "jobs of a workflow run",
        method: "GET",
        templates: &["/repos/{repo}/actions/runs/{run_id}/jobs"],
        path: "/repos/octo/widgets/actions/runs/*/jobs",
        names: "/jobs",
        absent_on_404: false,
    },
    Call {
        name: "file contents",
        method: "GET",
        templates: &["/repos/{repo}/contents/{}"],
        path: "/repos/octo/widgets/contents/tollgate.toml",
        names: "GET /repos/octo/widgets/contents/tollgate.toml",
        absent_on_404: true,
    },
    Call {
        name: "annotations of a check run",
        method: "GET",
        templates: &["/repos/{repo}/check-runs/{id}/annotations"],
        path: "/repos/octo/widgets/check-runs/*/annotations",
        names: "/annotations",
        absent_on_404: false,
    },
    Call {
        name: "create a check run",
        method: "POST",
        templates: &["/repos/{repo}/check-runs"],
        path: "/repos/octo/widgets/check-runs",
        names: "POST /repos/octo/widgets/check-runs",
        absent_on_404: false,
    },
    Call {
        name: "update a check run",
        method: "PATCH",
        templates: &["/repos/{repo}/check-runs/{}"],
        path: "/repos/octo/widgets/check-runs/*",
        names: "PATCH /repos/octo/widgets/check-runs/",
        absent_on_404: false,
    },
    Call {
        name: "artifacts of a run",
        method: "GET",
        templates: &["/repos/{repo}/actions/runs/{run_id}/artifacts"],
        path: "/repos/octo/widgets/actions/runs/*/artifacts",
        names: "/artifacts",
        absent_on_404: false,
    },
    Call {
        name: "runs of a workflow",
        method: "GET",
        templates: &["/repos/{repo}/actions/workflows/{}/runs"],
        path: "/repos/octo/widgets/actions/workflows/*/runs",
        names: "/actions/workflows/tollgate-evidence.yml/runs",
        absent_on_404: false,
    },
    Call {
        name: "artifact download",
        method: "GET",
        templates: &["/repos/{repo}/actions/artifacts/{}/zip"],
        path: "/repos/octo/widgets/actions/artifacts/*/zip",
        names: "/zip",
        absent_on_404: false,
    },
    Call {
        name: "artifact storage (the download's redirect)",
        method: "GET",
        templates: &[],
        path: "/_storage/artifacts/*",
        names: "/zip",
        absent_on_404: false,
    },
    Call {
        name: "open pull requests",
        method: "GET",
        templates: &["/repos/{repo}/pulls"],
        path: "/repos/octo/widgets/pulls",
        names: "GET /repos/octo/widgets/pulls",
        absent_on_404: false,
    },
    Call {
        name: "git ref",
        method: "GET",
        templates: &[
            "/repos/{repo}/git/ref/{}",
            "/repos/{repo}/git/ref/tags/{name}",
        ],
        path: "/repos/octo/widgets/git/ref/tags/v1.0.0",
        names: "GET /repos/octo/widgets/git/ref/tags/v1.0.0",
        absent_on_404: true,
    },
    Call {
        name: "tag object",
        method: "GET",
        templates: &["/repos/{repo}/git/tags/{}"],
        path: "/repos/octo/widgets/git/tags/*",
        names: "/git/tags/",
        absent_on_404: false,
    },
];

/// What a fault should do to a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Retried: the result is as without it.
    Recovers,
    /// Final: an error naming the call and this text (the status).
    Fails(&'static str),
}

/// One way GitHub fails.
struct FaultCase {
    name: &'static str,
    fault: fn() -> Fault,
    times: usize,
    kind: Kind,
}

/// Every way GitHub fails, injected once (recovered from) or always.
const FAULTS: &[FaultCase] = &[
    FaultCase {
        name: "500 before the write, once",
        fault: || Fault::Status(500),
        times: 1,
        kind: Kind::Recovers,
    },
    FaultCase {
        name: "500 before the write, always",
        fault: || Fault::Status(500),
        times: 1000,
        kind: Kind::Fails("500"),
    },
    FaultCase {
        name: "502 after the write, once",
        fault: || Fault::StatusAfterWrite(502),
        times: 1,
        kind: Kind::Recovers,
    },
    FaultCase {
        name: "502 after the write, always",
        fault: || Fault::StatusAfterWrite(502),
        times: 1000,
        kind: Kind::Fails("502"),
    },
    FaultCase {
        name: "401",
        fault: || Fault::Status(401),
        times: 1,
        kind: Kind::Fails("401"),
    },
    FaultCase {
        name: "403",
        fault: || Fault::Status(403),
        times: 1,
        kind: Kind::Fails("403"),
    },
    FaultCase {
        name: "404",
        fault: || Fault::Status(404),
        times: 1,
        kind: Kind::Fails("404"),
    },
    FaultCase {
        name: "422",
        fault: || Fault::Status(422),
        times: 1,
        kind: Kind::Fails("422"),
    },
    FaultCase {
        name: "429 with Retry-After, once",
        fault: || Fault::TooManyRequests { retry_after: 1 },
        times: 1,
        kind: Kind::Recovers,
    },
    FaultCase {
        name: "429 with Retry-After, always",
        fault: || Fault::TooManyRequests { retry_after: 1 },
        times: 1000,
        kind: Kind::Fails("429"),
    },
    FaultCase {
        name: "secondary rate limit with Retry-After",
        fault: || Fault::SecondaryRateLimit {
            retry_after: Some(1),
        },
        times: 1,
        kind: Kind::Recovers,
    },
    FaultCase {
        name: "secondary rate limit without Retry-After",
        fault: || Fault::SecondaryRateLimit { retry_after: None },
        times: 1,
        kind: Kind::Recovers,
    },
    FaultCase {
        name: "x-ratelimit-remaining 0 until x-ratelimit-reset",
        fault: || Fault::RateLimitExhausted { reset_in: 0 },
        times: 1,
        kind: Kind::Recovers,
    },
    FaultCase {
        name: "connection reset before the write",
        fault: || Fault::ConnectionReset,
        times: 1,
        kind: Kind::Recovers,
    },
    FaultCase {
        name: "connection reset after the write",
        fault: || Fault::ResetAfterWrite,
        times: 1,
        kind: Kind::Recovers,
    },
    FaultCase {
        name: "slow response past the timeout",
        fault: || Fault::Delay(Duration::from_millis(2500)),
        times: 1,
        kind: Kind::Recovers,
    },
    FaultCase {
        name: "Content-Length longer than the body",
        fault: || Fault::ShortBody,
        times: 1,
        kind: Kind::Recovers,
    },
    FaultCase {
        name: "body cut mid-JSON",
        fault: || Fault::CutBody,
        times: 1,
        kind: Kind::Recovers,
    },
];

/// The retry policy of the client matrix: quick backoff, a 2 s attempt
/// timeout, 10 s in all.
fn policy() -> RetryPolicy {
    RetryPolicy {
        max_retries: 4,
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(50),
        total_budget: Duration::from_secs(10),
        attempt_timeout: Duration::from_secs(2),
        min_rate_limit_wait: Duration::from_millis(200),
    }
}

fn repo() -> RepoRef {
    REPO.parse().unwrap()
}

/// A real zip holding one file.
fn zip_of(name: &str, bytes: &[u8]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    w.start_file(name, opts).unwrap();
    w.write_all(bytes).unwrap();
    w.finish().unwrap().into_inner()
}

fn lcov() -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/coverage/coveragepy/lcov.info"),
    )
    .unwrap()
}

fn our_payload(sha: &str) -> CheckRunPayload {
    let annotations = (1..=2)
        .map(|line| {
            CheckAnnotation::new(
                "src/lib.rs",
                line,
                line,
                CheckAnnotationLevel::Warning,
                "Uncovered changed line",
                &format!("line {line} is not covered"),
            )
        })
        .collect();
    CheckRunPayload::new(
        "tollgate/gate",
        sha,
        CheckConclusion::Failure,
        CheckRunOutput::new(
            "gate failed: 1 of 2 rules",
            "| rule |",
            "Cover it.",
            annotations,
        ),
    )
    .unwrap()
}

/// A fake holding something for every call.
struct World {
    fake: FakeGitHub,
    workflow_run: u64,
    artifact: Artifact,
    our_run: u64,
}

fn world() -> World {
    let fake = FakeGitHub::start();
    fake.add_repo(REPO);
    fake.add_pull_request(REPO, PullRequestSeed::new(7, "dev", HEAD, BASE));
    fake.add_review(REPO, 7, ReviewSeed::new("alice", "APPROVED", HEAD));
    fake.add_pr_file(
        REPO,
        7,
        FileSeed::modified("src/lib.rs", "@@ -1,1 +1,2 @@\n a\n+b\n"),
    );
    fake.add_comment(
        REPO,
        7,
        CommentSeed {
            login: "alice".into(),
            bot: false,
            body: "looks good".into(),
            author_association: "MEMBER".into(),
        },
    );
    let workflow_run =
        fake.add_workflow_run(REPO, WorkflowRunSeed::completed(EVIDENCE, HEAD, "success"));
    fake.add_check_run(
        REPO,
        CheckRunSeed::completed("ci / test", HEAD, "success").in_workflow(workflow_run),
    );
    fake.add_status(REPO, HEAD, "success", "ci/legacy", None);
    fake.put_file(REPO, BASE, "tollgate.toml", b"policy_dir = \"policies\"\n");
    let zip = zip_of("target/lcov.info", &lcov());
    let size = zip.len() as u64;
    let artifact_id = fake.add_artifact(REPO, workflow_run, "tollgate-evidence", zip);
    fake.add_tag_object(
        REPO,
        TAG_OBJECT,
        "v1.0.0",
        "Release 1.0.0\n",
        "commit",
        HEAD,
    );
    fake.set_git_ref(REPO, "tags/v1.0.0", "tag", TAG_OBJECT);
    // tollgate's own run with annotations, for updates and annotation reads.
    let gh = client(&fake);
    let our_run = gh
        .publish_check_run(&repo(), &our_payload(HEAD))
        .unwrap()
        .id
        .0;
    fake.clear_log();
    World {
        fake,
        workflow_run,
        artifact: Artifact {
            id: artifact_id,
            name: "tollgate-evidence".into(),
            size_in_bytes: size,
            expired: false,
        },
        our_run,
    }
}

fn client(fake: &FakeGitHub) -> GitHubClient {
    GitHubClient::new(&fake.url(), &Token::new(WRITE_TOKEN).unwrap(), policy()).unwrap()
}

/// Sends the request `call` names (with whatever the client sends around
/// it) and sums up the answer.
fn invoke(call: &Call, w: &World) -> Result<String, GitHubError> {
    let gh = client(&w.fake);
    let r = repo();
    Ok(match call.name {
        "pull request" => gh.pull_request(&r, 7)?.head_sha,
        "reviews" => gh.list_reviews(&r, 7)?.len().to_string(),
        "pull request files" => {
            let files = gh.pr_files(&r, 7)?;
            assert!(files.len() <= PR_FILES_LIMIT);
            files.len().to_string()
        }
        "comments" => gh.issue_comments(&r, 7)?.len().to_string(),
        "check runs of a commit" => gh.check_runs_for_ref(&r, HEAD)?.len().to_string(),
        "one check run" => {
            gh.check_run(&r, tollgate::github::CheckRunId(w.our_run))?
                .name
        }
        "combined status" => gh.statuses_for_ref(&r, HEAD)?.len().to_string(),
        "workflow runs of a commit" => gh.workflow_runs_for_sha(&r, HEAD)?.len().to_string(),
        "jobs of a workflow run" => gh.workflow_run_jobs(&r, w.workflow_run)?.len().to_string(),
        "file contents" => format!(
            "{:?}",
            gh.file_contents(&r, "tollgate.toml", BASE)?
                .map(|b| b.len())
        ),
        // Republishing the same verdict reads the run's annotations, then
        // updates it without sending them again.
        "annotations of a check run" | "update a check run" => {
            let p = gh.publish_check_run(&r, &our_payload(HEAD))?;
            format!(
                "created {} already {}",
                p.created, p.annotations_already_present
            )
        }
        "create a check run" => {
            let p = gh.publish_check_run(&r, &our_payload(BASE))?;
            format!("created {} sent {}", p.created, p.annotations_sent)
        }
        "artifacts of a run" => gh.run_artifacts(&r, w.workflow_run)?.len().to_string(),
        "runs of a workflow" => {
            let a = gh.push_runs_of_workflow(&r, EVIDENCE, HEAD, "main")?.len();
            let b = gh
                .recent_push_runs_of_workflow(&r, EVIDENCE, "main", 5)?
                .len();
            format!("{a} {b}")
        }
        "artifact download" | "artifact storage (the download's redirect)" => {
            let zip = gh.download_artifact(&r, &w.artifact, 1 << 20)?;
            assert!(zip::ZipArchive::new(std::io::Cursor::new(&zip)).is_ok());
            zip.len().to_string()
        }
        "open pull requests" => gh.open_pull_requests(&r)?.len().to_string(),
        "git ref" | "tag object" => format!("{:?}", gh.peel_tag(&r, "v1.0.0")?.map(|t| t.commit)),
        other => panic!("no invocation for the call {other:?}: add one to `invoke`"),
    })
}

/// Runs `cases` on a few threads (most of a case is waiting), collecting
/// every failure.
fn run_all<T: Sync>(
    cases: &[T],
    threads: usize,
    check: impl Fn(&T) -> Option<String> + Sync,
) -> Vec<String> {
    let next = Mutex::new(0usize);
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let i = {
                    let mut n = next.lock().unwrap();
                    *n += 1;
                    *n - 1
                };
                let Some(case) = cases.get(i) else { break };
                if let Some(failure) = check(case) {
                    failures.lock().unwrap().push(failure);
                }
            });
        }
    });
    failures.into_inner().unwrap()
}

/// What the call must yield under the fault (the baseline, or an error
/// naming it), by the rules in docs/github.md, "When GitHub fails".
fn expected(call: &Call, fault: &FaultCase) -> Kind {
    match (call.method, fault.name) {
        // The POST happened: the lookup that follows adopts the run. A run
        // that refuses our PATCH is another app's: a run of our own is
        // created beside it.
        ("POST", "502 after the write, always") | ("PATCH", "403") => Kind::Recovers,
        _ => fault.kind,
    }
}

#[test]
fn every_call_under_every_fault_recovers_or_fails_saying_which_call_and_status() {
    let cases: Vec<(&Call, &FaultCase)> = CALLS
        .iter()
        .flat_map(|c| FAULTS.iter().map(move |f| (c, f)))
        .collect();
    assert_eq!(cases.len(), CALLS.len() * FAULTS.len());
    let failures = run_all(&cases, 8, |(call, fault)| {
        let w = world();
        let baseline = match invoke(call, &w) {
            Ok(b) => b,
            Err(e) => return Some(format!("{}: baseline failed: {e}", call.name)),
        };
        // A fresh world for the faulted run: the baseline changed state.
        let w = world();
        let runs_before = w.fake.check_runs_named(REPO, "tollgate/gate").len();
        w.fake
            .inject_exact(call.method, call.path, (fault.fault)(), fault.times);
        let got = invoke(call, &w);
        let label = format!("{} under {}", call.name, fault.name);
        let hit = w.fake.requests().iter().any(|r| r.fault.is_some());
        if !hit {
            return Some(format!("{label}: the fault was never injected"));
        }
        let ours = w.fake.check_runs_named(REPO, "tollgate/gate");
        let created = ours.len() - runs_before;
        let allowed = usize::from(
            call.name == "create a check run" || (call.method == "PATCH" && fault.name == "403"),
        );
        if created > allowed {
            return Some(format!("{label}: {created} check runs created: {ours:?}"));
        }
        match (expected(call, fault), got) {
            (Kind::Recovers, Ok(v)) if v == baseline || call.method == "PATCH" => None,
            (Kind::Recovers, Ok(v)) => {
                Some(format!("{label}: {v:?}, without the fault {baseline:?}"))
            }
            (Kind::Fails("404"), Ok(v)) if call.absent_on_404 && v == "None" => None,
            (kind, Err(e)) => {
                let text = format!("{e}");
                if format!("{e} {e:?}").contains(WRITE_TOKEN) {
                    return Some(format!("{label}: the token is in the error: {text}"));
                }
                match kind {
                    Kind::Fails(status) if text.contains(status) && text.contains(call.names) => {
                        None
                    }
                    _ => Some(format!("{label}: expected {kind:?}, got the error: {text}")),
                }
            }
            (kind, Ok(v)) => Some(format!("{label}: expected {kind:?}, got {v:?}")),
        }
    });
    assert!(
        failures.is_empty(),
        "{} of {} cases:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// Every request template in `src/github` (a string starting
/// `/repos/{repo}/`, up to `?`).
fn source_templates() -> BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/github");
    let mut out = BTreeSet::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        // Only the code, not its tests.
        let code = text.split("#[cfg(test)]").next().unwrap_or(&text);
        for (i, _) in code.match_indices("\"/repos/{repo}") {
            let rest = &code[i + 1..];
            let end = rest.find(['"', '?']).unwrap();
            out.insert(rest[..end].to_owned());
        }
    }
    out
}

/// A call added to `src/github` without an entry in [`CALLS`] (and so
/// without fault cases) fails here.
#[test]
fn every_request_template_in_src_github_has_fault_cases() {
    let found = source_templates();
    assert!(found.len() >= 15, "{found:?}");
    let listed: BTreeSet<String> = CALLS
        .iter()
        .flat_map(|c| c.templates.iter().map(|t| (*t).to_owned()))
        .collect();
    let missing: Vec<&String> = found.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "calls without fault cases, add them to CALLS: {missing:?}"
    );
    let stale: Vec<&String> = listed.difference(&found).collect();
    assert!(
        stale.is_empty(),
        "CALLS lists templates src/github no longer has: {stale:?}"
    );
}

// ---------------------------------------------------------------------------
// The binary, in each mode that publishes.

const CHECK: &str = "tollgate/gate";
const POLICY: &str = "schema = 1\nname = \"gate\"\nversion = \"1.0.0\"\n\n[coverage]\nlines = 50.0\n\n[reviews]\napprovals = 1\n\n[checks]\nrequired = [\"ci / test\"]\n";
const JUDGE_CONFIG: &str = "policy_dir = \"policies\"\n[gates]\npull_request = \"gate\"\npush = \"gate\"\n[evidence]\ncoverage = [\"target/lcov.info\"]\n";

/// A git repository whose base holds the policy, and the fake with a pull
/// request from `head`.
struct Scene {
    dir: tempfile::TempDir,
    repo: PathBuf,
    base: String,
    head: String,
    fake: FakeGitHub,
    /// The evidence run, for the judge.
    evidence_run: u64,
}

fn scene(config: &str) -> Scene {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(repo.join("policies")).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    std::fs::write(repo.join("tollgate.toml"), config).unwrap();
    std::fs::write(repo.join("policies/gate.toml"), POLICY).unwrap();
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "base"]);
    let base = git(&repo, &["rev-parse", "HEAD"]);
    std::fs::write(repo.join("README.md"), "change\n").unwrap();
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "head"]);
    let head = git(&repo, &["rev-parse", "HEAD"]);
    let fake = FakeGitHub::start();
    fake.add_repo(REPO);
    fake.add_pull_request(REPO, PullRequestSeed::new(7, "dev", &head, &base));
    fake.add_review(REPO, 7, ReviewSeed::new("alice", "APPROVED", &head));
    let evidence_run =
        fake.add_workflow_run(REPO, WorkflowRunSeed::completed(EVIDENCE, &head, "success"));
    fake.add_check_run(
        REPO,
        CheckRunSeed::completed("ci / test", &head, "success").in_workflow(evidence_run),
    );
    fake.add_artifact(
        REPO,
        evidence_run,
        "tollgate-evidence",
        zip_of("target/lcov.info", &lcov()),
    );
    Scene {
        dir,
        repo,
        base,
        head,
        fake,
        evidence_run,
    }
}

fn env_base(s: &Scene, cmd: &mut Command, event: &str, payload: &Value) {
    let event_path = s.dir.path().join(format!("event-{event}.json"));
    std::fs::write(&event_path, payload.to_string()).unwrap();
    cmd.env_clear()
        .envs(crate::support::coverage::profile_env())
        .current_dir(&s.repo)
        .env("PATH", std::env::var_os("PATH").unwrap())
        .env("HOME", s.dir.path())
        .env("GITHUB_API_URL", s.fake.url())
        // Backoff 50 ms doubling, 9 s in all, a 2 s attempt timeout.
        .env("TOLLGATE_RETRY_SCALE", "0.05")
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", event)
        .env("GITHUB_EVENT_PATH", &event_path)
        .env("GITHUB_REPOSITORY", REPO)
        .env("GITHUB_SERVER_URL", "https://github.example")
        .env("GITHUB_RUN_ID", "99")
        .env("GITHUB_TOKEN", WRITE_TOKEN)
        .env("GITHUB_STEP_SUMMARY", s.dir.path().join("summary.md"))
        .env("GITHUB_OUTPUT", s.dir.path().join("output.txt"))
        .env("RUNNER_TEMP", s.dir.path());
}

/// `check --github` on a `pull_request` event.
fn run_pr(s: &Scene) -> Output {
    let payload = json!({
        "action": "synchronize",
        "number": 7,
        "pull_request": {
            "number": 7,
            "user": {"login": "dev"},
            "head": {"sha": s.head, "ref": "feature", "repo": {"full_name": REPO, "fork": false}},
            "base": {"sha": s.base, "ref": "main", "repo": {"full_name": REPO}}
        },
        "repository": {"full_name": REPO}
    });
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tollgate"));
    env_base(s, &mut cmd, "pull_request", &payload);
    cmd.env("GITHUB_SHA", "1111111111111111111111111111111111111111")
        .args(["check", "--github", "--coverage"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/coverage/coveragepy/lcov.info"))
        .output()
        .unwrap()
}

/// The judge on the evidence run's `workflow_run` event.
fn run_judge(s: &Scene) -> Output {
    git(&s.repo, &["checkout", "-q", &s.base]);
    judge_command(s, 1, "2026-11-30T10:00:00Z", "evidence")
        .output()
        .unwrap()
}

/// The judge's `check --github` for the evidence run's attempt
/// `attempt`, finished at `updated_at`, unpacking into `evidence_dir`.
fn judge_command(s: &Scene, attempt: u32, updated_at: &str, evidence_dir: &str) -> Command {
    let payload = json!({
        "action": "completed",
        "workflow_run": {
            "id": s.evidence_run,
            "name": "tollgate-evidence.yml",
            "path": EVIDENCE,
            "event": "pull_request",
            "status": "completed",
            "conclusion": "success",
            "head_sha": s.head,
            "head_branch": "feature",
            "head_repository": {"full_name": REPO},
            "pull_requests": [],
            "run_attempt": attempt,
            "updated_at": updated_at,
        },
        "repository": {"full_name": REPO, "default_branch": "main"}
    });
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tollgate"));
    env_base(s, &mut cmd, "workflow_run", &payload);
    cmd.env("GITHUB_SHA", &s.base)
        .args(["check", "--github", "--evidence-dir"])
        .arg(s.dir.path().join(evidence_dir));
    cmd
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The calls of [`CALLS`] a run sent, by the fake's log.
fn calls_made(fake: &FakeGitHub) -> Vec<&'static Call> {
    let log = fake.requests();
    CALLS
        .iter()
        .filter(|c| {
            log.iter().any(|r| {
                r.method == c.method
                    && r.path.split('/').count() == c.path.split('/').count()
                    && r.path
                        .split('/')
                        .zip(c.path.split('/'))
                        .all(|(a, b)| b == "*" || a == b)
            })
        })
        .collect()
}

/// What a binary run must end with under a fault of one of its calls.
fn check_binary_case(
    mode: &str,
    make: fn() -> Scene,
    run: fn(&Scene) -> Output,
    call: &Call,
    fault: &FaultCase,
    baseline_code: i32,
) -> Option<String> {
    let s = make();
    s.fake
        .inject_exact(call.method, call.path, (fault.fault)(), fault.times);
    let out = run(&s);
    let label = format!("{mode}: {} under {}", call.name, fault.name);
    let all = text(&out);
    // But for the `::add-mask::` line, which the runner consumes.
    if all
        .lines()
        .any(|l| l.contains(WRITE_TOKEN) && !l.starts_with("::add-mask::"))
    {
        return Some(format!("{label}: the token was printed"));
    }
    let ours = s.fake.check_runs_named(REPO, CHECK);
    let mine: Vec<_> = ours.iter().filter(|r| r.head_sha == s.head).collect();
    // A 403 on the PATCH says the run is another app's: one of our own is
    // made beside it.
    let max = if call.method == "PATCH" && fault.name == "403" {
        2
    } else {
        1
    };
    if mine.len() > max {
        return Some(format!(
            "{label}: {} check runs on the commit: {mine:?}",
            mine.len()
        ));
    }
    let code = out.status.code();
    let shown = mine.iter().max_by_key(|r| r.id);
    match expected(call, fault) {
        Kind::Recovers => {
            if code != Some(baseline_code) {
                return Some(format!(
                    "{label}: exit {code:?}, without the fault {baseline_code}:\n{all}"
                ));
            }
            if shown.map(|r| r.status.as_str()) != Some("completed") {
                return Some(format!(
                    "{label}: the check run is not completed: {shown:?}"
                ));
            }
            None
        }
        Kind::Fails(status) => {
            // The check's writes tolerate a 403 (fallback) and the judge's
            // history reads are notes: whatever the code, never a stale
            // success, and a GitHub failure is exit 3 naming call and status.
            if code == Some(3) {
                if !(all.contains(status) && all.contains(call.names)) {
                    return Some(format!(
                        "{label}: exit 3 without naming the call and {status}:\n{all}"
                    ));
                }
                // The scene has no earlier run: a success can only be this
                // run's own write, which went through behind the failure.
                let after_write = fault.name.contains("after the write");
                if !after_write && shown.is_some_and(|r| r.conclusion.as_deref() == Some("success"))
                {
                    return Some(format!("{label}: exit 3 left a success: {shown:?}"));
                }
                None
            } else if code == Some(baseline_code) && (status == "403" || status == "404") {
                None
            } else if mode == "judge"
                && call.name == "runs of a workflow"
                && code == Some(baseline_code)
                && shown.is_some_and(|r| r.status == "completed")
            {
                // The coverage trend's history (no `coverage.drop` in this
                // policy): decoration, a note when it cannot be read.
                None
            } else if code == Some(baseline_code)
                && all.contains("warning: could not mark the check run")
                && all.contains(status)
                && shown.is_some_and(|r| r.status == "completed")
            {
                // A one-off failure of the in-progress mark: a warning
                // naming the call and status, and the final update still
                // posted the verdict.
                None
            } else {
                Some(format!("{label}: exit {code:?}, expected 3:\n{all}"))
            }
        }
    }
}

fn binary_matrix(mode: &str, make: fn() -> Scene, run: fn(&Scene) -> Output) {
    let s = make();
    let out = run(&s);
    let baseline = out.status.code().unwrap();
    assert!(baseline == 0 || baseline == 1, "{}", text(&out));
    let sent = calls_made(&s.fake);
    assert!(
        sent.len() >= 5,
        "{mode} made only {:?}",
        sent.iter().map(|c| c.name).collect::<Vec<_>>()
    );
    let cases: Vec<(&Call, &FaultCase)> = sent
        .iter()
        .flat_map(|c| FAULTS.iter().map(move |f| (*c, f)))
        .collect();
    let failures = run_all(&cases, 6, |(call, fault)| {
        check_binary_case(mode, make, run, call, fault, baseline)
    });
    assert!(
        failures.is_empty(),
        "{} of {} cases:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

fn pr_scene() -> Scene {
    scene("policy_dir = \"policies\"\n[gates]\npull_request = \"gate\"\n")
}

fn judge_scene() -> Scene {
    scene(JUDGE_CONFIG)
}

#[test]
fn check_github_on_a_pull_request_under_every_fault_of_every_call() {
    binary_matrix("check --github", pr_scene, run_pr);
}

#[test]
fn the_judge_under_every_fault_of_every_call() {
    binary_matrix("judge", judge_scene, run_judge);
}

/// An earlier `success` on the commit, then a judge run whose final update
/// fails: the check is left in progress (pending, which blocks a merge),
/// never the old success.
#[test]
fn a_judge_whose_final_update_fails_leaves_a_pending_check_not_a_stale_success() {
    let s = judge_scene();
    let out = run_judge(&s);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let runs = s.fake.check_runs_named(REPO, CHECK);
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0].conclusion.as_deref(), Some("success"), "{runs:?}");

    // A second evaluation: every PATCH fails from now on, so the mark (a
    // fresh run, a POST) goes through and the final update does not.
    s.fake
        .inject("PATCH", "/repos/*/check-runs/*", Fault::Status(502), 1000);
    let mut payload_later = run_judge_later(&s);
    let out = payload_later.output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(
        text(&out).contains("PATCH /repos/octo/widgets/check-runs/"),
        "{}",
        text(&out)
    );
    let runs = s.fake.check_runs_named(REPO, CHECK);
    let newest = runs.iter().max_by_key(|r| r.id).unwrap();
    assert_eq!(
        (newest.status.as_str(), newest.conclusion.as_deref()),
        ("in_progress", None),
        "{runs:?}"
    );
    assert_eq!(newest.title.as_deref(), Some("gate: judging"), "{runs:?}");
}

/// The judge's command for a later evaluation (a re-run, attempt 2), so
/// that the earlier one does not count as newer.
/// A later attempt of the judge, into a fresh evidence directory.
fn run_judge_later(s: &Scene) -> Command {
    judge_command(s, 2, "2026-11-30T11:00:00Z", "evidence-2")
}

/// The judge marks in progress, then stops on an input error (a broken
/// evidence directory): the run is completed as a failure saying why, not
/// left pending and never the earlier success.
#[test]
fn a_judge_stopped_by_an_input_error_completes_the_mark_as_a_failure() {
    let s = judge_scene();
    let out = run_judge(&s);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // The evidence directory the judge must unpack into is not empty.
    let dir = s.dir.path().join("evidence-2");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("planted.info"), "SF:x\nend_of_record\n").unwrap();
    let out = run_judge_later(&s).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let runs = s.fake.check_runs_named(REPO, CHECK);
    let newest = runs.iter().max_by_key(|r| r.id).unwrap();
    assert_eq!(
        (
            newest.status.as_str(),
            newest.conclusion.as_deref(),
            newest.title.as_deref()
        ),
        ("completed", Some("failure"), Some("gate: could not judge")),
        "{runs:?}"
    );
}
