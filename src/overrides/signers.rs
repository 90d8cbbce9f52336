//! OpenSSH `allowed_signers` files (`man ssh-keygen`, ALLOWED SIGNERS).
//!
//! Our own parser because the `ssh-key` crate has none: its
//! `authorized_keys` parser has no leading principals field and splits
//! options at the first space, so a quoted value with a space breaks it.
//!
//! A line is `principals [options] keytype base64-key [comment]`; `#`
//! comments and blank lines are ignored. Principals are a comma-separated
//! pattern list (`*`, `?`, `!negation`). Options are comma-separated and
//! case-insensitive: `namespaces="pattern-list"`, `valid-after=TIME`,
//! `valid-before=TIME` (`YYYYMMDD[Z]` or `YYYYMMDDHHMM[SS][Z]`).
//!
//! Deliberate differences from OpenSSH, each reported rather than silent:
//! - times without `Z` are taken as UTC, not the local time zone (a CI
//!   runner's zone is arbitrary, so "local" would make a verdict depend on
//!   where it ran); write the `Z` to mean what tollgate does;
//! - `cert-authority` lines are refused: tollgate does not verify SSH
//!   certificates, and accepting the CA's own signatures would be wrong;
//! - RSA keys are refused: tollgate is built without the `ssh-key` `rsa`
//!   feature, whose `rsa` crate carries RUSTSEC-2023-0071 (the Marvin timing
//!   side-channel, with no fixed release). Use ed25519 or ECDSA keys.
//!
//! Refused lines are kept as [`Refusal`]s so that signatures by those keys
//! are rejected with the reason instead of "key not listed".

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use ssh_key::public::KeyData;
use ssh_key::PublicKey;

use super::error::{OverrideError, Refused, SignersLineError, Unusable};
use crate::principals;

/// One usable line of an `allowed_signers` file.
#[derive(Debug, Clone)]
pub struct SignerEntry {
    /// `file:line` of the entry, for messages.
    pub location: String,
    /// The principals pattern list as written.
    pub principals: String,
    /// `namespaces=` pattern list, when given.
    pub namespaces: Option<String>,
    /// `valid-after=`: the key is not valid before this time.
    pub valid_after: Option<DateTime<Utc>>,
    /// `valid-before=`: the key is not valid after this time.
    pub valid_before: Option<DateTime<Utc>>,
    /// The key.
    pub key: PublicKey,
}

impl SignerEntry {
    /// The principals this entry names: its plain (not negated) patterns
    /// that the whole list accepts. A wildcard pattern names a group and
    /// counts as one principal.
    #[must_use]
    pub fn identities(&self) -> Vec<String> {
        named_identities(&self.principals)
    }

    /// Whether this entry may sign in `namespace` at `now`; `Err` says why not.
    pub fn usable(&self, namespace: &str, now: DateTime<Utc>) -> Result<(), Unusable> {
        if let Some(ns) = &self.namespaces {
            if !principals::matches_list(ns, namespace) {
                return Err(Unusable::Namespace {
                    location: self.location.clone(),
                    allowed: ns.clone(),
                    namespace: namespace.to_owned(),
                });
            }
        }
        if let Some(after) = self.valid_after {
            if now < after {
                return Err(Unusable::NotYetValid {
                    location: self.location.clone(),
                    after,
                });
            }
        }
        if let Some(before) = self.valid_before {
            if now > before {
                return Err(Unusable::Expired {
                    location: self.location.clone(),
                    before,
                });
            }
        }
        Ok(())
    }
}

/// A line that names a key tollgate will not accept, and why.
#[derive(Debug, Clone)]
pub struct Refusal {
    /// `file:line`.
    pub location: String,
    /// The refused key, when it could be read (to recognise its signatures).
    pub key: Option<KeyData>,
    /// Why.
    pub reason: Refused,
}

/// A parsed `allowed_signers` file.
#[derive(Debug, Clone, Default)]
pub struct AllowedSigners {
    /// Where it was read from.
    pub source: String,
    /// Usable entries, in file order.
    pub entries: Vec<SignerEntry>,
    /// Lines refused on purpose (RSA keys, certificate authorities).
    pub refused: Vec<Refusal>,
}

/// Why RSA keys are refused, in one place for every message.
pub const RSA_REFUSED: &str =
    "RSA keys are refused: tollgate is built without RSA support because the \
     `rsa` crate carries RUSTSEC-2023-0071 (Marvin timing side-channel, no fixed release); \
     sign with an ed25519 or ECDSA key";

