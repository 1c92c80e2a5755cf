//! Random bearer tokens (sessions, API keys) and their at-rest hashes.
//!
//! Tokens carry 256 random bits, so a fast hash is enough at rest: SHA-256 of the token is
//! stored, never the token, and a stolen database dump yields no usable credential.

use crate::error::AppError;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use std::fmt;

/// A token shown to its owner once; `Debug` never prints it.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// A fresh token, `prefix` followed by 32 random bytes in URL-safe base64.
    pub fn generate(prefix: &str) -> Result<Self, AppError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)
            .map_err(|e| AppError::internal(std::io::Error::other(e.to_string())))?;
        Ok(Self(format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))))
    }

    /// Wraps a token received from a client.
    pub fn from_client(raw: &str) -> Self {
        Self(raw.to_owned())
    }

    /// The token itself, for the one response that hands it over.
    pub fn reveal(&self) -> &str {
        &self.0
    }

    /// What is stored: SHA-256 of the token.
    pub fn hash(&self) -> Vec<u8> {
        Sha256::digest(self.0.as_bytes()).to_vec()
    }

    /// The CSRF token bound to this session token: derivable only by someone who holds the
    /// session token (the server; the browser keeps it in an HttpOnly cookie).
    pub fn csrf_token(&self) -> String {
        let mut hasher = Sha256::new();
        hasher.update(b"csrf\0");
        hasher.update(self.0.as_bytes());
        URL_SAFE_NO_PAD.encode(hasher.finalize())
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_prefixed_and_never_debug_printed() {
        let (a, b) = (
            Token::generate("ck_").unwrap(),
            Token::generate("ck_").unwrap(),
        );
        assert_ne!(a, b);
        assert!(a.reveal().starts_with("ck_") && a.reveal().len() == 3 + 43);
        assert!(!format!("{a:?}").contains(&a.reveal()[3..]));
    }

    #[test]
    fn the_csrf_token_depends_on_the_session_token() {
        let (a, b) = (Token::generate("").unwrap(), Token::generate("").unwrap());
        assert_eq!(a.csrf_token(), Token::from_client(a.reveal()).csrf_token());
        assert_ne!(a.csrf_token(), b.csrf_token());
        assert_ne!(a.csrf_token(), a.reveal());
    }
}
