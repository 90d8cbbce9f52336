//! Audit rules: vulnerabilities by severity, warning kinds, and waivers
//! that expire and are reported when they match nothing (docs/policy.md, `[audit]`).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use chrono::NaiveDate;

use super::{absent, Annotation, AnnotationLevel, Evidence, RuleResult, Status};
use crate::evidence::audit::{lockfile_line, Advisory, AuditReport, Severity, WarningKind};
use crate::policy::{AuditIgnore, AuditPolicy, FailOn};
use crate::rules::{Family, RuleId};

/// `audit.vulnerabilities` and its title.
fn vulnerabilities() -> (RuleId, String) {
    let id = Family::AuditVulnerabilities.id();
    let title = id.title();
    (id, title)
}

/// `audit.warnings[KIND]` and its title.
fn warnings(kind: &str) -> (RuleId, String) {
    let id = Family::AuditWarnings.keyed(kind);
    let title = id.title();
    (id, title)
}

/// Whether an advisory of `severity` fails under the policy.
fn fails(policy: &AuditPolicy, severity: Severity) -> bool {
    if policy.fail_on == FailOn::None {
        return false;
    }
    if severity == Severity::Unscored {
        return policy.unscored_fails;
    }
    let floor = match policy.fail_on {
        FailOn::Any | FailOn::None | FailOn::Low => Severity::Low,
        FailOn::Medium => Severity::Medium,
        FailOn::High => Severity::High,
        FailOn::Critical => Severity::Critical,
    };
    severity >= floor
}

/// The ignore entry that waives `id` (matched on the id or an alias), if any.
fn waiver<'a>(policy: &'a AuditPolicy, ids: &[&str]) -> Option<&'a AuditIgnore> {
    policy
        .ignore
        .iter()
        .find(|i| ids.iter().any(|id| i.id.eq_ignore_ascii_case(id)))
}

/// Whether a waiver still applies on `today` (its `expires` day included).
fn in_force(ignore: &AuditIgnore, today: NaiveDate) -> bool {
    ignore.expires.is_none_or(|e| today <= e)
}

fn advisory_ids(a: &Advisory) -> Vec<&str> {
    std::iter::once(a.id.as_str())
        .chain(a.aliases.iter().map(String::as_str))
        .collect()
}

pub(super) fn rules(
    policy: &AuditPolicy,
    evidence: &Evidence,
    today: NaiveDate,
    out: &mut Vec<RuleResult>,
    notes: &mut Vec<String>,
    annotations: &mut Vec<Annotation>,
) {
    let required = match policy.fail_on {
        FailOn::None => "vulnerabilities do not fail".to_owned(),
        FailOn::Any => "no vulnerabilities".to_owned(),
        other => format!("none {} or worse", other.as_str()),
    };
    let Some(report) = evidence.audit.value() else {
        let (status, message, help) =
            absent(&evidence.audit, policy.optional, "cargo-audit report");
        let help = help.or_else(|| {
            Some(format!(
                "run `cargo audit --json > {}` (read by default), or pass --audit PATH",
                crate::policy::default_paths::AUDIT
            ))
        });
        let (id, title) = vulnerabilities();
        out.push(RuleResult::new(
            id,
            title,
            status,
            None,
            &required,
            message.clone(),
            help.clone(),
        ));
        for kind in &policy.warnings {
            let (id, title) = warnings(kind);
            out.push(RuleResult::new(
                id,
                title,
                status,
                None,
                "none",
                message.clone(),
                help.clone(),
            ));
        }
        return;
    };
    let mut used: BTreeSet<&str> = BTreeSet::new();
    let failing = vulnerability_rule(policy, report, today, &required, &mut used, out, notes);
    if let Some((lock_path, lock_text)) = &evidence.lockfile {
        annotations.extend(
            failing
                .iter()
                .map(|a| lock_annotation(lock_path, lock_text, a)),
        );
    }
    warning_rules(policy, report, today, &mut used, out);
    for ignore in &policy.ignore {
        if !used.contains(ignore.id.as_str()) {
            notes.push(format!("audit.ignore of {} matches no advisory in the report; remove it so the list does not rot", ignore.id));
        }
    }
}

