//! Audit rules: vulnerabilities by severity, warning kinds, and waivers
//! that expire and are reported when they match nothing (docs/policy.md, `[audit]`).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use chrono::{DateTime, NaiveDate, Utc};

use super::{absent, Annotation, AnnotationLevel, Evidence, RuleResult, Status};
use crate::evidence::audit::{
    lockfile_line, lockfile_packages, Advisory, AuditReport, Severity, WarningKind,
};
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

/// Why the report cannot be judged against this tree at all (it describes
/// another lockfile, or cargo-audit was told to hide advisories): the
/// `audit.vulnerabilities` error message and help. `None` when it can.
fn unusable(
    report: &AuditReport,
    lockfile: Option<&(String, String)>,
    ci: bool,
    notes: &mut Vec<String>,
) -> Option<(String, String)> {
    for audited in &report.lockfiles {
        let at = format!("{}:{}", audited.report.display(), audited.line);
        let Some(settings) = &audited.settings else {
            return Some((
                format!("{at}: the report has no `settings`, so whether cargo-audit was told to hide advisories cannot be told"),
                "regenerate it with `cargo audit --json` (cargo-audit 0.22 or later)".to_owned(),
            ));
        };
        let narrowing = settings.narrowing();
        if !narrowing.is_empty() {
            return Some((
                format!(
                    "{at}: cargo-audit ran with its own filters ({}), so the report leaves advisories out",
                    narrowing.join("; ")
                ),
                "remove them from `.cargo/audit.toml` and the `cargo audit` command line; waive advisories in the policy's [[audit.ignore]], each with a reason and an expiry".to_owned(),
            ));
        }
    }
    let Some((lock_path, lock_text)) = lockfile else {
        if ci {
            return Some((
                "no Cargo.lock in the judged tree, so the report cannot be checked against the lockfile it should describe".to_owned(),
                "commit Cargo.lock and run `cargo audit --json` on it".to_owned(),
            ));
        }
        notes.push("no Cargo.lock here: the cargo-audit report was not checked against a lockfile (CI refuses that)".to_owned());
        return None;
    };
    let packages = lockfile_packages(lock_text);
    let locked = u64::try_from(packages.len()).unwrap_or(u64::MAX);
    for audited in &report.lockfiles {
        if audited.dependency_count != locked {
            return Some((
                format!(
                    "the report describes {} packages; {lock_path} has {locked}",
                    audited.dependency_count
                ),
                format!("run `cargo audit --json` on this lockfile ({lock_path})"),
            ));
        }
    }
    let found = report
        .vulnerabilities
        .iter()
        .map(|a| (a.package.as_str(), a.version.as_str()))
        .chain(
            report
                .warnings
                .values()
                .flatten()
                .map(|w| (w.package.as_str(), w.version.as_str())),
        );
    for (name, version) in found {
        if !packages.iter().any(|(n, v)| n == name && v == version) {
            return Some((
                format!("the report names {name}@{version}, which {lock_path} does not lock"),
                format!("run `cargo audit --json` on this lockfile ({lock_path})"),
            ));
        }
    }
    None
}

/// The advisory database's age as a failure message, when it is older than
/// `max_db_age` days or, in CI, when the report does not say its date;
/// locally an undated database is a note.
///
/// cargo-audit leaves `database.last-updated` null only when it did not
/// fetch the database (`--no-fetch`, or a copy that is not a git clone):
/// a local dry run against a pinned copy is normal, but in CI an undated
/// database is one nobody can show to be recent, and fails closed like
/// any other missing evidence.
fn stale_database(
    policy: &AuditPolicy,
    report: &AuditReport,
    now: DateTime<Utc>,
    ci: bool,
    notes: &mut Vec<String>,
) -> Option<String> {
    let dates: Vec<DateTime<Utc>> = report
        .lockfiles
        .iter()
        .filter_map(|l| l.database_updated)
        .collect();
    if dates.len() < report.lockfiles.len() {
        let undated = format!(
            "the cargo-audit report does not say when its advisory database was updated (`database.last-updated` is null: cargo-audit writes it only when it fetches the database), so its age cannot be checked against max_db_age = {} days",
            policy.max_db_age
        );
        if ci {
            return Some(undated);
        }
        notes.push(undated);
    }
    let oldest = dates.into_iter().min()?;
    let age = now.signed_duration_since(oldest);
    (age > chrono::Duration::days(i64::from(policy.max_db_age))).then(|| {
        format!(
            "the advisory database was last updated {} ({} days before this run), older than max_db_age = {} days",
            oldest.format("%Y-%m-%d"),
            age.num_days(),
            policy.max_db_age
        )
    })
}

