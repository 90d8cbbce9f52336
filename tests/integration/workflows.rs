//! The shipped workflows and `action.yml` keep the security habits of
//! docs/github.md (permissions, the action) and its release gate. Checked
//! structurally, without a shell or GitHub: a workflow that loses
//! `permissions: {}` or an unpinned action fails here rather than in review.

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
        out.len() >= 4,
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

#[test]
fn the_pull_request_half_never_writes_and_the_publish_half_runs_no_pr_code() {
    let pr = workflow("tollgate-pr.yml");
    assert!(!pr["on"]["pull_request"].is_badvalue());
    assert!(pr["on"]["pull_request_target"].is_badvalue());
    for (job, body) in jobs(&pr) {
        for (scope, level) in body["permissions"].as_hash().unwrap() {
            assert_eq!(
                level.as_str(),
                Some("read"),
                "tollgate-pr: job {job} asks for {scope:?}: {level:?}"
            );
        }
    }
    let publish = workflow("tollgate-publish.yml");
    let triggers: Vec<&str> = publish["on"]["workflow_run"]["workflows"]
        .as_vec()
        .unwrap()
        .iter()
        .filter_map(Yaml::as_str)
        .collect();
    assert_eq!(triggers, [pr["name"].as_str().unwrap()]);
    for (job, body) in jobs(&publish) {
        for step in steps(body) {
            assert!(
                step["with"]["ref"].is_badvalue(),
                "tollgate-publish: job {job} checks out another ref than the default branch"
            );
        }
        assert_eq!(body["permissions"]["checks"].as_str(), Some("write"));
    }
}

#[test]
fn a_release_publishes_only_after_gate_3() {
    let release = workflow("release.yml");
    let tags: Vec<&str> = release["on"]["push"]["tags"]
        .as_vec()
        .unwrap()
        .iter()
        .filter_map(Yaml::as_str)
        .collect();
    assert_eq!(tags, ["v*"]);
    let publish = &release["jobs"]["publish"];
    let needs = publish["needs"]
        .as_str()
        .map(|s| vec![s])
        .or_else(|| {
            publish["needs"]
                .as_vec()
                .map(|v| v.iter().filter_map(Yaml::as_str).collect())
        })
        .unwrap();
    assert!(needs.contains(&"gate3"), "publish needs gate3");
    assert!(
        publish["if"].is_badvalue(),
        "an `if:` on publish could run it after a failed gate"
    );
}
