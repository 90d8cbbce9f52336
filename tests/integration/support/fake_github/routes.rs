//! The endpoints: request validation as GitHub does it, state changes, and
//! responses built from the `OpenAPI` example bodies in `examples/`.

use base64::Engine as _;
use serde_json::{json, Value};
use sha2::Digest as _;

use super::state::{
    error, field_error, not_found, now, percent_decode, validation_failed, CheckRun, Incoming,
    Reply, State, StatusRecord, WorkflowRunRecord,
};
use super::WorkflowRunSeed;

const CHECK_RUN: &str = include_str!("examples/check-run.json");
const CHECK_ANNOTATION: &str = include_str!("examples/check-annotation.json");
const PULL_REQUEST: &str = include_str!("examples/pull-request.json");
const REVIEW: &str = include_str!("examples/pull-request-review.json");
const DIFF_ENTRY: &str = include_str!("examples/diff-entry.json");
const STATUS: &str = include_str!("examples/status.json");
const COMBINED_STATUS: &str = include_str!("examples/combined-commit-status.json");
const CONTENT_FILE: &str = include_str!("examples/content-file.json");
const ISSUE_COMMENT: &str = include_str!("examples/issue-comment.json");
const WORKFLOW_RUN: &str = include_str!("examples/workflow-run.json");
const JOB: &str = include_str!("examples/job.json");

const DOC_CREATE_RUN: &str = "https://docs.github.com/rest/checks/runs#create-a-check-run";
const DOC_UPDATE_RUN: &str = "https://docs.github.com/rest/checks/runs#update-a-check-run";
const DOC_GET_RUN: &str = "https://docs.github.com/rest/checks/runs#get-a-check-run";
const DOC_LIST_RUNS: &str =
    "https://docs.github.com/rest/checks/runs#list-check-runs-for-a-git-reference";
const DOC_STATUS: &str = "https://docs.github.com/rest/commits/statuses#create-a-commit-status";
const DOC_PULLS: &str = "https://docs.github.com/rest/pulls/pulls#get-a-pull-request";
const DOC_CONTENTS: &str = "https://docs.github.com/rest/repos/contents#get-repository-content";
const DOC_REST: &str = "https://docs.github.com/rest";
const DOC_LIST_WORKFLOW_RUNS: &str =
    "https://docs.github.com/rest/actions/workflow-runs#list-workflow-runs-for-a-repository";
const DOC_LIST_JOBS: &str =
    "https://docs.github.com/rest/actions/workflow-jobs#list-jobs-for-a-workflow-run";

/// GitHub's byte limit on a check run's `output.summary` and `output.text`.
pub(crate) const OUTPUT_MAX_BYTES: usize = 65_535;
/// GitHub's limit on annotations in one create or update request.
pub(crate) const ANNOTATIONS_PER_REQUEST: usize = 50;
/// GitHub's limit on an annotation's `message` and `raw_details` ("64 KB").
pub(crate) const ANNOTATION_TEXT_MAX_BYTES: usize = 65_536;
/// GitHub's limit on a commit status description, in characters.
pub(crate) const STATUS_DESCRIPTION_MAX_CHARS: usize = 140;
/// The most files the pull request files endpoint returns.
pub(crate) const PR_FILES_MAX: usize = 3000;

