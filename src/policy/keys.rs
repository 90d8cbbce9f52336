//! Every key of `tollgate.toml` and of a policy file, described once: its
//! type, default, meaning and an example. The table is the source of the
//! generated reference (docs/policy-reference.md, [`render_markdown`]) and
//! of the "did you mean" of an unknown key; tests keep it equal to the
//! fields of the raw structs in `raw.rs` in both directions.
//!
//! Adding a key: add the field to its raw struct, then its entry here, then
//! `TOLLGATE_BLESS=1 cargo test --lib policy::keys` regenerates the page.

use std::fmt::Write as _;

/// Which file a key belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum File {
    /// `tollgate.toml`.
    Config,
    /// A gate policy (`policies/GATE.toml`).
    Policy,
}

/// One key.
#[derive(Debug, Clone, Copy)]
pub struct Key {
    /// The file it is written in.
    pub file: File,
    /// Dotted path; `[]` marks an entry of an array of tables
    /// (`coverage.paths[].glob`).
    pub path: &'static str,
    /// The TOML type, in words.
    pub kind: &'static str,
    /// What applies when the key is left out.
    pub default: &'static str,
    /// What it means.
    pub meaning: &'static str,
    /// A TOML value for it (for tables and arrays of tables: none, their
    /// keys carry the examples).
    pub example: Option<&'static str>,
}

const fn key(
    file: File,
    path: &'static str,
    kind: &'static str,
    default: &'static str,
    meaning: &'static str,
    example: Option<&'static str>,
) -> Key {
    Key {
        file,
        path,
        kind,
        default,
        meaning,
        example,
    }
}

use File::{Config as C, Policy as P};

const TABLE: &str = "table";
const TABLES: &str = "array of tables";
const PERCENT: &str = "float (percent, 0 to 100, at most 4 decimals)";
const OPTIONAL: &str = "a missing report makes the section's rules `skipped` instead of failing";

