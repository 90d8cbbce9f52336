//! The shipped workflows, run the way GitHub runs them, against the fake
//! GitHub server: `tollgate-evidence.yml` and `tollgate-review.yml` from the
//! pull request's own (possibly hostile) copy with the token a pull request
//! gets, `tollgate-judge.yml` from the default branch's copy on the
//! `workflow_run` payload GitHub would send. Each finished run is registered
//! with the fake (its workflow run and its artifact as a zip), so the judge
//! finds the evidence through the Actions API, as on GitHub; nothing passes
//! from the evidence job to the judge any other way.
//!
//! Every scenario asserts on the fake's state (the `tollgate/gate2` check
//! run on the head commit), never on what a job printed about itself, and
//! that the write token leaked nowhere.
//!
//! The scenario repository holds this crate's `action.yml`, `.github/action/` and
//! sources (the action's install step hashes them), the three shipped
//! workflows, and a small `tollgate.toml` + Gate 2 policy that the committed
//! example evidence (`fixtures/example`, copied by the tool shims) passes on
//! its own: the verdict then turns on what a pull request cannot forge —
//! reviews, the required `ci-ok` check, signed overrides and the base
//! branch's policy.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::support::files::{copy_into, manifest, write_files};
use crate::support::git::git;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

use crate::support::fake_github::{
    CheckRun, CheckRunSeed, CommentSeed, FakeGitHub, PullRequestSeed, ReviewSeed, WorkflowRunSeed,
    READ_ONLY_TOKEN, WRITE_TOKEN,
};
use crate::support::runner::{shims, zip, Runner, WorkflowRun};

const REPO: &str = "octo/widgets";
const FORK: &str = "mallory/widgets";
const EVIDENCE: &str = ".github/workflows/tollgate-evidence.yml";
const REVIEW: &str = ".github/workflows/tollgate-review.yml";
const JUDGE: &str = ".github/workflows/tollgate-judge.yml";
const CI: &str = ".github/workflows/ci.yml";
const CHECK: &str = "tollgate/gate2";

/// The scenario repository's tollgate.toml: the evidence paths the shipped
/// evidence workflow uploads.
const CONFIG: &str = r#"policy_dir = "policies"

[gates]
pull_request = "gate2"
push = "gate2"

[evidence]
coverage = ["target/lcov.info"]
audit = "target/audit.json"
tests = ["target/nextest/ci/junit.xml"]
bench = ["target/criterion"]
"#;

/// Gate 2 as the scenarios judge it. The example evidence covers 72.88% of
/// its lines and passes its 6 tests.
fn policy(lines: f64, approvals: u32) -> String {
    format!(
        r#"schema = 1
name = "gate2"
title = "Gate 2 (workflow scenarios)"
version = "1.0.0"

[coverage]
lines = {lines:.1}

[tests]
all_pass = true
min_tests = 1

[reviews]
approvals = {approvals}
current_head_only = true
block_on_changes_requested = true
associations = ["OWNER", "MEMBER", "COLLABORATOR"]

[checks]
required = ["ci-ok"]

[overrides]
signers = "allowed_signers"
min_signers = 1
# The committed fixture documents expire 2099-12-31: allow them.
max_days = 36500
"#
    )
}

/// GitHub, its runners and one repository, for one scenario.
struct World {
    _dir: tempfile::TempDir,
    remote: PathBuf,
    /// The default branch's head.
    main: String,
    fake: FakeGitHub,
    runner: Runner,
    shim_dir: PathBuf,
}

impl World {
    /// A repository whose main branch holds the shipped workflows and action
    /// and the given policy.
    fn new(policy_text: &str) -> Self {
        Self::with_config(CONFIG, policy_text)
    }

    /// [`World::new`] with another `tollgate.toml`.
    fn with_config(config: &str, policy_text: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let remote = dir.path().join("remote");
        let root = manifest();
        for item in [
            "action.yml",
            ".github/action",
            "Cargo.toml",
            "Cargo.lock",
            "src",
            "benches/bench-base-head.sh",
        ] {
            copy_into(&root.join(item), &remote.join(item));
        }
        for wf in [EVIDENCE, REVIEW, JUDGE] {
            copy_into(&root.join(wf), &remote.join(wf));
        }
        copy_into(
            &root.join("fixtures/overrides/allowed_signers"),
            &remote.join("policies/allowed_signers"),
        );
        write_files(
            &remote,
            &[
                ("tollgate.toml", config),
                ("policies/gate2.toml", policy_text),
            ],
        );
        git(&remote, &["init", "-q", "-b", "main"]);
        git(&remote, &["add", "-A"]);
        git(&remote, &["commit", "-q", "-m", "base"]);
        let main = git(&remote, &["rev-parse", "HEAD"]);
        let fake = FakeGitHub::start();
        fake.add_repo(REPO);
        fake.set_ref(REPO, "main", &main);
        for (path, text) in [
            ("tollgate.toml", config.to_owned()),
            ("policies/gate2.toml", policy_text.to_owned()),
        ] {
            fake.put_file(REPO, &main, path, text.as_bytes());
        }
        let mut runner = Runner::new()
            .with_repository(REPO, &remote)
            .with_api_url(&fake.url());
        let shim_dir = runner.scratch("shims");
        shims::standard(
            &shim_dir,
            Path::new(env!("CARGO_BIN_EXE_tollgate")),
            &shims::Fixtures::example(),
        );
        runner.prepend_path(&shim_dir);
        Self {
            _dir: dir,
            remote,
            main,
            fake,
            runner,
            shim_dir,
        }
    }