fn template(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

fn user_json(login: &str, id: u64, bot: bool) -> Value {
    json!({
        "login": login,
        "id": id,
        "node_id": format!("U_{id}"),
        "avatar_url": format!("https://avatars.githubusercontent.com/u/{id}?v=4"),
        "gravatar_id": "",
        "url": format!("https://api.github.com/users/{login}"),
        "html_url": format!("https://github.com/{login}"),
        "type": if bot { "Bot" } else { "User" },
        "site_admin": false,
    })
}

/// A stable 40-hex-digit id for content (not git's blob hash, which needs SHA-1).
fn fake_sha(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    sha2::Sha256::digest(bytes)
        .iter()
        .take(20)
        .fold(String::new(), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

fn is_sha(s: &str) -> bool {
    s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn paged(req: &Incoming, items: Vec<Value>) -> Reply {
    let (page, link) = State::paginate(req, items);
    let reply = Reply::json(200, &Value::Array(page));
    match link {
        Some(link) => reply.header("Link", link),
        None => reply,
    }
}

fn parse_body(req: &Incoming) -> Result<serde_json::Map<String, Value>, Reply> {
    match serde_json::from_str::<Value>(&req.body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(error(400, "Problems parsing JSON", DOC_REST)),
    }
}

fn opt_str(map: &serde_json::Map<String, Value>, key: &str) -> Result<Option<String>, String> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(key.to_owned()),
    }
}

impl State {
    pub(crate) fn route(&mut self, req: &Incoming, app: &(String, u64)) -> Reply {
        let segments: Vec<String> = req
            .path
            .trim_start_matches('/')
            .split('/')
            .map(percent_decode)
            .collect();
        let seg: Vec<&str> = segments.iter().map(String::as_str).collect();
        let method = req.method.as_str();
        if seg.len() < 4 || seg[0] != "repos" {
            return not_found(DOC_REST);
        }
        let repo = format!("{}/{}", seg[1], seg[2]);
        let rest = &seg[3..];
        match (method, rest) {
            ("POST", ["check-runs"]) => self.create_check_run(req, &repo, app),
            ("GET", ["check-runs", id]) => self.get_check_run(req, &repo, id),
            ("PATCH", ["check-runs", id]) => self.update_check_run(req, &repo, id, app),
            ("GET", ["check-runs", id, "annotations"]) => self.list_annotations(req, &repo, id),
            ("GET", ["commits", git_ref, "check-runs"]) => {
                self.list_check_runs(req, &repo, git_ref)
            }
            ("POST", ["statuses", sha]) => self.create_status(req, &repo, sha),
            ("GET", ["commits", git_ref, "statuses"] | ["statuses", git_ref]) => {
                self.list_statuses(req, &repo, git_ref)
            }
            ("GET", ["commits", git_ref, "status"]) => self.combined_status(req, &repo, git_ref),
            ("GET", ["pulls", n]) => self.get_pull(req, &repo, n),
            ("GET", ["pulls", n, "reviews"]) => self.list_reviews(req, &repo, n),
            ("GET", ["pulls", n, "files"]) => self.list_files(req, &repo, n),
            ("GET", ["issues", n, "comments"]) => self.list_comments(req, &repo, n),
            ("GET", ["actions", "runs"]) => self.list_workflow_runs(req, &repo, None),
            ("GET", ["actions", "workflows", file, "runs"]) => {
                self.list_workflow_runs(req, &repo, Some(file))
            }
            ("GET", ["actions", "runs", id, "jobs"]) => self.list_jobs(req, &repo, id),
            ("GET", ["contents", path @ ..]) if !path.is_empty() => {
                self.get_contents(req, &repo, &path.join("/"))
            }
            _ => self
                .route_actions(req, &repo, rest)
                .or_else(|| self.route_git(req, &repo, rest))
                .unwrap_or_else(|| not_found(DOC_REST)),
        }
    }

    fn resolve_ref(&self, repo: &str, git_ref: &str) -> String {
        self.repo(repo)
            .and_then(|r| r.refs.get(git_ref).cloned())
            .unwrap_or_else(|| git_ref.to_owned())
    }

    // ---- check runs -------------------------------------------------------

    fn check_run_json(req: &Incoming, repo: &str, run: &CheckRun) -> Value {
        let mut v = template(CHECK_RUN);
        let url = format!("{}/repos/{repo}/check-runs/{}", req.root, run.id);
        v["id"] = json!(run.id);
        v["node_id"] = json!(format!("CR_{}", run.id));
        v["head_sha"] = json!(run.head_sha);
        v["external_id"] = json!(run.external_id.clone().unwrap_or_default());
        v["url"] = json!(url);
        v["html_url"] = json!(format!("https://github.com/{repo}/runs/{}", run.id));
        v["details_url"] = json!(run.details_url);
        v["status"] = json!(run.status);
        v["conclusion"] = json!(run.conclusion);
        v["started_at"] = json!(run.started_at);
        v["completed_at"] = json!(run.completed_at);
        v["name"] = json!(run.name);
        v["output"] = json!({
            "title": run.title,
            "summary": run.summary,
            "text": run.text,
            "annotations_count": run.annotations.len(),
            "annotations_url": format!("{url}/annotations"),
        });
        v["check_suite"] = json!({"id": run.check_suite_id});
        v["app"]["id"] = json!(run.app_id);
        v["app"]["slug"] = json!(run.app_slug);
        v["app"]["node_id"] = json!(format!("A_{}", run.app_id));
        v["app"]["name"] = json!(if run.app_slug == super::ACTIONS_APP_SLUG {
            "GitHub Actions".to_owned()
        } else {
            run.app_slug.clone()
        });
        v["pull_requests"] = json!([]);
        v
    }

    /// Validates a create or update body the way GitHub does; the error is the reply.
    #[allow(clippy::too_many_lines)]
    fn validate_check_run(
        map: &serde_json::Map<String, Value>,
        create: bool,
        doc: &str,
    ) -> Result<(), Reply> {
        let invalid =
            |field: &str| validation_failed(doc, &[field_error("CheckRun", field, "invalid", "")]);
        for key in [
            "name",
            "head_sha",
            "details_url",
            "external_id",
            "started_at",
            "completed_at",
        ] {
            opt_str(map, key).map_err(|f| invalid(&f))?;
        }
        if create {
            for key in ["name", "head_sha"] {
                if opt_str(map, key)
                    .ok()
                    .flatten()
                    .is_none_or(|s| s.is_empty())
                {
                    return Err(validation_failed(
                        doc,
                        &[field_error("CheckRun", key, "missing_field", "")],
                    ));
                }
            }
            let sha = opt_str(map, "head_sha").ok().flatten().unwrap_or_default();
            if !is_sha(&sha) {
                return Err(error(422, &format!("No commit found for SHA: {sha}"), doc));
            }
        } else if map.get("name").is_some_and(|n| n.as_str() == Some("")) {
            return Err(invalid("name"));
        }
        let statuses: &[&str] = if create {
            &["queued", "in_progress", "completed"]
        } else {
            &[
                "queued",
                "in_progress",
                "completed",
                "waiting",
                "requested",
                "pending",
            ]
        };
        let status = opt_str(map, "status").map_err(|f| invalid(&f))?;
        if let Some(s) = &status {
            if !statuses.contains(&s.as_str()) {
                return Err(invalid("status"));
            }
        }
        let conclusion = opt_str(map, "conclusion").map_err(|f| invalid(&f))?;
        if let Some(c) = &conclusion {
            let allowed = [
                "action_required",
                "cancelled",
                "failure",
                "neutral",
                "success",
                "skipped",
                "timed_out",
            ];
            if !allowed.contains(&c.as_str()) {
                return Err(invalid("conclusion"));
            }
        }
        if status.as_deref() == Some("completed") && conclusion.is_none() {
            return Err(validation_failed(
                doc,
                &[field_error(
                    "CheckRun",
                    "conclusion",
                    "missing_field",
                    "conclusion is required when status is completed",
                )],
            ));
        }
        for key in ["started_at", "completed_at"] {
            if let Some(t) = opt_str(map, key).ok().flatten() {
                if chrono::DateTime::parse_from_rfc3339(&t).is_err() {
                    return Err(invalid(key));
                }
            }
        }
        let Some(output) = map.get("output") else {
            return Ok(());
        };
        let Some(output) = output.as_object() else {
            return Err(invalid("output"));
        };
        for key in ["title", "summary"] {
            if !output.get(key).is_some_and(Value::is_string) {
                return Err(validation_failed(
                    doc,
                    &[field_error("CheckRun", key, "missing_field", "")],
                ));
            }
        }
        for key in ["summary", "text"] {
            match output.get(key) {
                Some(Value::String(s)) if s.len() > OUTPUT_MAX_BYTES => {
                    return Err(validation_failed(
                        doc,
                        &[field_error(
                            "CheckRun",
                            key,
                            "custom",
                            &format!("{key} exceeds a maximum bytesize of {OUTPUT_MAX_BYTES}"),
                        )],
                    ));
                }
                None | Some(Value::Null | Value::String(_)) => {}
                Some(_) => return Err(invalid(key)),
            }
        }
        let annotations = match output.get("annotations") {
            None | Some(Value::Null) => return Ok(()),
            Some(Value::Array(a)) => a,
            Some(_) => return Err(invalid("annotations")),
        };
        if annotations.len() > ANNOTATIONS_PER_REQUEST {
            return Err(validation_failed(
                doc,
                &[field_error(
                    "CheckRun",
                    "annotations",
                    "too_long",
                    &format!(
                        "annotations is too long (maximum is {ANNOTATIONS_PER_REQUEST} items per request)"
                    ),
                )],
            ));
        }
        for a in annotations {
            Self::validate_annotation(a, doc)?;
        }
        Ok(())
    }

    fn validate_annotation(a: &Value, doc: &str) -> Result<(), Reply> {
        let bad = |field: &str, code: &str, message: &str| {
            Err(validation_failed(
                doc,
                &[field_error(
                    "CheckRun",
                    &format!("annotations.{field}"),
                    code,
                    message,
                )],
            ))
        };
        if !a.is_object() {
            return bad("", "invalid", "");
        }
        if !a.get("path").is_some_and(Value::is_string) {
            return bad("path", "missing_field", "");
        }
        let start = a.get("start_line").and_then(Value::as_u64);
        let end = a.get("end_line").and_then(Value::as_u64);
        let (Some(start), Some(end)) = (start, end) else {
            return bad("start_line", "missing_field", "");
        };
        if start == 0 || end < start {
            return bad("end_line", "invalid", "");
        }
        let has_columns = a.get("start_column").is_some_and(|v| !v.is_null())
            || a.get("end_column").is_some_and(|v| !v.is_null());
        if has_columns && start != end {
            return bad(
                "start_column",
                "invalid",
                "start_column and end_column may only be used on single-line annotations",
            );
        }
        match a.get("annotation_level").and_then(Value::as_str) {
            Some("notice" | "warning" | "failure") => {}
            Some(_) => return bad("annotation_level", "invalid", ""),
            None => return bad("annotation_level", "missing_field", ""),
        }
        match a.get("message").and_then(Value::as_str) {
            None => return bad("message", "missing_field", ""),
            Some(m) if m.len() > ANNOTATION_TEXT_MAX_BYTES => {
                return bad(
                    "message",
                    "too_long",
                    "message is too long (maximum is 64 KB)",
                )
            }
            Some(_) => {}
        }
        if a.get("title")
            .and_then(Value::as_str)
            .is_some_and(|t| t.chars().count() > 255)
        {
            return bad(
                "title",
                "too_long",
                "title is too long (maximum is 255 characters)",
            );
        }
        if a.get("raw_details")
            .and_then(Value::as_str)
            .is_some_and(|t| t.len() > ANNOTATION_TEXT_MAX_BYTES)
        {
            return bad(
                "raw_details",
                "too_long",
                "raw_details is too long (maximum is 64 KB)",
            );
        }
        Ok(())
    }

    fn annotation_json(repo: &str, sha: &str, a: &Value) -> Value {
        let mut v = template(CHECK_ANNOTATION);
        for key in [
            "path",
            "start_line",
            "end_line",
            "start_column",
            "end_column",
            "annotation_level",
            "title",
            "message",
            "raw_details",
        ] {
            v[key] = a.get(key).cloned().unwrap_or(Value::Null);
        }
        v["blob_href"] = json!(format!(
            "https://github.com/{repo}/blob/{sha}/{}",
            a.get("path").and_then(Value::as_str).unwrap_or_default()
        ));
        v
    }

    /// Applies the fields of a create or update body to a run.
    fn apply_check_run(run: &mut CheckRun, map: &serde_json::Map<String, Value>, repo: &str) {
        let s = |k: &str| map.get(k).and_then(Value::as_str).map(str::to_owned);
        if let Some(name) = s("name") {
            run.name = name;
        }
        if let Some(v) = s("details_url") {
            run.details_url = Some(v);
        }
        if let Some(v) = s("external_id") {
            run.external_id = Some(v);
        }
        if let Some(v) = s("started_at") {
            run.started_at = v;
        }
        if let Some(v) = s("status") {
            run.status = v;
        }
        if let Some(c) = s("conclusion") {
            // "Providing conclusion will automatically set the status to completed."
            run.conclusion = Some(c);
            "completed".clone_into(&mut run.status);
            run.completed_at = Some(s("completed_at").unwrap_or_else(now));
        } else if let Some(v) = s("completed_at") {
            run.completed_at = Some(v);
        }
        if let Some(output) = map.get("output").and_then(Value::as_object) {
            let os = |k: &str| output.get(k).and_then(Value::as_str).map(str::to_owned);
            run.title = os("title");
            run.summary = os("summary");
            if let Some(text) = os("text") {
                run.text = Some(text);
            }
            if let Some(annotations) = output.get("annotations").and_then(Value::as_array) {
                // "Each time you update the check run, annotations are appended."
                let sha = run.head_sha.clone();
                run.annotations.extend(
                    annotations
                        .iter()
                        .map(|a| Self::annotation_json(repo, &sha, a)),
                );
            }
        }
    }

    fn create_check_run(&mut self, req: &Incoming, repo: &str, app: &(String, u64)) -> Reply {
        if self.repo(repo).is_none() {
            return not_found(DOC_CREATE_RUN);
        }
        let map = match parse_body(req) {
            Ok(b) => b,
            Err(reply) => return reply,
        };
        if let Err(reply) = Self::validate_check_run(&map, true, DOC_CREATE_RUN) {
            return reply;
        }
        let id = self.next_id();
        let head_sha = map
            .get("head_sha")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_ascii_lowercase();
        let check_suite_id = self.repo(repo).map_or(0, |r| r.api_suite(app.1, &head_sha));
        let mut run = CheckRun {
            id,
            name: String::new(),
            head_sha,
            external_id: None,
            details_url: None,
            status: "queued".to_owned(),
            conclusion: None,
            started_at: now(),
            completed_at: None,
            title: None,
            summary: None,
            text: None,
            annotations: Vec::new(),
            app_slug: app.0.clone(),
            app_id: app.1,
            check_suite_id,
            updates: 0,
        };
        Self::apply_check_run(&mut run, &map, repo);
        let body = Self::check_run_json(req, repo, &run);
        self.repo_mut(repo).check_runs.push(run);
        Reply::json(201, &body)
    }

    fn find_run<'a>(&'a mut self, repo: &str, id: &str) -> Option<&'a mut CheckRun> {
        let id: u64 = id.parse().ok()?;
        self.repos
            .get_mut(&repo.to_ascii_lowercase())?
            .check_runs
            .iter_mut()
            .find(|r| r.id == id)
    }

    fn get_check_run(&mut self, req: &Incoming, repo: &str, id: &str) -> Reply {
        match self.find_run(repo, id) {
            Some(run) => {
                let run = run.clone();
                Reply::json(200, &Self::check_run_json(req, repo, &run))
            }
            None => not_found(DOC_GET_RUN),
        }
    }

    fn update_check_run(
        &mut self,
        req: &Incoming,
        repo: &str,
        id: &str,
        app: &(String, u64),
    ) -> Reply {
        let Some(run) = self.find_run(repo, id) else {
            return not_found(DOC_UPDATE_RUN);
        };
        if run.app_slug != app.0 {
            // Only the app that created a check run may update it.
            return error(
                403,
                "Resource not accessible by integration",
                DOC_UPDATE_RUN,
            );
        }
        let map = match parse_body(req) {
            Ok(b) => b,
            Err(reply) => return reply,
        };
        if let Err(reply) = Self::validate_check_run(&map, false, DOC_UPDATE_RUN) {
            return reply;
        }
        let Some(run) = self.find_run(repo, id) else {
            return not_found(DOC_UPDATE_RUN);
        };
        Self::apply_check_run(run, &map, repo);
        run.updates += 1;
        let run = run.clone();
        Reply::json(200, &Self::check_run_json(req, repo, &run))
    }

    fn list_annotations(&mut self, req: &Incoming, repo: &str, id: &str) -> Reply {
        match self.find_run(repo, id) {
            Some(run) => {
                let items = run.annotations.clone();
                paged(req, items)
            }
            None => not_found(DOC_GET_RUN),
        }
    }

    fn list_check_runs(&mut self, req: &Incoming, repo: &str, git_ref: &str) -> Reply {
        if self.repo(repo).is_none() {
            return not_found(DOC_LIST_RUNS);
        }
        let sha = self.resolve_ref(repo, git_ref).to_ascii_lowercase();
        let check_name = req.param("check_name");
        let status = req.param("status");
        let app_id = req.param("app_id").and_then(|v| v.parse::<u64>().ok());
        let filter = req.param("filter").unwrap_or_else(|| "latest".to_owned());
        if filter != "latest" && filter != "all" {
            return validation_failed(
                DOC_LIST_RUNS,
                &[field_error("CheckRun", "filter", "invalid", "")],
            );
        }
        let runs = self
            .repo(repo)
            .map(|r| r.check_runs.clone())
            .unwrap_or_default();
        let mut selected: Vec<&CheckRun> = runs
            .iter()
            .filter(|r| r.head_sha == sha)
            .filter(|r| check_name.as_ref().is_none_or(|n| &r.name == n))
            .filter(|r| status.as_ref().is_none_or(|s| &r.status == s))
            .filter(|r| app_id.is_none_or(|a| r.app_id == a))
            .collect();
        if filter == "latest" {
            // The most recent run of each name per app (a re-run supersedes).
            let mut latest: Vec<&CheckRun> = Vec::new();
            for run in selected.iter().rev() {
                if !latest
                    .iter()
                    .any(|l| l.name == run.name && l.app_id == run.app_id)
                {
                    latest.push(run);
                }
            }
            latest.reverse();
            selected = latest;
        }
        // GitHub lists newest first.
        selected.reverse();
        let items: Vec<Value> = selected
            .iter()
            .map(|r| Self::check_run_json(req, repo, r))
            .collect();
        let total = items.len();
        let (page, link) = Self::paginate(req, items);
        let reply = Reply::json(200, &json!({"total_count": total, "check_runs": page}));
        match link {
            Some(link) => reply.header("Link", link),
            None => reply,
        }
    }

    // ---- workflow runs and jobs -------------------------------------------

    fn workflow_run_json(req: &Incoming, repo: &str, run: &WorkflowRunRecord) -> Value {
        let mut v = template(WORKFLOW_RUN);
        let url = format!("{}/repos/{repo}/actions/runs/{}", req.root, run.id);
        v["id"] = json!(run.id);
        v["name"] = json!(run.seed.name);
        v["node_id"] = json!(format!("WFR_{}", run.id));
        v["check_suite_id"] = json!(run.check_suite_id);
        v["check_suite_node_id"] = json!(format!("CS_{}", run.check_suite_id));
        v["head_sha"] = json!(run.seed.head_sha);
        v["path"] = json!(run.seed.path);
        v["display_title"] = json!(run.seed.name);
        v["event"] = json!(run.seed.event);
        v["head_branch"] = json!(head_branch(&run.seed));
        v["status"] = json!(run.seed.status);
        v["conclusion"] = json!(run.seed.conclusion);
        v["run_attempt"] = json!(1);
        v["url"] = json!(url);
        v["html_url"] = json!(format!("https://github.com/{repo}/actions/runs/{}", run.id));
        v["jobs_url"] = json!(format!("{url}/jobs"));
        v["check_suite_url"] = json!(format!(
            "{}/repos/{repo}/check-suites/{}",
            req.root, run.check_suite_id
        ));
        v["created_at"] = json!(run.created_at);
        v["updated_at"] = json!(run.created_at);
        v["run_started_at"] = json!(run.created_at);
        v["pull_requests"] = json!([]);
        v
    }

    /// `GET /repos/{o}/{r}/actions/runs`, or with `workflow` (a file name)
    /// `/actions/workflows/{workflow}/runs`, which also filters by `event`
    /// and `branch`.
    fn list_workflow_runs(&mut self, req: &Incoming, repo: &str, workflow: Option<&str>) -> Reply {
        let Some(r) = self.repo(repo) else {
            return not_found(DOC_LIST_WORKFLOW_RUNS);
        };
        let head_sha = req.param("head_sha").map(|s| s.to_ascii_lowercase());
        let status = req.param("status");
        let event = req.param("event");
        let branch = req.param("branch");
        let of_workflow = |w: &WorkflowRunRecord| {
            workflow.is_none_or(|f| {
                w.seed
                    .path
                    .split('@')
                    .next()
                    .unwrap_or("")
                    .ends_with(&format!("/{f}"))
            })
        };
        // GitHub lists newest first.
        let items: Vec<Value> = r
            .workflow_runs
            .iter()
            .rev()
            .filter(|w| head_sha.as_ref().is_none_or(|s| &w.seed.head_sha == s))
            .filter(|w| status.as_ref().is_none_or(|s| &w.seed.status == s))
            .filter(|w| of_workflow(w))
            .filter(|w| event.as_ref().is_none_or(|e| &w.seed.event == e))
            .filter(|w| branch.as_ref().is_none_or(|b| head_branch(&w.seed) == b))
            .map(|w| Self::workflow_run_json(req, repo, w))
            .collect();
        let total = items.len();
        let (page, link) = Self::paginate(req, items);
        let reply = Reply::json(200, &json!({"total_count": total, "workflow_runs": page}));
        match link {
            Some(link) => reply.header("Link", link),
            None => reply,
        }
    }

    fn list_jobs(&mut self, req: &Incoming, repo: &str, id: &str) -> Reply {
        let filter = req.param("filter").unwrap_or_else(|| "latest".to_owned());
        if filter != "latest" && filter != "all" {
            return validation_failed(
                DOC_LIST_JOBS,
                &[field_error("WorkflowJob", "filter", "invalid", "")],
            );
        }
        let Some(r) = self.repo(repo) else {
            return not_found(DOC_LIST_JOBS);
        };
        let Some(run) = id
            .parse::<u64>()
            .ok()
            .and_then(|id| r.workflow_runs.iter().find(|w| w.id == id))
        else {
            return not_found(DOC_LIST_JOBS);
        };
        let items: Vec<Value> = r
            .jobs
            .iter()
            .filter(|j| j.run_id == run.id)
            .filter_map(|j| r.check_runs.iter().find(|c| c.id == j.check_run_id))
            .map(|c| {
                let mut v = template(JOB);
                v["id"] = json!(c.id);
                v["run_id"] = json!(run.id);
                v["run_url"] = json!(format!("{}/repos/{repo}/actions/runs/{}", req.root, run.id));
                v["node_id"] = json!(format!("J_{}", c.id));
                v["head_sha"] = json!(c.head_sha);
                v["url"] = json!(format!("{}/repos/{repo}/actions/jobs/{}", req.root, c.id));
                v["html_url"] = json!(format!(
                    "https://github.com/{repo}/actions/runs/{}/job/{}",
                    run.id, c.id
                ));
                v["status"] = json!(c.status);
                v["conclusion"] = json!(c.conclusion);
                v["started_at"] = json!(c.started_at);
                v["completed_at"] = json!(c.completed_at);
                v["name"] = json!(c.name);
                v["check_run_url"] =
                    json!(format!("{}/repos/{repo}/check-runs/{}", req.root, c.id));
                v["workflow_name"] = json!(run.seed.name);
                v
            })
            .collect();
        let total = items.len();
        let (page, link) = Self::paginate(req, items);
        let reply = Reply::json(200, &json!({"total_count": total, "jobs": page}));
        match link {
            Some(link) => reply.header("Link", link),
            None => reply,
        }
    }

    // ---- commit statuses --------------------------------------------------

    fn status_json(repo: &str, s: &StatusRecord, with_creator: bool) -> Value {
        let mut v = template(STATUS);
        v["url"] = json!(format!(
            "https://api.github.com/repos/{repo}/statuses/{}",
            s.sha
        ));
        v["id"] = json!(s.id);
        v["node_id"] = json!(format!("SC_{}", s.id));
        v["state"] = json!(s.state);
        v["description"] = json!(s.description);
        v["target_url"] = json!(s.target_url);
        v["context"] = json!(s.context);
        v["created_at"] = json!(s.created_at);
        v["updated_at"] = json!(s.created_at);
        if with_creator {
            v["creator"] = user_json(&s.creator, 41_898_282, true);
        } else if let Some(obj) = v.as_object_mut() {
            obj.remove("creator");
        }
        v
    }

    fn create_status(&mut self, req: &Incoming, repo: &str, sha: &str) -> Reply {
        if self.repo(repo).is_none() {
            return not_found(DOC_STATUS);
        }
        let map = match parse_body(req) {
            Ok(b) => b,
            Err(reply) => return reply,
        };
        let invalid = |field: &str, code: &str, message: &str| {
            validation_failed(DOC_STATUS, &[field_error("Status", field, code, message)])
        };
        let state = match map.get("state").and_then(Value::as_str) {
            None => return invalid("state", "missing_field", ""),
            Some(s @ ("error" | "failure" | "pending" | "success")) => s.to_owned(),
            Some(_) => return invalid("state", "invalid", ""),
        };
        let (description, target_url, context) = match (
            opt_str(&map, "description"),
            opt_str(&map, "target_url"),
            opt_str(&map, "context"),
        ) {
            (Ok(d), Ok(t), Ok(c)) => (d, t, c.unwrap_or_else(|| "default".to_owned())),
            (Err(f), _, _) | (_, Err(f), _) | (_, _, Err(f)) => return invalid(&f, "invalid", ""),
        };
        if description
            .as_ref()
            .is_some_and(|d| d.chars().count() > STATUS_DESCRIPTION_MAX_CHARS)
        {
            return invalid(
                "description",
                "custom",
                "description is too long (maximum is 140 characters)",
            );
        }
        if !is_sha(sha) {
            return error(422, &format!("No commit found for SHA: {sha}"), DOC_STATUS);
        }
        let record = self.add_status(
            repo,
            &sha.to_ascii_lowercase(),
            &state,
            &context,
            description.as_deref(),
            target_url.as_deref(),
            "github-actions[bot]",
        );
        Reply::json(201, &Self::status_json(repo, &record, true))
    }

    fn list_statuses(&mut self, req: &Incoming, repo: &str, git_ref: &str) -> Reply {
        let Some(r) = self.repo(repo) else {
            return not_found(DOC_STATUS);
        };
        let sha = self.resolve_ref(repo, git_ref).to_ascii_lowercase();
        // Reverse chronological order.
        let items: Vec<Value> = r
            .statuses
            .iter()
            .rev()
            .filter(|s| s.sha == sha)
            .map(|s| Self::status_json(repo, s, true))
            .collect();
        paged(req, items)
    }

    fn combined_status(&mut self, req: &Incoming, repo: &str, git_ref: &str) -> Reply {
        let Some(r) = self.repo(repo) else {
            return not_found(DOC_STATUS);
        };
        let sha = self.resolve_ref(repo, git_ref).to_ascii_lowercase();
        // The latest status per context (contexts compare case-insensitively).
        let mut latest: Vec<&StatusRecord> = Vec::new();
        for s in r.statuses.iter().rev().filter(|s| s.sha == sha) {
            if !latest
                .iter()
                .any(|l| l.context.eq_ignore_ascii_case(&s.context))
            {
                latest.push(s);
            }
        }
        let state = if latest
            .iter()
            .any(|s| s.state == "error" || s.state == "failure")
        {
            "failure"
        } else if latest.is_empty() || latest.iter().any(|s| s.state == "pending") {
            "pending"
        } else {
            "success"
        };
        let total = latest.len();
        let items: Vec<Value> = latest
            .iter()
            .map(|s| Self::status_json(repo, s, false))
            .collect();
        let (page, link) = Self::paginate(req, items);
        let mut v = template(COMBINED_STATUS);
        v["state"] = json!(state);
        v["statuses"] = Value::Array(page);
        v["sha"] = json!(sha);
        v["total_count"] = json!(total);
        v["commit_url"] = json!(format!("{}/repos/{repo}/commits/{sha}", req.root));
        v["url"] = json!(format!("{}/repos/{repo}/commits/{sha}/status", req.root));
        v["repository"]["full_name"] = json!(r.full_name);
        let reply = Reply::json(200, &v);
        match link {
            Some(link) => reply.header("Link", link),
            None => reply,
        }
    }

    // ---- pull requests ----------------------------------------------------

    fn pull_number(n: &str) -> Option<u64> {
        n.parse().ok()
    }

    pub(crate) fn get_pull(&mut self, req: &Incoming, repo: &str, n: &str) -> Reply {
        let Some(pr) = Self::pull_number(n)
            .and_then(|n| self.repo(repo).and_then(|r| r.pulls.get(&n)))
            .cloned()
        else {
            return not_found(DOC_PULLS);
        };
        let author_id = self.user_id(&pr.author);
        let Some(r) = self.repo(repo) else {
            return not_found(DOC_PULLS);
        };
        let full_name = r.full_name.clone();
        let changed_files = r.files.get(&pr.number).map_or(0, Vec::len);
        let (owner, name) = full_name.split_once('/').unwrap_or((&full_name, ""));
        let mut v = template(PULL_REQUEST);
        v["url"] = json!(format!(
            "{}/repos/{full_name}/pulls/{}",
            req.root, pr.number
        ));
        v["html_url"] = json!(format!("https://github.com/{full_name}/pull/{}", pr.number));
        v["id"] = json!(pr.number + 100_000);
        v["number"] = json!(pr.number);
        v["state"] = json!("open");
        v["title"] = json!(pr.title);
        v["user"] = user_json(&pr.author, author_id, false);
        v["draft"] = json!(pr.draft);
        v["merged"] = json!(false);
        v["author_association"] = json!(if pr.fork { "CONTRIBUTOR" } else { "MEMBER" });
        v["changed_files"] = json!(changed_files);
        let head_owner = if pr.fork { pr.author.as_str() } else { owner };
        for (side, sha, git_ref, repo_owner, fork) in [
            ("head", &pr.head_sha, &pr.head_ref, head_owner, pr.fork),
            ("base", &pr.base_sha, &pr.base_ref, owner, false),
        ] {
            v[side]["sha"] = json!(sha);
            v[side]["ref"] = json!(git_ref);
            v[side]["label"] = json!(format!("{repo_owner}:{git_ref}"));
            v[side]["repo"]["name"] = json!(name);
            v[side]["repo"]["full_name"] = json!(format!("{repo_owner}/{name}"));
            v[side]["repo"]["fork"] = json!(fork);
            v[side]["repo"]["owner"]["login"] = json!(repo_owner);
        }
        Reply::json(200, &v)
    }

    fn list_reviews(&mut self, req: &Incoming, repo: &str, n: &str) -> Reply {
        let Some(r) = self.repo(repo) else {
            return not_found(DOC_PULLS);
        };
        let Some(reviews) = Self::pull_number(n).and_then(|n| {
            r.pulls
                .contains_key(&n)
                .then(|| r.reviews.get(&n))
                .flatten()
        }) else {
            return not_found(DOC_PULLS);
        };
        let full_name = r.full_name.clone();
        let items: Vec<Value> = reviews
            .iter()
            .map(|rv| {
                let mut v = template(REVIEW);
                v["id"] = json!(rv.id);
                v["node_id"] = json!(format!("PRR_{}", rv.id));
                v["user"] = match (&rv.seed.login, rv.user_id) {
                    (Some(login), Some(id)) => user_json(login, id, rv.seed.bot),
                    _ => Value::Null,
                };
                v["body"] = json!(rv.seed.body);
                v["state"] = json!(rv.seed.state);
                v["html_url"] = json!(format!(
                    "https://github.com/{full_name}/pull/{n}#pullrequestreview-{}",
                    rv.id
                ));
                v["pull_request_url"] = json!(format!("{}/repos/{full_name}/pulls/{n}", req.root));
                v["commit_id"] = json!(rv.seed.commit_id);
                v["author_association"] = json!(rv.seed.author_association);
                if rv.seed.state == "PENDING" {
                    if let Some(obj) = v.as_object_mut() {
                        obj.remove("submitted_at");
                    }
                } else {
                    v["submitted_at"] = json!(rv.submitted_at);
                }
                v
            })
            .collect();
        paged(req, items)
    }

    fn list_files(&mut self, req: &Incoming, repo: &str, n: &str) -> Reply {
        let Some(r) = self.repo(repo) else {
            return not_found(DOC_PULLS);
        };
        let Some(files) = Self::pull_number(n)
            .and_then(|n| r.pulls.contains_key(&n).then(|| r.files.get(&n)).flatten())
        else {
            return not_found(DOC_PULLS);
        };
        let full_name = r.full_name.clone();
        let items: Vec<Value> = files
            .iter()
            .take(PR_FILES_MAX)
            .map(|f| {
                let mut v = template(DIFF_ENTRY);
                let sha = fake_sha(f.filename.as_bytes());
                v["sha"] = json!(sha);
                v["filename"] = json!(f.filename);
                v["status"] = json!(f.status);
                v["additions"] = json!(f.additions);
                v["deletions"] = json!(f.deletions);
                v["changes"] = json!(f.additions + f.deletions);
                v["blob_url"] = json!(format!(
                    "https://github.com/{full_name}/blob/{sha}/{}",
                    f.filename
                ));
                v["raw_url"] = json!(format!(
                    "https://github.com/{full_name}/raw/{sha}/{}",
                    f.filename
                ));
                v["contents_url"] = json!(format!(
                    "{}/repos/{full_name}/contents/{}",
                    req.root, f.filename
                ));
                if let Some(obj) = v.as_object_mut() {
                    match &f.patch {
                        Some(p) => {
                            obj.insert("patch".to_owned(), json!(p));
                        }
                        None => {
                            obj.remove("patch");
                        }
                    }
                    if let Some(prev) = &f.previous_filename {
                        obj.insert("previous_filename".to_owned(), json!(prev));
                    }
                }
                v
            })
            .collect();
        paged(req, items)
    }

    fn list_comments(&mut self, req: &Incoming, repo: &str, n: &str) -> Reply {
        let Some(r) = self.repo(repo) else {
            return not_found(DOC_REST);
        };
        let Some(comments) = Self::pull_number(n).and_then(|n| r.comments.get(&n)) else {
            return not_found(DOC_REST);
        };
        let full_name = r.full_name.clone();
        let items: Vec<Value> = comments
            .iter()
            .map(|c| {
                let mut v = template(ISSUE_COMMENT);
                v["id"] = json!(c.id);
                v["node_id"] = json!(format!("IC_{}", c.id));
                v["url"] = json!(format!(
                    "{}/repos/{full_name}/issues/comments/{}",
                    req.root, c.id
                ));
                v["html_url"] = json!(format!(
                    "https://github.com/{full_name}/pull/{n}#issuecomment-{}",
                    c.id
                ));
                v["issue_url"] = json!(format!("{}/repos/{full_name}/issues/{n}", req.root));
                v["body"] = json!(c.seed.body);
                v["user"] = user_json(&c.seed.login, c.user_id, c.seed.bot);
                v["created_at"] = json!(c.created_at);
                v["updated_at"] = json!(c.created_at);
                v["author_association"] = json!(c.seed.author_association);
                v
            })
            .collect();
        paged(req, items)
    }

    // ---- contents ---------------------------------------------------------

    fn get_contents(&mut self, req: &Incoming, repo: &str, path: &str) -> Reply {
        let git_ref = req.param("ref").unwrap_or_else(|| "main".to_owned());
        let Some(r) = self.repo(repo) else {
            return not_found(DOC_CONTENTS);
        };
        let resolved = self.resolve_ref(repo, &git_ref);
        let bytes = r
            .contents
            .get(&(git_ref.clone(), path.to_owned()))
            .or_else(|| r.contents.get(&(resolved, path.to_owned())));
        let Some(bytes) = bytes else {
            return not_found(DOC_CONTENTS);
        };
        let full_name = r.full_name.clone();
        let sha = fake_sha(bytes);
        let mut v = template(CONTENT_FILE);
        v["size"] = json!(bytes.len());
        v["name"] = json!(path.rsplit('/').next().unwrap_or(path));
        v["path"] = json!(path);
        v["sha"] = json!(sha);
        if bytes.len() > 1024 * 1024 {
            // Files of 1-100 MB: GitHub leaves `content` empty with encoding "none".
            v["encoding"] = json!("none");
            v["content"] = json!("");
        } else {
            // GitHub wraps the base64 at 60 characters with "\n".
            let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
            let wrapped: Vec<&str> = encoded
                .as_bytes()
                .chunks(60)
                .filter_map(|c| std::str::from_utf8(c).ok())
                .collect();
            v["encoding"] = json!("base64");
            v["content"] = json!(format!("{}\n", wrapped.join("\n")));
        }
        v["url"] = json!(format!(
            "{}/repos/{full_name}/contents/{path}?ref={git_ref}",
            req.root
        ));
        Reply::json(200, &v)
    }
}

/// The branch a seeded run ran for: a push is to `main` (the fake's default
/// branch), anything else from the pull request's `feature` branch.
fn head_branch(seed: &WorkflowRunSeed) -> &'static str {
    if seed.event == "push" {
        "main"
    } else {
        "feature"
    }
}
