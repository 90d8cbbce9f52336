//! The effective policy after `extends`, written back as TOML for
//! `tollgate policy show`, so a maintainer sees exactly what a gate demands.
//!
//! The TOML is the validated model serialised (see `model.rs`), not a
//! template: a field added to the model is shown without anyone remembering
//! to, and the output is a policy file that `policy validate` accepts and
//! that loads back to the same model.

use std::fmt::Write as _;

use serde::Serialize;

use super::{Diagnostic, Diagnostics, Policy, SCHEMA};

/// A policy as the file that would define it: `schema` first, then the
/// model's own fields.
#[derive(Serialize)]
pub(super) struct Shown<'a> {
    schema: i64,
    #[serde(flatten)]
    policy: &'a Policy,
}

impl<'a> Shown<'a> {
    pub(super) fn new(policy: &'a Policy) -> Self {
        Self {
            schema: SCHEMA,
            policy,
        }
    }
}

/// A value of the model that TOML cannot hold: a bug in the model's
/// `Serialize`, reported against the policy rather than panicking.
pub(super) fn unwritable(policy: &Policy, e: &dyn std::fmt::Display) -> Diagnostics {
    Diagnostics(vec![Diagnostic {
        path: policy.source.path.clone().into(),
        line: 0,
        column: 0,
        message: format!("cannot be written back as TOML: {e}"),
    }])
}

/// Renders the effective policy as TOML, after comments saying which files
/// (and exactly which bytes) it came from.
pub fn describe(p: &Policy) -> Result<String, Diagnostics> {
    let body = toml::to_string(&Shown::new(p)).map_err(|e| unwritable(p, &e))?;
    let mut o = format!(
        "# effective policy `{}` from {} (sha256 {})\n",
        p.name, p.source.path, p.source.sha256
    );
    for parent in &p.inherited {
        let _ = writeln!(
            o,
            "# extends {} {} from {} (sha256 {})",
            parent.name, parent.version, parent.path, parent.sha256
        );
    }
    o.push_str(&body);
    Ok(o)
}
