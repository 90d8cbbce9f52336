//! `uses:` steps: local composite actions read from the job's workspace, the
//! emulated `actions/checkout`, `actions/upload-artifact`,
//! `actions/download-artifact` and `actions/cache` (+ `/restore`, `/save`),
//! and emulations a test registered with [`super::Runner::emulate`].

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::process::Command;

use base64::Engine as _;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use yaml_rust2::Yaml;

use super::job::{Frame, JobExec};
use super::yaml::{check_keys, entries, scalar};
use super::{ActionCall, StepRun};

/// Runs one `uses:` step; returns whether it succeeded and, for a
/// composite action, its inner steps.
pub fn run_uses(
    job: &mut JobExec<'_>,
    uses: &str,
    with: BTreeMap<String, String>,
    env: &BTreeMap<String, String>,
    frame: &Frame,
    outputs: &mut BTreeMap<String, String>,
) -> (bool, Vec<StepRun>) {
    if uses.starts_with("./") || uses == "." {
        return composite(job, uses, &with, env, frame, outputs);
    }
    if uses.starts_with("docker://") {
        job.unsupported(&format!("`uses: {uses}` (Docker actions)"));
    }
    let Some((name, _version)) = uses.split_once('@') else {
        panic!("workflow runner: {}: `uses: {uses}` needs @ref", job.here());
    };
    let name = name.to_ascii_lowercase();
    let result = match name.as_str() {
        "actions/checkout" => checkout(job, &with, outputs),
        "actions/upload-artifact" => upload(job, &with, outputs),
        "actions/download-artifact" => download(job, &with, outputs),
        "actions/cache" | "actions/cache/restore" | "actions/cache/save" => {
            cache(job, &name, &with, outputs)
        }
        _ => {
            let Some(emulation) = job.runner.emulations.remove(&name) else {
                job.unsupported(&format!(
                    "`uses: {uses}` (no emulation: register one with Runner::emulate(\"{name}\", …))"
                ))
            };
            let (penv, _files) = job.process_env(env, frame);
            let mut call = ActionCall {
                uses: uses.to_owned(),
                inputs: with,
                outputs: BTreeMap::new(),
                env: penv,
                workspace: job.workspace.clone(),
                log: Vec::new(),
            };
            let r = emulation(&mut call);
            job.runner.emulations.insert(name, emulation);
            let mut stop = None;
            let mut ok = true;
            for line in &call.log {
                ok &= job.output_line("stdout", line, &mut stop);
            }
            outputs.extend(call.outputs);
            r.and_then(|()| {
                if ok {
                    Ok(())
                } else {
                    Err("a workflow command failed".to_owned())
                }
            })
        }
    };
    match result {
        Ok(()) => (true, Vec::new()),
        Err(e) => {
            job.annotate("error", &e);
            (false, Vec::new())
        }
    }
}

