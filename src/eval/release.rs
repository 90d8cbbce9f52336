//! Release readiness (Gate 3) and design documents (Gate 1).

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{absent, Evidence, RuleResult, Slot, Status};
use crate::evidence::documents::{DocumentMatch, DocumentsError};
use crate::evidence::release::{ChangelogSection, PackageVersion, ReleaseTag};
use crate::evidence::EvidenceError;
use crate::policy::{DocumentPolicy, ReleasePolicy};
use crate::rules::{Family, RuleId};

/// What the release rules look at, gathered by [`crate::gather`].
///
/// Errors are held as the evidence readers raised them (shared, so that
/// evidence stays `Clone`); the judge only prints them.
#[derive(Debug, Clone)]
pub struct ReleaseEvidence {
    /// The tag judged.
    pub tag: ReleaseTag,
    /// Publishable workspace packages (`cargo metadata`); `Err` says why they could not be read.
    pub packages: Result<Vec<PackageVersion>, Arc<EvidenceError>>,
    /// The changelog asked for by the policy: its path and, if it exists, the
    /// section for the tag's version.
    pub changelog: Option<ChangelogFinding>,
    /// The workspace manifests that `packages` were read from and that the
    /// working tree holds otherwise than the judged commit, when the
    /// repository has that commit; `None` when they are the commit's.
    pub manifests_not_committed: Option<ManifestsNotCommitted>,
}

/// Workspace manifests (`Cargo.toml` files) the working tree holds
/// otherwise than the judged commit: changed since it, or not in it.
/// Versions read from them are not the commit's, so `release.version`
/// fails, as an uncommitted changelog does for `release.changelog`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestsNotCommitted {
    /// The commit judged.
    pub commit: String,
    /// The manifests, repository-relative.
    pub paths: Vec<String>,
}

/// What the changelog holds for the version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangelogState {
    /// The file does not exist.
    FileMissing,
    /// The file is in the working tree but not in the judged commit
    /// (untracked, or added and not committed): it does not count.
    NotCommitted {
        /// The commit the changelog was read from.
        commit: String,
    },
    /// The file has no section for the version.
    NoSection,
    /// The section, empty or not.
    Section(ChangelogSection),
}

/// The changelog asked for by the policy and what it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangelogFinding {
    /// Repository-relative path.
    pub path: String,
    /// What it holds for the tag's version.
    pub state: ChangelogState,
}

/// Files found for each `[[documents]]` rule, by id; `Err` says why the search failed.
pub type DocumentEvidence = BTreeMap<String, Result<Vec<DocumentMatch>, Arc<DocumentsError>>>;

/// A rule id and its title.
fn rule(family: Family) -> (RuleId, String) {
    let id = family.id();
    let title = id.title();
    (id, title)
}

pub(super) fn rules(policy: &ReleasePolicy, evidence: &Evidence, out: &mut Vec<RuleResult>) {
    let release = match &evidence.release {
        Slot::Present { value, .. } => value,
        other => {
            let (status, message, help) = absent(other, policy.optional, "release tag");
            let help = help.or_else(|| Some("run on a tag push, or pass --tag vX.Y.Z".to_owned()));
            if policy.version_matches_tag {
                let (id, title) = rule(Family::ReleaseVersion);
                out.push(RuleResult::new(
                    id,
                    title,
                    status,
                    None,
                    "= tag version",
                    message.clone(),
                    help.clone(),
                ));
            }
            if policy.changelog.is_some() {
                let (id, title) = rule(Family::ReleaseChangelog);
                out.push(RuleResult::new(
                    id,
                    title,
                    status,
                    None,
                    "a non-empty section",
                    message,
                    help,
                ));
            }
            return;
        }
    };
    if policy.version_matches_tag {
        out.push(version_rule(release));
    }
    if let Some(path) = &policy.changelog {
        out.push(changelog_rule(path, release));
    }
}

