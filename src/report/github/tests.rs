//! Tests of GitHub's limits, one per limit, on synthetic verdicts.

use std::collections::HashMap;

use proptest::prelude::*;

use super::commands::*;
use super::files::*;
use super::*;
use crate::eval::{
    Annotation, AnnotationLevel, AppliedOverride, Context, DocumentKind, EvidenceSummary,
    PolicyInfo, RejectedDocument, RuleResult,
};

/// A verdict with `rules` rules of which the *last* `failing` fail, so that
/// ranking has work to do.
pub(crate) fn sample(rules: usize, failing: usize) -> Verdict {
    let rules: Vec<RuleResult> = (0..rules)
        .map(|i| {
            let fails = i >= rules - failing;
            RuleResult {
                id: format!("coverage.path[src/module{i:05}/**]"),
                title: format!("Coverage of module {i}"),
                status: if fails { Status::Fail } else { Status::Pass },
                actual: Some("71.20%".into()),
                required: ">= 80%".into(),
                message: format!("712 of 1000 lines covered in module {i}"),
                help: fails.then(|| format!("add tests for module {i}")),
                override_: None,
            }
        })
        .collect();
    let mut v = Verdict {
        gate: "gate2".into(),
        title: "Gate 2: Feature Complete".into(),
        policy: PolicyInfo {
            name: "gate2".into(),
            version: "1.0.0".into(),
            sha256: "ab".repeat(32),
            path: "policies/gate2.toml".into(),
            extends: Vec::new(),
        },
        context: Context {
            kind: "pull_request".into(),
            repository: Some("o/r".into()),
            commit: Some("0123456789abcdef0123456789abcdef01234567".into()),
            pull_request: Some(12),
            ..Context::default()
        },
        conclusion: Conclusion::Pass,
        rules,
        evidence: EvidenceSummary::default(),
        overrides: Vec::new(),
        rejected: Vec::new(),
        annotations: Vec::new(),
        notes: Vec::new(),
        coverage_trend: None,
    };
    v.reconclude();
    v
}

fn annotation(level: AnnotationLevel, rule: &str, path: &str, line: u32) -> Annotation {
    Annotation {
        path: path.into(),
        start_line: line,
        end_line: line + 1,
        level,
        rule: rule.into(),
        title: "Uncovered changed lines".into(),
        message: format!("lines {line}-{} are not covered", line + 1),
    }
}

fn run(v: &Verdict) -> CheckRunPayload {
    check_run(v).unwrap()
}

/// The bodies a first publication sends, as JSON.
fn create_requests(payload: &CheckRunPayload) -> Vec<serde_json::Value> {
    let requests = payload.requests(payload.output().annotations(), Publish::Create);
    std::iter::once(&requests.first)
        .chain(&requests.appends)
        .map(|r| serde_json::to_value(r).unwrap())
        .collect()
}

#[test]
fn five_thousand_rules_fit_in_65535_bytes_failures_first_with_a_note() {
    let v = sample(5_000, 37);
    let run = run(&v);
    let summary = run.output().summary();
    assert!(summary.len() <= CHECK_RUN_TEXT_LIMIT, "{}", summary.len());
    assert!(run.output().text().len() <= CHECK_RUN_TEXT_LIMIT);
    // The 37 failing rules are the first rows, in policy order.
    let rows: Vec<&str> = summary.lines().filter(|l| l.starts_with("| ")).collect();
    assert!(rows.len() > 37);
    for (i, row) in rows.iter().skip(1).take(37).enumerate() {
        assert!(row.starts_with("| ❌ |"), "{row}");
        assert!(row.contains(&format!("module{:05}", 4_963 + i)), "{row}");
    }
    assert!(rows[38].starts_with("| ✅ |"));
    let shown = rows.len() - 1; // minus the header row
    let note = format!(
        "> … {} more rules omitted to fit GitHub's size limit (65,535 bytes); \
         the JSON report holds everything.\n",
        thousands(5_000 - shown)
    );
    assert!(
        summary.ends_with(&note),
        "{}",
        &summary[summary.len() - 300..]
    );
    assert_eq!(run.conclusion(), Some(CheckConclusion::Failure));
    assert_eq!(run.output().title(), "gate2 failed: 37 of 5,000 rules");
    // Deterministic: the same verdict gives the same bytes.
    assert_eq!(check_run(&v).unwrap(), run);
}

