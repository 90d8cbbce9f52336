//! The runner's two command channels: workflow commands printed on a step's
//! stdout or stderr (`::add-mask::`, `::error …::`, `::group::`, …) and the
//! environment files a step appends to (`GITHUB_OUTPUT`, `GITHUB_ENV`,
//! `GITHUB_PATH`, `GITHUB_STEP_SUMMARY`), parsed as the runner parses them.

use std::collections::BTreeMap;

/// An `::error`, `::warning` or `::notice` annotation (or one the runner
/// raised itself, such as "Process completed with exit code 1.").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Annotation {
    /// `error`, `warning` or `notice`.
    pub level: String,
    /// The message, unescaped.
    pub message: String,
    /// `title`, `file`, `line`, `endLine`, `col`, `endColumn`, unescaped.
    pub properties: BTreeMap<String, String>,
    /// The job that raised it.
    pub job: String,
    /// The step that raised it.
    pub step: String,
}

/// A parsed `::name key=value,…::data` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkflowCommand {
    /// The command, e.g. `add-mask`.
    pub name: String,
    /// Its properties, unescaped.
    pub properties: BTreeMap<String, String>,
    /// Its data, unescaped.
    pub data: String,
}

fn unescape_data(s: &str) -> String {
    s.replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%25", "%")
}

fn unescape_property(s: &str) -> String {
    s.replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%3A", ":")
        .replace("%2C", ",")
        .replace("%25", "%")
}

/// Parses one output line as a workflow command (`None`: an ordinary line).
pub fn parse_command(line: &str) -> Option<WorkflowCommand> {
    let line = line.strip_suffix('\r').unwrap_or(line);
    let rest = line.trim_start().strip_prefix("::")?;
    let (head, data) = rest.split_once("::")?;
    let (name, props) = match head.split_once(' ') {
        Some((n, p)) => (n, p),
        None => (head, ""),
    };
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return None;
    }
    let mut properties = BTreeMap::new();
    for pair in props.split(',').filter(|p| !p.trim().is_empty()) {
        if let Some((k, v)) = pair.split_once('=') {
            properties.insert(k.trim().to_owned(), unescape_property(v));
        }
    }
    Some(WorkflowCommand {
        name: name.to_owned(),
        properties,
        data: unescape_data(data),
    })
}

/// Parses the contents of a `GITHUB_OUTPUT`/`GITHUB_ENV` file: `name=value`
/// lines and `name<<DELIMITER` heredocs. Errors name the offending line.
pub fn parse_key_values(text: &str, file: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    let lines: Vec<&str> = text.split('\n').collect();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].strip_suffix('\r').unwrap_or(lines[i]);
        i += 1;
        if line.is_empty() {
            continue;
        }
        let heredoc = line.find("<<");
        let equals = line.find('=');
        match (equals, heredoc) {
            (Some(eq), h) if h.is_none_or(|h| eq < h) => {
                let (name, value) = (&line[..eq], &line[eq + 1..]);
                if name.is_empty() {
                    return Err(format!("{file}: invalid format `{line}`: empty name"));
                }
                out.push((name.to_owned(), value.to_owned()));
            }
            (_, Some(h)) => {
                let (name, delimiter) = (&line[..h], &line[h + 2..]);
                if name.is_empty() || delimiter.is_empty() {
                    return Err(format!("{file}: invalid format `{line}`"));
                }
                let mut value = Vec::new();
                loop {
                    let Some(raw) = lines.get(i) else {
                        return Err(format!(
                            "{file}: matching delimiter not found `{delimiter}`"
                        ));
                    };
                    i += 1;
                    let l = raw.strip_suffix('\r').unwrap_or(raw);
                    if l == delimiter {
                        break;
                    }
                    value.push(l);
                }
                out.push((name.to_owned(), value.join("\n")));
            }
            _ => return Err(format!("{file}: invalid format `{line}`")),
        }
    }
    Ok(out)
}

/// Parses a `GITHUB_PATH` file: one directory per non-empty line.
pub fn parse_path_file(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect()
}
