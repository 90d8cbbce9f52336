//! From GitHub's responses to the evaluator's neutral models
//! ([`crate::evidence::github`]): reviews of a pull request, and the check
//! runs and commit statuses on a commit, with the workflow file that made
//! each GitHub Actions job.

use std::collections::HashMap;

use crate::evidence::github as neutral;

use super::models::{
    workflow_file, CheckRunId, CheckRunInfo, CheckStatus, CommitState, CommitStatus,
    PullRequestInfo, RepoRef, Review, WorkflowJob, WorkflowRun,
};

/// The pull request's reviews as the evaluator sees them. Reviews by deleted
/// accounts and in states this version does not know are left out: neither
/// can be counted as an approval.
#[must_use]
pub fn review_evidence(pr: &PullRequestInfo, reviews: &[Review]) -> neutral::PullRequestReviews {
    neutral::PullRequestReviews {
        author: pr.author_login.clone().unwrap_or_default(),
        head_sha: pr.head_sha.clone(),
        reviews: reviews
            .iter()
            .filter_map(|r| {
                Some(neutral::Review {
                    reviewer: r.user_login.clone()?,
                    reviewer_id: r.user_id?,
                    is_bot: r.is_bot,
                    state: neutral::ReviewState::parse(r.state.as_str())?,
                    commit_id: r.commit_id.clone(),
                    association: r.author_association.clone(),
                })
            })
            .collect(),
    }
}

