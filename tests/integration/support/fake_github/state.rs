//! What the fake GitHub holds, and the parts every request goes through:
//! the request log, fault injection, authentication, errors and pagination.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use serde_json::{json, Value};

use super::{
    CheckRunSeed, CommentSeed, Fault, FileSeed, PullRequestSeed, RequestRecord, ReviewSeed,
    WorkflowRunSeed, ACTIONS_APP_ID, ACTIONS_APP_SLUG, READ_ONLY_TOKEN, WRITE_TOKEN,
};

/// A check run as GitHub stores it.
#[derive(Clone, Debug)]
pub struct CheckRun {
    /// Its id.
    pub id: u64,
    /// Check name.
    pub name: String,
    /// Commit it reports on.
    pub head_sha: String,
    /// The creator's own reference.
    pub external_id: Option<String>,
    /// Link to details.
    pub details_url: Option<String>,
    /// `queued`, `in_progress` or `completed`.
    pub status: String,
    /// Conclusion once completed.
    pub conclusion: Option<String>,
    /// Start time (RFC 3339).
    pub started_at: String,
    /// Completion time (RFC 3339).
    pub completed_at: Option<String>,
    /// `output.title`.
    pub title: Option<String>,
    /// `output.summary`.
    pub summary: Option<String>,
    /// `output.text`.
    pub text: Option<String>,
    /// Every annotation ever sent, in order (updates append).
    pub annotations: Vec<Value>,
    /// The app that created it.
    pub app_slug: String,
    /// That app's id.
    pub app_id: u64,
    /// The check suite it is filed under (a workflow run's, for a job).
    pub check_suite_id: u64,
    /// How many successful updates (`PATCH`) it received.
    pub updates: u32,
}

/// A GitHub Actions workflow run as GitHub stores it.
#[derive(Clone, Debug)]
pub struct WorkflowRunRecord {
    /// Its id.
    pub id: u64,
    /// Its check suite: every job's check run is filed under it.
    pub check_suite_id: u64,
    /// What it was seeded with.
    pub seed: WorkflowRunSeed,
    /// Creation time (RFC 3339).
    pub created_at: String,
}

/// A job of a workflow run: made only by Actions, never through the API.
#[derive(Clone, Debug)]
pub(crate) struct Job {
    pub(crate) run_id: u64,
    /// The job's check run (GitHub gives both the same id).
    pub(crate) check_run_id: u64,
}

/// A commit status as GitHub stores it.
#[derive(Clone, Debug)]
pub struct StatusRecord {
    /// Its id.
    pub id: u64,
    /// The commit.
    pub sha: String,
    /// `error`, `failure`, `pending` or `success`.
    pub state: String,
    /// Context label (compared case-insensitively).
    pub context: String,
    /// Short description.
    pub description: Option<String>,
    /// Link.
    pub target_url: Option<String>,
    /// Creation time (RFC 3339).
    pub created_at: String,
    /// Who posted it.
    pub creator: String,
}

#[derive(Clone, Debug)]
pub(crate) struct Review {
    pub(crate) id: u64,
    pub(crate) seed: ReviewSeed,
    pub(crate) user_id: Option<u64>,
    pub(crate) submitted_at: String,
}

#[derive(Clone, Debug)]
pub(crate) struct Comment {
    pub(crate) id: u64,
    pub(crate) seed: CommentSeed,
    pub(crate) user_id: u64,
    pub(crate) created_at: String,
}

#[derive(Default)]
pub(crate) struct Repo {
    pub(crate) full_name: String,
    pub(crate) check_runs: Vec<CheckRun>,
    pub(crate) statuses: Vec<StatusRecord>,
    pub(crate) pulls: BTreeMap<u64, PullRequestSeed>,
    pub(crate) reviews: BTreeMap<u64, Vec<Review>>,
    pub(crate) files: BTreeMap<u64, Vec<FileSeed>>,
    pub(crate) comments: BTreeMap<u64, Vec<Comment>>,
    pub(crate) contents: BTreeMap<(String, String), Vec<u8>>,
    pub(crate) refs: HashMap<String, String>,
    pub(crate) workflow_runs: Vec<WorkflowRunRecord>,
    pub(crate) jobs: Vec<Job>,
}

