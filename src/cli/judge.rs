//! The privileged judge: `tollgate check --github --evidence-dir DIR` in a
//! `workflow_run` job (docs/github.md, "The judge").
//!
//! It trusts only what the change cannot write: `tollgate.toml`, the policy
//! and `allowed_signers` of each pull request's base commit (never the
//! head, never the artifact), and what the API says (open pull requests,
//! reviews, check runs, statuses, files). From the evidence run's artifact
//! it takes only the files at the configured evidence paths, parsed as
//! untrusted input; a report in the artifact is never read.
//!
//! The steps: find what the completed run is about (every open pull request
//! whose head is the run's commit, the pull request a merge group holds, or
//! a push); load each one's trusted configuration and policy; find the
//! evidence run and unpack its artifact; judge each; post one check run per
//! gate, carrying the worst outcome and listing each pull request. Posting
//! done, it exits 0 whatever the verdict.

use std::cell::RefCell;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::policy_change::policy_change_note;
use super::progress::ShowProgress;
use super::remote::Remote;
use super::situation::{self, trusted_at};
use super::{overrides, publish};
use super::{print_out, write_atomic, CheckArgs, RunError};
use crate::context::{ActionsContext, WorkflowRunEvent};
use crate::eval::{self, Context, ContextKind, CoverageTrend, TrendPoint, Verdict};
use crate::exit;
use crate::gather::{self, GatherError, Inputs, Roots};
use crate::github::artifact::{self, evidence_path, ArtifactError, Limits};
use crate::github::{workflow_file, CheckStatus, Conclusion, PullRequestInfo};
use crate::policy::{self, Config, FileSource, Policy};
use crate::report::{self, github as gh};
use crate::rules::{Family, RuleId};

/// The artifact the evidence workflow uploads.
pub(super) const ARTIFACT: &str = "tollgate-evidence";

/// The largest artifact zip downloaded.
const MAX_ZIP_BYTES: u64 = 512 * 1024 * 1024;

/// How many commits, the merge base included, are searched for the
/// base's coverage.
const BASE_WALK: usize = 10;

/// How many of the default branch's evidence runs the coverage trend
/// shows.
const TREND_RUNS: u8 = 20;

/// The most the coverage trend's artifact downloads take together: the
/// chart is decoration, and must not cost what judging does.
const TREND_MAX_BYTES: u64 = 128 * 1024 * 1024;

/// The longest the coverage trend's downloads take together.
const TREND_TIME: std::time::Duration = std::time::Duration::from_secs(60);

/// The base's coverage as the judge found it.
enum BaseCoverage {
    /// Extracted: the files, what the report calls them, and a note when
    /// an ancestor of the merge base stood in for it.
    Found {
        paths: Vec<PathBuf>,
        label: String,
        note: Option<String>,
    },
    /// None within [`BASE_WALK`] commits: what was looked for.
    NotFound { expected: String },
}

/// Whether a policy compares coverage with the base (`coverage.drop`).
fn needs_baseline(policy: &Policy) -> bool {
    policy
        .coverage
        .as_ref()
        .is_some_and(|c| c.max_drop.is_some() || c.paths.iter().any(|p| p.max_drop.is_some()))
}

/// A coverage trend as fetched, and the note on what could not be had.
type Trend = (Option<CoverageTrend>, Option<String>);

/// Everything one judging run shares.
struct Judge<'a> {
    args: &'a CheckArgs,
    root: &'a Path,
    event: &'a WorkflowRunEvent,
    remote: &'a Remote,
    /// Coverage trends already fetched, by evidence workflow and coverage
    /// paths, with their notes: several pull requests on one commit share one.
    trends: RefCell<Vec<(String, Trend)>>,
    /// The artifact the base's coverage was read from for the target being
    /// judged, and the directory its coverage files are in: the trend
    /// reads them there instead of downloading the artifact again (the
    /// merge base is usually among the default branch's recent runs).
    base_artifact: RefCell<Option<(u64, PathBuf)>>,
}

/// What is judged: a pull request (or the merge group holding one), or a push.
struct Target {
    /// `#7 → main`, `merge group of #7 → main`, `push`.
    label: String,
    kind: ContextKind,
    number: Option<u64>,
    base_ref: Option<String>,
    /// The commit the trusted files are read from (the base for a pull request).
    trusted_rev: String,
    /// The base of the diff, for a pull request.
    base_sha: Option<String>,
}

/// A target with its trusted configuration and policy.
struct Prepared<'r> {
    target: Target,
    trusted: Box<dyn FileSource + 'r>,
    config: Config,
    policy_path: PathBuf,
    policy: Policy,
    notes: Vec<String>,
}

/// Where the evidence of one evidence workflow stands.
enum EvidenceState {
    /// Unpacked into `root`.
    Ready {
        root: PathBuf,
        link: Option<String>,
        notes: Vec<String>,
    },
    /// Still running (or queued).
    Running { link: Option<String> },
    /// No usable evidence, and why.
    Failed { why: String, link: Option<String> },
}

/// How one target came out.
enum Outcome {
    /// Judged; `waiting_for` names required checks still running.
    Judged {
        verdict: Box<Verdict>,
        waiting_for: Vec<String>,
    },
    /// Waiting for the evidence run.
    Waiting { why: String, link: Option<String> },
    /// Cannot be judged on this evidence: posted as a failure.
    Failed { why: String, link: Option<String> },
}

impl Outcome {
    fn is_waiting(&self) -> bool {
        match self {
            Outcome::Judged { waiting_for, .. } => !waiting_for.is_empty(),
            Outcome::Waiting { .. } => true,
            Outcome::Failed { .. } => false,
        }
    }

    fn passed(&self) -> bool {
        matches!(self, Outcome::Judged { verdict, waiting_for } if verdict.passed() && waiting_for.is_empty())
    }