/// Check runs and commit statuses on `sha` of `repo` as the evaluator sees
/// them. A GitHub Actions check run is given the workflow file of
/// `workflows` only when it is one of that run's `jobs` (and in its check
/// suite): a check run the Actions app made through the API lands in some
/// workflow run's suite of GitHub's choosing, so the suite alone proves
/// nothing.
#[must_use]
pub fn commit_checks(
    repo: &RepoRef,
    sha: &str,
    runs: &[CheckRunInfo],
    statuses: &[CommitStatus],
    workflows: &[WorkflowRun],
    jobs: &[WorkflowJob],
) -> neutral::CommitChecks {
    let by_id: HashMap<u64, &WorkflowRun> = workflows.iter().map(|w| (w.id, w)).collect();
    let job_runs: HashMap<CheckRunId, &WorkflowRun> = jobs
        .iter()
        .filter_map(|j| Some((j.check_run_id, *by_id.get(&j.run_id)?)))
        .collect();
    let workflow_of = |r: &CheckRunInfo| {
        if r.app_slug.as_deref() != Some(neutral::GITHUB_ACTIONS) {
            return None;
        }
        let run = job_runs.get(&r.id)?;
        let same_suite = match (r.check_suite_id, run.check_suite_id) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        };
        same_suite.then(|| workflow_file(&run.path, repo))
    };
    let rfc3339 =
        |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let runs = runs.iter().map(|r| neutral::CheckResult {
        name: r.name.clone(),
        source: neutral::CheckSource::CheckRun,
        completed: r.status == CheckStatus::Completed,
        conclusion: r.conclusion.as_ref().map(|c| c.as_str().to_owned()),
        started_at: r.started_at.map(rfc3339),
        id: r.id.0,
        app: r.app_slug.clone(),
        workflow: workflow_of(r),
    });
    let statuses = statuses.iter().map(|s| neutral::CheckResult {
        name: s.context.clone(),
        source: neutral::CheckSource::Status,
        completed: s.state != CommitState::Pending,
        conclusion: Some(s.state.as_str().to_owned()),
        started_at: s.updated_at.or(s.created_at).map(rfc3339),
        id: s.id,
        app: None,
        workflow: None,
    });
    neutral::CommitChecks {
        sha: sha.to_owned(),
        results: runs.chain(statuses).collect(),
        workflows_unknown: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::github::{Conclusion, ReviewState};

    fn review(login: Option<&str>, state: ReviewState) -> Review {
        Review {
            id: 1,
            user_login: login.map(str::to_owned),
            user_id: login.map(|_| 7),
            is_bot: false,
            state,
            commit_id: Some("h".into()),
            author_association: "MEMBER".into(),
            submitted_at: None,
        }
    }

    #[test]
    fn reviews_map_to_the_neutral_model() {
        let pr = PullRequestInfo {
            number: 1,
            state: "open".into(),
            author_login: Some("author".into()),
            author_id: Some(1),
            author_is_bot: false,
            head_sha: "h".into(),
            head_ref: "f".into(),
            head_repo: Some("o/r".into()),
            base_sha: "b".into(),
            base_ref: "main".into(),
            is_fork: false,
            draft: false,
            changed_files: Some(1),
        };
        let out = review_evidence(
            &pr,
            &[
                review(Some("alice"), ReviewState::Approved),
                review(None, ReviewState::Approved),
                review(Some("bob"), ReviewState::Other("SUPERSEDED".into())),
            ],
        );
        assert_eq!(out.author, "author");
        assert_eq!(out.reviews.len(), 1);
        assert_eq!(out.reviews[0].reviewer, "alice");
        assert_eq!(out.reviews[0].state, neutral::ReviewState::Approved);
        assert_eq!(out.reviews[0].association, "MEMBER");
    }

    #[test]
    fn runs_and_statuses_map_to_check_results() {
        let run = CheckRunInfo {
            id: CheckRunId(5),
            name: "ci / test".into(),
            head_sha: "h".into(),
            status: CheckStatus::Completed,
            conclusion: Some(Conclusion::Success),
            app_slug: None,
            app_id: None,
            check_suite_id: None,
            external_id: None,
            details_url: None,
            html_url: None,
            started_at: chrono::DateTime::from_timestamp(1_700_000_000, 0),
            completed_at: None,
            annotations_count: 0,
        };
        let status = CommitStatus {
            id: 9,
            context: "ci/legacy".into(),
            state: CommitState::Pending,
            description: None,
            target_url: None,
            created_at: None,
            updated_at: None,
        };
        let repo: RepoRef = "o/r".parse().unwrap();
        let out = commit_checks(&repo, "h", &[run], &[status], &[], &[]);
        assert_eq!(out.results.len(), 2);
        assert_eq!(out.results[0].conclusion.as_deref(), Some("success"));
        assert_eq!(
            out.results[0].started_at.as_deref(),
            Some("2023-11-14T22:13:20Z")
        );
        assert!(out.results[0].completed);
        assert_eq!(out.results[1].source, neutral::CheckSource::Status);
        assert!(!out.results[1].completed);
        assert_eq!(out.results[1].app, None);
    }

    fn actions_run(id: u64, suite: u64) -> CheckRunInfo {
        CheckRunInfo {
            id: CheckRunId(id),
            name: "ci-ok".into(),
            head_sha: "h".into(),
            status: CheckStatus::Completed,
            conclusion: Some(Conclusion::Success),
            app_slug: Some("github-actions".into()),
            app_id: Some(15368),
            check_suite_id: Some(suite),
            external_id: None,
            details_url: None,
            html_url: None,
            started_at: None,
            completed_at: None,
            annotations_count: 0,
        }
    }

    #[test]
    fn only_a_job_of_a_workflow_run_gets_its_workflow_file() {
        let repo: RepoRef = "o/r".parse().unwrap();
        let workflow = WorkflowRun {
            id: 70,
            name: Some("CI".into()),
            path: ".github/workflows/ci.yml@refs/pull/1/merge".into(),
            check_suite_id: Some(7),
            head_sha: "h".into(),
            event: "pull_request".into(),
            head_branch: None,
            status: CheckStatus::Completed,
            conclusion: Some(Conclusion::Success),
            run_attempt: Some(1),
            html_url: None,
            created_at: None,
            updated_at: None,
        };
        let job = |id| WorkflowJob {
            id,
            run_id: 70,
            name: "ci-ok".into(),
            check_run_id: CheckRunId(id),
        };
        let mut other_app = actions_run(4, 7);
        other_app.app_slug = Some("octoapp".into());
        let runs = [
            actions_run(1, 7), // a job of ci.yml
            actions_run(2, 7), // in ci.yml's suite, but no job: made through the API
            actions_run(3, 8), // a job id in another suite: not trusted
            other_app,         // another app never has a workflow
        ];
        let out = commit_checks(
            &repo,
            "h",
            &runs,
            &[],
            &[workflow],
            &[job(1), job(3), job(4)],
        );
        let files: Vec<Option<&str>> = out.results.iter().map(|r| r.workflow.as_deref()).collect();
        assert_eq!(files, [Some(".github/workflows/ci.yml"), None, None, None]);
        assert_eq!(
            out.results[1].origin(),
            "github-actions outside any workflow job (made through the API)"
        );
        assert_eq!(out.results[3].origin(), "app `octoapp`");
    }
}
