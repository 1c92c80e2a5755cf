//! The server's secret key, and sealing values with it (the SMTP password, queued email
//! bodies): XChaCha20-Poly1305 with a fresh random nonce per value, so a copy of the database
//! alone reveals neither.

use crate::error::AppError;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;
use std::path::Path;
use thiserror::Error;

const KEY_BYTES: usize = 32;
const NONCE_BYTES: usize = 24;
/// The first byte of a sealed value: the format, so the scheme can change without guessing.
const VERSION: u8 = 1;

/// The key every node of a deployment shares; `Debug` never prints it.
#[derive(Clone)]
pub struct SecretKey(Key);

#[derive(Debug, Error)]
pub enum SecretKeyError {
    #[error("the secret key must be 32 bytes in base64 (e.g. from `openssl rand -base64 32`)")]
    Malformed,
    #[error("cannot read or create the key file {path}")]
    File {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the system's random generator failed")]
    Random,
}

impl SecretKey {
    /// A fresh random key.
    pub fn generate() -> Result<Self, SecretKeyError> {
        let mut bytes = [0u8; KEY_BYTES];
        getrandom::fill(&mut bytes).map_err(|_| SecretKeyError::Random)?;
        Ok(Self(Key::from(bytes)))
    }

    /// A key for `purpose` derived from this one (HMAC-SHA256), so each use has its own.
    pub fn derive(&self, purpose: &str) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(&self.0[..])
            .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
        mac.update(purpose.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// A key given in base64, as in `CLIENTELE_SECRET_KEY`.
    pub fn from_base64(text: &str) -> Result<Self, SecretKeyError> {
        let bytes = STANDARD
            .decode(text.trim())
            .map_err(|_| SecretKeyError::Malformed)?;
        let bytes: [u8; KEY_BYTES] = bytes.try_into().map_err(|_| SecretKeyError::Malformed)?;
        Ok(Self(Key::from(bytes)))
    }

    /// The key stored at `path`, created (readable by this user only) when missing.
    pub fn load_or_create(path: &Path) -> Result<Self, SecretKeyError> {
        let file_error = |source| SecretKeyError::File {
            path: path.display().to_string(),
            source,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => Self::from_base64(&text),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let key = Self::generate()?;
                write_private(path, &STANDARD.encode(key.0)).map_err(file_error)?;
                Ok(key)
            }
            Err(error) => Err(file_error(error)),
        }
    }

    /// Seals `plain`: version byte, nonce, then ciphertext with its tag.
    pub fn seal(&self, plain: &[u8]) -> Result<Vec<u8>, AppError> {
        let mut nonce = [0u8; NONCE_BYTES];
        getrandom::fill(&mut nonce).map_err(|_| AppError::internal(SecretKeyError::Random))?;
        let cipher = XChaCha20Poly1305::new(&self.0);
        let sealed = cipher
            .encrypt(&XNonce::from(nonce), plain)
            .map_err(|_| AppError::internal(std::io::Error::other("sealing failed")))?;
        let mut out = Vec::with_capacity(1 + NONCE_BYTES + sealed.len());
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Opens a value sealed with this key; `None` when it was sealed with another key or altered.
    pub fn open(&self, sealed: &[u8]) -> Option<Vec<u8>> {
        let (&version, rest) = sealed.split_first()?;
        if version != VERSION || rest.len() < NONCE_BYTES {
            return None;
        }
        let (nonce, ciphertext) = rest.split_at(NONCE_BYTES);
        let nonce: [u8; NONCE_BYTES] = nonce.try_into().ok()?;
        XChaCha20Poly1305::new(&self.0)
            .decrypt(&XNonce::from(nonce), ciphertext)
            .ok()
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(***)")
    }
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_their_key_and_unaltered() {
        let key = SecretKey::generate().unwrap();
        let sealed = key.seal(b"hunter2").unwrap();
        assert!(!sealed.windows(7).any(|w| w == b"hunter2"));
        assert_eq!(key.open(&sealed).unwrap(), b"hunter2");
        assert_ne!(
            key.seal(b"hunter2").unwrap(),
            sealed,
            "each seal has its own nonce"
        );
        assert!(SecretKey::generate().unwrap().open(&sealed).is_none());
        let mut altered = sealed.clone();
        *altered.last_mut().unwrap() ^= 1;
        assert!(key.open(&altered).is_none());
    }

    #[test]
    fn a_key_file_is_created_once_and_read_back() {
        let dir = std::env::temp_dir().join(format!("clientele-key-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("secret.key");
        let first = SecretKey::load_or_create(&path).unwrap();
        let again = SecretKey::load_or_create(&path).unwrap();
        assert_eq!(again.open(&first.seal(b"x").unwrap()).unwrap(), b"x");
        assert!(SecretKey::from_base64("c2hvcnQ=").is_err());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
