//! The database handle: SQLite or PostgreSQL behind one type, and the write transaction.
//!
//! SQLite gets two pools on one file: readers that are refused writes (`query_only`), and a
//! single writer whose transactions begin IMMEDIATE, so writers queue in the process instead
//! of failing with "database is locked". PostgreSQL gets one pool.

use crate::error::StoreError;
use crate::url::DatabaseUrl;
use crate::workspace::activity::ChainKey;
use sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};
use sea_query_sqlx::SqlxBinder;
use sha2::{Digest, Sha256};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, FromRow, Postgres, Sqlite, Transaction};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Which database engine a `Db` talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Pool sizing, how long a request may wait for a connection, and SQLite's durability.
#[derive(Clone, Debug)]
pub struct PoolSettings {
    /// PostgreSQL connections, or SQLite reader connections (SQLite always has one writer).
    pub max_connections: u32,
    pub acquire_timeout: Duration,
    pub sqlite_sync: SqliteSync,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(5),
            sqlite_sync: SqliteSync::Full,
        }
    }
}

/// When SQLite (in WAL mode) forces a commit to disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SqliteSync {
    /// `synchronous = FULL`: the WAL is synced at every commit, so an acknowledged write
    /// survives a crash of the process and a loss of power. The default.
    Full,
    /// `synchronous = NORMAL`: synced only at checkpoints. An acknowledged write survives a
    /// crash of the process, but the last ones before a loss of power can be lost (the file
    /// stays consistent either way).
    Normal,
}

/// A row type that decodes from either backend.
pub trait Record:
    for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}
impl<T> Record for T where
    T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}

/// A connection pool to the configured database; cheap to clone. It carries the key that
/// chains the activity log, which the database itself never holds.
#[derive(Clone, Debug)]
pub struct Db {
    pools: Pools,
    chain_key: Option<ChainKey>,
}

#[derive(Clone, Debug)]
enum Pools {
    Sqlite {
        reader: SqlitePool,
        writer: SqlitePool,
    },
    Postgres(PgPool),
}

impl Db {
    /// Opens the pools; a missing SQLite file (and its directory) is created.
    pub async fn connect(url: &DatabaseUrl, settings: &PoolSettings) -> Result<Self, StoreError> {
        match url {
            DatabaseUrl::Sqlite(path) => connect_sqlite(path, settings).await,
            DatabaseUrl::Postgres(url) => connect_postgres(url, settings).await,
        }
    }