impl AllowedSigners {
    /// Parses the file text; `source` names it in errors (`file:line: ...`).
    pub fn parse(source: &str, text: &str) -> Result<Self, OverrideError> {
        let mut out = Self {
            source: source.to_owned(),
            ..Self::default()
        };
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            let trimmed = raw.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let location = format!("{source}:{line}");
            let err = |problem| OverrideError::Signers {
                file: source.to_owned(),
                line,
                problem,
            };
            parse_line(trimmed, &location, &mut out).map_err(err)?;
        }
        Ok(out)
    }

    /// Usable entries listing `key`.
    pub fn entries_for<'a>(&'a self, key: &'a KeyData) -> impl Iterator<Item = &'a SignerEntry> {
        self.entries.iter().filter(move |e| e.key.key_data() == key)
    }

    /// The refusal that names `key`, if any.
    #[must_use]
    pub fn refusal_for(&self, key: &KeyData) -> Option<&Refusal> {
        self.refused.iter().find(|r| r.key.as_ref() == Some(key))
    }
}

/// The principals a pattern list names (see [`SignerEntry::identities`]).
fn named_identities(list: &str) -> Vec<String> {
    list.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty() && !p.starts_with('!'))
        .filter(|p| principals::is_wildcard(p) || principals::matches_list(list, p))
        .map(str::to_owned)
        .collect()
}

fn parse_line(
    line: &str,
    location: &str,
    out: &mut AllowedSigners,
) -> Result<(), SignersLineError> {
    let (principals, rest) = take_field(line)?;
    let principals = principals.trim_matches('"').to_owned();
    if principals.is_empty() {
        return Err(SignersLineError::EmptyPrincipals);
    }
    // OpenSSH reads such an entry and never matches it; a maintainer who
    // wrote one meant something else (found by the allowed_signers fuzz
    // target: an entry of `!alice@example.org` alone).
    if named_identities(&principals).is_empty() {
        return Err(SignersLineError::NoPrincipal(principals));
    }
    let rest = rest.trim_start();
    if rest.is_empty() {
        return Err(SignersLineError::MissingKey);
    }
    let (first, after_first) = take_field(rest)?;
    let (options, key_text) = if looks_like_key_type(first) {
        (None, rest)
    } else {
        (Some(first), after_first.trim_start())
    };
    let mut entry_options = Options::default();
    if let Some(options) = options {
        entry_options = parse_options(options)?;
    }
    let mut fields = key_text.split_whitespace();
    let key_type = fields.next().ok_or(SignersLineError::MissingKey)?;
    let key_b64 = fields
        .next()
        .ok_or_else(|| SignersLineError::MissingKeyData {
            key_type: key_type.to_owned(),
        })?;
    if key_type.contains("-cert-v01@openssh.com") {
        out.refused.push(Refusal {
            location: location.to_owned(),
            key: None,
            reason: Refused::Certificate {
                location: location.to_owned(),
            },
        });
        return Ok(());
    }
    let key = PublicKey::from_openssh(&format!("{key_type} {key_b64}")).map_err(|error| {
        SignersLineError::Key {
            key_type: key_type.to_owned(),
            error,
        }
    })?;
    if entry_options.cert_authority {
        out.refused.push(Refusal {
            location: location.to_owned(),
            key: Some(key.key_data().clone()),
            reason: Refused::CertAuthority {
                location: location.to_owned(),
            },
        });
        return Ok(());
    }
    if matches!(key.key_data(), KeyData::Rsa(_)) || key_type == "ssh-dss" {
        let reason = if key_type == "ssh-dss" {
            Refused::Dsa {
                location: location.to_owned(),
            }
        } else {
            Refused::Rsa {
                location: location.to_owned(),
            }
        };
        out.refused.push(Refusal {
            location: location.to_owned(),
            key: Some(key.key_data().clone()),
            reason,
        });
        return Ok(());
    }
    out.entries.push(SignerEntry {
        location: location.to_owned(),
        principals,
        namespaces: entry_options.namespaces,
        valid_after: entry_options.valid_after,
        valid_before: entry_options.valid_before,
        key,
    });
    Ok(())
}

fn looks_like_key_type(field: &str) -> bool {
    field.starts_with("ssh-")
        || field.starts_with("ecdsa-sha2-")
        || field.starts_with("sk-ssh-")
        || field.starts_with("sk-ecdsa-")
}

