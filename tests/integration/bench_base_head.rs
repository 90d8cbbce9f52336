//! The evidence workflow's benchmark step on a real criterion benchmark:
//! the base and the head benchmarked in one job by the scripted runner,
//! then judged against the fake GitHub server's pull request.
//!
//! The runner runs the shipped `tollgate-evidence.yml`'s own checkout,
//! "Benchmarks (base and head)", staging and upload steps, cut out of the
//! file (the coverage, audit and tool-install steps need tools this machine
//! does not run in tests). The benchmark step runs `benches/bench-base-head.sh`,
//! the file the workflow runs; only its `CARGO_BENCH_ARGS` is replaced (the
//! fixture's bench target, `--offline`) and criterion is given tiny
//! measurement times and two rounds of base and head (the first head-first,
//! inverted by the script), so the judge takes the median of two rounds. The fixture crate is `fixtures/bench-crate`, whose
//! Cargo.lock pins tollgate's own criterion, built once per test run in
//! `target/bench-fixture` (the first build costs about two minutes on two
//! cores; later runs reuse it).
//!
//! One test runs the three pull requests in turn: they share that target
//! directory, and criterion's output directory is per checkout anyway.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{json, Value};

use crate::support::fake_github::{FakeGitHub, PullRequestSeed, READ_ONLY_TOKEN};
use crate::support::files::{copy_into, manifest, write_files};
use crate::support::git::git;
use crate::support::runner::{Runner, WorkflowRun};

const REPO: &str = "octo/spin";
const EVIDENCE: &str = ".github/workflows/tollgate-evidence.yml";
const BENCH: &str = "benches/spin.rs";

const CONFIG: &str = r#"policy_dir = "policies"

[gates]
pull_request = "gate2"
push = "gate2"

[evidence]
bench = ["target/criterion"]
"#;

/// The shipped threshold: the same `max_regression` as policies/gate2.toml.
fn policy() -> String {
    let shipped = std::fs::read_to_string(manifest().join("policies/gate2.toml")).unwrap();
    let line = shipped
        .lines()
        .find(|l| l.starts_with("max_regression"))
        .expect("policies/gate2.toml sets max_regression");
    format!("schema = 1\nname = \"gate2\"\nversion = \"1.0.0\"\n\n[benchmarks]\n{line}\n")
}

/// The step of the shipped workflow that starts with `marker` (`- uses:
/// actions/checkout`, `- name: …`), up to the next step or comment.
fn shipped_step(workflow: &str, marker: &str) -> String {
    let mut lines = workflow.lines().skip_while(|l| l.trim_start() != marker);
    let first = lines
        .next()
        .unwrap_or_else(|| panic!("no step `{marker}` in {EVIDENCE}"));
    let mut step = format!("{first}\n");
    for line in lines {
        if !line.starts_with("        ") {
            break;
        }
        step.push_str(line);
        step.push('\n');
    }
    step
}

