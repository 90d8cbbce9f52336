//! cargo-audit reports judged against the lockfile of the tree: every real
//! report under `fixtures/audit` (made by `fixtures/make-audit.sh`) is either
//! judged or refused, and the refusal says why (docs/formats.md, cargo-audit).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests: a panic is a failure

use std::path::{Path, PathBuf};

use tollgate::eval::{self, Context, ContextKind, Evidence, RuleResult, Slot, Status};
use tollgate::evidence::audit::{parse_audit, read_audit};
use tollgate::policy::{load_policy, FileSource, Policy};

struct Text(String);

impl FileSource for Text {
    fn read(&self, _: &Path) -> std::io::Result<Option<Vec<u8>>> {
        Ok(Some(self.0.as_bytes().to_vec()))
    }
    fn describe(&self) -> String {
        "test".to_owned()
    }
}

const POLICY: &str = "schema = 1\nname = \"audit\"\nversion = \"1.0.0\"\n[audit]\nfail_on = \"high\"\nwarnings = [\"unsound\"]\n";

fn policy() -> Policy {
    load_policy(&Text(POLICY.to_owned()), Path::new("audit.toml")).unwrap()
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/audit")
        .join(name)
}

/// The day the tests run on: the fixtures were made 2026-11-25.
const NOW: &str = "2026-11-26T12:00:00Z";

/// Judges report `report` (text) against lockfile fixture `lock` (or none),
/// in CI (`ci`) or a local run; returns `audit.*` rules and the notes.
fn judge_text(
    report: &str,
    lock: Option<&str>,
    ci: bool,
    now: &str,
) -> (Vec<RuleResult>, Vec<String>) {
    let audit = parse_audit(Path::new("target/audit.json"), report).unwrap();
    let evidence = Evidence {
        audit: Slot::Present {
            value: audit,
            sources: vec!["target/audit.json".into()],
        },
        lockfile: lock.map(|l| {
            (
                "Cargo.lock".to_owned(),
                std::fs::read_to_string(fixture(l)).unwrap(),
            )
        }),
        ..Evidence::default()
    };
    let context = Context {
        kind: if ci {
            ContextKind::PullRequest
        } else {
            ContextKind::Local
        },
        local: !ci,
        ..Context::default()
    };
    let verdict = eval::evaluate(&policy(), &evidence, &context, now.parse().unwrap());
    (verdict.rules, verdict.notes)
}

fn judge(report: &str, lock: Option<&str>, ci: bool) -> (Vec<RuleResult>, Vec<String>) {
    let text = std::fs::read_to_string(fixture(report)).unwrap();
    judge_text(&text, lock, ci, NOW)
}

fn status(rules: &[RuleResult], id: &str) -> (Status, String) {
    let r = rules.iter().find(|r| r.id == id).unwrap();
    (r.status, r.message.clone())
}

#[test]
fn vulnerable_report_of_its_own_lockfile_is_judged() {
    let (rules, notes) = judge("vulnerable.json", Some("vulnerable.Cargo.lock"), false);
    let (s, m) = status(&rules, "audit.vulnerabilities");
    assert_eq!(s, Status::Fail, "{m}");
    assert!(m.starts_with("failing advisories: RUSTSEC-"), "{m}");
    assert_eq!(status(&rules, "audit.warnings[unsound]").0, Status::Fail);
    // The pinned database is a plain directory: cargo-audit wrote no date,
    // which a local run notes (in CI it fails: see below).
    assert!(
        notes
            .iter()
            .any(|n| n.contains("`database.last-updated` is null")),
        "{notes:?}"
    );
}

#[test]
fn clean_report_of_its_own_lockfile_passes() {
    let (rules, _) = judge("clean.json", Some("clean.Cargo.lock"), false);
    assert_eq!(status(&rules, "audit.vulnerabilities").0, Status::Pass);
}

#[test]
fn undated_database_fails_in_ci_and_is_a_note_locally() {
    // Every fixture here was made with `--no-fetch` against a pinned copy
    // of the database, so cargo-audit wrote `last-updated: null`: nothing
    // shows the database is recent. Locally that is the normal dry run;
    // in CI (where the evidence job fetches) it fails closed.
    let (rules, notes) = judge("clean.json", Some("clean.Cargo.lock"), true);
    let (s, m) = status(&rules, "audit.vulnerabilities");
    assert_eq!(s, Status::Fail, "{m}");
    assert!(
        m.contains("`database.last-updated` is null") && m.contains("max_db_age = 30"),
        "{m}"
    );
    assert!(
        !notes.iter().any(|n| n.contains("last-updated")),
        "{notes:?}"
    );
    let (vulnerable, _) = judge("vulnerable.json", Some("vulnerable.Cargo.lock"), true);
    let (s, m) = status(&vulnerable, "audit.vulnerabilities");
    assert_eq!(s, Status::Fail);
    assert!(
        m.contains("last-updated") && m.contains("failing advisories: RUSTSEC-"),
        "{m}"
    );
}

