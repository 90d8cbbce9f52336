//! Finding `tollgate.toml`, the same way for every command: `--config` when
//! given, else the nearest `tollgate.toml` from the current directory up to
//! the repository's top level, else the defaults, said out loud
//! (docs/policy.md, "Where tollgate.toml is found").

use std::path::{Path, PathBuf};

use super::{repo_root, RunError};
use crate::git::git;
use crate::policy::{self, Config, Diagnostics, WorkingTree};

/// The configuration file file name searched for.
pub(crate) const CONFIG_FILE: &str = "tollgate.toml";

/// Where the configuration of a run comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Found {
    /// `--config PATH` (checked to exist).
    Explicit(PathBuf),
    /// The nearest `tollgate.toml` above the current directory (absolute).
    Nearest(PathBuf),
    /// No file between `from` and `top`: the defaults apply.
    Defaults {
        /// The current directory.
        from: PathBuf,
        /// The repository's top level (or the current directory outside one).
        top: PathBuf,
    },
}

impl Found {
    /// The file, when there is one.
    pub(crate) fn file(&self) -> Option<&Path> {
        match self {
            Found::Explicit(p) | Found::Nearest(p) => Some(p),
            Found::Defaults { .. } => None,
        }
    }

    /// The repository root the configuration's relative paths start from:
    /// the file's directory, or without a file the top level.
    pub(crate) fn root(&self) -> PathBuf {
        match self {
            Found::Defaults { top, .. } => top.clone(),
            Found::Explicit(p) | Found::Nearest(p) => repo_root(Some(p)),
        }
    }

    /// One line saying which file was used, its path relative to the
    /// repository's top level where it lies inside it.
    pub(crate) fn describe(&self) -> String {
        match self {
            Found::Defaults { from, top } => format!(
                "no {CONFIG_FILE} found from {} up to {}; using defaults",
                from.display(),
                top.display()
            ),
            Found::Explicit(p) | Found::Nearest(p) => {
                format!("configuration {}", shown(p))
            }
        }
    }
}

/// `path` relative to the top level of the repository it is in, `/`-separated;
/// as given when it is outside one.
pub(crate) fn shown(path: &Path) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let dir = absolute.parent().unwrap_or_else(|| Path::new("."));
    let rel = top_level(dir)
        .and_then(|top| {
            let canonical = canonical(&absolute);
            canonical.strip_prefix(&top).ok().map(Path::to_path_buf)
        })
        .or_else(|| {
            // Outside a repository: relative to the current directory.
            let cwd = std::env::current_dir().ok()?.canonicalize().ok()?;
            canonical(&absolute)
                .strip_prefix(cwd)
                .ok()
                .map(Path::to_path_buf)
        })
        .unwrap_or_else(|| path.to_path_buf());
    rel.display().to_string().replace('\\', "/")
}

fn canonical(path: &Path) -> PathBuf {
    match (path.parent(), path.file_name()) {
        (Some(dir), Some(name)) => dir
            .canonicalize()
            .map_or_else(|_| path.to_path_buf(), |d| d.join(name)),
        _ => path.to_path_buf(),
    }
}

/// The repository's top level containing `dir`, canonical.
fn top_level(dir: &Path) -> Option<PathBuf> {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    git(dir, &["rev-parse", "--show-toplevel"])
        .map(PathBuf::from)
        .and_then(|p| p.canonicalize().ok())
}

/// Where `root` lies inside its repository (`sub/dir`, empty at the top
/// level or outside a repository).
pub(crate) fn prefix(root: &Path) -> PathBuf {
    let dir = if root.as_os_str().is_empty() {
        Path::new(".")
    } else {
        root
    };
    PathBuf::from(crate::git::repository_prefix(dir).unwrap_or_default())
}

/// Finds the configuration: `explicit` (which must exist: a file the user
/// named is never replaced by defaults), else the nearest file from the
/// current directory up to the top level.
pub(crate) fn find(explicit: Option<&Path>) -> Result<Found, RunError> {
    if let Some(path) = explicit {
        return match std::fs::metadata(path) {
            Ok(m) if m.is_file() => Ok(Found::Explicit(path.to_path_buf())),
            Ok(_) => Err(RunError::Usage(format!(
                "--config {}: not a file (give the path of a tollgate.toml)",
                path.display()
            ))),
            Err(e) => Err(RunError::Usage(format!(
                "--config {}: {e}; give the path of an existing tollgate.toml, or leave --config out to use the nearest one",
                path.display()
            ))),
        };
    }
    let cwd = std::env::current_dir()
        .and_then(|d| d.canonicalize())
        .map_err(RunError::read(Path::new(".")))?;
    let top = top_level(&cwd);
    let mut dir = cwd.clone();
    loop {
        let candidate = dir.join(CONFIG_FILE);
        if candidate.is_file() {
            return Ok(Found::Nearest(candidate));
        }
        // Outside a repository only the current directory is searched: a
        // home directory's stray file must not configure every project.
        if top.as_deref().is_none_or(|t| t == dir) || !dir.pop() {
            break;
        }
    }
    Ok(Found::Defaults {
        top: top.unwrap_or_else(|| cwd.clone()),
        from: cwd,
    })
}

