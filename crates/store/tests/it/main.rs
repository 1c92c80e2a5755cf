//! The store's integration tests: the same repository operations on SQLite and PostgreSQL.
// A test fails by panicking, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod activity;
mod schema;
mod sqlite;
mod workspaces;
