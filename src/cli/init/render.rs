//! The files `tollgate init` writes: the templates beside this file with
//! their placeholders filled from what [`super::inspect`] found.
//!
//! Templates use `{{NAME}}` placeholders, and `{{#rust}}` / `{{^rust}}` ...
//! `{{/rust}}` lines around blocks kept only for (or only without) a Cargo
//! project. A placeholder left unfilled is a bug the unit tests catch.

use std::fmt::Write as _;

use super::inspect::{Findings, KeyFinding, AUDIT, COVERAGE, CRITERION, TESTS};

/// One file to write, repository-relative.
#[derive(Debug, Clone)]
pub(super) struct Planned {
    pub path: String,
    pub content: String,
}

/// Directory of the generated policies (tollgate.toml `policy_dir`).
pub(super) const POLICY_DIR: &str = ".github/tollgate";
/// The shipped `max_regression` (policies/gate2.toml): with the median of
/// 3 rounds, no false alarm in 65 unchanged trials on the project's shared
/// 2-core machine while every 30%-slower head failed
/// (benches/bench-noise.sh; docs/benchmarks.md).
const DEFAULT_MAX_REGRESSION: f64 = 15.0;

/// The action reference the generated workflows use.
const ACTION: &str = "tollgate-rs/tollgate@v1 # zizmor: ignore[unpinned-uses] pin the commit SHA v1 points at (docs/adopting.md)";
/// The program plan's coverage targets: Gate 2 and Gate 3.
const GATE2_COVERAGE: f64 = 80.0;
const GATE3_COVERAGE: f64 = 95.0;

/// Every file `init` writes for `found`, in the order they are listed.
pub(super) fn plan(found: &Findings) -> Vec<Planned> {
    let r = Renderer::new(found);
    let mut out = vec![
        r.file("tollgate.toml", include_str!("tollgate.toml")),
        r.file(
            &format!("{POLICY_DIR}/gate2.toml"),
            include_str!("gate2.toml"),
        ),
        r.file(
            &format!("{POLICY_DIR}/gate3.toml"),
            include_str!("gate3.toml"),
        ),
        r.file(
            &format!("{POLICY_DIR}/allowed_signers"),
            include_str!("allowed_signers"),
        ),
        r.file(
            ".github/workflows/tollgate-evidence.yml",
            include_str!("tollgate-evidence.yml"),
        ),
        r.file(
            ".github/workflows/tollgate-judge.yml",
            include_str!("tollgate-judge.yml"),
        ),
        r.file(
            ".github/workflows/tollgate-review.yml",
            include_str!("tollgate-review.yml"),
        ),
        r.file(".github/workflows/release.yml", include_str!("release.yml")),
    ];
    if found.cargo.is_some() {
        out.push(r.file(".config/nextest.toml", include_str!("nextest.toml")));
    }
    out
}

/// The pre-push hook script.
pub(super) fn hook() -> String {
    include_str!("pre-push").replace("{{VERSION}}", env!("CARGO_PKG_VERSION"))
}

struct Renderer<'a> {
    found: &'a Findings,
    vars: Vec<(&'static str, String)>,
}

impl<'a> Renderer<'a> {
    fn new(found: &'a Findings) -> Self {
        let mut r = Self {
            found,
            vars: Vec::new(),
        };
        let vars = vec![
            ("VERSION", env!("CARGO_PKG_VERSION").to_owned()),
            ("COVERAGE", COVERAGE.to_owned()),
            ("TESTS", TESTS.to_owned()),
            ("AUDIT", AUDIT.to_owned()),
            ("PROJECT", r.project()),
            ("FOUND", r.found_comment()),
            ("AUDIT_LINE", r.audit_line()),
            ("BENCH_LINE", r.bench_line()),
            ("PRINCIPAL", r.principal().to_owned()),
            ("CHECKS", r.checks()),
            ("RELEASE", r.release()),
            ("SIGNOFFS", r.signoffs()),
            ("SIGNERS", r.signers()),
            ("PATH", format!("{POLICY_DIR}/allowed_signers")),
            ("DEFAULT_BRANCH", r.default_branch()),
            ("JUDGE_WORKFLOWS", r.judge_workflows()),
            ("ACTION", ACTION.to_owned()),
            ("EVIDENCE_STEPS", r.evidence_steps()),
            ("EVIDENCE_PATHS", r.evidence_paths()),
            ("FETCH_DEPTH", r.fetch_depth()),
        ];
        r.vars = vars;
        r
    }

