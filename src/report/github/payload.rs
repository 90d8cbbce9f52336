//! The check run as GitHub's API takes it: the one payload type that goes to
//! GitHub, and the only place that knows GitHub's check-run limits.
//!
//! A [`CheckRunPayload`] cannot hold anything GitHub would refuse: its
//! constructors check the name and the head commit, and cut every field to
//! its limit. The renderer ([`super::check_run`]) makes the text fit first,
//! failures first and with a note of what it left out; the cuts here only
//! ever bite on text from elsewhere (a caller of the library). The client in
//! `src/github/` therefore sends what [`CheckRunPayload::requests`] gives it,
//! as it is: it finds the run, decides between create and update, and skips
//! annotations an earlier run already holds, but it never cuts or rebuilds a
//! field.
//!
//! GitHub's documented limits (REST "Create a check run" / "Update a check
//! run"; docs/github.md lists what tollgate sends):
//!
//! | field | limit | here |
//! | --- | --- | --- |
//! | `output.summary`, `output.text` | 65,535 (a 422 says "bytesize") | [`CHECK_RUN_TEXT_LIMIT`] bytes |
//! | `output.annotations` | 50 per request; further updates append | [`ANNOTATIONS_PER_REQUEST`] |
//! | annotation `title` | 255 characters | [`ANNOTATION_TITLE_MAX_CHARS`] |
//! | annotation `message` | "64 KB" | [`ANNOTATION_MESSAGE_MAX_BYTES`] bytes |
//! | annotation lines | `start_line` >= 1, `end_line` >= `start_line` | repaired in [`CheckAnnotation::new`] |
//! | `output.title` | none documented | [`CHECK_RUN_TITLE_MAX_CHARS`] characters, our own |
//! | `conclusion` | `stale` is GitHub's own | only [`CheckConclusion::Success`] and [`CheckConclusion::Failure`] exist |
//! | `status` | `completed` needs a conclusion | [`CheckRunStatus::InProgress`] carries none |

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Serialize, Serializer};

use crate::report::budget::{clip, clip_chars};

/// GitHub's limit on a check run's `output.summary` and on its
/// `output.text`, in bytes. The documentation says "characters"; the 422
/// GitHub answers with says "bytesize", and bytes are the stricter reading.
pub const CHECK_RUN_TEXT_LIMIT: usize = 65_535;

/// Longest check-run title we send, in characters. GitHub documents none;
/// the checks page shows one line.
pub const CHECK_RUN_TITLE_MAX_CHARS: usize = 255;

/// GitHub accepts at most 50 annotations per create or update request; more
/// take further update requests, each appending.
pub const ANNOTATIONS_PER_REQUEST: usize = 50;

/// GitHub's limit on an annotation title, in characters.
pub const ANNOTATION_TITLE_MAX_CHARS: usize = 255;

/// GitHub's limit on an annotation message is "64 KB"; 64,000 bytes stays
/// under it whichever kilobyte GitHub means, and whether it counts bytes or
/// characters.
pub const ANNOTATION_MESSAGE_MAX_BYTES: usize = 64_000;

/// A payload that cannot become a check run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    /// The verdict names no commit, so there is nothing to attach a run to.
    #[error(
        "the verdict of gate {gate:?} names no commit, so it cannot be published as a check run"
    )]
    NoCommit {
        /// The gate.
        gate: String,
    },
    /// The head commit is not a full sha (GitHub would answer "No commit
    /// found for SHA", or attach the run to whatever a short one resolves to).
    #[error("head sha {0:?} is not a full 40-hex-digit commit id")]
    HeadSha(String),
    /// The check name is empty (GitHub refuses it).
    #[error("the check run's name is empty")]
    EmptyName,
    /// The output title is empty (GitHub refuses it).
    #[error("the check run's title is empty")]
    EmptyTitle,
}

