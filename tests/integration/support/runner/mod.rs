//! A scripted GitHub Actions runner for the test suite: runs the jobs of a
//! workflow file the way a hosted runner would, on this machine, against the
//! fake GitHub server, so the shipped workflows and `action.yml` are tested
//! as they execute rather than only as text.
//!
//! # What it does
//!
//! [`Runner`] stands for GitHub plus its runners: one repository (a local git
//! repository plays the GitHub remote), an artifact store keyed by (run id,
//! name), and an API URL (the fake server). [`Runner::workflow`] reads a
//! workflow file *from a directory the test chooses* — the base branch's copy
//! for a privileged `workflow_run` job, the pull request's (possibly hostile)
//! copy for a `pull_request` job — checks that the event triggers it (`on:`
//! names, `types`, `branches`/`tags` filters, `workflow_run.workflows`), and
//! runs its jobs in `needs:` order, each in a fresh workspace, `RUNNER_TEMP`
//! and `HOME`, with the synthetic environment a runner gives a job
//! (`GITHUB_*`, `RUNNER_*`, `CI`, the event payload in `GITHUB_EVENT_PATH`).
//!
//! Per step: `env` at workflow, job and step level (with `GITHUB_ENV`
//! additions in between), `defaults.run.shell`/`working-directory`, `if:`
//! (implicitly `success() && …`), `id`, `continue-on-error`,
//! `timeout-minutes` (fractional minutes allowed; the step's process group
//! is killed), and job `timeout-minutes` (the job ends `cancelled`; only
//! `always()`/`cancelled()` steps still run). Shells as the runner runs them:
//! no `shell` → `bash --noprofile --norc -e {0}`, `bash` → `bash --noprofile
//! --norc -eo pipefail {0}`, `sh` → `sh -e {0}`, `python`, or a custom
//! command holding `{0}`. Expressions (module [`expr`]) in `run`, `with`,
//! `env`, `if`, `timeout-minutes`, `continue-on-error`, job `if`/`env`/
//! `outputs`. Contexts: `github`, `env`, `inputs`, `steps`, `runner`,
//! `secrets`, `job`, `needs`, `vars` (empty), `matrix`/`strategy` (empty).
//!
//! Commands (module [`commands`]): `GITHUB_OUTPUT`, `GITHUB_ENV`,
//! `GITHUB_PATH`, `GITHUB_STEP_SUMMARY` (1 MiB per step), with heredocs;
//! `::add-mask::`, `::error`/`::warning`/`::notice` (kept as
//! [`Annotation`]s), `::group::`/`::endgroup::`, `::debug::`,
//! `::stop-commands::`; the disabled `::set-env`/`::add-path` fail the step
//! as on GitHub. Secrets and the token are masked from the start. Every line
//! of stdout and stderr is kept in the job's log, raw and as GitHub would
//! render it ([`JobRun::rendered_log`]); [`WorkflowRun::assert_not_leaked`]
//! checks that a secret is nowhere it could escape.
//!
//! `uses:` (module [`actions`]): local composite actions (`./`, `./path`,
//! read from the job's workspace, i.e. from whatever was checked out, with
//! input defaults, `GITHUB_ACTION_PATH`/`github.action_path` and `outputs`);
//! `actions/checkout` (a real `git fetch` from the local remote: `ref`,
//! `fetch-depth`, `path`, `persist-credentials`, `clean`, `repository` when
//! registered with [`Runner::add_remote`]); `actions/upload-artifact` and
//! `actions/download-artifact` (`name`, `path`, `pattern`, `merge-multiple`,
//! `run-id` with `github-token`, `if-no-files-found`, `overwrite`,
//! `include-hidden-files`); `actions/cache`, `actions/cache/restore`,
//! `actions/cache/save` (always a miss, `cache-hit` unset). What a run
//! uploaded can be read back as the zip the Actions API would serve
//! ([`WorkflowRun::artifact_zip`], module [`zip`]), for a test to hand to
//! the fake server so that a later job can download it through the API.
//! Tests can
//! register their own emulation for any other action
//! ([`Runner::emulate`]); anything else is an error.
//!
//! Tools: [`shims`] writes executables (`cargo`, `rustup`, `gh`) that a
//! test puts first on `PATH` ([`Runner::prepend_path`]); they install the
//! already-built tollgate and copy committed fixtures where the real tools
//! would have written their reports.
//!
//! # What it does not do
//!
//! Anything it does not emulate fails loudly, naming the workflow, job,
//! step and feature: `strategy`/`matrix`, `container`, `services`,
//! reusable workflows (`jobs.<id>.uses`), `environment`, job-level
//! `continue-on-error`, `on.*.paths` filters, JavaScript and Docker
//! actions, `docker://`, non-Linux `runs-on`, `pwsh`/`cmd`, the deprecated
//! `::set-output`/`::save-state`, checkout of submodules, LFS, sparse or
//! SSH checkouts. It does not enforce `permissions` (the token the test
//! passes stands for them: use the fake's read-only token for a fork),
//! `concurrency`, or cancellation by a newer run; jobs run one after another,
//! never in parallel. `==` between two objects is always false.

