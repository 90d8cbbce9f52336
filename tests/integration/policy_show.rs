//! `policy show` writes the validated model back as policy TOML: every
//! shipped policy, shown, is a policy `policy validate` accepts and loads
//! back to the same model, so the text a maintainer reads is exactly what
//! the gate demands (and a new field cannot be left out of it).
#![allow(clippy::unwrap_used, clippy::panic)] // tests: a panic is a failure

use std::path::{Path, PathBuf};
use std::process::Command;

use tollgate::policy::{self, load_policy, Policy, WorkingTree};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Every policy the repository ships or tests with, except the one that is
/// deliberately invalid.
fn shipped() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in [
        "policies",
        ".github/tollgate",
        "tests/cmd/coverage.in/policies",
        "tests/cmd/evidence.in/policies",
    ] {
        for entry in std::fs::read_dir(Path::new(ROOT).join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml")
                && !path.ends_with("coverage.in/policies/typo.toml")
            {
                out.push(path.strip_prefix(ROOT).unwrap().to_path_buf());
            }
        }
    }
    out.sort();
    out
}

/// A policy setting every field of the model at least once, so that the
/// round trip covers what no shipped policy uses (`expires`, `unscored`,
/// `marker`, per-path branches and functions, ...).
const EVERYTHING: &str = r#"
schema = 1
name = "everything"
title = "Every field"
version = "2.3.4-rc.1"

[coverage]
optional = true
lines = 80.5
branches = 60.25
functions = 70.125
patch = 99.9999

[[coverage.paths]]
glob = "src/crypto/**"
lines = 100.0
branches = 90.0
functions = 95.0

[audit]
fail_on = "medium"
unscored = "pass"
warnings = ["yanked", "notice"]

[[audit.ignore]]
id = "RUSTSEC-2020-0071"
reason = "time 0.1 is not reachable from our code"
expires = 2027-01-31

[[audit.ignore]]
id = "RUSTSEC-2021-0145"
reason = "only on Windows, which we do not ship"

[reviews]
approvals = 3
current_head_only = false
block_on_changes_requested = false
associations = ["OWNER", "MEMBER"]

[benchmarks]
optional = true
max_regression = 7.5

[[benchmarks.slo]]
bench = "lookup/*"
max = "200µs"

[tests]
all_pass = false
min_tests = 12

[checks]
required = ["ci-ok", "lint / clippy", { name = "test", app = "github-actions", workflow = ".github/workflows/ci.yml" }]
allow_neutral = true
allow_skipped = true

[release]
changelog = "CHANGELOG.md"
version_matches_tag = true

[[signoffs]]
id = "security-audit"
title = "Security audit complete"
principals = ["security-lead@example.org", "*@security.example.org"]
count = 2

[[documents]]
id = "rfc"
title = "RFC approved"
glob = "docs/rfcs/*.md"
marker = "Status: Approved"
min_files = 2
optional = true

[overrides]
signers = "allowed_signers"
min_signers = 2
not_overridable = ["audit.vulnerabilities", "signoff", "coverage.path[src/crypto/**]"]
"#;

/// Shows `original`, loads the text back from `dir` and checks that the
/// model is the same but for where it was read from.
fn round_trip(original: &Policy, dir: &Path) -> PathBuf {
    let shown = policy::describe(original).unwrap();
    assert!(
        shown.starts_with(&format!(
            "# effective policy `{}` from {} (sha256 {})\n",
            original.name, original.source.path, original.source.sha256
        )),
        "{shown}"
    );
    let file = dir.join(format!("{}.toml", original.name));
    std::fs::write(&file, &shown).unwrap();
    let mut reloaded = load_policy(
        &WorkingTree::new(dir),
        Path::new(&format!("{}.toml", original.name)),
    )
    .unwrap_or_else(|e| panic!("the shown {} does not load: {e}\n{shown}", original.name));
    assert!(reloaded.inherited.is_empty(), "the shown policy is flat");
    assert_eq!(
        policy::differences(original, &reloaded).unwrap(),
        Vec::new()
    );
    reloaded.source.clone_from(&original.source);
    reloaded.inherited.clone_from(&original.inherited);
    assert_eq!(&reloaded, original, "{shown}");
    file
}

#[test]
fn every_shipped_policy_shows_as_a_policy_that_loads_back_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let paths = shipped();
    assert!(paths.len() >= 8, "{paths:?}");
    let mut shown = Vec::new();
    for path in &paths {
        let original = load_policy(&WorkingTree::new(ROOT), path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        // Two shipped policies may share a name (gate2 in `policies/` and
        // in `.github/tollgate/`): one directory each.
        let sub = dir.path().join(shown.len().to_string());
        std::fs::create_dir(&sub).unwrap();
        shown.push(round_trip(&original, &sub));
    }
    // And the binary's `policy validate` accepts every one of them.
    let out = Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .args(["policy", "validate"])
        .args(&shown)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.lines().count(), shown.len(), "{stdout}");
}

#[test]
fn a_policy_using_every_field_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("source.toml"), EVERYTHING).unwrap();
    let original = load_policy(&WorkingTree::new(dir.path()), Path::new("source.toml")).unwrap();
    let out = tempfile::tempdir().unwrap();
    let file = round_trip(&original, out.path());
    let text = std::fs::read_to_string(file).unwrap();
    // Values are written as policies write them, not as the model holds them.
    for line in [
        "version = \"2.3.4-rc.1\"",
        "patch = 99.9999",
        "unscored = \"pass\"",
        "expires = 2027-01-31",
        "max = \"200µs\"",
        "not_overridable = [\"audit.vulnerabilities\", \"signoff\", \"coverage.path[src/crypto/**]\"]",
    ] {
        assert!(text.lines().any(|l| l == line), "no `{line}` in\n{text}");
    }
    // Derived values (compiled globs, parsed durations) are not written.
    assert!(
        !text.contains("matcher") && !text.contains("max_ns"),
        "{text}"
    );
}

#[test]
fn an_inherited_policy_shows_flat_with_its_provenance() {
    let original = load_policy(
        &WorkingTree::new(ROOT),
        Path::new("tests/cmd/coverage.in/policies/boundary.toml"),
    )
    .unwrap();
    assert_eq!(original.inherited.len(), 1);
    let shown = policy::describe(&original).unwrap();
    let parent = &original.inherited[0];
    assert!(
        shown.contains(&format!(
            "\n# extends {} {} from {} (sha256 {})\n",
            parent.name, parent.version, parent.path, parent.sha256
        )),
        "{shown}"
    );
    assert!(!shown.contains("\nextends"), "{shown}");
}