/// An annotation's level, as the check-run API spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckAnnotationLevel {
    /// `failure`: shown in red.
    Failure,
    /// `warning`: shown in yellow.
    Warning,
    /// `notice`: shown in grey.
    Notice,
}

impl CheckAnnotationLevel {
    /// The API string (as GitHub also lists it back).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Failure => "failure",
            Self::Warning => "warning",
            Self::Notice => "notice",
        }
    }
}

/// A check run's conclusion as GitHub spells it. Only two are ever sent:
/// `neutral` and `skipped` would satisfy a required check (see the
/// [module documentation](super) for why an undecided verdict is a failure).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckConclusion {
    /// The gate passed (possibly with overrides).
    Success,
    /// The gate failed, or could not be decided.
    Failure,
}

impl CheckConclusion {
    /// The API string.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
        }
    }
}

/// A check run's status: `completed` once judged, `in_progress` while the
/// judge waits for something (the evidence run, a required check).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckRunStatus {
    /// `in_progress`: no conclusion yet. Branch protection treats it as
    /// not passed, like a failure, but it says "wait" rather than "fix".
    InProgress,
    /// `completed`: requires a conclusion, which such a payload has.
    Completed,
}

impl CheckRunStatus {
    /// The API string.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InProgress => "in_progress",
            Self::Completed => "completed",
        }
    }
}

/// Which evaluation a check run holds, so that an older one never
/// overwrites a newer (the judge runs once per completed workflow run, and
/// a re-run of an old job may finish last). Ordered by the completion time
/// of the workflow run that triggered the evaluation, then its id and
/// attempt. It travels in the run's `external_id`, after `#`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Evaluation {
    /// When the triggering workflow run completed (Unix seconds).
    pub completed_at: i64,
    /// The triggering workflow run's id.
    pub run_id: u64,
    /// Its attempt.
    pub attempt: u64,
}

impl std::fmt::Display for Evaluation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.completed_at, self.run_id, self.attempt)
    }
}

impl Evaluation {
    /// Parses what [`Display`](std::fmt::Display) writes; `None` for
    /// anything else (a run written by another tool or version).
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text.split('.');
        let evaluation = Self {
            completed_at: parts.next()?.parse().ok()?,
            run_id: parts.next()?.parse().ok()?,
            attempt: parts.next()?.parse().ok()?,
        };
        parts.next().is_none().then_some(evaluation)
    }

    /// The evaluation recorded in a check run's `external_id`, if any.
    #[must_use]
    pub fn from_external_id(external_id: &str) -> Option<Self> {
        Self::parse(external_id.split_once('#')?.1)
    }
}

/// The identity part of an `external_id` (`NAME@SHA`), without the
/// evaluation.
#[must_use]
pub fn external_identity(external_id: &str) -> &str {
    external_id
        .split_once('#')
        .map_or(external_id, |(identity, _)| identity)
}

/// One check-run annotation, with GitHub's field names, within GitHub's
/// limits: it serialises straight into `output.annotations[]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct CheckAnnotation {
    path: String,
    start_line: u32,
    end_line: u32,
    annotation_level: CheckAnnotationLevel,
    message: String,
    title: String,
}

impl CheckAnnotation {
    /// An annotation on `path` lines `start_line..=end_line`. Repairs what
    /// GitHub would refuse (line 0, an end before the start), uses the title
    /// as the message when there is none (GitHub requires one), and clips
    /// the title to [`ANNOTATION_TITLE_MAX_CHARS`] characters and the
    /// message to [`ANNOTATION_MESSAGE_MAX_BYTES`] bytes, ending in `…`.
    #[must_use]
    pub fn new(
        path: &str,
        start_line: u32,
        end_line: u32,
        level: CheckAnnotationLevel,
        title: &str,
        message: &str,
    ) -> Self {
        let start_line = start_line.max(1);
        let message = if message.is_empty() { title } else { message };
        Self {
            path: path.to_owned(),
            start_line,
            end_line: end_line.max(start_line),
            annotation_level: level,
            message: clip(message, ANNOTATION_MESSAGE_MAX_BYTES),
            title: clip_chars(title, ANNOTATION_TITLE_MAX_CHARS),
        }
    }

