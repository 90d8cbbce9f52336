//! tollgate's own gate policies (`.github/tollgate/`) stay true to this
//! repository: every path they ask coverage of exists, every SLO names a
//! benchmark `benches/ingest.rs` defines, the changelog has the section a
//! tag of `Cargo.toml`'s version needs, and the sign-offs and
//! `allowed_signers` follow one principal convention (docs/releasing.md).
//! A policy that asks for `src/crypto/**` or `lookup/*` here can never
//! pass, and would only be found out on release day.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests and their helpers: a panic is a failure

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use tollgate::evidence::release::changelog_section;
use tollgate::overrides::AllowedSigners;
use tollgate::policy::{load_config, load_policy, Policy, WorkingTree};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The policy each gate of tollgate's own `tollgate.toml` names.
fn own_policies() -> Vec<Policy> {
    let tree = WorkingTree::new(root());
    let config = load_config(&tree, Path::new("tollgate.toml"), true).unwrap();
    let gates = &config.gates;
    let mut names: Vec<&str> = [
        &gates.pull_request,
        &gates.push,
        &gates.release,
        &gates.prerelease,
    ]
    .into_iter()
    .map(String::as_str)
    .collect();
    names.sort_unstable();
    names.dedup();
    assert!(
        names.contains(&"gate3"),
        "tollgate's tags are judged by gate3"
    );
    names
        .into_iter()
        .map(|name| {
            let path = Path::new(&config.policy_dir).join(format!("{name}.toml"));
            load_policy(&tree, &path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        })
        .collect()
}

fn gate3() -> Policy {
    own_policies()
        .into_iter()
        .find(|p| p.name == "gate3")
        .unwrap()
}

/// Repository-relative paths (with `/`) of every file in the tree, build
/// output and git's own files left out.
fn repository_files() -> Vec<String> {
    fn walk(dir: &Path, base: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            let name = entry.file_name();
            if name == ".git" || name == "target" {
                continue;
            }
            if entry.file_type().unwrap().is_dir() {
                walk(&path, base, out);
            } else {
                let relative = path.strip_prefix(base).unwrap();
                let parts: Vec<String> = relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                out.push(parts.join("/"));
            }
        }
    }
    let mut out = Vec::new();
    walk(root(), root(), &mut out);
    out
}

#[test]
fn every_coverage_path_glob_matches_files_in_the_repository() {
    let files = repository_files();
    assert!(files.iter().any(|f| f == "src/lib.rs"), "walked the tree");
    let mut checked = 0;
    for policy in own_policies() {
        let Some(coverage) = &policy.coverage else {
            continue;
        };
        for path in &coverage.paths {
            let matched = files.iter().filter(|f| path.matcher.is_match(f)).count();
            assert!(
                matched > 0,
                "{}: [[coverage.paths]] glob {:?} matches no file in the repository",
                policy.source.path,
                path.glob
            );
            checked += 1;
        }
    }
    assert!(
        checked >= 2,
        "gate3 asks for src/eval/** and src/overrides/**"
    );
}

/// The benchmark ids `benches/ingest.rs` defines (`group/function/value`,
/// criterion's ids), read from its source: every
/// `BenchmarkId::new("F", format!("{CONST}MB"))` after a
/// `benchmark_group("G")`, with the `const CONST: u64 = N;` filled in.
fn ingest_benchmark_ids() -> Vec<String> {
    let source = std::fs::read_to_string(root().join("benches/ingest.rs")).unwrap();
    let consts: BTreeMap<&str, &str> = source
        .lines()
        .filter_map(|line| line.trim().strip_prefix("const "))
        .filter_map(|rest| {
            let (name, rest) = rest.split_once(':')?;
            let (_, value) = rest.split_once('=')?;
            Some((name.trim(), value.trim().trim_end_matches(';').trim()))
        })
        .collect();
    let string_after = |text: &str, marker: &str| -> Option<(String, usize)> {
        let start = text.find(marker)? + marker.len();
        let end = text[start..].find('"')? + start;
        Some((text[start..end].to_owned(), end))
    };
    let mut ids = Vec::new();
    let mut group = None;
    let mut at = 0;
    loop {
        let rest = &source[at..];
        let next_group = rest.find("benchmark_group(\"");
        let next_id = rest.find("BenchmarkId::new(\"");
        match (next_group, next_id) {
            (Some(g), i) if i.is_none_or(|i| g < i) => {
                let (name, end) = string_after(&rest[g..], "benchmark_group(\"").unwrap();
                group = Some(name);
                at += g + end;
            }
            (_, Some(i)) => {
                let (function, end) = string_after(&rest[i..], "BenchmarkId::new(\"").unwrap();
                let after = &rest[i + end..];
                let (template, _) = string_after(after, "format!(\"")
                    .expect("BenchmarkId::new(\"F\", format!(\"...\")) in benches/ingest.rs");
                let mut value = template;
                for (name, number) in &consts {
                    value = value.replace(&format!("{{{name}}}"), number);
                }
                assert!(!value.contains('{'), "unresolved benchmark value {value:?}");
                let group = group
                    .clone()
                    .expect("a BenchmarkId inside a benchmark group");
                ids.push(format!("{group}/{function}/{value}"));
                at += i + end;
            }
            _ => break,
        }
    }
    ids
}

