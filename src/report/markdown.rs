//! GitHub-flavoured Markdown: `--format markdown`, the step summary, and the
//! pieces the check-run renderer ([`super::github`]) assembles.
//!
//! Everything is built as a ranked [`Doc`] (failures first) so that the same
//! text can be cut to GitHub's byte budgets without losing what matters.
//!
//! Strings from the verdict are untrusted: rule messages quote evidence
//! (file paths from a coverage report, test names, benchmark ids, advisory
//! titles), and evidence comes from the change under review
//! (`docs/github.md`). Every one passes through [`inert`] (prose, via
//! [`inline`] and [`cell`]) or [`code`] (inside a code span), so that it
//! renders as the text it is: no links, images, raw HTML, @mentions, issue
//! references, headings, tables or code fences of its own.

use std::fmt::Write as _;

use super::budget::{clip, Doc, Unit};
use crate::eval::{
    format_percent, Conclusion, CoverageEvidence, CoverageTrend, RuleResult, Status, TallyReport,
    Verdict,
};

/// Longest table cell, in bytes: one runaway message must not crowd out the
/// other rows of a budgeted table.
const CELL_MAX: usize = 1_024;
/// Longest paragraph taken from the verdict (a message, a help text, a note).
const PARAGRAPH_MAX: usize = 8_192;

pub(crate) fn icon(status: Status) -> &'static str {
    match status {
        Status::Pass => "✅",
        Status::Fail => "❌",
        Status::Error => "⛔",
        Status::Overridden => "🟡",
        Status::Unknown => "❔",
        Status::Skipped => "⏭️",
    }
}

/// Zero width joiner: invisible, and not a word character, so it splits an
/// `@login`, an `#123` or a `https://` that GitHub would otherwise link.
const ZWJ: char = '\u{200d}';

/// `text` made inert for GitHub-flavoured Markdown: it renders as the same
/// characters and nothing else.
///
/// - control characters (ESC, CR, BEL, C1 such as U+009B, bidirectional
///   controls) are shown as `\u{1b}`-style escapes by the crate's one
///   terminal escaping function ([`crate::terminal::safe`]), since the
///   Markdown report is printed to terminals too;
/// - `\\`, `` ` ``, `*`, `[`, `]`, `|`, `~` and `$` are backslash-escaped
///   (Markdown allows it for any ASCII punctuation), so no code span or
///   fence, link, image, footnote, table cell, strike-through or math starts;
/// - `&`, `<` become entities, so there is no raw HTML, no `<https://…>`
///   autolink and no `&#64;` that decodes to something active;
/// - at the start of a line (after blanks), `#`, `>`, `-`, `+` and `=` are
///   escaped, and so is the `.` or `)` after a leading run of digits: no
///   heading, quote, list, ordered list or setext underline;
/// - a zero-width joiner follows every `@` (no mention, no e-mail link),
///   every `#` before a letter or digit (no issue reference), the `:` of
///   `://` and the `www` of `www.` (no bare-URL autolink).
///
/// Line ends are kept (a table cell puts the text on one line first).
#[must_use]
pub fn inert(text: &str) -> String {
    escape(text, true)
}

