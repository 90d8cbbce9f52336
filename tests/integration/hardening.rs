//! What a hostile change or a hostile server can make tollgate print or
//! write, tried against the real binary (issue 9, "Also fix"): the token in
//! output or files, workflow commands and Markdown smuggled in through
//! evidence, terminal escapes, git options in revisions, a policy read from
//! the wrong directory, and approvals a pull request brings itself.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::support::git::git;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{json, Value};

use crate::support::fake_github::{FakeGitHub, Fault, PullRequestSeed, WRITE_TOKEN};

const REPO: &str = "octo/widgets";

/// A git repository in a temporary directory.
struct Repo {
    dir: tempfile::TempDir,
    root: PathBuf,
}

impl Repo {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("repo");
        std::fs::create_dir_all(&root).unwrap();
        git(&root, &["init", "-q", "-b", "main"]);
        Self { dir, root }
    }

    fn write(&self, path: &str, text: &str) {
        let path = self.root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// Commits everything and returns the commit id.
    fn commit(&self, message: &str) -> String {
        git(&self.root, &["add", "-A"]);
        git(
            &self.root,
            &["commit", "-q", "--allow-empty", "-m", message],
        );
        git(&self.root, &["rev-parse", "HEAD"])
    }

    fn tmp(&self) -> &Path {
        self.dir.path()
    }
}

/// The binary with a clean environment.
fn tollgate(repo: &Repo) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tollgate"));
    cmd.env_clear()
        .envs(crate::support::coverage::profile_env())
        .env("PATH", std::env::var_os("PATH").unwrap())
        .env("HOME", repo.tmp())
        .env("TOLLGATE_RETRY_SCALE", "0.01")
        .current_dir(&repo.root);
    cmd
}

/// A pull-request event of `head` into `base`.
fn pr_event(base: &str, head: &str) -> Value {
    json!({
        "action": "synchronize",
        "number": 7,
        "pull_request": {
            "number": 7,
            "user": {"login": "dev"},
            "head": {"sha": head, "ref": "feature", "repo": {"full_name": REPO, "fork": false}},
            "base": {"sha": base, "ref": "main", "repo": {"full_name": REPO}}
        },
        "repository": {"full_name": REPO}
    })
}

/// `cmd` in a synthetic Actions job on a `pull_request` event.
fn actions(cmd: &mut Command, repo: &Repo, fake: &FakeGitHub, event: &Value) {
    let event_path = repo.tmp().join("event.json");
    std::fs::write(&event_path, event.to_string()).unwrap();
    cmd.env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("GITHUB_EVENT_PATH", &event_path)
        .env("GITHUB_REPOSITORY", REPO)
        .env("GITHUB_SHA", "1111111111111111111111111111111111111111")
        .env("GITHUB_SERVER_URL", "https://github.example")
        .env("GITHUB_RUN_ID", "99")
        .env("GITHUB_API_URL", fake.url())
        .env("GITHUB_TOKEN", WRITE_TOKEN)
        .env("GITHUB_STEP_SUMMARY", repo.tmp().join("summary.md"))
        .env("GITHUB_OUTPUT", repo.tmp().join("output.txt"))
        .env("RUNNER_TEMP", repo.tmp());
}

