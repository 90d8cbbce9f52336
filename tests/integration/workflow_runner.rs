//! Self-tests of the scripted workflow runner (`tests/integration/support/runner`): its
//! expression evaluator, files commands, masks, conditions, composite
//! actions, artifacts, checkout, timeouts and loud refusals, on small
//! workflows written here; and one smoke test that runs the shipped
//! `action.yml` (`uses: ./`) against the fake GitHub server on the
//! committed example evidence.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::support::files::{copy_into, write_files};
use crate::support::git::git;
use std::path::{Path, PathBuf};

use crate::support::fake_github::{FakeGitHub, PullRequestSeed, WRITE_TOKEN};
use crate::support::runner::expr::{self, Scope};
use crate::support::runner::{shims, Runner, WorkflowRun};
use serde_json::{json, Map, Value};

/// A git repository (the "GitHub" remote) with `files` in one commit on main.
fn repo_with(dir: &Path, files: &[(&str, &str)]) -> (PathBuf, String) {
    let repo = dir.join("remote");
    std::fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    write_files(&repo, files);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "base"]);
    let sha = git(&repo, &["rev-parse", "HEAD"]);
    (repo, sha)
}

/// Runs `workflow` (YAML text) on `push` to main, with a repository holding `files`.
fn run_yaml(workflow: &str, files: &[(&str, &str)]) -> WorkflowRun {
    let dir = tempfile::tempdir().unwrap();
    let mut all = vec![(".github/workflows/t.yml", workflow)];
    all.extend_from_slice(files);
    let (remote, sha) = repo_with(dir.path(), &all);
    let mut runner = Runner::new().with_repository("octo/widgets", &remote);
    runner
        .workflow(&remote, ".github/workflows/t.yml")
        .event("push", json!({"ref": "refs/heads/main", "after": sha}))
        .commit(&sha, "refs/heads/main")
        .token("ghs_test_token_value")
        .run()
}

// ---------------------------------------------------------------- evaluator

fn scope() -> Scope {
    let mut c = Map::new();
    c.insert(
        "github".into(),
        json!({"event_name": "pull_request", "event": {"number": 7, "pull_request": {"labels": [{"name": "Bug"}, {"name": "docs"}]}}, "ref": "refs/heads/main"}),
    );
    c.insert("env".into(), json!({"NAME": "World", "EMPTY": ""}));
    c.insert(
        "steps".into(),
        json!({"a": {"outputs": {"n": "3", "flag": "true"}, "outcome": "success"}}),
    );
    Scope::new(c)
}

fn ev(src: &str) -> Value {
    expr::evaluate(src, &scope()).unwrap_or_else(|e| panic!("{src}: {e}"))
}

#[test]
fn evaluator_literals_and_coercion() {
    assert_eq!(ev("null"), Value::Null);
    assert_eq!(ev("'It''s'"), json!("It's"));
    assert_eq!(ev("0xff"), json!(255.0));
    assert_eq!(ev("-2.99e-2"), json!(-0.0299));
    for (src, want) in [
        ("null == 0", true),
        ("true == 1", true),
        ("'' == 0", true),
        ("' 123.5 ' == 123.5", true),
        ("' 0xff ' == 255", true),
        ("'abc' == 'ABC'", true),
        ("'abc' != 'ABD'", true),
        ("'x' == 0", false),
        ("NaN == NaN", false),
        ("NaN != NaN", true),
        ("1 < 2", true),
        ("'abc' < 'DEF'", true),
        ("false < true", true),
        ("steps.a.outputs.n == 3", true),
        ("steps.a.outputs.n > 2", true),
        ("github.event == github.event", false),
        ("!env.EMPTY", true),
        ("!!env.NAME", true),
    ] {
        assert_eq!(ev(src), Value::Bool(want), "{src}");
    }
}

#[test]
fn evaluator_operators_return_operands_and_respect_precedence() {
    assert_eq!(ev("env.EMPTY || 'fallback'"), json!("fallback"));
    assert_eq!(ev("env.NAME && 'yes'"), json!("yes"));
    assert_eq!(ev("env.EMPTY && 'yes'"), json!(""));
    assert_eq!(ev("true || false && false"), json!(true));
    assert_eq!(ev("(true || false) && false"), json!(false));
    assert_eq!(ev("!true == false"), json!(true));
    assert_eq!(ev("1 == 1 && 2 > 1"), json!(true));
}

#[test]
fn evaluator_property_access_indexing_and_filters() {
    assert_eq!(ev("github.event.number"), json!(7));
    assert_eq!(ev("github['event']['number']"), json!(7));
    assert_eq!(ev("GITHUB.Event_Name"), json!("pull_request"));
    assert_eq!(
        ev("github.event.pull_request.labels[1].name"),
        json!("docs")
    );
    assert_eq!(ev("github.event.pull_request.labels[5].name"), Value::Null);
    assert_eq!(ev("github.nothing.deeper"), Value::Null);
    assert_eq!(
        ev("github.event.pull_request.labels.*.name"),
        json!(["Bug", "docs"])
    );
    assert_eq!(
        ev("contains(github.event.pull_request.labels.*.name, 'bug')"),
        json!(true)
    );
    let err = expr::evaluate("nope.x", &scope()).unwrap_err();
    assert!(err.contains("Unrecognized named-value: 'nope'"), "{err}");
}

