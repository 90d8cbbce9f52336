//! The rule catalogue: every family of rules tollgate judges, as data.
//!
//! A rule id is a family name, with a key in brackets for the families that
//! have one: `coverage.lines`, `coverage.path[src/crypto/**]`,
//! `bench.regression[lookup/hot]`. The key comes either from the policy (a
//! `[[coverage.paths]]` glob, a `[checks] required` name) or from the
//! evidence (a benchmark id), and the catalogue says which. Everything that
//! names rules goes through here: the evaluator builds ids and titles with
//! [`Family`], policy validation checks `[overrides] not_overridable` and
//! sign-off ids with [`RuleRef::parse`] and [`Family::keyed`], override
//! verification parses `rules:` with [`RuleId::parse`], and
//! [`render_markdown`] writes the reference page `docs/rules.md`.
//!
//! # Adding a rule kind
//!
//! 1. Here: a [`Family`] variant, its entry in [`Family::spec`] (id, title,
//!    description, evidence, key, overridable) and in [`Family::ALL`].
//! 2. Its policy field (`src/policy/raw.rs`, `model.rs`, `validate.rs`) and
//!    the line in `Policy::declared_rules` (`src/policy/declared.rs`) that
//!    says which ids the field declares.
//! 3. Its eval function in `src/eval`, building ids and titles through
//!    [`Family`].
//!
//! Then regenerate the reference page: `TOLLGATE_BLESS=1 cargo test --lib
//! rules`. The tests keep the catalogue unique and complete (every id the
//! evaluator emits parses back to its family) and `docs/rules.md` equal to
//! [`render_markdown`].

use std::fmt::{self, Write as _};

use serde::{Serialize, Serializer};

/// A family of rules: one entry of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    /// `coverage.lines`
    CoverageLines,
    /// `coverage.branches`
    CoverageBranches,
    /// `coverage.functions`
    CoverageFunctions,
    /// `coverage.regions`
    CoverageRegions,
    /// `coverage.statements`
    CoverageStatements,
    /// `coverage.patch`
    CoveragePatch,
    /// `coverage.path[GLOB]`
    CoveragePath,
    /// `coverage.drop`
    CoverageDrop,
    /// `coverage.drop.path[GLOB]`
    CoverageDropPath,
    /// `audit.vulnerabilities`
    AuditVulnerabilities,
    /// `audit.warnings[KIND]`
    AuditWarnings,
    /// `reviews.approvals`
    ReviewsApprovals,
    /// `reviews.changes_requested`
    ReviewsChangesRequested,
    /// `bench.regression[ID]`
    BenchRegression,
    /// `bench.slo[GLOB]`
    BenchSlo,
    /// `tests.pass`
    TestsPass,
    /// `checks.required[NAME]`
    ChecksRequired,
    /// `release.changelog`
    ReleaseChangelog,
    /// `release.version`
    ReleaseVersion,
    /// `documents[ID]`
    Documents,
    /// `signoff[ID]`
    Signoff,
}

/// Where a family's key comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    /// The family has exactly one rule; its id takes no `[...]`.
    None,
    /// The policy: one rule per entry of the named field.
    Policy {
        /// The key's placeholder in the id pattern (`GLOB`).
        name: &'static str,
        /// The policy field the keys are taken from.
        field: &'static str,
    },
    /// The evidence: one rule per item found (a benchmark id), so which keys
    /// exist is known only when judging.
    Evidence {
        /// The key's placeholder in the id pattern (`ID`).
        name: &'static str,
        /// What in the evidence supplies the keys.
        from: &'static str,
    },
}

/// How a rule's title is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Title {
    /// Always the same text.
    Fixed(&'static str),
    /// A template: `{key}` is the rule's key, other `{name}`s are filled by
    /// [`RuleId::title_with`].
    Template(&'static str),
    /// The policy entry's own `title` (its id when it has none).
    FromPolicy,
}

/// The kind of evidence a rule reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvidenceKind {
    /// A coverage report (LCOV or Cobertura).
    Coverage,
    /// A coverage report and the changed lines of the commit range.
    CoverageAndChanges,
    /// A coverage report and the base commit's coverage.
    CoverageAndBaseline,
    /// A cargo-audit JSON report.
    Audit,
    /// The pull request's reviews (GitHub).
    Reviews,
    /// Benchmark results with their baselines.
    Bench,
    /// Test reports (`JUnit` XML).
    Tests,
    /// Check runs and statuses on the head commit (GitHub).
    Checks,
    /// The release tag, package versions and changelog.
    Release,
    /// Files in the repository matching a glob.
    Documents,
    /// Signed sign-off documents.
    Signoffs,
}

