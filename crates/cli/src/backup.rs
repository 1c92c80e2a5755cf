//! `clientele backup` and `clientele restore` for the SQLite default: a consistent snapshot
//! taken while the server keeps serving, and putting one back while it is stopped. A
//! PostgreSQL deployment backs up with `pg_dump` (see the README).

use crate::CliError;
use crate::config::Settings;
use clientele_store::DatabaseUrl;
use clientele_store::backup::{integrity_check, snapshot};
use std::fs::File;
use std::path::{Path, PathBuf};

/// Locks the SQLite file for as long as the returned handle lives: `serve` holds it, so a
/// second server cannot share the file and a restore cannot swap it under a running one.
pub fn lock_database(settings: &Settings) -> Result<Option<File>, CliError> {
    let DatabaseUrl::Sqlite(path) = &settings.database_url else {
        return Ok(None);
    };
    let lock_path = path.with_extension("lock");
    let lock = File::create(&lock_path).map_err(|source| CliError::Lock {
        path: lock_path.clone(),
        source,
    })?;
    match lock.try_lock() {
        Ok(()) => Ok(Some(lock)),
        Err(std::fs::TryLockError::WouldBlock) => Err(CliError::InUse(path.clone())),
        Err(std::fs::TryLockError::Error(source)) => Err(CliError::Lock {
            path: lock_path,
            source,
        }),
    }
}

/// Writes a snapshot of the database to `to`, a file that must not exist yet.
pub async fn backup(settings: &Settings, to: &Path) -> Result<(), CliError> {
    let DatabaseUrl::Sqlite(database) = &settings.database_url else {
        return Err(CliError::PostgresBackup);
    };
    if to.exists() {
        return Err(CliError::BackupExists(to.to_owned()));
    }
    snapshot(database, to).await?;
    integrity_check(to).await?;
    let bytes = std::fs::metadata(to).map(|m| m.len()).unwrap_or_default();
    println!(
        "Backed up {} to {} ({bytes} bytes).",
        database.display(),
        to.display()
    );
    println!(
        "Keep the secret key (secret.key in the data directory) with it: sealed SMTP passwords need it."
    );
    Ok(())
}

/// Replaces the database with the backup at `from`; the server must be stopped. The current
/// file is kept beside it, renamed, never deleted.
pub async fn restore(settings: &Settings, from: &Path) -> Result<PathBuf, CliError> {
    let DatabaseUrl::Sqlite(database) = &settings.database_url else {
        return Err(CliError::PostgresBackup);
    };
    integrity_check(from)
        .await
        .map_err(|source| CliError::NotABackup {
            path: from.to_owned(),
            source,
        })?;
    let _lock = lock_database(settings)?;
    let staged = database.with_extension("db.restoring");
    let _ = std::fs::remove_file(&staged);
    snapshot(from, &staged).await?;
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let kept = database.with_extension(format!("db.before-restore-{stamp}"));
    if database.exists() {
        // The write-ahead log and its index belong to the file they came with.
        for suffix in ["", "-wal", "-shm"] {
            let current = with_suffix(database, suffix);
            if current.exists() {
                std::fs::rename(&current, with_suffix(&kept, suffix)).map_err(CliError::Restore)?;
            }
        }
    }
    std::fs::rename(&staged, database).map_err(CliError::Restore)?;
    println!(
        "Restored {} from {}; the previous database is kept as {}.",
        database.display(),
        from.display(),
        kept.display()
    );
    Ok(kept)
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}