/// The evidence workflow the fixture repository runs: the shipped file's
/// checkout, benchmark, staging and upload steps.
fn evidence_workflow() -> String {
    let shipped = std::fs::read_to_string(manifest().join(EVIDENCE)).unwrap();
    let bench = shipped_step(&shipped, "- name: Benchmarks (base and head)");
    assert!(bench.contains("bash benches/bench-base-head.sh"), "{bench}");
    let bench = bench.replace(
        "CARGO_BENCH_ARGS: --locked --bench ingest",
        "CARGO_BENCH_ARGS: --offline --locked --bench spin\n          \
         CRITERION_ARGS: --warm-up-time 0.1 --measurement-time 0.4 --nresamples 10000\n          \
         BENCH_ROUNDS: 2",
    );
    assert!(bench.contains("--bench spin"), "{bench}");
    let cargo = PathBuf::from(std::env::var("CARGO").unwrap());
    let home = |var: &str, default: &str| {
        std::env::var(var)
            .unwrap_or_else(|_| format!("{}/{default}", std::env::var("HOME").unwrap()))
    };
    format!(
        "name: tollgate-evidence\non:\n  pull_request:\npermissions: {{}}\nenv:\n  \
         CARGO_HOME: {}\n  RUSTUP_HOME: {}\n  CARGO_TARGET_DIR: {}\n  \
         CARGO_TERM_COLOR: never\n  RUSTC: {}\njobs:\n  evidence:\n    runs-on: ubuntu-24.04\n    \
         permissions:\n      contents: read\n    steps:\n{}{}{}{}",
        home("CARGO_HOME", ".cargo"),
        home("RUSTUP_HOME", ".rustup"),
        manifest().join("target/bench-fixture").display(),
        cargo.with_file_name("rustc").display(),
        shipped_step(
            &shipped,
            "- uses: actions/checkout@9c091bb21b7c1c1d1991bb908d89e4e9dddfe3e0 # v7.0.0"
        ),
        bench,
        shipped_step(&shipped, "- name: Stage the evidence files"),
        shipped_step(&shipped, "- name: Upload the evidence"),
    )
}

/// The fixture benchmark, with `rounds` of work per iteration and, when
/// `extra`, a second benchmark the base does not have.
fn bench_source(rounds: u64, extra: bool, comment: &str) -> String {
    let original =
        std::fs::read_to_string(manifest().join("fixtures/bench-crate").join(BENCH)).unwrap();
    let mut text = original.replace(
        "const ROUNDS: u64 = 20_000;",
        &format!("const ROUNDS: u64 = {rounds};\n// {comment}"),
    );
    if extra {
        text = text
            .replace(
                "criterion_group!(benches, work);",
                "fn extra(c: &mut Criterion) {\n    c.bench_function(\"spin/extra\", |b| b.iter(|| bench_fixture::spin(black_box(100))));\n}\n\ncriterion_group!(benches, work, extra);",
            );
    }
    assert_ne!(text, original);
    text
}

struct World {
    dir: tempfile::TempDir,
    remote: PathBuf,
    main: String,
    fake: FakeGitHub,
    runner: Runner,
}