impl Repo {
    /// The suite GitHub files a check run under that the `app_id` app makes
    /// through the API on `sha`: for GitHub Actions, the first workflow run
    /// of that commit (which is why a run's suite proves nothing about the
    /// job that made it, and only the jobs list does); for any other app,
    /// its one suite per commit.
    pub(crate) fn api_suite(&self, app_id: u64, sha: &str) -> u64 {
        if app_id == ACTIONS_APP_ID {
            if let Some(first) = self.workflow_runs.iter().find(|w| w.seed.head_sha == sha) {
                return first.check_suite_id;
            }
        }
        // A stable id per app and commit, away from the fake's other ids.
        let digest = sha
            .bytes()
            .fold(app_id, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
        1_000_000 + digest % 1_000_000
    }
}

pub(crate) struct TokenInfo {
    pub(crate) read_only: bool,
    pub(crate) app_slug: String,
    pub(crate) app_id: u64,
}

pub(crate) struct FaultRule {
    pub(crate) method: String,
    pub(crate) pattern: String,
    pub(crate) fault: Fault,
    pub(crate) remaining: usize,
    /// `*` matches exactly one path segment ([`segment_match`]), not any run.
    pub(crate) segments: bool,
}

pub(crate) struct State {
    pub(crate) tokens: HashMap<String, TokenInfo>,
    pub(crate) all_read_only: bool,
    pub(crate) repos: BTreeMap<String, Repo>,
    pub(crate) users: HashMap<String, u64>,
    pub(crate) next_id: u64,
    pub(crate) faults: Vec<FaultRule>,
    pub(crate) log: Vec<RequestRecord>,
    pub(crate) rate_remaining: u64,
    pub(crate) artifacts: super::actions::Artifacts,
    pub(crate) releases: super::releases::Releases,
    pub(crate) git: super::git::GitDatabase,
}

/// One request, parsed.
pub(crate) struct Incoming {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) query: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: String,
    /// `http://host[/api/v3]`: where links in responses point.
    pub(crate) root: String,
    pub(crate) enterprise_prefix: bool,
}

impl Incoming {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The decoded value of a query parameter.
    pub(crate) fn param(&self, name: &str) -> Option<String> {
        self.query.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (query_decode(k) == name).then(|| query_decode(v))
        })
    }
}

/// The answer to one request.
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
    pub(crate) delay: Option<Duration>,
}

impl Reply {
    pub(crate) fn json(status: u16, body: &Value) -> Self {
        Self {
            status,
            headers: vec![(
                "Content-Type".to_owned(),
                "application/json; charset=utf-8".to_owned(),
            )],
            body: body.to_string().into_bytes(),
            delay: None,
        }
    }

    pub(crate) fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }
}

/// The answer GitHub gives with `status` when it refuses a request: its
/// own message for each status (`Bad credentials`, `Resource not accessible
/// by integration`, `Validation Failed` with an `errors` entry, …), else
/// `Server Error`.
pub(crate) fn status_error(status: u16) -> Reply {
    const DOC: &str = "https://docs.github.com/rest";
    match status {
        401 => error(401, "Bad credentials", DOC),
        403 => error(403, "Resource not accessible by integration", DOC),
        404 => error(404, "Not Found", DOC),
        422 => Reply::json(
            422,
            &json!({
                "message": "Validation Failed",
                "errors": [{"resource": "Request", "code": "custom", "message": "injected validation failure"}],
                "documentation_url": DOC,
                "status": "422",
            }),
        ),
        _ => error(status, "Server Error", DOC),
    }
}

/// GitHub's error body: `{"message", "documentation_url", "status"}`.
pub(crate) fn error(status: u16, message: &str, doc: &str) -> Reply {
    Reply::json(
        status,
        &json!({"message": message, "documentation_url": doc, "status": status.to_string()}),
    )
}

