//! The note a pull request that changes policy files gets: what its own
//! policy would change. The verdict itself always comes from the base
//! commit's policy; this only tells the author what merging would do.

use std::path::Path;

use crate::git::{self, GitRevision};
use crate::policy::{self, Policy};

/// When the change `base...head` touches policy files, says what its own
/// policy would change; `None` when it touches none (or is not a change).
pub(super) fn policy_change_note(
    root: &Path,
    base: Option<&str>,
    head: Option<&str>,
    policy_path: &Path,
    base_policy: &Policy,
) -> Option<String> {
    let (Some(base), Some(head)) = (base, head) else {
        return None;
    };
    let changed = git::changed_paths(root, base, head, &[]);
    let policy_dir = policy_path
        .parent()
        .map(|d| d.to_string_lossy().into_owned())
        .unwrap_or_default();
    let touched: Vec<&str> = changed
        .iter()
        .map(String::as_str)
        .filter(|p| p.starts_with(policy_dir.as_str()) || *p == "tollgate.toml")
        .collect();
    if touched.is_empty() {
        return None;
    }
    let head_source = GitRevision {
        repo: root.to_path_buf(),
        rev: head.to_owned(),
    };
    let summary = match policy::load_policy(&head_source, policy_path) {
        Ok(head_policy) => summary(base_policy, &head_policy),
        Err(e) => format!("the pull request's version of the policy is invalid: {e}"),
    };
    Some(format!(
        "this pull request changes {}; it was judged by the base commit's policy ({summary})",
        touched.join(", ")
    ))
}

/// What merging would change in the gate, from the two validated models.
/// Where the policy came from (paths, hashes, `extends`) is not what it
/// demands: a change only there is said as such.
fn summary(base: &Policy, head: &Policy) -> String {
    match policy::differences(base, head) {
        Err(e) => format!("what it would change could not be worked out: {e}"),
        Ok(changes) if changes.is_empty() => {
            if base.source == head.source && base.inherited == head.inherited {
                "the effective policy of this gate would not change".to_owned()
            } else {
                "its policy files change, but what this gate demands would not".to_owned()
            }
        }
        Ok(changes) => format!(
            "after merge the gate would change: {}",
            changes
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::summary;
    use crate::policy::{load_policy, Policy};

    use crate::policy::testing::Text;

    fn policy(text: &str) -> Policy {
        load_policy(&Text(text.to_owned()), Path::new("policies/g.toml")).unwrap()
    }

    const BASE: &str = "schema = 1\nname = \"g\"\nversion = \"1.0.0\"\n[coverage]\nlines = 80.0\n[reviews]\napprovals = 2\n";

    #[test]
    fn a_lowered_bar_is_named_key_by_key() {
        let head = BASE
            .replace("lines = 80.0", "lines = 70.0")
            .replace("approvals = 2", "approvals = 1");
        assert_eq!(
            summary(&policy(BASE), &policy(&head)),
            "after merge the gate would change: coverage.lines: 80% -> 70%; reviews.approvals: 2 -> 1"
        );
    }

    #[test]
    fn a_change_of_the_files_alone_is_said_as_such() {
        let base = policy(BASE);
        assert_eq!(
            summary(&base, &base.clone()),
            "the effective policy of this gate would not change"
        );
        let reworded = policy(&format!("# reworded\n{BASE}"));
        assert_eq!(
            summary(&base, &reworded),
            "its policy files change, but what this gate demands would not"
        );
    }
}
