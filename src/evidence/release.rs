//! Release-readiness evidence for Gate 3 (docs/formats.md, changelogs and tags; issue #3):
//! the changelog section for a version, the versions of the workspace's
//! published packages, and the release tag parsed as semver.
//!
//! The changelog is scanned line by line rather than with a Markdown parser:
//! the only structure that matters is level-2 headings (Keep a Changelog's
//! `## [1.2.3] - 2026-01-01`, and the plain `## 1.2.3` / `## v1.2.3`), and a
//! full Markdown parser would add a dependency to answer one question.
//! Package versions come from `cargo metadata` (the `cargo_metadata` crate),
//! the same view of the workspace cargo publishes from.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::text::read_text;
use super::EvidenceError;
use crate::policy::TagPattern;

/// The changelog section for one version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangelogSection {
    /// The heading line as written, without the `## `.
    pub heading: String,
    /// 1-based line of the heading.
    pub line: u32,
    /// Whether the section says anything: a non-blank line before the next
    /// level-1 or level-2 heading that is not itself a heading, a link
    /// reference (`[1.2.3]: https://…`) or an HTML comment.
    pub non_empty: bool,
}

/// Reads `path` and finds the section for `version` (see [`changelog_section`]).
pub fn read_changelog_section(
    path: &Path,
    version: &str,
) -> Result<Option<ChangelogSection>, EvidenceError> {
    let text = read_text(path)?;
    Ok(changelog_section(&text, version))
}

/// Finds the level-2 heading for `version` (`## [1.2.3]`, `## [1.2.3] - date`,
/// `## 1.2.3`, `## v1.2.3`) in a Keep a Changelog file. The version text must
/// match exactly (`1.2.3` does not match `1.2.30` or `1.2.3-rc.1`).
#[must_use]
pub fn changelog_section(text: &str, version: &str) -> Option<ChangelogSection> {
    let wanted = version.trim().trim_start_matches(['v', 'V']);
    let mut fence: Option<&str> = None;
    let mut found: Option<ChangelogSection> = None;
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim_end();
        if let Some(marker) = fence {
            if line.trim_start().starts_with(marker) {
                fence = None;
            }
            // Code in a section is content.
            if let Some(section) = found.as_mut() {
                section.non_empty = true;
            }
            continue;
        }
        let stripped = line.trim_start();
        if stripped.starts_with("```") || stripped.starts_with("~~~") {
            fence = Some(&stripped[..3]);
            if let Some(section) = found.as_mut() {
                section.non_empty = true;
            }
            continue;
        }
        let level = heading_level(line);
        if let Some(section) = found.as_mut() {
            if matches!(level, Some(1 | 2)) {
                return found;
            }
            if is_content(line) {
                section.non_empty = true;
            }
            continue;
        }
        if level == Some(2) {
            let heading = line[2..].trim();
            if heading_version(heading) == Some(wanted) {
                found = Some(ChangelogSection {
                    heading: heading.to_owned(),
                    line: u32::try_from(index + 1).unwrap_or(u32::MAX),
                    non_empty: false,
                });
            }
        }
    }
    found
}

/// The ATX heading level of `line` (`## x` is 2), if it is a heading.
fn heading_level(line: &str) -> Option<usize> {
    let hashes = line.bytes().take_while(|&b| b == b'#').count();
    let rest = &line[hashes..];
    ((1..=6).contains(&hashes) && (rest.is_empty() || rest.starts_with([' ', '\t'])))
        .then_some(hashes)
}

/// The version a level-2 heading names: the first word, with `[`…`]` and a
/// leading `v` removed.
fn heading_version(heading: &str) -> Option<&str> {
    let word = heading.split_whitespace().next()?;
    let word = match word.strip_prefix('[') {
        Some(inner) => inner.split(']').next()?,
        None => word,
    };
    Some(word.trim_start_matches(['v', 'V']))
}

/// Whether a line inside a section says something.
fn is_content(line: &str) -> bool {
    let line = line.trim();
    if line.is_empty() || heading_level(line).is_some() {
        return false;
    }
    if line.starts_with("<!--") && line.ends_with("-->") {
        return false;
    }
    // A link reference definition: `[label]: destination`.
    let is_link_reference = line
        .strip_prefix('[')
        .and_then(|rest| rest.split_once("]:"))
        .is_some_and(|(label, _)| !label.is_empty() && !label.contains(']'));
    !is_link_reference
}

/// A publishable workspace package and its version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackageVersion {
    /// Package name.
    pub name: String,
    /// Version from its manifest.
    pub version: semver::Version,
    /// Path of its `Cargo.toml`.
    pub manifest_path: PathBuf,
}