/// [`inert`]; `starts_line` says whether `text` begins a line of the
/// document (a table cell or a text after a label does not, and a leading
/// `>` or `-` there is plain text).
fn escape(text: &str, starts_line: bool) -> String {
    let text = crate::terminal::safe(text);
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut at_line_start = starts_line;
    // Whether the line so far is blanks and then one or more digits: a `.`
    // or `)` now would start an ordered list.
    let mut list_number = false;
    let mut rest: &str = &text;
    while let Some(c) = rest.chars().next() {
        let after = &rest[c.len_utf8()..];
        let next = after.chars().next();
        let number_so_far = list_number;
        list_number = c.is_ascii_digit() && (at_line_start || list_number);
        match c {
            '\\' | '`' | '*' | '[' | ']' | '|' | '~' | '$' => {
                out.push('\\');
                out.push(c);
            }
            '.' | ')' if number_so_far => {
                out.push('\\');
                out.push(c);
            }
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '#' | '>' | '-' | '+' | '=' if at_line_start => {
                out.push('\\');
                out.push(c);
                if c == '#' && next.is_some_and(char::is_alphanumeric) {
                    out.push(ZWJ);
                }
            }
            '#' if next.is_some_and(char::is_alphanumeric) => {
                out.push('#');
                out.push(ZWJ);
            }
            '@' => {
                out.push('@');
                out.push(ZWJ);
            }
            ':' if after.starts_with("//") => {
                out.push(':');
                out.push(ZWJ);
            }
            'w' | 'W'
                if after
                    .get(..3)
                    .is_some_and(|w| w.eq_ignore_ascii_case("ww.")) =>
            {
                // Both following bytes are ASCII `w`s: slicing there is safe.
                out.push(c);
                out.push_str(after.get(..2).unwrap_or_default());
                out.push(ZWJ);
                rest = after.get(2..).unwrap_or_default();
                at_line_start = false;
                continue;
            }
            _ => out.push(c),
        }
        at_line_start = c == '\n' || (at_line_start && (c == ' ' || c == '\t'));
        rest = after;
    }
    out
}

/// The verdict's text made [`inert`], at most [`PARAGRAPH_MAX`] bytes.
pub(crate) fn inline(text: &str) -> String {
    inert(&clip(text, PARAGRAPH_MAX))
}

/// Text for a Markdown table cell or after a label: [`inert`], on one line
/// (so nothing in it starts a line).
pub(crate) fn cell(text: &str) -> String {
    escape(&clip(text, CELL_MAX).replace(['\r', '\n'], " "), false)
}

/// Text as a code span, which renders everything inside it literally but
/// for its closing backtick (replaced by `'`) and, in a table, `|`
/// (escaped; GitHub drops the backslash there). On one line.
pub(crate) fn code(text: &str) -> String {
    let text = clip(text, CELL_MAX)
        .replace(['\r', '\n'], " ")
        .replace('`', "'")
        .replace('|', "\\|");
    if text.trim().is_empty() {
        // "``" would not be a code span at all.
        return "` `".to_owned();
    }
    format!("`{text}`")
}

/// The word for a conclusion in headings and titles.
pub(crate) fn conclusion_word(conclusion: Conclusion) -> &'static str {
    match conclusion {
        Conclusion::Pass => "passed",
        Conclusion::Fail => "failed",
        Conclusion::Unknown => "undecided",
        Conclusion::Pending => "pending CI",
    }
}

/// Rules in report order: blocking first, then undecided, overridden,
/// skipped, passed; policy order within each status.
pub(crate) fn ranked_rules(verdict: &Verdict) -> Vec<&RuleResult> {
    let mut rules: Vec<_> = verdict.rules.iter().collect();
    rules.sort_by_key(|r| r.status);
    rules
}

/// The policy line: which policy judged, exactly (docs/policy.md).
pub(crate) fn policy_line(verdict: &Verdict) -> String {
    format!(
        "Policy {} {} ({}, sha256 {})\n",
        code(&verdict.policy.name),
        cell(&verdict.policy.version),
        code(&verdict.policy.path),
        code(&verdict.policy.sha256)
    )
}

/// What was judged: the event, repository, commit, pull request or tag.
pub(crate) fn judged_line(verdict: &Verdict) -> String {
    let ctx = &verdict.context;
    let mut parts = vec![cell(ctx.kind.as_str())];
    if let Some(repo) = &ctx.repository {
        parts.push(code(repo));
    }
    if let Some(pr) = ctx.pull_request {
        parts.push(format!("pull request #{pr}"));
    }
    if let Some(tag) = &ctx.tag {
        parts.push(format!("tag {}", code(tag)));
    }
    if let Some(commit) = &ctx.commit {
        parts.push(format!("commit {}", code(commit)));
    }
    format!(
        "Judged: {}{}\n",
        parts.join(", "),
        if ctx.dry_run { " (dry run)" } else { "" }
    )
}

