//! The shipped workflows and `action.yml` keep the security habits of
//! docs/github.md (permissions, the action, the evidence / review / judge
//! split) and its release gate. Checked structurally, without a shell or
//! GitHub: a workflow that loses `permissions: {}`, a judge that checks out
//! a pull request, or an unpinned action fails here rather than in review.
//! `tests/integration/workflow_scenarios.rs` runs them; `.ci/lint-workflows`
//! runs zizmor and actionlint on them.

// The helpers below are test code too (clippy.toml's test allowances cover
// only `#[test]` functions): a panic in them is a failing test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::path::{Path, PathBuf};

use yaml_rust2::{Yaml, YamlLoader};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn workflows() -> Vec<(String, String, Yaml)> {
    let dir = root().join(".github/workflows");
    let mut out: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
        .map(|p| load(&p))
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(
        out.len() >= 5,
        "expected the shipped workflows in {}",
        dir.display()
    );
    out
}

fn load(path: &Path) -> (String, String, Yaml) {
    let text = fs::read_to_string(path).unwrap();
    let mut docs = YamlLoader::load_from_str(&text)
        .unwrap_or_else(|e| panic!("{}: not YAML: {e}", path.display()));
    assert_eq!(docs.len(), 1, "{}", path.display());
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    (name, text, docs.remove(0))
}

fn workflow(name: &str) -> Yaml {
    workflows()
        .into_iter()
        .find(|(n, _, _)| n == name)
        .unwrap_or_else(|| panic!("no workflow {name}"))
        .2
}

fn jobs(doc: &Yaml) -> Vec<(String, &Yaml)> {
    doc["jobs"]
        .as_hash()
        .expect("jobs")
        .iter()
        .map(|(k, v)| (k.as_str().unwrap().to_owned(), v))
        .collect()
}

fn steps(job: &Yaml) -> &[Yaml] {
    job["steps"].as_vec().map_or(&[], Vec::as_slice)
}

fn is_empty_map(y: &Yaml) -> bool {
    y.as_hash().is_some_and(yaml_rust2::yaml::Hash::is_empty)
}

#[test]
fn every_workflow_starts_with_no_permissions_and_each_job_asks_for_its_own() {
    for (name, _, doc) in workflows() {
        assert!(
            is_empty_map(&doc["permissions"]),
            "{name}: top-level `permissions: {{}}`"
        );
        for (job, body) in jobs(&doc) {
            assert!(
                body["permissions"].as_hash().is_some(),
                "{name}: job {job} declares its permissions"
            );
        }
    }
}

#[test]
fn every_action_is_pinned_by_full_sha_with_a_version_comment() {
    let mut files: Vec<(String, String)> =
        workflows().into_iter().map(|(n, t, _)| (n, t)).collect();
    let action = root().join("action.yml");
    files.push(("action.yml".into(), fs::read_to_string(action).unwrap()));
    for (name, text) in files {
        for line in text.lines() {
            let Some(rest) = line
                .trim_start()
                .trim_start_matches("- ")
                .strip_prefix("uses:")
            else {
                continue;
            };
            let rest = rest.trim();
            if rest.starts_with("./") {
                continue;
            }
            let (target, comment) = rest.split_once(" # ").unwrap_or((rest, ""));
            let (_, sha) = target
                .split_once('@')
                .unwrap_or_else(|| panic!("{name}: `{line}` has no @ref"));
            assert!(
                sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit()),
                "{name}: `{line}` is not pinned by a full commit SHA"
            );
            assert!(
                comment.trim().starts_with('v'),
                "{name}: `{line}` lacks a `# vX.Y.Z` comment"
            );
        }
    }
}

#[test]
fn checkouts_never_persist_credentials() {
    for (name, _, doc) in workflows() {
        for (job, body) in jobs(&doc) {
            for step in steps(body) {
                if step["uses"]
                    .as_str()
                    .is_some_and(|u| u.starts_with("actions/checkout@"))
                {
                    assert_eq!(
                        step["with"]["persist-credentials"].as_bool(),
                        Some(false),
                        "{name}: job {job}: checkout without persist-credentials: false"
                    );
                }
            }
        }
    }
}

/// docs/github.md, the action: expressions reach scripts through `env:`, never pasted into the
/// script text where a crafted value becomes shell code.
#[test]
fn no_expression_is_pasted_into_a_script() {
    let check = |file: &str, step: &Yaml| {
        if let Some(script) = step["run"].as_str() {
            assert!(
                !script.contains("${{"),
                "{file}: `run:` pastes an expression into shell text:\n{script}"
            );
        }
    };
    for (name, _, doc) in workflows() {
        for (_, body) in jobs(&doc) {
            for step in steps(body) {
                check(&name, step);
            }
        }
    }
    let (_, _, action) = load(&root().join("action.yml"));
    let action_steps = action["runs"]["steps"].as_vec().expect("composite steps");
    for step in action_steps {
        check("action.yml", step);
    }
}

