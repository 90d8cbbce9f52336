//! Source paths as coverage producers write them, turned into the
//! repository-relative, `/`-separated paths the rest of tollgate globs and
//! diffs against (docs/formats.md, paths).
//!
//! Producers write whatever their build machine saw: absolute paths under a
//! CI checkout (`/home/runner/work/app/app/src/lib.rs`), paths relative to
//! where they ran (`./src/lib.rs`), Windows paths (`C:\a\src\lib.rs`). In
//! order, [`PathNormalizer::normalize`]:
//!
//! 1. turns `\` into `/` and cleans the path lexically (`.` and empty
//!    components dropped, `a/..` folded);
//! 2. strips the first `--strip-prefix` value that matches, longest first;
//! 3. strips the repository root, as given or canonicalised;
//! 4. for an absolute path from another machine, strips the shortest prefix
//!    whose remainder exists under the repository root, and remembers that
//!    prefix so the rest of the report is stripped the same way without
//!    touching the file system again;
//! 5. otherwise leaves the path as it is (cleaned): a relative path is
//!    assumed relative to the repository root, which is where producers run.
//!
//! Prefixes only ever match whole components: `/repo` does not strip
//! `/repository/x`.
//!
//! File system cost (issue 14): a relative path never touches the file
//! system, and the canonical form of the root is only worked out when an
//! absolute path does not match the root as given. The existence search of
//! step 4 does not `stat` candidate paths: a monorepo report from another
//! machine has tens of thousands of files, each with a dozen candidate
//! tails that mostly do not exist, which cost 300,000 failing `statx`
//! calls. Instead it reads each directory of the repository that a
//! candidate reaches once, and answers from the names it holds
//! (`RepoTree`); a candidate whose first component is not in the root
//! costs nothing. The listings are shared by the clones of a normalizer, so
//! the parts of a tracefile read in parallel read each directory once
//! between them.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

/// Turns producers' paths into repository-relative ones; see the module doc.
///
/// It caches its answers: a report names the same file once per test
/// section, and each name is worked out once.
/// Clones share the directory listings read so far (see the module doc).
#[derive(Debug, Clone, Default)]
pub struct PathNormalizer {
    /// The repository's directories as far as they have been read; `None`
    /// without a root.
    tree: Option<Arc<RepoTree>>,
    /// The repository root as given, cleaned, no trailing `/` (when absolute).
    roots: Vec<String>,
    /// `--strip-prefix` values, cleaned, longest first.
    strip: Vec<String>,
    /// Prefixes found by the existence search (step 4).
    learned: Vec<String>,
    cache: HashMap<String, String>,
}

impl PathNormalizer {
    /// A normalizer for a repository at `repo_root` (when known) with extra
    /// prefixes to strip.
    #[must_use]
    pub fn new(repo_root: Option<&Path>, strip_prefixes: &[String]) -> Self {
        let mut roots = Vec::new();
        if let Some(root) = repo_root {
            roots.push(clean(&root.to_string_lossy()));
        }
        roots.retain(|r| is_absolute(r));
        let mut strip: Vec<String> = strip_prefixes
            .iter()
            .map(|p| clean(p))
            .filter(|p| !p.is_empty() && p != ".")
            .collect();
        strip.sort_by_key(|p| std::cmp::Reverse(p.len()));
        Self {
            tree: repo_root.map(|root| Arc::new(RepoTree::new(root))),
            roots,
            strip,
            learned: Vec::new(),
            cache: HashMap::new(),
        }
    }

    /// The repository-relative form of `raw`, or `raw` cleaned when it
    /// cannot be made relative (see the module doc).
    pub fn normalize(&mut self, raw: &str) -> String {
        if let Some(done) = self.cache.get(raw) {
            return done.clone();
        }
        let done = self.normalize_uncached(raw);
        self.cache.insert(raw.to_owned(), done.clone());
        done
    }

    /// Like [`PathNormalizer::normalize`], but `None` when the path stays
    /// absolute, so a caller can try another spelling of the same file.
    pub fn relative(&mut self, raw: &str) -> Option<String> {
        let done = self.normalize(raw);
        (!is_absolute(&done)).then_some(done)
    }

