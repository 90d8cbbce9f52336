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
        touched.join(", ")
    ))
}
