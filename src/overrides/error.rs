//! Why a document, an `allowed_signers` line, a signature or a whole
//! submission does not count.
//!
//! Each is a typed value rather than a sentence so that callers (the
//! `check` notes, `override verify`, tests) can tell the causes apart; the
//! `Display` text is the sentence a user reads, and names the file (and line
//! where there is one) it is about.

use chrono::{DateTime, Utc};

use super::signers::RSA_REFUSED;
use super::verify::NAMESPACE;

/// A document or `allowed_signers` file that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OverrideError {
    /// The document breaks the format (every problem found, the first in
    /// `line` and `message`).
    #[error("{file}:{line}: {message}{}", further(file, more))]
    Document {
        /// File.
        file: String,
        /// 1-based line (0 when not tied to a line).
        line: usize,
        /// What is wrong.
        message: String,
        /// Further problems of the same document: line and message.
        more: Vec<(usize, String)>,
    },
    /// The `allowed_signers` file breaks the format.
    #[error("{file}:{line}: {problem}")]
    Signers {
        /// File.
        file: String,
        /// 1-based line.
        line: usize,
        /// What is wrong with the line.
        #[source]
        problem: SignersLineError,
    },
}

/// What is wrong with one line of an `allowed_signers` file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignersLineError {
    /// The principals field is `""`.
    #[error("empty principals field")]
    EmptyPrincipals,
    /// Every pattern of the principals field is negated or empty, so the
    /// entry names no one and its key could never sign.
    #[error("the principals `{0}` name no one (every pattern is negated or empty): the key could never sign")]
    NoPrincipal(String),
    /// Only principals (and perhaps options) on the line.
    #[error("missing key type and key")]
    MissingKey,
    /// A key type without its base64 key.
    #[error("missing base64 key after `{key_type}`")]
    MissingKeyData {
        /// The key type read.
        key_type: String,
    },
    /// A `"` in the principals or options field is never closed.
    #[error("unterminated quote")]
    UnterminatedQuote,
    /// A `"` in the options is never closed.
    #[error("unterminated quote in options `{options}`")]
    UnterminatedOptionQuote {
        /// The options field as written.
        options: String,
    },
    /// Two commas in a row, or a trailing comma, in the options.
    #[error("empty option in `{options}`")]
    EmptyOption {
        /// The options field as written.
        options: String,
    },
    /// An option OpenSSH does not define, or one missing its value.
    #[error(
        "unknown or malformed option `{name}` (known: cert-authority, namespaces=\"...\", valid-after=..., valid-before=...)"
    )]
    UnknownOption {
        /// The option name, lowercased.
        name: String,
    },
    /// A `valid-after=` or `valid-before=` time in none of OpenSSH's shapes.
    #[error("time `{text}` is not YYYYMMDD[Z] or YYYYMMDDHHMM[SS][Z]")]
    BadTime {
        /// The time as written.
        text: String,
    },
    /// The key itself cannot be decoded.
    #[error("cannot read the `{key_type}` key: {error}")]
    Key {
        /// The key type read.
        key_type: String,
        /// What `ssh-key` said.
        #[source]
        error: ssh_key::Error,
    },
}

/// Why an `allowed_signers` line names a key tollgate will not accept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// An SSH certificate key type (`*-cert-v01@openssh.com`).
    #[error("{location}: certificate keys are not supported by tollgate")]
    Certificate {
        /// `file:line`.
        location: String,
    },
    /// A `cert-authority` line.
    #[error(
        "{location}: cert-authority is not supported: tollgate does not verify SSH certificates"
    )]
    CertAuthority {
        /// `file:line`.
        location: String,
    },
    /// An RSA key (see [`RSA_REFUSED`]).
    #[error("{location}: {RSA_REFUSED}")]
    Rsa {
        /// `file:line`.
        location: String,
    },
    /// A DSA key.
    #[error("{location}: DSA keys are refused (deprecated by OpenSSH)")]
    Dsa {
        /// `file:line`.
        location: String,
    },
}

/// Why a listed key may not sign now, from the options of its line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unusable {
    /// `namespaces=` does not allow tollgate's namespace.
    #[error(
        "{location}: key is restricted to namespaces=\"{allowed}\", which does not allow `{namespace}`"
    )]
    Namespace {
        /// `file:line` of the entry.
        location: String,
        /// The `namespaces=` pattern list.
        allowed: String,
        /// The namespace asked for.
        namespace: String,
    },
    /// Before `valid-after=`.
    #[error("{location}: key is not yet valid (valid-after {})", .after.to_rfc3339())]
    NotYetValid {
        /// `file:line` of the entry.
        location: String,
        /// The `valid-after=` time.
        after: DateTime<Utc>,
    },
    /// After `valid-before=`.
    #[error("{location}: key has expired (valid-before {})", .before.to_rfc3339())]
    Expired {
        /// `file:line` of the entry.
        location: String,
        /// The `valid-before=` time.
        before: DateTime<Utc>,
    },
}

