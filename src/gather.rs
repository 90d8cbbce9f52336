//! Evidence gathering: turns the validated configuration, the gate's policy,
//! the context and the places evidence comes from into
//! [`eval::Evidence`](crate::eval::Evidence).
//!
//! Two places are kept apart on purpose. Evidence files (coverage, audit,
//! tests, benchmarks) are read from an *evidence root*: the working tree in
//! `tollgate check`, an uploaded artefact directory for a privileged judge
//! that must not run the change's code. The *repository* is the trusted tree:
//! `Cargo.lock`, the manifests, the changelog, `[[documents]]` and the git
//! history come from it, never from the evidence root. On a release tag that
//! tree is the tagged one (the release's own version, lockfile and
//! changelog), while the policy and `allowed_signers` come from the release
//! branch: `[[documents]]` markers then count only where that branch has
//! them too ([`Request::base`]). Reading fails closed:
//! evidence that is configured but absent is [`Slot::Missing`], evidence that
//! exists but cannot be understood is an error.

use std::any::Any;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::eval::{
    ChangedAfterCoverage, ChangelogFinding, ChangelogState, Context, ContextKind, Evidence,
    ManifestsNotCommitted, ReleaseEvidence, Slot, StaleEvidence, DECIDED_IN_CI,
};
use crate::evidence::coverage::{read_coverage_file, CoverageFormat, CoverageReport, ReadOptions};
use crate::evidence::diff::GitDiffError;
use crate::evidence::release::TagError;
use crate::evidence::{audit, bench, diff, documents, junit, release, EvidenceError};
use crate::git;
use crate::github::{GitHubClient, GitHubError, RepoRef};
use crate::policy::{Config, DocumentPolicy, FileSource, Policy, ReleasePolicy};

/// Where the run's evidence comes from.
#[derive(Debug, Clone, Copy)]
pub struct Roots<'a> {
    /// Where evidence files are read from: configured (relative) evidence
    /// paths resolve against it. Command-line paths are taken as given.
    pub evidence: &'a Path,
    /// The trusted repository tree: `Cargo.lock`, `Cargo.toml`, the
    /// changelog, documents, the git history, and the root that coverage
    /// source paths are made relative to.
    pub repository: &'a Path,
}

/// Evidence paths and options given on the command line; each replaces its
/// `[evidence]` setting in `tollgate.toml` (prefixes to strip add to it).
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// Coverage reports.
    pub coverage: Vec<PathBuf>,
    /// The base commit's coverage reports (`--coverage-baseline`).
    pub coverage_baseline: Vec<PathBuf>,
    /// Whether `[evidence] coverage_baseline` may be read from the evidence
    /// root. Off for the judge: its evidence root is a pull request's
    /// artifact, which the change under review wrote, and a base it wrote
    /// could excuse any drop.
    pub baseline_from_evidence_root: bool,
    /// What the report names [`Inputs::coverage_baseline`] by, when the
    /// files' own paths say nothing (a temporary download of the base
    /// commit's evidence run): `commit abc123's evidence run …`.
    pub coverage_baseline_label: Option<String>,
    /// What was looked for when no baseline was found (the judge's search
    /// of the default branch's evidence runs), for the rule's message.
    pub coverage_baseline_expected: Vec<String>,
    /// Extra prefixes to strip from coverage source paths.
    pub strip_prefix: Vec<String>,
    /// The format every coverage report must be (`--coverage-format`).
    pub coverage_format: Option<CoverageFormat>,
    /// A cargo-audit `--json` report.
    pub audit: Option<PathBuf>,
    /// `JUnit` XML test reports.
    pub tests: Vec<PathBuf>,
    /// Benchmark results.
    pub bench: Vec<PathBuf>,
    /// The benchmark baseline.
    pub bench_baseline: Option<PathBuf>,
    /// Base ref to diff `HEAD` against outside a pull request (`--base`).
    pub base: Option<String>,
}

/// The run's repository on GitHub, for reviews, checks and a pull
/// request's files.
#[derive(Debug, Clone, Copy)]
pub struct GitHub<'a> {
    /// An authenticated client.
    pub client: &'a GitHubClient,
    /// `owner/name`.
    pub repo: &'a RepoRef,
}

/// Watches reads of evidence files that may take a while, so a front end
/// can show progress without this module knowing how.
pub trait Watch {
    /// Called as `path` starts being read; the read is over when the
    /// returned guard is dropped.
    fn reading(&self, path: &Path) -> Box<dyn Any>;
}

/// No progress shown.
#[derive(Debug, Clone, Copy, Default)]
pub struct Quiet;

impl Watch for Quiet {
    fn reading(&self, _path: &Path) -> Box<dyn Any> {
        Box::new(())
    }
}

