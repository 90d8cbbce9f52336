//! What changes between two validated policies, key by key.
//!
//! Both policies are serialised the way `policy show` writes them (so a
//! field added to the model is compared without anyone remembering to) and
//! walked side by side: tables by key, arrays of tables (`[[signoffs]]`,
//! `[[coverage.paths]]`, ...) by the field that names each entry, so that
//! reordering entries changes nothing and a removed entry is named rather
//! than shifting every later one. Provenance (paths, hashes, `extends`) is
//! not part of the serialised form: two policies that demand the same are
//! equal here wherever they were read from.

use toml::Value;

use super::show::{unwritable, Shown};
use super::{Diagnostics, Policy};

/// One difference between two policies, at a dotted key such as
/// `coverage.lines` or `signoffs[security-audit]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyChange {
    /// The key is new.
    Added {
        /// Where.
        key: String,
        /// Its value, as inline TOML.
        value: String,
    },
    /// The key is gone.
    Removed {
        /// Where.
        key: String,
        /// The value it had, as inline TOML.
        value: String,
    },
    /// The key has another value.
    Changed {
        /// Where.
        key: String,
        /// The value before, as inline TOML.
        before: String,
        /// The value after.
        after: String,
    },
}

impl PolicyChange {
    /// The dotted key the change is at.
    #[must_use]
    pub fn key(&self) -> &str {
        match self {
            PolicyChange::Added { key, .. }
            | PolicyChange::Removed { key, .. }
            | PolicyChange::Changed { key, .. } => key,
        }
    }
}

impl std::fmt::Display for PolicyChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PolicyChange::Added { key, value } => write!(f, "{key}: added {value}"),
            PolicyChange::Removed { key, .. } => write!(f, "{key}: removed"),
            PolicyChange::Changed { key, before, after } => {
                write!(f, "{key}: {before} -> {after}")
            }
        }
    }
}

/// What `after` demands differently from `before`, sections and keys in
/// name order and entries of an array in `before`'s order (new ones last);
/// empty when both demand the same.
pub fn differences(before: &Policy, after: &Policy) -> Result<Vec<PolicyChange>, Diagnostics> {
    let view = |p: &Policy| Value::try_from(Shown::new(p)).map_err(|e| unwritable(p, &e));
    let (b, a) = (view(before)?, view(after)?);
    let mut out = Vec::new();
    walk("", Some(&b), Some(&a), &mut out);
    Ok(out)
}

/// Fields that name an entry of an array of tables, tried in order: the
/// first one every entry has, as a distinct string, is the entry's key.
const ENTRY_KEYS: [&str; 4] = ["id", "glob", "bench", "name"];

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}.{key}")
    }
}

fn walk(at: &str, before: Option<&Value>, after: Option<&Value>, out: &mut Vec<PolicyChange>) {
    if before == after {
        return;
    }
    if let (Some(Value::Table(b)), Some(Value::Table(a))) = (before, after) {
        let mut keys: Vec<&String> = b.keys().collect();
        keys.extend(a.keys().filter(|k| !b.contains_key(*k)));
        keys.sort();
        for k in keys {
            walk(&join(at, k), b.get(k), a.get(k), out);
        }
        return;
    }
    if let Some((b, a)) = keyed_entries(before, after) {
        let mut names: Vec<&str> = b.iter().map(|(n, _)| *n).collect();
        for (n, _) in &a {
            if !names.contains(n) {
                names.push(n);
            }
        }
        for name in names {
            walk(
                &format!("{at}[{name}]"),
                find(&b, name),
                find(&a, name),
                out,
            );
        }
        return;
    }
    out.push(match (before, after) {
        (None, Some(a)) => PolicyChange::Added {
            key: at.to_owned(),
            value: inline(a),
        },
        (Some(b), None) => PolicyChange::Removed {
            key: at.to_owned(),
            value: inline(b),
        },
        (Some(b), Some(a)) => PolicyChange::Changed {
            key: at.to_owned(),
            before: inline(b),
            after: inline(a),
        },
        (None, None) => return,
    });
}

fn find<'v>(side: &[(&str, &'v Value)], name: &str) -> Option<&'v Value> {
    side.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
}

/// Entries of one array of tables on each side (a missing side is empty,
/// since empty arrays of tables are not written), named by their key field;
/// `None` when the values are not such arrays or no field names every entry
/// distinctly.
type Entries<'v> = Vec<(&'v str, &'v Value)>;

fn keyed_entries<'v>(
    before: Option<&'v Value>,
    after: Option<&'v Value>,
) -> Option<(Entries<'v>, Entries<'v>)> {
    let tables = |v: Option<&'v Value>| -> Option<&'v [Value]> {
        match v {
            None => Some(&[]),
            Some(Value::Array(items)) if items.iter().all(Value::is_table) => Some(items),
            Some(_) => None,
        }
    };
    let (b, a) = (tables(before)?, tables(after)?);
    if b.is_empty() && a.is_empty() {
        return None;
    }
    let named = |items: &'v [Value], field: &str| -> Option<Entries<'v>> {
        let mut out: Entries<'v> = Vec::new();
        for item in items {
            let name = item.get(field)?.as_str()?;
            if out.iter().any(|(n, _)| *n == name) {
                return None;
            }
            out.push((name, item));
        }
        Some(out)
    };
    ENTRY_KEYS
        .iter()
        .find_map(|field| Some((named(b, field)?, named(a, field)?)))
}

