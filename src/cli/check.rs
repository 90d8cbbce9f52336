//! `tollgate check`: resolve what is judged and by which policy, gather the
//! evidence, evaluate, and report.

use std::path::{Path, PathBuf};

use super::overrides;
use super::progress::Progress;
use super::publish;
use super::remote::{self, ContentsAt, Remote};
use super::{print_out, repo_root, use_color, write_atomic, CheckArgs, RunError};
use crate::context::{self, ActionsContext, Trigger};
use crate::eval::{
    self, ChangelogFinding, ChangelogState, Context, Evidence, ReleaseEvidence, Slot, Verdict,
};
use crate::evidence::coverage::{read_coverage_file, CoverageReport, ReadOptions};
use crate::evidence::{audit, bench, diff, documents, junit, release};
use crate::exit;
use crate::git::{self, GitRevision};
use crate::policy::{self, Config, FileSource, Policy, ReleasePolicy, WorkingTree};
use crate::report;

/// What is judged, where its policy comes from, and what evidence to expect.
struct Situation<'r> {
    context: Context,
    /// The trusted source of `tollgate.toml` and policies.
    trusted: Box<dyn FileSource + 'r>,
    /// Head commit of a pull request (for the changed-lines diff).
    head: Option<String>,
    /// The Actions environment, when running there.
    actions: Option<ActionsContext>,
    /// Notes about how the situation was resolved (e.g. where the policy came from).
    notes: Vec<String>,
}

pub(super) fn run(args: &CheckArgs) -> Result<u8, RunError> {
    let root = repo_root(args.config.as_deref());
    let actions = actions_context(args)?;
    let token = remote::token(args.token.as_deref())?;
    if let (Some(token), Some(_)) = (&token, &actions) {
        // Before anything else is printed: Actions then masks the token in every log line.
        if let Some(mask) = crate::report::github::add_mask(token.expose_secret()) {
            println!("{mask}");
        }
    }
    let started_at = chrono::Utc::now();
    let repository = remote::repository(&root, actions.as_ref().map(|a| a.repository.as_str()));
    let remote = remote::connect(
        token.as_ref(),
        actions.as_ref().map(|a| a.api_url.as_str()),
        repository.as_deref(),
    )?;
    let situation = resolve(&root, args, actions, remote.as_ref(), repository)?;
    let config_path = config_path(&root, args);
    let config = policy::load_config(
        situation.trusted.as_ref(),
        &config_path,
        args.config.is_some(),
    )?;
    let mut context = situation.context.clone();
    let gate = choose_gate(args, &config, &context)?;
    let policy_path = Path::new(&config.policy_dir).join(format!("{gate}.toml"));
    let policy = policy::load_policy(situation.trusted.as_ref(), &policy_path)?;
    context.dry_run = args.dry_run || (!args.github && situation.actions.is_none());

    let mut evidence = gather(
        &root,
        args,
        &config,
        &situation,
        &context,
        &policy,
        remote.as_ref(),
    )?;
    // Signed documents: sign-offs are evidence, overrides apply to the verdict.
    let documents = overrides::judge_documents(
        &args.overrides,
        situation.trusted.as_ref(),
        &policy_path,
        &policy,
        &context,
    )?;
    evidence.signoffs = overrides::signoffs(&documents);
    let mut verdict = eval::evaluate(&policy, &evidence, &context, chrono::Utc::now());
    crate::overrides::apply(&mut verdict, &documents);
    verdict.notes.extend(situation.notes.iter().cloned());
    if let Some(note) = policy_change_note(&root, &situation, &policy_path, &policy) {
        verdict.notes.push(note);
    }
    emit(&verdict, args)?;
    if args.github {
        if let Some(actions) = &situation.actions {
            let report_path = match (&args.output, args.format) {
                (Some(path), report::Format::Json) => path.clone(),
                _ => publish::default_report_path(&verdict.gate),
            };
            publish::report_to_github(
                &verdict,
                actions,
                remote.as_ref(),
                &report_path,
                started_at,
            )?;
        }
    }
    Ok(if verdict.passed() {
        exit::PASSED
    } else {
        exit::FAILED
    })
}

fn actions_context(args: &CheckArgs) -> Result<Option<ActionsContext>, RunError> {
    let var = |name: &str| std::env::var(name).ok();
    let ctx = context::actions_context(&var).map_err(|e| RunError::Usage(e.to_string()))?;
    if args.github && ctx.is_none() {
        return Err(RunError::Usage(
            "--github needs the GitHub Actions environment (GITHUB_ACTIONS=true, GITHUB_EVENT_PATH, ...)".to_owned(),
        ));
    }
    Ok(ctx)
}

