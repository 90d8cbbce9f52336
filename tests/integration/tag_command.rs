//! `tollgate tag` through the real binary (docs/overrides.md, "Releasing:
//! `tollgate tag`"): a real git repository in a temporary directory, real
//! ed25519 keys made by `ssh-keygen -t ed25519 -N ''`, and the tag read back
//! with `git cat-file tag`. The documents recovered from the message by the
//! comment grammar's parser must verify with `tollgate override verify`
//! against an `allowed_signers` naming the keys.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests: a panic is a failure

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tollgate::overrides::comment::{self, Comment};
use tollgate::overrides::Submission;

const GATE3: &str = r#"schema = 1
name = "gate3"
version = "1.0.0"
[audit]
fail_on = "any"
[coverage]
lines = 90.0
[[signoffs]]
id = "security-audit"
title = "Security audit complete"
principals = ["alice@example.org"]
[[signoffs]]
id = "documentation-review"
title = "Documentation reviewed"
principals = ["alice@example.org", "bob@example.org"]
count = 2
[overrides]
signers = "allowed_signers"
not_overridable = ["audit.vulnerabilities"]
# The committed fixture documents expire 2099-12-31: allow them.
max_days = 36500
"#;

/// A repository with one commit holding the policy, two keys outside it
/// (alice listed in `allowed_signers`, bob too, mallory not), and an
/// `origin` on GitHub.
struct Repo {
    dir: tempfile::TempDir,
    keys: tempfile::TempDir,
    commit: String,
}

impl Repo {
    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn key(&self, who: &str) -> PathBuf {
        self.keys.path().join(who)
    }
}

/// git with a fixed identity, and no user or system configuration (a
/// developer's `tag.gpgSign` must not change what the tests see).
fn git_cmd(dir: &Path) -> Command {
    let mut cmd = Command::new("git");
    cmd.current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "tollgate")
        .env("GIT_AUTHOR_EMAIL", "tollgate@example.org")
        .env("GIT_COMMITTER_NAME", "tollgate")
        .env("GIT_COMMITTER_EMAIL", "tollgate@example.org");
    cmd
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = git_cmd(dir).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn keygen(dir: &Path, who: &str) -> String {
    let path = dir.join(who);
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", who, "-f"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    std::fs::read_to_string(path.with_extension("pub"))
        .unwrap()
        .trim()
        .to_owned()
}

fn repo() -> Repo {
    let dir = tempfile::tempdir().unwrap();
    let keys = tempfile::tempdir().unwrap();
    let root = dir.path();
    let alice = keygen(keys.path(), "alice");
    let bob = keygen(keys.path(), "bob");
    keygen(keys.path(), "mallory");
    git(root, &["init", "-q", "-b", "main"]);
    std::fs::create_dir_all(root.join("policies")).unwrap();
    std::fs::write(root.join("tollgate.toml"), "policy_dir = \"policies\"\n").unwrap();
    std::fs::write(root.join("policies/gate3.toml"), GATE3).unwrap();
    std::fs::write(
        root.join("policies/allowed_signers"),
        format!("alice@example.org {alice}\nbob@example.org {bob}\n"),
    )
    .unwrap();
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "release me"]);
    git(
        root,
        &["remote", "add", "origin", "git@github.com:acme/widget.git"],
    );
    let commit = git(root, &["rev-parse", "HEAD"]);
    Repo { dir, keys, commit }
}

