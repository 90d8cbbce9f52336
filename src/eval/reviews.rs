//! Review rules: approvals and outstanding change requests.
//!
//! Per reviewer, the latest review among `APPROVED`, `CHANGES_REQUESTED` and
//! `DISMISSED` decides; `COMMENTED` and `PENDING` never undo an approval (docs/policy.md,
//! 6.4, the community-established reading of GitHub's own behaviour). The PR
//! author and bots never count.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use super::{absent, RuleResult, Slot, Status};
use crate::evidence::github::{PullRequestReviews, ReviewState};
use crate::policy::ReviewsPolicy;
use crate::rules::{Family, RuleId};

/// A rule id and its title.
fn rule(family: Family) -> (RuleId, String) {
    let id = family.id();
    let title = id.title();
    (id, title)
}

/// Who currently approves and who currently requests changes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReviewTally {
    /// Reviewers whose approval counts.
    pub approvals: Vec<String>,
    /// Reviewers whose latest decisive review requests changes.
    pub changes_requested: Vec<String>,
    /// Approvals that did not count because they were on an older commit.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stale_approvals: Vec<String>,
}

/// Applies the policy's filters and the latest-decisive-review rule.
#[must_use]
pub fn tally(policy: &ReviewsPolicy, pr: &PullRequestReviews) -> ReviewTally {
    // reviewer id -> (login, state, commit), the latest decisive review wins.
    let mut latest: BTreeMap<u64, (&str, ReviewState, Option<&str>)> = BTreeMap::new();
    for review in &pr.reviews {
        if review.is_bot || review.reviewer.eq_ignore_ascii_case(&pr.author) {
            continue;
        }
        if !policy.associations.is_empty()
            && !policy
                .associations
                .iter()
                .any(|a| a.eq_ignore_ascii_case(&review.association))
        {
            continue;
        }
        match review.state {
            ReviewState::Approved | ReviewState::ChangesRequested | ReviewState::Dismissed => {
                latest.insert(
                    review.reviewer_id,
                    (&review.reviewer, review.state, review.commit_id.as_deref()),
                );
            }
            ReviewState::Commented | ReviewState::Pending => {}
        }
    }
    let mut out = ReviewTally::default();
    for (login, state, commit) in latest.into_values() {
        match state {
            ReviewState::Approved
                if policy.current_head_only && commit != Some(pr.head_sha.as_str()) =>
            {
                out.stale_approvals.push(login.to_owned());
            }
            ReviewState::Approved => out.approvals.push(login.to_owned()),
            ReviewState::ChangesRequested => out.changes_requested.push(login.to_owned()),
            _ => {}
        }
    }
    out.approvals.sort();
    out.changes_requested.sort();
    out.stale_approvals.sort();
    out
}

pub(super) fn rules(
    policy: &ReviewsPolicy,
    slot: &Slot<PullRequestReviews>,
    out: &mut Vec<RuleResult>,
) -> Option<ReviewTally> {
    let approvals_required = format!(
        ">= {} approval{}",
        policy.approvals,
        if policy.approvals == 1 { "" } else { "s" }
    );
    let pr = match slot {
        Slot::Present { value, .. } => value,
        other => {
            let (status, message, help) =
                absent(other, policy.optional, "pull-request review data");
            let (id, title) = rule(Family::ReviewsApprovals);
            out.push(RuleResult::new(
                id,
                title,
                status,
                None,
                &approvals_required,
                message.clone(),
                help.clone(),
            ));
            if policy.block_on_changes_requested {
                let (id, title) = rule(Family::ReviewsChangesRequested);
                out.push(RuleResult::new(
                    id, title, status, None, "none", message, help,
                ));
            }
            return None;
        }
    };
    let t = tally(policy, pr);
    let count = u32::try_from(t.approvals.len()).unwrap_or(u32::MAX);
    let actual = if t.approvals.is_empty() {
        "0".to_owned()
    } else {
        format!("{count} ({})", t.approvals.join(", "))
    };
    let mut message = format!(
        "{count} counting approval{} of {} required",
        if count == 1 { "" } else { "s" },
        policy.approvals
    );
    if !t.stale_approvals.is_empty() {
        let _ = write!(
            message,
            "; approvals of an older commit do not count: {}",
            t.stale_approvals.join(", ")
        );
    }
    let (status, help) = if count >= policy.approvals {
        (Status::Pass, None)
    } else {
        let missing = policy.approvals - count;
        (
            Status::Fail,
            Some(format!(
                "get {missing} more approving review{} of the head commit from {}",
                if missing == 1 { "" } else { "s" },
                if policy.associations.is_empty() {
                    "a reviewer other than the author".to_owned()
                } else {
                    policy.associations.join("/")
                }
            )),
        )
    };
    let (id, title) = rule(Family::ReviewsApprovals);
    out.push(RuleResult::new(
        id,
        title,
        status,
        Some(actual),
        &approvals_required,
        message,
        help,
    ));
    if policy.block_on_changes_requested {
        out.push(changes_requested_rule(&t));
    }
    Some(t)
}

