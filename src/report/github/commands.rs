//! Workflow commands: the fallback when GitHub refuses a check run.
//!
//! A fork's pull-request token is read-only, so creating a check run gets a
//! 403 (docs/github.md). Lines such as `::error file=src/a.rs,line=3::text`
//! printed to standard output still become annotations on the run, and need
//! no token at all. Two constraints shape this module:
//!
//! - Escaping must match `actions/toolkit` `packages/core/src/command.ts`
//!   exactly: a message with a raw newline would otherwise end the command
//!   early and print the rest as log text, and a `,` or `:` in a file name
//!   would start a new property.
//! - GitHub shows only 10 error and 10 warning annotations per step (and we
//!   treat notices the same way). Anything past that is silently dropped, so
//!   the commands are ranked (rule-level failures first, then located
//!   findings, by level) and cut to 10 of each, followed by one notice that
//!   says how many more exist and where to read them.

use std::fmt::{self, Write as _};

use crate::eval::{AnnotationLevel, Status, Verdict};
use crate::report::budget::{clip, thousands};

use super::annotations::{annotation_title, ranked_annotations};

/// GitHub shows at most this many annotations of one level per step.
pub const COMMANDS_PER_LEVEL: usize = 10;

/// Longest message of one workflow command, in bytes: the log line stays
/// readable, and the full text is in the step summary and the JSON report.
const COMMAND_MESSAGE_MAX: usize = 4_096;

/// Escapes a command's message (toolkit `escapeData`): `%`, CR and LF.
#[must_use]
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a command property value (toolkit `escapeProperty`): as
/// [`escape_data`], plus `:` and `,`.
#[must_use]
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Makes one line of log text (an error message, a note) unable to act as a
/// workflow command. The runner tries every line it reads on either stream
/// as a command: as `::name::data` when the line *starts* with `::` (after
/// leading white space), and in the legacy form `##[name]data` found
/// *anywhere* in the line (`ActionCommand.TryParse` in actions/runner), so
/// `##[stop-commands]x` in an evidence file name, echoed in an error, would
/// switch command processing off for the rest of the step. A zero-width space
/// (U+200B, which the runner's `TrimStart` does not strip) breaks both forms
/// while the text reads the same. Line ends are kept: call it per line.
#[must_use]
pub fn inert_log_line(line: &str) -> String {
    const ZWSP: &str = "\u{200b}";
    let line = line.replace("##[", &format!("#{ZWSP}#["));
    if line.trim_start().starts_with("::") {
        format!("{ZWSP}{line}")
    } else {
        line
    }
}

/// The `::add-mask::` command that hides `secret` from the rest of the job's
/// log. Print it before anything could print the secret; `None` for an empty
/// secret (there is nothing to mask, and masking "" is meaningless).
#[must_use]
pub fn add_mask(secret: &str) -> Option<String> {
    if secret.is_empty() {
        None
    } else {
        Some(format!("::add-mask::{}", escape_data(secret)))
    }
}

/// The level of an annotation command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CommandLevel {
    /// `::error`
    Error,
    /// `::warning`
    Warning,
    /// `::notice`
    Notice,
}

impl CommandLevel {
    /// The command name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            CommandLevel::Error => "error",
            CommandLevel::Warning => "warning",
            CommandLevel::Notice => "notice",
        }
    }
}

impl From<AnnotationLevel> for CommandLevel {
    fn from(level: AnnotationLevel) -> Self {
        match level {
            AnnotationLevel::Failure => CommandLevel::Error,
            AnnotationLevel::Warning => CommandLevel::Warning,
            AnnotationLevel::Notice => CommandLevel::Notice,
        }
    }
}

/// One annotation command; its [`Display`](fmt::Display) is the exact line
/// to print (without the line end).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowCommand {
    /// error, warning or notice.
    pub level: CommandLevel,
    /// Repository-relative file, when the finding has a place.
    pub file: Option<String>,
    /// First line.
    pub line: Option<u32>,
    /// Last line.
    pub end_line: Option<u32>,
    /// Short title.
    pub title: Option<String>,
    /// The text.
    pub message: String,
}

impl fmt::Display for WorkflowCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "::{}", self.level.as_str())?;
        let line = self.line.map(|n| n.to_string());
        let end_line = self.end_line.map(|n| n.to_string());
        let props = [
            ("file", self.file.as_deref()),
            ("line", line.as_deref()),
            ("endLine", end_line.as_deref()),
            ("title", self.title.as_deref()),
        ];
        // Like the toolkit, empty values are left out altogether.
        let mut first = true;
        for (key, value) in props {
            let Some(value) = value.filter(|v| !v.is_empty()) else {
                continue;
            };
            f.write_str(if first { " " } else { "," })?;
            first = false;
            write!(f, "{key}={}", escape_property(value))?;
        }
        write!(f, "::{}", escape_data(&self.message))
    }
}

impl WorkflowCommand {
    fn unlocated(level: CommandLevel, title: &str, message: &str) -> Self {
        Self {
            level,
            file: None,
            line: None,
            end_line: None,
            title: Some(title.to_owned()),
            message: clip(message, COMMAND_MESSAGE_MAX),
        }
    }
}

