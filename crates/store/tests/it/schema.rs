//! The two migration folders must describe one schema: same tables, columns, nullability,
//! storage types and indexes. The full-text indexes are each backend's own (FTS5 tables on
//! SQLite, tsvector columns with GIN indexes on PostgreSQL) and are left out of the comparison;
//! the conversation search tests prove they find the same.

use clientele_testkit::{Backend, TestDb};
use sqlx::{Connection, PgConnection, SqliteConnection};
use std::collections::BTreeSet;

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Column {
    table: String,
    name: String,
    /// The SQLite storage class the column uses (PostgreSQL types mapped to theirs).
    storage: String,
    not_null: bool,
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Index {
    table: String,
    columns: Vec<String>,
    unique: bool,
}

#[tokio::test]
async fn both_migrated_schemas_have_the_same_tables_columns_and_indexes() {
    let sqlite = TestDb::new(Backend::Sqlite).await;
    sqlite.connect().await.close().await;
    let postgres = TestDb::new(Backend::Postgres).await;

    let mut lite = SqliteConnection::connect(sqlite.url()).await.unwrap();
    let mut pg = PgConnection::connect(postgres.url()).await.unwrap();
    let (lite_columns, pg_columns) = (
        sqlite_columns(&mut lite).await,
        postgres_columns(&mut pg).await,
    );
    assert!(!lite_columns.is_empty());
    assert_eq!(lite_columns, pg_columns);
    assert_eq!(
        sqlite_indexes(&mut lite).await,
        postgres_indexes(&mut pg).await
    );
}

async fn sqlite_columns(connection: &mut SqliteConnection) -> BTreeSet<Column> {
    let rows: Vec<(String, String, String, bool)> = sqlx::query_as(
        "SELECT m.name, p.name, p.type, p.\"notnull\" FROM sqlite_master m, pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '\\_sqlx%' ESCAPE '\\' \
         AND m.name NOT LIKE '%\\_fts%' ESCAPE '\\'",
    )
    .fetch_all(connection)
    .await
    .unwrap();
    rows.into_iter()
        .map(|(table, name, storage, not_null)| Column {
            table,
            name,
            storage,
            not_null,
        })
        .collect()
}

async fn postgres_columns(connection: &mut PgConnection) -> BTreeSet<Column> {
    let rows: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name NOT LIKE '\\_sqlx%' AND data_type <> 'tsvector'",
    )
    .fetch_all(connection)
    .await
    .unwrap();
    rows.into_iter()
        .map(|(table, name, data_type, nullable)| Column {
            table,
            name,
            storage: sqlite_storage_of(&data_type),
            not_null: nullable == "NO",
        })
        .collect()
}

/// The SQLite storage class that holds each PostgreSQL type in this schema.
fn sqlite_storage_of(postgres_type: &str) -> String {
    match postgres_type {
        "uuid" | "bytea" => "BLOB",
        "bigint" | "integer" | "smallint" | "boolean" => "INTEGER",
        "text" | "jsonb" => "TEXT",
        "double precision" => "REAL",
        other => panic!("no SQLite storage class is declared for PostgreSQL type {other}"),
    }
    .to_owned()
}

async fn sqlite_indexes(connection: &mut SqliteConnection) -> BTreeSet<Index> {
    let rows: Vec<(String, String, bool, i64, String)> = sqlx::query_as(
        "SELECT m.name, il.name, il.\"unique\", ii.seqno, ii.name \
         FROM sqlite_master m, pragma_index_list(m.name) il, pragma_index_info(il.name) ii \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '\\_sqlx%' ESCAPE '\\' \
         AND m.name NOT LIKE '%\\_fts%' ESCAPE '\\' \
         ORDER BY m.name, il.name, ii.seqno",
    )
    .fetch_all(connection)
    .await
    .unwrap();
    let mut indexes: Vec<(String, Index)> = Vec::new();
    for (table, index, unique, _, column) in rows {
        match indexes.last_mut() {
            Some((name, last)) if *name == index => last.columns.push(column),
            _ => indexes.push((
                index,
                Index {
                    table,
                    columns: vec![column],
                    unique,
                },
            )),
        }
    }
    indexes.into_iter().map(|(_, index)| index).collect()
}

async fn postgres_indexes(connection: &mut PgConnection) -> BTreeSet<Index> {
    let rows: Vec<(String, bool, Vec<String>)> = sqlx::query_as(
        "SELECT t.relname::text, ix.indisunique, array_agg(a.attname::text ORDER BY k.ord) \
         FROM pg_index ix \
         JOIN pg_class i ON i.oid = ix.indexrelid \
         JOIN pg_class t ON t.oid = ix.indrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace \
         CROSS JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord) \
         JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum \
         WHERE n.nspname = 'public' AND t.relname NOT LIKE '\\_sqlx%' \
         GROUP BY t.relname, i.relname, ix.indisunique \
         HAVING bool_and(a.atttypid <> 'tsvector'::regtype)",
    )
    .fetch_all(connection)
    .await
    .unwrap();
    rows.into_iter()
        .map(|(table, unique, columns)| Index {
            table,
            columns,
            unique,
        })
        .collect()
}