impl EvidenceKind {
    /// The evidence, in words, for the reference page.
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            EvidenceKind::Coverage => {
                "coverage report (LCOV, Cobertura or llvm-cov JSON; `--coverage`)"
            }
            EvidenceKind::CoverageAndChanges => {
                "coverage report and the changed lines of the pull request (or `--base`)"
            }
            EvidenceKind::CoverageAndBaseline => {
                "coverage report and the base commit's coverage report (`--coverage-baseline`, or `[evidence] coverage_baseline`)"
            }
            EvidenceKind::Audit => "cargo-audit JSON report (`--audit`)",
            EvidenceKind::Reviews => "pull-request reviews (GitHub)",
            EvidenceKind::Bench => {
                "benchmark results (criterion or JSON; `--bench`, `--bench-baseline`)"
            }
            EvidenceKind::Tests => "test reports (JUnit XML; `--tests`)",
            EvidenceKind::Checks => "check runs and commit statuses of the head commit (GitHub)",
            EvidenceKind::Release => {
                "release tag, package versions (`cargo metadata`) and changelog"
            }
            EvidenceKind::Documents => "files in the repository",
            EvidenceKind::Signoffs => "signed sign-off documents (`--override`)",
        }
    }
}

/// The rule a keyed family emits when there is nothing to key it on (no
/// benchmark has a baseline): its id has the key `*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wildcard {
    /// Title of that rule.
    pub title: &'static str,
    /// When it is emitted.
    pub description: &'static str,
}

/// One catalogue entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleSpec {
    /// The family's name, the id without its key: `coverage.path`.
    pub name: &'static str,
    /// Where the key comes from.
    pub key: KeySource,
    /// How the title is made.
    pub title: Title,
    /// What the rule demands, for the reference page.
    pub description: &'static str,
    /// What it reads.
    pub evidence: EvidenceKind,
    /// The policy setting that turns the rule on.
    pub enabled_by: &'static str,
    /// Whether a signed override may waive it (a policy may still forbid it
    /// in `[overrides] not_overridable`).
    pub overridable: bool,
    /// The `[*]` rule of an evidence-keyed family, if it has one.
    pub wildcard: Option<Wildcard>,
}

impl RuleSpec {
    /// The id pattern: `coverage.path[GLOB]`, `tests.pass`.
    #[must_use]
    pub fn pattern(&self) -> String {
        match self.key {
            KeySource::None => self.name.to_owned(),
            KeySource::Policy { name, .. } | KeySource::Evidence { name, .. } => {
                format!("{}[{name}]", self.name)
            }
        }
    }
}

/// The key a keyed family's `[*]` rule carries.
pub const WILDCARD: &str = "*";

impl Family {
    /// Every family, in the order the evaluator emits them.
    pub const ALL: [Family; 21] = [
        Family::CoverageLines,
        Family::CoverageBranches,
        Family::CoverageFunctions,
        Family::CoverageRegions,
        Family::CoverageStatements,
        Family::CoveragePath,
        Family::CoveragePatch,
        Family::CoverageDrop,
        Family::CoverageDropPath,
        Family::ReviewsApprovals,
        Family::ReviewsChangesRequested,
        Family::ChecksRequired,
        Family::AuditVulnerabilities,
        Family::AuditWarnings,
        Family::TestsPass,
        Family::BenchRegression,
        Family::BenchSlo,
        Family::ReleaseVersion,
        Family::ReleaseChangelog,
        Family::Documents,
        Family::Signoff,
    ];

