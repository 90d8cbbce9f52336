//! The shipped release workflow's `gate3` job, run the way GitHub runs it
//! on a tag push, against the fake GitHub (issue 10): checkout with
//! history, the tag object fetched, the evidence steps (tool shims copy the
//! committed example evidence), then the action (`uses: ./`), which judges
//! the tagged commit with the default branch's policy and the sign-offs in
//! the annotated tag's message.
//!
//! The scenario repository holds this crate's action and sources (the
//! action's install step builds them; a shim stands in for cargo), the
//! shipped `release.yml`, and a small test Gate 3 that the example evidence
//! passes, so the verdict turns on the tag: its commit, its message, and the
//! trusted branch's `allowed_signers`. Every scenario asserts on the fake's
//! state (the `tollgate/gate3` check run) and on the job's result.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::support::files::{copy_into, manifest, write_files};
use crate::support::git::git;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

use crate::support::fake_github::{CheckRun, FakeGitHub, WRITE_TOKEN};
use crate::support::runner::{shims, Runner, WorkflowRun};

const REPO: &str = "octo/widgets";
const RELEASE: &str = ".github/workflows/release.yml";
const CHECK: &str = "tollgate/gate3";

/// The scenario's tollgate.toml: tags `v*` are judged by the test Gate 3.
const CONFIG: &str = r#"policy_dir = "policies"

[gates]
pull_request = "gate2"
release = "gate3"
prerelease = "gate3"
"#;

/// A small Gate 3: the example evidence (72.88% of lines, 6 passing tests)
/// passes it; a release changelog; `signoffs` sign-offs by alice.
fn policy(signoffs: u32) -> String {
    let mut text = r#"schema = 1
name = "gate3"
title = "Gate 3 (release scenarios)"
version = "1.0.0"

[coverage]
lines = 50.0

[tests]
all_pass = true
min_tests = 1

[release]
changelog = "CHANGELOG.md"
version_matches_tag = false

[overrides]
signers = "allowed_signers"
# The committed fixture documents expire 2099-12-31: allow them.
max_days = 36500
"#
    .to_owned();
    if signoffs > 0 {
        let _ = write!(
            text,
            "\n[[signoffs]]\nid = \"security-audit\"\ntitle = \"Security audit complete\"\nprincipals = [\"alice@example.org\"]\ncount = {signoffs}\n"
        );
    }
    text
}

const CHANGELOG: &str = "# Changelog\n\n## [Unreleased]\n\n## [1.4.0] - 2026-11-25\n\n- Faster.\n";

fn fixtures() -> PathBuf {
    manifest().join("fixtures/overrides")
}

/// GitHub, its runner and one repository, for one scenario.
struct World {
    dir: tempfile::TempDir,
    remote: PathBuf,
    /// The default branch's head.
    main: String,
    fake: FakeGitHub,
    runner: Runner,
}

