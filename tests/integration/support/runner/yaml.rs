//! Reading workflow and action YAML: scalars as the runner sees them (every
//! scalar is text until an expression says otherwise), mappings in file
//! order, and key checks that reject what the runner does not emulate.

use std::path::Path;

use serde_json::Value;
use yaml_rust2::{Yaml, YamlLoader};

/// Loads a one-document YAML file.
pub fn load(path: &Path) -> Result<Yaml, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut docs = YamlLoader::load_from_str(&text)
        .map_err(|e| format!("{}: not YAML: {e}", path.display()))?;
    if docs.len() != 1 {
        return Err(format!("{}: expected one YAML document", path.display()));
    }
    Ok(docs.remove(0))
}

/// A scalar as text (`None` for null, sequences and mappings).
pub fn scalar(y: &Yaml) -> Option<String> {
    match y {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A mapping's entries in file order (empty for anything else).
pub fn entries(y: &Yaml) -> Vec<(String, &Yaml)> {
    y.as_hash()
        .map(|h| {
            h.iter()
                .filter_map(|(k, v)| scalar(k).map(|k| (k, v)))
                .collect()
        })
        .unwrap_or_default()
}

/// A YAML value as JSON (for `toJSON` of a mapping and for payloads).
pub fn to_json(y: &Yaml) -> Value {
    match y {
        Yaml::Integer(i) => Value::from(*i),
        Yaml::Real(s) => s
            .parse::<f64>()
            .map_or(Value::String(s.clone()), Value::from),
        Yaml::String(s) => Value::String(s.clone()),
        Yaml::Boolean(b) => Value::Bool(*b),
        Yaml::Array(items) => Value::Array(items.iter().map(to_json).collect()),
        Yaml::Hash(_) => Value::Object(
            entries(y)
                .into_iter()
                .map(|(k, v)| (k, to_json(v)))
                .collect(),
        ),
        _ => Value::Null,
    }
}

/// A string or a list of strings (`needs: a` and `needs: [a, b]`).
pub fn string_list(y: &Yaml) -> Vec<String> {
    match y {
        Yaml::Array(items) => items.iter().filter_map(scalar).collect(),
        other => scalar(other).into_iter().collect(),
    }
}

/// Panics when `y` has a key outside `supported`; `unsupported` keys get a
/// message saying the runner does not emulate them.
pub fn check_keys(y: &Yaml, supported: &[&str], unsupported: &[&str], at: &str) {
    for (key, _) in entries(y) {
        assert!(
            !unsupported.contains(&key.as_str()),
            "workflow runner: {at}: `{key}` is not supported by the scripted runner"
        );
        assert!(
            supported.contains(&key.as_str()),
            "workflow runner: {at}: unknown key `{key}`"
        );
    }
}