    /// Commits `files` (and removes `remove`) on `branch`, started from
    /// `from`; returns the new commit.
    fn commit(&self, branch: &str, from: &str, files: &[(&str, &str)], remove: &[&str]) -> String {
        git(&self.remote, &["checkout", "-q", "-B", branch, from]);
        write_files(&self.remote, files);
        for path in remove {
            git(&self.remote, &["rm", "-q", "-r", path]);
        }
        git(&self.remote, &["add", "-A"]);
        git(&self.remote, &["commit", "-q", "-m", branch]);
        let sha = git(&self.remote, &["rev-parse", "HEAD"]);
        git(&self.remote, &["checkout", "-q", "main"]);
        sha
    }

    /// The files of commit `sha`, as a directory: the copy of the workflows
    /// a run at that commit executes.
    fn tree(&self, sha: &str) -> PathBuf {
        let dir = self.runner.scratch(&format!("tree-{sha}"));
        if dir.join(".github").exists() {
            return dir;
        }
        let archive = Command::new("git")
            .arg("-C")
            .arg(&self.remote)
            .args(["archive", "--format=tar", sha])
            .output()
            .unwrap();
        assert!(archive.status.success());
        let mut tar = Command::new("tar")
            .arg("-x")
            .arg("-C")
            .arg(&dir)
            .stdin(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(tar.stdin.as_mut().unwrap(), &archive.stdout).unwrap();
        assert!(tar.wait().unwrap().success());
        dir
    }

    /// Opens pull request `number` from `head` into `base_ref` (at
    /// `base_sha`): the fake knows it, the remote has its head and merge refs.
    fn open_pr(&self, number: u64, head: &str, base_ref: &str, base_sha: &str, fork: bool) -> Pr {
        git(
            &self.remote,
            &["update-ref", &format!("refs/pull/{number}/head"), head],
        );
        git(&self.remote, &["checkout", "-q", "--detach", base_sha]);
        git(
            &self.remote,
            &["merge", "-q", "--no-ff", "-m", "merge", head],
        );
        let merge = git(&self.remote, &["rev-parse", "HEAD"]);
        git(
            &self.remote,
            &["update-ref", &format!("refs/pull/{number}/merge"), &merge],
        );
        git(&self.remote, &["checkout", "-q", "main"]);
        let mut seed =
            PullRequestSeed::new(number, if fork { "mallory" } else { "dev" }, head, base_sha);
        base_ref.clone_into(&mut seed.base_ref);
        seed.fork = fork;
        seed.head_ref = format!("feature-{number}");
        self.fake.add_pull_request(REPO, seed);
        Pr {
            number,
            head: head.to_owned(),
            base_ref: base_ref.to_owned(),
            base_sha: base_sha.to_owned(),
            merge,
            fork,
        }
    }

    /// Registers a finished run with the fake: the run, and its artifacts as
    /// the zip the Actions API serves. The fake assigns the run's id; the
    /// run takes it, so that its `workflow_run` payload names the run the
    /// judge can find through the API.
    fn register(&self, run: &mut WorkflowRun) {
        let payload = run.workflow_run_payload(REPO);
        let wr = &payload["workflow_run"];
        let id = self.fake.add_workflow_run(
            REPO,
            WorkflowRunSeed {
                name: run.name.clone(),
                path: run.path.clone(),
                event: run.event.clone(),
                status: "completed".to_owned(),
                conclusion: Some(run.conclusion.clone()),
                head_sha: wr["head_sha"].as_str().unwrap().to_owned(),
            },
        );
        run.id = id;
        for name in run.artifact_names() {
            self.fake
                .add_artifact(REPO, id, &name, run.artifact_zip(&name).unwrap());
        }
    }

    /// Runs the evidence workflow for `pr` from the copy at `pr.head`.
    fn evidence(&mut self, pr: &Pr) -> WorkflowRun {
        let source = self.tree(&pr.head);
        let mut run = self
            .runner
            .workflow(&source, EVIDENCE)
            .event("pull_request", pr.payload("synchronize"))
            .commit(&pr.merge, &format!("refs/pull/{}/merge", pr.number))
            .token(pr.token())
            .actor(pr.author())
            .run();
        self.register(&mut run);
        run
    }

    /// A review appears on the fake, and the relay runs from the PR's copy.
    fn review(&mut self, pr: &Pr, reviewer: &str, state: &str, action: &str) -> WorkflowRun {
        self.fake
            .add_review(REPO, pr.number, ReviewSeed::new(reviewer, state, &pr.head));
        let source = self.tree(&pr.head);
        let mut payload = pr.payload(action);
        payload["review"] = json!({"state": state.to_ascii_lowercase(), "user": {"login": reviewer}, "commit_id": pr.head});
        let mut run = self
            .runner
            .workflow(&source, REVIEW)
            .event("pull_request_review", payload)
            .commit(&pr.merge, &format!("refs/pull/{}/merge", pr.number))
            .token(pr.token())
            .actor(reviewer)
            .run();
        assert_eq!(run.conclusion, "success", "{}", run.logs());
        self.register(&mut run);
        run
    }

    /// The judge, from the default branch's copy, woken by `trigger`.
    fn judge(&mut self, trigger: &WorkflowRun) -> WorkflowRun {
        let source = self.tree(&self.main.clone());
        let main = self.main.clone();
        let run = self
            .runner
            .workflow(&source, JUDGE)
            .event("workflow_run", trigger.workflow_run_payload(REPO))
            .commit(&main, "refs/heads/main")
            .token(WRITE_TOKEN)
            .run();
        assert_eq!(
            run.conclusion,
            "success",
            "the judge exits 0 once it has posted, whatever the verdict:\n{}",
            run.logs()
        );
        run.assert_not_leaked(WRITE_TOKEN);
        run
    }

    /// CI's aggregate job `ci-ok` finished on `sha`.
    fn ci_ok(&self, sha: &str, conclusion: &str) {
        let ci = self
            .fake
            .add_workflow_run(REPO, WorkflowRunSeed::completed(CI, sha, conclusion));
        self.fake.add_check_run(
            REPO,
            CheckRunSeed::completed("ci-ok", sha, conclusion).in_workflow(ci),
        );
    }

    /// The newest `tollgate/gate2` check run on `sha`.
    fn gate(&self, sha: &str) -> CheckRun {
        self.fake
            .check_runs_named(REPO, CHECK)
            .into_iter()
            .rfind(|r| r.head_sha == sha)
            .unwrap_or_else(|| {
                panic!(
                    "no {CHECK} on {sha}; check runs: {:#?}",
                    self.fake.check_runs(REPO)
                )
            })
    }

    fn assert_gate(&self, sha: &str, conclusion: &str, logs: &WorkflowRun) -> CheckRun {
        let run = self.gate(sha);
        assert_eq!(run.status, "completed", "{run:#?}\n{}", logs.logs());
        assert_eq!(
            run.conclusion.as_deref(),
            Some(conclusion),
            "{run:#?}\n{}",
            logs.logs()
        );
        run
    }
}

/// A pull request of a scenario.
struct Pr {
    number: u64,
    head: String,
    base_ref: String,
    base_sha: String,
    merge: String,
    fork: bool,
}

impl Pr {
    fn author(&self) -> &'static str {
        if self.fork {
            "mallory"
        } else {
            "dev"
        }
    }

