//! Signed documents in an annotated release tag's message (docs/overrides.md,
//! "From the release tag's message"): a tag name and its message in, zero or
//! more [`Submission`]s out.
//!
//! The message uses the pull-request comment grammar ([`super::comment`]):
//! free text, then each document in a fence whose first line is
//! `tollgate-override`, each followed by its armored signatures. A message
//! is untrusted like a comment (anyone who may push a tag writes it): only
//! valid signatures by keys the trusted `allowed_signers` lists count.
//!
//! A tag made with `git tag -s` carries git's own signature at the end of
//! the message (a PGP, X.509 or SSH armor block, found as git finds it: the
//! last line that starts one). That signature is over the tag object, not
//! over a document, so it is dropped before parsing: a PGP or X.509 block
//! always, an SSH block when its SSHSIG namespace is `git` (the one
//! `git tag -s` uses). An SSH block in any other namespace is kept: it is a
//! document's signature that happens to come last.
//!
//! A lightweight tag has no message, and so no documents. Input is bounded
//! as a comment's is: [`MAX_MESSAGE_BYTES`] of a message are read.

use ssh_key::SshSig;

use super::comment;
use super::document::{BEGIN_SIGNATURE, END_SIGNATURE};
use super::verify::{Origin, Submission};

/// Bytes of a tag message that are read, the same bound as a comment body:
/// a release message with a handful of sign-offs is a few kilobytes.
pub const MAX_MESSAGE_BYTES: usize = comment::MAX_BODY_BYTES;

/// The SSHSIG namespace `git tag -s` signs tags in (`gpg.format = ssh`).
pub const GIT_NAMESPACE: &str = "git";

/// The armor lines git recognises as the start of a tag's own signature
/// (the formats git verifies: `OpenPGP`, X.509, SSH).
const GIT_SIGNATURE_STARTS: [&str; 4] = [
    "-----BEGIN PGP SIGNATURE-----",
    "-----BEGIN PGP MESSAGE-----",
    "-----BEGIN SIGNED MESSAGE-----",
    BEGIN_SIGNATURE,
];

/// How reports name the documents of tag `tag`: `tag v1.2.3 message`.
#[must_use]
pub fn source(tag: &str) -> String {
    format!("tag {tag} message")
}

/// Every document in the message of tag `tag`, each with the signatures
/// that follow it; git's own tag signature is not one of them.
#[must_use]
pub fn submissions(tag: &str, message: &str) -> Vec<Submission> {
    let source = source(tag);
    comment::parse_body(without_git_signature(message))
        .into_iter()
        .map(|found| found.into_submission(&source, Origin::Tag))
        .collect()
}