    /// The family's catalogue entry.
    #[must_use]
    #[allow(clippy::too_many_lines)] // the catalogue: one entry per family, as data
    pub const fn spec(self) -> &'static RuleSpec {
        match self {
            Family::CoverageLines => &RuleSpec {
                name: "coverage.lines",
                key: KeySource::None,
                title: Title::Fixed("Total line coverage"),
                description: "Line coverage of the whole report is at least the minimum.",
                evidence: EvidenceKind::Coverage,
                enabled_by: "[coverage] lines",
                overridable: true,
                wildcard: None,
            },
            Family::CoverageBranches => &RuleSpec {
                name: "coverage.branches",
                key: KeySource::None,
                title: Title::Fixed("Total branch coverage"),
                description: "Branch coverage of the whole report is at least the minimum; a report that records no branches is an error, not a pass.",
                evidence: EvidenceKind::Coverage,
                enabled_by: "[coverage] branches",
                overridable: true,
                wildcard: None,
            },
            Family::CoverageFunctions => &RuleSpec {
                name: "coverage.functions",
                key: KeySource::None,
                title: Title::Fixed("Total function coverage"),
                description: "Function coverage of the whole report is at least the minimum.",
                evidence: EvidenceKind::Coverage,
                enabled_by: "[coverage] functions",
                overridable: true,
                wildcard: None,
            },
            Family::CoverageRegions => &RuleSpec {
                name: "coverage.regions",
                key: KeySource::None,
                title: Title::Fixed("Total region coverage"),
                description: "Region coverage (llvm's code regions) of the whole report is at least the minimum. Only llvm-cov's JSON export (`cargo llvm-cov --json`) records regions; with LCOV or Cobertura evidence the rule is an error saying so, never a pass.",
                evidence: EvidenceKind::Coverage,
                enabled_by: "[coverage] regions",
                overridable: true,
                wildcard: None,
            },
            Family::CoverageStatements => &RuleSpec {
                name: "coverage.statements",
                key: KeySource::None,
                title: Title::Fixed("Total statement coverage"),
                description: "Statement coverage (Go's unit, the figure `go tool cover -func` reports as the total) of the whole report is at least the minimum. Only Go cover profiles (`go test -coverprofile`) record statements; with other evidence the rule is an error saying so, never a pass.",
                evidence: EvidenceKind::Coverage,
                enabled_by: "[coverage] statements",
                overridable: true,
                wildcard: None,
            },
            Family::CoveragePatch => &RuleSpec {
                name: "coverage.patch",
                key: KeySource::None,
                title: Title::Fixed("Coverage of changed lines"),
                description: "Coverage of the added lines the report can cover is at least the minimum (as diff-cover computes it); uncovered changed lines are annotated. A changed source file the report does not know is an error naming it, never a skip: a file counts as source when a report path ends with it (the paths do not match: strip the prefix), or when the report covers files with its extension in its top-level directory (`src/new.rs` against a report of `src/*.rs`; not `tests/it.rs`, `README.md` or `Cargo.toml` when the report has none like them). In a local run, a changed file edited after the report was written is an error too.",
                evidence: EvidenceKind::CoverageAndChanges,
                enabled_by: "[coverage] patch",
                overridable: true,
                wildcard: None,
            },
            Family::CoveragePath => &RuleSpec {
                name: "coverage.path",
                key: KeySource::Policy {
                    name: "GLOB",
                    field: "[[coverage.paths]] glob",
                },
                title: Title::Template("Coverage of {key}"),
                description: "The files matching the glob, taken together, meet every minimum the entry sets (lines, branches, functions); a glob that matches no file is an error.",
                evidence: EvidenceKind::Coverage,
                enabled_by: "[[coverage.paths]]",
                overridable: true,
                wildcard: None,
            },
            Family::CoverageDrop => &RuleSpec {
                name: "coverage.drop",
                key: KeySource::None,
                title: Title::Fixed("Coverage drop against the base"),
                description: "Total line coverage, and branch coverage where both the base and the head record branches, is at most `max_drop` percentage points below the base commit's (compared exactly, in integers); equal figures or a rise pass. The message gives base -> head and where the base came from. No baseline at all is `unknown` in a local or dry run and a failure in CI; a baseline that records no lines is an error.",
                evidence: EvidenceKind::CoverageAndBaseline,
                enabled_by: "[coverage] max_drop",
                overridable: true,
                wildcard: None,
            },
            Family::CoverageDropPath => &RuleSpec {
                name: "coverage.drop.path",
                key: KeySource::Policy {
                    name: "GLOB",
                    field: "[[coverage.paths]] glob",
                },
                title: Title::Template("Coverage drop of {key} against the base"),
                description: "`coverage.drop` over the files matching the glob, taken together. A glob that matches no file of the head's report is an error; one that matches no file of the base's is skipped (a new path has nothing to drop from).",
                evidence: EvidenceKind::CoverageAndBaseline,
                enabled_by: "[[coverage.paths]] max_drop",
                overridable: true,
                wildcard: None,
            },
            Family::AuditVulnerabilities => &RuleSpec {
                name: "audit.vulnerabilities",
                key: KeySource::None,
                title: Title::Fixed("Security advisories"),
                description: "No vulnerability at or above `fail_on` (unscored ones as `unscored` says), except those waived in `[[audit.ignore]]` until they expire; the advisory database no older than `max_db_age` days. An error when the report does not describe the judged `Cargo.lock` (package count, packages) or was made with cargo-audit's own ignores, severity threshold, narrowed informational warnings or target filters.",
                evidence: EvidenceKind::Audit,
                enabled_by: "[audit]",
                overridable: true,
                wildcard: None,
            },
            Family::AuditWarnings => &RuleSpec {
                name: "audit.warnings",
                key: KeySource::Policy {
                    name: "KIND",
                    field: "[audit] warnings",
                },
                title: Title::Template("No `{key}` warnings"),
                description: "No cargo-audit warning of this kind (unmaintained, unsound, yanked, notice), except those waived in `[[audit.ignore]]`.",
                evidence: EvidenceKind::Audit,
                enabled_by: "[audit] warnings",
                overridable: true,
                wildcard: None,
            },
            Family::ReviewsApprovals => &RuleSpec {
                name: "reviews.approvals",
                key: KeySource::None,
                title: Title::Fixed("Pull-request approvals"),
                description: "At least `approvals` distinct reviewers approve (of the head commit when `current_head_only`); the author and bots never count.",
                evidence: EvidenceKind::Reviews,
                enabled_by: "[reviews]",
                overridable: true,
                wildcard: None,
            },
            Family::ReviewsChangesRequested => &RuleSpec {
                name: "reviews.changes_requested",
                key: KeySource::None,
                title: Title::Fixed("No outstanding change requests"),
                description: "No reviewer's latest decisive review requests changes.",
                evidence: EvidenceKind::Reviews,
                enabled_by: "[reviews] block_on_changes_requested",
                overridable: true,
                wildcard: None,
            },
            Family::BenchRegression => &RuleSpec {
                name: "bench.regression",
                key: KeySource::Evidence {
                    name: "ID",
                    from: "each benchmark compared with a baseline",
                },
                title: Title::Template("{key} does not regress"),
                description: "The benchmark is not slower than its baseline by more than `max_regression` percent: it fails when the confidence interval lies wholly beyond the limit (or, without an interval, the point estimate does). A benchmark the baseline does not have is `skipped: new benchmark`.",
                evidence: EvidenceKind::Bench,
                enabled_by: "[benchmarks] max_regression",
                overridable: true,
                wildcard: Some(Wildcard {
                    title: "No benchmark regressions",
                    description: "`bench.regression[*]` stands for every benchmark when none can be compared: the results are missing, no benchmark has a baseline, or the recorded commits compared (`target/tollgate-bench.json`) are not the judged head and its merge base (in a pull request, a comparison without that record).",
                }),
            },
            Family::BenchSlo => &RuleSpec {
                name: "bench.slo",
                key: KeySource::Policy {
                    name: "GLOB",
                    field: "[[benchmarks.slo]] bench",
                },
                title: Title::Template("SLO {key} <= {max}"),
                description: "Every timed benchmark whose id matches the glob is within `max`; a glob that matches none is an error.",
                evidence: EvidenceKind::Bench,
                enabled_by: "[[benchmarks.slo]]",
                overridable: true,
                wildcard: None,
            },
            Family::TestsPass => &RuleSpec {
                name: "tests.pass",
                key: KeySource::None,
                title: Title::Fixed("Test suites pass"),
                description: "Every test passed (when `all_pass`) and at least `min_tests` ran; a flaky test that passed on retry passes.",
                evidence: EvidenceKind::Tests,
                enabled_by: "[tests]",
                overridable: true,
                wildcard: None,
            },
            Family::ChecksRequired => &RuleSpec {
                name: "checks.required",
                key: KeySource::Policy {
                    name: "NAME",
                    field: "[checks] required",
                },
                title: Title::Template("Check `{key}` is green"),
                description: "The latest check run and commit status of that name on the head commit are green; an entry bound to an app (and workflow file) counts only check runs from there and names the same-named ones it ignored; tollgate's own checks never count.",
                evidence: EvidenceKind::Checks,
                enabled_by: "[checks] required",
                overridable: true,
                wildcard: None,
            },
            Family::ReleaseChangelog => &RuleSpec {
                name: "release.changelog",
                key: KeySource::None,
                title: Title::Fixed("Release notes prepared"),
                description: "The changelog has a non-empty section for the tag's version.",
                evidence: EvidenceKind::Release,
                enabled_by: "[release] changelog",
                overridable: true,
                wildcard: None,
            },
            Family::ReleaseVersion => &RuleSpec {
                name: "release.version",
                key: KeySource::None,
                title: Title::Fixed("Package versions match the tag"),
                description: "Every publishable workspace package's version equals the tag's version.",
                evidence: EvidenceKind::Release,
                enabled_by: "[release] version_matches_tag",
                overridable: true,
                wildcard: None,
            },
            Family::Documents => &RuleSpec {
                name: "documents",
                key: KeySource::Policy {
                    name: "ID",
                    field: "[[documents]] id",
                },
                title: Title::FromPolicy,
                description: "At least `min_files` files match the glob, each containing the `marker` when one is set.",
                evidence: EvidenceKind::Documents,
                enabled_by: "[[documents]]",
                overridable: true,
                wildcard: None,
            },
            Family::Signoff => &RuleSpec {
                name: "signoff",
                key: KeySource::Policy {
                    name: "ID",
                    field: "[[signoffs]] id",
                },
                title: Title::FromPolicy,
                description: "`count` distinct principals among the entry's `principals` signed a sign-off document for this repository, commit and gate.",
                evidence: EvidenceKind::Signoffs,
                enabled_by: "[[signoffs]]",
                overridable: true,
                wildcard: None,
            },
        }
    }

    /// The family's name: `coverage.path`.
    #[must_use]
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// Whether the family's ids carry a key.
    #[must_use]
    pub fn is_keyed(self) -> bool {
        !matches!(self.spec().key, KeySource::None)
    }

    /// The family whose name is `name`.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Family> {
        Family::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The id of an unkeyed family's one rule (`coverage.lines`).
    #[must_use]
    pub fn id(self) -> RuleId {
        RuleId {
            family: self,
            key: None,
        }
    }

    /// The id of a keyed family's rule for `key` (`coverage.path[src/**]`).
    #[must_use]
    pub fn keyed(self, key: impl Into<String>) -> RuleId {
        RuleId {
            family: self,
            key: Some(key.into()),
        }
    }

    /// The `[*]` rule of an evidence-keyed family (`bench.regression[*]`).
    #[must_use]
    pub fn wildcard(self) -> RuleId {
        self.keyed(WILDCARD)
    }
}