    /// How bad, for picking the run's body: a failure over a waiting run
    /// over a pass.
    fn rank(&self) -> u8 {
        match self {
            Outcome::Failed { .. } => 3,
            Outcome::Judged { verdict, .. } if !verdict.passed() && !self.is_waiting() => 3,
            _ if self.is_waiting() => 2,
            _ => 1,
        }
    }

    fn word(&self) -> &'static str {
        if self.is_waiting() {
            "waiting"
        } else if self.passed() {
            "passed"
        } else {
            "failed"
        }
    }
}

/// One target's judgement.
struct Judgement {
    label: String,
    number: Option<u64>,
    base_ref: Option<String>,
    /// The policy's name: the check run is `tollgate/GATE`.
    gate: String,
    outcome: Outcome,
}

/// Runs the judge for the `workflow_run` event `event`.
pub(super) fn run(
    args: &CheckArgs,
    root: &Path,
    actions: &ActionsContext,
    event: &WorkflowRunEvent,
    remote: Option<&Remote>,
    started_at: chrono::DateTime<chrono::Utc>,
) -> Result<u8, RunError> {
    refuse_local_inputs(args)?;
    let Some(dir) = &args.evidence_dir else {
        return Err(RunError::Usage(
            "in a workflow_run job, --github judges the evidence run's artifact: give --evidence-dir DIR".to_owned(),
        ));
    };
    let remote = remote.ok_or_else(|| {
        RunError::Usage(
            "the judge needs a token (GITHUB_TOKEN) with actions: read, checks: write, contents: read, pull-requests: read"
                .to_owned(),
        )
    })?;
    let judge = Judge {
        args,
        root,
        event,
        remote,
        trends: RefCell::new(Vec::new()),
        base_artifact: RefCell::new(None),
    };
    let targets = judge.targets()?;
    if targets.is_empty() {
        return Ok(exit::PASSED);
    }
    let prepared = targets
        .into_iter()
        .map(|t| judge.prepare(t))
        .collect::<Result<Vec<_>, _>>()?;
    // Each gate's run is marked in progress before anything is judged, so
    // that a failed final update leaves a pending check, never an earlier
    // `success` (docs/github.md, "When GitHub fails").
    let mut gates: Vec<&str> = Vec::new();
    for p in &prepared {
        if !gates.contains(&p.policy.name.as_str()) {
            gates.push(&p.policy.name);
        }
    }
    for gate in &gates {
        publish::mark_judging(gate, judge.sha(), actions, remote, Some(judge.evaluation()));
    }
    let judged = || -> Result<Vec<Judgement>, RunError> {
        let evidence = judge.evidence(dir, &prepared)?;
        let mut judgements = Vec::new();
        for p in &prepared {
            let state = evidence
                .iter()
                .find(|(workflow, _)| *workflow == p.config.evidence_workflow)
                .map(|(_, state)| state);
            judgements.push(judge.judge(p, state)?);
        }
        emit(args, event, &judgements)?;
        Ok(judgements)
    };
    let judgements = match judged() {
        Ok(judgements) => judgements,
        Err(error) => {
            // An input error completes the marks as failures saying why; a
            // GitHub failure leaves them pending.
            if !matches!(error, RunError::GitHub(_)) {
                let why = error.to_string();
                for gate in &gates {
                    publish::mark_could_not_judge(
                        gate,
                        judge.sha(),
                        actions,
                        remote,
                        Some(judge.evaluation()),
                        &why,
                    );
                }
            }
            return Err(error);
        }
    };
    let mut failure = None;
    for (gate, group) in by_gate(&judgements) {
        if let Err(e) = judge.post(&gate, &group, actions, started_at) {
            // Post every gate there is, then report the first failure.
            eprintln!(
                "error: tollgate/{gate}: {}",
                crate::terminal::safe(&e.to_string())
            );
            failure.get_or_insert(e);
        }
    }
    failure.map_or(Ok(exit::PASSED), Err)
}

/// The judge takes evidence from the artifact only.
fn refuse_local_inputs(args: &CheckArgs) -> Result<(), RunError> {
    let given = [
        ("--coverage", !args.coverage.is_empty()),
        ("--coverage-baseline", !args.coverage_baseline.is_empty()),
        ("--audit", args.audit.is_some()),
        ("--tests", !args.tests.is_empty()),
        ("--bench", !args.bench.is_empty()),
        ("--bench-baseline", args.bench_baseline.is_some()),
        ("--base", args.base.is_some()),
        ("--pr", args.pr.is_some()),
        ("--tag", args.tag.is_some()),
    ];
    let given: Vec<&str> = given.iter().filter(|(_, g)| *g).map(|(f, _)| *f).collect();
    if given.is_empty() {
        Ok(())
    } else {
        Err(RunError::Usage(format!(
            "{} cannot be used by the judge: the evidence comes from the artifact at the paths tollgate.toml \
             configures, and what is judged from the workflow_run event",
            given.join(", ")
        )))
    }
}

/// `gh-readonly-queue/BASE/pr-N-SHA` → N.
fn merge_group_number(head_branch: &str) -> Option<u64> {
    let rest = head_branch.strip_prefix("gh-readonly-queue/")?;
    let (_, last) = rest.rsplit_once('/')?;
    let digits = last.strip_prefix("pr-")?.split('-').next()?;
    digits.parse().ok()
}

fn pr_target(pr: &PullRequestInfo, label: String) -> Target {
    Target {
        label,
        kind: ContextKind::PullRequest,
        number: Some(pr.number),
        base_ref: Some(pr.base_ref.clone()),
        trusted_rev: pr.base_sha.clone(),
        base_sha: Some(pr.base_sha.clone()),
    }
}

impl<'a> Judge<'a> {
    fn sha(&self) -> &str {
        &self.event.head_sha
    }

