//! Running one workflow run: trigger check, job order, and each job's steps
//! (`run:` scripts under a real shell, `uses:` through [`super::actions`]),
//! with contexts, environment, files commands, masks, logs and timeouts.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};
use yaml_rust2::Yaml;

use super::commands::{self, Annotation};
use super::expr::{self, Scope};
use super::yaml::{check_keys, entries, scalar, string_list};
use super::{actions, JobRun, LogLine, Runner, StepRun, WorkflowRun};

/// Everything about a run that its jobs share.
pub struct RunSpec {
    pub id: u64,
    pub workflow: String,
    pub event: String,
    pub payload: Value,
    pub sha: String,
    pub git_ref: String,
    pub token: String,
    pub secrets: BTreeMap<String, String>,
    pub inputs: Map<String, Value>,
    pub only: Option<Vec<String>>,
    pub actor: String,
}

fn glob_match(pattern: &str, text: &str) -> bool {
    globset::GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .is_ok_and(|g| g.compile_matcher().is_match(text))
}

fn filter_allows(filter: &Yaml, name: &str, include: &str, exclude: &str) -> Option<bool> {
    let inc = string_list(&filter[include]);
    let exc = string_list(&filter[exclude]);
    if !filter[include].is_badvalue() {
        // In order, as GitHub reads them: a later `!pattern` takes back what
        // an earlier pattern matched (`tags: ["v*", "!v[0-9]"]`).
        Some(inc.iter().fold(false, |hit, p| match p.strip_prefix('!') {
            Some(neg) if glob_match(neg, name) => false,
            None if glob_match(p, name) => true,
            _ => hit,
        }))
    } else if !filter[exclude].is_badvalue() {
        Some(!exc.iter().any(|p| glob_match(p, name)))
    } else {
        None
    }
}

/// Whether `event` with `payload` triggers a workflow whose document is `doc`.
pub fn triggers(doc: &Yaml, path: &str, event: &str, payload: &Value, git_ref: &str) -> bool {
    let on = &doc["on"];
    let names = match on {
        Yaml::String(_) | Yaml::Array(_) => string_list(on),
        Yaml::Hash(_) => entries(on).into_iter().map(|(k, _)| k).collect(),
        _ => panic!("workflow runner: {path}: no `on:`"),
    };
    if !names.iter().any(|n| n == event) {
        return false;
    }
    let filter = &on[event];
    if !filter.is_hash() {
        return true;
    }
    check_keys(
        filter,
        &[
            "types",
            "branches",
            "branches-ignore",
            "tags",
            "tags-ignore",
            "workflows",
            "inputs",
        ],
        &["paths", "paths-ignore"],
        &format!("{path}: on.{event}"),
    );
    let action = payload["action"].as_str().unwrap_or_default();
    let types = string_list(&filter["types"]);
    let default_types: &[&str] = match event {
        "pull_request" | "pull_request_target" => &["opened", "synchronize", "reopened"],
        _ => &[],
    };
    let type_ok = if types.is_empty() {
        default_types.is_empty() || default_types.contains(&action)
    } else {
        types.iter().any(|t| t == action)
    };
    if !type_ok {
        return false;
    }
    if event == "workflow_run" {
        let wanted = string_list(&filter["workflows"]);
        let name = payload["workflow_run"]["name"].as_str().unwrap_or_default();
        if !wanted.iter().any(|w| w == name) {
            return false;
        }
    }
    let branch = match event {
        "pull_request" | "pull_request_target" => payload["pull_request"]["base"]["ref"]
            .as_str()
            .map(str::to_owned),
        "workflow_run" => payload["workflow_run"]["head_branch"]
            .as_str()
            .map(str::to_owned),
        _ => git_ref.strip_prefix("refs/heads/").map(str::to_owned),
    };
    let tag = git_ref.strip_prefix("refs/tags/");
    let branch_rule = filter_allows(
        filter,
        branch.as_deref().unwrap_or(""),
        "branches",
        "branches-ignore",
    );
    let tag_rule = filter_allows(filter, tag.unwrap_or(""), "tags", "tags-ignore");
    match (tag.is_some(), branch_rule, tag_rule) {
        // A tag push: only tag filters apply, and branch filters alone exclude it.
        (true, _, Some(ok)) | (false, Some(ok), _) => ok,
        (true, Some(_), None) => false,
        (false, None, Some(_)) => event != "push",
        _ => true,
    }
}