    /// A fork's `pull_request` runs get a read-only token.
    fn token(&self) -> &'static str {
        if self.fork {
            READ_ONLY_TOKEN
        } else {
            WRITE_TOKEN
        }
    }

    fn payload(&self, action: &str) -> Value {
        let head_repo = if self.fork { FORK } else { REPO };
        json!({
            "action": action,
            "number": self.number,
            "pull_request": {
                "number": self.number,
                "id": 9000 + self.number,
                "url": format!("https://api.github.com/repos/{REPO}/pulls/{}", self.number),
                "state": "open",
                "user": {"login": self.author()},
                "head": {"sha": self.head, "ref": format!("feature-{}", self.number),
                         "repo": {"full_name": head_repo, "fork": self.fork}},
                "base": {"sha": self.base_sha, "ref": self.base_ref,
                         "repo": {"full_name": REPO}},
            },
            "repository": {"full_name": REPO, "default_branch": "main"},
            "sender": {"login": self.author()},
        })
    }
}

fn summary(run: &CheckRun) -> String {
    format!(
        "{}\n{}\n{}",
        run.title.clone().unwrap_or_default(),
        run.summary.clone().unwrap_or_default(),
        run.text.clone().unwrap_or_default()
    )
}

/// A same-repository pull request: the evidence job checks out the head
/// commit (not the merge ref), uploads only evidence, posts nothing; the
/// judge judges it, red without an approval.
#[test]
fn same_repo_pull_request_is_judged_from_its_uploaded_evidence() {
    let mut w = World::new(&policy(70.0, 1));
    let head = w.commit(
        "feature",
        &w.main.clone(),
        &[("NOTES.md", "a change\n")],
        &[],
    );
    let pr = w.open_pr(7, &head, "main", &w.main.clone(), false);
    w.ci_ok(&head, "success");
    let evidence = w.evidence(&pr);
    assert_eq!(evidence.conclusion, "success", "{}", evidence.logs());
    let job = evidence.job("evidence");
    let checkout = &job.steps[0];
    assert_eq!(
        checkout.outputs["commit"], head,
        "the head commit, not refs/pull/7/merge"
    );
    assert!(
        w.fake.check_runs_named(REPO, CHECK).is_empty(),
        "the evidence job posts nothing"
    );
    let zip = evidence.artifact_zip("tollgate-evidence").unwrap();
    for entry in [
        "target/lcov.info",
        "target/audit.json",
        "target/nextest/ci/junit.xml",
    ] {
        assert!(
            memchr::memmem::find(&zip, entry.as_bytes()).is_some(),
            "the artifact holds {entry} at its repository-relative path"
        );
    }
    evidence.assert_not_leaked(WRITE_TOKEN);

    let judge = w.judge(&evidence);
    let run = w.assert_gate(&head, "failure", &judge);
    assert!(
        summary(&run).contains("reviews.approvals"),
        "{}",
        summary(&run)
    );
    let calls = std::fs::read_to_string(judge.job("judge").temp.join("shim-calls.log")).unwrap();
    assert!(
        !calls.contains("llvm-cov") && !calls.contains("bench"),
        "the judge builds and runs nothing of the pull request: {calls}"
    );
}

