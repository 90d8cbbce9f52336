//! The action's installer (`.github/action/install.sh`), run with bash the
//! way the composite step runs it: a released binary pinned in the action's
//! `binaries.sha256` and served by the fake GitHub (`releases/download/…`
//! answering `302` to a storage host), installed when its SHA-256 matches
//! and refused when it does not or when the asset is missing; and the
//! source fallback, built from a stand-in crate (`fixtures/action/stand-in`)
//! in a workspace whose `rust-toolchain.toml`, `.cargo/config.toml`,
//! `RUSTFLAGS` and `CARGO_BUILD_TARGET` would each break or mark the build
//! if they applied.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::support::files::manifest;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sha2::{Digest, Sha256};

use crate::support::fake_github::{FakeGitHub, WRITE_TOKEN};
use crate::support::runner::shims::write_shim;

const REPO: &str = "octo/tollgate";
const VERSION: &str = "9.9.9";
const TARGET: &str = "x86_64-unknown-linux-musl";

fn asset() -> String {
    format!("tollgate-{VERSION}-{TARGET}.tar.gz")
}

fn sha256_hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    Sha256::digest(bytes)
        .iter()
        .fold(String::new(), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// A release archive as release.yml packs it: `tollgate-V-T/` holding the
/// binary (here a script that prints its version), README and licence.
fn release_archive(dir: &Path) -> Vec<u8> {
    let stage = dir.join("stage");
    let top = stage.join(format!("tollgate-{VERSION}-{TARGET}"));
    std::fs::create_dir_all(&top).unwrap();
    write_shim(
        &top,
        "tollgate",
        &format!("#!/usr/bin/env bash\necho \"tollgate {VERSION}\"\n"),
    );
    std::fs::write(top.join("README.md"), "tollgate\n").unwrap();
    std::fs::write(top.join("LICENSE-MIT"), "MIT\n").unwrap();
    let out = dir.join(asset());
    let status = Command::new("tar")
        .arg("-czf")
        .arg(&out)
        .arg("-C")
        .arg(&stage)
        .arg(format!("tollgate-{VERSION}-{TARGET}"))
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::read(out).unwrap()
}

/// An action checkout whose pins file names `asset` with `hash`.
fn pinned_action(dir: &Path, hash: &str, asset: &str) -> PathBuf {
    let action = dir.join("action");
    let pins = action.join(".github/action/binaries.sha256");
    std::fs::create_dir_all(pins.parent().unwrap()).unwrap();
    std::fs::write(
        &pins,
        format!(
            "# Written by release.yml for v{VERSION}: the action installs these.\n\
             # version {VERSION}\n# repository {REPO}\n{hash}  {asset}\n"
        ),
    )
    .unwrap();
    action
}

struct Install {
    out: Output,
    github_output: String,
    temp: PathBuf,
}

impl Install {
    fn log(&self) -> String {
        format!(
            "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.out.status.code(),
            String::from_utf8_lossy(&self.out.stdout),
            String::from_utf8_lossy(&self.out.stderr)
        )
    }

    fn bin(&self) -> Option<PathBuf> {
        self.github_output
            .lines()
            .find_map(|l| l.strip_prefix("bin="))
            .map(PathBuf::from)
    }
}

/// Runs install.sh from `cwd` (the caller's workspace) with the action at
/// `action`, a fresh `RUNNER_TEMP` beside it, and `env` on top.
fn install(dir: &Path, action: &Path, cwd: &Path, env: &[(&str, &str)]) -> Install {
    let temp = dir.join("runner-temp");
    std::fs::create_dir_all(&temp).unwrap();
    let output = temp.join("github-output");
    std::fs::write(&output, "").unwrap();
    let mut cmd = Command::new("bash");
    cmd.arg(manifest().join(".github/action/install.sh"))
        .current_dir(cwd)
        .env("GITHUB_ACTION_PATH", action)
        .env("RUNNER_TEMP", &temp)
        .env("GITHUB_OUTPUT", &output)
        .env("RUNNER_OS", "Linux")
        .env("RUNNER_ARCH", "X64")
        .env("INPUT_VERSION", "")
        .env("INPUT_TOOLCHAIN", "")
        .env_remove("RUSTUP_TOOLCHAIN")
        .env_remove("CARGO_TARGET_DIR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    Install {
        out,
        github_output: std::fs::read_to_string(&output).unwrap(),
        temp,
    }
}

fn files_named(dir: &Path, name: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files_named(&p, name, out);
        } else if p.file_name().is_some_and(|n| n == name) {
            out.push(p);
        }
    }
}