pub mod actions;
pub mod commands;
pub mod expr;
mod job;
pub mod shims;
pub mod yaml;
pub mod zip;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};
use yaml_rust2::Yaml;

pub use commands::Annotation;

/// The default repository of a [`Runner`].
pub const REPOSITORY: &str = "octo/widgets";

/// A test-registered emulation of an action: gets the step's inputs, sets
/// its outputs; an `Err` fails the step with that message.
pub type Emulation = Box<dyn Fn(&mut ActionCall) -> Result<(), String>>;

/// What an emulated action sees and may change.
#[derive(Debug, Default)]
pub struct ActionCall {
    /// The `uses:` value, e.g. `owner/action@v1`.
    pub uses: String,
    /// The `with:` inputs, evaluated.
    pub inputs: BTreeMap<String, String>,
    /// Outputs to set (`steps.<id>.outputs.*`).
    pub outputs: BTreeMap<String, String>,
    /// The environment the step would run with.
    pub env: BTreeMap<String, String>,
    /// The job's workspace.
    pub workspace: PathBuf,
    /// Lines to print to the job log (processed as workflow commands).
    pub log: Vec<String>,
}

/// One line of a job's log.
#[derive(Clone, Debug)]
pub struct LogLine {
    /// The step that printed it.
    pub step: String,
    /// `stdout`, `stderr` or `runner` (a message of the runner itself).
    pub stream: &'static str,
    /// The line as printed.
    pub text: String,
    /// How many of the job's masks were registered before it was printed.
    pub masks_before: usize,
    /// Whether it was a workflow command (not shown in the rendered log).
    pub command: bool,
}

/// One executed (or skipped) step.
#[derive(Clone, Debug)]
pub struct StepRun {
    /// The step's display name.
    pub name: String,
    /// Its `id:`, if any.
    pub id: Option<String>,
    /// `success`, `failure`, `cancelled` or `skipped` before `continue-on-error`.
    pub outcome: String,
    /// The same after `continue-on-error`.
    pub conclusion: String,
    /// Its outputs.
    pub outputs: BTreeMap<String, String>,
    /// The process exit code of a `run:` step.
    pub exit_code: Option<i32>,
    /// For a composite action, its own steps.
    pub steps: Vec<StepRun>,
}

/// One job of a run.
#[derive(Clone, Debug)]
pub struct JobRun {
    /// The job id (key under `jobs:`).
    pub id: String,
    /// `success`, `failure`, `cancelled` or `skipped`.
    pub result: String,
    /// The job's `outputs:`, evaluated (values holding a mask are dropped, as on GitHub).
    pub outputs: BTreeMap<String, String>,
    /// Its steps in order.
    pub steps: Vec<StepRun>,
    /// Every line printed, in order.
    pub log: Vec<LogLine>,
    /// Every value masked, in registration order.
    pub masks: Vec<String>,
    /// Annotations raised by commands and by the runner.
    pub annotations: Vec<Annotation>,
    /// The step summaries, concatenated in step order.
    pub summary: String,
    /// The job's `GITHUB_WORKSPACE`.
    pub workspace: PathBuf,
    /// The job's `RUNNER_TEMP`.
    pub temp: PathBuf,
    /// The job's `HOME`.
    pub home: PathBuf,
}

