//! Storage errors, classified so callers can answer conflicts and outages precisely.

use thiserror::Error;

/// Why a storage operation failed.
#[derive(Debug, Error)]
pub enum StoreError {
    /// A unique constraint refused the write; `constraint` uses PostgreSQL's default naming
    /// (`table_column_key`) on both backends.
    #[error("unique constraint {constraint} refused the write")]
    Conflict { constraint: String },
    /// A row the write refers to was deleted, or is still referred to, by a concurrent change.
    #[error("a foreign key refused the write")]
    Dangling(#[source] sqlx::Error),
    /// The database did not answer: connection refused or lost, pool exhausted, or closed.
    #[error("the database is unavailable")]
    Unavailable(#[source] sqlx::Error),
    /// Any other error the database reported.
    #[error("database error")]
    Database(#[source] sqlx::Error),
    /// A migration failed, or the database has migrations this build does not know.
    #[error("migrating the database failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A stored value that no longer parses: a bug or a hand-edited database.
    #[error("stored value is invalid: {0}")]
    Corrupt(String),
    /// An activity entry was to be written or checked without the key that chains the log.
    #[error("no activity chain key was given to the store")]
    NoChainKey,
    /// The URL names no supported database; the text is redacted.
    #[error("unsupported database URL {0}: use sqlite://PATH or postgres://USER@HOST/DATABASE")]
    UnsupportedUrl(String),
    /// The SQLite file or its directory could not be created or protected.
    #[error("cannot prepare the database file or directory {path}")]
    Directory {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict {
                constraint: unique_constraint_name(db.as_ref()),
            },
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                StoreError::Dangling(error)
            }
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => StoreError::Unavailable(error),
            sqlx::Error::Database(db) if is_connection_failure(db.code().as_deref()) => {
                StoreError::Unavailable(error)
            }
            _ => StoreError::Database(error),
        }
    }
}

/// PostgreSQL names the constraint; SQLite lists its columns as `table.a, table.b`, which is
/// turned into PostgreSQL's default name for the same constraint, `table_a_b_key`.
fn unique_constraint_name(error: &dyn sqlx::error::DatabaseError) -> String {
    if let Some(name) = error.constraint() {
        return name.to_owned();
    }
    let columns = error
        .message()
        .rsplit_once("constraint failed: ")
        .map_or("", |(_, columns)| columns);
    let mut table = "";
    let mut parts = Vec::new();
    for qualified in columns.split(", ") {
        let (t, column) = qualified.split_once('.').unwrap_or(("", qualified));
        table = t;
        parts.push(column);
    }
    format!("{table}_{}_key", parts.join("_"))
}

/// SQLSTATE classes 08 (connection exception), 57P (operator intervention: shutdown,
/// terminated backend) and 53 (insufficient resources) mean "try again later".
fn is_connection_failure(code: Option<&str>) -> bool {
    code.is_some_and(|c| c.starts_with("08") || c.starts_with("57P") || c.starts_with("53"))
}