    fn normalize_uncached(&mut self, raw: &str) -> String {
        let path = clean(raw);
        for prefix in self.strip.iter().chain(&self.roots) {
            if let Some(rest) = strip_component_prefix(&path, prefix) {
                return rest.to_owned();
            }
        }
        // Roots and learned prefixes are absolute: a relative path is done,
        // without a look at the file system.
        if !is_absolute(&path) {
            return path;
        }
        // The canonical root before the learned prefixes, as a learned
        // prefix may be a prefix of the root itself.
        if let Some(canonical) = self.tree.as_ref().and_then(|t| t.canonical_root()) {
            if let Some(rest) = strip_component_prefix(&path, canonical) {
                return rest.to_owned();
            }
        }
        for prefix in &self.learned {
            if let Some(rest) = strip_component_prefix(&path, prefix) {
                return rest.to_owned();
            }
        }
        self.search_suffix(&path).unwrap_or(path)
    }

    /// Step 4: the longest tail of `path` that exists under the root.
    fn search_suffix(&mut self, path: &str) -> Option<String> {
        let tree = self.tree.as_ref()?;
        let starts = path
            .char_indices()
            .filter(|&(i, c)| c == '/' && i + 1 < path.len())
            .map(|(i, _)| i + 1);
        for start in starts {
            let tail = &path[start..];
            if tree.contains(tail) {
                let prefix = path[..start].trim_end_matches('/').to_owned();
                if !prefix.is_empty() {
                    self.learned.push(prefix);
                }
                return Some(tail.to_owned());
            }
        }
        None
    }
}

/// The repository's directories, each read at most once, for the
/// existence search (see the module doc).
#[derive(Debug)]
struct RepoTree {
    root: PathBuf,
    /// The root's canonical form, cleaned, when it differs from the root as
    /// given and is absolute; worked out on first need.
    canonical: OnceLock<Option<String>>,
    /// Directory (relative to the root, `""` for the root) to the names in
    /// it; `None` when it could not be read (absent, not a directory).
    listings: Mutex<HashMap<String, Option<HashSet<String>>>>,
}

impl RepoTree {
    fn new(root: &Path) -> Self {
        Self {
            root: root.to_path_buf(),
            canonical: OnceLock::new(),
            listings: Mutex::new(HashMap::new()),
        }
    }

    fn canonical_root(&self) -> Option<&str> {
        self.canonical
            .get_or_init(|| {
                let given = clean(&self.root.to_string_lossy());
                let canonical = clean(&self.root.canonicalize().ok()?.to_string_lossy());
                (canonical != given && is_absolute(&canonical)).then_some(canonical)
            })
            .as_deref()
    }

    /// Whether the cleaned relative path `rel` names an entry under the
    /// root, judged by directory listings alone.
    fn contains(&self, rel: &str) -> bool {
        // A poisoned lock only means another reader panicked mid-insert of
        // a whole listing; the map is still consistent.
        let mut listings = self.listings.lock().unwrap_or_else(PoisonError::into_inner);
        let mut dir_end = 0;
        for (i, component) in rel.split('/').enumerate() {
            let dir = &rel[..dir_end];
            let names = listings
                .entry(dir.to_owned())
                .or_insert_with(|| read_names(&self.root.join(dir)));
            if !names.as_ref().is_some_and(|n| n.contains(component)) {
                return false;
            }
            dir_end = if i == 0 {
                component.len()
            } else {
                dir_end + 1 + component.len()
            };
        }
        true
    }
}

/// The names in directory `dir`, or `None` when it cannot be listed. Names
/// that are not UTF-8 cannot match a report's (UTF-8) path and are left out.
fn read_names(dir: &Path) -> Option<HashSet<String>> {
    let entries = std::fs::read_dir(dir).ok()?;
    Some(
        entries
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .collect(),
    )
}