/// Every key, in the order of the reference.
pub const KEYS: &[Key] = &[
    // tollgate.toml
    key(C, "policy_dir", "string (path)", "\"policies\"", "directory of the gate policies (`GATE.toml`), relative to the repository root", Some("\"policies\"")),
    key(C, "gates", TABLE, "", "which gate applies in which context; a gate name is a policy file name without `.toml`", None),
    key(C, "gates.pull_request", "string (gate name)", "\"gate2\"", "gate of pull requests, merge queues and local runs", Some("\"gate2\"")),
    key(C, "gates.push", "string (gate name)", "\"gate2\"", "gate of branch pushes", Some("\"gate2\"")),
    key(C, "gates.release", "string (gate name)", "\"gate3\"", "gate of release tags", Some("\"gate3\"")),
    key(C, "gates.prerelease", "string (gate name)", "\"gate2\"", "gate of release tags whose version has a pre-release part (`v1.0.0-rc.1`)", Some("\"gate2\"")),
    key(C, "release", TABLE, "", "release tags", None),
    key(C, "release.tag_pattern", "string (glob)", "\"v*\"", "which tags are releases; what follows the pattern's literal prefix must be semver", Some("\"v*\"")),
    key(C, "release.branch", "string (branch name)", "the repository's default branch", "the protected branch a release tag's `tollgate.toml`, policy and `allowed_signers` are read from (no `refs/heads/`)", Some("\"main\"")),
    key(C, "evidence", TABLE, "", "where `tollgate check` finds evidence when no flag names it; the judge takes only these paths from the evidence artifact", None),
    key(C, "evidence.coverage", "array of strings (paths)", "[\"target/lcov.info\"]", "coverage reports, LCOV or Cobertura (`--coverage`)", Some("[\"target/lcov.info\"]")),
    key(C, "evidence.coverage_baseline", "array of strings (paths)", "[]", "the base commit's coverage reports, any format `--coverage` reads, for `coverage.drop` (`--coverage-baseline`)", Some("[\"base/lcov.info\"]")),
    key(C, "evidence.strip_prefix", "array of strings", "[]", "prefixes removed from coverage source paths (`--strip-prefix`)", Some("[\"/home/runner/work/app/app\"]")),
    key(C, "evidence.audit", "string (path)", "\"target/audit.json\"", "the `cargo audit --json` report (`--audit`)", Some("\"target/audit.json\"")),
    key(C, "evidence.bench", "array of strings (paths)", "[\"target/criterion\"]", "benchmark results: a criterion directory, BMF, github-action-benchmark or hyperfine JSON (`--bench`)", Some("[\"target/criterion\"]")),
    key(C, "evidence.bench_commits", "string (path)", "\"target/tollgate-bench.json\"", "the record of which commits the benchmarks compared, checked against the pull request (docs/benchmarks.md)", Some("\"target/tollgate-bench.json\"")),
    key(C, "evidence.bench_rounds", "string (path)", "\"target/criterion-rounds\"", "the directory of each round's criterion tree; the record's `rounds` may name only trees inside it (docs/benchmarks.md)", Some("\"target/criterion-rounds\"")),
    key(C, "evidence.bench_baseline", "string (path)", "none (criterion's saved baseline)", "benchmark results to compare against (`--bench-baseline`)", Some("\"baseline/bench.json\"")),
    key(C, "evidence.tests", "array of strings (paths)", "[\"target/nextest/ci/junit.xml\"]", "JUnit XML test reports (`--tests`)", Some("[\"target/nextest/ci/junit.xml\"]")),
    key(C, "github", TABLE, "", "GitHub settings", None),
    key(C, "github.evidence_workflow", "string (path)", "\".github/workflows/tollgate-evidence.yml\"", "the workflow whose run uploads the evidence artifact the privileged judge reads", Some("\".github/workflows/tollgate-evidence.yml\"")),
    // Policy files: the file itself.
    key(P, "schema", "integer", "required", "the policy file format; this tollgate reads schema 1", Some("1")),
    key(P, "name", "string", "the file name without `.toml`", "the gate's name: letters, digits, `-`, `_`, `.`", Some("\"gate2\"")),
    key(P, "title", "string", "the name", "a title for reports", Some("\"Gate 2: Feature Complete\"")),
    key(P, "description", "string", "none", "free text for humans", Some("\"what this gate is for\"")),
    key(P, "version", "string (semver)", "required", "the policy's own version, recorded in every report", Some("\"1.0.0\"")),
    key(P, "extends", "string (path)", "none", "a policy this one builds on, relative to this file; whole sections replace the parent's", Some("\"gate1.toml\"")),
    // [coverage]
    key(P, "coverage", TABLE, "no coverage rules", "coverage thresholds", None),
    key(P, "coverage.optional", "boolean", "false", OPTIONAL, Some("false")),
    key(P, "coverage.lines", PERCENT, "none", "minimum total line coverage (`coverage.lines`)", Some("80.0")),
    key(P, "coverage.branches", PERCENT, "none", "minimum total branch coverage (`coverage.branches`)", Some("60.0")),
    key(P, "coverage.functions", PERCENT, "none", "minimum total function coverage (`coverage.functions`)", Some("75.0")),
    key(P, "coverage.regions", PERCENT, "none", "minimum total region coverage (`coverage.regions`; llvm-cov JSON export evidence only)", Some("70.0")),
    key(P, "coverage.statements", PERCENT, "none", "minimum total statement coverage (`coverage.statements`; Go cover profile evidence only)", Some("75.0")),
    key(P, "coverage.patch", PERCENT, "none", "minimum coverage of the lines the change adds (`coverage.patch`)", Some("90.0")),
    key(P, "coverage.max_drop", "number (percentage points, 0-100)", "none", "most points total line (and branch) coverage may fall below the base's (`coverage.drop`)", Some("0.0")),
    key(P, "coverage.paths", TABLES, "[]", "critical paths, each a `coverage.path[GLOB]` rule", None),
    key(P, "coverage.paths[].glob", "string (path glob)", "required", "the files, e.g. `src/crypto/**`", Some("\"src/core/**\"")),
    key(P, "coverage.paths[].lines", PERCENT, "none", "minimum line coverage of those files", Some("90.0")),
    key(P, "coverage.paths[].branches", PERCENT, "none", "minimum branch coverage of those files", Some("80.0")),
    key(P, "coverage.paths[].functions", PERCENT, "none", "minimum function coverage of those files", Some("90.0")),
    key(P, "coverage.paths[].max_drop", "number (percentage points, 0-100)", "none", "most points those files' coverage may fall below the base's (`coverage.drop.path[GLOB]`)", Some("0.0")),
    // [audit]
    key(P, "audit", TABLE, "no audit rules", "cargo-audit advisories", None),
    key(P, "audit.optional", "boolean", "false", OPTIONAL, Some("false")),
    key(P, "audit.fail_on", "string: `none`, `low`, `medium`, `high`, `critical`, `any`", "\"any\"", "lowest severity that fails `audit.vulnerabilities`", Some("\"high\"")),
    key(P, "audit.unscored", "string: `fail` or `pass`", "\"fail\"", "whether an advisory with no CVSS severity fails; `fail_on` cannot rank it", Some("\"fail\"")),
    key(P, "audit.warnings", "array of strings: `unmaintained`, `unsound`, `yanked`, `notice`", "[]", "warning kinds that fail, each an `audit.warnings[KIND]` rule", Some("[\"unsound\"]")),
    key(P, "audit.max_db_age", "integer (days, at least 1)", "30", "how old the report's advisory database (`database.last-updated`) may be before `audit.vulnerabilities` fails", Some("30")),
    key(P, "audit.ignore", TABLES, "[]", "advisories waived, each with a reason", None),
    key(P, "audit.ignore[].id", "string", "required", "the advisory id (or an alias such as a CVE)", Some("\"RUSTSEC-2024-0006\"")),
    key(P, "audit.ignore[].reason", "string", "required", "why the advisory does not apply", Some("\"the affected API is not used\"")),
    key(P, "audit.ignore[].expires", "date (`2027-01-31`, or the same in quotes)", "never", "after this date the ignore stops applying", Some("2027-01-31")),
    // [reviews]
    key(P, "reviews", TABLE, "no review rules", "pull-request reviews", None),
    key(P, "reviews.optional", "boolean", "false", OPTIONAL, Some("false")),
    key(P, "reviews.approvals", "integer", "1", "current approvals needed (`reviews.approvals`)", Some("1")),
    key(P, "reviews.current_head_only", "boolean", "true", "only approvals of the head commit count", Some("true")),
    key(P, "reviews.block_on_changes_requested", "boolean", "true", "an outstanding change request fails `reviews.changes_requested`", Some("true")),
    key(P, "reviews.associations", "array of strings: `OWNER`, `MEMBER`, `COLLABORATOR`, `CONTRIBUTOR`, `FIRST_TIMER`, `FIRST_TIME_CONTRIBUTOR`, `MANNEQUIN`, `NONE`", "[] (all)", "author associations whose reviews count", Some("[\"OWNER\", \"MEMBER\"]")),
    // [benchmarks]
    key(P, "benchmarks", TABLE, "no benchmark rules", "benchmark regressions and budgets", None),
    key(P, "benchmarks.optional", "boolean", "false", OPTIONAL, Some("false")),
    key(P, "benchmarks.max_regression", "float (percent)", "none", "percent slower than the baseline that fails `bench.regression[ID]`", Some("10.0")),
    key(P, "benchmarks.slo", TABLES, "[]", "time budgets, each a `bench.slo[GLOB]` rule", None),
    key(P, "benchmarks.slo[].bench", "string (benchmark id glob; `*` crosses `/`)", "required", "the benchmarks", Some("\"parse/*\"")),
    key(P, "benchmarks.slo[].max", "string (duration: `50ns`, `200us`, `1ms`, `1.5s`)", "required", "the largest time allowed", Some("\"1ms\"")),
    // [tests]
    key(P, "tests", TABLE, "no test rules", "test results", None),
    key(P, "tests.optional", "boolean", "false", OPTIONAL, Some("false")),
    key(P, "tests.all_pass", "boolean", "true", "every testcase passed (`tests.pass`)", Some("true")),
    key(P, "tests.min_tests", "integer", "1", "at least this many testcases ran", Some("1")),
    // [checks]
    key(P, "checks", TABLE, "no check rules", "other check runs on the head commit", None),
    key(P, "checks.optional", "boolean", "false", OPTIONAL, Some("false")),
    key(P, "checks.required", "array of strings or tables", "[]", "check runs (or status contexts) that must be green, each a `checks.required[NAME]` rule: a name, or a table binding it to its source", None),
    key(P, "checks.required[].name", "string", "required", "the check-run name", Some("\"ci-ok\"")),
    key(P, "checks.required[].app", "string (app slug)", "any app", "the app that must have made the check run (`github-actions`, `codecov`)", Some("\"github-actions\"")),
    key(P, "checks.required[].workflow", "string (path)", "any workflow", "with `app = \"github-actions\"`: the workflow file whose job must have made it", Some("\".github/workflows/ci.yml\"")),
    key(P, "checks.allow_neutral", "boolean", "false", "a `neutral` conclusion counts as green", Some("false")),
    key(P, "checks.allow_skipped", "boolean", "false", "a `skipped` conclusion counts as green", Some("false")),
    // [release]
    key(P, "release", TABLE, "no release rules", "release tags", None),
    key(P, "release.optional", "boolean", "false", "without a release tag the rules are `skipped` instead of failing", Some("false")),
    key(P, "release.changelog", "string (path)", "none", "a file that must hold a non-empty section for the tag's version (`release.changelog`)", Some("\"CHANGELOG.md\"")),
    key(P, "release.version_matches_tag", "boolean", "false", "every publishable workspace package's version equals the tag's (`release.version`)", Some("true")),
    // [[signoffs]]
    key(P, "signoffs", TABLES, "[]", "sign-offs, each a `signoff[ID]` rule passed by signed documents (docs/overrides.md)", None),
    key(P, "signoffs[].id", "string", "required", "letters, digits, `-`, `_`, `.`; unique in the policy", Some("\"security-review\"")),
    key(P, "signoffs[].title", "string", "the id", "a title for reports", Some("\"Security review\"")),
    key(P, "signoffs[].principals", "array of strings (principal patterns)", "required", "who may sign, as OpenSSH principal patterns", Some("[\"*@security.example.org\"]")),
    key(P, "signoffs[].count", "integer, 1 or more", "1", "distinct principals needed", Some("1")),
    // [[documents]]
    key(P, "documents", TABLES, "[]", "required documents, each a `documents[ID]` rule", None),
    key(P, "documents[].id", "string", "required", "letters, digits, `-`, `_`, `.`; unique in the policy", Some("\"design\"")),
    key(P, "documents[].title", "string", "the id", "a title for reports", Some("\"Design document\"")),
    key(P, "documents[].glob", "string (path glob)", "required", "repository paths, e.g. `docs/rfcs/*.md`", Some("\"docs/design/*.md\"")),
    key(P, "documents[].marker", "string", "none", "text each counted file must contain (case-sensitive)", Some("\"Status: Approved\"")),
    key(P, "documents[].min_files", "integer", "1", "files needed", Some("1")),
    key(P, "documents[].optional", "boolean", "false", "no matching file makes the rule `skipped` instead of failing", Some("false")),
    // [overrides]
    key(P, "overrides", TABLE, "nobody may sign", "signed overrides (docs/overrides.md)", None),
    key(P, "overrides.signers", "string (path)", "none: nobody may sign", "the OpenSSH `allowed_signers` file, relative to the policy file", Some("\"../allowed_signers\"")),
    key(P, "overrides.min_signers", "integer, 1 or more", "1", "distinct principals an override needs", Some("1")),
    key(P, "overrides.max_days", "integer, 1 or more", "30", "how many days after the run a document's `expires` may lie at most; a later one is rejected as too long-lived", Some("30")),
    key(P, "overrides.not_overridable", "array of strings (rule ids)", "[]", "rules no override may waive; a family's bare name covers all its rules", Some("[\"audit.vulnerabilities\"]")),
];

