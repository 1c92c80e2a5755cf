//! A fresh, migrated database per test.

use clientele_store::workspace::activity::ChainKey;
use clientele_store::{Backend, DatabaseUrl, Db, PoolSettings};
use sqlx::{AssertSqlSafe, Connection, Executor, PgConnection};
use tempfile::TempDir;

/// The PostgreSQL server tests use; override with `CLIENTELE_TEST_POSTGRES_URL`.
const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";
/// Serializes template creation and cloning across test processes.
const TEMPLATE_LOCK: i64 = 0x636c_6965_6e74;

/// A database that exists for one test and is removed after it.
pub struct TestDb {
    url: String,
    backend: Backend,
    database_name: Option<String>,
    _dir: Option<TempDir>,
}

impl TestDb {
    /// Creates a fully migrated database with no data on `backend` (SQLite: migrated on
    /// first [`TestDb::connect`]).
    ///
    /// Panics with instructions when PostgreSQL cannot be reached: a test that needs it never
    /// passes silently without it.
    pub async fn new(backend: Backend) -> Self {
        Self::create(backend, true).await
    }

    /// Creates an empty database with no schema at all, for tests of migrating itself.
    pub async fn unmigrated(backend: Backend) -> Self {
        Self::create(backend, false).await
    }

    async fn create(backend: Backend, migrated: bool) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("a temporary directory");
                let url = format!("sqlite://{}", dir.path().join("clientele.db").display());
                Self {
                    url,
                    backend,
                    database_name: None,
                    _dir: Some(dir),
                }
            }
            Backend::Postgres => {
                let name = format!("clientele_test_{}", uuid::Uuid::new_v4().simple());
                if migrated {
                    clone_template(&name).await;
                } else {
                    run(
                        &mut admin_connection().await,
                        format!("CREATE DATABASE {name}"),
                        "create a database",
                    )
                    .await;
                }
                let url = database_url(&postgres_url(), &name);
                Self {
                    url,
                    backend,
                    database_name: Some(name),
                    _dir: None,
                }
            }
        }
    }

    /// Runs `sql` on its own connection, behind the application's back: for tests of what the
    /// database refuses and of tampering the application must notice.
    pub async fn execute(&self, sql: &str) -> Result<(), sqlx::Error> {
        use sqlx::{AssertSqlSafe, Connection, Executor};
        match self.backend {
            Backend::Sqlite => {
                let mut connection = sqlx::SqliteConnection::connect(&self.url).await?;
                connection.execute(AssertSqlSafe(sql.to_owned())).await?;
            }
            Backend::Postgres => {
                let mut connection = sqlx::PgConnection::connect(&self.url).await?;
                connection.execute(AssertSqlSafe(sql.to_owned())).await?;
            }
        }
        Ok(())
    }

    /// The number that `sql` (a `SELECT count(*) ...`) answers, read behind the application's
    /// back: for tests of what a refused request must not have written.
    pub async fn count(&self, sql: &str) -> i64 {
        use sqlx::{AssertSqlSafe, Connection};
        let sql = AssertSqlSafe(sql.to_owned());
        match self.backend {
            Backend::Sqlite => {
                let mut connection = sqlx::SqliteConnection::connect(&self.url)
                    .await
                    .expect("a SQLite connection");
                sqlx::query_scalar::<sqlx::Sqlite, i64>(sql)
                    .fetch_one(&mut connection)
                    .await
                    .expect("the count")
            }
            Backend::Postgres => {
                let mut connection = sqlx::PgConnection::connect(&self.url)
                    .await
                    .expect("a PostgreSQL connection");
                sqlx::query_scalar::<sqlx::Postgres, i64>(sql)
                    .fetch_one(&mut connection)
                    .await
                    .expect("the count")
            }
        }
    }

    /// Holds an exclusive lock on `table` (PostgreSQL) until the returned connection is
    /// dropped: for tests of what a request does, and does not, wait for.
    pub async fn lock_table(&self, table: &str) -> sqlx::PgConnection {
        use sqlx::{AssertSqlSafe, Connection, Executor};
        assert_eq!(
            self.backend,
            Backend::Postgres,
            "table locks are PostgreSQL's"
        );
        let mut connection = sqlx::PgConnection::connect(&self.url)
            .await
            .expect("a PostgreSQL connection");
        connection
            .execute(AssertSqlSafe(format!(
                "BEGIN; LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"
            )))
            .await
            .expect("the lock");
        connection
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The URL the application is given.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The SQLite file, for tests that inspect it.
    pub fn sqlite_path(&self) -> Option<std::path::PathBuf> {
        self._dir
            .as_ref()
            .map(|dir| dir.path().join("clientele.db"))
    }

    /// Connects a migrated application pool to this database.
    pub async fn connect(&self) -> Db {
        self.connect_with(PoolSettings::default()).await
    }

    /// Connects a migrated application pool of the given size to this database.
    pub async fn connect_with(&self, settings: PoolSettings) -> Db {
        let url = DatabaseUrl::parse(&self.url).expect("a valid test database URL");
        let db = Db::connect(&url, &settings)
            .await
            .expect("the test database accepts connections");
        db.migrate()
            .await
            .expect("migrations apply to the test database");
        // Store tests chain the log with a fixed key; the application derives its own.
        db.with_chain_key(ChainKey::new([7; 32]))
    }

    /// PostgreSQL only: refuses new connections and ends the open ones, as when the database
    /// server goes away.
    pub async fn cut_off(&self) {
        let name = self
            .database_name
            .as_deref()
            .expect("cut_off needs PostgreSQL");
        let mut admin = admin_connection().await;
        run(
            &mut admin,
            format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false"),
            "refuse connections",
        )
        .await;
        run(
            &mut admin,
            format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
            ),
            "end open connections",
        )
        .await;
    }

    /// PostgreSQL only: ends every open connection to this database (`pg_terminate_backend`),
    /// as a failover or an administrator does; new connections are still accepted.
    pub async fn terminate_connections(&self) {
        let name = self
            .database_name
            .as_deref()
            .expect("terminate_connections needs PostgreSQL");
        run(
            &mut admin_connection().await,
            format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = '{name}' AND pid <> pg_backend_pid()"
            ),
            "end open connections",
        )
        .await;
    }

    /// PostgreSQL only: accepts connections again after [`TestDb::cut_off`].
    pub async fn restore(&self) {
        let name = self
            .database_name
            .as_deref()
            .expect("restore needs PostgreSQL");
        let mut admin = admin_connection().await;
        run(
            &mut admin,
            format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"),
            "accept connections",
        )
        .await;
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(name) = self.database_name.take() else {
            return;
        };
        // Drop runs outside any runtime guarantee, so the cleanup gets a thread of its own.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let mut admin = PgConnection::connect(&postgres_url()).await.ok()?;
                let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                admin.execute(AssertSqlSafe(sql)).await.ok()
            })
        })
        .join();
    }
}