    /// Repository-relative path.
    #[must_use]
    pub fn path(&self) -> &str {
        &self.path
    }

    /// First line, at least 1.
    #[must_use]
    pub fn start_line(&self) -> u32 {
        self.start_line
    }

    /// Last line, at least [`Self::start_line`].
    #[must_use]
    pub fn end_line(&self) -> u32 {
        self.end_line
    }

    /// The level.
    #[must_use]
    pub fn level(&self) -> CheckAnnotationLevel {
        self.annotation_level
    }

    /// The message: never empty when the title is not, at most
    /// [`ANNOTATION_MESSAGE_MAX_BYTES`] bytes.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The title, at most [`ANNOTATION_TITLE_MAX_CHARS`] characters.
    #[must_use]
    pub fn title(&self) -> &str {
        &self.title
    }
}

/// The fields of a run that every create and first update carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct RunFields {
    name: String,
    status: CheckRunStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    conclusion: Option<CheckConclusion>,
    external_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    details_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "seconds")]
    started_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "seconds")]
    completed_at: Option<DateTime<Utc>>,
}

/// The text of `output`, which every request that carries `output` repeats
/// (GitHub requires `title` and `summary` whenever `output` is given).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct OutputText {
    title: String,
    summary: String,
    text: String,
}

/// The `output` of a check run: what GitHub shows on the checks page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckRunOutput {
    text: OutputText,
    annotations: Vec<CheckAnnotation>,
}

impl CheckRunOutput {
    /// An output within GitHub's limits: `title` clipped to
    /// [`CHECK_RUN_TITLE_MAX_CHARS`] characters, `summary` and `text` to
    /// [`CHECK_RUN_TEXT_LIMIT`] bytes (ending in `…` when cut; the renderer
    /// makes its own text fit with a note instead). `annotations` are sent
    /// [`ANNOTATIONS_PER_REQUEST`] to a request, in this order.
    #[must_use]
    pub fn new(title: &str, summary: &str, text: &str, annotations: Vec<CheckAnnotation>) -> Self {
        Self {
            text: OutputText {
                title: clip_chars(title, CHECK_RUN_TITLE_MAX_CHARS),
                summary: clip(summary, CHECK_RUN_TEXT_LIMIT),
                text: clip(text, CHECK_RUN_TEXT_LIMIT),
            },
            annotations,
        }
    }

    /// One line, e.g. `gate2 failed: 2 of 9 rules`.
    #[must_use]
    pub fn title(&self) -> &str {
        &self.text.title
    }

    /// Markdown, at most [`CHECK_RUN_TEXT_LIMIT`] bytes.
    #[must_use]
    pub fn summary(&self) -> &str {
        &self.text.summary
    }

    /// Markdown details, at most [`CHECK_RUN_TEXT_LIMIT`] bytes.
    #[must_use]
    pub fn text(&self) -> &str {
        &self.text.text
    }

    /// Every annotation to attach, in the order they are sent.
    #[must_use]
    pub fn annotations(&self) -> &[CheckAnnotation] {
        &self.annotations
    }
}

/// Everything GitHub is sent for one check run: name, head commit, status,
/// conclusion, our external id, links and times, and the output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckRunPayload {
    head_sha: String,
    run: RunFields,
    output: CheckRunOutput,
}

impl CheckRunPayload {
    /// A completed run named `name` (e.g. `tollgate/gate2`) on `head_sha` (a
    /// pull request's head, never its merge commit). Its external id is
    /// `NAME@SHA`, which lets a re-run recognise its own earlier run among
    /// same-named ones.
    pub fn new(
        name: &str,
        head_sha: &str,
        conclusion: CheckConclusion,
        output: CheckRunOutput,
    ) -> Result<Self, PayloadError> {
        Self::build(name, head_sha, Some(conclusion), output)
    }

