//! `checks.required[NAME]`: other checks on the head commit must be green.
//!
//! The latest check run of each name decides (a re-run supersedes an earlier
//! failure), and a commit status with that context must be green too.
//! tollgate's own `tollgate/*` checks never count: a gate cannot vouch for
//! itself. A required check that has not reported fails in CI (it may never
//! report) and is `unknown` in a dry run.
//!
//! A required check bound to its source (`{ name, app, workflow }`,
//! docs/policy.md) counts only check runs of that app and, for GitHub
//! Actions, jobs of that workflow file: a same-named check from elsewhere (a
//! job a pull request adds in another workflow, a commit status, another
//! app) is ignored, and the rule's message says so, so a maintainer sees the
//! attempt. When the change under review edits the workflow file that
//! produces a required check, a note says that its result comes from the
//! change's own CI definition.

use std::collections::BTreeSet;

use super::{absent, Context, RuleResult, Slot, Status};
use crate::evidence::diff::ChangedLines;
use crate::evidence::github::{CheckResult, CheckSource, CommitChecks};
use crate::policy::{ChecksPolicy, RequiredCheck};
use crate::rules::Family;

fn is_green(result: &CheckResult, policy: &ChecksPolicy) -> bool {
    match result.conclusion.as_deref() {
        Some("success") => true,
        Some("neutral") => policy.allow_neutral,
        Some("skipped") => policy.allow_skipped,
        _ => false,
    }
}

/// Whether `result` carries the required check's name.
fn named(result: &CheckResult, name: &str) -> bool {
    match result.source {
        CheckSource::CheckRun => result.name == name,
        // Status contexts are case-insensitive on GitHub.
        CheckSource::Status => result.name.eq_ignore_ascii_case(name),
    }
}

/// Whether a same-named result comes from where the entry requires. A
/// bound entry counts check runs of its app only (a commit status has no
/// app), and with a workflow, only jobs of that workflow file.
fn from_required_source(result: &CheckResult, check: &RequiredCheck) -> bool {
    let Some(app) = &check.app else {
        return true;
    };
    result.source == CheckSource::CheckRun
        && result.app.as_deref() == Some(app.as_str())
        && check
            .workflow
            .as_ref()
            .is_none_or(|w| result.workflow.as_deref() == Some(w.as_str()))
}

/// The latest of `results` from one source.
fn latest<'a>(results: &[&'a CheckResult], source: CheckSource) -> Option<&'a CheckResult> {
    results
        .iter()
        .copied()
        .filter(|r| r.source == source)
        .max_by(|a, b| (a.started_at.as_deref(), a.id).cmp(&(b.started_at.as_deref(), b.id)))
}

/// "from .github/workflows/ci.yml" or "from app `x`": the required source.
fn required_source(check: &RequiredCheck) -> Option<String> {
    match (&check.app, &check.workflow) {
        (_, Some(workflow)) => Some(format!("from {workflow}")),
        (Some(app), None) => Some(format!("from app `{app}`")),
        (None, None) => None,
    }
}

/// "; a `ci-ok` from .github/workflows/evil.yml was ignored", or "" when
/// nothing was.
fn ignored_clause(name: &str, ignored: &[&CheckResult]) -> String {
    let origins: BTreeSet<String> = ignored.iter().map(|r| r.origin()).collect();
    let origins: Vec<String> = origins.into_iter().collect();
    match origins.as_slice() {
        [] => String::new(),
        [one] => format!("; a `{name}` from {one} was ignored"),
        [rest @ .., last] => format!(
            "; `{name}` from {} and {last} were ignored",
            rest.join(", ")
        ),
    }
}