    fn file(&self, path: &str, template: &str) -> Planned {
        let gate3 = path.ends_with("gate3.toml");
        let mut text = conditionals(template, self.found.cargo.is_some());
        text = text
            .replace(
                "{{COVERAGE_LINES}}",
                &coverage_line("lines", self.found.coverage, gate3),
            )
            .replace(
                "{{COVERAGE_PATCH}}",
                &coverage_line("patch", self.found.coverage, gate3),
            )
            .replace("{{BENCHMARKS}}", &self.benchmarks(gate3));
        for (name, value) in &self.vars {
            text = text.replace(&format!("{{{{{name}}}}}"), value);
        }
        Planned {
            path: path.to_owned(),
            content: text,
        }
    }

    fn rust(&self) -> bool {
        self.found.cargo.is_some()
    }

    fn has_benches(&self) -> bool {
        !self.found.bench_ids.is_empty()
            || self
                .found
                .cargo
                .as_ref()
                .is_some_and(|c| !c.benches.is_empty())
    }

    fn project(&self) -> String {
        match &self.found.cargo {
            Some(c) if c.packages.len() == 1 => {
                format!("{} {}", c.packages[0].0, c.packages[0].1)
            }
            Some(c) if !c.packages.is_empty() => {
                format!("a Cargo workspace of {} packages", c.packages.len())
            }
            Some(_) => "a Cargo workspace".to_owned(),
            None => "a repository without Cargo.toml".to_owned(),
        }
    }

    /// What `init` found, as comment lines (after the first `# `).
    fn found_comment(&self) -> String {
        let f = self.found;
        let mut lines = vec!["What `tollgate init` found:".to_owned()];
        match &f.cargo {
            Some(c) => {
                let members: Vec<String> =
                    c.packages.iter().map(|(n, v)| format!("{n} {v}")).collect();
                lines.push(format!(
                    "- Cargo packages (from {}): {}",
                    c.source,
                    or_none(&members.join(", "))
                ));
                lines.push(format!(
                    "- criterion benches ([[bench]] harness = false): {}",
                    or_none(&c.benches.join(", "))
                ));
            }
            None => lines.push(
                "- no Cargo.toml: a generic setup (LCOV/Cobertura coverage, JUnit tests); \
                 add the steps that write the evidence to tollgate-evidence.yml"
                    .to_owned(),
            ),
        }
        let ids: Vec<&str> = f.bench_ids.iter().map(|(id, _)| id.as_str()).collect();
        lines.push(format!(
            "- benchmark ids in {CRITERION}: {}",
            or_none(&ids.join(", "))
        ));
        lines.push(format!(
            "- line coverage in {COVERAGE}: {}",
            f.coverage
                .map_or_else(|| "none (no report yet)".to_owned(), |c| format!("{c:.2}%"))
        ));
        let workflows: Vec<String> = f
            .workflows
            .iter()
            .map(|w| {
                format!(
                    "{} ({}{})",
                    w.file,
                    if w.jobs.is_empty() {
                        "no plain jobs".to_owned()
                    } else {
                        format!("jobs: {}", w.jobs.join(", "))
                    },
                    if w.on_pull_request {
                        ""
                    } else {
                        "; not on pull requests"
                    }
                )
            })
            .collect();
        lines.push(format!("- workflows: {}", or_none(&workflows.join("; "))));
        lines.push(format!(
            "- changelog: {}",
            f.changelog.as_deref().unwrap_or("none")
        ));
        lines.push(format!(
            "- signer: {} with {}",
            f.email.as_deref().unwrap_or("no git user.email"),
            match &f.key {
                KeyFinding::Found { from, .. } => from.clone(),
                KeyFinding::None => "no SSH key".to_owned(),
                KeyFinding::Refused(_) => "no usable SSH key (RSA or unsupported)".to_owned(),
            }
        ));
        lines.join("\n# ")
    }

    fn audit_line(&self) -> String {
        if self.rust() {
            format!("audit = \"{AUDIT}\"          # cargo audit --json > {AUDIT}")
        } else {
            format!("# audit = \"{AUDIT}\"        # cargo audit --json, for a Cargo project")
        }
    }