fn changes_requested_rule(t: &ReviewTally) -> RuleResult {
    let (status, message, help) = if t.changes_requested.is_empty() {
        (
            Status::Pass,
            "no reviewer requests changes".to_owned(),
            None,
        )
    } else {
        (
            Status::Fail,
            format!("changes requested by {}", t.changes_requested.join(", ")),
            Some("address the requested changes and ask for a new review, or have the review dismissed".to_owned()),
        )
    };
    let actual = if t.changes_requested.is_empty() {
        "none".to_owned()
    } else {
        t.changes_requested.join(", ")
    };
    let (id, title) = rule(Family::ReviewsChangesRequested);
    RuleResult::new(id, title, status, Some(actual), "none", message, help)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::github::Review;

    fn policy() -> ReviewsPolicy {
        ReviewsPolicy {
            optional: false,
            approvals: 2,
            current_head_only: true,
            block_on_changes_requested: true,
            associations: vec!["MEMBER".into(), "OWNER".into()],
        }
    }

    fn review(login: &str, id: u64, state: ReviewState, commit: &str) -> Review {
        Review {
            reviewer: login.into(),
            reviewer_id: id,
            is_bot: login.ends_with("[bot]"),
            state,
            commit_id: Some(commit.into()),
            association: "MEMBER".into(),
        }
    }

    #[test]
    fn a_comment_after_an_approval_does_not_undo_it() {
        let pr = PullRequestReviews {
            author: "dev".into(),
            head_sha: "h".into(),
            reviews: vec![
                review("alice", 1, ReviewState::Approved, "h"),
                review("alice", 1, ReviewState::Commented, "h"),
            ],
        };
        assert_eq!(tally(&policy(), &pr).approvals, vec!["alice"]);
    }

    #[test]
    fn a_later_change_request_or_dismissal_undoes_an_approval() {
        let pr = PullRequestReviews {
            author: "dev".into(),
            head_sha: "h".into(),
            reviews: vec![
                review("alice", 1, ReviewState::Approved, "h"),
                review("bob", 2, ReviewState::Approved, "h"),
                review("alice", 1, ReviewState::ChangesRequested, "h"),
                review("bob", 2, ReviewState::Dismissed, "h"),
            ],
        };
        let t = tally(&policy(), &pr);
        assert!(t.approvals.is_empty());
        assert_eq!(t.changes_requested, vec!["alice"]);
    }

    #[test]
    fn author_bots_stale_commits_and_other_associations_do_not_count() {
        let mut outsider = review("carol", 4, ReviewState::Approved, "h");
        outsider.association = "CONTRIBUTOR".into();
        let pr = PullRequestReviews {
            author: "dev".into(),
            head_sha: "h".into(),
            reviews: vec![
                review("dev", 9, ReviewState::Approved, "h"),
                review("ci[bot]", 3, ReviewState::Approved, "h"),
                review("alice", 1, ReviewState::Approved, "old"),
                outsider,
                review("bob", 2, ReviewState::Approved, "h"),
            ],
        };
        let t = tally(&policy(), &pr);
        assert_eq!(t.approvals, vec!["bob"]);
        assert_eq!(t.stale_approvals, vec!["alice"]);
        let mut rules = Vec::new();
        super::rules(
            &policy(),
            &Slot::Present {
                value: pr,
                sources: vec![],
            },
            &mut rules,
        );
        assert_eq!(rules[0].status, Status::Fail);
        assert_eq!(rules[1].status, Status::Pass);
    }

    #[test]
    fn renamed_reviewers_are_one_person_by_id() {
        let pr = PullRequestReviews {
            author: "dev".into(),
            head_sha: "h".into(),
            reviews: vec![
                review("alice", 1, ReviewState::Approved, "h"),
                review("alice-renamed", 1, ReviewState::Approved, "h"),
            ],
        };
        assert_eq!(tally(&policy(), &pr).approvals.len(), 1);
    }
}
