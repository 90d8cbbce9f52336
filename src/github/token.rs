//! The API token, held so that it never prints: not in logs, errors or
//! `Debug` output.
//!
//! `Debug` and `Display` show `<redacted>`; the only way to the value is
//! [`Token::expose_secret`], which exists for the transport and for the
//! Actions `::add-mask::` command.

use std::fmt;

use secrecy::{ExposeSecret as _, SecretString};

use super::error::GitHubError;

/// A GitHub token (`GITHUB_TOKEN`, `--token`) that never prints.
#[derive(Clone)]
pub struct Token(SecretString);

impl Token {
    /// Wraps a token, trimming surrounding whitespace (a secret read from a
    /// file often ends in a newline).
    ///
    /// Fails with [`GitHubError::InvalidToken`] when the token is empty or holds
    /// characters that cannot go into an HTTP header; the error never
    /// contains the token.
    pub fn new(value: impl Into<String>) -> Result<Self, GitHubError> {
        let value: String = value.into();
        let trimmed = value.trim();
        if trimmed.is_empty() {
            return Err(GitHubError::InvalidToken {
                reason: "the token is empty",
            });
        }
        if !trimmed.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(GitHubError::InvalidToken {
                reason: "the token holds whitespace or non-ASCII characters",
            });
        }
        Ok(Self(SecretString::from(trimmed.to_owned())))
    }

    /// The token itself. Use it only to send it to GitHub or to mask it in
    /// Actions logs (`::add-mask::`); never print it.
    #[must_use]
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_never_prints() {
        let token = Token::new("ghs_supersecret").unwrap();
        assert_eq!(format!("{token}"), "<redacted>");
        assert_eq!(format!("{token:?}"), "Token(<redacted>)");
        assert_eq!(format!("{:?}", Some(&token)), "Some(Token(<redacted>))");
        assert_eq!(token.expose_secret(), "ghs_supersecret");
    }

    #[test]
    fn token_is_trimmed_and_validated() {
        assert_eq!(Token::new(" ghs_x\n").unwrap().expose_secret(), "ghs_x");
        assert!(matches!(
            Token::new("  "),
            Err(GitHubError::InvalidToken { .. })
        ));
        let err = Token::new("ghs_a b").unwrap_err();
        assert!(!err.to_string().contains("ghs_a"));
    }
}