    fn bench_line(&self) -> String {
        if self.has_benches() {
            format!("bench = [\"{CRITERION}\"]         # criterion's output (cargo bench)")
        } else {
            format!(
                "# bench = [\"{CRITERION}\"]       # criterion's output, once there are benchmarks"
            )
        }
    }

    fn principal(&self) -> &str {
        self.found.email.as_deref().unwrap_or("you@example.org")
    }

    fn checks(&self) -> String {
        let candidates = self.found.required_checks();
        let mut s = String::new();
        if candidates.is_empty() {
            s.push_str(
                "# [checks]: no workflow of this repository runs jobs on pull requests yet\n\
                 # (tollgate's own are left out). Name the CI jobs every pull request needs,\n\
                 # each bound to its workflow so a pull request cannot stand in for it with a\n\
                 # job of its own, and add the workflow's name to tollgate-judge.yml's\n\
                 # `workflows:` so a verdict waiting for it is re-judged when it completes:\n\
                 # [checks]\n\
                 # required = [{ name = \"test\", app = \"github-actions\", workflow = \".github/workflows/ci.yml\" }]\n\
                 # allow_neutral = false            # a neutral conclusion counts as green\n\
                 # allow_skipped = false            # a skipped conclusion counts as green",
            );
            return s;
        }
        s.push_str(
            "[checks]\n\
             # Read from GitHub: CI-only. The jobs of this repository's pull-request\n\
             # workflows, as `tollgate init` found them (check-run names are the jobs'\n\
             # `name:`, else their id), each bound to its workflow so a pull request\n\
             # cannot stand in for it with a job of its own. Keep the ones every pull\n\
             # request needs (an aggregate job such as `ci-ok` is the sturdiest).\n\
             required = [\n",
        );
        for (wf, job) in candidates {
            let _ = writeln!(
                s,
                "  {{ name = {}, app = \"github-actions\", workflow = {} }},",
                toml_str(job),
                toml_str(&format!(".github/workflows/{}", wf.file))
            );
        }
        s.push_str(
            "]\n\
             allow_neutral = false              # a neutral conclusion counts as green\n\
             allow_skipped = false              # a skipped conclusion counts as green",
        );
        s
    }

    fn benchmarks(&self, gate3: bool) -> String {
        // Pull requests get the merge base benchmarked in the same job
        // (the evidence workflow's benchmark step); a release tag has no
        // base there, so Gate 3 keeps the rule commented.
        let judged = !gate3 && self.has_benches();
        let mut s = if judged {
            format!(
                "# bench.regression[ID]: the evidence workflow benchmarks the merge base and\n\
                 # the head in one job, in 3 rounds; a regression fails only when criterion's\n\
                 # confidence interval lies wholly beyond the limit in the median round\n\
                 # (tollgate's docs/benchmarks.md has\n\
                 # the false-alarm rate measured for the default). SLOs are yours to choose.\n\
                 [benchmarks]\n\
                 max_regression = {DEFAULT_MAX_REGRESSION:.1}             # percent slower than the merge base that fails\n"
            )
        } else {
            String::from(
                "# [benchmarks] is commented out: SLOs are yours to choose, and\n\
                 # bench.regression needs a base benchmarked in the same job (the\n\
                 # evidence workflow does it for pull requests when there are benchmarks).\n",
            )
        };
        if self.found.bench_ids.is_empty() {
            let _ = writeln!(
                s,
                "# No criterion output was found in {CRITERION} when init ran.{}",
                if self.has_benches() {
                    " Run `cargo bench` and `tollgate inspect target/criterion` for the ids."
                } else {
                    ""
                }
            );
        } else {
            s.push_str("# Benchmark ids found, with today's figures as a starting point:\n");
        }
        if !judged {
            let _ = write!(
                s,
                "# [benchmarks]\n\
                 # max_regression = {DEFAULT_MAX_REGRESSION:.1}             # percent slower than the baseline that fails\n"
            );
        }
        if self.found.bench_ids.is_empty() {
            s.push_str(
                "#\n\
                 # [[benchmarks.slo]]               # an upper bound per benchmark id glob (`*` crosses `/`)\n\
                 # bench = \"parse/*\"\n\
                 # max = \"1ms\"                      # 50ns, 200us, 1ms, 1.5s",
            );
        } else {
            for (id, ns) in &self.found.bench_ids {
                let (today, max) = ns.map_or_else(
                    || ("unknown".to_owned(), "1ms".to_owned()),
                    |ns| (duration(ns), duration_ceiling(ns * 2.0)),
                );
                let _ = write!(
                    s,
                    "#\n\
                     # [[benchmarks.slo]]\n\
                     # bench = {}\n\
                     # max = \"{max}\"                    # today {today}\n",
                    toml_str(id)
                );
            }
            s.truncate(s.trim_end().len());
        }
        s
    }