/// The rules table: a header, then one row per rule in rank order.
pub(crate) fn push_rules_table(doc: &mut Doc, verdict: &Verdict) {
    doc.push(
        "| | Rule | Actual | Required | Details |\n|---|---|---|---|---|",
        Unit::Layout,
    );
    for rule in ranked_rules(verdict) {
        doc.push(
            format!(
                "| {} | {} | {} | {} | {} |",
                icon(rule.status),
                code(&rule.id),
                cell(rule.actual.as_deref().unwrap_or("–")),
                cell(&rule.required),
                cell(&rule.message),
            ),
            Unit::Rule {
                blocking: rule.status.blocks(),
            },
        );
    }
}

/// A figure as `80.00% (80/100)`, or `n/a` when nothing was found.
pub(crate) fn figure(t: &TallyReport) -> String {
    if t.found == 0 {
        return "n/a".to_owned();
    }
    format!("{} ({}/{})", format_percent(t.hit, t.found), t.hit, t.found)
}

/// The coverage totals compared, as (name, base, head): lines, branches,
/// functions, and regions where both sides have them.
pub(crate) fn compared_totals(
    coverage: &CoverageEvidence,
) -> Vec<(&'static str, TallyReport, TallyReport)> {
    let Some(base) = &coverage.base else {
        return Vec::new();
    };
    let mut rows = vec![
        ("Lines", base.lines, coverage.lines),
        ("Branches", base.branches, coverage.branches),
        ("Functions", base.functions, coverage.functions),
    ];
    if let (Some(b), Some(h)) = (base.regions, coverage.regions) {
        rows.push(("Regions", b, h));
    }
    rows
}

/// The change in points between two figures (`-2.00`), `n/a` when either
/// side found nothing.
pub(crate) fn change(base: &TallyReport, head: &TallyReport) -> String {
    base.change_to(head)
}

/// "Coverage against the base": a base -> head table of the totals, and
/// the files whose coverage changed without the change touching them.
pub(crate) fn push_coverage_base(doc: &mut Doc, verdict: &Verdict) {
    let Some(coverage) = &verdict.evidence.coverage else {
        return;
    };
    let Some(base) = &coverage.base else {
        return;
    };
    let mut text = format!(
        "\n### Coverage against the base\n\nBase: {}\n\n| | Base | Head | Change (points) |\n|---|---|---|---|\n",
        code(&base.source)
    );
    for (name, b, h) in compared_totals(coverage) {
        let _ = writeln!(
            text,
            "| {name} | {} | {} | {} |",
            figure(&b),
            figure(&h),
            change(&b, &h)
        );
    }
    doc.push(text, Unit::Note);
    let Some(indirect) = &coverage.indirect_changes else {
        return;
    };
    if indirect.files.is_empty() {
        return;
    }
    let mut text = String::from(
        "\nIndirect changes: files whose line coverage changed although the change does not touch them\n\n",
    );
    for file in &indirect.files {
        let _ = writeln!(
            text,
            "- {}: {} -> {} ({})",
            code(&file.path),
            figure(&file.base),
            figure(&file.head),
            change(&file.base, &file.head)
        );
    }
    if indirect.more > 0 {
        let _ = writeln!(text, "- and {} more", indirect.more);
    }
    doc.push(text, Unit::Note);
}