#[test]
fn the_action_is_composite_passes_inputs_by_env_and_masks_the_token_first() {
    let (_, _, action) = load(&root().join("action.yml"));
    assert_eq!(action["runs"]["using"].as_str(), Some("composite"));
    let steps = action["runs"]["steps"].as_vec().unwrap();
    assert!(
        steps[0]["run"].as_str().unwrap().contains("mask.sh"),
        "the token is masked before any other step"
    );
    assert_eq!(
        action["inputs"]["token"]["default"].as_str(),
        Some("${{ github.token }}")
    );
    for output in ["conclusion", "report"] {
        assert!(
            !action["outputs"][output]["value"].is_badvalue(),
            "output {output}"
        );
    }
    // Every script the action runs exists.
    for step in steps {
        if let Some(run) = step["run"].as_str() {
            let script = run
                .split_whitespace()
                .find_map(|w| w.trim_matches('"').strip_prefix("$GITHUB_ACTION_PATH/"))
                .unwrap_or_else(|| panic!("action step runs no script: {run}"));
            assert!(root().join(script).is_file(), "{script}");
        }
    }
}

#[test]
fn ci_has_one_aggregate_job_that_needs_every_other_job() {
    let ci = workflow("ci.yml");
    let all = jobs(&ci);
    let aggregate = &ci["jobs"]["ci-ok"];
    assert_eq!(aggregate["if"].as_str(), Some("always()"));
    let needs: Vec<&str> = aggregate["needs"]
        .as_vec()
        .unwrap()
        .iter()
        .filter_map(Yaml::as_str)
        .collect();
    for (job, _) in &all {
        if job != "ci-ok" {
            assert!(needs.contains(&job.as_str()), "ci-ok must need {job}");
        }
    }
}

fn uses_of(job: &Yaml) -> Vec<&str> {
    steps(job)
        .iter()
        .filter_map(|s| s["uses"].as_str())
        .collect()
}

fn strings(y: &Yaml) -> Vec<&str> {
    y.as_vec()
        .map(|v| v.iter().filter_map(Yaml::as_str).collect())
        .or_else(|| y.as_str().map(|s| vec![s]))
        .unwrap_or_default()
}

