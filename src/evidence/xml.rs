//! The pieces of XML decoding the Cobertura and JUnit readers share:
//! attribute values (and a fast path for plain ones) and entity
//! references in text.
//!
//! quick-xml (0.38 and later) reports `&amp;`, `&#10;` and the like in text
//! as their own `Event::GeneralRef` between the surrounding text events, so
//! a reader that only looks at `Event::Text` silently drops them: every
//! reader that collects text resolves them here. Only the five predefined
//! entities and character references exist in these formats (they carry no
//! DTD); any other name is malformed input, not something to guess at.

use std::borrow::Cow;

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesRef, BytesStart};
use quick_xml::XmlVersion;

/// An attribute's value with entities resolved and whitespace normalised as
/// XML 1.0 prescribes (a literal tab or newline in a value reads as a space;
/// `&#10;` stays a newline).
pub(crate) fn attribute_value<'a>(a: &Attribute<'a>) -> Result<Cow<'a, str>, quick_xml::Error> {
    a.normalized_value(XmlVersion::Implicit1_0)
}

/// The text an entity or character reference stands for; `Err` names what
/// was wrong.
pub(crate) fn general_ref(r: &BytesRef<'_>) -> Result<Cow<'static, str>, String> {
    match r.resolve_char_ref() {
        Ok(Some(c)) => return Ok(Cow::Owned(c.to_string())),
        Ok(None) => {}
        Err(e) => return Err(format!("bad character reference: {e}")),
    }
    let name = r
        .decode()
        .map_err(|e| format!("bad entity reference: {e}"))?;
    resolve_predefined_entity(&name)
        .map(Cow::Borrowed)
        .ok_or_else(|| format!("unknown entity `&{name};` (only &amp; &lt; &gt; &apos; &quot; exist without a DTD)"))
}

/// Checks every attribute of `e` is well-formed and no key appears twice
/// (XML forbids it, and a reader taking the first or the last would be
/// guessing which the producer meant); `Err` names what was wrong. Values
/// are not unescaped here: a reader that uses one does that, and reports
/// a bad one.
pub(crate) fn check_attributes(e: &BytesStart<'_>) -> Result<(), String> {
    if plain_attributes(e.attributes_raw()).is_some() {
        return Ok(());
    }
    for attr in e.attributes() {
        attr.map_err(|err| format!("bad attribute: {err}"))?;
    }
    Ok(())
}

/// The unescaped value of attribute `key` of `e`, if present, after every
/// attribute is checked as [`check_attributes`] does (so a key given twice
/// is an error, not a choice between its values); `Err` names what was
/// wrong.
pub(crate) fn attribute<'a>(
    e: &'a BytesStart<'_>,
    key: &[u8],
) -> Result<Option<Cow<'a, str>>, String> {
    let mut found = None;
    for attr in e.attributes() {
        let attr = attr.map_err(|err| format!("bad attribute: {err}"))?;
        if found.is_none() && attr.key.as_ref() == key {
            found = Some(attribute_value(&attr).map_err(|err| {
                format!(
                    "bad value of attribute {:?}: {err}",
                    String::from_utf8_lossy(key)
                )
            })?);
        }
    }
    Ok(found)
}

/// Most attributes [`plain_attributes`] takes from one element.
const PLAIN_MAX: usize = 16;