pub(super) fn rules(
    policy: &AuditPolicy,
    evidence: &Evidence,
    now: DateTime<Utc>,
    ci: bool,
    out: &mut Vec<RuleResult>,
    notes: &mut Vec<String>,
    annotations: &mut Vec<Annotation>,
) {
    let today = now.date_naive();
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
    if let Some((message, help)) = unusable(report, evidence.lockfile.as_ref(), ci, notes) {
        let (id, title) = vulnerabilities();
        out.push(RuleResult::new(
            id,
            title,
            Status::Error,
            None,
            &required,
            message.clone(),
            Some(help.clone()),
        ));
        for kind in &policy.warnings {
            let (id, title) = warnings(kind);
            out.push(RuleResult::new(
                id,
                title,
                Status::Error,
                None,
                "none",
                message.clone(),
                Some(help.clone()),
            ));
        }
        return;
    }
    let stale = stale_database(policy, report, now, ci, notes);
    let mut used: BTreeSet<&str> = BTreeSet::new();
    let failing = vulnerability_rule(policy, report, today, &required, &mut used, out, notes);
    if let Some(stale) = stale {
        if let Some(rule) = out.last_mut() {
            rule.status = Status::Fail;
            rule.message = if failing.is_empty() {
                stale
            } else {
                format!("{stale}; {}", rule.message)
            };
            let fetch = "run `cargo audit` with a freshly fetched advisory database".to_owned();
            rule.help = Some(match rule.help.take() {
                Some(h) => format!("{fetch}; {h}"),
                None => fetch,
            });
        }
    }
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
    use crate::evidence::audit::{AuditSettings, AuditedLockfile};

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
            max_db_age: crate::policy::DEFAULT_MAX_DB_AGE,
        }
    }

    /// cargo-audit 0.22's default settings: nothing filtered.
    fn default_settings() -> AuditSettings {
        AuditSettings {
            informational_warnings: AuditSettings::DEFAULT_INFORMATIONAL
                .iter()
                .map(|k| (*k).to_owned())
                .collect(),
            ..AuditSettings::default()
        }
    }

    /// One audited lockfile of `count` packages, default settings.
    fn audited(count: u64, updated: Option<&str>) -> AuditedLockfile {
        AuditedLockfile {
            report: "audit.json".into(),
            line: 1,
            dependency_count: count,
            settings: Some(default_settings()),
            database_updated: updated.map(|d| d.parse().unwrap()),
        }
    }

    /// A Cargo.lock locking exactly the vulnerable packages, plus the root.
    fn lock_for(vulns: &[Advisory]) -> String {
        let mut lock =
            "version = 4\n\n[[package]]\nname = \"root\"\nversion = \"0.1.0\"\n".to_owned();
        for a in vulns {
            let _ = write!(
                lock,
                "\n[[package]]\nname = \"{}\"\nversion = \"{}\"\n",
                a.package, a.version
            );
        }
        lock
    }

    fn run(
        policy: &AuditPolicy,
        report: AuditReport,
        lockfile: Option<String>,
        now: &str,
        ci: bool,
    ) -> (Vec<RuleResult>, Vec<String>) {
        let evidence = Evidence {
            audit: Slot::Present {
                value: report,
                sources: vec![],
            },
            lockfile: lockfile.map(|t| ("Cargo.lock".to_owned(), t)),
            ..Evidence::default()
        };
        let (mut rules, mut notes, mut ann) = (Vec::new(), Vec::new(), Vec::new());
        super::rules(
            policy,
            &evidence,
            format!("{now}T12:00:00Z").parse().unwrap(),
            ci,
            &mut rules,
            &mut notes,
            &mut ann,
        );
        (rules, notes)
    }

    /// Judges `vulns` as a well-formed CI report of the matching lockfile
    /// whose database was updated on `today`.
    fn judge(
        policy: &AuditPolicy,
        vulns: Vec<Advisory>,
        today: &str,
    ) -> (Vec<RuleResult>, Vec<String>) {
        let lock = lock_for(&vulns);
        let count = u64::try_from(vulns.len() + 1).unwrap();
        let report = AuditReport {
            lockfiles: vec![audited(count, Some(&format!("{today}T00:00:00Z")))],
            vulnerabilities: vulns,
            ..AuditReport::default()
        };
        run(policy, report, Some(lock), today, true)
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
            "2026-01-01T00:00:00Z".parse().unwrap(),
            true,
            &mut rules,
            &mut notes,
            &mut ann,
        );
        assert_eq!(rules[0].status, Status::Fail);
        assert!(rules[0].message.contains("target/audit.json"));
    }

    fn report_of(lockfile: AuditedLockfile, vulns: Vec<Advisory>) -> AuditReport {
        AuditReport {
            lockfiles: vec![lockfile],
            vulnerabilities: vulns,
            ..AuditReport::default()
        }
    }

    #[test]
    fn report_of_another_lockfile_is_an_error_naming_both_counts() {
        let mut lock = lock_for(&[]);
        for i in 0..59 {
            let _ = write!(
                lock,
                "\n[[package]]\nname = \"dep{i}\"\nversion = \"1.0.0\"\n"
            );
        }
        let (rules, _) = run(
            &policy(FailOn::Any),
            report_of(audited(2, Some("2026-01-01T00:00:00Z")), vec![]),
            Some(lock),
            "2026-01-02",
            true,
        );
        assert_eq!(rules[0].status, Status::Error);
        assert_eq!(
            rules[0].message,
            "the report describes 2 packages; Cargo.lock has 60"
        );
        assert_eq!(
            rules[0].help.as_deref(),
            Some("run `cargo audit --json` on this lockfile (Cargo.lock)")
        );
    }

    #[test]
    fn reported_package_missing_from_the_lockfile_is_an_error() {
        let vuln = advisory("A", Severity::High);
        // Same count, other version: the report is of another resolution.
        let lock = lock_for(std::slice::from_ref(&vuln)).replace("1.0.0", "1.0.1");
        let (rules, _) = run(
            &policy(FailOn::Any),
            report_of(audited(2, Some("2026-01-01T00:00:00Z")), vec![vuln]),
            Some(lock),
            "2026-01-02",
            true,
        );
        assert_eq!(rules[0].status, Status::Error);
        assert_eq!(
            rules[0].message,
            "the report names pkg-A@1.0.0, which Cargo.lock does not lock"
        );
    }

    /// Sets one of cargo-audit's filters.
    type Narrow = fn(&mut AuditSettings);

    #[test]
    fn cargo_audit_own_filters_are_refused_default_is_not() {
        let cases: [(Narrow, &str); 5] = [
            (
                |s| s.ignore = vec!["RUSTSEC-2020-0071".into()],
                "ignore = [RUSTSEC-2020-0071]",
            ),
            (
                |s| s.severity = Some("high".into()),
                "severity threshold `high`",
            ),
            (
                |s| s.informational_warnings.clear(),
                "informational_warnings without unmaintained, unsound, notice",
            ),
            (
                |s| s.target_os = vec!["linux".into()],
                "target_os = [linux]",
            ),
            (
                |s| s.target_arch = vec!["x86_64".into()],
                "target_arch = [x86_64]",
            ),
        ];
        let mut p = policy(FailOn::Any);
        p.warnings = vec!["unsound".into()];
        for (narrow, said) in cases {
            let mut lockfile = audited(1, Some("2026-01-01T00:00:00Z"));
            narrow(lockfile.settings.as_mut().unwrap());
            let (rules, _) = run(
                &p,
                report_of(lockfile, vec![]),
                Some(lock_for(&[])),
                "2026-01-02",
                true,
            );
            assert_eq!(rules.len(), 2);
            for rule in &rules {
                assert_eq!(rule.status, Status::Error, "{said}");
                assert!(rule.message.contains(said), "{said}: {}", rule.message);
                assert!(rule.help.as_deref().unwrap().contains("[[audit.ignore]]"));
            }
        }
        // Reordered default kinds (and an extra one) narrow nothing.
        let mut lockfile = audited(1, Some("2026-01-01T00:00:00Z"));
        lockfile.settings.as_mut().unwrap().informational_warnings = vec![
            "notice".into(),
            "unsound".into(),
            "unmaintained".into(),
            "yanked".into(),
        ];
        let (rules, _) = run(
            &p,
            report_of(lockfile, vec![]),
            Some(lock_for(&[])),
            "2026-01-02",
            true,
        );
        assert!(rules.iter().all(|r| r.status == Status::Pass), "{rules:?}");
    }

    #[test]
    fn report_without_settings_is_an_error() {
        let mut lockfile = audited(1, Some("2026-01-01T00:00:00Z"));
        lockfile.settings = None;
        let (rules, _) = run(
            &policy(FailOn::Any),
            report_of(lockfile, vec![]),
            Some(lock_for(&[])),
            "2026-01-02",
            true,
        );
        assert_eq!(rules[0].status, Status::Error);
        assert!(
            rules[0].message.contains("no `settings`"),
            "{}",
            rules[0].message
        );
    }

    #[test]
    fn no_lockfile_is_an_error_in_ci_and_a_note_locally() {
        let make = || report_of(audited(1, Some("2026-01-01T00:00:00Z")), vec![]);
        let (rules, _) = run(&policy(FailOn::Any), make(), None, "2026-01-02", true);
        assert_eq!(rules[0].status, Status::Error);
        assert!(
            rules[0].message.starts_with("no Cargo.lock"),
            "{}",
            rules[0].message
        );
        let (rules, notes) = run(&policy(FailOn::Any), make(), None, "2026-01-02", false);
        assert_eq!(rules[0].status, Status::Pass);
        assert!(
            notes.iter().any(|n| n.starts_with("no Cargo.lock here")),
            "{notes:?}"
        );
    }

    #[test]
    fn database_older_than_max_db_age_fails_naming_its_date() {
        let p = policy(FailOn::Any);
        let make = |updated: &str| report_of(audited(1, Some(updated)), vec![]);
        // Run at 2019-07-01 12:00 UTC: 30 days and 4 hours is too old.
        let (rules, _) = run(
            &p,
            make("2019-06-01T08:00:00Z"),
            Some(lock_for(&[])),
            "2019-07-01",
            true,
        );
        assert_eq!(rules[0].status, Status::Fail);
        assert_eq!(
            rules[0].message,
            "the advisory database was last updated 2019-06-01 (30 days before this run), older than max_db_age = 30 days"
        );
        assert!(rules[0]
            .help
            .as_deref()
            .unwrap()
            .contains("freshly fetched"));
        let (rules, _) = run(
            &p,
            make("2019-06-02T08:00:00Z"),
            Some(lock_for(&[])),
            "2019-07-01",
            true,
        );
        assert_eq!(rules[0].status, Status::Pass);
        // The policy's own limit decides.
        let lax = AuditPolicy {
            max_db_age: 400,
            ..policy(FailOn::Any)
        };
        let (rules, _) = run(
            &lax,
            make("2019-06-01T08:00:00Z"),
            Some(lock_for(&[])),
            "2020-07-01",
            true,
        );
        assert_eq!(rules[0].status, Status::Pass);
        // A stale database and a failing advisory: both are said.
        let vuln = advisory("A", Severity::High);
        let report = report_of(audited(2, Some("2019-06-01T08:00:00Z")), vec![vuln.clone()]);
        let (rules, _) = run(&p, report, Some(lock_for(&[vuln])), "2019-07-01", true);
        assert_eq!(rules[0].status, Status::Fail);
        assert!(
            rules[0].message.contains("2019-06-01")
                && rules[0].message.contains("failing advisories: A"),
            "{}",
            rules[0].message
        );
    }

    #[test]
    fn unknown_database_date_fails_in_ci_and_is_noted_locally() {
        let (rules, notes) = run(
            &policy(FailOn::Any),
            report_of(audited(1, None), vec![]),
            Some(lock_for(&[])),
            "2026-01-02",
            true,
        );
        assert_eq!(rules[0].status, Status::Fail);
        assert!(
            rules[0].message.contains("cannot be checked"),
            "{}",
            rules[0].message
        );
        assert!(
            notes.iter().all(|n| !n.contains("last-updated")),
            "{notes:?}"
        );
        let (rules, notes) = run(
            &policy(FailOn::Any),
            report_of(audited(1, None), vec![]),
            Some(lock_for(&[])),
            "2026-01-02",
            false,
        );
        assert_eq!(rules[0].status, Status::Pass);
        assert!(
            notes
                .iter()
                .any(|n| n.contains("`database.last-updated` is null")),
            "{notes:?}"
        );
    }
}
