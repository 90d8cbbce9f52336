//! The record of which commits a benchmark comparison measured
//! (`target/tollgate-bench.json`, written by the evidence workflow's
//! benchmark step, `benches/bench-base-head.sh`; docs/benchmarks.md).
//!
//! Like every evidence file it is untrusted: reading it only checks its
//! shape. Whether its commits are the ones the judge expected (the pull
//! request's merge base and head) is the evaluator's call.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::evidence::text::{json_error, malformed, read_text};
use crate::evidence::EvidenceError;

/// The commits a benchmark run compared, as the run recorded them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BenchCommits {
    /// The commit benchmarked as the baseline.
    pub base: String,
    /// The commit benchmarked as the head.
    pub head: String,
    /// The harness (`criterion`, `hyperfine`, `bmf`).
    pub tool: String,
    /// Whether the base built and ran its benchmarks; `false` leaves every
    /// benchmark without a baseline (`skipped: new benchmark`).
    pub base_ran: bool,
    /// The criterion trees of each round of base and head, when the run
    /// took more than one (paths relative to the evidence directory, as
    /// written); empty for a single comparison.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rounds: Vec<String>,
    /// The file read.
    pub source: String,
}

/// The most rounds a record may list: more is not a benchmark run but a
/// way to make the judge read without end.
pub const MAX_ROUNDS: usize = 99;

#[derive(Deserialize)]
struct Raw {
    base: String,
    head: String,
    tool: String,
    #[serde(default = "yes")]
    base_ran: bool,
    #[serde(default)]
    rounds: Vec<String>,
}

const fn yes() -> bool {
    true
}

/// A full hexadecimal commit id (SHA-1 or SHA-256).
fn is_commit_id(text: &str) -> bool {
    matches!(text.len(), 40 | 64) && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Reads a commits record; a field that is not a full commit id is
/// malformed input (an abbreviated id could name either of two commits).
pub fn read_bench_commits(path: &Path) -> Result<BenchCommits, EvidenceError> {
    let text = read_text(path)?;
    let raw: Raw = serde_json::from_str(&text)
        .map_err(|e| json_error(path, "benchmark commits record", &e))?;
    for (field, value) in [("base", &raw.base), ("head", &raw.head)] {
        if !is_commit_id(value) {
            return Err(malformed(
                path,
                1,
                format!("`{field}` is {value:?}, not a full commit id (40 or 64 hex digits)"),
            ));
        }
    }
    if raw.rounds.len() > MAX_ROUNDS {
        return Err(malformed(
            path,
            1,
            format!(
                "`rounds` lists {} trees; at most {MAX_ROUNDS} are read",
                raw.rounds.len()
            ),
        ));
    }
    // The record is untrusted: a round must be a tree inside the evidence
    // directory, not a path that reaches out of it.
    for round in &raw.rounds {
        let p = Path::new(round);
        let inside = !round.is_empty()
            && p.is_relative()
            && p.components().all(|c| {
                matches!(
                    c,
                    std::path::Component::Normal(_) | std::path::Component::CurDir
                )
            });
        if !inside {
            return Err(malformed(
                path,
                1,
                format!(
                    "`rounds` entry {round:?} is not a relative path inside the evidence directory"
                ),
            ));
        }
    }
    Ok(BenchCommits {
        base: raw.base.to_ascii_lowercase(),
        head: raw.head.to_ascii_lowercase(),
        tool: raw.tool,
        base_ran: raw.base_ran,
        rounds: raw.rounds,
        source: path.display().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_needs_full_commit_ids() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tollgate-bench.json");
        let sha = "a".repeat(40);
        std::fs::write(
            &path,
            format!(
                r#"{{"base":"{sha}","head":"{}","tool":"criterion"}}"#,
                "B".repeat(40)
            ),
        )
        .unwrap();
        let record = read_bench_commits(&path).unwrap();
        assert_eq!(record.head, "b".repeat(40));
        assert!(record.base_ran);
        std::fs::write(
            &path,
            r#"{"base":"abc123","head":"abc123","tool":"criterion"}"#,
        )
        .unwrap();
        let err = read_bench_commits(&path).unwrap_err().to_string();
        assert!(err.contains("not a full commit id"), "{err}");
        assert!(err.contains("tollgate-bench.json"), "{err}");
    }

    #[test]
    fn rounds_must_stay_inside_the_evidence_directory() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tollgate-bench.json");
        let sha = "a".repeat(40);
        let write = |rounds: &str| {
            std::fs::write(
                &path,
                format!(
                    r#"{{"base":"{sha}","head":"{sha}","tool":"criterion","rounds":{rounds}}}"#
                ),
            )
            .unwrap();
        };
        write(r#"["target/criterion-rounds/r1","target/criterion-rounds/r2"]"#);
        assert_eq!(read_bench_commits(&path).unwrap().rounds.len(), 2);
        for bad in [r#"["../r1"]"#, r#"["/etc"]"#, r#"[""]"#, r#"["a/../../b"]"#] {
            write(bad);
            let err = read_bench_commits(&path).unwrap_err().to_string();
            assert!(err.contains("not a relative path inside"), "{bad}: {err}");
        }
        write(&format!("[{}]", vec!["\"r\""; MAX_ROUNDS + 1].join(",")));
        let err = read_bench_commits(&path).unwrap_err().to_string();
        assert!(err.contains("at most 99"), "{err}");
    }
}
