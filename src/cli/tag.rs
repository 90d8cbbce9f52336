//! `tollgate tag`: a release in one command (docs/overrides.md, "Releasing:
//! `tollgate tag`"). Writes the sign-off (and override) documents for the
//! commit being released, signs them with the maintainer's key, carries
//! documents other maintainers signed, judges every one as `check` will on
//! the tag, and creates the annotated tag with them in its message. It never
//! pushes: publishing the tag is the maintainer's deliberate next step.
//!
//! All signing and checking happens before git is asked for anything, so a
//! failure anywhere leaves no tag behind.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use clap::Args;

use super::overrides::{headline, load_signers, read_submissions, self_check, sign_bytes};
use super::{print_out, RunError};
use crate::evidence::release;
use crate::exit;
use crate::git::{self, CreateTagError};
use crate::overrides::comment;
use crate::overrides::{
    self, Accepted, Checked, Document, Grant, Origin, SignatureCheck, SignatureText, Submission,
    Target,
};
use crate::policy::{self, Policy, WorkingTree};
use crate::rules::{self, RuleId, RuleIdError};

/// Days a written document stays valid without `--expires` or `--days`:
/// long enough to re-run a release workflow, short enough that a sign-off
/// is not reusable for long.
pub const DEFAULT_DAYS: u32 = 30;

/// `tollgate tag` options.
#[derive(Debug, Args)]
pub struct TagArgs {
    /// The release tag to create, e.g. `v1.2.3` (must fit `[release]
    /// tag_pattern` and be semver after its prefix).
    #[arg(value_name = "TAG")]
    pub name: String,
    /// Sign off this `[[signoffs]]` id of the gate (repeatable).
    #[arg(long = "signoff", value_name = "ID")]
    pub signoffs: Vec<String>,
    /// Also write and sign an override waiving these rules (comma-separated rule ids).
    #[arg(long = "override", value_name = "RULES")]
    pub override_rules: Option<String>,
    /// Why: the `reason` of every document written (one line).
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
    /// Private key to sign with (or a public key whose private half is in ssh-agent).
    #[arg(long, value_name = "KEY")]
    pub key: Option<PathBuf>,
    /// The commit to tag and bind the documents to.
    #[arg(long, value_name = "REV", default_value = "HEAD")]
    pub commit: String,
    /// When the documents written expire (RFC 3339, e.g. 2026-12-31T00:00:00Z).
    #[arg(long, value_name = "TIME", conflicts_with = "days")]
    pub expires: Option<String>,
    /// Days until the documents written expire [default: 30].
    #[arg(long, value_name = "N")]
    pub days: Option<u32>,
    /// The tag message's first line(s) [default: `Release TAG`].
    #[arg(long, value_name = "TEXT")]
    pub message: Option<String>,
    /// `owner/name` the documents are bound to (default: from the `origin` remote's URL).
    #[arg(long, value_name = "OWNER/NAME")]
    pub repository: Option<String>,
    /// Gate the documents are for (default: tollgate.toml `[gates] release`,
    /// or `prerelease` for a pre-release version).
    #[arg(long)]
    pub gate: Option<String>,
    /// A document others signed, carried with its signatures (appended, or
    /// in `FILE.sig`) into the message (repeatable).
    #[arg(long = "document", value_name = "FILE")]
    pub documents: Vec<PathBuf>,
    /// Path of tollgate.toml, its policy and `allowed_signers` check the
    /// documents (default: the nearest one from the current directory up to
    /// the repository's top level).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Print the tag message instead of creating the tag.
    #[arg(long)]
    pub dry_run: bool,
    /// Replace an existing tag of that name.
    #[arg(long)]
    pub force: bool,
}