impl JobRun {
    /// The log as GitHub shows it: masks applied to each line printed after
    /// the mask was registered, workflow commands left out.
    pub fn rendered_log(&self) -> String {
        let mut out = String::new();
        for line in self.log.iter().filter(|l| !l.command) {
            let mut text = line.text.clone();
            for mask in self.masks.iter().take(line.masks_before) {
                text = text.replace(mask.as_str(), "***");
            }
            out.push_str(&text);
            out.push('\n');
        }
        out
    }

    /// The raw log, every line as printed.
    pub fn raw_log(&self) -> String {
        self.log.iter().fold(String::new(), |mut out, l| {
            out.push_str(&l.text);
            out.push('\n');
            out
        })
    }

    /// A step by `id:` or name (also inside composite actions).
    pub fn step(&self, key: &str) -> &StepRun {
        fn find<'a>(steps: &'a [StepRun], key: &str) -> Option<&'a StepRun> {
            steps.iter().find_map(|s| {
                if s.id.as_deref() == Some(key) || s.name == key {
                    Some(s)
                } else {
                    find(&s.steps, key)
                }
            })
        }
        find(&self.steps, key)
            .unwrap_or_else(|| panic!("job {}: no step `{key}`:\n{}", self.id, self.raw_log()))
    }

    /// Annotations of one level (`error`, `warning`, `notice`).
    pub fn annotations_of(&self, level: &str) -> Vec<&Annotation> {
        self.annotations
            .iter()
            .filter(|a| a.level == level)
            .collect()
    }
}

/// One run of a workflow.
#[derive(Clone, Debug)]
pub struct WorkflowRun {
    /// `github.run_id`.
    pub id: u64,
    /// The workflow's `name:` (or its path).
    pub name: String,
    /// The workflow file, relative to the repository root.
    pub path: String,
    /// The triggering event.
    pub event: String,
    /// The event payload.
    pub payload: Value,
    /// `GITHUB_SHA`.
    pub sha: String,
    /// `GITHUB_REF`.
    pub git_ref: String,
    /// `success`, `failure`, `cancelled` or `skipped`.
    pub conclusion: String,
    /// The jobs in the order they ran (skipped ones included).
    pub jobs: Vec<JobRun>,
    /// Where this run's artifacts are stored (one directory per name).
    pub artifacts: PathBuf,
}

impl WorkflowRun {
    /// A job by id.
    pub fn job(&self, id: &str) -> &JobRun {
        self.jobs
            .iter()
            .find(|j| j.id == id)
            .unwrap_or_else(|| panic!("run {} of {}: no job `{id}`", self.id, self.path))
    }

    /// Every job's rendered log, for failure messages.
    pub fn logs(&self) -> String {
        self.jobs.iter().fold(String::new(), |mut out, j| {
            let _ = write!(
                out,
                "=== job {} ({}) ===
{}",
                j.id,
                j.result,
                j.raw_log()
            );
            out
        })
    }