#[test]
fn evaluator_functions() {
    assert_eq!(ev("contains('Hello world', 'WORLD')"), json!(true));
    assert_eq!(ev("startsWith(github.ref, 'refs/HEADS/')"), json!(true));
    assert_eq!(ev("endsWith('file.yml', '.YML')"), json!(true));
    assert_eq!(
        ev("format('{0} {1}! {{x}}', 'Hello', env.NAME)"),
        json!("Hello World! {x}")
    );
    assert_eq!(
        ev("join(github.event.pull_request.labels.*.name, ', ')"),
        json!("Bug, docs")
    );
    assert_eq!(ev("join(fromJSON('[1, true, null]'))"), json!("1,true,"));
    assert_eq!(
        ev("toJSON(fromJSON('{\"a\": [1]}'))"),
        json!("{\n  \"a\": [\n    1\n  ]\n}")
    );
    assert_eq!(ev("fromJSON('3') == 3"), json!(true));
    assert_eq!(ev("fromJSON(steps.a.outputs.flag)"), json!(true));
    assert!(expr::evaluate("format('{1}', 'a')", &scope()).is_err());
    assert!(expr::evaluate("fromJSON('{')", &scope()).is_err());
    assert!(expr::evaluate("nosuch(1)", &scope()).is_err());
    assert!(expr::evaluate("\"double\"", &scope()).is_err());
}

#[test]
fn evaluator_status_functions_and_conditions() {
    let mut s = scope();
    assert!(expr::condition("github.event_name == 'pull_request'", &s).unwrap());
    assert!(expr::condition("${{ github.event_name == 'pull_request' }}", &s).unwrap());
    assert!(!expr::condition("failure()", &s).unwrap());
    s.status = "failure".into();
    assert!(
        !expr::condition("github.event_name == 'pull_request'", &s).unwrap(),
        "implicit success()"
    );
    assert!(expr::condition("failure()", &s).unwrap());
    assert!(expr::condition("always() && github.event_name == 'pull_request'", &s).unwrap());
    assert!(!expr::condition("cancelled()", &s).unwrap());
    s.status = "success".into();
    // Text around ${{ }} makes the condition a non-empty string: always true.
    assert!(expr::condition("${{ false }} == true", &s).unwrap());
}

#[test]
fn evaluator_templates_and_hash_files() {
    let s = scope();
    assert_eq!(
        expr::interpolate("Hi ${{ env.NAME }}, ${{ 1 }}${{ null }}!", &s).unwrap(),
        "Hi World, 1!"
    );
    assert_eq!(expr::evaluate_template("${{ 3 }}", &s).unwrap(), json!(3.0));
    assert_eq!(expr::interpolate("${{ '}}' }}", &s).unwrap(), "}}");
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[
            ("a/x.lock", "one"),
            ("a/b/y.lock", "two"),
            ("z.txt", "three"),
        ],
    );
    let all = expr::hash_files(dir.path(), &["**/*.lock".into()]).unwrap();
    assert_eq!(all.len(), 64);
    let one = expr::hash_files(dir.path(), &["**/*.lock".into(), "!a/b/**".into()]).unwrap();
    assert_ne!(all, one);
    assert_eq!(
        expr::hash_files(dir.path(), &["*.none".into()]).unwrap(),
        ""
    );
    // One file: sha256 of its sha256 digest.
    let direct = {
        use sha2::{Digest, Sha256};
        format!("{:x}", Sha256::digest(Sha256::digest(b"three")))
    };
    assert_eq!(
        expr::hash_files(dir.path(), &["z.txt".into()]).unwrap(),
        direct
    );
}

// ------------------------------------------------------------ workflows

const OUTPUTS_ENV: &str = r###"
name: t
on: push
env:
  WF: workflow
jobs:
  one:
    runs-on: ubuntu-24.04
    env:
      JOB: job-${{ env.WF }}
    outputs:
      greeting: ${{ steps.out.outputs.greeting }}
    steps:
      - id: out
        run: |
          echo "greeting=hello" >> "$GITHUB_OUTPUT"
          {
            echo "multi<<EOF_X"
            echo "line 1"
            echo "line 2"
            echo "EOF_X"
          } >> "$GITHUB_OUTPUT"
          echo "FROM_FILE=set by step" >> "$GITHUB_ENV"
          mkdir -p "$RUNNER_TEMP/bin"
          printf '#!/bin/sh\necho tool-ran\n' > "$RUNNER_TEMP/bin/mytool"
          chmod +x "$RUNNER_TEMP/bin/mytool"
          echo "$RUNNER_TEMP/bin" >> "$GITHUB_PATH"
          echo "## Summary" >> "$GITHUB_STEP_SUMMARY"
      - name: Use ${{ steps.out.outputs.greeting }}
        env:
          STEP: step
          MULTI: ${{ steps.out.outputs.multi }}
        run: |
          echo "wf=$WF job=$JOB step=$STEP file=$FROM_FILE"
          echo "ctx=${{ env.FROM_FILE }}"
          echo "multi=[$MULTI]"
          mytool
          echo "ci=$CI actions=$GITHUB_ACTIONS event=$GITHUB_EVENT_NAME os=$RUNNER_OS"
          test -f "$GITHUB_EVENT_PATH"
          test "$(pwd)" = "$GITHUB_WORKSPACE"
  two:
    needs: one
    runs-on: ubuntu-24.04
    steps:
      - run: echo "got ${{ needs.one.outputs.greeting }} result ${{ needs.one.result }}"