/// Base -> head per benchmark that had a baseline (estimate and confidence
/// interval), under a line naming the commits compared when the run
/// recorded them. Benchmark ids come from evidence: code spans.
pub(crate) fn push_bench_table(doc: &mut Doc, verdict: &Verdict) {
    let Some(benches) = &verdict.evidence.bench else {
        return;
    };
    let commits = verdict.evidence.bench_commits.as_ref();
    let compared: Vec<_> = benches
        .iter()
        .filter(|b| b.change_percent.is_some() || commits.is_some())
        .collect();
    if compared.is_empty() {
        return;
    }
    let figure = |ns: Option<f64>, value: Option<f64>, unit: Option<&str>| match (ns, value) {
        (Some(ns), _) => crate::eval::format_ns(ns),
        (None, Some(v)) => format!("{v} {}", unit.unwrap_or("")).trim_end().to_owned(),
        (None, None) => "–".to_owned(),
    };
    let mut head = String::from("\n### Benchmarks: base → head\n\n");
    if let Some(c) = commits {
        let short = |s: &str| s.get(..12).unwrap_or(s).to_owned();
        let _ = writeln!(
            head,
            "Compared base {} with head {} ({}, same job){}.\n",
            code(&short(&c.base)),
            code(&short(&c.head)),
            cell(&c.tool),
            if c.base_ran {
                ""
            } else {
                "; the base did not build or run its benchmarks"
            }
        );
    }
    head.push_str("| Benchmark | Base | Head | Change | Interval |\n|---|---|---|---|---|");
    doc.push(head, Unit::Layout);
    for b in compared {
        let base = match (b.baseline_ns, b.change_percent) {
            (Some(ns), _) => crate::eval::format_ns(ns),
            (None, Some(_)) => "(baseline)".to_owned(),
            (None, None) => "new".to_owned(),
        };
        let change = b
            .change_percent
            .map_or_else(|| "–".to_owned(), |p| format!("{p:+.2}%"));
        let interval = b.change_interval_percent.map_or_else(
            || "–".to_owned(),
            |(lo, hi)| format!("[{lo:+.2}%, {hi:+.2}%]"),
        );
        doc.push(
            format!(
                "| {} | {base} | {} | {change} | {interval} |",
                code(&b.id),
                figure(b.value_ns, b.value, b.unit.as_deref()),
            ),
            Unit::Note,
        );
    }
}

/// The shortest trend worth a chart.
const TREND_MIN_POINTS: usize = 2;

/// A commit for a chart label: its first seven hexadecimal digits, nothing
/// else (Mermaid text takes only numbers and hex from the verdict).
fn hex_label(sha: &str) -> String {
    let hex: String = sha
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .take(7)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if hex.is_empty() {
        "-".to_owned()
    } else {
        hex
    }
}

/// A percentage for Mermaid in hundredths, truncated as the report's
/// percentages are ([`format_percent`]): whole numbers only, no float text.
fn chart_percent(t: &TallyReport) -> Option<u64> {
    if t.found == 0 {
        return None;
    }
    u64::try_from(u128::from(t.hit) * 10_000 / u128::from(t.found)).ok()
}

/// One Mermaid `xychart-beta` line chart of `(label, hundredths)` points,
/// its y axis fitted to the figures (a whole point either side).
fn mermaid_chart(title: &str, points: &[(String, u64)]) -> String {
    let min = points.iter().map(|p| p.1).min().unwrap_or(0);
    let max = points.iter().map(|p| p.1).max().unwrap_or(10_000);
    let low = (min / 100).saturating_sub(1);
    let high = (max.div_ceil(100) + 1).min(100);
    let labels = points
        .iter()
        .map(|p| format!("\"{}\"", p.0))
        .collect::<Vec<_>>()
        .join(", ");
    let values = points
        .iter()
        .map(|p| format!("{}.{:02}", p.1 / 100, p.1 % 100))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "\n```mermaid\nxychart-beta\n    title \"{title}\"\n    x-axis [{labels}]\n    y-axis \"%\" {low} --> {high}\n    line [{values}]\n```\n"
    )
}