pub(crate) fn postgres_url() -> String {
    std::env::var("CLIENTELE_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_owned())
}

async fn admin_connection() -> PgConnection {
    let url = postgres_url();
    match PgConnection::connect(&url).await {
        Ok(connection) => connection,
        Err(error) => panic!(
            "PostgreSQL is required for the postgres tests but {url} cannot be reached ({error}). \
             Start PostgreSQL there or point CLIENTELE_TEST_POSTGRES_URL at a server where this user may create databases."
        ),
    }
}

/// Clones a database named `name` from a template migrated with this build's migrations.
/// The template's name carries the fingerprint of the migrations this build embeds, so a
/// changed or added migration gets a new template.
async fn clone_template(name: &str) {
    let template = format!(
        "clientele_template_{}",
        Db::schema_fingerprint(Backend::Postgres)
    );
    let mut admin = admin_connection().await;
    run(
        &mut admin,
        format!("SELECT pg_advisory_lock({TEMPLATE_LOCK})"),
        "take the template lock",
    )
    .await;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(&template)
            .fetch_one(&mut admin)
            .await
            .expect("look up the template");
    if !exists {
        build_template(&mut admin, &template).await;
    }
    run(
        &mut admin,
        format!("CREATE DATABASE {name} TEMPLATE {template}"),
        "clone the template",
    )
    .await;
    run(
        &mut admin,
        format!("SELECT pg_advisory_unlock({TEMPLATE_LOCK})"),
        "release the template lock",
    )
    .await;
}

/// Migrates under a temporary name and renames when done, so a crash never leaves a
/// half-migrated template behind under the final name.
async fn build_template(admin: &mut PgConnection, template: &str) {
    let building = format!("{template}_building");
    run(
        admin,
        format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"),
        "drop a stale template",
    )
    .await;
    run(
        admin,
        format!("CREATE DATABASE {building}"),
        "create the template",
    )
    .await;
    let url = DatabaseUrl::parse(&database_url(&postgres_url(), &building)).expect("template URL");
    let db = Db::connect(&url, &PoolSettings::default())
        .await
        .expect("connect to the template");
    db.migrate().await.expect("migrate the template");
    db.close().await;
    run(
        admin,
        format!("ALTER DATABASE {building} RENAME TO {template}"),
        "publish the template",
    )
    .await;
}

/// `base` with its database name replaced by `name`.
fn database_url(base: &str, name: &str) -> String {
    let (without_query, query) = base
        .split_once('?')
        .map_or((base, None), |(b, q)| (b, Some(q)));
    let server = without_query
        .rsplit_once('/')
        .map_or(without_query, |(server, _)| server);
    match query {
        Some(query) => format!("{server}/{name}?{query}"),
        None => format!("{server}/{name}"),
    }
}

/// Runs one administrative statement built from names this module generated.
async fn run(connection: &mut PgConnection, sql: String, what: &str) {
    if let Err(error) = connection.execute(AssertSqlSafe(sql)).await {
        panic!("cannot {what}: {error}");
    }
}
