//! Command-line interface: clap flags in, a validated run out, and the only
//! place that wires evidence, policy, evaluation and reports together.

mod check;
mod discover;
mod init;
mod inspect;
mod judge;
mod output;
mod overrides;
mod policy_change;
mod progress;
mod publish;
mod remote;
mod situation;
mod tag;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};

use crate::context::ContextError;
use crate::evidence::coverage::CoverageFormat;
use crate::evidence::diff::GitDiffError;
use crate::evidence::release::TagError;
use crate::evidence::EvidenceError;
use crate::exit;
use crate::gather::GatherError;
use crate::git::git;
use crate::github::GitHubError;
use crate::overrides::OverrideError;
use crate::policy::{self, Diagnostics, FileSource, WorkingTree};
use crate::report::github::ActionsFileError;
use crate::report::Format;

pub use init::{InitArgs, InitError};
pub(crate) use output::{print_commands, print_human, print_out};
pub use tag::{TagArgs, TaggingError};

/// What `tollgate --version` prints: clap's version line, written without
/// building the command tree.
pub const VERSION_LINE: &str = concat!("tollgate ", env!("CARGO_PKG_VERSION"), "\n");

/// tollgate: decides whether a commit may pass a release gate, and says why.
#[derive(Debug, Parser)]
#[command(name = "tollgate", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Commands,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Commands {
    /// Evaluate one gate against the evidence and report the verdict.
    Check(Box<CheckArgs>),
    /// Parse evidence files and print what tollgate understood.
    Inspect(InspectArgs),
    /// Validate or show gate policies.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Signed override and sign-off documents: sign, verify, print as a comment.
    #[command(subcommand)]
    Override(OverrideCommand),
    /// Sign a release's sign-offs and create its annotated tag with them (never pushed).
    Tag(Box<TagArgs>),
    /// Set up tollgate in this repository: config, policies, signers, workflows (docs/adopting.md).
    Init(InitArgs),
}

