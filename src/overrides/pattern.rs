//! OpenSSH pattern lists (`man ssh_config`, PATTERNS): `*` matches any run of
//! characters, `?` exactly one, and a list `a,b,!c` matches when some plain
//! pattern matches and no negated one does. `allowed_signers` principals and
//! `namespaces=` use them, and so do the `principals` of a `[[signoffs]]` rule.
//!
//! Matching is case-sensitive, as OpenSSH does for principals.

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

#[cfg(test)]
mod tests {
    use super::*;

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