pub(super) fn rules(
    policy: &ChecksPolicy,
    slot: &Slot<CommitChecks>,
    changes: &Slot<ChangedLines>,
    context: &Context,
    out: &mut Vec<RuleResult>,
    notes: &mut Vec<String>,
) {
    for check in &policy.required {
        let name = check.name.as_str();
        let rule = Family::ChecksRequired.keyed(name);
        let (id, title) = (rule.to_string(), rule.title());
        let green = if policy.allow_neutral || policy.allow_skipped {
            "success (or neutral/skipped as allowed)"
        } else {
            "success"
        };
        let source = required_source(check);
        let required = match &source {
            Some(from) => format!("{green}, {from}"),
            None => green.to_owned(),
        };
        // `name` with the source it must come from, for messages.
        let shown = match &source {
            Some(from) => format!("`{name}` {from}"),
            None => format!("`{name}`"),
        };
        if name.starts_with("tollgate/") {
            out.push(RuleResult::new(
                id,
                title,
                Status::Error,
                None,
                &required,
                "tollgate's own checks never count towards a gate".to_owned(),
                Some("remove tollgate's check from `[checks] required`".to_owned()),
            ));
            continue;
        }
        let checks = match slot {
            Slot::Present { value, .. } => value,
            other => {
                let (status, message, help) = absent(other, policy.optional, "check-run data");
                out.push(RuleResult::new(
                    id, title, status, None, &required, message, help,
                ));
                continue;
            }
        };
        let (counted, ignored): (Vec<&CheckResult>, Vec<&CheckResult>) = checks
            .results
            .iter()
            .filter(|r| named(r, name))
            .partition(|r| from_required_source(r, check));
        let ignored = ignored_clause(name, &ignored);
        let sources: &[CheckSource] = if check.is_bound() {
            &[CheckSource::CheckRun]
        } else {
            &[CheckSource::CheckRun, CheckSource::Status]
        };
        let found: Vec<&CheckResult> = sources
            .iter()
            .filter_map(|s| latest(&counted, *s))
            .collect();
        if let Some(note) = workflow_change_note(check, &found, changes, context, &id) {
            notes.push(note);
        }
        if found.is_empty() {
            let status = if context.dry_run {
                Status::Unknown
            } else {
                Status::Fail
            };
            let unknown = match (&check.workflow, &checks.workflows_unknown) {
                (Some(_), Some(why)) => format!("; {why}"),
                _ => String::new(),
            };
            out.push(RuleResult::new(
                id,
                title,
                status,
                None,
                &required,
                format!("{shown} has not reported on this commit{ignored}{unknown}"),
                Some(format!("make sure the workflow that reports `{name}` runs on this commit, or fix the entry in the policy")),
            ));
            continue;
        }
        let (status, actual, message, help) = conclude(&found, policy, context, name);
        let message = format!("{shown} {message}{ignored}");
        out.push(RuleResult::new(
            id,
            title,
            status,
            Some(actual),
            &required,
            message,
            help,
        ));
    }
}

