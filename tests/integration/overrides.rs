//! Signed overrides and sign-offs through the real binary (docs/overrides.md),
//! on documents signed by real OpenSSH (`fixtures/overrides`, made by
//! `fixtures/make-overrides.sh`; every key there is test-only).
//!
//! Each test rebuilds the one-commit repository the documents are bound to,
//! writes policies and the fixture `allowed_signers` into its working tree,
//! and runs `tollgate check` with `--override`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests: a panic is a failure

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// The commit every fixture document is bound to (see PRODUCED.md).
const COMMIT: &str = "f58718500e512c15d65807c025cdfc7aa10c1ad1";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/overrides")
}

fn doc(name: &str) -> PathBuf {
    fixtures().join("docs").join(name)
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "tollgate")
        .env("GIT_AUTHOR_EMAIL", "tollgate@example.org")
        .env("GIT_AUTHOR_DATE", "2025-01-01T00:00:00Z")
        .env("GIT_COMMITTER_NAME", "tollgate")
        .env("GIT_COMMITTER_EMAIL", "tollgate@example.org")
        .env("GIT_COMMITTER_DATE", "2025-01-01T00:00:00Z")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

const GATE2: &str = r#"schema = 1
name = "gate2"
version = "1.0.0"
[coverage]
lines = 80.0
[overrides]
signers = "allowed_signers"
min_signers = 1
not_overridable = ["audit.vulnerabilities"]
# The committed fixture documents expire 2099-12-31: allow them.
max_days = 36500
"#;

/// The repository of `make-overrides.sh`, plus uncommitted policies (the
/// working tree is the trusted source locally) and a 50% LCOV report.
fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    git(root, &["init", "-q", "-b", "main"]);
    std::fs::write(root.join("README"), "widget\n").unwrap();
    git(root, &["add", "README"]);
    git(
        root,
        &["-c", "commit.gpgsign=false", "commit", "-q", "-m", "init"],
    );
    assert_eq!(
        git(root, &["rev-parse", "HEAD"]),
        COMMIT,
        "the fixture repository changed"
    );
    git(
        root,
        &[
            "remote",
            "add",
            "origin",
            "https://github.com/acme/widget.git",
        ],
    );
    let policies = root.join("policies");
    std::fs::create_dir_all(&policies).unwrap();
    std::fs::write(root.join("tollgate.toml"), "policy_dir = \"policies\"\n").unwrap();
    std::fs::copy(
        fixtures().join("allowed_signers"),
        policies.join("allowed_signers"),
    )
    .unwrap();
    std::fs::write(policies.join("gate2.toml"), GATE2).unwrap();
    std::fs::write(
        policies.join("strict.toml"),
        "schema = 1\nname = \"strict\"\nversion = \"1.0.0\"\nextends = \"gate2.toml\"\n[overrides]\nsigners = \"allowed_signers\"\nnot_overridable = [\"coverage.lines\"]\nmax_days = 36500\n",
    )
    .unwrap();
    std::fs::write(
        policies.join("dual.toml"),
        "schema = 1\nname = \"dual\"\nversion = \"1.0.0\"\nextends = \"gate2.toml\"\n[overrides]\nsigners = \"allowed_signers\"\nmin_signers = 2\nmax_days = 36500\n",
    )
    .unwrap();
    std::fs::write(
        policies.join("gate3.toml"),
        "schema = 1\nname = \"gate3\"\nversion = \"1.0.0\"\n[[signoffs]]\nid = \"security-audit\"\ntitle = \"Security audit complete\"\nprincipals = [\"alice@example.org\", \"bob@example.org\"]\ncount = 2\n[overrides]\nsigners = \"allowed_signers\"\nmax_days = 36500\n",
    )
    .unwrap();
    std::fs::write(
        policies.join("bench.toml"),
        "schema = 1\nname = \"bench\"\nversion = \"1.0.0\"\n[benchmarks]\nmax_regression = 10.0\n[overrides]\nsigners = \"allowed_signers\"\nmax_days = 36500\n",
    )
    .unwrap();
    std::fs::write(
        root.join("lcov.info"),
        "SF:src/lib.rs\nDA:1,1\nDA:2,0\nend_of_record\n",
    )
    .unwrap();
    dir
}