    /// The `workflow_run` payload GitHub sends when this run completes. As on
    /// GitHub, `pull_requests` is empty when the head is in a fork.
    pub fn workflow_run_payload(&self, repository: &str) -> Value {
        let pr = &self.payload["pull_request"];
        let head_repo = pr["head"]["repo"]["full_name"]
            .as_str()
            .unwrap_or(repository)
            .to_owned();
        let (head_sha, head_branch) = if pr.is_object() {
            (
                pr["head"]["sha"].as_str().unwrap_or(&self.sha).to_owned(),
                pr["head"]["ref"].as_str().unwrap_or_default().to_owned(),
            )
        } else {
            let branch = self.git_ref.strip_prefix("refs/heads/").unwrap_or_default();
            (self.sha.clone(), branch.to_owned())
        };
        let pull_requests = if pr.is_object() && head_repo == repository {
            json!([{
                "number": pr["number"], "id": pr["id"], "url": pr["url"],
                "head": {"ref": pr["head"]["ref"], "sha": pr["head"]["sha"],
                         "repo": {"name": repo_name(repository), "url": ""}},
                "base": {"ref": pr["base"]["ref"], "sha": pr["base"]["sha"],
                         "repo": {"name": repo_name(repository), "url": ""}},
            }])
        } else {
            json!([])
        };
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        json!({
            "action": "completed",
            "workflow_run": {
                "id": self.id,
                "created_at": now,
                "updated_at": now,
                "run_started_at": now,
                "name": self.name,
                "path": self.path,
                "event": self.event,
                "status": "completed",
                "conclusion": self.conclusion,
                "head_sha": head_sha,
                "head_branch": head_branch,
                "run_number": self.id,
                "run_attempt": 1,
                "pull_requests": pull_requests,
                "head_repository": {"full_name": head_repo},
                "repository": {"full_name": repository},
                "html_url": format!("https://github.com/{repository}/actions/runs/{}", self.id),
            },
            "workflow": {"name": self.name, "path": self.path},
            "repository": {"full_name": repository, "name": repo_name(repository),
                           "owner": {"login": repository.split('/').next().unwrap_or_default()},
                           "default_branch": "main"},
            "sender": {"login": "octocat", "type": "User"},
        })
    }

    /// The names of the artifacts this run uploaded, sorted.
    pub fn artifact_names(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.artifacts)
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }

    /// The artifact `name` as the Actions API would serve it for download: a
    /// zip of the uploaded files, named relative to the upload's root, as
    /// `actions/upload-artifact` stores them. `None` if it was not uploaded.
    pub fn artifact_zip(&self, name: &str) -> Option<Vec<u8>> {
        let root = self.artifacts.join(name);
        if !root.is_dir() {
            return None;
        }
        let mut files = Vec::new();
        collect_files(&root, &mut files);
        files.sort();
        let entries: Vec<zip::Entry> = files
            .iter()
            .map(|f| {
                let rel = f.strip_prefix(&root).unwrap_or(f);
                let rel = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                let data = std::fs::read(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
                zip::Entry::file(&rel, &data)
            })
            .collect();
        Some(zip::write(&entries))
    }

    /// Panics if `secret` appears anywhere it could escape the run: a log line
    /// as GitHub would render it, the raw output (bar the `::add-mask::` that
    /// hides it), annotations, step summaries, job outputs, any file left in
    /// a job's workspace, temp directory or home, or the run's artifacts.
    pub fn assert_not_leaked(&self, secret: &str) {
        assert!(
            !secret.is_empty(),
            "assert_not_leaked needs a non-empty secret"
        );
        for job in &self.jobs {
            for line in &job.log {
                let registers_it =
                    line.command && line.text.trim_start().starts_with("::add-mask::");
                assert!(
                    registers_it || !line.text.contains(secret),
                    "secret leaked in the output of job {} step `{}`: {}",
                    job.id,
                    line.step,
                    line.text
                );
            }
            assert!(
                !job.rendered_log().contains(secret),
                "secret visible in the rendered log of job {}",
                job.id
            );
            for a in &job.annotations {
                let all = format!("{} {:?}", a.message, a.properties);
                assert!(
                    !all.contains(secret),
                    "secret leaked in an annotation: {all}"
                );
            }
            assert!(
                !job.summary.contains(secret),
                "secret leaked in the step summary of job {}",
                job.id
            );
            for (k, v) in &job.outputs {
                assert!(
                    !v.contains(secret),
                    "secret leaked in output {k} of job {}",
                    job.id
                );
            }
            for dir in [&job.workspace, &job.temp, &job.home] {
                scan_for(dir, secret, &format!("job {}", job.id));
            }
        }
        scan_for(&self.artifacts, secret, "the artifacts");
    }

    /// Panics if a value masked in some job was printed before its mask was
    /// registered, i.e. shows unmasked in the rendered log.
    pub fn assert_masks_hold(&self) {
        for job in &self.jobs {
            let rendered = job.rendered_log();
            for mask in &job.masks {
                assert!(
                    !rendered.contains(mask.as_str()),
                    "job {}: a masked value was printed before it was masked:\n{rendered}",
                    job.id
                );
            }
        }
    }
}

