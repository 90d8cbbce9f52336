//! What a `check` run judges and by which policy: the context (local, pull
//! request, push, tag or another event), the trusted source of policy files
//! (a pull request's base commit, never its head; a release tag's default
//! branch, never the tagged tree), and the gate.
//!
//! A release tag is judged at the commit it peels to (docs/github.md): in
//! Actions `GITHUB_SHA`, checked against the tag through the API (or the
//! local clone), and its annotated message is where its sign-offs are.

use std::path::{Path, PathBuf};

use super::remote::{ContentsAt, Remote};
use super::{CheckArgs, RunError};
use crate::context::{self, ActionsContext, TagContextError, Trigger};
use crate::eval::{Context, ContextKind};
use crate::evidence::release;
use crate::git::{self, GitRevision};
use crate::policy::{self, Config, FileSource, WorkingTree};

/// What is judged, where its policy comes from, and what evidence to expect.
pub(super) struct Situation<'r> {
    /// What is judged.
    pub context: Context,
    /// The trusted source of `tollgate.toml` and policies.
    pub trusted: Box<dyn FileSource + 'r>,
    /// Whether [`Situation::trusted`] is another tree than the checkout (a
    /// pull request's base commit, a release tag's branch): `[[documents]]`
    /// markers then count only where the trusted tree has them too.
    pub trusted_elsewhere: bool,
    /// Head commit of a pull request (for the changed-lines diff).
    pub head: Option<String>,
    /// The annotated release tag's message, where its sign-offs are.
    pub tag_message: Option<TagMessage>,
    /// The Actions environment, when running there.
    pub actions: Option<ActionsContext>,
    /// Notes about how the situation was resolved (e.g. where the policy came from).
    pub notes: Vec<String>,
}

/// The message of the annotated tag being judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct TagMessage {
    /// The tag's name.
    pub tag: String,
    /// Its message, git's own signature included.
    pub text: String,
}

/// The Actions environment, required with `--github`.
pub(super) fn actions_context(args: &CheckArgs) -> Result<Option<ActionsContext>, RunError> {
    let var = |name: &str| std::env::var(name).ok();
    let ctx = context::actions_context(&var)?;
    if args.github && ctx.is_none() {
        return Err(RunError::Usage(
            "--github needs the GitHub Actions environment (GITHUB_ACTIONS=true, GITHUB_EVENT_PATH, ...)".to_owned(),
        ));
    }
    Ok(ctx)
}

/// `tollgate.toml`, relative to the repository root when it lies inside it,
/// so that it can be read from the base commit as well as the working tree.
pub(super) fn config_path(root: &Path, args: &CheckArgs) -> PathBuf {
    match &args.config {
        Some(path) => path.strip_prefix(root).map_or_else(
            |_| path.file_name().map_or_else(|| path.clone(), PathBuf::from),
            Path::to_path_buf,
        ),
        None => PathBuf::from("tollgate.toml"),
    }
}

/// Where the trusted files come from.
enum Trust {
    /// The working tree (a push, another event, a local run).
    Tree,
    /// A pull request's base commit.
    Base(String),
    /// A release tag: the default branch (or the `[release] branch` its
    /// `tollgate.toml` names).
    Release(String),
}

