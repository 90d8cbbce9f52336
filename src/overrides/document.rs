//! The override and sign-off document (docs/overrides.md): strict `key: value`
//! lines, parsed from the exact bytes that were signed.
//!
//! Strict on purpose: a waiver that says something other than what its
//! author meant (a misspelt key silently dropped, a second `commit:` line
//! that one reader takes and another ignores) must not verify at all.

use chrono::{DateTime, Utc};

use super::OverrideError;

/// The first line of every document, and the only version we know.
pub const VERSION_KEY: &str = "tollgate-override";

/// The armor line that starts an SSHSIG signature.
pub const BEGIN_SIGNATURE: &str = "-----BEGIN SSH SIGNATURE-----";
/// The armor line that ends an SSHSIG signature.
pub const END_SIGNATURE: &str = "-----END SSH SIGNATURE-----";

/// What a document asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grant {
    /// `rules: a, b`: waive these rules.
    Rules(Vec<String>),
    /// `signoff: ID`: sign off the `[[signoffs]]` entry with this id.
    Signoff(String),
}

/// A parsed document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// `owner/name` the document is bound to.
    pub repository: String,
    /// Full 40-hex commit the document is bound to (lowercase).
    pub commit: String,
    /// Gate name.
    pub gate: String,
    /// Rules waived, or the sign-off given.
    pub grant: Grant,
    /// Why.
    pub reason: String,
    /// When it stops applying.
    pub expires: DateTime<Utc>,
    /// `expires` exactly as written, for reports.
    pub expires_text: String,
}

const KEYS: [&str; 8] = [
    VERSION_KEY,
    "repository",
    "commit",
    "gate",
    "rules",
    "signoff",
    "reason",
    "expires",
];

impl Document {
    /// Parses `bytes`; `source` names the file in errors (`file:line: ...`).
    /// Every problem of the document is reported at once, so that one
    /// edit (and one signature) fixes them all.
    pub fn parse(source: &str, bytes: &[u8]) -> Result<Self, OverrideError> {
        let mut p = Problems::default();
        let Ok(text) = std::str::from_utf8(bytes) else {
            let at = std::str::from_utf8(bytes)
                .err()
                .map_or(0, |e| e.valid_up_to());
            p.add(0, format!("not valid UTF-8 at byte {at}"));
            return Err(p.into_error(source));
        };
        if let Some((line, problem)) = not_canonical(text) {
            p.add(line, problem);
        }
        let values = fields(text, &mut p);
        // Not a document at all (another file signed by mistake): its
        // lines say so; a list of every missing key would only bury that.
        if values.is_empty() {
            if p.0.is_empty() {
                p.add(0, format!("no `key: value` lines: a document starts with `{VERSION_KEY}: 1` (docs/overrides.md)"));
            }
            return Err(p.into_error(source));
        }
        let get = |key: &str| {
            values
                .iter()
                .find(|(k, _, _)| *k == key)
                .map(|(_, line, v)| (*line, v.as_str()))
        };
        let last_line = text.lines().count();
        let require = |key: &str, p: &mut Problems| {
            let found = get(key);
            if found.is_none() {
                p.add(last_line, format!("missing key `{key}`"));
            }
            found
        };
        if let Some((line, version)) = require(VERSION_KEY, &mut p) {
            if version != "1" {
                p.add(
                    line,
                    format!(
                        "document version `{version}` is not supported (this tollgate knows version 1)"
                    ),
                );
            }
        }
        let repository = require("repository", &mut p).filter(|(line, repository)| {
            let ok =
                repository.split('/').count() == 2 && !repository.split('/').any(str::is_empty);
            if !ok {
                p.add(
                    *line,
                    format!("repository must be `owner/name`, found `{repository}`"),
                );
            }
            ok
        });
        let commit = require("commit", &mut p).filter(|(line, commit)| {
            let ok = commit.len() == 40 && commit.bytes().all(|b| b.is_ascii_hexdigit());
            if !ok {
                p.add(
                    *line,
                    format!("commit must be the full 40-hex commit id, found `{commit}`"),
                );
            }
            ok
        });
        let gate = require("gate", &mut p).filter(|(line, gate)| {
            if gate.is_empty() {
                p.add(*line, "gate is empty".to_owned());
            }
            !gate.is_empty()
        });
        let grant = grant(get("rules"), get("signoff"), last_line, &mut p);
        let reason = require("reason", &mut p).filter(|(line, reason)| {
            if reason.is_empty() {
                p.add(*line, "reason is empty: a waiver must say why".to_owned());
            }
            !reason.is_empty()
        });
        let expires = require("expires", &mut p).and_then(|found| expires(found, &mut p));
        match (repository, commit, gate, grant, reason, expires) {
            (
                Some((_, repository)),
                Some((_, commit)),
                Some((_, gate)),
                Some(grant),
                Some((_, reason)),
                Some((expires, expires_text)),
            ) if p.0.is_empty() => Ok(Self {
                repository: repository.to_owned(),
                commit: commit.to_ascii_lowercase(),
                gate: gate.to_owned(),
                grant,
                reason: reason.to_owned(),
                expires,
                expires_text: expires_text.to_owned(),
            }),
            _ => Err(p.into_error(source)),
        }
    }

