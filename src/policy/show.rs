//! The effective policy after `extends`, written back as TOML for
//! `tollgate policy show`, so a maintainer sees exactly what a gate demands.

use std::fmt::Write as _;

use super::Policy;

fn quote(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

/// `[checks] required`: plain names, and bound entries as inline tables.
fn required_checks(items: &[super::RequiredCheck]) -> String {
    let entry = |r: &super::RequiredCheck| match (&r.app, &r.workflow) {
        (None, _) => quote(&r.name),
        (Some(app), None) => format!("{{ name = {}, app = {} }}", quote(&r.name), quote(app)),
        (Some(app), Some(w)) => format!(
            "{{ name = {}, app = {}, workflow = {} }}",
            quote(&r.name),
            quote(app),
            quote(w)
        ),
    };
    format!(
        "[{}]",
        items.iter().map(entry).collect::<Vec<_>>().join(", ")
    )
}

fn list(items: &[String]) -> String {
    format!(
        "[{}]",
        items
            .iter()
            .map(|s| quote(s))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// Renders the effective policy as TOML with provenance comments.
#[allow(clippy::too_many_lines)] // one straight template, section by section; splitting it would only scatter it
#[must_use]
pub fn describe(p: &Policy) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "# effective policy `{}` from {} (sha256 {})",
        p.name, p.source.path, p.source.sha256
    );
    for parent in &p.inherited {
        let _ = writeln!(
            o,
            "# extends {} {} from {} (sha256 {})",
            parent.name, parent.version, parent.path, parent.sha256
        );
    }
    let _ = writeln!(
        o,
        "schema = {}\nname = {}\ntitle = {}\nversion = {}",
        super::SCHEMA,
        quote(&p.name),
        quote(&p.title),
        quote(&p.version.to_string())
    );
    if let Some(c) = &p.coverage {
        let _ = writeln!(o, "\n[coverage]\noptional = {}", c.optional);
        for (k, v) in [
            ("lines", c.lines),
            ("branches", c.branches),
            ("functions", c.functions),
            ("patch", c.patch),
        ] {
            if let Some(t) = v {
                let _ = writeln!(o, "{k} = {}", t.percent());
            }
        }
        for path in &c.paths {
            let _ = writeln!(o, "[[coverage.paths]]\nglob = {}", quote(&path.glob));
            for (k, v) in [
                ("lines", path.lines),
                ("branches", path.branches),
                ("functions", path.functions),
            ] {
                if let Some(t) = v {
                    let _ = writeln!(o, "{k} = {}", t.percent());
                }
            }
        }
    }
    if let Some(a) = &p.audit {
        let fail_on = a.fail_on.as_str();
        let _ = writeln!(
            o,
            "\n[audit]\noptional = {}\nfail_on = {}\nunscored = {}\nwarnings = {}",
            a.optional,
            quote(fail_on),
            quote(if a.unscored_fails { "fail" } else { "pass" }),
            list(&a.warnings)
        );
        for i in &a.ignore {
            let _ = writeln!(
                o,
                "[[audit.ignore]]\nid = {}\nreason = {}",
                quote(&i.id),
                quote(&i.reason)
            );
            if let Some(e) = i.expires {
                let _ = writeln!(o, "expires = {e}");
            }
        }
    }
    if let Some(r) = &p.reviews {
        let _ = writeln!(
            o,
            "\n[reviews]\noptional = {}\napprovals = {}\ncurrent_head_only = {}\nblock_on_changes_requested = {}\nassociations = {}",
            r.optional, r.approvals, r.current_head_only, r.block_on_changes_requested, list(&r.associations)
        );
    }
    if let Some(b) = &p.benchmarks {
        let _ = writeln!(o, "\n[benchmarks]\noptional = {}", b.optional);
        if let Some(m) = b.max_regression {
            let _ = writeln!(o, "max_regression = {m}");
        }
        for s in &b.slo {
            let _ = writeln!(
                o,
                "[[benchmarks.slo]]\nbench = {}\nmax = {}",
                quote(&s.bench),
                quote(&s.max_text)
            );
        }
    }
    if let Some(t) = &p.tests {
        let _ = writeln!(
            o,
            "\n[tests]\noptional = {}\nall_pass = {}\nmin_tests = {}",
            t.optional, t.all_pass, t.min_tests
        );
    }
    if let Some(c) = &p.checks {
        let _ = writeln!(
            o,
            "\n[checks]\noptional = {}\nrequired = {}\nallow_neutral = {}\nallow_skipped = {}",
            c.optional,
            required_checks(&c.required),
            c.allow_neutral,
            c.allow_skipped
        );
    }
    if let Some(r) = &p.release {
        let _ = writeln!(
            o,
            "\n[release]\noptional = {}\nversion_matches_tag = {}",
            r.optional, r.version_matches_tag
        );
        if let Some(c) = &r.changelog {
            let _ = writeln!(o, "changelog = {}", quote(c));
        }
    }
    for s in &p.signoffs {
        let _ = writeln!(
            o,
            "\n[[signoffs]]\nid = {}\ntitle = {}\nprincipals = {}\ncount = {}",
            quote(&s.id),
            quote(&s.title),
            list(&s.principals),
            s.count
        );
    }
    for d in &p.documents {
        let _ = writeln!(
            o,
            "\n[[documents]]\nid = {}\ntitle = {}\nglob = {}\nmin_files = {}\noptional = {}",
            quote(&d.id),
            quote(&d.title),
            quote(&d.glob),
            d.min_files,
            d.optional
        );
        if let Some(m) = &d.marker {
            let _ = writeln!(o, "marker = {}", quote(m));
        }
    }
    let ov = &p.overrides;
    let _ = writeln!(
        o,
        "\n[overrides]\nmin_signers = {}\nnot_overridable = {}",
        ov.min_signers,
        list(
            &ov.not_overridable
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
        )
    );
    if let Some(s) = &ov.signers {
        let _ = writeln!(o, "signers = {}", quote(s));
    }
    o
}