/// An approval re-judges the head commit with the evidence already
/// uploaded (no second evidence run); a later change request turns it red.
#[test]
fn approval_turns_it_green_without_a_rebuild_and_a_change_request_turns_it_red() {
    let mut w = World::new(&policy(70.0, 1));
    let head = w.commit(
        "feature",
        &w.main.clone(),
        &[("NOTES.md", "a change\n")],
        &[],
    );
    let pr = w.open_pr(7, &head, "main", &w.main.clone(), false);
    w.ci_ok(&head, "success");
    let evidence = w.evidence(&pr);
    let judge = w.judge(&evidence);
    w.assert_gate(&head, "failure", &judge);

    let relay = w.review(&pr, "alice", "APPROVED", "submitted");
    let judge = w.judge(&relay);
    w.assert_gate(&head, "success", &judge);
    let evidence_runs = w
        .fake
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.ends_with("/zip"))
        .count();
    assert!(
        evidence_runs >= 2,
        "each judge downloads the one evidence artifact"
    );

    let relay = w.review(&pr, "bob", "CHANGES_REQUESTED", "submitted");
    let judge = w.judge(&relay);
    let run = w.assert_gate(&head, "failure", &judge);
    assert!(
        summary(&run).contains("reviews.changes_requested"),
        "{}",
        summary(&run)
    );
}

/// A dismissed approval no longer counts.
#[test]
fn dismissal_turns_it_red() {
    let mut w = World::new(&policy(70.0, 1));
    let head = w.commit(
        "feature",
        &w.main.clone(),
        &[("NOTES.md", "a change\n")],
        &[],
    );
    let pr = w.open_pr(7, &head, "main", &w.main.clone(), false);
    w.ci_ok(&head, "success");
    let evidence = w.evidence(&pr);
    w.judge(&evidence);
    let relay = w.review(&pr, "alice", "APPROVED", "submitted");
    let judge = w.judge(&relay);
    w.assert_gate(&head, "success", &judge);
    let relay = w.review(&pr, "alice", "DISMISSED", "dismissed");
    let judge = w.judge(&relay);
    w.assert_gate(&head, "failure", &judge);
}

/// A fork: the evidence job gets a read-only token, the `workflow_run`
/// payload has no pull requests; the judge finds the pull request by its
/// head commit and posts with its own token.
#[test]
fn fork_pull_request_is_judged_by_the_privileged_job() {
    let mut w = World::new(&policy(70.0, 1));
    let head = w.commit(
        "fork-feature",
        &w.main.clone(),
        &[("NOTES.md", "from a fork\n")],
        &[],
    );
    let pr = w.open_pr(8, &head, "main", &w.main.clone(), true);
    w.ci_ok(&head, "success");
    let evidence = w.evidence(&pr);
    assert_eq!(evidence.conclusion, "success", "{}", evidence.logs());
    assert_eq!(
        evidence.workflow_run_payload(REPO)["workflow_run"]["pull_requests"],
        json!([])
    );
    evidence.assert_not_leaked(READ_ONLY_TOKEN);
    let judge = w.judge(&evidence);
    w.assert_gate(&head, "failure", &judge);
    let relay = w.review(&pr, "alice", "APPROVED", "submitted");
    let judge = w.judge(&relay);
    w.assert_gate(&head, "success", &judge);
}

/// The hostile fork's evidence workflow: it forges the evidence, tries to
/// post the check itself and uploads a forged report.
const HOSTILE_WORKFLOW: &str = r"name: tollgate-evidence
on:
  pull_request:
permissions: {}
jobs:
  evidence:
    runs-on: ubuntu-24.04
    permissions:
      checks: write
      contents: read
    steps:
      - uses: actions/checkout@v4
        with:
          persist-credentials: false
      - name: Forge
        env:
          GH_TOKEN: ${{ github.token }}
          HEAD: ${{ github.event.pull_request.head.sha }}
          REPO: ${{ github.repository }}
        run: |
          mkdir -p out/target/nextest/ci
          printf 'TN:\nSF:src/lib.rs\nDA:1,1\nLF:1\nLH:1\nend_of_record\n' > out/target/lcov.info
          cp report.json out/report.json
          gh api repos/$REPO/check-runs -f name=tollgate/gate2 -f head_sha=$HEAD -f status=completed -f conclusion=success || echo 'refused'
      - uses: actions/upload-artifact@v4
        with:
          name: tollgate-evidence
          path: out/
";

