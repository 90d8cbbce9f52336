//! A reader of JSON text that checks the values of chosen keys and hands
//! each on as `0`, so that serde, which then skips `0`, never reads them.
//!
//! The llvm-cov export's `segments`, `branches` and `functions` and
//! coverage.py's `classes` and per-function line lists are most of those
//! files, and the readers use none of it. serde skipped it as `IgnoredAny`
//! through `serde_json`'s reader of a stream, one byte at a time through a
//! general tokenizer: two thirds of the instructions of a whole `tollgate
//! inspect` of either format (issue 14). Here a value is checked in a loop
//! over the buffer, as strictly as `serde_json` skips one (RFC 8259's
//! grammar: numbers, literals, string escapes, no control characters in a
//! string, no trailing commas; like `serde_json`, no UTF-8 check inside a
//! skipped string and no nesting limit), so a malformed file is still
//! malformed. Its newlines are handed on after the `0`, so serde's line
//! numbers stay the file's.
//!
//! What is skipped is named by depth and key ([`SkipRule`]): a key counts
//! only as a key of an object at that depth, found by a lexer that follows
//! strings, escapes and brackets as the bytes pass. A document that is not
//! well-formed is refused by serde where the passed-on text breaks, or here
//! where a skipped value does ([`SkipValues::failure`]).

use std::io::{BufRead, Read};

/// Why [`deserialize_skipping`] failed.
#[derive(Debug)]
pub(crate) enum SkipFailure {
    /// A skipped value was not well-formed: its 1-based line and why.
    Skipped(u64, String),
    /// serde's error on the text handed on (whose lines are the file's).
    Serde(serde_json::Error),
}

/// Deserializes a `T` from the JSON text `input`, the values `rules` name
/// checked and skipped; the whole text when `whole`, else only its first
/// value (what follows is not read).
pub(crate) fn deserialize_skipping<T, R>(
    input: R,
    rules: &'static [SkipRule],
    whole: bool,
) -> Result<T, SkipFailure>
where
    T: serde::de::DeserializeOwned,
    R: BufRead,
{
    deserialize_seed_skipping(input, rules, whole, std::marker::PhantomData::<T>)
}

/// [`deserialize_skipping`] by a seed: what `seed` gives.
pub(crate) fn deserialize_seed_skipping<S, V, R>(
    input: R,
    rules: &'static [SkipRule],
    whole: bool,
    seed: S,
) -> Result<V, SkipFailure>
where
    S: for<'de> serde::de::DeserializeSeed<'de, Value = V>,
    R: BufRead,
{
    let mut skip = SkipValues::new(input, rules);
    // serde reads a stream a byte at a time, quickly only from a
    // `BufReader` (the standard library's byte iterator has a fast path for
    // it): each byte through `SkipValues::read` cost many times more.
    let buffered = std::io::BufReader::with_capacity(64 * 1024, &mut skip);
    let mut json = serde_json::Deserializer::from_reader(buffered);
    let parsed = seed.deserialize(&mut json).and_then(|value| {
        if whole {
            json.end()?;
        }
        Ok(value)
    });
    drop(json);
    parsed.map_err(|err| match skip.failure() {
        Some((line, message)) => SkipFailure::Skipped(*line, message.clone()),
        None => SkipFailure::Serde(err),
    })
}

impl SkipFailure {
    /// The reader's error for `source`: a skipped value or serde's syntax
    /// is malformed input with its line (`broken` says what the file is
    /// not); well-formed JSON of another shape is another format
    /// (`other_shape`, which serde's complaint follows); anything else is
    /// the input's own error.
    pub(crate) fn into_error(
        self,
        source: &std::path::Path,
        broken: &str,
        other_shape: &str,
    ) -> crate::evidence::EvidenceError {
        use crate::evidence::EvidenceError;
        let err = match self {
            Self::Skipped(line, message) => {
                return EvidenceError::Malformed {
                    path: source.to_path_buf(),
                    line,
                    message: format!("{broken}: {message}"),
                }
            }
            Self::Serde(err) => err,
        };
        if err.is_data() {
            EvidenceError::UnknownFormat {
                path: source.to_path_buf(),
                message: format!("{other_shape}: {err}"),
            }
        } else if err.is_eof() || err.is_syntax() {
            EvidenceError::Malformed {
                path: source.to_path_buf(),
                line: u64::try_from(err.line()).unwrap_or(u64::MAX),
                message: format!("{broken}: {err}"),
            }
        } else {
            EvidenceError::Io {
                path: source.to_path_buf(),
                source: err.into(),
            }
        }
    }
}