/// The versions of the workspace members that can be published, via
/// `cargo metadata --no-deps` on `manifest_path`. Packages with
/// `publish = false` (`publish == Some([])` in cargo's metadata) are left
/// out: their versions need not follow the release tag.
pub fn workspace_versions(manifest_path: &Path) -> Result<Vec<PackageVersion>, EvidenceError> {
    let metadata = cargo_metadata::MetadataCommand::new()
        .manifest_path(manifest_path)
        .no_deps()
        .exec()
        .map_err(|err| EvidenceError::Command {
            path: manifest_path.to_path_buf(),
            tool: "cargo metadata".into(),
            source: Box::new(err),
        })?;
    let mut out: Vec<PackageVersion> = metadata
        .workspace_packages()
        .into_iter()
        .filter(|p| {
            p.publish
                .as_ref()
                .is_none_or(|registries| !registries.is_empty())
        })
        .map(|p| PackageVersion {
            name: p.name.clone(),
            version: p.version.clone(),
            manifest_path: p.manifest_path.clone().into_std_path_buf(),
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// A release tag understood as a version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReleaseTag {
    /// The tag as given (without any `refs/tags/` prefix).
    pub tag: String,
    /// The version after the pattern's prefix.
    pub version: semver::Version,
}

impl ReleaseTag {
    /// Whether the version is a semver pre-release (`1.0.0-rc.1`), which
    /// selects the `prerelease` gate.
    #[must_use]
    pub fn is_prerelease(&self) -> bool {
        !self.version.pre.is_empty()
    }
}

/// Why a tag is not a release tag.
#[derive(Debug, thiserror::Error)]
pub enum TagError {
    /// The tag does not match the pattern.
    #[error("tag {tag:?} does not match the release tag pattern {pattern:?}")]
    NoMatch {
        /// The tag.
        tag: String,
        /// The pattern.
        pattern: String,
    },
    /// The text after the pattern's prefix is not a semver version.
    #[error("tag {tag:?}: {version:?} is not a semantic version: {source}")]
    NotSemver {
        /// The tag.
        tag: String,
        /// The text that was parsed.
        version: String,
        /// What the semver parser said.
        #[source]
        source: semver::Error,
    },
}

/// The literal prefix of a tag pattern: everything before its first glob
/// metacharacter (`v*` → `v`, `release-*` → `release-`).
#[must_use]
pub fn pattern_prefix(pattern: &str) -> &str {
    let end = pattern
        .find(['*', '?', '[', '{', '\\'])
        .unwrap_or(pattern.len());
    &pattern[..end]
}

/// Whether `tag` matches the release tag pattern (compiled by
/// configuration validation, `[release] tag_pattern`).
#[must_use]
pub fn tag_matches(tag: &str, pattern: &TagPattern) -> bool {
    let tag = tag.strip_prefix("refs/tags/").unwrap_or(tag);
    pattern.is_match(tag)
}

/// Parses a release tag: it must match `pattern`; what follows the
/// pattern's literal prefix must be a semver version (`v1.2.3` with `v*`
/// is `1.2.3`).
pub fn parse_tag(tag: &str, pattern: &TagPattern) -> Result<ReleaseTag, TagError> {
    let tag = tag.strip_prefix("refs/tags/").unwrap_or(tag);
    let text = pattern.as_str();
    if !tag_matches(tag, pattern) {
        return Err(TagError::NoMatch {
            tag: tag.to_owned(),
            pattern: text.to_owned(),
        });
    }
    let version_text = tag.strip_prefix(pattern_prefix(text)).unwrap_or(tag);
    let version = semver::Version::parse(version_text).map_err(|source| TagError::NotSemver {
        tag: tag.to_owned(),
        version: version_text.to_owned(),
        source,
    })?;
    Ok(ReleaseTag {
        tag: tag.to_owned(),
        version,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHANGELOG: &str = "# Changelog\n\
\n\
## [Unreleased]\n\
\n\
## [1.2.3] - 2026-01-01\n\
### Added\n\
- lookups are faster\n\
\n\
## 1.2.2\n\
\n\
### Fixed\n\
\n\
## v1.2.1\n\
<!-- nothing yet -->\n\
\n\
[1.2.1]: https://example.org/compare/v1.2.0...v1.2.1\n\
## [1.2.0]\n\
```\n\
## not a heading\n\
```\n\
## [1.2.30]\n\
- other\n\
\n\
[1.2.3]: https://example.org/compare/v1.2.2...v1.2.3\n";

    #[test]
    fn finds_each_heading_style() {
        let s = changelog_section(CHANGELOG, "1.2.3").unwrap();
        assert_eq!(
            (s.heading.as_str(), s.line, s.non_empty),
            ("[1.2.3] - 2026-01-01", 5, true)
        );
        let s = changelog_section(CHANGELOG, "1.2.2").unwrap();
        assert_eq!(
            (s.line, s.non_empty),
            (9, false),
            "only a sub-heading: empty"
        );
        let s = changelog_section(CHANGELOG, "v1.2.1").unwrap();
        assert_eq!(
            (s.line, s.non_empty),
            (13, false),
            "comment and link reference: empty"
        );
        let s = changelog_section(CHANGELOG, "1.2.0").unwrap();
        assert!(
            s.non_empty,
            "a fenced block is content and its `##` is not a heading"
        );
        assert_eq!(changelog_section(CHANGELOG, "1.2.30").unwrap().line, 21);
    }

    #[test]
    fn version_must_match_exactly() {
        assert_eq!(changelog_section(CHANGELOG, "1.2"), None);
        assert_eq!(changelog_section(CHANGELOG, "1.2.4"), None);
        assert_eq!(changelog_section("## [1.2.3-rc.1]\n- x\n", "1.2.3"), None);
        assert!(
            changelog_section("## [1.2.3-rc.1]\n- x\n", "1.2.3-rc.1")
                .unwrap()
                .non_empty
        );
        // Level-3 headings are not sections.
        assert_eq!(changelog_section("### 1.2.3\n- x\n", "1.2.3"), None);
    }

    #[test]
    fn section_ends_at_level_one_heading() {
        let s = changelog_section("## 1.0.0\n\n# Older\n- x\n", "1.0.0").unwrap();
        assert!(!s.non_empty);
    }

    fn pattern(text: &str) -> TagPattern {
        TagPattern::new(text).unwrap()
    }

    #[test]
    fn tags_parse_after_the_pattern_prefix() {
        let v = pattern("v*");
        let t = parse_tag("v1.2.3", &v).unwrap();
        assert_eq!(t.version, semver::Version::new(1, 2, 3));
        assert!(!t.is_prerelease());
        let t = parse_tag("refs/tags/v1.0.0-rc.1", &v).unwrap();
        assert_eq!(t.tag, "v1.0.0-rc.1");
        assert!(t.is_prerelease());
        let t = parse_tag("release-2.0.0", &pattern("release-*")).unwrap();
        assert_eq!(t.version.major, 2);
        assert!(matches!(
            parse_tag("1.2.3", &v),
            Err(TagError::NoMatch { .. })
        ));
        let err = parse_tag("v1.2", &v).unwrap_err();
        assert!(matches!(err, TagError::NotSemver { .. }));
        assert!(err.to_string().contains("\"1.2\""), "{err}");
        assert_eq!(pattern_prefix("v*"), "v");
        assert_eq!(pattern_prefix("*"), "");
        assert!(tag_matches("v1.0.0", &v));
        assert!(!tag_matches("x1.0.0", &v));
    }

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn workspace_versions_skip_unpublished_members() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(
            &root.join("Cargo.toml"),
            "[workspace]\nmembers = [\"a\", \"b\", \"c\"]\nresolver = \"2\"\n",
        );
        for (name, version, extra) in [
            ("a", "1.2.3", ""),
            ("b", "0.9.0", "publish = false\n"),
            ("c", "1.2.3", "publish = [\"crates-io\"]\n"),
        ] {
            write(
                &root.join(name).join("Cargo.toml"),
                &format!("[package]\nname = \"{name}\"\nversion = \"{version}\"\nedition = \"2021\"\n{extra}"),
            );
            write(&root.join(name).join("src/lib.rs"), "");
        }
        let versions = workspace_versions(&root.join("Cargo.toml")).unwrap();
        let got: Vec<_> = versions
            .iter()
            .map(|p| (p.name.as_str(), p.version.to_string()))
            .collect();
        assert_eq!(got, [("a", "1.2.3".to_owned()), ("c", "1.2.3".to_owned())]);
    }

    #[test]
    fn broken_manifest_is_a_command_error() {
        let dir = tempfile::tempdir().unwrap();
        let manifest = dir.path().join("Cargo.toml");
        write(&manifest, "[package\n");
        match workspace_versions(&manifest) {
            Err(EvidenceError::Command { path, tool, source }) => {
                assert_eq!(path, manifest);
                assert_eq!(tool, "cargo metadata");
                // cargo's own complaint survives, typed, for the report.
                assert!(
                    source.downcast_ref::<cargo_metadata::Error>().is_some(),
                    "{source}"
                );
                assert!(source.to_string().contains("Cargo.toml"), "{source}");
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