"###;

#[test]
fn outputs_env_files_path_and_summary() {
    let run = run_yaml(OUTPUTS_ENV, &[]);
    assert_eq!(run.conclusion, "success", "{}", run.logs());
    let one = run.job("one");
    let log = one.raw_log();
    assert!(
        log.contains("wf=workflow job=job-workflow step=step file=set by step"),
        "{log}"
    );
    assert!(log.contains("ctx=set by step"), "{log}");
    assert!(log.contains("multi=[line 1\nline 2]"), "{log}");
    assert!(log.contains("tool-ran"), "{log}");
    assert!(
        log.contains("ci=true actions=true event=push os=Linux"),
        "{log}"
    );
    assert_eq!(one.step("out").outputs["multi"], "line 1\nline 2");
    assert_eq!(one.step("Use hello").outcome, "success");
    assert_eq!(one.summary, "## Summary\n");
    assert_eq!(one.outputs["greeting"], "hello");
    assert!(run
        .job("two")
        .raw_log()
        .contains("got hello result success"));
}

#[test]
fn conditions_always_failure_and_continue_on_error() {
    let run = run_yaml(
        r"
on: push
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - id: soft
        continue-on-error: true
        run: exit 3
      - id: after-soft
        run: echo 'soft outcome=${{ steps.soft.outcome }} conclusion=${{ steps.soft.conclusion }}'
      - id: hard
        shell: bash
        run: false | true; echo piped; exit 1
      - id: skipped
        run: echo should not run
      - id: on-failure
        if: failure()
        run: echo 'failure seen, job.status=${{ job.status }}'
      - id: always
        if: always() && steps.hard.outcome == 'failure'
        run: echo always ran
  later:
    needs: j
    runs-on: ubuntu-latest
    steps:
      - run: echo never
  cleanup:
    needs: j
    if: always()
    runs-on: ubuntu-latest
    steps:
      - run: echo 'j was ${{ needs.j.result }}'
",
        &[],
    );
    let j = run.job("j");
    assert_eq!(j.result, "failure");
    assert_eq!(j.step("soft").outcome, "failure");
    assert_eq!(j.step("soft").conclusion, "success");
    assert_eq!(j.step("soft").exit_code, Some(3));
    assert!(j
        .raw_log()
        .contains("soft outcome=failure conclusion=success"));
    assert!(
        j.raw_log().contains("piped"),
        "bash without pipefail would not matter here"
    );
    assert_eq!(j.step("hard").outcome, "failure");
    assert_eq!(j.step("skipped").outcome, "skipped");
    assert!(j.raw_log().contains("failure seen, job.status=failure"));
    assert!(j.raw_log().contains("always ran"));
    assert!(j
        .annotations_of("error")
        .iter()
        .any(|a| a.message == "Process completed with exit code 1."));
    assert_eq!(run.job("later").result, "skipped");
    assert!(run.job("cleanup").raw_log().contains("j was failure"));
    assert_eq!(run.conclusion, "failure");
}

#[test]
fn shells_follow_the_runner() {
    let run = run_yaml(
        r"
on: push
defaults:
  run:
    working-directory: sub
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - id: default-shell
        working-directory: .
        run: |
          false | true
          mkdir sub
          echo default-no-pipefail
      - id: bash-pipefail
        shell: bash
        run: |
          false | true
          echo not reached
      - id: sh
        if: always()
        shell: sh
        run: basename $(pwd)
      - id: custom
        if: always()
        shell: bash --noprofile --norc -x {0}
        run: echo custom
",
        &[],
    );
    let j = run.job("j");
    assert_eq!(
        j.step("default-shell").outcome,
        "success",
        "{}",
        j.raw_log()
    );
    assert!(j.raw_log().contains("default-no-pipefail"));
    assert_eq!(j.step("bash-pipefail").outcome, "failure");
    assert!(!j.raw_log().contains("not reached"));
    assert_eq!(j.step("sh").outcome, "success", "{}", j.raw_log());
    assert!(j.raw_log().contains("\nsub\n"), "{}", j.raw_log());
    assert!(j.raw_log().contains("+ echo custom"), "{}", j.raw_log());
}