/// The keys of one file.
pub fn of(file: File) -> impl Iterator<Item = &'static Key> {
    KEYS.iter().filter(move |k| k.file == file)
}

/// The key names allowed in the table at `table` (a key path with `[]` for
/// array entries, empty for the top level).
pub(crate) fn names_in(file: File, table: &str) -> Vec<&'static str> {
    of(file)
        .filter_map(|k| {
            let rest = if table.is_empty() {
                k.path
            } else {
                k.path.strip_prefix(table)?.strip_prefix('.')?
            };
            (!rest.contains(['.', '['])).then_some(rest)
        })
        .collect()
}

/// The reference page, `docs/policy-reference.md`, from [`KEYS`].
#[must_use]
pub fn render_markdown() -> String {
    let mut o = String::new();
    o.push_str("<!-- Generated from src/policy/keys.rs by `TOLLGATE_BLESS=1 cargo test --lib policy::keys`; do not edit. -->\n");
    o.push_str("# Policy and configuration keys\n\n");
    o.push_str(
        "Every key tollgate reads, with its type, its default and an example. \
         How the keys work together (`extends`, `optional`, globs, where \
         `tollgate.toml` is found) is in [policy.md](policy.md); the rules the \
         policy keys enable are in [rules.md](rules.md). A key not listed here \
         is an error, reported with a suggestion when it is close to one that is.\n",
    );
    for (file, title) in [
        (File::Config, "`tollgate.toml`"),
        (File::Policy, "Policy files (`policies/GATE.toml`)"),
    ] {
        let _ = write!(o, "\n## {title}\n\n");
        o.push_str("| key | type | default | meaning | example |\n");
        o.push_str("| --- | --- | --- | --- | --- |\n");
        for k in of(file) {
            let cell = |s: &str| s.replace('|', "\\|");
            let example = k
                .example
                .map_or_else(String::new, |e| format!("`{} = {}`", leaf(k.path), cell(e)));
            let default = if k.default.is_empty() {
                String::new()
            } else {
                cell(k.default)
            };
            let _ = writeln!(
                o,
                "| `{}` | {} | {} | {} | {} |",
                k.path,
                cell(k.kind),
                default,
                cell(k.meaning),
                example
            );
        }
    }
    o
}