    fn release(&self) -> String {
        if self.found.changelog.is_none() && !self.rust() {
            return format!(
                "# [release]\n{}\n{}",
                self.changelog(),
                self.version_matches_tag()
            );
        }
        format!(
            "[release]\n{}\n{}",
            self.changelog(),
            self.version_matches_tag()
        )
    }

    fn changelog(&self) -> String {
        match &self.found.changelog {
            Some(path) => format!(
                "changelog = {}     # needs a non-empty section for the tag's version (## [1.2.3])",
                toml_str(path)
            ),
            None => "# changelog = \"CHANGELOG.md\"   # no changelog found: create one with a section per release (## [1.2.3]), then uncomment".to_owned(),
        }
    }

    fn version_matches_tag(&self) -> String {
        if self.rust() {
            "version_matches_tag = true        # every publishable package's version equals the tag's".to_owned()
        } else {
            "# version_matches_tag = true      # Cargo packages only".to_owned()
        }
    }

    fn signoffs(&self) -> String {
        const PLAN: [(&str, &str); 5] = [
            ("security-audit", "Security audit complete"),
            ("documentation-review", "Documentation reviewed"),
            ("runbook", "Deployment runbook tested"),
            ("rollback", "Rollback procedure tested"),
            ("communication-plan", "Communication plan executed"),
        ];
        let active = self.found.email.is_some();
        let prefix = if active { "" } else { "# " };
        let mut s = String::new();
        if !active {
            s.push_str("# No git user.email when init ran: set it, put it below and uncomment.\n");
        }
        for (i, (id, title)) in PLAN.iter().enumerate() {
            if i > 0 {
                s.push_str(if active { "\n" } else { "#\n" });
            }
            let _ = write!(
                s,
                "{prefix}[[signoffs]]\n\
                 {prefix}id = \"{id}\"\n\
                 {prefix}title = \"{title}\"\n\
                 {prefix}principals = [{}]  # OpenSSH patterns; each needs a key in allowed_signers\n\
                 {prefix}count = 1\n",
                toml_str(self.principal())
            );
        }
        s.truncate(s.trim_end().len());
        s
    }

    fn signers(&self) -> String {
        match (&self.found.key, &self.found.email) {
            (KeyFinding::Found { from, line }, Some(email)) => {
                format!("# From {from}:\n{email} namespaces=\"tollgate\" {line}")
            }
            (key, email) => {
                let why = match (key, email) {
                    (KeyFinding::Found { .. }, None) => {
                        "no git user.email was set when init ran".to_owned()
                    }
                    (KeyFinding::Refused(reasons), _) => {
                        format!("no usable key: {}", reasons.join("; "))
                    }
                    _ => "no SSH key was found (ssh-keygen -t ed25519 makes one)".to_owned(),
                };
                format!(
                    "#\n# Empty on purpose: nobody may sign until a line below names them\n# ({why}).\n# {} namespaces=\"tollgate\" ssh-ed25519 AAAAC3Nza... you",
                    self.principal()
                )
            }
        }
    }

    fn default_branch(&self) -> String {
        let root = &self.found.root;
        crate::git::git(
            root,
            &["symbolic-ref", "--short", "refs/remotes/origin/HEAD"],
        )
        .and_then(|r| r.strip_prefix("origin/").map(str::to_owned))
        .or_else(|| {
            ["main", "master"]
                .into_iter()
                .find(|b| {
                    crate::git::git(
                        root,
                        &[
                            "rev-parse",
                            "--verify",
                            "--quiet",
                            &format!("refs/heads/{b}"),
                        ],
                    )
                    .is_some()
                })
                .map(str::to_owned)
        })
        .or_else(|| crate::git::git(root, &["config", "init.defaultBranch"]))
        .filter(|b| !b.is_empty())
        .unwrap_or_else(|| "main".to_owned())
    }

