//! Application: valid overrides waive failing rules of a verdict. Pure: no
//! files, no clock; the verdict and the judged documents in, the verdict out.

use super::document::{Document, Grant};
use super::error::Rejection;
use super::verify::{Accepted, Checked, SignatureCheck, ValidOverride};
use crate::eval::{AppliedOverride, DocumentKind, RejectedDocument, Status, Verdict};

/// Applies every valid override in `checked` to `verdict`, records every
/// rejected document under [`Verdict::rejected`] with its reason, and notes
/// overrides that waived nothing (so waivers do not rot) and signatures
/// that did not count on an otherwise valid document. Sign-offs are judged
/// by the evaluator (as `signoff[ID]` rules); only their rejections are
/// recorded here.
pub fn apply(verdict: &mut Verdict, checked: &[Checked]) {
    for c in checked {
        match &c.outcome {
            Err(reason) => {
                verdict.rejected.push(rejected(c, reason));
            }
            Ok(accepted) => {
                // A valid document may still carry signatures that do not
                // count (merged copies, a second signer's stale key): say so.
                for sig in &c.signatures {
                    if let SignatureCheck::Invalid { reason, .. } = sig {
                        let kind = c.document.as_ref().map_or("document", Document::kind);
                        verdict.notes.push(format!(
                            "{kind} {}: a signature does not count: {reason}",
                            c.source
                        ));
                    }
                }
                if let Accepted::Override(o) = accepted {
                    if let Err(why) = apply_one(verdict, o) {
                        verdict.rejected.push(rejected(c, &why));
                    }
                }
            }
        }
    }
    verdict.reconclude();
}

/// The report entry for a document that did not count.
fn rejected(c: &Checked, reason: &Rejection) -> RejectedDocument {
    let (kind, rules, signoff) = match c.document.as_ref().map(|d| &d.grant) {
        Ok(Grant::Rules(rules)) => (DocumentKind::Override, rules.clone(), None),
        Ok(Grant::Signoff(id)) => (DocumentKind::Signoff, Vec::new(), Some(id.clone())),
        Err(_) => (DocumentKind::Unknown, Vec::new(), None),
    };
    let mut signers: Vec<String> = Vec::new();
    for sig in &c.signatures {
        if let SignatureCheck::Valid(s) = sig {
            for id in &s.identities {
                if !signers.contains(id) {
                    signers.push(id.clone());
                }
            }
        }
    }
    RejectedDocument {
        source: c.source.clone(),
        kind,
        rules,
        signoff,
        signer: (!signers.is_empty()).then(|| signers.join(", ")),
        reason: reason.to_string(),
    }
}

/// Waives the failing rules `o` names; `Err` when it names a rule the
/// verdict does not have (nothing is then waived).
fn apply_one(verdict: &mut Verdict, o: &ValidOverride) -> Result<(), Rejection> {
    let unknown: Vec<String> = o
        .rules
        .iter()
        .filter(|r| !verdict.rules.iter().any(|rule| &rule.id == *r))
        .cloned()
        .collect();
    if !unknown.is_empty() {
        return Err(Rejection::UnknownRules {
            gate: verdict.gate.clone(),
            rules: unknown,
        });
    }
    let applied = AppliedOverride {
        signer: o.signers.join(", "),
        rules: Vec::new(),
        reason: o.reason.clone(),
        expires: o.expires.clone(),
        source: o.source.clone(),
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
        return Ok(());
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
    Ok(())
}