/// A fork rewrites its evidence workflow, the action and the source: its
/// evidence job uploads a forged `report.json` saying pass, perfect
/// coverage, a zip entry climbing out of the evidence directory, and its
/// own tollgate.toml and policy lowering every bar; it also tries to post
/// the check itself. The judge follows the base branch's policy and the
/// API's reviews: no approval, no green.
#[test]
fn hostile_fork_cannot_forge_a_green_check() {
    let mut w = World::new(&policy(70.0, 1));
    let forged_report = r#"{"tool":"tollgate","gate":"gate2","conclusion":"pass","rules":[]}"#;
    let head = w.commit(
        "evil",
        &w.main.clone(),
        &[
            (EVIDENCE, HOSTILE_WORKFLOW),
            ("report.json", forged_report),
            (
                "tollgate.toml",
                "policy_dir = \"lax\"\n[gates]\npull_request = \"lax\"\n[evidence]\ncoverage = [\"target/lcov.info\"]\n",
            ),
            ("lax/lax.toml", "schema = 1\nname = \"lax\"\nversion = \"1.0.0\"\n"),
            ("policies/gate2.toml", &policy(0.0, 0)),
            (
                "action.yml",
                "name: t\ndescription: t\nruns:\n  using: composite\n  steps:\n    - shell: bash\n      run: echo pass\n",
            ),
            ("src/lib.rs", "//! hostile\n"),
        ],
        &[],
    );
    let pr = w.open_pr(9, &head, "main", &w.main.clone(), true);
    w.ci_ok(&head, "success");
    let evidence = w.evidence(&pr);
    assert!(
        evidence.job("evidence").raw_log().contains("refused"),
        "the fork's read-only token cannot post: {}",
        evidence.logs()
    );
    // What a fork can also upload through the artifact API by hand.
    let mut entries = vec![
        zip::Entry::file(
            "target/lcov.info",
            b"TN:\nSF:src/lib.rs\nDA:1,1\nLF:1\nLH:1\nend_of_record\n",
        ),
        zip::Entry::file("report.json", forged_report.as_bytes()),
        zip::Entry::file("../../escaped.txt", b"out of the evidence directory"),
        zip::Entry::file("/tmp/tollgate-absolute-escape.txt", b"absolute"),
    ];
    entries.push(zip::Entry {
        name: "target/audit.json".to_owned(),
        data: b"/etc/passwd".to_vec(),
        mode: 0o120_777,
    });
    let mut seed_run = evidence.clone();
    seed_run.conclusion = "success".to_owned();
    seed_run.id = w.fake.add_workflow_run(
        REPO,
        WorkflowRunSeed {
            name: "tollgate-evidence".to_owned(),
            path: EVIDENCE.to_owned(),
            event: "pull_request".to_owned(),
            status: "completed".to_owned(),
            conclusion: Some("success".to_owned()),
            head_sha: head.clone(),
        },
    );
    w.fake
        .add_artifact(REPO, seed_run.id, "tollgate-evidence", zip::write(&entries));

    for trigger in [&evidence, &seed_run] {
        let judge = w.judge(trigger);
        let run = w.assert_gate(&head, "failure", &judge);
        let text = summary(&run);
        assert!(
            text.contains("reviews.approvals"),
            "the base policy's rule: {text}"
        );
        let temp = &judge.job("judge").temp;
        assert!(
            !temp.join("escaped.txt").exists()
                && !temp.parent().unwrap().join("escaped.txt").exists()
        );
        assert!(!Path::new("/tmp/tollgate-absolute-escape.txt").exists());
    }
    assert!(
        w.fake.check_runs_named(REPO, "tollgate/lax").is_empty(),
        "the gate comes from the base branch's tollgate.toml"
    );
    for run in w.fake.check_runs_named(REPO, CHECK) {
        assert_ne!(run.conclusion.as_deref(), Some("success"), "{run:#?}");
    }
}

/// An evidence job that failed still gets a check run: `failure`, saying
/// why and linking the run.
#[test]
fn failed_evidence_job_is_reported_as_failure_with_a_link() {
    let mut w = World::new(&policy(70.0, 1));
    let head = w.commit(
        "feature",
        &w.main.clone(),
        &[("NOTES.md", "a change\n")],
        &[],
    );
    let pr = w.open_pr(7, &head, "main", &w.main.clone(), false);
    w.ci_ok(&head, "success");
    w.fake
        .add_review(REPO, 7, ReviewSeed::new("alice", "APPROVED", &head));
    let rustup = w.shim_dir.join("rustup");
    let working = std::fs::read_to_string(&rustup).unwrap();
    shims::write_shim(
        &w.shim_dir,
        "rustup",
        "#!/usr/bin/env bash\necho 'error: could not download the toolchain' >&2\nexit 1\n",
    );
    let evidence = w.evidence(&pr);
    shims::write_shim(&w.shim_dir, "rustup", &working);
    assert_eq!(evidence.conclusion, "failure", "{}", evidence.logs());
    assert!(evidence.artifact_names().is_empty());
    let judge = w.judge(&evidence);
    let run = w.assert_gate(&head, "failure", &judge);
    let text = format!("{}\n{:?}", summary(&run), run.details_url);
    assert!(
        text.contains(&format!("/actions/runs/{}", evidence.id)),
        "links the evidence run: {text}"
    );
}