    /// `override` or `sign-off`, for messages.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self.grant {
            Grant::Rules(_) => "override",
            Grant::Signoff(_) => "sign-off",
        }
    }
}

/// Documents are canonical text: LF line endings, no carriage return, and
/// exactly one final newline after a line that is not blank. The signature
/// covers the exact bytes, and a document pasted into a pull-request comment
/// comes back in that form (browsers send CRLF, editors add or drop the last
/// newline), so only a canonical document verifies the same from a file and
/// from a comment. `None` when `text` is canonical, else the 1-based line
/// and what to do.
#[must_use]
pub fn not_canonical(text: &str) -> Option<(usize, String)> {
    const FIX: &str = "documents are canonical text (LF line endings, exactly one final newline) so that a copy pasted into a pull-request comment verifies; fix the file and sign it again";
    if let Some(at) = text.find('\r') {
        let line = text[..at].matches('\n').count() + 1;
        return Some((
            line,
            format!(
                "carriage return (CRLF line ending): {FIX} (for example `sed -i 's/\\r$//' FILE`)"
            ),
        ));
    }
    let lines = text.matches('\n').count();
    if text.is_empty() {
        return Some((0, "the document is empty".to_owned()));
    }
    if !text.ends_with('\n') {
        return Some((lines + 1, format!("no newline at the end: {FIX}")));
    }
    let last = text[..text.len() - 1].rsplit('\n').next().unwrap_or("");
    if last.trim().is_empty() {
        return Some((
            lines,
            format!("blank line at the end: {FIX} (remove the trailing blank lines)"),
        ));
    }
    None
}

