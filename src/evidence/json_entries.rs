//! A reader of a JSON object one entry at a time: the keys are read here,
//! each value is gathered as text and handed to serde as a slice.
//!
//! coverage.py's report is one object whose `files` object holds an entry
//! per source file, and all of its bytes are those entries. serde can read
//! a stream only through `serde_json`'s reader of one, a byte at a time
//! (issue 14: 115 MB/s for the whole `tollgate inspect`), and reading from
//! a slice is several times faster, but the whole document as a slice
//! would cost a byte of memory per byte of input. So the outer objects'
//! syntax (braces, keys, colons, commas) is read here, strictly, and each
//! value, found by following its strings and brackets, is copied into a
//! buffer and deserialized from it: memory is one value's text, and a
//! caller can use each entry as it comes.
//!
//! Nothing is checked less than serde would check the whole document:
//! every value is deserialized by serde from its slice (which refuses a
//! slice holding anything after its value), and everything between values
//! is read here by RFC 8259's grammar. serde's errors name the line and
//! column in the file, as they would reading the whole text. One limit
//! moves: serde's nesting limit (128) counts from the value it reads, so a
//! value here may nest as deep as that below the objects read here.

use std::io::BufRead;

use serde::de::DeserializeOwned;

/// Why reading failed.
#[derive(Debug)]
pub(crate) enum EntryFailure {
    /// Not well-formed JSON: the 1-based line and serde's or our message
    /// (with its position, as serde writes one).
    Syntax(u64, String),
    /// Well-formed, but not of the shape asked for (serde's data error,
    /// or a key given twice), with its position.
    Shape(String),
    /// The input could not be read.
    Io(std::io::Error),
}

/// Reads one JSON object from `input`; see the module documentation.
pub(crate) struct EntryReader<R> {
    input: R,
    /// Newlines taken from `input` so far.
    newlines: u64,
    /// Bytes taken since the last newline.
    column: u64,
    /// For each object open, whether no entry of it has been read yet.
    fresh: Vec<bool>,
    /// The text of the value being read.
    value: Vec<u8>,
}

/// Bytes of JSON whitespace.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

impl<R: BufRead> EntryReader<R> {
    /// Reads `input`, which holds one JSON value and nothing after it but
    /// whitespace.
    pub(crate) fn new(input: R) -> Self {
        Self {
            input,
            newlines: 0,
            column: 0,
            fresh: Vec::new(),
            value: Vec::new(),
        }
    }

    /// The 1-based line being read.
    fn line(&self) -> u64 {
        self.newlines + 1
    }

    /// A syntax error at the byte about to be taken, written as serde
    /// writes one.
    fn syntax(&self, message: &str) -> EntryFailure {
        self.syntax_at(message, self.column + 1)
    }

    /// A syntax error at the end of the input: serde places it at the
    /// last byte.
    fn eof(&self, message: &str) -> EntryFailure {
        self.syntax_at(message, self.column)
    }

    fn syntax_at(&self, message: &str, column: u64) -> EntryFailure {
        EntryFailure::Syntax(
            self.line(),
            format!("{message} at line {} column {column}", self.line()),
        )
    }

    /// Consumes the first `n` bytes of the buffer (already filled),
    /// following lines.
    fn follow(&mut self, n: usize) {
        let Ok(bytes) = self.input.fill_buf() else {
            return;
        };
        let taken = &bytes[..n.min(bytes.len())];
        let used = taken.len();
        match memchr::memrchr(b'\n', taken) {
            Some(last) => {
                self.newlines += crate::evidence::text::count_newlines(taken);
                self.column = (used - last - 1) as u64;
            }
            None => self.column += used as u64,
        }
        self.input.consume(used);
    }

