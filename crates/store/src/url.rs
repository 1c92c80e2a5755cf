//! Where the database is, with any password kept out of logs and error messages.

use crate::db::Backend;
use crate::error::StoreError;
use std::fmt;
use std::path::Path;

/// A database URL: `sqlite://PATH` or `postgres://USER[:PASSWORD]@HOST[:PORT]/DB`.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    /// Accepts a URL whose scheme names a supported backend.
    pub fn parse(raw: &str) -> Result<Self, StoreError> {
        let url = Self(raw.trim().to_owned());
        url.backend()?;
        Ok(url)
    }

    /// The URL of a SQLite file, created on first connection when missing.
    pub fn sqlite_file(path: &Path) -> Self {
        Self(format!("sqlite://{}", path.display()))
    }

    pub fn backend(&self) -> Result<Backend, StoreError> {
        match self.0.split_once("://").map(|(scheme, _)| scheme) {
            Some("sqlite") => Ok(Backend::Sqlite),
            Some("postgres" | "postgresql") => Ok(Backend::Postgres),
            _ => Err(StoreError::UnsupportedUrl(self.redacted())),
        }
    }

    /// The file path of a SQLite URL.
    pub(crate) fn sqlite_path(&self) -> &str {
        let rest = self.0.trim_start_matches("sqlite://");
        rest.split_once('?').map_or(rest, |(path, _)| path)
    }

    /// The full URL, password included: only for handing to the driver.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }

    /// The URL with any password replaced by `***`.
    pub fn redacted(&self) -> String {
        let Some((scheme, rest)) = self.0.split_once("://") else {
            return "***".to_owned();
        };
        let (authority, tail) = rest.split_once('/').unwrap_or((rest, ""));
        let authority = match authority.rsplit_once('@') {
            Some((credentials, host)) => match credentials.split_once(':') {
                Some((user, _)) => format!("{user}:***@{host}"),
                None => format!("{credentials}@{host}"),
            },
            None => authority.to_owned(),
        };
        let query_free_tail = tail.split_once('?').map_or(tail, |(path, _)| path);
        format!("{scheme}://{authority}/{query_free_tail}")
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_never_shows_in_debug_or_display() {
        let url =
            DatabaseUrl::parse("postgres://app:s3cret@db.internal:5432/clientele?password=s3cret")
                .unwrap();
        assert_eq!(
            url.to_string(),
            "postgres://app:***@db.internal:5432/clientele"
        );
        assert!(!format!("{url:?}").contains("s3cret"));
    }

    #[test]
    fn a_sqlite_url_names_its_file() {
        let url = DatabaseUrl::parse("sqlite:///var/lib/clientele/clientele.db?mode=rwc").unwrap();
        assert_eq!(url.backend().unwrap(), Backend::Sqlite);
        assert_eq!(url.sqlite_path(), "/var/lib/clientele/clientele.db");
    }

    #[test]
    fn an_unknown_scheme_is_refused_without_echoing_secrets() {
        let err = DatabaseUrl::parse("mysql://root:hunter22@localhost/x").unwrap_err();
        assert!(!err.to_string().contains("hunter22"), "{err}");
    }
}
