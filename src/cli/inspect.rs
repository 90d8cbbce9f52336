//! `tollgate inspect FILE...`: what tollgate understood of each evidence
//! file — the detected format, totals and per-item figures — so a user can
//! check a report against the tool that wrote it before trusting a gate.

use std::fmt::Write as _;

use serde::Serialize;

use super::progress::Progress;
use super::{print_out, repo_root, InspectArgs, RunError};
use crate::eval::{self, format_ns, CoverageEvidence, TallyReport};
use crate::evidence::coverage::{read_coverage_file_named, CoverageReport, ReadOptions};
use crate::evidence::detect::{self, Format as EvidenceFormat, InspectedEvidence};
use crate::evidence::{audit, bench, junit};
use crate::exit;
use crate::report::{inert, Format};
use crate::terminal;

/// One inspected file: `{"format", "file", "coverage"|"audit"|"tests"|"bench": …}`
/// (docs/reports.md).
#[derive(Debug, Serialize)]
struct Inspected {
    format: &'static str,
    /// What wrote the file, when the file says (`coverage.py 7.17.4`).
    #[serde(skip_serializing_if = "Option::is_none")]
    producer: Option<String>,
    file: String,
    #[serde(flatten)]
    figures: Figures,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "lowercase")]
enum Figures {
    Coverage(InspectedCoverage),
    Audit(audit::AuditReport),
    Tests(junit::TestRun),
    Bench(Vec<bench::BenchSummary>),
}

/// Coverage totals as the verdict reports them (without `patch`: there is
/// no change set here), and each source file's own figures.
#[derive(Debug, Serialize)]
struct InspectedCoverage {
    files: usize,
    lines: TallyReport,
    branches: TallyReport,
    functions: TallyReport,
    #[serde(skip_serializing_if = "Option::is_none")]
    regions: Option<TallyReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    statements: Option<TallyReport>,
    per_file: Vec<InspectedFile>,
}