fn job_order(doc: &Yaml, path: &str, only: Option<&[String]>) -> Vec<String> {
    let jobs = entries(&doc["jobs"]);
    assert!(!jobs.is_empty(), "workflow runner: {path}: no jobs");
    let ids: Vec<String> = jobs.iter().map(|(k, _)| k.clone()).collect();
    let needs = |id: &str| string_list(&doc["jobs"][id]["needs"]);
    for id in &ids {
        for n in needs(id) {
            assert!(
                ids.contains(&n),
                "workflow runner: {path}: job {id} needs unknown job {n}"
            );
        }
    }
    let selected: Vec<String> = match only {
        Some(list) => {
            for j in list {
                assert!(ids.contains(j), "workflow runner: {path}: no job `{j}`");
                for n in needs(j) {
                    assert!(
                        list.contains(&n),
                        "workflow runner: {path}: job {j} needs {n}, which this run leaves out"
                    );
                }
            }
            ids.iter().filter(|i| list.contains(i)).cloned().collect()
        }
        None => ids.clone(),
    };
    let mut done: Vec<String> = Vec::new();
    while done.len() < selected.len() {
        let next = selected
            .iter()
            .find(|j| !done.contains(j) && needs(j).iter().all(|n| done.contains(n)))
            .unwrap_or_else(|| panic!("workflow runner: {path}: a cycle in `needs:`"));
        done.push(next.clone());
    }
    done
}

/// Runs the jobs of one workflow run.
pub fn run_workflow(runner: &mut Runner, doc: &Yaml, spec: RunSpec) -> WorkflowRun {
    let path = spec.workflow.clone();
    check_keys(
        doc,
        &[
            "name",
            "run-name",
            "on",
            "permissions",
            "env",
            "defaults",
            "concurrency",
            "jobs",
        ],
        &[],
        &path,
    );
    let name = scalar(&doc["name"]).unwrap_or_else(|| path.clone());
    let order = job_order(doc, &path, spec.only.as_deref());
    let artifacts = runner.artifact_dir(spec.id);
    let mut jobs: Vec<JobRun> = Vec::new();
    for id in order {
        let needs: Map<String, Value> = string_list(&doc["jobs"][id.as_str()]["needs"])
            .into_iter()
            .map(|n| {
                let j = jobs
                    .iter()
                    .find(|j| j.id == n)
                    .map(|j| json!({"result": j.result, "outputs": j.outputs}));
                (n, j.unwrap_or(Value::Null))
            })
            .collect();
        let job = JobExec::new(runner, doc, &spec, &name, &id, needs).run();
        jobs.push(job);
    }
    let results: Vec<&str> = jobs.iter().map(|j| j.result.as_str()).collect();
    let conclusion = if results.contains(&"failure") {
        "failure"
    } else if results.contains(&"cancelled") {
        "cancelled"
    } else if results.iter().all(|r| *r == "skipped") {
        "skipped"
    } else {
        "success"
    };
    WorkflowRun {
        id: spec.id,
        name,
        path,
        event: spec.event,
        payload: spec.payload,
        sha: spec.sha,
        git_ref: spec.git_ref,
        conclusion: conclusion.to_owned(),
        jobs,
        artifacts,
    }
}

/// The step scope of a job or of one composite action invocation.
pub struct Frame {
    /// `steps` context.
    pub steps: Map<String, Value>,
    /// `inputs` context.
    pub inputs: Value,
    /// The composite action's directory.
    pub action_path: Option<PathBuf>,
    /// Env the invoking step passes to a composite's steps.
    pub extra_env: BTreeMap<String, String>,
    /// `workflow` or `action.yml at …`, for messages.
    pub at: String,
    /// Nesting depth (composite actions calling composite actions).
    pub depth: usize,
}

/// One job being executed.
pub struct JobExec<'a> {
    pub runner: &'a mut Runner,
    doc: &'a Yaml,
    pub spec: &'a RunSpec,
    workflow_name: String,
    pub job_id: String,
    needs: Map<String, Value>,
    /// The `env` context: workflow and job env plus `GITHUB_ENV` additions.
    env: BTreeMap<String, String>,
    path_prepend: Vec<String>,
    /// `success`, `failure` or `cancelled`.
    pub status: String,
    deadline: Option<Instant>,
    job_timeout: f64,
    pub workspace: PathBuf,
    pub temp: PathBuf,
    pub home: PathBuf,
    tool_cache: PathBuf,
    event_path: PathBuf,
    pub log: Vec<LogLine>,
    pub masks: Vec<String>,
    pub annotations: Vec<Annotation>,
    summary: String,
    pub current_step: String,
    file_counter: u64,
}