/// "Coverage trend": Mermaid line charts (they render on GitHub) of total
/// line and, where the evidence has them, branch coverage over the default
/// branch's recent evidence runs, with this change's head as the last
/// point when it is not one of them. Only numbers and hexadecimal commit
/// labels go into the chart; the branch name and dates are in the prose,
/// made inert.
pub(crate) fn push_coverage_trend(doc: &mut Doc, verdict: &Verdict) {
    let Some(CoverageTrend { branch, points }) = &verdict.coverage_trend else {
        return;
    };
    let mut series: Vec<(String, &TallyReport, &TallyReport)> = points
        .iter()
        .map(|p| (p.commit.clone(), &p.lines, &p.branches))
        .collect();
    let head = verdict
        .context
        .commit
        .as_deref()
        .zip(verdict.evidence.coverage.as_ref());
    let mut with_head = None;
    if let Some((sha, coverage)) = head {
        if !points.iter().any(|p| p.commit.eq_ignore_ascii_case(sha)) {
            series.push((sha.to_owned(), &coverage.lines, &coverage.branches));
            with_head = Some(sha);
        }
    }
    let chart = |branch_figures: bool| {
        series
            .iter()
            .filter_map(|(sha, lines, branches)| {
                let figure = if branch_figures { branches } else { lines };
                chart_percent(figure).map(|v| (hex_label(sha), v))
            })
            .collect::<Vec<_>>()
    };
    let lines = chart(false);
    if lines.len() < TREND_MIN_POINTS {
        return;
    }
    let branches = chart(true);
    let span = |p: &crate::eval::TrendPoint| {
        let date = p
            .date
            .as_deref()
            .map(|d| format!(", {}", inert(d)))
            .unwrap_or_default();
        format!("{}{date}", code(&hex_label(&p.commit)))
    };
    let runs = match points.as_slice() {
        [] => String::new(),
        [only] => format!(
            "The last evidence run of a push to {} ({})",
            code(branch),
            span(only)
        ),
        [first, .., last] => format!(
            "The last {} evidence runs of pushes to {}, oldest first ({} to {})",
            points.len(),
            code(branch),
            span(first),
            span(last)
        ),
    };
    let head = with_head
        .map(|sha| format!(", then this change's head ({})", code(&hex_label(sha))))
        .unwrap_or_default();
    let mut text = format!("\n### Coverage trend\n\n{runs}{head}.\n");
    text.push_str(&mermaid_chart("Line coverage (%)", &lines));
    if branches.len() >= TREND_MIN_POINTS {
        text.push_str(&mermaid_chart("Branch coverage (%)", &branches));
    }
    doc.push(text, Unit::Note);
}

/// "What to do" for each blocking or undecided rule.
fn push_todo(doc: &mut Doc, verdict: &Verdict) {
    let todo: Vec<_> = ranked_rules(verdict)
        .into_iter()
        .filter(|r| r.status.blocks() || r.status == Status::Unknown)
        .collect();
    if todo.is_empty() {
        return;
    }
    doc.push("\n### What to do\n\n", Unit::Layout);
    for rule in todo {
        doc.push(
            format!(
                "- {}: {}",
                code(&rule.id),
                inline(rule.help.as_deref().unwrap_or(&rule.message)).replace('\n', " ")
            ),
            Unit::Rule {
                blocking: rule.status.blocks(),
            },
        );
    }
}

/// Signed overrides, which every report must show (docs/overrides.md),
/// each with where it was read from. Every field comes from a signed but
/// untrusted document or a comment, so it is rendered [`inert`].
pub(crate) fn push_overrides(doc: &mut Doc, verdict: &Verdict) {
    if verdict.overrides.is_empty() {
        return;
    }
    doc.push("\n### Overrides\n\n", Unit::Layout);
    for o in &verdict.overrides {
        doc.push(
            format!(
                "- {} waived by {} until {}: {} (from {})",
                code_list(&o.rules),
                untrusted(&o.signer),
                untrusted(&o.expires),
                untrusted(&o.reason),
                untrusted(&o.source)
            ),
            Unit::Note,
        );
    }
}