impl InspectedCoverage {
    fn new(report: &CoverageReport) -> Self {
        let totals = CoverageEvidence::from_report(report, None);
        Self {
            files: totals.files,
            lines: totals.lines,
            branches: totals.branches,
            functions: totals.functions,
            regions: totals.regions,
            statements: totals.statements,
            per_file: report
                .files()
                .map(|(path, cov)| {
                    let s = cov.summary();
                    InspectedFile {
                        path: path.to_owned(),
                        lines: s.lines.into(),
                        branches: s.branches.into(),
                        functions: s.functions.into(),
                        regions: s.regions.map(Into::into),
                        statements: s.statements.map(Into::into),
                    }
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize)]
struct InspectedFile {
    path: String,
    lines: TallyReport,
    branches: TallyReport,
    functions: TallyReport,
    #[serde(skip_serializing_if = "Option::is_none")]
    regions: Option<TallyReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    statements: Option<TallyReport>,
}

/// `  regions 39/45 (86.66%)` and `  statements 11/19 (57.89%)` after the
/// other figures, for the figures the evidence has; nothing otherwise.
fn extra_human(regions: Option<&TallyReport>, statements: Option<&TallyReport>) -> String {
    let mut out = String::new();
    if let Some(r) = regions {
        let _ = write!(out, "  regions {}", tally(r));
    }
    if let Some(s) = statements {
        let _ = write!(out, "  statements {}", tally(s));
    }
    out
}

pub(super) fn run(args: &InspectArgs) -> Result<u8, RunError> {
    let all = inspect_all(args)?;
    let text = match args.format {
        Format::Json => json(&all)?,
        // File names and test names come from the evidence: an escape
        // sequence in one must be shown, not obeyed by the terminal.
        Format::Human => {
            terminal::safe(&all.iter().map(human).collect::<Vec<_>>().join("\n")).into_owned()
        }
        Format::Markdown => all.iter().map(markdown).collect::<Vec<_>>().join("\n"),
    };
    print_out(&text)?;
    Ok(exit::PASSED)
}

/// Reads every file, in order; the first that cannot be read stops the run.
fn inspect_all(args: &InspectArgs) -> Result<Vec<Inspected>, RunError> {
    let root = args.root.clone().unwrap_or_else(|| repo_root(None));
    let opts = ReadOptions {
        repo_root: root,
        strip_prefix: args.strip_prefix.clone(),
        format: args.coverage_format,
    };
    let mut all = Vec::new();
    for file in &args.files {
        let _progress = Progress::reading(file);
        // A forced coverage format skips detection: the coverage reader
        // still refuses a file whose structure names another format.
        // Detection and the producer come from one look at the file's
        // head, so a large coverage file is read whole once, by its reader.
        let (format, mut producer) = if let Some(forced) = args.coverage_format {
            (EvidenceFormat::from(forced), detect::producer(file))
        } else {
            let detected = detect::detect_file(file)?;
            (detected.format, detected.producer)
        };
        let figures = match format {
            EvidenceFormat::Lcov
            | EvidenceFormat::Cobertura
            | EvidenceFormat::Clover
            | EvidenceFormat::SonarGeneric
            | EvidenceFormat::LlvmCovJson
            | EvidenceFormat::CoveragePyJson
            | EvidenceFormat::GoCover
            | EvidenceFormat::Jacoco => {
                let mut report = CoverageReport::new();
                let (_, named) = read_coverage_file_named(file, &opts, &mut report)?;
                // Detection leaves llvm-cov's producer to its reader.
                producer = producer.or(named);
                Figures::Coverage(InspectedCoverage::new(&report))
            }
            EvidenceFormat::CargoAudit => Figures::Audit(audit::read_audit(file)?),
            EvidenceFormat::Junit => Figures::Tests(junit::read_junit(file)?),
            EvidenceFormat::Bench(_) => match detect::inspect(file)?.evidence {
                Some(InspectedEvidence::Bench(b)) => Figures::Bench(b),
                _ => Figures::Bench(bench::summary(&bench::read_bench(file)?.benchmarks)),
            },
        };
        all.push(Inspected {
            producer,
            file: file.display().to_string(),
            format: format.as_str(),
            figures,
        });
    }
    Ok(all)
}

/// One file is an object, several an array of them.
fn json(all: &[Inspected]) -> Result<String, RunError> {
    let mut text = match all {
        [one] => serde_json::to_string_pretty(one),
        many => serde_json::to_string_pretty(many),
    }?;
    text.push('\n');
    Ok(text)
}

fn tally(t: &TallyReport) -> String {
    format!(
        "{}/{} ({})",
        t.hit,
        t.found,
        eval::format_percent(t.hit, t.found)
    )
}

fn human(i: &Inspected) -> String {
    let mut out = String::new();
    match &i.figures {
        Figures::Coverage(coverage) => {
            let by = i.producer.as_deref().map_or_else(String::new, |p| {
                format!(" (written by {})", terminal::field(p))
            });
            let _ = writeln!(
                out,
                "{}: {} coverage{by}, {} files",
                terminal::field(&i.file),
                i.format,
                coverage.files
            );
            let _ = writeln!(
                out,
                "  total      lines {:<24} branches {:<24} functions {}{}",
                tally(&coverage.lines),
                tally(&coverage.branches),
                tally(&coverage.functions),
                extra_human(coverage.regions.as_ref(), coverage.statements.as_ref())
            );
            for f in &coverage.per_file {
                let _ = writeln!(
                    out,
                    "  {}\n             lines {:<24} branches {:<24} functions {}{}",
                    terminal::field(&f.path),
                    tally(&f.lines),
                    tally(&f.branches),
                    tally(&f.functions),
                    extra_human(f.regions.as_ref(), f.statements.as_ref())
                );
            }
        }
        Figures::Audit(report) => audit_human(&mut out, i, report),
        Figures::Tests(run) => {
            let _ = writeln!(
                out,
                "{}: {} report, {} tests: {} passed ({} flaky), {} failed, {} errors, {} skipped",
                terminal::field(&i.file),
                i.format,
                run.total,
                run.passed,
                run.flaky,
                run.failed,
                run.errors,
                run.skipped
            );
            for t in &run.failing {
                let _ = writeln!(
                    out,
                    "  {:?} {} ({})",
                    t.kind,
                    terminal::field(&t.name),
                    terminal::field(&t.suite)
                );
            }
        }
        Figures::Bench(benches) => {
            let _ = writeln!(
                out,
                "{}: {} results, {} benchmarks",
                terminal::field(&i.file),
                i.format,
                benches.len()
            );
            for b in benches {
                let value = b.value_ns.map_or_else(|| "-".to_owned(), format_ns);
                let change = b
                    .change_percent
                    .map(|c| format!("{c:+.2}%"))
                    .unwrap_or_default();
                let _ = writeln!(out, "  {:<32} {value:>12} {change}", terminal::field(&b.id));
            }
        }
    }
    out
}

fn audit_human(out: &mut String, i: &Inspected, report: &audit::AuditReport) {
    let _ = writeln!(
        out,
        "{}: {} report, {} lockfile(s), {} vulnerabilit{}",
        i.file,
        i.format,
        report.lockfiles.len(),
        report.vulnerabilities.len(),
        if report.vulnerabilities.len() == 1 {
            "y"
        } else {
            "ies"
        }
    );
    for a in &report.vulnerabilities {
        let score = a.score.map(|s| format!(" {s:.1}")).unwrap_or_default();
        let _ = writeln!(
            out,
            "  {:<18} {:<10}{score:<5} {}@{}  {}",
            terminal::field(&a.id),
            a.severity.as_str(),
            terminal::field(&a.package),
            terminal::field(&a.version),
            terminal::field(&a.title)
        );
    }
    for (kind, list) in &report.warnings {
        for w in list {
            let _ = writeln!(
                out,
                "  warning {:<12} {}@{} {}",
                kind.as_str(),
                terminal::field(&w.package),
                terminal::field(&w.version),
                terminal::field(w.id.as_deref().unwrap_or(""))
            );
        }
    }
}

/// Text for a Markdown table cell: inert (no links, HTML or mentions from
/// the evidence; pipes escaped), on one line.
fn cell(text: &str) -> String {
    inert(&text.replace(['\r', '\n'], " "))
}

/// Text in a Markdown code span (backticks cannot be escaped inside one;
/// everything else in it is literal but a table's `|`).
fn code(text: &str) -> String {
    format!(
        "`{}`",
        text.replace(['\r', '\n'], " ")
            .replace('`', "'")
            .replace('|', "\\|")
    )
}

/// The same figures as [`human`], as Markdown tables to paste into a pull
/// request or an issue.
fn markdown(i: &Inspected) -> String {
    let mut out = String::new();
    let file = code(&i.file);
    match &i.figures {
        Figures::Coverage(coverage) => {
            let _ = writeln!(
                out,
                "### {file}: {} coverage, {} files\n",
                i.format, coverage.files
            );
            // Regions and Statements columns only where the evidence has them.
            let regions = coverage.regions.is_some();
            let statements = coverage.statements.is_some();
            let mut head = String::new();
            let mut rule = String::new();
            for (shown, name) in [(regions, " Regions |"), (statements, " Statements |")] {
                if shown {
                    head.push_str(name);
                    rule.push_str("---:|");
                }
            }
            let cell = |r: Option<&TallyReport>, s: Option<&TallyReport>| {
                let mut out = String::new();
                for (shown, t) in [(regions, r), (statements, s)] {
                    if shown {
                        let _ = write!(out, " {} |", t.map_or_else(|| "-".to_owned(), tally));
                    }
                }
                out
            };
            let _ = writeln!(out, "| File | Lines | Branches | Functions |{head}");
            let _ = writeln!(out, "|---|---:|---:|---:|{rule}");
            let _ = writeln!(
                out,
                "| **total** | {} | {} | {} |{}",
                tally(&coverage.lines),
                tally(&coverage.branches),
                tally(&coverage.functions),
                cell(coverage.regions.as_ref(), coverage.statements.as_ref())
            );
            for f in &coverage.per_file {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} |{}",
                    code(&f.path),
                    tally(&f.lines),
                    tally(&f.branches),
                    tally(&f.functions),
                    cell(f.regions.as_ref(), f.statements.as_ref())
                );
            }
        }
        Figures::Audit(report) => audit_markdown(&mut out, &file, i.format, report),
        Figures::Tests(run) => {
            let _ = writeln!(
                out,
                "### {file}: {} report, {} tests\n\n{} passed ({} flaky), {} failed, {} errors, {} skipped",
                i.format, run.total, run.passed, run.flaky, run.failed, run.errors, run.skipped
            );
            if !run.failing.is_empty() {
                let _ = writeln!(out, "\n| Outcome | Test | Suite |");
                let _ = writeln!(out, "|---|---|---|");
                for t in &run.failing {
                    let _ = writeln!(
                        out,
                        "| {:?} | {} | {} |",
                        t.kind,
                        code(&t.name),
                        cell(&t.suite)
                    );
                }
            }
        }
        Figures::Bench(benches) => {
            let _ = writeln!(
                out,
                "### {file}: {} results, {} benchmarks\n",
                i.format,
                benches.len()
            );
            let _ = writeln!(out, "| Benchmark | Time | Change |");
            let _ = writeln!(out, "|---|---:|---:|");
            for b in benches {
                let value = b.value_ns.map_or_else(|| "-".to_owned(), format_ns);
                let change = b
                    .change_percent
                    .map_or_else(|| "-".to_owned(), |c| format!("{c:+.2}%"));
                let _ = writeln!(out, "| {} | {value} | {change} |", code(&b.id));
            }
        }
    }
    out
}

fn audit_markdown(out: &mut String, file: &str, format: &str, report: &audit::AuditReport) {
    let _ = writeln!(
        out,
        "### {file}: {} report, {} lockfile(s), {} vulnerabilit{}\n",
        format,
        report.lockfiles.len(),
        report.vulnerabilities.len(),
        if report.vulnerabilities.len() == 1 {
            "y"
        } else {
            "ies"
        }
    );
    if !report.vulnerabilities.is_empty() {
        let _ = writeln!(out, "| Advisory | Severity | Score | Package | Title |");
        let _ = writeln!(out, "|---|---|---:|---|---|");
        for a in &report.vulnerabilities {
            let score = a
                .score
                .map_or_else(|| "-".to_owned(), |s| format!("{s:.1}"));
            let _ = writeln!(
                out,
                "| {} | {} | {score} | {} | {} |",
                cell(&a.id),
                a.severity.as_str(),
                code(&format!("{}@{}", a.package, a.version)),
                cell(&a.title)
            );
        }
    }
    let warnings: Vec<_> = report
        .warnings
        .iter()
        .flat_map(|(kind, list)| list.iter().map(move |w| (kind, w)))
        .collect();
    if !warnings.is_empty() {
        let _ = writeln!(out, "\n| Warning | Package | Advisory |");
        let _ = writeln!(out, "|---|---|---|");
        for (kind, w) in warnings {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                kind.as_str(),
                code(&format!("{}@{}", w.package, w.version)),
                cell(w.id.as_deref().unwrap_or("-"))
            );
        }
    }
}
