//! Saved JSON reports read back for `tollgate publish`, the privileged half
//! of the fork-safe two-workflow pattern (`docs/github.md`).
//!
//! The report arrives as an artifact of a `pull_request` run, which ran the
//! pull request's own code: for a fork it is **untrusted input** handed to a
//! job that holds `checks: write`. So this module reads it defensively:
//!
//! - size-capped before parsing, and parsed into its own serde structs, never
//!   executed or interpolated anywhere;
//! - the `schema` and `tool` are checked, so a report from a newer layout is a
//!   clear error rather than a misreading;
//! - the stated `conclusion` must be the one its rules imply (re-derived with
//!   the evaluator's own rule), so a hand-edited `"conclusion": "pass"` on
//!   failing rules is refused rather than posted as a green check;
//! - [`verify_for_publish`] refuses a dry-run report, or one whose repository
//!   or commit is not the `workflow_run`'s: a report cannot be replayed onto
//!   another commit.
//!
//! What no reader can check is whether the evidence *inside* a fork's report
//! is honest, since the fork controlled the run that produced it. The policy
//! hash is recorded so the publishing job can compare it with the base
//! branch's policy ([`verify_for_publish`] takes the expected hash), and the
//! docs say what branch protection must add (required reviews).

use std::io::Read as _;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use super::REPORT_SCHEMA;
use crate::eval::{
    Annotation, AnnotationLevel, AppliedOverride, Conclusion, Context, DocumentKind,
    EvidenceSummary, PolicyInfo, PolicySource, RejectedDocument, RuleResult, Status, Verdict,
};

/// Largest report accepted, in bytes. Real reports are far smaller (every
/// annotation of a huge pull request fits in a few MiB); the cap bounds what
/// an untrusted artifact can make the publishing job allocate.
pub const MAX_REPORT_BYTES: u64 = 32 * 1024 * 1024;