/// Splits off the first whitespace-delimited field, whitespace inside double
/// quotes included.
fn take_field(s: &str) -> Result<(&str, &str), SignersLineError> {
    let mut quoted = false;
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => return Ok((&s[..i], &s[i..])),
            _ => {}
        }
    }
    if quoted {
        Err(SignersLineError::UnterminatedQuote)
    } else {
        Ok((s, ""))
    }
}

#[derive(Debug, Default)]
struct Options {
    cert_authority: bool,
    namespaces: Option<String>,
    valid_after: Option<DateTime<Utc>>,
    valid_before: Option<DateTime<Utc>>,
}

fn parse_options(text: &str) -> Result<Options, SignersLineError> {
    let mut options = Options::default();
    for option in split_options(text)? {
        let (name, value) = match option.split_once('=') {
            Some((n, v)) => (n, Some(v.trim_matches('"'))),
            None => (option, None),
        };
        match (name.to_ascii_lowercase().as_str(), value) {
            ("cert-authority", None) => options.cert_authority = true,
            ("namespaces", Some(v)) => options.namespaces = Some(v.to_owned()),
            ("valid-after", Some(v)) => options.valid_after = Some(parse_time(v)?),
            ("valid-before", Some(v)) => options.valid_before = Some(parse_time(v)?),
            (other, _) => {
                return Err(SignersLineError::UnknownOption {
                    name: other.to_owned(),
                })
            }
        }
    }
    Ok(options)
}

/// Splits `a,b="x,y",c` at the commas outside quotes.
fn split_options(text: &str) -> Result<Vec<&str>, SignersLineError> {
    let mut parts = Vec::new();
    let mut quoted = false;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if quoted {
        return Err(SignersLineError::UnterminatedOptionQuote {
            options: text.to_owned(),
        });
    }
    parts.push(&text[start..]);
    if parts.iter().any(|p| p.is_empty()) {
        return Err(SignersLineError::EmptyOption {
            options: text.to_owned(),
        });
    }
    Ok(parts)
}