type Field = (&'static str, usize, String);

/// The problems found in one document, in the order found.
#[derive(Default)]
struct Problems(Vec<(usize, String)>);

impl Problems {
    fn add(&mut self, line: usize, message: String) {
        self.0.push((line, message));
    }

    /// One error holding every problem, by line (a problem of the whole
    /// document, line 0, first).
    fn into_error(mut self, source: &str) -> OverrideError {
        self.0.sort_by_key(|(line, _)| *line);
        let mut all = self.0.into_iter();
        let (line, message) = all
            .next()
            .unwrap_or((0, "the document could not be read".to_owned()));
        OverrideError::Document {
            file: source.to_owned(),
            line,
            message,
            more: all.collect(),
        }
    }
}

/// `expires`, an RFC 3339 time, with the text as written.
fn expires<'t>(
    (line, text): (usize, &'t str),
    p: &mut Problems,
) -> Option<(DateTime<Utc>, &'t str)> {
    match DateTime::parse_from_rfc3339(text) {
        Ok(t) => Some((t.with_timezone(&Utc), text)),
        Err(e) => {
            p.add(
                line,
                format!("expires must be an RFC 3339 time such as 2026-12-31T00:00:00Z ({e})"),
            );
            None
        }
    }
}

/// What the document asks for, from its `rules:` or `signoff:` line.
fn grant(
    rules: Option<(usize, &str)>,
    signoff: Option<(usize, &str)>,
    last_line: usize,
    p: &mut Problems,
) -> Option<Grant> {
    match (rules, signoff) {
        (Some(_), Some((line, _))) => {
            p.add(
                line,
                "a document holds either `rules:` (an override) or `signoff:`, not both".to_owned(),
            );
            None
        }
        (None, None) => {
            p.add(
                last_line,
                "missing key `rules` (an override) or `signoff` (a sign-off)".to_owned(),
            );
            None
        }
        (Some((line, rules)), None) => {
            let rules: Vec<String> = rules.split(',').map(|r| r.trim().to_owned()).collect();
            if rules.iter().any(String::is_empty) {
                p.add(line, "`rules` holds an empty rule id".to_owned());
                None
            } else {
                Some(Grant::Rules(rules))
            }
        }
        (None, Some((line, id))) => {
            if id.is_empty() {
                p.add(line, "`signoff` is empty".to_owned());
                None
            } else {
                Some(Grant::Signoff(id.to_owned()))
            }
        }
    }
}

/// The `key: value` lines, each key known and given once, the version
/// first; a line that breaks these is recorded and left out.
fn fields(text: &str, p: &mut Problems) -> Vec<Field> {
    let mut values: Vec<Field> = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        if raw.trim().is_empty() {
            continue;
        }
        let Some((key, value)) = raw.split_once(':') else {
            p.add(line, format!("expected `key: value`, found {raw:?}"));
            // A first line that is not `key: value`: not a document at
            // all, and each further line would only repeat that.
            if values.is_empty() {
                return values;
            }
            continue;
        };
        let key = key.trim_matches([' ', '\t']);
        let Some(known) = KEYS.iter().find(|k| **k == key) else {
            let near = crate::policy::closest(key, KEYS)
                .map_or_else(String::new, |k| format!("did you mean `{k}`? "));
            p.add(
                line,
                format!("unknown key `{key}` ({near}known: {})", KEYS.join(", ")),
            );
            continue;
        };
        if values.iter().any(|(k, _, _)| k == known) {
            p.add(line, format!("duplicate key `{key}`"));
            continue;
        }
        if values.is_empty() && *known != VERSION_KEY {
            p.add(
                line,
                format!("the first line must be `{VERSION_KEY}: 1`, found `{key}`"),
            );
        }
        // Only ASCII spaces and tabs are trimmed: a value ending in a
        // non-breaking space (or any other non-ASCII space) looks like
        // another value on screen, so it is refused rather than trimmed.
        let value = value.trim_matches([' ', '\t', '\r']);
        if value.chars().any(|c| c.is_whitespace() && !c.is_ascii()) {
            p.add(
                line,
                format!("`{key}` holds a non-ASCII space character (such as U+00A0): write plain spaces"),
            );
            continue;
        }
        // A control character (an escape sequence, a backspace) makes the
        // value print as something else than it is: refused, never shown.
        if let Some(c) = value.chars().find(|c| c.is_control() && *c != '\t') {
            p.add(
                line,
                format!(
                    "`{key}` holds the control character U+{:04X}: write plain text",
                    u32::from(c)
                ),
            );
            continue;
        }
        values.push((known, line, value.to_owned()));
    }
    values
}

/// Splits a file into the document (every byte before the first
/// `-----BEGIN SSH SIGNATURE-----` line, exactly as signed) and the armored
/// signatures that follow it.
#[must_use]
pub fn split_signed(bytes: &[u8]) -> (&[u8], Vec<String>) {
    let mut offset = 0;
    let mut doc_end = bytes.len();
    for line in bytes.split_inclusive(|&b| b == b'\n') {
        if trim_eol(line) == BEGIN_SIGNATURE.as_bytes() {
            doc_end = offset;
            break;
        }
        offset += line.len();
    }
    (&bytes[..doc_end], armored_blocks(&bytes[doc_end..]))
}

/// Every `BEGIN`..`END SSH SIGNATURE` block in `bytes`, armor included.
#[must_use]
pub fn armored_blocks(bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let line = line.trim_end();
        if line == BEGIN_SIGNATURE {
            current = Some(String::new());
        }
        if let Some(block) = current.as_mut() {
            block.push_str(line);
            block.push('\n');
            if line == END_SIGNATURE {
                blocks.extend(current.take());
            }
        }
    }
    // An unterminated block is still handed on, so that its parse error is reported.
    blocks.extend(current);
    blocks
}

/// Text found after the armored signatures of a file or fenced block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trailing {
    /// 1-based line of the file or block.
    pub line: usize,
    /// The start of that line (at most [`TRAILING_PREVIEW`] characters).
    pub found: String,
}

/// Characters of trailing text quoted in a rejection.
pub const TRAILING_PREVIEW: usize = 40;