#[test]
fn the_text_keeps_failing_rules_first_and_says_what_it_cut() {
    let v = sample(3_000, 3_000);
    let run = run(&v);
    let text = run.output().text();
    assert!(text.len() <= CHECK_RUN_TEXT_LIMIT);
    assert!(text.starts_with("## What to do\n\n### ❌ `coverage.path[src/module00000/**]`"));
    let shown = text.matches("\n### ❌ ").count();
    assert!(shown > 10, "{shown}");
    let rest = thousands(3_000 - shown);
    assert!(
        text.ends_with(&format!(
            "> … {rest} more rules ({rest} failing) omitted to fit GitHub's size limit \
             (65,535 bytes); the JSON report holds everything.\n"
        )),
        "{}",
        &text[text.len() - 300..]
    );
}

#[test]
fn a_multibyte_message_is_never_split() {
    let mut v = sample(3, 3);
    let huge = "é€😀".repeat(20_000); // 180,000 bytes of 2-, 3- and 4-byte chars
    for rule in &mut v.rules {
        rule.message.clone_from(&huge);
        rule.help = Some(huge.clone());
    }
    v.notes.push(huge.clone());
    v.annotations.push(annotation(
        AnnotationLevel::Failure,
        &v.rules[0].id,
        "src/a.rs",
        1,
    ));
    v.annotations[0].message.clone_from(&huge);
    v.annotations[0].title = "😀".repeat(300);
    let run = run(&v);
    for text in [run.output().summary(), run.output().text()] {
        assert!(text.len() <= CHECK_RUN_TEXT_LIMIT);
        assert!(text.contains('…'), "a clipped cell ends in an ellipsis");
    }
    let a = &run.output().annotations()[0];
    assert!(a.message().len() <= ANNOTATION_MESSAGE_MAX_BYTES);
    assert!(a.message().ends_with('…'));
    assert_eq!(a.title().chars().count(), ANNOTATION_TITLE_MAX_CHARS);
    // What is sent is what the payload holds: the JSON carries the same cut.
    let sent = &create_requests(&run)[0]["output"]["annotations"][0];
    assert_eq!(sent["message"], a.message());
    assert_eq!(sent["title"], a.title());
    // Every cut point of the step summary too.
    let md = crate::report::render_markdown(&v);
    for limit in (0..md.len()).step_by(997) {
        let cut = crate::report::render_markdown_within(&v, limit);
        assert!(cut.len() <= limit);
    }
}

#[test]
fn annotations_are_ranked_capped_and_batched_in_fifties() {
    let mut v = sample(3, 1);
    let (r0, r2) = (v.rules[0].id.clone(), v.rules[2].id.clone());
    for i in 0..40 {
        v.annotations
            .push(annotation(AnnotationLevel::Notice, &r0, "src/n.rs", i + 1));
        v.annotations
            .push(annotation(AnnotationLevel::Warning, &r0, "src/w.rs", i + 1));
        v.annotations.push(annotation(
            AnnotationLevel::Failure,
            &r2,
            "src/f.rs",
            40 - i,
        ));
    }
    let run = run(&v);
    let annotations = run.output().annotations();
    assert_eq!(annotations.len(), 120);
    let requests = run.requests(annotations, Publish::Create);
    let sizes: Vec<usize> = std::iter::once(&requests.first)
        .chain(&requests.appends)
        .map(CheckRunRequest::annotation_count)
        .collect();
    assert_eq!(sizes, [50, 50, 20]);
    let sent: Vec<serde_json::Value> = create_requests(&run)
        .iter()
        .flat_map(|r| r["output"]["annotations"].as_array().unwrap().clone())
        .collect();
    assert_eq!(sent.len(), 120, "three requests carry all of them");
    let levels: Vec<CheckAnnotationLevel> =
        annotations.iter().map(CheckAnnotation::level).collect();
    let mut sorted = levels.clone();
    sorted.sort();
    assert_eq!(levels, sorted, "failures, then warnings, then notices");
    assert_eq!(annotations[0].start_line(), 1, "by line within a file");
    assert_eq!(annotations[0].path(), "src/f.rs");
    assert_eq!(sent[0]["path"], "src/f.rs");
    assert_eq!(sent[119]["annotation_level"], "notice");

    let capped = check_run_with_cap(&v, 45).unwrap();
    assert_eq!(capped.output().annotations().len(), 45);
    assert!(capped
        .output()
        .annotations()
        .iter()
        .all(|a| a.level() != CheckAnnotationLevel::Notice));
    assert!(capped
        .output()
        .summary()
        .contains("> 120 annotations: the 45 most important (failures first) are attached"));
}