/// A rule id: a family and, for keyed families, its key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RuleId {
    family: Family,
    key: Option<String>,
}

/// Why a text is not a rule id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleIdError {
    /// Nothing was written.
    #[error("an empty rule id")]
    Empty,
    /// The name before `[` is not a family of the catalogue.
    #[error("{}; the rules are listed in docs/rules.md", unknown(.id, .family, .suggestion.as_ref()))]
    UnknownFamily {
        /// The text as written.
        id: String,
        /// The family part.
        family: String,
        /// The closest family name, when one is close.
        suggestion: Option<&'static str>,
    },
    /// `[` without a closing `]` at the end, or `]` without `[`.
    #[error("`{id}`: malformed brackets: a key is written `FAMILY[KEY]`, with `]` last")]
    Brackets {
        /// The text as written.
        id: String,
    },
    /// `family[]`.
    #[error("`{id}`: the key in `[...]` is empty")]
    EmptyKey {
        /// The text as written.
        id: String,
    },
    /// A key on a family that has none.
    #[error("`{id}`: `{family}` takes no `[...]` key")]
    Unkeyed {
        /// The text as written.
        id: String,
        /// The family.
        family: &'static str,
    },
    /// A keyed family without its key.
    #[error("`{id}` needs a key: `{pattern}`")]
    NeedsKey {
        /// The text as written.
        id: String,
        /// The family's id pattern.
        pattern: String,
    },
}