/// Warns about inputs an action does not declare, as the runner does.
fn check_inputs(job: &mut JobExec<'_>, with: &BTreeMap<String, String>, valid: &[&str]) {
    let unexpected: Vec<&str> = with
        .keys()
        .map(String::as_str)
        .filter(|k| !valid.contains(k))
        .collect();
    if !unexpected.is_empty() {
        job.annotate(
            "warning",
            &format!(
                "Unexpected input(s) '{}', valid inputs are [{}]",
                unexpected.join("', '"),
                valid
                    .iter()
                    .map(|v| format!("'{v}'"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
}

fn composite(
    job: &mut JobExec<'_>,
    uses: &str,
    with: &BTreeMap<String, String>,
    env: &BTreeMap<String, String>,
    frame: &Frame,
    outputs: &mut BTreeMap<String, String>,
) -> (bool, Vec<StepRun>) {
    assert!(
        frame.depth < 8,
        "workflow runner: {}: composite actions nested too deep",
        job.here()
    );
    let rel = uses.trim_start_matches("./");
    let dir = job.workspace.join(rel);
    let file = ["action.yml", "action.yaml"]
        .iter()
        .map(|f| dir.join(f))
        .find(|p| p.is_file());
    let Some(file) = file else {
        job.annotate(
            "error",
            &format!("Can't find 'action.yml', 'action.yaml' or 'Dockerfile' under '{}'. Did you forget to run actions/checkout before running your local action?", dir.display()),
        );
        return (false, Vec::new());
    };
    let doc =
        super::yaml::load(&file).unwrap_or_else(|e| panic!("workflow runner: {}: {e}", job.here()));
    let at = format!("{} (uses {uses})", file.display());
    check_keys(
        &doc,
        &[
            "name",
            "description",
            "author",
            "branding",
            "inputs",
            "outputs",
            "runs",
        ],
        &[],
        &at,
    );
    let using = scalar(&doc["runs"]["using"]).unwrap_or_default();
    if using != "composite" {
        job.unsupported(&format!(
            "`runs.using: {using}` in {at} (only composite actions)"
        ));
    }
    let declared = entries(&doc["inputs"]);
    let valid: Vec<&str> = declared.iter().map(|(k, _)| k.as_str()).collect();
    check_inputs(job, with, &valid);
    let mut inner = Frame {
        steps: Map::new(),
        inputs: Value::Object(Map::new()),
        action_path: Some(dir.clone()),
        extra_env: env.clone(),
        at: at.clone(),
        depth: frame.depth + 1,
    };
    let mut inputs = Map::new();
    for (k, spec) in &declared {
        let value = if let Some(v) = with.get(k) {
            v.clone()
        } else {
            let scope = job.scope(Some(&inner));
            job.text(&spec["default"], &scope)
        };
        inputs.insert(k.clone(), Value::String(value));
    }
    inner.inputs = Value::Object(inputs);
    let steps: Vec<Yaml> = doc["runs"]["steps"]
        .as_vec()
        .cloned()
        .unwrap_or_else(|| panic!("workflow runner: {at}: no runs.steps"));
    let outer_status = job.status.clone();
    let outer_step = job.current_step.clone();
    let runs = job.run_steps(&steps, &mut inner);
    job.current_step = outer_step;
    let failed = runs.iter().any(|r| r.conclusion == "failure");
    let scope = job.scope(Some(&inner));
    for (k, spec) in entries(&doc["outputs"]) {
        let value = job.text(&spec["value"], &scope);
        outputs.insert(k, value);
    }
    // The composite's failure is the invoking step's, not yet the job's.
    if job.status != "cancelled" {
        job.status = outer_status;
    }
    (!failed && job.status != "cancelled", runs)
}

fn git(dir: &Path, args: &[&str], home: &Path) -> Result<String, String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .map_err(|e| format!("git: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

fn input<'w>(with: &'w BTreeMap<String, String>, key: &str, default: &'w str) -> &'w str {
    with.get(key).map_or(default, String::as_str)
}

/// A path inside the workspace (`..` may not climb out of it).
fn under_workspace(job: &JobExec<'_>, rel: &str, what: &str) -> Result<PathBuf, String> {
    let p = Path::new(rel);
    if p.is_absolute() || p.components().any(|c| c == Component::ParentDir) {
        return Err(format!(
            "Repository path '{rel}' is not under '{}' ({what})",
            job.workspace.display()
        ));
    }
    Ok(job.workspace.join(p))
}

#[allow(clippy::too_many_lines)]
fn checkout(
    job: &mut JobExec<'_>,
    with: &BTreeMap<String, String>,
    outputs: &mut BTreeMap<String, String>,
) -> Result<(), String> {
    check_inputs(
        job,
        with,
        &[
            "repository",
            "ref",
            "token",
            "ssh-key",
            "ssh-known-hosts",
            "ssh-strict",
            "ssh-user",
            "persist-credentials",
            "path",
            "clean",
            "filter",
            "sparse-checkout",
            "sparse-checkout-cone-mode",
            "fetch-depth",
            "fetch-tags",
            "show-progress",
            "lfs",
            "submodules",
            "set-safe-directory",
            "github-server-url",
        ],
    );
    for (key, off) in [
        ("ssh-key", ""),
        ("lfs", "false"),
        ("submodules", "false"),
        ("sparse-checkout", ""),
        ("filter", ""),
    ] {
        if input(with, key, off) != off {
            job.unsupported(&format!("actions/checkout `{key}: {}`", with[key]));
        }
    }
    let own = job.runner.repository.clone();
    let repository = input(with, "repository", &own).to_owned();
    let remote = job
        .runner
        .remotes
        .get(&repository)
        .cloned()
        .ok_or_else(|| format!("actions/checkout: repository {repository} has no local remote (Runner::with_repository / add_remote)"))?;
    let token = input(with, "token", &job.spec.token).to_owned();
    let depth: u32 = input(with, "fetch-depth", "1").parse().map_err(|_| {
        format!(
            "actions/checkout: fetch-depth `{}` is not a number",
            with["fetch-depth"]
        )
    })?;
    let dir = under_workspace(job, input(with, "path", ""), "actions/checkout path")?;
    let home = job.home.clone();
    let url = format!("file://{}", remote.display());
    // Which commit: the input ref, else (for this repository) the event's.
    let wanted = input(with, "ref", "").to_owned();
    let (target_ref, target_sha) = if wanted.is_empty() && repository == own {
        (job.spec.git_ref.clone(), job.spec.sha.clone())
    } else if wanted.len() == 40 && wanted.chars().all(|c| c.is_ascii_hexdigit()) {
        (String::new(), wanted.clone())
    } else {
        let refs = git(&job.workspace, &["ls-remote", &url], &home)?;
        let lookup = |name: &str| {
            refs.lines().find_map(|l| {
                l.split_once('\t')
                    .filter(|(_, r)| *r == name)
                    .map(|(s, _)| s.to_owned())
            })
        };
        let candidates: Vec<String> = if wanted.is_empty() {
            vec!["HEAD".to_owned()]
        } else if wanted.starts_with("refs/") {
            vec![wanted.clone()]
        } else {
            vec![
                format!("refs/heads/{wanted}"),
                format!("refs/tags/{wanted}"),
            ]
        };
        let found = candidates
            .iter()
            .find_map(|c| lookup(c).map(|sha| (c.clone(), sha)))
            .ok_or_else(|| {
                format!("A branch or tag with the name '{wanted}' could not be found")
            })?;
        if found.0 == "HEAD" {
            let head = git(&remote, &["symbolic-ref", "HEAD"], &home).unwrap_or_default();
            (head, found.1)
        } else {
            found
        }
    };
    if dir.exists() && !dir.join(".git").exists() {
        std::fs::remove_dir_all(&dir).map_err(|e| e.to_string())?;
    }
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    if dir.join(".git").exists() {
        if input(with, "clean", "true") == "true" {
            git(&dir, &["clean", "-ffdx"], &home)?;
            git(&dir, &["reset", "--hard", "HEAD"], &home)?;
        }
    } else {
        git(&dir, &["init", "-q"], &home)?;
        git(&dir, &["remote", "add", "origin", &url], &home)?;
    }
    let local_ref = if let Some(b) = target_ref.strip_prefix("refs/heads/") {
        format!("refs/remotes/origin/{b}")
    } else if let Some(p) = target_ref.strip_prefix("refs/pull/") {
        format!("refs/remotes/pull/{p}")
    } else if target_ref.starts_with("refs/tags/") {
        target_ref.clone()
    } else {
        String::new()
    };
    let upload_pack = "--upload-pack=git -c uploadpack.allowAnySHA1InWant=true upload-pack";
    let mut fetch: Vec<String> = vec![
        "fetch".into(),
        upload_pack.into(),
        "--no-recurse-submodules".into(),
        "-q".into(),
    ];
    if depth > 0 {
        fetch.push(format!("--depth={depth}"));
        fetch.push("--no-tags".into());
    }
    fetch.push("origin".into());
    if depth == 0 {
        fetch.push("+refs/heads/*:refs/remotes/origin/*".into());
        fetch.push("+refs/tags/*:refs/tags/*".into());
    }
    // A full fetch already brings branches and tags; other targets come by sha.
    let covered = depth == 0
        && (local_ref.starts_with("refs/remotes/origin/") || local_ref.starts_with("refs/tags/"));
    if !covered {
        fetch.push(if local_ref.is_empty() {
            target_sha.clone()
        } else {
            format!("+{target_sha}:{local_ref}")
        });
    }
    let fetch_args: Vec<&str> = fetch.iter().map(String::as_str).collect();
    git(&dir, &fetch_args, &home).map_err(|e| format!("actions/checkout: {e}"))?;
    if let Some(branch) = target_ref.strip_prefix("refs/heads/") {
        git(
            &dir,
            &["checkout", "-q", "--force", "-B", branch, &local_ref],
            &home,
        )?;
    } else {
        git(
            &dir,
            &["checkout", "-q", "--force", "--detach", &target_sha],
            &home,
        )?;
    }
    if input(with, "persist-credentials", "true") == "true" {
        let basic =
            base64::engine::general_purpose::STANDARD.encode(format!("x-access-token:{token}"));
        if !job.masks.contains(&basic) {
            job.masks.push(basic.clone());
        }
        git(
            &dir,
            &[
                "config",
                "--local",
                "http.https://github.com/.extraheader",
                &format!("AUTHORIZATION: basic {basic}"),
            ],
            &home,
        )?;
    }
    let commit = git(&dir, &["rev-parse", "HEAD"], &home)?;
    job.info(&format!(
        "Checked out {repository} {target_ref} at {commit} into {}",
        dir.display()
    ));
    outputs.insert("ref".into(), target_ref);
    outputs.insert("commit".into(), commit);
    Ok(())
}

fn expand_home(job: &JobExec<'_>, p: &str) -> PathBuf {
    if let Some(rest) = p.strip_prefix("~/") {
        job.home.join(rest)
    } else if p == "~" {
        job.home.clone()
    } else {
        job.workspace.join(p)
    }
}

fn has_glob(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out);
        } else if p.is_file() {
            out.push(p);
        }
    }
}

/// The files an upload-artifact `path` input names, and the artifact root
/// (the least common ancestor of the search paths).
fn resolve_upload(job: &JobExec<'_>, spec: &str) -> Result<(PathBuf, Vec<PathBuf>), String> {
    let mut search_roots = Vec::new();
    let mut files = Vec::new();
    let mut excludes = Vec::new();
    for line in spec.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if let Some(ex) = line.strip_prefix('!') {
            excludes.push(expand_home(job, ex));
            continue;
        }
        let full = expand_home(job, line);
        let full_s = full.display().to_string();
        if has_glob(&full_s) {
            let base: PathBuf = full
                .components()
                .take_while(|c| !has_glob(&c.as_os_str().to_string_lossy()))
                .collect();
            let glob = globset::GlobBuilder::new(&full_s)
                .literal_separator(true)
                .build()
                .map_err(|e| format!("upload-artifact: bad pattern `{line}`: {e}"))?
                .compile_matcher();
            let mut all = Vec::new();
            walk(&base, &mut all);
            files.extend(all.into_iter().filter(|f| glob.is_match(f)));
            search_roots.push(base);
        } else if full.is_dir() {
            walk(&full, &mut files);
            search_roots.push(full);
        } else if full.is_file() {
            search_roots.push(full.parent().map(Path::to_path_buf).unwrap_or_default());
            files.push(full);
        }
    }
    files.retain(|f| !excludes.iter().any(|e| f.starts_with(e)));
    files.sort();
    files.dedup();
    let mut root = search_roots.first().cloned().unwrap_or_default();
    for r in &search_roots {
        while !r.starts_with(&root) {
            if !root.pop() {
                break;
            }
        }
    }
    Ok((root, files))
}

fn artifact_name_ok(name: &str) -> bool {
    !name.is_empty() && !name.contains(['"', ':', '<', '>', '|', '*', '?', '\r', '\n', '\\', '/'])
}

fn upload(
    job: &mut JobExec<'_>,
    with: &BTreeMap<String, String>,
    outputs: &mut BTreeMap<String, String>,
) -> Result<(), String> {
    check_inputs(
        job,
        with,
        &[
            "name",
            "path",
            "if-no-files-found",
            "retention-days",
            "compression-level",
            "overwrite",
            "include-hidden-files",
        ],
    );
    let name = input(with, "name", "artifact").to_owned();
    if !artifact_name_ok(&name) {
        return Err(format!("The artifact name is not valid: {name}"));
    }
    let spec = with
        .get("path")
        .filter(|p| !p.trim().is_empty())
        .ok_or("Input required and not supplied: path")?;
    let (root, mut files) = resolve_upload(job, spec)?;
    if input(with, "include-hidden-files", "false") != "true" {
        files.retain(|f| {
            f.strip_prefix(&root).is_ok_and(|rel| {
                !rel.components()
                    .any(|c| c.as_os_str().to_string_lossy().starts_with('.'))
            })
        });
    }
    if files.is_empty() {
        let msg = format!(
            "No files were found with the provided path: {spec}. No artifacts will be uploaded."
        );
        return match input(with, "if-no-files-found", "warn") {
            "error" => Err(msg),
            "ignore" => {
                job.info(&msg);
                Ok(())
            }
            _ => {
                job.annotate("warning", &msg);
                Ok(())
            }
        };
    }
    let dest = job.runner.artifact_dir(job.spec.id).join(&name);
    if dest.exists() {
        if input(with, "overwrite", "false") == "true" {
            std::fs::remove_dir_all(&dest).map_err(|e| e.to_string())?;
        } else {
            return Err("Failed to CreateArtifact: Received non-retryable error: Failed request: (409) Conflict: an artifact with this name already exists on the workflow run".to_owned());
        }
    }
    let mut digest = Sha256::new();
    for f in &files {
        let rel = f.strip_prefix(&root).map_err(|e| e.to_string())?;
        let to = dest.join(rel);
        std::fs::create_dir_all(to.parent().unwrap_or(&dest)).map_err(|e| e.to_string())?;
        std::fs::copy(f, &to).map_err(|e| format!("{}: {e}", f.display()))?;
        digest.update(rel.to_string_lossy().as_bytes());
        digest.update(std::fs::read(f).unwrap_or_default());
    }
    job.runner.artifact_ids += 1;
    let id = job.runner.artifact_ids;
    job.info(&format!("Uploaded artifact {name} ({} files)", files.len()));
    outputs.insert("artifact-id".into(), id.to_string());
    outputs.insert(
        "artifact-url".into(),
        format!(
            "https://github.com/{}/actions/runs/{}/artifacts/{id}",
            job.runner.repository, job.spec.id
        ),
    );
    outputs.insert("artifact-digest".into(), format!("{:x}", digest.finalize()));
    Ok(())
}

fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    let mut files = Vec::new();
    walk(from, &mut files);
    for f in files {
        let rel = f.strip_prefix(from).map_err(|e| e.to_string())?;
        let dest = to.join(rel);
        std::fs::create_dir_all(dest.parent().unwrap_or(to)).map_err(|e| e.to_string())?;
        std::fs::copy(&f, &dest).map_err(|e| format!("{}: {e}", f.display()))?;
    }
    Ok(())
}

fn download(
    job: &mut JobExec<'_>,
    with: &BTreeMap<String, String>,
    outputs: &mut BTreeMap<String, String>,
) -> Result<(), String> {
    check_inputs(
        job,
        with,
        &[
            "name",
            "path",
            "pattern",
            "merge-multiple",
            "github-token",
            "repository",
            "run-id",
            "artifact-ids",
        ],
    );
    let own = job.runner.repository.clone();
    if input(with, "repository", &own) != own {
        job.unsupported("actions/download-artifact from another repository");
    }
    // As in download-artifact v4: run-id is used only with a github-token.
    let run_id = if input(with, "github-token", "").is_empty() {
        job.spec.id
    } else {
        let raw = input(with, "run-id", "");
        if raw.is_empty() {
            job.spec.id
        } else {
            raw.parse()
                .map_err(|_| format!("run-id `{raw}` is not a number"))?
        }
    };
    let store = job.runner.artifact_dir(run_id);
    let dest = {
        let p = input(with, "path", "");
        if p.is_empty() {
            job.workspace.clone()
        } else if Path::new(p).is_absolute() {
            PathBuf::from(p)
        } else {
            expand_home(job, p)
        }
    };
    std::fs::create_dir_all(&dest).map_err(|e| e.to_string())?;
    if let Some(name) = with.get("name").filter(|n| !n.is_empty()) {
        let src = store.join(name);
        if !src.is_dir() {
            return Err(format!(
                "Unable to download artifact(s): Artifact not found for name: {name}"
            ));
        }
        copy_tree(&src, &dest)?;
    } else {
        let pattern = input(with, "pattern", "");
        let matcher = if pattern.is_empty() {
            None
        } else {
            Some(
                globset::Glob::new(pattern)
                    .map_err(|e| e.to_string())?
                    .compile_matcher(),
            )
        };
        let mut names: Vec<String> = std::fs::read_dir(&store)
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names.retain(|n| matcher.as_ref().is_none_or(|m| m.is_match(n)));
        let merge = input(with, "merge-multiple", "false") == "true";
        for n in &names {
            let to = if merge { dest.clone() } else { dest.join(n) };
            copy_tree(&store.join(n), &to)?;
        }
        job.info(&format!("Downloaded {} artifact(s)", names.len()));
    }
    outputs.insert("download-path".into(), dest.display().to_string());
    Ok(())
}

fn cache(
    job: &mut JobExec<'_>,
    name: &str,
    with: &BTreeMap<String, String>,
    outputs: &mut BTreeMap<String, String>,
) -> Result<(), String> {
    let valid: &[&str] = match name {
        "actions/cache/save" => &["path", "key", "upload-chunk-size", "enableCrossOsArchive"],
        "actions/cache/restore" => &[
            "path",
            "key",
            "restore-keys",
            "enableCrossOsArchive",
            "fail-on-cache-miss",
            "lookup-only",
        ],
        _ => &[
            "path",
            "key",
            "restore-keys",
            "upload-chunk-size",
            "enableCrossOsArchive",
            "fail-on-cache-miss",
            "lookup-only",
            "save-always",
        ],
    };
    check_inputs(job, with, valid);
    for required in ["path", "key"] {
        if with.get(required).is_none_or(|v| v.trim().is_empty()) {
            return Err(format!("Input required and not supplied: {required}"));
        }
    }
    let key = with["key"].clone();
    if name == "actions/cache/save" {
        job.info(&format!(
            "Cache save of key {key} skipped (the scripted runner keeps no cache)"
        ));
        return Ok(());
    }
    if name == "actions/cache/restore" {
        outputs.insert("cache-primary-key".into(), key.clone());
    }
    if input(with, "fail-on-cache-miss", "false") == "true" {
        return Err(format!(
            "Failed to restore cache entry. Exiting as fail-on-cache-miss is set. Input key: {key}"
        ));
    }
    job.info(&format!("Cache not found for input keys: {key}"));
    Ok(())
}
