//! The rule catalogue (`src/rules.rs`) against what the evaluator emits and
//! what policy validation accepts: every id the evaluator can emit parses
//! back to its catalogue family, is declared by the policy that emitted it,
//! and carries the catalogue's title; every family is emitted by some
//! policy; and a misspelt rule id in a policy is an error with its place.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests: a panic is a failure

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use tollgate::eval::{
    self, ChangelogFinding, ChangelogState, Context, Evidence, ReleaseEvidence, RuleResult, Slot,
};
use tollgate::evidence::audit::AuditReport;
use tollgate::evidence::bench::{Benchmark, Change, Unit};
use tollgate::evidence::coverage::CoverageReport;
use tollgate::evidence::diff::ChangedLines;
use tollgate::evidence::documents::DocumentMatch;
use tollgate::evidence::github::{
    CheckResult, CheckSource, CommitChecks, PullRequestReviews, Review, ReviewState,
};
use tollgate::evidence::junit::TestRun;
use tollgate::evidence::release::{ChangelogSection, PackageVersion, ReleaseTag};
use tollgate::policy::{load_policy, FileSource, Policy};
use tollgate::rules::{Family, RuleId, Title};

/// A policy file held in memory.
struct Text(String);

impl FileSource for Text {
    fn read(&self, _: &Path) -> std::io::Result<Option<Vec<u8>>> {
        Ok(Some(self.0.as_bytes().to_vec()))
    }
    fn describe(&self) -> String {
        "test".to_owned()
    }
}

/// Every section and every rule-bearing setting switched on.
const EVERYTHING: &str = r#"schema = 1
name = "everything"
version = "1.0.0"
[coverage]
lines = 50.0
branches = 0.0
functions = 50.0
regions = 50.0
statements = 50.0
patch = 50.0
max_drop = 0.0
[[coverage.paths]]
glob = "src/*.rs"
lines = 50.0
max_drop = 1.0
[audit]
fail_on = "high"
warnings = ["unsound", "yanked"]
[reviews]
approvals = 1
block_on_changes_requested = true
[benchmarks]
max_regression = 10.0
[[benchmarks.slo]]
bench = "lookup/*"
max = "1ms"
[tests]
min_tests = 1
[checks]
required = ["ci / test"]
[release]
changelog = "CHANGELOG.md"
version_matches_tag = true
[[documents]]
id = "rfc"
title = "Design approved"
glob = "docs/rfcs/*.md"
[[signoffs]]
id = "security-audit"
title = "Security audit complete"
principals = ["alice@example.org"]
[overrides]
not_overridable = ["audit.vulnerabilities", "audit.warnings"]
"#;

fn policy(text: &str) -> Policy {
    load_policy(&Text(text.to_owned()), Path::new("everything.toml")).unwrap()
}

fn present<T>(value: T) -> Slot<T> {
    Slot::Present {
        value,
        sources: vec!["test".into()],
    }
}