/// A saved report that cannot be published.
#[derive(Debug, thiserror::Error)]
pub enum SavedReportError {
    /// The file could not be read (the message names it).
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// Larger than [`MAX_REPORT_BYTES`].
    #[error("report is {size} bytes, more than the {limit} a tollgate report can be")]
    TooLarge {
        /// Its size.
        size: u64,
        /// The cap.
        limit: u64,
    },
    /// Not JSON, or not a tollgate report's shape.
    #[error("not a tollgate JSON report: line {line}, column {column}: {message}")]
    Json {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// serde's message.
        message: String,
    },
    /// A layout this tollgate does not know.
    #[error("report schema {found} is not supported (this tollgate reads schema {supported}); publish it with the tollgate version that wrote it")]
    Schema {
        /// The report's `schema`.
        found: u32,
        /// Ours.
        supported: u32,
    },
    /// Written by another tool.
    #[error("report was written by `{0}`, not tollgate")]
    Tool(String),
    /// The stated conclusion is not the one the rules give.
    #[error("report says the gate's conclusion is `{stated}` but its rules give `{derived}`; refusing a report that contradicts itself")]
    Inconsistent {
        /// The `conclusion` field.
        stated: &'static str,
        /// What the rules imply.
        derived: &'static str,
    },
    /// A dry-run report is not a CI verdict.
    #[error("report comes from a dry run (rules it could not decide are `unknown`); only a CI run's report can be published")]
    DryRun,
    /// A field needed for publishing is absent.
    #[error("report has no `{0}`; it cannot be published")]
    Missing(&'static str),
    /// The report is about something else than the run being published.
    #[error("report's {what} is `{found}`, but the workflow run is for `{expected}`; refusing to publish it")]
    Mismatch {
        /// `repository`, `commit` or `policy sha256`.
        what: &'static str,
        /// In the report.
        found: String,
        /// In the run.
        expected: String,
    },
    /// The `workflow_run` event payload lacks a field.
    #[error("workflow_run event payload: `{0}` is missing")]
    Payload(&'static str),
}

#[derive(Deserialize)]
struct RawReport {
    schema: u32,
    tool: RawTool,
    gate: String,
    policy: RawPolicy,
    context: RawContext,
    conclusion: RawConclusion,
    rules: Vec<RawRule>,
    #[serde(default)]
    overrides: Vec<RawOverride>,
    #[serde(default)]
    rejected: Vec<RawRejected>,
    #[serde(default)]
    annotations: Vec<RawAnnotation>,
    #[serde(default)]
    notes: Vec<String>,
}

#[derive(Deserialize)]
struct RawTool {
    name: String,
}

#[derive(Deserialize)]
struct RawSource {
    name: String,
    version: String,
    sha256: String,
    path: String,
}

#[derive(Deserialize)]
struct RawPolicy {
    name: String,
    version: String,
    sha256: String,
    path: String,
    #[serde(default)]
    extends: Vec<RawSource>,
}

#[derive(Deserialize)]
struct RawContext {
    kind: String,
    #[serde(default)]
    repository: Option<String>,
    #[serde(default)]
    commit: Option<String>,
    #[serde(default)]
    pull_request: Option<u64>,
    #[serde(default)]
    base: Option<String>,
    #[serde(default)]
    tag: Option<String>,
    #[serde(default)]
    dry_run: bool,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum RawConclusion {
    Pass,
    Fail,
    Unknown,
}

impl From<RawConclusion> for Conclusion {
    fn from(c: RawConclusion) -> Self {
        match c {
            RawConclusion::Pass => Conclusion::Pass,
            RawConclusion::Fail => Conclusion::Fail,
            RawConclusion::Unknown => Conclusion::Unknown,
        }
    }
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum RawStatus {
    Error,
    Fail,
    Unknown,
    Overridden,
    Skipped,
    Pass,
}

impl From<RawStatus> for Status {
    fn from(s: RawStatus) -> Self {
        match s {
            RawStatus::Error => Status::Error,
            RawStatus::Fail => Status::Fail,
            RawStatus::Unknown => Status::Unknown,
            RawStatus::Overridden => Status::Overridden,
            RawStatus::Skipped => Status::Skipped,
            RawStatus::Pass => Status::Pass,
        }
    }
}

#[derive(Deserialize)]
struct RawOverride {
    signer: String,
    rules: Vec<String>,
    reason: String,
    expires: String,
    #[serde(default)]
    source: String,
}

impl From<RawOverride> for AppliedOverride {
    fn from(o: RawOverride) -> Self {
        AppliedOverride {
            signer: o.signer,
            rules: o.rules,
            reason: o.reason,
            expires: o.expires,
            source: o.source,
        }
    }
}

#[derive(Deserialize)]
struct RawRejected {
    source: String,
    kind: RawDocumentKind,
    #[serde(default)]
    rules: Vec<String>,
    #[serde(default)]
    signoff: Option<String>,
    #[serde(default)]
    signer: Option<String>,
    reason: String,
}

#[derive(Deserialize)]
enum RawDocumentKind {
    #[serde(rename = "override")]
    Override,
    #[serde(rename = "sign-off")]
    Signoff,
    #[serde(rename = "unknown")]
    Unknown,
}

impl From<RawRejected> for RejectedDocument {
    fn from(r: RawRejected) -> Self {
        RejectedDocument {
            source: r.source,
            kind: match r.kind {
                RawDocumentKind::Override => DocumentKind::Override,
                RawDocumentKind::Signoff => DocumentKind::Signoff,
                RawDocumentKind::Unknown => DocumentKind::Unknown,
            },
            rules: r.rules,
            signoff: r.signoff,
            signer: r.signer,
            reason: r.reason,
        }
    }
}

#[derive(Deserialize)]
struct RawRule {
    id: String,
    title: String,
    status: RawStatus,
    #[serde(default)]
    actual: Option<String>,
    required: String,
    message: String,
    #[serde(default)]
    help: Option<String>,
    #[serde(default, rename = "override")]
    override_: Option<RawOverride>,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum RawLevel {
    Failure,
    Warning,
    Notice,
}

#[derive(Deserialize)]
struct RawAnnotation {
    path: String,
    start_line: u32,
    end_line: u32,
    level: RawLevel,
    rule: String,
    title: String,
    message: String,
}

impl From<RawAnnotation> for Annotation {
    fn from(a: RawAnnotation) -> Self {
        Annotation {
            path: a.path,
            start_line: a.start_line,
            end_line: a.end_line,
            level: match a.level {
                RawLevel::Failure => AnnotationLevel::Failure,
                RawLevel::Warning => AnnotationLevel::Warning,
                RawLevel::Notice => AnnotationLevel::Notice,
            },
            rule: a.rule,
            title: a.title,
            message: a.message,
        }
    }
}

impl From<RawRule> for RuleResult {
    fn from(r: RawRule) -> Self {
        RuleResult {
            id: r.id,
            title: r.title,
            status: r.status.into(),
            actual: r.actual,
            required: r.required,
            message: r.message,
            help: r.help,
            override_: r.override_.map(Into::into),
        }
    }
}

impl From<RawPolicy> for PolicyInfo {
    fn from(p: RawPolicy) -> Self {
        PolicyInfo {
            name: p.name,
            version: p.version,
            sha256: p.sha256,
            path: p.path,
            extends: p
                .extends
                .into_iter()
                .map(|s| PolicySource {
                    name: s.name,
                    version: s.version,
                    sha256: s.sha256,
                    path: s.path,
                })
                .collect(),
        }
    }
}

impl From<RawContext> for Context {
    fn from(c: RawContext) -> Self {
        Context {
            kind: crate::eval::ContextKind::from_name(&c.kind),
            repository: c.repository,
            commit: c.commit,
            pull_request: c.pull_request,
            base: c.base,
            tag: c.tag,
            dry_run: c.dry_run,
        }
    }
}

/// Reads a saved report file (size-capped) into a verdict.
pub fn read_saved_report(path: &Path) -> Result<Verdict, SavedReportError> {
    let file = fs_err::File::open(path)?;
    let size = file.metadata()?.len();
    if size > MAX_REPORT_BYTES {
        return Err(SavedReportError::TooLarge {
            size,
            limit: MAX_REPORT_BYTES,
        });
    }
    // Read at most one byte past the cap: the file may grow after the check.
    let mut bytes = Vec::new();
    file.take(MAX_REPORT_BYTES + 1).read_to_end(&mut bytes)?;
    let read = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if read > MAX_REPORT_BYTES {
        return Err(SavedReportError::TooLarge {
            size: read,
            limit: MAX_REPORT_BYTES,
        });
    }
    let text = String::from_utf8(bytes).map_err(|e| SavedReportError::Json {
        line: 1,
        column: e.utf8_error().valid_up_to() + 1,
        message: "not UTF-8".to_owned(),
    })?;
    parse_saved_report(&text)
}

/// Parses a saved JSON report (docs/reports.md) back into a verdict, checking
/// its schema, its tool and that its conclusion follows from its rules.
/// Evidence figures are not read back: publishing shows rules, annotations,
/// overrides and notes.
pub fn parse_saved_report(text: &str) -> Result<Verdict, SavedReportError> {
    let size = u64::try_from(text.len()).unwrap_or(u64::MAX);
    if size > MAX_REPORT_BYTES {
        return Err(SavedReportError::TooLarge {
            size,
            limit: MAX_REPORT_BYTES,
        });
    }
    // Look at the envelope first, so that a newer layout gets the schema
    // message rather than whatever field it happens to have changed.
    let envelope: Value = serde_json::from_str(text).map_err(|e| json_error(&e))?;
    if let Some(found) = envelope.get("schema").and_then(Value::as_u64) {
        if found != u64::from(REPORT_SCHEMA) {
            return Err(SavedReportError::Schema {
                found: u32::try_from(found).unwrap_or(u32::MAX),
                supported: REPORT_SCHEMA,
            });
        }
    }
    if let Some(tool) = envelope.pointer("/tool/name").and_then(Value::as_str) {
        if tool != "tollgate" {
            return Err(SavedReportError::Tool(tool.to_owned()));
        }
    }
    let raw: RawReport = serde_json::from_value(envelope).map_err(|e| json_error(&e))?;
    // Checked again on the typed value: the envelope checks only ran when
    // the fields had the expected JSON types.
    if raw.schema != REPORT_SCHEMA {
        return Err(SavedReportError::Schema {
            found: raw.schema,
            supported: REPORT_SCHEMA,
        });
    }
    if raw.tool.name != "tollgate" {
        return Err(SavedReportError::Tool(raw.tool.name));
    }
    let stated: Conclusion = raw.conclusion.into();
    let mut verdict = Verdict {
        gate: raw.gate.clone(),
        title: String::new(),
        policy: raw.policy.into(),
        context: raw.context.into(),
        conclusion: stated,
        rules: raw.rules.into_iter().map(Into::into).collect(),
        evidence: EvidenceSummary::default(),
        overrides: raw.overrides.into_iter().map(Into::into).collect(),
        rejected: raw.rejected.into_iter().map(Into::into).collect(),
        annotations: raw.annotations.into_iter().map(Into::into).collect(),
        notes: raw.notes,
    };
    verdict.reconclude();
    if verdict.conclusion != stated {
        return Err(SavedReportError::Inconsistent {
            stated: stated.as_str(),
            derived: verdict.conclusion.as_str(),
        });
    }
    Ok(verdict)
}

fn json_error(e: &serde_json::Error) -> SavedReportError {
    SavedReportError::Json {
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    }
}

/// The run a report is being published for, from the `workflow_run` event
/// that started the publishing job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishTarget {
    /// `owner/name` of the repository the check run goes to.
    pub repository: String,
    /// The head commit of the run that produced the report
    /// (`workflow_run.head_sha`); `GITHUB_SHA` in a `workflow_run` job is the
    /// default branch's, not this.
    pub head_sha: String,
    /// The producing run's page, a good `details_url`.
    pub details_url: Option<String>,
    /// The event that triggered the producing run (`pull_request`, ...).
    pub event: Option<String>,
    /// Pull requests of the producing run. Empty for forks: GitHub leaves
    /// `workflow_run.pull_requests` empty when the head is in another
    /// repository, so the report's own `pull_request` is what remains.
    pub pull_requests: Vec<u64>,
}

impl PublishTarget {
    /// Reads the target from a `workflow_run` event payload
    /// (`$GITHUB_EVENT_PATH`).
    pub fn from_workflow_run(payload: &Value) -> Result<Self, SavedReportError> {
        let text = |pointer: &str| payload.pointer(pointer).and_then(Value::as_str);
        let head_sha = text("/workflow_run/head_sha")
            .ok_or(SavedReportError::Payload("workflow_run.head_sha"))?
            .to_owned();
        let repository = text("/repository/full_name")
            .or_else(|| text("/workflow_run/repository/full_name"))
            .ok_or(SavedReportError::Payload("repository.full_name"))?
            .to_owned();
        let pull_requests = payload
            .pointer("/workflow_run/pull_requests")
            .and_then(Value::as_array)
            .map(|prs| {
                prs.iter()
                    .filter_map(|p| p.get("number").and_then(Value::as_u64))
                    .collect()
            })
            .unwrap_or_default();
        Ok(Self {
            repository,
            head_sha,
            details_url: text("/workflow_run/html_url").map(str::to_owned),
            event: text("/workflow_run/event").map(str::to_owned),
            pull_requests,
        })
    }
}

/// Refuses to publish `verdict` for `target` unless it is a CI verdict about
/// the same repository and commit, and (when `expected_policy_sha256` is
/// given, as the publishing job can compute it from the base branch) judged
/// by that exact policy file.
pub fn verify_for_publish(
    verdict: &Verdict,
    target: &PublishTarget,
    expected_policy_sha256: Option<&str>,
) -> Result<(), SavedReportError> {
    if verdict.context.dry_run {
        return Err(SavedReportError::DryRun);
    }
    let repository = verdict
        .context
        .repository
        .as_deref()
        .ok_or(SavedReportError::Missing("context.repository"))?;
    // Owner and repository names are case-insensitive on GitHub.
    if !repository.eq_ignore_ascii_case(&target.repository) {
        return Err(SavedReportError::Mismatch {
            what: "repository",
            found: repository.to_owned(),
            expected: target.repository.clone(),
        });
    }
    let commit = verdict
        .context
        .commit
        .as_deref()
        .ok_or(SavedReportError::Missing("context.commit"))?;
    let is_sha = |s: &str| s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit());
    if !is_sha(commit) || !commit.eq_ignore_ascii_case(&target.head_sha) {
        return Err(SavedReportError::Mismatch {
            what: "commit",
            found: commit.to_owned(),
            expected: target.head_sha.clone(),
        });
    }
    if let Some(expected) = expected_policy_sha256 {
        if !verdict.policy.sha256.eq_ignore_ascii_case(expected) {
            return Err(SavedReportError::Mismatch {
                what: "policy sha256",
                found: verdict.policy.sha256.clone(),
                expected: expected.to_owned(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::render_json;

    const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

    fn verdict() -> Verdict {
        let mut v = crate::report::github::tests::sample(3, 2);
        v.context.commit = Some(SHA.to_owned());
        v.context.repository = Some("o/r".to_owned());
        v.notes
            .push("policies/gate2.toml changes in this pull request".into());
        v
    }

    fn target() -> PublishTarget {
        PublishTarget::from_workflow_run(&serde_json::json!({
            "workflow_run": {"head_sha": SHA, "event": "pull_request",
                              "html_url": "https://github.com/o/r/actions/runs/1",
                              "pull_requests": []},
            "repository": {"full_name": "O/R"}
        }))
        .unwrap()
    }

    #[test]
    fn a_report_round_trips_into_the_same_verdict() {
        let v = verdict();
        let back = parse_saved_report(&render_json(&v)).unwrap();
        assert_eq!(back.rules, v.rules);
        assert_eq!(back.annotations, v.annotations);
        assert_eq!(back.notes, v.notes);
        assert_eq!(back.conclusion, v.conclusion);
        assert_eq!(back.context, v.context);
        assert_eq!(back.policy, v.policy);
        // The published check run is the one `check --github` would post.
        let a = crate::report::github::check_run(&v).unwrap();
        let b = crate::report::github::check_run(&back).unwrap();
        assert_eq!(a.output().summary(), b.output().summary());
        assert_eq!(a.output().annotations(), b.output().annotations());
    }

    #[test]
    fn a_forged_conclusion_is_refused() {
        let json =
            render_json(&verdict()).replace("\"conclusion\": \"fail\"", "\"conclusion\": \"pass\"");
        let err = parse_saved_report(&json).unwrap_err();
        assert!(
            matches!(
                err,
                SavedReportError::Inconsistent {
                    stated: "pass",
                    derived: "fail"
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn a_newer_schema_or_another_tool_is_a_clear_error() {
        let json = render_json(&verdict());
        let newer = json.replacen("\"schema\": 1", "\"schema\": 2", 1);
        assert!(matches!(
            parse_saved_report(&newer),
            Err(SavedReportError::Schema { found: 2, .. })
        ));
        let other = json.replacen("\"name\": \"tollgate\"", "\"name\": \"other\"", 1);
        assert!(matches!(
            parse_saved_report(&other),
            Err(SavedReportError::Tool(_))
        ));
        let err = parse_saved_report("{\"schema\": 1").unwrap_err();
        assert!(err.to_string().contains("line 1"), "{err}");
    }

    #[test]
    fn an_oversized_report_is_refused_before_parsing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.json");
        let file = std::fs::File::create(&path).unwrap();
        file.set_len(MAX_REPORT_BYTES + 1).unwrap();
        assert!(matches!(
            read_saved_report(&path),
            Err(SavedReportError::TooLarge { .. })
        ));
    }

    #[test]
    fn publish_needs_the_same_repository_and_commit() {
        let v = verdict();
        verify_for_publish(&v, &target(), None).unwrap();
        let mut other = target();
        other.head_sha = "f".repeat(40);
        assert!(matches!(
            verify_for_publish(&v, &other, None),
            Err(SavedReportError::Mismatch { what: "commit", .. })
        ));
        other = target();
        other.repository = "evil/r".into();
        assert!(matches!(
            verify_for_publish(&v, &other, None),
            Err(SavedReportError::Mismatch {
                what: "repository",
                ..
            })
        ));
        assert!(matches!(
            verify_for_publish(&v, &target(), Some("abc")),
            Err(SavedReportError::Mismatch {
                what: "policy sha256",
                ..
            })
        ));
        let mut dry = v;
        dry.context.dry_run = true;
        assert!(matches!(
            verify_for_publish(&dry, &target(), None),
            Err(SavedReportError::DryRun)
        ));
    }

    #[test]
    fn the_target_comes_from_the_workflow_run_payload() {
        let t = target();
        assert_eq!(t.head_sha, SHA);
        assert_eq!(t.repository, "O/R");
        assert_eq!(t.event.as_deref(), Some("pull_request"));
        assert!(t.pull_requests.is_empty());
        let err = PublishTarget::from_workflow_run(&serde_json::json!({})).unwrap_err();
        assert!(err.to_string().contains("workflow_run.head_sha"), "{err}");
    }
}