    /// What the completed run is about, found through the API.
    fn targets(&self) -> Result<Vec<Target>, RunError> {
        let event = self.event;
        let client = &self.remote.client;
        let repo = &self.remote.repo;
        let targets = match event.event.as_str() {
            "pull_request"
            | "pull_request_target"
            | "pull_request_review"
            | "pull_request_review_comment" => client
                .open_pull_requests(repo)?
                .iter()
                .filter(|pr| pr.head_sha.eq_ignore_ascii_case(self.sha()))
                .map(|pr| pr_target(pr, format!("#{} → {}", pr.number, pr.base_ref)))
                .collect(),
            "merge_group" => {
                let Some(number) = event.head_branch.as_deref().and_then(merge_group_number) else {
                    eprintln!(
                        "tollgate: the merge group's branch {:?} names no pull request: nothing to judge",
                        event.head_branch.as_deref().unwrap_or_default()
                    );
                    return Ok(Vec::new());
                };
                let pr = client.pull_request(repo, number)?;
                vec![pr_target(
                    &pr,
                    format!("merge group of #{number} → {}", pr.base_ref),
                )]
            }
            "push" => {
                let ours = event
                    .head_repository
                    .as_deref()
                    .is_some_and(|h| h.eq_ignore_ascii_case(&repo.to_string()));
                if !ours {
                    eprintln!("tollgate: a push to another repository is not judged here");
                    return Ok(Vec::new());
                }
                vec![Target {
                    label: format!(
                        "push to {}",
                        event.head_branch.as_deref().unwrap_or("a branch")
                    ),
                    kind: ContextKind::Push,
                    number: None,
                    base_ref: event.head_branch.clone(),
                    trusted_rev: self.sha().to_owned(),
                    base_sha: None,
                }]
            }
            other => {
                eprintln!(
                    "tollgate: a {other} run of {} is not judged: the judge judges pull requests, merge groups and pushes \
                     (reviews and a base policy exist only for pull requests)",
                    event.path
                );
                return Ok(Vec::new());
            }
        };
        if targets.is_empty() {
            eprintln!(
                "tollgate: no open pull request has head {}: nothing to judge",
                self.sha()
            );
        }
        Ok(targets)
    }