/// `tollgate policy ...`
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Check policy files; every problem is reported with file, line and column.
    Validate {
        /// Policy files (default: every `*.toml` in the policy directory,
        /// and the gates `[gates]` names).
        paths: Vec<PathBuf>,
        /// Path of tollgate.toml (default: the nearest one from the
        /// current directory up to the repository's top level).
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Print the effective policy of a gate after `extends`.
    Show {
        /// Gate name, e.g. `gate2`.
        gate: String,
        /// Path of tollgate.toml (default: the nearest one from the
        /// current directory up to the repository's top level).
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

/// `tollgate override ...`
#[derive(Debug, Subcommand)]
pub enum OverrideCommand {
    /// Sign a document in namespace `tollgate`, appending to `DOC.sig`
    /// (in process for unencrypted ed25519/ECDSA keys, else via `ssh-keygen -Y sign`).
    Sign {
        /// Private key (or a public key whose private half is in ssh-agent).
        #[arg(long, value_name = "KEY")]
        key: PathBuf,
        /// The document to sign.
        doc: PathBuf,
        /// Where to write the signature (default: `DOC.sig`, appended to).
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Print a signed document as the pull-request comment text that `check` reads back.
    Comment {
        /// The document (with its signatures appended, or in `FILE.sig`).
        file: PathBuf,
    },
    /// Check documents against a repository, commit and gate, and say why any is invalid.
    Verify {
        /// Documents (with their signatures appended, or in `DOC.sig`).
        #[arg(required = true)]
        docs: Vec<PathBuf>,
        /// `owner/name` being judged.
        #[arg(long)]
        repository: String,
        /// Full commit id being judged.
        #[arg(long)]
        commit: String,
        /// Gate being judged.
        #[arg(long)]
        gate: String,
        /// Path of tollgate.toml, its policy and `allowed_signers` are used
        /// (default: the nearest one from the current directory up to the
        /// repository's top level).
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

/// `tollgate check` options (each also settable in tollgate.toml).
// Each bool is an independent command-line switch, not a state machine.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Gate to evaluate (default: chosen from the context via tollgate.toml `[gates]`).
    #[arg(long)]
    pub gate: Option<String>,
    /// Path of tollgate.toml; its directory is the repository root
    /// (default: the nearest one from the current directory up to the
    /// repository's top level).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Which configuration file was used, in words (set by [`run`]).
    #[arg(skip)]
    pub config_used: String,
    /// Coverage report: LCOV, Cobertura, Clover, `SonarQube` generic or llvm-cov JSON (repeatable; replaces `[evidence] coverage`).
    #[arg(long, value_name = "PATH")]
    pub coverage: Vec<PathBuf>,
    /// The base commit's coverage report, any format --coverage reads, for `coverage.drop` (repeatable; replaces `[evidence] coverage_baseline`).
    #[arg(long, value_name = "PATH")]
    pub coverage_baseline: Vec<PathBuf>,
    /// Prefix to strip from coverage source paths (repeatable).
    #[arg(long, value_name = "PREFIX")]
    pub strip_prefix: Vec<String>,
    /// The format every coverage report must be (default: detected from each file's structure); a file whose structure says otherwise is refused.
    #[arg(long, value_name = "FORMAT", value_parser = parse_coverage_format)]
    pub coverage_format: Option<CoverageFormat>,
    /// cargo-audit `--json` report (replaces `[evidence] audit`).
    #[arg(long, value_name = "PATH")]
    pub audit: Option<PathBuf>,
    /// Benchmark results: criterion directory, BMF, github-action-benchmark or hyperfine JSON (repeatable).
    #[arg(long, value_name = "PATH")]
    pub bench: Vec<PathBuf>,
    /// Benchmark baseline to compare against, same formats as --bench.
    #[arg(long, value_name = "PATH")]
    pub bench_baseline: Option<PathBuf>,
    /// Test report, `JUnit` XML (repeatable).
    #[arg(long, value_name = "PATH")]
    pub tests: Vec<PathBuf>,
    /// Base ref for patch coverage outside a pull request.
    #[arg(long, value_name = "REF")]
    pub base: Option<String>,
    /// Read reviews and checks of this pull request in a local run (needs a token).
    #[arg(long, value_name = "N")]
    pub pr: Option<u64>,
    /// Judge as this release tag: it must exist and point at HEAD (the commit judged).
    #[arg(long)]
    pub tag: Option<String>,
    /// With --tag: the tag is not made yet; judge HEAD as if it were (a preview before tagging).
    #[arg(long, requires = "tag")]
    pub preview: bool,
    /// Signed override or sign-off document (repeatable).
    #[arg(long = "override", value_name = "PATH")]
    pub overrides: Vec<PathBuf>,
    /// GitHub token (default: `GITHUB_TOKEN`); never printed.
    #[arg(long, value_name = "TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Report to GitHub from the Actions environment (check run, step summary, outputs).
    #[arg(long, conflicts_with = "dry_run")]
    pub github: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Write the report to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Never write to GitHub; rules needing unreachable data are `unknown`.
    #[arg(long)]
    pub dry_run: bool,
    /// Local (pre-push) run: a dry run that never reads GitHub; rules only CI
    /// can decide (reviews, required checks) are listed as decided in CI and
    /// do not block, so it exits 0 when every other rule passes.
    #[arg(long, conflicts_with_all = ["github", "pr"])]
    pub local: bool,
    /// Read the configured evidence files from DIR instead of the working
    /// tree. In a `workflow_run` job with `--github` this is the privileged
    /// judge: tollgate downloads the evidence run's artifact into DIR
    /// (created; must be empty), keeping only the configured evidence files,
    /// and judges every pull request of the head commit (docs/github.md).
    #[arg(long, value_name = "DIR")]
    pub evidence_dir: Option<PathBuf>,
}

/// `tollgate inspect` options.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Evidence files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Output format: human, json, or Markdown tables.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Prefix to strip from coverage source paths (repeatable).
    #[arg(long, value_name = "PREFIX")]
    pub strip_prefix: Vec<String>,
    /// Repository root that paths are made relative to (default: the git top level or the current directory).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// The format coverage files must be (default: detected); a file whose structure says otherwise is refused.
    #[arg(long, value_name = "FORMAT", value_parser = parse_coverage_format)]
    pub coverage_format: Option<CoverageFormat>,
}

/// `--coverage-format NAME`, by the names `tollgate inspect` prints.
fn parse_coverage_format(name: &str) -> Result<CoverageFormat, String> {
    name.parse()
}

/// Why a run stopped before producing a verdict.
///
/// Every variant keeps its typed cause; only [`RunError::GitHub`] maps to
/// exit 3 ("the verdict could not be reported"), everything else to 2.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Policy or configuration problems.
    #[error("{0}")]
    Config(#[from] Diagnostics),
    /// Evidence that could not be read or understood.
    #[error("{0}")]
    Evidence(#[from] EvidenceError),
    /// The GitHub Actions environment or event payload is incomplete.
    #[error(transparent)]
    Actions(#[from] ContextError),
    /// A release tag that does not fit the configured pattern.
    #[error(transparent)]
    Tag(#[from] TagError),
    /// `git diff` failed for an explicit `--base`.
    #[error(transparent)]
    Diff(#[from] GitDiffError),
    /// An override or sign-off document, or `allowed_signers`, breaks its format.
    #[error(transparent)]
    Override(#[from] OverrideError),
    /// A file the command needs could not be read.
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A token or repository name that GitHub would refuse whatever we sent.
    #[error(transparent)]
    GitHubSetting(GitHubError),
    /// Bad arguments or context, in words.
    #[error("{0}")]
    Usage(String),
    /// A report file could not be written.
    #[error("{}: cannot write report: {source}", path.display())]
    Write {
        /// The report file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Standard output refused the report (not a closed pipe: that is fine).
    #[error("cannot write to standard output: {0}")]
    Stdout(#[source] std::io::Error),
    /// The step summary or `$GITHUB_OUTPUT` could not be written.
    #[error(transparent)]
    ActionsFile(#[from] ActionsFileError),
    /// A value could not be rendered as JSON.
    #[error("cannot render JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The verdict cannot become a check run GitHub would accept.
    #[error("cannot post the check run: {0}")]
    Payload(#[from] crate::report::github::PayloadError),
    /// The evidence directory cannot be used.
    #[error("{}: {reason}", path.display())]
    EvidenceDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// `tollgate tag` created no tag.
    #[error(transparent)]
    Tagging(#[from] TaggingError),
    /// `tollgate init` wrote nothing, or stopped.
    #[error(transparent)]
    Init(#[from] InitError),
    /// The gate judged nothing: no rules, or every rule skipped.
    #[error(transparent)]
    NothingJudged(#[from] crate::eval::NothingJudged),
    /// GitHub could not be reached or refused, after retries.
    #[error("GitHub: {0}")]
    GitHub(#[from] GitHubError),
    /// A release tag that cannot be judged as it stands (moved, deleted,
    /// not checked out, no release branch).
    #[error(transparent)]
    TagContext(#[from] crate::context::TagContextError),
}

impl From<GatherError> for RunError {
    fn from(e: GatherError) -> Self {
        match e {
            GatherError::Evidence(e) => Self::Evidence(e),
            GatherError::Tag(e) => Self::Tag(e),
            GatherError::Diff(e) => Self::Diff(e),
            GatherError::GitHub(e) => Self::GitHub(e),
        }
    }
}

impl RunError {
    /// The exit code this error maps to.
    #[must_use]
    pub fn exit_code(&self) -> u8 {
        match self {
            RunError::GitHub(_) => exit::REPORT_ERROR,
            _ => exit::INPUT_ERROR,
        }
    }

    /// Reading `path` failed with `source`.
    pub(crate) fn read(path: &Path) -> impl FnOnce(std::io::Error) -> Self + '_ {
        move |source| Self::Read {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Runs a parsed command line and returns the process exit code.
#[must_use]
pub fn run(cli: Cli) -> u8 {
    let result = match cli.command {
        Commands::Check(mut args) => {
            discover::for_check(&mut args).and_then(|()| check::run(&args))
        }
        Commands::Inspect(args) => inspect::run(&args),
        Commands::Policy(PolicyCommand::Validate { paths, config }) => {
            validate(&paths, config.as_deref())
        }
        Commands::Policy(PolicyCommand::Show { gate, config }) => show(&gate, config.as_deref()),
        Commands::Override(OverrideCommand::Sign { key, doc, output }) => {
            overrides::sign(&key, &doc, output.as_deref())
        }
        Commands::Override(OverrideCommand::Comment { file }) => overrides::comment(&file),
        Commands::Tag(args) => tag::run(&args),
        Commands::Init(args) => init::run(&args),
        Commands::Override(OverrideCommand::Verify {
            docs,
            repository,
            commit,
            gate,
            config,
        }) => overrides::verify(&overrides::VerifyRequest {
            docs: &docs,
            repository: &repository,
            commit: &commit,
            gate: &gate,
            config: config.as_deref(),
        }),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            // Errors quote evidence (paths, parser messages): in Actions such
            // text must not be read as a workflow command.
            for line in e.to_string().lines() {
                eprintln!(
                    "error: {}",
                    crate::report::github::inert_log_line(&crate::terminal::safe(line))
                );
            }
            e.exit_code()
        }
    }
}

/// The repository root: the config file's directory, else git's top level,
/// else the current directory.
pub(crate) fn repo_root(config: Option<&Path>) -> PathBuf {
    if let Some(config) = config {
        let dir = config.parent().unwrap_or_else(|| Path::new(""));
        return if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir.to_path_buf()
        };
    }
    git(Path::new("."), &["rev-parse", "--show-toplevel"])
        .map_or_else(|| PathBuf::from("."), PathBuf::from)
}

pub(crate) fn use_color() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
}

/// Writes a file through a temporary sibling and a rename, so a reader never
/// sees half a report. The file gets the permissions any new file of the
/// user gets (`0o666` less the umask), not the temporary file's private
/// `0o600`: a report is for others to read.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), RunError> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    let fail = |source: std::io::Error| RunError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut builder = tempfile::Builder::new();
    // The kernel applies the umask to the mode asked for at creation.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let mut tmp = builder.tempfile_in(dir).map_err(fail)?;
    tmp.write_all(bytes).map_err(fail)?;
    tmp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

/// Validates the policies named, or without names every policy in
/// `policy_dir` and the `[gates]` of `tollgate.toml`: a gate whose policy is
/// missing or broken is reported at the line that names it.
fn validate(paths: &[PathBuf], config: Option<&Path>) -> Result<u8, RunError> {
    let mut all = Diagnostics::default();
    // Paths named on the command line are the user's, relative to the
    // current directory, and need no configuration; the policy
    // directory's are the root's.
    let (paths, tree) = if paths.is_empty() {
        let configured = discover::load(config)?;
        print_human(&configured.header(None))?;
        let root = &configured.root;
        let dir = root.join(&configured.config.policy_dir);
        let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map_err(RunError::read(&dir))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .filter_map(|p| p.strip_prefix(root).ok().map(Path::to_path_buf))
            .collect();
        found.sort();
        all.0.extend(
            discover::relocate(
                Diagnostics(
                    configured
                        .config
                        .check_gates(&WorkingTree::new(root), &discover::available_gates(&dir)),
                ),
                root,
            )
            .0,
        );
        (found, Some(root.clone()))
    } else {
        (paths.to_vec(), None)
    };
    let mut policies = Diagnostics::default();
    let tree = WorkingTree::new(tree.clone().unwrap_or_default());
    for path in &paths {
        let shown = if tree.root.as_os_str().is_empty() {
            path.display().to_string()
        } else {
            discover::shown(&tree.root.join(path))
        };
        match policy::load_policy(&tree, path) {
            Ok(p) => print_human(&format!(
                "{shown}: ok ({} {}, {} sections)\n",
                p.name,
                p.version,
                sections(&p)
            ))?,
            Err(d) if tree.root.as_os_str().is_empty() => policies.0.extend(d.0),
            Err(d) => policies.0.extend(discover::relocate(d, &tree.root).0),
        }
    }
    // The policies' own problems first, then the gates that name them.
    policies.0.append(&mut all.0);
    if policies.0.is_empty() {
        Ok(exit::PASSED)
    } else {
        Err(RunError::Config(policies))
    }
}

fn sections(p: &policy::Policy) -> usize {
    [
        p.coverage.is_some(),
        p.audit.is_some(),
        p.reviews.is_some(),
        p.benchmarks.is_some(),
        p.tests.is_some(),
        p.checks.is_some(),
        p.release.is_some(),
        !p.signoffs.is_empty(),
        !p.documents.is_empty(),
    ]
    .into_iter()
    .filter(|&b| b)
    .count()
}

fn show(gate: &str, config: Option<&Path>) -> Result<u8, RunError> {
    let configured = discover::load(config)?;
    let path = configured.policy_path(gate);
    let tree = WorkingTree::new(&configured.root);
    let p = policy::load_policy(&tree as &dyn FileSource, &path).map_err(|d| {
        discover::unknown_gate(d, &configured.root, &configured.config.policy_dir, gate)
    })?;
    // A comment, so that the output stays a policy file `policy validate` accepts.
    print_human(&format!("# {}", configured.header(Some(&path))))?;
    print_human(&policy::describe(&p)?)?;
    Ok(exit::PASSED)
}

#[cfg(test)]
mod tests {
    /// A report file is as readable as any file the user creates.
    #[cfg(unix)]
    #[test]
    fn reports_are_written_with_the_umask_not_0600() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let probe = dir.path().join("probe");
        std::fs::File::create(&probe).unwrap();
        let expected = std::fs::metadata(&probe).unwrap().permissions().mode() & 0o777;
        let report = dir.path().join("report.json");
        super::write_atomic(&report, b"{}").unwrap();
        let mode = std::fs::metadata(&report).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, expected, "{mode:o} vs {expected:o}");
        assert_eq!(std::fs::read(&report).unwrap(), b"{}");
    }
}

#[cfg(test)]
mod version_tests {
    use clap::CommandFactory;

    /// `main` answers a lone `--version` itself: with clap's words.
    #[test]
    fn the_version_line_is_claps() {
        assert_eq!(super::Cli::command().render_version(), super::VERSION_LINE);
    }
}
