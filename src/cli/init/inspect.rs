//! What `tollgate init` learns about the repository before writing anything:
//! the Cargo workspace, criterion benchmarks, existing workflows and their
//! jobs, a changelog, evidence already at the default paths, and the user's
//! SSH signing key and email. Every finding is best effort: what cannot be
//! found is reported as not found, and the generated files say so.

use std::path::{Path, PathBuf};

use crate::evidence::coverage::{read_coverage_file, CoverageReport, ReadOptions};
use crate::git::git;
use crate::overrides::signers::RSA_REFUSED;

/// Where the tools write their evidence by default (and where the generated
/// workflows put it): cargo-llvm-cov `--output-path`, nextest's `ci`
/// profile, `cargo audit --json >`, criterion's output directory.
pub(super) const COVERAGE: &str = "target/lcov.info";
pub(super) const TESTS: &str = "target/nextest/ci/junit.xml";
pub(super) const AUDIT: &str = "target/audit.json";
pub(super) const CRITERION: &str = "target/criterion";

/// Changelog locations looked at, in order.
const CHANGELOGS: &[&str] = &[
    "CHANGELOG.md",
    "docs/CHANGELOG.md",
    "CHANGES.md",
    "HISTORY.md",
    "NEWS.md",
    "changelog.md",
];

/// Workflow files `init` writes itself: their jobs are not candidates for
/// `[checks] required`.
pub(super) const OWN_WORKFLOWS: &[&str] = &[
    "tollgate-evidence.yml",
    "tollgate-judge.yml",
    "tollgate-review.yml",
    "release.yml",
];

/// Everything `init` found.
#[derive(Debug, Default)]
pub(super) struct Findings {
    /// The repository root (git top level, else the current directory).
    pub root: PathBuf,
    /// Whether `root` is inside a git work tree.
    pub in_git: bool,
    /// The Cargo workspace at the root, if any.
    pub cargo: Option<Cargo>,
    /// Criterion benchmark ids under `target/criterion`, with their current
    /// point estimate in nanoseconds.
    pub bench_ids: Vec<(String, Option<f64>)>,
    /// Line coverage of `target/lcov.info` when it exists and reads.
    pub coverage: Option<f64>,
    /// Jobs of the existing workflows (other than the ones `init` writes).
    pub workflows: Vec<Workflow>,
    /// The changelog's repository-relative path.
    pub changelog: Option<String>,
    /// The user's email (`git config user.email`).
    pub email: Option<String>,
    /// The signing key found, or why none was used.
    pub key: KeyFinding,
}

/// The Cargo workspace.
#[derive(Debug, Default)]
pub(super) struct Cargo {
    /// Member packages and their versions.
    pub packages: Vec<(String, String)>,
    /// `[[bench]]` targets with `harness = false` (criterion's way).
    pub benches: Vec<String>,
    /// How the members were found.
    pub source: &'static str,
}

/// One workflow file and the jobs a check could require.
#[derive(Debug)]
pub(super) struct Workflow {
    /// File name under `.github/workflows/`.
    pub file: String,
    /// The workflow's `name:` (what `workflow_run` matches), else the file name.
    pub name: String,
    /// Whether it runs on `pull_request` (a check a pull request can wait for).
    pub on_pull_request: bool,
    /// Check-run names of its plain jobs (`name:` else the id); jobs with a
    /// matrix or an `if:` are left out: their check names vary or may not appear.
    pub jobs: Vec<String>,
}

/// The signing key.
#[derive(Debug, Default)]
pub(super) enum KeyFinding {
    /// Nothing found.
    #[default]
    None,
    /// A usable key.
    Found {
        /// Where it came from, for the summary.
        from: String,
        /// The public key line (`ssh-ed25519 AAAA... comment`).
        line: String,
    },
    /// Keys found but not usable, with the reasons.
    Refused(Vec<String>),
}

impl Findings {
    /// Inspects the repository that contains `dir`.
    pub(super) fn inspect(dir: &Path) -> Self {
        let top = git(dir, &["rev-parse", "--show-toplevel"]);
        let in_git = top.is_some();
        let root = top.map_or_else(|| dir.to_path_buf(), PathBuf::from);
        let cargo = cargo(&root);
        let email = git(&root, &["config", "user.email"]).filter(|e| !e.is_empty());
        Self {
            bench_ids: bench_ids(&root),
            coverage: coverage(&root),
            workflows: workflows(&root),
            changelog: CHANGELOGS
                .iter()
                .find(|c| root.join(c).is_file())
                .map(|c| (*c).to_owned()),
            key: signing_key(&root),
            email,
            cargo,
            in_git,
            root,
        }
    }