/// Two open pull requests with one head commit, into branches with
/// different policies: the check run carries the worse verdict and lists
/// both.
#[test]
fn two_pull_requests_sharing_a_head_get_the_worst_verdict() {
    let mut w = World::new(&policy(70.0, 1));
    let lax_base = w.commit(
        "release",
        &w.main.clone(),
        &[("policies/gate2.toml", &policy(70.0, 0))],
        &[],
    );
    w.fake.set_ref(REPO, "release", &lax_base);
    w.fake.put_file(
        REPO,
        &lax_base,
        "policies/gate2.toml",
        policy(70.0, 0).as_bytes(),
    );
    w.fake
        .put_file(REPO, &lax_base, "tollgate.toml", CONFIG.as_bytes());
    let head = w.commit(
        "feature",
        &w.main.clone(),
        &[("NOTES.md", "a change\n")],
        &[],
    );
    let strict = w.open_pr(7, &head, "main", &w.main.clone(), false);
    let lax = w.open_pr(8, &head, "release", &lax_base, false);
    w.ci_ok(&head, "success");
    let first = w.evidence(&lax);
    w.judge(&first);
    let second = w.evidence(&strict);
    let judge = w.judge(&second);
    let run = w.assert_gate(&head, "failure", &judge);
    let text = summary(&run);
    assert!(
        text.contains("#7") && text.contains("#8"),
        "lists each pull request: {text}"
    );
    // The laxer branch's run again: it must not overwrite the worse verdict.
    let judge = w.judge(&first);
    w.assert_gate(&head, "failure", &judge);
}

/// A merge-queue run is judged like the pull request it holds: its reviews,
/// the base's policy, the check on the merge group's head commit.
#[test]
fn merge_group_is_judged_like_its_pull_request() {
    let mut w = World::new(&policy(70.0, 1));
    let head = w.commit(
        "feature",
        &w.main.clone(),
        &[("NOTES.md", "a change\n")],
        &[],
    );
    let pr = w.open_pr(7, &head, "main", &w.main.clone(), false);
    w.fake
        .add_review(REPO, 7, ReviewSeed::new("alice", "APPROVED", &head));
    let queue_ref = format!("gh-readonly-queue/main/pr-7-{head}");
    git(
        &w.remote,
        &["update-ref", &format!("refs/heads/{queue_ref}"), &pr.merge],
    );
    w.ci_ok(&pr.merge, "success");
    let source = w.tree(&pr.merge);
    let payload = json!({
        "action": "checks_requested",
        "merge_group": {
            "head_sha": pr.merge, "head_ref": format!("refs/heads/{queue_ref}"),
            "base_sha": w.main, "base_ref": "refs/heads/main",
            "head_commit": {"id": pr.merge, "message": "merge"},
        },
        "repository": {"full_name": REPO, "default_branch": "main"},
    });
    let mut evidence = w
        .runner
        .workflow(&source, EVIDENCE)
        .event("merge_group", payload)
        .commit(&pr.merge, &format!("refs/heads/{queue_ref}"))
        .token(WRITE_TOKEN)
        .run();
    assert_eq!(evidence.conclusion, "success", "{}", evidence.logs());
    assert_eq!(
        evidence.job("evidence").steps[0].outputs["commit"],
        pr.merge
    );
    w.register(&mut evidence);
    let judge = w.judge(&evidence);
    w.assert_gate(&pr.merge, "success", &judge);
}

/// A pull request adds its own workflow with a job named `ci-ok` that
/// always passes, beside CI's real, red `ci-ok`: the required check is
/// bound to `.github/workflows/ci.yml`, so the look-alike does not count.
/// The fake attributes each check run to the workflow run whose job made it.
#[test]
fn same_named_required_check_from_another_workflow_does_not_count() {
    let bound = policy(70.0, 1).replace(
        "required = [\"ci-ok\"]",
        "required = [{ name = \"ci-ok\", app = \"github-actions\", workflow = \".github/workflows/ci.yml\" }]",
    );
    let mut w = World::new(&bound);
    let look_alike = "name: ci-shadow\non: pull_request\npermissions: {}\njobs:\n  ci-ok:\n    runs-on: ubuntu-24.04\n    permissions: {}\n    steps:\n      - run: echo green\n";
    let head = w.commit(
        "feature",
        &w.main.clone(),
        &[(".github/workflows/ci-shadow.yml", look_alike)],
        &[],
    );
    let pr = w.open_pr(7, &head, "main", &w.main.clone(), false);
    w.fake
        .add_review(REPO, 7, ReviewSeed::new("alice", "APPROVED", &head));
    // CI's own aggregate job failed; the look-alike passed later.
    w.ci_ok(&head, "failure");
    let source = w.tree(&head);
    let mut shadow = w
        .runner
        .workflow(&source, ".github/workflows/ci-shadow.yml")
        .event("pull_request", pr.payload("synchronize"))
        .commit(&pr.merge, "refs/pull/7/merge")
        .token(WRITE_TOKEN)
        .run();
    assert_eq!(shadow.conclusion, "success");
    w.register(&mut shadow);
    w.fake.add_check_run(
        REPO,
        CheckRunSeed::completed("ci-ok", &head, "success").in_workflow(shadow.id),
    );
    let evidence = w.evidence(&pr);
    let judge = w.judge(&evidence);
    let run = w.assert_gate(&head, "failure", &judge);
    assert!(
        summary(&run).contains("checks.required[ci-ok]"),
        "{}",
        summary(&run)
    );
}

