//! Limits on every read (issue 15), tried against the real binary: special
//! files given as input are refused before they are opened for reading (a
//! FIFO never blocks), a file over its kind's cap is refused naming the file,
//! its size and the cap, and a symlink to a directory is no file.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Runs the binary in `dir` with `env`, killed after ten seconds so that a
/// regression (a FIFO opened blocking) fails the test instead of hanging it.
fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tollgate"));
    cmd.env_clear()
        .envs(crate::support::coverage::profile_env())
        .env("PATH", std::env::var_os("PATH").unwrap())
        .env("HOME", dir)
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(10) {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("tollgate {args:?} hung (killed after 10 s)");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    child.wait_with_output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo").arg(path).status().unwrap().success();
    assert!(ok, "mkfifo {}", path.display());
}

#[test]
fn a_fifo_as_evidence_or_policy_is_an_input_error_and_never_blocks() {
    let dir = tempfile::tempdir().unwrap();
    mkfifo(&dir.path().join("pipe"));
    let out = run(dir.path(), &["inspect", "pipe"], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("pipe: is a FIFO, not a regular file"),
        "{}",
        stderr(&out)
    );
    let out = run(dir.path(), &["policy", "validate", "pipe"], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "pipe: cannot read: is a FIFO, not a regular file (a document must be a regular file)"
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn dev_zero_is_refused_as_a_device_for_each_kind() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["inspect", "/dev/zero"][..],
        &["policy", "validate", "/dev/zero"][..],
    ] {
        let out = run(dir.path(), args, &[]);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("/dev/zero: ") && stderr(&out).contains("is a character device"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn a_file_over_a_lowered_cap_is_refused_naming_size_and_cap() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("lcov.info"),
        "SF:src/a.rs\nDA:1,1\nend_of_record\n",
    )
    .unwrap();
    let out = run(
        dir.path(),
        &["inspect", "lcov.info"],
        &[("TOLLGATE_MAX_COVERAGE_BYTES", "10")],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "lcov.info: 33 bytes is larger than the coverage report cap of 10 bytes (set TOLLGATE_MAX_COVERAGE_BYTES to change it)"
        ),
        "{}",
        stderr(&out)
    );
    // Within the default cap the same file is read.
    let out = run(dir.path(), &["inspect", "lcov.info"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    std::fs::write(dir.path().join("p.toml"), "x".repeat(100)).unwrap();
    let out = run(
        dir.path(),
        &["policy", "validate", "p.toml"],
        &[("TOLLGATE_MAX_DOCUMENT_BYTES", "64")],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("100 bytes is larger than the document cap of 64 bytes"),
        "{}",
        stderr(&out)
    );
    let out = run(
        dir.path(),
        &["inspect", "lcov.info"],
        &[("TOLLGATE_MAX_COVERAGE_BYTES", "ten")],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("TOLLGATE_MAX_COVERAGE_BYTES=\"ten\" is not a number of bytes"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_symlink_to_a_directory_as_a_policy_is_no_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("real")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("real"), dir.path().join("gate.toml")).unwrap();
    let out = run(dir.path(), &["policy", "validate", "gate.toml"], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("gate.toml: cannot read: is a directory, not a regular file"),
        "{}",
        stderr(&out)
    );
}