/// Every command the verdict calls for, most important first: blocking
/// rules (no location), undecided rules, located findings by level and rule
/// order, overridden rules.
fn candidates(verdict: &Verdict) -> Vec<WorkflowCommand> {
    let mut out = Vec::new();
    let mut rules: Vec<_> = verdict.rules.iter().collect();
    rules.sort_by_key(|r| r.status);
    for rule in &rules {
        let level = match rule.status {
            Status::Error | Status::Fail => CommandLevel::Error,
            Status::Unknown => CommandLevel::Warning,
            _ => continue,
        };
        let mut message = rule.message.clone();
        if let Some(help) = &rule.help {
            message.push_str("\nWhat to do: ");
            message.push_str(help);
        }
        out.push(WorkflowCommand::unlocated(level, &rule.id, &message));
    }
    for a in ranked_annotations(verdict) {
        let title = annotation_title(a);
        let start = a.start_line.max(1);
        out.push(WorkflowCommand {
            level: a.level.into(),
            file: Some(a.path.clone()),
            line: Some(start),
            end_line: Some(a.end_line.max(start)),
            title: Some(title),
            message: clip(&a.message, COMMAND_MESSAGE_MAX),
        });
    }
    for rule in rules.iter().filter(|r| r.status == Status::Overridden) {
        let message = match &rule.override_ {
            Some(o) => format!(
                "{} Waived by {} until {}: {}",
                rule.message, o.signer, o.expires, o.reason
            ),
            None => rule.message.clone(),
        };
        out.push(WorkflowCommand::unlocated(
            CommandLevel::Notice,
            &format!("{} (overridden)", rule.id),
            &message,
        ));
    }
    out
}

/// The annotation commands to print for a verdict: at most
/// [`COMMANDS_PER_LEVEL`] errors, warnings and notices, ranked, and when
/// anything was left out a last notice saying how much (it takes one of the
/// notice places).
#[must_use]
pub fn workflow_commands(verdict: &Verdict) -> Vec<WorkflowCommand> {
    let all = candidates(verdict);
    let count = |level| all.iter().filter(|c| c.level == level).count();
    let (errors, warnings, notices) = (
        count(CommandLevel::Error),
        count(CommandLevel::Warning),
        count(CommandLevel::Notice),
    );
    let over = |n: usize| n.saturating_sub(COMMANDS_PER_LEVEL);
    let truncated = errors > COMMANDS_PER_LEVEL
        || warnings > COMMANDS_PER_LEVEL
        || notices > COMMANDS_PER_LEVEL;
    let notice_room = if truncated {
        COMMANDS_PER_LEVEL - 1
    } else {
        COMMANDS_PER_LEVEL
    };
    let mut shown = Vec::new();
    for (level, room) in [
        (CommandLevel::Error, COMMANDS_PER_LEVEL),
        (CommandLevel::Warning, COMMANDS_PER_LEVEL),
        (CommandLevel::Notice, notice_room),
    ] {
        shown.extend(all.iter().filter(|c| c.level == level).take(room).cloned());
    }
    if truncated {
        let mut parts = Vec::new();
        for (n, one, many) in [
            (over(errors), "error", "errors"),
            (over(warnings), "warning", "warnings"),
            (notices.saturating_sub(notice_room), "notice", "notices"),
        ] {
            if n > 0 {
                parts.push(format!(
                    "{} more {}",
                    thousands(n),
                    if n == 1 { one } else { many }
                ));
            }
        }
        shown.push(WorkflowCommand {
            level: CommandLevel::Notice,
            file: None,
            line: None,
            end_line: None,
            title: Some(format!("tollgate/{}: more findings", verdict.gate)),
            message: format!(
                "{} not shown: GitHub shows {COMMANDS_PER_LEVEL} of each kind per step. \
                 The step summary and the JSON report hold everything.",
                parts.join(", ")
            ),
        });
    }
    shown
}

/// [`workflow_commands`] as text ready for standard output, one command per
/// line.
#[must_use]
pub fn render_workflow_commands(verdict: &Verdict) -> String {
    let mut out = String::new();
    for command in workflow_commands(verdict) {
        let _ = writeln!(out, "{command}");
    }
    out
}

#[cfg(test)]
mod injection_tests {
    use super::*;
    use crate::eval::{Annotation, AnnotationLevel};
    use crate::report::github::tests::sample;

    /// Every line of the rendered commands is one of ours: a hostile value
    /// cannot start a line of its own.
    #[test]
    fn newlines_in_values_cannot_inject_a_workflow_command() {
        let mut v = sample(2, 1);
        let hostile = "boom\n::warning::injected\r\n::add-mask::x\n##[stop-commands]t";
        v.rules[1].message = hostile.to_owned();
        v.rules[1].help = Some(hostile.to_owned());
        v.rules[1].id = format!("bench.regression[{hostile}]");
        v.annotations.push(Annotation {
            path: "src/a,b:c.rs\n::error file=x::forged".into(),
            start_line: 3,
            end_line: 4,
            level: AnnotationLevel::Failure,
            rule: v.rules[1].id.clone(),
            title: hostile.into(),
            message: hostile.into(),
        });
        let text = render_workflow_commands(&v);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        for line in &lines {
            assert!(
                line.starts_with("::error title=") || line.starts_with("::error file="),
                "{line}"
            );
            assert!(!line.contains('\r'), "{line}");
        }
        // The file property cannot grow a second property or end early.
        assert!(
            lines.iter().any(|l| l.starts_with(
                "::error file=src/a%2Cb%3Ac.rs%0A%3A%3Aerror file=x%3A%3Aforged,line=3,"
            )),
            "{text}"
        );
    }

    #[test]
    fn log_lines_cannot_act_as_commands() {
        assert_eq!(inert_log_line("plain text"), "plain text");
        for hostile in [
            "::warning::x",
            "  ::add-mask::y",
            "error: ##[error]forged",
            "##[stop-commands]t",
        ] {
            let safe = inert_log_line(hostile);
            assert!(!safe.trim_start().starts_with("::"), "{safe:?}");
            assert!(!safe.contains("##["), "{safe:?}");
            assert_eq!(safe.replace('\u{200b}', ""), hostile);
        }
    }
}