/// `audit.vulnerabilities`; returns the advisories that fail, worst first.
fn vulnerability_rule<'p, 'r>(
    policy: &'p AuditPolicy,
    report: &'r AuditReport,
    today: NaiveDate,
    required: &str,
    used: &mut BTreeSet<&'p str>,
    out: &mut Vec<RuleResult>,
    notes: &mut Vec<String>,
) -> Vec<&'r Advisory> {
    let mut failing: Vec<&Advisory> = Vec::new();
    let mut waived: Vec<String> = Vec::new();
    let mut tolerated = 0usize;
    for a in &report.vulnerabilities {
        if let Some(w) = waiver(policy, &advisory_ids(a)) {
            used.insert(w.id.as_str());
            if in_force(w, today) {
                waived.push(format!("{} ({})", a.id, w.reason));
                continue;
            }
            notes.push(format!(
                "audit.ignore of {} expired on {}; it no longer applies",
                w.id,
                w.expires.map(|d| d.to_string()).unwrap_or_default()
            ));
        }
        if fails(policy, a.severity) {
            failing.push(a);
        } else {
            tolerated += 1;
        }
    }
    // Worst first, so the message leads with what matters most.
    failing.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.id.cmp(&b.id)));
    let actual = if report.vulnerabilities.is_empty() {
        "none".to_owned()
    } else {
        severity_counts(&report.vulnerabilities)
    };
    let (status, message, help) = if failing.is_empty() {
        let mut m = format!(
            "{} vulnerabilit{} found",
            report.vulnerabilities.len(),
            if report.vulnerabilities.len() == 1 {
                "y"
            } else {
                "ies"
            }
        );
        if tolerated > 0 {
            let _ = write!(m, ", {tolerated} below the failing severity");
        }
        if !waived.is_empty() {
            let _ = write!(m, "; waived: {}", waived.join(", "));
        }
        (Status::Pass, m, None)
    } else {
        let list: Vec<String> = failing
            .iter()
            .map(|a| format!("{} {}@{} ({})", a.id, a.package, a.version, a.severity))
            .collect();
        let upgrade: Vec<String> = failing
            .iter()
            .map(|a| {
                if a.patched.is_empty() {
                    format!(
                        "{} (no patched release: replace it or waive {} with a reason)",
                        a.package, a.id
                    )
                } else {
                    format!("{} to {}", a.package, a.patched.join(" or "))
                }
            })
            .collect();
        // Two advisories against one crate with one fix are one upgrade.
        let mut upgrade = upgrade;
        let mut seen = std::collections::BTreeSet::new();
        upgrade.retain(|u| seen.insert(u.clone()));
        let mut message = format!("failing advisories: {}", list.join(", "));
        // An unscored advisory has no severity to compare with `fail_on`:
        // say which setting made it fail, or the "none high or worse" bar
        // seems broken.
        if failing.iter().any(|a| a.severity == Severity::Unscored) {
            message.push_str(
                "; unscored advisories (no CVSS severity) fail because the policy has `unscored = \"fail\"` (the default; `unscored = \"pass\"` lets them through)",
            );
        }
        (
            Status::Fail,
            message,
            Some(format!("upgrade {}", upgrade.join("; "))),
        )
    };
    let (id, title) = vulnerabilities();
    out.push(RuleResult::new(
        id,
        title,
        status,
        Some(actual),
        required,
        message,
        help,
    ));
    failing
}

/// An annotation at the vulnerable package's entry in `Cargo.lock`.
fn lock_annotation(lock_path: &str, lock_text: &str, a: &Advisory) -> Annotation {
    let line = lockfile_line(lock_text, &a.package, &a.version).unwrap_or(1);
    Annotation {
        path: lock_path.to_owned(),
        start_line: line,
        end_line: line,
        level: AnnotationLevel::Failure,
        rule: Family::AuditVulnerabilities.id().to_string(),
        title: format!(
            "{} {}@{}: {} severity",
            a.id, a.package, a.version, a.severity
        ),
        message: format!(
            "{}{}",
            a.title,
            a.url
                .as_deref()
                .map(|u| format!(" ({u})"))
                .unwrap_or_default()
        ),
    }
}

/// `audit.warnings[KIND]` for each kind the policy fails on.
fn warning_rules<'a>(
    policy: &'a AuditPolicy,
    report: &AuditReport,
    today: NaiveDate,
    used: &mut BTreeSet<&'a str>,
    out: &mut Vec<RuleResult>,
) {
    for kind_name in &policy.warnings {
        let kind = WarningKind::from_name(kind_name);
        let mut active = Vec::new();
        for w in report
            .warnings
            .get(&kind)
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            let ids: Vec<&str> = w.id.as_deref().into_iter().collect();
            if let Some(i) = waiver(policy, &ids) {
                used.insert(i.id.as_str());
                if in_force(i, today) {
                    continue;
                }
            }
            active.push(format!(
                "{}@{}{}",
                w.package,
                w.version,
                w.id.as_deref()
                    .map(|i| format!(" ({i})"))
                    .unwrap_or_default()
            ));
        }
        let (status, message, help) = if active.is_empty() {
            (Status::Pass, format!("no `{kind_name}` warnings"), None)
        } else {
            (Status::Fail, format!("`{kind_name}`: {}", active.join(", ")), Some(format!("replace or upgrade the {kind_name} crates, or waive them in [[audit.ignore]] with a reason")))
        };
        let (id, title) = warnings(kind_name);
        out.push(RuleResult::new(
            id,
            title,
            status,
            Some(active.len().to_string()),
            "0",
            message,
            help,
        ));
    }
}