/// `tollgate.toml`, relative to the repository root when it lies inside it,
/// so that it can be read from the base commit as well as the working tree.
fn config_path(root: &Path, args: &CheckArgs) -> PathBuf {
    match &args.config {
        Some(path) => path.strip_prefix(root).map_or_else(
            |_| path.file_name().map_or_else(|| path.clone(), PathBuf::from),
            Path::to_path_buf,
        ),
        None => PathBuf::from("tollgate.toml"),
    }
}

fn resolve<'r>(
    root: &Path,
    args: &CheckArgs,
    actions: Option<ActionsContext>,
    remote: Option<&'r Remote>,
    repository: Option<String>,
) -> Result<Situation<'r>, RunError> {
    let mut context = Context {
        repository,
        tag: args.tag.clone(),
        base: args.base.clone(),
        ..Context::default()
    };
    let mut head = None;
    let mut notes = Vec::new();
    let mut pr_base = None;
    match actions.as_ref().map(|a| &a.trigger) {
        None => {
            if args.tag.is_some() { "tag" } else { "local" }.clone_into(&mut context.kind);
            context.commit = git::git(root, &["rev-parse", "HEAD"]);
            if let Some(number) = args.pr {
                context.pull_request = Some(number);
                if let Some(remote) = remote {
                    let pr = remote
                        .client
                        .pull_request(&remote.repo, number)
                        .map_err(|e| RunError::GitHub(e.to_string()))?;
                    context.commit = Some(pr.head_sha.clone());
                    context.base = Some(pr.base_sha.clone());
                    head = Some(pr.head_sha);
                    pr_base = Some(pr.base_sha);
                }
            }
        }
        Some(Trigger::PullRequest {
            number,
            head_sha,
            base_sha,
            ..
        }) => {
            "pull_request".clone_into(&mut context.kind);
            context.commit = Some(head_sha.clone());
            context.pull_request = Some(*number);
            context.base = Some(base_sha.clone());
            head = Some(head_sha.clone());
            pr_base = Some(base_sha.clone());
        }
        Some(Trigger::Tag { name, sha }) => {
            "tag".clone_into(&mut context.kind);
            context.tag = Some(args.tag.clone().unwrap_or_else(|| name.clone()));
            context.commit = Some(sha.clone());
        }
        Some(Trigger::Push { sha, .. }) => {
            "push".clone_into(&mut context.kind);
            context.commit = Some(sha.clone());
        }
        Some(Trigger::Other { event, sha }) => {
            context.kind.clone_from(event);
            context.commit = Some(sha.clone());
        }
    }
    // A pull request cannot lower its own bar: its policy comes from the base commit.
    let trusted: Box<dyn FileSource + 'r> = match pr_base {
        None => Box::new(WorkingTree::new(root)),
        Some(base) if git::has_commit(root, &base) => Box::new(GitRevision { repo: root.to_path_buf(), rev: base }),
        Some(base) => match remote {
            Some(remote) => {
                notes.push(format!("policy read from base commit {base} through the GitHub contents API (not in the local clone)"));
                Box::new(ContentsAt { remote, rev: base })
            }
            None => {
                return Err(RunError::Usage(format!(
                    "the pull request's base commit {base} is not in the local clone and no GitHub token is available, \
                     so the trusted policy cannot be read; check out with history (actions/checkout fetch-depth: 0) or set GITHUB_TOKEN"
                )))
            }
        },
    };
    Ok(Situation {
        context,
        trusted,
        head,
        actions,
        notes,
    })
}

/// Picks the gate: `--gate`, else the tag's gate, else by event.
fn choose_gate(args: &CheckArgs, config: &Config, context: &Context) -> Result<String, RunError> {
    if let Some(tag) = &context.tag {
        let tag = release::parse_tag(tag, &config.tag_pattern)
            .map_err(|e| RunError::Usage(e.to_string()))?;
        if args.gate.is_none() {
            return Ok(if tag.is_prerelease() {
                config.gates.prerelease.clone()
            } else {
                config.gates.release.clone()
            });
        }
    }
    Ok(args
        .gate
        .clone()
        .unwrap_or_else(|| match context.kind.as_str() {
            "push" => config.gates.push.clone(),
            _ => config.gates.pull_request.clone(),
        }))
}

/// Evidence paths: command-line paths are taken as given (relative to the
/// current directory, as a shell user expects); configured ones are relative
/// to the repository root.
fn paths(cli: &[String], configured: &[String], root: &Path) -> Vec<PathBuf> {
    if cli.is_empty() {
        configured.iter().map(|p| root.join(p)).collect()
    } else {
        cli.iter().map(PathBuf::from).collect()
    }
}