/// A value as inline TOML. Every float in a policy is a percentage (the
/// coverage thresholds and `max_regression`), so floats read as `80%`.
fn inline(v: &Value) -> String {
    match v {
        Value::Float(f) => format!("{f}%"),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(inline).collect::<Vec<_>>().join(", ")
        ),
        Value::Table(t) => format!(
            "{{ {} }}",
            t.iter()
                .map(|(k, v)| format!("{k} = {}", inline(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::{differences, PolicyChange};
    use crate::policy::{load_policy, Policy};

    use crate::policy::testing::Text;

    const BASE: &str = r#"
schema = 1
name = "g"
version = "1.0.0"

[coverage]
lines = 80.0

[[coverage.paths]]
glob = "src/crypto/**"
lines = 100.0

[[coverage.paths]]
glob = "src/api/**"
lines = 90.0

[reviews]
approvals = 2

[[signoffs]]
id = "security-audit"
principals = ["security@example.org"]
"#;

    fn policy(text: &str) -> Policy {
        load_policy(&Text(text.to_owned()), Path::new("g.toml")).unwrap()
    }

    fn lines(base: &str, head: &str) -> Vec<String> {
        differences(&policy(base), &policy(head))
            .unwrap()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn the_same_policy_has_no_differences_wherever_it_was_read_from() {
        let a = policy(BASE);
        let mut b = policy(&format!("{BASE}\n# a comment changes the hash\n"));
        b.source.path = "elsewhere/g.toml".to_owned();
        assert_ne!(a.source, b.source);
        assert_eq!(differences(&a, &b).unwrap(), Vec::new());
    }

    #[test]
    fn a_lowered_threshold_and_fewer_approvals_are_named_with_both_values() {
        let head = BASE
            .replace("lines = 80.0", "lines = 70.5")
            .replace("approvals = 2", "approvals = 1");
        assert_eq!(
            lines(BASE, &head),
            ["coverage.lines: 80% -> 70.5%", "reviews.approvals: 2 -> 1"]
        );
    }

    #[test]
    fn a_removed_section_is_one_change() {
        let head = BASE.replace("[reviews]\napprovals = 2\n", "");
        let changes = differences(&policy(BASE), &policy(&head)).unwrap();
        assert_eq!(
            changes,
            [PolicyChange::Removed {
                key: "reviews".to_owned(),
                value: "{ approvals = 2, associations = [], block_on_changes_requested = true, current_head_only = true, optional = false }".to_owned(),
            }]
        );
        assert_eq!(changes[0].to_string(), "reviews: removed");
    }

    #[test]
    fn signoffs_are_compared_by_id() {
        let added = format!(
            "{BASE}\n[[signoffs]]\nid = \"runbook\"\ntitle = \"Runbook tested\"\nprincipals = [\"ops@example.org\"]\ncount = 2\n"
        );
        assert_eq!(
            lines(BASE, &added),
            [
                r#"signoffs[runbook]: added { count = 2, id = "runbook", principals = ["ops@example.org"], title = "Runbook tested" }"#
            ]
        );
        // Removing the first entry names it; the other is not "changed".
        let without = added.replace(
            "[[signoffs]]\nid = \"security-audit\"\nprincipals = [\"security@example.org\"]\n",
            "",
        );
        assert_eq!(
            lines(&added, &without),
            ["signoffs[security-audit]: removed"]
        );
        // All of them gone: each is named.
        let none = BASE.replace(
            "[[signoffs]]\nid = \"security-audit\"\nprincipals = [\"security@example.org\"]\n",
            "",
        );
        assert_eq!(lines(BASE, &none), ["signoffs[security-audit]: removed"]);
    }

    #[test]
    fn coverage_paths_are_compared_by_glob_whatever_their_order() {
        let swapped = BASE.replace(
            "[[coverage.paths]]\nglob = \"src/crypto/**\"\nlines = 100.0\n\n[[coverage.paths]]\nglob = \"src/api/**\"\nlines = 90.0\n",
            "[[coverage.paths]]\nglob = \"src/api/**\"\nlines = 85.0\n\n[[coverage.paths]]\nglob = \"src/crypto/**\"\nlines = 100.0\n",
        );
        assert_ne!(swapped, BASE);
        assert_eq!(
            lines(BASE, &swapped),
            ["coverage.paths[src/api/**].lines: 90% -> 85%"]
        );
    }

    #[test]
    fn an_added_section_and_a_changed_list_are_shown_inline() {
        let head = format!(
            "{BASE}\n[checks]\nrequired = [\"ci-ok\"]\n[overrides]\nnot_overridable = [\"coverage.lines\"]\n"
        );
        assert_eq!(
            lines(BASE, &head),
            [
                r#"checks: added { allow_neutral = false, allow_skipped = false, optional = false, required = ["ci-ok"] }"#,
                r#"overrides.not_overridable: [] -> ["coverage.lines"]"#,
            ]
        );
    }
}