impl World {
    fn new(policy_text: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let remote = dir.path().join("remote");
        let root = manifest();
        // The action's scripts live in `action/` or `.github/action/`.
        for item in [
            "action.yml",
            "action",
            ".github/action",
            "Cargo.toml",
            "Cargo.lock",
            "src",
            RELEASE,
        ] {
            if root.join(item).exists() {
                copy_into(&root.join(item), &remote.join(item));
            }
        }
        copy_into(
            &fixtures().join("allowed_signers"),
            &remote.join("policies/allowed_signers"),
        );
        write_files(
            &remote,
            &[
                ("tollgate.toml", CONFIG),
                ("policies/gate3.toml", policy_text),
                ("CHANGELOG.md", CHANGELOG),
            ],
        );
        git(&remote, &["init", "-q", "-b", "main"]);
        git(&remote, &["add", "-A"]);
        git(&remote, &["commit", "-q", "-m", "release 1.4.0"]);
        let main = git(&remote, &["rev-parse", "HEAD"]);
        let fake = FakeGitHub::start();
        fake.add_repo(REPO);
        fake.set_branch(REPO, "main", &main);
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
            dir,
            remote,
            main,
            fake,
            runner,
        }
    }

    /// Commits `files` on a new branch `branch` from `from`; returns the commit.
    fn commit(&self, branch: &str, from: &str, files: &[(&str, &str)]) -> String {
        git(&self.remote, &["checkout", "-q", "-B", branch, from]);
        write_files(&self.remote, files);
        git(&self.remote, &["add", "-A"]);
        git(&self.remote, &["commit", "-q", "-m", branch]);
        let sha = git(&self.remote, &["rev-parse", "HEAD"]);
        git(&self.remote, &["checkout", "-q", "main"]);
        sha
    }

    /// The files of commit `sha`: the copy of release.yml a run there executes.
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

    /// A lightweight tag `name` on `commit`, in the remote and on the fake.
    fn lightweight_tag(&self, name: &str, commit: &str) {
        git(&self.remote, &["tag", name, commit]);
        self.fake.add_lightweight_tag(REPO, name, commit);
    }

    /// An annotated tag `name` on `commit` with `message`, in the remote
    /// and on the fake (ref and tag object); returns the tag object's id.
    fn annotated_tag(&self, name: &str, commit: &str, message: &str) -> String {
        let file = self.dir.path().join(format!("tag-{name}.txt"));
        std::fs::write(&file, message).unwrap();
        git(
            &self.remote,
            &[
                "tag",
                "-a",
                "--cleanup=verbatim",
                "-F",
                &file.display().to_string(),
                name,
                commit,
            ],
        );
        self.register_tag(name, commit)
    }

    /// Puts the remote's annotated tag `name` (on `commit`) on the fake: its
    /// ref and its tag object; returns the tag object's id.
    fn register_tag(&self, name: &str, commit: &str) -> String {
        let object = git(&self.remote, &["rev-parse", &format!("refs/tags/{name}")]);
        let raw = git(&self.remote, &["cat-file", "tag", &object]);
        let stored = raw.split_once("\n\n").unwrap().1;
        self.fake.add_tag_object(
            REPO,
            &object,
            name,
            &format!("{stored}\n"),
            "commit",
            commit,
        );
        self.fake
            .set_git_ref(REPO, &format!("tags/{name}"), "tag", &object);
        object
    }

    /// A `security-audit` sign-off for `commit` signed by the fixture key
    /// `key`, as `tollgate override comment` renders it for a tag message.
    fn signoff(&self, key: &str, commit: &str) -> String {
        let doc = self.dir.path().join(format!("signoff-{key}-{commit}.txt"));
        std::fs::write(
            &doc,
            format!(
                "tollgate-override: 1\nrepository: {REPO}\ncommit: {commit}\ngate: gate3\nsignoff: security-audit\nreason: audited by {key}\nexpires: 2099-12-31T00:00:00Z\n"
            ),
        )
        .unwrap();
        let tollgate = || {
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_tollgate"));
            cmd.env_clear()
                .envs(crate::support::coverage::profile_env())
                .env("PATH", std::env::var_os("PATH").unwrap())
                .env("HOME", self.dir.path());
            cmd
        };
        let out = tollgate()
            .args(["override", "sign", "--key"])
            .arg(fixtures().join("keys").join(key))
            .arg(&doc)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let out = tollgate()
            .args(["override", "comment"])
            .arg(&doc)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    }

    /// The release workflow's `gate3` job, from the tagged commit's copy,
    /// on the push of `refs/tags/NAME` whose ref names `after`.
    fn gate3(&mut self, name: &str, commit: &str, after: &str) -> WorkflowRun {
        let source = self.tree(commit);
        let payload = json!({
            "ref": format!("refs/tags/{name}"),
            "before": "0000000000000000000000000000000000000000",
            "after": after,
            "created": true,
            "deleted": false,
            "base_ref": Value::Null,
            "repository": {"full_name": REPO, "default_branch": "main"},
        });
        let run = self
            .runner
            .workflow(&source, RELEASE)
            .event("push", payload)
            .commit(commit, &format!("refs/tags/{name}"))
            .token(WRITE_TOKEN)
            .only_jobs(&["gate3"])
            .run();
        run.assert_not_leaked(WRITE_TOKEN);
        run
    }

    fn check_runs(&self) -> Vec<CheckRun> {
        self.fake.check_runs_named(REPO, CHECK)
    }

    /// The only `tollgate/gate3` check run: on `commit`, concluded `conclusion`.
    fn assert_gate(&self, commit: &str, conclusion: &str, run: &WorkflowRun) -> CheckRun {
        let runs = self.check_runs();
        assert_eq!(runs.len(), 1, "{runs:#?}\n{}", run.logs());
        assert_eq!(runs[0].head_sha, commit, "{}", run.logs());
        assert_eq!(
            runs[0].conclusion.as_deref(),
            Some(conclusion),
            "{:#?}\n{}",
            runs[0],
            run.logs()
        );
        runs[0].clone()
    }
}

#[test]
fn a_lightweight_tag_passes_on_its_commit() {
    let mut w = World::new(&policy(0));
    let main = w.main.clone();
    w.lightweight_tag("v1.4.0", &main);
    let run = w.gate3("v1.4.0", &main, &main);
    assert_eq!(run.job("gate3").result, "success", "{}", run.logs());
    let check = w.assert_gate(&main, "success", &run);
    let summary = check.summary.unwrap_or_default();
    assert!(summary.contains("coverage.lines"), "{summary}");
}

#[test]
fn an_annotated_tag_with_a_valid_signoff_in_its_message_passes() {
    let mut w = World::new(&policy(1));
    let main = w.main.clone();
    let block = w.signoff("alice", &main);
    let object = w.annotated_tag("v1.4.0", &main, &format!("Release v1.4.0\n\n{block}"));
    let run = w.gate3("v1.4.0", &main, &object);
    assert_eq!(run.job("gate3").result, "success", "{}", run.logs());
    let check = w.assert_gate(&main, "success", &run);
    let summary = check.summary.unwrap_or_default();
    assert!(summary.contains("signoff[security-audit]"), "{summary}");
}