/// Values to skip: those of `keys` in an object at `depth` (the document's
/// outermost value is at depth 1, a value in it at depth 2).
#[derive(Debug, Clone, Copy)]
pub(crate) struct SkipRule {
    /// The depth of the object the keys belong to.
    pub depth: u32,
    /// The keys, as written between the quotes (no escapes: a key written
    /// with an escape is not skipped, only read the slow way); none for
    /// every key.
    pub keys: &'static [&'static [u8]],
}

/// The longest key a rule may name.
const MAX_KEY: usize = 24;
/// Depths followed for the kind of container (object or array); deeper
/// ones are only counted. Rules name shallow depths.
const TRACKED_DEPTH: u32 = 64;

/// What a skipped value is handed on as: `0` and a space, so that it cannot
/// run into what follows (the value checked may end where the text goes on
/// wrongly, as `1.5` of `1.5.3`, and `0.3` must not be what serde reads).
const ZERO: &[u8] = b"0 ";

/// See the module documentation. Wraps a `BufRead`; is read by serde.
struct SkipValues<R> {
    inner: R,
    rules: &'static [SkipRule],
    lexer: Lexer,
    /// How much of [`ZERO`] is still to hand on, for the value just
    /// skipped.
    zero: usize,
    /// Newlines to hand on after it.
    newlines: u64,
    /// A value to skip starts at the next byte of `inner`.
    skip_due: bool,
    /// Newlines in everything taken from `inner` so far.
    line_breaks: u64,
    failure: Option<(u64, String)>,
}

impl<R: BufRead> SkipValues<R> {
    /// Skips the values `rules` name in the JSON text `inner` holds.
    fn new(inner: R, rules: &'static [SkipRule]) -> Self {
        Self {
            inner,
            rules,
            lexer: Lexer::default(),
            zero: 0,
            newlines: 0,
            skip_due: false,
            line_breaks: 0,
            failure: None,
        }
    }

    /// Where and why a skipped value was not well-formed JSON, if one was:
    /// the 1-based line and the reason. serde then failed with an I/O
    /// error, and this is the error to report.
    fn failure(&self) -> Option<&(u64, String)> {
        self.failure.as_ref()
    }

    /// Checks the value after a skipped key, taking it from `inner`.
    fn skip_value(&mut self) -> std::io::Result<()> {
        let mut value = ValueChecker::default();
        loop {
            let available = self.inner.fill_buf()?;
            if available.is_empty() {
                return Err(self.fail(value.newlines, "the file ends inside a value (truncated?)"));
            }
            match value.feed(available) {
                Ok(Some(used)) => {
                    self.inner.consume(used);
                    self.line_breaks += value.newlines;
                    self.zero = ZERO.len();
                    self.newlines = value.newlines;
                    return Ok(());
                }
                Ok(None) => {
                    let used = available.len();
                    self.inner.consume(used);
                }
                Err(message) => return Err(self.fail(value.newlines, message)),
            }
        }
    }

    fn fail(&mut self, newlines: u64, message: &str) -> std::io::Error {
        let line = self.line_breaks + newlines + 1;
        self.failure = Some((line, format!("not well-formed JSON: {message}")));
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("line {line}: not well-formed JSON: {message}"),
        )
    }
}

impl<R: BufRead> Read for SkipValues<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        loop {
            if self.zero > 0 {
                out[0] = ZERO[ZERO.len() - self.zero];
                self.zero -= 1;
                return Ok(1);
            }
            if self.skip_due {
                self.skip_due = false;
                self.skip_value()?;
                continue;
            }
            if self.newlines > 0 {
                let n = out
                    .len()
                    .min(usize::try_from(self.newlines).unwrap_or(usize::MAX));
                out[..n].fill(b'\n');
                self.newlines -= n as u64;
                return Ok(n);
            }
            let available = self.inner.fill_buf()?;
            if available.is_empty() {
                return Ok(0);
            }
            let limit = available.len().min(out.len());
            let (passed, skip) = self.lexer.scan(&available[..limit], self.rules);
            out[..passed].copy_from_slice(&available[..passed]);
            self.line_breaks += crate::evidence::text::count_newlines(&available[..passed]);
            self.inner.consume(passed);
            // The value is skipped on the next read, once serde has read the
            // text before it: an error there must be the one reported, as it
            // is however the input is buffered (found by fuzzing).
            self.skip_due = skip;
            if passed > 0 {
                return Ok(passed);
            }
        }
    }
}