impl World {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let remote = dir.path().join("remote");
        let fixture = manifest().join("fixtures/bench-crate");
        for item in ["Cargo.toml", "Cargo.lock", "src", "benches"] {
            copy_into(&fixture.join(item), &remote.join(item));
        }
        copy_into(
            &manifest().join("benches/bench-base-head.sh"),
            &remote.join("benches/bench-base-head.sh"),
        );
        write_files(
            &remote,
            &[
                (EVIDENCE, &evidence_workflow()),
                ("tollgate.toml", CONFIG),
                ("policies/gate2.toml", &policy()),
                (".gitignore", "target/\n"),
            ],
        );
        git(&remote, &["init", "-q", "-b", "main"]);
        git(&remote, &["add", "-A"]);
        git(&remote, &["commit", "-q", "-m", "base"]);
        let main = git(&remote, &["rev-parse", "HEAD"]);
        let fake = FakeGitHub::start();
        fake.add_repo(REPO);
        fake.set_ref(REPO, "main", &main);
        let mut runner = Runner::new()
            .with_repository(REPO, &remote)
            .with_api_url(&fake.url());
        let cargo = PathBuf::from(std::env::var("CARGO").unwrap());
        runner.prepend_path(cargo.parent().unwrap());
        Self {
            dir,
            remote,
            main,
            fake,
            runner,
        }
    }

    /// A pull request whose head changes the benchmark to `source`.
    fn pull_request(&mut self, number: u64, source: &str) -> (String, WorkflowRun) {
        let branch = format!("pr-{number}");
        git(&self.remote, &["checkout", "-q", "-B", &branch, &self.main]);
        write_files(&self.remote, &[(BENCH, source)]);
        git(&self.remote, &["commit", "-q", "-am", &branch]);
        let head = git(&self.remote, &["rev-parse", "HEAD"]);
        git(&self.remote, &["checkout", "-q", "main"]);
        git(
            &self.remote,
            &["update-ref", &format!("refs/pull/{number}/head"), &head],
        );
        self.fake
            .add_pull_request(REPO, PullRequestSeed::new(number, "dev", &head, &self.main));
        let payload = json!({
            "action": "synchronize",
            "number": number,
            "pull_request": {
                "number": number,
                "user": {"login": "dev"},
                "head": {"sha": head, "ref": branch, "repo": {"full_name": REPO, "fork": false}},
                "base": {"sha": self.main, "ref": "main", "repo": {"full_name": REPO}}
            },
            "repository": {"full_name": REPO}
        });
        let source = self.remote.clone();
        git(&self.remote, &["checkout", "-q", &branch]);
        let run = self
            .runner
            .workflow(&source, EVIDENCE)
            .event("pull_request", payload)
            .commit(&head, &format!("refs/pull/{number}/head"))
            .token(READ_ONLY_TOKEN)
            .actor("dev")
            .run();
        git(&self.remote, &["checkout", "-q", "main"]);
        assert_eq!(run.conclusion, "success", "{}", run.logs());
        (head, run)
    }

    /// tollgate judging pull request `number` from the run's uploaded
    /// evidence, in the trusted repository, with the pull request read from
    /// the fake GitHub.
    fn judge(&self, number: u64, run: &WorkflowRun, format: &str) -> Output {
        let evidence = self.runner.artifact_dir(run.id).join("tollgate-evidence");
        assert!(
            evidence.join("target/tollgate-bench.json").is_file(),
            "{}",
            run.logs()
        );
        Command::new(env!("CARGO_BIN_EXE_tollgate"))
            .current_dir(&self.remote)
            .env_clear()
            .envs(crate::support::coverage::profile_env())
            .env("PATH", std::env::var_os("PATH").unwrap())
            .env("HOME", self.dir.path())
            .env("GITHUB_API_URL", self.fake.url())
            .env("GITHUB_REPOSITORY", REPO)
            .env("GITHUB_TOKEN", READ_ONLY_TOKEN)
            .env("TOLLGATE_RETRY_SCALE", "0.01")
            .args([
                "check",
                "--dry-run",
                "--gate",
                "gate2",
                "--pr",
                &number.to_string(),
                "--format",
                format,
                "--evidence-dir",
            ])
            .arg(&evidence)
            .output()
            .unwrap()
    }

    fn report(&self, number: u64, run: &WorkflowRun) -> (Value, String) {
        let json = self.judge(number, run, "json");
        let report: Value = serde_json::from_slice(&json.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&json.stderr)));
        let md = self.judge(number, run, "markdown");
        (report, String::from_utf8(md.stdout).unwrap())
    }
}

/// A pull request's run and tollgate's verdict on it.
struct Judged {
    number: u64,
    head: String,
    run: WorkflowRun,
    report: Value,
    md: String,
}

impl World {
    /// A pull request whose head keeps `spin/work`'s work as the base has
    /// it, judged; a run whose `spin/work` does not pass is made again once
    /// as the second number, as a person would re-run it. Only this
    /// machine's noise fails the same work (docs/benchmarks.md measures how
    /// often), and the test runs alone (.config/nextest.toml) to keep that
    /// rare; the verdict on the second run is the one returned either way.
    fn pull_request_where_work_passes(&mut self, numbers: [u64; 2], source: &str) -> Judged {
        let mut judged = None;
        for number in numbers {
            // A new branch and commit message: a new head commit each time.
            let (head, run) = self.pull_request(number, source);
            let (report, md) = self.report(number, &run);
            let passed = rule(&report, "bench.regression[spin/work]")["status"] == "pass";
            judged = Some(Judged {
                number,
                head,
                run,
                report,
                md,
            });
            if passed {
                break;
            }
        }
        judged.unwrap()
    }
}