    /// The target's trusted configuration, gate and policy.
    fn prepare(&self, target: Target) -> Result<Prepared<'a>, RunError> {
        let (trusted, note) = trusted_at(self.root, &target.trusted_rev, Some(self.remote))?;
        let config_path = situation::config_path(self.root, self.args);
        let config =
            policy::load_config(trusted.as_ref(), &config_path, self.args.config.is_some())?;
        super::discover::confined(&config, self.root, &config_path)?;
        let gate = self.args.gate.clone().unwrap_or_else(|| match target.kind {
            ContextKind::Push => config.gates.push.clone(),
            _ => config.gates.pull_request.clone(),
        });
        let policy_path = Path::new(&config.policy_dir).join(format!("{gate}.toml"));
        let policy = policy::load_policy(trusted.as_ref(), &policy_path)?;
        let mut notes: Vec<String> = note.into_iter().collect();
        if target.kind == ContextKind::Push {
            notes.push(
                "a push is judged by the push gate: reviews apply to pull requests only".to_owned(),
            );
        }
        Ok(Prepared {
            target,
            trusted,
            config,
            policy_path,
            policy,
            notes,
        })
    }

    /// Finds and unpacks the evidence of every evidence workflow the
    /// targets' configurations name (one, normally), into `dir`.
    fn evidence(
        &self,
        dir: &Path,
        prepared: &[Prepared<'_>],
    ) -> Result<Vec<(String, EvidenceState)>, RunError> {
        prepare_dir(dir)?;
        let mut workflows: Vec<&str> = Vec::new();
        for p in prepared {
            if !workflows.contains(&p.config.evidence_workflow.as_str()) {
                workflows.push(&p.config.evidence_workflow);
            }
        }
        let mut out = Vec::new();
        for (i, workflow) in workflows.iter().enumerate() {
            let root = if workflows.len() == 1 {
                dir.to_path_buf()
            } else {
                dir.join((i + 1).to_string())
            };
            let mut wanted = Vec::new();
            for p in prepared
                .iter()
                .filter(|p| p.config.evidence_workflow == *workflow)
            {
                let e = &p.config.evidence;
                let paths = e
                    .coverage
                    .iter()
                    .chain(&e.tests)
                    .chain(&e.bench)
                    .chain(e.audit.iter())
                    .chain(e.bench_baseline.iter())
                    .chain(e.bench_commits.iter())
                    .chain(e.bench_rounds.iter());
                wanted.extend(paths.filter_map(|p| evidence_path(p)));
            }
            out.push((
                (*workflow).to_owned(),
                self.evidence_of(workflow, &root, &wanted)?,
            ));
        }
        Ok(out)
    }

    fn evidence_of(
        &self,
        workflow: &str,
        root: &Path,
        wanted: &[String],
    ) -> Result<EvidenceState, RunError> {
        let (client, repo, event) = (&self.remote.client, &self.remote.repo, self.event);
        // The triggering run when it is the evidence run, else the newest
        // run of the evidence workflow on this commit.
        let (id, completed, conclusion, link) = if workflow_file(&event.path, repo) == workflow {
            (
                event.id,
                event.status.is_empty() || event.status == "completed",
                event.conclusion.clone(),
                event.html_url.clone(),
            )
        } else {
            let newest = client
                .workflow_runs_for_sha(repo, self.sha())?
                .into_iter()
                .filter(|r| workflow_file(&r.path, repo) == workflow)
                .filter(|r| r.head_sha.eq_ignore_ascii_case(self.sha()))
                .max_by_key(|r| (r.created_at, r.id));
            let Some(run) = newest else {
                return Ok(EvidenceState::Failed {
                    why: format!(
                        "no run of the evidence workflow {workflow} exists for {}: it did not run on this commit",
                        self.sha()
                    ),
                    link: None,
                });
            };
            (
                run.id,
                run.status == CheckStatus::Completed,
                run.conclusion.as_ref().map(|c| c.as_str().to_owned()),
                run.html_url,
            )
        };
        if !completed {
            return Ok(EvidenceState::Running { link });
        }
        if conclusion.as_deref() != Some(Conclusion::Success.as_str()) {
            return Ok(EvidenceState::Failed {
                why: format!(
                    "the evidence run concluded {}: there is no evidence to judge",
                    conclusion.as_deref().unwrap_or("without a conclusion")
                ),
                link,
            });
        }
        let artifacts = client.run_artifacts(repo, id)?;
        let Some(found) = artifacts.iter().find(|a| a.name == ARTIFACT && !a.expired) else {
            let why = if artifacts.iter().any(|a| a.name == ARTIFACT) {
                format!("the evidence run's artifact `{ARTIFACT}` has expired: re-run the evidence workflow")
            } else {
                format!("the evidence run uploaded no artifact `{ARTIFACT}`")
            };
            return Ok(EvidenceState::Failed { why, link });
        };
        if found.size_in_bytes > MAX_ZIP_BYTES {
            return Ok(EvidenceState::Failed {
                why: format!(
                    "the artifact `{ARTIFACT}` is {} bytes, more than the {MAX_ZIP_BYTES} the judge downloads",
                    found.size_in_bytes
                ),
                link,
            });
        }
        let zip = client.download_artifact(repo, found, MAX_ZIP_BYTES)?;
        std::fs::create_dir_all(root).map_err(|e| RunError::EvidenceDir {
            path: root.to_path_buf(),
            reason: e.to_string(),
        })?;
        match artifact::extract(&zip, root, wanted, &limits()) {
            Ok(extraction) => Ok(EvidenceState::Ready {
                root: root.to_path_buf(),
                link,
                notes: extraction_notes(&extraction),
            }),
            Err(ArtifactError::Write { path, source }) => Err(RunError::EvidenceDir {
                path,
                reason: source.to_string(),
            }),
            Err(e) => Ok(EvidenceState::Failed {
                why: e.to_string(),
                link,
            }),
        }
    }

    /// Judges one target on its evidence.
    fn judge(
        &self,
        p: &Prepared<'_>,
        state: Option<&EvidenceState>,
    ) -> Result<Judgement, RunError> {
        let judgement = |outcome| Judgement {
            label: p.target.label.clone(),
            number: p.target.number,
            base_ref: p.target.base_ref.clone(),
            gate: p.policy.name.clone(),
            outcome,
        };
        let (evidence_root, link, artifact_notes) = match state {
            Some(EvidenceState::Ready { root, link, notes }) => (root, link, notes),
            Some(EvidenceState::Running { link }) => {
                return Ok(judgement(Outcome::Waiting {
                    why: "waiting for the evidence run".to_owned(),
                    link: link.clone(),
                }))
            }
            Some(EvidenceState::Failed { why, link }) => {
                return Ok(judgement(Outcome::Failed {
                    why: why.clone(),
                    link: link.clone(),
                }))
            }
            None => {
                return Ok(judgement(Outcome::Failed {
                    why: "no evidence was looked for".to_owned(),
                    link: None,
                }))
            }
        };
        let context = Context {
            kind: p.target.kind.clone(),
            repository: Some(self.remote.repo.to_string()),
            commit: Some(self.sha().to_owned()),
            pull_request: p.target.number,
            base: p.target.base_sha.clone(),
            tag: None,
            dry_run: false,
            local: false,
        };
        let head = p.target.number.map(|_| self.sha().to_owned());
        // The base's coverage comes from the default branch's own evidence
        // run, never from this artifact (which the change wrote).
        let (inputs, base_notes, _base_dir) = self.baseline_inputs(p)?;
        let gathered = gather::gather(&gather::Request {
            config: &p.config,
            policy: &p.policy,
            context: &context,
            head: head.as_deref(),
            // Document markers count only as the base commit has them.
            base: p.target.number.map(|_| p.trusted.as_ref()),
            roots: Roots {
                evidence: evidence_root,
                repository: self.root,
            },
            inputs: &inputs,
            github: Some(gather::GitHub {
                client: &self.remote.client,
                repo: &self.remote.repo,
            }),
            watch: &ShowProgress,
            // Artifact files: their times say nothing about the commit.
            freshness: None,
        });
        let mut evidence = match gathered {
            Ok(evidence) => evidence,
            // A broken evidence file is the change's doing: the gate fails
            // saying so, rather than the judge going silent.
            Err(GatherError::Evidence(e)) => {
                return Ok(judgement(Outcome::Failed {
                    why: format!("an evidence file from the artifact cannot be read: {e}"),
                    link: link.clone(),
                }))
            }
            Err(e) => return Err(e.into()),
        };
        // Signed documents, from `--override` files and the pull request's
        // comments: sign-offs are evidence, overrides apply to the verdict.
        let mut submissions = overrides::read_submissions(&self.args.overrides)?;
        let (from_comments, comments_note) =
            overrides::comment_submissions(Some(self.remote), &context)?;
        submissions.extend(from_comments);
        let documents = overrides::judge_documents(
            submissions,
            p.trusted.as_ref(),
            &p.policy_path,
            &p.policy,
            &context,
        )?;
        evidence.signoffs = overrides::signoffs(&documents);
        let mut verdict = eval::evaluate(&p.policy, &evidence, &context, chrono::Utc::now());
        crate::overrides::apply(&mut verdict, &documents);
        verdict.notes.extend(p.notes.iter().cloned());
        verdict.notes.extend(artifact_notes.iter().cloned());
        verdict.notes.extend(base_notes);
        verdict.notes.extend(comments_note);
        self.add_coverage_trend(p, &mut verdict);
        verdict.notes.extend(policy_change_note(
            self.root,
            p.target.base_sha.as_deref(),
            head.as_deref(),
            &p.policy_path,
            &p.policy,
        ));
        let waiting_for = pending_required_checks(&verdict);
        Ok(judgement(Outcome::Judged {
            verdict: Box::new(verdict),
            waiting_for,
        }))
    }

    /// The gather inputs that carry the base's coverage, when the policy
    /// compares with it, the notes on where it came from, and the fresh
    /// temporary directory its files are in (removed when dropped).
    fn baseline_inputs(
        &self,
        p: &Prepared<'_>,
    ) -> Result<(Inputs, Vec<String>, Option<tempfile::TempDir>), RunError> {
        let mut inputs = Inputs::default();
        let mut base_notes = Vec::new();
        // A previous target's base is not this one's (its files are gone).
        self.base_artifact.replace(None);
        if !needs_baseline(&p.policy) {
            return Ok((inputs, base_notes, None));
        }
        let dir = tempfile::tempdir().map_err(|e| RunError::EvidenceDir {
            path: std::env::temp_dir(),
            reason: e.to_string(),
        })?;
        let into = dir.path();
        // A push compares with its first parent, a pull request with the
        // merge base.
        let base_sha = p.target.base_sha.clone().or_else(|| {
            crate::git::git(
                self.root,
                &["rev-parse", "--verify", &format!("{}^1", self.sha())],
            )
        });
        if let Some(base_sha) = &base_sha {
            match self.base_coverage(p, base_sha, self.sha(), into)? {
                BaseCoverage::Found { paths, label, note } => {
                    inputs.coverage_baseline = paths;
                    inputs.coverage_baseline_label = Some(label);
                    base_notes.extend(note);
                }
                BaseCoverage::NotFound { expected } => {
                    inputs.coverage_baseline_expected = vec![expected];
                }
            }
        }
        Ok((inputs, base_notes, Some(dir)))
    }

    /// The base's coverage report for `coverage.drop`: the artifact of the
    /// default branch's own evidence run (a push to it, of the configured
    /// evidence workflow) on the merge base of `base_sha` and `head`, or on
    /// the nearest of its first-parent ancestors that has one, at most
    /// [`BASE_WALK`] commits back. Only the configured coverage paths are
    /// taken from it, into `into`.
    fn base_coverage(
        &self,
        p: &Prepared<'_>,
        base_sha: &str,
        head: &str,
        into: &Path,
    ) -> Result<BaseCoverage, RunError> {
        let (client, repo) = (&self.remote.client, &self.remote.repo);
        let short = |sha: &str| sha.get(..12).unwrap_or(sha).to_owned();
        let Some(branch) = self.event.default_branch.as_deref() else {
            return Ok(BaseCoverage::NotFound {
                expected: "the default branch's evidence run for the merge base (the event does not name the default branch)".to_owned(),
            });
        };
        let merge_base = crate::git::git(self.root, &["merge-base", base_sha, head])
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| base_sha.to_owned());
        let limit = format!("--max-count={BASE_WALK}");
        let ancestors: Vec<String> = crate::git::git(
            self.root,
            &["rev-list", "--first-parent", &limit, &merge_base],
        )
        .map(|list| list.lines().map(str::to_owned).collect())
        .filter(|list: &Vec<String>| !list.is_empty())
        .unwrap_or_else(|| vec![merge_base.clone()]);
        let workflow = &p.config.evidence_workflow;
        let wanted: Vec<String> = p
            .config
            .evidence
            .coverage
            .iter()
            .filter_map(|c| evidence_path(c))
            .collect();
        for (back, sha) in ancestors.iter().enumerate() {
            let newest = client
                .push_runs_of_workflow(repo, workflow, sha, branch)?
                .into_iter()
                .filter(|r| r.conclusion == Some(Conclusion::Success))
                .max_by_key(|r| (r.created_at, r.id));
            let Some(run) = newest else { continue };
            let artifacts = client.run_artifacts(repo, run.id)?;
            let Some(found) = artifacts
                .iter()
                .find(|a| a.name == ARTIFACT && !a.expired && a.size_in_bytes <= MAX_ZIP_BYTES)
            else {
                continue;
            };
            let zip = client.download_artifact(repo, found, MAX_ZIP_BYTES)?;
            let dir = into.join(short(sha));
            if artifact::extract(&zip, &dir, &wanted, &limits()).is_err() {
                continue;
            }
            let paths: Vec<PathBuf> = wanted
                .iter()
                .map(|w| dir.join(w))
                .filter(|path| path.is_file())
                .collect();
            if paths.is_empty() {
                continue;
            }
            self.base_artifact.replace(Some((found.id, dir.clone())));
            let run_link = run
                .html_url
                .clone()
                .unwrap_or_else(|| format!("run {}", run.id));
            let label = format!(
                "commit {}'s evidence run on {branch} ({run_link})",
                short(sha)
            );
            let note = (back > 0).then(|| {
                format!(
                    "coverage baseline: the merge base {} has no evidence run of {branch}; the base's coverage is its ancestor {}'s, {back} commit(s) earlier",
                    short(&merge_base),
                    short(sha)
                )
            });
            return Ok(BaseCoverage::Found { paths, label, note });
        }
        Ok(BaseCoverage::NotFound {
            expected: format!(
                "the coverage of a successful {workflow} run on a push to {branch} for the merge base {} or its {} nearest ancestor(s)",
                short(&merge_base),
                ancestors.len().saturating_sub(1)
            ),
        })
    }

    /// Puts the default branch's coverage over its last [`TREND_RUNS`]
    /// evidence runs into the verdict, for the trend chart (docs/reports.md,
    /// "Coverage trend"), with a note when some or all of it could not be
    /// had. Only pushes to the
    /// default branch of the configured evidence workflow are read (never
    /// a pull request's run), and from their artifacts only the configured
    /// coverage paths. It is decoration: every failure is a note, never a
    /// rule's failure or an error.
    fn add_coverage_trend(&self, p: &Prepared<'_>, verdict: &mut Verdict) {
        // Nothing to chart against when the head has no coverage.
        if verdict.evidence.coverage.is_some() {
            let (trend, note) = self.coverage_trend(p);
            verdict.coverage_trend = trend;
            verdict.notes.extend(note);
        }
    }

    /// [`Self::add_coverage_trend`]'s trend, fetched once per evidence
    /// workflow and coverage paths.
    fn coverage_trend(&self, p: &Prepared<'_>) -> Trend {
        let Some(branch) = self.event.default_branch.as_deref() else {
            return (None, None);
        };
        let workflow = &p.config.evidence_workflow;
        let wanted: Vec<String> = p
            .config
            .evidence
            .coverage
            .iter()
            .filter_map(|c| evidence_path(c))
            .collect();
        if wanted.is_empty() {
            return (None, None);
        }
        let key = format!("{workflow}\n{}", wanted.join("\n"));
        if let Some((_, found)) = self.trends.borrow().iter().find(|(k, _)| *k == key) {
            return found.clone();
        }
        let (trend, note) = match self.fetch_trend(workflow, branch, &wanted) {
            Ok(found) => found,
            Err(why) => (None, Some(format!("coverage trend: not shown: {why}"))),
        };
        self.trends
            .borrow_mut()
            .push((key, (trend.clone(), note.clone())));
        (trend, note)
    }

    /// [`Self::coverage_trend`]'s downloads, newest run first so that the
    /// byte and time budgets keep the most recent history.
    fn fetch_trend(
        &self,
        workflow: &str,
        branch: &str,
        wanted: &[String],
    ) -> Result<Trend, String> {
        let (client, repo) = (&self.remote.client, &self.remote.repo);
        let runs = client
            .recent_push_runs_of_workflow(repo, workflow, branch, TREND_RUNS)
            .map_err(|e| e.to_string())?;
        let mut seen: Vec<String> = Vec::new();
        let runs: Vec<_> = runs
            .into_iter()
            .filter(|r| r.conclusion == Some(Conclusion::Success))
            // The newest successful run of each commit (re-runs repeat one).
            .filter(|r| {
                let sha = r.head_sha.to_ascii_lowercase();
                let fresh = !seen.contains(&sha);
                seen.push(sha);
                fresh
            })
            .collect();
        if runs.is_empty() {
            return Ok((None, None));
        }
        let dir = tempfile::tempdir().map_err(|e| format!("no temporary directory: {e}"))?;
        let opts = crate::evidence::coverage::ReadOptions::default();
        let started = std::time::Instant::now();
        let (mut spent, mut left_out) = (0_u64, 0_usize);
        let mut stopped = None;
        let mut points = Vec::new();
        for run in &runs {
            if started.elapsed() > TREND_TIME {
                stopped = Some(format!("{} s", TREND_TIME.as_secs()));
                break;
            }
            let Ok(artifacts) = client.run_artifacts(repo, run.id) else {
                left_out += 1;
                continue;
            };
            let Some(found) = artifacts.iter().find(|a| a.name == ARTIFACT && !a.expired) else {
                left_out += 1;
                continue;
            };
            // The base's artifact, already read for `coverage.drop`.
            let base_dir = self
                .base_artifact
                .borrow()
                .as_ref()
                .filter(|(id, dir)| *id == found.id && dir.is_dir())
                .map(|(_, dir)| dir.clone());
            if let Some(dir) = base_dir {
                match trend_point(run, &dir, wanted, &opts) {
                    Some(point) => points.push(point),
                    None => left_out += 1,
                }
                continue;
            }
            let budget = TREND_MAX_BYTES.saturating_sub(spent).min(MAX_ZIP_BYTES);
            if found.size_in_bytes > budget {
                stopped = Some(format!("{TREND_MAX_BYTES} bytes"));
                break;
            }
            let Ok(zip) = client.download_artifact(repo, found, budget) else {
                left_out += 1;
                continue;
            };
            spent += zip.len() as u64;
            let into = dir.path().join(run.id.to_string());
            let point = artifact::extract(&zip, &into, wanted, &limits())
                .ok()
                .and_then(|_| trend_point(run, &into, wanted, &opts));
            // The files are read: they need not wait for the rest.
            let _ = std::fs::remove_dir_all(&into);
            match point {
                Some(point) => points.push(point),
                None => left_out += 1,
            }
        }
        points.reverse();
        let mut said = Vec::new();
        if left_out > 0 {
            said.push(format!(
                "{left_out} of the default branch's last {} evidence run(s) left out: no readable coverage in their artifact",
                runs.len()
            ));
        }
        if let Some(limit) = stopped {
            said.push(format!(
                "history cut short at {} run(s): the downloads reached the trend's budget of {limit}",
                points.len()
            ));
        }
        let note = (!said.is_empty()).then(|| format!("coverage trend: {}", said.join("; ")));
        let trend = (!points.is_empty()).then(|| CoverageTrend {
            branch: branch.to_owned(),
            points,
        });
        Ok((trend, note))
    }

    /// Posts the check run `tollgate/GATE` for the judgements of one gate.
    fn post(
        &self,
        gate: &str,
        group: &[&Judgement],
        actions: &ActionsContext,
        started_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), RunError> {
        let payload = payload(gate, self.sha(), group)?
            .with_evaluation(self.evaluation())
            .with_details_url(actions.run_url.clone());
        let payload = if payload.status() == gh::CheckRunStatus::InProgress {
            payload.with_times(Some(started_at), None)
        } else {
            payload.with_times(Some(started_at), Some(chrono::Utc::now()))
        };
        let posted = self
            .remote
            .client
            .publish_check_run(&self.remote.repo, &payload)?;
        if let Some(newer) = posted.kept_newer {
            eprintln!(
                "tollgate/{gate}: not posted: the check run already holds a newer evaluation ({newer}) than this one ({})",
                self.evaluation()
            );
        } else {
            eprintln!(
                "tollgate/{gate}: {} on {} ({})",
                payload
                    .conclusion()
                    .map_or("in_progress", gh::CheckConclusion::as_str),
                self.sha(),
                group
                    .iter()
                    .map(|j| format!("{}: {}", j.label, j.outcome.word()))
                    .collect::<Vec<_>>()
                    .join("; ")
            );
        }
        Ok(())
    }

    /// This evaluation's place in time: the triggering run's completion.
    fn evaluation(&self) -> gh::Evaluation {
        gh::Evaluation {
            completed_at: self
                .event
                .updated_at
                .unwrap_or_else(chrono::Utc::now)
                .timestamp(),
            run_id: self.event.id,
            attempt: self.event.run_attempt,
        }
    }
}