#[test]
fn rule_order_breaks_ties_between_annotations_of_one_level() {
    let mut v = sample(3, 0);
    let (r0, r1) = (v.rules[0].id.clone(), v.rules[1].id.clone());
    v.annotations
        .push(annotation(AnnotationLevel::Warning, &r1, "a.rs", 1));
    v.annotations
        .push(annotation(AnnotationLevel::Warning, &r0, "z.rs", 9));
    v.annotations.push(annotation(
        AnnotationLevel::Warning,
        "unknown.rule",
        "a.rs",
        1,
    ));
    let ranked: Vec<&str> = annotations::ranked_annotations(&v)
        .iter()
        .map(|a| a.rule.as_str())
        .collect();
    assert_eq!(ranked, [r0.as_str(), r1.as_str(), "unknown.rule"]);
}

#[test]
fn a_verdict_without_annotations_still_sends_one_request() {
    let run = run(&sample(2, 0));
    let requests = create_requests(&run);
    assert_eq!(requests.len(), 1);
    let json = &requests[0];
    assert!(json["output"].get("annotations").is_none());
    assert_eq!(json["status"], "completed");
    assert_eq!(json["conclusion"], "success");
    assert_eq!(json["output"]["title"], "gate2 passed: all 2 rules");
    assert_eq!(
        json["output"]["text"],
        "All 2 rules of `gate2` are met; nothing to do.\n"
    );
    assert_eq!(run.conclusion(), Some(CheckConclusion::Success));
}

#[test]
fn requests_use_githubs_field_names() {
    let mut v = sample(1, 1);
    v.annotations.push(annotation(
        AnnotationLevel::Failure,
        &v.rules[0].id.clone(),
        "src/lib.rs",
        0,
    ));
    let run = run(&v);
    let json = &create_requests(&run)[0];
    let a = &json["output"]["annotations"][0];
    assert_eq!(a["path"], "src/lib.rs");
    assert_eq!(a["start_line"], 1, "line 0 is repaired to 1");
    assert_eq!(a["end_line"], 1);
    assert_eq!(a["annotation_level"], "failure");
    assert!(a["title"]
        .as_str()
        .unwrap()
        .starts_with("coverage.path[src/module00000/**]: "));
    assert!(json["output"]["summary"]
        .as_str()
        .unwrap()
        .contains("| ❌ |"));
    assert_eq!(json["name"], "tollgate/gate2");
    assert_eq!(json["head_sha"], "0123456789abcdef0123456789abcdef01234567");
    assert_eq!(
        json["external_id"],
        "tollgate/gate2@0123456789abcdef0123456789abcdef01234567"
    );
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "conclusion",
            "external_id",
            "head_sha",
            "name",
            "output",
            "status"
        ],
        "no link or times unless given"
    );
}