/// Works out the context from the Actions event (or the command line) and
/// where the trusted policy is read from.
pub(super) fn resolve<'r>(
    root: &Path,
    args: &CheckArgs,
    actions: Option<ActionsContext>,
    remote: Option<&'r Remote>,
    repository: Option<String>,
) -> Result<Situation<'r>, RunError> {
    let mut context = Context {
        repository,
        tag: args.tag.clone(),
        base: args.base.clone(),
        ..Context::default()
    };
    let mut head = None;
    let mut notes = Vec::new();
    let mut trust = Trust::Tree;
    let mut tag_message = None;
    match actions.as_ref().map(|a| &a.trigger) {
        None => {
            context.kind = if args.tag.is_some() {
                ContextKind::Tag
            } else {
                ContextKind::Local
            };
            context.commit = git::git(root, &["rev-parse", "HEAD"]);
            if let Some(number) = args.pr {
                context.pull_request = Some(number);
                if let Some(remote) = remote {
                    let pr = remote.client.pull_request(&remote.repo, number)?;
                    context.commit = Some(pr.head_sha.clone());
                    context.base = Some(pr.base_sha.clone());
                    head = Some(pr.head_sha);
                    trust = Trust::Base(pr.base_sha);
                }
            }
        }
        Some(
            trigger @ Trigger::PullRequest {
                number,
                head_sha,
                base_sha,
                ..
            },
        ) => {
            context.kind = trigger.kind();
            context.commit = Some(head_sha.clone());
            context.pull_request = Some(*number);
            context.base = Some(base_sha.clone());
            head = Some(head_sha.clone());
            trust = Trust::Base(base_sha.clone());
        }
        Some(
            trigger @ Trigger::Tag {
                name,
                sha,
                object,
                default_branch,
            },
        ) => {
            context.kind = trigger.kind();
            context.tag = Some(args.tag.clone().unwrap_or_else(|| name.clone()));
            // Never the tag object: checks, signed documents and the check
            // run are all bound to the commit.
            context.commit = Some(sha.clone());
            tag_message = pushed_tag(root, name, sha, object, remote, &mut notes)?;
            let branch = default_branch
                .clone()
                .ok_or_else(|| TagContextError::NoDefaultBranch { tag: name.clone() })?;
            trust = Trust::Release(branch);
        }
        Some(trigger @ (Trigger::Push { sha, .. } | Trigger::Other { sha, .. })) => {
            context.kind = trigger.kind();
            context.commit = Some(sha.clone());
        }
        // The judge resolves what a `workflow_run` judges itself (`judge.rs`);
        // without `--evidence-dir` it is judged like any other event.
        Some(Trigger::WorkflowRun(run)) => {
            context.kind = ContextKind::from_name("workflow_run");
            context.commit = Some(run.head_sha.clone());
        }
    }
    // `--tag` anywhere but a tag push: the tag must exist (or `--preview`)
    // and be the judged commit's.
    if let Some(tag) = args
        .tag
        .as_deref()
        .filter(|_| !matches!(trust, Trust::Release(_)))
    {
        tag_message = local_tag(
            root,
            tag,
            context.commit.as_deref(),
            args.preview,
            &mut notes,
        )?;
    }
    let trusted_elsewhere = !matches!(trust, Trust::Tree);
    let trusted = trusted_source(root, args, trust, remote, &mut notes)?;
    Ok(Situation {
        context,
        trusted,
        trusted_elsewhere,
        head,
        tag_message,
        actions,
        notes,
    })
}

/// The trusted source of policy files for where the situation says they come from.
fn trusted_source<'r>(
    root: &Path,
    args: &CheckArgs,
    trust: Trust,
    remote: Option<&'r Remote>,
    notes: &mut Vec<String>,
) -> Result<Box<dyn FileSource + 'r>, RunError> {
    Ok(match trust {
        Trust::Tree => Box::new(WorkingTree::new(root)),
        // A pull request cannot lower its own bar: its policy comes from the base commit.
        Trust::Base(base) => {
            let (source, note) = trusted_at(root, &base, remote)?;
            notes.extend(note);
            source
        }
        // Nor can a tag on an unreviewed commit bring its own policy or signers.
        Trust::Release(default_branch) => {
            release_source(root, args, &default_branch, remote, notes)?
        }
    })
}

/// The pushed tag `name`, peeled: it must peel to `sha` (`GITHUB_SHA`).
/// Through the API when a token allows (the checkout may hold a
/// lightweight copy of an annotated tag), else from the local clone.
/// Returns the annotated tag's message.
fn pushed_tag(
    root: &Path,
    name: &str,
    sha: &str,
    object: &str,
    remote: Option<&Remote>,
    notes: &mut Vec<String>,
) -> Result<Option<TagMessage>, RunError> {
    let (commit, message) = if let Some(remote) = remote {
        let peeled =
            remote
                .client
                .peel_tag(&remote.repo, name)?
                .ok_or_else(|| TagContextError::Gone {
                    tag: name.to_owned(),
                })?;
        (peeled.commit, peeled.message)
    } else if let Some(local) = git::read_tag(root, name) {
        if local.message.is_none() && !object.eq_ignore_ascii_case(sha) {
            notes.push(format!(
                "tag {name} is annotated (the push names tag object {object}), but the local clone holds a lightweight copy and no GitHub token is available: \
                 sign-offs in its message were not read (fetch the tag: git fetch origin +refs/tags/{name}:refs/tags/{name}, or set GITHUB_TOKEN)"
            ));
        }
        (local.commit, local.message)
    } else {
        notes.push(format!(
            "tag {name} is not in the local clone and no GitHub token is available: sign-offs in its message were not read"
        ));
        (sha.to_owned(), None)
    };
    if !commit.eq_ignore_ascii_case(sha) {
        return Err(TagContextError::OtherCommit {
            tag: name.to_owned(),
            tag_commit: commit,
            judged: sha.to_owned(),
        }
        .into());
    }
    if message.is_none() {
        notes.push(format!(
            "tag {name} is a lightweight tag: it has no message, so no sign-offs or overrides were read from it"
        ));
    }
    Ok(message.map(|text| TagMessage {
        tag: name.to_owned(),
        text,
    }))
}