/// Signs an override of `coverage.lines` for `head` with the test key
/// `signer` and returns the comment text `tollgate override comment` prints.
fn override_comment(w: &World, head: &str, signer: &str, tamper: bool) -> String {
    let dir = w.runner.scratch(&format!("override-{signer}-{tamper}"));
    let expires = (chrono::Utc::now() + chrono::Duration::days(7))
        .format("%Y-%m-%dT00:00:00Z")
        .to_string();
    let doc = dir.join("override.txt");
    std::fs::write(
        &doc,
        format!(
            "tollgate-override: 1\nrepository: {REPO}\ncommit: {head}\ngate: gate2\nrules: coverage.lines\nreason: generated code lowers coverage; tracked in #123\nexpires: {expires}\n"
        ),
    )
    .unwrap();
    let tollgate = env!("CARGO_BIN_EXE_tollgate");
    let key = manifest().join("fixtures/overrides/keys").join(signer);
    let out = Command::new(tollgate)
        .args(["override", "sign", "--key"])
        .arg(&key)
        .arg(&doc)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new(tollgate)
        .args(["override", "comment"])
        .arg(&doc)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let comment = String::from_utf8(out.stdout).unwrap();
    if tamper {
        comment.replace("tracked in #123", "tracked in #124")
    } else {
        comment
    }
}

/// A maintainer pastes a signed override as a pull-request comment: it
/// applies.
#[test]
fn override_pasted_as_a_comment_applies() {
    let mut w = World::new(&policy(80.0, 0));
    let head = w.commit(
        "feature",
        &w.main.clone(),
        &[("NOTES.md", "a change\n")],
        &[],
    );
    let pr = w.open_pr(7, &head, "main", &w.main.clone(), false);
    w.ci_ok(&head, "success");
    let evidence = w.evidence(&pr);
    let judge = w.judge(&evidence);
    w.assert_gate(&head, "failure", &judge);
    let body = override_comment(&w, &head, "alice", false);
    w.fake.add_comment(
        REPO,
        7,
        CommentSeed {
            login: "alice".to_owned(),
            bot: false,
            body,
            author_association: "MEMBER".to_owned(),
        },
    );
    // A comment wakes nothing on its own; the next judge run (here: CI
    // finishing) reads it.
    let judge = w.judge(&evidence);
    let run = w.assert_gate(&head, "success", &judge);
    // The check's Markdown keeps addresses inert (a zero-width joiner
    // after `@`); the text is the signer's address all the same.
    assert!(
        summary(&run)
            .replace('\u{200d}', "")
            .contains("alice@example.org"),
        "{}",
        summary(&run)
    );
}

/// A forged comment (signed by a key nobody allowed, or edited after
/// signing) is listed as rejected and applies nothing.
#[test]
fn forged_override_comment_is_rejected() {
    let mut w = World::new(&policy(80.0, 0));
    let head = w.commit(
        "feature",
        &w.main.clone(),
        &[("NOTES.md", "a change\n")],
        &[],
    );
    let pr = w.open_pr(7, &head, "main", &w.main.clone(), false);
    w.ci_ok(&head, "success");
    let evidence = w.evidence(&pr);
    for (signer, tamper) in [("mallory", false), ("alice", true)] {
        let body = override_comment(&w, &head, signer, tamper);
        w.fake.add_comment(
            REPO,
            7,
            CommentSeed {
                login: "mallory".to_owned(),
                bot: false,
                body,
                author_association: "CONTRIBUTOR".to_owned(),
            },
        );
    }
    let judge = w.judge(&evidence);
    let run = w.assert_gate(&head, "failure", &judge);
    let text = summary(&run).to_ascii_lowercase();
    assert!(text.contains("rejected"), "{text}");
    assert!(text.contains("coverage.lines"), "{text}");
}

// Coverage against the base, end to end (issue 13): the base's coverage is
// what the default branch's own evidence run uploaded, never the pull
// request's.

/// The scenario config with geninfo's path prefix stripped: the coverage
/// shims hand out real lcov 1.16 tracefiles of `fixtures/coverage/geninfo`.
fn drop_config() -> String {
    format!("{CONFIG}strip_prefix = [\"/tmp/tollgate-fixtures/geninfo\"]\n")
}

/// Gate 2 with `coverage.drop` only: line coverage may fall 1 point.
const DROP_POLICY: &str = r#"schema = 1
name = "gate2"
title = "Gate 2 (coverage against the base)"
version = "1.0.0"

[coverage]
max_drop = 1.0
"#;

/// From now on the coverage shim writes `fixtures/coverage/geninfo/NAME`.
fn coverage_from(w: &World, name: &str) {
    let geninfo = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/coverage/geninfo");
    shims::standard(
        &w.shim_dir,
        Path::new(env!("CARGO_BIN_EXE_tollgate")),
        &shims::Fixtures {
            lcov: geninfo.join(name),
            ..shims::Fixtures::example()
        },
    );
}

/// The evidence workflow on a push of `sha` to main, from main's copy, as
/// GitHub runs it; registered with the fake as a `push` run.
fn push_to_main(w: &mut World, sha: &str) -> WorkflowRun {
    let source = w.tree(sha);
    let payload = json!({
        "ref": "refs/heads/main",
        "before": "0000000000000000000000000000000000000000",
        "after": sha,
        "repository": {"full_name": REPO, "default_branch": "main"},
        "sender": {"login": "dev"},
    });
    let mut run = w
        .runner
        .workflow(&source, EVIDENCE)
        .event("push", payload)
        .commit(sha, "refs/heads/main")
        .token(WRITE_TOKEN)
        .actor("dev")
        .run();
    assert_eq!(run.conclusion, "success", "{}", run.logs());
    assert_eq!(run.event, "push");
    w.register(&mut run);
    run.assert_not_leaked(WRITE_TOKEN);
    run
}