    /// Applies the migrations this build carries that the database has not seen yet.
    #[tracing::instrument(skip(self), fields(backend = ?self.backend()))]
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match &self.pools {
            Pools::Sqlite { writer, .. } => SQLITE_MIGRATIONS.run(writer).await?,
            Pools::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
        }
        Ok(())
    }

    /// Identifies the migrations this build carries for `backend`: equal fingerprints mean
    /// equal schemas.
    pub fn schema_fingerprint(backend: Backend) -> String {
        let migrator = match backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        let mut hasher = Sha256::new();
        for migration in migrator.iter() {
            hasher.update(migration.version.to_be_bytes());
            hasher.update(&*migration.checksum);
        }
        hasher
            .finalize()
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Succeeds when the database answers a query; on SQLite, when a reader can read the file
    /// and the writer is free to take a transaction.
    pub async fn ping(&self) -> Result<(), StoreError> {
        match &self.pools {
            Pools::Sqlite { reader, writer } => {
                sqlx::query("SELECT count(*) FROM sqlite_schema")
                    .execute(reader)
                    .await?;
                sqlx::query("SELECT 1").execute(writer).await?;
            }
            Pools::Postgres(pool) => {
                sqlx::query("SELECT 1").execute(pool).await?;
            }
        }
        Ok(())
    }

    /// Waits for checked-out connections to return, then closes every connection.
    pub async fn close(&self) {
        match &self.pools {
            Pools::Sqlite { reader, writer } => {
                reader.close().await;
                writer.close().await;
            }
            Pools::Postgres(pool) => pool.close().await,
        }
    }

    /// Whether [`Db::close`] has run.
    pub fn is_closed(&self) -> bool {
        match &self.pools {
            Pools::Sqlite { writer, .. } => writer.is_closed(),
            Pools::Postgres(pool) => pool.is_closed(),
        }
    }

    /// Which engine this handle talks to.
    pub fn backend(&self) -> Backend {
        match &self.pools {
            Pools::Sqlite { .. } => Backend::Sqlite,
            Pools::Postgres(_) => Backend::Postgres,
        }
    }

    /// The same pools, chaining activity entries with `key`.
    pub fn with_chain_key(mut self, key: ChainKey) -> Self {
        self.chain_key = Some(key);
        self
    }

    pub(crate) fn chain_key(&self) -> Result<&ChainKey, StoreError> {
        self.chain_key.as_ref().ok_or(StoreError::NoChainKey)
    }

    /// Starts a write transaction; it rolls back unless committed.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        let connection = match &self.pools {
            Pools::Sqlite { writer, .. } => {
                Connection::Sqlite(writer.begin_with("BEGIN IMMEDIATE").await?)
            }
            Pools::Postgres(pool) => Connection::Postgres(pool.begin().await?),
        };
        Ok(Tx {
            connection,
            chain_key: self.chain_key.clone(),
        })
    }

    pub(crate) async fn fetch_optional<T: Record>(
        &self,
        statement: &impl SqlxBinder,
    ) -> Result<Option<T>, StoreError> {
        Ok(match &self.pools {
            Pools::Sqlite { reader, .. } => {
                let (sql, values) = statement.build_sqlx(SqliteQueryBuilder);
                sqlx::query_as_with::<Sqlite, T, _>(AssertSqlSafe(sql), values)
                    .fetch_optional(reader)
                    .await?
            }
            Pools::Postgres(pool) => {
                let (sql, values) = statement.build_sqlx(PostgresQueryBuilder);
                sqlx::query_as_with::<Postgres, T, _>(AssertSqlSafe(sql), values)
                    .fetch_optional(pool)
                    .await?
            }
        })
    }

    pub(crate) async fn fetch_all<T: Record>(
        &self,
        statement: &impl SqlxBinder,
    ) -> Result<Vec<T>, StoreError> {
        Ok(match &self.pools {
            Pools::Sqlite { reader, .. } => {
                let (sql, values) = statement.build_sqlx(SqliteQueryBuilder);
                sqlx::query_as_with::<Sqlite, T, _>(AssertSqlSafe(sql), values)
                    .fetch_all(reader)
                    .await?
            }
            Pools::Postgres(pool) => {
                let (sql, values) = statement.build_sqlx(PostgresQueryBuilder);
                sqlx::query_as_with::<Postgres, T, _>(AssertSqlSafe(sql), values)
                    .fetch_all(pool)
                    .await?
            }
        })
    }
}

/// The row of a `SELECT count(*) AS count`.
#[derive(sqlx::FromRow)]
pub(crate) struct Count {
    pub count: i64,
}

/// A write transaction. Repository functions that change data take `&mut Tx`, so a use case
/// can put its change and the change's activity entry in one commit.
#[derive(Debug)]
pub struct Tx {
    connection: Connection,
    chain_key: Option<ChainKey>,
}

#[derive(Debug)]
enum Connection {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

impl Tx {
    pub(crate) fn chain_key(&self) -> Result<&ChainKey, StoreError> {
        self.chain_key.as_ref().ok_or(StoreError::NoChainKey)
    }