/// An element's attributes as `(key, value)` pairs, when every one is
/// plain: `key="value"` (or `'value'`) with nothing around the `=`,
/// pairs separated by whitespace and no key twice. `raw` is what follows
/// the element's name (`BytesStart::attributes_raw`).
///
/// Such a list is one quick-xml's attribute parser reads alike (and finds
/// nothing wrong with), so a reader may take the pairs directly; a value
/// it uses reads as [`attribute_value`] would read it when it is
/// [`verbatim`] (the value of an attribute nobody reads is never looked
/// at, as quick-xml never looks at it). For anything else a reader gets
/// `None` and asks quick-xml, which decides (and reports what is
/// malformed). quick-xml's parser goes byte by byte through a state
/// machine and checks for duplicates with a table per element; producers
/// write plain attributes, and this reads them in one short loop.
pub(crate) fn plain_attributes(raw: &[u8]) -> Option<PlainAttributes<'_>> {
    let mut found = PlainAttributes {
        pairs: [(&[][..], &[][..]); PLAIN_MAX],
        len: 0,
    };
    let mut i = 0;
    let n = raw.len();
    loop {
        while i < n && raw[i].is_ascii_whitespace() {
            i += 1;
        }
        // An empty element's raw attributes end in its `/`.
        if i == n || (raw[i] == b'/' && i + 1 == n) {
            return Some(found);
        }
        // One pass finds the `=` and checks the key: values and keys are
        // a few bytes, where a plain loop beats a search's set-up.
        let key_start = i;
        while i < n && raw[i] != b'=' {
            if NOT_IN_KEY[usize::from(raw[i])] {
                return None;
            }
            i += 1;
        }
        let key = &raw[key_start..i];
        let quote = *raw.get(i + 1)?;
        if key.is_empty() || !matches!(quote, b'"' | b'\'') {
            return None;
        }
        i += 2;
        let value_start = i;
        // Values run to tens of bytes (a test's or a method's name), where
        // memchr beats a loop.
        i += memchr::memchr(quote, &raw[i..])?;
        let value = &raw[value_start..i];
        i += 1;
        if i < n && !raw[i].is_ascii_whitespace() && raw[i] != b'/' {
            return None;
        }
        if found.len == PLAIN_MAX || found.pairs[..found.len].iter().any(|(k, _)| *k == key) {
            return None;
        }
        found.pairs[found.len] = (key, value);
        found.len += 1;
    }
}

