//! Backups of a SQLite database: a consistent snapshot taken while the server keeps writing,
//! and putting one back. (PostgreSQL has its own tools: `pg_dump` and `pg_restore`.)

use crate::error::StoreError;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AssertSqlSafe, Connection, SqliteConnection};
use std::path::Path;

/// Writes a snapshot of the database at `database` to the new file `to`. `VACUUM INTO` reads
/// inside one transaction on a connection of its own, so the copy is consistent and writers
/// carry on meanwhile (WAL mode lets them).
pub async fn snapshot(database: &Path, to: &Path) -> Result<(), StoreError> {
    let mut connection =
        SqliteConnection::connect_with(&SqliteConnectOptions::new().filename(database)).await?;
    let target = to.to_string_lossy().replace('\'', "''");
    sqlx::query(AssertSqlSafe(format!("VACUUM INTO '{target}'")))
        .execute(&mut connection)
        .await?;
    connection.close().await?;
    Ok(())
}

/// SQLite's own verdict on a database file: `Ok` when `PRAGMA integrity_check` says "ok".
pub async fn integrity_check(database: &Path) -> Result<(), StoreError> {
    let options = SqliteConnectOptions::new()
        .filename(database)
        .read_only(true);
    let mut connection = SqliteConnection::connect_with(&options).await?;
    let verdict: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut connection)
        .await?;
    connection.close().await?;
    match verdict.as_str() {
        "ok" => Ok(()),
        _ => Err(StoreError::Corrupt(format!("integrity_check: {verdict}"))),
    }
}
