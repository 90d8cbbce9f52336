//! From GitHub's responses to the evaluator's neutral models
//! ([`crate::evidence::github`]): reviews of a pull request, and the check
//! runs and commit statuses on a commit.

use crate::evidence::github as neutral;

use super::models::{
    CheckRunInfo, CheckStatus, CommitState, CommitStatus, PullRequestInfo, Review,
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

/// Check runs and commit statuses on `sha` as the evaluator sees them.
#[must_use]
pub fn commit_checks(
    sha: &str,
    runs: &[CheckRunInfo],
    statuses: &[CommitStatus],
) -> neutral::CommitChecks {
    let rfc3339 =
        |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let runs = runs.iter().map(|r| neutral::CheckResult {
        name: r.name.clone(),
        source: neutral::CheckSource::CheckRun,
        completed: r.status == CheckStatus::Completed,
        conclusion: r.conclusion.as_ref().map(|c| c.as_str().to_owned()),
        started_at: r.started_at.map(rfc3339),
        id: r.id.0,
    });
    let statuses = statuses.iter().map(|s| neutral::CheckResult {
        name: s.context.clone(),
        source: neutral::CheckSource::Status,
        completed: s.state != CommitState::Pending,
        conclusion: Some(s.state.as_str().to_owned()),
        started_at: s.updated_at.or(s.created_at).map(rfc3339),
        id: s.id,
    });
    neutral::CommitChecks {
        sha: sha.to_owned(),
        results: runs.chain(statuses).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::github::{CheckRunId, Conclusion, ReviewState};

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
        let out = commit_checks("h", &[run], &[status]);
        assert_eq!(out.results.len(), 2);
        assert_eq!(out.results[0].conclusion.as_deref(), Some("success"));
        assert_eq!(
            out.results[0].started_at.as_deref(),
            Some("2023-11-14T22:13:20Z")
        );
        assert!(out.results[0].completed);
        assert_eq!(out.results[1].source, neutral::CheckSource::Status);
        assert!(!out.results[1].completed);
    }
}