fn gather(
    root: &Path,
    args: &CheckArgs,
    config: &Config,
    situation: &Situation<'_>,
    context: &Context,
    gate: &Policy,
    remote: Option<&Remote>,
) -> Result<Evidence, RunError> {
    let mut strip_prefix = config.evidence.strip_prefix.clone();
    strip_prefix.extend(args.strip_prefix.iter().cloned());
    let opts = ReadOptions {
        repo_root: root.to_path_buf(),
        strip_prefix,
    };
    let mut evidence = Evidence {
        coverage: read_coverage(
            &paths(&args.coverage, &config.evidence.coverage, root),
            &opts,
        )?,
        changes: changed_lines(root, args, situation, context, remote)?,
        audit: read_audit(&paths(
            args.audit.as_slice(),
            config.evidence.audit.as_slice(),
            root,
        ))?,
        lockfile: fs_err::read_to_string(root.join("Cargo.lock"))
            .ok()
            .map(|text| ("Cargo.lock".to_owned(), text)),
        tests: read_tests(&paths(&args.tests, &config.evidence.tests, root))?,
        bench: read_bench(
            &paths(&args.bench, &config.evidence.bench, root),
            args.bench_baseline.as_ref().map(PathBuf::from).or_else(|| {
                config
                    .evidence
                    .bench_baseline
                    .as_ref()
                    .map(|b| root.join(b))
            }),
        )?,
        release: match &gate.release {
            Some(p) => release_evidence(root, config, context, p)?,
            None => Slot::NotApplicable {
                reason: "the policy has no [release] section".to_owned(),
            },
        },
        documents: gate
            .documents
            .iter()
            .map(|d| {
                (
                    d.id.clone(),
                    documents::find_documents(root, &d.matcher, d.marker.as_deref())
                        .map_err(|e| e.to_string()),
                )
            })
            .collect(),
        ..Evidence::default()
    };
    github_evidence(&mut evidence, context, remote)?;
    Ok(evidence)
}