fn tollgate(root: &Path, args: &[&str], overrides: &[PathBuf]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tollgate"));
    cmd.current_dir(root).args(args);
    for o in overrides {
        cmd.arg("--override").arg(o);
    }
    for var in [
        "GITHUB_ACTIONS",
        "GITHUB_TOKEN",
        "GITHUB_REPOSITORY",
        "GITHUB_EVENT_NAME",
        "GITHUB_EVENT_PATH",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("NO_COLOR", "1").output().unwrap()
}

fn check(root: &Path, gate: &str, format: &str, overrides: &[PathBuf]) -> (i32, String) {
    let out = tollgate(
        root,
        &[
            "check",
            "--gate",
            gate,
            "--coverage",
            "lcov.info",
            "--format",
            format,
        ],
        overrides,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.code().unwrap() < 2,
        "tollgate failed to judge: {stderr}"
    );
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
    )
}

fn json(root: &Path, gate: &str, overrides: &[PathBuf]) -> (i32, Value) {
    let (code, out) = check(root, gate, "json", overrides);
    (code, serde_json::from_str(&out).unwrap())
}

fn rule<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no rule {id} in {report}"))
}

fn notes(report: &Value) -> String {
    report["notes"].to_string()
}

/// The `rejected` entries: every document read that did not count.
fn rejected(report: &Value) -> String {
    report["rejected"].to_string()
}

#[test]
fn without_an_override_the_coverage_rule_fails() {
    let repo = repo();
    let (code, report) = json(repo.path(), "gate2", &[]);
    assert_eq!(code, 1);
    assert_eq!(rule(&report, "coverage.lines")["status"], "fail");
}

#[test]
fn a_valid_override_turns_the_failing_rule_into_overridden() {
    let repo = repo();
    let (code, report) = json(repo.path(), "gate2", &[doc("override.txt")]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["conclusion"], "pass");
    let r = rule(&report, "coverage.lines");
    assert_eq!(r["status"], "overridden");
    assert_eq!(r["override"]["signer"], "alice@example.org");
    assert_eq!(
        report["overrides"],
        serde_json::json!([{
            "signer": "alice@example.org",
            "rules": ["coverage.lines"],
            "reason": "generated code lowers coverage; tracked in #123",
            "expires": "2099-12-31T00:00:00Z",
            "source": doc("override.txt").display().to_string()
        }])
    );
    assert_eq!(report["rejected"], serde_json::json!([]));

    let (code, human) = check(repo.path(), "gate2", "human", &[doc("override.txt")]);
    assert_eq!(code, 0);
    assert!(human.contains("OVERRIDDEN"), "{human}");
    assert!(
        human.contains(&format!("overridden by alice@example.org: generated code lowers coverage; tracked in #123 (until 2099-12-31T00:00:00Z; from {})", doc("override.txt").display())),
        "{human}"
    );
}

#[test]
fn naming_the_sig_file_or_the_document_is_the_same() {
    let repo = repo();
    let (code, report) = json(repo.path(), "gate2", &[doc("override.txt.sig")]);
    assert_eq!(code, 0, "{report}");
}

