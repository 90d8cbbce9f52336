//! Signed documents posted as pull-request comments (docs/overrides.md,
//! "From a pull-request comment"): a comment body in, zero or more
//! [`Submission`]s out, and the comment text `tollgate override comment`
//! prints, which this parser reads back.
//!
//! Anyone can comment, so a comment is untrusted input like any other
//! source: the parser only finds documents and signatures, and verification
//! decides whether they count. The grammar is deliberately narrow, so that
//! what the judge reads is what a reader of the rendered comment sees:
//!
//! - a document is the content of a fenced code block (three or more
//!   backticks or tildes, indented at most three spaces, any info string,
//!   closed by the same fence character at least as long, or by the end of
//!   the comment as in `CommonMark`) whose first non-blank line starts with
//!   `tollgate-override`;
//! - its signatures are the armored `-----BEGIN SSH SIGNATURE-----` blocks
//!   that follow it, fenced or not, up to the next document; a block inside
//!   the document's own fence (a pasted `cat FILE FILE.sig`) counts too;
//! - CRLF from the browser becomes LF, trailing blank lines of the block are
//!   dropped, and the document is given exactly one final newline: the
//!   canonical text that was signed (see [`super::document::not_canonical`]);
//! - quoted lines (`> ...`) are never read. Quoting a waiver in a reply must
//!   not submit it again: a maintainer withdraws a waiver by deleting or
//!   editing their comment, and a quote by someone else would otherwise
//!   keep it alive;
//! - a document without a signature is still a submission (rejected as
//!   "no signature", so its author learns why it did not count); fenced
//!   blocks that are not documents, and signatures before any document,
//!   are ignored.
//!
//! Input is bounded: [`MAX_BODY_BYTES`] of a body are read and at most
//! [`MAX_DOCUMENTS`] documents of one comment are kept; the parser is one
//! pass over the lines.

use std::fmt::Write as _;

use super::document::{split_signed, trailing, Trailing, BEGIN_SIGNATURE, END_SIGNATURE};
use super::verify::{Origin, SignatureText, Submission};

/// Bytes of a comment body that are read. GitHub stores at most 65,536
/// characters in a comment (at most four bytes each); anything longer did
/// not come from GitHub and is cut at a character boundary.
pub const MAX_BODY_BYTES: usize = 4 * 65_536;

/// Documents kept from one comment; later ones are ignored. A real waiver
/// comment holds one or two.
pub const MAX_DOCUMENTS: usize = 32;

/// One comment, as the CLI reads it from GitHub.
#[derive(Debug, Clone, Copy)]
pub struct Comment<'a> {
    /// The comment id.
    pub id: u64,
    /// The commenter's login, `None` for a deleted account.
    pub author: Option<&'a str>,
    /// The comment's web address, when known.
    pub url: Option<&'a str>,
    /// The body as it is now (an edited comment is read as edited).
    pub body: &'a str,
}

impl Comment<'_> {
    /// `comment #ID by @login, URL`: how reports name this comment.
    #[must_use]
    pub fn source(&self) -> String {
        let author = self.author.unwrap_or("ghost");
        match self.url {
            Some(url) => format!("comment #{} by @{author}, {url}", self.id),
            None => format!("comment #{} by @{author}", self.id),
        }
    }
}

/// Every document in `comment`, each with the signatures that follow it.
#[must_use]
pub fn submissions(comment: &Comment<'_>) -> Vec<Submission> {
    let source = comment.source();
    parse_body(comment.body)
        .into_iter()
        .map(|found| found.into_submission(&source, Origin::Comment))
        .collect()
}

/// One document of a comment or tag message, as the parser found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Found {
    /// The canonical document bytes.
    pub document: Vec<u8>,
    /// The armored signatures after it.
    pub signatures: Vec<String>,
    /// Text after a signature inside the document's fenced block (or a
    /// signature block of its own), the first such line.
    pub trailing: Option<Trailing>,
}