impl<'a> JobExec<'a> {
    fn new(
        runner: &'a mut Runner,
        doc: &'a Yaml,
        spec: &'a RunSpec,
        workflow_name: &str,
        job_id: &str,
        needs: Map<String, Value>,
    ) -> Self {
        let base = runner
            .root
            .path()
            .join("runs")
            .join(spec.id.to_string())
            .join(job_id);
        let name = super::repo_name(&runner.repository).to_owned();
        let workspace = base.join("work").join(&name).join(&name);
        let temp = base.join("temp");
        let home = base.join("home");
        let tool_cache = base.join("toolcache");
        for d in [&workspace, &temp, &home, &tool_cache] {
            std::fs::create_dir_all(d).unwrap_or_else(|e| panic!("{}: {e}", d.display()));
        }
        let event_path = temp.join("_github_workflow/event.json");
        std::fs::create_dir_all(temp.join("_github_workflow")).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(
            &event_path,
            serde_json::to_vec_pretty(&spec.payload).unwrap_or_default(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let mut masks: Vec<String> = Vec::new();
        for v in spec.secrets.values().chain(std::iter::once(&spec.token)) {
            if !v.is_empty() && !masks.contains(v) {
                masks.push(v.clone());
            }
        }
        Self {
            runner,
            doc,
            spec,
            workflow_name: workflow_name.to_owned(),
            job_id: job_id.to_owned(),
            needs,
            env: BTreeMap::new(),
            path_prepend: Vec::new(),
            status: "success".to_owned(),
            deadline: None,
            job_timeout: 360.0,
            workspace,
            temp,
            home,
            tool_cache,
            event_path,
            log: Vec::new(),
            masks,
            annotations: Vec::new(),
            summary: String::new(),
            current_step: String::new(),
            file_counter: 0,
        }
    }

    fn job(&self) -> &'a Yaml {
        &self.doc["jobs"][self.job_id.as_str()]
    }

    /// `workflow W, job J, step S`: where a message comes from.
    pub fn here(&self) -> String {
        format!(
            "workflow {}, job {}, step `{}`",
            self.spec.workflow, self.job_id, self.current_step
        )
    }

    /// Panics with a message naming the workflow, job and step.
    pub fn unsupported(&self, what: &str) -> ! {
        panic!(
            "workflow runner: {}: {what} is not supported by the scripted runner",
            self.here()
        )
    }

    fn fail_eval<T>(&self, r: Result<T, String>) -> T {
        r.unwrap_or_else(|e| panic!("workflow runner: {}: {e}", self.here()))
    }

    fn github_context(&self, frame: Option<&Frame>) -> Value {
        let s = self.spec;
        let pr = &s.payload["pull_request"];
        let is_pr = matches!(s.event.as_str(), "pull_request" | "pull_request_target");
        let (head_ref, base_ref) = if is_pr {
            (
                pr["head"]["ref"].as_str().unwrap_or_default(),
                pr["base"]["ref"].as_str().unwrap_or_default(),
            )
        } else {
            ("", "")
        };
        let (ref_name, ref_type) = if let Some(b) = s.git_ref.strip_prefix("refs/heads/") {
            (b, "branch")
        } else if let Some(t) = s.git_ref.strip_prefix("refs/tags/") {
            (t, "tag")
        } else {
            (
                s.git_ref.strip_prefix("refs/pull/").unwrap_or(&s.git_ref),
                "",
            )
        };
        let repo = &self.runner.repository;
        json!({
            "event_name": s.event,
            "event": s.payload,
            "event_path": self.event_path,
            "sha": s.sha,
            "ref": s.git_ref,
            "ref_name": ref_name,
            "ref_type": ref_type,
            "ref_protected": false,
            "head_ref": head_ref,
            "base_ref": base_ref,
            "repository": repo,
            "repository_owner": repo.split('/').next().unwrap_or_default(),
            "repositoryUrl": format!("git://github.com/{repo}.git"),
            "actor": s.actor,
            "triggering_actor": s.actor,
            "token": s.token,
            "job": self.job_id,
            "run_id": s.id.to_string(),
            "run_number": s.id.to_string(),
            "run_attempt": "1",
            "retention_days": "90",
            "workflow": self.workflow_name,
            "workflow_ref": format!("{repo}/{}@{}", s.workflow, s.git_ref),
            "workspace": self.workspace,
            "server_url": "https://github.com",
            "api_url": self.runner.api_url,
            "graphql_url": format!("{}/graphql", self.runner.api_url),
            "secret_source": "Actions",
            "action_path": frame.and_then(|f| f.action_path.as_ref()).map_or(String::new(), |p| p.display().to_string()),
            "action": self.current_step,
            "action_repository": "",
            "action_ref": "",
        })
    }

    /// The expression scope for a step (or the job, with `frame` `None`).
    pub fn scope(&self, frame: Option<&Frame>) -> Scope {
        let mut c = Map::new();
        c.insert("github".into(), self.github_context(frame));
        let mut env: Map<String, Value> = self
            .env
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        if let Some(f) = frame {
            for (k, v) in &f.extra_env {
                env.insert(k.clone(), Value::String(v.clone()));
            }
        }
        c.insert("env".into(), Value::Object(env));
        let composite = frame.is_some_and(|f| f.action_path.is_some());
        if !composite {
            let mut secrets: Map<String, Value> = self
                .spec
                .secrets
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect();
            secrets.insert(
                "GITHUB_TOKEN".into(),
                Value::String(self.spec.token.clone()),
            );
            c.insert("secrets".into(), Value::Object(secrets));
        }
        c.insert(
            "inputs".into(),
            frame.map_or_else(
                || Value::Object(self.spec.inputs.clone()),
                |f| f.inputs.clone(),
            ),
        );
        c.insert(
            "steps".into(),
            Value::Object(frame.map(|f| f.steps.clone()).unwrap_or_default()),
        );
        c.insert(
            "runner".into(),
            json!({"os": "Linux", "arch": "X64", "name": "GitHub Actions 1",
                   "environment": "github-hosted", "temp": self.temp,
                   "tool_cache": self.tool_cache, "debug": ""}),
        );
        c.insert("job".into(), json!({"status": self.status}));
        c.insert("needs".into(), Value::Object(self.needs.clone()));
        for empty in ["vars", "matrix", "strategy"] {
            c.insert(empty.into(), json!({}));
        }
        Scope {
            contexts: c,
            status: self.status.clone(),
            workspace: Some(self.workspace.clone()),
        }
    }

    /// Interpolates a YAML scalar with the step scope.
    pub fn text(&self, y: &Yaml, scope: &Scope) -> String {
        match scalar(y) {
            Some(s) => self.fail_eval(expr::interpolate(&s, scope)),
            None if y.is_null() || y.is_badvalue() => String::new(),
            None => panic!(
                "workflow runner: {}: expected a scalar, got {y:?}",
                self.here()
            ),
        }
    }

    fn env_map(&self, y: &Yaml, scope: &Scope) -> BTreeMap<String, String> {
        entries(y)
            .into_iter()
            .map(|(k, v)| (k, self.text(v, scope)))
            .collect()
    }

    fn runner_msg(&mut self, text: &str) {
        self.log.push(LogLine {
            step: self.current_step.clone(),
            stream: "runner",
            text: text.to_owned(),
            masks_before: self.masks.len(),
            command: false,
        });
    }

    /// Records a runner-raised annotation (and its log line).
    pub fn annotate(&mut self, level: &str, message: &str) {
        self.runner_msg(&format!("##[{level}]{message}"));
        self.annotations.push(Annotation {
            level: level.to_owned(),
            message: message.to_owned(),
            properties: BTreeMap::new(),
            job: self.job_id.clone(),
            step: self.current_step.clone(),
        });
    }

    /// Prints an informational runner line.
    pub fn info(&mut self, text: &str) {
        self.runner_msg(text);
    }

    fn run(mut self) -> JobRun {
        let job = self.job();
        let at = format!("{}: jobs.{}", self.spec.workflow, self.job_id);
        check_keys(
            job,
            &[
                "name",
                "runs-on",
                "needs",
                "if",
                "env",
                "defaults",
                "timeout-minutes",
                "outputs",
                "steps",
                "permissions",
                "concurrency",
            ],
            &[
                "strategy",
                "container",
                "services",
                "uses",
                "with",
                "secrets",
                "environment",
                "continue-on-error",
            ],
            &at,
        );
        let runs_on = string_list(&job["runs-on"]);
        assert!(
            runs_on.iter().any(|l| l.starts_with("ubuntu") || l == "linux" || l == "self-hosted"),
            "workflow runner: {at}: runs-on {runs_on:?} is not supported by the scripted runner (Linux only)"
        );
        // Job status for `if:`: the needs' results.
        let results: Vec<String> = self
            .needs
            .values()
            .map(|n| n["result"].as_str().unwrap_or("skipped").to_owned())
            .collect();
        let needs_ok = results.iter().all(|r| r == "success");
        let status = if needs_ok {
            "success"
        } else if results.iter().any(|r| r == "failure") {
            "failure"
        } else if results.iter().any(|r| r == "cancelled") {
            "cancelled"
        } else {
            // A skipped need: neither success() nor failure() holds.
            "skipped"
        };
        status.clone_into(&mut self.status);
        let scope = self.scope(None);
        let cond = scalar(&job["if"]).unwrap_or_else(|| "success()".to_owned());
        let run_it = self.fail_eval(expr::condition(&cond, &scope));
        if !run_it {
            "skipped".clone_into(&mut self.status);
            return self.finish(Vec::new(), BTreeMap::new());
        }
        "success".clone_into(&mut self.status);
        // Workflow env, then job env (which sees the workflow's).
        let wf_env = self.env_map(&self.doc["env"], &scope);
        self.env.extend(wf_env);
        let scope = self.scope(None);
        let job_env = self.env_map(&job["env"], &scope);
        self.env.extend(job_env);
        if let Some(t) = scalar(&job["timeout-minutes"]) {
            let v = self.fail_eval(expr::evaluate_template(&t, &self.scope(None)));
            self.job_timeout = expr::to_str(&v).parse().unwrap_or_else(|_| {
                panic!("workflow runner: {at}: timeout-minutes `{t}` is not a number")
            });
        }
        self.deadline = Some(Instant::now() + Duration::from_secs_f64(self.job_timeout * 60.0));
        let steps: Vec<Yaml> = job["steps"]
            .as_vec()
            .cloned()
            .unwrap_or_else(|| panic!("workflow runner: {at}: no steps"));
        let mut frame = Frame {
            steps: Map::new(),
            inputs: Value::Object(self.spec.inputs.clone()),
            action_path: None,
            extra_env: BTreeMap::new(),
            at: at.clone(),
            depth: 0,
        };
        let runs = self.run_steps(&steps, &mut frame);
        let mut outputs = BTreeMap::new();
        let scope = self.scope(Some(&frame));
        for (k, v) in entries(&job["outputs"]) {
            let value = self.text(v, &scope);
            if self.masks.iter().any(|m| value.contains(m.as_str())) {
                self.annotate(
                    "warning",
                    &format!("Skip output '{k}' since it may contain secret."),
                );
            } else {
                outputs.insert(k, value);
            }
        }
        self.finish(runs, outputs)
    }

    fn finish(self, steps: Vec<StepRun>, outputs: BTreeMap<String, String>) -> JobRun {
        JobRun {
            id: self.job_id,
            result: self.status,
            outputs,
            steps,
            log: self.log,
            masks: self.masks,
            annotations: self.annotations,
            summary: self.summary,
            workspace: self.workspace,
            temp: self.temp,
            home: self.home,
        }
    }

    fn defaults(&self, key: &str) -> Option<String> {
        scalar(&self.job()["defaults"]["run"][key])
            .or_else(|| scalar(&self.doc["defaults"]["run"][key]))
    }

    /// Runs steps in a frame (a job's or a composite action's).
    pub fn run_steps(&mut self, steps: &[Yaml], frame: &mut Frame) -> Vec<StepRun> {
        let mut runs = Vec::new();
        for (i, step) in steps.iter().enumerate() {
            let run = self.run_step(step, i, frame);
            if let Some(id) = &run.id {
                frame.steps.insert(
                    id.clone(),
                    json!({"outputs": run.outputs, "outcome": run.outcome, "conclusion": run.conclusion}),
                );
            }
            runs.push(run);
        }
        runs
    }

    #[allow(clippy::too_many_lines)]
    fn run_step(&mut self, step: &Yaml, index: usize, frame: &mut Frame) -> StepRun {
        let at = format!("{} steps[{index}]", frame.at);
        check_keys(
            step,
            &[
                "name",
                "id",
                "if",
                "uses",
                "run",
                "with",
                "env",
                "shell",
                "working-directory",
                "continue-on-error",
                "timeout-minutes",
            ],
            &[],
            &at,
        );
        let id = scalar(&step["id"]);
        let uses = scalar(&step["uses"]);
        let run_script = scalar(&step["run"]);
        assert!(
            uses.is_some() != run_script.is_some(),
            "workflow runner: {at}: a step needs exactly one of `run` and `uses`"
        );
        let scope = self.scope(Some(frame));
        let name = match scalar(&step["name"]) {
            Some(n) => expr::interpolate(&n, &scope).unwrap_or(n),
            None => match (&uses, &run_script) {
                (Some(u), _) => format!("Run {u}"),
                (_, Some(r)) => format!("Run {}", r.lines().next().unwrap_or_default()),
                _ => unreachable!(),
            },
        };
        self.current_step.clone_from(&name);
        let mut record = StepRun {
            name: name.clone(),
            id: id.clone(),
            outcome: "skipped".to_owned(),
            conclusion: "skipped".to_owned(),
            outputs: BTreeMap::new(),
            exit_code: None,
            steps: Vec::new(),
        };
        if self.deadline.is_some_and(|d| Instant::now() >= d) && self.status != "cancelled" {
            self.cancel_job();
        }
        let cond = scalar(&step["if"]).unwrap_or_else(|| "success()".to_owned());
        if !self.fail_eval(expr::condition(&cond, &scope)) {
            self.info(&format!("Skipping step `{name}`: `if: {cond}` is false"));
            return record;
        }
        self.info(&format!("##[group]{name}"));
        let mut env = frame.extra_env.clone();
        env.extend(self.env_map(&step["env"], &scope));
        let continue_on_error = match scalar(&step["continue-on-error"]) {
            Some(c) => {
                expr::truthy(&self.fail_eval(expr::evaluate_template(&c, &scope)))
                    && self.fail_eval(expr::interpolate(&c, &scope)) != "false"
            }
            None => false,
        };
        let step_timeout = scalar(&step["timeout-minutes"]).map(|t| {
            let v = self.fail_eval(expr::interpolate(&t, &scope));
            v.parse::<f64>().unwrap_or_else(|_| {
                panic!("workflow runner: {at}: timeout-minutes `{t}` is not a number")
            })
        });
        let started = Instant::now();
        let step_deadline = step_timeout.map(|t| started + Duration::from_secs_f64(t * 60.0));
        let deadline = match (step_deadline, self.deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let mut outputs = BTreeMap::new();
        let success = if let Some(script) = run_script {
            let shell = scalar(&step["shell"]).or_else(|| {
                assert!(
                    frame.action_path.is_none(),
                    "workflow runner: {at}: a composite action's run step needs `shell`"
                );
                self.defaults("shell")
            });
            let wd = scalar(&step["working-directory"])
                .map(|w| self.text(&Yaml::String(w), &scope))
                .or_else(|| {
                    if frame.action_path.is_some() {
                        None
                    } else {
                        self.defaults("working-directory")
                    }
                });
            let script = self.fail_eval(expr::interpolate(&script, &scope));
            let (ok, code) = self.exec_script(
                &script,
                shell.as_deref(),
                wd.as_deref(),
                &env,
                frame,
                deadline,
                &mut outputs,
            );
            record.exit_code = code;
            ok
        } else {
            let uses = uses.unwrap_or_default();
            let with: BTreeMap<String, String> = entries(&step["with"])
                .into_iter()
                .map(|(k, v)| (k, self.text(v, &scope)))
                .collect();
            let (ok, inner) = actions::run_uses(self, &uses, with, &env, frame, &mut outputs);
            record.steps = inner;
            ok
        };
        if step_deadline.is_some_and(|d| Instant::now() >= d)
            && !success
            && self.status != "cancelled"
        {
            let mins = step_timeout.unwrap_or_default();
            self.annotate(
                "error",
                &format!("The action '{name}' has timed out after {mins} minutes."),
            );
        }
        if self.deadline.is_some_and(|d| Instant::now() >= d) && self.status != "cancelled" {
            self.cancel_job();
        }
        let outcome = if success {
            "success"
        } else if self.status == "cancelled" && self.deadline.is_some_and(|d| Instant::now() >= d) {
            "cancelled"
        } else {
            "failure"
        };
        outcome.clone_into(&mut record.outcome);
        record.conclusion = if outcome == "failure" && continue_on_error {
            "success".to_owned()
        } else {
            outcome.to_owned()
        };
        if record.conclusion == "failure" && self.status == "success" {
            "failure".clone_into(&mut self.status);
        }
        record.outputs = outputs;
        self.info("##[endgroup]");
        record
    }

    fn cancel_job(&mut self) {
        "cancelled".clone_into(&mut self.status);
        let mins = self.job_timeout;
        self.annotate(
            "error",
            &format!("The job running on runner GitHub Actions 1 has exceeded the maximum execution time of {mins} minutes."),
        );
    }

    fn new_file(&mut self, prefix: &str) -> PathBuf {
        self.file_counter += 1;
        let dir = self.temp.join("_runner_file_commands");
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        let p = dir.join(format!("{prefix}_{}", self.file_counter));
        std::fs::write(&p, "").unwrap_or_else(|e| panic!("{e}"));
        p
    }

    /// The process environment of a step: defaults, env context, step env.
    pub fn process_env(
        &mut self,
        step_env: &BTreeMap<String, String>,
        frame: &Frame,
    ) -> (BTreeMap<String, String>, [PathBuf; 4]) {
        let files = [
            self.new_file("set_output"),
            self.new_file("set_env"),
            self.new_file("add_path"),
            self.new_file("step_summary"),
        ];
        let mut env: BTreeMap<String, String> = self.env.clone();
        env.extend(step_env.clone());
        let g = self.github_context(Some(frame));
        let s = |k: &str| expr::to_str(&g[k]);
        let mut path: Vec<String> = self.path_prepend.iter().rev().cloned().collect();
        path.extend(
            self.runner
                .path_dirs
                .iter()
                .map(|p| p.display().to_string()),
        );
        path.push(std::env::var("PATH").unwrap_or_default());
        let defaults = [
            ("CI", "true".to_owned()),
            ("GITHUB_ACTIONS", "true".to_owned()),
            ("GITHUB_WORKFLOW", s("workflow")),
            ("GITHUB_WORKFLOW_REF", s("workflow_ref")),
            ("GITHUB_RUN_ID", s("run_id")),
            ("GITHUB_RUN_NUMBER", s("run_number")),
            ("GITHUB_RUN_ATTEMPT", "1".to_owned()),
            ("GITHUB_JOB", self.job_id.clone()),
            ("GITHUB_ACTION", self.current_step.clone()),
            ("GITHUB_ACTOR", s("actor")),
            ("GITHUB_TRIGGERING_ACTOR", s("actor")),
            ("GITHUB_REPOSITORY", s("repository")),
            ("GITHUB_REPOSITORY_OWNER", s("repository_owner")),
            ("GITHUB_EVENT_NAME", s("event_name")),
            ("GITHUB_EVENT_PATH", s("event_path")),
            ("GITHUB_WORKSPACE", s("workspace")),
            ("GITHUB_SHA", s("sha")),
            ("GITHUB_REF", s("ref")),
            ("GITHUB_REF_NAME", s("ref_name")),
            ("GITHUB_REF_TYPE", s("ref_type")),
            ("GITHUB_REF_PROTECTED", "false".to_owned()),
            ("GITHUB_HEAD_REF", s("head_ref")),
            ("GITHUB_BASE_REF", s("base_ref")),
            ("GITHUB_SERVER_URL", s("server_url")),
            ("GITHUB_API_URL", s("api_url")),
            ("GITHUB_GRAPHQL_URL", s("graphql_url")),
            ("GITHUB_RETENTION_DAYS", "90".to_owned()),
            ("GITHUB_OUTPUT", files[0].display().to_string()),
            ("GITHUB_ENV", files[1].display().to_string()),
            ("GITHUB_PATH", files[2].display().to_string()),
            ("GITHUB_STEP_SUMMARY", files[3].display().to_string()),
            ("GITHUB_ACTION_PATH", s("action_path")),
            ("GITHUB_ACTION_REPOSITORY", String::new()),
            ("RUNNER_OS", "Linux".to_owned()),
            ("RUNNER_ARCH", "X64".to_owned()),
            ("RUNNER_NAME", "GitHub Actions 1".to_owned()),
            ("RUNNER_ENVIRONMENT", "github-hosted".to_owned()),
            ("RUNNER_TEMP", self.temp.display().to_string()),
            ("RUNNER_TOOL_CACHE", self.tool_cache.display().to_string()),
            ("ImageOS", "ubuntu24".to_owned()),
            ("HOME", self.home.display().to_string()),
            ("PATH", path.join(":")),
            ("LANG", "C.UTF-8".to_owned()),
        ];
        for (k, v) in defaults {
            if k == "GITHUB_ACTION_PATH" && v.is_empty() {
                continue;
            }
            env.insert(k.to_owned(), v);
        }
        (env, files)
    }

    /// Reads back a step's files commands into outputs, env, path and summary.
    pub fn apply_files(
        &mut self,
        files: &[PathBuf; 4],
        outputs: &mut BTreeMap<String, String>,
    ) -> bool {
        let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
        let mut ok = true;
        match commands::parse_key_values(&read(&files[0]), "GITHUB_OUTPUT") {
            Ok(kvs) => outputs.extend(kvs),
            Err(e) => {
                self.annotate("error", &e);
                ok = false;
            }
        }
        match commands::parse_key_values(&read(&files[1]), "GITHUB_ENV") {
            Ok(kvs) => {
                for (k, v) in kvs {
                    if k == "NODE_OPTIONS" {
                        self.annotate("error", "Can't store NODE_OPTIONS output parameter using '$GITHUB_ENV' command.");
                        ok = false;
                    } else {
                        self.env.insert(k, v);
                    }
                }
            }
            Err(e) => {
                self.annotate("error", &e);
                ok = false;
            }
        }
        self.path_prepend
            .extend(commands::parse_path_file(&read(&files[2])));
        let summary = read(&files[3]);
        if summary.len() > 1024 * 1024 {
            self.annotate("error", "$GITHUB_STEP_SUMMARY upload aborted, supports content up to a size of 1024k, got more");
        } else {
            self.summary.push_str(&summary);
        }
        ok
    }

    /// Processes one line of step output (workflow commands, masks, log).
    /// Returns `false` when the line is a command that fails the step.
    pub fn output_line(
        &mut self,
        stream: &'static str,
        text: &str,
        stop_token: &mut Option<String>,
    ) -> bool {
        let mut command = false;
        let mut ok = true;
        if let Some(token) = stop_token.clone() {
            if text.trim() == format!("::{token}::") {
                *stop_token = None;
                command = true;
            }
        } else if let Some(cmd) = commands::parse_command(text) {
            command = true;
            match cmd.name.as_str() {
                "add-mask" => {
                    if !cmd.data.is_empty() && !self.masks.contains(&cmd.data) {
                        self.masks.push(cmd.data.clone());
                    }
                }
                "error" | "warning" | "notice" => self.annotations.push(Annotation {
                    level: cmd.name.clone(),
                    message: cmd.data.clone(),
                    properties: cmd.properties.clone(),
                    job: self.job_id.clone(),
                    step: self.current_step.clone(),
                }),
                "group" | "endgroup" | "debug" | "echo" => {}
                "stop-commands" => *stop_token = Some(cmd.data.clone()),
                "set-env" | "add-path" => {
                    self.annotate(
                        "error",
                        &format!("Unable to process command '{text}' successfully. The `{}` command is disabled.", cmd.name),
                    );
                    ok = false;
                }
                "set-output" | "save-state" => {
                    self.unsupported(&format!("the deprecated `::{}::` command", cmd.name))
                }
                _ => command = false,
            }
        }
        self.log.push(LogLine {
            step: self.current_step.clone(),
            stream,
            text: text.to_owned(),
            masks_before: self.masks.len(),
            command,
        });
        ok
    }

    #[allow(clippy::too_many_arguments, clippy::too_many_lines)]
    fn exec_script(
        &mut self,
        script: &str,
        shell: Option<&str>,
        working_directory: Option<&str>,
        step_env: &BTreeMap<String, String>,
        frame: &Frame,
        deadline: Option<Instant>,
        outputs: &mut BTreeMap<String, String>,
    ) -> (bool, Option<i32>) {
        self.file_counter += 1;
        let script_path = self.temp.join(format!("script-{}.sh", self.file_counter));
        std::fs::write(&script_path, script).unwrap_or_else(|e| panic!("{e}"));
        let template: Vec<String> = match shell {
            None => "bash --noprofile --norc -e {0}"
                .split(' ')
                .map(str::to_owned)
                .collect(),
            Some("bash") => "bash --noprofile --norc -eo pipefail {0}"
                .split(' ')
                .map(str::to_owned)
                .collect(),
            Some("sh") => vec!["sh".into(), "-e".into(), "{0}".into()],
            Some("python") => vec!["python".into(), "{0}".into()],
            Some(s @ ("pwsh" | "powershell" | "cmd")) => self.unsupported(&format!("shell `{s}`")),
            Some(custom) if custom.contains("{0}") => {
                custom.split_whitespace().map(str::to_owned).collect()
            }
            Some(other) => self.unsupported(&format!(
                "shell `{other}` (a custom shell must contain {{0}})"
            )),
        };
        let args: Vec<String> = template
            .iter()
            .map(|a| a.replace("{0}", &script_path.display().to_string()))
            .collect();
        let (env, files) = self.process_env(step_env, frame);
        let cwd = match working_directory {
            Some(w) if Path::new(w).is_absolute() => PathBuf::from(w),
            Some(w) => self.workspace.join(w),
            None => self.workspace.clone(),
        };
        if !cwd.is_dir() {
            self.annotate("error", &format!("An error occurred trying to start process '{}' with working directory '{}'. No such file or directory", args[0], cwd.display()));
            return (false, None);
        }
        let mut cmd = Command::new(&args[0]);
        cmd.args(&args[1..])
            .env_clear()
            .envs(crate::support::coverage::profile_env())
            .envs(&env)
            .current_dir(&cwd)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        let mut child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) => {
                self.annotate("error", &format!("{}: {e}", args[0]));
                return (false, None);
            }
        };
        let (tx, rx) = mpsc::channel::<(&'static str, Option<String>)>();
        let pipe = |stream: &'static str,
                    r: Box<dyn Read + Send>,
                    tx: mpsc::Sender<(&'static str, Option<String>)>| {
            std::thread::spawn(move || {
                let mut reader = BufReader::new(r);
                let mut buf = Vec::new();
                while reader.read_until(b'\n', &mut buf).unwrap_or(0) > 0 {
                    let line = String::from_utf8_lossy(&buf)
                        .trim_end_matches(['\n', '\r'])
                        .to_owned();
                    let _ = tx.send((stream, Some(line)));
                    buf.clear();
                }
                let _ = tx.send((stream, None));
            });
        };
        if let Some(out) = child.stdout.take() {
            pipe("stdout", Box::new(out), tx.clone());
        }
        if let Some(err) = child.stderr.take() {
            pipe("stderr", Box::new(err), tx.clone());
        }
        drop(tx);
        let pgid = child.id();
        let mut ok = true;
        let mut stop_token = None;
        let mut open = 2;
        let mut status = None;
        let mut timed_out = false;
        let mut exited_at: Option<Instant> = None;
        while open > 0 || status.is_none() {
            match rx.recv_timeout(Duration::from_millis(20)) {
                Ok((stream, Some(line))) => ok &= self.output_line(stream, &line, &mut stop_token),
                Ok((_, None)) => open -= 1,
                Err(mpsc::RecvTimeoutError::Disconnected) => open = 0,
                Err(mpsc::RecvTimeoutError::Timeout) => {}
            }
            if status.is_none() {
                status = child.try_wait().ok().flatten();
                if status.is_some() {
                    exited_at = Some(Instant::now());
                }
            }
            let past_deadline = deadline.is_some_and(|d| Instant::now() >= d);
            let lingering = exited_at.is_some_and(|t| t.elapsed() > Duration::from_secs(2));
            if past_deadline && status.is_none() {
                timed_out = true;
                kill_group(pgid);
                status = child.wait().ok();
                exited_at = Some(Instant::now());
            }
            if lingering {
                // Something outside the process group still holds the pipes.
                break;
            }
        }
        // Background processes of the step do not outlive it here.
        kill_group(pgid);
        let code = status.and_then(|s| s.code());
        ok &= self.apply_files(&files, outputs);
        if timed_out {
            return (false, code);
        }
        if code != Some(0) {
            let shown = code.map_or_else(|| "a signal".to_owned(), |c| c.to_string());
            self.annotate(
                "error",
                &format!("Process completed with exit code {shown}."),
            );
            return (false, code);
        }
        (ok, code)
    }
}

fn kill_group(pgid: u32) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{pgid}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}