/// Each invalid case: listed under `rejected` with its reason, never
/// applied, the gate still fails.
#[test]
fn invalid_overrides_are_reported_and_not_applied() {
    let cases = [
        (
            "wrong-namespace.txt",
            "signed in namespace `git`, not `tollgate`",
        ),
        ("tampered.txt", "does not match the document"),
        (
            "wrong-commit.txt",
            "bound to commit 0000000000000000000000000000000000000000",
        ),
        ("expired.txt", "expired at 2020-01-01T00:00:00Z"),
        (
            "expired-key.txt",
            "key has expired (valid-before 2020-01-01T00:00:00+00:00)",
        ),
        ("unlisted.txt", "is not listed in policies/allowed_signers"),
        ("rsa.txt", "RUSTSEC-2023-0071"),
        (
            "names-unknown-rule.txt",
            "gate gate2 has no rule `coverage.branches`",
        ),
    ];
    let repo = repo();
    for (file, why) in cases {
        let (code, report) = json(repo.path(), "gate2", &[doc(file)]);
        assert_eq!(code, 1, "{file}: {report}");
        assert_eq!(rule(&report, "coverage.lines")["status"], "fail", "{file}");
        assert_eq!(report["overrides"], serde_json::json!([]), "{file}");
        let entries = report["rejected"].as_array().unwrap();
        assert_eq!(entries.len(), 1, "{file}: {report}");
        let entry = &entries[0];
        assert_eq!(entry["source"], doc(file).display().to_string(), "{file}");
        assert_eq!(entry["kind"], "override", "{file}");
        assert_eq!(entry["rules"][0], "coverage.lines", "{file}");
        assert_eq!(entry["signoff"], Value::Null, "{file}");
        let reason = entry["reason"].as_str().unwrap();
        assert!(reason.contains(why), "{file}: expected {why:?} in {reason}");
        // A valid signature on a document that is bound elsewhere names its signer.
        if matches!(
            file,
            "wrong-commit.txt" | "expired.txt" | "names-unknown-rule.txt"
        ) {
            assert_eq!(entry["signer"], "alice@example.org", "{file}");
        } else {
            assert_eq!(entry["signer"], Value::Null, "{file}");
        }
        assert!(!notes(&report).contains("rejected"), "{file}: {report}");
    }
}

/// rsa.txt holds the same bytes as override.txt: the documents merge, alice's
/// signature applies it, and the refused RSA signature is still reported.
#[test]
fn a_bad_signature_beside_a_good_one_is_reported() {
    let repo = repo();
    let (code, report) = json(repo.path(), "gate2", &[doc("override.txt"), doc("rsa.txt")]);
    assert_eq!(code, 0, "{report}");
    assert!(
        notes(&report).contains("a signature does not count"),
        "{report}"
    );
    assert!(notes(&report).contains("RUSTSEC-2023-0071"), "{report}");
}

#[test]
fn a_not_overridable_rule_is_refused() {
    let repo = repo();
    let (code, report) = json(repo.path(), "strict", &[doc("not-overridable.txt")]);
    assert_eq!(code, 1);
    assert_eq!(rule(&report, "coverage.lines")["status"], "fail");
    assert!(
        rejected(&report).contains("marks `coverage.lines` as not overridable"),
        "{report}"
    );
}