    /// The next byte that is not whitespace, not taken; `None` at the end.
    fn peek(&mut self) -> Result<Option<u8>, EntryFailure> {
        loop {
            let bytes = self.input.fill_buf().map_err(EntryFailure::Io)?;
            if bytes.is_empty() {
                return Ok(None);
            }
            if let Some(at) = bytes.iter().position(|&b| !is_space(b)) {
                let b = bytes[at];
                self.follow(at);
                return Ok(Some(b));
            }
            let n = bytes.len();
            self.follow(n);
        }
    }

    /// Opens the object that is the document, or fails: a value of
    /// another kind is [`EntryFailure::Shape`] when it is well-formed.
    pub(crate) fn open(&mut self) -> Result<(), EntryFailure> {
        if self.peek()? == Some(b'{') {
            self.open_brace();
            return Ok(());
        }
        // Another value: broken, or of another shape (read, not built:
        // it may be the whole file).
        self.not_an_object()
    }

    /// Takes the `{` just peeked at: an object is open.
    fn open_brace(&mut self) {
        self.follow(1);
        self.fresh.push(true);
    }

    /// Reads the next value, known not to be an object, and says it is
    /// not one when it is well-formed.
    fn not_an_object(&mut self) -> Result<(), EntryFailure> {
        let here = self.here();
        let kind = match self.peek()? {
            Some(b'[') => "sequence",
            Some(b'"') => "string",
            Some(b't' | b'f') => "boolean",
            Some(b'n') => "null",
            _ => "number",
        };
        self.value::<serde::de::IgnoredAny>()?;
        Err(EntryFailure::Shape(format!(
            "invalid type: {kind}, expected an object {here}"
        )))
    }

    /// Opens the object that is the next value, `true`; or reads a `null`
    /// and gives `false`. Any other value is [`EntryFailure::Shape`] when
    /// it is well-formed, as serde would find it.
    pub(crate) fn enter(&mut self) -> Result<bool, EntryFailure> {
        match self.peek()? {
            Some(b'{') => {
                self.open_brace();
                Ok(true)
            }
            // serde refuses an array for its `[`, before reading on.
            Some(b'[') => Err(EntryFailure::Shape(format!(
                "invalid type: sequence, expected an object {}",
                self.here()
            ))),
            // `null`, or a broken word.
            Some(b'n') => self.value::<Option<serde::de::IgnoredAny>>().map(|_| false),
            _ => self.not_an_object().map(|()| false),
        }
    }

    /// The next key of the innermost open object, the reading left before
    /// its value; `None` when the object ends (it is then closed).
    pub(crate) fn key(&mut self) -> Result<Option<String>, EntryFailure> {
        let Some(fresh) = self.fresh.last_mut() else {
            return Ok(None);
        };
        let first = std::mem::replace(fresh, false);
        match self.peek()? {
            Some(b'}') => {
                self.follow(1);
                self.fresh.pop();
                return Ok(None);
            }
            Some(b',') if !first => {
                self.follow(1);
                if self.peek()? == Some(b'}') {
                    return Err(self.syntax("trailing comma"));
                }
            }
            Some(_) if !first => return Err(self.syntax("expected `,` or `}`")),
            Some(_) => {}
            None => return Err(self.eof("EOF while parsing an object")),
        }
        match self.peek()? {
            Some(b'"') => {}
            None => return Err(self.eof("EOF while parsing an object")),
            Some(_) => return Err(self.syntax("key must be a string")),
        }
        let key: String = self.value()?;
        match self.peek()? {
            Some(b':') => self.follow(1),
            None => return Err(self.eof("EOF while parsing an object")),
            Some(_) => return Err(self.syntax("expected `:`")),
        }
        Ok(Some(key))
    }

    /// Checks that nothing but whitespace follows the document.
    pub(crate) fn end(&mut self) -> Result<(), EntryFailure> {
        match self.peek()? {
            None => Ok(()),
            Some(_) => Err(self.syntax("trailing characters")),
        }
    }

    /// The position of the next byte to be read, as serde writes one, for
    /// a complaint about what is there.
    pub(crate) fn here(&self) -> String {
        format!("at line {} column {}", self.line(), self.column + 1)
    }