/// One run's coverage totals, from the configured coverage files its
/// artifact held (unpacked into `dir`); `None` when it held none or one
/// does not read.
fn trend_point(
    run: &crate::github::WorkflowRun,
    dir: &Path,
    wanted: &[String],
    opts: &crate::evidence::coverage::ReadOptions,
) -> Option<TrendPoint> {
    let mut report = crate::evidence::coverage::CoverageReport::new();
    let mut read = 0;
    for path in wanted.iter().map(|w| dir.join(w)).filter(|p| p.is_file()) {
        crate::evidence::coverage::read_coverage_file(&path, opts, &mut report).ok()?;
        read += 1;
    }
    if read == 0 {
        return None;
    }
    let totals = report.totals();
    Some(TrendPoint {
        commit: run.head_sha.to_ascii_lowercase(),
        date: run.created_at.map(|t| t.format("%Y-%m-%d").to_string()),
        lines: totals.lines.into(),
        branches: totals.branches.into(),
    })
}

/// The unpacking limits; `TOLLGATE_ARTIFACT_MAX_FILE_BYTES` may lower the
/// per-file cap (test suites exercise it without inflating 256 MiB).
fn limits() -> Limits {
    let mut limits = Limits::default();
    if let Some(max) = std::env::var("TOLLGATE_ARTIFACT_MAX_FILE_BYTES")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        limits.max_file_bytes = limits.max_file_bytes.min(max);
    }
    limits
}