    fn judge_workflows(&self) -> String {
        let mut names = vec!["tollgate-evidence".to_owned(), "tollgate-review".to_owned()];
        for (wf, _) in self.found.required_checks() {
            if !names.contains(&wf.name) {
                names.push(wf.name.clone());
            }
        }
        names
            .iter()
            .map(|n| yaml_str(n))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn evidence_steps(&self) -> String {
        if !self.rust() {
            return "      # No Cargo.toml when `tollgate init` ran: produce the evidence here, at\n      \
                    # the paths tollgate.toml [evidence] names (LCOV or Cobertura coverage,\n      \
                    # JUnit XML tests; e.g. pytest --junitxml and coverage lcov).\n      \
                    - name: Evidence\n        \
                    run: echo \"::warning title=tollgate-evidence::add the steps that write the evidence files\""
                .to_owned();
        }
        let locked = if self.found.root.join("Cargo.lock").is_file() {
            " --locked"
        } else {
            ""
        };
        let mut s = format!(
            "      - name: Tests with coverage\n        \
             run: cargo llvm-cov nextest{locked} --profile ci --ignore-run-fail --lcov --output-path {COVERAGE} || true\n      \
             - name: Security audit\n        \
             run: cargo audit --json > {AUDIT} || true"
        );
        if self.has_benches() {
            let benches = self
                .found
                .cargo
                .as_ref()
                .map(|c| {
                    c.benches.iter().fold(String::new(), |mut s, b| {
                        let _ = write!(s, " --bench {b}");
                        s
                    })
                })
                .unwrap_or_default();
            let _ = write!(s, "\n{}", bench_step(&format!("{locked}{benches}")));
        }
        s
    }

    /// The whole history where the benchmarks run the merge base too.
    fn fetch_depth(&self) -> String {
        if self.has_benches() {
            "\n          fetch-depth: 0 # the merge base, benchmarked before the head".to_owned()
        } else {
            String::new()
        }
    }

    fn evidence_paths(&self) -> String {
        let mut paths = vec![COVERAGE, TESTS];
        if self.rust() {
            paths.push(AUDIT);
        }
        if self.has_benches() {
            paths.push(CRITERION);
            paths.push(crate::policy::default_paths::BENCH_ROUNDS);
            paths.push(crate::policy::default_paths::BENCH_COMMITS);
        }
        paths.join(" ")
    }
}

/// The benchmark step: tollgate's own `benches/bench-base-head.sh`, inlined
/// (a user's repository does not have the file), after its header comment.
fn bench_step(cargo_args: &str) -> String {
    let script = include_str!("../../../benches/bench-base-head.sh");
    let body = script
        .lines()
        .skip_while(|l| l.starts_with('#') || l.is_empty())
        .fold(String::new(), |mut s, l| {
            if l.is_empty() {
                s.push('\n');
            } else {
                let _ = writeln!(s, "          {l}");
            }
            s
        });
    format!(
        "      # The merge base and the head, back to back in this job on this machine\n      \
         # (tollgate's docs/benchmarks.md), in BENCH_ROUNDS rounds (default 3, each\n      \
         # kept in target/criterion-rounds; the median round decides): criterion saves\n      \
         # the base's figures as baseline `base` and compares the head's (a benchmark the base\n      \
         # lacks is `skipped: new benchmark`); {commits} records\n      \
         # which commits were compared, and the judge checks it against the pull\n      \
         # request. On a push the base is the previous tip.\n      \
         - name: Benchmarks (base and head)\n        \
         env:\n          \
         BENCH_BASE: ${{{{ github.event.pull_request.base.sha || github.event.merge_group.base_sha || github.event.before }}}}\n          \
         CARGO_BENCH_ARGS: \"{args}\"\n        \
         run: |\n{body}",
        commits = crate::policy::default_paths::BENCH_COMMITS,
        args = cargo_args.trim(),
        body = body.trim_end(),
    )
}

/// Keeps `{{#rust}}` blocks for a Cargo project and `{{^rust}}` blocks
/// otherwise, dropping the marker lines.
fn conditionals(template: &str, rust: bool) -> String {
    let mut out = String::with_capacity(template.len());
    let mut keep = true;
    for line in template.split_inclusive('\n') {
        match line.trim() {
            "{{#rust}}" | "# {{#rust}}" => keep = rust,
            "{{^rust}}" | "# {{^rust}}" => keep = !rust,
            "{{/rust}}" | "# {{/rust}}" => keep = true,
            _ if keep => out.push_str(line),
            _ => {}
        }
    }
    out
}

/// A coverage threshold line: the program plan's figure, or today's figure
/// rounded down when the project is below it (so it passes today).
fn coverage_line(key: &str, today: Option<f64>, gate3: bool) -> String {
    let plan = if gate3 {
        GATE3_COVERAGE
    } else {
        GATE2_COVERAGE
    };
    match today {
        Some(today) if today < plan => format!(
            "{key} = {:.1}                     # today {today:.2}% ({COVERAGE} when init ran); the plan asks {plan:.0}: raise it as coverage grows",
            today.floor()
        ),
        Some(today) => format!(
            "{key} = {plan:.1}                     # the plan's {plan:.0}%; today {today:.2}%"
        ),
        None => format!(
            "{key} = {plan:.1}                     # the plan's {plan:.0}% (no {COVERAGE} when init ran to measure against)"
        ),
    }
}

fn or_none(s: &str) -> &str {
    if s.is_empty() {
        "none"
    } else {
        s
    }
}

/// A TOML basic string.
fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

/// A YAML flow scalar: plain when it is simple, else double-quoted (JSON).
fn yaml_str(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ' ' | '.' | '/'))
        && !s.starts_with(' ')
        && !s.ends_with(' ');
    if plain {
        s.to_owned()
    } else {
        serde_json::Value::String(s.to_owned()).to_string()
    }
}