/// `/`-separated, lexically cleaned form of a path: `\` becomes `/`, empty
/// and `.` components go, `x/..` folds away (a leading `..` of a relative
/// path stays, and `..` at the root of an absolute path is dropped).
#[must_use]
pub fn clean(raw: &str) -> String {
    let unified = raw.replace('\\', "/");
    let absolute = is_absolute(&unified);
    let (head, body) = split_root(&unified);
    let mut parts: Vec<&str> = Vec::new();
    for part in body.split('/') {
        match part {
            "" | "." => {}
            ".." => match parts.last() {
                Some(&last) if last != ".." => {
                    parts.pop();
                }
                _ if absolute => {}
                _ => parts.push(".."),
            },
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    if head.is_empty() && joined.is_empty() {
        ".".to_owned()
    } else {
        format!("{head}{joined}")
    }
}

/// Why a path as a report writes it cannot name a file at all, if it
/// cannot: a NUL byte ends a name on every system tollgate runs on, so a
/// report holding one is corrupt, and its lines belong to no file the
/// policy's globs could match. Shown escaped, as the terminal needs.
#[must_use]
pub fn impossible_name(raw: &str) -> Option<String> {
    raw.contains('\0').then(|| {
        format!("path {raw:?} holds a NUL byte, which no file name can: the report is corrupt")
    })
}

/// Whether a normalised path leaves the repository: a relative path whose
/// first component is `..` (`../src/crypto/x.rs`). Such a file is outside
/// every glob of the policy, so a reader refuses it instead of letting it
/// slip past a critical-path rule (docs/formats.md, paths).
#[must_use]
pub fn leaves_root(normalized: &str) -> bool {
    normalized == ".." || normalized.starts_with("../")
}

/// Whether a cleaned or raw path is absolute on Unix (`/x`) or Windows
/// (`C:/x`, `//server/share`).
#[must_use]
pub fn is_absolute(path: &str) -> bool {
    let bytes = path.as_bytes();
    bytes.first() == Some(&b'/')
        || bytes.first() == Some(&b'\\')
        || (bytes.len() >= 3
            && bytes[0].is_ascii_alphabetic()
            && bytes[1] == b':'
            && (bytes[2] == b'/' || bytes[2] == b'\\'))
}

/// Splits `/`-unified `path` into its root (`/`, `C:/` or nothing) and the rest.
fn split_root(path: &str) -> (&str, &str) {
    if path.starts_with('/') {
        path.split_at(1)
    } else if is_absolute(path) {
        path.split_at(3)
    } else {
        ("", path)
    }
}

/// `path` without `prefix`, when `prefix` is a whole-component prefix.
fn strip_component_prefix<'p>(path: &'p str, prefix: &str) -> Option<&'p str> {
    let rest = path.strip_prefix(prefix)?;
    if prefix.ends_with('/') {
        return (!rest.is_empty()).then_some(rest);
    }
    let rest = rest.strip_prefix('/')?;
    (!rest.is_empty()).then_some(rest)
}

