//! Where the database is, with any password kept out of logs and error messages.

use crate::db::Backend;
use crate::error::StoreError;
use std::fmt;
use std::path::{Path, PathBuf};

/// The database to use: a SQLite file, or a PostgreSQL URL.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// `sqlite://PATH`: the file is created on first connection when missing.
    Sqlite(PathBuf),
    /// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`.
    Postgres(String),
}

impl DatabaseUrl {
    /// Accepts `sqlite://PATH` or a `postgres://` / `postgresql://` URL.
    pub fn parse(raw: &str) -> Result<Self, StoreError> {
        let raw = raw.trim();
        match raw.split_once("://") {
            Some(("sqlite", path)) => {
                // An in-memory database would differ per connection and vanish on restart.
                if path.is_empty() || path.starts_with(":memory:") || path.contains('?') {
                    return Err(StoreError::UnsupportedUrl(raw.to_owned()));
                }
                Ok(Self::Sqlite(PathBuf::from(path)))
            }
            Some(("postgres" | "postgresql", _)) => Ok(Self::Postgres(raw.to_owned())),
            _ => Err(StoreError::UnsupportedUrl(redact(raw))),
        }
    }

    /// The SQLite file at `path`.
    pub fn sqlite_file(path: &Path) -> Self {
        Self::Sqlite(path.to_owned())
    }

    /// Which engine the URL names.
    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(_) => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Shows the URL with any password replaced by `***` and without query parameters.
impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            Self::Postgres(url) => f.write_str(&redact(url)),
        }
    }
}

fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
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
    let path = tail.split_once('?').map_or(tail, |(path, _)| path);
    format!("{scheme}://{authority}/{path}")
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
        let url = DatabaseUrl::parse("sqlite:///var/lib/clientele/clientele.db").unwrap();
        assert_eq!(
            url,
            DatabaseUrl::Sqlite(PathBuf::from("/var/lib/clientele/clientele.db"))
        );
        assert_eq!(url.backend(), Backend::Sqlite);
    }

    #[test]
    fn a_data_directory_with_unusual_characters_stays_one_path() {
        let url = DatabaseUrl::sqlite_file(Path::new("my data?x/clientele.db"));
        assert_eq!(
            url,
            DatabaseUrl::Sqlite(PathBuf::from("my data?x/clientele.db"))
        );
    }

    #[test]
    fn an_in_memory_sqlite_database_is_refused() {
        assert!(DatabaseUrl::parse("sqlite://:memory:").is_err());
        assert!(DatabaseUrl::parse("sqlite://").is_err());
    }

    #[test]
    fn an_unknown_scheme_is_refused_without_echoing_secrets() {
        let err = DatabaseUrl::parse("mysql://root:hunter22@localhost/x").unwrap_err();
        assert!(!err.to_string().contains("hunter22"), "{err}");
    }
}
