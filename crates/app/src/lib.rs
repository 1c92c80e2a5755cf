//! Clientele's use cases. Each one authorizes through the policy, validates its input, and
//! writes the change together with its activity entry in one transaction.

pub mod access_report;
pub mod activity;
pub mod agents;
pub mod api_keys;
pub mod auth;
pub mod client_users;
mod cursor;
mod error;
pub mod images;
pub mod members;
pub mod organizations;
pub mod passwords;
pub mod secrets;
pub mod seed;
pub mod setup;
pub mod teams;
pub mod templates;
pub mod tokens;
pub mod user_import;

pub use error::{AppError, FieldError};

use clientele_store::Db;
use passwords::Passwords;

/// What every use case needs: the database and the password hasher.
#[derive(Clone, Debug)]
pub struct App {
    pub db: Db,
    pub passwords: Passwords,
}

impl App {
    /// Prepares the use cases over `db` (computes the hash that unknown sign-ins verify against).
    pub async fn new(db: Db) -> Result<Self, AppError> {
        Ok(Self {
            db,
            passwords: Passwords::new().await?,
        })
    }
}

/// Where a request came from, recorded with the changes it makes.
#[derive(Clone, Debug, Default)]
pub struct RequestContext {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}