    /// The required-check candidates: jobs of workflows that run on pull requests.
    pub(super) fn required_checks(&self) -> Vec<(&Workflow, &str)> {
        self.workflows
            .iter()
            .filter(|w| w.on_pull_request)
            .flat_map(|w| w.jobs.iter().map(move |j| (w, j.as_str())))
            .collect()
    }
}

/// The workspace members: `cargo metadata --no-deps --offline` first (it
/// knows globs, defaults and inheritance), else `Cargo.toml` read directly.
fn cargo(root: &Path) -> Option<Cargo> {
    let manifest = root.join("Cargo.toml");
    if !manifest.is_file() {
        return None;
    }
    let metadata = cargo_metadata::MetadataCommand::new()
        .manifest_path(&manifest)
        .no_deps()
        .other_options(vec!["--offline".to_owned()])
        .exec();
    if let Ok(metadata) = metadata {
        let members = metadata.workspace_packages();
        let mut out = Cargo {
            source: "cargo metadata",
            ..Cargo::default()
        };
        for p in members {
            out.packages.push((p.name.clone(), p.version.to_string()));
            // cargo metadata does not say `harness`: the manifest does.
            if let Some(m) = read_toml(p.manifest_path.as_std_path()) {
                out.benches.extend(criterion_benches(&m));
            }
        }
        out.packages.sort();
        out.benches.sort();
        out.benches.dedup();
        return Some(out);
    }
    Some(cargo_from_manifests(root, &manifest))
}

/// `Cargo.toml` read with `toml`: the root package and the literal or
/// `dir/*` members of `[workspace] members`.
fn cargo_from_manifests(root: &Path, manifest: &Path) -> Cargo {
    let mut out = Cargo {
        source: "Cargo.toml (cargo metadata failed)",
        ..Cargo::default()
    };
    let Some(doc) = read_toml(manifest) else {
        return out;
    };
    let mut manifests = vec![doc.clone()];
    let members = doc
        .get("workspace")
        .and_then(|w| w.get("members"))
        .and_then(toml::Value::as_array)
        .cloned()
        .unwrap_or_default();
    for member in members.iter().filter_map(toml::Value::as_str) {
        let dirs: Vec<PathBuf> = match member.strip_suffix("/*") {
            Some(parent) => std::fs::read_dir(root.join(parent))
                .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).collect())
                .unwrap_or_default(),
            None => vec![root.join(member)],
        };
        manifests.extend(dirs.iter().filter_map(|d| read_toml(&d.join("Cargo.toml"))));
    }
    for m in &manifests {
        let Some(package) = m.get("package") else {
            continue;
        };
        let name = package.get("name").and_then(toml::Value::as_str);
        // `version.workspace = true` and a missing version both read as "?".
        let version = package
            .get("version")
            .and_then(toml::Value::as_str)
            .unwrap_or("?");
        if let Some(name) = name {
            out.packages.push((name.to_owned(), version.to_owned()));
        }
        out.benches.extend(criterion_benches(m));
    }
    out.packages.sort();
    out.benches.sort();
    out
}

/// `[[bench]]` targets with `harness = false`: criterion's (and divan's) way.
fn criterion_benches(manifest: &toml::Table) -> Vec<String> {
    manifest
        .get("bench")
        .and_then(toml::Value::as_array)
        .into_iter()
        .flatten()
        .filter(|b| b.get("harness").and_then(toml::Value::as_bool) == Some(false))
        .filter_map(|b| b.get("name").and_then(toml::Value::as_str))
        .map(str::to_owned)
        .collect()
}

fn read_toml(path: &Path) -> Option<toml::Table> {
    std::fs::read_to_string(path).ok()?.parse().ok()
}

/// Benchmark ids from an existing `target/criterion`, read by tollgate's own
/// criterion reader (so the ids are exactly the ones a policy globs).
fn bench_ids(root: &Path) -> Vec<(String, Option<f64>)> {
    let dir = root.join(CRITERION);
    if !dir.is_dir() {
        return Vec::new();
    }
    let mut ids: Vec<(String, Option<f64>)> = crate::evidence::bench::read_criterion(&dir, None)
        .map(|benches| {
            benches
                .into_iter()
                .map(|b| {
                    let ns = b.value_ns();
                    (b.id, ns)
                })
                .collect()
        })
        .unwrap_or_default();
    ids.sort_by(|a, b| a.0.cmp(&b.0));
    ids
}