#[test]
fn updates_leave_out_the_sha_and_appends_carry_only_the_output() {
    let mut v = sample(2, 1);
    let id = v.rules[1].id.clone();
    for line in 0..120 {
        v.annotations.push(annotation(
            AnnotationLevel::Warning,
            &id,
            "src/a.rs",
            line + 1,
        ));
    }
    let started = chrono::DateTime::parse_from_rfc3339("2026-03-04T05:06:07.891Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let run = run(&v)
        .with_details_url(Some("https://github.com/o/r/actions/runs/1".into()))
        .with_times(Some(started), Some(started + chrono::Duration::seconds(3)));
    let requests = run.requests(run.output().annotations(), Publish::Update);
    let first = serde_json::to_value(requests.first).unwrap();
    assert!(first.get("head_sha").is_none(), "an update names no commit");
    assert_eq!(first["name"], "tollgate/gate2");
    assert_eq!(first["conclusion"], "failure");
    assert_eq!(
        first["details_url"],
        "https://github.com/o/r/actions/runs/1"
    );
    assert_eq!(first["started_at"], "2026-03-04T05:06:07Z", "to the second");
    assert_eq!(first["completed_at"], "2026-03-04T05:06:10Z");
    assert_eq!(requests.appends.len(), 2);
    let mut sent = first["output"]["annotations"].as_array().unwrap().clone();
    for append in &requests.appends {
        let json = serde_json::to_value(append).unwrap();
        let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["output"], "an append only appends");
        for key in ["title", "summary", "text"] {
            assert_eq!(json["output"][key], first["output"][key], "{key} repeated");
        }
        sent.extend(json["output"]["annotations"].as_array().unwrap().clone());
    }
    let expected: Vec<serde_json::Value> = run
        .output()
        .annotations()
        .iter()
        .map(|a| serde_json::to_value(a).unwrap())
        .collect();
    assert_eq!(sent, expected, "every annotation once, in order");
}

#[test]
fn a_payload_github_would_refuse_cannot_be_built() {
    let output = || CheckRunOutput::new("t", "s", "x", Vec::new());
    let sha = "0123456789ABCDEF0123456789abcdef01234567";
    let ok = CheckRunPayload::new("tollgate/g", sha, CheckConclusion::Success, output()).unwrap();
    assert_eq!(ok.head_sha(), sha.to_ascii_lowercase());
    assert_eq!(
        ok.external_id(),
        format!("tollgate/g@{}", sha.to_ascii_lowercase())
    );
    for bad in ["main", "0123456", &"g".repeat(40)] {
        assert_eq!(
            CheckRunPayload::new("tollgate/g", bad, CheckConclusion::Success, output()),
            Err(PayloadError::HeadSha(bad.to_owned()))
        );
    }
    assert_eq!(
        CheckRunPayload::new(" ", sha, CheckConclusion::Success, output()),
        Err(PayloadError::EmptyName)
    );
    assert_eq!(
        CheckRunPayload::new(
            "tollgate/g",
            sha,
            CheckConclusion::Success,
            CheckRunOutput::new("", "s", "x", Vec::new())
        ),
        Err(PayloadError::EmptyTitle)
    );
    let mut v = sample(1, 0);
    v.context.commit = None;
    assert_eq!(
        check_run(&v),
        Err(PayloadError::NoCommit {
            gate: "gate2".into()
        })
    );
}

#[test]
fn the_payload_holds_every_field_within_githubs_limits() {
    let output = CheckRunOutput::new(
        &"t".repeat(1_000),
        &"€".repeat(40_000),
        &"x".repeat(100_000),
        Vec::new(),
    );
    assert_eq!(output.title().chars().count(), CHECK_RUN_TITLE_MAX_CHARS);
    assert!(output.summary().len() <= CHECK_RUN_TEXT_LIMIT);
    assert!(output.summary().ends_with('…'));
    assert!(output.text().len() <= CHECK_RUN_TEXT_LIMIT);
    let fits = "a".repeat(CHECK_RUN_TEXT_LIMIT);
    assert_eq!(
        CheckRunOutput::new("t", &fits, "", Vec::new()).summary(),
        fits
    );

    let a = CheckAnnotation::new(
        "src/lib.rs",
        0,
        0,
        CheckAnnotationLevel::Warning,
        &"t".repeat(300),
        "",
    );
    assert_eq!((a.start_line(), a.end_line()), (1, 1));
    assert_eq!(a.title().chars().count(), ANNOTATION_TITLE_MAX_CHARS);
    assert_eq!(
        a.message(),
        "t".repeat(300),
        "an empty message takes the title, whole"
    );
    let b = CheckAnnotation::new(
        "src/lib.rs",
        9,
        3,
        CheckAnnotationLevel::Notice,
        "t",
        &"m".repeat(70_000),
    );
    assert_eq!((b.start_line(), b.end_line()), (9, 9), "end before start");
    assert!(b.message().len() <= ANNOTATION_MESSAGE_MAX_BYTES);
}

