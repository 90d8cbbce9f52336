//! The two pieces of XML decoding the Cobertura and JUnit readers share:
//! attribute values and entity references in text.
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
use quick_xml::events::BytesRef;
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