/// The last segment of a key path.
fn leaf(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use super::*;
    use crate::policy::diag::DiagSink;
    use crate::policy::parse::parse_toml;
    use crate::policy::raw::{RawConfig, RawPolicy};

    /// A document setting every key of `file` to its example.
    fn example_document(file: File) -> String {
        let mut root = toml::Table::new();
        for k in of(file) {
            let Some(example) = k.example else { continue };
            let value: toml::Value = toml::from_str::<toml::Table>(&format!("v = {example}"))
                .unwrap()
                .remove("v")
                .unwrap();
            let mut table = &mut root;
            let parts: Vec<&str> = k.path.split('.').collect();
            for part in &parts[..parts.len() - 1] {
                table = match part.strip_suffix("[]") {
                    Some(name) => {
                        let array = table
                            .entry(name)
                            .or_insert_with(|| toml::Value::Array(vec![toml::Table::new().into()]));
                        array.as_array_mut().unwrap()[0].as_table_mut().unwrap()
                    }
                    None => table
                        .entry(*part)
                        .or_insert_with(|| toml::Table::new().into())
                        .as_table_mut()
                        .unwrap(),
                };
            }
            table.insert(parts[parts.len() - 1].to_owned(), value);
        }
        toml::to_string(&root).unwrap()
    }

    /// Every key of the table is one the raw structs read, of the right type.
    #[test]
    fn every_listed_key_is_read() {
        let text = example_document(File::Policy);
        let mut sink = DiagSink::new(Path::new("p.toml"), &text);
        assert!(
            parse_toml::<RawPolicy>(&text, File::Policy, &mut sink).is_some(),
            "{text}"
        );
        assert!(sink.found.is_empty(), "{:?}\n{text}", sink.found);
        let text = example_document(File::Config);
        let mut sink = DiagSink::new(Path::new("tollgate.toml"), &text);
        assert!(
            parse_toml::<RawConfig>(&text, File::Config, &mut sink).is_some(),
            "{text}"
        );
        assert!(sink.found.is_empty(), "{:?}\n{text}", sink.found);
    }

    /// The examples make files that also validate: a policy that loads, a
    /// configuration that loads.
    #[test]
    fn the_examples_validate() {
        let text = example_document(File::Policy);
        let policy = crate::policy::load_policy(
            &crate::policy::testing::Text(text.clone()),
            Path::new("policies/p.toml"),
        );
        // `extends` would load the same text again (a cycle): leave it out.
        let without_extends: String =
            text.lines()
                .filter(|l| !l.starts_with("extends"))
                .fold(String::new(), |mut out, l| {
                    out.push_str(l);
                    out.push('\n');
                    out
                });
        let policy = policy.or_else(|_| {
            crate::policy::load_policy(
                &crate::policy::testing::Text(without_extends.clone()),
                Path::new("policies/p.toml"),
            )
        });
        assert!(policy.is_ok(), "{policy:?}\n{without_extends}");
        let text = example_document(File::Config);
        let config = crate::policy::load_config(
            &crate::policy::testing::Text(text.clone()),
            Path::new("tollgate.toml"),
            true,
        );
        assert!(config.is_ok(), "{config:?}\n{text}");
    }

    /// Every field of every raw struct is in the table: read from the
    /// source of `raw.rs`, so a field added there without an entry here
    /// fails this test.
    #[test]
    fn every_raw_field_is_listed() {
        let tables: &[(&str, File, &str)] = &[
            ("RawPolicy", File::Policy, ""),
            ("RawCoverage", File::Policy, "coverage"),
            ("RawCoveragePath", File::Policy, "coverage.paths[]"),
            ("RawAudit", File::Policy, "audit"),
            ("RawAuditIgnore", File::Policy, "audit.ignore[]"),
            ("RawReviews", File::Policy, "reviews"),
            ("RawBenchmarks", File::Policy, "benchmarks"),
            ("RawSlo", File::Policy, "benchmarks.slo[]"),
            ("RawTests", File::Policy, "tests"),
            ("RawChecks", File::Policy, "checks"),
            ("RawBoundCheck", File::Policy, "checks.required[]"),
            ("RawRelease", File::Policy, "release"),
            ("RawSignoff", File::Policy, "signoffs[]"),
            ("RawDocument", File::Policy, "documents[]"),
            ("RawOverrides", File::Policy, "overrides"),
            ("RawConfig", File::Config, ""),
            ("RawConfigGitHub", File::Config, "github"),
            ("RawGates", File::Config, "gates"),
            ("RawConfigRelease", File::Config, "release"),
            ("RawEvidence", File::Config, "evidence"),
        ];
        let source = include_str!("raw.rs");
        let mut current: Option<&str> = None;
        let mut structs = BTreeSet::new();
        for line in source.lines() {
            let line = line.trim();
            if let Some(rest) = line.strip_prefix("pub(crate) struct ") {
                let name = rest.split([' ', '{']).next().unwrap();
                structs.insert(name);
                current = Some(name);
                continue;
            }
            if line == "}" {
                current = None;
                continue;
            }
            let (Some(name), Some(field)) = (current, line.strip_prefix("pub ")) else {
                continue;
            };
            let field = field.split(':').next().unwrap().trim();
            let (_, file, table) = tables
                .iter()
                .find(|(s, _, _)| *s == name)
                .unwrap_or_else(|| panic!("raw struct {name} has no table in this test"));
            assert!(
                names_in(*file, table).contains(&field),
                "`{table}.{field}` ({name}) has no entry in KEYS"
            );
        }
        let listed: BTreeSet<&str> = tables.iter().map(|(s, _, _)| *s).collect();
        assert_eq!(structs, listed, "raw structs and the tables above");
    }

    /// Unknown keys are listed with the table they would go in.
    #[test]
    fn names_in_a_table() {
        assert_eq!(
            names_in(File::Policy, "coverage.paths[]"),
            ["glob", "lines", "branches", "functions", "max_drop"]
        );
        assert!(names_in(File::Config, "").contains(&"policy_dir"));
        assert!(!names_in(File::Config, "").contains(&"gates.push"));
    }

    /// Every TOML code block of docs/policy.md is a file tollgate accepts:
    /// a policy (a fragment gets the header it needs), or a `tollgate.toml`.
    #[test]
    fn the_examples_in_docs_policy_md_validate() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/policy.md");
        let doc = std::fs::read_to_string(&path).unwrap();
        let mut blocks = Vec::new();
        let mut current: Option<String> = None;
        for line in doc.lines() {
            match (&mut current, line.trim()) {
                (None, "```toml") => current = Some(String::new()),
                (Some(_), "```") => blocks.extend(current.take()),
                (Some(block), _) => {
                    block.push_str(line);
                    block.push('\n');
                }
                (None, _) => {}
            }
        }
        assert!(blocks.len() >= 3, "found {} toml blocks", blocks.len());
        for block in &blocks {
            let policy = if block.contains("schema =") {
                block.clone()
            } else {
                format!("schema = 1\nname = \"example\"\nversion = \"1.0.0\"\n{block}")
            };
            let file = Path::new("policies/example.toml");
            let source = crate::policy::testing::Text(policy.clone());
            let as_policy = super::super::load_layer(&source, file).map(|_| ());
            let as_config = crate::policy::load_config(
                &crate::policy::testing::Text(block.clone()),
                Path::new("tollgate.toml"),
                true,
            )
            .map(|_| ());
            assert!(
                as_policy.is_ok() || as_config.is_ok(),
                "a docs/policy.md example is neither a valid policy nor a valid tollgate.toml:\n{block}\nas a policy: {}\nas tollgate.toml: {}",
                as_policy.unwrap_err(),
                as_config.unwrap_err()
            );
        }
    }

    /// `docs/policy-reference.md` is generated: this fails when it drifts
    /// from [`KEYS`]. Regenerate with `TOLLGATE_BLESS=1 cargo test --lib policy::keys`.
    #[test]
    fn docs_policy_reference_is_generated_from_the_keys() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/policy-reference.md");
        let rendered = render_markdown();
        if std::env::var_os("TOLLGATE_BLESS").is_some() {
            std::fs::write(&path, &rendered).unwrap();
            return;
        }
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            on_disk == rendered,
            "docs/policy-reference.md differs from src/policy/keys.rs; \
             regenerate it with `TOLLGATE_BLESS=1 cargo test --lib policy::keys` and commit it"
        );
    }
}