/// Status, actual conclusions, message (after the check's name) and help
/// for the results that count.
fn conclude(
    found: &[&CheckResult],
    policy: &ChecksPolicy,
    context: &Context,
    name: &str,
) -> (Status, String, String, Option<String>) {
    let pending = found.iter().any(|r| !r.completed);
    let red = found.iter().any(|r| r.completed && !is_green(r, policy));
    let actual = found
        .iter()
        .map(|r| {
            if r.completed {
                r.conclusion
                    .clone()
                    .unwrap_or_else(|| "completed".to_owned())
            } else {
                "pending".to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    if red {
        let message = format!("concluded {actual}");
        let help = Some(format!("fix what makes `{name}` fail and re-run it"));
        (Status::Fail, actual, message, help)
    } else if pending {
        let status = if context.dry_run {
            Status::Unknown
        } else {
            Status::Fail
        };
        let help = Some(format!(
            "re-run this check after `{name}` completes (or make the gate job depend on it)"
        ));
        (status, actual, "is still running".to_owned(), help)
    } else {
        let message = format!("concluded {actual}");
        (Status::Pass, actual, message, None)
    }
}

/// A note when the change under review edits a workflow file that produces
/// the required check: the one the entry is bound to, else the one each
/// counted job ran from. Such a check is then judged by the change's own CI
/// definition, which a reviewer should know before trusting it.
fn workflow_change_note(
    check: &RequiredCheck,
    found: &[&CheckResult],
    changes: &Slot<ChangedLines>,
    context: &Context,
    id: &str,
) -> Option<String> {
    let Slot::Present { value: changes, .. } = changes else {
        return None;
    };
    let workflows: BTreeSet<&str> = match &check.workflow {
        Some(w) => BTreeSet::from([w.as_str()]),
        None => found.iter().filter_map(|r| r.workflow.as_deref()).collect(),
    };
    let edited: Vec<&str> = workflows
        .into_iter()
        .filter(|w| changes.touches(w))
        .collect();
    if edited.is_empty() {
        return None;
    }
    let (change, whose) = if context.pull_request.is_some() {
        ("this pull request", "the pull request's")
    } else {
        ("this change", "the change's")
    };
    let files = edited.join(", ");
    let which = if edited.len() == 1 {
        "which produces it"
    } else {
        "which produce it"
    };
    Some(format!(
        "{id}: {change} changes {files}, {which}; its result comes from {whose} own CI definition"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(name: &str, id: u64, at: &str, conclusion: Option<&str>) -> CheckResult {
        CheckResult {
            name: name.into(),
            source: CheckSource::CheckRun,
            completed: conclusion.is_some(),
            conclusion: conclusion.map(Into::into),
            started_at: Some(at.into()),
            id,
            app: Some("github-actions".into()),
            workflow: Some(".github/workflows/ci.yml".into()),
        }
    }

    fn from(mut r: CheckResult, app: Option<&str>, workflow: Option<&str>) -> CheckResult {
        r.app = app.map(Into::into);
        r.workflow = workflow.map(Into::into);
        r
    }

    fn plain(name: &str) -> RequiredCheck {
        RequiredCheck {
            name: name.into(),
            app: None,
            workflow: None,
        }
    }

    fn bound(name: &str, workflow: Option<&str>) -> RequiredCheck {
        RequiredCheck {
            name: name.into(),
            app: Some("github-actions".into()),
            workflow: workflow.map(Into::into),
        }
    }

    fn policy(required: Vec<RequiredCheck>) -> ChecksPolicy {
        ChecksPolicy {
            optional: false,
            required,
            allow_neutral: false,
            allow_skipped: false,
        }
    }

    fn present<T>(value: T) -> Slot<T> {
        Slot::Present {
            value,
            sources: vec![],
        }
    }

    fn evaluate(
        required: Vec<RequiredCheck>,
        results: Vec<CheckResult>,
        changes: &Slot<ChangedLines>,
        dry_run: bool,
    ) -> (Vec<RuleResult>, Vec<String>) {
        let ctx = Context {
            dry_run,
            pull_request: Some(7),
            ..Context::default()
        };
        let (mut out, mut notes) = (Vec::new(), Vec::new());
        rules(
            &policy(required),
            &present(CommitChecks {
                sha: "h".into(),
                results,
                workflows_unknown: None,
            }),
            changes,
            &ctx,
            &mut out,
            &mut notes,
        );
        (out, notes)
    }

    fn judge(results: Vec<CheckResult>, dry_run: bool) -> Vec<Status> {
        let required = vec![plain("ci / test"), plain("ci / docs")];
        let (out, _) = evaluate(required, results, &Slot::default(), dry_run);
        out.iter().map(|r| r.status).collect()
    }

    #[test]
    fn the_latest_run_of_a_name_decides() {
        let results = vec![
            run("ci / test", 1, "2026-01-01T00:00:00Z", Some("failure")),
            run("ci / test", 2, "2026-01-01T01:00:00Z", Some("success")),
            run("ci / docs", 3, "2026-01-01T00:00:00Z", Some("success")),
        ];
        assert_eq!(judge(results, false), vec![Status::Pass, Status::Pass]);
    }

    #[test]
    fn a_missing_check_fails_in_ci_and_is_unknown_in_a_dry_run() {
        let results = vec![run("ci / test", 1, "2026-01-01T00:00:00Z", Some("success"))];
        assert_eq!(
            judge(results.clone(), false),
            vec![Status::Pass, Status::Fail]
        );
        assert_eq!(judge(results, true), vec![Status::Pass, Status::Unknown]);
    }

    #[test]
    fn neutral_is_not_green_unless_allowed_and_a_red_status_fails() {
        let mut status = run("CI / Docs", 5, "2026-01-01T00:00:00Z", Some("failure"));
        status.source = CheckSource::Status;
        let results = vec![
            run("ci / test", 1, "2026-01-01T00:00:00Z", Some("neutral")),
            run("ci / docs", 2, "2026-01-01T00:00:00Z", Some("success")),
            status,
        ];
        assert_eq!(judge(results, false), vec![Status::Fail, Status::Fail]);
    }

    #[test]
    fn a_plain_name_takes_the_newest_run_from_any_workflow() {
        // The hole a binding closes: a later green `ci-ok` from another
        // workflow hides the red one.
        let results = vec![
            run("ci-ok", 1, "2026-01-01T00:00:00Z", Some("failure")),
            from(
                run("ci-ok", 2, "2026-01-01T00:05:00Z", Some("success")),
                Some("github-actions"),
                Some(".github/workflows/evil.yml"),
            ),
        ];
        let (out, _) = evaluate(vec![plain("ci-ok")], results, &Slot::default(), false);
        assert_eq!(out[0].status, Status::Pass);
    }

    #[test]
    fn a_bound_check_ignores_a_same_named_job_of_another_workflow_and_says_so() {
        let results = vec![
            run("ci-ok", 1, "2026-01-01T00:00:00Z", Some("failure")),
            from(
                run("ci-ok", 2, "2026-01-01T00:05:00Z", Some("success")),
                Some("github-actions"),
                Some(".github/workflows/evil.yml"),
            ),
        ];
        let (out, notes) = evaluate(
            vec![bound("ci-ok", Some(".github/workflows/ci.yml"))],
            results,
            &Slot::default(),
            false,
        );
        let rule = &out[0];
        assert_eq!(rule.id, "checks.required[ci-ok]");
        assert_eq!(rule.status, Status::Fail);
        assert_eq!(
            rule.message,
            "`ci-ok` from .github/workflows/ci.yml concluded failure; a `ci-ok` from .github/workflows/evil.yml was ignored"
        );
        assert_eq!(rule.required, "success, from .github/workflows/ci.yml");
        assert!(notes.is_empty());
    }

    #[test]
    fn statuses_other_apps_and_api_made_runs_never_satisfy_a_bound_check() {
        let mut status = run("ci-ok", 9, "2026-01-01T00:09:00Z", Some("success"));
        status.source = CheckSource::Status;
        status.app = None;
        status.workflow = None;
        let results = vec![
            status,
            from(
                run("ci-ok", 3, "2026-01-01T00:03:00Z", Some("success")),
                Some("octoapp"),
                None,
            ),
            // The Actions app, but not a job of any workflow run.
            from(
                run("ci-ok", 4, "2026-01-01T00:04:00Z", Some("success")),
                Some("github-actions"),
                None,
            ),
        ];
        let (out, _) = evaluate(
            vec![bound("ci-ok", Some(".github/workflows/ci.yml"))],
            results.clone(),
            &Slot::default(),
            false,
        );
        assert_eq!(out[0].status, Status::Fail);
        assert_eq!(
            out[0].message,
            "`ci-ok` from .github/workflows/ci.yml has not reported on this commit; `ci-ok` from a commit status, app `octoapp` and github-actions outside any workflow job (made through the API) were ignored"
        );
        // Bound to the app alone, the API-made Actions run counts; the
        // status and the other app's run still do not.
        let (out, _) = evaluate(vec![bound("ci-ok", None)], results, &Slot::default(), true);
        assert_eq!(out[0].status, Status::Pass);
        assert!(out[0].message.starts_with("`ci-ok` from app `github-actions` concluded success; `ci-ok` from a commit status and app `octoapp` were ignored"), "{}", out[0].message);
    }

    #[test]
    fn a_bound_check_keeps_newest_run_and_pending_semantics() {
        let results = vec![
            run("ci-ok", 1, "2026-01-01T00:00:00Z", Some("failure")),
            run("ci-ok", 2, "2026-01-01T01:00:00Z", None),
        ];
        let required = || vec![bound("ci-ok", Some(".github/workflows/ci.yml"))];
        let (out, _) = evaluate(required(), results.clone(), &Slot::default(), false);
        assert_eq!(out[0].status, Status::Fail);
        assert_eq!(
            out[0].message,
            "`ci-ok` from .github/workflows/ci.yml is still running"
        );
        let (out, _) = evaluate(required(), results, &Slot::default(), true);
        assert_eq!(out[0].status, Status::Unknown);
    }

    #[test]
    fn tollgates_own_checks_never_count_even_when_bound() {
        let (out, _) = evaluate(
            vec![bound("tollgate/gate2", None)],
            vec![run(
                "tollgate/gate2",
                1,
                "2026-01-01T00:00:00Z",
                Some("success"),
            )],
            &Slot::default(),
            false,
        );
        assert_eq!(out[0].status, Status::Error);
    }

    #[test]
    fn a_change_to_the_producing_workflow_is_noted() {
        let mut changes = ChangedLines::default();
        changes.touched.insert(".github/workflows/ci.yml".into());
        let changes = present(changes);
        let results = vec![
            run("ci-ok", 1, "2026-01-01T00:00:00Z", Some("success")),
            run("ci / test", 2, "2026-01-01T00:00:00Z", Some("success")),
            from(
                run("lint", 3, "2026-01-01T00:00:00Z", Some("success")),
                Some("github-actions"),
                Some(".github/workflows/lint.yml"),
            ),
        ];
        let (out, notes) = evaluate(
            vec![
                bound("ci-ok", Some(".github/workflows/ci.yml")),
                plain("ci / test"),
                plain("lint"),
            ],
            results,
            &changes,
            false,
        );
        assert!(out.iter().all(|r| r.status == Status::Pass));
        assert_eq!(
            notes,
            [
                "checks.required[ci-ok]: this pull request changes .github/workflows/ci.yml, which produces it; its result comes from the pull request's own CI definition",
                "checks.required[ci / test]: this pull request changes .github/workflows/ci.yml, which produces it; its result comes from the pull request's own CI definition",
            ]
        );
        // A bound check is noted even before it reports.
        let (_, notes) = evaluate(
            vec![bound("ci-ok", Some(".github/workflows/ci.yml"))],
            vec![],
            &changes,
            false,
        );
        assert_eq!(notes.len(), 1);
    }
}