fn version_rule(release: &ReleaseEvidence) -> RuleResult {
    let version = &release.tag.version;
    let required = format!("= {version}");
    let (id, title) = rule(Family::ReleaseVersion);
    let rule = |status, actual, message, help| {
        RuleResult::new(
            id.clone(),
            title.clone(),
            status,
            actual,
            &required,
            message,
            help,
        )
    };
    match (&release.packages, &release.manifests_not_committed) {
        (Err(e), _) => rule(
            Status::Error,
            None,
            format!("cannot read the workspace's package versions: {e}"),
            None,
        ),
        (Ok(packages), _) if packages.is_empty() => rule(
            Status::Error,
            None,
            "the workspace has no publishable package to compare with the tag".to_owned(),
            None,
        ),
        (Ok(_), Some(manifests)) => {
            let commit = manifests.commit.get(..12).unwrap_or(&manifests.commit);
            let paths = manifests.paths.join(", ");
            rule(
                Status::Fail,
                None,
                format!(
                    "{paths}: not as in commit {commit} (changed or not committed); package versions are read as the commit judged holds them"
                ),
                Some(format!("commit {paths}, then judge again")),
            )
        }
        (Ok(packages), None) => {
            let wrong: Vec<String> = packages
                .iter()
                .filter(|p| &p.version != version)
                .map(|p| format!("{} {}", p.name, p.version))
                .collect();
            let actual = Some(
                packages
                    .iter()
                    .map(|p| format!("{} {}", p.name, p.version))
                    .collect::<Vec<_>>()
                    .join(", "),
            );
            if wrong.is_empty() {
                rule(
                    Status::Pass,
                    actual,
                    format!("every publishable package is at {version}"),
                    None,
                )
            } else {
                rule(
                    Status::Fail,
                    actual,
                    format!("tag {} says {version}, but: {}", release.tag.tag, wrong.join(", ")),
                    Some(format!("set `version = \"{version}\"` in those Cargo.toml files, or tag the version they carry")),
                )
            }
        }
    }
}

fn changelog_rule(path: &str, release: &ReleaseEvidence) -> RuleResult {
    let version = &release.tag.version;
    let required = format!("a non-empty section for {version}");
    let (id, title) = rule(Family::ReleaseChangelog);
    let rule = |status, actual: Option<String>, message, help| {
        RuleResult::new(
            id.clone(),
            title.clone(),
            status,
            actual,
            &required,
            message,
            help,
        )
    };
    let state = release
        .changelog
        .as_ref()
        .map_or(&ChangelogState::FileMissing, |c| &c.state);
    match state {
        ChangelogState::FileMissing => rule(
            Status::Fail,
            None,
            format!("{path} not found"),
            Some(format!("add {path} with a `## [{version}]` section")),
        ),
        ChangelogState::NotCommitted { commit } => rule(
            Status::Fail,
            None,
            format!(
                "{path} is in the working tree but not in commit {}: release files are read from the commit judged",
                commit.get(..12).unwrap_or(commit)
            ),
            Some(format!("commit {path} (with a `## [{version}]` section), then judge again")),
        ),
        ChangelogState::NoSection => rule(
            Status::Fail,
            Some("no section".to_owned()),
            format!("{path} has no section for {version}"),
            Some(format!(
                "add a `## [{version}] - YYYY-MM-DD` section with the release notes"
            )),
        ),
        ChangelogState::Section(section) if !section.non_empty => rule(
            Status::Fail,
            Some("empty section".to_owned()),
            format!(
                "{path}:{}: the section `{}` is empty",
                section.line, section.heading
            ),
            Some("write the release notes under that heading".to_owned()),
        ),
        ChangelogState::Section(section) => rule(
            Status::Pass,
            Some(format!("{path}:{}", section.line)),
            format!("`## {}` has release notes", section.heading),
            None,
        ),
    }
}