/// The first line outside every `BEGIN`..`END SSH SIGNATURE` block that is
/// not blank, from the first `BEGIN` line on (`document_first`: the bytes
/// start with the document, as a `--override` file or a fenced block does)
/// or from the start (a `FILE.sig`, which holds signatures only). `None`
/// when the signatures are all that follows. An unterminated block runs to
/// the end (its parse error is reported by verification).
#[must_use]
pub fn trailing(bytes: &[u8], document_first: bool) -> Option<Trailing> {
    let text = String::from_utf8_lossy(bytes);
    let mut seen_begin = !document_first;
    let mut in_block = false;
    for (index, raw) in text.split('\n').enumerate() {
        let line = raw.trim_end_matches('\r');
        if line.trim_end() == BEGIN_SIGNATURE {
            seen_begin = true;
            in_block = true;
            continue;
        }
        if in_block {
            in_block = line.trim_end() != END_SIGNATURE;
            continue;
        }
        // Only ASCII whitespace is nothing: a line of non-breaking spaces
        // is text a reader cannot see, which is worse, not better.
        let visible = line.trim_matches(|c: char| c.is_ascii_whitespace());
        if seen_begin && !visible.is_empty() {
            return Some(Trailing {
                line: index + 1,
                found: visible.chars().take(TRAILING_PREVIEW).collect(),
            });
        }
    }
    None
}

