//! Clientele's storage: one set of repository functions over SQLite and PostgreSQL.
//!
//! Statements are built once with sea-query and rendered for the backend in use; rows decode
//! through one `FromRow` struct per row type. Each aggregate has its own module, and every
//! function on tenant data takes the tenant's id.

pub mod account_tokens;
pub mod activity;
pub mod agents;
pub mod api_keys;
pub mod backup;
pub mod brands;
pub mod client_users;
mod db;
pub mod email;
mod error;
pub mod idempotency;
pub mod images;
mod like;
pub mod members;
pub mod organizations;
pub mod outbox;
pub mod sessions;
pub mod teams;
pub mod throttle;
pub mod two_factor;
mod url;
pub mod workspaces;

pub use db::{Backend, Db, PoolSettings, SqliteSync, Tx};
pub use error::StoreError;
pub use url::DatabaseUrl;
