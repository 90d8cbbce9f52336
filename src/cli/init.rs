//! `tollgate init`: inspects the repository and writes a working setup
//! (`tollgate.toml`, the gate policies, `allowed_signers`, the evidence, judge,
//! review and release workflows, nextest's `ci` profile, optionally a
//! pre-push hook), then says what it wrote and what to do next.
//!
//! All or nothing: a file that exists with other content is never replaced
//! without `--force`, and if any is in the way nothing is written. A file
//! that exists with exactly the content `init` would write is skipped.
//! Without a Cargo.toml, `init` writes a generic setup (no audit, no nextest
//! profile, an evidence workflow whose evidence steps are left to the user)
//! and says so; docs/adopting.md describes both.

mod inspect;
mod render;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clap::Args;

use super::{print_out, RunError};
use crate::exit;
use crate::git::git;
use inspect::{Findings, KeyFinding};
use render::Planned;

/// `tollgate init` options.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Overwrite files that exist (and a pre-push hook tollgate did not write).
    #[arg(long)]
    pub force: bool,
    /// Print the files that would be written instead of writing them.
    #[arg(long)]
    pub dry_run: bool,
    /// Also install a git pre-push hook that runs `tollgate check --local`
    /// on the commit being pushed (respects `core.hooksPath`).
    #[arg(long)]
    pub hook: bool,
}

/// Why `tollgate init` wrote nothing (or stopped).
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    /// Files that exist with other content, without `--force`.
    #[error(
        "these files exist and differ from what init would write; nothing was written:\n{}\nrun `tollgate init --dry-run` to see the new content, or `tollgate init --force` to overwrite them",
        list(.0)
    )]
    Exists(Vec<PathBuf>),
    /// A pre-push hook that tollgate did not install, without `--force`.
    #[error(
        "{}: a pre-push hook tollgate did not install is in the way; nothing was written. Call `tollgate check --local` from it yourself, or replace it with `tollgate init --hook --force`",
        .0.display()
    )]
    ForeignHook(PathBuf),
    /// `--hook` outside a git work tree.
    #[error("{}: not inside a git work tree, so there is no pre-push hook to install (git init first)", .0.display())]
    NotGit(PathBuf),
    /// A file could not be written.
    #[error("{}: cannot write: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