fn unknown(id: &str, family: &str, suggestion: Option<&&'static str>) -> String {
    let what = if id == family {
        format!("`{id}` is not a rule")
    } else {
        format!("`{id}`: no rule family `{family}`")
    };
    match suggestion {
        Some(name) => format!("{what} (did you mean `{name}`?)"),
        None => what,
    }
}

impl RuleId {
    /// The family.
    #[must_use]
    pub fn family(&self) -> Family {
        self.family
    }

    /// The key, for keyed families.
    #[must_use]
    pub fn key(&self) -> Option<&str> {
        self.key.as_deref()
    }

    /// The catalogue entry.
    #[must_use]
    pub fn spec(&self) -> &'static RuleSpec {
        self.family.spec()
    }

    /// Whether this is the `[*]` rule of an evidence-keyed family.
    #[must_use]
    pub fn is_wildcard(&self) -> bool {
        self.spec().wildcard.is_some() && self.key.as_deref() == Some(WILDCARD)
    }

    /// Parses a full rule id: a family of the catalogue, with a key exactly
    /// when the family has one. A key may itself hold brackets (a glob's
    /// `[ab]`): it runs from the first `[` to the final `]`.
    pub fn parse(text: &str) -> Result<RuleId, RuleIdError> {
        match RuleRef::parse(text)? {
            RuleRef::Rule(id) => Ok(id),
            RuleRef::Family(family) => Err(RuleIdError::NeedsKey {
                id: text.to_owned(),
                pattern: family.spec().pattern(),
            }),
        }
    }

    /// The rule's title. A [`Title::FromPolicy`] family's title is the
    /// policy entry's, which the evaluator passes itself; this gives its
    /// default, the key.
    #[must_use]
    pub fn title(&self) -> String {
        self.title_with(&[])
    }

    /// The title, filling the template's other placeholders
    /// (`("max", "1ms")` for `{max}`).
    #[must_use]
    pub fn title_with(&self, fills: &[(&str, &str)]) -> String {
        if self.is_wildcard() {
            if let Some(w) = self.spec().wildcard {
                return w.title.to_owned();
            }
        }
        let key = self.key.as_deref().unwrap_or_default();
        match self.spec().title {
            Title::Fixed(text) => text.to_owned(),
            Title::FromPolicy => key.to_owned(),
            Title::Template(template) => {
                let mut title = template.replace("{key}", key);
                for (name, value) in fills {
                    title = title.replace(&format!("{{{name}}}"), value);
                }
                title
            }
        }
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.key {
            None => f.write_str(self.family.name()),
            Some(key) => write!(f, "{}[{key}]", self.family.name()),
        }
    }
}

