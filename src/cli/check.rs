//! `tollgate check`: resolve what is judged and by which policy, gather the
//! evidence, judge the signed documents (files, pull-request comments and
//! the release tag's message), evaluate, and report.

use std::path::Path;

use super::policy_change::policy_change_note;
use super::progress::ShowProgress;
use super::remote::{self, Remote};
use super::situation::{self, Situation};
use super::{judge, overrides, publish};
use super::{print_commands, print_out, repo_root, use_color, write_atomic, CheckArgs, RunError};
use crate::context::{ActionsContext, Trigger};
use crate::eval::{self, Verdict};
use crate::exit;
use crate::gather::{self, Inputs, Roots};
use crate::github::Token;
use crate::policy;
use crate::report;

// One pipeline read top to bottom in the order a run judges (situation,
// policy, mark, evidence, documents, verdict, report); splitting it would
// hand a dozen locals from one piece to the next.
#[allow(clippy::too_many_lines)]
pub(super) fn run(args: &CheckArgs) -> Result<u8, RunError> {
    let root = repo_root(args.config.as_deref());
    let actions = situation::actions_context(args)?;
    // A local run never reads GitHub, token or not: what lives there
    // (reviews, other checks) is decided in CI.
    let token = if args.local {
        None
    } else {
        remote::token(args.token.as_deref())?
    };
    mask_token(token.as_ref(), actions.as_ref());
    let started_at = chrono::Utc::now();
    let repository = remote::repository(&root, actions.as_ref().map(|a| a.repository.as_str()));
    let remote = remote::connect(
        token.as_ref(),
        actions.as_ref().map(|a| a.api_url.as_str()),
        repository.as_deref(),
    )?;

    // A `workflow_run` job judges the evidence run's artifact (`judge.rs`).
    if let Some(actions) = actions.as_ref().filter(|_| args.github) {
        if let Trigger::WorkflowRun(event) = &actions.trigger {
            return judge::run(args, &root, actions, event, remote.as_ref(), started_at);
        }
    }
    let evidence_root = args.evidence_dir.clone().unwrap_or_else(|| root.clone());

    // What is judged, and the trusted source of its policy.
    let situation = situation::resolve(&root, args, actions, remote.as_ref(), repository)?;
    let config_path = situation::config_path(&root, args);
    let config = policy::load_config(
        situation.trusted.as_ref(),
        &config_path,
        args.config.is_some(),
    )?;
    super::discover::confined(&config, &root, &config_path)?;
    let mut context = situation.context.clone();
    let gate = situation::choose_gate(args, &config, &context)?;
    let policy_path = Path::new(&config.policy_dir).join(format!("{gate}.toml"));
    let policy = policy::load_policy(situation.trusted.as_ref(), &policy_path)
        .map_err(|d| super::discover::unknown_gate(d, &root, &config.policy_dir, &gate))?;
    context.local = args.local;
    context.dry_run = args.local || args.dry_run || (!args.github && situation.actions.is_none());

    if args.github {
        publish::mark_in_progress(&gate, &context, situation.actions.as_ref(), remote.as_ref());
    }

    // Once marked in progress, an input error completes the run as a
    // failure saying why (a GitHub failure leaves it pending).
    let judged = || -> Result<u8, RunError> {
        // Evidence files are compared with the judged commit's time only where
        // the working tree is that commit and the files were made on it: a local
        // run, not CI (files made after a fresh checkout), not `--pr N` (the
        // pull request's head need not be checked out), not `--evidence-dir`.
        let freshness =
            (situation.actions.is_none() && args.evidence_dir.is_none() && args.pr.is_none())
                .then(|| gather::Freshness::of_head(&root))
                .flatten();
        // Evidence: files from the working tree, data from GitHub.
        let mut evidence = gather::gather(&gather::Request {
            config: &config,
            policy: &policy,
            context: &context,
            head: situation.head.as_deref(),
            // `--evidence-dir`: evidence files from there, everything trusted from the tree.
            roots: Roots {
                evidence: &evidence_root,
                repository: &root,
            },
            // In a pull request or on a release tag the working tree is not the
            // trusted one: document markers must also be in the trusted tree.
            base: situation
                .trusted_elsewhere
                .then_some(situation.trusted.as_ref()),
            inputs: &inputs(args),
            github: remote.as_ref().map(github),
            watch: &ShowProgress,
            freshness: freshness.as_ref(),
        })?;
        // Signed documents, from `--override` files, the pull request's
        // comments and the release tag's message: sign-offs are evidence,
        // overrides apply to the verdict.
        let mut submissions = overrides::read_submissions(&args.overrides)?;
        let (from_comments, comments_note) =
            overrides::comment_submissions(remote.as_ref(), &context)?;
        submissions.extend(from_comments);
        submissions.extend(overrides::tag_submissions(situation.tag_message.as_ref()));
        let documents = overrides::judge_documents(
            submissions,
            situation.trusted.as_ref(),
            &policy_path,
            &policy,
            &context,
        )?;
        evidence.signoffs = overrides::signoffs(&documents);

        let mut verdict = eval::evaluate(&policy, &evidence, &context, chrono::Utc::now());
        crate::overrides::apply(&mut verdict, &documents);
        verdict
            .notes
            .extend(notes(&root, &situation, &policy_path, &policy));
        verdict.notes.extend(comments_note);
        // A gate that judged nothing is not a pass, nor a failure to fix: the
        // run lacks input, and says which.
        if let Some(nothing) = verdict.nothing_judged() {
            return Err(nothing.into());
        }
        verdict.notes.splice(
            0..0,
            Some(args.config_used.clone()).filter(|c| !c.is_empty()),
        );
        emit(&verdict, args)?;
        if args.github {
            if let Some(actions) = &situation.actions {
                publish_verdict(&verdict, args, actions, remote.as_ref(), started_at)?;
            }
        }
        Ok(if verdict.passed_locally() {
            exit::PASSED
        } else {
            exit::FAILED
        })
    };
    let result = judged();
    if let (true, Err(error)) = (args.github, &result) {
        if !matches!(error, RunError::GitHub(_)) {
            let actions = situation.actions.as_ref();
            publish::mark_failed(
                &gate,
                &context,
                actions,
                remote.as_ref(),
                &error.to_string(),
            );
        }
    }
    result
}

