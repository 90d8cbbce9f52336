//! Verification: is this signed document valid for the commit being judged?
//!
//! Everything here is a pure function of the document bytes, the armored
//! signatures, the trusted `allowed_signers` file, the policy and the time, so
//! `tollgate check` and `tollgate override verify` judge identically and the
//! tests need no files.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use ssh_key::public::KeyData;
use ssh_key::{HashAlg, PublicKey, SshSig};

use super::document::{Document, Grant};
use super::pattern;
use super::signers::{AllowedSigners, RSA_REFUSED};
use crate::eval::SignoffSignature;
use crate::policy::Policy;
use crate::rules::{RuleId, RuleRef};

/// The SSHSIG namespace every tollgate document is signed in.
pub const NAMESPACE: &str = "tollgate";

/// One armored signature and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureText {
    /// File it was read from.
    pub source: String,
    /// `-----BEGIN SSH SIGNATURE-----` ... `-----END SSH SIGNATURE-----`.
    pub armored: String,
}

/// A document with the signatures offered for it. Files whose document bytes
/// are identical are merged into one submission by [`merge`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    /// File(s) the document was read from.
    pub source: String,
    /// The exact signed bytes.
    pub document: Vec<u8>,
    /// Signatures over those bytes.
    pub signatures: Vec<SignatureText>,
}

/// Merges submissions with byte-identical documents, so that several people
/// can each sign their own copy of one document.
#[must_use]
pub fn merge(submissions: Vec<Submission>) -> Vec<Submission> {
    let mut out: Vec<Submission> = Vec::new();
    for s in submissions {
        if let Some(same) = out.iter_mut().find(|o| o.document == s.document) {
            same.source = format!("{} + {}", same.source, s.source);
            for sig in s.signatures {
                if !same.signatures.iter().any(|x| x.armored == sig.armored) {
                    same.signatures.push(sig);
                }
            }
        } else {
            out.push(s);
        }
    }
    out
}

/// What a document must be bound to, and the time it is judged at.
#[derive(Debug, Clone)]
pub struct Target {
    /// `owner/name` judged, if known.
    pub repository: Option<String>,
    /// Commit judged, if known.
    pub commit: Option<String>,
    /// Gate judged.
    pub gate: String,
    /// The time of judgement.
    pub now: DateTime<Utc>,
}

/// A key that made a valid signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signer {
    /// `SHA256:...` fingerprint, as ssh-keygen prints it.
    pub fingerprint: String,
    /// Key algorithm, e.g. `ssh-ed25519`.
    pub algorithm: String,
    /// Principals the `allowed_signers` entries name for this key.
    pub identities: Vec<String>,
    /// Principal pattern lists of those entries (to match sign-off principals).
    pub patterns: Vec<String>,
    /// `file:line` of those entries.
    pub entries: Vec<String>,
}

/// The outcome for one signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureCheck {
    /// Valid, by a listed and usable key.
    Valid(Signer),
    /// Not valid, and why.
    Invalid {
        /// File the signature came from.
        source: String,
        /// Why it does not count.
        reason: String,
    },
}

/// A valid override, ready to apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidOverride {
    /// File(s) it came from.
    pub source: String,
    /// Rules it names.
    pub rules: Vec<String>,
    /// Why.
    pub reason: String,
    /// Expiry as written.
    pub expires: String,
    /// Distinct principals that signed it.
    pub signers: Vec<String>,
}

/// What a valid document grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Accepted {
    /// An override to apply.
    Override(ValidOverride),
    /// Sign-off signatures (one per valid key).
    Signoff(Vec<SignoffSignature>),
}

/// The whole judgement of one submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// File(s) it came from.
    pub source: String,
    /// The parsed document, or why it could not be parsed.
    pub document: Result<Document, String>,
    /// Each signature's outcome.
    pub signatures: Vec<SignatureCheck>,
    /// Valid and what it grants, or why it is rejected.
    pub outcome: Result<Accepted, String>,
}

/// Judges every submission (merge them first).
#[must_use]
pub fn check_all(
    submissions: &[Submission],
    signers: Result<&AllowedSigners, &str>,
    policy: &Policy,
    target: &Target,
) -> Vec<Checked> {
    submissions
        .iter()
        .map(|s| check(s, signers, policy, target))
        .collect()
}