#[test]
fn an_undecided_gate_is_a_failure_check_and_a_fail_output() {
    let mut v = sample(4, 0);
    v.rules[1].status = Status::Unknown;
    v.rules[2].status = Status::Unknown;
    v.reconclude();
    assert_eq!(v.conclusion, Conclusion::Unknown);
    let run = run(&v);
    assert_eq!(run.conclusion(), Some(CheckConclusion::Failure));
    assert_eq!(
        run.output().title(),
        "gate2 undecided: 2 of 4 rules could not be decided"
    );
    assert_eq!(output_conclusion(v.conclusion), "fail");
}

#[test]
fn titles_count_what_happened() {
    let mut v = sample(9, 0);
    v.rules[0].status = Status::Overridden;
    v.rules[1].status = Status::Skipped;
    v.reconclude();
    assert_eq!(
        check_run_title(&v),
        "gate2 passed: 7 of 9 rules, 1 overridden, 1 skipped"
    );
    let mut empty = sample(0, 0);
    empty.reconclude();
    assert_eq!(
        check_run_title(&empty),
        "gate2 failed: the policy has no rules"
    );
}

#[test]
fn overrides_and_notes_show_in_the_text() {
    let mut v = sample(2, 0);
    v.rules[0].status = Status::Overridden;
    v.overrides.push(AppliedOverride {
        signer: "alice@example.org".into(),
        rules: vec![v.rules[0].id.clone()],
        reason: "generated code; tracked in #123".into(),
        expires: "2026-12-31T00:00:00Z".into(),
        source: "override.txt".into(),
    });
    v.notes
        .push("policies/gate2.toml: this pull request lowers coverage.lines <b>".into());
    let run = run(&v);
    // The text is inert Markdown: a zero-width joiner follows each `@`.
    let text = run.output().text().replace('\u{200d}', "");
    assert!(
        text.contains("waived by alice@example.org until 2026-12-31T00:00:00Z"),
        "{text}"
    );
    assert!(text.contains("> policies/gate2.toml: this pull request lowers coverage.lines &lt;b>"));
}

/// The rules of [`rich`]: one of each outcome.
fn rich_rules() -> Vec<RuleResult> {
    let rule = |id: &str,
                title: &str,
                status,
                actual: Option<&str>,
                required: &str,
                message: &str,
                help: Option<&str>| RuleResult {
        id: id.into(),
        title: title.into(),
        status,
        actual: actual.map(Into::into),
        required: required.into(),
        message: message.into(),
        help: help.map(Into::into),
        override_: None,
    };
    vec![
        rule(
            "coverage.lines",
            "Line coverage",
            Status::Pass,
            Some("84.10%"),
            ">= 80%",
            "841 of 1000 lines covered",
            None,
        ),
        rule(
            "coverage.patch",
            "Coverage of changed lines",
            Status::Fail,
            Some("62.50%"),
            ">= 90%",
            "25 of 40 changed lines covered",
            Some("cover the changed lines listed as annotations"),
        ),
        rule(
            "audit.vulnerabilities",
            "Known vulnerabilities",
            Status::Overridden,
            Some("1"),
            "0",
            "1 vulnerable package: time 0.1.45 (RUSTSEC-2020-0071)",
            None,
        ),
        rule(
            "tests.failures",
            "Failing tests",
            Status::Skipped,
            None,
            "0",
            "no test report given",
            None,
        ),
        rule(
            "reviews.approvals",
            "Approvals",
            Status::Unknown,
            None,
            ">= 1",
            "reviews are not reachable in a dry run",
            Some("run on a pull request with a token"),
        ),
        rule(
            "bench.regression[lookup/hot]",
            "Benchmark lookup/hot",
            Status::Error,
            None,
            "<= +5%",
            "no baseline for lookup/hot",
            Some("record a baseline on the base branch"),
        ),
    ]
}