#[test]
fn masks_annotations_and_leak_detection() {
    let dir = tempfile::tempdir().unwrap();
    let (remote, sha) = repo_with(
        dir.path(),
        &[(
            ".github/workflows/t.yml",
            r#"
on: push
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - run: |
          echo "early: $DYNAMIC"
          echo "::add-mask::$DYNAMIC"
          echo "late: $DYNAMIC"
          echo "secret in log: ${{ secrets.API_KEY }}"
          echo "::warning file=src/lib.rs,line=3,title=Heads up::careful%0Anext line"
          echo "::error title=a%2Cb::broken"
          echo "::group::details"
          echo "::endgroup::"
          echo "::stop-commands::pause123"
          echo "::error::not an annotation"
          echo "::pause123::"
          echo "::notice::back"
        env:
          DYNAMIC: dyn-value-42
"#,
        )],
    );
    let mut runner = Runner::new().with_repository("octo/widgets", &remote);
    let run = runner
        .workflow(&remote, ".github/workflows/t.yml")
        .event("push", json!({}))
        .commit(&sha, "refs/heads/main")
        .token("ghs_tok")
        .secret("API_KEY", "sk-very-secret")
        .run();
    let j = run.job("j");
    let rendered = j.rendered_log();
    assert!(
        rendered.contains("early: dyn-value-42"),
        "printed before the mask"
    );
    assert!(rendered.contains("late: ***"), "{rendered}");
    assert!(
        rendered.contains("secret in log: ***"),
        "secrets are masked from the start"
    );
    assert!(!rendered.contains("::add-mask::"));
    let w = &j.annotations_of("warning")[0];
    assert_eq!(w.message, "careful\nnext line");
    assert_eq!(w.properties["file"], "src/lib.rs");
    assert_eq!(w.properties["line"], "3");
    assert_eq!(w.properties["title"], "Heads up");
    assert_eq!(j.annotations_of("error")[0].properties["title"], "a,b");
    assert_eq!(
        j.annotations_of("error").len(),
        1,
        "stop-commands paused processing"
    );
    assert_eq!(j.annotations_of("notice")[0].message, "back");
    let leaked = std::panic::catch_unwind(|| run.assert_masks_hold()).unwrap_err();
    assert!(leaked
        .downcast_ref::<String>()
        .unwrap()
        .contains("printed before it was masked"));
    let leaked = std::panic::catch_unwind(|| run.assert_not_leaked("sk-very-secret")).unwrap_err();
    assert!(leaked
        .downcast_ref::<String>()
        .unwrap()
        .contains("secret leaked in the output"));
    run.assert_not_leaked("never-printed");
}

#[test]
fn leak_detection_covers_files_and_persisted_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let wf = r#"
on: push
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          persist-credentials: ${{ env.PERSIST || 'false' }}
      - run: echo "$TOKEN" > "$RUNNER_TEMP/report.json"
        if: env.WRITE == 'yes'
        env:
          TOKEN: ${{ github.token }}
"#;
    let (remote, sha) = repo_with(dir.path(), &[(".github/workflows/t.yml", wf)]);
    let mut runner = Runner::new().with_repository("octo/widgets", &remote);
    let run = runner
        .workflow(&remote, ".github/workflows/t.yml")
        .commit(&sha, "refs/heads/main")
        .token("ghs_filetoken")
        .run();
    assert_eq!(run.conclusion, "success", "{}", run.logs());
    run.assert_not_leaked("ghs_filetoken");
    // persist-credentials (the default) leaves the token, base64-encoded, in .git/config.
    let wf2 = wf.replace("${{ env.PERSIST || 'false' }}", "true");
    write_files(&remote, &[(".github/workflows/t.yml", &wf2)]);
    let run = runner
        .workflow(&remote, ".github/workflows/t.yml")
        .commit(&sha, "refs/heads/main")
        .token("ghs_filetoken")
        .run();
    let config = std::fs::read_to_string(run.job("j").workspace.join(".git/config")).unwrap();
    assert!(
        config.contains("extraheader = AUTHORIZATION: basic"),
        "{config}"
    );
    let basic = "eC1hY2Nlc3MtdG9rZW46Z2hzX2ZpbGV0b2tlbg==";
    assert!(std::panic::catch_unwind(|| run.assert_not_leaked(basic)).is_err());
    let wf3 = wf.replace("env.WRITE == 'yes'", "true");
    write_files(&remote, &[(".github/workflows/t.yml", &wf3)]);
    let run = runner
        .workflow(&remote, ".github/workflows/t.yml")
        .commit(&sha, "refs/heads/main")
        .token("ghs_filetoken")
        .run();
    let err = std::panic::catch_unwind(|| run.assert_not_leaked("ghs_filetoken")).unwrap_err();
    assert!(err
        .downcast_ref::<String>()
        .unwrap()
        .contains("report.json"));
}

const ACTION: &str = r#"
name: greeter
description: test composite
inputs:
  who:
    description: whom to greet
    required: true
  punctuation:
    description: mark
    default: "!"
  token:
    description: t
    default: ${{ github.token }}
outputs:
  message:
    description: the greeting
    value: ${{ steps.make.outputs.message }}
