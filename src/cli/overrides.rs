//! Signed documents for `tollgate check` (from `--override` files,
//! pull-request comments and the release tag's message), and the `tollgate override sign` / `verify` /
//! `comment` commands.
//!
//! Documents come from the command line, from comments anyone may post and
//! from tag messages anyone who may push a tag writes (untrusted: their
//! signatures decide); the `allowed_signers` file comes from the same
//! trusted source as the policy (the base commit in a pull request, the
//! release branch for a tag), so a pull request or a tag cannot add its
//! author's key and then waive its own failures.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use ssh_key::{HashAlg, LineEnding, PrivateKey};

use super::remote::Remote;
use super::situation::TagMessage;
use super::{print_human, print_out, write_atomic, RunError};
use crate::eval::{Context, SignoffSignature};
use crate::exit;
use crate::input::{read_input, InputKind};
use crate::overrides::comment::{self, Comment};
use crate::overrides::document::{armored_blocks, trailing};
use crate::overrides::signers::RSA_REFUSED;
use crate::overrides::{
    self, split_signed, Accepted, AllowedSigners, Checked, Document, Grant, Origin, SignatureCheck,
    SignatureText, Submission, Target, NAMESPACE,
};
use crate::policy::{self, FileSource, Policy, WorkingTree};

/// Reads `--override` files: a document followed by its armored
/// signature(s), or a document with its signatures in `FILE.sig` as
/// `ssh-keygen -Y sign` writes them (or both). Naming `FILE.sig` itself
/// works too. Identical documents from several files are merged.
pub(super) fn read_submissions(paths: &[PathBuf]) -> Result<Vec<Submission>, RunError> {
    let read = |p: &Path| {
        read_input(p, InputKind::Document).map_err(|e| RunError::Usage(format!("--override: {e}")))
    };
    let mut out = Vec::new();
    for path in paths {
        let bytes = read(path)?;
        let (document, _) = split_signed(&bytes);
        // `--override FILE.sig`: the document is FILE.
        let doc_path = match path.to_str().and_then(|p| p.strip_suffix(".sig")) {
            Some(stem) if document.iter().all(u8::is_ascii_whitespace) => PathBuf::from(stem),
            _ => path.clone(),
        };
        let doc_bytes = if doc_path == *path {
            bytes
        } else {
            read(&doc_path)?
        };
        let (document, inline) = split_signed(&doc_bytes);
        let mut signatures = tag(inline, &doc_path);
        // Nothing may follow the signatures: a second document or any text
        // after them is refused (docs/overrides.md), in the file and in
        // `FILE.sig` (which holds signatures only).
        let mut after = trailing(&doc_bytes, true).map(|t| (&doc_path, t));
        let sig_path = PathBuf::from(format!("{}.sig", doc_path.display()));
        if sig_path.exists() {
            let sig_bytes = read(&sig_path)?;
            signatures.extend(tag(armored_blocks(&sig_bytes), &sig_path));
            if after.is_none() {
                after = trailing(&sig_bytes, false).map(|t| (&sig_path, t));
            }
        }
        out.push(Submission {
            source: doc_path.display().to_string(),
            origin: Origin::File,
            document: document.to_vec(),
            signatures,
            trailing: after.map(|(p, t)| (format!("{}:{}", p.display(), t.line), t.found)),
        });
    }
    Ok(overrides::merge(out))
}

fn tag(blocks: Vec<String>, source: &Path) -> Vec<SignatureText> {
    blocks
        .into_iter()
        .map(|armored| SignatureText {
            source: source.display().to_string(),
            armored,
        })
        .collect()
}

/// Reads the policy's `allowed_signers` file from the trusted source, relative
/// to the policy file. `Ok(Err(reason))` when the policy names none (every
/// document is then rejected with that reason); a configured file that is
/// missing or malformed is a configuration error.
pub(super) fn load_signers(
    trusted: &dyn FileSource,
    policy_path: &Path,
    policy: &Policy,
) -> Result<Result<AllowedSigners, String>, RunError> {
    let Some(name) = &policy.overrides.signers else {
        return Ok(Err(format!(
            "gate {} names no allowed_signers file ([overrides] signers), so nobody may sign",
            policy.name
        )));
    };
    // Relative to the file that judged; a `signers` inherited through
    // `extends` from another directory is resolved from the child's directory.
    let path = policy_path
        .parent()
        .unwrap_or_else(|| Path::new(""))
        .join(name);
    let bytes = match trusted.read(&path) {
        Ok(Some(b)) => b,
        Ok(None) => {
            return Err(RunError::Usage(format!(
                "{}: allowed_signers file not found in the {} ([overrides] signers of {})",
                path.display(),
                trusted.describe(),
                policy.source.path
            )))
        }
        Err(e) => return Err(RunError::Usage(format!("{}: {e}", path.display()))),
    };
    let text = String::from_utf8(bytes)
        .map_err(|_| RunError::Usage(format!("{}: not valid UTF-8", path.display())))?;
    AllowedSigners::parse(&path.display().to_string(), &text)
        .map(Ok)
        .map_err(RunError::from)
}