fn text(out: &Output) -> String {
    format!(
        "--- stdout\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

const GATE_CONFIG: &str = "policy_dir = \"policies\"\n[gates]\npull_request = \"gate\"\n";

/// A repository whose base commit holds a patch-coverage policy and whose
/// head commit adds `path` (two lines, neither covered), with an LCOV file
/// for it outside the repository; and a fake GitHub holding the pull request.
struct Pr {
    repo: Repo,
    base: String,
    head: String,
    lcov: PathBuf,
    fake: FakeGitHub,
}

fn pr_adding(path: &str) -> Pr {
    let repo = Repo::new();
    repo.write("tollgate.toml", GATE_CONFIG);
    repo.write(
        "policies/gate.toml",
        "schema = 1\nname = \"gate\"\nversion = \"1.0.0\"\n\n[coverage]\npatch = 90.0\n",
    );
    let base = repo.commit("base");
    repo.write(path, "fn a() {}\nfn b() {}\n");
    let head = repo.commit("head");
    let lcov = repo.tmp().join("lcov.info");
    std::fs::write(
        &lcov,
        format!("TN:\nSF:{path}\nDA:1,0\nDA:2,0\nLF:2\nLH:0\nend_of_record\n"),
    )
    .unwrap();
    let fake = FakeGitHub::start();
    fake.add_repo(REPO);
    fake.add_pull_request(REPO, PullRequestSeed::new(7, "dev", &head, &base));
    Pr {
        repo,
        base,
        head,
        lcov,
        fake,
    }
}

/// Runs `check --github --format json` in Actions with standard output
/// redirected to `report.json`, as `tollgate check … > report.json` would.
fn check_json_to_file(pr: &Pr) -> (Output, String) {
    let report = pr.repo.tmp().join("report.json");
    let mut cmd = tollgate(&pr.repo);
    cmd.args(["check", "--github", "--format", "json", "--coverage"])
        .arg(&pr.lcov)
        .stdout(Stdio::from(std::fs::File::create(&report).unwrap()));
    actions(&mut cmd, &pr.repo, &pr.fake, &pr_event(&pr.base, &pr.head));
    let out = cmd.output().unwrap();
    (out, std::fs::read_to_string(&report).unwrap())
}

/// Every file the run wrote in its temporary directory, with its text.
fn written_files(repo: &Repo) -> Vec<(PathBuf, String)> {
    std::fs::read_dir(repo.tmp())
        .unwrap()
        .filter_map(|e| {
            let path = e.unwrap().path();
            path.is_file().then(|| {
                (
                    path.clone(),
                    String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned(),
                )
            })
        })
        .collect()
}

/// The token appears in no file and nowhere in the output but the one
/// `::add-mask::` line on standard error (which the runner consumes).
fn assert_no_token(out: &Output, repo: &Repo) {
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains(WRITE_TOKEN),
        "{}",
        text(out)
    );
    for line in String::from_utf8_lossy(&out.stderr).lines() {
        assert!(
            !line.contains(WRITE_TOKEN) || line == format!("::add-mask::{WRITE_TOKEN}"),
            "token leaked on stderr: {line}"
        );
    }
    for (path, content) in written_files(repo) {
        assert!(
            !content.contains(WRITE_TOKEN),
            "token in {}",
            path.display()
        );
    }
}

#[test]
fn a_json_report_on_redirected_stdout_holds_no_token_and_no_workflow_command() {
    let pr = pr_adding("src/lib.rs");
    let (out, report) = check_json_to_file(&pr);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    // The file is the report and nothing else: it parses as one JSON value.
    let parsed: Value = serde_json::from_str(&report).unwrap_or_else(|e| panic!("{e}: {report}"));
    assert_eq!(parsed["gate"], "gate");
    assert!(!report.contains("::add-mask::"), "{report}");
    // The mask still reaches the runner, on standard error.
    assert!(String::from_utf8_lossy(&out.stderr)
        .lines()
        .any(|l| l == format!("::add-mask::{WRITE_TOKEN}")));
    assert_eq!(pr.fake.check_runs_named(REPO, "tollgate/gate").len(), 1);
    assert_no_token(&out, &pr.repo);
}

#[test]
fn a_server_echoing_the_authorization_header_cannot_make_tollgate_print_the_token() {
    // A refused write (422) and a failing read retried to exhaustion (502):
    // both bodies echo `Authorization: Bearer TOKEN` back.
    for (method, path, status) in [
        ("POST", "/repos/octo/widgets/check-runs", 422),
        ("GET", "/repos/octo/widgets/pulls/7", 502),
    ] {
        let pr = pr_adding("src/lib.rs");
        pr.fake
            .inject(method, path, Fault::EchoAuthorization(status), 100);
        let (out, report) = check_json_to_file(&pr);
        assert_eq!(out.status.code(), Some(3), "{}", text(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        // The server's message is shown, with the token cut out of it.
        assert!(
            stderr.contains("Bad credentials in header Authorization: Bearer <redacted>"),
            "{stderr}"
        );
        assert!(!report.contains(WRITE_TOKEN));
        assert_no_token(&out, &pr.repo);
    }
}

#[test]
fn hostile_paths_in_evidence_render_inert_everywhere_github_shows_them() {
    let path = "src/[x](https:/evil)/@org/<img src=x>|a|/#1.rs";
    let pr = pr_adding(path);
    let mut cmd = tollgate(&pr.repo);
    cmd.args(["check", "--github", "--format", "markdown", "--coverage"])
        .arg(&pr.lcov);
    actions(&mut cmd, &pr.repo, &pr.fake, &pr_event(&pr.base, &pr.head));
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let runs = pr.fake.check_runs_named(REPO, "tollgate/gate");
    assert_eq!(runs.len(), 1);
    let summary = std::fs::read_to_string(pr.repo.tmp().join("summary.md")).unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    for md in [
        stdout.as_str(),
        summary.as_str(),
        runs[0].summary.as_deref().unwrap(),
        runs[0].text.as_deref().unwrap(),
    ] {
        // The path is there, as text.
        assert!(
            md.contains(
                "src/\\[x\\](https:/evil)/@\u{200d}org/&lt;img src=x>\\|a\\|/#\u{200d}1.rs"
            ),
            "{md}"
        );
        for active in ["[x](", "<img", "@org", "|a|", "/#1"] {
            assert!(!md.contains(active), "{active:?} in {md}");
        }
    }
    // The annotation keeps the real path: it is data, not Markdown.
    assert_eq!(runs[0].annotations[0]["path"], path);
}

#[test]
fn a_revision_from_a_flag_is_never_a_git_option() {
    let repo = Repo::new();
    repo.write("tollgate.toml", GATE_CONFIG);
    repo.write(
        "policies/gate.toml",
        "schema = 1\nname = \"gate\"\nversion = \"1.0.0\"\n\n[coverage]\npatch = 90.0\n",
    );
    repo.commit("one");
    let target = repo.tmp().join("pwned");
    let hostile = format!("--output={}", target.display());
    let out = tollgate(&repo)
        .arg("check")
        .arg(format!("--base={hostile}"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    // git was asked for a revision of that name, and wrote no file.
    let leftovers: Vec<_> = std::fs::read_dir(repo.tmp())
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            name.starts_with("pwned").then_some(name)
        })
        .collect();
    assert!(
        leftovers.is_empty(),
        "git wrote {leftovers:?}: {}",
        text(&out)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("--base {hostile}: no commit, branch or tag")),
        "{stderr}"
    );
}

#[test]
fn inspect_shows_escape_sequences_from_evidence_instead_of_obeying_them() {
    let repo = Repo::new();
    let lcov = repo.tmp().join("lcov.info");
    std::fs::write(
        &lcov,
        "TN:\nSF:src/\x1b]0;pwned\x07\x1b[2Ja.rs\nDA:1,1\nLF:1\nLH:1\nend_of_record\n",
    )
    .unwrap();
    let out = tollgate(&repo).arg("inspect").arg(&lcov).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        !stdout.contains('\x1b') && !stdout.contains('\x07'),
        "{stdout:?}"
    );
    assert!(
        stdout.contains("src/\\u{1b}]0;pwned\\u{7}\\u{1b}[2Ja.rs"),
        "{stdout}"
    );
}

/// A policy named `name` with one rule that needs no evidence.
fn named_policy(name: &str) -> String {
    format!("schema = 1\nname = \"{name}\"\nversion = \"1.0.0\"\n\n[coverage]\nlines = 10.0\n")
}

/// `check --config sub/tollgate.toml --format json` in Actions on a pull
/// request; returns the judging policy's name and path from the report.
fn policy_of_sub_config(
    repo: &Repo,
    fake: &FakeGitHub,
    base: &str,
    head: &str,
) -> (String, String) {
    let mut cmd = tollgate(repo);
    cmd.args(["check", "--format", "json", "--config", "sub/tollgate.toml"]);
    actions(&mut cmd, repo, fake, &pr_event(base, head));
    let out = cmd.output().unwrap();
    let report: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    (
        report["policy"]["name"].as_str().unwrap().to_owned(),
        report["policy"]["path"].as_str().unwrap().to_owned(),
    )
}

#[test]
fn a_config_in_a_subdirectory_reads_its_own_policies_from_the_base_commit() {
    let repo = Repo::new();
    // Two configurations whose policies differ only in name.
    repo.write("tollgate.toml", GATE_CONFIG);
    repo.write("policies/gate.toml", &named_policy("root"));
    repo.write("sub/tollgate.toml", GATE_CONFIG);
    repo.write("sub/policies/gate.toml", &named_policy("sub"));
    let base = repo.commit("base");
    repo.write("sub/README.md", "change\n");
    let head = repo.commit("head");
    let fake = FakeGitHub::start();
    fake.add_repo(REPO);
    fake.add_pull_request(REPO, PullRequestSeed::new(7, "dev", &head, &base));

    // From the local clone (`git show`).
    let (name, path) = policy_of_sub_config(&repo, &fake, &base, &head);
    assert_eq!(
        (name.as_str(), path.as_str()),
        ("sub", "policies/gate.toml")
    );

    // Through the contents API, when the base commit is not in the clone.
    let absent = "abababababababababababababababababababab";
    fake.add_pull_request(REPO, PullRequestSeed::new(7, "dev", &head, absent));
    fake.put_file(REPO, absent, "tollgate.toml", GATE_CONFIG.as_bytes());
    fake.put_file(
        REPO,
        absent,
        "policies/gate.toml",
        named_policy("root").as_bytes(),
    );
    fake.put_file(REPO, absent, "sub/tollgate.toml", GATE_CONFIG.as_bytes());
    fake.put_file(
        REPO,
        absent,
        "sub/policies/gate.toml",
        named_policy("sub").as_bytes(),
    );
    let (name, _) = policy_of_sub_config(&repo, &fake, absent, &head);
    assert_eq!(name, "sub");
}

const RFC_POLICY: &str = "schema = 1\nname = \"gate\"\nversion = \"1.0.0\"\n\n\
    [[documents]]\nid = \"rfc\"\nglob = \"docs/rfcs/*.md\"\nmarker = \"Status: Approved\"\n";

/// The `documents[rfc]` rule of a pull request from `base_rfc` to `head_rfc`
/// (the text of `docs/rfcs/0001.md`; `None`: no such file).
fn rfc_rule(base_rfc: Option<&str>, head_rfc: &str) -> Value {
    let repo = Repo::new();
    repo.write("tollgate.toml", GATE_CONFIG);
    repo.write("policies/gate.toml", RFC_POLICY);
    if let Some(text) = base_rfc {
        repo.write("docs/rfcs/0001.md", text);
    }
    let base = repo.commit("base");
    repo.write("docs/rfcs/0001.md", head_rfc);
    let head = repo.commit("head");
    let fake = FakeGitHub::start();
    fake.add_repo(REPO);
    fake.add_pull_request(REPO, PullRequestSeed::new(7, "dev", &head, &base));
    let mut cmd = tollgate(&repo);
    cmd.args(["check", "--format", "json"]);
    actions(&mut cmd, &repo, &fake, &pr_event(&base, &head));
    let out = cmd.output().unwrap();
    let report: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    report["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "documents[rfc]")
        .cloned()
        .unwrap_or_else(|| panic!("no documents[rfc] in {report}"))
}

#[test]
fn a_pull_request_cannot_approve_its_own_design_document() {
    // The change turns a draft into "Approved", or adds an approved file.
    for base in [Some("# RFC 1\nStatus: Draft\n"), None] {
        let rule = rfc_rule(base, "# RFC 1\nStatus: Approved\n");
        assert_eq!(rule["status"], "fail", "{rule}");
        let message = rule["message"].as_str().unwrap();
        assert!(
            message.contains("the base commit does not have the marker in docs/rfcs/0001.md")
                && message
                    .contains("approvals a pull request brings itself need a signed sign-off"),
            "{message}"
        );
        assert!(
            rule["help"].as_str().unwrap().contains("signed override"),
            "{rule}"
        );
    }
    // An approval already on the base branch counts, edits or not.
    let rule = rfc_rule(
        Some("# RFC 1\nStatus: Approved\n"),
        "# RFC 1\nStatus: Approved\n\nTypo fixed.\n",
    );
    assert_eq!(rule["status"], "pass", "{rule}");
    // And a change that removes the marker loses it.
    let rule = rfc_rule(
        Some("# RFC 1\nStatus: Approved\n"),
        "# RFC 1\nStatus: Draft\n",
    );
    assert_eq!(rule["status"], "fail", "{rule}");
}
