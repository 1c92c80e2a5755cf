//! Clientele's storage: one set of repository functions over SQLite and PostgreSQL.
//!
//! Statements are built once with sea-query and rendered for the backend in use; rows decode
//! through one `FromRow` struct per row type. Modules are grouped by product area (identity,
//! clients, mail, workspace), one module per table or aggregate, and every function on tenant
//! data takes the tenant's id.

pub mod backup;
pub mod clients;
pub mod conversations;
mod db;
mod error;
pub mod idempotency;
pub mod identity;
mod like;
pub mod mail;
pub mod runtime;
mod url;
pub mod workspace;

pub use db::{Backend, Db, PoolSettings, SqliteSync, Tx};
pub use error::StoreError;
pub use url::DatabaseUrl;
