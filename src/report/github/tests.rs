//! Tests of GitHub's limits, one per limit, on synthetic verdicts.

use std::collections::HashMap;

use proptest::prelude::*;

use super::*;
use crate::eval::{
    Annotation, AnnotationLevel, AppliedOverride, Context, EvidenceSummary, PolicyInfo, RuleResult,
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
        annotations: Vec::new(),
        notes: Vec::new(),
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

#[test]
fn five_thousand_rules_fit_in_65535_bytes_failures_first_with_a_note() {
    let v = sample(5_000, 37);
    let run = check_run(&v);
    let summary = &run.output.summary;
    assert!(summary.len() <= CHECK_RUN_TEXT_LIMIT, "{}", summary.len());
    assert!(run.output.text.len() <= CHECK_RUN_TEXT_LIMIT);
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
    assert_eq!(run.conclusion, CheckConclusion::Failure);
    assert_eq!(run.output.title, "gate2 failed: 37 of 5,000 rules");
    // Deterministic: the same verdict gives the same bytes.
    assert_eq!(check_run(&v), run);
}

#[test]
fn the_text_keeps_failing_rules_first_and_says_what_it_cut() {
    let v = sample(3_000, 3_000);
    let text = check_run(&v).output.text;
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
    let run = check_run(&v);
    for text in [&run.output.summary, &run.output.text] {
        assert!(text.len() <= CHECK_RUN_TEXT_LIMIT);
        assert!(text.contains('…'), "a clipped cell ends in an ellipsis");
    }
    let a = &run.output.annotations[0];
    assert!(a.message.len() <= ANNOTATION_MESSAGE_MAX_BYTES);
    assert!(a.message.ends_with('…'));
    assert_eq!(a.title.chars().count(), ANNOTATION_TITLE_MAX_CHARS);
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
    let run = check_run(&v);
    assert_eq!(run.output.annotations.len(), 120);
    let sizes: Vec<usize> = run.output.batches().iter().map(|b| b.len()).collect();
    assert_eq!(sizes, [50, 50, 20]);
    assert_eq!(run.output.payloads().len(), 3);
    let levels: Vec<GithubLevel> = run
        .output
        .annotations
        .iter()
        .map(|a| a.annotation_level)
        .collect();
    let mut sorted = levels.clone();
    sorted.sort();
    assert_eq!(levels, sorted, "failures, then warnings, then notices");
    assert_eq!(
        run.output.annotations[0].start_line, 1,
        "by line within a file"
    );
    assert_eq!(run.output.annotations[0].path, "src/f.rs");

    let capped = check_run_with_cap(&v, 45);
    assert_eq!(capped.output.annotations.len(), 45);
    assert_eq!(capped.annotations_omitted, 75);
    assert!(capped
        .output
        .annotations
        .iter()
        .all(|a| a.annotation_level != GithubLevel::Notice));
    assert!(capped
        .output
        .summary
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
    let ranked: Vec<&str> = ranked_annotations(&v)
        .iter()
        .map(|a| a.rule.as_str())
        .collect();
    assert_eq!(ranked, [r0.as_str(), r1.as_str(), "unknown.rule"]);
}

#[test]
fn a_verdict_without_annotations_still_sends_one_payload() {
    let run = check_run(&sample(2, 0));
    let payloads = run.output.payloads();
    assert_eq!(payloads.len(), 1);
    let json = serde_json::to_value(payloads[0]).unwrap();
    assert!(json.get("annotations").is_none());
    assert_eq!(run.output.title, "gate2 passed: all 2 rules");
    assert_eq!(run.conclusion, CheckConclusion::Success);
    assert_eq!(
        run.output.text,
        "All 2 rules of `gate2` are met; nothing to do.\n"
    );
}

#[test]
fn payloads_use_githubs_field_names() {
    let mut v = sample(1, 1);
    v.annotations.push(annotation(
        AnnotationLevel::Failure,
        &v.rules[0].id.clone(),
        "src/lib.rs",
        0,
    ));
    let run = check_run(&v);
    let json = serde_json::to_value(run.output.payloads()[0]).unwrap();
    let a = &json["annotations"][0];
    assert_eq!(a["path"], "src/lib.rs");
    assert_eq!(a["start_line"], 1, "line 0 is repaired to 1");
    assert_eq!(a["end_line"], 1);
    assert_eq!(a["annotation_level"], "failure");
    assert!(a["title"]
        .as_str()
        .unwrap()
        .starts_with("coverage.path[src/module00000/**]: "));
    assert!(json["summary"].as_str().unwrap().contains("| ❌ |"));
    assert_eq!(run.name, "tollgate/gate2");
    assert_eq!(
        run.external_id,
        "tollgate/gate2@0123456789abcdef0123456789abcdef01234567"
    );
}

#[test]
fn the_client_payload_carries_the_same_output() {
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
    let run = check_run(&v);
    let payload = run.to_payload(Some("https://github.com/o/r/actions/runs/1".into()), None);
    assert_eq!(payload.name, "tollgate/gate2");
    assert_eq!(payload.conclusion, crate::github::Conclusion::Failure);
    assert_eq!(payload.title, run.output.title);
    assert_eq!(payload.summary, run.output.summary);
    assert_eq!(payload.text.as_deref(), Some(run.output.text.as_str()));
    assert_eq!(payload.annotations.len(), 120);
    assert_eq!(
        payload.annotations[0].level,
        crate::github::AnnotationLevel::Warning
    );
    assert_eq!(
        payload.annotations[0].title.as_deref(),
        Some(run.output.annotations[0].title.as_str())
    );
    assert_eq!(
        payload.external_id.as_deref(),
        Some(run.external_id.as_str())
    );
    assert!(payload.summary.len() <= crate::github::OUTPUT_MAX_BYTES);
}

#[test]
fn an_undecided_gate_is_a_failure_check_and_a_fail_output() {
    let mut v = sample(4, 0);
    v.rules[1].status = Status::Unknown;
    v.rules[2].status = Status::Unknown;
    v.reconclude();
    assert_eq!(v.conclusion, Conclusion::Unknown);
    let run = check_run(&v);
    assert_eq!(run.conclusion, CheckConclusion::Failure);
    assert_eq!(
        run.output.title,
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
    });
    v.notes
        .push("policies/gate2.toml: this pull request lowers coverage.lines <b>".into());
    let text = check_run(&v).output.text;
    assert!(
        text.contains("waived by alice@example.org until 2026-12-31T00:00:00Z"),
        "{text}"
    );
    assert!(text.contains("> policies/gate2.toml: this pull request lowers coverage.lines &lt;b>"));
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