/// One verdict with every kind of rule outcome and more annotations than
/// one request holds.
fn rich() -> Verdict {
    let mut v = sample(0, 0);
    v.policy.sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into();
    v.rules = rich_rules();
    let waiver = AppliedOverride {
        signer: "alice@example.org".into(),
        rules: vec!["audit.vulnerabilities".into()],
        reason: "not reachable from our code; tracked in #123".into(),
        expires: "2026-12-31T00:00:00Z".into(),
        source: "comment #3 by @alice, https://github.com/o/r/pull/12#issuecomment-3".into(),
    };
    v.rules[2].override_ = Some(waiver.clone());
    v.overrides.push(waiver);
    v.rejected.push(RejectedDocument {
        source: "comment #4 by @mallory, https://github.com/o/r/pull/12#issuecomment-4".into(),
        kind: DocumentKind::Override,
        rules: vec!["coverage.lines".into()],
        signoff: None,
        signer: None,
        reason: "no valid signature: comment #4 by @mallory, https://github.com/o/r/pull/12#issuecomment-4: key SHA256:abc is not listed in policies/allowed_signers".into(),
    });
    v.notes.push(
        "policies/gate2.toml changes in this pull request; the base commit's policy judged".into(),
    );
    v.annotations.push(Annotation {
        path: "Cargo.lock".into(),
        start_line: 412,
        end_line: 415,
        level: AnnotationLevel::Notice,
        rule: "audit.vulnerabilities".into(),
        title: "RUSTSEC-2020-0071 (overridden)".into(),
        message: "time 0.1.45: potential segfault in the time crate".into(),
    });
    for line in 0..54 {
        v.annotations.push(Annotation {
            path: format!("src/parse/mod{}.rs", line % 3),
            start_line: 10 + line,
            end_line: 10 + line,
            level: AnnotationLevel::Failure,
            rule: "coverage.patch".into(),
            title: "Uncovered changed line".into(),
            message: format!("line {} is changed and not covered", 10 + line),
        });
    }
    v.reconclude();
    v
}