/// Added lines of the change under review: the pull request's
/// `base...head`, or `--base...HEAD` locally.
fn changed_lines(
    root: &Path,
    args: &CheckArgs,
    situation: &Situation<'_>,
    context: &Context,
    remote: Option<&Remote>,
) -> Result<Slot<eval::ChangedLines>, RunError> {
    if let (Some(base), Some(head)) = (&context.base, &situation.head) {
        if git::has_commit(root, base) && git::has_commit(root, head) {
            return Ok(match diff::git_changed_lines(root, base, head) {
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
        if let (Some(remote), Some(number)) = (remote, context.pull_request) {
            let files = remote
                .client
                .pr_files(&remote.repo, number)
                .map_err(|e| RunError::GitHub(e.to_string()))?;
            let mut changes = eval::ChangedLines::default();
            for file in &files {
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
    if let Some(base) = &args.base {
        let changes = diff::git_changed_lines(root, base, "HEAD")
            .map_err(|e| RunError::Usage(e.to_string()))?;
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
    if context.dry_run {
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
    remote: Option<&Remote>,
) -> Result<(), RunError> {
    let github_error = |e: crate::github::GitHubError| RunError::GitHub(e.to_string());
    evidence.reviews = match (context.pull_request, remote) {
        (Some(number), Some(remote)) => Slot::Present {
            value: remote
                .client
                .review_evidence(&remote.repo, number)
                .map_err(github_error)?,
            sources: vec![format!("pull request #{number} reviews")],
        },
        (Some(_), None) => unreachable(context, "pull-request reviews"),
        // The local dry run previews the pull-request gate: reviews will
        // matter in CI, so they are unknown here rather than skipped.
        (None, _) if context.kind == "local" => Slot::Unavailable {
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
    evidence.checks = match (&context.commit, remote) {
        (Some(sha), Some(remote)) => Slot::Present {
            value: remote
                .client
                .commit_checks(&remote.repo, sha)
                .map_err(github_error)?,
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
    read: impl FnOnce(&[PathBuf]) -> Result<Slot<T>, RunError>,
) -> Result<Slot<T>, RunError> {
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

fn read_audit(paths: &[PathBuf]) -> Result<Slot<audit::AuditReport>, RunError> {
    read_evidence(paths, |paths| {
        let mut report = audit::AuditReport::default();
        for path in paths {
            let _progress = Progress::reading(path);
            report.merge(audit::read_audit(path)?);
        }
        Ok(Slot::Present {
            value: report,
            sources: sources(paths),
        })
    })
}

fn read_tests(paths: &[PathBuf]) -> Result<Slot<junit::TestRun>, RunError> {
    read_evidence(paths, |paths| {
        Ok(Slot::Present {
            value: junit::read_junit_files(paths)?,
            sources: sources(paths),
        })
    })
}

fn read_bench(
    paths: &[PathBuf],
    baseline: Option<PathBuf>,
) -> Result<Slot<Vec<bench::Benchmark>>, RunError> {
    read_evidence(paths, |paths| {
        let mut current = bench::read_benches(paths)?;
        let mut all_sources = sources(paths);
        if let Some(baseline) = baseline {
            if !baseline.exists() {
                return Ok(Slot::Missing {
                    expected: vec![baseline.display().to_string()],
                });
            }
            let base = bench::read_bench(&baseline)?;
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

fn release_evidence(
    root: &Path,
    config: &Config,
    context: &Context,
    policy: &ReleasePolicy,
) -> Result<Slot<ReleaseEvidence>, RunError> {
    let Some(tag) = &context.tag else {
        return Ok(Slot::Missing {
            expected: Vec::new(),
        });
    };
    let tag =
        release::parse_tag(tag, &config.tag_pattern).map_err(|e| RunError::Usage(e.to_string()))?;
    let packages = if policy.version_matches_tag {
        release::workspace_versions(&root.join("Cargo.toml")).map_err(|e| e.to_string())
    } else {
        Ok(Vec::new())
    };
    let changelog = match &policy.changelog {
        Some(path) => {
            let full = root.join(path);
            let state = if full.exists() {
                match release::read_changelog_section(&full, &tag.version.to_string())? {
                    Some(section) => ChangelogState::Section(section),
                    None => ChangelogState::NoSection,
                }
            } else {
                ChangelogState::FileMissing
            };
            Some(ChangelogFinding {
                path: path.clone(),
                state,
            })
        }
        None => None,
    };
    Ok(Slot::Present {
        value: ReleaseEvidence {
            tag,
            packages,
            changelog,
        },
        sources: Vec::new(),
    })
}

/// Coverage reports, merged across every file given.
fn read_coverage(paths: &[PathBuf], opts: &ReadOptions) -> Result<Slot<CoverageReport>, RunError> {
    read_evidence(paths, |paths| {
        let mut report = CoverageReport::new();
        for path in paths {
            let _progress = Progress::reading(path);
            read_coverage_file(path, opts, &mut report)?;
        }
        Ok(Slot::Present {
            value: report,
            sources: sources(paths),
        })
    })
}

/// When a pull request changes policy files, says what its own policy would
/// change; the verdict itself always comes from the base commit's policy.
fn policy_change_note(
    root: &Path,
    situation: &Situation,
    policy_path: &Path,
    base_policy: &Policy,
) -> Option<String> {
    let (Some(base), Some(head)) = (&situation.context.base, &situation.head) else {
        return None;
    };
    let changed = git::changed_paths(root, base, head, &[]);
    let touched: Vec<&String> = changed
        .iter()
        .filter(|p| {
            p.starts_with(
                policy_path
                    .parent()
                    .map(|d| d.to_string_lossy().into_owned())
                    .unwrap_or_default()
                    .as_str(),
            ) || p.as_str() == "tollgate.toml"
        })
        .collect();
    if touched.is_empty() {
        return None;
    }
    let head_source = GitRevision {
        repo: root.to_path_buf(),
        rev: head.clone(),
    };
    let summary = match policy::load_policy(&head_source, policy_path) {
        Ok(head_policy) => {
            let before = policy::describe(base_policy);
            let after = policy::describe(&head_policy);
            let keep = |l: &&str| !l.starts_with('#') && !l.trim().is_empty();
            let removed: Vec<&str> = before
                .lines()
                .filter(keep)
                .filter(|l| !after.lines().any(|a| a == *l))
                .collect();
            let added: Vec<&str> = after
                .lines()
                .filter(keep)
                .filter(|l| !before.lines().any(|b| b == *l))
                .collect();
            if removed.is_empty() && added.is_empty() {
                "the effective policy of this gate would not change".to_owned()
            } else {
                format!(
                    "after merge the gate would change: removed [{}], added [{}]",
                    removed.join("; "),
                    added.join("; ")
                )
            }
        }
        Err(e) => format!("the pull request's version of the policy is invalid: {e}"),
    };
    Some(format!(
        "this pull request changes {}; it was judged by the base commit's policy ({summary})",
        touched
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

/// Writes the report to `--output` (atomically) or standard output.
fn emit(verdict: &Verdict, args: &CheckArgs) -> Result<(), RunError> {
    if let Some(path) = &args.output {
        let text = report::render(verdict, args.format, false);
        write_atomic(path, text.as_bytes())?;
        eprintln!(
            "tollgate/{}: {} (report written to {})",
            verdict.gate,
            verdict.conclusion.as_str(),
            path.display()
        );
    } else {
        let text = report::render(verdict, args.format, use_color());
        print_out(&text);
    }
    Ok(())
}