#[test]
fn min_signers_counts_distinct_principals() {
    let repo = repo();
    // Two armored signatures in one file: alice and bob.
    let (code, report) = json(repo.path(), "dual", &[doc("two-signers.txt")]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(
        rule(&report, "coverage.lines")["override"]["signer"],
        "alice@example.org, bob@example.org"
    );
    // Alice alone is not enough.
    let (code, report) = json(repo.path(), "dual", &[doc("one-signer.txt")]);
    assert_eq!(code, 1);
    assert!(
        rejected(&report).contains(
            "signed by 1 distinct principal(s) (alice@example.org), the policy requires 2"
        ),
        "{report}"
    );
    // Bob's one key twice, though listed under two principals, is one signer.
    let (code, report) = json(repo.path(), "dual", &[doc("same-key-twice.txt")]);
    assert_eq!(code, 1);
    assert!(
        rejected(&report).contains("signed by 1 distinct principal(s)"),
        "{report}"
    );
    // Alice's copy and bob's copy of the same bytes, as separate files, count together.
    let (code, report) = json(
        repo.path(),
        "dual",
        &[doc("one-signer.txt"), doc("same-key-twice.txt")],
    );
    assert_eq!(code, 0, "{report}");
}

#[test]
fn signoffs_pass_with_enough_signers() {
    let repo = repo();
    let (code, report) = json(repo.path(), "gate3", &[]);
    assert_eq!(code, 1);
    assert_eq!(rule(&report, "signoff[security-audit]")["status"], "fail");

    let (code, report) = json(repo.path(), "gate3", &[doc("signoff-alice.txt")]);
    assert_eq!(code, 1);
    let r = rule(&report, "signoff[security-audit]");
    assert_eq!(r["status"], "fail");
    assert_eq!(r["actual"], "1/2");
    assert!(
        r["message"]
            .as_str()
            .unwrap()
            .contains("1 more signature(s) needed from bob@example.org"),
        "{r}"
    );

    let (code, report) = json(
        repo.path(),
        "gate3",
        &[doc("signoff-alice.txt"), doc("signoff-bob.txt")],
    );
    assert_eq!(code, 0, "{report}");
    let r = rule(&report, "signoff[security-audit]");
    assert_eq!(r["status"], "pass");
    assert_eq!(r["message"], "signed by alice@example.org, bob@example.org");
}

#[test]
fn an_override_that_waives_nothing_is_reported() {
    let repo = repo();
    std::fs::write(
        repo.path().join("lcov.info"),
        "SF:src/lib.rs\nDA:1,1\nend_of_record\n",
    )
    .unwrap();
    let (code, report) = json(repo.path(), "gate2", &[doc("override.txt")]);
    assert_eq!(code, 0);
    assert_eq!(report["overrides"], serde_json::json!([]));
    assert!(
        notes(&report).contains("matched no failing rule"),
        "{report}"
    );
}

/// tollgate and `ssh-keygen -Y verify` agree on every signature's validity
/// (PRODUCED.md records ssh-keygen's exit status), except RSA, refused on
/// purpose. The binding checks (commit, expiry) are ours alone.
#[test]
fn signature_validity_agrees_with_ssh_keygen() {
    let produced = std::fs::read_to_string(fixtures().join("PRODUCED.md")).unwrap();
    let repo = repo();
    let mut seen = 0;
    for line in produced
        .lines()
        .filter(|l| l.starts_with("| ") && l.ends_with(" |"))
    {
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        let (case, sig, rc) = (cells[0], cells[1], cells[3]);
        let Some(file) = sig.strip_suffix(".sig") else {
            continue; // appended blocks: covered by min_signers_counts_distinct_principals
        };
        let out = Command::new(env!("CARGO_BIN_EXE_tollgate"))
            .current_dir(repo.path())
            .args([
                "override",
                "verify",
                "--repository",
                "acme/widget",
                "--commit",
                COMMIT,
                "--gate",
                "gate2",
            ])
            .arg(doc(file))
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let ours_good = text.contains("good signature");
        let theirs_good = rc == "0";
        if case == "rsa" {
            assert!(theirs_good && !ours_good, "{case}: {text}");
            assert!(text.contains("RUSTSEC-2023-0071"), "{text}");
        } else {
            assert_eq!(
                ours_good, theirs_good,
                "{case}: ssh-keygen exit {rc}, tollgate said: {text}"
            );
        }
        seen += 1;
    }
    assert!(seen >= 12, "PRODUCED.md rows: {seen}");
}

#[test]
fn override_verify_says_why() {
    let repo = repo();
    let out = Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .current_dir(repo.path())
        .args([
            "override",
            "verify",
            "--repository",
            "acme/widget",
            "--commit",
            COMMIT,
            "--gate",
            "gate2",
        ])
        .arg(doc("override.txt"))
        .arg(doc("expired.txt"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("override.txt: VALID"), "{text}");
    assert!(
        text.contains("waives coverage.lines, signed by alice@example.org"),
        "{text}"
    );
    assert!(
        text.contains("expired.txt: REJECTED\n  expired at 2020-01-01T00:00:00Z"),
        "{text}"
    );
}

#[test]
fn override_sign_writes_a_signature_that_verifies() {
    let repo = repo();
    let work = repo.path().join("o.txt");
    std::fs::copy(doc("override.txt"), &work).unwrap();
    // The committed key files are 0644 in git; ssh-keygen insists on 0600, tollgate signs in process.
    let out = Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .args(["override", "sign", "--key"])
        .arg(fixtures().join("keys/bob"))
        .arg(&work)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (code, report) = json(repo.path(), "gate2", std::slice::from_ref(&work));
    assert_eq!(code, 0, "{report}");
    assert_eq!(
        rule(&report, "coverage.lines")["override"]["signer"],
        "bob@example.org"
    );
    // And ssh-keygen accepts what tollgate wrote.
    let status = Command::new("ssh-keygen")
        .args(["-Y", "verify", "-f"])
        .arg(fixtures().join("allowed_signers"))
        .args(["-I", "bob@example.org", "-n", "tollgate", "-s"])
        .arg(repo.path().join("o.txt.sig"))
        .stdin(std::fs::File::open(&work).unwrap())
        .output();
    if let Ok(out) = status {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

fn verify(root: &Path, gate: &str, docs: &[PathBuf]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .current_dir(root)
        .args([
            "override",
            "verify",
            "--repository",
            "acme/widget",
            "--commit",
            COMMIT,
            "--gate",
            gate,
        ])
        .args(docs)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
    )
}

/// The bug: `override verify` learnt a gate's rules by evaluating it on no
/// evidence, so a rule keyed by a benchmark id did not exist for it, and a
/// correctly signed waiver of `bench.regression[lookup/hot]` was rejected
/// ("gate bench has no rule") while `check` listed that very rule.
#[test]
fn override_verify_accepts_a_waiver_of_a_rule_keyed_by_evidence() {
    let repo = repo();
    let (code, text) = verify(repo.path(), "bench", &[doc("bench-regression.txt")]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("bench-regression.txt: VALID"), "{text}");
    assert!(
        text.contains(
            "waives bench.regression[parse/small], bench.regression[lookup/hot], signed by alice@example.org"
        ),
        "{text}"
    );
    // And `check` on the same policy applies it to the benchmark that regressed.
    let bench = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/bench/criterion");
    let out = tollgate(
        repo.path(),
        &[
            "check",
            "--gate",
            "bench",
            "--bench",
            bench.to_str().unwrap(),
            "--format",
            "json",
        ],
        &[doc("bench-regression.txt")],
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{report}");
    assert_eq!(
        rule(&report, "bench.regression[parse/small]")["status"],
        "overridden"
    );
    assert_eq!(
        rule(&report, "bench.regression[lookup/hot]")["status"],
        "pass"
    );
}

/// Override `rules:` are checked against the rule catalogue and the gate
/// without evaluating: a rule the gate does not declare, or a misspelt id,
/// is rejected by `override verify` as by `check`.
#[test]
fn override_verify_rejects_rules_the_gate_does_not_declare() {
    let repo = repo();
    let (code, text) = verify(repo.path(), "gate2", &[doc("names-unknown-rule.txt")]);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains(
            "names-unknown-rule.txt: REJECTED\n  gate gate2 has no rule `coverage.branches`"
        ),
        "{text}"
    );
    let (code, text) = verify(repo.path(), "gate2", &[doc("misspelt-rule.txt")]);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("misspelt-rule.txt: REJECTED\n  not a rule id: `coverage.lnes` is not a rule (did you mean `coverage.lines`?)"),
        "{text}"
    );
    // `check` says the same, under `rejected`, and applies nothing.
    let (code, report) = json(repo.path(), "gate2", &[doc("misspelt-rule.txt")]);
    assert_eq!(code, 1, "{report}");
    assert!(
        rejected(&report).contains("not a rule id: `coverage.lnes`"),
        "{report}"
    );
}

fn override_comment(file: &Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .args(["override", "comment"])
        .arg(file)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// `override comment` prints a short line, the document fenced exactly as
/// signed, and each signature fenced; the signature in it is ssh-keygen's.
#[test]
fn override_comment_prints_the_document_and_its_signatures() {
    let (code, body, err) = override_comment(&doc("override.txt"));
    assert_eq!(code, 0, "{err}");
    let document = std::fs::read_to_string(doc("override.txt")).unwrap();
    let sig = std::fs::read_to_string(doc("override.txt.sig")).unwrap();
    assert!(
        body.starts_with(&format!("Signed tollgate override for gate `gate2` on acme/widget at {}: waives `coverage.lines`, until 2099-12-31T00:00:00Z.\n\n", &COMMIT[..12])),
        "{body}"
    );
    assert!(
        body.contains(&format!("```tollgate-override\n{document}```\n")),
        "{body}"
    );
    assert!(body.ends_with(&format!("\n```\n{sig}```\n")), "{body}");
    // Both signatures of a two-signer file, in order.
    let (code, body, err) = override_comment(&doc("two-signers.txt"));
    assert_eq!(code, 0, "{err}");
    assert_eq!(body.matches("-----BEGIN SSH SIGNATURE-----").count(), 2);
}

/// What cannot count is refused before anyone pastes it.
#[test]
fn override_comment_refuses_what_could_never_count() {
    let dir = tempfile::tempdir().unwrap();
    // Unsigned.
    let unsigned = dir.path().join("unsigned.txt");
    std::fs::copy(doc("override.txt"), &unsigned).unwrap();
    let (code, _, err) = override_comment(&unsigned);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no signature: sign it first"), "{err}");
    // Tampered after signing, and signed for git.
    let (code, _, err) = override_comment(&doc("tampered.txt"));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("does not match the document"), "{err}");
    let (code, _, err) = override_comment(&doc("wrong-namespace.txt"));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("signed in namespace `git`"), "{err}");
    // Not canonical: CRLF line endings.
    let crlf = dir.path().join("crlf.txt");
    std::fs::write(
        &crlf,
        std::fs::read_to_string(doc("override.txt"))
            .unwrap()
            .replace('\n', "\r\n"),
    )
    .unwrap();
    std::fs::copy(doc("override.txt.sig"), dir.path().join("crlf.txt.sig")).unwrap();
    let (code, _, err) = override_comment(&crlf);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("crlf.txt:1: carriage return (CRLF line ending)"),
        "{err}"
    );
}