/// Signed documents that did not count, with the reason, so their authors
/// see why (docs/overrides.md). Untrusted text throughout: [`inert`].
pub(crate) fn push_rejected(doc: &mut Doc, verdict: &Verdict) {
    if verdict.rejected.is_empty() {
        return;
    }
    doc.push("\n### Rejected signed documents\n\n", Unit::Layout);
    for r in &verdict.rejected {
        let named = match (&r.signoff, r.rules.is_empty()) {
            (Some(id), _) => format!(" {}", code_list(std::slice::from_ref(id))),
            (None, false) => format!(" {}", code_list(&r.rules)),
            (None, true) => String::new(),
        };
        let signer = r
            .signer
            .as_deref()
            .map(|s| format!(", signed by {}", untrusted(s)))
            .unwrap_or_default();
        doc.push(
            format!(
                "- {}{named} from {}{signer}: {}",
                r.kind.as_str(),
                untrusted(&r.source),
                untrusted(&r.reason)
            ),
            Unit::Note,
        );
    }
}

/// Untrusted text for one list item or table cell: clipped, then [`inert`].
fn untrusted(text: &str) -> String {
    inert(&clip(text, CELL_MAX))
}

/// Ids as code spans (inert whatever they hold), comma-separated.
fn code_list(ids: &[String]) -> String {
    ids.iter().map(|r| code(r)).collect::<Vec<_>>().join(", ")
}

/// The verdict's notes as block quotes.
pub(crate) fn push_notes(doc: &mut Doc, verdict: &Verdict) {
    for note in &verdict.notes {
        let mut text = String::from("\n");
        for line in inline(note).lines() {
            let _ = writeln!(text, "> {line}");
        }
        doc.push(text, Unit::Note);
    }
}

/// The whole Markdown report as a ranked document.
fn markdown_doc(verdict: &Verdict) -> Doc {
    let mut doc = Doc::default();
    doc.push(
        format!(
            "## tollgate/{}: {}\n\n{}\n{}\n",
            cell(&verdict.gate),
            conclusion_word(verdict.conclusion),
            policy_line(verdict),
            judged_line(verdict)
        ),
        Unit::Layout,
    );
    push_rules_table(&mut doc, verdict);
    push_coverage_base(&mut doc, verdict);
    push_bench_table(&mut doc, verdict);
    push_coverage_trend(&mut doc, verdict);
    push_todo(&mut doc, verdict);
    push_overrides(&mut doc, verdict);
    push_rejected(&mut doc, verdict);
    push_notes(&mut doc, verdict);
    doc
}

/// Renders the verdict as Markdown: a heading, a table of rules (failures
/// first), what to do about each failure, overrides and notes.
#[must_use]
pub fn render_markdown(verdict: &Verdict) -> String {
    markdown_doc(verdict).render()
}