fn permission_pairs(job: &Yaml) -> Vec<(String, String)> {
    job["permissions"]
        .as_hash()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().unwrap().to_owned(),
                v.as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The evidence workflow runs the pull request's code: it must never hold a
/// write token, and it must build the head commit the judge reads the diff of.
#[test]
fn the_evidence_workflow_is_unprivileged_and_builds_the_head_commit() {
    let wf = workflow("tollgate-evidence.yml");
    assert_eq!(wf["name"].as_str(), Some("tollgate-evidence"));
    for event in ["pull_request", "merge_group", "push"] {
        assert!(!wf["on"][event].is_badvalue(), "on: {event}");
    }
    assert_eq!(strings(&wf["on"]["push"]["branches"]), ["main"]);
    assert!(wf["on"]["pull_request_target"].is_badvalue());
    for (job, body) in jobs(&wf) {
        assert_eq!(
            permission_pairs(body),
            [("contents".to_owned(), "read".to_owned())],
            "tollgate-evidence: job {job}"
        );
        let checkout = steps(body)
            .iter()
            .find(|s| {
                s["uses"]
                    .as_str()
                    .is_some_and(|u| u.starts_with("actions/checkout@"))
            })
            .expect("a checkout");
        assert_eq!(
            checkout["with"]["ref"].as_str(),
            Some("${{ github.event.pull_request.head.sha || github.sha }}"),
            "the head commit, not refs/pull/N/merge"
        );
        let upload = steps(body)
            .iter()
            .find(|s| {
                s["uses"]
                    .as_str()
                    .is_some_and(|u| u.starts_with("actions/upload-artifact@"))
            })
            .expect("an upload");
        assert_eq!(upload["with"]["name"].as_str(), Some("tollgate-evidence"));
        let text =
            fs::read_to_string(root().join(".github/workflows/tollgate-evidence.yml")).unwrap();
        assert!(!text.contains("github.token") && !text.contains("secrets."));
    }
}

#[test]
fn the_review_relay_does_nothing_but_complete() {
    let wf = workflow("tollgate-review.yml");
    assert_eq!(wf["name"].as_str(), Some("tollgate-review"));
    let on = wf["on"].as_hash().unwrap();
    assert_eq!(on.len(), 1, "only pull_request_review");
    assert_eq!(
        strings(&wf["on"]["pull_request_review"]["types"]),
        ["submitted", "edited", "dismissed"]
    );
    for (job, body) in jobs(&wf) {
        assert!(
            is_empty_map(&body["permissions"]),
            "job {job}: no permissions"
        );
        assert!(uses_of(body).is_empty(), "job {job} runs no action");
    }
}

/// The judge runs with a write token: the default branch's code only, the
/// permissions of docs/github.md, one evaluation per head commit at a time.
#[test]
fn the_judge_runs_default_branch_code_with_exactly_its_permissions() {
    let wf = workflow("tollgate-judge.yml");
    assert_eq!(wf["name"].as_str(), Some("tollgate-judge"));
    let on = wf["on"].as_hash().unwrap();
    assert_eq!(on.len(), 1, "only workflow_run");
    let names: Vec<String> = ["tollgate-evidence.yml", "tollgate-review.yml", "ci.yml"]
        .iter()
        .map(|f| workflow(f)["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(strings(&wf["on"]["workflow_run"]["workflows"]), names);
    assert_eq!(strings(&wf["on"]["workflow_run"]["types"]), ["completed"]);
    assert_eq!(
        wf["concurrency"]["group"].as_str(),
        Some("tollgate-judge-${{ github.event.workflow_run.head_sha }}")
    );
    assert_eq!(
        wf["concurrency"]["cancel-in-progress"].as_bool(),
        Some(false)
    );
    for (job, body) in jobs(&wf) {
        let mut perms = permission_pairs(body);
        perms.sort();
        let want: Vec<(String, String)> = [
            ("actions", "read"),
            ("checks", "write"),
            ("contents", "read"),
            ("issues", "read"),
            ("pull-requests", "read"),
            ("statuses", "read"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        assert_eq!(perms, want, "tollgate-judge: job {job}");
        for step in steps(body) {
            assert!(
                step["with"]["ref"].is_badvalue() && step["with"]["repository"].is_badvalue(),
                "tollgate-judge: job {job} checks out something other than the default branch"
            );
        }
        for uses in uses_of(body) {
            assert!(
                uses.starts_with("actions/checkout@") || uses == "./",
                "tollgate-judge: job {job} uses {uses}: the judge downloads the evidence itself"
            );
        }
        let judge = steps(body)
            .iter()
            .find(|s| s["uses"].as_str() == Some("./"))
            .unwrap();
        assert_eq!(
            judge["with"]["evidence-dir"].as_str(),
            Some("${{ runner.temp }}/tollgate-evidence")
        );
    }
}

/// Caches are restored and saved as two steps (a failing run still saves);
/// none in a job that holds a write token or publishes a release, and none
/// in the action (it runs in such jobs).
#[test]
fn caches_are_split_and_kept_out_of_privileged_and_release_jobs() {
    for (name, _, doc) in workflows() {
        for (job, body) in jobs(&doc) {
            let uses = uses_of(body);
            let privileged = body["permissions"]
                .as_hash()
                .is_some_and(|p| p.values().any(|v| v.as_str() == Some("write")));
            for u in &uses {
                assert!(
                    !u.starts_with("actions/cache@"),
                    "{name}: job {job}: use actions/cache/restore + save"
                );
                if u.starts_with("actions/cache/") {
                    assert!(
                        !privileged && name != "release.yml",
                        "{name}: job {job} is privileged or a release job and uses a cache"
                    );
                }
            }
            let restores: Vec<&Yaml> = steps(body)
                .iter()
                .filter(|s| {
                    s["uses"]
                        .as_str()
                        .is_some_and(|u| u.starts_with("actions/cache/restore@"))
                })
                .collect();
            for restore in restores {
                let id = restore["id"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{name}: job {job}: a restore has an id"));
                let key = format!("${{{{ steps.{id}.outputs.cache-primary-key }}}}");
                let save = steps(body)
                    .iter()
                    .find(|s| {
                        s["uses"]
                            .as_str()
                            .is_some_and(|u| u.starts_with("actions/cache/save@"))
                            && s["with"]["key"].as_str() == Some(key.as_str())
                    })
                    .unwrap_or_else(|| panic!("{name}: job {job}: restore `{id}` is never saved"));
                assert_eq!(
                    save["with"]["path"].as_str(),
                    restore["with"]["path"].as_str(),
                    "{name}: job {job}: save and restore `{id}` name the same paths"
                );
            }
        }
    }
    let action = fs::read_to_string(root().join("action.yml")).unwrap();
    assert!(
        !action.contains("actions/cache"),
        "the action caches nothing"
    );
}

#[test]
fn every_workflow_has_a_concurrency_group() {
    for (name, _, doc) in workflows() {
        assert!(
            doc["concurrency"]["group"].as_str().is_some(),
            "{name}: a concurrency group"
        );
    }
}

/// The action installs tollgate outside the caller's workspace, where the
/// caller's toolchain file, flags and target do not apply, and has no
/// `publish` command any more (it posted reports a pull request wrote).
#[test]
fn the_action_installs_outside_the_workspace_and_only_checks() {
    let (_, _, action) = load(&root().join("action.yml"));
    assert!(
        action["inputs"]["command"].is_badvalue(),
        "no command input"
    );
    assert!(!action["inputs"]["evidence-dir"].is_badvalue());
    let install = fs::read_to_string(root().join(".github/action/install.sh")).unwrap();
    for needle in [
        "cd \"$temp/tollgate-build\"",
        "export RUSTUP_TOOLCHAIN=",
        "unset RUSTFLAGS",
        "CARGO_BUILD_TARGET",
        "--root \"$root\"",
        "shasum -a 256",
        "binaries.sha256",
    ] {
        assert!(install.contains(needle), "install.sh: {needle}");
    }
    let entry = fs::read_to_string(root().join(".github/action/entrypoint.sh")).unwrap();
    assert!(!entry.contains("publish"), "entrypoint.sh has no publish");
}

/// A job's runner labels; `${{ matrix.os }}` stands for every `os` of the
/// matrix's `include` list.
fn runner_labels(job: &Yaml) -> Vec<&str> {
    let labels = strings(&job["runs-on"]);
    if labels == ["${{ matrix.os }}"] {
        let include = job["strategy"]["matrix"]["include"].as_vec().unwrap();
        return include.iter().filter_map(|i| i["os"].as_str()).collect();
    }
    labels
}

#[test]
fn actionlint_knows_the_runner_label_the_workflows_use() {
    let config = fs::read_to_string(root().join(".github/actionlint.yaml")).unwrap();
    let doc = YamlLoader::load_from_str(&config).unwrap().remove(0);
    let labels = strings(&doc["self-hosted-runner"]["labels"]);
    for (name, _, wf) in workflows() {
        for (job, body) in jobs(&wf) {
            for label in runner_labels(body) {
                assert!(
                    labels.contains(&label) || label == "ubuntu-latest",
                    "{name}: job {job}: runs-on {label} is not in .github/actionlint.yaml"
                );
            }
        }
    }
}

fn needs(job: &Yaml) -> Vec<&str> {
    strings(&job["needs"])
}

#[test]
fn a_release_publishes_only_after_gate_3() {
    let release = workflow("release.yml");
    assert_eq!(
        strings(&release["on"]["push"]["tags"]),
        ["v*", "!v[0-9]", "!v[0-9][0-9]"],
        "release tags, not the moving major tags"
    );
    assert_eq!(
        release["concurrency"]["group"].as_str(),
        Some("release-${{ github.ref }}"),
        "one group per tag"
    );
    assert_eq!(
        release["concurrency"]["cancel-in-progress"].as_bool(),
        Some(false)
    );
    let job = |name: &str| &release["jobs"][name];
    assert!(needs(job("build")).contains(&"gate3"), "build needs gate3");
    assert!(
        needs(job("release")).contains(&"build"),
        "release needs build"
    );
    let publish = needs(job("publish"));
    assert!(publish.contains(&"gate3") && publish.contains(&"build"));
    // No `if:` anywhere past the gate: one could run a job after a failure.
    for name in ["build", "release", "publish"] {
        assert!(
            job(name)["if"].is_badvalue(),
            "an `if:` on {name} could run it after a failed gate"
        );
    }
    let perms = |name: &str| {
        let mut p = permission_pairs(job(name));
        p.sort();
        p
    };
    let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    assert_eq!(
        perms("gate3"),
        pairs(&[("checks", "write"), ("contents", "read")])
    );
    assert_eq!(perms("build"), pairs(&[("contents", "read")]));
    assert_eq!(
        perms("release"),
        pairs(&[
            ("attestations", "write"),
            ("contents", "write"),
            ("id-token", "write")
        ])
    );
    assert_eq!(
        perms("publish"),
        pairs(&[("contents", "read"), ("id-token", "write")])
    );
    assert_eq!(job("release")["environment"].as_str(), Some("release"));
    assert_eq!(job("publish")["environment"].as_str(), Some("crates-io"));
}

/// gate3 fetches the annotated tag with the job's token through a
/// credential helper: the token is neither on a command line nor written to
/// .git/config, and the checkout keeps no credentials.
#[test]
fn gate_3_fetches_the_tag_object_without_persisting_the_token() {
    let release = workflow("release.yml");
    let gate3 = &release["jobs"]["gate3"];
    let checkout = &steps(gate3)[0];
    assert!(checkout["uses"]
        .as_str()
        .unwrap()
        .starts_with("actions/checkout@"));
    assert_eq!(checkout["with"]["fetch-depth"].as_i64(), Some(0));
    let fetch = steps(gate3)
        .iter()
        .find(|s| s["name"].as_str() == Some("Fetch the annotated tag"))
        .unwrap();
    assert_eq!(fetch["env"]["TOKEN"].as_str(), Some("${{ github.token }}"));
    let script = fetch["run"].as_str().unwrap();
    assert!(script.contains("credential.helper=!f()") && script.contains("${TOKEN}"));
    assert!(!script.contains("config ") && !script.contains("extraheader"));
    assert!(script.contains("\"refs/tags/$TAG:refs/tags/$TAG\""));
    let gate = steps(gate3)
        .iter()
        .find(|s| s["uses"].as_str() == Some("./"))
        .unwrap();
    for input in ["coverage", "audit", "tests", "bench"] {
        assert!(!gate["with"][input].is_badvalue(), "gate3 passes {input}");
    }
}

/// The five release targets, each archived with its checksum; the release
/// job attests and publishes them and pins them in the action.
#[test]
fn the_release_builds_five_targets_and_pins_them_in_the_action() {
    let release = workflow("release.yml");
    let build = &release["jobs"]["build"];
    let targets: Vec<&str> = build["strategy"]["matrix"]["include"]
        .as_vec()
        .unwrap()
        .iter()
        .filter_map(|i| i["target"].as_str())
        .collect();
    assert_eq!(
        targets,
        [
            "x86_64-unknown-linux-musl",
            "aarch64-unknown-linux-musl",
            "aarch64-apple-darwin",
            "x86_64-apple-darwin",
            "x86_64-pc-windows-msvc"
        ]
    );
    let text = fs::read_to_string(root().join(".github/workflows/release.yml")).unwrap();
    for needle in [
        "cargo build --release --locked --target \"$TARGET\"",
        "\"$RUST_TOOLCHAIN\"",
        "$asset.sha256",
        "SHA256SUMS",
        "actions/attest-build-provenance@",
        "gh release create",
        "--prerelease",
        ".github/action/binaries.sha256",
        "push --force origin \"$pinned:refs/tags/$major\"",
    ] {
        assert!(text.contains(needle), "release.yml: {needle}");
    }
    assert!(!text.contains("actions/cache"), "no caches in release.yml");
    let release_job = steps(&release["jobs"]["release"])
        .iter()
        .filter_map(|s| s["uses"].as_str())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(release_job.contains("actions/attest-build-provenance@"));
}

/// The evidence job benchmarks the merge base and the head in one job: the
/// whole history is fetched, the base comes from the event through `env`,
/// and the record of the commits compared is among the staged files.
#[test]
fn the_evidence_workflow_benchmarks_the_merge_base_and_the_head() {
    let wf = workflow("tollgate-evidence.yml");
    let job = &wf["jobs"]["evidence"];
    let checkout = &steps(job)[0];
    assert_eq!(checkout["with"]["fetch-depth"].as_i64(), Some(0));
    let bench = steps(job)
        .iter()
        .find(|s| s["name"].as_str() == Some("Benchmarks (base and head)"))
        .expect("the benchmark step");
    assert_eq!(
        bench["run"].as_str(),
        Some("bash benches/bench-base-head.sh")
    );
    assert!(bench["env"]["BENCH_BASE"]
        .as_str()
        .unwrap()
        .starts_with("${{ github.event.pull_request.base.sha"));
    let stage = steps(job)
        .iter()
        .find(|s| s["name"].as_str() == Some("Stage the evidence files"))
        .unwrap();
    assert!(stage["run"]
        .as_str()
        .unwrap()
        .contains("target/criterion target/criterion-rounds target/tollgate-bench.json"));
    assert!(root().join("benches/bench-base-head.sh").is_file());
}