/// Line coverage of an existing `target/lcov.info`, so the thresholds
/// written are ones the project meets today.
fn coverage(root: &Path) -> Option<f64> {
    let path = root.join(COVERAGE);
    if !path.is_file() {
        return None;
    }
    let mut report = CoverageReport::new();
    read_coverage_file(&path, &ReadOptions::default(), &mut report).ok()?;
    report.totals().lines.percent()
}

/// The workflows in `.github/workflows`, read line by line: `name:`, the
/// `on:` block and the job keys under `jobs:`. Cheap on purpose (no YAML
/// parser at run time); what it misreads only lands in comments and in a
/// `[checks] required` the user reviews.
fn workflows(root: &Path) -> Vec<Workflow> {
    let dir = root.join(".github/workflows");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
        .collect();
    files.sort();
    files
        .iter()
        .filter_map(|path| {
            let file = path.file_name()?.to_string_lossy().into_owned();
            if OWN_WORKFLOWS.contains(&file.as_str()) {
                return None;
            }
            let text = std::fs::read_to_string(path).ok()?;
            Some(read_workflow(file, &text))
        })
        .collect()
}

/// One workflow's name, triggers and plain jobs (see [`workflows`]).
pub(super) fn read_workflow(file: String, text: &str) -> Workflow {
    let mut name = None;
    let mut on_pull_request = false;
    let mut jobs: Vec<(String, Option<String>, bool)> = Vec::new();
    let mut section = "";
    let mut job_indent = None;
    for raw in text.lines() {
        let line = strip_comment(raw);
        if line.trim().is_empty() {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let trimmed = line.trim();
        if indent == 0 {
            job_indent = None;
            let (key, value) = trimmed.split_once(':').unwrap_or((trimmed, ""));
            section = match key.trim_matches(['"', '\'']) {
                "name" => {
                    name = Some(unquote(value));
                    ""
                }
                "on" | "true" => {
                    on_pull_request |= value.contains("pull_request");
                    "on"
                }
                "jobs" => "jobs",
                _ => "",
            };
            continue;
        }
        match section {
            "on" => {
                let key = trimmed.trim_start_matches("- ");
                on_pull_request |= key == "pull_request"
                    || key.starts_with("pull_request:")
                    || key.starts_with("pull_request ")
                    || trimmed.contains("[pull_request")
                    || trimmed.contains(" pull_request,")
                    || trimmed.contains(" pull_request]");
            }
            "jobs" => {
                let ji = *job_indent.get_or_insert(indent);
                if indent == ji {
                    if let Some(id) = trimmed.strip_suffix(':') {
                        jobs.push((unquote(id), None, false));
                    }
                } else if indent > ji {
                    if let Some(job) = jobs.last_mut() {
                        let (key, value) = trimmed.split_once(':').unwrap_or((trimmed, ""));
                        match key {
                            // Only the job's own keys, one level below its id.
                            "name" if job.1.is_none() && indent <= ji + 4 => {
                                job.1 = Some(unquote(value));
                            }
                            "strategy" | "if" if indent <= ji + 4 => job.2 = true,
                            _ => {}
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Workflow {
        name: name
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| file.clone()),
        file,
        on_pull_request,
        jobs: jobs
            .into_iter()
            .filter(|(_, name, conditional)| {
                !conditional && !name.as_deref().is_some_and(|n| n.contains("${{"))
            })
            .map(|(id, name, _)| name.unwrap_or(id))
            .collect(),
    }
}

fn strip_comment(line: &str) -> &str {
    // A `#` starts a comment at the line start or after a space (not inside
    // `${{ }}` or a quoted value in the shapes workflows use).
    if line.trim_start().starts_with('#') {
        return "";
    }
    match line.find(" #") {
        Some(i) if !line[..i].contains(['"', '\'']) => &line[..i],
        _ => line,
    }
}

fn unquote(value: &str) -> String {
    value.trim().trim_matches(['"', '\'']).to_owned()
}

/// The user's SSH signing key: `git config user.signingkey` (a path or a
/// literal key, when `gpg.format` is `ssh`), else `~/.ssh/id_ed25519.pub`,
/// `~/.ssh/id_ecdsa.pub`. RSA keys are never used (tollgate cannot verify them).
fn signing_key(root: &Path) -> KeyFinding {
    let mut refused = Vec::new();
    let format = git(root, &["config", "gpg.format"]).unwrap_or_default();
    let configured = git(root, &["config", "user.signingkey"]).filter(|_| format == "ssh");
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let expand = |p: &str| -> PathBuf {
        match (p.strip_prefix("~/"), &home) {
            (Some(rest), Some(home)) => home.join(rest),
            _ => PathBuf::from(p),
        }
    };
    let mut candidates: Vec<(String, Option<String>)> = Vec::new();
    if let Some(value) = configured {
        let literal = value.strip_prefix("key::").unwrap_or(&value);
        if literal.starts_with("ssh-")
            || literal.starts_with("ecdsa-")
            || literal.starts_with("sk-")
        {
            candidates.push((
                "git config user.signingkey".to_owned(),
                Some(literal.to_owned()),
            ));
        } else {
            let path = expand(&value);
            let public = if path.extension().is_some_and(|x| x == "pub") {
                path
            } else {
                PathBuf::from(format!("{}.pub", path.display()))
            };
            let text = std::fs::read_to_string(&public).ok();
            candidates.push((
                format!("{} (git config user.signingkey)", public.display()),
                text,
            ));
        }
    }
    if let Some(home) = &home {
        for name in ["id_ed25519.pub", "id_ecdsa.pub", "id_rsa.pub"] {
            let path = home.join(".ssh").join(name);
            if let Ok(text) = std::fs::read_to_string(&path) {
                candidates.push((path.display().to_string(), Some(text)));
            }
        }
    }
    for (from, text) in candidates {
        let Some(text) = text else {
            refused.push(format!("{from}: cannot read the public key"));
            continue;
        };
        let line = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("");
        match check_key(line) {
            Ok(()) => {
                return KeyFinding::Found {
                    from,
                    line: line.to_owned(),
                }
            }
            Err(reason) => refused.push(format!("{from}: {reason}")),
        }
    }
    if refused.is_empty() {
        KeyFinding::None
    } else {
        KeyFinding::Refused(refused)
    }
}

/// Whether tollgate can verify signatures of this public key line.
pub(super) fn check_key(line: &str) -> Result<(), String> {
    let algorithm = line.split_whitespace().next().unwrap_or("");
    match algorithm {
        "ssh-ed25519" | "ecdsa-sha2-nistp256" | "ecdsa-sha2-nistp384" => {
            ssh_key::PublicKey::from_openssh(line)
                .map(|_| ())
                .map_err(|e| format!("not an OpenSSH public key: {e}"))
        }
        "ssh-rsa" => Err(RSA_REFUSED.to_owned()),
        "" => Err("empty".to_owned()),
        other => Err(format!(
            "{other} keys are not supported; use an ed25519 or ECDSA (P-256, P-384) key"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_jobs_name_their_check_runs() {
        let text = "name: ci\non:\n  pull_request:\n  push:\n    branches: [main]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - name: not a job\n        run: cargo test\n  lint:\n    name: clippy # the check name\n    runs-on: x\n  matrix:\n    strategy:\n      matrix: { os: [a, b] }\n  late:\n    if: github.event_name == 'push'\n";
        let wf = read_workflow("ci.yml".into(), text);
        assert_eq!(wf.name, "ci");
        assert!(wf.on_pull_request);
        assert_eq!(wf.jobs, ["test", "clippy"]);
    }

    #[test]
    fn push_only_workflows_are_not_pull_request_checks() {
        let wf = read_workflow(
            "nightly.yml".into(),
            "on: [push]\njobs:\n  a:\n    runs-on: x\n",
        );
        assert_eq!(wf.name, "nightly.yml");
        assert!(!wf.on_pull_request);
        let wf = read_workflow(
            "b.yml".into(),
            "on: [push, pull_request]\njobs:\n  a:\n    runs-on: x\n",
        );
        assert!(wf.on_pull_request);
    }

    #[test]
    fn rsa_and_unknown_keys_are_refused() {
        assert!(check_key("ssh-rsa AAAA x").unwrap_err().contains("RSA"));
        assert!(check_key("ssh-dss AAAA x").is_err());
        assert!(check_key("ssh-ed25519 notbase64").is_err());
    }
}