/// Follows the passed-on text: strings, brackets, and the keys rules name.
// Each flag is one fact about the byte just read (in a string, after a
// backslash, reading a key, after a key); an enum of their combinations
// would be harder to read, not safer.
#[allow(clippy::struct_excessive_bools)]
#[derive(Default)]
struct Lexer {
    depth: u32,
    /// Bit `d` set when the container at depth `d + 1` is an object.
    objects: u64,
    in_string: bool,
    escaped: bool,
    /// The string being read, while it may be a rule's key.
    key: [u8; MAX_KEY],
    key_len: usize,
    /// Whether the string being read may be a rule's key: it is in an
    /// object at a rule's depth, and has been short and plain so far.
    capturing: bool,
    /// Whether the string being read is a key whatever it says: it is in
    /// an object at the depth of a rule for every key.
    any_key: bool,
    /// A rule's key has just been read; a `:` (after whitespace) starts
    /// its value.
    awaiting_colon: bool,
}

impl Lexer {
    fn in_object(&self) -> bool {
        self.depth >= 1
            && self.depth <= TRACKED_DEPTH
            && self.objects & (1 << (self.depth - 1)) != 0
    }

    fn rule_depth(&self, rules: &[SkipRule]) -> bool {
        rules.iter().any(|r| r.depth == self.depth)
    }

    fn is_rule_key(&self, rules: &[SkipRule]) -> bool {
        let key = &self.key[..self.key_len];
        rules
            .iter()
            .any(|r| r.depth == self.depth && r.keys.contains(&key))
    }

    fn every_key_at_depth(&self, rules: &[SkipRule]) -> bool {
        rules
            .iter()
            .any(|r| r.depth == self.depth && r.keys.is_empty())
    }

    /// Follows `bytes`; returns how many to pass on and whether a value to
    /// skip starts right after them (the pass ends with its key's `:`).
    fn scan(&mut self, bytes: &[u8], rules: &[SkipRule]) -> (usize, bool) {
        let mut i = 0;
        while i < bytes.len() {
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                    self.capturing = false;
                    i += 1;
                    continue;
                }
                if !self.capturing {
                    // The rest of a string that is no key of ours.
                    match memchr::memchr2(b'"', b'\\', &bytes[i..]) {
                        Some(at) => i += at,
                        None => return (bytes.len(), false),
                    }
                }
                let b = bytes[i];
                i += 1;
                match b {
                    b'"' => {
                        self.in_string = false;
                        self.awaiting_colon =
                            self.any_key || (self.capturing && self.is_rule_key(rules));
                        self.capturing = false;
                        self.any_key = false;
                    }
                    b'\\' => self.escaped = true,
                    _ if self.key_len < MAX_KEY => {
                        self.key[self.key_len] = b;
                        self.key_len += 1;
                    }
                    _ => self.capturing = false,
                }
                continue;
            }
            if !self.awaiting_colon {
                // Between structure (numbers, commas, spaces) nothing is
                // followed: on to the next byte that is.
                match bytes[i..]
                    .iter()
                    .position(|b| matches!(b, b'"' | b'{' | b'}' | b'[' | b']'))
                {
                    Some(at) => i += at,
                    None => return (bytes.len(), false),
                }
            }
            let b = bytes[i];
            i += 1;
            match b {
                b' ' | b'\t' | b'\n' | b'\r' => {}
                b':' if self.awaiting_colon => {
                    self.awaiting_colon = false;
                    return (i, true);
                }
                b'"' => {
                    self.awaiting_colon = false;
                    self.in_string = true;
                    self.capturing = self.in_object() && self.rule_depth(rules);
                    self.any_key = self.capturing && self.every_key_at_depth(rules);
                    self.key_len = 0;
                }
                b'{' | b'[' => {
                    self.awaiting_colon = false;
                    if self.depth < TRACKED_DEPTH {
                        let bit = 1 << self.depth;
                        if b == b'{' {
                            self.objects |= bit;
                        } else {
                            self.objects &= !bit;
                        }
                    }
                    self.depth = self.depth.saturating_add(1);
                }
                b'}' | b']' => {
                    self.awaiting_colon = false;
                    self.depth = self.depth.saturating_sub(1);
                }
                _ => self.awaiting_colon = false,
            }
        }
        (bytes.len(), false)
    }
}