/// Evidence for every section; `baselines` decides whether benchmarks can
/// be compared (`bench.regression[ID]`) or not (`bench.regression[*]`).
fn evidence(baselines: bool) -> Evidence {
    let mut coverage = CoverageReport::new();
    let file = coverage.file_mut("src/lib.rs");
    file.add_line(1, 1);
    file.add_line(2, 0);
    file.add_function("f", Some(1), 1);
    let mut changes = ChangedLines::default();
    changes.files.insert("src/lib.rs".into(), vec![1, 2]);
    let review = Review {
        reviewer: "alice".into(),
        reviewer_id: 1,
        is_bot: false,
        state: ReviewState::Approved,
        commit_id: Some("h".into()),
        association: "MEMBER".into(),
    };
    let bench = |id: &str| Benchmark {
        id: id.into(),
        value: 500.0,
        unit: Unit::Nanoseconds,
        baseline: baselines.then_some(450.0),
        change: baselines.then_some(Change {
            point: 0.11,
            interval: Some((0.05, 0.2)),
        }),
        bigger_is_better: false,
    };
    let mut documents = BTreeMap::new();
    documents.insert(
        "rfc".to_owned(),
        Ok(vec![DocumentMatch {
            path: "docs/rfcs/0001.md".into(),
            contains_marker: true,
            marker_line: None,
            marker_only_in_change: false,
        }]),
    );
    Evidence {
        coverage: present(coverage.clone()),
        coverage_baseline: present(coverage),
        changes: present(changes),
        reviews: present(PullRequestReviews {
            author: "dev".into(),
            head_sha: "h".into(),
            reviews: vec![review],
        }),
        checks: present(CommitChecks {
            sha: "h".into(),
            results: vec![CheckResult {
                name: "ci / test".into(),
                source: CheckSource::CheckRun,
                completed: true,
                conclusion: Some("success".into()),
                started_at: None,
                id: 1,
                app: Some("github-actions".into()),
                workflow: Some(".github/workflows/ci.yml".into()),
            }],
            workflows_unknown: None,
        }),
        audit: present(AuditReport::default()),
        lockfile: None,
        tests: present(TestRun {
            total: 1,
            passed: 1,
            ..TestRun::default()
        }),
        bench: present(vec![bench("lookup/hot"), bench("lookup/cold")]),
        bench_commits: None,
        bench_rounds: Vec::new(),
        bench_baseline: None,
        merge_base: None,
        release: present(ReleaseEvidence {
            tag: ReleaseTag {
                tag: "v1.0.0".into(),
                version: semver::Version::new(1, 0, 0),
            },
            packages: Ok(vec![PackageVersion {
                name: "widget".into(),
                version: semver::Version::new(1, 0, 0),
                manifest_path: PathBuf::from("Cargo.toml"),
            }]),
            changelog: Some(ChangelogFinding {
                path: "CHANGELOG.md".into(),
                state: ChangelogState::Section(ChangelogSection {
                    heading: "[1.0.0]".into(),
                    line: 3,
                    non_empty: true,
                }),
            }),
            manifests_not_committed: None,
        }),
        documents,
        signoffs: Vec::new(),
        stale: Vec::new(),
        changed_after_coverage: Vec::new(),
    }
}

fn judge(policy: &Policy, evidence: &Evidence) -> Vec<RuleResult> {
    eval::evaluate(policy, evidence, &Context::default(), chrono::Utc::now()).rules
}

/// Every emitted id parses to a catalogue family, is declared by the
/// policy, and its title is the catalogue's (or the policy entry's).
fn assert_catalogued(policy: &Policy, rules: &[RuleResult]) -> BTreeSet<Family> {
    let mut families = BTreeSet::new();
    let mut ids = BTreeSet::new();
    for rule in rules {
        let id = RuleId::parse(&rule.id)
            .unwrap_or_else(|e| panic!("emitted id `{}` is not in the catalogue: {e}", rule.id));
        assert_eq!(id.to_string(), rule.id, "ids round-trip");
        assert!(ids.insert(rule.id.clone()), "`{}` emitted twice", rule.id);
        assert!(
            policy.declares(&id),
            "`{}` is emitted but not declared by the policy: Policy::declared_rules is out of step",
            rule.id
        );
        match (id.spec().title, id.family()) {
            (Title::FromPolicy, _) => {}
            (_, Family::BenchSlo) => {
                assert_eq!(rule.title, id.title_with(&[("max", "1ms")]), "{}", rule.id);
            }
            _ => assert_eq!(rule.title, id.title(), "{}", rule.id),
        }
        families.insert(id.family());
    }
    families
}

#[test]
fn every_rule_the_evaluator_emits_is_in_the_catalogue() {
    let policy = policy(EVERYTHING);
    let mut families = BTreeSet::new();
    for evidence in [evidence(true), evidence(false), Evidence::default()] {
        families.extend(assert_catalogued(&policy, &judge(&policy, &evidence)));
    }
    let rules = judge(&policy, &evidence(true));
    let ids: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
    assert!(ids.contains(&"bench.regression[lookup/hot]"), "{ids:?}");
    let without = judge(&policy, &evidence(false));
    assert!(without.iter().any(|r| r.id == "bench.regression[*]"));
    // And the other way: every catalogue family is emitted by this policy,
    // so the catalogue holds no family the evaluator has forgotten.
    let all: BTreeSet<Family> = Family::ALL.into_iter().collect();
    assert_eq!(families, all);
}

