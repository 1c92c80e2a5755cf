//! Passwords: the acceptance policy, and argon2id hashing off the async runtime.
//!
//! Hashing costs about 14 ms of CPU by design, so it runs on the blocking pool behind a
//! semaphore of one permit per core: a burst of sign-ins queues instead of starving requests.

use crate::error::AppError;
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use std::sync::Arc;
use tokio::sync::Semaphore;

pub const MIN_CHARS: usize = 10;
pub const MAX_CHARS: usize = 256;

/// Why a password is refused, if it is. `context` holds words the password must not lean on
/// (the person's name and email).
pub fn refusal(password: &str, context: &[&str]) -> Option<String> {
    let length = password.chars().count();
    if length < MIN_CHARS {
        return Some(format!("must be at least {MIN_CHARS} characters"));
    }
    if length > MAX_CHARS {
        return Some(format!("must be at most {MAX_CHARS} characters"));
    }
    // zxcvbn ships lists of the most common passwords, names and words; a score under 2 means
    // the password is among them or is guessed within about a million tries.
    if (zxcvbn::zxcvbn(password, context).score() as u8) < 2 {
        return Some("is too common or too easy to guess; try a longer phrase".to_owned());
    }
    None
}

/// Hashes and verifies passwords with argon2id at OWASP's recommended cost
/// (m = 19 MiB, t = 2, p = 1).
#[derive(Clone, Debug)]
pub struct Passwords {
    gate: Arc<Semaphore>,
    /// A hash of a random password, verified when the email is unknown so that unknown and
    /// known accounts take the same time to refuse.
    decoy: Arc<str>,
    /// The PHC prefix (algorithm and parameters) of hashes made now; others get re-hashed.
    current_parameters: Arc<str>,
}

impl Passwords {
    pub async fn new() -> Result<Self, AppError> {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let gate = Arc::new(Semaphore::new(cores));
        let decoy_password = crate::identity::tokens::Token::generate("")?
            .reveal()
            .to_owned();
        let decoy = hash_blocking(&gate, decoy_password).await?;
        let current_parameters = decoy.rsplitn(3, '$').nth(2).unwrap_or_default().to_owned();
        Ok(Self {
            gate,
            decoy: decoy.into(),
            current_parameters: current_parameters.into(),
        })
    }

    /// The PHC string of `password`.
    pub async fn hash(&self, password: String) -> Result<String, AppError> {
        hash_blocking(&self.gate, password).await
    }

    /// Whether `password` matches `stored`; with no stored hash, verifies against the decoy
    /// and answers false.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, AppError> {
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| self.decoy.to_string());
        let _permit = self.gate.acquire().await.map_err(AppError::internal)?;
        let matches = tokio::task::spawn_blocking(move || {
            PasswordHash::new(&stored).is_ok_and(|hash| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &hash)
                    .is_ok()
            })
        })
        .await
        .map_err(AppError::internal)?;
        Ok(known && matches)
    }

    /// Whether `stored` was made with other parameters than today's and should be replaced.
    pub fn needs_rehash(&self, stored: &str) -> bool {
        !stored.starts_with(&format!("{}$", self.current_parameters))
    }
}

async fn hash_blocking(gate: &Semaphore, password: String) -> Result<String, AppError> {
    let _permit = gate.acquire().await.map_err(AppError::internal)?;
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|e| AppError::internal(std::io::Error::other(e.to_string())))
    })
    .await
    .map_err(AppError::internal)?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_common_passwords_are_refused() {
        assert!(refusal("short", &[]).unwrap().contains("at least 10"));
        for common in ["password123", "qwertyuiop", "1234567890", "iloveyou12"] {
            assert!(refusal(common, &[]).is_some(), "{common} was accepted");
        }
        assert!(refusal("ana.silva@example.com", &["ana.silva@example.com"]).is_some());
        assert!(refusal("violet-kettle-harbour-93", &[]).is_none());
    }

    #[tokio::test]
    async fn a_hash_is_argon2id_verifies_and_is_current() {
        let passwords = Passwords::new().await.unwrap();
        let hash = passwords
            .hash("violet-kettle-harbour-93".into())
            .await
            .unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(
            passwords
                .verify("violet-kettle-harbour-93".into(), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(
            !passwords
                .verify("violet-kettle-harbour-94".into(), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(!passwords.needs_rehash(&hash));
    }

    #[tokio::test]
    async fn a_hash_made_with_weaker_parameters_is_due_for_rehashing() {
        let passwords = Passwords::new().await.unwrap();
        let weak = "$argon2id$v=19$m=4096,t=1,p=1$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG";
        assert!(passwords.needs_rehash(weak));
    }

    #[tokio::test]
    async fn an_unknown_account_never_verifies() {
        let passwords = Passwords::new().await.unwrap();
        assert!(
            !passwords
                .verify("anything-at-all-1".into(), None)
                .await
                .unwrap()
        );
    }
}