/// A loaded configuration, with where it came from.
pub(crate) struct Configured {
    /// The repository root its paths are relative to.
    pub root: PathBuf,
    /// The validated configuration (defaults without a file).
    pub config: Config,
    /// Where it came from.
    pub found: Found,
}

impl Configured {
    /// The policy file of `gate`, relative to the root.
    pub(crate) fn policy_path(&self, gate: &str) -> PathBuf {
        Path::new(&self.config.policy_dir).join(format!("{gate}.toml"))
    }

    /// `path` (relative to the root) as shown to the user: relative to
    /// the repository's top level.
    pub(crate) fn shown(&self, path: &Path) -> String {
        shown(&self.root.join(path))
    }

    /// The header line of a command: the configuration file, and the
    /// policy when one is named.
    pub(crate) fn header(&self, policy: Option<&Path>) -> String {
        match policy {
            Some(p) => format!("{}; policy {}\n", self.found.describe(), self.shown(p)),
            None => format!(
                "{}; policies in {}/\n",
                self.found.describe(),
                self.shown(Path::new(&self.config.policy_dir))
            ),
        }
    }
}

/// Diagnostics of files read relative to `root`, with their paths shown
/// relative to the repository's top level, as the header shows them.
pub(crate) fn relocate(mut found: Diagnostics, root: &Path) -> Diagnostics {
    for d in &mut found.0 {
        if d.path.is_relative() {
            d.path = PathBuf::from(shown(&root.join(&d.path)));
        }
    }
    found
}

/// Refuses a configuration whose paths (`policy_dir`, `[evidence]`) climb
/// out of the repository, at the line that writes them. `config_path` is
/// the file's path below `root`: a `..` is fine from a nested file as long
/// as it stays below the top level.
pub(crate) fn confined(config: &Config, root: &Path, config_path: &Path) -> Result<(), RunError> {
    let dir = config_path.parent().unwrap_or_else(|| Path::new(""));
    let outside = config.check_paths(&prefix(root).join(dir));
    if outside.is_empty() {
        Ok(())
    } else {
        Err(relocate(Diagnostics(outside), root).into())
    }
}

/// Finds and loads the configuration for a command that reads the
/// working tree (`policy`, `override verify`, `tag`).
pub(crate) fn load(explicit: Option<&Path>) -> Result<Configured, RunError> {
    let found = find(explicit)?;
    let root = found.root();
    let tree = WorkingTree::new(&root);
    let config = match found.file() {
        Some(file) => {
            let name = file
                .file_name()
                .map_or_else(|| file.to_path_buf(), PathBuf::from);
            let config = policy::load_config(&tree, &name, true).map_err(|d| relocate(d, &root))?;
            confined(&config, &root, &name)?;
            config
        }
        None => Config::default(),
    };
    Ok(Configured {
        root,
        config,
        found,
    })
}

/// Resolves `check`'s configuration the same way: a file nearer than the
/// top level becomes `--config` (its directory is then the root); the
/// top level's own file is left to `check`, which reads it from the trusted
/// source (a pull request's base commit may not have it yet, and then the
/// defaults apply there).
pub(crate) fn for_check(args: &mut super::CheckArgs) -> Result<(), RunError> {
    let found = find(args.config.as_deref())?;
    if let Found::Nearest(file) = &found {
        let dir = file.parent().map(Path::to_path_buf);
        if dir.is_some() && dir.as_deref().and_then(top_level) != dir {
            args.config = Some(file.clone());
        }
    }
    args.config_used = found.describe();
    Ok(())
}

/// The gates a policy directory holds: its `*.toml` files' stems, sorted.
pub(crate) fn available_gates(dir: &Path) -> Vec<String> {
    let mut gates: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    gates.sort();
    gates
}

/// A gate whose policy file does not exist becomes an error that lists the
/// gates there are (and the nearest one); other problems pass unchanged.
pub(crate) fn unknown_gate(
    found: Diagnostics,
    root: &Path,
    policy_dir: &str,
    gate: &str,
) -> RunError {
    let path = Path::new(policy_dir).join(format!("{gate}.toml"));
    let missing = matches!(found.0.as_slice(), [d] if d.line == 0 && d.path == path && d.message.starts_with("not found"));
    if !missing {
        return RunError::Config(found);
    }
    let dir = root.join(policy_dir);
    RunError::Usage(format!(
        "no policy for gate `{gate}`: {} {}{}",
        shown(&root.join(&path)),
        found.0.first().map_or("not found", |d| d.message.as_str()),
        policy::gate_hint(gate, &available_gates(&dir))
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_name_where_they_looked() {
        let found = Found::Defaults {
            from: PathBuf::from("/r/sub"),
            top: PathBuf::from("/r"),
        };
        assert_eq!(
            found.describe(),
            "no tollgate.toml found from /r/sub up to /r; using defaults"
        );
        assert_eq!(found.root(), PathBuf::from("/r"));
        assert!(found.file().is_none());
    }

    #[test]
    fn a_named_file_that_is_missing_is_an_error_not_defaults() {
        let err = find(Some(Path::new("/nonexistent/tollgate.toml"))).unwrap_err();
        assert!(
            err.to_string()
                .contains("--config /nonexistent/tollgate.toml"),
            "{err}"
        );
    }
}
