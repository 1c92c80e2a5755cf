//! Clientele's use cases. Each one authorizes through the policy, validates its input, and
//! writes the change together with its activity entry in one transaction.

pub mod clients;
pub mod conversations;
mod cursor;
mod error;
pub mod idempotency;
pub mod identity;
pub mod mail;
pub mod outbound;
pub mod outbox;
pub mod runtime;
pub mod secrets;
pub mod seed;
pub mod workspace;

pub use error::{AppError, FieldError};

use clientele_domain::BaseUrl;
use clientele_store::Db;
use identity::passwords::Passwords;
use outbox::OutboxSettings;
use secrets::SecretKey;
use std::sync::Arc;
use tokio::sync::Notify;

/// What the use cases are configured with.
#[derive(Clone, Debug)]
pub struct Config {
    /// Seals SMTP passwords and queued email bodies; every node must share it.
    pub secret_key: SecretKey,
    /// Where this deployment is reached, for links when a workspace has set no URL of its own.
    pub public_url: BaseUrl,
    pub outbox: OutboxSettings,
    /// Where outgoing connections may go beyond the public internet.
    pub outbound: outbound::Destinations,
    /// Reads the TXT records that prove control of a dashboard domain.
    pub dns: workspace::domains::DnsResolver,
}

/// What every use case needs: the database, the password hasher and the configuration.
#[derive(Clone, Debug)]
pub struct App {
    pub(crate) db: Db,
    pub passwords: Passwords,
    pub config: Arc<Config>,
    /// Wakes this node's outbox worker when something is enqueued.
    outbox_wake: Arc<Notify>,
    /// Delivers webhooks, only to the destinations the configuration allows.
    http: reqwest::Client,
}

impl App {
    /// Prepares the use cases over `db`, chaining its activity log with a key derived from the
    /// server's secret (and computes the hash that unknown sign-ins verify against).
    pub async fn new(db: Db, config: Config) -> Result<Self, AppError> {
        let http = outbound::http_client(&config.outbound, config.outbox.webhook_timeout)
            .map_err(AppError::Internal)?;
        Ok(Self {
            http,
            db: db.with_chain_key(workspace::activity::chain_key(&config.secret_key)),
            passwords: Passwords::new().await?,
            config: Arc::new(config),
            outbox_wake: Arc::new(Notify::new()),
        })
    }
}

impl App {
    /// Whether the database answers.
    pub async fn ping(&self) -> Result<(), AppError> {
        Ok(self.db.ping().await?)
    }

    /// Closes the database pools, waiting for connections in use to come back.
    pub async fn close(&self) {
        self.db.close().await;
    }
}

/// Where a request came from, recorded with the changes it makes.
#[derive(Clone, Debug, Default)]
pub struct RequestContext {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}