runs:
  using: composite
  steps:
    - id: make
      shell: bash
      env:
        WHO: ${{ inputs.who }}
        MARK: ${{ inputs.punctuation }}
      run: |
        echo "message=Hello $WHO$MARK" >> "$GITHUB_OUTPUT"
        echo "path=$GITHUB_ACTION_PATH outer=$OUTER"
        test -f "$GITHUB_ACTION_PATH/action.yml"
        test "${{ github.action_path }}" = "$GITHUB_ACTION_PATH"
        test "${{ inputs.token }}" = "ghs_test_token_value"
    - if: inputs.who == 'fail'
      shell: bash
      run: exit 1
    - if: failure()
      shell: bash
      run: echo inner failure handler
"#;

#[test]
fn composite_action_inputs_outputs_and_failure() {
    let run = run_yaml(
        r"
on: push
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: greet
        uses: ./greeter
        with:
          who: Mona
          bogus: x
        env:
          OUTER: from-step
      - run: echo 'said ${{ steps.greet.outputs.message }}'
      - id: boom
        uses: ./greeter
        with:
          who: fail
      - if: always()
        run: echo 'boom=${{ steps.boom.outcome }}'
",
        &[("greeter/action.yml", ACTION)],
    );
    let j = run.job("j");
    let log = j.raw_log();
    assert_eq!(j.step("greet").outcome, "success", "{log}");
    assert!(log.contains("said Hello Mona!"), "{log}");
    assert!(log.contains("outer=from-step"), "{log}");
    assert!(j.annotations_of("warning")[0]
        .message
        .starts_with("Unexpected input(s) 'bogus'"));
    assert_eq!(j.step("boom").outcome, "failure");
    assert_eq!(j.step("boom").steps.len(), 3);
    assert!(log.contains("inner failure handler"), "{log}");
    assert!(log.contains("boom=failure"), "{log}");
    assert_eq!(j.result, "failure");
}

#[test]
fn local_action_needs_a_checkout() {
    let run = run_yaml(
        "on: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: ./\n",
        &[],
    );
    let j = run.job("j");
    assert_eq!(j.result, "failure");
    assert!(j.annotations_of("error")[0]
        .message
        .contains("Did you forget to run actions/checkout"));
}