/// Why a `[[documents]]` rule failed and what to do, for the `files` found
/// (`lacking`: those without the marker).
fn missing_documents(
    doc: &DocumentPolicy,
    id: &str,
    files: &[DocumentMatch],
    lacking: &[&str],
) -> (String, String) {
    let marker = doc.marker.as_deref().unwrap_or_default();
    // Files whose marker only the change itself has (not the
    // trusted base commit): a change cannot approve itself.
    let self_approved: Vec<&str> = files
        .iter()
        .filter(|f| f.marker_only_in_change)
        .map(|f| f.path.as_str())
        .collect();
    let message = if files.is_empty() {
        format!("no file matches {}", doc.glob)
    } else if self_approved.is_empty() {
        format!("without \"{marker}\": {}", lacking.join(", "))
    } else {
        format!(
            "without \"{marker}\": {}; the base commit does not have the marker in {}: \
             approvals a pull request brings itself need a signed sign-off",
            lacking.join(", "),
            self_approved.join(", ")
        )
    };
    let help = match &doc.marker {
        Some(_) if !self_approved.is_empty() => format!(
            "land the approval (\"{marker}\") on the base branch first, or have a maintainer \
             waive {id} with a signed override (docs/overrides.md)"
        ),
        Some(m) => format!(
            "add the document at {} and mark it \"{m}\" once approved",
            doc.glob
        ),
        None => format!("add the document at {}", doc.glob),
    };
    (message, help)
}