#[test]
fn clean_report_of_another_lockfile_is_an_error() {
    let (rules, _) = judge("clean.json", Some("vulnerable.Cargo.lock"), true);
    assert_eq!(
        status(&rules, "audit.vulnerabilities"),
        (
            Status::Error,
            "the report describes 3 packages; Cargo.lock has 24".to_owned()
        )
    );
    assert_eq!(status(&rules, "audit.warnings[unsound]").0, Status::Error);
}

#[test]
fn binary_audits_do_not_describe_the_lockfile() {
    // `cargo audit bin` counts what it recovered from each binary (5, 1).
    let (rules, _) = judge("multi.json", Some("multi.Cargo.lock"), true);
    assert_eq!(
        status(&rules, "audit.vulnerabilities"),
        (
            Status::Error,
            "the report describes 5 packages; Cargo.lock has 11".to_owned()
        )
    );
}

#[test]
fn reports_made_with_cargo_audits_own_filters_are_refused() {
    for (file, said) in [
        ("ignored.json", "ignore = [RUSTSEC-2021-0003]"),
        ("audit-toml.json", "ignore = [RUSTSEC-2020-0071]; informational_warnings without unmaintained, unsound, notice"),
        ("severity.json", "severity threshold `high`"),
    ] {
        let (rules, _) = judge(file, Some("vulnerable.Cargo.lock"), true);
        let r = rules.iter().find(|r| r.id == "audit.vulnerabilities").unwrap();
        assert_eq!(r.status, Status::Error, "{file}");
        assert!(r.message.contains(said), "{file}: {}", r.message);
        assert!(r.help.as_deref().unwrap().contains("[[audit.ignore]]"), "{file}");
    }
}

#[test]
fn missing_lockfile_is_an_error_in_ci_and_a_note_locally() {
    let (rules, _) = judge("vulnerable.json", None, true);
    let (s, m) = status(&rules, "audit.vulnerabilities");
    assert_eq!(s, Status::Error);
    assert!(m.starts_with("no Cargo.lock in the judged tree"), "{m}");
    let (rules, notes) = judge("vulnerable.json", None, false);
    assert_eq!(status(&rules, "audit.vulnerabilities").0, Status::Fail);
    assert!(
        notes.iter().any(|n| n.starts_with("no Cargo.lock here")),
        "{notes:?}"
    );
}

#[test]
fn counts_contradicting_the_list_are_an_input_error() {
    // vulnerable.json with its list emptied and its count of 7 kept.
    let text = std::fs::read_to_string(fixture("vulnerable.json")).unwrap();
    let start = text.find(r#""list":["#).unwrap() + 8;
    let end = text.find(r#"]},"warnings""#).unwrap();
    let edited = format!("{}{}", &text[..start], &text[end..]);
    let err = parse_audit(Path::new("target/audit.json"), &edited).unwrap_err();
    assert_eq!(
        err.to_string(),
        "target/audit.json:1: `vulnerabilities` contradicts itself: found = true, count = 7, but the list has 0 entries; regenerate the report with `cargo audit --json`"
    );
}

#[test]
fn advisory_database_older_than_max_db_age_fails() {
    // The pinned database is upstream commit of 2026-08-21; a fetched run
    // would have said so in `database.last-updated` (the pinned copy is not
    // a git checkout, so the real report has null: set it as a fetch would).
    let text = std::fs::read_to_string(fixture("clean.json"))
        .unwrap()
        .replace(
            r#""last-updated":null"#,
            r#""last-updated":"2026-08-21T09:30:00Z""#,
        );
    let (rules, _) = judge_text(&text, Some("clean.Cargo.lock"), true, NOW);
    let (s, m) = status(&rules, "audit.vulnerabilities");
    assert_eq!(s, Status::Fail);
    assert_eq!(
        m,
        "the advisory database was last updated 2026-08-21 (97 days before this run), older than max_db_age = 30 days"
    );
    let (rules, _) = judge_text(
        &text,
        Some("clean.Cargo.lock"),
        true,
        "2026-09-01T00:00:00Z",
    );
    assert_eq!(status(&rules, "audit.vulnerabilities").0, Status::Pass);
}

#[test]
fn every_filtered_fixture_reads() {
    for file in ["ignored.json", "audit-toml.json", "severity.json"] {
        let report = read_audit(&fixture(file)).unwrap();
        assert_eq!(report.lockfiles[0].dependency_count, 24, "{file}");
    }
}