/// The rule `id` of the judge's report (the action's default,
/// `$RUNNER_TEMP/tollgate/report.json`).
fn judged_rule(judge: &WorkflowRun, id: &str) -> Value {
    let path = judge.job("judge").temp.join("tollgate/report.json");
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e}\n{}", path.display(), judge.logs())),
    )
    .unwrap();
    report["evaluations"][0]["report"]["rules"]
        .as_array()
        .unwrap_or_else(|| panic!("no rules in {report:#}"))
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no {id} in {report:#}"))
        .clone()
}

/// A push to main uploads evidence (27/35 lines, 77.14%); a pull request
/// whose coverage fell to 26/35 (74.28%, 2.86 points) fails `coverage.drop`
/// with base -> head figures in its check run, and the trend chart shows
/// main's run and the head. A pull request run on the base commit that
/// claims a lower base is never read.
#[test]
fn a_pull_request_that_drops_coverage_fails_against_mains_own_evidence_run() {
    let mut w = World::with_config(&drop_config(), DROP_POLICY);
    let main = w.main.clone();
    coverage_from(&w, "merged.info");
    let push = push_to_main(&mut w, &main);
    let zip = push.artifact_zip("tollgate-evidence").unwrap();
    assert!(memchr::memmem::find(&zip, b"target/lcov.info").is_some());

    // A pull request's run on main's commit, claiming a lower base (run1,
    // 25/35): its artifact is the change's own, and never read.
    let mut forged = WorkflowRunSeed::completed(EVIDENCE, &main, "success");
    "pull_request".clone_into(&mut forged.event);
    let forged = w.fake.add_workflow_run(REPO, forged);
    let run1 = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/coverage/geninfo/run1.info"),
    )
    .unwrap();
    w.fake.add_artifact(
        REPO,
        forged,
        "tollgate-evidence",
        zip::write(&[zip::Entry::file("target/lcov.info", &run1)]),
    );

    coverage_from(&w, "run2.info");
    let head = w.commit("feature", &main, &[("NOTES.md", "a change\n")], &[]);
    let pr = w.open_pr(7, &head, "main", &main, false);
    let evidence = w.evidence(&pr);
    assert_eq!(evidence.conclusion, "success", "{}", evidence.logs());
    let judge = w.judge(&evidence);
    let run = w.assert_gate(&head, "failure", &judge);
    let text = summary(&run);
    assert!(text.contains("coverage.drop"), "{text}");
    assert!(
        text.contains("| Lines | 77.14% (27/35) | 74.28% (26/35) | -2.86 |"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "Base: `commit {}'s evidence run on main (https://github.com/{REPO}/actions/runs/{})`",
            &main[..12],
            push.id
        )),
        "{text}"
    );
    let rule = judged_rule(&judge, "coverage.drop");
    assert_eq!(rule["status"], "fail", "{rule}");
    assert!(
        rule["message"]
            .as_str()
            .unwrap()
            .contains("total line coverage fell 2.86 points, from 77.14% to 74.28%"),
        "{rule}"
    );
    // The trend: main's push run, then the head.
    assert!(
        text.contains(&format!(
            "The last evidence run of a push to `main` (`{}`, ",
            &main[..7]
        )) && text.contains(&format!("), then this change's head (`{}`).", &head[..7])),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "x-axis [\"{}\", \"{}\"]\n    y-axis \"%\" 73 --> 79\n    line [77.14, 74.28]",
            &main[..7],
            &head[..7]
        )),
        "{text}"
    );
    // Main's push run's artifacts were read, never the forged run's.
    let downloads: Vec<String> = w
        .fake
        .requests()
        .iter()
        .filter(|r| r.path.contains("/artifacts"))
        .map(|r| r.path.clone())
        .collect();
    assert!(
        downloads
            .iter()
            .all(|p| !p.contains(&format!("/runs/{forged}/"))),
        "{downloads:?}"
    );
    assert!(
        downloads
            .iter()
            .any(|p| p.contains(&format!("/runs/{}/", push.id))),
        "{downloads:?}"
    );
}

/// No evidence run on main at all: `coverage.drop` fails saying what was
/// looked for, and there is no trend to chart.
#[test]
fn a_base_without_evidence_fails_saying_what_was_looked_for() {
    let mut w = World::with_config(&drop_config(), DROP_POLICY);
    let main = w.main.clone();
    coverage_from(&w, "run2.info");
    let head = w.commit("feature", &main, &[("NOTES.md", "a change\n")], &[]);
    let pr = w.open_pr(7, &head, "main", &main, false);
    let evidence = w.evidence(&pr);
    assert_eq!(evidence.conclusion, "success", "{}", evidence.logs());
    let judge = w.judge(&evidence);
    let run = w.assert_gate(&head, "failure", &judge);
    let rule = judged_rule(&judge, "coverage.drop");
    assert_eq!(rule["status"], "fail", "{rule}");
    let message = rule["message"].as_str().unwrap();
    assert!(
        message.starts_with(&format!(
            "coverage baseline not found: expected the coverage of a successful {EVIDENCE} run on a push to main for the merge base {}",
            &main[..12]
        )),
        "{message}"
    );
    let text = summary(&run);
    assert!(text.contains("coverage.drop"), "{text}");
    assert!(!text.contains("mermaid"), "{text}");
}