/// The maintainer's one command: `tollgate tag` in a clone of the default
/// branch signs the sign-off and creates the annotated tag; the release
/// job then passes on the tagged commit with the sign-off applied.
#[test]
fn a_tag_made_by_tollgate_tag_passes() {
    let mut w = World::new(&policy(1));
    let main = w.main.clone();
    let out = Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .current_dir(&w.remote)
        .env("HOME", w.dir.path())
        .env("GIT_COMMITTER_NAME", "Alice")
        .env("GIT_COMMITTER_EMAIL", "alice@example.org")
        .args([
            "tag",
            "v1.4.0",
            "--signoff",
            "security-audit",
            "--reason",
            "audited for 1.4.0",
        ])
        .args(["--repository", REPO, "--key"])
        .arg(fixtures().join("keys/alice"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let object = w.register_tag("v1.4.0", &main);
    let run = w.gate3("v1.4.0", &main, &object);
    assert_eq!(run.job("gate3").result, "success", "{}", run.logs());
    let check = w.assert_gate(&main, "success", &run);
    let text = format!(
        "{}\n{}",
        check.summary.unwrap_or_default(),
        check.text.unwrap_or_default()
    );
    assert!(text.contains("signoff[security-audit]"), "{text}");
    assert!(text.contains("signed by alice@"), "{text}");
}

#[test]
fn forged_and_misbound_signoffs_fail_and_are_listed_as_rejected() {
    let mut w = World::new(&policy(1));
    let main = w.main.clone();
    let earlier = w.commit("old", &main, &[("README", "old\n")]);
    let forged = w.signoff("mallory", &main);
    let misbound = w.signoff("alice", &earlier);
    let object = w.annotated_tag(
        "v1.4.0",
        &main,
        &format!("Release v1.4.0\n\n{forged}\n{misbound}"),
    );
    let run = w.gate3("v1.4.0", &main, &object);
    assert_eq!(run.job("gate3").result, "failure", "{}", run.logs());
    let check = w.assert_gate(&main, "failure", &run);
    let summary = check.summary.unwrap_or_default();
    assert!(
        summary.contains("### Rejected signed documents"),
        "{summary}"
    );
    assert!(summary.contains("tag v1.4.0 message"), "{summary}");
    assert!(
        summary.contains("is not listed in policies/allowed_signers"),
        "{summary}"
    );
    assert!(
        summary.contains(&format!("bound to commit {earlier}")),
        "{summary}"
    );
}

#[test]
fn a_side_branch_tag_whose_tree_adds_its_own_signer_fails() {
    let mut w = World::new(&policy(1));
    let main = w.main.clone();
    let mallory = std::fs::read_to_string(fixtures().join("keys/mallory.pub")).unwrap();
    let key = mallory
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ");
    let signers = std::fs::read_to_string(fixtures().join("allowed_signers")).unwrap();
    let signers = format!("{signers}mallory@example.org namespaces=\"tollgate\" {key}\n");
    let own_policy = policy(1).replace("[\"alice@example.org\"]", "[\"mallory@example.org\"]");
    let side = w.commit(
        "side",
        &main,
        &[
            ("policies/allowed_signers", signers.as_str()),
            ("policies/gate3.toml", own_policy.as_str()),
        ],
    );
    let block = w.signoff("mallory", &side);
    let object = w.annotated_tag("v1.4.0", &side, &format!("Release v1.4.0\n\n{block}"));
    let run = w.gate3("v1.4.0", &side, &object);
    assert_eq!(run.job("gate3").result, "failure", "{}", run.logs());
    let check = w.assert_gate(&side, "failure", &run);
    let summary = check.summary.unwrap_or_default();
    assert!(
        summary.contains("is not listed in policies/allowed_signers"),
        "{summary}"
    );
    // The check run's text says where the policy came from.
    let text = check.text.unwrap_or_default();
    assert!(
        text.contains(&format!(
            "policy, tollgate.toml and allowed_signers read from main at {main}"
        )),
        "{text}"
    );
}

#[test]
fn a_tag_that_is_not_semver_is_an_input_error() {
    let mut w = World::new(&policy(0));
    let main = w.main.clone();
    w.lightweight_tag("v1.5", &main);
    let run = w.gate3("v1.5", &main, &main);
    assert_eq!(run.job("gate3").result, "failure", "{}", run.logs());
    assert!(w.check_runs().is_empty(), "{:#?}", w.check_runs());
    assert!(
        run.logs()
            .contains("tag \"v1.5\": \"1.5\" is not a semantic version"),
        "{}",
        run.logs()
    );
}