/// The position of the first byte at or after `i` that is not XML whitespace.
/// A run of one byte (between attributes) is the common case and is
/// answered at once; longer runs (indentation: a newline and a tab or
/// spaces per level) are taken eight bytes at a time.
#[inline]
pub(crate) fn skip_space(s: &[u8], mut i: usize) -> usize {
    for _ in 0..2 {
        match s.get(i) {
            Some(b' ' | b'\t' | b'\r' | b'\n') => i += 1,
            _ => return i,
        }
    }
    while let Some(word) = s.get(i..i + 8) {
        let Ok(word) = <[u8; 8]>::try_from(word) else {
            break;
        };
        let w = u64::from_le_bytes(word);
        let space = bytes_equal(w, b' ')
            | bytes_equal(w, b'\t')
            | bytes_equal(w, b'\n')
            | bytes_equal(w, b'\r');
        let other = !space & HIGH_BITS;
        if other != 0 {
            // The lowest set high bit is the first byte that is not space.
            return i + (other.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(b' ' | b'\t' | b'\r' | b'\n') = s.get(i) {
        i += 1;
    }
    i
}

/// The high bit of each byte of a `u64`.
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// The high bit set in exactly the bytes of `w` equal to `b`: a byte of
/// `x` is zero when neither its low seven bits (added to `0x7f`, which
/// never carries into the next byte) nor its high bit is set.
#[inline]
fn bytes_equal(w: u64, b: u8) -> u64 {
    const LOW_BITS: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let x = w ^ (u64::from(b) * 0x0101_0101_0101_0101);
    !(((x & LOW_BITS) + LOW_BITS) | x) & HIGH_BITS
}

/// An empty element `<name .../>` at the start of `s` read to numbers in
/// one pass: every attribute among `keys`, each at most once, written
/// `key="value"` after whitespace, its value read by `value(index of the
/// key, the bytes after the opening quote)`, which gives the number and
/// the bytes it used, the closing quote included. The numbers by key and
/// the bytes the element takes; `None` for anything else (another key, a
/// key twice, `key = "v"`, single quotes, a value `value` refuses, an
/// element that does not close itself, or one running past `s`), which the
/// caller's general path reads. The commonest elements of the coverage
/// formats (Cobertura's, Clover's `<line>`, Sonar's `<lineToCover>`) are
/// mostly this, and reading them so costs a fraction of an attribute scan.
pub(crate) fn quick_numbers<const N: usize>(
    s: &[u8],
    name: &[u8],
    keys: [&[u8]; N],
    mut value: impl FnMut(usize, &[u8]) -> Option<(u64, usize)>,
) -> Option<([Option<u64>; N], usize)> {
    let mut i = 1 + name.len();
    if s.first() != Some(&b'<') || s.get(1..i)? != name {
        return None;
    }
    let mut found = [None; N];
    loop {
        let before = i;
        i = skip_space(s, i);
        match *s.get(i)? {
            b'/' if *s.get(i + 1)? == b'>' => return Some((found, i + 2)),
            _ if i == before => return None,
            _ => {}
        }
        let rest = &s[i..];
        let k = keys.iter().position(|key| {
            rest.starts_with(key) && rest.get(key.len()..key.len() + 2) == Some(b"=\"")
        })?;
        if found[k].is_some() {
            return None;
        }
        let start = keys[k].len() + 2;
        let (number, used) = value(k, &rest[start..])?;
        found[k] = Some(number);
        i += start + used;
    }
}

/// An empty element `<name .../>` at the start of `s`: its raw attribute
/// bytes (between the name and `/>`) and the bytes it takes; `None` when
/// `s` does not start so, or the element runs past `s`. The element ends
/// at its first `>`, which is only right when nothing in the attributes
/// holds one: the callers then accept the attributes only if
/// [`plain_attributes`] does (plain `key="value"` pairs, so no `>` was
/// inside a value), as quick-xml's quote-aware search would end it there
/// too.
pub(crate) fn empty_element<'a>(s: &'a [u8], name: &[u8]) -> Option<(&'a [u8], usize)> {
    let after = s.strip_prefix(b"<")?.strip_prefix(name)?;
    if !matches!(after.first(), Some(b' ' | b'\t' | b'\r' | b'\n' | b'/')) {
        return None;
    }
    let gt = memchr::memchr(b'>', after)?;
    let raw = after[..gt].strip_suffix(b"/")?;
    Some((raw, 1 + name.len() + gt + 1))
}

/// The values of `keys` among `raw`'s attributes, in the order of `keys`,
/// when every attribute is plain (see [`plain_attributes`]) and each
/// value found is [`verbatim`]: what quick-xml would read for them, without
/// its per-key searches and copies. `None` leaves the element to quick-xml.
pub(crate) fn plain_values<'a, const N: usize>(
    raw: &'a [u8],
    keys: [&[u8]; N],
) -> Option<[Option<&'a [u8]>; N]> {
    let pairs = plain_attributes(raw)?;
    let mut found = [None; N];
    for &(key, value) in pairs.pairs() {
        if let Some(slot) = keys.iter().position(|k| *k == key) {
            if !verbatim(value) {
                return None;
            }
            found[slot] = Some(value);
        }
    }
    Some(found)
}

/// [`plain_values`] as text: `None` also when a value found is not UTF-8.
pub(crate) fn plain_texts<'a, const N: usize>(
    raw: &'a [u8],
    keys: [&[u8]; N],
) -> Option<[Option<Cow<'a, str>>; N]> {
    let values = plain_values(raw, keys)?;
    let mut texts = [const { None }; N];
    for (slot, value) in texts.iter_mut().zip(values) {
        if let Some(value) = value {
            *slot = Some(Cow::Borrowed(std::str::from_utf8(value).ok()?));
        }
    }
    Some(texts)
}

/// The bytes a plain key cannot hold: whitespace, quotes, `<`, `>`, `/`.
#[allow(clippy::cast_possible_truncation)] // `b` < 256 is a byte
static NOT_IN_KEY: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = matches!(
            b as u8,
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'"' | b'\'' | b'<' | b'>' | b'/'
        );
        b += 1;
    }
    table
};

/// Whether a plain value reads as itself: no `&` or `<` (which need
/// unescaping, or are errors) and no control character (tab, newline and
/// carriage return are what XML's whitespace normalisation changes; the
/// others are left to quick-xml too).
pub(crate) fn verbatim(value: &[u8]) -> bool {
    // A fold without an early exit, which the compiler vectorises: values
    // are short, and a method's name is tens of bytes.
    value.iter().fold(0u8, |found, &b| {
        found | u8::from(b < 0x20) | u8::from(b == b'&') | u8::from(b == b'<')
    }) == 0
}