pub(crate) fn not_found(doc: &str) -> Reply {
    error(404, "Not Found", doc)
}

/// `422 Validation Failed` with GitHub's `errors` array.
pub(crate) fn validation_failed(doc: &str, errors: &[Value]) -> Reply {
    Reply::json(
        422,
        &json!({
            "message": "Validation Failed",
            "errors": errors,
            "documentation_url": doc,
            "status": "422",
        }),
    )
}

/// One entry of a validation error's `errors` array.
pub(crate) fn field_error(resource: &str, field: &str, code: &str, message: &str) -> Value {
    let mut e = json!({"resource": resource, "field": field, "code": code});
    if !message.is_empty() {
        e["message"] = Value::String(message.to_owned());
    }
    e
}

pub(crate) fn now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `*` matches any run of characters (including `/`); everything else literally.
/// Whether `path` matches `pattern` segment by segment, a `*` segment
/// standing for exactly one segment: `/repos/*/*/check-runs/*` matches a
/// check run, not its annotations.
pub(crate) fn segment_match(pattern: &str, path: &str) -> bool {
    let (p, t): (Vec<&str>, Vec<&str>) = (pattern.split('/').collect(), path.split('/').collect());
    p.len() == t.len() && p.iter().zip(&t).all(|(p, t)| *p == "*" || p == t)
}

pub(crate) fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && p[pi] != '*' && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// Decodes `%XX` escapes in a path segment (`+` stays `+`).
pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%' && i + 2 < bytes.len())
            .then(|| std::str::from_utf8(&bytes[i + 1..i + 3]).ok())
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        if let Some(b) = escaped {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Decodes a query-string key or value (`+` is a space).
pub(crate) fn query_decode(s: &str) -> String {
    percent_decode(&s.replace('+', " "))
}

fn redact_headers(headers: &[(String, String)]) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            if name == "authorization" {
                let scheme = value.split_whitespace().next().unwrap_or("");
                (name.clone(), format!("{scheme} <redacted>"))
            } else {
                (name.clone(), value.clone())
            }
        })
        .collect()
}

const RATE_LIMIT: u64 = 5000;
const RATE_DOC: &str =
    "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api";

impl State {
    pub(crate) fn new() -> Self {
        let mut tokens = HashMap::new();
        for (token, read_only) in [(WRITE_TOKEN, false), (READ_ONLY_TOKEN, true)] {
            tokens.insert(
                token.to_owned(),
                TokenInfo {
                    read_only,
                    app_slug: ACTIONS_APP_SLUG.to_owned(),
                    app_id: ACTIONS_APP_ID,
                },
            );
        }
        Self {
            tokens,
            all_read_only: false,
            repos: BTreeMap::new(),
            users: HashMap::new(),
            next_id: 1000,
            faults: Vec::new(),
            log: Vec::new(),
            rate_remaining: RATE_LIMIT,
            artifacts: super::actions::Artifacts::default(),
            releases: super::releases::Releases::default(),
            git: super::git::GitDatabase::default(),
        }
    }

    pub(crate) fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// A stable id per login, as GitHub has.
    pub(crate) fn user_id(&mut self, login: &str) -> u64 {
        let next = 1 + self.users.len() as u64;
        *self.users.entry(login.to_ascii_lowercase()).or_insert(next)
    }

    pub(crate) fn repo_mut(&mut self, full_name: &str) -> &mut Repo {
        self.repos
            .entry(full_name.to_ascii_lowercase())
            .or_insert_with(|| Repo {
                full_name: full_name.to_owned(),
                ..Repo::default()
            })
    }

    pub(crate) fn repo(&self, full_name: &str) -> Option<&Repo> {
        self.repos.get(&full_name.to_ascii_lowercase())
    }