/// Everything gathering needs to know about the run.
pub struct Request<'a> {
    /// The validated `tollgate.toml`.
    pub config: &'a Config,
    /// The gate's validated policy (which sections need evidence).
    pub policy: &'a Policy,
    /// What is judged.
    pub context: &'a Context,
    /// The head commit of a pull request, for the changed-lines diff.
    pub head: Option<&'a str>,
    /// Where evidence and trusted files are read from.
    pub roots: Roots<'a>,
    /// The trusted tree's files when the repository tree is not the trusted
    /// one: a pull request's base commit, a release tag's branch (paths
    /// relative to [`Roots::repository`]). A `[[documents]]` marker counts
    /// only where the trusted tree has it too, so a change (or a tag on an
    /// unreviewed commit) cannot approve itself. `None` when the repository
    /// tree is itself the trusted one (a push, a local run).
    pub base: Option<&'a dyn FileSource>,
    /// Command-line evidence paths.
    pub inputs: &'a Inputs,
    /// GitHub, when a token and a repository are known.
    pub github: Option<GitHub<'a>>,
    /// Progress for slow reads.
    pub watch: &'a dyn Watch,
    /// The judged commit, when the working tree is that commit and the
    /// evidence files were made on it (a local run): file times are then
    /// compared with it ([`Evidence::stale`]). `None` in CI and for the
    /// judge, whose files come from a fresh checkout or an artifact.
    pub freshness: Option<&'a Freshness>,
}

/// The commit evidence files should be newer than.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Freshness {
    /// The commit judged.
    pub commit: String,
    /// Its committer time.
    pub committed: DateTime<Utc>,
}

impl Freshness {
    /// `HEAD` of the repository at `root` and its committer time.
    #[must_use]
    pub fn of_head(root: &Path) -> Option<Self> {
        let line = git::git(root, &["log", "-1", "--format=%H %ct", "HEAD"])?;
        let (commit, seconds) = line.split_once(' ')?;
        Some(Self {
            commit: commit.to_owned(),
            committed: DateTime::from_timestamp(seconds.parse().ok()?, 0)?,
        })
    }
}

/// A file's modification time, if the platform keeps one.
fn modified(path: &Path) -> Option<DateTime<Utc>> {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .map(DateTime::<Utc>::from)
}

/// When an evidence file was written: its modification time, or for a file
/// git tracks unmodified (a committed report, a fixture) the time of the
/// last commit that changed it, since a checkout sets its file time to
/// whenever the checkout happened. `true` when the time is a commit's.
fn written_at(root: &Path, path: &Path) -> Option<(DateTime<Utc>, bool)> {
    let full = std::fs::canonicalize(path).ok()?;
    let full_text = full.to_string_lossy();
    let tracked = git::git(root, &["ls-files", "--error-unmatch", "--", &full_text]).is_some()
        && git::git(root, &["status", "--porcelain", "--", &full_text])
            .is_some_and(|s| s.is_empty());
    if tracked {
        if let Some(seconds) = git::git(root, &["log", "-1", "--format=%ct", "--", &full_text])
            .and_then(|t| t.parse().ok())
        {
            return DateTime::from_timestamp(seconds, 0).map(|t| (t, true));
        }
    }
    modified(path).map(|t| (t, false))
}

/// The evidence files older than the judged commit. Whole seconds: the
/// commit time has no finer resolution, and a report written in the
/// second the commit was made is not older than it.
fn stale_files(
    root: &Path,
    freshness: &Freshness,
    kinds: &[(&str, &[PathBuf])],
) -> Vec<StaleEvidence> {
    let mut out = Vec::new();
    for (what, paths) in kinds {
        for path in *paths {
            // Files only: a criterion directory's time says nothing of its contents.
            if !path.is_file() {
                continue;
            }
            let Some((written, _)) = written_at(root, path) else {
                continue;
            };
            if written.timestamp() < freshness.committed.timestamp() {
                out.push(StaleEvidence {
                    what: (*what).to_owned(),
                    // Named as configured, relative to the repository.
                    path: path
                        .strip_prefix(root)
                        .unwrap_or(path)
                        .display()
                        .to_string(),
                    written,
                    commit: freshness.commit.clone(),
                    committed: freshness.committed,
                });
            }
        }
    }
    out
}

/// Changed files the working tree modified after the (oldest) coverage
/// report was written: a report that cannot describe the change.
fn changed_after_coverage(
    repository: &Path,
    coverage: &[PathBuf],
    changes: &diff::ChangedLines,
) -> Vec<ChangedAfterCoverage> {
    // A committed report's file time is its checkout's: only a report
    // written in the working tree is compared with the files there.
    let Some((report, written)) = coverage
        .iter()
        .filter_map(|p| match written_at(repository, p) {
            Some((t, false)) => Some((p, t)),
            _ => None,
        })
        .min_by_key(|(_, t)| *t)
    else {
        return Vec::new();
    };
    changes
        .files
        .keys()
        .filter_map(|path| {
            let modified = modified(&repository.join(path))?;
            (modified > written).then(|| ChangedAfterCoverage {
                path: path.clone(),
                modified,
                report: report.display().to_string(),
                written,
            })
        })
        .collect()
}

