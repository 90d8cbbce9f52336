//! Annotations for GitHub: ranked, capped, clipped to GitHub's field limits,
//! and batched 50 to a request.
//!
//! The verdict keeps every annotation (the JSON report holds them all); what
//! goes to GitHub is a ranked selection: failures before warnings before
//! notices, then in rule order (the policy's order, which is the order the
//! report shows the rules in), then by path and line, so the same verdict
//! always yields the same selection.

use std::collections::HashMap;

use serde::Serialize;

use crate::eval::{Annotation, AnnotationLevel, Verdict};
use crate::report::budget::{clip, clip_chars};

/// GitHub accepts at most 50 annotations per create or update request; more
/// take further update requests, each appending (docs/reports.md).
pub const ANNOTATIONS_PER_REQUEST: usize = crate::github::ANNOTATIONS_PER_REQUEST;

/// Most annotations attached to one check run. GitHub has no documented
/// total, but every 50 cost an API request against the token's rate limit,
/// and past a few hundred red marks a reviewer learns nothing more: 500 is
/// ten requests. Beyond it the check run says how many were left out, and the
/// JSON report holds all of them.
pub const MAX_CHECK_ANNOTATIONS: usize = 500;

/// GitHub's limit on an annotation title, in characters (docs/reports.md).
pub const ANNOTATION_TITLE_MAX_CHARS: usize = crate::github::ANNOTATION_TITLE_MAX_CHARS;

/// GitHub's limit on an annotation message is "64 KB"; 64,000 bytes stays
/// under it whichever kilobyte GitHub means.
pub const ANNOTATION_MESSAGE_MAX_BYTES: usize = 64_000;

/// An annotation's level as GitHub's check-run API spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GithubLevel {
    /// `failure`: shown in red.
    Failure,
    /// `warning`: shown in yellow.
    Warning,
    /// `notice`: shown in grey.
    Notice,
}

impl From<AnnotationLevel> for GithubLevel {
    fn from(level: AnnotationLevel) -> Self {
        match level {
            AnnotationLevel::Failure => GithubLevel::Failure,
            AnnotationLevel::Warning => GithubLevel::Warning,
            AnnotationLevel::Notice => GithubLevel::Notice,
        }
    }
}

/// One check-run annotation, with GitHub's field names: it serialises
/// straight into `output.annotations[]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct CheckAnnotation {
    /// Repository-relative path.
    pub path: String,
    /// First line, 1-based.
    pub start_line: u32,
    /// Last line, at least `start_line`.
    pub end_line: u32,
    /// `failure`, `warning` or `notice`.
    pub annotation_level: GithubLevel,
    /// At most [`ANNOTATION_MESSAGE_MAX_BYTES`] bytes, never empty.
    pub message: String,
    /// `RULE: title`, at most [`ANNOTATION_TITLE_MAX_CHARS`] characters.
    pub title: String,
}

impl CheckAnnotation {
    /// Converts a verdict annotation, clipping its fields to GitHub's limits
    /// and repairing line numbers GitHub would refuse (0, or an end before
    /// the start).
    #[must_use]
    pub fn from_annotation(a: &Annotation) -> Self {
        let start_line = a.start_line.max(1);
        let title = if a.title.is_empty() {
            a.rule.clone()
        } else {
            format!("{}: {}", a.rule, a.title)
        };
        let message = if a.message.is_empty() {
            title.clone()
        } else {
            a.message.clone()
        };
        Self {
            path: a.path.clone(),
            start_line,
            end_line: a.end_line.max(start_line),
            annotation_level: a.level.into(),
            message: clip(&message, ANNOTATION_MESSAGE_MAX_BYTES),
            title: clip_chars(&title, ANNOTATION_TITLE_MAX_CHARS),
        }
    }
}

/// The verdict's annotations in rank order: level, then rule order, then
/// path and lines. Annotations of a rule the verdict does not list come
/// after those of listed rules.
#[must_use]
pub fn ranked_annotations(verdict: &Verdict) -> Vec<&Annotation> {
    let order: HashMap<&str, usize> = verdict
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let rank = |a: &Annotation| order.get(a.rule.as_str()).copied().unwrap_or(usize::MAX);
    let mut all: Vec<&Annotation> = verdict.annotations.iter().collect();
    all.sort_by(|a, b| {
        a.level
            .cmp(&b.level)
            .then_with(|| rank(a).cmp(&rank(b)))
            .then_with(|| a.path.cmp(&b.path))
            .then_with(|| a.start_line.cmp(&b.start_line))
            .then_with(|| a.end_line.cmp(&b.end_line))
    });
    all
}

/// The annotations to attach to a check run: the first `cap` in rank
/// order, converted; and how many were left out.
#[must_use]
pub fn select_annotations(verdict: &Verdict, cap: usize) -> (Vec<CheckAnnotation>, usize) {
    let ranked = ranked_annotations(verdict);
    let omitted = ranked.len().saturating_sub(cap);
    let chosen = ranked
        .into_iter()
        .take(cap)
        .map(CheckAnnotation::from_annotation)
        .collect();
    (chosen, omitted)
}

/// Splits annotations into request-sized batches of at most
/// [`ANNOTATIONS_PER_REQUEST`]: the first goes with the create request, each
/// further one with an update request (GitHub appends them).
#[must_use]
pub fn batches(annotations: &[CheckAnnotation]) -> Vec<&[CheckAnnotation]> {
    annotations.chunks(ANNOTATIONS_PER_REQUEST).collect()
}

impl From<GithubLevel> for crate::github::AnnotationLevel {
    fn from(level: GithubLevel) -> Self {
        match level {
            GithubLevel::Failure => crate::github::AnnotationLevel::Failure,
            GithubLevel::Warning => crate::github::AnnotationLevel::Warning,
            GithubLevel::Notice => crate::github::AnnotationLevel::Notice,
        }
    }
}

impl From<&CheckAnnotation> for crate::github::Annotation {
    fn from(a: &CheckAnnotation) -> Self {
        crate::github::Annotation {
            path: a.path.clone(),
            start_line: a.start_line,
            end_line: a.end_line,
            start_column: None,
            end_column: None,
            level: a.annotation_level.into(),
            message: a.message.clone(),
            title: Some(a.title.clone()),
            raw_details: None,
        }
    }
}