/// `YYYYMMDD[Z]` or `YYYYMMDDHHMM[SS][Z]`; without `Z` taken as UTC (see the module doc).
fn parse_time(text: &str) -> Result<DateTime<Utc>, SignersLineError> {
    let digits = text.strip_suffix(['Z', 'z']).unwrap_or(text);
    let bad = || SignersLineError::BadTime {
        text: text.to_owned(),
    };
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let num = |range: std::ops::Range<usize>| -> Result<u32, SignersLineError> {
        digits
            .get(range)
            .and_then(|s| s.parse().ok())
            .ok_or_else(bad)
    };
    let date = NaiveDate::from_ymd_opt(
        i32::try_from(num(0..4)?).map_err(|_| bad())?,
        num(4..6)?,
        num(6..8)?,
    )
    .ok_or_else(bad)?;
    let time = match digits.len() {
        8 => NaiveTime::MIN,
        12 => NaiveTime::from_hms_opt(num(8..10)?, num(10..12)?, 0).ok_or_else(bad)?,
        14 => NaiveTime::from_hms_opt(num(8..10)?, num(10..12)?, num(12..14)?).ok_or_else(bad)?,
        _ => return Err(bad()),
    };
    Ok(NaiveDateTime::new(date, time).and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEGz1AvZshQy4y/60Ukb7o+WP5kPdxJwlavf639ujof2";

    fn parse(text: &str) -> Result<AllowedSigners, OverrideError> {
        AllowedSigners::parse("allowed_signers", text)
    }

    #[test]
    fn reads_principals_options_key_and_comment() {
        let text = format!(
            "# comment\n\nalice@example.org,bob@example.org namespaces=\"tollgate,git\",valid-after=20240101,VALID-BEFORE=\"203001011200Z\" {ED} alice laptop\n*@example.org {ED}\n"
        );
        let s = parse(&text).unwrap();
        assert_eq!(s.entries.len(), 2);
        let e = &s.entries[0];
        assert_eq!(e.location, "allowed_signers:3");
        assert_eq!(e.principals, "alice@example.org,bob@example.org");
        assert_eq!(e.namespaces.as_deref(), Some("tollgate,git"));
        assert_eq!(
            e.valid_after.unwrap().to_rfc3339(),
            "2024-01-01T00:00:00+00:00"
        );
        assert_eq!(
            e.valid_before.unwrap().to_rfc3339(),
            "2030-01-01T12:00:00+00:00"
        );
        assert_eq!(e.identities(), vec!["alice@example.org", "bob@example.org"]);
        assert_eq!(s.entries[1].identities(), vec!["*@example.org"]);
    }

    #[test]
    fn validity_and_namespaces_are_honoured() {
        let s = parse(&format!(
            "a namespaces=\"git\" {ED}\nb valid-after=20300101 {ED}\nc valid-before=20200101Z {ED}\n"
        ))
        .unwrap();
        let now = parse_time("20250601Z").unwrap();
        let why = |i: usize| s.entries[i].usable("tollgate", now).unwrap_err();
        assert!(matches!(why(0), Unusable::Namespace { .. }));
        assert!(
            why(0).to_string().contains("namespaces=\"git\""),
            "{}",
            why(0)
        );
        assert!(matches!(why(1), Unusable::NotYetValid { .. }));
        assert!(why(1).to_string().contains("not yet valid"), "{}", why(1));
        assert!(matches!(why(2), Unusable::Expired { .. }));
        assert!(why(2).to_string().contains("expired"), "{}", why(2));
    }

    #[test]
    fn quoted_option_values_may_hold_spaces() {
        let s = parse(&format!("a namespaces=\"tollgate, git\" {ED}\n")).unwrap();
        assert!(s.entries[0].usable("tollgate", Utc::now()).is_ok());
    }

    #[test]
    fn negated_principals_name_no_one() {
        let s = parse(&format!(
            "*@example.org,!mallory@example.org,alice@example.org {ED}\n"
        ))
        .unwrap();
        assert_eq!(
            s.entries[0].identities(),
            vec!["*@example.org", "alice@example.org"]
        );
    }

    #[test]
    fn an_entry_naming_no_one_is_refused_at_its_line() {
        for principals in ["!alice@example.org", "!a,!b", "\",,\"", "!*,"] {
            let e = parse(&format!("# c\n{principals} {ED}\n"))
                .unwrap_err()
                .to_string();
            assert!(
                e.starts_with("allowed_signers:2: the principals"),
                "{principals}: {e}"
            );
            assert!(e.contains("name no one"), "{principals}: {e}");
        }
        // A negation beside a name still names that one.
        let s = parse(&format!("!mallory,alice {ED}\n")).unwrap();
        assert_eq!(s.entries[0].identities(), vec!["alice"]);
    }

    #[test]
    fn errors_name_file_and_line() {
        let e = parse(&format!("# c\nalice bogus=1 {ED}\n"))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("allowed_signers:2: unknown or malformed option `bogus`"),
            "{e}"
        );
        let e = parse("alice ssh-ed25519 !!!\n").unwrap_err().to_string();
        assert!(
            e.starts_with("allowed_signers:1: cannot read the `ssh-ed25519` key"),
            "{e}"
        );
        let e = parse("alice\n").unwrap_err().to_string();
        assert!(e.starts_with("allowed_signers:1: missing key type"), "{e}");
        let e = parse(&format!("alice valid-before=2020 {ED}\n"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("is not YYYYMMDD"), "{e}");
        let e = parse(&format!("alice namespaces=\"x {ED}\n"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("unterminated quote"), "{e}");
    }

    #[test]
    fn cert_authority_is_refused_not_accepted() {
        let s = parse(&format!("*@example.org cert-authority {ED}\n")).unwrap();
        assert!(s.entries.is_empty());
        assert!(matches!(s.refused[0].reason, Refused::CertAuthority { .. }));
        assert!(s.refused[0]
            .reason
            .to_string()
            .contains("cert-authority is not supported"));
    }

    #[test]
    fn times_parse_in_every_openssh_shape() {
        assert_eq!(
            parse_time("20240229").unwrap().to_rfc3339(),
            "2024-02-29T00:00:00+00:00"
        );
        assert_eq!(
            parse_time("20240229Z").unwrap().to_rfc3339(),
            "2024-02-29T00:00:00+00:00"
        );
        assert_eq!(
            parse_time("202402291530").unwrap().to_rfc3339(),
            "2024-02-29T15:30:00+00:00"
        );
        assert_eq!(
            parse_time("20240229153045Z").unwrap().to_rfc3339(),
            "2024-02-29T15:30:45+00:00"
        );
        assert!(parse_time("20230229").is_err());
        assert!(parse_time("2024022915").is_err());
    }
}