pub(super) fn document_rules(
    policies: &[DocumentPolicy],
    evidence: &Evidence,
    out: &mut Vec<RuleResult>,
) {
    for doc in policies {
        // The title is the entry's own (Title::FromPolicy in the catalogue).
        let id = Family::Documents.keyed(&doc.id).to_string();
        let required = match &doc.marker {
            Some(m) => format!(
                ">= {} file(s) matching {} containing \"{m}\"",
                doc.min_files, doc.glob
            ),
            None => format!(">= {} file(s) matching {}", doc.min_files, doc.glob),
        };
        let found = evidence.documents.get(&doc.id);
        let rule = match found {
            None => RuleResult::new(
                id,
                doc.title.clone(),
                Status::Error,
                None,
                &required,
                "the documents were not searched".to_owned(),
                None,
            ),
            Some(Err(e)) => RuleResult::new(
                id,
                doc.title.clone(),
                Status::Error,
                None,
                &required,
                e.to_string(),
                None,
            ),
            Some(Ok(files)) => {
                let good: Vec<&DocumentMatch> =
                    files.iter().filter(|f| f.contains_marker).collect();
                let lacking: Vec<&str> = files
                    .iter()
                    .filter(|f| !f.contains_marker)
                    .map(|f| f.path.as_str())
                    .collect();
                let count = u32::try_from(good.len()).unwrap_or(u32::MAX);
                let actual = format!("{count} of {} file(s)", files.len());
                if count >= doc.min_files {
                    RuleResult::new(
                        id,
                        doc.title.clone(),
                        Status::Pass,
                        Some(actual),
                        &required,
                        good.iter()
                            .map(|f| f.path.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                        None,
                    )
                } else {
                    let status = if files.is_empty() && doc.optional {
                        Status::Skipped
                    } else {
                        Status::Fail
                    };
                    let (message, help) = missing_documents(doc, &id, files, &lacking);
                    RuleResult::new(
                        id,
                        doc.title.clone(),
                        status,
                        Some(actual),
                        &required,
                        message,
                        Some(help),
                    )
                }
            }
        };
        out.push(rule);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evidence(packages: Vec<(&str, &str)>, state: ChangelogState) -> Evidence {
        let tag = ReleaseTag {
            tag: "v1.2.0".into(),
            version: semver::Version::new(1, 2, 0),
        };
        let packages = packages
            .into_iter()
            .map(|(n, v)| PackageVersion {
                name: n.into(),
                version: v.parse().unwrap(),
                manifest_path: "Cargo.toml".into(),
            })
            .collect();
        let changelog = Some(ChangelogFinding {
            path: "CHANGELOG.md".into(),
            state,
        });
        Evidence {
            release: Slot::Present {
                value: ReleaseEvidence {
                    tag,
                    packages: Ok(packages),
                    changelog,
                    manifests_not_committed: None,
                },
                sources: vec![],
            },
            ..Evidence::default()
        }
    }

    fn judge(e: &Evidence) -> Vec<Status> {
        let policy = ReleasePolicy {
            optional: false,
            changelog: Some("CHANGELOG.md".into()),
            version_matches_tag: true,
        };
        let mut out = Vec::new();
        rules(&policy, e, &mut out);
        out.iter().map(|r| r.status).collect()
    }

    #[test]
    fn versions_must_equal_the_tag_and_the_section_must_say_something() {
        let good = ChangelogSection {
            heading: "[1.2.0] - 2026-11-25".into(),
            line: 7,
            non_empty: true,
        };
        let empty = ChangelogSection {
            non_empty: false,
            ..good.clone()
        };
        assert_eq!(
            judge(&evidence(
                vec![("a", "1.2.0")],
                ChangelogState::Section(good.clone())
            )),
            vec![Status::Pass, Status::Pass]
        );
        assert_eq!(
            judge(&evidence(
                vec![("a", "1.2.0"), ("b", "1.1.9")],
                ChangelogState::Section(good)
            )),
            vec![Status::Fail, Status::Pass]
        );
        assert_eq!(
            judge(&evidence(
                vec![("a", "1.2.0")],
                ChangelogState::Section(empty)
            )),
            vec![Status::Pass, Status::Fail]
        );
        assert_eq!(
            judge(&evidence(vec![("a", "1.2.0")], ChangelogState::NoSection)),
            vec![Status::Pass, Status::Fail]
        );
        assert_eq!(
            judge(&evidence(vec![("a", "1.2.0")], ChangelogState::FileMissing)),
            vec![Status::Pass, Status::Fail]
        );
    }

    /// The rules of a policy that asks only that versions match the tag.
    fn version_only(e: &Evidence) -> Vec<RuleResult> {
        let policy = ReleasePolicy {
            optional: false,
            changelog: None,
            version_matches_tag: true,
        };
        let mut out = Vec::new();
        rules(&policy, e, &mut out);
        out
    }

    #[test]
    fn versions_from_manifests_not_in_the_commit_fail_whatever_they_say() {
        let mut e = evidence(vec![("a", "1.2.0")], ChangelogState::NoSection);
        if let Slot::Present { value, .. } = &mut e.release {
            value.manifests_not_committed = Some(ManifestsNotCommitted {
                commit: "0123456789abcdef0123".into(),
                paths: vec!["Cargo.toml".into(), "crates/a/Cargo.toml".into()],
            });
        }
        let out = version_only(&e);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].status, Status::Fail);
        assert!(
            out[0]
                .message
                .starts_with("Cargo.toml, crates/a/Cargo.toml: not as in commit 0123456789ab"),
            "{}",
            out[0].message
        );
    }

    #[test]
    fn without_a_tag_the_release_rules_fail_closed() {
        let e = Evidence {
            release: Slot::Missing { expected: vec![] },
            ..Evidence::default()
        };
        assert_eq!(judge(&e), vec![Status::Fail, Status::Fail]);
    }

    #[test]
    fn unreadable_packages_are_an_error_naming_the_file() {
        let mut e = evidence(vec![], ChangelogState::FileMissing);
        let Slot::Present { value, .. } = &mut e.release else {
            unreachable!()
        };
        value.packages = Err(Arc::new(EvidenceError::Malformed {
            path: "Cargo.toml".into(),
            line: 3,
            message: "expected `=`".into(),
        }));
        let out = version_only(&e);
        assert_eq!(out[0].status, Status::Error);
        assert_eq!(
            out[0].message,
            "cannot read the workspace's package versions: Cargo.toml:3: expected `=`"
        );
    }
}