/// Why evidence could not be gathered (absent evidence is not an error:
/// it is a [`Slot::Missing`] the rules judge).
#[derive(Debug, thiserror::Error)]
pub enum GatherError {
    /// An evidence file exists but could not be read or understood.
    #[error(transparent)]
    Evidence(#[from] EvidenceError),
    /// The release tag does not fit the configured tag pattern.
    #[error(transparent)]
    Tag(#[from] TagError),
    /// `git diff --base...HEAD` failed for an explicit `--base`.
    #[error(transparent)]
    Diff(#[from] GitDiffError),
    /// GitHub could not be reached or refused, after retries.
    #[error(transparent)]
    GitHub(#[from] GitHubError),
}

/// Gathers every kind of evidence the run can obtain. Sign-offs are left
/// empty: they come from signed documents judged by [`crate::overrides`].
pub fn gather(req: &Request<'_>) -> Result<Evidence, GatherError> {
    let Request {
        config,
        policy,
        context,
        roots,
        inputs,
        ..
    } = req;
    let configured = &config.evidence;
    let mut strip_prefix = configured.strip_prefix.clone();
    strip_prefix.extend(inputs.strip_prefix.iter().cloned());
    let opts = ReadOptions {
        repo_root: roots.repository.to_path_buf(),
        strip_prefix,
        format: inputs.coverage_format,
    };
    let audit_paths = paths(
        inputs.audit.as_slice(),
        configured.audit.as_slice(),
        roots.evidence,
    )?;
    // A configured baseline, like any configured evidence path, must stay
    // inside the evidence root (a symlink out of it is refused).
    let baseline = match (&inputs.bench_baseline, &configured.bench_baseline) {
        (Some(given), _) => Some(given.clone()),
        (None, Some(b)) => {
            let path = roots.evidence.join(b);
            crate::input::confine(&path, roots.evidence).map_err(EvidenceError::from)?;
            Some(path)
        }
        (None, None) => None,
    };
    // Read only where benchmarks are judged: the record means nothing to a
    // gate without them.
    let bench_commits = match &configured.bench_commits {
        Some(path) if policy.benchmarks.is_some() && roots.evidence.join(path).is_file() => {
            Some(bench::read_bench_commits(&roots.evidence.join(path))?)
        }
        _ => None,
    };
    let bench_rounds = match &bench_commits {
        Some(record) => read_bench_rounds(record, configured, roots.evidence)?,
        None => Vec::new(),
    };
    // A base that did not build wrote no baseline file: its benchmarks are
    // new ones, not missing evidence.
    let baseline =
        baseline.filter(|b| b.exists() || bench_commits.as_ref().is_none_or(|r| r.base_ran));
    let coverage_paths = paths(&inputs.coverage, &configured.coverage, roots.evidence)?;
    let test_paths = paths(&inputs.tests, &configured.tests, roots.evidence)?;
    // Refused (a path out of the evidence root) only where it always was,
    // after the coverage, audit and tests.
    let bench_paths = paths(&inputs.bench, &configured.bench, roots.evidence);
    let (coverage, (tests, bench)) =
        read_beside_coverage(&coverage_paths, &opts, req.watch, || {
            (
                read_tests(&test_paths),
                read_bench_at(&bench_paths, baseline.as_deref()),
            )
        });
    let mut evidence = Evidence {
        coverage: coverage?,
        coverage_baseline: coverage_baseline(req, &opts)?,
        changes: changed_lines(req)?,
        audit: read_audit(&audit_paths, req.watch)?,
        lockfile: lockfile(roots.repository),
        tests: tests?,
        bench: bench_paths.and(bench)?,
        release: match &policy.release {
            Some(p) => release_evidence(roots.repository, config, context, p)?,
            None => Slot::NotApplicable {
                reason: "the policy has no [release] section".to_owned(),
            },
        },
        documents: policy
            .documents
            .iter()
            .map(|d| {
                (
                    d.id.clone(),
                    find_documents(roots.repository, req.base, d).map_err(Arc::new),
                )
            })
            .collect(),
        ..Evidence::default()
    };
    if let Some(freshness) = req.freshness {
        evidence.stale = stale_files(
            roots.repository,
            freshness,
            &[
                ("coverage report", &coverage_paths),
                ("cargo-audit report", &audit_paths),
                ("test report", &test_paths),
            ],
        );
        if let (Some(changes), Some(_)) = (evidence.changes.value(), evidence.coverage.value()) {
            evidence.changed_after_coverage =
                changed_after_coverage(roots.repository, &coverage_paths, changes);
        }
    }
    if evidence.bench.value().is_some() {
        evidence.bench_rounds = bench_rounds;
        bench_comparison(&mut evidence, req, baseline.as_deref(), bench_commits);
    }
    github_evidence(&mut evidence, context, req.github)?;
    Ok(evidence)
}

/// [`read_bench`] where its paths were not refused; where they were, a
/// placeholder nobody sees (the refusal is the error `gather` returns).
fn read_bench_at(
    paths: &Result<Vec<PathBuf>, GatherError>,
    baseline: Option<&Path>,
) -> Result<Slot<Vec<bench::Benchmark>>, GatherError> {
    match paths {
        Ok(paths) => read_bench(paths, baseline),
        Err(_) => Ok(Slot::Missing {
            expected: Vec::new(),
        }),
    }
}

/// The trusted tree's `Cargo.lock`, if it has a readable one.
fn lockfile(repository: &Path) -> Option<(String, String)> {
    crate::input::read_input(
        &repository.join("Cargo.lock"),
        crate::input::InputKind::Report,
    )
    .ok()
    .and_then(|bytes| String::from_utf8(bytes).ok())
    .map(|text| ("Cargo.lock".to_owned(), text))
}

/// Reads the coverage here while `others` (the test and benchmark reports)
/// runs on a thread of its own: they depend on nothing else gathered, and
/// the coverage is the largest input by far. The caller takes the results
/// in the order it always read them, so the error reported when several
/// inputs are bad is the one it always was.
fn read_beside_coverage<T: Send>(
    coverage_paths: &[PathBuf],
    opts: &ReadOptions,
    watch: &dyn Watch,
    others: impl Fn() -> T + Send + Sync + Copy,
) -> (Result<Slot<CoverageReport>, GatherError>, T) {
    std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .name("gather".to_owned())
            .spawn_scoped(scope, others);
        let coverage = read_coverage(coverage_paths, opts, watch);
        let others = match spawned {
            // A panic there is one here, as if it had run here.
            Ok(thread) => thread
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            // No thread to be had: read them here.
            Err(_) => others(),
        };
        (coverage, others)
    })
}

/// Each round of a repeated comparison the record names: a tree it names
/// but that is not there is missing evidence, an input error.
fn read_bench_rounds(
    record: &bench::BenchCommits,
    configured: &crate::policy::EvidencePaths,
    evidence_root: &Path,
) -> Result<Vec<bench::BenchRound>, GatherError> {
    record
        .rounds
        .iter()
        .map(|round| {
            // Only the rounds directory is taken from a pull request's
            // artifact (docs/benchmarks.md): a round elsewhere is not one
            // this run's benchmark step kept.
            let allowed = configured.bench_rounds.as_deref().map(Path::new);
            if !allowed.is_some_and(|dir| Path::new(round).starts_with(dir)) {
                return Err(GatherError::from(EvidenceError::Malformed {
                    path: PathBuf::from(&record.source),
                    line: 1,
                    message: format!(
                        "`rounds` entry {round:?} is not inside [evidence] bench_rounds ({})",
                        configured.bench_rounds.as_deref().unwrap_or("not set")
                    ),
                }));
            }
            Ok(bench::BenchRound {
                source: round.clone(),
                benchmarks: bench::read_criterion(&evidence_root.join(round), None)?,
            })
        })
        .collect()
}

/// What the benchmark figures were compared with: the run's record of the
/// commits it measured (untrusted, checked by the rule), the baseline file,
/// and the merge base the trusted history gives for the judged commits.
fn bench_comparison(
    evidence: &mut Evidence,
    req: &Request<'_>,
    baseline: Option<&Path>,
    commits: Option<bench::BenchCommits>,
) {
    evidence.bench_baseline = baseline.map(|b| b.display().to_string());
    evidence.bench_commits = commits;
    if let (Some(base), Some(head)) = (&req.context.base, &req.context.commit) {
        // A fork's head may be absent from the judge's clone: then only the
        // base commit GitHub reports is accepted.
        evidence.merge_base = git::git(req.roots.repository, &["merge-base", base, head])
            .filter(|sha| !sha.is_empty());
    }
}

/// The files of one `[[documents]]` rule in the repository tree; with a
/// trusted `base` (a pull request), a marker counts only where the base
/// commit's copy has it too.
fn find_documents(
    repository: &Path,
    base: Option<&dyn FileSource>,
    doc: &DocumentPolicy,
) -> Result<Vec<documents::DocumentMatch>, documents::DocumentsError> {
    let mut found = documents::find_documents(repository, &doc.matcher, doc.marker.as_deref())?;
    if let (Some(base), Some(marker)) = (base, doc.marker.as_deref()) {
        documents::require_marker_at_base(&mut found, marker, |path| {
            base.read(Path::new(path))
                .map_err(|source| EvidenceError::Io {
                    path: PathBuf::from(format!("{path} ({})", base.describe())),
                    source,
                })
        })?;
    }
    Ok(found)
}

/// Evidence paths: command-line paths are taken as given (relative to the
/// current directory, as a shell user expects); configured ones are relative
/// to the evidence root.
///
/// A configured path must stay inside the evidence root once symlinks are
/// followed: a link in the evidence directory to a file elsewhere (`/etc`,
/// another checkout) is an input error, not evidence.
fn paths(
    cli: &[PathBuf],
    configured: &[String],
    evidence_root: &Path,
) -> Result<Vec<PathBuf>, GatherError> {
    if cli.is_empty() {
        configured
            .iter()
            .map(|p| {
                let path = evidence_root.join(p);
                crate::input::confine(&path, evidence_root).map_err(EvidenceError::from)?;
                Ok(path)
            })
            .collect()
    } else {
        Ok(cli.to_vec())
    }
}

/// Added lines of the change under review: the pull request's
/// `base...head`, or `--base...HEAD` locally.
fn changed_lines(req: &Request<'_>) -> Result<Slot<diff::ChangedLines>, GatherError> {
    let repo = req.roots.repository;
    let context = req.context;
    if let (Some(base), Some(head)) = (&context.base, req.head) {
        if git::has_commit(repo, base) && git::has_commit(repo, head) {
            return Ok(match diff::git_changed_lines(repo, base, head) {
                Ok(changes) => Slot::Present {
                    value: changes,
                    sources: vec![format!("git diff {base}...{head}")],
                },
                Err(e) => Slot::Missing {
                    expected: vec![e.to_string()],
                },
            });
        }
        // Not enough local history: the pull request's files API has the same diff.
        if let (Some(github), Some(number)) = (req.github, context.pull_request) {
            let files = github.client.pr_files(github.repo, number)?;
            let mut changes = diff::ChangedLines::default();
            for file in &files {
                // Files without a patch (binary, too large) changed all the same.
                changes.touched.insert(file.path.clone());
                changes.touched.extend(file.previous_path.clone());
                if let Some(patch) = &file.patch {
                    diff::add_patch(&mut changes, &file.path, patch);
                }
            }
            return Ok(Slot::Present {
                value: changes,
                sources: vec![format!("pull request #{number} files")],
            });
        }
        return Ok(Slot::Missing {
            expected: vec![format!(
                "the diff {base}...{head} (fetch history with fetch-depth: 0, or provide a token)"
            )],
        });
    }
    if let Some(base) = &req.inputs.base {
        let changes = diff::git_changed_lines(repo, base, "HEAD")?;
        return Ok(Slot::Present {
            value: changes,
            sources: vec![format!("git diff {base}...HEAD")],
        });
    }
    Ok(Slot::NotApplicable {
        reason:
            "no base to compare with: patch coverage applies to pull requests and to --base REF"
                .to_owned(),
    })
}

/// Data that needs GitHub when no token is at hand: `unknown` in a dry run,
/// missing (so failing) in CI.
fn unreachable<T>(context: &Context, what: &str) -> Slot<T> {
    if context.local {
        Slot::Unavailable {
            reason: format!("{DECIDED_IN_CI}: {what} are read from GitHub, not in a local run"),
        }
    } else if context.dry_run {
        Slot::Unavailable {
            reason: format!("no GitHub token: set GITHUB_TOKEN (or --token) to read {what}"),
        }
    } else {
        Slot::Missing {
            expected: vec![format!("{what} from the GitHub API (no token was given)")],
        }
    }
}

/// Reviews and other checks, read from GitHub when a token allows.
fn github_evidence(
    evidence: &mut Evidence,
    context: &Context,
    github: Option<GitHub<'_>>,
) -> Result<(), GatherError> {
    evidence.reviews = match (context.pull_request, github) {
        (Some(number), Some(github)) => Slot::Present {
            value: github.client.review_evidence(github.repo, number)?,
            sources: vec![format!("pull request #{number} reviews")],
        },
        (Some(_), None) => unreachable(context, "pull-request reviews"),
        // The local dry run previews the pull-request gate: reviews will
        // matter in CI, so they are unknown here rather than skipped.
        (None, _) if context.local => Slot::Unavailable {
            reason: format!(
                "{DECIDED_IN_CI}: reviews are read from the pull request, not in a local run"
            ),
        },
        (None, _) if context.kind == ContextKind::Local => Slot::Unavailable {
            reason: "no pull request to read reviews from (pass --pr N with GITHUB_TOKEN set)"
                .to_owned(),
        },
        (None, _) => Slot::NotApplicable {
            reason: format!(
                "reviews apply to pull requests, not to a {} event",
                context.kind
            ),
        },
    };
    evidence.checks = match (&context.commit, github) {
        (Some(sha), Some(github)) => Slot::Present {
            value: github.client.commit_checks(github.repo, sha)?,
            sources: vec![format!("checks on {sha}")],
        },
        _ => unreachable(context, "check runs"),
    };
    Ok(())
}

/// Reads one kind of evidence from its configured files, failing closed:
/// nothing configured, or any file absent, is missing evidence (the rules
/// name what was expected); a file that exists but cannot be understood is an
/// input error from `read`.
fn read_evidence<T>(
    paths: &[PathBuf],
    read: impl FnOnce(&[PathBuf]) -> Result<Slot<T>, GatherError>,
) -> Result<Slot<T>, GatherError> {
    let missing: Vec<String> = paths
        .iter()
        .filter(|p| !p.exists())
        .map(|p| p.display().to_string())
        .collect();
    if paths.is_empty() || !missing.is_empty() {
        return Ok(Slot::Missing { expected: missing });
    }
    read(paths)
}

fn sources(paths: &[PathBuf]) -> Vec<String> {
    paths.iter().map(|p| p.display().to_string()).collect()
}

/// Coverage reports, merged across every file given.
fn read_coverage(
    paths: &[PathBuf],
    opts: &ReadOptions,
    watch: &dyn Watch,
) -> Result<Slot<CoverageReport>, GatherError> {
    read_evidence(paths, |paths| {
        let mut report = CoverageReport::new();
        for path in paths {
            let _reading = watch.reading(path);
            read_coverage_file(path, opts, &mut report)?;
        }
        Ok(Slot::Present {
            value: report,
            sources: sources(paths),
        })
    })
}

/// The base commit's coverage: the command line's files, else the
/// configured ones (unless the evidence root is not to be trusted with
/// them). None at all is `unknown` in a local or dry run and missing, so
/// failing, in CI, as other evidence is.
fn coverage_baseline(
    req: &Request<'_>,
    opts: &ReadOptions,
) -> Result<Slot<CoverageReport>, GatherError> {
    let inputs = req.inputs;
    let configured = &req.config.evidence.coverage_baseline;
    let paths = if !inputs.coverage_baseline.is_empty() {
        inputs.coverage_baseline.clone()
    } else if inputs.baseline_from_evidence_root {
        configured
            .iter()
            .map(|p| {
                let path = req.roots.evidence.join(p);
                crate::input::confine(&path, req.roots.evidence).map_err(EvidenceError::from)?;
                Ok(path)
            })
            .collect::<Result<Vec<_>, GatherError>>()?
    } else {
        Vec::new()
    };
    if !paths.is_empty() {
        let mut slot = read_coverage(&paths, opts, req.watch)?;
        if let (Slot::Present { sources, .. }, Some(label)) =
            (&mut slot, &inputs.coverage_baseline_label)
        {
            *sources = vec![label.clone()];
        }
        return Ok(slot);
    }
    if !inputs.coverage_baseline_expected.is_empty() {
        return Ok(Slot::Missing {
            expected: inputs.coverage_baseline_expected.clone(),
        });
    }
    let context = req.context;
    let how = "pass the base commit's coverage report with --coverage-baseline FILE";
    Ok(if context.local {
        Slot::Unavailable {
            reason: format!("{DECIDED_IN_CI}: no coverage baseline was given ({how})"),
        }
    } else if context.dry_run {
        Slot::Unavailable {
            reason: format!("no coverage baseline was given: {how}"),
        }
    } else if !configured.is_empty() && !inputs.baseline_from_evidence_root {
        Slot::Missing {
            expected: vec![format!(
                "the base's coverage from a trusted source: [evidence] coverage_baseline ({}) is not read from a pull request's artifact",
                configured.join(", ")
            )],
        }
    } else {
        Slot::Missing {
            expected: Vec::new(),
        }
    })
}

fn read_audit(
    paths: &[PathBuf],
    watch: &dyn Watch,
) -> Result<Slot<audit::AuditReport>, GatherError> {
    read_evidence(paths, |paths| {
        let mut report = audit::AuditReport::default();
        for path in paths {
            let _reading = watch.reading(path);
            report.merge(audit::read_audit(path)?);
        }
        Ok(Slot::Present {
            value: report,
            sources: sources(paths),
        })
    })
}

fn read_tests(paths: &[PathBuf]) -> Result<Slot<junit::TestRun>, GatherError> {
    read_evidence(paths, |paths| {
        Ok(Slot::Present {
            value: junit::read_junit_files(paths)?,
            sources: sources(paths),
        })
    })
}

fn read_bench(
    paths: &[PathBuf],
    baseline: Option<&Path>,
) -> Result<Slot<Vec<bench::Benchmark>>, GatherError> {
    read_evidence(paths, |paths| {
        let mut current = bench::read_benches(paths)?;
        let mut all_sources = sources(paths);
        if let Some(baseline) = baseline {
            if !baseline.exists() {
                return Ok(Slot::Missing {
                    expected: vec![baseline.display().to_string()],
                });
            }
            let base = bench::read_bench(baseline)?;
            let unmatched = bench::pair_baseline(&mut current, &base.benchmarks);
            all_sources.push(format!("baseline {}", baseline.display()));
            if !unmatched.is_empty() {
                all_sources.push(format!(
                    "baseline entries without a current result: {}",
                    unmatched.join(", ")
                ));
            }
        }
        Ok(Slot::Present {
            value: current,
            sources: all_sources,
        })
    })
}

/// The release tag, the workspace's package versions and the changelog
/// section, all from the trusted repository.
fn release_evidence(
    repository: &Path,
    config: &Config,
    context: &Context,
    policy: &ReleasePolicy,
) -> Result<Slot<ReleaseEvidence>, GatherError> {
    let Some(tag) = &context.tag else {
        return Ok(Slot::Missing {
            expected: Vec::new(),
        });
    };
    let tag = release::parse_tag(tag, &config.tag_pattern)?;
    let packages = if policy.version_matches_tag {
        release::workspace_versions(&repository.join("Cargo.toml")).map_err(Arc::new)
    } else {
        Ok(Vec::new())
    };
    // The judged commit, when the local repository has it: release files
    // and manifests are then read as it holds them.
    let commit = context
        .commit
        .as_deref()
        .filter(|c| git::has_commit(repository, c));
    let changelog = match &policy.changelog {
        Some(path) => Some(ChangelogFinding {
            path: path.clone(),
            state: changelog_state(repository, commit, path, &tag.version.to_string())?,
        }),
        None => None,
    };
    let manifests_not_committed = match (&packages, commit) {
        (Ok(found), Some(commit)) if !found.is_empty() => {
            manifests_not_committed(repository, commit, found)
        }
        _ => None,
    };
    Ok(Slot::Present {
        value: ReleaseEvidence {
            tag,
            packages,
            changelog,
            manifests_not_committed,
        },
        sources: Vec::new(),
    })
}

/// The manifests `packages` were read from (the workspace's `Cargo.toml`
/// and each package's) that the working tree holds otherwise than
/// `commit`; `None` when none does. `cargo metadata` reads the working
/// tree, which is the commit in CI, but locally may hold a version bump not
/// yet committed: judged as it stands, the tag would pass here and fail in
/// CI. A manifest outside the repository, or one git cannot compare, counts
/// as differing.
fn manifests_not_committed(
    repository: &Path,
    commit: &str,
    packages: &[release::PackageVersion],
) -> Option<ManifestsNotCommitted> {
    let root = repository
        .canonicalize()
        .unwrap_or_else(|_| repository.to_path_buf());
    let mut inside = vec!["Cargo.toml".to_owned()];
    let mut outside = Vec::new();
    for package in packages {
        let manifest = package
            .manifest_path
            .canonicalize()
            .unwrap_or_else(|_| package.manifest_path.clone());
        match manifest.strip_prefix(&root) {
            Ok(relative) => {
                let relative = relative.to_string_lossy().replace('\\', "/");
                if !inside.contains(&relative) {
                    inside.push(relative);
                }
            }
            Err(_) => outside.push(manifest.display().to_string()),
        }
    }
    let mut paths = git::differing_from_commit(repository, commit, &inside).unwrap_or(inside);
    paths.extend(outside);
    (!paths.is_empty()).then(|| ManifestsNotCommitted {
        commit: commit.to_owned(),
        paths,
    })
}

/// The changelog's section for `version`, read from the judged `commit` when
/// the local repository has it (an untracked or uncommitted changelog must
/// not count; in CI the checkout is that commit, so this reads the same
/// text), else from the repository tree.
fn changelog_state(
    repository: &Path,
    commit: Option<&str>,
    path: &str,
    version: &str,
) -> Result<ChangelogState, GatherError> {
    let full = repository.join(path);
    let Some(commit) = commit else {
        return Ok(if full.exists() {
            match release::read_changelog_section(&full, version)? {
                Some(section) => ChangelogState::Section(section),
                None => ChangelogState::NoSection,
            }
        } else {
            ChangelogState::FileMissing
        });
    };
    let at_commit = git::GitRevision {
        repo: repository.to_path_buf(),
        rev: commit.to_owned(),
    };
    let committed = at_commit
        .read(Path::new(path))
        .map_err(|source| EvidenceError::Io {
            path: PathBuf::from(format!("{path} (commit {commit})")),
            source,
        })?;
    Ok(match committed {
        Some(bytes) => {
            match release::changelog_section(&String::from_utf8_lossy(&bytes), version) {
                Some(section) => ChangelogState::Section(section),
                None => ChangelogState::NoSection,
            }
        }
        None if full.exists() => ChangelogState::NotCommitted {
            commit: commit.to_owned(),
        },
        None => ChangelogState::FileMissing,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LCOV: &str = "SF:src/lib.rs\nDA:1,1\nDA:2,0\nend_of_record\n";

    /// A gate with no sections: gathering still reads whatever is configured.
    fn empty_policy() -> Policy {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("g.toml"),
            "schema = 1\nname = \"g\"\nversion = \"1.0.0\"\n",
        )
        .unwrap();
        crate::policy::load_policy(
            &crate::policy::WorkingTree::new(dir.path()),
            Path::new("g.toml"),
        )
        .unwrap()
    }

    fn config_with(coverage: &[&str]) -> Config {
        let mut config = Config::default();
        config.evidence.coverage = coverage.iter().map(|&s| s.to_owned()).collect();
        config
    }

    fn gather_in(
        evidence_root: &Path,
        repository: &Path,
        config: &Config,
        inputs: &Inputs,
    ) -> Evidence {
        let policy = empty_policy();
        let context = Context {
            dry_run: true,
            ..Context::default()
        };
        gather(&Request {
            config,
            policy: &policy,
            context: &context,
            head: None,
            roots: Roots {
                evidence: evidence_root,
                repository,
            },
            base: None,
            inputs,
            github: None,
            watch: &Quiet,
            freshness: None,
        })
        .unwrap()
    }

    #[test]
    fn configured_paths_resolve_against_the_evidence_root_not_the_repository() {
        let evidence = tempfile::tempdir().unwrap();
        let repository = tempfile::tempdir().unwrap();
        std::fs::create_dir(evidence.path().join("reports")).unwrap();
        std::fs::write(evidence.path().join("reports/lcov.info"), LCOV).unwrap();
        std::fs::write(repository.path().join("Cargo.lock"), "# lock\n").unwrap();
        let config = config_with(&["reports/lcov.info"]);
        let got = gather_in(
            evidence.path(),
            repository.path(),
            &config,
            &Inputs::default(),
        );
        let report = got
            .coverage
            .value()
            .expect("coverage read from the evidence root");
        assert_eq!(report.totals().lines.found, 2);
        assert_eq!(report.totals().lines.hit, 1);
        // The lockfile is trusted: it comes from the repository.
        assert_eq!(
            got.lockfile,
            Some(("Cargo.lock".to_owned(), "# lock\n".to_owned()))
        );

        // The same configuration against the repository finds nothing: fail closed.
        let got = gather_in(
            repository.path(),
            repository.path(),
            &config,
            &Inputs::default(),
        );
        match got.coverage {
            Slot::Missing { expected } => {
                assert_eq!(
                    expected,
                    vec![repository
                        .path()
                        .join("reports/lcov.info")
                        .display()
                        .to_string()]
                );
            }
            other => panic!("expected missing coverage, got {other:?}"),
        }
    }

    #[test]
    fn command_line_paths_replace_the_configured_ones_as_given() {
        let dir = tempfile::tempdir().unwrap();
        let given = dir.path().join("elsewhere.info");
        std::fs::write(&given, LCOV).unwrap();
        let inputs = Inputs {
            coverage: vec![given.clone()],
            ..Inputs::default()
        };
        let got = gather_in(
            Path::new("/nonexistent"),
            dir.path(),
            &config_with(&["not/there.info"]),
            &inputs,
        );
        let Slot::Present { sources, .. } = got.coverage else {
            panic!("coverage from the command line");
        };
        assert_eq!(sources, vec![given.display().to_string()]);
    }

    #[test]
    fn nothing_configured_is_missing_and_github_data_is_unknown_in_a_dry_run() {
        let dir = tempfile::tempdir().unwrap();
        let got = gather_in(
            dir.path(),
            dir.path(),
            &Config::default(),
            &Inputs::default(),
        );
        // Nothing configured: the tools' default paths, absent here.
        let lcov = dir.path().join("target/lcov.info").display().to_string();
        assert!(matches!(got.coverage, Slot::Missing { ref expected } if *expected == [lcov]));
        assert!(matches!(got.audit, Slot::Missing { .. }));
        assert!(matches!(got.changes, Slot::NotApplicable { .. }));
        assert!(matches!(got.reviews, Slot::Unavailable { .. }));
        assert!(matches!(got.checks, Slot::Unavailable { .. }));
        assert!(matches!(got.release, Slot::NotApplicable { .. }));
    }

    #[test]
    fn malformed_evidence_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("audit.json"), "{").unwrap();
        let policy = empty_policy();
        let inputs = Inputs {
            audit: Some(dir.path().join("audit.json")),
            ..Inputs::default()
        };
        let err = gather(&Request {
            config: &Config::default(),
            policy: &policy,
            context: &Context::default(),
            head: None,
            roots: Roots {
                evidence: dir.path(),
                repository: dir.path(),
            },
            base: None,
            inputs: &inputs,
            github: None,
            watch: &Quiet,
            freshness: None,
        })
        .unwrap_err();
        assert!(matches!(err, GatherError::Evidence(_)), "{err:?}");
        assert!(err.to_string().contains("audit.json"), "{err}");
    }
}