    pub(crate) fn add_pull_request(&mut self, repo: &str, pr: PullRequestSeed) {
        self.user_id(&pr.author);
        let r = self.repo_mut(repo);
        r.reviews.entry(pr.number).or_default();
        r.files.entry(pr.number).or_default();
        r.comments.entry(pr.number).or_default();
        r.pulls.insert(pr.number, pr);
    }

    pub(crate) fn add_review(&mut self, repo: &str, pr: u64, seed: ReviewSeed) {
        let id = self.next_id();
        let user_id = seed.login.as_deref().map(|l| self.user_id(l));
        let submitted_at = seed.submitted_at.clone().unwrap_or_else(now);
        self.repo_mut(repo)
            .reviews
            .entry(pr)
            .or_default()
            .push(Review {
                id,
                seed,
                user_id,
                submitted_at,
            });
    }

    pub(crate) fn add_pr_file(&mut self, repo: &str, pr: u64, file: FileSeed) {
        self.repo_mut(repo).files.entry(pr).or_default().push(file);
    }

    pub(crate) fn add_comment(&mut self, repo: &str, number: u64, seed: CommentSeed) {
        let id = self.next_id();
        let user_id = self.user_id(&seed.login);
        self.repo_mut(repo)
            .comments
            .entry(number)
            .or_default()
            .push(Comment {
                id,
                seed,
                user_id,
                created_at: now(),
            });
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn add_status(
        &mut self,
        repo: &str,
        sha: &str,
        state: &str,
        context: &str,
        description: Option<&str>,
        target_url: Option<&str>,
        creator: &str,
    ) -> StatusRecord {
        let id = self.next_id();
        let record = StatusRecord {
            id,
            sha: sha.to_owned(),
            state: state.to_owned(),
            context: context.to_owned(),
            description: description.map(str::to_owned),
            target_url: target_url.map(str::to_owned),
            created_at: now(),
            creator: creator.to_owned(),
        };
        self.repo_mut(repo).statuses.push(record.clone());
        record
    }

    pub(crate) fn add_workflow_run(&mut self, repo: &str, seed: WorkflowRunSeed) -> u64 {
        let id = self.next_id();
        let check_suite_id = self.next_id();
        self.repo_mut(repo).workflow_runs.push(WorkflowRunRecord {
            id,
            check_suite_id,
            seed,
            created_at: now(),
        });
        id
    }

    pub(crate) fn add_check_run(&mut self, repo: &str, seed: CheckRunSeed) -> u64 {
        let id = self.next_id();
        let completed = seed.status == "completed";
        let r = self.repo_mut(repo);
        let check_suite_id = match seed.workflow_run {
            Some(run_id) => {
                r.jobs.push(Job {
                    run_id,
                    check_run_id: id,
                });
                r.workflow_runs
                    .iter()
                    .find(|w| w.id == run_id)
                    .map_or(0, |w| w.check_suite_id)
            }
            None => r.api_suite(seed.app_id, &seed.head_sha),
        };
        r.check_runs.push(CheckRun {
            id,
            name: seed.name,
            head_sha: seed.head_sha,
            external_id: seed.external_id,
            details_url: None,
            status: seed.status,
            conclusion: seed.conclusion,
            started_at: now(),
            completed_at: completed.then(now),
            title: None,
            summary: None,
            text: None,
            annotations: Vec::new(),
            app_slug: seed.app_slug,
            app_id: seed.app_id,
            check_suite_id,
            updates: 0,
        });
        id
    }

    /// Takes the first HTTP-level fault rule that matches and still has uses left.
    fn take_fault(&mut self, method: &str, path: &str) -> Option<Fault> {
        self.take_matching(method, path, false)
    }

    /// Takes the first connection-level fault rule ([`Fault::is_connection_level`])
    /// that matches and still has uses left: the TCP front applies it.
    pub(crate) fn take_connection_fault(&mut self, method: &str, path: &str) -> Option<Fault> {
        self.take_matching(method, path, true)
    }

    /// Logs a request the TCP front answered itself (a reset before the
    /// request reached the state).
    pub(crate) fn log_connection_fault(&mut self, method: &str, target: &str, fault: Fault) {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let (enterprise_prefix, path) = match path.strip_prefix("/api/v3") {
            Some(rest) if rest.is_empty() || rest.starts_with('/') => (true, rest),
            _ => (false, path),
        };
        self.log.push(RequestRecord {
            method: method.to_owned(),
            path: path.to_owned(),
            enterprise_prefix,
            query: query.to_owned(),
            headers: Vec::new(),
            body: String::new(),
            status: 0,
            fault: Some(fault),
        });
    }

    /// Records on the newest matching request that the front spoilt its answer.
    pub(crate) fn mark_fault(&mut self, method: &str, path: &str, fault: Fault) {
        if let Some(record) = self
            .log
            .iter_mut()
            .rev()
            .find(|r| r.method == method && r.path == path && r.fault.is_none())
        {
            record.fault = Some(fault);
        }
    }

    fn take_matching(&mut self, method: &str, path: &str, connection: bool) -> Option<Fault> {
        let rule = self.faults.iter_mut().find(|r| {
            r.remaining > 0
                && r.fault.is_connection_level() == connection
                && (r.method == "*" || r.method == method)
                && if r.segments {
                    segment_match(&r.pattern, path)
                } else {
                    glob_match(&r.pattern, path)
                }
        })?;
        rule.remaining -= 1;
        Some(rule.fault.clone())
    }

    /// Answers one request: log it, inject a fault if one matches,
    /// authenticate, route, and add the headers GitHub always sends.
    pub(crate) fn handle(&mut self, req: &Incoming) -> Reply {
        let fault = self.take_fault(&req.method, &req.path);
        let reply = match &fault {
            Some(Fault::Status(status)) => status_error(*status),
            Some(Fault::TooManyRequests { retry_after }) => error(
                429,
                "API rate limit exceeded. Please retry your request again later.",
                RATE_DOC,
            )
            .header("Retry-After", retry_after.to_string()),
            Some(Fault::SecondaryRateLimit { retry_after }) => {
                let reply = error(
                    403,
                    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.",
                    "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
                );
                match retry_after {
                    Some(s) => reply.header("Retry-After", s.to_string()),
                    None => reply,
                }
            }
            Some(Fault::RateLimitExhausted { reset_in }) => {
                let reset = chrono::Utc::now()
                    .timestamp()
                    .saturating_add_unsigned(*reset_in);
                let mut reply = error(
                    403,
                    "API rate limit exceeded for installation ID 1.",
                    RATE_DOC,
                );
                reply.headers.extend([
                    ("x-ratelimit-limit".to_owned(), RATE_LIMIT.to_string()),
                    ("x-ratelimit-remaining".to_owned(), "0".to_owned()),
                    ("x-ratelimit-reset".to_owned(), reset.to_string()),
                    ("x-ratelimit-used".to_owned(), RATE_LIMIT.to_string()),
                    ("x-ratelimit-resource".to_owned(), "core".to_owned()),
                ]);
                reply
            }
            Some(Fault::StatusAfterWrite(status)) => {
                // The write happens; only the answer is lost.
                let _ = self.authenticated(req);
                status_error(*status)
            }
            Some(Fault::EchoAuthorization(status)) => {
                let auth = req.header("authorization").unwrap_or_default();
                Reply::json(
                    *status,
                    &json!({
                        "message": format!("Bad credentials in header Authorization: {auth}"),
                        "errors": [{"field": "authorization", "code": "invalid", "message": auth}],
                        "documentation_url": "https://docs.github.com/rest",
                    }),
                )
            }
            Some(Fault::Delay(d)) => {
                let mut reply = self.authenticated(req);
                reply.delay = Some(*d);
                reply
            }
            // Applied by the TCP front (`server.rs`); never taken here.
            Some(_) | None => self.authenticated(req),
        };
        let reply = self.standard_headers(reply);
        self.log.push(RequestRecord {
            method: req.method.clone(),
            path: req.path.clone(),
            enterprise_prefix: req.enterprise_prefix,
            query: req.query.clone(),
            headers: redact_headers(&req.headers),
            body: req.body.clone(),
            status: reply.status,
            fault,
        });
        reply
    }

    fn standard_headers(&mut self, mut reply: Reply) -> Reply {
        if reply
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("x-ratelimit-remaining"))
        {
            return reply;
        }
        self.rate_remaining = self.rate_remaining.saturating_sub(1);
        let reset = chrono::Utc::now().timestamp() + 3600;
        reply.headers.extend([
            ("x-ratelimit-limit".to_owned(), RATE_LIMIT.to_string()),
            (
                "x-ratelimit-remaining".to_owned(),
                self.rate_remaining.to_string(),
            ),
            ("x-ratelimit-reset".to_owned(), reset.to_string()),
            (
                "x-ratelimit-used".to_owned(),
                (RATE_LIMIT - self.rate_remaining).to_string(),
            ),
            ("x-ratelimit-resource".to_owned(), "core".to_owned()),
            (
                "x-github-media-type".to_owned(),
                "github.v3; format=json".to_owned(),
            ),
            (
                "x-github-api-version-selected".to_owned(),
                "2022-11-28".to_owned(),
            ),
        ]);
        reply
    }