/// Why one signature does not count.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No `allowed_signers` file could be used, so no signature can be
    /// checked; the caller's sentence says why.
    #[error("{reason}")]
    NoSigners {
        /// Why there are no signers (for example, the policy names no file).
        reason: String,
    },
    /// Not an armored SSHSIG.
    #[error("{file}: not a readable SSH signature ({error})")]
    Unreadable {
        /// File the signature came from.
        file: String,
        /// What `ssh-key` said.
        #[source]
        error: ssh_key::Error,
    },
    /// Signed for another purpose (`git`, `file`, ...).
    #[error(
        "{file}: signed in namespace `{namespace}`, not `{NAMESPACE}` (sign with ssh-keygen -Y sign -n {NAMESPACE})"
    )]
    WrongNamespace {
        /// File the signature came from.
        file: String,
        /// The namespace it was made in.
        namespace: String,
    },
    /// Made with an RSA key (see [`RSA_REFUSED`]).
    #[error("{file}: key {fingerprint}: {RSA_REFUSED}")]
    Rsa {
        /// File the signature came from.
        file: String,
        /// The key's `SHA256:` fingerprint.
        fingerprint: String,
    },
    /// Made with a key whose `allowed_signers` line was refused.
    #[error("{file}: key {fingerprint}: {refused}")]
    Refused {
        /// File the signature came from.
        file: String,
        /// The key's `SHA256:` fingerprint.
        fingerprint: String,
        /// Why its line was refused.
        refused: Refused,
    },
    /// Made with a key the `allowed_signers` file does not list.
    #[error("{file}: key {fingerprint} is not listed in {signers}")]
    NotListed {
        /// File the signature came from.
        file: String,
        /// The key's `SHA256:` fingerprint.
        fingerprint: String,
        /// The `allowed_signers` file.
        signers: String,
    },
    /// The signature is not over these bytes.
    #[error(
        "{file}: signature by {fingerprint} does not match the document (changed after signing, or a signature of another file): {error}"
    )]
    Mismatch {
        /// File the signature came from.
        file: String,
        /// The key's `SHA256:` fingerprint.
        fingerprint: String,
        /// What `ssh-key` said.
        #[source]
        error: ssh_key::Error,
    },
    /// Every line listing the key forbids its use now.
    #[error("{file}: key {fingerprint}: {}", join(.reasons, "; "))]
    Unusable {
        /// File the signature came from.
        file: String,
        /// The key's `SHA256:` fingerprint.
        fingerprint: String,
        /// Why each line listing it does not allow it.
        reasons: Vec<Unusable>,
    },
}

