//! Self-tests of the scripted workflow runner (`tests/support/runner`): its
//! expression evaluator, files commands, masks, conditions, composite
//! actions, artifacts, checkout, timeouts and loud refusals, on small
//! workflows written here; and one smoke test that runs the shipped
//! `action.yml` (`uses: ./`) against the fake GitHub server on the
//! committed example evidence.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Map, Value};
use support::fake_github::{FakeGitHub, PullRequestSeed, WRITE_TOKEN};
use support::runner::expr::{self, Scope};
use support::runner::{shims, Runner, WorkflowRun};

fn git(repo: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args([
            "-c",
            "user.name=T",
            "-c",
            "user.email=t@example.invalid",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

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

fn write_files(root: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
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
