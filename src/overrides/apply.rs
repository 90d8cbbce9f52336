//! Application: valid overrides waive failing rules of a verdict. Pure: no
//! files, no clock; the verdict and the judged documents in, the verdict out.

use super::error::Rejection;
use super::verify::{Accepted, Checked, SignatureCheck, ValidOverride};
use crate::eval::{AppliedOverride, Status, Verdict};

/// Applies every valid override in `checked` to `verdict` and records, as
/// notes, every rejected document and every override that waived nothing
/// (so ignore lists do not rot). Sign-offs are judged by the evaluator (as
/// `signoff[ID]` rules); only their rejections are noted here.
pub fn apply(verdict: &mut Verdict, checked: &[Checked]) {
    for c in checked {
        match &c.outcome {
            Err(reason) => {
                let kind = c.document.as_ref().map_or("document", |d| d.kind());
                verdict.notes.push(format!(
                    "{kind} {} rejected, not applied: {reason}",
                    c.source
                ));
            }
            Ok(accepted) => {
                // A valid document may still carry signatures that do not
                // count (merged copies, a second signer's stale key): say so.
                for sig in &c.signatures {
                    if let SignatureCheck::Invalid { reason, .. } = sig {
                        let kind = c.document.as_ref().map_or("document", |d| d.kind());
                        verdict.notes.push(format!(
                            "{kind} {}: a signature does not count: {reason}",
                            c.source
                        ));
                    }
                }
                if let Accepted::Override(o) = accepted {
                    apply_one(verdict, o);
                }
            }
        }
    }
    verdict.reconclude();
}

fn apply_one(verdict: &mut Verdict, o: &ValidOverride) {
    let unknown: Vec<String> = o
        .rules
        .iter()
        .filter(|r| !verdict.rules.iter().any(|rule| &rule.id == *r))
        .cloned()
        .collect();
    if !unknown.is_empty() {
        let why = Rejection::UnknownRules {
            gate: verdict.gate.clone(),
            rules: unknown,
        };
        verdict.notes.push(format!(
            "override {} rejected, not applied: {why}",
            o.source
        ));
        return;
    }
    let applied = AppliedOverride {
        signer: o.signers.join(", "),
        rules: Vec::new(),
        reason: o.reason.clone(),
        expires: o.expires.clone(),
    };
    let mut waived = Vec::new();
    let mut idle = Vec::new();
    for name in &o.rules {
        for rule in verdict.rules.iter_mut().filter(|r| &r.id == name) {
            if rule.status.blocks() {
                rule.status = Status::Overridden;
                rule.override_ = Some(AppliedOverride {
                    rules: vec![name.clone()],
                    ..applied.clone()
                });
                waived.push(name.clone());
            } else if rule.status == Status::Overridden {
                // Already waived by another override: this one is not rotting either.
                waived.push(name.clone());
            } else {
                idle.push(format!("`{name}` ({})", rule.status.as_str()));
            }
        }
    }
    if waived.is_empty() {
        verdict.notes.push(format!(
            "override {} matched no failing rule ({}): remove it so waivers do not outlive their reason",
            o.source,
            idle.join(", ")
        ));
        return;
    }
    if !idle.is_empty() {
        verdict.notes.push(format!(
            "override {} also names rules that did not fail: {}",
            o.source,
            idle.join(", ")
        ));
    }
    verdict.overrides.push(AppliedOverride {
        rules: waived,
        ..applied
    });
}