/// Creates `dir`, which must be empty if it exists.
fn prepare_dir(dir: &Path) -> Result<(), RunError> {
    let fail = |reason: String| RunError::EvidenceDir {
        path: dir.to_path_buf(),
        reason,
    };
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(fail(
                    "is not empty: the judge unpacks the artifact into an empty directory"
                        .to_owned(),
                ));
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(dir).map_err(|e| fail(e.to_string()))
        }
        Err(e) => Err(fail(e.to_string())),
    }
}

/// An untrusted name, printable: control characters replaced, cut to 120
/// characters.
fn printable(name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    report::clip_chars(&clean, 120)
}

/// Notes on what the artifact held besides the configured evidence.
fn extraction_notes(extraction: &artifact::Extraction) -> Vec<String> {
    let mut notes = Vec::new();
    if !extraction.ignored.is_empty() {
        let shown: Vec<String> = extraction
            .ignored
            .iter()
            .take(10)
            .map(|n| printable(n))
            .collect();
        let more = extraction.ignored.len().saturating_sub(shown.len());
        notes.push(format!(
            "the evidence artifact held {} file(s) that are not configured evidence, ignored unread: {}{}",
            extraction.ignored.len(),
            shown.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        ));
    }
    for (name, why) in extraction.refused.iter().take(20) {
        notes.push(format!(
            "evidence artifact entry {} refused: {why}",
            printable(name)
        ));
    }
    notes
}