/// Why `tollgate tag` created no tag (all input errors, exit 2).
#[derive(Debug, thiserror::Error)]
pub enum TaggingError {
    /// `--commit` names no commit.
    #[error("{rev}: no such commit (a repository with no commit yet cannot be tagged)")]
    NoCommit {
        /// The revision as given.
        rev: String,
    },
    /// No `--repository` and no usable `origin` remote.
    #[error("cannot tell which repository this is: {why}; pass --repository OWNER/NAME")]
    NoRepository {
        /// What was found instead.
        why: String,
    },
    /// The tag exists and `--force` was not given.
    #[error("tag {name} already exists (at {object}); pick another version, or pass --force to replace it")]
    Exists {
        /// The tag.
        name: String,
        /// The object it points at.
        object: String,
    },
    /// A document is to be written but no key was given.
    #[error("--signoff and --override need --key KEY to sign with")]
    NeedsKey,
    /// A document is to be written but no reason was given.
    #[error("--signoff and --override need --reason TEXT (every document says why)")]
    NeedsReason,
    /// The reason would not fit on the document's one `reason:` line.
    #[error("--reason must be one line")]
    MultilineReason,
    /// `--expires` is not an RFC 3339 time.
    #[error("--expires {text:?}: not an RFC 3339 time such as 2026-12-31T00:00:00Z ({source})")]
    BadExpiry {
        /// The text given.
        text: String,
        /// What the parser said.
        #[source]
        source: chrono::ParseError,
    },
    /// The expiry is not in the future.
    #[error("--expires {text}: already past; a document must expire after the release is judged")]
    Expired {
        /// The text given.
        text: String,
    },
    /// `--days 0`.
    #[error("--days must be at least 1")]
    ZeroDays,
    /// `--days` past the last date a timestamp can hold.
    #[error("--days {days}: past the last date a timestamp can hold")]
    TooManyDays {
        /// The number given.
        days: u32,
    },
    /// A sign-off id the gate does not declare.
    #[error("sign-off `{id}` is not a [[signoffs]] entry of gate {gate} (known: {known}){}", did_you_mean(.suggestion.as_deref()))]
    UnknownSignoff {
        /// The id given.
        id: String,
        /// The gate.
        gate: String,
        /// The gate's sign-off ids, comma-separated, or `none`.
        known: String,
        /// The closest known id, when one is close.
        suggestion: Option<String>,
    },
    /// The same sign-off id twice.
    #[error("--signoff {id} is given twice")]
    DuplicateSignoff {
        /// The id.
        id: String,
    },
    /// `--override` names something that is not a rule id.
    #[error("--override: {0}")]
    Rule(#[from] RuleIdError),
    /// `--override` names a rule the gate does not have.
    #[error("--override: gate {gate} has no rule `{rule}`")]
    UnknownRule {
        /// The rule.
        rule: String,
        /// The gate.
        gate: String,
    },
    /// Documents that `check` would reject on this tag.
    #[error("these documents would not count on tag {name}, so no tag was created:\n{}", .problems.join("\n"))]
    Refused {
        /// The tag.
        name: String,
        /// `SOURCE: reason`, one per rejected document.
        problems: Vec<String>,
    },
    /// The message would not read back as the documents written.
    #[error("the tag message would not read back as the documents in it (does --message contain a fenced block or a signature?); no tag was created")]
    RoundTrip,
    /// git refused to create the tag.
    #[error(transparent)]
    Create(#[from] CreateTagError),
    /// git stored another message than the one written.
    #[error("git did not keep the tag message of {name} as written (a hook?); {}", if *.deleted { "the tag was deleted again" } else { "delete the tag (git tag -d) before pushing" })]
    NotKept {
        /// The tag.
        name: String,
        /// Whether the tag could be deleted again.
        deleted: bool,
    },
}

fn did_you_mean(suggestion: Option<&str>) -> String {
    suggestion.map_or_else(String::new, |s| format!("; did you mean `{s}`?"))
}

/// One document for the message, with the signatures it carries.
struct Entry {
    submission: Submission,
    /// `signed` for a document written here, `carried` for a `--document`.
    verb: &'static str,
}

/// Runs `tollgate tag`.
pub(super) fn run(args: &TagArgs) -> Result<u8, RunError> {
    let configured = super::discover::load(args.config.as_deref())?;
    let (root, config) = (configured.root.clone(), configured.config.clone());
    let tree = WorkingTree::new(&root);
    // A tag that is not a release version is refused before anything is signed.
    let tag = release::parse_tag(&args.name, &config.tag_pattern)?;
    let name = tag.tag.clone();
    let gate = args.gate.clone().unwrap_or_else(|| {
        if tag.is_prerelease() {
            config.gates.prerelease.clone()
        } else {
            config.gates.release.clone()
        }
    });
    let commit = git::commit_id(&root, &args.commit).ok_or_else(|| TaggingError::NoCommit {
        rev: args.commit.clone(),
    })?;
    if let (Some(object), false) = (git::tag_object(&root, &name), args.force) {
        return Err(TaggingError::Exists { name, object }.into());
    }
    // A tag without documents is bound to nothing, so needs no repository.
    let (entries, policy_notes) = if args.documents.is_empty() && !writes(args) {
        (Vec::new(), Vec::new())
    } else {
        let repository = match &args.repository {
            Some(r) => r.clone(),
            None => repository_from_origin(&root)?,
        };
        let policy_path = configured.policy_path(&gate);
        judged_documents(args, &tree, &policy_path, &repository, &commit, &name)?
    };
    let headline = args
        .message
        .clone()
        .unwrap_or_else(|| format!("Release {name}"));
    let message = tag_message(&headline, &entries)?;
    eprint!(
        "note: {}",
        configured.header(Some(&configured.policy_path(&gate)))
    );
    for note in &policy_notes {
        eprintln!("note: {}", crate::terminal::safe(note));
    }
    if git::commit_id(&root, "HEAD").as_deref() == Some(commit.as_str())
        && git::has_uncommitted_changes(&root)
    {
        eprintln!("note: the working tree has uncommitted changes; the tag is on commit {commit}, without them");
    }
    if args.dry_run {
        print_out(&message)?;
        eprintln!(
            "dry run: tag {name} not created (gate {gate}, commit {commit}, {} document(s))",
            entries.len()
        );
        return Ok(exit::PASSED);
    }
    git::create_tag(&root, &name, &commit, &message, args.force).map_err(TaggingError::from)?;
    let kept = git::annotated_tag_message(&root, &name).is_some_and(|m| m.starts_with(&message));
    if !kept {
        let deleted = git::delete_tag(&root, &name);
        return Err(TaggingError::NotKept { name, deleted }.into());
    }
    print_out(&format!(
        "created annotated tag {name} at {commit} (gate {gate}, {} document(s) in its message); it is not pushed:\n  git push origin {name}\n",
        entries.len()
    ))?;
    Ok(exit::PASSED)
}

fn writes(args: &TagArgs) -> bool {
    !args.signoffs.is_empty() || args.override_rules.is_some()
}

/// The documents written and carried, each judged as `check` will judge it
/// on the tag; any rejection refuses the tag. Also the notes on sign-offs
/// the gate asks for that the tag does not fully carry.
fn judged_documents(
    args: &TagArgs,
    tree: &WorkingTree,
    policy_path: &Path,
    repository: &str,
    commit: &str,
    name: &str,
) -> Result<(Vec<Entry>, Vec<String>), RunError> {
    let policy = policy::load_policy(tree, policy_path)?;
    let mut entries = Vec::new();
    if writes(args) {
        entries = write_documents(args, &policy, repository, commit)?;
    }
    for submission in read_submissions(&args.documents)? {
        entries.push(Entry {
            submission,
            verb: "carried",
        });
    }
    let entries = merged(entries);
    let signers = load_signers(tree, policy_path, &policy)?;
    let target = Target {
        repository: Some(repository.to_owned()),
        commit: Some(commit.to_owned()),
        // As `check` judges: the gate is the policy's name.
        gate: policy.name.clone(),
        now: Utc::now(),
    };
    let submissions: Vec<Submission> = entries.iter().map(|e| e.submission.clone()).collect();
    let checked = overrides::check_all(
        &submissions,
        signers.as_ref().map_err(String::as_str),
        &policy,
        &target,
    );
    let problems: Vec<String> = checked
        .iter()
        .filter_map(|c| {
            c.outcome
                .as_ref()
                .err()
                .map(|r| format!("  {}: {r}", c.source))
        })
        .collect();
    if !problems.is_empty() {
        return Err(TaggingError::Refused {
            name: name.to_owned(),
            problems,
        }
        .into());
    }
    for (entry, c) in entries.iter().zip(&checked) {
        eprint!("{}", crate::terminal::safe(&describe(entry, c)));
    }
    Ok((entries, signoff_notes(&policy, &checked)))
}

/// The documents `--signoff` and `--override` ask for, written and signed.
fn write_documents(
    args: &TagArgs,
    policy: &Policy,
    repository: &str,
    commit: &str,
) -> Result<Vec<Entry>, RunError> {
    let key = args.key.as_deref().ok_or(TaggingError::NeedsKey)?;
    let reason = args
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .ok_or(TaggingError::NeedsReason)?;
    if reason.contains(['\n', '\r']) {
        return Err(TaggingError::MultilineReason.into());
    }
    let expires = expiry(args, Utc::now())?;
    let mut grants = Vec::new();
    for (i, id) in args.signoffs.iter().enumerate() {
        if args.signoffs[..i].contains(id) {
            return Err(TaggingError::DuplicateSignoff { id: id.clone() }.into());
        }
        known_signoff(id, policy)?;
        grants.push((format!("--signoff {id}"), format!("signoff: {id}")));
    }
    if let Some(rules) = &args.override_rules {
        let mut ids = Vec::new();
        for text in rules.split(',').map(str::trim) {
            let id = RuleId::parse(text).map_err(TaggingError::from)?;
            if !policy.declares(&id) {
                return Err(TaggingError::UnknownRule {
                    rule: id.to_string(),
                    gate: policy.name.clone(),
                }
                .into());
            }
            ids.push(id.to_string());
        }
        grants.push((
            format!("--override {}", ids.join(",")),
            format!("rules: {}", ids.join(", ")),
        ));
    }
    let mut out = Vec::new();
    for (source, grant) in grants {
        let text = format!(
            "tollgate-override: 1\nrepository: {repository}\ncommit: {commit}\ngate: {gate}\n{grant}\nreason: {reason}\nexpires: {expires}\n",
            gate = policy.name
        );
        // Refuse to sign what would never verify.
        Document::parse(&source, text.as_bytes())?;
        let signature = SignatureText {
            source: source.clone(),
            armored: sign_bytes(key, text.as_bytes())?,
        };
        self_check(text.as_bytes(), &signature)?;
        out.push(Entry {
            submission: Submission {
                source,
                origin: Origin::File,
                document: text.into_bytes(),
                signatures: vec![signature],
                trailing: None,
            },
            verb: "signed",
        });
    }
    Ok(out)
}

/// The `expires` of the documents written: `--expires`, else `--days` (or
/// [`DEFAULT_DAYS`]) from now, to the second.
fn expiry(args: &TagArgs, now: DateTime<Utc>) -> Result<String, TaggingError> {
    if let Some(text) = &args.expires {
        let text = text.trim();
        let at = DateTime::parse_from_rfc3339(text).map_err(|source| TaggingError::BadExpiry {
            text: text.to_owned(),
            source,
        })?;
        if at <= now {
            return Err(TaggingError::Expired {
                text: text.to_owned(),
            });
        }
        return Ok(text.to_owned());
    }
    let days = args.days.unwrap_or(DEFAULT_DAYS);
    if days == 0 {
        return Err(TaggingError::ZeroDays);
    }
    let at = chrono::Duration::try_days(i64::from(days))
        .and_then(|span| now.checked_add_signed(span))
        .ok_or(TaggingError::TooManyDays { days })?;
    Ok(at.format("%Y-%m-%dT%H:%M:%SZ").to_string())
}

/// `id` must be one of the gate's `[[signoffs]]`, as verification will require.
fn known_signoff(id: &str, policy: &Policy) -> Result<(), TaggingError> {
    if policy.signoffs.iter().any(|s| s.id == id) {
        return Ok(());
    }
    let known: Vec<&str> = policy.signoffs.iter().map(|s| s.id.as_str()).collect();
    let suggestion = known
        .iter()
        .map(|k| (rules::edit_distance(id, k), *k))
        .filter(|(d, k)| *d > 0 && *d * 3 <= k.len().max(3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k.to_owned());
    Err(TaggingError::UnknownSignoff {
        id: id.to_owned(),
        gate: policy.name.clone(),
        known: if known.is_empty() {
            "none".to_owned()
        } else {
            known.join(", ")
        },
        suggestion,
    })
}

/// Byte-identical documents become one entry with every signature (a
/// carried copy of a document written here adds its signatures to it).
fn merged(entries: Vec<Entry>) -> Vec<Entry> {
    let mut out: Vec<Entry> = Vec::new();
    for e in entries {
        if let Some(same) = out
            .iter_mut()
            .find(|o| o.submission.document == e.submission.document)
        {
            let mut both = overrides::merge(vec![same.submission.clone(), e.submission]);
            if let Some(one) = both.pop() {
                same.submission = one;
            }
        } else {
            out.push(e);
        }
    }
    out
}

/// What was signed or carried, and by whom, for standard error.
fn describe(entry: &Entry, checked: &Checked) -> String {
    let what = match (&checked.document, &checked.outcome) {
        (Ok(d), _) => match &d.grant {
            Grant::Signoff(id) => format!("sign-off `{id}`"),
            Grant::Rules(rules) => format!("override of {}", rules.join(", ")),
        },
        _ => "document".to_owned(),
    };
    let mut out = format!("{} {what} ({})\n", entry.verb, checked.source);
    if matches!(
        checked.outcome,
        Ok(Accepted::Override(_) | Accepted::Signoff(_))
    ) {
        for sig in &checked.signatures {
            match sig {
                SignatureCheck::Valid(s) => {
                    let _ = writeln!(
                        out,
                        "  signed by {} ({} {})",
                        s.identities.join(", "),
                        s.algorithm,
                        s.fingerprint
                    );
                }
                SignatureCheck::Invalid { reason, .. } => {
                    let _ = writeln!(out, "  a signature that does not count: {reason}");
                }
            }
        }
    }
    out
}

/// Sign-offs the gate asks for that this tag does not fully carry: not an
/// error (others may sign later and the tag be replaced), but worth saying
/// before the release is pushed and fails.
fn signoff_notes(policy: &Policy, checked: &[Checked]) -> Vec<String> {
    let mut notes = Vec::new();
    for rule in &policy.signoffs {
        let mut keys: Vec<&str> = checked
            .iter()
            .filter_map(|c| match &c.outcome {
                Ok(Accepted::Signoff(sigs)) => Some(sigs),
                _ => None,
            })
            .flatten()
            .filter(|s| s.signoff == rule.id)
            .map(|s| s.fingerprint.as_str())
            .collect();
        keys.sort_unstable();
        keys.dedup();
        if keys.is_empty() {
            notes.push(format!(
                "gate {} also asks for sign-off `{}`, which this tag does not carry",
                policy.name, rule.id
            ));
        } else if keys.len() < usize::try_from(rule.count).unwrap_or(usize::MAX) {
            notes.push(format!(
                "sign-off `{}` needs {} distinct signers ({}); this tag carries {} key(s)",
                rule.id,
                rule.count,
                rule.principals.join(", "),
                keys.len()
            ));
        }
    }
    notes
}

/// The tag message: the headline, a blank line, then each document as
/// `tollgate override comment` renders it, under its own human line. The
/// fenced blocks are indented by two spaces (the comment grammar reads an
/// indented fence the same, removing the indentation): git takes the last
/// line that starts with `-----BEGIN SSH SIGNATURE-----` for the tag's own
/// signature, so unindented tollgate signatures would make `git tag -v`
/// and GitHub report every release tag as badly signed. The message must
/// read back as exactly these documents and signatures.
fn tag_message(title: &str, entries: &[Entry]) -> Result<String, TaggingError> {
    let mut out = format!("{}\n", title.trim_end());
    for e in entries {
        let s = &e.submission;
        let text = String::from_utf8_lossy(&s.document);
        let human = Document::parse(&s.source, &s.document)
            .map_or_else(|_| "Signed tollgate document.".to_owned(), |d| headline(&d));
        let armored: Vec<String> = s.signatures.iter().map(|x| x.armored.clone()).collect();
        let block = comment::render(&human, &text, &armored);
        out.push('\n');
        for (i, line) in block.lines().enumerate() {
            if i > 0 && !line.is_empty() {
                out.push_str("  ");
            }
            out.push_str(line);
            out.push('\n');
        }
    }
    let back = comment::documents_in(&out);
    let same = back.len() == entries.len()
        && back.iter().zip(entries).all(|((doc, sigs), e)| {
            *doc == e.submission.document
                && sigs.iter().map(|a| a.trim_end()).eq(e
                    .submission
                    .signatures
                    .iter()
                    .map(|a| a.armored.trim_end()))
        });
    if same {
        Ok(out)
    } else {
        Err(TaggingError::RoundTrip)
    }
}

/// `owner/name` from the `origin` remote's URL.
fn repository_from_origin(root: &Path) -> Result<String, TaggingError> {
    let Some(url) = git::remote_url(root, "origin") else {
        return Err(TaggingError::NoRepository {
            why: "there is no `origin` remote".to_owned(),
        });
    };
    repository_from_url(&url).ok_or_else(|| TaggingError::NoRepository {
        why: format!("the `origin` remote's URL {url} is not an `owner/name` repository address"),
    })
}

/// `owner/name` from `https://github.com/owner/name(.git)`,
/// `ssh://git@github.com/owner/name`, or `git@github.com:owner/name.git`
/// (any host, so GitHub Enterprise works too); `None` for a local path or
/// a path of another depth.
fn repository_from_url(url: &str) -> Option<String> {
    let url = url.trim();
    let path = if let Some((scheme, rest)) = url.split_once("://") {
        if !["https", "http", "ssh", "git"].contains(&scheme) {
            return None;
        }
        rest.split_once('/')?.1
    } else {
        // scp-like `user@host:path`; a local path has `/` before any `:`.
        let (host, path) = url.split_once(':')?;
        if host.is_empty() || host.contains('/') || host.contains('\\') {
            return None;
        }
        path
    };
    let path = path.trim_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path);
    let mut parts = path.split('/');
    let (owner, name) = (parts.next()?, parts.next()?);
    if parts.next().is_some() || owner.is_empty() || name.is_empty() {
        return None;
    }
    Some(format!("{owner}/{name}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repositories_from_remote_urls() {
        for (url, want) in [
            ("https://github.com/acme/widget.git", Some("acme/widget")),
            ("https://github.com/acme/widget", Some("acme/widget")),
            ("https://token@github.com/acme/widget/", Some("acme/widget")),
            ("git@github.com:acme/widget.git", Some("acme/widget")),
            (
                "ssh://git@github.com:22/acme/widget.git",
                Some("acme/widget"),
            ),
            ("git@ghe.example.org:acme/widget", Some("acme/widget")),
            ("/srv/git/widget.git", None),
            ("file:///srv/acme/widget.git", None),
            ("https://gitlab.com/group/sub/widget.git", None),
            ("C:\\repos\\widget", None),
            ("git@github.com:widget.git", None),
        ] {
            assert_eq!(repository_from_url(url).as_deref(), want, "{url}");
        }
    }

    fn entry(doc: &str, sigs: &[&str]) -> Entry {
        Entry {
            submission: Submission {
                source: "x".to_owned(),
                origin: Origin::File,
                document: doc.as_bytes().to_vec(),
                signatures: sigs
                    .iter()
                    .map(|a| SignatureText {
                        source: "x".to_owned(),
                        armored: (*a).to_owned(),
                    })
                    .collect(),
                trailing: None,
            },
            verb: "signed",
        }
    }

    const DOC: &str = "tollgate-override: 1\nrepository: acme/widget\ncommit: 0123456789abcdef0123456789abcdef01234567\ngate: gate3\nsignoff: security-audit\nreason: audited; see #12 ``` fences\nexpires: 2099-12-31T00:00:00Z\n";
    const SIG: &str =
        "-----BEGIN SSH SIGNATURE-----\nU1NIU0lHAAAAAQ==\n-----END SSH SIGNATURE-----\n";

    #[test]
    fn the_message_reads_back_and_hides_signatures_from_git() {
        let other = DOC.replace("security-audit", "documentation-review");
        let sig2 = SIG.replace("AAAAAQ", "AAAAAg");
        let msg = tag_message(
            "# Release v1.2.3\nwith notes",
            &[entry(DOC, &[SIG, &sig2]), entry(&other, &[SIG])],
        )
        .unwrap();
        assert!(msg.starts_with("# Release v1.2.3\nwith notes\n\nSigned tollgate sign-off"));
        let back = comment::documents_in(&msg);
        assert_eq!(back.len(), 2);
        assert_eq!(back[0].0, DOC.as_bytes());
        assert_eq!(back[0].1, vec![SIG.to_owned(), sig2.clone()]);
        assert_eq!(back[1].0, other.as_bytes());
        // No line starts with a signature armor git would take for its own.
        assert!(!msg.lines().any(|l| l.starts_with("-----BEGIN")), "{msg}");
    }

    #[test]
    fn a_headline_that_would_be_read_as_a_document_is_refused() {
        let msg = tag_message(&format!("```\n{DOC}```"), &[entry(DOC, &[SIG])]);
        assert!(matches!(msg, Err(TaggingError::RoundTrip)));
    }

    #[test]
    fn expiry_from_days_or_a_time() {
        let now = DateTime::parse_from_rfc3339("2025-01-01T10:00:00.5Z")
            .unwrap()
            .with_timezone(&Utc);
        let args = |expires: Option<&str>, days: Option<u32>| TagArgs {
            name: "v1.0.0".into(),
            signoffs: vec![],
            override_rules: None,
            reason: None,
            key: None,
            commit: "HEAD".into(),
            expires: expires.map(Into::into),
            days,
            message: None,
            repository: None,
            gate: None,
            documents: vec![],
            config: Some("tollgate.toml".into()),
            dry_run: false,
            force: false,
        };
        assert_eq!(
            expiry(&args(None, None), now).unwrap(),
            "2025-01-31T10:00:00Z"
        );
        assert_eq!(
            expiry(&args(None, Some(2)), now).unwrap(),
            "2025-01-03T10:00:00Z"
        );
        assert!(matches!(
            expiry(&args(None, Some(0)), now),
            Err(TaggingError::ZeroDays)
        ));
        // Past year 262143: an error, not an overflow.
        assert!(matches!(
            expiry(&args(None, Some(u32::MAX)), now),
            Err(TaggingError::TooManyDays { days: u32::MAX })
        ));
        assert_eq!(
            expiry(&args(Some("2026-06-01T00:00:00+02:00"), None), now).unwrap(),
            "2026-06-01T00:00:00+02:00"
        );
        assert!(matches!(
            expiry(&args(Some("2020-01-01T00:00:00Z"), None), now),
            Err(TaggingError::Expired { .. })
        ));
        assert!(matches!(
            expiry(&args(Some("tomorrow"), None), now),
            Err(TaggingError::BadExpiry { .. })
        ));
    }
}