    /// A run that is `in_progress` (no conclusion): the judge is waiting for
    /// the evidence run or a required check, and will run again when it
    /// completes. The output says what it waits for.
    pub fn in_progress(
        name: &str,
        head_sha: &str,
        output: CheckRunOutput,
    ) -> Result<Self, PayloadError> {
        Self::build(name, head_sha, None, output)
    }

    fn build(
        name: &str,
        head_sha: &str,
        conclusion: Option<CheckConclusion>,
        output: CheckRunOutput,
    ) -> Result<Self, PayloadError> {
        if name.trim().is_empty() {
            return Err(PayloadError::EmptyName);
        }
        if output.title().trim().is_empty() {
            return Err(PayloadError::EmptyTitle);
        }
        if head_sha.len() != 40 || !head_sha.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(PayloadError::HeadSha(head_sha.to_owned()));
        }
        let head_sha = head_sha.to_ascii_lowercase();
        Ok(Self {
            run: RunFields {
                name: name.to_owned(),
                status: if conclusion.is_some() {
                    CheckRunStatus::Completed
                } else {
                    CheckRunStatus::InProgress
                },
                conclusion,
                external_id: format!("{name}@{head_sha}"),
                details_url: None,
                started_at: None,
                completed_at: None,
            },
            head_sha,
            output,
        })
    }

    /// Records which evaluation this is (in the external id, after `#`),
    /// so that publishing never replaces a newer evaluation with it.
    #[must_use]
    pub fn with_evaluation(mut self, evaluation: Evaluation) -> Self {
        self.run.external_id = format!("{}#{evaluation}", external_identity(&self.run.external_id));
        self
    }

    /// The evaluation recorded with [`Self::with_evaluation`].
    #[must_use]
    pub fn evaluation(&self) -> Option<Evaluation> {
        Evaluation::from_external_id(&self.run.external_id)
    }

    /// `NAME@SHA`: what identifies tollgate's runs of this name on this
    /// commit, whichever evaluation they hold.
    #[must_use]
    pub fn identity(&self) -> &str {
        external_identity(&self.run.external_id)
    }

    /// With `preamble` (Markdown) before the summary, cut to the limit from
    /// the end of the summary if the two do not fit together.
    #[must_use]
    pub fn with_summary_preamble(mut self, preamble: &str) -> Self {
        if !preamble.is_empty() {
            let summary = format!("{preamble}{}", self.output.text.summary);
            self.output.text.summary = clip(&summary, CHECK_RUN_TEXT_LIMIT);
        }
        self
    }

    /// With another title (cut to [`CHECK_RUN_TITLE_MAX_CHARS`]); an empty
    /// one keeps the title it had.
    #[must_use]
    pub fn with_title(mut self, title: &str) -> Self {
        if !title.trim().is_empty() {
            self.output.text.title = clip_chars(title, CHECK_RUN_TITLE_MAX_CHARS);
        }
        self
    }

    /// The same run as `in_progress`: no conclusion, no completion time and
    /// no annotations (they arrive with the conclusion).
    #[must_use]
    pub fn waiting(mut self) -> Self {
        self.run.status = CheckRunStatus::InProgress;
        self.run.conclusion = None;
        self.run.completed_at = None;
        self.output.annotations.clear();
        self
    }

    /// With a link to details (the Actions run that judged).
    #[must_use]
    pub fn with_details_url(mut self, url: Option<String>) -> Self {
        self.run.details_url = url;
        self
    }

    /// With the time the evaluation began and the time it ended; sent to
    /// the second.
    #[must_use]
    pub fn with_times(
        mut self,
        started_at: Option<DateTime<Utc>>,
        completed_at: Option<DateTime<Utc>>,
    ) -> Self {
        self.run.started_at = started_at;
        self.run.completed_at = completed_at;
        self
    }

    /// `tollgate/GATE`: the key for finding an earlier run.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.run.name
    }

    /// The commit, 40 lower-case hex digits.
    #[must_use]
    pub fn head_sha(&self) -> &str {
        &self.head_sha
    }

    /// `NAME@SHA`, followed by `#EVALUATION` when one is recorded.
    #[must_use]
    pub fn external_id(&self) -> &str {
        &self.run.external_id
    }

    /// `success` or `failure`; `None` while `in_progress`.
    #[must_use]
    pub fn conclusion(&self) -> Option<CheckConclusion> {
        self.run.conclusion
    }

    /// `completed` or `in_progress`.
    #[must_use]
    pub fn status(&self) -> CheckRunStatus {
        self.run.status
    }

    /// Title, summary, text and annotations.
    #[must_use]
    pub fn output(&self) -> &CheckRunOutput {
        &self.output
    }

    /// The request bodies that publish this run with `annotations` (all of
    /// [`CheckRunOutput::annotations`], or those an earlier run does not hold
    /// yet), in the order they must be sent: the first creates the run
    /// ([`Publish::Create`], with `head_sha`) or updates it
    /// ([`Publish::Update`]) and carries up to [`ANNOTATIONS_PER_REQUEST`]
    /// annotations; each further one is an update that appends the next
    /// batch, repeating the output's text as GitHub requires.
    #[must_use]
    pub fn requests<'a>(
        &'a self,
        annotations: &'a [CheckAnnotation],
        publish: Publish,
    ) -> CheckRunRequests<'a> {
        let mut batches = annotations.chunks(ANNOTATIONS_PER_REQUEST);
        let first = CheckRunRequest {
            head_sha: (publish == Publish::Create).then_some(self.head_sha.as_str()),
            run: Some(&self.run),
            output: OutputRequest {
                text: &self.output.text,
                annotations: batches.next().unwrap_or_default(),
            },
        };
        let appends = batches
            .map(|batch| CheckRunRequest {
                head_sha: None,
                run: None,
                output: OutputRequest {
                    text: &self.output.text,
                    annotations: batch,
                },
            })
            .collect();
        CheckRunRequests { first, appends }
    }
}

