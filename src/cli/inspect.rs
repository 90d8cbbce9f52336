//! `tollgate inspect FILE...`: what tollgate understood of each evidence
//! file — the detected format, totals and per-item figures — so a user can
//! check a report against the tool that wrote it before trusting a gate.

use std::fmt::Write as _;

use serde::Serialize;

use super::progress::Progress;
use super::{print_out, repo_root, InspectArgs, RunError};
use crate::eval::{self, format_ns, CoverageEvidence, TallyReport};
use crate::evidence::coverage::{read_coverage_file, CoverageReport, ReadOptions};
use crate::evidence::detect::{self, Format as EvidenceFormat, InspectedEvidence};
use crate::evidence::{audit, bench, junit};
use crate::exit;
use crate::report::Format;

/// One inspected file: `{"file", "format", "coverage"|"audit"|"tests"|"bench": …}`.
#[derive(Debug, Serialize)]
struct Inspected {
    file: String,
    format: &'static str,
    #[serde(flatten)]
    figures: Figures,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "lowercase")]
enum Figures {
    Coverage {
        coverage: CoverageEvidence,
        per_file: Vec<InspectedFile>,
    },
    Audit(audit::AuditReport),
    Tests(junit::TestRun),
    Bench(Vec<bench::BenchSummary>),
}

#[derive(Debug, Serialize)]
struct InspectedFile {
    path: String,
    lines: TallyReport,
    branches: TallyReport,
    functions: TallyReport,
}

pub(super) fn run(args: &InspectArgs) -> Result<u8, RunError> {
    let root = args.root.clone().unwrap_or_else(|| repo_root(None));
    let opts = ReadOptions {
        repo_root: root,
        strip_prefix: args.strip_prefix.clone(),
    };
    let mut all = Vec::new();
    for file in &args.files {
        let _progress = Progress::reading(file);
        let format = detect::detect(file)?;
        let figures = match format {
            EvidenceFormat::Lcov | EvidenceFormat::Cobertura => {
                let mut report = CoverageReport::new();
                read_coverage_file(file, &opts, &mut report)?;
                let per_file = report
                    .files()
                    .map(|(path, cov)| {
                        let s = cov.summary();
                        InspectedFile {
                            path: path.to_owned(),
                            lines: s.lines.into(),
                            branches: s.branches.into(),
                            functions: s.functions.into(),
                        }
                    })
                    .collect();
                Figures::Coverage {
                    coverage: CoverageEvidence::from_report(&report, None),
                    per_file,
                }
            }
            EvidenceFormat::CargoAudit => Figures::Audit(audit::read_audit(file)?),
            EvidenceFormat::Junit => Figures::Tests(junit::read_junit(file)?),
            EvidenceFormat::Bench(_) => match detect::inspect(file)?.evidence {
                Some(InspectedEvidence::Bench(b)) => Figures::Bench(b),
                _ => Figures::Bench(bench::summary(&bench::read_bench(file)?.benchmarks)),
            },
        };
        all.push(Inspected {
            file: file.display().to_string(),
            format: format.as_str(),
            figures,
        });
    }
    let text = match args.format {
        Format::Json => {
            let value = if all.len() == 1 {
                serde_json::to_value(&all[0])
            } else {
                serde_json::to_value(&all)
            };
            let mut s = value
                .and_then(|v| serde_json::to_string_pretty(&v))
                .map_err(|e| RunError::Output(e.to_string()))?;
            s.push('\n');
            s
        }
        Format::Human | Format::Markdown => all.iter().map(human).collect::<Vec<_>>().join("\n"),
    };
    print_out(&text);
    Ok(exit::PASSED)
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
        Figures::Coverage { coverage, per_file } => {
            let _ = writeln!(
                out,
                "{}: {} coverage, {} files",
                i.file, i.format, coverage.files
            );
            let _ = writeln!(
                out,
                "  total      lines {:<24} branches {:<24} functions {}",
                tally(&coverage.lines),
                tally(&coverage.branches),
                tally(&coverage.functions)
            );
            for f in per_file {
                let _ = writeln!(
                    out,
                    "  {}\n             lines {:<24} branches {:<24} functions {}",
                    f.path,
                    tally(&f.lines),
                    tally(&f.branches),
                    tally(&f.functions)
                );
            }
        }
        Figures::Audit(report) => audit_human(&mut out, i, report),
        Figures::Tests(run) => {
            let _ = writeln!(
                out,
                "{}: {} report, {} tests: {} passed ({} flaky), {} failed, {} errors, {} skipped",
                i.file,
                i.format,
                run.total,
                run.passed,
                run.flaky,
                run.failed,
                run.errors,
                run.skipped
            );
            for t in &run.failing {
                let _ = writeln!(out, "  {:?} {} ({})", t.kind, t.name, t.suite);
            }
        }
        Figures::Bench(benches) => {
            let _ = writeln!(
                out,
                "{}: {} results, {} benchmarks",
                i.file,
                i.format,
                benches.len()
            );
            for b in benches {
                let value = b.value_ns.map_or_else(|| "-".to_owned(), format_ns);
                let change = b
                    .change_percent
                    .map(|c| format!("{c:+.2}%"))
                    .unwrap_or_default();
                let _ = writeln!(out, "  {:<32} {value:>12} {change}", b.id);
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
            a.id,
            a.severity.as_str(),
            a.package,
            a.version,
            a.title
        );
    }
    for (kind, list) in &report.warnings {
        for w in list {
            let _ = writeln!(
                out,
                "  warning {:<12} {}@{} {}",
                kind.as_str(),
                w.package,
                w.version,
                w.id.as_deref().unwrap_or("")
            );
        }
    }
}
