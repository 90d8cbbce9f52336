//! The Actions file commands: `$GITHUB_OUTPUT` and `$GITHUB_STEP_SUMMARY`.
//!
//! Both files are shared with every other command in the step, so we only
//! ever append. Outputs use the `name<<DELIMITER` form for every value, as
//! `actions/toolkit` `file-command.ts` does, with a delimiter that is fresh
//! per value and checked not to occur in it: a value holding a newline and
//! `other=...` must not be able to set a second output. The step summary is
//! cut to what is left of GitHub's 1 MiB per-step budget (docs/github.md), since
//! a larger one is dropped whole.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};

use crate::eval::{Conclusion, Verdict};
use crate::report::render_markdown_within;

/// GitHub's limit on one step's summary, in bytes.
pub const STEP_SUMMARY_LIMIT: usize = 1024 * 1024;

/// A file command could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ActionsFileError {
    /// The file could not be opened or written (the message names it).
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// An output name GitHub would misread.
    #[error("invalid output name {0:?}: it must be non-empty, without `=`, `<<` or line breaks")]
    OutputName(String),
}

/// The `conclusion` output: `pass` or `fail`. A verdict that is undecided
/// (only possible in a dry run) is `fail`, for the reason given in
/// [`super::check_conclusion`]: a workflow that branches on this output must
/// never take the success path for a gate nobody decided.
#[must_use]
pub fn output_conclusion(conclusion: Conclusion) -> &'static str {
    match conclusion {
        Conclusion::Pass => "pass",
        Conclusion::Fail | Conclusion::Unknown | Conclusion::Pending => "fail",
    }
}

/// The step outputs of `check --github` (docs/reports.md): `conclusion`, and
/// `report` when a JSON report was written.
#[must_use]
pub fn step_outputs(verdict: &Verdict, report: Option<&Path>) -> Vec<(&'static str, String)> {
    let mut out = vec![(
        "conclusion",
        output_conclusion(verdict.conclusion).to_owned(),
    )];
    if let Some(path) = report {
        out.push(("report", path.display().to_string()));
    }
    out
}

/// One output in the heredoc form, newline-terminated:
/// `name<<DELIM\nvalue\nDELIM\n`. `delimiter` must not occur in the value
/// (see [`fresh_delimiter`]).
pub fn format_output(name: &str, value: &str, delimiter: &str) -> Result<String, ActionsFileError> {
    if name.is_empty() || name.contains(['=', '\n', '\r']) || name.contains("<<") {
        return Err(ActionsFileError::OutputName(name.to_owned()));
    }
    Ok(format!("{name}<<{delimiter}\n{value}\n{delimiter}\n"))
}

/// A delimiter that occurs in neither `name` nor `value`. Unpredictable
/// (hashed from the time, the process id and a counter) so that a value
/// cannot be crafted to contain it, and checked all the same.
#[must_use]
pub fn fresh_delimiter(name: &str, value: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let mut hash = Sha256::new();
        hash.update(nanos.to_le_bytes());
        hash.update(std::process::id().to_le_bytes());
        hash.update(n.to_le_bytes());
        let digest = hash.finalize();
        let mut delimiter = String::from("ghadelimiter_");
        for b in digest.iter().take(16) {
            let _ = write!(delimiter, "{b:02x}");
        }
        if !name.contains(&delimiter) && !value.contains(&delimiter) {
            return delimiter;
        }
    }
}

/// Appends outputs to the `$GITHUB_OUTPUT` file at `path` in one write.
pub fn append_outputs(path: &Path, outputs: &[(&str, &str)]) -> Result<(), ActionsFileError> {
    let mut text = String::new();
    for (name, value) in outputs {
        text.push_str(&format_output(name, value, &fresh_delimiter(name, value))?);
    }
    let mut file = fs_err::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)?;
    file.write_all(text.as_bytes())?;
    file.flush()?;
    Ok(())
}

/// Appends the verdict's Markdown to the `$GITHUB_STEP_SUMMARY` file at
/// `path`, cut to what is left of the step's 1 MiB (other commands of the
/// step may have written to it already). Returns the bytes written.
pub fn append_step_summary(path: &Path, verdict: &Verdict) -> Result<usize, ActionsFileError> {
    let used = match fs_err::metadata(path) {
        Ok(m) => usize::try_from(m.len()).unwrap_or(usize::MAX),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
        Err(e) => return Err(e.into()),
    };
    let room = STEP_SUMMARY_LIMIT.saturating_sub(used);
    let text = render_markdown_within(verdict, room);
    if text.is_empty() {
        return Ok(0);
    }
    let mut file = fs_err::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)?;
    file.write_all(text.as_bytes())?;
    file.flush()?;
    Ok(text.len())
}

/// Everything `check --github` writes to the Actions files: the step summary
/// (when `$GITHUB_STEP_SUMMARY` is set) and the `conclusion` and `report`
/// outputs (when `$GITHUB_OUTPUT` is set).
pub fn write_actions_files(
    step_summary: Option<&Path>,
    output: Option<&Path>,
    verdict: &Verdict,
    report: Option<&Path>,
) -> Result<(), ActionsFileError> {
    if let Some(path) = step_summary {
        append_step_summary(path, verdict)?;
    }
    if let Some(path) = output {
        let outputs = step_outputs(verdict, report);
        let pairs: Vec<(&str, &str)> = outputs.iter().map(|(n, v)| (*n, v.as_str())).collect();
        append_outputs(path, &pairs)?;
    }
    Ok(())
}