#[test]
fn the_ingest_benchmark_ids_are_read_from_the_bench_source() {
    // What criterion names them (target/criterion/lcov/tollgate/32MB, ...).
    let ids = ingest_benchmark_ids();
    assert_eq!(
        ids,
        [
            "lcov/tollgate/32MB",
            "lcov/lcov_crate/32MB",
            "cobertura/tollgate/16MB"
        ]
    );
}

#[test]
fn every_slo_names_benchmarks_the_ingest_bench_defines() {
    let ids = ingest_benchmark_ids();
    let mut checked = 0;
    for policy in own_policies() {
        let Some(benchmarks) = &policy.benchmarks else {
            continue;
        };
        for slo in &benchmarks.slo {
            let matched: Vec<&String> = ids.iter().filter(|id| slo.matcher.is_match(id)).collect();
            assert!(
                !matched.is_empty(),
                "{}: SLO {:?} matches none of benches/ingest.rs's ids {ids:?}",
                policy.source.path,
                slo.bench
            );
            // tollgate's SLOs are on tollgate's own readers, never on the
            // `lcov` crate it is compared with.
            assert!(
                matched.iter().all(|id| id.contains("/tollgate/")),
                "{}: SLO {:?} also matches {matched:?}",
                policy.source.path,
                slo.bench
            );
            checked += 1;
        }
    }
    assert!(checked >= 4, "gate2 and gate3 each set an SLO per reader");
    // A release job has no baseline to compare with (no caches), so a
    // regression rule in gate3 could never pass there.
    let gate3 = gate3();
    assert_eq!(gate3.benchmarks.unwrap().max_regression, None);
}

fn cargo_version() -> String {
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let line = manifest
        .lines()
        .find(|l| l.starts_with("version = \""))
        .unwrap();
    line.trim_start_matches("version = \"")
        .trim_end_matches('"')
        .to_owned()
}

#[test]
fn the_changelog_has_the_section_a_tag_of_the_cargo_version_needs() {
    let policy = gate3();
    let release = policy.release.as_ref().unwrap();
    assert!(release.version_matches_tag);
    let path = release.changelog.as_deref().unwrap();
    assert_eq!(path, "docs/CHANGELOG.md");
    let text = std::fs::read_to_string(root().join(path)).unwrap();

    // Tagging `v<Cargo.toml version>` passes release.changelog: the section
    // exists and says something.
    let version = cargo_version();
    let section = changelog_section(&text, &version)
        .unwrap_or_else(|| panic!("{path} has no `## [{version}]` section"));
    assert!(
        section.non_empty,
        "{path}:{}: `## {}` is empty",
        section.line, section.heading
    );

    // Keep a Changelog: `## [Unreleased]` first, then `## [X.Y.Z] - YYYY-MM-DD`,
    // newest first, each with a link reference at the bottom.
    let headings: Vec<&str> = text.lines().filter_map(|l| l.strip_prefix("## ")).collect();
    assert_eq!(headings.first(), Some(&"[Unreleased]"), "{headings:?}");
    let mut previous: Option<semver::Version> = None;
    for heading in &headings[1..] {
        let (label, date) = heading
            .split_once(" - ")
            .unwrap_or_else(|| panic!("`## {heading}`: not `[X.Y.Z] - YYYY-MM-DD`"));
        let number = label.trim_start_matches('[').trim_end_matches(']');
        let parsed = semver::Version::parse(number).unwrap();
        assert!(
            chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok(),
            "`## {heading}`: the date is not YYYY-MM-DD"
        );
        if let Some(newer) = &previous {
            assert!(&parsed < newer, "`## {heading}` is out of order");
        }
        previous = Some(parsed);
        assert!(
            text.lines()
                .any(|l| l.starts_with(&format!("[{number}]: https://"))),
            "no link reference for [{number}]"
        );
    }
    // `[Unreleased]` is no version: it never counts for a tag.
    assert!(changelog_section(&text, "0.0.0").is_none());
}

#[test]
fn signoffs_and_allowed_signers_use_the_maintainer_principals() {
    let policy = gate3();
    let ids: Vec<&str> = policy.signoffs.iter().map(|s| s.id.as_str()).collect();
    assert!(ids.contains(&"security-audit"), "{ids:?}");
    assert!(ids.contains(&"documentation-review"), "{ids:?}");
    for signoff in &policy.signoffs {
        assert_eq!(signoff.principals, ["*@tollgate-rs"], "{}", signoff.id);
        assert!(signoff.count >= 1);
    }

    // The signers file the policy names parses, and every principal it
    // lists follows the convention the sign-offs count.
    let signers = policy.overrides.signers.as_deref().unwrap();
    let policy_dir: PathBuf = root()
        .join(&policy.source.path)
        .parent()
        .unwrap()
        .to_path_buf();
    let path = policy_dir.join(signers);
    let text = std::fs::read_to_string(&path).unwrap();
    let parsed = AllowedSigners::parse(&path.display().to_string(), &text).unwrap();
    assert!(parsed.refused.is_empty(), "{:?}", parsed.refused);
    for entry in &parsed.entries {
        for identity in entry.identities() {
            assert!(
                tollgate::principals::matches("*@tollgate-rs", &identity),
                "{}: principal {identity:?} is not LOGIN@tollgate-rs (docs/releasing.md)",
                entry.location
            );
        }
        assert!(
            entry
                .namespaces
                .as_deref()
                .is_some_and(|n| tollgate::principals::matches_list(n, "tollgate")),
            "{}: namespaces=\"tollgate\"",
            entry.location
        );
        assert!(
            entry.valid_before.is_some(),
            "{}: valid-before",
            entry.location
        );
    }
}