impl From<RuleId> for String {
    fn from(id: RuleId) -> String {
        id.to_string()
    }
}

impl std::str::FromStr for RuleId {
    type Err = RuleIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RuleId::parse(s)
    }
}

impl Serialize for RuleId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// What `[overrides] not_overridable` names: one rule, or a keyed family as
/// a whole (`audit.warnings` covers `audit.warnings[unsound]`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RuleRef {
    /// One rule.
    Rule(RuleId),
    /// Every rule of a keyed family.
    Family(Family),
}

impl RuleRef {
    /// Parses a rule id, or a keyed family's bare name.
    pub fn parse(text: &str) -> Result<RuleRef, RuleIdError> {
        if text.is_empty() {
            return Err(RuleIdError::Empty);
        }
        let brackets = || RuleIdError::Brackets {
            id: text.to_owned(),
        };
        let (name, key) = match text.split_once('[') {
            None if text.contains(']') => return Err(brackets()),
            None => (text, None),
            Some((name, rest)) => {
                let key = rest.strip_suffix(']').ok_or_else(brackets)?;
                if key.is_empty() {
                    return Err(RuleIdError::EmptyKey {
                        id: text.to_owned(),
                    });
                }
                (name, Some(key))
            }
        };
        let Some(family) = Family::from_name(name) else {
            return Err(RuleIdError::UnknownFamily {
                id: text.to_owned(),
                family: name.to_owned(),
                suggestion: closest(name),
            });
        };
        match (family.is_keyed(), key) {
            (false, Some(_)) => Err(RuleIdError::Unkeyed {
                id: text.to_owned(),
                family: family.name(),
            }),
            (false, None) => Ok(RuleRef::Rule(family.id())),
            (true, None) => Ok(RuleRef::Family(family)),
            (true, Some(key)) => Ok(RuleRef::Rule(family.keyed(key))),
        }
    }