/// [`render_markdown`] cut to at most `limit` bytes, failures first, with a
/// closing note saying what was left out (`$GITHUB_STEP_SUMMARY` takes
/// 1 MiB per step).
#[must_use]
pub fn render_markdown_within(verdict: &Verdict, limit: usize) -> String {
    markdown_doc(verdict).fit(limit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::Annotation;
    use crate::report::github::tests::sample;

    /// What GitHub would turn into something other than text, once every
    /// backslash-escaped character is replaced by `·`. `#12` is left to the caller
    /// (the report's own "pull request #12" is meant to link), and so is a
    /// line-start `>` (the report quotes its notes).
    fn assert_inert(md: &str, extra: &[&str]) {
        let mut plain = String::new();
        let mut chars = md.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                chars.next();
                plain.push('·');
            } else {
                plain.push(c);
            }
        }
        for active in [
            "](", "![", "<img", "<a ", "<!--", "<https", "<script", "@org", "@alice", "&#",
            "https://", "www.", "\n# ", "\n## ", "\n```", "\n~~~", "\n---", "\n===",
        ]
        .iter()
        .chain(extra)
        {
            assert!(!plain.contains(active), "{active:?} survived in {md:?}");
        }
    }

    const HOSTILE: &str = "see [x](https://evil.example/a) ![i](https://evil.example/i.png) \
        <img src=x onerror=alert(1)> <a href=\"https://evil\">x</a> &#64;org <!-- c --> \
        @org/team cc @alice www.evil.example fixes #12 `code` | a | b |\n\
        # Heading\n## Sub\n> quote\n```\nfence\n```\n~~~\nx\n---\n===\n<https://evil>";

    #[test]
    fn hostile_text_renders_as_text() {
        let out = inert(HOSTILE);
        assert_inert(&out, &["#12", "`", "|", "\n#", "\n>", "\n> "]);
        // The visible characters are all still there.
        let visible: String = out
            .replace("&amp;", "&")
            .replace("&lt;", "<")
            .replace(ZWJ, "")
            .chars()
            .filter(|&c| c != '\\')
            .collect();
        let expected: String = HOSTILE.chars().filter(|&c| c != '\\').collect();
        assert_eq!(visible, expected);
        assert_eq!(
            inert("plain words, 42.5% of src/a.rs"),
            "plain words, 42.5% of src/a.rs"
        );
        // No panic on multi-byte text next to the `www` check.
        assert_eq!(inert("wé"), "wé");
        assert_eq!(inert("ww"), "ww");
    }

    #[test]
    fn code_spans_stay_closed_and_one_line() {
        assert_eq!(code("a`b|c\nd"), "`a'b\\|c d`");
        assert_eq!(code(""), "` `");
    }

    #[test]
    fn hostile_evidence_renders_inert_in_the_markdown_report() {
        let mut v = sample(3, 2);
        let path = "src/[x](https://evil)/a.rs";
        v.rules[1].message = format!("uncovered: {path} @org/team <img src=x> a|b\n# owned");
        v.rules[1].help = Some(format!("cover {path}\n> @alice"));
        v.rules[2].actual = Some("<script>".into());
        v.rules[2].id = "bench.regression[`x` | y]".into();
        v.notes.push(format!("note about {path}\n## heading @org"));
        v.annotations.push(Annotation {
            path: path.into(),
            start_line: 1,
            end_line: 1,
            level: crate::eval::AnnotationLevel::Failure,
            rule: "coverage.patch".into(),
            title: "t".into(),
            message: "m".into(),
        });
        let md = render_markdown(&v);
        assert_inert(&md, &["\n# owned", "<b>"]);
        assert!(
            md.contains("src/\\[x\\](https:\u{200d}//evil)/a.rs"),
            "{md}"
        );
        // Table rows keep their five columns: no cell grew a `|` of its own.
        for row in md.lines().filter(|l| l.starts_with("| ")) {
            let bars = row.matches('|').count() - row.matches("\\|").count();
            assert_eq!(bars, 6, "{row}");
        }
        let payload = crate::report::github::check_run(&v).unwrap();
        let json = serde_json::to_value(
            payload
                .requests(
                    payload.output().annotations(),
                    crate::report::github::Publish::Create,
                )
                .first,
        )
        .unwrap();
        let output = &json["output"];
        for field in ["summary", "text"] {
            assert_inert(output[field].as_str().unwrap(), &[]);
        }
    }

    fn trend_point(
        commit: &str,
        lines: (u64, u64),
        branches: (u64, u64),
    ) -> crate::eval::TrendPoint {
        let tally = |(hit, found): (u64, u64)| TallyReport {
            found,
            hit,
            percent: None,
        };
        crate::eval::TrendPoint {
            commit: commit.into(),
            date: Some("2026-11-30".into()),
            lines: tally(lines),
            branches: tally(branches),
        }
    }

    /// The block between a ```` ```mermaid ```` fence and its close.
    fn mermaid_blocks(md: &str) -> Vec<&str> {
        md.split("```mermaid\n")
            .skip(1)
            .filter_map(|rest| rest.split("\n```").next())
            .collect()
    }

    #[test]
    fn the_trend_charts_lines_and_branches_with_the_head_last() {
        let mut v = sample(2, 0);
        v.evidence.coverage = Some(CoverageEvidence {
            files: 1,
            lines: TallyReport {
                found: 100,
                hit: 80,
                percent: Some(80.0),
            },
            branches: TallyReport {
                found: 10,
                hit: 5,
                percent: Some(50.0),
            },
            functions: TallyReport {
                found: 0,
                hit: 0,
                percent: None,
            },
            regions: None,
            statements: None,
            patch: None,
            base: None,
            indirect_changes: None,
        });
        v.coverage_trend = Some(CoverageTrend {
            branch: "main".into(),
            points: vec![
                trend_point("aaaaaaa1111", (82, 100), (6, 10)),
                trend_point("bbbbbbb2222", (825, 1000), (0, 0)),
                trend_point("ccccccc3333", (83, 100), (7, 10)),
            ],
        });
        let md = render_markdown(&v);
        assert!(md.contains("### Coverage trend"), "{md}");
        assert!(
            md.contains("The last 3 evidence runs of pushes to `main`, oldest first (`aaaaaaa`, 2026-11-30 to `ccccccc`, 2026-11-30), then this change's head (`0123456`)."),
            "{md}"
        );
        let blocks = mermaid_blocks(&md);
        assert_eq!(blocks.len(), 2, "{md}");
        assert_eq!(
            blocks[0],
            "xychart-beta\n    title \"Line coverage (%)\"\n    x-axis [\"aaaaaaa\", \"bbbbbbb\", \"ccccccc\", \"0123456\"]\n    y-axis \"%\" 79 --> 84\n    line [82.00, 82.50, 83.00, 80.00]"
        );
        // A run without branches is left out of the branch chart only.
        assert_eq!(
            blocks[1],
            "xychart-beta\n    title \"Branch coverage (%)\"\n    x-axis [\"aaaaaaa\", \"ccccccc\", \"0123456\"]\n    y-axis \"%\" 49 --> 71\n    line [60.00, 70.00, 50.00]"
        );
        // The step summary and the check run carry the same chart.
        let summary = crate::report::github::check_run(&v).map(|p| p.output().summary().to_owned());
        assert!(summary.is_ok_and(|s| s.contains("```mermaid\nxychart-beta")));
    }

    #[test]
    fn the_trend_takes_only_hex_into_mermaid() {
        let mut v = sample(1, 0);
        v.context.commit = None;
        v.coverage_trend = Some(CoverageTrend {
            branch: "main\"]\n```\n# x".into(),
            points: vec![
                trend_point("\"]\nline [1]\n", (1, 2), (0, 0)),
                trend_point("abc\"x", (1, 4), (0, 0)),
            ],
        });
        let md = render_markdown(&v);
        let blocks = mermaid_blocks(&md);
        assert_eq!(blocks.len(), 1, "{md}");
        assert!(blocks[0].contains("x-axis [\"-\", \"abc\"]"), "{md}");
        assert!(blocks[0].contains("line [50.00, 25.00]"), "{md}");
        let outside = md.replace(blocks[0], "");
        assert_inert(
            &outside.replace("```mermaid\n", "").replace("\n```\n", "\n"),
            &[],
        );
        // One point is no trend.
        v.coverage_trend = Some(CoverageTrend {
            branch: "main".into(),
            points: vec![trend_point("abc", (1, 2), (0, 0))],
        });
        assert!(!render_markdown(&v).contains("mermaid"));
        v.coverage_trend = None;
        assert!(!render_markdown(&v).contains("Coverage trend"));
    }

    #[test]
    fn emphasis_ordered_lists_and_control_characters_do_not_get_through() {
        // `_` stays: emphasis changes no link, HTML or mention, and
        // escaping it would scatter backslashes through every identifier.
        assert_eq!(inert("_x_ and __y__"), "_x_ and __y__");
        // An ordered list starts only at the margin (after blanks).
        assert_eq!(
            inert("1. one\n  12) two\nv1.2"),
            "1\\. one\n  12\\) two\nv1.2"
        );
        assert_eq!(cell("3. x"), "3. x");
        assert_eq!(
            inert("src/\u{1b}[31mred\r\u{9b}2J.rs"),
            // Shown as `\\u{1b}` (the backslash escaped for Markdown).
            "src/\\\\u{1b}\\[31mred\\\\u{d}\\\\u{9b}2J.rs"
        );
    }
}