#[test]
fn a_released_binary_with_the_pinned_checksum_is_installed_without_sending_a_token() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = release_archive(dir.path());
    let fake = FakeGitHub::start();
    fake.add_release_asset(REPO, &format!("v{VERSION}"), &asset(), bytes.clone());
    let action = pinned_action(dir.path(), &sha256_hex(&bytes), &asset());
    let server = fake.server_url();
    let run = install(
        dir.path(),
        &action,
        dir.path(),
        &[
            ("GITHUB_SERVER_URL", server.as_str()),
            // An adopter's token in the environment is not sent anywhere.
            ("GITHUB_TOKEN", WRITE_TOKEN),
        ],
    );
    assert!(run.out.status.success(), "{}", run.log());
    let stdout = String::from_utf8_lossy(&run.out.stdout);
    assert!(
        stdout.contains(&format!("tollgate {VERSION}")),
        "{}",
        run.log()
    );
    assert!(stdout.contains("Verified"), "{}", run.log());
    let bin = run
        .bin()
        .unwrap_or_else(|| panic!("no bin output\n{}", run.log()));
    assert!(bin.starts_with(&run.temp), "{}", bin.display());
    assert!(bin.ends_with(format!("tollgate-{VERSION}-{TARGET}/tollgate")));
    let again = Command::new(&bin).arg("--version").output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&again.stdout).trim(),
        format!("tollgate {VERSION}")
    );
    // No archive left behind, nothing in the workspace.
    let mut archives = Vec::new();
    files_named(&run.temp, &asset(), &mut archives);
    assert!(archives.is_empty(), "{archives:?}");

    let requests = fake.requests();
    let paths: Vec<(&str, u16)> = requests
        .iter()
        .map(|r| (r.path.as_str(), r.status))
        .collect();
    assert_eq!(
        paths,
        [
            (
                format!("/{REPO}/releases/download/v{VERSION}/{}", asset()).as_str(),
                302
            ),
            (
                format!("/_storage/releases/{REPO}/v{VERSION}/{}", asset()).as_str(),
                200
            ),
        ]
    );
    for r in &requests {
        assert!(
            r.header("authorization").is_none(),
            "{} got a token",
            r.path
        );
        assert_eq!(
            r.header("host").map(|h| h.starts_with("localhost")),
            Some(r.path.starts_with("/_storage/")),
            "the redirect leads to another origin"
        );
    }
}

#[test]
fn a_released_binary_whose_checksum_differs_from_the_pin_is_refused_and_never_unpacked() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = release_archive(dir.path());
    let fake = FakeGitHub::start();
    fake.add_release_asset(REPO, &format!("v{VERSION}"), &asset(), bytes.clone());
    // The pin of another build: the asset on the release was swapped.
    let mut other = bytes.clone();
    other.push(0);
    let action = pinned_action(dir.path(), &sha256_hex(&other), &asset());
    let server = fake.server_url();
    let run = install(
        dir.path(),
        &action,
        dir.path(),
        &[("GITHUB_SERVER_URL", server.as_str())],
    );
    assert_eq!(run.out.status.code(), Some(2), "{}", run.log());
    let stdout = String::from_utf8_lossy(&run.out.stdout);
    assert!(
        stdout.contains("::error title=tollgate::checksum mismatch"),
        "{}",
        run.log()
    );
    assert!(stdout.contains(&sha256_hex(&bytes)), "names what it got");
    assert!(
        !stdout.contains(&format!("tollgate {VERSION}")),
        "never ran it"
    );
    assert!(run.bin().is_none(), "{}", run.github_output);
    let mut left = Vec::new();
    files_named(&run.temp, "tollgate", &mut left);
    files_named(&run.temp, &asset(), &mut left);
    assert!(left.is_empty(), "nothing left to run: {left:?}");
}

#[test]
fn a_pinned_asset_missing_from_the_release_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeGitHub::start();
    fake.add_repo(REPO);
    let action = pinned_action(dir.path(), &"a".repeat(64), &asset());
    let server = fake.server_url();
    let run = install(
        dir.path(),
        &action,
        dir.path(),
        &[("GITHUB_SERVER_URL", server.as_str())],
    );
    assert_eq!(run.out.status.code(), Some(2), "{}", run.log());
    let stdout = String::from_utf8_lossy(&run.out.stdout);
    assert!(
        stdout.contains(&format!(
            "::error title=tollgate::could not download {} of tollgate {VERSION}",
            asset()
        )) && stdout.contains("HTTP 404"),
        "{}",
        run.log()
    );
    assert!(run.bin().is_none());
}

