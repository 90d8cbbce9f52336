//! Small helpers shared by the evidence readers: reading a file as UTF-8 and
//! turning byte offsets and parser errors into the 1-based line numbers that
//! [`EvidenceError::Malformed`] promises.

use std::path::Path;

use super::EvidenceError;
use crate::input::{read_input, InputKind};

/// Reads `path` as UTF-8 text, naming the file (and line) on failure. It
/// must be a regular file within the report cap (`crate::input`).
///
/// A leading UTF-8 byte-order mark is dropped: editors on Windows add one and
/// neither JSON nor XML parsers should see it.
pub(crate) fn read_text(path: &Path) -> Result<String, EvidenceError> {
    let mut bytes = read_input(path, InputKind::Report)?;
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    String::from_utf8(bytes).map_err(|err| {
        let valid = err.utf8_error().valid_up_to();
        let line = line_at_bytes(err.as_bytes(), valid);
        EvidenceError::Malformed {
            path: path.to_path_buf(),
            line,
            message: "not valid UTF-8 text".to_owned(),
        }
    })
}

/// The 1-based line holding byte `offset` of `text` (clamped to its end).
pub(crate) fn line_at(text: &str, offset: usize) -> u64 {
    line_at_bytes(text.as_bytes(), offset)
}

fn line_at_bytes(bytes: &[u8], offset: usize) -> u64 {
    let end = offset.min(bytes.len());
    memchr::memchr_iter(b'\n', &bytes[..end]).count() as u64 + 1
}

/// The newlines in `bytes`, the one count every line number here comes
/// from. (A plain `filter(..).count()` loop measured three times the
/// instructions of this search in a release build.)
pub(crate) fn count_newlines(bytes: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', bytes).count() as u64
}

/// A [`EvidenceError::Malformed`] for a JSON parse error in `path`.
///
/// `serde_json` reports line 0 for errors that have no position (I/O); those
/// are pinned to line 1 so the promise of a 1-based line holds.
pub(crate) fn json_error(path: &Path, what: &str, err: &serde_json::Error) -> EvidenceError {
    EvidenceError::Malformed {
        path: path.to_path_buf(),
        line: (err.line() as u64).max(1),
        message: format!("not a valid {what}: {err}"),
    }
}

/// A [`EvidenceError::Malformed`] at `line` of `path`.
pub(crate) fn malformed(path: &Path, line: u64, message: impl Into<String>) -> EvidenceError {
    EvidenceError::Malformed {
        path: path.to_path_buf(),
        line: line.max(1),
        message: message.into(),
    }
}

/// `Read::read` for a reader that keeps its own buffer: a copy of what
/// its `fill_buf` holds, then consumed. The line-counting readers of XML
/// (Cobertura's and JUnit's) are read through quick-xml's `BufRead` use
/// and only rarely through `Read`.
pub(crate) fn read_from_buf(
    input: &mut impl std::io::BufRead,
    out: &mut [u8],
) -> std::io::Result<usize> {
    let available = input.fill_buf()?;
    let n = available.len().min(out.len());
    out[..n].copy_from_slice(&available[..n]);
    input.consume(n);
    Ok(n)
}

/// One to `max` (at most 19) digits and then `end`: the value and the
/// bytes used, `end` included.
#[inline]
pub(crate) fn digits_then(s: &[u8], end: u8, max: usize) -> Option<(u64, usize)> {
    let mut value: u64 = 0;
    let mut len = 0;
    loop {
        let b = *s.get(len)?;
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            return (b == end && len > 0).then_some((value, len + 1));
        }
        if len == max {
            return None;
        }
        value = value * 10 + u64::from(digit);
        len += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_at_counts_newlines_before_offset() {
        let text = "a\nbc\nd";
        assert_eq!(line_at(text, 0), 1);
        assert_eq!(line_at(text, 2), 2);
        assert_eq!(line_at(text, 5), 3);
        assert_eq!(line_at(text, 500), 3);
    }

    #[test]
    fn read_text_rejects_invalid_utf8_with_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x");
        std::fs::write(&path, b"ok\n\xff").unwrap();
        match read_text(&path) {
            Err(EvidenceError::Malformed { line, .. }) => assert_eq!(line, 2),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn read_text_strips_bom() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x");
        std::fs::write(&path, b"\xEF\xBB\xBF{}").unwrap();
        assert_eq!(read_text(&path).unwrap(), "{}");
    }
}