/// Why a document is rejected as a whole.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// The document could not be parsed.
    #[error("{0}")]
    Document(#[from] OverrideError),
    /// No repository to compare the binding with.
    #[error(
        "the repository being judged is unknown (no GITHUB_REPOSITORY and no GitHub remote), so the document's binding cannot be checked"
    )]
    RepositoryUnknown,
    /// Bound to another repository.
    #[error("bound to repository {bound}, but {judged} is being judged")]
    OtherRepository {
        /// The document's `repository:`.
        bound: String,
        /// The repository judged.
        judged: String,
    },
    /// No commit to compare the binding with.
    #[error("the commit being judged is unknown, so the document's binding cannot be checked")]
    CommitUnknown,
    /// Bound to another commit.
    #[error("bound to commit {bound}, but {judged} is being judged")]
    OtherCommit {
        /// The document's `commit:`.
        bound: String,
        /// The commit judged.
        judged: String,
    },
    /// Bound to another gate.
    #[error("bound to gate {bound}, but {judged} is being judged")]
    OtherGate {
        /// The document's `gate:`.
        bound: String,
        /// The gate judged.
        judged: String,
    },
    /// Past its `expires:`.
    #[error("expired at {expires}")]
    Expired {
        /// `expires:` as written.
        expires: String,
    },
    /// `expires` lies further ahead than `[overrides] max_days` allows.
    #[error(
        "too long-lived: expires {expires}, more than {max_days} day(s) after {now} (latest allowed {latest}; [overrides] max_days = {max_days}): write an earlier `expires` and sign again"
    )]
    TooLongLived {
        /// `expires:` as written.
        expires: String,
        /// `[overrides] max_days`.
        max_days: u32,
        /// The time of judgement, RFC 3339.
        now: String,
        /// The latest `expires` allowed, RFC 3339.
        latest: String,
    },
    /// Something other than whitespace follows the document's signatures
    /// (a second document, text): the signed bytes are then not all there
    /// is, and a reader could take the rest for part of the waiver.
    #[error(
        "text after the signature at {at} (`{found}`): a file, or a fenced block of a comment or tag message, holds one document and its signatures and nothing after them; put a second document in a file or block of its own"
    )]
    TrailingText {
        /// Where: `FILE:LINE`, or `line N of its fenced block`.
        at: String,
        /// The start of the first such line.
        found: String,
    },
    /// Not signed at all.
    #[error(
        "no signature: append the armored SSHSIG or put it in {file}.sig (ssh-keygen -Y sign -n {NAMESPACE})"
    )]
    NoSignature {
        /// File(s) the document came from.
        file: String,
    },
    /// A comment holds the document but no signature after it.
    #[error(
        "no signature: post the armored signature (-----BEGIN SSH SIGNATURE----- ...) after the document's fenced block, as `tollgate override comment FILE` prints it"
    )]
    NoSignatureInComment,
    /// A release tag's message holds the document but no signature after it.
    #[error(
        "no signature: put the armored signature (-----BEGIN SSH SIGNATURE----- ...) after the document's fenced block in the tag message"
    )]
    NoSignatureInTag,
    /// Signed, but no signature counts.
    #[error("no valid signature: {}", join(.reasons, "; "))]
    NoValidSignature {
        /// Why each signature does not count.
        reasons: Vec<SignatureError>,
    },
    /// Names something that is not a rule id.
    #[error("not a rule id: {}", .errors.join("; "))]
    MalformedRules {
        /// Why each entry is not a rule id.
        errors: Vec<String>,
    },
    /// Waives rules that no policy may waive (the catalogue says so).
    #[error("{} can never be overridden", quoted(.rules))]
    NeverOverridable {
        /// The rule ids.
        rules: Vec<String>,
    },
    /// Waives rules the policy protects.
    #[error(
        "the policy marks {} as not overridable ([overrides] not_overridable)",
        quoted(.rules)
    )]
    NotOverridable {
        /// The protected rules it names.
        rules: Vec<String>,
    },
    /// Names rules the gate does not have.
    #[error("gate {gate} has no rule {}", quoted(.rules))]
    UnknownRules {
        /// The gate judged.
        gate: String,
        /// The unknown rule ids.
        rules: Vec<String>,
    },
    /// Too few distinct people signed it.
    #[error(
        "signed by {} distinct principal(s) ({}), the policy requires {required} ([overrides] min_signers)",
        .signers.len(),
        or_none(.signers)
    )]
    TooFewSigners {
        /// The distinct principals that did sign.
        signers: Vec<String>,
        /// `min_signers`.
        required: usize,
    },
    /// Signs off something the gate does not ask for.
    #[error("sign-off `{id}` is not a [[signoffs]] entry of gate {gate} (known: {})", or_none(.known))]
    UnknownSignoff {
        /// The document's `signoff:`.
        id: String,
        /// The gate judged.
        gate: String,
        /// The gate's `[[signoffs]]` ids.
        known: Vec<String>,
    },
}

fn join<T: std::fmt::Display>(items: &[T], separator: &str) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(separator)
}

fn quoted(rules: &[String]) -> String {
    rules
        .iter()
        .map(|r| format!("`{r}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn or_none(names: &[String]) -> String {
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

/// The further problems of a document, one `file:line: message` line each.
fn further(file: &str, more: &[(usize, String)]) -> String {
    use std::fmt::Write as _;
    more.iter().fold(String::new(), |mut out, (line, message)| {
        let _ = write!(out, "\n{file}:{line}: {message}");
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_name_what_is_wrong() {
        let none = Rejection::TooFewSigners {
            signers: Vec::new(),
            required: 2,
        };
        assert_eq!(
            none.to_string(),
            "signed by 0 distinct principal(s) (none), the policy requires 2 ([overrides] min_signers)"
        );
        let rules = Rejection::NotOverridable {
            rules: vec!["audit.vulnerabilities".into(), "coverage.lines".into()],
        };
        assert_eq!(
            rules.to_string(),
            "the policy marks `audit.vulnerabilities`, `coverage.lines` as not overridable ([overrides] not_overridable)"
        );
        let line = OverrideError::Signers {
            file: "allowed_signers".into(),
            line: 3,
            problem: SignersLineError::BadTime {
                text: "2020".into(),
            },
        };
        assert_eq!(
            line.to_string(),
            "allowed_signers:3: time `2020` is not YYYYMMDD[Z] or YYYYMMDDHHMM[SS][Z]"
        );
        assert!(std::error::Error::source(&line).is_some());
        let both = Rejection::NoValidSignature {
            reasons: vec![
                SignatureError::WrongNamespace {
                    file: "o.txt.sig".into(),
                    namespace: "git".into(),
                },
                SignatureError::NoSigners {
                    reason: "nobody may sign".into(),
                },
            ],
        };
        assert_eq!(
            both.to_string(),
            "no valid signature: o.txt.sig: signed in namespace `git`, not `tollgate` (sign with ssh-keygen -Y sign -n tollgate); nobody may sign"
        );
    }
}