    /// Checks the `Authorization` header (`Bearer T` or `token T`) and the
    /// token's write permission, then routes.
    fn authenticated(&mut self, req: &Incoming) -> Reply {
        if let Some(reply) = self.storage(req) {
            return reply;
        }
        if let Some(reply) = self.route_releases(req) {
            return reply;
        }
        let Some(auth) = req.header("authorization") else {
            return error(
                401,
                "Requires authentication",
                "https://docs.github.com/rest",
            );
        };
        let token = auth
            .strip_prefix("Bearer ")
            .or_else(|| auth.strip_prefix("bearer "))
            .or_else(|| auth.strip_prefix("token "))
            .map(str::trim);
        let Some(info) = token.and_then(|t| self.tokens.get(t)) else {
            return error(401, "Bad credentials", "https://docs.github.com/rest");
        };
        let read_only = info.read_only || self.all_read_only;
        let app = (info.app_slug.clone(), info.app_id);
        let write = !matches!(req.method.as_str(), "GET" | "HEAD");
        if write && read_only {
            return error(
                403,
                "Resource not accessible by integration",
                "https://docs.github.com/rest/checks/runs#create-a-check-run",
            );
        }
        self.route(req, &app)
    }

    /// Slices `items` into the page the query asks for and builds the `Link` header.
    pub(crate) fn paginate(req: &Incoming, items: Vec<Value>) -> (Vec<Value>, Option<String>) {
        let per_page = req
            .param("per_page")
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|&n| n > 0)
            .map_or(30, |n| n.min(100));
        let page = req
            .param("page")
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|&n| n > 0)
            .unwrap_or(1);
        let last = items.len().div_ceil(per_page).max(1);
        let slice: Vec<Value> = items
            .into_iter()
            .skip((page - 1) * per_page)
            .take(per_page)
            .collect();
        let link_to = |n: usize| {
            let mut params: Vec<String> = req
                .query
                .split('&')
                .filter(|p| !p.is_empty() && !p.starts_with("page="))
                .map(str::to_owned)
                .collect();
            params.push(format!("page={n}"));
            format!("<{}{}?{}>", req.root, req.path, params.join("&"))
        };
        let mut rels = Vec::new();
        if page > 1 {
            rels.push(format!("{}; rel=\"prev\"", link_to((page - 1).min(last))));
        }
        if page < last {
            rels.push(format!("{}; rel=\"next\"", link_to(page + 1)));
            rels.push(format!("{}; rel=\"last\"", link_to(last)));
        }
        if page > 1 {
            rels.push(format!("{}; rel=\"first\"", link_to(1)));
        }
        (slice, (!rels.is_empty()).then(|| rels.join(", ")))
    }
}