fn trim_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "tollgate-override: 1\nrepository: owner/name\ncommit: 0123456789abcdef0123456789abcdef01234567\ngate: gate3\nrules: coverage.lines, bench.slo[lookup/*]\nreason: generated code lowers coverage; tracked in #123\nexpires: 2026-12-31T00:00:00Z\n";

    #[test]
    fn a_value_ending_in_a_non_breaking_space_is_refused_naming_the_field() {
        let doc = DOC.replace("gate: gate3\n", "gate: gate3\u{a0}\n");
        let e = Document::parse("o.txt", doc.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(e.contains("o.txt:4"), "{e}");
        assert!(
            e.contains("`gate` holds a non-ASCII space character"),
            "{e}"
        );
    }

    #[test]
    fn a_value_holding_a_control_character_is_refused_naming_the_field() {
        for (bad, code) in [
            ("\u{1b}[2J", "001B"),
            ("\u{9b}", "009B"),
            ("\u{7f}", "007F"),
            ("\u{8}", "0008"),
        ] {
            let doc = DOC.replace("tracked in #123", &format!("tracked{bad} in #123"));
            let e = error(&doc);
            assert!(
                e.starts_with(&format!(
                    "o.txt:6: `reason` holds the control character U+{code}: write plain text\n"
                )),
                "{e}"
            );
        }
        // Other non-ASCII spaces than U+00A0 are refused too.
        for space in ['\u{2003}', '\u{3000}', '\u{202f}'] {
            let e = error(&DOC.replace("gate: gate3", &format!("gate: gate{space}3")));
            assert!(
                e.contains("`gate` holds a non-ASCII space character"),
                "{e}"
            );
        }
    }

    #[test]
    fn parses_the_spec_example() {
        let d = Document::parse("o.txt", DOC.as_bytes()).unwrap();
        assert_eq!(d.repository, "owner/name");
        assert_eq!(d.gate, "gate3");
        assert_eq!(
            d.grant,
            Grant::Rules(vec!["coverage.lines".into(), "bench.slo[lookup/*]".into()])
        );
        assert_eq!(d.expires.to_rfc3339(), "2026-12-31T00:00:00+00:00");
        assert_eq!(d.kind(), "override");
    }

    #[test]
    fn parses_a_signoff() {
        let doc = DOC.replace(
            "rules: coverage.lines, bench.slo[lookup/*]",
            "signoff: security-audit",
        );
        let d = Document::parse("s.txt", doc.as_bytes()).unwrap();
        assert_eq!(d.grant, Grant::Signoff("security-audit".into()));
    }

    fn error(doc: &str) -> String {
        Document::parse("o.txt", doc.as_bytes())
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn strictness_names_file_and_line() {
        assert_eq!(
            error(&DOC.replace("gate: gate3", "gate: gate3\ngate: gate2")),
            "o.txt:5: duplicate key `gate`"
        );
        assert!(error(&DOC.replace("reason:", "why:")).starts_with("o.txt:6: unknown key `why`"));
        assert_eq!(
            error(&DOC.replace("tollgate-override: 1", "tollgate-override: 2")),
            "o.txt:1: document version `2` is not supported (this tollgate knows version 1)"
        );
        assert!(error(&DOC.replace(
            "commit: 0123456789abcdef0123456789abcdef01234567",
            "commit: 0123abc"
        ))
        .starts_with("o.txt:3: commit must be the full 40-hex"));
        assert!(error(&DOC.replace(
            "reason: generated code lowers coverage; tracked in #123",
            "reason:"
        ))
        .starts_with("o.txt:6: reason is empty"));
        assert!(error(&DOC.replace("2026-12-31T00:00:00Z", "2026-12-31"))
            .starts_with("o.txt:7: expires must be"));
        assert!(error(&DOC.replace("gate: gate3\n", "")).contains("missing key `gate`"));
        assert!(error(&format!("{DOC}signoff: x\n")).contains("not both"));
        assert!(error(&DOC.replace("tollgate-override: 1\n", "")).contains("first line must be"));
        assert!(error("just text\n").starts_with("o.txt:1: expected `key: value`"));
        assert!(
            error(&DOC.replace("rules: coverage.lines,", "rules: coverage.lines,,"))
                .contains("empty rule id")
        );
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let doc = DOC
            .replace(
                "commit: 0123456789abcdef0123456789abcdef01234567",
                "commit: 0123abc",
            )
            .replace("reason:", "raeson:")
            .replace("2026-12-31T00:00:00Z", "2026-12-31");
        assert_eq!(
            error(&doc),
            "o.txt:3: commit must be the full 40-hex commit id, found `0123abc`\n\
             o.txt:6: unknown key `raeson` (did you mean `reason`? known: tollgate-override, repository, commit, gate, rules, signoff, reason, expires)\n\
             o.txt:7: missing key `reason`\n\
             o.txt:7: expires must be an RFC 3339 time such as 2026-12-31T00:00:00Z (premature end of input)"
        );
    }

    #[test]
    fn only_canonical_text_is_a_document() {
        assert!(not_canonical(DOC).is_none());
        let crlf = DOC.replace('\n', "\r\n");
        let e = error(&crlf);
        assert!(
            e.starts_with("o.txt:1: carriage return (CRLF line ending)"),
            "{e}"
        );
        assert!(e.contains("sed -i 's/\\r$//' FILE"), "{e}");
        let e = error(DOC.trim_end());
        assert!(e.starts_with("o.txt:7: no newline at the end"), "{e}");
        let e = error(&format!("{DOC}\n"));
        assert!(e.starts_with("o.txt:8: blank line at the end"), "{e}");
        assert!(error(&format!("{DOC}  \n")).contains("blank line at the end"));
        assert!(error("").contains("the document is empty"));
        // A blank line inside is fine; only the end is fixed.
        assert!(Document::parse(
            "o.txt",
            DOC.replace("gate: gate3\n", "gate: gate3\n\n").as_bytes()
        )
        .is_ok());
    }

    #[test]
    fn splits_document_from_signatures_keeping_exact_bytes() {
        let sig = "-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\n";
        let file = format!("{DOC}{sig}{sig}");
        let (doc, sigs) = split_signed(file.as_bytes());
        assert_eq!(doc, DOC.as_bytes());
        assert_eq!(sigs, vec![sig.to_owned(), sig.to_owned()]);
        let (doc, sigs) = split_signed(DOC.as_bytes());
        assert_eq!(doc, DOC.as_bytes());
        assert!(sigs.is_empty());
    }

    #[test]
    fn nothing_but_blank_lines_may_follow_the_signatures() {
        let sig = "-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\n";
        // Signatures, blank lines and ASCII spaces after them: fine.
        assert_eq!(
            trailing(format!("{DOC}{sig}\n \t\n{sig}\n").as_bytes(), true),
            None
        );
        assert_eq!(trailing(DOC.as_bytes(), true), None);
        // A second document after the signature, named by its line.
        let second = format!("{DOC}{sig}{DOC}");
        assert_eq!(
            trailing(second.as_bytes(), true),
            Some(Trailing {
                line: 11,
                found: "tollgate-override: 1".into()
            })
        );
        // A line of non-breaking spaces is text, not a blank line; long
        // text is quoted up to the preview length.
        let nbsp = format!("{DOC}{sig}\u{a0}\n");
        assert_eq!(trailing(nbsp.as_bytes(), true).unwrap().found, "\u{a0}");
        let long = format!("{DOC}{sig}{}\n", "x".repeat(500));
        assert_eq!(
            trailing(long.as_bytes(), true).unwrap().found.len(),
            TRAILING_PREVIEW
        );
        // A `.sig` file holds signatures only: text before them counts too.
        assert_eq!(
            trailing(format!("note\n{sig}").as_bytes(), false)
                .unwrap()
                .line,
            1
        );
        assert_eq!(trailing(format!("{sig}{sig}").as_bytes(), false), None);
        // An unterminated block swallows the rest (verification reports it).
        assert_eq!(
            trailing(
                format!("{DOC}-----BEGIN SSH SIGNATURE-----\nabc\nmore\n").as_bytes(),
                true
            ),
            None
        );
    }
}