/// `message` without the signature `git tag -s` appended to it, if any.
///
/// Like git, the signature starts at the last line that opens an armor
/// block and runs to the end. A PGP or X.509 block is git's; an SSH block is
/// git's only when it reads as an SSHSIG in namespace [`GIT_NAMESPACE`]
/// (a tollgate signature is in namespace `tollgate`, and an unreadable block
/// is left for verification to report).
#[must_use]
pub fn without_git_signature(message: &str) -> &str {
    let mut start = None;
    let mut offset = 0;
    for line in message.split_inclusive('\n') {
        let trimmed = line.trim_end();
        if let Some(marker) = GIT_SIGNATURE_STARTS.iter().find(|m| trimmed == **m) {
            start = Some((offset, *marker));
        }
        offset += line.len();
    }
    let Some((at, marker)) = start else {
        return message;
    };
    if marker != BEGIN_SIGNATURE {
        return &message[..at];
    }
    let block = &message[at..];
    // The armor as `SshSig::from_pem` wants it: trimmed lines, up to the end line.
    let mut armored = String::new();
    for line in block.lines() {
        let line = line.trim();
        armored.push_str(line);
        armored.push('\n');
        if line == END_SIGNATURE {
            break;
        }
    }
    match SshSig::from_pem(armored.as_bytes()) {
        Ok(sig) if sig.namespace() == GIT_NAMESPACE => &message[..at],
        _ => message,
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::process::Command;

    use super::*;
    use crate::overrides::verify::verify_signature;
    use crate::overrides::{AllowedSigners, SignatureCheck};

    const DOC: &str = "tollgate-override: 1\nrepository: owner/name\ncommit: 0123456789abcdef0123456789abcdef01234567\ngate: gate3\nsignoff: security-audit\nreason: audited\nexpires: 2099-12-31T00:00:00Z\n";
    const PGP: &str =
        "-----BEGIN PGP SIGNATURE-----\n\niQEzBAABCAAdFiEE\n=abcd\n-----END PGP SIGNATURE-----\n";

    fn fixtures() -> &'static Path {
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/overrides"))
    }

    /// Signs `data` with the fixture key `key` in `namespace` with real
    /// `ssh-keygen -Y sign`, as `git tag -s` (namespace `git`) and
    /// `tollgate override sign` (namespace `tollgate`) do.
    fn ssh_sign(key: &str, namespace: &str, data: &str) -> String {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("data");
        std::fs::write(&file, data).unwrap();
        // ssh-keygen refuses a private key readable by others.
        let key_copy = dir.path().join("key");
        std::fs::copy(fixtures().join("keys").join(key), &key_copy).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&key_copy, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let out = Command::new("ssh-keygen")
            .args(["-q", "-Y", "sign", "-n", namespace, "-f"])
            .arg(&key_copy)
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::read_to_string(dir.path().join("data.sig")).unwrap()
    }

    fn signers() -> AllowedSigners {
        AllowedSigners::parse(
            "allowed_signers",
            &std::fs::read_to_string(fixtures().join("allowed_signers")).unwrap(),
        )
        .unwrap()
    }

    fn message(blocks: &[(&str, &[String])]) -> String {
        let mut out = "Release v1.2.3\n\nSigned off for the release.\n".to_owned();
        for (doc, sigs) in blocks {
            out.push('\n');
            out.push_str(&comment::render("", doc, sigs));
        }
        out
    }

    #[test]
    fn documents_are_read_with_their_signatures_and_verify() {
        let sig = ssh_sign("alice", "tollgate", DOC);
        let text = message(&[(DOC, std::slice::from_ref(&sig))]);
        let got = submissions("v1.2.3", &text);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].document, DOC.as_bytes());
        assert_eq!(got[0].origin, Origin::Tag);
        assert_eq!(got[0].source, "tag v1.2.3 message");
        assert_eq!(got[0].signatures.len(), 1);
        assert_eq!(got[0].signatures[0].source, "tag v1.2.3 message");
        let check = verify_signature(
            &got[0].document,
            &got[0].signatures[0],
            &signers(),
            chrono::Utc::now(),
        );
        assert!(
            matches!(check, SignatureCheck::Valid(ref s) if s.identities == ["alice@example.org"]),
            "{check:?}"
        );
    }

    #[test]
    fn several_documents_each_keep_their_own_signatures() {
        let other = DOC.replace("security-audit", "release-notes");
        let a = ssh_sign("alice", "tollgate", DOC);
        let b = ssh_sign("bob", "tollgate", &other);
        let text = message(&[
            (DOC, std::slice::from_ref(&a)),
            (other.as_str(), std::slice::from_ref(&b)),
        ]);
        let got = submissions("v1.2.3", &text);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].document, DOC.as_bytes());
        assert_eq!(got[1].document, other.as_bytes());
        assert_eq!(got[0].signatures[0].armored.trim(), a.trim());
        assert_eq!(got[1].signatures[0].armored.trim(), b.trim());
    }

    #[test]
    fn a_git_ssh_tag_signature_at_the_end_is_dropped() {
        let sig = ssh_sign("alice", "tollgate", DOC);
        let body = message(&[(DOC, std::slice::from_ref(&sig))]);
        // `git tag -s` with gpg.format=ssh signs the tag object in namespace `git`.
        let git_sig = ssh_sign("bob", "git", "object 0123\ntype commit\n");
        let text = format!("{body}{git_sig}");
        assert_eq!(without_git_signature(&text), body);
        let got = submissions("v1.2.3", &text);
        assert_eq!(got.len(), 1);
        assert_eq!(
            got[0].signatures.len(),
            1,
            "git's signature is not a document's"
        );
        assert_eq!(got[0].signatures[0].armored.trim(), sig.trim());
    }

    #[test]
    fn a_pgp_tag_signature_at_the_end_is_dropped() {
        let sig = ssh_sign("alice", "tollgate", DOC);
        let body = message(&[(DOC, std::slice::from_ref(&sig))]);
        let text = format!("{body}{PGP}");
        assert_eq!(without_git_signature(&text), body);
        let got = submissions("v1.2.3", &text);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].signatures.len(), 1);
        // A PGP signature alone: no documents, the message is the headline.
        assert_eq!(
            without_git_signature(&format!("Release\n\n{PGP}")),
            "Release\n\n"
        );
    }

    #[test]
    fn a_tollgate_signature_at_the_end_is_kept() {
        // The last block of a message without a git signature is the last
        // document's own (unfenced, as a maintainer may paste it).
        let sig = ssh_sign("alice", "tollgate", DOC);
        let text = format!("Release v1.2.3\n\n```\n{DOC}```\n{sig}");
        assert_eq!(without_git_signature(&text), text);
        let got = submissions("v1.2.3", &text);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].signatures.len(), 1);
        assert_eq!(got[0].signatures[0].armored.trim(), sig.trim());
        // An unreadable block at the end is not git's either: verification reports it.
        let broken = format!("```\n{DOC}```\n{BEGIN_SIGNATURE}\nnot base64\n{END_SIGNATURE}\n");
        assert_eq!(without_git_signature(&broken), broken);
        assert_eq!(submissions("v1", &broken)[0].signatures.len(), 1);
    }

    #[test]
    fn a_lightweight_tag_or_plain_message_has_no_documents() {
        assert!(submissions("v1.2.3", "").is_empty());
        assert!(submissions("v1.2.3", "Release v1.2.3\n\n- faster\n").is_empty());
    }

    #[test]
    fn an_oversized_message_is_read_up_to_the_bound() {
        let sig = ssh_sign("alice", "tollgate", DOC);
        let block = format!("```\n{DOC}```\n{sig}");
        let mut text = format!("Release\n\n{block}");
        text.push_str(&"x".repeat(MAX_MESSAGE_BYTES));
        // A document past the bound is not read.
        text.push_str(&block.replace("security-audit", "late"));
        let got = submissions("v1.2.3", &text);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].document, DOC.as_bytes());
        // Many documents: at most the comment bound of them.
        let many = block.repeat(comment::MAX_DOCUMENTS + 5);
        assert_eq!(submissions("v1", &many).len(), comment::MAX_DOCUMENTS);
    }
}
