//! Which annotations go to GitHub: ranked and capped.
//!
//! The verdict keeps every annotation (the JSON report holds them all); what
//! goes to GitHub is a ranked selection: failures before warnings before
//! notices, then in rule order (the policy's order, which is the order the
//! report shows the rules in), then by path and line, so the same verdict
//! always yields the same selection.

use std::collections::HashMap;

use crate::eval::{Annotation, AnnotationLevel, Verdict};

use super::payload::{CheckAnnotation, CheckAnnotationLevel};

/// Most annotations attached to one check run. GitHub has no documented
/// total, but every 50 cost an API request against the token's rate limit,
/// and past a few hundred red marks a reviewer learns nothing more: 500 is
/// ten requests. Beyond it the check run says how many were left out, and the
/// JSON report holds all of them.
pub const MAX_CHECK_ANNOTATIONS: usize = 500;

impl From<AnnotationLevel> for CheckAnnotationLevel {
    fn from(level: AnnotationLevel) -> Self {
        match level {
            AnnotationLevel::Failure => CheckAnnotationLevel::Failure,
            AnnotationLevel::Warning => CheckAnnotationLevel::Warning,
            AnnotationLevel::Notice => CheckAnnotationLevel::Notice,
        }
    }
}

/// The title GitHub shows for a verdict annotation: `RULE: title`, or the
/// rule alone.
pub(crate) fn annotation_title(a: &Annotation) -> String {
    if a.title.is_empty() {
        a.rule.clone()
    } else {
        format!("{}: {}", a.rule, a.title)
    }
}

impl From<&Annotation> for CheckAnnotation {
    fn from(a: &Annotation) -> Self {
        CheckAnnotation::new(
            &a.path,
            a.start_line,
            a.end_line,
            a.level.into(),
            &annotation_title(a),
            &a.message,
        )
    }
}

/// The verdict's annotations in rank order: level, then rule order, then
/// path and lines. Annotations of a rule the verdict does not list come
/// after those of listed rules.
pub(crate) fn ranked_annotations(verdict: &Verdict) -> Vec<&Annotation> {
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
/// order, converted.
pub(crate) fn select_annotations(verdict: &Verdict, cap: usize) -> Vec<CheckAnnotation> {
    ranked_annotations(verdict)
        .into_iter()
        .take(cap)
        .map(CheckAnnotation::from)
        .collect()
}