#[test]
fn artifacts_pass_between_jobs_and_runs() {
    let wf = r"
on: push
jobs:
  produce:
    runs-on: ubuntu-latest
    steps:
      - run: |
          mkdir -p out/deep
          echo one > out/a.txt
          echo two > out/deep/b.txt
          echo hidden > out/.hidden
          echo report > report.json
      - uses: actions/upload-artifact@v4
        id: up
        with:
          name: evidence
          path: out
      - uses: actions/upload-artifact@v4
        with:
          name: report
          path: |
            report.json
            out/a.txt
      - uses: actions/upload-artifact@v4
        with:
          name: none
          path: nothing-here/*
      - uses: actions/upload-artifact@v4
        id: dup
        continue-on-error: true
        with:
          name: evidence
          path: out
  consume:
    needs: produce
    runs-on: ubuntu-latest
    steps:
      - uses: actions/download-artifact@v4
        with:
          name: evidence
          path: ${{ runner.temp }}/ev
      - uses: actions/download-artifact@v4
        with:
          path: all
      - uses: actions/download-artifact@v4
        with:
          pattern: rep*
          merge-multiple: true
          path: merged
      - run: |
          cat $RUNNER_TEMP/ev/a.txt $RUNNER_TEMP/ev/deep/b.txt
          test ! -e $RUNNER_TEMP/ev/.hidden
          ls all | tr '\n' ' '; echo
          cat merged/report.json merged/out/a.txt
      - uses: actions/download-artifact@v4
        id: missing
        continue-on-error: true
        with:
          name: nope
";
    let dir = tempfile::tempdir().unwrap();
    let (remote, sha) = repo_with(dir.path(), &[(".github/workflows/t.yml", wf)]);
    let mut runner = Runner::new().with_repository("octo/widgets", &remote);
    let first = runner
        .workflow(&remote, ".github/workflows/t.yml")
        .commit(&sha, "refs/heads/main")
        .token("t0k")
        .run();
    let produce = first.job("produce");
    assert_eq!(
        produce.step("up").outcome,
        "success",
        "{}",
        produce.raw_log()
    );
    assert_eq!(
        produce.step("dup").outcome,
        "failure",
        "artifacts are immutable"
    );
    assert!(produce
        .annotations_of("warning")
        .iter()
        .any(|a| a.message.starts_with("No files were found")));
    let consume = first.job("consume");
    let log = consume.raw_log();
    assert!(log.contains("one\ntwo\n"), "{log}");
    assert!(log.contains("evidence report"), "{log}");
    assert!(log.contains("report\none\n"), "{log}");
    assert_eq!(consume.step("missing").outcome, "failure");
    assert!(consume
        .annotations_of("error")
        .iter()
        .any(|a| a.message.contains("Artifact not found for name: nope")));

    // Another run reads the first run's artifact with run-id + github-token.
    let other = r"
on: workflow_run
jobs:
  read:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/download-artifact@v4
        with:
          name: report
          run-id: ${{ github.event.workflow_run.id }}
          github-token: ${{ github.token }}
          path: got
      - run: cat got/report.json
      - uses: actions/download-artifact@v4
        id: without-token
        continue-on-error: true
        with:
          name: report
          run-id: ${{ github.event.workflow_run.id }}
";
    write_files(&remote, &[(".github/workflows/other.yml", other)]);
    let payload = first.workflow_run_payload(runner.repository());
    assert_eq!(payload["workflow_run"]["conclusion"], "success");
    let second = runner
        .workflow(&remote, ".github/workflows/other.yml")
        .event("workflow_run", payload)
        .commit(&sha, "refs/heads/main")
        .token("t0k")
        .run();
    let read = second.job("read");
    assert!(read.raw_log().contains("report\n"), "{}", read.raw_log());
    assert_eq!(
        read.step("without-token").outcome,
        "failure",
        "without a token download-artifact looks in the current run"
    );
}

#[test]
fn checkout_of_refs_depth_and_path() {
    let dir = tempfile::tempdir().unwrap();
    let wf = r"
on: pull_request
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        id: default
        with:
          persist-credentials: false
      - run: cat file.txt; git rev-list --count HEAD
      - uses: actions/checkout@v4
        id: base
        with:
          ref: main
          path: base-copy
          fetch-depth: 0
          persist-credentials: false
      - run: cat base-copy/file.txt; git -C base-copy rev-list --count HEAD; git -C base-copy branch --show-current
      - uses: actions/checkout@v4
        id: bad
        continue-on-error: true
        with:
          ref: no-such-branch
          path: x
      - uses: actions/checkout@v4
        id: escape
        continue-on-error: true
        with:
          path: ../outside
";
    let (remote, base) = repo_with(
        dir.path(),
        &[(".github/workflows/t.yml", wf), ("file.txt", "base v1\n")],
    );
    write_files(&remote, &[("file.txt", "base v2\n")]);
    git(&remote, &["commit", "-qam", "second on main"]);
    git(&remote, &["checkout", "-q", "-b", "feature", &base]);
    write_files(&remote, &[("file.txt", "from the PR\n")]);
    git(&remote, &["commit", "-qam", "pr"]);
    let head = git(&remote, &["rev-parse", "HEAD"]);
    git(&remote, &["update-ref", "refs/pull/7/head", &head]);
    git(&remote, &["checkout", "-q", "main"]);
    let mut runner = Runner::new().with_repository("octo/widgets", &remote);
    let run = runner
        .workflow(&remote, ".github/workflows/t.yml")
        .event("pull_request", json!({"action": "opened", "number": 7,
            "pull_request": {"number": 7, "head": {"sha": head, "ref": "feature"}, "base": {"sha": base, "ref": "main"}}}))
        .commit(&head, "refs/pull/7/head")
        .token("tok")
        .run();
    let j = run.job("j");
    let log = j.raw_log();
    assert!(
        log.contains("from the PR\n1\n"),
        "depth 1 by default: {log}"
    );
    assert!(log.contains("base v2\n2\nmain\n"), "{log}");
    assert_eq!(j.step("default").outputs["commit"], head);
    assert_eq!(j.step("bad").outcome, "failure");
    assert_eq!(j.step("escape").outcome, "failure");
    assert!(!std::fs::read_to_string(j.workspace.join(".git/config"))
        .unwrap()
        .contains("extraheader"));
}

#[test]
fn step_and_job_timeouts_kill() {
    let started = std::time::Instant::now();
    let run = run_yaml(
        r"
on: push
jobs:
  steps:
    runs-on: ubuntu-latest
    steps:
      - id: slow
        timeout-minutes: 0.01
        run: sleep 30 & wait
      - if: always()
        run: echo after timeout
  job:
    runs-on: ubuntu-latest
    timeout-minutes: 0.01
    steps:
      - run: sleep 30
      - run: echo skipped on cancel
      - if: always()
        run: echo cleanup runs
",
        &[],
    );
    assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
    let s = run.job("steps");
    assert_eq!(s.step("slow").outcome, "failure");
    assert!(s.annotations_of("error")[0]
        .message
        .contains("has timed out after 0.01 minutes"));
    assert!(s.raw_log().contains("after timeout"));
    let j = run.job("job");
    assert_eq!(j.result, "cancelled", "{}", j.raw_log());
    assert!(!j.raw_log().contains("skipped on cancel\n"));
    assert!(j.raw_log().contains("cleanup runs"));
    assert_eq!(run.conclusion, "failure");
}

fn panic_message(f: impl FnOnce() + std::panic::UnwindSafe) -> String {
    let err = std::panic::catch_unwind(f).unwrap_err();
    err.downcast_ref::<String>().cloned().unwrap_or_default()
}

#[test]
fn unsupported_features_fail_loudly() {
    for (snippet, needle) in [
        (
            "    strategy:\n      matrix:\n        a: [1]\n    steps:\n      - run: true\n",
            "`strategy` is not supported",
        ),
        (
            "    steps:\n      - uses: someone/else@v1\n",
            "job j, step `Run someone/else@v1`: `uses: someone/else@v1` (no emulation",
        ),
        (
            "    steps:\n      - uses: docker://alpine\n",
            "Docker actions",
        ),
        (
            "    steps:\n      - run: echo hi\n        shell: pwsh\n",
            "shell `pwsh`",
        ),
        (
            "    steps:\n      - run: echo '::set-output name=a::b'\n",
            "deprecated `::set-output::`",
        ),
        (
            "    steps:\n      - run: true\n        bogus: 1\n",
            "unknown key `bogus`",
        ),
    ] {
        let wf = format!("on: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n{snippet}");
        let msg = panic_message(move || {
            run_yaml(&wf, &[]);
        });
        assert!(msg.contains(needle), "{needle}: {msg}");
        assert!(msg.contains("workflow runner"), "{msg}");
    }
    let msg = panic_message(|| {
        run_yaml("on: pull_request\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - run: true\n", &[]);
    });
    assert!(msg.contains("does not trigger"), "{msg}");
}

#[test]
fn registered_emulations_and_cache_misses() {
    let dir = tempfile::tempdir().unwrap();
    let wf = r"
on: push
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - id: cache
        uses: actions/cache@v4
        with:
          path: ~/.cargo
          key: k-${{ hashFiles('**/*.lock') }}
      - if: steps.cache.outputs.cache-hit != 'true'
        run: echo 'miss [${{ steps.cache.outputs.cache-hit }}]'
      - id: nokey
        continue-on-error: true
        uses: actions/cache/restore@v4
        with:
          path: x
      - id: mine
        uses: example/thing@v2
        with:
          value: 21
      - run: echo 'doubled ${{ steps.mine.outputs.double }}'
";
    let (remote, sha) = repo_with(dir.path(), &[(".github/workflows/t.yml", wf)]);
    let mut runner = Runner::new().with_repository("octo/widgets", &remote);
    runner.emulate(
        "example/thing",
        Box::new(|call| {
            let v: u32 = call.inputs["value"]
                .parse()
                .map_err(|_| "not a number".to_owned())?;
            call.outputs.insert("double".into(), (v * 2).to_string());
            call.log.push("::notice::emulated".into());
            Ok(())
        }),
    );
    let run = runner
        .workflow(&remote, ".github/workflows/t.yml")
        .commit(&sha, "refs/heads/main")
        .token("t")
        .run();
    let j = run.job("j");
    assert!(j.raw_log().contains("miss []"), "{}", j.raw_log());
    assert_eq!(j.step("nokey").outcome, "failure");
    assert!(j.raw_log().contains("doubled 42"));
    assert_eq!(j.annotations_of("notice")[0].message, "emulated");
}