fn severity_counts(list: &[Advisory]) -> String {
    let mut parts = Vec::new();
    for s in [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Unscored,
    ] {
        let n = list.iter().filter(|a| a.severity == s).count();
        if n > 0 {
            parts.push(format!("{n} {s}"));
        }
    }
    format!("{} ({})", list.len(), parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::Slot;

    fn advisory(id: &str, severity: Severity) -> Advisory {
        Advisory {
            id: id.into(),
            package: format!("pkg-{id}"),
            version: "1.0.0".into(),
            title: "t".into(),
            severity,
            score: None,
            cvss: None,
            aliases: vec![format!("CVE-{id}")],
            url: None,
            patched: vec![],
        }
    }

    fn policy(fail_on: FailOn) -> AuditPolicy {
        AuditPolicy {
            optional: false,
            fail_on,
            unscored_fails: true,
            warnings: vec![],
            ignore: vec![],
        }
    }

    fn judge(
        policy: &AuditPolicy,
        vulns: Vec<Advisory>,
        today: &str,
    ) -> (Vec<RuleResult>, Vec<String>) {
        let evidence = Evidence {
            audit: Slot::Present {
                value: AuditReport {
                    vulnerabilities: vulns,
                    ..AuditReport::default()
                },
                sources: vec![],
            },
            ..Evidence::default()
        };
        let (mut rules, mut notes, mut ann) = (Vec::new(), Vec::new(), Vec::new());
        super::rules(
            policy,
            &evidence,
            today.parse().unwrap(),
            &mut rules,
            &mut notes,
            &mut ann,
        );
        (rules, notes)
    }

    #[test]
    fn severity_threshold_and_unscored_decide() {
        let p = policy(FailOn::Critical);
        assert_eq!(
            judge(&p, vec![advisory("A", Severity::High)], "2026-01-01").0[0].status,
            Status::Pass
        );
        assert_eq!(
            judge(&p, vec![advisory("A", Severity::Critical)], "2026-01-01").0[0].status,
            Status::Fail
        );
        assert_eq!(
            judge(&p, vec![advisory("A", Severity::Unscored)], "2026-01-01").0[0].status,
            Status::Fail
        );
        let lenient = AuditPolicy {
            unscored_fails: false,
            ..policy(FailOn::Critical)
        };
        assert_eq!(
            judge(
                &lenient,
                vec![advisory("A", Severity::Unscored)],
                "2026-01-01"
            )
            .0[0]
                .status,
            Status::Pass
        );
        assert_eq!(
            judge(
                &policy(FailOn::None),
                vec![advisory("A", Severity::Critical)],
                "2026-01-01"
            )
            .0[0]
                .status,
            Status::Pass
        );
    }

    #[test]
    fn ignores_apply_until_they_expire_and_unused_ones_are_reported() {
        let mut p = policy(FailOn::Any);
        p.ignore = vec![
            AuditIgnore {
                id: "CVE-A".into(),
                reason: "not reachable".into(),
                expires: Some("2026-01-31".parse().unwrap()),
            },
            AuditIgnore {
                id: "RUSTSEC-UNUSED".into(),
                reason: "old".into(),
                expires: None,
            },
        ];
        let (rules, notes) = judge(&p, vec![advisory("A", Severity::High)], "2026-01-31");
        assert_eq!(
            rules[0].status,
            Status::Pass,
            "waived through the last day, matched by alias"
        );
        assert!(
            notes
                .iter()
                .any(|n| n.contains("RUSTSEC-UNUSED") && n.contains("matches no advisory")),
            "{notes:?}"
        );
        let (rules, notes) = judge(&p, vec![advisory("A", Severity::High)], "2026-02-01");
        assert_eq!(rules[0].status, Status::Fail);
        assert!(
            notes.iter().any(|n| n.contains("expired on 2026-01-31")),
            "{notes:?}"
        );
    }

    #[test]
    fn missing_report_fails_closed_and_names_the_file() {
        let evidence = Evidence {
            audit: Slot::Missing {
                expected: vec!["target/audit.json".into()],
            },
            ..Evidence::default()
        };
        let (mut rules, mut notes, mut ann) = (Vec::new(), Vec::new(), Vec::new());
        super::rules(
            &policy(FailOn::Critical),
            &evidence,
            "2026-01-01".parse().unwrap(),
            &mut rules,
            &mut notes,
            &mut ann,
        );
        assert_eq!(rules[0].status, Status::Fail);
        assert!(rules[0].message.contains("target/audit.json"));
    }
}