fn scan_for(dir: &Path, secret: &str, what: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            scan_for(&path, secret, what);
        } else if meta.is_file() {
            let bytes = std::fs::read(&path).unwrap_or_default();
            assert!(
                memchr::memmem::find(&bytes, secret.as_bytes()).is_none(),
                "secret leaked into {} ({what})",
                path.display()
            );
        }
    }
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_files(&path, out);
        } else if path.is_file() {
            out.push(path);
        }
    }
}

fn repo_name(repository: &str) -> &str {
    repository.split('/').nth(1).unwrap_or(repository)
}

/// GitHub and its hosted runners, for one repository.
pub struct Runner {
    root: tempfile::TempDir,
    repository: String,
    remotes: BTreeMap<String, PathBuf>,
    api_url: String,
    path_dirs: Vec<PathBuf>,
    emulations: BTreeMap<String, Emulation>,
    next_run_id: u64,
    artifact_ids: u64,
}

impl Default for Runner {
    fn default() -> Self {
        Self::new()
    }
}

impl Runner {
    /// A runner for [`REPOSITORY`], with no remote and no API.
    pub fn new() -> Self {
        Self {
            root: tempfile::tempdir().unwrap_or_else(|e| panic!("workflow runner: tempdir: {e}")),
            repository: REPOSITORY.to_owned(),
            remotes: BTreeMap::new(),
            api_url: "http://127.0.0.1:9".to_owned(),
            path_dirs: Vec::new(),
            emulations: BTreeMap::new(),
            next_run_id: 1000,
            artifact_ids: 0,
        }
    }

    /// The repository (`owner/name`) runs belong to.
    pub fn repository(&self) -> &str {
        &self.repository
    }

    /// Sets the repository and its remote (a local git repository, bare or
    /// not, standing for GitHub's copy).
    pub fn with_repository(mut self, repository: &str, remote: &Path) -> Self {
        repository.clone_into(&mut self.repository);
        self.remotes
            .insert(repository.to_owned(), remote.to_owned());
        self
    }

    /// Registers another repository `actions/checkout` may fetch.
    pub fn add_remote(&mut self, repository: &str, remote: &Path) {
        self.remotes
            .insert(repository.to_owned(), remote.to_owned());
    }

    /// `GITHUB_API_URL` (the fake server's URL).
    pub fn with_api_url(mut self, url: &str) -> Self {
        url.clone_into(&mut self.api_url);
        self
    }

    /// Puts a directory of executables before the system `PATH` in every job.
    pub fn prepend_path(&mut self, dir: &Path) {
        self.path_dirs.push(dir.to_owned());
    }

    /// Emulates `uses: NAME@…` (`NAME` is `owner/repo` or `owner/repo/path`).
    pub fn emulate(&mut self, name: &str, emulation: Emulation) {
        self.emulations.insert(name.to_ascii_lowercase(), emulation);
    }

    /// A scratch directory that lives as long as the runner.
    pub fn scratch(&self, name: &str) -> PathBuf {
        let dir = self.root.path().join("scratch").join(name);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        dir
    }

    /// Where artifacts of run `id` are stored.
    pub fn artifact_dir(&self, run_id: u64) -> PathBuf {
        self.root.path().join("artifacts").join(run_id.to_string())
    }

