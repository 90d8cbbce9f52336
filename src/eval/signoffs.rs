//! `signoff[ID]` rules: a sign-off passes when `count` distinct principals
//! from its `principals` pattern list signed a valid sign-off document for
//! this repository, commit and gate. Signatures arrive verified (by
//! `crate::overrides`); here only who counts is decided.

use serde::Serialize;

use super::{RuleResult, Status};
use crate::policy::SignoffPolicy;
use crate::principals::{self, assign_distinct};
use crate::rules::Family;

/// One valid signature on a sign-off document for the commit judged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignoffSignature {
    /// The `[[signoffs]]` id signed.
    pub signoff: String,
    /// `SHA256:...` fingerprint of the key.
    pub fingerprint: String,
    /// Principals the key stands for (from `allowed_signers`).
    pub identities: Vec<String>,
    /// File(s) the document came from.
    pub source: String,
}

pub(super) fn rules(
    policies: &[SignoffPolicy],
    signatures: &[SignoffSignature],
    rules: &mut Vec<RuleResult>,
) {
    for s in policies {
        rules.push(rule(s, signatures));
    }
}

fn rule(s: &SignoffPolicy, signatures: &[SignoffSignature]) -> RuleResult {
    let allowed = s.principals.join(",");
    let mut seen = Vec::new();
    let candidates: Vec<Vec<String>> = signatures
        .iter()
        .filter(|sig| sig.signoff == s.id)
        // The same key signing two copies counts once.
        .filter(|sig| {
            let fresh = !seen.contains(&sig.fingerprint);
            seen.push(sig.fingerprint.clone());
            fresh
        })
        .map(|sig| {
            sig.identities
                .iter()
                .filter(|id| principals::matches_list(&allowed, id))
                .cloned()
                .collect()
        })
        .collect();
    let outsiders: Vec<String> = signatures
        .iter()
        .filter(|sig| sig.signoff == s.id)
        .filter(|sig| {
            !sig.identities
                .iter()
                .any(|id| principals::matches_list(&allowed, id))
        })
        .map(|sig| format!("{} ({})", sig.identities.join(", "), sig.fingerprint))
        .collect();
    let signed = assign_distinct(&candidates);
    let count = usize::try_from(s.count).unwrap_or(usize::MAX);
    let required = format!(">= {} of {}", s.count, s.principals.join(", "));
    let actual = Some(format!("{}/{}", signed.len(), s.count));
    let mut message = if signed.is_empty() {
        format!(
            "no valid `signoff: {}` document signed by {}",
            s.id,
            s.principals.join(", ")
        )
    } else {
        format!("signed by {}", signed.join(", "))
    };
    if !outsiders.is_empty() {
        message.push_str("; not counted (not among this sign-off's principals): ");
        message.push_str(&outsiders.join("; "));
    }
    // The title is the entry's own (Title::FromPolicy in the catalogue).
    let id = Family::Signoff.keyed(&s.id);
    if signed.len() >= count {
        return RuleResult::new(
            id,
            s.title.clone(),
            Status::Pass,
            actual,
            &required,
            message,
            None,
        );
    }
    let missing = count - signed.len();
    let waiting: Vec<&String> = s
        .principals
        .iter()
        .filter(|p| !signed.contains(p))
        .collect();
    RuleResult::new(
        id,
        s.title.clone(),
        Status::Fail,
        actual,
        &required,
        format!(
            "{message}; {missing} more signature(s) needed from {}",
            waiting.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(", ")
        ),
        Some(format!(
            "write a document with `signoff: {}` for this commit, sign it with `tollgate override sign --key KEY DOC` \
             (or `ssh-keygen -Y sign -n tollgate -f KEY DOC`) and pass it with --override",
            s.id
        )),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(principals: &[&str], count: u32) -> SignoffPolicy {
        SignoffPolicy {
            id: "security-audit".into(),
            title: "Security audit complete".into(),
            principals: principals.iter().map(|p| (*p).to_owned()).collect(),
            count,
        }
    }

    fn sig(fp: &str, ids: &[&str]) -> SignoffSignature {
        SignoffSignature {
            signoff: "security-audit".into(),
            fingerprint: fp.into(),
            identities: ids.iter().map(|p| (*p).to_owned()).collect(),
            source: "s.txt".into(),
        }
    }

    #[test]
    fn passes_with_enough_distinct_principals() {
        let p = policy(&["alice@example.org", "bob@example.org"], 2);
        let r = rule(
            &p,
            &[
                sig("A", &["alice@example.org"]),
                sig("B", &["bob@example.org"]),
            ],
        );
        assert_eq!(r.status, Status::Pass);
        assert_eq!(r.message, "signed by alice@example.org, bob@example.org");
        assert_eq!(r.actual.as_deref(), Some("2/2"));
    }

    #[test]
    fn same_key_twice_or_one_key_two_names_count_once() {
        let p = policy(&["alice@example.org", "bob@example.org"], 2);
        let r = rule(
            &p,
            &[
                sig("A", &["alice@example.org"]),
                sig("A", &["alice@example.org"]),
            ],
        );
        assert_eq!(r.status, Status::Fail);
        let r = rule(&p, &[sig("A", &["alice@example.org", "bob@example.org"])]);
        assert_eq!(r.status, Status::Fail);
        assert!(
            r.message.contains("1 more signature(s) needed"),
            "{}",
            r.message
        );
    }

    #[test]
    fn patterns_select_principals_and_outsiders_are_named() {
        let p = policy(&["*@security.example.org"], 1);
        let r = rule(&p, &[sig("A", &["eve@example.org"])]);
        assert_eq!(r.status, Status::Fail);
        assert!(r.message.contains("not counted"), "{}", r.message);
        let r = rule(&p, &[sig("B", &["carol@security.example.org"])]);
        assert_eq!(r.status, Status::Pass);
    }

    #[test]
    fn no_signature_fails_closed() {
        let r = rule(&policy(&["alice@example.org"], 1), &[]);
        assert_eq!(r.status, Status::Fail);
        assert!(r.help.unwrap().contains("--override"));
    }
}