#[test]
fn declared_rules_are_exactly_the_rules_judged_without_evidence() {
    // Without evidence every declared rule is still emitted (failing
    // closed), with `[*]` standing for the evidence-keyed family.
    let policy = policy(EVERYTHING);
    let emitted: Vec<String> = judge(&policy, &Evidence::default())
        .into_iter()
        .map(|r| r.id)
        .collect();
    let declared: Vec<String> = policy
        .declared_rules()
        .iter()
        .map(|d| match d {
            tollgate::policy::Declared::Rule(id) => id.to_string(),
            tollgate::policy::Declared::AnyKey(f) => f.wildcard().to_string(),
        })
        .collect();
    assert_eq!(emitted, declared);
}

fn validate(text: &str) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.toml");
    std::fs::write(&path, text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .current_dir(dir.path())
        .args(["policy", "validate", "p.toml"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const HEAD: &str = "schema = 1\nname = \"p\"\nversion = \"1.0.0\"\n";

/// The bug: a misspelt `not_overridable` entry protected nothing, silently.
#[test]
fn a_misspelt_not_overridable_rule_is_a_validation_error_with_its_place() {
    let (code, stderr) = validate(&format!(
        "{HEAD}[audit]\n[overrides]\nnot_overridable = [\"coverage.lines\", \"audit.vulnerabilites\"]\n"
    ));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("p.toml:6:38: `not_overridable`: `audit.vulnerabilites` is not a rule (did you mean `audit.vulnerabilities`?)"),
        "{stderr}"
    );
}

#[test]
fn not_overridable_keys_are_checked_against_the_policy() {
    // A key the policy defines itself must be one of its keys...
    let (code, stderr) = validate(&format!(
        "{HEAD}[checks]\nrequired = [\"ci / test\"]\n[overrides]\nnot_overridable = [\"checks.required[ci/test]\"]\n"
    ));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("p.toml:7:20: `checks.required[ci/test]` in `not_overridable` is not a rule of gate p: its `[checks] required` entries are `ci / test`"),
        "{stderr}"
    );
    // ...a key from the evidence is checked by pattern only, a bare keyed
    // family stands for all its rules, and a family the gate does not use
    // is accepted (a shared `[overrides]` may be inherited by such gates).
    let (code, stderr) = validate(&format!(
        "{HEAD}[checks]\nrequired = [\"ci / test\"]\n[overrides]\nnot_overridable = [\"checks.required[ci / test]\", \"bench.regression[lookup/hot]\", \"audit.warnings\", \"signoff[x]\"]\n"
    ));
    assert_eq!(code, 0, "{stderr}");
    for (entry, why) in [
        ("tests.pass[x]", "`tests.pass` takes no `[...]` key"),
        ("coverage.path[src", "malformed brackets"),
    ] {
        let (code, stderr) = validate(&format!(
            "{HEAD}[overrides]\nnot_overridable = [\"{entry}\"]\n"
        ));
        assert_eq!(code, 2, "{entry}: {stderr}");
        assert!(stderr.contains(why), "{entry}: {stderr}");
    }
}

#[test]
fn two_entries_giving_one_rule_id_are_a_validation_error() {
    let (code, stderr) = validate(&format!(
        "{HEAD}[[signoffs]]\nid = \"audit\"\nprincipals = [\"a@example.org\"]\n[[signoffs]]\nid = \"audit\"\nprincipals = [\"b@example.org\"]\n"
    ));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr
            .contains("p.toml:8:6: `audit` appears twice: both would be the rule `signoff[audit]`"),
        "{stderr}"
    );
}