    /// Reads the next value as a `T`.
    pub(crate) fn value<T: DeserializeOwned>(&mut self) -> Result<T, EntryFailure> {
        match self.peek()? {
            None => return Err(self.eof("EOF while parsing a value")),
            // What only follows a value: serde's word for it, here.
            Some(b',' | b':' | b'}' | b']') => return Err(self.syntax("expected value")),
            Some(_) => {}
        }
        let (line, column) = (self.line(), self.column);
        let mut value = std::mem::take(&mut self.value);
        value.clear();
        let gathered = self.gather(&mut value);
        let parsed = gathered.and_then(|()| {
            serde_json::from_slice::<T>(&value).map_err(|err| placed(&err, line, column))
        });
        self.value = value;
        parsed
    }

    /// Copies the next value's text into `value`: up to the end of its
    /// brackets or string, or, for a number or word, up to the first byte
    /// that cannot be one's. A value cut short by the end of the input is
    /// gathered as far as it goes (serde then says where it ended).
    fn gather(&mut self, value: &mut Vec<u8>) -> Result<(), EntryFailure> {
        let mut scan = Scan::default();
        loop {
            let bytes = self.input.fill_buf().map_err(EntryFailure::Io)?;
            if bytes.is_empty() {
                return Ok(());
            }
            let (used, done) = scan.feed(bytes);
            value.extend_from_slice(&bytes[..used]);
            self.follow(used);
            if done {
                return Ok(());
            }
        }
    }
}

/// serde's error on a value's slice, placed in the file: the slice began
/// at `line` (1-based), after `column` bytes of it.
fn placed(err: &serde_json::Error, line: u64, column: u64) -> EntryFailure {
    let text = err.to_string();
    let (at_line, at_column) = (err.line() as u64, err.column() as u64);
    let suffix = format!(" at line {at_line} column {at_column}");
    let (file_line, file_column) = if at_line <= 1 {
        (line, column + at_column)
    } else {
        (line + at_line - 1, at_column)
    };
    let message = match text.strip_suffix(&suffix) {
        Some(what) => format!("{what} at line {file_line} column {file_column}"),
        None => text,
    };
    // A slice has no I/O: serde's error is of its syntax or of its shape.
    if err.is_data() {
        EntryFailure::Shape(message)
    } else {
        EntryFailure::Syntax(file_line, message)
    }
}

const ONES: u64 = 0x0101_0101_0101_0101;

/// The first of `bytes` that `matches` (a test of eight bytes as a word,
/// giving the high bit of each byte that matches; the lowest must be
/// exact), else of the last few that `one` accepts. Eight bytes at a time:
/// a byte-at-a-time loop over a line list cost 7 instructions a byte, most
/// of the scan, and `memchr`'s set-up costs more than the short strings
/// of a report (its keys) take to read.
fn find_by_words(
    bytes: &[u8],
    matches: impl Fn(u64) -> u64,
    one: impl Fn(u8) -> bool,
) -> Option<usize> {
    let mut chunks = bytes.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut chunks {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let found = matches(u64::from_le_bytes(word));
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| one(b))
        .map(|i| at + i)
}

/// The high bit of each zero byte of `v`, exact for the lowest (a borrow
/// can mark a byte above a zero one, never below).
fn zero_bytes(v: u64) -> u64 {
    v.wrapping_sub(ONES) & !v & (0x80 * ONES)
}

/// Where the first quote or bracket of `bytes` is: what matters to
/// [`Scan`] outside a string. `[` and `]` are `{` and `}` less bit 5, so
/// one word with that bit set tests for both.
fn find_structural(bytes: &[u8]) -> Option<usize> {
    find_by_words(
        bytes,
        |word| {
            let folded = word | (0x20 * ONES);
            zero_bytes(word ^ (u64::from(b'"') * ONES))
                | zero_bytes(folded ^ (u64::from(b'{') * ONES))
                | zero_bytes(folded ^ (u64::from(b'}') * ONES))
        },
        |b| matches!(b, b'"' | b'{' | b'}' | b'[' | b']'),
    )
}