#[test]
fn triggers_filter_types_branches_and_workflows() {
    let dir = tempfile::tempdir().unwrap();
    let wf = r"
on:
  pull_request:
    branches: [main]
  pull_request_review:
    types: [submitted]
  push:
    tags: ['v*']
  workflow_run:
    workflows: [ci]
    types: [completed]
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - run: true
";
    let (remote, _) = repo_with(dir.path(), &[(".github/workflows/t.yml", wf)]);
    let mut runner = Runner::new();
    let mut check = |event: &str, payload: Value, git_ref: &str| {
        runner
            .workflow(&remote, ".github/workflows/t.yml")
            .event(event, payload)
            .commit("0", git_ref)
            .triggers()
    };
    let pr = |action: &str, base: &str| json!({"action": action, "pull_request": {"base": {"ref": base}}});
    assert!(check(
        "pull_request",
        pr("opened", "main"),
        "refs/pull/1/merge"
    ));
    assert!(!check(
        "pull_request",
        pr("labeled", "main"),
        "refs/pull/1/merge"
    ));
    assert!(!check(
        "pull_request",
        pr("opened", "dev"),
        "refs/pull/1/merge"
    ));
    assert!(check(
        "pull_request_review",
        json!({"action": "submitted"}),
        "refs/pull/1/merge"
    ));
    assert!(!check(
        "pull_request_review",
        json!({"action": "dismissed"}),
        "refs/pull/1/merge"
    ));
    assert!(check("push", json!({}), "refs/tags/v1.0.0"));
    assert!(!check("push", json!({}), "refs/heads/main"));
    let wr = |name: &str| json!({"action": "completed", "workflow_run": {"name": name}});
    assert!(check("workflow_run", wr("ci"), "refs/heads/main"));
    assert!(!check("workflow_run", wr("other"), "refs/heads/main"));
    assert!(!check("merge_group", json!({}), "refs/heads/main"));
}

// ------------------------------------------------------- shipped action