    /// Makes every change of the transaction durable at once.
    pub async fn commit(self) -> Result<(), StoreError> {
        match self.connection {
            Connection::Sqlite(tx) => tx.commit().await?,
            Connection::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }

    /// Discards every change of the transaction (dropping it does the same).
    pub async fn rollback(self) -> Result<(), StoreError> {
        match self.connection {
            Connection::Sqlite(tx) => tx.rollback().await?,
            Connection::Postgres(tx) => tx.rollback().await?,
        }
        Ok(())
    }

    /// Reads at most one row inside the transaction, seeing its own uncommitted changes.
    pub(crate) async fn fetch_optional<T: Record>(
        &mut self,
        statement: &impl SqlxBinder,
    ) -> Result<Option<T>, StoreError> {
        Ok(match &mut self.connection {
            Connection::Sqlite(tx) => {
                let (sql, values) = statement.build_sqlx(SqliteQueryBuilder);
                sqlx::query_as_with::<Sqlite, T, _>(AssertSqlSafe(sql), values)
                    .fetch_optional(&mut **tx)
                    .await?
            }
            Connection::Postgres(tx) => {
                let (sql, values) = statement.build_sqlx(PostgresQueryBuilder);
                sqlx::query_as_with::<Postgres, T, _>(AssertSqlSafe(sql), values)
                    .fetch_optional(&mut **tx)
                    .await?
            }
        })
    }

    /// Reads rows inside the transaction, seeing its own uncommitted changes.
    pub(crate) async fn fetch_all<T: Record>(
        &mut self,
        statement: &impl SqlxBinder,
    ) -> Result<Vec<T>, StoreError> {
        Ok(match &mut self.connection {
            Connection::Sqlite(tx) => {
                let (sql, values) = statement.build_sqlx(SqliteQueryBuilder);
                sqlx::query_as_with::<Sqlite, T, _>(AssertSqlSafe(sql), values)
                    .fetch_all(&mut **tx)
                    .await?
            }
            Connection::Postgres(tx) => {
                let (sql, values) = statement.build_sqlx(PostgresQueryBuilder);
                sqlx::query_as_with::<Postgres, T, _>(AssertSqlSafe(sql), values)
                    .fetch_all(&mut **tx)
                    .await?
            }
        })
    }

    /// Runs a statement and returns how many rows it touched.
    pub(crate) async fn execute(&mut self, statement: &impl SqlxBinder) -> Result<u64, StoreError> {
        Ok(match &mut self.connection {
            Connection::Sqlite(tx) => {
                let (sql, values) = statement.build_sqlx(SqliteQueryBuilder);
                sqlx::query_with::<Sqlite, _>(AssertSqlSafe(sql), values)
                    .execute(&mut **tx)
                    .await?
                    .rows_affected()
            }
            Connection::Postgres(tx) => {
                let (sql, values) = statement.build_sqlx(PostgresQueryBuilder);
                sqlx::query_with::<Postgres, _>(AssertSqlSafe(sql), values)
                    .execute(&mut **tx)
                    .await?
                    .rows_affected()
            }
        })
    }
}

async fn connect_sqlite(path: &Path, settings: &PoolSettings) -> Result<Db, StoreError> {
    let is_new = !path.exists();
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        private_dir(dir)?;
    }
    let options = SqliteConnectOptions::new()
        .filename(path)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(match settings.sqlite_sync {
            SqliteSync::Full => SqliteSynchronous::Full,
            SqliteSync::Normal => SqliteSynchronous::Normal,
        })
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));
    let writer = SqlitePoolOptions::new()
        .max_connections(1)
        .acquire_timeout(settings.acquire_timeout)
        .connect_with(options.clone().create_if_missing(true))
        .await?;
    if is_new {
        private_file(path)?;
    }
    let reader = SqlitePoolOptions::new()
        .max_connections(settings.max_connections.max(1))
        .acquire_timeout(settings.acquire_timeout)
        .connect_lazy_with(options.pragma("query_only", "ON"));
    Ok(Db {
        pools: Pools::Sqlite { reader, writer },
        chain_key: None,
    })
}

async fn connect_postgres(url: &str, settings: &PoolSettings) -> Result<Db, StoreError> {
    let options = PgConnectOptions::from_str(url)?.application_name("clientele");
    let pool = PgPoolOptions::new()
        .max_connections(settings.max_connections.max(1))
        .acquire_timeout(settings.acquire_timeout)
        .connect_with(options)
        .await?;
    Ok(Db {
        pools: Pools::Postgres(pool),
        chain_key: None,
    })
}

/// Creates the database's directory when missing, readable by this user only.
fn private_dir(dir: &Path) -> Result<(), StoreError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|source| StoreError::Directory {
        path: dir.display().to_string(),
        source,
    })
}

/// Makes a new database file readable by this user only; SQLite gives its WAL files the same mode.
fn private_file(path: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(
            |source| StoreError::Directory {
                path: path.display().to_string(),
                source,
            },
        )?;
    }
    Ok(())
}