/// `check --tag NAME` outside a tag push: HEAD is judged, and must be the
/// tag's commit. A tag that does not exist is an error (a misspelt tag
/// must not judge HEAD as a release), unless `--preview` asks to judge HEAD
/// as if it were tagged: the check before `tollgate tag NAME`.
fn local_tag(
    root: &Path,
    tag: &str,
    head: Option<&str>,
    preview: bool,
    notes: &mut Vec<String>,
) -> Result<Option<TagMessage>, RunError> {
    let Some(local) = git::read_tag(root, tag) else {
        if !preview {
            return Err(TagContextError::NoSuchTag {
                tag: tag.to_owned(),
                existing: nearest_tags(root, tag),
            }
            .into());
        }
        notes.push(format!(
            "preview: tag {tag} does not exist yet; judged HEAD as if it were tagged {tag}"
        ));
        return Ok(None);
    };
    let head = head.unwrap_or_default();
    if !local.commit.eq_ignore_ascii_case(head) {
        return Err(TagContextError::NotCheckedOut {
            tag: tag.to_owned(),
            tag_commit: local.commit,
            head: head.to_owned(),
        }
        .into());
    }
    Ok(local.message.map(|text| TagMessage {
        tag: tag.to_owned(),
        text,
    }))
}

/// Up to five of the repository's tags, those sharing the longest prefix
/// with `wanted` first (`v1.0.29` for a mistyped `v1.0.92`).
fn nearest_tags(root: &Path, wanted: &str) -> Vec<String> {
    let Some(listing) = git::git(root, &["tag", "--list"]) else {
        return Vec::new();
    };
    let shared = |t: &str| {
        t.chars()
            .zip(wanted.chars())
            .take_while(|(a, b)| a == b)
            .count()
    };
    let mut tags: Vec<&str> = listing.lines().filter(|t| !t.is_empty()).collect();
    tags.sort_by(|a, b| shared(b).cmp(&shared(a)).then_with(|| a.cmp(b)));
    tags.into_iter().take(5).map(str::to_owned).collect()
}

/// The trusted files of a release tag: the default branch's head, or the
/// head of the `[release] branch` the default branch's `tollgate.toml`
/// names (one step: that branch's own setting is not followed again).
fn release_source<'r>(
    root: &Path,
    args: &CheckArgs,
    default_branch: &str,
    remote: Option<&'r Remote>,
    notes: &mut Vec<String>,
) -> Result<Box<dyn FileSource + 'r>, RunError> {
    let (mut source, mut sha, mut via) = branch_source(root, default_branch, remote)?;
    let config = policy::load_config(
        source.as_ref(),
        &config_path(root, args),
        args.config.is_some(),
    )?;
    let mut branch = default_branch.to_owned();
    if let Some(named) = config.release_branch.filter(|b| b != default_branch) {
        (source, sha, via) = branch_source(root, &named, remote)?;
        branch = named;
    }
    notes.push(format!(
        "policy, tollgate.toml and allowed_signers read from {branch} at {sha}{}",
        if via { " (GitHub contents API)" } else { "" }
    ));
    Ok(source)
}

/// The files at `branch`'s head (through the API when a token allows, else
/// `origin/BRANCH` of the local clone), that head, and whether they are
/// read through the contents API.
fn branch_source<'r>(
    root: &Path,
    branch: &str,
    remote: Option<&'r Remote>,
) -> Result<(Box<dyn FileSource + 'r>, String, bool), RunError> {
    let sha = match remote {
        Some(remote) => remote
            .client
            .branch_head(&remote.repo, branch)?
            .ok_or_else(|| TagContextError::NoBranch {
                branch: branch.to_owned(),
                why: format!("GitHub has no branch {branch} (refs/heads/{branch})"),
            })?,
        None => git::remote_branch_head(root, branch).ok_or_else(|| TagContextError::NoBranch {
            branch: branch.to_owned(),
            why: format!(
                "the local clone has no origin/{branch} and no GitHub token is available; check out with history (actions/checkout fetch-depth: 0) or set GITHUB_TOKEN"
            ),
        })?,
    };
    let label = format!("{branch} branch at {}", sha.get(..12).unwrap_or(&sha));
    let (source, note) =
        trusted_at_named(root, &sha, remote, &format!("the {branch} branch's head"))?;
    let via_api = note.is_some();
    Ok((
        Box::new(Labelled {
            label: if via_api {
                format!("{label} (GitHub contents API)")
            } else {
                label
            },
            inner: source,
        }),
        sha,
        via_api,
    ))
}