/// The documents posted as comments on the pull request being judged,
/// every page, each comment as it reads now (an edit replaces what it
/// said; a deleted comment is gone). Anyone may post one: only valid
/// signatures make it count. Without a token, or outside a pull request,
/// nothing is read; the second value is a note saying so when comments
/// would have mattered.
pub(super) fn comment_submissions(
    remote: Option<&Remote>,
    context: &Context,
) -> Result<(Vec<Submission>, Option<String>), RunError> {
    let Some(number) = context.pull_request else {
        return Ok((Vec::new(), None));
    };
    let Some(remote) = remote else {
        return Ok((
            Vec::new(),
            Some(format!(
                "pull request #{number}: comments were not read (no GitHub token), so overrides and sign-offs posted there are not counted"
            )),
        ));
    };
    let comments = remote.client.issue_comments(&remote.repo, number)?;
    let mut out = Vec::new();
    for c in &comments {
        out.extend(comment::submissions(&Comment {
            id: c.id,
            author: c.user_login.as_deref(),
            url: c.html_url.as_deref(),
            body: &c.body,
        }));
    }
    Ok((out, None))
}

/// The documents in the annotated release tag's message (none for a
/// lightweight tag, or outside a tag). Anyone who may push a tag writes
/// the message: only valid signatures make a document count.
pub(super) fn tag_submissions(message: Option<&TagMessage>) -> Vec<Submission> {
    message.map_or_else(Vec::new, |m| overrides::tag::submissions(&m.tag, &m.text))
}

/// Judges signed documents (from `--override` files, comments and the
/// release tag's message, in that order; identical documents are merged
/// first) for a `check` run.
pub(super) fn judge_documents(
    submissions: Vec<Submission>,
    trusted: &dyn FileSource,
    policy_path: &Path,
    policy: &Policy,
    context: &Context,
) -> Result<Vec<Checked>, RunError> {
    if submissions.is_empty() {
        return Ok(Vec::new());
    }
    let submissions = overrides::merge(submissions);
    let signers = load_signers(trusted, policy_path, policy)?;
    let target = Target {
        repository: context.repository.clone(),
        commit: context.commit.clone(),
        gate: policy.name.clone(),
        now: chrono::Utc::now(),
    };
    Ok(overrides::check_all(
        &submissions,
        signers.as_ref().map_err(String::as_str),
        policy,
        &target,
    ))
}

