//! Renderers: a [`Verdict`] in, text out. They only read the verdict; they
//! never read policy files or evidence (docs/architecture.md).
//!
//! [`github`] shapes the verdict for GitHub (check-run payload, annotations,
//! workflow commands, the Actions output files) within GitHub's size limits.

mod budget;
pub mod github;
mod human;
mod markdown;

use serde::Serialize;

use crate::eval::Verdict;

pub use budget::{clip, clip_chars, thousands, truncate_lines, truncate_utf8};
pub use human::render_human;
pub use markdown::{inert, render_markdown, render_markdown_within};

/// Version of the JSON report layout.
pub const REPORT_SCHEMA: u32 = 1;

/// The tool that wrote a report.
#[derive(Debug, Clone, Serialize)]
pub struct ToolInfo {
    /// Always `tollgate`.
    pub name: &'static str,
    /// Crate version.
    pub version: &'static str,
}

/// The JSON report of docs/reports.md: a verdict plus envelope fields.
#[derive(Debug, Clone, Serialize)]
pub struct JsonReport<'a> {
    /// Report layout version.
    pub schema: u32,
    /// Who wrote it.
    pub tool: ToolInfo,
    /// The verdict, flattened into the top level.
    #[serde(flatten)]
    pub verdict: &'a Verdict,
}

/// This build's tool information.
#[must_use]
pub fn tool_info() -> ToolInfo {
    ToolInfo {
        name: env!("CARGO_PKG_NAME"),
        version: env!("CARGO_PKG_VERSION"),
    }
}

/// The verdict as pretty JSON, newline-terminated.
#[must_use]
pub fn render_json(verdict: &Verdict) -> String {
    let report = JsonReport {
        schema: REPORT_SCHEMA,
        tool: tool_info(),
        verdict,
    };
    // Serialising plain structs of strings and numbers cannot fail; keep a
    // readable fallback rather than a panic all the same.
    let mut out = serde_json::to_string_pretty(&report)
        .unwrap_or_else(|e| format!("{{\"error\": \"cannot serialise report: {e}\"}}"));
    out.push('\n');
    out
}

/// Output formats of `check` and `inspect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For a person at a terminal.
    Human,
    /// The stable JSON report.
    Json,
    /// GitHub-flavoured Markdown (step summaries, check runs).
    Markdown,
}

/// Renders a verdict in `format`.
#[must_use]
pub fn render(verdict: &Verdict, format: Format, color: bool) -> String {
    match format {
        Format::Human => render_human(verdict, color),
        Format::Json => render_json(verdict),
        Format::Markdown => render_markdown(verdict),
    }
}