    /// Starts describing a run of the workflow at `workflow` (relative to
    /// `source`, the checkout whose copy of the file runs).
    pub fn workflow<'r>(&'r mut self, source: &Path, workflow: &str) -> RunBuilder<'r> {
        RunBuilder {
            runner: self,
            source: source.to_owned(),
            workflow: workflow.to_owned(),
            event: "push".to_owned(),
            payload: json!({}),
            sha: String::new(),
            git_ref: "refs/heads/main".to_owned(),
            token: String::new(),
            secrets: BTreeMap::new(),
            inputs: Map::new(),
            only: None,
            actor: "octocat".to_owned(),
        }
    }
}

/// A workflow run being set up; [`RunBuilder::run`] executes it.
pub struct RunBuilder<'r> {
    runner: &'r mut Runner,
    source: PathBuf,
    workflow: String,
    event: String,
    payload: Value,
    sha: String,
    git_ref: String,
    token: String,
    secrets: BTreeMap<String, String>,
    inputs: Map<String, Value>,
    only: Option<Vec<String>>,
    actor: String,
}

impl RunBuilder<'_> {
    /// The event name and payload (`github.event`).
    #[must_use]
    pub fn event(mut self, name: &str, payload: Value) -> Self {
        name.clone_into(&mut self.event);
        self.payload = payload;
        self
    }

    /// `GITHUB_SHA` and `GITHUB_REF`.
    #[must_use]
    pub fn commit(mut self, sha: &str, git_ref: &str) -> Self {
        sha.clone_into(&mut self.sha);
        git_ref.clone_into(&mut self.git_ref);
        self
    }

    /// `github.token` (also `secrets.GITHUB_TOKEN`, masked).
    #[must_use]
    pub fn token(mut self, token: &str) -> Self {
        token.clone_into(&mut self.token);
        self
    }

    /// A repository secret (masked).
    #[must_use]
    pub fn secret(mut self, name: &str, value: &str) -> Self {
        self.secrets.insert(name.to_owned(), value.to_owned());
        self
    }

    /// A `workflow_dispatch` input.
    #[must_use]
    pub fn input(mut self, name: &str, value: Value) -> Self {
        self.inputs.insert(name.to_owned(), value);
        self
    }

    /// Runs only these jobs (each must not need a job left out).
    #[must_use]
    pub fn only_jobs(mut self, jobs: &[&str]) -> Self {
        self.only = Some(jobs.iter().map(|&j| j.to_owned()).collect());
        self
    }

    /// `github.actor`.
    #[must_use]
    pub fn actor(mut self, actor: &str) -> Self {
        actor.clone_into(&mut self.actor);
        self
    }

    fn load(&self) -> Yaml {
        let path = self.source.join(&self.workflow);
        yaml::load(&path).unwrap_or_else(|e| panic!("workflow runner: {e}"))
    }

    /// Whether the event triggers the workflow (its `on:`).
    pub fn triggers(&self) -> bool {
        job::triggers(
            &self.load(),
            &self.workflow,
            &self.event,
            &self.payload,
            &self.git_ref,
        )
    }

    /// Runs the workflow's jobs; panics if the event does not trigger it.
    pub fn run(self) -> WorkflowRun {
        let doc = self.load();
        assert!(
            job::triggers(
                &doc,
                &self.workflow,
                &self.event,
                &self.payload,
                &self.git_ref
            ),
            "workflow runner: {}: event `{}` (action {:?}) does not trigger this workflow",
            self.workflow,
            self.event,
            self.payload["action"]
        );
        let runner = self.runner;
        runner.next_run_id += 1;
        let id = runner.next_run_id;
        let spec = job::RunSpec {
            id,
            workflow: self.workflow,
            event: self.event,
            payload: self.payload,
            sha: self.sha,
            git_ref: self.git_ref,
            token: self.token,
            secrets: self.secrets,
            inputs: self.inputs,
            only: self.only,
            actor: self.actor,
        };
        job::run_workflow(runner, &doc, spec)
    }
}