/// A trusted source named for what it is in messages ("main branch at
/// 0123456789ab"), not as the base commit it is read like.
struct Labelled<'r> {
    label: String,
    inner: Box<dyn FileSource + 'r>,
}

impl FileSource for Labelled<'_> {
    fn read(&self, path: &Path) -> std::io::Result<Option<Vec<u8>>> {
        self.inner.read(path)
    }

    fn describe(&self) -> String {
        self.label.clone()
    }
}

/// A [`FileSource`] whose paths are relative to a directory inside the
/// repository, in front of one that reads paths from the top level (the
/// contents API): `--config sub/tollgate.toml` must read `sub/policies/` from
/// the base commit, as it does from the working tree.
struct UnderPrefix<S> {
    /// `sub/`, or empty at the top level.
    prefix: String,
    inner: S,
}

impl<S: FileSource> FileSource for UnderPrefix<S> {
    fn read(&self, path: &Path) -> std::io::Result<Option<Vec<u8>>> {
        match top_level_path(&self.prefix, path) {
            Some(full) => self.inner.read(Path::new(&full)),
            // `../` past the top level: nothing of the repository's.
            None => Ok(None),
        }
    }

    fn describe(&self) -> String {
        self.inner.describe()
    }
}

/// `prefix` + `path`, `/`-separated, with `.` and `..` resolved; `None` when
/// it would leave the repository.
fn top_level_path(prefix: &str, path: &Path) -> Option<String> {
    let mut parts: Vec<String> = prefix
        .split('/')
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect();
    for part in path.to_string_lossy().replace('\\', "/").split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            name => parts.push(name.to_owned()),
        }
    }
    Some(parts.join("/"))
}

/// The files of commit `rev` as a trusted source: from the local clone when
/// it has the commit, else through the contents API (with a note saying so).
pub(super) fn trusted_at<'r>(
    root: &Path,
    rev: &str,
    remote: Option<&'r Remote>,
) -> Result<(Box<dyn FileSource + 'r>, Option<String>), RunError> {
    trusted_at_named(root, rev, remote, "the pull request's base commit")
}

/// [`trusted_at`], with `what` naming the commit in the note and the error.
fn trusted_at_named<'r>(
    root: &Path,
    rev: &str,
    remote: Option<&'r Remote>,
    what: &str,
) -> Result<(Box<dyn FileSource + 'r>, Option<String>), RunError> {
    if git::has_commit(root, rev) {
        return Ok((
            Box::new(GitRevision {
                repo: root.to_path_buf(),
                rev: rev.to_owned(),
            }),
            None,
        ));
    }
    match remote {
        Some(remote) => Ok((
            Box::new(UnderPrefix {
                prefix: git::repository_prefix(root).unwrap_or_default(),
                inner: ContentsAt {
                    remote,
                    rev: rev.to_owned(),
                },
            }),
            Some(format!(
                "policy read from {what} {rev} through the GitHub contents API (not in the local clone)"
            )),
        )),
        None => Err(RunError::Usage(format!(
            "{what} {rev} is not in the local clone and no GitHub token is available, \
             so the trusted policy cannot be read; check out with history (actions/checkout fetch-depth: 0) or set GITHUB_TOKEN"
        ))),
    }
}

/// Picks the gate: `--gate`, else the tag's gate, else by event.
pub(super) fn choose_gate(
    args: &CheckArgs,
    config: &Config,
    context: &Context,
) -> Result<String, RunError> {
    if let Some(tag) = &context.tag {
        let tag = release::parse_tag(tag, &config.tag_pattern)?;
        if args.gate.is_none() {
            return Ok(if tag.is_prerelease() {
                config.gates.prerelease.clone()
            } else {
                config.gates.release.clone()
            });
        }
    }
    Ok(args.gate.clone().unwrap_or_else(|| match context.kind {
        ContextKind::Push => config.gates.push.clone(),
        _ => config.gates.pull_request.clone(),
    }))
}

#[cfg(test)]
mod tests {
    use super::top_level_path;
    use std::path::Path;

    #[test]
    fn paths_below_a_subdirectory_are_read_from_the_top_level() {
        let p = |prefix, path: &str| top_level_path(prefix, Path::new(path));
        assert_eq!(
            p("sub/", "policies/gate.toml").as_deref(),
            Some("sub/policies/gate.toml")
        );
        assert_eq!(p("", "./tollgate.toml").as_deref(), Some("tollgate.toml"));
        assert_eq!(
            p("a/b/", "../common/x.toml").as_deref(),
            Some("a/common/x.toml")
        );
        assert_eq!(p("sub/", "../../etc/passwd"), None);
    }
}
