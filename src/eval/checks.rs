//! `checks.required[NAME]`: other checks on the head commit must be green.
//!
//! The latest check run of each name decides (a re-run supersedes an earlier
//! failure), and a commit status with that context must be green too.
//! tollgate's own `tollgate/*` checks never count: a gate cannot vouch for
//! itself. A required check that has not reported fails in CI (it may never
//! report) and is `unknown` in a dry run.

use super::{absent, Context, RuleResult, Slot, Status};
use crate::evidence::github::{CheckResult, CheckSource, CommitChecks};
use crate::policy::ChecksPolicy;
use crate::rules::Family;

fn is_green(result: &CheckResult, policy: &ChecksPolicy) -> bool {
    match result.conclusion.as_deref() {
        Some("success") => true,
        Some("neutral") => policy.allow_neutral,
        Some("skipped") => policy.allow_skipped,
        _ => false,
    }
}

/// The latest result of `name` from one source.
fn latest<'a>(
    checks: &'a CommitChecks,
    name: &str,
    source: CheckSource,
) -> Option<&'a CheckResult> {
    checks
        .results
        .iter()
        .filter(|r| r.source == source)
        .filter(|r| match source {
            CheckSource::CheckRun => r.name == name,
            // Status contexts are case-insensitive on GitHub.
            CheckSource::Status => r.name.eq_ignore_ascii_case(name),
        })
        .max_by(|a, b| (a.started_at.as_deref(), a.id).cmp(&(b.started_at.as_deref(), b.id)))
}

pub(super) fn rules(
    policy: &ChecksPolicy,
    slot: &Slot<CommitChecks>,
    context: &Context,
    out: &mut Vec<RuleResult>,
) {
    for name in &policy.required {
        let rule = Family::ChecksRequired.keyed(name);
        let (id, title) = (rule.to_string(), rule.title());
        let required = if policy.allow_neutral || policy.allow_skipped {
            "success (or neutral/skipped as allowed)"
        } else {
            "success"
        };
        if name.starts_with("tollgate/") {
            out.push(RuleResult::new(
                id,
                title,
                Status::Error,
                None,
                required,
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
                    id, title, status, None, required, message, help,
                ));
                continue;
            }
        };
        let found: Vec<&CheckResult> = [CheckSource::CheckRun, CheckSource::Status]
            .into_iter()
            .filter_map(|s| latest(checks, name, s))
            .collect();
        if found.is_empty() {
            let status = if context.dry_run {
                Status::Unknown
            } else {
                Status::Fail
            };
            out.push(RuleResult::new(
                id,
                title,
                status,
                None,
                required,
                format!("`{name}` has not reported on this commit"),
                Some(format!("make sure the workflow that reports `{name}` runs on this commit, or fix the name in the policy")),
            ));
            continue;
        }
        let pending: Vec<&&CheckResult> = found.iter().filter(|r| !r.completed).collect();
        let red: Vec<&&CheckResult> = found
            .iter()
            .filter(|r| r.completed && !is_green(r, policy))
            .collect();
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
        let (status, message, help) = if !red.is_empty() {
            (
                Status::Fail,
                format!("`{name}` concluded {actual}"),
                Some(format!("fix what makes `{name}` fail and re-run it")),
            )
        } else if !pending.is_empty() {
            (
                if context.dry_run { Status::Unknown } else { Status::Fail },
                format!("`{name}` is still running"),
                Some(format!("re-run this check after `{name}` completes (or make the gate job depend on it)")),
            )
        } else {
            (Status::Pass, format!("`{name}` concluded {actual}"), None)
        };
        out.push(RuleResult::new(
            id,
            title,
            status,
            Some(actual),
            required,
            message,
            help,
        ));
    }
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
        }
    }

    fn policy() -> ChecksPolicy {
        ChecksPolicy {
            optional: false,
            required: vec!["ci / test".into(), "ci / docs".into()],
            allow_neutral: false,
            allow_skipped: false,
        }
    }

    fn judge(results: Vec<CheckResult>, dry_run: bool) -> Vec<Status> {
        let ctx = Context {
            dry_run,
            ..Context::default()
        };
        let mut out = Vec::new();
        rules(
            &policy(),
            &Slot::Present {
                value: CommitChecks {
                    sha: "h".into(),
                    results,
                },
                sources: vec![],
            },
            &ctx,
            &mut out,
        );
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
}
