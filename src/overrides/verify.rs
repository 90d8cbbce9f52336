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
use super::error::{OverrideError, Rejection, SignatureError};
use super::signers::AllowedSigners;
use crate::eval::SignoffSignature;
use crate::policy::Policy;
use crate::principals::{self, assign_distinct};
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

/// Where a submission was read from, which decides the advice a rejection gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// An `--override` file (signatures inline or in `FILE.sig`).
    File,
    /// A pull-request comment (signatures after the fenced document).
    Comment,
    /// An annotated release tag's message (the comment grammar).
    Tag,
}

/// A document with the signatures offered for it. Files whose document bytes
/// are identical are merged into one submission by [`merge`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    /// File(s), comment(s) or tag the document was read from, for reports:
    /// a path, `comment #ID by @login, URL`, or `tag v1.2.3 message`.
    pub source: String,
    /// What kind of place that is.
    pub origin: Origin,
    /// The exact signed bytes.
    pub document: Vec<u8>,
    /// Signatures over those bytes.
    pub signatures: Vec<SignatureText>,
    /// Text found after the signatures (`FILE:LINE` or `line N of its
    /// fenced block`, and the text), which refuses the whole submission.
    pub trailing: Option<(String, String)>,
}

/// Merges submissions with byte-identical documents, so that several people
/// can each sign their own copy of one document.
#[must_use]
pub fn merge(submissions: Vec<Submission>) -> Vec<Submission> {
    let mut out: Vec<Submission> = Vec::new();
    for s in submissions {
        // A copy with text after its signatures stays on its own and is
        // refused alone: anyone may post a copy of a document, and a
        // spoiled copy must not take the clean one down with it.
        if let Some(same) = out
            .iter_mut()
            .find(|o| o.document == s.document && o.trailing.is_none() && s.trailing.is_none())
        {
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
        reason: SignatureError,
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
    pub document: Result<Document, OverrideError>,
    /// Each signature's outcome.
    pub signatures: Vec<SignatureCheck>,
    /// Valid and what it grants, or why it is rejected.
    pub outcome: Result<Accepted, Rejection>,
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
    let document = Document::parse(&source, &submission.document);
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
                reason: SignatureError::NoSigners {
                    reason: why.to_owned(),
                },
            })
            .collect(),
    };
    let outcome = match (&document, &submission.trailing) {
        (Err(e), _) => Err(Rejection::Document(e.clone())),
        (Ok(_), Some((at, found))) => Err(Rejection::TrailingText {
            at: at.clone(),
            found: found.clone(),
        }),
        (Ok(doc), None) => judge(&source, doc, &signatures, submission, policy, target),
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
) -> Result<Accepted, Rejection> {
    bound_to_target(doc, target)?;
    short_lived(doc, policy.overrides.max_days, target.now)?;
    if submission.signatures.is_empty() {
        return Err(match submission.origin {
            Origin::File => Rejection::NoSignature {
                file: source.to_owned(),
            },
            Origin::Comment => Rejection::NoSignatureInComment,
            Origin::Tag => Rejection::NoSignatureInTag,
        });
    }
    let valid: Vec<&Signer> = unique_signers(signatures);
    if valid.is_empty() {
        let reasons: Vec<SignatureError> = signatures
            .iter()
            .filter_map(|s| match s {
                SignatureCheck::Invalid { reason, .. } => Some(reason.clone()),
                SignatureCheck::Valid(_) => None,
            })
            .collect();
        return Err(Rejection::NoValidSignature { reasons });
    }
    match &doc.grant {
        Grant::Rules(rules) => {
            waivable(rules, policy)?;
            let candidates: Vec<Vec<String>> = valid.iter().map(|s| s.identities.clone()).collect();
            let assigned = assign_distinct(&candidates);
            let need = usize::try_from(policy.overrides.min_signers).unwrap_or(usize::MAX);
            if assigned.len() < need {
                return Err(Rejection::TooFewSigners {
                    signers: assigned,
                    required: need,
                });
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
                return Err(Rejection::UnknownSignoff {
                    id: id.clone(),
                    gate: policy.name.clone(),
                    known: policy.signoffs.iter().map(|s| s.id.clone()).collect(),
                });
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
                            .filter(|p| !principals::is_wildcard(p) && !p.starts_with('!'))
                        {
                            if s.patterns
                                .iter()
                                .any(|list| principals::matches_list(list, p))
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
fn waivable(rules: &[String], policy: &Policy) -> Result<Vec<RuleId>, Rejection> {
    let mut ids = Vec::new();
    let mut malformed = Vec::new();
    for r in rules {
        match RuleId::parse(r) {
            Ok(id) => ids.push(id),
            Err(e) => malformed.push(e.to_string()),
        }
    }
    if !malformed.is_empty() {
        return Err(Rejection::MalformedRules { errors: malformed });
    }
    let named = |keep: &dyn Fn(&RuleId) -> bool| -> Vec<String> {
        ids.iter()
            .filter(|id| keep(id))
            .map(ToString::to_string)
            .collect()
    };
    let unknown = named(&|id| !policy.declares(id));
    if !unknown.is_empty() {
        return Err(Rejection::UnknownRules {
            gate: policy.name.clone(),
            rules: unknown,
        });
    }
    let never = named(&|id| !id.spec().overridable);
    if !never.is_empty() {
        return Err(Rejection::NeverOverridable { rules: never });
    }
    let refused = named(&|id| is_not_overridable(id, &policy.overrides.not_overridable));
    if !refused.is_empty() {
        return Err(Rejection::NotOverridable { rules: refused });
    }
    Ok(ids)
}

/// `not_overridable` entries are rule ids; a keyed family's bare name
/// covers every rule of that family (`audit.warnings` covers `audit.warnings[unsound]`).
#[must_use]
pub fn is_not_overridable(rule: &RuleId, not_overridable: &[RuleRef]) -> bool {
    not_overridable.iter().any(|n| n.covers(rule))
}

fn bound_to_target(doc: &Document, target: &Target) -> Result<(), Rejection> {
    match &target.repository {
        None => return Err(Rejection::RepositoryUnknown),
        Some(r) if !r.eq_ignore_ascii_case(&doc.repository) => {
            return Err(Rejection::OtherRepository {
                bound: doc.repository.clone(),
                judged: r.clone(),
            });
        }
        Some(_) => {}
    }
    match &target.commit {
        None => return Err(Rejection::CommitUnknown),
        Some(c) if !c.eq_ignore_ascii_case(&doc.commit) => {
            return Err(Rejection::OtherCommit {
                bound: doc.commit.clone(),
                judged: c.clone(),
            });
        }
        Some(_) => {}
    }
    if doc.gate != target.gate {
        return Err(Rejection::OtherGate {
            bound: doc.gate.clone(),
            judged: target.gate.clone(),
        });
    }
    if doc.expires <= target.now {
        return Err(Rejection::Expired {
            expires: doc.expires_text.clone(),
        });
    }
    Ok(())
}

/// `expires` may lie at most `max_days` days after the time of judgement.
/// A limit so far ahead that no time can express it caps nothing.
fn short_lived(doc: &Document, max_days: u32, now: DateTime<Utc>) -> Result<(), Rejection> {
    let latest = chrono::TimeDelta::try_days(i64::from(max_days))
        .and_then(|days| now.checked_add_signed(days));
    match latest {
        Some(latest) if doc.expires > latest => Err(Rejection::TooLongLived {
            expires: doc.expires_text.clone(),
            max_days,
            now: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            latest: latest.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        }),
        _ => Ok(()),
    }
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

/// Verifies one armored signature over `document`.
#[must_use]
pub fn verify_signature(
    document: &[u8],
    sig: &SignatureText,
    signers: &AllowedSigners,
    now: DateTime<Utc>,
) -> SignatureCheck {
    let invalid = |reason: SignatureError| SignatureCheck::Invalid {
        source: sig.source.clone(),
        reason,
    };
    let file = sig.source.clone();
    let sshsig = match SshSig::from_pem(sig.armored.as_bytes()) {
        Ok(s) => s,
        Err(error) => return invalid(SignatureError::Unreadable { file, error }),
    };
    let key: &KeyData = sshsig.public_key();
    let fingerprint = PublicKey::from(key.clone())
        .fingerprint(HashAlg::Sha256)
        .to_string();
    if sshsig.namespace() != NAMESPACE {
        return invalid(SignatureError::WrongNamespace {
            file,
            namespace: sshsig.namespace().to_owned(),
        });
    }
    if matches!(key, KeyData::Rsa(_)) {
        return invalid(SignatureError::Rsa { file, fingerprint });
    }
    let entries: Vec<_> = signers.entries_for(key).collect();
    let Some(first) = entries.first() else {
        return invalid(match signers.refusal_for(key) {
            Some(r) => SignatureError::Refused {
                file,
                fingerprint,
                refused: r.reason.clone(),
            },
            None => SignatureError::NotListed {
                file,
                fingerprint,
                signers: signers.source.clone(),
            },
        });
    };
    if let Err(error) = first.key.verify(NAMESPACE, document, &sshsig) {
        return invalid(SignatureError::Mismatch {
            file,
            fingerprint,
            error,
        });
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
        return invalid(SignatureError::Unusable {
            file,
            fingerprint,
            reasons,
        });
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

    #[test]
    fn merge_joins_identical_documents() {
        let s = |src: &str, doc: &str, sig: &str| Submission {
            source: src.into(),
            origin: Origin::File,
            document: doc.as_bytes().to_vec(),
            signatures: vec![SignatureText {
                source: src.into(),
                armored: sig.into(),
            }],
            trailing: None,
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
        // A copy with text after its signatures is kept apart, so that it
        // is refused alone and the clean copy still counts.
        let spoiled = Submission {
            trailing: Some(("e:9".into(), "junk".into())),
            ..s("e", "doc", "4")
        };
        let merged = merge(vec![s("a", "doc", "1"), spoiled, s("b", "doc", "2")]);
        assert_eq!(merged.len(), 2);
        assert_eq!(merged[0].source, "a + b");
        assert_eq!(merged[1].source, "e");
        assert!(merged[1].trailing.is_some());
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

    /// Judging the committed, OpenSSH-signed fixtures (fixtures/overrides)
    /// at a chosen time: the clock is an input, so the lifetime cap is
    /// tested against the real documents without a policy that disables it.
    mod judged {
        use std::path::Path;

        use super::super::*;
        use crate::policy::{load_policy, FileSource};

        const DOC: &str = include_str!("../../fixtures/overrides/docs/override.txt");
        const SIG: &str = include_str!("../../fixtures/overrides/docs/override.txt.sig");
        const SIGNERS: &str = include_str!("../../fixtures/overrides/allowed_signers");
        const COMMIT: &str = "f58718500e512c15d65807c025cdfc7aa10c1ad1";

        struct Text(String);

        impl FileSource for Text {
            fn read(&self, _: &Path) -> std::io::Result<Option<Vec<u8>>> {
                Ok(Some(self.0.as_bytes().to_vec()))
            }
            fn describe(&self) -> String {
                "test".to_owned()
            }
        }

        fn policy(overrides: &str) -> Policy {
            load_policy(
                &Text(format!(
                    "schema = 1\nname = \"gate2\"\nversion = \"1.0.0\"\n[coverage]\nlines = 80.0\n[overrides]\nsigners = \"allowed_signers\"\n{overrides}"
                )),
                Path::new("gate2.toml"),
            )
            .unwrap()
        }

        fn at(time: &str) -> DateTime<Utc> {
            DateTime::parse_from_rfc3339(time)
                .unwrap()
                .with_timezone(&Utc)
        }

        fn submission(trailing: Option<(String, String)>) -> Submission {
            Submission {
                source: "override.txt".into(),
                origin: Origin::File,
                document: DOC.as_bytes().to_vec(),
                signatures: vec![SignatureText {
                    source: "override.txt.sig".into(),
                    armored: SIG.into(),
                }],
                trailing,
            }
        }

        fn judge_at(
            policy: &Policy,
            submission: &Submission,
            now: &str,
        ) -> Result<Accepted, Rejection> {
            let signers = AllowedSigners::parse("allowed_signers", SIGNERS).unwrap();
            let target = Target {
                repository: Some("acme/widget".into()),
                commit: Some(COMMIT.into()),
                gate: "gate2".into(),
                now: at(now),
            };
            check(submission, Ok(&signers), policy, &target).outcome
        }

        #[test]
        fn max_days_defaults_to_thirty() {
            assert_eq!(policy("").overrides.max_days, 30);
            assert_eq!(policy("max_days = 7\n").overrides.max_days, 7);
        }

        #[test]
        fn a_document_expiring_beyond_max_days_is_too_long_lived() {
            let e = judge_at(&policy(""), &submission(None), "2026-01-01T12:00:00Z").unwrap_err();
            assert_eq!(
                e,
                Rejection::TooLongLived {
                    expires: "2099-12-31T00:00:00Z".into(),
                    max_days: 30,
                    now: "2026-01-01T12:00:00Z".into(),
                    latest: "2026-01-31T12:00:00Z".into(),
                }
            );
            let text = e.to_string();
            assert!(text.starts_with("too long-lived: expires 2099-12-31T00:00:00Z, more than 30 day(s) after 2026-01-01T12:00:00Z (latest allowed 2026-01-31T12:00:00Z; [overrides] max_days = 30)"), "{text}");
        }

        #[test]
        fn the_same_document_counts_within_max_days_of_its_expiry() {
            // 30 days before expiry, to the second: the limit is inclusive.
            let ok = judge_at(&policy(""), &submission(None), "2099-12-01T00:00:00Z").unwrap();
            assert!(
                matches!(&ok, Accepted::Override(o) if o.rules == ["coverage.lines"] && o.signers == ["alice@example.org"]),
                "{ok:?}"
            );
            // One second earlier it lies 30 days and a second ahead.
            let e = judge_at(&policy(""), &submission(None), "2099-11-30T23:59:59Z").unwrap_err();
            assert!(matches!(e, Rejection::TooLongLived { .. }), "{e:?}");
            // Past its expiry it is expired, not too long-lived.
            let e = judge_at(&policy(""), &submission(None), "2100-01-01T00:00:00Z").unwrap_err();
            assert_eq!(e.to_string(), "expired at 2099-12-31T00:00:00Z");
        }

        #[test]
        fn a_large_max_days_admits_the_fixture_and_an_unrepresentable_one_caps_nothing() {
            let now = "2026-01-01T00:00:00Z";
            assert!(judge_at(&policy("max_days = 36500\n"), &submission(None), now).is_ok());
            // u32::MAX days from now is past chrono's last representable
            // year: checked arithmetic, no panic, no cap.
            let huge = policy(&format!("max_days = {}\n", u32::MAX));
            assert!(judge_at(&huge, &submission(None), now).is_ok());
        }

        #[test]
        fn max_days_must_be_a_positive_whole_number() {
            for (value, message) in [
                (
                    "0",
                    "`max_days = 0`: a document would expire as soon as it is written",
                ),
                ("-1", "`max_days` must be a non-negative whole number"),
                (
                    "99999999999",
                    "`max_days` must be a non-negative whole number",
                ),
            ] {
                let e = load_policy(
                    &Text(format!("schema = 1\nname = \"g\"\nversion = \"1.0.0\"\n[overrides]\nmax_days = {value}\n")),
                    Path::new("g.toml"),
                )
                .unwrap_err()
                .to_string();
                assert!(
                    e.contains("g.toml:5:") && e.contains(message),
                    "{value}: {e}"
                );
            }
        }

        #[test]
        fn text_after_the_signature_refuses_a_validly_signed_document() {
            let spoiled = submission(Some((
                "override.txt:12".into(),
                "tollgate-override: 1".into(),
            )));
            let e = judge_at(
                &policy("max_days = 36500\n"),
                &spoiled,
                "2026-01-01T00:00:00Z",
            )
            .unwrap_err();
            assert!(
                e.to_string().starts_with(
                    "text after the signature at override.txt:12 (`tollgate-override: 1`): "
                ),
                "{e}"
            );
            // A document that does not parse says that first.
            let broken = Submission {
                document: b"tollgate-override: 2\n".to_vec(),
                ..spoiled
            };
            let e = judge_at(&policy(""), &broken, "2026-01-01T00:00:00Z").unwrap_err();
            assert!(matches!(e, Rejection::Document(_)), "{e:?}");
        }
    }
}
