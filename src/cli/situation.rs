//! What a `check` run judges and by which policy: the context (local, pull
//! request, push, tag or another event), the trusted source of policy files
//! (a pull request's base commit, never its head), and the gate.

use std::path::{Path, PathBuf};

use super::remote::{ContentsAt, Remote};
use super::{CheckArgs, RunError};
use crate::context::{self, ActionsContext, Trigger};
use crate::eval::{Context, ContextKind};
use crate::evidence::release;
use crate::git::{self, GitRevision};
use crate::policy::{Config, FileSource, WorkingTree};

/// What is judged, where its policy comes from, and what evidence to expect.
pub(super) struct Situation<'r> {
    /// What is judged.
    pub context: Context,
    /// The trusted source of `tollgate.toml` and policies.
    pub trusted: Box<dyn FileSource + 'r>,
    /// Head commit of a pull request (for the changed-lines diff).
    pub head: Option<String>,
    /// The Actions environment, when running there.
    pub actions: Option<ActionsContext>,
    /// Notes about how the situation was resolved (e.g. where the policy came from).
    pub notes: Vec<String>,
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
    let mut pr_base = None;
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
                    pr_base = Some(pr.base_sha);
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
            pr_base = Some(base_sha.clone());
        }
        Some(trigger @ Trigger::Tag { name, sha }) => {
            context.kind = trigger.kind();
            context.tag = Some(args.tag.clone().unwrap_or_else(|| name.clone()));
            context.commit = Some(sha.clone());
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
    // A pull request cannot lower its own bar: its policy comes from the base commit.
    let trusted: Box<dyn FileSource + 'r> = match pr_base {
        None => Box::new(WorkingTree::new(root)),
        Some(base) => {
            let (source, note) = trusted_at(root, &base, remote)?;
            notes.extend(note);
            source
        }
    };
    Ok(Situation {
        context,
        trusted,
        head,
        actions,
        notes,
    })
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
                "policy read from base commit {rev} through the GitHub contents API (not in the local clone)"
            )),
        )),
        None => Err(RunError::Usage(format!(
            "the pull request's base commit {rev} is not in the local clone and no GitHub token is available, \
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