/// Required checks whose latest result is still running.
fn pending_required_checks(verdict: &Verdict) -> Vec<String> {
    verdict
        .rules
        .iter()
        .filter(|r| r.status.blocks())
        .filter(|r| {
            r.actual
                .as_deref()
                .is_some_and(|a| a.split(", ").any(|part| part == "pending"))
        })
        .filter_map(|r| {
            let id = RuleId::parse(&r.id).ok()?;
            (id.family() == Family::ChecksRequired).then(|| id.key().unwrap_or_default().to_owned())
        })
        .collect()
}

/// The judgements grouped by gate, in first-seen order.
fn by_gate(judgements: &[Judgement]) -> Vec<(String, Vec<&Judgement>)> {
    let mut groups: Vec<(String, Vec<&Judgement>)> = Vec::new();
    for j in judgements {
        match groups.iter_mut().find(|(gate, _)| *gate == j.gate) {
            Some((_, group)) => group.push(j),
            None => groups.push((j.gate.clone(), vec![j])),
        }
    }
    groups
}

/// Markdown-inert text: punctuation that could build links, images,
/// mentions or tables is escaped.
fn inert(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.push(' ');
            continue;
        }
        if "\\`*_[]()<>!|@~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn link_line(link: Option<&String>) -> String {
    link.map_or_else(String::new, |l| format!("\n\nEvidence run: {}", inert(l)))
}

/// The check run for one gate: the worst outcome's body, `in_progress`
/// while anything is waiting, and a table of every pull request judged.
fn payload(gate: &str, sha: &str, group: &[&Judgement]) -> Result<gh::CheckRunPayload, RunError> {
    let name = gh::check_run_name(gate);
    let waiting = group.iter().any(|j| j.outcome.is_waiting());
    let worst = group
        .iter()
        .max_by_key(|j| (j.outcome.rank(), std::cmp::Reverse(j.number)))
        .ok_or_else(|| RunError::Usage("nothing judged".to_owned()))?;
    let passed = group.iter().all(|j| j.outcome.passed());
    let mut payload = match &worst.outcome {
        Outcome::Judged {
            verdict,
            waiting_for,
        } => {
            let built = gh::check_run(verdict)?;
            if waiting_for.is_empty() {
                built
            } else {
                let what = waiting_for
                    .iter()
                    .map(|n| inert(n))
                    .collect::<Vec<_>>()
                    .join(", ");
                built.with_title(&format!("{} waiting for {what}", inert(gate)))
            }
        }
        Outcome::Waiting { why, link } => gh::CheckRunPayload::in_progress(
            &name,
            sha,
            gh::CheckRunOutput::new(
                &format!("{gate}: {why}"),
                &format!(
                    "The judge runs again when the evidence run completes.{}",
                    link_line(link.as_ref())
                ),
                "",
                Vec::new(),
            ),
        )?,
        Outcome::Failed { why, link } => gh::CheckRunPayload::new(
            &name,
            sha,
            gh::CheckConclusion::Failure,
            gh::CheckRunOutput::new(
                &format!("{gate} failed: no evidence could be judged"),
                &format!("{}{}", inert(why), link_line(link.as_ref())),
                "Fix the evidence run (see its log) and push, or re-run it; the judge runs again when it completes.",
                Vec::new(),
            ),
        )?,
    };
    if waiting {
        payload = payload.waiting();
    } else if !passed && payload.conclusion() == Some(gh::CheckConclusion::Success) {
        // Cannot happen (the worst outcome failed), but never post green then.
        payload = gh::CheckRunPayload::new(
            &name,
            sha,
            gh::CheckConclusion::Failure,
            gh::CheckRunOutput::new(&format!("{gate} failed"), "", "", Vec::new()),
        )?;
    }
    Ok(payload.with_summary_preamble(&preamble(group)))
}