/// Whether the first request creates the run or updates an earlier one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Publish {
    /// `POST /repos/{owner}/{repo}/check-runs`.
    Create,
    /// `PATCH /repos/{owner}/{repo}/check-runs/{id}`.
    Update,
}

/// The bodies of every request one publication sends, in order.
#[derive(Debug, Clone, Serialize)]
pub struct CheckRunRequests<'a> {
    /// The create, or the update of an earlier run.
    pub first: CheckRunRequest<'a>,
    /// Updates that append one further batch of annotations each.
    pub appends: Vec<CheckRunRequest<'a>>,
}

/// The JSON body of one create or update request, borrowed from a
/// [`CheckRunPayload`].
#[derive(Debug, Clone, Copy, Serialize)]
pub struct CheckRunRequest<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    head_sha: Option<&'a str>,
    #[serde(flatten)]
    run: Option<&'a RunFields>,
    output: OutputRequest<'a>,
}

impl CheckRunRequest<'_> {
    /// How many annotations this request appends to the run.
    #[must_use]
    pub fn annotation_count(&self) -> usize {
        self.output.annotations.len()
    }
}

#[derive(Debug, Clone, Copy, Serialize)]
struct OutputRequest<'a> {
    #[serde(flatten)]
    text: &'a OutputText,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    annotations: &'a [CheckAnnotation],
}

/// RFC 3339 to the second, as GitHub shows its own times.
#[allow(clippy::ref_option)] // serde's `serialize_with` passes `&Option<T>`
fn seconds<S: Serializer>(time: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match time {
        Some(t) => s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::Secs, true)),
        None => s.serialize_none(),
    }
}
