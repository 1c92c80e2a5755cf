//! Test support: the real application on a fresh database of either backend.
//!
//! Every test gets its own database: a SQLite file in a temporary directory, or a PostgreSQL
//! database cloned from a migrated template. Nothing is shared between tests, so they run in
//! any order and in parallel.
//!
//! A failure to set up is a failed test, so this crate panics where others return errors.
#![allow(clippy::expect_used, clippy::panic)]

mod accounts;
mod app;
mod browser;
mod catalog;
pub mod crash;
mod db;
mod dns;
pub mod races;
mod smtp;
mod webhooks;

pub use accounts::{Account, ClientAccount, Credentials, PASSWORD, Workspace};
pub use app::{Options, TestApp};
pub use browser::Browser;
pub use catalog::png;
pub use clientele_store::Backend;
pub use db::TestDb;
pub use dns::DnsServer;
pub use smtp::{ReceivedMail, SmtpSink};
pub use webhooks::{ReceivedWebhook, WebhookSink, verify_with_official_library};

/// Declares each `async fn name(backend: Backend)` once and runs it as two tests,
/// `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! on_both_backends {
    ($($(#[$meta:meta])* async fn $name:ident($backend:ident: $backend_type:ty) $body:block)*) => {
        $(
            $(#[$meta])*
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                async fn run($backend: $backend_type) $body

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    run($crate::Backend::Sqlite).await
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    run($crate::Backend::Postgres).await
                }
            }
        )*
    };
}

/// An HTTP client for tests, with the TLS provider the application uses.
pub fn http_client() -> reqwest::Client {
    http_client_builder().build().expect("an HTTP client")
}

/// A builder for a test's HTTP client, with the TLS provider the application uses.
pub fn http_client_builder() -> reqwest::ClientBuilder {
    clientele_app::outbound::install_tls_provider();
    reqwest::Client::builder()
}