/// Which pull requests this run judges, with each one's outcome.
fn preamble(group: &[&Judgement]) -> String {
    if group.len() == 1 {
        let j = group[0];
        return format!("Judged: {} **{}**\n\n", inert(&j.label), j.outcome.word());
    }
    let mut text = format!(
        "This commit is the head of {} pull requests; the check carries the worst outcome.\n\n\
         | judged | base | outcome |\n| --- | --- | --- |\n",
        group.len()
    );
    for j in group {
        let _ = writeln!(
            text,
            "| {} | {} | {} |",
            inert(&j.label),
            inert(j.base_ref.as_deref().unwrap_or("–")),
            j.outcome.word()
        );
    }
    text.push('\n');
    text
}

/// The report (`--output`, else `$RUNNER_TEMP/tollgate-judge.json`), the
/// rendering on standard output, the step summary and the outputs.
fn emit(
    args: &CheckArgs,
    event: &WorkflowRunEvent,
    judgements: &[Judgement],
) -> Result<(), RunError> {
    let evaluations: Vec<Value> = judgements
        .iter()
        .map(|j| {
            let (outcome, reason, link, report) = match &j.outcome {
                Outcome::Judged {
                    verdict,
                    waiting_for,
                } => (
                    if waiting_for.is_empty() {
                        "judged"
                    } else {
                        "waiting"
                    },
                    (!waiting_for.is_empty())
                        .then(|| format!("waiting for {}", waiting_for.join(", "))),
                    None,
                    serde_json::from_str::<Value>(&report::render_json(verdict)).ok(),
                ),
                Outcome::Waiting { why, link } => {
                    ("waiting", Some(why.clone()), link.clone(), None)
                }
                Outcome::Failed { why, link } => ("failed", Some(why.clone()), link.clone(), None),
            };
            json!({
                "judged": j.label,
                "pull_request": j.number,
                "base": j.base_ref,
                "check_run": gh::check_run_name(&j.gate),
                "outcome": outcome,
                "reason": reason,
                "evidence_run": link,
                "report": report,
            })
        })
        .collect();
    let json = json!({
        "schema": report::REPORT_SCHEMA,
        "tool": report::tool_info(),
        "workflow_run": {
            "id": event.id,
            "path": event.path,
            "event": event.event,
            "conclusion": event.conclusion,
            "head_sha": event.head_sha,
        },
        "evaluations": evaluations,
    });
    let json_text = format!("{}\n", serde_json::to_string_pretty(&json)?);
    let report_path = match (&args.output, args.format) {
        (Some(path), report::Format::Json) => path.clone(),
        _ => super::publish::default_report_path("judge"),
    };
    write_atomic(&report_path, json_text.as_bytes())?;
    let mut rendered = String::new();
    for j in judgements {
        match &j.outcome {
            Outcome::Judged { verdict, .. } if args.format != report::Format::Json => {
                rendered.push_str(&report::render(verdict, args.format, false));
            }
            Outcome::Judged { .. } => {}
            Outcome::Waiting { why, .. } | Outcome::Failed { why, .. } => {
                let _ = writeln!(rendered, "{}: {} ({why})", j.label, j.outcome.word());
            }
        }
    }
    if args.format == report::Format::Json {
        rendered = json_text;
    }
    match &args.output {
        Some(path) if *path != report_path => write_atomic(path, rendered.as_bytes())?,
        Some(_) => {}
        None => print_out(&rendered)?,
    }
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(summary) = var("GITHUB_STEP_SUMMARY") {
        for j in judgements {
            if let Outcome::Judged { verdict, .. } = &j.outcome {
                gh::append_step_summary(Path::new(&summary), verdict)?;
            }
        }
    }
    if let Some(output) = var("GITHUB_OUTPUT") {
        let conclusion = if judgements.iter().any(|j| j.outcome.is_waiting()) {
            "pending"
        } else if judgements.iter().all(|j| j.outcome.passed()) {
            gh::output_conclusion(eval::Conclusion::Pass)
        } else {
            gh::output_conclusion(eval::Conclusion::Fail)
        };
        let report = report_path.display().to_string();
        gh::append_outputs(
            Path::new(&output),
            &[("conclusion", conclusion), ("report", &report)],
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_merge_group_branch_names_its_pull_request() {
        assert_eq!(
            merge_group_number(
                "gh-readonly-queue/main/pr-42-0123456789abcdef0123456789abcdef01234567"
            ),
            Some(42)
        );
        assert_eq!(
            merge_group_number("gh-readonly-queue/release/1.x/pr-7-abc"),
            Some(7)
        );
        assert_eq!(merge_group_number("feature/pr-7-abc"), None);
        assert_eq!(merge_group_number("gh-readonly-queue/main/x"), None);
    }

    #[test]
    fn untrusted_names_are_inert_in_markdown() {
        assert_eq!(
            inert("[x](http://e) @me |"),
            "\\[x\\]\\(http://e\\) \\@me \\|"
        );
        assert_eq!(printable("a\nb\u{1b}"), "a?b?");
    }
}
