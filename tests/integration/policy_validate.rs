//! `policy validate` without paths checks `tollgate.toml`'s `[gates]` as
//! well as the policies: a gate naming a policy that is missing or broken
//! is reported at the line of `tollgate.toml` that names it, before release
//! day rather than on it.
#![allow(clippy::unwrap_used)] // tests: a panic is a failure

use std::path::Path;
use std::process::{Command, Output};

fn validate(dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .args(["policy", "validate", "--config", "tollgate.toml"])
        .current_dir(dir)
        .output()
        .unwrap()
}

fn write(dir: &Path, path: &str, text: &str) {
    let path = dir.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn a_gate_without_a_loadable_policy_is_an_error_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "policies/gate2.toml",
        "schema = 1\nname = \"gate2\"\nversion = \"1.0.0\"\n",
    );
    write(
        d,
        "policies/gate3.toml",
        "schema = 1\nname = \"gate3\"\nversion = \"three\"\n",
    );
    write(
        d,
        "tollgate.toml",
        "[gates]\npull_request = \"gate2\"\nrelease = \"gat3\"\nprerelease = \"gate3\"\n",
    );
    let out = validate(d);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains(
            "error: tollgate.toml:3:11: `release` gate `gat3`: no policies/gat3.toml in the working tree; did you mean `gate3`?; available gates: gate2, gate3\n"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "error: tollgate.toml:4:14: `prerelease` gate `gate3`: policies/gate3.toml does not load (1 problem reported for it)\n"
        ),
        "{stderr}"
    );
    // The broken policy's own error is reported too, and the good gate is not.
    assert!(
        stderr.contains("gate3.toml:3:11: `version` is not semver"),
        "{stderr}"
    );
    assert!(!stderr.contains("`pull_request`"), "{stderr}");
    assert_eq!(stderr.lines().count(), 3, "{stderr}");

    // Fixed, the same configuration validates.
    write(
        d,
        "tollgate.toml",
        "[gates]\npull_request = \"gate2\"\nrelease = \"gate2\"\n",
    );
    write(
        d,
        "policies/gate3.toml",
        "schema = 1\nname = \"gate3\"\nversion = \"3.0.0\"\n",
    );
    let out = validate(d);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_shipped_configurations_name_only_gates_that_load() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for dir in [root.to_path_buf(), root.join("fixtures/example")] {
        let out = validate(&dir);
        assert!(
            out.status.success(),
            "{}: {}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