/// A document that is not canonical text is refused by `override sign`
/// with the fix, and rejected by `check` with the same reason.
#[test]
fn documents_must_be_canonical_text() {
    let repo = repo();
    let crlf = repo.path().join("crlf.txt");
    std::fs::write(
        &crlf,
        std::fs::read_to_string(doc("override.txt"))
            .unwrap()
            .replace('\n', "\r\n"),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .args(["override", "sign", "--key"])
        .arg(fixtures().join("keys/alice"))
        .arg(&crlf)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("LF line endings, exactly one final newline"),
        "{err}"
    );
    assert!(err.contains("sed -i 's/\\r$//' FILE"), "{err}");
    assert!(!repo.path().join("crlf.txt.sig").exists());

    let missing_newline = repo.path().join("short.txt");
    std::fs::write(
        &missing_newline,
        std::fs::read_to_string(doc("override.txt"))
            .unwrap()
            .trim_end(),
    )
    .unwrap();
    let (code, report) = json(repo.path(), "gate2", &[missing_newline]);
    assert_eq!(code, 1, "{report}");
    assert!(
        rejected(&report).contains("no newline at the end"),
        "{report}"
    );
}

/// Judging a pull request without a token: its comments cannot be read,
/// and the report says so.
#[test]
fn without_a_token_the_comments_are_not_read_and_the_report_says_so() {
    let repo = repo();
    let out = tollgate(
        repo.path(),
        &[
            "check",
            "--gate",
            "gate2",
            "--pr",
            "7",
            "--dry-run",
            "--format",
            "json",
            "--coverage",
            "lcov.info",
        ],
        &[],
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        notes(&report).contains("pull request #7: comments were not read (no GitHub token)"),
        "{report}"
    );
}