fn tollgate(dir: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tollgate"));
    cmd.current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_COMMITTER_NAME", "tollgate")
        .env("GIT_COMMITTER_EMAIL", "tollgate@example.org")
        .env("NO_COLOR", "1");
    for var in ["GITHUB_ACTIONS", "GITHUB_TOKEN", "GITHUB_REPOSITORY"] {
        cmd.env_remove(var);
    }
    cmd.output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn tag_with(r: &Repo, args: &[&str]) -> Output {
    let key = r.key("alice");
    let mut all = vec!["tag"];
    all.extend_from_slice(args);
    all.extend(["--key", key.to_str().unwrap()]);
    tollgate(r.root(), &all)
}

/// The tag's message as git stores it.
fn message(root: &Path, tag: &str) -> String {
    let raw = git(root, &["cat-file", "tag", tag]);
    raw.split_once("\n\n").unwrap().1.to_owned()
}

fn documents(message: &str) -> Vec<Submission> {
    comment::submissions(&Comment {
        id: 0,
        author: None,
        url: None,
        body: message,
    })
}

fn tags(root: &Path) -> String {
    git(root, &["tag", "-l"])
}

/// Writes a recovered document with its signatures appended and runs
/// `tollgate override verify` on it.
fn verify(r: &Repo, doc: &Submission, name: &str) -> Output {
    let mut file = text(&doc.document);
    for sig in &doc.signatures {
        file.push_str(&sig.armored);
    }
    let path = r.keys.path().join(name);
    std::fs::write(&path, file).unwrap();
    tollgate(
        r.root(),
        &[
            "override",
            "verify",
            "--repository",
            "acme/widget",
            "--commit",
            &r.commit,
            "--gate",
            "gate3",
            path.to_str().unwrap(),
        ],
    )
}

#[test]
fn creates_an_annotated_tag_whose_documents_verify() {
    let r = repo();
    let out = tag_with(
        &r,
        &[
            "v1.2.3",
            "--signoff",
            "security-audit",
            "--signoff",
            "documentation-review",
            "--reason",
            "audited; tracked in #12",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(&format!("created annotated tag v1.2.3 at {}", r.commit)),
        "{stdout}"
    );
    assert!(stdout.contains("git push origin v1.2.3"), "{stdout}");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("signed sign-off `security-audit`"),
        "{stderr}"
    );
    // The policy asks two signers for documentation-review: said, not refused.
    assert!(
        stderr.contains("sign-off `documentation-review` needs 2 distinct signers"),
        "{stderr}"
    );

    let root = r.root();
    assert_eq!(git(root, &["cat-file", "-t", "v1.2.3"]), "tag");
    assert_eq!(git(root, &["rev-parse", "v1.2.3^{commit}"]), r.commit);
    // Never pushed: nothing but the local tag changed, and no remote exists
    // to push to anyway; the command only says how.
    let msg = message(root, "v1.2.3");
    assert!(msg.starts_with("Release v1.2.3\n\n"), "{msg}");
    let docs = documents(&msg);
    assert_eq!(docs.len(), 2, "{msg}");
    for (doc, id) in docs.iter().zip(["security-audit", "documentation-review"]) {
        let body = text(&doc.document);
        assert!(body.contains(&format!("signoff: {id}\n")), "{body}");
        assert!(body.contains(&format!("commit: {}\n", r.commit)), "{body}");
        assert!(body.contains("repository: acme/widget\n"), "{body}");
        assert!(body.contains("gate: gate3\n"), "{body}");
        assert!(body.contains("reason: audited; tracked in #12\n"), "{body}");
        assert_eq!(doc.signatures.len(), 1);
        let out = verify(&r, doc, &format!("{id}.txt"));
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
        let report = text(&out.stdout);
        assert!(report.contains(": VALID"), "{report}");
        assert!(
            report.contains("good signature: alice@example.org"),
            "{report}"
        );
    }
    // The tollgate signatures are not taken for the tag's own signature.
    let sig = git(
        root,
        &[
            "for-each-ref",
            "--format=%(contents:signature)",
            "refs/tags/v1.2.3",
        ],
    );
    assert_eq!(sig, "");
}

#[test]
fn git_cleanup_does_not_touch_the_documents() {
    let r = repo();
    let root = r.root();
    // A carried document with what git's default cleanup (`strip`) would
    // change: trailing whitespace and two blank lines in a row. And a
    // headline and reason with `#`, which `strip` treats as comments at the
    // start of a line.
    let doc = format!(
        "tollgate-override: 1\nrepository: acme/widget\ncommit: {}\ngate: gate3\nsignoff: documentation-review\n\n\nreason: reviewed #3   \nexpires: 2099-12-31T00:00:00Z\n",
        r.commit
    );
    let path = r.keys.path().join("review.txt");
    std::fs::write(&path, &doc).unwrap();
    let signed = Command::new("ssh-keygen")
        .args(["-Y", "sign", "-n", "tollgate", "-f"])
        .arg(r.key("bob"))
        .arg(&path)
        .output()
        .unwrap();
    assert!(signed.status.success(), "{signed:?}");
    let out = tag_with(
        &r,
        &[
            "v2.0.0",
            "--signoff",
            "security-audit",
            "--reason",
            "# audited, see #12",
            "--message",
            "# Release 2.0.0\n\n## Notes\nfixes #7",
            "--document",
            path.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let msg = message(root, "v2.0.0");
    assert!(
        msg.starts_with("# Release 2.0.0\n\n## Notes\nfixes #7\n\n"),
        "{msg}"
    );
    let docs = documents(&msg);
    assert_eq!(docs.len(), 2, "{msg}");
    assert!(text(&docs[0].document).contains("reason: # audited, see #12\n"));
    assert_eq!(text(&docs[1].document), doc);
    for (i, d) in docs.iter().enumerate() {
        let out = verify(&r, d, &format!("doc{i}.txt"));
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    }
}

#[test]
fn a_co_signed_document_is_carried_with_both_signatures() {
    let r = repo();
    let doc = format!(
        "tollgate-override: 1\nrepository: acme/widget\ncommit: {}\ngate: gate3\nsignoff: documentation-review\nreason: docs reviewed by both of us\nexpires: 2099-12-31T00:00:00Z\n",
        r.commit
    );
    let path = r.keys.path().join("docs-review.txt");
    std::fs::write(&path, &doc).unwrap();
    // Bob signs with stock OpenSSH (writes FILE.sig), alice adds hers with
    // `tollgate override sign` (appends to FILE.sig).
    let signed = Command::new("ssh-keygen")
        .args(["-Y", "sign", "-n", "tollgate", "-f"])
        .arg(r.key("bob"))
        .arg(&path)
        .output()
        .unwrap();
    assert!(signed.status.success(), "{signed:?}");
    let out = tollgate(
        r.root(),
        &[
            "override",
            "sign",
            "--key",
            r.key("alice").to_str().unwrap(),
            path.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // Alice tags without writing anything herself.
    let out = tollgate(
        r.root(),
        &["tag", "v1.0.0", "--document", path.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("carried sign-off `documentation-review`"),
        "{stderr}"
    );
    assert!(stderr.contains("signed by bob@example.org"), "{stderr}");
    assert!(stderr.contains("signed by alice@example.org"), "{stderr}");
    let docs = documents(&message(r.root(), "v1.0.0"));
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].document, doc.as_bytes());
    assert_eq!(docs[0].signatures.len(), 2);
    let out = verify(&r, &docs[0], "carried.txt");
    let report = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{report}");
    assert!(
        report.contains("good signature: bob@example.org"),
        "{report}"
    );
    assert!(
        report.contains("good signature: alice@example.org"),
        "{report}"
    );
}

#[test]
fn a_tag_that_is_not_semver_is_refused_before_signing() {
    let r = repo();
    for bad in ["v1.2", "release-1.0.0"] {
        let out = tag_with(
            &r,
            &[bad, "--signoff", "security-audit", "--reason", "audited"],
        );
        assert_eq!(out.status.code(), Some(2), "{bad}");
        let stderr = text(&out.stderr);
        assert!(stderr.starts_with("error: tag "), "{stderr}");
        assert!(!stderr.contains("signed"), "{stderr}");
    }
    assert_eq!(tags(r.root()), "");
}

#[test]
fn an_unknown_signoff_id_is_refused_with_the_likely_one() {
    let r = repo();
    let out = tag_with(
        &r,
        &[
            "v1.2.3",
            "--signoff",
            "security-audti",
            "--reason",
            "audited",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("sign-off `security-audti` is not a [[signoffs]] entry of gate gate3 (known: security-audit, documentation-review); did you mean `security-audit`?"),
        "{stderr}"
    );
    assert_eq!(tags(r.root()), "");
}

#[test]
fn a_document_refused_after_signing_leaves_no_tag() {
    let r = repo();
    // The sign-off is signed first; the override of a rule that may never
    // be waived is refused by verification, so nothing is tagged.
    let out = tag_with(
        &r,
        &[
            "v1.2.3",
            "--signoff",
            "security-audit",
            "--override",
            "audit.vulnerabilities",
            "--reason",
            "no fix released",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("would not count on tag v1.2.3, so no tag was created"),
        "{stderr}"
    );
    assert!(
        stderr.contains("--override audit.vulnerabilities:"),
        "{stderr}"
    );
    assert_eq!(tags(r.root()), "");
    // A key that allowed_signers does not list is refused the same way.
    let mallory = r.key("mallory");
    let out = tollgate(
        r.root(),
        &[
            "tag",
            "v1.2.3",
            "--signoff",
            "security-audit",
            "--reason",
            "trust me",
            "--key",
            mallory.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("no valid signature"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(tags(r.root()), "");
}

#[test]
fn an_existing_tag_is_refused_unless_forced() {
    let r = repo();
    let root = r.root();
    git(root, &["tag", "-a", "-m", "by hand", "v1.2.3"]);
    let before = git(root, &["rev-parse", "refs/tags/v1.2.3"]);
    let args = [
        "v1.2.3",
        "--signoff",
        "security-audit",
        "--reason",
        "audited",
    ];
    let out = tag_with(&r, &args);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains(&format!("tag v1.2.3 already exists (at {before})")),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(git(root, &["rev-parse", "refs/tags/v1.2.3"]), before);
    let mut forced = args.to_vec();
    forced.push("--force");
    let out = tag_with(&r, &forced);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_ne!(git(root, &["rev-parse", "refs/tags/v1.2.3"]), before);
    assert_eq!(documents(&message(root, "v1.2.3")).len(), 1);
}

#[test]
fn a_dry_run_prints_the_message_and_creates_nothing() {
    let r = repo();
    let out = tag_with(
        &r,
        &[
            "v1.3.0-rc.1",
            "--gate",
            "gate3",
            "--signoff",
            "security-audit",
            "--reason",
            "audited",
            "--dry-run",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(tags(r.root()), "");
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("Release v1.3.0-rc.1\n\n"), "{stdout}");
    let docs = documents(&stdout);
    assert_eq!(docs.len(), 1);
    assert_eq!(verify(&r, &docs[0], "dry.txt").status.code(), Some(0));
    assert!(text(&out.stderr).contains("dry run: tag v1.3.0-rc.1 not created"));
}

#[test]
fn the_repository_comes_from_origin_or_the_flag() {
    let r = repo();
    let root = r.root();
    git(root, &["remote", "remove", "origin"]);
    let out = tag_with(
        &r,
        &[
            "v1.2.3",
            "--signoff",
            "security-audit",
            "--reason",
            "audited",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("there is no `origin` remote; pass --repository OWNER/NAME"),
        "{}",
        text(&out.stderr)
    );
    let out = tag_with(
        &r,
        &[
            "v1.2.3",
            "--repository",
            "acme/widget",
            "--signoff",
            "security-audit",
            "--reason",
            "audited",
            "--commit",
            "main",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(git(root, &["rev-parse", "v1.2.3^{commit}"]), r.commit);
    // A tag without documents is bound to nothing and needs no repository.
    let out = tollgate(root, &["tag", "v0.1.0"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // (`git` trims what it prints.)
    assert_eq!(message(root, "v0.1.0"), "Release v0.1.0");
    let out = tag_with(&r, &["v9.9.9", "--commit", "no-such-branch"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no-such-branch: no such commit"));
}