/// The path a Cobertura `<class filename>` names, given the report's
/// `<source>` entries: the first source under which the file resolves to a
/// repository-relative path; else `filename` itself when it is relative
/// (producers write it relative to a source that is usually the repository
/// root); else the normalised absolute path.
pub fn resolve_cobertura(
    normalizer: &mut PathNormalizer,
    sources: &[String],
    filename: &str,
) -> String {
    if is_absolute(filename) || sources.is_empty() {
        return normalizer.normalize(filename);
    }
    for source in sources {
        let joined = format!("{}/{filename}", source.trim_end_matches(['/', '\\']));
        if let Some(relative) = normalizer.relative(&joined) {
            if !relative.starts_with("../") {
                return relative;
            }
        }
    }
    normalizer.normalize(filename)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed set-up step should stop the test loudly
mod tests {
    use super::*;

    #[test]
    fn cleans_lexically() {
        assert_eq!(clean("./src/lib.rs"), "src/lib.rs");
        assert_eq!(clean("src//a/./b/../lib.rs"), "src/a/lib.rs");
        assert_eq!(clean("../x/y"), "../x/y");
        assert_eq!(clean("/../x"), "/x");
        assert_eq!(clean("C:\\build\\src\\lib.rs"), "C:/build/src/lib.rs");
        assert_eq!(clean("/a/b/"), "/a/b");
        assert_eq!(clean("."), ".");
        assert_eq!(clean("/"), "/");
    }

    #[test]
    fn strips_given_prefixes_on_component_boundaries() {
        let mut n = PathNormalizer::new(None, &["/ci/work".into(), "/ci/work/app/".into()]);
        assert_eq!(n.normalize("/ci/work/app/src/lib.rs"), "src/lib.rs");
        assert_eq!(n.normalize("/ci/work/other/x.rs"), "other/x.rs");
        assert_eq!(n.normalize("/ci/workshop/x.rs"), "/ci/workshop/x.rs");
        assert_eq!(n.normalize("src\\main.rs"), "src/main.rs");
    }

    #[test]
    fn strips_repo_root_and_searches_foreign_prefixes() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("src/deep")).unwrap();
        std::fs::write(root.join("src/deep/lib.rs"), "").unwrap();
        let mut n = PathNormalizer::new(Some(root), &[]);
        let local = format!("{}/src/deep/lib.rs", root.display());
        assert_eq!(n.normalize(&local), "src/deep/lib.rs");
        // Another machine's checkout: found by existence, then remembered.
        assert_eq!(
            n.normalize("/home/runner/work/app/app/src/deep/lib.rs"),
            "src/deep/lib.rs"
        );
        assert_eq!(
            n.normalize("/home/runner/work/app/app/src/gen.rs"),
            "src/gen.rs"
        );
        // Nothing under the root matches: left absolute.
        assert_eq!(n.normalize("/usr/include/stdio.h"), "/usr/include/stdio.h");
        assert_eq!(
            n.normalize("C:\\runner\\app\\src\\deep\\lib.rs"),
            "src/deep/lib.rs"
        );
    }

    #[test]
    fn relative_paths_never_touch_the_file_system() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("gone");
        let mut n = PathNormalizer::new(Some(&root), &[]);
        assert_eq!(n.normalize("./src/lib.rs"), "src/lib.rs");
        // Neither the root's canonical form nor a listing was asked for.
        let tree = n.tree.as_ref().unwrap();
        assert!(tree.canonical.get().is_none());
        assert!(tree.listings.lock().unwrap().is_empty());
    }

    #[test]
    fn directories_are_listed_once_and_shared_by_clones() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("src")).unwrap();
        std::fs::write(root.join("src/a.rs"), "").unwrap();
        let mut first = PathNormalizer::new(Some(root), &[]);
        let mut second = first.clone();
        assert_eq!(first.normalize("/ci/one/src/a.rs"), "src/a.rs");
        // A file created after its directory was listed is not seen: the
        // clone answers from the listing the first one read.
        std::fs::write(root.join("src/b.rs"), "").unwrap();
        assert_eq!(second.normalize("/ci/two/src/b.rs"), "/ci/two/src/b.rs");
        let listed: Vec<String> = {
            let tree = second.tree.as_ref().unwrap();
            let mut keys: Vec<String> = tree.listings.lock().unwrap().keys().cloned().collect();
            keys.sort();
            keys
        };
        // The root and `src`; `ci`, `one`, `two` are not in the root, so
        // no directory under those names was read.
        assert_eq!(listed, vec![String::new(), "src".to_owned()]);
    }

    #[test]
    fn cobertura_filenames_join_their_source() {
        let mut n = PathNormalizer::new(None, &["/tmp/build".into()]);
        let sources = vec!["/tmp/build/pkg".to_owned()];
        assert_eq!(
            resolve_cobertura(&mut n, &sources, "calc/core.py"),
            "pkg/calc/core.py"
        );
        let mut n = PathNormalizer::new(None, &[]);
        assert_eq!(
            resolve_cobertura(&mut n, &sources, "src/core.py"),
            "src/core.py"
        );
        assert_eq!(
            resolve_cobertura(&mut n, &[], "./src/core.py"),
            "src/core.py"
        );
    }
}