/// In Actions, masks the token before anything else is printed: the runner
/// then hides it in every log line. The command goes to standard error,
/// which the runner reads for commands too, never to standard output, which
/// may be the report (`check --format json > report.json`).
fn mask_token(token: Option<&Token>, actions: Option<&ActionsContext>) {
    if let (Some(token), Some(_)) = (token, actions) {
        if let Some(mask) = report::github::add_mask(token.expose_secret()) {
            print_commands(&format!("{mask}\n"));
        }
    }
}

/// The command line's evidence paths, for [`gather`].
fn inputs(args: &CheckArgs) -> Inputs {
    Inputs {
        coverage: args.coverage.clone(),
        coverage_baseline: args.coverage_baseline.clone(),
        // The working tree (or --evidence-dir) the user points at.
        baseline_from_evidence_root: true,
        strip_prefix: args.strip_prefix.clone(),
        coverage_format: args.coverage_format,
        audit: args.audit.clone(),
        tests: args.tests.clone(),
        bench: args.bench.clone(),
        bench_baseline: args.bench_baseline.clone(),
        base: args.base.clone(),
        ..Inputs::default()
    }
}

fn github(remote: &Remote) -> gather::GitHub<'_> {
    gather::GitHub {
        client: &remote.client,
        repo: &remote.repo,
    }
}

/// How the situation was resolved, and what a pull request's own policy
/// would change.
fn notes(
    root: &Path,
    situation: &Situation<'_>,
    policy_path: &Path,
    policy: &policy::Policy,
) -> Vec<String> {
    let mut notes = situation.notes.clone();
    notes.extend(policy_change_note(
        root,
        situation.context.base.as_deref(),
        situation.head.as_deref(),
        policy_path,
        policy,
    ));
    notes
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
        Ok(())
    } else {
        print_out(&report::render(verdict, args.format, use_color()))
    }
}

/// `--github`: the check run, step summary and outputs.
fn publish_verdict(
    verdict: &Verdict,
    args: &CheckArgs,
    actions: &ActionsContext,
    remote: Option<&Remote>,
    started_at: chrono::DateTime<chrono::Utc>,
) -> Result<(), RunError> {
    let report_path = match (&args.output, args.format) {
        (Some(path), report::Format::Json) => path.clone(),
        _ => publish::default_report_path(&verdict.gate),
    };
    publish::report_to_github(verdict, actions, remote, &report_path, started_at)
}