/// A duration for a comment, in the largest unit that keeps it >= 1.
fn duration(ns: f64) -> String {
    let (value, unit) = unit_of(ns);
    format!("{value:.1}{unit}")
}

/// A round upper bound at or above `ns`, as an SLO `max` (`3us`).
fn duration_ceiling(ns: f64) -> String {
    let (value, unit) = unit_of(ns);
    format!("{}{unit}", value.ceil().max(1.0))
}

fn unit_of(ns: f64) -> (f64, &'static str) {
    if ns >= 1e9 {
        (ns / 1e9, "s")
    } else if ns >= 1e6 {
        (ns / 1e6, "ms")
    } else if ns >= 1e3 {
        (ns / 1e3, "us")
    } else {
        (ns, "ns")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditionals_keep_the_matching_blocks() {
        let t = "a\n{{#rust}}\nr\n{{/rust}}\n{{^rust}}\ng\n{{/rust}}\nb\n";
        assert_eq!(conditionals(t, true), "a\nr\nb\n");
        assert_eq!(conditionals(t, false), "a\ng\nb\n");
    }

    #[test]
    fn thresholds_are_met_today_or_the_plans() {
        assert!(coverage_line("lines", Some(66.67), false).starts_with("lines = 66.0 "));
        assert!(coverage_line("lines", Some(91.0), false).starts_with("lines = 80.0 "));
        assert!(coverage_line("lines", Some(91.0), true).starts_with("lines = 91.0 "));
        assert!(coverage_line("patch", None, true).starts_with("patch = 95.0 "));
    }

    #[test]
    fn durations_round_up_to_a_whole_unit() {
        assert_eq!(duration(1234.0), "1.2us");
        assert_eq!(duration_ceiling(2468.0), "3us");
        assert_eq!(duration_ceiling(0.4), "1ns");
        assert_eq!(duration_ceiling(2.5e9), "3s");
    }

    #[test]
    fn every_placeholder_is_filled() {
        for rust in [true, false] {
            let found = Findings {
                cargo: rust.then(Default::default),
                ..Findings::default()
            };
            for file in plan(&found) {
                assert!(
                    !file.content.replace("${{", "").contains("{{"),
                    "{}: unfilled placeholder:\n{}",
                    file.path,
                    file.content
                );
            }
        }
        assert!(!hook().replace("${{", "").contains("{{"));
    }

    #[test]
    fn yaml_names_are_quoted_when_needed() {
        assert_eq!(yaml_str("ci"), "ci");
        assert_eq!(yaml_str("CI: build"), "\"CI: build\"");
    }
}