/// Judges one submission.
#[must_use]
pub fn check(
    submission: &Submission,
    signers: Result<&AllowedSigners, &str>,
    policy: &Policy,
    target: &Target,
) -> Checked {
    let source = submission.source.clone();
    let document = Document::parse(&source, &submission.document).map_err(|e| e.to_string());
    let signatures: Vec<SignatureCheck> = match signers {
        Ok(signers) => submission
            .signatures
            .iter()
            .map(|sig| verify_signature(&submission.document, sig, signers, target.now))
            .collect(),
        Err(why) => submission
            .signatures
            .iter()
            .map(|sig| SignatureCheck::Invalid {
                source: sig.source.clone(),
                reason: why.to_owned(),
            })
            .collect(),
    };
    let outcome = match &document {
        Err(e) => Err(e.clone()),
        Ok(doc) => judge(&source, doc, &signatures, submission, policy, target),
    };
    Checked {
        source,
        document,
        signatures,
        outcome,
    }
}

fn judge(
    source: &str,
    doc: &Document,
    signatures: &[SignatureCheck],
    submission: &Submission,
    policy: &Policy,
    target: &Target,
) -> Result<Accepted, String> {
    bound_to_target(doc, target)?;
    if submission.signatures.is_empty() {
        return Err(format!(
            "no signature: append the armored SSHSIG or put it in {source}.sig (ssh-keygen -Y sign -n {NAMESPACE})"
        ));
    }
    let valid: Vec<&Signer> = unique_signers(signatures);
    if valid.is_empty() {
        let reasons: Vec<String> = signatures
            .iter()
            .filter_map(|s| match s {
                SignatureCheck::Invalid { reason, .. } => Some(reason.clone()),
                SignatureCheck::Valid(_) => None,
            })
            .collect();
        return Err(format!("no valid signature: {}", reasons.join("; ")));
    }
    match &doc.grant {
        Grant::Rules(rules) => {
            waivable(rules, policy)?;
            let candidates: Vec<Vec<String>> = valid.iter().map(|s| s.identities.clone()).collect();
            let assigned = assign_distinct(&candidates);
            let need = usize::try_from(policy.overrides.min_signers).unwrap_or(usize::MAX);
            if assigned.len() < need {
                return Err(format!(
                    "signed by {} distinct principal(s) ({}), the policy requires {need} ([overrides] min_signers)",
                    assigned.len(),
                    if assigned.is_empty() { "none".to_owned() } else { assigned.join(", ") }
                ));
            }
            Ok(Accepted::Override(ValidOverride {
                source: source.to_owned(),
                rules: rules.clone(),
                reason: doc.reason.clone(),
                expires: doc.expires_text.clone(),
                signers: assigned,
            }))
        }
        Grant::Signoff(id) => {
            let Some(rule) = policy.signoffs.iter().find(|s| &s.id == id) else {
                return Err(format!(
                    "sign-off `{id}` is not a [[signoffs]] entry of gate {} (known: {})",
                    policy.name,
                    if policy.signoffs.is_empty() {
                        "none".to_owned()
                    } else {
                        policy
                            .signoffs
                            .iter()
                            .map(|s| s.id.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    }
                ));
            };
            Ok(Accepted::Signoff(
                valid
                    .iter()
                    .map(|s| {
                        let mut identities = s.identities.clone();
                        // A policy principal that an entry's pattern list
                        // accepts is that key's identity too, exactly as
                        // `ssh-keygen -Y verify -I principal` would accept it.
                        for p in rule
                            .principals
                            .iter()
                            .filter(|p| !pattern::is_wildcard(p) && !p.starts_with('!'))
                        {
                            if s.patterns.iter().any(|list| pattern::matches_list(list, p))
                                && !identities.contains(p)
                            {
                                identities.push(p.clone());
                            }
                        }
                        SignoffSignature {
                            signoff: id.clone(),
                            fingerprint: s.fingerprint.clone(),
                            identities,
                            source: source.to_owned(),
                        }
                    })
                    .collect(),
            ))
        }
    }
}

/// Whether every rule an override names may be waived in this gate: each
/// is a rule id of the catalogue, one the policy declares (judged from the
/// policy alone: a rule keyed by evidence, `bench.regression[ID]`, exists
/// for any `ID` when the policy enables its family), overridable by the
/// catalogue and not named by `[overrides] not_overridable`.
fn waivable(rules: &[String], policy: &Policy) -> Result<Vec<RuleId>, String> {
    let mut ids = Vec::new();
    let mut malformed = Vec::new();
    for r in rules {
        match RuleId::parse(r) {
            Ok(id) => ids.push(id),
            Err(e) => malformed.push(e.to_string()),
        }
    }
    if !malformed.is_empty() {
        return Err(format!("not a rule id: {}", malformed.join("; ")));
    }
    let unknown: Vec<String> = ids
        .iter()
        .filter(|id| !policy.declares(id))
        .map(|id| format!("`{id}`"))
        .collect();
    if !unknown.is_empty() {
        return Err(format!(
            "gate {} has no rule {}",
            policy.name,
            unknown.join(", ")
        ));
    }
    let never: Vec<String> = ids
        .iter()
        .filter(|id| !id.spec().overridable)
        .map(|id| format!("`{id}`"))
        .collect();
    if !never.is_empty() {
        return Err(format!("{} can never be overridden", never.join(", ")));
    }
    let refused: Vec<String> = ids
        .iter()
        .filter(|id| is_not_overridable(id, &policy.overrides.not_overridable))
        .map(|id| format!("`{id}`"))
        .collect();
    if !refused.is_empty() {
        return Err(format!(
            "the policy marks {} as not overridable ([overrides] not_overridable)",
            refused.join(", ")
        ));
    }
    Ok(ids)
}

/// `not_overridable` entries are rule ids; a keyed family's bare name
/// covers every rule of that family (`audit.warnings` covers `audit.warnings[unsound]`).
#[must_use]
pub fn is_not_overridable(rule: &RuleId, not_overridable: &[RuleRef]) -> bool {
    not_overridable.iter().any(|n| n.covers(rule))
}

fn bound_to_target(doc: &Document, target: &Target) -> Result<(), String> {
    match &target.repository {
        None => return Err("the repository being judged is unknown (no GITHUB_REPOSITORY and no GitHub remote), so the document's binding cannot be checked".to_owned()),
        Some(r) if !r.eq_ignore_ascii_case(&doc.repository) => {
            return Err(format!("bound to repository {}, but {r} is being judged", doc.repository));
        }
        Some(_) => {}
    }
    match &target.commit {
        None => {
            return Err(
                "the commit being judged is unknown, so the document's binding cannot be checked"
                    .to_owned(),
            )
        }
        Some(c) if !c.eq_ignore_ascii_case(&doc.commit) => {
            return Err(format!(
                "bound to commit {}, but {c} is being judged",
                doc.commit
            ));
        }
        Some(_) => {}
    }
    if doc.gate != target.gate {
        return Err(format!(
            "bound to gate {}, but {} is being judged",
            doc.gate, target.gate
        ));
    }
    if doc.expires <= target.now {
        return Err(format!("expired at {}", doc.expires_text));
    }
    Ok(())
}

/// Valid signers, one per key (the same key signing twice counts once).
fn unique_signers(signatures: &[SignatureCheck]) -> Vec<&Signer> {
    let mut seen = BTreeSet::new();
    signatures
        .iter()
        .filter_map(|s| match s {
            SignatureCheck::Valid(signer) if seen.insert(signer.fingerprint.clone()) => {
                Some(signer)
            }
            _ => None,
        })
        .collect()
}

/// Gives each key at most one principal and each principal at most one key,
/// as many as possible (a bipartite matching): the principals returned are
/// the distinct people who signed. One key listed under two principals
/// counts once; two keys of one principal count once.
#[must_use]
pub fn assign_distinct(candidates: &[Vec<String>]) -> Vec<String> {
    let principals: Vec<&String> = {
        let mut all: Vec<&String> = candidates.iter().flatten().collect();
        all.sort();
        all.dedup();
        all
    };
    // owner[p] = key index currently holding principal p.
    let mut owner: Vec<Option<usize>> = vec![None; principals.len()];
    for key in 0..candidates.len() {
        let mut visited = vec![false; principals.len()];
        augment(key, candidates, &principals, &mut owner, &mut visited);
    }
    let mut out: Vec<String> = owner
        .iter()
        .zip(&principals)
        .filter(|(o, _)| o.is_some())
        .map(|(_, p)| (*p).clone())
        .collect();
    out.sort();
    out
}

fn augment(
    key: usize,
    candidates: &[Vec<String>],
    principals: &[&String],
    owner: &mut [Option<usize>],
    visited: &mut [bool],
) -> bool {
    for name in &candidates[key] {
        let Some(p) = principals.iter().position(|x| *x == name) else {
            continue;
        };
        if visited[p] {
            continue;
        }
        visited[p] = true;
        let free = match owner[p] {
            None => true,
            Some(other) => augment(other, candidates, principals, owner, visited),
        };
        if free {
            owner[p] = Some(key);
            return true;
        }
    }
    false
}

/// Verifies one armored signature over `document`.
#[must_use]
pub fn verify_signature(
    document: &[u8],
    sig: &SignatureText,
    signers: &AllowedSigners,
    now: DateTime<Utc>,
) -> SignatureCheck {
    let invalid = |reason: String| SignatureCheck::Invalid {
        source: sig.source.clone(),
        reason,
    };
    let sshsig = match SshSig::from_pem(sig.armored.as_bytes()) {
        Ok(s) => s,
        Err(e) => {
            return invalid(format!(
                "{}: not a readable SSH signature ({e})",
                sig.source
            ))
        }
    };
    let key: &KeyData = sshsig.public_key();
    let fingerprint = PublicKey::from(key.clone())
        .fingerprint(HashAlg::Sha256)
        .to_string();
    if sshsig.namespace() != NAMESPACE {
        return invalid(format!(
            "{}: signed in namespace `{}`, not `{NAMESPACE}` (sign with ssh-keygen -Y sign -n {NAMESPACE})",
            sig.source,
            sshsig.namespace()
        ));
    }
    if matches!(key, KeyData::Rsa(_)) {
        return invalid(format!("{}: key {fingerprint}: {RSA_REFUSED}", sig.source));
    }
    let entries: Vec<_> = signers.entries_for(key).collect();
    let Some(first) = entries.first() else {
        return invalid(match signers.refusal_for(key) {
            Some(r) => format!("{}: key {fingerprint}: {}", sig.source, r.reason),
            None => format!(
                "{}: key {fingerprint} is not listed in {}",
                sig.source, signers.source
            ),
        });
    };
    if let Err(e) = first.key.verify(NAMESPACE, document, &sshsig) {
        return invalid(format!(
            "{}: signature by {fingerprint} does not match the document (changed after signing, or a signature of another file): {e}",
            sig.source
        ));
    }
    let mut reasons = Vec::new();
    let usable: Vec<_> = entries
        .iter()
        .filter(|e| match e.usable(NAMESPACE, now) {
            Ok(()) => true,
            Err(why) => {
                reasons.push(why);
                false
            }
        })
        .collect();
    if usable.is_empty() {
        return invalid(format!(
            "{}: key {fingerprint}: {}",
            sig.source,
            reasons.join("; ")
        ));
    }
    let mut identities: Vec<String> = Vec::new();
    for entry in &usable {
        for id in entry.identities() {
            if !identities.contains(&id) {
                identities.push(id);
            }
        }
    }
    SignatureCheck::Valid(Signer {
        fingerprint,
        algorithm: key.algorithm().to_string(),
        identities,
        patterns: usable.iter().map(|e| e.principals.clone()).collect(),
        entries: usable.iter().map(|e| e.location.clone()).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&[&str]]) -> Vec<Vec<String>> {
        v.iter()
            .map(|k| k.iter().map(|s| (*s).to_owned()).collect())
            .collect()
    }

    #[test]
    fn one_key_under_two_principals_counts_once() {
        assert_eq!(assign_distinct(&names(&[&["alice", "bob"]])).len(), 1);
        assert_eq!(
            assign_distinct(&names(&[&["alice", "bob"], &["alice", "bob"]])).len(),
            2
        );
    }

    #[test]
    fn two_keys_of_one_principal_count_once() {
        assert_eq!(
            assign_distinct(&names(&[&["alice"], &["alice"]])),
            vec!["alice"]
        );
    }

    #[test]
    fn matching_finds_the_best_assignment() {
        // Greedy would give key 0 alice and leave key 1 with nothing.
        assert_eq!(
            assign_distinct(&names(&[&["alice", "bob"], &["alice"]])),
            vec!["alice", "bob"]
        );
        assert!(assign_distinct(&[]).is_empty());
    }

    #[test]
    fn merge_joins_identical_documents() {
        let s = |src: &str, doc: &str, sig: &str| Submission {
            source: src.into(),
            document: doc.as_bytes().to_vec(),
            signatures: vec![SignatureText {
                source: src.into(),
                armored: sig.into(),
            }],
        };
        let merged = merge(vec![
            s("a", "doc", "1"),
            s("b", "doc", "2"),
            s("c", "other", "3"),
            s("d", "doc", "1"),
        ]);
        assert_eq!(merged.len(), 2);
        assert_eq!(merged[0].source, "a + b + d");
        assert_eq!(merged[0].signatures.len(), 2);
    }

    #[test]
    fn not_overridable_covers_rule_families() {
        let list = vec![
            RuleRef::parse("audit.vulnerabilities").unwrap(),
            RuleRef::parse("audit.warnings").unwrap(),
        ];
        let id = |t: &str| RuleId::parse(t).unwrap();
        assert!(is_not_overridable(&id("audit.vulnerabilities"), &list));
        assert!(is_not_overridable(&id("audit.warnings[unsound]"), &list));
        assert!(!is_not_overridable(&id("coverage.lines"), &list));
    }
}