    /// The family referred to.
    #[must_use]
    pub fn family(&self) -> Family {
        match self {
            RuleRef::Rule(id) => id.family,
            RuleRef::Family(f) => *f,
        }
    }

    /// Whether `id` is this rule, or of this family.
    #[must_use]
    pub fn covers(&self, id: &RuleId) -> bool {
        match self {
            RuleRef::Rule(rule) => rule == id,
            RuleRef::Family(f) => id.family == *f,
        }
    }
}

impl fmt::Display for RuleRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleRef::Rule(id) => id.fmt(f),
            RuleRef::Family(family) => f.write_str(family.name()),
        }
    }
}

impl Serialize for RuleRef {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The family name closest to a misspelt one, when it is close enough to be
/// the likely intent (at most a third of its letters differ).
fn closest(name: &str) -> Option<&'static str> {
    Family::ALL
        .into_iter()
        .map(|f| (edit_distance(name, f.name()), f.name()))
        .filter(|(d, n)| *d > 0 && *d * 3 <= n.len())
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

/// Levenshtein distance in characters.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if ca == *cb {
                diagonal
            } else {
                1 + diagonal.min(above).min(row[j])
            };
            diagonal = above;
        }
    }
    row[b.len()]
}

/// The reference page of every rule, `docs/rules.md`, from the catalogue.
#[must_use]
pub fn render_markdown() -> String {
    let mut o = String::new();
    o.push_str("<!-- Generated from src/rules.rs by `TOLLGATE_BLESS=1 cargo test --lib rules`; do not edit. -->\n");
    o.push_str("# Rules\n\n");
    o.push_str(
        "Every rule tollgate judges, by id. Ids are stable: reports, overrides \
         (`rules:`) and `[overrides] not_overridable` use them. A key in `[...]` \
         comes from the policy (one rule per entry) or from the evidence (one \
         rule per item found). In `not_overridable`, a keyed family's bare name \
         (`audit.warnings`) stands for all its rules. A rule whose evidence is \
         missing fails, or is skipped when its section says `optional = true`.\n\n",
    );
    o.push_str("| id | title | enabled by | evidence | overridable |\n");
    o.push_str("| --- | --- | --- | --- | --- |\n");
    for family in Family::ALL {
        let s = family.spec();
        let _ = writeln!(
            o,
            "| [`{}`](#{}) | {} | `{}` | {} | {} |",
            s.pattern(),
            anchor(&s.pattern()),
            title_text(s).replace('|', "\\|"),
            s.enabled_by,
            s.evidence.describe(),
            if s.overridable { "yes" } else { "no" }
        );
    }
    for family in Family::ALL {
        let s = family.spec();
        let _ = write!(o, "\n## `{}`\n\n{}\n\n", s.pattern(), s.description);
        let _ = writeln!(o, "- Title: {}", title_text(s));
        match s.key {
            KeySource::None => {}
            KeySource::Policy { name, field } => {
                let _ = writeln!(o, "- Key: `{name}`, each `{field}` of the policy");
            }
            KeySource::Evidence { name, from } => {
                let _ = writeln!(o, "- Key: `{name}`, from the evidence: {from}");
            }
        }
        let _ = writeln!(o, "- Enabled by: `{}`", s.enabled_by);
        let _ = writeln!(o, "- Evidence: {}", s.evidence.describe());
        let _ = writeln!(
            o,
            "- Overridable: {}",
            if s.overridable {
                "yes, unless `[overrides] not_overridable` names it"
            } else {
                "no"
            }
        );
        if let Some(w) = s.wildcard {
            let _ = writeln!(
                o,
                "- `{}[{WILDCARD}]` (\"{}\"): {}",
                s.name, w.title, w.description
            );
        }
    }
    o
}

fn title_text(s: &RuleSpec) -> String {
    match s.title {
        Title::Fixed(t) => format!("\"{t}\""),
        Title::Template(t) => {
            let key = match s.key {
                KeySource::Policy { name, .. } | KeySource::Evidence { name, .. } => name,
                KeySource::None => "",
            };
            format!("\"{}\"", t.replace("{key}", key).replace("{max}", "MAX"))
        }
        Title::FromPolicy => "the entry's `title` (its `id` when it has none)".to_owned(),
    }
}

