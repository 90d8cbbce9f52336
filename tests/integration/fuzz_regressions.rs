//! Regression tests for what the fuzz targets found (docs/fuzzing.md): each
//! input that once crashed a reader, read again through the same public
//! entry point, must now end in a value (a report or an error naming the
//! file), never a panic. The inputs are under fixtures/fuzz/.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/fuzz")
        .join(name)
}

fn text(name: &str) -> String {
    std::fs::read_to_string(fixture(name)).unwrap()
}

/// `unified_diff`: a hunk whose new side starts at `u32::MAX` overflowed the
/// line counter; the lines that exist are kept and the hunk ends there.
#[test]
fn diff_hunk_past_u32_max_ends_instead_of_overflowing() {
    let diff = text("diff-hunk-past-u32-max.diff");
    let changes = tollgate::evidence::diff::parse_unified_diff(&diff);
    assert_eq!(changes.files["src/lib.rs"], vec![u32::MAX]);
    let mut from_api = tollgate::evidence::diff::ChangedLines::default();
    let hunks = diff
        .split_once("@@ -1")
        .map(|(_, h)| format!("@@ -1{h}"))
        .unwrap();
    tollgate::evidence::diff::add_patch(&mut from_api, "src/lib.rs", &hunks);
    assert_eq!(from_api.files["src/lib.rs"], vec![u32::MAX]);
}

fn read_go(name: &str) -> Result<(), tollgate::evidence::EvidenceError> {
    let data = std::fs::read(fixture(name)).unwrap();
    let mut report = tollgate::evidence::coverage::CoverageReport::new();
    tollgate::evidence::coverage::gocover::read_go_cover(
        &data[..],
        Path::new(name),
        &tollgate::evidence::coverage::ReadOptions::default(),
        &mut report,
    )
}

/// `go_cover`: one block line claiming four billion lines made the reader
/// record every one of them (hours and gigabytes); it is refused naming
/// the line.
#[test]
fn go_block_spanning_billions_of_lines_is_refused() {
    let err = read_go("go-block-spanning-4-billion-lines.out").unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("go-block-spanning-4-billion-lines.out"),
        "{message}"
    );
    assert!(message.contains("spans 4294967295 lines"), "{message}");
}

/// `go_cover`: statement counts summing past u64 overflowed. A block of
/// more than `u32::MAX` statements (this one has `u64::MAX`) is now refused at
/// its own line, and with every block under that and at most `u32::MAX`
/// lines, the sums cannot pass u64.
#[test]
fn go_statement_counts_past_u64_are_refused() {
    let err = read_go("go-statement-counts-past-u64.out").unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("18446744073709551615 statements in one block"),
        "{message}"
    );
    assert!(
        message.contains("go-statement-counts-past-u64.out:2:"),
        "{message}"
    );
}

/// `allowed_signers`: an entry whose principals are all negated
/// (`!lice@example.org`, the fuzzer's mutation of `alice@example.org`) was
/// accepted as an entry naming no one, breaking the target's rule that
/// every entry of an accepted file names a principal; it is refused at its
/// line.
#[test]
fn allowed_signers_entry_naming_no_one_is_refused() {
    let signers = text("allowed-signers-negated-principals-only");
    let err = tollgate::overrides::AllowedSigners::parse("allowed_signers", &signers)
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("allowed_signers:2: the principals `!lice@example.org`"),
        "{err}"
    );
    assert!(err.contains("name no one"), "{err}");
}

/// `junit`: a suite claiming more skips than its testcases mark has that
/// many passes counted as skips, since which did not run is unknowable; a
/// flaky pass was among them, leaving more flaky tests than passes (the
/// fuzzer raised `skipped` on nextest's `<testsuites>`). A flaky pass has
/// its failed attempts on record, so it ran: only plain passes can be
/// counted as skips, and a claim beyond them is the suite-counter
/// contradiction that fails the run.
#[test]
fn junit_claimed_skips_never_take_a_flaky_pass() {
    let name = "junit-skips-claimed-over-a-flaky-pass.xml";
    let xml = text(name);
    let run = tollgate::evidence::junit::parse_junit(Path::new(name), &xml).unwrap();
    // The two testcases pass; the contradiction is an error entry of its own.
    let counts = (run.total, run.passed, run.flaky, run.skipped, run.errors);
    assert_eq!(counts, (3, 2, 1, 0, 1), "{run:?}");
    assert_eq!(run.failing.len(), 1, "{run:?}");
    assert_eq!(run.failing[0].name, "(suite counters)");
    let message = run.failing[0].message.as_deref().unwrap_or_default();
    assert!(
        message.contains("skipped + disabled = 2, but only 0 of its testcases are skipped and 2 passed (1 of them flaky, which ran)"),
        "{message}"
    );
    // One claimed skip takes the plain pass, never the flaky one.
    let one = xml.replacen("skipped=\"2\"", "skipped=\"1\"", 1);
    let run = tollgate::evidence::junit::parse_junit(Path::new(name), &one).unwrap();
    assert_eq!(
        (run.total, run.passed, run.flaky, run.skipped),
        (2, 1, 1, 1)
    );
    assert!(run.failing.is_empty(), "{run:?}");
}

/// `llvm_json`: a key without its `:` before a broken `segments` array. The
/// skipping of `segments` (`json_skip`) read ahead of serde, so the whole
/// input was refused for the segments and the input read 7 bytes at a time
/// for the key; the first error in the file is now the one reported,
/// however it is buffered.
#[test]
fn llvm_json_reports_the_first_error_however_buffered() {
    use tollgate::evidence::coverage::{llvm_json::read_llvm_json, CoverageReport, ReadOptions};
    let name = "llvm-json-broken-key-before-broken-segments.json";
    let data = std::fs::read(fixture(name)).unwrap();
    let read = |input: &mut dyn std::io::BufRead| {
        let mut report = CoverageReport::new();
        read_llvm_json(input, Path::new(name), &ReadOptions::default(), &mut report)
            .unwrap_err()
            .to_string()
    };
    let whole = read(&mut &data[..]);
    let pieces = read(&mut std::io::BufReader::with_capacity(7, &data[..]));
    assert_eq!(whole, pieces);
    assert!(
        whole.contains(&format!(
            "{name}:1: not an llvm-cov JSON export: expected `:`"
        )),
        "{whole}"
    );
}