#[test]
fn the_check_run_requests_of_a_rich_verdict() {
    let v = rich();
    assert_eq!(v.conclusion, Conclusion::Fail);
    let started = chrono::DateTime::parse_from_rfc3339("2026-03-04T05:06:07Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let payload = run(&v)
        .with_details_url(Some("https://github.com/o/r/actions/runs/99".into()))
        .with_times(Some(started), Some(chrono::Utc::now()));
    let requests = payload.requests(payload.output().annotations(), Publish::Create);
    // The completion time is the clock's; hashes are filtered so that the
    // snapshot shows where they go rather than which they are.
    insta::with_settings!({filters => vec![
        (r#""completed_at": "[^"]*""#, r#""completed_at": "[time]""#),
        (r"\b[0-9a-f]{64}\b", "[sha256]"),
        (r"\b[0-9a-f]{40}\b", "[sha]"),
    ]}, {
        insta::assert_json_snapshot!(requests);
    });
}

// ---- workflow commands ----

#[test]
fn escaping_matches_the_toolkit_examples() {
    // actions/toolkit packages/core/__tests__/command.test.ts
    assert_eq!(
        escape_data("percent % percent % cr \r cr \r lf \n lf \n"),
        "percent %25 percent %25 cr %0D cr %0D lf %0A lf %0A"
    );
    assert_eq!(
        escape_data("%25 %25 %0D %0D %0A %0A"),
        "%2525 %2525 %250D %250D %250A %250A"
    );
    assert_eq!(
        escape_property(
            "percent % percent % cr \r cr \r lf \n lf \n colon : colon : comma , comma ,"
        ),
        "percent %25 percent %25 cr %0D cr %0D lf %0A lf %0A colon %3A colon %3A comma %2C comma %2C"
    );
    assert_eq!(
        escape_data("%25 %25 %0D %0D %0A %0A %3A %3A %2C %2C"),
        "%2525 %2525 %250D %250D %250A %250A %253A %253A %252C %252C"
    );
    let cmd = WorkflowCommand {
        level: CommandLevel::Error,
        file: Some("src/a,b:c.rs".into()),
        line: Some(3),
        end_line: Some(4),
        title: Some("coverage.path[src/**]: a, b".into()),
        message: "line one\nline two: 100%".into(),
    };
    assert_eq!(
        cmd.to_string(),
        "::error file=src/a%2Cb%3Ac.rs,line=3,endLine=4,title=coverage.path[src/**]%3A a%2C b::line one%0Aline two: 100%25"
    );
    let bare = WorkflowCommand {
        level: CommandLevel::Notice,
        file: None,
        line: None,
        end_line: None,
        title: None,
        message: String::new(),
    };
    assert_eq!(bare.to_string(), "::notice::");
}

/// The runner's unescaping (`actions/runner` `ActionCommand.cs`): `%25` last.
fn unescape(s: &str) -> String {
    s.replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%3A", ":")
        .replace("%2C", ",")
        .replace("%25", "%")
}

proptest! {
    #[test]
    fn escaping_round_trips_through_the_runner(s in "[%a-z:,\r\n0-9ADC€]{0,40}") {
        prop_assert_eq!(unescape(&escape_property(&s)), s.clone());
        let data = escape_data(&s);
        prop_assert!(!data.contains('\n') && !data.contains('\r'));
        // Data is unescaped without the property rules.
        let back = data.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%");
        prop_assert_eq!(back, s);
    }
}

#[test]
fn only_ten_errors_and_ten_warnings_are_emitted_plus_a_notice() {
    let mut v = sample(30, 12);
    v.rules[0].status = Status::Unknown;
    v.rules[0].help = None;
    let id = v.rules[29].id.clone();
    for i in 0..25 {
        v.annotations
            .push(annotation(AnnotationLevel::Failure, &id, "src/f.rs", i + 1));
        v.annotations
            .push(annotation(AnnotationLevel::Warning, &id, "src/w.rs", i + 1));
    }
    let cmds = workflow_commands(&v);
    let count = |l| cmds.iter().filter(|c| c.level == l).count();
    assert_eq!(count(CommandLevel::Error), 10);
    assert_eq!(count(CommandLevel::Warning), 10);
    assert_eq!(count(CommandLevel::Notice), 1);
    // Rule-level failures come first, located ones after.
    assert!(cmds[0].file.is_none());
    assert_eq!(cmds[0].title.as_deref(), Some(v.rules[18].id.as_str()));
    assert!(cmds[0].message.contains("\nWhat to do: add tests"));
    assert_eq!(
        cmds[10].title.as_deref(),
        Some(v.rules[0].id.as_str()),
        "the undecided rule warns first"
    );
    let last = cmds.last().unwrap();
    assert_eq!(
        last.message,
        "27 more errors, 16 more warnings not shown: GitHub shows 10 of each kind per step. \
         The step summary and the JSON report hold everything."
    );
    let text = render_workflow_commands(&v);
    assert_eq!(text.lines().count(), 21);
    assert!(text.lines().all(|l| l.starts_with("::")));
}

#[test]
fn few_findings_need_no_summary_notice() {
    let mut v = sample(3, 1);
    let id = v.rules[2].id.clone();
    v.annotations
        .push(annotation(AnnotationLevel::Failure, &id, "src/f.rs", 7));
    let cmds = workflow_commands(&v);
    assert_eq!(cmds.len(), 2);
    assert_eq!(
        cmds[1].to_string(),
        format!(
            "::error file=src/f.rs,line=7,endLine=8,title={}%3A Uncovered changed lines::lines 7-8 are not covered",
            escape_property(&id)
        )
    );
}

#[test]
fn add_mask_escapes_like_data_and_skips_empty_secrets() {
    assert_eq!(
        add_mask("ghs_abc%def").as_deref(),
        Some("::add-mask::ghs_abc%25def")
    );
    assert_eq!(add_mask(""), None);
}

// ---- file commands ----

/// Reads `$GITHUB_OUTPUT` the way the runner does (heredoc form only).
fn parse_outputs(text: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut lines = text.split('\n');
    while let Some(line) = lines.next() {
        if line.is_empty() {
            continue;
        }
        let (name, delim) = line.split_once("<<").unwrap();
        let mut value = Vec::new();
        for l in lines.by_ref() {
            if l == delim {
                break;
            }
            value.push(l);
        }
        out.insert(name.to_owned(), value.join("\n"));
    }
    out
}

#[test]
fn outputs_are_appended_in_heredoc_form_and_cannot_be_smuggled() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("output");
    std::fs::write(&path, "earlier<<EOF\nkept\nEOF\n").unwrap();
    let sneaky = "a\nconclusion=pass\nEOF\nghadelimiter_\nb";
    append_outputs(&path, &[("conclusion", "fail"), ("report", sneaky)]).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.starts_with("earlier<<EOF\nkept\nEOF\n"),
        "appended, not truncated"
    );
    let parsed = parse_outputs(&text);
    assert_eq!(parsed["earlier"], "kept");
    assert_eq!(parsed["conclusion"], "fail");
    assert_eq!(parsed["report"], sneaky);
    assert!(matches!(
        format_output("a=b", "x", "D"),
        Err(ActionsFileError::OutputName(_))
    ));
    let d1 = fresh_delimiter("n", "v");
    assert!(d1.starts_with("ghadelimiter_") && d1.len() == 13 + 32);
    assert_ne!(d1, fresh_delimiter("n", "v"));
}