/// The valid sign-off signatures among judged documents, for the evaluator.
pub(super) fn signoffs(checked: &[Checked]) -> Vec<SignoffSignature> {
    checked
        .iter()
        .filter_map(|c| match &c.outcome {
            Ok(Accepted::Signoff(sigs)) => Some(sigs.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}

/// `tollgate override sign --key KEY DOC`: appends a signature over the
/// document's bytes to `DOC.sig` (or writes `--output`).
pub(super) fn sign(key: &Path, doc: &Path, output: Option<&Path>) -> Result<u8, RunError> {
    let bytes =
        read_input(doc, InputKind::Document).map_err(|e| RunError::read(doc)(e.into_io()))?;
    let (document, _) = split_signed(&bytes);
    // Refuse to sign what would never verify.
    Document::parse(&doc.display().to_string(), document)?;
    let armored = sign_bytes(key, document)?;
    let out = output.map_or_else(
        || PathBuf::from(format!("{}.sig", doc.display())),
        Path::to_path_buf,
    );
    let mut text = if out.exists() {
        std::fs::read_to_string(&out).map_err(RunError::read(&out))?
    } else {
        String::new()
    };
    text.push_str(&armored);
    write_atomic(&out, text.as_bytes())?;
    eprintln!(
        "signed {} in namespace {NAMESPACE}; {} now holds {} signature(s)",
        doc.display(),
        out.display(),
        armored_blocks(text.as_bytes()).len()
    );
    Ok(exit::PASSED)
}

/// Signs in process for unencrypted ed25519/ECDSA keys; otherwise (a
/// passphrase, a key in ssh-agent, a hardware key) asks `ssh-keygen`.
pub(super) fn sign_bytes(key: &Path, document: &[u8]) -> Result<String, RunError> {
    if let Ok(private) = PrivateKey::read_openssh_file(key) {
        if matches!(private.algorithm(), ssh_key::Algorithm::Rsa { .. }) {
            return Err(RunError::Usage(format!("{}: {RSA_REFUSED}", key.display())));
        }
        if !private.is_encrypted() {
            return private
                .sign(NAMESPACE, HashAlg::Sha512, document)
                .and_then(|sig| sig.to_pem(LineEnding::LF))
                .map_err(|e| RunError::Usage(format!("{}: cannot sign: {e}", key.display())));
        }
    }
    let mut child = Command::new("ssh-keygen")
        .args(["-Y", "sign", "-n", NAMESPACE, "-f"])
        .arg(key)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| {
            RunError::Usage(format!(
                "cannot run ssh-keygen to sign with {}: {e}",
                key.display()
            ))
        })?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(document)
            .map_err(|e| RunError::Usage(format!("ssh-keygen: {e}")))?;
    }
    let result = child
        .wait_with_output()
        .map_err(|e| RunError::Usage(format!("ssh-keygen: {e}")))?;
    if !result.status.success() {
        return Err(RunError::Usage(format!(
            "ssh-keygen -Y sign -n {NAMESPACE} -f {} failed ({})",
            key.display(),
            result.status
        )));
    }
    String::from_utf8(result.stdout)
        .map_err(|_| RunError::Usage("ssh-keygen wrote a non-UTF-8 signature".to_owned()))
}

/// `tollgate override comment FILE`: prints the pull-request comment that
/// carries FILE's document and its signatures (appended to FILE, or in
/// `FILE.sig`), which `check` reads back as the same submission. Refuses a
/// document that would not parse, an unsigned one, and a signature that
/// does not match the document by its own key (namespace `tollgate`), since
/// none of them could ever count.
pub(super) fn comment(file: &Path) -> Result<u8, RunError> {
    let submission = read_submissions(std::slice::from_ref(&file.to_path_buf()))?
        .into_iter()
        .next()
        .ok_or_else(|| RunError::Usage(format!("{}: no document", file.display())))?;
    let source = submission.source.clone();
    let document = Document::parse(&source, &submission.document)?;
    let text = String::from_utf8_lossy(&submission.document).into_owned();
    if submission.signatures.is_empty() {
        return Err(RunError::Usage(format!(
            "{source}: no signature: sign it first (`tollgate override sign --key KEY {source}` or `ssh-keygen -Y sign -n {NAMESPACE} -f KEY {source}`)"
        )));
    }
    let mut armored = Vec::new();
    for sig in &submission.signatures {
        self_check(&submission.document, sig)?;
        armored.push(sig.armored.clone());
    }
    let body = comment::render(&headline(&document), &text, &armored);
    // The comment must read back as exactly this submission.
    let back = comment::submissions(&Comment {
        id: 0,
        author: None,
        url: None,
        body: &body,
    });
    let same = matches!(back.as_slice(), [b] if b.document == submission.document
        && b.signatures.iter().map(|s| s.armored.trim_end()).eq(armored.iter().map(|a| a.trim_end())));
    if !same {
        return Err(RunError::Usage(format!(
            "{source}: the comment would not read back as this document; please report this as a tollgate bug"
        )));
    }
    print_out(&body)?;
    Ok(exit::PASSED)
}

/// The human line above the fenced document.
pub(super) fn headline(d: &Document) -> String {
    let short = d.commit.get(..12).unwrap_or(&d.commit);
    let what = match &d.grant {
        Grant::Rules(rules) => format!(
            "waives {}",
            rules
                .iter()
                .map(|r| format!("`{r}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Grant::Signoff(id) => format!("signs off `{id}`"),
    };
    format!(
        "Signed tollgate {} for gate `{}` on {} at {short}: {what}, until {}.",
        d.kind(),
        d.gate,
        d.repository,
        d.expires_text
    )
}

/// A signature must be readable, in namespace `tollgate`, and made over
/// these bytes by the key it carries; whether that key may sign is for the
/// judge (its `allowed_signers` is the trusted one).
pub(super) fn self_check(document: &[u8], sig: &SignatureText) -> Result<(), RunError> {
    let bad = |why: String| RunError::Usage(format!("{}: {why}", sig.source));
    let parsed = ssh_key::SshSig::from_pem(sig.armored.as_bytes())
        .map_err(|e| bad(format!("not a readable SSH signature ({e})")))?;
    if parsed.namespace() != NAMESPACE {
        return Err(bad(format!(
            "signed in namespace `{}`, not `{NAMESPACE}` (sign with ssh-keygen -Y sign -n {NAMESPACE})",
            parsed.namespace()
        )));
    }
    let key = ssh_key::PublicKey::from(parsed.public_key().clone());
    key.verify(NAMESPACE, document, &parsed).map_err(|e| {
        bad(format!(
            "signature by {} does not match the document (changed after signing?): {e}",
            key.fingerprint(HashAlg::Sha256)
        ))
    })
}

/// What `tollgate override verify` judges against.
pub(super) struct VerifyRequest<'a> {
    pub docs: &'a [PathBuf],
    pub repository: &'a str,
    pub commit: &'a str,
    pub gate: &'a str,
    pub config: Option<&'a Path>,
}

/// `tollgate override verify`: says for each document whether it is valid
/// for this repository, commit and gate, and why not. Exit 0 when all are.
pub(super) fn verify(req: &VerifyRequest<'_>) -> Result<u8, RunError> {
    let configured = super::discover::load(req.config)?;
    let tree = WorkingTree::new(&configured.root);
    let policy_path = configured.policy_path(req.gate);
    let policy = policy::load_policy(&tree, &policy_path).map_err(|d| {
        super::discover::unknown_gate(d, &configured.root, &configured.config.policy_dir, req.gate)
    })?;
    let context = Context {
        kind: crate::eval::ContextKind::Local,
        repository: Some(req.repository.to_owned()),
        commit: Some(req.commit.to_ascii_lowercase()),
        ..Context::default()
    };
    // Verification checks the rules an override names against the policy
    // and the rule catalogue (crate::rules), so no evaluation is needed.
    let checked = judge_documents(
        read_submissions(req.docs)?,
        &tree,
        &policy_path,
        &policy,
        &context,
    )?;
    let mut all_valid = true;
    let mut out = configured.header(Some(&policy_path));
    for c in &checked {
        all_valid &= describe(c, &mut out);
    }
    print_human(&out)?;
    Ok(if all_valid {
        exit::PASSED
    } else {
        exit::FAILED
    })
}

fn describe(c: &Checked, out: &mut String) -> bool {
    use std::fmt::Write as _;
    let kind = c.document.as_ref().map_or("document", Document::kind);
    let mut valid = true;
    match &c.outcome {
        Ok(Accepted::Override(o)) => {
            let _ = writeln!(out, "{kind} {}: VALID", c.source);
            let _ = writeln!(
                out,
                "  waives {}, signed by {}, until {}: {}",
                o.rules.join(", "),
                o.signers.join(", "),
                o.expires,
                o.reason
            );
        }
        Ok(Accepted::Signoff(sigs)) => {
            let id = match c.document.as_ref().map(|d| &d.grant) {
                Ok(Grant::Signoff(id)) => id.as_str(),
                _ => "",
            };
            let _ = writeln!(out, "{kind} {}: VALID", c.source);
            let who: Vec<String> = sigs.iter().map(|s| s.identities.join("|")).collect();
            let _ = writeln!(out, "  signs off `{id}`, signed by {} (whether they count is decided by the sign-off's principals)", who.join(", "));
        }
        Err(reason) => {
            valid = false;
            let _ = writeln!(out, "{kind} {}: REJECTED", c.source);
            // A document's every problem, one per line, each indented.
            let _ = writeln!(out, "  {}", reason.to_string().replace('\n', "\n  "));
        }
    }
    for sig in &c.signatures {
        match sig {
            SignatureCheck::Valid(s) => {
                let _ = writeln!(
                    out,
                    "  good signature: {} ({} {}, {})",
                    s.identities.join(", "),
                    s.algorithm,
                    s.fingerprint,
                    s.entries.join(", ")
                );
            }
            SignatureCheck::Invalid { reason, .. } => {
                let _ = writeln!(out, "  bad signature: {reason}");
            }
        }
    }
    valid
}