impl Found {
    pub(super) fn into_submission(self, source: &str, origin: Origin) -> Submission {
        Submission {
            source: source.to_owned(),
            origin,
            document: self.document,
            signatures: self
                .signatures
                .into_iter()
                .map(|armored| SignatureText {
                    source: source.to_owned(),
                    armored,
                })
                .collect(),
            trailing: self
                .trailing
                .map(|t| (format!("line {} of its fenced block", t.line), t.found)),
        }
    }
}

/// Every document of a text written in the comment grammar (a comment
/// body, or an annotated tag's message), as canonical bytes, each with the
/// armored signatures that follow it: the parser [`submissions`] uses,
/// without naming a source. `tollgate tag` reads its message back through
/// this before creating the tag.
#[must_use]
pub(crate) fn documents_in(text: &str) -> Vec<(Vec<u8>, Vec<String>)> {
    parse_body(text)
        .into_iter()
        .map(|f| (f.document, f.signatures))
        .collect()
}

/// The comment text for a signed document: one line for people, the
/// document in a fence, then each signature in a fence of its own. The
/// document must be canonical (the caller checks) and `signatures` armored.
#[must_use]
pub fn render(headline: &str, document: &str, signatures: &[String]) -> String {
    let fence = fence_for(document);
    let mut out = format!(
        "{}\n\n{fence}tollgate-override\n{document}{fence}\n",
        headline.trim()
    );
    for sig in signatures {
        let sig = sig.trim_end();
        let fence = fence_for(sig);
        let _ = write!(out, "\n{fence}\n{sig}\n{fence}\n");
    }
    out
}

/// Backticks one longer than any run in `text`, at least three, so that no
/// line of the content can close the fence.
fn fence_for(text: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    "`".repeat((longest + 1).max(3))
}

/// An opening code fence: its character, length and indentation.
#[derive(Debug, Clone, Copy)]
struct Fence {
    marker: char,
    len: usize,
    indent: usize,
}

fn indentation(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

fn opening_fence(line: &str) -> Option<Fence> {
    let indent = indentation(line);
    if indent > 3 {
        return None;
    }
    let rest = &line[indent..];
    let marker = rest.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let len = rest.len() - rest.trim_start_matches(marker).len();
    if len < 3 {
        return None;
    }
    // CommonMark: a backtick fence's info string holds no backtick (else
    // the line is inline code, not a fence).
    if marker == '`' && rest[len..].contains('`') {
        return None;
    }
    Some(Fence {
        marker,
        len,
        indent,
    })
}

fn closes(fence: Fence, line: &str) -> bool {
    let indent = indentation(line);
    if indent > 3 {
        return false;
    }
    let rest = &line[indent..];
    let len = rest.len() - rest.trim_start_matches(fence.marker).len();
    len >= fence.len && rest[len..].trim().is_empty()
}

/// `> quoted` (after at most three spaces of indentation).
fn quoted(line: &str) -> bool {
    let indent = indentation(line);
    indent <= 3 && line[indent..].starts_with('>')
}

/// Removes up to `n` leading spaces, as `CommonMark` does for the content of
/// a fence indented by `n`.
fn dedent(line: &str, n: usize) -> &str {
    let strip = indentation(line).min(n);
    &line[strip..]
}

/// Cuts `body` to [`MAX_BODY_BYTES`] at a character boundary.
fn bounded(body: &str) -> &str {
    if body.len() <= MAX_BODY_BYTES {
        return body;
    }
    let mut end = MAX_BODY_BYTES;
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    &body[..end]
}

/// The documents of a body (canonical bytes) and each one's armored
/// signatures, in order. A release tag's message is read with it too
/// ([`super::tag`]).
pub(super) fn parse_body(body: &str) -> Vec<Found> {
    let text = bounded(body).replace("\r\n", "\n");
    let lines: Vec<&str> = text.split('\n').collect();
    let mut out: Vec<Found> = Vec::new();
    let mut dropped = false;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        i += 1;
        if quoted(line) {
            continue;
        }
        if let Some(fence) = opening_fence(line) {
            let mut content = String::new();
            while i < lines.len() {
                let inner = lines[i];
                i += 1;
                if closes(fence, inner) {
                    break;
                }
                content.push_str(dedent(inner, fence.indent));
                content.push('\n');
            }
            let (document, signatures) = split_signed(content.as_bytes());
            // Prose after the block is a comment's normal text; text after
            // a signature inside the block (a second document, say) is not.
            let after = trailing(content.as_bytes(), true);
            let document = String::from_utf8_lossy(document);
            if is_document(&document) {
                if out.len() < MAX_DOCUMENTS {
                    out.push(Found {
                        document: canonical(&document).into_bytes(),
                        signatures,
                        trailing: after,
                    });
                } else {
                    // Signatures that follow an ignored document are not
                    // handed to the one before it.
                    dropped = true;
                }
            } else if let (Some(last), false) = (out.last_mut(), dropped) {
                last.signatures.extend(signatures);
                if last.trailing.is_none() {
                    last.trailing = after;
                }
            }
            continue;
        }
        if line.trim() == BEGIN_SIGNATURE {
            let mut armored = format!("{BEGIN_SIGNATURE}\n");
            // Armor lines are base64: a blank, quoted or fence line ends an
            // unterminated block without swallowing what follows it.
            while let Some(raw) = lines.get(i) {
                if raw.trim().is_empty() || quoted(raw) || opening_fence(raw).is_some() {
                    break;
                }
                i += 1;
                let inner = raw.trim();
                armored.push_str(inner);
                armored.push('\n');
                if inner == END_SIGNATURE {
                    break;
                }
            }
            if let (Some(last), false) = (out.last_mut(), dropped) {
                last.signatures.push(armored);
            }
        }
    }
    out
}

