//! Who signed: OpenSSH principal pattern lists and the count of distinct
//! principals behind a set of keys.
//!
//! Neutral ground between [`crate::overrides`], which verifies signatures and
//! reads `allowed_signers`, and [`crate::eval`], which decides whether a
//! `signoff[ID]` rule has enough signers: both need the same matching, and
//! neither may depend on the other for it.
//!
//! Patterns follow OpenSSH (`man ssh_config`, PATTERNS): `*` matches any run
//! of characters, `?` exactly one, and a list `a,b,!c` matches when some
//! plain pattern matches and no negated one does. `allowed_signers`
//! principals and `namespaces=` use them, and so do the `principals` of a
//! `[[signoffs]]` rule. Matching is case-sensitive, as OpenSSH does for
//! principals.

/// Whether `text` matches one pattern (`*` and `?` wildcards).
#[must_use]
pub fn matches(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // Iterative wildcard match with backtracking to the last `*`: linear
    // space, no recursion on hostile input.
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// Whether `text` matches a comma-separated pattern list: some plain pattern
/// matches and no `!negated` one does (a negation wins, as in OpenSSH).
#[must_use]
pub fn matches_list(list: &str, text: &str) -> bool {
    let mut positive = false;
    for pattern in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        if let Some(negated) = pattern.strip_prefix('!') {
            if matches(negated, text) {
                return false;
            }
        } else if matches(pattern, text) {
            positive = true;
        }
    }
    positive
}

/// Whether a pattern holds a wildcard (and so names a group, not one principal).
#[must_use]
pub fn is_wildcard(pattern: &str) -> bool {
    pattern.contains(['*', '?'])
}

/// Gives each key at most one principal and each principal at most one key,
/// as many as possible (a bipartite matching): the principals returned are
/// the distinct people who signed. One key listed under two principals
/// counts once; two keys of one principal count once.
#[must_use]
pub fn assign_distinct(candidates: &[Vec<String>]) -> Vec<String> {
    let principals: Vec<&String> = {
        let mut all: Vec<&String> = candidates.iter().flatten().collect();
        all.sort();
        all.dedup();
        all
    };
    // owner[p] = key index currently holding principal p.
    let mut owner: Vec<Option<usize>> = vec![None; principals.len()];
    for key in 0..candidates.len() {
        let mut visited = vec![false; principals.len()];
        augment(key, candidates, &principals, &mut owner, &mut visited);
    }
    let mut out: Vec<String> = owner
        .iter()
        .zip(&principals)
        .filter(|(o, _)| o.is_some())
        .map(|(_, p)| (*p).clone())
        .collect();
    out.sort();
    out
}

fn augment(
    key: usize,
    candidates: &[Vec<String>],
    principals: &[&String],
    owner: &mut [Option<usize>],
    visited: &mut [bool],
) -> bool {
    for name in &candidates[key] {
        let Some(p) = principals.iter().position(|x| *x == name) else {
            continue;
        };
        if visited[p] {
            continue;
        }
        visited[p] = true;
        let free = match owner[p] {
            None => true,
            Some(other) => augment(other, candidates, principals, owner, visited),
        };
        if free {
            owner[p] = Some(key);
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&[&str]]) -> Vec<Vec<String>> {
        v.iter()
            .map(|k| k.iter().map(|s| (*s).to_owned()).collect())
            .collect()
    }

    #[test]
    fn one_key_under_two_principals_counts_once() {
        assert_eq!(assign_distinct(&names(&[&["alice", "bob"]])).len(), 1);
        assert_eq!(
            assign_distinct(&names(&[&["alice", "bob"], &["alice", "bob"]])).len(),
            2
        );
    }

    #[test]
    fn two_keys_of_one_principal_count_once() {
        assert_eq!(
            assign_distinct(&names(&[&["alice"], &["alice"]])),
            vec!["alice"]
        );
    }

    #[test]
    fn matching_finds_the_best_assignment() {
        // Greedy would give key 0 alice and leave key 1 with nothing.
        assert_eq!(
            assign_distinct(&names(&[&["alice", "bob"], &["alice"]])),
            vec!["alice", "bob"]
        );
        assert!(assign_distinct(&[]).is_empty());
    }

    #[test]
    fn wildcards_match_like_openssh() {
        assert!(matches("*@example.org", "alice@example.org"));
        assert!(!matches("*@example.org", "alice@example.com"));
        assert!(matches("al?ce@*", "alice@x"));
        assert!(!matches("al?ce", "alce"));
        assert!(matches("*", ""));
        assert!(matches("a*b*c", "aXXbYYc"));
        assert!(!matches("a*b*c", "aXXbYY"));
        assert!(matches("tollgate", "tollgate"));
        assert!(!matches("Alice", "alice"));
    }

    #[test]
    fn negation_wins_in_a_list() {
        assert!(matches_list(
            "*@example.org,!mallory@example.org",
            "alice@example.org"
        ));
        assert!(!matches_list(
            "*@example.org,!mallory@example.org",
            "mallory@example.org"
        ));
        assert!(!matches_list("!mallory@example.org", "alice@example.org"));
        assert!(matches_list("git,tollgate", "tollgate"));
        assert!(!matches_list("", "tollgate"));
    }
}