/// The pairs [`plain_attributes`] found.
pub(crate) struct PlainAttributes<'a> {
    pairs: [(&'a [u8], &'a [u8]); PLAIN_MAX],
    len: usize,
}

impl<'a> PlainAttributes<'a> {
    /// The `(key, value)` pairs in document order.
    pub(crate) fn pairs(&self) -> &[(&'a [u8], &'a [u8])] {
        &self.pairs[..self.len]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quick_xml::events::Event;
    use quick_xml::Reader;

    /// All of an element's text, as the readers collect it.
    fn text_of(xml: &str) -> Result<String, String> {
        let mut reader = Reader::from_str(xml);
        let mut out = String::new();
        loop {
            match reader.read_event().map_err(|e| e.to_string())? {
                Event::Text(t) => out.push_str(&t.decode().map_err(|e| e.to_string())?),
                Event::GeneralRef(r) => out.push_str(&general_ref(&r)?),
                Event::Eof => return Ok(out),
                _ => {}
            }
        }
    }

    #[test]
    fn entities_and_character_references_in_text_are_kept() {
        assert_eq!(
            text_of("<a>x &amp; y &lt;&#65;&#x42;&gt; &quot;q&apos;</a>").unwrap(),
            "x & y <AB> \"q'"
        );
    }

    #[test]
    fn an_undeclared_entity_is_an_error() {
        let err = text_of("<a>&nbsp;</a>").unwrap_err();
        assert!(err.contains("unknown entity `&nbsp;`"), "{err}");
    }

    /// Every plain attribute list reads as quick-xml reads it; anything
    /// else is left to quick-xml.
    #[test]
    fn plain_attributes_agree_with_quick_xml_or_decline() {
        let cases = [
            (r#"<a x="1" y='2' z=""/>"#, true),
            (r#"<a x="1"   y="2"/>"#, true),
            ("<a\n x=\"1\"\ty=\"a b\"/>", true),
            (r#"<a x = "1"/>"#, false),
            (r#"<a x="1 &amp; 2"/>"#, true),
            ("<a x=\"1\n2\"/>", true),
            (r#"<a x="1"y="2"/>"#, false),
            (r#"<a x="1" x="2"/>"#, false),
            (r"<a x/>", false),
            (r"<a x=1/>", false),
        ];
        for (xml, plain) in cases {
            let mut reader = Reader::from_str(xml);
            let Event::Empty(e) = reader.read_event().unwrap() else {
                panic!("{xml}: expected an empty element");
            };
            let found = plain_attributes(e.attributes_raw());
            assert_eq!(found.is_some(), plain, "{xml}");
            if let Some(found) = found {
                let theirs: Vec<(Vec<u8>, String)> = e
                    .attributes()
                    .map(|a| {
                        let a = a.unwrap();
                        (
                            a.key.as_ref().to_vec(),
                            attribute_value(&a).unwrap().into_owned(),
                        )
                    })
                    .collect();
                // The keys always agree, the values where they are verbatim.
                let ours: Vec<&[u8]> = found.pairs().iter().map(|(k, _)| *k).collect();
                let keys: Vec<&[u8]> = theirs.iter().map(|(k, _)| k.as_slice()).collect();
                assert_eq!(ours, keys, "{xml}");
                for ((_, value), (_, theirs)) in found.pairs().iter().zip(&theirs) {
                    if verbatim(value) {
                        assert_eq!(std::str::from_utf8(value).unwrap(), theirs, "{xml}");
                    } else {
                        assert_ne!(std::str::from_utf8(value).unwrap(), theirs, "{xml}");
                    }
                }
            }
        }
    }

    #[test]
    fn attribute_values_are_unescaped() {
        let mut reader = Reader::from_str(r#"<a v="1 &amp; 2&#10;3"/>"#);
        let Event::Empty(e) = reader.read_event().unwrap() else {
            panic!("expected an empty element");
        };
        let a = e.try_get_attribute("v").unwrap().unwrap();
        assert_eq!(attribute_value(&a).unwrap(), "1 & 2\n3");
    }
}