/// Whether `bytes` hold `word` at `i` (compared as one array, not by
/// `memcmp`).
fn word_at<const N: usize>(bytes: &[u8], i: usize, word: [u8; N]) -> bool {
    bytes
        .get(i..i + N)
        .and_then(|found| <[u8; N]>::try_from(found).ok())
        .is_some_and(|found| found == word)
}

/// Where [`ValueChecker`] stands between bytes.
#[derive(Default, Clone, Copy, PartialEq, Eq, Debug)]
enum At {
    /// A value is due (whitespace first).
    #[default]
    Value,
    /// Just after `[`: a value or `]`.
    ValueOrEnd,
    /// Just after `{`: a key or `}`.
    KeyOrEnd,
    /// After `,` in an object: a key.
    Key,
    /// After a key: `:`.
    Colon,
    /// After a value in a container: `,` or its closer.
    Next,
    /// In a string; `key` when it is an object's key.
    Str { key: bool },
    /// After `\` in a string.
    Escape { key: bool },
    /// In `\uXXXX`, this many hex digits still due.
    Hex { key: bool, left: u8 },
    /// In a number (see [`Num`]).
    Number(Num),
    /// In `true`, `false` or `null`: the word and how much of it is read.
    Literal { word: &'static [u8], read: u8 },
}

/// The parts of RFC 8259's number grammar.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Num {
    Minus,
    Zero,
    Int,
    Dot,
    Frac,
    Exp,
    ExpSign,
    ExpDigits,
}

/// Checks one JSON value fed in pieces.
#[derive(Default)]
struct ValueChecker {
    at: At,
    /// The open containers, `true` for an object.
    open: Vec<bool>,
    /// Newlines read (only whitespace holds them).
    newlines: u64,
}

