//! tollgate: decides whether a commit may pass a release gate, and says why.
//!
//! The crate follows one verdict from the edges to the middle and back out:
//! [`evidence`] turns other tools' outputs into neutral models, [`policy`]
//! turns policy files into validated rules, [`gather`] collects the
//! evidence a gate needs from an evidence root and the trusted repository,
//! [`eval`] is the pure judge, and [`report`] renders the resulting
//! [`eval::Verdict`]. Only [`cli`] wires the pieces together; [`rules`] is
//! the catalogue of every rule id they share.
#![forbid(unsafe_code)]

pub mod cli;
pub mod context;
pub mod eval;
pub mod evidence;
pub mod exit;
pub mod gather;
pub mod git;
pub mod github;
pub mod input;
pub mod overrides;
pub mod policy;
pub mod principals;
pub mod report;
pub mod rules;
pub mod terminal;

/// The dependency drawing of `docs/architecture.md`, checked: no module
/// imports one that sits above it, so models stay where they belong.
#[cfg(test)]
mod architecture {
    use std::collections::BTreeSet;
    use std::path::Path;

    /// (module, modules it must never import).
    const FORBIDDEN: &[(&str, &[&str])] = &[
        (
            "eval",
            &["cli", "context", "git", "github", "overrides", "report"],
        ),
        ("evidence", &["cli", "eval", "overrides", "report"]),
        (
            "policy",
            &["cli", "eval", "evidence", "overrides", "report"],
        ),
        ("overrides", &["cli", "github", "report"]),
        // `github` sends the check-run payload that `report::github`
        // renders (its one use of `report`, checked below); it never reads
        // a verdict or renders anything itself.
        ("github", &["cli", "eval", "overrides"]),
        (
            "principals",
            &[
                "cli",
                "eval",
                "evidence",
                "github",
                "overrides",
                "policy",
                "report",
            ],
        ),
        (
            "report",
            &["cli", "evidence", "github", "overrides", "policy"],
        ),
    ];

    /// Top-level modules named after `crate::` in `text`, comments left out.
    fn imports(text: &str) -> BTreeSet<String> {
        let code: String = text
            .lines()
            .map(|l| l.split("//").next().unwrap_or(""))
            .collect::<Vec<_>>()
            .join("\n");
        let mut out = BTreeSet::new();
        for (i, _) in code.match_indices("crate::") {
            let rest = &code[i + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                // `use crate::{a::X, b, c::{..}}`: the first segment of each top-level item.
                let mut depth = 0;
                let mut item = String::new();
                for c in group.chars() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => break,
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            out.extend(first_segment(&item));
                            item.clear();
                        }
                        c => item.push(c),
                    }
                }
                out.extend(first_segment(&item));
            } else {
                out.extend(first_segment(rest));
            }
        }
        out
    }

    fn first_segment(path: &str) -> Option<String> {
        let name: String = path
            .trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        (!name.is_empty()).then_some(name)
    }

    fn visit(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                visit(&path, files);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }

    #[test]
    fn no_dependency_runs_back_up() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        visit(&src, &mut files);
        let mut wrong = Vec::new();
        for file in &files {
            let rel = file.strip_prefix(&src).unwrap();
            let top = rel
                .components()
                .next()
                .unwrap()
                .as_os_str()
                .to_string_lossy();
            let top = top.trim_end_matches(".rs");
            let Some((_, forbidden)) = FORBIDDEN.iter().find(|(m, _)| *m == top) else {
                continue;
            };
            let text = std::fs::read_to_string(file).unwrap();
            for used in imports(&text) {
                if forbidden.contains(&used.as_str()) {
                    wrong.push(format!("{} imports crate::{used}", rel.display()));
                }
            }
            if top == "github" {
                for (i, _) in text.match_indices("crate::report::") {
                    if !text[i..].starts_with("crate::report::github::") {
                        wrong.push(format!(
                            "{} uses report beyond the check-run payload",
                            rel.display()
                        ));
                    }
                }
            }
        }
        assert!(
            wrong.is_empty(),
            "arrows running back up:\n{}",
            wrong.join("\n")
        );
        assert!(imports(
            "use crate::{eval::{A, B}, policy};\nlet x = crate::report::y; // crate::cli"
        )
        .into_iter()
        .eq(["eval", "policy", "report"]));
    }
}