#[test]
fn step_outputs_name_the_conclusion_and_the_report() {
    let v = sample(2, 1);
    let outs = step_outputs(&v, Some(std::path::Path::new("target/tollgate.json")));
    assert_eq!(
        outs,
        [
            ("conclusion", "fail".to_owned()),
            ("report", "target/tollgate.json".to_owned())
        ]
    );
}

#[test]
fn the_step_summary_fits_what_is_left_of_the_mebibyte() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("summary.md");
    let earlier = "x".repeat(STEP_SUMMARY_LIMIT - 5_000) + "\n";
    std::fs::write(&path, &earlier).unwrap();
    let v = sample(2_000, 10);
    let written = append_step_summary(&path, &v).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with(&earlier));
    assert_eq!(text.len(), earlier.len() + written);
    assert!(text.len() <= STEP_SUMMARY_LIMIT);
    assert!(text.contains("## tollgate/gate2: failed"));
    assert!(text.contains("omitted to fit GitHub's size limit"));

    // A fresh summary holds everything a moderate verdict has.
    let fresh = dir.path().join("fresh.md");
    append_step_summary(&fresh, &v).unwrap();
    assert_eq!(
        std::fs::read_to_string(&fresh).unwrap(),
        crate::report::render_markdown(&v)
    );
}

#[test]
fn actions_files_get_the_summary_and_both_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let (summary, output) = (dir.path().join("summary.md"), dir.path().join("output"));
    let v = sample(3, 0);
    let report = dir.path().join("report.json");
    write_actions_files(Some(&summary), Some(&output), &v, Some(&report)).unwrap();
    assert!(std::fs::read_to_string(&summary)
        .unwrap()
        .starts_with("## tollgate/gate2: passed"));
    let outs = parse_outputs(&std::fs::read_to_string(&output).unwrap());
    assert_eq!(outs["conclusion"], "pass");
    assert_eq!(outs["report"], report.display().to_string());
    // Outside Actions nothing is written.
    write_actions_files(None, None, &v, None).unwrap();
}