impl ValueChecker {
    /// Reads on through `bytes`: `Some(used)` when the value ends within
    /// them, after `used` bytes; `None` when all were used and more are due.
    ///
    /// The state is kept in a local while the bytes last, and whole words
    /// and runs of digits or of a string are taken at once where the bytes
    /// hold them: a step per byte through `self.at` cost 30 instructions a
    /// byte on llvm-cov's segments.
    // One state machine, one arm per state: split into functions, the
    // state would go through memory at every byte.
    #[allow(clippy::too_many_lines)]
    fn feed(&mut self, bytes: &[u8]) -> Result<Option<usize>, &'static str> {
        let mut at = self.at;
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            match at {
                At::Str { key } => {
                    i += bytes[i..]
                        .iter()
                        .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
                        .unwrap_or(bytes.len() - i);
                    let Some(&c) = bytes.get(i) else { break };
                    i += 1;
                    match c {
                        b'"' if key => at = At::Colon,
                        b'"' => {
                            if self.ended(&mut at) {
                                return Ok(Some(i));
                            }
                        }
                        b'\\' => at = At::Escape { key },
                        _ => return Err("a control character in a string"),
                    }
                }
                At::Escape { key } => {
                    at = match b {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => At::Str { key },
                        b'u' => At::Hex { key, left: 4 },
                        _ => return Err("an unknown escape in a string"),
                    };
                    i += 1;
                }
                At::Hex { key, left } => {
                    if !b.is_ascii_hexdigit() {
                        return Err("a \\u escape without four hex digits");
                    }
                    at = if left == 1 {
                        At::Str { key }
                    } else {
                        At::Hex {
                            key,
                            left: left - 1,
                        }
                    };
                    i += 1;
                }
                At::Literal { word, read } => {
                    if word.get(usize::from(read)) != Some(&b) {
                        return Err("an unknown word (not true, false or null)");
                    }
                    i += 1;
                    if usize::from(read) + 1 == word.len() {
                        if self.ended(&mut at) {
                            return Ok(Some(i));
                        }
                    } else {
                        at = At::Literal {
                            word,
                            read: read + 1,
                        };
                    }
                }
                At::Number(Num::Int | Num::Frac | Num::ExpDigits) if b.is_ascii_digit() => {
                    i += bytes[i..]
                        .iter()
                        .position(|c| !c.is_ascii_digit())
                        .unwrap_or(bytes.len() - i);
                }
                At::Number(num) => {
                    let next = match (num, b) {
                        (Num::Minus, b'0') => Some(Num::Zero),
                        (Num::Minus, b'1'..=b'9') => Some(Num::Int),
                        (Num::Zero | Num::Int, b'.') => Some(Num::Dot),
                        (Num::Dot, b'0'..=b'9') => Some(Num::Frac),
                        (Num::Zero | Num::Int | Num::Frac, b'e' | b'E') => Some(Num::Exp),
                        (Num::Exp, b'+' | b'-') => Some(Num::ExpSign),
                        (Num::Exp | Num::ExpSign, b'0'..=b'9') => Some(Num::ExpDigits),
                        _ => None,
                    };
                    if let Some(next) = next {
                        at = At::Number(next);
                        i += 1;
                    } else {
                        if !matches!(num, Num::Zero | Num::Int | Num::Frac | Num::ExpDigits) {
                            return Err("a number cut short");
                        }
                        if num == Num::Zero && b.is_ascii_digit() {
                            return Err("a number with a leading zero");
                        }
                        // The byte after the number is not the number's.
                        if self.ended(&mut at) {
                            return Ok(Some(i));
                        }
                    }
                }
                At::Value | At::ValueOrEnd => {
                    i += 1;
                    match b {
                        b' ' | b'\t' | b'\r' => {}
                        b'\n' => self.newlines += 1,
                        b']' if at == At::ValueOrEnd => {
                            self.open.pop();
                            if self.ended(&mut at) {
                                return Ok(Some(i));
                            }
                        }
                        b'{' => {
                            self.open.push(true);
                            at = At::KeyOrEnd;
                        }
                        b'[' => {
                            self.open.push(false);
                            at = At::ValueOrEnd;
                        }
                        b'"' => at = At::Str { key: false },
                        b'-' => at = At::Number(Num::Minus),
                        b'0' => at = At::Number(Num::Zero),
                        b'1'..=b'9' => at = At::Number(Num::Int),
                        b't' | b'f' | b'n' => {
                            let word: &'static [u8] = match b {
                                b't' => b"true",
                                b'f' => b"false",
                                _ => b"null",
                            };
                            let rest = &bytes[i - 1..];
                            let whole = match b {
                                b't' => word_at(rest, 0, *b"true"),
                                b'f' => word_at(rest, 0, *b"false"),
                                _ => word_at(rest, 0, *b"null"),
                            };
                            if whole {
                                i += word.len() - 1;
                                if self.ended(&mut at) {
                                    return Ok(Some(i));
                                }
                            } else if rest.len() < word.len() && word.starts_with(rest) {
                                // Cut by the end of the bytes: on in the next.
                                at = At::Literal {
                                    word,
                                    read: u8::try_from(rest.len()).unwrap_or(u8::MAX),
                                };
                                i = bytes.len();
                            } else {
                                return Err("an unknown word (not true, false or null)");
                            }
                        }
                        _ => return Err("expected a value"),
                    }
                }
                At::KeyOrEnd | At::Key => {
                    i += 1;
                    match b {
                        b' ' | b'\t' | b'\r' => {}
                        b'\n' => self.newlines += 1,
                        b'"' => at = At::Str { key: true },
                        b'}' if at == At::KeyOrEnd => {
                            self.open.pop();
                            if self.ended(&mut at) {
                                return Ok(Some(i));
                            }
                        }
                        _ => return Err("expected a key (a string)"),
                    }
                }
                At::Colon => {
                    i += 1;
                    match b {
                        b' ' | b'\t' | b'\r' => {}
                        b'\n' => self.newlines += 1,
                        b':' => at = At::Value,
                        _ => return Err("expected `:` after a key"),
                    }
                }
                At::Next if b == b',' && self.open.last() == Some(&false) => {
                    // An array's `, 12, true`: the commonest text of the
                    // values skipped, taken here without a step per byte.
                    let (used, next) = self.scalars(&bytes[i..]);
                    i += used;
                    at = next;
                }
                At::Next => {
                    i += 1;
                    let object = self.open.last().copied().unwrap_or(false);
                    match b {
                        b' ' | b'\t' | b'\r' => {}
                        b'\n' => self.newlines += 1,
                        b',' => at = if object { At::Key } else { At::Value },
                        b'}' | b']' if (b == b'}') == object => {
                            self.open.pop();
                            if self.ended(&mut at) {
                                return Ok(Some(i));
                            }
                        }
                        _ => return Err("expected `,` or the end of the array or object"),
                    }
                }
            }
        }
        self.at = at;
        Ok(None)
    }

    /// From a `,` in an array: the bytes used by `, SCALAR` pairs, where a
    /// scalar is a plain integer, `true`, `false` or `null` (spaces and
    /// newlines around them allowed), and where that leaves the reading:
    /// after an integer ([`At::Number`], its end still to check), after a
    /// word ([`At::Next`]), or after a `,` and its whitespace ([`At::Value`])
    /// where what follows is none of these.
    fn scalars(&mut self, bytes: &[u8]) -> (usize, At) {
        let mut i = 0;
        loop {
            // A `,` (known on the first turn), then whitespace.
            i += 1;
            while let Some(&b) = bytes.get(i) {
                match b {
                    b' ' | b'\t' | b'\r' => {}
                    b'\n' => self.newlines += 1,
                    _ => break,
                }
                i += 1;
            }
            let after = match bytes.get(i) {
                Some(b'1'..=b'9') => {
                    i += bytes[i..]
                        .iter()
                        .position(|c| !c.is_ascii_digit())
                        .unwrap_or(bytes.len() - i);
                    At::Number(Num::Int)
                }
                Some(b't') if word_at(bytes, i, *b"true") => {
                    i += 4;
                    At::Next
                }
                Some(b'f') if word_at(bytes, i, *b"false") => {
                    i += 5;
                    At::Next
                }
                Some(b'n') if word_at(bytes, i, *b"null") => {
                    i += 4;
                    At::Next
                }
                _ => return (i, At::Value),
            };
            if bytes.get(i) != Some(&b',') {
                return (i, after);
            }
        }
    }

    /// A value has ended: whether it was the outermost (the skip is over);
    /// otherwise `at` becomes what its container expects next.
    fn ended(&mut self, at: &mut At) -> bool {
        if self.open.is_empty() {
            return true;
        }
        *at = At::Next;
        false
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)] // a test that cannot read its input should stop loudly
mod tests {
    use super::*;