#[test]
fn a_pins_file_naming_no_binary_for_this_runner_or_another_version_falls_back_to_cargo() {
    let dir = tempfile::tempdir().unwrap();
    let action = pinned_action(dir.path(), &"b".repeat(64), &asset());
    let shims = dir.path().join("shims");
    // cargo stands in for the crates.io install: it records its arguments
    // and installs a script where `--root` says.
    write_shim(
        &shims,
        "cargo",
        r#"#!/usr/bin/env bash
printf '%s\n' "$*" >> "$RUNNER_TEMP/cargo-calls"
root=""; while [ $# -gt 0 ]; do [ "$1" = --root ] && root="$2"; shift; done
mkdir -p "$root/bin"; printf '#!/usr/bin/env bash\necho "tollgate from cargo"\n' > "$root/bin/tollgate"; chmod +x "$root/bin/tollgate"
"#,
    );
    let path = format!(
        "{}:{}",
        shims.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // Another version than the pinned one: crates.io.
    let run = install(
        dir.path(),
        &action,
        dir.path(),
        &[("PATH", path.as_str()), ("INPUT_VERSION", "1.2.3")],
    );
    assert!(run.out.status.success(), "{}", run.log());
    let calls = std::fs::read_to_string(run.temp.join("cargo-calls")).unwrap();
    assert!(
        calls.contains("install --locked --root") && calls.contains("tollgate --version =1.2.3"),
        "{calls}"
    );
    // A runner the release has no binary for: the action's source.
    let dir2 = tempfile::tempdir().unwrap();
    let with_pins = dir2.path().join("action");
    copy_dir(&manifest().join("fixtures/action/stand-in"), &with_pins);
    pinned_action(dir2.path(), &"b".repeat(64), &asset());
    let run = install(
        dir2.path(),
        &with_pins,
        dir2.path(),
        &[("PATH", path.as_str()), ("RUNNER_OS", "FreeBSD")],
    );
    assert!(run.out.status.success(), "{}", run.log());
    let calls = std::fs::read_to_string(run.temp.join("cargo-calls")).unwrap();
    assert!(
        calls.contains(&format!("--path {}", with_pins.display())),
        "{calls}"
    );
}

fn copy_dir(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        let dest = to.join(e.file_name());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::create_dir_all(to).unwrap();
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

/// The toolchain rustup runs here, e.g. `stable-x86_64-unknown-linux-gnu`.
fn active_toolchain(neutral: &Path) -> String {
    let out = Command::new("rustup")
        .args(["show", "active-toolchain"])
        .current_dir(neutral)
        .env_remove("RUSTUP_TOOLCHAIN")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace().next().unwrap().to_owned()
}

#[test]
fn the_source_fallback_ignores_the_callers_toolchain_file_cargo_config_and_flags() {
    let dir = tempfile::tempdir().unwrap();
    let workspace = dir.path().join("workspace");
    std::fs::create_dir_all(workspace.join(".cargo")).unwrap();
    std::fs::write(
        workspace.join("rust-toolchain.toml"),
        "[toolchain]\nchannel = \"0.0.0-no-such-toolchain\"\n",
    )
    .unwrap();
    std::fs::write(
        workspace.join(".cargo/config.toml"),
        "[build]\nrustflags = [\"-C\", \"no-such-codegen-option=1\"]\ntarget = \"no-such-target\"\n",
    )
    .unwrap();
    let toolchain = active_toolchain(dir.path());
    // rustup would fetch a manifest to "install" the toolchain: record instead.
    let shims = dir.path().join("shims");
    write_shim(
        &shims,
        "rustup",
        "#!/usr/bin/env bash\nprintf '%s\\n' \"$*\" >> \"$RUNNER_TEMP/rustup-calls\"\n",
    );
    let path = format!(
        "{}:{}",
        shims.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let stand_in = manifest().join("fixtures/action/stand-in");
    let run = install(
        dir.path(),
        &stand_in,
        &workspace,
        &[
            ("PATH", path.as_str()),
            ("INPUT_TOOLCHAIN", toolchain.as_str()),
            ("RUSTFLAGS", "-D warnings --cfg hostile"),
            ("CARGO_BUILD_TARGET", "nonexistent"),
            ("CARGO_BUILD_RUSTFLAGS", "-D warnings"),
            ("RUSTC_WRAPPER", "/nonexistent/wrapper"),
            (
                "CARGO_TARGET_DIR",
                workspace.join("target").to_str().unwrap(),
            ),
        ],
    );
    assert!(run.out.status.success(), "{}", run.log());
    let stdout = String::from_utf8_lossy(&run.out.stdout);
    assert!(
        stdout.contains("tollgate 0.0.1-stand-in") && !stdout.contains("hostile"),
        "{}",
        run.log()
    );
    let bin = run.bin().unwrap();
    assert!(bin.starts_with(&run.temp), "{}", bin.display());
    let rustup = std::fs::read_to_string(run.temp.join("rustup-calls")).unwrap();
    assert_eq!(
        rustup.trim(),
        format!("toolchain install {toolchain} --profile minimal")
    );
    // The stand-in's warning was a warning, not a `-D warnings` error.
    let stderr = String::from_utf8_lossy(&run.out.stderr);
    assert!(stderr.contains("unused variable"), "{}", run.log());
    // Nothing was written into the caller's workspace.
    assert!(!workspace.join("target").exists());
    let mut names: Vec<String> = std::fs::read_dir(&workspace)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, [".cargo", "rust-toolchain.toml"]);
    // A second use in the same job reuses the build.
    let again = install(
        dir.path(),
        &stand_in,
        &workspace,
        &[("PATH", path.as_str())],
    );
    assert!(again.out.status.success(), "{}", again.log());
    assert!(!String::from_utf8_lossy(&again.out.stderr).contains("Compiling"));
}