/// Whether fenced content is meant as a document: its first non-blank
/// line starts with the version key. A broken document is still one (it is
/// rejected with the reason), anything else is ignored.
fn is_document(content: &str) -> bool {
    content
        .lines()
        .find(|l| !l.trim().is_empty())
        .is_some_and(|l| l.trim_start().starts_with(super::document::VERSION_KEY))
}

/// The block's text with trailing blank lines dropped and one final newline.
fn canonical(content: &str) -> String {
    let mut lines: Vec<&str> = content.split('\n').collect();
    while lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "tollgate-override: 1\nrepository: owner/name\ncommit: 0123456789abcdef0123456789abcdef01234567\ngate: gate2\nrules: coverage.lines\nreason: generated code; tracked in #123\nexpires: 2099-12-31T00:00:00Z\n";
    const SIG: &str =
        "-----BEGIN SSH SIGNATURE-----\nU1NIU0lHAAAAAQ==\n-----END SSH SIGNATURE-----\n";

    fn parse(body: &str) -> Vec<Submission> {
        submissions(&Comment {
            id: 42,
            author: Some("alice"),
            url: Some("https://github.com/o/r/pull/7#issuecomment-42"),
            body,
        })
    }

    fn sigs(s: &Submission) -> Vec<&str> {
        s.signatures.iter().map(|x| x.armored.as_str()).collect()
    }

    #[test]
    fn reads_what_render_writes() {
        let body = render("Waiver for coverage.lines.", DOC, &[SIG.to_owned()]);
        let got = parse(&body);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].document, DOC.as_bytes());
        assert_eq!(sigs(&got[0]), vec![SIG]);
        assert_eq!(got[0].origin, Origin::Comment);
        assert_eq!(
            got[0].source,
            "comment #42 by @alice, https://github.com/o/r/pull/7#issuecomment-42"
        );
        assert_eq!(got[0].signatures[0].source, got[0].source);
    }

    #[test]
    fn crlf_from_the_browser_becomes_the_canonical_text() {
        let body = render("x", DOC, &[SIG.to_owned()]).replace('\n', "\r\n");
        let got = parse(&body);
        assert_eq!(got[0].document, DOC.as_bytes());
        assert_eq!(sigs(&got[0]), vec![SIG]);
    }

    #[test]
    fn tildes_info_strings_indentation_and_trailing_blank_lines() {
        let indented: String = DOC.lines().flat_map(|l| ["  ", l, "\n"]).collect();
        let body = format!("please\n\n  ~~~~ text\n{indented}\n\n  ~~~~\n{SIG}");
        let got = parse(&body);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].document, DOC.as_bytes());
        assert_eq!(sigs(&got[0]), vec![SIG]);
    }

    #[test]
    fn a_signature_inside_the_documents_fence_counts() {
        let body = format!("```\n{DOC}{SIG}```\n");
        let got = parse(&body);
        assert_eq!(got[0].document, DOC.as_bytes());
        assert_eq!(sigs(&got[0]), vec![SIG]);
    }

    #[test]
    fn several_documents_each_take_the_signatures_after_them() {
        let other = DOC.replace("gate2", "gate3");
        let sig2 = SIG.replace("AAAAAQ", "AAAAAg");
        let body = format!(
            "```tollgate-override\n{DOC}```\n{SIG}\nand\n~~~\n{other}~~~\n```\n{sig2}```\n{SIG}"
        );
        let got = parse(&body);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].document, DOC.as_bytes());
        assert_eq!(sigs(&got[0]), vec![SIG]);
        assert_eq!(got[1].document, other.as_bytes());
        assert_eq!(sigs(&got[1]), vec![sig2.as_str(), SIG]);
    }

    #[test]
    fn a_document_without_a_signature_is_still_submitted() {
        let got = parse(&format!("```\n{DOC}```\n"));
        assert_eq!(got.len(), 1);
        assert!(got[0].signatures.is_empty());
    }

    #[test]
    fn quoted_documents_and_signatures_are_not_read() {
        let quote = |t: &str| -> String { t.lines().flat_map(|l| ["> ", l, "\n"]).collect() };
        let body = format!(
            "{}\nI agree with this waiver.\n",
            quote(&format!("```\n{DOC}```\n{SIG}"))
        );
        assert!(parse(&body).is_empty());
        // A quoted signature under a real document does not sign it.
        let body = format!("```\n{DOC}```\n{}", quote(SIG));
        let got = parse(&body);
        assert_eq!(got.len(), 1);
        assert!(got[0].signatures.is_empty(), "{got:?}");
    }

    #[test]
    fn junk_is_ignored() {
        for body in [
            "",
            "LGTM",
            "```rust\nfn main() {}\n```\n",
            // A signature with no document before it.
            SIG,
            "``` not a fence ` \ntollgate-override: 1\n```\n",
            "    ```\n    tollgate-override: 1\n    ```\n",
            "- ```\n  tollgate-override: 1\n  ```\n",
            "``\ntollgate-override: 1\n``\n",
            "\u{0}\u{ffff}```\r\r\n~~~",
        ] {
            assert!(parse(body).is_empty(), "{body:?}");
        }
    }

    #[test]
    fn a_fence_closes_only_on_its_own_marker_and_length() {
        // `~~~` and a shorter run do not close a four-backtick fence, so
        // the document runs to the real close (or the end, unclosed).
        let body = format!("````\n{DOC}~~~\n```\n````\n{SIG}");
        let got = parse(&body);
        assert_eq!(got[0].document, format!("{DOC}~~~\n```\n").as_bytes());
        let got = parse(&format!("```\n{DOC}"));
        assert_eq!(got[0].document, DOC.as_bytes());
    }

    #[test]
    fn broken_documents_are_submitted_so_they_are_reported() {
        let got = parse("```\ntollgate-override: 1\nrules: x\n```\n");
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].document, b"tollgate-override: 1\nrules: x\n");
    }

    #[test]
    fn huge_input_is_bounded() {
        let block = format!("```\n{DOC}```\n{SIG}");
        let body = block.repeat(MAX_DOCUMENTS + 10);
        let got = parse(&body);
        assert_eq!(got.len(), MAX_DOCUMENTS);
        assert!(got.iter().all(|s| s.signatures.len() == 1));
        // A body far over GitHub's limit is read up to the bound only.
        let mut body = format!("```\n{DOC}```\n{SIG}");
        body.push_str(&"é".repeat(MAX_BODY_BYTES));
        body.push_str("```\n");
        body.push_str(DOC);
        body.push_str("```\n");
        let got = parse(&body);
        assert_eq!(got.len(), 1);
        // One enormous line, no fences: nothing, and quickly.
        assert!(parse(&"`".repeat(MAX_BODY_BYTES * 2)).is_empty());
    }

    #[test]
    fn the_fence_outgrows_backticks_in_the_document() {
        let doc = DOC.replace("generated code", "```generated``` code");
        let body = render("x", &doc, &[SIG.to_owned()]);
        assert!(body.contains("````tollgate-override\n"));
        assert_eq!(parse(&body)[0].document, doc.as_bytes());
    }

    /// A document signed by real OpenSSH (fixtures/make-overrides.sh)
    /// verifies after a round trip through a comment, CRLF and all.
    #[test]
    fn an_openssh_signature_verifies_after_a_round_trip_through_a_comment() {
        use crate::overrides::{verify::verify_signature, AllowedSigners, SignatureCheck};
        let doc = include_str!("../../fixtures/overrides/docs/override.txt");
        let sig = include_str!("../../fixtures/overrides/docs/override.txt.sig");
        let signers = AllowedSigners::parse(
            "allowed_signers",
            include_str!("../../fixtures/overrides/allowed_signers"),
        )
        .unwrap();
        let body = render("waiver", doc, &[sig.to_owned()]).replace('\n', "\r\n");
        let got = parse(&body);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].document, doc.as_bytes());
        let check = verify_signature(
            &got[0].document,
            &got[0].signatures[0],
            &signers,
            chrono::Utc::now(),
        );
        assert!(
            matches!(check, SignatureCheck::Valid(ref s) if s.identities == ["alice@example.org"]),
            "{check:?}"
        );
        // The tampered fixture's signature does not verify, from a comment either.
        let tampered = include_str!("../../fixtures/overrides/docs/tampered.txt");
        let sig = include_str!("../../fixtures/overrides/docs/tampered.txt.sig");
        let got = parse(&render("waiver", tampered, &[sig.to_owned()]));
        let check = verify_signature(
            &got[0].document,
            &got[0].signatures[0],
            &signers,
            chrono::Utc::now(),
        );
        assert!(matches!(check, SignatureCheck::Invalid { .. }), "{check:?}");
    }

    #[test]
    fn a_deleted_account_is_named_ghost() {
        let c = Comment {
            id: 1,
            author: None,
            url: None,
            body: "",
        };
        assert_eq!(c.source(), "comment #1 by @ghost");
    }

    #[test]
    fn prose_after_the_block_is_normal_but_text_after_a_signature_inside_it_is_not() {
        let body = format!("please\n\n```\n{DOC}```\n{SIG}\nThanks, and see #12.\n");
        let got = parse(&body);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].trailing, None);
        // A second document pasted under the first one's signature, in the
        // same block: the first is refused, the second is not a document.
        let other = DOC.replace("gate2", "gate3");
        let body = format!("```\n{DOC}{SIG}{other}```\n");
        let got = parse(&body);
        assert_eq!(got.len(), 1);
        assert_eq!(
            got[0].trailing,
            Some((
                "line 11 of its fenced block".to_owned(),
                "tollgate-override: 1".to_owned()
            ))
        );
        // Text after a signature in a signature block of its own refuses
        // the document that block signs.
        let body = format!("```\n{DOC}```\n```\n{SIG}ps: also waive x\n```\n");
        let got = parse(&body);
        assert_eq!(sigs(&got[0]), vec![SIG]);
        assert_eq!(
            got[0].trailing,
            Some((
                "line 4 of its fenced block".to_owned(),
                "ps: also waive x".to_owned()
            ))
        );
    }
}