/// GitHub's anchor for the heading `` `pattern` ``: lower case, punctuation dropped.
fn anchor(pattern: &str) -> String {
    pattern
        .chars()
        .filter_map(|c| match c {
            'a'..='z' | '0'..='9' | '-' | '_' => Some(c),
            'A'..='Z' => Some(c.to_ascii_lowercase()),
            ' ' => Some('-'),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn family_names_are_unique_and_parse_back() {
        let mut names: Vec<&str> = Family::ALL.iter().map(|f| f.name()).collect();
        for family in Family::ALL {
            assert_eq!(Family::from_name(family.name()), Some(family));
            assert_eq!(family.spec().name, family.name());
        }
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(names.len(), before, "two families share a name");
        // No family's name is another's with a key or a suffix cut off, so a
        // bare name in not_overridable means exactly one family.
        for a in Family::ALL {
            for b in Family::ALL {
                if a != b {
                    assert!(
                        !b.name().starts_with(&format!("{}[", a.name())),
                        "{} shadows {}",
                        a.name(),
                        b.name()
                    );
                }
            }
        }
    }

    #[test]
    fn ids_parse_and_display_round_trip() {
        for text in [
            "coverage.lines",
            "bench.regression[lookup/hot]",
            "bench.regression[*]",
            "coverage.path[src/[ab]*.rs]",
            "checks.required[ci / test]",
            "signoff[security-audit]",
        ] {
            let id = RuleId::parse(text).unwrap();
            assert_eq!(id.to_string(), text);
        }
        let id = RuleId::parse("bench.regression[lookup/hot]").unwrap();
        assert_eq!(id.family(), Family::BenchRegression);
        assert_eq!(id.key(), Some("lookup/hot"));
        assert_eq!(id.title(), "lookup/hot does not regress");
        assert!(RuleId::parse("bench.regression[*]").unwrap().is_wildcard());
        assert_eq!(
            Family::BenchRegression.wildcard().title(),
            "No benchmark regressions"
        );
        assert_eq!(
            Family::BenchSlo
                .keyed("lookup/*")
                .title_with(&[("max", "1ms")]),
            "SLO lookup/* <= 1ms"
        );
    }

    #[test]
    fn malformed_ids_say_what_is_wrong() {
        let err = |t: &str| RuleId::parse(t).unwrap_err().to_string();
        assert!(
            err("audit.vulnerabilites").contains("did you mean `audit.vulnerabilities`"),
            "{}",
            err("audit.vulnerabilites")
        );
        assert!(err("nonsense").starts_with("`nonsense` is not a rule;"));
        assert!(err("bench.regresion[x]").starts_with(
            "`bench.regresion[x]`: no rule family `bench.regresion` (did you mean `bench.regression`?)"
        ));
        assert!(err("coverage.path[src").contains("malformed brackets"));
        assert!(err("coverage.path[a]b").contains("malformed brackets"));
        assert!(err("coverage.lines]").contains("malformed brackets"));
        assert!(err("coverage.path[]").contains("empty"));
        assert!(err("tests.pass[x]").contains("takes no `[...]` key"));
        assert!(err("coverage.path").contains("needs a key: `coverage.path[GLOB]`"));
        assert_eq!(RuleId::parse(""), Err(RuleIdError::Empty));
    }

    #[test]
    fn a_bare_keyed_family_refers_to_all_its_rules() {
        let all = RuleRef::parse("audit.warnings").unwrap();
        assert_eq!(all, RuleRef::Family(Family::AuditWarnings));
        assert!(all.covers(&Family::AuditWarnings.keyed("unsound")));
        assert!(!all.covers(&Family::AuditVulnerabilities.id()));
        let one = RuleRef::parse("audit.vulnerabilities").unwrap();
        assert!(one.covers(&Family::AuditVulnerabilities.id()));
        assert_eq!(all.to_string(), "audit.warnings");
    }

    /// `docs/rules.md` is generated: this fails when it drifts from the
    /// catalogue. Regenerate with `TOLLGATE_BLESS=1 cargo test --lib rules`.
    #[test]
    fn docs_rules_md_is_generated_from_the_catalogue() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules.md");
        let rendered = render_markdown();
        if std::env::var_os("TOLLGATE_BLESS").is_some() {
            std::fs::write(&path, &rendered).unwrap();
            return;
        }
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            on_disk == rendered,
            "docs/rules.md differs from the catalogue in src/rules.rs; \
             regenerate it with `TOLLGATE_BLESS=1 cargo test --lib rules` and commit it"
        );
    }
}
