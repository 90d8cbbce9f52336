//! Reading a TOML file of ours into its raw struct while collecting every
//! syntax error, type error and unknown key with its line and column.

use std::fmt::Write as _;
use std::ops::Range;

use serde::de::DeserializeOwned;
use toml_edit::{ImDocument, Item, Table, Value};

use super::diag::{closest, DiagSink};
use super::keys::{self, File};

/// One step of a key path inside a document.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

/// Parses `text` as `T`. Unknown keys and the first type error are recorded
/// in `sink`; returns `None` when the document cannot be used at all.
pub(crate) fn parse_toml<T: DeserializeOwned>(
    text: &str,
    file: File,
    sink: &mut DiagSink<'_>,
) -> Option<T> {
    let doc = match ImDocument::parse(text) {
        Ok(doc) => doc,
        Err(e) => {
            sink.at(
                e.span(),
                format!("invalid TOML: {}", first_line(e.message())),
            );
            return None;
        }
    };
    let mut unknown: Vec<Vec<Step>> = Vec::new();
    let result = serde_ignored::deserialize(toml::Deserializer::new(text), |path| {
        unknown.push(steps(&path));
    });
    for path in &unknown {
        let (span, shown) = locate(&doc, path);
        let (table, key, mut message) = match shown.rsplit_once('.') {
            Some((table, key)) => (table, key, format!("unknown key `{key}` in `[{table}]`")),
            None => ("", shown.as_str(), format!("unknown key `{shown}`")),
        };
        message.push_str(&suggestion(file, table, key));
        sink.at(span, message);
    }
    match result {
        // Keep going after unknown keys so semantic problems are reported in the same run.
        Ok(value) => Some(value),
        Err(e) => {
            sink.at(e.span(), first_line(e.message()).to_owned());
            None
        }
    }
}

/// "did you mean" the known key nearest to `key` in `table` (a shown path
/// such as `coverage.paths[0]`), or else the keys that table has.
fn suggestion(file: File, table: &str, key: &str) -> String {
    let mut normal = String::with_capacity(table.len());
    let mut in_index = false;
    for c in table.chars() {
        match c {
            '[' => {
                in_index = true;
                normal.push_str("[]");
            }
            ']' => in_index = false,
            _ if in_index => {}
            c => normal.push(c),
        }
    }
    let known = keys::names_in(file, &normal);
    match closest(key, known.iter().copied()) {
        Some(near) => format!("; did you mean `{near}`?"),
        None if known.is_empty() => String::new(),
        None => format!("; known keys here: {}", known.join(", ")),
    }
}

fn first_line(message: &str) -> &str {
    message.lines().next().unwrap_or(message).trim()
}

/// Turns `serde_ignored`'s path into steps, dropping the wrapper levels that
/// `toml::Spanned` introduces.
fn steps(path: &serde_ignored::Path<'_>) -> Vec<Step> {
    use serde_ignored::Path;
    let mut out = Vec::new();
    let mut cur = Some(path);
    while let Some(p) = cur {
        cur = match p {
            Path::Root => None,
            Path::Seq { parent, index } => {
                out.push(Step::Index(*index));
                Some(*parent)
            }
            Path::Map { parent, key } => {
                // `toml::Spanned` wraps a value in a map of private keys.
                if !key.starts_with("$__toml_private")
                    && !key.starts_with("$__serde_spanned_private")
                {
                    out.push(Step::Key(key.clone()));
                }
                Some(*parent)
            }
            Path::Some { parent }
            | Path::NewtypeStruct { parent }
            | Path::NewtypeVariant { parent } => Some(*parent),
        };
    }
    out.reverse();
    out
}

#[derive(Clone, Copy)]
enum Node<'a> {
    Item(&'a Item),
    Table(&'a Table),
    Value(&'a Value),
}

/// Finds the span of the key at `path` and a dotted display form of it.
fn locate(doc: &ImDocument<&str>, path: &[Step]) -> (Option<Range<usize>>, String) {
    let mut node = Node::Table(doc.as_table());
    let mut span = None;
    let mut shown = String::new();
    for step in path {
        match step {
            Step::Key(k) => {
                if !shown.is_empty() {
                    shown.push('.');
                }
                shown.push_str(k);
            }
            Step::Index(i) => {
                let _ = write!(shown, "[{i}]");
            }
        }
        let next = match (node, step) {
            (Node::Table(t) | Node::Item(Item::Table(t)), Step::Key(k)) => t
                .get_key_value(k)
                .map(|(key, item)| (key.span(), Node::Item(item))),
            (
                Node::Item(Item::Value(Value::InlineTable(t))) | Node::Value(Value::InlineTable(t)),
                Step::Key(k),
            ) => t
                .get_key_value(k)
                .map(|(key, item)| (key.span(), Node::Item(item))),
            (Node::Item(Item::ArrayOfTables(a)), Step::Index(i)) => {
                a.get(*i).map(|t| (t.span(), Node::Table(t)))
            }
            (
                Node::Item(Item::Value(Value::Array(a))) | Node::Value(Value::Array(a)),
                Step::Index(i),
            ) => a.get(*i).map(|v| (v.span(), Node::Value(v))),
            _ => None,
        };
        match next {
            Some((s, n)) => {
                span = s.or(span);
                node = n;
            }
            None => break,
        }
    }
    (span, shown)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::policy::raw::RawPolicy;

    fn diags(text: &str) -> Vec<String> {
        let mut sink = DiagSink::new(Path::new("p.toml"), text);
        let _ = parse_toml::<RawPolicy>(text, File::Policy, &mut sink);
        sink.found.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn every_unknown_key_is_reported_with_its_position() {
        let found = diags("schema = 1\ncolour = 1\n[coverage]\nlines = 80.0\nlynes = 3\n[[coverage.paths]]\nglob = \"a\"\nline = 3\n");
        assert_eq!(
            found,
            vec![
                "p.toml:2:1: unknown key `colour`; known keys here: schema, name, title, description, version, extends, coverage, audit, reviews, benchmarks, tests, checks, release, signoffs, documents, overrides",
                "p.toml:5:1: unknown key `lynes` in `[coverage]`; did you mean `lines`?",
                "p.toml:8:1: unknown key `line` in `[coverage.paths[0]]`; did you mean `lines`?",
            ]
        );
    }

    #[test]
    fn type_errors_point_at_the_value() {
        let found = diags("schema = 1\n[coverage]\nlines = \"eighty\"\n");
        assert_eq!(found.len(), 1);
        assert!(
            found[0].starts_with("p.toml:3:9: invalid type"),
            "{found:?}"
        );
    }

    #[test]
    fn syntax_errors_point_at_the_spot() {
        let found = diags("schema = 1\n[coverage\n");
        assert_eq!(found.len(), 1);
        assert!(found[0].starts_with("p.toml:2:"), "{found:?}");
    }
}