/// Where the first quote or backslash of `bytes` is: the end of a
/// string's plain run.
fn find_quote_or_backslash(bytes: &[u8]) -> Option<usize> {
    find_by_words(
        bytes,
        |word| {
            zero_bytes(word ^ (u64::from(b'"') * ONES))
                | zero_bytes(word ^ (u64::from(b'\\') * ONES))
        },
        |b| b == b'"' || b == b'\\',
    )
}

/// Whether a byte ends a number or word (`true`, `12`) that is a whole
/// value: whitespace or structure. What it holds is serde's to judge.
fn ends_word(b: u8) -> bool {
    is_space(b) || matches!(b, b',' | b':' | b'"' | b'{' | b'}' | b'[' | b']')
}

/// Where [`Scan`] stands.
#[derive(Default, Clone, Copy, PartialEq, Eq)]
enum Scanning {
    /// Nothing seen yet.
    #[default]
    Start,
    /// In a number or word.
    Word,
    /// In brackets, this many open (or a string at the top, 0 open).
    Nested(u64),
}

/// Follows a value's text to its end: strings, escapes and brackets.
#[derive(Default)]
struct Scan {
    at: Scanning,
    in_string: bool,
    escaped: bool,
}

impl Scan {
    /// Reads on through `bytes`: how many belong to the value, and whether
    /// it ends with them.
    fn feed(&mut self, bytes: &[u8]) -> (usize, bool) {
        let mut i = 0;
        if self.at == Scanning::Start {
            match bytes.first() {
                None => return (0, false),
                Some(b'{' | b'[') => self.at = Scanning::Nested(0),
                Some(b'"') => {
                    self.at = Scanning::Nested(0);
                    self.in_string = true;
                    i = 1;
                }
                Some(_) => self.at = Scanning::Word,
            }
        }
        let Scanning::Nested(mut depth) = self.at else {
            return match bytes.iter().position(|&b| ends_word(b)) {
                Some(end) => (end, true),
                None => (bytes.len(), false),
            };
        };
        while i < bytes.len() {
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                    i += 1;
                    continue;
                }
                let Some(at) = find_quote_or_backslash(&bytes[i..]) else {
                    i = bytes.len();
                    break;
                };
                i += at + 1;
                if bytes[i - 1] == b'\\' {
                    self.escaped = true;
                    continue;
                }
                self.in_string = false;
                if depth == 0 {
                    return (i, true);
                }
                continue;
            }
            let Some(at) = find_structural(&bytes[i..]) else {
                i = bytes.len();
                break;
            };
            i += at + 1;
            match bytes[i - 1] {
                b'"' => self.in_string = true,
                b'{' | b'[' => depth += 1,
                _ => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return (i, true);
                    }
                }
            }
        }
        self.at = Scanning::Nested(depth);
        (i, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        // No regressions file: the repository's layout has no place for it.
        #![proptest_config(ProptestConfig {
            cases: 2048,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        /// The word-at-a-time searches find what a byte loop finds, over
        /// bytes rich in what they look for and in its near neighbours
        /// (bit 5 apart, and bytes whose borrow could mislead).
        #[test]
        fn word_searches_find_the_first_match(
            bytes in prop::collection::vec(
                prop::sample::select(b"\"\\{}[]\x02;=zZ\x00\x01\x80\xff 19,".to_vec()),
                0..40,
            ),
        ) {
            let structural = bytes
                .iter()
                .position(|&b| matches!(b, b'"' | b'{' | b'}' | b'[' | b']'));
            prop_assert_eq!(find_structural(&bytes), structural);
            let quote = bytes.iter().position(|&b| b == b'"' || b == b'\\');
            prop_assert_eq!(find_quote_or_backslash(&bytes), quote);
        }
    }
}