    const RULES: &[SkipRule] = &[SkipRule {
        depth: 2,
        keys: &[b"skip", b"also"],
    }];

    /// The text handed on for `text`, read in pieces of `piece` bytes
    /// through a buffer of `buffer` bytes.
    fn pass(text: &str, buffer: usize, piece: usize) -> Result<String, (u64, String)> {
        let inner = std::io::BufReader::with_capacity(buffer, text.as_bytes());
        let mut skip = SkipValues::new(inner, RULES);
        let mut out = Vec::new();
        let mut chunk = vec![0; piece];
        loop {
            match skip.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => out.extend_from_slice(&chunk[..n]),
                Err(_) => return Err(skip.failure().cloned().unwrap()),
            }
        }
        Ok(String::from_utf8(out).unwrap())
    }

    fn pass_all_ways(text: &str) -> Result<String, (u64, String)> {
        let whole = pass(text, 1 << 16, 1 << 16);
        for (buffer, piece) in [(1, 1), (1, 7), (3, 2), (5, 64), (64, 3)] {
            assert_eq!(
                pass(text, buffer, piece),
                whole,
                "{text:?} in pieces of {buffer}/{piece}"
            );
        }
        whole
    }

    #[test]
    fn the_named_values_become_zero_with_their_newlines() {
        let text = "{\"a\": [1, {\"skip\": 5}],\n \"x\": {\"skip\": [1,\n 2.5e-3, \"s\\\"}\", {\"k\": null}],\n \"keep\": \"skip\", \"also\":true}}";
        let out = pass_all_ways(text).unwrap();
        assert_eq!(
            out,
            "{\"a\": [1, {\"skip\": 5}],\n \"x\": {\"skip\":0 \n,\n \"keep\": \"skip\", \"also\":0 }}"
        );
        // Lines stay where they were: serde reads the same document less
        // the skipped values.
        let value: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(value["x"]["keep"], "skip");
    }

    #[test]
    fn a_key_only_counts_at_its_depth_and_as_a_key() {
        for text in [
            r#"{"skip": [1, 2]}"#,
            r#"[[{"skip": [1]}]]"#,
            r#"{"x": ["skip", {"y": {"skip": 1}}]}"#,
            r#"{"x": {"sk\u0069p": 1, "s\"kip": 2}}"#,
            r#"{"x": {"a": "skip", "b": 1}}"#,
        ] {
            assert_eq!(pass_all_ways(text).unwrap(), text);
        }
    }

    #[test]
    fn a_malformed_skipped_value_is_refused_with_its_line() {
        for (value, line, says) in [
            ("[1,]", 2, "expected a value"),
            ("[1 2]", 2, "expected `,`"),
            ("{\"a\" 1}", 2, "expected `:`"),
            ("{\"a\": 1,}", 2, "expected a key"),
            ("-}", 2, "cut short"),
            ("1.}", 2, "cut short"),
            ("1e+}", 2, "cut short"),
            ("01}", 2, "leading zero"),
            ("tru ", 2, "unknown word"),
            ("nul", 2, "truncated"),
            ("\"a\\x\"", 2, "unknown escape"),
            ("\"\\u12g4\"", 2, "four hex digits"),
            ("\"a\tb\"", 2, "control character"),
            ("[\n\n[1,\n2", 5, "truncated"),
            ("[1]]", 0, ""),
        ] {
            let text = format!("{{\"x\": {{\n\"skip\": {value}");
            match pass_all_ways(&text) {
                Err((got, message)) => {
                    assert_eq!(got, line, "{value}: {message}");
                    assert!(message.contains(says), "{value}: {message}");
                }
                // `]` after a whole value is no longer the skip's: serde
                // refuses it in the text handed on.
                Ok(out) => {
                    assert_eq!(line, 0, "{value}: {out}");
                    assert!(serde_json::from_str::<serde_json::Value>(&out).is_err());
                }
            }
        }
    }

    #[test]
    fn an_error_before_a_skipped_value_is_the_one_reported_however_buffered() {
        // A key without its `:` comes before a broken skipped value: serde's
        // error on the key must win whether or not the skip read ahead
        // (found by fuzzing the llvm-cov reader: whole and in pieces, the
        // answers differed).
        let text = "{\"x\": {\"oops\", \"skip\": [1, <]}}";
        for buffer in [1, 7, 1 << 16] {
            let input = std::io::BufReader::with_capacity(buffer, text.as_bytes());
            match deserialize_skipping::<serde_json::Value, _>(input, RULES, true) {
                Err(SkipFailure::Serde(err)) => {
                    assert!(err.to_string().contains("expected `:`"), "{buffer}: {err}");
                }
                other => panic!("{buffer}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_skipped_number_cannot_run_into_the_text_after_it() {
        // `-1.5` is a whole value and `.3` is left to serde: handed on as
        // `0.3` it would be read as a number (found by the agreement test).
        let text = r#"{"x": {"skip": -1.5.3}}"#;
        let out = pass_all_ways(text).unwrap();
        assert!(
            serde_json::from_str::<serde_json::Value>(&out).is_err(),
            "{out}"
        );
        for text in [r#"{"x": {"skip": [1]2}}"#, r#"{"x": {"skip": 1e5e5}}"#] {
            let out = pass_all_ways(text).unwrap();
            assert!(
                serde_json::from_str::<serde_json::Value>(&out).is_err(),
                "{out}"
            );
        }
    }

    #[test]
    fn well_formed_values_of_every_kind_are_skipped() {
        for value in [
            "0",
            "-0",
            "-12.5E+3",
            "1e9",
            "0.0",
            "true",
            "false",
            "null",
            "\"\"",
            "\"\\u00e9\\n\\/\"",
            "[]",
            "{}",
            "[[],[{}]]",
            "{\"a\":{\"b\":[1,{\"c\":null}]}}",
            " \n [ 1 , \"2\" ]",
        ] {
            let text = format!("{{\"x\": {{\"skip\": {value}}}}}");
            let out = pass_all_ways(&text).unwrap();
            let newlines = value.matches('\n').count();
            assert_eq!(
                out,
                format!("{{\"x\": {{\"skip\":0 {}}}}}", "\n".repeat(newlines)),
                "{value}"
            );
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)] // a test that cannot read its input should stop loudly
mod agreement {
    //! The skipping reader against `serde_json` on generated documents:
    //! the same value with the named values replaced by `0`, however the
    //! text is buffered, and the same verdict on broken text.
    use super::*;
    use proptest::prelude::*;
    use serde_json::Value;

    const RULES: &[SkipRule] = &[
        SkipRule {
            depth: 2,
            keys: &[b"skip", b"s\\u0061"],
        },
        SkipRule {
            depth: 4,
            keys: &[],
        },
    ];

    fn json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            (-1e6f64..1e6).prop_map(Value::from),
            "[a-z\"\\\\\u{e9}\n ]{0,6}".prop_map(Value::String),
        ];
        leaf.prop_recursive(5, 48, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::vec(
                    (
                        prop_oneof![
                            Just("skip".to_owned()),
                            Just("keep".to_owned()),
                            "[a-z]{1,3}"
                        ],
                        inner
                    ),
                    0..5
                )
                .prop_map(|entries| Value::Object(entries.into_iter().collect())),
            ]
        })
    }

    fn named(depth: u32, key: &str) -> bool {
        RULES
            .iter()
            .any(|r| r.depth == depth && (r.keys.is_empty() || r.keys.contains(&key.as_bytes())))
    }

    /// What serde made of a document before: the named values skipped as
    /// `IgnoredAny` (and so as leniently: no number range, no surrogate
    /// check), read as `0`.
    struct Oracle(u32);

    impl<'de> serde::de::DeserializeSeed<'de> for Oracle {
        type Value = Value;
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> serde::de::Visitor<'de> for Oracle {
        type Value = Value;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("JSON")
        }
        fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
            Ok(Value::Bool(v))
        }
        fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
            Ok(Value::from(v))
        }
        fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
            Ok(Value::from(v))
        }
        fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
            Ok(Value::from(v))
        }
        fn visit_str<E>(self, v: &str) -> Result<Value, E> {
            Ok(Value::from(v))
        }
        fn visit_unit<E>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
            let mut items = Vec::new();
            while let Some(v) = seq.next_element_seed(Oracle(self.0 + 1))? {
                items.push(v);
            }
            Ok(Value::Array(items))
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
            let mut entries = serde_json::Map::new();
            while let Some(key) = map.next_key::<String>()? {
                let value = if named(self.0, &key) {
                    map.next_value::<serde::de::IgnoredAny>()?;
                    Value::from(0)
                } else {
                    map.next_value_seed(Oracle(self.0 + 1))?
                };
                entries.insert(key, value);
            }
            Ok(Value::Object(entries))
        }
    }

    fn oracle(text: &str) -> Result<Value, String> {
        use serde::de::DeserializeSeed;
        let mut de = serde_json::Deserializer::from_str(text);
        let value = Oracle(1).deserialize(&mut de).map_err(|e| e.to_string())?;
        de.end().map_err(|e| e.to_string())?;
        Ok(value)
    }

    fn skipped(text: &str, buffer: usize) -> Result<Value, String> {
        let input = std::io::BufReader::with_capacity(buffer, text.as_bytes());
        deserialize_skipping::<Value, _>(input, RULES, true).map_err(|e| format!("{e:?}"))
    }

    proptest! {
        // No regressions file: the repository's layout has no place for it.
        #![proptest_config(ProptestConfig {
            cases: 512,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        #[test]
        fn skipping_reads_as_serde_does(value in json(), pretty in any::<bool>(), buffer in 1usize..40) {
            let text = if pretty {
                serde_json::to_string_pretty(&value).unwrap()
            } else {
                serde_json::to_string(&value).unwrap()
            };
            let want = oracle(&text).unwrap();
            prop_assert_eq!(skipped(&text, 1 << 16).unwrap(), want.clone());
            prop_assert_eq!(skipped(&text, buffer).unwrap(), want);
        }

        #[test]
        fn broken_text_is_refused_as_serde_refuses_it(
            value in json(),
            at in any::<prop::sample::Index>(),
            byte in prop::sample::select(b"{}[],:\"\\0 1-.eEtfnx".to_vec()),
            delete in any::<bool>(),
        ) {
            let mut bytes = serde_json::to_string(&value).unwrap().into_bytes();
            let i = at.index(bytes.len() + 1);
            if delete && i < bytes.len() {
                bytes.remove(i);
            } else {
                bytes.insert(i, byte);
            }
            let Ok(text) = String::from_utf8(bytes) else { return Ok(()) };
            let serde = oracle(&text);
            let ours = skipped(&text, 5);
            prop_assert_eq!(serde.is_ok(), ours.is_ok(), "{:?}: serde {:?}, ours {:?}", text, serde, ours);
            if let Ok(serde) = serde {
                prop_assert_eq!(serde, ours.unwrap());
            }
        }
    }
}