fn list(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| format!("  {}", p.display()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The marker line that makes a pre-push hook tollgate's own.
const HOOK_MARKER: &str = "installed by `tollgate init --hook`";

/// What happens to one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Create,
    Overwrite,
    /// Exists with the same content (or, for nextest, a `ci` JUnit profile).
    Skip(&'static str),
    /// Exists with other content and no `--force`.
    Refuse,
}

struct Entry {
    /// Where it goes (absolute, or relative to the current directory).
    path: PathBuf,
    /// How it is shown: repository-relative.
    shown: String,
    content: String,
    executable: bool,
    action: Action,
}

pub(super) fn run(args: &InitArgs) -> Result<u8, RunError> {
    let cwd = PathBuf::from(".");
    let found = Findings::inspect(&cwd);
    let mut entries: Vec<Entry> = render::plan(&found)
        .into_iter()
        .map(|Planned { path, content }| Entry {
            action: action(&found.root.join(&path), &content, &path, args.force),
            path: found.root.join(&path),
            shown: path,
            content,
            executable: false,
        })
        .collect();
    if args.hook {
        entries.push(hook_entry(&found, args.force)?);
    }

    let refused: Vec<PathBuf> = entries
        .iter()
        .filter(|e| e.action == Action::Refuse)
        .map(|e| PathBuf::from(&e.shown))
        .collect();
    let mut out = summary(&found);
    if args.dry_run {
        for e in &entries {
            let _ = write!(
                out,
                "\n==> {} ({}) <==\n{}",
                e.shown,
                match e.action {
                    Action::Create => "would be created",
                    Action::Overwrite => "would be overwritten",
                    Action::Skip(_) => "would be skipped: unchanged",
                    Action::Refuse => "exists: would need --force",
                },
                e.content
            );
        }
        out.push_str("\n(dry run: nothing was written)\n");
        print_out(&out)?;
        return Ok(exit::PASSED);
    }
    if !refused.is_empty() {
        return Err(InitError::Exists(refused).into());
    }
    out.push('\n');
    for e in &entries {
        match e.action {
            Action::Skip(why) => {
                let _ = writeln!(out, "skipped      {} ({why})", e.shown);
                continue;
            }
            Action::Create => {
                let _ = writeln!(out, "created      {}", e.shown);
            }
            Action::Overwrite => {
                let _ = writeln!(out, "overwritten  {}", e.shown);
            }
            Action::Refuse => continue,
        }
        write(&e.path, &e.content, e.executable)?;
    }
    out.push_str(&next_steps(&found, args.hook));
    print_out(&out)?;
    Ok(exit::PASSED)
}

fn action(path: &Path, content: &str, shown: &str, force: bool) -> Action {
    let Ok(existing) = std::fs::read_to_string(path) else {
        return if path.exists() {
            if force {
                Action::Overwrite
            } else {
                Action::Refuse
            }
        } else {
            Action::Create
        };
    };
    if existing == content {
        return Action::Skip("unchanged");
    }
    // A nextest configuration that already writes JUnit in its `ci` profile
    // serves as it is: nothing of the user's is replaced.
    if shown == ".config/nextest.toml" && nextest_has_ci_junit(&existing) {
        return Action::Skip("already has a `ci` profile writing JUnit");
    }
    if force {
        Action::Overwrite
    } else {
        Action::Refuse
    }
}

fn nextest_has_ci_junit(text: &str) -> bool {
    text.parse::<toml::Table>().ok().is_some_and(|t| {
        t.get("profile")
            .and_then(|p| p.get("ci"))
            .and_then(|c| c.get("junit"))
            .and_then(|j| j.get("path"))
            .and_then(toml::Value::as_str)
            == Some("junit.xml")
    })
}

/// The pre-push hook: `core.hooksPath` when set (relative to the work
/// tree's top level, as git reads it), else the repository's hooks directory.
fn hook_entry(found: &Findings, force: bool) -> Result<Entry, InitError> {
    if !found.in_git {
        return Err(InitError::NotGit(found.root.clone()));
    }
    let root = &found.root;
    let dir = if let Some(p) = git(root, &["config", "core.hooksPath"]).filter(|p| !p.is_empty()) {
        let p = match (p.strip_prefix("~/"), std::env::var_os("HOME")) {
            (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
            _ => PathBuf::from(p),
        };
        root.join(p)
    } else {
        let p = git(root, &["rev-parse", "--git-common-dir"])
            .map_or_else(|| PathBuf::from(".git"), PathBuf::from);
        root.join(p).join("hooks")
    };
    let path = dir.join("pre-push");
    let content = render::hook();
    let shown = path
        .strip_prefix(root)
        .unwrap_or(&path)
        .display()
        .to_string();
    let action = match std::fs::read_to_string(&path) {
        Err(_) if !path.exists() => Action::Create,
        Ok(existing) if existing == content => Action::Skip("unchanged"),
        Ok(existing) if existing.contains(HOOK_MARKER) => Action::Overwrite,
        _ if force => Action::Overwrite,
        _ => return Err(InitError::ForeignHook(path)),
    };
    Ok(Entry {
        path,
        shown,
        content,
        executable: true,
        action,
    })
}

fn write(path: &Path, content: &str, executable: bool) -> Result<(), InitError> {
    let fail = |source| InitError::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    // Plain writes, so the files get the user's umask like any file they make.
    std::fs::write(path, content).map_err(fail)?;
    #[cfg(unix)]
    if executable {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).map_err(fail)?;
    }
    #[cfg(not(unix))]
    let _ = executable;
    Ok(())
}

/// What was found, in a few lines.
fn summary(found: &Findings) -> String {
    let mut s = format!("tollgate init in {}\n", found.root.display());
    match &found.cargo {
        Some(c) => {
            let members: Vec<String> = c.packages.iter().map(|(n, v)| format!("{n} {v}")).collect();
            let _ = writeln!(s,
                "  Cargo packages: {}",
                if members.is_empty() {
                    "none".to_owned()
                } else {
                    members.join(", ")
                }
            );
        }
        None => s.push_str(
            "  no Cargo.toml: writing a generic setup (coverage and JUnit tests; no cargo-audit,\n  \
             no nextest profile); add the steps that produce the evidence to tollgate-evidence.yml\n",
        ),
    }
    if let Some(c) = found.coverage {
        let _ = writeln!(s,
            "  coverage today: {c:.2}% of lines ({}); thresholds below the program plan's are set to it",
            inspect::COVERAGE
        );
    }
    if !found.bench_ids.is_empty() {
        let _ = writeln!(
            s,
            "  benchmarks: {} ids in {} (SLOs left commented for you to set)",
            found.bench_ids.len(),
            inspect::CRITERION
        );
    }
    let checks: Vec<&str> = found.required_checks().iter().map(|(_, j)| *j).collect();
    if !checks.is_empty() {
        let _ = writeln!(
            s,
            "  required checks: {} (jobs of your pull-request workflows)",
            checks.join(", ")
        );
    }
    let _ = writeln!(
        s,
        "  changelog: {}",
        found
            .changelog
            .as_deref()
            .unwrap_or("none (gate3's changelog rule is left commented)")
    );
    match (&found.key, &found.email) {
        (KeyFinding::Found { from, .. }, Some(email)) => {
            let _ = writeln!(s, "  signer: {email}, key {from}");
        }
        (KeyFinding::Refused(reasons), _) => {
            for r in reasons {
                let _ = writeln!(s, "  key not used: {r}");
            }
        }
        (_, None) => s.push_str(
            "  signer: none (no git user.email); allowed_signers is a commented template\n",
        ),
        (KeyFinding::None, Some(email)) => {
            let _ = writeln!(s,
            "  signer: {email}, but no ed25519/ECDSA key in git config user.signingkey or ~/.ssh; allowed_signers is a commented template"
        );
        }
    }
    s
}

fn next_steps(found: &Findings, hook: bool) -> String {
    let rust = found.cargo.is_some();
    let mut s = String::from("\nNext steps (docs/adopting.md has the whole guide):\n");
    let mut n = 0;
    let mut step = |text: &str| {
        n += 1;
        let _ = writeln!(s, "  {n}. {text}");
    };
    if rust {
        step(
            "Produce the evidence and judge it locally (nothing is posted):\n       \
             cargo install --locked cargo-llvm-cov cargo-nextest cargo-audit\n       \
             cargo llvm-cov nextest --profile ci --ignore-run-fail --lcov --output-path target/lcov.info\n       \
             cargo audit --json > target/audit.json\n       \
             tollgate check --local      # CI-only rules (reviews, checks) are listed, not blocking",
        );
    } else {
        step("Write coverage to target/lcov.info and JUnit to target/nextest/ci/junit.xml, then: tollgate check --local");
    }
    if !matches!(found.key, KeyFinding::Found { .. }) || found.email.is_none() {
        step("Add your signing key to .github/tollgate/allowed_signers (ed25519 or ECDSA; `ssh-keygen -t ed25519` makes one).");
    }
    step("Commit: git add tollgate.toml .github .config && git commit -m \"tollgate: gates and workflows\"");
    step("Pin the action: in tollgate-judge.yml and release.yml, replace `@v1` with the commit SHA it points at.");
    step("On GitHub, protect the default branch and require the status check `tollgate/gate2` (it appears once the first pull request is judged).");
    step("Add a tag ruleset for `v*` (only maintainers create release tags) and a `release` environment with required reviewers.");
    step("Release: tollgate tag v1.2.3 --signoff security-audit --reason \"...\" --key ~/.ssh/id_ed25519 (one --signoff per gate3 sign-off), then git push origin v1.2.3");
    if !hook {
        step("Optional: tollgate init --hook installs a pre-push hook running `tollgate check --local`.");
    }
    s
}