/// A repository holding this crate's action, sources and policies, with the
/// example evidence and configuration at its root: base commit and a PR head.
fn tollgate_repo(dir: &Path) -> (PathBuf, String, String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let repo = dir.join("remote");
    for item in [
        "action.yml",
        ".github/action",
        "Cargo.toml",
        "Cargo.lock",
        "src",
        "policies",
    ] {
        copy_into(&root.join(item), &repo.join(item));
    }
    let example = root.join("fixtures/example");
    for item in ["coverage", "audit", "tests", "bench-criterion"] {
        copy_into(&example.join(item), &repo.join(item));
    }
    let config = std::fs::read_to_string(example.join("tollgate.toml"))
        .unwrap()
        .replace("\"../../policies\"", "\"policies\"");
    write_files(
        &repo,
        &[
            ("tollgate.toml", &config),
            (
                ".github/workflows/gate.yml",
                r"
name: gate
on: pull_request
permissions: {}
jobs:
  gate:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0
          persist-credentials: false
      - id: gate
        uses: ./
      - if: always()
        run: echo 'conclusion=${{ steps.gate.outputs.conclusion }}'
",
            ),
        ],
    );
    git(&repo, &["init", "-q", "-b", "main"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "base"]);
    let base = git(&repo, &["rev-parse", "HEAD"]);
    git(&repo, &["checkout", "-q", "-b", "feature"]);
    write_files(&repo, &[("NOTES.md", "a change\n")]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "head"]);
    let head = git(&repo, &["rev-parse", "HEAD"]);
    git(&repo, &["update-ref", "refs/pull/7/head", &head]);
    git(&repo, &["checkout", "-q", "main"]);
    (repo, base, head)
}

#[test]
fn shipped_action_posts_a_check_run_to_the_fake() {
    let dir = tempfile::tempdir().unwrap();
    let (remote, base, head) = tollgate_repo(dir.path());
    let fake = FakeGitHub::start();
    fake.add_pull_request("octo/widgets", PullRequestSeed::new(7, "dev", &head, &base));
    let mut runner = Runner::new()
        .with_repository("octo/widgets", &remote)
        .with_api_url(&fake.url());
    let shim_dir = runner.scratch("shims");
    shims::standard(
        &shim_dir,
        Path::new(env!("CARGO_BIN_EXE_tollgate")),
        &shims::Fixtures::example(),
    );
    runner.prepend_path(&shim_dir);
    let payload = json!({
        "action": "opened",
        "number": 7,
        "pull_request": {
            "number": 7,
            "user": {"login": "dev"},
            "head": {"sha": head, "ref": "feature", "repo": {"full_name": "octo/widgets", "fork": false}},
            "base": {"sha": base, "ref": "main", "repo": {"full_name": "octo/widgets"}}
        },
        "repository": {"full_name": "octo/widgets"}
    });
    let run = runner
        .workflow(&remote, ".github/workflows/gate.yml")
        .event("pull_request", payload)
        .commit(&head, "refs/pull/7/head")
        .token(WRITE_TOKEN)
        .run();
    let job = run.job("gate");
    let runs = fake.check_runs("octo/widgets");
    assert_eq!(runs.len(), 1, "{}", run.logs());
    assert_eq!(runs[0].head_sha, head);
    assert!(runs[0].name.starts_with("tollgate/"), "{}", runs[0].name);
    let conclusion = &job.step("gate").outputs["conclusion"];
    assert!(
        conclusion == "pass" || conclusion == "fail",
        "{}",
        run.logs()
    );
    let calls = std::fs::read_to_string(job.temp.join("shim-calls.log")).unwrap();
    assert!(calls.contains("cargo install --locked --root"), "{calls}");
    assert!(job.step("Install tollgate").outcome == "success");
    assert!(job
        .rendered_log()
        .contains(&format!("conclusion={conclusion}")));
    run.assert_not_leaked(WRITE_TOKEN);
}

#[test]
fn uploaded_artifacts_read_back_as_the_zip_the_api_serves() {
    use crate::support::runner::zip;
    assert_eq!(
        zip::crc32(b"123456789"),
        0xCBF4_3926,
        "the CRC-32 check value"
    );
    // The runner owns the artifact store: keep it alive while reading.
    let dir = tempfile::tempdir().unwrap();
    let wf = r"
on: push
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - run: mkdir -p out/target/nextest && echo lcov > out/target/lcov.info && echo xml > out/target/nextest/junit.xml
      - uses: actions/upload-artifact@v4
        with:
          name: evidence
          path: out/
";
    let (remote, sha) = repo_with(dir.path(), &[(".github/workflows/t.yml", wf)]);
    let mut runner = Runner::new().with_repository("octo/widgets", &remote);
    let run = runner
        .workflow(&remote, ".github/workflows/t.yml")
        .commit(&sha, "refs/heads/main")
        .token("t")
        .run();
    assert_eq!(run.artifact_names(), ["evidence"]);
    assert!(run.artifact_zip("missing").is_none());
    let bytes = run.artifact_zip("evidence").unwrap();
    let want = zip::write(&[
        zip::Entry::file("target/lcov.info", b"lcov\n"),
        zip::Entry::file("target/nextest/junit.xml", b"xml\n"),
    ]);
    assert_eq!(bytes, want, "entries relative to the upload root, sorted");
    assert_eq!(&bytes[..4], b"PK\x03\x04");
    assert_eq!(&bytes[bytes.len() - 22..bytes.len() - 18], b"PK\x05\x06");
}