fn rule<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no rule {id}: {report:#}"))
}

fn assert_compared(report: &Value, base: &str, head: &str) {
    let commits = &report["evidence"]["bench_commits"];
    assert_eq!(commits["base"], base, "{report:#}");
    assert_eq!(commits["head"], head, "{report:#}");
    assert_eq!(commits["tool"], "criterion");
    assert_eq!(commits["base_ran"], true);
}

#[test]
fn base_and_head_run_in_one_job_and_the_judge_sees_which_commits() {
    let mut w = World::new();
    let main = w.main.clone();

    // Ten times the work: far beyond the shipped threshold even when the
    // machine's other load slows the base's run down.
    let (head, run) = w.pull_request(1, &bench_source(200_000, false, "slower"));
    let (report, md) = w.report(1, &run);
    assert_compared(&report, &main, &head);
    let slower = rule(&report, "bench.regression[spin/work]");
    assert_eq!(slower["status"], "fail", "{report:#}");
    assert!(
        slower["message"]
            .as_str()
            .unwrap()
            .contains("in the median round: wholly beyond +"),
        "{slower}"
    );
    assert!(
        slower["message"]
            .as_str()
            .unwrap()
            .contains(" in 2 of 2 rounds (round 1 +"),
        "{slower}"
    );
    assert_eq!(
        report["evidence"]["bench_commits"]["rounds"],
        json!(["target/criterion-rounds/r1", "target/criterion-rounds/r2"]),
        "{report:#}"
    );
    let bench = &report["evidence"]["bench"][0];
    assert!(bench["change_percent"].as_f64().unwrap() > 100.0, "{bench}");
    assert!(bench["baseline_ns"].as_f64().unwrap() > 0.0, "{bench}");
    assert!(md.contains("### Benchmarks: base → head"), "{md}");
    assert!(
        md.contains(&format!(
            "Compared base `{}` with head `{}`",
            &main[..12],
            &head[..12]
        )),
        "{md}"
    );
    assert!(md.contains("| `spin/work` |"), "{md}");

    // Only a comment changed: the same work, and it passes.
    let same = w.pull_request_where_work_passes([2, 4], &bench_source(20_000, false, "same"));
    assert_compared(&same.report, &main, &same.head);
    assert_eq!(
        rule(&same.report, "bench.regression[spin/work]")["status"],
        "pass",
        "{:#}",
        same.report
    );

    // A benchmark the base does not have: skipped as new, never passed.
    let Judged {
        head,
        run,
        report,
        md,
        ..
    } = w.pull_request_where_work_passes([3, 5], &bench_source(20_000, true, "new"));
    assert_compared(&report, &main, &head);
    let new = rule(&report, "bench.regression[spin/extra]");
    assert_eq!(new["status"], "skipped", "{report:#}");
    assert!(
        new["message"]
            .as_str()
            .unwrap()
            .starts_with("skipped: new benchmark"),
        "{new}"
    );
    assert_eq!(
        rule(&report, "bench.regression[spin/work]")["status"],
        "pass",
        "{report:#}"
    );
    assert!(md.contains("| `spin/extra` | new |"), "{md}");

    // The record of another pull request's run does not count for this one.
    let (report, _) = w.report(same.number, &run);
    let wrong = rule(&report, "bench.regression[*]");
    assert_eq!(wrong["status"], "fail", "{report:#}");
    assert!(
        wrong["message"]
            .as_str()
            .unwrap()
            .contains("judged commit is"),
        "{wrong}"
    );
}

#[test]
fn the_extracted_steps_are_the_shipped_ones() {
    let workflow = evidence_workflow();
    assert!(workflow.contains("fetch-depth: 0"), "{workflow}");
    assert!(
        workflow.contains("target/tollgate-bench.json"),
        "{workflow}"
    );
    assert!(Path::new(&manifest().join("benches/bench-base-head.sh")).is_file());
}
